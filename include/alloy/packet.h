/*
 * Packet sockets (AF_PACKET, kernel/net/packet/; docs/net.md, "Packet
 * sockets"): the taps the interfaces call with every frame they see,
 * and the way a packet socket sends one.
 */
#ifndef ALLOY_PACKET_H
#define ALLOY_PACKET_H

#include <alloy/types.h>

#define AF_PACKET 17
#define PACKET_HOST 0
#define PACKET_BROADCAST 1
#define PACKET_MULTICAST 2
#define PACKET_OTHERHOST 3
#define PACKET_OUTGOING 4

extern const struct proto_ops packet_ops;

/* Whether any packet socket listens (a cheap test before building a frame). */
bool packet_listening(void);
/* [inet_lock] A whole Ethernet frame (a zero header on the loopback) seen
 * on interface ifindex: copied to each packet socket that wants it. */
void packet_tap(int ifindex, u16 hatype, const void *frame, size_t len, u8 pkttype);

/* Sends a whole frame on interface ifindex (kernel/net/inet/iface.c):
 * Ethernet: out through the device; the loopback: into the stack as
 * received. -ENXIO (no such interface), -ENETDOWN, -EMSGSIZE, 0. */
struct net;
/* ifindex as net's users see it (kernel/net/inet/iface.c). */
int iface_xmit(struct net *net, int ifindex, const void *frame, size_t len);
/* Interface ifindex's hardware type (ARPHRD_*), MAC and MTU; -ENODEV. */
int iface_hw(struct net *net, int ifindex, u16 *hatype, u8 mac[6], u32 *mtu);
/* [inet_lock] The namespace of lwIP's interface lwidx and the index its
 * users know it by (kernel/net/inet/netns.c). */
struct net *inet_idx_net(int lwidx);
int inet_idx_uindex(int lwidx);

#endif
