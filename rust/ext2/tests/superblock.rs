//! `ext2_parse_super`: S1–S16, one violating input per check (valid
//! otherwise), the first failing check deciding, and the decoding of good
//! superblocks.

mod common;

use std::ptr;

use alloy_ext2::abi::*;
use alloy_ext2::ffi::{rust_ext2_abi_version, rust_ext2_parse_super};
use common::*;

fn with(f: impl FnOnce(&mut Sb)) -> Result<Ext2Super, Fail> {
    let mut s = Sb::good();
    f(&mut s);
    s.parse()
}

#[test]
fn abi_version() {
    assert_eq!(rust_ext2_abi_version(), EXT2_ABI_VERSION);
    assert_eq!(EXT2_ABI_VERSION, 2);
}

#[test]
fn good_rev1_1k() {
    assert_eq!(
        Sb::good().sb(),
        Ext2Super {
            block_size: 1024,
            log_block_size: 10,
            blocks_count: 16385,
            inodes_count: 512,
            r_blocks_count: 819,
            free_blocks_count: 15000,
            free_inodes_count: 500,
            first_data_block: 1,
            blocks_per_group: 8192,
            inodes_per_group: 256,
            groups: 2,
            gdt_blocks: 1,
            reserved_gdt: 31,
            inode_size: 256,
            first_ino: 11,
            inode_table_blocks: 64,
            rev_level: 1,
            feature_compat: 0x38,
            feature_incompat: 2,
            feature_ro_compat: 3,
            read_only: 0,
            state: 1,
            errors: 1,
            // (12 + 256 + 256^2 + 256^3) * 1024
            max_file_size: 16_843_020 * 1024,
        }
    );
}

#[test]
fn good_rev0_4k() {
    // Revision 0: the feature words, first_ino, inode_size and
    // reserved_gdt fields are not read.
    assert_eq!(
        Sb::good_4k_rev0().sb(),
        Ext2Super {
            block_size: 4096,
            log_block_size: 12,
            blocks_count: 16384,
            inodes_count: 8192,
            r_blocks_count: 0,
            free_blocks_count: 16000,
            free_inodes_count: 8181,
            first_data_block: 0,
            blocks_per_group: 32768,
            inodes_per_group: 8192,
            groups: 1,
            gdt_blocks: 1,
            reserved_gdt: 0,
            inode_size: 128,
            first_ino: 11,
            inode_table_blocks: 256,
            rev_level: 0,
            feature_compat: 0,
            feature_incompat: 0,
            feature_ro_compat: 0,
            read_only: 0,
            state: 2,
            errors: 3,
            // (12 + 1024 + 1024^2 + 1024^3) * 4096 > 2^41 - 1
            max_file_size: (1 << 41) - 1,
        }
    );
}

#[test]
fn good_2k_and_details() {
    let mut s = Sb::good();
    s.log_block_size = 1;
    s.log_frag_size = 1;
    s.first_data_block = 0;
    s.blocks_count = 8192 * 3 - 5; // a short last group
    s.inodes_count = 256 * 3;
    s.dev_bytes = u64::from(s.blocks_count) * 2048;
    let sb = s.sb();
    assert_eq!((sb.block_size, sb.log_block_size, sb.groups), (2048, 11, 3));
    assert_eq!(sb.inode_table_blocks, 32);
    assert_eq!(sb.max_file_size, (12 + 512 + 512 * 512 + 512 * 512 * 512) * 2048);
    // Unknown ro_compat features: read-only, and still decoded.
    s.feature_ro_compat |= 0x100;
    let sb = s.sb();
    assert_eq!((sb.read_only, sb.feature_ro_compat), (1, 0x103));
    // No resize inode: reserved_gdt is not read.
    s.feature_compat = 0;
    s.reserved_gdt = 0xffff;
    assert_eq!(s.sb().reserved_gdt, 0);
    // A device larger than the filesystem is fine; 1024 bytes and more.
    s.dev_bytes += 12345;
    let mut raw = s.bytes();
    raw.extend_from_slice(&[0xff; 100]);
    assert!(super_of(&raw, s.dev_bytes).is_ok());
}

