/*
 * Packet sockets (docs/net.md, "Packet sockets"): socket(AF_PACKET,
 * SOCK_RAW or SOCK_DGRAM, htons(protocol)), CAP_NET_RAW only (EPERM).
 *
 * Receiving: the interfaces call packet_tap with every frame they see
 * (kernel/net/inet/netd.c): eth0's received frames (by their
 * destination: PACKET_HOST, BROADCAST, MULTICAST, OTHERHOST) and sent
 * ones (PACKET_OUTGOING), and the loopback's packets with a zero
 * Ethernet header, each seen going out and coming in, as Linux's lo.
 * A socket takes the frames of its protocol (ETH_P_ALL: every one,
 * outgoing ones only then, as Linux) on its interface (bind's ifindex,
 * or any): SOCK_RAW the whole frame, SOCK_DGRAM without the Ethernet
 * header; the sender's address in a sockaddr_ll. A socket queues at most
 * SO_RCVBUF bytes (each frame charged its length plus 256) and drops the
 * rest, as Linux's.
 *
 * Sending: SOCK_RAW sends a whole frame (at least an Ethernet header,
 * at most the MTU plus the header: EINVAL, EMSGSIZE); SOCK_DGRAM the
 * payload, with a header built from sockaddr_ll's address and protocol
 * and the interface's MAC. On the loopback the frame's packet goes into
 * the stack as received.
 *
 * Not here: the mmap-ed rings (PACKET_RX_RING, PACKET_TX_RING: ENOPROTOOPT
 * rather than a ring nobody fills), multicast and promiscuous membership,
 * PACKET_STATISTICS, socket filters.
 *
 * Locks: sock_list (a mutex, LR_MUTEX_PACKET, taken under inet_lock by
 * the taps) guards the list of listening sockets and each one's
 * protocol and interface; each socket's wait-queue lock guards its
 * queue. A socket leaves the list at release, before its queue is freed.
 */
#include <alloy/errno.h>
#include <alloy/list.h>
#include <alloy/lockrank.h>
#include <alloy/mutex.h>
#include <alloy/packet.h>
#include <alloy/poll.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/socket.h>
#include <alloy/string.h>
#include <alloy/uaccess.h>
#include "../inet/inet.h"

#define ETH_P_ALL 0x0003
#define ETH_HLEN 14
#define SOL_PACKET 263
#define PACKET_RX_RING 5
#define PACKET_VERSION 10
#define PACKET_RESERVE 12
#define PACKET_TX_RING 13
#define TPACKET_V1 0
#define TPACKET_V3 2
#define CAP_NET_RAW 13
#define SOL_SOCKET 1
#define MSG_OOB 0x1
#define MSG_ERRQUEUE 0x2000
#define FIONREAD 0x541B
#define ENETDOWN 100
#define PKT_COST 256
#define SLL_ADDR_OFF 12		/* offsetof(struct sockaddr_ll, sll_addr) */

struct sockaddr_ll_k {
	u16 family;
	u16 protocol;		/* network order */
	s32 ifindex;
	u16 hatype;
	u8 pkttype, halen;
	u8 addr[8];
};

struct pkt_buf {
	struct list_head link;
	struct sockaddr_ll_k from;
	u32 len;
	u8 data[];
};

struct pkt_sock {
	struct socket sk;
	struct list_head link;	/* [sock_list] on socks while it has a protocol */
	u16 proto;		/* [sock_list] network order; 0: takes nothing */
	int ifindex;		/* [sock_list] 0: every interface */
	bool listed;		/* [sock_list] */
	struct list_head q;	/* [wq.lock] */
	u32 qbytes;		/* [wq.lock] */
	bool dead;		/* [wq.lock] released */
	int version, reserve;	/* PACKET_VERSION, PACKET_RESERVE: stored */
};

static struct mutex sock_list = {
	.wq = WAIT_QUEUE_INIT(sock_list.wq, "packet-socks"),
	.dep = { "packet-socks", LR_MUTEX_PACKET },
};
static LIST_HEAD(socks);	/* [sock_list] */
static int nr_listening;	/* [sock_list]; read without it as a hint */

static struct pkt_sock *psk(struct socket *s) { return (struct pkt_sock *)s; }

bool packet_listening(void)
{
	return READ_ONCE(nr_listening) > 0;
}

/* ---- receiving */

