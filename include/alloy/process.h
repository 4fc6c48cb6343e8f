/*
 * Processes (kernel/sched/process.c, thread.c, signal.c): a Linux thread
 * group. What its threads share — pid, parent and children, process
 * group and session, files and cwd (unless a thread has its own:
 * task->files, task->fs), signal handlers and process-directed signals; each thread (struct task) has its own tid, signal mask and
 * thread-directed signals, and all threads share one address space.
 *
 * Locks: proc_lock (one, like Linux's tasklist_lock) guards the tree,
 * pids and tids, groups and zombie state; p->sig_lock (taken after it) a
 * process's handler-table pointer, its thread list and every signal set,
 * its own and its threads'. The fs state (cwd, root, umask) and the
 * handler table are objects of their own, shared by CLONE_FS and
 * CLONE_SIGHAND (<alloy/fs_state.h>, <alloy/sighand.h>). A process is freed when its last reference goes: each
 * thread holds one, the parent's child list one.
 */
#ifndef ALLOY_PROCESS_H
#define ALLOY_PROCESS_H

#include <alloy/atomic.h>
#include <alloy/cred.h>
#include <alloy/list.h>
#include <alloy/rlimit.h>
#include <alloy/sighand.h>
#include <alloy/signal.h>
#include <alloy/spinlock.h>
#include <alloy/vfs.h>
#include <alloy/wait.h>

#define PID_MAX 32768

struct fdtable;
struct fs_state;
struct landlock_domain;
struct retired_files;
struct sem_undo_list;
struct user_mm;
struct task;

