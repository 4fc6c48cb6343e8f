//! `elf_parse_phdrs`: P1–P7, one violating input per check, and the
//! output for the shapes of executable the kernel runs.

mod common;

use std::mem::size_of;
use std::ptr;

use alloy_elf::abi::{ElfImage, ElfLoad, ElfTarget, ELF_STACK_DEFAULT};
use alloy_elf::ffi::rust_elf_parse_phdrs;
use common::*;

/// The result with one program header changed.
fn with_ph(i: usize, f: impl FnOnce(&mut Ph)) -> Result<ElfImage, i32> {
    let mut e = Elf::exec();
    f(&mut e.phs[i]);
    e.parse()
}

fn load(vaddr: u64, memsz: u64, offset: u64, filesz: u64, align: u64, flags: u32) -> ElfLoad {
    ElfLoad {
        vaddr,
        memsz,
        offset,
        filesz,
        align,
        flags,
        pad: 0,
    }
}

// ---- positive cases ------------------------------------------------------

#[test]
fn et_exec() {
    let img = Elf::exec().parse().unwrap();
    let mut want = ElfImage {
        r#type: 2,
        phnum: 4,
        nr_loads: 3,
        entry: 0x401010,
        phdr_vaddr: 0x400040,
        lo: 0x400000,
        hi: 0x405000,
        has_interp: 0,
        stack_flags: R | W,
        ..ElfImage::default()
    };
    want.loads[0] = load(0x400000, 0x1000, 0, 0x1000, 0x1000, R);
    want.loads[1] = load(0x401000, 0x800, 0x1000, 0x800, 0x1000, R | X);
    want.loads[2] = load(0x402000, 0x2100, 0x2000, 0x100, 0x1000, R | W);
    assert_eq!(img, want);
}

#[test]
fn et_dyn_static_pie() {
    let img = Elf::static_pie().parse().unwrap();
    let mut want = ElfImage {
        r#type: 3,
        phnum: 5,
        nr_loads: 3,
        entry: 0x1234,
        phdr_vaddr: 64,
        lo: 0,
        hi: 0x4000,
        stack_flags: ELF_STACK_DEFAULT,
        ..ElfImage::default()
    };
    want.loads[0] = load(0, 0x800, 0, 0x800, 0x1000, R);
    want.loads[1] = load(0x1000, 0x900, 0x1000, 0x900, 0x1000, R | X);
    want.loads[2] = load(0x3000, 0x1000, 0x2000, 0x200, 0x1000, R | W);
    assert_eq!(img, want);
}

#[test]
fn pt_interp() {
    let mut e = Elf::static_pie();
    e.phs.insert(1, Ph::interp(0x1a8, 28));
    e.eh.phnum += 1;
    let img = e.parse().unwrap();
    assert_eq!(
        (img.has_interp, img.interp_offset, img.interp_size),
        (1, 0x1a8, 28)
    );
    // Smallest and largest, and ending exactly at the end of the file.
    for size in [2, 4096] {
        let mut e = Elf::exec();
        e.push(Ph::interp(0x2100, size));
        e.file_size = 0x2100 + size;
        let img = e.parse().unwrap();
        assert_eq!(
            (img.has_interp, img.interp_offset, img.interp_size),
            (1, 0x2100, size)
        );
    }
}

#[test]
fn pt_tls() {
    let mut e = Elf::exec();
    e.push(Ph::tls(0x2000, 0x402000, 0x10, 0x48, 8));
    let img = e.parse().unwrap();
    assert_eq!(img.has_tls, 1);
    assert_eq!(
        (img.tls_vaddr, img.tls_filesz, img.tls_memsz, img.tls_align),
        (0x402000, 0x10, 0x48, 8)
    );
    // align 0 is allowed, and a TLS template need not lie in a PT_LOAD.
    e.phs[4] = Ph::tls(0x80, 0x9000_0000, 0, 0, 0);
    let img = e.parse().unwrap();
    assert_eq!(
        (img.has_tls, img.tls_vaddr, img.tls_align),
        (1, 0x9000_0000, 0)
    );
}

