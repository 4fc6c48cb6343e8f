/*
 * Processes (kernel/sched/process.c, fork.c, signal.c): what a Linux
 * process owns beyond its one thread — pid, parent and children, process
 * group and session, address space, files, cwd and signal handlers.
 *
 * Locks: proc_lock (one, like Linux's tasklist_lock) guards the tree,
 * pids, groups and zombie state; p->sig_lock a process's handlers and
 * its thread's pending/blocked masks. A process is freed when its last
 * reference goes: the thread holds one, the parent's child list one.
 */
#ifndef ALLOY_PROCESS_H
#define ALLOY_PROCESS_H

#include <alloy/atomic.h>
#include <alloy/list.h>
#include <alloy/rlimit.h>
#include <alloy/signal.h>
#include <alloy/spinlock.h>
#include <alloy/vfs.h>
#include <alloy/wait.h>

#define PID_MAX 32768

struct fdtable;
struct user_mm;
struct task;

struct k_sigaction {
	u64 handler;		/* SIG_DFL, SIG_IGN or a user address */
	u64 flags;
	u64 restorer;
	u64 mask;
};

struct process {
	atomic_t refcount;
	int pid, pgid, sid;		/* [proc_lock] pgid, sid: pgrp's */
	struct pgroup *pgrp;		/* [proc_lock] kernel/sched/pgroup.c */
	struct list_head pgrp_link;	/* [proc_lock] in pgrp's members */
	struct process *parent;		/* [proc_lock] NULL: started by the kernel */
	struct list_head children;	/* [proc_lock] */
	struct list_head sibling;	/* [proc_lock] in parent->children */
	struct task *task;		/* the thread; a reference */
	bool zombie;			/* [proc_lock] exited, not yet reaped */
	bool stopped;			/* job control: stopped by a signal */
	int stop_sig;
	bool stop_report, cont_report;	/* [proc_lock] for wait4 WUNTRACED/WCONTINUED */
	bool exec_done;			/* [proc_lock] vfork: parent may go on */
	bool execed;			/* [proc_lock] ran execve: setpgid by the parent is EACCES */
	int exit_status;		/* [proc_lock] wait status */
	struct wait_queue child_wq;	/* wait4 and vfork sleep here */
	struct fdtable *files;		/* [cwd_lock] to read another's; NULL after exit */
	struct path cwd;		/* [cwd_lock] */
	struct path exe;		/* [cwd_lock] the program execve ran (dentry NULL: none) */
	spinlock_t cwd_lock;
	u64 start_ns;			/* ktime_ns() at fork */
	u32 umask;
	u32 uid[3], gid[3];		/* real, effective, saved; not enforced yet */
	spinlock_t sig_lock;
	struct k_sigaction sa[NSIG];	/* [sig_lock] */
	u64 pending, blocked;		/* [sig_lock] the thread's signals */
	u64 saved_blocked;		/* [sig_lock] sigsuspend's mask to restore */
	bool restore_blocked;		/* [sig_lock] */
	struct ksiginfo info[NSIG];	/* [sig_lock] for each pending signal */
	u64 altstack_sp, altstack_size;
	u32 altstack_flags;
	char comm[16];
	struct proc_res res;		/* limits, children's times: <alloy/rlimit.h> */
};

struct process *current_proc(void);
void proc_get(struct process *p);
void proc_put(struct process *p);
/* The process with this pid, with a reference; NULL if none. */
struct process *proc_find(int pid);

/* A new process with no thread yet; parent NULL for init or a kernel
 * spawn. Copies files/cwd/handlers from parent when given. */
struct process *proc_create(struct process *parent);
/* The thread exits: files closed, parent told, zombie until reaped. */
void proc_exit(struct process *p, int wait_status);
/* Undoes proc_create for a process that never ran. */
void proc_abort(struct process *p);
/* wait4 semantics; status and pid of the reaped child. */
long proc_wait(int pid, int *status, int options);
/* Marks p as having exec'd or exited for a vfork parent. */
void proc_vfork_release(struct process *p);

/* Path lookups relative to the process's cwd (reference taken). */
void proc_cwd(struct path *out);
void proc_set_cwd(const struct path *p);
/* execve: p now runs the program at exe (reference taken). */
void proc_set_exe(struct process *p, const struct path *exe);

/* For /proc: another process's cwd or exe (-ENOENT once gone or never
 * set), or its fd table (NULL after exit), each with a reference. */
int proc_path_of(struct process *p, bool exe, struct path *out);
struct fdtable *proc_files(struct process *p);
/* Up to max pids >= from, ascending, into out; returns how many. */
int proc_pids(int from, int *out, int max);
/* For walks that sleep on each process (the OOM killer): up to max live
 * processes with pid >= *from, each with a reference; *from moves past
 * them. 0: no more. */
int proc_get_batch(int *from, struct process **out, int max);

/* What /proc shows of a process, read as one under the tree's lock. */
struct proc_snapshot {
	int pid, ppid, pgid, sid;
	char state;			/* R, S, T or Z */
	u32 uid, gid;
	u64 start_ns, utime_ticks, stime_ticks;
	char comm[16];
};
int proc_snapshot(struct process *p, struct proc_snapshot *out);
struct proc_counts {
	int total;			/* processes that exist, zombies too */
	int running;			/* runnable or running */
	int blocked;			/* sleeping */
	int last_pid;			/* the newest */
	u64 forks;			/* processes created since boot */
};
void proc_counts(struct proc_counts *out);

/* Signals to a pid (>0), a group (<-1: -pgid, 0: caller's group) or all (-1). */
int proc_kill(int pid, int sig, int code);
int proc_setpgid(int pid, int pgid);
/* p's group has no member whose parent is in another group of its
 * session: the terminal's stop signals are discarded there (POSIX). */
bool proc_pgrp_orphaned(struct process *p);
int proc_setsid(void);
int proc_getpgid(int pid, bool sid);
int proc_getppid(void);
void proc_vfork_wait(struct process *child);
/* Job control. The signal code records a stop (p->stopped) and its end
 * under p->sig_lock; then current waits in proc_stop until SIGCONT (or
 * SIGKILL), and SIGCONT's sender calls proc_continued to wake it. Both
 * tell the parent. */
void proc_stop(int sig);
void proc_continued(struct process *p);

struct trap_frame;
/* fork/vfork/clone: a copy of the caller returning 0 in the child. */
long user_fork(const struct trap_frame *tf, u64 new_sp, u64 child_tid, bool vfork);

#endif
