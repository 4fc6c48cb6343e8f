/*
 * POSIX message queues: mq_open, mq_unlink, mq_timedsend,
 * mq_timedreceive, mq_notify, mq_getsetattr (docs/ipc.md).
 *
 * A queue is named in one flat table (mq_lock, a mutex) and lives while
 * its name or an open descriptor holds it (refs). A descriptor is an
 * anonymous file whose priv is the queue; its flags carry the access mode
 * and O_NONBLOCK. Messages are kept, highest priority first and FIFO
 * within a priority, in chunks of at most a page (as System V messages,
 * kernel/ipc/msg.c) copied from the user before any lock. The queue's
 * wait queue lock (a spinlock) guards the messages, the counts and the
 * notification, so a change and its wakeup are one step; senders and
 * receivers sleep there until what they wait for may have happened.
 *
 * Memory: a queue's whole worth (Linux's formula, maxmsg * (msgsize +
 * overhead)) is charged to its creator's real uid at creation and held to
 * RLIMIT_MSGQUEUE (-EMFILE past it, as Linux); the chunks actually
 * allocated are also held to a global budget of 1/16 of RAM (-ENOMEM), so
 * root raising its limit cannot take all memory either.
 */
#include <alloy/pid.h>
#include <alloy/errno.h>
#include <alloy/netlink.h>
#include <alloy/socket.h>
#include <alloy/event.h>
#include <alloy/ipc.h>
#include <alloy/mm.h>
#include <alloy/poll.h>
#include <alloy/printf.h>
#include <alloy/process.h>
#include <alloy/rlimit.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/sysctl.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>
#include <alloy/wait.h>
#include <uapi/fcntl.h>
#include "../syscall/sysfs.h"

#define MQ_PRIO_MAX 32768
#define HARD_MSGMAX 65536
#define HARD_MSGSIZEMAX (16 << 20)
#define MQ_NAME_MAX 255
/* What Linux charges per message slot: its struct msg_msg and, for up to
 * MQ_PRIO_MAX slots, a priority tree node (x86-64 sizes). */
#define MQ_MSG_OVERHEAD 48
#define MQ_NODE_OVERHEAD 48
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SI_MESGQ (-3)
#define NSEC 1000000000ULL
#define CAP_SYS_RESOURCE 24
#ifndef EMSGSIZE
#define EMSGSIZE 90	/* <alloy/socket.h> has it too */
#endif

struct mq_attr_u {
	s64 flags, maxmsg, msgsize, curmsgs;
	s64 pad[4];
};

struct sigevent_u {
	u64 value;
	s32 signo, notify;
	s32 tid;
	u8 pad[44];
};

struct mq_seg {
	struct mq_seg *next;
	u8 data[];
};

struct mq_msg {
	struct list_head link;
	u32 prio;
	size_t len;
	struct mq_seg *next;
	u8 data[];
};

#define DATA_FIRST (PAGE_SIZE - sizeof(struct mq_msg))
#define DATA_SEG (PAGE_SIZE - sizeof(struct mq_seg))

/* Bytes charged against RLIMIT_MSGQUEUE, per real uid. */
struct mq_user {
	struct list_head link;	/* [mq_lock] */
	u32 uid;
	u64 bytes;		/* [mq_lock] */
};

struct mqueue {
	atomic_t refs;			/* the name's, each file's */
	struct list_head link;		/* [mq_lock] in mq_names while named */
	bool named;			/* [mq_lock] */
	char name[MQ_NAME_MAX + 1];
	u32 uid, gid, mode;
	long maxmsg, msgsize;
	struct mq_user *user;		/* charged `charged` bytes */
	u64 charged;
	struct wait_queue wq;		/* its lock guards what follows */
	long curmsgs;
	u64 qsize;			/* bytes of the queued messages */
	struct list_head msgs;		/* highest priority first */
	int receivers;			/* sleeping in mq_timedreceive */
	struct process *nproc;		/* notification owner (a reference) */
	int nnotify, nsigno;
	u64 nvalue;
	struct mq_tnote *ntn;		/* SIGEV_THREAD's, with nproc */
};

