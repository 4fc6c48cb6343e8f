//! `ext2_parse_xattr_block` / `ext2_parse_xattr_entry`: H1–H5 and A1–A4,
//! one violating block per check, and decoding.

mod common;

use alloy_ext2::abi::*;
use alloy_ext2::{parse_xattr_block, parse_xattr_entry, Why};
use common::*;

fn sb() -> Ext2Super {
    Sb::good().sb()
}

fn put32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

/// user.ab = "xyz" at 1020, then trusted.c without a value, in 1 KiB.
fn block() -> Vec<u8> {
    let mut b = vec![0u8; 1024];
    put32(&mut b, 0, EXT2_XATTR_MAGIC);
    put32(&mut b, 4, 3);
    put32(&mut b, 8, 1);
    put32(&mut b, 12, 0x1234);
    b[32] = 2;
    b[33] = 1;
    b[34..36].copy_from_slice(&1020u16.to_le_bytes());
    put32(&mut b, 40, 3);
    put32(&mut b, 44, 7);
    b[48..50].copy_from_slice(b"ab");
    b[52] = 1;
    b[53] = 4;
    b[68] = b'c';
    b[1020..1023].copy_from_slice(b"xyz");
    b
}

fn fails(edit: impl Fn(&mut Vec<u8>), why: Why) {
    let mut b = block();
    edit(&mut b);
    assert_eq!(parse_xattr_block(&b, &sb()), Err(why));
}

#[test]
fn good_block() {
    let b = block();
    let h = parse_xattr_block(&b, &sb()).unwrap();
    assert_eq!((h.refcount, h.hash, h.count, h.end), (3, 0x1234, 2, 76));
    let e = parse_xattr_entry(&b, 32, &sb()).unwrap();
    assert_eq!(
        (e.name_len, e.name_index, e.name_off, e.value_offs, e.value_size, e.hash, e.next),
        (2, 1, 48, 1020, 3, 7, 52)
    );
    let end = parse_xattr_entry(&b, 72, &sb()).unwrap();
    assert_eq!((end.name_len, end.next), (0, 76));
}

#[test]
fn each_check() {
    assert_eq!(parse_xattr_block(&block()[..1000], &sb()), Err(Why::Arg));
    assert_eq!(parse_xattr_entry(&block(), 30, &sb()), Err(Why::Arg));
    assert_eq!(parse_xattr_entry(&block(), 34, &sb()), Err(Why::Arg));
    fails(|b| b[3] = 0xeb, Why::XattrMagic);
    fails(|b| put32(b, 8, 2), Why::XattrHeader);
    fails(|b| b[32] = 0, Why::XattrEntry);
    fails(|b| put32(b, 36, 5), Why::XattrValue);
    fails(|b| b[34] = 0xfa, Why::XattrValue);
    fails(|b| put32(b, 40, 5), Why::XattrValue);
    fails(|b| put32(b, 40, 0xffff_fffc), Why::XattrValue);
    fails(|b| b[34..36].copy_from_slice(&72u16.to_le_bytes()), Why::XattrValue);
    fails(
        |b| {
            for off in (72..1020).step_by(20) {
                b[off] = 1;
                b[off + 1] = 1;
            }
        },
        Why::XattrEntry,
    );
}
