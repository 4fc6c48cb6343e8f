// SOURCES:
/*
 * Host test for kernel/lib/string.c.
 *
 * The kernel file defines memcpy, strlen, ... under the same names as
 * libc, and linking it in would silently replace libc's (and ASan's)
 * versions for the whole program. Instead it is #included here with
 * every public name renamed to k_<name>, and libc's <string.h> and
 * <stdlib.h> are included afterwards as the reference. Hence the empty
 * SOURCES line.
 *
 * ASan does not see the accesses made by the rep movsb/stosb inline
 * assembly, so the copy and fill tests surround every destination with
 * guard bytes and check those by hand.
 */
#define memcpy k_memcpy
#define memmove k_memmove
#define memset k_memset
#define memcmp k_memcmp
#define strlen k_strlen
#define strnlen k_strnlen
#define strcmp k_strcmp
#define strncmp k_strncmp
#define strchr k_strchr
#define strrchr k_strrchr
#define strlcpy k_strlcpy
#define strtoull k_strtoull
#define strtoll k_strtoll
#include "../../kernel/lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strrchr
#undef strlcpy
#undef strtoull
#undef strtoll

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define GUARD	64
#define MAXN	300

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void fill_pattern(unsigned char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 131 + (i >> 3));
}

/* Printable form of s for TAP lines, which must not contain newlines. */
static const char *esc(const char *s)
{
	static char bufs[4][128];
	static int which;
	char *out = bufs[which++ % 4], *p = out;

	for (; *s && p < out + sizeof(bufs[0]) - 5; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			p += sprintf(p, "\\x%02x", (unsigned char)*s);
		else
			*p++ = *s;
	}
	*p = '\0';
	return out;
}

static bool all_equal(const unsigned char *p, size_t n, unsigned char c)
{
	while (n--)
		if (*p++ != c)
			return false;
	return true;
}

/* Every size 0..MAXN at every source/destination misalignment 0..7. */
static void test_memcpy(void)
{
	static unsigned char src[MAXN + 16], dst[MAXN + 16 + 2 * GUARD];
	unsigned int so, d_off, bad = 0, checked = 0;
	size_t n;
	void *r;

	fill_pattern(src, sizeof(src), 7);
	for (n = 0; n <= MAXN; n++) {
		for (so = 0; so < 8; so++) {
			for (d_off = 0; d_off < 8; d_off++) {
				unsigned char *d = dst + GUARD + d_off;

				memset(dst, 0xcc, sizeof(dst));
				r = k_memcpy(d, src + so, n);
				checked++;
				if (r != d || memcmp(d, src + so, n) ||
				    !all_equal(dst, GUARD + d_off, 0xcc) ||
				    !all_equal(d + n, sizeof(dst) - GUARD -
					       d_off - n, 0xcc))
					bad++;
			}
		}
	}
	CHECK(bad == 0, "memcpy: %u of %u size/alignment cases wrong",
	      bad, checked);
}

static void test_memset(void)
{
	static unsigned char buf[MAXN + 8 + 2 * GUARD];
	static const int values[] = { 0, 0x5a, 0xff, -1, 0x1ab, -255 };
	unsigned int off, v, bad = 0, checked = 0;
	size_t n;

	for (n = 0; n <= MAXN; n++) {
		for (off = 0; off < 8; off++) {
			for (v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
				unsigned char *d = buf + GUARD + off;

				memset(buf, 0xcc, sizeof(buf));
				checked++;
				if (k_memset(d, values[v], n) != d ||
				    !all_equal(d, n, (unsigned char)values[v]) ||
				    !all_equal(buf, GUARD + off, 0xcc) ||
				    !all_equal(d + n, sizeof(buf) - GUARD - off - n,
					       0xcc))
					bad++;
			}
		}
	}
	CHECK(bad == 0, "memset: %u of %u size/alignment/value cases wrong",
	      bad, checked);
}

