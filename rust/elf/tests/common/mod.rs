//! Shared by the contract tests: ELF images built in memory, and calls
//! through the C ABI (`rust_elf_*`) that check the boundary rules on every
//! call — the output is untouched on failure, and the safe API agrees.
#![allow(dead_code)]

use std::mem::{size_of, MaybeUninit};

use alloy_elf::abi::{ElfHeader, ElfImage, ElfLoad, ElfTarget, ELF_MAX_LOADS};
use alloy_elf::ffi::{rust_elf_check_interp, rust_elf_parse_header, rust_elf_parse_phdrs};

/// The kernel's target today (asm/elf.h, asm/uvm.h); the contract has no
/// default, so the tests name one.
pub const USER_MIN: u64 = 0x10000;
pub const USER_TOP: u64 = 0x0000_7fff_ffff_f000;
pub const X86_64: ElfTarget = ElfTarget {
    machine: 62,
    pad: [0; 3],
    user_min: USER_MIN,
    user_top: USER_TOP,
};
/// What an aarch64 port would pass (48-bit user space).
pub const AARCH64: ElfTarget = ElfTarget {
    machine: 183,
    pad: [0; 3],
    user_min: USER_MIN,
    user_top: 0x0000_ffff_ffff_f000,
};

pub const EINVAL: i32 = -22;
pub const ENOEXEC: i32 = -8;

pub const PT_NULL: u32 = 0;
pub const PT_LOAD: u32 = 1;
pub const PT_DYNAMIC: u32 = 2;
pub const PT_INTERP: u32 = 3;
pub const PT_PHDR: u32 = 6;
pub const PT_TLS: u32 = 7;
pub const PT_GNU_STACK: u32 = 0x6474_e551;
pub const PT_GNU_RELRO: u32 = 0x6474_e552;

pub const R: u32 = 4;
pub const W: u32 = 2;
pub const X: u32 = 1;

/// An `Elf64_Ehdr`, every field settable.
#[derive(Clone, Debug)]
pub struct Ehdr {
    pub ident: [u8; 16],
    pub e_type: u16,
    pub machine: u16,
    pub version: u32,
    pub entry: u64,
    pub phoff: u64,
    pub shoff: u64,
    pub flags: u32,
    pub ehsize: u16,
    pub phentsize: u16,
    pub phnum: u16,
    pub shentsize: u16,
    pub shnum: u16,
    pub shstrndx: u16,
}

impl Ehdr {
    pub fn exec(entry: u64, phnum: u16) -> Self {
        let mut ident = [0u8; 16];
        ident[..8].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
        Ehdr {
            ident,
            e_type: 2,
            machine: 62,
            version: 1,
            entry,
            phoff: 64,
            shoff: 0,
            flags: 0,
            ehsize: 64,
            phentsize: 56,
            phnum,
            shentsize: 64,
            shnum: 0,
            shstrndx: 0,
        }
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(64);
        b.extend_from_slice(&self.ident);
        b.extend_from_slice(&self.e_type.to_le_bytes());
        b.extend_from_slice(&self.machine.to_le_bytes());
        b.extend_from_slice(&self.version.to_le_bytes());
        b.extend_from_slice(&self.entry.to_le_bytes());
        b.extend_from_slice(&self.phoff.to_le_bytes());
        b.extend_from_slice(&self.shoff.to_le_bytes());
        b.extend_from_slice(&self.flags.to_le_bytes());
        b.extend_from_slice(&self.ehsize.to_le_bytes());
        b.extend_from_slice(&self.phentsize.to_le_bytes());
        b.extend_from_slice(&self.phnum.to_le_bytes());
        b.extend_from_slice(&self.shentsize.to_le_bytes());
        b.extend_from_slice(&self.shnum.to_le_bytes());
        b.extend_from_slice(&self.shstrndx.to_le_bytes());
        assert_eq!(b.len(), 64);
        b
    }
}

