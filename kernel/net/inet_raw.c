/*
 * Raw ICMP sockets and ping sockets on lwIP's raw API (docs/net.md, "Raw
 * and ping sockets"):
 *
 *  - socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) and (AF_INET6, SOCK_RAW,
 *    IPPROTO_ICMPV6): root (CAP_NET_RAW) only, EPERM otherwise. The user
 *    sends ICMP messages (ICMPv6's checksum is computed, ICMP's is the
 *    user's) and receives every ICMP message addressed to us: IPv4 with
 *    its IP header, IPv6 without, as Linux. ICMP_FILTER / ICMP6_FILTER.
 *  - socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) and (AF_INET6, SOCK_DGRAM,
 *    IPPROTO_ICMPV6): ping sockets, for the groups in
 *    net.ipv4.ping_group_range (EACCES otherwise). Only echo requests may
 *    be sent (EINVAL otherwise); the kernel owns the identifier (bind's
 *    port, or one chosen at the first send), writes it into every request
 *    and the ICMP checksum, and delivers only echo replies carrying it,
 *    without the IP header.
 *
 * lwIP calls raw_on_recv for every ICMP packet to us, under inet_lock,
 * before its own ICMP code answers echo requests: the callback copies
 * what the socket wants into a message of its own and never eats the
 * packet. A socket queues at most SO_RCVBUF bytes (each message charged
 * its length plus 256, as UDP) and drops the rest. Every socket's state
 * and queue are guarded by inet_lock, as TCP and UDP's; a reader takes a
 * message off the queue under it and copies it out after dropping it.
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/list.h>
#include <alloy/poll.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/socket.h>
#include <alloy/string.h>
#include <alloy/uaccess.h>
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/raw.h"
#include "inet/addr.h"
#include "inet/glue.h"
#include "inet/inet.h"
#include "inet/raw.h"
#include "inet/netns.h"
#include <alloy/net_ns.h>
#include "lwip/netif.h"

#define AF_INET 2
#define AF_INET6 10
#define AF_UNSPEC 0
#define IPPROTO_ICMP 1
#define IPPROTO_IPV6 41
#define IPPROTO_ICMPV6 58
#define SOL_RAW 255
#define ICMP_FILTER 1		/* SOL_RAW, IPv4 raw */
#define ICMP6_FILTER 1		/* IPPROTO_ICMPV6, IPv6 raw */
#define IPV6_CHECKSUM 7
#define MSG_OOB 0x1
#define MSG_ERRQUEUE 0x2000
#define FIONREAD 0x541B
#define SIOCOUTQ 0x5411
#define ENETUNREACH 101
#define EADDRNOTAVAIL 99
#define SOL_SOCKET 1
#define CAP_NET_RAW 13
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP_HDR 8		/* type, code, checksum, identifier, sequence */
#define MSG_COST 256		/* what a queued message is charged beyond its bytes */

struct rmsg {
	struct rmsg *next;
	ip_addr_t from;
	u32 len;
	u8 data[];
};

struct raw_sock {
	struct socket sk;
	struct raw_pcb *pcb;	/* NULL once released */
	bool ping, v6, connected;
	bool hdrincl;		/* IP_HDRINCL (IPv4 raw): the user writes the IP header */
	u8 shut;		/* RCV_SHUTDOWN | SEND_SHUTDOWN */
	u16 ident;		/* ping: the echo identifier (host order), 0: none yet */
	u32 filter[8];		/* raw: a set bit blocks that ICMP type */
	struct rmsg *qh, *qt;
	int qbytes;
	struct list_head link;	/* ping: on pings while it has an identifier */
};

/* Ping sockets holding an identifier (inet_lock). Linux keeps one table
 * for both families: an identifier is unique across them. */
static LIST_HEAD(pings);
static u16 ident_rover;

static struct raw_sock *rsk(struct socket *s) { return (struct raw_sock *)s; }


