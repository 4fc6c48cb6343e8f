/*
 * The scheduler: per-CPU run queues, each with three classes, preemption
 * on the timer tick and on wakeup, and work stealing by CPUs that run dry.
 *
 * Classes (Linux's policies, docs/architecture.md "Scheduling"):
 *   deadline   SCHED_DEADLINE (docs/sched.md): a queue ordered by absolute
 *              deadline, above every real-time priority (rq prio DL_PRIO);
 *              each task runs at most its runtime per period, then is
 *              throttled off the queues until its replenishment timer
 *              (the constant-bandwidth server, below sched_add_new).
 *   real-time  SCHED_FIFO and SCHED_RR, priorities 1..99: a queue ordered
 *              by priority, FIFO within one. The first runs before any
 *              fair task; a wakeup of a higher one preempts. FIFO has no
 *              time slice; RR goes to the tail of its priority after
 *              rr_timeslice. A preempted one stays at the head.
 *   fair       SCHED_OTHER, SCHED_BATCH, SCHED_IDLE: the task with the
 *              least vruntime runs, for a slice of SLICE_TICKS; vruntime
 *              is run time scaled by 1024 / weight, the weight Linux's for
 *              the nice value (SCHED_IDLE: 3), so CPU time is shared in
 *              proportion to weight.
 * Real-time throttling (deadline tasks count as real-time for it): once
 * real-time tasks have run sched_rt_runtime_us
 * of a sched_rt_period_us period on a CPU, its queued fair tasks run until
 * the period ends (if there are none, real-time ones go on running), so a
 * runaway real-time spinner leaves 5% of the CPU to a shell that kills it.
 *
 * Task states and who changes them (all under task->lock):
 *   RUNNING -> BLOCKED   the task itself (prepare_to_wait, sleep)
 *   BLOCKED -> RUNNING   a waker (wake_up_task) or the task (finish_wait)
 *   RUNNING -> DEAD      the task itself (kthread_exit)
 * on_rq says the task is queued or running. schedule() clears it for a
 * task that blocked; a waker that finds on_rq clear re-queues the task,
 * but first waits for on_cpu to drop, i.e. for the old CPU to be off the
 * task's stack. Lock order: task->lock, then a run-queue lock. A task's
 * scheduling parameters change under task->lock; the queues read its prio
 * under their own lock when they queue it, and remember it (rq_prio).
 *
 * Affinity: a task runs only on the CPUs of its mask (task->cpus_allowed,
 * or its one pinned CPU). activate() queues it on one of them, steal()
 * takes only what the thief may run, and a task whose mask no longer
 * holds its CPU is handed to an allowed CPU once it is off this one
 * (finish_switch), never queued where it may not run. A real-time task is
 * queued where it can run at once if its own CPU runs something at least
 * as high, and a preempted one moves to a CPU running something lower.
 */
#include <alloy/arch.h>
#include <alloy/cpu.h>
#include <alloy/errno.h>
#include <alloy/kstack.h>
#include <alloy/lockrank.h>
#include <alloy/printk.h>
#include <alloy/ptimer.h>
#include <alloy/sched.h>
#include <alloy/sysctl.h>
#include <alloy/task.h>
#include <alloy/timer.h>
#include <alloy/user.h>
#include <alloy/signal.h>
#include <asm/irqflags.h>
#include <asm/trap.h>
#include <uapi/misc.h>
#include "sched_dl.h"

#define SLICE_TICKS 3		/* fair: 12 ms at HZ=250 */
#define TICK_NS (1000000000ULL / HZ)
#define PRIO_IDLE (-1)		/* rq->curr_prio of an idle CPU */
#define DL_PRIO 100		/* SCHED_DEADLINE: above every real-time priority */
/* A deadline task whose runtime overran by more than this many of its
 * runtimes (a tick held off for long) starts a new instance. */
#define DL_MAX_OVERRUNS (1ULL << 20)
#define NICE_0_WEIGHT 1024
#define IDLE_WEIGHT 3		/* SCHED_IDLE: Linux's WEIGHT_IDLEPRIO */
/* How far behind the queue's least vruntime a task that slept comes back:
 * a little ahead of the CPU-bound ones, not the whole time it slept. */
#define SLEEPER_CREDIT_NS 6000000ULL

/* Linux's sched_prio_to_weight: nice -20..19, each step ~1.25 times. */
static const u32 nice_weight[40] = {
	88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
	9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
	1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
	110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
};

struct rq {
	spinlock_t lock;
	struct list_head queue;		/* fair tasks, any order */
	struct list_head rt;		/* real-time: highest prio first, FIFO within */
	struct list_head dl;		/* deadline: earliest deadline first, FIFO within */
	unsigned int nr;		/* tasks on all three */
	unsigned int nr_rt, nr_dl;
	int top_prio;			/* DL_PRIO if dl has any, else rt's first's, 0 if empty */
	u64 dl_next;			/* dl's first's deadline (valid if nr_dl) */
	/* Below: written by this CPU only (interrupts off); others read
	 * curr_prio and min_vruntime as hints. */
	int curr_prio;			/* what runs: PRIO_IDLE, 0 fair, 1..99, DL_PRIO */
	u64 curr_dl;			/* the deadline of what runs, if DL_PRIO */
	bool curr_tail;			/* an RR slice ended: requeue at the tail */
	u64 min_vruntime;		/* never decreases; a waking task is placed by it */
	u64 rt_time;			/* real-time run time in this period (ns) */
	u64 rt_period_end;
	bool rt_throttled;		/* rt_time reached the runtime this period */
	unsigned int rt_gen;		/* rt_config_gen this period was begun under */
} __aligned(64);

static struct rq runqueues[MAX_CPUS];
unsigned int nr_cpus = 1;
/* A task switched away from that must move to another CPU (its mask
 * changed, or a real-time task a CPU running something lower can take);
 * finish_switch queues it there once it is off this CPU. */
static struct task *migrating[MAX_CPUS];

/* /proc/sys/kernel: Linux's names, defaults and rules. */
long sched_rt_period_us = 1000000;
long sched_rt_runtime_us = 950000;	/* -1: no throttling; also SCHED_DEADLINE's limit */
static long rr_timeslice_ms = 100;
static int rr_ticks = 25;		/* rr_timeslice_ms in ticks, rounded up */

void timer_interrupt(struct trap_frame *tf);
void task_reap(struct task *t);

unsigned int cpu_id(void)
{
	return this_cpu()->id;
}

