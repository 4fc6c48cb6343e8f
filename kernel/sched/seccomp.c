/*
 * seccomp: strict mode and filters (see <alloy/seccomp.h>, docs/signals.md).
 *
 * A filter is a checked classic-BPF program (kernel/lib/bpf.c) run on
 * the syscall's seccomp_data. A thread's filters are a chain, newest
 * first: installing one puts it in front of the thread's chain, which it
 * then holds (prev). Every filter of the chain runs and the most
 * restrictive action wins (the lowest as a signed number: KILL_PROCESS,
 * KILL_THREAD, TRAP, ERRNO, USER_NOTIF, TRACE, LOG, ALLOW); among equals
 * the newest filter's data. fork and clone share the creator's chain,
 * execve keeps it; filters are never removed.
 *
 * Lifetimes: a filter is reference counted: one per thread whose
 * seccomp_filter it is, one per newer filter whose prev it is; its last
 * put frees it and puts its prev. A thread reads its own pointer without
 * a lock in its syscall entry; only the thread itself, or a sibling's
 * SECCOMP_FILTER_FLAG_TSYNC under proc->sig_lock, changes it, and TSYNC
 * replaces a chain only by one that contains it, so the filter the
 * thread may still be running stays alive (held by the new one's prev).
 */
#include <alloy/atomic.h>
#include <alloy/bpf.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/printk.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/seccomp.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>

#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#define SECCOMP_RET_KILL_THREAD 0x00000000U
#define SECCOMP_RET_TRAP 0x00030000U
#define SECCOMP_RET_ERRNO 0x00050000U
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#define SECCOMP_RET_TRACE 0x7ff00000U
#define SECCOMP_RET_LOG 0x7ffc0000U
#define SECCOMP_RET_ALLOW 0x7fff0000U
#define SECCOMP_RET_ACTION_FULL 0xffff0000U
#define SECCOMP_RET_DATA 0x0000ffffU

#define SECCOMP_FILTER_FLAG_TSYNC (1U << 0)
#define SECCOMP_FILTER_FLAG_LOG (1U << 1)
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1U << 4)

#define CAP_SYS_ADMIN 21
#define MAX_ERRNO 4095
/* Linux's bound on a chain: its filters' instructions, 4 more for each */
#define MAX_INSNS_PER_PATH 32768

struct seccomp_filter {
	atomic_t refcount;
	struct seccomp_filter *prev;	/* a reference, or NULL */
	bool log;			/* SECCOMP_FILTER_FLAG_LOG */
	u32 len;
	struct bpf_insn insns[];
};

static void filter_get(struct seccomp_filter *f)
{
	if (f)
		atomic_inc(&f->refcount);
}

static void filter_put(struct seccomp_filter *f)
{
	while (f && atomic_dec_and_test(&f->refcount)) {
		struct seccomp_filter *prev = f->prev;
		kfree(f);
		f = prev;	/* iterative: a long chain uses no stack */
	}
}

void seccomp_inherit(struct task *t, const struct task *parent)
{
	struct process *p = parent->proc;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);	/* against a TSYNC */

	t->seccomp_filter = parent->seccomp_filter;
	filter_get(t->seccomp_filter);
	t->seccomp_mode = parent->seccomp_mode;
	spin_unlock_irqrestore(&p->sig_lock, flags);
}

void seccomp_thread_attach_locked(struct task *t, const struct task *creator)
{
	struct seccomp_filter *old = t->seccomp_filter;

	if (old == creator->seccomp_filter)
		return;
	t->seccomp_filter = creator->seccomp_filter;
	filter_get(t->seccomp_filter);
	t->seccomp_mode = creator->seccomp_mode;
	filter_put(old);	/* in the new chain (TSYNC's rule): never freed here */
}

void seccomp_task_free(struct task *t)
{
	filter_put(t->seccomp_filter);
	t->seccomp_filter = NULL;
}

long seccomp_set_strict(void)
{
	struct task *t = current_task();

	if (t->seccomp_mode == SECCOMP_MODE_FILTER)
		return -EINVAL;		/* one mode, never changed (Linux) */
	WRITE_ONCE(t->seccomp_mode, SECCOMP_MODE_STRICT);	/* this thread only */
	return 0;
}

static bool action_known(u32 action)
{
	switch (action) {
	case SECCOMP_RET_KILL_PROCESS: case SECCOMP_RET_KILL_THREAD:
	case SECCOMP_RET_TRAP: case SECCOMP_RET_ERRNO: case SECCOMP_RET_TRACE:
	case SECCOMP_RET_LOG: case SECCOMP_RET_ALLOW:
		return true;
	default:
		return false;	/* USER_NOTIF: no listeners are built */
	}
}

long seccomp_action_avail(u64 uaction)
{
	u32 action;

	if (copy_from_user(&action, (const void *)uaction, sizeof(action)))
		return -EFAULT;
	return action_known(action) ? 0 : -EOPNOTSUPP;
}

/* Is a in b's chain (or NULL)? */
static bool ancestor(const struct seccomp_filter *a, const struct seccomp_filter *b)
{
	if (!a)
		return true;
	for (; b; b = b->prev)
		if (a == b)
			return true;
	return false;
}

/* Caller holds sig_lock: 0, or the tid of a thread whose filters are
 * not in current's chain (or that is in strict mode): TSYNC cannot. */
static int tsync_blocker(struct process *p, struct task *self)
{
	struct task *o;

	list_for_each_entry(o, &p->threads, thread_link) {
		if (o == self)
			continue;
		if (o->seccomp_mode == SECCOMP_MODE_STRICT ||
		    !ancestor(o->seccomp_filter, self->seccomp_filter))
			return o->vtid;	/* as the process numbers its threads */
	}
	return 0;
}

