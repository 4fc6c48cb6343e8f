/*
 * ptrace(2) (kernel/sched/ptrace.c, docs/ptrace.md): a tracer process
 * stops, inspects and changes the threads it traces. Each traced thread
 * (task) names its tracer; the tracer lists its tracees. A tracee stops
 * in ptrace_stop() with its user registers in a trap frame the tracer
 * may read and write until it resumes it; the tracer's wait4/waitid
 * report the stops.
 *
 * Lock: ptrace_lock (rank LR_PTRACE, below proc_lock and sig_lock) guards
 * every [ptrace_lock] field below and each tracer's list. A tracer
 * request marks a stopped tracee busy under it; a SIGKILLed tracee does
 * not leave its stop while a request is under way.
 */
#ifndef ALLOY_PTRACE_H
#define ALLOY_PTRACE_H

#include <alloy/list.h>
#include <alloy/signal.h>
#include <alloy/types.h>

struct task;
struct process;
struct trap_frame;
struct wait_spec;

/* Linux's requests, options and events (<uapi/linux/ptrace.h>). */
#define PTRACE_TRACEME 0
#define PTRACE_PEEKTEXT 1
#define PTRACE_PEEKDATA 2
#define PTRACE_PEEKUSER 3
#define PTRACE_POKETEXT 4
#define PTRACE_POKEDATA 5
#define PTRACE_POKEUSER 6
#define PTRACE_CONT 7
#define PTRACE_KILL 8
#define PTRACE_SINGLESTEP 9
#define PTRACE_GETREGS 12
#define PTRACE_SETREGS 13
#define PTRACE_GETFPREGS 14
#define PTRACE_SETFPREGS 15
#define PTRACE_ATTACH 16
#define PTRACE_DETACH 17
#define PTRACE_SYSCALL 24
#define PTRACE_SETOPTIONS 0x4200
#define PTRACE_GETEVENTMSG 0x4201
#define PTRACE_GETSIGINFO 0x4202
#define PTRACE_SETSIGINFO 0x4203
#define PTRACE_GETREGSET 0x4204
#define PTRACE_SETREGSET 0x4205
#define PTRACE_SEIZE 0x4206
#define PTRACE_INTERRUPT 0x4207
#define PTRACE_LISTEN 0x4208

#define PTRACE_O_TRACESYSGOOD 0x01
#define PTRACE_O_TRACEFORK 0x02
#define PTRACE_O_TRACEVFORK 0x04
#define PTRACE_O_TRACECLONE 0x08
#define PTRACE_O_TRACEEXEC 0x10
#define PTRACE_O_TRACEVFORKDONE 0x20
#define PTRACE_O_TRACEEXIT 0x40
#define PTRACE_O_EXITKILL 0x100000
#define PTRACE_O_MASK 0x3000ff	/* seccomp's accepted, unused */

#define PTRACE_EVENT_FORK 1
#define PTRACE_EVENT_VFORK 2
#define PTRACE_EVENT_CLONE 3
#define PTRACE_EVENT_EXEC 4
#define PTRACE_EVENT_VFORK_DONE 5
#define PTRACE_EVENT_EXIT 6
#define PTRACE_EVENT_STOP 128

/* task_ptrace.flags: what the tracee does on its own, read without the lock */
#define PT_SYSCALL 1u		/* syscall-enter/exit stops */
#define PT_SEIZED 2u		/* PTRACE_SEIZE: event stops, no SIGSTOP */

struct task_ptrace {
	struct process *tracer;	/* [ptrace_lock] NULL: not traced */
	struct list_head link;	/* [ptrace_lock] in tracer->ptraced; holds a
				 * task reference */
	u32 options;		/* [ptrace_lock] PTRACE_O_* */
	u32 flags;		/* PT_*, written under ptrace_lock */
	int code;		/* [ptrace_lock] the stop: signal | event << 8 */
	int resume;		/* [ptrace_lock] signal given with the resume */
	int busy;		/* [ptrace_lock] tracer requests under way */
	bool stopped;		/* [ptrace_lock] in ptrace_stop, not resumed */
	bool report;		/* [ptrace_lock] the stop is yet to be waited for */
	bool dead;		/* [ptrace_lock] exited: its exit is reported */
	bool gone;		/* [ptrace_lock] past ptrace_task_exit: no attach */
	bool attach_stop;	/* [ptrace_lock] ATTACH's SIGSTOP not yet seen */
	bool stepping;		/* [ptrace_lock] SINGLESTEP set the trap flag */
	bool interrupt;		/* INTERRUPT: an event stop at the next chance */
	bool gstop_done;	/* [sig_lock] the current group stop is reported */
	int skip_sig;		/* the signal the tracer passed on: not again */
	int exit_status;	/* [ptrace_lock] with dead */
	struct process *dead_proc;	/* [ptrace_lock] with dead: its process, a
					 * reference (t->proc is gone) */
	u64 msg;		/* [ptrace_lock] GETEVENTMSG */
	struct ksiginfo si;	/* [ptrace_lock] GETSIGINFO */
	struct trap_frame *tf;	/* [ptrace_lock] its user registers while stopped */
	u8 *fpu_new;		/* [ptrace_lock] SETFPREGS, taken at resume */
	u64 dr[8];		/* debug registers: kept, not programmed */
};

