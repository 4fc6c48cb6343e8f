/*
 * ext2 inodes: reading one (through the parser), writing it back into the
 * inode table, the in-memory inode cache (one struct inode per on-disk
 * inode, however many names lead to it), the block map with allocation,
 * truncation, and eviction (a last reference to an unlinked inode frees
 * its blocks and its bitmap bit).
 */
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include "ext2.h"


void ext2_inode_locate(struct ext2_fs *fs, u32 ino, u32 *block, u32 *off)
{
	u32 g = (ino - 1) / fs->s.inodes_per_group, idx = (ino - 1) % fs->s.inodes_per_group;
	u64 byte = (u64)idx * fs->s.inode_size;

	*block = fs->groups[g].inode_table + (u32)(byte / fs->bs);
	*off = (u32)(byte % fs->bs);
}

static struct inode *icache_find(struct ext2_fs *fs, u32 ino, bool *dying)
{
	struct ext2_inode_info *ei;
	struct inode *found = NULL;

	*dying = false;
	unsigned long ifl = spin_lock_irqsave(&fs->icache_lock);
	list_for_each_entry(ei, &fs->icache[ino % EXT2_ICACHE_BUCKETS], hash) {
		if (ei->inode->ino != ino)
			continue;
		if (inode_tryget(ei->inode))
			found = ei->inode;
		else
			*dying = true;
		break;
	}
	spin_unlock_irqrestore(&fs->icache_lock, ifl);
	return found;
}

/* Is ino in use although the bitmap handed it out as free? 1 if it is
 * cached in memory or its on-disk record still has links, 0 if not.
 * An unlinked inode's eviction frees its bit before it leaves the cache
 * (ext2_evict: a lookup must wait for it, not read a second copy), so a
 * create on another CPU may be handed that bit while the old inode is
 * still cached and dying: wait for it to go, as ext2_iget does, instead
 * of calling the filesystem corrupt (seen as EUCLEAN from concurrent
 * renames over a name and creates, ext2_bigdir at -smp 4). */
int ext2_inode_in_use(struct ext2_fs *fs, u32 ino)
{
	struct mblock mb;
	u32 block, off;
	bool dying;
	struct inode *i;

	while (!(i = icache_find(fs, ino, &dying)) && dying)
		sleep_ms(1);	/* its eviction is finishing */
	if (i) {
		inode_put(i);
		return 1;
	}
	ext2_inode_locate(fs, ino, &block, &off);
	int rc = mb_read(fs, block, &mb);
	if (rc)
		return rc;
	bool linked = get_le16(mb.data + off + 26) != 0;
	mb_put(&mb);
	return linked;
}

static int data_readpage(struct pcache *pc, u64 index, struct page *p);
static int data_writepage(struct pcache *pc, u64 index, struct page *p, u16 mask);
static int data_readpages(struct pcache *pc, u64 index, struct page **pages, unsigned int n);
static int data_writepages(struct pcache *pc, u64 index, struct page **pages, unsigned int n);
static const struct pcache_ops data_ops = {
	.readpage = data_readpage,
	.writepage = data_writepage,
	.readpages = data_readpages,
	.writepages = data_writepages,
};

/* An in-memory inode for ino with fresh ext2 state (not yet hashed). */
struct inode *ext2_new_inode(struct ext2_fs *fs, u32 ino, u32 mode)
{
	struct inode *i = inode_alloc(fs->sb, mode);
	struct ext2_inode_info *ei = i ? kzalloc(sizeof(*ei), GFP_KERNEL) : NULL;

	if (!ei) {
		if (i)
			kfree(i);	/* no iop yet: nothing to evict */
		return NULL;
	}
	i->ino = ino;
	i->priv = ei;
	ei->inode = i;
	list_init(&ei->hash);
	mutex_init(&ei->map, "ext2-map", LR_MUTEX_EXT2_MAP);
	pcache_init(&ei->data, &data_ops, i, 1);
	ei->data.rmap = &i->mappings;	/* write-back write-protects mappings */
	ext2_set_ops(i);
	return i;
}

