//! The two errors of the contract, as values inside Rust and as negative
//! errno (Linux numbering, as `include/alloy/errno.h`) at the boundary.

use core::ffi::c_int;

/// `EINVAL`: a caller error (a NULL pointer, a bad target, a phdrs length
/// that is not `phnum * 56`).
const EINVAL: c_int = 22;
/// `ENOEXEC`: anything wrong with the file.
const ENOEXEC: c_int = 8;

/// Why a call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Errno {
    /// The caller broke the calling convention (`-EINVAL`).
    Inval,
    /// The file is not an executable this kernel runs (`-ENOEXEC`).
    NoExec,
}

/// The result of every parser function.
pub type Result<T> = core::result::Result<T, Errno>;

impl Errno {
    /// The negative errno that the C ABI returns.
    pub const fn to_neg(self) -> c_int {
        match self {
            Errno::Inval => -EINVAL,
            Errno::NoExec => -ENOEXEC,
        }
    }
}
