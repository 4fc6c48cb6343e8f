/*
 * Resource limits and usage: prlimit64, getrlimit, setrlimit, getrusage
 * and times. The limits live in the process (<alloy/rlimit.h>); CPU time
 * is the timer ticks each task was caught in (kernel/sched/sched.c).
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/string.h>
#include <alloy/process.h>
#include <alloy/rlimit.h>
#include <alloy/sched.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include "sysfs.h"

#define USER_HZ 100		/* clock_t, as AT_CLKTCK says */

long sys_prlimit64(SYSARGS)
{
	int resource = (int)a1;
	struct rlimit64 want, old;
	struct process *p;

	if (a1 >= RLIMIT_NLIMITS)
		return -EINVAL;
	if (a2 && copy_from_user(&want, (const void *)a2, sizeof(want)))
		return -EFAULT;
	if ((s32)a0 < 0 || a0 > 0x7fffffff)
		return -ESRCH;
	p = a0 ? proc_find((int)a0) : current_proc();
	if (!p)
		return -ESRCH;
	long rc = rlimit_exchange(p, resource, a2 ? &want : NULL, &old);
	if (a0)
		proc_put(p);
	if (!rc && a3 && copy_to_user((void *)a3, &old, sizeof(old)))
		rc = -EFAULT;
	return rc;
}

long sys_getrlimit(SYSARGS)
{
	return sys_prlimit64(0, a0, 0, a1, 0, 0);
}

long sys_setrlimit(SYSARGS)
{
	return sys_prlimit64(0, a0, a1, 0, 0, 0);
}

/* struct rusage of x86-64 Linux */
struct linux_rusage {
	s64 utime[2], stime[2];	/* struct timeval */
	s64 maxrss, ixrss, idrss, isrss, minflt, majflt, nswap;
	s64 inblock, oublock, msgsnd, msgrcv, nsignals, nvcsw, nivcsw;
};

static void ticks_to_timeval(u64 ticks, s64 tv[2])
{
	u64 us = ticks * (1000000 / HZ);

	tv[0] = (s64)(us / 1000000);
	tv[1] = (s64)(us % 1000000);
}

/* The caller's ticks: its process's (all threads) or its own thread's. */
static void self_ticks(u64 *ut, u64 *st, bool thread)
{
	struct task *t = current_task();

	if (!thread) {
		proc_cpu_times(t->proc, ut, st);
		return;
	}
	*ut = READ_ONCE(t->utime_ticks);
	*st = READ_ONCE(t->stime_ticks);
}


int rusage_fill(int who, void *out)
{
	struct linux_rusage ru;
	u64 ut, st;

	memset(&ru, 0, sizeof(ru));
	switch (who) {
	case RUSAGE_SELF:
	case RUSAGE_THREAD:
		self_ticks(&ut, &st, who == RUSAGE_THREAD);
		/* the peak resident size: of the address space now, and of
		 * those the process left by exec (not a thread's own: Linux
		 * gives RUSAGE_THREAD the address space's) */
		ru.maxrss = (s64)(who == RUSAGE_THREAD
			? (current_task()->mm ? user_mm_resident_peak(current_task()->mm) : 0) *
				  (PAGE_SIZE / 1024)
			: rusage_maxrss(current_proc(), current_task()->mm));
		break;
	case RUSAGE_CHILDREN:
		rusage_children(current_proc(), &ut, &st, false);
		ru.maxrss = (s64)rusage_children_maxrss(current_proc(), false);
		break;
	case RUSAGE_LAST_REAPED:
		rusage_children(current_proc(), &ut, &st, true);
		ru.maxrss = (s64)rusage_children_maxrss(current_proc(), true);
		break;
	default:
		return -EINVAL;
	}
	ticks_to_timeval(ut, ru.utime);
	ticks_to_timeval(st, ru.stime);
	return copy_to_user(out, &ru, sizeof(ru)) ? -EFAULT : 0;
}

long sys_getrusage(SYSARGS)
{
	int who = (int)a0;

	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
		return -EINVAL;
	return rusage_fill(who, (void *)a1);
}

static s64 to_clock_t(u64 ticks)
{
	return (s64)(ticks * USER_HZ / HZ);
}

long sys_times(SYSARGS)
{
	u64 ut, st, cut, cst;

	if (a0) {
		self_ticks(&ut, &st, false);
		rusage_children(current_proc(), &cut, &cst, false);
		s64 tms[4] = { to_clock_t(ut), to_clock_t(st), to_clock_t(cut), to_clock_t(cst) };
		if (copy_to_user((void *)a0, tms, sizeof(tms)))
			return -EFAULT;
	}
	return (long)(ktime_ns() / (1000000000ULL / USER_HZ));
}
