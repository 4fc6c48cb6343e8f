/*
 * POSIX timers: timer_create, timer_settime, timer_gettime,
 * timer_getoverrun, timer_delete (see <alloy/ptimer.h>, docs/time.md).
 *
 * A timer's state is [p->sig_lock], the lock its signal is queued under,
 * so "is my signal still pending?" and "count an overrun" are one step.
 * Standard and real-time signals here have one pending slot per number
 * (per thread and per process), where Linux queues a timer's own
 * preallocated entry; so:
 *  - while its signal is pending, a timer does not fire again: a periodic
 *    one is re-armed when the signal is taken (posix_timers_taken), which
 *    counts the expiries it missed as si_overrun (timer_getoverrun), as
 *    Linux's signal-based re-arming does;
 *  - if another sender's signal holds the slot, the timer waits
 *    (deferred) and queues its own when that one is taken: not lost, not
 *    merged into someone else's siginfo.
 * A periodic timer whose signal is ignored is parked, not re-armed (as
 * Linux 6.13 does): a thousand ignored timers at 1 ns would otherwise
 * keep the CPUs in their callbacks. sigaction on its signal (a new
 * handler) puts it back on its schedule (proc_timers_sigaction_locked).
 * A pending timer signal discarded unseen (SIG_IGN, SIGCONT versus the
 * stop signals) unsticks its timer, and a timer waiting for a slot whose
 * holder was discarded fires (unstick).
 *
 * Lifetimes: the callback uses the timer and its process without
 * references. timer_delete, execve and exit unlink a timer, mark it
 * dead, cancel it and, if its callback is in flight on another CPU
 * (interrupts off there, a few instructions), wait for it to clear
 * `queued` (and `waking`, while it resumes a stopped process) before
 * freeing; the process outlives its timers because exit
 * deletes them before the process can be freed.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/ns.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/uaccess.h>
#include <uapi/time.h>
#include "ptimer_internal.h"

#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SIGEV_THREAD_ID 4
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define CLOCK_TAI 11
#define CAP_WAKE_ALARM 35

struct sigevent {
	u64 value;
	s32 signo, notify;
	s32 tid;
	u8 pad[44];
};

struct itimerspec {
	struct { s64 sec, nsec; } interval, value;
};

static void pt_fire(void *arg);

static bool cpu_clock(int clock)
{
	return clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID;
}

static bool wall_clock(int clock)
{
	return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM || clock == CLOCK_TAI;
}

/* sig_lock held. */
static struct posix_timer *find(struct proc_timers *pt, int id)
{
	struct posix_timer *t;

	list_for_each_entry(t, &pt->list, link)
		if (t->id == id)
			return t;
	return NULL;
}

/* sig_lock held: a one-shot kernel timer for a monotonic deadline. */
static void arm(struct posix_timer *t)
{
	if (t->expires && !t->queued && !t->dead && !cpu_clock(t->clock) &&
	    t->notify != SIGEV_NONE) {
		t->queued = true;
		timer_start(&t->tm, t->expires, pt_fire, t);
	}
}

/* sig_lock held: the thread SIGEV_THREAD_ID aims at while it lives,
 * else NULL (the process). */
static struct task *target_of(struct posix_timer *t)
{
	struct task *tt = t->target;

	if (tt && READ_ONCE(tt->proc) == t->p && !list_empty(&tt->thread_link))
		return tt;
	return NULL;
}

/*
 * sig_lock held: queue t's signal. False if another sender's signal
 * holds the slot (t must wait); *dropped if it was ignored.
 */
