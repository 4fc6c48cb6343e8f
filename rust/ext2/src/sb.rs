//! `ext2_parse_super`: checks S1–S16 of `ffi/ext2.h`, in order.
//!
//! Arithmetic is on `u64` of `u32` fields, where nothing can overflow; the
//! checked forms are there for the lints and never fail.

use crate::abi::*;
use crate::bytes::{le16, le32};
use crate::errno::{Result, Why};

/// `2^41 - 1`: the largest file size the driver admits.
const FILE_SIZE_CAP: u64 = (1 << 41) - 1;

/// `ceil(a / b)`, `b != 0`.
fn div_ceil(a: u64, b: u64) -> u64 {
    a.checked_div(b).map_or(0, |q| {
        if a.checked_rem(b) == Some(0) {
            q
        } else {
            q.saturating_add(1)
        }
    })
}

/// S7/S8: a per-group count must be nonzero, at most the bits of one
/// bitmap block (`8 * bs`) and a multiple of 8.
fn per_group_ok(n: u32, bs: u32) -> bool {
    n != 0 && u64::from(n) <= u64::from(bs).saturating_mul(8) && n.is_multiple_of(8)
}

/// `(12 + p + p^2 + p^3) * bs`, capped at `2^41 - 1`.
pub(crate) fn max_file_size(bs: u32) -> u64 {
    let p = u64::from(bs / 4);
    let p2 = p.saturating_mul(p);
    let p3 = p2.saturating_mul(p);
    let blocks = 12u64.saturating_add(p).saturating_add(p2).saturating_add(p3);
    blocks.saturating_mul(u64::from(bs)).min(FILE_SIZE_CAP)
}

/// Validates and decodes the 1024 superblock bytes `raw` of a device of
/// `dev_bytes` bytes.
pub fn parse_super(raw: &[u8], dev_bytes: u64) -> Result<Ext2Super> {
    // S1 (the NULL pointers are the boundary's).
    if raw.len() < EXT2_SUPER_SIZE as usize {
        return Err(Why::Arg);
    }
    // S2
    if le16(raw, 56)? != EXT2_MAGIC {
        return Err(Why::Magic);
    }
    // S3
    let rev_level = le32(raw, 76)?;
    if rev_level > 1 {
        return Err(Why::Rev);
    }
    let rev1 = rev_level == 1;
    // S4
    let log = le32(raw, 24)?;
    let bs: u32 = match log {
        0 => 1024,
        1 => 2048,
        2 => 4096,
        _ => return Err(Why::BlockSize),
    };
    // S5
    let (compat, incompat, ro_compat) = if rev1 {
        (le32(raw, 92)?, le32(raw, 96)?, le32(raw, 100)?)
    } else {
        (0, 0, 0)
    };
    if incompat & !EXT2_INCOMPAT_FILETYPE != 0 {
        return Err(Why::Incompat);
    }
    // S6
    if le32(raw, 28)? != log {
        return Err(Why::Frag);
    }
    // S7
    let bpg = le32(raw, 32)?;
    if !per_group_ok(bpg, bs) {
        return Err(Why::BlocksPerGroup);
    }
    // S8
    let ipg = le32(raw, 40)?;
    if !per_group_ok(ipg, bs) {
        return Err(Why::InodesPerGroup);
    }
    // S9
    let inode_size = if rev1 {
        u32::from(le16(raw, 88)?)
    } else {
        EXT2_GOOD_OLD_INODE_SIZE
    };
    if !inode_size.is_power_of_two() || inode_size < EXT2_GOOD_OLD_INODE_SIZE || inode_size > bs
    {
        return Err(Why::InodeSizeSb);
    }
    // S10
    let first_data_block = le32(raw, 20)?;
    if first_data_block != u32::from(bs == 1024) {
        return Err(Why::FirstData);
    }
    // S11
    let blocks_count = le32(raw, 4)?;
    if blocks_count <= first_data_block
        || u64::from(blocks_count).saturating_mul(u64::from(bs)) > dev_bytes
    {
        return Err(Why::BlocksCount);
    }
    // S12
    let data_blocks = u64::from(blocks_count.saturating_sub(first_data_block));
    let groups = div_ceil(data_blocks, u64::from(bpg));
    let inodes_count = le32(raw, 0)?;
    if u64::from(inodes_count) != groups.saturating_mul(u64::from(ipg)) {
        return Err(Why::InodesCount);
    }
    // S13. The bounds are on the field read at revision 1, as S9's are
    // (and as the C fallback reads the text): revision 0's 11 is not
    // compared with inodes_count.
    let first_ino = if rev1 {
        let first_ino = le32(raw, 84)?;
        if first_ino < EXT2_GOOD_OLD_FIRST_INO || first_ino > inodes_count {
            return Err(Why::FirstIno);
        }
        first_ino
    } else {
        EXT2_GOOD_OLD_FIRST_INO
    };
    // S14
    let reserved_gdt = if rev1 && compat & EXT2_COMPAT_RESIZE_INODE != 0 {
        u32::from(le16(raw, 206)?)
    } else {
        0
    };
    let gdt_blocks = div_ceil(
        groups.saturating_mul(u64::from(EXT2_GROUP_DESC_SIZE)),
        u64::from(bs),
    );
    let fdb = u64::from(first_data_block);
    let meta_end = fdb
        .saturating_add(1)
        .saturating_add(gdt_blocks)
        .saturating_add(u64::from(reserved_gdt));
    if reserved_gdt > bs / 4
        || meta_end > fdb.saturating_add(u64::from(bpg))
        || meta_end > u64::from(blocks_count)
    {
        return Err(Why::Gdt);
    }
    // S15
    let inode_table_blocks = div_ceil(
        u64::from(ipg).saturating_mul(u64::from(inode_size)),
        u64::from(bs),
    );
    if inode_table_blocks.saturating_add(2) > u64::from(bpg) {
        return Err(Why::InodeTable);
    }
    // S16
    let r_blocks_count = le32(raw, 8)?;
    let free_blocks_count = le32(raw, 12)?;
    let free_inodes_count = le32(raw, 16)?;
    if r_blocks_count > blocks_count
        || free_blocks_count > blocks_count
        || free_inodes_count > inodes_count
    {
        return Err(Why::Counts);
    }

    // All bounded by the checks above: groups <= 2^32 / 8, gdt_blocks and
    // inode_table_blocks < bpg.
    let narrow = |v: u64| u32::try_from(v).map_err(|_| Why::Arg);
    Ok(Ext2Super {
        block_size: bs,
        log_block_size: log.saturating_add(10),
        blocks_count,
        inodes_count,
        r_blocks_count,
        free_blocks_count,
        free_inodes_count,
        first_data_block,
        blocks_per_group: bpg,
        inodes_per_group: ipg,
        groups: narrow(groups)?,
        gdt_blocks: narrow(gdt_blocks)?,
        reserved_gdt,
        inode_size,
        first_ino,
        inode_table_blocks: narrow(inode_table_blocks)?,
        rev_level,
        feature_compat: compat,
        feature_incompat: incompat,
        feature_ro_compat: ro_compat,
        read_only: u32::from(ro_compat & !EXT2_RO_COMPAT_KNOWN != 0),
        state: le16(raw, 58)?,
        errors: le16(raw, 60)?,
        max_file_size: max_file_size(bs),
    })
}
