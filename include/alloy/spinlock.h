/*
 * Spinlocks (ticket locks).
 *
 * Every acquisition disables interrupts and hands the previous interrupt
 * state back to the caller, who passes it to the matching unlock: the flag
 * lives on the caller's stack, never in the lock (DESIGN §4). Each lock has
 * a name and a rank from <alloy/lockrank.h>; with CONFIG_LOCKDEP an
 * acquisition out of rank order panics naming both locks.
 */
#ifndef ALLOY_SPINLOCK_H
#define ALLOY_SPINLOCK_H

#include <alloy/compiler.h>
#include <alloy/types.h>
#include <asm/irqflags.h>

typedef struct spinlock {
	u16 next;		/* next ticket to hand out */
	u16 owner;		/* ticket being served */
	s16 holder_cpu;		/* debug: CPU holding it, -1 if free */
	u16 rank;
	const char *name;
} spinlock_t;

#define SPINLOCK_INIT(lname, lrank)                                        \
	{ .next = 0, .owner = 0, .holder_cpu = -1, .rank = (lrank),          \
	  .name = (lname) }

static inline void spin_lock_init(spinlock_t *l, const char *name, int rank)
{
	*l = (spinlock_t)SPINLOCK_INIT(name, rank);
}

#ifdef CONFIG_LOCKDEP
void lockdep_acquire(spinlock_t *l);
void lockdep_release(spinlock_t *l);
void lockdep_note_holder(spinlock_t *l);
/* lock statistics (kernel/sched/lockstat.c): the spin of a taker that found
 * the lock held, timed; the name must live for ever (a string literal) */
void spin_lock_contended(spinlock_t *l, u16 ticket);
void lockstat_note(const char *name, int kind, bool contended, u64 wait_ns);
#else
static inline void lockdep_note_holder(spinlock_t *l) { (void)l; }
static inline void lockdep_acquire(spinlock_t *l) { (void)l; }
static inline void lockdep_release(spinlock_t *l) { (void)l; }
static inline void lockstat_note(const char *name, int kind, bool contended, u64 wait_ns)
{
	(void)name; (void)kind; (void)contended; (void)wait_ns;
}
#endif

/* For callers that already run with interrupts disabled. */
static inline void spin_lock(spinlock_t *l)
{
	lockdep_acquire(l);	/* before spinning: report, don't deadlock */
	u16 t = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
#ifdef CONFIG_LOCKDEP
	if (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != t)
		spin_lock_contended(l, t);
	else
		lockstat_note(l->name, 0, false, 0);
#else
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != t)
		arch_cpu_relax();
#endif
	lockdep_note_holder(l);
}

static inline bool spin_trylock(spinlock_t *l)
{
	u16 o = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	u16 expect = o;
	if (!__atomic_compare_exchange_n(&l->next, &expect, (u16)(o + 1),
					 false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return false;
	lockdep_acquire(l);
	lockstat_note(l->name, 0, false, 0);
	lockdep_note_holder(l);
	return true;
}

static inline void spin_unlock(spinlock_t *l)
{
	lockdep_release(l);
#ifdef CONFIG_LOCKDEP
	l->holder_cpu = -1;
#endif
	__atomic_store_n(&l->owner, (u16)(l->owner + 1), __ATOMIC_RELEASE);
}

static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = arch_irq_save();
	spin_lock(l);
	return flags;
}

static inline bool spin_trylock_irqsave(spinlock_t *l, unsigned long *flags)
{
	*flags = arch_irq_save();
	if (spin_trylock(l))
		return true;
	arch_irq_restore(*flags);
	return false;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	spin_unlock(l);
	arch_irq_restore(flags);
}

#endif
