/*
 * pidfds: a file that names a process. It holds a reference to the
 * struct process (proc_get), so it stays valid after the process exits
 * and is reaped (what it then does is ESRCH); the pid may be reused by
 * then, the pidfd still names the old process. Readable (POLLIN) once
 * the process has exited, POLLHUP too once it has been reaped, as Linux.
 *
 * pidfd_open, pidfd_send_signal (kill's permission, or rt_sigqueueinfo's
 * for a siginfo), pidfd_getfd (Linux's ptrace-attach rule: the caller's
 * real IDs are all of the target's and the target is dumpable, or the
 * caller has CAP_SYS_PTRACE); waitid's P_PIDFD takes the process through
 * pidfd_process.
 *
 * As Linux 6.9's pidfs, every pidfd of one process shares one inode and
 * another process's pidfds have another (fstat's st_ino tells them
 * apart, and a pid reused by a new process does not look like the old
 * one): the inode is made at the process's first pidfd, its number from
 * a 64-bit counter never reused, and it goes with the struct process
 * (proc_put), which each pidfd holds: at most one per process alive.
 */
#include <alloy/pid.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/event.h>
#include <alloy/fdtable.h>
#include <alloy/poll.h>
#include <alloy/process.h>
#include <alloy/ptrace.h>
#include <alloy/syscall.h>
#include <alloy/sched.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>
#include <uapi/fcntl.h>
#include <uapi/signal.h>
#include "sysfs.h"

#define PIDFD_NONBLOCK O_NONBLOCK
#define SI_QUEUE (-1)

static unsigned int pidfd_poll(struct file *f, struct poll_table *pt)
{
	struct process *p = f->priv;

	poll_wait(pt, &p->pidfd_wq);
	if (proc_reaped(p))
		return POLLIN | POLLRDNORM | POLLHUP;
	return READ_ONCE(p->zombie) ? POLLIN | POLLRDNORM : 0;
}

static void pidfd_release(struct file *f)
{
	proc_put(f->priv);
}

static const struct file_ops pidfd_fops = {
	.poll = pidfd_poll,
	.release = pidfd_release,
};

static struct super_block *pidfs_sb;	/* made at first use, kept for good */

static struct inode *pidfs_inode(struct process *p)
{
	struct inode *i = __atomic_load_n(&p->pidfs_inode, __ATOMIC_ACQUIRE), *none = NULL;
	struct super_block *sb = __atomic_load_n(&pidfs_sb, __ATOMIC_ACQUIRE), *nosb = NULL;