/* Overlap in both directions, compared against libc's memmove. */
static void test_memmove(void)
{
	unsigned char ours[256], ref[256];
	unsigned int bad = 0, checked = 0;
	int shift;
	size_t n, at;

	for (n = 0; n <= 80; n++) {
		for (shift = -17; shift <= 17; shift++) {
			for (at = 20; at < 28; at++) {
				void *r;

				fill_pattern(ours, sizeof(ours), n + shift);
				memcpy(ref, ours, sizeof(ref));
				r = k_memmove(ours + at + shift, ours + at, n);
				memmove(ref + at + shift, ref + at, n);
				checked++;
				if (r != ours + at + shift ||
				    memcmp(ours, ref, sizeof(ref)))
					bad++;
			}
		}
	}
	CHECK(bad == 0, "memmove: %u of %u overlap cases wrong", bad, checked);
}

static void test_memcmp(void)
{
	static const struct {
		const char *a, *b;
		size_t n;
	} cases[] = {
		{ "abc", "abc", 3 }, { "abc", "abd", 3 }, { "abd", "abc", 3 },
		{ "abc", "abd", 2 }, { "", "", 0 }, { "a", "b", 0 },
		{ "\x80", "\x7f", 1 }, { "\x7f", "\x80", 1 },
		{ "\xff\x00", "\xff\x01", 2 }, { "x\0a", "x\0b", 3 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ours = k_memcmp(cases[i].a, cases[i].b, cases[i].n);
		int ref = memcmp(cases[i].a, cases[i].b, cases[i].n);

		CHECK(sign(ours) == sign(ref), "memcmp case %zu: %d vs libc %d",
		      i, ours, ref);
	}
}

static const char *const strings[] = {
	"", "a", "b", "ab", "abc", "abd", "abcd", "ABC", "\x80", "\x7f",
	"\xe9t\xe9", "hello world", "hello", "hello, world",
};
#define NSTRINGS (sizeof(strings) / sizeof(strings[0]))

static void test_lengths(void)
{
	size_t i, max;

	for (i = 0; i < NSTRINGS; i++) {
		CHECK(k_strlen(strings[i]) == strlen(strings[i]),
		      "strlen(\"%s\")", esc(strings[i]));
		for (max = 0; max < 14; max++)
			CHECK(k_strnlen(strings[i], max) ==
			      strnlen(strings[i], max),
			      "strnlen(\"%s\", %zu)", esc(strings[i]), max);
	}
}

static void test_compare(void)
{
	size_t i, j, n;

	for (i = 0; i < NSTRINGS; i++) {
		for (j = 0; j < NSTRINGS; j++) {
			const char *a = strings[i], *b = strings[j];

			CHECK(sign(k_strcmp(a, b)) == sign(strcmp(a, b)),
			      "strcmp(\"%s\", \"%s\")", esc(a), esc(b));
			for (n = 0; n < 6; n++)
				CHECK(sign(k_strncmp(a, b, n)) ==
				      sign(strncmp(a, b, n)),
				      "strncmp(\"%s\", \"%s\", %zu)", esc(a),
				      esc(b), n);
		}
	}
}

static void test_search(void)
{
	static const int chars[] = { 'a', 'b', 'l', 'o', ' ', 'z', 0, 0xe9,
				     (signed char)0xe9, 0x100 + 'a' };
	size_t i, c;

	for (i = 0; i < NSTRINGS; i++) {
		for (c = 0; c < sizeof(chars) / sizeof(chars[0]); c++) {
			const char *s = strings[i];

			CHECK(k_strchr(s, chars[c]) == strchr(s, chars[c]),
			      "strchr(\"%s\", %#x)", esc(s), chars[c]);
			CHECK(k_strrchr(s, chars[c]) == strrchr(s, chars[c]),
			      "strrchr(\"%s\", %#x)", esc(s), chars[c]);
		}
	}
}

/* glibc 2.36 has no strlcpy, so the expectation is built by hand. */
static void test_strlcpy(void)
{
	const char *src = "hello, world";
	size_t len = strlen(src), size;

	CHECK(k_strlcpy(NULL, src, 0) == len, "strlcpy to NULL, size 0");
	for (size = 0; size <= len + 3; size++) {
		char *dst = size ? malloc(size) : NULL;
		size_t want = size && size - 1 < len ? size - 1 : len;
		size_t r;

		if (size)
			memset(dst, 'Z', size);
		r = k_strlcpy(dst, src, size);
		CHECK(r == len && (!size || (memcmp(dst, src, want) == 0 &&
					     dst[want] == '\0')),
		      "strlcpy size %zu -> %zu \"%.*s\"", size, r,
		      (int)(size ? want : 0), dst ? dst : "");
		free(dst);
	}
	{
		char one[1] = { 'x' };

		CHECK(k_strlcpy(one, "", 1) == 0 && one[0] == '\0',
		      "strlcpy of empty string");
	}
}

static const char *const numbers[] = {
	"0", "1", "42", "-42", "+42", "   \t\n\v\f\r17", "  -0x1f", "0x1F",
	"0X1a", "0x", "0xg", "0x 5", "-0x", "010", "08", "0", "00", "-0",
	"", " ", "-", "+", "+-1", "- 1", "abc", "zz", "Zz", "12abc", "1e3",
	"0b101", "777", "18446744073709551615", "18446744073709551616",
	"99999999999999999999999", "-1", "-18446744073709551615",
	"-18446744073709551616", "9223372036854775807",
	"9223372036854775808", "-9223372036854775808",
	"-9223372036854775809", "0xffffffffffffffff", "0x10000000000000000",
	"01777777777777777777777", "02000000000000000000000",
	"1111111111111111111111111111111111111111111111111111111111111111",
	"11111111111111111111111111111111111111111111111111111111111111111",
	"3w5e11264sgsf", "3w5e11264sgsg", "-3w5e11264sgsf",
};
#define NNUMBERS (sizeof(numbers) / sizeof(numbers[0]))

static void test_strtoull(void)
{
	static const int bases[] = { 0, 2, 8, 10, 16, 36 };
	size_t i, b;

	for (i = 0; i < NNUMBERS; i++) {
		for (b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
			const char *s = numbers[i];
			char *end_ours, *end_ref;
			unsigned long long ours, ref;

			ours = k_strtoull(s, &end_ours, bases[b]);
			ref = strtoull(s, &end_ref, bases[b]);
			CHECK(ours == ref && end_ours == end_ref,
			      "strtoull(\"%s\", %d) = %llu end +%td, libc %llu end +%td",
			      esc(s), bases[b], ours, end_ours - s, ref,
			      end_ref - s);
		}
	}
	CHECK(k_strtoull("123", NULL, 10) == 123, "strtoull with NULL end");
}

static void test_strtoll(void)
{
	static const int bases[] = { 0, 2, 8, 10, 16, 36 };
	size_t i, b;

	for (i = 0; i < NNUMBERS; i++) {
		for (b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
			const char *s = numbers[i];
			char *end_ours, *end_ref;
			long long ours, ref;

			ours = k_strtoll(s, &end_ours, bases[b]);
			ref = strtoll(s, &end_ref, bases[b]);
			CHECK(ours == ref && end_ours == end_ref,
			      "strtoll(\"%s\", %d) = %lld end +%td, libc %lld end +%td",
			      esc(s), bases[b], ours, end_ours - s, ref,
			      end_ref - s);
		}
	}
	CHECK(k_strtoll("-77", NULL, 10) == -77, "strtoll with NULL end");
}

/* An invalid base parses nothing: our own rule, glibc leaves end alone. */
static void test_bad_base(void)
{
	const char *s = "123";
	char *end = NULL;

	CHECK(k_strtoull(s, &end, 1) == 0 && end == s, "strtoull base 1");
	CHECK(k_strtoll(s, &end, 37) == 0 && end == s, "strtoll base 37");
	CHECK(k_strtoll(s, &end, -2) == 0 && end == s, "strtoll base -2");
}

int main(void)
{
	test_memcpy();
	test_memset();
	test_memmove();
	test_memcmp();
	test_lengths();
	test_compare();
	test_search();
	test_strlcpy();
	test_strtoull();
	test_strtoll();
	test_bad_base();
	return check_done();
}
