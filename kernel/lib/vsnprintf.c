// SPDX-License-Identifier: GPL-2.0
/*
 * Bounded formatted output without floating point.
 *
 * All va_arg() calls go through a pointer to a va_copy()'d list: on
 * x86_64 va_list is an array type, so handing the parameter itself to
 * helpers would not be portable.
 */
#include <stdbool.h>
#include <stdint.h>
#include <alloy/printf.h>
#include <alloy/string.h>

#define F_LEFT		(1u << 0)	/* '-' */
#define F_ZERO		(1u << 1)	/* '0' */
#define F_PLUS		(1u << 2)	/* '+' */
#define F_SPACE		(1u << 3)	/* ' ' */
#define F_ALT		(1u << 4)	/* '#' */

enum length {
	LEN_NONE,
	LEN_HH,
	LEN_H,
	LEN_L,
	LEN_LL,
	LEN_Z,
	LEN_T,
	LEN_J,
};

struct spec {
	unsigned int flags;
	int width;		/* 0 when absent */
	int prec;		/* -1 when absent */
	enum length len;
	char conv;
};

/* Output cursor: len keeps counting after buf is full. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

/* Widths beyond this are clamped rather than overflowing an int. */
#define MAX_WIDTH	(1 << 20)

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
	if (o->len + 1 < o->size) {
		size_t room = o->size - 1 - o->len;

		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void out_repeat(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int parse_number(const char **fmt)
{
	int n = 0;

	while (is_digit(**fmt)) {
		if (n < MAX_WIDTH)
			n = n * 10 + (**fmt - '0');
		(*fmt)++;
	}
	return n < MAX_WIDTH ? n : MAX_WIDTH;
}

static const char *parse_flags(const char *fmt, struct spec *sp)
{
	for (;; fmt++) {
		switch (*fmt) {
		case '-': sp->flags |= F_LEFT; break;
		case '0': sp->flags |= F_ZERO; break;
		case '+': sp->flags |= F_PLUS; break;
		case ' ': sp->flags |= F_SPACE; break;
		case '#': sp->flags |= F_ALT; break;
		default: return fmt;
		}
	}
}

/* A negative '*' width means left-justify, as in C. */
static const char *parse_width(const char *fmt, struct spec *sp, va_list *ap)
{
	int w;

	if (*fmt != '*') {
		sp->width = parse_number(&fmt);
		return fmt;
	}
	w = va_arg(*ap, int);
	if (w < 0) {
		sp->flags |= F_LEFT;
		w = w == INT32_MIN ? MAX_WIDTH : -w;
	}
	sp->width = w < MAX_WIDTH ? w : MAX_WIDTH;
	return fmt + 1;
}

/* A negative '*' precision is taken as if none was given. */
static const char *parse_prec(const char *fmt, struct spec *sp, va_list *ap)
{
	int p;

	sp->prec = -1;
	if (*fmt != '.')
		return fmt;
	fmt++;
	if (*fmt != '*') {
		sp->prec = parse_number(&fmt);
		return fmt;
	}
	p = va_arg(*ap, int);
	sp->prec = p < 0 ? -1 : (p < MAX_WIDTH ? p : MAX_WIDTH);
	return fmt + 1;
}

static const char *parse_length(const char *fmt, struct spec *sp)
{
	sp->len = LEN_NONE;
	switch (*fmt) {
	case 'h':
		if (fmt[1] == 'h') {
			sp->len = LEN_HH;
			return fmt + 2;
		}
		sp->len = LEN_H;
		return fmt + 1;
	case 'l':
		if (fmt[1] == 'l') {
			sp->len = LEN_LL;
			return fmt + 2;
		}
		sp->len = LEN_L;
		return fmt + 1;
	case 'z': sp->len = LEN_Z; return fmt + 1;
	case 't': sp->len = LEN_T; return fmt + 1;
	case 'j': sp->len = LEN_J; return fmt + 1;
	default: return fmt;
	}
}

/* Parse everything after '%'; returns the position after the conversion. */
static const char *parse_spec(const char *fmt, struct spec *sp, va_list *ap)
{
	sp->flags = 0;
	fmt = parse_flags(fmt, sp);
	fmt = parse_width(fmt, sp, ap);
	fmt = parse_prec(fmt, sp, ap);
	fmt = parse_length(fmt, sp);
	sp->conv = *fmt;
	return *fmt ? fmt + 1 : fmt;
}

/* Narrowing casts reproduce the argument promotion C undid for us. */
static long long fetch_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H: return (short)va_arg(*ap, int);
	case LEN_L: return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	case LEN_Z: return (long long)va_arg(*ap, size_t);
	case LEN_T: return va_arg(*ap, ptrdiff_t);
	case LEN_J: return va_arg(*ap, intmax_t);
	default: return va_arg(*ap, int);
	}
}

static unsigned long long fetch_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H: return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L: return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z: return va_arg(*ap, size_t);
	case LEN_T: return (size_t)va_arg(*ap, ptrdiff_t);
	case LEN_J: return va_arg(*ap, uintmax_t);
	default: return va_arg(*ap, unsigned int);
	}
}

