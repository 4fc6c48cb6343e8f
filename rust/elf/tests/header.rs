//! `elf_parse_header`: H1–H6, one violating input per check, and the
//! output of a good header.

mod common;

use std::mem::size_of;
use std::ptr;

use alloy_elf::abi::{ElfHeader, ElfTarget, ELF_ABI_VERSION};
use alloy_elf::ffi::{rust_elf_abi_version, rust_elf_parse_header};
use common::*;

fn good() -> Elf {
    Elf::exec()
}

/// The header check result with one field changed.
fn with(f: impl FnOnce(&mut Ehdr)) -> Result<ElfHeader, i32> {
    let mut e = good();
    f(&mut e.eh);
    e.header()
}

#[test]
fn abi_version() {
    assert_eq!(rust_elf_abi_version(), ELF_ABI_VERSION);
    assert_eq!(ELF_ABI_VERSION, 2);
}

#[test]
fn good_header() {
    let h = good().header().unwrap();
    assert_eq!(
        h,
        ElfHeader {
            r#type: 2,
            phnum: 4,
            pad: 0,
            entry: 0x401010,
            phoff: 64,
            phdrs_size: 4 * 56
        }
    );
}

#[test]
fn good_dyn_header() {
    let h = Elf::static_pie().header().unwrap();
    assert_eq!(
        h,
        ElfHeader {
            r#type: 3,
            phnum: 5,
            pad: 0,
            entry: 0x1234,
            phoff: 64,
            phdrs_size: 5 * 56
        }
    );
}

#[test]
fn h1_null_pointers() {
    let e = good().ehdr();
    let mut out: ElfHeader = sentinel();
    let call = |p: *const u8, len: usize, out: *mut ElfHeader| unsafe {
        rust_elf_parse_header(p, len, 0x2100, &X86_64, out)
    };
    assert_eq!(call(ptr::null(), 64, &mut out), EINVAL);
    assert_eq!(call(ptr::null(), 0, &mut out), EINVAL);
    assert_eq!(call(e.as_ptr(), e.len(), ptr::null_mut()), EINVAL);
    assert_eq!(call(ptr::null(), 0, ptr::null_mut()), EINVAL);
    assert!(bytes_of(&out).iter().all(|&b| b == 0xa5));
    // H1 before H2..H6: a NULL output with a bad file is still EINVAL.
    assert_eq!(call(e.as_ptr(), 3, ptr::null_mut()), EINVAL);
}

#[test]
fn h2_short_header_at_every_length() {
    let e = good();
    let bytes = e.ehdr();
    for len in 0..64 {
        assert_eq!(
            parse_header(&bytes[..len], e.file_size),
            Err(ENOEXEC),
            "ehdr_len {len}"
        );
    }
    assert!(parse_header(&bytes, e.file_size).is_ok());
}

#[test]
fn h2_short_file() {
    let bytes = good().ehdr();
    for file_size in 0..64 {
        assert_eq!(
            parse_header(&bytes, file_size),
            Err(ENOEXEC),
            "file_size {file_size}"
        );
    }
}

#[test]
fn h3_ident() {
    for i in 0..4 {
        assert_eq!(with(|h| h.ident[i] ^= 0x20), Err(ENOEXEC), "magic byte {i}");
    }
    assert_eq!(with(|h| h.ident[4] = 1), Err(ENOEXEC), "ELFCLASS32");
    assert_eq!(with(|h| h.ident[4] = 0), Err(ENOEXEC), "ELFCLASSNONE");
    assert_eq!(with(|h| h.ident[5] = 2), Err(ENOEXEC), "big endian");
    assert_eq!(with(|h| h.ident[6] = 0), Err(ENOEXEC), "EI_VERSION 0");
    assert_eq!(with(|h| h.ident[6] = 2), Err(ENOEXEC), "EI_VERSION 2");
    for osabi in [1u8, 2, 6, 9, 97, 255] {
        assert_eq!(with(|h| h.ident[7] = osabi), Err(ENOEXEC), "OSABI {osabi}");
    }
    assert!(with(|h| h.ident[7] = 3).is_ok(), "OSABI Linux");
    // EI_ABIVERSION and the padding are not looked at.
    assert!(with(|h| h.ident[8..].fill(0xff)).is_ok());
}

