/*
 * Network device tests: virtio-net against QEMU's user networking
 * (slirp: the gateway 10.0.2.2, the guest 10.0.2.15), as `make test-net`
 * boots it (xtask run --net, restrict=on). `ktest=all` runs a test only
 * when a network device exists; named on the command line without one,
 * it fails, saying so.
 *
 * These tests read frames with netdev_rx_take() themselves, so nothing
 * else may drain the device's receive queue while they run: a TCP/IP
 * stack's thread would. A test that sees frames counted as received
 * that never reach it says so instead of just timing out.
 */
#include <alloy/errno.h>
#include <alloy/ktest.h>
#include <alloy/mm.h>
#include <alloy/netdev.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/virtio.h>
#include "../fs/procfs.h"

#define MS 1000000ULL
#define ETH_P_ARP 0x0806
#define ETH_P_IP 0x0800

static const u8 guest_ip[4] = { 10, 0, 2, 15 };
static const u8 gw_ip[4] = { 10, 0, 2, 2 };
static const u8 bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* The first real device: net_virtio_hostile's fake0 is not one. */
static struct netdev *first_eth(void)
{
	struct netdev *dev;

	for (int i = 0; (dev = netdev_get(i)); i++)
		if (!strncmp(dev->name, "eth", 3))
			return dev;
	return NULL;
}

static bool have_netdev(void)
{
	return first_eth() != NULL;
}

static struct netdev *nic(void)
{
	struct netdev *dev = first_eth();

	if (!dev)
		ktest_fail(__FILE__, __LINE__, "no network device: attach one "
			   "(make test-net, or xtask run --net)");
	return dev;
}

static u16 get16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

/* The Internet checksum of len bytes (RFC 1071): 0 over a correct header. */
static u16 csum(const u8 *p, size_t len)
{
	u32 sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (u32)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}

static void drain(struct netdev *dev, u8 *buf)
{
	while (netdev_rx_take(dev, buf))
		;
}

/* A broadcast "who has tpa? tell 10.0.2.15", padded to 60 bytes. */
static size_t arp_request(u8 *f, const u8 *mac, const u8 *tpa)
{
	u8 *a = f + ETH_HLEN;

	memset(f, 0, 60);
	memcpy(f, bcast, ETH_ALEN);
	memcpy(f + 6, mac, ETH_ALEN);
	put16(f + 12, ETH_P_ARP);
	put16(a, 1);			/* Ethernet */
	put16(a + 2, ETH_P_IP);
	a[4] = ETH_ALEN;
	a[5] = 4;
	put16(a + 6, 1);		/* request */
	memcpy(a + 8, mac, ETH_ALEN);
	memcpy(a + 14, guest_ip, 4);
	memcpy(a + 24, tpa, 4);
	return 60;
}

static bool is_arp_reply_from(const u8 *f, size_t len, const void *ip)
{
	return len >= ETH_HLEN + 28 && get16(f + 12) == ETH_P_ARP &&
	       get16(f + ETH_HLEN + 6) == 2 && !memcmp(f + ETH_HLEN + 14, ip, 4);
}

struct echo_id {
	u16 id, seq;
};

static bool is_echo_reply(const u8 *f, size_t len, const void *arg)
{
	const struct echo_id *e = arg;
	const u8 *ip = f + ETH_HLEN;

	if (len < ETH_HLEN + 28 || get16(f + 12) != ETH_P_IP || (ip[0] >> 4) != 4 || ip[9] != 1)
		return false;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	if (ihl < 20 || len < ETH_HLEN + ihl + 8)
		return false;
	const u8 *icmp = ip + ihl;
	return icmp[0] == 0 && get16(icmp + 4) == e->id && get16(icmp + 6) == e->seq;
}

/*
 * Waits up to `ns` for a frame match() accepts; its length, or 0. Frames
 * it does not accept are counted in *others and dropped.
 */
static size_t wait_frame(struct netdev *dev, u8 *buf,
			 bool (*match)(const u8 *, size_t, const void *), const void *arg,
			 u64 ns, int *others)
{
	u64 deadline = ktime_ns() + ns;

	for (;;) {
		size_t len = netdev_rx_take(dev, buf);
		if (len && match(buf, len, arg))
			return len;
		if (len) {
			(*others)++;
			continue;
		}
		if (ktime_ns() > deadline)
			return 0;
		sleep_ms(1);
	}
}