/* Hashes i, unless another task hashed the same inode first: then i is
 * dropped and that one returned with a reference taken by inode_tryget,
 * never by reading refcount and then incrementing it: between the two
 * another CPU's inode_put can take it to 0 and go on to evict and free
 * it, and we would hand out freed memory. If that one is on its way out
 * (its count is 0 but evict has not unhashed it yet) i is dropped too and
 * NULL returned: our copy was read from disk while evict may still be
 * writing the record, so the caller waits for the unhash and reads again. */
struct inode *ext2_icache_add(struct ext2_fs *fs, struct inode *i)
{
	struct ext2_inode_info *ei = EXT2_I(i), *o;
	struct inode *won = i;

	unsigned long ifl = spin_lock_irqsave(&fs->icache_lock);
	list_for_each_entry(o, &fs->icache[i->ino % EXT2_ICACHE_BUCKETS], hash) {
		if (o->inode->ino == i->ino) {
			won = inode_tryget(o->inode) ? o->inode : NULL;
			break;
		}
	}
	if (won == i)
		list_add(&ei->hash, &fs->icache[i->ino % EXT2_ICACHE_BUCKETS]);
	spin_unlock_irqrestore(&fs->icache_lock, ifl);
	if (won != i)
		inode_put(i);
	return won;
}

static void fill(struct inode *i, const struct ext2_inode *di)
{
	struct ext2_inode_info *ei = EXT2_I(i);

	i->mode = di->mode;
	i->nlink = di->links;
	i->uid = di->uid;
	i->gid = di->gid;
	i->size = di->size;
	i->atime = (struct timespec64){ di->atime, 0 };
	i->mtime = (struct timespec64){ di->mtime, 0 };
	i->ctime = (struct timespec64){ di->ctime, 0 };
	i->rdev = MKDEV(di->rdev_major & 0xffffff, di->rdev_minor & 0xff);
	memcpy(ei->block, di->block, sizeof(ei->block));
	ei->flags = di->flags;
	i->iflags = di->flags & EXT2_FL_MODIFIABLE;	/* chattr's; enforced by the VFS */
	ei->blocks512 = di->blocks512;
	ei->file_acl = di->file_acl;
	ei->generation = di->generation;
	ei->dtime = di->dtime;
	ei->fast_symlink = di->fast_symlink;
}

/* by_handle: a number from a file handle, which anyone may forge: a
 * free inode is -ESTALE, not a corrupt disk. */
static int iget(struct ext2_fs *fs, u32 ino, bool by_handle, struct inode **out)
{
	struct ext2_inode di;
	struct mblock mb;
	u32 block, off, why = 0;
	bool dying;
	int rc;

	if (ino < 1 || ino > fs->s.inodes_count)
		return ext2_corrupt(fs, "inode number", ino, -EUCLEAN, EXT2_WHY_DIRENT_INODE);
	for (;;) {
		struct inode *i = icache_find(fs, ino, &dying);
		if (i) {
			*out = i;
			return 0;
		}
		if (dying) {
			sleep_ms(1);	/* its eviction is finishing */
			continue;
		}
		ext2_inode_locate(fs, ino, &block, &off);
		if ((rc = mb_read(fs, block, &mb)))
			return rc;
		if (by_handle && !get_le16(mb.data + off + 26)) {
			mb_put(&mb);	/* freed, or being made (a zeroed record) */
			return -ESTALE;
		}
		rc = ext2_parse_inode(mb.data + off, fs->s.inode_size, &fs->s, ino, &di, &why);
		mb_put(&mb);
		if (rc)
			return ext2_corrupt(fs, "inode", ino, rc, why);
		if (!di.links)
			return by_handle ? -ESTALE :
			       ext2_corrupt(fs, "inode (deleted, but named)", ino, -EUCLEAN,
					    EXT2_WHY_DIRENT_INODE);
		if (!(i = ext2_new_inode(fs, ino, di.mode)))
			return -ENOMEM;
		fill(i, &di);
		ext2_set_ops(i);
		if ((*out = ext2_icache_add(fs, i)))
			return 0;
		/* Another copy came and is being evicted: start again. */
	}
}

int ext2_iget(struct ext2_fs *fs, u32 ino, struct inode **out)
{
	return iget(fs, ino, false, out);
}

u32 ext2_fh_generation(struct inode *i)
{
	return EXT2_I(i)->generation;
}

/* A file handle's inode: a number a file may have (the root or past the
 * reserved ones), in use, linked, of the same generation. */
