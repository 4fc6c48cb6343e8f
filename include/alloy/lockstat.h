/*
 * Lock statistics (debug builds: CONFIG_LOCKDEP). Per lock class (a lock's
 * name and kind: spinlock, mutex or rwsem), how often it was taken, how
 * often the taker had to wait, and how long it waited in all and at most.
 * Counted per CPU without atomics; /proc/lock_stat sums them
 * (kernel/sched/lockstat.c, docs/profiling.md).
 */
#ifndef ALLOY_LOCKSTAT_H
#define ALLOY_LOCKSTAT_H

#include <alloy/spinlock.h>

enum lockstat_kind { LS_SPIN, LS_MUTEX, LS_RWSEM_READ, LS_RWSEM_WRITE, LS_NKINDS };

struct lockstat_totals {
	u64 acquired, contended, wait_ns, wait_max_ns;
};

/* lockstat_note(name, kind, contended, wait_ns), one acquisition (wait_ns
 * 0 when the lock was free at once), is declared in <alloy/spinlock.h>. */

/* Sums over every CPU of the classes with this name and kind (ktests). */
void lockstat_get(const char *name, int kind, struct lockstat_totals *t);

struct pbuf;
int lockstat_proc_show(struct pbuf *b);	/* /proc/lock_stat */

#endif