struct process {
	atomic_t refcount;
	int pid, pgid, sid;		/* [proc_lock] pgid, sid: pgrp's. Global numbers
					 * (the initial PID namespace's, <alloy/pid.h>) */
	struct pid_ns *pid_ns;		/* its PID namespace, counted: fixed at fork */
	int vpid;			/* its pid there (getpid): fixed at fork */
	int exit_signal;		/* [proc_lock] what its parent hears when it ends
					 * (clone's; SIGCHLD once reparented); not
					 * SIGCHLD: a "clone" child for wait (__WCLONE) */
	struct pgroup *pgrp;		/* [proc_lock] kernel/sched/pgroup.c */
	struct list_head pgrp_link;	/* [proc_lock] in pgrp's members */
	struct process *parent;		/* [proc_lock] NULL: started by the kernel */
	struct list_head children;	/* [proc_lock] */
	struct list_head sibling;	/* [proc_lock] in parent->children */
	struct list_head threads;	/* [sig_lock] live threads (task->thread_link) */
	int nr_threads;			/* [sig_lock] how many */
	bool group_exit;		/* [sig_lock] exit_group or a fatal signal: all go */
	int group_exit_status;		/* [sig_lock] the wait status then */
	/* a core dump under way: the dumping thread, and what the others
	 * left as they were ended (their registers, for NT_PRSTATUS); set
	 * by thread_group_core_begin, freed by the dumper (coredump_done) */
	struct task *core_task;		/* [sig_lock] */
	struct core_thread *core_threads; /* [sig_lock] */
	int leader_exit_status;		/* [sig_lock] the leader's own exit, else */
	struct task *exec_task;		/* [sig_lock] execve waits for the others to go */
	struct wait_queue thread_wq;	/* ... here, woken as each thread leaves */
	struct task *task;		/* the thread that ended the group, a
					 * reference: the reaper joins it */
	u64 dead_utime, dead_stime;	/* [sig_lock] ticks of threads that ended */
	bool started;			/* [proc_lock] has had a thread */
	bool zombie;			/* [proc_lock] exited, not yet reaped */
	bool stopped;			/* job control: stopped by a signal */
	int stop_sig;
	bool stop_report, cont_report;	/* [proc_lock] for wait4 WUNTRACED/WCONTINUED */
	bool exec_done;			/* [proc_lock] vfork: parent may go on */
	bool execed;			/* [proc_lock] ran execve: setpgid by the parent is EACCES */
	int exit_status;		/* [proc_lock] wait status */
	struct wait_queue child_wq;	/* wait4 sleeps here */
	struct wait_queue vfork_wq;	/* its vfork caller waits here for exec_done */
	struct wait_queue signalfd_wq;	/* signalfd readers and pollers: a signal came */
	struct wait_queue pidfd_wq;	/* pidfd pollers: it exited, or was reaped */
	/* its pidfds' inode (one st_ino per process, Linux 6.9's pidfs),
	 * made at the first pidfd, set once; put with the process */
	struct inode *pidfs_inode;
	struct fdtable *files;		/* [cwd_lock] to read another's; NULL after exit */
	struct retired_files *files_retired; /* [cwd_lock] tables unshared while other
					 * threads ran: put at exit (process.c) */
	struct fs_state *fs;		/* [cwd_lock] cwd, root, umask (<alloy/fs_state.h>),
					 * shared by CLONE_FS: others read it under
					 * cwd_lock; the process itself without (only it
					 * changes it, single-threaded); NULL after exit.
					 * Its root's dentry NULL: the mount namespace's */
	struct mnt_ns *mnt_ns;		/* [cwd_lock] its mount namespace, counted;
					 * NULL once exited (include/alloy/mnt_ns.h) */
	struct path exe;		/* [cwd_lock] the program execve ran (dentry NULL: none) */
	bool exe_denied;		/* [cwd_lock] exe's file is not writable while we hold it */
	spinlock_t cwd_lock;
	struct nsproxy *nsp;		/* [cwd_lock] its namespaces (<alloy/ns.h>),
					 * counted; NULL after exit */
	s64 time_off[2];		/* its time namespace's CLOCK_MONOTONIC and
					 * CLOCK_BOOTTIME offsets (ns), fixed once
					 * it entered: read without a lock */
	u64 start_ns;			/* ktime_ns() at fork */
	bool acct_fork;			/* forked and not exec'd since (acct's AFORK) */
	/* Credentials (<alloy/cred.h>): changed under sig_lock; one ID may
	 * be read alone (READ_ONCE), several only through cred_current(). */
	u32 uid[3], gid[3];		/* real, effective, saved */
	u32 fsuid, fsgid;		/* file system IDs: the effective ones but
					 * after setfsuid/setfsgid */
	int ngroups;			/* supplementary groups */
	u32 groups[NGROUPS_MAX];
	u64 caps[3];			/* [sig_lock] capabilities: effective, permitted,
					 * inheritable (kernel/syscall/sys_caps.c) */
	bool undumpable;		/* [sig_lock] Linux's dumpable 0: PR_SET_DUMPABLE,
					 * an effective ID change, a set-ID exec */
	u64 cap_bdropped;		/* [sig_lock] taken out of the bounding set
					 * (PR_CAPBSET_DROP); fork copies it */
	int pdeath_sig;			/* [sig_lock] PR_SET_PDEATHSIG: sent to it when its
					 * parent process exits; not inherited */
	bool no_new_privs;		/* [sig_lock] PR_SET_NO_NEW_PRIVS: exec grants no
					 * set-ID; inherited, never cleared */
	/* [landlock lock] its Landlock domain, counted (<alloy/landlock.h>):
	 * every thread's; fork copies it, exec keeps it, exit drops it */
	struct landlock_domain *landlock;
	bool child_subreaper;		/* [proc_lock] PR_SET_CHILD_SUBREAPER: orphaned
					 * descendants come to it, not to init */
	bool thp_disable;		/* PR_SET_THP_DISABLE: kept (no huge pages here) */
	spinlock_t sig_lock;
	struct sighand *sighand;	/* [sig_lock] its handlers (<alloy/sighand.h>),
					 * shared by CLONE_SIGHAND; put when p is freed */
	u64 shared_pending;		/* [sig_lock] process-directed signals */
	struct list_head sigq;		/* [sig_lock] the siginfo of each pending
					 * instance, oldest first (signal.c) */
	u32 sigq_count;			/* [sig_lock] entries on sigq and on every
					 * thread's: RLIMIT_SIGPENDING counts them */
	char comm[16];
	u32 personality;		/* personality(2): kept, fork copies it */
	int oom_score_adj;		/* /proc/<pid>/oom_score_adj: kept, fork copies it */
	u32 coredump_filter;		/* /proc/<pid>/coredump_filter: fork copies it,
					 * exec keeps it (Linux's MMF_DUMP_* bits) */
	struct proc_res res;		/* limits, children's times: <alloy/rlimit.h> */
	struct sem_undo_list *sysvsem;	/* SEM_UNDO adjustments (kernel/ipc/sem.c) */
	struct proc_timers *timers;	/* [sig_lock] set once: <alloy/ptimer.h> */
	struct list_head ptraced;	/* [ptrace_lock] threads it traces (<alloy/ptrace.h>) */
	bool ptrace_exited;		/* [ptrace_lock] gone as a tracer: no new tracees */
	/* Keyrings (<alloy/keys.h>), [keys_lock], counted: its session and
	 * process keyrings, request_key's default destination, and whether
	 * it has exited (nothing is attached to it after that). */
	struct key *key_session, *key_process;
	/* Its control group (<alloy/cgroup.h>), [cgroup lock]: counted from
	 * fork to its last put; attached (counted in the group) from fork to
	 * exit; its tasks charged to the pids controller. */
	struct cgroup *cgroup;
	bool cg_attached;
	int cg_tasks;
	int key_reqkey_def;
	bool keys_gone;
};

