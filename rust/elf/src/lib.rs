//! The ELF64 header and program-header parser of the Alloy kernel.
//!
//! The contract is `ffi/elf.h`: its checks H1–H6, T1, P1–P7 and I1–I3 are
//! implemented here in that order, and the C fallback
//! (`kernel/exec/elf_parse.c`) must agree with this crate bit for bit.
//!
//! - [`header`], [`phdrs`] and [`interp`] are the safe parser: slices in,
//!   `Result<_, Errno>` out, no allocation, no panic whatever the bytes.
//! - [`ffi`] is the C boundary: NULL checks, slices from raw pointers,
//!   negative errno, `*out` written only on success.
//! - [`abi`] holds the `#[repr(C)]` output structs and the contract's
//!   constants; `ffi/generated/elf_rs.h` is generated from it by cbindgen.
#![cfg_attr(not(test), no_std)]

pub mod abi;
mod bytes;
pub mod errno;
pub mod ffi;
pub mod header;
pub mod interp;
pub mod phdrs;

pub use abi::{ElfHeader, ElfImage, ElfLoad, ElfTarget};
pub use errno::{Errno, Result};
pub use header::parse_header;
pub use interp::check_interp;
pub use phdrs::parse_phdrs;
