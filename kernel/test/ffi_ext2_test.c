/*
 * The ext2 parser behind the C/Rust boundary: the selection follows the
 * build and the command line, and every implementation gives the results
 * the contract (ffi/ext2.h) prescribes, identical to the C fallback's.
 */
#include <alloy/cmdline.h>
#include <alloy/errno.h>
#include <alloy/ktest.h>
#include <alloy/string.h>
#include <ffi/ffi.h>
#include <ffi/select.h>

KTEST(ffi_ext2_selection)
{
	bool broken = cmdline_has("ffi_break");	/* simulated ABI or self-test failure */
	const char *want = ALLOY_FFI && ffi_rust_allowed("ext2") && !broken ? "rust" : "c";

	KT_ASSERT(ffi_impl("ext2"));
	KT_EXPECT(!strcmp(ffi_impl("ext2"), want));
	KT_EXPECT(ext2_impl_get(0) && !strcmp(ext2_impl_get(0)->name, "c"));
	KT_EXPECT(ext2_impl_get(ALLOY_FFI ? 1 : 0) != NULL);
	KT_EXPECT(ext2_impl_get(ALLOY_FFI ? 2 : 1) == NULL);
	KT_EXPECT(ext2_impl_get(-1) == NULL);
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }

/* A 4 KiB-block superblock: 2 groups of 32768 blocks, 40000 blocks in all. */
static void build_super4k(uint8_t *sb)
{
	memset(sb, 0, EXT2_SUPER_SIZE);
	put32(sb + 0, 2 * 8192);	/* inodes_count */
	put32(sb + 4, 40000);		/* blocks_count */
	put32(sb + 12, 30000);
	put32(sb + 16, 16000);
	put32(sb + 24, 2);		/* 4 KiB */
	put32(sb + 28, 2);
	put32(sb + 32, 32768);
	put32(sb + 40, 8192);
	put16(sb + 56, EXT2_MAGIC);
	put32(sb + 76, 1);
	put32(sb + 84, 11);
	put16(sb + 88, 256);
	put32(sb + 96, EXT2_INCOMPAT_FILETYPE);
}

KTEST(ffi_ext2_implementations_agree)
{
	static const uint64_t blocks[] = { 0, 11, 12, 1035, 1036, 1036 + 1048575,
					   1036 + 1048576, 1036 + 1048576 + 1073741823,
					   1036 + 1048576 + 1073741824, ~0ULL };
	uint8_t raw[EXT2_SUPER_SIZE];
	const struct ext2_impl *c = ext2_impl_get(0);

	for (int i = 0; ext2_impl_get(i); i++) {
		const struct ext2_impl *impl = ext2_impl_get(i);
		struct ext2_super sa, sc;
		uint32_t wa = 0, wc = 0;
		int ra, rc;

		KT_EXPECT(impl->abi_version() == EXT2_ABI_VERSION);
		KT_EXPECT(ext2_self_test(impl));

		/* a second geometry: 4 KiB blocks, 256-byte inodes, a short last group */
		build_super4k(raw);
		memset(&sa, 0, sizeof(sa));
		memset(&sc, 0, sizeof(sc));
		ra = impl->parse_super(raw, sizeof(raw), 40000ULL * 4096, &sa, &wa);
		rc = c->parse_super(raw, sizeof(raw), 40000ULL * 4096, &sc, &wc);
		KT_EXPECT(ra == 0 && rc == 0 && !memcmp(&sa, &sc, sizeof(sa)));
		KT_EXPECT(sa.groups == 2 && sa.inode_table_blocks == 512 &&
			  sa.max_file_size == (1ULL << 41) - 1 && sa.gdt_blocks == 1);
		for (unsigned k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++) {
			struct ext2_bmap_path pa, pc;

			memset(&pa, 0, sizeof(pa));
			memset(&pc, 0, sizeof(pc));
			wa = wc = 0;
			ra = impl->bmap_path(&sa, blocks[k], &pa, &wa);
			rc = c->bmap_path(&sc, blocks[k], &pc, &wc);
			KT_EXPECT(ra == rc && wa == wc && !memcmp(&pa, &pc, sizeof(pa)));
			KT_EXPECT(ra == (k < 8 ? 0 : -EFBIG));
		}
		/* every byte of the magic and of log_block_size, mutated */
		for (unsigned v = 0; v < 256; v += 5) {
			build_super4k(raw);
			raw[24] = v;
			raw[57] ^= v & 0x11;
			wa = wc = 0;
			ra = impl->parse_super(raw, sizeof(raw), 40000ULL * 4096, &sa, &wa);
			rc = c->parse_super(raw, sizeof(raw), 40000ULL * 4096, &sc, &wc);
			KT_EXPECT(ra == rc && wa == wc);
			KT_EXPECT(ra != 0 || !memcmp(&sa, &sc, sizeof(sa)));
		}
	}
	/* the wrappers give the active implementation's answers */
	build_super4k(raw);
	{
		struct ext2_super s;
		uint32_t why = 0;

		KT_EXPECT(ext2_parse_super(raw, sizeof(raw), 40000ULL * 4096, &s, &why) == 0);
		KT_EXPECT(why == 0);
		KT_EXPECT(ext2_parse_super(raw, sizeof(raw), 39999ULL * 4096, &s, &why) ==
			  -EUCLEAN);
		KT_EXPECT(why == EXT2_WHY_BLOCKS_COUNT);
		KT_EXPECT(!strcmp(ext2_why_str(why), "block count out of range of the device"));
	}
}

