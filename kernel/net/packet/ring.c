/*
 * Packet sockets' memory-mapped rings (docs/net.md, "Packet rings"):
 * PACKET_RX_RING and PACKET_TX_RING in Linux's three layouts
 * (PACKET_VERSION: TPACKET_V1, V2 frames; V3 blocks of packets).
 *
 * A ring is tp_block_nr blocks of tp_block_size bytes (a multiple of
 * the page size); V1/V2 cut each block into tp_frame_size frames
 * (multiples of TPACKET_ALIGNMENT, as many per block as fit), and the
 * ring's frames must number exactly that. Each frame (V3: each block)
 * starts with a status word the kernel and the program hand it over
 * with: TP_STATUS_KERNEL (0) the kernel's, TP_STATUS_USER the program's
 * (RX); TP_STATUS_SEND_REQUEST the kernel's, then TP_STATUS_AVAILABLE
 * (TX). The kernel writes everything else first and the status word
 * last (a release store), as the program clears it last.
 *
 * RX: a tap puts the frame in the frame at the head if it is the
 * kernel's, else drops it (PACKET_STATISTICS counts; the next frame
 * given says TP_STATUS_LOSING). A frame too long for its slot is cut
 * (TP_STATUS_COPY: with PACKET_COPY_THRESH the whole frame is queued
 * for recvmsg too). V3 packs packets into the open block and hands the
 * block over when the next packet does not fit or when it has been
 * open tp_retire_blk_tov ms (a timer; TP_STATUS_BLK_TMO); a block still
 * the program's when the kernel wants it freezes the ring (drops) until
 * the program gives it back.
 * TX: send() (any buffer is ignored) transmits each frame marked
 * TP_STATUS_SEND_REQUEST from the head on, as a packet socket's send
 * of its tp_len bytes, and marks it TP_STATUS_AVAILABLE; a bad frame
 * is left TP_STATUS_WRONG_FORMAT and send fails (PACKET_LOSS: skipped).
 *
 * mmap of the socket maps the RX ring then the TX ring, at offset 0 and
 * exactly their size. While a mapping exists the rings, the version and
 * the reserve cannot change (EBUSY).
 *
 * Owner and lifetime: struct pring is reference counted: the socket
 * holds one while the ring is set, each mapping (struct pmap, the VMA's
 * object) one per ring it shows. Closing a socket that is still mapped
 * drops the socket's reference only: the program keeps its pages until
 * munmap (the VMA also holds each page it faulted in).
 *
 * Memory: a ring's bytes (and the socket's two rings together) must fit
 * in the caller's RLIMIT_MEMLOCK unless it has CAP_IPC_LOCK, and all
 * the packet rings of the system in a quarter of the RAM: else ENOMEM,
 * checked before anything is allocated. Sizes are validated as Linux's
 * packet_set_ring (EINVAL), with the products computed in 64 bits.
 *
 * Locks: ps->ring_mtx (LR_MUTEX_PACKET_RING, before inet: a TX send
 * transmits under it) serialises the options and the rings' setting,
 * mapping and sending; the taps and the retire timer use the RX ring
 * under the socket's wait-queue lock, which the setter takes to swap a
 * ring in or out.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/rlimit.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include "packet_int.h"

#define TPACKET_ALIGNMENT 16
#define TPACKET_ALIGN(x) (((x) + TPACKET_ALIGNMENT - 1) & ~(u64)(TPACKET_ALIGNMENT - 1))
#define SLL_SIZE 20			/* sizeof(struct sockaddr_ll) */
#define V1_HDR 32			/* sizeof(struct tpacket_hdr) */
#define V2_HDR 32			/* sizeof(struct tpacket2_hdr) */
#define V3_HDR 48			/* sizeof(struct tpacket3_hdr) */
#define BLK_HDR_LEN 48			/* ALIGN(sizeof(struct tpacket_block_desc), 8) */
#define BLK_PLUS_PRIV(p) (BLK_HDR_LEN + (((u64)(p) + 7) & ~7ULL))
#define V3_ALIGN(x) (((u64)(x) + 7) & ~7ULL)
#define VNET_HDR_LEN 10			/* struct virtio_net_hdr */
#define DEFAULT_TOV_MS 8

