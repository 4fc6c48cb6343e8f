/*
 * Terminals: the file operations every terminal shares, around one line
 * discipline instance each (tty_ldisc.c), and the console, the first
 * terminal: the serial port. A pty slave (pty.c) is another.
 *
 * Input (the UART interrupt, a pty master's writes) goes through the
 * discipline under tty->lock (a spinlock: interrupt context) and wakes
 * readers; ^C/^\/^Z signal the foreground process group. Output goes
 * through the discipline's output processing to the hardware side
 * (struct tty_ops): the console writes it out, a pty queues it for its
 * master and a writer waits while that queue is full.
 *
 * Sessions: a terminal controls at most one session (tty->sid, set by
 * TIOCSCTTY from a session leader) and a process's controlling terminal
 * is the one whose sid is its session's; there is no per-process pointer.
 * The console keeps its old laxity: no session claims it (TIOCSCTTY does
 * nothing there), anyone may read, write and set its foreground group.
 * /dev/tty is the caller's controlling terminal, or the console.
 */
#include <alloy/pid.h>
#include <alloy/console.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/poll.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/tty.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>
#include <uapi/signal.h>

#define CHUNK 256
#define MIN_ROOM 8	/* output room that takes any byte's expansion */

void serial_enable_rx(void (*rx)(u8 c));

static struct tty console;
static bool console_ready;

void tty_setup(struct tty *t, const struct tty_ops *ops, bool lax)
{
	spin_lock_init(&t->lock, "tty", LR_TTY);
	ldisc_init(&t->ld);
	wait_queue_init(&t->rd_wq, "tty-read");
	wait_queue_init(&t->wr_wq, "tty-write");
	t->fg_pgrp = t->sid = 0;
	t->hung_up = false;
	t->lax = lax;
	t->ops = ops;
}

/* Output room now; caller holds t->lock. A console never fills; a pty's
 * output waits while ^S has stopped it (the console's goes on: the
 * kernel's own messages share the line). */
static size_t room(struct tty *t)
{
	if (!t->ops->write_room)
		return SIZE_MAX;
	return t->ld.stopped ? 0 : t->ops->write_room(t);
}

/* Sends processed bytes: queued under the lock (pty), or emitted after
 * it (console). Caller holds t->lock; *emit_len says what to emit. */
static void put_locked(struct tty *t, const u8 *b, size_t n, bool *queued)
{
	if (!n || !t->ops->queue)
		return;
	t->ops->queue(t, b, MIN(n, room(t)));	/* echo beyond the room is lost */
	*queued = true;
}

static void put_unlocked(struct tty *t, const u8 *b, size_t n, bool queued)
{
	if (n && t->ops->emit)
		t->ops->emit(t, b, n);
	if (queued && t->ops->notify)
		t->ops->notify(t);
}

size_t tty_receive(struct tty *t, const u8 *b, size_t n, bool block_full)
{
	u8 echo[LDISC_ECHO_BUF];
	size_t i;

	for (i = 0; i < n; i++) {
		size_t echo_len = 0;
		bool queued = false;
		unsigned long fl = spin_lock_irqsave(&t->lock);
		/* full: wait for the reader, unless it cannot read (a
		 * canonical line fills the queue), when bytes are dropped */
		if (block_full && !ldisc_room(&t->ld) && ldisc_readable(&t->ld)) {
			spin_unlock_irqrestore(&t->lock, fl);
			break;
		}
		bool was_stopped = t->ld.stopped;
		int sig = ldisc_receive(&t->ld, b[i], echo, sizeof(echo), &echo_len);
		int pg = t->fg_pgrp, pg_sid = t->sid;
		bool readable = ldisc_readable(&t->ld);
		bool restarted = was_stopped && !t->ld.stopped;
		/* ^C: what the program wrote before is dropped too (n_tty) */
		if (sig && !(t->ld.t.c_lflag & NOFLSH) && t->ops->flush) {
			t->ops->flush(t);
			restarted = true;
		}
		put_locked(t, echo, echo_len, &queued);
		spin_unlock_irqrestore(&t->lock, fl);
		put_unlocked(t, echo, t->ops->queue ? 0 : echo_len, queued);
		if (sig && pg > 0)	/* pg_sid 0: the console, no session */
			proc_signal_group_in(pg, pg_sid, sig);
		if (readable || sig)
			wake_up_all(&t->rd_wq);
		if (restarted)
			wake_up_all(&t->wr_wq);	/* ^Q, or room after a flush */
	}
	return i;
}

