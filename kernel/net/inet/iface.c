/*
 * Interfaces, addresses and routes as Linux shows them, and the changes
 * rtnetlink makes (kernel/net/inet/iface.h). Everything here runs under
 * inet_lock: lwIP's netif list and each netif's addresses are lwIP's.
 */
#include <alloy/compiler.h>
#include <alloy/errno.h>
#include <alloy/netdev.h>
#include <alloy/netlink.h>
#include <alloy/packet.h>
#include <alloy/socket.h>
#include <alloy/string.h>
#include "lwip/netif.h"
#include "lwip/ip6_addr.h"
#include "glue.h"
#include "iface.h"
#include "netns.h"
#include <alloy/net_ns.h>

#define AF_INET 2
#define AF_INET6 10
#define IFF_UP 0x1
#define IFF_BROADCAST 0x2
#define IFF_LOOPBACK 0x8
#define IFF_RUNNING 0x40
#define IFF_MULTICAST 0x1000
#define IFF_LOWER_UP 0x10000
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772
#define IF_OPER_UNKNOWN 0
#define IF_OPER_DOWN 2
#define IF_OPER_UP 6
#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_LINK 253
#define RT_SCOPE_HOST 254
#define RTPROT_KERNEL 2
#define RTPROT_BOOT 3
#define EEXIST 17
#define ESRCH 3
#define EADDRNOTAVAIL 99
#define ENETUNREACH 101
#define ENETDOWN 100

static u32 lo_mtu = 65536;	/* [inet_lock] lwIP's loopback has no MTU of its own */

unsigned int inet_if_mtu(struct netif *n)
{
	return inet_if_dev(n) ? n->mtu : inet_if_child(n) ? inet_if_net(n)->lo_mtu : lo_mtu;
}

unsigned int inet_if_flags(struct netif *n)
{
	bool lo = !inet_if_dev(n);
	u32 f = lo ? IFF_LOOPBACK : IFF_BROADCAST | IFF_MULTICAST;

	if (netif_is_up(n)) {
		f |= IFF_UP;
		if (netif_is_link_up(n) || inet_if_child(n))	/* (whose link is never up: netns.c) */
			f |= IFF_RUNNING | IFF_LOWER_UP;
	}
	return f;
}

static int plen_of(u32 mask_be)
{
	int n = 0;

	for (u32 m = lwip_ntohl(mask_be); m & 0x80000000u; m <<= 1)
		n++;		/* the leading ones: a mask's prefix */
	return n;
}

static u32 mask_of(int plen)
{
	return plen ? lwip_htonl(~0u << (32 - plen)) : 0;
}

int iface_list(struct net *net, struct iface *out, int max)
{
	struct netif *n;
	int i = 0;

	inet_lock();
	NETIF_FOREACH(n) {
		if (i == max)
			break;
		if (inet_if_net(n) != net)
			continue;
		struct iface *f = &out[i++];
		struct netdev *d = inet_if_dev(n);
		memset(f, 0, sizeof(*f));
		f->index = inet_if_uindex(n);
		strlcpy(f->name, inet_if_name(n), sizeof(f->name));
		f->flags = inet_if_flags(n);
		f->mtu = inet_if_mtu(n);
		f->type = d ? ARPHRD_ETHER : ARPHRD_LOOPBACK;
		if (d) {
			memcpy(f->hwaddr, n->hwaddr, 6);
			f->operstate = (f->flags & IFF_RUNNING) ? IF_OPER_UP : IF_OPER_DOWN;
			f->rx_packets = READ_ONCE(d->stats.rx_packets);
			f->rx_bytes = READ_ONCE(d->stats.rx_bytes);
			f->rx_dropped = READ_ONCE(d->stats.rx_dropped);
			f->tx_packets = READ_ONCE(d->stats.tx_packets);
			f->tx_bytes = READ_ONCE(d->stats.tx_bytes);
			f->tx_dropped = READ_ONCE(d->stats.tx_dropped);
		} else {
			f->operstate = IF_OPER_UNKNOWN;
		}
	}
	inet_unlock();
	/* lwIP's list is newest first: Linux dumps by index */
	for (int a = 1; a < i; a++)
		for (int b = a; b > 0 && out[b - 1].index > out[b].index; b--) {
			struct iface t = out[b];
			out[b] = out[b - 1];
			out[b - 1] = t;
		}
	return i;
}

