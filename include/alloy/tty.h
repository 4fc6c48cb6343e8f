/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ALLOY_TTY_H
#define ALLOY_TTY_H

#include <alloy/types.h>

/*
 * Terminal interface: the Linux x86_64 termios ABI (the values of
 * <asm-generic/termbits.h> and <asm-generic/ioctls.h>) and the line
 * discipline, a pure module that turns received bytes into readable
 * lines and echo, and written bytes into terminal output. It does no
 * locking, sleeping or I/O: the tty driver around it owns a lock, the
 * wait queues, the hardware, the foreground process group and the
 * signals.
 */

/* ---- termios as TCGETS/TCSETS pass it (not glibc's larger struct) ---- */

#define NCCS 19

struct termios {
	u32 c_iflag;
	u32 c_oflag;
	u32 c_cflag;
	u32 c_lflag;
	u8 c_line;
	u8 c_cc[NCCS];
};
_Static_assert(sizeof(struct termios) == 36, "Linux termios ABI");

/* TCGETA/TCSETA*: the low 16 bits of each flag word, 8 control chars */
#define NCC 8
struct termio {
	u16 c_iflag;
	u16 c_oflag;
	u16 c_cflag;
	u16 c_lflag;
	u8 c_line;
	u8 c_cc[NCC];
};
_Static_assert(sizeof(struct termio) == 18, "Linux termio ABI");

struct winsize {
	u16 ws_row;
	u16 ws_col;
	u16 ws_xpixel;
	u16 ws_ypixel;
};

/* c_cc indices; a c_cc entry of 0 (_POSIX_VDISABLE) matches no byte */
#define VINTR		0
#define VQUIT		1
#define VERASE		2
#define VKILL		3
#define VEOF		4
#define VTIME		5
#define VMIN		6
#define VSWTC		7
#define VSTART		8
#define VSTOP		9
#define VSUSP		10
#define VEOL		11
#define VREPRINT	12
#define VDISCARD	13
#define VWERASE		14
#define VLNEXT		15
#define VEOL2		16

/* c_iflag */
#define IGNBRK		0x0001
#define BRKINT		0x0002
#define IGNPAR		0x0004
#define PARMRK		0x0008
#define INPCK		0x0010
#define ISTRIP		0x0020
#define INLCR		0x0040
#define IGNCR		0x0080
#define ICRNL		0x0100
#define IUCLC		0x0200
#define IXON		0x0400
#define IXANY		0x0800
#define IXOFF		0x1000
#define IMAXBEL		0x2000
#define IUTF8		0x4000

/* c_oflag */
#define OPOST		0x0001
#define OLCUC		0x0002
#define ONLCR		0x0004
#define OCRNL		0x0008
#define ONOCR		0x0010
#define ONLRET		0x0020
#define OFILL		0x0040
#define OFDEL		0x0080
#define TABDLY		0x1800
#define TAB0		0x0000
#define TAB3		0x1800
#define XTABS		0x1800

/* c_cflag */
#define CBAUD		0x0000100f
#define B0		0x00000000
#define B9600		0x0000000d
#define B38400		0x0000000f
#define B115200		0x00001002
#define CSIZE		0x00000030
#define CS5		0x00000000
#define CS6		0x00000010
#define CS7		0x00000020
#define CS8		0x00000030
#define CSTOPB		0x00000040
#define CREAD		0x00000080
#define PARENB		0x00000100
#define PARODD		0x00000200
#define HUPCL		0x00000400
#define CLOCAL		0x00000800
#define CRTSCTS		0x80000000

/* c_lflag */
#define ISIG		0x00001
#define ICANON		0x00002
#define XCASE		0x00004
#define ECHO		0x00008
#define ECHOE		0x00010
#define ECHOK		0x00020
#define ECHONL		0x00040
#define NOFLSH		0x00080
#define TOSTOP		0x00100
#define ECHOCTL		0x00200
#define ECHOPRT		0x00400
#define ECHOKE		0x00800
#define FLUSHO		0x01000
#define PENDIN		0x04000
#define IEXTEN		0x08000
#define EXTPROC		0x10000

