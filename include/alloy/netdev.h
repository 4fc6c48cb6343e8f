/*
 * Network devices (kernel/net/netdev.c; docs/net.md): the seam between a
 * driver that moves Ethernet frames (virtio-net) and the TCP/IP stack
 * that makes and consumes them (lwIP, kernel/net/inet/).
 *
 * A driver fills a struct netdev and registers it. Transmit: the stack
 * calls netdev_xmit() with a whole frame; the driver copies it out before
 * returning (or refuses with -EAGAIN when its ring is full; the stack
 * drops the frame as a congested link would). Receive: the driver calls
 * netdev_rx() from any context, interrupts included, with a buffer it
 * owns; netdev_rx copies the frame into a bounded per-device queue (a
 * full queue drops the frame and counts it) and wakes the stack, which
 * takes frames with netdev_rx_take() from its own thread. No lock is held
 * across a call from one side into the other.
 *
 * Lifetime: a registered device is never unregistered (no hot-unplug).
 */
#ifndef ALLOY_NETDEV_H
#define ALLOY_NETDEV_H

#include <alloy/types.h>

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_FRAME_MAX 1514	/* header + 1500-byte MTU, no FCS */
#define NETDEV_RXQ_MAX 256	/* frames queued per device before drops */

struct netdev;

struct netdev_ops {
	/* Copies `len` bytes of frame out; 0, or -EAGAIN (ring full). */
	int (*xmit)(struct netdev *dev, const void *frame, size_t len);
};

struct netdev_stats {
	u64 rx_packets, rx_bytes, rx_dropped;
	u64 tx_packets, tx_bytes, tx_dropped;
};

struct netdev {
	char name[16];			/* "eth0" */
	u8 mac[ETH_ALEN];
	u16 mtu;			/* 1500 */
	bool link_up;
	const struct netdev_ops *ops;
	void *driver_priv;
	struct netdev_stats stats;	/* updated by netdev.c only */
	struct netdev_core *core;	/* netdev.c's queue; opaque */
};

/* Registers dev (name assigned "ethN" if empty); -ENOMEM, or 0. */
int netdev_register(struct netdev *dev);
/* The i-th registered device, NULL past the last. */
struct netdev *netdev_get(int i);

/* Driver side: a received frame (copied; any context). */
void netdev_rx(struct netdev *dev, const void *frame, size_t len);
/* Stack side: sends one frame; counts drops. */
int netdev_xmit(struct netdev *dev, const void *frame, size_t len);
/* Stack side: copies the oldest queued frame into buf (at least
 * ETH_FRAME_MAX bytes); its length, or 0 if none is queued. */
size_t netdev_rx_take(struct netdev *dev, void *buf);
/* Stack side: called (no locks held, any context) whenever a frame is
 * queued on any device; the stack sets it once at start-up. */
void netdev_set_rx_notify(void (*fn)(void *arg), void *arg);

/* /proc/net/dev (kernel/net/netdev_proc.c). */
struct pbuf;
int netdev_proc_show(struct pbuf *b);

#endif
