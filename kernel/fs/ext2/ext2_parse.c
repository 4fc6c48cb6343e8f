// SPDX-License-Identifier: GPL-2.0
/*
 * The C fallback of the ext2 on-disk parser. The contract, the checks
 * (S1..S16, G1..G5, I1..I6, D1..D6, B1..B2, E1..E3, C1..C2) and the
 * output fields are specified in ffi/ext2.h; the Rust component
 * implements the same contract and must agree bit for bit, so this file
 * follows that comment literally, check by check and in its order, and
 * adds no policy of its own.
 *
 * The bytes come from a disk anyone may have written: every field is read
 * little-endian one byte at a time (buffers may be unaligned), every
 * derived quantity is computed in 64 bits (nothing here can exceed 2^50),
 * and results are assembled in a local and copied out only once every
 * check has passed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <alloy/errno.h>
#include <alloy/string.h>
#include <ffi/ext2.h>

/* Superblock field offsets. */
#define SB_INODES_COUNT		0
#define SB_BLOCKS_COUNT		4
#define SB_R_BLOCKS_COUNT	8
#define SB_FREE_BLOCKS		12
#define SB_FREE_INODES		16
#define SB_FIRST_DATA_BLOCK	20
#define SB_LOG_BLOCK_SIZE	24
#define SB_LOG_FRAG_SIZE	28
#define SB_BLOCKS_PER_GROUP	32
#define SB_INODES_PER_GROUP	40
#define SB_MAGIC		56
#define SB_STATE		58
#define SB_ERRORS		60
#define SB_REV_LEVEL		76
#define SB_FIRST_INO		84
#define SB_INODE_SIZE		88
#define SB_FEATURE_COMPAT	92
#define SB_FEATURE_INCOMPAT	96
#define SB_FEATURE_RO_COMPAT	100
#define SB_RESERVED_GDT		206

/* Group descriptor field offsets. */
#define GD_BLOCK_BITMAP		0
#define GD_INODE_BITMAP		4
#define GD_INODE_TABLE		8
#define GD_FREE_BLOCKS		12
#define GD_FREE_INODES		14
#define GD_USED_DIRS		16

/* Inode field offsets. */
#define I_MODE			0
#define I_UID			2
#define I_SIZE			4
#define I_ATIME			8
#define I_CTIME			12
#define I_MTIME			16
#define I_DTIME			20
#define I_GID			24
#define I_LINKS			26
#define I_BLOCKS		28
#define I_FLAGS			32
#define I_BLOCK			40
#define I_GENERATION		100
#define I_FILE_ACL		104
#define I_SIZE_HIGH		108
#define I_UID_HIGH		120
#define I_GID_HIGH		122

#define S_IFMT			0xF000
#define S_IFIFO			0x1000
#define S_IFCHR			0x2000
#define S_IFDIR			0x4000
#define S_IFBLK			0x6000
#define S_IFREG			0x8000
#define S_IFLNK			0xA000
#define S_IFSOCK		0xC000

#define SYMLINK_MAX		4095
#define MAX_FILE_SIZE_CAP	((1ULL << 41) - 1)

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int fail(uint32_t *why, uint32_t code, int err)
{
	if (why)
		*why = code;
	return err;
}

static uint64_t div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

uint32_t c_ext2_abi_version(void)
{
	return EXT2_ABI_VERSION;
}

int c_ext2_parse_super(const uint8_t *raw, size_t len, uint64_t dev_bytes,
		       struct ext2_super *out, uint32_t *why)
{
	struct ext2_super s;
	uint32_t log, bs, p, fdb;
	uint64_t groups, gdt_blocks, itb;