/*
 * SIGEV_THREAD (glibc's mq_notify): the caller names a netlink socket
 * (sigev_signo) and a NOTIFY_COOKIE_LEN-byte cookie (sigev_value); the
 * kernel writes the cookie into that socket, its last byte saying why:
 * a message arrived (NOTIFY_WOKENUP) or the registration went
 * (NOTIFY_REMOVED); glibc's helper thread reads it and starts the
 * caller's function. The registration holds a reference on the socket.
 */
#define NOTIFY_COOKIE_LEN 32
#define NOTIFY_WOKENUP 1
#define NOTIFY_REMOVED 2
struct mq_tnote {
	struct socket *sock;
	u8 cookie[NOTIFY_COOKIE_LEN];
};

/* No lock held: tells tn's socket why (0: nothing) and frees tn. */
static void tnote_end(struct mq_tnote *tn, u8 why)
{
	if (!tn)
		return;
	if (why) {
		tn->cookie[NOTIFY_COOKIE_LEN - 1] = why;
		netlink_deliver_kernel(tn->sock, tn->cookie, NOTIFY_COOKIE_LEN);
	}
	sock_put(tn->sock);
	kfree(tn);
}

static long mq_queues_max = 256, mq_msg_max = 10, mq_msgsize_max = 8192;
static long mq_msg_default = 10, mq_msgsize_default = 8192;
SYSCTL_INT(mq_queues_max, "fs/mqueue/queues_max", 0644, &mq_queues_max, 0, 0x7fffffff);
SYSCTL_INT(mq_msg_max, "fs/mqueue/msg_max", 0644, &mq_msg_max, 1, HARD_MSGMAX);
SYSCTL_INT(mq_msgsize_max, "fs/mqueue/msgsize_max", 0644, &mq_msgsize_max, 128,
	   HARD_MSGSIZEMAX);
SYSCTL_INT(mq_msg_default, "fs/mqueue/msg_default", 0644, &mq_msg_default, 1, HARD_MSGMAX);
SYSCTL_INT(mq_msgsize_default, "fs/mqueue/msgsize_default", 0644, &mq_msgsize_default, 128,
	   HARD_MSGSIZEMAX);

static struct mutex mq_lock;
static LIST_HEAD(mq_names);		/* [mq_lock] */
static LIST_HEAD(mq_users);		/* [mq_lock] */
static long mq_count;			/* [mq_lock] queues alive, named or not */
static struct ipc_budget mq_mem;	/* all messages' chunks: 1/16 of RAM */
static const struct file_ops mq_fops;

/* ---- messages ---- */

static void *chunk_alloc(size_t n)
{
	return ipc_budget_alloc(&mq_mem, n);
}

static void chunk_free(void *p, size_t n)
{
	ipc_budget_free(&mq_mem, p, n);
}

static void free_msg(struct mq_msg *m)
{
	size_t left = m->len > DATA_FIRST ? m->len - DATA_FIRST : 0;
	struct mq_seg *s = m->next;

	chunk_free(m, sizeof(*m) + MIN(m->len, DATA_FIRST));
	while (s) {
		struct mq_seg *next = s->next;
		size_t k = MIN(left, DATA_SEG);
		chunk_free(s, sizeof(*s) + k);
		left -= k;
		s = next;
	}
}

/* The user's len bytes at usrc as a message; NULL with *err set. */
static struct mq_msg *load_msg(const u8 *usrc, size_t len, int *err)
{
	size_t off = MIN(len, DATA_FIRST);
	struct mq_msg *m = chunk_alloc(sizeof(*m) + off);
	struct mq_seg **tail;

