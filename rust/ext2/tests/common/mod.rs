//! Shared by the contract tests: a superblock builder, and calls through
//! the C ABI (`rust_ext2_*`) that check the boundary rules on every call:
//! `*out` untouched on failure, `*why` untouched on success and set to a
//! valid code with the matching errno on failure, `why == NULL` giving the
//! same result, and the safe API agreeing.
#![allow(dead_code)]

use std::mem::{size_of, MaybeUninit};
use std::ptr;

use alloy_ext2::abi::*;
use alloy_ext2::ffi::*;

pub const EINVAL: i32 = -22;
pub const EFBIG: i32 = -27;
pub const EOPNOTSUPP: i32 = -95;
pub const EUCLEAN: i32 = -117;

/// What a failed call returned: (rc, why).
pub type Fail = (i32, u32);

const WHY_UNSET: u32 = 0xDEAD_BEEF;

/// The errno the contract gives each why code.
pub fn errno_of(why: u32) -> i32 {
    match why {
        EXT2_WHY_ARG | EXT2_WHY_MAGIC => EINVAL,
        EXT2_WHY_REV | EXT2_WHY_BLOCK_SIZE | EXT2_WHY_INCOMPAT => EOPNOTSUPP,
        EXT2_WHY_BMAP_RANGE => EFBIG,
        w if w > EXT2_WHY_INCOMPAT && w < EXT2_WHY_COUNT => EUCLEAN,
        w => panic!("why {w} is not a failure code"),
    }
}

/// Calls `f(out, why)` twice (with a `why` and with NULL) and checks the
/// boundary rules; returns `*out` or (rc, why).
pub fn call<T: Copy>(f: impl Fn(*mut T, *mut u32) -> i32) -> Result<T, Fail> {
    let mut out = MaybeUninit::<T>::uninit();
    // SAFETY: filling the bytes of a MaybeUninit.
    unsafe { ptr::write_bytes(out.as_mut_ptr().cast::<u8>(), 0xA5, size_of::<T>()) };
    let mut why = WHY_UNSET;
    let rc = f(out.as_mut_ptr(), &mut why);
    let mut out2 = MaybeUninit::<T>::uninit();
    let rc2 = f(out2.as_mut_ptr(), ptr::null_mut());
    assert_eq!(rc, rc2, "why == NULL changes the result");
    // SAFETY: every byte was written above (0xA5) or by the call.
    let bytes = unsafe { std::slice::from_raw_parts(out.as_ptr().cast::<u8>(), size_of::<T>()) };
    if rc == 0 {
        assert_eq!(why, WHY_UNSET, "*why written on success");
        // SAFETY: the call succeeded and wrote every byte.
        Ok(unsafe { out.assume_init() })
    } else {
        assert!(bytes.iter().all(|&b| b == 0xA5), "*out written on failure");
        assert_ne!(why, WHY_UNSET, "*why not written on failure");
        assert_eq!(rc, errno_of(why), "errno {rc} does not go with why {why}");
        Err((rc, why))
    }
}

pub fn super_of(raw: &[u8], dev: u64) -> Result<Ext2Super, Fail> {
    let r = call(|out, why| unsafe { rust_ext2_parse_super(raw.as_ptr(), raw.len(), dev, out, why) });
    assert_eq!(r.map_err(|e| e.1), alloy_ext2::parse_super(raw, dev).map_err(|w| w.code()));
    r
}

pub fn group_of(raw: &[u8], sb: &Ext2Super, group: u32) -> Result<Ext2Group, Fail> {
    let r = call(|out, why| unsafe {
        rust_ext2_parse_group(raw.as_ptr(), raw.len(), sb, group, out, why)
    });
    assert_eq!(r.map_err(|e| e.1), alloy_ext2::parse_group(raw, sb, group).map_err(|w| w.code()));
    r
}

pub fn inode_of(raw: &[u8], sb: &Ext2Super, ino: u32) -> Result<Ext2Inode, Fail> {
    let r = call(|out, why| unsafe {
        rust_ext2_parse_inode(raw.as_ptr(), raw.len(), sb, ino, out, why)
    });
    assert_eq!(r.map_err(|e| e.1), alloy_ext2::parse_inode(raw, sb, ino).map_err(|w| w.code()));
    r
}

