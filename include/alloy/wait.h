/*
 * Wait queues and the kernel's one sleep/wakeup protocol (DESIGN §4).
 *
 * A waiter enqueues itself and marks itself blocked under the queue's own
 * lock, then re-checks its condition, then schedules. A waker changes the
 * condition first, then wakes under the same lock. wait_event() packages
 * the waiter side; use it instead of open-coding the protocol.
 */
#ifndef ALLOY_WAIT_H
#define ALLOY_WAIT_H

#include <alloy/list.h>
#include <alloy/spinlock.h>
#include <alloy/lockrank.h>

struct task;

struct wait_queue {
	spinlock_t lock;
	struct list_head waiters;
};

/* Zero-initialise before the first prepare_to_wait(). A waiter with a
 * func is a subscription (epoll): see add_wait_callback(). */
struct waiter {
	struct list_head link;
	struct task *task;
	/* Called on every wakeup of the queue, under its lock with interrupts
	 * off; must not sleep. True if it woke someone (for exclusive). */
	bool (*func)(struct waiter *w);
	bool exclusive;		/* one exclusive func per wakeup gets a true */
};

#define WAIT_QUEUE_INIT(wq, name)                                          \
	{ .lock = SPINLOCK_INIT(name, LR_WAITQ),                             \
	  .waiters = LIST_HEAD_INIT((wq).waiters) }

void wait_queue_init(struct wait_queue *wq, const char *name);
/* Enqueue current and mark it blocked, under wq->lock. */
void prepare_to_wait(struct wait_queue *wq, struct waiter *w);
/* Dequeue current (if still queued) and mark it running. */
void finish_wait(struct wait_queue *wq, struct waiter *w);
void wake_up_one(struct wait_queue *wq);
void wake_up_all(struct wait_queue *wq);
/* The same with wq->lock already held by the caller. */
void wake_up_all_locked(struct wait_queue *wq);
/* Does wq have anyone to wake? Unlocked, for a waker that has just
 * changed its condition and would otherwise take wq->lock to find the
 * queue empty: a full barrier orders that change before the look, as
 * prepare_to_wait() and add_wait_callback() order a waiter's queuing
 * before its re-check (Linux's wq_has_sleeper). */
bool wait_queue_active(struct wait_queue *wq);
/* Subscribe w (w->func set) to every wakeup of wq until removed; unlike a
 * task waiter it is not dequeued by the wakers. */
void add_wait_callback(struct wait_queue *wq, struct waiter *w);
void remove_wait_callback(struct wait_queue *wq, struct waiter *w);
/* Wake a blocked task; returns true if it was blocked. */
bool wake_up_task(struct task *t);
/* Sleep until woken or `ns` elapsed; returns remaining ns (0: timed out).
 * Only after the caller marked itself blocked (prepare_to_wait, or
 * set_current_state_blocked): otherwise it returns at once, and a loop
 * around it spins. To just pause, use sleep_ns()/sleep_ms(). */
u64 schedule_timeout(u64 ns);

#define wait_event(wq, cond)                                               \
	do {                                                               \
		struct waiter __w = { .task = NULL };                                         \
		for (;;) {                                                 \
			prepare_to_wait(&(wq), &__w);                      \
			if (cond)                                          \
				break;                                     \
			schedule();                                        \
		}                                                          \
		finish_wait(&(wq), &__w);                                  \
	} while (0)

/* Like wait_event with a timeout in ns; evaluates to true if cond held. */
#define wait_event_timeout(wq, cond, ns)                                   \
	({                                                                 \
		struct waiter __w = { .task = NULL };                                         \
		u64 __left = (ns);                                         \
		bool __ok;                                                 \
		for (;;) {                                                 \
			prepare_to_wait(&(wq), &__w);                      \
			if ((__ok = (cond)) || !__left)                    \
				break;                                     \
			__left = schedule_timeout(__left);                 \
		}                                                          \
		finish_wait(&(wq), &__w);                                  \
		__ok;                                                      \
	})

#endif