/* ---- receiving (lwIP calls this with inet_lock held) */

static void wake(struct raw_sock *rs)
{
	wake_up_all(&rs->sk.wq);
}

/* Whether rs wants this ICMP message (type at byte 0 of icmp, n bytes). */
static bool wanted(const struct raw_sock *rs, const u8 *icmp, u32 n)
{
	if (rs->ping) {
		u8 reply = rs->v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY;
		u16 id;
		if (n < ICMP_HDR || icmp[0] != reply || !rs->ident)
			return false;
		memcpy(&id, icmp + 4, 2);
		return id == inet_be16(rs->ident);
	}
	return n < 1 || !(rs->filter[icmp[0] >> 5] >> (icmp[0] & 31) & 1);
}

static u8_t raw_on_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct raw_sock *rs = arg;
	u16 hl = (u16)ip_current_header_tot_len();
	u8 head[ICMP_HDR];
	struct rmsg *m;

	if (!rs || (rs->shut & RCV_SHUTDOWN) || p->tot_len < hl || inet_pcb_foreign(pcb->netif_idx))
		return 0;
	u32 n = p->tot_len - hl;	/* the ICMP message */
	u16 got = pbuf_copy_partial(p, head, (u16)MIN(n, (u32)sizeof(head)), hl);
	if (!wanted(rs, head, got))
		return 0;
	/* IPv4 raw sockets get the IP header too, as Linux */
	u16 skip = rs->v6 || rs->ping ? hl : 0;
	u32 len = p->tot_len - skip;
	if (rs->qbytes + len + MSG_COST > (u32)READ_ONCE(rs->sk.rcvbuf) ||
	    !(m = kmalloc(sizeof(*m) + len, GFP_KERNEL)))
		return 0;	/* as a full Linux receive buffer: dropped */
	m->next = NULL;
	m->len = pbuf_copy_partial(p, m->data, (u16)len, skip);
	ip_addr_copy(m->from, *addr);
	if (rs->qt)
		rs->qt->next = m;
	else
		rs->qh = m;
	rs->qt = m;
	rs->qbytes += (int)(m->len + MSG_COST);
	wake(rs);
	return 0;		/* not eaten: lwIP's ICMP and other sockets see it too */
}

/* ---- creation and release */


/* [lock] A new network namespace's sockets live on its loopback
 * (netns.c); lwIP's disconnect unbinds the pcb from it. */
static void raw_bind_net(struct raw_sock *rs)
{
	u8_t idx = inet_net_idx(rs->sk.net);

	if (idx != NETIF_NO_INDEX)
		raw_bind_netif(rs->pcb, netif_get_by_index(idx));
}

static int rawsk_create(struct socket *s, int protocol)
{
	struct raw_sock *rs = rsk(s);
	u8 proto = s->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;

	list_init(&rs->link);
	if (s->type == SOCK_RAW && !protocol)
		return -EPROTONOSUPPORT;	/* as Linux: raw needs a protocol */
	if (s->type == SOCK_RAW && !sock_capable(CAP_NET_RAW))
		return -EPERM;
	if (protocol != proto)
		return -EPROTONOSUPPORT;	/* only ICMP: no other raw protocol */
	if (s->type == SOCK_DGRAM && !ping_group_allowed())
		return -EACCES;
	rs->ping = s->type == SOCK_DGRAM;
	rs->v6 = s->family == AF_INET6;
	inet_lock();
	rs->pcb = raw_new_ip_type(rs->v6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4, proto);
	if (rs->pcb) {
		raw_recv(rs->pcb, raw_on_recv, rs);
		raw_bind_net(rs);
		if (rs->v6) {	/* ICMPv6's checksum (RFC 3542): lwIP's raw_sendto */
			rs->pcb->chksum_reqd = 1;
			rs->pcb->chksum_offset = 2;
		}
	}
	inet_unlock();
	return rs->pcb ? 0 : -ENOBUFS;	/* lwIP's pool of raw pcbs is full */
}

