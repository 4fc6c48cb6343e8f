/*
 * The virtual file system: inodes, dentries, mounts and open files, all
 * refcounted. docs/vfs.md describes the design and its locks:
 *
 *   - A superblock's namespace mutex (sb->ns_lock) guards its dentry tree:
 *     lookups, creation, removal and rename in that filesystem.
 *   - An inode's mutex guards its data and size (read/write/truncate).
 *   - A file's pos_lock serialises read/write/lseek on one open file.
 *
 * Order: ns_lock, then inode lock, then the mm lock (copying to user
 * memory may fault). A pointer to an inode or dentry is only kept with a
 * reference (inode_get/dentry_get).
 */
#ifndef ALLOY_VFS_H
#define ALLOY_VFS_H

#include <alloy/atomic.h>
#include <alloy/list.h>
#include <alloy/mutex.h>
#include <alloy/page_tree.h>
#include <alloy/rmap.h>
#include <alloy/types.h>
#include <alloy/wait.h>
#include <uapi/fcntl.h>

#define NAME_MAX 255
#define PATH_MAX 4096
#define SYMLOOP_MAX 40

/* st_mode */
#define S_ISTYPE(m, t) (((m) & S_IFMT) == (t))
#define S_ISDIR(m) S_ISTYPE(m, S_IFDIR)
#define S_ISREG(m) S_ISTYPE(m, S_IFREG)
#define S_ISLNK(m) S_ISTYPE(m, S_IFLNK)
#define S_ISCHR(m) S_ISTYPE(m, S_IFCHR)
#define S_ISFIFO(m) S_ISTYPE(m, S_IFIFO)
#define S_ISBLK(m) S_ISTYPE(m, S_IFBLK)
#define S_ISSOCK(m) S_ISTYPE(m, S_IFSOCK)

/* permission bits of st_mode */
#define S_ISUID 04000
#define S_ISGID 02000
#define S_ISVTX 01000
#define S_IXUGO 0111
#define S_IXGRP 0010

/* what inode_permission asks for (Linux's MAY_*) */
#define MAY_EXEC 1
#define MAY_WRITE 2
#define MAY_READ 4

/* open flags (Linux x86-64) */
/* execve's open: execute permission instead of read (Linux's
 * __FMODE_EXEC bit, never a user flag here). */
#define O_EXEC_KERNEL 040
/* vfs_open_inode: a file that reports no fsnotify event (fanotify's
 * files for its listeners, Linux's FMODE_NONOTIFY); never a user flag. */
#define O_NONOTIFY_KERNEL 010
/* In a create's mode (vfs_open with O_CREAT, vfs_mknod): the caller's
 * umask is still to apply, after the set-group-ID bit was judged on the
 * mode as asked (Linux's mode_strip_sgid comes before the umask). */
#define VFS_MODE_UMASK 0x80000000u

#define MKDEV(ma, mi) (((u32)(ma) << 8) | (u32)(mi))
#define MAJOR(d) ((d) >> 8)
#define MINOR(d) ((d) & 0xff)

struct inode;
struct dentry;
struct path;
struct fiemap_ctx;
struct file;
struct super_block;
struct poll_table;
struct page;
struct pipe;

/* Where data moves: user memory (checked) or a kernel buffer. */
struct iobuf {
	u64 addr;
	bool kernel;
};

int iob_copy_out(struct iobuf b, size_t off, const void *src, size_t n);
int iob_copy_in(void *dst, struct iobuf b, size_t off, size_t n);
/* copy_from_user_nofault's way (<alloy/uaccess.h>). */
int iob_copy_in_nofault(void *dst, struct iobuf b, size_t off, size_t n);
int iob_zero(struct iobuf b, size_t off, size_t n);

struct timespec64 {
	s64 sec;
	s64 nsec;
};

