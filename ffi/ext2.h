/*
 * The ext2 on-disk parser: the contract that the C fallback
 * (kernel/fs/ext2/ext2_parse.c, symbols c_ext2_*) and the Rust component
 * (rust/ext2, symbols rust_ext2_*) both satisfy, bit for bit. ffi/
 * ext2_select.c picks one at boot; the filesystem (kernel/fs/ext2/) calls
 * the ext2_* wrappers declared in ffi/ffi.h and never an implementation.
 *
 * The parser does no I/O and keeps nothing: the filesystem reads a
 * superblock, a group descriptor, an inode, a directory block or an
 * indirect block and hands the bytes over; the parser validates them and
 * decodes them into the plain structs below. All on-disk numbers are
 * little endian. Arithmetic never overflows (64-bit or checked).
 *
 * Rules (DESIGN §5): inputs are (pointer, length) pairs and are only read
 * during the call; `out` is written only when the call returns 0; every
 * call returns 0 or a negative errno. No allocation, no panic, whatever
 * the bytes. The one departure (docs/ffi.md): every call but the version
 * takes `why`, which may be NULL; when the call fails, *why receives the
 * EXT2_WHY_* code of the first failing check below (so the console line
 * can name the problem), and it is left alone on success. The struct
 * ext2_super and ext2_group inputs are outputs of earlier calls; the
 * parser may assume they are such outputs.
 *
 * Errors: -EINVAL for a caller error and for "not ext2" (bad magic, as
 * mount(2) reports it), -EOPNOTSUPP for a valid filesystem using what
 * this driver does not implement, -EUCLEAN for corrupt metadata, -EFBIG
 * for a file block past what the block map can address.
 *
 * Let bs = block size, p = bs / 4 (block numbers per indirect block),
 * le16(o)/le32(o) the little-endian field at byte offset o.
 *
 * ext2_parse_super(raw, len, dev_bytes, out, why): raw is the 1024 bytes
 * at byte 1024 of the device; dev_bytes the device size.
 *  S1  raw or out NULL, or len < 1024                  -EINVAL  ARG
 *  S2  le16(56) magic != 0xEF53                        -EINVAL  MAGIC
 *  S3  le32(76) rev_level > 1                          -EOPNOTSUPP REV
 *  S4  le32(24) log_block_size > 2 (bs > 4096)         -EOPNOTSUPP BLOCK_SIZE
 *      bs = 1024 << log_block_size
 *  S5  rev 1 and le32(96) feature_incompat has a bit other than
 *      EXT2_INCOMPAT_FILETYPE                           -EOPNOTSUPP INCOMPAT
 *      (rev 0: all three feature words are taken as 0)
 *  S6  le32(28) log_frag_size != log_block_size         -EUCLEAN FRAG
 *  S7  blocks_per_group le32(32) is 0, > 8 * bs or not a multiple of 8
 *                                                       -EUCLEAN BLOCKS_PER_GROUP
 *  S8  inodes_per_group le32(40) is 0, > 8 * bs or not a multiple of 8
 *                                                       -EUCLEAN INODES_PER_GROUP
 *  S9  inode_size: rev 0: 128; rev 1: le16(88), must be a power of two
 *      with 128 <= inode_size <= bs                     -EUCLEAN INODE_SIZE
 *  S10 first_data_block le32(20) != (bs == 1024 ? 1 : 0) -EUCLEAN FIRST_DATA
 *  S11 blocks_count le32(4) <= first_data_block, or blocks_count * bs >
 *      dev_bytes                                        -EUCLEAN BLOCKS_COUNT
 *  S12 groups = ceil((blocks_count - first_data_block) / blocks_per_group);
 *      inodes_count le32(0) != groups * inodes_per_group (64-bit)
 *                                                       -EUCLEAN INODES_COUNT
 *  S13 first_ino: rev 0: 11; rev 1: le32(84), must satisfy
 *      11 <= first_ino <= inodes_count                  -EUCLEAN FIRST_INO
 *  S14 reserved_gdt = (rev 1 and feature_compat has EXT2_COMPAT_RESIZE_INODE)
 *      ? le16(206) : 0; gdt_blocks = ceil(groups * 32 / bs);
 *      reserved_gdt > p, or first_data_block + 1 + gdt_blocks + reserved_gdt
 *      > first_data_block + blocks_per_group (group 0's superblock and
 *      descriptor copy must fit in group 0), or more than blocks_count
 *                                                       -EUCLEAN GDT
 *  S15 inode_table_blocks = ceil(inodes_per_group * inode_size / bs);
 *      inode_table_blocks + 2 > blocks_per_group        -EUCLEAN INODE_TABLE
 *  S16 r_blocks_count le32(8) > blocks_count, free_blocks_count le32(12) >
 *      blocks_count, or free_inodes_count le32(16) > inodes_count
 *                                                       -EUCLEAN COUNTS
 *  then out is filled (struct ext2_super); read_only is 1 when (rev 1 and)
 *  feature_ro_compat has a bit outside EXT2_RO_COMPAT_KNOWN, else 0.
 *
 * ext2_parse_group(raw, len, sb, group, out, why): raw is group `group`'s
 * 32-byte descriptor. The group's blocks are [first, last] with
 * first = first_data_block + group * blocks_per_group and
 * last = min(first + blocks_per_group, blocks_count) - 1. The group has a
 * superblock copy when group == 0, or sparse_super is off, or group is 1
 * or a power of 3, 5 or 7; then meta_end = first + 1 + gdt_blocks +
 * reserved_gdt, else meta_end = first.
 *  G1  raw, sb or out NULL, len < 32, or group >= sb->groups  -EINVAL ARG
 *  G2  block_bitmap le32(0) outside [meta_end, last]    -EUCLEAN GD_BLOCK_BITMAP
 *  G3  inode_bitmap le32(4) outside [meta_end, last], or == block_bitmap
 *                                                       -EUCLEAN GD_INODE_BITMAP
 *  G4  inode_table le32(8): [inode_table, inode_table + inode_table_blocks)
 *      not inside [meta_end, last], or holding either bitmap
 *                                                       -EUCLEAN GD_INODE_TABLE
 *  G5  free_blocks le16(12) > last - first + 1, free_inodes le16(14) >
 *      inodes_per_group, or used_dirs le16(16) > inodes_per_group
 *                                                       -EUCLEAN GD_COUNTS
 *
 * ext2_parse_inode(raw, len, sb, ino, out, why): raw is inode ino's record
 * (sb->inode_size bytes; only the first 128 are decoded).
 *  I1  raw, sb or out NULL, len < sb->inode_size, ino == 0 or
 *      ino > sb->inodes_count                           -EINVAL ARG
 *  I2  le16(0) mode & 0xF000 not one of the seven file types
 *                                                       -EUCLEAN INODE_MODE
 *  I3  size: regular files le32(4) | le32(108) << 32, others le32(4).
 *      A regular file larger than sb->max_file_size, a directory whose
 *      size is 0 or not a multiple of bs, a symlink of size 0 or > 4095
 *                                                       -EUCLEAN INODE_SIZE
 *  I4  file_acl le32(104) != 0 and outside [first_data_block, blocks_count)
 *                                                       -EUCLEAN INODE_ACL
 *  I5  a symlink is fast when le32(28) i_blocks == (file_acl ? bs / 512 : 0);
 *      a fast symlink with size >= 60                   -EUCLEAN SYMLINK
 *  I6  regular files, directories and slow symlinks: a block pointer
 *      le32(40 + 4 * i), i < 15, != 0 and outside
 *      [first_data_block, blocks_count)                 -EUCLEAN INODE_BLOCK
 *  then out is filled; for character and block devices rdev is decoded:
 *  block[0] != 0: major = (b0 >> 8) & 0xff, minor = b0 & 0xff; else with
 *  b1 = block[1]: major = (b1 >> 8) & 0xfff, minor = (b1 & 0xff) |
 *  ((b1 >> 12) & 0xfff00); other types have rdev 0:0. uid and gid add
 *  le16(120) << 16 and le16(122) << 16. Nothing is said about links == 0
 *  or dtime: the filesystem decides.
 *
 * ext2_parse_dirent(blk, len, off, sb, out, why): the entry at byte off of
 * a directory block. name_len is le8(6) with the filetype feature, else
 * le16(6); file_type is le8(7) with it, else 0.
 *  D1  blk, sb or out NULL, len != sb->block_size, off >= len, or off % 4
 *                                                       -EINVAL ARG
 *  D2  len - off < 12                                   -EUCLEAN DIRENT_SHORT
 *  D3  rec_len le16(4) < 12, rec_len % 4 != 0, or off + rec_len > len
 *                                                       -EUCLEAN DIRENT_REC_LEN
 *  D4  name_len > 255, or 8 + name_len > rec_len        -EUCLEAN DIRENT_NAME_LEN
 *  D5  inode le32(0) > inodes_count, or 0 < inode < first_ino and
 *      inode != 2 (reserved inodes other than the root)
 *                                                       -EUCLEAN DIRENT_INODE
 *  D6  inode != 0 and: name_len == 0, a name byte is 0 or '/', or
 *      file_type > 7                                    -EUCLEAN DIRENT_NAME
 *  then out = { inode, rec_len, name_len, file_type, name_off = off + 8 }.
 *  An entry with inode 0 is a free slot; the caller skips it.
 *
 * ext2_bmap_path(sb, file_block, out, why): where block file_block of a
 * file is mapped. With n = file_block:
 *      n < 12: depth 0, index = { n }
 *      n -= 12, n < p: depth 1, index = { 12, n }
 *      n -= p, n < p^2: depth 2, index = { 13, n / p, n % p }
 *      n -= p^2, n < p^3: depth 3, index = { 14, n / p^2, (n / p) % p, n % p }
 *  B1  sb or out NULL                                   -EINVAL ARG
 *  B2  file_block beyond that                           -EFBIG  BMAP_RANGE
 *  unused index entries are 0.
 *
 * ext2_bmap_entry(blk, len, index, sb, self, out, why): entry `index` of
 * the indirect block numbered `self`.
 *  E1  blk, sb or out NULL, len != sb->block_size, index >= p
 *                                                       -EINVAL ARG
 *  E2  the entry != 0 and outside [first_data_block, blocks_count)
 *                                                       -EUCLEAN BMAP_BLOCK
 *  E3  the entry == self (also when both are 0: no indirect block is
 *      numbered 0)                                      -EUCLEAN BMAP_SELF
 *  then *out = the entry (0: a hole).
 *
 * ext2_check_data_block(sb, g, group, block, why): may `block`, which the
 * caller found in an inode or an indirect block and which lies in group
 * `group` (described by g), hold file data or an indirect block?
 *  C1  sb or g NULL, group >= sb->groups, block outside
 *      [g->first_block, g->last_block]                  -EINVAL ARG
 *  C2  block < g->meta_end, == a bitmap, or inside the inode table
 *                                                       -EUCLEAN BLOCK_METADATA
 *
 * Extended-attribute blocks (i_file_acl; Linux's fs/ext2/xattr.h): a
 * 32-byte header (le32(0) magic 0xEA020000, le32(4) refcount, le32(8)
 * blocks, le32(12) hash), then entries from byte 32, each 16 bytes
 * (le8(0) name_len, le8(1) name_index, le16(2) value_offs, le32(4)
 * value_block, le32(8) value_size, le32(12) hash) and the name, padded to
 * a multiple of 4, up to a le32 0; values lie after that, each at a
 * multiple of 4.
 *
 * ext2_parse_xattr_entry(blk, len, off, sb, out, why): the entry at off.
 *  A1  blk, sb or out NULL, len != sb->block_size, off < 32, off >= len or
 *      off % 4                                           -EINVAL ARG
 *  A2  off + 4 > len                                     -EUCLEAN XATTR_ENTRY
 *      le32(off) == 0: the end; out = { 0, next = off + 4 }, others 0
 *  A3  name_len == 0, or off + ((16 + name_len + 3) & ~3) + 4 > len (the
 *      entry and an end mark after it must fit)          -EUCLEAN XATTR_ENTRY
 *  A4  value_block != 0, or value_size != 0 and (value_offs % 4 != 0 or
 *      value_offs + value_size > len)                    -EUCLEAN XATTR_VALUE
 *  then out = { name_len, name_index, name_off = off + 16, value_offs,
 *  value_size, hash, next = off + ((16 + name_len + 3) & ~3) }.
 *
 * ext2_parse_xattr_block(blk, len, sb, out, why): the whole block.
 *  H1  blk, sb or out NULL, len != sb->block_size         -EINVAL ARG
 *  H2  magic != 0xEA020000                               -EUCLEAN XATTR_MAGIC
 *  H3  blocks != 1                                       -EUCLEAN XATTR_HEADER
 *  H4  each entry from 32 on, as ext2_parse_xattr_entry (its A2-A4),
 *      until the end mark; end = the end mark's offset + 4
 *  H5  an entry with value_size != 0 and value_offs < end
 *                                                        -EUCLEAN XATTR_VALUE
 *  then out = { refcount, hash, count (entries), end }.
 */