/* [lock] Detaches the queue; the caller frees it unlocked. */
static struct rmsg *take_queue(struct raw_sock *rs)
{
	struct rmsg *q = rs->qh;

	rs->qh = rs->qt = NULL;
	rs->qbytes = 0;
	return q;
}

static void free_queue(struct rmsg *q)
{
	while (q) {
		struct rmsg *n = q->next;
		kfree(q);
		q = n;
	}
}

static void rawsk_release(struct socket *s)
{
	struct raw_sock *rs = rsk(s);
	struct rmsg *q;

	inet_lock();
	if (rs->pcb) {
		raw_remove(rs->pcb);
		rs->pcb = NULL;
	}
	list_del_init(&rs->link);
	q = take_queue(rs);
	inet_unlock();
	free_queue(q);
}

/* ---- addresses */

/* A user sockaddr into ip (and port: a ping socket's identifier), with
 * inet_addr_in's checks; *unspec for AF_UNSPEC (connect: dissolve; an
 * IPv4 one carries an address, which bind wants to be INADDR_ANY).
 * ::ffff:a.b.c.d is ENETUNREACH: no IPv4 through an ICMPv6 socket. */
static int addr_from(const struct raw_sock *rs, const u8 *a, int len, ip_addr_t *ip, u16 *port,
		     bool *unspec)
{
	bool mapped;
	int rc = inet_addr_in(rs->v6 ? AF_INET6 : AF_INET, a, len, ip, port, &mapped);

	*unspec = rc == INET_ADDR_UNSPEC;
	if (*unspec) {
		if (rs->v6)
			return 0;
		if (len < (int)sizeof(struct sin))
			return -EINVAL;
		inet_addr_in4(a, ip, port);
		return 0;
	}
	return !rc && mapped ? -ENETUNREACH : rc;
}

static int addr_to(const struct raw_sock *rs, const ip_addr_t *ip, u16 port, u8 *out)
{
	return inet_addr_out(rs->v6 ? AF_INET6 : AF_INET, ip, port, out);
}

/* [lock] Whether a ping socket other than self holds ident. */
static bool ident_taken(const struct raw_sock *self, u16 ident)
{
	struct raw_sock *o;

	list_for_each_entry(o, &pings, link)
		if (o != self && o->ident == ident)
			return true;
	return false;
}

/* [lock] Gives a ping socket its identifier: want, or (0) a free one. */
static int ident_get(struct raw_sock *rs, u16 want)
{
	if (want) {
		if (ident_taken(rs, want))
			return -EADDRINUSE;
	} else {
		/* at most MEMP_NUM_RAW_PCB sockets hold one: a free one is near */
		for (u32 i = 0; i < 65536 && !want; i++) {
			u16 c = (u16)(ident_rover + 1 + i);
			if (c && !ident_taken(rs, c))
				want = c;
		}
		if (!want)
			return -EAGAIN;
		ident_rover = want;
	}
	rs->ident = want;
	list_del_init(&rs->link);
	list_add_tail(&rs->link, &pings);
	return 0;
}

static int rawsk_bind(struct socket *s, const u8 *addr, int len)
{
	struct raw_sock *rs = rsk(s);
	ip_addr_t ip;
	u16 port = 0;
	bool unspec;
	int rc = addr_from(rs, addr, len, &ip, &port, &unspec);

	if (rc)
		return rc;
	if (unspec) {
		/* Linux: AF_UNSPEC binds only as INADDR_ANY */
		if (rs->v6 || !ip_addr_isany(&ip))
			return -EAFNOSUPPORT;
	}
	inet_lock();
	if (!rs->pcb)
		rc = -EINVAL;
	else if (rs->ping && rs->ident)
		rc = -EINVAL;	/* bound already */
	else if (!inet_addr_is_local(&ip))
		rc = -EADDRNOTAVAIL;
	else if (rs->ping && (rc = ident_get(rs, port)))
		;
	else
		rc = raw_bind(rs->pcb, &ip) == ERR_OK ? 0 : -EADDRNOTAVAIL;
	inet_unlock();
	return rc;
}

