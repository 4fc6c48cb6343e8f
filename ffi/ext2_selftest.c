/*
 * Boot self-test of an ext2 parser implementation: a small valid
 * filesystem's metadata (superblock, a group descriptor, inodes, a
 * directory block, an indirect block) built in memory, and broken
 * variants of each, parsed by the candidate and by the C fallback. Return
 * codes, `why` codes and whole output structs must be identical, and each
 * result must be the one the contract (ffi/ext2.h) prescribes: the valid
 * inputs decode to what was built, each broken one fails with its check.
 *
 * The filesystem: 1 KiB blocks, 4097 blocks in 4 groups of 1024, 256
 * inodes of 128 bytes per group (32 inode-table blocks), sparse_super,
 * 3 reserved GDT blocks. Group 1 (a backup group) has its superblock at
 * 1025, descriptors at 1026, reserved GDT 1027..1029, bitmaps at 1030
 * and 1031, its inode table at 1032..1063.
 */
#include <alloy/errno.h>
#include <alloy/string.h>
#include <ffi/ffi.h>

#define BS 1024
#define DEV_BYTES (4097ULL * BS)
#define WHY_INIT 0x5a5a5a5aU

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }

static void build_super(uint8_t *sb)
{
	memset(sb, 0, EXT2_SUPER_SIZE);
	put32(sb + 0, 1024);		/* inodes_count */
	put32(sb + 4, 4097);		/* blocks_count */
	put32(sb + 8, 200);		/* r_blocks_count */
	put32(sb + 12, 3000);		/* free_blocks_count */
	put32(sb + 16, 1000);		/* free_inodes_count */
	put32(sb + 20, 1);		/* first_data_block */
	put32(sb + 32, 1024);		/* blocks_per_group */
	put32(sb + 36, 1024);		/* frags_per_group */
	put32(sb + 40, 256);		/* inodes_per_group */
	put16(sb + 56, EXT2_MAGIC);
	put16(sb + 58, 1);		/* state */
	put16(sb + 60, 1);		/* errors */
	put32(sb + 76, 1);		/* rev_level */
	put32(sb + 84, 11);		/* first_ino */
	put16(sb + 88, 128);		/* inode_size */
	put32(sb + 92, EXT2_COMPAT_RESIZE_INODE | EXT2_COMPAT_EXT_ATTR);
	put32(sb + 96, EXT2_INCOMPAT_FILETYPE);
	put32(sb + 100, EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE);
	put16(sb + 206, 3);		/* reserved GDT blocks */
}

static void build_group(uint8_t *gd)
{
	memset(gd, 0, EXT2_GROUP_DESC_SIZE);
	put32(gd + 0, 1030);
	put32(gd + 4, 1031);
	put32(gd + 8, 1032);
	put16(gd + 12, 900);
	put16(gd + 14, 250);
	put16(gd + 16, 2);
}

static void build_file(uint8_t *in)
{
	memset(in, 0, 128);
	put16(in + 0, 0x81a4);		/* -rw-r--r-- */
	put16(in + 2, 1000);
	put32(in + 4, 20000);		/* size: 20 blocks */
	put32(in + 16, 1234567);	/* mtime */
	put16(in + 24, 100);
	put16(in + 26, 1);		/* links */
	put32(in + 28, 44);		/* i_blocks: 21 data + 1 indirect */
	for (int i = 0; i < 12; i++)
		put32(in + 40 + 4 * i, 2000 + i);
	put32(in + 40 + 48, 2100);	/* single indirect */
	put32(in + 100, 77);		/* generation */
	put16(in + 120, 1);		/* uid high */
}

static void build_dir(uint8_t *b)
{
	memset(b, 0, BS);
	put32(b + 0, 2);		/* "." */
	put16(b + 4, 12);
	b[6] = 1;
	b[7] = EXT2_FT_DIR;
	b[8] = '.';
	put32(b + 12, 2);		/* ".." */
	put16(b + 16, 12);
	b[18] = 2;
	b[19] = EXT2_FT_DIR;
	memcpy(b + 20, "..", 2);
	put32(b + 24, 12);		/* "hello", to the end of the block */
	put16(b + 28, BS - 24);
	b[30] = 5;
	b[31] = EXT2_FT_REG;
	memcpy(b + 32, "hello", 5);
}

struct pair {
	const struct ext2_impl *a, *b;	/* candidate, C */
	bool ok;
	uint32_t why;			/* the candidate's last why */
};