struct process *current_proc(void);
/* Capabilities at exec, from the IDs (kernel/syscall/sys_caps.c). */
void cap_exec(struct process *p);
/* Does the caller hold capability cap (<uapi/capability.h>) in its
 * effective set? The kernel itself holds them all. */
bool proc_capable(int cap);
void proc_get(struct process *p);
void proc_put(struct process *p);
/* The process with this pid, with a reference; NULL if none. proc_find
 * takes a number of the caller's PID namespace (a program's), _global
 * the kernel's own (<alloy/pid.h>). */
struct process *proc_find(int pid);
struct process *proc_find_global(int pid);

/* The slab cache processes come from (sched_init_bsp). */
void proc_cache_init(void);
/* A new process with no thread yet; parent NULL for init or a kernel
 * spawn. Copies files/cwd/handlers from parent when given, or shares
 * the file table (CLONE_FILES); CLONE_PARENT makes it parent's sibling. */
struct process *proc_create(struct process *parent, u64 clone_flags);
/* The same with clone's exit signal and clone3's set_tid (want[0]: the
 * number in its own PID namespace, then each one above; nwant <= its
 * level + 1), -errno in *err. */
struct process *proc_create_tids(struct process *parent, u64 clone_flags, int exit_signal,
				 const int *want, int nwant, int *err);
/* The same into cgroup cg (NULL: the parent's; <alloy/cgroup.h>). */
struct process *proc_create_cg(struct process *parent, u64 clone_flags, int exit_signal,
			       const int *want, int nwant, struct cgroup *cg, int *err);
/* BSD process accounting (kernel/sched/acct.c): acct(2)'s file (NULL:
 * off), and the record current's process writes as its last thread
 * ends, with its wait status. */
int acct_switch(const char *path);
void acct_process(int wait_status);
/* The thread exits: files closed, parent told, zombie until reaped;
 * true if it was reaped at once (no parent, or one ignoring SIGCHLD). */
bool proc_exit(struct process *p, int wait_status);
/* The reaper lets go of a reaped process's last thread (once). */
void proc_drop_task(struct process *p);
/* Undoes proc_create for a process that never ran. */
void proc_abort(struct process *p);
/* wait4 semantics; status and pid of the reaped child. */
long proc_wait(int pid, int *status, int options);
/* Which children a wait (wait4, waitid) looks at and for what. */
enum { P_ALL = 0, P_PID = 1, P_PGID = 2, P_PIDFD = 3 };
struct wait_spec {
	int which;			/* P_* */
	int id;				/* P_PID's pid, P_PGID's (0: the caller's) */
	struct process *target;		/* P_PIDFD's process */
	int options;			/* WNOHANG, WEXITED, WSTOPPED, WCONTINUED, WNOWAIT */
};
struct wait_report {
	int pid;
	u32 uid;			/* the child's real user ID */
	int status;			/* wait4's status word */
	int code, si_status;		/* waitid's: CLD_*, and exit code or signal */
	bool reaped;
};
/* The child's pid (report in *r), 0 under WNOHANG when none is ready,
 * -ECHILD when none matches, -ERESTARTSYS on a signal. */
