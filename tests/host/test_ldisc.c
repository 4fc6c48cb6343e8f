// SOURCES: kernel/drivers/tty_ldisc.c
/*
 * Host test for the TTY line discipline (kernel/drivers/tty_ldisc.c).
 *
 * Bytes are typed one at a time with an echo buffer malloc'ed at
 * exactly the capacity passed, so that ASan reports any write past it.
 * The expected echo and line contents are what Linux's n_tty produces
 * with the same termios; signals are compared with the host's numbers,
 * which are Linux x86_64's.
 */
#include <alloy/tty.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static struct ldisc ld;

static char echoed[4 * LDISC_BUF * 8];	/* all echo since reset() */
static size_t echoed_len;
static int last_sig;			/* last nonzero receive() result */

static void reset(void)
{
	ldisc_init(&ld);
	echoed_len = 0;
	last_sig = 0;
}

/* Types n bytes with an echo buffer of cap bytes. */
static void type_cap(const char *s, size_t n, size_t cap)
{
	u8 *echo = malloc(cap);
	size_t i, len;
	int sig;

	for (i = 0; i < n; i++) {
		len = ~(size_t)0;
		sig = ldisc_receive(&ld, (u8)s[i], echo, cap, &len);
		if (len > cap) {
			CHECK(false, "echo_len %zu > cap %zu", len, cap);
			break;
		}
		memcpy(echoed + echoed_len, echo, len);
		echoed_len += len;
		if (sig)
			last_sig = sig;
	}
	free(echo);
}

static void type(const char *s)
{
	type_cap(s, strlen(s), LDISC_ECHO_BUF);
}

static void set_lflag(u32 set, u32 clear)
{
	struct termios t = ld.t;

	t.c_lflag = (t.c_lflag | set) & ~clear;
	ldisc_set_termios(&ld, &t);
}

static void set_iflag(u32 set, u32 clear)
{
	struct termios t = ld.t;

	t.c_iflag = (t.c_iflag | set) & ~clear;
	ldisc_set_termios(&ld, &t);
}

/* Printable form of n bytes for messages; four rotating buffers. */
static const char *esc(const void *p, size_t n)
{
	static char bufs[4][512];
	static int which;
	char *b = bufs[which++ % 4];
	const u8 *s = p;
	size_t i, o = 0;

	for (i = 0; i < n && o < sizeof(bufs[0]) - 8; i++) {
		if (s[i] == '\n')
			o += sprintf(b + o, "\\n");
		else if (s[i] == '\r')
			o += sprintf(b + o, "\\r");
		else if (s[i] == '\b')
			o += sprintf(b + o, "\\b");
		else if (s[i] < 0x20 || s[i] >= 0x7f)
			o += sprintf(b + o, "\\x%02x", s[i]);
		else
			b[o++] = s[i];
	}
	if (i < n)
		o += sprintf(b + o, "...");
	b[o] = '\0';
	return b;
}

static bool same(const void *a, size_t alen, const char *want, size_t wlen)
{
	return alen == wlen && memcmp(a, want, wlen) == 0;
}

/* Checks and clears the echo collected so far. */
#define EXPECT_ECHO(want)						\
	do {								\
		CHECK(same(echoed, echoed_len, want, sizeof(want) - 1),	\
		      "echo \"%s\", want \"%s\"",			\
		      esc(echoed, echoed_len), esc(want, sizeof(want) - 1)); \
		echoed_len = 0;						\
	} while (0)

/* One ldisc_read of at most n bytes must return want. */
#define EXPECT_READ(n, want)						\
	do {								\
		u8 __buf[n];						\
		size_t __got = ldisc_read(&ld, __buf, n);		\
		CHECK(same(__buf, __got, want, sizeof(want) - 1),	\
		      "read(%d) \"%s\", want \"%s\"", (int)(n),		\
		      esc(__buf, __got), esc(want, sizeof(want) - 1));	\
	} while (0)