struct path;
struct inode_ops {
	/* On a dentry-cache miss: -ENOENT if absent (memfs keeps all). */
	int (*lookup)(struct inode *dir, const char *name, size_t len, struct inode **out);
	/* New inode of `mode` (any type) with rdev / symlink target, entered
	 * in dir as name. */
	int (*mknod)(struct inode *dir, const char *name, size_t len, u32 mode, u32 rdev,
		     const char *target, struct inode **out);
	int (*link)(struct inode *dir, const char *name, size_t len, struct inode *inode);
	int (*unlink)(struct inode *dir, const char *name, size_t len, struct inode *inode);
	/* Optional: moves odir's entry oname (inode) to nname in ndir,
	 * replacing victim (NULL if none) and fixing link counts. Without it
	 * the dentry tree is the directory (memfs) and the VFS does it all. */
	int (*rename)(struct inode *odir, const char *oname, size_t olen, struct inode *inode,
		      struct inode *ndir, const char *nname, size_t nlen, struct inode *victim);
	int (*readlink)(struct inode *inode, char *buf, size_t len);
	/* Optional: a magic link (/proc/<pid>/ns/<kind>): a walk through it
	 * goes to what it names itself, not to its text. *dir is the
	 * directory the link is in (counted), which it replaces with the
	 * target (counted); 0 or -errno. */
	int (*get_link)(struct inode *link, struct path *dir);
	/* Optional: a magic link (procfs exe, cwd, fd/N) that openat2's
	 * RESOLVE_NO_MAGICLINKS refuses to follow. */
	bool (*magic_link)(const struct inode *inode);
	/* Optional, with magic_link: the object it names (a reference),
	 * which a walk jumps to instead of reading a path. */
	int (*jump)(const struct inode *inode, struct path *out);
	/* Optional (O_TMPFILE): a new inode of mode in dir's filesystem,
	 * named nowhere (nlink 0: freed at the last close unless linked). */
	int (*tmpfile)(struct inode *dir, u32 mode, struct inode **out);
	/* Optional: stores new FS_*_FL flags (inode->lock held; the VFS
	 * has checked them against iflags_ok and sets inode->iflags). */
	void (*set_iflags)(struct inode *inode, u32 flags);
	/* Optional (FS_IOC_FIEMAP): the block map of [start, start + len)
	 * as extents, each given to fiemap_fill until it says stop. */
	int (*fiemap)(struct inode *inode, u64 start, u64 len, struct fiemap_ctx *ctx);
	/* the FS_*_FL flags the filesystem keeps (0: no FS_IOC_*FLAGS) */
	u32 iflags_ok;
	int (*truncate)(struct inode *inode, u64 size);
	/* Optional (mmap): page `index` of the file's cache, referenced;
	 * -EFAULT at or past the end. write: a shared mapping will write it,
	 * so its storage is reserved now. */
	int (*mmap_page)(struct inode *inode, u64 index, bool write, struct page **out);
	/* A page of the file was written through a shared mapping. */
	void (*mmap_dirty)(struct inode *inode, struct page *p);
	/* Optional (mincore): page `index` is in memory now; no I/O. */
	bool (*mmap_resident)(struct inode *inode, u64 index);
	/* Optional: 512-byte blocks the inode holds (default: its pages). */
	u64 (*blocks)(struct inode *inode);
	/* Optional: the number stat shows (default: ino), for a filesystem
	 * whose ino is a key that outlives what the inode shows (procfs). */
	u64 (*st_ino)(const struct inode *inode);
	/* Optional: the VFS changed mode, owner or times (inode->lock held). */
	void (*write_inode)(struct inode *inode);
	void (*evict)(struct inode *inode);	/* last reference gone */
	/* Optional: extended attributes (kernel/syscall/sys_xattr.c; without
	 * them -EOPNOTSUPP, and an empty list). The VFS has checked the name
	 * (full, "user.x": 1..255 bytes, a user., trusted. or security.
	 * prefix and a suffix), the caller's rights and the value's size
	 * (<= XATTR_SIZE_MAX); buffers are kernel memory. Called without
	 * inode->lock. getxattr: the value's length, copied to buf when
	 * size != 0 (-ERANGE if larger); -ENODATA if absent. setxattr: flags
	 * XATTR_CREATE (-EEXIST) / XATTR_REPLACE (-ENODATA); -ENOSPC when it
	 * does not fit. listxattr: every name, each NUL-terminated, the same
	 * way as getxattr. removexattr: -ENODATA if absent. Any: -EOPNOTSUPP
	 * for a namespace the filesystem does not keep. */
	long (*getxattr)(struct inode *i, const char *name, void *buf, size_t size);
	int (*setxattr)(struct inode *i, const char *name, const void *val, size_t size,
			int flags);
	long (*listxattr)(struct inode *i, char *buf, size_t size);
	int (*removexattr)(struct inode *i, const char *name);
	/* Optional, fallocate(2) after the VFS checks (kernel/fs/splice.c):
	 * FALLOC_FL_* mode, a range that fits; takes inode->lock itself. */
	int (*fallocate)(struct inode *inode, int mode, u64 off, u64 len);
	/* Optional, lseek SEEK_DATA / SEEK_HOLE (inode->lock held, off <
	 * size): the first offset >= off in data (-ENXIO: none) or in a hole
	 * (the size if none before it). Without it the file is all data. */
	int (*seek_data)(struct inode *inode, u64 off, bool hole, u64 *out);
};

/* Extended attributes (Linux's limits and flags). */
#define XATTR_NAME_MAX 255		/* with the prefix */
#define XATTR_SIZE_MAX 65536		/* a value */
#define XATTR_LIST_MAX 65536		/* a list */
#define XATTR_CREATE 1
#define XATTR_REPLACE 2
enum xattr_ns { XATTR_NS_NONE, XATTR_NS_USER, XATTR_NS_TRUSTED, XATTR_NS_SECURITY,
		XATTR_NS_SYSTEM };
/* The namespace of a full name, and where its suffix starts (may be ""). */
enum xattr_ns xattr_namespace(const char *name, const char **suffix);

struct kstatfs {
	u64 type, bsize, blocks, bfree, bavail, files, ffree, namelen, frsize, flags;
};

struct super_ops {
	int (*statfs)(struct super_block *sb, struct kstatfs *st);
	/* Writes every dirty page and inode back; 0 or the first error. */
	int (*sync)(struct super_block *sb);
	/* Unmounted and unused: write back and free everything. */
	void (*put_super)(struct super_block *sb);
	/* Optional (name_to_handle_at/open_by_handle_at): the generation
	 * number a file handle carries with i's number, and the live inode
	 * a handle names (a reference), -ESTALE if none: a forged handle
	 * never reaches a freed inode or one of another filesystem. */
	u32 (*fh_generation)(struct inode *i);
	int (*fh_to_inode)(struct super_block *sb, u64 ino, u32 generation, struct inode **out);
};

#define SB_RDONLY 1		/* mount flags */
#define SB_NOCACHE 2		/* lookups make uncached dentries (procfs) */
#define SB_DCACHE_EVICT 4	/* unused dentries may go: lookup finds them again */
#define SB_NOSUID 8		/* set-user-ID bits ignored by execve (MS_NOSUID) */
#define SB_BUSY_DIRS 16		/* rmdir of a directory with children: EBUSY (cgroupfs) */

