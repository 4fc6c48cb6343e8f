/*
 * ext2: mounting, the metadata cache, statfs, sync and unmount. Mount
 * reads and validates the superblock and every group descriptor (the
 * parser says what is wrong, and the console line names it), then the
 * root directory.
 */
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include "ext2.h"

/* ---- the metadata cache: page i holds disk bytes [i * 4096, +4096) */

static u64 dev_bytes(const struct ext2_fs *fs)
{
	return fs->bd->sectors * SECTOR_SIZE;
}

static int meta_readpage(struct pcache *pc, u64 index, struct page *p)
{
	struct ext2_fs *fs = pc->host;
	u64 off = index * PAGE_SIZE, end = dev_bytes(fs);
	size_t n = off >= end ? 0 : (size_t)MIN((u64)PAGE_SIZE, end - off);

	memset(page_to_virt(p), 0, PAGE_SIZE);
	return n ? blk_rw(fs->bd, off / SECTOR_SIZE, page_to_virt(p),
			  ALIGN_UP(n, SECTOR_SIZE), false) : 0;
}

static int meta_writepage(struct pcache *pc, u64 index, struct page *p, u16 mask)
{
	struct ext2_fs *fs = pc->host;
	int first = 0;

	for (u32 b = 0; b < fs->blocks_per_page; b++) {
		if (!(mask & (1u << b)))
			continue;
		u64 off = index * PAGE_SIZE + (u64)b * fs->bs;
		if (off + fs->bs > dev_bytes(fs))
			continue;
		int rc = blk_rw(fs->bd, off / SECTOR_SIZE, (u8 *)page_to_virt(p) + b * fs->bs,
				fs->bs, true);
		if (rc && !first)
			first = rc;
	}
	return first;
}

static const struct pcache_ops meta_ops = {
	.readpage = meta_readpage,
	.writepage = meta_writepage,
};

static void mb_locate(struct ext2_fs *fs, u32 block, u64 *index, u32 *sub)
{
	u64 off = (u64)block * fs->bs;
	*index = off / PAGE_SIZE;
	*sub = (u32)(off % PAGE_SIZE) / fs->bs;
}

int mb_read(struct ext2_fs *fs, u32 block, struct mblock *mb)
{
	u64 index;
	u32 sub;

	if (block >= fs->s.blocks_count)
		return -EUCLEAN;
	mb_locate(fs, block, &index, &sub);
	int rc = pcache_get(&fs->meta, index, true, &mb->page);
	if (rc)
		return rc;
	mb->data = (u8 *)page_to_virt(mb->page) + sub * fs->bs;
	mb->block = block;
	return 0;
}

int mb_zero(struct ext2_fs *fs, u32 block, struct mblock *mb)
{
	int rc = mb_read(fs, block, mb);

	if (!rc) {
		memset(mb->data, 0, fs->bs);
		mb_dirty(fs, mb);
	}
	return rc;
}

void mb_dirty(struct ext2_fs *fs, struct mblock *mb)
{
	u64 index;
	u32 sub;

	mb_locate(fs, mb->block, &index, &sub);
	pcache_mark_dirty(mb->page, (u16)(1u << sub));
}

void mb_forget(struct ext2_fs *fs, u32 block)
{
	u64 index;
	u32 sub;

	mb_locate(fs, block, &index, &sub);
	pcache_clean(&fs->meta, index, (u16)(1u << sub));
}

void mb_put(struct mblock *mb)
{
	if (mb->page)
		pcache_put(mb->page);
	mb->page = NULL;
}

/* ---- errors */

int ext2_corrupt(struct ext2_fs *fs, const char *what, u32 nr, int rc, u32 why)
{
	if (!fs->corrupt_logged) {
		fs->corrupt_logged = true;
		pr_err("ext2: %s: %s %u: %s (%d)\n", fs->bd->name, what, nr, ext2_why_str(why),
		       rc);
	}
	return rc == -EINVAL ? -EUCLEAN : rc;
}

u32 ext2_group_of(struct ext2_fs *fs, u32 block)
{
	return (block - fs->s.first_data_block) / fs->s.blocks_per_group;
}

