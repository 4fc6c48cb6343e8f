/*
 * AF_INET and AF_INET6 sockets, TCP and UDP, on lwIP's raw API (docs/net.md,
 * "The TCP/IP stack"). Every call into lwIP and every callback out of it
 * runs under inet_lock (kernel/net/inet/netd.c), which also guards every
 * inet_sock's state and queues; waits drop it and sleep on the socket's
 * wait queue, which the callbacks wake.
 *
 * Receiving: lwIP hands a TCP socket pbufs (its recv callback); they are
 * queued on the socket unacknowledged, and tcp_recved() opens the window
 * again only as the user reads, so the queue is bounded by the window
 * (TCP_WND). A UDP socket queues datagrams up to SO_RCVBUF (each charged
 * its length plus 256), as Linux, and drops the rest.
 * Sending: user data is copied in pieces of at most tcp_sndbuf() (or
 * SEND_CHUNK) into lwIP's send buffer (TCP_SND_BUF per connection).
 *
 * Lifetime: a socket's file holds its reference; lwIP's callbacks get the
 * inet_sock as their argument until release detaches the pcb (callbacks
 * cleared, tcp_close or tcp_abort). An incoming connection is given a
 * socket and file at once (in the accept callback) and waits on its
 * listener's queue; the listener's release puts those files, after
 * dropping inet_lock.
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
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "inet/addr.h"
#include "inet/glue.h"
#include "inet/inet.h"
#include "inet/netns.h"
#include <alloy/net_ns.h>
#include "lwip/netif.h"

#define AF_INET 2
#define AF_INET6 10
#define AF_UNSPEC 0
#define IPPROTO_IP 0
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41
#define TCP_NODELAY 1
#define TCP_CORK 3
#define UDP_CORK 1
#define TCP_MAXSEG 2
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define IPV6_ADDRFORM 1
#define IPV6_V6ONLY 26
#define MSG_MORE 0x8000
#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_KEEPALIVE 9
#define FIONREAD 0x541B
#define SIOCATMARK 0x8905
#define MSG_OOB 0x1
#define MSG_ERRQUEUE 0x2000
#define SIOCOUTQ 0x5411
#define ENETUNREACH 101
#define ETIMEDOUT 110
#define EADDRNOTAVAIL 99
#define CHILD 0x40000000	/* create(): a connection lwIP accepted */
#define UDP_MAX 65507		/* payload of the largest IPv4 datagram */
#define DGRAM_COST 256		/* what a queued datagram is charged beyond its bytes */
#define SEND_CHUNK (64 * 1024)	/* user bytes copied per tcp_write */
#define MEM_RETRY_NS 10000000ULL	/* lwIP's heap empty: look again after 10 ms */

enum { SS_UNCONN, SS_LISTEN, SS_CONNECTING, SS_CONNECTED, SS_DEAD };

struct dgram {
	struct dgram *next;
	struct pbuf *p;
	ip_addr_t from;
	u16 port;
};

struct inet_sock {
	struct socket sk;
	int state;
	struct tcp_pcb *tcp;	/* NULL: none yet, or lwIP freed it (reset) */
	struct udp_pcb *udp;
	/* TCP: received pbufs, linked through ->next one by one */
	struct pbuf *rxh, *rxt;
	u32 rxoff;		/* into rxh */
	size_t rxlen;		/* bytes queued, unacknowledged to lwIP */
	bool fin;		/* the peer closed its side */
	bool nodelay, v6only;
	u8 shut;		/* RCV_SHUTDOWN | SEND_SHUTDOWN by shutdown() */
	/* UDP: datagrams */
	struct dgram *dh, *dt;
	int dqbytes;
	/* UDP: a datagram MSG_MORE is building, sent whole by the next send
	 * without it (corked: its destination is the first send's) */
	u8 *cork;
	size_t corklen;
	ip_addr_t corkip;
	u16 corkport;
	bool corked, corkto;
	/* TCP_CORK / UDP_CORK: every send is as with MSG_MORE until unset */
	bool cork_opt;
	/* TCP: when a MSG_MORE send left its last piece unsent (0: none) */
	u64 more_since;
	/* listener: connections not yet accepted (children's `link`) */
	struct list_head acceptq, link;
	int nacc, backlog;
	struct inet_sock *parent;	/* a child while on acceptq */
	/* names, as getsockname/getpeername give them once the pcb is gone */
	ip_addr_t laddr, raddr;
	u16 lport, rport;
};

static struct inet_sock *isk(struct socket *s) { return (struct inet_sock *)s; }
static bool is_tcp(const struct inet_sock *is) { return is->sk.type == SOCK_STREAM; }

/* ---- addresses */

/* A user sockaddr into ip/port (inet_addr_in's checks). AF_UNSPEC sets
 * *unspec; an AF_INET socket takes it with INADDR_ANY (Linux's bind
 * compatibility; another address EAFNOSUPPORT). A v6only socket refuses
 * ::ffff:a.b.c.d (EAFNOSUPPORT). */
static int addr_from(const struct inet_sock *is, const u8 *a, int len, ip_addr_t *ip, u16 *port,
		     bool *unspec)
{
	bool mapped;
	int rc = inet_addr_in(is->sk.family, a, len, ip, port, &mapped);

	*unspec = rc == INET_ADDR_UNSPEC;
	if (*unspec) {
		if (is->sk.family == AF_INET && len >= (int)sizeof(struct sin)) {
			inet_addr_in4(a, ip, port);
			return ip_addr_isany(ip) ? 0 : -EAFNOSUPPORT;
		}
		return 0;
	}
	return !rc && mapped && is->v6only ? -EAFNOSUPPORT : rc;
}

/* ip/port as the socket's family shows them; the length. */
static int addr_to(const struct inet_sock *is, const ip_addr_t *ip, u16 port, u8 *out)
{
	return inet_addr_out(is->sk.family, ip, port, out);
}

/* The unspecified address of the socket's family (AF_INET6: both). */
static const ip_addr_t *any_addr(const struct inet_sock *is)
{
	if (is->sk.family == AF_INET)
		return IP4_ADDR_ANY;
	return is->v6only ? IP6_ADDR_ANY : IP_ANY_TYPE;
}

static bool is_any(const ip_addr_t *ip)
{
	return ip_addr_isany(ip);
}

static int lwip_errno(err_t e)
{
	switch (e) {
	case ERR_OK: return 0;
	case ERR_MEM: case ERR_BUF: return -ENOBUFS;
	case ERR_RTE: return -ENETUNREACH;
	case ERR_USE: return -EADDRINUSE;
	case ERR_ISCONN: return -EISCONN;
	case ERR_CONN: return -ENOTCONN;
	case ERR_RST: return -ECONNRESET;
	case ERR_ABRT: return -ECONNABORTED;
	case ERR_TIMEOUT: return -ETIMEDOUT;
	case ERR_VAL: case ERR_ARG: return -EINVAL;
	default: return -EIO;
	}
}

/* [lock] the pcb's names into is (they outlive the pcb). */
static void sync_names(struct inet_sock *is)
{
	if (is->tcp) {
		ip_addr_copy(is->laddr, is->tcp->local_ip);
		is->lport = is->tcp->local_port;
		if (is->state == SS_CONNECTED || is->state == SS_CONNECTING) {
			ip_addr_copy(is->raddr, is->tcp->remote_ip);
			is->rport = is->tcp->remote_port;
		}
	} else if (is->udp) {
		ip_addr_copy(is->laddr, is->udp->local_ip);
		is->lport = is->udp->local_port;
		ip_addr_copy(is->raddr, is->udp->remote_ip);
		is->rport = is->udp->remote_port;
	}
}

