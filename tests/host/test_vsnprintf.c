// SOURCES:
/*
 * Host test for kernel/lib/vsnprintf.c.
 *
 * Our functions are called vsnprintf/snprintf like glibc's, and this
 * test needs both. So the kernel source is #included here with its two
 * public names renamed to k_vsnprintf/k_snprintf, and only then is
 * <stdio.h> pulled in for the reference implementation. That is why
 * the SOURCES line above is empty. memcpy/strlen/strnlen used by the
 * kernel file resolve to libc (under ASan's interceptors).
 */
#define vsnprintf k_vsnprintf
#define snprintf k_snprintf
#include "../../kernel/lib/vsnprintf.c"
#undef vsnprintf
#undef snprintf

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define OUT_MAX 1024

/* Run both implementations on the same arguments and compare. */
__attribute__((format(printf, 2, 3)))
static void cmp_line(int line, const char *fmt, ...)
{
	char ours[OUT_MAX], ref[OUT_MAX];
	va_list ap, ap2;
	int r_ours, r_ref;

	memset(ours, 'A', sizeof(ours));
	memset(ref, 'B', sizeof(ref));
	va_start(ap, fmt);
	va_copy(ap2, ap);
	r_ours = k_vsnprintf(ours, sizeof(ours), fmt, ap);
	r_ref = vsnprintf(ref, sizeof(ref), fmt, ap2);
	va_end(ap2);
	va_end(ap);
	/* memcmp, not strcmp: "%c" of 0 puts a NUL inside the output. */
	CHECK(r_ours == r_ref && r_ref < OUT_MAX &&
	      memcmp(ours, ref, r_ref + 1) == 0,
	      "line %d: fmt \"%s\": ours \"%s\" (%d), glibc \"%s\" (%d)",
	      line, fmt, ours, r_ours, ref, r_ref);
}

#define CMP(fmt, ...) cmp_line(__LINE__, fmt, ##__VA_ARGS__)

static void test_integers(void)
{
	CMP("plain text");
	CMP("%d", 0);
	CMP("%d", 42);
	CMP("%d", -42);
	CMP("%d", INT_MAX);
	CMP("%d", INT_MIN);
	CMP("%i", INT_MIN);
	CMP("%u", UINT_MAX);
	CMP("%u", 0u);
	CMP("%x", 0xdeadbeefu);
	CMP("%X", 0xdeadbeefu);
	CMP("%o", 0755u);
	CMP("%o", UINT_MAX);
	CMP("%ld", LONG_MIN);
	CMP("%ld", LONG_MAX);
	CMP("%lu", ULONG_MAX);
	CMP("%lx", ULONG_MAX);
	CMP("%lld", LLONG_MIN);
	CMP("%lld", LLONG_MAX);
	CMP("%llu", ULLONG_MAX);
	CMP("%llx", ULLONG_MAX);
	CMP("%llX", 0x0123456789abcdefULL);
	CMP("%llo", ULLONG_MAX);
	CMP("%lli", -1LL);
	CMP("%hhd", 300);
	CMP("%hhd", -129);
	CMP("%hhu", -1);
	CMP("%hhx", 0x1ff);
	CMP("%hd", 70000);
	CMP("%hd", -32769);
	CMP("%hu", -1);
	CMP("%hx", 0xabcdef);
	CMP("%zu", SIZE_MAX);
	CMP("%zd", (size_t)-5);
	CMP("%zx", (size_t)0x1234);
	CMP("%td", PTRDIFF_MIN);
	CMP("%td", PTRDIFF_MAX);
	CMP("%tx", (ptrdiff_t)-1);
	CMP("%jd", INTMAX_MIN);
	CMP("%ju", UINTMAX_MAX);
	CMP("%jx", (uintmax_t)0xfeed);
}

static void test_flags(void)
{
	CMP("%+d", 5);
	CMP("%+d", -5);
	CMP("%+d", 0);
	CMP("% d", 5);
	CMP("% d", -5);
	CMP("%-5d|", 42);
	CMP("%-5d|", -42);
	CMP("%5d|", -42);
	CMP("%05d", 42);
	CMP("%05d", -42);
	CMP("%+05d", 42);
	CMP("% 05d", 42);
	CMP("%1d", 12345);
	CMP("%20lld", LLONG_MIN);
	CMP("%025lld", LLONG_MIN);
	CMP("%-25lld|", LLONG_MIN);
	CMP("%#x", 255u);
	CMP("%#X", 255u);
	CMP("%#x", 0u);
	CMP("%#o", 8u);
	CMP("%#o", 0u);
	CMP("%#10x|", 255u);
	CMP("%#-10x|", 255u);
	CMP("%#010x", 255u);
	CMP("%#010X", 255u);
	CMP("%#llx", ULLONG_MAX);
	CMP("%#llo", ULLONG_MAX);
	CMP("%010u", 123u);
	CMP("%300d|", 1);
	CMP("%-300d|", 1);
}