int iface_addrs(struct net *net, struct ifaddr *out, int max)
{
	struct netif *n;
	int i = 0;

	inet_lock();
	/* by index, as Linux: lwIP's list is newest first */
	for (int idx = 1; idx < 256 && i < max; idx++) {
		if (!(n = netif_get_by_index((u8_t)idx)) || inet_if_net(n) != net)
			continue;
		int uidx = inet_if_uindex(n);
		u32 a = ip4_addr_get_u32(netif_ip4_addr(n));
		if (a && i < max) {
			struct ifaddr *x = &out[i++];
			u32 m = ip4_addr_get_u32(netif_ip4_netmask(n));
			memset(x, 0, sizeof(*x));
			x->index = uidx;
			x->family = AF_INET;
			x->prefixlen = (u8)plen_of(m);
			memcpy(x->addr, &a, 4);
			bool lo = ip4_addr_isloopback(netif_ip4_addr(n));
			x->scope = lo ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
			if (inet_if_dev(n) && x->prefixlen < 31)
				x->bcast = (a & m) | ~m;
		}
		for (int k = 0; k < LWIP_IPV6_NUM_ADDRESSES && i < max; k++) {
			u8 st = netif_ip6_addr_state(n, k);
			if (!ip6_addr_isvalid(st) && !ip6_addr_istentative(st))
				continue;
			const ip6_addr_t *a6 = netif_ip6_addr(n, k);
			struct ifaddr *x = &out[i++];
			memset(x, 0, sizeof(*x));
			x->index = uidx;
			x->family = AF_INET6;
			memcpy(x->addr, a6->addr, 16);
			if (ip6_addr_isloopback(a6)) {
				x->prefixlen = 128;
				x->scope = RT_SCOPE_HOST;
			} else {
				x->prefixlen = 64;
				x->scope = ip6_addr_islinklocal(a6) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
			}
			x->tentative = ip6_addr_istentative(st);
		}
	}
	inet_unlock();
	return i;
}

int iface_routes(struct net *net, struct ifroute *out, int max)
{
	struct netif *n;
	int i = 0;

	inet_lock();
	struct netif *def = netif_default;
	if (net == &init_net && def && netif_is_up(def) && inet_if_dev(def) && !ip4_addr_isany_val(*netif_ip4_gw(def)) && i < max) {
		struct ifroute *r = &out[i++];
		u32 g = ip4_addr_get_u32(netif_ip4_gw(def));
		memset(r, 0, sizeof(*r));
		r->family = AF_INET;
		r->protocol = RTPROT_BOOT;
		r->scope = RT_SCOPE_UNIVERSE;
		memcpy(r->gw, &g, 4);
		r->has_gw = true;
		r->oif = netif_get_index(def);
	}
	for (int idx = 1; idx < 256 && i < max; idx++) {
		if (!(n = netif_get_by_index((u8_t)idx)) || !netif_is_up(n) || !inet_if_dev(n) ||
		    inet_if_net(n) != net)
			continue;
		u32 a = ip4_addr_get_u32(netif_ip4_addr(n)), m = ip4_addr_get_u32(netif_ip4_netmask(n));
		if (!a)
			continue;
		struct ifroute *r = &out[i++];
		u32 d = a & m;
		memset(r, 0, sizeof(*r));
		r->family = AF_INET;
		r->dst_len = (u8)plen_of(m);
		r->scope = RT_SCOPE_LINK;
		r->protocol = RTPROT_KERNEL;
		memcpy(r->dst, &d, 4);
		memcpy(r->src, &a, 4);
		r->has_src = true;
		r->oif = idx;
	}
	for (int idx = 1; idx < 256 && i < max; idx++) {
		if (!(n = netif_get_by_index((u8_t)idx)) || !netif_is_up(n) || inet_if_net(n) != net)
			continue;
		for (int k = 0; k < LWIP_IPV6_NUM_ADDRESSES && i < max; k++) {
			if (!ip6_addr_isvalid(netif_ip6_addr_state(n, k)))
				continue;
			const ip6_addr_t *a6 = netif_ip6_addr(n, k);
			struct ifroute *r = &out[i++];
			memset(r, 0, sizeof(*r));
			r->family = AF_INET6;
			r->protocol = RTPROT_KERNEL;
			r->scope = RT_SCOPE_UNIVERSE;
			r->oif = inet_if_uindex(n);
			if (ip6_addr_isloopback(a6)) {
				r->dst_len = 128;
				memcpy(r->dst, a6->addr, 16);
			} else {
				r->dst_len = 64;
				memcpy(r->dst, a6->addr, 8);
			}
		}
	}
	inet_unlock();
	return i;
}

