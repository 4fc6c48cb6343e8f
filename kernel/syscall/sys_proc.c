/* Process-level calls of the first user slice: exit, ids, TLS, brk. */
#include <alloy/pid.h>
#include <alloy/arch.h>
#include <alloy/cgroup.h>
#include <alloy/compiler.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/mnt_ns.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/printf.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <alloy/printk.h>
#include <alloy/process.h>
#include <alloy/mnt_ns.h>
#include <alloy/ipc.h>
#include <alloy/ns.h>
#include <asm/trap.h>
#include "sysfs.h"
#include <uapi/capability.h>
#include <uapi/misc.h>
#include <uapi/sched.h>
#include <uapi/signal.h>
#include <uapi/wait.h>

#define BRK_MAX (1ULL << 30)	/* until RLIMIT_DATA exists */

long sys_exit(u64 code, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	user_exit((int)(code & 0xff) << 8);	/* this thread only */
}

long sys_exit_group(SYSARGS)
{
	user_exit_group((int)(a0 & 0xff) << 8);
}

/* The thread group's id. */
long sys_getpid(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	return current_proc()->vpid;	/* in its own PID namespace */
}

long sys_gettid(SYSARGS)
{
	return current_task()->vtid;
}

long sys_set_tid_address(u64 ptr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	current_task()->clear_child_tid = ptr;	/* checked when written */
	return current_task()->vtid;
}

long sys_getppid(SYSARGS) { return proc_getppid(); }
long sys_getpgid(SYSARGS) { return proc_getpgid((int)a0, false); }
long sys_getpgrp(SYSARGS) { return proc_getpgid(0, false); }
long sys_getsid(SYSARGS) { return proc_getpgid((int)a0, true); }
long sys_setpgid(SYSARGS) { return proc_setpgid((int)a0, (int)a1); }
long sys_setsid(SYSARGS) { return proc_setsid(); }

/* What one clone asks for, from clone, clone3, fork or vfork. */
struct clone_req {
	u64 flags;		/* without the exit signal */
	int exit_signal;
	u64 stack, parent_tid, child_tid, tls;
	u64 pidfd;		/* CLONE_PIDFD: where the fd number goes */
	int set_tid[PIDNS_MAX_LEVEL + 1];	/* clone3's, innermost first */
	int nset;
	int cgroup;		/* CLONE_INTO_CGROUP: clone3's descriptor */
};

#define UNSHARE_NS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
		    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME)

#define CLONE_NAMESPACES ((u64)UNSHARE_NS)
#define CLONE_IGNORED (CLONE_DETACHED | CLONE_UNTRACED | CLONE_PTRACE | CLONE_SYSVSEM | \
		       CLONE_IO)	/* IO: there is no I/O context to share */
#define CLONE_KNOWN (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_VFORK | \
		     CLONE_PIDFD | CLONE_PARENT | CLONE_THREAD | CLONE_SETTLS | CLONE_PARENT_SETTID | \
		     CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_IGNORED)

/*
 * Linux's rules for flag combinations (-EINVAL). CLONE_FS shares the cwd,
 * root and umask, CLONE_SIGHAND the handler table, CLONE_FILES the fd
 * table, between processes or threads, in any combination Linux allows
 * (a thread without CLONE_FS or CLONE_FILES gets copies of its own).
 */
