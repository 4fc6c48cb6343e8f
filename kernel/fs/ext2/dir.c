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
 * no hash tree on disk), as Linux's ext2 does.
 *
 * A directory of two blocks or more, or of one block in which a scan met
 * DX_DENSE entries, gets an index in memory (dindex.c) at its next
 * lookup or change: where each name is and where there is
 * room. Lookup, create, delete and replace then read one block (the
 * name's, or the one with room) instead of scanning, whatever the size;
 * a delete walks that block up to the entry, so that the previous entry
 * absorbs the freed one. Every entry the index points at is parsed again and its
 * name compared before use; one that does not fit is a bug, logged, and
 * the index is dropped and the operation done by a scan. An index that
 * cannot be built (its memory budget, dindex.c) leaves the directory to
 * the scans, and the next try comes after a backoff of operations.
 */
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
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
	struct ext2_dindex *dx;	/* being built */
};

#define DX_MIN_BLOCKS 2		/* smaller directories are scanned... */
#define DX_DENSE 64		/* ...until a scan meets this many entries: a
				 * 4 KiB block holds 340 short names, and a scan
				 * of them all (parsed, and checked again at
				 * FFI=1) tripled bench create_delete's cost in
				 * the boots whose loop kept its directory at
				 * one block */
#define DX_STALE 1000		/* the index disagrees with the directory */


/* cb: 0 to go on, > 0 to stop, < 0 an error. prev: the previous entry's
 * offset in the same block, or -1. */
typedef int (*walk_fn)(struct ext2_fs *fs, struct walk *w, struct mblock *mb, u32 off,
		       const struct ext2_dirent *de, long prev);

/* Block n of the directory, read into mb. */
static int read_dir_block(struct inode *dir, u64 n, struct mblock *mb)
{
	struct ext2_fs *fs = EXT2_FS(dir->sb);
	struct ext2_inode_info *ei = EXT2_I(dir);
	u32 b;

	mutex_lock(&ei->map);
	int rc = ext2_bmap(dir, n, false, &b);
	mutex_unlock(&ei->map);
	if (rc)
		return rc;
	if (!b)
		return ext2_corrupt(fs, "directory with a hole, inode", (u32)dir->ino,
				    -EUCLEAN, EXT2_WHY_DIRENT_SHORT);
	return mb_read(fs, b, mb);
}