static int do_iface_set_up(struct net *net, int index, bool up)
{
	struct netif *n;

	inet_lock();
	if (!(n = inet_if_get(net, index))) {
		inet_unlock();
		return -ENODEV;
	}
	if (up && !netif_is_up(n))
		netif_set_up(n);
	else if (!up && netif_is_up(n))
		netif_set_down(n);
	inet_unlock();
	return 0;
}

static int do_iface_set_mtu(struct net *net, int index, u32 mtu)
{
	struct netif *n;
	int rc = 0;

	inet_lock();
	if (!(n = inet_if_get(net, index)))
		rc = -ENODEV;
	else if (inet_if_child(n))
		rc = mtu < 68 || mtu > 65536 ? -EINVAL : (net->lo_mtu = mtu, 0);
	else if (!inet_if_dev(n))
		rc = mtu < 68 || mtu > 65536 ? -EINVAL : (lo_mtu = mtu, 0);
	else if (mtu < 68 || mtu > ETH_FRAME_MAX - ETH_HLEN)	/* the device's frames */
		rc = -EINVAL;
	else
		n->mtu = (u16_t)mtu;
	inet_unlock();
	return rc;
}

static int do_iface_addr4_add(struct net *net, int index, u32 addr, int plen, bool replace,
			      bool excl)
{
	struct netif *n;
	ip4_addr_t a, m;
	int rc = 0;

	if (plen < 0 || plen > 32)
		return -EINVAL;
	inet_lock();
	if (!(n = inet_if_get(net, index))) {
		inet_unlock();
		return -ENODEV;
	}
	u32 cur = ip4_addr_get_u32(netif_ip4_addr(n));
	if (inet_if_child(n)) {
		rc = cur == addr && !excl ? 0 : cur == addr ? -EEXIST : -EOPNOTSUPP;
		inet_unlock();	/* a new namespace's loopback keeps 127.0.0.1/8 */
		return rc;
	}
	if (cur == addr) {
		if (excl)
			rc = -EEXIST;
	} else if (cur && !replace) {
		rc = -EOPNOTSUPP;	/* lwIP: one IPv4 address per interface */
	}
	if (!rc) {
		ip4_addr_set_u32(&a, addr);
		ip4_addr_set_u32(&m, mask_of(plen));
		netif_set_addr(n, &a, &m, netif_ip4_gw(n));
	}
	inet_unlock();
	return rc;
}

