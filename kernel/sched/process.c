/*
 * Processes: pids, the parent/child tree, exit and wait. A pid stays
 * taken from fork until the parent reaps the zombie (or until exit, for
 * a process nobody will wait for), so it is never reused while in use.
 * Orphans go to init (pid 1), or are reaped at once when there is none.
 */
#include <alloy/cgroup.h>
#include <alloy/errno.h>
#include <alloy/fdtable.h>
#include <alloy/fs_state.h>
#include <alloy/ipc.h>
#include <alloy/lockrank.h>
#include <alloy/printk.h>
#include <alloy/ns.h>
#include <alloy/pid.h>
#include <alloy/process.h>
#include <alloy/mnt_ns.h>
#include <alloy/ptrace.h>
#include <alloy/ptimer.h>
#include <alloy/seccomp.h>
#include <alloy/landlock.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>
#include <alloy/task.h>
#include <alloy/tty.h>
#include <alloy/thread.h>
#include <alloy/user.h>
#include <alloy/keys.h>
#include <alloy/vfs.h>
#include <uapi/capability.h>
#include <uapi/sched.h>
#include <uapi/wait.h>
#include "pgroup.h"


static spinlock_t proc_lock = SPINLOCK_INIT("proc-tree", LR_PROC);
static struct process *pid_table[PID_MAX];
static struct task *tid_table[PID_MAX];	/* user threads by Linux tid */
static int pid_next = 1;
/* Pids are below this (kernel/pid_max): at most PID_MAX, the tables'
 * size; at least Linux's 301 */
static long pid_max = PID_MAX;
SYSCTL_INT(pid_max, "kernel/pid_max", 0644, &pid_max, 301, PID_MAX);
/* Linux's threads-max: reported only (memory limits the threads) */
static long threads_max = PID_MAX;
SYSCTL_INT(threads_max, "kernel/threads-max", 0444, &threads_max, 1, PID_MAX);
static int pid_last;		/* [proc_lock] the newest pid, for /proc/loadavg */

/* kernel/ns_last_pid: the newest pid; root writes n to have the next
 * process (if n + 1 is free) get n + 1 (Linux's, for checkpoint/restore) */
static int show_last_pid(struct pbuf *b)
{
	struct pid_ns *ns = pid_ns_current();	/* the reader's namespace's */
	return pbuf_printf(b, "%d\n", ns->level ? pid_ns_last(ns) : READ_ONCE(pid_last));
}