int ext2_fh_to_inode(struct super_block *sb, u64 ino, u32 gen, struct inode **out)
{
	struct ext2_fs *fs = EXT2_FS(sb);
	struct inode *i;
	int rc;

	if (!ino || ino > fs->s.inodes_count || (ino < fs->s.first_ino && ino != EXT2_ROOT_INO))
		return -ESTALE;
	/* a free record (links 0, perhaps never written) is no corruption */
	if ((rc = ext2_inode_in_use(fs, (u32)ino)) <= 0)
		return rc < 0 ? rc : -ESTALE;
	if ((rc = iget(fs, (u32)ino, true, &i)))
		return rc;
	if (!READ_ONCE(i->nlink) || EXT2_I(i)->generation != gen) {
		inode_put(i);
		return -ESTALE;
	}
	*out = i;
	return 0;
}

void ext2_write_inode(struct inode *i)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	struct mblock mb;
	u32 block, off;

	if (i->sb->flags & SB_RDONLY)
		return;
	ext2_inode_locate(fs, (u32)i->ino, &block, &off);
	if (mb_read(fs, block, &mb))
		return;
	/* Under the map lock: a page fault writes the record too, without the
	 * inode lock (see ext2_mmap_page); whoever stores last read last. */
	mutex_lock(&ei->map);
	u8 *d = mb.data + off;
	put_le16(d + 0, (u16)i->mode);
	put_le16(d + 2, (u16)i->uid);
	put_le32(d + 4, (u32)i->size);
	put_le32(d + 8, (u32)i->atime.sec);
	put_le32(d + 12, (u32)i->ctime.sec);
	put_le32(d + 16, (u32)i->mtime.sec);
	put_le32(d + 20, ei->dtime);
	put_le16(d + 24, (u16)i->gid);
	put_le16(d + 26, (u16)i->nlink);
	put_le32(d + 28, ei->blocks512);
	put_le32(d + 32, ei->flags);
	for (int k = 0; k < EXT2_N_BLOCKS; k++)
		put_le32(d + 40 + 4 * k, ei->block[k]);
	put_le32(d + 100, ei->generation);
	put_le32(d + 104, ei->file_acl);
	put_le32(d + 108, S_ISREG(i->mode) ? (u32)(i->size >> 32) : 0);
	put_le16(d + 120, (u16)(i->uid >> 16));
	put_le16(d + 122, (u16)(i->gid >> 16));
	mutex_unlock(&ei->map);
	mb_dirty(fs, &mb);
	mb_put(&mb);
}

/* ---- the block map */

static void put_entry(struct mblock *mb, u32 index, u32 v)
{
	put_le32(mb->data + 4 * index, v);
}

static int new_block(struct inode *i, bool meta, u32 *out)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	u32 goal = ei->last_block ? ei->last_block + 1 :
		   fs->groups[(i->ino - 1) / fs->s.inodes_per_group].first_block;
	int rc = ext2_alloc_block(fs, goal, out);

	if (rc)
		return rc;
	ei->last_block = *out;	/* the next block of the file goes after it */
	if (meta) {
		struct mblock mb;
		if ((rc = mb_zero(fs, *out, &mb))) {
			ext2_free_block(fs, *out);
			return rc;
		}
		mb_put(&mb);
	}
	ei->blocks512 += fs->bs / 512;
	return 0;
}

int ext2_bmap(struct inode *i, u64 n, bool create, u32 *out)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	struct ext2_bmap_path path;
	u32 why = 0, b;
	int rc = ext2_bmap_path(&fs->s, n, &path, &why);

	if (rc)
		return rc;
	b = ei->block[path.index[0]];
	if (!b) {
		if (!create) {
			*out = 0;
			return 0;
		}
		if ((rc = new_block(i, path.depth > 0, &b)))
			return rc;
		ei->block[path.index[0]] = b;
	} else if ((rc = ext2_check_block(fs, b))) {
		return rc;
	}
	for (u32 level = 1; level <= path.depth; level++) {
		struct mblock mb;
		u32 next;
		if ((rc = mb_read(fs, b, &mb)))
			return rc;
		rc = ext2_bmap_entry(mb.data, fs->bs, path.index[level], &fs->s, b, &next, &why);
		if (rc) {
			mb_put(&mb);
			return ext2_corrupt(fs, "indirect block", b, rc, why);
		}
		if (!next && create) {
			rc = new_block(i, level < path.depth, &next);
			if (!rc) {
				put_entry(&mb, path.index[level], next);
				mb_dirty(fs, &mb);
			}
		} else if (next) {
			rc = ext2_check_block(fs, next);
		}
		mb_put(&mb);
		if (rc)
			return rc;
		if (!next) {
			*out = 0;
			return 0;
		}
		b = next;
	}
	*out = b;
	return 0;
}

