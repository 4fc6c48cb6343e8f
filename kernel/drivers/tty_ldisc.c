// SPDX-License-Identifier: GPL-2.0
/*
 * TTY line discipline with the semantics of Linux's n_tty (termios(3)):
 * canonical line editing, echo, signal characters, flow control
 * characters and output processing.
 *
 * It is pure state-machine code so that it can be tested on the host:
 * the driver calls it under its lock, sends the echo and output bytes
 * it returns, wakes readers when ldisc_readable() turns true and
 * delivers the signals it reports. Not supported: PARMRK, IUCLC, XCASE,
 * OLCUC, ECHOPRT, FLUSHO, PENDIN, EXTPROC, VDISCARD and output delays.
 *
 * The echo is modelled on what the terminal shows: a control character
 * echoed as ^X under ECHOCTL is two columns wide and takes two "\b \b"
 * to erase; a tab is erased with as many backspaces as it advanced the
 * cursor, found by replaying the line from the column it began at.
 */
#include <alloy/compiler.h>
#include <alloy/string.h>
#include <alloy/tty.h>

/* Linux signal numbers, which the driver passes on. */
#define LDISC_SIGINT	2
#define LDISC_SIGQUIT	3
#define LDISC_SIGTSTP	20

BUILD_BUG_ON(LDISC_BUF & (LDISC_BUF - 1));

#define SLOT(pos)	((pos) & (LDISC_BUF - 1))

/* Where the echo of one received byte goes. */
struct echo {
	u8 *buf;
	size_t cap;
	size_t len;
	bool overflow;	/* a byte did not fit; later bytes are dropped */
};

/* An echo position to go back to when a long echo does not fit. */
struct echo_mark {
	size_t len;
	unsigned column;
};

static bool lflag(const struct ldisc *ld, u32 f)
{
	return ld->t.c_lflag & f;
}

static bool iflag(const struct ldisc *ld, u32 f)
{
	return ld->t.c_iflag & f;
}

/* Output flags other than OPOST only count when OPOST is set. */
static bool oflag(const struct ldisc *ld, u32 f)
{
	return (ld->t.c_oflag & OPOST) && (ld->t.c_oflag & f);
}

static bool canonical(const struct ldisc *ld)
{
	return lflag(ld, ICANON);
}

/* c is the control character c_cc[i]; 0 there disables it. */
static bool is_cc(const struct ldisc *ld, int i, u8 c)
{
	return c != 0 && ld->t.c_cc[i] == c;
}

static bool is_cntrl(u8 c)
{
	return c < 0x20 || c == 0x7f;
}

/* A UTF-8 continuation byte, which takes no column, under IUTF8. */
static bool is_cont(const struct ldisc *ld, u8 c)
{
	return iflag(ld, IUTF8) && (c & 0xc0) == 0x80;
}

/* VWERASE erases trailing blanks and then a run of these. */
static bool is_word(u8 c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
}

static bool map_test(const u8 *map, unsigned pos)
{
	return map[SLOT(pos) / 8] & (1u << (pos % 8));
}

static void map_set(u8 *map, unsigned pos)
{
	map[SLOT(pos) / 8] |= 1u << (pos % 8);
}

static void map_clear(u8 *map, unsigned pos)
{
	map[SLOT(pos) / 8] &= ~(1u << (pos % 8));
}

/* ---- output processing, shared by ldisc_output() and the echo ---- */

/* Moves the modelled cursor over byte b as the terminal prints it. */
static void track_column(struct ldisc *ld, u8 b)
{
	switch (b) {
	case '\r':
		ld->column = 0;
		break;
	case '\n':
		if (oflag(ld, ONLRET))
			ld->column = 0;
		break;
	case '\t':
		ld->column = (ld->column | 7) + 1;
		break;
	case '\b':
		if (ld->column)
			ld->column--;
		break;
	default:
		if (!is_cntrl(b) && !is_cont(ld, b))
			ld->column++;
	}
}

