/*
 * poll, ppoll, select and pselect6 over one loop: ask every file for its
 * readiness while queuing on its wait queues, sleep until a wakeup, a
 * signal or the deadline, and ask again. Files without a poll op are
 * always ready (regular files, as on Linux).
 */
#include <alloy/errno.h>
#include <alloy/poll.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include "sysfs.h"
#include "syspoll.h"

#define NFDS_MAX FD_MAX
#define NS 1000000000ULL

struct pollfd {
	s32 fd;
	s16 events, revents;
};

/* One pass over the set: fills revents, returns how many are ready. */
static int poll_once(struct pollfd *fds, u64 n, struct poll_table *pt)
{
	int ready = 0;

	for (u64 i = 0; i < n; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		struct file *f = fget((u64)fds[i].fd);
		unsigned int m = f ? vfs_poll(f, pt) : POLLNVAL;
		if (f)
			file_put(f);
		m &= (u16)fds[i].events | POLLERR | POLLHUP | POLLNVAL;
		fds[i].revents = (s16)m;
		ready += m != 0;
	}
	return ready;
}

/* Sleeps in poll_once until something is ready; timeout_ns ~0 = forever. */
static long do_poll(struct pollfd *fds, u64 n, u64 timeout_ns)
{
	struct poll_wqueues *pw = kmalloc(sizeof(*pw), GFP_KERNEL);
	u64 now0 = ktime_ns();
	u64 deadline = timeout_ns > ~0ULL - now0 ? ~0ULL : now0 + timeout_ns;
	long rc;

	if (!pw)
		return -ENOMEM;
	poll_wqueues_init(pw);
	for (;;) {
		if (timeout_ns)	/* asleep unless a queue or the timer wakes us */
			set_current_state_blocked();
		rc = poll_once(fds, n, timeout_ns ? &pw->pt : NULL);
		if (rc || !timeout_ns)
			break;
		if (signal_pending()) {
			rc = -EINTR;
			break;
		}
		u64 now = ktime_ns();
		if (now >= deadline)
			break;
		u64 left = deadline - now;
		if (pw->overflow && left > 10000000ULL)
			left = 10000000ULL;	/* unwatched queues: look again in 10 ms */
		if (deadline == ~0ULL && !pw->overflow)
			schedule();
		else
			schedule_timeout(left);
		poll_wqueues_release(pw);
	}
	poll_wqueues_free(pw);
	set_current_state_running();
	kfree(pw);
	return rc;
}

static long poll_user(u64 ufds, u64 n, u64 timeout_ns)
{
	if (n > NFDS_MAX)
		return -EINVAL;
	struct pollfd *fds = kmalloc(sizeof(*fds) * (n ? n : 1), GFP_KERNEL);
	if (!fds)
		return -ENOMEM;
	long rc = copy_from_user(fds, (const void *)ufds, sizeof(*fds) * n);
	if (!rc)
		rc = do_poll(fds, n, timeout_ns);
	if (rc >= 0 && copy_to_user((void *)ufds, fds, sizeof(*fds) * n))
		rc = -EFAULT;
	kfree(fds);
	return rc;
}

long sys_poll(SYSARGS)
{
	s32 ms = (s32)a2;

	return poll_user(a0, a1, ms < 0 ? ~0ULL : (u64)ms * 1000000ULL);
}

struct ts {
	s64 sec, nsec;
};

static long timeout_from(u64 uts, u64 *ns)
{
	struct ts t;

	if (!uts) {
		*ns = ~0ULL;
		return 0;
	}
	if (copy_from_user(&t, (const void *)uts, sizeof(t)))
		return -EFAULT;
	if (t.sec < 0 || t.nsec < 0 || t.nsec >= (s64)NS)
		return -EINVAL;
	*ns = (u64)t.sec >= (~0ULL - (u64)t.nsec) / NS ? ~0ULL : (u64)t.sec * NS + (u64)t.nsec;
	return 0;
}

/* ppoll/pselect6's (and epoll_pwait's) signal mask: swapped in for the
 * wait, restored after. */
long with_sigmask(u64 umask, u64 size, u64 *saved, bool *swapped)
{
	struct process *p = current_proc();
	u64 set;

	*swapped = false;
	if (!umask)
		return 0;
	if (size != 8)
		return -EINVAL;
	if (copy_from_user(&set, (const void *)umask, 8))
		return -EFAULT;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	*saved = current_task()->blocked;
	current_task()->blocked = set & ~(sigmask(SIGKILL) | sigmask(SIGSTOP));
	spin_unlock_irqrestore(&p->sig_lock, flags);
	*swapped = true;
	return 0;
}

