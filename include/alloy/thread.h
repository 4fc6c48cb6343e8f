/*
 * Threads of a process (kernel/sched/thread.c): a process is a thread
 * group (<alloy/process.h>); each thread is a task with a Linux tid from
 * the pid space, its own signal mask and thread-directed signals, and the
 * group's address space.
 *
 * Lifetimes: a thread holds a reference on its process and one user of
 * the shared address space until it exits; the process lists its live
 * threads (under sig_lock) without holding references on them, so a walk
 * that uses a thread after dropping sig_lock takes task_get first. The
 * last thread to go ends the process (proc_exit).
 */
#ifndef ALLOY_THREAD_H
#define ALLOY_THREAD_H

#include <alloy/compiler.h>
#include <alloy/types.h>

struct process;
struct task;
struct trap_frame;
struct ksiginfo;

/* clone() with CLONE_THREAD: a new thread of the caller's process that
 * returns 0 on stack sp (0: the caller's). The tid, or -errno. */
long thread_clone(const struct trap_frame *tf, u64 flags, u64 sp, u64 parent_tid,
		  u64 child_tid, u64 tls);
/* A clone child's start (kernel/sched/user.c), for fork and threads: the
 * caller's registers with clone returning 0 on stack sp (0: the caller's),
 * CLONE_SETTLS's tls, CLONE_CHILD_SETTID's child_tid, the caller's FPU
 * state, and mm, whose user reference it takes (put even on failure:
 * NULL). clone_child(cs) is the new task's function; a task that never
 * ran gives cs back with clone_start_free. */
struct clone_start;
struct user_mm;
struct clone_start *clone_start_new(const struct trap_frame *tf, u64 flags, u64 sp,
				    u64 child_tid, u64 tls, struct user_mm *mm);
void clone_start_free(struct clone_start *cs);
/* Just before t first starts: its fs_base, FPU state and mm (cs's
 * reference) become the task's, which the switch to it loads. */
void clone_start_hand_over(struct task *t, struct clone_start *cs);
void clone_child(void *cs);
/* exit_group() and fatal signals: every thread goes, the process's wait
 * status is wait_status (the first group exit's, if several race). */
__noreturn void user_exit_group(int wait_status);
/* Asks every other thread to go (a SIGKILL each); the group exit is
 * recorded with wait_status unless one already is. */
void thread_group_kill(struct process *p, int wait_status);
/* execve: the other threads go and the caller takes over the process's
 * pid as its tid. 0, or -EINTR when the caller was killed meanwhile. */
int thread_group_exec(void);
/* A fatal signal that dumps core: current ends the group with
 * wait_status, the other threads are killed and gone when this returns
 * true; false if the group is already ending (nothing to dump). */
bool thread_group_core_begin(int wait_status);
/* While the thread's address space is still its own (exit, execve):
 * the robust futex list, then CLONE_CHILD_CLEARTID's store and wake. */
void thread_mm_release(struct task *t, bool exec);

/* The tid table (kernel/sched/process.c, under proc_lock). */
/* Lists t as a thread of p with a fresh tid (first: p's pid); -EINTR if
 * p is exiting or execing, -EAGAIN without tids. */
int proc_thread_attach(struct process *p, struct task *t, bool first);
/* t goes: true if it was p's last thread (*status becomes the group's
 * wait status). */
bool proc_thread_detach(struct process *p, struct task *t, int *status);
/* execve's de-thread: t, now alone, takes p's pid as its tid. */
void proc_thread_take_pid(struct process *p, struct task *t);
/* The thread with this tid, with a reference on it and on its process
 * (*p); NULL if none. tid: the caller's PID namespace's number (a
 * program's); _global: the kernel's own. */
struct task *proc_find_thread(int tid, struct process **p);
struct task *proc_find_thread_global(int tid, struct process **p);
/* The same, or for a zombie process (not yet reaped) the thread that
 * ended it, whose scheduling values a getter still reports (Linux). */
struct task *proc_find_thread_or_zombie(int tid, struct process **p);
/* Is p its PID namespace's init (1 there)? Its children's namespace
 * differs (unshare, setns)? */
bool proc_is_ns_init(struct process *p);

/* Caller holds t's process's sig_lock: SIGKILL for t alone, which wakes
 * or interrupts it. */
void signal_kill_thread_locked(struct task *t);
/* Thread-directed signal (tgkill, tkill). */
int signal_send_thread(struct task *t, const struct ksiginfo *info);
/* fork and clone: t gets parent's per-thread prctl state (timer slack,
 * I/O priority, seccomp strict mode, the TSC switch). */
void user_task_inherit(struct task *t, const struct task *parent);

/* For /proc/<pid>/task (kernel/sched/process.c, under proc_lock and
 * sig_lock, nothing kept): up to max tids >= from of p's live threads
 * (and of its leader that exited while others live), the smallest,
 * ascending, into out; how many. */
int proc_thread_tids(struct process *p, int from, int *out, int max);
/* What /proc shows of one thread of p beside its process's snapshot. */
struct thread_snapshot {
	int tid;
	char state;			/* R, S, T or Z */
	u64 utime_ticks, stime_ticks;	/* its own */
	u64 pending, blocked;		/* its thread-directed signals, its mask */
	int cpu;			/* where it last ran */
	int policy, rt_priority, nice;	/* its scheduling (sched_setattr's) */
};
/* -ESRCH unless tid is a live thread of p, or its leader that has
 * exited before the others (then a zombie thread, as on Linux). */
int proc_thread_snapshot(struct process *p, int tid, struct thread_snapshot *out);

#endif
