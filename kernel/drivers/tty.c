/*
 * The console terminal: the serial port behind the line discipline
 * (tty_ldisc.c). Received bytes arrive in the UART interrupt, go through
 * the discipline under tty.lock (a spinlock: interrupt context), and wake
 * readers; ^C/^\/^Z signal the foreground process group. Output goes
 * through the discipline's output processing to the console. There is
 * one terminal: /dev/console, /dev/tty and /dev/ttyS0 all open it.
 */
#include <alloy/console.h>
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/poll.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/spinlock.h>
#include <alloy/tty.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>

#define CHUNK 256

void serial_enable_rx(void (*rx)(u8 c));
int proc_signal_group(int pgid, int sig);

static struct {
	spinlock_t lock;
	struct ldisc ld;		/* [lock] */
	struct wait_queue rd_wq;
	int fg_pgrp;			/* [lock] foreground process group */
	bool ready;
} tty = { .lock = SPINLOCK_INIT("tty", LR_TTY) };

static void tty_rx(u8 c)
{
	u8 echo[LDISC_ECHO_BUF];
	size_t echo_len = 0;
	unsigned long flags = spin_lock_irqsave(&tty.lock);
	int sig = ldisc_receive(&tty.ld, c, echo, sizeof(echo), &echo_len);
	int pg = tty.fg_pgrp;
	bool readable = ldisc_readable(&tty.ld);

	spin_unlock_irqrestore(&tty.lock, flags);
	if (echo_len)
		console_write_raw((const char *)echo, echo_len);
	if (sig && pg > 0)
		proc_signal_group(pg, sig);
	if (readable || sig)
		wake_up_all(&tty.rd_wq);
}

static bool can_read(void)
{
	unsigned long flags = spin_lock_irqsave(&tty.lock);
	bool r = ldisc_readable(&tty.ld);

	spin_unlock_irqrestore(&tty.lock, flags);
	return r || signal_pending();
}

static long tty_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	u8 buf[CHUNK];

	(void)pos;
	if (!n)
		return 0;
	for (;;) {
		unsigned vmin = 1, vtime = 0;
		unsigned long flags = spin_lock_irqsave(&tty.lock);
		bool r = ldisc_readable(&tty.ld);
		bool raw = ldisc_raw_timing(&tty.ld, &vmin, &vtime);
		struct ldisc_taken tk;
		size_t got = r ? ldisc_read_taken(&tty.ld, buf, MIN(n, sizeof(buf)), &tk) : 0;
		spin_unlock_irqrestore(&tty.lock, flags);
		if (r && !iob_copy_out(b, 0, buf, got))
			return (long)got;
		if (r) {
			/* the reader got nothing: its input stays queued */
			flags = spin_lock_irqsave(&tty.lock);
			bool back = ldisc_unread(&tty.ld, &tk);
			spin_unlock_irqrestore(&tty.lock, flags);
			if (back)
				wake_up_all(&tty.rd_wq);
			return -EFAULT;
		}
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (signal_pending())
			return -ERESTARTSYS;
		/* raw mode with VMIN 0: a poll (VTIME 0) or a timed read
		 * (VTIME tenths of a second); VMIN > 1 is treated as 1 */
		if (raw && vmin == 0) {
			if (!vtime || !wait_event_timeout(tty.rd_wq, can_read(),
							  vtime * 100000000ULL))
				return 0;
			continue;
		}
		wait_event(tty.rd_wq, can_read());
	}
}

static long tty_write(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	u8 in[CHUNK], out[2 * CHUNK];
	size_t done = 0;

	(void)f; (void)pos;
	while (done < n) {
		if (done && signal_pending())
			break;
		size_t k = MIN(n - done, sizeof(in)), used = 0, out_len;
		if (iob_copy_in(in, b, done, k))
			return done ? (long)done : -EFAULT;
		while (used < k) {
			unsigned long flags = spin_lock_irqsave(&tty.lock);
			used += ldisc_output(&tty.ld, in + used, k - used, out, sizeof(out), &out_len);
			spin_unlock_irqrestore(&tty.lock, flags);
			console_write_raw((const char *)out, out_len);
		}
		done += k;
	}
	return (long)done;
}

