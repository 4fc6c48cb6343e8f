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
 * The memory-mapped rings (PACKET_RX_RING, PACKET_TX_RING, mmap) are
 * ring.c's: a socket with an RX ring takes its frames there rather than
 * on its queue. PACKET_STATISTICS counts both ways. PACKET_VNET_HDR
 * (SOCK_RAW): each frame read starts with a virtio_net_hdr (all zero:
 * no offloads), each one sent must (and may ask for none).
 *
 * Not here: multicast and promiscuous membership, socket filters,
 * fanout, timestamps other than the software one.
 *
 * Locks: ps->ring_mtx (options and rings, ring.c) > inet_lock >
 * sock_list (a mutex, LR_MUTEX_PACKET, taken under inet_lock by the
 * taps), which guards the list of listening sockets and each one's
 * protocol and interface; each socket's wait-queue lock guards its
 * queue, its RX ring's state and its statistics. A socket leaves the
 * list at release, before its queue and rings go.
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
#include "packet_int.h"

#define ETH_P_ALL 0x0003
#define ETH_HLEN 14
#define SOL_PACKET 263
#define PACKET_RX_RING 5
#define PACKET_STATISTICS 6
#define PACKET_COPY_THRESH 7
#define PACKET_VERSION 10
#define PACKET_HDRLEN 11
#define PACKET_RESERVE 12
#define PACKET_TX_RING 13
#define PACKET_LOSS 14
#define PACKET_VNET_HDR 15
#define VNET_HDR_LEN 10
#define CAP_NET_RAW 13
#define SOL_SOCKET 1
#define MSG_OOB 0x1
#define MSG_ERRQUEUE 0x2000
#define FIONREAD 0x541B
#define ENETDOWN 100
#define PKT_COST 256
#define SLL_ADDR_OFF 12		/* offsetof(struct sockaddr_ll, sll_addr) */

struct pkt_buf {
	struct list_head link;
	struct sockaddr_ll_k from;
	u32 len;
	u8 data[];
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

/* [wq.lock] Queues b (NULL: none could be allocated) if there is room. */
static bool queue_buf(struct pkt_sock *ps, struct pkt_buf *b)
{
	if (!b || ps->qbytes > (u32)READ_ONCE(ps->sk.rcvbuf))
		return false;
	list_add_tail(&b->link, &ps->q);
	ps->qbytes += b->len + PKT_COST;
	return true;
}

static struct pkt_buf *make_buf(struct pkt_sock *ps, const struct pkt_frame *fr)
{
	u32 vnet = ps->vnet_hdr ? VNET_HDR_LEN : 0;
	struct pkt_buf *b = kmalloc(sizeof(*b) + vnet + fr->len, GFP_KERNEL);

