/*
 * User tasks: the first user process of a program started by the kernel
 * (init, or a ktest's program), the ways out of user mode (exit, or a
 * fault turned into a signal), and the start of a fork child.
 */
#include <alloy/pid.h>
#include <alloy/arch.h>
#include <alloy/cgroup.h>
#include <alloy/errno.h>
#include <alloy/fdtable.h>
#include <alloy/futex.h>
#include <alloy/printk.h>
#include <alloy/process.h>
#include <alloy/mnt_ns.h>
#include <alloy/ptrace.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <alloy/keys.h>
#include <alloy/signal.h>
#include <uapi/signal.h>
#include <asm/irqflags.h>
#include <asm/trap.h>
#include <uapi/sched.h>

struct spawn {
	struct process *proc;
	struct user_mm *mm;
	u64 entry, sp;
};

static void user_start(void *arg)
{
	struct spawn *sp = arg;
	struct task *t = current_task();
	u64 entry = sp->entry, rsp = sp->sp;
	struct user_mm *mm = sp->mm;

	kfree(sp);
	arch_fpu_init(t->fpu);
	arch_irq_disable();	/* mm, CR3 and the FPU change together */
	task_set_mm(t, mm);
	arch_switch_user(&mm->vm, 0);
	arch_fpu_restore(t->fpu);
	arch_enter_user(entry, rsp);
}

struct user_mm *task_mm_get(struct task *t)
{
	unsigned long flags = spin_lock_irqsave(&t->lock);
	struct user_mm *mm = t->mm;

	if (mm)
		atomic_inc(&mm->users);
	spin_unlock_irqrestore(&t->lock, flags);
	return mm;
}

struct user_mm *task_set_mm(struct task *t, struct user_mm *mm)
{
	unsigned long flags = spin_lock_irqsave(&t->lock);
	struct user_mm *old = t->mm;

	t->mm = mm;
	spin_unlock_irqrestore(&t->lock, flags);
	return old;
}

static void set_comm(struct process *p, const char *path)
{
	const char *base = strrchr(path, '/');

	strlcpy(p->comm, base ? base + 1 : path, sizeof(p->comm));
}

struct task *user_spawn(const struct exec_source *src, const char *const argv[],
			const char *const envp[])
{
	struct spawn *sp = kzalloc(sizeof(*sp), GFP_KERNEL);
	struct task *t = NULL;
	int rc;

	if (!sp)
		return NULL;
	sp->mm = user_mm_create();
	sp->proc = proc_create(NULL, 0);
	if (!sp->mm || !sp->proc)
		goto fail;
	set_comm(sp->proc, src->name);
	for (int fd = 0; fd < 3; fd++) {	/* stdin, stdout, stderr */
		struct file *f;
		if (!vfs_open(NULL, "/dev/console", O_RDWR, 0, &f))
			fd_install(sp->proc->files, f, fd, false);
	}
	struct exec_args args = { .kargv = argv, .kenvp = envp };
	rc = exec_args_count(&args);
	if (!rc)
		rc = exec_load(sp->mm, src, &args, &sp->entry, &sp->sp);
	if (rc) {
		pr_warn("exec: %s: cannot load (%d)\n", src->name, rc);
		goto fail;
	}
	t = task_create_paused(CPU_ANY, user_start, sp, src->name);
	if (t)
		t->proc = sp->proc;	/* proc_create's reference */
	if (t && proc_thread_attach(sp->proc, t, true) > 0) {
		task_start(t);
		return t;	/* task_create_paused's reference is the caller's */
	}
	if (t)
		task_discard(t);	/* proc_abort puts the process */
fail:
	user_mm_put(sp->mm);
	if (sp->proc)
		proc_abort(sp->proc);
	kfree(sp);
	return NULL;
}

int task_exit_status(const struct task *t)
{
	return READ_ONCE(t->exit_status);
}

