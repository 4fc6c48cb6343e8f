/*
 * AF_PACKET memory-mapped rings from the attacker's side: hostile ring
 * geometries (EINVAL/ENOMEM, never a huge allocation or a wrap), the
 * option rules around a ring (EBUSY), mmap's rules, TPACKET_V1/V2 frames
 * and V3 blocks received from lo (status words, poll, the retire
 * timeout, drops and TP_STATUS_LOSING, PACKET_STATISTICS), a TX ring
 * sending a frame, munmap while another thread floods, close while
 * mapped, and churn without a leak.
 */
#define TEST_NAME "packet_ring"
#include "check.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

/* <linux/if_packet.h> (musl has no kernel headers) */
struct sockaddr_ll_t {
	unsigned short sll_family, sll_protocol;
	int sll_ifindex;
	unsigned short sll_hatype;
	unsigned char sll_pkttype, sll_halen, sll_addr[8];
};
struct tpacket_req { unsigned tp_block_size, tp_block_nr, tp_frame_size, tp_frame_nr; };
struct tpacket_req3 {
	unsigned tp_block_size, tp_block_nr, tp_frame_size, tp_frame_nr;
	unsigned tp_retire_blk_tov, tp_sizeof_priv, tp_feature_req_word;
};
struct tpacket_hdr {
	unsigned long tp_status;
	unsigned tp_len, tp_snaplen;
	unsigned short tp_mac, tp_net;
	unsigned tp_sec, tp_usec;
};
struct tpacket2_hdr {
	uint32_t tp_status, tp_len, tp_snaplen;
	uint16_t tp_mac, tp_net;
	uint32_t tp_sec, tp_nsec;
	uint16_t tp_vlan_tci, tp_vlan_tpid;
	uint8_t tp_padding[4];
};
struct tpacket3_hdr {
	uint32_t tp_next_offset, tp_sec, tp_nsec, tp_snaplen, tp_len, tp_status;
	uint16_t tp_mac, tp_net;
	uint32_t hv1[3];
	uint8_t tp_padding[8];
};
struct tpacket_block_desc {
	uint32_t version, offset_to_priv;
	uint32_t block_status, num_pkts, offset_to_first_pkt, blk_len;
	uint64_t seq_num;
	uint32_t ts_first[2], ts_last[2];
};
#define ETH_P_ALL 0x0003
#define SOL_PACKET 263
#define PACKET_RX_RING 5
#define PACKET_STATISTICS 6
#define PACKET_VERSION 10
#define PACKET_HDRLEN 11
#define PACKET_RESERVE 12
#define PACKET_TX_RING 13
#define TPACKET_V1 0
#define TPACKET_V2 1
#define TPACKET_V3 2
#define TP_STATUS_KERNEL 0
#define TP_STATUS_USER 1
#define TP_STATUS_LOSING 4
#define TP_STATUS_BLK_TMO 0x20
#define TP_STATUS_AVAILABLE 0
#define TP_STATUS_SEND_REQUEST 1
#define TP_STATUS_WRONG_FORMAT 4

static long pg;

static int psock(int version)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	CHECK(fd >= 0);
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) == 0);
	return fd;
}

static int lo_bind(int fd)
{
	struct sockaddr_ll_t a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = 1 };
	return bind(fd, (struct sockaddr *)&a, sizeof(a));
}

static int ring(int fd, int opt, unsigned bs, unsigned bn, unsigned fs, unsigned fn)
{
	struct tpacket_req3 r = { bs, bn, fs, fn, 0, 0, 0 };
	return setsockopt(fd, SOL_PACKET, opt, &r, sizeof(r));
}

static struct sockaddr_in to = { .sin_family = AF_INET };

static void udp_send(int u, const char *s)
{
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(40333);
	CHECK(sendto(u, s, strlen(s), 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)strlen(s));
}

