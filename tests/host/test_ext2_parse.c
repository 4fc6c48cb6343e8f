// SOURCES: kernel/fs/ext2/ext2_parse.c
/*
 * Host test for the C ext2 parser (kernel/fs/ext2/ext2_parse.c) against the
 * contract in ffi/ext2.h. Every check S1..S16, G1..G5, I1..I6, D1..D6,
 * B1..B2, E1..E3, C1..C2, H1..H5 and A1..A4 gets an input that is valid except for that
 * one check (so an implementation that skips the check passes the input
 * and fails the test), inputs failing two checks show that the first one
 * decides, and valid inputs decode to known values. Outputs are filled
 * with 0xAA first and must come back untouched on failure; `why` must be
 * left alone on success. The buffers handed to the parser are malloc'ed
 * at their exact length so ASan reports any read past them.
 */
#include <ffi/ext2.h>
#include <alloy/errno.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define WHY_INIT 0x77777777u

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint8_t *dup_exact(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (!p)
		abort();
	memcpy(p, src, len);
	return p;
}

static bool all_aa(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0xAA)
			return false;
	return true;
}

/* ---------------------------------------------------------------- superblock */

/* Every superblock field the contract reads. */
struct sspec {
	uint32_t inodes_count, blocks_count, r_blocks, free_blocks, free_inodes;
	uint32_t first_data_block, log_block_size, log_frag_size;
	uint32_t blocks_per_group, inodes_per_group;
	uint16_t magic, state, errors;
	uint32_t rev_level, first_ino;
	uint16_t inode_size;
	uint32_t compat, incompat, ro_compat;
	uint16_t reserved_gdt;
	uint64_t dev_bytes;
	size_t len;
};

/* 1 KiB blocks, 4097 blocks, 4 groups of 1024, 256 inodes per group. */
static struct sspec base1k(void)
{
	return (struct sspec){
		.inodes_count = 1024, .blocks_count = 4097, .r_blocks = 204,
		.free_blocks = 3900, .free_inodes = 1000, .first_data_block = 1,
		.log_block_size = 0, .log_frag_size = 0, .blocks_per_group = 1024,
		.inodes_per_group = 256, .magic = EXT2_MAGIC, .state = 1, .errors = 1,
		.rev_level = 1, .first_ino = 11, .inode_size = 128,
		.compat = EXT2_COMPAT_RESIZE_INODE | EXT2_COMPAT_EXT_ATTR |
			  EXT2_COMPAT_DIR_INDEX,
		.incompat = EXT2_INCOMPAT_FILETYPE,
		.ro_compat = EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE,
		.reserved_gdt = 15, .dev_bytes = 4097ULL * 1024, .len = 1024,
	};
}

/* 4 KiB blocks, 40000 blocks, 2 groups of 32768, 8192 inodes of 256 bytes. */
static struct sspec base4k(void)
{
	struct sspec s = base1k();

	s.inodes_count = 16384;
	s.blocks_count = 40000;
	s.r_blocks = 2000;
	s.free_blocks = 38000;
	s.free_inodes = 16000;
	s.first_data_block = 0;
	s.log_block_size = s.log_frag_size = 2;
	s.blocks_per_group = 32768;
	s.inodes_per_group = 8192;
	s.inode_size = 256;
	s.reserved_gdt = 9;
	s.dev_bytes = 40000ULL * 4096 + 123;
	return s;
}

static void build_super(const struct sspec *s, uint8_t *raw)
{
	memset(raw, 0, 1024);
	put32(raw + 0, s->inodes_count);
	put32(raw + 4, s->blocks_count);
	put32(raw + 8, s->r_blocks);
	put32(raw + 12, s->free_blocks);
	put32(raw + 16, s->free_inodes);
	put32(raw + 20, s->first_data_block);
	put32(raw + 24, s->log_block_size);
	put32(raw + 28, s->log_frag_size);
	put32(raw + 32, s->blocks_per_group);
	put32(raw + 36, s->blocks_per_group);
	put32(raw + 40, s->inodes_per_group);
	put16(raw + 56, s->magic);
	put16(raw + 58, s->state);
	put16(raw + 60, s->errors);
	put32(raw + 76, s->rev_level);
	put32(raw + 84, s->first_ino);
	put16(raw + 88, s->inode_size);
	put32(raw + 92, s->compat);
	put32(raw + 96, s->incompat);
	put32(raw + 100, s->ro_compat);
	put16(raw + 206, s->reserved_gdt);
}

static int run_super(const struct sspec *s, struct ext2_super *out, uint32_t *why)
{
	uint8_t raw[1024];
	uint8_t *buf;
	int rc;

	build_super(s, raw);
	buf = dup_exact(raw, s->len < 1024 ? s->len : 1024);
	if (s->len > 1024) {	/* longer buffers: the rest is junk */
		free(buf);
		buf = malloc(s->len);
		memset(buf, 0xee, s->len);
		memcpy(buf, raw, 1024);
	}
	memset(out, 0xAA, sizeof(*out));
	*why = WHY_INIT;
	rc = c_ext2_parse_super(buf, s->len, s->dev_bytes, out, why);
	free(buf);
	return rc;
}

static void super_ok(const char *what, const struct sspec *s, struct ext2_super *out)
{
	uint32_t why;
	int rc = run_super(s, out, &why);

	CHECK(rc == 0 && why == WHY_INIT, "super %s: ok (rc %d, why %u)", what, rc, why);
}

static void super_fail(const char *what, const struct sspec *s, int want_rc,
		       uint32_t want_why)
{
	struct ext2_super out;
	uint32_t why;
	int rc = run_super(s, &out, &why);

	CHECK(rc == want_rc && why == want_why && all_aa(&out, sizeof(out)),
	      "super %s: rc %d why %u (want %d %u), out untouched", what, rc, why, want_rc,
	      want_why);
}

