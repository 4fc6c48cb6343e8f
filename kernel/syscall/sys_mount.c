/*
 * The new mount API (fsopen, fsconfig, fsmount, fspick, move_mount,
 * open_tree, open_tree_attr, mount_setattr) and pivot_root.
 *
 * A filesystem context (fsopen, fspick) is a file whose private part
 * gathers the parameters; FSCONFIG_CMD_CREATE makes the filesystem's
 * first mount as the top of a detached tree (an anonymous mount
 * namespace, include/alloy/mnt_ns.h) that the context holds, and fsmount
 * hands that tree to a mount fd. A mount fd (fsmount, open_tree with
 * OPEN_TREE_CLONE) is an O_PATH file of the tree's top holding a count on
 * the namespace: move_mount takes the tree into the caller's namespace,
 * and if it never does, the last close of the fd takes the tree down
 * (lazily: a file still open in it keeps its mount until closed).
 * docs/vfs.md "The new mount API".
 */
#include <alloy/landlock.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/event.h>
#include <alloy/mm.h>
#include <alloy/mnt_ns.h>
#include <alloy/mutex.h>
#include <alloy/lockrank.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include "sysfs.h"
#include <uapi/capability.h>
#include <uapi/fcntl.h>
#include <uapi/mount.h>

/* Linux ABI (linux/mount.h) */
#define FSOPEN_CLOEXEC 1
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_SET_BINARY 2
#define FSCONFIG_SET_PATH 3
#define FSCONFIG_SET_PATH_EMPTY 4
#define FSCONFIG_SET_FD 5
#define FSCONFIG_CMD_CREATE 6
#define FSCONFIG_CMD_RECONFIGURE 7
#define FSCONFIG_CMD_CREATE_EXCL 8
#define FSMOUNT_CLOEXEC 1
#define FSPICK_CLOEXEC 1
#define FSPICK_SYMLINK_NOFOLLOW 2
#define FSPICK_NO_AUTOMOUNT 4
#define FSPICK_EMPTY_PATH 8
#define OPEN_TREE_CLONE 1
#define AT_NO_AUTOMOUNT 0x800
#define AT_RECURSIVE 0x8000
#define MOVE_MOUNT_F_SYMLINKS 0x01
#define MOVE_MOUNT_F_AUTOMOUNTS 0x02
#define MOVE_MOUNT_F_EMPTY_PATH 0x04
#define MOVE_MOUNT_T_SYMLINKS 0x10
#define MOVE_MOUNT_T_AUTOMOUNTS 0x20
#define MOVE_MOUNT_T_EMPTY_PATH 0x40
#define MOVE_MOUNT_SET_GROUP 0x100
#define MOVE_MOUNT_BENEATH 0x200
#define MOVE_MOUNT__MASK 0x377
#define MOUNT_ATTR_RDONLY 0x1
#define MOUNT_ATTR_NOSUID 0x2
#define MOUNT_ATTR_NODEV 0x4
#define MOUNT_ATTR_NOEXEC 0x8
#define MOUNT_ATTR__ATIME 0x70
#define MOUNT_ATTR_RELATIME 0x0
#define MOUNT_ATTR_NOATIME 0x10
#define MOUNT_ATTR_STRICTATIME 0x20
#define MOUNT_ATTR_NODIRATIME 0x80
#define MOUNT_ATTR_IDMAP 0x100000
#define MOUNT_ATTR_NOSYMFOLLOW 0x200000
#define MOUNT_ATTR_SIZE_VER0 32
#define FSMOUNT_ATTRS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | \
		       MOUNT_ATTR_NOEXEC | MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME | \
		       MOUNT_ATTR_NOSYMFOLLOW)

#define KEY_MAX 256		/* as Linux's strndup_user: longer is EINVAL */
#define BINARY_MAX (1024 * 1024)

enum { FC_CREATE_PARAMS, FC_AWAITING_MOUNT, FC_MOUNTED, FC_RECONF_PARAMS, FC_FAILED };

struct fs_ctx {
	struct mutex lock;	/* one fsconfig at a time */
	int phase;		/* [lock] */
	char type[16];
	bool mem;		/* tmpfs */
	char *source;		/* [lock] */
	char *opts;		/* [lock] the legacy option string, a page at most */
	size_t opts_len;
	u32 sb_set, sb_mask;	/* [lock] SB_RDONLY asked for or against */
	struct mnt_ns *tree;	/* [lock] after CMD_CREATE: the detached tree */
	struct path pick;	/* fspick's mount (reconfigured) */
};