/// An `Elf64_Phdr`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ph {
    pub p_type: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub paddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

impl Ph {
    pub fn load(offset: u64, vaddr: u64, filesz: u64, memsz: u64, flags: u32) -> Self {
        Ph {
            p_type: PT_LOAD,
            flags,
            offset,
            vaddr,
            paddr: vaddr,
            filesz,
            memsz,
            align: 0x1000,
        }
    }

    pub fn of_type(p_type: u32) -> Self {
        Ph {
            p_type,
            ..Ph::default()
        }
    }

    pub fn interp(offset: u64, filesz: u64) -> Self {
        Ph {
            p_type: PT_INTERP,
            flags: R,
            offset,
            filesz,
            memsz: filesz,
            align: 1,
            ..Ph::default()
        }
    }

    pub fn tls(offset: u64, vaddr: u64, filesz: u64, memsz: u64, align: u64) -> Self {
        Ph {
            p_type: PT_TLS,
            flags: R,
            offset,
            vaddr,
            paddr: vaddr,
            filesz,
            memsz,
            align,
        }
    }

    pub fn stack(flags: u32) -> Self {
        Ph {
            p_type: PT_GNU_STACK,
            flags,
            align: 16,
            ..Ph::default()
        }
    }

    pub fn bytes(&self) -> [u8; 56] {
        let mut b = [0u8; 56];
        b[0..4].copy_from_slice(&self.p_type.to_le_bytes());
        b[4..8].copy_from_slice(&self.flags.to_le_bytes());
        b[8..16].copy_from_slice(&self.offset.to_le_bytes());
        b[16..24].copy_from_slice(&self.vaddr.to_le_bytes());
        b[24..32].copy_from_slice(&self.paddr.to_le_bytes());
        b[32..40].copy_from_slice(&self.filesz.to_le_bytes());
        b[40..48].copy_from_slice(&self.memsz.to_le_bytes());
        b[48..56].copy_from_slice(&self.align.to_le_bytes());
        b
    }
}

/// A file: its header, its program header table, its size.
#[derive(Clone, Debug)]
pub struct Elf {
    pub eh: Ehdr,
    pub phs: Vec<Ph>,
    pub file_size: u64,
}

impl Elf {
    /// A static ET_EXEC laid out like `ld` does:
    ///   LOAD R   off 0      va 0x400000 filesz 0x1000 memsz 0x1000 (ehdr, phdrs)
    ///   LOAD R X off 0x1000 va 0x401000 filesz 0x800  memsz 0x800  (text; entry)
    ///   LOAD RW  off 0x2000 va 0x402000 filesz 0x100  memsz 0x2100 (data, bss)
    ///   GNU_STACK RW
    pub fn exec() -> Self {
        Elf::new(
            Ehdr::exec(0x401010, 0),
            vec![
                Ph::load(0, 0x40_0000, 0x1000, 0x1000, R),
                Ph::load(0x1000, 0x40_1000, 0x800, 0x800, R | X),
                Ph::load(0x2000, 0x40_2000, 0x100, 0x2100, R | W),
                Ph::stack(R | W),
            ],
            0x2100,
        )
    }

    /// A static PIE (what `rustc -C target-feature=+crt-static` makes):
    /// ET_DYN based at 0, no PT_INTERP, PT_PHDR and PT_DYNAMIC ignored.
    pub fn static_pie() -> Self {
        let mut eh = Ehdr::exec(0x1234, 0);
        eh.e_type = 3;
        Elf::new(
            eh,
            vec![
                Ph {
                    p_type: PT_PHDR,
                    flags: R,
                    offset: 64,
                    vaddr: 64,
                    paddr: 64,
                    filesz: 5 * 56,
                    memsz: 5 * 56,
                    align: 8,
                },
                Ph::load(0, 0, 0x800, 0x800, R),
                Ph::load(0x1000, 0x1000, 0x900, 0x900, R | X),
                Ph {
                    p_type: PT_DYNAMIC,
                    flags: R | W,
                    offset: 0x2000,
                    vaddr: 0x3000,
                    paddr: 0x3000,
                    filesz: 0x100,
                    memsz: 0x100,
                    align: 8,
                },
                Ph::load(0x2000, 0x3000, 0x200, 0x1000, R | W),
            ],
            0x2200,
        )
    }

