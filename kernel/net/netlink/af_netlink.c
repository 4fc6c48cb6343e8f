/*
 * AF_NETLINK sockets (docs/net.md, "Netlink"): SOCK_RAW and SOCK_DGRAM,
 * NETLINK_ROUTE only (kernel/net/netlink/rtnetlink.c answers it).
 *
 * A socket has a port id (nl_pid): bind names one, or the first send,
 * connect or bind with 0 picks one (the process's pid if free, else
 * -4096, -4097... as Linux). Bound sockets are in one table (table_lock,
 * a leaf spinlock), which makes ports unique and lets one socket send
 * to another's port.
 *
 * Messages to port 0 go to the kernel, which handles each request of a
 * send in turn, in the sender's context: a reply or an NLMSG_ERROR
 * acknowledgement (on error, or when NLM_F_ACK asks) is queued on the
 * sender's receive queue. A queue holding more than SO_RCVBUF bytes
 * (each part charged its length plus NL_COST) takes no more from the
 * kernel: the reply is dropped and the next receive says ENOBUFS, as
 * Linux's. A dump (NLM_F_DUMP) is made in parts of at most a page (or
 * the largest receive seen, up to 32 KiB), NLM_F_MULTI messages ending
 * with NLMSG_DONE: the first part at the request, each next one when a
 * receive leaves the queue at most half full. Its state is the socket's
 * (dump_lock); a second dump while one runs is EBUSY.
 *
 * Locks: dump_lock (a mutex, LR_MUTEX_NETLINK, taken before inet_lock
 * as a dump reads the interfaces) and the socket's wait-queue lock,
 * which guards the receive queue; nothing is copied to or from user
 * memory under either.
 *
 * Lifetime: the file holds a reference; so may mq_notify (a SIGEV_THREAD
 * registration). Release takes the socket out of the table, ends its
 * dump and frees its queue; what the kernel sends it afterwards is
 * dropped.
 */
#include <alloy/net_ns.h>
#include <alloy/errno.h>
#include <alloy/fdtable.h>
#include <alloy/lockrank.h>
#include <alloy/netlink.h>
#include <alloy/poll.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>
#include "../inet/inet.h"
#include "netlink.h"

#define AF_UNSPEC 0
#define MAX_LINKS 32
#define SOL_SOCKET 1
#define SOL_NETLINK 270
#define NETLINK_ADD_MEMBERSHIP 1
#define NETLINK_DROP_MEMBERSHIP 2
#define NETLINK_PKTINFO 3
#define NETLINK_BROADCAST_ERROR 4
#define NETLINK_NO_ENOBUFS 5
#define NETLINK_CAP_ACK 10
#define NETLINK_EXT_ACK 11
#define NETLINK_GET_STRICT_CHK 12
#define MSG_OOB 0x1
#define MSG_ERRQUEUE 0x2000
#define FIONREAD 0x541B
#define CAP_NET_ADMIN 12
#define NL_COST 256		/* what a queued part is charged beyond its bytes */
#define AUTOBIND_FIRST ((u32)-4096)

struct sockaddr_nl_k {
	u16 family, pad;
	u32 pid, groups;
};

struct nl_buf {
	struct list_head link;
	u32 len, src;		/* src: the sender's port, 0 for the kernel */
	u32 groups;		/* a multicast's group (as a mask), else 0 */
	u8 data[];
};

struct nl_sock {
	struct socket sk;
	struct list_head tlink;		/* [table_lock] in bound_socks */
	u32 portid;			/* [table_lock]; fixed once bound */
	bool bound;			/* [table_lock]; never unset but by release */
	u32 groups;			/* [wq.lock] bind's nl_groups */
	u32 dst_portid, dst_groups;	/* [wq.lock] connect's */
	struct list_head q;		/* [wq.lock] nl_buf parts */
	u32 qbytes;			/* [wq.lock] charged */
	bool dead;			/* [wq.lock] released */
	bool congested;			/* [wq.lock] dropped since the queue was last empty */
	bool no_enobufs, cap_ack, ext_ack, strict, pktinfo, bcast_err;	/* options */
	u32 max_recvmsg_len;		/* the largest receive seen, at most NL_DUMP_MAX */
	struct mutex dump_lock;
	bool dumping;			/* [dump_lock] */
	struct nl_dump dump;		/* [dump_lock] */
};

