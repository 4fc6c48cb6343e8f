/*
 * File handles: name_to_handle_at names an inode by what outlives its
 * path (number and generation, as the filesystem says: memfs and ext2),
 * open_by_handle_at opens it again with CAP_DAC_READ_SEARCH, through a
 * mount of the same filesystem.
 *
 * The handle is Linux's struct file_handle: handle_bytes, handle_type,
 * then FH_BYTES of ours: the inode number (u64) and its generation
 * (u32), type FH_TYPE. Handles come from users and may be forged: the
 * filesystem (super_ops->fh_to_inode) finds only a live, linked inode of
 * that number and generation, taking its reference under the lock its
 * eviction takes, so a forged or stale handle is ESTALE, never a freed
 * or another filesystem's inode.
 *
 * An inode opened by handle gets a dentry outside the tree (like an
 * O_TMPFILE's) below its mount's root, named "#<ino>": ext2 keeps no
 * parent to find its name. A directory gets no such dentry (its
 * children would have two parents) but its own, if the dentry cache
 * holds it and it is in the anchor's mount; else ESTALE (ext2's evicted
 * directories: Linux would find their names through "..").
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/printf.h>
#include <alloy/process.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>
#include <uapi/capability.h>
#include "sysfs.h"

#define MAX_HANDLE_SZ 128
#define AT_HANDLE_FID 0x200	/* only to compare: no open_by_handle_at */
#define FH_TYPE 1		/* Linux's FILEID_INO32_GEN number, our layout */
#define FH_BYTES 12

struct fh_head {
	u32 handle_bytes;
	s32 handle_type;
};

struct fh_body {
	u64 ino;
	u32 generation;
} __attribute__((packed));

/* The mount's number in /proc/self/mountinfo: its place in the mount
 * list, from 21 (procfs's mount_id for the whole list). */
struct mnt_index {
	struct mount *m;
	int n, found;
};

static int count_mount(void *ctx, struct mount *m)
{
	struct mnt_index *x = ctx;

	if (m == x->m) {
		x->found = 21 + x->n;
		return 1;
	}
	x->n++;
	return 0;
}

static int mount_number(struct mount *m)
{
	struct mnt_index x = { m, 0, 21 };

	vfs_for_each_mount(count_mount, &x);
	return x.found;
}

long sys_name_to_handle_at(SYSARGS)
{
	int flags = (int)a4;
	struct fh_head h;
	struct path p;
	long rc;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH | AT_HANDLE_FID))
		return -EINVAL;
	rc = at_walk(a0, a1, flags & AT_EMPTY_PATH, flags & AT_SYMLINK_FOLLOW ? LOOKUP_FOLLOW : 0,
		     &p);
	if (rc)
		return rc;
	struct inode *i = p.dentry->inode;
	const struct super_ops *sop = i->sb->sop;
	if (copy_from_user(&h, (const void *)a2, sizeof(h))) {
		rc = -EFAULT;
	} else if (h.handle_bytes > MAX_HANDLE_SZ) {
		rc = -EINVAL;
	} else if (!(flags & AT_HANDLE_FID) && (!sop || !sop->fh_to_inode)) {
		rc = -EOPNOTSUPP;	/* this filesystem cannot open one */
	} else {
		/* too small: EOVERFLOW with the size it takes; the mount's
		 * number and the header go back either way (EFAULT first) */
		bool fits = h.handle_bytes >= FH_BYTES;
		struct fh_body b = { i->ino, sop && sop->fh_generation ? sop->fh_generation(i) : 0 };
		int id = mount_number(p.mnt);
		h.handle_bytes = FH_BYTES;
		h.handle_type = fits ? FH_TYPE : h.handle_type;
		rc = fits ? 0 : -EOVERFLOW;
		if (copy_to_user((void *)a3, &id, sizeof(id)) ||
		    copy_to_user((void *)a2, &h, sizeof(h)) ||
		    (fits && copy_to_user((void *)(a2 + sizeof(h)), &b, sizeof(b))))
			rc = -EFAULT;
	}
	path_put(&p);
	return rc;
}

/* The handle's inode on anchor's filesystem, as a path in anchor's mount. */
static int handle_path(const struct path *anchor, const struct fh_body *b, struct path *out)
{
	struct super_block *sb = anchor->dentry->sb;
	struct dentry *root = anchor->mnt->root;
	struct inode *i;
	char name[32];
	int rc;

	if (!sb->sop || !sb->sop->fh_to_inode)
		return -ESTALE;
	if ((rc = sb->sop->fh_to_inode(sb, b->ino, b->generation, &i)))
		return rc;
	if (i == root->inode) {
		inode_put(i);
		*out = (struct path){ anchor->mnt, root };
		path_get(out);
		return 0;
	}
	if (S_ISDIR(i->mode)) {
		/* its own dentry, if the cache has it and it is in this mount */
		struct dentry *d = d_find_dir_alias(i);
		inode_put(i);
		if (!d)
			return -ESTALE;
		bool below;
		mutex_lock(&sb->ns_lock);
		below = !d->dead && dentry_is_below(d, root);
		mutex_unlock(&sb->ns_lock);
		if (!below) {
			dentry_put(d);
			return -ESTALE;
		}
		*out = (struct path){ mnt_get(anchor->mnt), d };
		return 0;
	}
	int n = snprintf(name, sizeof(name), "#%llu", (unsigned long long)i->ino);
	mutex_lock(&sb->ns_lock);
	struct dentry *d = d_alloc_uncached(root, name, (size_t)n, i);	/* takes i's reference */
	mutex_unlock(&sb->ns_lock);
	if (!d)
		return -ENOMEM;
	*out = (struct path){ mnt_get(anchor->mnt), d };
	return 0;
}

long sys_open_by_handle_at(SYSARGS)
{
	u32 flags = (u32)a2;
	struct fh_head h;
	struct fh_body b;
	struct path anchor, p;
	struct file *f;
	long rc;

	if ((int)a0 == AT_FDCWD) {
		proc_cwd(&anchor);
	} else {
		struct file *mf = fget(a0);
		if (!mf)
			return -EBADF;
		rc = mf->path.dentry ? 0 : -ESTALE;	/* a pipe, a socket: no filesystem */
		if (!rc)
			path_get(&mf->path), anchor = mf->path;
		file_put(mf);
		if (rc)
			return rc;
	}
	if (!cap_effective(CAP_DAC_READ_SEARCH))
		rc = -EPERM;
	else if (copy_from_user(&h, (const void *)a1, sizeof(h)))
		rc = -EFAULT;
	else if (!h.handle_bytes || h.handle_bytes > MAX_HANDLE_SZ)
		rc = -EINVAL;
	else if (h.handle_type != FH_TYPE || h.handle_bytes != FH_BYTES)
		rc = -ESTALE;	/* not one of ours */
	else if (copy_from_user(&b, (const void *)(a1 + sizeof(h)), sizeof(b)))
		rc = -EFAULT;
	else if (flags & __O_TMPFILE)
		rc = -EINVAL;
	else
		rc = handle_path(&anchor, &b, &p);
	path_put(&anchor);
	if (rc)
		return rc;
	/* it exists: O_CREAT creates nothing, O_EXCL does not apply */
	rc = vfs_open_path(&p, flags & ~(u32)(O_CREAT | O_EXCL), &f);
	path_put(&p);
	if (!rc)
		rc = fd_install(cur_files(), f, 0, flags & O_CLOEXEC);
	return rc;
}
