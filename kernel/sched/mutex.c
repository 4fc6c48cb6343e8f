/*
 * Sleeping mutex on top of a wait queue. The owner field is the
 * condition; it is claimed with compare-and-swap after the waiter is
 * queued and blocked, so an unlock between the check and schedule() is
 * never lost (DESIGN §4). Unlock hands the mutex to the longest waiter
 * (owner = that task, under the queue's lock) instead of freeing it:
 * otherwise a task that unlocks and locks again in a loop (page faults
 * take mm->lock each time) keeps it from a woken waiter for ever on one
 * CPU (write-back waiting to write-protect a page starved that way).
 */
#include <alloy/cpu.h>
#include <alloy/lockstat.h>
#include <alloy/mutex.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/task.h>

void mutex_init(struct mutex *m, const char *name, int rank)
{
	m->owner = NULL;
	m->dep.name = name;
	m->dep.rank = rank;
	wait_queue_init(&m->wq, name);
}

static bool try_claim(struct mutex *m)
{
	struct task *none = NULL;
	return __atomic_compare_exchange_n(&m->owner, &none, current, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void mutex_lock(struct mutex *m)
{
	struct waiter w = { .task = NULL };

	lockdep_sleep_acquire(&m->dep);
	if (try_claim(m)) {
		lockstat_note(m->dep.name, LS_MUTEX, false, 0);
		return;
	}
	u64 t0 = ktime_ns();
	d_sleep_begin();
	for (;;) {
		prepare_to_wait(&m->wq, &w);
		/* handed over by the unlocker, or free with nobody queued first */
		if (READ_ONCE(m->owner) == current || try_claim(m))
			break;
		schedule();
	}
	finish_wait(&m->wq, &w);
	d_sleep_end();
	lockstat_note(m->dep.name, LS_MUTEX, true, ktime_ns() - t0);
}

bool mutex_trylock(struct mutex *m)
{
	if (!try_claim(m))
		return false;
	lockdep_sleep_acquire(&m->dep);
	lockstat_note(m->dep.name, LS_MUTEX, false, 0);
	return true;
}

void mutex_unlock(struct mutex *m)
{
	if (READ_ONCE(m->owner) != current)
		panic("mutex '%s' unlocked by task %d, not its owner", m->dep.name,
		      task_tid(current));
	lockdep_sleep_release(&m->dep);
	unsigned long flags = spin_lock_irqsave(&m->wq.lock);
	if (list_empty(&m->wq.waiters)) {
		__atomic_store_n(&m->owner, NULL, __ATOMIC_RELEASE);
	} else {
		struct waiter *w = list_first_entry(&m->wq.waiters, struct waiter, link);
		list_del_init(&w->link);
		__atomic_store_n(&m->owner, w->task, __ATOMIC_RELEASE);
		wake_up_task(w->task);	/* it may not be asleep yet: it looks first */
	}
	spin_unlock_irqrestore(&m->wq.lock, flags);
}

bool mutex_is_held(struct mutex *m)
{
	return READ_ONCE(m->owner) == current;
}
