/*
 * lwIP's thread and interfaces (docs/net.md, "The TCP/IP stack").
 *
 * lwIP runs with NO_SYS=1: it has no threads; inet_lock (a mutex, rank
 * LR_MUTEX_INET) serialises every call into it. The "netd" kernel thread
 * runs lwIP's timers (sys_check_timeouts) and feeds frames that network
 * devices received (netdev_rx_take) into their interfaces; it sleeps
 * until the next timer is due or netdev's receive notification wakes it.
 *
 * Interfaces: lwIP's loopback (127.0.0.1, ::1), and, if a network device
 * exists at start-up, an Ethernet interface on netdev 0, configured from
 * the command line: ip=addr::gw:mask (Linux's nfsroot syntax; the fields
 * after the mask are ignored) or ip=dhcp; DHCP when ip= is absent.
 */
#include <alloy/cmdline.h>
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/mutex.h>
#include <alloy/netdev.h>
#include <alloy/netlink.h>
#include <alloy/packet.h>
#include <alloy/printk.h>
#include <alloy/socket.h>
#include <alloy/sched.h>
#include <alloy/string.h>
#include <alloy/wait.h>
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "glue.h"
#include "inet.h"
#include "iface.h"
#include "netns.h"
#include <alloy/net_ns.h>
#include <alloy/uaccess.h>

#define NETD_BATCH 64		/* frames per device between timer checks */
#define LOOP_ROUNDS 64		/* loopback deliveries per unlock */

static struct mutex lock;
static struct wait_queue netd_wq = WAIT_QUEUE_INIT(netd_wq, "netd");
static bool netd_kicked;
static u64 netd_deadline;	/* ktime_ns when netd wakes anyway [lock] */
static struct netif eth;
static struct netdev *eth_dev;
static u8 txbuf[ETH_FRAME_MAX];	/* one frame being sent [lock] */
static u8 rxbuf[ETH_FRAME_MAX];	/* one frame being received [lock] */

static void netd_kick(void)
{
	WRITE_ONCE(netd_kicked, true);
	wake_up_all(&netd_wq);
}

void inet_kick(void)
{
	netd_kick();
}

void inet_lock(void)
{
	mutex_lock(&lock);
}

static bool loop_pending(void)
{
	struct netif *n;

	NETIF_FOREACH(n)
		if (n->loop_first)
			return true;
	return false;
}

void inet_unlock(void)
{
	for (int i = 0; i < LOOP_ROUNDS && loop_pending(); i++)
		netif_poll_all();
	u32 ms = sys_timeouts_sleeptime();
	bool kick = loop_pending() ||
		    (ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE && ktime_ns() + (u64)ms * 1000000 < netd_deadline);
	mutex_unlock(&lock);
	if (kick)
		netd_kick();
}

static void rx_notify(void *arg)
{
	(void)arg;
	netd_kick();
}

/*
 * Acknowledgements per batch: lwIP acknowledges every second segment and
 * delays the ACK of a lone one by up to 250 ms (its fast timer). QEMU's
 * slirp starts every connection with a one-segment window and opens it by
 * one segment per ACK it gets, so each connection began with that 250 ms
 * wait, and the window then grows only as fast as ACKs come back. Here a
 * TCP segment that came in on the Ethernet interface is acknowledged by
 * itself only every ACK_EVERY segments of a connection within a batch;
 * the connection is noted, and once the batch is fed in, one ACK goes to
 * each connection that still owes one, so nothing waits for the timer.
 * Segments lwIP answers at once (out of order, FIN, window probes) are
 * still answered at once. Noted connections are only compared by
 * address, never dereferenced: one may be freed by the time the batch
 * ends.
 */
#define ACK_EVERY 2
#define ACK_NOTED 16
static bool eth_batch;				/* [lock] eth_poll is feeding */
static struct tcp_pcb *ack_noted[ACK_NOTED];	/* [lock] */
static u32 ack_segs[ACK_NOTED];			/* [lock] segments in this batch */
static int nr_ack_noted;			/* [lock]; > ACK_NOTED: all */