/* Why no reply came: nothing arrived, or something else took it. */
static void explain_timeout(struct netdev *dev, u64 rx_before, int others, const char *what)
{
	u64 got = READ_ONCE(dev->stats.rx_packets) - rx_before;

	if (got > (u64)others)
		ktest_fail(__FILE__, __LINE__, "no %s: %llu frames were received but only %d "
			   "reached netdev_rx_take: something else (the TCP/IP stack's "
			   "thread?) drains the queue", what, (unsigned long long)got, others);
	else
		ktest_fail(__FILE__, __LINE__, "no %s within 2 s (%llu frames received, "
			   "none of them it)", what, (unsigned long long)got);
}

/* Resolves 10.0.2.2 by ARP: its MAC into gw_mac; false (failed) if not. */
static bool resolve_gateway(struct netdev *dev, u8 *buf, u8 *gw_mac)
{
	u8 req[60];
	int others = 0;

	drain(dev, buf);
	u64 rx0 = READ_ONCE(dev->stats.rx_packets), tx0 = READ_ONCE(dev->stats.tx_packets);
	size_t n = arp_request(req, dev->mac, gw_ip);
	u64 t0 = ktime_ns();
	int rc = netdev_xmit(dev, req, n);
	KT_EXPECT(rc == 0);
	KT_EXPECT(READ_ONCE(dev->stats.tx_packets) == tx0 + 1);
	size_t len = wait_frame(dev, buf, is_arp_reply_from, gw_ip, 2000 * MS, &others);
	u64 rtt = ktime_ns() - t0;
	if (!len) {
		explain_timeout(dev, rx0, others, "ARP reply from 10.0.2.2");
		return false;
	}
	const u8 *a = buf + ETH_HLEN;
	pr_info("net_arp: reply from %02x:%02x:%02x:%02x:%02x:%02x in %llu us (%d other frames)\n",
		a[8], a[9], a[10], a[11], a[12], a[13], (unsigned long long)(rtt / 1000), others);
	KT_EXPECT(!memcmp(buf, dev->mac, ETH_ALEN));		/* to us, not broadcast */
	KT_EXPECT(get16(a) == 1 && get16(a + 2) == ETH_P_IP);
	KT_EXPECT(a[4] == ETH_ALEN && a[5] == 4);
	KT_EXPECT(!memcmp(a + 8, buf + 6, ETH_ALEN));		/* sender = frame source */
	KT_EXPECT(!(a[8] & 1));					/* a unicast address */
	KT_EXPECT(memcmp(a + 8, "\0\0\0\0\0\0", ETH_ALEN));
	KT_EXPECT(!memcmp(a + 18, dev->mac, ETH_ALEN));		/* target: us */
	KT_EXPECT(!memcmp(a + 24, guest_ip, 4));
	KT_EXPECT(READ_ONCE(dev->stats.rx_packets) > rx0);
	memcpy(gw_mac, a + 8, ETH_ALEN);
	return true;
}

KTEST_IF(net_arp_reply, have_netdev)
{
	struct netdev *dev = nic();
	u8 *buf = kmalloc(ETH_FRAME_MAX, GFP_KERNEL), gw_mac[ETH_ALEN];

	if (!dev || !buf) {
		KT_EXPECT(buf);
		kfree(buf);
		return;
	}
	KT_EXPECT(dev->link_up && dev->mtu == 1500);
	KT_EXPECT(!(dev->mac[0] & 1));
	resolve_gateway(dev, buf, gw_mac);
	KT_EXPECT(virtio_net_bad_used(dev) == 0);
	kfree(buf);
}

