/*
 * Linux AIO: io_setup, io_submit, io_getevents, io_pgetevents, io_cancel,
 * io_destroy (docs/aio.md).
 *
 * A context (struct kioctx) belongs to an address space, as Linux's
 * mm->ioctx_table: its id is the address of its completion ring, a
 * shared mapping of the context's own pages (Linux's struct aio_ring
 * layout, so libaio's user-space io_getevents reads it), and it is found
 * by (mm, id) on one list. A fork's child has none of them, an exec or
 * the last thread's exit destroys them (aio_exit_mm, from user_mm_put).
 *
 * Requests run at submit, in the submitter, when they cannot wait (a
 * regular file or a device: as Linux, whose buffered AIO is synchronous
 * too). Those that would wait on a pipe, and IOCB_CMD_POLL, are armed
 * instead: a callback on the file's wait queues (as epoll's) hands the
 * request to the `aiod` kernel thread, which retries it without waiting
 * and copies to or from the submitter's memory through its address
 * space (user_mm_copy: the VMA's rights are obeyed, and an address space
 * that has gone has no VMAs left, so the copy fails with EFAULT).
 *
 * Owners and lifetimes:
 *  - kioctx: refs, one for the list (dropped by io_destroy or aio_exit_mm),
 *    one per ring VMA (fork copies none: the child's list has no entry,
 *    but the VMA is copied as any shared mapping and keeps the pages),
 *    one per lookup, one per request. The last frees the ring pages.
 *  - aio_req: refs, one for its life until completed, one while it sits
 *    on aiod's queue. It holds a file reference (a close of the fd
 *    meanwhile frees nothing), the eventfd's, and the address space's
 *    structure (user_mm_grab, not its users: a context that kept its
 *    process's memory alive would never be destroyed by it).
 *    state: ARMED (waiting), RUNNING (aiod is trying it), DONE; whoever
 *    moves it from ARMED takes it, so it completes exactly once.
 *  - Destruction (io_destroy, exit) marks the context dead, cancels every
 *    armed request and waits until none is in flight: nothing writes to
 *    the ring or to user memory after it returns.
 *
 * Locks: ctx->ring_mtx (mutex, LR_MUTEX_AIO: reaping copies to the user,
 * so before mm) > aio_list_lock and ctx->lock (spinlocks, LR_AIO, never
 * nested) > wait queues > aiod_lock (LR_AIO_QUEUE, taken by callbacks
 * under a wait queue's lock) > task->lock.
 */
#include <alloy/aio.h>
#include <alloy/errno.h>
#include <alloy/event.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/mutex.h>
#include <alloy/poll.h>
#include <alloy/rlimit.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/splice.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/sysctl.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <alloy/vfs.h>
#include <uapi/fcntl.h>
#include "../syscall/sysfs.h"
#include "../syscall/syspoll.h"

/* <linux/aio_abi.h> */
#define IOCB_CMD_PREAD 0
#define IOCB_CMD_PWRITE 1
#define IOCB_CMD_FSYNC 2
#define IOCB_CMD_FDSYNC 3
#define IOCB_CMD_POLL 5
#define IOCB_CMD_NOOP 6
#define IOCB_CMD_PREADV 7
#define IOCB_CMD_PWRITEV 8
#define IOCB_FLAG_RESFD 1
#define IOCB_FLAG_IOPRIO 2
#define KIOCB_KEY 0

#define AIO_RING_MAGIC 0xa10a10a1u
#define AIO_RING_COMPAT 1
#define AIO_HDR 32		/* sizeof(struct aio_ring) */
#define AIO_EV 32		/* sizeof(struct io_event) */
#define MAX_RW_COUNT 0x7ffff000ULL
#define UIO_MAXIOV 1024
#define AIO_BOUNCE (64 * 1024)	/* aiod's copies of a pipe transfer */

struct uiocb {
	u64 data;
	u32 key, rw_flags;
	u16 opcode;
	s16 reqprio;
	u32 fildes;
	u64 buf, nbytes;
	s64 offset;
	u64 reserved2;
	u32 flags, resfd;
};
_Static_assert(sizeof(struct uiocb) == 64, "struct iocb");

struct io_event_k {
	u64 data, obj;
	s64 res, res2;
};

struct aio_ring_hdr {
	u32 id, nr, head, tail, magic, compat, incompat, header_length;
};

struct uiovec {
	u64 base, len;
};

