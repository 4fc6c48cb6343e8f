/*
 * io_uring (docs/aio.md): io_uring_setup, io_uring_enter, io_uring_register.
 *
 * A ring is a file (anonymous, "[io_uring]") whose private data is a
 * struct uring. Its SQ and CQ rings share one set of kernel pages
 * (IORING_FEAT_SINGLE_MMAP: IORING_OFF_SQ_RING and IORING_OFF_CQ_RING map
 * the same object), the SQEs another; mmap of the file maps them
 * (file_ops.mmap_object), and the kernel reads and writes them through
 * its own mapping.
 *
 * Requests run in io_uring_enter, in the submitter, in order. One that
 * would wait (a read or write of a pipe, socket or terminal opened
 * without O_NONBLOCK, a POLL_ADD, a TIMEOUT) is kept on the ring's
 * pending list and retried when a thread of the submitting address
 * space enters again (IORING_ENTER_GETEVENTS sleeps on the files' wait
 * queues meanwhile, and the ring's own poll reports POLLIN once one is
 * ready), as Linux's task_work runs in the submitter. So no other
 * context ever touches the submitter's memory: a process that exits or
 * execs leaves its requests to be cancelled when the ring file goes.
 *
 * Owner and lifetime: struct uring is reference counted: the file holds
 * one (dropped at its release, which cancels the pending requests and
 * lets go of registered files and the eventfd), each ring VMA one (the
 * pages outlive the file while mapped). Pending requests hold their file
 * and are only touched under uring->mtx.
 *
 * Locks: uring->mtx (mutex LR_MUTEX_URING, before everything a request
 * does: the VFS, sockets, user memory) > uring->cq_lock (spinlock LR_AIO:
 * the CQ tail; then only wait queues).
 */
#include <alloy/aio.h>
#include <alloy/errno.h>
#include <alloy/event.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/mutex.h>
#include <alloy/poll.h>
#include <alloy/process.h>
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
#include <uapi/capability.h>
#include <uapi/fcntl.h>
#include "../syscall/sysfs.h"
#include "../syscall/syspoll.h"

/* <linux/io_uring.h> */
enum {
	OP_NOP, OP_READV, OP_WRITEV, OP_FSYNC, OP_READ_FIXED, OP_WRITE_FIXED, OP_POLL_ADD,
	OP_POLL_REMOVE, OP_SYNC_FILE_RANGE, OP_SENDMSG, OP_RECVMSG, OP_TIMEOUT,
	OP_TIMEOUT_REMOVE, OP_ACCEPT, OP_ASYNC_CANCEL, OP_LINK_TIMEOUT, OP_CONNECT,
	OP_FALLOCATE, OP_OPENAT, OP_CLOSE, OP_FILES_UPDATE, OP_STATX, OP_READ, OP_WRITE,
	OP_LAST = 58,
};
#define IOSQE_FIXED_FILE 1
#define IOSQE_IO_DRAIN 2
#define IOSQE_IO_LINK 4
#define IOSQE_IO_HARDLINK 8
#define IOSQE_ASYNC 16
#define IOSQE_BUFFER_SELECT 32
#define IOSQE_CQE_SKIP_SUCCESS 64
#define SETUP_IOPOLL 1
#define SETUP_SQPOLL 2
#define SETUP_SQ_AFF 4
#define SETUP_CQSIZE 8
#define SETUP_CLAMP 16
#define SETUP_SUBMIT_ALL 128
#define SETUP_COOP_TASKRUN 256
#define SETUP_SINGLE_ISSUER 4096
#define SETUP_OK (SETUP_CQSIZE | SETUP_CLAMP | SETUP_SUBMIT_ALL | SETUP_COOP_TASKRUN | \
		  SETUP_SINGLE_ISSUER)
#define FEAT_SINGLE_MMAP 1
#define FEAT_SUBMIT_STABLE 4
#define FEAT_RW_CUR_POS 8
#define ENTER_GETEVENTS 1
#define ENTER_KNOWN 31		/* GETEVENTS SQ_WAKEUP SQ_WAIT EXT_ARG REGISTERED_RING */
#define OFF_SQ_RING 0ULL
#define OFF_CQ_RING 0x8000000ULL
#define OFF_SQES 0x10000000ULL
#define FSYNC_DATASYNC 1
#define TIMEOUT_ABS 1
#define POLL_ADD_MULTI 1
#define REG_BUFFERS 0
#define UNREG_BUFFERS 1
#define REG_FILES 2
#define UNREG_FILES 3
#define REG_EVENTFD 4
#define UNREG_EVENTFD 5
#define REG_EVENTFD_ASYNC 7
#define REG_PROBE 8
#define OP_SUPPORTED 1
#define MAX_ENTRIES 32768
#define MAX_CQ_ENTRIES (2 * MAX_ENTRIES)
#define MAX_BUFS 16384
#define MAX_FILES 32768
#define UIO_MAXIOV 1024
#define MAX_RW_COUNT 0x7ffff000ULL