/* Block n of the file without allocating (ei->map held): *out its block
 * or 0 in a hole, *run the hole's blocks from n known from one missing
 * entry (a missing indirect block skips its whole span), at least 1. */
static int bmap_probe(struct inode *i, u64 n, u32 *out, u64 *run)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_bmap_path path;
	u64 p = fs->bs / 4;
	u32 why = 0, b;
	int rc = ext2_bmap_path(&fs->s, n, &path, &why);

	if (rc)
		return rc;
	*run = 1;
	b = EXT2_I(i)->block[path.index[0]];
	for (u32 level = 0;; level++) {
		if (!b) {	/* entry `level` is empty: its subtree is a hole */
			u64 span = 1, pos = 0;
			for (u32 l = path.depth; l > level; l--) {
				pos += path.index[l] * span;
				span *= p;
			}
			*run = span - pos;
			*out = 0;
			return 0;
		}
		if ((rc = ext2_check_block(fs, b)))
			return rc;
		if (level == path.depth)
			break;
		struct mblock mb;
		u32 next;
		if ((rc = mb_read(fs, b, &mb)))
			return rc;
		rc = ext2_bmap_entry(mb.data, fs->bs, path.index[level + 1], &fs->s, b, &next, &why);
		mb_put(&mb);
		if (rc)
			return ext2_corrupt(fs, "indirect block", b, rc, why);
		b = next;
	}
	*out = b;
	return 0;
}

/* lseek SEEK_DATA / SEEK_HOLE (i->lock held, off < size): data is what
 * has blocks (a write allocates them as it fills the page, mmap_page
 * reserves them), so the block map is the answer. */
static int ext2_seek_data(struct inode *i, u64 off, bool hole, u64 *out)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	u64 last = (i->size - 1) / fs->bs, n = off / fs->bs;
	int rc = 0;

	if (!S_ISREG(i->mode)) {
		*out = hole ? i->size : off;
		return 0;
	}
	mutex_lock(&ei->map);
	while (n <= last) {
		u32 b;
		u64 run;
		if ((rc = bmap_probe(i, n, &b, &run)))
			break;
		if (!!b != hole)	/* found what was asked for */
			break;
		n += b ? 1 : run;
		if (fatal_signal_pending()) {
			rc = -EINTR;
			break;
		}
	}
	mutex_unlock(&ei->map);
	if (rc)
		return rc;
	if (n > last)		/* the end: a hole there, no data after */
		return hole ? (*out = i->size, 0) : -ENXIO;
	*out = MAX(off, n * fs->bs);
	return 0;
}

/* FS_IOC_FIEMAP: runs of blocks contiguous on the disk, holes skipped
 * a whole indirect span at a time; the last extent of the file marked. */
static int ext2_fiemap(struct inode *i, u64 start, u64 len, struct fiemap_ctx *ctx)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	u64 bs = fs->bs;
	int rc = 0;

	if (!S_ISREG(i->mode) && !S_ISDIR(i->mode))
		return 0;
	mutex_lock(&i->lock);
	mutex_lock(&ei->map);
	u64 size = i->size;
	u64 n = start / bs, end = size ? (size - 1) / bs : 0;	/* last block */
	if (size && len < size - start / bs * bs)
		end = MIN(end, (start + len - 1) / bs);
	/* the extent found, held until the next shows whether it is the last */
	u64 pl = 0, pp = 0, pn = 0;
	while (size && n <= end) {
		u32 b;
		u64 run;
		if ((rc = bmap_probe(i, n, &b, &run)))
			break;
		if (!b) {
			n += run;
		} else if (pn && pp + pn == b && pl + pn == n) {
			pn++;	/* the same run */
			n++;
		} else {
			if (pn && (rc = fiemap_fill(ctx, pl * bs, pp * bs, pn * bs,
						    FIEMAP_EXTENT_MERGED)))
				break;
			pl = n;
			pp = b;
			pn = 1;
			n++;
		}
		if (fatal_signal_pending()) {
			rc = -EINTR;
			break;
		}
	}
	if (!rc && pn)
		rc = fiemap_fill(ctx, pl * bs, pp * bs, pn * bs,
				 FIEMAP_EXTENT_MERGED | (n > (size - 1) / bs ? FIEMAP_EXTENT_LAST : 0));
	mutex_unlock(&ei->map);
	mutex_unlock(&i->lock);
	return rc < 0 ? rc : 0;
}