static int dir_walk(struct inode *dir, u64 from, walk_fn cb, struct walk *w)
{
	struct ext2_fs *fs = EXT2_FS(dir->sb);
	u64 nblocks = dir->size / fs->bs;

	u32 seen = 0;

	for (u64 n = from / fs->bs; n < nblocks; n++) {
		struct mblock mb;
		u32 why = 0;
		if (w->killable && fatal_signal_pending())
			return -EINTR;
		int rc = read_dir_block(dir, n, &mb);
		if (rc)
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
			if (++seen == DX_DENSE)
				EXT2_I(dir)->dx_dense = true;	/* [ns_lock], as dx */
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

static void write_entry(u8 *at, u32 ino, u32 rec_len, const char *name, size_t len, u32 mode)
{
	put_le32(at, ino);
	put_le16(at + 4, (u16)rec_len);
	at[6] = (u8)len;
	at[7] = ft_of(mode);
	memcpy(at + 8, name, len);
}

static u32 avail_of(const struct ext2_dirent *de)
{
	return de->rec_len - (de->inode ? rec_len_for(de->name_len) : 0);
}

/* "." and ".." do not count against emptiness. */
static bool counted(const char *name, size_t len)
{
	return !(name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')));
}

/* ---- the index (dindex.c) */

void ext2_dx_drop(struct inode *dir)
{
	struct ext2_inode_info *ei = EXT2_I(dir);

	ext2_dx_free(ei->dx);
	ei->dx = NULL;
}

static void dx_stale(struct inode *dir, const char *what)
{
	printk_ratelimited(LOG_ERR, "ext2: %s: directory inode %llu: index %s; dropped\n",
			   EXT2_FS(dir->sb)->bd->name, (unsigned long long)dir->ino, what);
	ext2_dx_drop(dir);
}

static int build_cb(struct ext2_fs *fs, struct walk *w, struct mblock *mb, u32 off,
		    const struct ext2_dirent *de, long prev)
{
	(void)fs; (void)prev;
	if (de->inode) {
		const char *n = (const char *)mb->data + de->name_off;
		int rc = ext2_dx_insert(w->dx, ext2_dx_hash(n, de->name_len), (u32)w->fblock, off,
					counted(n, de->name_len));
		if (rc)
			return rc;
	}
	ext2_dx_note_gap(w->dx, (u32)w->fblock, avail_of(de), off);
	return 0;
}

/*
 * The directory's index, built now if it has none and is big enough;
 * NULL: scan. A build that fails for any reason (memory, a kill, a
 * corrupt entry) leaves the operation to the scan, which reports what it
 * finds, and the next try waits a doubling number of operations.
 */
static struct ext2_dindex *dx_get(struct inode *dir)
{
	struct ext2_fs *fs = EXT2_FS(dir->sb);
	struct ext2_inode_info *ei = EXT2_I(dir);
	u64 nblocks = dir->size / fs->bs;
	int rc;

	if (ei->dx || (nblocks < DX_MIN_BLOCKS && !ei->dx_dense))
		return ei->dx;
	if (ei->dx_skip) {
		ei->dx_skip--;
		return NULL;
	}
	struct ext2_dindex *dx = ext2_dx_alloc(nblocks, &rc);
	struct walk w = { .killable = true, .dx = dx };
	if (dx && !(rc = dir_walk(dir, 0, build_cb, &w))) {
		ext2_dx_built(dx);
		ei->dx = dx;
		ei->dx_backoff = 0;
		return dx;
	}
	ext2_dx_free(dx);
	ei->dx_backoff = ei->dx_backoff ? MIN(ei->dx_backoff * 2, 1u << 20) : 64;
	ei->dx_skip = ei->dx_backoff;
	return NULL;
}

struct dx_hit {
	u32 fb, off;
	struct ext2_dirent de;
	struct mblock mb;	/* held when found */
};

/* 1: the live entry named so is at hit (its block held), 0: none,
 * DX_STALE, or -errno. */
static int dx_find(struct inode *dir, struct ext2_dindex *dx, const char *name, size_t len,
		   u32 tag, struct dx_hit *hit)
{
	struct ext2_fs *fs = EXT2_FS(dir->sb);
	u32 cur = ext2_dx_first(dx, tag), fb, off, why;

	while (ext2_dx_next(dx, tag, &cur, &fb, &off)) {
		int rc = read_dir_block(dir, fb, &hit->mb);
		if (rc)
			return rc;
		if (ext2_parse_dirent(hit->mb.data, fs->bs, off, &fs->s, &hit->de, &why) ||
		    !hit->de.inode) {
			mb_put(&hit->mb);
			return DX_STALE;
		}
		if (name_is(&hit->mb, &hit->de, name, len)) {
			hit->fb = fb;
			hit->off = off;
			return 1;
		}
		mb_put(&hit->mb);
	}
	return 0;
}

/* Into the gap the index knows: 1 done, 0 no room (a new block, then),
 * DX_STALE, or -errno. */
static int dx_add(struct inode *dir, struct ext2_dindex *dx, const char *name, size_t len,
		  u32 ino, u32 mode)
{
	struct ext2_fs *fs = EXT2_FS(dir->sb);
	u32 need = rec_len_for(len), off, why;
	long fb = ext2_dx_find_gap(dx, need, &off);
	struct ext2_dirent de;
	struct mblock mb;

	if (fb < 0)
		return 0;
	int rc = read_dir_block(dir, (u64)fb, &mb);
	if (rc)
		return rc;
	if (ext2_parse_dirent(mb.data, fs->bs, off, &fs->s, &de, &why) || avail_of(&de) < need) {
		mb_put(&mb);
		return DX_STALE;
	}
	u32 used = de.inode ? rec_len_for(de.name_len) : 0, at = off + used;
	if (used)	/* split: this entry keeps what it uses */
		put_le16(mb.data + off + 4, (u16)used);
	write_entry(mb.data + at, ino, de.rec_len - used, name, len, mode);
	mb_dirty(fs, &mb);
	mb_put(&mb);
	/* the rest of the gap is the new entry's */
	if (ext2_dx_insert(dx, ext2_dx_hash(name, len), (u32)fb, at, counted(name, len)))
		ext2_dx_drop(dir);	/* out of budget: the entry is written, scans from now */
	else
		ext2_dx_set_gap(dx, (u32)fb, avail_of(&de) - need, at);
	return 1;
}

/* The previous entry in its block absorbs the named one (or it becomes a
 * free slot, first in its block): a walk of the block up to it, as
 * Linux's. The block's known gap grows if the freed room is larger; an
 * entry it names elsewhere is untouched. 0, -ENOENT, DX_STALE or -errno. */
static int dx_del(struct inode *dir, struct ext2_dindex *dx, const char *name, size_t len)
{
	struct ext2_fs *fs = EXT2_FS(dir->sb);
	u32 tag = ext2_dx_hash(name, len), why, goff;
	struct dx_hit hit;
	struct ext2_dirent de, pde;
	long prev = -1;
	int rc = dx_find(dir, dx, name, len, tag, &hit);

	if (rc <= 0 || rc == DX_STALE)
		return rc ? rc : -ENOENT;
	u8 *data = hit.mb.data;
	u32 o = 0;
	for (; o < hit.off; o += de.rec_len) {
		if ((rc = ext2_parse_dirent(data, fs->bs, o, &fs->s, &de, &why))) {
			mb_put(&hit.mb);
			return ext2_corrupt(fs, "directory inode", (u32)dir->ino, rc, why);
		}
		prev = o;
		pde = de;
	}
	if (o != hit.off) {	/* the index's offset is not an entry's */
		mb_put(&hit.mb);
		return DX_STALE;
	}
	u32 gap, at;
	if (prev >= 0) {
		pde.rec_len += hit.de.rec_len;
		put_le16(data + prev + 4, (u16)pde.rec_len);
		gap = avail_of(&pde);
		at = (u32)prev;
	} else {
		put_le32(data + o, 0);
		gap = hit.de.rec_len;
		at = o;
	}
	mb_dirty(fs, &hit.mb);
	mb_put(&hit.mb);
	ext2_dx_remove(dx, tag, hit.fb, hit.off, counted(name, len));
	/* the known gap's entry, if it was this one or the previous, only grew */
	if (gap >= ext2_dx_get_gap(dx, hit.fb, &goff))
		ext2_dx_set_gap(dx, hit.fb, gap, at);
	return 0;
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
	struct ext2_dindex *dx = dx_get(dir);
	int rc;

	if (dx) {
		struct dx_hit hit;
		rc = dx_find(dir, dx, name, len, ext2_dx_hash(name, len), &hit);
		if (rc == 1) {
			mb_put(&hit.mb);
			return ext2_iget(EXT2_FS(dir->sb), hit.de.inode, out);
		}
		if (rc != DX_STALE)
			return rc ? rc : -ENOENT;
		dx_stale(dir, "names an entry that is not there");
	}
	rc = dir_walk(dir, 0, find_cb, &w);

	if (rc < 0)
		return rc;
	if (!rc)
		return -ENOENT;
	return ext2_iget(EXT2_FS(dir->sb), w.ino, out);
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
	struct ext2_dindex *dx = dx_get(dir);
	int rc = dx ? dx_add(dir, dx, name, len, ino, mode) : 0;

	if (rc == DX_STALE) {
		dx_stale(dir, "points at a gap that is not there");
		dx = NULL;
	}
	if (!dx)
		rc = dir_walk(dir, 0, add_cb, &w);
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
	if ((dx = ei->dx) &&
	    (ext2_dx_set_gap(dx, (u32)n, fs->bs - rec_len_for(len), 0) ||
	     ext2_dx_insert(dx, ext2_dx_hash(name, len), (u32)n, 0, counted(name, len))))
		ext2_dx_drop(dir);	/* out of budget: scans from now */
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
	struct ext2_dindex *dx = dx_get(dir);
	int rc;

	if (dx) {
		rc = dx_del(dir, dx, name, len);
		if (!rc)
			touch_dir(dir);
		if (rc != DX_STALE)
			return rc;
		dx_stale(dir, "names an entry that is not there");
	}
	rc = dir_walk(dir, 0, del_cb, &w);
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
	struct ext2_dindex *dx = dx_get(dir);
	int rc;

	if (dx) {
		struct dx_hit hit;
		rc = dx_find(dir, dx, name, len, ext2_dx_hash(name, len), &hit);
		if (rc == 1) {	/* same name, same place: the index does not change */
			rc = set_cb(EXT2_FS(dir->sb), &w, &hit.mb, hit.off, &hit.de, -1);
			mb_put(&hit.mb);
		}
		if (rc != DX_STALE) {
			if (rc > 0)
				touch_dir(dir);
			return rc > 0 ? 0 : rc ? rc : -ENOENT;
		}
		dx_stale(dir, "names an entry that is not there");
	}
	rc = dir_walk(dir, 0, set_cb, &w);

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
	struct ext2_dindex *dx = EXT2_I(dir)->dx;	/* not built for this */

	if (dx)
		return ext2_dx_others(dx) == 0;
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
