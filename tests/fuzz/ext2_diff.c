/*
 * Differential fuzzer for the ext2 parser (ffi/ext2.h): every input picks
 * one call (or all the dependent ones) and its arguments, and the call goes
 * through the C fallback (kernel/fs/ext2/ext2_parse.c, c_ext2_*) and the
 * Rust component (liballoy_rs.a, rust_ext2_*). Any difference in the
 * return code, in *why, or in any output byte traps, and so does a broken
 * promise of the contract that both make (an output written on failure,
 * *why written on success, a why code that is not a failure code or does
 * not go with the errno).
 *
 * Input layout (HDR bytes, then the payload):
 *   [0]      op: bits 0-2 choose the call (0 super, 1 group, 2 inode,
 *            3 dirent, 4 bmap_path, 5 bmap_entry, 6 check_data_block,
 *            7 every dependent call in turn, then the extended-attribute
 *            block and entry calls); bit 3: the superblock is
 *            synthesized from params (else it is the payload's first 1024
 *            bytes); bit 4: raw arguments (else shaped into range); bit 5:
 *            one pointer argument NULL; bit 6: why NULL; bit 7: the group
 *            descriptor for check_data_block is synthesized from params.
 *   [1..4]   a: group, ino, offset, index (little endian)
 *   [5..12]  b: dev_bytes, file_block, self, block (little endian)
 *   [13..20] params of the synthesized superblock / group descriptor
 * The dependent calls (everything but parse_super) get the struct
 * ext2_super that both implementations produced from the superblock (the
 * contract lets them assume an output of parse_super), so a synthesized,
 * valid one exercises them even when the fuzzed one is not valid. With op
 * 0 and bit 3, the synthesized superblock is XORed with the payload (near
 * misses of every S check).
 *
 * Build and run: scripts/fuzz-ext2.sh SECONDS OUT.tap. By hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -I. \
 *     -DWITH_RUST tests/fuzz/ext2_diff.c kernel/fs/ext2/ext2_parse.c \
 *     target/release/liballoy_rs.a -Wl,--gc-sections -lpthread -ldl -lm \
 *     -o ext2_diff
 *   ./ext2_diff -max_len=8192 CORPUS_DIR SEED_DIR...
 * Reproduce: ./ext2_diff crash-<sha1> (prints both results).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The generated header declares rust_ext2_* with its rs_* structs; rename
 * those declarations so that the contract's can be used, and prove at
 * compile time that both headers describe the same layout.
 */
#define rust_ext2_abi_version gen_rust_ext2_abi_version
#define rust_ext2_parse_super gen_rust_ext2_parse_super
#define rust_ext2_parse_group gen_rust_ext2_parse_group
#define rust_ext2_parse_inode gen_rust_ext2_parse_inode
#define rust_ext2_parse_dirent gen_rust_ext2_parse_dirent
#define rust_ext2_bmap_path gen_rust_ext2_bmap_path
#define rust_ext2_bmap_entry gen_rust_ext2_bmap_entry
#define rust_ext2_check_data_block gen_rust_ext2_check_data_block
#define rust_ext2_parse_xattr_entry gen_rust_ext2_parse_xattr_entry
#define rust_ext2_parse_xattr_block gen_rust_ext2_parse_xattr_block
#include "ffi/generated/ext2_rs.h"
#undef rust_ext2_abi_version
#undef rust_ext2_parse_super
#undef rust_ext2_parse_group
#undef rust_ext2_parse_inode
#undef rust_ext2_parse_dirent
#undef rust_ext2_bmap_path
#undef rust_ext2_bmap_entry
#undef rust_ext2_check_data_block
#undef rust_ext2_parse_xattr_entry
#undef rust_ext2_parse_xattr_block

#include "alloy/errno.h"
#include "ffi/ext2.h"

#ifndef WITH_RUST
#error "the differential fuzzer compares C with Rust: build with -DWITH_RUST"
#endif