static unsigned int tty_poll(struct file *f, struct poll_table *pt)
{
	(void)f;
	poll_wait(pt, &tty.rd_wq);
	unsigned long flags = spin_lock_irqsave(&tty.lock);
	bool r = ldisc_readable(&tty.ld);
	spin_unlock_irqrestore(&tty.lock, flags);
	return POLLOUT | POLLWRNORM | (r ? POLLIN | POLLRDNORM : 0);
}

static long tty_ioctl(struct file *f, u32 cmd, u64 arg)
{
	struct termios t;
	struct winsize ws;
	int v;
	unsigned long flags;

	(void)f;
	switch (cmd) {
	case TCGETS:
		flags = spin_lock_irqsave(&tty.lock);
		t = tty.ld.t;
		spin_unlock_irqrestore(&tty.lock, flags);
		return copy_to_user((void *)arg, &t, sizeof(t));
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		if (copy_from_user(&t, (const void *)arg, sizeof(t)))
			return -EFAULT;
		flags = spin_lock_irqsave(&tty.lock);
		if (cmd == TCSETSF)
			ldisc_flush_input(&tty.ld);
		ldisc_set_termios(&tty.ld, &t);
		spin_unlock_irqrestore(&tty.lock, flags);
		wake_up_all(&tty.rd_wq);
		return 0;
	case TIOCGWINSZ:
		flags = spin_lock_irqsave(&tty.lock);
		ws = tty.ld.ws;
		spin_unlock_irqrestore(&tty.lock, flags);
		return copy_to_user((void *)arg, &ws, sizeof(ws));
	case TIOCSWINSZ:
		if (copy_from_user(&ws, (const void *)arg, sizeof(ws)))
			return -EFAULT;
		flags = spin_lock_irqsave(&tty.lock);
		tty.ld.ws = ws;
		spin_unlock_irqrestore(&tty.lock, flags);
		return 0;
	case TIOCGPGRP:
		flags = spin_lock_irqsave(&tty.lock);
		v = tty.fg_pgrp ? tty.fg_pgrp : current_proc()->pgid;
		spin_unlock_irqrestore(&tty.lock, flags);
		return copy_to_user((void *)arg, &v, sizeof(v));
	case TIOCSPGRP:
		if (copy_from_user(&v, (const void *)arg, sizeof(v)))
			return -EFAULT;
		if (v <= 0)
			return -EINVAL;
		flags = spin_lock_irqsave(&tty.lock);
		tty.fg_pgrp = v;
		spin_unlock_irqrestore(&tty.lock, flags);
		return 0;
	case TIOCGSID:
		v = current_proc()->sid;
		return copy_to_user((void *)arg, &v, sizeof(v));
	case TIOCSCTTY:
	case TIOCNOTTY:
		return 0;
	case FIONREAD:
		flags = spin_lock_irqsave(&tty.lock);
		v = (int)ldisc_pending(&tty.ld);
		spin_unlock_irqrestore(&tty.lock, flags);
		return copy_to_user((void *)arg, &v, sizeof(v));
	case TCFLSH:
		flags = spin_lock_irqsave(&tty.lock);
		if (arg == 0 || arg == 2)
			ldisc_flush_input(&tty.ld);
		spin_unlock_irqrestore(&tty.lock, flags);
		return 0;
	case TCXONC:
	case 0x5409:	/* TCSBRK: tcdrain; output is synchronous */
		return 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_ops tty_fops = {
	.read = tty_read,
	.write = tty_write,
	.poll = tty_poll,
	.ioctl = tty_ioctl,
};

int tty_open(struct inode *inode, struct file *f)
{
	(void)inode;
	if (!tty.ready)
		return -ENXIO;
	f->fop = &tty_fops;
	return 0;
}

void tty_init(void)
{
	ldisc_init(&tty.ld);
	wait_queue_init(&tty.rd_wq, "tty-read");
	tty.ready = true;
	serial_enable_rx(tty_rx);
}