static int rawsk_connect(struct socket *s, const u8 *addr, int len, int fflags)
{
	struct raw_sock *rs = rsk(s);
	ip_addr_t ip;
	u16 port;
	bool unspec;
	int rc = addr_from(rs, addr, len, &ip, &port, &unspec);

	(void)fflags;
	if (rc)
		return rc;
	inet_lock();
	if (!rs->pcb) {
		rc = -EINVAL;
	} else if (unspec) {
		raw_disconnect(rs->pcb);	/* AF_UNSPEC: dissolve the association */
		raw_bind_net(rs);
		rs->connected = false;
	} else {
		ip = *inet_unspec_to_loopback(&ip);
		rc = raw_connect(rs->pcb, &ip) == ERR_OK ? 0 : -EINVAL;
		rs->connected = !rc;
	}
	inet_unlock();
	return rc;
}

static int rawsk_getname(struct socket *s, u8 *addr, bool peer)
{
	struct raw_sock *rs = rsk(s);
	int len;

	inet_lock();
	if (peer && !rs->connected)
		len = -ENOTCONN;
	else if (!rs->pcb)
		len = addr_to(rs, rs->v6 ? IP6_ADDR_ANY : IP4_ADDR_ANY, 0, addr);
	else if (peer)
		len = addr_to(rs, &rs->pcb->remote_ip, 0, addr);
	else	/* Linux: a raw socket's port is its protocol, a ping socket's its identifier */
		len = addr_to(rs, &rs->pcb->local_ip, rs->ping ? rs->ident : rs->pcb->protocol, addr);
	inet_unlock();
	return len;
}

/* ---- sending */

/* Checks and completes a ping socket's echo request in buf (len bytes,
 * [lock] for the identifier). */
static int ping_fill(struct raw_sock *rs, u8 *buf, size_t len)
{
	u8 type = rs->v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	u16 id;
	int rc;

	if (buf[0] != type || buf[1] != 0)
		return -EINVAL;		/* Linux's ping_supported */
	if (!rs->ident && (rc = ident_get(rs, 0)))
		return rc;
	id = inet_be16(rs->ident);
	memcpy(buf + 4, &id, 2);
	memset(buf + 2, 0, 2);
	if (!rs->v6) {		/* ICMPv6's is lwIP's (the pcb's chksum_reqd) */
		u16 sum = inet_chksum(buf, (u16)len);
		memcpy(buf + 2, &sum, 2);
	}
	return 0;
}

