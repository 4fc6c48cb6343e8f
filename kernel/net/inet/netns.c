/*
 * Network namespaces in the TCP/IP glue (docs/net.md, "Network
 * namespaces"; <alloy/net_ns.h>). lwIP is one stack with one list of
 * interfaces; a namespace other than the initial one owns one of them, a
 * loopback of its own ("lo", index 1 to its users, 127.0.0.1/8, no IPv6).
 * Everything here runs under inet_lock.
 *
 * How no packet crosses namespaces:
 *  - Every socket made in a new namespace has its lwIP pcb bound to the
 *    namespace's loopback (*_bind_netif): it sends only there, and lwIP
 *    gives it only what came in there.
 *  - The initial namespace's sockets are not bound (they take from any
 *    of its interfaces): a packet that came in on another namespace's
 *    interface is refused to them (inet_pcb_foreign: the TCP input hook,
 *    the UDP and raw receive callbacks).
 *  - A new namespace's loopback never has its link up, so lwIP's routing
 *    (ip4_route, for unbound pcbs) never picks it; only the answers lwIP
 *    makes while taking in one of its packets (ICMP, RST) are routed to
 *    it (inet_route_hook), and any output onto an interface of another
 *    namespace than the packet being taken in is dropped (inet_crosses).
 *  - What comes in on a new namespace's loopback for an address that is
 *    not 127/8, IPv4 fragments and all IPv6 are dropped (lwIP would take
 *    an address of another interface as its own, and its reassembly
 *    mixes fragments of any interface).
 * The port space is lwIP's, so shared: a port bound in one namespace is
 * in use in every other (EADDRINUSE).
 */
#include <alloy/errno.h>
#include <alloy/net_ns.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "glue.h"
#include "netns.h"

#define NETNS_MAX 200		/* lwIP has 255 interface indices */

static struct net *if_net[256];	/* [inet_lock] lwIP index -> its namespace (NULL: the initial) */
static int nr_nets;		/* [inet_lock] namespaces with an interface */
static struct net *dead;	/* namespaces to tear down, pushed without a lock */

struct net *inet_if_net(struct netif *n)
{
	struct net *net = n ? if_net[netif_get_index(n)] : NULL;

	return net ? net : &init_net;
}

struct net *inet_idx_net(int lwidx)
{
	struct net *net = lwidx > 0 && lwidx < 256 ? if_net[lwidx] : NULL;

	return net ? net : &init_net;
}

int inet_if_uindex(struct netif *n)
{
	return if_net[netif_get_index(n)] ? 1 : netif_get_index(n);
}

struct netif *inet_if_get(struct net *net, int uidx)
{
	if (uidx < 1 || uidx > 255)
		return NULL;
	if (net != &init_net)
		return uidx == 1 ? net->lo : NULL;
	return if_net[uidx] ? NULL : netif_get_by_index((u8_t)uidx);
}

bool inet_if_child(struct netif *n)
{
	return n && if_net[netif_get_index(n)];
}

bool inet_pcb_foreign(u8_t netif_idx)
{
	struct netif *in = ip_current_input_netif();

	return netif_idx == NETIF_NO_INDEX && inet_if_child(in);
}

bool inet_crosses(struct netif *out)
{
	struct netif *in = ip_current_input_netif();

	return in && inet_if_net(in) != inet_if_net(out);
}

struct netif *inet_route_hook(void)
{
	struct netif *in = ip_current_input_netif();

	return inet_if_child(in) ? in : NULL;
}

bool inet_child_input_ok(struct pbuf *p)
{
	const u8 *h = p->payload;

	if (p->len < 20 || h[0] >> 4 != 4)
		return false;		/* IPv4 only */
	/* no fragments: lwIP never fragments on this MTU-less interface, and
	 * its reassembly does not look at interfaces (a crafted fragment
	 * could complete another namespace's datagram) */
	if ((h[6] & 0x3f) || h[7])
		return false;
	return h[16] == 127;		/* to 127/8 */
}

bool inet_net_unreachable(struct net *net, const struct ip_addr *dst)
{
	if (!net || net == &init_net)
		return false;
	if (!net->lo || !netif_is_up((struct netif *)net->lo) || !IP_IS_V4(dst))
		return true;	/* down, or IPv6, which it does not have */
	return ip4_addr1(ip_2_ip4(dst)) != 127;	/* its one route: 127/8 */
}

