//! The C ABI of the parser: the contract's constants and output structs,
//! field for field the ones of `ffi/elf.h`. cbindgen turns this module into
//! `ffi/generated/elf_rs.h` (with an `rs_`/`RS_` prefix), and
//! `tests/host/test_elf_abi.c` proves the two headers agree.

use core::mem::{align_of, size_of};

/// The version `rust_elf_abi_version()` reports.
pub const ELF_ABI_VERSION: u32 = 2;

/// Bytes of an ELF64 file header.
pub const ELF_EHDR_SIZE: usize = 64;
/// Bytes of an ELF64 program header.
pub const ELF_PHDR_SIZE: usize = 56;
/// Most program headers a file may have.
pub const ELF_MAX_PHNUM: usize = 64;
/// Most PT_LOAD segments a file may have.
pub const ELF_MAX_LOADS: usize = 16;
/// Longest PT_INTERP, in bytes, NUL included.
pub const ELF_MAX_INTERP: usize = 4096;

/// `e_type` of a fixed-address executable.
pub const ELF_TYPE_EXEC: u16 = 2;
/// `e_type` of a position-independent executable or an interpreter.
pub const ELF_TYPE_DYN: u16 = 3;
/// Segment permission: execute.
pub const ELF_PF_X: u32 = 1;
/// Segment permission: write.
pub const ELF_PF_W: u32 = 2;
/// Segment permission: read.
pub const ELF_PF_R: u32 = 4;
/// Stack permissions when the file has no PT_GNU_STACK.
pub const ELF_STACK_DEFAULT: u32 = ELF_PF_R | ELF_PF_W;

/// `struct elf_target`: what the caller's architecture allows. Checked by
/// T1 (`-EINVAL`): `pad` all zero, `user_top` a multiple of 4096, and
/// `user_min < user_top`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ElfTarget {
    /// The one `e_machine` accepted (62 x86-64, 183 aarch64).
    pub machine: u16,
    /// Zero.
    pub pad: [u16; 3],
    /// Lowest address an ET_EXEC's first PT_LOAD may use.
    pub user_min: u64,
    /// End of user space: no PT_LOAD may reach past it.
    pub user_top: u64,
}

/// `struct elf_header`: what `elf_parse_header` found.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ElfHeader {
    /// `ELF_TYPE_EXEC` or `ELF_TYPE_DYN`.
    pub r#type: u16,
    pub phnum: u16,
    pub pad: u32,
    pub entry: u64,
    pub phoff: u64,
    /// Bytes to read at `phoff`: `phnum * 56`.
    pub phdrs_size: u64,
}

/// `struct elf_load`: one PT_LOAD segment.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ElfLoad {
    /// `p_vaddr` (ET_DYN: before the load bias).
    pub vaddr: u64,
    pub memsz: u64,
    /// `p_offset`.
    pub offset: u64,
    pub filesz: u64,
    pub align: u64,
    /// `p_flags & 7`: `ELF_PF_R | ELF_PF_W | ELF_PF_X`.
    pub flags: u32,
    pub pad: u32,
}

/// `struct elf_image`: what `elf_parse_phdrs` found.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ElfImage {
    pub r#type: u16,
    pub phnum: u16,
    pub nr_loads: u32,
    pub entry: u64,
    /// Address of the program headers once loaded (for AT_PHDR): the first
    /// PT_LOAD whose file range holds the whole table gives
    /// `vaddr + (phoff - offset)`; 0 if none does.
    pub phdr_vaddr: u64,
    /// The first PT_LOAD's vaddr rounded down to 4096.
    pub lo: u64,
    /// The last PT_LOAD's `vaddr + memsz` rounded up to 4096.
    pub hi: u64,
    pub has_interp: u32,
    /// PT_GNU_STACK flags, else `ELF_STACK_DEFAULT`.
    pub stack_flags: u32,
    /// PT_INTERP `p_offset` and `p_filesz`, or 0.
    pub interp_offset: u64,
    pub interp_size: u64,
    pub has_tls: u32,
    pub pad: u32,
    /// PT_TLS `p_vaddr`, `p_filesz`, `p_memsz`, `p_align`, or 0.
    pub tls_vaddr: u64,
    pub tls_filesz: u64,
    pub tls_memsz: u64,
    pub tls_align: u64,
    /// `nr_loads` segments in file order; the rest are all zero.
    pub loads: [ElfLoad; ELF_MAX_LOADS],
}

// The sizes of the C structs; that they have no implicit padding follows
// (every field is accounted for), so writing one writes every byte.
const _: () = assert!(size_of::<ElfTarget>() == 24 && align_of::<ElfTarget>() == 8);
const _: () = assert!(size_of::<ElfHeader>() == 32 && align_of::<ElfHeader>() == 8);
const _: () = assert!(size_of::<ElfLoad>() == 48 && align_of::<ElfLoad>() == 8);
const _: () = assert!(size_of::<ElfImage>() == 104 + 48 * ELF_MAX_LOADS);
const _: () = assert!(align_of::<ElfImage>() == 8);
const _: () = assert!(core::mem::offset_of!(ElfImage, loads) == 104);