/* TCXONC and TCFLSH arguments */
#define TCOOFF		0
#define TCOON		1
#define TCIOFF		2
#define TCION		3
#define TCIFLUSH	0
#define TCOFLUSH	1
#define TCIOFLUSH	2

/* ioctl request numbers */
#define TCGETS		0x5401
#define TCSETS		0x5402
#define TCSETSW		0x5403
#define TCSETSF		0x5404
#define TCGETA		0x5405	/* struct termio, the old System V one */
#define TCSETA		0x5406
#define TCSETAW		0x5407
#define TCSETAF		0x5408
#define TCSBRK		0x5409
#define TCXONC		0x540A
#define TCFLSH		0x540B
#define TIOCSCTTY	0x540E
#define TIOCGPGRP	0x540F
#define TIOCSPGRP	0x5410
#define TIOCOUTQ	0x5411
#define TIOCSTI		0x5412
#define TIOCGWINSZ	0x5413
#define TIOCSWINSZ	0x5414
#define FIONREAD	0x541B
#define TIOCINQ		FIONREAD
#define FIONBIO		0x5421
#define TIOCNOTTY	0x5422
#define TCSBRKP		0x5425
#define TIOCGSID	0x5429
#define TIOCGPTN	0x80045430	/* _IOR('T', 0x30, unsigned int) */
#define TIOCSPTLCK	0x40045431	/* _IOW('T', 0x31, int) */
#define TIOCGPTLCK	0x80045439	/* _IOR('T', 0x39, int) */
#define TIOCGPTPEER	0x5441		/* _IO('T', 0x41) */
#define TIOCGDEV	0x80045432	/* _IOR('T', 0x32, unsigned int) */

/* ---- line discipline ---- */

#define LDISC_BUF	4096	/* input bytes held; a power of two */
#define LDISC_ECHO_MIN	16	/* smallest echo[] for ldisc_receive() */
#define LDISC_ECHO_BUF	256	/* echo[] size that drivers should pass */

/*
 * Input is a ring of free-running positions tail <= canon <= head
 * (slot = pos % LDISC_BUF). In canonical mode [tail, canon) holds
 * completed lines, each ending at a slot marked in eol[]; a slot also
 * marked in eof[] is a VEOF that ended the line and is never returned.
 * [canon, head) is the line being edited. In raw mode canon is unused
 * and all of [tail, head) is readable.
 *
 * The driver may read t, ws and stopped directly, and set ws and
 * stopped (TIOCSWINSZ, TCXONC); t changes only via ldisc_set_termios().
 */
struct ldisc {
	struct termios t;
	struct winsize ws;
	u8 buf[LDISC_BUF];
	u8 eol[LDISC_BUF / 8];
	u8 eof[LDISC_BUF / 8];
	unsigned tail, canon, head;
	unsigned column;	/* terminal cursor column, from all output */
	unsigned canon_column;	/* column where the edited line began */
	bool lnext;		/* the previous byte was VLNEXT */
	bool stopped;		/* output stopped by VSTOP; driver holds writes */
};

/* Linux's defaults (tty_std_termios and INIT_C_CC), a 24x80 window. */
void ldisc_init(struct ldisc *ld);

