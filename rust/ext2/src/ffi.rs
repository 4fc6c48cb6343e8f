//! The C boundary (`ffi/ext2.h`, symbols `rust_ext2_*`).
//!
//! Everything unsafe in the crate is here: NULL checks (the ARG checks
//! S1, G1, I1, D1, B1, E1, C1), slices made from `(pointer, length)`
//! pairs, copies of the `struct ext2_super`/`ext2_group` inputs, the single
//! write of `*out` when a call succeeds and of `*why` when it fails. The
//! pointers are used only during the call.

use core::ffi::c_int;

use crate::abi::{
    Ext2BmapPath, Ext2Dirent, Ext2Group, Ext2Inode, Ext2Super, Ext2XattrEntry, Ext2XattrHeader,
    EXT2_ABI_VERSION,
};
use crate::errno::{Result, Why};
use crate::{
    bmap_entry, bmap_path, check_data_block, parse_dirent, parse_group, parse_inode, parse_super,
    parse_xattr_block, parse_xattr_entry,
};

/// Longest slice made of an input: one more than any length a check
/// compares with (lengths are compared with `u32` fields), so capping
/// changes no answer, and the slice never exceeds `isize::MAX`.
const LEN_CAP: usize = (u32::MAX as usize).saturating_add(1);

/// A view of the input `(ptr, len)` capped at `max` bytes, or `None` if
/// `ptr` is NULL.
///
/// # Safety
/// `ptr` is NULL or readable for `len` bytes until the call returns.
unsafe fn input<'a>(ptr: *const u8, len: usize, max: usize) -> Option<&'a [u8]> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` is not NULL and, by the caller, readable for `len`
    // bytes, so for `min(len, max)`; `u8` has no alignment requirement.
    Some(unsafe { core::slice::from_raw_parts(ptr, len.min(max)) })
}

/// A copy of the struct at `ptr`, or `None` if `ptr` is NULL.
///
/// # Safety
/// `ptr` is NULL or readable for a `T` during the call.
unsafe fn copy_in<T: Copy>(ptr: *const T) -> Option<T> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: by the caller; unaligned so that no pointer C hands over is
    // undefined behaviour here.
    Some(unsafe { ptr.read_unaligned() })
}

/// Returns a result to C: `*out` (every byte: the structs have no
/// implicit padding) is written only on success, `*why` (if not NULL) only
/// on failure.
///
/// # Safety
/// `out` is NULL or writable for a `T`, `why` NULL or writable for a
/// `u32`. `out` may be NULL only if `result` is an error.
unsafe fn deliver<T>(out: *mut T, why: *mut u32, result: Result<T>) -> c_int {
    match result {
        Ok(value) => {
            if !out.is_null() {
                // SAFETY: by the caller.
                unsafe { out.write_unaligned(value) };
            }
            0
        }
        Err(w) => {
            if !why.is_null() {
                // SAFETY: by the caller.
                unsafe { why.write_unaligned(w.code()) };
            }
            w.errno().to_neg()
        }
    }
}

/// `Err(Arg)` unless `out` is writable (not NULL).
fn need<T>(out: *mut T) -> Result<()> {
    if out.is_null() {
        Err(Why::Arg)
    } else {
        Ok(())
    }
}

/// `rust_ext2_abi_version()`: `EXT2_ABI_VERSION`.
#[no_mangle]
pub extern "C" fn rust_ext2_abi_version() -> u32 {
    EXT2_ABI_VERSION
}

/// `rust_ext2_parse_super()`: checks S1–S16, see `ffi/ext2.h`.
///
/// # Safety
/// `raw` is NULL or readable for `len` bytes, `out` NULL or writable for a
/// `struct ext2_super`, `why` NULL or writable for a `uint32_t`, during
/// the call.
#[no_mangle]
pub unsafe extern "C" fn rust_ext2_parse_super(
    raw: *const u8,
    len: usize,
    dev_bytes: u64,
    out: *mut Ext2Super,
    why: *mut u32,
) -> c_int {
    // SAFETY: by the caller. S1 reads 1024 bytes at most.
    let raw = unsafe { input(raw, len, LEN_CAP) };
    let result = need(out).and_then(|()| parse_super(raw.ok_or(Why::Arg)?, dev_bytes));
    // SAFETY: by the caller; `out` is not NULL when `result` is Ok.
    unsafe { deliver(out, why, result) }
}

/// `rust_ext2_parse_group()`: checks G1–G5, see `ffi/ext2.h`.
///
/// # Safety
/// `raw` is NULL or readable for `len` bytes, `sb` NULL or readable for a
/// `struct ext2_super`, `out` NULL or writable for a `struct ext2_group`,
/// `why` NULL or writable for a `uint32_t`, during the call.
#[no_mangle]
pub unsafe extern "C" fn rust_ext2_parse_group(
    raw: *const u8,
    len: usize,
    sb: *const Ext2Super,
    group: u32,
    out: *mut Ext2Group,
    why: *mut u32,
) -> c_int {
    // SAFETY: by the caller.
    let (raw, sb) = unsafe { (input(raw, len, LEN_CAP), copy_in(sb)) };
    let result = need(out).and_then(|()| {
        parse_group(raw.ok_or(Why::Arg)?, &sb.ok_or(Why::Arg)?, group)
    });
    // SAFETY: by the caller; `out` is not NULL when `result` is Ok.
    unsafe { deliver(out, why, result) }
}

/// `rust_ext2_parse_inode()`: checks I1–I6, see `ffi/ext2.h`.
///
/// # Safety
/// `raw` is NULL or readable for `len` bytes, `sb` NULL or readable for a
/// `struct ext2_super`, `out` NULL or writable for a `struct ext2_inode`,
/// `why` NULL or writable for a `uint32_t`, during the call.
#[no_mangle]
pub unsafe extern "C" fn rust_ext2_parse_inode(
    raw: *const u8,
    len: usize,
    sb: *const Ext2Super,
    ino: u32,
    out: *mut Ext2Inode,
    why: *mut u32,
) -> c_int {
    // SAFETY: by the caller.
    let (raw, sb) = unsafe { (input(raw, len, LEN_CAP), copy_in(sb)) };
    let result = need(out)
        .and_then(|()| parse_inode(raw.ok_or(Why::Arg)?, &sb.ok_or(Why::Arg)?, ino));
    // SAFETY: by the caller; `out` is not NULL when `result` is Ok.
    unsafe { deliver(out, why, result) }
}

/// `rust_ext2_parse_dirent()`: checks D1–D6, see `ffi/ext2.h`.
///
/// # Safety
/// `blk` is NULL or readable for `len` bytes, `sb` NULL or readable for a
/// `struct ext2_super`, `out` NULL or writable for a `struct ext2_dirent`,
/// `why` NULL or writable for a `uint32_t`, during the call.
#[no_mangle]
pub unsafe extern "C" fn rust_ext2_parse_dirent(
    blk: *const u8,
    len: usize,
    off: u32,
    sb: *const Ext2Super,
    out: *mut Ext2Dirent,
    why: *mut u32,
) -> c_int {
    // SAFETY: by the caller.
    let (blk, sb) = unsafe { (input(blk, len, LEN_CAP), copy_in(sb)) };
    let result = need(out)
        .and_then(|()| parse_dirent(blk.ok_or(Why::Arg)?, off, &sb.ok_or(Why::Arg)?));
    // SAFETY: by the caller; `out` is not NULL when `result` is Ok.
    unsafe { deliver(out, why, result) }
}

/// `rust_ext2_bmap_path()`: checks B1–B2, see `ffi/ext2.h`.
///
/// # Safety
/// `sb` is NULL or readable for a `struct ext2_super`, `out` NULL or
/// writable for a `struct ext2_bmap_path`, `why` NULL or writable for a
/// `uint32_t`, during the call.
#[no_mangle]
pub unsafe extern "C" fn rust_ext2_bmap_path(
    sb: *const Ext2Super,
    file_block: u64,
    out: *mut Ext2BmapPath,
    why: *mut u32,
) -> c_int {
    // SAFETY: by the caller.
    let sb = unsafe { copy_in(sb) };
    let result = need(out).and_then(|()| bmap_path(&sb.ok_or(Why::Arg)?, file_block));
    // SAFETY: by the caller; `out` is not NULL when `result` is Ok.
    unsafe { deliver(out, why, result) }
}

/// `rust_ext2_bmap_entry()`: checks E1–E3, see `ffi/ext2.h`.
///
/// # Safety
/// `blk` is NULL or readable for `len` bytes, `sb` NULL or readable for a
/// `struct ext2_super`, `out` NULL or writable for a `uint32_t`, `why` NULL
/// or writable for a `uint32_t`, during the call.
#[no_mangle]
pub unsafe extern "C" fn rust_ext2_bmap_entry(
    blk: *const u8,
    len: usize,
    index: u32,
    sb: *const Ext2Super,
    self_: u32,
    out: *mut u32,
    why: *mut u32,
) -> c_int {
    // SAFETY: by the caller.
    let (blk, sb) = unsafe { (input(blk, len, LEN_CAP), copy_in(sb)) };
    let result = need(out)
        .and_then(|()| bmap_entry(blk.ok_or(Why::Arg)?, index, &sb.ok_or(Why::Arg)?, self_));
    // SAFETY: by the caller; `out` is not NULL when `result` is Ok.
    unsafe { deliver(out, why, result) }
}

/// `rust_ext2_check_data_block()`: checks C1–C2, see `ffi/ext2.h`.
///
/// # Safety
/// `sb` is NULL or readable for a `struct ext2_super`, `g` NULL or readable
/// for a `struct ext2_group`, `why` NULL or writable for a `uint32_t`,
/// during the call.
#[no_mangle]
pub unsafe extern "C" fn rust_ext2_check_data_block(
    sb: *const Ext2Super,
    g: *const Ext2Group,
    group: u32,
    block: u32,
    why: *mut u32,
) -> c_int {
    // SAFETY: by the caller.
    let (sb, g) = unsafe { (copy_in(sb), copy_in(g)) };
    let result = (|| check_data_block(&sb.ok_or(Why::Arg)?, &g.ok_or(Why::Arg)?, group, block))();
    // SAFETY: `out` is NULL (nothing to write); `why` by the caller.
    unsafe { deliver(core::ptr::null_mut::<()>(), why, result) }
}

/// `rust_ext2_parse_xattr_entry()`: checks A1–A4, see `ffi/ext2.h`.
///
/// # Safety
/// `blk` is NULL or readable for `len` bytes, `sb` NULL or readable for a
/// `struct ext2_super`, `out` NULL or writable for a `struct
/// ext2_xattr_entry`, `why` NULL or writable for a `uint32_t`, during the
/// call.
#[no_mangle]
pub unsafe extern "C" fn rust_ext2_parse_xattr_entry(
    blk: *const u8,
    len: usize,
    off: u32,
    sb: *const Ext2Super,
    out: *mut Ext2XattrEntry,
    why: *mut u32,
) -> c_int {
    // SAFETY: by the caller.
    let (blk, sb) = unsafe { (input(blk, len, LEN_CAP), copy_in(sb)) };
    let result = need(out)
        .and_then(|()| parse_xattr_entry(blk.ok_or(Why::Arg)?, off, &sb.ok_or(Why::Arg)?));
    // SAFETY: by the caller; `out` is not NULL when `result` is Ok.
    unsafe { deliver(out, why, result) }
}

/// `rust_ext2_parse_xattr_block()`: checks H1–H5, see `ffi/ext2.h`.
///
/// # Safety
/// `blk` is NULL or readable for `len` bytes, `sb` NULL or readable for a
/// `struct ext2_super`, `out` NULL or writable for a `struct
/// ext2_xattr_header`, `why` NULL or writable for a `uint32_t`, during the
/// call.
#[no_mangle]
pub unsafe extern "C" fn rust_ext2_parse_xattr_block(
    blk: *const u8,
    len: usize,
    sb: *const Ext2Super,
    out: *mut Ext2XattrHeader,
    why: *mut u32,
) -> c_int {
    // SAFETY: by the caller.
    let (blk, sb) = unsafe { (input(blk, len, LEN_CAP), copy_in(sb)) };
    let result =
        need(out).and_then(|()| parse_xattr_block(blk.ok_or(Why::Arg)?, &sb.ok_or(Why::Arg)?));
    // SAFETY: by the caller; `out` is not NULL when `result` is Ok.
    unsafe { deliver(out, why, result) }
}