	if (i)
		return i;
	if (!sb) {
		if (!(sb = sb_create("pidfs")))
			return NULL;
		if (!__atomic_compare_exchange_n(&pidfs_sb, &nosb, sb, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			sb = nosb;	/* another CPU's (ours: a few bytes, once) */
	}
	if (!(i = inode_alloc(sb, 0600)))	/* as the anonymous inode's: no type */
		return NULL;
	i->fop = &pidfd_fops;
	if (__atomic_compare_exchange_n(&p->pidfs_inode, &none, i, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return i;
	inode_put(i);		/* another pidfd of p made it first */
	return none;
}

/* A new pidfd file for p; it takes over the caller's reference to p. */
static struct file *pidfd_file(struct process *p, u32 flags)
{
	struct inode *i = pidfs_inode(p);
	struct file *f = i ? file_alloc(i, NULL, O_RDWR | flags) : NULL;

	if (!f)
		return NULL;
	f->fop = &pidfd_fops;
	f->priv = p;
	return f;
}

int pidfd_process(int fd, struct process **out, bool *nonblock)
{
	struct file *f = fd < 0 ? NULL : fd_get(cur_files(), fd);

	if (!f)
		return -EBADF;
	int rc = 0;
	if (f->fop == &pidfd_fops) {
		*out = f->priv;
		proc_get(*out);
	} else if (!(*out = procfs_pid_dir_process(f))) {
		rc = -EBADF;	/* Linux takes a /proc/<pid> directory too */
	}
	if (!rc && nonblock)
		*nonblock = f->flags & O_NONBLOCK;
	file_put(f);
	return rc;
}

/* pidfd_open(pid, flags): a process (a thread group's leader), zombies
 * too; a thread that does not lead its group is EINVAL, as Linux. */
long sys_pidfd_open(SYSARGS)
{
	int pid = (int)a0;
	struct process *p;

	if (a1 & ~(u64)PIDFD_NONBLOCK || pid <= 0)
		return -EINVAL;
	if (!(p = proc_find(pid))) {
		struct task *t = proc_find_thread(pid, &p);
		if (!t)
			return -ESRCH;
		task_put(t);
		proc_put(p);
		return -EINVAL;
	}
	struct file *f = pidfd_file(p, (u32)(a1 & PIDFD_NONBLOCK));
	if (!f) {
		proc_put(p);
		return -ENOMEM;
	}
	return fd_install(cur_files(), f, 0, true);	/* puts f on failure */
}

int pidfd_clone_install(struct process *child, u64 uaddr, struct file **fp)
{
	struct fdtable *t = cur_files();
	struct file *f = pidfd_file(child, 0);

	if (!f)
		return -ENOMEM;
	proc_get(child);	/* the file's, put by pidfd_release */
	file_get(f);		/* ours, until the fd number is written */
	int fd = fd_install(t, f, 0, true);	/* close-on-exec, as Linux's */
	if (fd < 0) {
		file_put(f);
		return fd;	/* fd_install put the table's */
	}
	int v = fd;
	if (copy_to_user((void *)uaddr, &v, sizeof(v))) {
		fd_close_file(t, fd, f);
		file_put(f);
		return -EFAULT;
	}
	*fp = f;	/* the caller's reference, for pidfd_clone_undo */
	return fd;
}

void pidfd_clone_undo(int fd, struct file *f)
{
	fd_close_file(cur_files(), fd, f);
	file_put(f);
}

int pidfd_file_pid(struct file *f)
{
	if (f->fop != &pidfd_fops)
		return -ENOENT;
	struct process *p = f->priv;
	return proc_reaped(p) ? -1 : pid_to_user(p->pid);	/* the reader's number */
}

long pidfd_install(struct process *p, u32 flags)
{
	proc_get(p);
	struct file *f = pidfd_file(p, flags & PIDFD_NONBLOCK);
	if (!f) {
		proc_put(p);
		return -ENOMEM;
	}
	return fd_install(current_proc()->files, f, 0, true);	/* puts f on failure */
}

/* Linux's x86-64 siginfo as rt_sigqueueinfo takes it: what we keep. */
struct user_siginfo {
	int signo, errno_, code, pad;
	int pid;
	u32 uid;
	int value;
};

/* pidfd_send_signal(pidfd, sig, info, flags) */
long sys_pidfd_send_signal(SYSARGS)
{
	struct process *me = current_proc(), *p;
	int sig = (int)a1;
	struct ksiginfo si = { .signo = sig, .code = SI_USER, .pid = me->pid,
			       .uid = READ_ONCE(me->uid[0]) };

	if (a3)
		return -EINVAL;
	int rc = pidfd_process((int)a0, &p, NULL);
	if (rc)
		return rc;
	if (sig < 0 || sig > NSIG) {
		rc = -EINVAL;
	} else if (a2) {
		struct user_siginfo u;
		if (copy_from_user(&u, (const void *)a2, sizeof(u)))
			rc = -EFAULT;
		else if (u.signo != sig)
			rc = -EINVAL;
		/* rt_sigqueueinfo's rule: only the kernel sends SI_USER or
		 * positive codes, and SI_TKILL, to another process */
		else if (p != me && (u.code >= 0 || u.code == SI_TKILL))
			rc = -EPERM;
		else
			si = (struct ksiginfo){ .signo = sig, .code = u.code, .pid = u.pid,
						.uid = u.uid, .status = u.value };
	}
	if (!rc && proc_reaped(p))
		rc = -ESRCH;
	if (!rc && !cred_may_signal(p, sig))
		rc = -EPERM;
	if (!rc && sig && !READ_ONCE(p->zombie))
		rc = signal_send(p, &si);
	proc_put(p);
	return rc;
}

/*
 * The file at fd in t, p's table, with a reference, if the caller may
 * take p's files (Linux's ptrace_may_access with REALCREDS): p is its
 * own, or the caller has CAP_SYS_PTRACE (root that kept it), or p is
 * dumpable and the caller's real uid and gid are all three of p's. The
 * check and the fetch are one step under p's sig_lock, which exec's and
 * set*id's credential changes (and the dumpable flag) take: no fd that p
 * opened with new credentials is handed out on the old ones' say-so.
 * NULL with *rc -EPERM or -EBADF.
 */
static struct file *take_file(struct process *p, struct fdtable *t, int fd, int *rc)
{
	struct process *me = current_proc();
	struct cred c;

	cred_current(&c);
	unsigned long fl = spin_lock_irqsave(&p->sig_lock);
	struct file *f = NULL;
	if (p != me && !ptrace_may_access_locked(p, &c))
		*rc = -EPERM;
	else if (!(f = fd >= 0 ? fd_get(t, fd) : NULL))
		*rc = -EBADF;
	spin_unlock_irqrestore(&p->sig_lock, fl);
	return f;
}

/* pidfd_getfd(pidfd, targetfd, flags): a duplicate of the target's file
 * in the caller's lowest free fd, close-on-exec. */
long sys_pidfd_getfd(SYSARGS)
{
	struct process *p;
	int fd = (int)a1;

	if (a2)
		return -EINVAL;
	int rc = pidfd_process((int)a0, &p, NULL);
	if (rc)
		return rc;
	struct fdtable *t = proc_files(p);	/* NULL once it has exited */
	struct file *f = NULL;
	if (!t)
		rc = -ESRCH;
	else
		f = take_file(p, t, fd, &rc);
	if (t)
		fdt_put(t);
	proc_put(p);
	if (rc)
		return rc;
	return fd_install(cur_files(), f, 0, true);
}