int ext2_check_block(struct ext2_fs *fs, u32 block)
{
	u32 why = 0;

	if (block < fs->s.first_data_block || block >= fs->s.blocks_count)
		return ext2_corrupt(fs, "block", block, -EUCLEAN, EXT2_WHY_INODE_BLOCK);
	u32 g = ext2_group_of(fs, block);
	int rc = ext2_check_data_block(&fs->s, &fs->groups[g], g, block, &why);
	return rc ? ext2_corrupt(fs, "block", block, rc, why) : 0;
}

/* ---- group descriptors and the superblock, written into the cache */


int ext2_write_group(struct ext2_fs *fs, u32 g)
{
	u64 off = (u64)g * EXT2_GROUP_DESC_SIZE;
	u32 block = fs->s.first_data_block + 1 + (u32)(off / fs->bs);
	struct mblock mb;
	int rc = mb_read(fs, block, &mb);

	if (rc)
		return rc;
	u8 *d = mb.data + off % fs->bs;
	put_le16(d + 12, (u16)fs->groups[g].free_blocks);
	put_le16(d + 14, (u16)fs->groups[g].free_inodes);
	put_le16(d + 16, (u16)fs->groups[g].used_dirs);
	mb_dirty(fs, &mb);
	mb_put(&mb);
	return 0;
}

static int write_super(struct ext2_fs *fs);

/* A compatible feature at its first use, as Linux's ext2 does (ext_attr
 * at the first extended attribute: a filesystem made without it, as
 * busybox mke2fs makes them, takes xattrs from then on); revision 0
 * has no feature words: -EOPNOTSUPP. */
int ext2_add_compat(struct ext2_fs *fs, u32 feature)
{
	if (fs->s.rev_level != 1)
		return -EOPNOTSUPP;
	if (READ_ONCE(fs->s.feature_compat) & feature)
		return 0;
	mutex_lock(&fs->alloc);
	WRITE_ONCE(fs->s.feature_compat, fs->s.feature_compat | feature);
	mutex_unlock(&fs->alloc);
	return write_super(fs);
}

/* large_file as Linux turns it on: before the first file passes 2 GiB
 * (revision 0 has no feature words: its files stay below). */
int ext2_need_large_file(struct ext2_fs *fs, u64 end)
{
	if (end <= 0x7fffffffULL ||
	    (READ_ONCE(fs->s.feature_ro_compat) & EXT2_RO_COMPAT_LARGE_FILE))
		return 0;
	if (fs->s.rev_level != 1)
		return -EFBIG;
	mutex_lock(&fs->alloc);
	WRITE_ONCE(fs->s.feature_ro_compat, fs->s.feature_ro_compat | EXT2_RO_COMPAT_LARGE_FILE);
	mutex_unlock(&fs->alloc);
	return write_super(fs);
}

u64 ext2_size_limit(struct ext2_fs *fs)
{
	return fs->s.rev_level == 1 || (fs->s.feature_ro_compat & EXT2_RO_COMPAT_LARGE_FILE)
	       ? fs->s.max_file_size : 0x7fffffffULL;
}

static int write_super(struct ext2_fs *fs)
{
	struct mblock mb;
	u32 block = EXT2_SUPER_OFFSET / fs->bs;
	int rc = mb_read(fs, block, &mb);

	if (rc)
		return rc;
	u8 *d = mb.data + EXT2_SUPER_OFFSET % fs->bs;
	mutex_lock(&fs->alloc);
	put_le32(d + 12, fs->free_blocks);
	put_le32(d + 16, fs->free_inodes);
	if (fs->s.rev_level == 1) {	/* features turned on since the mount */
		put_le32(d + 92, fs->s.feature_compat);
		put_le32(d + 100, fs->s.feature_ro_compat);
	}
	mutex_unlock(&fs->alloc);
	put_le32(d + 48, (u32)vfs_now().sec);	/* s_wtime */
	mb_dirty(fs, &mb);
	mb_put(&mb);
	return 0;
}

/* ---- statfs, sync, unmount */

static int ext2_statfs(struct super_block *sb, struct kstatfs *st)
{
	struct ext2_fs *fs = EXT2_FS(sb);

	mutex_lock(&fs->alloc);
	*st = (struct kstatfs){
		.type = EXT2_MAGIC, .bsize = fs->bs, .frsize = fs->bs,
		.blocks = fs->s.blocks_count - fs->s.first_data_block,
		.bfree = fs->free_blocks,
		.bavail = fs->free_blocks > fs->s.r_blocks_count ?
			  fs->free_blocks - fs->s.r_blocks_count : 0,
		.files = fs->s.inodes_count, .ffree = fs->free_inodes,
		.namelen = EXT2_NAME_MAX, .flags = sb->flags & SB_RDONLY ? 1 : 0,
	};
	mutex_unlock(&fs->alloc);
	return 0;
}

