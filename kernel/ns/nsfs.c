/*
 * ns files (<alloy/ns.h>): what opening /proc/<pid>/ns/<kind> gives, a
 * file that holds its namespace (through its inode: inode->priv is a
 * counted reference, put when the inode goes). fstat shows the
 * namespace's number as st_ino, so two files of one namespace compare
 * equal. setns(2) and the NS_GET_* ioctls take them.
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/fdtable.h>
#include <alloy/ns.h>
#include <alloy/process.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>
#include <uapi/fcntl.h>
#include "../syscall/sysfs.h"

#define NSIO 0xb7
#define NS_GET_USERNS ((NSIO << 8) | 1)		/* _IO(NSIO, 1) */
#define NS_GET_PARENT ((NSIO << 8) | 2)
#define NS_GET_NSTYPE ((NSIO << 8) | 3)
#define NS_GET_OWNER_UID ((NSIO << 8) | 4)

long ns_setns(struct ns_common *ns, u32 nstype);

static const struct file_ops ns_fops;

static void ns_evict(struct inode *i)
{
	ns_put(i->priv);
	i->priv = NULL;
}

static const struct inode_ops ns_iops = { .evict = ns_evict };

/* Every ns inode lives in a filesystem of its own (Linux's nsfs: stat
 * shows one st_dev for all namespaces, however the file was opened),
 * made at the first use, kept for good. */
static struct super_block *nsfs_sb;

static struct super_block *nsfs_get(void)
{
	struct super_block *sb = __atomic_load_n(&nsfs_sb, __ATOMIC_ACQUIRE), *none = NULL;

	if (sb)
		return sb;
	if (!(sb = sb_create("nsfs")))
		return NULL;
	if (!__atomic_compare_exchange_n(&nsfs_sb, &none, sb, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		sb = none;	/* another CPU's (ours stays: a few bytes) */
	return sb;
}

struct inode *ns_inode(struct ns_common *ns)
{
	struct super_block *sb = nsfs_get();
	struct inode *i = sb ? inode_alloc(sb, S_IFREG | 0444) : NULL;

	if (!i)
		return NULL;
	i->ino = ns->inum;
	i->iop = &ns_iops;
	i->fop = &ns_fops;
	ns_get(ns);
	i->priv = ns;
	return i;
}

struct ns_common *ns_of_file(struct file *f)
{
	return f->fop == &ns_fops && f->inode ? f->inode->priv : NULL;
}

/* A nameless file (the ioctls' answers). */
struct file *ns_file_open(struct ns_common *ns, u32 flags)
{
	struct inode *i = ns_inode(ns);
	struct file *f = i ? file_alloc(i, NULL, flags) : NULL;

	inode_put(i);		/* the file's, if any, keeps it */
	ns_put(ns);		/* the caller's: the inode took its own */
	return f;
}

/* Is the user namespace u the caller's or one below it? */
static bool userns_visible(struct ns_common *u)
{
	struct ns_common *mine = proc_ns(current_proc(), NS_USER, false);
	bool seen = false;

	for (struct ns_common *x = u; x && !seen; x = x->owner)
		seen = x == mine;
	ns_put(mine);
	return seen;
}

/* A new descriptor (close-on-exec, as Linux) of ns, counted here. */
static long open_related(struct ns_common *ns)
{
	ns_get(ns);
	struct file *f = ns_file_open(ns, O_RDONLY);
	if (!f)
		return -ENOMEM;
	return fd_install(current_proc()->files, f, 0, true);
}

/*
 * Linux's nsfs ioctls. NS_GET_USERNS: the owning user namespace (a user
 * namespace's parent), -EPERM if it is above the caller's. NS_GET_PARENT:
 * pid and user namespaces' parent, -EPERM at the top or above the
 * caller's, -EINVAL for other kinds. NS_GET_NSTYPE: the CLONE_NEW* flag.
 * NS_GET_OWNER_UID: a user namespace's creator's uid, -EINVAL for others.
 */
static long ns_ioctl(struct file *f, u32 cmd, u64 arg)
{
	struct ns_common *ns = ns_of_file(f);
	const struct ns_kind *kind = ns_kinds[ns->type];

	switch (cmd) {
	case NS_GET_USERNS: {
		struct ns_common *u = ns->owner;
		if (!u || !userns_visible(u))
			return -EPERM;
		return open_related(u);
	}
	case NS_GET_PARENT: {
		if (!kind->hierarchical)
			return -EINVAL;
		struct ns_common *p = kind->parent(ns);
		if (!p || (p->type == NS_USER && !userns_visible(p)))
			return -EPERM;
		return open_related(p);
	}
	case NS_GET_NSTYPE:
		return kind->clone_flag;
	case NS_GET_OWNER_UID:
		if (ns->type != NS_USER)
			return -EINVAL;
		u32 uid = ns->owner_uid;
		return copy_to_user((void *)arg, &uid, sizeof(uid)) ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}

static long ns_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	(void)f; (void)b; (void)n; (void)pos;
	return -EINVAL;		/* as Linux's nsfs */
}

static const struct file_ops ns_fops = { .ioctl = ns_ioctl, .read = ns_read };

/* setns(fd, nstype): fd an ns file (a pidfd is not taken: -EINVAL). */
long sys_setns(SYSARGS)
{
	struct file *f = fget(a0);

	if (!f)
		return -EBADF;
	struct ns_common *ns = ns_of_file(f);
	long rc = ns ? ns_setns(ns, (u32)a1) : -EINVAL;
	file_put(f);
	return rc;
}
