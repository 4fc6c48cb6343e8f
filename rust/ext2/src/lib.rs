//! The ext2 on-disk parser of the Alloy kernel.
//!
//! The contract is `ffi/ext2.h`: its checks S1–S16, G1–G5, I1–I6, D1–D6,
//! B1–B2, E1–E3, C1–C2, A1–A4 and H1–H5 are implemented here in that order, and the C
//! fallback (`kernel/fs/ext2/ext2_parse.c`) must agree with this crate bit
//! for bit: the same return code, the same `why`, the same output bytes.
//!
//! - [`sb`], [`group`], [`inode`], [`dirent`] and [`bmap`] are the safe
//!   parser: slices and decoded structs in, `Result<_, Why>` out (the
//!   `why` code of the first failing check; [`Why::errno`] gives the
//!   errno), no allocation, no panic whatever the bytes.
//! - [`ffi`] is the C boundary: NULL checks, slices from raw pointers,
//!   negative errno, `*out` written only on success and `*why` only on
//!   failure.
//! - [`abi`] holds the `#[repr(C)]` structs and the contract's constants;
//!   `ffi/generated/ext2_rs.h` is generated from it by cbindgen.
#![cfg_attr(not(test), no_std)]

pub mod abi;
pub mod bmap;
mod bytes;
pub mod dirent;
pub mod errno;
pub mod ffi;
pub mod group;
pub mod inode;
pub mod sb;
pub mod xattr;

pub use abi::{
    Ext2BmapPath, Ext2Dirent, Ext2Group, Ext2Inode, Ext2Super, Ext2XattrEntry, Ext2XattrHeader,
};
pub use bmap::{bmap_entry, bmap_path, check_data_block};
pub use dirent::parse_dirent;
pub use errno::{Errno, Result, Why};
pub use group::parse_group;
pub use inode::parse_inode;
pub use sb::parse_super;
pub use xattr::{parse_xattr_block, parse_xattr_entry};