struct kioctx {
	atomic_t refs;
	struct user_mm *mm;		/* whose (user_mm_grab) */
	u64 id;				/* the ring's user address */
	u64 map_len;
	u32 max_reqs;			/* what io_setup asked: counted in aio-nr */
	u32 nr;				/* ring entries (one stays empty) */
	struct ring_mem rm;
	spinlock_t lock;
	u32 tail;			/* [lock] the kernel's own copy */
	u32 inflight;			/* [lock] submitted, not yet completed */
	bool dead;			/* [lock] being destroyed */
	struct list_head active;	/* [lock] armed requests */
	struct wait_queue wait;		/* getevents, destroy */
	struct mutex ring_mtx;		/* reapers: head moves under it */
	bool killed;			/* [aio_list_lock] off the list */
	struct list_head link;		/* [aio_list_lock] */
};

enum { REQ_ARMING, REQ_ARMED, REQ_RUNNING, REQ_DONE };

struct aio_hook {
	struct waiter w;
	struct wait_queue *wq;
	struct aio_req *req;
	struct aio_hook *next;
};

struct aio_req {
	atomic_t refs;
	int state;			/* REQ_* (atomic) */
	struct kioctx *ctx;		/* a reference */
	struct file *file;		/* a reference */
	struct file *resfd;		/* the eventfd's, or NULL */
	struct user_mm *mm;		/* user_mm_grab */
	u64 obj, data;
	u16 op;
	u32 events;			/* POLL: what is waited for */
	u64 buf, nbytes;		/* a pipe's transfer */
	struct list_head link;		/* [ctx->lock] ctx->active */
	struct list_head qlink;		/* [aiod_lock] */
	bool queued;			/* [aiod_lock] */
	bool nomem;
	struct aio_hook *hooks;		/* changed only before arming, and at completion */
};

static long aio_max_nr = 65536;
static long aio_nr;			/* [aio_list_lock] */
static spinlock_t aio_list_lock = SPINLOCK_INIT("aio-list", LR_AIO);
static LIST_HEAD(aio_list);
static spinlock_t aiod_lock = SPINLOCK_INIT("aiod-queue", LR_AIO_QUEUE);
static LIST_HEAD(aiod_queue);
static struct task *aiod;

SYSCTL_INT(aio_max_nr, "fs/aio-max-nr", 0644, &aio_max_nr, 0, 0x7fffffff);

static int show_aio_nr(struct pbuf *b)
{
	unsigned long fl = spin_lock_irqsave(&aio_list_lock);
	long n = aio_nr;

	spin_unlock_irqrestore(&aio_list_lock, fl);
	return pbuf_printf(b, "%ld\n", n);
}
SYSCTL(aio_nr, "fs/aio-nr", 0444, show_aio_nr, NULL);

/* ---- contexts ---- */

static void ctx_get(struct kioctx *c)
{
	atomic_inc(&c->refs);
}

static void ctx_put(struct kioctx *c)
{
	if (!atomic_dec_and_test(&c->refs))
		return;
	ring_mem_free(&c->rm);
	user_mm_drop(c->mm);
	kfree(c);
}

static void ring_vm_get(void *obj) { ctx_get(obj); }
static void ring_vm_put(void *obj) { ctx_put(obj); }

static int ring_vm_page(void *obj, u64 index, bool shared_write, struct page **out)
{
	(void)shared_write;
	return ring_mem_page(&((struct kioctx *)obj)->rm, index, out);
}

static void ring_vm_describe(void *obj, char *path, size_t cap, u32 *dev, u64 *ino)
{
	(void)obj;
	strlcpy(path, "/[aio]", cap);
	*dev = 0;
	*ino = 0;
}

/* The pages are memory only: nothing to write back. */
static void ring_vm_dirty(void *obj, struct page *p) { (void)obj; (void)p; }
static int ring_vm_sync(void *obj) { (void)obj; return 0; }

static const struct vm_object_ops aio_ring_ops = {
	.get = ring_vm_get, .put = ring_vm_put, .page = ring_vm_page,
	.dirty = ring_vm_dirty, .sync = ring_vm_sync, .describe = ring_vm_describe,
};

static struct aio_ring_hdr *ring_hdr(struct kioctx *c)
{
	return ring_mem_at(&c->rm, 0, AIO_HDR);
}

static struct io_event_k *ring_ev(struct kioctx *c, u32 i)
{
	return ring_mem_at(&c->rm, AIO_HDR + (u64)i * AIO_EV, AIO_EV);
}

/* The program may write the head: only ever used modulo nr. */
static u32 ring_head(struct kioctx *c)
{
	return READ_ONCE(ring_hdr(c)->head) % c->nr;
}

/* Events in the ring, not yet reaped ([lock] or a racy look). */
static u32 ring_used(struct kioctx *c)
{
	return (c->tail + c->nr - ring_head(c)) % c->nr;
}

/* This address space's live context id, with a reference; NULL if none. */
static struct kioctx *ctx_lookup(u64 id)
{
	struct user_mm *mm = current_task()->mm;
	struct kioctx *found = NULL, *c;
	unsigned long fl = spin_lock_irqsave(&aio_list_lock);