static spinlock_t table_lock = SPINLOCK_INIT("netlink-table", LR_NETLINK_TABLE);
static LIST_HEAD(bound_socks);		/* [table_lock] */
static u32 rover = AUTOBIND_FIRST;	/* [table_lock] */

static struct nl_sock *nlk(struct socket *s) { return (struct nl_sock *)s; }

u32 nl_portid(struct nl_sock *nl)
{
	return READ_ONCE(nl->portid);
}

/* ---- ports */

static struct nl_sock *lookup(u32 portid)
{
	struct nl_sock *nl;

	list_for_each_entry(nl, &bound_socks, tlink)
		if (nl->portid == portid)
			return nl;
	return NULL;
}

/* Binds nl to portid (0: a free one of the kernel's choice). */
static int do_bind(struct nl_sock *nl, u32 portid)
{
	int rc = 0;

	unsigned long tf = spin_lock_irqsave(&table_lock);
	if (nl->bound) {
		rc = portid && portid != nl->portid ? -EINVAL : 0;
	} else {
		if (!portid) {
			portid = (u32)current_proc()->pid;
			while (lookup(portid)) {
				portid = rover--;
				if ((s32)rover > -4096)
					rover = AUTOBIND_FIRST;	/* wrapped past INT_MIN */
			}
		} else if (lookup(portid)) {
			rc = -EADDRINUSE;
		}
		if (!rc) {
			nl->portid = portid;
			list_add(&nl->tlink, &bound_socks);
			WRITE_ONCE(nl->bound, true);
		}
	}
	spin_unlock_irqrestore(&table_lock, tf);
	return rc;
}

static int autobind(struct nl_sock *nl)
{
	return READ_ONCE(nl->bound) ? 0 : do_bind(nl, 0);
}

/* A bound socket of port portid, with a reference; NULL if none. */
static struct nl_sock *get_port(u32 portid)
{
	unsigned long tf = spin_lock_irqsave(&table_lock);
	struct nl_sock *nl = lookup(portid);
	if (nl)
		sock_get(&nl->sk);
	spin_unlock_irqrestore(&table_lock, tf);
	return nl;
}

/* ---- receive queues */

static struct nl_buf *buf_alloc(u32 cap, u32 src)
{
	struct nl_buf *b = kmalloc(sizeof(*b) + cap, GFP_KERNEL);

	if (b) {
		b->len = 0;
		b->src = src;
		b->groups = 0;
	}
	return b;
}

static bool over(const struct nl_sock *nl)
{
	return nl->qbytes > (u32)READ_ONCE(nl->sk.rcvbuf);
}

/* Queues b on nl (taking it): false if nl is closed, or (unless force)
 * its queue is over SO_RCVBUF, which the next receive reports as
 * ENOBUFS unless NETLINK_NO_ENOBUFS. */
static bool enqueue(struct nl_sock *nl, struct nl_buf *b, bool force)
{
	unsigned long flags = spin_lock_irqsave(&nl->sk.wq.lock);
	bool ok = !nl->dead && (force || !over(nl));

	if (ok) {
		list_add_tail(&b->link, &nl->q);
		nl->qbytes += b->len + NL_COST;
	} else if (!nl->dead && !nl->no_enobufs && !nl->congested) {
		nl->congested = true;	/* once per overrun, as Linux's */
		nl->sk.err = -ENOBUFS;
	}
	wake_up_all_locked(&nl->sk.wq);
	spin_unlock_irqrestore(&nl->sk.wq.lock, flags);
	if (!ok)
		kfree(b);
	return ok;
}

void nl_reply(struct nl_sock *nl, const void *data, u32 len)
{
	struct nl_buf *b = buf_alloc(len, 0);

	if (!b) {
		WRITE_ONCE(nl->sk.err, -ENOBUFS);
		wake_up_all(&nl->sk.wq);
		return;
	}
	memcpy(b->data, data, len);
	b->len = len;
	enqueue(nl, b, false);
}

