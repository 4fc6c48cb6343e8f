/*
 * Run-time lock-order checking (CONFIG_LOCKDEP, on in debug builds).
 *
 * Every lock has a rank (<alloy/lockrank.h>); a CPU may take a spinlock
 * only if it is ranked above every spinlock that CPU holds, and a task may
 * take a mutex only if it holds no spinlock and the mutex is ranked above
 * every mutex it holds. Spinlocks are tracked per CPU (they are held with
 * interrupts off, so they never migrate), mutexes per task. A violation
 * panics naming both locks; the lockdep ktest asks for a report instead.
 */
#include <alloy/cpu.h>
#include <alloy/mutex.h>
#include <alloy/panic.h>
#include <alloy/printk.h>
#include <alloy/task.h>

static void violation(const char *taking, int rank_t, const char *held, int rank_h)
{
	struct cpu *c = this_cpu();

	if (c->lockdep_expect) {
		c->lockdep_report[0] = taking;
		c->lockdep_report[1] = held;
		return;
	}
	panic("lock order violation: taking '%s' (rank %d) while holding '%s' "
	      "(rank %d); see docs/locking.md", taking, rank_t, held, rank_h);
}

/* Removes x from a held-lock stack (it need not be on top); false if absent. */
static bool held_remove(void **stack, int *depth, const void *x)
{
	for (int i = *depth - 1; i >= 0; i--) {
		if (stack[i] != x)
			continue;
		for (int j = i; j < *depth - 1; j++)
			stack[j] = stack[j + 1];
		(*depth)--;
		return true;
	}
	return false;
}

#ifdef CONFIG_LOCKDEP
void lockdep_acquire(spinlock_t *l)
{
	struct cpu *c = this_cpu();

	if (in_panic())
		return;
	if (c->lock_depth) {
		spinlock_t *top = c->held[c->lock_depth - 1];
		if (top->rank >= l->rank)
			violation(l->name, l->rank, top->name, top->rank);
	}
	if (c->lock_depth == LOCKDEP_DEPTH)
		panic("lockdep: more than %d spinlocks held", LOCKDEP_DEPTH);
	c->held[c->lock_depth++] = l;
}

void lockdep_note_holder(spinlock_t *l)
{
	l->holder_cpu = (s16)this_cpu()->id;
}

void lockdep_release(spinlock_t *l)
{
	struct cpu *c = this_cpu();

	if (in_panic())
		return;
	if (!held_remove((void **)c->held, &c->lock_depth, l))
		panic("lockdep: releasing '%s', which CPU %u does not hold", l->name,
		      c->id);

}
#endif

void lockdep_sleep_acquire(struct lock_dep *m)
{
	struct task *t = current;

#ifdef CONFIG_LOCKDEP
	struct cpu *c = this_cpu();
	if (c->lock_depth)
		violation(m->name, m->rank, c->held[c->lock_depth - 1]->name,
			  c->held[c->lock_depth - 1]->rank);
#endif
	if (t->mutex_depth) {
		struct lock_dep *top = t->mutex_held[t->mutex_depth - 1];
		if (top->rank >= m->rank)
			violation(m->name, m->rank, top->name, top->rank);
	}
	if (t->mutex_depth == MUTEX_DEPTH)
		panic("lockdep: more than %d mutexes held", MUTEX_DEPTH);
	t->mutex_held[t->mutex_depth++] = m;
}

void lockdep_sleep_release(struct lock_dep *m)
{
	struct task *t = current;

	if (!held_remove((void **)t->mutex_held, &t->mutex_depth, m))
		panic("lockdep: releasing sleeping lock '%s' not held by task %d", m->name,
		      t->tid);
}