	/* S1 */
	if (!raw || !out || len < EXT2_SUPER_SIZE)
		return fail(why, EXT2_WHY_ARG, -EINVAL);
	/* S2 */
	if (get16(raw + SB_MAGIC) != EXT2_MAGIC)
		return fail(why, EXT2_WHY_MAGIC, -EINVAL);
	memset(&s, 0, sizeof(s));
	/* S3 */
	s.rev_level = get32(raw + SB_REV_LEVEL);
	if (s.rev_level > 1)
		return fail(why, EXT2_WHY_REV, -EOPNOTSUPP);
	/* S4 */
	log = get32(raw + SB_LOG_BLOCK_SIZE);
	if (log > 2)
		return fail(why, EXT2_WHY_BLOCK_SIZE, -EOPNOTSUPP);
	bs = 1024U << log;
	p = bs / 4;
	/* S5: rev 0 has no feature words */
	if (s.rev_level == 1) {
		s.feature_compat = get32(raw + SB_FEATURE_COMPAT);
		s.feature_incompat = get32(raw + SB_FEATURE_INCOMPAT);
		s.feature_ro_compat = get32(raw + SB_FEATURE_RO_COMPAT);
	}
	if (s.feature_incompat & ~(uint32_t)EXT2_INCOMPAT_FILETYPE)
		return fail(why, EXT2_WHY_INCOMPAT, -EOPNOTSUPP);
	/* S6 */
	if (get32(raw + SB_LOG_FRAG_SIZE) != log)
		return fail(why, EXT2_WHY_FRAG, -EUCLEAN);
	/* S7 */
	s.blocks_per_group = get32(raw + SB_BLOCKS_PER_GROUP);
	if (!s.blocks_per_group || s.blocks_per_group > 8ULL * bs ||
	    s.blocks_per_group % 8)
		return fail(why, EXT2_WHY_BLOCKS_PER_GROUP, -EUCLEAN);
	/* S8 */
	s.inodes_per_group = get32(raw + SB_INODES_PER_GROUP);
	if (!s.inodes_per_group || s.inodes_per_group > 8ULL * bs ||
	    s.inodes_per_group % 8)
		return fail(why, EXT2_WHY_INODES_PER_GROUP, -EUCLEAN);
	/* S9 */
	if (s.rev_level == 0) {
		s.inode_size = EXT2_GOOD_OLD_INODE_SIZE;
	} else {
		s.inode_size = get16(raw + SB_INODE_SIZE);
		if (!is_pow2(s.inode_size) || s.inode_size < EXT2_GOOD_OLD_INODE_SIZE ||
		    s.inode_size > bs)
			return fail(why, EXT2_WHY_INODE_SIZE_SB, -EUCLEAN);
	}
	/* S10 */
	fdb = get32(raw + SB_FIRST_DATA_BLOCK);
	if (fdb != (bs == 1024 ? 1U : 0U))
		return fail(why, EXT2_WHY_FIRST_DATA, -EUCLEAN);
	/* S11 */
	s.blocks_count = get32(raw + SB_BLOCKS_COUNT);
	if (s.blocks_count <= fdb || (uint64_t)s.blocks_count * bs > dev_bytes)
		return fail(why, EXT2_WHY_BLOCKS_COUNT, -EUCLEAN);
	/* S12 */
	groups = div_ceil(s.blocks_count - fdb, s.blocks_per_group);
	s.inodes_count = get32(raw + SB_INODES_COUNT);
	if (s.inodes_count != groups * s.inodes_per_group)
		return fail(why, EXT2_WHY_INODES_COUNT, -EUCLEAN);
	/* S13 */
	if (s.rev_level == 0) {
		s.first_ino = EXT2_GOOD_OLD_FIRST_INO;
	} else {
		s.first_ino = get32(raw + SB_FIRST_INO);
		if (s.first_ino < EXT2_GOOD_OLD_FIRST_INO || s.first_ino > s.inodes_count)
			return fail(why, EXT2_WHY_FIRST_INO, -EUCLEAN);
	}
	/* S14 */
	if (s.feature_compat & EXT2_COMPAT_RESIZE_INODE)
		s.reserved_gdt = get16(raw + SB_RESERVED_GDT);
	gdt_blocks = div_ceil(groups * EXT2_GROUP_DESC_SIZE, bs);
	if (s.reserved_gdt > p ||
	    1 + gdt_blocks + s.reserved_gdt > s.blocks_per_group ||
	    fdb + 1 + gdt_blocks + s.reserved_gdt > s.blocks_count)
		return fail(why, EXT2_WHY_GDT, -EUCLEAN);
	/* S15 */
	itb = div_ceil((uint64_t)s.inodes_per_group * s.inode_size, bs);
	if (itb + 2 > s.blocks_per_group)
		return fail(why, EXT2_WHY_INODE_TABLE, -EUCLEAN);
	/* S16 */
	s.r_blocks_count = get32(raw + SB_R_BLOCKS_COUNT);
	s.free_blocks_count = get32(raw + SB_FREE_BLOCKS);
	s.free_inodes_count = get32(raw + SB_FREE_INODES);
	if (s.r_blocks_count > s.blocks_count || s.free_blocks_count > s.blocks_count ||
	    s.free_inodes_count > s.inodes_count)
		return fail(why, EXT2_WHY_COUNTS, -EUCLEAN);