/* The bytes sent for c, into out[8]; returns how many (0: dropped). */
static size_t expand(const struct ldisc *ld, u8 c, u8 *out)
{
	size_t n;

	if (!(ld->t.c_oflag & OPOST)) {
		out[0] = c;
		return 1;
	}
	switch (c) {
	case '\n':
		if (oflag(ld, ONLCR)) {
			out[0] = '\r';
			out[1] = '\n';
			return 2;
		}
		break;
	case '\r':
		if (oflag(ld, ONOCR) && ld->column == 0)
			return 0;
		if (oflag(ld, OCRNL))
			c = '\n';
		break;
	case '\t':
		if ((ld->t.c_oflag & TABDLY) == TAB3) {
			n = 8 - (ld->column & 7);
			memset(out, ' ', n);
			return n;
		}
		break;
	}
	out[0] = c;
	return 1;
}

/* Appends c, processed, to out[*len..cap); false if it does not fit. */
static bool put_out(struct ldisc *ld, u8 c, u8 *out, size_t cap, size_t *len)
{
	u8 tmp[8];
	size_t n = expand(ld, c, tmp);
	size_t i;

	if (n > cap - *len)
		return false;
	for (i = 0; i < n; i++) {
		out[*len + i] = tmp[i];
		track_column(ld, tmp[i]);
	}
	*len += n;
	return true;
}

size_t ldisc_output(struct ldisc *ld, const u8 *src, size_t n, u8 *out,
		    size_t out_cap, size_t *out_len)
{
	size_t i, len = 0;

	for (i = 0; i < n && put_out(ld, src[i], out, out_cap, &len); i++)
		;
	*out_len = len;
	return i;
}

/* ---- echo ---- */

static void echo_raw(struct ldisc *ld, struct echo *e, u8 c)
{
	if (!e->overflow && !put_out(ld, c, e->buf, e->cap, &e->len))
		e->overflow = true;
}

/* Echoes c as typed: a control character as ^X under ECHOCTL. */
static void echo_char(struct ldisc *ld, struct echo *e, u8 c)
{
	if (is_cntrl(c) && c != '\t' && c != '\n' && lflag(ld, ECHOCTL)) {
		echo_raw(ld, e, '^');
		echo_raw(ld, e, c ^ 0x40);
	} else {
		echo_raw(ld, e, c);
	}
}

static struct echo_mark echo_mark(const struct ldisc *ld,
				  const struct echo *e)
{
	return (struct echo_mark){ e->len, ld->column };
}

static void echo_undo(struct ldisc *ld, struct echo *e, struct echo_mark m)
{
	e->len = m.len;
	e->overflow = false;
	ld->column = m.column;
}

/* Columns the echo of c took; tabs are measured by tab_width(). */
static unsigned echo_width(const struct ldisc *ld, u8 c)
{
	if (is_cntrl(c))
		return lflag(ld, ECHOCTL) ? 2 : 0;
	return is_cont(ld, c) ? 0 : 1;
}

/* Columns the tab at pos advanced: replays the line from its start. */
static unsigned tab_width(const struct ldisc *ld, unsigned pos)
{
	unsigned col = ld->canon_column;
	unsigned p;
	u8 c;

	for (p = ld->canon; p != pos; p++) {
		c = ld->buf[SLOT(p)];
		col = c == '\t' ? (col | 7) + 1 : col + echo_width(ld, c);
	}
	return 8 - (col & 7);
}

/*
 * Echoes c, a newline and the edited line again: VREPRINT, and the
 * short form of an erasure whose "\b \b"s do not fit. The line is left
 * out if it does not fit either.
 */
static void redraw(struct ldisc *ld, u8 c, struct echo *e)
{
	struct echo_mark m;
	unsigned p;

	echo_char(ld, e, c);
	echo_raw(ld, e, '\n');
	ld->canon_column = ld->column;
	m = echo_mark(ld, e);
	for (p = ld->canon; p != ld->head; p++)
		echo_char(ld, e, ld->buf[SLOT(p)]);
	if (e->overflow)
		echo_undo(ld, e, m);
}

/* ---- line editing ---- */

/*
 * Start of the last character of the edited line (not empty). Under
 * IUTF8 a multibyte sequence is one character; stray continuation
 * bytes at the start of the line go one at a time.
 */
static unsigned last_char(const struct ldisc *ld)
{
	unsigned pos = ld->head - 1;

	while (pos != ld->canon && is_cont(ld, ld->buf[SLOT(pos)]))
		pos--;
	if (is_cont(ld, ld->buf[SLOT(pos)]))
		pos = ld->head - 1;
	return pos;
}