static void free_list(struct list_head *l)
{
	while (!list_empty(l)) {
		struct nl_buf *b = list_first_entry(l, struct nl_buf, link);
		list_del(&b->link);
		kfree(b);
	}
}

/* ---- dumps */

/* [dump_lock] Makes the next part of nl's dump and queues it; the last
 * part ends with NLMSG_DONE carrying 0 or the dump's error. */
static void dump_step(struct nl_sock *nl)
{
	u32 cap = MAX((u32)NL_GOODSIZE, MIN(READ_ONCE(nl->max_recvmsg_len), (u32)NL_DUMP_MAX));
	struct nl_dump *d = &nl->dump;

	/* no room: the part is made when a receive makes some (dump_more),
	 * not made and dropped */
	unsigned long flags = spin_lock_irqsave(&nl->sk.wq.lock);
	bool full = over(nl);
	spin_unlock_irqrestore(&nl->sk.wq.lock, flags);
	if (full)
		return;
	struct nl_buf *b = buf_alloc(cap, 0);

	if (!b) {
		WRITE_ONCE(nl->sk.err, -ENOBUFS);	/* the next receive tries again */
		wake_up_all(&nl->sk.wq);
		return;
	}
	struct nlb nb = { b->data, cap, 0, false };
	int rc = d->fill(d, &nb);
	if (rc > 0 && !nb.len)
		rc = -EMSGSIZE;		/* one entry larger than a part: never here */
	if (rc <= 0) {
		u32 st = nlb_begin(&nb, NLMSG_DONE, NLM_F_MULTI, d->seq, d->pid, sizeof(s32));
		if (nlb_end(&nb, st)) {
			s32 e = rc;
			memcpy((u8 *)nlb_at(&nb, st) + NLMSG_HDRLEN, &e, sizeof(e));
			nl->dumping = false;
		}
		/* else: NLMSG_DONE goes in the next part */
	}
	b->len = nb.len;
	enqueue(nl, b, false);
}

/* Runs the next part if nl dumps and its queue has room for one. */
static void dump_more(struct nl_sock *nl)
{
	if (!READ_ONCE(nl->dumping))
		return;
	mutex_lock(&nl->dump_lock);
	unsigned long flags = spin_lock_irqsave(&nl->sk.wq.lock);
	bool room = nl->qbytes <= (u32)READ_ONCE(nl->sk.rcvbuf) / 2 && !nl->dead;
	spin_unlock_irqrestore(&nl->sk.wq.lock, flags);
	if (nl->dumping && room)
		dump_step(nl);
	mutex_unlock(&nl->dump_lock);
}

/* ---- requests to the kernel */

/* NLMSG_ERROR for request h: err, and the request (its header only on
 * success or with NETLINK_CAP_ACK, as Linux's). */
static void ack(struct nl_sock *nl, const struct nlmsghdr *h, int err)
{
	bool whole = err && !READ_ONCE(nl->cap_ack);
	u32 payload = whole ? h->nlmsg_len - NLMSG_HDRLEN : 0;
	u32 len = NLMSG_HDRLEN + (u32)sizeof(struct nlmsgerr) + payload;
	struct nl_buf *b = buf_alloc(NLMSG_ALIGN(len), 0);

	if (!b) {
		WRITE_ONCE(nl->sk.err, -ENOBUFS);
		wake_up_all(&nl->sk.wq);
		return;
	}
	struct nlmsghdr *r = (void *)b->data;
	r->nlmsg_len = NLMSG_ALIGN(len);	/* as Linux's, padding counted */
	r->nlmsg_type = NLMSG_ERROR;
	r->nlmsg_flags = whole ? 0 : NLM_F_CAPPED;
	r->nlmsg_seq = h->nlmsg_seq;
	r->nlmsg_pid = nl_portid(nl);
	struct nlmsgerr *e = (void *)(b->data + NLMSG_HDRLEN);
	e->error = err;
	memcpy(&e->msg, h, NLMSG_HDRLEN);
	memcpy(b->data + NLMSG_HDRLEN + sizeof(*e), (const u8 *)h + NLMSG_HDRLEN, payload);
	memset(b->data + len, 0, NLMSG_ALIGN(len) - len);
	b->len = NLMSG_ALIGN(len);	/* the part is padded, as Linux's */
	enqueue(nl, b, false);
}