/* Run the same call through both; require equal results; return a's. */
#define BOTH(pr, type, outp, call_a, call_b)				\
	({								\
		type oa_, ob_;						\
		uint32_t wa_ = WHY_INIT, wb_ = WHY_INIT;		\
		memset(&oa_, 0xa5, sizeof(oa_));			\
		memset(&ob_, 0xa5, sizeof(ob_));			\
		int ra_ = (call_a), rb_ = (call_b);			\
		if (ra_ != rb_ || wa_ != wb_ || memcmp(&oa_, &ob_, sizeof(oa_))) \
			(pr)->ok = false;				\
		*(outp) = oa_;						\
		(pr)->why = wa_;						\
		ra_;							\
	})

static void expect(struct pair *pr, int rc, int want_rc, uint32_t want_why)
{
	if (rc != want_rc || pr->why != (want_rc ? want_why : WHY_INIT))
		pr->ok = false;
}

static int super(struct pair *pr, const uint8_t *raw, uint64_t dev, struct ext2_super *o)
{
	return BOTH(pr, struct ext2_super, o,
		    pr->a->parse_super(raw, EXT2_SUPER_SIZE, dev, &oa_, &wa_),
		    pr->b->parse_super(raw, EXT2_SUPER_SIZE, dev, &ob_, &wb_));
}

static int group(struct pair *pr, const uint8_t *raw, const struct ext2_super *sb,
		 uint32_t g, struct ext2_group *o)
{
	return BOTH(pr, struct ext2_group, o,
		    pr->a->parse_group(raw, EXT2_GROUP_DESC_SIZE, sb, g, &oa_, &wa_),
		    pr->b->parse_group(raw, EXT2_GROUP_DESC_SIZE, sb, g, &ob_, &wb_));
}

static int inode(struct pair *pr, const uint8_t *raw, const struct ext2_super *sb,
		 uint32_t ino, struct ext2_inode *o)
{
	return BOTH(pr, struct ext2_inode, o,
		    pr->a->parse_inode(raw, 128, sb, ino, &oa_, &wa_),
		    pr->b->parse_inode(raw, 128, sb, ino, &ob_, &wb_));
}

static int dirent(struct pair *pr, const uint8_t *blk, uint32_t off,
		  const struct ext2_super *sb, struct ext2_dirent *o)
{
	return BOTH(pr, struct ext2_dirent, o,
		    pr->a->parse_dirent(blk, BS, off, sb, &oa_, &wa_),
		    pr->b->parse_dirent(blk, BS, off, sb, &ob_, &wb_));
}

static int path(struct pair *pr, const struct ext2_super *sb, uint64_t n,
		struct ext2_bmap_path *o)
{
	return BOTH(pr, struct ext2_bmap_path, o, pr->a->bmap_path(sb, n, &oa_, &wa_),
		    pr->b->bmap_path(sb, n, &ob_, &wb_));
}

static int entry(struct pair *pr, const uint8_t *blk, uint32_t index,
		 const struct ext2_super *sb, uint32_t self, uint32_t *o)
{
	return BOTH(pr, uint32_t, o, pr->a->bmap_entry(blk, BS, index, sb, self, &oa_, &wa_),
		    pr->b->bmap_entry(blk, BS, index, sb, self, &ob_, &wb_));
}

static int data(struct pair *pr, const struct ext2_super *sb, const struct ext2_group *g,
		uint32_t grp, uint32_t block)
{
	int dummy;

	return BOTH(pr, int, &dummy,
		    (oa_ = 0, pr->a->check_data_block(sb, g, grp, block, &wa_)),
		    (ob_ = 0, pr->b->check_data_block(sb, g, grp, block, &wb_)));
}

