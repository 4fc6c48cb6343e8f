/*
 * ptrace(2): see <alloy/ptrace.h> and docs/ptrace.md. Tracing is per
 * thread, as on Linux; the tracer is a process (any of its threads may
 * make requests and wait). A tracee stops in ptrace_stop() on its way
 * back to user mode (a signal, a syscall's entry or exit, an event) with
 * its user registers in a trap frame; the tracer's requests read and
 * write that frame and the tracee's memory while it stays stopped, and a
 * resume lets it go on with the signal the tracer chose.
 */
#include <alloy/pid.h>
#include <alloy/arch.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/lockrank.h>
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
#include <uapi/sched.h>
#include <uapi/wait.h>
#include <asm/trap.h>
#include <alloy/landlock.h>

#define CLD_TRAPPED 4
#define NT_PRSTATUS 1
#define NT_PRFPREG 2
#define WCLONE_FLAG 0x80000000u
#define WALL_FLAG 0x40000000u

static spinlock_t ptrace_lock = SPINLOCK_INIT("ptrace", LR_PTRACE);

bool ptrace_traced(struct task *t)
{
	return READ_ONCE(t->ptrace.tracer) != NULL;
}

/* Caller holds ptrace_lock: t is traced by tracer from now on (the list
 * holds a task reference). */
static void link_tracee(struct task *t, struct process *tracer, u32 options, u32 flags)
{
	task_get(t);
	proc_get(tracer);
	t->ptrace.tracer = tracer;
	t->ptrace.options = options;
	WRITE_ONCE(t->ptrace.flags, flags);
	list_add_tail(&t->ptrace.link, &tracer->ptraced);
}

/* Caller holds ptrace_lock: t is no longer traced; the references to put
 * after unlocking are returned (the task's, the tracer's). */
static struct process *unlink_tracee(struct task *t)
{
	struct process *tracer = t->ptrace.tracer;

	list_del_init(&t->ptrace.link);
	t->ptrace.dead_proc = NULL;	/* the caller took it to put */
	t->ptrace.tracer = NULL;
	t->ptrace.options = 0;
	WRITE_ONCE(t->ptrace.flags, 0);
	t->ptrace.report = false;
	t->ptrace.dead = false;
	WRITE_ONCE(t->ptrace.interrupt, false);
	return tracer;
}

/* Tells the tracer a tracee stopped: SIGCHLD (CLD_TRAPPED) and its wait. */
static void notify_tracer(struct process *tracer, struct task *t, int code, int status)
{
	struct process *p = READ_ONCE(t->proc);
	struct ksiginfo si = { .signo = SIGCHLD, .code = code, .pid = t->user_tid,
			       .uid = p ? READ_ONCE(p->uid[0]) : 0, .status = status };

	if (tracer->started && !READ_ONCE(tracer->zombie))
		signal_send(tracer, &si);
	wake_up_all(&tracer->child_wq);
}

/*
 * current stops for its tracer: code is what the tracer's wait reports
 * (WSTOPSIG and the event above it), si what GETSIGINFO reads. Returns
 * once resumed (or detached, or killed) with the signal the tracer gave.
 */
static int ptrace_stop(struct trap_frame *tf, int code, const struct ksiginfo *si)
{
	struct task *t = current_task();

	/* the tracer reads t->fpu: the live registers go there first (the
	 * switch away saves the same values again) */
	arch_irq_disable();
	arch_fpu_save(t->fpu);
	arch_irq_enable();
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);
	struct process *tracer = t->ptrace.tracer;
	if (!tracer || fatal_signal_pending()) {
		spin_unlock_irqrestore(&ptrace_lock, flags);
		return 0;
	}
	t->ptrace.code = code;
	t->ptrace.si = si ? *si : (struct ksiginfo){ .signo = SIGTRAP, .code = code };
	t->ptrace.tf = tf;
	t->ptrace.resume = 0;
	t->ptrace.stopped = true;
	t->ptrace.report = true;
	proc_get(tracer);
	spin_unlock_irqrestore(&ptrace_lock, flags);
	notify_tracer(tracer, t, CLD_TRAPPED, code & 0xff);
	proc_put(tracer);

	/* Until resumed (or SIGKILL), and never while a request is under way:
	 * one tracer thread's GETREGS/SETREGS may still be using tf when
	 * another resumes or detaches us (put_tracee kicks us then). */
	for (;;) {
		set_current_state_blocked();
		flags = spin_lock_irqsave(&ptrace_lock);
		bool done = !t->ptrace.busy && (!t->ptrace.stopped || fatal_signal_pending());
		if (done)
			t->ptrace.stopped = false;
		spin_unlock_irqrestore(&ptrace_lock, flags);
		if (done)
			break;
		schedule();
	}
	set_current_state_running();
	flags = spin_lock_irqsave(&ptrace_lock);
	int sig = t->ptrace.resume;
	u8 *fpu = t->ptrace.fpu_new;
	t->ptrace.fpu_new = NULL;
	t->ptrace.tf = NULL;
	t->ptrace.report = false;
	spin_unlock_irqrestore(&ptrace_lock, flags);
	if (fpu) {	/* SETFPREGS: into the registers it returns with */
		arch_irq_disable();
		memcpy(t->fpu, fpu, ARCH_FPU_SIZE);
		arch_fpu_restore(t->fpu);
		arch_irq_enable();
		kfree(fpu);
	}
	return sig;
}