/* [lock] lwIP's LWIP_HOOK_TCP_INPACKET_PCB: before pcb processes a segment
 * (or drops it, if it came from another network namespace). */
s8_t inet_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr, struct pbuf *p)
{
	int i;

	if (inet_pcb_foreign(pcb->netif_idx)) {
		/* another network namespace's segment: not for pcb. Answered
		 * as lwIP answers one no pcb wants (a reset, which goes back on
		 * the namespace's own loopback: netns.c), then dropped; the
		 * header's fields are in host order here */
		u8_t fl = TCPH_FLAGS(hdr);
		if (!(fl & TCP_RST))
			tcp_rst(NULL, hdr->ackno,
				hdr->seqno + p->tot_len + ((fl & (TCP_FIN | TCP_SYN)) ? 1 : 0),
				ip_current_dest_addr(), ip_current_src_addr(), hdr->dest, hdr->src);
		return ERR_ABRT;
	}
	if (!eth_batch || pcb->state == LISTEN || pcb->state == TIME_WAIT ||
	    pcb->state == CLOSED)
		return ERR_OK;	/* (a listen pcb has no flags field) */
	for (i = 0; i < nr_ack_noted && i < ACK_NOTED; i++)
		if (ack_noted[i] == pcb)
			break;
	if (i == nr_ack_noted) {	/* not noted yet */
		if (i < ACK_NOTED) {
			ack_noted[i] = pcb;
			ack_segs[i] = 0;
		}
		nr_ack_noted++;		/* ACK_NOTED + 1: too many, all */
	}
	if (i < ACK_NOTED && ++ack_segs[i] % ACK_EVERY == 0)
		return ERR_OK;	/* lwIP's tcp_ack() acknowledges this one now */
	/* tcp_ack() will then note a delayed ACK rather than send one */
	tcp_clear_flags(pcb, TF_ACK_DELAY);
	return ERR_OK;
}

/* [lock] Sends the ACKs the batch deferred. */
static void eth_ack_batch(void)
{
	for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb && nr_ack_noted; pcb = pcb->next) {
		if (!(pcb->flags & TF_ACK_DELAY))
			continue;
		bool noted = nr_ack_noted > ACK_NOTED;
		for (int i = 0; !noted && i < nr_ack_noted; i++)
			noted = ack_noted[i] == pcb;
		if (noted) {
			tcp_ack_now(pcb);
			tcp_output(pcb);	/* clears the flags once sent; else the timer retries */
		}
	}
	nr_ack_noted = 0;
}

/* What a received frame is to us, by its destination (Linux's pkttype). */
static u8 rx_pkttype(const u8 *frame)
{
	static const u8 bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (!memcmp(frame, bcast, ETH_ALEN))
		return PACKET_BROADCAST;
	if (frame[0] & 1)
		return PACKET_MULTICAST;
	return memcmp(frame, eth_dev->mac, ETH_ALEN) ? PACKET_OTHERHOST : PACKET_HOST;
}

/* [lock] Feeds what netdev 0 queued into lwIP, at most a batch. */
static void eth_poll(void)
{
	int i;

	eth_batch = true;
	for (i = 0; eth_dev && i < NETD_BATCH; i++) {
		size_t len = netdev_rx_take(eth_dev, rxbuf);
		if (!len)
			break;
		if (packet_listening())
			packet_tap(netif_get_index(&eth), 1 /* ARPHRD_ETHER */, rxbuf, len,
				   rx_pkttype(rxbuf));
		struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
		if (!p)
			continue;	/* pool empty: dropped, as a full ring would */
		pbuf_take(p, rxbuf, (u16_t)len);
		if (eth.input(p, &eth) != ERR_OK)
			pbuf_free(p);
	}
	eth_batch = false;
	eth_ack_batch();
	if (i == NETD_BATCH)
		WRITE_ONCE(netd_kicked, true);	/* maybe more: look again */
}

/* [lock] A digest of what the netlink listeners are told of (each
 * interface's IPv4 address, mask, gateway, flags and MTU): lwIP changes
 * some by itself (DHCP, the carrier). */
