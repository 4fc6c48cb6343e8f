//! The C ABI of the parser: the contract's constants and structs, field for
//! field the ones of `ffi/ext2.h`. cbindgen turns this module into
//! `ffi/generated/ext2_rs.h` (with an `rs_`/`RS_` prefix).

use core::mem::{align_of, offset_of, size_of};

/// The version `rust_ext2_abi_version()` reports.
pub const EXT2_ABI_VERSION: u32 = 2;

/// Byte offset of the superblock on the device.
pub const EXT2_SUPER_OFFSET: u32 = 1024;
/// Bytes of the superblock.
pub const EXT2_SUPER_SIZE: u32 = 1024;
/// `s_magic`.
pub const EXT2_MAGIC: u16 = 0xEF53;
/// Bytes of a group descriptor.
pub const EXT2_GROUP_DESC_SIZE: u32 = 32;
/// The root directory's inode.
pub const EXT2_ROOT_INO: u32 = 2;
/// `first_ino` of revision 0.
pub const EXT2_GOOD_OLD_FIRST_INO: u32 = 11;
/// `inode_size` of revision 0, and the bytes of an inode that are decoded.
pub const EXT2_GOOD_OLD_INODE_SIZE: u32 = 128;
/// Block pointers in an inode: 12 direct, single, double, triple.
pub const EXT2_N_BLOCKS: usize = 15;
/// Direct block pointers in an inode.
pub const EXT2_NDIR_BLOCKS: u32 = 12;
/// Longest fast symlink target: the bytes of `i_block` minus the NUL.
pub const EXT2_FAST_SYMLINK_MAX: u32 = 59;
/// Longest name in a directory entry.
pub const EXT2_NAME_MAX: u32 = 255;

/// Feature flags (`feature_compat`).
pub const EXT2_COMPAT_DIR_PREALLOC: u32 = 0x0001;
pub const EXT2_COMPAT_EXT_ATTR: u32 = 0x0008;
pub const EXT2_COMPAT_RESIZE_INODE: u32 = 0x0010;
pub const EXT2_COMPAT_DIR_INDEX: u32 = 0x0020;
/// Feature flags (`feature_incompat`): the only one supported.
pub const EXT2_INCOMPAT_FILETYPE: u32 = 0x0002;
/// Feature flags (`feature_ro_compat`).
pub const EXT2_RO_COMPAT_SPARSE_SUPER: u32 = 0x0001;
pub const EXT2_RO_COMPAT_LARGE_FILE: u32 = 0x0002;
pub const EXT2_RO_COMPAT_BTREE_DIR: u32 = 0x0004;
/// The ro_compat features this driver knows; others make it read-only.
pub const EXT2_RO_COMPAT_KNOWN: u32 =
    EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE | EXT2_RO_COMPAT_BTREE_DIR;

/// Inode flag of a hashed directory (dir_index).
pub const EXT2_INDEX_FL: u32 = 0x0000_1000;

/// Directory entry file types (the filetype feature).
pub const EXT2_FT_UNKNOWN: u32 = 0;
pub const EXT2_FT_REG: u32 = 1;
pub const EXT2_FT_DIR: u32 = 2;
pub const EXT2_FT_CHR: u32 = 3;
pub const EXT2_FT_BLK: u32 = 4;
pub const EXT2_FT_FIFO: u32 = 5;
pub const EXT2_FT_SOCK: u32 = 6;
pub const EXT2_FT_SYMLINK: u32 = 7;

