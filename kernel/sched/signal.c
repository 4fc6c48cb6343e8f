/*
 * Signals: sending, the default actions, and delivery on the way back to
 * user mode, where a handler gets a Linux rt_sigframe (built by the arch
 * code). Standard signals do not queue: one pending bit and one siginfo
 * per number. The stop signals stop the process (proc_stop) until SIGCONT;
 * background terminal access does not raise SIGTTIN/SIGTTOU yet.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/printk.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/task.h>
#include <alloy/user.h>
#include <asm/trap.h>

#define UNBLOCKABLE (sigmask(SIGKILL) | sigmask(SIGSTOP))

int arch_signal_frame(struct trap_frame *tf, const struct ksiginfo *si,
		      const struct k_sigaction *sa, u64 old_blocked, u64 sp);
int arch_sigreturn(struct trap_frame *tf, u64 *blocked);

#define TTY_STOP_SIGNALS (sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU))
#define STOP_SIGNALS (sigmask(SIGSTOP) | TTY_STOP_SIGNALS)

static bool default_ignored(int sig)
{
	switch (sig) {
	case SIGCHLD: case SIGURG: case SIGWINCH: case SIGCONT:
		return true;
	default:
		return false;
	}
}

static bool ignored(struct process *p, int sig)
{
	u64 h = p->sa[sig - 1].handler;

	if (sig == SIGKILL || sig == SIGSTOP)
		return false;
	return h == SIG_IGN || (h == SIG_DFL && default_ignored(sig));
}

bool signal_pending(void)
{
	struct process *p = current_proc();

	return p && (READ_ONCE(p->pending) & ~(READ_ONCE(p->blocked) & ~UNBLOCKABLE));
}

int signal_send(struct process *p, const struct ksiginfo *info)
{
	int sig = info->signo;

	if (sig < 1 || sig > NSIG)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	/* SIGCONT cancels pending stops and a stop cancels a pending SIGCONT,
	 * whatever the handlers are (POSIX) */
	if (sig == SIGCONT)
		p->pending &= ~STOP_SIGNALS;
	else if (sigmask(sig) & STOP_SIGNALS)
		p->pending &= ~sigmask(SIGCONT);
	bool drop = ignored(p, sig) && !(p->blocked & sigmask(sig));
	/* init only gets the signals it has handlers for (SIGNAL_UNKILLABLE);
	 * its own faults come through signal_force */
	if (p->pid == 1 && p->sa[sig - 1].handler == SIG_DFL)
		drop = true;
	if (!drop && !(p->pending & sigmask(sig))) {
		p->pending |= sigmask(sig);
		p->info[sig - 1] = *info;
	}
	/* Decided under the lock that records a stop (signal_deliver), so a
	 * SIGCONT cannot slip in between a stop being taken and recorded. */
	bool resume = sig == SIGCONT && p->stopped;
	if (resume)
		WRITE_ONCE(p->stopped, false);
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (resume)
		proc_continued(p);	/* wakes it (SIGKILL just wakes it: its
					 * stop loop sees the kill) */
	struct task *t = READ_ONCE(p->task);
	if (!drop && t)
		wake_up_task(t);	/* interruptible sleeps re-check */
	return 0;
}

void signal_force(const struct ksiginfo *info)
{
	struct process *p = current_proc();
	int sig = info->signo;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	struct k_sigaction *sa = &p->sa[sig - 1];

	/* a fault that is blocked or ignored cannot be survived */
	if (sa->handler == SIG_IGN || (p->blocked & sigmask(sig)))
		sa->handler = SIG_DFL;
	p->blocked &= ~sigmask(sig);
	p->pending |= sigmask(sig);
	p->info[sig - 1] = *info;
	spin_unlock_irqrestore(&p->sig_lock, flags);
}

static __noreturn void die_by(int sig, const struct ksiginfo *si)
{
	struct process *p = current_proc();

	if (si->what)
		printk_ratelimited(LOG_ERR,
				   "user: %s (pid %d) killed by signal %d: %s at %#llx, ip %#llx\n",
		       p->comm, p->pid, sig, si->what, si->addr, si->ip);
	user_exit(sig);
}

/* A syscall interrupted by a signal: restart it or fail with EINTR. */
static void fix_restart(struct trap_frame *tf, const struct k_sigaction *sa)
{
	if (!frame_in_syscall(tf) || frame_retval(tf) != -ERESTARTSYS)
		return;
	if (!sa || (sa->flags & SA_RESTART))
		frame_restart_syscall(tf);
	else
		frame_set_retval(tf, -EINTR);
	frame_end_syscall(tf);		/* handled once */
}