static void fsctx_release(struct file *f)
{
	struct fs_ctx *c = f->priv;

	mnt_ns_put(c->tree);	/* never mounted: the filesystem goes */
	if (c->pick.dentry)
		path_put(&c->pick);
	kfree(c->source);
	kfree(c->opts);
	kfree(c);
}

static const struct file_ops fsctx_ops = { .release = fsctx_release };

static struct fs_ctx *fsctx_of(struct file *f)
{
	return f->fop == &fsctx_ops ? f->priv : NULL;
}

/* A mount fd's last close: the file's own hold on the tree's top goes
 * first (its path and inode, which file_put would drop after this), so
 * that the tree, if it was never moved, is idle and goes now. */
static void mntfd_release(struct file *f)
{
	struct mnt_ns *ns = f->priv;
	struct inode *i = f->inode;

	if (f->path.dentry)
		path_put(&f->path);
	f->inode = NULL;
	if (i) {
		struct super_block *sb = i->sb;
		atomic_dec(&i->opencount);
		inode_put(i);
		if (sb)
			atomic_dec(&sb->nr_open);
	}
	mnt_ns_put(ns);
}

static const struct file_ops mntfd_ops = { .release = mntfd_release };

/* A mount fd for the detached tree ns (its count moves to the file). */
static long mntfd_install(struct mnt_ns *ns, bool cloexec)
{
	struct path top = { ns->root, ns->root->root };	/* only the fd reaches it yet */
	struct file *f;
	int rc = vfs_open_inode(&top, O_PATH, &f);

	if (rc) {
		mnt_ns_put(ns);
		return rc;
	}
	f->fop = &mntfd_ops;
	f->priv = ns;
	long fd = fd_install(cur_files(), f, 0, cloexec);
	if (fd < 0)
		file_put(f);
	return fd;
}

static bool may_mount(void)
{
	return proc_capable(CAP_SYS_ADMIN);
}