#[test]
fn pt_gnu_stack() {
    let mut e = Elf::exec();
    e.phs.pop();
    e.eh.phnum -= 1;
    assert_eq!(
        e.parse().unwrap().stack_flags,
        ELF_STACK_DEFAULT,
        "no PT_GNU_STACK"
    );
    assert_eq!(ELF_STACK_DEFAULT, R | W);
    for (flags, want) in [(R | W | X, 7), (0, 0), (R, R), (0xffff_fff8 | X, X)] {
        let mut e = Elf::exec();
        e.phs[3].flags = flags;
        assert_eq!(e.parse().unwrap().stack_flags, want, "p_flags {flags:#x}");
    }
    // The last one wins, wherever it is.
    let mut e = Elf::exec();
    e.phs.insert(0, Ph::stack(R | W | X));
    e.push(Ph::stack(R));
    assert_eq!(e.parse().unwrap().stack_flags, R);
}

#[test]
fn other_types_ignored() {
    let mut e = Elf::exec();
    for t in [
        PT_NULL,
        PT_DYNAMIC,
        4,
        5,
        PT_PHDR,
        PT_GNU_RELRO,
        0x6474_e550,
        0x7000_0000,
        u32::MAX,
    ] {
        e.push(Ph {
            p_type: t,
            flags: u32::MAX,
            offset: u64::MAX,
            vaddr: u64::MAX,
            paddr: 1,
            filesz: u64::MAX,
            memsz: 1,
            align: 3,
        });
    }
    let img = e.parse().unwrap();
    let mut want = Elf::exec().parse().unwrap();
    want.phnum = e.eh.phnum;
    assert_eq!(img, want);
}

#[test]
fn phdr_vaddr() {
    // Found in the first PT_LOAD that holds the whole table.
    assert_eq!(Elf::exec().parse().unwrap().phdr_vaddr, 0x400040);
    // Not in the first, in the second.
    let mut e = Elf::exec();
    e.phs[0] = Ph::load(0, 0x40_0000, 0x40, 0x40, R);
    e.eh.phoff = 0x1040;
    let img = e.parse().unwrap();
    assert_eq!(img.phdr_vaddr, 0x401040);
    // Exactly the table: starts at p_offset, ends at p_offset + p_filesz.
    let mut e = Elf::exec();
    e.phs[1] = Ph::load(0x1000, 0x40_1000, 4 * 56, 0x800, R | X);
    e.eh.phoff = 0x1000;
    assert_eq!(e.parse().unwrap().phdr_vaddr, 0x401000);
    // The first PT_LOAD misses the last byte of the table: 0.
    let mut e = Elf::exec();
    e.phs[0] = Ph::load(0, 0x40_0000, 64 + 4 * 56 - 1, 0x1000, R);
    assert_eq!(e.parse().unwrap().phdr_vaddr, 0);
    // Split over two PT_LOADs that are adjacent in the file: 0.
    let mut e = Elf::exec();
    e.phs[0] = Ph::load(0, 0x40_0000, 0x100, 0x100, R);
    e.phs.insert(1, Ph::load(0x100, 0x40_0100, 0xf00, 0xf00, R));
    e.eh.phnum += 1;
    assert_eq!(e.parse().unwrap().phdr_vaddr, 0);
    // The file range counts, not the memory range.
    let mut e = Elf::exec();
    e.phs[0] = Ph::load(0, 0x40_0000, 0, 0x1000, R);
    assert_eq!(e.parse().unwrap().phdr_vaddr, 0);
}

