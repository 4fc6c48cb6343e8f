/*
 * Per-CPU timer lists, kept sorted by deadline so the interrupt only looks
 * at the head. Insertion is O(pending timers on this CPU); a timer wheel
 * is the upgrade when many sleepers share a CPU.
 *
 * Each CPU's hardware timer is one-shot (arch_timer_set_next), armed for
 * the earlier of its first timer and its next scheduler tick; `programmed`
 * remembers what it is armed for so a new timer reprograms it only when
 * it is earlier. A CPU changes its own base's hardware state only, with
 * interrupts off, so that needs no lock; the list has one because
 * timer_cancel() may come from any CPU.
 *
 * Cancellation races with expiry: the interrupt unlinks a timer under the
 * list lock before calling it, so timer_cancel() returning true guarantees
 * the callback will not run; false means it has run or is running.
 */
#include <alloy/arch.h>
#include <alloy/cmdline.h>
#include <alloy/cpu.h>
#include <alloy/lockrank.h>
#include <alloy/profile.h>
#include <alloy/sched.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/timer.h>

#define TICK_NS (1000000000ULL / HZ)
#define NEVER (~0ULL)

struct trap_frame;
void sched_tick(struct trap_frame *tf);

struct timer_base {
	spinlock_t lock;
	struct list_head list;
	/* below: this CPU only, interrupts off */
	u64 programmed;			/* what the hardware fires at, NEVER if idle */
	u64 next_tick;			/* scheduler tick, NEVER while stopped */
	u64 idle_since;			/* ktime idle time counted up to; 0: busy */
	u64 idle_ns;			/* idle time not yet a whole tick */
	u32 idle_seq;			/* odd while the three above change */
	u64 irqs;			/* timer interrupts taken */
	u64 next_sample;		/* the profiler's, while it runs */
} __aligned(64);

static struct timer_base bases[MAX_CPUS];
static bool nohz = true;		/* `nohz=off`: idle CPUs keep the tick */

void timers_init(void)
{
	const char *v = cmdline_get("nohz");

	nohz = !v || strcmp(v, "off");
	for (int i = 0; i < MAX_CPUS; i++) {
		spin_lock_init(&bases[i].lock, "timer-list", LR_TIMER);
		list_init(&bases[i].list);
		bases[i].programmed = NEVER;
		bases[i].next_tick = 0;	/* the first interrupt starts it */
	}
}

u64 timer_irq_count(unsigned int cpu)
{
	return cpu < MAX_CPUS ? READ_ONCE(bases[cpu].irqs) : 0;
}

/*
 * The tick keeps to one grid, multiples of TICK_NS, also when it starts
 * again after idling: a task that runs for less than a tick between idle
 * periods is then sampled in proportion to its run time, not never.
 */
static u64 next_on_grid(u64 now)
{
	return now - now % TICK_NS + TICK_NS;
}

/* Arms this CPU's hardware for its next event; interrupts off. */
static void reprogram(struct timer_base *b)
{
	u64 next = b->next_tick;
	u64 period = profile_period_ns();

	if (period && b->next_sample < next)	/* idle CPUs are sampled too */
		next = b->next_sample;

	spin_lock(&b->lock);
	struct ktimer *t = list_first_entry_or_null(&b->list, struct ktimer, link);
	if (t && t->expires < next)
		next = t->expires;
	spin_unlock(&b->lock);
	if (next != b->programmed) {
		b->programmed = next;
		arch_timer_set_next(next);
	}
}

void timer_start(struct ktimer *t, u64 expires, void (*fn)(void *), void *arg)
{
	unsigned long flags = arch_irq_save();
	int cpu = (int)this_cpu()->id;
	struct timer_base *b = &bases[cpu];
	struct ktimer *pos;

	t->expires = expires;
	t->fn = fn;
	t->arg = arg;
	spin_lock(&b->lock);
	t->cpu = cpu;
	list_for_each_entry(pos, &b->list, link)
		if (pos->expires > expires)
			break;
	list_add_tail(&t->link, &pos->link);	/* before pos */
	bool first = b->list.next == &t->link;
	spin_unlock(&b->lock);
	if (first && expires < b->programmed)
		reprogram(b);
	arch_irq_restore(flags);
}

bool timer_cancel(struct ktimer *t)
{
	int cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);

	if (cpu < 0)
		return false;
	struct timer_base *b = &bases[cpu];
	unsigned long flags = spin_lock_irqsave(&b->lock);
	bool pending = t->cpu == cpu;	/* not taken by the tick meanwhile */
	if (pending) {
		list_del(&t->link);
		t->cpu = -1;
	}
	spin_unlock_irqrestore(&b->lock, flags);
	return pending;
}

