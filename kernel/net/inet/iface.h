/*
 * Interfaces, addresses and routes as Linux shows them, for files that
 * do not see lwIP (kernel/net/netlink/; docs/net.md, "Netlink"):
 * snapshots taken under inet_lock, and the changes rtnetlink may make.
 * The interfaces themselves are lwIP's (kernel/net/inet/netd.c): the
 * loopback (index 1, "lo") and an Ethernet interface on netdev 0.
 * lwIP keeps one IPv4 address per interface and one default route.
 */
#ifndef ALLOY_INET_IFACE_H
#define ALLOY_INET_IFACE_H

#include <alloy/types.h>

#define IFACE_MAX 8		/* interfaces a snapshot holds */
#define IFADDR_MAX 32		/* addresses a snapshot holds */
#define IFROUTE_MAX 16		/* routes a snapshot holds */

struct iface {
	int index;
	char name[16];
	u32 flags;		/* IFF_*, as SIOCGIFFLAGS plus IFF_LOWER_UP */
	u32 mtu;
	u16 type;		/* ARPHRD_ETHER, ARPHRD_LOOPBACK */
	u8 hwaddr[6];
	u8 operstate;		/* IF_OPER_* */
	u64 rx_packets, rx_bytes, rx_dropped, tx_packets, tx_bytes, tx_dropped;
};

struct ifaddr {
	int index;
	u8 family;		/* AF_INET, AF_INET6 */
	u8 prefixlen;
	u8 scope;		/* RT_SCOPE_* */
	u8 addr[16];		/* network order */
	u32 bcast;		/* IPv4: network order, 0 for none */
	bool tentative;
};

struct ifroute {
	u8 family, dst_len, scope, protocol;
	u8 dst[16], gw[16], src[16];	/* network order */
	bool has_gw, has_src;
	int oif;
};

/* Snapshots: how many were written. */
struct net;
/* Snapshots of net's (indices as its users see them). */
int iface_list(struct net *net, struct iface *out, int max);
int iface_addrs(struct net *net, struct ifaddr *out, int max);
int iface_routes(struct net *net, struct ifroute *out, int max);

/* Changes (the caller checked CAP_NET_ADMIN). -ENODEV: no such index. */
int iface_set_up(struct net *net, int index, bool up);
int iface_set_mtu(struct net *net, int index, u32 mtu);
/* IPv4: lwIP holds one address per interface; a second is EOPNOTSUPP
 * unless replace. */
int iface_addr4_add(struct net *net, int index, u32 addr, int plen, bool replace, bool excl);
int iface_addr4_del(struct net *net, int index, u32 addr, int plen);
/* The default IPv4 route through gw (0: none) on index (0: any). */
int iface_route4_default(struct net *net, bool add, int index, u32 gw, bool excl);

#endif
