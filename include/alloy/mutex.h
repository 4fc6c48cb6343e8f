/*
 * Sleeping mutex. Owned by a task; may be held across schedule(). Has a
 * name and a rank like spinlocks (mutex ranks sort before all spinlocks).
 */
#ifndef ALLOY_MUTEX_H
#define ALLOY_MUTEX_H

#include <alloy/wait.h>

/* What lockdep knows of a sleeping lock (mutex or rwsem): its name and rank. */
struct lock_dep {
	const char *name;
	int rank;
};

struct mutex {
	unsigned long owner;	/* the owning task, | 1 while tasks queue for it
				 * (kernel/sched/mutex.c): the wait condition */
	struct wait_queue wq;
	struct lock_dep dep;
};

void mutex_init(struct mutex *m, const char *name, int rank);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_is_held(struct mutex *m);

/* Lockdep's view of sleeping locks (kernel/sched/lockdep.c). */
void lockdep_sleep_acquire(struct lock_dep *d);
void lockdep_sleep_release(struct lock_dep *d);

#endif