#ifndef FFI_EXT2_H
#define FFI_EXT2_H

#include <stddef.h>
#include <stdint.h>

#define EXT2_ABI_VERSION 2		/* 2: the extended-attribute calls */

#define EXT2_SUPER_OFFSET 1024
#define EXT2_SUPER_SIZE 1024
#define EXT2_MAGIC 0xEF53
#define EXT2_GROUP_DESC_SIZE 32
#define EXT2_ROOT_INO 2
#define EXT2_GOOD_OLD_FIRST_INO 11
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_N_BLOCKS 15		/* 12 direct, single, double, triple */
#define EXT2_NDIR_BLOCKS 12
#define EXT2_FAST_SYMLINK_MAX 59	/* bytes in i_block */
#define EXT2_NAME_MAX 255

#define EXT2_COMPAT_DIR_PREALLOC 0x0001
#define EXT2_COMPAT_EXT_ATTR 0x0008
#define EXT2_COMPAT_RESIZE_INODE 0x0010
#define EXT2_COMPAT_DIR_INDEX 0x0020
#define EXT2_INCOMPAT_FILETYPE 0x0002
#define EXT2_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_RO_COMPAT_LARGE_FILE 0x0002
#define EXT2_RO_COMPAT_BTREE_DIR 0x0004
#define EXT2_RO_COMPAT_KNOWN \
	(EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE | \
	 EXT2_RO_COMPAT_BTREE_DIR)