static void test_abi(void)
{
	CHECK(sizeof(struct termios) == 36, "sizeof termios %zu",
	      sizeof(struct termios));
	CHECK(offsetof(struct termios, c_cc) == 17, "c_cc offset");
	CHECK(sizeof(struct winsize) == 8, "sizeof winsize");
	CHECK(SIGINT == 2 && SIGQUIT == 3 && SIGTSTP == 20,
	      "host signal numbers are Linux x86_64's");
}

static void test_defaults(void)
{
	static const u8 cc[NCCS] = { 3, 034, 0177, 025, 4, 0, 1, 0, 021, 023,
				     032, 0, 022, 017, 027, 026, 0 };

	reset();
	CHECK(ld.t.c_iflag == (ICRNL | IXON), "iflag %#x", ld.t.c_iflag);
	CHECK(ld.t.c_oflag == (OPOST | ONLCR), "oflag %#x", ld.t.c_oflag);
	CHECK(ld.t.c_cflag == (B38400 | CS8 | CREAD | HUPCL), "cflag %#x",
	      ld.t.c_cflag);
	CHECK(ld.t.c_lflag == (ISIG | ICANON | ECHO | ECHOE | ECHOK |
			       ECHOCTL | ECHOKE | IEXTEN),
	      "lflag %#x", ld.t.c_lflag);
	CHECK(memcmp(ld.t.c_cc, cc, NCCS) == 0, "c_cc \"%s\"",
	      esc(ld.t.c_cc, NCCS));
	CHECK(ld.ws.ws_row == 24 && ld.ws.ws_col == 80, "window %ux%u",
	      ld.ws.ws_row, ld.ws.ws_col);
	CHECK(!ldisc_readable(&ld) && ldisc_pending(&ld) == 0, "empty");
}

static void test_line(void)
{
	reset();
	type("ls");
	CHECK(!ldisc_readable(&ld), "partial line is not readable");
	CHECK(ldisc_pending(&ld) == 0, "partial line is not pending");
	type("\r");
	EXPECT_ECHO("ls\r\n");
	CHECK(ldisc_readable(&ld), "line readable after CR");
	CHECK(ldisc_pending(&ld) == 3, "pending %zu", ldisc_pending(&ld));
	EXPECT_READ(100, "ls\n");
	CHECK(!ldisc_readable(&ld), "nothing left");
	EXPECT_READ(100, "");

	/* Two lines typed ahead are returned one per read. */
	type("one\rtwo\n");
	EXPECT_ECHO("one\r\ntwo\r\n");
	CHECK(ldisc_pending(&ld) == 8, "pending %zu", ldisc_pending(&ld));
	EXPECT_READ(100, "one\n");
	CHECK(ldisc_readable(&ld), "second line still readable");
	EXPECT_READ(100, "two\n");
	CHECK(!ldisc_readable(&ld), "both lines read");

	/* A short read splits a line; n == 0 consumes nothing. */
	type("abcd\r");
	EXPECT_READ(0, "");
	EXPECT_READ(2, "ab");
	CHECK(ldisc_pending(&ld) == 3, "rest pending %zu", ldisc_pending(&ld));
	EXPECT_READ(2, "cd");
	EXPECT_READ(2, "\n");
	CHECK(!ldisc_readable(&ld), "split line read");
}