long proc_wait_spec(const struct wait_spec *ws, struct wait_report *r);
/* p is gone from the pid table (reaped): a pidfd's ESRCH. */
bool proc_reaped(struct process *p);
/* pidfds (kernel/syscall/sys_pidfd.c): fd's process with a reference, and
 * whether the pidfd is non-blocking; -EBADF if fd is not a pidfd. */
int pidfd_process(int fd, struct process **out, bool *nonblock);
/* A new pidfd for p in the current process's table (close-on-exec): the
 * fd or -errno (fanotify's FAN_REPORT_PIDFD). */
long pidfd_install(struct process *p, u32 flags);
/* For fdinfo: pidfd f's process id (-1 once reaped, as Linux), or
 * -ENOENT if f is no pidfd. */
int pidfd_file_pid(struct file *f);
/* clone's CLONE_PIDFD, before the child runs: a close-on-exec pidfd for
 * child in the caller's table, its number written to uaddr (an int);
 * returns it and, in *fp, a reference on its file that the caller gives
 * back with pidfd_clone_undo (the clone failed later: the fd goes, if
 * it still holds that file) or file_put. -EFAULT: nothing installed. */
int pidfd_clone_install(struct process *child, u64 uaddr, struct file **fp);
void pidfd_clone_undo(int fd, struct file *f);
/* The process of an open /proc/<pid> directory, with a reference, or
 * NULL (kernel/fs/procfs.c; by pid: a reused pid names the new one). */
struct process *procfs_pid_dir_process(struct file *f);
/* Marks p as having exec'd or exited for a vfork parent. */
void proc_vfork_release(struct process *p);

/* The calling thread's file table: its own (a thread cloned without
 * CLONE_FILES) or its process's. No reference: valid while it runs. */
struct fdtable *cur_files(void);
/* The file at fd (>= 0) for the rest of the caller's system call. A table
 * changes only by the tasks that use it and whoever holds a reference to
 * it, so when the caller's is its alone (one reference, and one thread
 * on it) no reference is taken (*put false), as Linux's fdget; else
 * fd_get's (*put true). NULL: no such fd. */
struct file *fget_light(int fd, bool *put);
/* Path lookups relative to the process's cwd (reference taken). */
void proc_cwd(struct path *out);
void proc_set_cwd(const struct path *p);
/* The process's root for path lookup (chroot), with a reference: the
 * system's root when it never chrooted (or for the kernel). */
void proc_root(struct path *out);
void proc_set_root(const struct path *p);
/* The caller's umask; umask(2) sets it and returns the old one. */
u32 proc_umask(void);
u32 proc_set_umask(u32 mask);
/* Another process's umask, -1 once it has exited (/proc status). */
int proc_umask_of(struct process *p);
/* unshare(CLONE_FS): a copy of the caller's fs state if it is shared. */
int proc_unshare_fs(struct process *p);
/* p's fs state with a reference (fs_state_put), NULL once p has exited. */
struct fs_state *proc_fs_get(struct process *p);
/* kcmp: the identity of p's fs state (compared, never dereferenced). */
const void *proc_fs_id(struct process *p);
/* execve: p now runs the program at exe (reference taken). */
void proc_set_exe(struct process *p, const struct path *exe);

/* For /proc: another process's cwd or exe (-ENOENT once gone or never
 * set), or its fd table (NULL after exit), each with a reference. */
int proc_path_of(struct process *p, bool exe, struct path *out);
struct fdtable *proc_files(struct process *p);
/* p's address space with a reference (user_mm_put), NULL once its
 * threads are gone. */
struct user_mm *proc_mm_get(struct process *p);
/* The timer ticks p's threads were caught in user and kernel mode, the
 * ended threads' included. */
void proc_cpu_times(struct process *p, u64 *utime, u64 *stime);
/* thread_clone: t's own file table and fs state, for a thread cloned
 * without CLONE_FILES or CLONE_FS (copies of the caller's), else the
 * caller's own ones shared, if it has them. -ENOMEM: none taken. */