/* The next cached inode after `after` (NULL: the first) with a reference. */
static struct inode *icache_next(struct ext2_fs *fs, u32 *bucket, struct ext2_inode_info *after)
{
	unsigned long ifl = spin_lock_irqsave(&fs->icache_lock);
	struct list_head *pos = after ? after->hash.next : fs->icache[*bucket].next;
	for (;;) {
		if (pos == &fs->icache[*bucket]) {
			if (++*bucket == EXT2_ICACHE_BUCKETS)
				break;
			pos = fs->icache[*bucket].next;
			continue;
		}
		struct ext2_inode_info *ei = list_entry(pos, struct ext2_inode_info, hash);
		if (inode_tryget(ei->inode)) {
			spin_unlock_irqrestore(&fs->icache_lock, ifl);
			return ei->inode;
		}
		pos = pos->next;	/* being evicted: its evict writes it */
	}
	spin_unlock_irqrestore(&fs->icache_lock, ifl);
	return NULL;
}

static int ext2_sync(struct super_block *sb)
{
	struct ext2_fs *fs = EXT2_FS(sb);
	int first = 0, rc;
	u32 bucket = 0;
	struct inode *i = NULL, *next;

	if (sb->flags & SB_RDONLY)
		return 0;
	/* The hash link stays valid while we hold the inode. */
	while ((next = icache_next(fs, &bucket, i ? EXT2_I(i) : NULL))) {
		if (i)
			inode_put(i);
		i = next;
		if (S_ISREG(i->mode) && (rc = pcache_writeback(&EXT2_I(i)->data, 0, ~0ULL)) &&
		    !first)
			first = rc;
	}
	if (i)
		inode_put(i);
	if ((rc = write_super(fs)) && !first)
		first = rc;
	if ((rc = pcache_writeback(&fs->meta, 0, ~0ULL)) && !first)
		first = rc;
	if ((rc = blk_flush(fs->bd)) && !first)
		first = rc;
	return first;
}

static void ext2_put_super(struct super_block *sb)
{
	struct ext2_fs *fs = EXT2_FS(sb);

	ext2_sync(sb);
	pcache_truncate(&fs->meta, 0);
	kfree(fs->groups);
	kfree(fs->icache);
	kfree(fs);
	sb->priv = NULL;
}

static const struct super_ops ext2_sops = {
	.statfs = ext2_statfs,
	.sync = ext2_sync,
	.put_super = ext2_put_super,
	.fh_generation = ext2_fh_generation,
	.fh_to_inode = ext2_fh_to_inode,
};

/* ---- mount */

static int read_groups(struct ext2_fs *fs)
{
	u32 n = fs->s.groups;
	u32 why = 0;

	if ((u64)n * sizeof(struct ext2_group) > 512 * 1024) {
		pr_err("ext2: %s: %u block groups: more than this driver keeps in memory\n",
		       fs->bd->name, n);
		return -EOPNOTSUPP;
	}
	fs->groups = kzalloc(n * sizeof(struct ext2_group), GFP_KERNEL);
	if (!fs->groups)
		return -ENOMEM;
	for (u32 g = 0; g < n; g++) {
		u64 off = (u64)g * EXT2_GROUP_DESC_SIZE;
		struct mblock mb;
		int rc = mb_read(fs, fs->s.first_data_block + 1 + (u32)(off / fs->bs), &mb);
		if (rc)
			return rc;
		rc = ext2_parse_group(mb.data + off % fs->bs, EXT2_GROUP_DESC_SIZE, &fs->s, g,
				      &fs->groups[g], &why);
		mb_put(&mb);
		if (rc) {
			pr_err("ext2: %s: group descriptor %u: %s\n", fs->bd->name, g,
			       ext2_why_str(why));
			return rc == -EINVAL ? -EUCLEAN : rc;
		}
		fs->free_blocks += fs->groups[g].free_blocks;
		fs->free_inodes += fs->groups[g].free_inodes;
	}
	return 0;
}

static struct ext2_fs *fs_alloc(struct blkdev *bd)
{
	struct ext2_fs *fs = kzalloc(sizeof(*fs), GFP_KERNEL);