static void test_erase(void)
{
	reset();
	type("lx\x7fs\r");
	EXPECT_ECHO("lx\b \bs\r\n");
	EXPECT_READ(100, "ls\n");

	/* Only c_cc[VERASE] erases: ^H is an ordinary byte. */
	type("a\bb\r");
	EXPECT_ECHO("a^Hb\r\n");
	EXPECT_READ(100, "a\bb\n");

	/* At the start of a line, and never into a completed line. */
	type("\x7f");
	EXPECT_ECHO("");
	CHECK(ldisc_pending(&ld) == 0 && !ldisc_readable(&ld),
	      "erase on empty line");
	type("ab\r\x7f\x7f" "c\r");
	EXPECT_ECHO("ab\r\nc\r\n");
	EXPECT_READ(100, "ab\n");
	EXPECT_READ(100, "c\n");

	/* A ^X echo takes two rub-outs; without ECHOE ^? is echoed. */
	type("a\x01\x7f\r");
	EXPECT_ECHO("a^A\b \b\b \b\r\n");
	EXPECT_READ(100, "a\n");
	set_lflag(0, ECHOE);
	type("ab\x7f\r");
	EXPECT_ECHO("ab^?\r\n");
	EXPECT_READ(100, "a\n");

	/* ECHO off: erasing still works, silently. */
	set_lflag(ECHOE, ECHO);
	type("xy\x7f\r");
	EXPECT_ECHO("");
	EXPECT_READ(100, "x\n");
}

static void test_erase_tab_utf8(void)
{
	size_t len;
	u8 out[16];

	/* The tab after "$$$ " + "ab" (column 6) advanced 2 columns. */
	reset();
	CHECK(ldisc_output(&ld, (const u8 *)"$$$ ", 4, out, sizeof(out),
			   &len) == 4, "prompt written");
	type("ab\t\x7f");
	EXPECT_ECHO("ab\t\b\b");
	type("\x7f\t\x7f");
	EXPECT_ECHO("\b \b\t\b\b\b");
	CHECK(ld.column == 5, "column %u", ld.column);

	/* Under IUTF8 one erase removes a whole UTF-8 sequence. */
	reset();
	set_iflag(IUTF8, 0);
	type("a\xc3\xa9\x7f\r");
	EXPECT_ECHO("a\xc3\xa9\b \b\r\n");
	EXPECT_READ(100, "a\n");
	set_iflag(0, IUTF8);
	type("a\xc3\xa9\x7f\r");
	EXPECT_READ(100, "a\xc3\n");
}

static void test_kill(void)
{
	char line[40];

	reset();
	type("hello\x15");
	EXPECT_ECHO("hello\b \b\b \b\b \b\b \b\b \b");
	CHECK(ldisc_pending(&ld) == 0 && !ldisc_readable(&ld), "line killed");
	type("x\r");
	EXPECT_ECHO("x\r\n");
	EXPECT_READ(100, "x\n");

	type("\x15");
	EXPECT_ECHO("");

	/* Too long to rub out in echo_cap: ^U and a newline instead. */
	memset(line, 'k', 20);
	type_cap(line, 20, LDISC_ECHO_MIN);
	echoed_len = 0;
	type_cap("\x15", 1, LDISC_ECHO_MIN);
	EXPECT_ECHO("^U\r\n");
	type("y\r");
	EXPECT_ECHO("y\r\n");
	EXPECT_READ(100, "y\n");

	set_lflag(0, ECHOKE);
	type("abc\x15");
	EXPECT_ECHO("abc^U\r\n");
	set_lflag(0, ECHOK);
	type("abc\x15");
	EXPECT_ECHO("abc^U");
	set_lflag(ECHOK | ECHOKE, ECHO);
	type("abc\x15z\r");
	EXPECT_ECHO("");
	EXPECT_READ(100, "z\n");
}

static void test_werase(void)
{
	reset();
	type("foo bar  \x17");
	EXPECT_ECHO("foo bar  \b \b\b \b\b \b\b \b\b \b");
	type("baz\r");
	EXPECT_READ(100, "foo baz\n");

	type("foo-bar_1\x17\r");
	EXPECT_READ(100, "foo-\n");
	type("   \x17x\r");
	EXPECT_READ(100, "x\n");
	echoed_len = 0;

	/* Too long for echo_cap: ^W, a newline and the rest of the line. */
	type_cap("foo abcdefghij", 14, LDISC_ECHO_MIN);
	echoed_len = 0;
	type_cap("\x17", 1, LDISC_ECHO_MIN);
	EXPECT_ECHO("^W\r\nfoo ");
	type("\r");
	EXPECT_READ(100, "foo \n");

	/* VWERASE, VLNEXT, VREPRINT need IEXTEN. */
	set_lflag(0, IEXTEN);
	type("a b\x17\r");
	EXPECT_READ(100, "a b\x17\n");
}