/* ---- sessions and job control ---- */

static bool session_alive(int sid)
{
	return sid > 0 && proc_sid_of(sid) == sid;
}

/* The session t controls, forgetting one whose leader has gone (as
 * Linux disassociates the terminal when its session leader exits). */
static int owner(struct tty *t)
{
	unsigned long fl = spin_lock_irqsave(&t->lock);
	int sid = t->sid;

	spin_unlock_irqrestore(&t->lock, fl);
	if (sid && !session_alive(sid)) {
		fl = spin_lock_irqsave(&t->lock);
		if (t->sid == sid) {
			t->sid = 0;
			t->fg_pgrp = 0;
		}
		spin_unlock_irqrestore(&t->lock, fl);
		sid = 0;
	}
	return sid;
}

int tty_forget_session(struct tty *t, int sid)
{
	unsigned long fl = spin_lock_irqsave(&t->lock);
	int fg = 0;

	if (t->sid == sid) {
		fg = t->fg_pgrp;
		t->sid = 0;
		t->fg_pgrp = 0;
	}
	spin_unlock_irqrestore(&t->lock, fl);
	return fg;
}

void tty_session_end(int sid)
{
	if (sid <= 0)
		return;
	if (console_ready)
		tty_forget_session(&console, sid);
	pty_session_end(sid);
}

struct tty *tty_of_session(int sid)
{
	if (sid <= 0)
		return NULL;
	if (console_ready && owner(&console) == sid)
		return &console;
	return pty_tty_of_session(sid);
}

static bool sig_refused(int sig)
{
	struct process *me = current_proc();

	return READ_ONCE(me->sighand->sa[sig - 1].handler) == SIG_IGN ||
	       (READ_ONCE(current_task()->blocked) & (1ULL << (sig - 1)));
}

/*
 * A background process (its terminal, another foreground group) that
 * reads (SIGTTIN), or writes or changes settings (SIGTTOU): its group
 * is stopped and the call restarted after SIGCONT. A refused SIGTTIN,
 * or either in an orphaned group, is EIO; a refused SIGTTOU lets the
 * write through.
 */
static int job_check(struct tty *t, int sig)
{
	struct process *me = current_proc();
	unsigned long fl = spin_lock_irqsave(&t->lock);
	int sid = t->sid, fg = t->fg_pgrp;

	spin_unlock_irqrestore(&t->lock, fl);
	if (!sid || sid != READ_ONCE(me->sid) || !fg || READ_ONCE(me->pgid) == fg)
		return 0;
	if (sig_refused(sig))
		return sig == SIGTTIN ? -EIO : 0;
	if (proc_pgrp_orphaned(me))
		return -EIO;
	proc_signal_group(READ_ONCE(me->pgid), sig);
	return -ERESTARTSYS;
}

/* Is t the caller's controlling terminal (the console counts while no
 * session has it)? */
static bool is_mine(struct tty *t)
{
	int sid = owner(t);

	return sid ? sid == READ_ONCE(current_proc()->sid) : t->lax;
}

static long set_ctty(struct tty *t, u64 arg)
{
	struct process *me = current_proc();
	int sid = READ_ONCE(me->sid);
	struct tty *cur;
	struct cred c;

	if (t->lax)
		return 0;	/* the console stays everybody's (as before) */
	if (me->pid != sid)
		return -EPERM;		/* only a session leader */
	cur = tty_of_session(sid);
	if (cur == t)
		return 0;
	if (cur)
		return -EPERM;		/* it has one already */
	cred_current(&c);
	int other = owner(t);
	if (other && !(arg == 1 && cred_is_root(&c)))
		return -EPERM;		/* another session's: only root steals */
	unsigned long fl = spin_lock_irqsave(&t->lock);
	if (t->hung_up) {
		spin_unlock_irqrestore(&t->lock, fl);
		return -EIO;
	}
	t->sid = sid;
	t->fg_pgrp = READ_ONCE(me->pgid);
	spin_unlock_irqrestore(&t->lock, fl);
	return 0;
}