static void test_super(struct pair *pr, uint8_t *raw, struct ext2_super *sb)
{
	struct ext2_super s;

	build_super(raw);
	expect(pr, super(pr, raw, DEV_BYTES, sb), 0, 0);
	if (sb->block_size != 1024 || sb->log_block_size != 10 || sb->groups != 4 ||
	    sb->gdt_blocks != 1 || sb->reserved_gdt != 3 || sb->inode_table_blocks != 32 ||
	    sb->inodes_count != 1024 || sb->first_ino != 11 || sb->read_only ||
	    sb->max_file_size != (12ULL + 256 + 65536 + 16777216) * 1024)
		pr->ok = false;

	put16(raw + 56, 0xEF54);			/* S2 */
	expect(pr, super(pr, raw, DEV_BYTES, &s), -EINVAL, EXT2_WHY_MAGIC);
	build_super(raw);
	put32(raw + 96, EXT2_INCOMPAT_FILETYPE | 0x40);	/* S5: extents */
	expect(pr, super(pr, raw, DEV_BYTES, &s), -EOPNOTSUPP, EXT2_WHY_INCOMPAT);
	build_super(raw);				/* S11: device too small */
	expect(pr, super(pr, raw, DEV_BYTES - 1, &s), -EUCLEAN, EXT2_WHY_BLOCKS_COUNT);
	build_super(raw);
	put32(raw + 0, 1032);				/* S12 */
	expect(pr, super(pr, raw, DEV_BYTES, &s), -EUCLEAN, EXT2_WHY_INODES_COUNT);
	build_super(raw);
	put16(raw + 206, 257);				/* S14: > p */
	expect(pr, super(pr, raw, DEV_BYTES, &s), -EUCLEAN, EXT2_WHY_GDT);
	build_super(raw);
	put32(raw + 100, EXT2_RO_COMPAT_SPARSE_SUPER | 0x100);	/* read-only */
	expect(pr, super(pr, raw, DEV_BYTES, &s), 0, 0);
	if (!s.read_only)
		pr->ok = false;
	build_super(raw);
}

static void test_group(struct pair *pr, const struct ext2_super *sb, struct ext2_group *g)
{
	uint8_t gd[EXT2_GROUP_DESC_SIZE];
	struct ext2_group o;

	build_group(gd);
	expect(pr, group(pr, gd, sb, 1, g), 0, 0);
	if (g->first_block != 1025 || g->last_block != 2048 || g->meta_end != 1030 ||
	    !g->has_super || g->inode_table != 1032 || g->free_blocks != 900)
		pr->ok = false;
	/* group 2 has no superblock copy: the same blocks are outside it */
	expect(pr, group(pr, gd, sb, 2, &o), -EUCLEAN, EXT2_WHY_GD_BLOCK_BITMAP);
	put32(gd + 8, 1031);				/* G4: over the inode bitmap */
	expect(pr, group(pr, gd, sb, 1, &o), -EUCLEAN, EXT2_WHY_GD_INODE_TABLE);
	build_group(gd);
	put32(gd + 0, 1029);				/* G2: in the reserved GDT */
	expect(pr, group(pr, gd, sb, 1, &o), -EUCLEAN, EXT2_WHY_GD_BLOCK_BITMAP);
	build_group(gd);
	expect(pr, group(pr, gd, sb, 4, &o), -EINVAL, EXT2_WHY_ARG);	/* G1 */
}

static void test_inode(struct pair *pr, const struct ext2_super *sb)
{
	uint8_t raw[128];
	struct ext2_inode in;

	build_file(raw);
	expect(pr, inode(pr, raw, sb, 12, &in), 0, 0);
	if (in.mode != 0x81a4 || in.size != 20000 || in.uid != 0x103e8 || in.gid != 100 ||
	    in.block[12] != 2100 || in.block[11] != 2011 || in.blocks512 != 44 ||
	    in.generation != 77 || in.mtime != 1234567 || in.fast_symlink)
		pr->ok = false;
	put32(raw + 40 + 52, 4097);			/* I6: past the end */
	expect(pr, inode(pr, raw, sb, 12, &in), -EUCLEAN, EXT2_WHY_INODE_BLOCK);
	build_file(raw);
	put32(raw + 108, 1);				/* size_high: 4 GiB, fine */
	expect(pr, inode(pr, raw, sb, 12, &in), 0, 0);
	if (in.size != 0x100000000ULL + 20000)
		pr->ok = false;
	put16(raw, 0xF1a4);				/* I2 */
	expect(pr, inode(pr, raw, sb, 12, &in), -EUCLEAN, EXT2_WHY_INODE_MODE);
	expect(pr, inode(pr, raw, sb, 1025, &in), -EINVAL, EXT2_WHY_ARG);	/* I1 */

	memset(raw, 0, sizeof(raw));			/* a fast symlink */
	put16(raw, 0xA1ff);
	put32(raw + 4, 59);
	memset(raw + 40, 'x', 59);
	expect(pr, inode(pr, raw, sb, 13, &in), 0, 0);
	if (!in.fast_symlink || in.size != 59)
		pr->ok = false;
	put32(raw + 4, 60);				/* I5 */
	expect(pr, inode(pr, raw, sb, 13, &in), -EUCLEAN, EXT2_WHY_SYMLINK);

	memset(raw, 0, sizeof(raw));			/* char device 136:300000 */
	put16(raw, 0x2190);
	put32(raw + 44, (136 << 8) | (300000 & 0xff) | ((300000 & ~0xffU) << 12));
	expect(pr, inode(pr, raw, sb, 14, &in), 0, 0);
	if (in.rdev_major != 136 || in.rdev_minor != 300000)
		pr->ok = false;
}