static void test_lnext_reprint(void)
{
	reset();
	type("\x16\x7f\x16\x03\r");
	EXPECT_ECHO("^\b^?^\b^C\r\n");
	CHECK(last_sig == 0, "^V^C sends no signal");
	EXPECT_READ(100, "\x7f\x03\n");

	type("ab\x12");
	EXPECT_ECHO("ab^R\r\nab");
	type("\r");
	EXPECT_READ(100, "ab\n");
}

static void test_eof(void)
{
	u8 buf[8];

	reset();
	type("\x04");
	EXPECT_ECHO("");
	CHECK(ldisc_readable(&ld), "EOF at line start is readable");
	CHECK(ldisc_pending(&ld) == 0, "EOF is not a pending byte");
	CHECK(ldisc_read(&ld, buf, sizeof(buf)) == 0, "EOF reads as 0");
	CHECK(!ldisc_readable(&ld), "EOF consumed");

	type("ab\x04");
	EXPECT_ECHO("ab");
	CHECK(ldisc_readable(&ld), "^D completes the line");
	CHECK(ldisc_pending(&ld) == 2, "pending %zu", ldisc_pending(&ld));
	EXPECT_READ(100, "ab");
	CHECK(!ldisc_readable(&ld), "^D after text consumed with it");

	type("ab\x04\x04");
	EXPECT_READ(100, "ab");
	CHECK(ldisc_readable(&ld), "second ^D pending");
	CHECK(ldisc_read(&ld, buf, sizeof(buf)) == 0, "then EOF");

	/* As on Linux: when the text fills the read, the ^D reads as EOF. */
	type("abc\x04");
	EXPECT_READ(3, "abc");
	CHECK(ldisc_readable(&ld), "^D left");
	CHECK(ldisc_read(&ld, buf, 3) == 0, "read as EOF");
}

static void test_signals(void)
{
	reset();
	type("done\rabc\x03");
	CHECK(last_sig == SIGINT, "^C -> %d", last_sig);
	EXPECT_ECHO("done\r\nabc^C");
	CHECK(!ldisc_readable(&ld) && ldisc_pending(&ld) == 0,
	      "^C flushed the input");
	type("x\r");
	EXPECT_ECHO("x\r\n");
	EXPECT_READ(100, "x\n");

	last_sig = 0;
	type("\x1c");
	CHECK(last_sig == SIGQUIT, "^\\ -> %d", last_sig);
	EXPECT_ECHO("^\\");
	last_sig = 0;
	type("\x1a");
	CHECK(last_sig == SIGTSTP, "^Z -> %d", last_sig);
	EXPECT_ECHO("^Z");

	/* NOFLSH keeps the input; ECHO off echoes nothing. */
	set_lflag(NOFLSH, ECHO);
	last_sig = 0;
	type("keep\r\x03");
	CHECK(last_sig == SIGINT, "^C with NOFLSH -> %d", last_sig);
	EXPECT_ECHO("");
	EXPECT_READ(100, "keep\n");

	/* ISIG off: ^C is an ordinary byte. */
	reset();
	set_lflag(0, ISIG);
	type("a\x03\r");
	CHECK(last_sig == 0, "no signal without ISIG");
	EXPECT_ECHO("a^C\r\n");
	EXPECT_READ(100, "a\x03\n");
}