/* An ICMP echo request to 10.0.2.2, which slirp answers itself. */
KTEST_IF(net_icmp_echo, have_netdev)
{
	struct netdev *dev = nic();
	u8 *buf = kmalloc(ETH_FRAME_MAX, GFP_KERNEL), *req = kzalloc(ETH_FRAME_MAX, GFP_KERNEL);
	u8 gw_mac[ETH_ALEN];
	struct echo_id e = { .id = 0x414c, .seq = (u16)(ktime_ns() >> 10) };
	const size_t data = 56, ip_len = 20 + 8 + data;
	int others = 0;

	if (!dev || !buf || !req || !resolve_gateway(dev, buf, gw_mac))
		goto out;
	memcpy(req, gw_mac, ETH_ALEN);
	memcpy(req + 6, dev->mac, ETH_ALEN);
	put16(req + 12, ETH_P_IP);
	u8 *ip = req + ETH_HLEN, *icmp = ip + 20;
	ip[0] = 0x45;
	put16(ip + 2, (u16)ip_len);
	put16(ip + 4, e.seq);
	ip[8] = 64;
	ip[9] = 1;			/* ICMP */
	memcpy(ip + 12, guest_ip, 4);
	memcpy(ip + 16, gw_ip, 4);
	put16(ip + 10, csum(ip, 20));
	icmp[0] = 8;			/* echo request */
	put16(icmp + 4, e.id);
	put16(icmp + 6, e.seq);
	for (size_t i = 0; i < data; i++)
		icmp[8 + i] = (u8)(i * 7 + e.seq);
	put16(icmp + 2, csum(icmp, 8 + data));

	u64 rx0 = READ_ONCE(dev->stats.rx_packets), t0 = ktime_ns();
	KT_EXPECT(netdev_xmit(dev, req, ETH_HLEN + ip_len) == 0);
	size_t len = wait_frame(dev, buf, is_echo_reply, &e, 2000 * MS, &others);
	if (!len) {
		explain_timeout(dev, rx0, others, "ICMP echo reply from 10.0.2.2");
		goto out;
	}
	pr_info("net_icmp: echo reply in %llu us\n",
		(unsigned long long)((ktime_ns() - t0) / 1000));
	const u8 *rip = buf + ETH_HLEN;
	size_t ihl = (size_t)(rip[0] & 15) * 4, tot = get16(rip + 2);
	const u8 *ricmp = rip + ihl;
	KT_EXPECT(!memcmp(buf, dev->mac, ETH_ALEN));
	KT_EXPECT(!memcmp(buf + 6, gw_mac, ETH_ALEN));
	KT_EXPECT(csum(rip, ihl) == 0);
	KT_EXPECT(!memcmp(rip + 12, gw_ip, 4) && !memcmp(rip + 16, guest_ip, 4));
	KT_ASSERT(tot == ihl + 8 + data && len >= ETH_HLEN + tot);
	KT_EXPECT(csum(ricmp, 8 + data) == 0);
	KT_EXPECT(!memcmp(ricmp + 8, icmp + 8, data));
out:
	KT_EXPECT(buf && req);
	kfree(buf);
	kfree(req);
}

/*
 * Nobody takes frames: the receive queue fills, then every further frame
 * is a counted drop and memory stays where it was. First real frames
 * through the driver (ARP replies to a burst of requests), then netdev_rx
 * fed directly, with hostile lengths among them.
 */
#define FLOOD_FRAMES (NETDEV_RXQ_MAX + 512)
#define KMEM_SLACK 8192	/* what other threads may allocate meanwhile */