/* Digits of val, least significant first; returns how many. */
static int to_digits(char *tmp, unsigned long long val, unsigned int base,
		     bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	do {
		tmp[n++] = digits[val % base];
		val /= base;
	} while (val);
	return n;
}

static int sign_prefix(const struct spec *sp, bool negative, char *prefix)
{
	if (negative)
		prefix[0] = '-';
	else if (sp->flags & F_PLUS)
		prefix[0] = '+';
	else if (sp->flags & F_SPACE)
		prefix[0] = ' ';
	else
		return 0;
	return 1;
}

/*
 * Layout: [spaces][prefix][zeros][digits][spaces]. The precision is the
 * minimum digit count; a zero value with precision 0 prints no digits.
 */
static void format_number(struct out *o, const struct spec *sp,
			  unsigned long long val, bool negative,
			  unsigned int base)
{
	char tmp[24], prefix[2];
	int ndigits = 0, nprefix = 0, prec = sp->prec, pad;

	if (sp->conv == 'd' || sp->conv == 'i')
		nprefix = sign_prefix(sp, negative, prefix);
	if (val || prec != 0)
		ndigits = to_digits(tmp, val, base, sp->conv == 'X');
	if ((sp->flags & F_ALT) && base == 16 && val) {
		prefix[0] = '0';
		prefix[1] = sp->conv;
		nprefix = 2;
	}
	/* "#o" only guarantees a leading zero digit. */
	if ((sp->flags & F_ALT) && base == 8 && (ndigits == 0 ||
	    tmp[ndigits - 1] != '0') && prec <= ndigits)
		prec = ndigits + 1;
	if (prec < ndigits)
		prec = ndigits;
	if ((sp->flags & F_ZERO) && !(sp->flags & F_LEFT) && sp->prec < 0 &&
	    sp->width > nprefix + prec)
		prec = sp->width - nprefix;
	pad = sp->width - nprefix - prec;

	if (!(sp->flags & F_LEFT))
		out_repeat(o, ' ', pad);
	out_mem(o, prefix, nprefix);
	out_repeat(o, '0', prec - ndigits);
	while (ndigits)
		out_char(o, tmp[--ndigits]);
	if (sp->flags & F_LEFT)
		out_repeat(o, ' ', pad);
}

/* Negate in unsigned arithmetic so that LLONG_MIN works too. */
static void format_signed(struct out *o, const struct spec *sp, long long v)
{
	unsigned long long mag = v;

	if (v < 0)
		mag = 0 - mag;
	format_number(o, sp, mag, v < 0, 10);
}

static void format_padded(struct out *o, const struct spec *sp,
			  const char *s, size_t n)
{
	int pad = 0;

	if (n < (size_t)sp->width)
		pad = sp->width - (int)n;
	if (!(sp->flags & F_LEFT))
		out_repeat(o, ' ', pad);
	out_mem(o, s, n);
	if (sp->flags & F_LEFT)
		out_repeat(o, ' ', pad);
}

/* strnlen keeps "%.3s" safe on arrays that are not NUL-terminated. */
static void format_string(struct out *o, const struct spec *sp,
			  const char *s)
{
	size_t n;

	if (!s)
		s = "(null)";
	n = sp->prec < 0 ? strlen(s) : strnlen(s, sp->prec);
	format_padded(o, sp, s, n);
}

static void format_pointer(struct out *o, const struct spec *sp,
			   const void *p)
{
	char text[18];
	uint64_t v = (uintptr_t)p;
	int i;

	text[0] = '0';
	text[1] = 'x';
	for (i = 17; i >= 2; i--, v >>= 4)
		text[i] = "0123456789abcdef"[v & 0xf];
	format_padded(o, sp, text, sizeof(text));
}

/* Returns false for a conversion we do not know. */
static bool format_one(struct out *o, const struct spec *sp, va_list *ap)
{
	char c;

	switch (sp->conv) {
	case 'd':
	case 'i':
		format_signed(o, sp, fetch_signed(sp, ap));
		return true;
	case 'u':
		format_number(o, sp, fetch_unsigned(sp, ap), false, 10);
		return true;
	case 'x':
	case 'X':
		format_number(o, sp, fetch_unsigned(sp, ap), false, 16);
		return true;
	case 'o':
		format_number(o, sp, fetch_unsigned(sp, ap), false, 8);
		return true;
	case 'c':
		c = (char)va_arg(*ap, int);
		format_padded(o, sp, &c, 1);
		return true;
	case 's':
		format_string(o, sp, va_arg(*ap, const char *));
		return true;
	case 'p':
		format_pointer(o, sp, va_arg(*ap, const void *));
		return true;
	case '%':
		out_char(o, '%');
		return true;
	default:
		return false;
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };
	struct spec sp;
	const char *start;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			start = fmt;
			while (*fmt && *fmt != '%')
				fmt++;
			out_mem(&o, start, fmt - start);
			continue;
		}
		start = fmt;
		fmt = parse_spec(fmt + 1, &sp, &args);
		if (!format_one(&o, &sp, &args))
			out_mem(&o, start, fmt - start);
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len < INT32_MAX ? (int)o.len : INT32_MAX;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return ret;
}
