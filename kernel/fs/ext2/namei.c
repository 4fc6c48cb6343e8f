/*
 * ext2 namespace changes: create (any type), link, unlink/rmdir and
 * rename, each a directory-entry change plus link counts. The VFS holds
 * the ns_lock and has already checked names, types and emptiness of the
 * dentries it knows; emptiness on disk is checked here.
 */
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/process.h>
#include <alloy/string.h>
#include <alloy/random.h>
#include "ext2.h"

#define EXT2_LINK_MAX 32000

/* ---- link counts. Each change is checked before anything changes: a
 * count that would go wrong (a directory below 2, its own name and ".";
 * a file below 0) means the image lies, and acting on it could free a
 * directory that still has entries (its count reaching 0) or leave a
 * count that frees it later. That is -EUCLEAN, with nothing changed. */

static int nlink_corrupt(struct inode *i, const char *what)
{
	printk_ratelimited(LOG_ERR, "ext2: %s: inode %llu: link count %u %s\n",
			   EXT2_FS(i->sb)->bd->name, (unsigned long long)i->ino, i->nlink, what);
	return -EUCLEAN;
}

/* dir loses (delta -1) or gains (+1) a subdirectory's "..", or neither. */
static int check_dir_delta(struct inode *dir, int delta)
{
	if (dir->nlink < 2)
		return nlink_corrupt(dir, "below 2 for a directory");
	if (delta < 0 && dir->nlink <= 2)
		return nlink_corrupt(dir, "too low for a directory with a subdirectory");
	if (delta > 0 && dir->nlink >= EXT2_LINK_MAX)
		return -EMLINK;
	return 0;
}

/* A name of i (not a directory) goes. */
static int check_name_drop(struct inode *i)
{
	return i->nlink ? 0 : nlink_corrupt(i, "already 0 for a named inode");
}

/* A fresh on-disk record for ino: zero it, extra bytes included. */
static int clear_record(struct ext2_fs *fs, u32 ino)
{
	u32 block, off;
	struct mblock mb;

	ext2_inode_locate(fs, ino, &block, &off);
	int rc = mb_read(fs, block, &mb);
	if (rc)
		return rc;
	memset(mb.data + off, 0, fs->s.inode_size);
	mb_dirty(fs, &mb);
	mb_put(&mb);
	return 0;
}

static int init_symlink(struct inode *i, const char *target)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	size_t n = strlen(target);
	struct mblock mb;
	u32 b;

	i->size = n;
	if (n <= EXT2_FAST_SYMLINK_MAX) {
		memcpy(ei->block, target, n);
		ei->fast_symlink = true;
		return 0;
	}
	mutex_lock(&ei->map);
	int rc = ext2_bmap(i, 0, true, &b);
	mutex_unlock(&ei->map);
	if (rc || (rc = mb_zero(fs, b, &mb)))
		return rc;
	memcpy(mb.data, target, n);
	mb_dirty(fs, &mb);
	mb_put(&mb);
	return 0;
}