KTEST_IF(net_rx_flood, have_netdev)
{
	struct netdev *dev = nic();
	u8 *buf = kmalloc(ETH_FRAME_MAX, GFP_KERNEL), req[60];

	if (!dev || !buf) {
		KT_EXPECT(buf);
		kfree(buf);
		return;
	}
	drain(dev, buf);
	struct netdev_stats s0 = dev->stats;
	size_t kmem0 = kmem_bytes_in_use();
	u64 free0 = page_alloc_free_count();
	size_t n = arp_request(req, dev->mac, gw_ip);
	u64 deadline = ktime_ns() + 10000 * MS;
	int sent = 0, full = 0;

	while (sent < FLOOD_FRAMES && ktime_ns() < deadline) {
		int rc = netdev_xmit(dev, req, n);
		if (rc == -EAGAIN) {	/* the transmit ring is full: let it drain */
			full++;
			sleep_ms(1);
			continue;
		}
		KT_ASSERT_EQ(rc, 0);
		sent++;
	}
	KT_ASSERT_EQ(sent, FLOOD_FRAMES);
	/* until every reply has come (received or dropped), or 10 s */
	u64 arrived;
	while ((arrived = (READ_ONCE(dev->stats.rx_packets) - s0.rx_packets) +
			  (READ_ONCE(dev->stats.rx_dropped) - s0.rx_dropped)) < FLOOD_FRAMES &&
	       ktime_ns() < deadline)
		sleep_ms(5);
	u64 queued = dev->stats.rx_packets - s0.rx_packets;
	u64 dropped = dev->stats.rx_dropped - s0.rx_dropped;
	ssize_t kmem_grew = (ssize_t)(kmem_bytes_in_use() - kmem0);
	long pages_lost = (long)(free0 - page_alloc_free_count());
	pr_info("net_rx_flood: %d sent (%d times the ring was full), %llu arrived: %llu "
		"queued, %llu dropped; kmem %+zd bytes, %ld pages\n", sent, full,
		(unsigned long long)arrived, (unsigned long long)queued,
		(unsigned long long)dropped, kmem_grew, pages_lost);
	KT_EXPECT(arrived >= FLOOD_FRAMES);
	KT_EXPECT(queued == NETDEV_RXQ_MAX);
	KT_EXPECT(dropped == arrived - NETDEV_RXQ_MAX);
	KT_EXPECT(kmem_grew < KMEM_SLACK);	/* 512 replies kept: 32 KiB at least */
	KT_EXPECT(pages_lost < 16);
	int taken = 0, wrong = 0;
	size_t len;
	while ((len = netdev_rx_take(dev, buf))) {
		taken++;
		wrong += !is_arp_reply_from(buf, len, gw_ip);
	}
	KT_EXPECT(taken == NETDEV_RXQ_MAX);
	KT_EXPECT(wrong == 0);

	/* netdev_rx fed directly: four queues' worth of full-size frames,
	 * and lengths no driver may pass (drops, and never read) */
	s0 = dev->stats;
	kmem0 = kmem_bytes_in_use();
	memset(buf, 0x5a, ETH_FRAME_MAX);
	for (int i = 0; i < 4 * NETDEV_RXQ_MAX; i++)
		netdev_rx(dev, buf, ETH_FRAME_MAX);
	static const size_t bad[] = { 0, 1, ETH_HLEN - 1, ETH_FRAME_MAX + 1, 65536, (size_t)-1 };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		netdev_rx(dev, buf, bad[i]);
	KT_EXPECT(dev->stats.rx_packets - s0.rx_packets == NETDEV_RXQ_MAX);
	KT_EXPECT(dev->stats.rx_dropped - s0.rx_dropped ==
		  3 * NETDEV_RXQ_MAX + ARRAY_SIZE(bad));
	KT_EXPECT((ssize_t)(kmem_bytes_in_use() - kmem0) < KMEM_SLACK);
	for (taken = 0, wrong = 0; (len = netdev_rx_take(dev, buf)); taken++)
		wrong += len != ETH_FRAME_MAX || buf[ETH_FRAME_MAX - 1] != 0x5a;
	KT_EXPECT(taken == NETDEV_RXQ_MAX);
	KT_EXPECT(wrong == 0);
	KT_EXPECT(virtio_net_bad_used(dev) == 0);
	kfree(buf);
}

/* /proc/net/dev: Linux's two header lines, lo, then eth0 with its stats. */
KTEST_IF(net_proc_dev, have_netdev)
{
	struct netdev *dev = nic();
	struct page *pg = alloc_page(GFP_ZERO);
	u8 *buf = kmalloc(ETH_FRAME_MAX, GFP_KERNEL), gw_mac[ETH_ALEN];
	bool ok = dev && pg && buf && resolve_gateway(dev, buf, gw_mac);

	kfree(buf);
	if (!ok) {
		KT_EXPECT(pg && buf);
		if (pg)
			free_page(pg);
		return;
	}
	struct pbuf b = { .buf = page_to_virt(pg), .cap = PAGE_SIZE - 1 };
	struct netdev_stats s = dev->stats;	/* nothing else sends or takes now */
	KT_ASSERT_EQ(netdev_proc_show(&b), 0);
	char *t = (char *)b.buf;
	t[b.len] = 0;
	static const char head[] =	/* Linux 6.1's, byte for byte */
		"Inter-|   Receive                                                |  Transmit\n"
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
		"packets errs drop fifo colls carrier compressed\n"
		"    lo:       0       0    0    0    0     0          0         0        0"
		"       0    0    0    0     0       0          0\n";
	KT_EXPECT(!strncmp(t, head, sizeof(head) - 1));
	char *line = t + sizeof(head) - 1;
	KT_ASSERT(!strncmp(line, "  eth0: ", 8));
	unsigned long long v[16];
	char *p = line + 7;
	for (int i = 0; i < 16; i++) {
		KT_ASSERT(*p == ' ');
		while (*p == ' ')
			p++;
		KT_ASSERT(*p >= '0' && *p <= '9');
		for (v[i] = 0; *p >= '0' && *p <= '9'; p++)
			v[i] = v[i] * 10 + (unsigned long long)(*p - '0');
	}
	KT_EXPECT(*p == '\n');	/* other devices (fake0) may follow */
	KT_EXPECT(v[0] == s.rx_bytes && v[1] == s.rx_packets && v[3] == s.rx_dropped);
	KT_EXPECT(v[8] == s.tx_bytes && v[9] == s.tx_packets && v[11] == s.tx_dropped);
	KT_EXPECT(v[1] > 0 && v[9] > 0);	/* the ARP exchange above */
	free_page(pg);
}

