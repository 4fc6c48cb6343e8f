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
/* Wakes up to n waiters of uaddr whose bitset meets bitset; how many. */
long futex_wake(u64 uaddr, bool shared, u32 n, u32 bitset);
/* Wakes up to n of uaddr's waiters and moves up to n2 more to uaddr2;
 * with cmp, only if *uaddr == val (else -EAGAIN). Woken + moved. */
long futex_requeue(u64 uaddr, u64 uaddr2, bool shared, u32 n, u32 n2, bool cmp, u32 val);
/* FUTEX_WAKE_OP: *uaddr2 is changed by op atomically, up to n waiters
 * of uaddr are woken, and up to n2 of uaddr2 if the old value of
 * *uaddr2 passes op's comparison. */
long futex_wake_op(u64 uaddr, u64 uaddr2, bool shared, u32 n, u32 n2, u32 op);

#endif