static int store_last_pid(const char *buf, size_t len)
{
	long v;

	if (!proc_capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (sysctl_parse_long(buf, len, &v) || v < 0 || v >= READ_ONCE(pid_max))
		return -EINVAL;
	struct pid_ns *ns = pid_ns_current();
	if (ns->level) {	/* the writer's namespace's */
		pid_ns_set_last(ns, (int)v);
		return 0;
	}
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	pid_last = (int)v;
	pid_next = v + 1 >= pid_max ? 2 : MAX((int)v + 1, 2);
	spin_unlock_irqrestore(&proc_lock, flags);
	return 0;
}
SYSCTL(ns_last_pid, "kernel/ns_last_pid", 0666, show_last_pid, store_last_pid);
static u64 nr_forks;		/* [proc_lock] processes created, for /proc/stat */

struct process *current_proc(void)
{
	return current_task()->proc;
}

int current_pid(void)
{
	struct task *t = current_task();

	return t->proc ? t->proc->pid : task_tid(t);
}

bool proc_is_ns_init(struct process *p)
{
	return p->vpid == 1;
}

/* Caller holds proc_lock: global number id is used no more (by a
 * process, a thread, a group or a session): its numbers in PID
 * namespaces go with it (<alloy/pid.h>). */
void proc_id_check(int id)
{
	if (id > 0 && id < PID_MAX && !pid_table[id] && !tid_table[id] && !pgrp_id_in_use(id))
		pid_release(id);
}

void proc_get(struct process *p)
{
	atomic_inc(&p->refcount);
}

/*
 * A reaped process keeps its record for whoever still holds a reference
 * (a pidfd, an open /proc/<pid>), but not its last thread: that thread's
 * kernel stack and task go back now. Called once, by whoever reaped it
 * (unhash decides who, under proc_lock); that reaper's own reference keeps
 * proc_put's read of p->task from running at the same time.
 */
void proc_drop_task(struct process *p)
{
	struct task *t = p->task;

	p->task = NULL;
	if (t)
		task_put(t);
}

/* Processes have a cache of their own: a kmalloc block would round a
 * struct process (5.8 KiB) up to 8 KiB, a slab of five fits 32 KiB. */
static struct kmem_cache *proc_cache;

void proc_cache_init(void)
{
	proc_cache = kmem_cache_create("process", sizeof(struct process), 64);
	if (!proc_cache)
		panic("sched: cannot create the process cache");
}

void proc_put(struct process *p)
{
	if (!p || !atomic_dec_and_test(&p->refcount))
		return;
	if (p->task)
		task_put(p->task);
	proc_timers_free(p);
	signal_flush_queued_locked(p, NULL, ~0ULL);	/* the last reference: no lock */
	sighand_put(p->sighand);
	inode_put(p->pidfs_inode);	/* its pidfds held p: none is left */
	cgroup_put(p->cgroup);		/* frees memory only */
	if (p->pid_ns)
		ns_put(&p->pid_ns->common);	/* frees memory only: any context */
	kmem_cache_free(proc_cache, p);
}

/* A number no process, thread, group or session uses; caller holds
 * proc_lock. Pids and tids are one space, as on Linux. */
static int id_alloc(void)
{
	int max = (int)READ_ONCE(pid_max);

	for (int i = 0; i < max - 1; i++) {
		if (pid_next >= max)
			pid_next = 2;	/* pid_max was lowered */
		int cand = pid_next;
		pid_next = pid_next + 1 >= max ? 2 : pid_next + 1;	/* 1 is init's */
		if (!pid_table[cand] && !tid_table[cand] && !pgrp_id_in_use(cand))
			return cand;
	}
	return -EAGAIN;
}

/* Caller holds proc_lock. */
static int pid_alloc(struct process *p)
{
	int pid = id_alloc();

	if (pid > 0) {
		pid_table[pid] = p;
		pid_last = pid;
		nr_forks++;
	}
	return pid;
}

bool proc_reaped(struct process *p)
{
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	bool gone = pid_table[p->pid] != p;

	spin_unlock_irqrestore(&proc_lock, flags);
	return gone;
}

struct process *proc_find(int pid)
{
	return proc_find_global(pid_from_user(pid));
}

struct process *proc_find_global(int pid)
{
	struct process *p = NULL;
	unsigned long flags;

	if (pid <= 0 || pid >= PID_MAX)
		return NULL;
	flags = spin_lock_irqsave(&proc_lock);
	p = pid_table[pid];
	if (p)
		proc_get(p);
	spin_unlock_irqrestore(&proc_lock, flags);
	return p;
}

/*
 * A process's program cannot be written while it runs (ETXTBSY, Linux's
 * mm->exe_file): each process holding it as exe denies write access to
 * its file. exec denies before it commits, so the process's own denial
 * (and a fork's, while the parent's holds) cannot fail then.
 */
static bool exe_deny(const struct path *exe)
{
	struct inode *i = exe->dentry ? exe->dentry->inode : NULL;
	return i && S_ISREG(i->mode) && !inode_deny_write(i);
}

static void exe_put(struct path *exe, bool denied)
{
	if (denied)
		inode_allow_write(exe->dentry->inode);
	if (exe->dentry)
		path_put(exe);
}

/* The caller's own fs state: its thread's, or its process's. Only the
 * caller changes either pointer (unshare, single-threaded; exit, its
 * last thread), so it needs no lock here. NULL for a kernel task. */
static struct fs_state *own_fs(void)
{
	struct task *t = current_task();

	if (!t || !t->proc)
		return NULL;
	return t->fs ? t->fs : t->proc->fs;
}

struct fdtable *cur_files(void)
{
	struct task *t = current_task();

	return t->files ? t->files : t->proc->files;
}

struct file *fget_light(int fd, bool *put)
{
	struct task *t = current_task();
	struct fdtable *ft = t->files ? t->files : t->proc->files;

	/* a thread's own table counts its sharers; the process's is every
	 * thread's without a count of them */
	if (__atomic_load_n(&ft->refcount.v, __ATOMIC_ACQUIRE) == 1 &&
	    (t->files || __atomic_load_n(&t->proc->nr_threads, __ATOMIC_ACQUIRE) == 1)) {
		*put = false;
		return fd < ft->size ? ft->fd[fd] : NULL;
	}
	*put = true;
	return fd_get(ft, fd);
}

struct process *proc_create(struct process *parent, u64 clone_flags)
{
	int err;
	return proc_create_tids(parent, clone_flags, SIGCHLD, NULL, 0, &err);
}

/* clone3's set_tid against the new process's namespace ns (Linux's
 * rules): at most one number per level, each a possible pid, a level
 * without an init only 1, and the right to choose (CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE). */
static int set_tid_check(struct pid_ns *ns, const int *want, int nwant)
{
	if (nwant > ns->level + 1)
		return -EINVAL;
	struct pid_ns *n = ns;
	for (int i = 0; i < nwant; i++, n = n->parent) {
		if (want[i] < 1 || want[i] >= (int)READ_ONCE(pid_max))
			return -EINVAL;
		if (want[i] != 1 && n->level > 0 && !READ_ONCE(n->reaper) && !n->dead)
			return -EINVAL;	/* its first process is its init: 1 */
	}
	if (!nwant)
		return 0;
	if (!proc_capable(CAP_SYS_ADMIN) && !proc_capable(40 /* CAP_CHECKPOINT_RESTORE */))
		return -EPERM;
	/* Linux asks it in the user namespace owning each PID namespace:
	 * capabilities count there only from that one or one above it */
	struct ns_common *mine = proc_ns(current_proc(), NS_USER, false);
	int rc = 0;
	n = ns;
	for (int i = 0; i < nwant && !rc; i++, n = n->parent) {
		bool above = false;
		for (struct ns_common *x = n->common.owner; x && !above; x = x->owner)
			above = x == mine;
		if (!above && !(mine && !mine->owner && !n->common.owner))
			rc = -EPERM;	/* owner NULL: the initial one, whose owner is NULL */
	}
	ns_put(mine);
	return rc;
}

struct process *proc_create_tids(struct process *parent, u64 clone_flags, int exit_signal,
				 const int *want, int nwant, int *err)
{
	return proc_create_cg(parent, clone_flags, exit_signal, want, nwant, NULL, err);
}

struct process *proc_create_cg(struct process *parent, u64 clone_flags, int exit_signal,
			       const int *want, int nwant, struct cgroup *cg, int *err)
{
	*err = -ENOMEM;
	/* a reaped process that a pidfd still holds keeps this much */
	_Static_assert(sizeof(struct process) <= 8192, "struct process outgrew 8 KiB");
	struct process *p = kmem_cache_alloc(proc_cache, GFP_KERNEL);

	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	atomic_set(&p->refcount, 1);
	list_init(&p->children);
	list_init(&p->sibling);
	list_init(&p->threads);
	list_init(&p->sigq);
	list_init(&p->ptraced);
	wait_queue_init(&p->child_wq, "child-wait");
	wait_queue_init(&p->thread_wq, "thread-exit");
	wait_queue_init(&p->vfork_wq, "vfork");
	wait_queue_init(&p->signalfd_wq, "signalfd");
	wait_queue_init(&p->pidfd_wq, "pidfd");
	spin_lock_init(&p->sig_lock, "signals", LR_SIGHAND);
	spin_lock_init(&p->cwd_lock, "cwd", LR_DCACHE - 1);
	p->start_ns = ktime_ns();
	p->acct_fork = parent != NULL;
	p->exit_signal = exit_signal;	/* before anyone sees it */
	rlimit_fork(p, parent);
	if (parent) {
		/* the calling thread's table and fs state (its own, or its
		 * process's): they stay while it runs here; and the
		 * process's handler pointer, which only it changes */
		bool caller = parent == current_proc();
		struct fdtable *files = caller ? cur_files() : parent->files;
		struct fs_state *fs = caller ? own_fs() : parent->fs;
		if (clone_flags & CLONE_FILES) {	/* one table, two processes */
			p->files = files;
			atomic_inc(&p->files->refcount);
		} else {
			p->files = fdt_copy(files);
		}
		if (clone_flags & CLONE_FS) {	/* one cwd, root, umask */
			p->fs = fs;
			fs_state_get(p->fs);
		} else {
			p->fs = fs_state_copy(fs);
		}
		if (clone_flags & CLONE_SIGHAND) {	/* one handler table */
			p->sighand = parent->sighand;
			sighand_get(p->sighand);
		} else {
			p->sighand = sighand_new(parent->sighand);
		}
		unsigned long rf = spin_lock_irqsave(&parent->cwd_lock);
		p->mnt_ns = mnt_ns_get(parent->mnt_ns ? parent->mnt_ns : &init_mnt_ns);
		spin_unlock_irqrestore(&parent->cwd_lock, rf);
		if (!proc_path_of(parent, true, &p->exe))	/* none: NULL */
			p->exe_denied = exe_deny(&p->exe);
		cred_fork(p, parent);
		keys_fork(p, parent);
		landlock_fork(p, parent);
		memcpy(p->caps, parent->caps, sizeof(p->caps));
		memcpy(p->comm, parent->comm, sizeof(p->comm));
		p->personality = READ_ONCE(parent->personality);
		p->oom_score_adj = READ_ONCE(parent->oom_score_adj);
		p->coredump_filter = READ_ONCE(parent->coredump_filter);
	} else {
		p->files = fdt_create();
		p->fs = fs_state_new();
		p->sighand = sighand_new(NULL);
		p->mnt_ns = mnt_ns_get(&init_mnt_ns);
		cap_exec(p);	/* root's: every capability */
		p->coredump_filter = COREDUMP_FILTER_DEFAULT;
	}
	if ((p->nsp = ns_fork(parent, clone_flags)))
		timens_enter(p, p->nsp->ns[NS_TIME]);
	list_init(&p->pgrp_link);
	/* a process the kernel starts leads a group and session of its own */
	struct pgroup *fresh = parent ? NULL : pgrp_alloc();
	struct pid *numbers = NULL;
	if (!p->files || !p->nsp || !p->fs || !p->sighand || (!parent && !fresh))
		goto fail;
	/* its PID namespace: its parent's children's (a new one with
	 * CLONE_NEWPID), fixed from now on */
	p->pid_ns = to_pid_ns(p->nsp->ns[NS_PID]);
	ns_get(&p->pid_ns->common);
	if ((*err = set_tid_check(p->pid_ns, want, nwant)))
		goto fail;
	/* its cgroup, charged to pids: before it has a number, so nothing
	 * sees it outside one */
	if ((*err = cgroup_fork(p, parent, cg)))
		goto fail;
	*err = -ENOMEM;
	if (pid_prepare(p->pid_ns, &numbers))
		goto fail;

	unsigned long flags = spin_lock_irqsave(&proc_lock);
	int pid;
	if (nwant == p->pid_ns->level + 1) {	/* the global number chosen too */
		pid = want[nwant - 1];
		if (pid_table[pid] || tid_table[pid] || pgrp_id_in_use(pid)) {
			pid = -EEXIST;
		} else {
			pid_table[pid] = p;
			pid_last = pid;
			nr_forks++;
		}
	} else {
		pid = parent || pid_table[1] ? pid_alloc(p) : 1;
	}
	if (pid == 1)
		pid_table[1] = p;
	if (pid > 0) {	/* its numbers in the namespaces from its own up */
		int v = pid_attach(numbers, pid, p->pid_ns, want, nwant);
		numbers = NULL;
		if (v < 0) {
			pid_table[pid] = NULL;
			pid = v;
		} else {
			p->vpid = v;
			if (v == 1 && p->pid_ns->level > 0)
				p->pid_ns->reaper = p;	/* the first: its init */
		}
	}
	if (pid > 0) {
		p->pid = pid;
		if (fresh)
			pgrp_start(fresh, pid, pid);
		pgrp_join(p, fresh ? fresh : parent->pgrp);
		fresh = NULL;
		/* CLONE_PARENT: a sibling of the caller (sys_clone checked it
		 * has a parent) */
		if (parent && (clone_flags & CLONE_PARENT) && parent->parent) {
			/* and its exit signal is the caller's own, not the
			 * flags' (Linux): a child of init's child cannot make
			 * init hear a signal that would kill it */
			p->exit_signal = parent->exit_signal;
			parent = parent->parent;
		}
		p->parent = parent;
		if (parent) {
			proc_get(p);	/* the parent's child-list reference */
			list_add_tail(&p->sibling, &parent->children);
		}
	}
	spin_unlock_irqrestore(&proc_lock, flags);
	if (pid < 0) {
		*err = pid == -EAGAIN ? -EAGAIN : pid == -EEXIST ? -EEXIST : -ENOMEM;
		goto fail;
	}
	*err = 0;
	return p;
fail:
	pid_unprepare(numbers);
	if (p->pid_ns)
		ns_put(&p->pid_ns->common);
	pgrp_free(fresh);
	nsproxy_put(p->nsp);
	fdt_put(p->files);
	fs_state_put(p->fs);
	sighand_put(p->sighand);
	if (p->mnt_ns)
		mnt_ns_put(p->mnt_ns);
	exe_put(&p->exe, p->exe_denied);
	keys_proc_exit(p);	/* the session keyring keys_fork shared */
	landlock_proc_exit(p);
	cgroup_exit(p);
	cgroup_release(p);
	cgroup_put(p->cgroup);
	kmem_cache_free(proc_cache, p);
	return NULL;
}

void proc_cwd(struct path *out)
{
	struct fs_state *fs = own_fs();

	if (fs)
		fs_state_path(fs, false, out);
	else
		*out = vfs_root();	/* a kernel task, or past exit */
}

void proc_set_cwd(const struct path *np)
{
	struct fs_state *fs = own_fs();

	if (fs)
		fs_state_set_path(fs, false, np);
}

void proc_root(struct path *out)
{
	struct fs_state *fs = own_fs();

	out->dentry = NULL;
	if (fs)
		fs_state_path(fs, true, out);
	if (!out->dentry)	/* unset: its mount namespace's root */
		mnt_ns_root_path(mnt_ns_current(), out);
	if (!out->dentry)
		*out = vfs_root();
}

void proc_set_root(const struct path *np)
{
	struct fs_state *fs = own_fs();

	if (fs)
		fs_state_set_path(fs, true, np);
}

u32 proc_set_umask(u32 mask)
{
	/* one word, swapped at once: a CLONE_FS sharer's umask() at the same
	 * moment gets either value, never a mix */
	return __atomic_exchange_n(&own_fs()->umask, mask, __ATOMIC_SEQ_CST);
}

u32 proc_umask(void)
{
	struct fs_state *fs = own_fs();

	return fs ? READ_ONCE(fs->umask) : 022;
}

struct fs_state *proc_fs_get(struct process *p)
{
	unsigned long flags = spin_lock_irqsave(&p->cwd_lock);
	struct fs_state *fs = p->fs;

	if (fs)
		fs_state_get(fs);
	spin_unlock_irqrestore(&p->cwd_lock, flags);
	return fs;
}

int proc_umask_of(struct process *p)
{
	struct fs_state *fs = proc_fs_get(p);
	int m = fs ? (int)READ_ONCE(fs->umask) : -1;

	fs_state_put(fs);
	return m;
}

const void *proc_fs_id(struct process *p)
{
	return READ_ONCE(p->fs);
}

/* unshare(CLONE_FS): sys_unshare refuses it while other threads run, so
 * the pointer is ours to change; /proc readers see old or new under
 * cwd_lock, each with its own reference. */
int proc_unshare_fs(struct process *p)
{
	struct task *t = current_task();
	struct fs_state *old = t->fs ? t->fs : p->fs;

	if (atomic_read(&old->refcount) == 1)
		return 0;	/* only a /proc reader can hold a second one */
	struct fs_state *copy = fs_state_copy(old);
	if (!copy)
		return -ENOMEM;
	if (t->fs) {	/* the thread's own: no one else reads the pointer */
		t->fs = copy;
		fs_state_put(old);
		return 0;
	}
	unsigned long flags = spin_lock_irqsave(&p->cwd_lock);
	p->fs = copy;
	spin_unlock_irqrestore(&p->cwd_lock, flags);
	fs_state_put(old);
	return 0;
}

void proc_set_exe(struct process *p, const struct path *exe)
{
	struct path old;

	if (exe->dentry)	/* none: a file with no name (memfd) */
		path_get(exe);
	bool denied = exe_deny(exe), old_denied;
	unsigned long flags = spin_lock_irqsave(&p->cwd_lock);
	old = p->exe;
	old_denied = p->exe_denied;
	p->exe = *exe;
	p->exe_denied = denied;
	spin_unlock_irqrestore(&p->cwd_lock, flags);
	exe_put(&old, old_denied);
}

int proc_path_of(struct process *p, bool exe, struct path *out)
{
	out->dentry = NULL;
	if (exe) {
		unsigned long flags = spin_lock_irqsave(&p->cwd_lock);
		*out = p->exe;
		if (out->dentry)
			path_get(out);
		spin_unlock_irqrestore(&p->cwd_lock, flags);
	} else {
		struct fs_state *fs = proc_fs_get(p);
		if (fs)
			fs_state_path(fs, false, out);
		fs_state_put(fs);
	}
	return out->dentry ? 0 : -ENOENT;
}

struct fdtable *proc_files(struct process *p)
{
	unsigned long flags = spin_lock_irqsave(&p->cwd_lock);
	struct fdtable *t = p->files;

	if (t)
		atomic_inc(&t->refcount);
	spin_unlock_irqrestore(&p->cwd_lock, flags);
	return t;
}

void proc_adopt_thread_tables(void)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	struct fdtable *old_files = NULL;
	struct fs_state *old_fs = NULL;

	if (!t->files && !t->fs)
		return;
	unsigned long flags = spin_lock_irqsave(&p->cwd_lock);
	if (t->files) {
		old_files = p->files;
		p->files = t->files;
		t->files = NULL;
	}
	if (t->fs) {
		old_fs = p->fs;
		p->fs = t->fs;
		t->fs = NULL;
	}
	spin_unlock_irqrestore(&p->cwd_lock, flags);
	fdt_put(old_files);
	fs_state_put(old_fs);
}

