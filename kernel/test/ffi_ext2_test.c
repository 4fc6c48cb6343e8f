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