	list_for_each_entry(c, &aio_list, link) {
		if (c->id == id && c->mm == mm) {
			ctx_get(c);
			found = c;
			break;
		}
	}
	spin_unlock_irqrestore(&aio_list_lock, fl);
	return found;
}

/* ---- requests ---- */

static void req_put(struct aio_req *r)
{
	if (!atomic_dec_and_test(&r->refs))
		return;
	if (r->file)
		file_put(r->file);
	if (r->resfd)
		file_put(r->resfd);
	if (r->mm)
		user_mm_drop(r->mm);
	ctx_put(r->ctx);
	kfree(r);
}

static void req_unhook(struct aio_req *r)
{
	for (struct aio_hook *h = r->hooks, *n; h; h = n) {
		n = h->next;
		remove_wait_callback(h->wq, &h->w);	/* no callback after this */
		kfree(h);
	}
	r->hooks = NULL;
}

/* The caller moved r to REQ_DONE: its event goes into the ring, and the
 * request lets go of everything. */
static void req_complete(struct aio_req *r, s64 res, s64 res2)
{
	struct kioctx *c = r->ctx;

	req_unhook(r);
	unsigned long fl = spin_lock_irqsave(&c->lock);
	struct io_event_k *ev = ring_ev(c, c->tail);
	ev->data = r->data;
	ev->obj = r->obj;
	ev->res = res;
	ev->res2 = res2;
	c->tail = (c->tail + 1) % c->nr;
	__atomic_store_n(&ring_hdr(c)->tail, c->tail, __ATOMIC_RELEASE);
	if (!list_empty(&r->link))
		list_del_init(&r->link);
	c->inflight--;
	spin_unlock_irqrestore(&c->lock, fl);
	if (r->resfd)
		eventfd_signal(r->resfd, 1);
	wake_up_all(&c->wait);
	req_put(r);
}

