/*
 * ext2 regular files: read and write through the inode's page cache, a
 * page at a time, so memory never grows with the size of a request or a
 * file. A write fills the page while holding it busy, then allocates the
 * blocks it touches (under the block map lock), so a new block never
 * shows the disk's old bytes; an O_APPEND write starts at the end without
 * reading the file.
 * Pages go to disk on fsync, sync, unmount, memory pressure or the
 * periodic flush.
 */
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/signal.h>
#include <alloy/splice.h>
#include <alloy/string.h>
#include "ext2.h"

static long ext2_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct inode *i = f->inode;
	struct ext2_inode_info *ei = EXT2_I(i);
	size_t done = 0;
	long rc = 0;

	mutex_lock(&i->lock);
	while (done < n && *pos < i->size) {
		u64 off = *pos % PAGE_SIZE;
		size_t k = (size_t)MIN((u64)(n - done), MIN(PAGE_SIZE - off, i->size - *pos));
		struct page *p = pcache_peek(&ei->data, *pos / PAGE_SIZE);
		if (!p) {	/* a miss: read this page and the next ones at once */
			u64 last = (i->size - 1) / PAGE_SIZE, idx = *pos / PAGE_SIZE;
			u32 ra = MIN(blkdev_ra_pages(EXT2_FS(i->sb)->bd), (u32)PCACHE_BATCH);
			pcache_readahead(&ei->data, idx, (unsigned int)MIN(last - idx + 1, (u64)ra));
		} else {
			pcache_put(p);
		}
		if ((rc = pcache_get(&ei->data, *pos / PAGE_SIZE, true, &p)))
			break;
		rc = iob_copy_out(b, done, (u8 *)page_to_virt(p) + off, k);
		pcache_put(p);
		if (rc)
			break;
		done += k;
		*pos += k;
	}
	mutex_unlock(&i->lock);
	return done ? (long)done : rc;
}

/* Allocates the blocks under file bytes [pos, pos + k). */
static int map_range(struct inode *i, u64 pos, size_t k)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	int rc = 0;
	u32 b;

	mutex_lock(&ei->map);
	for (u64 n = pos / fs->bs; n <= (pos + k - 1) / fs->bs && !rc; n++)
		rc = ext2_bmap(i, n, true, &b);
	mutex_unlock(&ei->map);
	return rc;
}

static u64 size_limit(struct ext2_fs *fs)
{
	return ext2_size_limit(fs);
}

static long ext2_write(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct inode *i = f->inode;
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	size_t done = 0;
	long rc = 0;

	mutex_lock(&i->lock);
	if (f->flags & O_APPEND)
		*pos = i->size;
	u64 limit = size_limit(fs);
	if (*pos >= limit) {
		mutex_unlock(&i->lock);
		return -EFBIG;
	}
	if (n > limit - *pos)
		n = (size_t)(limit - *pos);
	if ((rc = vfs_write_limit(i, *pos, &n)) ||	/* RLIMIT_FSIZE */
	    (rc = ext2_need_large_file(fs, *pos + n))) {
		mutex_unlock(&i->lock);
		return rc;
	}
	while (done < n) {
		u64 off = *pos % PAGE_SIZE, index = *pos / PAGE_SIZE;
		size_t k = (size_t)MIN((u64)(n - done), PAGE_SIZE - off);
		bool whole = off == 0 && k == PAGE_SIZE;
		bool has_data = index * PAGE_SIZE < i->size;
		struct page *p;
		u8 probe;
		/* Fault the source in first: the copy below runs with the page
		 * busy, and a fault into a mapping of this very page would wait
		 * for it for ever, so that copy does not fault (another thread
		 * may unmap the source meanwhile: then we retry). */
		if ((rc = iob_copy_in(&probe, b, done, 1)) ||
		    (rc = iob_copy_in(&probe, b, done + k - 1, 1)))
			break;
		if (fatal_signal_pending()) {	/* a hostile remapper: killable */
			rc = -EINTR;
			break;
		}
		/* The page is ours while we fill it; holes read as zeros. */
		if ((rc = pcache_get_busy(&ei->data, index, has_data && !whole, &p)))
			break;
		bool was_uptodate = p->flags & PG_UPTODATE;
		if (!was_uptodate && !whole)
			memset(page_to_virt(p), 0, PAGE_SIZE);	/* past the end: zeros */
		rc = iob_copy_in_nofault((u8 *)page_to_virt(p) + off, b, done, k);
		if (rc && was_uptodate) {	/* part of the new bytes, rest old: */
			pcache_mark_dirty(p, 1);	/* as a partial write leaves it */
			pcache_put_busy(p);
			rc = 0;
			continue;		/* fault it in again, copy again */
		}
		if (rc) {	/* nothing of it is the file's */
			pcache_put_busy(p);
			rc = 0;
			continue;
		}
		/* Blocks only now, after the page holds what they will: a new
		 * block never shows the disk's stale bytes. */
		int mrc = rc ? 0 : map_range(i, *pos, k);
		pcache_mark_dirty(p, 1);
		pcache_put_busy(p);
		if (rc || (rc = mrc))
			break;
		done += k;
		*pos += k;
		if (*pos > i->size)
			i->size = *pos;
	}
	if (done) {
		i->mtime = i->ctime = vfs_now();
	}
	ext2_write_inode(i);
	mutex_unlock(&i->lock);
	pcache_balance(&ei->data);
	return done ? (long)done : rc;
}

