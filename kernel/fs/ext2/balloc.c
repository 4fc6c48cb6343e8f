/*
 * ext2 block and inode allocation: one bitmap block per group each, the
 * group's free counts in its descriptor, the totals in the superblock
 * (written at sync). All of it under fs->alloc. A set bit that the
 * descriptor counted as free, or a free count that disagrees with the
 * bitmap, is corruption: reported, never "fixed" silently.
 */
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/string.h>
#include "ext2.h"

/* First clear bit in bitmap[0..nbits) at or after start; -1 if none.
 * Full runs go 64 bits at a time (a group of 32768 inodes filled from
 * the start is 4 KiB of 0xff: bench bigdir_100k). */
static long find_zero(const u8 *bitmap, u32 nbits, u32 start)
{
	for (u32 i = start; i < nbits;) {
		u64 w;
		if ((i & 63) == 0 && i + 64 <= nbits &&
		    (memcpy(&w, bitmap + (i >> 3), 8), w == ~0ULL)) {
			i += 64;
			continue;
		}
		if ((i & 7) == 0 && i + 8 <= nbits && bitmap[i >> 3] == 0xff) {
			i += 8;
			continue;
		}
		if (!(bitmap[i >> 3] & (1u << (i & 7))))
			return i;
		i++;
	}
	return -1;
}

static u32 group_blocks(struct ext2_fs *fs, u32 g)
{
	return fs->groups[g].last_block - fs->groups[g].first_block + 1;
}

/* Takes one free block of group g at or after bit `from`; 0 if none. */
static u32 take_block(struct ext2_fs *fs, u32 g, u32 from)
{
	struct ext2_group *gd = &fs->groups[g];
	struct mblock mb;

	if (!gd->free_blocks || mb_read(fs, gd->block_bitmap, &mb))
		return 0;
	u32 n = group_blocks(fs, g);
	long bit = find_zero(mb.data, n, from < n ? from : 0);
	if (bit < 0 && from)
		bit = find_zero(mb.data, n, 0);
	if (bit < 0) {
		mb_put(&mb);
		ext2_corrupt(fs, "group (free block count but a full bitmap)", g, -EUCLEAN,
			     EXT2_WHY_GD_COUNTS);
		return 0;
	}
	u32 block = gd->first_block + (u32)bit;
	if (ext2_check_block(fs, block)) {	/* bitmap says metadata is free */
		mb_put(&mb);
		return 0;
	}
	mb.data[bit >> 3] |= (u8)(1u << (bit & 7));
	mb_dirty(fs, &mb);
	mb_put(&mb);
	gd->free_blocks--;
	fs->free_blocks--;
	ext2_write_group(fs, g);
	return block;
}

int ext2_alloc_block(struct ext2_fs *fs, u32 goal, u32 *out)
{
	u32 ng = fs->s.groups, g0, from = 0;

	mutex_lock(&fs->alloc);
	if (goal >= fs->s.first_data_block && goal < fs->s.blocks_count) {
		g0 = ext2_group_of(fs, goal);
		from = goal - fs->groups[g0].first_block;
	} else {
		g0 = fs->last_group < ng ? fs->last_group : 0;
	}
	u32 block = 0;
	for (u32 k = 0; k < ng && !block && fs->free_blocks; k++) {
		u32 g = (g0 + k) % ng;
		block = take_block(fs, g, k ? 0 : from);
		if (block)
			fs->last_group = g;
	}
	mutex_unlock(&fs->alloc);
	if (!block)
		return -ENOSPC;
	*out = block;
	return 0;
}