/* The signal a tracer passed on: queued for current, not reported again. */
static void requeue(int sig, const struct ksiginfo *si)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);

	signal_requeue_locked(p, t, si);
	t->ptrace.skip_sig = sig;
	spin_unlock_irqrestore(&p->sig_lock, flags);
}

bool ptrace_wants_signal(int sig)
{
	struct task *t = current_task();

	if (t->ptrace.skip_sig == sig) {
		t->ptrace.skip_sig = 0;
		return false;
	}
	return sig != SIGKILL && ptrace_traced(t);
}

void ptrace_signal(struct trap_frame *tf, int sig, struct ksiginfo *si)
{
	struct task *t = current_task();
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);

	if (sig == SIGSTOP)
		t->ptrace.attach_stop = false;
	spin_unlock_irqrestore(&ptrace_lock, flags);
	int to = ptrace_stop(tf, sig, si);
	if (to < 1 || to > NSIG)
		return;		/* suppressed */
	flags = spin_lock_irqsave(&ptrace_lock);
	struct ksiginfo info = t->ptrace.si;	/* SETSIGINFO may have changed it */
	struct process *tracer = t->ptrace.tracer;
	/* read under the lock: the tracer may detach and be reaped after */
	int tracer_pid = tracer ? tracer->pid : 0;
	u32 tracer_uid = tracer ? READ_ONCE(tracer->uid[0]) : 0;
	spin_unlock_irqrestore(&ptrace_lock, flags);
	if (to != sig || info.signo != to) {	/* another signal: from the tracer */
		info = (struct ksiginfo){ .signo = to, .code = SI_USER,
					  .pid = tracer_pid, .uid = tracer_uid };
	}
	requeue(to, &info);
}

void ptrace_group_stop(struct trap_frame *tf, int sig)
{
	struct task *t = current_task();
	struct process *p = t->proc;
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);
	bool had = t->ptrace.attach_stop;	/* this stop stands for it */

	t->ptrace.attach_stop = false;
	spin_unlock_irqrestore(&ptrace_lock, flags);
	flags = spin_lock_irqsave(&p->sig_lock);
	t->ptrace.gstop_done = true;
	if (had)
		signal_clear_locked(p, t, sigmask(SIGSTOP));
	spin_unlock_irqrestore(&p->sig_lock, flags);
	/* a seized tracee's group stop is PTRACE_EVENT_STOP (Linux) */
	int code = READ_ONCE(t->ptrace.flags) & PT_SEIZED ? sig | PTRACE_EVENT_STOP << 8 : sig;
	struct ksiginfo si = { .signo = sig, .code = SI_KERNEL };
	ptrace_stop(tf, code, &si);
}

void ptrace_interrupt_stop(struct trap_frame *tf)
{
	struct task *t = current_task();
	struct ksiginfo si = { .signo = SIGTRAP, .code = SIGTRAP | PTRACE_EVENT_STOP << 8 };

	WRITE_ONCE(t->ptrace.interrupt, false);
	ptrace_stop(tf, SIGTRAP | PTRACE_EVENT_STOP << 8, &si);
}

/* A syscall stop: SIGTRAP, | 0x80 with TRACESYSGOOD. A signal given with
 * the resume is sent to the tracee (Linux). */
static void syscall_stop(struct trap_frame *tf)
{
	struct task *t = current_task();
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);
	int code = SIGTRAP | (t->ptrace.options & PTRACE_O_TRACESYSGOOD ? 0x80 : 0);

	spin_unlock_irqrestore(&ptrace_lock, flags);
	struct ksiginfo si = { .signo = SIGTRAP, .code = code };
	int sig = ptrace_stop(tf, code, &si);
	if (sig > 0 && sig <= NSIG) {
		struct ksiginfo s = { .signo = sig, .code = SI_USER };
		signal_send_thread(t, &s);
	}
}