#[test]
fn lo_and_hi() {
    let mut e = Elf::exec();
    e.phs[0] = Ph::load(0x123, 0x40_0123, 0x100, 0x100, R);
    e.eh.phoff = 0x128;
    e.phs[2] = Ph::load(0x2000, 0x40_2000, 0x100, 0x1000, R | W);
    let img = e.parse().unwrap();
    assert_eq!(
        (img.lo, img.hi, img.phdr_vaddr),
        (0x400000, 0x403000, 0x400128)
    );
    // The top of user space is a valid end.
    let mut e = Elf::exec();
    e.phs[2] = Ph::load(0x2000, USER_TOP - 0x3000, 0x100, 0x3000, R | W);
    assert_eq!(e.parse().unwrap().hi, USER_TOP);
    // A last PT_LOAD with nothing in memory.
    let mut e = Elf::exec();
    e.phs[2] = Ph::load(0x2000, 0x40_2000, 0, 0, R | W);
    assert_eq!(e.parse().unwrap().hi, 0x402000);
}

fn many_loads(n: u64) -> Elf {
    let phs = (0..n)
        .map(|i| Ph::load(i * 0x1000, 0x40_0000 + i * 0x1000, 0x1000, 0x1000, R))
        .collect();
    let mut e = Elf::new(Ehdr::exec(0x400100, 0), phs, n * 0x1000);
    e.file_size = e.file_size.max(64 + n * 56);
    e
}

#[test]
fn sixteen_loads_and_seventeen() {
    let img = many_loads(16).parse().unwrap();
    assert_eq!(img.nr_loads, 16);
    assert_eq!(
        img.loads[15],
        load(0x40f000, 0x1000, 0xf000, 0x1000, 0x1000, R)
    );
    assert_eq!(img.hi, 0x410000);
    assert_eq!(many_loads(17).parse(), Err(ENOEXEC));
}

#[test]
fn phnum_64_and_65() {
    let mut e = many_loads(16);
    while e.phs.len() < 64 {
        e.push(Ph::of_type(PT_NULL));
    }
    assert_eq!(e.parse().unwrap().phnum, 64);
    e.push(Ph::of_type(PT_NULL));
    assert_eq!(e.parse(), Err(ENOEXEC));
}

// ---- P1 and the order of P1, P2, P3 ---------------------------------------

#[test]
fn p1_null_pointers() {
    let e = Elf::exec();
    let (eh, t) = (e.ehdr(), e.table());
    let mut out: ElfImage = sentinel();
    let call = |a: *const u8, b: *const u8, o: *mut ElfImage| unsafe {
        rust_elf_parse_phdrs(a, 64, b, t.len(), e.file_size, &X86_64, o)
    };
    assert_eq!(call(ptr::null(), t.as_ptr(), &mut out), EINVAL);
    assert_eq!(call(eh.as_ptr(), ptr::null(), &mut out), EINVAL);
    assert_eq!(call(eh.as_ptr(), t.as_ptr(), ptr::null_mut()), EINVAL);
    assert_eq!(call(ptr::null(), ptr::null(), ptr::null_mut()), EINVAL);
    assert!(bytes_of(&out).iter().all(|&b| b == 0xa5));
    // P1 before P2: NULL phdrs with a bad header, and with a zero length.
    let bad = [0u8; 64];
    assert_eq!(
        unsafe { rust_elf_parse_phdrs(bad.as_ptr(), 64, ptr::null(), 0, 0, &X86_64, &mut out) },
        EINVAL
    );
    assert!(bytes_of(&out).iter().all(|&b| b == 0xa5));
}

#[test]
fn p2_header_checks() {
    let mut e = Elf::exec();
    e.eh.machine = 3;
    assert_eq!(e.parse(), Err(ENOEXEC));
    let e = Elf::exec();
    assert_eq!(
        parse_phdrs(&e.ehdr()[..63], &e.table(), e.file_size),
        Err(ENOEXEC)
    );
    assert_eq!(parse_phdrs(&e.ehdr(), &e.table(), 63), Err(ENOEXEC));
    // P2 before P3: a bad header and a table of the wrong length.
    let mut e = Elf::exec();
    e.eh.ident[4] = 1;
    assert_eq!(
        parse_phdrs(&e.ehdr(), &e.table()[..55], e.file_size),
        Err(ENOEXEC)
    );
}