#define EXT2_INDEX_FL 0x00001000	/* hashed directory (dir_index) */

/* Directory entry file types (the filetype feature). */
#define EXT2_FT_UNKNOWN 0
#define EXT2_FT_REG 1
#define EXT2_FT_DIR 2
#define EXT2_FT_CHR 3
#define EXT2_FT_BLK 4
#define EXT2_FT_FIFO 5
#define EXT2_FT_SOCK 6
#define EXT2_FT_SYMLINK 7

/* Why a call failed: the first failing check. */
enum ext2_why {
	EXT2_WHY_NONE = 0,
	EXT2_WHY_ARG,
	EXT2_WHY_MAGIC,
	EXT2_WHY_REV,
	EXT2_WHY_BLOCK_SIZE,
	EXT2_WHY_INCOMPAT,
	EXT2_WHY_FRAG,
	EXT2_WHY_BLOCKS_PER_GROUP,
	EXT2_WHY_INODES_PER_GROUP,
	EXT2_WHY_INODE_SIZE_SB,		/* S9 */
	EXT2_WHY_FIRST_DATA,
	EXT2_WHY_BLOCKS_COUNT,
	EXT2_WHY_INODES_COUNT,
	EXT2_WHY_FIRST_INO,
	EXT2_WHY_GDT,
	EXT2_WHY_INODE_TABLE,
	EXT2_WHY_COUNTS,
	EXT2_WHY_GD_BLOCK_BITMAP,
	EXT2_WHY_GD_INODE_BITMAP,
	EXT2_WHY_GD_INODE_TABLE,
	EXT2_WHY_GD_COUNTS,
	EXT2_WHY_INODE_MODE,
	EXT2_WHY_INODE_SIZE,		/* I3 */
	EXT2_WHY_INODE_ACL,
	EXT2_WHY_SYMLINK,
	EXT2_WHY_INODE_BLOCK,
	EXT2_WHY_DIRENT_SHORT,
	EXT2_WHY_DIRENT_REC_LEN,
	EXT2_WHY_DIRENT_NAME_LEN,
	EXT2_WHY_DIRENT_INODE,
	EXT2_WHY_DIRENT_NAME,
	EXT2_WHY_BMAP_RANGE,
	EXT2_WHY_BMAP_BLOCK,
	EXT2_WHY_BMAP_SELF,
	EXT2_WHY_BLOCK_METADATA,
	EXT2_WHY_XATTR_MAGIC,
	EXT2_WHY_XATTR_HEADER,
	EXT2_WHY_XATTR_ENTRY,
	EXT2_WHY_XATTR_VALUE,
	EXT2_WHY_COUNT			/* number of codes */
};