bool ptrace_syscall_enter(struct trap_frame *tf)
{
	arch_ptrace_syscall_frame(tf);
	syscall_stop(tf);
	return fatal_signal_pending();
}

void ptrace_syscall_exit(struct trap_frame *tf)
{
	syscall_stop(tf);
}

void ptrace_event(int event, u64 msg)
{
	struct task *t = current_task();
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);

	if (!t->ptrace.tracer) {
		spin_unlock_irqrestore(&ptrace_lock, flags);
		return;
	}
	t->ptrace.msg = msg;
	spin_unlock_irqrestore(&ptrace_lock, flags);
	int code = SIGTRAP | event << 8;
	struct ksiginfo si = { .signo = SIGTRAP, .code = code };
	ptrace_stop(current_user_frame(), code, &si);
}

int ptrace_clone_child(struct task *child, u64 clone_flags, bool thread)
{
	struct task *t = current_task();
	int event = clone_flags & CLONE_VFORK ? PTRACE_EVENT_VFORK :
		    thread ? PTRACE_EVENT_CLONE : PTRACE_EVENT_FORK;
	u32 want = event == PTRACE_EVENT_VFORK ? PTRACE_O_TRACEVFORK :
		   event == PTRACE_EVENT_CLONE ? PTRACE_O_TRACECLONE : PTRACE_O_TRACEFORK;
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);
	struct process *tracer = t->ptrace.tracer;

	if (!tracer || !(t->ptrace.options & want) || tracer->ptrace_exited) {
		spin_unlock_irqrestore(&ptrace_lock, flags);
		return 0;
	}
	u32 pflags = t->ptrace.flags & PT_SEIZED;
	link_tracee(child, tracer, t->ptrace.options, pflags);
	/* it starts stopped: SIGSTOP, or a seized tracee's event stop */
	if (pflags & PT_SEIZED)
		WRITE_ONCE(child->ptrace.interrupt, true);
	else
		child->ptrace.attach_stop = true;
	spin_unlock_irqrestore(&ptrace_lock, flags);
	if (!(pflags & PT_SEIZED)) {
		struct ksiginfo si = { .signo = SIGSTOP, .code = SI_KERNEL };
		struct process *p = child->proc;
		flags = spin_lock_irqsave(&p->sig_lock);
		signal_set_locked(p, child, &si);	/* past prepare(): always stops */
		spin_unlock_irqrestore(&p->sig_lock, flags);
	}
	return event;
}

void ptrace_exec(int old_tid)
{
	struct task *t = current_task();
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);
	bool traced = t->ptrace.tracer != NULL;
	bool event = traced && (t->ptrace.options & PTRACE_O_TRACEEXEC);
	bool legacy = traced && !event && !(t->ptrace.flags & PT_SEIZED);

	spin_unlock_irqrestore(&ptrace_lock, flags);
	if (event) {
		ptrace_event(PTRACE_EVENT_EXEC, (u64)old_tid);
	} else if (legacy) {	/* the old SIGTRAP after a successful execve */
		struct ksiginfo si = { .signo = SIGTRAP, .code = SI_USER };
		signal_send_thread(t, &si);
	}
}

bool ptrace_exec_unprivileged(void)
{
	return ptrace_traced(current_task());
}

void ptrace_exec_commit(const struct cred *c, const struct cred *unprivileged,
			bool unreadable)
{
	struct process *p = current_proc();
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);

	/* traced since exec looked (ptrace_exec_unprivileged): no set-ID */
	cred_commit(current_task()->ptrace.tracer ? unprivileged : c);
	if (unreadable) {
		spin_lock(&p->sig_lock);
		p->undumpable = true;
		spin_unlock(&p->sig_lock);
	}
	spin_unlock_irqrestore(&ptrace_lock, flags);
}

void ptrace_exit_event(int wait_status)
{
	struct task *t = current_task();

	if (!ptrace_traced(t) || !(READ_ONCE(t->ptrace.options) & PTRACE_O_TRACEEXIT) ||
	    fatal_signal_pending())
		return;
	ptrace_event(PTRACE_EVENT_EXIT, (u64)(u32)wait_status);
}