static void hostile_sizes(void)
{
	int fd = psock(TPACKET_V2);
	/* not a page multiple; 0; negative as an int */
	CHECK(ring(fd, PACKET_RX_RING, pg + 16, 1, 2048, 2) < 0 && errno == EINVAL);
	CHECK(ring(fd, PACKET_RX_RING, 0, 1, 2048, 0) < 0 && errno == EINVAL);
	CHECK(ring(fd, PACKET_RX_RING, 0x80000000u, 1, 0x80000000u, 1) < 0 && errno == EINVAL);
	/* frames: shorter than the header, unaligned, larger than a block */
	CHECK(ring(fd, PACKET_RX_RING, pg, 1, 32, pg / 32) < 0 && errno == EINVAL);
	CHECK(ring(fd, PACKET_RX_RING, pg, 1, 2056, 1) < 0 && errno == EINVAL);
	CHECK(ring(fd, PACKET_RX_RING, pg, 1, 2 * pg, 1) < 0 && errno == EINVAL);
	/* frame count that does not match; block_nr 0 with frames */
	CHECK(ring(fd, PACKET_RX_RING, pg, 2, 2048, 3) < 0 && errno == EINVAL);
	CHECK(ring(fd, PACKET_RX_RING, pg, 0, 2048, 2) < 0 && errno == EINVAL);
	/* frames_per_block * block_nr wraps 32 bits to the frame count 0 */
	CHECK(ring(fd, PACKET_RX_RING, 0x100000, 0x40000, 64, 0) < 0 && errno == EINVAL);
	/* huge: refused before any allocation */
	CHECK(ring(fd, PACKET_RX_RING, pg, 0xffffffffu, pg, 0xffffffffu) < 0 && errno == ENOMEM);
	CHECK(ring(fd, PACKET_RX_RING, 1u << 30, 1u << 10, 1u << 30, 1u << 10) < 0 &&
	      errno == ENOMEM);
	CHECK(ring(fd, PACKET_TX_RING, 1u << 30, 4, 1u << 30, 4) < 0 && errno == ENOMEM);
	/* short option, bad pointer */
	struct tpacket_req r = { pg, 1, 2048, 2 };
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &r, 8) < 0 && errno == EINVAL);
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, (void *)8, sizeof(r)) < 0 &&
	      errno == EFAULT);
	/* a reserve that leaves no room; one past INT_MAX */
	unsigned v = 1u << 30;
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_RESERVE, &v, sizeof(v)) == 0);
	CHECK(ring(fd, PACKET_RX_RING, pg, 1, 2048, 2) < 0 && errno == EINVAL);
	v = 0x80000000u;
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_RESERVE, &v, sizeof(v)) < 0 && errno == EINVAL);
	v = 0;
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_RESERVE, &v, sizeof(v)) == 0);
	/* a good ring; then the options it depends on are EBUSY */
	CHECK(ring(fd, PACKET_RX_RING, pg, 2, 2048, 4) == 0);
	CHECK(ring(fd, PACKET_RX_RING, pg, 2, 2048, 4) < 0 && errno == EBUSY);
	v = 64;
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_RESERVE, &v, sizeof(v)) < 0 && errno == EBUSY);
	v = TPACKET_V1;
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0 && errno == EBUSY);
	/* taken away (block_nr 0), the version may change again */
	CHECK(ring(fd, PACKET_RX_RING, 0, 0, 0, 0) == 0);
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) == 0);
	close(fd);

	/* V3: a private area larger than the block (CVE-2017-7308) */
	fd = psock(TPACKET_V3);
	struct tpacket_req3 q = { pg, 2, pg, 2, 100, 3u << 30, 0 };
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &q, sizeof(q)) < 0 && errno == EINVAL);
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &q, sizeof(struct tpacket_req)) < 0 &&
	      errno == EINVAL);	/* V3 wants tpacket_req3 */
	q.tp_sizeof_priv = 0xfffffff8u;	/* + the header wraps 32 bits */
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &q, sizeof(q)) < 0 && errno == EINVAL);
	q.tp_sizeof_priv = 512;
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &q, sizeof(q)) == 0);
	/* V3 TX: no block parameters */
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &q, sizeof(q)) < 0 && errno == EINVAL);
	close(fd);

	/* PACKET_HDRLEN */
	fd = psock(TPACKET_V1);
	int h = TPACKET_V3;
	socklen_t hl = sizeof(h);
	CHECK(getsockopt(fd, SOL_PACKET, PACKET_HDRLEN, &h, &hl) == 0 && h == 48 && hl == 4);
	h = TPACKET_V1;
	CHECK(getsockopt(fd, SOL_PACKET, PACKET_HDRLEN, &h, &hl) == 0 && h == 32);
	h = 9;
	CHECK(getsockopt(fd, SOL_PACKET, PACKET_HDRLEN, &h, &hl) < 0 && errno == EINVAL);
	hl = 2;
	CHECK(getsockopt(fd, SOL_PACKET, PACKET_HDRLEN, &h, &hl) < 0 && errno == EINVAL);
	close(fd);
}