#define SAME(s, f) \
	_Static_assert(offsetof(struct s, f) == offsetof(struct rs_##s, f) && \
		       sizeof(((struct s *)0)->f) == sizeof(((struct rs_##s *)0)->f), \
		       #s "." #f " differs between ffi/ext2.h and ffi/generated/ext2_rs.h")
#define SAME_SIZE(s) \
	_Static_assert(sizeof(struct s) == sizeof(struct rs_##s) && \
		       _Alignof(struct s) == _Alignof(struct rs_##s), #s " size")
SAME_SIZE(ext2_super);
SAME(ext2_super, block_size); SAME(ext2_super, log_block_size);
SAME(ext2_super, blocks_count); SAME(ext2_super, inodes_count);
SAME(ext2_super, r_blocks_count); SAME(ext2_super, free_blocks_count);
SAME(ext2_super, free_inodes_count); SAME(ext2_super, first_data_block);
SAME(ext2_super, blocks_per_group); SAME(ext2_super, inodes_per_group);
SAME(ext2_super, groups); SAME(ext2_super, gdt_blocks); SAME(ext2_super, reserved_gdt);
SAME(ext2_super, inode_size); SAME(ext2_super, first_ino);
SAME(ext2_super, inode_table_blocks); SAME(ext2_super, rev_level);
SAME(ext2_super, feature_compat); SAME(ext2_super, feature_incompat);
SAME(ext2_super, feature_ro_compat); SAME(ext2_super, read_only);
SAME(ext2_super, state); SAME(ext2_super, errors); SAME(ext2_super, max_file_size);
SAME_SIZE(ext2_group);
SAME(ext2_group, block_bitmap); SAME(ext2_group, inode_bitmap); SAME(ext2_group, inode_table);
SAME(ext2_group, free_blocks); SAME(ext2_group, free_inodes); SAME(ext2_group, used_dirs);
SAME(ext2_group, first_block); SAME(ext2_group, last_block); SAME(ext2_group, meta_end);
SAME(ext2_group, has_super);
SAME_SIZE(ext2_inode);
SAME(ext2_inode, mode); SAME(ext2_inode, links); SAME(ext2_inode, uid); SAME(ext2_inode, gid);
SAME(ext2_inode, flags); SAME(ext2_inode, size); SAME(ext2_inode, atime);
SAME(ext2_inode, ctime); SAME(ext2_inode, mtime); SAME(ext2_inode, dtime);
SAME(ext2_inode, blocks512); SAME(ext2_inode, file_acl); SAME(ext2_inode, generation);
SAME(ext2_inode, fast_symlink); SAME(ext2_inode, rdev_major); SAME(ext2_inode, rdev_minor);
SAME(ext2_inode, block); SAME(ext2_inode, pad);
SAME_SIZE(ext2_xattr_entry);
SAME(ext2_xattr_entry, name_len); SAME(ext2_xattr_entry, name_index);
SAME(ext2_xattr_entry, name_off); SAME(ext2_xattr_entry, value_offs);
SAME(ext2_xattr_entry, value_size); SAME(ext2_xattr_entry, hash); SAME(ext2_xattr_entry, next);
SAME_SIZE(ext2_xattr_header);
SAME(ext2_xattr_header, refcount); SAME(ext2_xattr_header, hash);
SAME(ext2_xattr_header, count); SAME(ext2_xattr_header, end);
SAME_SIZE(ext2_dirent);
SAME(ext2_dirent, inode); SAME(ext2_dirent, rec_len); SAME(ext2_dirent, name_len);
SAME(ext2_dirent, file_type); SAME(ext2_dirent, name_off);
SAME_SIZE(ext2_bmap_path);
SAME(ext2_bmap_path, depth); SAME(ext2_bmap_path, index);
_Static_assert(RS_EXT2_ABI_VERSION == EXT2_ABI_VERSION, "ABI version");
_Static_assert(RS_EXT2_WHY_COUNT == EXT2_WHY_COUNT, "why codes");
_Static_assert(RS_EXT2_WHY_BLOCK_METADATA == EXT2_WHY_BLOCK_METADATA, "why codes");

void alloy_rust_panic(const char *msg, size_t len);
void alloy_log(int level, const char *msg, size_t len);

void alloy_rust_panic(const char *msg, size_t len)
{
	fprintf(stderr, "ext2_diff: rust panic: %.*s\n", (int)len, msg);
	abort();
}

/* Rejections may be logged; at millions of inputs a second, stay quiet. */
void alloy_log(int level, const char *msg, size_t len)
{
	(void)level;
	(void)msg;
	(void)len;
}

#define HDR 21
#define WHY_UNSET 0xdeadbeefu
#define OUT_MAX 128
#define FILL 0xa5

/* One call's result: return code, *why, the output bytes. */
struct res {
	int rc;
	uint32_t why;
	uint8_t out[OUT_MAX];
};

static const char *const op_name[] = {
	"parse_super", "parse_group", "parse_inode", "parse_dirent",
	"bmap_path", "bmap_entry", "check_data_block", "parse_xattr_block",
	"parse_xattr_entry",
};

static int errno_of(uint32_t why)
{
	switch (why) {
	case EXT2_WHY_ARG:
	case EXT2_WHY_MAGIC:
		return -EINVAL;
	case EXT2_WHY_REV:
	case EXT2_WHY_BLOCK_SIZE:
	case EXT2_WHY_INCOMPAT:
		return -EOPNOTSUPP;
	case EXT2_WHY_BMAP_RANGE:
		return -EFBIG;
	default:
		return why > EXT2_WHY_INCOMPAT && why < EXT2_WHY_COUNT ? -EUCLEAN : 1;
	}
}

static void dump(const char *who, const struct res *r, size_t n)
{
	fprintf(stderr, "  %-5s rc %d why %u out", who, r->rc, r->why);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 4 ? "" : " ", r->out[i]);
	fprintf(stderr, "\n");
}

/*
 * Compares the two results of `op`, whose output is `n` bytes (0: none),
 * and checks the promises of the contract. Traps on any problem.
 */
static void count(int op, const struct res *r, int why_null);

static void compare(int op, const struct res *c, const struct res *rs, size_t n, int why_null)
{
	const char *bad = NULL;
	const struct res *both[2] = { c, rs };

	if (c->rc != rs->rc)
		bad = "return codes differ";
	else if (c->why != rs->why)
		bad = "why codes differ";
	else if (memcmp(c->out, rs->out, n))
		bad = "outputs differ";
	for (int i = 0; i < 2 && !bad; i++) {
		const struct res *r = both[i];
		size_t k;

		if (r->rc == 0) {
			if (r->why != WHY_UNSET)
				bad = "*why written on success";
			continue;
		}
		for (k = 0; k < n && r->out[k] == FILL; k++)
			;
		if (k < n)
			bad = "*out written on failure";
		else if (!why_null && errno_of(r->why) != r->rc)
			bad = "why code and errno do not go together";
		else if (why_null && r->why != WHY_UNSET)
			bad = "why written through NULL?";
	}
	if (bad) {
		fprintf(stderr, "ext2_diff: %s: %s\n", op_name[op], bad);
		dump("c:", c, n);
		dump("rust:", rs, n);
		__builtin_trap();
	}
	count(op, c, why_null);
}

/*
 * EXT2_DIFF_STATS=1 ./ext2_diff -runs=0 CORPUS: at exit, how often each
 * call ended with each why code (0: success), to see that every check is
 * reached.
 */
static unsigned long stats[9][EXT2_WHY_COUNT + 1];
static int stats_on = -1;

static void print_stats(void)
{
	for (int op = 0; op < 9; op++) {
		fprintf(stderr, "ext2_diff stats: %-16s", op_name[op]);
		for (int w = 0; w <= EXT2_WHY_COUNT; w++)
			if (stats[op][w])
				fprintf(stderr, " %d:%lu", w, stats[op][w]);
		fprintf(stderr, "\n");
	}
}

static void count(int op, const struct res *r, int why_null)
{
	if (stats_on < 0) {
		stats_on = getenv("EXT2_DIFF_STATS") != NULL;
		if (stats_on)
			atexit(print_stats);
	}
	if (stats_on && !why_null)
		stats[op][r->rc == 0 ? 0 : r->why < EXT2_WHY_COUNT ? r->why : EXT2_WHY_COUNT]++;
}

static void reset(struct res *c, struct res *rs)
{
	memset(c, 0, sizeof(*c));
	memset(rs, 0, sizeof(*rs));
	memset(c->out, FILL, OUT_MAX);
	memset(rs->out, FILL, OUT_MAX);
	c->why = rs->why = WHY_UNSET;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

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

/*
 * A superblock that is valid for most params (not all: the fuzzer learns
 * the rest), its device size in *dev.
 */
static void synth_super(const uint8_t *p, uint8_t raw[1024], uint64_t *dev)
{
	uint32_t log = p[0] % 3, bs = 1024u << log, rev = (p[0] >> 2) & 1;
	uint32_t fdb = bs == 1024, isz = rev ? 128u << (p[3] % (4 + log)) : 128;
	uint32_t bpg = 8 * (1 + (uint32_t)(p[1] | p[2] << 8) % bs);
	uint64_t ipg_max = (uint64_t)(bpg - 2) * bs / isz;
	uint32_t ipg, groups = 1 + p[5] % 60, gdt, rsv = 0, first_ino = 11;
	uint32_t compat = 0, incompat = 0, ro = 0, last, bc;

	if (ipg_max > 8ull * bs)
		ipg_max = 8ull * bs;
	if (ipg_max < 8) {
		isz = 128;
		ipg_max = 8;
	}
	ipg = 8 * (1 + (uint32_t)((p[4] | p[7] << 8) % (ipg_max / 8)));
	gdt = (groups * 32 + bs - 1) / bs;
	if (rev) {
		if (p[0] & 0x08)
			compat |= EXT2_COMPAT_RESIZE_INODE | EXT2_COMPAT_EXT_ATTR;
		if (p[0] & 0x10)
			incompat |= EXT2_INCOMPAT_FILETYPE;
		if (p[0] & 0x20)
			ro |= EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE;
		if (p[0] & 0x40)
			ro |= 0x80;
		if (compat & EXT2_COMPAT_RESIZE_INODE) {
			uint32_t room = bpg - 1 - gdt < bs / 4 ? bpg - 1 - gdt : bs / 4;

			rsv = p[6] % (room + 1);
		}
	}
	last = 1 + (uint32_t)(p[6] | p[2] << 8) % bpg;
	if (groups == 1 && last < 1 + gdt + rsv)
		last = 1 + gdt + rsv;
	bc = fdb + (groups - 1) * bpg + last;
	if (rev)
		first_ino = 11 + p[7] % 8;

	memset(raw, 0, 1024);
	put32(raw + 0, groups * ipg);
	put32(raw + 4, bc);
	put32(raw + 8, bc / 20);
	put32(raw + 12, bc / 2);
	put32(raw + 16, groups * ipg - 11);
	put32(raw + 20, fdb);
	put32(raw + 24, log);
	put32(raw + 28, log);
	put32(raw + 32, bpg);
	put32(raw + 36, bpg);
	put32(raw + 40, ipg);
	put16(raw + 56, EXT2_MAGIC);
	put16(raw + 58, 1 + (p[3] >> 7));
	put16(raw + 60, 1);
	put32(raw + 76, rev);
	put32(raw + 84, first_ino);
	put16(raw + 88, (uint16_t)isz);
	put32(raw + 92, compat);
	put32(raw + 96, incompat);
	put32(raw + 100, ro);
	put16(raw + 206, (uint16_t)rsv);
	*dev = (uint64_t)bc * bs;
}

/* The contract's group layout, to synthesize descriptors near validity. */
static void group_layout(const struct ext2_super *sb, uint32_t group, uint64_t *first,
			 uint64_t *last, uint64_t *meta_end)
{
	uint64_t f = sb->first_data_block + (uint64_t)group * sb->blocks_per_group;
	uint64_t end = f + sb->blocks_per_group;
	int sup = group <= 1 || !(sb->feature_ro_compat & EXT2_RO_COMPAT_SPARSE_SUPER);

	for (uint32_t base = 3; base <= 7 && !sup; base += 2)
		for (uint64_t q = base; q <= group && !sup; q *= base)
			sup = q == group;
	if (end > sb->blocks_count)
		end = sb->blocks_count;
	*first = f;
	*last = end - 1;
	*meta_end = sup ? f + 1 + sb->gdt_blocks + sb->reserved_gdt : f;
}

static void synth_group(const struct ext2_super *sb, uint32_t group, const uint8_t *p,
			uint8_t gd[32])
{
	uint64_t first, last, meta;
	uint32_t span, itb = sb->inode_table_blocks;

	group_layout(sb, group, &first, &last, &meta);
	span = last >= meta ? (uint32_t)(last - meta + 1) : 1;
	memset(gd, 0, 32);
	if (p[1] & 1) { /* the usual order: bitmaps, then the table */
		put32(gd + 0, (uint32_t)meta);
		put32(gd + 4, (uint32_t)meta + 1);
		put32(gd + 8, (uint32_t)meta + 2 + p[2] % 4);
	} else {
		put32(gd + 0, (uint32_t)meta + (uint32_t)(p[2] | p[3] << 8) % span);
		put32(gd + 4, (uint32_t)meta + (uint32_t)(p[4] | p[5] << 8) % span);
		put32(gd + 8, (uint32_t)meta + (uint32_t)(p[6] | p[7] << 8) %
			      (span > itb ? span - itb + 1 : 1));
	}
	put16(gd + 12, (uint16_t)(p[3] % 8));
	put16(gd + 14, (uint16_t)(p[5] % 8));
	put16(gd + 16, (uint16_t)(p[7] % 8));
}

/* Everything one input decided. */
struct args {
	int op;
	int raw_args, null_ptr, why_null, synth_gd;
	uint32_t a;
	uint64_t b;
	const uint8_t *params;
	const uint8_t *rest;
	size_t rest_len;
};

static uint8_t shaped[65536 + 64];

/* `rest` copied into a zero-padded buffer of n bytes (n <= 65536). */
static const uint8_t *shape(const struct args *x, size_t n)
{
	size_t k = x->rest_len < n ? x->rest_len : n;

	memcpy(shaped, x->rest, k);
	memset(shaped + k, 0, n - k);
	return shaped;
}

static void *nul_if(int cond, void *p)
{
	return cond ? NULL : p;
}

static void run_group(const struct ext2_super *sb, const struct args *x)
{
	struct res c, rs;
	uint32_t group = x->raw_args ? x->a : x->a % (sb->groups + 1);
	const uint8_t *raw = x->rest;
	size_t len = x->rest_len;
	int n0 = x->null_ptr && (x->b & 3) == 0, n1 = x->null_ptr && (x->b & 3) == 1;
	int n2 = x->null_ptr && (x->b & 3) == 2;

	if (!x->raw_args) {
		raw = shape(x, 32);
		len = 32;
	}
	reset(&c, &rs);
	c.rc = c_ext2_parse_group(nul_if(n0, (void *)raw), len, nul_if(n1, (void *)sb), group,
				  nul_if(n2, c.out), nul_if(x->why_null, &c.why));
	rs.rc = rust_ext2_parse_group(nul_if(n0, (void *)raw), len, nul_if(n1, (void *)sb), group,
				      nul_if(n2, rs.out), nul_if(x->why_null, &rs.why));
	compare(1, &c, &rs, sizeof(struct ext2_group), x->why_null);
}

static void run_inode(const struct ext2_super *sb, const struct args *x)
{
	struct res c, rs;
	uint32_t ino = x->raw_args ? x->a : 1 + x->a % (sb->inodes_count + 1);
	const uint8_t *raw = x->rest;
	size_t len = x->rest_len;
	int n0 = x->null_ptr && (x->b & 3) == 0, n1 = x->null_ptr && (x->b & 3) == 1;
	int n2 = x->null_ptr && (x->b & 3) == 2;

	if (!x->raw_args) {
		raw = shape(x, sb->inode_size);
		len = sb->inode_size;
	}
	reset(&c, &rs);
	c.rc = c_ext2_parse_inode(nul_if(n0, (void *)raw), len, nul_if(n1, (void *)sb), ino,
				  nul_if(n2, c.out), nul_if(x->why_null, &c.why));
	rs.rc = rust_ext2_parse_inode(nul_if(n0, (void *)raw), len, nul_if(n1, (void *)sb), ino,
				      nul_if(n2, rs.out), nul_if(x->why_null, &rs.why));
	compare(2, &c, &rs, sizeof(struct ext2_inode), x->why_null);
}

static void run_dirent(const struct ext2_super *sb, const struct args *x)
{
	struct res c, rs;
	uint32_t off = x->a;
	const uint8_t *blk = x->rest;
	size_t len = x->rest_len;
	int n0 = x->null_ptr && (x->b & 3) == 0, n1 = x->null_ptr && (x->b & 3) == 1;
	int n2 = x->null_ptr && (x->b & 3) == 2;

	if (!x->raw_args) {
		blk = shape(x, sb->block_size);
		len = sb->block_size;
		/* Mostly aligned, sometimes not, sometimes just past the end. */
		off = x->a % (sb->block_size + 8);
		if (!(x->b & 4))
			off &= ~3u;
	}
	reset(&c, &rs);
	c.rc = c_ext2_parse_dirent(nul_if(n0, (void *)blk), len, off, nul_if(n1, (void *)sb),
				   nul_if(n2, c.out), nul_if(x->why_null, &c.why));
	rs.rc = rust_ext2_parse_dirent(nul_if(n0, (void *)blk), len, off, nul_if(n1, (void *)sb),
				       nul_if(n2, rs.out), nul_if(x->why_null, &rs.why));
	compare(3, &c, &rs, sizeof(struct ext2_dirent), x->why_null);
}

/*
 * The extended-attribute block calls: both parsers on the same block (bit
 * 8 of b gives it a valid header, so the entries are reached), the whole
 * block and then the entry at the offset a picks; and for a block both
 * accept, the contract's promises walked entry by entry.
 */
static void xattr_fail(const char *what)
{
	fprintf(stderr, "ext2_diff: parse_xattr: %s\n", what);
	__builtin_trap();
}

static void run_xattr(const struct ext2_super *sb, const struct args *x)
{
	static uint8_t blk[4096];
	size_t len = sb->block_size;
	struct res c, rs;
	struct ext2_xattr_header h;
	struct ext2_xattr_entry e;
	uint32_t why, off, n = 0;

	memcpy(blk, shape(x, len), len);
	if (x->b & 0x100) {
		blk[0] = 0; blk[1] = 0; blk[2] = 2; blk[3] = 0xea;
		blk[8] = 1; blk[9] = 0; blk[10] = 0; blk[11] = 0;
	}
	reset(&c, &rs);
	c.rc = c_ext2_parse_xattr_block(blk, len, sb, (void *)c.out, &c.why);
	rs.rc = rust_ext2_parse_xattr_block(blk, len, sb, (void *)rs.out, &rs.why);
	compare(7, &c, &rs, sizeof(struct ext2_xattr_header), 0);
	reset(&c, &rs);
	off = x->a % (uint32_t)(len + 8);
	if (!(x->b & 4))
		off &= ~3u;
	c.rc = c_ext2_parse_xattr_entry(blk, len, off, sb, (void *)c.out, &c.why);
	rs.rc = rust_ext2_parse_xattr_entry(blk, len, off, sb, (void *)rs.out, &rs.why);
	compare(8, &c, &rs, sizeof(struct ext2_xattr_entry), 0);

	why = WHY_UNSET;
	if (c_ext2_parse_xattr_block(blk, len, sb, &h, &why))
		return;
	if (h.end < 36 || h.end > len)
		xattr_fail("end outside the block");
	for (off = 32;; off = e.next) {
		if (c_ext2_parse_xattr_entry(blk, len, off, sb, &e, &why))
			xattr_fail("an entry of a valid block refused");
		if (!e.name_len)
			break;
		n++;
		if ((uint64_t)e.name_off + e.name_len > len || e.next <= off || e.next % 4)
			xattr_fail("entry outside the block");
		if (e.value_size && ((uint64_t)e.value_offs + e.value_size > len ||
				     e.value_offs < h.end))
			xattr_fail("value outside its place");
	}
	if (n != h.count || e.next != h.end)
		xattr_fail("count or end wrong");
}

static void run_path(const struct ext2_super *sb, const struct args *x)
{
	struct res c, rs;
	uint64_t p = sb->block_size / 4, n = x->b;
	int n1 = x->null_ptr && (x->a & 1) == 0, n2 = x->null_ptr && (x->a & 1) == 1;

	if (!x->raw_args) {
		/* Near a boundary of a depth, or anywhere in range. */
		static const uint64_t zero = 0;
		uint64_t edge[5] = { zero, 12, 12 + p, 12 + p + p * p, 12 + p + p * p + p * p * p };

		n = x->a & 0x80000000u ? x->b % (edge[4] + 4)
				       : edge[x->a % 5] + (int64_t)(int8_t)(x->b & 0xff);
	}
	reset(&c, &rs);
	c.rc = c_ext2_bmap_path(nul_if(n1, (void *)sb), n, nul_if(n2, c.out),
				nul_if(x->why_null, &c.why));
	rs.rc = rust_ext2_bmap_path(nul_if(n1, (void *)sb), n, nul_if(n2, rs.out),
				    nul_if(x->why_null, &rs.why));
	compare(4, &c, &rs, sizeof(struct ext2_bmap_path), x->why_null);
}

static void run_entry(const struct ext2_super *sb, const struct args *x)
{
	struct res c, rs;
	uint32_t index = x->a, self = (uint32_t)(x->b >> 8);
	const uint8_t *blk = x->rest;
	size_t len = x->rest_len;
	int n0 = x->null_ptr && (x->b & 3) == 0, n1 = x->null_ptr && (x->b & 3) == 1;
	int n2 = x->null_ptr && (x->b & 3) == 2;

	if (!x->raw_args) {
		blk = shape(x, sb->block_size);
		len = sb->block_size;
		index = x->a % (sb->block_size / 4 + 2);
		/* Often the entry itself, to reach E3. */
		if ((x->b & 0xc) == 0 && index < sb->block_size / 4)
			self = le32(blk + 4 * index);
	}
	reset(&c, &rs);
	c.rc = c_ext2_bmap_entry(nul_if(n0, (void *)blk), len, index, nul_if(n1, (void *)sb), self,
				 nul_if(n2, c.out), nul_if(x->why_null, &c.why));
	rs.rc = rust_ext2_bmap_entry(nul_if(n0, (void *)blk), len, index, nul_if(n1, (void *)sb),
				     self, nul_if(n2, rs.out), nul_if(x->why_null, &rs.why));
	compare(5, &c, &rs, sizeof(uint32_t), x->why_null);
}

static void run_check(const struct ext2_super *sb, const struct args *x)
{
	struct res c, rs;
	struct ext2_group g;
	uint8_t gd[32];
	uint32_t group = x->a % sb->groups, block = (uint32_t)x->b;
	const uint8_t *raw = shape(x, 32);
	int n0 = x->null_ptr && (x->b & 1) == 0, n1 = x->null_ptr && (x->b & 1) == 1;

	/* A group both implementations accept first. */
	if (x->synth_gd) {
		synth_group(sb, group, x->params, gd);
		raw = gd;
	}
	reset(&c, &rs);
	c.rc = c_ext2_parse_group(raw, 32, sb, group, (struct ext2_group *)c.out, &c.why);
	rs.rc = rust_ext2_parse_group(raw, 32, sb, group, (struct ext2_group *)rs.out, &rs.why);
	compare(1, &c, &rs, sizeof(struct ext2_group), 0);
	if (c.rc)
		return;
	memcpy(&g, c.out, sizeof(g));
	if (!x->raw_args) {
		uint32_t span = g.last_block - g.first_block + 1;

		block = g.first_block - 1 + (uint32_t)((x->b >> 8) % ((uint64_t)span + 2));
	} else {
		group = x->a;
	}
	reset(&c, &rs);
	c.rc = c_ext2_check_data_block(nul_if(n0, (void *)sb), nul_if(n1, &g), group, block,
				       nul_if(x->why_null, &c.why));
	rs.rc = rust_ext2_check_data_block(nul_if(n0, (void *)sb), nul_if(n1, &g), group, block,
					   nul_if(x->why_null, &rs.why));
	compare(6, &c, &rs, 0, x->why_null);
}

/* parse_super on both; 0 and *sb when both accept. */
static int run_super(const uint8_t *raw, size_t len, uint64_t dev, const struct args *x,
		     struct ext2_super *sb)
{
	struct res c, rs;
	int n0 = x && x->null_ptr && (x->a & 1) == 0, n2 = x && x->null_ptr && (x->a & 1) == 1;
	int wn = x && x->why_null;

	reset(&c, &rs);
	c.rc = c_ext2_parse_super(nul_if(n0, (void *)raw), len, dev, nul_if(n2, c.out),
				  nul_if(wn, &c.why));
	rs.rc = rust_ext2_parse_super(nul_if(n0, (void *)raw), len, dev, nul_if(n2, rs.out),
				      nul_if(wn, &rs.why));
	compare(0, &c, &rs, sizeof(struct ext2_super), wn);
	if (c.rc)
		return -1;
	memcpy(sb, c.out, sizeof(*sb));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct args x;
	struct ext2_super sb;
	uint8_t raw[1024];
	uint64_t dev;
	int synth_sb;

	if (size < HDR)
		return 0;
	x.op = data[0] & 7;
	synth_sb = data[0] & 0x08;
	x.raw_args = (data[0] >> 4) & 1;
	x.null_ptr = (data[0] >> 5) & 1;
	x.why_null = (data[0] >> 6) & 1;
	x.synth_gd = (data[0] >> 7) & 1;
	x.a = le32(data + 1);
	x.b = le64(data + 5);
	x.params = data + 13;
	x.rest = data + HDR;
	x.rest_len = size - HDR;

	if (x.op == 0) {
		if (!synth_sb) {
			run_super(x.rest, x.rest_len, x.b, &x, &sb);
			return 0;
		}
		/* Near misses: a valid superblock with payload bits flipped. */
		synth_super(x.params, raw, &dev);
		for (size_t i = 0; i < x.rest_len && i < sizeof(raw); i++)
			raw[i] ^= x.rest[i];
		run_super(raw, sizeof(raw), dev + (uint64_t)(int64_t)(int8_t)(x.b & 0xff), &x, &sb);
		return 0;
	}

	/* The dependent calls: a superblock both accept, then the call. */
	if (synth_sb) {
		synth_super(x.params, raw, &dev);
		if (run_super(raw, sizeof(raw), dev, NULL, &sb))
			return 0;
	} else {
		if (x.rest_len < 1024 || run_super(x.rest, 1024, UINT64_MAX, NULL, &sb))
			return 0;
		x.rest += 1024;
		x.rest_len -= 1024;
	}
	switch (x.op) {
	case 1: run_group(&sb, &x); break;
	case 2: run_inode(&sb, &x); break;
	case 3: run_dirent(&sb, &x); break;
	case 4: run_path(&sb, &x); break;
	case 5: run_entry(&sb, &x); break;
	case 6: run_check(&sb, &x); break;
	default:
		run_group(&sb, &x);
		run_inode(&sb, &x);
		run_dirent(&sb, &x);
		run_path(&sb, &x);
		run_entry(&sb, &x);
		run_check(&sb, &x);
		run_xattr(&sb, &x);
		break;
	}
	return 0;
}