/* The calling thread ends; the last one ends its process. */
void user_exit(int wait_status)
{
	struct task *t = current_task();
	struct user_mm *mm = t->mm;
	struct process *p = t->proc;

	if (p) {
		ptrace_exit_event(wait_status);	/* PTRACE_O_TRACEEXIT */
		/* no signal decides its status from now on (Linux's PF_EXITING) */
		unsigned long flags = spin_lock_irqsave(&p->sig_lock);
		t->exiting = true;
		spin_unlock_irqrestore(&p->sig_lock, flags);
	}
	if (mm)
		thread_mm_release(t, false);
	arch_irq_disable();
	task_set_mm(t, NULL);
	arch_switch_user(NULL, 0);	/* off its page tables before freeing them */
	arch_irq_enable();
	if (p && mm)
		rusage_mm_done(p, mm);	/* ru_maxrss, before the parent can reap */
	user_mm_put(mm);		/* memory is back before the parent hears */
	if (p) {
		proc_thread_tables_exit(t);
		keys_thread_exit(t);
	}	/* a thread's own files, fs state */
	if (p && proc_thread_detach(p, t, &wait_status)) {
		acct_process(wait_status);	/* before the parent can hear of it */
		task_get(t);
		p->task = t;		/* the reaper joins the last thread */
		t->exit_status = wait_status;
		if (proc_exit(p, wait_status))
			proc_drop_task(p);	/* reaped at once: nobody joins us */
	}
	t->exit_status = wait_status;
	if (p) {
		t->proc = NULL;
		proc_put(p);
	}
	kthread_exit();
}

void user_exit_group(int wait_status)
{
	ptrace_exit_event(wait_status);	/* before the group kill marks us */
	thread_group_kill(current_proc(), wait_status);
	user_exit(wait_status);
}

void user_fault(int signal, int code, u64 addr, u64 ip, const char *what)
{
	struct ksiginfo si = { .signo = signal, .code = code, .addr = addr, .ip = ip,
			       .what = what };

	signal_force(&si);
}

void user_fault_pkey_denied(u64 addr, u64 ip, int pkey)
{
	struct ksiginfo si = { .signo = SIGSEGV, .code = SEGV_PKUERR, .addr = addr, .ip = ip,
			       .what = "protection key", .pkey = (u8)pkey };

	signal_force(&si);
}

/* What a clone child begins with: the caller's registers, returning 0
 * from clone on stack sp (0: the caller's), its TLS base, the caller's
 * FPU state, CLONE_CHILD_SETTID's address and its address space. */
struct clone_start {
	struct user_mm *mm;		/* a user of it, for the child */
	u64 fs_base, child_tid;
	struct trap_frame tf;
	u8 fpu[ARCH_FPU_SIZE] __aligned(16);
};

struct clone_start *clone_start_new(const struct trap_frame *tf, u64 flags, u64 sp,
				    u64 child_tid, u64 tls, struct user_mm *mm)
{
	struct task *cur = current_task();
	struct clone_start *cs = kzalloc(sizeof(*cs), GFP_KERNEL);

	if (!cs) {
		user_mm_put(mm);
		return NULL;
	}
	cs->mm = mm;
	cs->tf = *tf;
	frame_set_retval(&cs->tf, 0);	/* the child's clone() returns 0 */
	if (sp)
		frame_set_sp(&cs->tf, sp);
	cs->fs_base = flags & CLONE_SETTLS ? tls : cur->fs_base;
	cs->child_tid = flags & CLONE_CHILD_SETTID ? child_tid : 0;
	arch_irq_disable();	/* the live FPU registers are the caller's */
	arch_fpu_save(cur->fpu);
	arch_irq_enable();
	memcpy(cs->fpu, cur->fpu, sizeof(cs->fpu));
	return cs;
}

void clone_start_free(struct clone_start *cs)
{
	if (cs) {
		user_mm_put(cs->mm);
		kfree(cs);
	}
}

void clone_start_hand_over(struct task *t, struct clone_start *cs)
{
	t->fs_base = cs->fs_base;
	memcpy(t->fpu, cs->fpu, sizeof(t->fpu));
	task_set_mm(t, cs->mm);
	cs->mm = NULL;
}

void clone_child(void *arg)
{
	struct clone_start *cs = arg;
	struct task *t = current_task();
	struct trap_frame tf = cs->tf;
	u64 child_tid = cs->child_tid;

	kfree(cs);	/* the switch to us loaded the mm, fs_base and FPU state */
	if (child_tid) {	/* CLONE_CHILD_SETTID, into the child's memory */
		int tid = t->vtid;	/* as the child numbers itself */
		copy_to_user((void *)child_tid, &tid, sizeof(tid));
	}
	arch_irq_disable();
	user_return_work(&tf);	/* signals sent before it first ran */
	arch_return_to_user(&tf);
}