/*
 * A parser that lies, call by call: success with outputs that break the
 * contract's invariants, or an errno the contract does not allow. Each
 * wrapper must catch it, switch to the C fallback for good and return
 * C's answer (EXT2_WHY codes included).
 */
static uint32_t liar_abi(void) { return EXT2_ABI_VERSION; }

static int liar_super(const uint8_t *r, size_t l, uint64_t d, struct ext2_super *o, uint32_t *w)
{
	(void)r; (void)l; (void)d; (void)w;
	memset(o, 0, sizeof(*o));
	o->block_size = 3000;		/* not 1, 2 or 4 KiB */
	return 0;
}

static int liar_group(const uint8_t *r, size_t l, const struct ext2_super *s, uint32_t g,
		      struct ext2_group *o, uint32_t *w)
{
	(void)r; (void)l; (void)s; (void)g; (void)w;
	memset(o, 0, sizeof(*o));
	o->inode_table = 0xffffffff;	/* far outside the filesystem */
	return 0;
}

static int liar_inode(const uint8_t *r, size_t l, const struct ext2_super *s, uint32_t i,
		      struct ext2_inode *o, uint32_t *w)
{
	(void)r; (void)l; (void)s; (void)i; (void)o; (void)w;
	return -ENOMEM;			/* not an errno the contract allows */
}

static int liar_dirent(const uint8_t *b, size_t l, uint32_t off, const struct ext2_super *s,
		       struct ext2_dirent *o, uint32_t *w)
{
	(void)b; (void)l; (void)off; (void)s; (void)w;
	memset(o, 0, sizeof(*o));
	o->inode = 2;
	o->rec_len = 4;			/* a loop: the caller would never advance */
	o->name_len = 1;
	o->name_off = off + 8;
	return 0;
}

static int liar_path(const struct ext2_super *s, uint64_t n, struct ext2_bmap_path *o,
		     uint32_t *w)
{
	(void)s; (void)n; (void)w;
	memset(o, 0, sizeof(*o));
	o->depth = 7;
	return 0;
}

static int liar_entry(const uint8_t *b, size_t l, uint32_t i, const struct ext2_super *s,
		      uint32_t self, uint32_t *o, uint32_t *w)
{
	(void)b; (void)l; (void)i; (void)s; (void)w;
	*o = self;			/* points at itself: what E3 forbids */
	return 0;
}

static int liar_check(const struct ext2_super *s, const struct ext2_group *g, uint32_t gr,
		      uint32_t b, uint32_t *w)
{
	(void)s; (void)g; (void)gr; (void)b;
	*w = 999;			/* an unknown why code */
	return -EUCLEAN;
}

static int liar_xentry(const uint8_t *b, size_t l, uint32_t off, const struct ext2_super *s,
		       struct ext2_xattr_entry *o, uint32_t *w)
{
	(void)b; (void)l; (void)s; (void)w;
	memset(o, 0, sizeof(*o));
	o->name_len = 4;
	o->name_off = off + 16;
	o->next = off + 20;
	o->value_offs = 4000;		/* a value past the end of the block */
	o->value_size = 4000;
	return 0;
}

static int liar_xblock(const uint8_t *b, size_t l, const struct ext2_super *s,
		       struct ext2_xattr_header *o, uint32_t *w)
{
	(void)b; (void)l; (void)s; (void)w;
	memset(o, 0, sizeof(*o));
	o->end = 1u << 20;		/* far past the block */
	return 0;
}

static const struct ext2_impl liar = {
	"liar", liar_abi, liar_super, liar_group, liar_inode, liar_dirent, liar_path,
	liar_entry, liar_check, liar_xentry, liar_xblock,
};

