/*
 * Extended attributes: the twelve *xattr calls (by path, by path without
 * following a final symlink, by fd), as Linux's fs/xattr.c. The checks
 * that do not depend on the filesystem are made here, in Linux's order:
 * the name (1..255 bytes, else -ERANGE), the flags, the value's size
 * (-E2BIG past 64 KiB), a read-only mount, then the namespace rules of
 * xattr_permission (trusted.* is root's: -EPERM to change, invisible and
 * -ENODATA to read; user.* only on regular files and directories, owner
 * or root in a sticky directory; mode bits), then the filesystem's
 * inode op with kernel buffers, so no filesystem lock is ever held across
 * a copy to or from user memory. A filesystem without the ops has no
 * attributes: -EOPNOTSUPP, and an empty list.
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/inotify.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include "sysfs.h"

static const struct {
	const char *prefix;
	size_t len;
	enum xattr_ns ns;
} xattr_prefixes[] = {
	{ "user.", 5, XATTR_NS_USER },
	{ "trusted.", 8, XATTR_NS_TRUSTED },
	{ "security.", 9, XATTR_NS_SECURITY },
	{ "system.", 7, XATTR_NS_SYSTEM },
};

enum xattr_ns xattr_namespace(const char *name, const char **suffix)
{
	for (size_t k = 0; k < sizeof(xattr_prefixes) / sizeof(xattr_prefixes[0]); k++) {
		if (!strncmp(name, xattr_prefixes[k].prefix, xattr_prefixes[k].len)) {
			if (suffix)
				*suffix = name + xattr_prefixes[k].len;
			return xattr_prefixes[k].ns;
		}
	}
	return XATTR_NS_NONE;
}

/* The name from user memory into kname[XATTR_NAME_MAX + 1]. */
static int xattr_getname(u64 uname, char *kname)
{
	long n = strncpy_from_user(kname, (const char *)uname, XATTR_NAME_MAX + 1);

	if (n == -ENAMETOOLONG || n == 0)
		return -ERANGE;		/* Linux's answer for both */
	return n < 0 ? (int)n : 0;
}

/* Linux's xattr_permission: may the caller read (MAY_READ) or change
 * (MAY_WRITE) attribute name of i? */
static int xattr_permission(struct inode *i, const char *name, int mask)
{
	struct cred c;

	cred_current(&c);
	switch (xattr_namespace(name, NULL)) {
	case XATTR_NS_SECURITY:
		/* no security module: Linux's commoncap wants CAP_SYS_ADMIN
		 * to change them (root here); anyone may read them */
		if ((mask & MAY_WRITE) && !cred_is_root(&c))
			return -EPERM;
		return 0;
	case XATTR_NS_SYSTEM:
		return 0;		/* the filesystem decides */
	case XATTR_NS_TRUSTED:
		if (!cred_is_root(&c))
			return mask & MAY_WRITE ? -EPERM : -ENODATA;
		return 0;
	case XATTR_NS_USER: {
		u32 mode = READ_ONCE(i->mode);

		if (!S_ISREG(mode) && !S_ISDIR(mode))
			return mask & MAY_WRITE ? -EPERM : -ENODATA;
		if (S_ISDIR(mode) && (mode & S_ISVTX) && (mask & MAY_WRITE) &&
		    !inode_owner_or_root(&c, i))
			return -EPERM;
		break;
	}
	default:
		break;
	}
	return inode_permission(&c, i, mask);
}

/* After the permission check: a name the filesystem may be asked about.
 * No filesystem here keeps system.* (POSIX ACLs): -EOPNOTSUPP, as for an
 * unknown prefix; a bare prefix is -EINVAL. */
static int xattr_name_ok(const char *name)
{
	const char *suffix;
	enum xattr_ns ns = xattr_namespace(name, &suffix);

	if (ns == XATTR_NS_NONE || ns == XATTR_NS_SYSTEM)
		return -EOPNOTSUPP;
	return *suffix ? 0 : -EINVAL;
}

static long do_setxattr(const struct mount *mnt, struct inode *i, const char *name,
			const void *val, size_t size, int flags)
{
	if (vfs_mnt_writable(mnt, i->sb))	/* the mount it came through, or the fs */
		return -EROFS;
	if (inode_attr_locked(i))
		return -EPERM;
	int rc = xattr_permission(i, name, MAY_WRITE);

	if (!rc)
		rc = xattr_name_ok(name);
	if (!rc)
		rc = i->iop && i->iop->setxattr ? i->iop->setxattr(i, name, val, size, flags)
						: -EOPNOTSUPP;
	if (!rc) {
		mutex_lock(&i->lock);
		i->ctime = vfs_now();
		inode_changed(i);
		mutex_unlock(&i->lock);
	}
	return rc;
}