static bool send(struct posix_timer *t, bool *dropped, bool *resume)
{
	struct process *p = t->p;
	struct task *tt = target_of(t);
	u64 pending = tt ? tt->pending : p->shared_pending;

	*dropped = false;
	if (pending & sigmask(t->signo)) {
		struct ksiginfo *slot = signal_info_locked(p, tt, t->signo);
		if (!slot || slot->code != SI_TIMER || slot->timerid != t->id)
			return false;
		/* our own from an earlier arming: it stands for this one */
		slot->timer_gen = t->gen;
		slot->value = t->value;
		t->sig_queued = true;
		return true;
	}
	struct ksiginfo si = { .signo = t->signo, .code = SI_TIMER, .timerid = t->id,
			       .value = t->value, .timer_gen = t->gen };
	int rc = signal_queue_locked(p, tt, &si, resume);
	*dropped = rc == 0;
	t->sig_queued = rc > 0;	/* < 0: no memory for its siginfo (after_send) */
	return true;
}

/* sig_lock held: after send() took an expiry that was not a CPU clock's
 * (their tick goes on): a one-shot is done; a periodic one whose signal
 * is ignored parks; one whose signal found no memory for its siginfo
 * lost that expiry and tries again at its next. */
static void after_send(struct posix_timer *t, bool dropped)
{
	u64 missed;

	if (!t->interval) {
		t->expires = 0;
	} else if (dropped) {
		t->parked = true;	/* ignored: until sigaction changes that */
	} else if (!t->sig_queued) {
		t->expires = timer_forward(t->expires, t->interval, ktime_ns(), &missed);
		arm(t);
	}	/* else re-armed when its signal is taken */
}

/* sig_lock held: t's time has come. */
static void expire(struct posix_timer *t, bool *resume)
{
	struct proc_timers *pt = t->p->timers;
	bool dropped;

	if (t->notify == SIGEV_NONE)
		return;
	if (t->sig_queued || t->deferred) {	/* CPU clocks: the tick goes on */
		if (t->cpu_overrun < DELAYTIMER_MAX)
			t->cpu_overrun++;
		return;
	}
	if (!send(t, &dropped, resume)) {
		t->deferred = true;
		pt->deferred |= sigmask(t->signo);
		return;
	}
	if (!cpu_clock(t->clock))	/* else the tick re-arms it */
		after_send(t, dropped);
}

static void pt_fire(void *arg)
{
	struct posix_timer *t = arg;
	struct process *p = t->p;
	bool resume = false;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);

	t->queued = false;
	if (t->dead || !t->expires || t->sig_queued || t->deferred || t->parked)
		goto out;
	u64 now = ktime_ns();
	if (now < t->expires) {
		arm(t);		/* settime moved it while we were on our way */
		goto out;
	}
	if (t->abs_real) {	/* the wall clock was set back meanwhile? */
		u64 wall = wall_clock_ns();
		if (wall < t->abs_real) {
			u64 d = t->abs_real - wall;
			t->expires = d > ~0ULL - now ? ~0ULL : now + d;
			arm(t);
			goto out;
		}
		t->abs_real = 0;
	}
	expire(t, &resume);
	/* SIGCONT to a stopped process: woken after the lock, and until
	 * then t (and so p, which outlives its timers) stays: free_timer
	 * waits for `waking` as for `queued` */
	t->waking = resume;
out:
	spin_unlock_irqrestore(&p->sig_lock, flags);	/* t may go after this, unless waking */
	if (resume) {
		proc_wake_threads(p);
		flags = spin_lock_irqsave(&p->sig_lock);
		t->waking = false;
		spin_unlock_irqrestore(&p->sig_lock, flags);
	}
}

void posix_timers_tick(struct proc_timers *pt, struct task *cur, bool *resume)
{
	struct posix_timer *t;

	list_for_each_entry(t, &pt->list, link) {
		if (!cpu_clock(t->clock) || !t->expires)
			continue;
		if (t->clock == CLOCK_THREAD_CPUTIME_ID && t->cpu_task != cur)
			continue;
		if (t->expires > TICK_NS) {
			t->expires -= TICK_NS;
			continue;
		}
		t->expires = t->interval;
		if (!t->interval)
			pt->ncpu--;
		expire(t, resume);
	}
}