#[test]
fn h4_type_machine_version() {
    for t in [0u16, 1, 4, 0xfe00, 0xffff] {
        assert_eq!(with(|h| h.e_type = t), Err(ENOEXEC), "e_type {t}");
    }
    assert_eq!(with(|h| h.machine = 3), Err(ENOEXEC), "EM_386");
    assert_eq!(with(|h| h.machine = 183), Err(ENOEXEC), "EM_AARCH64");
    assert_eq!(with(|h| h.version = 0), Err(ENOEXEC));
    assert_eq!(with(|h| h.version = 2), Err(ENOEXEC));
    assert_eq!(with(|h| h.version = 0x100), Err(ENOEXEC));
}

#[test]
fn h5_sizes_and_phnum() {
    assert_eq!(with(|h| h.ehsize = 63), Err(ENOEXEC));
    assert_eq!(with(|h| h.ehsize = 65), Err(ENOEXEC));
    assert_eq!(with(|h| h.phentsize = 32), Err(ENOEXEC));
    assert_eq!(with(|h| h.phentsize = 64), Err(ENOEXEC));
    assert_eq!(with(|h| h.phnum = 0), Err(ENOEXEC));
    assert_eq!(with(|h| h.phnum = 65), Err(ENOEXEC));
    assert_eq!(with(|h| h.phnum = 0xffff), Err(ENOEXEC), "PN_XNUM");
    let mut e = good();
    e.eh.phnum = 64;
    e.file_size = 64 + 64 * 56;
    assert_eq!(e.header().unwrap().phdrs_size, 64 * 56);
    // The section header fields are not looked at.
    assert!(with(|h| {
        h.shoff = u64::MAX;
        h.shentsize = 1;
        h.shnum = 0xffff;
        h.shstrndx = 0xffff;
        h.flags = u32::MAX;
    })
    .is_ok());
}

#[test]
fn h6_table_placement() {
    assert_eq!(with(|h| h.phoff = 0), Err(ENOEXEC));
    assert_eq!(with(|h| h.phoff = 56), Err(ENOEXEC), "overlaps the header");
    assert_eq!(with(|h| h.phoff = 68), Err(ENOEXEC), "not 8-aligned");
    assert_eq!(with(|h| h.phoff = 65), Err(ENOEXEC), "not 8-aligned");
    assert!(with(|h| h.phoff = 72).is_ok());
    // Ends exactly at the end of the file, and one byte past it.
    let mut e = good();
    e.file_size = 64 + 4 * 56;
    assert!(e.header().is_ok());
    e.file_size -= 1;
    assert_eq!(e.header(), Err(ENOEXEC));
    e.file_size = 0x10000;
    e.eh.phoff = 0x10000 - 4 * 56;
    assert!(e.header().is_ok());
    e.eh.phoff += 8;
    assert_eq!(e.header(), Err(ENOEXEC));
}

#[test]
fn h6_overflow_wraps() {
    // phoff + phnum * 56 wraps around to 48 + 56 * 3: below file_size if
    // computed with wrapping arithmetic.
    let mut e = good();
    e.eh.phoff = !7;
    e.file_size = u64::MAX;
    assert_eq!(e.header(), Err(ENOEXEC));
    e.eh.phoff = u64::MAX - 7 - 4 * 56 + 1;
    e.eh.phoff &= !7;
    assert!(e.header().is_ok(), "the last table that fits");
}

#[test]
fn unaligned_and_long_input() {
    let e = good();
    let bytes = e.ehdr();
    for skew in 1..8 {
        let u = Unaligned::new(&bytes, skew);
        assert_eq!(parse_header(u.get(), e.file_size), e.header());
    }
    // Only the first 64 bytes are read.
    let mut long = bytes.clone();
    long.extend_from_slice(&[0xff; 4096]);
    assert_eq!(parse_header(&long, e.file_size), e.header());
    // A length the caller got wrong upward is not read beyond 64 bytes.
    let mut out: ElfHeader = sentinel();
    let rc = unsafe {
        rust_elf_parse_header(bytes.as_ptr(), usize::MAX, e.file_size, &X86_64, &mut out)
    };
    assert_eq!((rc, Ok(out)), (0, e.header()));
}

