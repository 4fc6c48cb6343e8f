/*
 * Wait queues: the waiter half and the waker half of the one sleep/wakeup
 * protocol (see <alloy/wait.h>). Wakers dequeue the waiters they wake, so
 * a waiter that loops re-queues itself in prepare_to_wait().
 */
#include <alloy/atomic.h>
#include <alloy/cpu.h>
#include <alloy/sched.h>
#include <alloy/task.h>
#include <alloy/wait.h>

void wait_queue_init(struct wait_queue *wq, const char *name)
{
	spin_lock_init(&wq->lock, name, LR_WAITQ);
	list_init(&wq->waiters);
}

void prepare_to_wait(struct wait_queue *wq, struct waiter *w)
{
	struct task *t = current;
	unsigned long flags = spin_lock_irqsave(&wq->lock);

	if (!w->task) {		/* first call: waiters start zeroed */
		w->task = t;
		list_init(&w->link);
	}
	if (list_empty(&w->link))
		list_add_tail(&w->link, &wq->waiters);
	spin_lock(&t->lock);
	t->state = TASK_BLOCKED;
	spin_unlock(&t->lock);
	spin_unlock_irqrestore(&wq->lock, flags);
	smp_mb();	/* queued before the caller's re-check: wait_queue_active */
}

void finish_wait(struct wait_queue *wq, struct waiter *w)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);

	if (!list_empty(&w->link))
		list_del_init(&w->link);
	spin_unlock_irqrestore(&wq->lock, flags);
	set_current_state_running();
	w->task = NULL;
}

void add_wait_callback(struct wait_queue *wq, struct waiter *w)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);

	list_add_tail(&w->link, &wq->waiters);
	spin_unlock_irqrestore(&wq->lock, flags);
	smp_mb();	/* queued before poll's look at the file: wait_queue_active */
}

void remove_wait_callback(struct wait_queue *wq, struct waiter *w)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);

	list_del_init(&w->link);
	spin_unlock_irqrestore(&wq->lock, flags);
}

/* Caller holds wq->lock. Subscriptions are told of every wakeup (but only
 * one exclusive one that reports success, as Linux's EPOLLEXCLUSIVE);
 * task waiters are dequeued and woken, all or the first that sleeps. */
static void wake_some_locked(struct wait_queue *wq, bool all)
{
	struct waiter *w, *next;
	bool tasks_done = false, excl_done = false;

	list_for_each_entry_safe(w, next, &wq->waiters, link) {
		if (w->func) {
			if (w->exclusive && excl_done)
				continue;
			if (w->func(w) && w->exclusive)
				excl_done = true;
			continue;
		}
		if (tasks_done)
			continue;
		list_del_init(&w->link);
		if (wake_up_task(w->task) && !all)
			tasks_done = true;
	}
}

static void wake_some(struct wait_queue *wq, bool all)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);
	wake_some_locked(wq, all);
	spin_unlock_irqrestore(&wq->lock, flags);
}

void wake_up_all_locked(struct wait_queue *wq)
{
	wake_some_locked(wq, true);
}

void wake_up_one(struct wait_queue *wq)
{
	wake_some(wq, false);
}

void wake_up_all(struct wait_queue *wq)
{
	wake_some(wq, true);
}

bool wait_queue_active(struct wait_queue *wq)
{
	smp_mb();	/* the waker's change before the look (wait.h) */
	return READ_ONCE(wq->waiters.next) != &wq->waiters;
}
