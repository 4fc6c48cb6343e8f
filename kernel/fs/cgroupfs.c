/*
 * cgroupfs: mount -t cgroup2 (docs/cgroup.md). The groups of
 * kernel/sched/cgroup.c as directories, their interface files in each.
 *
 * One super block for the one hierarchy, made at the first mount and
 * never freed (it counts one mount of its own, as Linux's kernfs keeps
 * its root): every mount of cgroup2 shows the same tree, and the tree
 * outlives its mounts. Directories are the dentries mkdir makes (cached
 * until rmdir); files are looked up afresh on each walk (SB_NOCACHE), so
 * a controller's files appear and go with it.
 *
 * Inodes: a directory's number is its cgroup's id << 8, a file's that
 * plus 1 + its index (enum cg_file). Each inode holds a reference to its
 * cgroup (priv), put at evict: an open file or an O_PATH descriptor of a
 * removed group keeps it alive (reads then see it empty, writes ENODEV).
 * chown and chmod of a file are kept in the cgroup (cg->attr), so they
 * outlive the inode; a directory's are its inode's.
 */
#include <alloy/cgroup.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/vfs.h>
#include <alloy/mm.h>
#include "procfs.h"

#define CGROUP2_SUPER_MAGIC 0x63677270

static const char *const file_names[CGF_NR] = {
	[CGF_CONTROLLERS] = "cgroup.controllers", [CGF_SUBTREE] = "cgroup.subtree_control",
	[CGF_PROCS] = "cgroup.procs", [CGF_THREADS] = "cgroup.threads",
	[CGF_MAX_DEPTH] = "cgroup.max.depth", [CGF_MAX_DESC] = "cgroup.max.descendants",
	[CGF_STAT] = "cgroup.stat", [CGF_EVENTS] = "cgroup.events", [CGF_TYPE] = "cgroup.type",
	[CGF_KILL] = "cgroup.kill", [CGF_PIDS_MAX] = "pids.max",
	[CGF_PIDS_CURRENT] = "pids.current", [CGF_PIDS_EVENTS] = "pids.events",
	[CGF_PIDS_PEAK] = "pids.peak",
};

static struct super_block *cg_sb;	/* set once */
static const struct inode_ops cg_dir_iops, cg_file_iops;
static const struct file_ops cg_dir_fops, cg_file_fops;
static const struct super_ops cg_sops;

#define DIR_INO(cg) ((cg)->id << 8)
#define FILE_IDX(i) ((int)((i)->ino & 0xff) - 1)

static struct cgroup *cg_of(const struct inode *i)
{
	return i->priv;
}

struct cgroup *cgroupfs_dir_cgroup(struct inode *i)
{
	if (!i || i->sb != READ_ONCE(cg_sb) || !S_ISDIR(i->mode))
		return NULL;
	return cg_of(i);
}

/* An inode of cg (its reference is taken). */
static struct inode *cg_inode(struct super_block *sb, struct cgroup *cg, int file, u32 mode)
{
	struct inode *i = inode_alloc(sb, mode);

	if (!i)
		return NULL;
	cgroup_get(cg);
	i->priv = cg;
	i->ino = DIR_INO(cg) + (u64)(file + 1);
	i->nlink = S_ISDIR(mode) ? 2 : 1;
	if (S_ISDIR(mode)) {
		i->iop = &cg_dir_iops;
		i->fop = &cg_dir_fops;
	} else {
		i->iop = &cg_file_iops;
		i->fop = &cg_file_fops;
		i->uid = READ_ONCE(cg->attr[file].uid);
		i->gid = READ_ONCE(cg->attr[file].gid);
	}
	return i;
}

static int file_index(const char *name, size_t len)
{
	for (int k = 0; k < CGF_NR; k++)
		if (strlen(file_names[k]) == len && !memcmp(file_names[k], name, len))
			return k;
	return -1;
}

/* Only files: child groups are dentries mkdir made, found in the cache. */
static int cg_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct cgroup *cg = cg_of(dir);
	int k = file_index(name, len);

	if (k < 0 || !cgroup_has_file(cg, k))
		return -ENOENT;
	*out = cg_inode(dir->sb, cg, k, S_IFREG | (READ_ONCE(cg->attr[k].mode) & 0777));
	return *out ? 0 : -ENOMEM;
}