static void mmap_rules(void)
{
	int fd = psock(TPACKET_V2);
	CHECK(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EINVAL);
	CHECK(ring(fd, PACKET_RX_RING, pg, 2, 2048, 4) == 0);
	CHECK(ring(fd, PACKET_TX_RING, pg, 1, 2048, 2) == 0);
	size_t sz = 3 * pg;
	CHECK(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EINVAL);
	CHECK(mmap(NULL, 4 * pg, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EINVAL);
	CHECK(mmap(NULL, sz, PROT_READ, MAP_SHARED, fd, pg) == MAP_FAILED && errno == EINVAL);
	char *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	/* mapped: no ring may change */
	CHECK(ring(fd, PACKET_RX_RING, 0, 0, 0, 0) < 0 && errno == EBUSY);
	CHECK(ring(fd, PACKET_TX_RING, 0, 0, 0, 0) < 0 && errno == EBUSY);
	munmap(m, sz);
	CHECK(ring(fd, PACKET_TX_RING, 0, 0, 0, 0) == 0);
	close(fd);
	/* another socket's mmap: ENODEV */
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(mmap(NULL, pg, PROT_READ, MAP_SHARED, u, 0) == MAP_FAILED && errno == ENODEV);
	close(u);
}

static int wait_in(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* Finds the frame with our UDP payload; returns its index or -1. */
static int find_v2(char *m, int nframes, const char *payload)
{
	for (int i = 0; i < nframes; i++) {
		struct tpacket2_hdr *h = (void *)(m + i * 2048);
		if (!(h->tp_status & TP_STATUS_USER))
			continue;
		char *d = (char *)h + h->tp_mac;
		if (h->tp_snaplen >= 14 + 28 + strlen(payload) &&
		    !memcmp(d + 14 + 28, payload, strlen(payload)))
			return i;
	}
	return -1;
}

static void rx_v1_v2(void)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	for (int ver = TPACKET_V1; ver <= TPACKET_V2; ver++) {
		int fd = psock(ver);
		CHECK(ring(fd, PACKET_RX_RING, pg, 2, 2048, 2 * (pg / 2048)) == 0);
		int nf = 2 * (pg / 2048);
		char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		CHECK(m != MAP_FAILED);
		if (m == MAP_FAILED)
			return;
		CHECK(lo_bind(fd) == 0);
		CHECK(!wait_in(fd, 0));
		udp_send(u, "ring-frame!");
		CHECK(wait_in(fd, 1000));
		if (ver == TPACKET_V1) {
			struct tpacket_hdr *h = (void *)m;
			CHECK(h->tp_status & TP_STATUS_USER);
			CHECK(h->tp_len == 14 + 28 + 11 && h->tp_snaplen == h->tp_len);
			struct sockaddr_ll_t *sll = (void *)(m + 32);
			CHECK(sll->sll_family == AF_PACKET && sll->sll_ifindex == 1);
			CHECK(!memcmp(m + h->tp_mac + 42, "ring-frame!", 11));
		} else {
			int i = find_v2(m, nf, "ring-frame!");
			CHECK(i >= 0);
			struct tpacket2_hdr *h = (void *)(m + (i < 0 ? 0 : i) * 2048);
			CHECK(h->tp_net == h->tp_mac + 14 && h->tp_net % 16 == 0);
			CHECK(h->tp_sec > 1000000000u);
		}
		/* give everything back, then overrun the ring: drops, LOSING */
		usleep(100000);	/* the loopback's second copy may come later */
		for (int i = 0; i < nf; i++)
			*(volatile uint32_t *)(m + i * 2048) = TP_STATUS_KERNEL;
		CHECK(!wait_in(fd, 0));
		int st[3];
		socklen_t sl = sizeof(st);
		CHECK(getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, st, &sl) == 0 && sl == 8);
		for (int i = 0; i < nf + 4; i++)
			udp_send(u, "overrun");
		usleep(100000);
		sl = sizeof(st);
		CHECK(getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, st, &sl) == 0);
		CHECK(st[1] > 0 && st[0] >= st[1]);
		for (int i = 0; i < nf; i++)
			*(volatile uint32_t *)(m + i * 2048) = TP_STATUS_KERNEL;
		udp_send(u, "after");
		CHECK(wait_in(fd, 1000));
		usleep(100000);
		int i = ver == TPACKET_V2 ? find_v2(m, nf, "after") : -2;
		if (ver == TPACKET_V2) {
			CHECK(i >= 0);
			/* drops since the statistics were read: none (read resets) */
			CHECK(i >= 0 && !(((struct tpacket2_hdr *)(m + i * 2048))->tp_status &
					  TP_STATUS_LOSING));
		}
		munmap(m, 2 * pg);
		close(fd);
	}
	close(u);
}

