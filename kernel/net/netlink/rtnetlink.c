/*
 * NETLINK_ROUTE requests (docs/net.md, "Netlink"): links, addresses and
 * routes, read from and changed through kernel/net/inet/iface.h.
 *
 *  - RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE with NLM_F_DUMP: every
 *    interface, address (the request's family, or all) or main-table
 *    route, as Linux's messages; RTM_GETLINK of one interface (index or
 *    IFLA_IFNAME) too.
 *  - RTM_NEWLINK/RTM_SETLINK: IFF_UP (through ifi_change) and IFLA_MTU.
 *  - RTM_NEWADDR/RTM_DELADDR: IPv4 (lwIP keeps one address an interface).
 *  - RTM_NEWROUTE/RTM_DELROUTE: the IPv4 default route.
 * Every change needs CAP_NET_ADMIN (EPERM), as Linux. What lwIP cannot do
 * (a second IPv4 address, other routes, new links) is EOPNOTSUPP.
 *
 * Notifications (multicast groups RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
 * RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV6_ROUTE): after
 * each change (rtnl_changed, from kernel/net/inet/ whatever made it:
 * rtnetlink, an ioctl, netd after lwIP's own: a DHCP lease) the links,
 * addresses and routes are compared with the snapshot kept since the
 * last change or since a listener joined, and each difference goes to its group as Linux's message:
 * RTM_NEWLINK (a link's flags, MTU, state or name changed; a new link),
 * RTM_DELLINK, RTM_NEWADDR/RTM_DELADDR, RTM_NEWROUTE/RTM_DELROUTE. With
 * no listener no snapshot is kept. notify_mtx (LR_MUTEX_RTNL_NOTIFY,
 * before inet) orders the notifications as the changes.
 *
 * A dump snapshots what it shows at each part, so one that runs while
 * another thread changes addresses shows each entry at most once by its
 * position and never reads freed memory.
 */
#include <alloy/net_ns.h>
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/mutex.h>
#include <alloy/netlink.h>
#include <alloy/slab.h>
#include <alloy/socket.h>
#include <alloy/string.h>
#include "../inet/iface.h"
#include "netlink.h"

#define AF_UNSPEC 0
#define AF_INET 2
#define AF_INET6 10
#define CAP_NET_ADMIN 12
#define ENODEV 19
#define ERANGE 34

enum {
	RTM_NEWLINK = 16, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK,
	RTM_NEWADDR = 20, RTM_DELADDR, RTM_GETADDR,
	RTM_NEWROUTE = 24, RTM_DELROUTE, RTM_GETROUTE,
	RTM_MAX = 0x73,
};

enum {
	IFLA_ADDRESS = 1, IFLA_BROADCAST, IFLA_IFNAME, IFLA_MTU, IFLA_LINK, IFLA_QDISC,
	IFLA_STATS, IFLA_MASTER = 10, IFLA_TXQLEN = 13, IFLA_OPERSTATE = 16, IFLA_LINKMODE,
	IFLA_LINKINFO, IFLA_STATS64 = 23, IFLA_GROUP = 27, IFLA_PROMISCUITY = 30,
	IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES = 32, IFLA_CARRIER, IFLA_MIN_MTU = 50,
	IFLA_MAX_MTU, IFLA_MAX = 64,
};

enum {
	IFA_ADDRESS = 1, IFA_LOCAL, IFA_LABEL, IFA_BROADCAST, IFA_CACHEINFO = 6, IFA_FLAGS = 8,
	IFA_MAX = 12,
};

enum {
	RTA_DST = 1, RTA_SRC, RTA_IIF, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC,
	RTA_TABLE = 15, RTA_MAX = 32,
};

#define IFF_UP 0x1
#define IFA_F_TENTATIVE 0x40
#define IFA_F_PERMANENT 0x80
#define RT_TABLE_UNSPEC 0
#define RT_TABLE_MAIN 254
#define RTN_UNICAST 1
#define RT_SCOPE_UNIVERSE 0
#define IPV6_ROUTE_METRIC 256

struct ifinfomsg {
	u8 family, pad;
	u16 type;
	s32 index;
	u32 flags, change;
};

struct ifaddrmsg {
	u8 family, prefixlen, flags, scope;
	u32 index;
};

struct rtmsg {
	u8 family, dst_len, src_len, tos, table, protocol, scope, type;
	u32 flags;
};

struct ifa_cacheinfo {
	u32 prefered, valid, cstamp, tstamp;
};

/* ---- links */