struct vm_object_ops;
struct file_ops {
	long (*read)(struct file *f, struct iobuf b, size_t n, u64 *pos);
	long (*write)(struct file *f, struct iobuf b, size_t n, u64 *pos);
	/* Readiness mask (POLLIN...); registers on wait queues through pt. */
	unsigned int (*poll)(struct file *f, struct poll_table *pt);
	long (*ioctl)(struct file *f, u32 cmd, u64 arg);
	/* Directory entries from *pos on; see vfs_getdents(). */
	int (*iterate)(struct file *f, u64 *pos,
		       bool (*emit)(void *ctx, const char *name, size_t len, u64 ino,
				    u32 mode, u64 next),
		       void *ctx);
	int (*open)(struct inode *inode, struct file *f);
	void (*release)(struct file *f);
	/* Every close of a descriptor of it, by the closing process (Linux's
	 * flush), where release is the last reference's. */
	void (*flush)(struct file *f);
	/* close(2) is about to drop the last reference, with no lock held:
	 * the one place a close may wait (SO_LINGER). Release, which runs
	 * wherever the last reference goes (an exit, a /proc lookup, under
	 * other locks), must not. */
	void (*close_wait)(struct file *f);
	/* Data (and with !datasync, metadata) on stable storage. */
	int (*fsync)(struct file *f, bool datasync);
	bool seekable;
	/* mmap of it is anonymous memory (/dev/zero), private or shared */
	bool mmap_anon;
	/* Optional: mmap of it maps kernel pages (io_uring's rings): the
	 * object behind bytes [off, off + len) of the file, with a reference
	 * (ops->get), and its first page; -EINVAL for a range it has not. */
	int (*mmap_object)(struct file *f, u64 off, u64 len, const struct vm_object_ops **ops,
			   void **obj, u64 *pgoff);
};

struct super_block {
	struct mutex ns_lock;
	const char *type;
	u32 dev;
	u32 flags;			/* SB_RDONLY */
	atomic_long_t next_ino;
	atomic_t nr_open;		/* open files here: unmount is -EBUSY */
	atomic_t nr_write;		/* regular files open for writing: remount ro is -EBUSY */
	struct dentry *root;
	const struct super_ops *sop;	/* NULL: nothing to sync or free */
	void *priv;			/* the filesystem's */
	struct list_head link;		/* mounted filesystems [mount lock] */
	u32 nr_mounts;			/* mounts of it, detached ones too [mount lock] */
	u64 maxbytes;			/* largest file size; 0: MAX_FILE_SIZE */
	atomic_t notify_watches;	/* inotify watches and dnotify marks on its inodes (the hooks' test) */
	atomic_t dnotify_marks;		/* dnotify's, of those */
	atomic_t fanotify_marks;	/* fanotify marks on it, its inodes or mounts */
};

/* Linux's MAX_LFS_FILESIZE: no file offset or size reaches 2^63. */
#define MAX_FILE_SIZE ((1ULL << 63) - 1)

struct inode {
	atomic_t refcount;
	atomic_t dentries;		/* that name it: at most one for a directory */
	u64 ino;
	u32 mode, nlink, uid, gid, rdev;
	/* Linux's i_writecount: > 0 files open for writing, < 0 programs
	 * running from it; never both (ETXTBSY) */
	atomic_t writecount;
	u64 size;			/* [lock] */
	struct timespec64 atime, mtime, ctime;
	struct mutex lock;		/* data, size, times */
	const struct inode_ops *iop;
	const struct file_ops *fop;
	struct super_block *sb;
	struct page_tree pages;		/* memfs data */
	char *target;			/* symlink target, kmalloc'd */
	void *priv;			/* the filesystem's */
	struct pipe *fifo;		/* a FIFO's pipe, once opened */
	struct vm_rmap mappings;	/* address spaces that map its pages */
	u32 seals;			/* [lock] memfs: F_SEAL_* (memfd_create) */
	struct flock_ctx *flctx;	/* file locks, made at the first (kernel/fs/flock.c) */
	void *xattrs;			/* [lock] memfs: extended attributes */
	u32 xattr_bytes;		/* [lock] memfs: what they take */
	atomic_t opencount;		/* open files (a write lease wants only its own) */
	struct lease *leases;		/* F_SETLEASE's [lease lock] (kernel/fs/lease.c) */
	struct inotify_marks *notify;	/* its inotify watches, made at the first */
	u32 state;			/* I_* [sb->ns_lock] */
	u32 iflags;			/* FS_*_FL (chattr) [lock]; read unlocked */
	u32 generation;			/* memfs: random, in its file handles */
	struct list_head fh_link;	/* memfs: in its inode-number table [table lock] */
	struct dentry *alias;		/* a directory's dentry, no reference [alias lock] */
};

/* Inode attribute flags (FS_IOC_GETFLAGS/SETFLAGS, chattr): Linux's
 * values, which statx's STATX_ATTR_* share for the ones it reports. */
#define FS_SECRM_FL 0x1
#define FS_UNRM_FL 0x2
#define FS_COMPR_FL 0x4
#define FS_SYNC_FL 0x8
#define FS_IMMUTABLE_FL 0x10	/* no change at all, no new names in it */
#define FS_APPEND_FL 0x20	/* writes only at the end, no removal */
#define FS_NODUMP_FL 0x40
#define FS_NOATIME_FL 0x80
#define FS_DIRSYNC_FL 0x10000
#define FS_TOPDIR_FL 0x20000
#define FS_STATX_ATTRS (FS_COMPR_FL | FS_IMMUTABLE_FL | FS_APPEND_FL | FS_NODUMP_FL)

static inline bool inode_immutable(const struct inode *i)
{
	return __atomic_load_n(&i->iflags, __ATOMIC_RELAXED) & FS_IMMUTABLE_FL;
}
static inline bool inode_append_only(const struct inode *i)
{
	return __atomic_load_n(&i->iflags, __ATOMIC_RELAXED) & FS_APPEND_FL;
}
/* chmod, chown, times, xattrs, links and removal: neither flag allows */
static inline bool inode_attr_locked(const struct inode *i)
{
	return __atomic_load_n(&i->iflags, __ATOMIC_RELAXED) & (FS_IMMUTABLE_FL | FS_APPEND_FL);
}