#[test]
fn p3_table_length_at_every_length() {
    let e = Elf::exec();
    let mut t = e.table();
    t.extend_from_slice(&[0; 200]);
    let n = e.phs.len() * 56;
    for len in 0..t.len() {
        let res = parse_phdrs(&e.ehdr(), &t[..len], e.file_size);
        if len == n {
            assert!(res.is_ok());
        } else {
            assert_eq!(res, Err(EINVAL), "phdrs_len {len}");
        }
    }
}

#[test]
fn p3_huge_lengths() {
    // Lengths past anything valid are rejected without reading that far.
    let e = Elf::exec();
    let mut t = e.table();
    t.resize(8192, 0);
    let mut out: ElfImage = sentinel();
    for len in [64 * 56 + 1, isize::MAX as usize, usize::MAX] {
        let rc = unsafe {
            rust_elf_parse_phdrs(
                e.ehdr().as_ptr(),
                64,
                t.as_ptr(),
                len,
                e.file_size,
                &X86_64,
                &mut out,
            )
        };
        assert_eq!(rc, EINVAL, "phdrs_len {len}");
    }
    assert!(bytes_of(&out).iter().all(|&b| b == 0xa5));
    // The same with the largest table: its bytes followed by more.
    let mut e = many_loads(16);
    while e.phs.len() < 64 {
        e.push(Ph::of_type(PT_NULL));
    }
    let mut t = e.table();
    assert!(parse_phdrs(&e.ehdr(), &t, e.file_size).is_ok());
    t.resize(8192, 0);
    for len in [64 * 56 + 1, isize::MAX as usize, usize::MAX] {
        let rc = unsafe {
            rust_elf_parse_phdrs(
                e.ehdr().as_ptr(),
                64,
                t.as_ptr(),
                len,
                e.file_size,
                &X86_64,
                &mut out,
            )
        };
        assert_eq!(rc, EINVAL, "phdrs_len {len} after 64 entries");
    }
    assert!(bytes_of(&out).iter().all(|&b| b == 0xa5));
}

// ---- P4: PT_LOAD ------------------------------------------------------------

#[test]
fn p4_load_filesz_above_memsz() {
    assert_eq!(with_ph(2, |p| p.memsz = p.filesz - 1), Err(ENOEXEC));
    assert!(with_ph(2, |p| p.memsz = p.filesz).is_ok());
}

#[test]
fn p4_load_past_end_of_file() {
    let mut e = Elf::exec();
    e.file_size = 0x20ff;
    assert_eq!(e.parse(), Err(ENOEXEC));
    assert_eq!(with_ph(1, |p| p.filesz = 0x2000), Err(ENOEXEC));
}

#[test]
fn p4_load_file_range_overflow_wraps() {
    // p_offset + p_filesz wraps to 0x1000, inside the file.
    assert_eq!(
        with_ph(1, |p| {
            p.offset = 0xffff_ffff_ffff_f000;
            p.filesz = 0x2000;
            p.memsz = 0x2000;
        }),
        Err(ENOEXEC)
    );
}

#[test]
fn p4_load_memory_range() {
    // Wraps: p_vaddr + p_memsz = 0x1000.
    let mut e = Elf::exec();
    e.eh.e_type = 3;
    e.push(Ph::load(0x2000, 0xffff_ffff_ffff_f000, 0, 0x2000, R));
    assert_eq!(e.parse(), Err(ENOEXEC));
    // One byte above user space, and exactly up to it.
    assert_eq!(
        with_ph(2, |p| {
            p.vaddr = USER_TOP - 0x2000;
            p.memsz = 0x2001;
        }),
        Err(ENOEXEC)
    );
    assert!(with_ph(2, |p| {
        p.vaddr = USER_TOP - 0x2000;
        p.memsz = 0x2000;
    })
    .is_ok());
    assert_eq!(
        with_ph(2, |p| p.vaddr = 0xffff_8000_0000_2000),
        Err(ENOEXEC),
        "kernel half"
    );
}

