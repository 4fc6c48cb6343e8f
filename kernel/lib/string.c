// SPDX-License-Identifier: GPL-2.0
/*
 * Freestanding string and memory routines.
 *
 * gcc may emit calls to memcpy/memset/memmove for struct copies and for
 * loops it recognises as such, even with -ffreestanding. These are the
 * definitions those calls land in, so none of the loops below may be
 * turned back into such a call: that would recurse forever.
 */
#include <stdbool.h>
#include <stdint.h>
#include <alloy/string.h>

#define __no_mem_patterns \
	__attribute__((optimize("no-tree-loop-distribute-patterns")))

/* Unaligned 8-byte access; x86 handles misalignment in hardware. */
typedef uint64_t __attribute__((may_alias, aligned(1))) unaligned_u64;

/*
 * Plain loops of 8-byte moves, four at a time. Not `rep movsb`: under
 * QEMU's TCG, which make test and make bench run on, a rep string
 * instruction costs a translated-block round trip per byte, and a
 * 96-byte struct copy was a third of an ext2 directory scan (the
 * profile in docs/profiling.md). Each group of four is loaded before it
 * is stored, so a forward copy stays correct for overlapping buffers
 * with dst below src (memmove relies on that).
 */
__no_mem_patterns
void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n >= 32) {
		uint64_t a = *(const unaligned_u64 *)s, b = *(const unaligned_u64 *)(s + 8);
		uint64_t c = *(const unaligned_u64 *)(s + 16), e = *(const unaligned_u64 *)(s + 24);

		*(unaligned_u64 *)d = a;
		*(unaligned_u64 *)(d + 8) = b;
		*(unaligned_u64 *)(d + 16) = c;
		*(unaligned_u64 *)(d + 24) = e;
		d += 32, s += 32, n -= 32;
	}
	while (n >= 8) {
		*(unaligned_u64 *)d = *(const unaligned_u64 *)s;
		d += 8, s += 8, n -= 8;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

__no_mem_patterns
void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t v = (unsigned char)c * 0x0101010101010101ULL;

	while (n >= 32) {
		*(unaligned_u64 *)d = v;
		*(unaligned_u64 *)(d + 8) = v;
		*(unaligned_u64 *)(d + 16) = v;
		*(unaligned_u64 *)(d + 24) = v;
		d += 32, n -= 32;
	}
	while (n >= 8) {
		*(unaligned_u64 *)d = v;
		d += 8, n -= 8;
	}
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

/*
 * Copying backwards with "std; rep movsb" would leave DF set for a
 * moment, and an interrupt arriving then would run with the wrong
 * direction unless every entry path clears it. A plain loop avoids
 * depending on that.
 */
__no_mem_patterns
static void copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
	while (n >= 8) {
		n -= 8;
		*(unaligned_u64 *)(d + n) = *(const unaligned_u64 *)(s + n);
	}
	while (n) {
		n--;
		d[n] = s[n];
	}
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/* Forward copying is safe unless dst starts inside [src, src+n). */
	if ((uintptr_t)d - (uintptr_t)s >= n)
		return memcpy(dst, src, n);
	copy_backward(d, s, n);
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
	}
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

size_t strnlen(const char *s, size_t maxlen)
{
	size_t n = 0;

	while (n < maxlen && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p && *p == *q) {
		p++;
		q++;
	}
	return (*p > *q) - (*p < *q);
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
		if (!*p)
			break;
	}
	return 0;
}

/* As in C, the terminating NUL counts as part of the string. */
char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Value of c as a digit in any base up to 36, or 36 if it is none. */
static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 36;
}

/*
 * Skip a "0x" prefix only when a hex digit follows: "0xg" is the
 * number 0 followed by "xg", as in the C library.
 */
static int parse_base(const char **sp, int base)
{
	const char *s = *sp;
	bool hex_prefix = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
			  digit_value(s[2]) < 16;

	if ((base == 0 || base == 16) && hex_prefix) {
		*sp = s + 2;
		return 16;
	}
	if (base == 0)
		return s[0] == '0' ? 8 : 10;
	return base;
}

/*
 * Shared parser: returns the magnitude, saturated to ULLONG_MAX with
 * *overflow set when it does not fit. *end is s itself when no digits
 * were found.
 */
static unsigned long long parse_magnitude(const char *s, char **end, int base,
					  bool *negative, bool *overflow)
{
	const char *start = s;
	unsigned long long val = 0;
	bool any = false;
	int d;

	*negative = false;
	*overflow = false;
	while (is_space(*s))
		s++;
	if (*s == '+' || *s == '-')
		*negative = *s++ == '-';
	if (base < 0 || base == 1 || base > 36)
		goto out;
	base = parse_base(&s, base);
	for (; (d = digit_value(*s)) < base; s++) {
		any = true;
		if (__builtin_mul_overflow(val, (unsigned)base, &val) ||
		    __builtin_add_overflow(val, (unsigned)d, &val))
			*overflow = true;
	}
out:
	if (end)
		*end = (char *)(any ? s : start);
	if (*overflow)
		return ~0ULL;
	return any ? val : 0;
}

unsigned long long strtoull(const char *s, char **end, int base)
{
	bool negative, overflow;
	unsigned long long val;

	val = parse_magnitude(s, end, base, &negative, &overflow);
	if (overflow)
		return val;
	return negative ? 0 - val : val;
}

long long strtoll(const char *s, char **end, int base)
{
	bool negative, overflow;
	unsigned long long val;
	unsigned long long limit = __LONG_LONG_MAX__;

	val = parse_magnitude(s, end, base, &negative, &overflow);
	if (negative) {
		if (overflow || val > limit + 1)
			return -__LONG_LONG_MAX__ - 1;
		/* Negate in unsigned arithmetic so -2^63 does not overflow. */
		return (long long)(0 - val);
	}
	if (overflow || val > limit)
		return __LONG_LONG_MAX__;
	return (long long)val;
}