/* ---- truncation: free what lies at file block >= keep */

static u64 span_of(struct ext2_fs *fs, u32 depth)
{
	u64 p = fs->bs / 4, s = 1;

	while (depth--)
		s *= p;
	return s;
}

static void release_block(struct inode *i, u32 b)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);

	ext2_free_block(fs, b);
	if (EXT2_I(i)->blocks512 >= fs->bs / 512)
		EXT2_I(i)->blocks512 -= fs->bs / 512;
}

/* Block b maps file blocks [base, base + span(depth)); frees the part at
 * >= keep. True if b itself was freed. */
static bool trunc_tree(struct inode *i, u32 b, u32 depth, u64 base, u64 keep)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);

	if (ext2_check_block(fs, b))
		return false;		/* corrupt: leave it, it was reported */
	if (depth > 0) {
		u64 sub = span_of(fs, depth - 1);
		struct mblock mb;
		u32 why = 0;
		if (mb_read(fs, b, &mb))
			return false;
		for (u32 k = 0; k < fs->bs / 4; k++) {
			u32 child;
			u64 cbase = base + k * sub;
			if (cbase + sub <= keep)
				continue;
			if (ext2_bmap_entry(mb.data, fs->bs, k, &fs->s, b, &child, &why)) {
				ext2_corrupt(fs, "indirect block", b, -EUCLEAN, why);
				continue;
			}
			if (child && trunc_tree(i, child, depth - 1, cbase, keep)) {
				put_entry(&mb, k, 0);
				mb_dirty(fs, &mb);
			}
		}
		mb_put(&mb);
	}
	if (base < keep)
		return false;
	release_block(i, b);
	return true;
}

int ext2_truncate_blocks(struct inode *i, u64 size)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	u64 keep = (size + fs->bs - 1) / fs->bs, base = EXT2_NDIR_BLOCKS;

	if (S_ISLNK(i->mode) && ei->fast_symlink)
		return 0;
	mutex_lock(&ei->map);
	for (u32 k = 0; k < EXT2_NDIR_BLOCKS; k++) {
		if (ei->block[k] && k >= keep && trunc_tree(i, ei->block[k], 0, k, keep))
			ei->block[k] = 0;
	}
	for (u32 depth = 1; depth <= 3; depth++) {
		u32 k = EXT2_NDIR_BLOCKS + depth - 1;
		if (ei->block[k] && trunc_tree(i, ei->block[k], depth, base, keep))
			ei->block[k] = 0;
		base += span_of(fs, depth);
	}
	mutex_unlock(&ei->map);
	return 0;
}

/* ---- file pages: a page holds 4096 / bs blocks. Runs of blocks that
 * are consecutive on disk become one bio of up to 64 KiB; all the bios
 * of a batch are in flight together. */

