/*
 * futex(2): decodes the operation and its timeout; the waiting and waking
 * is kernel/sched/futex.c's. The priority-inheritance operations and
 * FUTEX_WAIT_REQUEUE_PI are not implemented (ENOSYS).
 */
#include <alloy/errno.h>
#include <alloy/futex.h>
#include <alloy/sched.h>
#include <alloy/syscall.h>
#include <uapi/futex.h>
#include <uapi/time.h>
#include "systime.h"

/* The ktime deadline of a FUTEX_WAIT_BITSET absolute timeout on the
 * futex's clock (CLOCK_MONOTONIC, or CLOCK_REALTIME with the flag). */
static int absolute_deadline(u64 utime, bool realtime, u64 *deadline)
{
	u64 at, now;
	int rc = read_timespec(utime, &at);

	if (!rc)
		rc = clock_now(realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, &now);
	if (rc)
		return rc;
	u64 k = ktime_ns(), left = at > now ? at - now : 0;
	*deadline = left > FUTEX_NO_DEADLINE - 1 - k ? FUTEX_NO_DEADLINE - 1 : k + left;
	return 0;
}

long sys_futex(u64 uaddr, u64 op, u64 val, u64 utime, u64 uaddr2, u64 val3)
{
	int cmd = (int)(op & FUTEX_CMD_MASK);
	bool shared = !(op & FUTEX_PRIVATE_FLAG), realtime = op & FUTEX_CLOCK_REALTIME;
	u64 deadline = FUTEX_NO_DEADLINE;
	/* nr_wake is an int; Linux wakes one for 0 or less */
	u32 n = (s32)val <= 0 ? 1 : (u32)val, n2 = (u32)utime;
	int rc;

	if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (utime && cmd == FUTEX_WAIT) {	/* relative */
			u64 ns;
			if ((rc = read_timespec(utime, &ns)))
				return rc;
			u64 k = ktime_ns();
			deadline = ns > FUTEX_NO_DEADLINE - 1 - k ? FUTEX_NO_DEADLINE - 1 : k + ns;
		} else if (utime && (rc = absolute_deadline(utime, realtime, &deadline))) {
			return rc;
		}
		return futex_wait(uaddr, shared, (u32)val, deadline,
				  cmd == FUTEX_WAIT ? FUTEX_BITSET_ANY : (u32)val3);
	case FUTEX_WAKE:
		return futex_wake(uaddr, shared, n, FUTEX_BITSET_ANY);
	case FUTEX_WAKE_BITSET:
		return futex_wake(uaddr, shared, n, (u32)val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		if ((s32)val < 0 || (s32)n2 < 0)
			return -EINVAL;
		return futex_requeue(uaddr, uaddr2, shared, (u32)val, n2,
				     cmd == FUTEX_CMP_REQUEUE, (u32)val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(uaddr, uaddr2, shared, n, (s32)n2 < 0 ? 0 : n2, (u32)val3);
	default:
		return -ENOSYS;	/* PI operations, WAIT_REQUEUE_PI, unknown */
	}
}