static void deliver(struct pkt_sock *ps, const u8 *frame, size_t len, int ifindex, u16 hatype,
		    u8 pkttype)
{
	bool dgram = ps->sk.type == SOCK_DGRAM;
	size_t n = dgram ? len - ETH_HLEN : len;
	struct pkt_buf *b = kmalloc(sizeof(*b) + n, GFP_KERNEL);

	if (!b)
		return;
	memset(&b->from, 0, sizeof(b->from));
	b->from.family = AF_PACKET;
	memcpy(&b->from.protocol, frame + 12, 2);
	b->from.ifindex = ifindex;
	b->from.hatype = hatype;
	b->from.pkttype = pkttype;
	b->from.halen = 6;
	memcpy(b->from.addr, frame + 6, 6);	/* the source MAC */
	b->len = (u32)n;
	memcpy(b->data, frame + (dgram ? ETH_HLEN : 0), n);
	unsigned long f = spin_lock_irqsave(&ps->sk.wq.lock);
	bool ok = !ps->dead && ps->qbytes <= (u32)READ_ONCE(ps->sk.rcvbuf);
	if (ok) {
		list_add_tail(&b->link, &ps->q);
		ps->qbytes += b->len + PKT_COST;
		wake_up_all_locked(&ps->sk.wq);
	}
	spin_unlock_irqrestore(&ps->sk.wq.lock, f);
	if (!ok)
		kfree(b);
}

void packet_tap(int ifindex, u16 hatype, const void *frame, size_t len, u8 pkttype)
{
	struct pkt_sock *ps;
	u16 proto;

	if (len < ETH_HLEN || !packet_listening())
		return;
	memcpy(&proto, (const u8 *)frame + 12, 2);
	mutex_lock(&sock_list);
	list_for_each_entry(ps, &socks, link) {
		bool all = ps->proto == __builtin_bswap16(ETH_P_ALL);
		if (!all && (ps->proto != proto || pkttype == PACKET_OUTGOING))
			continue;
		if (ps->ifindex && ps->ifindex != ifindex)
			continue;
		deliver(ps, frame, len, ifindex, hatype, pkttype);
	}
	mutex_unlock(&sock_list);
}

/* [sock_list] On the list while it has a protocol. */
static void relist(struct pkt_sock *ps)
{
	bool want = ps->proto && !ps->dead;

	if (want && !ps->listed) {
		list_add_tail(&ps->link, &socks);
		nr_listening++;
	} else if (!want && ps->listed) {
		list_del(&ps->link);
		nr_listening--;
	}
	ps->listed = want;
}

/* ---- the socket */