#[test]
fn s1_arguments() {
    let raw = Sb::good().bytes();
    let dev = Sb::good().dev_bytes;
    fails(super_of(&raw[..1023], dev), EINVAL, EXT2_WHY_ARG);
    fails(super_of(&[], dev), EINVAL, EXT2_WHY_ARG);
    let mut out = Ext2Super::default();
    let mut why = 0u32;
    let rc = unsafe { rust_ext2_parse_super(ptr::null(), 1024, dev, &mut out, &mut why) };
    assert_eq!((rc, why, out), (EINVAL, EXT2_WHY_ARG, Ext2Super::default()));
    why = 0;
    let rc = unsafe { rust_ext2_parse_super(raw.as_ptr(), 1024, dev, ptr::null_mut(), &mut why) };
    assert_eq!((rc, why), (EINVAL, EXT2_WHY_ARG));
    // Both pointers NULL and no why: still just an error.
    let rc = unsafe {
        rust_ext2_parse_super(ptr::null(), 0, 0, ptr::null_mut(), ptr::null_mut())
    };
    assert_eq!(rc, EINVAL);
}

#[test]
fn s2_magic() {
    fails(with(|s| s.magic = 0x53EF), EINVAL, EXT2_WHY_MAGIC);
    fails(with(|s| s.magic = 0), EINVAL, EXT2_WHY_MAGIC);
}

#[test]
fn s3_rev() {
    fails(with(|s| s.rev_level = 2), EOPNOTSUPP, EXT2_WHY_REV);
    fails(with(|s| s.rev_level = u32::MAX), EOPNOTSUPP, EXT2_WHY_REV);
}

#[test]
fn s4_block_size() {
    fails(with(|s| { s.log_block_size = 3; s.log_frag_size = 3 }), EOPNOTSUPP, EXT2_WHY_BLOCK_SIZE);
    fails(with(|s| s.log_block_size = u32::MAX), EOPNOTSUPP, EXT2_WHY_BLOCK_SIZE);
}

#[test]
fn s5_incompat() {
    fails(with(|s| s.feature_incompat |= 0x40), EOPNOTSUPP, EXT2_WHY_INCOMPAT); // extents
    fails(with(|s| s.feature_incompat = 0x8000_0000), EOPNOTSUPP, EXT2_WHY_INCOMPAT);
    // Without filetype is fine, and revision 0 ignores the word.
    assert!(with(|s| s.feature_incompat = 0).is_ok());
    let mut s = Sb::good_4k_rev0();
    s.feature_incompat = 0x40;
    assert!(s.parse().is_ok());
}

#[test]
fn s6_frag() {
    fails(with(|s| s.log_frag_size = 1), EUCLEAN, EXT2_WHY_FRAG);
}

#[test]
fn s7_blocks_per_group() {
    fails(with(|s| s.blocks_per_group = 0), EUCLEAN, EXT2_WHY_BLOCKS_PER_GROUP);
    fails(with(|s| s.blocks_per_group = 8200), EUCLEAN, EXT2_WHY_BLOCKS_PER_GROUP); // > 8 * bs
    fails(with(|s| s.blocks_per_group = 8188), EUCLEAN, EXT2_WHY_BLOCKS_PER_GROUP); // % 8
}

#[test]
fn s8_inodes_per_group() {
    fails(with(|s| s.inodes_per_group = 0), EUCLEAN, EXT2_WHY_INODES_PER_GROUP);
    fails(with(|s| { s.inodes_per_group = 8200; s.inodes_count = 16400 }), EUCLEAN, EXT2_WHY_INODES_PER_GROUP);
    fails(with(|s| { s.inodes_per_group = 252; s.inodes_count = 504 }), EUCLEAN, EXT2_WHY_INODES_PER_GROUP);
    // 8 * bs exactly is fine as far as S8 goes (S15 then refuses it here).
    fails(with(|s| { s.inodes_per_group = 8192; s.inodes_count = 16384; s.inode_size = 1024 }), EUCLEAN, EXT2_WHY_INODE_TABLE);
}

