/*
 * Signals: sending, the default actions, and delivery on the way back to
 * user mode, where a handler gets a Linux rt_sigframe (built by the arch
 * code). A pending signal is a bit in the process's shared set (kill) or
 * a thread's own (tgkill, faults), and its siginfo an entry on the set's
 * queue (sigq), in the order sent, as Linux's sigqueue: standard signals
 * do not queue (one entry per number at most: a second merges), real-time
 * ones do (POSIX: an entry per instance, the bit set while any is left).
 * A set that holds nothing costs nothing (a siginfo slot per number per
 * task and per process cost 9 kB per process). A bit with no entry lost
 * its information to a failed allocation, or to kill's SI_USER past
 * RLIMIT_SIGPENDING: it is taken as SI_USER from nobody, as on Linux. A
 * thread takes its own first, and any thread that does not block a
 * shared one may take it. The stop signals stop every thread (proc_stop)
 * until SIGCONT; a fatal one ends the group. Background terminal access
 * does not raise SIGTTIN/SIGTTOU yet.
 */
#include <alloy/pid.h>
#include <alloy/arch.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/printk.h>
#include <alloy/process.h>
#include <alloy/ptimer.h>
#include <alloy/ptrace.h>
#include <alloy/rlimit.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/task.h>
#include <alloy/thread.h>
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
	u64 h = READ_ONCE(p->sighand->sa[sig - 1].handler);	/* p's sig_lock held */

	if (sig == SIGKILL || sig == SIGSTOP)
		return false;
	return h == SIG_IGN || (h == SIG_DFL && default_ignored(sig));
}

/* A group stop current has to join: a traced thread reports it to its
 * tracer once, and then runs if the tracer says so (Linux). */
static bool must_stop(struct task *t, struct process *p)
{
	return READ_ONCE(p->stopped) &&
	       !(READ_ONCE(t->ptrace.gstop_done) && ptrace_traced(t));
}

bool signal_pending(void)
{
	struct task *t = current_task();
	struct process *p = t->proc;

	if (!p)
		return false;
	u64 ready = (READ_ONCE(t->pending) | READ_ONCE(p->shared_pending)) &
		    ~(READ_ONCE(t->blocked) & ~UNBLOCKABLE);
	return ready || must_stop(t, p) || READ_ONCE(t->ptrace.interrupt);
}

bool fatal_signal_pending(void)
{
	return READ_ONCE(current_task()->pending) & sigmask(SIGKILL);
}

/* A pending instance's siginfo. Owned by the queue it is on ([sig_lock]);
 * freed when taken or discarded, when its thread leaves
 * (proc_thread_detach) or its process is freed. */
struct sigqueue {
	struct list_head link;
	struct ksiginfo info;
};

static struct list_head *queue_of(struct process *p, struct task *t)
{
	return t ? &t->sigq : &p->sigq;
}

static u64 *pending_of(struct process *p, struct task *t)
{
	return t ? &t->pending : &p->shared_pending;
}

/* sig's oldest entry on q, NULL if none. */
static struct sigqueue *first_of(struct list_head *q, int sig)
{
	struct sigqueue *e;

	list_for_each_entry(e, q, link)
		if (e->info.signo == sig)
			return e;
	return NULL;
}

/* A new entry for si on q (first: ahead of all; else last), counted in
 * p; false if there is no memory for it. Never sleeps (timer interrupts
 * send signals too). */
static bool sigq_add(struct process *p, struct list_head *q, const struct ksiginfo *si,
		     bool first)
{
	struct sigqueue *e = kmalloc(sizeof(*e), GFP_KERNEL);

	if (!e)
		return false;
	e->info = *si;
	if (first)
		list_add(&e->link, q);
	else
		list_add_tail(&e->link, q);
	p->sigq_count++;
	return true;
}

static void sigq_del(struct process *p, struct sigqueue *e)
{
	list_del(&e->link);
	kfree(e);
	p->sigq_count--;
}

