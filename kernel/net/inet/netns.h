/*
 * Network namespaces in the glue (kernel/net/inet/netns.c). All under
 * inet_lock. "uidx" is an interface index as a namespace's users see it
 * (a new namespace's loopback is 1); lwIP's own index differs.
 */
#ifndef ALLOY_INET_NETNS_H
#define ALLOY_INET_NETNS_H

#include <alloy/types.h>

struct ip_addr;
struct net;
struct netif;
struct pbuf;

/* The namespace an interface (an lwIP index) is in. */
struct net *inet_if_net(struct netif *n);
struct net *inet_idx_net(int lwidx);
/* Its index as its namespace's users see it. */
int inet_if_uindex(struct netif *n);
/* net's interface uidx, or NULL. */
struct netif *inet_if_get(struct net *net, int uidx);
/* n is a new namespace's loopback. */
bool inet_if_child(struct netif *n);
/* While a packet is taken in: a pcb bound to netif_idx (an unbound one is
 * the initial namespace's) must not have it. */
bool inet_pcb_foreign(unsigned char netif_idx);
/* While a packet is taken in: out is in another namespace. */
bool inet_crosses(struct netif *out);
/* LWIP_HOOK_IP4_ROUTE_SRC: a new namespace's answers go back on its loopback. */
struct netif *inet_route_hook(void);
/* What may come in on a new namespace's loopback. */
bool inet_child_input_ok(struct pbuf *p);
/* A new namespace has no route to dst: its loopback is down, or dst is
 * not in 127/8 (Linux: ENETUNREACH at once, where lwIP, whose pcbs there
 * are bound to the loopback, would retry a SYN or drop a datagram). */
bool inet_net_unreachable(struct net *net, const struct ip_addr *dst);
/* The lwIP index a socket of net binds its pcbs to (NETIF_NO_INDEX: none). */
unsigned char inet_net_idx(struct net *net);
/* netd: tears down the namespaces whose last reference went. */
void inet_netns_reap(void);
/* Wakes netd (netd.c). */
void inet_kick(void);

#endif