static int pages_io(struct inode *i, u64 index, struct page **pages, unsigned int n,
		    bool write)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	u32 bpp = fs->blocks_per_page, spb = fs->bs / SECTOR_SIZE;
	struct bio *bios = kzalloc(sizeof(struct bio) * n * bpp, GFP_KERNEL);
	struct bio_batch bb;
	struct bio *cur = NULL;
	u32 next = 0;
	int rc = 0, nb = 0;

	if (!bios)
		return -ENOMEM;
	bio_batch_init(&bb);
	if (!write)
		for (unsigned int k = 0; k < n; k++)
			memset(page_to_virt(pages[k]), 0, PAGE_SIZE);
	mutex_lock(&ei->map);
	for (unsigned int k = 0; k < n && !rc; k++) {
		for (u32 j = 0; j < bpp && !rc; j++) {
			u64 fb = (index + k) * bpp + j;
			u32 b;
			if (!write && fb * fs->bs >= i->size)
				break;
			rc = ext2_bmap(i, fb, false, &b);
			if (rc || !b)	/* a hole, or past the end when writing */
				continue;
			phys_addr_t pa = page_to_phys(pages[k]) + (u64)j * fs->bs;
			struct bio_seg *last = cur ? &cur->segs[cur->nr_segs - 1] : NULL;
			u32 bytes = 0;
			for (u32 s = 0; cur && s < cur->nr_segs; s++)
				bytes += cur->segs[s].len;
			if (cur && b == next && bytes + fs->bs <= BIO_MAX_BYTES &&
			    (last->phys + last->len == pa || cur->nr_segs < BIO_MAX_SEGS)) {
				if (last->phys + last->len == pa)
					last->len += fs->bs;
				else
					cur->segs[cur->nr_segs++] = (struct bio_seg){ pa, fs->bs };
			} else {
				if (cur)
					bio_batch_add(fs->bd, &bb, cur);
				cur = &bios[nb++];
				cur->op = write ? BIO_WRITE : BIO_READ;
				cur->sector = (u64)b * spb;
				cur->segs[0] = (struct bio_seg){ pa, fs->bs };
				cur->nr_segs = 1;
			}
			next = b + 1;
		}
	}
	mutex_unlock(&ei->map);
	if (cur)
		bio_batch_add(fs->bd, &bb, cur);
	int io = bio_batch_wait(&bb);
	kfree(bios);
	return rc ? rc : io;
}

static int data_readpage(struct pcache *pc, u64 index, struct page *p)
{
	return pages_io(pc->host, index, &p, 1, false);
}

static int data_writepage(struct pcache *pc, u64 index, struct page *p, u16 mask)
{
	(void)mask;
	return pages_io(pc->host, index, &p, 1, true);
}

static int data_readpages(struct pcache *pc, u64 index, struct page **pages, unsigned int n)
{
	return pages_io(pc->host, index, pages, n, false);
}

static int data_writepages(struct pcache *pc, u64 index, struct page **pages, unsigned int n)
{
	return pages_io(pc->host, index, pages, n, true);
}

/* ---- eviction */

static void ext2_evict(struct inode *i)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);

	if (!ei)
		return;
	if (S_ISFIFO(i->mode))
		fifo_evict(i);
	bool rw = !(i->sb->flags & SB_RDONLY);
	if (i->nlink == 0 && rw) {
		pcache_truncate(&ei->data, 0);
		if (S_ISREG(i->mode) || S_ISDIR(i->mode) || S_ISLNK(i->mode))
			ext2_truncate_blocks(i, 0);
		ext2_xattr_drop(i);
		/* ext2's 32-bit times wrap in 2106, and root may set the
		 * clock there (the fuzzer did). A dtime of 0 says "not
		 * deleted" to e2fsck, and one below inodes_count says "on
		 * the orphan list": for the first days after a wrap, the
		 * smallest value that says "deleted". */
		u32 now = (u32)vfs_now().sec;
		ei->dtime = MAX(now, fs->s.inodes_count);
		i->size = 0;
		ext2_write_inode(i);
		ext2_free_inode(fs, (u32)i->ino, S_ISDIR(i->mode));
	} else {
		if (rw && S_ISREG(i->mode))
			pcache_writeback(&ei->data, 0, ~0ULL);
		pcache_truncate(&ei->data, 0);
	}
	/* Unhashed last: until now a lookup of this number waits for us
	 * (refcount 0) instead of reading a second copy from the disk. */
	unsigned long ifl = spin_lock_irqsave(&fs->icache_lock);
	list_del_init(&ei->hash);
	spin_unlock_irqrestore(&fs->icache_lock, ifl);
	ext2_dx_free(ei->dx);	/* a directory's index: the memory goes back */
	kfree(ei);
	i->priv = NULL;
}

/* ---- attributes changed by the VFS (chmod, chown, utimensat) */

static void ext2_attr_changed(struct inode *i)
{
	ext2_write_inode(i);
}

