/*
 * Scheduler tests: wakeups across CPUs, work stealing, timed sleeps,
 * thread IDs that wrap.
 */
#include <alloy/arch.h>
#include <alloy/atomic.h>
#include <alloy/ktest.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/task.h>
#include <alloy/timer.h>
#include <alloy/wait.h>

#define SEC 1000000000ULL

static int pick_cpu(int i)
{
	return (int)((unsigned int)i % nr_cpus);
}

/* ---- ping-pong: pairs of threads hand a token back and forth ---- */

#define PP_PAIRS 4
#define PP_ROUNDS 1000

struct pingpong {
	struct wait_queue wq[2];
	int turn;		/* whose move: 0 or 1 */
	int rounds[2];
};

struct pp_arg {
	struct pingpong *pp;
	int side;
};

static void pp_thread(void *arg)
{
	struct pp_arg *a = arg;
	struct pingpong *pp = a->pp;
	int me = a->side, other = !a->side;

	for (int i = 0; i < PP_ROUNDS; i++) {
		if (!wait_event_timeout(pp->wq[me], READ_ONCE(pp->turn) == me, 10 * SEC)) {
			ktest_fail(__FILE__, __LINE__,
				   "side %d: no wakeup within 10 s at round %d (lost wakeup)",
				   me, i);
			return;
		}
		pp->rounds[me]++;
		__atomic_store_n(&pp->turn, other, __ATOMIC_RELEASE);
		wake_up_one(&pp->wq[other]);
	}
}

KTEST(sched_pingpong)
{
	static struct pingpong pps[PP_PAIRS];
	static struct pp_arg args[PP_PAIRS][2];
	struct task *t[PP_PAIRS][2];
	u64 t0 = ktime_ns();

	for (int p = 0; p < PP_PAIRS; p++) {
		pps[p] = (struct pingpong){ .turn = 0 };
		for (int s = 0; s < 2; s++) {
			wait_queue_init(&pps[p].wq[s], "pingpong");
			args[p][s] = (struct pp_arg){ &pps[p], s };
		}
	}
	for (int p = 0; p < PP_PAIRS; p++)
		for (int s = 0; s < 2; s++) {
			t[p][s] = kthread_create_on(pick_cpu(2 * p + s), pp_thread,
						    &args[p][s], "pingpong");
			KT_ASSERT(t[p][s]);
		}
	for (int p = 0; p < PP_PAIRS; p++)
		for (int s = 0; s < 2; s++) {
			task_join(t[p][s]);
			task_put(t[p][s]);
			KT_EXPECT(pps[p].rounds[s] == PP_ROUNDS);
		}
	pr_info("sched_pingpong: %d pairs x %d round trips in %llu ms\n", PP_PAIRS,
		PP_ROUNDS, (ktime_ns() - t0) / 1000000);
}

/* ---- work stealing: threads born on CPU 0 must spread out ---- */

static u64 seen_mask;
static u64 steal_deadline;

static void spinner(void *arg)
{
	(void)arg;
	u64 all = (1ULL << nr_cpus) - 1;
	while (ktime_ns() < steal_deadline &&
	       __atomic_load_n(&seen_mask, __ATOMIC_RELAXED) != all)
		__atomic_or_fetch(&seen_mask, 1ULL << cpu_id(), __ATOMIC_RELAXED);
}

static void spawner(void *arg)
{
	struct task **ts = arg;
	for (unsigned int i = 0; i < 2 * nr_cpus; i++)
		ts[i] = kthread_create(spinner, NULL, "spinner");
}

KTEST(sched_work_stealing)
{
	struct task *ts[2 * 16] = { 0 };
	u64 all = (1ULL << nr_cpus) - 1, per_task = 0;

	seen_mask = 0;
	steal_deadline = ktime_ns() + 10 * SEC;
	struct task *sp = kthread_create_on(0, spawner, ts, "spawner");
	KT_ASSERT(sp);
	task_join(sp);
	task_put(sp);
	for (unsigned int i = 0; i < 2 * nr_cpus; i++) {
		KT_ASSERT(ts[i]);
		task_join(ts[i]);
		per_task |= ts[i]->cpus_seen;
		task_put(ts[i]);
	}
	pr_info("sched_work_stealing: CPUs seen %#llx of %#llx\n",
		(unsigned long long)seen_mask, (unsigned long long)all);
	KT_EXPECT(seen_mask == all);
	KT_EXPECT(per_task == all);
}

