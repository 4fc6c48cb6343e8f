/*
 * Resource limits and accounting of a process (kernel/sched/rlimit.c):
 * Linux's sixteen rlimits, the CPU time of reaped children, and the
 * membarrier registration. All of it is per process (thread group), in
 * struct process's one `res` field; res_lock (a leaf lock) guards it.
 *
 * Enforced: RLIMIT_NOFILE (kernel/fs/fdtable.c), RLIMIT_STACK (the stack
 * VMA at exec, its growth in kernel/mm/fault.c), RLIMIT_AS (mmap, mremap,
 * brk, stack growth), RLIMIT_NPROC (fork), RLIMIT_FSIZE (writes,
 * truncate and fallocate of regular files: kernel/fs/vfs.c's
 * vfs_write_limit and vfs_fsize_check), RLIMIT_CPU (rlimit_cpu_tick),
 * RLIMIT_SIGPENDING (kernel/sched/signal.c), RLIMIT_CORE (core dumps).
 * The others are kept and
 * reported only.
 */
#ifndef ALLOY_RLIMIT_H
#define ALLOY_RLIMIT_H

#include <alloy/types.h>
#include <uapi/misc.h>

struct process;
struct user_mm;

struct rlimit64 {
	u64 cur, max;
};

struct proc_res {
	struct rlimit64 rlim[RLIMIT_NLIMITS];
	u64 cutime, cstime;		/* ticks of reaped children (and theirs) */
	u64 last_utime, last_stime;	/* the last child wait4 reaped: its rusage */
	/* ru_maxrss, KiB [res_lock]: the peak of the address spaces it
	 * left (exec, exit); of reaped children's (and theirs), as Linux's
	 * signal->maxrss, cmaxrss; the last child wait4 reaped's */
	u64 maxrss, cmaxrss, last_maxrss;
	const void *membarrier_mm;	/* registered (PRIVATE_EXPEDITED) for this mm */
};

/* Linux's nr_open: no RLIMIT_NOFILE above it (fdtable.h's FD_MAX); root
 * may lower it (/proc/sys/fs/nr_open, at least NR_OPEN_MIN). */
#define NR_OPEN_MAX 4096
#define NR_OPEN_MIN 64
extern long sysctl_nr_open;

/* fork: p gets parent's limits (or init's defaults when parent is NULL). */
void rlimit_fork(struct process *p, struct process *parent);
/* The soft limit of the calling process (RLIM_INFINITY for a kernel thread). */
u64 rlimit(int resource);
/* prlimit64 on process p: old (if wanted) gets the limit, then new (if
 * given) is set; 0 or -EINVAL/-EPERM. */
int rlimit_exchange(struct process *p, int resource, const struct rlimit64 *new,
		    struct rlimit64 *old);
/* fork and clone: -EAGAIN when the caller's real uid already has
 * RLIMIT_NPROC processes (root is exempt). */
int rlimit_nproc_check(void);
/* Whether mm (the caller's, mm->lock held) may map len more bytes at
 * [addr, addr+len), pages already mapped there not counted twice; addr
 * 0 (never mappable): len more bytes anywhere. */
bool rlimit_as_allows(struct user_mm *mm, u64 addr, u64 len);
/* The stack VMA exec makes: RLIMIT_STACK, at least 128 KiB, at most
 * USER_STACK_MAX. */
u64 rlimit_exec_stack(void);
/* A parent reaped child z: z's CPU time (and its children's) is added to
 * the parent's children's, and kept for wait4's rusage. */
void rusage_reaped(struct process *parent, struct process *z);
/* getrusage for who (RUSAGE_*, or the child wait4 just reaped) into a
 * user struct rusage; 0, -EINVAL or -EFAULT. */
#define RUSAGE_LAST_REAPED (-100)
int rusage_fill(int who, void *uaddr);
/* p leaves mm (a thread's exit, exec): mm's peak resident size counts
 * in p's ru_maxrss from now on. */
void rusage_mm_done(struct process *p, struct user_mm *mm);
/* ru_maxrss in KiB: p's own (mm: the one it has now, or NULL), or its
 * reaped children's (last: the one wait4 reaped last). */
u64 rusage_maxrss(struct process *p, struct user_mm *mm);
u64 rusage_children_maxrss(struct process *p, bool last);
/* p's reaped children's ticks (last: only the last one wait4 reaped). */
void rusage_children(struct process *p, u64 *ut, u64 *st, bool last);

/* A timer tick charged CPU time to a thread of p: RLIMIT_CPU's SIGXCPU
 * and SIGKILL (interrupts off). */
void rlimit_cpu_tick(struct process *p);

#endif