struct ext2_super {
	uint32_t block_size;		/* 1024, 2048 or 4096 */
	uint32_t log_block_size;	/* 10, 11 or 12 */
	uint32_t blocks_count;
	uint32_t inodes_count;
	uint32_t r_blocks_count;
	uint32_t free_blocks_count;
	uint32_t free_inodes_count;
	uint32_t first_data_block;
	uint32_t blocks_per_group;
	uint32_t inodes_per_group;
	uint32_t groups;
	uint32_t gdt_blocks;		/* blocks of group descriptors */
	uint32_t reserved_gdt;		/* blocks reserved for growing them */
	uint32_t inode_size;
	uint32_t first_ino;		/* first non-reserved inode */
	uint32_t inode_table_blocks;	/* per group */
	uint32_t rev_level;
	uint32_t feature_compat;
	uint32_t feature_incompat;
	uint32_t feature_ro_compat;
	uint32_t read_only;		/* 1: unknown ro_compat features */
	uint16_t state;			/* le16(58): 1 clean, 2 errors */
	uint16_t errors;		/* le16(60) */
	uint64_t max_file_size;		/* min((12 + p + p^2 + p^3) * bs, 2^41 - 1) */
};

struct ext2_group {
	uint32_t block_bitmap;
	uint32_t inode_bitmap;
	uint32_t inode_table;
	uint32_t free_blocks;
	uint32_t free_inodes;
	uint32_t used_dirs;
	uint32_t first_block;		/* [first_block, last_block] */
	uint32_t last_block;
	uint32_t meta_end;		/* first block after the sb/gdt copy */
	uint32_t has_super;		/* 1 if the group holds a sb copy */
};