static void rx_v3(void)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int fd = psock(TPACKET_V3);
	struct tpacket_req3 q = { pg, 4, 2048, 4 * (pg / 2048), 30, 16, 0 };
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &q, sizeof(q)) == 0);
	char *m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	CHECK(lo_bind(fd) == 0);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	udp_send(u, "v3-packet");
	/* the block is handed over when it times out (30 ms) */
	CHECK(wait_in(fd, 2000));
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	CHECK(ms >= 20 && ms < 1500);
	struct tpacket_block_desc *bd = (void *)m;
	CHECK(bd->block_status & TP_STATUS_USER);
	CHECK(bd->block_status & TP_STATUS_BLK_TMO);
	CHECK(bd->version == TPACKET_V3 && bd->offset_to_first_pkt == 48 + 16);
	CHECK(bd->num_pkts >= 1 && bd->seq_num == 1);
	int found = 0;
	char *p = m + bd->offset_to_first_pkt;
	for (unsigned i = 0; i < bd->num_pkts && p < m + pg; i++) {
		struct tpacket3_hdr *h = (void *)p;
		CHECK(h->tp_status & TP_STATUS_USER);
		if (h->tp_snaplen >= 42 + 9 && !memcmp(p + h->tp_mac + 42, "v3-packet", 9))
			found = 1;
		if (i + 1 == bd->num_pkts)
			CHECK(h->tp_next_offset == 0);
		p += h->tp_next_offset;
	}
	CHECK(found);
	CHECK(bd->blk_len <= pg);
	bd->block_status = TP_STATUS_KERNEL;
	/* flood: blocks fill and close without the timer; the ring freezes */
	for (int i = 0; i < 200; i++)
		udp_send(u, "fill-the-blocks-up-with-something");
	usleep(100000);
	int st[3];
	socklen_t sl = sizeof(st);
	CHECK(getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, st, &sl) == 0 && sl == 12);
	CHECK(st[1] > 0 && st[2] >= 1);
	munmap(m, 4 * pg);
	close(fd);
	close(u);
}

static void tx_ring(void)
{
	int fd = psock(TPACKET_V2);
	CHECK(ring(fd, PACKET_TX_RING, pg, 1, 2048, pg / 2048) == 0);
	char *m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED)
		return;
	CHECK(lo_bind(fd) == 0);
	int r = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons(40334),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CHECK(bind(r, (struct sockaddr *)&at, sizeof(at)) == 0);
	/* an Ethernet + IPv4 + UDP frame, after the header (32 bytes in) */
	unsigned char *f = (unsigned char *)m + 32;
	memset(f, 0, 14 + 28 + 5);
	f[12] = 0x08;
	unsigned char *ip = f + 14;
	ip[0] = 0x45;
	ip[3] = 28 + 5;
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 127; ip[15] = 1;
	ip[16] = 127; ip[19] = 1;
	unsigned long s = 0;
	for (int i = 0; i < 20; i += 2)
		s += ip[i] | ip[i + 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	unsigned short c = (unsigned short)~s;
	memcpy(ip + 10, &c, 2);
	ip[21] = 99;
	ip[22] = 40334 >> 8; ip[23] = 40334 & 0xff;
	ip[25] = 8 + 5;
	memcpy(ip + 28, "txrng", 5);
	struct tpacket2_hdr *h = (void *)m;
	h->tp_len = 14 + 28 + 5;
	__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	CHECK(send(fd, NULL, 0, 0) == 14 + 28 + 5);
	CHECK(h->tp_status == TP_STATUS_AVAILABLE);
	char got[16];
	CHECK(wait_in(r, 2000) && recv(r, got, sizeof(got), MSG_DONTWAIT) == 5 &&
	      !memcmp(got, "txrng", 5));
	/* nothing requested: nothing sent */
	CHECK(send(fd, NULL, 0, 0) == 0);
	/* a length past the frame: refused, marked */
	struct tpacket2_hdr *h2 = (void *)(m + 2048);
	h2->tp_len = 4000;
	__atomic_store_n(&h2->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	CHECK(send(fd, NULL, 0, 0) < 0 && errno == EMSGSIZE);
	CHECK(h2->tp_status == TP_STATUS_WRONG_FORMAT);
	munmap(m, pg);
	close(fd);
	close(r);
}

static volatile int stop;

static void *flood(void *arg)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	(void)arg;
	while (!stop)
		udp_send(u, "flooding");
	close(u);
	return NULL;
}

/* munmap and close while another thread makes the ring fill; then
 * close while mapped: the pages stay the program's until munmap. */