static void set_rdev(struct inode *i, u32 rdev)
{
	struct ext2_inode_info *ei = EXT2_I(i);
	u32 ma = MAJOR(rdev), mi = MINOR(rdev);

	i->rdev = rdev;
	if (ma < 256 && mi < 256)
		ei->block[0] = ma << 8 | mi;
	else
		ei->block[1] = (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
}

int ext2_mknod(struct inode *dir, const char *name, size_t len, u32 mode, u32 rdev,
	       const char *target, struct inode **out)
{
	struct ext2_fs *fs = EXT2_FS(dir->sb);
	bool is_dir = S_ISDIR(mode);
	u32 ino;
	int rc;

	if (S_ISLNK(mode) && strlen(target) >= fs->bs)
		return -ENAMETOOLONG;
	if (is_dir && (rc = check_dir_delta(dir, 1)))
		return rc;
	if ((rc = ext2_alloc_inode(fs, (u32)dir->ino, is_dir, &ino)))
		return rc;
	/* A hostile bitmap may call a live inode free: look before writing,
	 * and then give the bit back, so nothing on disk changes. */
	if ((rc = ext2_inode_in_use(fs, ino))) {
		ext2_free_inode(fs, ino, is_dir);
		return rc < 0 ? rc : ext2_corrupt(fs, "inode marked free but in use", ino,
						  -EUCLEAN, EXT2_WHY_DIRENT_INODE);
	}
	struct inode *i = NULL;
	if ((rc = clear_record(fs, ino)) || !(i = ext2_new_inode(fs, ino, mode))) {
		ext2_free_inode(fs, ino, is_dir);
		return rc ? rc : -ENOMEM;
	}
	inode_init_owner(i, dir);	/* the creator's, or dir's group */
	get_random_bytes(&EXT2_I(i)->generation, sizeof(u32));	/* new life: old handles stale */
	i->nlink = is_dir ? 2 : 1;
	i->size = 0;
	if (is_dir)
		rc = ext2_make_dir_block(i, (u32)dir->ino);
	else if (S_ISLNK(mode))
		rc = init_symlink(i, target);
	else if (S_ISCHR(mode) || S_ISBLK(mode))
		set_rdev(i, rdev);
	/* Hashed before its record says "linked", and before its name
	 * exists: a lookup by number (a file handle) in between finds this
	 * inode, or reads the zeroed record (ESTALE). Hashed after the
	 * write, such a lookup built a second copy from the disk, which won
	 * the cache: the create failed and left the inode allocated with no
	 * name. */
	struct inode *won = NULL;
	if (!rc)
		won = ext2_icache_add(fs, i);
	if (!rc && won != i) {
		/* Only if it came into the cache since the check above
		 * (icache_add dropped i): leave that inode and its bit alone. */
		inode_put(won);
		return ext2_corrupt(fs, "inode marked free but in use", ino, -EUCLEAN,
				    EXT2_WHY_DIRENT_INODE);
	}
	if (!rc) {	/* a failed one is never said to be linked */
		ext2_write_inode(i);
		rc = ext2_add_entry(dir, name, len, ino, mode);
	}
	if (rc) {
		i->nlink = 0;	/* eviction frees its blocks and the inode */
		inode_put(i);
		return rc;
	}
	if (is_dir) {
		dir->nlink++;
		ext2_write_inode(dir);
	}
	*out = i;
	return 0;
}

/* O_TMPFILE: a regular inode with no entry; links_count 0 on disk, so
 * the last close frees it (ext2_evict) unless linkat names it first. */
int ext2_tmpfile(struct inode *dir, u32 mode, struct inode **out)
{
	struct ext2_fs *fs = EXT2_FS(dir->sb);
	u32 ino;
	int rc;

	if (!S_ISREG(mode))
		return -EINVAL;
	if ((rc = ext2_alloc_inode(fs, (u32)dir->ino, false, &ino)))
		return rc;
	if ((rc = ext2_inode_in_use(fs, ino))) {	/* as ext2_mknod */
		ext2_free_inode(fs, ino, false);
		return rc < 0 ? rc : ext2_corrupt(fs, "inode marked free but in use", ino,
						  -EUCLEAN, EXT2_WHY_DIRENT_INODE);
	}
	struct inode *i = NULL;
	if ((rc = clear_record(fs, ino)) || !(i = ext2_new_inode(fs, ino, mode))) {
		ext2_free_inode(fs, ino, false);
		return rc ? rc : -ENOMEM;
	}
	inode_init_owner(i, dir);
	get_random_bytes(&EXT2_I(i)->generation, sizeof(u32));
	i->nlink = 0;
	i->size = 0;
	ext2_write_inode(i);
	struct inode *won = ext2_icache_add(fs, i);
	if (won != i) {
		inode_put(won);
		return ext2_corrupt(fs, "inode marked free but in use", ino, -EUCLEAN,
				    EXT2_WHY_DIRENT_INODE);
	}
	*out = i;
	return 0;
}

int ext2_link(struct inode *dir, const char *name, size_t len, struct inode *inode)
{
	if (inode->nlink >= EXT2_LINK_MAX)
		return -EMLINK;
	/* the VFS links only named inodes, and O_TMPFILE's */
	if (!inode->nlink && !(inode->state & I_LINKABLE))
		return nlink_corrupt(inode, "0 for a named inode");
	int rc = ext2_add_entry(dir, name, len, (u32)inode->ino, inode->mode);
	if (rc)
		return rc;
	inode->nlink++;
	inode->ctime = vfs_now();
	ext2_write_inode(inode);
	return 0;
}

int ext2_unlink(struct inode *dir, const char *name, size_t len, struct inode *inode)
{
	int rc;

	if ((rc = S_ISDIR(inode->mode) ? check_dir_delta(dir, -1) : check_name_drop(inode)))
		return rc;
	if (S_ISDIR(inode->mode) && (rc = ext2_dir_empty(inode)) <= 0)
		return rc < 0 ? rc : -ENOTEMPTY;
	if ((rc = ext2_del_entry(dir, name, len, true)))
		return rc;
	if (S_ISDIR(inode->mode)) {
		inode->nlink = 0;
		dir->nlink--;
		ext2_write_inode(dir);
	} else {
		inode->nlink--;
	}
	inode->ctime = vfs_now();
	ext2_write_inode(inode);
	return 0;
}

int ext2_rename(struct inode *odir, const char *oname, size_t olen, struct inode *inode,
		struct inode *ndir, const char *nname, size_t nlen, struct inode *victim)
{
	bool is_dir = S_ISDIR(inode->mode);
	int rc;

	/* Each directory's net change: a moved directory's ".." leaves odir
	 * for ndir; a directory it replaces takes its ".." from ndir. */
	int dodir = 0, dndir = 0;
	if (is_dir && odir != ndir) {
		dodir--;
		dndir++;
	}
	if (victim && S_ISDIR(victim->mode))
		dndir--;
	if (odir == ndir)
		dodir += dndir;
	if ((dodir && (rc = check_dir_delta(odir, dodir))) ||
	    (odir != ndir && dndir && (rc = check_dir_delta(ndir, dndir))))
		return rc;
	if (victim && !S_ISDIR(victim->mode) && (rc = check_name_drop(victim)))
		return rc;
	/* The entry we will remove must be there (and readable) before
	 * anything changes: a failure half-way would leave link counts wrong. */
	struct inode *check;
	if ((rc = ext2_lookup(odir, oname, olen, &check)))
		return rc == -ENOENT ? -EUCLEAN : rc;
	bool same = check == inode;
	inode_put(check);
	if (!same)
		return -EUCLEAN;
	if (victim) {
		if (S_ISDIR(victim->mode) && (rc = ext2_dir_empty(victim)) <= 0)
			return rc < 0 ? rc : -ENOTEMPTY;
		if ((rc = ext2_set_entry(ndir, nname, nlen, (u32)inode->ino, inode->mode,
					  true)))
			return rc;
		if (S_ISDIR(victim->mode)) {
			victim->nlink = 0;
			ndir->nlink--;
		} else {
			victim->nlink--;
		}
		victim->ctime = vfs_now();
		ext2_write_inode(victim);
	} else if ((rc = ext2_add_entry(ndir, nname, nlen, (u32)inode->ino, inode->mode))) {
		return rc;
	}
	if ((rc = ext2_del_entry(odir, oname, olen, false)))
		return rc;	/* reported by the parser; both names remain */
	if (is_dir && odir != ndir) {
		ext2_set_entry(inode, "..", 2, (u32)ndir->ino, S_IFDIR, false);
		odir->nlink--;
		ndir->nlink++;
	}
	inode->ctime = vfs_now();
	ext2_write_inode(inode);
	ext2_write_inode(odir);
	if (ndir != odir)
		ext2_write_inode(ndir);
	return 0;
}
