//! `ext2_parse_group`: checks G1–G5 of `ffi/ext2.h`, in order.

use crate::abi::*;
use crate::bytes::{le16, le32};
use crate::errno::{Result, Why};

/// Does group `group` hold a superblock copy? Group 0 and, with
/// sparse_super, groups 1 and the powers of 3, 5 and 7; all of them
/// without it.
pub(crate) fn has_super(sb: &Ext2Super, group: u32) -> bool {
    group == 0
        || sb.feature_ro_compat & EXT2_RO_COMPAT_SPARSE_SUPER == 0
        || group == 1
        || [3u32, 5, 7].iter().any(|&base| is_power_of(group, base))
}

/// `n == base^k` for some `k >= 1` (`base >= 2`).
fn is_power_of(n: u32, base: u32) -> bool {
    let mut p = base;
    loop {
        if p == n {
            return true;
        }
        match p.checked_mul(base) {
            Some(next) if next <= n => p = next,
            _ => return false,
        }
    }
}

/// The group's block range and the end of its sb/gdt copy:
/// `(first, last, meta_end, has_super)`, in `u64` (nothing overflows).
pub(crate) fn layout(sb: &Ext2Super, group: u32) -> (u64, u64, u64, bool) {
    let bpg = u64::from(sb.blocks_per_group);
    let first = u64::from(sb.first_data_block).saturating_add(u64::from(group).saturating_mul(bpg));
    let last = first
        .saturating_add(bpg)
        .min(u64::from(sb.blocks_count))
        .saturating_sub(1);
    let sup = has_super(sb, group);
    let meta_end = if sup {
        first
            .saturating_add(1)
            .saturating_add(u64::from(sb.gdt_blocks))
            .saturating_add(u64::from(sb.reserved_gdt))
    } else {
        first
    };
    (first, last, meta_end, sup)
}

/// Validates and decodes group `group`'s 32-byte descriptor `raw`.
pub fn parse_group(raw: &[u8], sb: &Ext2Super, group: u32) -> Result<Ext2Group> {
    // G1
    if raw.len() < EXT2_GROUP_DESC_SIZE as usize || group >= sb.groups {
        return Err(Why::Arg);
    }
    let (first, last, meta_end, sup) = layout(sb, group);
    let inside = |b: u64| meta_end <= b && b <= last;
    // G2
    let block_bitmap = le32(raw, 0)?;
    if !inside(u64::from(block_bitmap)) {
        return Err(Why::GdBlockBitmap);
    }
    // G3
    let inode_bitmap = le32(raw, 4)?;
    if !inside(u64::from(inode_bitmap)) || inode_bitmap == block_bitmap {
        return Err(Why::GdInodeBitmap);
    }
    // G4
    let inode_table = le32(raw, 8)?;
    let it = u64::from(inode_table);
    let it_end = it.saturating_add(u64::from(sb.inode_table_blocks)); // exclusive
    let holds = |b: u32| it <= u64::from(b) && u64::from(b) < it_end;
    if it < meta_end || it_end > last.saturating_add(1) {
        return Err(Why::GdInodeTable);
    }
    if holds(block_bitmap) || holds(inode_bitmap) {
        return Err(Why::GdInodeTable);
    }
    // G5
    let free_blocks = u32::from(le16(raw, 12)?);
    let free_inodes = u32::from(le16(raw, 14)?);
    let used_dirs = u32::from(le16(raw, 16)?);
    let group_blocks = last.saturating_sub(first).saturating_add(1);
    if u64::from(free_blocks) > group_blocks
        || free_inodes > sb.inodes_per_group
        || used_dirs > sb.inodes_per_group
    {
        return Err(Why::GdCounts);
    }

    // meta_end <= block_bitmap <= last < 2^32 by G2.
    let narrow = |v: u64| u32::try_from(v).map_err(|_| Why::Arg);
    Ok(Ext2Group {
        block_bitmap,
        inode_bitmap,
        inode_table,
        free_blocks,
        free_inodes,
        used_dirs,
        first_block: narrow(first)?,
        last_block: narrow(last)?,
        meta_end: narrow(meta_end)?,
        has_super: u32::from(sup),
    })
}