static void races(void)
{
	pthread_t t;
	long long before = meminfo("KernelHeap"), free0 = meminfo("MemFree");
	stop = 0;
	pthread_create(&t, NULL, flood, NULL);
	for (int i = 0; i < 18; i++) {
		int fd = psock(i % 3);
		size_t sz = 4 * pg;
		int rc;
		if (i % 3 == TPACKET_V3) {
			struct tpacket_req3 q = { pg, 4, 2048, 4 * (pg / 2048), 1, 0, 0 };
			rc = setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &q, sizeof(q));
		} else {
			rc = ring(fd, PACKET_RX_RING, pg, 4, 2048, 4 * (pg / 2048));
		}
		CHECK(rc == 0);
		volatile char *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		CHECK(m != MAP_FAILED);
		if (m == MAP_FAILED) {
			close(fd);
			continue;
		}
		lo_bind(fd);
		usleep(500);
		if (i % 2) {
			munmap((void *)m, sz);	/* the socket still receives */
			usleep(500);
			close(fd);
		} else {
			close(fd);		/* still mapped */
			usleep(500);
			for (size_t o = 0; o < sz; o += pg)
				m[o] = m[o];	/* still ours */
			munmap((void *)m, sz);
		}
	}
	stop = 1;
	pthread_join(t, NULL);
	long long after = meminfo("KernelHeap"), free1 = meminfo("MemFree");
	CHECK(before < 0 || after - before < 4 << 20);
	CHECK(free0 < 0 || free0 - free1 < 8 << 20);	/* the rings came back */
}

/* The ring steps of LTP's setsockopt07, setsockopt09 and sendto03 (which
 * first need user and network namespaces). */
static void ltp_parts(void)
{
	/* setsockopt09: a V3 ring, freed, V2, an empty V2 request */
	for (int i = 0; i < 2; i++) {
		int fd = psock(TPACKET_V3);
		struct tpacket_req3 q = { 4 * pg, 256, 16 << 7, 0, 64, 0, 1 };
		q.tp_frame_nr = q.tp_block_size * q.tp_block_nr / q.tp_frame_size;
		CHECK(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &q, sizeof(q)) == 0);
		q.tp_block_nr = q.tp_frame_nr = 0;
		CHECK(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &q, sizeof(q)) == 0);
		int v = TPACKET_V2;
		CHECK(setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) == 0);
		CHECK(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &q, sizeof(q)) == 0);
		close(fd);
	}
	/* setsockopt07: the reserve may not pass a ring's room */
	int fd = psock(TPACKET_V3);
	unsigned v = 1u << 30;
	struct tpacket_req3 q = { pg, 1, pg, 1, 100, 0, 0 };
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_RESERVE, &v, sizeof(v)) == 0);
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &q, sizeof(q)) < 0 && errno == EINVAL);
	close(fd);
	/* sendto03: a reserve that pushes tp_net past 16 bits drops the frame */
	fd = psock(TPACKET_V2);
	int one = 1, res = 0xffff - 75;
	CHECK(setsockopt(fd, SOL_PACKET, 15 /* PACKET_VNET_HDR */, &one, sizeof(one)) == 0);
	CHECK(setsockopt(fd, SOL_PACKET, PACKET_RESERVE, &res, sizeof(res)) == 0);
	CHECK(ring(fd, PACKET_RX_RING, 0x800000, 1, 0x11000, 0x800000 / 0x11000) == 0);
	CHECK(lo_bind(fd) == 0);
	int s = socket(AF_PACKET, SOCK_RAW, IPPROTO_RAW);
	static unsigned char buf[1024];
	memset(buf, 0x42, sizeof(buf));
	struct sockaddr_ll_t a = { .sll_family = AF_PACKET, .sll_ifindex = 1, .sll_halen = 6 };
	CHECK(sendto(s, buf, sizeof(buf), 0, (struct sockaddr *)&a, sizeof(a)) == sizeof(buf));
	usleep(50000);
	int st[2];
	socklen_t sl = sizeof(st);
	CHECK(getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, st, &sl) == 0 && st[1] >= 1);
	CHECK(st[0] == st[1]);	/* every frame dropped: tp_packets counts them once */
	close(s);
	close(fd);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("packet_ring: not root, skipped\n");
		return 0;
	}
	pg = sysconf(_SC_PAGESIZE);
hostile_sizes();
	mmap_rules();
	rx_v1_v2();
	rx_v3();
	tx_ring();
	races();
	ltp_parts();
	return check_done();
}
