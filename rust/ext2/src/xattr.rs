//! `ext2_parse_xattr_entry` and `ext2_parse_xattr_block`: checks A1–A4
//! and H1–H5 of `ffi/ext2.h`, in order.

use crate::abi::*;
use crate::bytes::{le16, le32, le8};
use crate::errno::{Result, Why};

/// Validates and decodes the entry at byte `off` of the attribute block
/// `blk` (`sb.block_size` bytes); a `name_len` of 0 is the end mark.
pub fn parse_xattr_entry(blk: &[u8], off: u32, sb: &Ext2Super) -> Result<Ext2XattrEntry> {
    // A1 (len fits in u64: slices are at most isize::MAX bytes)
    let len = u64::try_from(blk.len()).map_err(|_| Why::Arg)?;
    let at = u64::from(off);
    if blk.len() != sb.block_size as usize
        || off < EXT2_XATTR_HEADER_SIZE
        || at >= len
        || !off.is_multiple_of(4)
    {
        return Err(Why::Arg);
    }
    // A2 (at < 2^32: no u64 sum below overflows)
    let fits = |end: u64| end <= len;
    if !fits(at.saturating_add(4)) {
        return Err(Why::XattrEntry);
    }
    let e = blk.get(off as usize..).ok_or(Why::Arg)?;
    if le32(e, 0)? == 0 {
        let next = off.checked_add(4).ok_or(Why::Arg)?;
        return Ok(Ext2XattrEntry { next, ..Ext2XattrEntry::default() });
    }
    let name_len = u32::from(le8(e, 0)?);
    let name_index = u32::from(le8(e, 1)?);
    // name_len < 256: the entry's size is at most 272
    let size = EXT2_XATTR_ENTRY_SIZE.saturating_add(name_len).saturating_add(3) & !3;
    // A3
    if name_len == 0 || !fits(at.saturating_add(u64::from(size)).saturating_add(4)) {
        return Err(Why::XattrEntry);
    }
    let value_offs = u32::from(le16(e, 2)?);
    let value_size = le32(e, 8)?;
    // A4
    if le32(e, 4)? != 0
        || (value_size != 0
            && (!value_offs.is_multiple_of(4)
                || !fits(u64::from(value_offs).saturating_add(u64::from(value_size)))))
    {
        return Err(Why::XattrValue);
    }
    Ok(Ext2XattrEntry {
        name_len,
        name_index,
        name_off: off.checked_add(EXT2_XATTR_ENTRY_SIZE).ok_or(Why::Arg)?,
        value_offs,
        value_size,
        hash: le32(e, 12)?,
        next: off.checked_add(size).ok_or(Why::Arg)?,
    })
}

/// Validates the whole attribute block `blk` (`sb.block_size` bytes).
pub fn parse_xattr_block(blk: &[u8], sb: &Ext2Super) -> Result<Ext2XattrHeader> {
    // H1
    if blk.len() != sb.block_size as usize {
        return Err(Why::Arg);
    }
    // H2
    if le32(blk, 0)? != EXT2_XATTR_MAGIC {
        return Err(Why::XattrMagic);
    }
    // H3
    if le32(blk, 8)? != 1 {
        return Err(Why::XattrHeader);
    }
    // H4: each entry leaves room for an end mark, so the walk ends in the block
    let mut off = EXT2_XATTR_HEADER_SIZE;
    let mut count = 0u32;
    loop {
        let x = parse_xattr_entry(blk, off, sb)?;
        off = x.next;
        if x.name_len == 0 {
            break;
        }
        count = count.saturating_add(1);
    }
    let end = off;
    // H5
    let mut at = EXT2_XATTR_HEADER_SIZE;
    while at < end.saturating_sub(4) {
        let x = parse_xattr_entry(blk, at, sb)?;
        if x.value_size != 0 && x.value_offs < end {
            return Err(Why::XattrValue);
        }
        at = x.next;
    }
    Ok(Ext2XattrHeader { refcount: le32(blk, 4)?, hash: le32(blk, 12)?, count, end })
}
