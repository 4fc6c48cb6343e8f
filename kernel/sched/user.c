/*
 * User tasks: the first user process of a program started by the kernel
 * (init, or a ktest's program), the ways out of user mode (exit, or a
 * fault turned into a signal), and the start of a fork child.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/fdtable.h>
#include <alloy/futex.h>
#include <alloy/printk.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <asm/irqflags.h>
#include <asm/trap.h>

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

	t->proc = sp->proc;
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
	sp->proc = proc_create(NULL);
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
	struct process *p = sp->proc;
	proc_get(p);	/* it may run, exit and drop its own before we are done */
	t = task_create_on(CPU_ANY, user_start, sp, src->name);
	if (t) {
		task_get(t);
		p->task = t;	/* the process's reference */
		proc_put(p);
		return t;
	}
	proc_put(p);
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

void user_exit(int wait_status)
{
	struct task *t = current_task();
	struct user_mm *mm = t->mm;
	struct process *p = t->proc;

	t->exit_status = wait_status;
	futex_exit_robust(t);		/* while its memory is still attached */
	arch_irq_disable();
	task_set_mm(t, NULL);
	arch_switch_user(NULL, 0);	/* off its page tables before freeing them */
	arch_irq_enable();
	user_mm_put(mm);		/* memory is back before the parent hears */
	if (p) {
		proc_exit(p, wait_status);
		t->proc = NULL;
		proc_put(p);
	}
	kthread_exit();
}

void user_fault(int signal, int code, u64 addr, u64 ip, const char *what)
{
	struct ksiginfo si = { .signo = signal, .code = code, .addr = addr, .ip = ip,
			       .what = what };

	signal_force(&si);
}

struct fork_start {
	struct process *proc;
	struct user_mm *mm;
	u64 fs_base, child_tid;
	struct trap_frame tf;
	u8 fpu[ARCH_FPU_SIZE] __aligned(16);
};

static void fork_child(void *arg)
{
	struct fork_start *fs = arg;
	struct task *t = current_task();
	struct trap_frame tf = fs->tf;
	struct user_mm *mm = fs->mm;
	u64 child_tid = fs->child_tid;

	t->proc = fs->proc;
	t->fs_base = fs->fs_base;
	memcpy(t->fpu, fs->fpu, sizeof(t->fpu));
	kfree(fs);
	arch_irq_disable();
	task_set_mm(t, mm);
	arch_switch_user(&mm->vm, t->fs_base);
	arch_fpu_restore(t->fpu);
	arch_irq_enable();
	if (child_tid) {	/* CLONE_CHILD_SETTID, into the child's copy */
		int pid = t->proc->pid;
		copy_to_user((void *)child_tid, &pid, sizeof(pid));
	}
	arch_irq_disable();
	user_return_work(&tf);	/* signals sent before it first ran */
	arch_return_to_user(&tf);
}

long user_fork(const struct trap_frame *tf, u64 new_sp, u64 child_tid, bool vfork)
{
	struct task *cur = current_task();
	struct process *me = cur->proc;
	struct fork_start *fs = kzalloc(sizeof(*fs), GFP_KERNEL);
	struct task *t;

	if (!fs)
		return -ENOMEM;
	fs->proc = proc_create(me);
	fs->mm = fs->proc ? user_mm_fork(cur->mm) : NULL;
	if (!fs->mm)
		goto fail;
	fs->tf = *tf;
	frame_set_retval(&fs->tf, 0);	/* the child's fork() returns 0 */
	if (new_sp)
		frame_set_sp(&fs->tf, new_sp);
	fs->fs_base = cur->fs_base;
	fs->child_tid = child_tid;
	arch_irq_disable();	/* the live FPU registers are the parent's */
	arch_fpu_save(cur->fpu);
	arch_irq_enable();
	memcpy(fs->fpu, cur->fpu, sizeof(fs->fpu));

	struct process *p = fs->proc;
	int pid = p->pid;
	proc_get(p);	/* the child may exit and be reaped at once */
	t = task_create_on(CPU_ANY, fork_child, fs, p->comm);
	if (!t) {
		proc_put(p);
		goto fail;	/* fs still owns p and mm */
	}
	p->task = t;	/* task_create_on's reference is the process's */
	if (vfork)
		proc_vfork_wait(p);
	proc_put(p);
	return pid;
fail:
	if (fs->mm)
		user_mm_put(fs->mm);
	if (fs->proc)
		proc_abort(fs->proc);
	kfree(fs);
	return -ENOMEM;
}
