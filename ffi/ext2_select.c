/*
 * The ext2 parser behind the boundary. At boot, the Rust parser is used
 * only if it was built (FFI=1), is not switched off on the command line
 * (`rust=off` or `rust=off:ext2`), reports the ABI version this kernel was
 * built for, and passes a self-test that compares it with the C fallback.
 * After that every result is checked as if the other side were hostile:
 * a return code the call may not return, a `why` that does not go with
 * it, or an output that breaks the contract's invariants is logged once
 * and the C fallback takes over for good (and answers the call).
 *
 * The invariants checked are the ones the filesystem relies on to stay
 * inside its buffers and its disk: sizes and counts consistent with each
 * other, every block number a caller will read inside the filesystem,
 * directory entries inside their block. Most outputs are cheap to
 * re-derive from the inputs, and where they are, they are re-derived.
 */
#include <alloy/cmdline.h>
#include <alloy/compiler.h>
#include <alloy/errno.h>
#include <alloy/printk.h>
#include <alloy/string.h>
#include <ffi/ffi.h>
#include <ffi/select.h>

static const struct ext2_impl impls[] = {
	{ "c", c_ext2_abi_version, c_ext2_parse_super, c_ext2_parse_group,
	  c_ext2_parse_inode, c_ext2_parse_dirent, c_ext2_bmap_path,
	  c_ext2_bmap_entry, c_ext2_check_data_block, c_ext2_parse_xattr_entry,
	  c_ext2_parse_xattr_block },
#if ALLOY_FFI
	{ "rust", rust_ext2_abi_version, rust_ext2_parse_super, rust_ext2_parse_group,
	  rust_ext2_parse_inode, rust_ext2_parse_dirent, rust_ext2_bmap_path,
	  rust_ext2_bmap_entry, rust_ext2_check_data_block, rust_ext2_parse_xattr_entry,
	  rust_ext2_parse_xattr_block },
#endif
};

static const struct ext2_impl *active = &impls[0];

/* What an implementation must leave in *why when it succeeds. */
#define WHY_UNTOUCHED 0xdead2e2fU

const struct ext2_impl *ext2_impl_get(int i)
{
	return i >= 0 && i < (int)ARRAY_SIZE(impls) ? &impls[i] : NULL;
}

/* Tests only: make `impl` the active parser; returns the previous one. */
const struct ext2_impl *ext2_impl_force(const struct ext2_impl *impl)
{
	const struct ext2_impl *old = active;
	active = impl;
	return old;
}

const char *ext2_impl_active(void)
{
	return active->name;
}

static const char *const why_str[EXT2_WHY_COUNT] = {
	[EXT2_WHY_NONE] = "no error",
	[EXT2_WHY_ARG] = "invalid argument from the caller",
	[EXT2_WHY_MAGIC] = "bad magic number (not ext2)",
	[EXT2_WHY_REV] = "unsupported revision level",
	[EXT2_WHY_BLOCK_SIZE] = "block size larger than 4096",
	[EXT2_WHY_INCOMPAT] = "unsupported incompatible feature",
	[EXT2_WHY_FRAG] = "fragment size differs from the block size",
	[EXT2_WHY_BLOCKS_PER_GROUP] = "bad blocks per group",
	[EXT2_WHY_INODES_PER_GROUP] = "bad inodes per group",
	[EXT2_WHY_INODE_SIZE_SB] = "bad inode size in the superblock",
	[EXT2_WHY_FIRST_DATA] = "bad first data block",
	[EXT2_WHY_BLOCKS_COUNT] = "block count out of range of the device",
	[EXT2_WHY_INODES_COUNT] = "inode count does not match the groups",
	[EXT2_WHY_FIRST_INO] = "bad first non-reserved inode",
	[EXT2_WHY_GDT] = "group descriptor table does not fit",
	[EXT2_WHY_INODE_TABLE] = "inode table does not fit in a group",
	[EXT2_WHY_COUNTS] = "free or reserved counts out of range",
	[EXT2_WHY_GD_BLOCK_BITMAP] = "block bitmap outside its group",
	[EXT2_WHY_GD_INODE_BITMAP] = "inode bitmap outside its group",
	[EXT2_WHY_GD_INODE_TABLE] = "inode table outside its group or over a bitmap",
	[EXT2_WHY_GD_COUNTS] = "group free or directory counts out of range",
	[EXT2_WHY_INODE_MODE] = "unknown file type in the inode mode",
	[EXT2_WHY_INODE_SIZE] = "bad file size for the inode type",
	[EXT2_WHY_INODE_ACL] = "extended attribute block out of range",
	[EXT2_WHY_SYMLINK] = "fast symlink too long",
	[EXT2_WHY_INODE_BLOCK] = "inode block pointer out of range",
	[EXT2_WHY_DIRENT_SHORT] = "directory entry header past the block end",
	[EXT2_WHY_DIRENT_REC_LEN] = "rec_len loops or overruns the block",
	[EXT2_WHY_DIRENT_NAME_LEN] = "name_len longer than the entry",
	[EXT2_WHY_DIRENT_INODE] = "directory entry names a bad inode",
	[EXT2_WHY_DIRENT_NAME] = "bad name or file type in a directory entry",
	[EXT2_WHY_BMAP_RANGE] = "file block beyond the block map",
	[EXT2_WHY_BMAP_BLOCK] = "indirect block entry out of range",
	[EXT2_WHY_BMAP_SELF] = "indirect block points at itself",
	[EXT2_WHY_BLOCK_METADATA] = "data block overlaps group metadata",
	[EXT2_WHY_XATTR_MAGIC] = "bad extended-attribute block magic",
	[EXT2_WHY_XATTR_HEADER] = "bad extended-attribute block header",
	[EXT2_WHY_XATTR_ENTRY] = "extended-attribute entry out of its block",
	[EXT2_WHY_XATTR_VALUE] = "extended-attribute value out of place",
};

