/*
 * Syscalls that name files by path: open, the *at family, mkdir, unlink,
 * rename, links, stat, access, cwd. The VFS checks the mode bits
 * (kernel/fs/namei.c); the attribute changes here check ownership:
 * chmod, chown and utimensat as Linux (docs/permissions.md).
 */
#include <alloy/blkdev.h>
#include <alloy/cred.h>
#include <uapi/capability.h>
#include <alloy/errno.h>
#include <alloy/inotify.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include "sysfs.h"

long getname(u64 upath, char **out, bool empty_ok)
{
	char *buf = kmalloc(PATH_MAX, GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	long n = strncpy_from_user(buf, (const char *)upath, PATH_MAX);
	if (n == 0 && !empty_ok)
		n = -ENOENT;
	if (n < 0) {
		kfree(buf);
		return n;
	}
	*out = buf;
	return 0;
}

int at_base(u64 dirfd, struct path *out)
{
	if ((int)dirfd == AT_FDCWD) {
		proc_cwd(out);
		return 0;
	}
	struct file *f = fget(dirfd);
	if (!f)
		return -EBADF;
	int rc = 0;
	if (!f->path.dentry || !S_ISDIR(f->inode->mode))
		rc = -ENOTDIR;
	else
		path_get(&f->path), *out = f->path;
	file_put(f);
	return rc;
}

/* The base for name: none (the root) when it is absolute, where dirfd
 * does not matter (even a bad one), else dirfd's directory. */
static int at_base_for(u64 dirfd, const char *name, struct path *out)
{
	if (name[0] == '/') {
		out->dentry = NULL;
		return 0;
	}
	return at_base(dirfd, out);
}

/* at_walk with c's search permissions (NULL: the caller's). */
static int at_walk_cred(const struct cred *c, u64 dirfd, u64 upath, int at_flags, int lookup,
			struct path *out)
{
	char *name = NULL;
	long rc = upath || !(at_flags & AT_EMPTY_PATH) ?
		  getname(upath, &name, at_flags & AT_EMPTY_PATH) : 0;

	if (rc)
		return (int)rc;
	if (!name || !name[0]) {	/* kernel callers pass 0 for "the fd" */		/* AT_EMPTY_PATH: the fd itself */
		struct file *f = fget(dirfd);
		kfree(name);
		if ((int)dirfd == AT_FDCWD) {
			proc_cwd(out);
			return 0;
		}
		if (!f)
			return -EBADF;
		rc = f->path.dentry ? 0 : -EBADF;
		if (!rc)
			path_get(&f->path), *out = f->path;
		file_put(f);
		return (int)rc;
	}
	struct path base;
	rc = name[0] == '/' ? 0 : at_base(dirfd, &base);
	if (!rc) {
		rc = c ? vfs_walk_cred(c, name[0] == '/' ? NULL : &base, name, lookup, out)
		       : vfs_walk(name[0] == '/' ? NULL : &base, name, lookup, out);
		if (name[0] != '/')
			path_put(&base);
	}
	kfree(name);
	return (int)rc;
}

int at_walk(u64 dirfd, u64 upath, int at_flags, int lookup, struct path *out)
{
	return at_walk_cred(NULL, dirfd, upath, at_flags, lookup, out);
}

/* Runs op(base, name) for a (dirfd, user path) pair. */
static long with_at(u64 dirfd, u64 upath, long (*op)(const struct path *, const char *, u64),
		    u64 arg)
{
	char *name;
	struct path base;
	long rc = getname(upath, &name, false);

	if (rc)
		return rc;
	rc = at_base_for(dirfd, name, &base);
	if (!rc) {
		rc = op(base.dentry ? &base : NULL, name, arg);
		if (base.dentry)
			path_put(&base);
	}
	kfree(name);
	return rc;
}

static long open_op(const struct path *base, const char *name, u64 arg)
{
	u32 flags = (u32)arg & ~(u32)(O_EXEC_KERNEL | O_NONOTIFY_KERNEL), mode = (u32)(arg >> 32);
	struct file *f;
	int rc = vfs_open(base, name, flags, mode | VFS_MODE_UMASK, &f);

	if (rc)
		return rc;
	return fd_install(cur_files(), f, 0, flags & O_CLOEXEC);
}

long sys_openat(SYSARGS)
{
	return with_at(a0, a1, open_op, (a2 & 0xffffffffULL) | ((a3 & 07777) << 32));
}

/* openat2's struct open_how: a version by its size; bytes past the ones
 * known must be zero (E2BIG) */
static long copy_open_how(u64 uhow, u64 size, struct open_how *how)
{
	if (size < sizeof(*how))
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	if (copy_from_user(how, (const void *)uhow, sizeof(*how)))
		return -EFAULT;
	for (u64 off = sizeof(*how); off < size; off += 8) {
		u8 tail[8];
		size_t n = (size_t)MIN(size - off, (u64)sizeof(tail));
		if (copy_from_user(tail, (const void *)(uhow + off), n))
			return -EFAULT;
		for (size_t i = 0; i < n; i++)
			if (tail[i])
				return -E2BIG;
	}
	return 0;
}

/* The flags openat(2) ignores are errors here, as Linux. */
static long check_open_how(const struct open_how *how)
{
	u64 fl = how->flags;

	if (fl & ~(u64)O_VALID_FLAGS)
		return -EINVAL;
	if (how->resolve & ~(u64)RESOLVE_ALL)
		return -EINVAL;
	if ((how->resolve & RESOLVE_BENEATH) && (how->resolve & RESOLVE_IN_ROOT))
		return -EINVAL;
	if ((fl & O_PATH) && (fl & ~(u64)(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)))
		return -EINVAL;
	if (fl & (O_CREAT | __O_TMPFILE)) {
		if (how->mode & ~(u64)07777)
			return -EINVAL;
	} else if (how->mode) {
		return -EINVAL;
	}
	if ((fl & O_CREAT) && (fl & O_DIRECTORY))
		return -EINVAL;
	if ((fl & __O_TMPFILE) &&
	    ((fl & O_TMPFILE) != O_TMPFILE || !(fl & (O_WRONLY | O_RDWR))))
		return -EINVAL;
	return 0;
}

long sys_openat2(SYSARGS)
{
	struct open_how how;
	char *name;
	struct path base = { 0 };
	struct file *f;
	long rc = copy_open_how(a2, a3, &how);

	if (!rc)
		rc = check_open_how(&how);
	if (rc)
		return rc;
	if ((rc = getname(a1, &name, false)))
		return rc;
	/* a scoped walk starts at the dirfd even for "/" */
	if (name[0] != '/' || (how.resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)))
		rc = at_base(a0, &base);
	if (!rc) {
		u32 flags = (u32)how.flags;
		rc = vfs_open_resolve(base.dentry ? &base : NULL, name, flags,
				      (u32)how.mode | VFS_MODE_UMASK, (u32)how.resolve, &f);
		if (!rc)
			rc = fd_install(cur_files(), f, 0, flags & O_CLOEXEC);
	}
	if (base.dentry)
		path_put(&base);
	kfree(name);
	return rc;
}

