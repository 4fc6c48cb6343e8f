/*
 * Asynchronous notification (docs/async.md): a file's owner and signal
 * (F_SETOWN, F_SETOWN_EX, F_SETSIG), and O_ASYNC's SIGIO.
 *
 * O_ASYNC subscribes a callback to every wait queue the file's poll op
 * names, as epoll does. A wakeup there runs the callback under the
 * queue's lock, perhaps in an interrupt handler, where no signal can be
 * sent (sending takes proc_lock and sig_lock, ranked below wait queues):
 * the callback only puts the file's `struct fasync` on a queue and wakes
 * the `fasyncd` kernel thread, which asks the file's poll op what is
 * ready and sends the owner its signal, with no lock held. So SIGIO
 * arrives a moment after the event, not inside the write that caused it,
 * and a file that is no longer ready by then (drained already) sends
 * nothing.
 *
 * Owners and lifetimes:
 *  - struct fown (in the file): [fown_lock], a leaf spinlock, so
 *    dnotify can copy it out under its own lock; a process or thread owner
 *    is a reference (proc_get/task_get), dropped when replaced or at the
 *    file's last put. A group owner is its number.
 *  - struct fasync: made when O_ASYNC goes on, owned by the file (one
 *    reference) until O_ASYNC goes off or the file's last put; while it
 *    waits on the queue for fasyncd it holds a second reference, so a
 *    close racing with a pending send frees nothing under fasyncd.
 *  - fa->file: cleared (under fasync_qlock) once every hook is removed,
 *    when O_ASYNC goes off or at the file's last put. fasyncd takes no
 *    file reference: it marks fa busy under fasync_qlock while fa->file
 *    is set, and fasync_drop waits until it is not. So once close (the
 *    last reference) or F_SETFL without O_ASYNC has returned, that file
 *    sends nothing more, as on Linux; and the file outlives the send.
 *    The wait is made with fasync_mtx NOT held, and fasyncd never takes
 *    fasync_mtx: a poll op may drop another file's last reference
 *    (io_uring's), whose release then runs in fasyncd, or inside
 *    fasync_on's poll with fasync_mtx held. The price: the last file_put
 *    must not hold a lock a poll op takes.
 *  - hooks: [fasync_mtx], or the file's last reference (nobody else can
 *    reach f->fasync then); removed (remove_wait_callback, under the
 *    queue's lock) before the file's release runs, so no callback runs
 *    on a freed file or queue.
 *
 * Locks: fasync_mtx (mutex, rank 25) around hook changes, then a poll
 * op's own locks; fown_lock (156) a leaf; fasync_qlock (rank 155, a leaf but task->lock
 * for the wakeup) taken by callbacks under any wait queue's lock.
 */
#include <alloy/pid.h>
#include <alloy/errno.h>
#include <alloy/fasync.h>
#include <alloy/lockrank.h>
#include <alloy/mutex.h>
#include <alloy/poll.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>

struct fasync;

struct fasync_hook {			/* a subscription to one wait queue */
	struct waiter w;
	struct wait_queue *wq;
	struct fasync *fa;
	struct fasync_hook *next;
};

struct fasync {
	atomic_t refcount;		/* the file's; one more while queued */
	struct file *file;		/* [fasync_qlock] NULL once unhooked */
	int fd;				/* si_fd: the descriptor O_ASYNC was set by */
	bool queued;			/* [fasync_qlock] on fasync_queue */
	bool busy;			/* [fasync_qlock] fasyncd is using file */
	bool nomem;			/* a hook could not be allocated */
	struct list_head qlink;		/* [fasync_qlock] */
	struct fasync_hook *hooks;	/* [fasync_mtx] */
};

static struct mutex fasync_mtx = {
	.wq = WAIT_QUEUE_INIT(fasync_mtx.wq, "fasync"),
	.dep = { "fasync", LR_MUTEX_FASYNC },
};
static spinlock_t fasync_qlock = SPINLOCK_INIT("fasync-queue", LR_FASYNC_QUEUE);
static LIST_HEAD(fasync_queue);
static struct wait_queue fasync_idle = WAIT_QUEUE_INIT(fasync_idle, "fasync-idle");
static spinlock_t fown_lock = SPINLOCK_INIT("fown", LR_FOWN);
static struct task *fasyncd;		/* set once, under fasync_mtx, before any hook */
/* fasyncd's own: the file it is polling and signalling for (no reference:
 * its closer waits for busy), and whether a poll op dropped that file's
 * last reference meanwhile (fasync_put_deferred), so fasyncd puts it */
static struct file *fasyncd_using;
static bool fasyncd_put_later;

static void fasync_put(struct fasync *fa)
{
	if (atomic_dec_and_test(&fa->refcount))
		kfree(fa);
}

