/*
 * Futexes (kernel/sched/futex.c): a task sleeps until another wakes the
 * same user address. A private futex is named by (address space,
 * address); a shared one (FUTEX_PRIVATE_FLAG clear) in a shared file or
 * shared anonymous mapping by (the object, offset in it), so processes
 * that map the same page meet whatever addresses they map it at.
 */
#ifndef ALLOY_FUTEX_H
#define ALLOY_FUTEX_H

#include <alloy/types.h>

#define FUTEX_BITSET_ANY 0xffffffffu
#define FUTEX_NO_DEADLINE (~0ULL)

/* Sleeps while *uaddr == val, until woken (0), deadline in ktime_ns
 * passes (-ETIMEDOUT), or a signal (-ERESTARTSYS without a deadline,
 * -EINTR with one); -EAGAIN if *uaddr != val, -EFAULT, -EINVAL. */
long futex_wait(u64 uaddr, bool shared, u32 val, u64 deadline, u32 bitset);
/* futex_waitv: sleeps while every v[i]'s word holds its val, until one
 * is woken (its index), the deadline, or a signal; -EAGAIN, -EFAULT. */
struct futex_wait_one {
	u64 uaddr;
	u32 val;
	bool shared;
};
#define FUTEX_WAITV_MAX 128
long futex_wait_multiple(const struct futex_wait_one *v, u32 n, u64 deadline);
/* Wakes up to n waiters of uaddr whose bitset meets bitset; how many. */
long futex_wake(u64 uaddr, bool shared, u32 n, u32 bitset);
/* Wakes up to n of uaddr's waiters and moves up to n2 more to uaddr2;
 * with cmp, only if *uaddr == val (else -EAGAIN). Woken + moved. */
long futex_requeue(u64 uaddr, u64 uaddr2, bool shared, u32 n, u32 n2, bool cmp, u32 val);
/* FUTEX_WAKE_OP: *uaddr2 is changed by op atomically, up to n waiters
 * of uaddr are woken, and up to n2 of uaddr2 if the old value of
 * *uaddr2 passes op's comparison. */
long futex_wake_op(u64 uaddr, u64 uaddr2, bool shared, u32 n, u32 n2, u32 op);

/*
 * PI futexes: the word holds its owner's tid (FUTEX_TID_MASK), with
 * FUTEX_WAITERS while someone waits in the kernel and FUTEX_OWNER_DIED
 * after an owner died holding it. futex_lock_pi takes the word (0),
 * -EDEADLK if the caller holds it, -EAGAIN for trylock if another does,
 * -ETIMEDOUT, -EFAULT; an owner that is gone is taken over with
 * FUTEX_OWNER_DIED set. futex_unlock_pi hands the word to the first
 * waiter (its tid | FUTEX_WAITERS) or clears it; -EPERM if the caller
 * does not own it. No priority boosting.
 */
long futex_lock_pi(u64 uaddr, bool shared, u64 deadline, bool trylock);
long futex_unlock_pi(u64 uaddr, bool shared);

/*
 * Robust futex lists (set_robust_list). futex_exit_robust(t), called by
 * the exiting task t itself while its address space is still attached,
 * walks its list as Linux does (at most 2048 entries, each read checked,
 * so a hostile list ends the walk): each word still holding t's tid gets
 * FUTEX_OWNER_DIED and one waiter is woken; PI waiters queued behind t
 * are woken to take their words over. futex_exec_robust does the same
 * at execve and forgets the list.
 */
struct task;
void futex_exit_robust(struct task *t);
void futex_exec_robust(struct task *t);
void futex_set_robust(u64 head);
u64 futex_robust_head(struct task *t);

#endif
