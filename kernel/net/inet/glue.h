/*
 * Between the socket families (kernel/net/inet.c) and lwIP's glue
 * (kernel/net/inet/netd.c). docs/net.md, "The TCP/IP stack".
 *
 * inet_lock serialises lwIP: every lwIP call and every lwIP callback runs
 * with it held. inet_unlock() first delivers what the loopback interface
 * queued, so a send on 127.0.0.1 reaches its receiver (and wakes it)
 * before the sender's syscall returns, and tells netd when lwIP's next
 * timer is due sooner than netd planned to wake.
 */
#ifndef ALLOY_INET_GLUE_H
#define ALLOY_INET_GLUE_H

void inet_lock(void);
void inet_unlock(void);
/* Brings the stack up (loopback; an Ethernet interface on netdev 0). */
void inet_init(void);

/* [inet_lock] An lwIP interface as Linux names it ("lo", "eth0"), its
 * device (NULL for the loopback), flags (IFF_*) and MTU
 * (kernel/net/inet/netd.c, kernel/net/inet/iface.c). */
struct netif;
struct netdev;
const char *inet_if_name(struct netif *n);
struct netdev *inet_if_dev(struct netif *n);
unsigned int inet_if_flags(struct netif *n);
unsigned int inet_if_mtu(struct netif *n);
/* [inet_lock] Packet sockets' sends (kernel/net/inet/netd.c). */
int inet_lo_inject(struct netif *lo, const unsigned char *frame, unsigned long len);
int inet_eth_xmit(const unsigned char *frame, unsigned long len);

#endif
