/*
 * The kernel services that Rust components may call (DESIGN §5). bindgen
 * turns this header into rust/kbind/src/bindings.rs (scripts/gen-ffi.sh);
 * rust/kbind wraps it in safe functions. The kernel implements it in
 * ffi/services.c; host programs that link the Rust staticlib (the
 * differential fuzzer) provide their own.
 *
 * Strings are (pointer, length) pairs: not NUL-terminated, read only
 * during the call, UTF-8 (not validated by the callee).
 *
 * Self-contained on purpose (only <stddef.h>): bindgen parses it alone.
 */
#ifndef FFI_SERVICES_H
#define FFI_SERVICES_H

#include <stddef.h>

/* Log levels of alloy_log(): the values of printk's LOG_* (alloy/printk.h). */
#define ALLOY_LOG_ERR 3
#define ALLOY_LOG_WARN 4
#define ALLOY_LOG_INFO 6
#define ALLOY_LOG_DEBUG 7

/* Logs msg[0..len) at level; the callee adds the newline. */
void alloy_log(int level, const char *msg, size_t len);

/* The Rust panic handler's way out: the kernel's panic() with msg[0..len). */
__attribute__((noreturn)) void alloy_rust_panic(const char *msg, size_t len);

#endif
