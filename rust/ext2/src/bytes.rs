//! Little-endian fields at byte offsets of an on-disk structure.
//!
//! Any alignment of the input is fine: every field is copied out of the
//! slice. The callers check the length first (S1, G1, I1, D1–D2, E1), so
//! a field past the end is a caller error: `Why::Arg`.

use crate::errno::{Result, Why};

/// `N` bytes at `off`.
fn field<const N: usize>(b: &[u8], off: usize) -> Result<[u8; N]> {
    b.get(off..)
        .and_then(<[u8]>::first_chunk::<N>)
        .copied()
        .ok_or(Why::Arg)
}

/// `le8(off)`.
pub(crate) fn le8(b: &[u8], off: usize) -> Result<u8> {
    b.get(off).copied().ok_or(Why::Arg)
}

/// `le16(off)`.
pub(crate) fn le16(b: &[u8], off: usize) -> Result<u16> {
    field(b, off).map(u16::from_le_bytes)
}

/// `le32(off)`.
pub(crate) fn le32(b: &[u8], off: usize) -> Result<u32> {
    field(b, off).map(u32::from_le_bytes)
}
