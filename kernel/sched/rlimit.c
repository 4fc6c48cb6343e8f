/*
 * Resource limits of processes and the CPU time of their reaped children
 * (<alloy/rlimit.h>). One leaf lock for all of it: limits change rarely,
 * and a reader wants the soft and hard limit of one resource together.
 * The hot readers (fd allocation, faults) read one soft limit without it.
 */
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/process.h>
#include <alloy/rlimit.h>
#include <alloy/sched.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/user.h>

#define INF RLIM_INFINITY
#define EXEC_STACK_MIN (128ULL * 1024)

static spinlock_t res_lock = SPINLOCK_INIT("rlimit", LR_RLIMIT);

/* Linux's init_task limits (max_threads/2 for NPROC and SIGPENDING, here
 * half the pid space). */
static const struct rlimit64 defaults[RLIMIT_NLIMITS] = {
	[RLIMIT_CPU] = { INF, INF },
	[RLIMIT_FSIZE] = { INF, INF },
	[RLIMIT_DATA] = { INF, INF },
	[RLIMIT_STACK] = { USER_STACK_MAX, INF },
	[RLIMIT_CORE] = { 0, INF },
	[RLIMIT_RSS] = { INF, INF },
	[RLIMIT_NPROC] = { PID_MAX / 2, PID_MAX / 2 },
	[RLIMIT_NOFILE] = { 1024, NR_OPEN_MAX },
	[RLIMIT_MEMLOCK] = { 8ULL << 20, 8ULL << 20 },
	[RLIMIT_AS] = { INF, INF },
	[RLIMIT_LOCKS] = { INF, INF },
	[RLIMIT_SIGPENDING] = { PID_MAX / 2, PID_MAX / 2 },
	[RLIMIT_MSGQUEUE] = { 819200, 819200 },
	[RLIMIT_NICE] = { 0, 0 },
	[RLIMIT_RTPRIO] = { 0, 0 },
	[RLIMIT_RTTIME] = { INF, INF },
};

void rlimit_fork(struct process *p, struct process *parent)
{
	if (!parent) {
		memcpy(p->res.rlim, defaults, sizeof(defaults));
		return;
	}
	unsigned long flags = spin_lock_irqsave(&res_lock);
	memcpy(p->res.rlim, parent->res.rlim, sizeof(p->res.rlim));
	spin_unlock_irqrestore(&res_lock, flags);
}

u64 rlimit(int resource)
{
	struct process *p = current_task()->proc;

	return p ? READ_ONCE(p->res.rlim[resource].cur) : INF;
}

static bool same_ids(u32 id, const u32 ids[3])
{
	return READ_ONCE(ids[0]) == id && READ_ONCE(ids[1]) == id && READ_ONCE(ids[2]) == id;
}

int rlimit_exchange(struct process *p, int resource, const struct rlimit64 *new,
		    struct rlimit64 *old)
{
	struct process *me = current_proc();

	if (resource < 0 || resource >= RLIMIT_NLIMITS)
		return -EINVAL;
	if (new && new->cur > new->max)
		return -EINVAL;
	if (new && resource == RLIMIT_NOFILE && new->max > (u64)READ_ONCE(sysctl_nr_open))
		return -EPERM;		/* Linux: above fs.nr_open */
	/* Linux asks for CAP_SYS_RESOURCE (euid 0 here) to raise a hard
	 * limit, and, to read or set another process's, that its real,
	 * effective and saved uids and gids all be the caller's real ones. */
	bool root = me->uid[1] == 0;
	if (p != me && !root &&
	    (!same_ids(READ_ONCE(me->uid[0]), p->uid) || !same_ids(READ_ONCE(me->gid[0]), p->gid)))
		return -EPERM;
	int rc = 0;
	unsigned long flags = spin_lock_irqsave(&res_lock);
	struct rlimit64 *r = &p->res.rlim[resource];
	struct rlimit64 was = *r;
	if (new && new->max > r->max && !root)
		rc = -EPERM;
	else if (new) {
		WRITE_ONCE(r->cur, new->cur);
		WRITE_ONCE(r->max, new->max);
	}
	spin_unlock_irqrestore(&res_lock, flags);
	if (!rc && old)
		*old = was;
	return rc;
}

int rlimit_nproc_check(void)
{
	struct process *me = current_proc();
	u64 lim = rlimit(RLIMIT_NPROC);
	int pids[64];
	u64 count = 0;
	int from = 1, n;

	/* Linux: CAP_SYS_ADMIN or CAP_SYS_RESOURCE, and the root user */
	if (lim == INF || me->uid[1] == 0 || me->uid[0] == 0)
		return 0;
	/* Zombies count, as in Linux until they are reaped. Not atomic with
	 * the fork: two forks at once may both pass at the limit. */
	u32 uid = me->uid[0];
	while ((n = proc_pids(from, pids, (int)ARRAY_SIZE(pids))) > 0) {
		for (int i = 0; i < n; i++) {
			struct process *p = proc_find_global(pids[i]);
			if (p && READ_ONCE(p->uid[0]) == uid)
				count++;
			if (p)
				proc_put(p);
		}
		from = pids[n - 1] + 1;
	}
	return count >= lim ? -EAGAIN : 0;
}