/* ---- timed sleeps against an independent clock ---- */

static atomic_t sleep_bad;

static void sleeper(void *arg)
{
	u64 ms = (u64)arg;
	for (int i = 0; i < 3; i++) {
		/* each ktime read between two reference reads: a host that
		 * stops this vCPU between them (emulation on a loaded host)
		 * widens the window, which the comparison then allows for */
		u64 r0a = arch_reference_clock_ns(), k0 = ktime_ns();
		u64 r0b = arch_reference_clock_ns();
		sleep_ms(ms);
		u64 r1a = arch_reference_clock_ns(), k1 = ktime_ns();
		u64 r1b = arch_reference_clock_ns();
		u64 k = k1 - k0, r = (r1a + r1b) / 2 - (r0a + r0b) / 2;
		u64 slack = (r0b - r0a) + (r1b - r1a);
		/* never early; late by at most a few ticks plus emulator jitter */
		if (r1b - r0a < ms * 1000000 || r1a - r0b > ms * 1000000 + 60000000ULL) {
			pr_err("    # sleep %llu ms took %llu us (reference clock)\n",
			       ms, r / 1000);
			atomic_inc(&sleep_bad);
		}
		u64 diff = k > r ? k - r : r - k;
		if (diff > r / 50 + 1000000 + slack) {	/* ktime and reference agree to 2% */
			pr_err("    # ktime %llu us vs reference %llu us (+-%llu us)\n", k / 1000,
			       r / 1000, slack / 1000);
			atomic_inc(&sleep_bad);
		}
	}
}

KTEST(timer_accuracy)
{
	struct task *t[16];
	unsigned int n = nr_cpus;

	atomic_set(&sleep_bad, 0);
	for (unsigned int i = 0; i < n; i++) {
		t[i] = kthread_create_on((int)i, sleeper, (void *)(u64)(20 + 40 * i),
					 "sleeper");
		KT_ASSERT(t[i]);
	}
	for (unsigned int i = 0; i < n; i++) {
		task_join(t[i]);
		task_put(t[i]);
	}
	KT_ASSERT_EQ(atomic_read(&sleep_bad), 0);
}

/* Sleepers with different deadlines wake in deadline order. */
static int wake_order[8];
static atomic_t wake_pos;

static void ordered_sleeper(void *arg)
{
	int i = (int)(u64)arg;
	sleep_ms(30 + 25 * (u64)i);
	wake_order[atomic_add_return(&wake_pos, 1) - 1] = i;
}

KTEST(timer_order)
{
	struct task *t[8];

	atomic_set(&wake_pos, 0);
	for (int i = 7; i >= 0; i--) {
		t[i] = kthread_create_on(pick_cpu(i), ordered_sleeper, (void *)(u64)i,
					 "ordered");
		KT_ASSERT(t[i]);
	}
	for (int i = 0; i < 8; i++) {
		task_join(t[i]);
		task_put(t[i]);
	}
	for (int i = 0; i < 8; i++)
		KT_EXPECT(wake_order[i] == i);
}

/* ---- thread IDs wrap around without colliding with live ones ---- */

static struct wait_queue hold_wq;
static bool release_holders;

static void holder(void *arg)
{
	(void)arg;
	wait_event(hold_wq, READ_ONCE(release_holders));
}