static void test_raw(void)
{
	unsigned vmin = 99, vtime = 99;

	reset();
	CHECK(!ldisc_raw_timing(&ld, &vmin, &vtime), "canonical: no timing");
	set_lflag(0, ICANON | ECHO);
	CHECK(ldisc_raw_timing(&ld, &vmin, &vtime) && vmin == 1 && vtime == 0,
	      "raw timing %u %u", vmin, vtime);
	type("a");
	EXPECT_ECHO("");
	CHECK(ldisc_readable(&ld) && ldisc_pending(&ld) == 1,
	      "raw byte readable at once");
	EXPECT_READ(100, "a");
	CHECK(!ldisc_readable(&ld), "raw byte consumed");

	/* No line editing; ICRNL and signals still apply. */
	type("x\x7f\x15\x17\x04\r");
	CHECK(ldisc_pending(&ld) == 6, "pending %zu", ldisc_pending(&ld));
	EXPECT_READ(3, "x\x7f\x15");
	EXPECT_READ(100, "\x17\x04\n");
	type("q\x03");
	CHECK(last_sig == SIGINT && !ldisc_readable(&ld),
	      "raw ^C signals and flushes");

	/* Raw with ECHO: ^X for control bytes, CR echoed as CRLF. */
	set_lflag(ECHO, 0);
	type("b\x01\r");
	EXPECT_ECHO("b^A\r\n");
	EXPECT_READ(100, "b\x01\n");
}

static void test_mode_switch(void)
{
	reset();
	type("abc");
	set_lflag(0, ICANON);
	CHECK(ldisc_readable(&ld), "partial line readable in raw mode");
	EXPECT_READ(100, "abc");

	type("xyz");
	set_lflag(ICANON, 0);
	CHECK(ldisc_readable(&ld), "raw bytes form a line in canonical mode");
	CHECK(ldisc_pending(&ld) == 3, "pending %zu", ldisc_pending(&ld));
	type("\x7f" "de\r");
	EXPECT_READ(100, "xyz");
	EXPECT_READ(100, "de\n");
}

static void test_input_flags(void)
{
	struct termios t;

	reset();
	set_iflag(0, ICRNL);
	type("ab\r");
	EXPECT_ECHO("ab^M");
	CHECK(!ldisc_readable(&ld), "CR does not end the line without ICRNL");
	type("\n");
	EXPECT_ECHO("\r\n");
	EXPECT_READ(100, "ab\r\n");

	set_iflag(IGNCR, 0);
	type("a\rb\n");
	EXPECT_READ(100, "ab\n");

	set_iflag(INLCR | ICRNL, IGNCR);
	type("a\n\r");
	EXPECT_READ(100, "a\r\n");
	set_iflag(0, INLCR);

	set_iflag(ISTRIP, 0);
	type("\xe1\x8d");
	EXPECT_READ(100, "a\n");

	/* ECHONL echoes newlines with ECHO off. */
	reset();
	set_lflag(ECHONL, ECHO);
	type("ab\r");
	EXPECT_ECHO("\r\n");
	EXPECT_READ(100, "ab\n");

	/* VEOL ends a line and is kept. */
	reset();
	t = ld.t;
	t.c_cc[VEOL] = ';';
	ldisc_set_termios(&ld, &t);
	type("ab;c");
	EXPECT_ECHO("ab;c");
	EXPECT_READ(100, "ab;");
}

static void test_flow(void)
{
	reset();
	type("a\x13");
	CHECK(ld.stopped, "^S stops output");
	type("b\x11");
	CHECK(!ld.stopped, "^Q restarts output");
	type("\r");
	EXPECT_ECHO("ab\r\n");
	EXPECT_READ(100, "ab\n");

	type("\x13");
	set_iflag(0, IXON);
	CHECK(!ld.stopped, "clearing IXON restarts output");
	type("\x13\r");
	EXPECT_READ(100, "\x13\n");
}

