/*
 * timerfd: a timer whose expiries a read collects as a count. It runs on
 * the kernel's one-shot timers (<alloy/timer.h>), re-armed from the
 * callback for a periodic one; the count includes expiries the callback
 * came too late for (overruns), as Linux's hrtimer_forward. Deadlines are
 * monotonic: the syscalls turn the other clocks' times into these.
 *
 * The wait queue's lock guards the state. `queued` says the ktimer is
 * started and its callback has not begun: whoever clears it owns the
 * ktimer (settime after a successful cancel, or the callback itself),
 * so the timer is never started twice, and release waits for a callback
 * in flight before it frees.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/event.h>
#include <alloy/poll.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/timer.h>
#include <alloy/vfs.h>

struct timerfd {
	struct wait_queue wq;	/* readers, pollers; its lock: the rest */
	struct ktimer tm;
	u64 expires;		/* next expiry (ktime_ns), 0: disarmed */
	u64 interval;		/* 0: one-shot */
	u64 ticks;		/* expiries not read yet */
	bool queued;		/* tm started, callback not begun */
	bool dead;		/* released: the callback must not re-arm */
	int clockid;
};

static void tfd_fire(void *arg);

/* Lock held. */
static void tfd_arm(struct timerfd *t)
{
	if (t->expires && !t->queued) {
		t->queued = true;
		timer_start(&t->tm, t->expires, tfd_fire, t);
	}
}

/* Lock held: counts the expiries up to now and moves to the next one. */
static void tfd_advance(struct timerfd *t, u64 now)
{
	if (!t->expires || now < t->expires)
		return;
	u64 n = 1, next;
	if (t->interval) {
		n += (now - t->expires) / t->interval;
		if (__builtin_mul_overflow(n, t->interval, &next) ||
		    __builtin_add_overflow(t->expires, next, &next))
			next = 0;	/* beyond 2^64 ns: never again */
		t->expires = next;
	} else {
		t->expires = 0;
	}
	if (__builtin_add_overflow(t->ticks, n, &t->ticks))
		t->ticks = ~0ULL;
	wake_up_all_locked(&t->wq);
}

static void tfd_fire(void *arg)
{
	struct timerfd *t = arg;
	unsigned long flags = spin_lock_irqsave(&t->wq.lock);

	t->queued = false;
	if (!t->dead) {
		tfd_advance(t, ktime_ns());
		tfd_arm(t);	/* periodic, or settime changed it meanwhile */
	}
	spin_unlock_irqrestore(&t->wq.lock, flags);	/* t may go after this */
}

/* Lock held: the time to the next expiry. */
static u64 tfd_left(struct timerfd *t, u64 now)
{
	if (!t->expires)
		return 0;
	if (t->expires > now)
		return t->expires - now;
	if (!t->interval)
		return 1;	/* due; the callback is on its way */
	return t->interval - (now - t->expires) % t->interval;
}

void timerfd_set(struct file *f, u64 deadline, u64 interval, u64 old[2])
{
	struct timerfd *t = f->priv;
	unsigned long flags = spin_lock_irqsave(&t->wq.lock);

	old[0] = tfd_left(t, ktime_ns());
	old[1] = t->interval;
	if (t->queued && timer_cancel(&t->tm))
		t->queued = false;
	t->expires = deadline;
	t->interval = interval;		/* kept even when disarmed, as Linux */
	t->ticks = 0;
	tfd_arm(t);		/* still queued: the running callback arms it */
	spin_unlock_irqrestore(&t->wq.lock, flags);
}

void timerfd_get(struct file *f, u64 cur[2])
{
	struct timerfd *t = f->priv;
	unsigned long flags = spin_lock_irqsave(&t->wq.lock);

	cur[0] = tfd_left(t, ktime_ns());
	cur[1] = t->interval;
	spin_unlock_irqrestore(&t->wq.lock, flags);
}

static bool tfd_take(struct timerfd *t, u64 *v)
{
	unsigned long flags = spin_lock_irqsave(&t->wq.lock);

	*v = t->ticks;
	t->ticks = 0;
	spin_unlock_irqrestore(&t->wq.lock, flags);
	return *v != 0;
}

static long tfd_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct timerfd *t = f->priv;
	u64 v;

	(void)pos;
	if (n < 8)
		return -EINVAL;
	while (!tfd_take(t, &v)) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (signal_pending())
			return -ERESTARTSYS;
		wait_event(t->wq, READ_ONCE(t->ticks) || signal_pending());
	}
	return iob_copy_out(b, 0, &v, 8) ? -EFAULT : 8;
}

static unsigned int tfd_poll(struct file *f, struct poll_table *pt)
{
	struct timerfd *t = f->priv;

	poll_wait(pt, &t->wq);
	return READ_ONCE(t->ticks) ? POLLIN | POLLRDNORM : 0;
}

static void tfd_release(struct file *f)
{
	struct timerfd *t = f->priv;
	unsigned long flags = spin_lock_irqsave(&t->wq.lock);
	bool busy;

	t->dead = true;
	if (t->queued && timer_cancel(&t->tm))
		t->queued = false;
	spin_unlock_irqrestore(&t->wq.lock, flags);
	/* A callback in flight runs with interrupts off on another CPU and
	 * only clears `queued`: wait the few instructions it takes. */
	do {
		flags = spin_lock_irqsave(&t->wq.lock);
		busy = t->queued;
		spin_unlock_irqrestore(&t->wq.lock, flags);
		if (busy)
			arch_cpu_relax();
	} while (busy);
	kfree(t);
}

static const struct file_ops timerfd_fops = {
	.read = tfd_read,
	.poll = tfd_poll,
	.release = tfd_release,
};

bool is_timerfd(const struct file *f)
{
	return f->fop == &timerfd_fops;
}

int timerfd_clock(const struct file *f)
{
	return ((struct timerfd *)f->priv)->clockid;
}

int timerfd_file(int clockid, u32 flags, struct file **out)
{
	struct timerfd *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	wait_queue_init(&t->wq, "timerfd");
	t->tm.cpu = -1;
	t->clockid = clockid;
	*out = anon_file(&timerfd_fops, t, O_RDWR | (flags & TFD_NONBLOCK));
	if (!*out) {
		kfree(t);
		return -ENOMEM;
	}
	return 0;
}
