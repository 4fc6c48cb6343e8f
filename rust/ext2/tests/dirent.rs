//! `ext2_parse_dirent`: D1–D6, one violating input per check, and decoding
//! with and without the filetype feature.

mod common;

use std::ptr;

use alloy_ext2::abi::*;
use alloy_ext2::ffi::rust_ext2_parse_dirent;
use common::*;

/// Writes an entry (filetype layout) at `off`.
fn put(b: &mut [u8], off: usize, inode: u32, rec_len: u16, name: &[u8], ft: u8) {
    b[off..off + 4].copy_from_slice(&inode.to_le_bytes());
    b[off + 4..off + 6].copy_from_slice(&rec_len.to_le_bytes());
    b[off + 6] = name.len() as u8;
    b[off + 7] = ft;
    b[off + 8..off + 8 + name.len()].copy_from_slice(name);
}

/// ".", "..", "lost+found" in a 1 KiB block.
fn block() -> Vec<u8> {
    let mut b = vec![0xeeu8; 1024];
    put(&mut b, 0, 2, 12, b".", 2);
    put(&mut b, 12, 2, 12, b"..", 2);
    put(&mut b, 24, 11, 1000, b"lost+found", 2);
    b
}

fn sb() -> Ext2Super {
    Sb::good().sb()
}

fn at(b: &[u8], off: u32) -> Result<Ext2Dirent, Fail> {
    dirent_of(b, off, &sb())
}

#[test]
fn good_entries() {
    let b = block();
    assert_eq!(at(&b, 0), Ok(Ext2Dirent { inode: 2, rec_len: 12, name_len: 1, file_type: 2, name_off: 8 }));
    assert_eq!(at(&b, 12), Ok(Ext2Dirent { inode: 2, rec_len: 12, name_len: 2, file_type: 2, name_off: 20 }));
    assert_eq!(at(&b, 24), Ok(Ext2Dirent { inode: 11, rec_len: 1000, name_len: 10, file_type: 2, name_off: 32 }));
    // A free slot: inode 0, anything in the name and type.
    let mut f = block();
    put(&mut f, 24, 0, 1000, b"", 0xff);
    f[32] = b'/';
    assert_eq!(at(&f, 24), Ok(Ext2Dirent { inode: 0, rec_len: 1000, name_len: 0, file_type: 0xff, name_off: 32 }));
    // The last 12 bytes.
    let mut e = block();
    put(&mut e, 24, 11, 988, b"x", 1);
    put(&mut e, 1012, 12, 12, b"abcd", 7);
    assert_eq!(at(&e, 1012), Ok(Ext2Dirent { inode: 12, rec_len: 12, name_len: 4, file_type: 7, name_off: 1020 }));
}

#[test]
fn without_filetype() {
    let mut s = Sb::good();
    s.feature_incompat = 0;
    let sb = s.sb();
    let b = block();
    // byte 7 (the type, 2) is name_len's high byte: 2 * 256 + 1 > 255.
    fails(dirent_of(&b, 0, &sb), EUCLEAN, EXT2_WHY_DIRENT_NAME_LEN);
    let mut b = block();
    b[7] = 0;
    b[31] = 0;
    assert_eq!(dirent_of(&b, 0, &sb), Ok(Ext2Dirent { inode: 2, rec_len: 12, name_len: 1, file_type: 0, name_off: 8 }));
    assert_eq!(dirent_of(&b, 24, &sb).map(|d| (d.name_len, d.file_type)), Ok((10, 0)));
    // A file type above 7 is only looked at with the feature.
    b[31] = 0;
    put(&mut b, 24, 11, 1000, b"lost+found", 0);
    b[30] = 10;
    b[31] = 0;
    assert!(dirent_of(&b, 24, &sb).is_ok());
}

#[test]
fn d1_arguments() {
    let b = block();
    let sb = sb();
    fails(dirent_of(&b[..1023], 0, &sb), EINVAL, EXT2_WHY_ARG);
    let mut long = block();
    long.push(0);
    fails(dirent_of(&long, 0, &sb), EINVAL, EXT2_WHY_ARG);
    fails(at(&b, 1024), EINVAL, EXT2_WHY_ARG);
    fails(at(&b, u32::MAX), EINVAL, EXT2_WHY_ARG);
    fails(at(&b, 2), EINVAL, EXT2_WHY_ARG);
    fails(at(&b, 1022), EINVAL, EXT2_WHY_ARG);
    let mut out = Ext2Dirent::default();
    let mut why = 0;
    assert_eq!(unsafe { rust_ext2_parse_dirent(ptr::null(), 1024, 0, &sb, &mut out, &mut why) }, EINVAL);
    assert_eq!(why, EXT2_WHY_ARG);
    why = 0;
    assert_eq!(unsafe { rust_ext2_parse_dirent(b.as_ptr(), 1024, 0, ptr::null(), &mut out, &mut why) }, EINVAL);
    assert_eq!(why, EXT2_WHY_ARG);
    why = 0;
    assert_eq!(unsafe { rust_ext2_parse_dirent(b.as_ptr(), 1024, 0, &sb, ptr::null_mut(), &mut why) }, EINVAL);
    assert_eq!((why, out), (EXT2_WHY_ARG, Ext2Dirent::default()));
}

