/*
 * The kernel services Rust components may call (ffi/services.h). Built
 * only with FFI=1. Inputs are (pointer, length) pairs, never assumed to be
 * NUL-terminated, and lengths are clamped.
 */
#include <alloy/printk.h>
#include <ffi/services.h>

#define MAX_MSG 256

void alloy_rust_panic(const char *msg, size_t len)
{
	if (!msg)
		len = 0;
	panic("rust: %.*s", (int)(len > MAX_MSG ? MAX_MSG : len), msg ? msg : "");
}

void alloy_log(int level, const char *msg, size_t len)
{
	if (!msg)
		return;
	if (level < LOG_ERR || level > LOG_DEBUG)
		level = LOG_INFO;
	printk(level, "rust: %.*s\n", (int)(len > MAX_MSG ? MAX_MSG : len), msg);
}