static int ext2_readlink(struct inode *i, char *buf, size_t len)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);
	size_t n = (size_t)i->size;

	if (n > len)
		n = len;
	if (ei->fast_symlink) {
		memcpy(buf, (const u8 *)ei->block, n);
		return (int)n;
	}
	if (i->size > fs->bs)	/* the parser allows 4095; one block holds it */
		return ext2_corrupt(fs, "symlink longer than a block, inode", (u32)i->ino,
				    -EUCLEAN, EXT2_WHY_SYMLINK);
	u32 b;
	mutex_lock(&ei->map);
	int rc = ext2_bmap(i, 0, false, &b);
	mutex_unlock(&ei->map);
	if (rc)
		return rc;
	if (!b)
		return ext2_corrupt(fs, "symlink without a block", (u32)i->ino, -EUCLEAN,
				    EXT2_WHY_SYMLINK);
	struct mblock mb;
	if ((rc = mb_read(fs, b, &mb)))
		return rc;
	memcpy(buf, mb.data, n);
	mb_put(&mb);
	return (int)n;
}

static int ext2_vfs_truncate(struct inode *i, u64 size);

static u64 pages_of(u64 size)
{
	return size / PAGE_SIZE + (size % PAGE_SIZE != 0);
}

/* mmap: the file's cached page; a shared writer gets its blocks now,
 * since a page fault has no way to report ENOSPC later.
 * The fault path holds the mm lock, so the inode lock (taken before it by
 * write, which copies from user memory) is out of reach: the block map
 * lock is what this shares with write and truncate. Truncate lowers the
 * size under it before freeing blocks, so blocks are allocated here only
 * below a size read under it, and any it frees later were below the old
 * size, never leaked past the new one. */
static int ext2_mmap_page(struct inode *i, u64 index, bool write, struct page **out)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	struct ext2_inode_info *ei = EXT2_I(i);

	if (index >= pages_of(__atomic_load_n(&i->size, __ATOMIC_RELAXED)))
		return -EFAULT;
	/* The page first (holes read as zeros), then its blocks: a new block
	 * is only ever written with the page's contents. */
	int rc = pcache_get(&ei->data, index, true, out);
	if (rc || !write)
		return rc;
	u32 b;
	mutex_lock(&ei->map);
	u64 size = i->size;
	if (index >= pages_of(size))
		rc = -EFAULT;	/* truncated meanwhile */
	for (u32 k = 0; k < fs->blocks_per_page && !rc; k++) {
		u64 n = index * fs->blocks_per_page + k;
		if (n * fs->bs < size)
			rc = ext2_bmap(i, n, true, &b);
	}
	mutex_unlock(&ei->map);
	if (rc) {
		pcache_put(*out);
		return rc;
	}
	ext2_write_inode(i);
	return 0;
}

/* In the page cache now (mincore): looked at, never read in. */
static bool ext2_mmap_resident(struct inode *i, u64 index)
{
	struct page *p = pcache_peek(&EXT2_I(i)->data, index);

	if (p)
		pcache_put(p);
	return p != NULL;
}

static void ext2_mmap_dirty(struct inode *i, struct page *p)
{
	(void)i;
	pcache_mark_dirty(p, 1);
}

static u64 ext2_blocks(struct inode *i)
{
	return EXT2_I(i)->blocks512;
}

/* A lookup from the VFS (a dentry-cache miss). A directory has one name:
 * if it already has a dentry, this entry is a second one (a loop back up
 * the tree, or a hard link to a directory), which would give a walk an
 * endless path, one dentry per step: refused as corruption. */
static int ext2_vfs_lookup(struct inode *dir, const char *name, size_t len,
			   struct inode **out)
{
	int rc = ext2_lookup(dir, name, len, out);

	if (rc || !S_ISDIR((*out)->mode) || !atomic_read(&(*out)->dentries))
		return rc;
	u32 ino = (u32)(*out)->ino;
	inode_put(*out);
	*out = NULL;
	return ext2_corrupt(EXT2_FS(dir->sb), "second name for directory inode", ino,
			    -EUCLEAN, EXT2_WHY_DIRENT_INODE);
}

/* chattr: the on-disk i_flags keep their other bits (the htree index) */
static void ext2_set_iflags(struct inode *i, u32 flags)
{
	struct ext2_inode_info *ei = EXT2_I(i);

	ei->flags = (ei->flags & ~(u32)EXT2_FL_MODIFIABLE) | (flags & EXT2_FL_MODIFIABLE);
}