static long rawsk_sendmsg(struct socket *s, struct kmsg *m, int flags)
{
	struct raw_sock *rs = rsk(s);
	size_t len = m->it.left;
	/* the largest message an IP packet carries (lwIP's lengths are 16 bits) */
	size_t max = 0xffff - (rs->v6 ? 40 : 20);
	ip_addr_t ip;
	u16 port;
	bool unspec = false, to = m->namelen > 0;
	/* read once: a setsockopt racing with this send changes the next
	 * one, never this one halfway (CVE-2017-17712, LTP sendmsg03) */
	bool hdrincl = !rs->ping && !rs->v6 && READ_ONCE(rs->hdrincl);
	long rc;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (hdrincl)
		max = 0xffff;	/* the header is the user's */
	if (len > 0xffff)
		return -EMSGSIZE;
	if (rs->ping && len < ICMP_HDR)
		return -EINVAL;		/* a whole ICMP header, as Linux */
	if (!rs->ping && len < 2)
		return -EFAULT;		/* Linux reads the type and code that are not there */
	if (rs->v6 && len < 4)
		return -EINVAL;		/* no room for the checksum (lwIP asserts there is) */
	if (len > max)
		return -EMSGSIZE;
	if (to && (rc = addr_from(rs, m->name, m->namelen, &ip, &port, &unspec)))
		return rc;
	if (unspec)
		to = rs->v6 ? false : true;	/* Linux's raw IPv4 takes AF_UNSPEC as AF_INET */
	u8 *buf = kmalloc(len + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (iter_copy_in(&m->it, buf, len)) {
		kfree(buf);
		return -EFAULT;
	}
	if (rs->v6)
		memset(buf + 2, 0, 2);	/* the checksum is computed as if it were 0 */
	if (hdrincl) {
		/* as Linux's raw_send_hdrinc: a header no longer than the
		 * message; one of 20 bytes or more gets its length and
		 * checksum filled in */
		size_t ihl = (size_t)(buf[0] & 15) * 4;
		if (len < 20 || ihl > len) {
			kfree(buf);
			return -EINVAL;
		}
		if (ihl >= 20) {
			u16 tl = inet_be16((u16)len);
			memcpy(buf + 2, &tl, 2);
			memset(buf + 10, 0, 2);
			u16 sum = inet_chksum(buf, (u16)ihl);
			memcpy(buf + 10, &sum, 2);
		}
	}
	inet_lock();
	struct pbuf *p = NULL;
	if (!rs->pcb || (rs->shut & SEND_SHUTDOWN)) {
		rc = -EPIPE;
		sock_sigpipe(flags);
	} else if (!to && !rs->connected) {
		rc = -EDESTADDRREQ;
	} else if (rs->ping && (rc = ping_fill(rs, buf, len))) {
		/* rc */
	} else if (!(p = pbuf_alloc(PBUF_IP, (u16_t)len, PBUF_RAM))) {
		rc = -ENOBUFS;
	} else {
		pbuf_take(p, buf, (u16_t)len);
		if (to)
			ip = *inet_unspec_to_loopback(&ip);
		u8_t fl = rs->pcb->flags;
		if (hdrincl)
			rs->pcb->flags = (u8_t)(fl | RAW_FLAGS_HDRINCL);
		err_t e = inet_net_unreachable(rs->sk.net, to ? &ip : &rs->pcb->remote_ip) ?
			  ERR_RTE : to ? raw_sendto(rs->pcb, p, &ip) : raw_send(rs->pcb, p);
		rs->pcb->flags = fl;
		rc = e == ERR_OK ? (long)len : e == ERR_RTE ? -ENETUNREACH :
		     e == ERR_MEM || e == ERR_BUF ? -ENOBUFS : -EINVAL;
	}
	if (p)
		pbuf_free(p);
	inet_unlock();
	kfree(buf);
	return rc;
}

/* ---- receiving */

static bool readable(struct raw_sock *rs)
{
	return READ_ONCE(rs->qh) || READ_ONCE(rs->sk.err) || (READ_ONCE(rs->shut) & RCV_SHUTDOWN) ||
	       !READ_ONCE(rs->pcb) || signal_pending();
}

static long rawsk_recvmsg(struct socket *s, struct kmsg *m, size_t len, int flags)
{
	struct raw_sock *rs = rsk(s);
	u64 timeo = sock_timeo(s, false, flags);
	struct rmsg *q;
	long rc;

	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;		/* no error queue: always empty */
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	inet_lock();
	while (!rs->qh) {
		int e = -__atomic_exchange_n(&s->err, 0, __ATOMIC_RELAXED);
		if (e) {
			inet_unlock();
			return -e;
		}
		if ((rs->shut & RCV_SHUTDOWN) || !rs->pcb) {
			inet_unlock();
			return 0;
		}
		if (!timeo) {
			inet_unlock();
			return -EAGAIN;
		}
		inet_unlock();
		if (timeo == SOCK_FOREVER)
			wait_event(s->wq, readable(rs));
		else if (!wait_event_timeout(s->wq, readable(rs), timeo))
			timeo = 0;
		inet_lock();
		if (!rs->qh && signal_pending()) {
			inet_unlock();
			return sock_intr(timeo);
		}
	}
	q = rs->qh;
	size_t n = MIN(len, (size_t)q->len);
	/* MSG_TRUNC asks for the real length: Linux's raw sockets give it,
	 * its ping sockets do not */
	rc = (flags & MSG_TRUNC) && !rs->ping ? (long)q->len : (long)n;
	if (n < q->len)
		m->flags |= MSG_TRUNC;
	m->namelen = addr_to(rs, &q->from, 0, m->name);
	if (flags & MSG_PEEK) {
		/* the message stays queued: copied under the lock */
		if (iter_copy_out(&m->it, q->data, n))
			rc = -EFAULT;
		inet_unlock();
		return rc;
	}
	rs->qh = q->next;
	if (!rs->qh)
		rs->qt = NULL;
	rs->qbytes -= (int)(q->len + MSG_COST);
	inet_unlock();
	if (iter_copy_out(&m->it, q->data, n))
		rc = -EFAULT;	/* the message is lost, as Linux's */
	kfree(q);
	return rc;
}

/* ---- shutdown, poll, ioctl, options */

static int rawsk_shutdown(struct socket *s, int how)
{
	struct raw_sock *rs = rsk(s);
	struct rmsg *q = NULL;
	int rc;

	inet_lock();
	/* Linux: an unconnected datagram socket is shut all the same (its
	 * readers wake) but the call says ENOTCONN */
	rc = rs->connected ? 0 : -ENOTCONN;
	rs->shut |= (u8)how;
	if (how & RCV_SHUTDOWN)
		q = take_queue(rs);
	wake(rs);
	inet_unlock();
	free_queue(q);
	return rc;
}

static unsigned int rawsk_poll(struct socket *s, struct poll_table *pt)
{
	struct raw_sock *rs = rsk(s);
	unsigned int mask = POLLOUT | POLLWRNORM | POLLWRBAND;

	poll_wait(pt, &s->wq);
	inet_lock();
	if (READ_ONCE(s->err))
		mask |= POLLERR;
	if (rs->qh)
		mask |= POLLIN | POLLRDNORM;
	if (rs->shut & RCV_SHUTDOWN)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (rs->shut == (RCV_SHUTDOWN | SEND_SHUTDOWN))
		mask |= POLLHUP;
	inet_unlock();
	return mask;
}

static long rawsk_ioctl(struct socket *s, u32 cmd, u64 arg)
{
	struct raw_sock *rs = rsk(s);
	int v;

	if (rs->ping && (cmd == FIONREAD || cmd == SIOCOUTQ))
		return -ENOTTY;	/* as Linux: ping sockets have neither */
	if (cmd == FIONREAD) {
		inet_lock();
		v = rs->qh ? (int)rs->qh->len : 0;
		inet_unlock();
	} else if (cmd == SIOCOUTQ) {
		v = 0;		/* sent at once */
	} else {
		return inet_dev_ioctl(s->net, cmd, arg);
	}
	return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static int rawsk_setsockopt(struct socket *s, int level, int name, u64 uval, u64 len)
{
	struct raw_sock *rs = rsk(s);
	u32 f[8];
	size_t n;

	if (level == SOL_SOCKET)
		return 0;	/* SO_RCVBUF and SO_RCVTIMEO are read where used */
	if (!rs->ping && !rs->v6 && level == 0 /* SOL_IP */ && name == 3 /* IP_HDRINCL */) {
		int v = 0;
		/* as Linux's ip_setsockopt: an int, or a single byte */
		if ((s64)len <= 0)
			return -EINVAL;
		if (copy_from_user(&v, (void *)uval, len >= sizeof(int) ? sizeof(int) : 1))
			return -EFAULT;
		if (len < sizeof(int))
			v &= 0xff;
		WRITE_ONCE(rs->hdrincl, !!v);
		return 0;
	}
	if (!rs->ping && ((!rs->v6 && level == SOL_RAW && name == ICMP_FILTER) ||
			  (rs->v6 && level == IPPROTO_ICMPV6 && name == ICMP6_FILTER))) {
		/* as Linux, a shorter value sets the first bytes only */
		n = MIN((size_t)len, rs->v6 ? sizeof(f) : sizeof(u32));
		if ((s64)len < 0)
			return -EINVAL;
		if (copy_from_user(f, (void *)uval, n))
			return -EFAULT;
		inet_lock();
		memcpy(rs->filter, f, n);
		inet_unlock();
		return 0;
	}
	if (!rs->ping && rs->v6 && name == IPV6_CHECKSUM &&
	    (level == SOL_RAW || level == IPPROTO_IPV6)) {
		int v;
		if (level == IPPROTO_IPV6)
			return -EINVAL;	/* RFC 3542: not at this level on ICMPv6 */
		if ((int)len < (int)sizeof(int))
			return -EINVAL;
		if (copy_from_user(&v, (void *)uval, sizeof(v)))
			return -EFAULT;
		return v == 2 ? 0 : -EINVAL;	/* ICMPv6's checksum is always at 2 */
	}
	return -ENOPROTOOPT;
}

static int rawsk_getsockopt(struct socket *s, int level, int name, int *val)
{
	struct raw_sock *rs = rsk(s);

	if (!rs->ping && !rs->v6 && level == SOL_RAW && name == ICMP_FILTER) {
		*val = (int)READ_ONCE(rs->filter[0]);
		return 0;
	}
	if (!rs->ping && !rs->v6 && level == 0 && name == 3) {	/* IP_HDRINCL */
		*val = READ_ONCE(rs->hdrincl);
		return 0;
	}
	if (!rs->ping && rs->v6 && level == SOL_RAW && name == IPV6_CHECKSUM) {
		*val = 2;
		return 0;
	}
	return -ENOPROTOOPT;
}

static bool rawsk_peercred(struct socket *s, struct ucred_k *out)
{
	(void)s;
	(void)out;
	return false;
}

static int rawsk_listen(struct socket *s, int backlog)
{
	(void)s;
	(void)backlog;
	return -EOPNOTSUPP;
}

static int rawsk_accept(struct socket *s, struct socket **out, int flags)
{
	(void)s;
	(void)out;
	(void)flags;
	return -EOPNOTSUPP;
}

#define RAW_OPS(fam)					\
	{						\
		.family = (fam),			\
		.obj_size = sizeof(struct raw_sock),	\
		.create = rawsk_create,			\
		.release = rawsk_release,			\
		.bind = rawsk_bind,			\
		.connect = rawsk_connect,			\
		.listen = rawsk_listen,			\
		.accept = rawsk_accept,			\
		.getname = rawsk_getname,			\
		.poll = rawsk_poll,			\
		.sendmsg = rawsk_sendmsg,			\
		.recvmsg = rawsk_recvmsg,			\
		.shutdown = rawsk_shutdown,		\
		.ioctl = rawsk_ioctl,			\
		.peercred = rawsk_peercred,		\
		.setsockopt = rawsk_setsockopt,		\
		.getsockopt = rawsk_getsockopt,		\
	}

static const struct proto_ops raw4_ops = RAW_OPS(AF_INET), raw6_ops = RAW_OPS(AF_INET6);

const struct proto_ops *inet_pick_ops(const struct proto_ops *ops, int type, int protocol)
{
	bool icmp = protocol == (ops == &inet_ops ? IPPROTO_ICMP : IPPROTO_ICMPV6);

	if (type == SOCK_RAW || (type == SOCK_DGRAM && icmp))
		return ops == &inet_ops ? &raw4_ops : &raw6_ops;
	return ops;
}