long sys_open(SYSARGS)
{
	return with_at((u64)AT_FDCWD, a0, open_op, (a1 & 0xffffffffULL) | ((a2 & 07777) << 32));
}

long sys_creat(SYSARGS)
{
	return with_at((u64)AT_FDCWD, a0, open_op,
		       (O_CREAT | O_WRONLY | O_TRUNC) | ((a1 & 07777) << 32));
}

static long mkdir_op(const struct path *base, const char *name, u64 mode)
{
	return vfs_mkdir(base, name, (u32)mode & 07777 & ~proc_umask());
}

long sys_mkdirat(SYSARGS) { return with_at(a0, a1, mkdir_op, a2); }
long sys_mkdir(SYSARGS) { return with_at((u64)AT_FDCWD, a0, mkdir_op, a1); }

static long mknod_op(const struct path *base, const char *name, u64 arg)
{
	u32 mode = (u32)arg, dev = (u32)(arg >> 32);

	if (!(mode & S_IFMT))
		mode |= S_IFREG;
	if (!S_ISREG(mode) && !S_ISCHR(mode) && !S_ISBLK(mode) && !S_ISFIFO(mode) &&
	    !S_ISSOCK(mode))
		return -EINVAL;
	mode = (mode & S_IFMT) | (mode & 07777) | VFS_MODE_UMASK;
	return vfs_mknod(base, name, mode, dev);
}

static u64 pack_dev(u64 mode, u64 dev)
{
	u32 major = (u32)((dev >> 8) & 0xfff), minor = (u32)((dev & 0xff) | ((dev >> 12) & 0xfff00));
	return (mode & 0xffffffffULL) | ((u64)MKDEV(major, minor) << 32);
}