void proc_thread_tables_exit(struct task *t)
{
	struct fdtable *files = t->files;
	struct fs_state *fs = t->fs;

	t->files = NULL;	/* the process's from here on (cur_files) */
	t->fs = NULL;
	fdt_put(files);
	fs_state_put(fs);
}

int proc_thread_tables(struct task *t, u64 clone_flags)
{
	struct task *cur = current_task();

	if (clone_flags & CLONE_FILES) {	/* the caller's, whichever */
		if ((t->files = cur->files))
			atomic_inc(&t->files->refcount);
	} else if (!(t->files = fdt_copy(cur_files()))) {
		return -ENOMEM;
	}
	if (clone_flags & CLONE_FS) {
		if ((t->fs = cur->fs))
			fs_state_get(t->fs);
	} else if (!(t->fs = fs_state_copy(own_fs()))) {
		proc_thread_tables_exit(t);
		return -ENOMEM;
	}
	return 0;
}

/* A table a multi-threaded process let go of: another of its threads
 * may still be inside a call on it (cur_files() takes no reference), so
 * the process keeps its reference until its threads are all gone. */
struct retired_files {
	struct fdtable *t;
	struct retired_files *next;
};

/* A thread's own table, shared with threads it cloned: a copy of its
 * own now (only it uses t->files; the others keep their references). */
static int unshare_task_files(struct task *t)
{
	struct fdtable *old = t->files, *copy;

	if (atomic_read(&old->refcount) == 1)
		return 0;
	int rc = fdt_check_nr_open(old);
	if (rc)
		return rc;
	if (!(copy = fdt_copy(old)))
		return -ENOMEM;
	t->files = copy;
	fdt_put(old);
	return 0;
}

int proc_unshare_files(struct process *p)
{
	struct fdtable *old, *copy;
	struct retired_files *r = NULL;

	if (p == current_proc() && current_task()->files)
		return unshare_task_files(current_task());
	old = proc_files(p);

	if (!old)
		return -ENOMEM;
	if (atomic_read(&old->refcount) <= 2) {	/* ours and proc_files' */
		fdt_put(old);
		return 0;
	}
	int rc = fdt_check_nr_open(old);
	bool threads = READ_ONCE(p->nr_threads) > 1;
	if (!rc && threads && !(r = kmalloc(sizeof(*r), GFP_KERNEL)))
		rc = -ENOMEM;
	if (rc) {
		fdt_put(old);
		return rc;
	}
	if (!(copy = fdt_copy(old))) {
		kfree(r);
		fdt_put(old);
		return -ENOMEM;
	}
	unsigned long flags = spin_lock_irqsave(&p->cwd_lock);
	p->files = copy;
	if (r) {
		r->t = old;	/* takes over the reference p held */
		r->next = p->files_retired;
		p->files_retired = r;
	}
	spin_unlock_irqrestore(&p->cwd_lock, flags);
	fdt_put(old);		/* proc_files' */
	if (!r)
		fdt_put(old);	/* the one p held */
	return 0;
}

/* Exit and abort: files, cwd and exe go, taken out under cwd_lock so
 * that /proc, which reads them from other processes, never sees them
 * half-released. */
static void release_resources(struct process *p)
{
	proc_timers_exit(p);	/* nothing fires at it from now on */
	cgroup_exit(p);		/* out of cgroup.procs; rmdir may go on */
	unsigned long flags = spin_lock_irqsave(&p->cwd_lock);
	struct fdtable *files = p->files;
	struct fs_state *fs = p->fs;
	struct path exe = p->exe;
	bool exe_denied = p->exe_denied;
	struct mnt_ns *ns = p->mnt_ns;

	struct retired_files *r = p->files_retired;
	p->files = NULL;
	p->files_retired = NULL;
	p->fs = NULL;
	p->exe.dentry = NULL;
	p->mnt_ns = NULL;
	p->exe_denied = false;
	spin_unlock_irqrestore(&p->cwd_lock, flags);
	fdt_put(files);
	while (r) {
		struct retired_files *next = r->next;
		fdt_put(r->t);
		kfree(r);
		r = next;
	}
	sem_exit(p);	/* SEM_UNDO */
	keys_proc_exit(p);
	landlock_proc_exit(p);
	ns_exit(p);	/* after sem_exit: its undos are in its IPC namespace */
	fs_state_put(fs);
	exe_put(&exe, exe_denied);
	if (ns)		/* after its paths: the last one's tree goes now */
		mnt_ns_put(ns);
	vfs_reap_pending();	/* lazily unmounted ones it was the last user of */
}