#[test]
fn unaligned_output() {
    let e = good();
    let bytes = e.ehdr();
    let mut buf = vec![0u8; size_of::<ElfHeader>() + 1];
    let out = unsafe { buf.as_mut_ptr().add(1) }.cast::<ElfHeader>();
    let rc = unsafe { rust_elf_parse_header(bytes.as_ptr(), 64, e.file_size, &X86_64, out) };
    assert_eq!(rc, 0);
    assert_eq!(Ok(unsafe { out.read_unaligned() }), e.header());
}

// ---- T1 and the target's machine ---------------------------------------------

#[test]
fn h4_machine_is_the_targets() {
    // An aarch64 file: not for x86-64, fine for a target that runs aarch64.
    let mut e = good();
    e.eh.machine = 183;
    assert_eq!(e.header(), Err(ENOEXEC));
    let h = e.header_for(&AARCH64).unwrap();
    assert_eq!(h, good().header().unwrap());
    // And the other way round: no target accepts two machines.
    assert_eq!(good().header_for(&AARCH64), Err(ENOEXEC));
    for m in [0u16, 61, 63, 0xffff] {
        let t = ElfTarget {
            machine: m,
            ..X86_64
        };
        assert_eq!(good().header_for(&t), Err(ENOEXEC), "target machine {m}");
    }
}

/// Targets that break T1, each with its reason.
pub fn bad_targets() -> Vec<(ElfTarget, &'static str)> {
    vec![
        (
            ElfTarget {
                user_top: USER_TOP + 1,
                ..X86_64
            },
            "user_top + 1",
        ),
        (
            ElfTarget {
                user_top: USER_TOP - 0x800,
                ..X86_64
            },
            "user_top mid-page",
        ),
        (
            ElfTarget {
                user_top: u64::MAX,
                ..X86_64
            },
            "user_top 2^64 - 1",
        ),
        (
            ElfTarget {
                user_top: 0,
                user_min: 0,
                ..X86_64
            },
            "user_top 0",
        ),
        (
            ElfTarget {
                user_min: USER_TOP,
                ..X86_64
            },
            "user_min == user_top",
        ),
        (
            ElfTarget {
                user_min: u64::MAX,
                ..X86_64
            },
            "user_min > user_top",
        ),
        (
            ElfTarget {
                pad: [1, 0, 0],
                ..X86_64
            },
            "pad[0]",
        ),
        (
            ElfTarget {
                pad: [0, 0, 0x8000],
                ..X86_64
            },
            "pad[2]",
        ),
    ]
}

#[test]
fn t1_bad_target() {
    let e = good();
    for (t, why) in bad_targets() {
        assert_eq!(e.header_for(&t), Err(EINVAL), "{why}");
        // T1 before H2..H6: a bad file with a bad target is a caller error.
        assert_eq!(
            parse_header_for(&e.ehdr()[..10], 0, &t),
            Err(EINVAL),
            "{why}"
        );
    }
    // The edges that are fine: user_min just below user_top, 0, one page.
    for t in [
        ElfTarget {
            user_min: USER_TOP - 1,
            ..X86_64
        },
        ElfTarget {
            user_min: 0,
            ..X86_64
        },
        ElfTarget {
            user_min: 0,
            user_top: 0x1000,
            ..X86_64
        },
        ElfTarget {
            user_top: u64::MAX & !0xfff,
            ..X86_64
        },
    ] {
        assert!(e.header_for(&t).is_ok(), "{t:?}");
    }
}

#[test]
fn h1_null_target() {
    let e = good().ehdr();
    let mut out: ElfHeader = sentinel();
    let rc = unsafe { rust_elf_parse_header(e.as_ptr(), 64, 0x2100, ptr::null(), &mut out) };
    assert_eq!(rc, EINVAL);
    assert!(bytes_of(&out).iter().all(|&b| b == 0xa5));
    // An unaligned target is read as it is.
    let mut buf = vec![0u8; size_of::<ElfTarget>() + 1];
    let t = unsafe { buf.as_mut_ptr().add(1) }.cast::<ElfTarget>();
    unsafe { t.write_unaligned(X86_64) };
    let rc = unsafe { rust_elf_parse_header(e.as_ptr(), 64, 0x2100, t, &mut out) };
    assert_eq!((rc, Ok(out)), (0, good().header()));
}