long sys_mknodat(SYSARGS) { return with_at(a0, a1, mknod_op, pack_dev(a2, a3)); }
long sys_mknod(SYSARGS) { return with_at((u64)AT_FDCWD, a0, mknod_op, pack_dev(a1, a2)); }

static long unlink_op(const struct path *base, const char *name, u64 flags)
{
	return flags & AT_REMOVEDIR ? vfs_rmdir(base, name) : vfs_unlink(base, name);
}

long sys_unlinkat(SYSARGS)
{
	if (a2 & ~(u64)AT_REMOVEDIR)
		return -EINVAL;
	return with_at(a0, a1, unlink_op, a2);
}
long sys_unlink(SYSARGS) { return with_at((u64)AT_FDCWD, a0, unlink_op, 0); }
long sys_rmdir(SYSARGS) { return with_at((u64)AT_FDCWD, a0, unlink_op, AT_REMOVEDIR); }

/* Two (dirfd, path) pairs for rename and link. */
static long two_paths(u64 ofd, u64 opath, u64 nfd, u64 npath, int kind, int flags)
{
	char *o = NULL, *n = NULL;
	struct path ob = { 0 }, nb = { 0 };
	long rc = getname(opath, &o, false);

	if (!rc)
		rc = getname(npath, &n, false);
	if (!rc)
		rc = at_base_for(ofd, o, &ob);
	if (!rc) {
		rc = at_base_for(nfd, n, &nb);
		if (rc && ob.dentry)
			path_put(&ob);
	}
	if (!rc) {
		const struct path *obp = ob.dentry ? &ob : NULL, *nbp = nb.dentry ? &nb : NULL;
		rc = kind ? vfs_link(obp, o, nbp, n, flags & AT_SYMLINK_FOLLOW ? LOOKUP_FOLLOW : 0)
			  : vfs_rename(obp, o, nbp, n, (unsigned)flags);
		if (ob.dentry)
			path_put(&ob);
		if (nb.dentry)
			path_put(&nb);
	}
	kfree(o);
	kfree(n);
	return rc;
}

long sys_rename(SYSARGS) { return two_paths((u64)AT_FDCWD, a0, (u64)AT_FDCWD, a1, 0, 0); }
long sys_renameat(SYSARGS) { return two_paths(a0, a1, a2, a3, 0, 0); }
#define CAP_MKNOD 27

