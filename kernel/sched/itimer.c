/*
 * alarm, setitimer and getitimer: a process's three interval timers
 * (POSIX, Linux's semantics), and the per-process timer state they share
 * with the POSIX timers (posix_timer.c). See <alloy/ptimer.h>.
 *
 * ITIMER_REAL runs on a kernel one-shot timer; its callback (interrupt
 * context) queues SIGALRM and, for a periodic timer, leaves the next
 * arming to the moment the signal is taken, as Linux's dequeue_signal
 * does: a blocked or slow SIGALRM never makes the timer fire in a loop.
 * ITIMER_VIRTUAL and ITIMER_PROF are charged a tick (TICK_NS) of CPU
 * time at each scheduler tick that finds a thread of the process running
 * in user mode (VIRTUAL, PROF) or in the kernel (PROF): as coarse as the
 * times(2) accounting they share.
 *
 * A fork's child starts with none (p->timers is NULL); execve keeps
 * them; the process's exit stops them and waits for a callback in flight
 * before the process can be freed, so a callback never needs a
 * reference of its own.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/process.h>
#include <alloy/rlimit.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include "ptimer_internal.h"

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

struct timeval {
	s64 sec, usec;
};

struct itimerval {
	struct timeval interval, value;
};

static void real_fire(void *arg);

struct proc_timers *proc_timers_of(struct process *p)
{
	struct proc_timers *pt = READ_ONCE(p->timers), *fresh;

	if (pt)
		return pt;
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return NULL;
	fresh->p = p;
	fresh->real_tm.cpu = -1;
	list_init(&fresh->list);
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	if (!p->timers) {
		WRITE_ONCE(p->timers, fresh);
		fresh = NULL;
	}
	pt = p->timers;
	spin_unlock_irqrestore(&p->sig_lock, flags);
	kfree(fresh);		/* another thread was first */
	return pt;
}

u64 timer_forward(u64 expires, u64 interval, u64 now, u64 *missed)
{
	u64 n = now >= expires ? (now - expires) / interval + 1 : 0, next;

	*missed = n ? n - 1 : 0;
	if (__builtin_mul_overflow(n, interval, &next) ||
	    __builtin_add_overflow(expires, next, &next))
		return 0;
	return next;
}

u64 task_cpu_ns(struct task *t)
{
	return (READ_ONCE(t->utime_ticks) + READ_ONCE(t->stime_ticks)) * TICK_NS;
}

u64 proc_cpu_ns(struct process *p)
{
	u64 ut, st;

	proc_cpu_times(p, &ut, &st);
	return (ut + st) * TICK_NS;
}

/* proc_cpu_times' sum, for a caller that holds sig_lock. */
u64 proc_cpu_ns_locked(struct process *p)
{
	u64 ticks = p->dead_utime + p->dead_stime;
	struct task *t;

	list_for_each_entry(t, &p->threads, thread_link)
		ticks += READ_ONCE(t->utime_ticks) + READ_ONCE(t->stime_ticks);
	return ticks * TICK_NS;
}

/* sig_lock held: a signal from the kernel to the whole process. */
static void send_locked(struct process *p, int sig, bool *resume)
{
	struct ksiginfo si = { .signo = sig, .code = SI_KERNEL };

	signal_queue_locked(p, NULL, &si, resume);
}

/* sig_lock held. */
static void real_arm(struct proc_timers *pt)
{
	if (pt->real_expires && !pt->real_queued && !pt->dead) {
		pt->real_queued = true;
		timer_start(&pt->real_tm, pt->real_expires, real_fire, pt);
	}
}

static void real_fire(void *arg)
{
	struct proc_timers *pt = arg;
	struct process *p = pt->p;
	bool resume = false;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);

	pt->real_queued = false;
	if (!pt->dead && pt->real_expires) {
		if (ktime_ns() < pt->real_expires) {
			real_arm(pt);	/* setitimer moved it while we were on our way */
		} else {
			send_locked(p, SIGALRM, &resume);
			if (!pt->real_interval)
				pt->real_expires = 0;
			/* periodic: re-armed when SIGALRM is taken */
		}
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);	/* pt may go after this */
}