#define TP_STATUS_KERNEL 0
#define TP_STATUS_USER 0x1
#define TP_STATUS_COPY 0x2
#define TP_STATUS_LOSING 0x4
#define TP_STATUS_BLK_TMO 0x20
#define TP_STATUS_TS_SOFTWARE (1u << 29)
#define TP_STATUS_AVAILABLE 0
#define TP_STATUS_SEND_REQUEST 0x1
#define TP_STATUS_SENDING 0x2
#define TP_STATUS_WRONG_FORMAT 0x4

#define ETH_HLEN 14
#define RLIMIT_MEMLOCK 8
#define CAP_IPC_LOCK 14

static atomic_long_t ring_pages;	/* every packet ring's, for the system cap */

int pkt_hdrlen(int version)
{
	switch (version) {
	case TPACKET_V1: return TPACKET_ALIGN(V1_HDR) + SLL_SIZE;
	case TPACKET_V2: return TPACKET_ALIGN(V2_HDR) + SLL_SIZE;
	case TPACKET_V3: return TPACKET_ALIGN(V3_HDR) + SLL_SIZE;
	}
	return -EINVAL;
}

/* ---- the ring's memory: pages, reached a byte range at a time */

static u64 ring_bytes(const struct pring *r)
{
	return r ? (u64)r->block_size * r->block_nr : 0;
}

static void pring_put(struct pring *r)
{
	if (!r || !atomic_dec_and_test(&r->refs))
		return;
	atomic_long_add_return(&ring_pages, -(long)r->mem.n);
	ring_mem_free(&r->mem);
	kfree(r);
}

static u8 *rptr(const struct pring *r, u64 off)
{
	return (u8 *)page_to_virt(r->mem.pages[off / PAGE_SIZE]) + off % PAGE_SIZE;
}

static void rput(const struct pring *r, u64 off, const void *src, u64 n)
{
	const u8 *s = src;

	while (n) {
		u64 k = MIN(n, PAGE_SIZE - off % PAGE_SIZE);
		memcpy(rptr(r, off), s, k);
		off += k;
		s += k;
		n -= k;
	}
}

static void rget(const struct pring *r, u64 off, void *dst, u64 n)
{
	u8 *d = dst;

	while (n) {
		u64 k = MIN(n, PAGE_SIZE - off % PAGE_SIZE);
		memcpy(d, rptr(r, off), k);
		off += k;
		d += k;
		n -= k;
	}
}

/* Status words are 4- or 8-byte aligned in a 16-byte aligned frame (or
 * a page-aligned block): never across a page. */
static u32 status_get(const struct pring *r, u64 off)
{
	return __atomic_load_n((u32 *)rptr(r, off), __ATOMIC_ACQUIRE);
}

static void status_set(const struct pring *r, u64 off, u32 v)
{
	__atomic_store_n((u32 *)rptr(r, off), v, __ATOMIC_RELEASE);
}

/* V1's status is an unsigned long: its high half is written first. */
static void status_set_v1(const struct pring *r, u64 off, u32 v)
{
	__atomic_store_n((u32 *)rptr(r, off + 4), 0, __ATOMIC_RELAXED);
	status_set(r, off, v);
}

static u64 frame_off(const struct pring *r, u32 i)
{
	return (u64)(i / r->frames_per_block) * r->block_size +
	       (u64)(i % r->frames_per_block) * r->frame_size;
}

/* Where a frame's status word is, by version. */
static u64 frame_status_off(int version)
{
	return version == TPACKET_V3 ? 20 : 0;	/* tpacket3_hdr.tp_status */
}

/* ---- setting a ring */

struct req3 {
	u32 block_size, block_nr, frame_size, frame_nr;
	u32 retire_blk_tov, sizeof_priv, feature_req_word;
};

/* [wq.lock] The V3 retire timer. */
static void retire_fire(void *arg);

static void timer_arm(struct pkt_sock *ps, u64 when)
{
	if (!ps->tm_queued) {
		ps->tm_queued = true;
		timer_start(&ps->tm, when, retire_fire, ps);
	}
}

