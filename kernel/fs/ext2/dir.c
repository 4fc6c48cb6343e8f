/*
 * ext2 directories: linked lists of entries inside each directory block,
 * read and changed in the metadata cache. Every entry goes through the
 * parser before it is used, so a loop, an overlap or a name past its
 * record is -EUCLEAN, never a hang or an overrun. Callers hold the VFS
 * ns_lock, which serialises every read and change of a directory here.
 * A hostile directory can be 4 GiB of empty blocks (all one block, by
 * its map): a scan before anything has changed (lookup, readdir, the
 * emptiness check, the search for room, a removal or replacement that is
 * an operation's first change) stops at a pending SIGKILL, checked every
 * block, so it holds the ns_lock no longer than that. A scan after a
 * change runs to the end: stopping would leave half an operation.
 * A changed directory loses its dir_index hash flag (this driver keeps
 * no hash tree), as Linux's ext2 does.
 */
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/process.h>
#include <alloy/task.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/string.h>
#include "ext2.h"


static u32 rec_len_for(size_t name_len)
{
	return (u32)((8 + name_len + 3) & ~3UL);
}

static u8 ft_of(u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return EXT2_FT_REG;
	case S_IFDIR: return EXT2_FT_DIR;
	case S_IFCHR: return EXT2_FT_CHR;
	case S_IFBLK: return EXT2_FT_BLK;
	case S_IFIFO: return EXT2_FT_FIFO;
	case S_IFSOCK: return EXT2_FT_SOCK;
	case S_IFLNK: return EXT2_FT_SYMLINK;
	}
	return EXT2_FT_UNKNOWN;
}

static u32 mode_of_ft(u32 ft)
{
	static const u32 m[] = { 0, S_IFREG, S_IFDIR, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK,
				 S_IFLNK };
	return ft < ARRAY_SIZE(m) ? m[ft] : 0;
}

struct walk {
	const char *name;
	size_t len;
	u32 ino;
	u32 mode;
	u64 fblock;		/* the directory block being walked */
	u64 start;		/* iterate: skip entries before this position */
	u64 *pos;
	bool (*emit)(void *ctx, const char *name, size_t len, u64 ino, u32 mode, u64 next);
	void *ctx;
	bool killable;		/* nothing changed yet: may stop at SIGKILL */
};


/* cb: 0 to go on, > 0 to stop, < 0 an error. prev: the previous entry's
 * offset in the same block, or -1. */
typedef int (*walk_fn)(struct ext2_fs *fs, struct walk *w, struct mblock *mb, u32 off,
		       const struct ext2_dirent *de, long prev);

static int dir_walk(struct inode *dir, u64 from, walk_fn cb, struct walk *w)
{
	struct ext2_fs *fs = EXT2_FS(dir->sb);
	struct ext2_inode_info *ei = EXT2_I(dir);
	u64 nblocks = dir->size / fs->bs;

	for (u64 n = from / fs->bs; n < nblocks; n++) {
		struct mblock mb;
		u32 b, why = 0;
		if (w->killable && fatal_signal_pending())
			return -EINTR;
		mutex_lock(&ei->map);
		int rc = ext2_bmap(dir, n, false, &b);
		mutex_unlock(&ei->map);
		if (rc)
			return rc;
		if (!b)
			return ext2_corrupt(fs, "directory with a hole, inode", (u32)dir->ino,
					    -EUCLEAN, EXT2_WHY_DIRENT_SHORT);
		if ((rc = mb_read(fs, b, &mb)))
			return rc;
		w->fblock = n;
		long prev = -1;
		for (u32 off = 0; off < fs->bs;) {
			struct ext2_dirent de;
			rc = ext2_parse_dirent(mb.data, fs->bs, off, &fs->s, &de, &why);
			if (rc) {
				mb_put(&mb);
				return ext2_corrupt(fs, "directory inode", (u32)dir->ino, rc, why);
			}
			rc = cb(fs, w, &mb, off, &de, prev);
			if (rc) {
				mb_put(&mb);
				return rc;
			}
			prev = off;
			off += de.rec_len;
		}
		mb_put(&mb);
	}
	return 0;
}