static void test_dirent(struct pair *pr, const struct ext2_super *sb)
{
	uint8_t blk[BS];
	struct ext2_dirent d;

	build_dir(blk);
	expect(pr, dirent(pr, blk, 24, sb, &d), 0, 0);
	if (d.inode != 12 || d.rec_len != BS - 24 || d.name_len != 5 ||
	    d.file_type != EXT2_FT_REG || d.name_off != 32)
		pr->ok = false;
	put16(blk + 16, 0);				/* D3: a loop */
	expect(pr, dirent(pr, blk, 12, sb, &d), -EUCLEAN, EXT2_WHY_DIRENT_REC_LEN);
	build_dir(blk);
	put16(blk + 28, BS - 20);			/* D3: past the block */
	expect(pr, dirent(pr, blk, 24, sb, &d), -EUCLEAN, EXT2_WHY_DIRENT_REC_LEN);
	build_dir(blk);
	blk[18] = 5;					/* D4: name_len > rec_len - 8 */
	expect(pr, dirent(pr, blk, 12, sb, &d), -EUCLEAN, EXT2_WHY_DIRENT_NAME_LEN);
	build_dir(blk);
	blk[34] = '/';					/* D6 */
	expect(pr, dirent(pr, blk, 24, sb, &d), -EUCLEAN, EXT2_WHY_DIRENT_NAME);
	build_dir(blk);
	put32(blk + 24, 5);				/* D5: reserved inode */
	expect(pr, dirent(pr, blk, 24, sb, &d), -EUCLEAN, EXT2_WHY_DIRENT_INODE);
	build_dir(blk);
	expect(pr, dirent(pr, blk, BS - 8, sb, &d), -EUCLEAN, EXT2_WHY_DIRENT_SHORT);
	expect(pr, dirent(pr, blk, 2, sb, &d), -EINVAL, EXT2_WHY_ARG);
}

static void test_bmap(struct pair *pr, const struct ext2_super *sb)
{
	static const struct {
		uint64_t n;
		uint32_t depth, i0, i1, i2, i3;
	} paths[] = {
		{ 0, 0, 0, 0, 0, 0 },
		{ 11, 0, 11, 0, 0, 0 },
		{ 12, 1, 12, 0, 0, 0 },
		{ 267, 1, 12, 255, 0, 0 },
		{ 268, 2, 13, 0, 0, 0 },
		{ 268 + 65535, 2, 13, 255, 255, 0 },
		{ 268 + 65536, 3, 14, 0, 0, 0 },
		{ 268 + 65536 + 16777215, 3, 14, 255, 255, 255 },
	};
	uint8_t blk[BS];
	struct ext2_bmap_path b;
	uint32_t e;

	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		expect(pr, path(pr, sb, paths[i].n, &b), 0, 0);
		if (b.depth != paths[i].depth || b.index[0] != paths[i].i0 ||
		    b.index[1] != paths[i].i1 || b.index[2] != paths[i].i2 ||
		    b.index[3] != paths[i].i3)
			pr->ok = false;
	}
	expect(pr, path(pr, sb, 268 + 65536 + 16777216, &b), -EFBIG, EXT2_WHY_BMAP_RANGE);

	memset(blk, 0, sizeof(blk));
	put32(blk + 0, 2001);
	put32(blk + 8, 4097);
	put32(blk + 12, 2100);
	expect(pr, entry(pr, blk, 0, sb, 2100, &e), 0, 0);
	if (e != 2001)
		pr->ok = false;
	expect(pr, entry(pr, blk, 1, sb, 2100, &e), 0, 0);	/* a hole */
	if (e != 0)
		pr->ok = false;
	expect(pr, entry(pr, blk, 2, sb, 2100, &e), -EUCLEAN, EXT2_WHY_BMAP_BLOCK);
	expect(pr, entry(pr, blk, 3, sb, 2100, &e), -EUCLEAN, EXT2_WHY_BMAP_SELF);
	expect(pr, entry(pr, blk, 256, sb, 2100, &e), -EINVAL, EXT2_WHY_ARG);
}