static void test_super(void)
{
	struct ext2_super o;
	struct sspec s;
	uint32_t why = WHY_INIT;
	uint8_t raw[1024];

	/* valid: decoded values */
	s = base1k();
	super_ok("1k", &s, &o);
	CHECK(o.block_size == 1024 && o.log_block_size == 10 && o.blocks_count == 4097 &&
	      o.inodes_count == 1024 && o.r_blocks_count == 204 &&
	      o.free_blocks_count == 3900 && o.free_inodes_count == 1000 &&
	      o.first_data_block == 1 && o.blocks_per_group == 1024 &&
	      o.inodes_per_group == 256 && o.groups == 4 && o.gdt_blocks == 1 &&
	      o.reserved_gdt == 15 && o.inode_size == 128 && o.first_ino == 11 &&
	      o.inode_table_blocks == 32 && o.rev_level == 1 &&
	      o.feature_compat == s.compat && o.feature_incompat == s.incompat &&
	      o.feature_ro_compat == s.ro_compat && o.read_only == 0 && o.state == 1 &&
	      o.errors == 1 && o.max_file_size == (12ULL + 256 + 65536 + 16777216) * 1024,
	      "super 1k: decoded fields");
	s = base4k();
	super_ok("4k", &s, &o);
	CHECK(o.block_size == 4096 && o.log_block_size == 12 && o.groups == 2 &&
	      o.gdt_blocks == 1 && o.reserved_gdt == 9 && o.inode_size == 256 &&
	      o.inode_table_blocks == 512 && o.first_data_block == 0 &&
	      o.max_file_size == (1ULL << 41) - 1,
	      "super 4k: decoded fields (max_file_size capped at 2^41 - 1)");
	s = base4k();
	s.log_block_size = s.log_frag_size = 1;
	s.blocks_per_group = 16384;
	s.blocks_count = 20000;
	s.inodes_per_group = 8192;
	s.free_blocks = 10000;
	s.dev_bytes = 20000ULL * 2048;
	super_ok("2k", &s, &o);
	CHECK(o.block_size == 2048 && o.groups == 2 && o.inode_table_blocks == 1024 &&
	      o.max_file_size == (12ULL + 512 + 512 * 512 + 512ULL * 512 * 512) * 2048,
	      "super 2k: decoded fields");
	s = base1k();
	s.len = 2048;
	super_ok("len 2048", &s, &o);
	s = base1k();
	s.blocks_count = 4096;		/* a last group of 1023 blocks */
	s.dev_bytes = 4096 * 1024;
	super_ok("short last group", &s, &o);
	CHECK(o.groups == 4, "super short last group: 4 groups");
	s = base1k();
	s.dev_bytes = ~0ULL;
	super_ok("huge device", &s, &o);

	/* rev 0: feature words, inode size and first_ino are not read */
	s = base1k();
	s.rev_level = 0;
	s.incompat = 0xffffffff;
	s.compat = 0xffffffff;
	s.ro_compat = 0xffffffff;
	s.inode_size = 3;
	s.first_ino = 0;
	s.reserved_gdt = 0xffff;
	super_ok("rev 0 ignores rev-1 fields", &s, &o);
	CHECK(o.rev_level == 0 && o.feature_compat == 0 && o.feature_incompat == 0 &&
	      o.feature_ro_compat == 0 && o.inode_size == 128 && o.first_ino == 11 &&
	      o.reserved_gdt == 0 && o.read_only == 0,
	      "super rev 0: defaults");

	/* read_only and the reserved GDT switch */
	s = base1k();
	s.ro_compat |= 0x0008;		/* huge_file: unknown here */
	super_ok("unknown ro_compat", &s, &o);
	CHECK(o.read_only == 1, "super unknown ro_compat: read_only");
	s = base1k();
	s.ro_compat = EXT2_RO_COMPAT_KNOWN;
	super_ok("known ro_compat", &s, &o);
	CHECK(o.read_only == 0, "super known ro_compat: writable");
	s = base1k();
	s.compat = 0;
	s.reserved_gdt = 0xffff;
	super_ok("reserved_gdt ignored without resize_inode", &s, &o);
	CHECK(o.reserved_gdt == 0, "super without resize_inode: reserved_gdt 0");

	/* S1 */
	CHECK(c_ext2_parse_super(NULL, 1024, 1 << 20, &o, &why) == -EINVAL &&
	      why == EXT2_WHY_ARG, "S1 NULL raw");
	why = WHY_INIT;
	s = base1k();
	build_super(&s, raw);
	CHECK(c_ext2_parse_super(raw, 1024, s.dev_bytes, NULL, &why) == -EINVAL &&
	      why == EXT2_WHY_ARG, "S1 NULL out");
	CHECK(c_ext2_parse_super(raw, 1024, s.dev_bytes, &o, NULL) == 0,
	      "why may be NULL on success");
	CHECK(c_ext2_parse_super(raw, 1023, s.dev_bytes, &o, NULL) == -EINVAL,
	      "why may be NULL on failure");
	s.len = 1023;
	super_fail("S1 len 1023", &s, -EINVAL, EXT2_WHY_ARG);
	s.len = 0;
	super_fail("S1 len 0", &s, -EINVAL, EXT2_WHY_ARG);
	s = base1k();
	s.len = 1023;
	s.magic = 0;
	super_fail("S1 before S2", &s, -EINVAL, EXT2_WHY_ARG);

	/* S2 */
	s = base1k();
	s.magic = 0x53EF;
	super_fail("S2 magic swapped", &s, -EINVAL, EXT2_WHY_MAGIC);
	s.rev_level = 5;
	super_fail("S2 before S3", &s, -EINVAL, EXT2_WHY_MAGIC);
	/* S3 */
	s = base1k();
	s.rev_level = 2;
	super_fail("S3 rev 2", &s, -EOPNOTSUPP, EXT2_WHY_REV);
	s.log_block_size = 7;
	super_fail("S3 before S4", &s, -EOPNOTSUPP, EXT2_WHY_REV);
	/* S4 */
	s = base1k();
	s.log_block_size = s.log_frag_size = 3;
	super_fail("S4 8 KiB blocks", &s, -EOPNOTSUPP, EXT2_WHY_BLOCK_SIZE);
	s.log_block_size = s.log_frag_size = 0xffffffff;
	super_fail("S4 log 2^32-1", &s, -EOPNOTSUPP, EXT2_WHY_BLOCK_SIZE);
	s.log_block_size = s.log_frag_size = 22;	/* 1024 << 22 = 2^32: must not wrap */
	super_fail("S4 log 22", &s, -EOPNOTSUPP, EXT2_WHY_BLOCK_SIZE);
	/* S5 */
	s = base1k();
	s.incompat |= 0x0040;		/* extents */
	super_fail("S5 extents", &s, -EOPNOTSUPP, EXT2_WHY_INCOMPAT);
	s.incompat = 0x0004;		/* needs_recovery (journal) */
	super_fail("S5 needs_recovery", &s, -EOPNOTSUPP, EXT2_WHY_INCOMPAT);
	s.incompat = 0x80000000;
	s.log_frag_size = 1;
	super_fail("S5 before S6", &s, -EOPNOTSUPP, EXT2_WHY_INCOMPAT);
	s = base1k();
	s.incompat = 0;
	super_ok("no filetype feature", &s, &o);
	/* S6 */
	s = base1k();
	s.log_frag_size = 1;
	super_fail("S6 frag != block", &s, -EUCLEAN, EXT2_WHY_FRAG);
	/* S7 */
	s = base1k();
	s.blocks_per_group = 0;
	super_fail("S7 bpg 0", &s, -EUCLEAN, EXT2_WHY_BLOCKS_PER_GROUP);
	s.blocks_per_group = 8192 + 8;
	super_fail("S7 bpg > 8 * bs", &s, -EUCLEAN, EXT2_WHY_BLOCKS_PER_GROUP);
	s.blocks_per_group = 1020;
	super_fail("S7 bpg % 8", &s, -EUCLEAN, EXT2_WHY_BLOCKS_PER_GROUP);
	s = base1k();
	s.blocks_per_group = 8192;	/* the maximum: one group */
	s.inodes_count = 256;
	s.free_inodes = 200;
	super_ok("S7 bpg == 8 * bs", &s, &o);
	/* S8 */
	s = base1k();
	s.inodes_per_group = 0;
	super_fail("S8 ipg 0", &s, -EUCLEAN, EXT2_WHY_INODES_PER_GROUP);
	s.inodes_per_group = 8200;
	super_fail("S8 ipg > 8 * bs", &s, -EUCLEAN, EXT2_WHY_INODES_PER_GROUP);
	s.inodes_per_group = 252;
	super_fail("S8 ipg % 8", &s, -EUCLEAN, EXT2_WHY_INODES_PER_GROUP);
	/* S9 */
	s = base1k();
	s.inode_size = 192;
	super_fail("S9 inode size not a power of 2", &s, -EUCLEAN, EXT2_WHY_INODE_SIZE_SB);
	s.inode_size = 64;
	super_fail("S9 inode size 64", &s, -EUCLEAN, EXT2_WHY_INODE_SIZE_SB);
	s.inode_size = 0;
	super_fail("S9 inode size 0", &s, -EUCLEAN, EXT2_WHY_INODE_SIZE_SB);
	s.inode_size = 2048;
	super_fail("S9 inode size > bs", &s, -EUCLEAN, EXT2_WHY_INODE_SIZE_SB);
	s = base1k();
	s.inode_size = 1024;
	s.inodes_per_group = 256;	/* 256 table blocks: fits in 1024 */
	super_ok("S9 inode size == bs", &s, &o);
	/* S10 */
	s = base1k();
	s.first_data_block = 0;
	super_fail("S10 1k fdb 0", &s, -EUCLEAN, EXT2_WHY_FIRST_DATA);
	s = base4k();
	s.first_data_block = 1;
	super_fail("S10 4k fdb 1", &s, -EUCLEAN, EXT2_WHY_FIRST_DATA);
	/* S11 */
	s = base1k();
	s.blocks_count = 1;
	super_fail("S11 blocks_count == fdb", &s, -EUCLEAN, EXT2_WHY_BLOCKS_COUNT);
	s = base4k();
	s.blocks_count = 0;
	super_fail("S11 4k blocks_count 0", &s, -EUCLEAN, EXT2_WHY_BLOCKS_COUNT);
	s = base1k();
	s.dev_bytes = 4097ULL * 1024 - 1;
	super_fail("S11 device one byte short", &s, -EUCLEAN, EXT2_WHY_BLOCKS_COUNT);
	s = base4k();
	s.blocks_count = 0xffffffff;	/* * 4096 must not wrap */
	s.dev_bytes = 0xffffffffULL;
	super_fail("S11 blocks_count * bs in 64 bits", &s, -EUCLEAN, EXT2_WHY_BLOCKS_COUNT);
	/* S12 */
	s = base1k();
	s.inodes_count = 1024 - 256;
	super_fail("S12 one group short", &s, -EUCLEAN, EXT2_WHY_INODES_COUNT);
	s.inodes_count = 1025;
	super_fail("S12 one inode more", &s, -EUCLEAN, EXT2_WHY_INODES_COUNT);
	s = base4k();			/* groups * ipg = 2^32: must not wrap to 0 */
	s.blocks_per_group = 8;
	s.inodes_per_group = 32768;
	s.blocks_count = 1048576;
	s.dev_bytes = ~0ULL;
	s.inodes_count = 0;
	super_fail("S12 groups * ipg in 64 bits", &s, -EUCLEAN, EXT2_WHY_INODES_COUNT);
	/* S13 */
	s = base1k();
	s.first_ino = 10;
	super_fail("S13 first_ino 10", &s, -EUCLEAN, EXT2_WHY_FIRST_INO);
	s.first_ino = 1025;
	super_fail("S13 first_ino > inodes_count", &s, -EUCLEAN, EXT2_WHY_FIRST_INO);
	s.first_ino = 1024;
	super_ok("S13 first_ino == inodes_count", &s, &o);
	/* S14 */
	s = base1k();
	s.reserved_gdt = 257;
	super_fail("S14 reserved_gdt > p", &s, -EUCLEAN, EXT2_WHY_GDT);
	s.reserved_gdt = 256;
	super_ok("S14 reserved_gdt == p", &s, &o);
	s = base1k();			/* 16 groups of 256 blocks */
	s.blocks_per_group = 256;
	s.inodes_per_group = 64;
	s.inodes_count = 16 * 64;
	s.reserved_gdt = 255;		/* sb + 1 gdt + 255 = 257 > 256 */
	super_fail("S14 gdt copy does not fit in group 0", &s, -EUCLEAN, EXT2_WHY_GDT);
	s.reserved_gdt = 254;
	super_ok("S14 gdt copy fills group 0 exactly", &s, &o);
	s.reserved_gdt = 200;
	super_ok("S14 gdt copy fits", &s, &o);
	s = base1k();			/* one group of 9 blocks: 1 + 1 + 1 + 15 > 10 */
	s.blocks_count = 10;
	s.blocks_per_group = 64;
	s.inodes_per_group = 16;
	s.inodes_count = 16;
	s.r_blocks = s.free_blocks = 0;
	s.free_inodes = 0;
	super_fail("S14 more than blocks_count", &s, -EUCLEAN, EXT2_WHY_GDT);
	/* S15 */
	s = base1k();
	s.inodes_per_group = 8192;	/* 1024 blocks of inodes */
	s.inodes_count = 4 * 8192;
	s.first_ino = 11;
	s.free_inodes = 0;
	super_fail("S15 inode table fills the group", &s, -EUCLEAN, EXT2_WHY_INODE_TABLE);
	s.inodes_per_group = 8192 - 16;	/* 1022 blocks: + 2 == 1024 fits */
	s.inodes_count = 4 * (8192 - 16);
	super_ok("S15 inode table + 2 == bpg", &s, &o);
	CHECK(o.inode_table_blocks == 1022, "S15 inode_table_blocks 1022");
	s.inodes_per_group = 8192 - 8;	/* 1023 blocks */
	s.inodes_count = 4 * (8192 - 8);
	super_fail("S15 rounded up", &s, -EUCLEAN, EXT2_WHY_INODE_TABLE);
	/* S16 */
	s = base1k();
	s.r_blocks = 4098;
	super_fail("S16 r_blocks", &s, -EUCLEAN, EXT2_WHY_COUNTS);
	s = base1k();
	s.free_blocks = 4098;
	super_fail("S16 free_blocks", &s, -EUCLEAN, EXT2_WHY_COUNTS);
	s = base1k();
	s.free_inodes = 1025;
	super_fail("S16 free_inodes", &s, -EUCLEAN, EXT2_WHY_COUNTS);
	s = base1k();
	s.r_blocks = s.free_blocks = 4097;
	s.free_inodes = 1024;
	super_ok("S16 counts at their maxima", &s, &o);
}