/* mkdir: a new group (only directories can be made). */
static int cg_mknod(struct inode *dir, const char *name, size_t len, u32 mode, u32 rdev,
		   const char *target, struct inode **out)
{
	struct cgroup *cg;
	struct cred c;

	(void)rdev;
	(void)target;
	if (!S_ISDIR(mode))
		return -EPERM;
	int rc = cgroup_mkdir(cg_of(dir), name, len, &cg);
	if (rc)
		return rc;
	/* as Linux's cgroup_kn_set_ugid: what a non-root user makes is its */
	cred_current(&c);
	if (c.fsuid || c.fsgid)
		for (int k = 0; k < CGF_NR; k++) {
			cg->attr[k].uid = c.fsuid;
			cg->attr[k].gid = c.fsgid;
		}
	struct inode *i = cg_inode(dir->sb, cg, -1, S_IFDIR | (mode & 07777));
	if (!i) {
		cgroup_rmdir(cg);
		cgroup_put(cg);
		return -ENOMEM;
	}
	i->uid = c.fsuid;
	i->gid = c.fsgid;
	cgroup_put(cg);		/* cgroup_mkdir's: the inode holds one */
	*out = i;
	return 0;
}

/* rmdir (the VFS found no child directory): EBUSY while it has
 * processes. */
static int cg_unlink(struct inode *dir, const char *name, size_t len, struct inode *inode)
{
	(void)dir;
	(void)name;
	(void)len;
	if (!S_ISDIR(inode->mode))
		return -EPERM;	/* files are the group's own */
	return cgroup_rmdir(cg_of(inode));
}

/* rename: Linux's refusals (a file ENOTDIR, another parent EIO); a
 * group's name is fixed here (EPERM; Linux renames it in place). */
static int cg_rename(struct inode *odir, const char *oname, size_t olen, struct inode *inode,
		     struct inode *ndir, const char *nname, size_t nlen, struct inode *victim)
{
	(void)oname; (void)olen; (void)nname; (void)nlen;
	if (!S_ISDIR(inode->mode))
		return -ENOTDIR;
	if (odir != ndir)
		return -EIO;
	return victim ? -EEXIST : -EPERM;
}

static void cg_evict(struct inode *i)
{
	cgroup_put(cg_of(i));
}

/* chmod and chown of a file: kept in the group (inode->lock held). */
static void cg_write_inode(struct inode *i)
{
	int k = FILE_IDX(i);

	if (S_ISDIR(i->mode) || k < 0 || k >= CGF_NR)
		return;
	struct cgroup *cg = cg_of(i);
	WRITE_ONCE(cg->attr[k].mode, i->mode & 0777);
	WRITE_ONCE(cg->attr[k].uid, i->uid);
	WRITE_ONCE(cg->attr[k].gid, i->gid);
}

static const struct inode_ops cg_dir_iops = {
	.lookup = cg_lookup,
	.mknod = cg_mknod,
	.unlink = cg_unlink,
	.rename = cg_rename,
	.evict = cg_evict,
	.write_inode = cg_write_inode,
};

static const struct inode_ops cg_file_iops = {
	.lookup = cg_lookup,
	.evict = cg_evict,
	.write_inode = cg_write_inode,
};

/* ---- directories: ".", "..", its files, then its child groups */

#define CHILD_COOKIE 64		/* a child's cookie: this + its id */

static int cg_iterate(struct file *f, u64 *pos,
		      bool (*emit)(void *ctx, const char *name, size_t len, u64 ino, u32 mode,
				   u64 next),
		      void *ctx)
{
	struct cgroup *cg = cg_of(f->inode);

	if (!vfs_emit_dots(f, pos, emit, ctx))
		return 0;
	for (u64 k = *pos - 2; k < CGF_NR; k++) {
		if (!cgroup_has_file(cg, (int)k))
			continue;
		const char *n = file_names[k];
		if (!emit(ctx, n, strlen(n), DIR_INO(cg) + k + 1,
			  S_IFREG | READ_ONCE(cg->attr[k].mode), 3 + k))
			return 0;
		*pos = 3 + k;
	}
	if (*pos < CHILD_COOKIE)
		*pos = CHILD_COOKIE;
	/* the children in id order, one at a time, each name copied: the
	 * lock is not held over emit (a user copy) */
	char *name = kmalloc(NAME_MAX + 1, GFP_KERNEL);
	if (!name)
		return -ENOMEM;
	for (;;) {
		u64 id;
		if (!cgroup_next_child(cg, *pos - CHILD_COOKIE, &id, name))
			break;
		if (!emit(ctx, name, strlen(name), id << 8, S_IFDIR | 0755,
			  CHILD_COOKIE + id))
			break;
		*pos = CHILD_COOKIE + id;
	}
	kfree(name);
	return 0;
}

static const struct file_ops cg_dir_fops = {
	.iterate = cg_iterate,
	.seekable = true,
};

