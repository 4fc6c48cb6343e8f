//! `ext2_parse_inode`: I1–I6, one violating input per check, and decoding.

mod common;

use std::ptr;

use alloy_ext2::abi::*;
use alloy_ext2::ffi::rust_ext2_parse_inode;
use common::*;

const REG: u16 = 0x81a4;
const DIR: u16 = 0x41ed;
const LNK: u16 = 0xa1ff;
const CHR: u16 = 0x21b6;
const BLK: u16 = 0x61b0;
const FIFO: u16 = 0x11a4;
const SOCK: u16 = 0xc1ed;

/// A 256-byte inode record.
#[derive(Clone)]
struct Ino {
    mode: u16,
    size: u32,
    size_high: u32,
    blocks512: u32,
    acl: u32,
    block: [u32; 15],
}

impl Ino {
    fn new(mode: u16, size: u32) -> Self {
        Ino { mode, size, size_high: 0, blocks512: 0, acl: 0, block: [0; 15] }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut b = vec![0u8; 256];
        let put16 = |b: &mut Vec<u8>, o: usize, v: u16| b[o..o + 2].copy_from_slice(&v.to_le_bytes());
        let put32 = |b: &mut Vec<u8>, o: usize, v: u32| b[o..o + 4].copy_from_slice(&v.to_le_bytes());
        put16(&mut b, 0, self.mode);
        put16(&mut b, 2, 1000); // uid low
        put32(&mut b, 4, self.size);
        put32(&mut b, 8, 0x1111_1111); // atime
        put32(&mut b, 12, 0x2222_2222); // ctime
        put32(&mut b, 16, 0x3333_3333); // mtime
        put32(&mut b, 20, 0x4444_4444); // dtime
        put16(&mut b, 24, 100); // gid low
        put16(&mut b, 26, 3); // links
        put32(&mut b, 28, self.blocks512);
        put32(&mut b, 32, 0x0008_1000); // flags
        put32(&mut b, 36, 0xdead_beef); // osd1: not read
        for (i, v) in self.block.iter().enumerate() {
            put32(&mut b, 40 + 4 * i, *v);
        }
        put32(&mut b, 100, 0x5555_5555); // generation
        put32(&mut b, 104, self.acl);
        put32(&mut b, 108, self.size_high);
        put16(&mut b, 120, 2); // uid high
        put16(&mut b, 122, 3); // gid high
        b[128..].fill(0x77); // beyond the decoded part
        b
    }

    fn parse(&self) -> Result<Ext2Inode, Fail> {
        inode_of(&self.bytes(), &Sb::good().sb(), 12)
    }
}

fn reg() -> Ino {
    let mut i = Ino::new(REG, 5000);
    i.blocks512 = 10;
    i.block = [100, 101, 102, 103, 104, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0];
    i
}

#[test]
fn good_regular_file() {
    let i = reg().parse().unwrap();
    assert_eq!(
        i,
        Ext2Inode {
            mode: REG,
            links: 3,
            uid: 2 << 16 | 1000,
            gid: 3 << 16 | 100,
            flags: 0x0008_1000,
            size: 5000,
            atime: 0x1111_1111,
            ctime: 0x2222_2222,
            mtime: 0x3333_3333,
            dtime: 0x4444_4444,
            blocks512: 10,
            file_acl: 0,
            generation: 0x5555_5555,
            fast_symlink: 0,
            rdev_major: 0,
            rdev_minor: 0,
            block: [100, 101, 102, 103, 104, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0],
            pad: 0,
        }
    );
    // A large file: size_high counts for regular files.
    let mut r = reg();
    r.size_high = 3;
    assert_eq!(r.parse().unwrap().size, 3 << 32 | 5000);
}