/* ---------------------------------------------------------------- groups */

static struct ext2_super sb1k, sb4k, sb1k_nosparse, sb1k_rev0;

static void make_supers(void)
{
	struct sspec s = base1k();
	uint32_t why;

	run_super(&s, &sb1k, &why);
	s = base4k();
	run_super(&s, &sb4k, &why);
	s = base1k();
	s.ro_compat = 0;
	run_super(&s, &sb1k_nosparse, &why);
	s = base1k();
	s.rev_level = 0;
	run_super(&s, &sb1k_rev0, &why);
}

struct gspec {
	uint32_t bb, ib, it;
	uint16_t free_blocks, free_inodes, used_dirs;
	size_t len;
};

static int run_group(const struct gspec *g, const struct ext2_super *sb, uint32_t group,
		     struct ext2_group *out, uint32_t *why)
{
	uint8_t raw[64];
	uint8_t *buf;
	int rc;

	memset(raw, 0x55, sizeof(raw));		/* the padding is junk */
	put32(raw + 0, g->bb);
	put32(raw + 4, g->ib);
	put32(raw + 8, g->it);
	put16(raw + 12, g->free_blocks);
	put16(raw + 14, g->free_inodes);
	put16(raw + 16, g->used_dirs);
	buf = dup_exact(raw, g->len);
	memset(out, 0xAA, sizeof(*out));
	*why = WHY_INIT;
	rc = c_ext2_parse_group(buf, g->len, sb, group, out, why);
	free(buf);
	return rc;
}

/* sb1k group 1 (a backup: sb 1025, gdt 1026, reserved 1027..1041). */
static struct gspec g1(void)
{
	return (struct gspec){ 1042, 1043, 1044, 900, 250, 3, 32 };
}

static void group_fail(const char *what, const struct gspec *g, const struct ext2_super *sb,
		       uint32_t group, int want_rc, uint32_t want_why)
{
	struct ext2_group out;
	uint32_t why;
	int rc = run_group(g, sb, group, &out, &why);

	CHECK(rc == want_rc && why == want_why && all_aa(&out, sizeof(out)),
	      "group %s: rc %d why %u (want %d %u), out untouched", what, rc, why, want_rc,
	      want_why);
}

static bool group_ok(const char *what, const struct gspec *g, const struct ext2_super *sb,
		     uint32_t group, struct ext2_group *out)
{
	uint32_t why;
	int rc = run_group(g, sb, group, out, &why);

	return CHECK(rc == 0 && why == WHY_INIT, "group %s: ok (rc %d why %u)", what, rc, why);
}

static void test_group(void)
{
	struct ext2_group o;
	struct gspec g;
	uint32_t why = WHY_INIT;
	uint8_t raw[32] = { 0 };

	g = g1();
	if (group_ok("1k group 1", &g, &sb1k, 1, &o))
		CHECK(o.block_bitmap == 1042 && o.inode_bitmap == 1043 &&
		      o.inode_table == 1044 && o.free_blocks == 900 && o.free_inodes == 250 &&
		      o.used_dirs == 3 && o.first_block == 1025 && o.last_block == 2048 &&
		      o.meta_end == 1042 && o.has_super == 1,
		      "group 1k group 1: decoded fields");
	g = (struct gspec){ 2049, 2050, 2051, 1024, 256, 0, 32 };
	if (group_ok("1k group 2 (no sb copy)", &g, &sb1k, 2, &o))
		CHECK(o.first_block == 2049 && o.last_block == 3072 && o.meta_end == 2049 &&
		      o.has_super == 0, "group 1k group 2: no sb copy, meta_end == first");
	g = (struct gspec){ 3073 + 17, 3073 + 18, 3073 + 19, 1024, 256, 0, 32 };
	if (group_ok("1k group 3 (a power of 3)", &g, &sb1k, 3, &o))
		CHECK(o.has_super == 1 && o.meta_end == 3073 + 17 && o.last_block == 4096,
		      "group 1k group 3: sb copy; last group ends at blocks_count - 1");
	g = (struct gspec){ 1, 2, 3, 0, 0, 0, 32 };
	group_fail("1k group 0: bitmap over the superblock", &g, &sb1k, 0, -EUCLEAN,
		   EXT2_WHY_GD_BLOCK_BITMAP);
	g = (struct gspec){ 18, 19, 20, 0, 0, 0, 32 };
	if (group_ok("1k group 0", &g, &sb1k, 0, &o))
		CHECK(o.first_block == 1 && o.meta_end == 18 && o.has_super == 1,
		      "group 1k group 0: meta_end = 1 + 1 + 1 + 15");
	/* without sparse_super every group has a copy */
	g = (struct gspec){ 2049, 2050, 2051, 1024, 256, 0, 32 };
	group_fail("G2 no sparse_super: group 2 has a copy", &g, &sb1k_nosparse, 2, -EUCLEAN,
		   EXT2_WHY_GD_BLOCK_BITMAP);
	g = (struct gspec){ 2049 + 17, 2049 + 18, 2049 + 19, 1024, 256, 0, 32 };
	group_ok("no sparse_super: group 2 after its copy", &g, &sb1k_nosparse, 2, &o);
	g = (struct gspec){ 2049 + 2, 2049 + 3, 2049 + 4, 1024, 256, 0, 32 };
	group_ok("rev 0 (no features): group 2 after sb + gdt", &g, &sb1k_rev0, 2, &o);
	/* 4 KiB: group 0 starts at block 0; group 1 is a backup */
	g = (struct gspec){ 11, 12, 13, 0, 0, 0, 32 };
	if (group_ok("4k group 0", &g, &sb4k, 0, &o))
		CHECK(o.first_block == 0 && o.meta_end == 11 && o.last_block == 32767,
		      "group 4k group 0: [0, 32767], meta_end 11");
	g = (struct gspec){ 32768 + 11, 32768 + 12, 40000 - 512, 0, 0, 0, 32 };
	if (group_ok("4k group 1 (short, table at the very end)", &g, &sb4k, 1, &o))
		CHECK(o.last_block == 39999, "group 4k group 1: last block 39999");

	/* sparse_super: copies in groups 0, 1 and the powers of 3, 5 and 7 */
	{
		struct sspec ss = base1k();
		struct ext2_super many;
		unsigned wrong = 0;

		ss.blocks_per_group = 256;	/* 50 groups, 2 gdt blocks */
		ss.blocks_count = 1 + 256 * 50;
		ss.inodes_per_group = 16;
		ss.inodes_count = 50 * 16;
		ss.free_inodes = 0;
		ss.dev_bytes = ss.blocks_count * 1024ULL;
		run_super(&ss, &many, &why);
		CHECK(many.groups == 50 && many.gdt_blocks == 2, "super of 50 groups");
		for (uint32_t k = 0; k < 50; k++) {
			uint32_t first = 1 + 256 * k;
			bool want = k == 0 || k == 1 || k == 3 || k == 5 || k == 7 || k == 9 ||
				    k == 25 || k == 27 || k == 49;

			g = (struct gspec){ first + 18, first + 19, first + 20, 0, 0, 0, 32 };
			if (run_group(&g, &many, k, &o, &why) || o.has_super != want ||
			    o.meta_end != (want ? first + 18 : first))
				wrong++;
		}
		CHECK(!wrong, "group has_super: 0, 1, 3, 5, 7, 9, 25, 27, 49 of 50 (%u wrong)",
		      wrong);
	}

	/* G1 */
	g = g1();
	CHECK(c_ext2_parse_group(NULL, 32, &sb1k, 1, &o, &why) == -EINVAL &&
	      why == EXT2_WHY_ARG, "G1 NULL raw");
	CHECK(c_ext2_parse_group(raw, 32, NULL, 1, &o, &why) == -EINVAL, "G1 NULL sb");
	CHECK(c_ext2_parse_group(raw, 32, &sb1k, 1, NULL, &why) == -EINVAL, "G1 NULL out");
	g.len = 31;
	group_fail("G1 len 31", &g, &sb1k, 1, -EINVAL, EXT2_WHY_ARG);
	g = g1();
	g.len = 64;
	group_ok("G1 len 64", &g, &sb1k, 1, &o);
	g = g1();
	group_fail("G1 group == groups", &g, &sb1k, 4, -EINVAL, EXT2_WHY_ARG);
	group_fail("G1 group 2^32-1", &g, &sb1k, 0xffffffff, -EINVAL, EXT2_WHY_ARG);
	/* G2 */
	g = g1();
	g.bb = 1041;
	group_fail("G2 block bitmap in the reserved gdt", &g, &sb1k, 1, -EUCLEAN,
		   EXT2_WHY_GD_BLOCK_BITMAP);
	g.bb = 2049;
	group_fail("G2 block bitmap in the next group", &g, &sb1k, 1, -EUCLEAN,
		   EXT2_WHY_GD_BLOCK_BITMAP);
	g.bb = 0;
	g.ib = 0;
	group_fail("G2 before G3", &g, &sb1k, 1, -EUCLEAN, EXT2_WHY_GD_BLOCK_BITMAP);
	g = g1();
	g.bb = 2048;
	group_ok("G2 block bitmap on the group's last block", &g, &sb1k, 1, &o);
	/* G3 */
	g = g1();
	g.ib = 1041;
	group_fail("G3 inode bitmap below meta_end", &g, &sb1k, 1, -EUCLEAN,
		   EXT2_WHY_GD_INODE_BITMAP);
	g.ib = 2049;
	group_fail("G3 inode bitmap past the group", &g, &sb1k, 1, -EUCLEAN,
		   EXT2_WHY_GD_INODE_BITMAP);
	g.ib = 1042;
	group_fail("G3 inode bitmap == block bitmap", &g, &sb1k, 1, -EUCLEAN,
		   EXT2_WHY_GD_INODE_BITMAP);
	/* G4 */
	g = g1();
	g.it = 1041;
	group_fail("G4 inode table below meta_end", &g, &sb1k, 1, -EUCLEAN,
		   EXT2_WHY_GD_INODE_TABLE);
	g.it = 2048 - 31;		/* ends at 2048: fits */
	group_ok("G4 inode table ends on the last block", &g, &sb1k, 1, &o);
	g.it = 2048 - 30;
	group_fail("G4 inode table runs past the group", &g, &sb1k, 1, -EUCLEAN,
		   EXT2_WHY_GD_INODE_TABLE);
	g.it = 0xffffffff;
	group_fail("G4 inode table at 2^32-1 (no wrap)", &g, &sb1k, 1, -EUCLEAN,
		   EXT2_WHY_GD_INODE_TABLE);
	g = g1();
	g.it = 1043;
	group_fail("G4 inode table over the inode bitmap", &g, &sb1k, 1, -EUCLEAN,
		   EXT2_WHY_GD_INODE_TABLE);
	g = g1();
	g.bb = 1060;
	group_fail("G4 block bitmap inside the inode table", &g, &sb1k, 1, -EUCLEAN,
		   EXT2_WHY_GD_INODE_TABLE);
	g = g1();
	g.bb = 1044 + 32;		/* just after the table */
	group_ok("G4 bitmap right after the inode table", &g, &sb1k, 1, &o);
	/* G5 */
	g = g1();
	g.free_blocks = 1025;
	group_fail("G5 free_blocks", &g, &sb1k, 1, -EUCLEAN, EXT2_WHY_GD_COUNTS);
	g.free_blocks = 1024;
	group_ok("G5 free_blocks == group size", &g, &sb1k, 1, &o);
	g = (struct gspec){ 3073 + 17, 3073 + 18, 3073 + 19, 1025, 256, 0, 32 };
	group_fail("G5 free_blocks > group 3", &g, &sb1k, 3, -EUCLEAN,
		   EXT2_WHY_GD_COUNTS);
	g = g1();
	g.free_inodes = 257;
	group_fail("G5 free_inodes", &g, &sb1k, 1, -EUCLEAN, EXT2_WHY_GD_COUNTS);
	g = g1();
	g.used_dirs = 257;
	group_fail("G5 used_dirs", &g, &sb1k, 1, -EUCLEAN, EXT2_WHY_GD_COUNTS);
}

