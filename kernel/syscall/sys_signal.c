/*
 * Signal syscalls: handlers, masks, the alternate stack, sending, and
 * waiting for a signal. Delivery itself is kernel/sched/signal.c.
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/pid.h>
#include <alloy/process.h>
#include <alloy/ptimer.h>
#include <alloy/sched.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/timer.h>
#include <alloy/uaccess.h>
#include <asm/trap.h>
#include "sysfs.h"
#include "systime.h"

#define UNBLOCKABLE (sigmask(SIGKILL) | sigmask(SIGSTOP))

long signal_sigreturn(struct trap_frame *tf);

long sys_rt_sigaction(SYSARGS)
{
	struct process *p = current_proc();
	int sig = (int)a0;
	struct k_sigaction act, old;

	if (a3 != 8 || sig < 1 || sig > NSIG)
		return -EINVAL;
	if (a1 && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (a1 && copy_from_user(&act, (const void *)a1, sizeof(act)))
		return -EFAULT;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	if (a1)
		act.mask &= ~UNBLOCKABLE;
	/* the table may be shared (CLONE_SIGHAND): one step under its lock */
	sighand_set_locked(p, sig, a1 ? &act : NULL, &old);
	if (a1) {
		if (act.handler == SIG_IGN) {	/* POSIX: discarded */
			struct task *t;
			signal_clear_locked(p, NULL, sigmask(sig));
			list_for_each_entry(t, &p->threads, thread_link)
				signal_clear_locked(p, t, sigmask(sig));
		}
		if (p->timers)	/* timers parked, or whose signal went */
			proc_timers_sigaction_locked(p, sig);
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (a2 && copy_to_user((void *)a2, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigprocmask(SYSARGS)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	u64 set, old;

	if (a3 != 8)
		return -EINVAL;
	if (a1 && copy_from_user(&set, (const void *)a1, 8))
		return -EFAULT;
	if (a1 && a0 > SIG_SETMASK)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	old = t->blocked;
	if (a1) {
		if (a0 == SIG_BLOCK)
			t->blocked |= set;
		else if (a0 == SIG_UNBLOCK)
			t->blocked &= ~set;
		else
			t->blocked = set;
		t->blocked &= ~UNBLOCKABLE;
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (a2 && copy_to_user((void *)a2, &old, 8))
		return -EFAULT;
	return 0;
}

long sys_rt_sigpending(SYSARGS)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	u64 set;

	if (a1 > 8)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	set = (t->pending | p->shared_pending) & t->blocked;
	spin_unlock_irqrestore(&p->sig_lock, flags);
	return copy_to_user((void *)a0, &set, a1) ? -EFAULT : 0;
}

long sys_rt_sigreturn(SYSARGS)
{
	return signal_sigreturn(current_user_frame());
}

/* Sleeps until a signal is pending (interruptible; wakeups from
 * signal_send). */
/*
 * Looks before it sleeps, as Linux's pause does: a task woken by its
 * signal goes on without showing 'S' once more, so a parent that waits
 * for it to sleep again (LTP's checkpoints: shmctl01) sees it only after
 * it has run past this pause.
 */
static void wait_for_signal(void)
{
	while (!signal_pending()) {
		set_current_state_blocked();
		if (signal_pending())
			break;
		schedule();
	}
	set_current_state_running();
}

long sys_pause(SYSARGS)
{
	wait_for_signal();
	return -EINTR;
}

long sys_rt_sigsuspend(SYSARGS)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	u64 set;

	if (a1 != 8)
		return -EINVAL;
	if (copy_from_user(&set, (const void *)a0, 8))
		return -EFAULT;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	t->saved_blocked = t->blocked;
	t->restore_blocked = true;
	t->blocked = set & ~UNBLOCKABLE;
	spin_unlock_irqrestore(&p->sig_lock, flags);
	wait_for_signal();
	return -EINTR;
}

struct stack_t {
	u64 sp;
	s32 flags, pad;
	u64 size;
};

long sys_sigaltstack(SYSARGS)
{
	struct task *t = current_task();
	u64 usp = frame_sp(current_user_frame());
	bool on = t->altstack_size && usp - t->altstack_sp < t->altstack_size;
	struct stack_t ss, old = { t->altstack_sp, on ? SS_ONSTACK : t->altstack_size ? 0 : SS_DISABLE,
				   0, t->altstack_size };

	if (a0) {
		if (copy_from_user(&ss, (const void *)a0, sizeof(ss)))
			return -EFAULT;
		if (on)
			return -EPERM;
		if (ss.flags & ~(SS_DISABLE | (s32)0x80000000))
			return -EINVAL;
		if (ss.flags & SS_DISABLE) {
			t->altstack_sp = t->altstack_size = 0;
		} else {
			if (ss.size < MINSIGSTKSZ)
				return -ENOMEM;
			t->altstack_sp = ss.sp;
			t->altstack_size = ss.size;
		}
	}
	if (a1 && copy_to_user((void *)a1, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_kill(SYSARGS)
{
	return proc_kill((int)a0, (int)a1, SI_USER);
}

/* One thread: tgid <= 0 (tkill) matches any process. */
static long kill_thread(int tgid, int tid, int sig)
{
	struct process *me = current_proc(), *p;

	if (tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	struct task *t = proc_find_thread(tid, &p);
	if (!t)
		return -ESRCH;
	long rc = tgid > 0 && pid_to_user(p->pid) != tgid ? -ESRCH : 0;	/* the caller's numbers */
	if (!rc && sig) {
		struct ksiginfo si = { .signo = sig, .code = SI_TKILL, .pid = me->pid,
				       .uid = READ_ONCE(me->uid[0]) };
		rc = signal_send_thread(t, &si);
	}
	proc_put(p);
	task_put(t);
	return rc;
}

long sys_tgkill(SYSARGS)
{
	if ((int)a0 <= 0)
		return -EINVAL;
	return kill_thread((int)a0, (int)a1, (int)a2);
}

long sys_tkill(SYSARGS)
{
	return kill_thread(0, (int)a0, (int)a1);
}

static void sigwait_done(struct task *t)
{
	unsigned long flags = spin_lock_irqsave(&t->proc->sig_lock);

	t->sigwait = 0;
	spin_unlock_irqrestore(&t->proc->sig_lock, flags);
}

/* rt_sigtimedwait(set, info, timeout, size): takes one of set's pending
 * signals (this thread's first) without running a handler. */
long sys_rt_sigtimedwait(SYSARGS)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	u64 set, deadline = 0;
	struct ksiginfo si;
	int sig = 0;

	if (a3 != 8)
		return -EINVAL;
	if (copy_from_user(&set, (const void *)a0, 8))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	if (a2) {
		u64 ns;
		int rc = read_timespec(a2, &ns);
		if (rc)
			return rc;
		if (__builtin_add_overflow(ns, ktime_ns(), &deadline))
			deadline = ~0ULL;
	}
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&p->sig_lock);
		t->sigwait = set;	/* signal_send wakes us for these */
		spin_unlock_irqrestore(&p->sig_lock, flags);
		if ((sig = signal_dequeue(set, &si))) {
			sigwait_done(t);
			break;
		}
		u64 now = ktime_ns();
		if (a2 && now >= deadline) {
			sigwait_done(t);
			return -EAGAIN;
		}
		/* a signal outside set that is not blocked interrupts us */
		set_current_state_blocked();
		if (signal_pending() || ((READ_ONCE(t->pending) | READ_ONCE(p->shared_pending)) & set)) {
			set_current_state_running();
			if (!((READ_ONCE(t->pending) | READ_ONCE(p->shared_pending)) & set)) {
				sigwait_done(t);
				return -EINTR;
			}
			continue;
		}
		if (a2)
			schedule_timeout(deadline - now);
		else
			schedule();
		set_current_state_running();
	}
	if (a1 && arch_copy_siginfo(a1, &si))
		return -EFAULT;		/* the signal is taken, as on Linux */
	return sig;
}

/* The head of Linux's x86-64 siginfo_t as rt_sigqueueinfo takes it: the
 * code, the claimed sender and the value (si_int / si_ptr). */
struct user_queued_info {
	s32 signo, errno_, code, pad;
	s32 pid;
	u32 uid;
	u64 value;
};

/* Copies the caller's siginfo for sig sent to the process (or thread)
 * numbered id: not even root may claim the kernel's codes (>= 0) or
 * tkill's for anyone but itself (Linux). */
static long read_queued(u64 uinfo, int sig, int id, int self, struct ksiginfo *si)
{
	struct user_queued_info u;

	if (copy_from_user(&u, (const void *)uinfo, sizeof(u)))
		return -EFAULT;
	if ((u.code >= 0 || u.code == SI_TKILL) && id != self)
		return -EPERM;
	/* timer_gen matches no timer: a claimed SI_TIMER is only data */
	*si = (struct ksiginfo){ .signo = sig, .code = u.code, .pid = u.pid, .uid = u.uid,
				 .value = u.value, .timer_gen = ~0u, .claimed = true };
	return 0;
}

/* rt_sigqueueinfo(tgid, sig, info): a process-directed signal carrying
 * the caller's information; no process groups (POSIX.1b). */
long sys_rt_sigqueueinfo(SYSARGS)
{
	int pid = (int)a0, sig = (int)a1;
	struct ksiginfo si;
	long rc = read_queued(a2, sig, pid, current_proc()->vpid, &si);

	if (rc)
		return rc;
	/* a thread's id names its process too (Linux's find_vpid) */
	struct process *p = pid > 0 ? proc_find(pid) : NULL;
	if (!p && pid > 0) {
		struct task *t = proc_find_thread(pid, &p);
		if (t)
			task_put(t);
	}
	if (!p)
		return -ESRCH;
	if (sig < 0 || sig > NSIG)
		rc = -EINVAL;
	else if (!cred_may_signal(p, sig))
		rc = -EPERM;
	else if (sig && !READ_ONCE(p->zombie))
		rc = signal_send(p, &si);	/* checked above */
	proc_put(p);
	return rc;
}

/* rt_tgsigqueueinfo(tgid, tid, sig, info): the same to one thread. */
long sys_rt_tgsigqueueinfo(SYSARGS)
{
	int tgid = (int)a0, tid = (int)a1, sig = (int)a2;
	struct ksiginfo si;

	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	long rc = read_queued(a3, sig, tid, current_task()->vtid, &si);
	if (rc)
		return rc;
	struct process *p;
	struct task *t = proc_find_thread(tid, &p);
	if (!t)
		return -ESRCH;
	if (pid_to_user(p->pid) != tgid)
		rc = -ESRCH;
	else if (sig < 0 || sig > NSIG)
		rc = -EINVAL;
	else if (!cred_may_signal(p, sig))
		rc = -EPERM;
	else if (sig)
		rc = signal_send_thread(t, &si);	/* checked above */
	proc_put(p);
	task_put(t);
	return rc;
}