	*err = -ENOMEM;
	if (!m)
		return NULL;
	m->len = len;
	m->next = NULL;
	*err = -EFAULT;
	if (copy_from_user(m->data, usrc, off))
		goto fail;
	for (tail = &m->next; off < len; tail = &(*tail)->next) {
		size_t k = MIN(len - off, DATA_SEG);
		*err = -ENOMEM;
		if (!(*tail = chunk_alloc(sizeof(struct mq_seg) + k)))
			goto fail;
		(*tail)->next = NULL;
		if (copy_from_user((*tail)->data, usrc + off, k)) {
			*err = -EFAULT;
			chunk_free(*tail, sizeof(struct mq_seg) + k);
			*tail = NULL;
			goto fail;
		}
		off += k;
	}
	return m;
fail:
	m->len = off;	/* what is chained so far */
	free_msg(m);
	return NULL;
}

static int store_msg(u8 *udst, const struct mq_msg *m)
{
	size_t k = MIN(m->len, DATA_FIRST);
	const struct mq_seg *s = m->next;

	if (copy_to_user(udst, m->data, k))
		return -EFAULT;
	for (size_t off = k; off < m->len; off += k, s = s->next) {
		k = MIN(m->len - off, DATA_SEG);
		if (copy_to_user(udst + off, s->data, k))
			return -EFAULT;
	}
	return 0;
}

/* ---- queues, names, accounting ---- */

/* Linux's charge for a queue of maxmsg messages of msgsize bytes. */
static u64 mq_bytes(long maxmsg, long msgsize)
{
	return (u64)maxmsg * (u64)(msgsize + MQ_MSG_OVERHEAD) +
	       (u64)MIN(maxmsg, (long)MQ_PRIO_MAX) * MQ_NODE_OVERHEAD;
}

/* Under mq_lock: charges n bytes to uid, or -EMFILE past limit. */
static int charge(u32 uid, u64 n, u64 limit, struct mq_user **out)
{
	struct mq_user *u;

	list_for_each_entry(u, &mq_users, link)
		if (u->uid == uid)
			goto found;
	if (n > limit)
		return -EMFILE;
	if (!(u = kzalloc(sizeof(*u), GFP_KERNEL)))
		return -ENOMEM;
	u->uid = uid;
	list_add_tail(&u->link, &mq_users);
found:
	if (u->bytes + n < u->bytes || u->bytes + n > limit) {
		if (!u->bytes) {
			list_del(&u->link);
			kfree(u);
		}
		return -EMFILE;
	}
	u->bytes += n;
	*out = u;
	return 0;
}

static void uncharge(struct mq_user *u, u64 n)
{
	u->bytes -= n;
	if (!u->bytes) {
		list_del(&u->link);
		kfree(u);
	}
}

static void mq_put(struct mqueue *q)
{
	if (!atomic_dec_and_test(&q->refs))
		return;
	struct mq_msg *m, *tmp;
	list_for_each_entry_safe(m, tmp, &q->msgs, link)
		free_msg(m);
	if (q->nproc)
		proc_put(q->nproc);
	tnote_end(q->ntn, 0);
	mutex_lock(&mq_lock);
	uncharge(q->user, q->charged);
	mq_count--;
	mutex_unlock(&mq_lock);
	kfree(q);
}

/* Under mq_lock. */
static struct mqueue *find_name(const char *name)
{
	struct mqueue *q;

	list_for_each_entry(q, &mq_names, link)
		if (!strcmp(q->name, name))
			return q;
	return NULL;
}

/* A name as the kernel takes it (libc drops the leading '/'): Linux's
 * lookup_one_len rules. */
static long get_mq_name(u64 uname, char **out)
{
	long rc = getname(uname, out, false);

	if (rc)
		return rc;
	size_t n = strlen(*out);
	if (n > MQ_NAME_MAX)
		rc = -ENAMETOOLONG;
	else if (strchr(*out, '/') || !strcmp(*out, ".") || !strcmp(*out, ".."))
		rc = -EACCES;
	if (rc)
		kfree(*out);
	return rc;
}

