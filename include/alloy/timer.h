/*
 * One-shot timers, run from the timer interrupt of the CPU they were
 * started on. Each CPU's hardware timer is one-shot, programmed for the
 * earliest of its first timer and its next scheduler tick, so a timer
 * fires within the interrupt latency of its deadline (tens of
 * microseconds under emulation), not at the next 1/HZ tick. The callback
 * runs with interrupts disabled and no lock held, and must not sleep.
 *
 * A timer is only ever added to the list of the CPU that starts it, with
 * interrupts off, and that CPU reprograms its own hardware before they
 * are on again: no other CPU has to be told (no IPI). Cancelling from
 * another CPU may leave a spurious interrupt, which finds nothing due.
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

/* Timer interrupts CPU `cpu` has taken (ticks and timer expiries). */
u64 timer_irq_count(unsigned int cpu);
/* Its idle time in ticks (1/HZ s), up to now even while it idles on. */
u64 cpu_idle_ticks(unsigned int cpu);

/*
 * The scheduler's side (interrupts off, this CPU): the periodic tick
 * (time slices, utime/stime sampling) runs only while a task does. The
 * idle loop stops it before halting; switching to a task restarts it.
 * Idle time is then counted from the clock, not sampled.
 */
void tick_idle_enter(void);
void tick_idle_exit(void);

#endif