bool rlimit_as_allows(struct user_mm *mm, u64 addr, u64 len)
{
	u64 lim = rlimit(RLIMIT_AS), total = 0, overlap = 0, end;

	if (lim == INF)
		return true;
	if (__builtin_add_overflow(addr, len, &end))
		return false;
	for (int i = 0; i < mm->nr_vmas; i++) {
		const struct vma *v = &mm->vmas[i];
		total += v->end - v->start;
		if (addr && v->end > addr && v->start < end)
			overlap += MIN(v->end, end) - MAX(v->start, addr);
	}
	return total - overlap + len <= lim;
}

u64 rlimit_exec_stack(void)
{
	u64 lim = rlimit(RLIMIT_STACK);

	lim = lim > USER_STACK_MAX ? USER_STACK_MAX : ALIGN_UP(lim, PAGE_SIZE);
	return MAX(lim, EXEC_STACK_MIN);
}

void rusage_reaped(struct process *parent, struct process *z)
{
	u64 ut, st;

	proc_cpu_times(z, &ut, &st);	/* every thread's, all ended */
	unsigned long flags = spin_lock_irqsave(&res_lock);

	ut += z->res.cutime;
	st += z->res.cstime;
	parent->res.cutime += ut;
	parent->res.cstime += st;
	parent->res.last_utime = ut;
	parent->res.last_stime = st;
	/* as Linux's wait_task_zombie: the child's peak, or its reaped
	 * descendants' if larger (an orphan counts for whoever reaps it) */
	u64 m = MAX(z->res.maxrss, z->res.cmaxrss);
	parent->res.cmaxrss = MAX(parent->res.cmaxrss, m);
	parent->res.last_maxrss = m;
	spin_unlock_irqrestore(&res_lock, flags);
}

void rusage_mm_done(struct process *p, struct user_mm *mm)
{
	u64 kib = user_mm_resident_peak(mm) * (PAGE_SIZE / 1024);
	unsigned long flags = spin_lock_irqsave(&res_lock);

	p->res.maxrss = MAX(p->res.maxrss, kib);
	spin_unlock_irqrestore(&res_lock, flags);
}

u64 rusage_maxrss(struct process *p, struct user_mm *mm)
{
	u64 kib = mm ? user_mm_resident_peak(mm) * (PAGE_SIZE / 1024) : 0;
	unsigned long flags = spin_lock_irqsave(&res_lock);

	kib = MAX(kib, p->res.maxrss);
	spin_unlock_irqrestore(&res_lock, flags);
	return kib;
}

u64 rusage_children_maxrss(struct process *p, bool last)
{
	unsigned long flags = spin_lock_irqsave(&res_lock);
	u64 kib = last ? p->res.last_maxrss : p->res.cmaxrss;

	spin_unlock_irqrestore(&res_lock, flags);
	return kib;
}

/* getrusage(RUSAGE_CHILDREN), times(): a consistent pair. */
void rusage_children(struct process *p, u64 *ut, u64 *st, bool last)
{
	unsigned long flags = spin_lock_irqsave(&res_lock);

	*ut = last ? p->res.last_utime : p->res.cutime;
	*st = last ? p->res.last_stime : p->res.cstime;
	spin_unlock_irqrestore(&res_lock, flags);
}

/*
 * RLIMIT_CPU, at each timer tick that charges a thread of p (interrupts
 * off): at the hard limit SIGKILL; at the soft limit SIGXCPU, and the
 * soft limit moves a second on (up to the hard one), so SIGXCPU comes
 * once a second of CPU time until the hard limit (Linux's way).
 */
void rlimit_cpu_tick(struct process *p)
{
	if (READ_ONCE(p->res.rlim[RLIMIT_CPU].cur) == INF)
		return;
	u64 ut, st;
	proc_cpu_times(p, &ut, &st);
	u64 secs = (ut + st) / HZ;
	int sig = 0;
	unsigned long flags = spin_lock_irqsave(&res_lock);
	struct rlimit64 *l = &p->res.rlim[RLIMIT_CPU];
	if (l->max != INF && secs >= l->max) {
		sig = SIGKILL;
	} else if (l->cur != INF && secs >= l->cur) {
		sig = SIGXCPU;
		if (l->cur < l->max)
			l->cur++;
	}
	spin_unlock_irqrestore(&res_lock, flags);
	if (sig) {
		struct ksiginfo si = { .signo = sig, .code = SI_KERNEL };
		signal_send(p, &si);
	}
}