/* As the kernel's other checks: root that has not dropped the capability
 * (setuid does not recompute the sets yet, sys_caps.c). */
static bool has_cap(int cap)
{
	struct process *p = current_proc();

	return READ_ONCE(p->uid[1]) == 0 && (READ_ONCE(p->caps[0]) >> cap & 1);
}

/* Owner, group or other bits of q for the access acc (4 read, 2 write). */
static int may_access(const struct mqueue *q, u32 acc)
{
	struct cred c;
	u32 bits;

	cred_current(&c);
	if (cred_is_root(&c))
		return 0;
	if (c.fsuid == q->uid)
		bits = q->mode >> 6;
	else if (cred_in_group(&c, q->gid))
		bits = q->mode >> 3;
	else
		bits = q->mode;
	return (bits & acc) == acc ? 0 : -EACCES;
}

static u32 acc_of(int oflag)
{
	switch (oflag & O_ACCMODE) {
	case O_RDONLY: return 4;
	case O_WRONLY: return 2;
	default: return 6;
	}
}

/* Linux's mqueue_attr_ok. */
static int attr_ok(const struct mq_attr_u *a)
{
	if (a->maxmsg <= 0 || a->msgsize <= 0)
		return -EINVAL;
	if (has_cap(CAP_SYS_RESOURCE)) {
		if (a->maxmsg > HARD_MSGMAX || a->msgsize > HARD_MSGSIZEMAX)
			return -EINVAL;
	} else if (a->maxmsg > READ_ONCE(mq_msg_max) || a->msgsize > READ_ONCE(mq_msgsize_max)) {
		return -EINVAL;
	}
	return 0;	/* no overflow: both are bounded far below 2^32 */
}

/* Under mq_lock: a new named queue. */
static long mq_create(const char *name, int oflag, u32 mode, const struct mq_attr_u *ua,
		      struct mqueue **out)
{
	struct mq_attr_u a = {
		.maxmsg = MIN(READ_ONCE(mq_msg_max), READ_ONCE(mq_msg_default)),
		.msgsize = MIN(READ_ONCE(mq_msgsize_max), READ_ONCE(mq_msgsize_default)),
	};
	struct cred c;
	long rc;

	(void)oflag;
	if (ua) {
		if ((rc = attr_ok(ua)))
			return rc;
		a.maxmsg = ua->maxmsg;
		a.msgsize = ua->msgsize;
	}
	if (mq_count >= READ_ONCE(mq_queues_max) && !has_cap(CAP_SYS_RESOURCE))
		return -ENOSPC;
	struct mqueue *q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	cred_current(&c);
	q->charged = mq_bytes(a.maxmsg, a.msgsize);
	if ((rc = charge(c.uid, q->charged, rlimit(RLIMIT_MSGQUEUE), &q->user))) {
		kfree(q);
		return rc;
	}
	atomic_set(&q->refs, 1);	/* the name's */
	memcpy(q->name, name, strlen(name) + 1);
	q->uid = c.fsuid;
	q->gid = c.fsgid;
	q->mode = mode & ~proc_umask() & 0777;
	q->maxmsg = a.maxmsg;
	q->msgsize = a.msgsize;
	wait_queue_init(&q->wq, "mqueue");
	list_init(&q->msgs);
	list_add_tail(&q->link, &mq_names);
	q->named = true;
	mq_count++;
	*out = q;
	return 0;
}