/* ---------------------------------------------------------------- inodes */

struct ispec {
	uint16_t mode, uid, gid, links, uid_high, gid_high;
	uint32_t size, size_high, atime, ctime, mtime, dtime, blocks, flags;
	uint32_t block[15];
	uint32_t generation, file_acl;
	size_t len;
};

static struct ispec reg_file(void)
{
	struct ispec i = { .mode = 0x81a4, .uid = 1000, .gid = 100, .links = 1,
			   .uid_high = 2, .gid_high = 3, .size = 20000, .atime = 11,
			   .ctime = 12, .mtime = 13, .dtime = 0, .blocks = 44,
			   .flags = 0x80, .generation = 99, .len = 128 };

	for (int k = 0; k < 12; k++)
		i.block[k] = 3000 + k;
	i.block[12] = 3100;
	return i;
}

static int run_inode(const struct ispec *i, const struct ext2_super *sb, uint32_t ino,
		     struct ext2_inode *out, uint32_t *why)
{
	uint8_t raw[256];
	uint8_t *buf;
	int rc;

	memset(raw, 0, sizeof(raw));
	put16(raw + 0, i->mode);
	put16(raw + 2, i->uid);
	put32(raw + 4, i->size);
	put32(raw + 8, i->atime);
	put32(raw + 12, i->ctime);
	put32(raw + 16, i->mtime);
	put32(raw + 20, i->dtime);
	put16(raw + 24, i->gid);
	put16(raw + 26, i->links);
	put32(raw + 28, i->blocks);
	put32(raw + 32, i->flags);
	for (int k = 0; k < 15; k++)
		put32(raw + 40 + 4 * k, i->block[k]);
	put32(raw + 100, i->generation);
	put32(raw + 104, i->file_acl);
	put32(raw + 108, i->size_high);
	put16(raw + 120, i->uid_high);
	put16(raw + 122, i->gid_high);
	buf = dup_exact(raw, i->len);
	memset(out, 0xAA, sizeof(*out));
	*why = WHY_INIT;
	rc = c_ext2_parse_inode(buf, i->len, sb, ino, out, why);
	free(buf);
	return rc;
}

static void inode_fail(const char *what, const struct ispec *i, const struct ext2_super *sb,
		       uint32_t ino, int want_rc, uint32_t want_why)
{
	struct ext2_inode out;
	uint32_t why;
	int rc = run_inode(i, sb, ino, &out, &why);

	CHECK(rc == want_rc && why == want_why && all_aa(&out, sizeof(out)),
	      "inode %s: rc %d why %u (want %d %u), out untouched", what, rc, why, want_rc,
	      want_why);
}

static bool inode_ok(const char *what, const struct ispec *i, const struct ext2_super *sb,
		     uint32_t ino, struct ext2_inode *out)
{
	uint32_t why;
	int rc = run_inode(i, sb, ino, out, &why);

	return CHECK(rc == 0 && why == WHY_INIT, "inode %s: ok (rc %d why %u)", what, rc, why);
}

