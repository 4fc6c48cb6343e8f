/*
 * One-shot timers, run from the timer interrupt of the CPU they were
 * started on, with a resolution of one tick (1/HZ s). The callback runs
 * with interrupts disabled and no lock held, and must not sleep.
 */
#ifndef ALLOY_TIMER_H
#define ALLOY_TIMER_H

#include <alloy/list.h>
#include <alloy/types.h>

struct ktimer {
	struct list_head link;
	u64 expires;			/* ktime_ns() deadline */
	void (*fn)(void *arg);
	void *arg;
	int cpu;			/* whose list it is on, -1 if none */
};

void timer_start(struct ktimer *t, u64 expires, void (*fn)(void *), void *arg);
/* True if it was pending and will not run; false if it ran or is running. */
bool timer_cancel(struct ktimer *t);

#endif