struct task *current_task(void)
{
	return current;
}

/* Tasks running or queued on every CPU, for the load average (a hint:
 * read without the queues' locks). */
unsigned int sched_nr_active(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nr_cpus; i++)
		n += READ_ONCE(runqueues[i].nr) + (READ_ONCE(runqueues[i].curr_prio) != PRIO_IDLE);
	return n;
}

u64 sched_online_mask(void)
{
	u64 m = 0;

	for (unsigned int i = 0; i < nr_cpus; i++)
		if (READ_ONCE(cpus[i].online))
			m |= 1ULL << i;
	return m;
}

/* The CPUs t may run on now; never empty (the mask is checked when set). */
static u64 allowed_cpus(struct task *t)
{
	if (t->pinned != CPU_ANY)
		return 1ULL << t->pinned;
	u64 online = sched_online_mask();
	u64 m = READ_ONCE(t->cpus_allowed) & online;
	return m ? m : online;
}

static bool may_run_on(struct task *t, unsigned int cpu)
{
	return allowed_cpus(t) >> cpu & 1;
}

/* ---- /proc/sys/kernel: sched_rt_period_us, sched_rt_runtime_us, sched_rr_timeslice_ms ---- */

static int show_rt_period(struct pbuf *b) { return pbuf_printf(b, "%ld\n", READ_ONCE(sched_rt_period_us)); }
static int show_rt_runtime(struct pbuf *b) { return pbuf_printf(b, "%ld\n", READ_ONCE(sched_rt_runtime_us)); }
static int show_rr_timeslice(struct pbuf *b) { return pbuf_printf(b, "%ld\n", READ_ONCE(rr_timeslice_ms)); }

/* As Linux: a period of at least 1 us, a runtime of -1 (no throttling)
 * or at most the period. */
/* Bumped when the period or runtime changes: each CPU then begins a new
 * throttling period at its next tick, rather than keeping a throttle
 * decided under the old numbers (or a period end a long old period set)
 * until that period would have ended. */
static unsigned int rt_config_gen;

static int store_rt_period(const char *buf, size_t len)
{
	long v;
	int rc = sysctl_parse_long(buf, len, &v);

	if (!rc && (v < 1 || v > 0x7fffffff))
		rc = -EINVAL;
	rc = rc ? rc : dl_bw_set_rt(true, v);	/* EBUSY: deadline tasks need more */
	if (!rc)
		__atomic_add_fetch(&rt_config_gen, 1, __ATOMIC_RELEASE);
	return rc;
}

static int store_rt_runtime(const char *buf, size_t len)
{
	long v;
	int rc = sysctl_parse_long(buf, len, &v);

	if (!rc && v < -1)
		rc = -EINVAL;
	rc = rc ? rc : dl_bw_set_rt(false, v);
	if (!rc)
		__atomic_add_fetch(&rt_config_gen, 1, __ATOMIC_RELEASE);
	return rc;
}

/* As Linux: 0 or less restores the default (100 ms); the slice is whole
 * ticks, rounded up. */
static int store_rr_timeslice(const char *buf, size_t len)
{
	long v;
	int rc = sysctl_parse_long(buf, len, &v);

	if (rc)
		return rc;
	if (v > 0x7fffffff)
		return -EINVAL;
	if (v <= 0)
		v = 100;
	u64 ticks = ((u64)v * HZ + 999) / 1000;
	WRITE_ONCE(rr_ticks, (int)MIN(ticks, (u64)0x7fffffff));
	WRITE_ONCE(rr_timeslice_ms, v);
	return 0;
}

SYSCTL(sched_rt_period, "kernel/sched_rt_period_us", 0644, show_rt_period, store_rt_period);
SYSCTL(sched_rt_runtime, "kernel/sched_rt_runtime_us", 0644, show_rt_runtime, store_rt_runtime);
SYSCTL(sched_rr_timeslice, "kernel/sched_rr_timeslice_ms", 0644, show_rr_timeslice,
       store_rr_timeslice);

/* ---- priorities and weights ---- */

static bool rt_policy(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

static u32 weight_of(int policy, int nice)
{
	if (policy == SCHED_IDLE)
		return IDLE_WEIGHT;
	return nice_weight[MIN(MAX(nice, -20), 19) + 20];
}

/* a before b, for vruntimes that may wrap */
static bool vr_before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}

/* deadline a before b (ktime: no wrap in practice, compared the same way) */
static bool dl_before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}

static void update_top(struct rq *rq)
{
	struct task *first = list_first_entry_or_null(&rq->rt, struct task, rq_link);

	if (rq->nr_dl) {
		WRITE_ONCE(rq->dl_next, list_first_entry(&rq->dl, struct task, rq_link)->dl_abs);
		WRITE_ONCE(rq->top_prio, DL_PRIO);
	} else {
		WRITE_ONCE(rq->top_prio, first ? first->rq_prio : 0);
	}
}

/* head: at the front of its priority (a preempted real-time task). */
static void enqueue(struct rq *rq, struct task *t, bool head)
{
	int prio = READ_ONCE(t->prio);
	struct task *pos;

	t->rq_prio = prio;
	rq->nr++;
	if (!prio) {
		list_add_tail(&t->rq_link, &rq->queue);
		return;
	}
	if (prio == DL_PRIO) {
		rq->nr_dl++;
		list_for_each_entry(pos, &rq->dl, rq_link)
			if (dl_before(t->dl_abs, pos->dl_abs))
				break;
		list_add_tail(&t->rq_link, &pos->rq_link);	/* before pos */
		update_top(rq);
		return;
	}
	rq->nr_rt++;
	list_for_each_entry(pos, &rq->rt, rq_link)
		if (pos->rq_prio < prio || (head && pos->rq_prio == prio))
			break;
	list_add_tail(&t->rq_link, &pos->rq_link);	/* before pos */
	update_top(rq);
}

static void dequeue(struct rq *rq, struct task *t)
{
	list_del_init(&t->rq_link);
	rq->nr--;
	if (!t->rq_prio)
		return;
	if (t->rq_prio == DL_PRIO)
		rq->nr_dl--;
	else
		rq->nr_rt--;
	update_top(rq);
}

/*
 * The next task from this CPU's own queue: the deadline one with the
 * earliest deadline, else the first real-time one, unless throttled with
 * fair work waiting; else the fair one with the least vruntime, passing
 * over `skip` (a task that yields) if it can.
 */