/*
 * A device that lies, through a fake virtio-net device whose used rings
 * the test writes: ids out of range or naming buffers the device does
 * not hold are ignored and counted, lengths shorter than the header or
 * longer than the buffer are drops, a transmit buffer returned twice is
 * not freed twice, and a used index far ahead costs at most a ring's
 * worth of work per interrupt. Needs no hardware.
 */
KTEST(net_virtio_hostile)
{
	struct netdev *dev = virtio_net_fake(8);
	u8 *buf = kmalloc(ETH_FRAME_MAX, GFP_KERNEL), frame[60];

	if (!dev || !buf) {
		KT_EXPECT(dev && buf);
		kfree(buf);
		return;
	}
	struct netdev_stats s0 = dev->stats;
	u64 bad0 = virtio_net_bad_used(dev);

	static const struct { u32 id, len; } lies[] = {
		{ 8, 100 }, { 0xffffffff, 100 },	/* no such descriptor */
		{ 1, 0 }, { 2, 11 },			/* shorter than the header */
		{ 3, 12 + 13 },				/* shorter than Ethernet's */
		{ 4, 2049 }, { 5, 0xffffffff },		/* longer than the buffer */
	};
	for (size_t i = 0; i < ARRAY_SIZE(lies); i++)
		virtio_net_fake_used(dev, 0, lies[i].id, lies[i].len);
	u8 *b = virtio_net_fake_used(dev, 0, 6, 12 + 60);
	KT_ASSERT(b);
	for (int i = 0; i < 60; i++)
		b[12 + i] = (u8)(i * 3 + 1);
	virtio_net_fake_irq(dev, 0);
	KT_EXPECT(virtio_net_bad_used(dev) - bad0 == 2);
	KT_EXPECT(dev->stats.rx_dropped - s0.rx_dropped == 5);
	KT_EXPECT(dev->stats.rx_packets - s0.rx_packets == 1);
	size_t len = netdev_rx_take(dev, buf);
	KT_EXPECT(len == 60);
	bool same = len == 60;
	for (size_t i = 0; same && i < 60; i++)
		same = buf[i] == (u8)(i * 3 + 1);
	KT_EXPECT(same);
	KT_EXPECT(netdev_rx_take(dev, buf) == 0);

	/* transmit: descriptor 0 goes out; the device returns it, then
	 * again, then one out of range, then one it never had */
	for (int i = 0; i < 60; i++)
		frame[i] = (u8)(0xa0 + i);
	KT_ASSERT_EQ(netdev_xmit(dev, frame, 60), 0);
	bad0 = virtio_net_bad_used(dev);
	b = virtio_net_fake_used(dev, 1, 0, 0);
	KT_ASSERT(b);
	KT_EXPECT(!memcmp(b, "\0\0\0\0\0\0\0\0\0\0\0\0", 12) && !memcmp(b + 12, frame, 60));
	virtio_net_fake_used(dev, 1, 0, 0);
	virtio_net_fake_used(dev, 1, 8, 0);
	virtio_net_fake_used(dev, 1, 5, 0);
	virtio_net_fake_irq(dev, 1);
	KT_EXPECT(virtio_net_bad_used(dev) - bad0 == 3);
	int sent = 0;
	while (sent < 16 && netdev_xmit(dev, frame, 60) == 0)
		sent++;
	KT_EXPECT(sent == 8);	/* the ring's size: nothing was freed twice */

	/* the used index 40000 ahead: old entries seen again, a ring's
	 * worth (8) per interrupt at most */
	s0 = dev->stats;
	bad0 = virtio_net_bad_used(dev);
	virtio_net_fake_skew(dev, 0, 40000);
	virtio_net_fake_irq(dev, 0);
	u64 seen = (dev->stats.rx_packets - s0.rx_packets) +
		   (dev->stats.rx_dropped - s0.rx_dropped) + (virtio_net_bad_used(dev) - bad0);
	KT_EXPECT(seen == 8);
	bad0 = virtio_net_bad_used(dev);
	virtio_net_fake_skew(dev, 1, 40000);
	virtio_net_fake_irq(dev, 1);	/* all 8 held: old ids free some, once */
	KT_EXPECT(virtio_net_bad_used(dev) - bad0 <= 8);
	while (netdev_rx_take(dev, buf))
		;
	kfree(buf);
}
