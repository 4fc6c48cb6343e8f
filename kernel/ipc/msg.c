/*
 * System V message queues: msgget, msgsnd, msgrcv, msgctl.
 *
 * A message is kept as Linux keeps it: a header page-sized chunk and
 * more chunks chained after it, each at most a page, filled straight from
 * the user a chunk at a time (load_msg) before any lock is taken, so no
 * allocation grows with msgmax. Queues are under msg_ids.lock; senders
 * waiting for room and receivers waiting for a message sleep on the
 * queue's wait queue until its generation moves on (as semaphores do).
 * All messages together are bounded by a memory budget (1/16 of RAM):
 * past it msgsnd is -ENOMEM, as Linux when it cannot copy a message.
 */
#include <alloy/pid.h>
#include <alloy/errno.h>
#include <alloy/ipc.h>
#include <alloy/ns.h>
#include <alloy/mm.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/sysctl.h>
#include <alloy/uaccess.h>
#include <alloy/wait.h>
#include <uapi/ipc.h>

struct msg_seg {
	struct msg_seg *next;
	u8 data[];
};

struct msg_msg {
	struct list_head link;
	long type;
	size_t len;
	struct msg_seg *next;
	u8 data[];
};

#define DATA_FIRST (PAGE_SIZE - sizeof(struct msg_msg))
#define DATA_SEG (PAGE_SIZE - sizeof(struct msg_seg))

struct msg_queue {
	struct ipc_perm_k perm;
	s64 stime, rtime, ctime;
	u64 cbytes, qnum, qbytes;
	int lspid, lrpid;
	struct list_head msgs;
	u64 gen;
	struct wait_queue wq;
};

static long msg_max = 8192, msg_mnb = 16384, msg_mni = 32000;
static struct ipc_budget msg_mem;	/* all messages' chunks: 1/16 of RAM */
static u64 msg_total, msg_total_bytes;	/* [lock] messages queued, their bytes */
static struct ipc_ids msg_ids;
SYSCTL_INT(msg_next_id, "kernel/msg_next_id", 0644, &msg_ids.next_id, -1, 0x7fffffff);

static struct msg_queue *q_of(struct ipc_perm_k *p)
{
	return p ? container_of(p, struct msg_queue, perm) : NULL;
}

static void *chunk_alloc(size_t n)
{
	return ipc_budget_alloc(&msg_mem, n);
}

static void chunk_free(void *p, size_t n)
{
	ipc_budget_free(&msg_mem, p, n);
}

static size_t first_size(size_t len)
{
	return sizeof(struct msg_msg) + MIN(len, DATA_FIRST);
}

static void free_msg(struct msg_msg *m)
{
	size_t left = m->len > DATA_FIRST ? m->len - DATA_FIRST : 0;
	struct msg_seg *s = m->next;

	chunk_free(m, first_size(m->len));
	while (s) {
		struct msg_seg *next = s->next;
		size_t k = MIN(left, DATA_SEG);
		chunk_free(s, sizeof(*s) + k);
		left -= k;
		s = next;
	}
}

/* A message of len bytes, filled by fill(ctx, dst, off, n) a chunk at a
 * time; NULL with *err -ENOMEM or fill's error. */