	if (fs && !(fs->icache = kmalloc(EXT2_ICACHE_BUCKETS * sizeof(*fs->icache),
					 GFP_KERNEL))) {
		kfree(fs);
		fs = NULL;
	}
	if (!fs)
		return NULL;
	fs->bd = bd;
	mutex_init(&fs->alloc, "ext2-alloc", LR_MUTEX_EXT2_ALLOC);
	mutex_init(&fs->xattr, "ext2-xattr", LR_MUTEX_EXT2_XATTR);
	spin_lock_init(&fs->icache_lock, "ext2-icache", LR_EXT2_ICACHE);
	for (int i = 0; i < EXT2_ICACHE_BUCKETS; i++)
		list_init(&fs->icache[i]);
	return fs;
}

/* May a remount make sb writable? Not with features it cannot write. */
bool ext2_may_write(struct super_block *sb)
{
	struct ext2_fs *fs = EXT2_FS(sb);

	return !fs->s.read_only && !blkdev_ro(fs->bd);
}

int ext2_mount(struct blkdev *bd, u32 flags, struct super_block **out)
{
	struct ext2_fs *fs = fs_alloc(bd);
	u8 *raw = kmalloc(EXT2_SUPER_SIZE, GFP_KERNEL);
	struct super_block *sb = NULL;
	struct inode *root = NULL;
	u32 why = 0;
	int rc = -ENOMEM;

	if (!fs || !raw)
		goto fail;
	rc = blk_rw(bd, EXT2_SUPER_OFFSET / SECTOR_SIZE, raw, EXT2_SUPER_SIZE, false);
	if (rc) {
		pr_err("ext2: %s: cannot read the superblock (%d)\n", bd->name, rc);
		goto fail;
	}
	rc = ext2_parse_super(raw, EXT2_SUPER_SIZE, bd->sectors * SECTOR_SIZE, &fs->s, &why);
	if (rc) {
		pr_err("ext2: %s: superblock: %s\n", bd->name, ext2_why_str(why));
		goto fail;
	}
	fs->bs = fs->s.block_size;
	fs->blocks_per_page = PAGE_SIZE / fs->bs;
	pcache_init(&fs->meta, &meta_ops, fs, fs->blocks_per_page);
	if ((rc = read_groups(fs)))
		goto fail;
	if (READ_ONCE(bd->ro_set) && !(flags & SB_RDONLY)) {
		rc = -EACCES;	/* root made it read-only (BLKROSET), as Linux */
		goto fail;
	}
	if (fs->s.read_only || bd->read_only) {
		if (!(flags & SB_RDONLY))
			pr_warn("ext2: %s: %s: mounting read-only\n", bd->name,
				bd->read_only ? "read-only disk" : "unknown ro_compat features");
		flags |= SB_RDONLY;
	}
	sb = sb_create("ext2");
	if (!sb) {
		rc = -ENOMEM;
		goto fail;
	}
	sb->flags = (flags & SB_RDONLY) | SB_DCACHE_EVICT;
	sb->sop = &ext2_sops;
	sb->priv = fs;
	sb->dev = bd->dev;
	fs->sb = sb;
	sb->maxbytes = ext2_size_limit(fs);
	rc = ext2_iget(fs, EXT2_ROOT_INO, &root);
	if (!rc && !S_ISDIR(root->mode)) {
		pr_err("ext2: %s: the root inode is not a directory\n", bd->name);
		rc = -EUCLEAN;
	}
	if (!rc)
		rc = sb_set_root(sb, root);
	if (rc)
		goto fail;
	kfree(raw);
	pr_info("ext2: %s: mounted %s: %u-byte blocks, %u blocks (%u free), %u inodes (%u free), "
		"%u groups\n", bd->name, sb->flags & SB_RDONLY ? "read-only" : "read-write",
		fs->bs, fs->s.blocks_count, fs->free_blocks, fs->s.inodes_count,
		fs->free_inodes, fs->s.groups);
	*out = sb;
	return 0;
fail:
	if (root)
		inode_put(root);
	if (fs && fs->bs)
		pcache_truncate(&fs->meta, 0);
	if (fs) {
		kfree(fs->groups);
		kfree(fs->icache);
	}
	kfree(fs);
	kfree(raw);
	kfree(sb);
	return rc;
}