#[test]
fn p4_load_align_power_of_two() {
    for align in [3, 0x3000, 0x1001, u64::MAX] {
        assert_eq!(
            with_ph(1, |p| p.align = align),
            Err(ENOEXEC),
            "p_align {align:#x}"
        );
    }
    for align in [0, 1, 2, 0x1000, 0x20_0000] {
        assert!(
            with_ph(1, |p| p.align = align).is_ok(),
            "p_align {align:#x}"
        );
    }
}

#[test]
fn p4_load_offset_congruent_to_vaddr() {
    // Congruent modulo 2 MiB: fine, and the alignment is reported.
    assert_eq!(
        with_ph(1, |p| p.align = 0x20_0000).unwrap().loads[1].align,
        0x20_0000
    );
    // Same page offset, but not congruent modulo the 2 MiB alignment.
    let mut e = Elf::exec();
    e.phs[1] = Ph {
        align: 0x20_0000,
        ..Ph::load(0x1000, 0x40_2000, 0x800, 0x800, R | X)
    };
    e.phs[2].vaddr = 0x40_3000;
    e.eh.entry = 0x402010;
    assert_eq!(e.parse(), Err(ENOEXEC));
    e.phs[1].align = 0x1000;
    assert!(e.parse().is_ok());
}

#[test]
fn p4_load_page_offset() {
    // p_offset % 4096 != p_vaddr % 4096 also with p_align 0, 1 or 16.
    for align in [0, 1, 16] {
        assert_eq!(
            with_ph(1, |p| {
                p.align = align;
                p.vaddr = 0x40_1010;
            }),
            Err(ENOEXEC),
            "p_align {align}"
        );
    }
    let mut e = Elf::exec();
    e.phs[1] = Ph {
        align: 16,
        ..Ph::load(0x1010, 0x40_1020, 0x700, 0x700, R | X)
    };
    e.eh.entry = 0x401100;
    assert_eq!(e.parse(), Err(ENOEXEC));
    e.phs[1].vaddr = 0x40_1010;
    assert!(e.parse().is_ok());
}

#[test]
fn p4_load_order_and_overlap() {
    // One byte into the previous segment, and just after it.
    assert_eq!(
        with_ph(1, |p| {
            p.vaddr = 0x40_0fff;
            p.offset = 0xfff;
        }),
        Err(ENOEXEC)
    );
    let mut e = Elf::exec();
    e.phs[0].memsz = 0x1001;
    assert_eq!(
        e.parse(),
        Err(ENOEXEC),
        "bss of the first overlaps the second"
    );
    // Only the previous PT_LOAD's end counts, not the page it ends in.
    let mut e = Elf::exec();
    e.phs[0].memsz = 0x800;
    e.phs[0].filesz = 0x800;
    e.phs[1] = Ph::load(0x800, 0x40_0800, 0x800, 0x800, R | X);
    e.eh.entry = 0x400900;
    assert!(e.parse().is_ok());
    // Out of order.
    let mut e = Elf::exec();
    e.phs.swap(1, 2);
    assert_eq!(e.parse(), Err(ENOEXEC));
}

// ---- P4: PT_INTERP ------------------------------------------------------------

#[test]
fn p4_interp() {
    let mut e = Elf::exec();
    e.push(Ph::interp(0x300, 28));
    assert!(e.parse().is_ok());
    let mut two = e.clone();
    two.push(Ph::interp(0x300, 28));
    assert_eq!(two.parse(), Err(ENOEXEC), "a second PT_INTERP");
    for size in [0, 1, 4097, u64::MAX] {
        let mut bad = e.clone();
        bad.phs[4].filesz = size;
        bad.file_size = 0x10000;
        assert_eq!(bad.parse(), Err(ENOEXEC), "p_filesz {size}");
    }
    let mut bad = e.clone();
    bad.phs[4].offset = e.file_size - 27;
    assert_eq!(bad.parse(), Err(ENOEXEC), "past the end of the file");
    bad.phs[4].offset = e.file_size - 28;
    assert!(bad.parse().is_ok());
    bad.phs[4].offset = u64::MAX;
    bad.phs[4].filesz = 2;
    assert_eq!(bad.parse(), Err(ENOEXEC), "offset + filesz wraps to 1");
}