u32 signal_count_locked(struct process *p)
{
	return p->sigq_count;
}

struct ksiginfo *signal_info_locked(struct process *p, struct task *t, int sig)
{
	struct sigqueue *e = first_of(queue_of(p, t), sig);

	return e ? &e->info : NULL;
}

void signal_set_locked(struct process *p, struct task *t, const struct ksiginfo *si)
{
	struct sigqueue *e = first_of(&t->sigq, si->signo);

	if (e)
		e->info = *si;
	else
		sigq_add(p, &t->sigq, si, true);	/* or it is info-less */
	t->pending |= sigmask(si->signo);
}

void signal_flush_queued_locked(struct process *p, struct task *t, u64 mask)
{
	struct sigqueue *e, *n;

	list_for_each_entry_safe(e, n, queue_of(p, t), link)
		if (sigmask(e->info.signo) & mask)
			sigq_del(p, e);
	if (t)
		t->forced &= ~mask;
}

void signal_clear_locked(struct process *p, struct task *t, u64 mask)
{
	*pending_of(p, t) &= ~mask;
	signal_flush_queued_locked(p, t, mask);
}

void signal_requeue_locked(struct process *p, struct task *t, const struct ksiginfo *si)
{
	int sig = si->signo;

	if ((t->pending & sigmask(sig)) && sig < SIGRTMIN)
		return;		/* a standard one merges */
	t->pending |= sigmask(sig);
	sigq_add(p, &t->sigq, si, true);	/* ahead of the rest of its number */
}

/* Caller holds sig_lock: takes sig, pending in t's set (or p's if t is
 * NULL), into *out; it stays pending while another instance is queued. */
static void take_locked(struct process *p, struct task *t, int sig, struct ksiginfo *out)
{
	struct list_head *q = queue_of(p, t);
	struct sigqueue *e = first_of(q, sig);
	bool more = false;

	if (e) {
		*out = e->info;
		sigq_del(p, e);
		more = first_of(q, sig) != NULL;
	} else {
		*out = (struct ksiginfo){ .signo = sig, .code = SI_USER };
	}
	if (t && (t->forced & sigmask(sig))) {
		out->forced = true;	/* even if its information was lost */
		t->forced &= ~sigmask(sig);
	}
	if (!more)
		*pending_of(p, t) &= ~sigmask(sig);
}

int signal_dequeue(u64 mask, struct ksiginfo *out)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	int sig = 0;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	u64 mine = t->pending & mask, shared = p->shared_pending & mask;

	if (mine | shared) {
		sig = __builtin_ctzll(mine ? mine : shared) + 1;
		take_locked(p, mine ? t : NULL, sig, out);
		if (READ_ONCE(p->timers))
			proc_timers_taken_locked(p, sig, out);
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
	return sig;
}

/* Caller holds sig_lock: sig is taken out of every pending set of p. */
static void discard_pending(struct process *p, u64 mask)
{
	struct task *t;

	signal_clear_locked(p, NULL, mask);
	list_for_each_entry(t, &p->threads, thread_link)
		signal_clear_locked(p, t, mask);
	if (p->timers)		/* a timer whose signal went on goes on */
		proc_timers_discarded_locked(p, mask);
}

/* Caller holds sig_lock: does some thread of p block sig? */
static bool blocked_somewhere(struct process *p, int sig)
{
	struct task *t;

	list_for_each_entry(t, &p->threads, thread_link)
		if (t->blocked & sigmask(sig))
			return true;
	return false;
}

/* Caller holds sig_lock: is some thread of p traced? */
static bool traced_somewhere(struct process *p)
{
	struct task *t;

	list_for_each_entry(t, &p->threads, thread_link)
		if (ptrace_traced(t))
			return true;
	return false;
}

/* Caller holds sig_lock: every thread of p is to die (a SIGKILL each);
 * the first group exit decides the wait status. */
void signal_kill_thread_locked(struct task *t)
{
	t->pending |= sigmask(SIGKILL);	/* no entry: nobody reads its siginfo */
	task_kick(t);
}