long user_fork(const struct trap_frame *tf, u64 new_sp, u64 flags, u64 child_tid, u64 tls,
	       u64 pidfd_addr, u64 parent_tid, const int *set_tid, int nset, struct cgroup *cg)
{
	struct file *pidf = NULL;
	int pidfd = -1;
	struct task *cur = current_task();
	struct clone_start *cs = NULL;
	struct user_mm *mm = NULL;
	struct task *t;
	int rc = rlimit_nproc_check();

	if (rc)
		return rc;
	struct process *p = proc_create_cg(cur->proc, flags & ~(u64)CSIGNAL, (int)(flags & CSIGNAL),
					   set_tid, nset, cg, &rc);
	if (!p)
		return rc;
	if (p && (flags & CLONE_NEWNS) && (rc = mnt_ns_clone_into(p)))
		goto fail;	/* before it runs: its tree is a copy */
	rc = -ENOMEM;
	if (p && (flags & CLONE_VM)) {	/* vfork, posix_spawn */
		mm = cur->mm;
		atomic_inc(&mm->users);
	} else if (p) {
		mm = user_mm_fork(cur->mm);
		struct process *me = cur->proc;	/* entering another time namespace: */
		if (mm && (p->time_off[0] != me->time_off[0] || p->time_off[1] != me->time_off[1]))
			arch_vdso_timens(mm, p->time_off[0] || p->time_off[1]);	/* its vDSO */
	}
	if (mm)
		cs = clone_start_new(tf, flags, new_sp, child_tid, tls, mm);
	if (!cs)
		goto fail;

	int pid = p->pid;	/* global until attached: the caller's number after */
	if (flags & CLONE_PIDFD) {	/* written before the child can run */
		pidfd = pidfd_clone_install(p, pidfd_addr, &pidf);
		if (pidfd < 0) {
			rc = pidfd;
			goto fail;
		}
	}
	t = task_create_paused(CPU_ANY, clone_child, cs, p->comm);
	if (!t)
		goto fail;	/* cs still owns mm */
	t->proc = p;		/* proc_create's reference */
	t->blocked = cur->blocked;
	user_task_inherit(t, cur);
	t->clear_child_tid = flags & CLONE_CHILD_CLEARTID ? child_tid : 0;
	t->altstack_sp = cur->altstack_sp;
	t->altstack_size = cur->altstack_size;
	rc = proc_thread_attach(p, t, true);
	if (rc < 0) {
		task_discard(t);
		goto fail;
	}
	/* its address space from now, not from its first run: /proc and
	 * ptrace see it as soon as fork returns */
	clone_start_hand_over(t, cs);
	proc_get(p);	/* the child may exit and be reaped at once */
	pid = pid_to_user(p->pid);	/* the caller's namespace's number for it */
	if (flags & CLONE_PARENT_SETTID) {	/* as Linux: before it runs (a
						 * CLONE_VM child reads it) */
		int v = pid;
		copy_to_user((void *)parent_tid, &v, sizeof(v));	/* a fault: ignored */
	}
	int event = ptrace_clone_child(t, flags, false);	/* TRACEFORK, TRACEVFORK */
	bool cg_kill = cgroup_fork_doomed(p, cur->proc);	/* now it has its pid */
	task_start(t);
	task_put(t);
	if (cg_kill) {	/* its cgroup is being killed (cgroup.kill) */
		struct ksiginfo si = { .signo = SIGKILL, .code = SI_KERNEL };
		signal_send_unchecked(p, &si);
	}
	if (pidf)
		file_put(pidf);
	if (event)
		ptrace_event(event, (u64)pid);
	if (flags & CLONE_VFORK)
		proc_vfork_wait(p);
	proc_put(p);
	return pid;
fail:
	if (pidf)
		pidfd_clone_undo(pidfd, pidf);
	clone_start_free(cs);
	if (p)
		proc_abort(p);
	return rc;
}