static void fill_link(struct nlb *b, const struct iface *f, u16 type, u16 flags, u32 seq, u32 pid)
{
	u32 st = nlb_begin(b, type, flags, seq, pid, sizeof(struct ifinfomsg));

	if (b->full)
		return;
	struct ifinfomsg *m = (void *)((u8 *)nlb_at(b, st) + NLMSG_HDRLEN);
	m->family = AF_UNSPEC;
	m->type = f->type;
	m->index = f->index;
	m->flags = f->flags;
	nlb_str(b, IFLA_IFNAME, f->name);
	nlb_u32(b, IFLA_TXQLEN, 1000);
	nlb_u8(b, IFLA_OPERSTATE, f->operstate);
	nlb_u8(b, IFLA_LINKMODE, 0);
	nlb_u32(b, IFLA_MTU, f->mtu);
	nlb_u32(b, IFLA_MIN_MTU, 68);
	nlb_u32(b, IFLA_MAX_MTU, f->type == 1 ? 1500 : 65536);
	nlb_u32(b, IFLA_GROUP, 0);
	nlb_u32(b, IFLA_PROMISCUITY, 0);
	nlb_u32(b, IFLA_NUM_TX_QUEUES, 1);
	nlb_u32(b, IFLA_NUM_RX_QUEUES, 1);
	nlb_u8(b, IFLA_CARRIER, !!(f->flags & 0x10000));
	nlb_str(b, IFLA_QDISC, f->type == 1 ? "pfifo_fast" : "noqueue");
	static const u8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero[6];
	nlb_put(b, IFLA_ADDRESS, f->hwaddr, 6);
	nlb_put(b, IFLA_BROADCAST, f->type == 1 ? bcast : zero, 6);
	/* struct rtnl_link_stats (23 u32s in Linux's order, 24 in the
	 * struct) and rtnl_link_stats64 (its first 24 u64s) */
	u32 s32v[24] = { 0 };
	u64 s64v[24] = { 0 };
	s64v[0] = f->rx_packets;
	s64v[1] = f->tx_packets;
	s64v[2] = f->rx_bytes;
	s64v[3] = f->tx_bytes;
	s64v[6] = f->rx_dropped;
	s64v[7] = f->tx_dropped;
	for (int i = 0; i < 24; i++)
		s32v[i] = (u32)s64v[i];
	nlb_put(b, IFLA_STATS, s32v, sizeof(s32v));
	nlb_put(b, IFLA_STATS64, s64v, sizeof(s64v));
	nlb_end(b, st);
}

static int dump_links(struct nl_dump *d, struct nlb *b)
{
	struct iface *fs = kmalloc(sizeof(*fs) * IFACE_MAX, GFP_KERNEL);

	if (!fs)
		return -ENOBUFS;
	int n = iface_list(d->net, fs, IFACE_MAX), rc = 0;
	for (int i = 0; i < n; i++) {
		if (fs[i].index <= d->pos)
			continue;
		fill_link(b, &fs[i], RTM_NEWLINK, NLM_F_MULTI, d->seq, d->pid);
		if (b->full) {
			rc = 1;
			break;
		}
		d->pos = fs[i].index;
	}
	kfree(fs);
	return rc;
}

/* The interface a request names: ifi_index, else IFLA_IFNAME. */
static int find_link(struct net *net, const struct ifinfomsg *m, const struct nlattr *name, struct iface *out)
{
	struct iface *fs = kmalloc(sizeof(*fs) * IFACE_MAX, GFP_KERNEL);
	char nm[16];
	int rc = -ENODEV;

	if (!fs)
		return -ENOBUFS;
	if (name) {
		u32 l = MIN(nla_len(name), (u32)sizeof(nm) - 1);
		memcpy(nm, nla_data(name), l);
		nm[l] = 0;
		if (nla_len(name) > sizeof(nm)) {	/* IFNAMSIZ - 1 and a NUL */
			kfree(fs);
			return -EINVAL;
		}
	}
	int n = iface_list(net, fs, IFACE_MAX);
	for (int i = 0; i < n; i++)
		if (m->index ? fs[i].index == m->index : name && !strcmp(fs[i].name, nm)) {
			*out = fs[i];
			rc = 0;
		}
	if (!m->index && !name)
		rc = -EINVAL;
	kfree(fs);
	return rc;
}