struct sqe {
	u8 opcode, flags;
	u16 ioprio;
	s32 fd;
	u64 off, addr;
	u32 len, op_flags;
	u64 user_data;
	u16 buf_index, personality;
	u32 file_index;
	u64 addr3, pad2;
};
_Static_assert(sizeof(struct sqe) == 64, "io_uring_sqe");

struct cqe {
	u64 user_data;
	s32 res;
	u32 flags;
};

struct uring_params {
	u32 sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd;
	u32 resv[3];
	u32 sq_off[10];		/* head tail mask entries flags dropped array resv1 (u64 resv2) */
	u32 cq_off[10];		/* head tail mask entries overflow cqes flags resv1 (u64 resv2) */
};
_Static_assert(sizeof(struct uring_params) == 120, "io_uring_params");

/* Where things are in the ring pages (the offsets io_uring_setup gives). */
#define R_SQ_HEAD 0
#define R_SQ_TAIL 4
#define R_SQ_MASK 8
#define R_SQ_ENTRIES 12
#define R_SQ_FLAGS 16
#define R_SQ_DROPPED 20
#define R_CQ_HEAD 64
#define R_CQ_TAIL 68
#define R_CQ_MASK 72
#define R_CQ_ENTRIES 76
#define R_CQ_OVERFLOW 80
#define R_CQ_FLAGS 84
#define R_CQES 128

struct kvec {
	u64 base, len;
};

struct pending {
	struct list_head link;
	struct sqe sqe;
	struct file *file;		/* a reference, or NULL (TIMEOUT) */
	struct user_mm *mm;		/* the submitter's (identity only, grabbed) */
	u32 want;			/* readiness that lets it run */
	u64 deadline;			/* TIMEOUT: ktime_ns; ~0 none */
	u64 target;			/* TIMEOUT with a count: cq_seq to reach; 0 none */
};

struct uring {
	atomic_t refs;
	u32 sq_entries, cq_entries, flags;
	u64 array_off, rings_len;
	struct ring_mem rings, sqes;
	struct mutex mtx;		/* submission, pending, registrations */
	u32 sq_head;			/* [mtx] the kernel's own */
	spinlock_t cq_lock;
	u32 cq_tail;			/* [cq_lock] */
	u64 cq_seq;			/* [cq_lock] completions posted, for TIMEOUT counts */
	struct wait_queue cq_wait;	/* enter's waiters; the ring's pollers */
	struct list_head pending;	/* [mtx and plock: either to read] */
	spinlock_t plock;		/* the ring's poll reads the list under it */
	struct kvec *bufs;		/* [mtx] registered buffers */
	u32 nr_bufs;
	struct file **files;		/* [mtx] registered files (NULL: a hole) */
	u32 nr_files;
	struct file *evfd;		/* [mtx] */
};

static long io_uring_disabled;
SYSCTL_INT(io_uring_disabled, "kernel/io_uring_disabled", 0644, &io_uring_disabled, 0, 2);

static const struct file_ops uring_fops;

static void uring_put(struct uring *u)
{
	if (!atomic_dec_and_test(&u->refs))
		return;
	ring_mem_free(&u->rings);
	ring_mem_free(&u->sqes);
	kfree(u);
}

static u32 *rword(struct uring *u, u64 off)
{
	return ring_mem_at(&u->rings, off, 4);
}

/* ---- completions ---- */

static void post(struct uring *u, u64 data, s32 res)
{
	unsigned long fl = spin_lock_irqsave(&u->cq_lock);
	u32 head = __atomic_load_n(rword(u, R_CQ_HEAD), __ATOMIC_ACQUIRE);

	if (u->cq_tail - head >= u->cq_entries) {
		/* the program did not reap: the event is lost and counted */
		__atomic_fetch_add(rword(u, R_CQ_OVERFLOW), 1, __ATOMIC_RELAXED);
	} else {
		struct cqe *c = ring_mem_at(&u->rings,
					    R_CQES + (u64)(u->cq_tail & (u->cq_entries - 1)) * 16, 16);
		c->user_data = data;
		c->res = res;
		c->flags = 0;
		u->cq_tail++;
		__atomic_store_n(rword(u, R_CQ_TAIL), u->cq_tail, __ATOMIC_RELEASE);
	}
	u->cq_seq++;
	spin_unlock_irqrestore(&u->cq_lock, fl);
	if (u->evfd)
		eventfd_signal(u->evfd, 1);
	wake_up_all(&u->cq_wait);
}

static u32 cq_ready(struct uring *u)
{
	unsigned long fl = spin_lock_irqsave(&u->cq_lock);
	u32 n = u->cq_tail - __atomic_load_n(rword(u, R_CQ_HEAD), __ATOMIC_ACQUIRE);

	spin_unlock_irqrestore(&u->cq_lock, fl);
	return MIN(n, u->cq_entries);
}

/* ---- requests ---- */

#define WOULD_WAIT (-529L)	/* Linux's EIOCBQUEUED, never seen by users: kept pending */