/*
 * Feeds one received byte. The echo it causes, already output-processed
 * (OPOST etc.), is stored in echo[0..*echo_len) for the driver to send.
 * echo_cap must be at least LDISC_ECHO_MIN. Erasing a word or line, or
 * VREPRINT, echoes "\b \b" per character or the whole line; when that
 * does not fit in echo_cap, the echo becomes the control character as ^X
 * and a newline (plus the rest of the line if that fits), as Linux does
 * without ECHOKE. Returns SIGINT, SIGQUIT or SIGTSTP (Linux numbers 2,
 * 3, 20) for VINTR, VQUIT, VSUSP under ISIG, else 0; for a signal, input
 * is flushed unless NOFLSH (the driver then also drops queued output)
 * and the echo is "^C" with no newline, as on Linux. In canonical mode
 * an ordinary byte is dropped when only one slot is left, so a line
 * terminator can always complete the line; in raw mode bytes are
 * dropped when the buffer is full. Dropped bytes are not echoed (a BEL
 * is, under IMAXBEL in canonical mode).
 */
int ldisc_receive(struct ldisc *ld, u8 c, u8 *echo, size_t echo_cap,
		  size_t *echo_len);

/*
 * A read would return now: canonical, a completed line or an EOF is
 * queued; raw, at least one byte is (VMIN/VTIME: ldisc_raw_timing()).
 */
bool ldisc_readable(const struct ldisc *ld);

/*
 * Raw mode: stores VMIN and VTIME (tenths of a second) for the driver's
 * read loop and returns true; canonical mode: returns false.
 */
bool ldisc_raw_timing(const struct ldisc *ld, unsigned *vmin,
		      unsigned *vtime);

/*
 * Copies up to n queued bytes to dst. Canonical mode returns at most one
 * line, its '\n' (or VEOL/VEOL2) included; a line ended by VEOF comes
 * without it, so VEOF at the start of a line reads as 0 bytes: end of
 * file when ldisc_readable() was true. As on Linux, a line longer than
 * n is returned over several reads, and if its bytes before a VEOF
 * exactly fill n, the next read returns 0 for that VEOF.
 */
size_t ldisc_read(struct ldisc *ld, u8 *dst, size_t n);

/*
 * ldisc_read that records what it took, so that a driver whose copy to
 * the reader then faulted can give it back with ldisc_unread(): the input
 * is the next read's again. Refused (false) if the queue changed in
 * between: another read, a flush, a switch of ICANON, or new input that
 * reused the freed slots.
 */
struct ldisc_taken {
	unsigned tail, len;	/* the slots consumed */
	bool eol, eof;		/* the marks cleared on the last one */
	bool canon;		/* the mode it was read in */
};
size_t ldisc_read_taken(struct ldisc *ld, u8 *dst, size_t n,
			struct ldisc_taken *tk);
bool ldisc_unread(struct ldisc *ld, const struct ldisc_taken *tk);

/*
 * Output processing (OPOST: ONLCR, OCRNL, ONOCR, ONLRET, TAB3) of src
 * into out; tracks the cursor column for erasing tabs. Consumes input
 * only while its whole expansion fits in out_cap. Returns the bytes of
 * src consumed; *out_len is the bytes stored in out.
 */
size_t ldisc_output(struct ldisc *ld, const u8 *src, size_t n, u8 *out,
		    size_t out_cap, size_t *out_len);

/*
 * TCSETS*. As on Linux, when ICANON changes the line state is rebuilt:
 * turned off, every queued byte (the edited line too) becomes readable;
 * turned on, queued bytes become one completed line, readable at once.
 * Clearing IXON restarts stopped output. Flushing (TCSETSF) and
 * draining (TCSETSW) are the driver's.
 */
void ldisc_set_termios(struct ldisc *ld, const struct termios *t);

/* Discards all queued input, completed lines and the edited line. */
void ldisc_flush_input(struct ldisc *ld);

/* FIONREAD: readable bytes (canonical: in completed lines, no VEOFs). */
size_t ldisc_pending(const struct ldisc *ld);

/* Bytes that fit in the input queue now (raw mode; canonical mode keeps
 * one slot for a line terminator). */
size_t ldisc_room(const struct ldisc *ld);

/* ---- terminals (kernel/drivers/tty.c) ---- */

#include <alloy/spinlock.h>
#include <alloy/wait.h>