/*
 * Legal but odd combinations that -Wformat (rightly) complains about;
 * the point here is to match glibc on them anyway.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
static void test_odd_flags(void)
{
	CMP("");
	CMP("%+ d", 5);
	CMP("% +d", 5);
	CMP("%+u", 5u);
	CMP("% x", 5u);
	CMP("%-010u|", 123u);
	CMP("%0-10u|", 123u);
	CMP("%--5d|", 3);
	CMP("%00005d", 3);
	CMP("%05.3d", 7);
	CMP("%08.3d", -7);
}
#pragma GCC diagnostic pop

static void test_precision(void)
{
	CMP("%.0d", 0);
	CMP("%.0d", 1);
	CMP("%.d", 0);
	CMP("%5.0d|", 0);
	CMP("%+.0d", 0);
	CMP("% .0d", 0);
	CMP("%.3d", 7);
	CMP("%.3d", -7);
	CMP("%+.3d", 7);
	CMP("%5.3d|", -7);
	CMP("%-5.3d|", 7);
	CMP("%.10lld", LLONG_MIN);
	CMP("%.25lld", LLONG_MIN);
	CMP("%.3x", 0xau);
	CMP("%#.3x", 0xau);
	CMP("%#8.3x|", 0xau);
	CMP("%#.0x", 0u);
	CMP("%.0x", 0u);
	CMP("%#.0o", 0u);
	CMP("%#.3o", 8u);
	CMP("%#.2o", 8u);
	CMP("%#5o|", 8u);
	CMP("%.0u", 0u);
	CMP("%.1u", 0u);
	CMP("%.20u", 1u);
}

static void test_star(void)
{
	CMP("%*d|", 6, 42);
	CMP("%*d|", -6, 42);
	CMP("%-*d|", 6, 42);
	CMP("%-*d|", -6, 42);
	CMP("%.*d", 4, 42);
	CMP("%.*d", -1, 42);
	CMP("%.*d", 0, 0);
	CMP("%.*d", -3, 0);
	CMP("%*.*d|", 8, 5, -42);
	CMP("%*.*d|", -8, 5, -42);
	CMP("%0*d", 6, -42);
	CMP("%*s|", 7, "ab");
	CMP("%*s|", -7, "ab");
	CMP("%.*s|", 3, "abcdef");
	CMP("%.*s|", -3, "abcdef");
	CMP("%*c|", 3, 'z');
}

static void test_chars_strings(void)
{
	const char *volatile null_str = NULL;
	const char unterminated[3] = { 'x', 'y', 'z' };

	CMP("%c", 'a');
	CMP("%c%c%c", 'a', 'b', 'c');
	CMP("%3c|", 'a');
	CMP("%-3c|", 'a');
	CMP("[%c]", 0);
	CMP("%c", 0x141);
	CMP("%s", "hello");
	CMP("%s", "");
	CMP("%10s|", "hello");
	CMP("%-10s|", "hello");
	CMP("%2s|", "hello");
	CMP("%.2s|", "hello");
	CMP("%.0s|", "hello");
	CMP("%.10s|", "hello");
	CMP("%10.2s|", "hello");
	CMP("%-10.2s|", "hello");
	CMP("%.3s", unterminated);
	CMP("%s", null_str);
	CMP("%10s|", null_str);
	CMP("%-10s|", null_str);
	CMP("%%");
	CMP("100%% sure");
	CMP("%%%d%%", 5);
	CMP("%s=%d, %s=%#x, %c%%", "a", -1, "b", 16u, '!');
	CMP("%5d%-5d%05d|%s", 1, 2, 3, "end");
}

/* Behaviour glibc does not share or that is ours by definition. */
static void expect_line(int line, const char *got, int ret, const char *want)
{
	CHECK(strcmp(got, want) == 0 && ret == (int)strlen(want),
	      "line %d: got \"%s\" (%d), want \"%s\"", line, got, ret, want);
}