/* ---- TCP callbacks (lwIP calls them with inet_lock held) */

/* The pending error (SO_ERROR; the socket layer keeps it negative),
 * taken: a positive errno or 0. */
static int take_err(struct inet_sock *is)
{
	return -__atomic_exchange_n(&is->sk.err, 0, __ATOMIC_RELAXED);
}

static void wake(struct inet_sock *is)
{
	wake_up_all(&is->sk.wq);
}

static struct tcp_pcb *tcp_unhook(struct inet_sock *is);

static err_t tcp_on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct inet_sock *is = arg;

	(void)err;
	/* A connection to ourselves acknowledges every segment at once, as
	 * Linux's quick ACKs do there: lwIP would hold a lone segment's ACK
	 * for its 250 ms timer, and the sender's Nagle then holds its next
	 * small write as long (send02: a write after MSG_MORE). lwIP sends the
	 * ACK when its input returns. */
	if (p && inet_addr_is_local(&pcb->remote_ip))
		tcp_ack_now(pcb);
	if (!is) {
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p) {
		is->fin = true;
		/* Both FINs are through, ours first (shutdown SHUT_WR): lwIP
		 * moves the pcb to TIME_WAIT (now, or from CLOSING on the ACK)
		 * and frees it 2 MSL later telling no one, so a socket still
		 * open would keep a pointer another connection may be given.
		 * Let go of it now, as lwIP's own end of a connection does
		 * (tcp_on_err's ERR_CLSD); lwIP finishes it alone. */
		if (pcb->state == TIME_WAIT || pcb->state == CLOSING) {
			tcp_unhook(is);
			is->state = SS_DEAD;
		}
	} else if (is->shut & RCV_SHUTDOWN) {
		tcp_recved(pcb, p->tot_len);	/* shut for reading: discarded */
		pbuf_free(p);
	} else {
		is->rxlen += p->tot_len;
		if (is->rxt)
			is->rxt->next = p;
		else
			is->rxh = p;
		while (p->next)
			p = p->next;
		is->rxt = p;
	}
	wake(is);
	if (is->parent)
		wake(is->parent);	/* its listener's poll may show POLLIN */
	return ERR_OK;
}

static err_t tcp_on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb;
	(void)len;
	if (arg)
		wake(arg);
	return ERR_OK;
}

/* lwIP freed the pcb: a reset, a failed connect, a timeout. */
static void tcp_on_err(void *arg, err_t err)
{
	struct inet_sock *is = arg;
	int e;

	if (!is)
		return;
	is->tcp = NULL;
	if (is->state == SS_CONNECTING)
		e = err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
	else if (err == ERR_RST)
		e = is->fin ? EPIPE : ECONNRESET;
	else if (err == ERR_CLSD)
		e = 0;
	else
		e = ETIMEDOUT;
	is->state = SS_DEAD;
	if (e)
		WRITE_ONCE(is->sk.err, -e);
	wake(is);
	if (is->parent)
		wake(is->parent);
}

static err_t tcp_on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet_sock *is = arg;

	(void)pcb;
	(void)err;
	if (is) {
		is->state = SS_CONNECTED;
		sync_names(is);
		wake(is);
	}
	return ERR_OK;
}

#define CORK_NS 200000000ULL	/* Linux's ceiling on a corked send: 200 ms */

/* lwIP's slow timer polls each connection every 500 ms and then sends
 * what is queued: not (ERR_WOULDBLOCK) what a MSG_MORE send left less
 * than 200 ms ago, which Linux holds until then. */
static err_t tcp_on_poll(void *arg, struct tcp_pcb *pcb)
{
	struct inet_sock *is = arg;

	(void)pcb;
	if (is && is->more_since) {
		if (ktime_ns() - is->more_since < CORK_NS)
			return ERR_WOULDBLOCK;
		is->more_since = 0;
	}
	return ERR_OK;
}

static void tcp_hook(struct inet_sock *is, struct tcp_pcb *pcb)
{
	/* a new network namespace's sockets live on its loopback (netns.c) */
	u8_t idx = inet_net_idx(is->sk.net);
	if (idx != NETIF_NO_INDEX)
		tcp_bind_netif(pcb, netif_get_by_index(idx));
	tcp_arg(pcb, is);
	tcp_recv(pcb, tcp_on_recv);
	tcp_sent(pcb, tcp_on_sent);
	tcp_err(pcb, tcp_on_err);
	tcp_poll(pcb, tcp_on_poll, 1);
}

/* [lock] Cuts the pcb loose from is: no more callbacks. */
static struct tcp_pcb *tcp_unhook(struct inet_sock *is)
{
	struct tcp_pcb *pcb = is->tcp;

	if (pcb) {
		tcp_arg(pcb, NULL);
		if (pcb->state == LISTEN) {
			tcp_accept(pcb, NULL);
		} else {
			tcp_err(pcb, NULL);
			tcp_sent(pcb, NULL);
			tcp_recv(pcb, NULL);
			tcp_poll(pcb, NULL, 0);
		}
	}
	is->tcp = NULL;
	return pcb;
}

static const struct proto_ops *ops_of(int family);

static err_t tcp_on_accept(void *arg, struct tcp_pcb *npcb, err_t err)
{
	struct inet_sock *l = arg, *c;
	struct socket *s;

	if (!npcb || err != ERR_OK)
		return ERR_VAL;
	if (!l || l->state != SS_LISTEN || l->nacc > l->backlog ||
	    sock_create_file_net(ops_of(l->sk.family), SOCK_STREAM, IPPROTO_TCP | CHILD, 0,
				 l->sk.net, &s)) {
		tcp_abort(npcb);
		return ERR_ABRT;
	}
	c = isk(s);
	c->tcp = npcb;
	c->state = SS_CONNECTED;
	c->v6only = l->v6only;
	c->nodelay = l->nodelay;
	c->sk.keepalive = l->sk.keepalive;
	c->sk.sndbuf = l->sk.sndbuf;
	c->sk.rcvbuf = l->sk.rcvbuf;
	if (c->nodelay)
		tcp_nagle_disable(npcb);
	if (c->sk.keepalive)
		ip_set_option(npcb, SOF_KEEPALIVE);
	tcp_hook(c, npcb);
	sync_names(c);
	c->parent = l;
	list_add_tail(&c->link, &l->acceptq);
	l->nacc++;
	wake(l);
	return ERR_OK;
}

/* ---- UDP callback */

static void udp_on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
			u16_t port)
{
	struct inet_sock *is = arg;
	struct dgram *d;

	if (!is || (is->shut & RCV_SHUTDOWN) || inet_pcb_foreign(pcb->netif_idx) ||
	    is->dqbytes + p->tot_len + DGRAM_COST > READ_ONCE(is->sk.rcvbuf) ||
	    !(d = kmalloc(sizeof(*d), GFP_KERNEL))) {
		pbuf_free(p);	/* as a full Linux receive buffer: dropped */
		return;
	}
	d->next = NULL;
	d->p = p;
	ip_addr_copy(d->from, *addr);
	d->port = port;
	if (is->dt)
		is->dt->next = d;
	else
		is->dh = d;
	is->dt = d;
	is->dqbytes += p->tot_len + DGRAM_COST;
	wake(is);
}

/* ---- creation and release */

