//! `elf_parse_header`: checks T1 on the caller's target, then H2–H6 of the
//! contract on the ELF64 file header. (H1, the NULL pointers, is the
//! boundary's job: see [`crate::ffi`].)

use crate::abi::{
    ElfHeader, ElfTarget, ELF_EHDR_SIZE, ELF_MAX_PHNUM, ELF_PHDR_SIZE, ELF_TYPE_DYN, ELF_TYPE_EXEC,
};
use crate::bytes::Le;
use crate::errno::{Errno, Result};

const MAGIC: [u8; 4] = [0x7f, b'E', b'L', b'F'];
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const EV_CURRENT: u8 = 1;
const ELFOSABI_SYSV: u8 = 0;
const ELFOSABI_LINUX: u8 = 3;
const PAGE_MASK: u64 = 4096 - 1;

/// The fields of `Elf64_Ehdr` that the contract looks at.
struct Ehdr {
    ident: [u8; 16],
    e_type: u16,
    machine: u16,
    version: u32,
    entry: u64,
    phoff: u64,
    ehsize: u16,
    phentsize: u16,
    phnum: u16,
}

impl Ehdr {
    /// Decodes the first 64 bytes; fewer is H2.
    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut le = Le::new(bytes);
        let ident = le.array()?;
        let e_type = le.u16()?;
        let machine = le.u16()?;
        let version = le.u32()?;
        let entry = le.u64()?;
        let phoff = le.u64()?;
        le.skip::<{ 8 + 4 }>()?; // e_shoff, e_flags
        let ehsize = le.u16()?;
        let phentsize = le.u16()?;
        let phnum = le.u16()?;
        le.skip::<{ 3 * 2 }>()?; // e_shentsize, e_shnum, e_shstrndx
        Ok(Ehdr {
            ident,
            e_type,
            machine,
            version,
            entry,
            phoff,
            ehsize,
            phentsize,
            phnum,
        })
    }
}

/// Checks T1 on `target`, then H2–H6 on `ehdr` (the file's first bytes;
/// only 64 are read) for a file of `file_size` bytes.
pub fn parse_header(ehdr: &[u8], file_size: u64, target: &ElfTarget) -> Result<ElfHeader> {
    // T1 first: a bad target is a caller error whatever the file.
    check_target(target)?;
    // H2 (ELF_EHDR_SIZE fits in u64 on every target this builds for).
    if ehdr.len() < ELF_EHDR_SIZE || file_size < ELF_EHDR_SIZE as u64 {
        return Err(Errno::NoExec);
    }
    let eh = Ehdr::decode(ehdr)?;
    check_ident(&eh.ident)?; // H3
    check_kind(&eh, target.machine)?; // H4
    check_sizes(&eh)?; // H5
    let phdrs_size = check_table(&eh, file_size)?; // H6
    Ok(ElfHeader {
        r#type: eh.e_type,
        phnum: eh.phnum,
        pad: 0,
        entry: eh.entry,
        phoff: eh.phoff,
        phdrs_size,
    })
}

/// T1: a target the checks below can rely on. A page-aligned `user_top`
/// keeps every end at or below it roundable up to a page.
pub fn check_target(target: &ElfTarget) -> Result<()> {
    let ok = target.pad == [0; 3]
        && target.user_top & PAGE_MASK == 0
        && target.user_min < target.user_top;
    if ok {
        Ok(())
    } else {
        Err(Errno::Inval)
    }
}

/// H3: a 64-bit little-endian System V or Linux ELF file, version 1.
fn check_ident(ident: &[u8; 16]) -> Result<()> {
    let [m0, m1, m2, m3, class, data, version, osabi, ..] = *ident;
    let ok = [m0, m1, m2, m3] == MAGIC
        && class == ELFCLASS64
        && data == ELFDATA2LSB
        && version == EV_CURRENT
        && (osabi == ELFOSABI_SYSV || osabi == ELFOSABI_LINUX);
    if ok {
        Ok(())
    } else {
        Err(Errno::NoExec)
    }
}

/// H4: an executable or shared object (PIE) for the target's machine,
/// version 1.
fn check_kind(eh: &Ehdr, machine: u16) -> Result<()> {
    let ok = (eh.e_type == ELF_TYPE_EXEC || eh.e_type == ELF_TYPE_DYN)
        && eh.machine == machine
        && eh.version == u32::from(EV_CURRENT);
    if ok {
        Ok(())
    } else {
        Err(Errno::NoExec)
    }
}

/// H5: the structure sizes we parse, and 1..=ELF_MAX_PHNUM program headers.
fn check_sizes(eh: &Ehdr) -> Result<()> {
    let ok = usize::from(eh.ehsize) == ELF_EHDR_SIZE
        && usize::from(eh.phentsize) == ELF_PHDR_SIZE
        && eh.phnum >= 1
        && usize::from(eh.phnum) <= ELF_MAX_PHNUM;
    if ok {
        Ok(())
    } else {
        Err(Errno::NoExec)
    }
}

/// H6: the program header table lies, 8-aligned, after the file header and
/// inside the file. Returns its size, `phnum * 56`.
fn check_table(eh: &Ehdr, file_size: u64) -> Result<u64> {
    let size = u64::from(eh.phnum)
        .checked_mul(ELF_PHDR_SIZE as u64)
        .ok_or(Errno::NoExec)?;
    let end = eh.phoff.checked_add(size).ok_or(Errno::NoExec)?;
    let ok = eh.phoff >= ELF_EHDR_SIZE as u64 && eh.phoff & 7 == 0 && end <= file_size;
    if ok {
        Ok(size)
    } else {
        Err(Errno::NoExec)
    }
}
