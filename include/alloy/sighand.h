/*
 * A table of signal handlers (kernel/sched/sighand.c), Linux's
 * sighand_struct: what sigaction sets, per signal.
 *
 * Owner and lifetime: every process holds one reference (p->sighand);
 * processes cloned with CLONE_SIGHAND (which needs CLONE_VM) hold the
 * same table, each with its reference, and their threads use their
 * process's. A process drops its reference when it is freed (proc_put),
 * not at exit, so a signal sent to a zombie still finds a table; execve
 * gives a process whose table is shared a copy first (sighand_unshare)
 * and then resets that copy's handlers.
 *
 * Locks: p->sighand (the pointer) changes only under p->sig_lock, so
 * whoever holds that lock may use p's table. The entries are guarded by
 * the table's own lock ("sighand"), taken under the sig_lock of any
 * process that shares the table: a whole k_sigaction is read or written
 * under it; the handler word alone may be read with READ_ONCE by a holder
 * of sig_lock or by the process itself. Nothing is taken under it.
 */
#ifndef ALLOY_SIGHAND_H
#define ALLOY_SIGHAND_H

#include <alloy/atomic.h>
#include <alloy/signal.h>
#include <alloy/spinlock.h>

struct process;

struct k_sigaction {
	u64 handler;		/* SIG_DFL, SIG_IGN or a user address */
	u64 flags;
	u64 restorer;
	u64 mask;
};

struct sighand {
	atomic_t refcount;
	spinlock_t lock;
	struct k_sigaction sa[NSIG];	/* [lock] */
};

/* A new table: a copy of from's entries, or all SIG_DFL when from is
 * NULL. NULL if out of memory. */
struct sighand *sighand_new(struct sighand *from);
void sighand_get(struct sighand *sh);
void sighand_put(struct sighand *sh);	/* NULL is fine */
/* p's action for sig; the caller holds p->sig_lock. */
struct k_sigaction sighand_action_locked(struct process *p, int sig);
/* The same, taking p->sig_lock itself (callable under proc_lock). */
struct k_sigaction sighand_action(struct process *p, int sig);
/* sigaction: p's entry for sig becomes *act (if act), its old value in
 * *old (if old); the caller holds p->sig_lock. */
void sighand_set_locked(struct process *p, int sig, const struct k_sigaction *act,
			struct k_sigaction *old);
/* execve, before its point of no return: if p's table is shared with
 * another process, p gets a copy of its own (-ENOMEM if none can be
 * made). p is the caller's process, its only thread left. */
int sighand_unshare(struct process *p);
/* execve's commit: every handler of p's (own) table that is not SIG_IGN
 * becomes SIG_DFL, all flags and masks are cleared; the caller holds
 * p->sig_lock. */
void sighand_exec_reset_locked(struct process *p);

#endif