void ptrace_task_exit(struct task *t, int status)
{
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);
	struct process *tracer = t->ptrace.tracer;
	struct process *p = t->proc;

	t->ptrace.gone = true;	/* an attach after this would never be undone */
	if (!tracer) {
		spin_unlock_irqrestore(&ptrace_lock, flags);
		return;
	}
	/* a tracer that is the parent learns of the exit from the zombie;
	 * any other waits for this entry (Linux tells both) */
	bool keep = p && tracer != READ_ONCE(p->parent);
	if (keep) {
		proc_get(p);
		t->ptrace.dead_proc = p;
		t->ptrace.dead = true;
		t->ptrace.exit_status = status;
		t->ptrace.report = false;
		t->ptrace.stopped = false;
		proc_get(tracer);
		spin_unlock_irqrestore(&ptrace_lock, flags);
		notify_tracer(tracer, t, status & 0x7f ? CLD_KILLED : CLD_EXITED,
			      status & 0x7f ? status & 0x7f : (status >> 8) & 0xff);
		proc_put(tracer);
		return;
	}
	unlink_tracee(t);
	spin_unlock_irqrestore(&ptrace_lock, flags);
	proc_put(tracer);
	task_put(t);
}

/* Caller holds ptrace_lock: t goes on without a tracer (sig: DETACH's). */
static void detach_locked(struct task *t, int sig)
{
	bool dead = t->ptrace.dead;

	if (t->ptrace.tf && t->ptrace.stepping)
		arch_ptrace_step(t->ptrace.tf, false);
	t->ptrace.stepping = false;
	t->ptrace.resume = sig;
	t->ptrace.stopped = false;
	unlink_tracee(t);
	if (!dead)
		task_kick(t);	/* out of its stop */
}

/* ATTACH's SIGSTOP that never came to the tracer is not left behind
 * (it would stop the group after the detach). */
static void drop_attach_stop(struct task *t, struct process *p, bool had)
{
	if (!had || !p)
		return;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	if (!list_empty(&t->thread_link))
		signal_clear_locked(p, t, sigmask(SIGSTOP));
	spin_unlock_irqrestore(&p->sig_lock, flags);
}

void ptrace_tracer_exit(struct process *me)
{
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&ptrace_lock);
		me->ptrace_exited = true;	/* a fork event racing us adds none */
		if (list_empty(&me->ptraced)) {
			spin_unlock_irqrestore(&ptrace_lock, flags);
			return;
		}
		struct task *t = list_first_entry(&me->ptraced, struct task, ptrace.link);
		bool kill = (t->ptrace.options & PTRACE_O_EXITKILL) && !t->ptrace.dead;
		bool had = t->ptrace.attach_stop;
		t->ptrace.attach_stop = false;
		/* a live tracee's t->proc holds until ptrace_task_exit, which
		 * takes this lock; a dead one's is dead_proc */
		struct process *p = t->ptrace.dead ? t->ptrace.dead_proc : t->proc;
		if (p && !t->ptrace.dead)
			proc_get(p);
		detach_locked(t, 0);
		spin_unlock_irqrestore(&ptrace_lock, flags);
		if (!kill)
			drop_attach_stop(t, p, had);
		if (kill && p)
			thread_group_kill(p, SIGKILL);
		proc_put(p);
		proc_put(me);	/* the link's */
		task_put(t);
	}
}

/* The process of a listed tracee (lock held): alive, or kept for a dead one. */
static struct process *tracee_proc(struct task *t)
{
	return t->ptrace.dead ? t->ptrace.dead_proc : t->proc;
}

static bool wait_matches(struct task *t, struct process *me, const struct wait_spec *ws)
{
	struct process *p = tracee_proc(t);
	bool leader = p && t->user_tid == p->pid;
	u32 opt = (u32)ws->options;

	/* a thread that is not a leader is a "clone" child: __WALL or __WCLONE */
	if (!(opt & WALL_FLAG) && leader == !!(opt & WCLONE_FLAG))
		return false;
	switch (ws->which) {
	case P_PID: return t->user_tid == ws->id;
	case P_PGID: return p && READ_ONCE(p->pgid) == (ws->id ? ws->id : READ_ONCE(me->pgid));
	case P_PIDFD: return p == ws->target && leader;
	default: return true;
	}
}

