/*
 * prctl(2) and seccomp(2): per-process and per-thread switches.
 *
 * What each option changes is honoured where it matters: the death
 * signal (kernel/sched/process.c sends it when the parent process exits;
 * Linux sends it when the parent *thread* does), the child subreaper
 * (orphans reparent to it), no_new_privs (exec grants no set-ID), the
 * bounding set (exec's capabilities, capset's inheritable), the TSC
 * switch (CR4.TSD while the thread runs), SECCOMP_MODE_STRICT (any
 * syscall but read, write, exit and rt_sigreturn is SIGKILL, checked in
 * the arch's syscall entry) and filters (kernel/sched/seccomp.c). The
 * timer slack is kept and reported: no timer here is ever deferred,
 * which any slack allows. THP_DISABLE is kept and reported (no huge
 * pages).
 */
#include <alloy/arch.h>
#include <alloy/compiler.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/seccomp.h>
#include <alloy/signal.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/uaccess.h>
#include <uapi/misc.h>
#include "sysfs.h"

#define PR_GET_SECCOMP 21
#define PR_SET_SECCOMP 22
#define PR_CAPBSET_READ 23
#define PR_CAPBSET_DROP 24
#define PR_GET_TSC 25
#define PR_SET_TSC 26
#define PR_GET_SECUREBITS 27
#define PR_SET_SECUREBITS 28
#define PR_SET_TIMERSLACK 29
#define PR_GET_TIMERSLACK 30
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#define PR_SET_THP_DISABLE 41
#define PR_GET_THP_DISABLE 42

#define PR_TSC_ENABLE 1
#define PR_TSC_SIGSEGV 2

#define SECCOMP_SET_MODE_STRICT 0
#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_GET_ACTION_AVAIL 2
#define SECCOMP_GET_NOTIF_SIZES 3

#define CAP_SYS_ADMIN 21

#define DEFAULT_SLACK_NS 50000ULL

void user_task_inherit(struct task *t, const struct task *parent)
{
	t->default_slack_ns = parent->timer_slack_ns;	/* Linux: the creator's current one */
	t->timer_slack_ns = parent->timer_slack_ns;
	t->ioprio = READ_ONCE(parent->ioprio);
	seccomp_inherit(t, parent);
	arch_task_io_inherit(t, parent);
	t->tsc_sigsegv = parent->tsc_sigsegv;
}

static u64 slack_of(u64 v)
{
	return v ? v : DEFAULT_SLACK_NS;
}

long sys_seccomp(SYSARGS)
{
	switch ((u32)a0) {
	case SECCOMP_SET_MODE_STRICT:
		if (a1 || a2)
			return -EINVAL;
		return seccomp_set_strict();
	case SECCOMP_SET_MODE_FILTER:
		return seccomp_set_filter((u32)a1, a2);
	case SECCOMP_GET_ACTION_AVAIL:
		if (a1)
			return -EINVAL;
		return seccomp_action_avail(a2);
	default:
		return -EINVAL;
	}
}

/* PR_SET_TSC: the thread's rdtsc faults (SIGSEGV) or works. */
static long set_tsc(u64 mode)
{
	if (mode != PR_TSC_ENABLE && mode != PR_TSC_SIGSEGV)
		return -EINVAL;
	return arch_task_set_tsc(current_task(), mode == PR_TSC_SIGSEGV);
}

static long put_int(u64 uptr, int v)
{
	return copy_to_user((void *)uptr, &v, sizeof(v)) ? -EFAULT : 0;
}

long sys_prctl(u64 option, u64 arg, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct process *p = current_proc();
	struct task *t = current_task();
	char name[16];
	unsigned long fl;

	switch (option) {
	case PR_SET_PDEATHSIG:
		if (arg > NSIG)
			return -EINVAL;
		fl = spin_lock_irqsave(&p->sig_lock);
		p->pdeath_sig = (int)arg;
		spin_unlock_irqrestore(&p->sig_lock, fl);
		return 0;
	case PR_GET_PDEATHSIG:
		return put_int(arg, READ_ONCE(p->pdeath_sig));
	case PR_SET_NAME:
		if (strncpy_from_user(name, (const char *)arg, sizeof(name)) == -EFAULT)
			return -EFAULT;
		name[15] = '\0';
		strlcpy(p->comm, name, sizeof(p->comm));
		return 0;
	case PR_GET_NAME:
		return copy_to_user((void *)arg, p->comm, sizeof(p->comm)) ? -EFAULT : 0;
	case PR_SET_DUMPABLE:		/* 0 or 1 (SUID_DUMP_USER), as Linux */
		if (arg > 1)
			return -EINVAL;
		fl = spin_lock_irqsave(&p->sig_lock);
		p->undumpable = !arg;
		spin_unlock_irqrestore(&p->sig_lock, fl);
		return 0;
	case PR_GET_DUMPABLE:
		return !READ_ONCE(p->undumpable);
	case PR_SET_CHILD_SUBREAPER:
		proc_set_subreaper(p, arg != 0);
		return 0;
	case PR_GET_CHILD_SUBREAPER:
		return put_int(arg, READ_ONCE(p->child_subreaper));
	case PR_GET_SECCOMP:		/* in strict mode this call itself is fatal */
		return READ_ONCE(t->seccomp_mode);
	case PR_SET_SECCOMP:
		if (arg == SECCOMP_MODE_STRICT)
			return seccomp_set_strict();
		if (arg == SECCOMP_MODE_FILTER)
			return seccomp_set_filter(0, a2);
		return -EINVAL;
	case PR_CAPBSET_READ:
	case PR_CAPBSET_DROP:
		return cap_bset_prctl(option == PR_CAPBSET_DROP, arg);
	case PR_GET_SECUREBITS:
		return 0;
	case PR_SET_SECUREBITS:
		/* Linux's checks say EPERM for all that is wrong; the bits
		 * themselves are not built: only "none" may be set */
		if (!cap_effective(CAP_SETPCAP) || (arg & ~(u64)0xff))
			return -EPERM;
		return arg ? -EINVAL : 0;
	case PR_GET_TSC:
		return put_int(arg, READ_ONCE(t->tsc_sigsegv) ? PR_TSC_SIGSEGV : PR_TSC_ENABLE);
	case PR_SET_TSC:
		return set_tsc(arg);
	case PR_SET_TIMERSLACK:
		WRITE_ONCE(t->timer_slack_ns, arg ? arg : slack_of(t->default_slack_ns));
		return 0;
	case PR_GET_TIMERSLACK:
		return (long)slack_of(READ_ONCE(t->timer_slack_ns));
	case PR_SET_NO_NEW_PRIVS:
		if (arg != 1 || a2 || a3 || a4)
			return -EINVAL;
		fl = spin_lock_irqsave(&p->sig_lock);
		p->no_new_privs = true;
		spin_unlock_irqrestore(&p->sig_lock, fl);
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (arg || a2 || a3 || a4)
			return -EINVAL;
		return READ_ONCE(p->no_new_privs);
	case PR_SET_THP_DISABLE:
		if (a2 || a3 || a4)
			return -EINVAL;
		WRITE_ONCE(p->thp_disable, arg != 0);
		return 0;
	case PR_GET_THP_DISABLE:
		if (arg || a2 || a3 || a4)
			return -EINVAL;
		return READ_ONCE(p->thp_disable);
	default:
		(void)a5;
		return -EINVAL;
	}
}