int proc_pids_user(int from, int *out, int max)
{
	struct pid_ns *ns = pid_ns_current();
	int n = 0;

	if (ns->level == 0)
		return proc_pids(from, out, max);
	/* the namespace's numbers in order: one hash look-up each */
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	for (int nr = MAX(from, 1); nr < PID_MAX && n < max; nr++) {
		int g = pid_global(nr, ns);
		if (g && pid_table[g])
			out[n++] = nr;
	}
	spin_unlock_irqrestore(&proc_lock, flags);
	return n;
}

int proc_pids(int from, int *out, int max)
{
	int n = 0;
	unsigned long flags = spin_lock_irqsave(&proc_lock);

	for (int pid = MAX(from, 1); pid < PID_MAX && n < max; pid++)
		if (pid_table[pid])
			out[n++] = pid;
	spin_unlock_irqrestore(&proc_lock, flags);
	return n;
}

int proc_get_batch(int *from, struct process **out, int max)
{
	int n = 0, pid = MAX(*from, 1);
	unsigned long flags = spin_lock_irqsave(&proc_lock);

	for (; pid < PID_MAX && n < max; pid++) {
		struct process *p = pid_table[pid];
		if (!p || p->zombie)
			continue;
		proc_get(p);
		out[n++] = p;
	}
	spin_unlock_irqrestore(&proc_lock, flags);
	*from = pid;
	return n;
}

/* Caller holds proc_lock: as Linux, the leader's state; Z once it has
 * exited, while other threads run on. */
static char state_of(struct process *p)
{
	struct task *t;
	char st = 'Z';

	if (p->zombie)
		return 'Z';
	if (READ_ONCE(p->stopped))
		return 'T';
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	list_for_each_entry(t, &p->threads, thread_link)
		if (t->user_tid == p->pid)
			st = task_state_char(t);
	if (!p->started)
		st = 'R';	/* not yet running: about to */
	spin_unlock_irqrestore(&p->sig_lock, flags);
	return st;
}

struct user_mm *proc_mm_get(struct process *p)
{
	struct user_mm *mm = NULL;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);

	if (!list_empty(&p->threads))
		mm = task_mm_get(list_first_entry(&p->threads, struct task, thread_link));
	spin_unlock_irqrestore(&p->sig_lock, flags);
	return mm;
}

void proc_cpu_times(struct process *p, u64 *utime, u64 *stime)
{
	struct task *t;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);

	*utime = p->dead_utime;
	*stime = p->dead_stime;
	list_for_each_entry(t, &p->threads, thread_link) {
		*utime += READ_ONCE(t->utime_ticks);
		*stime += READ_ONCE(t->stime_ticks);
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
}

int proc_snapshot(struct process *p, struct proc_snapshot *out)
{
	unsigned long flags = spin_lock_irqsave(&proc_lock);

	/* as the reader's namespace numbers them (0: outside it) */
	out->pid = pid_to_user(p->pid);
	out->ppid = p->parent ? pid_to_user(p->parent->pid) : 0;
	out->pgid = pid_to_user(p->pgid);
	out->sid = pid_to_user(p->sid);
	out->state = state_of(p);
	out->uid = p->uid[0];
	out->gid = p->gid[0];
	out->start_ns = p->start_ns;
	proc_cpu_times(p, &out->utime_ticks, &out->stime_ticks);
	spin_lock(&p->sig_lock);
	out->threads = p->nr_threads;
	out->shared_pending = p->shared_pending;
	out->queued = signal_count_locked(p);
	struct task *t = list_empty(&p->threads) ? NULL :
			 list_first_entry(&p->threads, struct task, thread_link);
	out->pending = t ? t->pending : 0;
	out->blocked = t ? t->blocked : 0;
	out->cpu = t ? READ_ONCE(t->cpu) : 0;
	out->policy = t ? READ_ONCE(t->policy) : 0;
	out->rt_priority = t ? READ_ONCE(t->rt_priority) : 0;
	out->nice = t ? READ_ONCE(t->nice) : 0;
	spin_unlock(&p->sig_lock);
	memcpy(out->comm, p->comm, sizeof(out->comm));
	out->comm[sizeof(out->comm) - 1] = '\0';
	bool gone = pid_table[p->pid] != p;	/* reaped */
	spin_unlock_irqrestore(&proc_lock, flags);
	return gone ? -ESRCH : 0;
}

void proc_counts(struct proc_counts *out)
{
	unsigned long flags = spin_lock_irqsave(&proc_lock);

	memset(out, 0, sizeof(*out));
	for (int pid = 1; pid < PID_MAX; pid++) {	/* O(n): /proc only */
		struct process *p = pid_table[pid];
		if (!p)
			continue;
		out->total++;
		char st = state_of(p);
		out->running += st == 'R';
		out->blocked += st == 'S' || st == 'D';
	}
	out->last_pid = pid_last;
	out->forks = nr_forks;
	spin_unlock_irqrestore(&proc_lock, flags);
}

void proc_vfork_release(struct process *p)
{
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	struct process *parent = p->parent;

	p->exec_done = true;
	p->execed = true;	/* called at every execve's point of no return */
	if (parent)
		proc_get(parent);
	spin_unlock_irqrestore(&proc_lock, flags);
	wake_up_all(&p->vfork_wq);	/* its caller, whoever the parent is */
	if (parent) {
		wake_up_all(&parent->child_wq);
		proc_put(parent);
	}
}

/* Caller holds proc_lock: the pid and the group place go (reaped). */
static void unhash(struct process *p)
{
	cgroup_release(p);	/* reaped: its pids charge goes, as Linux's */
	if (pid_table[p->pid] == p)
		pid_table[p->pid] = NULL;
	pgrp_leave(p);
	proc_id_check(p->pid);
}

struct gather {
	struct process **all;
	int n, cap;
};

static void gather_one(struct process *m, void *arg)
{
	struct gather *g = arg;

	if (!m->started)
		return;
	if (g->n < g->cap) {
		proc_get(m);
		g->all[g->n] = m;
	}
	g->n++;
}

/*
 * Sends si to every member of group pgid; -ESRCH if it has none. The
 * members are gathered with references under proc_lock and signalled
 * after it (SIGCONT reports to the parent, which takes proc_lock).
 */
/* Members with a pid above after, the lowest first, up to ARRAY_SIZE. */
struct chunk {
	int after, n;
	struct process *p[16];
};

static void lowest_above(struct process *m, void *arg)
{
	struct chunk *c = arg;
	int at;

	if (!m->started || m->pid <= c->after)
		return;
	if (c->n == (int)ARRAY_SIZE(c->p) && m->pid > c->p[c->n - 1]->pid)
		return;
	if (c->n == (int)ARRAY_SIZE(c->p))
		c->n--;		/* the highest makes room */
	for (at = c->n; at > 0 && c->p[at - 1]->pid > m->pid; at--)
		c->p[at] = c->p[at - 1];
	c->p[at] = m;
	c->n++;
}

/* si to each member of group pgid that ok(member, arg) lets have it (ok
 * NULL: every member, zombies too), without memory to spare: the members
 * in pid order, 16 at a time. -ESRCH if the group has no member. */
static int signal_group_chunked(int pgid, const struct ksiginfo *si,
				bool (*ok)(struct process *p, const void *arg), const void *arg)
{
	struct chunk c = { .after = 0 };
	int total = 0;

	do {
		c.n = 0;
		unsigned long flags = spin_lock_irqsave(&proc_lock);
		pgrp_each(pgid, lowest_above, &c);
		for (int i = 0; i < c.n; i++)
			proc_get(c.p[i]);
		spin_unlock_irqrestore(&proc_lock, flags);
		for (int i = 0; i < c.n; i++) {
			if (si && (!ok || (!READ_ONCE(c.p[i]->zombie) && ok(c.p[i], arg))))
				signal_send(c.p[i], si);
			c.after = c.p[i]->pid;
			proc_put(c.p[i]);
		}
		total += c.n;
	} while (c.n == (int)ARRAY_SIZE(c.p));
	return total ? 0 : -ESRCH;
}

/* The same for every member (a SIGHUP to an orphaned group must not be
 * lost to ENOMEM). */
static int signal_members_slowly(int pgid, const struct ksiginfo *si)
{
	return signal_group_chunked(pgid, si, NULL, NULL);
}

/* F_SETOWN's group owner: each member's permission is its own. */
int proc_signal_group_if(int pgid, const struct ksiginfo *si,
			 bool (*ok)(struct process *p, const void *arg), const void *arg)
{
	return signal_group_chunked(pgid, si, ok, arg);
}

