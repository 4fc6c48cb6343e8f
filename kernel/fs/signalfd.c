/*
 * signalfd: a file that reads the reader's pending signals of a mask
 * (its own thread's first, then its process's), each as a 128-byte
 * struct signalfd_siginfo, instead of running their handlers; POLLIN
 * while one is pending. As on Linux the signals are the reader's, so
 * a signalfd passed to another process reads that process's. The file
 * holds its creator's process, whose signalfd_wq signal sending wakes:
 * pollers and epoll sleep there, so it outlives them.
 */
#include <alloy/errno.h>
#include <alloy/event.h>
#include <alloy/poll.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/vfs.h>

#define UNBLOCKABLE (sigmask(SIGKILL) | sigmask(SIGSTOP))

struct signalfd {
	struct process *proc;	/* a reference: its signalfd_wq */
	u64 mask;		/* [proc->sig_lock] */
};

/* Linux's struct signalfd_siginfo */
struct signalfd_siginfo {
	u32 signo;
	s32 err, code;
	u32 pid, uid;
	s32 fd;
	u32 tid, band, overrun, trapno;
	s32 status, int_;
	u64 ptr, utime, stime, addr;
	u16 addr_lsb, pad2;
	s32 syscall;
	u64 call_addr;
	u32 arch;
	u8 pad[28];
};
_Static_assert(sizeof(struct signalfd_siginfo) == 128, "signalfd_siginfo layout");

static u64 mask_of(struct signalfd *s)
{
	return __atomic_load_n(&s->mask, __ATOMIC_ACQUIRE);
}

static bool readable(struct signalfd *s)
{
	struct task *t = current_task();

	return (READ_ONCE(t->pending) | READ_ONCE(t->proc->shared_pending)) & mask_of(s);
}

static long sfd_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct signalfd *s = f->priv;
	size_t done = 0;

	(void)pos;
	if (n < sizeof(struct signalfd_siginfo))
		return -EINVAL;
	while (done + sizeof(struct signalfd_siginfo) <= n) {
		struct ksiginfo si;
		int sig = signal_dequeue(mask_of(s), &si);
		if (!sig) {
			if (done || (f->flags & O_NONBLOCK))
				break;
			if (signal_pending())
				return -ERESTARTSYS;
			wait_event(s->proc->signalfd_wq, readable(s) || signal_pending());
			continue;
		}
		struct signalfd_siginfo u;
		memset(&u, 0, sizeof(u));
		u.signo = (u32)sig;
		u.code = si.code;
		u.pid = (u32)si.pid;
		u.uid = si.uid;
		u.status = si.status;
		u.err = si.err;
		if (si.signo == SIGSYS && si.code == SYS_SECCOMP) {
			u.call_addr = si.call_addr;
			u.syscall = si.syscall;
			u.arch = si.arch;
		} else if (si.sigpoll) {
			u.band = (u32)si.band;
			u.fd = si.fd;
		} else if (si.code < 0) {	/* sigqueue, timers, mq_notify: the value */
			u.ptr = si.value;
			u.int_ = (s32)si.value;
			if (si.code == SI_TIMER) {
				u.tid = (u32)si.timerid;
				u.overrun = (u32)si.overrun;
			}
		} else {
			u.addr = si.addr;
		}
		if (iob_copy_out(b, done, &u, sizeof(u)))
			return done ? (long)done : -EFAULT;	/* taken: lost, as Linux */
		done += sizeof(u);
	}
	return done ? (long)done : -EAGAIN;
}

static unsigned int sfd_poll(struct file *f, struct poll_table *pt)
{
	struct signalfd *s = f->priv;

	poll_wait(pt, &s->proc->signalfd_wq);
	return readable(s) ? POLLIN | POLLRDNORM : 0;
}

static void sfd_release(struct file *f)
{
	struct signalfd *s = f->priv;

	proc_put(s->proc);
	kfree(s);
}

static const struct file_ops signalfd_fops;

bool is_signalfd(const struct file *f)
{
	return f->fop == &signalfd_fops;
}

static const struct file_ops signalfd_fops = {
	.read = sfd_read,
	.poll = sfd_poll,
	.release = sfd_release,
};

int signalfd_file(u64 mask, u32 flags, struct file **out)
{
	struct signalfd *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return -ENOMEM;
	s->proc = current_proc();
	proc_get(s->proc);
	s->mask = mask & ~UNBLOCKABLE;
	*out = anon_file(&signalfd_fops, s, O_RDONLY | (flags & O_NONBLOCK));
	if (!*out) {
		proc_put(s->proc);
		kfree(s);
		return -ENOMEM;
	}
	return 0;
}

int signalfd_set_mask(struct file *f, u64 mask)
{
	if (f->fop != &signalfd_fops)
		return -EINVAL;
	struct signalfd *s = f->priv;
	__atomic_store_n(&s->mask, mask & ~UNBLOCKABLE, __ATOMIC_RELEASE);
	wake_up_all(&s->proc->signalfd_wq);	/* readers re-check the new mask */
	return 0;
}
