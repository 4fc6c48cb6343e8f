//! `elf_parse_phdrs`: checks P2–P7 of the contract on the program header
//! table and describes the image. (P1, the NULL pointers, is the
//! boundary's job: see [`crate::ffi`].)

use crate::abi::{
    ElfHeader, ElfImage, ElfLoad, ElfTarget, ELF_MAX_INTERP, ELF_PHDR_SIZE, ELF_STACK_DEFAULT,
    ELF_TYPE_EXEC,
};
use crate::bytes::Le;
use crate::errno::{Errno, Result};
use crate::header::parse_header;

const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const PT_TLS: u32 = 7;
const PT_GNU_STACK: u32 = 0x6474_e551;

/// `p_flags` bits the kernel keeps: `ELF_PF_R | ELF_PF_W | ELF_PF_X`.
const PF_MASK: u32 = 7;
const PAGE_MASK: u64 = 4096 - 1;

/// The fields of `Elf64_Phdr` that the contract looks at.
struct Phdr {
    p_type: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
    align: u64,
}

impl Phdr {
    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut le = Le::new(bytes);
        let p_type = le.u32()?;
        let flags = le.u32()?;
        let offset = le.u64()?;
        let vaddr = le.u64()?;
        le.skip::<8>()?; // p_paddr
        let filesz = le.u64()?;
        let memsz = le.u64()?;
        let align = le.u64()?;
        Ok(Phdr {
            p_type,
            flags,
            offset,
            vaddr,
            filesz,
            memsz,
            align,
        })
    }
}

/// Checks T1 and P2–P7: `ehdr` is the file header (only 64 bytes are
/// read), `phdrs` the `phnum * 56` bytes at `e_phoff`, of a file of
/// `file_size` bytes, for an architecture that allows `target`.
pub fn parse_phdrs(
    ehdr: &[u8],
    phdrs: &[u8],
    file_size: u64,
    target: &ElfTarget,
) -> Result<ElfImage> {
    let header = parse_header(ehdr, file_size, target)?; // T1, P2
    if u64::try_from(phdrs.len()) != Ok(header.phdrs_size) {
        return Err(Errno::Inval); // P3
    }
    let mut img = ElfImage {
        r#type: header.r#type,
        phnum: header.phnum,
        entry: header.entry,
        stack_flags: ELF_STACK_DEFAULT,
        ..ElfImage::default()
    };
    // P4; P3 made the table a whole number of entries.
    for entry in phdrs.chunks_exact(ELF_PHDR_SIZE) {
        let ph = Phdr::decode(entry)?;
        match ph.p_type {
            PT_LOAD => add_load(&mut img, &ph, file_size, target.user_top)?,
            PT_INTERP => set_interp(&mut img, &ph, file_size)?,
            PT_TLS => set_tls(&mut img, &ph, file_size)?,
            PT_GNU_STACK => img.stack_flags = ph.flags & PF_MASK,
            _ => {}
        }
    }
    finish(&mut img, &header, target.user_min)?; // P5–P7
    Ok(img)
}

/// The PT_LOADs found so far.
fn loads(img: &ElfImage) -> &[ElfLoad] {
    usize::try_from(img.nr_loads)
        .ok()
        .and_then(|n| img.loads.get(..n))
        .unwrap_or(&[])
}

/// End of `[start, start + len)`; an overflow is a bad file.
fn end(start: u64, len: u64) -> Result<u64> {
    start.checked_add(len).ok_or(Errno::NoExec)
}

/// `[offset, offset + filesz)` lies inside the file.
fn check_file_range(ph: &Phdr, file_size: u64) -> Result<()> {
    if end(ph.offset, ph.filesz)? > file_size {
        return Err(Errno::NoExec);
    }
    Ok(())
}

/// 0 (no constraint) or a power of two.
fn check_align(align: u64) -> Result<()> {
    if align != 0 && !align.is_power_of_two() {
        return Err(Errno::NoExec);
    }
    Ok(())
}

fn require(ok: bool) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Errno::NoExec)
    }
}

/// A PT_LOAD: appended to `img.loads` if it is valid and there is room.
fn add_load(img: &mut ElfImage, ph: &Phdr, file_size: u64, user_top: u64) -> Result<()> {
    let prev_end = match loads(img).last() {
        Some(prev) => end(prev.vaddr, prev.memsz)?,
        None => 0,
    };
    let load = check_load(ph, file_size, prev_end, user_top)?;
    let slot = usize::try_from(img.nr_loads)
        .ok()
        .and_then(|n| img.loads.get_mut(n))
        .ok_or(Errno::NoExec)?; // more than ELF_MAX_LOADS
    *slot = load;
    img.nr_loads = img.nr_loads.checked_add(1).ok_or(Errno::NoExec)?;
    Ok(())
}