#[test]
fn s9_inode_size() {
    for bad in [0u16, 64, 100, 192, 2048] {
        fails(with(|s| s.inode_size = bad), EUCLEAN, EXT2_WHY_INODE_SIZE_SB);
    }
    for good in [128u16, 512, 1024] {
        assert_eq!(with(|s| s.inode_size = good).map(|sb| sb.inode_size), Ok(u32::from(good)));
    }
}

#[test]
fn s10_first_data_block() {
    fails(with(|s| s.first_data_block = 0), EUCLEAN, EXT2_WHY_FIRST_DATA);
    let mut s = Sb::good_4k_rev0();
    s.first_data_block = 1;
    fails(s.parse(), EUCLEAN, EXT2_WHY_FIRST_DATA);
}

#[test]
fn s11_blocks_count() {
    fails(with(|s| s.blocks_count = 1), EUCLEAN, EXT2_WHY_BLOCKS_COUNT); // <= first_data_block
    fails(with(|s| s.blocks_count = 0), EUCLEAN, EXT2_WHY_BLOCKS_COUNT);
    fails(with(|s| s.dev_bytes -= 1), EUCLEAN, EXT2_WHY_BLOCKS_COUNT);
    fails(with(|s| s.dev_bytes = 0), EUCLEAN, EXT2_WHY_BLOCKS_COUNT);
    // blocks_count * bs does not wrap in 32 bits.
    let mut s = Sb::good_4k_rev0();
    s.blocks_count = 1 << 20; // 4 GiB
    s.blocks_per_group = 32768;
    s.inodes_per_group = 256;
    s.inodes_count = 256 * 32;
    s.free_inodes_count = 0;
    s.dev_bytes = 1 << 20;
    fails(s.parse(), EUCLEAN, EXT2_WHY_BLOCKS_COUNT);
    s.dev_bytes = 4 << 30;
    assert_eq!(s.sb().groups, 32);
    // The size is in blocks of bs: one byte short of 4 KiB blocks.
    let mut s = Sb::good_4k_rev0();
    s.dev_bytes = 16384 * 4096 - 1;
    fails(s.parse(), EUCLEAN, EXT2_WHY_BLOCKS_COUNT);
}

#[test]
fn s12_inodes_count() {
    fails(with(|s| s.inodes_count = 511), EUCLEAN, EXT2_WHY_INODES_COUNT);
    fails(with(|s| s.inodes_count = 768), EUCLEAN, EXT2_WHY_INODES_COUNT);
    // groups rounds up: one block more makes a third group.
    fails(with(|s| { s.blocks_count += 1; s.dev_bytes += 1024 }), EUCLEAN, EXT2_WHY_INODES_COUNT);
    assert_eq!(
        with(|s| { s.blocks_count += 1; s.dev_bytes += 1024; s.inodes_count = 768 }).map(|sb| sb.groups),
        Ok(3)
    );
    // groups * inodes_per_group is computed in 64 bits: 2^32 would wrap to 0.
    let mut s = Sb::good_4k_rev0();
    s.blocks_per_group = 8;
    s.inodes_per_group = 32768;
    s.blocks_count = 131072;
    s.dev_bytes = 131072 * 4096;
    s.inodes_count = 0; // 131072 * 32768 mod 2^32
    fails(s.parse(), EUCLEAN, EXT2_WHY_INODES_COUNT);
}