#[test]
fn devices_and_others() {
    // Old encoding in block[0]: 8:1.
    let mut c = Ino::new(CHR, 0);
    c.block[0] = 0x0801;
    c.block[1] = 0xffff_ffff;
    c.block[14] = 0xffff_ffff; // device numbers are not block pointers
    let i = c.parse().unwrap();
    assert_eq!((i.rdev_major, i.rdev_minor, i.block[0], i.block[14]), (8, 1, 0x0801, 0xffff_ffff));
    // New encoding in block[1]: 259:0x12345.
    let mut b = Ino::new(BLK, 0);
    b.block[1] = 0x45 | (259 << 8) | (0x12300 << 12);
    let i = b.parse().unwrap();
    assert_eq!((i.rdev_major, i.rdev_minor), (259, 0x12345));
    // Everything 1s in block[1].
    b.block[1] = u32::MAX;
    let i = b.parse().unwrap();
    assert_eq!((i.rdev_major, i.rdev_minor), (0xfff, 0xfffff));
    // FIFOs and sockets: rdev 0:0, size_high not read, blocks not checked.
    for mode in [FIFO, SOCK] {
        let mut f = Ino::new(mode, 7);
        f.size_high = 1;
        f.block[0] = 0x0801;
        f.block[3] = 0xffff_ffff;
        let i = f.parse().unwrap();
        assert_eq!((i.rdev_major, i.rdev_minor, i.size, i.fast_symlink), (0, 0, 7, 0));
    }
}

#[test]
fn i1_arguments() {
    let sb = Sb::good().sb();
    let raw = reg().bytes();
    fails(inode_of(&raw[..255], &sb, 12), EINVAL, EXT2_WHY_ARG);
    fails(inode_of(&raw[..128], &sb, 12), EINVAL, EXT2_WHY_ARG);
    fails(inode_of(&raw, &sb, 0), EINVAL, EXT2_WHY_ARG);
    fails(inode_of(&raw, &sb, 513), EINVAL, EXT2_WHY_ARG);
    assert!(inode_of(&raw, &sb, 512).is_ok());
    assert!(inode_of(&raw, &sb, 1).is_ok());
    let mut out = Ext2Inode::default();
    let mut why = 0;
    assert_eq!(unsafe { rust_ext2_parse_inode(ptr::null(), 256, &sb, 12, &mut out, &mut why) }, EINVAL);
    assert_eq!(why, EXT2_WHY_ARG);
    why = 0;
    assert_eq!(unsafe { rust_ext2_parse_inode(raw.as_ptr(), 256, ptr::null(), 12, &mut out, &mut why) }, EINVAL);
    assert_eq!(why, EXT2_WHY_ARG);
    why = 0;
    assert_eq!(unsafe { rust_ext2_parse_inode(raw.as_ptr(), 256, &sb, 12, ptr::null_mut(), &mut why) }, EINVAL);
    assert_eq!((why, out), (EXT2_WHY_ARG, Ext2Inode::default()));
}

#[test]
fn i2_mode() {
    for mode in [0u16, 0x01a4, 0x3000, 0x5000, 0x7000, 0x9000, 0xb000, 0xd000, 0xe000, 0xf1ff] {
        let mut i = reg();
        i.mode = mode;
        fails(i.parse(), EUCLEAN, EXT2_WHY_INODE_MODE);
    }
}

#[test]
fn i3_size() {
    let max = Sb::good().sb().max_file_size;
    let mut r = reg();
    r.size = max as u32;
    r.size_high = (max >> 32) as u32;
    assert!(r.parse().is_ok());
    r.size += 1;
    fails(r.parse(), EUCLEAN, EXT2_WHY_INODE_SIZE);
    // Directories: a nonzero multiple of the block size; le32(108) is
    // not part of the size.
    let mut d = Ino::new(DIR, 2048);
    d.size_high = 7;
    d.block[0] = 300;
    assert_eq!(d.parse().map(|i| i.size), Ok(2048));
    for size in [0, 1000, 1025, 2047] {
        let mut d = Ino::new(DIR, size);
        d.block[0] = 300;
        fails(d.parse(), EUCLEAN, EXT2_WHY_INODE_SIZE);
    }
    // Symlinks: 1..4095 bytes.
    fails(Ino::new(LNK, 0).parse(), EUCLEAN, EXT2_WHY_INODE_SIZE);
    let mut l = Ino::new(LNK, 4096);
    l.blocks512 = 2;
    fails(l.parse(), EUCLEAN, EXT2_WHY_INODE_SIZE);
    l.size = 4095;
    assert!(l.parse().is_ok());
}