/* SIGHUP, then SIGCONT, to process pid; from the kernel, unchecked. */
static void hup_process(int pid)
{
	struct ksiginfo hup = { .signo = SIGHUP, .code = SI_KERNEL };
	struct ksiginfo cont = { .signo = SIGCONT, .code = SI_KERNEL };
	struct process *p = pid > 0 ? proc_find_global(pid) : NULL;

	if (!p)
		return;
	if (!READ_ONCE(p->zombie)) {
		signal_send(p, &hup);
		signal_send(p, &cont);
	}
	proc_put(p);
}

void tty_hangup(struct tty *t)
{
	unsigned long fl = spin_lock_irqsave(&t->lock);
	int sid = t->sid, fg = t->fg_pgrp;

	t->hung_up = true;
	t->sid = 0;
	t->fg_pgrp = 0;
	spin_unlock_irqrestore(&t->lock, fl);
	wake_up_all(&t->rd_wq);
	wake_up_all(&t->wr_wq);
	if (session_alive(sid))	/* not a later process given its pid */
		hup_process(sid);
	if (fg > 0 && fg != sid)
		proc_signal_group_in(fg, sid, SIGHUP);
}

/* TIOCNOTTY: the session leader gives its terminal up, and the
 * foreground group gets SIGHUP and SIGCONT (Linux's disassociate_ctty).
 * Another member cannot leave alone: there is no per-process link. */
static long no_ctty(struct tty *t)
{
	struct process *me = current_proc();
	int sid = owner(t);

	if (!sid)
		return t->lax ? 0 : -ENOTTY;
	if (sid != READ_ONCE(me->sid))
		return -ENOTTY;
	if (me->pid != sid)
		return 0;
	unsigned long fl = spin_lock_irqsave(&t->lock);
	int fg = t->fg_pgrp;
	t->sid = 0;
	t->fg_pgrp = 0;
	spin_unlock_irqrestore(&t->lock, fl);
	if (fg > 0) {
		proc_signal_group_in(fg, sid, SIGHUP);
		proc_kill(-fg, SIGCONT, SI_KERNEL);
	}
	return 0;
}

/* TIOCSPGRP: a group of the caller's session, on its own terminal. */
static long set_pgrp(struct tty *t, u64 arg)
{
	struct process *me = current_proc();
	int v, sid = owner(t), rc;

	if (copy_from_user(&v, (const void *)arg, sizeof(v)))
		return -EFAULT;
	if (v < 0)
		return -EINVAL;
	if (sid && sid != READ_ONCE(me->sid))
		return -ENOTTY;
	if (!sid && !t->lax)
		return -ENOTTY;
	if (sid && (rc = job_check(t, SIGTTOU)))
		return rc;
	if (sid && v == 0)
		return -ESRCH;	/* Linux: no group 0 */
	int uv = v;
	if (v > 0 && !(v = pid_from_user(v)))
		return -ESRCH;	/* none in the caller's PID namespace */
	if (sid) {	/* the group's leader, if alive, is in our session */
		int lsid = proc_sid_of(v);
		if (lsid >= 0 && lsid != sid)
			return -EPERM;
		if (lsid < 0 && (v == 1 || proc_kill(-uv, 0, SI_KERNEL)))
			return -ESRCH;	/* no such group (-1 would be everyone) */
	} else if (v == 0) {
		return -EINVAL;
	}
	unsigned long fl = spin_lock_irqsave(&t->lock);
	t->fg_pgrp = v;
	spin_unlock_irqrestore(&t->lock, fl);
	return 0;
}

/* ---- file operations ---- */

static struct tty *tty_of(struct file *f)
{
	return f->priv;
}

/* Bytes a raw read waits for: VMIN, at most what was asked. */
static size_t want(size_t n, unsigned vmin)
{
	return MIN(MIN((size_t)vmin, n), (size_t)LDISC_BUF);
}

static bool can_read(struct tty *t, size_t need)
{
	unsigned long fl = spin_lock_irqsave(&t->lock);
	bool r = t->hung_up || (ldisc_readable(&t->ld) &&
				(need <= 1 || !ldisc_raw_timing(&t->ld, &(unsigned){0}, &(unsigned){0}) ||
				 ldisc_pending(&t->ld) >= need));

	spin_unlock_irqrestore(&t->lock, fl);
	return r || signal_pending();
}