	s.block_size = bs;
	s.log_block_size = 10 + log;
	s.first_data_block = fdb;
	s.groups = (uint32_t)groups;		/* <= 2^32 / 8 */
	s.gdt_blocks = (uint32_t)gdt_blocks;
	s.inode_table_blocks = (uint32_t)itb;
	s.read_only = (s.feature_ro_compat & ~(uint32_t)EXT2_RO_COMPAT_KNOWN) ? 1 : 0;
	s.state = get16(raw + SB_STATE);
	s.errors = get16(raw + SB_ERRORS);
	{
		uint64_t pp = p, blocks = 12 + pp + pp * pp + pp * pp * pp;
		uint64_t max = blocks * bs;	/* < 2^43 */

		s.max_file_size = max < MAX_FILE_SIZE_CAP ? max : MAX_FILE_SIZE_CAP;
	}
	*out = s;
	return 0;
}

/* Has group `group` a superblock and descriptor copy? */
static bool group_has_super(const struct ext2_super *sb, uint32_t group)
{
	static const uint32_t bases[] = { 3, 5, 7 };

	if (group <= 1 || !(sb->feature_ro_compat & EXT2_RO_COMPAT_SPARSE_SUPER))
		return true;
	for (unsigned i = 0; i < 3; i++) {
		uint64_t v = bases[i];

		while (v < group)
			v *= bases[i];
		if (v == group)
			return true;
	}
	return false;
}

int c_ext2_parse_group(const uint8_t *raw, size_t len, const struct ext2_super *sb,
		       uint32_t group, struct ext2_group *out, uint32_t *why)
{
	struct ext2_group g;
	uint64_t first, end, last, meta_end, bb, ib, it, itb;

	/* G1 */
	if (!raw || !sb || !out || len < EXT2_GROUP_DESC_SIZE || group >= sb->groups)
		return fail(why, EXT2_WHY_ARG, -EINVAL);
	first = sb->first_data_block + (uint64_t)group * sb->blocks_per_group;
	end = first + sb->blocks_per_group;
	if (end > sb->blocks_count)
		end = sb->blocks_count;
	last = end - 1;			/* group < groups: first < blocks_count */
	memset(&g, 0, sizeof(g));
	g.has_super = group_has_super(sb, group);
	meta_end = g.has_super ? first + 1 + sb->gdt_blocks + sb->reserved_gdt : first;
	bb = get32(raw + GD_BLOCK_BITMAP);
	ib = get32(raw + GD_INODE_BITMAP);
	it = get32(raw + GD_INODE_TABLE);
	itb = sb->inode_table_blocks;
	/* G2 */
	if (bb < meta_end || bb > last)
		return fail(why, EXT2_WHY_GD_BLOCK_BITMAP, -EUCLEAN);
	/* G3 */
	if (ib < meta_end || ib > last || ib == bb)
		return fail(why, EXT2_WHY_GD_INODE_BITMAP, -EUCLEAN);
	/* G4 */
	if (it < meta_end || it + itb > last + 1 || (bb >= it && bb < it + itb) ||
	    (ib >= it && ib < it + itb))
		return fail(why, EXT2_WHY_GD_INODE_TABLE, -EUCLEAN);
	/* G5 */
	g.free_blocks = get16(raw + GD_FREE_BLOCKS);
	g.free_inodes = get16(raw + GD_FREE_INODES);
	g.used_dirs = get16(raw + GD_USED_DIRS);
	if (g.free_blocks > last - first + 1 || g.free_inodes > sb->inodes_per_group ||
	    g.used_dirs > sb->inodes_per_group)
		return fail(why, EXT2_WHY_GD_COUNTS, -EUCLEAN);

	g.block_bitmap = (uint32_t)bb;
	g.inode_bitmap = (uint32_t)ib;
	g.inode_table = (uint32_t)it;
	g.first_block = (uint32_t)first;
	g.last_block = (uint32_t)last;
	g.meta_end = (uint32_t)meta_end;	/* <= bb <= last */
	*out = g;
	return 0;
}