static void test_inode(void)
{
	struct ext2_inode o;
	struct ispec i;
	uint32_t why = WHY_INIT;
	uint8_t raw[128] = { 0 };

	i = reg_file();
	if (inode_ok("regular file", &i, &sb1k, 12, &o)) {
		bool blocks_ok = true;

		for (int k = 0; k < 15; k++)
			blocks_ok &= o.block[k] == i.block[k];
		CHECK(o.mode == 0x81a4 && o.links == 1 && o.uid == (2u << 16 | 1000) &&
		      o.gid == (3u << 16 | 100) && o.flags == 0x80 && o.size == 20000 &&
		      o.atime == 11 && o.ctime == 12 && o.mtime == 13 && o.dtime == 0 &&
		      o.blocks512 == 44 && o.file_acl == 0 && o.generation == 99 &&
		      o.fast_symlink == 0 && o.rdev_major == 0 && o.rdev_minor == 0 &&
		      o.pad == 0 && blocks_ok, "inode regular file: decoded fields");
	}
	i.size_high = 3;
	if (inode_ok("regular file > 4 GiB", &i, &sb1k, 12, &o))
		CHECK(o.size == (3ULL << 32 | 20000), "inode size_high is used for files");
	i = reg_file();
	i.len = 256;
	inode_ok("len 256 (only 128 decoded)", &i, &sb1k, 12, &o);
	inode_ok("ino == inodes_count", &i, &sb1k, 1024, &o);
	inode_ok("reserved ino 1 (the caller decides)", &i, &sb1k, 1, &o);

	/* I1 */
	CHECK(c_ext2_parse_inode(NULL, 128, &sb1k, 12, &o, &why) == -EINVAL &&
	      why == EXT2_WHY_ARG, "I1 NULL raw");
	CHECK(c_ext2_parse_inode(raw, 128, NULL, 12, &o, &why) == -EINVAL, "I1 NULL sb");
	CHECK(c_ext2_parse_inode(raw, 128, &sb1k, 12, NULL, &why) == -EINVAL, "I1 NULL out");
	i = reg_file();
	inode_fail("I1 ino 0", &i, &sb1k, 0, -EINVAL, EXT2_WHY_ARG);
	inode_fail("I1 ino > inodes_count", &i, &sb1k, 1025, -EINVAL, EXT2_WHY_ARG);
	i.len = 127;
	inode_fail("I1 len 127", &i, &sb1k, 12, -EINVAL, EXT2_WHY_ARG);
	i.len = 128;
	inode_fail("I1 len < inode_size (256)", &i, &sb4k, 12, -EINVAL, EXT2_WHY_ARG);
	i.mode = 0;
	i.len = 127;
	inode_fail("I1 before I2", &i, &sb1k, 12, -EINVAL, EXT2_WHY_ARG);
	/* I2 */
	static const uint16_t bad_types[] = { 0x0000, 0x3000, 0x5000, 0x7000, 0x9000,
					      0xB000, 0xD000, 0xE000, 0xF000 };
	for (unsigned k = 0; k < sizeof(bad_types) / sizeof(bad_types[0]); k++) {
		char what[64];

		i = reg_file();
		i.mode = bad_types[k] | 0644;
		snprintf(what, sizeof(what), "I2 type 0x%04x", bad_types[k]);
		inode_fail(what, &i, &sb1k, 12, -EUCLEAN, EXT2_WHY_INODE_MODE);
	}
	/* I3 */
	i = reg_file();
	i.size_high = 0xffffffff;
	inode_fail("I3 file larger than max_file_size", &i, &sb1k, 12, -EUCLEAN,
		   EXT2_WHY_INODE_SIZE);
	i.size_high = 4;		/* 1k: max (12 + p + p^2 + p^3) * 1024 ~ 16.06 GiB */
	i.size = 0xffffffff;
	inode_fail("I3 1k file of 20 GiB - 1", &i, &sb1k, 12, -EUCLEAN, EXT2_WHY_INODE_SIZE);
	i.size = 17247252480ULL - (4ULL << 32);
	inode_ok("I3 1k file of exactly max_file_size", &i, &sb1k, 12, &o);
	i.size++;
	inode_fail("I3 1k file of max_file_size + 1", &i, &sb1k, 12, -EUCLEAN,
		   EXT2_WHY_INODE_SIZE);
	i.size = 20000;
	i.len = 256;
	i.size_high = 511;		/* 2^41 - 2^32 + 20000 < 2^41 - 1 on 4k */
	inode_ok("I3 4k file just under 2 TiB", &i, &sb4k, 12, &o);
	i.size_high = 512;
	i.size = 0;
	inode_fail("I3 4k file of exactly 2^41 bytes", &i, &sb4k, 12, -EUCLEAN,
		   EXT2_WHY_INODE_SIZE);
	i.size_high = 511;
	i.size = 0xffffffff;
	inode_ok("I3 4k file of 2^41 - 1 bytes", &i, &sb4k, 12, &o);
	i = reg_file();
	i.size = 0;
	inode_ok("I3 empty regular file", &i, &sb1k, 12, &o);
	i = reg_file();
	i.mode = 0x41ed;
	i.size = 0;
	inode_fail("I3 directory of size 0", &i, &sb1k, 12, -EUCLEAN, EXT2_WHY_INODE_SIZE);
	i.size = 1000;
	inode_fail("I3 directory not a multiple of bs", &i, &sb1k, 12, -EUCLEAN,
		   EXT2_WHY_INODE_SIZE);
	i.size = 2048;
	i.size_high = 1;		/* not read for directories */
	if (inode_ok("I3 directory of 2 blocks (size_high ignored)", &i, &sb1k, 12, &o))
		CHECK(o.size == 2048, "inode directory size ignores size_high");
	i = reg_file();
	i.mode = 0xA1ff;
	i.size = 0;
	i.blocks = 2;
	inode_fail("I3 symlink of size 0", &i, &sb1k, 12, -EUCLEAN, EXT2_WHY_INODE_SIZE);
	i.size = 4096;
	inode_fail("I3 symlink of 4096", &i, &sb1k, 12, -EUCLEAN, EXT2_WHY_INODE_SIZE);
	i.size = 4095;
	inode_ok("I3 slow symlink of 4095", &i, &sb1k, 12, &o);
	i = reg_file();
	i.mode = 0x1180;		/* FIFO: any size, any block[] */
	i.size = 0xffffffff;
	i.size_high = 0xffffffff;
	i.block[3] = 0xffffffff;
	if (inode_ok("FIFO: no size or block checks", &i, &sb1k, 12, &o))
		CHECK(o.size == 0xffffffff && o.rdev_major == 0 && o.rdev_minor == 0,
		      "inode FIFO: size_high ignored, rdev 0:0");
	i.mode = 0xC1ed;
	inode_ok("socket: no size or block checks", &i, &sb1k, 12, &o);
	/* I4 */
	i = reg_file();
	i.file_acl = 4097;
	inode_fail("I4 file_acl == blocks_count", &i, &sb1k, 12, -EUCLEAN, EXT2_WHY_INODE_ACL);
	i.mode = 0x1180;
	inode_fail("I4 applies to every type", &i, &sb1k, 12, -EUCLEAN, EXT2_WHY_INODE_ACL);
	i = reg_file();
	i.file_acl = 4096;
	inode_ok("I4 file_acl on the last block", &i, &sb1k, 12, &o);
	i = reg_file();
	i.file_acl = 5;
	inode_ok("I4 file_acl 5", &i, &sb1k, 12, &o);
	i = reg_file();
	i.len = 256;
	i.file_acl = 40000;
	inode_fail("I4 4k file_acl == blocks_count", &i, &sb4k, 12, -EUCLEAN,
		   EXT2_WHY_INODE_ACL);
	i.len = 256;
	i.file_acl = 0;
	inode_ok("I4 4k no acl", &i, &sb4k, 12, &o);
	/* I5 */
	i = (struct ispec){ .mode = 0xA1ff, .size = 59, .len = 128 };
	memset(i.block, 0xff, sizeof(i.block));	/* the target text: not pointers */
	if (inode_ok("I5 fast symlink of 59", &i, &sb1k, 12, &o))
		CHECK(o.fast_symlink == 1 && o.block[14] == 0xffffffff,
		      "inode fast symlink: fast_symlink 1, block[] raw");
	i.size = 60;
	inode_fail("I5 fast symlink of 60", &i, &sb1k, 12, -EUCLEAN, EXT2_WHY_SYMLINK);
	i.size = 59;
	i.file_acl = 100;
	i.blocks = 2;			/* the acl block only: still fast */
	if (inode_ok("I5 fast symlink with an acl block", &i, &sb1k, 12, &o))
		CHECK(o.fast_symlink == 1, "inode fast symlink with acl: fast");
	i.size = 60;
	inode_fail("I5 fast symlink with acl of 60", &i, &sb1k, 12, -EUCLEAN, EXT2_WHY_SYMLINK);
	i.blocks = 8;			/* acl block is 8 sectors on 4k */
	i.len = 256;
	inode_fail("I5 4k fast symlink with acl of 60", &i, &sb4k, 12, -EUCLEAN,
		   EXT2_WHY_SYMLINK);
	/* I6 */
	i = reg_file();
	i.block[14] = 4097;
	inode_fail("I6 triple indirect past the end", &i, &sb1k, 12, -EUCLEAN,
		   EXT2_WHY_INODE_BLOCK);
	i = reg_file();
	i.block[0] = 0xffffffff;
	inode_fail("I6 direct 2^32-1", &i, &sb1k, 12, -EUCLEAN, EXT2_WHY_INODE_BLOCK);
	i = reg_file();
	i.block[5] = 4096;
	i.block[6] = 0;			/* a hole */
	inode_ok("I6 last block and a hole", &i, &sb1k, 12, &o);
	i = reg_file();
	i.mode = 0x41ed;
	i.size = 1024;
	i.block[7] = 4097;
	inode_fail("I6 directory", &i, &sb1k, 12, -EUCLEAN, EXT2_WHY_INODE_BLOCK);
	i = reg_file();
	i.mode = 0xA1ff;
	i.size = 100;
	i.blocks = 2;
	i.block[0] = 4097;
	inode_fail("I6 slow symlink", &i, &sb1k, 12, -EUCLEAN, EXT2_WHY_INODE_BLOCK);
	i.size = 0;
	inode_fail("I3 before I6", &i, &sb1k, 12, -EUCLEAN, EXT2_WHY_INODE_SIZE);
	i.size = 100;
	i.file_acl = 4097;
	inode_fail("I4 before I6", &i, &sb1k, 12, -EUCLEAN, EXT2_WHY_INODE_ACL);
	i = reg_file();
	i.block[0] = 0;
	i.block[13] = 0;
	i.block[14] = 0;
	i.block[5] = 1;			/* fdb on 1k: fine here (C2 is the caller's) */
	inode_ok("I6 block == first_data_block", &i, &sb1k, 12, &o);
	i = reg_file();
	i.len = 256;
	i.block[0] = 0;			/* 0 on 4k is a hole, never block 0 */
	inode_ok("I6 4k hole", &i, &sb4k, 12, &o);
	/* devices */
	i = (struct ispec){ .mode = 0x21a4, .len = 128 };
	i.block[0] = 0x0401;		/* old encoding: 4:1 */
	i.block[1] = 0xffffffff;
	if (inode_ok("char device (old encoding)", &i, &sb1k, 12, &o))
		CHECK(o.rdev_major == 4 && o.rdev_minor == 1, "inode rdev old: 4:1");
	i.block[0] = 0;
	i.block[1] = (259u << 8) | 0x45 | (0x12345u << 12 & 0xfff00000u);
	if (inode_ok("block device (new encoding)", &i, &sb1k, 12, &o))
		CHECK(o.rdev_major == 259 && o.rdev_minor == (0x45 | (0x12345u & 0xfff00)),
		      "inode rdev new: 259:%u", o.rdev_minor);
	i.mode = 0x61a4;
	i.block[1] = 0xffffffff;
	if (inode_ok("block device, all bits", &i, &sb1k, 12, &o))
		CHECK(o.rdev_major == 0xfff && o.rdev_minor == 0xfffff,
		      "inode rdev new: 4095:1048575");
	i.block[5] = 0xffffffff;
	inode_ok("device: no block pointer checks", &i, &sb1k, 12, &o);
}

