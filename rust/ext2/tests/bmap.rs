//! `ext2_bmap_path` (B1–B2) and `ext2_bmap_entry` (E1–E3).

mod common;

use std::ptr;

use alloy_ext2::abi::*;
use alloy_ext2::ffi::{rust_ext2_bmap_entry, rust_ext2_bmap_path};
use common::*;

fn path(depth: u32, index: [u32; 4]) -> Result<Ext2BmapPath, Fail> {
    Ok(Ext2BmapPath { depth, index })
}

#[test]
fn paths_1k() {
    let sb = Sb::good().sb();
    let p: u64 = 256;
    assert_eq!(path_of(&sb, 0), path(0, [0, 0, 0, 0]));
    assert_eq!(path_of(&sb, 11), path(0, [11, 0, 0, 0]));
    assert_eq!(path_of(&sb, 12), path(1, [12, 0, 0, 0]));
    assert_eq!(path_of(&sb, 12 + p - 1), path(1, [12, 255, 0, 0]));
    assert_eq!(path_of(&sb, 12 + p), path(2, [13, 0, 0, 0]));
    assert_eq!(path_of(&sb, 12 + p + 257), path(2, [13, 1, 1, 0]));
    assert_eq!(path_of(&sb, 12 + p + p * p - 1), path(2, [13, 255, 255, 0]));
    assert_eq!(path_of(&sb, 12 + p + p * p), path(3, [14, 0, 0, 0]));
    assert_eq!(path_of(&sb, 12 + p + p * p + p * p + p + 1), path(3, [14, 1, 1, 1]));
    assert_eq!(path_of(&sb, 12 + p + p * p + 2 * p * p + 3 * p + 4), path(3, [14, 2, 3, 4]));
    assert_eq!(path_of(&sb, 12 + p + 5 * p + 6), path(2, [13, 5, 6, 0]));
    let last = 12 + p + p * p + p * p * p - 1;
    assert_eq!(path_of(&sb, last), path(3, [14, 255, 255, 255]));
    fails(path_of(&sb, last + 1), EFBIG, EXT2_WHY_BMAP_RANGE);
    fails(path_of(&sb, u64::MAX), EFBIG, EXT2_WHY_BMAP_RANGE);
}

#[test]
fn paths_4k() {
    let sb = Sb::good_4k_rev0().sb();
    let p: u64 = 1024;
    assert_eq!(path_of(&sb, 12 + p - 1), path(1, [12, 1023, 0, 0]));
    assert_eq!(path_of(&sb, 12 + p + p * p - 1), path(2, [13, 1023, 1023, 0]));
    let last = 12 + p + p * p + p * p * p - 1;
    assert_eq!(path_of(&sb, last), path(3, [14, 1023, 1023, 1023]));
    fails(path_of(&sb, last + 1), EFBIG, EXT2_WHY_BMAP_RANGE);
}

#[test]
fn b1_arguments() {
    let sb = Sb::good().sb();
    let mut out = Ext2BmapPath::default();
    let mut why = 0;
    assert_eq!(unsafe { rust_ext2_bmap_path(ptr::null(), 0, &mut out, &mut why) }, EINVAL);
    assert_eq!(why, EXT2_WHY_ARG);
    why = 0;
    assert_eq!(unsafe { rust_ext2_bmap_path(&sb, 0, ptr::null_mut(), &mut why) }, EINVAL);
    assert_eq!((why, out), (EXT2_WHY_ARG, Ext2BmapPath::default()));
    // B1 before B2.
    why = 0;
    assert_eq!(unsafe { rust_ext2_bmap_path(&sb, u64::MAX, ptr::null_mut(), &mut why) }, EINVAL);
    assert_eq!(why, EXT2_WHY_ARG);
}

/// An indirect block of Sb::good() (1 KiB: 256 entries): entry i = 1000 + i,
/// but entry 7 is a hole, 8 is outside the filesystem and 9 is 5000.
fn ind() -> Vec<u8> {
    let mut b = Vec::with_capacity(1024);
    for i in 0..256u32 {
        let v = match i {
            7 => 0,
            8 => 16385,
            9 => 5000,
            _ => 1000 + i,
        };
        b.extend_from_slice(&v.to_le_bytes());
    }
    b
}

#[test]
fn entries() {
    let sb = Sb::good().sb();
    let b = ind();
    assert_eq!(entry_of(&b, 0, &sb, 5000), Ok(1000));
    assert_eq!(entry_of(&b, 255, &sb, 5000), Ok(1255));
    assert_eq!(entry_of(&b, 7, &sb, 5000), Ok(0));
}

#[test]
fn e1_arguments() {
    let sb = Sb::good().sb();
    let b = ind();
    fails(entry_of(&b, 256, &sb, 5000), EINVAL, EXT2_WHY_ARG);
    fails(entry_of(&b, u32::MAX, &sb, 5000), EINVAL, EXT2_WHY_ARG);
    fails(entry_of(&b[..1020], 0, &sb, 5000), EINVAL, EXT2_WHY_ARG);
    let mut long = ind();
    long.extend_from_slice(&[0; 4]);
    fails(entry_of(&long, 0, &sb, 5000), EINVAL, EXT2_WHY_ARG);
    let mut out = 0xabcdu32;
    let mut why = 0;
    assert_eq!(unsafe { rust_ext2_bmap_entry(ptr::null(), 1024, 0, &sb, 5000, &mut out, &mut why) }, EINVAL);
    assert_eq!(why, EXT2_WHY_ARG);
    why = 0;
    assert_eq!(unsafe { rust_ext2_bmap_entry(b.as_ptr(), 1024, 0, ptr::null(), 5000, &mut out, &mut why) }, EINVAL);
    assert_eq!(why, EXT2_WHY_ARG);
    why = 0;
    assert_eq!(unsafe { rust_ext2_bmap_entry(b.as_ptr(), 1024, 0, &sb, 5000, ptr::null_mut(), &mut why) }, EINVAL);
    assert_eq!((why, out), (EXT2_WHY_ARG, 0xabcd));
}

#[test]
fn e2_block() {
    let sb = Sb::good().sb();
    fails(entry_of(&ind(), 8, &sb, 5000), EUCLEAN, EXT2_WHY_BMAP_BLOCK);
    let mut b = ind();
    b[0..4].copy_from_slice(&1u32.to_le_bytes());
    assert_eq!(entry_of(&b, 0, &sb, 5000), Ok(1));
    b[0..4].copy_from_slice(&16384u32.to_le_bytes());
    assert_eq!(entry_of(&b, 0, &sb, 5000), Ok(16384));
    b[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
    fails(entry_of(&b, 0, &sb, u32::MAX), EUCLEAN, EXT2_WHY_BMAP_BLOCK); // E2 before E3
}

#[test]
fn e3_self() {
    let sb = Sb::good().sb();
    fails(entry_of(&ind(), 9, &sb, 5000), EUCLEAN, EXT2_WHY_BMAP_SELF);
    assert_eq!(entry_of(&ind(), 9, &sb, 5001), Ok(5000));
}