static bool name_is(const struct mblock *mb, const struct ext2_dirent *de, const char *name,
		    size_t len)
{
	return de->inode && de->name_len == len && !memcmp(mb->data + de->name_off, name, len);
}

static int find_cb(struct ext2_fs *fs, struct walk *w, struct mblock *mb, u32 off,
		   const struct ext2_dirent *de, long prev)
{
	(void)fs; (void)off; (void)prev;
	if (!name_is(mb, de, w->name, w->len))
		return 0;
	w->ino = de->inode;
	return 1;
}

int ext2_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct walk w = { .name = name, .len = len, .killable = true };
	int rc = dir_walk(dir, 0, find_cb, &w);

	if (rc < 0)
		return rc;
	if (!rc)
		return -ENOENT;
	return ext2_iget(EXT2_FS(dir->sb), w.ino, out);
}

static void write_entry(u8 *at, u32 ino, u32 rec_len, const char *name, size_t len, u32 mode)
{
	put_le32(at, ino);
	put_le16(at + 4, (u16)rec_len);
	at[6] = (u8)len;
	at[7] = ft_of(mode);
	memcpy(at + 8, name, len);
}

static int add_cb(struct ext2_fs *fs, struct walk *w, struct mblock *mb, u32 off,
		  const struct ext2_dirent *de, long prev)
{
	u32 need = rec_len_for(w->len);
	u32 used = de->inode ? rec_len_for(de->name_len) : 0;

	(void)prev;
	if (de->rec_len < used + need)
		return 0;
	if (used) {	/* split: this entry keeps what it uses */
		put_le16(mb->data + off + 4, (u16)used);
		off += used;
	}
	write_entry(mb->data + off, w->ino, de->rec_len - used, w->name, w->len, w->mode);
	mb_dirty(fs, mb);
	return 1;
}

static void touch_dir(struct inode *dir)
{
	struct ext2_inode_info *ei = EXT2_I(dir);

	ei->flags &= ~EXT2_INDEX_FL;
	dir->mtime = dir->ctime = vfs_now();
	ext2_write_inode(dir);
}

int ext2_add_entry(struct inode *dir, const char *name, size_t len, u32 ino, u32 mode)
{
	struct ext2_fs *fs = EXT2_FS(dir->sb);
	struct ext2_inode_info *ei = EXT2_I(dir);
	/* Killable: every caller adds the entry before changing anything else. */
	struct walk w = { .name = name, .len = len, .ino = ino, .mode = mode, .killable = true };
	int rc = dir_walk(dir, 0, add_cb, &w);

	if (rc > 0) {
		touch_dir(dir);
		return 0;
	}
	if (rc < 0)
		return rc;
	/* No room: a new block holding just this entry. */
	u64 n = dir->size / fs->bs;
	u32 b;
	struct mblock mb;
	mutex_lock(&ei->map);
	rc = ext2_bmap(dir, n, true, &b);
	mutex_unlock(&ei->map);
	if (rc)
		return rc;
	if ((rc = mb_zero(fs, b, &mb)))
		return rc;
	write_entry(mb.data, ino, fs->bs, name, len, mode);
	mb_dirty(fs, &mb);
	mb_put(&mb);
	dir->size += fs->bs;
	touch_dir(dir);
	return 0;
}

static int del_cb(struct ext2_fs *fs, struct walk *w, struct mblock *mb, u32 off,
		  const struct ext2_dirent *de, long prev)
{
	if (!name_is(mb, de, w->name, w->len))
		return 0;
	if (prev >= 0) {	/* the previous entry absorbs this one */
		u8 *p = mb->data + prev;
		put_le16(p + 4, (u16)(get_le16(p + 4) + de->rec_len));
	} else {
		put_le32(mb->data + off, 0);
	}
	mb_dirty(fs, mb);
	return 1;
}