static struct task *pick_local(struct rq *rq, struct task *skip)
{
	struct task *t = NULL, *pos;
	bool skipped = false;
	bool rt_ok = !rq->rt_throttled || rq->nr == rq->nr_rt + rq->nr_dl;

	if (rq->nr_dl && rt_ok) {
		t = list_first_entry(&rq->dl, struct task, rq_link);
		dequeue(rq, t);
		return t;
	}
	if (rq->nr_rt && rt_ok) {
		t = list_first_entry(&rq->rt, struct task, rq_link);
		dequeue(rq, t);
		return t;
	}
	list_for_each_entry(pos, &rq->queue, rq_link) {
		if (pos == skip)
			skipped = true;
		else if (!t || vr_before(pos->vruntime, t->vruntime))
			t = pos;
	}
	if (!t && !skipped)
		return NULL;
	u64 least = t ? t->vruntime : skip->vruntime;
	if (skipped && vr_before(skip->vruntime, least))
		least = skip->vruntime;
	if (vr_before(rq->min_vruntime, least))
		WRITE_ONCE(rq->min_vruntime, least);
	if (!t)
		t = skip;
	dequeue(rq, t);
	return t;
}

/* A task another CPU may run, from the busiest queue: real-time first. */
static struct task *steal(unsigned int self)
{
	unsigned int victim = self;
	unsigned int most = 0;

	for (unsigned int i = 0; i < nr_cpus; i++) {
		unsigned int n = READ_ONCE(runqueues[i].nr);
		if (i != self && n > most) {
			most = n;
			victim = i;
		}
	}
	if (victim == self)
		return NULL;
	struct rq *rq = &runqueues[victim];
	struct task *t, *found = NULL;
	spin_lock(&rq->lock);
	list_for_each_entry(t, &rq->dl, rq_link) {
		if (!READ_ONCE(t->on_cpu) && may_run_on(t, self)) {
			found = t;
			break;
		}
	}
	if (!found) {
		list_for_each_entry(t, &rq->rt, rq_link) {
			if (!READ_ONCE(t->on_cpu) && may_run_on(t, self)) {
				found = t;
				break;
			}
		}
	}
	if (!found) {
		list_for_each_entry(t, &rq->queue, rq_link) {
			if (!READ_ONCE(t->on_cpu) && may_run_on(t, self)) {
				found = t;
				break;
			}
		}
	}
	if (found) {
		dequeue(rq, found);
		/* its place among our fair tasks is its place among theirs */
		if (!found->rq_prio)
			found->vruntime += runqueues[self].min_vruntime - rq->min_vruntime;
	}
	spin_unlock(&rq->lock);
	return found;
}

static bool cpu_is_idle(unsigned int cpu)
{
	return READ_ONCE(cpus[cpu].curr) == cpus[cpu].idle;
}

static void resched_cpu(unsigned int cpu)
{
	if (cpu == this_cpu()->id)
		this_cpu()->need_resched = true;
	else if (READ_ONCE(cpus[cpu].online))
		arch_send_reschedule(cpu);
}

/* A task of priority prio (deadline dl if DL_PRIO) should preempt what
 * cpu runs: something lower, or a deadline task with a later deadline. */
static bool outranks(int prio, u64 dl, unsigned int cpu)
{
	int cur = READ_ONCE(runqueues[cpu].curr_prio);

	return prio > cur ||
	       (prio == DL_PRIO && cur == DL_PRIO && dl_before(dl, READ_ONCE(runqueues[cpu].curr_dl)));
}

/*
 * A task of priority prio (deadline dl) was queued on target: preempt
 * target if that runs something lower (a real-time or deadline wakeup),
 * else wake an idle CPU to run or steal it.
 */
static void kick(unsigned int target, int prio, u64 dl)
{
	/* our enqueue must be visible before we read whether target idles;
	 * pairs with the barrier in idle_loop() */
	smp_mb();
	if (prio > 0 && outranks(prio, dl, target)) {
		resched_cpu(target);
		return;
	}
	if (!cpu_is_idle(target)) {	/* busy: let an idle CPU steal */
		for (unsigned int i = 0; i < nr_cpus; i++) {
			if (i != target && cpu_is_idle(i) && cpus[i].online) {
				target = i;
				break;
			}
		}
		if (!cpu_is_idle(target))
			return;
	}
	resched_cpu(target);
}

/* Of the CPUs in m, the one running the lowest priority (an idle one
 * lowest of all); dflt unless another is strictly lower. */
static unsigned int rt_lowest(u64 m, unsigned int dflt)
{
	unsigned int best = dflt;
	int low = READ_ONCE(runqueues[dflt].curr_prio);

	for (; m && low > PRIO_IDLE; m &= m - 1) {
		unsigned int i = (unsigned int)__builtin_ctzll(m);
		int p = READ_ONCE(runqueues[i].curr_prio);
		if (p < low) {
			low = p;
			best = i;
		}
	}
	return best;
}

/*
 * Where deadline task t should queue (m: where it may run): its last CPU
 * if that runs something it outranks, else the CPU running the lowest,
 * else among CPUs running deadline tasks the one whose deadline is the
 * latest, if later than t's (global EDF's choice, made at each queueing).
 */
static unsigned int dl_cpu(struct task *t, u64 m)
{
	unsigned int dflt = m >> t->cpu & 1 ? (unsigned int)t->cpu : (unsigned int)__builtin_ctzll(m);

	if (outranks(DL_PRIO, t->dl_abs, dflt))
		return dflt;
	unsigned int best = rt_lowest(m, dflt);
	if (READ_ONCE(runqueues[best].curr_prio) < DL_PRIO)
		return best;
	u64 latest = t->dl_abs;
	best = dflt;
	for (; m; m &= m - 1) {
		unsigned int i = (unsigned int)__builtin_ctzll(m);
		u64 d = READ_ONCE(runqueues[i].curr_dl);
		if (READ_ONCE(runqueues[i].curr_prio) == DL_PRIO && dl_before(latest, d)) {
			latest = d;
			best = i;
		}
	}
	return best;
}

/*
 * Where t should queue: its last CPU if it may run there (a real-time
 * task: unless that runs something at least as high, then the allowed
 * CPU running the lowest), else the allowed CPU with the shortest queue.
 */