/* No retire timer runs after this (ps->rx already gone). */
static void timer_stop(struct pkt_sock *ps)
{
	unsigned long f = spin_lock_irqsave(&ps->sk.wq.lock);
	if (ps->tm_queued && timer_cancel(&ps->tm))
		ps->tm_queued = false;
	spin_unlock_irqrestore(&ps->sk.wq.lock, f);
	/* a running callback only clears tm_queued (it finds no ring) */
	for (;;) {
		f = spin_lock_irqsave(&ps->sk.wq.lock);
		bool busy = ps->tm_queued;
		spin_unlock_irqrestore(&ps->sk.wq.lock, f);
		if (!busy)
			break;
		arch_cpu_relax();
	}
}

/* The caller's allowance for n more bytes of rings (old: what the
 * socket's other ring already takes). */
static bool may_charge(u64 bytes, u64 other)
{
	u64 pages = bytes / PAGE_SIZE;
	u64 cap = page_alloc_total_count() / 4;

	if (!sock_capable(CAP_IPC_LOCK) && bytes + other > rlimit(RLIMIT_MEMLOCK))
		return false;
	if (pages > cap)
		return false;
	long now = atomic_long_add_return(&ring_pages, (long)pages);
	if ((u64)now > cap) {
		atomic_long_add_return(&ring_pages, -(long)pages);
		return false;
	}
	return true;
}

static int build_ring(struct pkt_sock *ps, const struct req3 *q, bool tx, struct pring **out)
{
	int version = ps->version;
	u64 min_frame = (u64)pkt_hdrlen(version) + (u32)ps->reserve;

	if ((s32)q->block_size <= 0 || q->block_size % PAGE_SIZE)
		return -EINVAL;
	if (version == TPACKET_V3 && q->block_size < BLK_PLUS_PRIV(q->sizeof_priv) + min_frame)
		return -EINVAL;
	if (q->frame_size < min_frame || q->frame_size % TPACKET_ALIGNMENT)
		return -EINVAL;
	u32 fpb = q->block_size / q->frame_size;
	if (!fpb || (u64)fpb * q->block_nr != q->frame_nr || (u64)fpb * q->block_nr > 0xffffffffULL)
		return -EINVAL;
	if (version == TPACKET_V3 && tx &&
	    (q->retire_blk_tov || q->sizeof_priv || q->feature_req_word))
		return -EINVAL;	/* no block transmit: V3 TX is frames */
	u64 bytes = (u64)q->block_size * q->block_nr;	/* < 2^63: no wrap */
	struct pring *other = tx ? ps->rx : ps->tx;
	if (bytes / PAGE_SIZE > (1u << 20) || !may_charge(bytes, ring_bytes(other)))
		return -ENOMEM;
	struct pring *r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r || ring_mem_alloc(&r->mem, bytes)) {
		kfree(r);
		atomic_long_add_return(&ring_pages, -(long)(bytes / PAGE_SIZE));
		return -ENOMEM;
	}
	atomic_set(&r->refs, 1);
	r->block_size = q->block_size;
	r->block_nr = q->block_nr;
	r->frame_size = q->frame_size;
	r->frame_nr = q->frame_nr;
	r->frames_per_block = fpb;
	r->sizeof_priv = q->sizeof_priv;
	r->tov_ms = q->retire_blk_tov ? q->retire_blk_tov : DEFAULT_TOV_MS;
	*out = r;
	return 0;
}

static bool mapped(struct pkt_sock *ps)
{
	return (ps->rx && atomic_read(&ps->rx->maps)) || (ps->tx && atomic_read(&ps->tx->maps));
}

/* [ring_mtx] Swaps a ring in (r, or NULL to take it away): the old one. */
static struct pring *swap_ring(struct pkt_sock *ps, struct pring *r, bool tx)
{
	struct pring *old;
	unsigned long f = spin_lock_irqsave(&ps->sk.wq.lock);

	if (tx) {
		old = ps->tx;
		ps->tx = r;
		ps->tx_head = 0;
	} else {
		old = ps->rx;
		ps->rx = r;
		ps->rx_head = 0;
		ps->blk_off = ps->blk_pkts = 0;
		ps->frozen = false;
	}
	wake_up_all_locked(&ps->sk.wq);
	spin_unlock_irqrestore(&ps->sk.wq.lock, f);
	if (!tx && old)
		timer_stop(ps);	/* its callback may no longer see the old ring */
	return old;
}