/* inode->state */
#define I_LINKABLE 1	/* an O_TMPFILE's unnamed inode that linkat may name */

struct mount;
struct mnt_ns;
struct peer_group;

struct dentry {
	atomic_t refcount;
	struct inode *inode;		/* NULL once removed */
	struct dentry *parent;		/* holds a reference; self for a root */
	struct super_block *sb;
	struct list_head children;	/* [sb->ns_lock] */
	struct list_head sibling;	/* [sb->ns_lock] */
	struct list_head hash_link;	/* [dcache lock] */
	struct list_head lru;		/* while hashed: dcache_lru [dcache lock] */
	u32 mounted;			/* mounts on it, in any mount [mount_cross_lock] */
	u64 cookie;			/* getdents position in the parent */
	u64 next_cookie;		/* for children */
	bool dead;			/* removed from the tree */
	bool uncached;			/* SB_NOCACHE: in no hash or child list */
	u8 name_len;
	char *name;			/* NUL-terminated, kmalloc'd */
};

/*
 * A mount: a tree of one filesystem's dentries (from root, a directory or
 * file of it: a bind mount shows part of a filesystem, and several mounts
 * may share a super block) placed on a mountpoint of its parent mount.
 * Walks cross from (parent, mountpoint) to (mount, root): a mount is
 * found by its parent and mountpoint, so the same directory seen through
 * two mounts has its own mounts in each. docs/vfs.md "Mounts".
 */
struct mount {
	/* 1 for the tree (attached, or lazily detached until reaped), 1 per
	 * path in it (path_get) and per child mount; freed at 0 */
	atomic_t count;
	struct dentry *root;		/* of the mounted filesystem (or part) */
	struct dentry *mountpoint;	/* in the parent mount; held */
	struct mount *parent;		/* NULL: the root; holds a count; not
					 * followed once lazy [mount_cross_lock] */
	struct list_head children;	/* mounts on it [mount_cross_lock] */
	struct list_head child;		/* in parent->children [mount_cross_lock] */
	struct list_head all;		/* every mount [mount-list lock] */
	struct list_head detached;	/* lazily unmounted [mount lock] */
	u32 flags;			/* MNT_* */
	bool lazy;			/* umount2(MNT_DETACH) took it out [mount lock] */
	atomic_t nr_write;		/* files open for writing through it: making
					 * it read-only is EBUSY meanwhile */
	bool expiry_mark;		/* umount2(MNT_EXPIRE) marked it; its next
					 * mnt_put (a use) clears it */
	/* The mount namespace whose tree holds it (not counted: the
	 * namespace's teardown takes its mounts out first); NULL while a
	 * new mount is being built and once out of the tree [mount lock] */
	struct mnt_ns *ns;
	/* Propagation (kernel/fs/mnt_prop.c, docs/vfs.md "Propagation"),
	 * all [mount lock]: the peer group it is in (shared), the group it
	 * receives from (slave), whether it may be bound (unbindable). The
	 * ids are copies for mountinfo, which reads them without the lock. */
	struct peer_group *group;
	struct list_head peer;		/* in group->peers */
	struct peer_group *master;
	struct list_head slave;		/* in master->slaves */
	u32 group_id, master_id;	/* 0: none */
	bool unbindable;
	/* a propagated copy waiting to be hung on pending_at [mount lock] */
	struct list_head pending;
	struct mount *pending_at;
};

/* Per-mount flags (as statfs's ST_* where Linux has one). */
#define MNT_RDONLY 1			/* writes through this mount are EROFS */
#define MNT_NOSUID 2
#define MNT_NODEV 4
#define MNT_NOEXEC 8
#define MNT_NOATIME 1024
#define MNT_NODIRATIME 2048
#define MNT_RELATIME 4096		/* atime only when older than mtime/ctime or a day */
#define MNT_NOSYMFOLLOW 8192
#define MNT_INTERNAL (1u << 29)		/* the kernel's, in no tree (memfds' home): not MNT_USER_FLAGS */
#define MNT_RO_TRIAL (1u << 30)		/* being made read-only (mount_setattr): not MNT_USER_FLAGS */
#define MNT_USER_FLAGS (MNT_RDONLY | MNT_NOSUID | MNT_NODEV | MNT_NOEXEC | MNT_NOATIME | MNT_NODIRATIME | \
			MNT_RELATIME | MNT_NOSYMFOLLOW)

struct mount *mnt_get(struct mount *m);
/* The last count of an unmounted mount frees it. */
void mnt_put(struct mount *m);
/* The same, leaving an expiry mark (umount2's own lookup is no use). */
void mnt_put_keep_mark(struct mount *m);

/* A position in the tree: a dentry and the mount it was reached in. */
struct path {
	struct mount *mnt;
	struct dentry *dentry;
};

/* dentry->mounted is read by walks and changed by mount, umount and
 * the root move under this lock: a walk takes its reference on the
 * mount's root before the lock drops, so umount either sees that
 * reference (EBUSY) or unhooked the mount first (the walk stays out). */
extern spinlock_t mount_cross_lock;
/* The mount on d as seen in mnt, with a count and a reference on its
 * root dentry, or NULL. */
struct mount *vfs_mount_at(struct mount *mnt, struct dentry *d);

/* The owner of a file's signals: F_SETOWN's pid, thread or group. A
 * process or thread owner is held by reference (so an exited owner's
 * number given to a newcomer never gets its signals: the reference finds
 * the old one, which has gone); a group by number. uid/euid are the
 * setter's, checked against the receiver as Linux's sigio_perm. */