long sys_mq_open(u64 uname, u64 oflag64, u64 mode, u64 uattr, u64 a4, u64 a5)
{
	int oflag = (int)oflag64;
	struct mq_attr_u attr;
	struct mqueue *q;
	bool created = false;
	char *name;
	long rc;

	(void)a4; (void)a5;
	if (uattr && copy_from_user(&attr, (const void *)uattr, sizeof(attr)))
		return -EFAULT;
	if ((oflag & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if ((rc = get_mq_name(uname, &name)))
		return rc;
	mutex_lock(&mq_lock);
	q = find_name(name);
	if (q && (oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		rc = -EEXIST;
	else if (q)
		rc = may_access(q, acc_of(oflag));
	else if (!(oflag & O_CREAT))
		rc = -ENOENT;
	else if (!(rc = mq_create(name, oflag, (u32)mode, uattr ? &attr : NULL, &q)))
		created = true;
	if (!rc)
		atomic_add_return(&q->refs, created ? 2 : 1);	/* the file's (and ours) */
	mutex_unlock(&mq_lock);
	kfree(name);
	if (rc)
		return rc;
	struct file *f = anon_file(&mq_fops, q, (u32)oflag & (O_ACCMODE | O_NONBLOCK));
	if (!f) {
		mq_put(q);
		rc = -ENOMEM;
	} else {
		/* -EMFILE past RLIMIT_NOFILE (-EINVAL from fd_install when it
		 * is 0); the file and its reference go */
		rc = fd_install(cur_files(), f, 0, true);
		rc = rc == -EINVAL ? -EMFILE : rc;
	}
	if (created) {
		/* Linux takes the fd first: a queue this call made for an fd
		 * it could not have goes again (unless unlinked meanwhile) */
		bool drop = false;
		if (rc < 0) {
			mutex_lock(&mq_lock);
			if ((drop = q->named)) {
				list_del(&q->link);
				q->named = false;
			}
			mutex_unlock(&mq_lock);
		}
		if (drop)
			mq_put(q);	/* the name's */
		mq_put(q);		/* ours */
	}
	return rc;
}

long sys_mq_unlink(u64 uname, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct mqueue *q;
	char *name;
	long rc;
	struct cred c;

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	if ((rc = get_mq_name(uname, &name)))
		return rc;
	cred_current(&c);
	mutex_lock(&mq_lock);
	q = find_name(name);
	if (!q) {
		rc = -ENOENT;
	} else if (!cred_is_root(&c) && c.fsuid != q->uid) {
		rc = -EACCES;	/* the sticky directory's rule (Linux: EACCES) */
	} else {
		list_del(&q->link);
		q->named = false;
	}
	mutex_unlock(&mq_lock);
	kfree(name);
	if (!rc)
		mq_put(q);	/* the name's: open descriptors keep it */
	return rc;
}

/* ---- the descriptor ---- */

/* The queue of fd with a reference on its file; -EBADF if fd is not a
 * queue or lacks the access (O_RDONLY: want 4, O_WRONLY: want 2). */
static long mq_fget(u64 fd, u32 want, struct file **out)
{
	struct file *f = fget(fd);

	if (!f)
		return -EBADF;
	u32 mode = f->flags & O_ACCMODE;
	bool ok = f->fop == &mq_fops && (!want || (acc_of((int)mode) & want));
	if (!ok) {
		file_put(f);
		return -EBADF;
	}
	*out = f;
	return 0;
}

static unsigned int mq_poll(struct file *f, struct poll_table *pt)
{
	struct mqueue *q = f->priv;
	unsigned int mask = 0;

	poll_wait(pt, &q->wq);
	long n = READ_ONCE(q->curmsgs);
	if (n)
		mask |= POLLIN | POLLRDNORM;
	if (n < q->maxmsg)
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

/* The status line Linux's mqueue filesystem shows for the queue. */
static long mq_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct mqueue *q = f->priv;
	char line[96];

	unsigned long flags = spin_lock_irqsave(&q->wq.lock);
	u64 qsize = q->qsize;
	int notify = q->nproc ? q->nnotify : 0, signo = q->nproc ? q->nsigno : 0;
	int pid = q->nproc ? pid_to_user(q->nproc->pid) : 0;	/* the reader's number */
	spin_unlock_irqrestore(&q->wq.lock, flags);
	int len = snprintf(line, sizeof(line), "QSIZE:%-10llu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
			   (unsigned long long)qsize, notify, signo, pid);
	if (*pos >= (u64)len)
		return 0;
	size_t k = MIN(n, (size_t)len - (size_t)*pos);
	if (iob_copy_out(b, 0, line + *pos, k))
		return -EFAULT;
	*pos += k;
	return (long)k;
}

/* The registration goes with any close of a descriptor of the queue by
 * its owner, as Linux's mqueue_flush_file: its exit closes them all, even
 * where a forked child still holds the same file. */
static void mq_flush(struct file *f)
{
	struct mqueue *q = f->priv;
	struct process *owner = NULL;
	struct mq_tnote *tn = NULL;

	unsigned long flags = spin_lock_irqsave(&q->wq.lock);
	if (q->nproc && q->nproc == current_proc()) {
		owner = q->nproc;
		q->nproc = NULL;
		tn = q->ntn;
		q->ntn = NULL;
	}
	spin_unlock_irqrestore(&q->wq.lock, flags);
	if (owner)
		proc_put(owner);
	tnote_end(tn, NOTIFY_REMOVED);
}

static void mq_release(struct file *f)
{
	mq_put(f->priv);
}

static const struct file_ops mq_fops = {
	.read = mq_read,
	.poll = mq_poll,
	.flush = mq_flush,
	.release = mq_release,
	.seekable = true,	/* the status line is read from the file's offset */
};

/* An absolute CLOCK_REALTIME timeout as a ktime_ns() deadline (0: none);
 * Linux checks it before anything else. */
static int read_deadline(u64 uts, u64 *deadline)
{
	struct { s64 sec, nsec; } ts;

	*deadline = 0;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, (const void *)uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (s64)NSEC)
		return -EINVAL;
	u64 abs = (u64)ts.sec > (~0ULL - (u64)ts.nsec) / NSEC ? ~0ULL
							      : (u64)ts.sec * NSEC + (u64)ts.nsec;
	u64 wall = wall_clock_ns(), now = ktime_ns();
	u64 rel = abs > wall ? abs - wall : 0;
	*deadline = rel > ~0ULL - now ? ~0ULL : now + rel;
	if (!*deadline)
		*deadline = 1;
	return 0;
}

/* Why a sender or receiver that must wait does not: O_NONBLOCK, a
 * signal, the timeout; 0 if it may sleep. */
static long must_stop(struct file *f, u64 deadline)
{
	if (READ_ONCE(f->flags) & O_NONBLOCK)
		return -EAGAIN;
	if (signal_pending())
		return -ERESTARTSYS;
	if (deadline && ktime_ns() >= deadline)
		return -ETIMEDOUT;
	return 0;
}

#define MQ_WOKEN(c) ((c) || signal_pending())

static void mq_sleep(struct mqueue *q, bool send, u64 deadline)
{
#define MQ_READY (send ? READ_ONCE(q->curmsgs) < q->maxmsg : READ_ONCE(q->curmsgs) > 0)
	if (deadline) {
		u64 now = ktime_ns();
		if (now < deadline)
			wait_event_timeout(q->wq, MQ_WOKEN(MQ_READY), deadline - now);
	} else {
		wait_event(q->wq, MQ_WOKEN(MQ_READY));
	}
#undef MQ_READY
}

/* Queue lock held: m goes after every message of its priority or above. */
static void insert_msg(struct mqueue *q, struct mq_msg *m)
{
	struct list_head *at;

	for (at = q->msgs.prev; at != &q->msgs; at = at->prev)
		if (container_of(at, struct mq_msg, link)->prio >= m->prio)
			break;
	list_add(&m->link, at);
}

static void notify(struct process *p, int signo, u64 value)
{
	struct cred c;

	cred_current(&c);
	struct ksiginfo si = { .signo = signo, .code = SI_MESGQ, .pid = current_proc()->pid,
			       .uid = c.uid, .status = (int)value, .value = value };
	signal_send(p, &si);
	proc_put(p);
}

long sys_mq_timedsend(u64 fd, u64 umsg, u64 len, u64 prio, u64 uts, u64 a5)
{
	struct file *f;
	u64 deadline;
	long rc;
	int err;

	(void)a5;
	if (prio >= MQ_PRIO_MAX)
		return -EINVAL;
	if ((rc = read_deadline(uts, &deadline)))
		return rc;
	if ((rc = mq_fget(fd, 2, &f)))
		return rc;
	struct mqueue *q = f->priv;
	if (len > (u64)q->msgsize) {
		file_put(f);
		return -EMSGSIZE;
	}
	struct mq_msg *m = load_msg((const u8 *)umsg, len, &err);
	if (!m) {
		file_put(f);
		return err;
	}
	m->prio = (u32)prio;
	struct process *np = NULL;
	struct mq_tnote *tn = NULL;
	int nsig = 0;
	u64 nval = 0;
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&q->wq.lock);
		if (q->curmsgs < q->maxmsg) {
			insert_msg(q, m);
			q->curmsgs++;
			q->qsize += len;
			if (q->curmsgs == 1 && !q->receivers && q->nproc) {
				/* once: the registration goes with it */
				np = q->nproc;
				q->nproc = NULL;
				nsig = q->nnotify == SIGEV_SIGNAL ? q->nsigno : 0;
				nval = q->nvalue;
				tn = q->ntn;
				q->ntn = NULL;
			}
			wake_up_all_locked(&q->wq);
			spin_unlock_irqrestore(&q->wq.lock, flags);
			m = NULL;
			break;
		}
		spin_unlock_irqrestore(&q->wq.lock, flags);
		if ((rc = must_stop(f, deadline)))
			break;
		mq_sleep(q, true, deadline);
	}
	if (m)
		free_msg(m);
	tnote_end(tn, NOTIFY_WOKENUP);
	if (np && nsig)
		notify(np, nsig, nval);
	else if (np)
		proc_put(np);
	file_put(f);
	return rc;
}

long sys_mq_timedreceive(u64 fd, u64 umsg, u64 len, u64 uprio, u64 uts, u64 a5)
{
	struct mq_msg *m = NULL;
	struct file *f;
	u64 deadline;
	long rc;

	(void)a5;
	if ((rc = read_deadline(uts, &deadline)))
		return rc;
	if ((rc = mq_fget(fd, 4, &f)))
		return rc;
	struct mqueue *q = f->priv;
	if (len < (u64)q->msgsize) {
		file_put(f);
		return -EMSGSIZE;
	}
	/* A receiver is counted from its first look at an empty queue until
	 * it leaves: a message meant for it is no news to the notification
	 * owner (Linux's rule) */
	bool counted = false;
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&q->wq.lock);
		if (q->curmsgs) {
			m = list_first_entry(&q->msgs, struct mq_msg, link);
			list_del(&m->link);
			q->curmsgs--;
			q->qsize -= m->len;
			wake_up_all_locked(&q->wq);	/* room for senders */
		} else if (!(rc = must_stop(f, deadline)) && !counted) {
			q->receivers++;
			counted = true;
		}
		if ((m || rc) && counted)
			q->receivers--;
		spin_unlock_irqrestore(&q->wq.lock, flags);
		if (m || rc)
			break;
		mq_sleep(q, false, deadline);
	}
	file_put(f);
	if (!m)
		return rc;
	u32 p = m->prio;
	rc = store_msg((u8 *)umsg, m) ||
	     (uprio && copy_to_user((void *)uprio, &p, sizeof(p))) ? -EFAULT : (long)m->len;
	free_msg(m);	/* lost on -EFAULT, as Linux */
	return rc;
}

