//! `ext2_parse_group`: G1–G5, one violating input per check, sparse_super
//! and the short last group; and `ext2_check_data_block`: C1–C2.

mod common;

use std::ptr;

use alloy_ext2::abi::*;
use alloy_ext2::ffi::{rust_ext2_check_data_block, rust_ext2_parse_group};
use common::*;

/// Group 0 of Sb::good(): blocks [1, 8192], meta_end 1 + 1 + 1 + 31 = 34,
/// 64 inode table blocks.
fn g0(bb: u32, ib: u32, it: u32) -> Result<Ext2Group, Fail> {
    group_of(&gd(bb, ib, it, 100, 200, 3), &Sb::good().sb(), 0)
}

#[test]
fn good_groups() {
    assert_eq!(
        g0(34, 35, 36),
        Ok(Ext2Group {
            block_bitmap: 34,
            inode_bitmap: 35,
            inode_table: 36,
            free_blocks: 100,
            free_inodes: 200,
            used_dirs: 3,
            first_block: 1,
            last_block: 8192,
            meta_end: 34,
            has_super: 1,
        })
    );
    // Group 1 (a backup with sparse_super), the table first and the
    // bitmaps at the very end.
    let sb = Sb::good().sb();
    assert_eq!(
        group_of(&gd(16383, 16384, 8226, 8192, 256, 256), &sb, 1),
        Ok(Ext2Group {
            block_bitmap: 16383,
            inode_bitmap: 16384,
            inode_table: 8226,
            free_blocks: 8192,
            free_inodes: 256,
            used_dirs: 256,
            first_block: 8193,
            last_block: 16384,
            meta_end: 8226,
            has_super: 1,
        })
    );
    // A longer buffer is fine: only 32 bytes are read.
    let mut raw = gd(34, 35, 36, 0, 0, 0);
    raw.extend_from_slice(&[0xff; 32]);
    assert!(group_of(&raw, &sb, 0).is_ok());
}

#[test]
fn sparse_super_and_short_last_group() {
    let sb = Sb::many_groups().sb();
    assert_eq!((sb.groups, sb.gdt_blocks, sb.inode_table_blocks), (50, 2, 2));
    for group in 0..50u32 {
        let first = 1 + 256 * group;
        let expect = [0, 1, 3, 5, 7, 9, 25, 27, 49].contains(&group);
        let meta_end = if expect { first + 3 } else { first };
        let g = group_of(&gd(meta_end, meta_end + 1, meta_end + 2, 0, 0, 0), &sb, group)
            .unwrap_or_else(|e| panic!("group {group}: {e:?}"));
        assert_eq!((g.has_super, g.meta_end, g.first_block, g.last_block),
            (u32::from(expect), meta_end, first, first + 255), "group {group}");
        if !expect {
            // The first block of a group without a copy may be a bitmap.
            fails(group_of(&gd(first - 1, first + 1, first + 2, 0, 0, 0), &sb, group),
                EUCLEAN, EXT2_WHY_GD_BLOCK_BITMAP);
        }
    }
    // Without sparse_super every group has a copy.
    let mut s = Sb::many_groups();
    s.feature_ro_compat = 0;
    let sb = s.sb();
    let g = group_of(&gd(256 * 4 + 4, 256 * 4 + 5, 256 * 4 + 6, 0, 0, 0), &sb, 4).unwrap();
    assert_eq!((g.has_super, g.meta_end), (1, 256 * 4 + 4));
    fails(group_of(&gd(256 * 4 + 1, 256 * 4 + 5, 256 * 4 + 6, 0, 0, 0), &sb, 4),
        EUCLEAN, EXT2_WHY_GD_BLOCK_BITMAP);
    // The last group is short: 2 KiB blocks, 3 groups, 8192 * 3 - 5 blocks.
    let mut s = Sb::good();
    s.log_block_size = 1;
    s.log_frag_size = 1;
    s.first_data_block = 0;
    s.blocks_count = 8192 * 3 - 5;
    s.inodes_count = 256 * 3;
    s.dev_bytes = u64::from(s.blocks_count) * 2048;
    let sb = s.sb();
    // Group 2: no copy (sparse), blocks [16384, 24570].
    let g = group_of(&gd(24569, 24570, 16384, 8187, 0, 0), &sb, 2).unwrap();
    assert_eq!((g.first_block, g.last_block, g.meta_end, g.has_super), (16384, 24570, 16384, 0));
    fails(group_of(&gd(24571, 24570, 16384, 0, 0, 0), &sb, 2), EUCLEAN, EXT2_WHY_GD_BLOCK_BITMAP);
    fails(group_of(&gd(24569, 24570, 16384, 8188, 0, 0), &sb, 2), EUCLEAN, EXT2_WHY_GD_COUNTS);
    // The inode table (32 blocks) must end by the last block.
    assert!(group_of(&gd(16384, 16385, 24570 - 31, 0, 0, 0), &sb, 2).is_ok());
    fails(group_of(&gd(16384, 16385, 24570 - 30, 0, 0, 0), &sb, 2), EUCLEAN, EXT2_WHY_GD_INODE_TABLE);
}

#[test]
fn g1_arguments() {
    let sb = Sb::good().sb();
    let raw = gd(34, 35, 36, 0, 0, 0);
    fails(group_of(&raw[..31], &sb, 0), EINVAL, EXT2_WHY_ARG);
    fails(group_of(&raw, &sb, 2), EINVAL, EXT2_WHY_ARG);
    fails(group_of(&raw, &sb, u32::MAX), EINVAL, EXT2_WHY_ARG);
    let mut out = Ext2Group::default();
    let mut why = 0;
    for (r, s, o) in [
        (ptr::null(), &sb as *const _, &mut out as *mut _),
        (raw.as_ptr(), ptr::null(), &mut out as *mut _),
        (raw.as_ptr(), &sb as *const _, ptr::null_mut()),
    ] {
        why = 0;
        assert_eq!(unsafe { rust_ext2_parse_group(r, 32, s, 0, o, &mut why) }, EINVAL);
        assert_eq!(why, EXT2_WHY_ARG);
    }
    assert_eq!((why, out), (EXT2_WHY_ARG, Ext2Group::default()));
}

