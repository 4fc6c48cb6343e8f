//! The policy core of herd, Alloy's service supervisor.
//!
//! The contract is `ffi/herd.h`: the service-file parser (checks S1–S11),
//! the restart decision (D1–D3, then the schedule) and the rotation
//! decision (W1–W2), implemented here in that order; the C fallback
//! (`userspace/herd/policy.c`) must agree with this crate bit for bit.
//!
//! - [`parse`], [`decide`]: the safe code, slices and structs in,
//!   `Result` out, no allocation, no panic whatever the bytes.
//! - [`ffi`]: the C boundary (NULL checks, raw pointers, negative errno,
//!   outputs written only on success).
//! - [`abi`]: the `#[repr(C)]` structs and constants; cbindgen turns it
//!   into `ffi/generated/herd_rs.h`.
//!
//! herd is a static musl program with no Rust runtime: this crate is a
//! `no_std` staticlib with its own panic handler, which aborts (a
//! reachable panic is a bug the differential fuzzer must find).
#![cfg_attr(not(test), no_std)]

pub mod abi;
pub mod decide;
pub mod ffi;
pub mod parse;

#[cfg(not(test))]
mod rt {
    extern "C" {
        fn abort() -> !;
    }

    #[panic_handler]
    fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
        // SAFETY: libc's abort() takes nothing and never returns.
        unsafe { abort() }
    }

    /// The prebuilt host `core` was compiled to unwind and its unwind
    /// tables name this routine; nothing unwinds here (`panic = "abort"`),
    /// so it is never called.
    #[no_mangle]
    pub extern "C" fn rust_eh_personality() {
        // SAFETY: as above.
        unsafe { abort() }
    }
}
