/*
 * Network namespaces (kernel/ns/net.c; docs/namespaces.md, docs/net.md).
 *
 * A struct net is a namespace (ns_common first): its interfaces (the
 * initial one: lwIP's loopback and eth0; a new one: a loopback of its
 * own, "lo", index 1, down), its /proc/sys/net values, and the sockets
 * made in it. Counted: every nsproxy that names it, every ns file, every
 * socket made in it (struct socket's net, for the socket's whole life).
 * The last put does not free it at once: the network glue (netd, under
 * inet_lock) takes its interface out of lwIP, aborts the lwIP
 * connections left on it (TIME_WAIT, closing ones), then frees it.
 */
#ifndef ALLOY_NET_NS_H
#define ALLOY_NET_NS_H

#include <alloy/ns.h>

/* /proc/sys/net/ipv4/conf/<dev>/tag values a namespace keeps. */
enum { NET_CONF_ALL, NET_CONF_DEFAULT, NET_CONF_LO, NET_CONF_NR };

struct net {
	struct ns_common ns;
	/* The lwIP index of its loopback interface (user-visible index 1);
	 * 0 for the initial namespace, whose interfaces are lwIP's own and
	 * keep lwIP's indices. Set once at creation. */
	int lo_idx;
	void *lo;			/* its struct netif (glue's) */
	long conf_tag[NET_CONF_NR];	/* [atomic] */
	u32 lo_mtu;			/* [inet_lock] its loopback's MTU */
	struct net *dead_next;		/* on the glue's list of ones to free */
};

extern struct net init_net;

static inline struct net *net_of(struct ns_common *c)
{
	return (struct net *)c;		/* ns is its first member */
}

/* The current process's network namespace, counted (init_net for the
 * kernel's own threads). */
struct net *net_current(void);
static inline struct net *net_get(struct net *n)
{
	ns_get(&n->ns);
	return n;
}
static inline void net_put(struct net *n)
{
	if (n)
		ns_put(&n->ns);
}

/* The glue (kernel/net/inet/netns.c): a new namespace's interface (0 or
 * -errno), and the teardown handed to netd at the last put. */
int inet_net_create(struct net *n);
void inet_net_release(struct net *n);

#endif
