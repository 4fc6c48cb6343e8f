/*
 * Scheduling calls: CPU affinity, getcpu, nice values and scheduling
 * policies (all honoured by kernel/sched/sched.c), and membarrier.
 *
 * A pid names a thread (its tid; a process's pid names its leader), the
 * task these act on, as on Linux. Linux checks: the caller may change a
 * task it owns (its euid is the target's real or effective uid) or any
 * task as root (euid 0: CAP_SYS_NICE); without root, RLIMIT_NICE and
 * RLIMIT_RTPRIO of the target bound how far its priority may be raised.
 */
#include <alloy/pid.h>
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/process.h>
#include <alloy/rlimit.h>
#include <alloy/sched.h>
#include <alloy/string.h>
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

/* For the getters: a zombie's values too, as Linux reports them until
 * it is reaped (a parent asks about a child that has just exited). */
static struct task *thread_or_zombie(u64 tid, struct process **pp)
{
	if (!tid || tid > 0x7fffffff)
		return thread_of(tid, pp);
	return proc_find_thread_or_zombie((int)tid, pp);
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

/* The soft limit of p (its threads share it). */
static u64 task_rlimit(struct process *p, int resource)
{
	return READ_ONCE(p->res.rlim[resource].cur);
}

/* Linux's is_nice_reduction: RLIMIT_NICE lets p go down to 20 - limit. */
static bool nice_allowed(struct process *p, int nice)
{
	return (u64)(20 - nice) <= task_rlimit(p, RLIMIT_NICE);
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
	if (!pid_ns_within(p->pid_ns, pid_ns_current()))
		return false;	/* not seen from the caller's PID namespace */
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
		 !nice_allowed(p, w->nice))
		rc = -EACCES;	/* lowering nice needs root or RLIMIT_NICE */
	if (rc)
		w->err = w->err ? w->err : rc;
	else
		sched_set_nice(t, w->nice);
}

