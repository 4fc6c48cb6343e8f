/*
 * futex(2), set_robust_list(2), get_robust_list(2): decode the operation
 * and its timeout; the waiting and waking is kernel/sched/futex.c's. The
 * PI operations lock and unlock without priority boosting;
 * FUTEX_WAIT_REQUEUE_PI and FUTEX_CMP_REQUEUE_PI are not implemented
 * (ENOSYS).
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/futex.h>
#include <alloy/thread.h>
#include <alloy/process.h>
#include <alloy/ptrace.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
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

	if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_LOCK_PI2)
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
	case FUTEX_LOCK_PI:	/* an absolute CLOCK_REALTIME timeout */
	case FUTEX_LOCK_PI2:	/* absolute, CLOCK_MONOTONIC unless the flag */
		if (utime && (rc = absolute_deadline(utime, cmd == FUTEX_LOCK_PI || realtime,
						     &deadline)))
			return rc;
		return futex_lock_pi(uaddr, shared, deadline, false);
	case FUTEX_TRYLOCK_PI:
		return futex_lock_pi(uaddr, shared, FUTEX_NO_DEADLINE, true);
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(uaddr, shared);
	default:
		return -ENOSYS;	/* WAIT_REQUEUE_PI, CMP_REQUEUE_PI, unknown */
	}
}

long sys_set_robust_list(u64 head, u64 len, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2; (void)a3; (void)a4; (void)a5;
	if (len != ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	futex_set_robust(head);		/* walked by futex_exit_robust */
	return 0;
}

/* Another thread's list is readable by anyone today: credentials are
 * not enforced yet (Linux asks for ptrace read access). */
long sys_get_robust_list(u64 pid, u64 head_ptr, u64 len_ptr, u64 a3, u64 a4, u64 a5)
{
	u64 head, len = ROBUST_LIST_HEAD_SIZE;

	(void)a3; (void)a4; (void)a5;
	if (!pid || (s32)pid == current_task()->vtid) {
		head = futex_robust_head(current_task());
	} else {
		struct process *p;
		struct task *t = (s32)pid > 0 ? proc_find_thread((int)pid, &p) : NULL;
		if (!t)
			return -ESRCH;
		/* Linux's ptrace_may_access(PTRACE_MODE_READ_REALCREDS) */
		struct cred c;
		cred_current(&c);
		unsigned long flags = spin_lock_irqsave(&p->sig_lock);
		bool may = p == current_proc() || ptrace_may_access_locked(p, &c);
		spin_unlock_irqrestore(&p->sig_lock, flags);
		head = futex_robust_head(t);
		proc_put(p);
		task_put(t);
		if (!may)
			return -EPERM;
	}
	if (copy_to_user((void *)len_ptr, &len, sizeof(len)) ||
	    copy_to_user((void *)head_ptr, &head, sizeof(head)))
		return -EFAULT;
	return 0;
}

/* Linux's struct futex_waitv and its flags (futex2's FUTEX2_SIZE_U32) */
struct futex_waitv {
	u64 val;
	u64 uaddr;
	u32 flags;
	u32 reserved;
};
#define FUTEX2_SIZE_U32 0x02u
#define FUTEX2_PRIVATE FUTEX_PRIVATE_FLAG

long sys_futex_waitv(u64 uwaiters, u64 nr, u64 flags, u64 utimeout, u64 clockid, u64 a5)
{
	u64 deadline = FUTEX_NO_DEADLINE;
	long rc = 0;

	(void)a5;
	if (flags || !nr || nr > FUTEX_WAITV_MAX || !uwaiters)
		return -EINVAL;
	if (utimeout) {
		if (clockid != CLOCK_MONOTONIC && clockid != CLOCK_REALTIME)
			return -EINVAL;
		if ((rc = absolute_deadline(utimeout, clockid == CLOCK_REALTIME, &deadline)))
			return rc;
	}
	struct futex_waitv *uv = kmalloc(sizeof(*uv) * nr, GFP_KERNEL);
	struct futex_wait_one *v = kmalloc(sizeof(*v) * nr, GFP_KERNEL);
	if (!uv || !v)
		rc = -ENOMEM;
	else if (copy_from_user(uv, (const void *)uwaiters, sizeof(*uv) * nr))
		rc = -EFAULT;
	for (u32 i = 0; !rc && i < nr; i++) {
		if ((uv[i].flags & ~(FUTEX2_SIZE_U32 | FUTEX2_PRIVATE)) || uv[i].reserved ||
		    !(uv[i].flags & FUTEX2_SIZE_U32) || uv[i].val > 0xffffffffu || uv[i].uaddr % 4)
			rc = -EINVAL;
		v[i] = (struct futex_wait_one){ .uaddr = uv[i].uaddr, .val = (u32)uv[i].val,
						.shared = !(uv[i].flags & FUTEX2_PRIVATE) };
	}
	if (!rc)
		rc = futex_wait_multiple(v, (u32)nr, deadline);
	kfree(uv);
	kfree(v);
	return rc;
}