int ptrace_wait(struct process *me, const struct wait_spec *ws, int *uid, int *status,
		bool *stop)
{
	bool any = false, keep = ws->options & WNOWAIT;
	struct task *t, *gone = NULL;
	struct process *gone_proc = NULL;
	int rc = 0;
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);

	list_for_each_entry(t, &me->ptraced, ptrace.link) {
		if (!wait_matches(t, me, ws))
			continue;
		any = true;
		struct process *p = tracee_proc(t);
		if (t->ptrace.dead && (ws->options & WEXITED)) {
			*status = t->ptrace.exit_status;
			*stop = false;
			*uid = p ? (int)READ_ONCE(p->uid[0]) : 0;
			rc = t->user_tid;
			if (!keep) {
				gone_proc = p;	/* put after the lock */
				unlink_tracee(t);
				gone = t;
			}
			break;
		} else if (t->ptrace.report && t->ptrace.stopped) {
			*status = t->ptrace.code << 8 | 0x7f;
			*stop = true;
			t->ptrace.report = keep;
		} else {
			continue;
		}
		*uid = p ? (int)READ_ONCE(p->uid[0]) : 0;
		rc = t->user_tid;
		break;
	}
	spin_unlock_irqrestore(&ptrace_lock, flags);
	if (gone) {
		proc_put(me);
		proc_put(gone_proc);
		task_put(gone);
	}
	return rc ? rc : any ? 0 : -ECHILD;
}

int ptrace_tracer_pid(int tid)
{
	struct process *p;
	struct task *t = proc_find_thread_global(tid, &p);
	int pid = 0;

	if (!t)
		return 0;
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);
	if (t->ptrace.tracer)
		pid = t->ptrace.tracer->pid;
	spin_unlock_irqrestore(&ptrace_lock, flags);
	task_put(t);
	proc_put(p);
	return pid_to_user(pid);	/* the reader's number (0: outside) */
}

/* ---- requests ---- */

/* May current attach to p? Same real, effective and saved IDs, or
 * root (Linux's CAP_SYS_PTRACE; ptrace_may_access without LSMs). */
#define CAP_SYS_PTRACE 19

/* c (the caller's) is root that kept CAP_SYS_PTRACE (a setuid does not
 * clear the bits: the IDs decide, sys_caps.c). */
static bool cred_ptrace_capable(const struct cred *c)
{
	return cred_is_root(c) && (READ_ONCE(current_proc()->caps[0]) >> CAP_SYS_PTRACE & 1);
}

bool ptrace_capable(void)
{
	struct cred c;

	cred_current(&c);
	return cred_ptrace_capable(&c);
}

bool ptrace_may_access_locked(struct process *p, const struct cred *c)
{
	if (!landlock_may_ptrace(current_proc(), p))	/* whatever the capabilities, as Linux */
		return false;
	if (cred_ptrace_capable(c))
		return true;
	return p->uid[0] == c->uid && p->uid[1] == c->uid && p->uid[2] == c->uid &&
	       p->gid[0] == c->gid && p->gid[1] == c->gid && p->gid[2] == c->gid &&
	       !p->undumpable;
}

bool ptrace_may_read(struct process *p)
{
	struct cred c;

	if (p == current_proc())
		return true;
	cred_current(&c);
	unsigned long fl = spin_lock_irqsave(&p->sig_lock);
	bool ok = ptrace_may_access_locked(p, &c);
	spin_unlock_irqrestore(&p->sig_lock, fl);
	return ok;
}

static bool may_attach(struct process *p)
{
	struct cred c;

	cred_current(&c);
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	bool ok = ptrace_may_access_locked(p, &c);
	spin_unlock_irqrestore(&p->sig_lock, flags);
	/* as before: a non-root caller with mixed IDs of its own may not */
	if (!cred_is_root(&c) && (c.euid != c.uid || c.suid != c.uid ||
				  c.egid != c.gid || c.sgid != c.gid))
		ok = false;
	return ok && (cred_is_root(&c) || p->pid != 1);
}

static bool attach_settled(struct task *t, struct process *me, struct process *p)
{
	return READ_ONCE(t->ptrace.stopped) || READ_ONCE(t->ptrace.tracer) != me ||
	       !READ_ONCE(p->stopped) || !READ_ONCE(t->proc) || signal_pending();
}