static void group_kill_locked(struct process *p, int wait_status)
{
	struct task *t;

	if (!p->group_exit) {
		p->group_exit = true;
		p->group_exit_status = wait_status;
	}
	list_for_each_entry(t, &p->threads, thread_link)
		signal_kill_thread_locked(t);
}

void thread_group_kill(struct process *p, int wait_status)
{
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);

	group_kill_locked(p, wait_status);
	spin_unlock_irqrestore(&p->sig_lock, flags);
}

/*
 * Caller holds sig_lock: will sig, sent now, surely kill p? Then it kills
 * at once, as Linux's complete_signal does: every thread gets SIGKILL, so
 * a thread asleep where only a fatal signal wakes it (a vfork parent, a
 * fanotify permission wait, a long fault) goes too, and the wait status
 * is sig's. Not when a handler, a blocked mask, sigtimedwait (which keeps
 * its set blocked), a tracer or a stop may still see it, nor for a signal
 * that dumps core: the dump is made by the thread that takes it.
 */
/* Caller holds sig_lock: is t (or, for the process, some thread) still
 * able to take a signal, not already on its way out in user_exit? A
 * signal to a process whose last thread is exiting changes nothing: its
 * exit status is its own (Linux's wants_signal, PF_EXITING). */
static bool takes_signals(struct process *p, struct task *t)
{
	if (t)
		return !t->exiting;
	list_for_each_entry(t, &p->threads, thread_link)
		if (!t->exiting)
			return true;
	return false;
}

static bool fatal_now(struct process *p, struct task *t, int sig, bool blocked)
{
	/* a stopped group takes it at SIGCONT: Linux's wants_signal skips
	 * stopped threads, and once its parent can see the stop, every
	 * thread of it is stopped (here p->stopped, set with the stop) */
	if (blocked || p->group_exit || READ_ONCE(p->stopped) || (sigmask(sig) & STOP_SIGNALS) ||
	    default_ignored(sig) ||
	    signal_dumps_core(sig) || READ_ONCE(p->sighand->sa[sig - 1].handler) != SIG_DFL)
		return false;
	/* the walks over the threads last: most signals end above */
	return takes_signals(p, t) && !(t ? ptrace_traced(t) : traced_somewhere(p));
}

/*
 * What every signal does as it is sent, to a process or to one of its
 * threads (t, or NULL): SIGCONT cancels pending stops and resumes a
 * stopped group, a stop cancels a pending SIGCONT, SIGKILL kills the
 * whole group at once. Caller holds sig_lock; true if the signal is
 * dropped (ignored), *resume if the group is to be continued.
 */
static bool prepare(struct process *p, struct task *t, int sig, bool *resume, bool outer)
{
	/* whatever the handlers are (POSIX) */
	if (sig == SIGCONT)
		discard_pending(p, STOP_SIGNALS);
	else if (sigmask(sig) & STOP_SIGNALS)
		discard_pending(p, sigmask(SIGCONT));
	/* a blocked signal is kept: the handler may change before it is
	 * unblocked */
	bool blocked = t ? (t->blocked & sigmask(sig)) : blocked_somewhere(p, sig);
	/* a tracer sees ignored signals too (Linux) */
	bool drop = ignored(p, sig) && !blocked && !(t ? ptrace_traced(t) : traced_somewhere(p));
	/* init only gets the signals it has handlers for (SIGNAL_UNKILLABLE),
	 * or blocks (to take with sigtimedwait, as Linux keeps them); its
	 * own faults come through signal_force */
	if (p->pid == 1 && READ_ONCE(p->sighand->sa[sig - 1].handler) == SIG_DFL && !blocked)
		drop = true;
	/* a PID namespace's init: the same for signals from inside its
	 * namespace; from above, SIGKILL and SIGSTOP get through (Linux) */
	if (p->vpid == 1 && p->pid != 1 && !blocked &&
	    READ_ONCE(p->sighand->sa[sig - 1].handler) == SIG_DFL &&
	    !(outer && (sig == SIGKILL || sig == SIGSTOP)))
		drop = true;
	/* Decided under the lock that records a stop (signal_deliver), so a
	 * SIGCONT cannot slip in between a stop being taken and recorded. */
	*resume = sig == SIGCONT && p->stopped;
	if (*resume)
		WRITE_ONCE(p->stopped, false);
	if (!drop && sig == SIGKILL) {
		if (takes_signals(p, NULL)) {
			group_kill_locked(p, SIGKILL);
		} else {	/* all exiting: cut their waits short, keep their status */
			struct task *x;
			list_for_each_entry(x, &p->threads, thread_link)
				signal_kill_thread_locked(x);
		}
	}
	bool fatal = !drop && sig != SIGKILL && fatal_now(p, t, sig, blocked);
	if (fatal)	/* its death, as SIGKILL's: killable waits end too */
		group_kill_locked(p, sig);
	return drop || sig == SIGKILL || fatal;
}