#[test]
fn g2_block_bitmap() {
    fails(g0(33, 35, 36), EUCLEAN, EXT2_WHY_GD_BLOCK_BITMAP);
    fails(g0(0, 35, 36), EUCLEAN, EXT2_WHY_GD_BLOCK_BITMAP);
    fails(g0(8193, 35, 36), EUCLEAN, EXT2_WHY_GD_BLOCK_BITMAP);
    assert!(g0(8192, 35, 36).is_ok());
}

#[test]
fn g3_inode_bitmap() {
    fails(g0(34, 33, 36), EUCLEAN, EXT2_WHY_GD_INODE_BITMAP);
    fails(g0(34, 8193, 36), EUCLEAN, EXT2_WHY_GD_INODE_BITMAP);
    fails(g0(34, 34, 36), EUCLEAN, EXT2_WHY_GD_INODE_BITMAP);
    assert!(g0(35, 34, 36).is_ok());
}

#[test]
fn g4_inode_table() {
    fails(g0(34, 35, 33), EUCLEAN, EXT2_WHY_GD_INODE_TABLE);
    assert!(g0(34, 35, 8192 - 63).is_ok());
    fails(g0(34, 35, 8192 - 62), EUCLEAN, EXT2_WHY_GD_INODE_TABLE);
    fails(g0(34, 35, u32::MAX), EUCLEAN, EXT2_WHY_GD_INODE_TABLE);
    // Holding a bitmap: at its first block, inside, at its last block.
    fails(g0(36, 35, 36), EUCLEAN, EXT2_WHY_GD_INODE_TABLE);
    fails(g0(34, 80, 36), EUCLEAN, EXT2_WHY_GD_INODE_TABLE);
    fails(g0(99, 35, 36), EUCLEAN, EXT2_WHY_GD_INODE_TABLE);
    assert!(g0(100, 35, 36).is_ok());
    assert!(g0(34, 35, 37).is_ok());
}

#[test]
fn g5_counts() {
    let sb = Sb::good().sb();
    let counts = |fb, fi, d| group_of(&gd(34, 35, 36, fb, fi, d), &sb, 0);
    assert!(counts(8192, 256, 256).is_ok());
    fails(counts(8193, 0, 0), EUCLEAN, EXT2_WHY_GD_COUNTS);
    fails(counts(0, 257, 0), EUCLEAN, EXT2_WHY_GD_COUNTS);
    fails(counts(0, 0, 257), EUCLEAN, EXT2_WHY_GD_COUNTS);
    fails(counts(u16::MAX, u16::MAX, u16::MAX), EUCLEAN, EXT2_WHY_GD_COUNTS);
}

#[test]
fn first_failing_group_check_decides() {
    let sb = Sb::good().sb();
    fails(group_of(&gd(1, 1, 1, 9999, 9999, 9999), &sb, 0), EUCLEAN, EXT2_WHY_GD_BLOCK_BITMAP);
    fails(group_of(&gd(34, 34, 1, 9999, 9999, 9999), &sb, 0), EUCLEAN, EXT2_WHY_GD_INODE_BITMAP);
    fails(group_of(&gd(34, 35, 1, 9999, 9999, 9999), &sb, 0), EUCLEAN, EXT2_WHY_GD_INODE_TABLE);
}

#[test]
fn c1_c2_check_data_block() {
    let sb = Sb::good().sb();
    let g = g0(34, 35, 36).unwrap();
    assert_eq!(check_of(&sb, &g, 0, 100), Ok(()));
    assert_eq!(check_of(&sb, &g, 0, 8192), Ok(()));
    // C1: outside the group, a group past the last.
    fails(check_of(&sb, &g, 0, 0), EINVAL, EXT2_WHY_ARG);
    fails(check_of(&sb, &g, 0, 8193), EINVAL, EXT2_WHY_ARG);
    fails(check_of(&sb, &g, 2, 100), EINVAL, EXT2_WHY_ARG);
    let mut why = 0;
    assert_eq!(unsafe { rust_ext2_check_data_block(ptr::null(), &g, 0, 100, &mut why) }, EINVAL);
    assert_eq!(why, EXT2_WHY_ARG);
    why = 0;
    assert_eq!(unsafe { rust_ext2_check_data_block(&sb, ptr::null(), 0, 100, &mut why) }, EINVAL);
    assert_eq!(why, EXT2_WHY_ARG);
    // C2: the sb/gdt copy, the bitmaps, the inode table [36, 100).
    for b in [1, 2, 33, 34, 35, 36, 70, 99] {
        fails(check_of(&sb, &g, 0, b), EUCLEAN, EXT2_WHY_BLOCK_METADATA);
    }
    // C1 before C2.
    let g1 = group_of(&gd(16383, 16384, 8226, 0, 0, 0), &sb, 1).unwrap();
    fails(check_of(&sb, &g1, 1, 34), EINVAL, EXT2_WHY_ARG);
    fails(check_of(&sb, &g1, 1, 8193), EUCLEAN, EXT2_WHY_BLOCK_METADATA);
    fails(check_of(&sb, &g1, 1, 16384), EUCLEAN, EXT2_WHY_BLOCK_METADATA);
    assert_eq!(check_of(&sb, &g1, 1, 8290), Ok(()));
}