/* sig_lock held: timers waiting for sig's slot try again. */
static void requeue_deferred(struct proc_timers *pt, int sig)
{
	struct posix_timer *t;
	bool dropped, resume = false;	/* a stopped process has no slot taken: never set */

	pt->deferred &= ~sigmask(sig);
	list_for_each_entry(t, &pt->list, link) {
		if (!t->deferred || t->signo != sig)
			continue;
		if (!send(t, &dropped, &resume)) {
			pt->deferred |= sigmask(sig);
			continue;
		}
		t->deferred = false;
		/* it fired while waiting: from here it is an ordinary expiry */
		if (!cpu_clock(t->clock))
			after_send(t, dropped);
	}
}

void posix_timers_taken(struct proc_timers *pt, int sig, struct ksiginfo *si)
{
	if (si->code == SI_TIMER) {
		struct posix_timer *t = find(pt, si->timerid);
		u64 missed = 0;
		si->overrun = 0;
		if (t && t->sig_queued && si->timer_gen == t->gen) {
			t->sig_queued = false;
			if (cpu_clock(t->clock)) {
				missed = t->cpu_overrun;
				t->cpu_overrun = 0;
			} else if (t->interval && t->expires) {
				t->expires = timer_forward(t->expires, t->interval, ktime_ns(),
							   &missed);
				arm(t);
			}
			t->last_overrun = (int)MIN(missed, (u64)DELAYTIMER_MAX);
			si->overrun = t->last_overrun;
		}
	}
	if (pt->deferred & sigmask(sig))
		requeue_deferred(pt, sig);
}

/* sig_lock held: is sig pending in the slot t queues to (anyone's)? */
static bool slot_taken(struct posix_timer *t)
{
	struct task *tt = target_of(t);
	u64 pending = tt ? tt->pending : t->p->shared_pending;

	return pending & sigmask(t->signo);
}

/* sig_lock held: is t's signal still in the slot it was queued to? */
static bool still_pending(struct posix_timer *t)
{
	struct ksiginfo *slot;

	return slot_taken(t) && (slot = signal_info_locked(t->p, target_of(t), t->signo)) &&
	       slot->code == SI_TIMER && slot->timerid == t->id;
}

/*
 * sig_lock held: sig's pending signals may have been discarded (SIG_IGN,
 * or SIGCONT and the stop signals discarding each other), and nobody
 * will take them: a timer whose own signal went goes on from its
 * schedule (its missed expiries count as overrun when the next is
 * taken), one waiting for another sender's slot fires now that the
 * slot is free. With `handler`, sig's disposition changed: a parked
 * timer goes on too. Never sends from here (this runs inside send's
 * signal_queue_locked): a timer that must fire is armed.
 */
static void unstick(struct process *p, int sig, bool handler)
{
	struct proc_timers *pt = p->timers;
	struct posix_timer *t;
	u64 missed, now = ktime_ns();

	if (!pt)
		return;
	list_for_each_entry(t, &pt->list, link) {
		if (t->signo != sig || t->dead)
			continue;
		bool cpu = cpu_clock(t->clock);
		if (t->sig_queued && !still_pending(t)) {
			t->sig_queued = false;
		} else if (t->deferred && !slot_taken(t)) {
			t->deferred = false;	/* fires now (the tick, for CPU clocks) */
			if (!cpu && t->expires)
				arm(t);
			continue;
		} else if (!t->parked || !handler) {
			continue;
		}
		t->parked = false;	/* if still ignored, it parks again */
		if (cpu)
			continue;	/* the tick goes on with it */
		if (t->expires && t->interval)
			t->expires = timer_forward(t->expires, t->interval, now, &missed);
		else
			t->expires = 0;
		arm(t);
	}
}

void proc_timers_sigaction_locked(struct process *p, int sig)
{
	unstick(p, sig, true);
}

void proc_timers_discarded_locked(struct process *p, u64 mask)
{
	for (int sig = 1; sig <= NSIG && mask >> (sig - 1); sig++)
		if (mask & sigmask(sig))
			unstick(p, sig, false);
}

