/*
 * Sleeping mutex on top of a wait queue. The owner word is the condition:
 * the owning task, with MUTEX_WAITERS set while tasks are queued for it.
 * Uncontended, lock and unlock are one compare-and-swap each and touch no
 * other lock. A locker that must wait queues itself, then sets
 * MUTEX_WAITERS under the queue's lock (or claims the mutex if it came
 * free), so the owner's compare-and-swap fails and its unlock takes the
 * queue's lock too: the flag and the queue never disagree under it, and
 * a wakeup between the check and schedule() is never lost (DESIGN §4).
 * Unlock hands the mutex to the longest waiter (owner = that task, under
 * the queue's lock) instead of freeing it: otherwise a task that unlocks
 * and locks again in a loop (page faults take mm->lock each time) keeps
 * it from a woken waiter for ever on one CPU (write-back waiting to
 * write-protect a page starved that way).
 */
#include <alloy/cpu.h>
#include <alloy/lockstat.h>
#include <alloy/mutex.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/task.h>

#define MUTEX_WAITERS 1UL	/* task structs are aligned: bit 0 is free */

static unsigned long me(void)
{
	return (unsigned long)current;
}

static struct task *owner_of(unsigned long v)
{
	return (struct task *)(v & ~MUTEX_WAITERS);
}

void mutex_init(struct mutex *m, const char *name, int rank)
{
	m->owner = 0;
	m->dep.name = name;
	m->dep.rank = rank;
	wait_queue_init(&m->wq, name);
}

static bool try_claim(struct mutex *m)
{
	unsigned long none = 0;
	return __atomic_compare_exchange_n(&m->owner, &none, me(), false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* Under m->wq.lock, the caller queued: true if the mutex is ours (handed
 * over, or free and claimed now, still marked if others wait too); else its
 * owner carries MUTEX_WAITERS, so that its unlock wakes the queue. */
static bool claim_or_mark(struct mutex *m)
{
	unsigned long v = __atomic_load_n(&m->owner, __ATOMIC_ACQUIRE), want;

	for (;;) {
		if (owner_of(v) == current)
			return true;
		if (!v) {
			/* the caller is queued: others are if it is not alone */
			want = me() | (list_is_singular(&m->wq.waiters) ? 0 : MUTEX_WAITERS);
		} else if (v & MUTEX_WAITERS) {
			return false;
		} else {
			want = v | MUTEX_WAITERS;
		}
		bool was_free = !v;
		if (__atomic_compare_exchange_n(&m->owner, &v, want, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return was_free;
	}
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
		unsigned long flags = spin_lock_irqsave(&m->wq.lock);
		bool mine = claim_or_mark(m);
		spin_unlock_irqrestore(&m->wq.lock, flags);
		if (mine)
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
	unsigned long v = me();

	if (owner_of(READ_ONCE(m->owner)) != current)
		panic("mutex '%s' unlocked by task %d, not its owner", m->dep.name,
		      task_tid(current));
	lockdep_sleep_release(&m->dep);
	if (__atomic_compare_exchange_n(&m->owner, &v, 0, false, __ATOMIC_RELEASE,
					__ATOMIC_RELAXED))
		return;		/* nobody queued */
	unsigned long flags = spin_lock_irqsave(&m->wq.lock);
	if (list_empty(&m->wq.waiters)) {
		__atomic_store_n(&m->owner, 0, __ATOMIC_RELEASE);
	} else {
		struct waiter *w = list_first_entry(&m->wq.waiters, struct waiter, link);
		list_del_init(&w->link);
		unsigned long next = (unsigned long)w->task |
				     (list_empty(&m->wq.waiters) ? 0 : MUTEX_WAITERS);
		__atomic_store_n(&m->owner, next, __ATOMIC_RELEASE);
		wake_up_task(w->task);	/* it may not be asleep yet: it looks first */
	}
	spin_unlock_irqrestore(&m->wq.lock, flags);
}

bool mutex_is_held(struct mutex *m)
{
	return owner_of(READ_ONCE(m->owner)) == current;
}