static bool block_in_fs(const struct ext2_super *sb, uint32_t b)
{
	return b >= sb->first_data_block && b < sb->blocks_count;
}

int c_ext2_parse_inode(const uint8_t *raw, size_t len, const struct ext2_super *sb,
		       uint32_t ino, struct ext2_inode *out, uint32_t *why)
{
	struct ext2_inode in;
	uint32_t type, bs;
	bool uses_blocks;

	/* I1 */
	if (!raw || !sb || !out || len < sb->inode_size || ino == 0 ||
	    ino > sb->inodes_count)
		return fail(why, EXT2_WHY_ARG, -EINVAL);
	bs = sb->block_size;
	memset(&in, 0, sizeof(in));
	/* I2 */
	in.mode = get16(raw + I_MODE);
	type = in.mode & S_IFMT;
	switch (type) {
	case S_IFIFO: case S_IFCHR: case S_IFDIR: case S_IFBLK:
	case S_IFREG: case S_IFLNK: case S_IFSOCK:
		break;
	default:
		return fail(why, EXT2_WHY_INODE_MODE, -EUCLEAN);
	}
	/* I3 */
	in.size = get32(raw + I_SIZE);
	if (type == S_IFREG)
		in.size |= (uint64_t)get32(raw + I_SIZE_HIGH) << 32;
	if ((type == S_IFREG && in.size > sb->max_file_size) ||
	    (type == S_IFDIR && (in.size == 0 || in.size % bs)) ||
	    (type == S_IFLNK && (in.size == 0 || in.size > SYMLINK_MAX)))
		return fail(why, EXT2_WHY_INODE_SIZE, -EUCLEAN);
	/* I4 */
	in.file_acl = get32(raw + I_FILE_ACL);
	if (in.file_acl && !block_in_fs(sb, in.file_acl))
		return fail(why, EXT2_WHY_INODE_ACL, -EUCLEAN);
	/* I5 */
	in.blocks512 = get32(raw + I_BLOCKS);
	if (type == S_IFLNK) {
		in.fast_symlink = in.blocks512 == (in.file_acl ? bs / 512 : 0);
		if (in.fast_symlink && in.size > EXT2_FAST_SYMLINK_MAX)
			return fail(why, EXT2_WHY_SYMLINK, -EUCLEAN);
	}
	/* I6 */
	for (unsigned i = 0; i < EXT2_N_BLOCKS; i++)
		in.block[i] = get32(raw + I_BLOCK + 4 * i);
	uses_blocks = type == S_IFREG || type == S_IFDIR ||
		      (type == S_IFLNK && !in.fast_symlink);
	if (uses_blocks)
		for (unsigned i = 0; i < EXT2_N_BLOCKS; i++)
			if (in.block[i] && !block_in_fs(sb, in.block[i]))
				return fail(why, EXT2_WHY_INODE_BLOCK, -EUCLEAN);

	if (type == S_IFCHR || type == S_IFBLK) {
		uint32_t b0 = in.block[0], b1 = in.block[1];

		if (b0) {
			in.rdev_major = (b0 >> 8) & 0xff;
			in.rdev_minor = b0 & 0xff;
		} else {
			in.rdev_major = (b1 >> 8) & 0xfff;
			in.rdev_minor = (b1 & 0xff) | ((b1 >> 12) & 0xfff00);
		}
	}
	in.uid = get16(raw + I_UID) | (uint32_t)get16(raw + I_UID_HIGH) << 16;
	in.gid = get16(raw + I_GID) | (uint32_t)get16(raw + I_GID_HIGH) << 16;
	in.links = get16(raw + I_LINKS);
	in.flags = get32(raw + I_FLAGS);
	in.atime = get32(raw + I_ATIME);
	in.ctime = get32(raw + I_CTIME);
	in.mtime = get32(raw + I_MTIME);
	in.dtime = get32(raw + I_DTIME);
	in.generation = get32(raw + I_GENERATION);
	*out = in;
	return 0;
}