static int get_link(struct nl_sock *nl, const struct nlmsghdr *h)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	struct iface f;
	int rc;

	if ((rc = nla_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX)))
		return rc;
	const struct ifinfomsg *m = (const void *)((const u8 *)h + NLMSG_HDRLEN);
	if ((rc = find_link(nl_net(nl), m, tb[IFLA_IFNAME], &f)))
		return rc;
	u8 *buf = kmalloc(NL_GOODSIZE, GFP_KERNEL);
	if (!buf)
		return -ENOBUFS;
	struct nlb b = { buf, NL_GOODSIZE, 0, false };
	fill_link(&b, &f, RTM_NEWLINK, 0, h->nlmsg_seq, nl_portid(nl));
	nl_reply(nl, buf, b.len);
	kfree(buf);
	return 0;
}

static int set_link(struct net *net, const struct nlmsghdr *h)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	struct iface f;
	u32 mtu;
	int rc;

	if ((rc = nla_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX)))
		return rc;
	const struct ifinfomsg *m = (const void *)((const u8 *)h + NLMSG_HDRLEN);
	if (tb[IFLA_MTU] && (rc = nla_get_u32(tb[IFLA_MTU], &mtu)))
		return rc;
	if ((rc = find_link(net, m, m->index ? NULL : tb[IFLA_IFNAME], &f))) {
		/* no such link: making one (ip link add) is a link type's job */
		if (rc == -ENODEV && h->nlmsg_type == RTM_NEWLINK && tb[IFLA_LINKINFO])
			return -EOPNOTSUPP;
		return rc;
	}
	if (h->nlmsg_type == RTM_NEWLINK && (h->nlmsg_flags & NLM_F_EXCL))
		return -EEXIST;
	if (tb[IFLA_LINKINFO] || tb[IFLA_ADDRESS] || tb[IFLA_MASTER])
		return -EOPNOTSUPP;	/* link types, addresses, bridges: none here */
	if (m->index && tb[IFLA_IFNAME]) {
		const char *nm = nla_data(tb[IFLA_IFNAME]);
		u32 l = nla_len(tb[IFLA_IFNAME]);
		if (l > 16)
			return -EINVAL;
		if (strnlen(nm, l) != strlen(f.name) || memcmp(nm, f.name, strlen(f.name)))
			return -EOPNOTSUPP;	/* renaming */
	}
	if (tb[IFLA_MTU] && (rc = iface_set_mtu(net, f.index, mtu)))
		return rc;
	/* Linux: the flags in ifi_change are set from ifi_flags; a change
	 * of 0 with flags given means all of them */
	u32 change = m->change ? m->change : m->flags ? ~0u : 0;
	if (change & IFF_UP)
		rc = iface_set_up(net, f.index, m->flags & IFF_UP);
	return rc;
}

/* ---- addresses */

static bool fill_addr(struct nlb *b, const struct ifaddr *a, const char *label, u16 type,
		      u16 flags, u32 seq, u32 pid)
{
	u32 st = nlb_begin(b, type, flags, seq, pid, sizeof(struct ifaddrmsg));

	if (b->full)
		return false;
	struct ifaddrmsg *m = (void *)((u8 *)nlb_at(b, st) + NLMSG_HDRLEN);
	u32 len = a->family == AF_INET ? 4 : 16;
	u32 fl = IFA_F_PERMANENT | (a->tentative ? IFA_F_TENTATIVE : 0);
	m->family = a->family;
	m->prefixlen = a->prefixlen;
	m->flags = (u8)fl;
	m->scope = a->scope;
	m->index = (u32)a->index;
	nlb_put(b, IFA_ADDRESS, a->addr, len);
	if (a->family == AF_INET) {
		nlb_put(b, IFA_LOCAL, a->addr, 4);
		if (a->bcast)
			nlb_put(b, IFA_BROADCAST, &a->bcast, 4);
		nlb_str(b, IFA_LABEL, label);
	}
	nlb_u32(b, IFA_FLAGS, fl);
	struct ifa_cacheinfo ci = { 0xffffffff, 0xffffffff, 0, 0 };
	nlb_put(b, IFA_CACHEINFO, &ci, sizeof(ci));
	return nlb_end(b, st);
}