static int pkt_create(struct socket *s, int protocol)
{
	struct pkt_sock *ps = psk(s);

	if (!sock_capable(CAP_NET_RAW))
		return -EPERM;
	if (s->type != SOCK_RAW && s->type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	list_init(&ps->q);
	list_init(&ps->link);
	mutex_lock(&sock_list);
	ps->proto = (u16)protocol;
	relist(ps);
	mutex_unlock(&sock_list);
	return 0;
}

static void free_bufs(struct list_head *l)
{
	while (!list_empty(l)) {
		struct pkt_buf *b = list_first_entry(l, struct pkt_buf, link);
		list_del(&b->link);
		kfree(b);
	}
}

static void pkt_release(struct socket *s)
{
	struct pkt_sock *ps = psk(s);
	LIST_HEAD(q);

	mutex_lock(&sock_list);
	ps->dead = true;
	relist(ps);
	mutex_unlock(&sock_list);
	unsigned long f = spin_lock_irqsave(&s->wq.lock);
	list_splice_init(&ps->q, &q);
	ps->qbytes = 0;
	wake_up_all_locked(&s->wq);
	spin_unlock_irqrestore(&s->wq.lock, f);
	free_bufs(&q);
}

static int pkt_bind(struct socket *s, const u8 *addr, int len)
{
	struct pkt_sock *ps = psk(s);
	struct sockaddr_ll_k a;
	u16 hatype;
	u8 mac[6];
	u32 mtu;

	if (len < (int)sizeof(a))
		return -EINVAL;
	memcpy(&a, addr, sizeof(a));
	if (a.family != AF_PACKET)
		return -EINVAL;
	if (a.ifindex && iface_hw(a.ifindex, &hatype, mac, &mtu))
		return -ENODEV;
	mutex_lock(&sock_list);
	ps->ifindex = a.ifindex;
	if (a.protocol)
		ps->proto = a.protocol;
	relist(ps);
	mutex_unlock(&sock_list);
	return 0;
}

static int pkt_connect(struct socket *s, const u8 *addr, int len, int fflags)
{
	(void)s; (void)addr; (void)len; (void)fflags;
	return -EOPNOTSUPP;
}

static int pkt_getname(struct socket *s, u8 *addr, bool peer)
{
	struct pkt_sock *ps = psk(s);
	struct sockaddr_ll_k a;
	u8 mac[6];
	u32 mtu;

	if (peer)
		return -EOPNOTSUPP;
	memset(&a, 0, sizeof(a));
	a.family = AF_PACKET;
	mutex_lock(&sock_list);
	a.protocol = ps->proto;
	a.ifindex = ps->ifindex;
	mutex_unlock(&sock_list);
	if (a.ifindex && !iface_hw(a.ifindex, &a.hatype, mac, &mtu)) {
		a.halen = 6;
		memcpy(a.addr, mac, 6);
	}
	memcpy(addr, &a, sizeof(a));
	return SLL_ADDR_OFF + a.halen;	/* as Linux's */
}

static long pkt_sendmsg(struct socket *s, struct kmsg *m, int flags)
{
	struct pkt_sock *ps = psk(s);
	struct sockaddr_ll_k a;
	size_t len = m->it.left;
	int ifindex;
	u16 proto, hatype;
	u8 mac[6];
	u32 mtu;
	long rc;

	(void)flags;
	if (m->scm)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	if (m->namelen) {
		if (m->namelen < SLL_ADDR_OFF)
			return -EINVAL;
		memcpy(&a, m->name, MIN((size_t)m->namelen, sizeof(a)));
		if (m->namelen < SLL_ADDR_OFF + a.halen)
			return -EINVAL;
		ifindex = a.ifindex;
		proto = a.protocol;
	} else {
		mutex_lock(&sock_list);
		ifindex = ps->ifindex;
		proto = ps->proto;
		mutex_unlock(&sock_list);
	}
	if (!ifindex || iface_hw(ifindex, &hatype, mac, &mtu))
		return -ENXIO;
	bool dgram = s->type == SOCK_DGRAM;
	size_t hdr = dgram ? ETH_HLEN : 0;
	if (!dgram && len < ETH_HLEN)
		return -EINVAL;		/* shorter than the link header */
	if (len + hdr > (size_t)mtu + ETH_HLEN)
		return -EMSGSIZE;
	if (dgram && m->namelen && a.halen < 6)
		return -EINVAL;
	u8 *frame = kmalloc(len + hdr, GFP_KERNEL);
	if (!frame)
		return -ENOBUFS;
	if (iter_copy_in(&m->it, frame + hdr, len)) {
		kfree(frame);
		return -EFAULT;
	}
	if (dgram) {
		memcpy(frame, a.addr, 6);	/* no name: a zero destination */
		memcpy(frame + 6, mac, 6);
		memcpy(frame + 12, &proto, 2);
	}
	rc = iface_xmit(ifindex, frame, len + hdr);
	kfree(frame);
	return rc ? rc : (long)len;
}

static bool readable(struct pkt_sock *ps)
{
	return !list_empty(&ps->q) || READ_ONCE(ps->sk.err) || signal_pending();
}

static long pkt_recvmsg(struct socket *s, struct kmsg *m, size_t len, int flags)
{
	struct pkt_sock *ps = psk(s);
	u64 timeo = sock_timeo(s, false, flags);
	struct pkt_buf *b;
	u8 *peeked = NULL;
	size_t peek_cap = 0;
	unsigned long f;

	if (flags & (MSG_OOB | MSG_ERRQUEUE))
		return flags & MSG_OOB ? -EOPNOTSUPP : -EAGAIN;
again:
	for (;;) {
		f = spin_lock_irqsave(&s->wq.lock);
		int e = __atomic_exchange_n(&s->err, 0, __ATOMIC_RELAXED);
		if (!e && !list_empty(&ps->q))
			break;
		spin_unlock_irqrestore(&s->wq.lock, f);
		if (e || !timeo) {
			kfree(peeked);
			return e ? e : -EAGAIN;
		}
		if (timeo == SOCK_FOREVER)
			wait_event(s->wq, readable(ps));
		else if (!wait_event_timeout(s->wq, readable(ps), timeo))
			timeo = 0;
		if (list_empty(&ps->q) && !READ_ONCE(s->err) && signal_pending()) {
			kfree(peeked);
			return sock_intr(timeo);
		}
	}
	b = list_first_entry(&ps->q, struct pkt_buf, link);
	u32 blen = b->len;
	size_t n = MIN(len, (size_t)blen);
	struct sockaddr_ll_k from = b->from;
	if (flags & MSG_PEEK) {
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
		ps->qbytes -= blen + PKT_COST;
	}
	spin_unlock_irqrestore(&s->wq.lock, f);
	long rc = iter_copy_out(&m->it, b ? b->data : peeked, n) ? -EFAULT :
		  (flags & MSG_TRUNC) ? (long)blen : (long)n;
	if (n < blen)
		m->flags |= MSG_TRUNC;
	memcpy(m->name, &from, sizeof(from));
	m->namelen = sizeof(from);
	kfree(b);
	kfree(peeked);
	return rc;
}

static unsigned int pkt_poll(struct socket *s, struct poll_table *pt)
{
	struct pkt_sock *ps = psk(s);
	unsigned int mask = POLLOUT | POLLWRNORM;

	poll_wait(pt, &s->wq);
	unsigned long f = spin_lock_irqsave(&s->wq.lock);
	if (!list_empty(&ps->q))
		mask |= POLLIN | POLLRDNORM;
	if (s->err)
		mask |= POLLERR;
	spin_unlock_irqrestore(&s->wq.lock, f);
	return mask;
}

static int pkt_shutdown(struct socket *s, int how)
{
	(void)s; (void)how;
	return -EOPNOTSUPP;
}

static int pkt_listen(struct socket *s, int backlog)
{
	(void)s; (void)backlog;
	return -EOPNOTSUPP;
}

static int pkt_accept(struct socket *s, struct socket **out, int flags)
{
	(void)s; (void)out; (void)flags;
	return -EOPNOTSUPP;
}

static long pkt_ioctl(struct socket *s, u32 cmd, u64 arg)
{
	struct pkt_sock *ps = psk(s);

	if (cmd == FIONREAD) {
		unsigned long f = spin_lock_irqsave(&s->wq.lock);
		int v = list_empty(&ps->q) ? 0 : (int)list_first_entry(&ps->q, struct pkt_buf, link)->len;
		spin_unlock_irqrestore(&s->wq.lock, f);
		return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
	}
	return inet_dev_ioctl(cmd, arg);
}

static bool pkt_peercred(struct socket *s, struct ucred_k *out)
{
	(void)s; (void)out;
	return false;
}

static int pkt_setsockopt(struct socket *s, int level, int name, u64 uval, u64 len)
{
	struct pkt_sock *ps = psk(s);
	int v;

	if (level == SOL_SOCKET)
		return 0;
	if (level != SOL_PACKET)
		return -ENOPROTOOPT;
	if (name == PACKET_VERSION || name == PACKET_RESERVE) {
		if ((s64)len < (s64)sizeof(int))
			return -EINVAL;
		if (copy_from_user(&v, (void *)uval, sizeof(v)))
			return -EFAULT;
		if (name == PACKET_VERSION) {
			if (v < TPACKET_V1 || v > TPACKET_V3)
				return -EINVAL;
			WRITE_ONCE(ps->version, v);
		} else {
			if (v < 0 || v > 0x7fffffff / 2)
				return -EINVAL;
			WRITE_ONCE(ps->reserve, v);
		}
		return 0;
	}
	/* PACKET_RX_RING / PACKET_TX_RING and the rest: not here */
	return -ENOPROTOOPT;
}

static int pkt_getsockopt(struct socket *s, int level, int name, int *val)
{
	struct pkt_sock *ps = psk(s);

	if (level != SOL_PACKET)
		return -ENOPROTOOPT;
	if (name == PACKET_VERSION) {
		*val = READ_ONCE(ps->version);
		return 0;
	}
	if (name == PACKET_RESERVE) {
		*val = READ_ONCE(ps->reserve);
		return 0;
	}
	return -ENOPROTOOPT;
}

const struct proto_ops packet_ops = {
	.family = AF_PACKET,
	.obj_size = sizeof(struct pkt_sock),
	.create = pkt_create,
	.release = pkt_release,
	.bind = pkt_bind,
	.connect = pkt_connect,
	.listen = pkt_listen,
	.accept = pkt_accept,
	.getname = pkt_getname,
	.poll = pkt_poll,
	.sendmsg = pkt_sendmsg,
	.recvmsg = pkt_recvmsg,
	.shutdown = pkt_shutdown,
	.ioctl = pkt_ioctl,
	.peercred = pkt_peercred,
	.setsockopt = pkt_setsockopt,
	.getsockopt = pkt_getsockopt,
};
