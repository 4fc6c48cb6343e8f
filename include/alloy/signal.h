/*
 * Signals (kernel/sched/signal.c): Linux numbers (<uapi/signal.h>), per-process handlers,
 * per-task pending and blocked masks, delivery on the way back to user
 * mode. A sleeping syscall that sees signal_pending() returns -EINTR (or
 * -ERESTARTSYS, which becomes a restart when the handler has SA_RESTART).
 */
#ifndef ALLOY_SIGNAL_H
#define ALLOY_SIGNAL_H

#include <alloy/types.h>

#include <uapi/signal.h>

static inline u64 sigmask(int sig) { return 1ULL << (sig - 1); }

struct ksiginfo {
	int signo, code;
	int pid;		/* sender, or the child for SIGCHLD */
	u32 uid;		/* the sender's (child's) real user ID */
	int status;		/* SIGCHLD: exit code or signal */
	int timerid, overrun;	/* SI_TIMER: the POSIX timer, expiries missed */
	u32 timer_gen;		/* SI_TIMER: the arming it is from (kernel only) */
	u64 value;		/* SI_TIMER: its sigev_value */
	bool sigpoll;		/* an F_SETSIG signal: code is POLL_*, band and fd set */
	bool claimed;		/* rt_sigqueueinfo's: pid is the sender's claim, kept
				 * as it is (not a global number to translate) */
	bool forced;		/* signal_force's: the process's own fault */
	u8 pkey;		/* SEGV_PKUERR: the protection key of the page */
	int err;		/* si_errno: a seccomp trap's SECCOMP_RET_DATA */
	/* A fault's and a SIGPOLL's details never come together. Each
	 * pending instance is an allocation of its own (signal.c): keep it
	 * at 72 bytes. */
	union {
		struct {
			u64 addr;		/* faults */
			u64 ip;			/* faults: where, for the console line */
			const char *what;	/* faults: what happened */
		};
		struct {
			long band;		/* sigpoll: the POLL* events (si_band) */
			int fd;			/* sigpoll: the descriptor (si_fd) */
		};
		struct {			/* SIGSYS, SYS_SECCOMP: a filter's trap */
			u64 call_addr;		/* after the syscall instruction */
			int syscall;
			u32 arch;		/* AUDIT_ARCH_* */
		};
	};
};
_Static_assert(sizeof(struct ksiginfo) == 72, "struct ksiginfo grew: see the comment");

struct task;
struct process;
struct trap_frame;

/* True if current has an unblocked pending signal (cheap, lockless). */
bool signal_pending(void);
/* True if current is being killed (SIGKILL pending): long kernel loops
 * stop early, as nobody will look at their result. */
bool fatal_signal_pending(void);
/* Queues a process-directed signal for p: any of its threads that does
 * not block it takes it (thread-directed ones: <alloy/thread.h>). */
int signal_send(struct process *p, const struct ksiginfo *info);
/* The same without kill(2)'s permission check, for signals the target
 * asked for (PR_SET_PDEATHSIG) whatever its credentials became. */
int signal_send_unchecked(struct process *p, const struct ksiginfo *info);
/* Caller holds p->sig_lock: queues info for thread t, or p's shared
 * set if t is NULL, as signal_send does (no permission check, t must be
 * listed). 1 if queued, 0 if dropped (ignored, or SIGKILL's group kill),
 * -EAGAIN if refused (RLIMIT_SIGPENDING; for a timer's, no memory for
 * its siginfo); *resume: call proc_continued(p) after unlocking (SIGCONT). */
int signal_queue_locked(struct process *p, struct task *t, const struct ksiginfo *info,
			bool *resume);
/* Caller holds p->sig_lock: frees the siginfo of every instance of
 * mask's numbers queued for t, or p if t is NULL (the pending bits are
 * the caller's to clear). */
void signal_flush_queued_locked(struct process *p, struct task *t, u64 mask);
/* Caller holds p->sig_lock: mask's signals are no longer pending for t
 * (p if t is NULL), their siginfo freed. */
void signal_clear_locked(struct process *p, struct task *t, u64 mask);
/* Caller holds p->sig_lock: the siginfo of sig's oldest instance pending
 * for t (p if t is NULL); NULL if none is queued (posix_timer.c). */
struct ksiginfo *signal_info_locked(struct process *p, struct task *t, int sig);
/* Caller holds p->sig_lock: makes si pending for t (listed, no checks),
 * in place of the siginfo of an instance of its number pending there
 * (ptrace's SIGSTOP, faults). */
void signal_set_locked(struct process *p, struct task *t, const struct ksiginfo *si);
/* Caller holds p->sig_lock: makes si pending for t (listed, no checks)
 * ahead of any instance of its number already pending there (a signal
 * a tracer passes on was taken first); a standard one merges. */
void signal_requeue_locked(struct process *p, struct task *t, const struct ksiginfo *si);
/* Caller holds p->sig_lock: siginfo entries queued for p and its
 * threads (RLIMIT_SIGPENDING, SigQ; Linux counts its sigqueues). */
u32 signal_count_locked(struct process *p);
/* Takes one pending signal of mask for current (its thread's first, then
 * its process's) without running a handler: its number, or 0 if none. */
int signal_dequeue(u64 mask, struct ksiginfo *out);
/* Writes a Linux siginfo_t for si at a user address (arch code). */
int arch_copy_siginfo(u64 uaddr, const struct ksiginfo *si);
/* Queues sig for current, unblocking it and forcing the default action
 * if it is ignored or blocked (faults: SIGSEGV, SIGILL...). */
void signal_force(const struct ksiginfo *info);
/* On the way back to user mode (interrupts on): delivers pending
 * signals, finishes syscall restarts. */
void signal_deliver(struct trap_frame *tf);

#endif