/* ---------------------------------------------------------------- dirents */

static uint8_t *dir_block(uint32_t bs)
{
	uint8_t *b = calloc(1, bs);

	if (!b)
		abort();
	return b;
}

static void put_dirent(uint8_t *b, uint32_t off, uint32_t ino, uint16_t rec_len,
		       uint8_t name_len, uint8_t type, const char *name)
{
	put32(b + off, ino);
	put16(b + off + 4, rec_len);
	b[off + 6] = name_len;
	b[off + 7] = type;
	memcpy(b + off + 8, name, strlen(name));
}

/* ".", "..", "hello" (to the end) in a 1 KiB block. */
static uint8_t *std_dir(void)
{
	uint8_t *b = dir_block(1024);

	put_dirent(b, 0, 2, 12, 1, EXT2_FT_DIR, ".");
	put_dirent(b, 12, 2, 12, 2, EXT2_FT_DIR, "..");
	put_dirent(b, 24, 12, 1000, 5, EXT2_FT_REG, "hello");
	return b;
}

static int run_dirent(const uint8_t *b, size_t len, uint32_t off, const struct ext2_super *sb,
		      struct ext2_dirent *out, uint32_t *why)
{
	memset(out, 0xAA, sizeof(*out));
	*why = WHY_INIT;
	return c_ext2_parse_dirent(b, len, off, sb, out, why);
}

static void dirent_fail(const char *what, uint8_t *b, uint32_t off, const struct ext2_super *sb,
			int want_rc, uint32_t want_why)
{
	struct ext2_dirent out;
	uint32_t why;
	int rc = run_dirent(b, sb->block_size, off, sb, &out, &why);

	CHECK(rc == want_rc && why == want_why && all_aa(&out, sizeof(out)),
	      "dirent %s: rc %d why %u (want %d %u), out untouched", what, rc, why, want_rc,
	      want_why);
	free(b);
}

static void dirent_ok(const char *what, uint8_t *b, uint32_t off, const struct ext2_super *sb,
		      struct ext2_dirent *out)
{
	uint32_t why;
	int rc = run_dirent(b, sb->block_size, off, sb, out, &why);

	CHECK(rc == 0 && why == WHY_INIT, "dirent %s: ok (rc %d why %u)", what, rc, why);
	free(b);
}

static void test_dirent(void)
{
	struct ext2_dirent d;
	struct ext2_super nofiletype = sb1k;
	uint32_t why = WHY_INIT;
	uint8_t *b;

	nofiletype.feature_incompat = 0;
	b = std_dir();
	dirent_ok("hello", b, 24, &sb1k, &d);
	CHECK(d.inode == 12 && d.rec_len == 1000 && d.name_len == 5 &&
	      d.file_type == EXT2_FT_REG && d.name_off == 32, "dirent hello: decoded fields");
	dirent_ok(".", std_dir(), 0, &sb1k, &d);
	CHECK(d.inode == 2 && d.rec_len == 12 && d.name_len == 1 && d.name_off == 8,
	      "dirent .: decoded fields");
	/* without the filetype feature name_len is 16 bits and file_type 0 */
	b = std_dir();
	b[31] = 0;			/* the high byte of name_len */
	dirent_ok("no filetype feature", b, 24, &nofiletype, &d);
	CHECK(d.name_len == 5 && d.file_type == 0, "dirent no filetype: le16 name_len");
	b = std_dir();			/* b[31] = 1: name_len 0x105 */
	dirent_fail("D4 no filetype: name_len 261 > 255", b, 24, &nofiletype, -EUCLEAN,
		    EXT2_WHY_DIRENT_NAME_LEN);
	b = std_dir();
	put_dirent(b, 24, 12, 1000, 255, 7, "");
	memset(b + 32, 'n', 255);
	dirent_ok("255-byte name, type 7", b, 24, &sb1k, &d);
	/* a free slot: inode 0 takes no name checks */
	b = std_dir();
	put_dirent(b, 24, 0, 1000, 0, 200, "");
	dirent_ok("free slot", b, 24, &sb1k, &d);
	CHECK(d.inode == 0 && d.name_len == 0 && d.file_type == 200,
	      "dirent free slot: returned as stored");

	/* D1 */
	b = std_dir();
	CHECK(c_ext2_parse_dirent(NULL, 1024, 0, &sb1k, &d, &why) == -EINVAL &&
	      why == EXT2_WHY_ARG, "D1 NULL blk");
	CHECK(c_ext2_parse_dirent(b, 1024, 0, NULL, &d, &why) == -EINVAL, "D1 NULL sb");
	CHECK(c_ext2_parse_dirent(b, 1024, 0, &sb1k, NULL, &why) == -EINVAL, "D1 NULL out");
	why = WHY_INIT;
	CHECK(run_dirent(b, 1020, 0, &sb1k, &d, &why) == -EINVAL && why == EXT2_WHY_ARG,
	      "D1 len != block size");
	CHECK(run_dirent(b, 1024, 1024, &sb1k, &d, &why) == -EINVAL && why == EXT2_WHY_ARG,
	      "D1 off == len");
	CHECK(run_dirent(b, 1024, 0xfffffffc, &sb1k, &d, &why) == -EINVAL,
	      "D1 off 2^32-4");
	dirent_fail("D1 off % 4", b, 26, &sb1k, -EINVAL, EXT2_WHY_ARG);
	/* D2 */
	b = std_dir();
	put32(b + 1016, 12);
	put16(b + 1020, 8);
	dirent_fail("D2 8 bytes left", b, 1016, &sb1k, -EUCLEAN, EXT2_WHY_DIRENT_SHORT);
	b = std_dir();
	put_dirent(b, 1012, 12, 12, 1, 1, "x");
	dirent_ok("D2 exactly 12 bytes left", b, 1012, &sb1k, &d);
	/* D3 */
	b = std_dir();
	put16(b + 28, 0);
	dirent_fail("D3 rec_len 0 (a loop)", b, 24, &sb1k, -EUCLEAN, EXT2_WHY_DIRENT_REC_LEN);
	b = std_dir();
	put16(b + 28, 8);
	dirent_fail("D3 rec_len 8", b, 24, &sb1k, -EUCLEAN, EXT2_WHY_DIRENT_REC_LEN);
	b = std_dir();
	put16(b + 28, 998);
	dirent_fail("D3 rec_len % 4", b, 24, &sb1k, -EUCLEAN, EXT2_WHY_DIRENT_REC_LEN);
	b = std_dir();
	put16(b + 28, 1004);
	dirent_fail("D3 rec_len past the block", b, 24, &sb1k, -EUCLEAN,
		    EXT2_WHY_DIRENT_REC_LEN);
	b = std_dir();
	put16(b + 28, 0xfffc);
	dirent_fail("D3 rec_len 65532", b, 24, &sb1k, -EUCLEAN, EXT2_WHY_DIRENT_REC_LEN);
	b = std_dir();
	put16(b + 28, 0);
	b[30] = 200;
	dirent_fail("D3 before D4", b, 24, &sb1k, -EUCLEAN, EXT2_WHY_DIRENT_REC_LEN);
	/* D4 */
	b = std_dir();
	b[18] = 5;			/* "..": 8 + 5 > 12 */
	dirent_fail("D4 name_len past rec_len", b, 12, &sb1k, -EUCLEAN,
		    EXT2_WHY_DIRENT_NAME_LEN);
	b = std_dir();
	b[18] = 4;			/* 8 + 4 == 12: fits, but NUL bytes */
	dirent_fail("D4 ok, then D6 (NUL in the name)", b, 12, &sb1k, -EUCLEAN,
		    EXT2_WHY_DIRENT_NAME);
	b = std_dir();
	put_dirent(b, 12, 0, 12, 5, 0, "");
	dirent_fail("D4 applies to free slots", b, 12, &sb1k, -EUCLEAN,
		    EXT2_WHY_DIRENT_NAME_LEN);
	b = std_dir();
	put_dirent(b, 24, 5000, 1000, 5, 1, "hello");
	b[30] = 0;
	b[31] = 1;			/* 0x100 without filetype */
	put16(b + 30, 256);
	dirent_fail("D4 before D5", b, 24, &nofiletype, -EUCLEAN, EXT2_WHY_DIRENT_NAME_LEN);
	/* D5 */
	b = std_dir();
	put32(b + 24, 1025);
	dirent_fail("D5 inode > inodes_count", b, 24, &sb1k, -EUCLEAN, EXT2_WHY_DIRENT_INODE);
	b = std_dir();
	put32(b + 24, 1);
	dirent_fail("D5 reserved inode 1", b, 24, &sb1k, -EUCLEAN, EXT2_WHY_DIRENT_INODE);
	b = std_dir();
	put32(b + 24, 10);
	dirent_fail("D5 reserved inode 10", b, 24, &sb1k, -EUCLEAN, EXT2_WHY_DIRENT_INODE);
	b = std_dir();
	put32(b + 24, 11);
	dirent_ok("D5 inode 11 (first_ino)", b, 24, &sb1k, &d);
	b = std_dir();
	put32(b + 24, 1024);
	dirent_ok("D5 inode == inodes_count", b, 24, &sb1k, &d);
	b = std_dir();
	put32(b + 24, 7);
	b[32] = '/';
	dirent_fail("D5 before D6", b, 24, &sb1k, -EUCLEAN, EXT2_WHY_DIRENT_INODE);
	/* D6 */
	b = std_dir();
	b[30] = 0;
	dirent_fail("D6 name_len 0", b, 24, &sb1k, -EUCLEAN, EXT2_WHY_DIRENT_NAME);
	b = std_dir();
	b[36] = 0;
	dirent_fail("D6 NUL in the name", b, 24, &sb1k, -EUCLEAN, EXT2_WHY_DIRENT_NAME);
	b = std_dir();
	b[36] = '/';
	dirent_fail("D6 '/' in the name", b, 24, &sb1k, -EUCLEAN, EXT2_WHY_DIRENT_NAME);
	b = std_dir();
	b[31] = 8;
	dirent_fail("D6 file_type 8", b, 24, &sb1k, -EUCLEAN, EXT2_WHY_DIRENT_NAME);
	b = std_dir();
	b[37] = 0;			/* after the name: not checked */
	b[38] = '/';
	dirent_ok("D6 bytes after the name are not the name", b, 24, &sb1k, &d);
	/* a 4 KiB block */
	b = dir_block(4096);
	put_dirent(b, 4084, 12, 12, 4, 1, "last");
	dirent_ok("4k: last entry", b, 4084, &sb4k, &d);
	CHECK(d.name_off == 4092, "dirent 4k: name_off 4092");
}

