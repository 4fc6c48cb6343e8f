/*
 * inotify (kernel/fs/inotify.c, docs/inotify.md): watches on inodes and
 * the VFS hooks that report changes to them. Every hook starts with one
 * read of the superblock's count of watches, so a filesystem nobody
 * watches pays a load and a branch. Hooks may sleep (they allocate the
 * events before taking the watch lists' spinlocks): call them with at
 * most sleeping locks held (ns_lock, an inode's lock), never a spinlock.
 */
#ifndef ALLOY_INOTIFY_H
#define ALLOY_INOTIFY_H

#include <alloy/types.h>
#include <alloy/vfs.h>
#include <alloy/fanotify.h>

#define IN_ACCESS 0x00000001
#define IN_MODIFY 0x00000002
#define IN_ATTRIB 0x00000004
#define IN_CLOSE_WRITE 0x00000008
#define IN_CLOSE_NOWRITE 0x00000010
#define IN_OPEN 0x00000020
#define IN_MOVED_FROM 0x00000040
#define IN_MOVED_TO 0x00000080
#define IN_CREATE 0x00000100
#define IN_DELETE 0x00000200
#define IN_DELETE_SELF 0x00000400
#define IN_MOVE_SELF 0x00000800
#define IN_ALL_EVENTS 0x00000fff
#define IN_UNMOUNT 0x00002000
#define IN_Q_OVERFLOW 0x00004000
#define IN_IGNORED 0x00008000
#define IN_ONLYDIR 0x01000000
#define IN_DONT_FOLLOW 0x02000000
#define IN_EXCL_UNLINK 0x04000000
#define IN_MASK_CREATE 0x10000000
#define IN_MASK_ADD 0x20000000
#define IN_ISDIR 0x40000000
#define IN_ONESHOT 0x80000000
#define IN_CLOEXEC O_CLOEXEC
#define IN_NONBLOCK O_NONBLOCK

/* Is anything on i's filesystem watched (inotify, dnotify, fanotify)?
 * The hooks' whole cost otherwise. */
static inline bool fsnotify_on(const struct inode *i)
{
	return i && i->sb &&
	       (atomic_read(&i->sb->notify_watches) || atomic_read(&i->sb->fanotify_marks));
}

static inline bool fanotify_on(const struct inode *i)
{
	return i && i->sb && atomic_read(&i->sb->fanotify_marks);
}

/* An event on i itself (no name): its watchers only. */
void fsnotify_inode_slow(struct inode *i, u32 mask);
/* An event on the file at d (inode i): its watchers, and its directory's
 * with d's name (ACCESS, MODIFY, ATTRIB, OPEN, CLOSE_*). d may be NULL. */
void fsnotify_dentry_slow(struct inode *i, struct dentry *d, u32 mask);
/* A change to directory dir's entry name (CREATE, DELETE, MOVED_*). */
void fsnotify_name_slow(struct inode *dir, u32 mask, const char *name, size_t len,
			u32 cookie);
/* i lost its last name and its last dentry: DELETE_SELF, then IGNORED. */
void fsnotify_inoderemove_slow(struct inode *i);

static inline void fsnotify_inode(struct inode *i, u32 mask)
{
	if (fsnotify_on(i))
		fsnotify_inode_slow(i, mask);
}

static inline void fsnotify_dentry(struct inode *i, struct dentry *d, u32 mask)
{
	if (fsnotify_on(i))
		fsnotify_dentry_slow(i, d, mask);
}

/* A file fanotify opened for its listener (f->nonotify) reports nothing. */
static inline void fsnotify_file(struct file *f, u32 mask)
{
	if (!fsnotify_on(f->inode) || (f->flags & O_PATH) || f->nonotify)
		return;
	fsnotify_dentry_slow(f->inode, f->path.dentry, mask);
	if (fanotify_on(f->inode))
		fanotify_file_slow(f, mask);
}

/* FAN_*_PERM for f: 0, -EPERM (a listener said no) or -EINTR (killed). */
static inline int fsnotify_perm(struct file *f, u32 mask)
{
	if (!fanotify_on(f->inode) || (f->flags & O_PATH) || f->nonotify)
		return 0;
	return fanotify_perm_slow(f, mask);
}

/* A change through a path with no open file (truncate, O_TRUNC). */
static inline void fsnotify_path(const struct path *p, u32 mask)
{
	if (!fsnotify_on(p->dentry->inode))
		return;
	fsnotify_dentry_slow(p->dentry->inode, p->dentry, mask);
	if (fanotify_on(p->dentry->inode))
		fanotify_path_slow(p, mask);
}

static inline void fsnotify_name(struct inode *dir, u32 mask, const char *name, size_t len,
				 u32 cookie)
{
	if (fsnotify_on(dir))
		fsnotify_name_slow(dir, mask, name, len, cookie);
}

/* A fresh cookie pairing a rename's MOVED_FROM and MOVED_TO. */
u32 fsnotify_cookie(void);
/* sb is being unmounted: UNMOUNT and IGNORED to every watch on it, whose
 * inode references go (before the filesystem frees its inodes). */
void inotify_unmount(struct super_block *sb);
/* The inode is being freed (no watch can hold it any more). */
void inotify_inode_free(struct inode *i);

/* The syscalls (kernel/syscall/sys_event.c) */
int inotify_file(u32 flags, struct file **out);
bool is_inotify(const struct file *f);
/* The k-th watch of instance f for /proc/<pid>/fdinfo: 0, or -ENOENT
 * past the last. */
int inotify_watch_at(struct file *f, int k, s32 *wd, u64 *ino, u32 *dev, u32 *mask);
/* A watch on i (mask checked by the caller), the same wd for the same
 * inode; read permission on i needed. */
long inotify_add(struct file *f, struct inode *i, u32 mask);
long inotify_rm(struct file *f, s32 wd);
/* dnotify (kernel/fs/dnotify.c), fed by inotify's deliver(): */
#define DN_ACCESS 0x1
#define DN_MODIFY 0x2
#define DN_CREATE 0x4
#define DN_DELETE 0x8
#define DN_RENAME 0x10
#define DN_ATTRIB 0x20
#define DN_MULTISHOT 0x80000000u
/* F_NOTIFY: arg DN_* (0: stop); -ENOTDIR for a file that is no directory. */
long dnotify_fcntl(struct file *f, int fd, u32 arg);
/* The file's last put: its mark goes. */
void dnotify_release(struct file *f);
/* Signal every mark on list (a directory's) that takes one of dn. */
void dnotify_event(struct list_head *list, u32 dn);
/* The DN_* bits an inotify event mask stands for. */
u32 dnotify_of_inotify(u32 in);
/* The directory's list of dnotify marks (made on first use), or NULL. */
struct list_head *inotify_dnotify_list(struct inode *dir);
/* dn to directory dir's dnotify marks (a rename inside it: DN_RENAME). */
void fsnotify_dnotify(struct inode *dir, u32 dn);
/* For vfs.c: has directory dir a watch taking one of ev? (no lock) */
bool inotify_wants(const struct inode *dir, u32 ev);

#endif