int pkt_set_ring(struct pkt_sock *ps, u64 uval, u64 len, bool tx)
{
	struct req3 q;
	struct pring *r = NULL, *old;
	int rc;

	/* read before the lock: a fault on the option (a userfaultfd page)
	 * must not hold ring_mtx for other users of the socket */
	memset(&q, 0, sizeof(q));
	if ((s64)len < 16)
		return -EINVAL;
	u64 got = MIN(len, (u64)sizeof(struct req3));
	if (copy_from_user(&q, (void *)uval, got))
		return -EFAULT;
	mutex_lock(&ps->ring_mtx);
	u64 need = ps->version == TPACKET_V3 ? sizeof(struct req3) : 16;
	if (got < need) {
		rc = -EINVAL;
		goto out;
	}
	memset((u8 *)&q + need, 0, sizeof(q) - need);	/* V1/V2: tpacket_req only */
	rc = -EBUSY;
	if (mapped(ps))
		goto out;
	if (q.block_nr) {
		if (tx ? ps->tx : ps->rx)
			goto out;
		if ((rc = build_ring(ps, &q, tx, &r)))
			goto out;
	} else if (q.frame_nr) {
		rc = -EINVAL;
		goto out;
	}
	old = swap_ring(ps, r, tx);
	pring_put(old);
	rc = 0;
out:
	mutex_unlock(&ps->ring_mtx);
	return rc;
}

void pkt_ring_release(struct pkt_sock *ps)
{
	mutex_lock(&ps->ring_mtx);
	pring_put(swap_ring(ps, NULL, false));
	pring_put(swap_ring(ps, NULL, true));
	mutex_unlock(&ps->ring_mtx);
}

/* ---- receiving into the RX ring [wq.lock] */

struct rx_place {
	u64 macoff, netoff;
	u32 snaplen;
	bool vnet;
};

/* Where the frame's data goes in its slot (room: the slot's size past
 * the header, for the cut), as Linux's tpacket_rcv lays it out. */
static bool place(struct pkt_sock *ps, const struct pkt_frame *fr, u64 room, struct rx_place *p)
{
	u64 hdrlen = (u64)pkt_hdrlen(ps->version);
	u64 vnet = ps->vnet_hdr ? VNET_HDR_LEN : 0;

	if (ps->sk.type == SOCK_DGRAM) {
		p->macoff = p->netoff = TPACKET_ALIGN(hdrlen) + 16 + (u32)ps->reserve;
	} else {
		p->netoff = TPACKET_ALIGN(hdrlen + 16) + (u32)ps->reserve + vnet;
		p->macoff = p->netoff - ETH_HLEN;
	}
	if (p->netoff > 0xffff)
		return false;	/* tp_net is 16 bits: dropped, as Linux */
	p->vnet = vnet != 0;
	p->snaplen = fr->len;
	if (p->macoff + p->snaplen > room) {
		p->snaplen = p->macoff < room ? (u32)(room - p->macoff) : 0;
		if (!p->snaplen)
			p->vnet = false;
	}
	return true;
}

static void put_packet(struct pring *r, u64 off, u64 sll_off,
		       const struct pkt_frame *fr, const struct rx_place *p)
{
	static const u8 zero_vnet[VNET_HDR_LEN];

	rput(r, off + sll_off, &fr->from, SLL_SIZE);
	if (p->vnet)
		rput(r, off + p->macoff - VNET_HDR_LEN, zero_vnet, VNET_HDR_LEN);
	if (p->snaplen)
		rput(r, off + p->macoff, fr->data, p->snaplen);
}