static int start_dump(struct nl_sock *nl, const struct nl_dump *d)
{
	mutex_lock(&nl->dump_lock);
	if (nl->dumping) {
		mutex_unlock(&nl->dump_lock);
		return -EBUSY;
	}
	nl->dump = *d;
	nl->dumping = true;
	dump_step(nl);
	mutex_unlock(&nl->dump_lock);
	return 0;
}

/* Each complete message of data in turn, as Linux's netlink_rcv_skb: a
 * header shorter than its own size or longer than what is left ends
 * the walk silently. */
static void kernel_rcv(struct nl_sock *nl, const u8 *data, u32 len)
{
	u32 off = 0;

	while (len - off >= NLMSG_HDRLEN) {
		const struct nlmsghdr *h = (const void *)(data + off);
		if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > len - off)
			break;
		int err = 0;
		if ((h->nlmsg_flags & NLM_F_REQUEST) && h->nlmsg_type >= NLMSG_MIN_TYPE) {
			struct nl_dump d;
			err = rtnl_request(nl, h, &d);
			if (err == NL_DUMP_STARTED && (err = start_dump(nl, &d)) == 0)
				err = NL_DUMP_STARTED;	/* no acknowledgement */
		}
		if (err != NL_DUMP_STARTED && (err || (h->nlmsg_flags & NLM_F_ACK)))
			ack(nl, h, err);
		off += MIN(NLMSG_ALIGN(h->nlmsg_len), len - off);
	}
}

/* ---- the socket */