/* sig_lock held: the time ITIMER_REAL has left. */
static u64 real_left(struct proc_timers *pt, u64 now)
{
	u64 missed;

	if (!pt->real_expires)
		return 0;
	if (pt->real_expires > now)
		return pt->real_expires - now;
	if (!pt->real_interval)
		return 1;		/* due: the callback is on its way */
	u64 next = timer_forward(pt->real_expires, pt->real_interval, now, &missed);
	return next > now ? next - now : pt->real_interval;
}

/* sig_lock held, interrupts off, on the CPU that charges the tick. */
static void cpu_itimer_charge(struct proc_timers *pt, int i, bool *resume)
{
	if (!pt->cpu_left[i])
		return;
	if (pt->cpu_left[i] > TICK_NS) {
		pt->cpu_left[i] -= TICK_NS;
		return;
	}
	pt->cpu_left[i] = pt->cpu_interval[i];
	send_locked(pt->p, i == 0 ? SIGVTALRM : SIGPROF, resume);
}

void proc_timers_tick(struct task *t, bool user)
{
	struct process *p = READ_ONCE(t->proc);
	struct proc_timers *pt = p ? READ_ONCE(p->timers) : NULL;
	bool resume = false;

	if (p)
		rlimit_cpu_tick(p);
	if (!pt || !(READ_ONCE(pt->cpu_left[0]) | READ_ONCE(pt->cpu_left[1]) |
		     (u64)READ_ONCE(pt->ncpu)))
		return;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	if (!pt->dead) {
		if (user)
			cpu_itimer_charge(pt, 0, &resume);
		cpu_itimer_charge(pt, 1, &resume);
		if (pt->ncpu)
			posix_timers_tick(pt, t, &resume);
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (resume)
		proc_wake_threads(p);	/* a timer's SIGCONT (the parent is not told) */
}

void proc_timers_taken_locked(struct process *p, int sig, struct ksiginfo *si)
{
	struct proc_timers *pt = p->timers;

	if (!pt || pt->dead)
		return;
	/* a periodic ITIMER_REAL that has fired goes on from now */
	if (sig == SIGALRM && pt->real_interval && pt->real_expires && !pt->real_queued) {
		u64 missed, now = ktime_ns();
		if (pt->real_expires <= now) {
			pt->real_expires = timer_forward(pt->real_expires, pt->real_interval,
							 now, &missed);
			real_arm(pt);
		}
	}
	posix_timers_taken(pt, sig, si);
}

void proc_timers_exec(struct process *p)
{
	if (READ_ONCE(p->timers))
		posix_timers_delete_all(p);
}

void proc_timers_exit(struct process *p)
{
	struct proc_timers *pt = READ_ONCE(p->timers);
	bool busy;

	if (!pt)
		return;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	pt->dead = true;
	pt->cpu_left[0] = pt->cpu_left[1] = 0;
	if (pt->real_queued && timer_cancel(&pt->real_tm))
		pt->real_queued = false;
	spin_unlock_irqrestore(&p->sig_lock, flags);
	posix_timers_delete_all(p);
	/* a callback in flight runs with interrupts off on another CPU and
	 * only clears real_queued (pt->dead): wait the moment it takes */
	do {
		flags = spin_lock_irqsave(&p->sig_lock);
		busy = pt->real_queued;
		spin_unlock_irqrestore(&p->sig_lock, flags);
		if (busy)
			arch_cpu_relax();
	} while (busy);
}

void proc_timers_free(struct process *p)
{
	kfree(p->timers);	/* proc_timers_exit stopped everything */
	p->timers = NULL;
}

/* ---- the syscalls ---- */

static int read_timeval(const struct timeval *tv, u64 *ns)
{
	if (tv->sec < 0 || tv->usec < 0 || tv->usec >= 1000000)
		return -EINVAL;
	if (__builtin_mul_overflow((u64)tv->sec, NSEC, ns) ||
	    __builtin_add_overflow(*ns, (u64)tv->usec * 1000, ns))
		*ns = ~0ULL;
	return 0;
}

/* Rounded up: a timer with 1 ns left is not reported as off. */
static struct timeval to_timeval(u64 ns)
{
	u64 us = ns / 1000 + (ns % 1000 != 0);

	return (struct timeval){ (s64)(us / 1000000), (s64)(us % 1000000) };
}

/* Sets timer `which` to value/interval (ns; value 0: off); the old
 * setting in old[2] (left, interval). */
static int itimer_set(int which, u64 value, u64 interval, u64 old[2])
{
	struct process *p = current_proc();
	struct proc_timers *pt = proc_timers_of(p);

	if (!pt)
		return -ENOMEM;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	u64 now = ktime_ns();
	if (which == ITIMER_REAL) {
		old[0] = real_left(pt, now);
		old[1] = pt->real_interval;
		if (pt->real_queued && timer_cancel(&pt->real_tm))
			pt->real_queued = false;
		pt->real_interval = value ? interval : 0;
		pt->real_expires = !value ? 0 : value > ~0ULL - now ? ~0ULL : now + value;
		real_arm(pt);	/* still queued: the callback re-arms it */
	} else {
		int i = which - ITIMER_VIRTUAL;
		old[0] = pt->cpu_left[i];
		old[1] = pt->cpu_interval[i];
		pt->cpu_left[i] = value;
		pt->cpu_interval[i] = value ? interval : 0;
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
	return 0;
}

static void itimer_get(int which, u64 cur[2])
{
	struct process *p = current_proc();
	struct proc_timers *pt = READ_ONCE(p->timers);

	cur[0] = cur[1] = 0;
	if (!pt)
		return;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	if (which == ITIMER_REAL) {
		cur[0] = real_left(pt, ktime_ns());
		cur[1] = pt->real_interval;
	} else {
		cur[0] = pt->cpu_left[which - ITIMER_VIRTUAL];
		cur[1] = pt->cpu_interval[which - ITIMER_VIRTUAL];
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
}

static int put_itimerval(u64 uptr, const u64 v[2])
{
	struct itimerval it = { to_timeval(v[1]), to_timeval(v[0]) };

	return copy_to_user((void *)uptr, &it, sizeof(it)) ? -EFAULT : 0;
}

long sys_getitimer(u64 which, u64 uval, u64 a2, u64 a3, u64 a4, u64 a5)
{
	u64 cur[2];

	(void)a2; (void)a3; (void)a4; (void)a5;
	if (which > ITIMER_PROF)
		return -EINVAL;
	itimer_get((int)which, cur);
	return put_itimerval(uval, cur);
}

/* A NULL new value disarms, as Linux (with a warning there) still does. */
long sys_setitimer(u64 which, u64 unew, u64 uold, u64 a3, u64 a4, u64 a5)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };
	u64 value, interval, old[2];
	int rc;

	(void)a3; (void)a4; (void)a5;
	if (which > ITIMER_PROF)
		return -EINVAL;
	if (unew && copy_from_user(&it, (const void *)unew, sizeof(it)))
		return -EFAULT;
	if ((rc = read_timeval(&it.value, &value)) || (rc = read_timeval(&it.interval, &interval)))
		return rc;
	if ((rc = itimer_set((int)which, value, interval, old)))
		return rc;
	return uold ? put_itimerval(uold, old) : 0;
}

/* The seconds the previous alarm had left, rounded to the nearest and
 * never 0 for one still armed (Linux's alarm_setitimer). */
long sys_alarm(u64 seconds, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	u64 old[2];

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	int rc = itimer_set(ITIMER_REAL, (u64)(u32)seconds * NSEC, 0, old);
	if (rc)
		return rc;
	struct timeval tv = to_timeval(old[0]);
	u64 secs = (u64)tv.sec;
	if ((!secs && tv.usec) || tv.usec >= 500000)
		secs++;
	return (long)secs;
}
