/*
 * Scheduling calls: CPU affinity (honoured by kernel/sched/sched.c),
 * getcpu, nice values and scheduling policies (kept and reported; the
 * scheduler is round-robin for all), and membarrier.
 *
 * A pid names a thread (its tid; a process's pid names its leader), the
 * task these act on, as on Linux. Linux checks: the caller may change a task it owns (its euid is the target's
 * real or effective uid) or any task as root (euid 0: CAP_SYS_NICE).
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/process.h>
#include <alloy/rlimit.h>
#include <alloy/sched.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include "sysfs.h"

#define NICE_MIN (-20)
#define NICE_MAX 19
#define RT_PRIO_MAX 99

/* The thread tid names (0: the caller), with references on it and on its
 * process (*pp); NULL if none. */
static struct task *thread_of(u64 tid, struct process **pp)
{
	if (!tid) {
		struct task *t = current_task();
		task_get(t);
		proc_get(t->proc);
		*pp = t->proc;
		return t;
	}
	return tid > 0x7fffffff ? NULL : proc_find_thread((int)tid, pp);
}

static void thread_put(struct task *t, struct process *p)
{
	proc_put(p);
	task_put(t);
}

static bool may_change(struct process *p)
{
	struct process *me = current_proc();
	u32 euid = me->uid[1];

	return euid == 0 || euid == READ_ONCE(p->uid[0]) || euid == READ_ONCE(p->uid[1]);
}

/* ---- affinity ---- */

#define MASK_BYTES 8	/* Linux's cpumask_size() for up to 64 CPUs */

long sys_sched_getaffinity(SYSARGS)
{
	if ((s64)a0 < 0)
		return -ESRCH;
	if (a1 * 8 < nr_cpus || (a1 & 7))
		return -EINVAL;
	struct process *p;
	struct task *t = thread_of(a0, &p);
	if (!t)
		return -ESRCH;
	u64 bits = sched_get_affinity(t);
	thread_put(t, p);
	if (copy_to_user((void *)a2, &bits, MASK_BYTES))
		return -EFAULT;
	return MASK_BYTES;
}

long sys_sched_setaffinity(SYSARGS)
{
	u64 bits = 0;

	/* bits past the 64th name no CPU here; a shorter mask is zero-extended */
	if (copy_from_user(&bits, (const void *)a2, MIN(a1, (u64)MASK_BYTES)))
		return -EFAULT;
	if ((s64)a0 < 0)
		return -ESRCH;
	struct process *p;
	struct task *t = thread_of(a0, &p);
	if (!t)
		return -ESRCH;
	long rc = may_change(p) ? sched_set_affinity(t, bits) : -EPERM;
	thread_put(t, p);
	return rc;
}

long sys_getcpu(SYSARGS)
{
	unsigned int cpu = cpu_id(), node = 0;

	if (a0 && copy_to_user((void *)a0, &cpu, sizeof(cpu)))
		return -EFAULT;
	if (a1 && copy_to_user((void *)a1, &node, sizeof(node)))
		return -EFAULT;
	return 0;
}

/* ---- nice: getpriority/setpriority over a process, group or user ---- */

struct prio_walk {
	int which;
	u32 who;
	int nice;		/* setpriority's value */
	bool set;
	int found;		/* processes that matched */
	int best;		/* getpriority: the lowest nice */
	int err;		/* setpriority: the first refusal */
};

static bool prio_matches(struct prio_walk *w, struct process *p)
{
	switch (w->which) {
	case PRIO_PROCESS:
		return (u32)p->pid == w->who;
	case PRIO_PGRP:
		return (u32)READ_ONCE(p->pgid) == w->who;
	default:
		return READ_ONCE(p->uid[0]) == w->who;
	}
}