KTEST(tid_wrap)
{
	struct task *t[10];
	int me = task_tid(current_task());

	wait_queue_init(&hold_wq, "tid-hold");
	release_holders = false;
	tid_set_next_for_test(tid_max() - 4);
	for (int i = 0; i < 8; i++) {
		t[i] = kthread_create(holder, NULL, "holder");
		KT_ASSERT(t[i]);
	}
	/* cursor pointing at live IDs: they must be skipped */
	tid_set_next_for_test(task_tid(t[5]));
	t[8] = kthread_create(holder, NULL, "holder");
	tid_set_next_for_test(me);
	t[9] = kthread_create(holder, NULL, "holder");
	KT_ASSERT(t[8] && t[9]);

	bool wrapped = false;
	for (int i = 0; i < 10; i++) {
		KT_EXPECT(task_tid(t[i]) > 0 && task_tid(t[i]) < tid_max());
		KT_EXPECT(task_tid(t[i]) != me);
		wrapped |= task_tid(t[i]) < 100;
		for (int j = 0; j < i; j++)
			KT_EXPECT(task_tid(t[i]) != task_tid(t[j]));
	}
	KT_EXPECT(wrapped);
	__atomic_store_n(&release_holders, true, __ATOMIC_RELEASE);
	wake_up_all(&hold_wq);
	for (int i = 0; i < 10; i++) {
		task_join(t[i]);
		task_put(t[i]);
	}
}

/* ---- timers themselves: never early, at most a few ticks late, in order ---- */

#define NTIMERS 20

struct timed {
	struct ktimer tm;
	u64 deadline, fired;
	int seq;
};

static atomic_t fire_seq;

static void record_fire(void *arg)
{
	struct timed *x = arg;
	x->fired = ktime_ns();
	x->seq = atomic_add_return(&fire_seq, 1);
}

KTEST(timer_fires_on_time)
{
	static struct timed x[NTIMERS];
	u64 now = ktime_ns();
	const u64 late_max = 3 * (1000000000ULL / HZ) + 30000000ULL;

	atomic_set(&fire_seq, 0);
	for (int i = 0; i < NTIMERS; i++) {
		int k = (i * 7) % NTIMERS;	/* start them out of order */
		x[k].fired = 0;
		x[k].deadline = now + 20000000ULL + (u64)k * 9000000ULL;
		timer_start(&x[k].tm, x[k].deadline, record_fire, &x[k]);
	}
	sleep_ms(20 + 9 * NTIMERS + 100);
	/* Never early and always in order, strictly. Late by a few ticks,
	 * except when the host stops the vCPU that owns the timers: CI runs
	 * this -smp 4 guest on two cores beside other guests and has held a
	 * vCPU for over 40 ms (six consecutive timers late, 2026-12-06). A
	 * stall makes a run of consecutive timers late, so half of them
	 * may be, by at most half a second; a timer lost until some later
	 * event, or a clock that runs slow, still fails. */
	int late = 0;
	for (int k = 0; k < NTIMERS; k++) {
		KT_EXPECT(x[k].fired);
		KT_EXPECT(x[k].fired >= x[k].deadline);
		KT_EXPECT(x[k].seq == k + 1);
		if (x[k].fired > x[k].deadline + late_max) {
			pr_info("    # timer %d fired %llu us late\n", k,
				(unsigned long long)(x[k].fired - x[k].deadline) / 1000);
			late++;
			KT_EXPECT(x[k].fired <= x[k].deadline + 500000000ULL);
		}
	}
	KT_EXPECT(late <= NTIMERS / 2);
	/* a cancelled timer never fires */
	struct timed c = { .fired = 0 };
	timer_start(&c.tm, ktime_ns() + 10000000ULL, record_fire, &c);
	KT_EXPECT(timer_cancel(&c.tm));
	sleep_ms(30);
	KT_EXPECT(c.fired == 0);
}

/* ---- many short-lived threads: the exit, reap and join paths ---- */

static void churner(void *arg)
{
	u64 end = ktime_ns() + 1000000ULL * (1 + (u64)arg % 5);
	while (ktime_ns() < end)	/* get preempted, stolen, migrated */
		arch_cpu_relax();
}

KTEST(sched_exit_churn)
{
	unsigned int n = 3 * nr_cpus;
	struct task *t[48];

	for (int round = 0; round < 8; round++) {
		for (unsigned int i = 0; i < n; i++) {
			t[i] = kthread_create(churner, (void *)(u64)(i + round), "churn");
			KT_ASSERT(t[i]);
		}
		for (unsigned int i = 0; i < n; i++) {
			task_join(t[i]);
			KT_EXPECT(t[i]->exited && !t[i]->on_cpu);
			/* ours is the last reference: the put below frees it */
			KT_EXPECT(atomic_read(&t[i]->refcount) == 1);
			task_put(t[i]);
		}
	}
}