static long rw_file(struct file *f, u64 buf, u64 len, s64 off, u32 rwf, bool write)
{
	u32 acc = f->flags & O_ACCMODE;
	long rc;

	if ((f->flags & O_PATH) || acc == (write ? O_RDONLY : O_WRONLY))
		return -EBADF;
	if ((rc = rwf_check(f, rwf)))
		return rc;
	s64 pos = f->fop && f->fop->seekable ? off : -1;	/* -1: the file's own */
	if (pos < -1)
		return -EINVAL;
	rc = file_rw_seg(f, buf, MIN(len, MAX_RW_COUNT), write, pos, rwf);
	return rc == -ERESTARTSYS ? -EINTR : rc;
}

static long rwv_file(struct file *f, u64 uiov, u64 cnt, s64 off, u32 rwf, bool write)
{
	long done = 0;

	if (cnt > UIO_MAXIOV)
		return -EINVAL;
	for (u64 i = 0; i < cnt; i++) {
		struct kvec v;
		if (copy_from_user(&v, (const void *)(uiov + i * sizeof(v)), sizeof(v)))
			return done ? done : -EFAULT;
		if ((s64)v.len < 0)
			return done ? done : -EINVAL;
		if (!v.len)
			continue;
		s64 at = off >= 0 ? off + done : off;
		long k = rw_file(f, v.base, v.len, at, rwf, write);
		if (k < 0)
			return done ? done : k;
		done += k;
		if ((u64)k < v.len)
			break;
	}
	return done;
}

/* A blocking file that is not ready for this transfer: it waits. */
static bool must_wait(struct file *f, u32 want, bool async_ok)
{
	if (!async_ok || !file_can_poll(f) || (READ_ONCE(f->flags) & O_NONBLOCK))
		return false;
	return !(vfs_poll(f, NULL) & (want | POLLERR | POLLHUP));
}

static struct file *req_file(struct uring *u, const struct sqe *s, long *err)
{
	struct file *f;

	if (s->flags & IOSQE_FIXED_FILE) {
		f = (u32)s->fd < u->nr_files ? u->files[s->fd] : NULL;
		if (f)
			file_get(f);
	} else {
		f = fget((u64)(s64)s->fd);
	}
	if (f && f->fop == &uring_fops) {
		/* a ring's request on a ring: its reference could keep the
		 * ring alive for ever (on itself), or release one under
		 * another's mutex; refused */
		file_put(f);
		f = NULL;
	}
	*err = f ? 0 : -EBADF;
	return f;
}

/* One request; its result, or WOULD_WAIT with *want set (first: at
 * submit, when a fresh one may be kept). f: the request's file, or NULL. */
static long run_op(struct uring *u, const struct sqe *s, struct file *f, u32 *want, bool first)
{
	bool write = false;

	switch (s->opcode) {
	case OP_NOP:
		return 0;
	case OP_WRITEV:
	case OP_WRITE:
	case OP_WRITE_FIXED:
		write = true;
		/* fall through */
	case OP_READV:
	case OP_READ:
	case OP_READ_FIXED: {
		u32 rwf = s->op_flags;
		if (s->opcode == OP_READ_FIXED || s->opcode == OP_WRITE_FIXED) {
			u64 end;
			if (s->buf_index >= u->nr_bufs)
				return -EFAULT;
			struct kvec *b = &u->bufs[s->buf_index];
			if (__builtin_add_overflow(s->addr, (u64)s->len, &end) || s->addr < b->base ||
			    end > b->base + b->len)
				return -EFAULT;
		}
		*want = write ? POLLOUT : POLLIN;
		if (must_wait(f, *want, true))
			return WOULD_WAIT;
		if (s->opcode == OP_READV || s->opcode == OP_WRITEV)
			return rwv_file(f, s->addr, s->len, (s64)s->off, rwf, write);
		return rw_file(f, s->addr, s->len, (s64)s->off, rwf, write);
	}
	case OP_FSYNC:
		if (s->op_flags & ~(u32)FSYNC_DATASYNC || s->addr || s->buf_index)
			return -EINVAL;
		if (f->fop && f->fop->fsync)
			return f->fop->fsync(f, s->op_flags & FSYNC_DATASYNC);
		return f->inode && (S_ISREG(f->inode->mode) || S_ISDIR(f->inode->mode)) ? 0 :
		       -EINVAL;
	case OP_POLL_ADD: {
		if (s->addr || s->off || (s->len & ~0u))
			return -EINVAL;	/* multishot and the rest: not here */
		u32 ev = s->op_flags | POLLERR | POLLHUP;
		u32 m = vfs_poll(f, NULL) & ev;
		*want = ev;
		return m ? (long)m : WOULD_WAIT;
	}
	case OP_SENDMSG:
	case OP_RECVMSG: {
		bool send = s->opcode == OP_SENDMSG;
		if (s->flags & IOSQE_FIXED_FILE)
			return -EINVAL;	/* by descriptor number only */
		*want = send ? POLLOUT : POLLIN;
		if (must_wait(f, *want, true))
			return WOULD_WAIT;
		long rc = send ? sys_sendmsg((u64)(s64)s->fd, s->addr, s->op_flags, 0, 0, 0)
			       : sys_recvmsg((u64)(s64)s->fd, s->addr, s->op_flags, 0, 0, 0);
		return rc;
	}
	default:
		(void)first;
		return -EINVAL;
	}
}

