/*
 * What kernel/net/inet.c (which sees lwIP's headers) offers files that do
 * not: /proc/net rows (kernel/net/inet_proc.c).
 * lwIP's `struct pbuf` and procfs's share a name, so no file includes both.
 */
#ifndef ALLOY_INET_H
#define ALLOY_INET_H

#include <alloy/types.h>

#define ECONNABORTED 103

struct inet_row {
	u32 laddr[4], raddr[4];	/* network order; IPv4 in [0] */
	u16 lport, rport;
	u8 state;		/* Linux's TCP state numbers */
	u32 txq, rxq;
	u64 ino;
};

/* Snapshots at most max sockets; their number. */
int inet_proc_rows(bool tcp, bool v6, struct inet_row *rows, int max);
/* SIOCGIF* on an inet socket (kernel/net/inet/netd.c). */
struct net;
long inet_dev_ioctl(struct net *net, u32 cmd, u64 arg);

#endif