static u64 netif_digest(void)
{
	struct netif *n;
	u64 h = 0;

	NETIF_FOREACH(n) {
		h = h * 1000003 + ip4_addr_get_u32(netif_ip4_addr(n));
		h = h * 1000003 + ip4_addr_get_u32(netif_ip4_netmask(n));
		h = h * 1000003 + ip4_addr_get_u32(netif_ip4_gw(n));
		h = h * 1000003 + ((u64)n->flags << 16 | n->mtu);
	}
	return h;
}

static void netd(void *arg)
{
	u64 seen = 0;

	(void)arg;
	for (;;) {
		WRITE_ONCE(netd_kicked, false);
		inet_lock();
		inet_netns_reap();	/* network namespaces gone */
		eth_poll();
		sys_check_timeouts();
		netif_poll_all();
		u32 ms = sys_timeouts_sleeptime();
		u64 wait = ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? 1000000000ULL : (u64)ms * 1000000 + 1;
		netd_deadline = ktime_ns() + wait;
		u64 now = netif_digest();
		inet_unlock();
		if (now != seen) {
			seen = now;
			rtnl_changed();	/* a lease taken or lost: told like a change made */
		}
		wait_event_timeout(netd_wq, READ_ONCE(netd_kicked), wait);
	}
}

/* ---- the Ethernet interface on netdev 0 */

static err_t eth_linkoutput(struct netif *n, struct pbuf *p)
{
	if (p->tot_len > sizeof(txbuf))
		return ERR_BUF;
	pbuf_copy_partial(p, txbuf, p->tot_len, 0);
	if (packet_listening())
		packet_tap(netif_get_index(n), 1 /* ARPHRD_ETHER */, txbuf, p->tot_len,
			   PACKET_OUTGOING);
	netdev_xmit(eth_dev, txbuf, p->tot_len);	/* a full ring drops it */
	return ERR_OK;
}

/* The initial namespace's interfaces never send what lwIP answers to a
 * packet another namespace's interface took in (netns.c). */
static err_t eth_output4(struct netif *n, struct pbuf *p, const ip4_addr_t *a)
{
	return inet_crosses(n) ? ERR_OK : etharp_output(n, p, a);
}

static err_t eth_output6(struct netif *n, struct pbuf *p, const ip6_addr_t *a)
{
	return inet_crosses(n) ? ERR_OK : ethip6_output(n, p, a);
}

static netif_output_fn lo_out4;
static netif_output_ip6_fn lo_out6;

static err_t lo_output4(struct netif *n, struct pbuf *p, const ip4_addr_t *a)
{
	return inet_crosses(n) ? ERR_OK : lo_out4(n, p, a);
}

static err_t lo_output6(struct netif *n, struct pbuf *p, const ip6_addr_t *a)
{
	return inet_crosses(n) ? ERR_OK : lo_out6(n, p, a);
}

static err_t eth_netif_init(struct netif *n)
{
	n->name[0] = 'e';
	n->name[1] = 'n';
	n->linkoutput = eth_linkoutput;
	n->output = eth_output4;
	n->output_ip6 = eth_output6;
	n->mtu = eth_dev->mtu ? eth_dev->mtu : 1500;
	n->hwaddr_len = ETH_ALEN;
	memcpy(n->hwaddr, eth_dev->mac, ETH_ALEN);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
	return ERR_OK;
}

/* "a.b.c.d" into *a; false if it is not one. */
static bool parse_ip4(const char *s, size_t len, ip4_addr_t *a)
{
	u32 v = 0, part = 0;
	int dots = 0, digits = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (!digits || ++dots > 3)
				return false;
			v = v << 8 | part;
			part = 0;
			digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
			part = part * 10 + (u32)(s[i] - '0');
			digits++;
			if (part > 255)
				return false;
		} else {
			return false;
		}
	}
	if (dots != 3 || !digits)
		return false;
	ip4_addr_set_u32(a, lwip_htonl(v << 8 | part));
	return true;
}