struct process;
struct task;
struct fown {
	u8 type;			/* F_OWNER_* */
	u8 sig;				/* F_SETSIG: 0 is plain SIGIO */
	s32 id;				/* pid, tid or pgid as set; 0: none */
	struct process *proc;		/* F_OWNER_PID: a reference */
	struct task *task;		/* F_OWNER_TID: a reference */
	u32 uid, euid;
};

struct file {
	atomic_t refcount;
	const struct file_ops *fop;
	struct inode *inode;		/* holds a reference */
	struct path path;		/* holds a dentry reference, or NULL */
	struct mutex pos_lock;
	u64 pos;			/* [pos_lock] */
	u32 flags;			/* O_* status flags (F_SETFL) */
	void *priv;
	struct list_head ep_links;	/* epoll items watching it (kernel/fs/epoll.c) */
	bool write_access;		/* holds a count in inode->writecount */
	bool mnt_write;			/* holds a count in path.mnt->nr_write */
	/* Asynchronous notification (kernel/fs/fasync.c, docs/async.md),
	 * the file's last put lets go of them. */
	struct fown fown;		/* F_SETOWN, F_SETSIG: who gets SIGIO */
	struct fasync *fasync;		/* O_ASYNC: hooks on the poll queues */
	struct dnotify_mark *dnotify;	/* F_NOTIFY on this directory */
	struct lease *lease;		/* F_SETLEASE's [lease lock] */
	bool nonotify;			/* opened by fanotify for a listener: no events */
};

/* Write access to a regular file against programs running from it
 * (kernel/fs/file.c): -ETXTBSY while the other side holds it. */
int inode_get_write(struct inode *i);
void inode_put_write(struct inode *i);
int inode_deny_write(struct inode *i);
void inode_allow_write(struct inode *i);

/* inodes and dentries (kernel/fs/vfs.c) */
struct inode *inode_alloc(struct super_block *sb, u32 mode);
void inode_get(struct inode *i);
/* A reference unless the last one is gone (a cache's lookup: the inode
 * may be on its way to eviction); false then, and nothing changed. */
bool inode_tryget(struct inode *i);
/* A directory inode's dentry with a reference, NULL if it has none
 * alive (not the root of its filesystem: that one is sb->root). */
struct dentry *d_find_dir_alias(struct inode *i);
void inode_put(struct inode *i);
struct timespec64 vfs_now(void);
/* After changing an inode's attributes (inode->lock held): tell its fs. */
void inode_changed(struct inode *i);
/* st_blocks: 512-byte blocks in use. */
u64 inode_blocks(struct inode *i);
/* The largest size a file of sb may have (Linux's s_maxbytes). */
u64 sb_maxbytes(const struct super_block *sb);
/* Where a write of *n bytes at pos may go, as Linux's
 * generic_write_check_limits: -EFBIG if pos is at or past the limit,
 * else *n is cut to what fits. Filesystems call it once pos is final
 * (O_APPEND). */
int vfs_write_limit(const struct inode *i, u64 pos, size_t *n);
/* Linux's file_remove_privs: a write, truncate or fallocate by a process
 * without CAP_FSETID takes set-user-ID off a regular file, and set-group-ID
 * where group execute is on. The _locked form with i->lock held. */
void inode_kill_privs(struct inode *i);
void inode_kill_privs_locked(struct inode *i);
/* A regular file growing to size: past the caller's RLIMIT_FSIZE it gets
 * SIGXFSZ and -EFBIG (Linux's inode_newsize_ok), else 0. vfs_write_limit
 * applies it to writes (cut short where they cross it). */
int vfs_fsize_check(u64 size);
/* 0, or -EROFS if p's mount or its filesystem is read-only. */
int vfs_path_writable(const struct path *p);
/* The same for a change to an inode of sb reached through mount m (NULL:
 * none); what an open file's changes ask (its path may have no dentry). */
int vfs_mnt_writable(const struct mount *m, const struct super_block *sb);
/* 0, or -EROFS if sb is mounted read-only. */
int vfs_writable(const struct super_block *sb);
/* An iterate's "." and ".." (cookies 1 and 2; ".." is the parent
 * dentry's inode, or the directory's own at a root): false when emit
 * stopped, and the iterate returns 0. */
bool vfs_emit_dots(struct file *f, u64 *pos,
		   bool (*emit)(void *ctx, const char *name, size_t len, u64 ino, u32 mode,
				u64 next),
		   void *ctx);
bool inode_tunable(const struct inode *i);	/* /proc/sys: writable on a read-only fs */

/*
 * Discretionary access control (docs/permissions.md). inode_permission:
 * may c have mask (MAY_*) on i by its mode, owner and group? Root (fsuid
 * 0) may read and write anything and search any directory, but execute
 * only a file with some execute bit. 0 or -EACCES.
 */
struct cred;
int inode_permission(const struct cred *c, const struct inode *i, int mask);
/* The caller owns i, or is root (Linux's inode_owner_or_capable). */
bool inode_owner_or_root(const struct cred *c, const struct inode *i);
/* The sticky-directory rule: may c remove or replace victim in dir? */
bool may_delete_sticky(const struct cred *c, const struct inode *dir,
		       const struct inode *victim);
/* A new inode's owner and group, from the current process and dir:
 * fsuid, and fsgid or (dir set-group-ID) dir's group, a new directory
 * then set-group-ID too. Filesystems call it from their mknod. */
void inode_init_owner(struct inode *i, const struct inode *dir);
struct dentry *dentry_get(struct dentry *d);
void dentry_put(struct dentry *d);
/* Child of parent named name, with a reference; NULL if not cached. */
struct dentry *d_lookup(struct dentry *parent, const char *name, size_t len);
/* Links a new child (takes over the inode reference); caller holds ns_lock. */
struct dentry *d_add(struct dentry *parent, const char *name, size_t len,
		     struct inode *inode);