static int signal_members(int pgid, const struct ksiginfo *si)
{
	struct gather g = { 0 };

	for (;;) {
		unsigned long flags = spin_lock_irqsave(&proc_lock);
		g.n = 0;
		pgrp_each(pgid, gather_one, &g);
		spin_unlock_irqrestore(&proc_lock, flags);
		if (g.n <= g.cap)
			break;
		for (int i = 0; i < g.cap; i++)	/* it grew: again, with room */
			proc_put(g.all[i]);
		kfree(g.all);
		g.cap = g.n + 8;
		if (!(g.all = kmalloc(sizeof(*g.all) * (size_t)g.cap, GFP_KERNEL)))
			return signal_members_slowly(pgid, si);
	}
	for (int i = 0; i < g.n && si; i++)
		signal_send(g.all[i], si);
	for (int i = 0; i < g.n; i++)
		proc_put(g.all[i]);
	kfree(g.all);
	return g.n ? 0 : -ESRCH;
}

/* Newly orphaned groups with a stopped member: SIGHUP, then SIGCONT. */
static void hangup_orphans(const int *pgids, int n)
{
	struct ksiginfo hup = { .signo = SIGHUP, .code = SI_KERNEL };
	struct ksiginfo cont = { .signo = SIGCONT, .code = SI_KERNEL };

	for (int i = 0; i < n; i++) {
		signal_members(pgids[i], &hup);
		signal_members(pgids[i], &cont);
	}
}

bool proc_pgrp_orphaned(struct process *p)
{
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	bool orphan = p->pgrp && pgrp_orphaned(p->pgrp);

	spin_unlock_irqrestore(&proc_lock, flags);
	return orphan;
}

static bool ignores_children(struct process *parent)
{
	struct k_sigaction sa = sighand_action(parent, SIGCHLD);

	return sa.handler == SIG_IGN || (sa.flags & SA_NOCLDWAIT);
}

void proc_set_subreaper(struct process *p, bool on)
{
	unsigned long flags = spin_lock_irqsave(&proc_lock);

	p->child_subreaper = on;
	spin_unlock_irqrestore(&proc_lock, flags);
}

/* Caller holds proc_lock: who takes p's children when p exits: the
 * nearest ancestor that is a child subreaper and not exiting itself,
 * else init (NULL when p is init). An ancestor exiting at the same time
 * takes the lock after us and passes them on again. */
static struct process *reaper_for(struct process *p)
{
	if (p->pid == 1 || !pid_table[1])
		return NULL;
	/* the init of p's PID namespace, or of the nearest one above whose
	 * init lives (p may be that init, exiting) */
	struct pid_ns *ns = p->pid_ns;
	while (ns->level > 0 && (!ns->reaper || ns->reaper == p))
		ns = ns->parent;
	struct process *init = ns->level > 0 ? ns->reaper : pid_table[1];
	for (struct process *a = p->parent; a && a != init && a->pid != 1; a = a->parent)
		if (a->child_subreaper && !a->zombie && a != p)
			return a;
	return init;
}

/*
 * p, its PID namespace's init, exits: the namespace is dead (no new
 * process there: -ENOMEM) and every process left in it gets SIGKILL, as
 * Linux; then, as Linux, it waits for them all to be gone (reaping those
 * that are its children, orphans coming to it meanwhile) before its own
 * parent hears of it.
 */
static void kill_namespace(struct pid_ns *ns, struct process *init)
{
	struct ksiginfo si = { .signo = SIGKILL, .code = SI_KERNEL };
	struct process *batch[32];

	for (int start = 2; start < PID_MAX;) {
		int n = 0;
		unsigned long flags = spin_lock_irqsave(&proc_lock);
		for (; start < PID_MAX && n < (int)ARRAY_SIZE(batch); start++) {
			struct process *q = pid_table[start];
			if (!q || q == init || q->zombie || !pid_ns_within(q->pid_ns, ns))
				continue;
			proc_get(q);
			batch[n++] = q;
		}
		spin_unlock_irqrestore(&proc_lock, flags);
		for (int i = 0; i < n; i++) {
			signal_send_unchecked(batch[i], &si);
			proc_put(batch[i]);
		}
	}
}

/* The children with a death signal, each with a reference, to signal
 * once proc_lock is dropped (a signal may wake a stopped child, whose
 * report takes that lock). */
struct pdeath {
	struct process **v;
	int n, max;
};

static void pdeath_note(struct pdeath *d, struct process *c)
{
	if (!READ_ONCE(c->pdeath_sig) || d->n >= d->max)
		return;
	proc_get(c);
	d->v[d->n++] = c;
}

static void pdeath_send(struct pdeath *d, struct process *parent)
{
	for (int i = 0; i < d->n; i++) {
		struct process *c = d->v[i];
		int sig = READ_ONCE(c->pdeath_sig);
		struct ksiginfo si = { .signo = sig, .code = SI_USER, .pid = parent->pid,
				       .uid = READ_ONCE(parent->uid[0]) };
		if (sig)
			signal_send_unchecked(c, &si);	/* asked for: no permission needed */
		proc_put(c);
	}
	kfree(d->v);
}

/* Caller holds proc_lock: reaps init's zombie children onto *gone; is
 * any other process of ns left (zombies of other parents too)? */
static bool ns_others_left(struct pid_ns *ns, struct process *init, struct list_head *gone)
{
	struct process *c, *tmp;

	list_for_each_entry_safe(c, tmp, &init->children, sibling) {
		if (!c->zombie)
			continue;
		list_del_init(&c->sibling);
		unhash(c);
		list_add_tail(&c->sibling, gone);
	}
	for (int g = 2; g < PID_MAX; g++) {	/* a dying namespace only */
		struct process *q = pid_table[g];
		if (q && q != init && pid_ns_within(q->pid_ns, ns))
			return true;
	}
	return false;
}

/* p, the init of ns, exits: SIGKILL to the rest, then until they are
 * all gone, reaping its own children. Not interrupted by signals (it
 * is exiting); it waits as long as a process of the namespace whose
 * parent is outside stays unreaped, as Linux's does. */
static void drain_namespace(struct pid_ns *ns, struct process *p)
{
	struct list_head gone;
	bool left = true;

	kill_namespace(ns, p);
	while (left) {
		list_init(&gone);
		struct waiter w = { .task = NULL };
		prepare_to_wait(&p->child_wq, &w);
		unsigned long flags = spin_lock_irqsave(&proc_lock);
		left = ns_others_left(ns, p, &gone);
		spin_unlock_irqrestore(&proc_lock, flags);
		if (left && list_empty(&gone))
			schedule_timeout(20000000);	/* 20 ms: others' parents reap too */
		finish_wait(&p->child_wq, &w);
		struct process *c, *tmp;
		list_for_each_entry_safe(c, tmp, &gone, sibling) {
			list_del_init(&c->sibling);
			proc_drop_task(c);
			proc_put(c);	/* the child-list reference */
		}
	}
}