/* ---------------------------------------------------------------- block maps */

static void test_bmap(void)
{
	struct ext2_bmap_path b;
	uint32_t why = WHY_INIT;
	int rc;
	static const struct {
		const struct ext2_super *sb;
		uint64_t n;
		int rc;
		uint32_t depth, i[4];
	} cases[] = {
		{ &sb1k, 0, 0, 0, { 0 } },
		{ &sb1k, 11, 0, 0, { 11 } },
		{ &sb1k, 12, 0, 1, { 12, 0 } },
		{ &sb1k, 267, 0, 1, { 12, 255 } },
		{ &sb1k, 268, 0, 2, { 13, 0, 0 } },
		{ &sb1k, 268 + 256 + 3, 0, 2, { 13, 1, 3 } },
		{ &sb1k, 268 + 65535, 0, 2, { 13, 255, 255 } },
		{ &sb1k, 65804, 0, 3, { 14, 0, 0, 0 } },
		{ &sb1k, 65804 + 65536 * 2 + 256 * 3 + 4, 0, 3, { 14, 2, 3, 4 } },
		{ &sb1k, 65804 + 16777215, 0, 3, { 14, 255, 255, 255 } },
		{ &sb1k, 65804 + 16777216, -EFBIG, 0, { 0 } },
		{ &sb1k, ~0ULL, -EFBIG, 0, { 0 } },
		{ &sb4k, 1035, 0, 1, { 12, 1023 } },
		{ &sb4k, 1036, 0, 2, { 13, 0, 0 } },
		{ &sb4k, 1036 + 1048576, 0, 3, { 14, 0, 0, 0 } },
		{ &sb4k, 1036 + 1048576 + 1073741823, 0, 3, { 14, 1023, 1023, 1023 } },
		{ &sb4k, 1036 + 1048576 + 1073741824, -EFBIG, 0, { 0 } },
		{ &sb4k, 1ULL << 40, -EFBIG, 0, { 0 } },
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		memset(&b, 0xAA, sizeof(b));
		why = WHY_INIT;
		rc = c_ext2_bmap_path(cases[k].sb, cases[k].n, &b, &why);
		if (cases[k].rc)
			CHECK(rc == cases[k].rc && why == EXT2_WHY_BMAP_RANGE &&
			      all_aa(&b, sizeof(b)), "B2 bs %u block %llu: -EFBIG (rc %d)",
			      cases[k].sb->block_size, (unsigned long long)cases[k].n, rc);
		else
			CHECK(rc == 0 && why == WHY_INIT && b.depth == cases[k].depth &&
			      !memcmp(b.index, cases[k].i, sizeof(b.index)),
			      "bmap_path bs %u block %llu: depth %u {%u,%u,%u,%u}",
			      cases[k].sb->block_size, (unsigned long long)cases[k].n, b.depth,
			      b.index[0], b.index[1], b.index[2], b.index[3]);
	}
	why = WHY_INIT;
	CHECK(c_ext2_bmap_path(NULL, 0, &b, &why) == -EINVAL && why == EXT2_WHY_ARG,
	      "B1 NULL sb");
	CHECK(c_ext2_bmap_path(&sb1k, 0, NULL, &why) == -EINVAL, "B1 NULL out");
	CHECK(c_ext2_bmap_path(&sb1k, ~0ULL, NULL, &why) == -EINVAL, "B1 before B2");

	/* bmap_entry */
	uint8_t *blk = calloc(1, 1024);
	uint32_t e;

	put32(blk + 0, 2001);
	put32(blk + 8, 4097);
	put32(blk + 12, 3100);
	put32(blk + 16, 1);
	put32(blk + 20, 0xffffffff);
	put32(blk + 1020, 4096);
#define ENTRY(idx, self, want_rc, want_why, want_e, what)				\
	do {										\
		e = 0xAAAAAAAA;								\
		why = WHY_INIT;								\
		rc = c_ext2_bmap_entry(blk, 1024, idx, &sb1k, self, &e, &why);		\
		CHECK(rc == (want_rc) && why == ((want_rc) ? (want_why) : WHY_INIT) &&	\
		      e == ((want_rc) ? 0xAAAAAAAA : (want_e)),				\
		      "bmap_entry %s: rc %d why %u e %u", what, rc, why, e);		\
	} while (0)
	ENTRY(0, 3100, 0, 0, 2001, "a block");
	ENTRY(1, 3100, 0, 0, 0, "a hole");
	ENTRY(255, 3100, 0, 0, 4096, "last index, last block");
	ENTRY(4, 3100, 0, 0, 1, "first_data_block");
	ENTRY(2, 3100, -EUCLEAN, EXT2_WHY_BMAP_BLOCK, 0, "E2 == blocks_count");
	ENTRY(5, 3100, -EUCLEAN, EXT2_WHY_BMAP_BLOCK, 0, "E2 2^32-1");
	ENTRY(2, 4097, -EUCLEAN, EXT2_WHY_BMAP_BLOCK, 0, "E2 before E3");
	ENTRY(3, 3100, -EUCLEAN, EXT2_WHY_BMAP_SELF, 0, "E3 entry == self");
	ENTRY(1, 0, -EUCLEAN, EXT2_WHY_BMAP_SELF, 0, "E3 hole with self 0");
	ENTRY(256, 3100, -EINVAL, EXT2_WHY_ARG, 0, "E1 index == p");
	ENTRY(0xffffffff, 3100, -EINVAL, EXT2_WHY_ARG, 0, "E1 index 2^32-1");
	why = WHY_INIT;
	CHECK(c_ext2_bmap_entry(blk, 1023, 0, &sb1k, 3100, &e, &why) == -EINVAL &&
	      why == EXT2_WHY_ARG, "E1 len != bs");
	CHECK(c_ext2_bmap_entry(blk, 1024, 0, &sb4k, 3100, &e, &why) == -EINVAL,
	      "E1 len != bs (4k sb)");
	CHECK(c_ext2_bmap_entry(NULL, 1024, 0, &sb1k, 3100, &e, &why) == -EINVAL,
	      "E1 NULL blk");
	CHECK(c_ext2_bmap_entry(blk, 1024, 0, NULL, 3100, &e, &why) == -EINVAL,
	      "E1 NULL sb");
	CHECK(c_ext2_bmap_entry(blk, 1024, 0, &sb1k, 3100, NULL, &why) == -EINVAL,
	      "E1 NULL out");
	free(blk);
	blk = calloc(1, 4096);
	put32(blk + 4092, 39999);
	put32(blk + 4088, 40000);
	why = WHY_INIT;
	CHECK(c_ext2_bmap_entry(blk, 1024, 255, &sb4k, 5, &e, &why) == -EINVAL &&
	      why == EXT2_WHY_ARG, "E1 4k sb, 1 KiB of block");
	why = WHY_INIT;
	CHECK(c_ext2_bmap_entry(blk, 4096, 1023, &sb4k, 5, &e, &why) == 0 && e == 39999,
	      "bmap_entry 4k last index");
	CHECK(c_ext2_bmap_entry(blk, 4096, 1022, &sb4k, 5, &e, &why) == -EUCLEAN &&
	      why == EXT2_WHY_BMAP_BLOCK, "E2 4k == blocks_count");
	CHECK(c_ext2_bmap_entry(blk, 4096, 1024, &sb4k, 5, &e, &why) == -EINVAL,
	      "E1 4k index 1024");
	free(blk);
#undef ENTRY
}