/* ---- sending ---- */

/* Linux's band_table: the events a POLL_* code stands for. */
static const long poll_band[] = {
	[POLL_IN] = POLLIN | POLLRDNORM | POLLMSG,
	[POLL_OUT] = POLLOUT | POLLWRNORM | POLLWRBAND,
	[POLL_MSG] = POLLIN | POLLRDNORM | POLLMSG,
	[POLL_ERR] = POLLERR,
	[POLL_PRI] = POLLPRI | POLLRDBAND,
	[POLL_HUP] = POLLHUP | POLLERR,
};

/* sigio_perm: the setter of the owner may signal p (its IDs then). */
static bool fown_may(struct process *p, const void *arg)
{
	const struct fown *o = arg;

	if (o->euid == 0)
		return true;
	unsigned long fl = spin_lock_irqsave(&p->sig_lock);
	u32 uid = p->uid[0], suid = p->uid[2];
	spin_unlock_irqrestore(&p->sig_lock, fl);
	return o->euid == uid || o->euid == suid || o->uid == uid || o->uid == suid;
}

void fown_get(struct file *f, struct fown *o)
{
	unsigned long fl = spin_lock_irqsave(&fown_lock);

	*o = f->fown;
	if (o->proc)
		proc_get(o->proc);
	if (o->task)
		task_get(o->task);
	spin_unlock_irqrestore(&fown_lock, fl);
}

void fown_put(struct fown *o)
{
	if (o->proc)
		proc_put(o->proc);
	if (o->task)
		task_put(o->task);
	o->proc = NULL;
	o->task = NULL;
}

void fown_signal(const struct fown *o, int fd, int reason)
{
	if (!o->id)
		return;
	struct ksiginfo si = { .signo = SIGIO, .code = SI_KERNEL };
	if (o->sig) {
		si = (struct ksiginfo){ .signo = o->sig, .code = reason, .sigpoll = true,
					.fd = fd };
		si.band = reason > 0 && reason < (int)ARRAY_SIZE(poll_band) ? poll_band[reason]
									    : ~0L;
	}
	switch (o->type) {
	case F_OWNER_TID: {
		struct process *p = o->task ? READ_ONCE(o->task->proc) : NULL;	/* NULL once it ended */
		if (p && fown_may(p, o))
			signal_send_thread(o->task, &si);
		break;
	}
	case F_OWNER_PID:
		if (o->proc && !READ_ONCE(o->proc->zombie) && fown_may(o->proc, o))
			signal_send(o->proc, &si);
		break;
	default:
		proc_signal_group_if(o->id, &si, fown_may, o);
	}
}

void fown_send(struct file *f, int fd, int reason)
{
	struct fown o;

	fown_get(f, &o);
	fown_signal(&o, fd, reason);
	fown_put(&o);
}

/* What an O_ASYNC file's readiness says, as a POLL_* code (0: nothing). */
static int poll_reason(unsigned int m)
{
	if (m & (POLLIN | POLLRDNORM))
		return POLL_IN;
	if (m & POLLPRI)
		return POLL_PRI;
	if (m & POLLERR)
		return POLL_ERR;
	if (m & POLLHUP)
		return POLL_HUP;
	if (m & (POLLOUT | POLLWRNORM))
		return POLL_OUT;
	return 0;
}

static void fasyncd_main(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&fasync_qlock);
		if (list_empty(&fasync_queue)) {
			set_current_state_blocked();	/* a callback after this wakes us */
			spin_unlock_irqrestore(&fasync_qlock, flags);
			schedule();
			continue;
		}
		struct fasync *fa = list_first_entry(&fasync_queue, struct fasync, qlink);
		list_del_init(&fa->qlink);
		fa->queued = false;
		struct file *f = fa->file;	/* fasync_drop waits while busy */
		fa->busy = f != NULL;
		spin_unlock_irqrestore(&fasync_qlock, flags);
		if (f) {
			fasyncd_using = f;
			int reason = poll_reason(vfs_poll(f, NULL));
			if (reason)
				fown_send(f, fa->fd, reason);
			fasyncd_using = NULL;
			flags = spin_lock_irqsave(&fasync_qlock);
			fa->busy = false;
			spin_unlock_irqrestore(&fasync_qlock, flags);
			wake_up_all(&fasync_idle);
			if (fasyncd_put_later) {	/* the file's last reference, now ours */
				fasyncd_put_later = false;
				file_put(f);
			}
		}
		fasync_put(fa);
	}
}

/* ---- O_ASYNC: the subscriptions ---- */