/* ip=addr:server:gw:mask[:...]: field i of the option, or an empty one. */
static bool ip_field(const char *opt, int i, const char **s, size_t *len)
{
	for (; i > 0 && *opt; opt++)
		if (*opt == ':')
			i--;
	if (i)
		return false;
	*s = opt;
	*len = 0;
	while (opt[*len] && opt[*len] != ':' && opt[*len] != ' ')
		(*len)++;
	return *len > 0;
}

static void eth_up(void)
{
	const char *opt = cmdline_get("ip");
	ip4_addr_t addr, mask, gw;
	const char *f;
	size_t n;
	bool dhcp = !opt || !strncmp(opt, "dhcp", 4);

	ip4_addr_set_zero(&addr);
	ip4_addr_set_zero(&mask);
	ip4_addr_set_zero(&gw);
	if (!dhcp) {
		if (!ip_field(opt, 0, &f, &n) || !parse_ip4(f, n, &addr)) {
			pr_warn("net: ip=%s: no address; using DHCP\n", opt);
			dhcp = true;
		} else {
			if (ip_field(opt, 2, &f, &n))
				parse_ip4(f, n, &gw);
			if (!ip_field(opt, 3, &f, &n) || !parse_ip4(f, n, &mask))
				IP4_ADDR(&mask, 255, 255, 255, 0);
		}
	}
	if (!netif_add(&eth, &addr, &mask, &gw, NULL, eth_netif_init, ethernet_input)) {
		pr_warn("net: %s: lwIP refused the interface\n", eth_dev->name);
		eth_dev = NULL;
		return;
	}
	netif_create_ip6_linklocal_address(&eth, 1);
	netif_set_default(&eth);
	netif_set_up(&eth);
	netif_set_link_up(&eth);
	if (dhcp)
		dhcp_start(&eth);
	pr_info("net: %s up (%s)\n", eth_dev->name, dhcp ? "DHCP" : opt);
}

/* ---- the loopback as packet sockets see it: each packet as a frame with
 * a zero Ethernet header, once going out and once coming in, as Linux's lo */

static struct netif *lo_if;

/* [lock] lwIP's LWIP_HOOK_IP4_INPUT/IP6_INPUT: every packet it takes in.
 * What came through a loopback queue (lo's, or eth0's own address
 * outside a batch of received frames: Linux routes that through lo) is
 * shown on lo, once going out and once coming in, with a zero Ethernet
 * header. The packet goes on either way. */
int inet_ip_input_hook(struct pbuf *p, struct netif *inp)
{
	bool child = inet_if_child(inp);

	if (child && !inet_child_input_ok(p)) {
		pbuf_free(p);	/* a new namespace's loopback takes 127/8 only */
		return 1;
	}
	if (!packet_listening() || (!child && inp != lo_if && (inp != &eth || eth_batch)))
		return 0;
	if (p->tot_len > sizeof(txbuf) - ETH_HLEN)
		return 0;	/* (lwIP's loopback packets fit its MTU) */
	u8 v = p->len ? *(const u8 *)p->payload >> 4 : 0;
	memset(txbuf, 0, ETH_HLEN);
	txbuf[12] = v == 6 ? 0x86 : 0x08;
	txbuf[13] = v == 6 ? 0xdd : 0x00;
	pbuf_copy_partial(p, txbuf + ETH_HLEN, p->tot_len, 0);
	int idx = netif_get_index(child ? inp : lo_if);
	packet_tap(idx, 772 /* ARPHRD_LOOPBACK */, txbuf, p->tot_len + ETH_HLEN, PACKET_OUTGOING);
	packet_tap(idx, 772, txbuf, p->tot_len + ETH_HLEN, PACKET_HOST);
	return 0;
}

/* [lock] A frame a packet socket sends on the loopback: its packet goes
 * into the stack as received (and to the taps, as lwIP's own). */