/* [lock] A new network namespace's sockets live on its loopback
 * (netns.c); lwIP's disconnect unbinds the pcb from it. */
static void udp_bind_net(struct inet_sock *is)
{
	u8_t idx = inet_net_idx(is->sk.net);

	if (idx != NETIF_NO_INDEX)
		udp_bind_netif(is->udp, netif_get_by_index(idx));
}

static int inet_create(struct socket *s, int protocol)
{
	struct inet_sock *is = isk(s);
	bool child = protocol & CHILD;
	u8 type = s->family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY;

	protocol &= ~CHILD;
	list_init(&is->acceptq);
	list_init(&is->link);
	if (s->type == SOCK_STREAM) {
		if (protocol && protocol != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		s->protocol = IPPROTO_TCP;
	} else if (s->type == SOCK_DGRAM) {
		if (protocol && protocol != IPPROTO_UDP)
			return -EPROTONOSUPPORT;
		s->protocol = IPPROTO_UDP;
	} else {
		return s->type == SOCK_RAW ? -EPROTONOSUPPORT : -ESOCKTNOSUPPORT;
	}
	if (child)
		return 0;	/* [lock] the caller attaches the pcb */
	ip_addr_copy(is->laddr, *any_addr(is));
	ip_addr_copy(is->raddr, *any_addr(is));
	inet_lock();
	if (s->type == SOCK_STREAM) {
		is->tcp = tcp_new_ip_type(type);
		if (is->tcp)
			tcp_hook(is, is->tcp);
	} else {
		is->udp = udp_new_ip_type(type);
		if (is->udp) {
			udp_recv(is->udp, udp_on_recv, is);
			udp_bind_net(is);
		}
	}
	bool ok = is->tcp || is->udp;
	inet_unlock();
	return ok ? 0 : -ENOBUFS;	/* lwIP's pools are full */
}

/* [lock] */
static void rx_free(struct inet_sock *is)
{
	while (is->rxh) {
		struct pbuf *p = is->rxh;
		is->rxh = p->next;
		p->next = NULL;
		pbuf_free(p);
	}
	is->rxt = NULL;
	is->rxlen = 0;
	is->rxoff = 0;
	while (is->dh) {
		struct dgram *d = is->dh;
		is->dh = d->next;
		pbuf_free(d->p);
		kfree(d);
	}
	is->dt = NULL;
	is->dqbytes = 0;
}

/* [lock] Takes the listener's unaccepted connections off its queue, into
 * *out (a list of children, to put after the lock is dropped). */
static void take_acceptq(struct inet_sock *l, struct list_head *out)
{
	struct inet_sock *c, *n;

	list_for_each_entry_safe(c, n, &l->acceptq, link) {
		list_del(&c->link);
		c->parent = NULL;
		list_add_tail(&c->link, out);
	}
	l->nacc = 0;
}

static void put_children(struct list_head *q)
{
	struct inet_sock *c, *n;

	list_for_each_entry_safe(c, n, q, link) {
		list_del(&c->link);
		file_put(c->sk.file);	/* release: the connection is reset */
	}
}

/* [lock] Closes the connection: a reset if data was left unread or
 * SO_LINGER is on with no time (as Linux), else an orderly FIN. */
static void tcp_detach(struct inet_sock *is, bool hard)
{
	struct tcp_pcb *pcb = tcp_unhook(is);

	if (!pcb)
		return;
	if (pcb->state == LISTEN) {
		tcp_close(pcb);
		return;
	}
	if (hard || tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

/* Everything sent has been acknowledged, or waiting for it is over. */
static bool tcp_all_acked(struct inet_sock *is)
{
	struct tcp_pcb *pcb = READ_ONCE(is->tcp);

	return !pcb || READ_ONCE(is->state) != SS_CONNECTED || READ_ONCE(is->sk.err) ||
	       signal_pending() || (!READ_ONCE(pcb->unsent) && !READ_ONCE(pcb->unacked));
}

/* SO_LINGER with a time: close(2) of the last reference waits, at most
 * that long, until the peer has acknowledged every byte sent (Linux's
 * sk_stream_wait_close; a signal ends the wait early, as there); the
 * orderly close (release) follows either way. Called with no lock held,
 * from close(2) only: not at exit (Linux skips it under PF_EXITING), not
 * from a last reference dropped elsewhere (a /proc lookup, io_uring,
 * fasyncd), where a wait would hold their locks. */
static void inet_close_wait(struct socket *s)
{
	struct inet_sock *is = isk(s);

	if (!s->linger_on || s->linger_secs <= 0 || !current_proc() ||
	    READ_ONCE(current_task()->exiting))
		return;
	u64 left = (u64)s->linger_secs * 1000000000ull;

	inet_lock();
	if (!is_tcp(is) || is->rxlen)	/* unread data: release resets */
		left = 0;

	while (left && !tcp_all_acked(is)) {
		u64 t0 = ktime_ns();
		tcp_output(is->tcp);
		inet_unlock();
		/* a slice at a time: the ack of a bare FIN calls no callback */
		wait_event_timeout(is->sk.wq, tcp_all_acked(is), MIN(left, 100000000ull));
		inet_lock();
		u64 spent = ktime_ns() - t0;
		left = spent >= left ? 0 : left - spent;
	}
	inet_unlock();
}

static void inet_release(struct socket *s)
{
	struct inet_sock *is = isk(s);
	LIST_HEAD(children);

	inet_lock();
	if (is_tcp(is)) {
		take_acceptq(is, &children);
		tcp_detach(is, is->rxlen || (s->linger_on && !s->linger_secs));
	} else if (is->udp) {
		udp_remove(is->udp);
		is->udp = NULL;
	}
	kfree(is->cork);	/* a datagram MSG_MORE never finished: dropped */
	is->cork = NULL;
	is->corked = false;
	rx_free(is);
	is->state = SS_DEAD;
	inet_unlock();
	put_children(&children);
}

/* ---- bind, listen, accept, connect */

static bool may_bind_low(void)
{
	struct cred c;

	cred_current(&c);
	return cred_is_root(&c);
}

/* A listener on port whose address overlaps ip (either is the wildcard,
 * or they are equal): Linux refuses a second one whatever SO_REUSEADDR
 * says, or any user could take another's connections by binding the
 * exact address beside a wildcard listener. inet_lock held. */
static bool listener_overlaps(const struct tcp_pcb *self, const ip_addr_t *ip, u16 port)
{
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next) {
		if ((const void *)l == (const void *)self || l->local_port != port)
			continue;
		/* an IPv6-only socket and an IPv4 one never overlap (dropbear
		 * and sshd listen so); a dual-stack wildcard is of type ANY */
		if ((IP_IS_V6_VAL(l->local_ip) && IP_IS_V4(ip)) ||
		    (IP_IS_V4_VAL(l->local_ip) && IP_IS_V6(ip)))
			continue;
		if (ip_addr_isany(&l->local_ip) || ip_addr_isany(ip) ||
		    ip_addr_cmp(&l->local_ip, ip))
			return true;
	}
	return false;
}

static int inet_bind(struct socket *s, const u8 *addr, int len)
{
	struct inet_sock *is = isk(s);
	ip_addr_t ip;
	u16 port;
	bool unspec;
	int rc = addr_from(is, addr, len, &ip, &port, &unspec);

	if (rc)
		return rc;
	if (unspec && s->family == AF_INET6)
		return -EINVAL;
	if (port && port < 1024 && !may_bind_low())
		return -EACCES;
	const ip_addr_t *at = is_any(&ip) ? any_addr(is) : &ip;
	inet_lock();
	if (is->lport || is->state != SS_UNCONN) {
		rc = -EINVAL;	/* bound already */
	} else if (!is_any(&ip) && !inet_addr_is_local(&ip)) {
		rc = -EADDRNOTAVAIL;
	} else if (is->tcp) {
		if (s->reuseaddr)
			ip_set_option(is->tcp, SOF_REUSEADDR);
		rc = port && listener_overlaps(is->tcp, at, port) ? -EADDRINUSE :
		     lwip_errno(tcp_bind(is->tcp, at, port));
	} else if (is->udp) {
		if (s->reuseaddr)
			ip_set_option(is->udp, SOF_REUSEADDR);
		rc = lwip_errno(udp_bind(is->udp, at, port));
	} else {
		rc = -EINVAL;
	}
	if (rc == -EINVAL && !is->lport && is->state == SS_UNCONN)
		rc = -EADDRNOTAVAIL;	/* lwIP: an address that is not ours */
	if (!rc)
		sync_names(is);
	inet_unlock();
	return rc;
}

static int inet_listen(struct socket *s, int backlog)
{
	struct inet_sock *is = isk(s);
	int rc = 0;

	if (!is_tcp(is))
		return -EOPNOTSUPP;
	inet_lock();
	if (is->state == SS_LISTEN) {
		is->backlog = backlog;	/* Linux: listen again changes the backlog */
	} else if (is->state != SS_UNCONN || !is->tcp) {
		rc = -EINVAL;
	} else {
		if (!is->lport)	/* Linux binds an unbound listener to a free port */
			rc = lwip_errno(tcp_bind(is->tcp, any_addr(is), 0));
		else if (listener_overlaps(is->tcp, &is->tcp->local_ip, is->tcp->local_port))
			rc = -EADDRINUSE;	/* bound beside a listener (SO_REUSEADDR) */
		struct tcp_pcb *l = rc ? NULL :
			tcp_listen_with_backlog(is->tcp, (u8)MIN(backlog + 1, 255));
		if (!rc && !l) {
			rc = -ENOBUFS;
		} else if (!rc) {
			is->tcp = l;	/* tcp_listen freed the old pcb */
			tcp_arg(l, is);
			tcp_accept(l, tcp_on_accept);
			is->state = SS_LISTEN;
			is->backlog = backlog;
			WRITE_ONCE(s->acceptconn, true);
			sync_names(is);
		}
	}
	inet_unlock();
	return rc;
}

static bool acceptable(struct inet_sock *is)
{
	return !list_empty(&is->acceptq) || READ_ONCE(is->state) != SS_LISTEN || signal_pending();
}

static int inet_accept(struct socket *s, struct socket **out, int flags)
{
	struct inet_sock *is = isk(s), *c;
	u64 timeo = sock_timeo(s, false, flags & O_NONBLOCK ? MSG_DONTWAIT : 0);

	if (!is_tcp(is))
		return -EOPNOTSUPP;
	inet_lock();
	for (;;) {
		if (is->state != SS_LISTEN) {
			inet_unlock();
			return -EINVAL;
		}
		if (!list_empty(&is->acceptq))
			break;
		if (!timeo) {
			inet_unlock();
			return -EAGAIN;
		}
		inet_unlock();
		if (timeo == SOCK_FOREVER)
			wait_event(s->wq, acceptable(is));
		else if (!wait_event_timeout(s->wq, acceptable(is), timeo))
			timeo = 0;
		inet_lock();
		if (list_empty(&is->acceptq) && signal_pending()) {
			inet_unlock();
			return sock_intr(timeo);
		}
	}
	c = list_first_entry(&is->acceptq, struct inet_sock, link);
	list_del_init(&c->link);
	c->parent = NULL;
	is->nacc--;
	if (c->tcp)
		tcp_backlog_accepted(c->tcp);
	inet_unlock();
	*out = &c->sk;	/* the accept callback's file reference */
	return 0;
}

static bool connect_done(struct inet_sock *is)
{
	return READ_ONCE(is->state) != SS_CONNECTING || signal_pending();
}

static int tcp_connect_(struct inet_sock *is, const ip_addr_t *ip, u16 port, int fflags)
{
	struct socket *s = &is->sk;
	u64 timeo = sock_timeo(s, true, fflags & O_NONBLOCK ? MSG_DONTWAIT : 0);
	int rc;

	switch (is->state) {
	case SS_CONNECTED:
	case SS_LISTEN:
		return -EISCONN;
	case SS_CONNECTING:
		return -EALREADY;
	case SS_DEAD:		/* a failed connect: Linux lets one try again */
		if (is->shut || is->rxh || is->fin)
			return -EISCONN;
		is->state = SS_UNCONN;
		break;
	}
	if (!is->tcp) {
		is->tcp = tcp_new_ip_type(s->family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);
		if (!is->tcp)
			return -ENOBUFS;
		tcp_hook(is, is->tcp);
		if (is->lport)
			tcp_bind(is->tcp, &is->laddr, is->lport);
	}
	ip = inet_unspec_to_loopback(ip);
	if (inet_net_unreachable(s->net, ip))
		return -ENETUNREACH;
	if (is->nodelay)
		tcp_nagle_disable(is->tcp);
	if (s->keepalive)
		ip_set_option(is->tcp, SOF_KEEPALIVE);
	if ((rc = lwip_errno(tcp_connect(is->tcp, ip, port, tcp_on_connected))))
		return rc == -EADDRINUSE ? -EADDRNOTAVAIL : rc;
	is->state = SS_CONNECTING;
	sync_names(is);
	if (!timeo)
		return -EINPROGRESS;	/* loopback completes it at the unlock */
	for (;;) {
		if (is->state != SS_CONNECTING)
			break;
		inet_unlock();
		bool ok = true;
		if (timeo == SOCK_FOREVER)
			wait_event(s->wq, connect_done(is));
		else
			ok = wait_event_timeout(s->wq, connect_done(is), timeo);
		inet_lock();
		if (is->state == SS_CONNECTING && signal_pending())
			return sock_intr(timeo);
		if (!ok && is->state == SS_CONNECTING)
			return -EINPROGRESS;	/* SO_SNDTIMEO, as Linux */
	}
	if (is->state == SS_CONNECTED)
		return 0;
	rc = take_err(is);
	return rc ? -rc : -ECONNREFUSED;
}

/* [lock] connect(AF_UNSPEC) on TCP, as Linux's tcp_disconnect: a
 * connection (or connecting socket) is reset, a listener's waiting
 * connections go to *children, and the socket starts again unconnected
 * and unbound (Linux keeps a port bind() chose: Alloy does not know which
 * came from bind), on a fresh pcb. Readers and writers blocked on it see
 * ENOTCONN. */
static int tcp_disconnect_(struct inet_sock *is, struct list_head *children)
{
	if (is->state == SS_UNCONN)
		return 0;
	if (is->state == SS_LISTEN) {
		take_acceptq(is, children);
		WRITE_ONCE(is->sk.acceptconn, false);
	}
	tcp_detach(is, true);
	rx_free(is);
	is->fin = false;
	is->shut = 0;
	is->more_since = 0;
	is->state = SS_UNCONN;
	is->lport = is->rport = 0;
	ip_addr_copy(is->laddr, *any_addr(is));
	ip_addr_copy(is->raddr, *any_addr(is));
	is->tcp = tcp_new_ip_type(is->sk.family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);
	if (is->tcp)
		tcp_hook(is, is->tcp);
	wake(is);
	return 0;		/* no pcb: the next connect or bind makes one, or fails */
}

static int inet_connect(struct socket *s, const u8 *addr, int len, int fflags)
{
	LIST_HEAD(children);
	struct inet_sock *is = isk(s);
	ip_addr_t ip;
	u16 port;
	bool unspec;
	int rc = addr_from(is, addr, len, &ip, &port, &unspec);

	if (rc && !unspec)
		return rc;
	const ip_addr_t *dst = unspec ? NULL : inet_unspec_to_loopback(&ip);	/* UDP's peer */
	inet_lock();
	if (is_tcp(is)) {
		rc = unspec ? tcp_disconnect_(is, &children) : tcp_connect_(is, &ip, port, fflags);
	} else if (!is->udp) {
		rc = -EINVAL;
	} else if (unspec) {
		udp_disconnect(is->udp);	/* AF_UNSPEC: dissolve the association */
		udp_bind_net(is);
		is->state = SS_UNCONN;
		ip_addr_copy(is->raddr, *any_addr(is));
		is->rport = 0;
		rc = 0;
	} else if (inet_net_unreachable(s->net, dst)) {
		rc = -ENETUNREACH;
	} else {
		rc = lwip_errno(udp_connect(is->udp, dst, port));
		if (!rc) {
			is->state = SS_CONNECTED;
			sync_names(is);
		}
	}
	inet_unlock();
	put_children(&children);
	return rc;
}

static int inet_getname(struct socket *s, u8 *addr, bool peer)
{
	struct inet_sock *is = isk(s);
	int len;

	inet_lock();
	if (peer && is->state != SS_CONNECTED && !(is_tcp(is) && is->state == SS_DEAD && is->fin))
		len = -ENOTCONN;
	else
		len = peer ? addr_to(is, &is->raddr, is->rport, addr) :
			     addr_to(is, &is->laddr, is->lport, addr);
	inet_unlock();
	return len;
}

/* ---- sending */

static bool tcp_room(struct inet_sock *is)
{
	struct tcp_pcb *pcb = READ_ONCE(is->tcp);

	return !pcb || READ_ONCE(is->state) != SS_CONNECTED || READ_ONCE(is->sk.err) ||
	       (READ_ONCE(is->shut) & SEND_SHUTDOWN) || signal_pending() ||
	       (tcp_sndbuf(pcb) > 0 && tcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN - 4);
}

/* [lock, dropped while asleep] 0 when there is room to send, or an error. */
static int tcp_wait_room(struct inet_sock *is, u64 *timeo, int flags, u64 retry_ns)
{
	for (;;) {
		if (is->state == SS_CONNECTING) {
			/* a non-blocking connect still under way: wait for it */
		} else if (is->state != SS_CONNECTED || !is->tcp || (is->shut & SEND_SHUTDOWN)) {
			int e = take_err(is);
			if (e && e != EPIPE)
				return -e;
			if (is->state == SS_UNCONN)
				return -ENOTCONN;
			sock_sigpipe(flags);
			return -EPIPE;
		} else if (READ_ONCE(is->sk.err)) {
			return -take_err(is);
		} else if (!retry_ns && tcp_sndbuf(is->tcp) > 0 &&
			   tcp_sndqueuelen(is->tcp) < TCP_SND_QUEUELEN - 4) {
			return 0;
		}
		if (!*timeo)
			return -EAGAIN;
		if (is->tcp)
			tcp_output(is->tcp);
		inet_unlock();
		u64 t = retry_ns ? MIN(retry_ns, *timeo) : *timeo;
		bool ok = true;
		if (t == SOCK_FOREVER)
			wait_event(is->sk.wq, tcp_room(is));
		else
			ok = wait_event_timeout(is->sk.wq, tcp_room(is), t);
		inet_lock();
		if (retry_ns) {
			if (*timeo != SOCK_FOREVER)
				*timeo -= t;
			retry_ns = 0;
		} else if (!ok) {
			*timeo = 0;
		}
		if (signal_pending())
			return sock_intr(*timeo);
	}
}

static long tcp_sendmsg(struct inet_sock *is, struct kmsg *m, int flags)
{
	size_t total = m->it.left, done = 0, held = 0;
	u64 timeo = sock_timeo(&is->sk, true, flags);
	u8 *buf = kmalloc(MIN(total, (size_t)SEND_CHUNK) + 1, GFP_KERNEL);
	long rc = 0;
	u64 retry = 0;

	if (!buf)
		return -ENOMEM;
	inet_lock();
	if (is->state == SS_UNCONN || is->state == SS_LISTEN)
		rc = -ENOTCONN;
	while (!rc && (done < total || (!total && !done))) {
		if ((rc = tcp_wait_room(is, &timeo, flags, retry)))
			break;
		retry = 0;
		if (!total)
			break;		/* a zero-length send: 0 once connected */
		if (!held) {
			held = MIN(total - done, (size_t)SEND_CHUNK);
			held = MIN(held, (size_t)tcp_sndbuf(is->tcp));
			if (iter_copy_in(&m->it, buf, held)) {
				held = 0;
				rc = -EFAULT;
				break;
			}
		}
		size_t n = MIN(MIN(held, (size_t)0xffff), (size_t)tcp_sndbuf(is->tcp));
		u8 wflags = TCP_WRITE_FLAG_COPY | (done + n < total ? TCP_WRITE_FLAG_MORE : 0);
		err_t e = n ? tcp_write(is->tcp, buf, (u16_t)n, wflags) : ERR_MEM;
		if (e == ERR_MEM) {
			retry = MEM_RETRY_NS;	/* lwIP's heap or queue is full */
			continue;
		}
		if (e != ERR_OK) {
			rc = lwip_errno(e);
			break;
		}
		memmove(buf, buf + n, held - n);
		held -= n;
		done += n;
		if (!held && (done < total || !(flags & MSG_MORE)))
			tcp_output(is->tcp);
	}
	/* MSG_MORE: the last piece waits in lwIP's queue for the next send
	 * without it (or, as Linux, an ACK or lwIP's timer). Not on a
	 * listener (a send on one is ENOTCONN above: its pcb is a listen pcb,
	 * which lwIP asserts tcp_output never sees). */
	if (is->tcp && is->state != SS_LISTEN && is->state != SS_UNCONN && !(flags & MSG_MORE))
		tcp_output(is->tcp);
	if (!(flags & MSG_MORE) || !done)
		is->more_since = 0;
	else if (!is->more_since)
		is->more_since = ktime_ns();
	inet_unlock();
	kfree(buf);
	return done ? (long)done : rc;
}

static long udp_sendmsg(struct inet_sock *is, struct kmsg *m, int flags)
{
	size_t len = m->it.left;
	ip_addr_t ip;
	u16 port = 0;
	bool unspec, to = m->namelen > 0;
	int rc;

	if (to && (rc = addr_from(is, m->name, m->namelen, &ip, &port, &unspec)))
		return rc;
	if (to && unspec)
		to = false;	/* AF_UNSPEC: as no address */
	if (len > UDP_MAX)
		return -EMSGSIZE;
	if (to && !port)
		return -EINVAL;
	u8 *buf = kmalloc(len + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (iter_copy_in(&m->it, buf, len)) {
		kfree(buf);
		return -EFAULT;
	}
	inet_lock();
	struct pbuf *p = NULL;
	u8 *whole = buf;	/* the datagram: this send's bytes after any corked ones */
	size_t n = len;
	if (!is->udp || (is->shut & SEND_SHUTDOWN)) {
		rc = -EPIPE;
		sock_sigpipe(flags);
		goto out;
	}
	if (is->corked) {	/* Linux: the corked datagram's destination wins */
		to = is->corkto;
		ip_addr_copy(ip, is->corkip);
		port = is->corkport;
		if (is->corklen + len > UDP_MAX) {
			rc = -EMSGSIZE;
			goto out;
		}
	} else if (!to && is->state != SS_CONNECTED) {
		rc = -EDESTADDRREQ;
		goto out;
	}
	if (is->corked && len) {
		if (!(whole = kmalloc(is->corklen + len + 1, GFP_KERNEL))) {
			whole = buf;
			rc = -ENOMEM;
			goto out;
		}
		memcpy(whole, is->cork, is->corklen);
		memcpy(whole + is->corklen, buf, len);
		kfree(is->cork);
		is->cork = whole;
		is->corklen += len;
	} else if (!is->corked) {
		is->cork = buf;	/* taken over */
		is->corklen = len;
		buf = NULL;
	}
	if (flags & MSG_MORE) {
		is->corked = true;
		is->corkto = to;
		if (to)
			ip_addr_copy(is->corkip, ip);
		is->corkport = port;
		rc = (int)len;
		goto out;
	}
	/* the whole datagram goes now; the socket is uncorked whatever happens */
	whole = is->cork;
	n = is->corklen;
	is->cork = NULL;
	is->corked = false;
	if (!(p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM))) {
		rc = -ENOBUFS;
	} else {
		pbuf_take(p, whole, (u16_t)n);
		const ip_addr_t *dst = to ? inet_unspec_to_loopback(&ip) : &is->raddr;
		err_t e = inet_net_unreachable(is->sk.net, dst) ? ERR_RTE :
			  to ? udp_sendto(is->udp, p, dst, port) : udp_send(is->udp, p);
		rc = e == ERR_OK ? (int)len : lwip_errno(e);
		sync_names(is);
	}
	kfree(whole);
out:
	if (p)
		pbuf_free(p);
	inet_unlock();
	kfree(buf);
	return rc;
}

static long inet_sendmsg(struct socket *s, struct kmsg *m, int flags)
{
	struct inet_sock *is = isk(s);

	if ((flags & MSG_OOB) && !is_tcp(is))
		return -EOPNOTSUPP;	/* TCP's urgent data is sent as ordinary data */
	if (READ_ONCE(is->cork_opt))
		flags |= MSG_MORE;
	if (is_tcp(is)) {
		if (m->namelen && is->state != SS_CONNECTED)
			return is->state == SS_UNCONN ? -EPIPE : -EISCONN;
		return tcp_sendmsg(is, m, flags);
	}
	return udp_sendmsg(is, m, flags);
}

/* ---- receiving */

static bool readable(struct inet_sock *is)
{
	return READ_ONCE(is->rxh) || READ_ONCE(is->dh) || READ_ONCE(is->fin) ||
	       READ_ONCE(is->sk.err) || (READ_ONCE(is->shut) & RCV_SHUTDOWN) ||
	       READ_ONCE(is->state) == SS_DEAD || signal_pending() ||
	       (is_tcp(is) && READ_ONCE(is->state) == SS_UNCONN);	/* disconnected meanwhile */
}

/* [lock, dropped while asleep] 0 when data is queued, 1 at the end, or an error. */
static int wait_data(struct inet_sock *is, u64 *timeo)
{
	while (!is->rxh && !is->dh) {
		int e = take_err(is);
		if (e)
			return e == EPIPE ? 1 : -e;
		if (is->fin || (is->shut & RCV_SHUTDOWN) || is->state == SS_DEAD)
			return 1;
		if (is_tcp(is) && is->state != SS_CONNECTED && is->state != SS_CONNECTING)
			return -ENOTCONN;
		if (!*timeo)
			return -EAGAIN;
		inet_unlock();
		if (*timeo == SOCK_FOREVER)
			wait_event(is->sk.wq, readable(is));
		else if (!wait_event_timeout(is->sk.wq, readable(is), *timeo))
			*timeo = 0;
		inet_lock();
		if (!is->rxh && !is->dh && signal_pending())
			return sock_intr(*timeo);
	}
	return 0;
}

/* [lock] Copies up to n bytes of the stream out; consumes them unless peek. */
static long tcp_copy_out(struct inet_sock *is, struct kmsg *m, size_t n, bool peek)
{
	struct pbuf *p = is->rxh;
	u32 off = is->rxoff;
	size_t done = 0;

	while (p && done < n) {
		size_t k = MIN((size_t)(p->len - off), n - done);
		if (iter_copy_out(&m->it, (u8 *)p->payload + off, k))
			return done ? (long)done : -EFAULT;
		done += k;
		off += (u32)k;
		if (off < p->len)
			break;
		p = p->next;
		off = 0;
		if (!peek) {
			struct pbuf *q = is->rxh;
			is->rxh = p;
			q->next = NULL;
			pbuf_free(q);
		}
	}
	if (!peek) {
		if (!is->rxh)
			is->rxt = NULL;
		is->rxoff = is->rxh ? off : 0;
		is->rxlen -= done;
		for (size_t left = done; is->tcp && left;) {
			u16 k = (u16)MIN(left, (size_t)0xffff);
			tcp_recved(is->tcp, k);	/* the window opens as the user reads */
			left -= k;
		}
	}
	return (long)done;
}

static long tcp_recvmsg(struct inet_sock *is, struct kmsg *m, size_t len, int flags)
{
	u64 timeo = sock_timeo(&is->sk, false, flags);
	bool peek = flags & MSG_PEEK, all = (flags & MSG_WAITALL) && !peek;
	size_t done = 0;
	long rc = 0;

	inet_lock();
	if (is->state == SS_LISTEN) {
		inet_unlock();
		return -ENOTCONN;
	}
	while (done < len || !len) {
		if ((rc = wait_data(is, &timeo)))
			break;
		if (!len)
			break;
		long n = tcp_copy_out(is, m, len - done, peek);
		if (n < 0) {
			rc = n;
			break;
		}
		done += (size_t)n;
		if (!all)
			break;
	}
	inet_unlock();
	if (done)
		return (long)done;
	return rc > 0 ? 0 : rc;
}

static long udp_recvmsg(struct inet_sock *is, struct kmsg *m, size_t len, int flags)
{
	u64 timeo = sock_timeo(&is->sk, false, flags);
	long rc;

	inet_lock();
	if ((rc = wait_data(is, &timeo))) {
		inet_unlock();
		return rc > 0 ? 0 : rc;
	}
	struct dgram *d = is->dh;
	size_t n = MIN(len, (size_t)d->p->tot_len), done = 0;
	for (struct pbuf *q = d->p; q && done < n; q = q->next) {
		size_t k = MIN((size_t)q->len, n - done);
		if (iter_copy_out(&m->it, q->payload, k)) {
			inet_unlock();
			return -EFAULT;
		}
		done += k;
	}
	rc = (flags & MSG_TRUNC) ? d->p->tot_len : (long)n;
	if (n < d->p->tot_len)
		m->flags |= MSG_TRUNC;
	m->namelen = addr_to(is, &d->from, d->port, m->name);
	if (!(flags & MSG_PEEK)) {
		is->dh = d->next;
		if (!is->dh)
			is->dt = NULL;
		is->dqbytes -= d->p->tot_len + DGRAM_COST;
		pbuf_free(d->p);
		kfree(d);
	}
	inet_unlock();
	return rc;
}

static long inet_recvmsg(struct socket *s, struct kmsg *m, size_t len, int flags)
{
	struct inet_sock *is = isk(s);

	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;		/* no error queue: always empty */
	if (flags & MSG_OOB)	/* no urgent data is ever kept */
		return is_tcp(is) ? -EINVAL : -EOPNOTSUPP;
	return is_tcp(is) ? tcp_recvmsg(is, m, len, flags) : udp_recvmsg(is, m, len, flags);
}

/* ---- shutdown, poll, ioctl, options */

static int inet_shutdown(struct socket *s, int how)
{
	struct inet_sock *is = isk(s);
	LIST_HEAD(children);
	int rc = 0;

	inet_lock();
	if (is_tcp(is) && is->state == SS_LISTEN) {
		/* Linux: a listener shut down stops listening; accept is EINVAL */
		take_acceptq(is, &children);
		tcp_detach(is, false);
		is->state = SS_UNCONN;
		is->lport = 0;
		WRITE_ONCE(s->acceptconn, false);
	} else if (is->state == SS_UNCONN && (is_tcp(is) || !is->lport)) {
		rc = -ENOTCONN;
	}
	if (!rc) {
		is->shut |= (u8)how;
		if ((how & SEND_SHUTDOWN) && is->tcp && is->state == SS_CONNECTED)
			tcp_shutdown(is->tcp, 0, 1);	/* our FIN */
		if (how & RCV_SHUTDOWN)
			rx_free(is);
	}
	wake(is);
	inet_unlock();
	put_children(&children);
	return rc;
}

static unsigned int inet_poll(struct socket *s, struct poll_table *pt)
{
	struct inet_sock *is = isk(s);
	unsigned int mask = 0;

	poll_wait(pt, &s->wq);
	inet_lock();
	if (READ_ONCE(s->err))
		mask |= POLLERR;
	if (is->state == SS_LISTEN) {
		if (!list_empty(&is->acceptq))
			mask |= POLLIN | POLLRDNORM;
		inet_unlock();
		return mask;
	}
	if (!is_tcp(is)) {
		if (is->dh)
			mask |= POLLIN | POLLRDNORM;
		if (!(is->shut & SEND_SHUTDOWN) || true)
			mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
		if (is->shut == (RCV_SHUTDOWN | SEND_SHUTDOWN))
			mask |= POLLHUP;
		if (is->shut & RCV_SHUTDOWN)
			mask |= POLLIN | POLLRDNORM | POLLRDHUP;
		inet_unlock();
		return mask;
	}
	bool rdhup = is->fin || (is->shut & RCV_SHUTDOWN);
	bool dead = is->state == SS_DEAD || is->state == SS_UNCONN;
	if ((rdhup && (is->shut & SEND_SHUTDOWN)) || dead)
		mask |= POLLHUP;
	if (rdhup || is->state == SS_DEAD)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (is->rxh)
		mask |= POLLIN | POLLRDNORM;
	if (is->state != SS_CONNECTING) {
		if ((is->shut & SEND_SHUTDOWN) || dead ||
		    (is->tcp && tcp_sndbuf(is->tcp) >= TCP_SNDLOWAT &&
		     tcp_sndqueuelen(is->tcp) < TCP_SNDQUEUELOWAT))
			mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	}
	inet_unlock();
	return mask;
}

static long inet_ioctl(struct socket *s, u32 cmd, u64 arg)
{
	struct inet_sock *is = isk(s);
	int v = 0;

	inet_lock();
	if (cmd == FIONREAD) {
		if (is->state == SS_LISTEN) {
			inet_unlock();
			return -EINVAL;
		}
		v = is_tcp(is) ? (int)MIN(is->rxlen, (size_t)0x7fffffff) :
		    is->dh ? is->dh->p->tot_len : 0;
	} else if (cmd == SIOCATMARK) {
		if (!is_tcp(is)) {
			inet_unlock();
			return -ENOTTY;	/* Linux's udp_ioctl does not know it */
		}
		v = 0;		/* never at an urgent mark: none is kept */
	} else if (cmd == SIOCOUTQ) {
		v = is->tcp && is->state != SS_LISTEN ? (int)(TCP_SND_BUF - tcp_sndbuf(is->tcp)) : 0;
	} else {
		inet_unlock();
		return inet_dev_ioctl(s->net, cmd, arg);
	}
	inet_unlock();
	return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
}

/*
 * IPV6_ADDRFORM to AF_INET: an AF_INET6 socket connected to an IPv4
 * peer (::ffff:a.b.c.d) becomes an AF_INET socket, as Linux. The names
 * are kept as lwIP's addresses, which do not depend on the family, so
 * only the family and the ops change, under inet_lock; inet_ops and
 * inet6_ops share every function, so a thread inside a call on the
 * socket meanwhile runs the same code, and sees either family.
 */
static int addrform(struct inet_sock *is, int v)
{
	int rc = 0;

	if (v != AF_INET)
		return -EINVAL;
	inet_lock();
	if (is->state != SS_CONNECTED)
		rc = -ENOTCONN;
	else if (is->v6only || !IP_IS_V4(&is->raddr))
		rc = -EADDRNOTAVAIL;
	if (!rc) {
		WRITE_ONCE(is->sk.family, AF_INET);
		WRITE_ONCE(is->sk.ops, &inet_ops);
	}
	inet_unlock();
	return rc;
}

static int inet_setsockopt(struct socket *s, int level, int name, u64 uval, u64 len)
{
	struct inet_sock *is = isk(s);
	int v;

	if (level == SOL_SOCKET) {	/* the socket layer stored it; apply it */
		inet_lock();
		if (name == SO_KEEPALIVE && is->tcp) {
			if (s->keepalive)
				ip_set_option(is->tcp, SOF_KEEPALIVE);
			else
				ip_reset_option(is->tcp, SOF_KEEPALIVE);
		}
		if (name == 11 /* SO_NO_CHECK */ && is->udp) {	/* lwIP: IPv4 only, as Linux */
			if (s->no_check)
				udp_set_flags(is->udp, UDP_FLAGS_NOCHKSUM);
			else
				udp_clear_flags(is->udp, UDP_FLAGS_NOCHKSUM);
		}
		inet_unlock();
		return 0;
	}
	if ((int)len < (int)sizeof(int))
		return -EINVAL;
	if (copy_from_user(&v, (void *)uval, sizeof(v)))
		return -EFAULT;
	if (level == IPPROTO_TCP && is_tcp(is)) {
		switch (name) {
		case TCP_NODELAY:
			inet_lock();
			is->nodelay = !!v;
			if (is->tcp && is->state != SS_LISTEN) {
				if (v)
					tcp_nagle_disable(is->tcp);
				else
					tcp_nagle_enable(is->tcp);
			}
			inet_unlock();
			return 0;
		case TCP_CORK:
			/* unset: what the cork held goes now, as Linux's */
			inet_lock();
			is->cork_opt = !!v;
			if (!v && is->tcp && is->state != SS_LISTEN && is->state != SS_UNCONN) {
				is->more_since = 0;
				tcp_output(is->tcp);
			}
			inet_unlock();
			return 0;
		case TCP_MAXSEG:
		case TCP_KEEPIDLE:
		case TCP_KEEPINTVL:
		case TCP_KEEPCNT:
			return v < 1 ? -EINVAL : 0;	/* accepted, no effect */
		}
		return -ENOPROTOOPT;
	}
	if (level == IPPROTO_UDP && !is_tcp(is) && name == UDP_CORK) {
		/* unset: the datagram the cork built goes now, as Linux's */
		inet_lock();
		is->cork_opt = !!v;
		bool flush = !v && is->corked;
		inet_unlock();
		if (flush) {
			struct kmsg m = { .namelen = 0 };
			long rc = udp_sendmsg(is, &m, 0);
			return rc < 0 ? (int)rc : 0;
		}
		return 0;
	}
	if (level == IPPROTO_IPV6 && s->family == AF_INET6 && name == IPV6_V6ONLY) {
		inet_lock();
		int rc = is->lport || is->state != SS_UNCONN ? -EINVAL : 0;
		if (!rc)
			is->v6only = !!v;
		inet_unlock();
		return rc;
	}
	if (level == IPPROTO_IPV6 && s->family == AF_INET6 && name == IPV6_ADDRFORM)
		return addrform(is, v);
	return -ENOPROTOOPT;	/* any other level, as Linux's ip_setsockopt */
}

static int inet_getsockopt(struct socket *s, int level, int name, int *val)
{
	struct inet_sock *is = isk(s);

	if (level == IPPROTO_TCP && is_tcp(is)) {
		switch (name) {
		case TCP_NODELAY: *val = READ_ONCE(is->nodelay); return 0;
		case TCP_CORK: *val = READ_ONCE(is->cork_opt); return 0;
		case TCP_MAXSEG: *val = is->tcp ? tcp_mss(is->tcp) : TCP_MSS; return 0;
		}
		return -ENOPROTOOPT;
	}
	if (level == IPPROTO_UDP && !is_tcp(is) && name == UDP_CORK) {
		*val = READ_ONCE(is->cork_opt);
		return 0;
	}
	if (level == IPPROTO_IPV6 && s->family == AF_INET6 && name == IPV6_V6ONLY) {
		*val = READ_ONCE(is->v6only);
		return 0;
	}
	/* Linux's ip_getsockopt: a level neither IP nor the protocol's is
	 * EOPNOTSUPP on AF_INET; an unknown name at a known level (and any
	 * level on AF_INET6, as ipv6_getsockopt) ENOPROTOOPT. */
	if (s->family == AF_INET && level != IPPROTO_IP &&
	    level != (is_tcp(is) ? IPPROTO_TCP : IPPROTO_UDP))
		return -EOPNOTSUPP;
	return -ENOPROTOOPT;
}

static bool inet_peercred(struct socket *s, struct ucred_k *out)
{
	(void)s;
	(void)out;
	return false;
}

const struct proto_ops inet_ops = {
	.family = AF_INET,
	.obj_size = sizeof(struct inet_sock),
	.create = inet_create,
	.release = inet_release,
	.close_wait = inet_close_wait,
	.bind = inet_bind,
	.connect = inet_connect,
	.listen = inet_listen,
	.accept = inet_accept,
	.getname = inet_getname,
	.poll = inet_poll,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
	.shutdown = inet_shutdown,
	.ioctl = inet_ioctl,
	.peercred = inet_peercred,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
};

const struct proto_ops inet6_ops = {
	.family = AF_INET6,
	.obj_size = sizeof(struct inet_sock),
	.create = inet_create,
	.release = inet_release,
	.close_wait = inet_close_wait,
	.bind = inet_bind,
	.connect = inet_connect,
	.listen = inet_listen,
	.accept = inet_accept,
	.getname = inet_getname,
	.poll = inet_poll,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
	.shutdown = inet_shutdown,
	.ioctl = inet_ioctl,
	.peercred = inet_peercred,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
};

static const struct proto_ops *ops_of(int family)
{
	return family == AF_INET ? &inet_ops : &inet6_ops;
}

/* ---- /proc/net/{tcp,udp,tcp6,udp6} rows (kernel/net/inet_proc.c prints them) */

/* Linux's TCP state numbers for lwIP's states. */
static const u8 linux_state[] = {
	[CLOSED] = 7, [LISTEN] = 10, [SYN_SENT] = 2, [SYN_RCVD] = 3, [ESTABLISHED] = 1,
	[FIN_WAIT_1] = 4, [FIN_WAIT_2] = 5, [CLOSE_WAIT] = 8, [CLOSING] = 11,
	[LAST_ACK] = 9, [TIME_WAIT] = 6,
};

static bool row_of(const ip_addr_t *l, u16 lp, const ip_addr_t *r, u16 rp, bool v6,
		   struct inet_row *row)
{
	if (v6 != (IP_IS_V6(l) || IP_IS_ANY_TYPE_VAL(*l)))
		return false;
	memset(row, 0, sizeof(*row));
	if (IP_IS_V4(l))
		row->laddr[0] = ip4_addr_get_u32(ip_2_ip4(l));
	else if (!IP_IS_ANY_TYPE_VAL(*l))
		memcpy(row->laddr, ip_2_ip6(l)->addr, 16);
	if (IP_IS_V4(r))
		row->raddr[0] = ip4_addr_get_u32(ip_2_ip4(r));
	else if (!IP_IS_ANY_TYPE_VAL(*r))
		memcpy(row->raddr, ip_2_ip6(r)->addr, 16);
	row->lport = lp;
	row->rport = rp;
	return true;
}

int inet_proc_rows(bool tcp, bool v6, struct inet_row *rows, int max)
{
	int n = 0;
	struct net *net = net_current();	/* the reader's namespace's sockets */

	inet_lock();
	u8_t want = inet_net_idx(net);
	if (tcp) {
		struct tcp_pcb *lists[] = { tcp_listen_pcbs.pcbs, tcp_active_pcbs, tcp_tw_pcbs };
		for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
			for (struct tcp_pcb *p = lists[i]; p && n < max; p = p->next) {
				if (p->netif_idx != want)
					continue;
				/* a listen pcb is shorter: no remote port */
				u16 rport = p->state == LISTEN ? 0 : p->remote_port;
				if (!row_of(&p->local_ip, p->local_port, &p->remote_ip, rport, v6,
					    &rows[n]))
					continue;
				rows[n].state = p->state < ARRAY_SIZE(linux_state) ? linux_state[p->state] : 7;
				if (p->state != LISTEN) {
					rows[n].txq = TCP_SND_BUF - p->snd_buf;
					struct inet_sock *is = p->callback_arg;
					rows[n].rxq = is ? (u32)is->rxlen : 0;
					rows[n].ino = is ? is->sk.ino : 0;
				} else {
					struct inet_sock *is = p->callback_arg;
					rows[n].ino = is ? is->sk.ino : 0;
				}
				n++;
			}
		}
	} else {
		for (struct udp_pcb *p = udp_pcbs; p && n < max; p = p->next) {
			if (p->netif_idx != want)
				continue;
			if (!row_of(&p->local_ip, p->local_port, &p->remote_ip, p->remote_port, v6,
				    &rows[n]))
				continue;
			struct inet_sock *is = p->recv_arg;
			rows[n].state = ip_addr_isany(&p->remote_ip) ? 7 : 1;
			rows[n].rxq = is ? (u32)is->dqbytes : 0;
			rows[n].ino = is ? is->sk.ino : 0;
			n++;
		}
	}
	inet_unlock();
	net_put(net);
	return n;
}