bool proc_exit(struct process *p, int wait_status)
{
	struct process *init = NULL, *parent, *c, *tmp;
	struct list_head orphans;
	bool reap_now;
	struct pdeath pd = { 0 };

	release_resources(p);
	ptrace_tracer_exit(p);	/* its tracees go on (or die: EXITKILL) */
	unsigned long fl0 = spin_lock_irqsave(&proc_lock);
	struct pid_ns *own = p->pid_ns;
	bool is_reaper = own->level > 0 && own->reaper == p;
	if (is_reaper)
		own->dead = true;	/* no one enters it now (fork: ENOMEM) */
	spin_unlock_irqrestore(&proc_lock, fl0);
	if (is_reaper)
		drain_namespace(own, p);	/* still its reaper meanwhile */
	if (READ_ONCE(p->sid) == p->pid)
		tty_session_end(p->pid);	/* before its number can be reused */

	struct orphan_check oc = { 0 };
	int hangup[ORPHAN_MAX], nhangup;

	list_init(&orphans);
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	int nkids = 0;
	list_for_each_entry(c, &p->children, sibling)
		nkids += READ_ONCE(c->pdeath_sig) != 0;
	spin_unlock_irqrestore(&proc_lock, flags);
	if (nkids) {	/* a child forked since may miss it: Linux's would not */
		pd.v = kmalloc(sizeof(*pd.v) * (size_t)nkids, GFP_KERNEL);
		pd.max = pd.v ? nkids : 0;
	}
	flags = spin_lock_irqsave(&proc_lock);
	if (is_reaper)
		own->reaper = NULL;	/* its namespace is empty now */
	init = reaper_for(p);	/* a subreaper, or init */
	orphan_note(&oc, p);	/* its group, its children's groups */
	list_for_each_entry_safe(c, tmp, &p->children, sibling) {
		list_del_init(&c->sibling);
		c->parent = init;
		c->exit_signal = SIGCHLD;	/* Linux: a new parent hears SIGCHLD */
		pdeath_note(&pd, c);
		/* a zombie passed to an init that ignores SIGCHLD is reaped
		 * now, as Linux does: that init will never wait for it */
		if (init && !(c->zombie && ignores_children(init))) {
			list_add_tail(&c->sibling, &init->children);
			continue;
		}
		if (c->zombie)
			unhash(c);
		list_add_tail(&c->sibling, &orphans);	/* put after the lock */
	}
	parent = p->parent;
	p->zombie = true;
	p->exec_done = true;
	p->exit_status = wait_status;
	nhangup = orphan_found(&oc, p, hangup);
	int exit_signal = p->exit_signal;
	/* Linux: only a SIGCHLD child is reaped at once for an ignoring parent */
	reap_now = !parent || (exit_signal == SIGCHLD && ignores_children(parent));
	if (reap_now) {
		unhash(p);
		if (parent) {
			list_del_init(&p->sibling);
		}
	}
	if (parent)
		proc_get(parent);
	if (init)
		proc_get(init);
	spin_unlock_irqrestore(&proc_lock, flags);
	hangup_orphans(hangup, nhangup);
	pdeath_send(&pd, p);
	wake_up_all(&p->vfork_wq);	/* exec_done: a vfork caller goes on */
	wake_up_all(&p->pidfd_wq);	/* pidfds of it are readable now */

	/* nobody will wait for these: drop the child-list references (the
	 * last put frees a task, which takes locks ranked below ours) */
	list_for_each_entry_safe(c, tmp, &orphans, sibling) {
		list_del_init(&c->sibling);
		if (c->zombie)
			proc_drop_task(c);
		proc_put(c);
	}
	if (init) {
		wake_up_all(&init->child_wq);	/* it may have inherited zombies */
		proc_put(init);
	}
	if (parent) {
		int code = wait_status & 0x7f ? (wait_status & 0x80 ? CLD_DUMPED : CLD_KILLED)
					      : CLD_EXITED;
		struct ksiginfo si = { .signo = exit_signal, .code = code, .pid = p->pid,
				       .uid = READ_ONCE(p->uid[0]),
				       .status = wait_status & 0x7f ? wait_status & 0x7f
								    : (wait_status >> 8) & 0xff };
		if (exit_signal && parent->started && !parent->zombie)
			signal_send(parent, &si);
		wake_up_all(&parent->child_wq);
		if (reap_now)
			proc_put(p);	/* the child-list reference */
		proc_put(parent);
	}
	return reap_now;
}

void proc_abort(struct process *p)
{
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	bool listed = !list_empty(&p->sibling);

	list_del_init(&p->sibling);
	if (p->pid_ns && p->pid_ns->reaper == p) {	/* a new namespace's first: */
		p->pid_ns->reaper = NULL;	/* it never ran, the namespace */
		p->pid_ns->dead = true;		/* is dead (an ns file may keep it) */
	}
	unhash(p);
	spin_unlock_irqrestore(&proc_lock, flags);
	release_resources(p);
	if (listed)
		proc_put(p);
	proc_put(p);
}

static bool matches(struct process *c, struct process *me, const struct wait_spec *ws)
{
	/* Linux: a child whose exit signal is not SIGCHLD is a "clone"
	 * child, seen with __WCLONE (and only then) or __WALL */
	if (!(ws->options & (int)0x40000000) &&
	    (c->exit_signal != SIGCHLD) != !!(ws->options & (int)0x80000000))
		return false;
	switch (ws->which) {
	case P_PID: return c->pid == ws->id;
	case P_PGID: return c->pgid == (ws->id ? ws->id : me->pgid);
	case P_PIDFD: return c == ws->target;
	default: return true;	/* P_ALL */
	}
}

/* What the report of child c says: the wait status, and waitid's code
 * and status. */
static void report_ids(struct wait_report *r, int pid, u32 uid, int status, bool reaped)
{
	r->pid = pid_to_user(pid);	/* the waiter's number, before it can go */
	r->uid = uid;
	r->status = status;
	r->reaped = reaped;
	if ((status & 0xff) == 0x7f) {
		r->code = CLD_STOPPED;
		r->si_status = (status >> 8) & 0xff;
	} else if (status == 0xffff) {
		r->code = CLD_CONTINUED;
		r->si_status = SIGCONT;
	} else if (status & 0x7f) {
		r->code = status & 0x80 ? CLD_DUMPED : CLD_KILLED;
		r->si_status = status & 0x7f;
	} else {
		r->code = CLD_EXITED;
		r->si_status = (status >> 8) & 0xff;
	}
}

static void report(struct wait_report *r, struct process *c, int status, bool reaped)
{
	report_ids(r, c->pid, READ_ONCE(c->uid[0]), status, reaped);
}

/* Looks for a child to report; caller holds proc_lock. A zombie is
 * unlinked (reaped) unless WNOWAIT; a stop or continue is reported once
 * (WNOWAIT: left to report again) and the child stays. The child comes
 * with a reference. NULL with *rc 0 means matching children exist but
 * none is ready. */
/*
 * Caller holds proc_lock: whether a thread of child c is traced by me.
 * Its stops are then reported to me as a tracer only (ptrace_wait), as
 * Linux hides the group stop from a real parent that traces: one stop,
 * one report. The tracer is read without ptrace_lock: an attach or
 * detach racing the wait may see either answer.
 */
static bool traced_by(struct process *c, struct process *me)
{
	struct task *t;
	bool yes = false;

	spin_lock(&c->sig_lock);
	list_for_each_entry(t, &c->threads, thread_link)
		yes |= READ_ONCE(t->ptrace.tracer) == me;
	spin_unlock(&c->sig_lock);
	return yes;
}

static struct process *find_child(struct process *me, const struct wait_spec *ws, int *rc,
				  struct wait_report *r)
{
	struct process *c;
	bool any = false, keep = ws->options & WNOWAIT;

	list_for_each_entry(c, &me->children, sibling) {
		if (!matches(c, me, ws))
			continue;
		any = true;
		if (c->zombie && (ws->options & WEXITED)) {
			report(r, c, c->exit_status, !keep);
			if (keep) {
				proc_get(c);
			} else {	/* the child-list reference is ours now */
				list_del_init(&c->sibling);
				unhash(c);
			}
		} else if ((ws->options & WSTOPPED) && c->stop_report && !c->zombie &&
			   !traced_by(c, me)) {
			c->stop_report = keep;
			report(r, c, (c->stop_sig << 8) | 0x7f, false);
			proc_get(c);
		} else if ((ws->options & WCONTINUED) && c->cont_report && !c->zombie) {
			c->cont_report = keep;
			report(r, c, 0xffff, false);
			proc_get(c);
		} else {
			continue;
		}
		*rc = 0;
		return c;
	}
	*rc = any ? 0 : -ECHILD;
	return NULL;
}

/* The tracees of me (ptrace) after its children: their pid if one has a
 * report (in *r), and *rc no longer -ECHILD if one matches. */
static int ptrace_wait_report(struct process *me, const struct wait_spec *ws,
			      struct wait_report *r, int *rc)
{
	int uid, status;
	bool stop;
	int pid = ptrace_wait(me, ws, &uid, &status, &stop);

	if (pid >= 0 && *rc == -ECHILD)
		*rc = 0;
	if (pid <= 0)
		return 0;
	report_ids(r, pid, (u32)uid, status, false);
	if (stop)
		r->code = 4;	/* CLD_TRAPPED */
	return pid;
}

long proc_wait_spec(const struct wait_spec *uws, struct wait_report *r)
{
	struct process *me = current_proc(), *z = NULL;
	struct waiter w = { .task = NULL };
	int rc, traced = 0;
	/* the caller's numbers as global ones; one it has no process or
	 * group of matches nothing (-1 is no one's) */
	struct wait_spec spec = *uws;
	const struct wait_spec *ws = &spec;
	if ((spec.which == P_PID || (spec.which == P_PGID && spec.id)) &&
	    !(spec.id = pid_from_user(uws->id)))
		spec.id = -1;

	for (;;) {
		prepare_to_wait(&me->child_wq, &w);
		unsigned long flags = spin_lock_irqsave(&proc_lock);
		z = find_child(me, ws, &rc, r);
		spin_unlock_irqrestore(&proc_lock, flags);
		if (!z && (traced = ptrace_wait_report(me, ws, r, &rc)) > 0)
			break;	/* a tracee's stop or exit */
		if (z || rc || (ws->options & WNOHANG))
			break;
		if (signal_pending()) {
			rc = -ERESTARTSYS;
			break;
		}
		schedule();
	}
	finish_wait(&me->child_wq, &w);
	if (traced > 0)
		return r->pid;
	if (!z)
		return rc;
	if (r->reaped && z->task) {
		task_join(z->task);	/* off its CPU: its memory is back */
		proc_drop_task(z);
	}
	if (r->reaped) {
		rusage_reaped(me, z);
		wake_up_all(&z->pidfd_wq);	/* POLLHUP for its pidfds */
	}
	proc_put(z);
	return r->pid;
}