static int dump_addrs(struct nl_dump *d, struct nlb *b)
{
	struct ifaddr *as = kmalloc(sizeof(*as) * IFADDR_MAX, GFP_KERNEL);
	struct iface *fs = kmalloc(sizeof(*fs) * IFACE_MAX, GFP_KERNEL);
	int rc = 0;

	if (!as || !fs) {
		kfree(as);
		kfree(fs);
		return -ENOBUFS;
	}
	int nf = iface_list(d->net, fs, IFACE_MAX);
	int n = iface_addrs(d->net, as, IFADDR_MAX);
	for (int i = d->pos; i < n; i++) {
		if (d->family != AF_UNSPEC && as[i].family != d->family) {
			d->pos = i + 1;
			continue;
		}
		const char *label = "";
		for (int k = 0; k < nf; k++)
			if (fs[k].index == as[i].index)
				label = fs[k].name;
		if (!fill_addr(b, &as[i], label, RTM_NEWADDR, NLM_F_MULTI, d->seq, d->pid)) {
			rc = 1;
			break;
		}
		d->pos = i + 1;
	}
	kfree(as);
	kfree(fs);
	return rc;
}

static int change_addr(struct net *net, const struct nlmsghdr *h)
{
	const struct nlattr *tb[IFA_MAX + 1];
	u32 addr = 0;
	int rc;

	if ((rc = nla_parse(h, sizeof(struct ifaddrmsg), tb, IFA_MAX)))
		return rc;
	const struct ifaddrmsg *m = (const void *)((const u8 *)h + NLMSG_HDRLEN);
	if (m->family == AF_INET6)
		return -EOPNOTSUPP;	/* lwIP's IPv6 addresses are its own (link-local) */
	if (m->family != AF_INET)
		return -EAFNOSUPPORT;
	if (m->prefixlen > 32)
		return -EINVAL;
	const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (a && (rc = nla_get_u32(a, &addr)))
		return rc;
	if (h->nlmsg_type == RTM_DELADDR)
		return iface_addr4_del(net, (int)m->index, addr, a ? m->prefixlen : -1);
	if (!a)
		return -EINVAL;
	if (!m->index)
		return -ENODEV;
	return iface_addr4_add(net, (int)m->index, addr, m->prefixlen,
			       h->nlmsg_flags & NLM_F_REPLACE, h->nlmsg_flags & NLM_F_EXCL);
}

/* ---- routes */

static bool fill_route(struct nlb *b, const struct ifroute *r, u16 type, u16 flags, u32 seq,
		       u32 pid)
{
	u32 st = nlb_begin(b, type, flags, seq, pid, sizeof(struct rtmsg));

	if (b->full)
		return false;
	struct rtmsg *m = (void *)((u8 *)nlb_at(b, st) + NLMSG_HDRLEN);
	u32 len = r->family == AF_INET ? 4 : 16;
	m->family = r->family;
	m->dst_len = r->dst_len;
	m->table = RT_TABLE_MAIN;
	m->protocol = r->protocol;
	m->scope = r->scope;
	m->type = RTN_UNICAST;
	nlb_u32(b, RTA_TABLE, RT_TABLE_MAIN);
	if (r->dst_len)
		nlb_put(b, RTA_DST, r->dst, len);
	if (r->family == AF_INET6)
		nlb_u32(b, RTA_PRIORITY, IPV6_ROUTE_METRIC);
	if (r->has_src)
		nlb_put(b, RTA_PREFSRC, r->src, len);
	if (r->has_gw)
		nlb_put(b, RTA_GATEWAY, r->gw, len);
	nlb_u32(b, RTA_OIF, (u32)r->oif);
	return nlb_end(b, st);
}

static int dump_routes(struct nl_dump *d, struct nlb *b)
{
	struct ifroute *rs = kmalloc(sizeof(*rs) * IFROUTE_MAX, GFP_KERNEL);
	int rc = 0;

	if (!rs)
		return -ENOBUFS;
	int n = iface_routes(d->net, rs, IFROUTE_MAX);
	for (int i = d->pos; i < n; i++) {
		if (d->family != AF_UNSPEC && rs[i].family != d->family) {
			d->pos = i + 1;
			continue;
		}
		if (!fill_route(b, &rs[i], RTM_NEWROUTE, NLM_F_MULTI, d->seq, d->pid)) {
			rc = 1;
			break;
		}
		d->pos = i + 1;
	}
	kfree(rs);
	return rc;
}