/* sig_lock held: t leaves the list (its id is free again). */
static void unlink_timer(struct proc_timers *pt, struct posix_timer *t)
{
	list_del(&t->link);
	pt->nr--;
	if (cpu_clock(t->clock) && t->expires)
		pt->ncpu--;
	pt->ids[t->id / 64] &= ~(1ULL << (t->id % 64));
	t->dead = true;
	if (t->queued && timer_cancel(&t->tm))
		t->queued = false;
}

/* t is unlinked and dead: wait for a callback in flight, then free. */
static void free_timer(struct process *p, struct posix_timer *t)
{
	bool busy;

	do {
		unsigned long flags = spin_lock_irqsave(&p->sig_lock);
		busy = t->queued || t->waking;
		spin_unlock_irqrestore(&p->sig_lock, flags);
		if (busy)
			arch_cpu_relax();
	} while (busy);
	if (t->target)
		task_put(t->target);
	if (t->cpu_task)
		task_put(t->cpu_task);
	kfree(t);
}

void posix_timers_delete_all(struct process *p)
{
	struct proc_timers *pt = p->timers;

	for (;;) {
		unsigned long flags = spin_lock_irqsave(&p->sig_lock);
		struct posix_timer *t = list_first_entry_or_null(&pt->list, struct posix_timer,
								 link);
		if (t)
			unlink_timer(pt, t);
		pt->deferred = 0;
		spin_unlock_irqrestore(&p->sig_lock, flags);
		if (!t)
			return;
		free_timer(p, t);
	}
}

/* ---- the syscalls ---- */

/* CAP_WAKE_ALARM: root that has not dropped it (see sys_time.c's
 * may_set_time) */
static bool may_wake_alarm(struct process *p)
{
	return READ_ONCE(p->uid[1]) == 0 && (READ_ONCE(p->caps[0]) & (1ULL << CAP_WAKE_ALARM));
}

/* The thread tid of the caller's process, with a reference; NULL if none. */
static struct task *own_thread(int tid)
{
	struct process *owner;
	struct task *t = tid > 0 ? proc_find_thread(tid, &owner) : NULL;

	if (!t)
		return NULL;
	bool mine = owner == current_proc();
	proc_put(owner);
	if (!mine) {
		task_put(t);
		return NULL;
	}
	return t;
}

static long check_clock(int clock)
{
	switch (clock) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
	case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
		return 0;
	case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM:
		/* as Linux: the capability; nothing here suspends, so they
		 * are their plain clocks otherwise */
		return may_wake_alarm(current_proc()) ? 0 : -EPERM;
	case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP;	/* Linux has no timers on them either */
	default:
		return -EINVAL;		/* the pid-encoded CPU clocks too */
	}
}

/* A new timer from the user's sigevent (NULL: SIGALRM with the id). */
static long new_timer(int clock, u64 uev, struct posix_timer **out)
{
	struct sigevent ev = { .signo = SIGALRM, .notify = SIGEV_SIGNAL };
	struct posix_timer *t;
	long rc = check_clock(clock);

	if (rc)
		return rc;
	if (uev && copy_from_user(&ev, (const void *)uev, sizeof(ev)))
		return -EFAULT;
	switch (ev.notify) {
	case SIGEV_SIGNAL: case SIGEV_THREAD: case SIGEV_THREAD_ID: case SIGEV_NONE:
		break;
	default:
		return -EINVAL;
	}
	if (ev.notify != SIGEV_NONE && (ev.signo < 1 || ev.signo > NSIG))
		return -EINVAL;
	if (!(t = kzalloc(sizeof(*t), GFP_KERNEL)))
		return -ENOMEM;
	t->tm.cpu = -1;
	t->clock = clock;
	t->notify = ev.notify;
	t->signo = ev.signo;
	t->value = ev.value;
	if (ev.notify == SIGEV_THREAD_ID && !(t->target = own_thread(ev.tid))) {
		kfree(t);
		return -EINVAL;
	}
	if (clock == CLOCK_THREAD_CPUTIME_ID) {
		t->cpu_task = current_task();
		task_get(t->cpu_task);
	}
	*out = t;
	return 0;
}