u8_t inet_net_idx(struct net *net)
{
	return net && net != &init_net ? (u8_t)net->lo_idx : NETIF_NO_INDEX;
}

/* ---- a namespace's loopback */

static err_t nslo_output(struct netif *n, struct pbuf *p, const ip4_addr_t *a)
{
	(void)a;
	if (!netif_is_up(n))
		return ERR_RTE;
	if (inet_crosses(n))
		return ERR_OK;		/* dropped: never into another namespace */
	return netif_loop_output(n, p);
}

static err_t nslo_output6(struct netif *n, struct pbuf *p, const ip6_addr_t *a)
{
	(void)n;
	(void)p;
	(void)a;
	return ERR_RTE;			/* no IPv6 in a new namespace */
}

static err_t nslo_init(struct netif *n)
{
	n->name[0] = 'l';
	n->name[1] = 'o';
	n->output = nslo_output;
	n->output_ip6 = nslo_output6;
	n->mtu = 0;			/* lwIP: no fragmentation on it */
	n->flags = 0;
	return ERR_OK;
}

int inet_net_create(struct net *net)
{
	struct netif *n = kzalloc(sizeof(*n), GFP_KERNEL);
	ip4_addr_t a, m, g;

	if (!n)
		return -ENOMEM;
	net->lo_mtu = 65536;
	IP4_ADDR(&a, 127, 0, 0, 1);
	IP4_ADDR(&m, 255, 0, 0, 0);
	ip4_addr_set_zero(&g);
	inet_lock();
	inet_netns_reap();	/* the ones gone first: their indices come back */
	if (nr_nets >= NETNS_MAX || !netif_add(n, &a, &m, &g, NULL, nslo_init, ip_input)) {
		inet_unlock();
		kfree(n);
		return -ENOSPC;
	}
	/* down, and its link never up (see above) */
	nr_nets++;
	net->lo = n;
	net->lo_idx = netif_get_index(n);
	if_net[net->lo_idx] = net;
	inet_unlock();
	return 0;
}

/* The last reference went (any context but a spinlock's; inet_lock may
 * be held): netd finishes it. */
void inet_net_release(struct net *net)
{
	struct net *old = __atomic_load_n(&dead, __ATOMIC_RELAXED);

	do {
		net->dead_next = old;
	} while (!__atomic_compare_exchange_n(&dead, &old, net, true, __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
	inet_kick();
}

/* lwIP's connections left on index idx (no socket has them: TIME_WAIT,
 * closing ones): aborted. */
static void abort_on(struct tcp_pcb **list, u8_t idx)
{
	struct tcp_pcb *pcb;

again:
	for (pcb = *list; pcb; pcb = pcb->next)
		if (pcb->netif_idx == idx) {
			tcp_abort(pcb);	/* unlinks it */
			goto again;
		}
}

static void net_teardown(struct net *net)
{
	struct netif *n = net->lo;
	u8_t idx = (u8_t)net->lo_idx;

	abort_on(&tcp_active_pcbs, idx);
	abort_on(&tcp_tw_pcbs, idx);
	abort_on(&tcp_bound_pcbs, idx);
	/* (listening, UDP and raw pcbs are sockets', and every socket of
	 * the namespace is gone: it held a reference) */
	if (n->loop_first) {
		pbuf_free(n->loop_first);
		n->loop_first = n->loop_last = NULL;
	}
	/* lwIP's netif_remove "changes" the address to none, which aborts
	 * every connection on 127.0.0.1, the initial namespace's too: the
	 * address goes first, behind lwIP's back */
	ip_addr_set_zero_ip4(&n->ip_addr);
	ip_addr_set_zero_ip4(&n->netmask);
	ip_addr_set_zero_ip4(&n->gw);
	netif_remove(n);
	if_net[idx] = NULL;
	nr_nets--;
	kfree(n);
	kfree(net);
}

void inet_netns_reap(void)
{
	struct net *d = __atomic_exchange_n(&dead, NULL, __ATOMIC_ACQUIRE);

	while (d) {
		struct net *next = d->dead_next;
		net_teardown(d);
		d = next;
	}
}

int inet_idx_uindex(int lwidx)
{
	return lwidx > 0 && lwidx < 256 && if_net[lwidx] ? 1 : lwidx;
}