void restore_sigmask(u64 saved, bool swapped, long rc)
{
	struct process *p = current_proc();

	if (!swapped)
		return;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	struct task *t = current_task();
	if (rc == -EINTR) {	/* the handler must run under the temporary mask */
		t->saved_blocked = saved;
		t->restore_blocked = true;
	} else {
		t->blocked = saved;
	}
	spin_unlock_irqrestore(&p->sig_lock, flags);
}

long sys_ppoll(SYSARGS)
{
	u64 ns, saved = 0;
	bool swapped;
	long rc = timeout_from(a2, &ns);

	if (!rc)
		rc = with_sigmask(a3, a4, &saved, &swapped);
	if (rc)
		return rc;
	rc = poll_user(a0, a1, ns);
	restore_sigmask(saved, swapped, rc);
	return rc;
}

/* select's fd_sets become a pollfd array for the same loop. */
/* select's sets on the kernel stack: FD_SETSIZE (1024) descriptors, what
 * a C library's fd_set holds, not the whole table */
#define SELECT_MAX 1024

static long do_select(u64 nfds, u64 urd, u64 uwr, u64 uex, u64 timeout_ns)
{
	u64 sets[3][SELECT_MAX / 64] = { { 0 } };
	u64 user[3] = { urd, uwr, uex };
	size_t bytes = (size_t)ALIGN_UP(nfds, 64) / 8;

	if (nfds > SELECT_MAX)
		return -EINVAL;
	for (int k = 0; k < 3; k++)
		if (user[k] && copy_from_user(sets[k], (const void *)user[k], bytes))
			return -EFAULT;
	struct pollfd *fds = kmalloc(sizeof(*fds) * (nfds ? nfds : 1), GFP_KERNEL);
	if (!fds)
		return -ENOMEM;
	u64 n = 0;
	for (u64 fd = 0; fd < nfds; fd++) {
		s16 ev = 0;
		if (sets[0][fd / 64] >> (fd % 64) & 1)
			ev |= POLLIN;
		if (sets[1][fd / 64] >> (fd % 64) & 1)
			ev |= POLLOUT;
		if (sets[2][fd / 64] >> (fd % 64) & 1)
			ev |= POLLPRI;
		if (ev)
			fds[n++] = (struct pollfd){ (s32)fd, ev, 0 };
	}
	long rc = do_poll(fds, n, timeout_ns);
	if (rc >= 0) {
		u64 out[3][SELECT_MAX / 64] = { { 0 } };
		rc = 0;
		for (u64 i = 0; i < n; i++) {
			u64 fd = (u64)fds[i].fd, bit = 1ULL << (fd % 64);
			s16 r = fds[i].revents;
			if (r & POLLNVAL) {
				rc = -EBADF;
				break;
			}
			if ((fds[i].events & POLLIN) && (r & (POLLIN | POLLHUP | POLLERR)))
				out[0][fd / 64] |= bit, rc++;
			if ((fds[i].events & POLLOUT) && (r & (POLLOUT | POLLERR)))
				out[1][fd / 64] |= bit, rc++;
			if ((fds[i].events & POLLPRI) && (r & POLLPRI))
				out[2][fd / 64] |= bit, rc++;
		}
		for (int k = 0; rc >= 0 && k < 3; k++)
			if (user[k] && copy_to_user((void *)user[k], out[k], bytes))
				rc = -EFAULT;
	}
	kfree(fds);
	return rc;
}

struct tv {
	s64 sec, usec;
};

long sys_select(SYSARGS)
{
	u64 ns = ~0ULL;

	if (a4) {
		struct tv t;
		if (copy_from_user(&t, (const void *)a4, sizeof(t)))
			return -EFAULT;
		if (t.sec < 0 || t.usec < 0 || t.usec >= 1000000)
			return -EINVAL;
		ns = (u64)t.sec >= ~0ULL / NS - 1 ? ~0ULL : (u64)t.sec * NS + (u64)t.usec * 1000ULL;
	}
	return do_select(a0, a1, a2, a3, ns);
}

long sys_pselect6(SYSARGS)
{
	u64 ns, saved = 0, sig[2] = { 0, 0 };
	bool swapped = false;
	long rc = timeout_from(a4, &ns);

	if (!rc && a5 && copy_from_user(sig, (const void *)a5, sizeof(sig)))
		rc = -EFAULT;
	if (!rc)
		rc = with_sigmask(sig[0], sig[0] ? sig[1] : 0, &saved, &swapped);
	if (rc)
		return rc;
	rc = do_select(a0, a1, a2, a3, ns);
	restore_sigmask(saved, swapped, rc);
	return rc;
}