static void test_full(void)
{
	static char big[LDISC_BUF + 100];
	static u8 out[LDISC_BUF + 100];
	size_t n, i;

	/* Canonical: 4095 bytes fit, the last slot waits for a newline. */
	reset();
	memset(big, 'a', sizeof(big));
	type_cap(big, sizeof(big), LDISC_ECHO_MIN);
	CHECK(echoed_len == LDISC_BUF - 1, "echoed %zu", echoed_len);
	echoed_len = 0;
	CHECK(!ldisc_readable(&ld), "full partial line not readable");
	type("\x7f\x7f" "bc");
	type("d");
	EXPECT_ECHO("\b \b\b \bbc");
	type("\r");
	EXPECT_ECHO("\r\n");
	n = ldisc_read(&ld, out, sizeof(out));
	CHECK(n == LDISC_BUF && same(out + n - 4, 4, "abc\n", 4),
	      "read %zu ending \"%s\"", n, esc(out + (n < 4 ? 0 : n - 4), 4));

	/* IMAXBEL rings for a dropped byte. */
	set_iflag(IMAXBEL, 0);
	type_cap(big, LDISC_BUF - 1, LDISC_ECHO_MIN);
	echoed_len = 0;
	type("z");
	EXPECT_ECHO("\a");
	ldisc_flush_input(&ld);
	CHECK(!ldisc_readable(&ld) && ldisc_pending(&ld) == 0, "flushed");

	/* Completed lines filling the buffer: even a newline is dropped. */
	reset();
	for (i = 0; i < LDISC_BUF / 2; i++)
		type("a\r");
	type("b\r");
	CHECK(ldisc_pending(&ld) == LDISC_BUF, "pending %zu",
	      ldisc_pending(&ld));
	EXPECT_READ(100, "a\n");
	type("c\r");
	for (i = 0; i < LDISC_BUF / 2 - 1; i++)
		ldisc_read(&ld, out, 100);
	EXPECT_READ(100, "c\n");
	CHECK(!ldisc_readable(&ld), "all lines read");

	/* Raw: every slot is used, the rest dropped. */
	reset();
	set_lflag(0, ICANON | ECHO);
	CHECK(ldisc_room(&ld) == LDISC_BUF, "raw room %zu", ldisc_room(&ld));
	type_cap(big, 10, LDISC_ECHO_MIN);
	CHECK(ldisc_room(&ld) == LDISC_BUF - 10, "raw room %zu", ldisc_room(&ld));
	type_cap(big, sizeof(big), LDISC_ECHO_MIN);
	CHECK(ldisc_pending(&ld) == LDISC_BUF, "raw pending %zu",
	      ldisc_pending(&ld));
	CHECK(ldisc_room(&ld) == 0, "full raw room %zu", ldisc_room(&ld));

	/* ldisc_room (a pty master waits on it): canonical keeps the slot
	 * a terminator needs, so a full partial line has no room */
	reset();
	CHECK(ldisc_room(&ld) == LDISC_BUF - 1, "canon room %zu", ldisc_room(&ld));
	type_cap(big, LDISC_BUF + 5, LDISC_ECHO_MIN);
	CHECK(ldisc_room(&ld) == 0 && !ldisc_readable(&ld), "canon full room %zu",
	      ldisc_room(&ld));
	type("\r");
	CHECK(ldisc_room(&ld) == 0 && ldisc_readable(&ld), "line room %zu", ldisc_room(&ld));
	n = ldisc_read(&ld, out, sizeof(out));
	CHECK(n == LDISC_BUF && ldisc_room(&ld) == LDISC_BUF - 1, "read %zu room %zu", n,
	      ldisc_room(&ld));
}

/* Lines through the ring many times over, at every alignment. */
static void test_wrap(void)
{
	static char line[1001];
	static u8 out[2000];
	size_t n;
	int i;
	bool ok = true;

	reset();
	for (i = 0; i < 40; i++) {
		memset(line, 'a' + i % 26, sizeof(line));
		line[997 + i % 3] = '\r';
		type_cap(line, 998 + i % 3, LDISC_ECHO_MIN);
		type("\x04");
		echoed_len = 0;
		n = ldisc_read(&ld, out, sizeof(out));
		ok &= n == 998u + i % 3 && out[n - 1] == '\n' &&
		      out[0] == 'a' + i % 26;
		ok &= ldisc_read(&ld, out, sizeof(out)) == 0;
		ok &= !ldisc_readable(&ld);
	}
	CHECK(ok, "40 lines and EOFs through the ring");
}