int inet_lo_inject(struct netif *lo, const u8 *frame, size_t len)
{
	if (len < ETH_HLEN || len - ETH_HLEN > 0xffff)
		return -EINVAL;
	u16 type = (u16)(frame[12] << 8 | frame[13]);
	if (type != 0x0800 && type != 0x86dd) {
		/* nothing else is spoken here: shown, then dropped */
		packet_tap(netif_get_index(lo), 772, frame, len, PACKET_OUTGOING);
		packet_tap(netif_get_index(lo), 772, frame, len, PACKET_HOST);
		return 0;
	}
	/* the input hook shows it */
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)(len - ETH_HLEN), PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	pbuf_take(p, frame + ETH_HLEN, (u16_t)(len - ETH_HLEN));
	if (lo->input(p, lo) != ERR_OK)
		pbuf_free(p);
	return 0;
}

/* [lock] The Ethernet frame a packet socket sends on eth0 (and its taps). */
int inet_eth_xmit(const u8 *frame, size_t len)
{
	if (!eth_dev)
		return -ENXIO;
	packet_tap(netif_get_index(&eth), 1, frame, len, PACKET_OUTGOING);
	return netdev_xmit(eth_dev, frame, len) < 0 ? -ENOBUFS : 0;
}

void inet_init(void)
{
	mutex_init(&lock, "inet", LR_MUTEX_INET);
	inet_lock();
	lwip_init();	/* the loopback interface too (LWIP_HAVE_LOOPIF) */
	lo_if = netif_get_by_index(1);
	lo_out4 = lo_if->output;
	lo_out6 = lo_if->output_ip6;
	lo_if->output = lo_output4;
	lo_if->output_ip6 = lo_output6;
	eth_dev = netdev_get(0);
	const char *ip = cmdline_get("ip");
	if (eth_dev && ip && (!strcmp(ip, "off") || !strcmp(ip, "none"))) {
		/* as Linux's ip=off; the net_* ktests drive the device alone */
		pr_info("net: %s left alone (ip=%s)\n", eth_dev->name, ip);
		eth_dev = NULL;
	}
	if (eth_dev)
		eth_up();
	inet_unlock();
	netdev_set_rx_notify(rx_notify, NULL);
	/* on CPU 0, which takes eth0's interrupts (virtio_net.c routes device
	 * n's to CPU n % nr_cpus): the interrupt's wakeup of netd is then a
	 * switch on the same CPU at the interrupt's end, not an IPI to
	 * another CPU that may be asleep (under emulation, a host thread to
	 * wake: milliseconds when the host is loaded) */
	if (!kthread_create_on(0, netd, NULL, "netd"))
		panic("net: no netd thread\n");
}

/* ---- interface ioctls (SIOCGIF*), as Linux's for what busybox ifconfig asks */

#define SIOCGIFNAME 0x8910
#define SIOCGIFCONF 0x8912
#define SIOCGIFFLAGS 0x8913
#define SIOCGIFADDR 0x8915
#define SIOCGIFBRDADDR 0x8919
#define SIOCGIFNETMASK 0x891b
#define SIOCGIFMTU 0x8921
#define SIOCGIFHWADDR 0x8927
#define SIOCGIFINDEX 0x8933
#define SIOCSIFFLAGS 0x8914
#define SIOCSIFADDR 0x8916
#define SIOCSIFNETMASK 0x891c
#define CAP_NET_ADMIN 12
#define IFNAMSIZ 16
#define IFF_UP 0x1
#define SIOCSIFMTU 0x8922
#define SIOCGIFTXQLEN 0x8942
#define TXQLEN 1000		/* what Linux's devices start with */
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772
#define ENODEV 19
#define EADDRNOTAVAIL 99

struct ifreq_k {
	char name[IFNAMSIZ];
	union {
		struct { u16 family; u8 data[14]; } sa;
		s16 flags;
		s32 ival;
		u8 pad[24];
	};
};

struct ifconf_k {
	s32 len;
	u32 pad;
	u64 buf;
};

/* [lock] An interface's name as Linux would give it: "lo", or the device's. */
const char *inet_if_name(struct netif *n)
{
	return n == &eth && eth_dev ? eth_dev->name : "lo";
}

struct netdev *inet_if_dev(struct netif *n)
{
	return n == &eth ? eth_dev : NULL;
}