static int change_route(struct net *net, const struct nlmsghdr *h)
{
	const struct nlattr *tb[RTA_MAX + 1];
	u32 gw = 0, oif = 0, table;
	int rc;

	if ((rc = nla_parse(h, sizeof(struct rtmsg), tb, RTA_MAX)))
		return rc;
	const struct rtmsg *m = (const void *)((const u8 *)h + NLMSG_HDRLEN);
	if (m->family != AF_INET)
		return m->family == AF_INET6 ? -EOPNOTSUPP : -EAFNOSUPPORT;
	if (m->dst_len > 32)
		return -EINVAL;
	table = m->table;
	if (tb[RTA_TABLE] && (rc = nla_get_u32(tb[RTA_TABLE], &table)))
		return rc;
	if (tb[RTA_GATEWAY] && (rc = nla_get_u32(tb[RTA_GATEWAY], &gw)))
		return rc;
	if (tb[RTA_OIF] && (rc = nla_get_u32(tb[RTA_OIF], &oif)))
		return rc;
	if (table != RT_TABLE_MAIN && table != RT_TABLE_UNSPEC)
		return -EOPNOTSUPP;	/* one table */
	if (m->dst_len)
		return -EOPNOTSUPP;	/* lwIP routes by its interfaces' subnets and one default */
	if (h->nlmsg_type == RTM_DELROUTE)
		return iface_route4_default(net, false, (int)oif, gw, false);
	if (m->type != RTN_UNICAST)
		return -EOPNOTSUPP;
	return iface_route4_default(net, true, (int)oif, gw, h->nlmsg_flags & NLM_F_EXCL);
}

/* ---- notifications */

enum {
	RTNLGRP_LINK = 1, RTNLGRP_IPV4_IFADDR = 5, RTNLGRP_IPV4_ROUTE = 7,
	RTNLGRP_IPV6_IFADDR = 9, RTNLGRP_IPV6_ROUTE = 11,
};

struct rt_snap {
	struct iface fs[IFACE_MAX];
	struct ifaddr as[IFADDR_MAX];
	struct ifroute rs[IFROUTE_MAX];
	int nf, na, nr;
};

static struct mutex notify_mtx = {
	.wq = WAIT_QUEUE_INIT(notify_mtx.wq, "rtnl-notify"),
	.dep = { "rtnl-notify", LR_MUTEX_RTNL_NOTIFY },
};
static struct rt_snap *base;	/* [notify_mtx] NULL: no listener since the last change */

static struct rt_snap *snap_take(void)
{
	struct rt_snap *s = kmalloc(sizeof(*s), GFP_KERNEL);

	if (s) {
		/* the initial namespace's: only its listeners are told */
		s->nf = iface_list(&init_net, s->fs, IFACE_MAX);
		s->na = iface_addrs(&init_net, s->as, IFADDR_MAX);
		s->nr = iface_routes(&init_net, s->rs, IFROUTE_MAX);
	}
	return s;
}

void rtnl_listen(void)
{
	mutex_lock(&notify_mtx);
	if (!base)
		base = snap_take();
	mutex_unlock(&notify_mtx);
}

static bool link_same(const struct iface *a, const struct iface *b)
{
	return a->flags == b->flags && a->mtu == b->mtu && a->operstate == b->operstate &&
	       !strcmp(a->name, b->name) && !memcmp(a->hwaddr, b->hwaddr, 6);
}

static bool addr_same(const struct ifaddr *a, const struct ifaddr *b)
{
	return a->index == b->index && a->family == b->family && a->prefixlen == b->prefixlen &&
	       !memcmp(a->addr, b->addr, 16);
}

static bool route_same(const struct ifroute *a, const struct ifroute *b)
{
	return a->family == b->family && a->dst_len == b->dst_len && a->oif == b->oif &&
	       a->has_gw == b->has_gw && !memcmp(a->dst, b->dst, 16) && !memcmp(a->gw, b->gw, 16);
}

static const char *label_of(const struct rt_snap *s, int index)
{
	for (int k = 0; k < s->nf; k++)
		if (s->fs[k].index == index)
			return s->fs[k].name;
	return "";
}

static void send_link(struct nlb *b, const struct iface *f, u16 type)
{
	b->len = 0;
	b->full = false;
	fill_link(b, f, type, 0, 0, 0);
	if (b->len)
		nl_broadcast(RTNLGRP_LINK, b->buf, b->len);
}

static void send_addr(struct nlb *b, const struct ifaddr *a, const char *label, u16 type)
{
	b->len = 0;
	b->full = false;
	if (fill_addr(b, a, label, type, 0, 0, 0))
		nl_broadcast(a->family == AF_INET ? RTNLGRP_IPV4_IFADDR : RTNLGRP_IPV6_IFADDR,
			     b->buf, b->len);
}

static void send_route(struct nlb *b, const struct ifroute *r, u16 type)
{
	b->len = 0;
	b->full = false;
	if (fill_route(b, r, type, 0, 0, 0))
		nl_broadcast(r->family == AF_INET ? RTNLGRP_IPV4_ROUTE : RTNLGRP_IPV6_ROUTE,
			     b->buf, b->len);
}