/* Under the source queue's lock, interrupts off, any context. */
static bool fasync_wake(struct waiter *w)
{
	struct fasync *fa = container_of(w, struct fasync_hook, w)->fa;
	bool wake = false;
	unsigned long flags = spin_lock_irqsave(&fasync_qlock);

	if (!fa->queued && fa->file) {
		fa->queued = true;
		atomic_inc(&fa->refcount);
		list_add_tail(&fa->qlink, &fasync_queue);
		wake = true;
	}
	spin_unlock_irqrestore(&fasync_qlock, flags);
	if (wake)
		wake_up_task(fasyncd);
	return false;
}

struct fasync_pqueue {
	struct poll_table pt;
	struct fasync *fa;
};

static void fasync_queue_proc(struct poll_table *pt, struct file *f, struct wait_queue *wq)
{
	struct fasync *fa = container_of(pt, struct fasync_pqueue, pt)->fa;
	struct fasync_hook *h;

	(void)f;
	if (fa->nomem || !(h = kmalloc(sizeof(*h), GFP_KERNEL))) {
		fa->nomem = true;
		return;
	}
	h->w = (struct waiter){ .task = NULL, .func = fasync_wake };
	list_init(&h->w.link);
	h->wq = wq;
	h->fa = fa;
	h->next = fa->hooks;
	fa->hooks = h;
	add_wait_callback(wq, &h->w);
}

/* fasync_mtx held, or f's last reference: unsubscribe f->fasync and
 * hand it to the caller, who passes it to fasync_drop with no lock. */
static struct fasync *fasync_unhook(struct file *f)
{
	struct fasync *fa = f->fasync;

	if (!fa)
		return NULL;
	for (struct fasync_hook *h = fa->hooks, *n; h; h = n) {
		n = h->next;
		remove_wait_callback(h->wq, &h->w);	/* no callback after this */
		kfree(h);
	}
	fa->hooks = NULL;
	unsigned long flags = spin_lock_irqsave(&fasync_qlock);
	fa->file = NULL;	/* fasyncd skips it if still queued */
	spin_unlock_irqrestore(&fasync_qlock, flags);
	f->fasync = NULL;
	return fa;
}

/* No fasync_mtx held: a send of fa under way ends, then the file's
 * reference goes. */
static void fasync_drop(struct fasync *fa)
{
	if (!fa)
		return;
	wait_event(fasync_idle, !READ_ONCE(fa->busy));
	fasync_put(fa);
}

/* fasync_mtx held: subscribe f (a file with a poll op); on an error the
 * caller unhooks what was made. */
static int fasync_on(struct file *f, int fd)
{
	if (f->fasync) {
		f->fasync->fd = fd;
		return 0;
	}
	if (!fasyncd && !(fasyncd = kthread_create(fasyncd_main, NULL, "fasyncd")))
		return -ENOMEM;
	struct fasync *fa = kzalloc(sizeof(*fa), GFP_KERNEL);
	if (!fa)
		return -ENOMEM;
	atomic_set(&fa->refcount, 1);
	fa->file = f;
	fa->fd = fd;
	list_init(&fa->qlink);
	f->fasync = fa;
	struct fasync_pqueue q = { .pt = { .qproc = fasync_queue_proc }, .fa = fa };
	vfs_poll(f, &q.pt);
	return fa->nomem ? -ENOMEM : 0;
}

/* Files whose own wakeups a signal causes (a signalfd is woken by every
 * signal sent to its process) would feed SIGIO to themselves for ever;
 * Linux gives them no O_ASYNC either. */
static bool fasync_able(const struct file *f)
{
	return file_can_poll(f) && !is_signalfd(f);
}

int fasync_setfl(struct file *f, int fd, u32 mask, u32 val,
		 void (*update)(struct file *f, u32 mask, u32 val))
{
	struct fasync *gone = NULL;
	int rc = 0;

	if (!(mask & O_ASYNC)) {
		update(f, mask, val);
		return 0;
	}
	mutex_lock(&fasync_mtx);
	bool on = (val & O_ASYNC) && fasync_able(f);
	if (on)
		rc = fasync_on(f, fd);
	if (!on || rc)
		gone = fasync_unhook(f);
	if (rc)
		val &= ~(u32)O_ASYNC;
	update(f, mask, val);
	mutex_unlock(&fasync_mtx);
	fasync_drop(gone);
	return rc;
}

void fasync_release(struct file *f)
{
	struct process *p;
	struct task *t;

	if (!f->fasync && !f->fown.proc && !f->fown.task)
		return;
	fasync_drop(fasync_unhook(f));	/* the last reference: no fasync_mtx */
	unsigned long fl = spin_lock_irqsave(&fown_lock);
	p = f->fown.proc;
	t = f->fown.task;
	f->fown.proc = NULL;
	f->fown.task = NULL;
	f->fown.id = 0;		/* no owner: dnotify's or a lease's sender sends nothing */
	spin_unlock_irqrestore(&fown_lock, fl);
	if (p)
		proc_put(p);
	if (t)
		task_put(t);
}