static unsigned int pick_cpu(struct task *t)
{
	u64 m = allowed_cpus(t);
	unsigned int best = (unsigned int)__builtin_ctzll(m);
	int prio = t->prio;

	if (prio == DL_PRIO)
		return dl_cpu(t, m);
	if (m >> t->cpu & 1) {
		if (!prio || READ_ONCE(runqueues[t->cpu].curr_prio) < prio)
			return (unsigned int)t->cpu;
		return rt_lowest(m, (unsigned int)t->cpu);
	}
	if (prio)
		return rt_lowest(m, best);
	for (; m; m &= m - 1) {
		unsigned int i = (unsigned int)__builtin_ctzll(m);
		if (READ_ONCE(runqueues[i].nr) < READ_ONCE(runqueues[best].nr))
			best = i;
	}
	return best;
}

/* Puts a runnable task on a queue (a throttled deadline task: its
 * replenishment timer will); caller holds t->lock. */
static void activate(struct task *t)
{
	t->on_rq = true;
	if (t->prio == DL_PRIO && t->dl_throttled)
		return;
	unsigned int cpu = pick_cpu(t);
	struct rq *rq = &runqueues[cpu];
	int prio = t->prio;

	spin_lock(&rq->lock);
	if (!prio) {
		/* vruntime from another CPU's queue is rebased on this one's; a
		 * sleeper comes back at most SLEEPER_CREDIT_NS behind (a batch
		 * task with none) */
		u64 min = rq->min_vruntime;
		if (t->cpu != (int)cpu)
			t->vruntime += min - READ_ONCE(runqueues[t->cpu].min_vruntime);
		u64 floor = min - (t->policy == SCHED_BATCH ? 0 : SLEEPER_CREDIT_NS);
		if (vr_before(t->vruntime, floor))
			t->vruntime = floor;
	}
	t->cpu = (int)cpu;
	enqueue(rq, t, false);
	spin_unlock(&rq->lock);
	kick(cpu, prio, t->dl_abs);
}

/* ---- SCHED_DEADLINE: the constant-bandwidth server ----
 *
 * Each deadline task has a runtime Q, a relative deadline D and a period
 * P. An instance has an absolute deadline (dl_abs) and the runtime left
 * in it (dl_left), which charge() takes its run time off. When that is
 * used up the task is throttled: it leaves the queues (on_rq stays set
 * for a runnable one) until the next period, abs - D + P, when dl_timer
 * replenishes it (a runtime more, the deadline a period later: an
 * overrun is paid back) and queues it again. A task blocked while out of
 * runtime is throttled the same way; a wakeup before the timer leaves it
 * to the timer.
 *
 * The timer's lifetime: it is armed only with dl_throttled set and a
 * task reference taken, from the CPU that throttles (interrupts off).
 * Its callback takes task->lock, acts only if the task is still
 * throttled and the timer not armed again since, then puts the
 * reference; whoever clears dl_throttled otherwise (sched_set_params,
 * sched_set_deadline) cancels it and puts the reference if the cancel
 * won. So a task that exits, is reaped and freed while its timer is
 * pending cannot be: the reference keeps it until the callback is done.
 */

static void dl_new_instance(struct task *t, u64 now)
{
	t->dl_abs = now + t->dl_deadline;
	t->dl_left = (s64)t->dl_runtime;
}

/* Linux's replenish_dl_entity: whole runtimes and periods until the
 * runtime is positive; a new instance if that leaves the deadline in the
 * past (or the overrun was absurd: ticks held off for long). */
static void dl_replenish(struct task *t, u64 now)
{
	if (t->dl_left <= 0) {
		u64 n = (u64)(-t->dl_left) / t->dl_runtime + 1;
		if (n > DL_MAX_OVERRUNS) {
			dl_new_instance(t, now);
			return;
		}
		t->dl_left += (s64)(n * t->dl_runtime);
		t->dl_abs += n * t->dl_period;
	}
	if (dl_before(t->dl_abs, now))
		dl_new_instance(t, now);
}

static void dl_timer_fire(void *arg)
{
	struct task *t = arg;
	unsigned long flags = spin_lock_irqsave(&t->lock);

	/* a stale callback: unthrottled meanwhile, maybe throttled again
	 * with the timer re-armed (cpu >= 0), which will do this */
	if (t->dl_throttled && __atomic_load_n(&t->dl_timer.cpu, __ATOMIC_ACQUIRE) < 0) {
		t->dl_throttled = false;
		dl_replenish(t, ktime_ns());
		if (t->on_rq && t->state != TASK_DEAD) {
			while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
				arch_cpu_relax();
			activate(t);
		}
	}
	spin_unlock_irqrestore(&t->lock, flags);
	task_put(t);	/* the timer's; t may be freed now */
}

/*
 * t (under its lock, off the queues) ran out of runtime: throttled until
 * its next period, true; or replenished at once if that has begun, false.
 */
static bool dl_throttle(struct task *t, u64 now)
{
	u64 next = t->dl_abs - t->dl_deadline + t->dl_period;

	if (!dl_before(now, next)) {
		dl_replenish(t, now);
		return false;
	}
	t->dl_throttled = true;
	task_get(t);		/* the timer's */
	timer_start(&t->dl_timer, next, dl_timer_fire, t);
	return true;
}

/* Throttling ends early (its policy or parameters changed; lock held, a
 * reference held by the caller): queued again if runnable. */
static void dl_unthrottle(struct task *t)
{
	if (!t->dl_throttled)
		return;
	t->dl_throttled = false;
	if (timer_cancel(&t->dl_timer))
		task_put(t);	/* never the last: the caller has one */
	if (t->on_rq) {
		while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
			arch_cpu_relax();
		activate(t);
	}
}

/*
 * The CBS wakeup rule (Linux's update_dl_entity): the runtime left over
 * the time left to the deadline may not exceed the reserved density
 * Q/D, else (or past the deadline) a new instance: deadline now + D, a
 * full runtime. A constrained task (D < P) before its deadline keeps it
 * with the runtime cut to what fits (the revised rule). Out of runtime:
 * throttled until its next period. True if it may be queued.
 */
static bool dl_wakeup(struct task *t, u64 now)
{
	if (dl_before(now, t->dl_abs)) {
		u64 laxity = t->dl_abs - now;
		if (t->dl_left <= 0)
			return !dl_throttle(t, now);
		if ((unsigned __int128)(u64)t->dl_left * t->dl_deadline <=
		    (unsigned __int128)laxity * t->dl_runtime)
			return true;
		if (t->dl_deadline != t->dl_period) {
			/* laxity < D here (else it could not overflow): no
			 * overflow with the density in 2^-20 */
			t->dl_left = (s64)((dl_ratio(t->dl_deadline, t->dl_runtime) * laxity) >> BW_SHIFT);
			return true;
		}
	}
	dl_new_instance(t, now);
	return true;
}

