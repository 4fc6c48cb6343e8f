/*
 * Reader/writer sleeping lock (<alloy/rwsem.h>). The state (readers,
 * writer, queue) changes only under the wait queue's spinlock, so taking
 * it is one short critical section with no contention. A task that must
 * wait queues itself and marks itself blocked under that lock; the task
 * that releases grants the lock to the head of the queue before waking
 * it (w->granted, the wait condition), so a waiter never races a newcomer
 * for it and nobody is starved (DESIGN §4: one sleep/wakeup protocol).
 */
#include <alloy/cpu.h>
#include <alloy/lockstat.h>
#include <alloy/printk.h>
#include <alloy/rwsem.h>
#include <alloy/sched.h>
#include <alloy/task.h>

struct rwsem_waiter {
	struct waiter w;	/* in s->wq.waiters; w.task is the waiter */
	bool write;
	bool granted;		/* [s->wq.lock] the lock is now the waiter's */
};

void rwsem_init(struct rwsem *s, const char *name, int rank)
{
	wait_queue_init(&s->wq, name);
	s->readers = 0;
	s->writer = NULL;
	s->dep.name = name;
	s->dep.rank = rank;
}

/* Caller holds s->wq.lock: grant the lock to the head of the queue (one
 * writer, or readers up to the first writer) if it is free enough. */
static void grant_locked(struct rwsem *s)
{
	while (!list_empty(&s->wq.waiters) && !s->writer) {
		struct rwsem_waiter *rw =
			list_first_entry(&s->wq.waiters, struct rwsem_waiter, w.link);
		if (rw->write) {
			if (s->readers)
				return;
			s->writer = rw->w.task;
		} else {
			s->readers++;
		}
		list_del_init(&rw->w.link);
		rw->granted = true;
		wake_up_task(rw->w.task);	/* may not be asleep yet: it checks first */
		if (rw->write)
			return;
	}
}

/* Caller holds s->wq.lock (flags saved) and cannot have the lock now:
 * queue, sleep until granted. Returns with s->wq.lock released. */
static void wait_for_grant(struct rwsem *s, bool write, unsigned long flags)
{
	struct rwsem_waiter rw = { .w = { .task = current }, .write = write };
	u64 t0 = ktime_ns();

	list_add_tail(&rw.w.link, &s->wq.waiters);
	d_sleep_begin();
	for (;;) {
		set_current_state_blocked();
		spin_unlock_irqrestore(&s->wq.lock, flags);
		schedule();
		flags = spin_lock_irqsave(&s->wq.lock);
		if (rw.granted)
			break;
	}
	spin_unlock_irqrestore(&s->wq.lock, flags);
	set_current_state_running();
	d_sleep_end();
	lockstat_note(s->dep.name, write ? LS_RWSEM_WRITE : LS_RWSEM_READ, true, ktime_ns() - t0);
}

void down_read(struct rwsem *s)
{
	lockdep_sleep_acquire(&s->dep);
	unsigned long flags = spin_lock_irqsave(&s->wq.lock);
	if (!s->writer && list_empty(&s->wq.waiters)) {
		s->readers++;
		spin_unlock_irqrestore(&s->wq.lock, flags);
		lockstat_note(s->dep.name, LS_RWSEM_READ, false, 0);
		return;
	}
	wait_for_grant(s, false, flags);
}

void up_read(struct rwsem *s)
{
	lockdep_sleep_release(&s->dep);
	unsigned long flags = spin_lock_irqsave(&s->wq.lock);
	if (s->readers <= 0 || s->writer)
		panic("rwsem '%s': up_read without a reader", s->dep.name);
	if (--s->readers == 0)
		grant_locked(s);
	spin_unlock_irqrestore(&s->wq.lock, flags);
}

void down_write(struct rwsem *s)
{
	lockdep_sleep_acquire(&s->dep);
	unsigned long flags = spin_lock_irqsave(&s->wq.lock);
	if (!s->writer && !s->readers && list_empty(&s->wq.waiters)) {
		s->writer = current;
		spin_unlock_irqrestore(&s->wq.lock, flags);
		lockstat_note(s->dep.name, LS_RWSEM_WRITE, false, 0);
		return;
	}
	wait_for_grant(s, true, flags);
}

void up_write(struct rwsem *s)
{
	lockdep_sleep_release(&s->dep);
	unsigned long flags = spin_lock_irqsave(&s->wq.lock);
	if (s->writer != current)
		panic("rwsem '%s' released by task %d, not its writer", s->dep.name,
		      task_tid(current));
	s->writer = NULL;
	grant_locked(s);
	spin_unlock_irqrestore(&s->wq.lock, flags);
}

bool rwsem_is_write_held(struct rwsem *s)
{
	return READ_ONCE(s->writer) == current;
}