static long attach(int pid, bool seize, u64 options)
{
	struct process *me = current_proc(), *p;
	long rc = 0;

	if (seize && (options & ~(u64)PTRACE_O_MASK))
		return -EIO;	/* as Linux's attach (SETOPTIONS says EINVAL) */
	struct task *t = proc_find_thread(pid, &p);
	if (!t)
		return -ESRCH;
	if (p == me)
		rc = -EPERM;		/* a thread of our own */
	if (!rc) {
		/* the right is checked under ptrace_lock, where exec commits
		 * its new IDs (ptrace_exec_commit): an attach lands wholly
		 * before a set-ID exec's commit (which then drops the
		 * privilege) or after it (and is refused) */
		unsigned long flags = spin_lock_irqsave(&ptrace_lock);
		if (!may_attach(p))
			rc = -EPERM;
		else if (t->ptrace.tracer || t->ptrace.gone || !READ_ONCE(t->proc) ||
			 READ_ONCE(p->zombie) || me->ptrace_exited)
			rc = -EPERM;	/* traced already (a racing tracer lost) */
		else
			link_tracee(t, me, seize ? (u32)options : 0, seize ? PT_SEIZED : 0);
		if (!rc && !seize)
			t->ptrace.attach_stop = true;
		spin_unlock_irqrestore(&ptrace_lock, flags);
	}
	if (!rc && !seize) {	/* the tracee stops with SIGSTOP (init too) */
		struct ksiginfo si = { .signo = SIGSTOP, .code = SI_KERNEL };
		unsigned long flags = spin_lock_irqsave(&p->sig_lock);
		if (!list_empty(&t->thread_link)) {
			signal_set_locked(p, t, &si);
			task_kick(t);
		}
		spin_unlock_irqrestore(&p->sig_lock, flags);
		/* Stopped by job control: it comes out of that stop into its
		 * trap now (Linux waits for this too), so that requests right
		 * after the attach find it stopped. */
		if (READ_ONCE(p->stopped))
			wait_event(me->child_wq, attach_settled(t, me, p));
	}
	task_put(t);
	proc_put(p);
	return rc;
}

static long traceme(void)
{
	struct task *t = current_task();
	struct process *parent = proc_parent_get(t->proc);
	long rc = 0;

	if (!parent)
		return -EPERM;
	if (!landlock_may_ptrace(parent, t->proc)) {	/* a sandboxed parent */
		proc_put(parent);
		return -EPERM;
	}
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);
	if (t->ptrace.tracer || parent->ptrace_exited)
		rc = -EPERM;
	else
		link_tracee(t, parent, 0, 0);
	spin_unlock_irqrestore(&ptrace_lock, flags);
	proc_put(parent);
	return rc;
}

/* The tracee for a request: traced by us and, if stopped is asked,
 * stopped; it is marked busy (put_tracee ends that). */
static struct task *get_tracee(int pid, bool stopped, long *rc, struct process **pp)
{
	struct process *p, *me = current_proc();
	struct task *t = proc_find_thread(pid, &p);

	*rc = -ESRCH;
	if (!t)
		return NULL;
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);
	bool ok = t->ptrace.tracer == me && !t->ptrace.dead &&
		  (!stopped || (t->ptrace.stopped && t->ptrace.tf));
	if (ok)
		t->ptrace.busy++;
	spin_unlock_irqrestore(&ptrace_lock, flags);
	if (!ok) {
		task_put(t);
		proc_put(p);
		return NULL;
	}
	*rc = 0;
	*pp = p;	/* with proc_find_thread's reference */
	return t;
}

static void put_tracee(struct task *t, struct process *p)
{
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);

	t->ptrace.busy--;
	spin_unlock_irqrestore(&ptrace_lock, flags);
	task_kick(t);	/* a SIGKILL may be waiting for this */
	task_put(t);
	proc_put(p);
}

/* PEEK/POKE: a word of t's memory, as the tracee would reach it, but
 * writing read-only private pages (a private copy: FOLL_FORCE). */
static long peek_poke(struct task *t, bool poke, u64 addr, u64 data)
{
	struct user_mm *mm = task_mm_get(t);
	u64 word = data;
	long rc;

	if (!mm)
		return -EIO;
	if (poke)
		rc = user_mm_access(mm, addr, &word, sizeof(word), true, true);
	else
		rc = user_mm_access(mm, addr, &word, sizeof(word), false, true);
	user_mm_put(mm);
	if (rc != sizeof(word))
		return -EIO;
	if (!poke && copy_to_user((void *)data, &word, sizeof(word)))
		return -EFAULT;
	return 0;
}

static long resume(struct task *t, long req, u64 data)
{
	if (data > NSIG)
		return -EIO;
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);
	u32 f = t->ptrace.flags & ~PT_SYSCALL;

	if (req == PTRACE_SYSCALL)
		f |= PT_SYSCALL;
	WRITE_ONCE(t->ptrace.flags, f);
	bool step = req == PTRACE_SINGLESTEP;
	if (step || t->ptrace.stepping)
		arch_ptrace_step(t->ptrace.tf, step);
	t->ptrace.stepping = step;
	t->ptrace.resume = (int)data;
	t->ptrace.stopped = false;
	spin_unlock_irqrestore(&ptrace_lock, flags);
	return 0;
}