long proc_wait(int pid, int *status, int options)
{
	struct wait_spec ws = { .which = pid > 0 ? P_PID : pid == -1 ? P_ALL : P_PGID,
				.id = pid > 0 ? pid : pid == -1 ? 0 : -pid,
				.options = (options & (WNOHANG | WSTOPPED | WCONTINUED |
						       (int)0xe0000000)) | WEXITED };
	struct wait_report r;
	long rc = proc_wait_spec(&ws, &r);

	if (rc > 0)
		*status = r.status;
	return rc;
}

/* Tells the parent that p stopped or continued (SIGCHLD, unless it asked
 * for SA_NOCLDSTOP, and a wakeup for wait4). */
static void notify_parent(struct process *p, int code, int sig)
{
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	struct process *parent = p->parent;

	/* A SIGCONT on another CPU may have ended the stop already (it clears
	 * stopped before it reports, under this lock): a late stop report
	 * would make wait4 say a running process is stopped. */
	if (code == CLD_STOPPED && !READ_ONCE(p->stopped)) {
		spin_unlock_irqrestore(&proc_lock, flags);
		return;
	}
	if (code == CLD_STOPPED) {
		p->stop_report = true;
		p->cont_report = false;
	} else {
		p->cont_report = true;
		p->stop_report = false;
	}
	if (parent)
		proc_get(parent);
	spin_unlock_irqrestore(&proc_lock, flags);
	if (!parent)
		return;
	if (!(sighand_action(parent, SIGCHLD).flags & SA_NOCLDSTOP)) {
		struct ksiginfo si = { .signo = SIGCHLD, .code = code, .pid = p->pid,
				       .uid = READ_ONCE(p->uid[0]), .status = sig };
		signal_send(parent, &si);
	}
	wake_up_all(&parent->child_wq);
	proc_put(parent);
}

void proc_notify_stopped(struct process *p, int sig)
{
	notify_parent(p, CLD_STOPPED, sig);
}

void proc_stop(int sig)
{
	struct task *t = current_task();
	struct process *p = t->proc;

	if (sig)	/* the thread that took the stop signal reports it */
		notify_parent(p, CLD_STOPPED, sig);
	for (;;) {	/* until SIGCONT, or SIGKILL, or a tracer's attach */
		set_current_state_blocked();
		if (!READ_ONCE(p->stopped) || (READ_ONCE(t->pending) & sigmask(SIGKILL)) ||
		    (ptrace_traced(t) && !READ_ONCE(t->ptrace.gstop_done)))
			break;
		schedule();
	}
	set_current_state_running();
}

/* Wakes every thread of p (sleeps re-check their conditions). */
void proc_wake_threads(struct process *p)
{
	struct task *t;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);

	list_for_each_entry(t, &p->threads, thread_link)
		task_kick(t);
	spin_unlock_irqrestore(&p->sig_lock, flags);
}

void proc_continued(struct process *p)
{
	notify_parent(p, CLD_CONTINUED, SIGCONT);
	proc_wake_threads(p);
}

int proc_thread_attach(struct process *p, struct task *t, bool first)
{
	struct pid *numbers = NULL;

	if (!first && pid_prepare(p->pid_ns, &numbers))
		return -ENOMEM;
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	int tid = first ? p->pid : id_alloc();
	int vtid = first ? p->vpid : 0;

	if (tid > 0) {
		spin_lock(&p->sig_lock);
		if (p->group_exit || p->exec_task || p->zombie) {
			tid = -EINTR;	/* Linux: ERESTARTNOINTR, then the kill */
		} else if (!first && (vtid = pid_attach(numbers, tid, p->pid_ns, NULL, 0)) < 0) {
			tid = vtid;	/* its namespace is full or dying */
			numbers = NULL;
		} else {
			numbers = NULL;
			tid_table[tid] = t;
			t->user_tid = tid;
			t->vtid = vtid;
			if (!first)	/* as TSYNC left its creator's filters */
				seccomp_thread_attach_locked(t, current_task());
			list_add_tail(&t->thread_link, &p->threads);
			p->nr_threads++;
			p->started = true;
		}
		spin_unlock(&p->sig_lock);
	}
	spin_unlock_irqrestore(&proc_lock, flags);
	pid_unprepare(numbers);		/* not used: the attach failed */
	return tid;
}

bool proc_thread_detach(struct process *p, struct task *t, int *status)
{
	unsigned long flags = spin_lock_irqsave(&proc_lock);

	if (tid_table[t->user_tid] == t) {
		tid_table[t->user_tid] = NULL;
		proc_id_check(t->user_tid);
	}
	spin_lock(&p->sig_lock);
	list_del_init(&t->thread_link);
	signal_flush_queued_locked(p, t, ~0ULL);	/* nobody can take them now */
	p->dead_utime += READ_ONCE(t->utime_ticks);
	p->dead_stime += READ_ONCE(t->stime_ticks);
	if (t->user_tid == p->pid)
		p->leader_exit_status = *status;
	bool last = --p->nr_threads == 0;
	if (p->shared_pending) {	/* it may have been woken for these */
		struct task *o;
		list_for_each_entry(o, &p->threads, thread_link)
			task_kick(o);
	}
	if (last)	/* Linux: the group exit's status, else the leader's */
		*status = p->group_exit ? p->group_exit_status : p->leader_exit_status;
	spin_unlock(&p->sig_lock);
	spin_unlock_irqrestore(&proc_lock, flags);
	ptrace_task_exit(t, *status);	/* its tracer hears of it, lets go */
	if (!last)
		cgroup_thread_uncharge(p);	/* the last is cgroup_exit's */
	wake_up_all(&p->thread_wq);	/* execve's de-thread counts */
	return last;
}

void proc_thread_take_pid(struct process *p, struct task *t)
{
	unsigned long flags = spin_lock_irqsave(&proc_lock);

	if (t->user_tid != p->pid) {
		int old = t->user_tid;
		if (tid_table[old] == t)
			tid_table[old] = NULL;
		tid_table[p->pid] = t;
		t->user_tid = p->pid;
		t->vtid = p->vpid;
		proc_id_check(old);
	}
	spin_unlock_irqrestore(&proc_lock, flags);
}

struct task *proc_find_thread(int tid, struct process **pp)
{
	return proc_find_thread_global(pid_from_user(tid), pp);
}

struct task *proc_find_thread_global(int tid, struct process **pp)
{
	struct task *t = NULL;

	if (tid <= 0 || tid >= PID_MAX)
		return NULL;
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	t = tid_table[tid];
	if (t && t->proc) {	/* listed: its process is alive */
		task_get(t);
		proc_get(t->proc);
		*pp = t->proc;
	} else {
		t = NULL;
	}
	spin_unlock_irqrestore(&proc_lock, flags);
	return t;
}

struct task *proc_find_thread_or_zombie(int tid, struct process **pp)
{
	tid = pid_from_user(tid);
	struct task *t = proc_find_thread_global(tid, pp);

	if (t || tid <= 0 || tid >= PID_MAX)
		return t;
	/* the reaper drops p->task only after unhashing p, under this lock */
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	struct process *p = pid_table[tid];
	if (p && p->zombie && p->task) {
		t = p->task;
		task_get(t);
		proc_get(p);
		*pp = p;
	}
	spin_unlock_irqrestore(&proc_lock, flags);
	return t;
}

int proc_kill(int pid, int sig, int code)
{
	struct process *me = current_proc();
	struct ksiginfo si = { .signo = sig, .code = code, .pid = me ? me->pid : 0,
			       .uid = me ? READ_ONCE(me->uid[0]) : 0 };
	int found = 0, rc = 0;
	struct pid_ns *ns = pid_ns_current();

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (pid > 0) {
		struct process *p = proc_find(pid);	/* the caller's number */
		if (!p)
			return -ESRCH;
		if (!cred_may_signal(p, sig))
			rc = -EPERM;	/* kill(pid, 0) too */
		else if (sig && !READ_ONCE(p->zombie))
			rc = signal_send(p, &si);
		proc_put(p);
		return rc;
	}
	if (pid != -1) {	/* a group: 0 is the caller's */
		unsigned long flags = spin_lock_irqsave(&proc_lock);
		int pgid = pid == 0 ? me->pgid : pid_from_user(-pid);
		spin_unlock_irqrestore(&proc_lock, flags);
		if (!pgid)
			return -ESRCH;	/* no such group in the caller's namespace */
		return signal_members(pgid, sig ? &si : NULL);	/* 0: does it exist? */
	}
	/* Everyone but init and us: collect under the lock, signal after. */
	struct process **targets = kmalloc(sizeof(*targets) * 64, GFP_KERNEL);
	if (!targets)
		return -ENOMEM;
	for (int start = 1; start < PID_MAX;) {
		int n = 0;
		unsigned long flags = spin_lock_irqsave(&proc_lock);
		for (; start < PID_MAX && n < 64; start++) {
			struct process *p = pid_table[start];
			/* the caller's namespace's processes but its init */
			if (!p || p->zombie || p->pid == 1 || p == me ||
			    !pid_ns_within(p->pid_ns, ns) || (p->pid_ns == ns && p->vpid == 1))
				continue;
			proc_get(p);
			targets[n++] = p;
		}
		spin_unlock_irqrestore(&proc_lock, flags);
		for (int i = 0; i < n; i++) {
			if (sig)
				signal_send(targets[i], &si);
			proc_put(targets[i]);
		}
		found += n;
	}
	kfree(targets);
	return found ? 0 : -ESRCH;
}