/// `enum ext2_why`: why a call failed, the first failing check.
pub const EXT2_WHY_NONE: u32 = 0;
pub const EXT2_WHY_ARG: u32 = 1;
pub const EXT2_WHY_MAGIC: u32 = 2;
pub const EXT2_WHY_REV: u32 = 3;
pub const EXT2_WHY_BLOCK_SIZE: u32 = 4;
pub const EXT2_WHY_INCOMPAT: u32 = 5;
pub const EXT2_WHY_FRAG: u32 = 6;
pub const EXT2_WHY_BLOCKS_PER_GROUP: u32 = 7;
pub const EXT2_WHY_INODES_PER_GROUP: u32 = 8;
pub const EXT2_WHY_INODE_SIZE_SB: u32 = 9;
pub const EXT2_WHY_FIRST_DATA: u32 = 10;
pub const EXT2_WHY_BLOCKS_COUNT: u32 = 11;
pub const EXT2_WHY_INODES_COUNT: u32 = 12;
pub const EXT2_WHY_FIRST_INO: u32 = 13;
pub const EXT2_WHY_GDT: u32 = 14;
pub const EXT2_WHY_INODE_TABLE: u32 = 15;
pub const EXT2_WHY_COUNTS: u32 = 16;
pub const EXT2_WHY_GD_BLOCK_BITMAP: u32 = 17;
pub const EXT2_WHY_GD_INODE_BITMAP: u32 = 18;
pub const EXT2_WHY_GD_INODE_TABLE: u32 = 19;
pub const EXT2_WHY_GD_COUNTS: u32 = 20;
pub const EXT2_WHY_INODE_MODE: u32 = 21;
pub const EXT2_WHY_INODE_SIZE: u32 = 22;
pub const EXT2_WHY_INODE_ACL: u32 = 23;
pub const EXT2_WHY_SYMLINK: u32 = 24;
pub const EXT2_WHY_INODE_BLOCK: u32 = 25;
pub const EXT2_WHY_DIRENT_SHORT: u32 = 26;
pub const EXT2_WHY_DIRENT_REC_LEN: u32 = 27;
pub const EXT2_WHY_DIRENT_NAME_LEN: u32 = 28;
pub const EXT2_WHY_DIRENT_INODE: u32 = 29;
pub const EXT2_WHY_DIRENT_NAME: u32 = 30;
pub const EXT2_WHY_BMAP_RANGE: u32 = 31;
pub const EXT2_WHY_BMAP_BLOCK: u32 = 32;
pub const EXT2_WHY_BMAP_SELF: u32 = 33;
pub const EXT2_WHY_BLOCK_METADATA: u32 = 34;
/// H2 (extended-attribute blocks).
pub const EXT2_WHY_XATTR_MAGIC: u32 = 35;
/// H3.
pub const EXT2_WHY_XATTR_HEADER: u32 = 36;
/// A2, A3.
pub const EXT2_WHY_XATTR_ENTRY: u32 = 37;
/// A4, H5.
pub const EXT2_WHY_XATTR_VALUE: u32 = 38;
/// Number of codes.
pub const EXT2_WHY_COUNT: u32 = 39;

/// `h_magic` of an extended-attribute block.
pub const EXT2_XATTR_MAGIC: u32 = 0xEA02_0000;
/// Bytes of an extended-attribute block's header: entries start here.
pub const EXT2_XATTR_HEADER_SIZE: u32 = 32;
/// Bytes of an extended-attribute entry before its name.
pub const EXT2_XATTR_ENTRY_SIZE: u32 = 16;

/// `struct ext2_xattr_entry`: what `ext2_parse_xattr_entry` decoded.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ext2XattrEntry {
    /// 0: the end mark.
    pub name_len: u32,
    pub name_index: u32,
    /// The name's byte offset in the block.
    pub name_off: u32,
    pub value_offs: u32,
    pub value_size: u32,
    pub hash: u32,
    /// Offset of the next entry.
    pub next: u32,
}

/// `struct ext2_xattr_header`: what `ext2_parse_xattr_block` decoded.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ext2XattrHeader {
    pub refcount: u32,
    pub hash: u32,
    /// Entries.
    pub count: u32,
    /// After the end mark: values lie at or past it.
    pub end: u32,
}

const _: () = assert!(size_of::<Ext2XattrEntry>() == 28 && align_of::<Ext2XattrEntry>() == 4);
const _: () = assert!(offset_of!(Ext2XattrEntry, next) == 24);
const _: () = assert!(size_of::<Ext2XattrHeader>() == 16 && align_of::<Ext2XattrHeader>() == 4);
const _: () = assert!(offset_of!(Ext2XattrHeader, end) == 12);

/// `struct ext2_super`: what `ext2_parse_super` decoded.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ext2Super {
    /// 1024, 2048 or 4096.
    pub block_size: u32,
    /// 10, 11 or 12.
    pub log_block_size: u32,
    pub blocks_count: u32,
    pub inodes_count: u32,
    pub r_blocks_count: u32,
    pub free_blocks_count: u32,
    pub free_inodes_count: u32,
    pub first_data_block: u32,
    pub blocks_per_group: u32,
    pub inodes_per_group: u32,
    pub groups: u32,
    /// Blocks of group descriptors.
    pub gdt_blocks: u32,
    /// Blocks reserved for growing them.
    pub reserved_gdt: u32,
    pub inode_size: u32,
    /// First non-reserved inode.
    pub first_ino: u32,
    /// Inode table blocks per group.
    pub inode_table_blocks: u32,
    pub rev_level: u32,
    pub feature_compat: u32,
    pub feature_incompat: u32,
    pub feature_ro_compat: u32,
    /// 1: unknown ro_compat features.
    pub read_only: u32,
    /// `le16(58)`: 1 clean, 2 errors.
    pub state: u16,
    /// `le16(60)`.
    pub errors: u16,
    /// `min((12 + p + p^2 + p^3) * bs, 2^41 - 1)`.
    pub max_file_size: u64,
}