static long detach(struct task *t, struct process *p, u64 data)
{
	if (data > NSIG)
		return -EIO;	/* before anything changes */
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);
	struct process *tracer = t->ptrace.tracer;
	bool had = t->ptrace.attach_stop;

	t->ptrace.attach_stop = false;
	t->ptrace.busy--;	/* get_tracee's: the link goes now */
	detach_locked(t, (int)data);
	spin_unlock_irqrestore(&ptrace_lock, flags);
	drop_attach_stop(t, p, had);
	proc_put(tracer);
	task_put(t);		/* the link's; the caller's is put_tracee's */
	return 0;
}

struct kiovec {
	u64 base, len;
};

static long regset(struct task *t, bool set, u64 type, u64 uiov)
{
	struct kiovec iov;
	long rc;

	if (copy_from_user(&iov, (const void *)uiov, sizeof(iov)))
		return -EFAULT;
	if (type == NT_PRSTATUS) {
		u64 n = MIN(iov.len, (u64)ARCH_PTRACE_REGS_SIZE);
		rc = set ? arch_ptrace_setregs(t, t->ptrace.tf, iov.base, n)
			 : arch_ptrace_getregs(t, t->ptrace.tf, iov.base, n);
		iov.len = n;
	} else if (type == NT_PRFPREG) {
		u64 n = MIN(iov.len, (u64)ARCH_FPU_SIZE);
		rc = -ENOMEM;
		u8 *buf = kmalloc(ARCH_FPU_SIZE, GFP_KERNEL);
		if (buf) {
			unsigned long flags = spin_lock_irqsave(&ptrace_lock);
			memcpy(buf, t->ptrace.fpu_new ? t->ptrace.fpu_new : t->fpu, ARCH_FPU_SIZE);
			spin_unlock_irqrestore(&ptrace_lock, flags);
			rc = set ? (copy_from_user(buf, (const void *)iov.base, n) ? -EFAULT : 0)
				 : (copy_to_user((void *)iov.base, buf, n) ? -EFAULT : 0);
			if (!rc && set) {
				arch_ptrace_fpu_sanitize(buf);
				flags = spin_lock_irqsave(&ptrace_lock);
				u8 *old = t->ptrace.fpu_new;
				t->ptrace.fpu_new = buf;
				spin_unlock_irqrestore(&ptrace_lock, flags);
				buf = old;
			}
			kfree(buf);
		}
		iov.len = n;
	} else {
		return -EINVAL;
	}
	if (!rc && copy_to_user((void *)uiov, &iov, sizeof(iov)))
		rc = -EFAULT;
	return rc;
}

static long setoptions(struct task *t, u64 data)
{
	if (data & ~(u64)PTRACE_O_MASK)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&ptrace_lock);
	t->ptrace.options = (u32)data;
	spin_unlock_irqrestore(&ptrace_lock, flags);
	return 0;
}

static long siginfo(struct task *t, bool set, u64 uaddr)
{
	struct ksiginfo si;
	unsigned long flags;

	if (!set) {
		flags = spin_lock_irqsave(&ptrace_lock);
		si = t->ptrace.si;
		spin_unlock_irqrestore(&ptrace_lock, flags);
		return arch_copy_siginfo(uaddr, &si);
	}
	struct { s32 signo, errno_, code, pad; s32 pid, uid; } in;
	if (copy_from_user(&in, (const void *)uaddr, sizeof(in)))
		return -EFAULT;
	si = (struct ksiginfo){ .signo = in.signo, .code = in.code, .pid = in.pid,
				.uid = (u32)in.uid };
	flags = spin_lock_irqsave(&ptrace_lock);
	t->ptrace.si = si;
	spin_unlock_irqrestore(&ptrace_lock, flags);
	return 0;
}

static long interrupt(struct task *t, struct process *p)
{
	if (!(READ_ONCE(t->ptrace.flags) & PT_SEIZED))
		return -EIO;
	WRITE_ONCE(t->ptrace.interrupt, true);
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	if (!list_empty(&t->thread_link))	/* still listed: it runs or sleeps */
		task_kick(t);
	spin_unlock_irqrestore(&p->sig_lock, flags);
	return 0;
}