struct ext2_inode {
	uint16_t mode;			/* type and permission bits */
	uint16_t links;
	uint32_t uid;
	uint32_t gid;
	uint32_t flags;
	uint64_t size;
	uint32_t atime, ctime, mtime, dtime;
	uint32_t blocks512;		/* i_blocks: 512-byte units */
	uint32_t file_acl;
	uint32_t generation;
	uint32_t fast_symlink;		/* 1: the target is in block[] */
	uint32_t rdev_major;
	uint32_t rdev_minor;
	uint32_t block[EXT2_N_BLOCKS];	/* as stored (raw for devices) */
	uint32_t pad;
};

struct ext2_dirent {
	uint32_t inode;			/* 0: a free slot */
	uint32_t rec_len;
	uint32_t name_len;
	uint32_t file_type;
	uint32_t name_off;		/* the name's byte offset in the block */
};

struct ext2_bmap_path {
	uint32_t depth;			/* 0 direct, 1..3 indirect levels */
	uint32_t index[4];		/* index[0] into i_block, then per level */
};

#define EXT2_XATTR_MAGIC 0xEA020000U
#define EXT2_XATTR_HEADER_SIZE 32
#define EXT2_XATTR_ENTRY_SIZE 16
#define EXT2_XATTR_INDEX_USER 1
#define EXT2_XATTR_INDEX_TRUSTED 4
#define EXT2_XATTR_INDEX_SECURITY 6