/* Requests that need no file of the ring's: TIMEOUT, POLL_REMOVE,
 * TIMEOUT_REMOVE, OPENAT, CLOSE, STATX (by descriptor number or path). */
static bool fileless(u8 op)
{
	return op == OP_NOP || op == OP_TIMEOUT || op == OP_POLL_REMOVE || op == OP_TIMEOUT_REMOVE ||
	       op == OP_OPENAT || op == OP_CLOSE || op == OP_STATX;
}

static long keep(struct uring *u, const struct sqe *s, struct file *f, u32 want, u64 deadline,
		 u64 target)
{
	struct pending *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	p->sqe = *s;
	p->file = f ? file_get(f) : NULL;
	p->mm = current_task()->mm;
	user_mm_grab(p->mm);
	p->want = want;
	p->deadline = deadline;
	p->target = target;
	unsigned long fl = spin_lock_irqsave(&u->plock);
	list_add_tail(&p->link, &u->pending);
	spin_unlock_irqrestore(&u->plock, fl);
	return 0;
}

static void drop_pending(struct uring *u, struct pending *p)
{
	unsigned long fl = spin_lock_irqsave(&u->plock);

	list_del(&p->link);
	spin_unlock_irqrestore(&u->plock, fl);
	if (p->file)
		file_put(p->file);
	user_mm_drop(p->mm);
	kfree(p);
}

/* Takes out the pending request matching (op, user_data): 0 or -ENOENT. */
static long remove_pending(struct uring *u, u8 op, u64 data)
{
	struct pending *p, *n;

	list_for_each_entry_safe(p, n, &u->pending, link) {
		if (p->sqe.opcode == op && p->sqe.user_data == data) {
			post(u, data, -ECANCELED);
			drop_pending(u, p);
			return 0;
		}
	}
	return -ENOENT;
}