static long do_read(struct tty *t, struct iobuf b, size_t n)
{
	u8 buf[CHUNK];
	struct ldisc_taken tk;
	unsigned long fl = spin_lock_irqsave(&t->lock);
	size_t got = ldisc_read_taken(&t->ld, buf, MIN(n, sizeof(buf)), &tk);

	spin_unlock_irqrestore(&t->lock, fl);
	if (!iob_copy_out(b, 0, buf, got)) {
		if (t->ops->notify)
			t->ops->notify(t);	/* room for the master's writes */
		return (long)got;
	}
	/* the reader got nothing: its input stays queued */
	fl = spin_lock_irqsave(&t->lock);
	bool back = ldisc_unread(&t->ld, &tk);
	spin_unlock_irqrestore(&t->lock, fl);
	if (back)
		wake_up_all(&t->rd_wq);
	return -EFAULT;
}

static long tty_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct tty *t = tty_of(f);
	long rc;

	(void)pos;
	if (!n)
		return 0;
	if ((rc = job_check(t, SIGTTIN)))
		return rc;
	for (;;) {
		unsigned vmin = 1, vtime = 0;
		unsigned long fl = spin_lock_irqsave(&t->lock);
		bool r = ldisc_readable(&t->ld), hung = t->hung_up;
		bool raw = ldisc_raw_timing(&t->ld, &vmin, &vtime);
		size_t have = ldisc_pending(&t->ld);
		spin_unlock_irqrestore(&t->lock, fl);
		size_t need = raw ? want(n, vmin) : 1;
		/* VMIN > 1: wait for that many, or with VTIME for a pause
		 * of VTIME after the first byte */
		if (r && raw && have < need && !hung && !(f->flags & O_NONBLOCK)) {
			if (vtime)
				wait_event_timeout(t->rd_wq, can_read(t, need), vtime * 100000000ULL);
			else
				wait_event(t->rd_wq, can_read(t, need));
		}
		if (r)
			return do_read(t, b, n);
		if (hung)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (signal_pending())
			return -ERESTARTSYS;
		/* raw mode with VMIN 0: a poll (VTIME 0) or a timed read
		 * (VTIME tenths of a second) */
		if (raw && vmin == 0) {
			if (!vtime || !wait_event_timeout(t->rd_wq, can_read(t, 1),
							  vtime * 100000000ULL))
				return 0;
			continue;
		}
		wait_event(t->rd_wq, can_read(t, 1));
	}
}

static bool can_write(struct tty *t)
{
	unsigned long fl = spin_lock_irqsave(&t->lock);
	bool w = t->hung_up || room(t) >= MIN_ROOM;

	spin_unlock_irqrestore(&t->lock, fl);
	return w || signal_pending();
}

static long tty_write(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct tty *t = tty_of(f);
	u8 in[CHUNK], out[2 * CHUNK];
	size_t done = 0;
	long rc;

	(void)pos;
	if (READ_ONCE(t->ld.t.c_lflag) & TOSTOP && (rc = job_check(t, SIGTTOU)))
		return rc;
	while (done < n) {
		if (done && signal_pending())
			break;
		size_t k = MIN(n - done, sizeof(in)), used = 0, out_len;
		if (iob_copy_in(in, b, done, k))
			return done ? (long)done : -EFAULT;
		while (used < k) {
			bool queued = false;
			unsigned long fl = spin_lock_irqsave(&t->lock);
			size_t r = room(t);
			if (t->hung_up || r < MIN_ROOM) {
				bool hung = t->hung_up;
				size_t part = done + used;
				spin_unlock_irqrestore(&t->lock, fl);
				if (hung)
					return part ? (long)part : -EIO;
				if (f->flags & O_NONBLOCK)
					return part ? (long)part : -EAGAIN;
				if (signal_pending())
					return part ? (long)part : -ERESTARTSYS;
				wait_event(t->wr_wq, can_write(t));
				continue;
			}
			used += ldisc_output(&t->ld, in + used, k - used, out,
					     MIN(sizeof(out), r), &out_len);
			put_locked(t, out, out_len, &queued);
			spin_unlock_irqrestore(&t->lock, fl);
			put_unlocked(t, out, t->ops->queue ? 0 : out_len, queued);
		}
		done += k;
	}
	return (long)done;
}