static void timers_run_expired(struct timer_base *b, u64 now)
{
	for (;;) {
		spin_lock(&b->lock);
		struct ktimer *t = list_first_entry_or_null(&b->list, struct ktimer, link);
		if (!t || t->expires > now) {
			spin_unlock(&b->lock);
			return;
		}
		list_del(&t->link);
		void (*fn)(void *) = t->fn;
		void *arg = t->arg;
		/* after this store the owner may reuse t: nothing touches it below */
		__atomic_store_n(&t->cpu, -1, __ATOMIC_RELEASE);
		spin_unlock(&b->lock);
		fn(arg);		/* t may be gone: use only the copies */
	}
}

/* Readers of idle time on other CPUs (cpu_idle_ticks) retry around these. */
static void idle_write_begin(struct timer_base *b)
{
	__atomic_store_n(&b->idle_seq, b->idle_seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void idle_write_end(struct timer_base *b)
{
	__atomic_store_n(&b->idle_seq, b->idle_seq + 1, __ATOMIC_RELEASE);
}

/* Idle time since idle_since becomes idle ticks, as the tick would have
 * sampled it (/proc/stat, /proc/uptime). */
static void account_idle(struct timer_base *b, u64 now)
{
	struct cpu *c = this_cpu();

	if (!b->idle_since || now <= b->idle_since)
		return;
	idle_write_begin(b);
	b->idle_ns += now - b->idle_since;
	b->idle_since = now;
	c->idle_ticks += b->idle_ns / TICK_NS;
	b->idle_ns %= TICK_NS;
	idle_write_end(b);
}

u64 cpu_idle_ticks(unsigned int cpu)
{
	u32 seq;
	u64 ticks, ns, since;

	if (cpu >= MAX_CPUS)
		return 0;
	struct timer_base *b = &bases[cpu];
	do {
		seq = __atomic_load_n(&b->idle_seq, __ATOMIC_ACQUIRE);
		ticks = READ_ONCE(cpus[cpu].idle_ticks);
		ns = READ_ONCE(b->idle_ns);
		since = READ_ONCE(b->idle_since);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((seq & 1) || seq != __atomic_load_n(&b->idle_seq, __ATOMIC_RELAXED));
	u64 now = ktime_ns();
	if (since && now > since)	/* idle now: the part not yet counted */
		ns += now - since;
	return ticks + ns / TICK_NS;
}

/* The timer interrupt: the tick if it is due, then expired timers. */
void timer_interrupt(struct trap_frame *tf)
{
	struct timer_base *b = &bases[this_cpu()->id];
	u64 now = ktime_ns();

	b->irqs++;
	b->programmed = NEVER;		/* one-shot: it has fired */
	if (now >= b->next_tick) {
		sched_tick(tf);
		/* ticks missed (interrupts off too long) are not made up */
		b->next_tick = next_on_grid(now);
	}
	u64 period = profile_period_ns();
	if (period && now >= b->next_sample) {
		profile_sample(tf);
		b->next_sample = now - now % period + period;
	}
	account_idle(b, now);
	timers_run_expired(b, now);
	reprogram(b);
}

/* The profiler started or stopped: every CPU's timer takes it into
 * account from its next interrupt (which an idle CPU is sent now). */
void timer_profile_changed(void)
{
	for (unsigned int i = 0; i < MAX_CPUS; i++)
		WRITE_ONCE(bases[i].next_sample, 0);
}

void tick_idle_enter(void)
{
	struct timer_base *b = &bases[this_cpu()->id];

	if (!nohz)
		return;
	b->next_tick = NEVER;
	if (!b->idle_since) {
		idle_write_begin(b);
		b->idle_since = ktime_ns();
		idle_write_end(b);
	}
	reprogram(b);
}

void tick_idle_exit(void)
{
	struct timer_base *b = &bases[this_cpu()->id];
	u64 now = ktime_ns();

	account_idle(b, now);
	idle_write_begin(b);
	b->idle_since = 0;
	idle_write_end(b);
	if (b->next_tick == NEVER) {
		b->next_tick = next_on_grid(now);
		reprogram(b);
	}
}

static void timeout_wake(void *arg)
{
	struct task *t = arg;

	wake_up_task(t);
	task_put(t);
}

u64 schedule_timeout(u64 ns)
{
	struct task *t = current;
	struct ktimer tm;
	u64 now = ktime_ns(), deadline = ns > ~0ULL - now ? ~0ULL : now + ns;

	task_get(t);			/* the timer's reference */
	timer_start(&tm, deadline, timeout_wake, t);
	schedule();
	if (timer_cancel(&tm))
		task_put(t);
	now = ktime_ns();
	return now >= deadline ? 0 : deadline - now;
}

void sleep_ns(u64 ns)
{
	u64 deadline = ktime_ns() + ns;

	for (u64 now = ktime_ns(); now < deadline; now = ktime_ns()) {
		set_current_state_blocked();
		schedule_timeout(deadline - now);
	}
	set_current_state_running();
}