/* A child that is in no hash or child list, for SB_NOCACHE filesystems:
 * the caller's reference is its only one (takes over inode's). */
struct dentry *d_alloc_uncached(struct dentry *parent, const char *name, size_t len,
				struct inode *inode);
/* Unhashes d and drops the tree's reference; caller holds ns_lock. */
void d_delete(struct dentry *d);
int d_move(struct dentry *d, struct dentry *newparent, const char *name, size_t len);
/* a and b swap names and parents (rename's RENAME_EXCHANGE; the
 * caller holds the ns_lock). */
int d_exchange(struct dentry *a, struct dentry *b);
/* inotify: d's directory, referenced, if a watch on it takes one of ev,
 * with d's name copied to name (NAME_MAX + 1 bytes) and whether d was
 * unlinked; else NULL. Takes only the dcache lock (a spinlock). */
struct inode *dentry_parent_watched(struct dentry *d, u32 ev, char *name, size_t *len,
				    bool *unlinked);
/* fanotify: d's directory's inode, referenced, or NULL (a root). */
struct inode *dentry_parent_inode(struct dentry *d);
struct super_block *sb_create(const char *type);
int sb_set_root(struct super_block *sb, struct inode *root);

/* mmap of files (kernel/fs/mmap.c): maps [addr, addr + len) of the
 * current process to f from byte off; 0 or -errno. file_mmap_check says
 * whether it may (and with what VMA_MAY_* rights) without changing
 * anything, so MAP_FIXED can refuse before it unmaps. */
int file_mmap_check(struct file *f, u64 len, u32 prot, bool shared, u64 off, u32 *may);
int file_mmap(struct file *f, u64 addr, u64 len, u32 prot, bool shared, u64 off);
/* The ops that map f's pages (obj = f), or NULL if its filesystem cannot. */
struct vm_object_ops;
const struct vm_object_ops *file_vm_object(struct file *f);

/* open files (kernel/fs/file.c) */
bool is_signalfd(const struct file *f);
/* Leases (kernel/fs/lease.c): F_SETLEASE, F_GETLEASE; the file's last
 * put lets go; an open (flags: its O_*) breaks the ones it conflicts
 * with and waits (0, -EWOULDBLOCK, -EINTR). */
long lease_set(struct file *f, int fd, long arg);
long lease_get(struct file *f);
void lease_release(struct file *f);
int lease_break(struct inode *i, u32 flags);
struct file *file_alloc(struct inode *inode, const struct path *p, u32 flags);
struct file *file_get(struct file *f);
void file_put(struct file *f);
long file_read(struct file *f, struct iobuf b, size_t n);
long file_write(struct file *f, struct iobuf b, size_t n);
long file_read_at(struct file *f, struct iobuf b, size_t n, u64 pos);
/* After a read or a listing: the access time, as the mount's flags say. */
void file_accessed(struct file *f);
long file_write_at(struct file *f, struct iobuf b, size_t n, u64 pos);
/* Opens an inode reached at p (devices pick their ops by rdev). */
int vfs_open_inode(const struct path *p, u32 flags, struct file **out);

/* path walk and namespace operations (kernel/fs/namei.c) */
#define LOOKUP_FOLLOW 1		/* follow a final symlink */
#define LOOKUP_DIRECTORY 2	/* the result must be a directory */
#define LOOKUP_PARENT 4		/* stop at the parent; see vfs_walk_parent */

void vfs_set_root(struct mount *m);
struct path vfs_root(void);
void path_get(const struct path *p);
void path_put(struct path *p);
/* Moves cur (counted) to its parent, across mount points, up to the
 * system's root (a chroot's does not stop it): false at the top. */
bool vfs_path_up(struct path *cur);
/* Resolves a kernel-space path relative to `base` (NULL: cwd), with
 * search permission on each directory for the caller (or for c). */
int vfs_walk(const struct path *base, const char *path, int flags, struct path *out);
int vfs_walk_cred(const struct cred *c, const struct path *base, const char *path, int flags,
		  struct path *out);
/* Resolves all but the last component; *name points into path. */
int vfs_walk_parent(const struct path *base, const char *path, struct path *parent,
		    const char **name, size_t *len);
int vfs_open(const struct path *base, const char *path, u32 flags, u32 mode,
	     struct file **out);
/* vfs_open with openat2's RESOLVE_* flags (base: the dirfd, never NULL
 * when resolve scopes the walk). */
/* Opens the inode at p with open's checks (open_by_handle_at). */
int vfs_open_path(const struct path *p, u32 flags, struct file **out);
int vfs_open_resolve(const struct path *base, const char *path, u32 flags, u32 mode,
		     u32 resolve, struct file **out);
int vfs_mknod(const struct path *base, const char *path, u32 mode, u32 rdev);
/* The same, giving the new node's path (with a reference) in out. */
int vfs_mknod_path(const struct path *base, const char *path, u32 mode, struct path *out);
int vfs_mkdir(const struct path *base, const char *path, u32 mode);
int vfs_symlink(const struct path *base, const char *target, const char *path);
/* A new name for the inode at src (held by the caller). */
/* FS_IOC_FIEMAP (kernel/fs/fiemap.c): a batch of whole extents that
 * the filesystem fills under its locks (the VFS copies them out after,
 * with none held: the user's buffer may fault); fiemap_fill returns 1
 * when the batch is full (stop), 0 for more. */
#define FIEMAP_BATCH 32
struct fiemap_ctx {
	u32 n;
	struct {
		u64 logical, physical, length;
		u32 flags;
	} ext[FIEMAP_BATCH];
};
#define FIEMAP_EXTENT_LAST 0x1
#define FIEMAP_EXTENT_MERGED 0x1000
int fiemap_fill(struct fiemap_ctx *c, u64 logical, u64 physical, u64 len, u32 flags);
long vfs_ioctl_fiemap(struct file *f, u64 uarg);
/* FS_IOC_GETFLAGS / FS_IOC_SETFLAGS on f's inode (ENOTTY where the
 * filesystem keeps none). */