struct ext2_xattr_entry {
	uint32_t name_len;		/* 0: the end mark */
	uint32_t name_index;
	uint32_t name_off;		/* the name's byte offset in the block */
	uint32_t value_offs;
	uint32_t value_size;
	uint32_t hash;
	uint32_t next;			/* offset of the next entry */
};

struct ext2_xattr_header {
	uint32_t refcount;
	uint32_t hash;
	uint32_t count;			/* entries */
	uint32_t end;			/* after the end mark: values lie at or past it */
};

/* The C fallback. */
uint32_t c_ext2_abi_version(void);
int c_ext2_parse_super(const uint8_t *raw, size_t len, uint64_t dev_bytes,
		       struct ext2_super *out, uint32_t *why);
int c_ext2_parse_group(const uint8_t *raw, size_t len, const struct ext2_super *sb,
		       uint32_t group, struct ext2_group *out, uint32_t *why);
int c_ext2_parse_inode(const uint8_t *raw, size_t len, const struct ext2_super *sb,
		       uint32_t ino, struct ext2_inode *out, uint32_t *why);
int c_ext2_parse_dirent(const uint8_t *blk, size_t len, uint32_t off,
			const struct ext2_super *sb, struct ext2_dirent *out,
			uint32_t *why);
int c_ext2_bmap_path(const struct ext2_super *sb, uint64_t file_block,
		     struct ext2_bmap_path *out, uint32_t *why);
int c_ext2_bmap_entry(const uint8_t *blk, size_t len, uint32_t index,
		      const struct ext2_super *sb, uint32_t self, uint32_t *out,
		      uint32_t *why);
int c_ext2_check_data_block(const struct ext2_super *sb, const struct ext2_group *g,
			    uint32_t group, uint32_t block, uint32_t *why);
int c_ext2_parse_xattr_entry(const uint8_t *blk, size_t len, uint32_t off,
			     const struct ext2_super *sb, struct ext2_xattr_entry *out,
			     uint32_t *why);
int c_ext2_parse_xattr_block(const uint8_t *blk, size_t len, const struct ext2_super *sb,
			     struct ext2_xattr_header *out, uint32_t *why);

/* The Rust component (FFI=1 only). */
uint32_t rust_ext2_abi_version(void);
int rust_ext2_parse_super(const uint8_t *raw, size_t len, uint64_t dev_bytes,
			  struct ext2_super *out, uint32_t *why);
int rust_ext2_parse_group(const uint8_t *raw, size_t len, const struct ext2_super *sb,
			  uint32_t group, struct ext2_group *out, uint32_t *why);
int rust_ext2_parse_inode(const uint8_t *raw, size_t len, const struct ext2_super *sb,
			  uint32_t ino, struct ext2_inode *out, uint32_t *why);
int rust_ext2_parse_dirent(const uint8_t *blk, size_t len, uint32_t off,
			   const struct ext2_super *sb, struct ext2_dirent *out,
			   uint32_t *why);
int rust_ext2_bmap_path(const struct ext2_super *sb, uint64_t file_block,
			struct ext2_bmap_path *out, uint32_t *why);
int rust_ext2_bmap_entry(const uint8_t *blk, size_t len, uint32_t index,
			 const struct ext2_super *sb, uint32_t self, uint32_t *out,
			 uint32_t *why);
int rust_ext2_check_data_block(const struct ext2_super *sb, const struct ext2_group *g,
			       uint32_t group, uint32_t block, uint32_t *why);
int rust_ext2_parse_xattr_entry(const uint8_t *blk, size_t len, uint32_t off,
				const struct ext2_super *sb, struct ext2_xattr_entry *out,
				uint32_t *why);
int rust_ext2_parse_xattr_block(const uint8_t *blk, size_t len, const struct ext2_super *sb,
				struct ext2_xattr_header *out, uint32_t *why);

#endif