	if (!b)
		return NULL;
	b->from = fr->from;
	b->len = vnet + fr->len;
	memset(b->data, 0, vnet);	/* no offloads to describe */
	memcpy(b->data + vnet, fr->data, fr->len);
	return b;
}

static void deliver(struct pkt_sock *ps, const u8 *frame, size_t len, int ifindex, u16 hatype,
		    u8 pkttype)
{
	bool dgram = ps->sk.type == SOCK_DGRAM;
	struct pkt_frame fr = {
		.data = frame + (dgram ? ETH_HLEN : 0),
		.len = (u32)(dgram ? len - ETH_HLEN : len),
		.now = wall_clock_ns(),
	};
	struct pkt_buf *b = NULL;
	bool ok, copy = false;

	memset(&fr.from, 0, sizeof(fr.from));
	fr.from.family = AF_PACKET;
	memcpy(&fr.from.protocol, frame + 12, 2);
	fr.from.ifindex = ifindex;
	fr.from.hatype = hatype;
	fr.from.pkttype = pkttype;
	fr.from.halen = 6;
	memcpy(fr.from.addr, frame + 6, 6);	/* the source MAC */
	/* a hint: a ring set meanwhile frees b, one taken away drops this */
	if (!READ_ONCE(ps->rx) || READ_ONCE(ps->copy_thresh))
		b = make_buf(ps, &fr);
	unsigned long f = spin_lock_irqsave(&ps->sk.wq.lock);
	if (ps->dead) {
		spin_unlock_irqrestore(&ps->sk.wq.lock, f);
		kfree(b);
		return;
	}
	if (ps->rx) {
		ok = pkt_ring_rx(ps, &fr, &copy);
		if (copy && queue_buf(ps, b))
			b = NULL;
	} else if ((ok = queue_buf(ps, b))) {
		b = NULL;
	}
	if (ok)
		ps->st_packets++;
	else
		ps->st_drops++;	/* PACKET_STATISTICS adds them to the packets, as Linux */
	wake_up_all_locked(&ps->sk.wq);
	spin_unlock_irqrestore(&ps->sk.wq.lock, f);
	kfree(b);
}

void packet_tap(int ifindex, u16 hatype, const void *frame, size_t len, u8 pkttype)
{
	struct pkt_sock *ps;
	u16 proto;

	if (len < ETH_HLEN || !packet_listening())
		return;
	memcpy(&proto, (const u8 *)frame + 12, 2);
	/* ifindex is lwIP's: a socket sees its own network namespace's
	 * interfaces only, by the index its users know (inet_lock is held) */
	struct net *net = inet_idx_net(ifindex);
	int uidx = inet_idx_uindex(ifindex);
	mutex_lock(&sock_list);
	list_for_each_entry(ps, &socks, link) {
		bool all = ps->proto == __builtin_bswap16(ETH_P_ALL);
		if (ps->sk.net != net)
			continue;
		if (!all && (ps->proto != proto || pkttype == PACKET_OUTGOING))
			continue;
		if (ps->ifindex && ps->ifindex != uidx)
			continue;
		deliver(ps, frame, len, uidx, hatype, pkttype);
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
	mutex_init(&ps->ring_mtx, "packet-ring", LR_MUTEX_PACKET_RING);
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
	pkt_ring_release(ps);
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
	if (a.ifindex && iface_hw(s->net, a.ifindex, &hatype, mac, &mtu))
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
	if (a.ifindex && !iface_hw(s->net, a.ifindex, &a.hatype, mac, &mtu)) {
		a.halen = 6;
		memcpy(a.addr, mac, 6);
	}
	memcpy(addr, &a, sizeof(a));
	return SLL_ADDR_OFF + a.halen;	/* as Linux's */
}

/* Sends data (kernel memory; a frame for SOCK_RAW, a payload for
 * SOCK_DGRAM) to the named address or the bound one. */
int pkt_xmit(struct pkt_sock *ps, const struct sockaddr_ll_k *to, bool named, const u8 *data,
	     size_t len)
{
	int ifindex;
	u16 proto, hatype;
	u8 mac[6];
	u32 mtu;
	int rc;

	if (named) {
		ifindex = to->ifindex;
		proto = to->protocol;
	} else {
		mutex_lock(&sock_list);
		ifindex = ps->ifindex;
		proto = ps->proto;
		mutex_unlock(&sock_list);
	}
	if (ps->vnet_hdr) {
		/* a virtio_net_hdr first: only "no offload" (gso_type 0) */
		if (len < VNET_HDR_LEN || data[1])
			return -EINVAL;
		data += VNET_HDR_LEN;
		len -= VNET_HDR_LEN;
	}
	if (!ifindex || iface_hw(ps->sk.net, ifindex, &hatype, mac, &mtu))
		return -ENXIO;
	bool dgram = ps->sk.type == SOCK_DGRAM;
	size_t hdr = dgram ? ETH_HLEN : 0;
	if (!dgram && len < ETH_HLEN)
		return -EINVAL;		/* shorter than the link header */
	if (len + hdr > (size_t)mtu + ETH_HLEN)
		return -EMSGSIZE;
	if (dgram && named && to->halen < 6)
		return -EINVAL;
	if (!dgram)
		return iface_xmit(ps->sk.net, ifindex, data, len);
	u8 *frame = kmalloc(len + hdr, GFP_KERNEL);
	if (!frame)
		return -ENOBUFS;
	memcpy(frame, to->addr, 6);	/* no name: a zero destination */
	memcpy(frame + 6, mac, 6);
	memcpy(frame + 12, &proto, 2);
	memcpy(frame + hdr, data, len);
	rc = iface_xmit(ps->sk.net, ifindex, frame, len + hdr);
	kfree(frame);
	return rc;
}

static long pkt_sendmsg(struct socket *s, struct kmsg *m, int flags)
{
	struct pkt_sock *ps = psk(s);
	struct sockaddr_ll_k a;
	size_t len = m->it.left;
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
	}
	bool had_ring = false;
	if (READ_ONCE(ps->tx) && (rc = pkt_ring_send(ps, m, &had_ring), had_ring))
		return rc;	/* a TX ring: its frames, not the buffer */
	/* what pkt_xmit refuses first, before copying a huge buffer in */
	int ifindex = m->namelen ? a.ifindex : READ_ONCE(ps->ifindex);
	u16 hatype;
	u8 mac[6];
	u32 mtu;
	if (!ifindex || iface_hw(s->net, ifindex, &hatype, mac, &mtu))
		return -ENXIO;
	if (len > (size_t)mtu + 2 * ETH_HLEN + VNET_HDR_LEN)
		return -EMSGSIZE;
	u8 *buf = kmalloc(len ? len : 1, GFP_KERNEL);
	if (!buf)
		return -ENOBUFS;
	if (iter_copy_in(&m->it, buf, len)) {
		kfree(buf);
		return -EFAULT;
	}
	rc = pkt_xmit(ps, &a, m->namelen != 0, buf, len);
	kfree(buf);
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
	if (!list_empty(&ps->q) || pkt_ring_readable(ps))
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
	return inet_dev_ioctl(s->net, cmd, arg);
}

static bool pkt_peercred(struct socket *s, struct ucred_k *out)
{
	(void)s; (void)out;
	return false;
}

static int opt_int(u64 uval, u64 len, int *v)
{
	if ((s64)len < (s64)sizeof(int))
		return -EINVAL;
	return copy_from_user(v, (void *)uval, sizeof(*v)) ? -EFAULT : 0;
}

static int pkt_setsockopt(struct socket *s, int level, int name, u64 uval, u64 len)
{
	struct pkt_sock *ps = psk(s);
	int v, rc;

	if (level == SOL_SOCKET)
		return 0;
	if (level != SOL_PACKET)
		return -ENOPROTOOPT;
	switch (name) {
	case PACKET_RX_RING:
	case PACKET_TX_RING:
		return pkt_set_ring(ps, uval, len, name == PACKET_TX_RING);
	case PACKET_VERSION:
	case PACKET_RESERVE:
	case PACKET_LOSS:
	case PACKET_VNET_HDR:
	case PACKET_COPY_THRESH:
		break;
	default:
		return -ENOPROTOOPT;
	}
	if ((rc = opt_int(uval, len, &v)))
		return rc;
	if (name == PACKET_COPY_THRESH) {
		WRITE_ONCE(ps->copy_thresh, v);
		return 0;
	}
	/* the rest may not change under a ring (its layout depends on them) */
	mutex_lock(&ps->ring_mtx);
	unsigned long f = spin_lock_irqsave(&s->wq.lock);
	if (ps->rx || ps->tx)
		rc = -EBUSY;
	else if (name == PACKET_VERSION)
		rc = v < TPACKET_V1 || v > TPACKET_V3 ? -EINVAL : (ps->version = v, 0);
	else if (name == PACKET_RESERVE)
		rc = v < 0 ? -EINVAL : (ps->reserve = v, 0);	/* past INT_MAX: EINVAL */
	else if (name == PACKET_LOSS)
		ps->loss = !!v;
	else
		rc = s->type != SOCK_RAW ? -EINVAL : (ps->vnet_hdr = !!v, 0);
	spin_unlock_irqrestore(&s->wq.lock, f);
	mutex_unlock(&ps->ring_mtx);
	return rc;
}

static int pkt_getsockopt(struct socket *s, int level, int name, int *val)
{
	struct pkt_sock *ps = psk(s);

	if (level != SOL_PACKET)
		return -ENOPROTOOPT;
	switch (name) {
	case PACKET_VERSION: *val = READ_ONCE(ps->version); return 0;
	case PACKET_RESERVE: *val = READ_ONCE(ps->reserve); return 0;
	case PACKET_LOSS: *val = READ_ONCE(ps->loss); return 0;
	case PACKET_VNET_HDR: *val = READ_ONCE(ps->vnet_hdr); return 0;
	}
	return -ENOPROTOOPT;
}

/* The options that read their argument or answer with a struct. */
static int pkt_getsockopt_ext(struct socket *s, int level, int name, u64 uval, int *len)
{
	struct pkt_sock *ps = psk(s);
	u32 st[3];
	int v;

	if (level != SOL_PACKET)
		return -ENOPROTOOPT;
	if (name == PACKET_HDRLEN) {
		if (*len < (int)sizeof(int))
			return -EINVAL;
		*len = sizeof(int);
		if (copy_from_user(&v, (void *)uval, sizeof(v)))
			return -EFAULT;
		/* the header's size alone, without the sockaddr_ll, as Linux's */
		if ((v = pkt_hdrlen(v)) < 0)
			return v;
		v -= 20;
		return copy_to_user((void *)uval, &v, sizeof(v)) ? -EFAULT : 0;
	}
	if (name != PACKET_STATISTICS)
		return -ENOPROTOOPT;
	unsigned long f = spin_lock_irqsave(&s->wq.lock);
	st[0] = ps->st_packets + ps->st_drops;
	st[1] = ps->st_drops;
	st[2] = ps->st_freeze;
	ps->st_packets = ps->st_drops = ps->st_freeze = 0;
	spin_unlock_irqrestore(&s->wq.lock, f);
	int n = READ_ONCE(ps->version) == TPACKET_V3 ? 12 : 8;
	*len = MIN(*len, n);
	return copy_to_user((void *)uval, st, (size_t)*len) ? -EFAULT : 0;
}

static int pkt_mmap(struct socket *s, u64 off, u64 len, const struct vm_object_ops **ops,
		    void **obj, u64 *pgoff)
{
	return pkt_ring_mmap(psk(s), off, len, ops, obj, pgoff);
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
	.getsockopt_ext = pkt_getsockopt_ext,
	.mmap = pkt_mmap,
};