static bool rx_frame(struct pkt_sock *ps, struct pring *r, const struct pkt_frame *fr, bool *copy)
{
	struct rx_place p;
	u64 off = frame_off(r, ps->rx_head);
	u32 status = TP_STATUS_USER | TP_STATUS_TS_SOFTWARE;

	if (!place(ps, fr, r->frame_size, &p))
		return false;
	if (status_get(r, off) != TP_STATUS_KERNEL)
		return false;
	if (p.snaplen < fr->len) {
		if (ps->copy_thresh && ps->qbytes < (u32)READ_ONCE(ps->sk.rcvbuf)) {
			*copy = true;
			status |= TP_STATUS_COPY;
		}
	}
	if (ps->st_drops)
		status |= TP_STATUS_LOSING;
	u32 sec = (u32)(fr->now / 1000000000ULL), ns = (u32)(fr->now % 1000000000ULL);
	if (ps->version == TPACKET_V1) {
		/* 28 bytes of fields in a 32-byte struct: its tail padding
		 * goes to the user too, so it is zeroed, not left as stack */
		struct { u64 status; u32 len, snaplen; u16 mac, net; u32 sec, usec; } h;
		memset(&h, 0, sizeof(h));
		h.len = fr->len;
		h.snaplen = p.snaplen;
		h.mac = (u16)p.macoff;
		h.net = (u16)p.netoff;
		h.sec = sec;
		h.usec = ns / 1000;
		rput(r, off + 8, (u8 *)&h + 8, sizeof(h) - 8);
		put_packet(r, off, TPACKET_ALIGN(V1_HDR), fr, &p);
		status_set_v1(r, off, status);
	} else {
		struct { u32 status, len, snaplen; u16 mac, net; u32 sec, nsec;
			 u16 vlan_tci, vlan_tpid; u8 pad[4]; } h = {
			0, fr->len, p.snaplen, (u16)p.macoff, (u16)p.netoff, sec, ns, 0, 0, { 0 },
		};
		rput(r, off + 4, (u8 *)&h + 4, sizeof(h) - 4);
		put_packet(r, off, TPACKET_ALIGN(V2_HDR), fr, &p);
		status_set(r, off, status);
	}
	ps->rx_head = (ps->rx_head + 1) % r->frame_nr;
	return true;
}

/* V3: block b's descriptor fields (struct tpacket_block_desc). */
#define BD_VERSION 0
#define BD_OFF_PRIV 4
#define BD_STATUS 8
#define BD_NUM_PKTS 12
#define BD_OFF_FIRST 16
#define BD_BLK_LEN 20
#define BD_SEQ 24
#define BD_TS_FIRST 32
#define BD_TS_LAST 40

static u64 blk(const struct pring *r, u32 b) { return (u64)b * r->block_size; }

static void put_u32(const struct pring *r, u64 off, u32 v) { rput(r, off, &v, 4); }

static void put_ts(const struct pring *r, u64 off, u64 ns)
{
	u32 t[2] = { (u32)(ns / 1000000000ULL), (u32)(ns % 1000000000ULL) };
	rput(r, off, t, sizeof(t));
}

static bool open_block(struct pkt_sock *ps, struct pring *r, u64 now)
{
	u64 b = blk(r, ps->rx_head);

	if (status_get(r, b + BD_STATUS) != TP_STATUS_KERNEL) {
		if (!ps->frozen)
			ps->st_freeze++;
		ps->frozen = true;
		return false;
	}
	ps->frozen = false;
	u32 first = (u32)BLK_PLUS_PRIV(r->sizeof_priv);
	u64 seq = ++ps->blk_seq;
	put_u32(r, b + BD_VERSION, TPACKET_V3);
	put_u32(r, b + BD_OFF_PRIV, BLK_HDR_LEN);
	put_u32(r, b + BD_NUM_PKTS, 0);
	put_u32(r, b + BD_OFF_FIRST, first);
	put_u32(r, b + BD_BLK_LEN, first);
	rput(r, b + BD_SEQ, &seq, 8);
	put_ts(r, b + BD_TS_FIRST, now);
	ps->blk_off = first;
	ps->blk_pkts = 0;
	ps->blk_opened = ktime_ns();
	timer_arm(ps, ps->blk_opened + (u64)r->tov_ms * 1000000ULL);
	return true;
}

/* Hands the open block to the program. */
static void close_block(struct pkt_sock *ps, struct pring *r, u32 why)
{
	u64 b = blk(r, ps->rx_head);
	u32 ts[2];

	if (!ps->blk_off)
		return;
	put_u32(r, b + ps->blk_last, 0);		/* the last packet's tp_next_offset */
	put_u32(r, b + BD_NUM_PKTS, ps->blk_pkts);
	put_u32(r, b + BD_BLK_LEN, ps->blk_off);
	rget(r, b + ps->blk_last + 4, ts, sizeof(ts));	/* its tp_sec, tp_nsec */
	rput(r, b + BD_TS_LAST, ts, sizeof(ts));
	status_set(r, b + BD_STATUS, TP_STATUS_USER | why | (ps->st_drops ? TP_STATUS_LOSING : 0));
	ps->rx_head = (ps->rx_head + 1) % r->block_nr;
	ps->blk_off = 0;
	wake_up_all_locked(&ps->sk.wq);
}

