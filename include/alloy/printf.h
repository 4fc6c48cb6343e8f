/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ALLOY_PRINTF_H
#define ALLOY_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * C99 semantics: the return value is the length the full output would
 * have had, and buf is always NUL-terminated when size > 0.
 *
 * Supported: flags "-0+ #", width and precision (also "*"), length
 * modifiers hh h l ll z t j, conversions d i u x X o c s p %.
 * "%p" is always "0x" plus 16 lowercase hex digits. A NULL "%s" prints
 * "(null)". There is no floating point, and unknown conversions
 * (including "%n") are copied to the output literally.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* ALLOY_PRINTF_H */
