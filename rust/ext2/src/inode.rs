//! `ext2_parse_inode`: checks I1–I6 of `ffi/ext2.h`, in order.

use crate::abi::*;
use crate::bytes::{le16, le32};
use crate::errno::{Result, Why};

/// `mode & 0xF000` of the seven file types.
const S_IFMT: u16 = 0xF000;
const S_IFIFO: u16 = 0x1000;
const S_IFCHR: u16 = 0x2000;
const S_IFDIR: u16 = 0x4000;
const S_IFBLK: u16 = 0x6000;
const S_IFREG: u16 = 0x8000;
const S_IFLNK: u16 = 0xA000;
const S_IFSOCK: u16 = 0xC000;

/// Longest symlink target (`PATH_MAX - 1`).
const SYMLINK_MAX: u64 = 4095;

/// Is `b` a block of the filesystem's data area, `[first_data_block,
/// blocks_count)`?
pub(crate) fn in_fs(sb: &Ext2Super, b: u32) -> bool {
    sb.first_data_block <= b && b < sb.blocks_count
}

/// Validates and decodes inode `ino`'s record `raw` (`sb.inode_size`
/// bytes; the first 128 are decoded).
pub fn parse_inode(raw: &[u8], sb: &Ext2Super, ino: u32) -> Result<Ext2Inode> {
    // I1
    if raw.len() < sb.inode_size as usize || ino == 0 || ino > sb.inodes_count {
        return Err(Why::Arg);
    }
    // (With an `sb` from ext2_parse_super, inode_size >= 128, so the
    // reads below stay inside `raw`; otherwise they fail with Arg.)

    // I2
    let mode = le16(raw, 0)?;
    let kind = mode & S_IFMT;
    if ![
        S_IFIFO, S_IFCHR, S_IFDIR, S_IFBLK, S_IFREG, S_IFLNK, S_IFSOCK,
    ]
    .contains(&kind)
    {
        return Err(Why::InodeMode);
    }
    // I3
    let size_lo = u64::from(le32(raw, 4)?);
    let size = if kind == S_IFREG {
        size_lo | u64::from(le32(raw, 108)?) << 32
    } else {
        size_lo
    };
    let bad_size = match kind {
        S_IFREG => size > sb.max_file_size,
        S_IFDIR => size == 0 || size.checked_rem(u64::from(sb.block_size)) != Some(0),
        S_IFLNK => size == 0 || size > SYMLINK_MAX,
        _ => false,
    };
    if bad_size {
        return Err(Why::InodeSize);
    }
    // I4
    let file_acl = le32(raw, 104)?;
    if file_acl != 0 && !in_fs(sb, file_acl) {
        return Err(Why::InodeAcl);
    }
    // I5
    let blocks512 = le32(raw, 28)?;
    let acl_sectors = if file_acl != 0 { sb.block_size / 512 } else { 0 };
    let fast_symlink = kind == S_IFLNK && blocks512 == acl_sectors;
    if fast_symlink && size > u64::from(EXT2_FAST_SYMLINK_MAX) {
        return Err(Why::Symlink);
    }
    // I6
    let mut block = [0u32; EXT2_N_BLOCKS];
    for (i, b) in block.iter_mut().enumerate() {
        *b = le32(raw, i.saturating_mul(4).saturating_add(40))?;
    }
    let has_blocks = kind == S_IFREG || kind == S_IFDIR || (kind == S_IFLNK && !fast_symlink);
    if has_blocks && block.iter().any(|&b| b != 0 && !in_fs(sb, b)) {
        return Err(Why::InodeBlock);
    }

    let (rdev_major, rdev_minor) = if kind == S_IFCHR || kind == S_IFBLK {
        let [b0, b1, ..] = block;
        if b0 != 0 {
            ((b0 >> 8) & 0xff, b0 & 0xff)
        } else {
            ((b1 >> 8) & 0xfff, (b1 & 0xff) | ((b1 >> 12) & 0xfff00))
        }
    } else {
        (0, 0)
    };
    Ok(Ext2Inode {
        mode,
        links: le16(raw, 26)?,
        uid: u32::from(le16(raw, 2)?) | u32::from(le16(raw, 120)?) << 16,
        gid: u32::from(le16(raw, 24)?) | u32::from(le16(raw, 122)?) << 16,
        flags: le32(raw, 32)?,
        size,
        atime: le32(raw, 8)?,
        ctime: le32(raw, 12)?,
        mtime: le32(raw, 16)?,
        dtime: le32(raw, 20)?,
        blocks512,
        file_acl,
        generation: le32(raw, 100)?,
        fast_symlink: u32::from(fast_symlink),
        rdev_major,
        rdev_minor,
        block,
        pad: 0,
    })
}