static bool rx_block(struct pkt_sock *ps, struct pring *r, const struct pkt_frame *fr)
{
	struct rx_place p;
	u64 max = r->block_size - BLK_PLUS_PRIV(r->sizeof_priv);

	if (!place(ps, fr, max, &p))
		return false;
	u64 need = V3_ALIGN(p.macoff + p.snaplen);
	if (need > max)
		return false;	/* a reserve that leaves no room: never fits */
	if (ps->blk_off && ps->blk_off + need > r->block_size)
		close_block(ps, r, 0);
	if (!ps->blk_off && !open_block(ps, r, fr->now))
		return false;
	u64 b = blk(r, ps->rx_head), off = b + ps->blk_off;
	struct { u32 next, sec, nsec, snaplen, len, status; u16 mac, net;
		 u32 rxhash, vlan_tci; u16 vlan_tpid, pad; u8 pad2[8]; } h = {
		(u32)need, (u32)(fr->now / 1000000000ULL), (u32)(fr->now % 1000000000ULL),
		p.snaplen, fr->len, TP_STATUS_USER | TP_STATUS_TS_SOFTWARE,
		(u16)p.macoff, (u16)p.netoff, 0, 0, 0, 0, { 0 },
	};
	rput(r, off, &h, sizeof(h));
	put_packet(r, off, TPACKET_ALIGN(V3_HDR), fr, &p);
	ps->blk_last = ps->blk_off;
	ps->blk_off += (u32)need;
	ps->blk_pkts++;
	put_u32(r, b + BD_NUM_PKTS, ps->blk_pkts);
	put_u32(r, b + BD_BLK_LEN, ps->blk_off);
	return true;
}

bool pkt_ring_rx(struct pkt_sock *ps, const struct pkt_frame *fr, bool *copy)
{
	struct pring *r = ps->rx;

	*copy = false;
	return ps->version == TPACKET_V3 ? rx_block(ps, r, fr) : rx_frame(ps, r, fr, copy);
}

static void retire_fire(void *arg)
{
	struct pkt_sock *ps = arg;
	unsigned long f = spin_lock_irqsave(&ps->sk.wq.lock);
	struct pring *r = ps->rx;

	ps->tm_queued = false;
	if (r && !ps->dead && ps->version == TPACKET_V3 && ps->blk_off) {
		u64 due = ps->blk_opened + (u64)r->tov_ms * 1000000ULL;
		if (ktime_ns() >= due)
			close_block(ps, r, TP_STATUS_BLK_TMO);
		else
			timer_arm(ps, due);
	}
	spin_unlock_irqrestore(&ps->sk.wq.lock, f);	/* ps may go after this */
}

bool pkt_ring_readable(struct pkt_sock *ps)
{
	struct pring *r = ps->rx;

	if (!r)
		return false;
	if (ps->version == TPACKET_V3) {
		u32 prev = (ps->rx_head + r->block_nr - 1) % r->block_nr;
		return status_get(r, blk(r, prev) + BD_STATUS) != TP_STATUS_KERNEL;
	}
	u32 prev = (ps->rx_head + r->frame_nr - 1) % r->frame_nr;
	return status_get(r, frame_off(r, prev)) != TP_STATUS_KERNEL;
}

/* ---- sending from the TX ring */