const struct inode_ops ext2_iops = {
	.set_iflags = ext2_set_iflags,
	.iflags_ok = EXT2_FL_MODIFIABLE,
	.blocks = ext2_blocks,
	.mmap_page = ext2_mmap_page,
	.mmap_resident = ext2_mmap_resident,
	.mmap_dirty = ext2_mmap_dirty,
	.lookup = ext2_vfs_lookup,
	.mknod = ext2_mknod,
	.tmpfile = ext2_tmpfile,
	.link = ext2_link,
	.unlink = ext2_unlink,
	.rename = ext2_rename,
	.readlink = ext2_readlink,
	.truncate = ext2_vfs_truncate,
	.fallocate = ext2_fallocate,
	.seek_data = ext2_seek_data,
	.fiemap = ext2_fiemap,
	.write_inode = ext2_attr_changed,
	.evict = ext2_evict,
	.getxattr = ext2_getxattr,
	.setxattr = ext2_setxattr,
	.listxattr = ext2_listxattr,
	.removexattr = ext2_removexattr,
};

void ext2_set_ops(struct inode *i)
{
	i->iop = &ext2_iops;
	if (S_ISREG(i->mode))
		i->fop = &ext2_file_fops;
	else if (S_ISDIR(i->mode))
		i->fop = &ext2_dir_fops;
	else if (S_ISLNK(i->mode))
		i->fop = &ext2_link_fops;
	else
		i->fop = NULL;		/* devices and FIFOs: vfs_open_inode */
}

/*
 * The caller holds i->lock: the file ends at size (<= i->size), and the
 * cached pages and blocks past it go, safely for a reader, a mapper and
 * write-back at the same time. Truncate, and fallocate's unwind (size
 * the old size: what it allocated past it). Fails only before changing
 * anything.
 */
int ext2_cut_to(struct inode *i, u64 size)
{
	struct ext2_inode_info *ei = EXT2_I(i);
	u64 keep = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	struct page *last = NULL, *held = NULL;
	/* The new last page first, the only step that can fail (no
	 * memory, a read error): held, it stays cached and up to date,
	 * so taking it busy below cannot fail. */
	if (size % PAGE_SIZE) {
		int rc = pcache_get(&ei->data, size / PAGE_SIZE, true, &held);
		if (rc)
			return rc;	/* nothing changed */
	}
	/* The end moves next, under the block-map lock: a page read in
	 * from here on zeroes what lies past it (pages_io), and a write
	 * fault (ext2_mmap_page) allocates nothing past it. A page that
	 * a fault inserted before is taken out below, after any read
	 * into it; one inserted after holds zeros. So no page of the old
	 * bytes survives for a later grow to show. */
	mutex_lock(&ei->map);
	i->size = size;
	mutex_unlock(&ei->map);
	pcache_truncate(&ei->data, keep);
	/* The last page stays busy while blocks past the end are freed,
	 * so no write-back of it can still be writing into them; its tail
	 * is zeroed (and goes to disk), so a later grow reads zeros. */
	if (held) {
		if (pcache_get_busy(&ei->data, size / PAGE_SIZE, true, &last))
			last = NULL;	/* cannot happen: it is held */
		pcache_put(held);
	}
	if (last) {
		memset((u8 *)page_to_virt(last) + size % PAGE_SIZE, 0,
		       PAGE_SIZE - size % PAGE_SIZE);
		pcache_mark_dirty(last, 1);
	}
	ext2_truncate_blocks(i, size);
	if (last)
		pcache_put_busy(last);
	return 0;
}

/* truncate(2): the caller holds i->lock. */
static int ext2_vfs_truncate(struct inode *i, u64 size)
{
	struct ext2_fs *fs = EXT2_FS(i->sb);
	int rc;

	if (size > ext2_size_limit(fs))
		return -EFBIG;
	if ((rc = ext2_need_large_file(fs, size)))
		return rc;
	if (size < i->size && (rc = ext2_cut_to(i, size)))
		return rc;
	i->size = size;
	i->mtime = i->ctime = vfs_now();
	ext2_write_inode(i);
	return 0;
}