/* ---- files: text made afresh by each read (as procfs's), writes of
 * up to a page taken whole */

static long cg_read(struct file *f, struct iobuf io, size_t n, u64 *pos)
{
	int k = FILE_IDX(f->inode);

	if (!n)
		return 0;
	size_t cap = MIN(n, (size_t)PAGE_SIZE);
	struct pbuf b = { .buf = kmalloc(cap, GFP_KERNEL), .cap = cap, .skip = *pos };
	if (!b.buf)
		return -ENOMEM;
	long rc = cgroup_show(&b, cg_of(f->inode), k);
	if (!rc && b.len && iob_copy_out(io, 0, b.buf, b.len))
		rc = -EFAULT;
	kfree(b.buf);
	if (rc)
		return rc;
	*pos += b.len;
	return (long)b.len;
}

static long cg_write(struct file *f, struct iobuf io, size_t n, u64 *pos)
{
	int k = FILE_IDX(f->inode);

	(void)pos;
	if (!n)
		return 0;
	n = MIN(n, (size_t)PAGE_SIZE - 1);
	char *buf = kmalloc(n + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	long rc = iob_copy_in(buf, io, 0, n) ? -EFAULT : 0;
	buf[n] = '\0';
	if (!rc)
		rc = cgroup_write(cg_of(f->inode), k, buf, n, f->priv);
	kfree(buf);
	return rc ? rc : (long)n;
}

/* cgroup.procs and cgroup.threads keep who opened them (f->priv): their
 * writes are checked with those credentials. */
static int cg_open(struct inode *i, struct file *f)
{
	int k = FILE_IDX(i);

	if (k != CGF_PROCS && k != CGF_THREADS)
		return 0;
	f->priv = cgroup_opener_new();
	return f->priv ? 0 : -ENOMEM;
}

static void cg_release(struct file *f)
{
	cgroup_opener_free(f->priv);
	f->priv = NULL;
}

static const struct file_ops cg_file_fops = {
	.open = cg_open,
	.release = cg_release,
	.read = cg_read,
	.write = cg_write,
	.seekable = true,
};

static int cg_statfs(struct super_block *sb, struct kstatfs *st)
{
	(void)sb;
	*st = (struct kstatfs){ .type = CGROUP2_SUPER_MAGIC, .bsize = PAGE_SIZE,
				.namelen = NAME_MAX, .frsize = PAGE_SIZE };
	return 0;
}

static const struct super_ops cg_sops = { .statfs = cg_statfs };

/* The one super block, made at the first mount. */
static struct super_block *cg_super(void)
{
	struct super_block *sb = READ_ONCE(cg_sb);

	if (sb)
		return sb;
	sb = sb_create("cgroup2");
	struct inode *root = sb ? cg_inode(sb, &cgroup_root, -1, S_IFDIR | 0755) : NULL;
	if (!root || sb_set_root(sb, root)) {
		if (root)
			inode_put(root);
		kfree(sb);
		return NULL;
	}
	list_init(&sb->link);	/* in no disk list */
	sb->flags = SB_NOCACHE | SB_BUSY_DIRS;
	sb->sop = &cg_sops;
	sb->nr_mounts = 1;	/* its own, for ever: the tree outlives mounts */
	struct super_block *none = NULL;
	if (!__atomic_compare_exchange_n(&cg_sb, &none, sb, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST)) {
		dentry_put(sb->root);	/* another mount made it first */
		kfree(sb);
		return none;
	}
	return sb;
}

/* Linux's cgroup2 options: those about controllers Alloy lacks are
 * refused (EINVAL, as an unknown one), the rest taken and ignored. */
static int check_opts(const char *opts)
{
	static const char *const ok[] = { "nsdelegate", "favordynmods", "nofavordynmods",
					  "pids_localevents", "rw", "ro", "nosuid",
					  "nodev", "noexec", "relatime", "noatime" };

	while (opts && *opts) {
		const char *e = opts;
		while (*e && *e != ',')
			e++;
		bool found = e == opts;
		for (size_t k = 0; k < ARRAY_SIZE(ok) && !found; k++)
			found = strlen(ok[k]) == (size_t)(e - opts) &&
				!memcmp(ok[k], opts, (size_t)(e - opts));
		if (!found)
			return -EINVAL;
		opts = *e ? e + 1 : e;
	}
	return 0;
}

int cgroupfs_mount(u32 mnt_flags, const char *opts, const struct path *at)
{
	int rc = check_opts(opts);

	if (rc)
		return rc;
	struct super_block *sb = cg_super();
	if (!sb)
		return -ENOMEM;
	return vfs_mount_sb(sb, at, mnt_flags);
}
