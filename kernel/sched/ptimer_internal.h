/*
 * What itimer.c and posix_timer.c share (see <alloy/ptimer.h>). All of
 * it is [p->sig_lock] unless said otherwise.
 */
#ifndef SCHED_PTIMER_INTERNAL_H
#define SCHED_PTIMER_INTERNAL_H

#include <alloy/list.h>
#include <alloy/ptimer.h>
#include <alloy/timer.h>

#define NSEC 1000000000ULL
#define TICK_NS (NSEC / HZ)
#define PTIMER_MAX 1024			/* POSIX timers per process: then EAGAIN */
#define DELAYTIMER_MAX 0x7fffffff

struct posix_timer {
	struct list_head link;		/* in pt->list */
	struct process *p;		/* no reference: exit deletes us first */
	int id, clock;
	int notify, signo;		/* SIGEV_*; the signal */
	u64 value;			/* sigev_value */
	struct task *target;		/* SIGEV_THREAD_ID's thread, a reference */
	struct task *cpu_task;		/* THREAD_CPUTIME_ID: whose, a reference */
	struct ktimer tm;
	bool queued;			/* tm started, callback not begun */
	bool waking;			/* the callback wakes p after sig_lock */
	bool dead;			/* deleted: the callback does nothing */
	bool sig_queued;		/* its signal waits in a pending set */
	bool deferred;			/* another's signal holds its slot */
	bool parked;			/* periodic, its signal ignored: not armed */
	u32 gen;			/* the arming a queued signal is from */
	u64 expires;			/* ktime_ns(); CPU clocks: ns left; 0: off */
	u64 interval;
	u64 abs_real;			/* TIMER_ABSTIME on a wall clock: then, else 0 */
	u32 cpu_overrun;		/* CPU clocks: expiries while pending */
	int last_overrun;		/* of the last signal taken */
};

struct proc_timers {
	struct process *p;
	bool dead;			/* the process has exited */
	/* ITIMER_REAL: ktime_ns() deadline, 0 off; fired and waiting for
	 * its SIGALRM to be taken when expires <= now and !real_queued */
	struct ktimer real_tm;
	bool real_queued;
	u64 real_expires, real_interval;
	/* ITIMER_VIRTUAL, ITIMER_PROF: ns of CPU time left (0: off) */
	u64 cpu_left[2], cpu_interval[2];
	struct list_head list;		/* POSIX timers */
	int nr, ncpu;			/* how many; on CPU clocks */
	u32 gen;
	u64 deferred;			/* signals some timer waits to queue */
	u64 ids[PTIMER_MAX / 64];	/* ids in use */
};

/* The process's timers, made on first use; NULL without memory. */
struct proc_timers *proc_timers_of(struct process *p);
/* The next ktime_ns() a periodic expiry at `expires` comes after now
 * (0 beyond 2^64 ns), and in *missed those before it. */
u64 timer_forward(u64 expires, u64 interval, u64 now, u64 *missed);
u64 proc_cpu_ns_locked(struct process *p);
/* posix_timer.c's parts of the hooks; sig_lock held but in delete_all. */
void posix_timers_tick(struct proc_timers *pt, struct task *t, bool *resume);
void posix_timers_taken(struct proc_timers *pt, int sig, struct ksiginfo *si);
void posix_timers_delete_all(struct process *p);

#endif