long sys_ptrace(u64 req, u64 pid, u64 addr, u64 data, u64 a4, u64 a5);

/* Is t traced? (cheap, lockless) */
bool ptrace_traced(struct task *t);
struct cred;
/* Linux's __ptrace_may_access with real credentials, for ptrace attach,
 * process_vm_* and pidfd_getfd: the target's three uids and gids are the
 * caller's real ones and the target is dumpable, or the caller is root
 * with CAP_SYS_PTRACE. The caller holds p->sig_lock, where exec and the
 * set*id calls change what this reads. */
bool ptrace_may_access_locked(struct process *p, const struct cred *c);
/* May the current process look into p (its /proc links, kcmp)? Itself
 * always, else ptrace_may_access_locked with its credentials (Linux's
 * PTRACE_MODE_READ). Takes p->sig_lock. */
bool ptrace_may_read(struct process *p);
/* The caller is root with CAP_SYS_PTRACE. */
bool ptrace_capable(void);

/* signal_deliver: current is to take sig (not SIGKILL): the tracer sees
 * it first. Returns with the signal the tracer passed on requeued (0: it
 * was suppressed); the caller looks at its signals again. */
void ptrace_signal(struct trap_frame *tf, int sig, struct ksiginfo *si);
/* Should this dequeued signal go to the tracer? Clears a skip mark. */
bool ptrace_wants_signal(int sig);
/* current is traced and its group stopped: report the group stop. */
void ptrace_group_stop(struct trap_frame *tf, int sig);
/* PTRACE_INTERRUPT was asked of current: the event stop. */
void ptrace_interrupt_stop(struct trap_frame *tf);

/* The syscall stops (arch dispatch, only when PT_SYSCALL is set).
 * enter: true if current was killed meanwhile (skip the syscall). */
bool ptrace_syscall_enter(struct trap_frame *tf);
void ptrace_syscall_exit(struct trap_frame *tf);
static inline bool ptrace_syscall_traced(const struct task_ptrace *pt)
{
	return __atomic_load_n(&pt->flags, __ATOMIC_RELAXED) & PT_SYSCALL;
}

/* fork, vfork and clone: child (listed, not yet started) is attached to
 * current's tracer if current's options ask for this kind of child; the
 * event to report after it starts (0: none). */
int ptrace_clone_child(struct task *child, u64 clone_flags, bool thread);
void ptrace_event(int event, u64 msg);
/* execve succeeded (old_tid: the caller's tid before it). */
void ptrace_exec(int old_tid);
/* Set-ID bits are not honoured for a traced exec. */
bool ptrace_exec_unprivileged(void);
struct cred;
/* exec's commit of its IDs (cred_commit) under ptrace_lock, atomic with
 * attach: c, or `unprivileged` (the IDs without set-ID) if a tracer
 * attached after ptrace_exec_unprivileged said no. */
void ptrace_exec_commit(const struct cred *c, const struct cred *unprivileged,
			bool unreadable);
/* The calling thread is about to exit: PTRACE_EVENT_EXIT. */
void ptrace_exit_event(int wait_status);
/* t leaves its process with status: its tracer is told, it is unlinked. */
void ptrace_task_exit(struct task *t, int status);
/* The tracer p is gone: each tracee is detached (or killed: EXITKILL). */
void ptrace_tracer_exit(struct process *p);
/* wait4/waitid in a tracer: a traced thread's stop or exit for ws.
 * > 0: its tid (*pid, *uid, *status, *stop filled), 0: a matching tracee
 * exists but has nothing to report, -ECHILD: none matches. */
int ptrace_wait(struct process *me, const struct wait_spec *ws, int *uid, int *status,
		bool *stop);
/* /proc/<pid>/status: the tracer's pid of thread tid, 0 if none. */
int ptrace_tracer_pid(int tid);

/* The architecture's half (kernel/arch/x86_64/ptrace.c): t is stopped
 * with its user registers in tf. Offsets and layouts are Linux's. */
int arch_ptrace_peekuser(struct task *t, struct trap_frame *tf, u64 off, u64 *val);
int arch_ptrace_pokeuser(struct task *t, struct trap_frame *tf, u64 off, u64 val);
/* user_regs_struct at a user address of the caller */
int arch_ptrace_getregs(struct task *t, const struct trap_frame *tf, u64 uaddr, u64 len);
int arch_ptrace_setregs(struct task *t, struct trap_frame *tf, u64 uaddr, u64 len);
#define ARCH_PTRACE_REGS_SIZE 216
/* The user registers of t (tf: its user frame) as Linux's
 * user_regs_struct, ARCH_PTRACE_REGS_SIZE bytes: core dumps' NT_PRSTATUS. */
struct trap_frame;
void arch_core_regs(struct task *t, const struct trap_frame *tf, u64 *regs);
/* The FPU image's checks (MXCSR's reserved bits), before it is loaded. */
void arch_ptrace_fpu_sanitize(void *area);
/* Single-step: the trap flag on (or off, if ptrace set it). */
void arch_ptrace_step(struct trap_frame *tf, bool on);
/* A syscall-entry stop's frame: the result reads -ENOSYS until run. */
void arch_ptrace_syscall_frame(struct trap_frame *tf);

#endif