static bool req_claim(struct aio_req *r, int from, int to)
{
	int want = from;

	return __atomic_compare_exchange_n(&r->state, &want, to, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* Under the source queue's lock, interrupts off: hand r to aiod. */
static bool req_wake(struct waiter *w)
{
	struct aio_req *r = container_of(w, struct aio_hook, w)->req;
	bool wake = false;
	unsigned long fl = spin_lock_irqsave(&aiod_lock);

	if (!r->queued && __atomic_load_n(&r->state, __ATOMIC_ACQUIRE) == REQ_ARMED) {
		r->queued = true;
		atomic_inc(&r->refs);
		list_add_tail(&r->qlink, &aiod_queue);
		wake = true;
	}
	spin_unlock_irqrestore(&aiod_lock, fl);
	if (wake)
		wake_up_task(aiod);
	return false;
}

struct aio_pt {
	struct poll_table pt;
	struct aio_req *req;
};

static void req_queue_proc(struct poll_table *pt, struct file *f, struct wait_queue *wq)
{
	struct aio_req *r = container_of(pt, struct aio_pt, pt)->req;
	struct aio_hook *h;

	(void)f;
	if (r->nomem || !(h = kmalloc(sizeof(*h), GFP_KERNEL))) {
		r->nomem = true;
		return;
	}
	h->w = (struct waiter){ .task = NULL, .func = req_wake };
	list_init(&h->w.link);
	h->wq = wq;
	h->req = r;
	h->next = r->hooks;
	r->hooks = h;
	add_wait_callback(wq, &h->w);
}

/* One try of an armed request without waiting: the result, or -EAGAIN.
 * user: in the submitter (its memory is current), else in aiod. */
static long req_try(struct aio_req *r, bool user)
{
	if (r->op == IOCB_CMD_POLL) {
		unsigned int m = vfs_poll(r->file, NULL) & (r->events | POLLERR | POLLHUP);
		return m ? (long)m : -EAGAIN;
	}
	struct pipe *p = pipe_of(r->file);
	bool write = r->op == IOCB_CMD_PWRITE;
	size_t n = (size_t)MIN(r->nbytes, (u64)(user ? MAX_RW_COUNT : AIO_BOUNCE));
	if (!p)
		return -EINVAL;
	if (user) {
		struct iobuf b = { r->buf, false };
		return write ? pipe_xfer_write(p, b, n, PIPE_NONBLOCK)
			     : pipe_xfer_read(p, b, n, 0, PIPE_NONBLOCK);
	}
	void *k = kmalloc(n ? n : 1, GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	struct iobuf kb = { (u64)k, true };
	long rc;
	if (write) {
		rc = user_mm_copy(r->mm, r->buf, k, n, false);
		if (!rc)
			rc = pipe_xfer_write(p, kb, n, PIPE_NONBLOCK);
	} else {
		rc = pipe_xfer_read(p, kb, n, 0, PIPE_NONBLOCK);
		if (rc > 0 && user_mm_copy(r->mm, r->buf, k, (size_t)rc, true))
			rc = -EFAULT;	/* the buffer went meanwhile: the bytes are lost */
	}
	kfree(k);
	return rc;
}

/* r (ARMING or RUNNING, ours) waits again: unless its context died
 * meanwhile (the destroyer found it busy and left it to us), or it became
 * ready while nobody listened (a wakeup saw it busy and queued nothing). */
static void req_rearm(struct aio_req *r)
{
	struct kioctx *c = r->ctx;

	__atomic_store_n(&r->state, REQ_ARMED, __ATOMIC_SEQ_CST);
	unsigned long fl = spin_lock_irqsave(&c->lock);
	bool dead = c->dead;
	spin_unlock_irqrestore(&c->lock, fl);
	if (dead) {
		if (req_claim(r, REQ_ARMED, REQ_DONE))
			req_complete(r, -ECANCELED, 0);
		return;
	}
	if (vfs_poll(r->file, NULL) & (r->events | POLLERR | POLLHUP)) {
		struct aio_hook h = { .req = r };
		req_wake(&h.w);
	}
}

static void aiod_main(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned long fl = spin_lock_irqsave(&aiod_lock);
		if (list_empty(&aiod_queue)) {
			set_current_state_blocked();	/* a callback after this wakes us */
			spin_unlock_irqrestore(&aiod_lock, fl);
			schedule();
			continue;
		}
		struct aio_req *r = list_first_entry(&aiod_queue, struct aio_req, qlink);
		list_del_init(&r->qlink);
		r->queued = false;
		spin_unlock_irqrestore(&aiod_lock, fl);
		if (req_claim(r, REQ_ARMED, REQ_RUNNING)) {
			long rc = req_try(r, false);
			if (rc != -EAGAIN) {
				__atomic_store_n(&r->state, REQ_DONE, __ATOMIC_RELEASE);
				req_complete(r, rc, 0);
			} else {
				req_rearm(r);
			}
		}
		req_put(r);
	}
}

static int aiod_start(void)
{
	static struct mutex start_mtx = {
		.wq = WAIT_QUEUE_INIT(start_mtx.wq, "aiod-start"),
		.dep = { "aiod-start", LR_MUTEX_AIO },
	};
	int rc = 0;

	if (__atomic_load_n(&aiod, __ATOMIC_ACQUIRE))
		return 0;
	mutex_lock(&start_mtx);
	if (!aiod) {
		struct task *t = kthread_create(aiod_main, NULL, "aiod");
		if (t)
			__atomic_store_n(&aiod, t, __ATOMIC_RELEASE);
		else
			rc = -ENOMEM;
	}
	mutex_unlock(&start_mtx);
	return rc;
}

/* r could not finish now: it waits on its file's queues. r->refs: the
 * caller's one becomes the request's own. */
static void req_arm(struct aio_req *r)
{
	struct kioctx *c = r->ctx;
	struct aio_pt q = { .pt = { .qproc = req_queue_proc }, .req = r };

	if (aiod_start()) {
		req_complete(r, -ENOMEM, 0);
		return;
	}
	atomic_inc(&r->refs);	/* ours while arming: aiod may complete it at once */
	unsigned long fl = spin_lock_irqsave(&c->lock);
	bool dead = c->dead;
	if (!dead)
		list_add_tail(&r->link, &c->active);
	spin_unlock_irqrestore(&c->lock, fl);
	if (dead) {
		req_complete(r, -ECANCELED, 0);
		req_put(r);
		return;
	}
	r->state = REQ_ARMING;	/* callbacks leave it alone while hooks are added */
	vfs_poll(r->file, &q.pt);
	if (r->nomem) {
		__atomic_store_n(&r->state, REQ_DONE, __ATOMIC_RELEASE);
		req_complete(r, -ENOMEM, 0);
	} else {
		req_rearm(r);
	}
	req_put(r);
}

/* ---- submission ---- */

static int iov_check(u64 uiov, u64 cnt)
{
	struct uiovec v;
	u64 total = 0;

	if (cnt > UIO_MAXIOV)
		return -EINVAL;
	for (u64 i = 0; i < cnt; i++) {
		if (copy_from_user(&v, (const void *)(uiov + i * sizeof(v)), sizeof(v)))
			return -EFAULT;
		if ((s64)v.len < 0 || __builtin_add_overflow(total, v.len, &total) ||
		    (s64)total < 0)
			return -EINVAL;
		u64 end;
		if (v.len && (__builtin_add_overflow(v.base, v.len, &end) || end > USER_TOP))
			return -EFAULT;
	}
	return 0;
}

/* PREAD/PWRITE/PREADV/PWRITEV, done now; the bytes or -errno. */
static long rw_now(struct file *f, const struct uiocb *cb, bool write, bool vec, s64 pos)
{
	long done = 0;

	if (!vec)
		done = file_rw_seg(f, cb->buf, MIN(cb->nbytes, MAX_RW_COUNT), write, pos,
				   cb->rw_flags);
	for (u64 i = 0; vec && i < cb->nbytes; i++) {
		struct uiovec v;
		if (copy_from_user(&v, (const void *)(cb->buf + i * sizeof(v)), sizeof(v))) {
			done = done ? done : -EFAULT;
			break;
		}
		if (!v.len)
			continue;
		long k = file_rw_seg(f, v.base, v.len, write, pos >= 0 ? pos + done : -1,
				     cb->rw_flags);
		if (k < 0) {
			done = done ? done : k;
			break;
		}
		done += k;
		if ((u64)k < v.len)
			break;
	}
	if (done > 0 && write && (cb->rw_flags & (RWF_DSYNC | RWF_SYNC)) && f->fop &&
	    f->fop->fsync) {
		int s = f->fop->fsync(f, !(cb->rw_flags & RWF_SYNC));
		if (s)
			done = s;
	}
	return done == -ERESTARTSYS ? -EINTR : done;
}

/* Checks Linux makes before a transfer starts (their errors are
 * io_submit's); then does it now, or arms it (1: r was armed). */
static long submit_rw(struct aio_req *r, const struct uiocb *cb, long *res)
{
	struct file *f = r->file;
	bool write = cb->opcode == IOCB_CMD_PWRITE || cb->opcode == IOCB_CMD_PWRITEV;
	bool vec = cb->opcode == IOCB_CMD_PREADV || cb->opcode == IOCB_CMD_PWRITEV;
	u32 acc = f->flags & O_ACCMODE;
	long rc;

	if ((f->flags & O_PATH) || acc == (write ? O_RDONLY : O_WRONLY))
		return -EBADF;
	if (!f->fop || !(write ? f->fop->write : f->fop->read))
		return -EINVAL;
	if ((rc = rwf_check(f, cb->rw_flags)))
		return rc;
	if (vec) {
		if ((rc = iov_check(cb->buf, cb->nbytes)))
			return rc;
	} else {
		u64 end;
		if (__builtin_add_overflow(cb->buf, MIN(cb->nbytes, MAX_RW_COUNT), &end) ||
		    end > USER_TOP)
			return -EFAULT;
	}
	bool seekable = f->fop->seekable;
	if (seekable && (cb->offset < 0 || (u64)cb->offset > MAX_FILE_SIZE))
		return -EINVAL;
	s64 pos = seekable ? cb->offset : -1;
	/* a pipe that would make the submitter wait: armed (single buffers) */
	if (pipe_of(f) && !vec && !(cb->rw_flags & RWF_NOWAIT) && cb->nbytes) {
		r->buf = cb->buf;
		r->nbytes = cb->nbytes;
		r->events = write ? POLLOUT : POLLIN;
		long t = req_try(r, true);
		if (t != -EAGAIN) {
			*res = t;
			return 0;
		}
		return 1;
	}
	*res = rw_now(f, cb, write, vec, pos);
	return 0;
}

static long submit_one(struct kioctx *c, u64 uptr)
{
	struct uiocb cb;
	long rc, res = 0;

	if (!uptr || copy_from_user(&cb, (const void *)uptr, sizeof(cb)))
		return -EFAULT;
	if (cb.reserved2)
		return -EINVAL;
	if ((s64)cb.nbytes < 0)
		return -EINVAL;
	/* a slot in the ring for its event */
	unsigned long fl = spin_lock_irqsave(&c->lock);
	bool full = c->dead || c->inflight + ring_used(c) >= c->nr - 1;
	if (!full)
		c->inflight++;
	bool dead = c->dead;
	spin_unlock_irqrestore(&c->lock, fl);
	if (full)
		return dead ? -EINVAL : -EAGAIN;
	struct aio_req *r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		rc = -ENOMEM;
		goto unslot;
	}
	atomic_set(&r->refs, 1);
	list_init(&r->link);
	list_init(&r->qlink);
	ctx_get(c);
	r->ctx = c;
	r->obj = uptr;
	r->data = cb.data;
	r->op = cb.opcode;
	r->state = REQ_DONE;
	if (!(r->file = fget(cb.fildes))) {
		rc = -EBADF;
		goto free;
	}
	if (cb.flags & IOCB_FLAG_RESFD) {
		if (!(r->resfd = fget(cb.resfd))) {
			rc = -EBADF;
			goto free;
		}
		if (!file_is_eventfd(r->resfd)) {
			rc = -EINVAL;
			goto free;
		}
	}
	u32 key = KIOCB_KEY;
	if (copy_to_user((void *)(uptr + offsetof(struct uiocb, key)), &key, sizeof(key))) {
		rc = -EFAULT;
		goto free;
	}
	if ((cb.flags & IOCB_FLAG_IOPRIO) && (cb.reqprio < 0 || ((u16)cb.reqprio >> 13) > 3)) {
		rc = -EINVAL;
		goto free;
	}
	switch (cb.opcode) {
	case IOCB_CMD_PREAD:
	case IOCB_CMD_PWRITE:
	case IOCB_CMD_PREADV:
	case IOCB_CMD_PWRITEV:
		rc = submit_rw(r, &cb, &res);
		break;
	case IOCB_CMD_FSYNC:
	case IOCB_CMD_FDSYNC: {
		struct file *f = r->file;
		if (cb.buf || cb.offset || cb.nbytes || cb.rw_flags) {
			rc = -EINVAL;
			break;
		}
		if (f->flags & O_PATH) {
			rc = -EBADF;
			break;
		}
		rc = 0;
		if (f->fop && f->fop->fsync)
			res = f->fop->fsync(f, cb.opcode == IOCB_CMD_FDSYNC);
		else if (!f->inode || !(S_ISREG(f->inode->mode) || S_ISDIR(f->inode->mode)))
			rc = -EINVAL;	/* pipes, sockets: no fsync (Linux's check) */
		break;
	}
	case IOCB_CMD_POLL:
		if ((u16)cb.buf != cb.buf || cb.offset || cb.nbytes || cb.rw_flags) {
			rc = -EINVAL;
			break;
		}
		r->events = (u32)cb.buf;
		res = (long)(vfs_poll(r->file, NULL) & (r->events | POLLERR | POLLHUP));
		rc = res ? 0 : 1;
		break;
	default:
		rc = -EINVAL;	/* NOOP included, as Linux */
	}
	if (rc < 0)
		goto free;
	if (rc == 1) {
		r->mm = current_task()->mm;
		user_mm_grab(r->mm);
		req_arm(r);
		return 0;
	}
	req_complete(r, res, 0);
	return 0;
free:
	req_put(r);
unslot:
	fl = spin_lock_irqsave(&c->lock);
	c->inflight--;
	spin_unlock_irqrestore(&c->lock, fl);
	wake_up_all(&c->wait);
	return rc;
}

/* ---- destruction ---- */

/* Takes c off its list (once), cancels its armed requests, waits for the
 * rest; unmap: its ring too (io_destroy, as Linux). */
static int ctx_kill(struct kioctx *c, bool unmap)
{
	unsigned long fl = spin_lock_irqsave(&aio_list_lock);
	bool first = !c->killed;

	if (first) {
		c->killed = true;
		list_del_init(&c->link);
		aio_nr -= c->max_reqs;
	}
	spin_unlock_irqrestore(&aio_list_lock, fl);
	if (!first)
		return -EINVAL;
	fl = spin_lock_irqsave(&c->lock);
	c->dead = true;
	spin_unlock_irqrestore(&c->lock, fl);
	for (;;) {
		struct aio_req *r = NULL;
		fl = spin_lock_irqsave(&c->lock);
		if (!list_empty(&c->active)) {
			r = list_first_entry(&c->active, struct aio_req, link);
			list_del_init(&r->link);
			atomic_inc(&r->refs);
		}
		spin_unlock_irqrestore(&c->lock, fl);
		if (!r)
			break;
		if (req_claim(r, REQ_ARMED, REQ_DONE))
			req_complete(r, -ECANCELED, 0);
		req_put(r);	/* a running one completes by itself */
	}
	wait_event(c->wait, READ_ONCE(c->inflight) == 0);
	wake_up_all(&c->wait);	/* getevents sleepers see it dead */
	if (unmap) {
		struct user_mm *mm = c->mm;
		down_write(&mm->lock);
		struct vma *v = vma_find(mm, c->id);
		if (v && v->ops == &aio_ring_ops && v->obj == c)
			vma_unmap(mm, v->start, v->end);
		up_write(&mm->lock);
	}
	ctx_put(c);	/* the list's */
	return 0;
}

void aio_exit_mm(struct user_mm *mm)
{
	for (;;) {
		struct kioctx *c = NULL, *it;
		unsigned long fl = spin_lock_irqsave(&aio_list_lock);
		list_for_each_entry(it, &aio_list, link) {
			if (it->mm == mm) {
				c = it;
				ctx_get(c);
				break;
			}
		}
		spin_unlock_irqrestore(&aio_list_lock, fl);
		if (!c)
			return;
		ctx_kill(c, false);
		ctx_put(c);
	}
}

/* ---- the syscalls ---- */

long sys_io_setup(SYSARGS)
{
	u32 nr_events = (u32)a0;
	u64 uctx = a1, id;

	if (copy_from_user(&id, (const void *)uctx, sizeof(id)))
		return -EFAULT;
	if (id || !nr_events)
		return -EINVAL;
	u64 n = MAX((u64)nr_events, (u64)nr_cpus * 4) * 2;
	if (n > 0x10000000u / AIO_EV)
		return -EINVAL;
	if ((long)nr_events > READ_ONCE(aio_max_nr))
		return -EAGAIN;
	u64 len = ALIGN_UP(AIO_HDR + n * AIO_EV, PAGE_SIZE);
	unsigned long fl = spin_lock_irqsave(&aio_list_lock);
	bool over = aio_nr + nr_events > aio_max_nr;
	if (!over)
		aio_nr += nr_events;	/* given back by ctx_kill, or below */
	spin_unlock_irqrestore(&aio_list_lock, fl);
	if (over)
		return -EAGAIN;
	long rc = -ENOMEM;
	struct kioctx *c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		goto unaccount;
	if (ring_mem_alloc(&c->rm, len)) {
		kfree(c);
		goto unaccount;
	}
	atomic_set(&c->refs, 1);
	c->mm = current_task()->mm;
	user_mm_grab(c->mm);
	c->max_reqs = nr_events;
	c->nr = (u32)((len - AIO_HDR) / AIO_EV);
	c->map_len = len;
	spin_lock_init(&c->lock, "aio-ctx", LR_AIO);
	list_init(&c->active);
	list_init(&c->link);
	wait_queue_init(&c->wait, "aio");
	mutex_init(&c->ring_mtx, "aio-ring", LR_MUTEX_AIO);
	struct aio_ring_hdr *h = ring_hdr(c);
	*h = (struct aio_ring_hdr){ .id = ~0u, .nr = c->nr, .magic = AIO_RING_MAGIC,
				    .compat = AIO_RING_COMPAT, .header_length = AIO_HDR };
	/* the program's view of the ring: its id */
	struct user_mm *mm = c->mm;
	down_write(&mm->lock);
	u64 addr = vma_find_free(mm, len);
	if (!addr || !rlimit_as_allows(mm, addr, len))
		rc = -ENOMEM;
	else
		rc = vma_add_object(mm, addr, addr + len, UVM_READ | UVM_WRITE, &aio_ring_ops, c,
				    0, true, VMA_MAY_READ | VMA_MAY_WRITE | VMA_MAY_SHARE);
	up_write(&mm->lock);
	if (rc) {
		ctx_put(c);
		goto unaccount;
	}
	c->id = addr;
	fl = spin_lock_irqsave(&aio_list_lock);
	list_add_tail(&c->link, &aio_list);
	spin_unlock_irqrestore(&aio_list_lock, fl);
	if (copy_to_user((void *)uctx, &c->id, sizeof(c->id))) {
		ctx_kill(c, true);	/* gives the count back */
		return -EFAULT;
	}
	return 0;
unaccount:
	fl = spin_lock_irqsave(&aio_list_lock);
	aio_nr -= nr_events;
	spin_unlock_irqrestore(&aio_list_lock, fl);
	return rc;
}

long sys_io_destroy(SYSARGS)
{
	struct kioctx *c = ctx_lookup(a0);

	if (!c)
		return -EINVAL;
	int rc = ctx_kill(c, true);
	ctx_put(c);
	return rc;
}

long sys_io_submit(SYSARGS)
{
	s64 nr = (s64)a1;
	u64 uarr = a2;
	long i, rc = 0;

	if (nr < 0)
		return -EINVAL;
	struct kioctx *c = ctx_lookup(a0);
	if (!c)
		return -EINVAL;
	if (nr > c->nr)
		nr = c->nr;
	for (i = 0; i < nr; i++) {
		u64 uptr;
		if (copy_from_user(&uptr, (const void *)(uarr + (u64)i * 8), 8)) {
			rc = -EFAULT;
			break;
		}
		if ((rc = submit_one(c, uptr)))
			break;
	}
	ctx_put(c);
	return i ? i : rc;
}

/* Up to nr events to the user, the head moved past them; count or -EFAULT. */
static long reap(struct kioctx *c, u64 uev, long nr)
{
	long got = 0;

	mutex_lock(&c->ring_mtx);
	while (got < nr) {
		unsigned long fl = spin_lock_irqsave(&c->lock);
		u32 tail = c->tail;
		spin_unlock_irqrestore(&c->lock, fl);
		u32 head = ring_head(c);
		if (head == tail)
			break;
		struct io_event_k ev = *ring_ev(c, head);
		if (copy_to_user((void *)(uev + (u64)got * AIO_EV), &ev, sizeof(ev))) {
			if (!got)
				got = -EFAULT;
			break;
		}
		__atomic_store_n(&ring_hdr(c)->head, (head + 1) % c->nr, __ATOMIC_RELEASE);
		got++;
	}
	mutex_unlock(&c->ring_mtx);
	if (got > 0)
		wake_up_all(&c->wait);	/* room for submitters */
	return got;
}

static bool events_or_dead(struct kioctx *c)
{
	unsigned long fl = spin_lock_irqsave(&c->lock);
	bool r = c->dead || ring_used(c);

	spin_unlock_irqrestore(&c->lock, fl);
	return r;
}

static long getevents(u64 id, s64 min_nr, s64 nr, u64 uev, u64 uts)
{
	struct timespec64 ts;
	u64 timeout = ~0ULL;

	if (uts) {
		if (copy_from_user(&ts, (const void *)uts, sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			timeout = 0;	/* Linux: an expired timer */
		else
			timeout = (u64)ts.sec >= ~0ULL / 1000000000ULL - 1 ? ~0ULL :
				  (u64)ts.sec * 1000000000ULL + (u64)ts.nsec;
	}
	struct kioctx *c = ctx_lookup(id);
	if (!c)
		return -EINVAL;
	long got = 0, rc = 0;
	if (min_nr < 0 || nr < 0 || min_nr > nr) {
		ctx_put(c);
		return -EINVAL;
	}
	u64 now = ktime_ns();
	u64 deadline = timeout > ~0ULL - now ? ~0ULL : now + timeout;
	for (;;) {
		long k = reap(c, uev + (u64)got * AIO_EV, nr - got);
		if (k < 0) {
			rc = k;
			break;
		}
		got += k;
		if (got >= min_nr || got >= nr)
			break;
		struct waiter w = { .task = NULL };
		prepare_to_wait(&c->wait, &w);
		bool ready = events_or_dead(c) || signal_pending();
		now = ktime_ns();
		if (!ready && now < deadline) {
			if (deadline == ~0ULL)
				schedule();
			else
				schedule_timeout(deadline - now);
		}
		finish_wait(&c->wait, &w);
		if (READ_ONCE(c->dead)) {	/* destroyed: what is left, or EINVAL */
			k = reap(c, uev + (u64)got * AIO_EV, nr - got);
			got += k > 0 ? k : 0;
			rc = got ? 0 : -EINVAL;
			break;
		}
		if (signal_pending()) {
			rc = -EINTR;
			break;
		}
		if (ktime_ns() >= deadline) {
			k = reap(c, uev + (u64)got * AIO_EV, nr - got);
			got += k > 0 ? k : 0;
			break;
		}
	}
	ctx_put(c);
	return got ? got : rc;
}

long sys_io_getevents(SYSARGS)
{
	return getevents(a0, (s64)a1, (s64)a2, a3, a4);
}

long sys_io_pgetevents(SYSARGS)
{
	struct { u64 sigmask, sigsetsize; } us = { 0, 0 };
	u64 saved = 0;
	bool swapped = false;

	if (a5 && copy_from_user(&us, (const void *)a5, sizeof(us)))
		return -EFAULT;
	long rc = with_sigmask(us.sigmask, us.sigsetsize, &saved, &swapped);
	if (rc)
		return rc;
	rc = getevents(a0, (s64)a1, (s64)a2, a3, a4);
	restore_sigmask(saved, swapped, rc == -EINTR || (rc == 0 && signal_pending()) ? -EINTR : rc);
	return rc;
}

long sys_io_cancel(SYSARGS)
{
	u64 uiocb = a1;
	u32 key;

	if (copy_from_user(&key, (const void *)(uiocb + offsetof(struct uiocb, key)), sizeof(key)))
		return -EFAULT;
	if (key != KIOCB_KEY)
		return -EINVAL;
	struct kioctx *c = ctx_lookup(a0);
	if (!c)
		return -EINVAL;
	struct aio_req *r = NULL, *it;
	unsigned long fl = spin_lock_irqsave(&c->lock);
	list_for_each_entry(it, &c->active, link) {
		if (it->obj == uiocb) {
			r = it;
			atomic_inc(&r->refs);
			break;
		}
	}
	spin_unlock_irqrestore(&c->lock, fl);
	long rc = -EINVAL;
	if (r && req_claim(r, REQ_ARMED, REQ_DONE)) {
		/* Linux: a cancelled poll reports no event mask */
		req_complete(r, r->op == IOCB_CMD_POLL ? 0 : -ECANCELED, 0);
		rc = -EINPROGRESS;
	}
	if (r)
		req_put(r);
	ctx_put(c);
	return rc;
}