long sys_fsopen(SYSARGS)
{
	char name[16];

	if (!may_mount())
		return -EPERM;
	if (a1 & ~(u64)FSOPEN_CLOEXEC)
		return -EINVAL;
	long n = strncpy_from_user(name, (const char *)a0, sizeof(name));
	if (n == -EFAULT)
		return n;
	if (n < 0)
		return -ENODEV;		/* longer than any type we have */
	bool mem = !strcmp(name, "tmpfs") || !strcmp(name, "ramfs");
	if (!mem && strcmp(name, "ext2"))
		return -ENODEV;
	struct fs_ctx *c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	mutex_init(&c->lock, "fs-context", LR_MUTEX_FS_CONTEXT);
	memcpy(c->type, name, sizeof(name));
	c->mem = mem;
	c->phase = FC_CREATE_PARAMS;
	struct file *f = anon_file(&fsctx_ops, c, O_RDWR);
	if (!f) {
		kfree(c);
		return -ENOMEM;
	}
	long fd = fd_install(cur_files(), f, 0, a1 & FSOPEN_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

/* Linux's superblock flags, taken by any filesystem whatever the value's
 * type; 1 if key is one. */
static int sb_flag_param(struct fs_ctx *c, const char *key)
{
	static const char *const ignored[] = { "dirsync", "lazytime", "mand", "posixacl", "sync",
					       "async", "nolazytime", "nomand", "silent" };

	if (!strcmp(key, "ro") || !strcmp(key, "rw")) {
		c->sb_mask |= SB_RDONLY;
		c->sb_set = key[1] == 'o' ? c->sb_set | SB_RDONLY : c->sb_set & ~SB_RDONLY;
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(ignored); i++)
		if (!strcmp(key, ignored[i]))
			return 1;	/* no meaning here */
	return 0;
}

/* One parameter (value NULL: a flag; is_string: a string value). */
static long set_param(struct fs_ctx *c, const char *key, const char *value, bool is_string)
{
	if (sb_flag_param(c, key))
		return 0;
	if (!strcmp(key, "source")) {
		if (!is_string)
			return -EINVAL;
		if (c->source)
			return -EINVAL;	/* given twice, as Linux */
		size_t n = strlen(value) + 1;
		if (!(c->source = kmalloc(n, GFP_KERNEL)))
			return -ENOMEM;
		memcpy(c->source, value, n);
		return 0;
	}
	if (c->phase == FC_RECONF_PARAMS)
		return -EINVAL;		/* only the flags above are changed */
	if (c->mem) {	/* tmpfs's own parameters, checked again at create */
		static const char *const known[] = { "size", "mode", "uid", "gid", "nr_inodes" };
		bool ok = false;
		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			ok |= !strcmp(key, known[i]);
		if (!ok || !is_string)
			return -EINVAL;
	} else if (value && !is_string) {
		return -EINVAL;	/* a legacy filesystem takes strings only */
	}
	/* the legacy option string: ",key=value", a page at most */
	size_t kl = strlen(key), vl = value ? strlen(value) : 0;
	size_t len = kl + (value ? 1 + vl : 0) + (c->opts_len ? 1 : 0);
	if (c->opts_len + len + 2 > PAGE_SIZE)
		return -EINVAL;
	if (!c->opts && !(c->opts = kzalloc(PAGE_SIZE, GFP_KERNEL)))
		return -ENOMEM;
	char *p = c->opts + c->opts_len;
	if (c->opts_len)
		*p++ = ',';
	memcpy(p, key, kl);
	p += kl;
	if (value) {
		*p++ = '=';
		memcpy(p, value, vl);
		p += vl;
	}
	*p = '\0';
	c->opts_len += len;
	return 0;
}

static long fsctx_create(struct fs_ctx *c)
{
	struct path cwd;
	struct mnt_ns *ns;

	if (c->phase != FC_CREATE_PARAMS)
		return -EBUSY;
	proc_cwd(&cwd);		/* a relative source is from the cwd */
	long rc = vfs_create_detached(&cwd, c->type, c->source, c->mem ? c->opts : NULL,
				      c->sb_set & SB_RDONLY, &ns);
	path_put(&cwd);
	if (rc) {
		c->phase = FC_FAILED;
		return rc;
	}
	c->tree = ns;
	c->phase = FC_AWAITING_MOUNT;
	return 0;
}

static long fsctx_reconfigure(struct fs_ctx *c)
{
	if (c->phase != FC_RECONF_PARAMS)
		return -EBUSY;
	struct super_block *sb = c->pick.dentry->sb;
	u32 flags = (READ_ONCE(sb->flags) & ~c->sb_mask) | (c->sb_set & c->sb_mask);
	return vfs_remount(&c->pick, flags & (SB_RDONLY | SB_NOSUID), NULL);
}

/* fsconfig(fd, cmd, key, value, aux): Linux's argument checks first
 * (EINVAL, EOPNOTSUPP), then the fd, then the strings. */
long sys_fsconfig(SYSARGS)
{
	int fd = (int)a0, aux = (int)a4;
	u32 cmd = (u32)a1;
	const char *ukey = (const char *)a2, *uval = (const char *)a3;

	if (fd < 0)
		return -EINVAL;
	switch (cmd) {
	case FSCONFIG_SET_FLAG:
		if (!ukey || uval || aux)
			return -EINVAL;
		break;
	case FSCONFIG_SET_STRING:
		if (!ukey || !uval || aux)
			return -EINVAL;
		break;
	case FSCONFIG_SET_BINARY:
		if (!ukey || !uval || aux <= 0 || aux > BINARY_MAX)
			return -EINVAL;
		break;
	case FSCONFIG_SET_PATH:
	case FSCONFIG_SET_PATH_EMPTY:
		if (!ukey || !uval || (aux != AT_FDCWD && aux < 0))
			return -EINVAL;
		break;
	case FSCONFIG_SET_FD:
		if (!ukey || uval || aux < 0)
			return -EINVAL;
		break;
	case FSCONFIG_CMD_CREATE:
	case FSCONFIG_CMD_CREATE_EXCL:
	case FSCONFIG_CMD_RECONFIGURE:
		if (ukey || uval || aux)
			return -EINVAL;
		if (cmd == FSCONFIG_CMD_RECONFIGURE && landlock_check_mount())
			return -EPERM;	/* Linux's sb_remount hook */
		break;
	default:
		return -EOPNOTSUPP;
	}
	struct file *f = fget((u64)fd);
	if (!f)
		return -EBADF;
	struct fs_ctx *c = fsctx_of(f);
	char *key = NULL, *val = NULL;
	long rc = c ? 0 : -EINVAL;
	if (!rc && ukey) {
		if (!(key = kmalloc(KEY_MAX, GFP_KERNEL)))
			rc = -ENOMEM;
		else if ((rc = strncpy_from_user(key, ukey, KEY_MAX)) >= 0)
			rc = 0;
		else if (rc == -ENAMETOOLONG)
			rc = -EINVAL;	/* no NUL within the limit */
	}
	if (!rc && cmd == FSCONFIG_SET_STRING) {
		if (!(val = kmalloc(KEY_MAX, GFP_KERNEL)))
			rc = -ENOMEM;
		else if ((rc = strncpy_from_user(val, uval, KEY_MAX)) >= 0)
			rc = 0;
		else if (rc == -ENAMETOOLONG)
			rc = -EINVAL;
	} else if (!rc && cmd == FSCONFIG_SET_BINARY) {
		if (!(val = kmalloc((size_t)aux, GFP_KERNEL)))
			rc = -ENOMEM;
		else if (copy_from_user(val, uval, (size_t)aux))
			rc = -EFAULT;
	} else if (!rc && (cmd == FSCONFIG_SET_PATH || cmd == FSCONFIG_SET_PATH_EMPTY)) {
		rc = getname((u64)uval, &val, cmd == FSCONFIG_SET_PATH_EMPTY);
	} else if (!rc && cmd == FSCONFIG_SET_FD) {
		struct file *vf = fget((u64)aux);
		if (!vf)
			rc = -EBADF;
		else
			file_put(vf);
	}
	if (rc)
		goto out;
	mutex_lock(&c->lock);
	if (cmd == FSCONFIG_CMD_CREATE || cmd == FSCONFIG_CMD_CREATE_EXCL)
		rc = fsctx_create(c);
	else if (cmd == FSCONFIG_CMD_RECONFIGURE)
		rc = fsctx_reconfigure(c);
	else if (c->phase != FC_CREATE_PARAMS && c->phase != FC_RECONF_PARAMS)
		rc = -EBUSY;
	else
		rc = set_param(c, key, cmd == FSCONFIG_SET_FLAG ? NULL : val,
			       cmd == FSCONFIG_SET_STRING);
	mutex_unlock(&c->lock);
out:
	kfree(key);
	kfree(val);
	file_put(f);
	return rc;
}

/* MOUNT_ATTR_* as MNT_* flags: which to set and which to clear. atime
 * is one of three: set only when attr_clr (or fsmount) names all of
 * MOUNT_ATTR__ATIME. */
static int attr_flags(u64 set, u64 clr, bool whole_atime, u32 *mset, u32 *mclr)
{
	static const u32 map[][2] = {
		{ MOUNT_ATTR_RDONLY, MNT_RDONLY }, { MOUNT_ATTR_NOSUID, MNT_NOSUID },
		{ MOUNT_ATTR_NODEV, MNT_NODEV }, { MOUNT_ATTR_NOEXEC, MNT_NOEXEC },
		{ MOUNT_ATTR_NODIRATIME, MNT_NODIRATIME },
		{ MOUNT_ATTR_NOSYMFOLLOW, MNT_NOSYMFOLLOW },
	};
	u64 valid = FSMOUNT_ATTRS;

	if ((set | clr) & ~valid)
		return -EINVAL;		/* unknown, or idmapped (not built) */
	if (set & clr)
		return -EINVAL;
	*mset = *mclr = 0;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (set & map[i][0])
			*mset |= map[i][1];
		if (clr & map[i][0])
			*mclr |= map[i][1];
	}
	u64 at = set & MOUNT_ATTR__ATIME;
	if (whole_atime || (clr & MOUNT_ATTR__ATIME)) {
		if (!whole_atime && (clr & MOUNT_ATTR__ATIME) != MOUNT_ATTR__ATIME)
			return -EINVAL;
		if (at != MOUNT_ATTR_RELATIME && at != MOUNT_ATTR_NOATIME &&
		    at != MOUNT_ATTR_STRICTATIME)
			return -EINVAL;
		*mclr |= MNT_RELATIME | MNT_NOATIME;
		*mset |= at == MOUNT_ATTR_NOATIME ? MNT_NOATIME
			 : at == MOUNT_ATTR_RELATIME ? MNT_RELATIME : 0;
	} else if (at) {
		return -EINVAL;
	}
	return 0;
}

long sys_fsmount(SYSARGS)
{
	u32 mset, mclr;

	if (!may_mount())
		return -EPERM;
	if (a1 & ~(u64)FSMOUNT_CLOEXEC)
		return -EINVAL;
	if (attr_flags(a2, 0, true, &mset, &mclr))
		return -EINVAL;
	struct file *f = fget(a0);
	if (!f)
		return -EBADF;
	struct fs_ctx *c = fsctx_of(f);
	long rc = c ? 0 : -EINVAL;
	struct mnt_ns *tree = NULL;
	if (!rc) {
		mutex_lock(&c->lock);
		if (c->phase != FC_AWAITING_MOUNT) {
			rc = -EBUSY;
		} else {
			tree = c->tree;
			c->tree = NULL;
			c->phase = FC_MOUNTED;
		}
		mutex_unlock(&c->lock);
	}
	file_put(f);
	if (rc)
		return rc;
	struct path top = { tree->root, tree->root->root };	/* ours alone */
	vfs_mount_setattr(&top, mset, mclr | MNT_USER_FLAGS, false);
	return mntfd_install(tree, a1 & FSMOUNT_CLOEXEC);
}

long sys_fspick(SYSARGS)
{
	u32 flags = (u32)a2;
	struct path p;

	if (!may_mount())
		return -EPERM;
	if (flags & ~(u32)(FSPICK_CLOEXEC | FSPICK_SYMLINK_NOFOLLOW | FSPICK_NO_AUTOMOUNT |
			   FSPICK_EMPTY_PATH))
		return -EINVAL;
	long rc = at_walk(a0, a1, flags & FSPICK_EMPTY_PATH ? AT_EMPTY_PATH : 0,
			  flags & FSPICK_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &p);
	if (rc)
		return rc;
	if (p.dentry != p.mnt->root) {
		path_put(&p);
		return -EINVAL;		/* not a mount's root */
	}
	struct fs_ctx *c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c) {
		path_put(&p);
		return -ENOMEM;
	}
	mutex_init(&c->lock, "fs-context", LR_MUTEX_FS_CONTEXT);
	const char *type = p.dentry->sb->type ? p.dentry->sb->type : "";
	size_t tl = strlen(type);
	memcpy(c->type, type, tl < sizeof(c->type) - 1 ? tl : sizeof(c->type) - 1);
	c->mem = !strcmp(type, "memfs");
	c->phase = FC_RECONF_PARAMS;
	c->pick = p;
	struct file *f = anon_file(&fsctx_ops, c, O_RDWR);
	if (!f) {
		path_put(&c->pick);
		kfree(c);
		return -ENOMEM;
	}
	long fd = fd_install(cur_files(), f, 0, flags & FSPICK_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

long sys_move_mount(SYSARGS)
{
	u32 flags = (u32)a4;
	struct path from, to;

	if (!may_mount() || landlock_check_mount())
		return -EPERM;
	if (flags & ~(u32)MOVE_MOUNT__MASK)
		return -EINVAL;
	if (flags & (MOVE_MOUNT_SET_GROUP | MOVE_MOUNT_BENEATH))
		return -EINVAL;		/* not built: joining a peer group; mounting beneath */
	long rc = at_walk(a0, a1, flags & MOVE_MOUNT_F_EMPTY_PATH ? AT_EMPTY_PATH : 0,
			  flags & MOVE_MOUNT_F_SYMLINKS ? LOOKUP_FOLLOW : 0, &from);
	if (rc)
		return rc;
	rc = at_walk(a2, a3, flags & MOVE_MOUNT_T_EMPTY_PATH ? AT_EMPTY_PATH : 0,
		     flags & MOVE_MOUNT_T_SYMLINKS ? LOOKUP_FOLLOW : 0, &to);
	if (!rc) {
		rc = vfs_move_mount(&from, &to);
		path_put(&to);
	}
	path_put(&from);
	return rc;
}

/* struct mount_attr from user memory: Linux's size rules (EINVAL below
 * the first version, E2BIG above a page or with non-zero bytes past
 * what we know). */
struct mount_attr {
	u64 attr_set, attr_clr, propagation, userns_fd;
};

static long get_mount_attr(u64 uattr, u64 usize, struct mount_attr *out)
{
	if (usize > PAGE_SIZE)
		return -E2BIG;
	if (usize < MOUNT_ATTR_SIZE_VER0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (copy_from_user(out, (const void *)uattr, sizeof(*out)))
		return -EFAULT;
	for (u64 off = sizeof(*out); off < usize; off++) {
		u8 b;
		if (copy_from_user(&b, (const void *)(uattr + off), 1))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	return 0;
}

/* Applies a checked mount_attr to the mount at p. */
static long apply_mount_attr(const struct path *p, const struct mount_attr *a, bool rec)
{
	u32 mset, mclr;

	if (a->propagation & ~(u64)(MS_PRIVATE | MS_SHARED | MS_SLAVE | MS_UNBINDABLE))
		return -EINVAL;
	if (a->propagation & (a->propagation - 1))
		return -EINVAL;		/* one kind at most */
	if (a->userns_fd && !(a->attr_set & MOUNT_ATTR_IDMAP))
		return -EINVAL;
	if (attr_flags(a->attr_set, a->attr_clr, false, &mset, &mclr))
		return -EINVAL;
	long rc = vfs_mount_setattr(p, mset, mclr, rec);
	if (!rc && a->propagation)	/* then the propagation, as Linux */
		rc = vfs_change_propagation(p, (u32)a->propagation, rec);
	return rc;
}

long sys_mount_setattr(SYSARGS)
{
	u32 flags = (u32)a2;
	struct mount_attr a;
	struct path p;

	if (flags & ~(u32)(AT_EMPTY_PATH | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT))
		return -EINVAL;
	long rc = get_mount_attr(a3, a4, &a);
	if (rc)
		return rc;
	if (!may_mount())
		return -EPERM;
	if ((rc = at_walk(a0, a1, flags & AT_EMPTY_PATH,
			  flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &p)))
		return rc;
	rc = apply_mount_attr(&p, &a, flags & AT_RECURSIVE);
	path_put(&p);
	return rc;
}

static long open_tree_common(u64 dfd, u64 upath, u32 flags, const struct mount_attr *a)
{
	struct path p;
	struct mnt_ns *tree;
	bool clone = flags & OPEN_TREE_CLONE;

	if (flags & ~(u32)(AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW |
			   OPEN_TREE_CLONE | O_CLOEXEC))
		return -EINVAL;
	if ((flags & AT_RECURSIVE) && !clone)
		return -EINVAL;
	if ((clone || a) && !may_mount())
		return -EPERM;
	long rc = at_walk(dfd, upath, flags & AT_EMPTY_PATH,
			  flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &p);
	if (rc)
		return rc;
	if (!clone) {	/* an O_PATH fd of the path itself */
		struct file *f;
		if (!(rc = vfs_open_inode(&p, O_PATH, &f))) {
			rc = fd_install(cur_files(), f, 0, flags & O_CLOEXEC);
			if (rc < 0)
				file_put(f);
		}
		path_put(&p);
		return rc;
	}
	rc = vfs_clone_detached(&p, flags & AT_RECURSIVE, &tree);
	path_put(&p);
	if (rc)
		return rc;
	if (a) {
		struct path top = { tree->root, tree->root->root };	/* ours alone */
		if ((rc = apply_mount_attr(&top, a, flags & AT_RECURSIVE))) {
			mnt_ns_put(tree);
			return rc;
		}
	}
	return mntfd_install(tree, flags & O_CLOEXEC);
}

long sys_open_tree(SYSARGS)
{
	return open_tree_common(a0, a1, (u32)a2, NULL);
}

long sys_open_tree_attr(SYSARGS)
{
	struct mount_attr a;

	if (!a3 && !a4)
		return open_tree_common(a0, a1, (u32)a2, NULL);
	if (!((u32)a2 & OPEN_TREE_CLONE))
		return -EINVAL;		/* attributes are for a copy */
	long rc = get_mount_attr(a3, a4, &a);
	return rc ? rc : open_tree_common(a0, a1, (u32)a2, &a);
}

long sys_pivot_root(SYSARGS)
{
	struct path nr, po;

	if (!may_mount() || landlock_check_mount())
		return -EPERM;
	long rc = at_walk((u64)AT_FDCWD, a0, 0, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &nr);
	if (rc)
		return rc;
	if (!(rc = at_walk((u64)AT_FDCWD, a1, 0, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &po))) {
		rc = vfs_pivot_root(&nr, &po);
		path_put(&po);
	}
	path_put(&nr);
	return rc;
}