int c_ext2_parse_dirent(const uint8_t *blk, size_t len, uint32_t off,
			const struct ext2_super *sb, struct ext2_dirent *out,
			uint32_t *why)
{
	struct ext2_dirent d;
	const uint8_t *e;
	bool filetype;

	/* D1 */
	if (!blk || !sb || !out || len != sb->block_size || off >= len || off % 4)
		return fail(why, EXT2_WHY_ARG, -EINVAL);
	/* D2 */
	if (len - off < 12)
		return fail(why, EXT2_WHY_DIRENT_SHORT, -EUCLEAN);
	e = blk + off;
	filetype = sb->feature_incompat & EXT2_INCOMPAT_FILETYPE;
	d.inode = get32(e);
	d.rec_len = get16(e + 4);
	d.name_len = filetype ? e[6] : get16(e + 6);
	d.file_type = filetype ? e[7] : 0;
	d.name_off = off + 8;
	/* D3 */
	if (d.rec_len < 12 || d.rec_len % 4 || (uint64_t)off + d.rec_len > len)
		return fail(why, EXT2_WHY_DIRENT_REC_LEN, -EUCLEAN);
	/* D4 */
	if (d.name_len > EXT2_NAME_MAX || 8 + d.name_len > d.rec_len)
		return fail(why, EXT2_WHY_DIRENT_NAME_LEN, -EUCLEAN);
	/* D5 */
	if (d.inode > sb->inodes_count ||
	    (d.inode && d.inode < sb->first_ino && d.inode != EXT2_ROOT_INO))
		return fail(why, EXT2_WHY_DIRENT_INODE, -EUCLEAN);
	/* D6 */
	if (d.inode) {
		bool bad = d.name_len == 0 || d.file_type > EXT2_FT_SYMLINK;

		for (uint32_t i = 0; i < d.name_len && !bad; i++)
			bad = e[8 + i] == 0 || e[8 + i] == '/';
		if (bad)
			return fail(why, EXT2_WHY_DIRENT_NAME, -EUCLEAN);
	}
	*out = d;
	return 0;
}

int c_ext2_bmap_path(const struct ext2_super *sb, uint64_t file_block,
		     struct ext2_bmap_path *out, uint32_t *why)
{
	struct ext2_bmap_path b;
	uint64_t n = file_block, p;

	/* B1 */
	if (!sb || !out)
		return fail(why, EXT2_WHY_ARG, -EINVAL);
	p = sb->block_size / 4;
	memset(&b, 0, sizeof(b));
	if (n < EXT2_NDIR_BLOCKS) {
		b.depth = 0;
		b.index[0] = (uint32_t)n;
	} else if ((n -= EXT2_NDIR_BLOCKS) < p) {
		b.depth = 1;
		b.index[0] = 12;
		b.index[1] = (uint32_t)n;
	} else if ((n -= p) < p * p) {
		b.depth = 2;
		b.index[0] = 13;
		b.index[1] = (uint32_t)(n / p);
		b.index[2] = (uint32_t)(n % p);
	} else if ((n -= p * p) < p * p * p) {
		b.depth = 3;
		b.index[0] = 14;
		b.index[1] = (uint32_t)(n / (p * p));
		b.index[2] = (uint32_t)((n / p) % p);
		b.index[3] = (uint32_t)(n % p);
	} else {
		/* B2 */
		return fail(why, EXT2_WHY_BMAP_RANGE, -EFBIG);
	}
	*out = b;
	return 0;
}

int c_ext2_bmap_entry(const uint8_t *blk, size_t len, uint32_t index,
		      const struct ext2_super *sb, uint32_t self, uint32_t *out,
		      uint32_t *why)
{
	uint32_t e;

	/* E1 */
	if (!blk || !sb || !out || len != sb->block_size || index >= sb->block_size / 4)
		return fail(why, EXT2_WHY_ARG, -EINVAL);
	e = get32(blk + 4 * (size_t)index);
	/* E2 */
	if (e && !block_in_fs(sb, e))
		return fail(why, EXT2_WHY_BMAP_BLOCK, -EUCLEAN);
	/* E3 (literally: also when self and the entry are both 0) */
	if (e == self)
		return fail(why, EXT2_WHY_BMAP_SELF, -EUCLEAN);
	*out = e;
	return 0;
}