    /// `phnum` follows the table.
    pub fn new(mut eh: Ehdr, phs: Vec<Ph>, file_size: u64) -> Self {
        eh.phnum = phs.len() as u16;
        Elf { eh, phs, file_size }
    }

    pub fn ehdr(&self) -> Vec<u8> {
        self.eh.bytes()
    }

    pub fn table(&self) -> Vec<u8> {
        self.phs.iter().flat_map(|ph| ph.bytes()).collect()
    }

    pub fn push(&mut self, ph: Ph) {
        self.phs.push(ph);
        self.eh.phnum = self.phs.len() as u16;
    }

    /// `elf_parse_phdrs` on this file for x86-64; see [`parse_phdrs`].
    pub fn parse(&self) -> Result<ElfImage, i32> {
        self.parse_for(&X86_64)
    }

    pub fn parse_for(&self, target: &ElfTarget) -> Result<ElfImage, i32> {
        parse_phdrs_for(&self.ehdr(), &self.table(), self.file_size, target)
    }

    pub fn header(&self) -> Result<ElfHeader, i32> {
        self.header_for(&X86_64)
    }

    pub fn header_for(&self, target: &ElfTarget) -> Result<ElfHeader, i32> {
        parse_header_for(&self.ehdr(), self.file_size, target)
    }
}

/// All bytes 0xa5: what the output holds before a call.
pub fn sentinel<T: Copy>() -> T {
    let mut v = MaybeUninit::<T>::uninit();
    // SAFETY: every bit pattern is a valid ElfHeader/ElfImage (integers).
    unsafe {
        std::ptr::write_bytes(v.as_mut_ptr().cast::<u8>(), 0xa5, size_of::<T>());
        v.assume_init()
    }
}

pub fn bytes_of<T>(v: &T) -> &[u8] {
    // SAFETY: plain integer structs without padding.
    unsafe { std::slice::from_raw_parts((v as *const T).cast::<u8>(), size_of::<T>()) }
}

/// Turns (return code, output) into a result, checking the rules: 0 or
/// -EINVAL or -ENOEXEC, and an error leaves the output untouched.
fn settle<T: Copy>(rc: i32, out: T) -> Result<T, i32> {
    if rc == 0 {
        return Ok(out);
    }
    assert!(rc == EINVAL || rc == ENOEXEC, "unexpected return code {rc}");
    assert!(
        bytes_of(&out).iter().all(|&b| b == 0xa5),
        "output written on failure ({rc})"
    );
    Err(rc)
}

fn errno(e: alloy_elf::Errno) -> i32 {
    e.to_neg()
}

/// `rust_elf_parse_header` for x86-64; see [`parse_header_for`].
pub fn parse_header(ehdr: &[u8], file_size: u64) -> Result<ElfHeader, i32> {
    parse_header_for(ehdr, file_size, &X86_64)
}

/// `rust_elf_parse_header`, which must agree with the safe API.
pub fn parse_header_for(ehdr: &[u8], file_size: u64, target: &ElfTarget) -> Result<ElfHeader, i32> {
    let mut out: ElfHeader = sentinel();
    // SAFETY: valid pointers and lengths.
    let rc =
        unsafe { rust_elf_parse_header(ehdr.as_ptr(), ehdr.len(), file_size, target, &mut out) };
    let res = settle(rc, out);
    assert_eq!(
        res,
        alloy_elf::parse_header(ehdr, file_size, target).map_err(errno)
    );
    if let Ok(h) = &res {
        assert_eq!(h.pad, 0);
    }
    res
}