static bool on_altstack(struct process *p, u64 sp)
{
	return p->altstack_size && sp - p->altstack_sp < p->altstack_size;
}

void signal_deliver(struct trap_frame *tf)
{
	struct process *p = current_proc();

	bool ask = false;

	while (p && signal_pending()) {
		/* asked before the signal lock, which ranks after proc_lock; if
		 * a terminal stop came in after, the loop comes round to ask */
		bool asked = ask || (READ_ONCE(p->pending) & TTY_STOP_SIGNALS);
		bool orphan = asked && proc_pgrp_orphaned(p);
		unsigned long flags = spin_lock_irqsave(&p->sig_lock);
		u64 ready = p->pending & ~(p->blocked & ~UNBLOCKABLE);
		if (!ready) {
			spin_unlock_irqrestore(&p->sig_lock, flags);
			break;
		}
		/* synchronous faults first, then the lowest number */
		u64 sync = ready & (sigmask(SIGSEGV) | sigmask(SIGBUS) | sigmask(SIGILL) |
				    sigmask(SIGFPE) | sigmask(SIGTRAP));
		int sig = __builtin_ctzll(sync ? sync : ready) + 1;
		struct ksiginfo si = p->info[sig - 1];
		struct k_sigaction sa = p->sa[sig - 1];
		u64 old_blocked = p->restore_blocked ? p->saved_blocked : p->blocked;
		bool stop = sig == SIGSTOP ||
			    (sa.handler == SIG_DFL && (sigmask(sig) & STOP_SIGNALS));
		if (stop && sig != SIGSTOP && !asked) {
			spin_unlock_irqrestore(&p->sig_lock, flags);
			ask = true;
			continue;
		}
		p->pending &= ~sigmask(sig);
		/* in an orphaned group no one could continue it: discarded */
		bool discard = stop && sig != SIGSTOP && orphan;
		stop &= !discard;
		if (stop) {	/* recorded with the signal lock held: see signal_send */
			WRITE_ONCE(p->stop_sig, sig);
			WRITE_ONCE(p->stopped, true);
		}
		if (sa.handler > SIG_IGN && sig != SIGKILL && sig != SIGSTOP) {
			p->blocked = old_blocked;	/* sigsuspend's mask ends here */
			p->restore_blocked = false;
			p->blocked |= sa.mask | (sa.flags & SA_NODEFER ? 0 : sigmask(sig));
			p->blocked &= ~UNBLOCKABLE;
			if (sa.flags & SA_RESETHAND)
				p->sa[sig - 1].handler = SIG_DFL;
		}
		spin_unlock_irqrestore(&p->sig_lock, flags);

		if (discard || sa.handler == SIG_IGN ||
		    (sa.handler == SIG_DFL && default_ignored(sig)))
			continue;
		if (stop) {
			proc_stop(sig);
			continue;
		}
		if (sa.handler == SIG_DFL || sig == SIGKILL)
			die_by(sig, &si);
		fix_restart(tf, &sa);
		u64 sp = frame_sp(tf);
		if ((sa.flags & SA_ONSTACK) && p->altstack_size && !on_altstack(p, sp))
			sp = p->altstack_sp + p->altstack_size;
		if (arch_signal_frame(tf, &si, &sa, old_blocked, sp)) {
			struct ksiginfo segv = { .signo = SIGSEGV, .code = SI_KERNEL,
						 .addr = sp, .ip = frame_ip(tf),
						 .what = "cannot write a signal frame" };
			die_by(SIGSEGV, &segv);
		}
		return;		/* one frame per return to user mode */
	}
	fix_restart(tf, NULL);
	if (p && READ_ONCE(p->restore_blocked)) {	/* no handler ran */
		unsigned long flags = spin_lock_irqsave(&p->sig_lock);
		if (p->restore_blocked)
			p->blocked = p->saved_blocked;
		p->restore_blocked = false;
		spin_unlock_irqrestore(&p->sig_lock, flags);
	}
}

long signal_sigreturn(struct trap_frame *tf)
{
	struct process *p = current_proc();
	u64 blocked;

	if (arch_sigreturn(tf, &blocked)) {
		struct ksiginfo segv = { .signo = SIGSEGV, .code = SI_KERNEL,
					 .addr = frame_sp(tf), .ip = frame_ip(tf),
					 .what = "bad signal frame" };
		die_by(SIGSEGV, &segv);
	}
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	p->blocked = blocked & ~UNBLOCKABLE;
	spin_unlock_irqrestore(&p->sig_lock, flags);
	frame_end_syscall(tf);		/* not a syscall to restart */
	return frame_retval(tf);
}
