//! `elf_check_interp`: I1–I3.

mod common;

use std::ptr;

use alloy_elf::ffi::rust_elf_check_interp;
use common::*;

#[test]
fn good_paths() {
    assert_eq!(check_interp(b"/lib64/ld-linux-x86-64.so.2\0"), 0);
    assert_eq!(check_interp(b"a\0"), 0, "shortest");
    let mut longest = vec![b'x'; 4095];
    longest.push(0);
    assert_eq!(check_interp(&longest), 0, "4096 bytes, NUL included");
    // Any bytes but NUL: the name is not otherwise judged here.
    assert_eq!(check_interp(b"\xff\x01 \n\0"), 0);
}

#[test]
fn i1_null() {
    for len in [0, 2, 28, usize::MAX] {
        assert_eq!(
            unsafe { rust_elf_check_interp(ptr::null(), len) },
            EINVAL,
            "len {len}"
        );
    }
}

#[test]
fn i2_length() {
    assert_eq!(check_interp(b""), ENOEXEC);
    assert_eq!(check_interp(b"\0"), ENOEXEC);
    let mut long = vec![b'x'; 4096];
    long.push(0);
    assert_eq!(check_interp(&long), ENOEXEC, "4097 bytes");
    // A huge length is rejected without reading that far.
    let buf = vec![b'x'; 8192];
    for len in [4097, isize::MAX as usize, usize::MAX] {
        assert_eq!(
            unsafe { rust_elf_check_interp(buf.as_ptr(), len) },
            ENOEXEC,
            "len {len}"
        );
    }
    // Even when the first 4096 bytes are a good path.
    let mut buf = vec![b'x'; 4095];
    buf.push(0);
    buf.resize(8192, 0);
    for len in [4097, isize::MAX as usize, usize::MAX] {
        assert_eq!(
            unsafe { rust_elf_check_interp(buf.as_ptr(), len) },
            ENOEXEC,
            "len {len}"
        );
    }
}

#[test]
fn i3_nul_placement() {
    assert_eq!(check_interp(b"/lib/ld.so"), ENOEXEC, "no NUL");
    assert_eq!(check_interp(b"/lib/ld.so\0x"), ENOEXEC, "NUL not last");
    assert_eq!(check_interp(b"/lib\0ld.so\0"), ENOEXEC, "NUL inside");
    assert_eq!(check_interp(b"\0\0"), ENOEXEC, "empty name");
    assert_eq!(check_interp(b"\0a\0"), ENOEXEC);
    assert_eq!(check_interp(b"ab"), ENOEXEC);
}

#[test]
fn truncated_at_every_length() {
    let path = b"/lib64/ld-linux-x86-64.so.2\0";
    for len in 0..path.len() {
        assert_eq!(check_interp(&path[..len]), ENOEXEC, "len {len}");
    }
}

#[test]
fn unaligned() {
    let path = b"/lib/ld-musl-x86_64.so.1\0";
    for skew in 1..8 {
        assert_eq!(check_interp(Unaligned::new(path, skew).get()), 0);
    }
}