static void test_data(struct pair *pr, const struct ext2_super *sb, const struct ext2_group *g)
{
	expect(pr, data(pr, sb, g, 1, 1100), 0, 0);
	expect(pr, data(pr, sb, g, 1, 1064), 0, 0);
	expect(pr, data(pr, sb, g, 1, 1027), -EUCLEAN, EXT2_WHY_BLOCK_METADATA);
	expect(pr, data(pr, sb, g, 1, 1031), -EUCLEAN, EXT2_WHY_BLOCK_METADATA);
	expect(pr, data(pr, sb, g, 1, 1063), -EUCLEAN, EXT2_WHY_BLOCK_METADATA);
	expect(pr, data(pr, sb, g, 1, 2049), -EINVAL, EXT2_WHY_ARG);
}

static int xentry(struct pair *pr, const uint8_t *blk, uint32_t off, const struct ext2_super *sb,
		  struct ext2_xattr_entry *o)
{
	return BOTH(pr, struct ext2_xattr_entry, o,
		    pr->a->parse_xattr_entry(blk, BS, off, sb, &oa_, &wa_),
		    pr->b->parse_xattr_entry(blk, BS, off, sb, &ob_, &wb_));
}

static int xblock(struct pair *pr, const uint8_t *blk, const struct ext2_super *sb,
		  struct ext2_xattr_header *o)
{
	return BOTH(pr, struct ext2_xattr_header, o,
		    pr->a->parse_xattr_block(blk, BS, sb, &oa_, &wa_),
		    pr->b->parse_xattr_block(blk, BS, sb, &ob_, &wb_));
}

/* One block per check: user.ab = "xyz" at 1020, then the end mark. */
static void test_xattr(struct pair *pr, const struct ext2_super *sb)
{
	static uint8_t blk[BS];
	struct ext2_xattr_header h;
	struct ext2_xattr_entry e;

	if (!pr->a->parse_xattr_block || !pr->a->parse_xattr_entry) {
		pr->ok = false;		/* ABI 2 has them */
		return;
	}
	memset(blk, 0, sizeof(blk));
	put32(blk, EXT2_XATTR_MAGIC);
	put32(blk + 4, 2);
	put32(blk + 8, 1);
	blk[32] = 2; blk[33] = 1; blk[34] = 0xfc; blk[35] = 0x03;
	put32(blk + 40, 3);
	memcpy(blk + 48, "ab", 2);
	memcpy(blk + 1020, "xyz", 3);
	expect(pr, xblock(pr, blk, sb, &h), 0, 0);
	expect(pr, xentry(pr, blk, 32, sb, &e), 0, 0);
	expect(pr, xentry(pr, blk, 52, sb, &e), 0, 0);
	expect(pr, xentry(pr, blk, 30, sb, &e), -EINVAL, EXT2_WHY_ARG);
	put32(blk + 36, 1);				/* A4 value_block */
	expect(pr, xblock(pr, blk, sb, &h), -EUCLEAN, EXT2_WHY_XATTR_VALUE);
	put32(blk + 36, 0);
	blk[34] = 52; blk[35] = 0;			/* H5 over the entries */
	expect(pr, xblock(pr, blk, sb, &h), -EUCLEAN, EXT2_WHY_XATTR_VALUE);
	memset(blk + 32, 0, 1020 - 32);			/* A3: the 4th runs out */
	for (uint32_t off = 32; off < BS; off += 272)
		blk[off] = 255, blk[off + 1] = 1;
	expect(pr, xblock(pr, blk, sb, &h), -EUCLEAN, EXT2_WHY_XATTR_ENTRY);
	put32(blk + 8, 2);				/* H3 */
	expect(pr, xblock(pr, blk, sb, &h), -EUCLEAN, EXT2_WHY_XATTR_HEADER);
	blk[0] = 1;					/* H2 */
	expect(pr, xblock(pr, blk, sb, &h), -EUCLEAN, EXT2_WHY_XATTR_MAGIC);
}

bool ext2_self_test(const struct ext2_impl *impl)
{
	struct pair pr = { impl, ext2_impl_get(0), true, 0 };
	uint8_t raw[EXT2_SUPER_SIZE];
	struct ext2_super sb;
	struct ext2_group g;

	if (!impl || impl->abi_version() != EXT2_ABI_VERSION)
		return false;
	test_super(&pr, raw, &sb);
	if (!pr.ok)
		return false;		/* the rest needs a good superblock */
	test_group(&pr, &sb, &g);
	if (!pr.ok)
		return false;
	test_inode(&pr, &sb);
	test_dirent(&pr, &sb);
	test_bmap(&pr, &sb);
	test_data(&pr, &sb, &g);
	if (sb.block_size == BS)
		test_xattr(&pr, &sb);
	return pr.ok;
}
