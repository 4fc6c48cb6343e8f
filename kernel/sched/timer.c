/*
 * Per-CPU timer lists, kept sorted by deadline so the tick only looks at
 * the head. Insertion is O(pending timers on this CPU); a timer wheel is
 * the upgrade when many sleepers share a CPU.
 *
 * Cancellation races with expiry: the tick unlinks a timer under the list
 * lock before calling it, so timer_cancel() returning true guarantees the
 * callback will not run; false means it has run or is running.
 */
#include <alloy/cpu.h>
#include <alloy/lockrank.h>
#include <alloy/sched.h>
#include <alloy/spinlock.h>
#include <alloy/task.h>
#include <alloy/timer.h>

struct timer_base {
	spinlock_t lock;
	struct list_head list;
} __aligned(64);

static struct timer_base bases[MAX_CPUS];

void timers_init(void)
{
	for (int i = 0; i < MAX_CPUS; i++) {
		spin_lock_init(&bases[i].lock, "timer-list", LR_TIMER);
		list_init(&bases[i].list);
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
	spin_unlock(&b->lock);
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

void timers_run_expired(void)
{
	struct timer_base *b = &bases[this_cpu()->id];
	u64 now = ktime_ns();

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