static struct msg_msg *build_msg(size_t len, int (*fill)(void *ctx, void *dst, size_t off,
							 size_t n),
				 void *ctx, int *err)
{
	struct msg_msg *m = chunk_alloc(first_size(len));
	struct msg_seg **tail;
	size_t off = MIN(len, DATA_FIRST);

	*err = -ENOMEM;
	if (!m)
		return NULL;
	m->len = len;
	m->next = NULL;
	if ((*err = fill(ctx, m->data, 0, off)))
		goto fail;
	for (tail = &m->next; off < len; tail = &(*tail)->next) {
		size_t k = MIN(len - off, DATA_SEG);
		*err = -ENOMEM;
		if (!(*tail = chunk_alloc(sizeof(struct msg_seg) + k)))
			goto fail;
		(*tail)->next = NULL;
		if ((*err = fill(ctx, (*tail)->data, off, k))) {
			chunk_free(*tail, sizeof(struct msg_seg) + k);
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

static int fill_user(void *ctx, void *dst, size_t off, size_t n)
{
	return copy_from_user(dst, (const u8 *)ctx + off, n) ? -EFAULT : 0;
}

/* MSG_COPY: a copy of a queued message, made under the lock. */
static int fill_copy(void *ctx, void *dst, size_t off, size_t n)
{
	const struct msg_msg *m = ctx;
	const struct msg_seg *s = m->next;

	if (off < DATA_FIRST) {
		memcpy(dst, m->data + off, n);
		return 0;
	}
	for (off -= DATA_FIRST; off >= DATA_SEG; off -= DATA_SEG)
		s = s->next;
	memcpy(dst, s->data + off, n);
	return 0;
}

static int store_msg(u8 *udst, const struct msg_msg *m, size_t n)
{
	size_t k = MIN(n, DATA_FIRST);
	const struct msg_seg *s = m->next;

	if (copy_to_user(udst, m->data, k))
		return -EFAULT;
	for (size_t off = k; off < n; off += k, s = s->next) {
		k = MIN(n - off, DATA_SEG);
		if (copy_to_user(udst + off, s->data, k))
			return -EFAULT;
	}
	return 0;
}

static void q_put(struct msg_queue *q)
{
	if (atomic_dec_and_test(&q->perm.refs))
		kfree(q);
}

static void wake_changed(struct msg_queue *q)
{
	q->gen++;
	wake_up_all(&q->wq);
}

/* Sleeps once for a change of q (lock held on entry and on return);
 * -EIDRM if it was removed meanwhile, -EINTR for a signal, else 0. */
static int q_sleep(struct msg_queue *q)
{
	u64 gen = q->gen;

	atomic_inc(&q->perm.refs);
	mutex_unlock(&msg_ids.lock);
	wait_event(q->wq, READ_ONCE(q->gen) != gen || signal_pending());
	mutex_lock(&msg_ids.lock);
	bool gone = q->perm.deleted;
	q_put(q);
	return gone ? -EIDRM : signal_pending() ? -EINTR : 0;
}

static int msg_check(struct ipc_perm_k *p, long arg)
{
	(void)p; (void)arg;
	return 0;
}

static long msg_create(s32 key, int flg, long arg)
{
	(void)arg;
	if (msg_ids.in_use >= READ_ONCE(msg_mni))
		return -ENOSPC;
	struct msg_queue *q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	int rc = ipc_add(&msg_ids, &q->perm, key, (u32)flg);
	if (rc) {
		kfree(q);
		return rc;
	}
	q->qbytes = (u64)READ_ONCE(msg_mnb);
	q->ctime = ipc_now();
	list_init(&q->msgs);
	wait_queue_init(&q->wq, "msg");
	return q->perm.id;
}

long sys_msgget(u64 key, u64 flg, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2; (void)a3; (void)a4; (void)a5;
	return ipc_get(&msg_ids, (s32)key, (int)flg, msg_check, msg_create, 0);
}

/* Under the lock: out of the table, its messages freed, sleepers told. */
static void msg_rmid(struct msg_queue *q)
{
	struct msg_msg *m, *tmp;

	ipc_remove(&msg_ids, &q->perm);
	list_for_each_entry_safe(m, tmp, &q->msgs, link) {
		list_del(&m->link);
		msg_total--;
		msg_total_bytes -= m->len;
		free_msg(m);
	}
	wake_changed(q);
}

long sys_msgsnd(u64 id, u64 msgp, u64 msgsz, u64 flg64, u64 a4, u64 a5)
{
	int msqid = (int)id, flg = (int)flg64, err;
	long type, rc;

	(void)a4; (void)a5;
	if (copy_from_user(&type, (const void *)msgp, sizeof(type)))
		return -EFAULT;		/* first, as Linux reads mtype first */
	if ((s64)msgsz < 0 || msgsz > (u64)READ_ONCE(msg_max) || msqid < 0)
		return -EINVAL;
	if (type < 1)
		return -EINVAL;
	struct msg_msg *m = build_msg(msgsz, fill_user, (void *)(msgp + sizeof(long)), &err);
	if (!m)
		return err;
	m->type = type;
	mutex_lock(&msg_ids.lock);
	struct msg_queue *q = q_of(ipc_lookup(&msg_ids, msqid));
	rc = q ? ipc_perm_check(&q->perm, 0222) : -EINVAL;
	while (!rc) {
		/* Linux's rule: the bytes fit, and so does one more message
		 * (so empty messages cannot pile up without bound either) */
		if (q->cbytes + msgsz <= q->qbytes && q->qnum + 1 <= q->qbytes) {
			list_add_tail(&m->link, &q->msgs);
			m = NULL;
			q->cbytes += msgsz;
			q->qnum++;
			msg_total++;
			msg_total_bytes += msgsz;
			q->lspid = ipc_pid();
			q->stime = ipc_now();
			wake_changed(q);
			break;
		}
		rc = flg & IPC_NOWAIT ? -EAGAIN : q_sleep(q);
	}
	mutex_unlock(&msg_ids.lock);
	if (m)
		free_msg(m);
	return rc;
}

/* Under the lock: the message msgrcv takes (or copies), NULL if none. */
static struct msg_msg *find_msg(struct msg_queue *q, long typ, int flg)
{
	struct msg_msg *m, *best = NULL;
	long n = 0;

	list_for_each_entry(m, &q->msgs, link) {
		if (flg & MSG_COPY) {
			if (n++ == typ)
				return m;
		} else if (typ == 0) {
			return m;
		} else if (typ > 0) {
			if ((m->type == typ) != !!(flg & MSG_EXCEPT))
				return m;
		} else if (m->type <= -typ && (!best || m->type < best->type)) {
			best = m;
		}
	}
	return best;
}

long sys_msgrcv(u64 id, u64 msgp, u64 msgsz64, u64 typ64, u64 flg64, u64 a5)
{
	int msqid = (int)id, flg = (int)flg64, err = 0;
	long typ = (long)typ64, rc;
	size_t msgsz = (size_t)msgsz64;
	struct msg_msg *m = NULL;

	(void)a5;
	if (msqid < 0 || (s64)msgsz64 < 0)
		return -EINVAL;
	if ((flg & MSG_COPY) && (!(flg & IPC_NOWAIT) || (flg & MSG_EXCEPT)))
		return -EINVAL;
	mutex_lock(&msg_ids.lock);
	struct msg_queue *q = q_of(ipc_lookup(&msg_ids, msqid));
	rc = q ? ipc_perm_check(&q->perm, 0444) : -EINVAL;
	while (!rc) {
		struct msg_msg *f = find_msg(q, typ, flg);
		if (f && f->len > msgsz && !(flg & MSG_NOERROR)) {
			rc = -E2BIG;	/* it stays queued */
		} else if (f && (flg & MSG_COPY)) {
			if ((m = build_msg(f->len, fill_copy, f, &err)))
				m->type = f->type;
			rc = err;
			break;
		} else if (f) {
			m = f;
			list_del(&m->link);
			q->cbytes -= m->len;
			q->qnum--;
			msg_total--;
			msg_total_bytes -= m->len;
			q->lrpid = ipc_pid();
			q->rtime = ipc_now();
			wake_changed(q);	/* room for senders */
			break;
		} else {
			rc = flg & IPC_NOWAIT ? -ENOMSG : q_sleep(q);
		}
	}
	mutex_unlock(&msg_ids.lock);
	if (!m)
		return rc;
	size_t n = MIN(msgsz, m->len);
	rc = copy_to_user((void *)msgp, &m->type, sizeof(long)) ||
	     store_msg((u8 *)(msgp + sizeof(long)), m, n) ? -EFAULT : (long)n;
	free_msg(m);	/* lost on -EFAULT, as Linux */
	return rc;
}

static long msg_info(int cmd, u64 buf)
{
	struct msginfo mi = {
		.msgpool = (s32)MIN(msg_mni * msg_mnb / 1024, 0x7fffffffL), .msgmap = (s32)msg_mnb,
		.msgmax = (s32)msg_max, .msgmnb = (s32)msg_mnb, .msgmni = (s32)msg_mni,
		.msgssz = 16, .msgtql = (s32)msg_mnb, .msgseg = 0xffff,
	};

	mutex_lock(&msg_ids.lock);
	long max = MAX(msg_ids.max_idx, 0);
	if (cmd == MSG_INFO) {
		mi.msgpool = msg_ids.in_use;
		mi.msgmap = (s32)msg_total;
		mi.msgtql = (s32)msg_total_bytes;
	}
	mutex_unlock(&msg_ids.lock);
	return copy_to_user((void *)buf, &mi, sizeof(mi)) ? -EFAULT : max;
}

long sys_msgctl(u64 id, u64 cmd64, u64 buf, u64 a3, u64 a4, u64 a5)
{
	int msqid = (int)id, cmd = (int)cmd64 & ~IPC_64;
	struct msqid64_ds d;
	long rc = 0;
	struct cred c;

	(void)a3; (void)a4; (void)a5;
	if (msqid < 0 || cmd < 0)
		return -EINVAL;
	if (cmd == IPC_INFO || cmd == MSG_INFO)
		return msg_info(cmd, buf);
	if (cmd != IPC_STAT && cmd != MSG_STAT && cmd != MSG_STAT_ANY && cmd != IPC_SET &&
	    cmd != IPC_RMID)
		return -EINVAL;
	if (cmd == IPC_SET && copy_from_user(&d, (const void *)buf, sizeof(d)))
		return -EFAULT;
	cred_current(&c);
	mutex_lock(&msg_ids.lock);
	struct msg_queue *q = q_of(cmd == MSG_STAT || cmd == MSG_STAT_ANY ?
				   ipc_lookup_slot(&msg_ids, msqid) : ipc_lookup(&msg_ids, msqid));
	if (!q) {
		rc = -EINVAL;
	} else if (cmd == IPC_SET || cmd == IPC_RMID) {
		if ((rc = ipc_owner_check(&q->perm)))
			;
		else if (cmd == IPC_RMID)
			msg_rmid(q);
		else if (d.msg_qbytes > (u64)READ_ONCE(msg_mnb) && !cred_is_root(&c))
			rc = -EPERM;
		else {
			ipc_set_perm(&q->perm, &d.msg_perm);
			q->qbytes = d.msg_qbytes;
			q->ctime = ipc_now();
			wake_changed(q);	/* senders: there may be room now */
		}
	} else if (cmd == MSG_STAT_ANY || !(rc = ipc_perm_check(&q->perm, 0444))) {
		memset(&d, 0, sizeof(d));
		ipc_fill_perm(&q->perm, &d.msg_perm);
		d.msg_stime = q->stime;
		d.msg_rtime = q->rtime;
		d.msg_ctime = q->ctime;
		d.msg_cbytes = q->cbytes;
		d.msg_qnum = q->qnum;
		d.msg_qbytes = q->qbytes;
		d.msg_lspid = pid_to_user(q->lspid);	/* kept global, shown as the */
		d.msg_lrpid = pid_to_user(q->lrpid);	/* caller's namespace numbers them */
		rc = cmd == IPC_STAT ? 0 : q->perm.id;
	}
	mutex_unlock(&msg_ids.lock);
	if (!rc && cmd == IPC_RMID)
		q_put(q);	/* the table's */
	if (rc >= 0 && (cmd == IPC_STAT || cmd == MSG_STAT || cmd == MSG_STAT_ANY) &&
	    copy_to_user((void *)buf, &d, sizeof(d)))
		return -EFAULT;
	return rc;
}

/* /proc/sysvipc/msg, in Linux's columns. */
int msg_proc_show(struct pbuf *b)
{
	pbuf_puts(b, "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  "
		  "cuid  cgid      stime      rtime      ctime\n");
	mutex_lock(&msg_ids.lock);
	for (int i = 0; i <= msg_ids.max_idx; i++) {
		struct msg_queue *q = q_of(msg_ids.slot[i]);
		if (!q || !ipc_visible(&q->perm))
			continue;
		pbuf_printf(b, "%10d %10d  %4o  %10llu %10llu %5u %5u %5u %5u %5u %5u %10lld %10lld "
			    "%10lld\n", q->perm.key, q->perm.id, q->perm.mode,
			    (unsigned long long)q->cbytes, (unsigned long long)q->qnum,
			    pid_to_user(q->lspid), pid_to_user(q->lrpid), q->perm.uid, q->perm.gid,
			    q->perm.cuid, q->perm.cgid,
			    (long long)q->stime, (long long)q->rtime, (long long)q->ctime);
	}
	mutex_unlock(&msg_ids.lock);
	return 0;
}

SYSCTL_INT(msgmax, "kernel/msgmax", 0644, &msg_max, 0, 0x7fffffff);
SYSCTL_INT(msgmnb, "kernel/msgmnb", 0644, &msg_mnb, 0, 0x7fffffff);
SYSCTL_INT(msgmni, "kernel/msgmni", 0644, &msg_mni, 0, IPCMNI);

void msg_init(void)
{
	ipc_ids_init(&msg_ids, "ipc-msg", LR_MUTEX_IPC, &msg_mni);
	msg_mem.limit = (long)(page_alloc_total_count() * PAGE_SIZE / 16);
}

/* An IPC namespace went (kernel/ns/ipc.c): its queues are removed. */
void msg_ns_exit(u64 ns)
{
	mutex_lock(&msg_ids.lock);
	for (int i = 0; i <= msg_ids.max_idx; i++) {
		struct msg_queue *q = q_of(msg_ids.slot[i]);
		if (q && q->perm.ns == ns) {
			msg_rmid(q);
			q_put(q);	/* the table's (a kfree at most) */
		}
	}
	mutex_unlock(&msg_ids.lock);
}