void ext2_free_block(struct ext2_fs *fs, u32 block)
{
	struct mblock mb;

	if (block < fs->s.first_data_block || block >= fs->s.blocks_count)
		return;
	u32 g = ext2_group_of(fs, block), bit = block - fs->groups[g].first_block;
	mb_forget(fs, block);	/* a metadata copy must never be written again */
	mutex_lock(&fs->alloc);
	if (!mb_read(fs, fs->groups[g].block_bitmap, &mb)) {
		if (mb.data[bit >> 3] & (1u << (bit & 7))) {
			mb.data[bit >> 3] &= (u8)~(1u << (bit & 7));
			mb_dirty(fs, &mb);
			fs->groups[g].free_blocks++;
			fs->free_blocks++;
			ext2_write_group(fs, g);
		} else {
			ext2_corrupt(fs, "block freed twice", block, -EUCLEAN, EXT2_WHY_BMAP_BLOCK);
		}
		mb_put(&mb);
	}
	mutex_unlock(&fs->alloc);
}

/* Directories spread over the groups with the most free inodes; files
 * stay with their directory. */
static u32 pick_group(struct ext2_fs *fs, u32 dir_ino, bool is_dir)
{
	u32 ng = fs->s.groups, best = 0, parent = (dir_ino - 1) / fs->s.inodes_per_group;

	if (!is_dir && parent < ng && fs->groups[parent].free_inodes)
		return parent;
	for (u32 g = 1; g < ng; g++)
		if (fs->groups[g].free_inodes > fs->groups[best].free_inodes)
			best = g;
	return best;
}

int ext2_alloc_inode(struct ext2_fs *fs, u32 dir_ino, bool is_dir, u32 *out)
{
	u32 ng = fs->s.groups, ipg = fs->s.inodes_per_group;
	int rc = -ENOSPC;

	mutex_lock(&fs->alloc);
	u32 g0 = pick_group(fs, dir_ino, is_dir);
	for (u32 k = 0; k < ng && rc == -ENOSPC && fs->free_inodes; k++) {
		u32 g = (g0 + k) % ng;
		struct ext2_group *gd = &fs->groups[g];
		struct mblock mb;
		if (!gd->free_inodes)
			continue;
		if ((rc = mb_read(fs, gd->inode_bitmap, &mb)))
			break;
		u32 start = g == 0 ? fs->s.first_ino - 1 : 0;	/* reserved inodes */
		long bit = find_zero(mb.data, ipg, start);
		if (bit < 0) {
			mb_put(&mb);
			rc = ext2_corrupt(fs, "group (free inode count but a full bitmap)", g,
					  -EUCLEAN, EXT2_WHY_GD_COUNTS);
			break;
		}
		mb.data[bit >> 3] |= (u8)(1u << (bit & 7));
		mb_dirty(fs, &mb);
		mb_put(&mb);
		gd->free_inodes--;
		fs->free_inodes--;
		if (is_dir)
			gd->used_dirs++;
		ext2_write_group(fs, g);
		*out = g * ipg + (u32)bit + 1;
		rc = 0;
	}
	mutex_unlock(&fs->alloc);
	return rc;
}

void ext2_free_inode(struct ext2_fs *fs, u32 ino, bool is_dir)
{
	u32 ipg = fs->s.inodes_per_group;
	u32 g = (ino - 1) / ipg, bit = (ino - 1) % ipg;
	struct mblock mb;

	if (ino < fs->s.first_ino || ino > fs->s.inodes_count)
		return;
	mutex_lock(&fs->alloc);
	if (!mb_read(fs, fs->groups[g].inode_bitmap, &mb)) {
		if (mb.data[bit >> 3] & (1u << (bit & 7))) {
			mb.data[bit >> 3] &= (u8)~(1u << (bit & 7));
			mb_dirty(fs, &mb);
			fs->groups[g].free_inodes++;
			fs->free_inodes++;
			if (is_dir && fs->groups[g].used_dirs)
				fs->groups[g].used_dirs--;
			ext2_write_group(fs, g);
		} else {
			ext2_corrupt(fs, "inode freed twice", ino, -EUCLEAN, EXT2_WHY_DIRENT_INODE);
		}
		mb_put(&mb);
	}
	mutex_unlock(&fs->alloc);
}