/* Cuts the line at pos, the start of its last character, and rubs it
 * out on the screen. */
static void rub_out(struct ldisc *ld, unsigned pos, struct echo *e)
{
	u8 c = ld->buf[SLOT(pos)];
	unsigned n;

	ld->head = pos;
	if (!lflag(ld, ECHO))
		return;
	if (c == '\t') {
		for (n = tab_width(ld, pos); n; n--)
			echo_raw(ld, e, '\b');
		return;
	}
	for (n = echo_width(ld, c); n; n--) {
		echo_raw(ld, e, '\b');
		echo_raw(ld, e, ' ');
		echo_raw(ld, e, '\b');
	}
}

static void erase_char(struct ldisc *ld, u8 c, struct echo *e)
{
	unsigned pos;

	if (ld->head == ld->canon)
		return;
	pos = last_char(ld);
	if (lflag(ld, ECHO) && !lflag(ld, ECHOE)) {
		ld->head = pos;
		echo_char(ld, e, c);
		return;
	}
	rub_out(ld, pos, e);
}

static void erase_word(struct ldisc *ld, u8 c, struct echo *e)
{
	struct echo_mark m = echo_mark(ld, e);
	bool seen_word = false;
	unsigned pos;
	bool word;

	while (ld->head != ld->canon) {
		pos = last_char(ld);
		word = is_word(ld->buf[SLOT(pos)]);
		if (seen_word && !word)
			break;
		seen_word |= word;
		rub_out(ld, pos, e);
	}
	if (e->overflow) {
		echo_undo(ld, e, m);
		redraw(ld, c, e);
	}
}

/* VKILL: with ECHOKE the line is rubbed out, else ^U and a newline. */
static void kill_line(struct ldisc *ld, u8 c, struct echo *e)
{
	struct echo_mark m = echo_mark(ld, e);

	if (ld->head == ld->canon)
		return;
	if (!lflag(ld, ECHO)) {
		ld->head = ld->canon;
		return;
	}
	if (!lflag(ld, ECHOK) || !lflag(ld, ECHOKE) || !lflag(ld, ECHOE)) {
		ld->head = ld->canon;
		echo_char(ld, e, c);
		if (lflag(ld, ECHOK))
			echo_raw(ld, e, '\n');
		return;
	}
	while (ld->head != ld->canon)
		rub_out(ld, last_char(ld), e);
	if (e->overflow) {
		echo_undo(ld, e, m);
		redraw(ld, c, e);
	}
}

/* ---- queueing ---- */

/* One more byte fits; canonical mode keeps one slot for a terminator. */
static bool has_room(const struct ldisc *ld, bool terminator)
{
	unsigned used = ld->head - ld->tail;

	if (canonical(ld) && !terminator)
		return used < LDISC_BUF - 1;
	return used < LDISC_BUF;
}

static void drop(struct ldisc *ld, struct echo *e)
{
	if (canonical(ld) && iflag(ld, IMAXBEL) && lflag(ld, ECHO))
		echo_raw(ld, e, '\a');
}

/* Queues an ordinary byte; in raw mode it is readable at once. */
static void store(struct ldisc *ld, u8 c, struct echo *e)
{
	if (!has_room(ld, false)) {
		drop(ld, e);
		return;
	}
	if (lflag(ld, ECHO)) {
		if (ld->head == ld->canon)
			ld->canon_column = ld->column;
		echo_char(ld, e, c);
	}
	ld->buf[SLOT(ld->head++)] = c;
	if (!canonical(ld))
		ld->canon = ld->head;
}

/* Queues a line terminator (a VEOF is stored as a marked 0) and
 * completes the line. False if the buffer is full. */
static bool end_line(struct ldisc *ld, u8 c, bool eof, struct echo *e)
{
	if (!has_room(ld, true)) {
		drop(ld, e);
		return false;
	}
	map_set(ld->eol, ld->head);
	if (eof)
		map_set(ld->eof, ld->head);
	ld->buf[SLOT(ld->head++)] = c;
	ld->canon = ld->head;
	return true;
}

