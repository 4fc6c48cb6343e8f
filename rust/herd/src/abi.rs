//! The C ABI of the policy core: the contract's constants and structs,
//! field for field the ones of `ffi/herd.h`. cbindgen turns this module
//! into `ffi/generated/herd_rs.h` (with an `rs_`/`RS_` prefix), and
//! `userspace/herd/test/herd_abi.c` checks the two headers agree.

use core::mem::size_of;

/// The version `rust_herd_abi_version()` reports.
pub const HERD_ABI_VERSION: u32 = 1;
/// Longest service file, bytes.
pub const HERD_FILE_MAX: usize = 16384;
/// Longest line of a service file, bytes, without its newline.
pub const HERD_LINE_MAX: usize = 1024;
/// Most argv words.
pub const HERD_MAX_ARGS: usize = 32;
/// Most env= entries.
pub const HERD_MAX_ENV: usize = 32;
/// Most after= names.
pub const HERD_MAX_AFTER: usize = 8;
/// Bytes of the strings area, offset 0 included.
pub const HERD_STR_MAX: usize = 4096;
/// Longest service name, NUL included.
pub const HERD_NAME_MAX: usize = 32;
/// Smallest log_max.
pub const HERD_LOG_MIN: u64 = 4096;
/// Largest log_max.
pub const HERD_LOG_MAX: u64 = 1 << 30;
/// Most rotated log files.
pub const HERD_KEEP_MAX: u32 = 16;

pub(crate) const RESTART_ALWAYS: u32 = 0;
pub(crate) const RESTART_ON_FAILURE: u32 = 1;
pub(crate) const RESTART_NEVER: u32 = 2;
pub(crate) const EXIT_CODE: u32 = 1;
pub(crate) const EXIT_SIGNAL: u32 = 2;
pub(crate) const ACT_NONE: u32 = 0;
pub(crate) const ACT_RESTART: u32 = 1;
pub(crate) const ACT_FAIL: u32 = 2;
pub(crate) const W_APPEND: u32 = 0;
pub(crate) const W_ROTATE: u32 = 1;

/// `struct herd_service`: a parsed, validated service file.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HerdService {
    pub restart: u32,
    pub argc: u32,
    pub envc: u32,
    pub nafter: u32,
    pub backoff_initial_ms: u32,
    pub backoff_max_ms: u32,
    pub mult_pct: u32,
    pub jitter_pct: u32,
    pub stable_ms: u32,
    pub giveup_count: u32,
    pub giveup_window_ms: u32,
    pub log_keep: u32,
    pub log_max: u64,
    pub stop_signal: u32,
    pub stop_timeout_ms: u32,
    pub argv: [u16; HERD_MAX_ARGS],
    pub env: [u16; HERD_MAX_ENV],
    pub after: [u16; HERD_MAX_AFTER],
    pub cwd: u16,
    pub strings_len: u16,
    pub pad: u32,
    pub strings: [u8; HERD_STR_MAX],
}

impl HerdService {
    /// Every field zero.
    pub const fn zeroed() -> Self {
        HerdService {
            restart: 0,
            argc: 0,
            envc: 0,
            nafter: 0,
            backoff_initial_ms: 0,
            backoff_max_ms: 0,
            mult_pct: 0,
            jitter_pct: 0,
            stable_ms: 0,
            giveup_count: 0,
            giveup_window_ms: 0,
            log_keep: 0,
            log_max: 0,
            stop_signal: 0,
            stop_timeout_ms: 0,
            argv: [0; HERD_MAX_ARGS],
            env: [0; HERD_MAX_ENV],
            after: [0; HERD_MAX_AFTER],
            cwd: 0,
            strings_len: 0,
            pad: 0,
            strings: [0; HERD_STR_MAX],
        }
    }
}

/// `struct herd_parse_error`: which check failed, on which line.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HerdParseError {
    pub check: u32,
    pub line: u32,
}

/// `struct herd_run`: a run that just ended, and the last decision's state.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HerdRun {
    pub now_ms: u64,
    pub started_ms: u64,
    pub window_start_ms: u64,
    pub consecutive: u32,
    pub window_count: u32,
    pub how: u32,
    pub code: i32,
    pub random: u32,
    pub pad: u32,
}

/// `struct herd_decision`: what to do about it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HerdDecision {
    pub action: u32,
    pub consecutive: u32,
    pub window_count: u32,
    pub pad: u32,
    pub window_start_ms: u64,
    pub delay_ms: u64,
    pub at_ms: u64,
}

/// `struct herd_write`: append or rotate, and how much.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HerdWrite {
    pub action: u32,
    pub pad: u32,
    pub n: u64,
}

const _: () = assert!(size_of::<HerdService>() == 4312);
const _: () = assert!(size_of::<HerdParseError>() == 8);
const _: () = assert!(size_of::<HerdRun>() == 48);
const _: () = assert!(size_of::<HerdDecision>() == 40);
const _: () = assert!(size_of::<HerdWrite>() == 16);