static unsigned int tty_poll(struct file *f, struct poll_table *pt)
{
	struct tty *t = tty_of(f);

	poll_wait(pt, &t->rd_wq);
	poll_wait(pt, &t->wr_wq);
	unsigned long fl = spin_lock_irqsave(&t->lock);
	bool r = ldisc_readable(&t->ld), w = room(t) >= MIN_ROOM, hung = t->hung_up;
	spin_unlock_irqrestore(&t->lock, fl);
	if (hung)
		return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLERR | POLLHUP;
	return (w ? POLLOUT | POLLWRNORM : 0) | (r ? POLLIN | POLLRDNORM : 0);
}

/* TCGETA: termios cut down to a termio. */
static long get_termio(struct tty *t, u64 arg)
{
	unsigned long fl = spin_lock_irqsave(&t->lock);
	struct termios tio = t->ld.t;
	struct termio o;

	spin_unlock_irqrestore(&t->lock, fl);
	o = (struct termio){ .c_iflag = (u16)tio.c_iflag, .c_oflag = (u16)tio.c_oflag,
			     .c_cflag = (u16)tio.c_cflag, .c_lflag = (u16)tio.c_lflag,
			     .c_line = tio.c_line };
	memcpy(o.c_cc, tio.c_cc, NCC);
	return copy_to_user((void *)arg, &o, sizeof(o));
}

/* TCSETA*: as Linux, a termio replaces the low 16 bits of each flag word
 * and the first NCC control characters. */
static int termio_to_termios(struct tty *t, u64 arg, struct termios *out)
{
	struct termio o;

	if (copy_from_user(&o, (const void *)arg, sizeof(o)))
		return -EFAULT;
	unsigned long fl = spin_lock_irqsave(&t->lock);
	*out = t->ld.t;
	spin_unlock_irqrestore(&t->lock, fl);
	out->c_iflag = (out->c_iflag & 0xffff0000u) | o.c_iflag;
	out->c_oflag = (out->c_oflag & 0xffff0000u) | o.c_oflag;
	out->c_cflag = (out->c_cflag & 0xffff0000u) | o.c_cflag;
	out->c_lflag = (out->c_lflag & 0xffff0000u) | o.c_lflag;
	out->c_line = o.c_line;
	memcpy(out->c_cc, o.c_cc, NCC);
	return 0;
}

