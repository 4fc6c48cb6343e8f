//! The block map: `ext2_bmap_path` (B1–B2), `ext2_bmap_entry` (E1–E3) and
//! `ext2_check_data_block` (C1–C2) of `ffi/ext2.h`.

use crate::abi::*;
use crate::bytes::le32;
use crate::errno::{Result, Why};
use crate::inode::in_fs;

/// Block numbers per indirect block, `bs / 4` (nonzero for any `sb` from
/// `ext2_parse_super`; 0 is reported as a caller error).
fn per_block(sb: &Ext2Super) -> Result<u32> {
    match sb.block_size / 4 {
        0 => Err(Why::Arg),
        p => Ok(p),
    }
}

/// Where block `file_block` of a file is mapped.
pub fn bmap_path(sb: &Ext2Super, file_block: u64) -> Result<Ext2BmapPath> {
    let p = u64::from(per_block(sb)?);
    let p2 = p.saturating_mul(p);
    let p3 = p2.saturating_mul(p);
    let narrow = |v: u64| u32::try_from(v).map_err(|_| Why::BmapRange);
    let mut n = file_block;
    let ndir = u64::from(EXT2_NDIR_BLOCKS);
    if n < ndir {
        return Ok(Ext2BmapPath {
            depth: 0,
            index: [narrow(n)?, 0, 0, 0],
        });
    }
    n = n.saturating_sub(ndir);
    if n < p {
        return Ok(Ext2BmapPath {
            depth: 1,
            index: [12, narrow(n)?, 0, 0],
        });
    }
    n = n.saturating_sub(p);
    if n < p2 {
        let (q, r) = (n.checked_div(p), n.checked_rem(p));
        return Ok(Ext2BmapPath {
            depth: 2,
            index: [13, narrow(q.unwrap_or(0))?, narrow(r.unwrap_or(0))?, 0],
        });
    }
    n = n.saturating_sub(p2);
    if n < p3 {
        let top = n.checked_div(p2).unwrap_or(0);
        let mid = n.checked_div(p).and_then(|q| q.checked_rem(p)).unwrap_or(0);
        let low = n.checked_rem(p).unwrap_or(0);
        return Ok(Ext2BmapPath {
            depth: 3,
            index: [14, narrow(top)?, narrow(mid)?, narrow(low)?],
        });
    }
    // B2
    Err(Why::BmapRange)
}

/// Entry `index` of the indirect block `blk` (`sb.block_size` bytes),
/// itself block number `self_`: 0 for a hole, else a data-area block.
pub fn bmap_entry(blk: &[u8], index: u32, sb: &Ext2Super, self_: u32) -> Result<u32> {
    // E1
    if blk.len() != sb.block_size as usize || index >= per_block(sb)? {
        return Err(Why::Arg);
    }
    let entry = le32(blk, (index as usize).saturating_mul(4))?;
    // E2
    if entry != 0 && !in_fs(sb, entry) {
        return Err(Why::BmapBlock);
    }
    // E3
    if entry == self_ {
        return Err(Why::BmapSelf);
    }
    Ok(entry)
}

/// May `block`, found in an inode or an indirect block and lying in group
/// `group` (described by `g`), hold file data or an indirect block?
pub fn check_data_block(sb: &Ext2Super, g: &Ext2Group, group: u32, block: u32) -> Result<()> {
    // C1
    if group >= sb.groups || block < g.first_block || block > g.last_block {
        return Err(Why::Arg);
    }
    // C2
    let b = u64::from(block);
    let it = u64::from(g.inode_table);
    let it_end = it.saturating_add(u64::from(sb.inode_table_blocks));
    if block < g.meta_end
        || block == g.block_bitmap
        || block == g.inode_bitmap
        || (it <= b && b < it_end)
    {
        return Err(Why::BlockMetadata);
    }
    Ok(())
}
