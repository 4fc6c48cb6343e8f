//! Little-endian field decoding from a byte slice, front to back.
//!
//! Any byte order or alignment of the input is fine: every field is copied
//! out of the slice. Running out of bytes is `ENOEXEC` (a short file).

use crate::errno::{Errno, Result};

/// A cursor over the bytes of one on-disk structure.
pub(crate) struct Le<'a> {
    rest: &'a [u8],
}

impl<'a> Le<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Le { rest: bytes }
    }

    /// The next `N` bytes, as an array.
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let (head, rest) = self.rest.split_first_chunk::<N>().ok_or(Errno::NoExec)?;
        self.rest = rest;
        Ok(*head)
    }

    /// Skips `N` bytes of fields that the contract does not look at.
    pub(crate) fn skip<const N: usize>(&mut self) -> Result<()> {
        self.array::<N>().map(|_| ())
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        self.array().map(u16::from_le_bytes)
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        self.array().map(u64::from_le_bytes)
    }
}