/* The canonical-mode special characters; false if c is ordinary. */
static bool canon_special(struct ldisc *ld, u8 c, struct echo *e)
{
	bool iexten = lflag(ld, IEXTEN);

	if (is_cc(ld, VERASE, c)) {
		erase_char(ld, c, e);
	} else if (is_cc(ld, VKILL, c)) {
		kill_line(ld, c, e);
	} else if (iexten && is_cc(ld, VWERASE, c)) {
		erase_word(ld, c, e);
	} else if (iexten && is_cc(ld, VLNEXT, c)) {
		ld->lnext = true;
		if (lflag(ld, ECHO) && lflag(ld, ECHOCTL)) {
			echo_raw(ld, e, '^');
			echo_raw(ld, e, '\b');
		}
	} else if (iexten && lflag(ld, ECHO) && is_cc(ld, VREPRINT, c)) {
		redraw(ld, c, e);
	} else if (c == '\n') {
		if (has_room(ld, true) && (lflag(ld, ECHO) || lflag(ld, ECHONL)))
			echo_raw(ld, e, '\n');
		end_line(ld, c, false, e);
	} else if (is_cc(ld, VEOF, c)) {
		end_line(ld, 0, true, e);
	} else if (is_cc(ld, VEOL, c) || (iexten && is_cc(ld, VEOL2, c))) {
		if (has_room(ld, true) && lflag(ld, ECHO)) {
			if (ld->head == ld->canon)
				ld->canon_column = ld->column;
			echo_char(ld, e, c);
		}
		end_line(ld, c, false, e);
	} else {
		return false;
	}
	return true;
}

/* VINTR, VQUIT, VSUSP under ISIG. */
static int signal_char(struct ldisc *ld, u8 c, struct echo *e, int sig)
{
	if (!lflag(ld, NOFLSH))
		ldisc_flush_input(ld);
	if (iflag(ld, IXON))
		ld->stopped = false;
	if (lflag(ld, ECHO))
		echo_char(ld, e, c);
	return sig;
}

static int receive(struct ldisc *ld, u8 c, struct echo *e)
{
	if (iflag(ld, ISTRIP))
		c &= 0x7f;
	if (ld->lnext) {
		ld->lnext = false;
		store(ld, c, e);
		return 0;
	}
	if (iflag(ld, IXON)) {
		if (is_cc(ld, VSTART, c)) {
			ld->stopped = false;
			return 0;
		}
		if (is_cc(ld, VSTOP, c)) {
			ld->stopped = true;
			return 0;
		}
	}
	if (lflag(ld, ISIG)) {
		if (is_cc(ld, VINTR, c))
			return signal_char(ld, c, e, LDISC_SIGINT);
		if (is_cc(ld, VQUIT, c))
			return signal_char(ld, c, e, LDISC_SIGQUIT);
		if (is_cc(ld, VSUSP, c))
			return signal_char(ld, c, e, LDISC_SIGTSTP);
	}
	if (ld->stopped && iflag(ld, IXON) && iflag(ld, IXANY))
		ld->stopped = false;
	if (c == '\r') {
		if (iflag(ld, IGNCR))
			return 0;
		if (iflag(ld, ICRNL))
			c = '\n';
	} else if (c == '\n' && iflag(ld, INLCR)) {
		c = '\r';
	}
	if (!canonical(ld) || !canon_special(ld, c, e))
		store(ld, c, e);
	return 0;
}

int ldisc_receive(struct ldisc *ld, u8 c, u8 *echo, size_t echo_cap,
		  size_t *echo_len)
{
	struct echo e = { .buf = echo, .cap = echo_cap };
	int sig = receive(ld, c, &e);

	*echo_len = e.len;
	return sig;
}

/* ---- reading and state ---- */

void ldisc_init(struct ldisc *ld)
{
	static const u8 cc[NCCS] = {
		[VINTR] = 0x03, [VQUIT] = 0x1c, [VERASE] = 0x7f,
		[VKILL] = 0x15, [VEOF] = 0x04, [VTIME] = 0, [VMIN] = 1,
		[VSTART] = 0x11, [VSTOP] = 0x13, [VSUSP] = 0x1a,
		[VREPRINT] = 0x12, [VDISCARD] = 0x0f, [VWERASE] = 0x17,
		[VLNEXT] = 0x16,
	};

	memset(ld, 0, sizeof(*ld));
	ld->t.c_iflag = ICRNL | IXON;
	ld->t.c_oflag = OPOST | ONLCR;
	ld->t.c_cflag = B38400 | CS8 | CREAD | HUPCL;
	ld->t.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL |
			ECHOKE | IEXTEN;
	memcpy(ld->t.c_cc, cc, sizeof(cc));
	ld->ws.ws_row = 24;
	ld->ws.ws_col = 80;
}