int c_ext2_check_data_block(const struct ext2_super *sb, const struct ext2_group *g,
			    uint32_t group, uint32_t block, uint32_t *why)
{
	/* C1 */
	if (!sb || !g || group >= sb->groups || block < g->first_block ||
	    block > g->last_block)
		return fail(why, EXT2_WHY_ARG, -EINVAL);
	/* C2 */
	if (block < g->meta_end || block == g->block_bitmap || block == g->inode_bitmap ||
	    (block >= g->inode_table &&
	     (uint64_t)block < (uint64_t)g->inode_table + sb->inode_table_blocks))
		return fail(why, EXT2_WHY_BLOCK_METADATA, -EUCLEAN);
	return 0;
}

int c_ext2_parse_xattr_entry(const uint8_t *blk, size_t len, uint32_t off,
			     const struct ext2_super *sb, struct ext2_xattr_entry *out,
			     uint32_t *why)
{
	struct ext2_xattr_entry x;
	const uint8_t *e;
	uint64_t size;

	/* A1 */
	if (!blk || !sb || !out || len != sb->block_size || off < EXT2_XATTR_HEADER_SIZE ||
	    off >= len || off % 4)
		return fail(why, EXT2_WHY_ARG, -EINVAL);
	/* A2 */
	if ((uint64_t)off + 4 > len)
		return fail(why, EXT2_WHY_XATTR_ENTRY, -EUCLEAN);
	e = blk + off;
	memset(&x, 0, sizeof(x));
	if (get32(e) == 0) {
		x.next = off + 4;
		*out = x;
		return 0;
	}
	x.name_len = e[0];
	x.name_index = e[1];
	size = (EXT2_XATTR_ENTRY_SIZE + x.name_len + 3) & ~3U;
	/* A3 */
	if (x.name_len == 0 || (uint64_t)off + size + 4 > len)
		return fail(why, EXT2_WHY_XATTR_ENTRY, -EUCLEAN);
	x.value_offs = get16(e + 2);
	x.value_size = get32(e + 8);
	/* A4 */
	if (get32(e + 4) != 0 ||
	    (x.value_size && (x.value_offs % 4 ||
			      (uint64_t)x.value_offs + x.value_size > len)))
		return fail(why, EXT2_WHY_XATTR_VALUE, -EUCLEAN);
	x.name_off = off + EXT2_XATTR_ENTRY_SIZE;
	x.hash = get32(e + 12);
	x.next = off + (uint32_t)size;
	*out = x;
	return 0;
}

int c_ext2_parse_xattr_block(const uint8_t *blk, size_t len, const struct ext2_super *sb,
			     struct ext2_xattr_header *out, uint32_t *why)
{
	struct ext2_xattr_header h;
	struct ext2_xattr_entry x;
	uint32_t off = EXT2_XATTR_HEADER_SIZE;
	int rc;

	/* H1 */
	if (!blk || !sb || !out || len != sb->block_size)
		return fail(why, EXT2_WHY_ARG, -EINVAL);
	/* H2 */
	if (get32(blk) != EXT2_XATTR_MAGIC)
		return fail(why, EXT2_WHY_XATTR_MAGIC, -EUCLEAN);
	/* H3 */
	if (get32(blk + 8) != 1)
		return fail(why, EXT2_WHY_XATTR_HEADER, -EUCLEAN);
	h.refcount = get32(blk + 4);
	h.hash = get32(blk + 12);
	h.count = 0;
	/* H4: each entry leaves room for an end mark, so off stays < len */
	for (;;) {
		if ((rc = c_ext2_parse_xattr_entry(blk, len, off, sb, &x, why)))
			return rc;
		off = x.next;
		if (!x.name_len)
			break;
		h.count++;
	}
	h.end = off;
	/* H5 */
	for (off = EXT2_XATTR_HEADER_SIZE; off < h.end - 4; off = x.next) {
		c_ext2_parse_xattr_entry(blk, len, off, sb, &x, why);
		if (x.value_size && x.value_offs < h.end)
			return fail(why, EXT2_WHY_XATTR_VALUE, -EUCLEAN);
	}
	*out = h;
	return 0;
}