static int nl_create(struct socket *s, int protocol)
{
	struct nl_sock *nl = nlk(s);

	if (s->type != SOCK_RAW && s->type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol < 0 || protocol >= MAX_LINKS || protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	list_init(&nl->q);
	list_init(&nl->tlink);
	mutex_init(&nl->dump_lock, "netlink-dump", LR_MUTEX_NETLINK);
	return 0;
}

static void nl_release(struct socket *s)
{
	struct nl_sock *nl = nlk(s);
	LIST_HEAD(q);

	unsigned long tf = spin_lock_irqsave(&table_lock);
	if (nl->bound)
		list_del_init(&nl->tlink);
	spin_unlock_irqrestore(&table_lock, tf);
	mutex_lock(&nl->dump_lock);
	nl->dumping = false;
	mutex_unlock(&nl->dump_lock);
	unsigned long flags = spin_lock_irqsave(&s->wq.lock);
	nl->dead = true;
	list_splice_init(&nl->q, &q);
	nl->qbytes = 0;
	wake_up_all_locked(&s->wq);
	spin_unlock_irqrestore(&s->wq.lock, flags);
	free_list(&q);
}

static void nl_destroy(struct socket *s)
{
	free_list(&nlk(s)->q);	/* empty: release freed it, and nothing queues after */
}

static int nl_addr(const u8 *addr, int len, struct sockaddr_nl_k *a)
{
	if (len < (int)sizeof(*a))
		return -EINVAL;
	memcpy(a, addr, sizeof(*a));
	return a->family == AF_NETLINK ? 0 : -EINVAL;
}

static int nl_bind(struct socket *s, const u8 *addr, int len)
{
	struct nl_sock *nl = nlk(s);
	struct sockaddr_nl_k a;
	int rc;

	if ((rc = nl_addr(addr, len, &a)))
		return rc;
	/* as Linux: a bound socket may only name its own port again */
	if (READ_ONCE(nl->bound) && a.pid != nl_portid(nl))
		return -EINVAL;
	if ((rc = do_bind(nl, a.pid)))
		return rc;
	unsigned long flags = spin_lock_irqsave(&s->wq.lock);
	nl->groups = a.groups;
	spin_unlock_irqrestore(&s->wq.lock, flags);
	if (a.groups)
		rtnl_listen();
	return 0;
}

static int nl_connect(struct socket *s, const u8 *addr, int len, int fflags)
{
	struct nl_sock *nl = nlk(s);
	struct sockaddr_nl_k a;
	u16 fam;
	int rc;

	(void)fflags;
	if (len < 2)
		return -EINVAL;
	memcpy(&fam, addr, 2);
	if (fam == AF_UNSPEC) {
		a.pid = a.groups = 0;
	} else {
		if ((rc = nl_addr(addr, len, &a)))
			return rc;
		if (a.groups && !sock_capable(CAP_NET_ADMIN))
			return -EPERM;
		if ((rc = autobind(nl)))
			return rc;
	}
	unsigned long flags = spin_lock_irqsave(&s->wq.lock);
	nl->dst_portid = a.pid;
	nl->dst_groups = a.groups;
	spin_unlock_irqrestore(&s->wq.lock, flags);
	return 0;
}

static int nl_getname(struct socket *s, u8 *addr, bool peer)
{
	struct nl_sock *nl = nlk(s);
	struct sockaddr_nl_k a = { AF_NETLINK, 0, 0, 0 };

	unsigned long flags = spin_lock_irqsave(&s->wq.lock);
	if (peer) {
		a.pid = nl->dst_portid;
		a.groups = nl->dst_groups;
	} else {
		a.pid = READ_ONCE(nl->bound) ? nl_portid(nl) : 0;
		a.groups = nl->groups;
	}
	spin_unlock_irqrestore(&s->wq.lock, flags);
	memcpy(addr, &a, sizeof(a));
	return sizeof(a);
}

/* To another socket's port: waits for room in its queue as Linux's
 * netlink_unicast (EAGAIN without waiting). */
static long to_user(struct nl_sock *nl, u32 port, const u8 *data, u32 len, int flags)
{
	struct nl_sock *peer = get_port(port);
	u64 timeo = sock_timeo(&nl->sk, true, flags);
	long rc = 0;

	if (!peer)
		return -ECONNREFUSED;
	struct nl_buf *b = buf_alloc(len, nl_portid(nl));
	if (!b) {
		sock_put(&peer->sk);
		return -ENOBUFS;
	}
	memcpy(b->data, data, len);
	b->len = len;
	for (;;) {
		unsigned long f = spin_lock_irqsave(&peer->sk.wq.lock);
		bool dead = peer->dead, full = over(peer);
		if (!dead && !full) {
			list_add_tail(&b->link, &peer->q);
			peer->qbytes += b->len + NL_COST;
			wake_up_all_locked(&peer->sk.wq);
			b = NULL;
		}
		spin_unlock_irqrestore(&peer->sk.wq.lock, f);
		if (!b)
			break;
		if (dead) {
			rc = -ECONNREFUSED;
			break;
		}
		if (!timeo) {
			rc = -EAGAIN;
			break;
		}
		if (timeo == SOCK_FOREVER)
			wait_event(peer->sk.wq, !over(peer) || READ_ONCE(peer->dead) || signal_pending());
		else if (!wait_event_timeout(peer->sk.wq,
					     !over(peer) || READ_ONCE(peer->dead) || signal_pending(), timeo))
			timeo = 0;
		if (signal_pending()) {
			rc = sock_intr(timeo);
			break;
		}
	}
	kfree(b);
	sock_put(&peer->sk);
	return rc;
}

static long nl_sendmsg(struct socket *s, struct kmsg *m, int flags)
{
	struct nl_sock *nl = nlk(s);
	u32 dst_pid, dst_groups;
	size_t len = m->it.left;
	long rc;

	if (m->scm)
		return -EINVAL;		/* no SCM_RIGHTS on netlink */
	if (m->namelen) {
		struct sockaddr_nl_k a;
		if ((rc = nl_addr(m->name, m->namelen, &a)))
			return rc;
		dst_pid = a.pid;
		dst_groups = a.groups;
		if (dst_groups && !sock_capable(CAP_NET_ADMIN))
			return -EPERM;
	} else {
		unsigned long f = spin_lock_irqsave(&s->wq.lock);
		dst_pid = nl->dst_portid;
		dst_groups = nl->dst_groups;
		spin_unlock_irqrestore(&s->wq.lock, f);
	}
	if ((rc = autobind(nl)))
		return rc;
	if (len > (size_t)READ_ONCE(s->sndbuf) - 32)
		return -EMSGSIZE;
	u8 *data = kmalloc(len ? len : 1, GFP_KERNEL);
	if (!data)
		return -ENOBUFS;
	if (iter_copy_in(&m->it, data, len)) {
		kfree(data);
		return -EFAULT;
	}
	/* groups: no other socket is told (no multicast from user space
	 * here); the message still goes to dst_pid, as Linux's */
	(void)dst_groups;
	rc = (long)len;
	if (dst_pid) {
		long e = to_user(nl, dst_pid, data, (u32)len, flags);
		if (e)
			rc = e;
	} else {
		kernel_rcv(nl, data, (u32)len);
	}
	kfree(data);
	return rc;
}

static bool readable(struct nl_sock *nl)
{
	return !list_empty(&nl->q) || READ_ONCE(nl->sk.err) || signal_pending();
}

static long nl_recvmsg(struct socket *s, struct kmsg *m, size_t len, int flags)
{
	struct nl_sock *nl = nlk(s);
	u64 timeo = sock_timeo(s, false, flags);
	struct nl_buf *b;
	u8 *peeked = NULL;
	size_t peek_cap = 0;
	unsigned long f;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;		/* no error queue: always empty */
again:
	for (;;) {
		f = spin_lock_irqsave(&s->wq.lock);
		/* as Linux's datagram receive: a pending error first */
		int e = __atomic_exchange_n(&s->err, 0, __ATOMIC_RELAXED);
		if (!e && !list_empty(&nl->q))
			break;
		spin_unlock_irqrestore(&s->wq.lock, f);
		if (e || !timeo) {
			if (!e && READ_ONCE(nl->dumping)) {
				dump_more(nl);
				continue;
			}
			kfree(peeked);
			return e ? e : -EAGAIN;
		}
		if (READ_ONCE(nl->dumping)) {
			dump_more(nl);
			continue;
		}
		if (timeo == SOCK_FOREVER)
			wait_event(s->wq, readable(nl));
		else if (!wait_event_timeout(s->wq, readable(nl), timeo))
			timeo = 0;
		if (list_empty(&nl->q) && !READ_ONCE(s->err) && signal_pending()) {
			kfree(peeked);
			return sock_intr(timeo);
		}
	}
	b = list_first_entry(&nl->q, struct nl_buf, link);
	u32 blen = b->len, src = b->src, groups = b->groups;
	size_t n = MIN(len, (size_t)blen);
	if (flags & MSG_PEEK) {
		/* the part stays queued; a copy goes out, made under the lock
		 * into memory allocated without it */
		if (!peeked || peek_cap < n) {
			spin_unlock_irqrestore(&s->wq.lock, f);
			kfree(peeked);
			peek_cap = n;
			if (!(peeked = kmalloc(n ? n : 1, GFP_KERNEL)))
				return -ENOBUFS;
			goto again;
		}
		memcpy(peeked, b->data, n);
		b = NULL;
	} else {
		list_del(&b->link);
		nl->qbytes -= blen + NL_COST;
		if (list_empty(&nl->q))
			nl->congested = false;	/* the next overrun says ENOBUFS again */
	}
	spin_unlock_irqrestore(&s->wq.lock, f);
	long rc;
	if (!b && !peeked)
		rc = -ENOBUFS;
	else if (iter_copy_out(&m->it, b ? b->data : peeked, n))
		rc = -EFAULT;	/* the part is lost, as Linux's */
	else
		rc = (flags & MSG_TRUNC) ? (long)blen : (long)n;
	if (n < blen)
		m->flags |= MSG_TRUNC;
	struct sockaddr_nl_k a = { AF_NETLINK, 0, src, groups };
	memcpy(m->name, &a, sizeof(a));
	m->namelen = sizeof(a);
	kfree(b);
	kfree(peeked);
	if (len > READ_ONCE(nl->max_recvmsg_len))
		WRITE_ONCE(nl->max_recvmsg_len, (u32)MIN(len, (size_t)NL_DUMP_MAX));
	dump_more(nl);
	return rc;
}

static unsigned int nl_poll(struct socket *s, struct poll_table *pt)
{
	struct nl_sock *nl = nlk(s);
	unsigned int mask = POLLOUT | POLLWRNORM;

	poll_wait(pt, &s->wq);
	unsigned long f = spin_lock_irqsave(&s->wq.lock);
	if (!list_empty(&nl->q))
		mask |= POLLIN | POLLRDNORM;
	if (s->err)
		mask |= POLLERR;
	spin_unlock_irqrestore(&s->wq.lock, f);
	return mask;
}

static int nl_shutdown(struct socket *s, int how)
{
	(void)s;
	(void)how;
	return -EOPNOTSUPP;	/* Linux's sock_no_shutdown */
}

static int nl_listen(struct socket *s, int backlog)
{
	(void)s;
	(void)backlog;
	return -EOPNOTSUPP;
}

static int nl_accept(struct socket *s, struct socket **out, int flags)
{
	(void)s;
	(void)out;
	(void)flags;
	return -EOPNOTSUPP;
}

static long nl_ioctl(struct socket *s, u32 cmd, u64 arg)
{
	(void)s;
	if (cmd == FIONREAD)
		return -ENOTTY;		/* as Linux's netlink */
	return inet_dev_ioctl(s->net, cmd, arg);	/* SIOCGIF* work on any socket */
}

static bool nl_peercred(struct socket *s, struct ucred_k *out)
{
	(void)s;
	(void)out;
	return false;
}

static int nl_setsockopt(struct socket *s, int level, int name, u64 uval, u64 len)
{
	struct nl_sock *nl = nlk(s);
	int v;

	if (level == SOL_SOCKET)
		return 0;	/* SO_RCVBUF and friends are read where used */
	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	/* as Linux's netlink_setsockopt: a value shorter than an int is 0 */
	v = 0;
	if ((s64)len >= (s64)sizeof(int) && copy_from_user(&v, (void *)uval, sizeof(v)))
		return -EFAULT;
	switch (name) {
	case NETLINK_ADD_MEMBERSHIP:
	case NETLINK_DROP_MEMBERSHIP: {
		if (v <= 0 || v > 32)
			return v > 32 ? 0 : -EINVAL;	/* groups past 32: no such (nothing sent) */
		int rc = autobind(nl);
		if (rc)
			return rc;
		unsigned long f = spin_lock_irqsave(&s->wq.lock);
		if (name == NETLINK_ADD_MEMBERSHIP)
			nl->groups |= 1u << (v - 1);
		else
			nl->groups &= ~(1u << (v - 1));
		spin_unlock_irqrestore(&s->wq.lock, f);
		if (name == NETLINK_ADD_MEMBERSHIP)
			rtnl_listen();
		return 0;
	}
	case NETLINK_PKTINFO: WRITE_ONCE(nl->pktinfo, !!v); return 0;
	case NETLINK_BROADCAST_ERROR: WRITE_ONCE(nl->bcast_err, !!v); return 0;
	case NETLINK_NO_ENOBUFS: WRITE_ONCE(nl->no_enobufs, !!v); return 0;
	case NETLINK_CAP_ACK: WRITE_ONCE(nl->cap_ack, !!v); return 0;
	case NETLINK_EXT_ACK: WRITE_ONCE(nl->ext_ack, !!v); return 0;
	case NETLINK_GET_STRICT_CHK: WRITE_ONCE(nl->strict, !!v); return 0;
	}
	return -ENOPROTOOPT;
}

static int nl_getsockopt(struct socket *s, int level, int name, int *val)
{
	struct nl_sock *nl = nlk(s);

	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	switch (name) {
	case NETLINK_PKTINFO: *val = READ_ONCE(nl->pktinfo); return 0;
	case NETLINK_BROADCAST_ERROR: *val = READ_ONCE(nl->bcast_err); return 0;
	case NETLINK_NO_ENOBUFS: *val = READ_ONCE(nl->no_enobufs); return 0;
	case NETLINK_CAP_ACK: *val = READ_ONCE(nl->cap_ack); return 0;
	case NETLINK_EXT_ACK: *val = READ_ONCE(nl->ext_ack); return 0;
	case NETLINK_GET_STRICT_CHK: *val = READ_ONCE(nl->strict); return 0;
	}
	return -ENOPROTOOPT;
}

const struct proto_ops netlink_ops = {
	.family = AF_NETLINK,
	.obj_size = sizeof(struct nl_sock),
	.create = nl_create,
	.release = nl_release,
	.destroy = nl_destroy,
	.bind = nl_bind,
	.connect = nl_connect,
	.listen = nl_listen,
	.accept = nl_accept,
	.getname = nl_getname,
	.poll = nl_poll,
	.sendmsg = nl_sendmsg,
	.recvmsg = nl_recvmsg,
	.shutdown = nl_shutdown,
	.ioctl = nl_ioctl,
	.peercred = nl_peercred,
	.setsockopt = nl_setsockopt,
	.getsockopt = nl_getsockopt,
};

/* ---- multicast from the kernel */

static bool subscribed(struct nl_sock *nl, u32 mask)
{
	return READ_ONCE(nl->groups) & mask;
}

struct net *nl_net(struct nl_sock *nl)
{
	return nl->sk.net;
}

bool nl_has_listeners(void)
{
	struct nl_sock *nl;
	bool any = false;

	unsigned long tf = spin_lock_irqsave(&table_lock);
	list_for_each_entry(nl, &bound_socks, tlink)
		if (READ_ONCE(nl->groups) && nl->sk.net == &init_net)
			any = true;
	spin_unlock_irqrestore(&table_lock, tf);
	return any;
}

void nl_broadcast(u32 group, const void *data, u32 len)
{
	u32 mask = 1u << (group - 1);
	struct nl_sock *nl, **to;
	int n = 0, cap = 0;

	if (group < 1 || group > 32)
		return;
	/* the members, each with a reference: counted, then gathered (one
	 * that joins in between may miss this message, as if it had joined
	 * after it) */
	unsigned long tf = spin_lock_irqsave(&table_lock);
	list_for_each_entry(nl, &bound_socks, tlink)
		cap += subscribed(nl, mask) && nl->sk.net == &init_net;
	spin_unlock_irqrestore(&table_lock, tf);
	if (!cap || !(to = kmalloc(sizeof(*to) * (size_t)cap, GFP_KERNEL)))
		return;
	tf = spin_lock_irqsave(&table_lock);
	list_for_each_entry(nl, &bound_socks, tlink)
		if (n < cap && subscribed(nl, mask) && nl->sk.net == &init_net)
			to[n++] = (struct nl_sock *)sock_get(&nl->sk);
	spin_unlock_irqrestore(&table_lock, tf);
	for (int i = 0; i < n; i++) {
		struct nl_buf *b = buf_alloc(len, 0);
		if (b) {
			memcpy(b->data, data, len);
			b->len = len;
			b->groups = mask;
			/* a full queue: dropped, ENOBUFS to that listener;
			 * never a wait */
			enqueue(to[i], b, false);
		} else {
			WRITE_ONCE(to[i]->sk.err, -ENOBUFS);
			wake_up_all(&to[i]->sk.wq);
		}
		sock_put(&to[i]->sk);
	}
	kfree(to);
}

/* ---- for the rest of the kernel (mq_notify) */

int netlink_sock_by_fd(int fd, struct socket **out)
{
	struct file *f = fd_get(current_proc()->files, fd);

	if (!f)
		return -EBADF;
	struct socket *s = sock_from_file(f);
	int rc = !s ? -ENOTSOCK : s->family != AF_NETLINK ? -EINVAL : 0;
	if (!rc)
		*out = sock_get(s);
	file_put(f);
	return rc;
}

bool netlink_deliver_kernel(struct socket *s, const void *data, size_t len)
{
	struct nl_sock *nl = nlk(s);
	struct nl_buf *b = buf_alloc((u32)len, 0);

	if (!b)
		return false;
	memcpy(b->data, data, len);
	b->len = (u32)len;
	return enqueue(nl, b, true);
}
