/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ALLOY_STRING_H
#define ALLOY_STRING_H

#include <stddef.h>

/*
 * The prototypes match the C library ones so that code using them can
 * also be built for the host, where they resolve to libc.
 */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t maxlen);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

/*
 * Copy at most size - 1 bytes and always NUL-terminate when size > 0.
 * Returns strlen(src), so a result >= size means truncation.
 */
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * Like the C library: leading white space and a sign are accepted,
 * base 0 picks 16 for "0x", 8 for "0" and 10 otherwise. There is no
 * errno; out-of-range values saturate instead.
 */
unsigned long long strtoull(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);

#endif /* ALLOY_STRING_H */