long sys_renameat2(SYSARGS)
{
	if (a4 & ~(u64)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((a4 & RENAME_EXCHANGE) && (a4 & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	if (a4 & RENAME_WHITEOUT) {
		struct process *p = current_proc();
		if (!(READ_ONCE(p->uid[1]) == 0 && (READ_ONCE(p->caps[0]) >> CAP_MKNOD & 1)))
			return -EPERM;
		/* no filesystem here makes whiteouts (an overlay's mark):
		 * EINVAL, as Linux's ext2 */
		return -EINVAL;
	}
	return two_paths(a0, a1, a2, a3, 0, (int)a4);
}
long sys_link(SYSARGS) { return two_paths((u64)AT_FDCWD, a0, (u64)AT_FDCWD, a1, 1, 0); }
/* linkat(fd, "", ..., AT_EMPTY_PATH): a name for the open file itself
 * (an O_TMPFILE's first), with CAP_DAC_READ_SEARCH as Linux. */
static long link_empty(u64 ofd, u64 opath, u64 nfd, u64 npath)
{
	char c;
	long rc = strncpy_from_user(&c, (const char *)opath, 1);

	if (rc < 0)
		return rc;
	if (rc > 0)	/* a name: the usual link */
		return two_paths(ofd, opath, nfd, npath, 1, 0);
	if (!cap_effective(CAP_DAC_READ_SEARCH))
		return -ENOENT;
	struct path src;
	char *n;
	if ((rc = at_walk(ofd, opath, AT_EMPTY_PATH, 0, &src)))
		return rc;
	if (!(rc = getname(npath, &n, false))) {
		struct path nb = { 0 };
		rc = at_base_for(nfd, n, &nb);
		if (!rc) {
			rc = vfs_link_path(&src, nb.dentry ? &nb : NULL, n);
			if (nb.dentry)
				path_put(&nb);
		}
		kfree(n);
	}
	path_put(&src);
	return rc;
}

long sys_linkat(SYSARGS)
{
	if (a4 & ~(u64)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (a4 & AT_EMPTY_PATH)
		return link_empty(a0, a1, a2, a3);
	return two_paths(a0, a1, a2, a3, 1, (int)a4);
}

static long symlinkat(u64 utarget, u64 dirfd, u64 upath)
{
	char *target;
	long rc = getname(utarget, &target, false);

	if (rc)
		return rc;
	char *name;
	struct path base;
	rc = getname(upath, &name, false);
	if (!rc) {
		rc = at_base_for(dirfd, name, &base);
		if (!rc) {
			rc = vfs_symlink(base.dentry ? &base : NULL, target, name);
			if (base.dentry)
				path_put(&base);
		}
		kfree(name);
	}
	kfree(target);
	return rc;
}

long sys_symlink(SYSARGS) { return symlinkat(a0, (u64)AT_FDCWD, a1); }
long sys_symlinkat(SYSARGS) { return symlinkat(a0, a1, a2); }

static long readlinkat(u64 dirfd, u64 upath, u64 ubuf, u64 size)
{
	struct path p;
	char *buf;

	if ((s64)size <= 0)
		return -EINVAL;
	int rc = at_walk(dirfd, upath, AT_EMPTY_PATH, 0, &p);
	if (rc)
		return rc;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	rc = buf ? vfs_readlink(&p, buf, (size_t)MIN(size, (u64)PATH_MAX)) : -ENOMEM;
	char c;
	/* "" names the fd itself: not a link there is ENOENT (Linux) */
	if (rc == -EINVAL && !copy_from_user(&c, (const void *)upath, 1) && !c)
		rc = -ENOENT;
	if (rc > 0 && copy_to_user((void *)ubuf, buf, (size_t)rc))
		rc = -EFAULT;
	kfree(buf);
	path_put(&p);
	return rc;
}

long sys_readlink(SYSARGS) { return readlinkat((u64)AT_FDCWD, a0, a1, a2); }
long sys_readlinkat(SYSARGS) { return readlinkat(a0, a1, a2, a3); }

/* struct stat of x86-64 Linux */
struct kstat {
	u64 dev, ino, nlink;
	u32 mode, uid, gid, pad0;
	u64 rdev;
	s64 size, blksize, blocks;
	u64 atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	s64 unused[3];
};

static u64 linux_dev(u32 dev)
{
	u64 major = MAJOR(dev), minor = MINOR(dev);
	return (minor & 0xff) | (major << 8);
}

static u64 st_ino(const struct inode *i)
{
	return i->iop && i->iop->st_ino ? i->iop->st_ino(i) : i->ino;
}

long stat_inode(struct inode *i, u64 ubuf)
{
	struct kstat st = {
		.dev = linux_dev(i->sb ? i->sb->dev : 0), .ino = st_ino(i), .nlink = i->nlink,
		.mode = i->mode, .uid = i->uid, .gid = i->gid, .rdev = linux_dev(i->rdev),
		.size = (s64)i->size, .blksize = 4096,
		.blocks = (s64)inode_blocks(i),
		.atime = (u64)i->atime.sec, .atime_ns = (u64)i->atime.nsec,
		.mtime = (u64)i->mtime.sec, .mtime_ns = (u64)i->mtime.nsec,
		.ctime = (u64)i->ctime.sec, .ctime_ns = (u64)i->ctime.nsec,
	};
	return copy_to_user((void *)ubuf, &st, sizeof(st));
}

/* What keeps an inode (and its filesystem) while a syscall looks at it:
 * the path it was found by, or the open file. An inode reference alone
 * would not: umount waits only for paths and open files, and an inode
 * put after its filesystem is gone would be evicted into freed memory. */
struct at_ref {
	struct inode *inode;
	struct path path;
	struct file *file;
};

static void at_put(struct at_ref *r)
{
	if (r->file)
		file_put(r->file);
	else
		path_put(&r->path);
}

/* The inode (dirfd, path) names: with AT_EMPTY_PATH and "" it is the
 * fd's own inode, which need not be in the tree (a pipe). */
static int at_inode(u64 dirfd, u64 upath, u64 flags, struct at_ref *r)
{
	char c;

	r->file = NULL;
	if ((flags & AT_EMPTY_PATH) && !copy_from_user(&c, (const void *)upath, 1) && !c &&
	    (int)dirfd != AT_FDCWD) {
		if (!(r->file = fget(dirfd)))
			return -EBADF;
		r->inode = r->file->inode;
		return 0;
	}
	int rc = at_walk(dirfd, upath, (int)flags,
			 flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &r->path);
	if (!rc)
		r->inode = r->path.dentry->inode;
	return rc;
}

static long fstatat(u64 dirfd, u64 upath, u64 ubuf, u64 flags)
{
	struct at_ref r;

	if (flags & ~(u64)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 /* AT_NO_AUTOMOUNT */))
		return -EINVAL;
	int rc = at_inode(dirfd, upath, flags, &r);
	if (rc)
		return rc;
	rc = (int)stat_inode(r.inode, ubuf);
	at_put(&r);
	return rc;
}

long sys_stat(SYSARGS) { return fstatat((u64)AT_FDCWD, a0, a1, 0); }
long sys_lstat(SYSARGS) { return fstatat((u64)AT_FDCWD, a0, a1, AT_SYMLINK_NOFOLLOW); }
long sys_newfstatat(SYSARGS) { return fstatat(a0, a1, a2, a3); }

struct statx_ts {
	s64 sec;
	u32 nsec;
	s32 pad;
};

struct statx {
	u32 mask, blksize;
	u64 attributes;
	u32 nlink, uid, gid;
	u16 mode, pad1;
	u64 ino, size, blocks, attributes_mask;
	struct statx_ts atime, btime, ctime, mtime;
	u32 rdev_major, rdev_minor, dev_major, dev_minor;
	u64 mnt_id;
	u32 dio_mem_align, dio_offset_align;
	u64 spare[12];
};

_Static_assert(sizeof(struct statx) == 256, "statx layout");

#define AT_NO_AUTOMOUNT 0x800
#define AT_STATX_SYNC_TYPE 0x6000	/* FORCE_SYNC 0x2000, DONT_SYNC 0x4000 */
#define STATX__RESERVED 0x80000000u
#define STATX_ATTR_MOUNT_ROOT 0x2000
#define STATX_DIOALIGN 0x2000u

long sys_statx(SYSARGS)
{
	struct at_ref r;

	if (a2 & ~(u64)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((a2 & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (a3 & STATX__RESERVED))
		return -EINVAL;
	int rc = at_inode(a0, a1, a2, &r);

	if (rc)
		return rc;
	struct inode *i = r.inode;
	/* the root of a mount: the path's dentry is its mount's root */
	const struct path *p = r.file ? &r.file->path : &r.path;
	bool mnt_root = p->dentry && p->mnt && p->dentry == p->mnt->root;
	struct statx sx = {
		.mask = 0x7ff, .blksize = 4096, .nlink = i->nlink, .uid = i->uid, .gid = i->gid,
		.mode = (u16)i->mode, .ino = st_ino(i), .size = i->size,
		.blocks = inode_blocks(i),
		.atime = { i->atime.sec, (u32)i->atime.nsec, 0 },
		.ctime = { i->ctime.sec, (u32)i->ctime.nsec, 0 },
		.mtime = { i->mtime.sec, (u32)i->mtime.nsec, 0 },
		.rdev_major = MAJOR(i->rdev), .rdev_minor = MINOR(i->rdev),
		.dev_major = i->sb ? MAJOR(i->sb->dev) : 0,	/* as stat's st_dev */
		.dev_minor = i->sb ? MINOR(i->sb->dev) : 0,
		.attributes = (mnt_root ? STATX_ATTR_MOUNT_ROOT : 0) |
			      (READ_ONCE(i->iflags) & FS_STATX_ATTRS),
		.attributes_mask = STATX_ATTR_MOUNT_ROOT |
				   (i->iop ? i->iop->iflags_ok & FS_STATX_ATTRS : 0),
	};
	/* Direct I/O: a disk file moves data through the block layer
	 * without caching it (drivers/blkdev.c), so it is direct whatever
	 * O_DIRECT says; it is given the disk's rules, as Linux's
	 * (queue/dma_alignment + 1, queue/logical_block_size), though
	 * Alloy's bounce buffer takes any alignment. Files of ext2 go
	 * through the page cache and, as Linux's ext2, do not answer. */
	if ((a3 & STATX_DIOALIGN) && S_ISBLK(i->mode) && blkdev_by_dev(i->rdev)) {
		sx.mask |= STATX_DIOALIGN;
		sx.dio_mem_align = BLKDEV_DMA_ALIGN;
		sx.dio_offset_align = SECTOR_SIZE;
	}
	at_put(&r);
	return copy_to_user((void *)a4, &sx, sizeof(sx));
}

#define AT_EACCESS 0x200

/* access: with the real IDs, the walk too (AT_EACCESS: the effective). */
static long faccessat(u64 dirfd, u64 upath, u64 mode, u64 flags)
{
	struct path p;
	struct cred c;

	if (mode & ~7ULL)
		return -EINVAL;
	if (flags & ~(u64)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (flags & AT_EACCESS)
		cred_current(&c);
	else
		cred_current_real(&c);
	int rc = at_walk_cred(&c, dirfd, upath, (int)flags,
			      flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &p);
	if (rc)
		return rc;
	struct inode *i = p.dentry->inode;
	/* R_OK 4, W_OK 2, X_OK 1 are MAY_READ, MAY_WRITE, MAY_EXEC */
	if ((mode & 2) && (S_ISREG(i->mode) || S_ISDIR(i->mode) || S_ISLNK(i->mode)) &&
	    !inode_tunable(i))
		rc = vfs_path_writable(&p);
	if (!rc)
		rc = inode_permission(&c, i, (int)mode);
	path_put(&p);
	return rc;
}

long sys_access(SYSARGS) { return faccessat((u64)AT_FDCWD, a0, a1, 0); }
long sys_faccessat(SYSARGS) { return faccessat(a0, a1, a2, 0); }
long sys_faccessat2(SYSARGS) { return faccessat(a0, a1, a2, a3); }

/* A new cwd must be searchable. */
static int may_chdir(const struct path *p)
{
	struct cred c;

	cred_current(&c);
	return inode_permission(&c, p->dentry->inode, MAY_EXEC);
}

long sys_chdir(SYSARGS)
{
	struct path p;
	int rc = at_walk((u64)AT_FDCWD, a0, 0, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);

	if (!rc && (rc = may_chdir(&p)))
		path_put(&p);
	if (rc)
		return rc;
	proc_set_cwd(&p);
	path_put(&p);
	return 0;
}

long sys_fchdir(SYSARGS)
{
	struct path p;
	int rc = at_base(a0, &p);

	if (!rc && (rc = may_chdir(&p)))
		path_put(&p);
	if (rc)
		return rc;
	proc_set_cwd(&p);
	path_put(&p);
	return 0;
}


/* chroot: a searchable directory becomes the root that "/" and ".."
 * of this process's walks stop at (CAP_SYS_CHROOT); the cwd stays. */
long sys_chroot(SYSARGS)
{
	struct path p;
	struct cred c;
	int rc = at_walk((u64)AT_FDCWD, a0, 0, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);

	if (rc)
		return rc;
	cred_current(&c);
	rc = inode_permission(&c, p.dentry->inode, MAY_EXEC);
	if (!rc && !(cred_is_root(&c) &&
		     (READ_ONCE(current_proc()->caps[0]) >> CAP_SYS_CHROOT & 1)))
		rc = -EPERM;
	if (!rc)
		proc_set_root(&p);
	path_put(&p);
	return rc;
}

/* A cwd outside the root (chroot with the cwd left behind) is named
 * "(unreachable)/..." as Linux does: not a path, so libc's getcwd fails. */
#define UNREACHABLE "(unreachable)"

long sys_getcwd(SYSARGS)
{
	struct path cwd;
	char *buf = kmalloc(PATH_MAX, GFP_KERNEL);
	bool unreachable = false;
	int rc;

	if (!buf)
		return -ENOMEM;
	proc_cwd(&cwd);
	rc = cwd.dentry->dead ? -ENOENT :
	     vfs_path_name_at(&cwd, buf, PATH_MAX - sizeof(UNREACHABLE), &unreachable);
	path_put(&cwd);
	if (rc > 0 && unreachable) {
		memmove(buf + sizeof(UNREACHABLE) - 1, buf, (size_t)rc);
		memcpy(buf, UNREACHABLE, sizeof(UNREACHABLE) - 1);
		rc += (int)sizeof(UNREACHABLE) - 1;
	}
	if (rc > 0 && (u64)rc > a1)
		rc = -ERANGE;
	if (rc > 0 && copy_to_user((void *)a0, buf, (size_t)rc))
		rc = -EFAULT;
	kfree(buf);
	return rc;
}

static long chmod_path(u64 dirfd, u64 upath, u64 mode, int flags)
{
	struct path p;
	int rc = at_walk(dirfd, upath, flags, flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &p);

	if (rc)
		return rc;
	struct inode *i = p.dentry->inode;
	struct cred c;
	cred_current(&c);
	if ((rc = vfs_path_writable(&p)) || (rc = inode_owner_or_root(&c, i) ? 0 : -EPERM) ||
	    (rc = inode_attr_locked(i) ? -EPERM : 0)) {
		path_put(&p);
		return rc;
	}
	mutex_lock(&i->lock);
	/* set-group-ID only for a member of the file's group (CAP_FSETID) */
	if (!cred_is_root(&c) && !cred_in_group(&c, i->gid))
		mode &= ~(u64)S_ISGID;
	i->mode = (i->mode & S_IFMT) | ((u32)mode & 07777);
	i->ctime = vfs_now();
	inode_changed(i);
	mutex_unlock(&i->lock);
	fsnotify_dentry(i, p.dentry, IN_ATTRIB);
	path_put(&p);
	return 0;
}

long sys_chmod(SYSARGS) { return chmod_path((u64)AT_FDCWD, a0, a1, 0); }
long sys_fchmodat(SYSARGS) { return chmod_path(a0, a1, a2, 0); }
/* fchmod/fchown need an fd open for something: an O_PATH one is EBADF
 * (fchmodat/fchownat with AT_EMPTY_PATH take it). */
static long not_opath(u64 fd)
{
	struct file *f = fget(fd);
	long rc = !f ? -EBADF : f->flags & O_PATH ? -EBADF : 0;

	if (f)
		file_put(f);
	return rc;
}

long sys_fchmod(SYSARGS)
{
	long rc = not_opath(a0);
	return rc ? rc : chmod_path(a0, 0, a1, AT_EMPTY_PATH);
}

/* Linux's chown_ok/chgrp_ok: root anything; the owner may only
 * "change" the owner to itself and the group to one it is in. */
static bool chown_ok(const struct cred *c, const struct inode *i, u32 uid, u32 gid)
{
	if (cred_is_root(c))
		return true;
	if (uid != 0xffffffffU && uid != i->uid)
		return false;
	if (gid != 0xffffffffU && gid != i->gid &&
	    (c->fsuid != i->uid || !cred_in_group(c, gid)))
		return false;
	return true;
}

static long chown_path(u64 dirfd, u64 upath, u64 uid, u64 gid, int flags)
{
	struct path p;
	int rc = at_walk(dirfd, upath, flags, flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &p);

	if (rc)
		return rc;
	struct inode *i = p.dentry->inode;
	struct cred c;
	cred_current(&c);
	if ((rc = vfs_path_writable(&p)) || (rc = inode_attr_locked(i) ? -EPERM : 0)) {
		path_put(&p);
		return rc;
	}
	mutex_lock(&i->lock);
	if (!chown_ok(&c, i, (u32)uid, (u32)gid)) {
		mutex_unlock(&i->lock);
		path_put(&p);
		return -EPERM;
	}
	if ((u32)uid != 0xffffffffU)
		i->uid = (u32)uid;
	if ((u32)gid != 0xffffffffU)
		i->gid = (u32)gid;
	/* a new owner does not inherit set-ID rights (Linux: even root's
	 * chown, and chown(f, -1, -1)); set-group-ID without group
	 * execute is a locking mark and stays */
	if (!S_ISDIR(i->mode)) {
		i->mode &= ~(u32)S_ISUID;
		if (i->mode & S_IXGRP)
			i->mode &= ~(u32)S_ISGID;
	}
	i->ctime = vfs_now();
	inode_changed(i);
	mutex_unlock(&i->lock);
	fsnotify_dentry(i, p.dentry, IN_ATTRIB);
	path_put(&p);
	return 0;
}

long sys_chown(SYSARGS) { return chown_path((u64)AT_FDCWD, a0, a1, a2, 0); }
long sys_lchown(SYSARGS) { return chown_path((u64)AT_FDCWD, a0, a1, a2, AT_SYMLINK_NOFOLLOW); }
long sys_fchown(SYSARGS)
{
	long rc = not_opath(a0);
	return rc ? rc : chown_path(a0, 0, a1, a2, AT_EMPTY_PATH);
}
long sys_fchownat(SYSARGS)
{
	if (a4 & ~(u64)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	return chown_path(a0, a1, a2, a3, (int)a4);
}

#define UTIME_NOW ((1LL << 30) - 1)
#define UTIME_OMIT ((1LL << 30) - 2)

/* As Linux: both times "now" (ts NULL, or both UTIME_NOW) is a touch,
 * allowed to the owner, root or a writer of the file, but not on an
 * immutable one; any other times are an explicit change (UTIME_OMIT
 * with UTIME_NOW included), for the owner or root only, and never on an
 * append-only or immutable file. Both UTIME_OMIT change nothing. */
static int may_set_times(const struct cred *c, struct inode *i, const struct timespec64 *ts)
{
	bool touch = !ts || (ts[0].nsec == UTIME_NOW && ts[1].nsec == UTIME_NOW);

	if (ts && ts[0].nsec == UTIME_OMIT && ts[1].nsec == UTIME_OMIT)
		return 0;	/* nothing changes */
	if (inode_immutable(i) || (!touch && inode_append_only(i)))
		return -EPERM;
	if (inode_owner_or_root(c, i))
		return 0;
	return touch ? inode_permission(c, i, MAY_WRITE) : -EPERM;
}

/* utimensat with the times in the kernel (ts NULL: both now). */
static long do_utimes(u64 a0, u64 a1, const struct timespec64 *ts, u64 a3)
{
	struct path p;
	int rc;
	u64 a2 = ts != NULL;

	if (a3 & ~(u64)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!a1 && (a3 || (int)a0 == AT_FDCWD))	/* futimens needs an fd */
		return a3 ? -EINVAL : -EFAULT;
	rc = a1 ? at_walk(a0, a1, (int)a3, a3 & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &p)
		: at_walk(a0, 0, AT_EMPTY_PATH, 0, &p);
	if (rc)
		return rc;
	struct inode *i = p.dentry->inode;
	struct timespec64 now = vfs_now();
	struct cred c;
	cred_current(&c);
	if (!(rc = vfs_path_writable(&p)))
		rc = may_set_times(&c, i, a2 ? ts : NULL);
	if (rc) {
		path_put(&p);
		return rc;
	}
	mutex_lock(&i->lock);
	for (int k = 0; k < 2; k++) {
		struct timespec64 t = !a2 || ts[k].nsec == UTIME_NOW ? now : ts[k];
		if (a2 && ts[k].nsec == UTIME_OMIT)
			continue;
		if (k == 0)
			i->atime = t;
		else
			i->mtime = t;
	}
	i->ctime = now;
	inode_changed(i);
	mutex_unlock(&i->lock);
	/* Linux's fsnotify_change: both times ATTRIB, one ACCESS or MODIFY */
	bool at = !a2 || ts[0].nsec != UTIME_OMIT, mt = !a2 || ts[1].nsec != UTIME_OMIT;
	if (at || mt)
		fsnotify_dentry(i, p.dentry, at && mt ? IN_ATTRIB : at ? IN_ACCESS : IN_MODIFY);
	path_put(&p);
	return 0;
}

long sys_utimensat(SYSARGS)
{
	struct timespec64 ts[2];

	if (a2 && copy_from_user(ts, (const void *)a2, sizeof(ts)))
		return -EFAULT;
	for (int k = 0; a2 && k < 2; k++)
		if ((ts[k].nsec < 0 || ts[k].nsec > 999999999) && ts[k].nsec != UTIME_NOW &&
		    ts[k].nsec != UTIME_OMIT)
			return -EINVAL;
	return do_utimes(a0, a1, a2 ? ts : NULL, a3);
}

/* futimesat: utimensat with microseconds, no flags. */
long sys_futimesat(SYSARGS)
{
	struct { s64 sec, usec; } tv[2];
	struct timespec64 ts[2];

	if (a2 && copy_from_user(tv, (const void *)a2, sizeof(tv)))
		return -EFAULT;
	for (int k = 0; a2 && k < 2; k++) {
		if (tv[k].usec < 0 || tv[k].usec > 999999)
			return -EINVAL;
		ts[k].sec = tv[k].sec;
		ts[k].nsec = tv[k].usec * 1000;
	}
	return do_utimes(a0, a1, a2 ? ts : NULL, 0);
}