const char *ext2_why_str(uint32_t why)
{
	return why < EXT2_WHY_COUNT && why_str[why] ? why_str[why] : "unknown reason";
}

/* Switch to C for good, saying why once. */
static void distrust(const char *what)
{
	if (active == &impls[0])
		return;
	pr_err("ffi: ext2: the %s parser %s; using the C fallback from now on\n",
	       active->name, what);
	active = &impls[0];
}

/* The errno each reason goes with. */
static int why_errno(uint32_t why)
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
		return -EUCLEAN;
	}
}

/*
 * A failure must name a reason in [lo, hi] (the call's own checks) or
 * ARG, and return the errno that reason goes with; a success must leave
 * why alone. Anything else (other errnos, positive values) is a lie.
 */
static bool result_valid(int rc, uint32_t why, uint32_t lo, uint32_t hi)
{
	if (rc == 0)
		return why == WHY_UNTOUCHED;
	if (why != EXT2_WHY_ARG && (why < lo || why > hi))
		return false;
	return rc == why_errno(why);
}

static uint64_t div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static bool in_fs(const struct ext2_super *sb, uint64_t b)
{
	return b >= sb->first_data_block && b < sb->blocks_count;
}

static bool geometry_ok(uint32_t per_group, uint32_t bs)
{
	return per_group && per_group <= 8ULL * bs && !(per_group % 8);
}

static bool super_valid(const struct ext2_super *s, uint64_t dev_bytes)
{
	uint32_t bs = s->block_size, p = bs / 4;
	uint64_t groups, meta, pp = p, max;

	if (s->log_block_size < 10 || s->log_block_size > 12 ||
	    bs != 1U << s->log_block_size || s->rev_level > 1 ||
	    (s->feature_incompat & ~(uint32_t)EXT2_INCOMPAT_FILETYPE) ||
	    !geometry_ok(s->blocks_per_group, bs) || !geometry_ok(s->inodes_per_group, bs) ||
	    s->inode_size < EXT2_GOOD_OLD_INODE_SIZE || s->inode_size > bs ||
	    (s->inode_size & (s->inode_size - 1)) ||
	    s->first_data_block != (bs == 1024 ? 1U : 0U) ||
	    s->blocks_count <= s->first_data_block ||
	    (uint64_t)s->blocks_count * bs > dev_bytes)
		return false;
	if (s->rev_level == 0 &&
	    (s->feature_compat || s->feature_incompat || s->feature_ro_compat ||
	     s->inode_size != EXT2_GOOD_OLD_INODE_SIZE ||
	     s->first_ino != EXT2_GOOD_OLD_FIRST_INO))
		return false;
	groups = div_ceil(s->blocks_count - s->first_data_block, s->blocks_per_group);
	if (s->groups != groups || s->inodes_count != groups * s->inodes_per_group ||
	    s->first_ino < EXT2_GOOD_OLD_FIRST_INO || s->first_ino > s->inodes_count)
		return false;
	if ((!(s->feature_compat & EXT2_COMPAT_RESIZE_INODE) && s->reserved_gdt) ||
	    s->reserved_gdt > p ||
	    s->gdt_blocks != div_ceil(groups * EXT2_GROUP_DESC_SIZE, bs))
		return false;
	meta = 1ULL + s->gdt_blocks + s->reserved_gdt;
	if (meta > s->blocks_per_group || s->first_data_block + meta > s->blocks_count)
		return false;
	if (s->inode_table_blocks !=
		    div_ceil((uint64_t)s->inodes_per_group * s->inode_size, bs) ||
	    s->inode_table_blocks + 2ULL > s->blocks_per_group)
		return false;
	if (s->r_blocks_count > s->blocks_count || s->free_blocks_count > s->blocks_count ||
	    s->free_inodes_count > s->inodes_count)
		return false;
	if (s->read_only != ((s->feature_ro_compat & ~(uint32_t)EXT2_RO_COMPAT_KNOWN) != 0))
		return false;
	max = (12 + pp + pp * pp + pp * pp * pp) * bs;
	if (max > (1ULL << 41) - 1)
		max = (1ULL << 41) - 1;
	return s->max_file_size == max;
}