pub fn dirent_of(blk: &[u8], off: u32, sb: &Ext2Super) -> Result<Ext2Dirent, Fail> {
    let r = call(|out, why| unsafe {
        rust_ext2_parse_dirent(blk.as_ptr(), blk.len(), off, sb, out, why)
    });
    assert_eq!(r.map_err(|e| e.1), alloy_ext2::parse_dirent(blk, off, sb).map_err(|w| w.code()));
    r
}

pub fn path_of(sb: &Ext2Super, n: u64) -> Result<Ext2BmapPath, Fail> {
    let r = call(|out, why| unsafe { rust_ext2_bmap_path(sb, n, out, why) });
    assert_eq!(r.map_err(|e| e.1), alloy_ext2::bmap_path(sb, n).map_err(|w| w.code()));
    r
}

pub fn entry_of(blk: &[u8], index: u32, sb: &Ext2Super, self_: u32) -> Result<u32, Fail> {
    let r = call(|out, why| unsafe {
        rust_ext2_bmap_entry(blk.as_ptr(), blk.len(), index, sb, self_, out, why)
    });
    assert_eq!(
        r.map_err(|e| e.1),
        alloy_ext2::bmap_entry(blk, index, sb, self_).map_err(|w| w.code())
    );
    r
}

pub fn check_of(sb: &Ext2Super, g: &Ext2Group, group: u32, block: u32) -> Result<(), Fail> {
    let mut why = WHY_UNSET;
    let rc = unsafe { rust_ext2_check_data_block(sb, g, group, block, &mut why) };
    let rc2 = unsafe { rust_ext2_check_data_block(sb, g, group, block, ptr::null_mut()) };
    assert_eq!(rc, rc2);
    let r = if rc == 0 {
        assert_eq!(why, WHY_UNSET);
        Ok(())
    } else {
        assert_eq!(rc, errno_of(why));
        Err((rc, why))
    };
    assert_eq!(
        r.map_err(|e| e.1),
        alloy_ext2::check_data_block(sb, g, group, block).map_err(|w| w.code())
    );
    r
}

/// Asserts a failure with this errno and why.
#[track_caller]
pub fn fails<T: std::fmt::Debug>(r: Result<T, Fail>, errno: i32, why: u32) {
    assert_eq!(r.as_ref().map(|_| ()).unwrap_err(), &(errno, why), "result {r:?}");
}

/// A superblock, every field the contract reads settable.
#[derive(Clone, Debug)]
pub struct Sb {
    pub inodes_count: u32,
    pub blocks_count: u32,
    pub r_blocks_count: u32,
    pub free_blocks_count: u32,
    pub free_inodes_count: u32,
    pub first_data_block: u32,
    pub log_block_size: u32,
    pub log_frag_size: u32,
    pub blocks_per_group: u32,
    pub inodes_per_group: u32,
    pub magic: u16,
    pub state: u16,
    pub errors: u16,
    pub rev_level: u32,
    pub first_ino: u32,
    pub inode_size: u16,
    pub feature_compat: u32,
    pub feature_incompat: u32,
    pub feature_ro_compat: u32,
    pub reserved_gdt: u16,
    pub dev_bytes: u64,
}

impl Sb {
    /// 1 KiB blocks, two groups of 8192 blocks, 256 inodes of 256 bytes
    /// each, resize inode with 31 reserved descriptor blocks, sparse_super,
    /// large_file, filetype.
    pub fn good() -> Self {
        Sb {
            inodes_count: 512,
            blocks_count: 16385,
            r_blocks_count: 819,
            free_blocks_count: 15000,
            free_inodes_count: 500,
            first_data_block: 1,
            log_block_size: 0,
            log_frag_size: 0,
            blocks_per_group: 8192,
            inodes_per_group: 256,
            magic: 0xEF53,
            state: 1,
            errors: 1,
            rev_level: 1,
            first_ino: 11,
            inode_size: 256,
            feature_compat: EXT2_COMPAT_EXT_ATTR | EXT2_COMPAT_RESIZE_INODE | EXT2_COMPAT_DIR_INDEX,
            feature_incompat: EXT2_INCOMPAT_FILETYPE,
            feature_ro_compat: EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE,
            reserved_gdt: 31,
            dev_bytes: 16385 * 1024,
        }
    }