static void count_and_send(struct process *p, void *arg)
{
	struct { const struct ksiginfo *si; int n; } *a = arg;

	if (p->started) {
		signal_send(p, a->si);
		a->n++;
	}
}

/* From interrupt context (the terminal's ^C, ^Z, ^\): no allocation,
 * spinlocks only, the group's members only. Never SIGCONT, which
 * reports to the parent under proc_lock. */
int proc_signal_group(int pgid, int sig)
{
	return proc_signal_group_in(pgid, 0, sig);
}

/* A terminal's signal to its foreground group: only if that group still
 * belongs to the terminal's session (sid; 0: any). A terminal keeps the
 * group's number, and a group that has gone may have given it to a new
 * group of someone else. */
int proc_signal_group_in(int pgid, int sid, int sig)
{
	struct ksiginfo si = { .signo = sig, .code = SI_KERNEL };
	struct { const struct ksiginfo *si; int n; } a = { &si, 0 };

	if (sig == SIGCONT)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	struct pgroup *g = pgrp_find(pgid);
	if (g && (!sid || pgrp_sid(g) == sid))
		pgrp_each(pgid, count_and_send, &a);
	spin_unlock_irqrestore(&proc_lock, flags);
	return a.n ? 0 : -ESRCH;
}

int proc_setpgid(int pid, int pgid)
{
	struct process *me = current_proc();
	struct pgroup *fresh = pgrp_alloc();
	struct orphan_check oc = { 0 };
	int hangup[ORPHAN_MAX], nhangup = 0;
	int rc = 0;

	if (pgid < 0 || !fresh) {
		pgrp_free(fresh);
		return pgid < 0 ? -EINVAL : -ENOMEM;
	}
	/* the caller's numbers as global ones (none there: no such process,
	 * no such group) */
	if (pid > 0 && !(pid = pid_from_user(pid)))
		pid = PID_MAX;
	if (pgid > 0 && !(pgid = pid_from_user(pgid)))
		pgid = -1;
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	struct process *p = pid == 0 ? me : (pid > 0 && pid < PID_MAX ? pid_table[pid] : NULL);
	if (!p || (p != me && p->parent != me))
		rc = -ESRCH;
	else if (p->sid == p->pid)
		rc = -EPERM;		/* a session leader */
	else if (p != me && p->sid != me->sid)
		rc = -EPERM;
	else if (p != me && p->execed)
		rc = -EACCES;		/* a child that has run execve (Linux, POSIX) */
	if (!rc) {
		if (!pgid)
			pgid = p->pid;
		struct pgroup *g = pgid > 0 ? pgrp_find(pgid) : NULL;
		if (!g && pgid == p->pid) {	/* a new group, p its leader */
			pgrp_start(fresh, pgid, p->sid);
			g = fresh;
			fresh = NULL;
		}
		if (!g || pgrp_sid(g) != p->sid) {
			rc = -EPERM;	/* no such group in p's session */
		} else if (g != p->pgrp) {
			orphan_note(&oc, p);
			pgrp_join(p, g);
			nhangup = orphan_found(&oc, NULL, hangup);
		}
	}
	spin_unlock_irqrestore(&proc_lock, flags);
	pgrp_free(fresh);
	hangup_orphans(hangup, nhangup);
	return rc;
}

int proc_setsid(void)
{
	struct process *me = current_proc();
	struct pgroup *fresh = pgrp_alloc();
	struct orphan_check oc = { 0 };
	int hangup[ORPHAN_MAX], nhangup = 0;
	int rc;

	if (!fresh)
		return -ENOMEM;
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	if (pgrp_find(me->pid)) {
		rc = -EPERM;	/* a group leader already */
	} else {
		orphan_note(&oc, me);
		pgrp_start(fresh, me->pid, me->pid);
		pgrp_join(me, fresh);
		fresh = NULL;
		nhangup = orphan_found(&oc, NULL, hangup);
		rc = me->vpid;
	}
	spin_unlock_irqrestore(&proc_lock, flags);
	pgrp_free(fresh);
	hangup_orphans(hangup, nhangup);
	return rc;
}

int proc_getpgid(int pid, bool sid)
{
	struct process *me = current_proc();
	int rc;
	if (pid > 0 && !(pid = pid_from_user(pid)))
		return -ESRCH;
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	struct process *p = pid == 0 ? me : (pid > 0 && pid < PID_MAX ? pid_table[pid] : NULL);

	/* a group or session outside the caller's namespace is 0 (Linux) */
	rc = !p ? -ESRCH : pid_to_user(sid ? p->sid : p->pgid);
	spin_unlock_irqrestore(&proc_lock, flags);
	return rc;
}

int proc_sid_of(int pid)
{
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	struct process *p = pid > 0 && pid < PID_MAX ? pid_table[pid] : NULL;
	int rc = p ? p->sid : -ESRCH;

	spin_unlock_irqrestore(&proc_lock, flags);
	return rc;
}

struct process *proc_parent_get(struct process *p)
{
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	struct process *parent = p->parent;

	if (parent)
		proc_get(parent);
	spin_unlock_irqrestore(&proc_lock, flags);
	return parent;
}

int proc_getppid(void)
{
	struct process *me = current_proc();
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	/* 0 for a parent outside the caller's namespace (its init's) */
	int ppid = me->parent ? pid_to_user(me->parent->pid) : 0;

	spin_unlock_irqrestore(&proc_lock, flags);
	return ppid;
}

/* vfork: the caller sleeps until the child execs or exits (it wakes
 * child->vfork_wq: with CLONE_PARENT the caller is not its parent), or
 * until the caller is killed. */
void proc_vfork_wait(struct process *child)
{
	struct waiter w = { .task = NULL };

	for (;;) {
		prepare_to_wait(&child->vfork_wq, &w);
		if (READ_ONCE(child->exec_done) || fatal_signal_pending())
			break;
		schedule();
	}
	finish_wait(&child->vfork_wq, &w);
}

/* ---- a process's threads as /proc shows them (kernel/fs/procfs_pid.c) */

/* The leader has gone before its group: Linux lists it still, a zombie
 * thread, until the last one goes. Caller holds proc_lock. */
static bool leader_gone(struct process *p)
{
	struct task *t = tid_table[p->pid];

	return !p->zombie && READ_ONCE(p->nr_threads) > 0 && (!t || t->proc != p);
}

/* Into out, ascending, keeping the max smallest. */
static void insert_tid(int *out, int *n, int max, int tid)
{
	if (*n == max && (!max || tid >= out[max - 1]))
		return;		/* the list is in creation order, mostly ascending */
	int k = *n < max ? (*n)++ : max - 1;
	for (; k > 0 && out[k - 1] > tid; k--)
		out[k] = out[k - 1];
	out[k] = tid;
}

int proc_thread_tids(struct process *p, int from, int *out, int max)
{
	struct task *t;
	int n = 0;
	unsigned long flags = spin_lock_irqsave(&proc_lock);

	spin_lock(&p->sig_lock);
	if (p->pid >= from && leader_gone(p))
		insert_tid(out, &n, max, p->pid);
	list_for_each_entry(t, &p->threads, thread_link)
		if (t->user_tid >= from && tid_table[t->user_tid] == t)
			insert_tid(out, &n, max, t->user_tid);
	spin_unlock(&p->sig_lock);
	spin_unlock_irqrestore(&proc_lock, flags);
	return n;
}

int proc_thread_snapshot(struct process *p, int tid, struct thread_snapshot *out)
{
	int rc = -ESRCH;

	if (tid <= 0 || tid >= PID_MAX)
		return rc;
	unsigned long flags = spin_lock_irqsave(&proc_lock);
	struct task *t = tid_table[tid];
	spin_lock(&p->sig_lock);
	if (t && t->proc == p) {	/* listed: not yet detached */
		out->tid = tid;
		out->state = READ_ONCE(p->stopped) ? 'T' :
			     task_state_char(t);
		out->utime_ticks = READ_ONCE(t->utime_ticks);
		out->stime_ticks = READ_ONCE(t->stime_ticks);
		out->pending = t->pending;
		out->blocked = t->blocked;
		out->cpu = READ_ONCE(t->cpu);
		out->policy = READ_ONCE(t->policy);
		out->rt_priority = READ_ONCE(t->rt_priority);
		out->nice = READ_ONCE(t->nice);
		rc = 0;
	} else if (tid == p->pid && leader_gone(p)) {
		*out = (struct thread_snapshot){ .tid = tid, .state = 'Z' };
		rc = 0;
	}
	spin_unlock(&p->sig_lock);
	spin_unlock_irqrestore(&proc_lock, flags);
	return rc;
}
