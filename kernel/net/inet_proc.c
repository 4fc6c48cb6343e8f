/*
 * /proc/net/{tcp,udp,tcp6,udp6} in Linux's format (busybox netstat reads
 * them; /proc/net/dev is kernel/net/netdev_proc.c). Apart from inet.c
 * because procfs's `struct pbuf` is not lwIP's (kernel/net/inet/inet.h).
 */
#include <alloy/errno.h>
#include <alloy/slab.h>
#include "../fs/procfs.h"
#include "inet/inet.h"

#define ROWS_MAX 1024		/* sockets shown per read; lwIP has fewer */

int inet_proc_show(struct pbuf *b, int kind)
{
	bool tcp = kind == PK_NET_TCP || kind == PK_NET_TCP6;
	bool v6 = kind == PK_NET_TCP6 || kind == PK_NET_UDP6;
	struct inet_row *rows = kmalloc(ROWS_MAX * sizeof(*rows), GFP_KERNEL);

	if (!rows)
		return -ENOMEM;
	int n = inet_proc_rows(tcp, v6, rows, ROWS_MAX);
	if (v6)
		pbuf_puts(b, "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
	else if (tcp)
		pbuf_puts(b, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
	else
		pbuf_puts(b, "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n");
	for (int i = 0; i < n; i++) {
		struct inet_row *r = &rows[i];
		pbuf_printf(b, tcp ? "%4d: " : "%5d: ", i);
		if (v6)
			pbuf_printf(b, "%08X%08X%08X%08X:%04X %08X%08X%08X%08X:%04X ",
				    r->laddr[0], r->laddr[1], r->laddr[2], r->laddr[3], r->lport,
				    r->raddr[0], r->raddr[1], r->raddr[2], r->raddr[3], r->rport);
		else
			pbuf_printf(b, "%08X:%04X %08X:%04X ", r->laddr[0], r->lport, r->raddr[0],
				    r->rport);
		pbuf_printf(b, "%02X %08X:%08X 00:00000000 00000000 %5u %8d %lu", r->state, r->txq,
			    r->rxq, 0u, 0, (unsigned long)r->ino);
		pbuf_puts(b, tcp ? " 1 0000000000000000 100 0 0 10 0\n" : " 2 0000000000000000 0\n");
	}
	kfree(rows);
	return 0;
}
