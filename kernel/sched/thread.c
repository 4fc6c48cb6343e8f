/*
 * Threads (see <alloy/thread.h>): clone(CLONE_THREAD), the end of one
 * thread and of the group, and execve's de-thread. The tid table and
 * the thread list are process.c's, the group kill signal.c's.
 */
#include <alloy/pid.h>
#include <alloy/arch.h>
#include <alloy/cgroup.h>
#include <alloy/errno.h>
#include <alloy/futex.h>
#include <alloy/mm.h>
#include <alloy/process.h>
#include <alloy/ptrace.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <asm/trap.h>
#include <uapi/sched.h>

long thread_clone(const struct trap_frame *tf, u64 flags, u64 sp, u64 parent_tid,
		  u64 child_tid, u64 tls)
{
	struct task *cur = current_task();
	struct process *p = cur->proc;
	long rc = cgroup_thread_charge(p);	/* pids.max: EAGAIN */

	if (rc)
		return rc;
	atomic_inc(&cur->mm->users);	/* the new thread's */
	struct clone_start *cs = clone_start_new(tf, flags, sp, child_tid, tls, cur->mm);
	if (!cs) {
		cgroup_thread_uncharge(p);
		return -ENOMEM;
	}
	struct task *t = task_create_paused(CPU_ANY, clone_child, cs, cur->name);
	if (!t) {
		clone_start_free(cs);
		cgroup_thread_uncharge(p);
		return -ENOMEM;
	}
	if (proc_thread_tables(t, flags)) {	/* without CLONE_FILES, CLONE_FS */
		task_discard(t);
		clone_start_free(cs);
		cgroup_thread_uncharge(p);
		return -ENOMEM;
	}
	proc_get(p);
	t->proc = p;
	t->blocked = cur->blocked;	/* the new thread's own copy; no altstack */
	user_task_inherit(t, cur);
	t->clear_child_tid = flags & CLONE_CHILD_CLEARTID ? child_tid : 0;
	long tid = proc_thread_attach(p, t, false);
	if (tid < 0) {
		proc_thread_tables_exit(t);
		task_discard(t);
		proc_put(p);
		clone_start_free(cs);
		cgroup_thread_uncharge(p);
		return tid;
	}
	tid = t->vtid;	/* the number the process's threads know it by */
	if (flags & CLONE_PARENT_SETTID) {	/* before the thread runs */
		int v = (int)tid;
		copy_to_user((void *)parent_tid, &v, sizeof(v));
	}
	int event = ptrace_clone_child(t, flags, true);	/* TRACECLONE */
	clone_start_hand_over(t, cs);
	task_start(t);
	task_put(t);
	if (event)
		ptrace_event(event, (u64)tid);
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

bool thread_group_core_begin(int wait_status)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	struct waiter w = { .task = NULL };
	struct task *o;

	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	if (p->group_exit) {
		spin_unlock_irqrestore(&p->sig_lock, flags);
		return false;
	}
	p->group_exit = true;
	p->group_exit_status = wait_status;
	p->core_task = t;	/* the others leave their registers (coredump.c) */
	list_for_each_entry(o, &p->threads, thread_link)
		if (o != t)
			signal_kill_thread_locked(o);
	spin_unlock_irqrestore(&p->sig_lock, flags);
	for (;;) {	/* they leave at their next return toward user mode */
		prepare_to_wait(&p->thread_wq, &w);
		flags = spin_lock_irqsave(&p->sig_lock);
		bool alone = p->nr_threads == 1;
		spin_unlock_irqrestore(&p->sig_lock, flags);
		if (alone)
			break;
		schedule();
	}
	finish_wait(&p->thread_wq, &w);
	return true;
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
	list_for_each_entry(o, &p->threads, thread_link)
		if (o != t)	/* without a group exit, die_by ends o alone */
			signal_kill_thread_locked(o);
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