/* Caller holds sig_lock: every other thread gets current's chain. */
static void tsync_locked(struct process *p, struct task *self)
{
	struct task *o;

	list_for_each_entry(o, &p->threads, thread_link) {
		if (o == self || o->seccomp_filter == self->seccomp_filter)
			continue;
		struct seccomp_filter *old = o->seccomp_filter;
		filter_get(self->seccomp_filter);
		WRITE_ONCE(o->seccomp_filter, self->seccomp_filter);
		smp_store_release(&o->seccomp_mode, (u8)SECCOMP_MODE_FILTER);
		filter_put(old);	/* still held by the new chain: freed never here */
	}
}

long seccomp_set_filter(u32 flags, u64 uprog)
{
	struct { u16 len; u16 pad[3]; u64 filter; } prog;	/* struct sock_fprog */
	struct task *t = current_task();
	struct process *p = t->proc;

	if (flags & ~(SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
		      SECCOMP_FILTER_FLAG_TSYNC_ESRCH))
		return -EINVAL;	/* SPEC_ALLOW, NEW_LISTENER...: not built */
	if (copy_from_user(&prog, (const void *)uprog, sizeof(prog)))
		return -EFAULT;
	if (!prog.len || prog.len > BPF_MAXINSNS)
		return -EINVAL;
	/* a filter could make a set-ID program fail where it does not expect
	 * to: only without privileges to gain, or as an administrator */
	if (!READ_ONCE(p->no_new_privs) && !cap_effective(CAP_SYS_ADMIN))
		return -EACCES;
	struct seccomp_filter *f = kmalloc(sizeof(*f) + prog.len * sizeof(struct bpf_insn),
					   GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	atomic_set(&f->refcount, 1);
	f->prev = NULL;
	f->log = flags & SECCOMP_FILTER_FLAG_LOG;
	f->len = prog.len;
	long rc = -EFAULT;
	if (copy_from_user(f->insns, (const void *)prog.filter, prog.len * sizeof(struct bpf_insn)))
		goto fail;
	rc = bpf_check(f->insns, f->len, sizeof(struct seccomp_data));
	if (rc)
		goto fail;

	unsigned long fl = spin_lock_irqsave(&p->sig_lock);
	rc = -EINVAL;
	if (t->seccomp_mode == SECCOMP_MODE_STRICT)
		goto unlock;
	u32 total = f->len + 4;
	for (struct seccomp_filter *o = t->seccomp_filter; o; o = o->prev)
		total += o->len + 4;
	rc = -ENOMEM;
	if (total > MAX_INSNS_PER_PATH)
		goto unlock;
	if (flags & SECCOMP_FILTER_FLAG_TSYNC) {
		int tid = tsync_blocker(p, t);
		if (tid) {
			rc = flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH ? -ESRCH : tid;
			goto unlock;
		}
	}
	f->prev = t->seccomp_filter;	/* the thread's reference moves to f */
	smp_store_release(&t->seccomp_filter, f);
	smp_store_release(&t->seccomp_mode, (u8)SECCOMP_MODE_FILTER);
	if (flags & SECCOMP_FILTER_FLAG_TSYNC)
		tsync_locked(p, t);
	spin_unlock_irqrestore(&p->sig_lock, fl);
	return 0;
unlock:
	spin_unlock_irqrestore(&p->sig_lock, fl);
fail:
	kfree(f);
	return rc;
}

static void log_action(const struct seccomp_data *sd, u32 action)
{
	struct process *p = current_proc();

	printk_ratelimited(LOG_INFO, "seccomp: %s (pid %d) syscall %d action %#x ip %#llx\n",
			   p->comm, p->pid, sd->nr, action, sd->instruction_pointer);
}

bool seccomp_syscall(const struct seccomp_data *sd, long *ret)
{
	struct task *t = current_task();
	u32 action = SECCOMP_RET_ALLOW;
	bool log = false;

	for (const struct seccomp_filter *f = smp_load_acquire(&t->seccomp_filter); f;
	     f = f->prev) {
		u32 r = bpf_run(f->insns, sd);
		if ((s32)(r & SECCOMP_RET_ACTION_FULL) < (s32)(action & SECCOMP_RET_ACTION_FULL)) {
			action = r;
			log = f->log;
		}
	}
	u32 data = action & SECCOMP_RET_DATA;
	action &= SECCOMP_RET_ACTION_FULL;
	if (action == SECCOMP_RET_ALLOW)
		return true;
	if (action == SECCOMP_RET_LOG || log || !action_known(action) ||
	    action == SECCOMP_RET_KILL_THREAD || action == SECCOMP_RET_KILL_PROCESS)
		log_action(sd, action);
	switch (action) {
	case SECCOMP_RET_LOG:
		return true;
	case SECCOMP_RET_ERRNO:
		*ret = -(long)(data > MAX_ERRNO ? MAX_ERRNO : data);
		return false;
	case SECCOMP_RET_TRAP: {
		/* the syscall does not run; the handler sees the registers
		 * as they were (rax too: *ret is the caller's) */
		struct ksiginfo si = { .signo = SIGSYS, .code = SYS_SECCOMP, .err = (int)data,
				       .call_addr = sd->instruction_pointer,
				       .syscall = sd->nr, .arch = sd->arch };
		signal_force(&si);
		return false;
	}
	case SECCOMP_RET_TRACE:		/* no tracer takes seccomp events here */
	case SECCOMP_RET_USER_NOTIF:	/* no listener can exist */
		*ret = -ENOSYS;
		return false;
	case SECCOMP_RET_KILL_THREAD:
		user_exit(SIGSYS);	/* the last thread's end is the process's */
	default:			/* KILL_PROCESS, and unknown actions (Linux) */
		user_exit_group(SIGSYS);
	}
}
