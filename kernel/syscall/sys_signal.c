/*
 * Signal syscalls: handlers, masks, the alternate stack, sending, and
 * waiting for a signal. Delivery itself is kernel/sched/signal.c.
 */
#include <alloy/errno.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <asm/trap.h>
#include "sysfs.h"

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
	old = p->sa[sig - 1];
	if (a1) {
		act.mask &= ~UNBLOCKABLE;
		p->sa[sig - 1] = act;
		if (act.handler == SIG_IGN)
			p->pending &= ~sigmask(sig);	/* POSIX: discarded */
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (a2 && copy_to_user((void *)a2, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigprocmask(SYSARGS)
{
	struct process *p = current_proc();
	u64 set, old;

	if (a3 != 8)
		return -EINVAL;
	if (a1 && copy_from_user(&set, (const void *)a1, 8))
		return -EFAULT;
	if (a1 && a0 > SIG_SETMASK)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	old = p->blocked;
	if (a1) {
		if (a0 == SIG_BLOCK)
			p->blocked |= set;
		else if (a0 == SIG_UNBLOCK)
			p->blocked &= ~set;
		else
			p->blocked = set;
		p->blocked &= ~UNBLOCKABLE;
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (a2 && copy_to_user((void *)a2, &old, 8))
		return -EFAULT;
	return 0;
}

long sys_rt_sigpending(SYSARGS)
{
	struct process *p = current_proc();
	u64 set;

	if (a1 != 8)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	set = p->pending & p->blocked;
	spin_unlock_irqrestore(&p->sig_lock, flags);
	return copy_to_user((void *)a0, &set, 8);
}

long sys_rt_sigreturn(SYSARGS)
{
	return signal_sigreturn(current_user_frame());
}

/* Sleeps until a signal is pending (interruptible; wakeups from
 * signal_send). */
static void wait_for_signal(void)
{
	for (;;) {
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
	struct process *p = current_proc();
	u64 set;

	if (a1 != 8)
		return -EINVAL;
	if (copy_from_user(&set, (const void *)a0, 8))
		return -EFAULT;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	p->saved_blocked = p->blocked;
	p->restore_blocked = true;
	p->blocked = set & ~UNBLOCKABLE;
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
	struct process *p = current_proc();
	u64 usp = frame_sp(current_user_frame());
	bool on = p->altstack_size && usp - p->altstack_sp < p->altstack_size;
	struct stack_t ss, old = { p->altstack_sp, on ? SS_ONSTACK : p->altstack_size ? 0 : SS_DISABLE,
				   0, p->altstack_size };

	if (a0) {
		if (copy_from_user(&ss, (const void *)a0, sizeof(ss)))
			return -EFAULT;
		if (on)
			return -EPERM;
		if (ss.flags & ~(SS_DISABLE | (s32)0x80000000))
			return -EINVAL;
		if (ss.flags & SS_DISABLE) {
			p->altstack_sp = p->altstack_size = 0;
		} else {
			if (ss.size < MINSIGSTKSZ)
				return -ENOMEM;
			p->altstack_sp = ss.sp;
			p->altstack_size = ss.size;
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

/* One thread per process: a tid is its pid. */
long sys_tgkill(SYSARGS)
{
	if ((int)a0 <= 0 || (int)a1 <= 0)
		return -EINVAL;
	if (a0 != a1)
		return -ESRCH;
	return proc_kill((int)a1, (int)a2, SI_TKILL);
}

long sys_tkill(SYSARGS)
{
	if ((int)a0 <= 0)
		return -EINVAL;
	return proc_kill((int)a0, (int)a1, SI_TKILL);
}
