/*
 * Inside the packet family (kernel/net/packet/): the socket
 * (af_packet.c) and its memory-mapped rings (ring.c).
 */
#ifndef ALLOY_PACKET_INT_H
#define ALLOY_PACKET_INT_H

#include <alloy/aio.h>
#include <alloy/atomic.h>
#include <alloy/list.h>
#include <alloy/mutex.h>
#include <alloy/socket.h>
#include <alloy/timer.h>
#include <alloy/types.h>

#define TPACKET_V1 0
#define TPACKET_V2 1
#define TPACKET_V3 2

struct sockaddr_ll_k {
	u16 family;
	u16 protocol;		/* network order */
	s32 ifindex;
	u16 hatype;
	u8 pkttype, halen;
	u8 addr[8];
};

/*
 * One ring (PACKET_RX_RING or PACKET_TX_RING): its pages and geometry.
 * Owner and lifetime: reference counted; the socket holds one while the
 * ring is set, each mapping of it (struct pmap) one, so the pages
 * outlive a socket closed while they are mapped. `maps` counts the
 * mappings: while it is not 0 the socket may not change its rings.
 */
struct pring {
	atomic_t refs;
	atomic_t maps;
	struct ring_mem mem;
	u32 block_size, block_nr, frame_size, frame_nr, frames_per_block;
	u32 sizeof_priv, tov_ms;	/* TPACKET_V3's */
};

/* A frame seen by a tap, as the ring or the queue takes it. */
struct pkt_frame {
	const u8 *data;		/* what the socket reads (no Ethernet header: DGRAM) */
	u32 len;
	struct sockaddr_ll_k from;
	u64 now;		/* wall clock, ns */
};

struct pkt_sock {
	struct socket sk;
	struct list_head link;	/* [sock_list] on socks while it has a protocol */
	u16 proto;		/* [sock_list] network order; 0: takes nothing */
	int ifindex;		/* [sock_list] 0: every interface */
	bool listed;		/* [sock_list] */
	struct list_head q;	/* [wq.lock] */
	u32 qbytes;		/* [wq.lock] */
	bool dead;		/* [wq.lock] released */

	/* Options and rings: changed under ring_mtx (with wq.lock for what
	 * the taps read), read by the taps under wq.lock. */
	struct mutex ring_mtx;
	int version, reserve;	/* PACKET_VERSION, PACKET_RESERVE */
	int copy_thresh;	/* PACKET_COPY_THRESH */
	bool loss, vnet_hdr;	/* PACKET_LOSS, PACKET_VNET_HDR */
	struct pring *rx, *tx;
	u32 rx_head;		/* [wq.lock] V1/V2: next frame; V3: the open block */
	u32 tx_head;		/* [ring_mtx] the next frame to send */
	/* TPACKET_V3's open block [wq.lock] */
	u32 blk_off;		/* where the next packet goes; 0: not open */
	u32 blk_last;		/* the last packet's offset in it */
	u32 blk_pkts;
	u64 blk_seq, blk_opened;
	struct ktimer tm;	/* the block retire timer */
	bool frozen;		/* [wq.lock] the block wanted is the program's */
	bool tm_queued;		/* [wq.lock] started, callback not begun */
	/* PACKET_STATISTICS [wq.lock], zeroed when read */
	u32 st_packets, st_drops, st_freeze;
};

/* ring.c */
int pkt_set_ring(struct pkt_sock *ps, u64 uval, u64 len, bool tx);
/* Drops the rings at release (their pages stay while mapped). */
void pkt_ring_release(struct pkt_sock *ps);
/* [wq.lock] Puts a frame in the RX ring: false if it had to drop it;
 * *copy: TP_STATUS_COPY was set, the queue gets the whole frame too. */
bool pkt_ring_rx(struct pkt_sock *ps, const struct pkt_frame *fr, bool *copy);
/* [wq.lock] Whether user space has frames or blocks to read. */
bool pkt_ring_readable(struct pkt_sock *ps);
/* Sends the TX ring's frames marked TP_STATUS_SEND_REQUEST: the bytes
 * sent or -errno; *had_ring false if the socket has no TX ring. */
long pkt_ring_send(struct pkt_sock *ps, struct kmsg *m, bool *had_ring);
int pkt_ring_mmap(struct pkt_sock *ps, u64 off, u64 len, const struct vm_object_ops **ops,
		  void **obj, u64 *pgoff);
/* The header length PACKET_HDRLEN reports for a version (-EINVAL). */
int pkt_hdrlen(int version);

/* af_packet.c: the address and routes of sending */
int pkt_xmit(struct pkt_sock *ps, const struct sockaddr_ll_k *to, bool named, const u8 *data,
	     size_t len);

#endif