    /// 4 KiB blocks, one group of 32768 blocks (a 64 MiB device),
    /// 8192 inodes of 128 bytes, revision 0.
    pub fn good_4k_rev0() -> Self {
        Sb {
            inodes_count: 8192,
            blocks_count: 16384,
            r_blocks_count: 0,
            free_blocks_count: 16000,
            free_inodes_count: 8181,
            first_data_block: 0,
            log_block_size: 2,
            log_frag_size: 2,
            blocks_per_group: 32768,
            inodes_per_group: 8192,
            magic: 0xEF53,
            state: 2,
            errors: 3,
            rev_level: 0,
            // Ignored at revision 0.
            first_ino: 0,
            inode_size: 0,
            feature_compat: 0xffff_ffff,
            feature_incompat: 0xffff_ffff,
            feature_ro_compat: 0xffff_ffff,
            reserved_gdt: 0xffff,
            dev_bytes: 64 << 20,
        }
    }

    /// Many small groups (1 KiB blocks, 256 blocks and 16 inodes a group,
    /// 50 groups, 2 descriptor blocks): for sparse_super.
    pub fn many_groups() -> Self {
        let mut s = Sb::good();
        s.blocks_per_group = 256;
        s.inodes_per_group = 16;
        s.blocks_count = 1 + 256 * 50;
        s.inodes_count = 16 * 50;
        s.free_blocks_count = 100;
        s.free_inodes_count = 100;
        s.r_blocks_count = 0;
        s.inode_size = 128;
        s.feature_compat = 0;
        s.reserved_gdt = 0;
        s.dev_bytes = u64::from(s.blocks_count) * 1024;
        s
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut b = vec![0u8; 1024];
        let put32 = |b: &mut Vec<u8>, off: usize, v: u32| {
            b[off..off + 4].copy_from_slice(&v.to_le_bytes())
        };
        put32(&mut b, 0, self.inodes_count);
        put32(&mut b, 4, self.blocks_count);
        put32(&mut b, 8, self.r_blocks_count);
        put32(&mut b, 12, self.free_blocks_count);
        put32(&mut b, 16, self.free_inodes_count);
        put32(&mut b, 20, self.first_data_block);
        put32(&mut b, 24, self.log_block_size);
        put32(&mut b, 28, self.log_frag_size);
        put32(&mut b, 32, self.blocks_per_group);
        put32(&mut b, 36, self.blocks_per_group); // frags_per_group
        put32(&mut b, 40, self.inodes_per_group);
        put32(&mut b, 76, self.rev_level);
        put32(&mut b, 84, self.first_ino);
        put32(&mut b, 92, self.feature_compat);
        put32(&mut b, 96, self.feature_incompat);
        put32(&mut b, 100, self.feature_ro_compat);
        b[56..58].copy_from_slice(&self.magic.to_le_bytes());
        b[58..60].copy_from_slice(&self.state.to_le_bytes());
        b[60..62].copy_from_slice(&self.errors.to_le_bytes());
        b[88..90].copy_from_slice(&self.inode_size.to_le_bytes());
        b[206..208].copy_from_slice(&self.reserved_gdt.to_le_bytes());
        b
    }

    pub fn parse(&self) -> Result<Ext2Super, Fail> {
        super_of(&self.bytes(), self.dev_bytes)
    }

    #[track_caller]
    pub fn sb(&self) -> Ext2Super {
        self.parse().expect("a valid superblock")
    }
}

/// A 32-byte group descriptor.
pub fn gd(bb: u32, ib: u32, it: u32, free_b: u16, free_i: u16, dirs: u16) -> Vec<u8> {
    let mut b = vec![0u8; 32];
    b[0..4].copy_from_slice(&bb.to_le_bytes());
    b[4..8].copy_from_slice(&ib.to_le_bytes());
    b[8..12].copy_from_slice(&it.to_le_bytes());
    b[12..14].copy_from_slice(&free_b.to_le_bytes());
    b[14..16].copy_from_slice(&free_i.to_le_bytes());
    b[16..18].copy_from_slice(&dirs.to_le_bytes());
    // Padding and reserved words: not looked at.
    b[18..32].fill(0x5a);
    b
}
