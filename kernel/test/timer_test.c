/*
 * High-resolution timers and the tickless idle CPU (kernel/sched/timer.c):
 *  - short sleeps on every CPU end within a fraction of a tick, never early;
 *  - an idle CPU takes (almost) no timer interrupts, yet its idle time is
 *    still counted: the ticks it skipped show up in cpu_idle_ticks();
 *  - a timer whose callback starts an earlier timer on the same CPU (what
 *    a periodic timerfd does) gets both, in order;
 *  - a busy CPU (tick running) re-arms its hardware for a timer earlier
 *    than its next tick.
 */
#include <alloy/arch.h>
#include <alloy/atomic.h>
#include <alloy/cpu.h>
#include <alloy/ktest.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/task.h>
#include <alloy/timer.h>

#define TICK_NS (1000000000ULL / HZ)
#define SLEEPS 60
#define SLEEP_NS 200000ULL		/* 200 us: 1/20 of a tick */
#define LATE_MEDIAN_MAX 1000000ULL	/* 1 ms; a tick-based timer is ~4 ms late */

static atomic_t hires_bad;

static void sort_u64(u64 *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			u64 t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* One series of short sleeps; true if its median lateness is in bounds. */
static bool hires_series(void)
{
	u64 late[SLEEPS];

	for (int i = 0; i < SLEEPS; i++) {
		u64 t0 = ktime_ns();
		sleep_ns(SLEEP_NS);
		u64 d = ktime_ns() - t0;
		if (d < SLEEP_NS) {
			pr_err("    # cpu %u: sleep of %llu ns ended after %llu\n", cpu_id(),
			       SLEEP_NS, (unsigned long long)d);
			atomic_inc(&hires_bad);
		}
		late[i] = d - SLEEP_NS;
	}
	sort_u64(late, SLEEPS);
	pr_info("    # cpu %u: 200 us sleeps late by median %llu us, p90 %llu us\n", cpu_id(),
		(unsigned long long)late[SLEEPS / 2] / 1000,
		(unsigned long long)late[SLEEPS * 9 / 10] / 1000);
	return late[SLEEPS / 2] < LATE_MEDIAN_MAX;
}

static void hires_sleeper(void *arg)
{
	(void)arg;
	for (int a = 0; a < 3; a++)	/* an overloaded host may stall one series */
		if (hires_series())
			return;
	atomic_inc(&hires_bad);
}

KTEST(timer_hires)
{
	struct task *t[MAX_CPUS];

	atomic_set(&hires_bad, 0);
	for (unsigned int i = 0; i < nr_cpus; i++) {
		t[i] = kthread_create_on((int)i, hires_sleeper, NULL, "hires");
		KT_ASSERT(t[i]);
	}
	for (unsigned int i = 0; i < nr_cpus; i++) {
		task_join(t[i]);
		task_put(t[i]);
	}
	KT_EXPECT(atomic_read(&hires_bad) == 0);
}

/* Over 300 ms with nothing to do, each CPU takes a handful of timer
 * interrupts, not the 75 of a periodic tick, and counts ~75 idle ticks. */
KTEST(timer_idle_is_tickless)
{
	u64 irqs[MAX_CPUS], idle[MAX_CPUS];
	const u64 ms = 300, want = ms * 1000000ULL / TICK_NS;

	for (unsigned int i = 0; i < nr_cpus; i++) {
		irqs[i] = timer_irq_count(i);
		idle[i] = cpu_idle_ticks(i);
	}
	sleep_ms(ms);
	for (unsigned int i = 0; i < nr_cpus; i++) {
		u64 n = timer_irq_count(i) - irqs[i], d = cpu_idle_ticks(i) - idle[i];
		pr_info("    # cpu %u: %llu timer interrupts, %llu idle ticks in %llu ms\n", i,
			(unsigned long long)n, (unsigned long long)d, (unsigned long long)ms);
		KT_EXPECT(n <= want / 4);
		/* idle all along but for our own wakeups; emulation may stall */
		KT_EXPECT(d >= want * 8 / 10 && d <= want + 10);
	}
}

/* A callback that starts an earlier timer than the one programmed. */
struct chain {
	struct ktimer a, b;
	u64 a_fired, b_fired, b_deadline;
};

static void chain_b(void *arg)
{
	struct chain *c = arg;
	c->b_fired = ktime_ns();
}

static void chain_a(void *arg)
{
	struct chain *c = arg;
	c->a_fired = ktime_ns();
	c->b_deadline = c->a_fired + SLEEP_NS;
	timer_start(&c->b, c->b_deadline, chain_b, c);
}

static void record_u64(void *arg)
{
	*(u64 *)arg = ktime_ns();
}

KTEST(timer_rearm_from_callback)
{
	static struct chain c;
	struct ktimer late;
	static u64 late_fired;

	c.a_fired = c.b_fired = 0;
	late_fired = 0;
	u64 now = ktime_ns();
	unsigned long flags = arch_irq_save();	/* both on this CPU */
	/* the hardware is armed for `late` first, then for `a` before it */
	timer_start(&late, now + 50 * TICK_NS, record_u64, &late_fired);
	timer_start(&c.a, now + 2 * SLEEP_NS, chain_a, &c);
	arch_irq_restore(flags);
	while (!READ_ONCE(c.b_fired) && ktime_ns() - now < 20000000ULL)
		arch_cpu_relax();	/* busy: only the interrupt itself re-arms */
	KT_EXPECT(c.a_fired >= now + 2 * SLEEP_NS);
	KT_EXPECT(c.b_fired >= c.b_deadline);
	pr_info("    # chained timer late by %llu us\n",
		(unsigned long long)(c.b_fired - c.b_deadline) / 1000);
	KT_EXPECT(timer_cancel(&late));
	KT_EXPECT(late_fired == 0);
}

/*
 * A CPU that stays busy (its tick running) still gets a new, earlier
 * timer on time: timer_start() re-arms the hardware, not the next tick.
 */
static volatile u64 busy_fired;

static void busy_record(void *arg)
{
	(void)arg;
	busy_fired = ktime_ns();
}

/* Half a tick: waiting for the tick would be ~3.8 ms late here, as the
 * loop starts each timer just after the last interrupt. A spinning vCPU
 * competes with QEMU's own timer thread on a loaded host: 5 tries. */
#define BUSY_LATE_MAX (TICK_NS / 2)

KTEST(timer_busy_cpu_hires)
{
	u64 late[SLEEPS];
	int bad = 0;

	for (int a = 0; a < 5; a++) {
		for (int i = 0; i < SLEEPS; i++) {
			struct ktimer tm;
			busy_fired = 0;
			u64 deadline = ktime_ns() + SLEEP_NS;
			timer_start(&tm, deadline, busy_record, NULL);
			while (!busy_fired && ktime_ns() < deadline + 10 * TICK_NS)
				arch_cpu_relax();
			if (!busy_fired && !timer_cancel(&tm))
				while (!busy_fired)	/* running on another CPU? never */
					arch_cpu_relax();
			if (busy_fired && busy_fired < deadline)
				bad++;
			late[i] = busy_fired ? busy_fired - deadline : 10 * TICK_NS;
		}
		sort_u64(late, SLEEPS);
		pr_info("    # busy CPU: timers late by median %llu us, p90 %llu us\n",
			(unsigned long long)late[SLEEPS / 2] / 1000,
			(unsigned long long)late[SLEEPS * 9 / 10] / 1000);
		if (late[SLEEPS / 2] < BUSY_LATE_MAX)
			break;
	}
	KT_EXPECT(bad == 0);
	KT_EXPECT(late[SLEEPS / 2] < BUSY_LATE_MAX);
}
