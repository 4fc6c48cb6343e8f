//! The Rust staticlib of the Alloy kernel (`liballoy_rs.a`): it links
//! every Rust component and holds the one panic handler.
//!
//! Built for `x86_64-unknown-none` it goes into the kernel (`FFI=1`);
//! built for the host it goes into the differential fuzzer, which provides
//! the services of `ffi/services.h` itself.
#![cfg_attr(not(test), no_std)]

// The components: re-exported so their `#[no_mangle]` exports are in the
// staticlib.
pub use alloy_elf;
pub use alloy_ext2;

mod panic;

/// Host builds only (the differential fuzzer): the prebuilt host `core`
/// was compiled to unwind, and its unwind tables name this personality
/// routine. Nothing unwinds here (`panic = "abort"`), so it is never
/// called; the kernel build compiles `core` itself with `panic = "abort"`
/// and has no such reference.
#[cfg(all(not(test), not(target_os = "none")))]
#[no_mangle]
pub extern "C" fn rust_eh_personality() -> ! {
    kbind::fatal("rust_eh_personality: Rust code does not unwind")
}