/// `rust_elf_parse_phdrs`, which must agree with the safe API and with
/// `rust_elf_parse_header` (P2), and whose output obeys the contract's
/// invariants.
pub fn parse_phdrs(ehdr: &[u8], table: &[u8], file_size: u64) -> Result<ElfImage, i32> {
    parse_phdrs_for(ehdr, table, file_size, &X86_64)
}

/// [`parse_phdrs`] for any target.
pub fn parse_phdrs_for(
    ehdr: &[u8],
    table: &[u8],
    file_size: u64,
    target: &ElfTarget,
) -> Result<ElfImage, i32> {
    let mut out: ElfImage = sentinel();
    // SAFETY: valid pointers and lengths.
    let rc = unsafe {
        rust_elf_parse_phdrs(
            ehdr.as_ptr(),
            ehdr.len(),
            table.as_ptr(),
            table.len(),
            file_size,
            target,
            &mut out,
        )
    };
    let res = settle(rc, out);
    assert_eq!(
        res,
        alloy_elf::parse_phdrs(ehdr, table, file_size, target).map_err(errno)
    );
    match (&res, parse_header_for(ehdr, file_size, target)) {
        (_, Err(code)) => assert_eq!(res, Err(code), "P2 is the header checks"),
        (Ok(img), Ok(h)) => check_image(img, &h, target),
        (Err(_), Ok(_)) => {}
    }
    res
}

/// What every successful parse satisfies.
pub fn check_image(img: &ElfImage, h: &ElfHeader, target: &ElfTarget) {
    assert_eq!(
        (img.r#type, img.phnum, img.entry),
        (h.r#type, h.phnum, h.entry)
    );
    let n = img.nr_loads as usize;
    assert!((1..=ELF_MAX_LOADS).contains(&n));
    assert_eq!(img.pad, 0);
    for l in &img.loads[..n] {
        assert_eq!(l.pad, 0);
        assert_eq!(l.flags & !7, 0);
    }
    for l in &img.loads[n..] {
        assert_eq!(*l, ElfLoad::default(), "unused loads[] entries are zero");
    }
    assert!(img.has_interp <= 1 && img.has_tls <= 1 && img.stack_flags <= 7);
    if img.has_interp == 0 {
        assert_eq!((img.interp_offset, img.interp_size), (0, 0));
    }
    if img.has_tls == 0 {
        assert_eq!(
            (img.tls_vaddr, img.tls_filesz, img.tls_memsz, img.tls_align),
            (0, 0, 0, 0)
        );
    }
    assert_eq!(img.lo, img.loads[0].vaddr & !0xfff);
    assert!(img.lo <= img.hi);
    assert_eq!(img.hi & 0xfff, 0);
    assert!(img.hi <= target.user_top);
    if img.r#type == 2 {
        assert!(img.lo >= target.user_min & !0xfff);
    }
}

/// `rust_elf_check_interp`, which must agree with the safe API.
pub fn check_interp(path: &[u8]) -> i32 {
    // SAFETY: valid pointer and length.
    let rc = unsafe { rust_elf_check_interp(path.as_ptr(), path.len()) };
    assert!(rc == 0 || rc == EINVAL || rc == ENOEXEC);
    assert_eq!(rc, alloy_elf::check_interp(path).map_or_else(errno, |()| 0));
    rc
}

/// A copy of `bytes` at an odd address, to show alignment does not matter.
pub struct Unaligned {
    buf: Vec<u8>,
    skew: usize,
}

impl Unaligned {
    pub fn new(bytes: &[u8], skew: usize) -> Self {
        let mut buf = vec![0u8; skew];
        buf.extend_from_slice(bytes);
        Unaligned { buf, skew }
    }

    pub fn get(&self) -> &[u8] {
        &self.buf[self.skew..]
    }
}