/* [lock] net's interface of that name. */
static struct netif *if_by_name(struct net *net, const char *name)
{
	struct netif *n;

	NETIF_FOREACH(n)
		if (inet_if_net(n) == net && !strncmp(inet_if_name(n), name, IFNAMSIZ))
			return n;
	return NULL;
}

static void put_sin(struct ifreq_k *r, u32 addr)
{
	memset(&r->sa, 0, sizeof(r->sa));
	r->sa.family = 2;	/* AF_INET */
	memcpy(r->sa.data + 2, &addr, 4);
}

/* [lock] SIOCGIFCONF: one entry per interface with an IPv4 address. */
static long if_conf(struct net *net, u64 arg)
{
	struct ifconf_k c;
	struct netif *n;
	int used = 0;

	if (copy_from_user(&c, (void *)arg, sizeof(c)))
		return -EFAULT;
	NETIF_FOREACH(n) {
		if (inet_if_net(n) != net || ip4_addr_isany_val(*netif_ip4_addr(n)))
			continue;
		if (c.buf) {
			if (c.len - used < (int)sizeof(struct ifreq_k))
				break;
			struct ifreq_k r;
			memset(&r, 0, sizeof(r));
			strlcpy(r.name, inet_if_name(n), IFNAMSIZ);
			put_sin(&r, ip4_addr_get_u32(netif_ip4_addr(n)));
			if (copy_to_user((void *)(c.buf + (u64)used), &r, sizeof(r)))
				return -EFAULT;
		}
		used += (int)sizeof(struct ifreq_k);
	}
	c.len = used;
	return copy_to_user((void *)arg, &c, sizeof(c)) ? -EFAULT : 0;
}

/* [lock] */
static long if_get(struct net *net, u32 cmd, struct ifreq_k *r)
{
	struct netif *n;

	if (cmd == SIOCGIFNAME) {
		NETIF_FOREACH(n)
			if (inet_if_net(n) == net && inet_if_uindex(n) == r->ival) {
				strlcpy(r->name, inet_if_name(n), IFNAMSIZ);
				return 0;
			}
		return -ENODEV;
	}
	r->name[IFNAMSIZ - 1] = 0;
	if (!(n = if_by_name(net, r->name)))
		return -ENODEV;
	bool lo = n != &eth;
	switch (cmd) {
	case SIOCGIFFLAGS:
		r->flags = (s16)inet_if_flags(n);	/* the low 16 bits, as Linux */
		return 0;
	case SIOCGIFINDEX:
		r->ival = inet_if_uindex(n);
		return 0;
	case SIOCGIFMTU:
		r->ival = (s32)inet_if_mtu(n);
		return 0;
	case SIOCGIFHWADDR:
		memset(&r->sa, 0, sizeof(r->sa));
		r->sa.family = lo ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
		if (!lo)
			memcpy(r->sa.data, n->hwaddr, ETH_ALEN);
		return 0;
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR: {
		u32 a = ip4_addr_get_u32(netif_ip4_addr(n)), m = ip4_addr_get_u32(netif_ip4_netmask(n));
		if (!a)
			return -EADDRNOTAVAIL;
		put_sin(r, cmd == SIOCGIFADDR ? a : cmd == SIOCGIFNETMASK ? m : (a & m) | ~m);
		return 0;
	}
	}
	return -ENOTTY;
}

/* [lock] SIOCSIFFLAGS (IFF_UP: lwIP's netif up or down; the other flags
 * are what the interface is), SIOCSIFADDR and SIOCSIFNETMASK (IPv4). */