static long do_removexattr(const struct mount *mnt, struct inode *i, const char *name)
{
	if (vfs_mnt_writable(mnt, i->sb))	/* the mount it came through, or the fs */
		return -EROFS;
	if (inode_attr_locked(i))
		return -EPERM;
	int rc = xattr_permission(i, name, MAY_WRITE);

	if (!rc)
		rc = xattr_name_ok(name);
	if (!rc)
		rc = i->iop && i->iop->removexattr ? i->iop->removexattr(i, name) : -EOPNOTSUPP;
	if (!rc) {
		mutex_lock(&i->lock);
		i->ctime = vfs_now();
		inode_changed(i);
		mutex_unlock(&i->lock);
	}
	return rc;
}

static long do_getxattr(struct inode *i, const char *name, u64 uval, size_t size)
{
	long rc = xattr_permission(i, name, MAY_READ);

	if (!rc)
		rc = xattr_name_ok(name);
	if (rc)
		return rc;
	if (!i->iop || !i->iop->getxattr)
		return -EOPNOTSUPP;
	if (size > XATTR_SIZE_MAX)
		size = XATTR_SIZE_MAX;
	void *kval = NULL;

	if (size && !(kval = kmalloc(size, GFP_KERNEL)))
		return -ENOMEM;
	rc = i->iop->getxattr(i, name, kval, size);
	if (rc > 0 && size && copy_to_user((void *)uval, kval, (size_t)rc))
		rc = -EFAULT;
	else if (rc == -ERANGE && size >= XATTR_SIZE_MAX)
		rc = -E2BIG;
	kfree(kval);
	return rc;
}

/* The filesystem's list without what the caller may not see (trusted.*
 * unless root); its length. */
static size_t xattr_filter(char *list, size_t n)
{
	struct cred c;
	size_t out = 0;

	cred_current(&c);
	for (size_t at = 0; at < n;) {
		size_t len = strnlen(list + at, n - at);

		if (at + len >= n)
			break;		/* not terminated: dropped */
		if (cred_is_root(&c) || xattr_namespace(list + at, NULL) != XATTR_NS_TRUSTED) {
			memmove(list + out, list + at, len + 1);
			out += len + 1;
		}
		at += len + 1;
	}
	return out;
}

static long do_listxattr(struct inode *i, u64 ubuf, size_t size)
{
	if (!i->iop || !i->iop->listxattr)
		return 0;		/* no attributes (Linux: no security label) */
	if (size > XATTR_LIST_MAX)
		size = XATTR_LIST_MAX;
	/* The whole list first: the filter may shorten it below size. */
	char *klist = NULL;
	long n;

	for (;;) {
		n = i->iop->listxattr(i, NULL, 0);
		if (n <= 0)
			return n;
		if (n > XATTR_LIST_MAX)
			return -E2BIG;
		klist = kmalloc((size_t)n, GFP_KERNEL);
		if (!klist)
			return -ENOMEM;
		long got = i->iop->listxattr(i, klist, (size_t)n);

		if (got != -ERANGE) {
			n = got;
			break;
		}
		kfree(klist);		/* it grew meanwhile: again */
	}
	if (n >= 0) {
		n = (long)xattr_filter(klist, (size_t)n);
		if (size && (size_t)n > size)
			n = size >= XATTR_LIST_MAX ? -E2BIG : -ERANGE;
		else if (size && copy_to_user((void *)ubuf, klist, (size_t)n))
			n = -EFAULT;
	}
	kfree(klist);
	return n;
}

/* Set: the name and value are copied in before the file is looked up. */
struct xattr_set {
	char name[XATTR_NAME_MAX + 1];
	void *val;
	size_t size;
	int flags;
};

