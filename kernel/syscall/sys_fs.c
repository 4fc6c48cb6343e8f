/*
 * Filesystem-wide syscalls: mount, umount2, statfs/fstatfs and the
 * write-back family (sync, syncfs, fsync, fdatasync).
 */
#include <alloy/cgroup.h>
#include <alloy/errno.h>
#include <alloy/landlock.h>
#include <alloy/mm.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/tty.h>
#include <alloy/uaccess.h>
#include "sysfs.h"
#include <uapi/mount.h>


#define RAMFS_MAGIC 0x858458f6

/* MS_RDONLY and MS_NOSUID as the superblock's flags (the filesystem's;
 * the mount's own read-only flag is in mount_mnt_flags). */
static u32 mount_sb_flags(u32 flags)
{
	return (flags & MS_RDONLY ? SB_RDONLY : 0) | (flags & MS_NOSUID ? SB_NOSUID : 0);
}

/* The mount's own flags: nosuid, nodev, noexec, nosymfollow and the atime
 * policy (relatime unless strictatime or noatime, as Linux). */
static u32 mount_mnt_flags(u32 flags)
{
	u32 m = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME);
	if (flags & MS_NOSYMFOLLOW)
		m |= MNT_NOSYMFOLLOW;
	if (!(flags & (MS_STRICTATIME | MS_NOATIME)) || (flags & MS_RELATIME))
		m |= MNT_RELATIME;
	return m;
}

long sys_mount(SYSARGS)
{
	u32 flags = (u32)a3;
	char *src = NULL, *type = NULL, *data = NULL;
	struct path at, from;
	long rc;

	if (current_proc()->uid[1] != 0 || landlock_check_mount())
		return -EPERM;	/* a Landlock domain: no mount changes at all */
	if ((flags & MS_MGC_MASK) == 0xc0ed0000u)
		flags &= ~MS_MGC_MASK;
	if (flags & MS_REMOUNT) {	/* source and type are ignored, as Linux */
		if (flags & MS_MOVE)
			return -EINVAL;
		if ((rc = at_walk((u64)AT_FDCWD, a1, 0, LOOKUP_FOLLOW, &at)))
			return rc;
		if (flags & MS_BIND)	/* the mount's flags only */
			rc = vfs_remount_mnt(&at, mount_mnt_flags(flags));
		else if (!a4 || !(rc = getname(a4, &data, true)))
			rc = vfs_remount(&at, mount_sb_flags(flags), data);
		if (!rc && !(flags & MS_BIND))
			rc = vfs_remount_mnt(&at, mount_mnt_flags(flags));
		path_put(&at);
		kfree(data);
		return rc;
	}
	if (flags & MS_BIND) {	/* before the propagation flags, as Linux */
		if ((rc = at_walk((u64)AT_FDCWD, a0, 0, LOOKUP_FOLLOW, &from)))
			return rc;
		if (!(rc = at_walk((u64)AT_FDCWD, a1, 0, LOOKUP_FOLLOW, &at))) {
			rc = vfs_bind_mount(&from, &at, flags & MS_REC);
			path_put(&at);
		}
		path_put(&from);
		return rc;
	}
	if (flags & MS_PROPAGATION) {
		/* one kind; beside it only MS_REC, MS_SILENT and the per-mount
		 * flags Linux strips first (source, type and data ignored) */
		u32 type = flags & ~(u32)(MS_REC | MS_SILENT | MS_NOSUID | MS_NODEV | MS_NOEXEC |
					  MS_NOATIME | MS_NODIRATIME | MS_RELATIME |
					  MS_STRICTATIME | MS_NOSYMFOLLOW);
		if (type & (type - 1))
			return -EINVAL;	/* two kinds at once, or other flags */
		if ((rc = at_walk((u64)AT_FDCWD, a1, 0, LOOKUP_FOLLOW, &at)))
			return rc;
		rc = vfs_change_propagation(&at, type, flags & MS_REC);
		path_put(&at);
		return rc;
	}
	if (flags & MS_MOVE) {
		if ((rc = at_walk((u64)AT_FDCWD, a0, 0, LOOKUP_FOLLOW, &from)))
			return rc;
		if (!(rc = at_walk((u64)AT_FDCWD, a1, 0, LOOKUP_FOLLOW, &at))) {
			rc = vfs_move_mount(&from, &at);
			path_put(&at);
		}
		path_put(&from);
		return rc;
	}
	if (!a2)
		return -EINVAL;		/* a new mount needs a type, as Linux */
	if ((a0 && (rc = getname(a0, &src, false))) || (rc = getname(a2, &type, false)))
		goto out;
	if ((rc = at_walk((u64)AT_FDCWD, a1, 0, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &at)))
		goto out;
	bool huge = !strcmp(type, "hugetlbfs");	/* memfs of huge pages */
	if (!strcmp(type, "tmpfs") || !strcmp(type, "ramfs") || huge) {	/* memfs; data: options */
		if (!a4 || !(rc = getname(a4, &data, true)))
			rc = vfs_mount_mem(data, huge, mount_sb_flags(flags), mount_mnt_flags(flags),
					   &at);
	} else if (!strcmp(type, "devpts")) {	/* options ignored */
		rc = devpts_mount(mount_sb_flags(flags), &at);
	} else if (!strcmp(type, "sysfs")) {	/* options ignored */
		rc = sysfs_mount(mount_sb_flags(flags), &at);
	} else if (!strcmp(type, "cgroup2")) {	/* the one hierarchy (docs/cgroup.md) */
		if (!a4 || !(rc = getname(a4, &data, true)))
			rc = cgroupfs_mount(mount_mnt_flags(flags), data, &at);
	} else if (strcmp(type, "ext2")) {
		rc = -ENODEV;		/* as Linux: unknown filesystem type */
	} else if (!src) {
		rc = -EINVAL;	/* a disk filesystem needs a source, as Linux */
	} else {	/* a relative source is from the cwd */
		struct path cwd;
		if (!(rc = at_base((u64)AT_FDCWD, &cwd))) {
			rc = vfs_mount_dev(&cwd, src, type, mount_sb_flags(flags),
					   mount_mnt_flags(flags), &at);
			path_put(&cwd);
		}
	}
	path_put(&at);
out:
	kfree(src);
	kfree(type);
	kfree(data);
	return rc;
}