/* kill, tkill and tgkill: the sender needs permission (cred_may_signal) */
static bool from_user(const struct ksiginfo *info)
{
	return info->code == SI_USER || info->code == SI_TKILL;
}

/*
 * RLIMIT_SIGPENDING (Linux's rule): past the target's limit a real-time
 * signal is refused (EAGAIN) unless it is kill()'s SI_USER, which is
 * still made pending, without its information (as on Linux), or a
 * timer's, which never queues twice (posix_timer.c waits for its slot).
 * Linux counts queued siginfo per user; Alloy counts the target
 * process's. A failed allocation is the same as the limit (a timer's
 * signal is then lost, and the timer goes on as if it were ignored);
 * a standard signal's only loses its information: never a panic.
 */
static bool queues(const struct ksiginfo *info)
{
	return info->signo >= SIGRTMIN && info->code != SI_TIMER;
}

static bool refusable(const struct ksiginfo *info)
{
	return queues(info) && info->code != SI_USER;
}

/* Caller holds sig_lock: 1 if queued, 0 if dropped (ignored, SIGKILL's
 * group kill), -EAGAIN if refused. */
/* Does info name its sender (or SIGCHLD's child) by a global number the
 * kernel filled in? */
static bool names_sender(const struct ksiginfo *info)
{
	return info->pid > 0 && !info->claimed && (info->code == SI_USER || info->code == SI_TKILL ||
				 info->code == -3 /* SI_MESGQ */ ||
				 (info->signo == SIGCHLD && info->code > 0 && info->code <= CLD_CONTINUED));
}

/* Is the signal to p, an init of a PID namespace, from outside that
 * namespace (an ancestor's process, or the kernel)? */
static bool from_outer(struct process *p, const struct ksiginfo *info)
{
	struct process *me = current_task()->proc;

	if (p->vpid != 1 || p->pid == 1)
		return false;
	if (info->code == SI_KERNEL || !me)
		return true;
	return me->pid_ns != p->pid_ns && pid_ns_within(p->pid_ns, me->pid_ns);
}

static int queue_locked(struct process *p, struct task *t, const struct ksiginfo *info,
			bool *resume)
{
	int sig = info->signo;
	struct ksiginfo local;

	if (prepare(p, t, sig, resume, from_outer(p, info)))
		return 0;
	if (p->pid_ns && p->pid_ns->level > 0 && names_sender(info)) {
		/* as the receiver's namespace numbers the sender (0 if it
		 * is outside it), decided now: the sender may go */
		local = *info;
		local.pid = pid_nr_ns(info->pid, p->pid_ns);
		info = &local;
	}
	u64 *pending = pending_of(p, t);
	if (!(*pending & sigmask(sig)) || queues(info)) {	/* else it merges */
		bool over = queues(info) && signal_count_locked(p) + 1ULL >
					     READ_ONCE(p->res.rlim[RLIMIT_SIGPENDING].cur);
		if (over ? refusable(info) :
			   !sigq_add(p, queue_of(p, t), info, false) &&
			   (refusable(info) || info->code == SI_TIMER))
			return -EAGAIN;	/* a timer's goes on as if ignored */
		*pending |= sigmask(sig);
	}
	wake_up_all(&p->signalfd_wq);
	if (t) {
		task_kick(t);
		return 1;
	}
	/* any thread that does not block it, or waits for it in
	 * sigtimedwait, may take it: wake one (sleeps re-check) */
	list_for_each_entry(t, &p->threads, thread_link) {
		if (!(t->blocked & sigmask(sig)) || (t->sigwait & sigmask(sig))) {
			task_kick(t);
			break;
		}
	}
	return 1;
}