/* A deadline task's bandwidth is given back when it dies (finish_switch). */
static void dl_task_dead(struct task *t)
{
	spin_lock(&t->lock);
	if (t->dl_bw_held) {
		t->dl_bw_held = false;
		dl_bw_release(t->dl_bw);
	}
	spin_unlock(&t->lock);
}

int sched_fork_check(void)
{
	struct task *t = current;
	unsigned long flags = spin_lock_irqsave(&t->lock);
	bool refuse = t->policy == SCHED_DEADLINE && !t->reset_on_fork;

	spin_unlock_irqrestore(&t->lock, flags);
	return refuse ? -EAGAIN : 0;
}

void sched_add_new(struct task *t)
{
	struct task *parent = current;
	unsigned long flags;

	/* a user process forks user processes only: they inherit its
	 * affinity and scheduling, as Linux's children do */
	if (parent && parent->proc && t->pinned == CPU_ANY) {
		flags = spin_lock_irqsave(&parent->lock);
		t->cpus_allowed = parent->cpus_allowed;
		t->nice = parent->nice;
		t->policy = parent->policy;
		t->rt_priority = parent->rt_priority;
		t->vruntime = parent->vruntime;
		/* a deadline parent without the flag forks nothing
		 * (sched_fork_check); one that became so meanwhile has a
		 * fair child, never an unadmitted deadline one */
		if (parent->reset_on_fork || t->policy == SCHED_DEADLINE) {
			if (rt_policy(t->policy) || t->policy == SCHED_DEADLINE) {
				t->policy = SCHED_OTHER;
				t->rt_priority = 0;
				t->nice = 0;
			} else if (t->nice < 0) {
				t->nice = 0;
			}
		}
		spin_unlock_irqrestore(&parent->lock, flags);
	}
	flags = spin_lock_irqsave(&t->lock);
	t->prio = rt_policy(t->policy) ? t->rt_priority : 0;
	t->weight = weight_of(t->policy, t->nice);
	if (t->pinned == CPU_ANY)
		t->cpu = (int)this_cpu()->id;
	activate(t);
	spin_unlock_irqrestore(&t->lock, flags);
}