long vfs_ioctl_iflags(struct file *f, bool set, u64 uarg);
int vfs_link_path(const struct path *src, const struct path *nbase, const char *new);
int vfs_link(const struct path *obase, const char *old, const struct path *nbase,
	     const char *new, int flags);
int vfs_unlink(const struct path *base, const char *path);
int vfs_rmdir(const struct path *base, const char *path);
/* renameat2's flags */
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
int vfs_rename(const struct path *obase, const char *old, const struct path *nbase,
	       const char *new, unsigned flags);
int vfs_readlink(const struct path *p, char *buf, size_t len);
int vfs_truncate(struct inode *inode, u64 size);
/* truncate(2): the same after checking the caller may write p's file. */
int vfs_truncate_path(const struct path *p, u64 size);
/* Absolute path of p (as the caller's root sees it) into buf; returns
 * its length with the NUL. */
int vfs_path_name(const struct path *p, char *buf, size_t len);
/* The same, saying whether p is outside the caller's root (chroot): the
 * name is then from the system's root. */
int vfs_path_name_at(const struct path *p, char *buf, size_t len, bool *unreachable);
/* A new mount of sb's root at `at` (NULL: the root), with MNT_* flags. */
int vfs_mount(struct super_block *sb, const struct path *at);
int vfs_mount_flags(struct super_block *sb, const struct path *at, u32 mnt_flags);
/* A mount of sb's root hung nowhere, in no namespace yet (caller holds
 * the mount table lock: kernel/fs/mount.c). */
struct mount *vfs_new_mount(struct super_block *sb, u32 mnt_flags);
/* mount.c's: hang m on at / take it off (mount_cross_lock held). */
int vfs_attach_mount(struct mount *m, const struct path *at);
int vfs_attach_mount_locked(struct mount *m, const struct path *at);	/* no type check */
void vfs_detach_mount_locked(struct mount *m);
/* Is d at or below anc (both of one filesystem; its ns_lock held)? */
bool dentry_is_below(struct dentry *d, struct dentry *anc);
/* Calls fn for every mount, oldest first, with the mount list locked
 * (fn may take ns locks: vfs_path_name); stops at fn's first nonzero. */
int vfs_for_each_mount(int (*fn)(void *ctx, struct mount *m), void *ctx);
/* /proc/mounts' list: a new mount; one going away (twice is once). */
void vfs_mount_list_add(struct mount *m);
void vfs_mount_unlist(struct mount *m);

/* disk filesystems and the mount table (kernel/fs/mount.c) */
struct blkdev;
int ext2_mount(struct blkdev *bd, u32 flags, struct super_block **out);
bool ext2_may_write(struct super_block *sb);	/* remount read-write allowed */
/* mount(2): the filesystem of `type` on block device `source`, at `at`. */
/* source is looked up from base (NULL: the root), as a mount(2) from the cwd */
int vfs_mount_dev(const struct path *base, const char *source, const char *type, u32 flags,
		  u32 mnt_flags, const struct path *at);
/* mount(2) of a memory filesystem (tmpfs) at `at`; opts as tmpfs's (size=). */
int vfs_mount_mem(const char *opts, bool huge, u32 flags, u32 mnt_flags, const struct path *at);
/* umount(2) of the mount whose root is p: -EBUSY while anything uses it. */
/* flags: MNT_DETACH takes a busy mount out of the tree now and frees it
 * once nothing uses it. */
int vfs_umount(const struct path *p, int flags);
/* Frees the unmounted mounts nothing uses any more (the flusher's, and
 * umount2's once its own path is let go of). */
void vfs_reap_detached(void);
/* A lazily unmounted mount lost a user (mnt_put): the next
 * vfs_reap_pending, from a place that holds no lock (close, exit), frees
 * what is idle now rather than at the flusher's next round. */
void vfs_reap_request(void);
void vfs_reap_pending(void);
/* mount(MS_BIND): what src shows (and with rec the mounts below it) also
 * at `at`; flags its MNT_* flags. */
int vfs_bind_mount(const struct path *src, const struct path *at, bool rec);
/* mount(MS_MOVE): the mount whose root is from, to `to`. */
int vfs_move_mount(const struct path *from, const struct path *to);
/* MS_REMOUNT|MS_BIND: only the mount's own flags. */
int vfs_remount_mnt(const struct path *at, u32 mnt_flags);
int vfs_sync_all(void);
int vfs_sync_fs(struct super_block *sb);
void vfs_start_flusher(void);
/* At boot, after the disks: root=/dev/vdX makes that ext2 disk `/`. */
int vfs_mount_root(void);

/* The mount tree's parts for namespaces and the new mount API
 * (kernel/fs/mount.c; docs/vfs.md "Mount namespaces"). */
/* A copy of from's tree becomes to's; each of the n paths (in from's
 * tree) gets the same place in the copy in out[i], with references
 * (mnt NULL where it has none: a path outside the tree). */
int vfs_copy_ns(struct mnt_ns *from, struct mnt_ns *to, const struct path *in,
		struct path *out, int n, bool to_slave);
/* mount(2) MS_SHARED, MS_PRIVATE, MS_SLAVE or MS_UNBINDABLE (one) on p's
 * mount (rec: and every mount below it); mount_setattr's propagation. */
int vfs_change_propagation(const struct path *p, u32 type, bool rec);
/* A new filesystem's first mount on at, propagated (devpts). */
int vfs_mount_sb(struct super_block *sb, const struct path *at, u32 mnt_flags);
/* m's namespace becomes ns (counting the namespaces' mounts); under the
 * mount lock, or at boot. */