#[test]
fn d2_short() {
    let b = vec![0u8; 1024];
    for off in [1016, 1020] {
        fails(at(&b, off), EUCLEAN, EXT2_WHY_DIRENT_SHORT);
    }
    // 12 bytes left: D3 is next (rec_len 0).
    fails(at(&b, 1012), EUCLEAN, EXT2_WHY_DIRENT_REC_LEN);
}

#[test]
fn d3_rec_len() {
    for rec in [0u16, 8, 11, 14, 1001, 1004, u16::MAX] {
        let mut b = block();
        b[28..30].copy_from_slice(&rec.to_le_bytes());
        fails(at(&b, 24), EUCLEAN, EXT2_WHY_DIRENT_REC_LEN);
    }
    let mut b = block();
    b[28..30].copy_from_slice(&996u16.to_le_bytes());
    assert!(at(&b, 24).is_ok());
}

#[test]
fn d4_name_len() {
    let mut b = block();
    put(&mut b, 12, 2, 12, b"abcde", 2); // 8 + 5 > 12
    fails(at(&b, 12), EUCLEAN, EXT2_WHY_DIRENT_NAME_LEN);
    let mut b = block();
    put(&mut b, 24, 11, 1000, &[b'a'; 255], 1);
    assert_eq!(at(&b, 24).map(|d| d.name_len), Ok(255));
    // Checked for free slots too.
    let mut b = block();
    put(&mut b, 12, 0, 12, b"abcde", 2);
    fails(at(&b, 12), EUCLEAN, EXT2_WHY_DIRENT_NAME_LEN);
    // > 255 needs the 16-bit layout.
    let mut s = Sb::good();
    s.feature_incompat = 0;
    let mut b = vec![0u8; 1024];
    b[0..4].copy_from_slice(&12u32.to_le_bytes());
    b[4..6].copy_from_slice(&1024u16.to_le_bytes());
    b[6..8].copy_from_slice(&256u16.to_le_bytes());
    b[8..264].fill(b'n');
    fails(dirent_of(&b, 0, &s.sb()), EUCLEAN, EXT2_WHY_DIRENT_NAME_LEN);
}

#[test]
fn d5_inode() {
    for ino in [1u32, 3, 10, 513, u32::MAX] {
        let mut b = block();
        put(&mut b, 24, ino, 1000, b"x", 1);
        fails(at(&b, 24), EUCLEAN, EXT2_WHY_DIRENT_INODE);
    }
    for ino in [0u32, 2, 11, 512] {
        let mut b = block();
        put(&mut b, 24, ino, 1000, b"x", 1);
        assert!(at(&b, 24).is_ok(), "inode {ino}");
    }
}

#[test]
fn d6_name() {
    let bad: [(&[u8], u8); 5] = [(b"", 1), (b"a/b", 1), (b"a\0b", 1), (b"/", 2), (b"ok", 8)];
    for (name, ft) in bad {
        let mut b = block();
        put(&mut b, 24, 12, 1000, name, ft);
        fails(at(&b, 24), EUCLEAN, EXT2_WHY_DIRENT_NAME);
        // The same in a free slot is fine.
        put(&mut b, 24, 0, 1000, name, ft);
        assert!(at(&b, 24).is_ok());
    }
    // Bytes past name_len are not part of the name.
    let mut b = block();
    put(&mut b, 24, 12, 1000, b"ab/\0", 1);
    b[30] = 2;
    assert!(at(&b, 24).is_ok());
    // Type 7 and high bytes are fine.
    put(&mut b, 24, 12, 1000, &[0xff, 0x80, b'.'], 7);
    assert!(at(&b, 24).is_ok());
}

#[test]
fn first_failing_dirent_check_decides() {
    let mut b = block();
    put(&mut b, 24, 1, 13, b"", 9);
    fails(at(&b, 24), EUCLEAN, EXT2_WHY_DIRENT_REC_LEN);
    put(&mut b, 24, 1, 12, b"abcde", 9);
    fails(at(&b, 24), EUCLEAN, EXT2_WHY_DIRENT_NAME_LEN);
    put(&mut b, 24, 1, 12, b"", 9);
    fails(at(&b, 24), EUCLEAN, EXT2_WHY_DIRENT_INODE);
}