bool wake_up_task(struct task *t)
{
	unsigned long flags = spin_lock_irqsave(&t->lock);

	if (t->state != TASK_BLOCKED) {
		spin_unlock_irqrestore(&t->lock, flags);
		return false;
	}
	t->state = TASK_RUNNING;
	if (!t->on_rq) {
		/* its old CPU may still be switching away from it */
		while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
			arch_cpu_relax();
		if (t->prio == DL_PRIO && !t->dl_throttled)
			dl_wakeup(t, ktime_ns());	/* may throttle it */
		activate(t);
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return true;
}

void task_kick(struct task *t)
{
	if (wake_up_task(t))
		return;
	/* running, maybe in user mode on another CPU: an interrupt makes it
	 * pass through its return-to-user work (signals) now, not at its
	 * next tick */
	int cpu = READ_ONCE(t->cpu);
	unsigned long irq = arch_irq_save();
	if (READ_ONCE(t->on_cpu) && cpu != (int)this_cpu()->id)
		arch_send_reschedule((unsigned int)cpu);
	arch_irq_restore(irq);
}

u64 sched_get_affinity(struct task *t)
{
	return allowed_cpus(t);
}

/*
 * A queued task is moved to an allowed queue at once; a running one is
 * told to reschedule, and its CPU hands it on from finish_switch. One in
 * between (being stolen, being switched away from) is caught by that
 * CPU's next pick or tick.
 */
int sched_set_affinity(struct task *t, u64 mask)
{
	if (!(mask & sched_online_mask()))
		return -EINVAL;
	if (t->pinned != CPU_ANY)
		return -EINVAL;		/* a pinned kernel thread */
	unsigned long flags = spin_lock_irqsave(&t->lock);
	/* as Linux: a deadline task keeps every CPU of its root domain */
	if (t->policy == SCHED_DEADLINE && dl_bw_enabled() && (sched_online_mask() & ~mask)) {
		spin_unlock_irqrestore(&t->lock, flags);
		return -EBUSY;
	}
	WRITE_ONCE(t->cpus_allowed, mask);
	unsigned int cpu = (unsigned int)t->cpu;
	if (!may_run_on(t, cpu)) {
		struct rq *rq = &runqueues[cpu];
		bool queued = false;
		spin_lock(&rq->lock);
		if (!list_empty(&t->rq_link) && t->cpu == (int)cpu) {
			dequeue(rq, t);
			queued = true;
		}
		spin_unlock(&rq->lock);
		if (queued)
			activate(t);
		else if (READ_ONCE(t->on_cpu))
			resched_cpu(cpu);
	}
	spin_unlock_irqrestore(&t->lock, flags);
	if (t == current && !may_run_on(t, this_cpu()->id))
		schedule();	/* off this CPU before the caller returns */
	return 0;
}

/*
 * New scheduling parameters for t (sched_setscheduler and the rest; the
 * caller checked them). A queued t moves to its new place at once: to the
 * tail of a raised priority, the head of a lowered one (Linux's rule); a
 * running one whose priority dropped is rescheduled, in case something
 * queued now outranks it.
 */
static void charge(struct rq *rq, struct task *t, u64 now);

/* t's place after its priority or deadline changed (lock held): a queued
 * t is queued again (head: at the front of its priority), and its CPU
 * told if it now outranks what runs there; a running one whose rank
 * dropped (lowered) is rescheduled, in case something queued outranks it. */
static void requeue(struct task *t, bool head, bool lowered)
{
	int prio = t->prio;

	for (int cpu = READ_ONCE(t->cpu);;) {
		struct rq *rq = &runqueues[cpu];
		spin_lock(&rq->lock);
		if (READ_ONCE(t->cpu) != cpu) {		/* moved meanwhile */
			spin_unlock(&rq->lock);
			cpu = READ_ONCE(t->cpu);
			continue;
		}
		bool queued = !list_empty(&t->rq_link);
		if (queued) {
			dequeue(rq, t);
			enqueue(rq, t, head);
		}
		spin_unlock(&rq->lock);
		if (queued && outranks(prio, t->dl_abs, (unsigned int)cpu))
			resched_cpu((unsigned int)cpu);
		else if (!queued && lowered && READ_ONCE(t->on_cpu))
			resched_cpu((unsigned int)cpu);
		break;
	}
}

/* A deadline task leaves the class (lock held): its bandwidth is given
 * back at once (Linux waits for its 0-lag time), and a throttled one is
 * queued again under its new policy. */
static void dl_leave(struct task *t)
{
	if (t->dl_bw_held) {
		t->dl_bw_held = false;
		dl_bw_release(t->dl_bw);
	}
	dl_unthrottle(t);
}

void sched_set_params(struct task *t, int policy, int rt_priority, int nice, bool reset_on_fork)
{
	unsigned long flags = spin_lock_irqsave(&t->lock);
	int old = t->prio;
	int prio = rt_policy(policy) ? rt_priority : 0;

	if (policy == SCHED_RR && t->policy != SCHED_RR)
		t->slice = READ_ONCE(rr_ticks);	/* a whole first slice, not a fair one's rest */
	t->policy = policy;
	t->rt_priority = rt_priority;
	t->nice = nice;
	t->reset_on_fork = reset_on_fork;
	WRITE_ONCE(t->weight, weight_of(policy, nice));
	if (old && !prio) {	/* back to fair: no credit for its real-time run */
		u64 min = READ_ONCE(runqueues[t->cpu].min_vruntime);
		if (vr_before(t->vruntime, min))
			t->vruntime = min;
	}
	WRITE_ONCE(t->prio, prio);
	if (prio != old)
		requeue(t, prio < old, prio < old);
	if (old == DL_PRIO)
		dl_leave(t);
	spin_unlock_irqrestore(&t->lock, flags);
}

/*
 * Linux's checks in their order: a task that may not run on every CPU of
 * the root domain may not become a deadline task (EPERM), then admission
 * (EBUSY). Parameters as they are (flags aside) change nothing; new ones
 * start a new instance at once.
 */
int sched_set_deadline(struct task *t, u64 runtime, u64 deadline, u64 period, u32 flags,
		       bool reset_on_fork)
{
	u64 online = sched_online_mask();
	unsigned long irq = spin_lock_irqsave(&t->lock);
	u64 mask = t->cpus_allowed ? t->cpus_allowed : ~0ULL;
	int rc = 0;

	if (!period)
		period = deadline;
	u64 bw = dl_ratio(period, runtime);
	if (t->state == TASK_DEAD) {
		rc = -ESRCH;
	} else if (dl_bw_enabled() && ((online & ~mask) || t->pinned != CPU_ANY)) {
		rc = -EPERM;
	} else if (t->policy == SCHED_DEADLINE && t->dl_runtime == runtime &&
		   t->dl_deadline == deadline && t->dl_period == period && t->dl_flags == flags) {
		t->reset_on_fork = reset_on_fork;
		goto out;
	} else {
		rc = dl_bw_change(t->dl_bw_held ? t->dl_bw : 0, bw);
	}
	if (rc)
		goto out;
	t->dl_bw = bw;
	t->dl_bw_held = true;
	t->dl_runtime = runtime;
	t->dl_deadline = deadline;
	t->dl_period = period;
	t->dl_flags = flags;
	u64 now = ktime_ns();
	if (t == current)	/* its run so far goes to its old class, not the new runtime */
		charge(&runqueues[this_cpu()->id], t, now);
	t->policy = SCHED_DEADLINE;
	t->rt_priority = 0;
	t->reset_on_fork = reset_on_fork;
	dl_new_instance(t, now);
	WRITE_ONCE(t->prio, DL_PRIO);
	requeue(t, false, true);
	dl_unthrottle(t);	/* with the new instance */
out:
	spin_unlock_irqrestore(&t->lock, irq);
	return rc;
}

/* setpriority: a new nice value, and with it a new weight. */
void sched_set_nice(struct task *t, int nice)
{
	unsigned long flags = spin_lock_irqsave(&t->lock);

	t->nice = nice;
	WRITE_ONCE(t->weight, weight_of(t->policy, nice));
	spin_unlock_irqrestore(&t->lock, flags);
}

/* sched_rr_get_interval: RR's slice, none for FIFO or deadline, the
 * fair slice. */
u64 sched_rr_interval_ns(struct task *t)
{
	int policy = READ_ONCE(t->policy);

	if (policy == SCHED_FIFO || policy == SCHED_DEADLINE)
		return 0;
	return (u64)(policy == SCHED_RR ? READ_ONCE(rr_ticks) : SLICE_TICKS) * TICK_NS;
}

/* Runs on the new task's stack right after every switch. */
void finish_switch(void)
{
	struct cpu *c = this_cpu();
	struct task *prev = c->switch_from;

	/*
	 * Read the state before giving the task up: once on_cpu is 0 another
	 * CPU may run it, let it die and free it. A dead task never changes
	 * state again, so deciding first is safe.
	 */
	bool dead = READ_ONCE(prev->state) == TASK_DEAD;

	c->switch_from = NULL;
	struct task *move = migrating[c->id];
	migrating[c->id] = NULL;
	__atomic_store_n(&prev->on_cpu, 0, __ATOMIC_RELEASE);
	if (move) {	/* still on_rq and runnable: nobody else queues it */
		spin_lock(&move->lock);
		activate(move);
		spin_unlock(&move->lock);
	}
	if (dead) {
		dl_task_dead(prev);
		task_reap(prev);
	}
}

/* The run time since t was last charged: a fair task's vruntime, or this
 * CPU's real-time time for throttling. */
static void charge(struct rq *rq, struct task *t, u64 now)
{
	s64 delta = (s64)(now - t->exec_start);

	if (delta <= 0)
		return;
	t->exec_start = now;
	int prio = READ_ONCE(t->prio);
	if (prio) {
		rq->rt_time += (u64)delta;	/* deadline tasks too, as Linux */
		if (prio == DL_PRIO)
			t->dl_left -= delta;
		return;
	}
	u32 w = READ_ONCE(t->weight);
	t->vruntime += w == NICE_0_WEIGHT ? (u64)delta : (u64)delta * NICE_0_WEIGHT / (w ? w : 1);
}

/* A new slice for the task about to run: RR keeps what is left of its. */
static void refill_slice(struct task *t)
{
	if (READ_ONCE(t->policy) != SCHED_RR)
		t->slice = SLICE_TICKS;
	else if (t->slice <= 0)
		t->slice = READ_ONCE(rr_ticks);
}

static void context_switch(struct cpu *c, struct task *prev, struct task *next, u64 now)
{
	next->on_cpu = 1;
	next->cpu = (int)c->id;
	next->exec_start = now;
	next->cpus_seen |= 1ULL << c->id;
	c->switch_from = prev;
	c->switches++;
	if (prev == c->idle)
		tick_idle_exit();	/* a task runs: it needs its tick */
	WRITE_ONCE(c->curr, next);
	if (next->kstack_top)
		arch_task_switched_in(next, next->kstack_top);
	/* only user tasks own FPU state: the kernel is built without it */
	if (prev->mm)
		arch_fpu_save(prev->fpu);
	if (next->mm || prev->mm)
		arch_switch_user(next->mm ? &next->mm->vm : NULL, next->fs_base);
	if (next->mm)
		arch_fpu_restore(next->fpu);
	arch_switch(&prev->ctx, &next->ctx);
	finish_switch();
}

/*
 * A new throttling period once the last is over (the tick sees it, or the
 * next pick after an idle spell). As Linux's period timer, each period
 * that passed takes a runtime off rt_time rather than zeroing it: ticks a
 * loaded host delays would otherwise let a period's end wipe out the run
 * time that should have throttled it (what is carried is at most the
 * fair tasks' share). Unthrottled once under the runtime.
 */
static void rt_period(struct rq *rq, u64 now)
{
	unsigned int gen = __atomic_load_n(&rt_config_gen, __ATOMIC_ACQUIRE);

	if (now < rq->rt_period_end && rq->rt_gen == gen)
		return;
	u64 period = (u64)READ_ONCE(sched_rt_period_us) * 1000;
	long runtime = READ_ONCE(sched_rt_runtime_us);
	if (rq->rt_gen != gen) {	/* new numbers: a new period from now */
		rq->rt_gen = gen;
		rq->rt_time = 0;
		rq->rt_throttled = false;
		rq->rt_period_end = now + period;
		return;
	}
	u64 n = (now - rq->rt_period_end) / period + 1;
	u64 credit = runtime < 0 ? ~0ULL : n * (u64)runtime * 1000;
	rq->rt_time = rq->rt_time > credit ? rq->rt_time - credit : 0;
	/* at most what the fair tasks were owed: a real-time task that ran on
	 * alone while throttled (nothing else to run) owes nothing for that */
	if (runtime >= 0)
		rq->rt_time = MIN(rq->rt_time, period - MIN(period, (u64)runtime * 1000));
	rq->rt_throttled = runtime >= 0 && rq->rt_time >= (u64)runtime * 1000;
	rq->rt_period_end = now - (now - rq->rt_period_end) % period + period;
}

/* Why __schedule runs. */
enum { SCHED_SLEEP, SCHED_PREEMPT, SCHED_YIELD };

/*
 * A real-time task preempted by a higher one here: true if another CPU
 * it may use runs something lower, which then takes it (finish_switch).
 */
static bool rt_push(struct rq *rq, struct task *t, unsigned int self)
{
	int prio = READ_ONCE(t->prio);

	if (prio == DL_PRIO) {	/* an earlier deadline queued here */
		if (!READ_ONCE(rq->nr_dl) || !dl_before(READ_ONCE(rq->dl_next), t->dl_abs) ||
		    nr_cpus == 1)
			return false;
		for (u64 m = allowed_cpus(t) & ~(1ULL << self); m; m &= m - 1)
			if (outranks(DL_PRIO, t->dl_abs, (unsigned int)__builtin_ctzll(m)))
				return true;
		return false;
	}
	if (!prio || READ_ONCE(rq->top_prio) <= prio || nr_cpus == 1)
		return false;
	for (u64 m = allowed_cpus(t) & ~(1ULL << self); m; m &= m - 1)
		if (READ_ONCE(runqueues[__builtin_ctzll(m)].curr_prio) < prio)
			return true;
	return false;
}

/*
 * A preempted task stays queued whatever its state: it may be between
 * prepare_to_wait() and finish_wait() with its condition already true,
 * and nobody would wake it if it were taken off the run queue here.
 */
static void __schedule(int why)
{
	unsigned long flags = arch_irq_save();
	struct cpu *c = this_cpu();
	struct task *prev = c->curr;
	struct rq *rq = &runqueues[c->id];
	bool requeue;

#ifdef CONFIG_LOCKDEP
	if (c->lock_depth)
		panic("schedule() with spinlock '%s' held",
		      c->held[c->lock_depth - 1]->name);
#endif
	c->need_resched = false;
	u64 now = ktime_ns();
	if (prev != c->idle)
		charge(rq, prev, now);
	spin_lock(&prev->lock);
	if (why == SCHED_PREEMPT && prev->state != TASK_DEAD) {
		requeue = prev != c->idle;
	} else {
		requeue = prev->state == TASK_RUNNING && prev != c->idle;
		if (prev->state != TASK_RUNNING)
			prev->on_rq = false;
	}
	/* a deadline task out of runtime, or yielding the rest of it, waits
	 * for its next period (runnable or not) */
	if (prev != c->idle && prev->prio == DL_PRIO && prev->state != TASK_DEAD) {
		if (why == SCHED_YIELD && prev->dl_left > 0)
			prev->dl_left = 0;
		if (prev->dl_left <= 0 && dl_throttle(prev, now))
			requeue = false;
	}
	spin_unlock(&prev->lock);

	if (rq->rt_throttled)
		rt_period(rq, now);
	/* a preempted real-time task keeps its place; one that yields or
	 * whose RR slice ended goes behind its equals */
	bool head = why == SCHED_PREEMPT && !rq->curr_tail;
	rq->curr_tail = false;
	if (requeue && (!may_run_on(prev, c->id) ||
			(why == SCHED_PREEMPT && rt_push(rq, prev, c->id)))) {
		requeue = false;	/* queued elsewhere once off this CPU */
		migrating[c->id] = prev;
	}
	spin_lock(&rq->lock);
	if (requeue)
		enqueue(rq, prev, head);
	struct task *next = pick_local(rq, why == SCHED_YIELD ? prev : NULL);
	spin_unlock(&rq->lock);
	while (next && next != prev && !may_run_on(next, c->id)) {
		/* queued here before its mask changed: send it on */
		spin_lock(&next->lock);
		activate(next);
		spin_unlock(&next->lock);
		spin_lock(&rq->lock);
		next = pick_local(rq, NULL);
		spin_unlock(&rq->lock);
	}
	if (!next)
		next = steal(c->id);
	if (!next)	/* never prev: a waker may be waiting for it to stop */
		next = c->idle;
	WRITE_ONCE(rq->curr_dl, next->dl_abs);	/* meaningful for DL_PRIO only */
	WRITE_ONCE(rq->curr_prio, next == c->idle ? PRIO_IDLE : READ_ONCE(next->prio));
	if (next != c->idle)
		refill_slice(next);
	if (next != prev)
		context_switch(c, prev, next, now);
	arch_irq_restore(flags);
}

void schedule(void)
{
	__schedule(SCHED_SLEEP);
}

void sched_yield(void)
{
	__schedule(SCHED_YIELD);
}

void sched_preempt(void)
{
	__schedule(SCHED_PREEMPT);
}

/* A real-time or deadline task's tick: throttling (that of real-time
 * tasks, which deadline ones share), a higher task or earlier deadline
 * queued, RR's slice, a deadline task's runtime used up. */
static bool rt_tick(struct cpu *c, struct rq *rq, struct task *t)
{
	long runtime = READ_ONCE(sched_rt_runtime_us);
	bool fair_waits = READ_ONCE(rq->nr) > READ_ONCE(rq->nr_rt) + READ_ONCE(rq->nr_dl);
	int prio = READ_ONCE(t->prio);

	if (runtime >= 0 && rq->rt_time >= (u64)runtime * 1000)
		rq->rt_throttled = true;
	if (fair_waits && rq->rt_throttled)
		return true;	/* the fair tasks' share of the period */
	if (fair_waits && nr_cpus > 1)
		kick(c->id, 0, 0);	/* an idle CPU may take them */
	if (prio == DL_PRIO) {
		if (t->dl_left <= 0) {	/* __schedule throttles it */
			if (READ_ONCE(t->dl_flags) & SCHED_FLAG_DL_OVERRUN)
				t->dl_overrun = true;
			return true;
		}
		return READ_ONCE(rq->nr_dl) && dl_before(READ_ONCE(rq->dl_next), t->dl_abs);
	}
	if (READ_ONCE(rq->top_prio) > prio)
		return true;	/* queued without reaching us (a hint missed) */
	if (READ_ONCE(t->policy) == SCHED_RR && --t->slice <= 0) {
		t->slice = READ_ONCE(rr_ticks);
		rq->curr_tail = true;
		return READ_ONCE(rq->top_prio) == prio;	/* an equal one waits */
	}
	return false;
}

static bool fair_tick(struct rq *rq, struct task *t)
{
	unsigned int above = READ_ONCE(rq->nr_rt) + READ_ONCE(rq->nr_dl);

	if (READ_ONCE(rq->nr) == above && vr_before(rq->min_vruntime, t->vruntime))
		WRITE_ONCE(rq->min_vruntime, t->vruntime);	/* it runs alone */
	if (above && !rq->rt_throttled)
		return true;	/* a real-time or deadline task waits */
	return --t->slice <= 0;
}

/* The scheduler tick (timer.c calls it, only while a task runs on this
 * CPU): time slices, throttling and CPU time sampling. */
void sched_tick(struct trap_frame *tf)
{
	struct cpu *c = this_cpu();
	struct task *t = c->curr;
	struct rq *rq = &runqueues[c->id];

	c->ticks++;
	if (t == c->idle) {
		c->idle_ticks++;
	} else if (frame_from_user(tf)) {	/* CPU time, sampled like Linux without NO_HZ */
		c->user_ticks++;
		t->utime_ticks++;
		proc_timers_tick(t, true);
	} else {
		c->sys_ticks++;
		t->stime_ticks++;
		proc_timers_tick(t, false);
	}
	if (t == c->idle) {
		if (READ_ONCE(rq->nr))
			c->need_resched = true;
		return;
	}
	u64 now = ktime_ns();
	charge(rq, t, now);
	rt_period(rq, now);
	bool resched = READ_ONCE(t->prio) ? rt_tick(c, rq, t) : fair_tick(rq, t);
	if (resched || !may_run_on(t, c->id))
		c->need_resched = true;	/* or its mask moved it */
	if (t->dl_overrun && t->proc) {	/* SCHED_FLAG_DL_OVERRUN: as Linux, to the process */
		struct ksiginfo si = { .signo = SIGXCPU, .code = SI_KERNEL };
		t->dl_overrun = false;
		signal_send(t->proc, &si);
	}
}

static void resched_ipi(struct trap_frame *tf)
{
	(void)tf;
	this_cpu()->need_resched = true;
}

/* Called at the end of every interrupt: preempt if asked and allowed. */
void sched_irq_exit(struct trap_frame *tf)
{
	struct cpu *c = this_cpu();

	if (c->need_resched && !c->irq_depth && frame_irqs_were_on(tf) &&
	    c->curr && c->idle)
		__schedule(SCHED_PREEMPT);
}

static __noreturn void idle_loop(void)
{
	struct cpu *c = this_cpu();

	for (;;) {
		arch_irq_disable();
		smp_mb();	/* curr == idle before reading nr; pairs with kick() */
		if (!READ_ONCE(runqueues[c->id].nr) && !c->need_resched) {
			tick_idle_enter();	/* armed for the next timer only */
			arch_idle();	/* sti; hlt: no wakeup is missed */
		}
		arch_irq_enable();
		__schedule(SCHED_SLEEP);
	}
}

void sched_init_cpu_queues(void)
{
	for (int i = 0; i < MAX_CPUS; i++) {
		spin_lock_init(&runqueues[i].lock, "runqueue", LR_RQ);
		list_init(&runqueues[i].queue);
		list_init(&runqueues[i].rt);
		list_init(&runqueues[i].dl);
		runqueues[i].curr_prio = PRIO_IDLE;
	}
	irq_register(VEC_TIMER, timer_interrupt);
	irq_register(VEC_RESCHED, resched_ipi);
}

__noreturn void sched_ap_start(unsigned int cpu)
{
	struct cpu *c = &cpus[cpu];

	c->curr = c->idle;
	c->idle->on_cpu = 1;
	c->idle->cpus_seen |= 1ULL << cpu;
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	idle_loop();
}

__noreturn void sched_bsp_idle(void)
{
	idle_loop();
}