long sys_timer_create(u64 clock, u64 uev, u64 uid, u64 a3, u64 a4, u64 a5)
{
	struct process *p = current_proc();
	struct proc_timers *pt = proc_timers_of(p);
	struct posix_timer *t;
	long rc;

	(void)a3; (void)a4; (void)a5;
	if (!pt)
		return -ENOMEM;
	if ((rc = new_timer((int)clock, uev, &t)))
		return rc;
	t->p = p;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	int id = -1;
	for (int i = 0; i < PTIMER_MAX / 64 && id < 0; i++)
		if (~pt->ids[i])
			id = i * 64 + __builtin_ctzll(~pt->ids[i]);
	if (id >= 0 && !pt->dead) {
		pt->ids[id / 64] |= 1ULL << (id % 64);
		t->id = id;
		if (!uev)
			t->value = (u64)id;	/* Linux: sigev_value is the id */
		list_add_tail(&t->link, &pt->list);
		pt->nr++;
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (id < 0 || pt->dead) {
		t->dead = true;
		free_timer(p, t);
		return -EAGAIN;
	}
	s32 kid = id;
	if (copy_to_user((void *)uid, &kid, sizeof(kid))) {
		flags = spin_lock_irqsave(&p->sig_lock);
		struct posix_timer *still = find(pt, id);	/* not deleted meanwhile */
		if (still)
			unlink_timer(pt, still);
		spin_unlock_irqrestore(&p->sig_lock, flags);
		if (still)
			free_timer(p, still);
		return -EFAULT;
	}
	return 0;
}

/* sig_lock held: the time t has left (ns) on its own clock. */
static u64 left(struct posix_timer *t, u64 now)
{
	u64 missed;

	if (!t->expires)
		return 0;
	if (cpu_clock(t->clock))
		return t->expires;
	if (t->expires > now)
		return t->expires - now;
	if (!t->interval)
		return t->notify == SIGEV_NONE ? 0 : 1;	/* due: on its way */
	u64 next = timer_forward(t->expires, t->interval, now, &missed);
	return next > now ? next - now : t->interval;
}

static void put_its(struct itimerspec *its, u64 value, u64 interval)
{
	its->value.sec = (s64)(value / NSEC);
	its->value.nsec = (s64)(value % NSEC);
	its->interval.sec = (s64)(interval / NSEC);
	its->interval.nsec = (s64)(interval % NSEC);
}

static bool ts_ok(s64 sec, s64 nsec)
{
	return sec >= 0 && nsec >= 0 && (u64)nsec < NSEC;
}

static u64 ts_ns(s64 sec, s64 nsec)
{
	u64 ns;

	if (__builtin_mul_overflow((u64)sec, NSEC, &ns) ||
	    __builtin_add_overflow(ns, (u64)nsec, &ns))
		return ~0ULL;
	return ns;
}

/* sig_lock held: now on t's clock (CPU clocks: its process or thread). */
static u64 clock_of_locked(struct posix_timer *t)
{
	switch (t->clock) {
	case CLOCK_PROCESS_CPUTIME_ID:
		return proc_cpu_ns_locked(t->p);
	case CLOCK_THREAD_CPUTIME_ID:
		return task_cpu_ns(t->cpu_task);
	default:
		return wall_clock(t->clock) ? wall_clock_ns() : ktime_ns();
	}
}

long sys_timer_settime(u64 id, u64 flags, u64 unew, u64 uold, u64 a4, u64 a5)
{
	struct process *p = current_proc();
	struct proc_timers *pt = READ_ONCE(p->timers);
	struct itimerspec its;
	struct posix_timer *t;
	u64 old[2];

	(void)a4; (void)a5;
	if (!unew)
		return -EINVAL;		/* as Linux */
	if (copy_from_user(&its, (const void *)unew, sizeof(its)))
		return -EFAULT;
	if ((flags & ~(u64)TIMER_ABSTIME) || !ts_ok(its.value.sec, its.value.nsec) ||
	    !ts_ok(its.interval.sec, its.interval.nsec))
		return -EINVAL;
	u64 value = ts_ns(its.value.sec, its.value.nsec);
	u64 interval = ts_ns(its.interval.sec, its.interval.nsec);
	if (!pt || id > 0x7fffffff)
		return -EINVAL;
	unsigned long irq = spin_lock_irqsave(&p->sig_lock);
	if (!(t = find(pt, (int)id))) {
		spin_unlock_irqrestore(&p->sig_lock, irq);
		return -EINVAL;
	}
	/* an absolute value is in the caller's time namespace's view */
	u64 cnow = (flags & TIMER_ABSTIME) ? clock_of_locked(t) + (u64)timens_offset(t->clock) : 0;
	u64 now = ktime_ns();
	old[0] = left(t, now);
	old[1] = t->interval;
	if (t->queued && timer_cancel(&t->tm))
		t->queued = false;
	if (cpu_clock(t->clock) && t->expires)
		pt->ncpu--;
	t->gen = ++pt->gen;	/* a signal still pending is from the old arming */
	t->sig_queued = t->deferred = t->parked = false;
	t->cpu_overrun = 0;
	t->abs_real = 0;
	t->interval = value ? interval : 0;
	u64 rel = value, past = 0;
	if (value && (flags & TIMER_ABSTIME)) {
		rel = value > cnow ? value - cnow : 0;
		past = value < cnow ? cnow - value : 0;
		if (wall_clock(t->clock))
			t->abs_real = value;
	}
	if (!value)
		t->expires = 0;
	else if (cpu_clock(t->clock))
		t->expires = MAX(rel, 1ULL);
	else if (past)		/* keeps its past deadline: overruns count from it */
		t->expires = past < now ? now - past : 1;
	else
		t->expires = rel > ~0ULL - now ? ~0ULL : now + MAX(rel, 1ULL);
	if (cpu_clock(t->clock) && t->expires)
		pt->ncpu++;
	arm(t);		/* still queued: the callback re-arms it */
	spin_unlock_irqrestore(&p->sig_lock, irq);
	if (uold) {
		put_its(&its, old[0], old[1]);
		if (copy_to_user((void *)uold, &its, sizeof(its)))
			return -EFAULT;
	}
	return 0;
}

long sys_timer_gettime(u64 id, u64 ucur, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct process *p = current_proc();
	struct proc_timers *pt = READ_ONCE(p->timers);
	struct itimerspec its;
	struct posix_timer *t;

	(void)a2; (void)a3; (void)a4; (void)a5;
	if (!pt || id > 0x7fffffff)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	if ((t = find(pt, (int)id)))
		put_its(&its, left(t, ktime_ns()), t->interval);
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (!t)
		return -EINVAL;
	return copy_to_user((void *)ucur, &its, sizeof(its)) ? -EFAULT : 0;
}

long sys_timer_getoverrun(u64 id, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct process *p = current_proc();
	struct proc_timers *pt = READ_ONCE(p->timers);
	struct posix_timer *t;
	long rc = -EINVAL;

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	if (!pt || id > 0x7fffffff)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	if ((t = find(pt, (int)id)))
		rc = t->last_overrun;
	spin_unlock_irqrestore(&p->sig_lock, flags);
	return rc;
}

long sys_timer_delete(u64 id, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct process *p = current_proc();
	struct proc_timers *pt = READ_ONCE(p->timers);
	struct posix_timer *t;

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	if (!pt || id > 0x7fffffff)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	if ((t = find(pt, (int)id)))
		unlink_timer(pt, t);
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (!t)
		return -EINVAL;
	free_timer(p, t);
	return 0;
}