long tty_ioctl_on(struct tty *t, u32 cmd, u64 arg, bool master)
{
	struct termios tio;
	struct winsize ws;
	int v;
	unsigned long fl;
	long rc;

	switch (cmd) {
	case TCGETS:
		fl = spin_lock_irqsave(&t->lock);
		tio = t->ld.t;
		spin_unlock_irqrestore(&t->lock, fl);
		return copy_to_user((void *)arg, &tio, sizeof(tio));
	case TCGETA:
		return get_termio(t, arg);
	case TCSETA:
	case TCSETAW:
	case TCSETAF:
		if ((rc = termio_to_termios(t, arg, &tio)))
			return rc;
		cmd = cmd == TCSETAF ? TCSETSF : TCSETS;
		goto set;
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		if (copy_from_user(&tio, (const void *)arg, sizeof(tio)))
			return -EFAULT;
set:
		if (!master && (rc = job_check(t, SIGTTOU)))
			return rc;
		fl = spin_lock_irqsave(&t->lock);
		if (cmd == TCSETSF)
			ldisc_flush_input(&t->ld);
		ldisc_set_termios(&t->ld, &tio);
		spin_unlock_irqrestore(&t->lock, fl);
		wake_up_all(&t->rd_wq);
		if (t->ops->notify)
			t->ops->notify(t);
		return 0;
	case TIOCGWINSZ:
		fl = spin_lock_irqsave(&t->lock);
		ws = t->ld.ws;
		spin_unlock_irqrestore(&t->lock, fl);
		return copy_to_user((void *)arg, &ws, sizeof(ws));
	case TIOCSWINSZ: {
		if (copy_from_user(&ws, (const void *)arg, sizeof(ws)))
			return -EFAULT;
		fl = spin_lock_irqsave(&t->lock);
		bool changed = memcmp(&t->ld.ws, &ws, sizeof(ws)) != 0;
		int pg = t->fg_pgrp, pg_sid = t->sid;
		t->ld.ws = ws;
		spin_unlock_irqrestore(&t->lock, fl);
		if (changed && pg > 0)
			proc_signal_group_in(pg, pg_sid, SIGWINCH);
		return 0;
	}
	case TIOCGPGRP:
		if (!master && !is_mine(t))
			return -ENOTTY;
		fl = spin_lock_irqsave(&t->lock);
		v = t->fg_pgrp ? t->fg_pgrp : t->lax ? current_proc()->pgid : 0;
		spin_unlock_irqrestore(&t->lock, fl);
		v = pid_to_user(v);	/* the caller's number (0: outside) */
		return copy_to_user((void *)arg, &v, sizeof(v));
	case TIOCSPGRP:
		return set_pgrp(t, arg);
	case TIOCGDEV:
		v = (int)t->dev;
		return copy_to_user((void *)arg, &v, sizeof(v));
	case TIOCGSID:
		v = owner(t);
		if (!v && t->lax)
			v = current_proc()->sid;
		if (!v)
			return -ENOTTY;
		v = pid_to_user(v);
		return copy_to_user((void *)arg, &v, sizeof(v));
	case TIOCSCTTY:
		return master ? -EINVAL : set_ctty(t, arg);
	case TIOCNOTTY:
		return master ? -ENOTTY : no_ctty(t);
	case FIONREAD:
		fl = spin_lock_irqsave(&t->lock);
		v = (int)ldisc_pending(&t->ld);
		spin_unlock_irqrestore(&t->lock, fl);
		return copy_to_user((void *)arg, &v, sizeof(v));
	case TCFLSH:
		if (arg > TCIOFLUSH)
			return -EINVAL;
		fl = spin_lock_irqsave(&t->lock);
		if (arg == TCIFLUSH || arg == TCIOFLUSH)
			ldisc_flush_input(&t->ld);
		spin_unlock_irqrestore(&t->lock, fl);
		if (t->ops->notify)
			t->ops->notify(t);
		return 0;
	case TCXONC:
	case TCSBRK:	/* tcdrain: nothing waits below the queue */
	case TCSBRKP:	/* a break: nothing to send it on */
		return 0;
	default:
		return -ENOTTY;
	}
}

static long tty_ioctl(struct file *f, u32 cmd, u64 arg)
{
	struct tty *t = tty_of(f);
	unsigned long fl = spin_lock_irqsave(&t->lock);
	bool hung = t->hung_up;

	spin_unlock_irqrestore(&t->lock, fl);
	if (hung && cmd != TCGETS && cmd != TIOCGWINSZ)
		return -EIO;
	return tty_ioctl_on(t, cmd, arg, false);
}

static void tty_release(struct file *f)
{
	struct tty *t = tty_of(f);

	if (t && t->ops->release)
		t->ops->release(t, f);
}

const struct file_ops tty_fops = {
	.read = tty_read,
	.write = tty_write,
	.poll = tty_poll,
	.ioctl = tty_ioctl,
	.release = tty_release,
};

/* ---- the console ---- */

static void console_emit(struct tty *t, const u8 *b, size_t n)
{
	(void)t;
	console_write_raw((const char *)b, n);
}

static const struct tty_ops console_ops = { .emit = console_emit };

static void console_rx(u8 c)
{
	tty_receive(&console, &c, 1, false);
}

int tty_open(struct inode *inode, struct file *f)
{
	if (!console_ready)
		return -ENXIO;
	/* /dev/tty: the caller's controlling terminal if it is a pty */
	if (inode->rdev == MKDEV(5, 0)) {
		int sid = READ_ONCE(current_proc()->sid);
		if (owner(&console) != sid && !pty_open_ctty(sid, f))
			return 0;
	}
	f->fop = &tty_fops;
	f->priv = &console;
	return 0;
}

void tty_init(void)
{
	tty_setup(&console, &console_ops, true);
	console.dev = MKDEV(4, 64);
	console_ready = true;
	serial_enable_rx(console_rx);
}