static void test_output(void)
{
	u8 out[32];
	size_t len, n;

	reset();
	n = ldisc_output(&ld, (const u8 *)"a\nb", 3, out, sizeof(out), &len);
	CHECK(n == 3 && same(out, len, "a\r\nb", 4), "ONLCR \"%s\"",
	      esc(out, len));
	CHECK(ld.column == 1, "column %u", ld.column);

	/* Input is consumed only while its expansion fits. */
	n = ldisc_output(&ld, (const u8 *)"\n\n", 2, out, 3, &len);
	CHECK(n == 1 && same(out, len, "\r\n", 2), "partial: %zu \"%s\"", n,
	      esc(out, len));

	ld.t.c_oflag |= TAB3 | ONOCR;
	n = ldisc_output(&ld, (const u8 *)"\rab\t|\r", 6, out, sizeof(out),
			 &len);
	CHECK(n == 6 && same(out, len, "ab      |\r", 10), "TAB3 ONOCR \"%s\"",
	      esc(out, len));

	ld.t.c_oflag &= ~OPOST;
	n = ldisc_output(&ld, (const u8 *)"a\nb\t", 4, out, sizeof(out), &len);
	CHECK(n == 4 && same(out, len, "a\nb\t", 4), "OPOST off \"%s\"",
	      esc(out, len));

	/* Echo goes through the same processing. */
	reset();
	ld.t.c_oflag &= ~ONLCR;
	type("a\r");
	EXPECT_ECHO("a\n");
}

/* A read the driver could not deliver (its copy to user faulted) is given
 * back whole, VEOF and line marks included, unless the queue moved on. */
static void test_unread(void)
{
	struct ldisc_taken tk;
	u8 buf[16];

	reset();
	type("one\rtwo\x04");
	size_t got = ldisc_read_taken(&ld, buf, sizeof(buf), &tk);
	CHECK(same(buf, got, "one\n", 4), "first line \"%s\"", esc(buf, got));
	CHECK(ldisc_unread(&ld, &tk), "unread");
	CHECK(!ldisc_unread(&ld, &tk), "a second unread is refused");
	EXPECT_READ(16, "one\n");
	got = ldisc_read_taken(&ld, buf, sizeof(buf), &tk);	/* "two" + VEOF */
	CHECK(same(buf, got, "two", 3), "second line \"%s\"", esc(buf, got));
	CHECK(ldisc_unread(&ld, &tk), "unread a VEOF line");
	EXPECT_READ(2, "tw");	/* a short read splits it as before */
	EXPECT_READ(16, "o");
	CHECK(!ldisc_readable(&ld), "VEOF consumed with the line");

	/* refused after another read, a flush or a mode switch */
	type("a\rb\r");
	got = ldisc_read_taken(&ld, buf, sizeof(buf), &tk);
	EXPECT_READ(16, "b\n");
	CHECK(!ldisc_unread(&ld, &tk), "unread after a later read");
	type("c\r");
	got = ldisc_read_taken(&ld, buf, sizeof(buf), &tk);
	ldisc_flush_input(&ld);
	CHECK(!ldisc_unread(&ld, &tk) && !ldisc_readable(&ld), "unread after a flush");
	type("d\r");
	got = ldisc_read_taken(&ld, buf, sizeof(buf), &tk);
	struct termios t = ld.t;
	t.c_lflag &= ~ICANON;
	ldisc_set_termios(&ld, &t);
	CHECK(!ldisc_unread(&ld, &tk), "unread after leaving ICANON");
	(void)got;
}

int main(void)
{
	test_abi();
	test_defaults();
	test_line();
	test_erase();
	test_erase_tab_utf8();
	test_kill();
	test_werase();
	test_lnext_reprint();
	test_eof();
	test_signals();
	test_raw();
	test_mode_switch();
	test_input_flags();
	test_flow();
	test_full();
	test_wrap();
	test_output();
	test_unread();
	return check_done();
}