long pkt_ring_send(struct pkt_sock *ps, struct kmsg *m, bool *had_ring)
{
	struct sockaddr_ll_k to;
	long total = 0, rc = 0;

	memset(&to, 0, sizeof(to));
	if (m->namelen)
		memcpy(&to, m->name, MIN((size_t)m->namelen, sizeof(to)));
	mutex_lock(&ps->ring_mtx);
	struct pring *r = ps->tx;
	*had_ring = r != NULL;
	if (!r) {
		mutex_unlock(&ps->ring_mtx);
		return 0;		/* taken away meanwhile: the caller sends normally */
	}
	int version = ps->version;
	u64 data_off = (u64)pkt_hdrlen(version) - SLL_SIZE;
	u64 st = frame_status_off(version);
	u64 len_off = version == TPACKET_V1 ? 8 : version == TPACKET_V2 ? 4 : 16;
	/* no packet is longer than the largest MTU (a u16) plus headers:
	 * a frame may be far bigger (megabytes), its bounce buffer need not */
	u64 cap = MIN((u64)r->frame_size, 0xffffULL + 2 * 14 + 10);
	u8 *buf = kmalloc(cap, GFP_KERNEL);
	if (!buf) {
		mutex_unlock(&ps->ring_mtx);
		return -ENOBUFS;
	}
	for (u32 n = 0; n < r->frame_nr; n++) {
		u64 off = frame_off(r, ps->tx_head);
		u32 tp_len;
		if (status_get(r, off + st) != TP_STATUS_SEND_REQUEST)
			break;
		rget(r, off + len_off, &tp_len, 4);
		if (tp_len > r->frame_size - data_off || tp_len > cap) {
			rc = -EMSGSIZE;
		} else {
			status_set(r, off + st, TP_STATUS_SENDING);
			rget(r, off + data_off, buf, tp_len);
			rc = pkt_xmit(ps, &to, m->namelen != 0, buf, tp_len);
		}
		if (rc < 0 && !ps->loss) {
			status_set(r, off + st, TP_STATUS_WRONG_FORMAT);
			break;
		}
		if (rc >= 0)
			total += tp_len;
		rc = 0;
		status_set(r, off + st, TP_STATUS_AVAILABLE);
		ps->tx_head = (ps->tx_head + 1) % r->frame_nr;
	}
	kfree(buf);
	mutex_unlock(&ps->ring_mtx);
	return rc < 0 ? rc : total;
}

/* ---- mmap: the RX ring, then the TX ring */

struct pmap {
	atomic_t refs;
	struct pring *rx, *tx;	/* each with a reference and a count in maps */
	u64 rx_pages;
};

static void pmap_get(void *obj) { atomic_inc(&((struct pmap *)obj)->refs); }

static void pmap_put(void *obj)
{
	struct pmap *pm = obj;

	if (!atomic_dec_and_test(&pm->refs))
		return;
	if (pm->rx)
		atomic_dec(&pm->rx->maps);
	if (pm->tx)
		atomic_dec(&pm->tx->maps);
	pring_put(pm->rx);
	pring_put(pm->tx);
	kfree(pm);
}

static int pmap_page(void *obj, u64 index, bool shared_write, struct page **out)
{
	struct pmap *pm = obj;

	(void)shared_write;
	if (index < pm->rx_pages)
		return ring_mem_page(&pm->rx->mem, index, out);
	return pm->tx ? ring_mem_page(&pm->tx->mem, index - pm->rx_pages, out) : -EFAULT;
}

static void pmap_dirty(void *obj, struct page *p) { (void)obj; (void)p; }
static int pmap_sync(void *obj) { (void)obj; return 0; }

static void pmap_describe(void *obj, char *path, size_t cap, u32 *dev, u64 *ino)
{
	(void)obj;
	strlcpy(path, "socket:[packet]", cap);
	*dev = 0;
	*ino = 0;
}

static const struct vm_object_ops pmap_ops = {
	.get = pmap_get, .put = pmap_put, .page = pmap_page, .dirty = pmap_dirty,
	.sync = pmap_sync, .describe = pmap_describe,
};

int pkt_ring_mmap(struct pkt_sock *ps, u64 off, u64 len, const struct vm_object_ops **ops,
		  void **obj, u64 *pgoff)
{
	struct pmap *pm;
	int rc = -EINVAL;

	mutex_lock(&ps->ring_mtx);
	u64 size = ring_bytes(ps->rx) + ring_bytes(ps->tx);
	if (off || !size || len != size)
		goto out;
	rc = -ENOMEM;
	if (!(pm = kzalloc(sizeof(*pm), GFP_KERNEL)))
		goto out;
	atomic_set(&pm->refs, 1);	/* the caller's */
	if ((pm->rx = ps->rx)) {
		atomic_inc(&pm->rx->refs);
		atomic_inc(&pm->rx->maps);
		pm->rx_pages = pm->rx->mem.n;
	}
	if ((pm->tx = ps->tx)) {
		atomic_inc(&pm->tx->refs);
		atomic_inc(&pm->tx->maps);
	}
	*ops = &pmap_ops;
	*obj = pm;
	*pgoff = 0;
	rc = 0;
out:
	mutex_unlock(&ps->ring_mtx);
	return rc;
}
