/*
 * eventfd: a 64-bit counter behind a file. A write of 8 bytes adds to it
 * (blocking while the sum would pass 0xfffffffffffffffe), a read takes it
 * all, or 1 with EFD_SEMAPHORE (blocking while it is 0). The wait queue's
 * lock guards the counter, so a change and its wakeup are one step.
 */
#include <alloy/errno.h>
#include <alloy/event.h>
#include <alloy/poll.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/vfs.h>

#define EFD_MAX 0xfffffffffffffffeULL

struct eventfd {
	struct wait_queue wq;	/* readers, writers, pollers; its lock: count */
	u64 count;
	bool semaphore;
};

/* Takes (read) or adds (write) under the lock; false if it must wait. */
static bool efd_try(struct eventfd *e, bool write, u64 *v)
{
	unsigned long flags = spin_lock_irqsave(&e->wq.lock);
	bool ok;

	if (write) {
		ok = EFD_MAX - e->count >= *v;
		if (ok)
			e->count += *v;
	} else {
		ok = e->count != 0;
		if (ok) {
			*v = e->semaphore ? 1 : e->count;
			e->count -= *v;
		}
	}
	if (ok)
		wake_up_all_locked(&e->wq);
	spin_unlock_irqrestore(&e->wq.lock, flags);
	return ok;
}

static bool efd_can(struct eventfd *e, bool write, u64 v)
{
	u64 c = READ_ONCE(e->count);

	return (write ? EFD_MAX - c >= v : c != 0) || signal_pending();
}

static long efd_wait(struct file *f, bool write, u64 *v)
{
	struct eventfd *e = f->priv;

	while (!efd_try(e, write, v)) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (signal_pending())
			return -ERESTARTSYS;
		wait_event(e->wq, efd_can(e, write, *v));
	}
	return 0;
}

static long efd_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	u64 v = 0;

	(void)pos;
	if (n < 8)
		return -EINVAL;
	long rc = efd_wait(f, false, &v);
	if (rc)
		return rc;
	return iob_copy_out(b, 0, &v, 8) ? -EFAULT : 8;	/* taken: lost, as on Linux */
}

static long efd_write(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	u64 v;

	(void)pos;
	if (n < 8)
		return -EINVAL;
	if (iob_copy_in(&v, b, 0, 8))
		return -EFAULT;
	if (v == ~0ULL)
		return -EINVAL;
	long rc = efd_wait(f, true, &v);
	return rc ? rc : 8;
}

static unsigned int efd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *e = f->priv;
	unsigned int mask = 0;

	poll_wait(pt, &e->wq);
	u64 c = READ_ONCE(e->count);
	if (c)
		mask |= POLLIN | POLLRDNORM;
	if (c == ~0ULL)
		mask |= POLLERR;
	if (c < EFD_MAX)
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

/* Nothing waits on it now: sleepers and pollers hold the file, and
 * epoll let go of it before the release (eventpoll_release). */
static void efd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_fops = {
	.read = efd_read,
	.write = efd_write,
	.poll = efd_poll,
	.release = efd_release,
};

bool file_is_eventfd(const struct file *f)
{
	return f->fop == &eventfd_fops;
}

void eventfd_signal(struct file *f, u64 n)
{
	struct eventfd *e = f->priv;
	unsigned long flags = spin_lock_irqsave(&e->wq.lock);

	e->count += MIN(n, EFD_MAX - e->count);	/* saturates, as Linux */
	wake_up_all_locked(&e->wq);
	spin_unlock_irqrestore(&e->wq.lock, flags);
}

int eventfd_file(u32 initval, u32 flags, struct file **out)
{
	struct eventfd *e = kzalloc(sizeof(*e), GFP_KERNEL);

	if (!e)
		return -ENOMEM;
	wait_queue_init(&e->wq, "eventfd");
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	*out = anon_file(&eventfd_fops, e, O_RDWR | (flags & EFD_NONBLOCK));
	if (!*out) {
		kfree(e);
		return -ENOMEM;
	}
	return 0;
}