long sys_umount2(SYSARGS)
{
	struct path p;
	long rc;

	if (current_proc()->uid[1] != 0 || landlock_check_mount())
		return -EPERM;
	if (a1 & ~(u64)(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	if ((a1 & MNT_EXPIRE) && (a1 & (MNT_FORCE | MNT_DETACH)))
		return -EINVAL;
	rc = at_walk((u64)AT_FDCWD, a0, 0, a1 & UMOUNT_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &p);
	if (rc)
		return rc;
	rc = vfs_umount(&p, (int)(a1 & (MNT_DETACH | MNT_EXPIRE)));
	dentry_put(p.dentry);
	mnt_put_keep_mark(p.mnt);	/* this lookup is not a use */
	if (!rc)	/* the last mount of a part of a filesystem: it goes now */
		vfs_reap_detached();
	return rc;
}

/* struct statfs of x86-64 Linux */
struct linux_statfs {
	s64 f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	s32 f_fsid[2];
	s64 f_namelen, f_frsize, f_flags, f_spare[4];
};

static int fill_statfs(struct super_block *sb, struct kstatfs *out)
{
	struct kstatfs st;
	int rc = 0;

	if (sb->sop && sb->sop->statfs) {
		rc = sb->sop->statfs(sb, &st);
	} else {	/* memory filesystems: memory is their size */
		u64 free = page_alloc_free_count();
		st = (struct kstatfs){ .type = RAMFS_MAGIC, .bsize = PAGE_SIZE,
				       .frsize = PAGE_SIZE, .blocks = page_alloc_total_count(),
				       .bfree = free, .bavail = free, .namelen = NAME_MAX };
	}
	if (!rc)
		*out = st;
	return rc;
}

static long do_statfs(struct super_block *sb, const struct mount *mnt, u64 ubuf)
{
	struct kstatfs st;
	struct linux_statfs out;
	int rc = fill_statfs(sb, &st);

	if (rc)
		return rc;
	memset(&out, 0, sizeof(out));
	out.f_type = (s64)st.type;
	out.f_bsize = (s64)st.bsize;
	out.f_blocks = (s64)st.blocks;
	out.f_bfree = (s64)st.bfree;
	out.f_bavail = (s64)st.bavail;
	out.f_files = (s64)st.files;
	out.f_ffree = (s64)st.ffree;
	out.f_fsid[0] = (s32)sb->dev;
	out.f_namelen = (s64)st.namelen;
	out.f_frsize = (s64)st.frsize;
	/* ST_* are MS_*, and MNT_* the same where they overlap */
	out.f_flags = (s64)((sb->flags & SB_RDONLY ? MS_RDONLY : 0) | 0x20 /* ST_VALID */ |
			    (sb->flags & SB_NOSUID ? MS_NOSUID : 0) |
			    (mnt ? READ_ONCE(mnt->flags) & MNT_USER_FLAGS : 0));
	return copy_to_user((void *)ubuf, &out, sizeof(out)) ? -EFAULT : 0;
}

long sys_statfs(SYSARGS)
{
	struct path p;
	long rc = at_walk((u64)AT_FDCWD, a0, 0, LOOKUP_FOLLOW, &p);

	if (rc)
		return rc;
	rc = do_statfs(p.dentry->sb, p.mnt, a1);
	path_put(&p);
	return rc;
}

long sys_fstatfs(SYSARGS)
{
	struct file *f = fget(a0);

	if (!f)
		return -EBADF;
	long rc = f->inode && f->inode->sb ? do_statfs(f->inode->sb, f->path.mnt, a1) : -EINVAL;
	file_put(f);
	return rc;
}

long sys_sync(SYSARGS)
{
	vfs_sync_all();
	return 0;		/* sync(2) cannot fail */
}

long sys_syncfs(SYSARGS)
{
	struct file *f = fget(a0);

	if (!f)
		return -EBADF;
	long rc = f->inode ? vfs_sync_fs(f->inode->sb) : 0;
	file_put(f);
	return rc;
}

static long do_fsync(u64 fd, bool datasync)
{
	struct file *f = fget(fd);

	if (!f)
		return -EBADF;
	long rc;
	if (f->flags & O_PATH)
		rc = -EBADF;
	else if (f->fop && f->fop->fsync)
		rc = f->fop->fsync(f, datasync);
	else	/* memory-only files and directories have nothing to write;
		 * pipes, sockets and devices cannot be synced (Linux: EINVAL) */
		rc = f->inode && (S_ISREG(f->inode->mode) || S_ISDIR(f->inode->mode)) ? 0 : -EINVAL;
	file_put(f);
	return rc;
}

#define SYNC_FILE_RANGE_ALL 7	/* WAIT_BEFORE 1, WRITE 2, WAIT_AFTER 4 */

/* sync_file_range: the range is checked; the whole file is synced (a
 * larger range than asked, which is allowed). */
long sys_sync_file_range(SYSARGS)
{
	s64 off = (s64)a1, n = (s64)a2;

	if (a3 & ~(u64)SYNC_FILE_RANGE_ALL)
		return -EINVAL;
	if (off < 0 || n < 0 || off + (u64)n < (u64)off || (s64)(off + (u64)n) < 0)
		return -EINVAL;
	struct file *f = fget(a0);
	if (!f)
		return -EBADF;
	long rc = 0;
	struct inode *i = f->inode;
	if (f->flags & O_PATH)
		rc = -EBADF;
	else if (!i || !(S_ISREG(i->mode) || S_ISDIR(i->mode) || S_ISBLK(i->mode)))
		rc = -ESPIPE;
	else if ((a3 & 2) && f->fop && f->fop->fsync)	/* SYNC_FILE_RANGE_WRITE */
		rc = f->fop->fsync(f, true);
	file_put(f);
	return rc;
}

long sys_fsync(SYSARGS) { return do_fsync(a0, false); }
long sys_fdatasync(SYSARGS) { return do_fsync(a0, true); }

/* ---- ustat(2) and sysfs(2): obsolete, still in the table */

struct ustat_find {
	u32 dev;
	struct dentry *root;	/* a mounted root of that device, held */
};

static int ustat_match(void *ctx, struct mount *m)
{
	struct ustat_find *u = ctx;

	if (m->root->sb->dev != u->dev)
		return 0;
	u->root = dentry_get(m->root);
	return 1;
}

/* struct ustat of x86-64 Linux */
struct linux_ustat {
	s32 f_tfree;
	u32 pad;
	u64 f_tinode;
	char f_fname[6], f_fpack[6];
	u32 pad2;
};

long sys_ustat(SYSARGS)
{
	/* the dev_t of stat's st_dev: minor's low byte, major, minor's rest */
	u32 major = (u32)((a0 >> 8) & 0xfff), minor = (u32)((a0 & 0xff) | ((a0 >> 12) & 0xfff00));
	struct ustat_find u = { MKDEV(major, minor), NULL };
	struct kstatfs st;
	struct linux_ustat out;

	vfs_for_each_mount(ustat_match, &u);
	if (!u.root)
		return -EINVAL;	/* no mounted filesystem on it */
	int rc = fill_statfs(u.root->sb, &st);
	dentry_put(u.root);
	if (rc)
		return rc;
	memset(&out, 0, sizeof(out));
	out.f_tfree = (s32)MIN(st.bfree, (u64)0x7fffffff);
	out.f_tinode = st.ffree;
	return copy_to_user((void *)a1, &out, sizeof(out));
}

/* The filesystem types mount(2) knows, in sysfs(2)'s index order. */
static const char *const fs_types[] = { "tmpfs", "ramfs", "proc", "devpts", "ext2", "sysfs",
				       "hugetlbfs", "cgroup2" };

long sys_sysfs(SYSARGS)
{
	switch (a0) {
	case 1: {	/* name -> index */
		char name[32];
		long n = strncpy_from_user(name, (const char *)a1, sizeof(name));
		if (n == -EFAULT)
			return -EFAULT;
		for (size_t i = 0; n >= 0 && i < ARRAY_SIZE(fs_types); i++)
			if (!strcmp(name, fs_types[i]))
				return (long)i;
		return -EINVAL;
	}
	case 2:		/* index -> name */
		if ((u32)a1 >= ARRAY_SIZE(fs_types) || a1 >> 32)
			return -EINVAL;
		return copy_to_user((void *)a2, fs_types[a1], strlen(fs_types[a1]) + 1);
	case 3:
		return (long)ARRAY_SIZE(fs_types);
	default:
		return -EINVAL;
	}
}