static void prio_one(struct prio_walk *w, struct process *p, struct task *t)
{
	if (!prio_matches(w, p))
		return;
	w->found++;
	if (!w->set) {
		w->best = MIN(w->best, READ_ONCE(t->nice));
		return;
	}
	int rc = 0;
	if (!may_change(p))
		rc = -EPERM;
	else if (w->nice < READ_ONCE(t->nice) && current_proc()->uid[1] != 0 &&
		 (u64)(20 - w->nice) > rlimit(RLIMIT_NICE))
		rc = -EACCES;	/* lowering nice needs root or RLIMIT_NICE */
	if (rc)
		w->err = w->err ? w->err : rc;
	else
		WRITE_ONCE(t->nice, w->nice);
}

static long prio_walk(struct prio_walk *w)
{
	struct process *me = current_proc();

	if (w->which < PRIO_PROCESS || w->which > PRIO_USER)
		return -EINVAL;
	if (!w->who)
		w->who = w->which == PRIO_PROCESS ? (u32)me->pid :
			 w->which == PRIO_PGRP ? (u32)READ_ONCE(me->pgid) : me->uid[0];
	w->best = NICE_MAX + 1;
	if (w->which == PRIO_PROCESS) {	/* a thread, as on Linux */
		struct process *p;
		struct task *t = thread_of(w->who, &p);
		if (t) {
			w->who = (u32)p->pid;	/* prio_matches compares pids */
			prio_one(w, p, t);
			thread_put(t, p);
		}
	} else {	/* each process's leader thread */
		struct process *batch[32];
		int from = 1, n;
		while ((n = proc_get_batch(&from, batch, (int)ARRAY_SIZE(batch))) > 0) {
			for (int i = 0; i < n; i++) {
				struct process *p;
				struct task *t = proc_find_thread(batch[i]->pid, &p);
				if (t) {
					prio_one(w, p, t);
					thread_put(t, p);
				}
				proc_put(batch[i]);
			}
		}
	}
	if (!w->found)
		return -ESRCH;
	return w->set ? w->err : 20 - w->best;	/* the syscall's 40..1 for nice -20..19 */
}

long sys_getpriority(SYSARGS)
{
	struct prio_walk w = { .which = (int)a0, .who = (u32)a1 };

	return prio_walk(&w);
}

long sys_setpriority(SYSARGS)
{
	s64 nice = (s64)(s32)a2;
	struct prio_walk w = { .which = (int)a0, .who = (u32)a1, .set = true };

	w.nice = (int)(nice < NICE_MIN ? NICE_MIN : nice > NICE_MAX ? NICE_MAX : nice);
	return prio_walk(&w);
}

/* ---- policies: accepted and reported ---- */

static bool policy_valid(int policy, int prio)
{
	switch (policy) {
	case SCHED_OTHER:
	case SCHED_BATCH:
	case SCHED_IDLE:
		return prio == 0;
	case SCHED_FIFO:
	case SCHED_RR:
		return prio >= 1 && prio <= RT_PRIO_MAX;
	default:
		return false;
	}
}

/* policy -1: keep the task's (sched_setparam). */
static long set_sched(u64 pid, int policy, u64 uparam)
{
	int prio;

	if (!uparam || (s64)pid < 0)
		return -EINVAL;
	if (copy_from_user(&prio, (const void *)uparam, sizeof(prio)))
		return -EFAULT;
	struct process *p;
	struct task *t = thread_of(pid, &p);
	if (!t)
		return -ESRCH;
	long rc = 0;
	int reset = policy >= 0 ? policy & SCHED_RESET_ON_FORK : 0;
	if (policy >= 0)
		policy &= ~SCHED_RESET_ON_FORK;
	else
		policy = READ_ONCE(t->policy) & ~SCHED_RESET_ON_FORK;
	if (!policy_valid(policy, prio))
		rc = -EINVAL;
	else if (!may_change(p))
		rc = -EPERM;
	else if ((policy == SCHED_FIFO || policy == SCHED_RR) && current_proc()->uid[1] != 0 &&
		 (u64)prio > rlimit(RLIMIT_RTPRIO))
		rc = -EPERM;
	if (!rc) {
		unsigned long flags = spin_lock_irqsave(&t->lock);
		t->policy = policy | reset;
		t->rt_priority = prio;
		spin_unlock_irqrestore(&t->lock, flags);
	}
	thread_put(t, p);
	return rc;
}