// ---- P4: PT_TLS -----------------------------------------------------------------

#[test]
fn p4_tls() {
    let mut e = Elf::exec();
    e.push(Ph::tls(0x2000, 0x402000, 0x10, 0x48, 8));
    assert!(e.parse().is_ok());
    let bad = |f: &dyn Fn(&mut Ph)| {
        let mut b = e.clone();
        f(&mut b.phs[4]);
        b.parse()
    };
    let mut two = e.clone();
    two.push(Ph::tls(0x2000, 0x402000, 0x10, 0x48, 8));
    assert_eq!(two.parse(), Err(ENOEXEC), "a second PT_TLS");
    assert_eq!(bad(&|p| p.memsz = 0xf), Err(ENOEXEC), "filesz > memsz");
    assert_eq!(
        bad(&|p| p.offset = 0x20f1),
        Err(ENOEXEC),
        "past the end of the file"
    );
    assert!(bad(&|p| p.offset = 0x20f0).is_ok());
    assert_eq!(
        bad(&|p| {
            p.offset = u64::MAX - 7;
            p.filesz = 0x10;
        }),
        Err(ENOEXEC),
        "file range wraps"
    );
    assert_eq!(
        bad(&|p| p.vaddr = u64::MAX - 0x40),
        Err(ENOEXEC),
        "memory range wraps"
    );
    assert!(
        bad(&|p| p.vaddr = u64::MAX - 0x48).is_ok(),
        "no user-space limit on PT_TLS"
    );
    assert_eq!(bad(&|p| p.align = 3), Err(ENOEXEC));
    assert_eq!(bad(&|p| p.align = 24), Err(ENOEXEC));
    assert!(bad(&|p| p.align = 0).is_ok());
    assert!(bad(&|p| p.align = 64).is_ok());
}

// ---- P5, P6, P7 -------------------------------------------------------------------

#[test]
fn p5_no_load() {
    let mut e = Elf::exec();
    e.phs.retain(|p| p.p_type != PT_LOAD);
    e.eh.phnum = e.phs.len() as u16;
    assert_eq!(e.parse(), Err(ENOEXEC));
}

#[test]
fn p6_entry_in_a_load() {
    let mut e = Elf::exec();
    for (entry, ok) in [
        (0x40_0000, true),
        (0x40_17ff, true),
        (0x40_1800, false), // the gap between text and data
        (0x40_40ff, true),  // the last byte of the bss
        (0x40_4100, false),
        (0x3f_ffff, false),
        (0, false),
        (u64::MAX, false),
    ] {
        e.eh.entry = entry;
        assert_eq!(e.parse().is_ok(), ok, "entry {entry:#x}");
        if !ok {
            assert_eq!(e.parse(), Err(ENOEXEC));
        }
    }
    // A PT_LOAD with nothing in memory holds no address.
    let mut e = Elf::exec();
    e.phs[1].memsz = 0;
    e.phs[1].filesz = 0;
    e.eh.entry = 0x40_1000;
    assert_eq!(e.parse(), Err(ENOEXEC));
}

#[test]
fn p7_exec_below_user_min() {
    let mut e = Elf::exec();
    e.phs[0] = Ph::load(0, 0xf000, 0x1000, 0x1000, R);
    assert_eq!(e.parse(), Err(ENOEXEC));
    e.phs[0].vaddr = 0x1_0000;
    let img = e.parse().unwrap();
    assert_eq!((img.lo, img.phdr_vaddr), (0x10000, 0x10040));
    // ET_DYN is placed by the kernel: 0 is fine.
    assert_eq!(Elf::static_pie().parse().unwrap().lo, 0);
}