bool ldisc_readable(const struct ldisc *ld)
{
	return ld->canon != ld->tail;
}

bool ldisc_raw_timing(const struct ldisc *ld, unsigned *vmin,
		      unsigned *vtime)
{
	if (canonical(ld))
		return false;
	*vmin = ld->t.c_cc[VMIN];
	*vtime = ld->t.c_cc[VTIME];
	return true;
}

size_t ldisc_read(struct ldisc *ld, u8 *dst, size_t n)
{
	struct ldisc_taken tk;

	return ldisc_read_taken(ld, dst, n, &tk);
}

size_t ldisc_read_taken(struct ldisc *ld, u8 *dst, size_t n,
			struct ldisc_taken *tk)
{
	size_t avail = ld->canon - ld->tail;
	size_t len, out, i;
	bool eol = false;
	unsigned end;

	if (n > avail)
		n = avail;
	len = n;
	if (canonical(ld)) {
		for (i = 0; i < n; i++) {
			if (map_test(ld->eol, ld->tail + i)) {
				eol = true;
				len = i + 1;
				break;
			}
		}
	}
	out = len;
	*tk = (struct ldisc_taken){ .tail = ld->tail, .len = (unsigned)len,
				    .canon = canonical(ld) };
	if (eol) {
		end = ld->tail + len - 1;
		tk->eol = true;
		tk->eof = map_test(ld->eof, end);
		if (tk->eof)
			out--;
		map_clear(ld->eol, end);
		map_clear(ld->eof, end);
	}
	for (i = 0; i < out; i++)
		dst[i] = ld->buf[SLOT(ld->tail + i)];
	ld->tail += len;
	return out;
}

bool ldisc_unread(struct ldisc *ld, const struct ldisc_taken *tk)
{
	/* only if nothing was read or flushed since, the mode is the same
	 * and new input has not reused the slots */
	if (!tk->len || ld->tail != tk->tail + tk->len ||
	    canonical(ld) != tk->canon || ld->head - tk->tail > LDISC_BUF)
		return false;
	ld->tail = tk->tail;
	if (tk->eol)
		map_set(ld->eol, tk->tail + tk->len - 1);
	if (tk->eof)
		map_set(ld->eof, tk->tail + tk->len - 1);
	return true;
}

void ldisc_set_termios(struct ldisc *ld, const struct termios *t)
{
	u32 old_lflag = ld->t.c_lflag;
	u32 old_iflag = ld->t.c_iflag;

	ld->t = *t;
	if ((old_lflag ^ t->c_lflag) & ICANON) {
		memset(ld->eol, 0, sizeof(ld->eol));
		memset(ld->eof, 0, sizeof(ld->eof));
		ld->lnext = false;
		if (canonical(ld) && ld->head != ld->tail)
			map_set(ld->eol, ld->head - 1);
		ld->canon = ld->head;
	}
	if ((old_iflag & IXON) && !(t->c_iflag & IXON))
		ld->stopped = false;
}

void ldisc_flush_input(struct ldisc *ld)
{
	memset(ld->eol, 0, sizeof(ld->eol));
	memset(ld->eof, 0, sizeof(ld->eof));
	ld->tail = ld->canon = ld->head = 0;
	ld->lnext = false;
}

size_t ldisc_pending(const struct ldisc *ld)
{
	size_t n = ld->canon - ld->tail;
	unsigned p;

	if (canonical(ld)) {
		for (p = ld->tail; p != ld->canon; p++)
			n -= map_test(ld->eof, p);
	}
	return n;
}

size_t ldisc_room(const struct ldisc *ld)
{
	unsigned used = ld->head - ld->tail;
	unsigned keep = canonical(ld) ? 1 : 0;

	return used + keep >= LDISC_BUF ? 0 : LDISC_BUF - used - keep;
}
