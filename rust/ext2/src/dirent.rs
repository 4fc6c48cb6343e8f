//! `ext2_parse_dirent`: checks D1–D6 of `ffi/ext2.h`, in order.

use crate::abi::*;
use crate::bytes::{le16, le32, le8};
use crate::errno::{Result, Why};

/// Bytes of a directory entry before its name.
const DIRENT_HEAD: u32 = 8;
/// The smallest entry: the head and a name of up to 4 bytes.
const DIRENT_MIN: u32 = 12;

/// Validates and decodes the entry at byte `off` of the directory block
/// `blk` (`sb.block_size` bytes).
pub fn parse_dirent(blk: &[u8], off: u32, sb: &Ext2Super) -> Result<Ext2Dirent> {
    // D1
    let len = blk.len();
    let at = off as usize;
    if len != sb.block_size as usize || at >= len || !off.is_multiple_of(4) {
        return Err(Why::Arg);
    }
    // D2
    let room = len.saturating_sub(at);
    if room < DIRENT_MIN as usize {
        return Err(Why::DirentShort);
    }
    let entry = blk.get(at..).ok_or(Why::Arg)?;
    // D3
    let rec_len = u32::from(le16(entry, 4)?);
    if rec_len < DIRENT_MIN || !rec_len.is_multiple_of(4) || rec_len as usize > room {
        return Err(Why::DirentRecLen);
    }
    // D4
    let filetype = sb.feature_incompat & EXT2_INCOMPAT_FILETYPE != 0;
    let (name_len, file_type) = if filetype {
        (u32::from(le8(entry, 6)?), u32::from(le8(entry, 7)?))
    } else {
        (u32::from(le16(entry, 6)?), EXT2_FT_UNKNOWN)
    };
    if name_len > EXT2_NAME_MAX || DIRENT_HEAD.saturating_add(name_len) > rec_len {
        return Err(Why::DirentNameLen);
    }
    // D5
    let inode = le32(entry, 0)?;
    if inode > sb.inodes_count
        || (inode != 0 && inode < sb.first_ino && inode != EXT2_ROOT_INO)
    {
        return Err(Why::DirentInode);
    }
    // D6
    if inode != 0 {
        let name = entry
            .get(DIRENT_HEAD as usize..)
            .and_then(|n| n.get(..name_len as usize))
            .ok_or(Why::Arg)?;
        if name_len == 0 || name.iter().any(|&c| c == 0 || c == b'/') || file_type > EXT2_FT_SYMLINK
        {
            return Err(Why::DirentName);
        }
    }
    Ok(Ext2Dirent {
        inode,
        rec_len,
        name_len,
        file_type,
        name_off: off.checked_add(DIRENT_HEAD).ok_or(Why::Arg)?,
    })
}
