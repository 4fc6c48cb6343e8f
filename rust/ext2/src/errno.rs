//! The errors of the contract: the `why` code of the first failing check
//! inside Rust, and the negative errno (Linux numbering, as
//! `include/alloy/errno.h`) that it implies at the boundary.

use core::ffi::c_int;

use crate::abi::*;

const EINVAL: c_int = 22;
const EFBIG: c_int = 27;
const EOPNOTSUPP: c_int = 95;
const EUCLEAN: c_int = 117;

/// The four errno values of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Errno {
    /// A caller error, or not ext2 at all (`-EINVAL`).
    Inval,
    /// A valid filesystem using what this driver does not implement
    /// (`-EOPNOTSUPP`).
    OpNotSupp,
    /// Corrupt metadata (`-EUCLEAN`).
    Unclean,
    /// A file block past what the block map can address (`-EFBIG`).
    FBig,
}

impl Errno {
    /// The negative errno that the C ABI returns.
    pub const fn to_neg(self) -> c_int {
        match self {
            Errno::Inval => -EINVAL,
            Errno::OpNotSupp => -EOPNOTSUPP,
            Errno::Unclean => -EUCLEAN,
            Errno::FBig => -EFBIG,
        }
    }
}

/// Why a call failed: `enum ext2_why` of `ffi/ext2.h`, one code per check
/// (the value is the C one). Each code has exactly one errno.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// S1 G1 I1 D1 B1 E1 C1.
    Arg = EXT2_WHY_ARG,
    /// S2.
    Magic = EXT2_WHY_MAGIC,
    /// S3.
    Rev = EXT2_WHY_REV,
    /// S4.
    BlockSize = EXT2_WHY_BLOCK_SIZE,
    /// S5.
    Incompat = EXT2_WHY_INCOMPAT,
    /// S6.
    Frag = EXT2_WHY_FRAG,
    /// S7.
    BlocksPerGroup = EXT2_WHY_BLOCKS_PER_GROUP,
    /// S8.
    InodesPerGroup = EXT2_WHY_INODES_PER_GROUP,
    /// S9.
    InodeSizeSb = EXT2_WHY_INODE_SIZE_SB,
    /// S10.
    FirstData = EXT2_WHY_FIRST_DATA,
    /// S11.
    BlocksCount = EXT2_WHY_BLOCKS_COUNT,
    /// S12.
    InodesCount = EXT2_WHY_INODES_COUNT,
    /// S13.
    FirstIno = EXT2_WHY_FIRST_INO,
    /// S14.
    Gdt = EXT2_WHY_GDT,
    /// S15.
    InodeTable = EXT2_WHY_INODE_TABLE,
    /// S16.
    Counts = EXT2_WHY_COUNTS,
    /// G2.
    GdBlockBitmap = EXT2_WHY_GD_BLOCK_BITMAP,
    /// G3.
    GdInodeBitmap = EXT2_WHY_GD_INODE_BITMAP,
    /// G4.
    GdInodeTable = EXT2_WHY_GD_INODE_TABLE,
    /// G5.
    GdCounts = EXT2_WHY_GD_COUNTS,
    /// I2.
    InodeMode = EXT2_WHY_INODE_MODE,
    /// I3.
    InodeSize = EXT2_WHY_INODE_SIZE,
    /// I4.
    InodeAcl = EXT2_WHY_INODE_ACL,
    /// I5.
    Symlink = EXT2_WHY_SYMLINK,
    /// I6.
    InodeBlock = EXT2_WHY_INODE_BLOCK,
    /// D2.
    DirentShort = EXT2_WHY_DIRENT_SHORT,
    /// D3.
    DirentRecLen = EXT2_WHY_DIRENT_REC_LEN,
    /// D4.
    DirentNameLen = EXT2_WHY_DIRENT_NAME_LEN,
    /// D5.
    DirentInode = EXT2_WHY_DIRENT_INODE,
    /// D6.
    DirentName = EXT2_WHY_DIRENT_NAME,
    /// B2.
    BmapRange = EXT2_WHY_BMAP_RANGE,
    /// E2.
    BmapBlock = EXT2_WHY_BMAP_BLOCK,
    /// E3.
    BmapSelf = EXT2_WHY_BMAP_SELF,
    /// C2.
    BlockMetadata = EXT2_WHY_BLOCK_METADATA,
    /// H2.
    XattrMagic = EXT2_WHY_XATTR_MAGIC,
    /// H3.
    XattrHeader = EXT2_WHY_XATTR_HEADER,
    /// A2, A3.
    XattrEntry = EXT2_WHY_XATTR_ENTRY,
    /// A4, H5.
    XattrValue = EXT2_WHY_XATTR_VALUE,
}

/// The result of every parser function.
pub type Result<T> = core::result::Result<T, Why>;

impl Why {
    /// The `EXT2_WHY_*` value written to `*why`.
    pub const fn code(self) -> u32 {
        self as u32
    }

    /// The errno the contract gives this check.
    pub const fn errno(self) -> Errno {
        match self {
            Why::Arg | Why::Magic => Errno::Inval,
            Why::Rev | Why::BlockSize | Why::Incompat => Errno::OpNotSupp,
            Why::BmapRange => Errno::FBig,
            Why::Frag
            | Why::BlocksPerGroup
            | Why::InodesPerGroup
            | Why::InodeSizeSb
            | Why::FirstData
            | Why::BlocksCount
            | Why::InodesCount
            | Why::FirstIno
            | Why::Gdt
            | Why::InodeTable
            | Why::Counts
            | Why::GdBlockBitmap
            | Why::GdInodeBitmap
            | Why::GdInodeTable
            | Why::GdCounts
            | Why::InodeMode
            | Why::InodeSize
            | Why::InodeAcl
            | Why::Symlink
            | Why::InodeBlock
            | Why::DirentShort
            | Why::DirentRecLen
            | Why::DirentNameLen
            | Why::DirentInode
            | Why::DirentName
            | Why::BmapBlock
            | Why::BmapSelf
            | Why::BlockMetadata
            | Why::XattrMagic
            | Why::XattrHeader
            | Why::XattrEntry
            | Why::XattrValue => Errno::Unclean,
        }
    }
}
