//! The C boundary (`ffi/herd.h`, symbols `rust_herd_*`): NULL checks (S1,
//! D1, W1), slices from raw pointers, copies of the caller's structs, and
//! the single write of an output.

use core::ffi::c_int;

use crate::abi::*;
use crate::decide::{decide_restart, decide_write};
use crate::parse::parse_service;

const EINVAL: c_int = 22;
const EBADMSG: c_int = 74;

/// `rust_herd_abi_version()`: `HERD_ABI_VERSION`.
#[no_mangle]
pub extern "C" fn rust_herd_abi_version() -> u32 {
    HERD_ABI_VERSION
}

/// `rust_herd_parse_service()`: checks S1–S11, see `ffi/herd.h`.
///
/// # Safety
/// `buf` is NULL or readable for `len` bytes, `out` NULL or writable for a
/// `struct herd_service`, `err` NULL or writable for a `struct
/// herd_parse_error`, during the call.
#[no_mangle]
pub unsafe extern "C" fn rust_herd_parse_service(
    buf: *const u8,
    len: usize,
    out: *mut HerdService,
    err: *mut HerdParseError,
) -> c_int {
    if (buf.is_null() && len != 0) || out.is_null() || err.is_null() {
        return -EINVAL; // S1
    }
    let bytes: &[u8] = if buf.is_null() {
        &[]
    } else {
        // SAFETY: not NULL and, by the caller, readable for `len` bytes,
        // so for fewer; S2 refuses anything longer than HERD_FILE_MAX.
        unsafe { core::slice::from_raw_parts(buf, len.min(HERD_FILE_MAX.saturating_add(1))) }
    };
    match parse_service(bytes, len) {
        Ok(s) => {
            // SAFETY: `out` is not NULL and, by the caller, writable.
            unsafe { out.write_unaligned(s) };
            0
        }
        Err(e) => {
            // SAFETY: `err` is not NULL and, by the caller, writable.
            unsafe { err.write_unaligned(e) };
            -EBADMSG
        }
    }
}

/// `rust_herd_decide_restart()`: checks D1–D3 and the schedule.
///
/// # Safety
/// `svc` and `run` are NULL or readable, `out` NULL or writable, during
/// the call.
#[no_mangle]
pub unsafe extern "C" fn rust_herd_decide_restart(
    svc: *const HerdService,
    run: *const HerdRun,
    out: *mut HerdDecision,
) -> c_int {
    if svc.is_null() || run.is_null() || out.is_null() {
        return -EINVAL; // D1
    }
    // SAFETY: not NULL and, by the caller, readable; copies, so that C
    // cannot change what was checked.
    let (s, r) = unsafe { (svc.read_unaligned(), run.read_unaligned()) };
    match decide_restart(&s, &r) {
        Ok(d) => {
            // SAFETY: `out` is not NULL and, by the caller, writable.
            unsafe { out.write_unaligned(d) };
            0
        }
        Err(_) => -EINVAL,
    }
}

/// `rust_herd_decide_write()`: checks W1–W2 and the rule.
///
/// # Safety
/// `out` is NULL or writable for a `struct herd_write` during the call.
#[no_mangle]
pub unsafe extern "C" fn rust_herd_decide_write(
    size: u64,
    len: u64,
    limit: u64,
    keep: u32,
    out: *mut HerdWrite,
) -> c_int {
    if out.is_null() {
        return -EINVAL; // W1
    }
    match decide_write(size, len, limit, keep) {
        Ok(w) => {
            // SAFETY: `out` is not NULL and, by the caller, writable.
            unsafe { out.write_unaligned(w) };
            0
        }
        Err(_) => -EINVAL,
    }
}