// ---- the target: user_top, user_min, T1 -------------------------------------------

#[test]
fn p4_load_past_a_smaller_user_top() {
    // Elf::exec's last PT_LOAD ends at 0x404100: inside x86-64, past a
    // target whose user space ends at 0x404000, inside one ending a page up.
    let e = Elf::exec();
    assert_eq!(e.parse().unwrap().hi, 0x405000);
    let low = ElfTarget {
        user_top: 0x40_4000,
        ..X86_64
    };
    assert_eq!(e.parse_for(&low), Err(ENOEXEC));
    let fits = ElfTarget {
        user_top: 0x40_5000,
        ..X86_64
    };
    assert_eq!(e.parse_for(&fits), e.parse());
    // An empty PT_LOAD above the top is rejected as well.
    let mut e = Elf::exec();
    e.phs[2] = Ph::load(0x2000, 0x40_5000, 0, 0, R | W);
    assert!(e.parse().is_ok());
    assert_eq!(
        e.parse_for(&ElfTarget {
            user_top: 0x40_4000,
            ..X86_64
        }),
        Err(ENOEXEC)
    );
    assert!(e
        .parse_for(&ElfTarget {
            user_top: 0x40_5000,
            ..X86_64
        })
        .is_ok());
}

#[test]
fn p7_user_min_is_the_targets() {
    let e = Elf::exec(); // first PT_LOAD at 0x400000
    let at = ElfTarget {
        user_min: 0x40_0000,
        ..X86_64
    };
    assert!(e.parse_for(&at).is_ok());
    let above = ElfTarget {
        user_min: 0x40_0001,
        ..X86_64
    };
    assert_eq!(e.parse_for(&above), Err(ENOEXEC));
    // ET_DYN has no minimum, whatever the target says.
    assert!(Elf::static_pie().parse_for(&above).is_ok());
}

#[test]
fn aarch64_file_for_an_aarch64_target() {
    let mut e = Elf::exec();
    e.eh.machine = 183;
    assert_eq!(e.parse(), Err(ENOEXEC));
    let img = e.parse_for(&AARCH64).unwrap();
    assert_eq!(img, Elf::exec().parse().unwrap());
    // An aarch64 user space reaches past x86-64's.
    let mut e = Elf::static_pie();
    e.eh.machine = 183;
    let last = e.phs.iter().rposition(|p| p.p_type == PT_LOAD).unwrap();
    e.phs[last].vaddr += USER_TOP;
    e.phs[last].memsz = 0x1000;
    assert!(e.parse_for(&AARCH64).is_ok());
    e.eh.machine = 62;
    assert_eq!(e.parse(), Err(ENOEXEC));
}

#[test]
fn p1_t1_bad_target_before_the_file() {
    let e = Elf::exec();
    let (eh, t) = (e.ehdr(), e.table());
    let mut out: ElfImage = sentinel();
    let rc = unsafe {
        rust_elf_parse_phdrs(
            eh.as_ptr(),
            64,
            t.as_ptr(),
            t.len(),
            e.file_size,
            ptr::null(),
            &mut out,
        )
    };
    assert_eq!(rc, EINVAL, "P1: NULL target");
    assert!(bytes_of(&out).iter().all(|&b| b == 0xa5));
    let bad = [
        ElfTarget {
            user_top: USER_TOP - 1,
            ..X86_64
        },
        ElfTarget {
            user_min: USER_TOP,
            ..X86_64
        },
        ElfTarget {
            pad: [0, 7, 0],
            ..X86_64
        },
    ];
    for target in bad {
        assert_eq!(e.parse_for(&target), Err(EINVAL), "{target:?}");
        // before P2 (a bad header) and P3 (a short table)
        assert_eq!(
            parse_phdrs_for(&eh[..63], &t, e.file_size, &target),
            Err(EINVAL)
        );
        assert_eq!(
            parse_phdrs_for(&eh, &t[..55], e.file_size, &target),
            Err(EINVAL)
        );
    }
}

