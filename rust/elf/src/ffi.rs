//! The C boundary (`ffi/elf.h`, symbols `rust_elf_*`).
//!
//! Everything unsafe in the crate is here: NULL checks (H1, P1, I1), slices
//! made from `(pointer, length)` pairs, the copy of the caller's target, and
//! the single write of `*out` when a call succeeds. The pointers are used
//! only during the call.

use core::ffi::c_int;

use crate::abi::{
    ElfHeader, ElfImage, ElfTarget, ELF_ABI_VERSION, ELF_EHDR_SIZE, ELF_MAX_INTERP, ELF_MAX_PHNUM,
    ELF_PHDR_SIZE,
};
use crate::errno::{Errno, Result};
use crate::{check_interp, parse_header, parse_phdrs};

/// Longest table `elf_parse_phdrs` accepts: `ELF_MAX_PHNUM * 56` bytes.
const MAX_PHDRS_LEN: usize = ELF_MAX_PHNUM * ELF_PHDR_SIZE;

/// A view of at most `max` bytes of the input `(ptr, len)`, or `None` if
/// `ptr` is NULL.
///
/// Every check of the contract gives the same answer on `min(len, max)`
/// bytes as on `len`, provided `max` is one more than the longest input a
/// check accepts (or, for the file header, the bytes actually read) — and
/// the slice then never exceeds `isize::MAX`, whatever `len` says.
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

/// A copy of the caller's target, or `None` if `ptr` is NULL: checked
/// once (T1) and used as checked, whatever C does with it meanwhile.
///
/// # Safety
/// `ptr` is NULL or readable for a `struct elf_target` during the call.
unsafe fn target(ptr: *const ElfTarget) -> Option<ElfTarget> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: not NULL and, by the caller, readable; unaligned is allowed
    // so that no pointer C hands over is undefined behaviour here.
    Some(unsafe { ptr.read_unaligned() })
}

/// Returns a result to C: writes `*out` (every byte: the structs have no
/// implicit padding) only on success.
///
/// # Safety
/// `out` is not NULL and writable for a `T`.
unsafe fn deliver<T>(out: *mut T, result: Result<T>) -> c_int {
    match result {
        Ok(value) => {
            // SAFETY: by the caller. Unaligned is allowed so that no
            // pointer C hands over is undefined behaviour here.
            unsafe { out.write_unaligned(value) };
            0
        }
        Err(errno) => errno.to_neg(),
    }
}

/// `rust_elf_abi_version()`: `ELF_ABI_VERSION`.
#[no_mangle]
pub extern "C" fn rust_elf_abi_version() -> u32 {
    ELF_ABI_VERSION
}

/// `rust_elf_parse_header()`: checks H1, T1, H2–H6, see `ffi/elf.h`.
///
/// # Safety
/// `ehdr` is NULL or readable for `ehdr_len` bytes, `target` NULL or
/// readable for a `struct elf_target`, `out` NULL or writable for a
/// `struct elf_header`, during the call.
#[no_mangle]
pub unsafe extern "C" fn rust_elf_parse_header(
    ehdr: *const u8,
    ehdr_len: usize,
    file_size: u64,
    target: *const ElfTarget,
    out: *mut ElfHeader,
) -> c_int {
    // SAFETY: by the caller.
    let (Some(ehdr), Some(target)) =
        (unsafe { (input(ehdr, ehdr_len, ELF_EHDR_SIZE), self::target(target)) })
    else {
        return Errno::Inval.to_neg(); // H1
    };
    if out.is_null() {
        return Errno::Inval.to_neg(); // H1
    }
    let result = parse_header(ehdr, file_size, &target);
    // SAFETY: `out` is not NULL and, by the caller, writable.
    unsafe { deliver(out, result) }
}

/// `rust_elf_parse_phdrs()`: checks P1, T1, P2–P7, see `ffi/elf.h`.
///
/// # Safety
/// `ehdr` is NULL or readable for `ehdr_len` bytes, `phdrs` NULL or
/// readable for `phdrs_len` bytes, `target` NULL or readable for a
/// `struct elf_target`, `out` NULL or writable for a `struct elf_image`,
/// during the call.
#[no_mangle]
pub unsafe extern "C" fn rust_elf_parse_phdrs(
    ehdr: *const u8,
    ehdr_len: usize,
    phdrs: *const u8,
    phdrs_len: usize,
    file_size: u64,
    target: *const ElfTarget,
    out: *mut ElfImage,
) -> c_int {
    // SAFETY: by the caller. One byte more than the longest table keeps a
    // too-long `phdrs_len` too long (P3).
    let (Some(ehdr), Some(phdrs), Some(target)) = (unsafe {
        (
            input(ehdr, ehdr_len, ELF_EHDR_SIZE),
            input(phdrs, phdrs_len, MAX_PHDRS_LEN + 1),
            self::target(target),
        )
    }) else {
        return Errno::Inval.to_neg(); // P1
    };
    if out.is_null() {
        return Errno::Inval.to_neg(); // P1
    }
    let result = parse_phdrs(ehdr, phdrs, file_size, &target);
    // SAFETY: `out` is not NULL and, by the caller, writable.
    unsafe { deliver(out, result) }
}

/// `rust_elf_check_interp()`: checks I1–I3, see `ffi/elf.h`.
///
/// # Safety
/// `path` is NULL or readable for `len` bytes during the call.
#[no_mangle]
pub unsafe extern "C" fn rust_elf_check_interp(path: *const u8, len: usize) -> c_int {
    // SAFETY: by the caller. One byte more than the longest path keeps a
    // too-long `len` too long (I2).
    let Some(path) = (unsafe { input(path, len, ELF_MAX_INTERP + 1) }) else {
        return Errno::Inval.to_neg(); // I1
    };
    match check_interp(path) {
        Ok(()) => 0,
        Err(errno) => errno.to_neg(),
    }
}