static long do_clone(const struct clone_req *r)
{
	u64 f = r->flags;
	struct process *me = current_proc();

	if (f & ~(CLONE_KNOWN | CLONE_NAMESPACES | CLONE_INTO_CGROUP))
		return -EINVAL;
	/* a new mount or user namespace cannot share the old cwd and root */
	if ((f & CLONE_FS) && (f & (CLONE_NEWNS | CLONE_NEWUSER)))
		return -EINVAL;
	long rc = ns_clone_check(f);	/* <alloy/ns.h>: proc_create makes them */
	if (rc)
		return rc;
	if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND))
		return -EINVAL;
	if ((f & CLONE_SIGHAND) && !(f & CLONE_VM))
		return -EINVAL;
	if ((f & (CLONE_PARENT | CLONE_THREAD)) && me->pid == 1)
		return -EINVAL;		/* init's siblings, init's threads */
	if ((f & CLONE_PARENT) && me->vpid == 1)
		return -EINVAL;		/* Linux: a PID namespace's init's siblings too */
	/* CLONE_DETACHED is kept for a future meaning of CLONE_PIDFD's;
	 * there are no pidfds of threads */
	if ((f & CLONE_PIDFD) && (f & (CLONE_DETACHED | CLONE_THREAD)))
		return -EINVAL;
	rc = sched_fork_check();	/* a deadline task: EAGAIN */
	if (rc)
		return rc;
	/* CLONE_INTO_CGROUP: the group, checked as a write of the child's
	 * pid to its cgroup.procs would be (<alloy/cgroup.h>) */
	struct cgroup *cg = NULL;
	if ((f & CLONE_INTO_CGROUP) &&
	    (rc = cgroup_clone_target(r->cgroup, f & CLONE_THREAD, &cg)))
		return rc;
	f &= ~CLONE_INTO_CGROUP;
	if (f & CLONE_THREAD) {	/* into its own group only: nothing to do */
		cgroup_put(cg);
		return thread_clone(current_user_frame(), f, r->stack, r->parent_tid,
				    r->child_tid, r->tls);
	}
	/* the exit signal rides in CSIGNAL's bits, as clone's own */
	rc = user_fork(current_user_frame(), r->stack, f | (u64)(r->exit_signal & CSIGNAL),
		       r->child_tid, r->tls, r->pidfd, r->parent_tid, r->set_tid, r->nset, cg);
	cgroup_put(cg);
	return rc;
}

long sys_fork(SYSARGS)
{
	struct clone_req r = { .exit_signal = SIGCHLD };

	return do_clone(&r);
}

long sys_vfork(SYSARGS)
{
	struct clone_req r = { .flags = CLONE_VM | CLONE_VFORK, .exit_signal = SIGCHLD };

	return do_clone(&r);
}

/* clone(flags, stack, parent_tid, child_tid, tls): x86-64's order. */
long sys_clone(SYSARGS)
{
	struct clone_req r = { .flags = a0 & ~(u64)CSIGNAL, .exit_signal = (int)(a0 & CSIGNAL),
			       .stack = a1, .parent_tid = a2, .child_tid = a3, .tls = a4 };

	if (r.flags & CLONE_INTO_CGROUP)
		return -EINVAL;		/* clone3's only */
	if (r.flags & CLONE_THREAD)
		r.exit_signal = 0;	/* a thread's end signals no one */
	/* clone() returns the pidfd through parent_tid: not both */
	if (r.flags & CLONE_PIDFD) {
		if (r.flags & CLONE_PARENT_SETTID)
			return -EINVAL;
		r.pidfd = r.parent_tid;
	}
	return do_clone(&r);
}

struct clone_args {
	u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	u64 set_tid, set_tid_size, cgroup;
};

#define CLONE_ARGS_SIZE_VER0 64
#define CLONE_ARGS_SIZE_VER2 88	/* with cgroup */

/* clone3(args, size): a larger struct from a newer program is fine if
 * what we do not know of it is zero (E2BIG otherwise). */