#[test]
fn i4_acl() {
    let mut r = reg();
    r.acl = 16385;
    fails(r.parse(), EUCLEAN, EXT2_WHY_INODE_ACL);
    let mut d = Ino::new(DIR, 1024);
    d.acl = u32::MAX;
    fails(d.parse(), EUCLEAN, EXT2_WHY_INODE_ACL);
    // Block 0 is outside [1, 16385) but means "no ACL".
    r.acl = 16384;
    assert_eq!(r.parse().map(|i| i.file_acl), Ok(16384));
    r.acl = 1;
    assert!(r.parse().is_ok());
    // Devices are checked too.
    let mut c = Ino::new(CHR, 0);
    c.acl = 16385;
    fails(c.parse(), EUCLEAN, EXT2_WHY_INODE_ACL);
}

#[test]
fn i5_fast_symlink() {
    let mut l = Ino::new(LNK, 59);
    l.block = [0x6c2f_2f2f; 15]; // target bytes, not block numbers
    assert_eq!(l.parse().map(|i| i.fast_symlink), Ok(1));
    l.size = 60;
    fails(l.parse(), EUCLEAN, EXT2_WHY_SYMLINK);
    // With an ACL block, i_blocks is bs / 512 = 2 for a fast symlink.
    l.acl = 500;
    l.blocks512 = 2;
    l.size = 59;
    assert_eq!(l.parse().map(|i| i.fast_symlink), Ok(1));
    l.size = 60;
    fails(l.parse(), EUCLEAN, EXT2_WHY_SYMLINK);
    // A slow symlink (a data block) may be long.
    let mut s = Ino::new(LNK, 60);
    s.blocks512 = 2;
    s.block[0] = 600;
    assert_eq!(s.parse().map(|i| i.fast_symlink), Ok(0));
}

#[test]
fn i6_block_pointers() {
    for i in 0..15 {
        let mut r = reg();
        r.block[i] = 16385;
        fails(r.parse(), EUCLEAN, EXT2_WHY_INODE_BLOCK);
        // Block 0 would be outside [1, 16385) but is a hole.
        r.block[i] = 0;
        assert!(r.parse().is_ok());
    }
    let mut d = Ino::new(DIR, 1024);
    d.block[0] = 1;
    d.block[5] = 16384;
    assert!(d.parse().is_ok());
    d.block[7] = u32::MAX;
    fails(d.parse(), EUCLEAN, EXT2_WHY_INODE_BLOCK);
    // A slow symlink's pointers are checked.
    let mut s = Ino::new(LNK, 100);
    s.blocks512 = 2;
    s.block[0] = 99999;
    fails(s.parse(), EUCLEAN, EXT2_WHY_INODE_BLOCK);
}

#[test]
fn first_failing_inode_check_decides() {
    let mut r = reg();
    r.size_high = 0xffff_ffff;
    r.acl = u32::MAX;
    r.block[0] = u32::MAX;
    fails(r.parse(), EUCLEAN, EXT2_WHY_INODE_SIZE);
    r.size_high = 0;
    fails(r.parse(), EUCLEAN, EXT2_WHY_INODE_ACL);
    let mut l = Ino::new(LNK, 100);
    l.acl = 16385;
    fails(l.parse(), EUCLEAN, EXT2_WHY_INODE_ACL);
}