static long request(struct task *t, long req, u64 addr, u64 data)
{
	u64 val;
	long rc;

	switch (req) {
	case PTRACE_PEEKTEXT:
	case PTRACE_PEEKDATA:
		return peek_poke(t, false, addr, data);
	case PTRACE_POKETEXT:
	case PTRACE_POKEDATA:
		return peek_poke(t, true, addr, data);
	case PTRACE_PEEKUSER:
		rc = arch_ptrace_peekuser(t, t->ptrace.tf, addr, &val);
		if (!rc && copy_to_user((void *)data, &val, sizeof(val)))
			rc = -EFAULT;
		return rc;
	case PTRACE_POKEUSER:
		return arch_ptrace_pokeuser(t, t->ptrace.tf, addr, data);
	case PTRACE_GETREGS:
		return arch_ptrace_getregs(t, t->ptrace.tf, data, ARCH_PTRACE_REGS_SIZE);
	case PTRACE_SETREGS:
		return arch_ptrace_setregs(t, t->ptrace.tf, data, ARCH_PTRACE_REGS_SIZE);
	case PTRACE_GETFPREGS:
	case PTRACE_SETFPREGS: {
		struct kiovec iov = { data, ARCH_FPU_SIZE };
		/* through the regset path, with a kernel iovec copy */
		u8 *buf = kmalloc(ARCH_FPU_SIZE, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		unsigned long flags = spin_lock_irqsave(&ptrace_lock);
		memcpy(buf, t->ptrace.fpu_new ? t->ptrace.fpu_new : t->fpu, ARCH_FPU_SIZE);
		spin_unlock_irqrestore(&ptrace_lock, flags);
		if (req == PTRACE_GETFPREGS) {
			rc = copy_to_user((void *)iov.base, buf, iov.len) ? -EFAULT : 0;
			kfree(buf);
			return rc;
		}
		if (copy_from_user(buf, (const void *)iov.base, iov.len)) {
			kfree(buf);
			return -EFAULT;
		}
		arch_ptrace_fpu_sanitize(buf);
		flags = spin_lock_irqsave(&ptrace_lock);
		u8 *old = t->ptrace.fpu_new;
		t->ptrace.fpu_new = buf;
		spin_unlock_irqrestore(&ptrace_lock, flags);
		kfree(old);
		return 0;
	}
	case PTRACE_GETREGSET:
	case PTRACE_SETREGSET:
		return regset(t, req == PTRACE_SETREGSET, addr, data);
	case PTRACE_SETOPTIONS:
		return setoptions(t, data);
	case PTRACE_GETEVENTMSG: {
		unsigned long flags = spin_lock_irqsave(&ptrace_lock);
		val = t->ptrace.msg;
		spin_unlock_irqrestore(&ptrace_lock, flags);
		return copy_to_user((void *)data, &val, sizeof(val)) ? -EFAULT : 0;
	}
	case PTRACE_GETSIGINFO:
	case PTRACE_SETSIGINFO:
		return siginfo(t, req == PTRACE_SETSIGINFO, data);
	case PTRACE_CONT:
	case PTRACE_SYSCALL:
	case PTRACE_SINGLESTEP:
		return resume(t, req, data);
	case PTRACE_LISTEN:
		return -EIO;	/* not implemented */
	default:
		return -EIO;
	}
}

long sys_ptrace(u64 req, u64 pid, u64 addr, u64 data, u64 a4, u64 a5)
{
	struct process *p;
	struct task *t;
	long rc;

	(void)a4; (void)a5;
	switch ((long)req) {
	case PTRACE_TRACEME:
		return traceme();
	case PTRACE_ATTACH:
		return attach((int)pid, false, 0);
	case PTRACE_SEIZE:
		if (addr)
			return -EIO;
		return attach((int)pid, true, data);
	case PTRACE_KILL:
	case PTRACE_INTERRUPT:
		/* need not be stopped */
		if (!(t = get_tracee((int)pid, false, &rc, &p)))
			return rc;
		if (req == PTRACE_INTERRUPT) {
			rc = interrupt(t, p);
		} else {
			thread_group_kill(p, SIGKILL);
			rc = 0;
		}
		put_tracee(t, p);
		return rc;
	case PTRACE_DETACH:
		/* Linux asks for a stopped tracee; a running one is let go too */
		if (!(t = get_tracee((int)pid, false, &rc, &p)))
			return rc;
		rc = detach(t, p, data);	/* ends get_tracee's mark */
		if (rc) {
			put_tracee(t, p);	/* nothing changed */
		} else {
			task_put(t);
			proc_put(p);
		}
		return rc;
	default:
		if (pid > 0x7fffffffULL)
			return -ESRCH;
		if (!(t = get_tracee((int)pid, true, &rc, &p)))
			return rc;
		rc = request(t, (long)req, addr, data);
		put_tracee(t, p);
		return rc;
	}
}
