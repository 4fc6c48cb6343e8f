//! `elf_check_interp`: checks I2–I3 on the PT_INTERP bytes read from the
//! file. (I1, the NULL pointer, is the boundary's job.)

use crate::abi::ELF_MAX_INTERP;
use crate::errno::{Errno, Result};

/// Accepts `path` if it is a non-empty C string filling it exactly: at most
/// `ELF_MAX_INTERP` bytes, the last one the only NUL.
pub fn check_interp(path: &[u8]) -> Result<()> {
    // I2
    if path.len() < 2 || path.len() > ELF_MAX_INTERP {
        return Err(Errno::NoExec);
    }
    // I3
    match path.split_last() {
        Some((0, name)) if !name.contains(&0) => Ok(()),
        _ => Err(Errno::NoExec),
    }
}