static bool has_super(const struct ext2_super *sb, uint32_t group)
{
	if (group <= 1 || !(sb->feature_ro_compat & EXT2_RO_COMPAT_SPARSE_SUPER))
		return true;
	for (uint64_t b = 3; b <= 7; b += 2) {
		uint64_t v = b;

		while (v < group)
			v *= b;
		if (v == group)
			return true;
	}
	return false;
}

static bool group_valid(const struct ext2_group *g, const struct ext2_super *sb,
			uint32_t group)
{
	uint64_t first = sb->first_data_block + (uint64_t)group * sb->blocks_per_group;
	uint64_t end = first + sb->blocks_per_group, last, meta_end, it_end;
	bool sup = has_super(sb, group);

	if (end > sb->blocks_count)
		end = sb->blocks_count;
	last = end - 1;
	meta_end = sup ? first + 1 + sb->gdt_blocks + sb->reserved_gdt : first;
	it_end = (uint64_t)g->inode_table + sb->inode_table_blocks;
	return g->first_block == first && g->last_block == last &&
	       g->has_super == sup && g->meta_end == meta_end &&
	       g->block_bitmap >= meta_end && g->block_bitmap <= last &&
	       g->inode_bitmap >= meta_end && g->inode_bitmap <= last &&
	       g->inode_bitmap != g->block_bitmap &&
	       g->inode_table >= meta_end && it_end <= last + 1 &&
	       !(g->block_bitmap >= g->inode_table && g->block_bitmap < it_end) &&
	       !(g->inode_bitmap >= g->inode_table && g->inode_bitmap < it_end) &&
	       g->free_blocks <= last - first + 1 && g->free_inodes <= sb->inodes_per_group &&
	       g->used_dirs <= sb->inodes_per_group;
}