int proc_thread_tables(struct task *t, u64 clone_flags);
/* A thread ends (or was never started): its own tables go. */
void proc_thread_tables_exit(struct task *t);
/* execve, once the other threads are gone: the caller's own tables
 * become its process's. */
void proc_adopt_thread_tables(void);
/* execve: a file table shared with another process becomes a copy. */
int proc_unshare_files(struct process *p);
/* Up to max pids >= from, ascending, into out; returns how many.
 * proc_pids: global numbers; _user: the caller's PID namespace's. */
int proc_pids(int from, int *out, int max);
int proc_pids_user(int from, int *out, int max);
/* For walks that sleep on each process (the OOM killer): up to max live
 * processes with pid >= *from, each with a reference; *from moves past
 * them. 0: no more. */
int proc_get_batch(int *from, struct process **out, int max);

/* What /proc shows of a process, read as one under the tree's lock. */
struct proc_snapshot {
	int pid, ppid, pgid, sid;
	char state;			/* R, S, T or Z */
	u32 uid, gid;
	u64 start_ns, utime_ticks, stime_ticks;	/* ticks: all threads' */
	int threads;
	u64 pending, shared_pending, blocked;	/* the first thread's, the group's */
	u32 queued;				/* signals pending (SigQ): numbers and instances */
	int cpu;				/* where the first thread last ran */
	int policy, rt_priority, nice;		/* the first thread's scheduling */
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
/* si to each live member of group pgid that ok(member, arg) allows;
 * -ESRCH if it has none. No spinlock held. */
int proc_signal_group_if(int pgid, const struct ksiginfo *si,
			 bool (*ok)(struct process *p, const void *arg), const void *arg);
/* sig from the kernel to each member of group pgid; _in: only if the
 * group belongs to session sid (0: any), as a terminal's signals. From
 * interrupt context too: no allocation, spinlocks only. Never SIGCONT. */
int proc_signal_group(int pgid, int sig);
int proc_signal_group_in(int pgid, int sid, int sig);
int proc_setpgid(int pid, int pgid);
/* PR_SET_CHILD_SUBREAPER: p's orphaned descendants come to it. */
void proc_set_subreaper(struct process *p, bool on);
/* p's group has no member whose parent is in another group of its
 * session: the terminal's stop signals are discarded there (POSIX). */
bool proc_pgrp_orphaned(struct process *p);
int proc_setsid(void);
int proc_getpgid(int pid, bool sid);
/* The same by global numbers (the kernel's: the terminal's session). */
int proc_sid_of(int pid);
int proc_getppid(void);
/* p's parent with a reference, NULL if none. */
struct process *proc_parent_get(struct process *p);
void proc_vfork_wait(struct process *child);
/* Job control. The signal code records a stop (p->stopped) and its end
 * under p->sig_lock; then current waits in proc_stop until SIGCONT (or
 * SIGKILL), and SIGCONT's sender calls proc_continued to wake it. Both
 * tell the parent. */
void proc_stop(int sig);
/* A traced thread's group stop: the parent is told as proc_stop does. */
void proc_notify_stopped(struct process *p, int sig);
void proc_continued(struct process *p);
/* Wakes every thread of p: each re-checks what it sleeps for. */
void proc_wake_threads(struct process *p);

struct trap_frame;
/* fork/vfork/clone: a copy of the caller returning 0 in the child. */
/* fork/vfork/clone without CLONE_THREAD: flags are clone's (CLONE_VM
 * shares the address space, CLONE_VFORK waits, CLONE_FILES, CLONE_PARENT,
 * CLONE_SETTLS, CLONE_CHILD_SETTID/CLEARTID with child_tid, CLONE_PIDFD
 * with pidfd_addr, CLONE_PARENT_SETTID with parent_tid, written before
 * the child runs). */
/* cg: CLONE_INTO_CGROUP's group (NULL: the caller's). */
long user_fork(const struct trap_frame *tf, u64 new_sp, u64 flags, u64 child_tid, u64 tls,
	       u64 pidfd_addr, u64 parent_tid, const int *set_tid, int nset, struct cgroup *cg);

#endif
