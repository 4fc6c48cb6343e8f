/*
 * lwIP's configuration for Alloy (docs/net.md, "The TCP/IP stack").
 *
 * NO_SYS: lwIP has no threads of its own. Every call into lwIP, and every
 * callback out of it, happens with inet_lock held (kernel/net/inet/
 * sys_arch.c): from a socket call, or from the "netd" kernel thread that
 * runs the timers and feeds received frames in. So lwIP needs no
 * protection of its own (SYS_LIGHTWEIGHT_PROT 0).
 *
 * Memory is lwIP's static pools and heap, all in .bss, sized here: the
 * stack never allocates in proportion to what a peer sends; when a pool
 * is empty lwIP drops the packet (TCP retransmits).
 */
#ifndef ALLOY_LWIPOPTS_H
#define ALLOY_LWIPOPTS_H

#define NO_SYS 1
/* lwIP names the kernel has too */
#define mem_init lwip_mem_init
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_RAW 1		/* raw and ping sockets (kernel/net/inet_raw.c) */
#define MEMP_NUM_RAW_PCB 64
#define LWIP_STATS 0
#define LWIP_TIMERS 1

/* Memory: a 4 MiB heap (PBUF_RAM: segments being sent, loopback copies,
 * lwIP's own small objects) and fixed pools. */
#define MEM_ALIGNMENT 8
#define MEM_SIZE (4 * 1024 * 1024)
#define MEMP_NUM_PBUF 128		/* PBUF_REF/ROM headers */
#define MEMP_NUM_UDP_PCB 64
#define MEMP_NUM_TCP_PCB 256		/* connections, TIME_WAIT included */
#define MEMP_NUM_TCP_PCB_LISTEN 32
#define MEMP_NUM_TCP_SEG 1024		/* queued segments, all connections */
#define MEMP_NUM_REASSDATA 8
#define MEMP_NUM_FRAG_PBUF 32
#define MEMP_NUM_ARP_QUEUE 32
#define MEMP_NUM_ND6_QUEUE 32
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 4)
#define PBUF_POOL_SIZE 256		/* received Ethernet frames */
#define PBUF_POOL_BUFSIZE 1536

/* Protocols */
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define LWIP_IPV6_MLD 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_FRAG 1
#define IPV6_FRAG_COPYHEADER 1	/* 64-bit pointers do not fit in the header */
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_LOOPBACK_MAX_PBUFS 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1
#define SO_REUSE 1
#define LWIP_SO_RCVBUF 0

/* TCP: a 192 KiB window (scaled), 8 KiB segments on loopback (Ethernet's
 * MTU clamps them to 1460), a 256 KiB send buffer per connection. */
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 2
#define TCP_MSS 8192
#define TCP_WND (192 * 1024)
#define TCP_SND_BUF (256 * 1024)
#define TCP_SND_QUEUELEN 512
#define TCP_SNDLOWAT (16 * 1024)
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 2)
/* A window update as soon as the reader has freed 8 KiB. lwIP's default
 * (a quarter of TCP_WND, at most 4 * TCP_MSS: 32 KiB) is half the whole
 * window of a peer without window scaling (QEMU's slirp): a batch of 22
 * segments read at once then never reopened it, and the peer sent half
 * windows, one per round trip. */
#define TCP_WND_UPDATE_THRESHOLD (8 * 1024)
#define TCP_QUEUE_OOSEQ 1
#define TCP_OOSEQ_MAX_BYTES (64 * 1024)
#define TCP_OOSEQ_MAX_PBUFS 64
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 128
#define LWIP_TCP_KEEPALIVE 1
#define TCP_OVERSIZE TCP_MSS
#define LWIP_TCP_TIMESTAMPS 0
#define LWIP_CALLBACK_API 1
#define LWIP_EVENT_API 0

/* netd.c acknowledges the segments of a received batch once, at its end */
struct tcp_pcb;
struct tcp_hdr;
struct pbuf;
signed char inet_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr, struct pbuf *p);
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
	inet_tcp_inpacket(pcb, hdr, p)

/* netd.c shows packets delivered through the loopback to packet sockets */
struct pbuf;
struct netif;
int inet_ip_input_hook(struct pbuf *p, struct netif *inp);
#define LWIP_HOOK_IP4_INPUT(p, inp) inet_ip_input_hook(p, inp)
#define LWIP_HOOK_IP6_INPUT(p, inp) inet_ip_input_hook(p, inp)
/* netns.c: what lwIP answers while taking in a packet of a new network
 * namespace goes back on that namespace's loopback */
struct netif *inet_route_hook(void);
#define LWIP_HOOK_IP4_ROUTE_SRC(src, dest) inet_route_hook()

#define LWIP_CHKSUM_ALGORITHM 3
#define LWIP_NOASSERT_ON_ERROR 1

#endif