#[test]
fn s13_first_ino() {
    fails(with(|s| s.first_ino = 10), EUCLEAN, EXT2_WHY_FIRST_INO);
    fails(with(|s| s.first_ino = 0), EUCLEAN, EXT2_WHY_FIRST_INO);
    fails(with(|s| s.first_ino = 513), EUCLEAN, EXT2_WHY_FIRST_INO);
    assert_eq!(with(|s| s.first_ino = 512).map(|sb| sb.first_ino), Ok(512));
    // Revision 0: 11, the field is not read and not compared with
    // inodes_count (the bounds are the revision 1 field's, as in S9).
    let mut s = Sb::good_4k_rev0();
    s.blocks_per_group = 16384;
    s.inodes_per_group = 8;
    s.inodes_count = 8;
    s.free_inodes_count = 0;
    s.first_ino = 5;
    assert_eq!(s.sb().first_ino, 11);
}

#[test]
fn s14_gdt() {
    // reserved_gdt > p (256).
    fails(with(|s| s.reserved_gdt = 257), EUCLEAN, EXT2_WHY_GDT);
    assert!(with(|s| { s.reserved_gdt = 256; }).is_ok());
    // The sb and descriptor copy do not fit in group 0: 1 + 1 + 254 > 256.
    let mut s = Sb::many_groups();
    s.feature_compat = EXT2_COMPAT_RESIZE_INODE;
    s.reserved_gdt = 253;
    assert!(s.parse().is_ok()); // 1 + 2 + 253 = 256
    s.reserved_gdt = 254;
    fails(s.parse(), EUCLEAN, EXT2_WHY_GDT);
    // ... nor in the filesystem: 1 + 1 + 1 + 31 > blocks_count = 33.
    let mut s = Sb::good();
    s.blocks_count = 33;
    s.inodes_count = 256;
    s.free_blocks_count = 0;
    s.free_inodes_count = 0;
    s.r_blocks_count = 0;
    s.dev_bytes = 33 * 1024;
    fails(s.parse(), EUCLEAN, EXT2_WHY_GDT);
    s.blocks_count = 34;
    s.dev_bytes = 34 * 1024;
    assert!(s.parse().is_ok());
}

#[test]
fn s15_inode_table() {
    // 2048 inodes of 1024 bytes = 2048 blocks, + 2 > 2048.
    let mut s = Sb::good();
    s.blocks_per_group = 2048;
    s.blocks_count = 1 + 2048 * 8;
    s.inodes_per_group = 2048;
    s.inodes_count = 2048 * 8;
    s.inode_size = 1024;
    s.free_inodes_count = 0;
    fails(s.parse(), EUCLEAN, EXT2_WHY_INODE_TABLE);
    s.inode_size = 512; // 1024 + 2 <= 2048
    assert_eq!(s.sb().inode_table_blocks, 1024);
}

#[test]
fn s16_counts() {
    fails(with(|s| s.r_blocks_count = 16386), EUCLEAN, EXT2_WHY_COUNTS);
    fails(with(|s| s.free_blocks_count = 16386), EUCLEAN, EXT2_WHY_COUNTS);
    fails(with(|s| s.free_inodes_count = 513), EUCLEAN, EXT2_WHY_COUNTS);
    assert!(with(|s| { s.r_blocks_count = 16385; s.free_blocks_count = 16385; s.free_inodes_count = 512 }).is_ok());
}

#[test]
fn first_failing_check_decides() {
    // S6 and S16 both fail: S6.
    fails(with(|s| { s.log_frag_size = 2; s.free_inodes_count = 9999 }), EUCLEAN, EXT2_WHY_FRAG);
    // S2 before everything.
    fails(with(|s| { s.magic = 1; s.rev_level = 9 }), EINVAL, EXT2_WHY_MAGIC);
    // S3 before S4.
    fails(with(|s| { s.rev_level = 9; s.log_block_size = 9 }), EOPNOTSUPP, EXT2_WHY_REV);
    // S12 before S13.
    fails(with(|s| { s.inodes_count = 8; s.first_ino = 99 }), EUCLEAN, EXT2_WHY_INODES_COUNT);
}
