/*
 * Sleeping mutex. Owned by a task; may be held across schedule(). Has a
 * name and a rank like spinlocks (mutex ranks sort before all spinlocks).
 */
#ifndef ALLOY_MUTEX_H
#define ALLOY_MUTEX_H

#include <alloy/wait.h>

struct mutex {
	struct task *owner;	/* claimed by compare-and-swap, the wait condition */
	struct wait_queue wq;
	const char *name;
	int rank;
};

void mutex_init(struct mutex *m, const char *name, int rank);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_is_held(struct mutex *m);

#endif