long sys_mq_notify(u64 fd, u64 uev, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct sigevent_u ev;
	struct mq_tnote *tn = NULL;
	struct file *f;
	long rc;

	(void)a2; (void)a3; (void)a4; (void)a5;
	if (uev) {
		if (copy_from_user(&ev, (const void *)uev, sizeof(ev)))
			return -EFAULT;
		if (ev.notify != SIGEV_NONE && ev.notify != SIGEV_SIGNAL &&
		    ev.notify != SIGEV_THREAD)
			return -EINVAL;
		/* Linux's valid_signal: 0 registers, and sends nothing */
		if (ev.notify == SIGEV_SIGNAL && (ev.signo < 0 || ev.signo > NSIG))
			return -EINVAL;
		if (ev.notify == SIGEV_THREAD) {
			/* as Linux: the cookie, then the socket, then the queue */
			if (!(tn = kmalloc(sizeof(*tn), GFP_KERNEL)))
				return -ENOMEM;
			if (copy_from_user(tn->cookie, (const void *)ev.value, NOTIFY_COOKIE_LEN)) {
				kfree(tn);
				return -EFAULT;
			}
			if ((rc = netlink_sock_by_fd(ev.signo, &tn->sock))) {
				kfree(tn);
				return rc;
			}
		}
	}
	if ((rc = mq_fget(fd, 0, &f))) {
		tnote_end(tn, 0);
		return rc;
	}
	struct mqueue *q = f->priv;
	struct process *me = current_proc(), *old = NULL;
	proc_get(me);
	unsigned long flags = spin_lock_irqsave(&q->wq.lock);
	struct mq_tnote *oldtn = NULL;
	if (!uev) {
		if (q->nproc == me) {
			old = q->nproc;
			q->nproc = NULL;
			oldtn = q->ntn;
			q->ntn = NULL;
		}
	} else if (q->nproc) {
		rc = -EBUSY;
	} else {
		q->nproc = me;
		me = NULL;
		q->nnotify = ev.notify;
		q->nsigno = ev.signo;
		q->nvalue = ev.value;
		q->ntn = tn;
		tn = NULL;
	}
	spin_unlock_irqrestore(&q->wq.lock, flags);
	if (me)
		proc_put(me);
	if (old)
		proc_put(old);
	tnote_end(oldtn, NOTIFY_REMOVED);
	tnote_end(tn, 0);	/* not registered (EBUSY) */
	file_put(f);
	return rc;
}