/* ---------------------------------------------------------------- data blocks */

static void test_check_data(void)
{
	struct ext2_group g;
	struct gspec gs = g1();
	uint32_t why;
	int rc;

	run_group(&gs, &sb1k, 1, &g, &why);	/* meta 1025..1041, bitmaps 1042, 1043,
						   table 1044..1075 */
#define DATA(grp, blk, want_rc, want_why, what)						\
	do {										\
		why = WHY_INIT;								\
		rc = c_ext2_check_data_block(&sb1k, &g, grp, blk, &why);		\
		CHECK(rc == (want_rc) && why == ((want_rc) ? (want_why) : WHY_INIT),	\
		      "check_data_block %s: rc %d why %u", what, rc, why);		\
	} while (0)
	DATA(1, 1076, 0, 0, "first block after the table");
	DATA(1, 2048, 0, 0, "last block of the group");
	DATA(1, 1025, -EUCLEAN, EXT2_WHY_BLOCK_METADATA, "C2 superblock copy");
	DATA(1, 1041, -EUCLEAN, EXT2_WHY_BLOCK_METADATA, "C2 reserved gdt");
	DATA(1, 1042, -EUCLEAN, EXT2_WHY_BLOCK_METADATA, "C2 block bitmap");
	DATA(1, 1043, -EUCLEAN, EXT2_WHY_BLOCK_METADATA, "C2 inode bitmap");
	DATA(1, 1044, -EUCLEAN, EXT2_WHY_BLOCK_METADATA, "C2 inode table start");
	DATA(1, 1075, -EUCLEAN, EXT2_WHY_BLOCK_METADATA, "C2 inode table end");
	DATA(1, 1024, -EINVAL, EXT2_WHY_ARG, "C1 before the group");
	DATA(1, 2049, -EINVAL, EXT2_WHY_ARG, "C1 after the group");
	DATA(4, 1076, -EINVAL, EXT2_WHY_ARG, "C1 group == groups");
	why = WHY_INIT;
	CHECK(c_ext2_check_data_block(NULL, &g, 1, 1076, &why) == -EINVAL &&
	      why == EXT2_WHY_ARG, "C1 NULL sb");
	CHECK(c_ext2_check_data_block(&sb1k, NULL, 1, 1076, &why) == -EINVAL, "C1 NULL g");
	/* bitmaps after the table, table at the group's end: no wrap */
	g.inode_table = 0xffffffff - 10;
	g.last_block = 0xffffffff;
	g.first_block = 1025;
	DATA(1, 0xffffffff, -EUCLEAN, EXT2_WHY_BLOCK_METADATA, "C2 table near 2^32");
#undef DATA
}


/* ---- extended-attribute blocks (H1..H5, A1..A4) */

/* A valid 1 KiB block: user.ab = "xyz" at 1020, trusted.c = "" (no value). */
static uint8_t *xattr_block(void)
{
	uint8_t *b = calloc(1, 1024);

	put32(b, EXT2_XATTR_MAGIC);
	put32(b + 4, 3);
	put32(b + 8, 1);
	put32(b + 12, 0x1234);
	b[32] = 2; b[33] = 1; put16(b + 34, 1020); put32(b + 40, 3); put32(b + 44, 7);
	memcpy(b + 48, "ab", 2);
	b[52] = 1; b[53] = 4; memcpy(b + 68, "c", 1);	/* next at 52 + 20 = 72: end */
	memcpy(b + 1020, "xyz", 3);
	return b;
}

static void xblock_check(const char *what, void (*edit)(uint8_t *), int want_rc,
			 uint32_t want_why)
{
	uint8_t *b = xattr_block();
	struct ext2_xattr_header h;
	uint32_t why = WHY_INIT;

	if (edit)
		edit(b);
	uint8_t *e = dup_exact(b, 1024);
	memset(&h, 0xAA, sizeof(h));
	int rc = c_ext2_parse_xattr_block(e, 1024, &sb1k, &h, &why);
	if (want_rc)
		CHECK(rc == want_rc && why == want_why && all_aa(&h, sizeof(h)),
		      "xattr %s: rc %d why %u (want %d %u), out untouched", what, rc, why,
		      want_rc, want_why);
	else
		CHECK(rc == 0 && why == WHY_INIT && h.refcount == 3 && h.hash == 0x1234 &&
		      h.count == 2 && h.end == 76, "xattr %s: rc %d count %u end %u", what, rc,
		      h.count, h.end);
	free(e);
	free(b);
}

static void x_magic(uint8_t *b) { b[3] = 0xeb; }
static void x_blocks(uint8_t *b) { put32(b + 8, 2); }
static void x_noend(uint8_t *b)
{
	for (uint32_t off = 72; off < 1020; off += 20) {	/* "user.n", no value */
		b[off] = 1, b[off + 1] = 1;
		if (off + 16 < 1020)
			b[off + 16] = 'n';
	}
}
static void x_namelen0(uint8_t *b) { b[32] = 0; }
static void x_longname(uint8_t *b)
{
	memset(b + 32, 0, 1020 - 32);
	for (uint32_t off = 32; off < 1024; off += 272)	/* the 4th runs past the end */
		b[off] = 255, b[off + 1] = 1, memset(b + off + 16, 'n', off + 271 < 1020 ? 255 : 0);
}
static void x_vblock(uint8_t *b) { put32(b + 36, 5); }
static void x_valign(uint8_t *b) { put16(b + 34, 1018); }
static void x_vpast(uint8_t *b) { put32(b + 40, 5); }
static void x_vhuge(uint8_t *b) { put16(b + 34, 1020); put32(b + 40, 0xfffffffc); }
static void x_voverlap(uint8_t *b) { put16(b + 34, 72); }
static void x_vzero(uint8_t *b) { put16(b + 34, 2); put32(b + 40, 0); }	/* ignored */

static void test_xattr(void)
{
	struct ext2_xattr_entry x;
	uint32_t why = WHY_INIT;
	uint8_t *b = xattr_block();

	xblock_check("valid", NULL, 0, 0);
	xblock_check("value offset unused without a value", x_vzero, 0, 0);
	xblock_check("H2 magic", x_magic, -EUCLEAN, EXT2_WHY_XATTR_MAGIC);
	xblock_check("H3 blocks", x_blocks, -EUCLEAN, EXT2_WHY_XATTR_HEADER);
	xblock_check("A2/A3 no end mark", x_noend, -EUCLEAN, EXT2_WHY_XATTR_ENTRY);
	xblock_check("A3 name_len 0", x_namelen0, -EUCLEAN, EXT2_WHY_XATTR_ENTRY);
	xblock_check("A3 name past the block", x_longname, -EUCLEAN, EXT2_WHY_XATTR_ENTRY);
	xblock_check("A4 value_block", x_vblock, -EUCLEAN, EXT2_WHY_XATTR_VALUE);
	xblock_check("A4 value unaligned", x_valign, -EUCLEAN, EXT2_WHY_XATTR_VALUE);
	xblock_check("A4 value past the end", x_vpast, -EUCLEAN, EXT2_WHY_XATTR_VALUE);
	xblock_check("A4 value size near 4 GiB", x_vhuge, -EUCLEAN, EXT2_WHY_XATTR_VALUE);
	xblock_check("H5 value over the entries", x_voverlap, -EUCLEAN, EXT2_WHY_XATTR_VALUE);
	CHECK(c_ext2_parse_xattr_block(b, 1000, &sb1k, (void *)&x, &why) == -EINVAL &&
	      why == EXT2_WHY_ARG, "xattr H1 len");
	why = WHY_INIT;
	CHECK(c_ext2_parse_xattr_entry(b, 1024, 30, &sb1k, &x, &why) == -EINVAL &&
	      why == EXT2_WHY_ARG, "xattr A1 off < 32");
	why = WHY_INIT;
	CHECK(c_ext2_parse_xattr_entry(b, 1024, 34, &sb1k, &x, &why) == -EINVAL,
	      "xattr A1 off %% 4");
	why = WHY_INIT;
	CHECK(c_ext2_parse_xattr_entry(b, 1024, 32, &sb1k, &x, &why) == 0 && why == WHY_INIT &&
	      x.name_len == 2 && x.name_index == 1 && x.name_off == 48 &&
	      x.value_offs == 1020 && x.value_size == 3 && x.hash == 7 && x.next == 52,
	      "xattr entry decoded");
	CHECK(c_ext2_parse_xattr_entry(b, 1024, 72, &sb1k, &x, &why) == 0 && x.name_len == 0 &&
	      x.next == 76, "xattr end mark");
	free(b);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);	/* whole lines even if ASan aborts */
	CHECK(c_ext2_abi_version() == EXT2_ABI_VERSION, "abi version %u",
	      c_ext2_abi_version());
	test_super();
	make_supers();
	CHECK(sb1k.groups == 4 && sb4k.groups == 2 && sb1k_rev0.rev_level == 0,
	      "superblocks for the other tests");
	test_group();
	test_inode();
	test_dirent();
	test_bmap();
	test_check_data();
	test_xattr();
	return check_done();
}