struct tty;
struct file;
struct inode;

/*
 * What a terminal's hardware side provides. The console sends output to
 * the serial port (emit, after unlocking); a pty queues it for its master
 * (write_room and queue, under tty->lock) and is told (notify, unlocked)
 * when output was queued or input consumed, to wake the master.
 */
struct tty_ops {
	size_t (*write_room)(struct tty *t);			/* [lock] */
	void (*queue)(struct tty *t, const u8 *b, size_t n);	/* [lock] */
	void (*emit)(struct tty *t, const u8 *b, size_t n);	/* unlocked */
	void (*notify)(struct tty *t);				/* unlocked */
	void (*flush)(struct tty *t);	/* [lock] drop queued output (^C) */
	void (*release)(struct tty *t, struct file *f);	/* a file closed */
};

/*
 * One terminal: a line discipline instance and the state around it. The
 * console is one (drivers/tty.c), each pty slave another (drivers/pty.c);
 * both are served by the same file operations.
 */
struct tty {
	spinlock_t lock;
	struct ldisc ld;		/* [lock] */
	struct wait_queue rd_wq;	/* readers: input became readable */
	struct wait_queue wr_wq;	/* writers: output room appeared */
	int fg_pgrp;			/* [lock] foreground process group, 0 none */
	int sid;			/* [lock] the session it controls, 0 none */
	bool hung_up;			/* [lock] reads 0, writes EIO */
	bool lax;			/* console: usable from any session */
	u32 dev;			/* TIOCGDEV: its device number */
	const struct tty_ops *ops;
};

void tty_setup(struct tty *t, const struct tty_ops *ops, bool lax);
/* Feeds received bytes (the UART's, a pty master's writes) through the
 * discipline: echo, signals, wake-ups. Stops early, returning how many it
 * took, when the input queue is full and `block_full` (pty masters: they
 * wait for room instead of losing bytes). Any context. */
size_t tty_receive(struct tty *t, const u8 *b, size_t n, bool block_full);
/* Hang-up: later reads return 0 and writes EIO; the session leader gets
 * SIGHUP and SIGCONT, the foreground group SIGHUP. Process context. */
void tty_hangup(struct tty *t);
/* The file operations of a terminal whose struct tty is f->priv. */
extern const struct file_ops tty_fops;
/* The ioctls of t; a master's (pty.c) skip the job-control checks. */
long tty_ioctl_on(struct tty *t, u32 cmd, u64 arg, bool master);
/* The terminal that controls the caller's session, or NULL. */
struct tty *tty_of_session(int sid);
/* Session sid's leader exits: no terminal controls sid any more, so a
 * later session that reuses the number does not inherit one. */
void tty_session_end(int sid);
int tty_open(struct inode *inode, struct file *f);

/* pty (kernel/drivers/pty.c) */
#define PTY_SLAVE_MAJOR	136
int ptmx_open(struct inode *inode, struct file *f);
int pty_slave_open(unsigned index, struct file *f);
/* The pty slave controlling session sid, opened into f (/dev/tty): 0,
 * or -ENXIO if it has none. */
int pty_open_ctty(int sid, struct file *f);
struct tty *pty_tty_of_session(int sid);
/* Session sid's leader exits: its pty, if any, stops controlling sid
 * and the foreground group gets SIGHUP (Linux: the controlling process of
 * a pty exits). */
void pty_session_end(int sid);
/* vhangup: hangs up the pty slave controlling session sid; false if
 * none does. */
bool pty_hangup_session(int sid);
/* t stops being sid's controlling terminal, if it is (tty.c); returns
 * the foreground group it had then, or 0. */
int tty_forget_session(struct tty *t, int sid);
/* mount -t devpts: a new view of the one set of ptys. */
struct path;
int devpts_mount(u32 flags, const struct path *at);

#endif /* ALLOY_TTY_H */