void vfs_mount_set_ns(struct mount *m, struct mnt_ns *ns);
/* Takes every mount of ns's tree out (lazily: one in use goes when its
 * last user lets go) and frees what is idle. May sleep. */
void vfs_dissolve_ns(struct mnt_ns *ns);
/* fsconfig(FSCONFIG_CMD_CREATE): a new mount of filesystem `type` (a
 * disk's from `source`, looked up from base; a tmpfs with `opts`), hung
 * nowhere, as the top of a new detached tree (an anonymous namespace). */
int vfs_create_detached(const struct path *base, const char *type, const char *source,
			const char *opts, u32 sb_flags, struct mnt_ns **out);
/* open_tree(OPEN_TREE_CLONE): a detached copy of what p shows (with rec,
 * the mounts below it too) in a new anonymous namespace. */
int vfs_clone_detached(const struct path *p, bool rec, struct mnt_ns **out);
/* mount_setattr: set then clear MNT_* flags on p's mount (rec: and every
 * mount below it), all or none. */
int vfs_mount_setattr(const struct path *p, u32 set, u32 clr, bool rec);
/* pivot_root(2): new_root becomes the caller's root, the old root moves
 * to put_old (Linux's checks and errnos). */
int vfs_pivot_root(const struct path *new_root, const struct path *put_old);

/* the memory filesystem (kernel/fs/memfs.c) */
struct super_block *memfs_create(void);
/* One with mount options (NULL: none), root directory mode 1777;
 * -EINVAL for an option memfs does not take. */
int memfs_create_opts(const char *opts, struct super_block **out);
/* mount -o remount,size=,nr_inodes= of a memfs: -EINVAL below what it holds. */
int memfs_remount(struct super_block *sb, const char *opts);
/* MS_REMOUNT (kernel/fs/mount.c): MS_RDONLY and MS_NOSUID of the
 * filesystem mounted at `at`, and a memfs's options. */
int vfs_remount(const struct path *at, u32 flags, const char *opts);
extern const struct file_ops memfs_dir_fops;
/* An unlinked read-write memory file of size bytes: what a shared
 * anonymous mapping maps (memfs_anon_init at boot makes its home). */
int memfs_anon_file(u64 size, struct file **out);
/* The same on the internal hugetlbfs (MAP_HUGETLB, SHM_HUGETLB). */
int hugetlb_anon_file(u64 size, struct file **out);
/* mount -t hugetlbfs: memfs with files of huge pages (options: size=,
 * nr_inodes=, mode=, uid=, gid=, pagesize=). */
int hugetlbfs_create_opts(const char *opts, struct super_block **out);
/* A hugetlbfs file; mmap's reservation of [off, off + len) (huge-aligned)
 * and growth of a writable mapping's file (kernel/fs/memfs.c). */
bool memfs_is_huge(const struct inode *i);
int memfs_huge_reserve(struct inode *i, u64 off, u64 len, bool write, bool noreserve);
int memfs_huge_reserve_new(struct inode *i, u64 off, u64 len, bool noreserve);
void memfs_anon_init(void);
/* memfd_create: an unlinked memory file named "memfd:NAME" (MFD_* flags
 * of <uapi/fcntl.h>); its name for /proc (NULL for other files); whether
 * seals forbid writing it through a new shared mapping; F_ADD_SEALS and
 * F_GET_SEALS (-EINVAL for a file of another filesystem). */
int memfs_memfd(const char *name, u32 flags, struct file **out);
/* Pages every memfs holds but hugetlbfs's (/proc/meminfo's Shmem). */
u64 memfs_shmem_pages(void);
const char *memfs_memfd_name(const struct inode *i);
bool memfs_write_sealed(struct inode *i);
long memfs_seals(struct file *f, int cmd, u32 seals);

/* pipes (kernel/fs/pipe.c): a read end and a write end */
int pipe_create(u32 flags, struct file **rd, struct file **wr);
int fifo_open(struct inode *inode, struct file *f);
/* fcntl F_GETPIPE_SZ / F_SETPIPE_SZ; -EBADF if f is not a pipe. */
long pipe_fcntl(struct file *f, int cmd, u64 arg);
void fifo_evict(struct inode *inode);	/* the FIFO inode's pipe */
/* splice support: f's pipe (NULL if f is no pipe or FIFO); reads and
 * writes with these flags instead of the file's; PIPE_PEEK leaves the
 * bytes in (from skip on) until pipe_consume; free bytes now. */
#define PIPE_NONBLOCK 1
#define PIPE_PEEK 2
#define PIPE_PACKET 4	/* (pipe.c: a write through an O_DIRECT file) */
struct pipe *pipe_of(struct file *f);
long pipe_xfer_read(struct pipe *p, struct iobuf b, size_t n, size_t skip, int flags);
long pipe_xfer_write(struct pipe *p, struct iobuf b, size_t n, int flags);
void pipe_consume(struct pipe *p, size_t n);
size_t pipe_room(struct pipe *p);

/* char devices (kernel/fs/devices.c) */
int chrdev_open(struct inode *inode, struct file *f);
/* The console terminal (kernel/drivers/tty.c). */
int tty_open(struct inode *inode, struct file *f);
void tty_init(void);

/* /proc (kernel/fs/procfs.c) */
struct super_block *procfs_create(void);
/* /sys (kernel/fs/sysfs.c): a new sysfs mounted at `at` (SB_NOSUID kept) */
int sysfs_mount(u32 flags, const struct path *at);

/* boot: root, /dev and the initramfs (kernel/fs/initramfs.c) */
void vfs_init(void);
int initramfs_unpack(const u8 *archive, size_t len);

#endif
