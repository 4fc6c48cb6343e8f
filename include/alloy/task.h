/*
 * struct task: a kernel thread (later also the kernel side of a user
 * thread). Fields marked [lock] are protected by task->lock; the scheduler
 * owns the rest. See kernel/sched/sched.c for the state machine.
 */
#ifndef ALLOY_TASK_H
#define ALLOY_TASK_H

#include <alloy/arch.h>
#include <alloy/atomic.h>
#include <alloy/list.h>
#include <alloy/ptrace.h>
#include <alloy/signal.h>
#include <alloy/spinlock.h>
#include <alloy/timer.h>
#include <alloy/wait.h>

#define TASK_RUNNING 0		/* runnable or running */
#define TASK_BLOCKED 1		/* waiting for a wakeup */
#define TASK_DEAD 2		/* exited; freed when the last ref goes */

#define TASK_NAME_LEN 16
#define MUTEX_DEPTH 8

struct mutex;
struct lock_dep;
struct process;

struct task {
	struct arch_context ctx;
	int tid;
	char name[TASK_NAME_LEN];
	atomic_t refcount;
	spinlock_t lock;
	int state;			/* [lock] */
	/* Its own to write, read racily by /proc: the sleep it is in (or
	 * about to be in) waits for a lock or disk I/O, not for an event a
	 * signal could cut short: shown as 'D', as Linux shows such sleeps. */
	bool d_sleep;
	bool exiting;			/* in user_exit, past its ptrace stop [sig_lock] */
	bool on_rq;			/* [lock] queued or running */
	int on_cpu;			/* context in use; cleared after switch */
	int cpu;			/* CPU it runs or last ran on */
	int pinned;			/* CPU_ANY or the only CPU it may use */
	u64 cpus_allowed;		/* [lock] affinity (bit per CPU); 0: all */
	/* Scheduling (kernel/sched/sched.c): [lock], a fork inherits them */
	int nice, policy, rt_priority;	/* as the sched_* calls set them */
	int prio;			/* 100 deadline, 1..99 real-time (FIFO, RR), 0 fair */
	u32 weight;			/* fair: CPU share, from nice (SCHED_IDLE: 3) */
	bool reset_on_fork;		/* SCHED_RESET_ON_FORK */
	int rq_prio;			/* [rq lock] prio it was queued with */
	u64 vruntime;			/* fair: run time (ns) times 1024 / weight */
	u64 exec_start;			/* ktime its run time was last charged at */
	/* SCHED_DEADLINE (kernel/sched/sched.c). The parameters (ns) and
	 * dl_bw_held are [lock]. dl_left is charged by the CPU running the
	 * task; dl_left and dl_abs are otherwise changed under [lock] while
	 * it is off every CPU (a wakeup, the replenishment timer), or by
	 * sched_set_deadline, which starts a new instance. */
	u64 dl_runtime, dl_deadline, dl_period;	/* dl_period: never 0 once set */
	u64 dl_bw;			/* runtime/period, counted in the root domain's
					 * total while dl_bw_held */
	u32 dl_flags;			/* SCHED_FLAG_RECLAIM, _DL_OVERRUN as set */
	bool dl_bw_held;
	bool dl_throttled;		/* [lock] out of runtime: on no queue until dl_timer */
	bool dl_overrun;		/* the tick saw it run out: SIGXCPU (DL_OVERRUN) */
	s64 dl_left;			/* runtime left in this instance */
	u64 dl_abs;			/* this instance's absolute deadline (ktime) */
	/* Replenishment at the next period while throttled; armed only with
	 * a task reference, which the callback (or a successful cancel) puts. */
	struct ktimer dl_timer;
	struct list_head rq_link;	/* [rq lock] */
	void *kstack_top;		/* NULL for the boot CPU's idle task */
	void (*fn)(void *);
	void *arg;
	struct wait_queue exit_wq;
	bool exited;			/* [exit_wq.lock] off its CPU for good */
	int slice;			/* ticks left in this time slice (RR: kept across preemption) */
	u64 utime_ticks, stime_ticks;	/* timer ticks it was caught in user/kernel mode */
	u64 cpus_seen;			/* bit per CPU it has run on */
	struct user_mm *mm;		/* NULL for kernel threads */
	struct process *proc;		/* user tasks: a reference */
	struct key *key_thread;		/* [keys_lock] its thread keyring, counted (<alloy/keys.h>) */
	/* A thread cloned without CLONE_FILES or CLONE_FS has a table or fs
	 * state of its own (a reference, put when it exits; threads cloned
	 * from it with the flag share it): NULL means its process's. Read
	 * and changed by the thread itself only (cur_files, proc_cwd...). */
	struct fdtable *files;
	struct fs_state *fs;
	u64 fs_base;			/* user TLS (arch_prctl) */
	int exit_status;		/* wait status once a user task exited */
	u64 robust_list;		/* set_robust_list head (user address) */
	/* A user thread (kernel/sched/thread.c). Its signal state is
	 * [proc->sig_lock]; the thread itself reads its own masks without. */
	int user_tid;			/* Linux's thread id, from the pid space: the
					 * global number (<alloy/pid.h>) */
	int vtid;			/* the same in its process's PID namespace
					 * (gettid), fixed once attached */
	struct list_head thread_link;	/* [proc->sig_lock] in proc->threads */
	u64 clear_child_tid;		/* zeroed and woken at exit (user address) */
	u64 pending, blocked;		/* thread-directed signals; the mask */
	u64 saved_blocked;		/* sigsuspend's mask to restore */
	u64 sigwait;			/* rt_sigtimedwait's set while it waits */
	bool restore_blocked;
	u64 forced;			/* [proc->sig_lock] pending faults (signal_force) */
	struct list_head sigq;		/* [proc->sig_lock] the siginfo of each pending
					 * instance, oldest first (signal.c) */
	u64 altstack_sp, altstack_size;
	/* prctl and friends (kernel/syscall/sys_prctl.c); the thread's own,
	 * a fork or clone copies them (user_task_inherit) */
	u64 timer_slack_ns, default_slack_ns;	/* PR_SET_TIMERSLACK; 0: 50 us */
	u16 ioprio;			/* ioprio_set's; 0: none set (no I/O scheduler) */
	u8 seccomp_mode;		/* SECCOMP_MODE_*: written by the thread itself, or
					 * by a sibling's TSYNC under proc->sig_lock, after
					 * seccomp_filter (release; the entry acquires) */
	struct seccomp_filter *seccomp_filter;	/* a reference: its newest filter,
					 * which holds the older ones (seccomp.c) */
	struct io_perm *io_perm;	/* ioperm/iopl (the arch's); NULL: no ports */
	bool tsc_sigsegv;		/* PR_TSC_SIGSEGV: rdtsc faults (CR4.TSD while it runs) */
	int mutex_depth;		/* lockdep: sleeping locks held */
	int pagefault_disabled;		/* uaccess faults go straight to the fixup */
	u8 fpu[ARCH_FPU_SIZE] __aligned(16);	/* user tasks' FPU/SSE state */
	struct lock_dep *mutex_held[MUTEX_DEPTH];	/* mutexes and rwsems */
	struct task_ptrace ptrace;	/* <alloy/ptrace.h> */
};

void set_current_state_blocked(void);
void set_current_state_running(void);
/* t's state letter for /proc: R, S or D (not T or Z: the process's). */
char task_state_char(struct task *t);
void tid_set_next_for_test(int tid);
int tid_max(void);

#endif