int signal_queue_locked(struct process *p, struct task *t, const struct ksiginfo *info,
			bool *resume)
{
	return queue_locked(p, t, info, resume);
}

static int send_process(struct process *p, const struct ksiginfo *info, bool check)
{
	int sig = info->signo;
	bool resume;

	if (sig < 1 || sig > NSIG)
		return -EINVAL;
	if (check && from_user(info) && !cred_may_signal(p, sig))
		return -EPERM;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	int rc = queue_locked(p, NULL, info, &resume);
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (resume)
		proc_continued(p);	/* wakes its threads */
	return rc < 0 ? rc : 0;
}

int signal_send(struct process *p, const struct ksiginfo *info)
{
	return send_process(p, info, true);
}

int signal_send_unchecked(struct process *p, const struct ksiginfo *info)
{
	return send_process(p, info, false);
}

int signal_send_thread(struct task *t, const struct ksiginfo *info)
{
	/* The caller found t listed and holds a reference on its process,
	 * but t may have ended since: user_exit clears t->proc after it
	 * leaves the thread list. Such a thread is gone (ESRCH). */
	struct process *p = READ_ONCE(t->proc);
	int sig = info->signo;
	bool resume = false;

	if (sig < 1 || sig > NSIG)
		return -EINVAL;
	if (!p)
		return -ESRCH;
	if (from_user(info) && !cred_may_signal(p, sig))
		return -EPERM;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	if (list_empty(&t->thread_link)) {
		spin_unlock_irqrestore(&p->sig_lock, flags);
		return -ESRCH;
	}
	int rc = queue_locked(p, t, info, &resume);
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (resume)
		proc_continued(p);
	return rc < 0 ? rc : 0;
}

void signal_force(const struct ksiginfo *info)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	int sig = info->signo;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	struct sighand *sh = p->sighand;
	unsigned long hf = spin_lock_irqsave(&sh->lock);

	/* a fault that is blocked or ignored cannot be survived (in every
	 * process sharing the table, as on Linux) */
	if (sh->sa[sig - 1].handler == SIG_IGN || (t->blocked & sigmask(sig)))
		sh->sa[sig - 1].handler = SIG_DFL;
	spin_unlock_irqrestore(&sh->lock, hf);
	t->blocked &= ~sigmask(sig);
	t->forced |= sigmask(sig);	/* kept if its siginfo cannot be */
	signal_set_locked(p, t, info);
	spin_unlock_irqrestore(&p->sig_lock, flags);
}

static __noreturn void die_by(int sig, const struct ksiginfo *si)
{
	struct task *t = current_task();
	struct process *p = t->proc;

	if (si->what)
		printk_ratelimited(LOG_ERR,
				   "user: %s (pid %d) killed by signal %d: %s at %#llx, ip %#llx\n",
		       p->comm, p->pid, sig, si->what, si->addr, si->ip);
	/* execve's de-thread sends its SIGKILLs without a group exit: only
	 * this thread goes */
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	bool alone = sig == SIGKILL && !p->group_exit && p->exec_task && p->exec_task != t;
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (alone)
		user_exit(sig);
	if (sig == SIGKILL)
		coredump_thread_exit();	/* another thread dumping: our registers */
	if (signal_dumps_core(sig) && thread_group_core_begin(sig)) {
		bool dumped = coredump(sig, si);
		coredump_done();
		if (dumped) {
			flags = spin_lock_irqsave(&p->sig_lock);
			p->group_exit_status |= 0x80;	/* WCOREDUMP: a core file was written */
			spin_unlock_irqrestore(&p->sig_lock, flags);
			sig |= 0x80;
		}
	}
	user_exit_group(sig);
}