long sys_mq_getsetattr(u64 fd, u64 unew, u64 uold, u64 a3, u64 a4, u64 a5)
{
	struct mq_attr_u na, oa;
	struct file *f;
	long rc;

	(void)a3; (void)a4; (void)a5;
	if (unew) {
		if (copy_from_user(&na, (const void *)unew, sizeof(na)))
			return -EFAULT;
		if (na.flags & ~(s64)O_NONBLOCK)
			return -EINVAL;
	}
	if ((rc = mq_fget(fd, 0, &f)))
		return rc;
	struct mqueue *q = f->priv;
	memset(&oa, 0, sizeof(oa));
	oa.maxmsg = q->maxmsg;
	oa.msgsize = q->msgsize;
	oa.curmsgs = READ_ONCE(q->curmsgs);
	oa.flags = READ_ONCE(f->flags) & O_NONBLOCK;
	if (unew) {
		/* only O_NONBLOCK: swapped whole as fcntl's F_SETFL does */
		u32 old = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
		while (!__atomic_compare_exchange_n(&f->flags, &old,
						    (old & ~(u32)O_NONBLOCK) | (u32)na.flags,
						    false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
			;
	}
	file_put(f);
	if (uold && copy_to_user((void *)uold, &oa, sizeof(oa)))
		return -EFAULT;
	return 0;
}

void mq_init(void)
{
	mutex_init(&mq_lock, "mqueue", LR_MUTEX_IPC);
	mq_mem.limit = (long)(page_alloc_total_count() * PAGE_SIZE / 16);
}