#define EXPECT(want, fmt, ...) do {					\
	char __buf[128];						\
	int __r = k_snprintf(__buf, sizeof(__buf), fmt, ##__VA_ARGS__);	\
	expect_line(__LINE__, __buf, __r, want);			\
} while (0)

static void test_pointers(void)
{
	EXPECT("0x0000000000000000", "%p", (void *)NULL);
	EXPECT("0x0000000000001234", "%p", (void *)0x1234);
	EXPECT("0xffffffff80000000", "%p", (void *)0xffffffff80000000ULL);
	EXPECT("0xffffffffffffffff", "%p", (void *)~0ULL);
	EXPECT("0xdeadbeefcafef00d", "%p", (void *)0xdeadbeefcafef00dULL);
	EXPECT("[  0x00000000000000ab]", "[%20p]", (void *)0xab);
	EXPECT("[0x00000000000000ab  ]", "[%-20p]", (void *)0xab);
	EXPECT("[0x00000000000000ab]", "[%5p]", (void *)0xab);
	EXPECT("p=0x0000000000000010 q=0x0000000000000020", "p=%p q=%p",
	       (void *)0x10, (void *)0x20);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
static void test_ours_only(void)
{
	const char *volatile null_str = NULL;

	/* Unknown conversions are copied through without using an argument. */
	EXPECT("%q", "%q");
	EXPECT("a%5kb", "a%5kb");
	EXPECT("%y7", "%y%d", 7);
	EXPECT("%n", "%n");
	EXPECT("%ln", "%ln");
	EXPECT("%f", "%f");
	EXPECT("abc%", "abc%");
	EXPECT("abc%-5", "abc%-5");
	EXPECT("abc%ll", "abc%ll");
	/* Precision cuts "(null)" like any other string. */
	EXPECT("(nu", "%.3s", null_str);
	EXPECT("(null)", "%.6s", null_str);
	/* The '0' flag only pads numbers. */
	EXPECT("   ab", "%05s", "ab");
	EXPECT("    x", "%05c", 'x');
	/* "%5%" is just a percent sign. */
	EXPECT("%", "%5%");
}
#pragma GCC diagnostic pop

/* Copy fmt's full output into full[] using glibc, return its length. */
static int reference(char *full, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(full, OUT_MAX, fmt, copy);
	va_end(copy);
	return n;
}

/*
 * Every buffer size from 0 to past the full length: each buffer is a
 * heap block of exactly that size so ASan catches a write past it, and
 * size 0 is also tried with a NULL buffer.
 */
__attribute__((format(printf, 2, 3)))
static void truncation_line(int line, const char *fmt, ...)
{
	char full[OUT_MAX];
	va_list ap, copy;
	int len, r;
	size_t size;
	bool ok = true;

	va_start(ap, fmt);
	len = reference(full, fmt, ap);
	for (size = 0; ok && size <= (size_t)len + 2; size++) {
		char *buf = size ? malloc(size) : NULL;

		if (size)
			memset(buf, 'Z', size);
		va_copy(copy, ap);
		r = k_vsnprintf(buf, size, fmt, copy);
		va_end(copy);
		ok = CHECK(r == len, "line %d: size %zu returns %d (want %d)",
			   line, size, r, len);
		if (ok && size) {
			size_t n = size - 1 < (size_t)len ? size - 1 : (size_t)len;

			ok = CHECK(memcmp(buf, full, n) == 0 && buf[n] == '\0',
				   "line %d: size %zu holds \"%.*s\"", line,
				   size, (int)n, buf);
		}
		free(buf);
	}
	va_end(ap);
}

#define TRUNC(fmt, ...) truncation_line(__LINE__, fmt, ##__VA_ARGS__)

static void test_truncation(void)
{
	TRUNC("hello, world");
	TRUNC("%d|%s|%x", INT_MIN, "str", 0xabcu);
	TRUNC("%-20lld|%#020llx", LLONG_MIN, 0x1234ULL);
	TRUNC("%10.3s%c%c%%", "abcdef", 'x', 0);
	TRUNC("%s", "");
	TRUNC("%300d", 9);
}

int main(void)
{
	test_integers();
	test_flags();
	test_odd_flags();
	test_precision();
	test_star();
	test_chars_strings();
	test_pointers();
	test_ours_only();
	test_truncation();
	return check_done();
}