/* A syscall interrupted by a signal: restart it or fail with EINTR. */
static void fix_restart(struct trap_frame *tf, const struct k_sigaction *sa)
{
	long rc = frame_in_syscall(tf) ? frame_retval(tf) : 0;

	if (rc != -ERESTARTSYS && rc != -ERESTARTNOINTR)
		return;
	if (!sa || (sa->flags & SA_RESTART) || rc == -ERESTARTNOINTR)
		frame_restart_syscall(tf);
	else
		frame_set_retval(tf, -EINTR);
	frame_end_syscall(tf);		/* handled once */
}

static bool on_altstack(struct task *t, u64 sp)
{
	return t->altstack_size && sp - t->altstack_sp < t->altstack_size;
}

void signal_deliver(struct trap_frame *tf)
{
	struct task *t = current_task();
	struct process *p = t->proc;

	bool ask = false;

	while (p && signal_pending()) {
		bool killed = READ_ONCE(t->pending) & sigmask(SIGKILL);
		if (READ_ONCE(t->ptrace.interrupt) && !killed) {
			ptrace_interrupt_stop(tf);	/* PTRACE_INTERRUPT */
			continue;
		}
		if (must_stop(t, p) && !killed) {
			if (ptrace_traced(t))	/* the tracer sees it first */
				ptrace_group_stop(tf, READ_ONCE(p->stop_sig));
			else
				proc_stop(0);	/* another thread stopped the group */
			continue;
		}
		/* asked before the signal lock, which ranks after proc_lock; if
		 * a terminal stop came in after, the loop comes round to ask */
		bool asked = ask || ((READ_ONCE(t->pending) | READ_ONCE(p->shared_pending)) &
				     TTY_STOP_SIGNALS);
		bool orphan = asked && proc_pgrp_orphaned(p);
		unsigned long flags = spin_lock_irqsave(&p->sig_lock);
		u64 ready = (t->pending | p->shared_pending) & ~(t->blocked & ~UNBLOCKABLE);
		if (!ready) {
			spin_unlock_irqrestore(&p->sig_lock, flags);
			if (must_stop(t, p) || READ_ONCE(t->ptrace.interrupt))
				continue;
			break;
		}
		/* this thread's synchronous faults first, then the lowest number */
		u64 sync = ready & t->pending & (sigmask(SIGSEGV) | sigmask(SIGBUS) |
				sigmask(SIGILL) | sigmask(SIGFPE) | sigmask(SIGTRAP));
		int sig = __builtin_ctzll(sync ? sync : ready) + 1;
		bool own = t->pending & sigmask(sig);	/* before the shared set */
		struct ksiginfo si;	/* taken below, once it is to be delivered */
		struct k_sigaction sa = sighand_action_locked(p, sig);
		u64 old_blocked = t->restore_blocked ? t->saved_blocked : t->blocked;
		bool stop = sig == SIGSTOP ||
			    (sa.handler == SIG_DFL && (sigmask(sig) & STOP_SIGNALS));
		if (stop && sig != SIGSTOP && !asked) {
			spin_unlock_irqrestore(&p->sig_lock, flags);
			ask = true;
			continue;
		}
		take_locked(p, own ? t : NULL, sig, &si);
		if (READ_ONCE(p->timers))	/* a timer's overrun, its next arming */
			proc_timers_taken_locked(p, sig, &si);
		if (ptrace_wants_signal(sig)) {	/* signal-delivery-stop */
			spin_unlock_irqrestore(&p->sig_lock, flags);
			ptrace_signal(tf, sig, &si);	/* requeues what it passes on */
			continue;
		}
		/* in an orphaned group no one could continue it: discarded;
		 * and an init (the system's, or a PID namespace's) takes no
		 * default action but SIGKILL's and SIGSTOP's, nor its own
		 * fault's: a signal it blocked when sent (and so kept) is
		 * dropped now (Linux's SIGNAL_UNKILLABLE at delivery) */
		bool unkillable = (p->pid == 1 || p->vpid == 1) && sa.handler == SIG_DFL &&
				  sig != SIGKILL && sig != SIGSTOP && !si.forced;
		bool discard = (stop && sig != SIGSTOP && orphan) || unkillable;
		stop &= !discard;
		if (stop) {	/* recorded with the signal lock held: see prepare */
			struct task *o;
			WRITE_ONCE(p->stop_sig, sig);
			WRITE_ONCE(p->stopped, true);
			list_for_each_entry(o, &p->threads, thread_link)
				WRITE_ONCE(o->ptrace.gstop_done, false);	/* a new stop */
		}
		if (sa.handler > SIG_IGN && sig != SIGKILL && sig != SIGSTOP) {
			t->blocked = old_blocked;	/* sigsuspend's mask ends here */
			t->restore_blocked = false;
			t->blocked |= sa.mask | (sa.flags & SA_NODEFER ? 0 : sigmask(sig));
			t->blocked &= ~UNBLOCKABLE;
			if (sa.flags & SA_RESETHAND) {
				struct sighand *sh = p->sighand;
				unsigned long hf = spin_lock_irqsave(&sh->lock);
				sh->sa[sig - 1].handler = SIG_DFL;
				spin_unlock_irqrestore(&sh->lock, hf);
			}
		}
		spin_unlock_irqrestore(&p->sig_lock, flags);

		if (discard || sa.handler == SIG_IGN ||
		    (sa.handler == SIG_DFL && default_ignored(sig)))
			continue;
		if (stop) {
			proc_wake_threads(p);	/* the others stop too */
			if (ptrace_traced(t)) {
				proc_notify_stopped(p, sig);
				ptrace_group_stop(tf, sig);
			} else {
				proc_stop(sig);
			}
			continue;
		}
		if (sa.handler == SIG_DFL || sig == SIGKILL)
			die_by(sig, &si);
		fix_restart(tf, &sa);
		u64 sp = frame_sp(tf);
		if ((sa.flags & SA_ONSTACK) && t->altstack_size && !on_altstack(t, sp))
			sp = t->altstack_sp + t->altstack_size;
		if (arch_signal_frame(tf, &si, &sa, old_blocked, sp)) {
			struct ksiginfo segv = { .signo = SIGSEGV, .code = SI_KERNEL,
						 .addr = sp, .ip = frame_ip(tf),
						 .what = "cannot write a signal frame" };
			die_by(SIGSEGV, &segv);
		}
		return;		/* one frame per return to user mode */
	}
	fix_restart(tf, NULL);
	if (p && READ_ONCE(t->restore_blocked)) {	/* no handler ran */
		unsigned long flags = spin_lock_irqsave(&p->sig_lock);
		if (t->restore_blocked)
			t->blocked = t->saved_blocked;
		t->restore_blocked = false;
		spin_unlock_irqrestore(&p->sig_lock, flags);
	}
}

long signal_sigreturn(struct trap_frame *tf)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	u64 blocked;

	if (arch_sigreturn(tf, &blocked)) {
		struct ksiginfo segv = { .signo = SIGSEGV, .code = SI_KERNEL,
					 .addr = frame_sp(tf), .ip = frame_ip(tf),
					 .what = "bad signal frame" };
		die_by(SIGSEGV, &segv);
	}
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	t->blocked = blocked & ~UNBLOCKABLE;
	spin_unlock_irqrestore(&p->sig_lock, flags);
	frame_end_syscall(tf);		/* not a syscall to restart */
	return frame_retval(tf);
}