static bool inode_valid(const struct ext2_inode *in, const struct ext2_super *sb)
{
	uint32_t type = in->mode & 0xF000;
	bool uses_blocks = false;

	switch (type) {
	case 0x1000: case 0xC000:		/* FIFO, socket */
	case 0x2000: case 0x6000:		/* devices */
		if (in->size > 0xffffffffULL)
			return false;
		break;
	case 0x8000:				/* regular */
		uses_blocks = true;
		if (in->size > sb->max_file_size)
			return false;
		break;
	case 0x4000:				/* directory */
		uses_blocks = true;
		if (!in->size || in->size % sb->block_size || in->size > 0xffffffffULL)
			return false;
		break;
	case 0xA000:				/* symlink */
		if (!in->size || in->size > 4095 ||
		    in->fast_symlink !=
			    (in->blocks512 == (in->file_acl ? sb->block_size / 512 : 0)) ||
		    (in->fast_symlink && in->size > EXT2_FAST_SYMLINK_MAX))
			return false;
		uses_blocks = !in->fast_symlink;
		break;
	default:
		return false;
	}
	if (type != 0xA000 && in->fast_symlink)
		return false;
	if (in->pad || (in->file_acl && !in_fs(sb, in->file_acl)))
		return false;
	if (uses_blocks)
		for (int i = 0; i < EXT2_N_BLOCKS; i++)
			if (in->block[i] && !in_fs(sb, in->block[i]))
				return false;
	if (type == 0x2000 || type == 0x6000) {
		uint32_t b0 = in->block[0], b1 = in->block[1];
		uint32_t maj = b0 ? (b0 >> 8) & 0xff : (b1 >> 8) & 0xfff;
		uint32_t min = b0 ? b0 & 0xff : (b1 & 0xff) | ((b1 >> 12) & 0xfff00);

		return in->rdev_major == maj && in->rdev_minor == min;
	}
	return !in->rdev_major && !in->rdev_minor;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Re-read from the block: each field must be what is stored. */
static bool dirent_valid(const struct ext2_dirent *d, const uint8_t *blk, size_t len,
			 uint32_t off, const struct ext2_super *sb)
{
	const uint8_t *e = blk + off;	/* off < len: the call succeeded */
	bool ft = sb->feature_incompat & EXT2_INCOMPAT_FILETYPE;

	if (len - off < 12 || d->inode != get32(e) ||
	    d->rec_len != (uint32_t)(e[4] | e[5] << 8) ||
	    d->name_len != (ft ? e[6] : (uint32_t)(e[6] | e[7] << 8)) ||
	    d->file_type != (ft ? e[7] : 0U) || d->name_off != off + 8)
		return false;
	if (d->rec_len < 12 || d->rec_len % 4 || (uint64_t)off + d->rec_len > len ||
	    d->name_len > EXT2_NAME_MAX || 8 + d->name_len > d->rec_len ||
	    d->inode > sb->inodes_count ||
	    (d->inode && d->inode < sb->first_ino && d->inode != EXT2_ROOT_INO))
		return false;
	if (d->inode) {
		if (!d->name_len || d->file_type > EXT2_FT_SYMLINK)
			return false;
		for (uint32_t i = 0; i < d->name_len; i++)
			if (!e[8 + i] || e[8 + i] == '/')
				return false;
	}
	return true;
}

/* The path must lead back to file_block. */
static bool path_valid(const struct ext2_bmap_path *b, const struct ext2_super *sb,
		       uint64_t file_block)
{
	uint64_t p = sb->block_size / 4, n;

	if (b->depth > 3)
		return false;
	for (uint32_t i = b->depth + 1; i < 4; i++)
		if (b->index[i])
			return false;
	for (uint32_t i = 1; i <= b->depth; i++)
		if (b->index[i] >= p)
			return false;
	switch (b->depth) {
	case 0:
		return b->index[0] < EXT2_NDIR_BLOCKS && b->index[0] == file_block;
	case 1:
		n = 12 + (uint64_t)b->index[1];
		break;
	case 2:
		n = 12 + p + b->index[1] * p + b->index[2];
		break;
	default:
		n = 12 + p + p * p + b->index[1] * p * p + b->index[2] * p + b->index[3];
		break;
	}
	return b->index[0] == 11 + b->depth && n == file_block;
}

int ext2_parse_super(const uint8_t *raw, size_t len, uint64_t dev_bytes,
		     struct ext2_super *out, uint32_t *why)
{
	struct ext2_super s;
	const struct ext2_impl *impl = active;
	uint32_t w = WHY_UNTOUCHED;
	int rc = impl->parse_super(raw, len, dev_bytes, &s, &w);

	if (impl != &impls[0] &&
	    (!result_valid(rc, w, EXT2_WHY_MAGIC, EXT2_WHY_COUNTS) ||
	     (!rc && !super_valid(&s, dev_bytes)))) {
		distrust("returned an invalid superblock result");
		w = WHY_UNTOUCHED;
		rc = impls[0].parse_super(raw, len, dev_bytes, &s, &w);
	}
	if (!rc)
		*out = s;
	else if (why)
		*why = w;
	return rc;
}

int ext2_parse_group(const uint8_t *raw, size_t len, const struct ext2_super *sb,
		     uint32_t group, struct ext2_group *out, uint32_t *why)
{
	struct ext2_group g;
	const struct ext2_impl *impl = active;
	uint32_t w = WHY_UNTOUCHED;
	int rc = impl->parse_group(raw, len, sb, group, &g, &w);

	if (impl != &impls[0] &&
	    (!result_valid(rc, w, EXT2_WHY_GD_BLOCK_BITMAP, EXT2_WHY_GD_COUNTS) ||
	     (!rc && (!sb || group >= sb->groups || !group_valid(&g, sb, group))))) {
		distrust("returned an invalid group descriptor");
		w = WHY_UNTOUCHED;
		rc = impls[0].parse_group(raw, len, sb, group, &g, &w);
	}
	if (!rc)
		*out = g;
	else if (why)
		*why = w;
	return rc;
}

int ext2_parse_inode(const uint8_t *raw, size_t len, const struct ext2_super *sb,
		     uint32_t ino, struct ext2_inode *out, uint32_t *why)
{
	struct ext2_inode in;
	const struct ext2_impl *impl = active;
	uint32_t w = WHY_UNTOUCHED;
	int rc = impl->parse_inode(raw, len, sb, ino, &in, &w);

	if (impl != &impls[0] &&
	    (!result_valid(rc, w, EXT2_WHY_INODE_MODE, EXT2_WHY_INODE_BLOCK) ||
	     (!rc && (!sb || !inode_valid(&in, sb))))) {
		distrust("returned an invalid inode");
		w = WHY_UNTOUCHED;
		rc = impls[0].parse_inode(raw, len, sb, ino, &in, &w);
	}
	if (!rc)
		*out = in;
	else if (why)
		*why = w;
	return rc;
}

int ext2_parse_dirent(const uint8_t *blk, size_t len, uint32_t off,
		      const struct ext2_super *sb, struct ext2_dirent *out, uint32_t *why)
{
	struct ext2_dirent d;
	const struct ext2_impl *impl = active;
	uint32_t w = WHY_UNTOUCHED;
	int rc = impl->parse_dirent(blk, len, off, sb, &d, &w);

	/* a success needs blk, sb, len == block size and off < len: checked first */
	if (impl != &impls[0] &&
	    (!result_valid(rc, w, EXT2_WHY_DIRENT_SHORT, EXT2_WHY_DIRENT_NAME) ||
	     (!rc && (!blk || !sb || len != sb->block_size || off >= len || off % 4 ||
		      !dirent_valid(&d, blk, len, off, sb))))) {
		distrust("returned an invalid directory entry");
		w = WHY_UNTOUCHED;
		rc = impls[0].parse_dirent(blk, len, off, sb, &d, &w);
	}
	if (!rc)
		*out = d;
	else if (why)
		*why = w;
	return rc;
}

int ext2_bmap_path(const struct ext2_super *sb, uint64_t file_block,
		   struct ext2_bmap_path *out, uint32_t *why)
{
	struct ext2_bmap_path b;
	const struct ext2_impl *impl = active;
	uint32_t w = WHY_UNTOUCHED;
	int rc = impl->bmap_path(sb, file_block, &b, &w);

	if (impl != &impls[0] &&
	    (!result_valid(rc, w, EXT2_WHY_BMAP_RANGE, EXT2_WHY_BMAP_RANGE) ||
	     (!rc && (!sb || !path_valid(&b, sb, file_block))))) {
		distrust("returned an invalid block map path");
		w = WHY_UNTOUCHED;
		rc = impls[0].bmap_path(sb, file_block, &b, &w);
	}
	if (!rc)
		*out = b;
	else if (why)
		*why = w;
	return rc;
}

int ext2_bmap_entry(const uint8_t *blk, size_t len, uint32_t index,
		    const struct ext2_super *sb, uint32_t self, uint32_t *out, uint32_t *why)
{
	uint32_t e = 0;
	const struct ext2_impl *impl = active;
	uint32_t w = WHY_UNTOUCHED;
	int rc = impl->bmap_entry(blk, len, index, sb, self, &e, &w);

	if (impl != &impls[0] &&
	    (!result_valid(rc, w, EXT2_WHY_BMAP_BLOCK, EXT2_WHY_BMAP_SELF) ||
	     (!rc && (!blk || !sb || len != sb->block_size || index >= sb->block_size / 4 ||
		      e != get32(blk + 4 * (size_t)index) || e == self ||
		      (e && !in_fs(sb, e)))))) {
		distrust("returned an invalid indirect block entry");
		w = WHY_UNTOUCHED;
		rc = impls[0].bmap_entry(blk, len, index, sb, self, &e, &w);
	}
	if (!rc)
		*out = e;
	else if (why)
		*why = w;
	return rc;
}

int ext2_check_data_block(const struct ext2_super *sb, const struct ext2_group *g,
			  uint32_t group, uint32_t block, uint32_t *why)
{
	const struct ext2_impl *impl = active;
	uint32_t w = WHY_UNTOUCHED;
	int rc = impl->check_data_block(sb, g, group, block, &w);

	if (impl != &impls[0] &&
	    (!result_valid(rc, w, EXT2_WHY_BLOCK_METADATA, EXT2_WHY_BLOCK_METADATA) ||
	     (!rc && (!sb || !g || group >= sb->groups || block < g->first_block ||
		      block > g->last_block || block < g->meta_end ||
		      block == g->block_bitmap || block == g->inode_bitmap ||
		      (block >= g->inode_table &&
		       (uint64_t)block < (uint64_t)g->inode_table + sb->inode_table_blocks))))) {
		distrust("passed a metadata block as data");
		w = WHY_UNTOUCHED;
		rc = impls[0].check_data_block(sb, g, group, block, &w);
	}
	if (rc && why)
		*why = w;
	return rc;
}

void ext2_select_init(void)
{
#if ALLOY_FFI
	const struct ext2_impl *rust = &impls[1];
	uint32_t v;

	if (!ffi_rust_allowed("ext2")) {
		pr_info("ffi: ext2: C parser (Rust switched off on the command line)\n");
		return;
	}
	v = rust->abi_version();
	if (cmdline_list_has("ffi_break", "abi"))	/* tests: a stale library */
		v = EXT2_ABI_VERSION + 1;
	if (v != EXT2_ABI_VERSION) {
		pr_warn("ffi: ext2: Rust parser has ABI %u, the kernel expects %u; "
			"using the C fallback\n", v, EXT2_ABI_VERSION);
		return;
	}
	if (!ext2_self_test(rust) || cmdline_list_has("ffi_break", "selftest")) {
		pr_warn("ffi: ext2: Rust parser failed its self-test; using the C fallback\n");
		return;
	}
	active = rust;
	pr_info("ffi: ext2: Rust parser (ABI %u, self-test passed)\n", v);
#else
	pr_info("ffi: ext2: C parser (built with FFI=0)\n");
#endif
}

/*
 * Extended-attribute blocks: an entry, its name and value inside the
 * block, the end mark inside it; a block's end inside it.
 */
static bool xattr_entry_valid(const struct ext2_xattr_entry *x, size_t len, uint32_t off)
{
	if (!x->name_len)
		return x->next == off + 4 && (uint64_t)x->next <= len;
	return x->name_off == off + EXT2_XATTR_ENTRY_SIZE && x->name_len <= 255 &&
	       x->next == ((off + EXT2_XATTR_ENTRY_SIZE + x->name_len + 3) & ~3U) &&
	       (uint64_t)x->next + 4 <= len &&
	       (!x->value_size || (uint64_t)x->value_offs + x->value_size <= len);
}

int ext2_parse_xattr_entry(const uint8_t *blk, size_t len, uint32_t off,
			   const struct ext2_super *sb, struct ext2_xattr_entry *out,
			   uint32_t *why)
{
	struct ext2_xattr_entry x;
	const struct ext2_impl *impl = active->parse_xattr_entry ? active : &impls[0];
	uint32_t w = WHY_UNTOUCHED;
	int rc = impl->parse_xattr_entry(blk, len, off, sb, &x, &w);

	if (impl != &impls[0] &&
	    (!result_valid(rc, w, EXT2_WHY_XATTR_ENTRY, EXT2_WHY_XATTR_VALUE) ||
	     (!rc && (!blk || !sb || len != sb->block_size || off < EXT2_XATTR_HEADER_SIZE ||
		      off >= len || off % 4 || !xattr_entry_valid(&x, len, off))))) {
		distrust("returned an invalid extended-attribute entry");
		w = WHY_UNTOUCHED;
		rc = impls[0].parse_xattr_entry(blk, len, off, sb, &x, &w);
	}
	if (!rc)
		*out = x;
	else if (why)
		*why = w;
	return rc;
}

int ext2_parse_xattr_block(const uint8_t *blk, size_t len, const struct ext2_super *sb,
			   struct ext2_xattr_header *out, uint32_t *why)
{
	struct ext2_xattr_header h;
	const struct ext2_impl *impl = active->parse_xattr_block ? active : &impls[0];
	uint32_t w = WHY_UNTOUCHED;
	int rc = impl->parse_xattr_block(blk, len, sb, &h, &w);

	if (impl != &impls[0] &&
	    (!result_valid(rc, w, EXT2_WHY_XATTR_MAGIC, EXT2_WHY_XATTR_VALUE) ||
	     (!rc && (!blk || !sb || len != sb->block_size ||
		      h.end < EXT2_XATTR_HEADER_SIZE + 4 || h.end > len)))) {
		distrust("returned an invalid extended-attribute block");
		w = WHY_UNTOUCHED;
		rc = impls[0].parse_xattr_block(blk, len, sb, &h, &w);
	}
	if (!rc)
		*out = h;
	else if (why)
		*why = w;
	return rc;
}