long sys_sched_setscheduler(SYSARGS)
{
	if ((s32)a1 < 0)
		return -EINVAL;
	return set_sched(a0, (int)a1, a2);
}

long sys_sched_setparam(SYSARGS)
{
	return set_sched(a0, -1, a1);
}

long sys_sched_getscheduler(SYSARGS)
{
	if ((s64)a0 < 0)
		return -EINVAL;
	struct process *p;
	struct task *t = thread_of(a0, &p);
	if (!t)
		return -ESRCH;
	long rc = READ_ONCE(t->policy);
	thread_put(t, p);
	return rc;
}

long sys_sched_getparam(SYSARGS)
{
	if (!a1 || (s64)a0 < 0)
		return -EINVAL;
	struct process *p;
	struct task *t = thread_of(a0, &p);
	if (!t)
		return -ESRCH;
	int prio = READ_ONCE(t->rt_priority);
	thread_put(t, p);
	return copy_to_user((void *)a1, &prio, sizeof(prio)) ? -EFAULT : 0;
}

long sys_sched_get_priority_max(SYSARGS)
{
	int policy = (int)a0;

	if (!policy_valid(policy, policy == SCHED_FIFO || policy == SCHED_RR))
		return -EINVAL;
	return policy == SCHED_FIFO || policy == SCHED_RR ? RT_PRIO_MAX : 0;
}

long sys_sched_get_priority_min(SYSARGS)
{
	int policy = (int)a0;

	if (!policy_valid(policy, policy == SCHED_FIFO || policy == SCHED_RR))
		return -EINVAL;
	return policy == SCHED_FIFO || policy == SCHED_RR ? 1 : 0;
}

/* ---- membarrier ---- */

#define MEMBARRIER_SUPPORTED (MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED | \
			      MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED |                 \
			      MEMBARRIER_CMD_PRIVATE_EXPEDITED |                         \
			      MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED)

/*
 * Every CPU in mask (this one aside) takes an interrupt and so executes
 * a full barrier before this returns: the TLB shootdown IPI with an
 * empty range, whose handler acknowledges only once it ran. A CPU that
 * is not in mask does not run the address space, and switching to it
 * later is itself a barrier (the CR3 write serialises).
 */
static void barrier_on(u64 mask)
{
	smp_mb();	/* the caller's accesses before the others' barrier */
	if (mask & ~(1ULL << cpu_id()))
		tlb_shootdown_cpus(mask, 0, 0);
	smp_mb();	/* theirs before the caller's after */
}

long sys_membarrier(SYSARGS)
{
	int cmd = (int)a0;
	struct process *me = current_proc();
	struct user_mm *mm = current_task()->mm;

	if (a1)
		return -EINVAL;	/* MEMBARRIER_CMD_FLAG_CPU is for the rseq command */
	switch (cmd) {
	case MEMBARRIER_CMD_QUERY:
		return MEMBARRIER_SUPPORTED;
	case MEMBARRIER_CMD_GLOBAL:
	case MEMBARRIER_CMD_GLOBAL_EXPEDITED:
		/* every CPU: running user code anywhere gets its barrier */
		if (nr_cpus > 1)
			barrier_on(sched_online_mask());
		return 0;
	case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED:
		return 0;
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
		WRITE_ONCE(me->res.membarrier_mm, mm);
		return 0;
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED:
		if (READ_ONCE(me->res.membarrier_mm) != mm)
			return -EPERM;	/* not registered (since the last exec) */
		/* the CPUs that have this address space loaded: all that can
		 * be running a thread of it (arch_vm tracks them for TLB
		 * shootdowns; set before the switch, cleared after) */
		smp_mb();
		barrier_on(__atomic_load_n(&mm->vm.cpus, __ATOMIC_RELAXED));
		return 0;
	default:
		return -EINVAL;
	}
}
