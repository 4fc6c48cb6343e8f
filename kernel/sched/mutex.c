/*
 * Sleeping mutex on top of a wait queue. The owner field is the
 * condition; it is claimed with compare-and-swap after the waiter is
 * queued and blocked, so an unlock between the check and schedule() is
 * never lost (DESIGN §4). Not FIFO-fair: a running task may barge in.
 */
#include <alloy/cpu.h>
#include <alloy/mutex.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/task.h>

void lockdep_mutex_acquire(struct mutex *m);
void lockdep_mutex_release(struct mutex *m);

void mutex_init(struct mutex *m, const char *name, int rank)
{
	m->owner = NULL;
	m->name = name;
	m->rank = rank;
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
	lockdep_mutex_acquire(m);
	if (try_claim(m))
		return;
	wait_event(m->wq, try_claim(m));
}

bool mutex_trylock(struct mutex *m)
{
	if (!try_claim(m))
		return false;
	lockdep_mutex_acquire(m);
	return true;
}

void mutex_unlock(struct mutex *m)
{
	if (READ_ONCE(m->owner) != current)
		panic("mutex '%s' unlocked by task %d, not its owner", m->name,
		      task_tid(current));
	lockdep_mutex_release(m);
	__atomic_store_n(&m->owner, NULL, __ATOMIC_RELEASE);
	wake_up_one(&m->wq);
}

bool mutex_is_held(struct mutex *m)
{
	return READ_ONCE(m->owner) == current;
}