/// `struct ext2_group`: what `ext2_parse_group` decoded.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ext2Group {
    pub block_bitmap: u32,
    pub inode_bitmap: u32,
    pub inode_table: u32,
    pub free_blocks: u32,
    pub free_inodes: u32,
    pub used_dirs: u32,
    /// The group's blocks are `[first_block, last_block]`.
    pub first_block: u32,
    pub last_block: u32,
    /// First block after the superblock and descriptor copy.
    pub meta_end: u32,
    /// 1 if the group holds a superblock copy.
    pub has_super: u32,
}

/// `struct ext2_inode`: what `ext2_parse_inode` decoded.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ext2Inode {
    /// Type and permission bits.
    pub mode: u16,
    pub links: u16,
    pub uid: u32,
    pub gid: u32,
    pub flags: u32,
    pub size: u64,
    pub atime: u32,
    pub ctime: u32,
    pub mtime: u32,
    pub dtime: u32,
    /// `i_blocks`: 512-byte units.
    pub blocks512: u32,
    pub file_acl: u32,
    pub generation: u32,
    /// 1: the target is in `block`.
    pub fast_symlink: u32,
    pub rdev_major: u32,
    pub rdev_minor: u32,
    /// As stored (raw for devices).
    pub block: [u32; EXT2_N_BLOCKS],
    pub pad: u32,
}

/// `struct ext2_dirent`: what `ext2_parse_dirent` decoded.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ext2Dirent {
    /// 0: a free slot.
    pub inode: u32,
    pub rec_len: u32,
    pub name_len: u32,
    pub file_type: u32,
    /// The name's byte offset in the block.
    pub name_off: u32,
}

/// `struct ext2_bmap_path`: where `ext2_bmap_path` found a file block.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ext2BmapPath {
    /// 0 direct, 1..3 indirect levels.
    pub depth: u32,
    /// `index[0]` into `i_block`, then one per level; unused ones are 0.
    pub index: [u32; 4],
}

// The C layouts. Every field is accounted for (no implicit padding), so
// writing a struct writes every byte and C may compare outputs with memcmp.
const _: () = assert!(size_of::<Ext2Super>() == 96 && align_of::<Ext2Super>() == 8);
const _: () = assert!(offset_of!(Ext2Super, blocks_count) == 8);
const _: () = assert!(offset_of!(Ext2Super, groups) == 40);
const _: () = assert!(offset_of!(Ext2Super, inode_table_blocks) == 60);
const _: () = assert!(offset_of!(Ext2Super, read_only) == 80);
const _: () = assert!(offset_of!(Ext2Super, state) == 84);
const _: () = assert!(offset_of!(Ext2Super, errors) == 86);
const _: () = assert!(offset_of!(Ext2Super, max_file_size) == 88);

const _: () = assert!(size_of::<Ext2Group>() == 40 && align_of::<Ext2Group>() == 4);
const _: () = assert!(offset_of!(Ext2Group, first_block) == 24);
const _: () = assert!(offset_of!(Ext2Group, has_super) == 36);

const _: () = assert!(size_of::<Ext2Inode>() == 128 && align_of::<Ext2Inode>() == 8);
const _: () = assert!(offset_of!(Ext2Inode, links) == 2);
const _: () = assert!(offset_of!(Ext2Inode, uid) == 4);
const _: () = assert!(offset_of!(Ext2Inode, size) == 16);
const _: () = assert!(offset_of!(Ext2Inode, atime) == 24);
const _: () = assert!(offset_of!(Ext2Inode, blocks512) == 40);
const _: () = assert!(offset_of!(Ext2Inode, fast_symlink) == 52);
const _: () = assert!(offset_of!(Ext2Inode, rdev_minor) == 60);
const _: () = assert!(offset_of!(Ext2Inode, block) == 64);
const _: () = assert!(offset_of!(Ext2Inode, pad) == 124);

const _: () = assert!(size_of::<Ext2Dirent>() == 20 && align_of::<Ext2Dirent>() == 4);
const _: () = assert!(offset_of!(Ext2Dirent, name_off) == 16);

const _: () = assert!(size_of::<Ext2BmapPath>() == 20 && align_of::<Ext2BmapPath>() == 4);
const _: () = assert!(offset_of!(Ext2BmapPath, index) == 4);