/// The PT_LOAD checks of P4, given where the previous PT_LOAD ended.
fn check_load(ph: &Phdr, file_size: u64, prev_end: u64, user_top: u64) -> Result<ElfLoad> {
    require(ph.filesz <= ph.memsz)?;
    check_file_range(ph, file_size)?;
    require(end(ph.vaddr, ph.memsz)? <= user_top)?;
    check_align(ph.align)?;
    if ph.align > 1 {
        require(ph.offset.checked_rem(ph.align) == ph.vaddr.checked_rem(ph.align))?;
    }
    require(ph.offset & PAGE_MASK == ph.vaddr & PAGE_MASK)?;
    require(ph.vaddr >= prev_end)?; // in order, not overlapping
    Ok(ElfLoad {
        vaddr: ph.vaddr,
        memsz: ph.memsz,
        offset: ph.offset,
        filesz: ph.filesz,
        align: ph.align,
        flags: ph.flags & PF_MASK,
        pad: 0,
    })
}

/// The PT_INTERP checks of P4; the path itself is checked by
/// [`crate::check_interp`] once the caller has read it.
fn set_interp(img: &mut ElfImage, ph: &Phdr, file_size: u64) -> Result<()> {
    require(img.has_interp == 0)?;
    require(ph.filesz >= 2 && ph.filesz <= ELF_MAX_INTERP as u64)?;
    check_file_range(ph, file_size)?;
    img.has_interp = 1;
    img.interp_offset = ph.offset;
    img.interp_size = ph.filesz;
    Ok(())
}

/// The PT_TLS checks of P4.
fn set_tls(img: &mut ElfImage, ph: &Phdr, file_size: u64) -> Result<()> {
    require(img.has_tls == 0)?;
    require(ph.filesz <= ph.memsz)?;
    check_file_range(ph, file_size)?;
    end(ph.vaddr, ph.memsz)?;
    check_align(ph.align)?;
    img.has_tls = 1;
    img.tls_vaddr = ph.vaddr;
    img.tls_filesz = ph.filesz;
    img.tls_memsz = ph.memsz;
    img.tls_align = ph.align;
    Ok(())
}

/// P5–P7, then the fields derived from the whole table.
fn finish(img: &mut ElfImage, header: &ElfHeader, user_min: u64) -> Result<()> {
    let loads = loads(img);
    let (Some(first), Some(last)) = (loads.first(), loads.last()) else {
        return Err(Errno::NoExec); // P5
    };
    require(loads.iter().any(|load| holds_address(load, img.entry)))?; // P6
    if img.r#type == ELF_TYPE_EXEC {
        require(first.vaddr >= user_min)?; // P7
    }
    let phdr_vaddr = phdr_vaddr(loads, header.phoff, header.phdrs_size);
    let lo = first.vaddr & !PAGE_MASK;
    // Cannot overflow: a PT_LOAD ends at or below user_top, a page
    // multiple (T1).
    let hi = end(end(last.vaddr, last.memsz)?, PAGE_MASK)? & !PAGE_MASK;
    img.phdr_vaddr = phdr_vaddr;
    img.lo = lo;
    img.hi = hi;
    Ok(())
}

/// `addr` lies in `[vaddr, vaddr + memsz)`.
fn holds_address(load: &ElfLoad, addr: u64) -> bool {
    addr.checked_sub(load.vaddr)
        .is_some_and(|delta| delta < load.memsz)
}

/// Where the program header table is mapped: through the first PT_LOAD
/// whose file range `[offset, offset + filesz)` holds all of
/// `[phoff, phoff + size)`, at `vaddr + (phoff - offset)`; else 0.
fn phdr_vaddr(loads: &[ElfLoad], phoff: u64, size: u64) -> u64 {
    loads
        .iter()
        .find(|load| {
            phoff
                .checked_sub(load.offset)
                .and_then(|skip| skip.checked_add(size))
                .is_some_and(|need| need <= load.filesz)
        })
        .and_then(|load| load.vaddr.checked_add(phoff.checked_sub(load.offset)?))
        .unwrap_or(0)
}