static int xattr_set_copy(struct xattr_set *x, u64 uname, u64 uval, u64 size, u64 flags)
{
	x->val = NULL;
	if (flags & ~(u64)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	x->flags = (int)flags;
	int rc = xattr_getname(uname, x->name);

	if (rc)
		return rc;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	x->size = size;
	if (!size)
		return 0;
	x->val = kmalloc(size, GFP_KERNEL);
	if (!x->val)
		return -ENOMEM;
	if (copy_from_user(x->val, (const void *)uval, size)) {
		kfree(x->val);
		x->val = NULL;
		return -EFAULT;
	}
	return 0;
}

/* The file an fd names (not an O_PATH one), referenced: its inode, and
 * the mount it was opened through. */
static int xattr_fd(u64 fd, struct file **out)
{
	struct file *f = fget(fd);

	if (!f)
		return -EBADF;
	if (f->flags & O_PATH) {
		file_put(f);
		return -EBADF;
	}
	*out = f;
	return 0;
}

static int xattr_path(u64 upath, bool follow, struct path *out)
{
	return at_walk((u64)AT_FDCWD, upath, 0, follow ? LOOKUP_FOLLOW : 0, out);
}

static long path_setxattr(u64 upath, bool follow, u64 uname, u64 uval, u64 size, u64 flags)
{
	struct xattr_set *x = kmalloc(sizeof(*x), GFP_KERNEL);
	struct path p;

	if (!x)
		return -ENOMEM;
	long rc = xattr_set_copy(x, uname, uval, size, flags);

	if (!rc && !(rc = xattr_path(upath, follow, &p))) {
		rc = do_setxattr(p.mnt, p.dentry->inode, x->name, x->val, x->size, x->flags);
		if (!rc)
			fsnotify_dentry(p.dentry->inode, p.dentry, IN_ATTRIB);
		path_put(&p);
	}
	kfree(x->val);
	kfree(x);
	return rc;
}

long sys_setxattr(SYSARGS) { return path_setxattr(a0, true, a1, a2, a3, a4); }
long sys_lsetxattr(SYSARGS) { return path_setxattr(a0, false, a1, a2, a3, a4); }

long sys_fsetxattr(SYSARGS)
{
	struct xattr_set *x = kmalloc(sizeof(*x), GFP_KERNEL);
	struct file *f;

	if (!x)
		return -ENOMEM;
	long rc = xattr_set_copy(x, a1, a2, a3, a4);

	if (!rc && !(rc = xattr_fd(a0, &f))) {
		rc = do_setxattr(f->path.mnt, f->inode, x->name, x->val, x->size, x->flags);
		if (!rc)
			fsnotify_inode(f->inode, IN_ATTRIB);
		file_put(f);
	}
	kfree(x->val);
	kfree(x);
	return rc;
}

/* get and remove copy the name after the lookup, as Linux. */
static long xattr_named(const struct mount *mnt, struct inode *i, u64 uname, u64 uval,
			u64 size, bool get)
{
	char *name = kmalloc(XATTR_NAME_MAX + 1, GFP_KERNEL);

	if (!name)
		return -ENOMEM;
	long rc = xattr_getname(uname, name);

	if (!rc)
		rc = get ? do_getxattr(i, name, uval, size) : do_removexattr(mnt, i, name);
	kfree(name);
	return rc;
}

static long path_named(u64 upath, bool follow, u64 uname, u64 uval, u64 size, bool get)
{
	struct path p;
	long rc = xattr_path(upath, follow, &p);

	if (!rc) {
		rc = xattr_named(p.mnt, p.dentry->inode, uname, uval, size, get);
		if (!rc && !get)
			fsnotify_dentry(p.dentry->inode, p.dentry, IN_ATTRIB);
		path_put(&p);
	}
	return rc;
}

static long fd_named(u64 fd, u64 uname, u64 uval, u64 size, bool get)
{
	struct file *f;
	long rc = xattr_fd(fd, &f);

	if (!rc) {
		rc = xattr_named(f->path.mnt, f->inode, uname, uval, size, get);
		if (!rc && !get)
			fsnotify_inode(f->inode, IN_ATTRIB);
		file_put(f);
	}
	return rc;
}

long sys_getxattr(SYSARGS) { return path_named(a0, true, a1, a2, a3, true); }
long sys_lgetxattr(SYSARGS) { return path_named(a0, false, a1, a2, a3, true); }
long sys_fgetxattr(SYSARGS) { return fd_named(a0, a1, a2, a3, true); }
long sys_removexattr(SYSARGS) { return path_named(a0, true, a1, 0, 0, false); }
long sys_lremovexattr(SYSARGS) { return path_named(a0, false, a1, 0, 0, false); }
long sys_fremovexattr(SYSARGS) { return fd_named(a0, a1, 0, 0, false); }

static long path_list(u64 upath, bool follow, u64 ubuf, u64 size)
{
	struct path p;
	long rc = xattr_path(upath, follow, &p);

	if (!rc) {
		rc = do_listxattr(p.dentry->inode, ubuf, size);
		path_put(&p);
	}
	return rc;
}

long sys_listxattr(SYSARGS) { return path_list(a0, true, a1, a2); }
long sys_llistxattr(SYSARGS) { return path_list(a0, false, a1, a2); }

long sys_flistxattr(SYSARGS)
{
	struct file *f;
	long rc = xattr_fd(a0, &f);

	if (!rc) {
		rc = do_listxattr(f->inode, a1, a2);
		file_put(f);
	}
	return rc;
}