/* The last reference went inside fasyncd's own poll of f (a ring's poll
 * put a file whose release put the ring: a cycle through SCM_RIGHTS).
 * Released now, f would be gone under fasyncd, and fasync_release would
 * wait for fasyncd's busy for ever: the reference is fasyncd's again,
 * put once it is done. Nobody else can find f (its count was zero; no
 * one takes a file reference conditionally), so the count is just set. */
bool fasync_put_deferred(struct file *f)
{
	if (current_task() != fasyncd || f != fasyncd_using)
		return false;
	fasyncd_put_later = true;
	atomic_set(&f->refcount, 1);
	return true;
}

/* ---- fcntl ---- */

struct f_owner_ex {
	s32 type, pid;
};

/* proc_signal_group_if's filter that sends nothing: does it exist? */
static bool fown_none(struct process *p, const void *arg)
{
	(void)p;
	(void)arg;
	return false;
}

/* Who gets the signals: checked and referenced before the lock. id is
 * the caller's number; kept as the global one (<alloy/pid.h>), as the
 * signals go from other processes' contexts. */
static long fown_set(struct file *f, int type, int id)
{
	struct process *me = current_proc(), *p = NULL, *old_p;
	struct task *t = NULL, *old_t;

	if (id && type == F_OWNER_PID && !(p = proc_find(id)))
		return -ESRCH;
	if (p)
		id = p->pid;
	if (id && type == F_OWNER_PGRP) {	/* a group with no member: ESRCH */
		struct ksiginfo none = { .signo = SIGIO };
		if (!(id = pid_from_user(id)) || proc_signal_group_if(id, &none, fown_none, NULL))
			return -ESRCH;
	}
	if (id && type == F_OWNER_TID) {
		struct process *tp;
		if (!(t = proc_find_thread(id, &tp)))
			return -ESRCH;
		id = t->user_tid;
		proc_put(tp);
	}
	unsigned long fl = spin_lock_irqsave(&me->sig_lock);
	u32 uid = me->uid[0], euid = me->uid[1];
	spin_unlock_irqrestore(&me->sig_lock, fl);

	fl = spin_lock_irqsave(&fown_lock);
	old_p = f->fown.proc;
	old_t = f->fown.task;
	f->fown.type = (u8)type;
	f->fown.id = id;
	f->fown.proc = p;
	f->fown.task = t;
	f->fown.uid = uid;
	f->fown.euid = euid;
	spin_unlock_irqrestore(&fown_lock, fl);
	if (old_p)
		proc_put(old_p);
	if (old_t)
		task_put(old_t);
	return 0;
}

long fown_set_self(struct file *f)
{
	return fown_set(f, F_OWNER_PID, current_proc()->vpid);
}

long fasync_fcntl_owner(struct file *f, int cmd, u64 arg)
{
	struct f_owner_ex ex;
	unsigned long fl;
	long rc;

	switch (cmd) {
	case F_GETOWN:
		fl = spin_lock_irqsave(&fown_lock);
		rc = f->fown.type == F_OWNER_PGRP ? -(long)pid_to_user(f->fown.id)
						  : pid_to_user(f->fown.id);
		spin_unlock_irqrestore(&fown_lock, fl);
		return rc;
	case F_GETOWN_EX:
		fl = spin_lock_irqsave(&fown_lock);
		ex.type = f->fown.id ? f->fown.type : F_OWNER_PID;
		ex.pid = pid_to_user(f->fown.id);	/* the caller's number (0: outside) */
		spin_unlock_irqrestore(&fown_lock, fl);
		return copy_to_user((void *)arg, &ex, sizeof(ex)) ? -EFAULT : 0;
	case F_GETSIG:
		return READ_ONCE(f->fown.sig);
	case F_SETSIG:
		if (arg > NSIG)
			return -EINVAL;
		WRITE_ONCE(f->fown.sig, (u8)arg);
		return 0;
	case F_SETOWN:
		if ((u32)arg == 0x80000000u)
			return -EINVAL;
		ex.pid = (s32)arg;
		ex.type = F_OWNER_PID;
		if (ex.pid < 0) {
			ex.type = F_OWNER_PGRP;
			ex.pid = -ex.pid;
		}
		break;
	default:		/* F_SETOWN_EX */
		if (copy_from_user(&ex, (const void *)arg, sizeof(ex)))
			return -EFAULT;
		if (ex.type < F_OWNER_TID || ex.type > F_OWNER_PGRP || ex.pid < 0)
			return -EINVAL;
		break;
	}
	return fown_set(f, ex.type, ex.pid);
}