static long prio_walk(struct prio_walk *w)
{
	struct process *me = current_proc();

	if (w->which < PRIO_PROCESS || w->which > PRIO_USER)
		return -EINVAL;
	if (!w->who && w->which != PRIO_PROCESS)
		w->who = w->which == PRIO_PGRP ? (u32)READ_ONCE(me->pgid) : me->uid[0];
	else if (w->which == PRIO_PGRP && !(w->who = (u32)pid_from_user((int)w->who)))
		return -ESRCH;	/* the caller's group number, as a global one */
	w->best = NICE_MAX + 1;
	if (w->which == PRIO_PROCESS) {	/* a thread (0: the caller), as on Linux */
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
				struct task *t = proc_find_thread_global(batch[i]->pid, &p);
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

/* ---- policies (honoured by kernel/sched/sched.c) ---- */

#define SCHED_FLAG_RESET_ON_FORK 0x01
#define SCHED_FLAG_KEEP_POLICY 0x08
#define SCHED_FLAG_KEEP_PARAMS 0x10
#define SCHED_FLAG_UTIL_CLAMP 0x60	/* _MIN | _MAX */
#define SCHED_FLAG_ALL 0x7f
#define SCHED_DL_FLAGS (SCHED_FLAG_RECLAIM | SCHED_FLAG_DL_OVERRUN)
#define SCHED_ATTR_SIZE_VER0 48
#define SCHED_ATTR_SIZE_VER1 56

/* Linux's struct sched_attr (VER1: with the utilisation clamps). */
struct sched_attr {
	u32 size;
	u32 sched_policy;
	u64 sched_flags;
	s32 sched_nice;
	u32 sched_priority;
	u64 sched_runtime, sched_deadline, sched_period;	/* SCHED_DEADLINE */
	u32 sched_util_min, sched_util_max;
};
_Static_assert(sizeof(struct sched_attr) == SCHED_ATTR_SIZE_VER1, "sched_attr");

static bool rt_policy(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

static bool fair_policy(int policy)
{
	return policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE;
}

/* Linux's __checkparam_dl (kernel/sched/deadline.c): runtime <=
 * deadline <= period, the period within sched_deadline_period_{min,max}_us,
 * runtime at least 1024 ns. */
static bool dl_params_valid(const struct sched_attr *a)
{
	return sched_dl_params_valid(a->sched_runtime, a->sched_deadline, a->sched_period);
}

/*
 * Linux's __sched_setscheduler for a user caller: the values first
 * (EINVAL), then what needs CAP_SYS_NICE (euid 0) without RLIMIT_NICE
 * or RLIMIT_RTPRIO of the target allowing it (EPERM): raising a nice
 * value, entering a real-time policy or raising its priority, leaving
 * SCHED_IDLE, clearing SCHED_RESET_ON_FORK, or another user's task.
 * a->sched_policy -1: keep the task's policy and flag (sched_setparam).
 */
static long sched_apply(struct task *t, struct process *p, const struct sched_attr *a)
{
	int cur_policy = READ_ONCE(t->policy), cur_nice = READ_ONCE(t->nice);
	u32 cur_prio = (u32)READ_ONCE(t->rt_priority);
	bool cur_reset = READ_ONCE(t->reset_on_fork);
	int policy = (int)a->sched_policy;
	bool reset = a->sched_flags & SCHED_FLAG_RESET_ON_FORK;
	u32 prio = a->sched_priority;

	if (a->sched_flags & ~(u64)SCHED_FLAG_ALL)
		return -EINVAL;
	if (policy == -1) {
		policy = cur_policy;
		reset = cur_reset;
	} else if (!rt_policy(policy) && !fair_policy(policy) && policy != SCHED_DEADLINE) {
		return -EINVAL;
	}
	if (prio > RT_PRIO_MAX || rt_policy(policy) != (prio != 0))
		return -EINVAL;
	if (policy == SCHED_DEADLINE && !dl_params_valid(a))
		return -EINVAL;
	int nice = fair_policy(policy) ? a->sched_nice : cur_nice;
	if (current_proc()->uid[1] != 0) {
		bool priv = !may_change(p) || (cur_reset && !reset) || policy == SCHED_DEADLINE;
		if (nice < cur_nice && !nice_allowed(p, nice))
			priv = true;
		if (rt_policy(policy)) {
			u64 lim = task_rlimit(p, RLIMIT_RTPRIO);
			if ((policy != cur_policy && !lim) || (prio > cur_prio && prio > lim))
				priv = true;
		}
		if (cur_policy == SCHED_IDLE && policy != SCHED_IDLE && !nice_allowed(p, cur_nice))
			priv = true;
		if (priv)
			return -EPERM;
	}
	if (a->sched_flags & SCHED_FLAG_UTIL_CLAMP)
		return -EOPNOTSUPP;	/* Linux without CONFIG_UCLAMP_TASK */
	if (policy == SCHED_DEADLINE)	/* EPERM (affinity), EBUSY (admission) */
		return sched_set_deadline(t, a->sched_runtime, a->sched_deadline, a->sched_period,
					  (u32)(a->sched_flags & SCHED_DL_FLAGS), reset);
	sched_set_params(t, policy, (int)prio, nice, reset);
	return 0;
}

/* policy -1: keep the task's (sched_setparam). */
static long set_sched(u64 pid, int policy, u64 uparam)
{
	struct sched_attr a = { .sched_policy = (u32)policy };
	int prio;

	if (!uparam || (int)pid < 0)
		return -EINVAL;
	if (copy_from_user(&prio, (const void *)uparam, sizeof(prio)))
		return -EFAULT;
	struct process *p;
	struct task *t = thread_of((u32)pid, &p);
	if (!t)
		return -ESRCH;
	if (policy >= 0 && (policy & SCHED_RESET_ON_FORK)) {
		a.sched_policy = (u32)(policy & ~SCHED_RESET_ON_FORK);
		a.sched_flags = SCHED_FLAG_RESET_ON_FORK;
	}
	a.sched_priority = (u32)prio;
	a.sched_nice = READ_ONCE(t->nice);
	long rc = sched_apply(t, p, &a);
	thread_put(t, p);
	return rc;
}

long sys_sched_setscheduler(SYSARGS)
{
	if ((int)a1 < 0)
		return -EINVAL;
	return set_sched(a0, (int)a1, a2);	/* SCHED_DEADLINE: no parameters, EINVAL */
}

long sys_sched_setparam(SYSARGS)
{
	return set_sched(a0, -1, a1);
}

long sys_sched_getscheduler(SYSARGS)
{
	if ((int)a0 < 0)
		return -EINVAL;
	struct process *p;
	struct task *t = thread_or_zombie((u32)a0, &p);
	if (!t)
		return -ESRCH;
	long rc = READ_ONCE(t->policy) | (READ_ONCE(t->reset_on_fork) ? SCHED_RESET_ON_FORK : 0);
	thread_put(t, p);
	return rc;
}

long sys_sched_getparam(SYSARGS)
{
	if (!a1 || (int)a0 < 0)
		return -EINVAL;
	struct process *p;
	struct task *t = thread_or_zombie((u32)a0, &p);
	if (!t)
		return -ESRCH;
	int prio = READ_ONCE(t->rt_priority);
	thread_put(t, p);
	return copy_to_user((void *)a1, &prio, sizeof(prio)) ? -EFAULT : 0;
}

/*
 * Linux's sched_copy_attr: size 0 means VER0; below VER0 or above a page,
 * or bytes past the ones this kernel knows that are not zero, is E2BIG
 * with the size it knows written back.
 */
static long read_attr(u64 uattr, struct sched_attr *a)
{
	u32 size;

	memset(a, 0, sizeof(*a));
	if (copy_from_user(&size, (const void *)uattr, sizeof(size)))
		return -EFAULT;
	if (!size)
		size = SCHED_ATTR_SIZE_VER0;
	if (size < SCHED_ATTR_SIZE_VER0 || size > PAGE_SIZE)
		goto too_big;
	if (copy_from_user(a, (const void *)uattr, MIN(size, (u32)sizeof(*a))))
		return -EFAULT;
	for (u32 off = sizeof(*a); off < size;) {
		u8 buf[64];
		u32 n = MIN(size - off, (u32)sizeof(buf));
		if (copy_from_user(buf, (const void *)(uattr + off), n))
			return -EFAULT;
		for (u32 i = 0; i < n; i++)
			if (buf[i])
				goto too_big;
		off += n;
	}
	if ((a->sched_flags & SCHED_FLAG_UTIL_CLAMP) && size < SCHED_ATTR_SIZE_VER1)
		return -EINVAL;
	a->sched_nice = MIN(MAX(a->sched_nice, NICE_MIN), NICE_MAX);
	return 0;
too_big:
	size = sizeof(*a);
	copy_to_user((void *)uattr, &size, sizeof(size));	/* as Linux: unchecked */
	return -E2BIG;
}

long sys_sched_setattr(SYSARGS)
{
	struct sched_attr a;

	if (!a1 || (int)a0 < 0 || (u32)a2)
		return -EINVAL;
	long rc = read_attr(a1, &a);
	if (rc)
		return rc;
	if ((int)a.sched_policy < 0)
		return -EINVAL;
	if (a.sched_flags & SCHED_FLAG_KEEP_POLICY)
		a.sched_policy = (u32)-1;
	struct process *p;
	struct task *t = thread_of((u32)a0, &p);
	if (!t)
		return -ESRCH;
	if (a.sched_flags & SCHED_FLAG_KEEP_PARAMS) {	/* Linux's get_params */
		unsigned long flags = spin_lock_irqsave(&t->lock);
		a.sched_priority = (u32)t->rt_priority;
		a.sched_nice = t->nice;
		if (t->policy == SCHED_DEADLINE) {
			a.sched_runtime = t->dl_runtime;
			a.sched_deadline = t->dl_deadline;
			a.sched_period = t->dl_period;
			a.sched_flags |= t->dl_flags;
		}
		spin_unlock_irqrestore(&t->lock, flags);
	}
	rc = sched_apply(t, p, &a);
	thread_put(t, p);
	return rc;
}

/* Linux's: the size the caller has room for, at most the one we know,
 * and that size in attr.size. */
long sys_sched_getattr(SYSARGS)
{
	u32 usize = (u32)a2;

	if (!a1 || (int)a0 < 0 || usize < SCHED_ATTR_SIZE_VER0 || usize > PAGE_SIZE || (u32)a3)
		return -EINVAL;
	struct process *p;
	struct task *t = thread_or_zombie((u32)a0, &p);
	if (!t)
		return -ESRCH;
	struct sched_attr k = { .size = MIN(usize, (u32)sizeof(k)) };
	unsigned long flags = spin_lock_irqsave(&t->lock);
	k.sched_policy = (u32)t->policy;
	k.sched_flags = t->reset_on_fork ? SCHED_FLAG_RESET_ON_FORK : 0;
	if (t->policy == SCHED_DEADLINE) {
		k.sched_runtime = t->dl_runtime;
		k.sched_deadline = t->dl_deadline;
		k.sched_period = t->dl_period;
		k.sched_flags |= t->dl_flags;
	} else if (rt_policy(t->policy)) {
		k.sched_priority = (u32)t->rt_priority;
	} else {
		k.sched_nice = t->nice;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	thread_put(t, p);
	return copy_to_user((void *)a1, &k, k.size) ? -EFAULT : 0;
}

long sys_sched_rr_get_interval(SYSARGS)
{
	if ((int)a0 < 0)
		return -EINVAL;
	struct process *p;
	struct task *t = thread_or_zombie((u32)a0, &p);
	if (!t)
		return -ESRCH;
	u64 ns = sched_rr_interval_ns(t);
	thread_put(t, p);
	struct { s64 sec, nsec; } ts = { (s64)(ns / 1000000000ULL), (s64)(ns % 1000000000ULL) };
	return copy_to_user((void *)a1, &ts, sizeof(ts)) ? -EFAULT : 0;
}

/* 99 and 1 for the real-time policies, 0 for the others (SCHED_DEADLINE
 * too), EINVAL for what is no policy. */
long sys_sched_get_priority_max(SYSARGS)
{
	int policy = (int)a0;

	if (rt_policy(policy))
		return RT_PRIO_MAX;
	return fair_policy(policy) || policy == SCHED_DEADLINE ? 0 : -EINVAL;
}

long sys_sched_get_priority_min(SYSARGS)
{
	int policy = (int)a0;

	if (rt_policy(policy))
		return 1;
	return fair_policy(policy) || policy == SCHED_DEADLINE ? 0 : -EINVAL;
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

/* ---- I/O priorities ----
 *
 * ioprio_set and ioprio_get, with Linux's classes and checks. Each
 * thread keeps its priority (fork and clone copy it); no I/O scheduler
 * looks at it yet (requests are served in order), which any priority
 * allows. A process group or user names every thread of its processes;
 * ioprio_get of several reports the highest priority among them.
 */
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_CLASS_NONE 0
#define IOPRIO_CLASS_RT 1
#define IOPRIO_CLASS_BE 2
#define IOPRIO_CLASS_IDLE 3
#define IOPRIO_NR_LEVELS 8
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_WHO_PGRP 2
#define IOPRIO_WHO_USER 3

static long ioprio_valid(u32 prio)
{
	u32 class = prio >> IOPRIO_CLASS_SHIFT, data = prio & ((1u << IOPRIO_CLASS_SHIFT) - 1);

	if (prio > 0xffff)
		return -EINVAL;
	switch (class) {
	case IOPRIO_CLASS_RT:	/* CAP_SYS_NICE or CAP_SYS_ADMIN */
		if (current_proc()->uid[1] != 0)
			return -EPERM;
		/* fall through */
	case IOPRIO_CLASS_BE:
		return data >= IOPRIO_NR_LEVELS ? -EINVAL : 0;
	case IOPRIO_CLASS_IDLE:
		return 0;
	case IOPRIO_CLASS_NONE:
		return data ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

/* Linux's ioprio_best: the lower class wins (NONE counts as BE), then
 * the lower level. */
static int ioprio_best(int a, int b)
{
	int ac = a >> IOPRIO_CLASS_SHIFT, bc = b >> IOPRIO_CLASS_SHIFT;

	ac = ac == IOPRIO_CLASS_NONE ? IOPRIO_CLASS_BE : ac;
	bc = bc == IOPRIO_CLASS_NONE ? IOPRIO_CLASS_BE : bc;
	if (ac == bc)
		return MIN(a, b);
	return ac < bc ? a : b;
}

struct io_walk {
	int which;
	u32 who;
	bool set;
	u16 prio;		/* set's */
	int found, best;	/* get's: -1 none yet */
	long err;		/* set's first refusal */
};

/* Linux's set_task_ioprio: the caller's real or effective uid is the
 * target's real uid, or CAP_SYS_NICE. */
static bool io_may_set(struct process *p)
{
	struct process *me = current_proc();
	u32 uid = READ_ONCE(p->uid[0]);

	return me->uid[1] == 0 || uid == me->uid[0] || uid == me->uid[1];
}

static void io_one(struct io_walk *w, struct process *p, struct task *only)
{
	w->found++;
	if (w->set && !io_may_set(p)) {
		w->err = w->err ? w->err : -EPERM;
		return;
	}
	struct task *t;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	list_for_each_entry(t, &p->threads, thread_link) {
		if (only && t != only)
			continue;
		if (w->set)
			WRITE_ONCE(t->ioprio, w->prio);
		else
			w->best = w->best < 0 ? t->ioprio : ioprio_best(w->best, t->ioprio);
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
}

static long io_walk(struct io_walk *w)
{
	struct process *me = current_proc();

	w->best = -1;
	if (w->which == IOPRIO_WHO_PROCESS) {	/* a thread, 0: the caller */
		if (w->who > 0x7fffffff)
			return -ESRCH;
		struct process *p;
		struct task *t = thread_of(w->who, &p);
		if (!t)
			return -ESRCH;
		io_one(w, p, t);
		thread_put(t, p);
	} else if (w->which == IOPRIO_WHO_PGRP || w->which == IOPRIO_WHO_USER) {
		if (!w->who)
			w->who = w->which == IOPRIO_WHO_PGRP ? (u32)READ_ONCE(me->pgid) : me->uid[0];
		struct process *batch[32];
		int from = 1, n;
		while ((n = proc_get_batch(&from, batch, (int)ARRAY_SIZE(batch))) > 0) {
			for (int i = 0; i < n; i++) {
				struct process *p = batch[i];
				u32 id = w->which == IOPRIO_WHO_PGRP ? (u32)READ_ONCE(p->pgid)
								     : READ_ONCE(p->uid[0]);
				if (id == w->who)
					io_one(w, p, NULL);
				proc_put(p);
			}
		}
	} else {
		return -EINVAL;
	}
	if (!w->found)
		return -ESRCH;
	if (w->set)
		return w->err;
	return w->best < 0 ? -ESRCH : w->best;	/* a process between threads */
}

long sys_ioprio_set(SYSARGS)
{
	struct io_walk w = { .which = (int)a0, .who = (u32)a1, .set = true, .prio = (u16)a2 };

	if ((int)a0 < IOPRIO_WHO_PROCESS || (int)a0 > IOPRIO_WHO_USER)
		return -EINVAL;
	long rc = ioprio_valid((u32)a2);
	return rc ? rc : io_walk(&w);
}

long sys_ioprio_get(SYSARGS)
{
	struct io_walk w = { .which = (int)a0, .who = (u32)a1 };

	return io_walk(&w);
}