static long timeout_add(struct uring *u, const struct sqe *s)
{
	struct timespec64 ts;

	if (s->len != 1 || s->buf_index || (s->op_flags & ~(u32)TIMEOUT_ABS))
		return -EINVAL;
	if (copy_from_user(&ts, (const void *)s->addr, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
		return -EINVAL;
	u64 ns = (u64)ts.sec >= ~0ULL / 1000000000ULL - 1 ? ~0ULL / 2 :
		 (u64)ts.sec * 1000000000ULL + (u64)ts.nsec;
	u64 now = ktime_ns();
	u64 deadline = (s->op_flags & TIMEOUT_ABS) ? ns : (ns > ~0ULL - now ? ~0ULL - 1 : now + ns);
	unsigned long fl = spin_lock_irqsave(&u->cq_lock);
	u64 target = s->off ? u->cq_seq + s->off : 0;
	spin_unlock_irqrestore(&u->cq_lock, fl);
	long rc = keep(u, s, NULL, 0, deadline, target);
	return rc ? rc : WOULD_WAIT;
}

/* mtx held: one SQE, submitted; its completion posted unless kept. */
static void submit_sqe(struct uring *u, const struct sqe *s)
{
	long res, err = 0;
	struct file *f = NULL;
	u32 want = 0;

	if (s->flags & ~(u32)(IOSQE_FIXED_FILE | IOSQE_IO_DRAIN | IOSQE_ASYNC |
			      IOSQE_CQE_SKIP_SUCCESS)) {
		res = -EINVAL;	/* links and buffer selection are not built */
		goto done;
	}
	switch (s->opcode) {
	case OP_TIMEOUT:
		res = timeout_add(u, s);
		goto done;
	case OP_TIMEOUT_REMOVE:
		res = s->len || s->off ? -EINVAL : remove_pending(u, OP_TIMEOUT, s->addr);
		goto done;
	case OP_POLL_REMOVE:
		res = s->len || s->off ? -EINVAL : remove_pending(u, OP_POLL_ADD, s->addr);
		goto done;
	case OP_OPENAT:
		res = sys_openat((u64)(s64)s->fd, s->addr, s->op_flags, s->len, 0, 0);
		goto done;
	case OP_CLOSE: {
		struct file *c = (s->flags & IOSQE_FIXED_FILE) || s->addr || s->len || s->off ?
				 NULL : fget((u64)(s64)s->fd);
		if (!c) {
			res = (s->flags & IOSQE_FIXED_FILE) || s->addr || s->len || s->off ? -EINVAL
											    : -EBADF;
			goto done;
		}
		bool ring = c->fop == &uring_fops;
		file_put(c);
		res = ring ? -EBADF : sys_close((u64)(s64)s->fd, 0, 0, 0, 0, 0);
		goto done;
	}
	case OP_STATX:
		res = sys_statx((u64)(s64)s->fd, s->addr, s->op_flags, s->len, s->off, 0);
		goto done;
	}
	if (!fileless(s->opcode) && !(f = req_file(u, s, &err))) {
		res = err;
		goto done;
	}
	res = s->opcode >= OP_LAST ? -EINVAL : run_op(u, s, f, &want, true);
	if (res == WOULD_WAIT) {
		long k = keep(u, s, f, want, ~0ULL, 0);
		res = k ? k : WOULD_WAIT;
	}
done:
	if (f)
		file_put(f);
	if (res == WOULD_WAIT)
		return;
	if (res == -ERESTARTSYS)
		res = -EINTR;
	if (!(res >= 0 && (s->flags & IOSQE_CQE_SKIP_SUCCESS)))
		post(u, s->user_data, (s32)res);
}

/* mtx held: retries what became ready, ends what timed out; pt (may be
 * NULL) puts the caller on the files' queues for the next wait. Returns
 * the earliest deadline left. Only the submitting address space's
 * requests run here: their buffers are its memory. */
static u64 run_pending(struct uring *u, struct poll_table *pt)
{
	struct pending *p, *n;
	u64 now = ktime_ns(), next = ~0ULL;

	list_for_each_entry_safe(p, n, &u->pending, link) {
		if (p->sqe.opcode == OP_TIMEOUT) {
			unsigned long fl = spin_lock_irqsave(&u->cq_lock);
			bool counted = p->target && u->cq_seq >= p->target;
			spin_unlock_irqrestore(&u->cq_lock, fl);
			if (counted || now >= p->deadline) {
				u64 data = p->sqe.user_data;
				drop_pending(u, p);
				post(u, data, counted ? 0 : -ETIME);
			} else if (p->deadline < next) {
				next = p->deadline;
			}
			continue;
		}
		if (p->mm != current_task()->mm)
			continue;
		u32 m = vfs_poll(p->file, pt);
		if (!(m & (p->want | POLLERR | POLLHUP)))
			continue;
		u32 want = 0;
		long res = run_op(u, &p->sqe, p->file, &want, false);
		if (res == WOULD_WAIT)
			continue;
		u64 data = p->sqe.user_data;
		u8 flags = p->sqe.flags;
		drop_pending(u, p);
		if (!(res >= 0 && (flags & IOSQE_CQE_SKIP_SUCCESS)))
			post(u, data, (s32)(res == -ERESTARTSYS ? -EINTR : res));
	}
	return next;
}

static long submit(struct uring *u, u32 to_submit)
{
	u32 *array = NULL;
	long done = 0;

	mutex_lock(&u->mtx);
	run_pending(u, NULL);
	u32 tail = __atomic_load_n(rword(u, R_SQ_TAIL), __ATOMIC_ACQUIRE);
	u32 avail = MIN(tail - u->sq_head, u->sq_entries);	/* a tail run ahead: clamped */
	u32 n = MIN(to_submit, avail);
	for (u32 i = 0; i < n; i++) {
		u32 slot = u->sq_head & (u->sq_entries - 1);
		array = ring_mem_at(&u->rings, u->array_off + (u64)slot * 4, 4);
		u32 idx = READ_ONCE(*array);
		u->sq_head++;
		__atomic_store_n(rword(u, R_SQ_HEAD), u->sq_head, __ATOMIC_RELEASE);
		if (idx >= u->sq_entries) {	/* a bad index: dropped, as Linux */
			__atomic_fetch_add(rword(u, R_SQ_DROPPED), 1, __ATOMIC_RELAXED);
			continue;
		}
		struct sqe s = *(struct sqe *)ring_mem_at(&u->sqes, (u64)idx * 64, 64);
		submit_sqe(u, &s);
		done++;
	}
	mutex_unlock(&u->mtx);
	return done;
}

/* Until min events are in the CQ: pending requests are retried as their
 * files wake us, timeouts end on time. */
static long wait_cq(struct uring *u, struct file *ring, u32 min)
{
	struct poll_wqueues *pw = kmalloc(sizeof(*pw), GFP_KERNEL);
	long rc = 0;

	if (!pw)
		return -ENOMEM;
	poll_wqueues_init(pw);
	min = MIN(min, u->cq_entries);
	for (;;) {
		/* on the queues first (a wakeup after this finds us), then
		 * retried: what is ready now runs */
		pw->pt.qproc(&pw->pt, ring, &u->cq_wait);
		mutex_lock(&u->mtx);
		u64 next = run_pending(u, &pw->pt);
		mutex_unlock(&u->mtx);
		set_current_state_blocked();
		if (cq_ready(u) >= min)
			break;
		if (signal_pending()) {
			rc = -EINTR;
			break;
		}
		bool again = false;
		if (mutex_trylock(&u->mtx)) {	/* woken before we were blocked? */
			struct pending *p;
			list_for_each_entry(p, &u->pending, link)
				if (p->file && p->mm == current_task()->mm &&
				    (vfs_poll(p->file, NULL) & (p->want | POLLERR | POLLHUP)))
					again = true;
			mutex_unlock(&u->mtx);
		} else {
			next = MIN(next, ktime_ns() + 1000000ULL);	/* busy: look again soon */
		}
		u64 now = ktime_ns();
		if (again)
			set_current_state_running();
		else if (next != ~0ULL)
			schedule_timeout(next > now ? next - now : 1);
		else if (pw->overflow)
			schedule_timeout(10000000ULL);
		else
			schedule();
		poll_wqueues_release(pw);
	}
	poll_wqueues_free(pw);
	set_current_state_running();
	kfree(pw);
	return rc;
}

/* ---- the ring file ---- */

#define POLL_WATCH 32	/* pending requests the ring's poll looks at */

static unsigned int uring_poll(struct file *f, struct poll_table *pt)
{
	struct uring *u = f->priv;
	unsigned int m = POLLOUT | POLLWRNORM;	/* submission never waits */
	struct file *fs[POLL_WATCH];
	u32 want[POLL_WATCH];
	int n = 0;

	poll_wait(pt, &u->cq_wait);
	if (cq_ready(u))
		return m | POLLIN | POLLRDNORM;
	/* a pending request that is ready: entering will complete it. Its
	 * files are taken under plock and asked with no lock held (a poll
	 * op may sleep, and epoll calls us under its own mutex). Only asked:
	 * the poller is not queued on them (a queue of a file the poller
	 * holds no reference to could go while it waits), so a poller is
	 * woken by completions only (docs/aio.md). */
	unsigned long fl = spin_lock_irqsave(&u->plock);
	struct pending *p;
	list_for_each_entry(p, &u->pending, link) {
		if (n == POLL_WATCH)
			break;
		if (p->file && p->file != f) {
			fs[n] = file_get(p->file);
			want[n++] = p->want | POLLERR | POLLHUP;
		}
	}
	spin_unlock_irqrestore(&u->plock, fl);
	for (int i = 0; i < n; i++) {
		if (vfs_poll(fs[i], NULL) & want[i])
			m |= POLLIN | POLLRDNORM;
		file_put(fs[i]);
	}
	return m;
}

static void unregister_files(struct uring *u)
{
	for (u32 i = 0; i < u->nr_files; i++)
		if (u->files[i])
			file_put(u->files[i]);
	kfree(u->files);
	u->files = NULL;
	u->nr_files = 0;
}

static void uring_release(struct file *f)
{
	struct uring *u = f->priv;

	/* The last reference: no enter or register runs (each holds one),
	 * so no mutex, which a closer may be ranked after (epoll's). */
	while (!list_empty(&u->pending))
		drop_pending(u, list_first_entry(&u->pending, struct pending, link));
	unregister_files(u);
	kfree(u->bufs);
	u->bufs = NULL;
	u->nr_bufs = 0;
	if (u->evfd)
		file_put(u->evfd);
	u->evfd = NULL;
	uring_put(u);
}

static void uvm_get(void *obj) { atomic_inc(&((struct uring *)obj)->refs); }
static void uvm_put(void *obj) { uring_put(obj); }
static void uvm_dirty(void *obj, struct page *p) { (void)obj; (void)p; }
static int uvm_sync(void *obj) { (void)obj; return 0; }

/* obj is the uring; page indices above 1 << 20 are the SQEs'. */
#define SQES_PGOFF (1ULL << 20)

static int uvm_page(void *obj, u64 index, bool shared_write, struct page **out)
{
	struct uring *u = obj;

	(void)shared_write;
	return index >= SQES_PGOFF ? ring_mem_page(&u->sqes, index - SQES_PGOFF, out)
				   : ring_mem_page(&u->rings, index, out);
}

static void uvm_describe(void *obj, char *path, size_t cap, u32 *dev, u64 *ino)
{
	(void)obj;
	strlcpy(path, "anon_inode:[io_uring]", cap);
	*dev = 0;
	*ino = 0;
}

static const struct vm_object_ops uring_vm_ops = {
	.get = uvm_get, .put = uvm_put, .page = uvm_page, .dirty = uvm_dirty,
	.sync = uvm_sync, .describe = uvm_describe,
};

static int uring_mmap(struct file *f, u64 off, u64 len, const struct vm_object_ops **ops,
		      void **obj, u64 *pgoff)
{
	struct uring *u = f->priv;
	const struct ring_mem *rm;

	switch (off) {
	case OFF_SQ_RING:
	case OFF_CQ_RING:
		rm = &u->rings;
		*pgoff = 0;
		break;
	case OFF_SQES:
		rm = &u->sqes;
		*pgoff = SQES_PGOFF;
		break;
	default:
		return -EINVAL;
	}
	if (len > (u64)rm->n * PAGE_SIZE)
		return -EINVAL;
	*ops = &uring_vm_ops;
	*obj = u;
	uvm_get(u);
	return 0;
}

static const struct file_ops uring_fops = {
	.poll = uring_poll, .release = uring_release, .mmap_object = uring_mmap,
};

static struct uring *uring_of(u64 fd, struct file **fp, long *err)
{
	struct file *f = fget(fd);

	*fp = f;
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	if (f->fop != &uring_fops) {
		file_put(f);
		*fp = NULL;
		*err = -EOPNOTSUPP;
		return NULL;
	}
	return f->priv;
}

/* ---- the syscalls ---- */

static u32 roundup_pow2(u32 n)
{
	u32 p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

long sys_io_uring_setup(SYSARGS)
{
	u32 entries = (u32)a0;
	struct uring_params p;

	if (copy_from_user(&p, (const void *)a1, sizeof(p)))
		return -EFAULT;
	for (int i = 0; i < 3; i++)
		if (p.resv[i])
			return -EINVAL;
	if (READ_ONCE(io_uring_disabled) == 2 ||
	    (READ_ONCE(io_uring_disabled) == 1 && !proc_capable(CAP_SYS_ADMIN)))
		return -EPERM;
	if (p.flags & ~(u32)SETUP_OK)
		return -EINVAL;	/* SQPOLL, IOPOLL and the rest are not built */
	if (!entries)
		return -EINVAL;
	if (entries > MAX_ENTRIES) {
		if (!(p.flags & SETUP_CLAMP))
			return -EINVAL;
		entries = MAX_ENTRIES;
	}
	u32 sq = roundup_pow2(entries), cq;
	if (p.flags & SETUP_CQSIZE) {
		if (!p.cq_entries)
			return -EINVAL;
		cq = p.cq_entries;
		if (cq > MAX_CQ_ENTRIES) {
			if (!(p.flags & SETUP_CLAMP))
				return -EINVAL;
			cq = MAX_CQ_ENTRIES;
		}
		cq = roundup_pow2(cq);
		if (cq < sq)
			return -EINVAL;
	} else {
		cq = 2 * sq;
	}
	struct uring *u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	atomic_set(&u->refs, 1);
	u->sq_entries = sq;
	u->cq_entries = cq;
	u->flags = p.flags;
	u->array_off = ALIGN_UP(R_CQES + (u64)cq * 16, 64);
	u->rings_len = u->array_off + (u64)sq * 4;
	mutex_init(&u->mtx, "io_uring", LR_MUTEX_URING);
	spin_lock_init(&u->cq_lock, "io_uring-cq", LR_AIO);
	wait_queue_init(&u->cq_wait, "io_uring");
	list_init(&u->pending);
	spin_lock_init(&u->plock, "io_uring-pending", LR_AIO);
	if (ring_mem_alloc(&u->rings, u->rings_len) || ring_mem_alloc(&u->sqes, (u64)sq * 64)) {
		uring_put(u);
		return -ENOMEM;
	}
	*rword(u, R_SQ_MASK) = sq - 1;
	*rword(u, R_SQ_ENTRIES) = sq;
	*rword(u, R_CQ_MASK) = cq - 1;
	*rword(u, R_CQ_ENTRIES) = cq;
	p.sq_entries = sq;
	p.cq_entries = cq;
	p.features = FEAT_SINGLE_MMAP | FEAT_SUBMIT_STABLE | FEAT_RW_CUR_POS;
	memset(p.sq_off, 0, sizeof(p.sq_off));
	memset(p.cq_off, 0, sizeof(p.cq_off));
	u32 sqo[] = { R_SQ_HEAD, R_SQ_TAIL, R_SQ_MASK, R_SQ_ENTRIES, R_SQ_FLAGS, R_SQ_DROPPED,
		      (u32)u->array_off };
	u32 cqo[] = { R_CQ_HEAD, R_CQ_TAIL, R_CQ_MASK, R_CQ_ENTRIES, R_CQ_OVERFLOW, R_CQES,
		      R_CQ_FLAGS };
	memcpy(p.sq_off, sqo, sizeof(sqo));
	memcpy(p.cq_off, cqo, sizeof(cqo));
	if (copy_to_user((void *)a1, &p, sizeof(p))) {
		uring_put(u);
		return -EFAULT;
	}
	struct file *f = anon_file(&uring_fops, u, O_RDWR);
	if (!f) {
		uring_put(u);
		return -ENOMEM;
	}
	return fd_install(cur_files(), f, 0, true);	/* the file owns u now */
}

long sys_io_uring_enter(SYSARGS)
{
	u32 to_submit = (u32)a1, min = (u32)a2, flags = (u32)a3;
	struct file *f;
	long err = 0;

	if (flags & ~(u32)ENTER_KNOWN)
		return -EINVAL;
	if (flags & ~(u32)ENTER_GETEVENTS)
		return -EINVAL;	/* SQPOLL's wakeups, EXT_ARG, registered rings: not built */
	struct uring *u = uring_of(a0, &f, &err);
	if (!u)
		return err;
	long done = to_submit ? submit(u, to_submit) : 0;
	long rc = 0;
	/* the common case: what was asked for is there (no wait to set up) */
	if ((flags & ENTER_GETEVENTS) && cq_ready(u) < MIN(min, u->cq_entries)) {
		u64 saved = 0;
		bool swapped = false;
		rc = with_sigmask(a4, a4 ? a5 : 0, &saved, &swapped);
		if (!rc)
			rc = wait_cq(u, f, min);
		restore_sigmask(saved, swapped, rc);
	}
	file_put(f);
	return done ? done : rc;
}

static long register_buffers(struct uring *u, u64 arg, u32 nr)
{
	if (u->bufs)
		return -EBUSY;
	if (!nr || nr > MAX_BUFS)
		return -EINVAL;
	struct kvec *v = kmalloc(nr * sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	long rc = copy_from_user(v, (const void *)arg, nr * sizeof(*v)) ? -EFAULT : 0;
	for (u32 i = 0; !rc && i < nr; i++) {
		u64 end;
		if (!v[i].base && v[i].len)
			rc = -EFAULT;
		else if (v[i].len > (1ULL << 30))
			rc = -EFAULT;	/* Linux's 1 GiB limit per buffer */
		else if (__builtin_add_overflow(v[i].base, v[i].len, &end) || end > USER_TOP)
			rc = -EFAULT;
	}
	if (rc) {
		kfree(v);
		return rc;
	}
	u->bufs = v;
	u->nr_bufs = nr;
	return 0;
}

static long register_files(struct uring *u, u64 arg, u32 nr)
{
	if (u->files)
		return -EBUSY;
	if (!nr || nr > MAX_FILES)
		return -EINVAL;
	struct file **fs = kzalloc(nr * sizeof(*fs), GFP_KERNEL);
	if (!fs)
		return -ENOMEM;
	u->files = fs;
	u->nr_files = nr;
	for (u32 i = 0; i < nr; i++) {
		s32 fd;
		long rc = copy_from_user(&fd, (const void *)(arg + i * 4ULL), 4) ? -EFAULT : 0;
		if (!rc && fd != -1 && !(fs[i] = fget((u64)(s64)fd)))
			rc = -EBADF;
		if (!rc && fs[i] && fs[i]->fop == &uring_fops)
			rc = -EBADF;	/* a ring in a ring: a reference cycle */
		if (rc) {
			unregister_files(u);
			return rc;
		}
	}
	return 0;
}

static long register_probe(u64 arg, u32 nr)
{
	u8 buf[16 + 8 * 64];
	u32 n = MIN(nr, 64u);
	size_t size = 16 + 8 * (size_t)n;
	static const u8 ok[] = { OP_NOP, OP_READV, OP_WRITEV, OP_FSYNC, OP_READ_FIXED,
				 OP_WRITE_FIXED, OP_POLL_ADD, OP_POLL_REMOVE, OP_SENDMSG,
				 OP_RECVMSG, OP_TIMEOUT, OP_TIMEOUT_REMOVE, OP_OPENAT, OP_CLOSE,
				 OP_STATX, OP_READ, OP_WRITE };

	if (copy_from_user(buf, (const void *)arg, size))
		return -EFAULT;
	for (size_t i = 0; i < size; i++)
		if (buf[i])
			return -EINVAL;
	buf[0] = OP_LAST - 1;
	buf[1] = (u8)MIN(n, (u32)OP_LAST);
	for (u32 i = 0; i < buf[1]; i++) {
		buf[16 + 8 * i] = (u8)i;
		for (size_t k = 0; k < sizeof(ok); k++)
			if (ok[k] == i)
				buf[16 + 8 * i + 2] = OP_SUPPORTED;
	}
	return copy_to_user((void *)arg, buf, size) ? -EFAULT : 0;
}

long sys_io_uring_register(SYSARGS)
{
	u32 op = (u32)a1, nr = (u32)a3;
	u64 arg = a2;
	struct file *f;
	long rc = 0;
	struct uring *u = uring_of(a0, &f, &rc);

	if (!u)
		return rc;
	mutex_lock(&u->mtx);
	switch (op) {
	case REG_BUFFERS:
		rc = register_buffers(u, arg, nr);
		break;
	case UNREG_BUFFERS:
		rc = arg || nr ? -EINVAL : u->bufs ? 0 : -ENXIO;
		if (!rc) {
			kfree(u->bufs);
			u->bufs = NULL;
			u->nr_bufs = 0;
		}
		break;
	case REG_FILES:
		rc = register_files(u, arg, nr);
		break;
	case UNREG_FILES:
		rc = arg || nr ? -EINVAL : u->files ? 0 : -ENXIO;
		if (!rc)
			unregister_files(u);
		break;
	case REG_EVENTFD:
	case REG_EVENTFD_ASYNC: {
		s32 fd;
		struct file *e = NULL;
		rc = nr != 1 ? -EINVAL : u->evfd ? -EBUSY :
		     copy_from_user(&fd, (const void *)arg, 4) ? -EFAULT :
		     !(e = fget((u64)(s64)fd)) ? -EBADF : !file_is_eventfd(e) ? -EINVAL : 0;
		if (rc && e)
			file_put(e);
		if (!rc)
			u->evfd = e;
		break;
	}
	case UNREG_EVENTFD:
		rc = arg || nr ? -EINVAL : u->evfd ? 0 : -ENXIO;
		if (!rc) {
			file_put(u->evfd);
			u->evfd = NULL;
		}
		break;
	case REG_PROBE:
		rc = register_probe(arg, nr);
		break;
	default:
		rc = -EINVAL;
	}
	mutex_unlock(&u->mtx);
	file_put(f);
	return rc;
}