long sys_clone3(SYSARGS)
{
	struct clone_args ca = { 0 };
	u64 size = a1;

	if (size < CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	if (copy_from_user(&ca, (const void *)a0, MIN(size, (u64)sizeof(ca))))
		return -EFAULT;
	for (u64 off = sizeof(ca); off < size; off += 8) {
		u64 v = 0;
		if (copy_from_user(&v, (const u8 *)a0 + off, MIN((u64)8, size - off)))
			return -EFAULT;
		if (v)
			return -E2BIG;
	}
	/* pidfd means something only with CLONE_PIDFD (glibc puts &pd->tid
	 * in pidfd regardless), cgroup only with CLONE_INTO_CGROUP, which
	 * needs a struct that has it and a descriptor's range (Linux's
	 * clone3_args_valid) */
	if ((ca.flags & CSIGNAL) || ca.exit_signal > NSIG)
		return -EINVAL;
	if ((ca.flags & CLONE_INTO_CGROUP) && (ca.cgroup > 0x7fffffff || size < CLONE_ARGS_SIZE_VER2))
		return -EINVAL;
	/* set_tid: a number per PID namespace level, innermost first */
	if (ca.set_tid_size > PIDNS_MAX_LEVEL || (!ca.set_tid) != (!ca.set_tid_size))
		return -EINVAL;
	if (ca.stack ? !ca.stack_size : ca.stack_size != 0)
		return -EINVAL;
	if ((ca.flags & CLONE_THREAD) && ca.exit_signal)
		return -EINVAL;
	u64 top;
	if (ca.stack && __builtin_add_overflow(ca.stack, ca.stack_size, &top))
		return -EINVAL;
	struct clone_req r = { .flags = ca.flags, .exit_signal = (int)ca.exit_signal,
			       .stack = ca.stack ? top : 0, .parent_tid = ca.parent_tid,
			       .child_tid = ca.child_tid, .tls = ca.tls, .pidfd = ca.pidfd,
			       .cgroup = (int)ca.cgroup };
	/* both written by the parent: one place cannot take both */
	if ((ca.flags & CLONE_PIDFD) && (ca.flags & CLONE_PARENT_SETTID) &&
	    ca.pidfd == ca.parent_tid)
		return -EINVAL;
	if (ca.set_tid_size) {
		if (ca.flags & CLONE_THREAD)
			return -EINVAL;	/* Alloy: a thread's number is not chosen */
		if (copy_from_user(r.set_tid, (const void *)ca.set_tid,
				   sizeof(int) * (size_t)ca.set_tid_size))
			return -EFAULT;
		r.nset = (int)ca.set_tid_size;
	}
	return do_clone(&r);
}

/*
 * execveat(dirfd, path, argv, envp, flags): path relative to dirfd, or
 * with AT_EMPTY_PATH and "" dirfd's own file. The program (a script's
 * interpreter) is told it is "/dev/fd/N[/path]" then, as on Linux.
 */
long sys_execveat(SYSARGS)
{
	char *path, *name = NULL;
	struct path base, *bp = NULL;
	long rc;

	if (a4 & ~(u64)(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	if ((rc = getname(a1, &path, a4 & AT_EMPTY_PATH)))
		return rc;
	struct file *nameless = NULL;
	if (!path[0] && (int)a0 != AT_FDCWD) {
		struct file *f = fget(a0);
		if (!f)
			rc = -EBADF;
		else if (!f->path.dentry)
			nameless = f;	/* a memfd: run the open file itself */
		else
			file_put(f);
	}
	if (!rc && !nameless && path[0] != '/') {	/* an absolute path ignores dirfd */
		rc = path[0] ? at_base(a0, &base) : at_walk(a0, 0, AT_EMPTY_PATH, 0, &base);
		bp = rc ? NULL : &base;
	}
	if (!rc && (bp || nameless) && (int)a0 != AT_FDCWD) {
		if (!(name = kmalloc(PATH_MAX, GFP_KERNEL)))
			rc = -ENOMEM;
		else if (snprintf(name, PATH_MAX, path[0] ? "/dev/fd/%d/%s" : "/dev/fd/%d",
				  (int)a0, path) >= PATH_MAX)
			rc = -ENAMETOOLONG;
	}
	if (!rc)
		rc = execve_at(bp, nameless, path, name ? name : path, (int)a4, a2, a3);
	if (bp)
		path_put(bp);
	if (nameless)
		file_put(nameless);
	kfree(name);
	kfree(path);
	return rc;
}

/*
 * unshare(flags): what the caller shares with other processes becomes its
 * own: its cwd, root and umask (CLONE_FS: a copy), its file table
 * (CLONE_FILES: a copy), and System V undo adjustments are applied as at
 * exit (CLONE_SYSVSEM). A handler table shared with another process
 * cannot be unshared (CLONE_SIGHAND, and CLONE_VM which implies it: EINVAL,
 * as Linux). Linux does this per thread; Alloy keeps these per process,
 * so with other threads running it refuses (EINVAL) what it cannot give
 * one thread alone. Namespaces: <alloy/ns.h>, whose checks come after
 * these (docs/namespaces.md); a new mount namespace after CLONE_FS, which
 * it implies, so its root and cwd move in a copy of the caller's own.
 */
long sys_unshare(SYSARGS)
{
	u64 f = a0;
	struct process *p = current_proc();

	if (f & ~(u64)(CLONE_THREAD | CLONE_FS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES |
		       CLONE_SYSVSEM | UNSHARE_NS))
		return -EINVAL;
	if (f & CLONE_NEWUSER)
		f |= CLONE_THREAD | CLONE_FS;	/* Linux: a new user namespace is the process's */
	if (f & CLONE_NEWIPC)
		f |= CLONE_SYSVSEM;	/* Linux: undos of the old namespace's sets go */
	if (f & CLONE_NEWNS)
		f |= CLONE_FS;	/* as Linux: a new tree needs its own root and cwd */
	if ((f & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_FS | CLONE_FILES |
		  CLONE_SYSVSEM)) && READ_ONCE(p->nr_threads) > 1)
		return -EINVAL;
	/* single-threaded: the table pointer is ours; another process that
	 * shares it may only drop its reference meanwhile (then we refuse
	 * what Linux would have refused a moment earlier) */
	if ((f & (CLONE_SIGHAND | CLONE_VM)) && atomic_read(&p->sighand->refcount) > 1)
		return -EINVAL;
	if (f & UNSHARE_NS) {	/* first: it fails for want of a right, the rest only ENOMEM */
		long rc = ns_unshare(f);	/* the mount namespace apart, below */
		if (rc)
			return rc;
	}
	if (f & CLONE_FS) {
		long rc = proc_unshare_fs(p);
		if (rc)
			return rc;
	}
	if (f & CLONE_NEWNS) {
		long rc = mnt_ns_unshare();
		if (rc)
			return rc;
	}
	if (f & CLONE_FILES) {
		long rc = proc_unshare_files(p);
		if (rc)
			return rc;
	}
	if (f & CLONE_SYSVSEM)
		sem_exit(p);
	return 0;
}

long sys_wait4(SYSARGS)
{
	int status;

	if (a2 & ~(u64)(1 | 2 | 8 | 0x40000000 | 0x80000000))
		return -EINVAL;
	if ((int)a0 == (int)0x80000000)
		return -ESRCH;	/* the group -INT_MIN cannot exist (Linux) */
	long pid = proc_wait((int)a0, &status, (int)a2);
	if (pid > 0 && a1 && copy_to_user((void *)a1, &status, sizeof(status)))
		return -EFAULT;
	if (pid > 0 && a3 && rusage_fill(RUSAGE_LAST_REAPED, (void *)a3))
		return -EFAULT;	/* the reaped child's (and its children's) */
	return pid;
}

/* waitid(idtype, id, infop, options, rusage): Linux's checks, then the
 * child wait4 would pick (proc_wait_spec). infop gets the report, or
 * zeros when WNOHANG found none ready, as Linux writes it. */
long sys_waitid(SYSARGS)
{
	struct wait_spec ws = { .which = (int)a0, .id = (int)a1, .options = (int)a3 };
	struct wait_report r = { 0 };
	bool nonblock = false;
	long rc;

	if (ws.options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED |
			   0x20000000 | 0x40000000 | (int)0x80000000))
		return -EINVAL;	/* __WNOTHREAD, __WALL and __WCLONE are fine */
	if (!(ws.options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	switch (ws.which) {
	case P_ALL:
		break;
	case P_PID:
		if (ws.id <= 0)
			return -EINVAL;
		break;
	case P_PGID:
	case P_PIDFD:
		if (ws.id < 0)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (ws.which == P_PIDFD) {
		if ((rc = pidfd_process(ws.id, &ws.target, &nonblock)))
			return rc;
		if (nonblock)
			ws.options |= WNOHANG;
	}
	rc = proc_wait_spec(&ws, &r);
	proc_put(ws.target);
	if (rc == 0 && nonblock)
		rc = -EAGAIN;	/* a non-blocking pidfd's process is running */
	if (rc > 0 && a4) {
		static const u8 none[144];	/* struct rusage */
		int bad = r.reaped ? rusage_fill(RUSAGE_LAST_REAPED, (void *)a4)
				   : copy_to_user((void *)a4, none, sizeof(none));
		if (bad)
			return -EFAULT;
	}
	if (a2) {
		int head[3] = { rc > 0 ? SIGCHLD : 0, 0, rc > 0 ? r.code : 0 };
		int body[3] = { rc > 0 ? r.pid : 0, rc > 0 ? (int)r.uid : 0,
				rc > 0 ? r.si_status : 0 };
		if (copy_to_user((void *)a2, head, sizeof(head)) ||
		    copy_to_user((u8 *)a2 + 16, body, sizeof(body)))
			return -EFAULT;
	}
	return rc > 0 ? 0 : rc;
}

/* personality(persona): the old one; 0xffffffff only asks. As Linux,
 * any persona is kept and reported (fork and exec keep it); Alloy runs
 * every program as PER_LINUX whatever it says, but ADDR_NO_RANDOMIZE,
 * which exec heeds. */
long sys_personality(SYSARGS)
{
	struct process *p = current_proc();
	u32 old = READ_ONCE(p->personality);

	if ((u32)a0 != 0xffffffffu)
		WRITE_ONCE(p->personality, (u32)a0);
	return old;
}

long sys_reboot(SYSARGS)
{
	if (READ_ONCE(current_proc()->uid[1]) != 0)
		return -EPERM;	/* CAP_SYS_BOOT */
	if ((u32)a0 != REBOOT_MAGIC1)
		return -EINVAL;
	switch ((u32)a2) {
	case REBOOT_CMD_CAD_ON:
	case REBOOT_CMD_CAD_OFF:
		return 0;
	case REBOOT_CMD_RESTART:
		pr_info("reboot: restarting\n");
		arch_restart();
	case REBOOT_CMD_HALT:
	case REBOOT_CMD_POWER_OFF:
		pr_info("reboot: power down\n");
		arch_power_off();
	default:
		return -EINVAL;
	}
}

/* Grows or shrinks the heap VMA; pages come on demand. */
static bool brk_move(struct user_mm *mm, u64 addr)
{
	u64 old_end = ALIGN_UP(mm->brk, PAGE_SIZE), new_end = ALIGN_UP(addr, PAGE_SIZE);

	if (new_end < old_end)
		return !vma_unmap(mm, new_end, old_end);
	if (new_end == old_end)
		return true;
	if (!vma_range_free(mm, old_end, new_end) ||
	    !rlimit_as_allows(mm, old_end, new_end - old_end) ||
	    !mm_can_commit((new_end - old_end) / PAGE_SIZE))
		return false;	/* would collide, RLIMIT_AS, or obviously overcommit */
	struct vma *heap = old_end > mm->brk_start ? vma_find(mm, old_end - 1) : NULL;
	if (heap && heap->kind == VMA_HEAP && heap->end == old_end) {
		heap->end = new_end;
		return true;
	}
	return !vma_add(mm, old_end, new_end, UVM_READ | UVM_WRITE, VMA_HEAP);
}

/* Returns the new break, or the old one if the request cannot be met
 * (Linux's way of saying ENOMEM). */
long sys_brk(u64 addr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;
	long ret;

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	down_write(&mm->lock);
	if (addr >= mm->brk_start && addr - mm->brk_start <= BRK_MAX && brk_move(mm, addr))
		mm->brk = addr;
	ret = (long)mm->brk;
	up_write(&mm->lock);
	return ret;
}

/* acct(path): process accounting to that file, or off with NULL
 * (kernel/sched/acct.c); CAP_SYS_PACCT first, as Linux. */
long sys_acct(SYSARGS)
{
	char *path = NULL;

	if (!cap_effective(CAP_SYS_PACCT))
		return -EPERM;
	if (a0) {
		long rc = getname(a0, &path, false);
		if (rc)
			return rc;
	}
	int rc = acct_switch(path);
	kfree(path);
	return rc;
}