/* [notify_mtx] Tells the listeners what differs from o to n. */
static void notify_diff(const struct rt_snap *o, const struct rt_snap *n, struct nlb *b)
{
	for (int i = 0; i < n->nf; i++) {
		int k = 0;
		while (k < o->nf && o->fs[k].index != n->fs[i].index)
			k++;
		if (k == o->nf || !link_same(&o->fs[k], &n->fs[i]))
			send_link(b, &n->fs[i], RTM_NEWLINK);
	}
	for (int k = 0; k < o->nf; k++) {
		int i = 0;
		while (i < n->nf && n->fs[i].index != o->fs[k].index)
			i++;
		if (i == n->nf)
			send_link(b, &o->fs[k], RTM_DELLINK);
	}
	/* gone first, then new: a replaced address reads as Linux's */
	for (int k = 0; k < o->na; k++) {
		int i = 0;
		while (i < n->na && !addr_same(&n->as[i], &o->as[k]))
			i++;
		if (i == n->na)
			send_addr(b, &o->as[k], label_of(o, o->as[k].index), RTM_DELADDR);
	}
	for (int k = 0; k < o->nr; k++) {
		int i = 0;
		while (i < n->nr && !route_same(&n->rs[i], &o->rs[k]))
			i++;
		if (i == n->nr)
			send_route(b, &o->rs[k], RTM_DELROUTE);
	}
	for (int i = 0; i < n->na; i++) {
		int k = 0;
		while (k < o->na && !addr_same(&n->as[i], &o->as[k]))
			k++;
		if (k == o->na)
			send_addr(b, &n->as[i], label_of(n, n->as[i].index), RTM_NEWADDR);
	}
	for (int i = 0; i < n->nr; i++) {
		int k = 0;
		while (k < o->nr && !route_same(&n->rs[i], &o->rs[k]))
			k++;
		if (k == o->nr)
			send_route(b, &n->rs[i], RTM_NEWROUTE);
	}
}

void rtnl_changed(void)
{
	mutex_lock(&notify_mtx);
	if (!nl_has_listeners()) {
		kfree(base);	/* a listener that joins takes a new one */
		base = NULL;
	} else if (base) {
		struct rt_snap *now = snap_take();
		u8 *buf = kmalloc(NL_GOODSIZE, GFP_KERNEL);
		if (now && buf) {
			struct nlb b = { buf, NL_GOODSIZE, 0, false };
			notify_diff(base, now, &b);
			kfree(base);
			base = now;
			now = NULL;
		}
		kfree(now);
		kfree(buf);
	}
	mutex_unlock(&notify_mtx);
}

/* ---- requests */

int rtnl_request(struct nl_sock *nl, const struct nlmsghdr *h, struct nl_dump *dump)
{
	u16 type = h->nlmsg_type;

	if (type > RTM_MAX)
		return -EOPNOTSUPP;
	int kind = (type - RTM_NEWLINK) & 3;	/* new, del, get, set */
	if (kind != 2 && !sock_capable(CAP_NET_ADMIN))
		return -EPERM;
	if (kind == 2 && (h->nlmsg_flags & NLM_F_DUMP)) {
		memset(dump, 0, sizeof(*dump));
		dump->type = type;
		dump->seq = h->nlmsg_seq;
		dump->pid = nl_portid(nl);
		dump->net = nl_net(nl);
		/* the family is the first byte of any of the requests' headers */
		dump->family = h->nlmsg_len > NLMSG_HDRLEN ? *((const u8 *)h + NLMSG_HDRLEN) : 0;
		if (dump->family != AF_INET && dump->family != AF_INET6)
			dump->family = AF_UNSPEC;
		switch (type) {
		case RTM_GETLINK: dump->fill = dump_links; break;
		case RTM_GETADDR: dump->fill = dump_addrs; break;
		case RTM_GETROUTE: dump->fill = dump_routes; break;
		default: return -EOPNOTSUPP;
		}
		return NL_DUMP_STARTED;
	}
	switch (type) {
	case RTM_GETLINK:
		return get_link(nl, h);
	case RTM_NEWLINK:
	case RTM_SETLINK:
		return set_link(nl_net(nl), h);
	case RTM_DELLINK:
		return -EOPNOTSUPP;	/* the interfaces here are devices' and lo */
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return change_addr(nl_net(nl), h);
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		return change_route(nl_net(nl), h);
	}
	return -EOPNOTSUPP;
}