static long if_set(struct net *net, u32 cmd, struct ifreq_k *r)
{
	struct netif *n;
	ip4_addr_t a;
	u32 v;

	r->name[IFNAMSIZ - 1] = 0;
	if (!(n = if_by_name(net, r->name)))
		return -ENODEV;
	if (cmd == SIOCSIFFLAGS) {
		if ((r->flags & IFF_UP) && !netif_is_up(n))
			netif_set_up(n);
		else if (!(r->flags & IFF_UP) && netif_is_up(n))
			netif_set_down(n);
		return 0;
	}
	if (r->sa.family != 2)	/* AF_INET */
		return -EINVAL;
	if (inet_if_child(n))
		return -EOPNOTSUPP;	/* a new namespace's loopback keeps 127.0.0.1/8 */
	memcpy(&v, r->sa.data + 2, 4);
	ip4_addr_set_u32(&a, v);
	if (cmd == SIOCSIFADDR) {
		netif_set_ipaddr(n, &a);
		return 0;
	}
	u32 h = lwip_ntohl(v);
	if (h & (~h >> 1))	/* Linux: a mask is ones then zeros */
		return -EINVAL;
	netif_set_netmask(n, &a);
	return 0;
}

long inet_dev_ioctl(struct net *net, u32 cmd, u64 arg)
{
	struct ifreq_k r;
	long rc;

	if (cmd == SIOCGIFCONF) {
		inet_lock();
		rc = if_conf(net, arg);
		inet_unlock();
		return rc;
	}
	if (cmd == SIOCSIFMTU) {
		if (copy_from_user(&r, (void *)arg, sizeof(r)))
			return -EFAULT;
		if (!sock_capable(CAP_NET_ADMIN))
			return -EPERM;
		r.name[IFNAMSIZ - 1] = 0;
		inet_lock();
		struct netif *n = if_by_name(net, r.name);
		int idx = n ? inet_if_uindex(n) : 0;
		inet_unlock();
		return idx ? iface_set_mtu(net, idx, (u32)r.ival) : -ENODEV;
	}
	if (cmd == SIOCSIFFLAGS || cmd == SIOCSIFADDR || cmd == SIOCSIFNETMASK) {
		/* as Linux: the request is read, then CAP_NET_ADMIN, then the name */
		if (copy_from_user(&r, (void *)arg, sizeof(r)))
			return -EFAULT;
		if (!sock_capable(CAP_NET_ADMIN))
			return -EPERM;
		inet_lock();
		rc = if_set(net, cmd, &r);
		inet_unlock();
		if (!rc)
			rtnl_changed();	/* the netlink listeners */
		return rc;
	}
	if (cmd == SIOCGIFTXQLEN) {
		if (copy_from_user(&r, (void *)arg, sizeof(r)))
			return -EFAULT;
		r.name[IFNAMSIZ - 1] = 0;
		inet_lock();
		struct netif *n = if_by_name(net, r.name);
		inet_unlock();
		if (!n)
			return -ENODEV;
		r.ival = TXQLEN;
		return copy_to_user((void *)arg, &r, sizeof(r)) ? -EFAULT : 0;
	}
	if (cmd >= 0x8910 && cmd <= 0x8940 && cmd != SIOCGIFNAME && cmd != SIOCGIFFLAGS &&
	    cmd != SIOCGIFINDEX && cmd != SIOCGIFMTU && cmd != SIOCGIFHWADDR && cmd != SIOCGIFADDR &&
	    cmd != SIOCGIFNETMASK && cmd != SIOCGIFBRDADDR) {
		/* setting (SIOCSIF*) and the rest: the request is read first, as
		 * Linux's dev_ioctl; nothing else can be changed after boot yet */
		if (copy_from_user(&r, (void *)arg, sizeof(r)))
			return -EFAULT;
		return -EOPNOTSUPP;
	}
	if (cmd != SIOCGIFNAME && cmd != SIOCGIFFLAGS && cmd != SIOCGIFINDEX && cmd != SIOCGIFMTU &&
	    cmd != SIOCGIFHWADDR && cmd != SIOCGIFADDR && cmd != SIOCGIFNETMASK &&
	    cmd != SIOCGIFBRDADDR)
		return -ENOTTY;
	if (copy_from_user(&r, (void *)arg, sizeof(r)))
		return -EFAULT;
	inet_lock();
	rc = if_get(net, cmd, &r);
	inet_unlock();
	if (!rc && copy_to_user((void *)arg, &r, sizeof(r)))
		rc = -EFAULT;
	return rc;
}