/*
 * fallocate(2) mode 0: the range's blocks, allocated as a write would
 * (page busy and zero-filled first, so a new block never shows stale
 * disk bytes), and the size grown to its end. FALLOC_FL_KEEP_SIZE keeps
 * no block past the end (ext2 has no place for them: e2fsck would cut
 * them), so it allocates only below the current size. Punching holes
 * would need a block-range free ext2 lacks: EOPNOTSUPP.
 */
int ext2_fallocate(struct inode *i, int mode, u64 off, u64 len)
{
	struct ext2_inode_info *ei = EXT2_I(i);
	u64 end = off + len;	/* the VFS checked it fits */
	int rc = 0;

	if (mode & ~FALLOC_FL_KEEP_SIZE)
		return -EOPNOTSUPP;
	mutex_lock(&i->lock);
	if (end > size_limit(EXT2_FS(i->sb)))
		rc = -EFBIG;
	else if (!(mode & FALLOC_FL_KEEP_SIZE))
		rc = ext2_need_large_file(EXT2_FS(i->sb), end);
	if (mode & FALLOC_FL_KEEP_SIZE)
		end = MIN(end, i->size);
	for (u64 at = off; !rc && at < end;) {
		u64 index = at / PAGE_SIZE, next = MIN((index + 1) * PAGE_SIZE, end);
		struct page *p;
		if ((rc = pcache_get_busy(&ei->data, index, index * PAGE_SIZE < i->size, &p)))
			break;
		if (!(p->flags & PG_UPTODATE))
			memset(page_to_virt(p), 0, PAGE_SIZE);
		rc = map_range(i, at, (size_t)(next - at));
		pcache_mark_dirty(p, 1);
		pcache_put_busy(p);
		if (fatal_signal_pending() && !rc)
			rc = -EINTR;
		at = next;
	}
	/* Pages and blocks past the end that a failure left go again, as
	 * truncate frees them: the pages first (write-back of one of them
	 * must not write into a block after it is freed and reused), the
	 * last page held busy while the blocks in it past the end go. */
	if (rc) {
		if (ext2_cut_to(i, i->size))
			ext2_truncate_blocks(i, i->size);	/* no memory: at least that */
	} else if (end > i->size) {
		i->size = end;
	}
	if (!rc)
		i->mtime = i->ctime = vfs_now();
	ext2_write_inode(i);
	mutex_unlock(&i->lock);
	pcache_balance(&ei->data);
	return rc;
}

static int ext2_fsync(struct file *f, bool datasync)
{
	struct inode *i = f->inode;
	struct ext2_fs *fs = EXT2_FS(i->sb);
	int rc = 0, rc2;

	(void)datasync;		/* block maps are metadata either way */
	if (i->sb->flags & SB_RDONLY)
		return 0;
	if (S_ISREG(i->mode))
		rc = pcache_writeback(&EXT2_I(i)->data, 0, ~0ULL);
	if ((rc2 = pcache_writeback(&fs->meta, 0, ~0ULL)) && !rc)
		rc = rc2;
	if ((rc2 = blk_flush(fs->bd)) && !rc)
		rc = rc2;
	if (S_ISREG(i->mode) && (rc2 = pcache_take_error(&EXT2_I(i)->data)) && !rc)
		rc = rc2;
	return rc;
}

const struct file_ops ext2_file_fops = {
	.read = ext2_read,
	.write = ext2_write,
	.fsync = ext2_fsync,
	.seekable = true,
};

const struct file_ops ext2_dir_fops = {
	.iterate = ext2_iterate,
	.fsync = ext2_fsync,
	.seekable = true,
};

const struct file_ops ext2_link_fops = { .seekable = false };
