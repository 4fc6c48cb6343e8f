/*
 * Threads (see <alloy/thread.h>): clone(CLONE_THREAD), the end of one
 * thread and of the group, and execve's de-thread. The tid table and
 * the thread list are process.c's, the group kill signal.c's.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/futex.h>
#include <alloy/mm.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <asm/trap.h>
#include <uapi/sched.h>

struct thread_start {
	struct user_mm *mm;		/* a user of it, for the thread */
	u64 fs_base, child_tid;
	struct trap_frame tf;
	u8 fpu[ARCH_FPU_SIZE] __aligned(16);
};

static void thread_child(void *arg)
{
	struct thread_start *ts = arg;
	struct task *t = current_task();
	struct trap_frame tf = ts->tf;
	struct user_mm *mm = ts->mm;
	u64 child_tid = ts->child_tid;

	t->fs_base = ts->fs_base;
	memcpy(t->fpu, ts->fpu, sizeof(t->fpu));
	kfree(ts);
	arch_irq_disable();
	task_set_mm(t, mm);
	arch_switch_user(&mm->vm, t->fs_base);
	arch_fpu_restore(t->fpu);
	arch_irq_enable();
	if (child_tid) {	/* CLONE_CHILD_SETTID */
		int tid = t->user_tid;
		copy_to_user((void *)child_tid, &tid, sizeof(tid));
	}
	arch_irq_disable();
	user_return_work(&tf);	/* signals sent before it first ran */
	arch_return_to_user(&tf);
}

long thread_clone(const struct trap_frame *tf, u64 flags, u64 sp, u64 parent_tid,
		  u64 child_tid, u64 tls)
{
	struct task *cur = current_task();
	struct process *p = cur->proc;
	struct thread_start *ts = kzalloc(sizeof(*ts), GFP_KERNEL);

	if (!ts)
		return -ENOMEM;
	ts->tf = *tf;
	frame_set_retval(&ts->tf, 0);	/* the new thread's clone() returns 0 */
	if (sp)
		frame_set_sp(&ts->tf, sp);
	ts->fs_base = flags & CLONE_SETTLS ? tls : cur->fs_base;
	ts->child_tid = flags & CLONE_CHILD_SETTID ? child_tid : 0;
	arch_irq_disable();	/* the live FPU registers are the caller's */
	arch_fpu_save(cur->fpu);
	arch_irq_enable();
	memcpy(ts->fpu, cur->fpu, sizeof(ts->fpu));

	struct task *t = task_create_paused(CPU_ANY, thread_child, ts, cur->name);
	if (!t) {
		kfree(ts);
		return -ENOMEM;
	}
	ts->mm = cur->mm;
	atomic_inc(&ts->mm->users);
	proc_get(p);
	t->proc = p;
	t->blocked = cur->blocked;	/* the new thread's own copy; no altstack */
	t->clear_child_tid = flags & CLONE_CHILD_CLEARTID ? child_tid : 0;
	long tid = proc_thread_attach(p, t, false);
	if (tid < 0) {
		task_discard(t);
		proc_put(p);
		user_mm_put(ts->mm);
		kfree(ts);
		return tid;
	}
	if (flags & CLONE_PARENT_SETTID) {	/* before the thread runs */
		int v = (int)tid;
		copy_to_user((void *)parent_tid, &v, sizeof(v));
	}
	task_start(t);
	task_put(t);
	return tid;
}

void thread_mm_release(struct task *t, bool exec)
{
	u64 uaddr = t->clear_child_tid;

	/* robust futexes first, as Linux: their waiters may be the joiners */
	if (exec)
		futex_exec_robust(t);	/* and the new image starts without a list */
	else
		futex_exit_robust(t);

	/* pthread_join waits for this word to become 0 (glibc as a shared
	 * futex, musl as a private one: in private memory both name this
	 * address space's word; Linux wakes as shared too) */
	if (uaddr) {
		u32 zero = 0;
		t->clear_child_tid = 0;
		if (!copy_to_user((void *)uaddr, &zero, sizeof(zero)))
			futex_wake(uaddr, true, 1, FUTEX_BITSET_ANY);
	}
}

int thread_group_exec(void)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	struct waiter w = { .task = NULL };
	bool alone, killed = false;

	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	if (p->nr_threads == 1) {
		spin_unlock_irqrestore(&p->sig_lock, flags);
		proc_thread_take_pid(p, t);	/* the leader may have gone */
		return 0;
	}
	if (p->group_exit || p->exec_task) {	/* another thread got there first */
		spin_unlock_irqrestore(&p->sig_lock, flags);
		return -EINTR;
	}
	p->exec_task = t;
	struct task *o;
	list_for_each_entry(o, &p->threads, thread_link) {
		if (o == t)
			continue;
		o->pending |= sigmask(SIGKILL);	/* die_by: this thread only */
		o->info[SIGKILL - 1] = (struct ksiginfo){ .signo = SIGKILL, .code = SI_KERNEL };
		task_kick(o);
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);

	for (;;) {	/* until the others are gone, or we are killed */
		prepare_to_wait(&p->thread_wq, &w);
		flags = spin_lock_irqsave(&p->sig_lock);
		alone = p->nr_threads == 1;
		killed = p->group_exit;
		spin_unlock_irqrestore(&p->sig_lock, flags);
		if (alone || killed)
			break;
		schedule();
	}
	finish_wait(&p->thread_wq, &w);
	if (!killed)
		proc_thread_take_pid(p, t);
	flags = spin_lock_irqsave(&p->sig_lock);
	p->exec_task = NULL;
	spin_unlock_irqrestore(&p->sig_lock, flags);
	return killed ? -EINTR : 0;
}