int ext2_del_entry(struct inode *dir, const char *name, size_t len, bool first)
{
	struct walk w = { .name = name, .len = len, .killable = first };
	int rc = dir_walk(dir, 0, del_cb, &w);

	if (rc > 0) {
		touch_dir(dir);
		return 0;
	}
	return rc < 0 ? rc : -ENOENT;
}

static int set_cb(struct ext2_fs *fs, struct walk *w, struct mblock *mb, u32 off,
		  const struct ext2_dirent *de, long prev)
{
	(void)prev;
	if (!name_is(mb, de, w->name, w->len))
		return 0;
	put_le32(mb->data + off, w->ino);
	mb->data[off + 7] = ft_of(w->mode);
	mb_dirty(fs, mb);
	return 1;
}

int ext2_set_entry(struct inode *dir, const char *name, size_t len, u32 ino, u32 mode,
		   bool first)
{
	struct walk w = { .name = name, .len = len, .ino = ino, .mode = mode, .killable = first };
	int rc = dir_walk(dir, 0, set_cb, &w);

	if (rc > 0) {
		touch_dir(dir);
		return 0;
	}
	return rc < 0 ? rc : -ENOENT;
}

static int empty_cb(struct ext2_fs *fs, struct walk *w, struct mblock *mb, u32 off,
		    const struct ext2_dirent *de, long prev)
{
	(void)fs; (void)w; (void)off; (void)prev;
	if (!de->inode || name_is(mb, de, ".", 1) || name_is(mb, de, "..", 2))
		return 0;
	return 1;
}

int ext2_dir_empty(struct inode *dir)
{
	struct walk w = { .killable = true };
	int rc = dir_walk(dir, 0, empty_cb, &w);

	return rc < 0 ? rc : rc == 0;
}

int ext2_make_dir_block(struct inode *dir, u32 parent_ino)
{
	struct ext2_fs *fs = EXT2_FS(dir->sb);
	struct ext2_inode_info *ei = EXT2_I(dir);
	struct mblock mb;
	u32 b;

	mutex_lock(&ei->map);
	int rc = ext2_bmap(dir, 0, true, &b);
	mutex_unlock(&ei->map);
	if (rc || (rc = mb_zero(fs, b, &mb)))
		return rc;
	write_entry(mb.data, (u32)dir->ino, 12, ".", 1, S_IFDIR);
	write_entry(mb.data + 12, parent_ino, fs->bs - 12, "..", 2, S_IFDIR);
	mb_dirty(fs, &mb);
	mb_put(&mb);
	dir->size = fs->bs;
	return 0;
}

static int iter_cb(struct ext2_fs *fs, struct walk *w, struct mblock *mb, u32 off,
		   const struct ext2_dirent *de, long prev)
{
	u64 at = w->fblock * fs->bs + off, next = at + de->rec_len;

	(void)prev;
	if (at < w->start || !de->inode)
		return 0;
	if (!w->emit(w->ctx, (const char *)mb->data + de->name_off, de->name_len, de->inode,
		     mode_of_ft(de->file_type), next))
		return 1;
	*w->pos = next;
	return 0;
}

int ext2_iterate(struct file *f, u64 *pos,
		 bool (*emit)(void *ctx, const char *name, size_t len, u64 ino, u32 mode,
			      u64 next),
		 void *ctx)
{
	struct inode *dir = f->inode;
	struct super_block *sb = dir->sb;
	struct walk w = { .start = *pos, .pos = pos, .emit = emit, .ctx = ctx, .killable = true };

	mutex_lock(&sb->ns_lock);
	int rc = dir_walk(dir, *pos, iter_cb, &w);
	if (rc == 0 && *pos < dir->size)
		*pos = dir->size;	/* the end, past any trailing free slots */
	mutex_unlock(&sb->ns_lock);
	return rc < 0 ? rc : 0;
}