static int do_iface_addr4_del(struct net *net, int index, u32 addr, int plen)
{
	struct netif *n;
	int rc = 0;

	inet_lock();
	if (!(n = inet_if_get(net, index))) {
		inet_unlock();
		return -ENODEV;
	}
	if (inet_if_child(n)) {
		inet_unlock();
		return -EOPNOTSUPP;	/* it keeps 127.0.0.1/8 */
	}
	u32 cur = ip4_addr_get_u32(netif_ip4_addr(n)), m = ip4_addr_get_u32(netif_ip4_netmask(n));
	if (!cur || (addr && addr != cur) || (plen >= 0 && plen != plen_of(m)))
		rc = -EADDRNOTAVAIL;
	else
		netif_set_addr(n, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
	inet_unlock();
	return rc;
}

static int do_iface_route4_default(struct net *net, bool add, int index, u32 gw, bool excl)
{
	struct netif *n = NULL;
	ip4_addr_t g;
	int rc = 0;

	inet_lock();
	if (index && !(n = inet_if_get(net, index))) {
		inet_unlock();
		return -ENODEV;
	}
	if (net != &init_net) {
		inet_unlock();	/* only a loopback there: nothing to route through */
		return add ? -ENETUNREACH : -ESRCH;
	}
	struct netif *def = netif_default;
	bool have = def && !ip4_addr_isany_val(*netif_ip4_gw(def));
	if (add) {
		if (!n) {	/* the interface whose subnet holds gw */
			struct netif *x;
			NETIF_FOREACH(x) {
				u32 a = ip4_addr_get_u32(netif_ip4_addr(x)),
				    m = ip4_addr_get_u32(netif_ip4_netmask(x));
				if (a && inet_if_dev(x) && (a & m) == (gw & m))
					n = x;
			}
		}
		if (have && excl)
			rc = -EEXIST;
		else if (!n || !gw)
			rc = -ENETUNREACH;
		if (!rc) {
			if (have && def != n)
				netif_set_gw(def, IP4_ADDR_ANY4);
			ip4_addr_set_u32(&g, gw);
			netif_set_gw(n, &g);
			netif_set_default(n);
		}
	} else {
		if (!have || (n && n != def) || (gw && gw != ip4_addr_get_u32(netif_ip4_gw(def))))
			rc = -ESRCH;
		else {
			netif_set_gw(def, IP4_ADDR_ANY4);
			netif_set_default(NULL);	/* off-link: ENETUNREACH, as Linux */
		}
	}
	inet_unlock();
	return rc;
}

/* ---- for packet sockets (<alloy/packet.h>) */

/* The changes, each told to the netlink listeners when made. */
static int told(int rc)
{
	if (!rc)
		rtnl_changed();
	return rc;
}

int iface_set_up(struct net *net, int index, bool up)
{
	return told(do_iface_set_up(net, index, up));
}

int iface_set_mtu(struct net *net, int index, u32 mtu)
{
	return told(do_iface_set_mtu(net, index, mtu));
}

int iface_addr4_add(struct net *net, int index, u32 addr, int plen, bool replace, bool excl)
{
	return told(do_iface_addr4_add(net, index, addr, plen, replace, excl));
}

int iface_addr4_del(struct net *net, int index, u32 addr, int plen)
{
	return told(do_iface_addr4_del(net, index, addr, plen));
}

int iface_route4_default(struct net *net, bool add, int index, u32 gw, bool excl)
{
	return told(do_iface_route4_default(net, add, index, gw, excl));
}

int iface_hw(struct net *net, int ifindex, u16 *hatype, u8 mac[6], u32 *mtu)
{
	struct netif *n;

	inet_lock();
	if (!(n = inet_if_get(net, ifindex))) {
		inet_unlock();
		return -ENODEV;
	}
	struct netdev *d = inet_if_dev(n);
	*hatype = d ? ARPHRD_ETHER : ARPHRD_LOOPBACK;
	memset(mac, 0, 6);
	if (d)
		memcpy(mac, n->hwaddr, 6);
	*mtu = inet_if_mtu(n);
	inet_unlock();
	return 0;
}

int iface_xmit(struct net *net, int ifindex, const void *frame, size_t len)
{
	struct netif *n;
	int rc;

	inet_lock();
	if (!(n = inet_if_get(net, ifindex)))
		rc = -ENXIO;
	else if (!netif_is_up(n))
		rc = -ENETDOWN;
	else if (len > (size_t)inet_if_mtu(n) + ETH_HLEN)
		rc = -EMSGSIZE;
	else
		rc = inet_if_dev(n) ? inet_eth_xmit(frame, len) : inet_lo_inject(n, frame, len);
	inet_unlock();
	return rc;
}