// ---- inputs -------------------------------------------------------------------------

#[test]
fn file_truncated_at_every_size() {
    let e = Elf::exec();
    for file_size in 0..e.file_size {
        let res = parse_phdrs(&e.ehdr(), &e.table(), file_size);
        assert_eq!(res, Err(ENOEXEC), "file_size {file_size}");
    }
    assert!(parse_phdrs(&e.ehdr(), &e.table(), e.file_size).is_ok());
}

#[test]
fn unaligned_input_and_output() {
    let e = Elf::exec();
    let want = e.parse().unwrap();
    for skew in 1..8 {
        let eh = Unaligned::new(&e.ehdr(), skew);
        let t = Unaligned::new(&e.table(), 8 - skew);
        assert_eq!(parse_phdrs(eh.get(), t.get(), e.file_size), Ok(want));
    }
    let mut buf = vec![0xa5u8; size_of::<ElfImage>() + 3];
    let out = unsafe { buf.as_mut_ptr().add(3) }.cast::<ElfImage>();
    let (eh, t) = (e.ehdr(), e.table());
    let rc = unsafe {
        rust_elf_parse_phdrs(
            eh.as_ptr(),
            64,
            t.as_ptr(),
            t.len(),
            e.file_size,
            &X86_64,
            out,
        )
    };
    assert_eq!(rc, 0);
    assert_eq!(unsafe { out.read_unaligned() }, want);
}

#[test]
fn output_fully_written() {
    // Whatever was in *out before, success leaves exactly the result:
    // padding and unused loads[] zero.
    let e = Elf::exec();
    let mut out: ElfImage = sentinel();
    let (eh, t) = (e.ehdr(), e.table());
    let rc = unsafe {
        rust_elf_parse_phdrs(
            eh.as_ptr(),
            64,
            t.as_ptr(),
            t.len(),
            e.file_size,
            &X86_64,
            &mut out,
        )
    };
    assert_eq!(rc, 0);
    assert!(!bytes_of(&out).windows(8).any(|w| w == [0xa5; 8]));
    assert_eq!(out.pad, 0);
    assert!(out.loads[3..].iter().all(|l| *l == ElfLoad::default()));
}

/// A small xorshift: the test must not need crates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn mutations_never_panic() {
    // Random bit flips and field values on good files: every result must
    // obey the rules (checked by parse_phdrs in common).
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut seen = [0usize; 3];
    for round in 0..20_000 {
        let e = match round % 3 {
            0 => Elf::exec(),
            1 => Elf::static_pie(),
            _ => many_loads(16),
        };
        let mut eh = e.ehdr();
        let mut t = e.table();
        for _ in 0..(rng.next() % 4 + 1) {
            let r = rng.next();
            let which = r as usize % (eh.len() + t.len());
            let byte = (r >> 32) as u8;
            if which < eh.len() {
                eh[which] = if r & (1 << 20) != 0 {
                    byte
                } else {
                    eh[which] ^ (1 << (byte % 8))
                };
            } else {
                let i = which - eh.len();
                t[i] = if r & (1 << 20) != 0 {
                    byte
                } else {
                    t[i] ^ (1 << (byte % 8))
                };
            }
        }
        let file_size = match rng.next() % 4 {
            0 => rng.next(),
            1 => e.file_size - rng.next() % 64,
            _ => e.file_size,
        };
        let res = parse_phdrs(&eh, &t, file_size);
        seen[match res {
            Ok(_) => 0,
            Err(EINVAL) => 1,
            Err(_) => 2,
        }] += 1;
    }
    assert!(seen[0] > 100 && seen[2] > 100, "{seen:?}");
}