KTEST(ffi_ext2_wrapper_rejects_bad_results)
{
	uint8_t raw[EXT2_SUPER_SIZE], blk[4096];
	const struct ext2_impl *c = ext2_impl_get(0), *old;
	struct ext2_super s;
	struct ext2_group g;
	struct ext2_inode ino;
	struct ext2_dirent de;
	struct ext2_bmap_path path;
	uint32_t why = 0, out;

	build_super4k(raw);
	KT_ASSERT(c->parse_super(raw, sizeof(raw), 40000ULL * 4096, &s, &why) == 0);
	memset(blk, 0, sizeof(blk));
	put32(blk + 0, 2);		/* a directory entry: inode 2, rec_len 4096, "." */
	put16(blk + 4, 4096);
	blk[6] = 1;
	blk[7] = EXT2_FT_DIR;
	blk[8] = '.';
	put32(blk + 40, 4);		/* an indirect-block entry: block 4 */

	old = ext2_impl_force(&liar);
	KT_EXPECT(ext2_parse_super(raw, sizeof(raw), 40000ULL * 4096, &s, &why) == 0 &&
		  s.block_size == 4096);
	KT_EXPECT(!strcmp(ffi_impl("ext2"), "c"));

	uint8_t gd[EXT2_GROUP_DESC_SIZE] = { 0 };
	put32(gd + 0, 3);		/* block bitmap */
	put32(gd + 4, 4);		/* inode bitmap */
	put32(gd + 8, 5);		/* inode table: 512 blocks */
	ext2_impl_force(&liar);
	KT_EXPECT(ext2_parse_group(gd, sizeof(gd), &s, 0, &g, &why) == 0 && g.inode_table == 5);
	KT_EXPECT(!strcmp(ffi_impl("ext2"), "c"));

	ext2_impl_force(&liar);
	memset(blk + 1024, 0, 256);	/* an inode of mode 0: C says EUCLEAN */
	why = 0;
	KT_EXPECT(ext2_parse_inode(blk + 1024, 256, &s, 12, &ino, &why) == -EUCLEAN &&
		  why == EXT2_WHY_INODE_MODE);
	KT_EXPECT(!strcmp(ffi_impl("ext2"), "c"));

	ext2_impl_force(&liar);
	KT_EXPECT(ext2_parse_dirent(blk, 4096, 0, &s, &de, &why) == 0 && de.rec_len == 4096);
	KT_EXPECT(!strcmp(ffi_impl("ext2"), "c"));

	ext2_impl_force(&liar);
	KT_EXPECT(ext2_bmap_path(&s, 20, &path, &why) == 0 && path.depth == 1 &&
		  path.index[0] == 12 && path.index[1] == 8);
	KT_EXPECT(!strcmp(ffi_impl("ext2"), "c"));

	ext2_impl_force(&liar);
	KT_EXPECT(ext2_bmap_entry(blk, 4096, 10, &s, 600, &out, &why) == 0 && out == 4);
	KT_EXPECT(!strcmp(ffi_impl("ext2"), "c"));

	ext2_impl_force(&liar);
	why = 0;
	KT_EXPECT(ext2_check_data_block(&s, &g, 0, 5, &why) == -EUCLEAN &&
		  why == EXT2_WHY_BLOCK_METADATA);	/* in the inode table */
	KT_EXPECT(!strcmp(ffi_impl("ext2"), "c"));

	/* an attribute block with one entry, user.abcd, no value: C says so */
	struct ext2_xattr_entry xe;
	struct ext2_xattr_header xh;
	memset(blk, 0, sizeof(blk));
	put32(blk, EXT2_XATTR_MAGIC);
	put32(blk + 4, 1);
	put32(blk + 8, 1);
	blk[32] = 4;
	blk[33] = 1;
	memcpy(blk + 48, "abcd", 4);
	ext2_impl_force(&liar);
	KT_EXPECT(ext2_parse_xattr_entry(blk, 4096, 32, &s, &xe, &why) == 0 &&
		  xe.value_size == 0 && xe.next == 52);
	KT_EXPECT(!strcmp(ffi_impl("ext2"), "c"));
	ext2_impl_force(&liar);
	KT_EXPECT(ext2_parse_xattr_block(blk, 4096, &s, &xh, &why) == 0 && xh.count == 1 &&
		  xh.end == 56);
	KT_EXPECT(!strcmp(ffi_impl("ext2"), "c"));
	ext2_impl_force(old);
}
