/*
 * /proc/net/dev, as Linux's (net/core/net-procfs.c): two header lines,
 * then a line per interface from its netdev stats. Columns Alloy does not
 * count (errs, fifo, frame, compressed, multicast, colls, carrier) are 0.
 */
#include <alloy/compiler.h>
#include <alloy/netdev.h>
#include "../fs/procfs.h"

static void dev_line(struct pbuf *b, const char *name, const struct netdev_stats *s)
{
	pbuf_printf(b, "%6s: %7llu %7llu %4llu %4llu %4llu %5llu %10llu %9llu "
		    "%8llu %7llu %4llu %4llu %4llu %5llu %7llu %10llu\n", name,
		    (unsigned long long)s->rx_bytes, (unsigned long long)s->rx_packets,
		    0ull, (unsigned long long)s->rx_dropped, 0ull, 0ull, 0ull, 0ull,
		    (unsigned long long)s->tx_bytes, (unsigned long long)s->tx_packets,
		    0ull, (unsigned long long)s->tx_dropped, 0ull, 0ull, 0ull, 0ull);
}

int netdev_proc_show(struct pbuf *b)
{
	static const struct netdev_stats none;
	struct netdev *dev;

	pbuf_puts(b, "Inter-|   Receive                                                |  Transmit\n"
		  " face |bytes    packets errs drop fifo frame compressed multicast|"
		  "bytes    packets errs drop fifo colls carrier compressed\n");
	dev_line(b, "lo", &none);	/* loopback: the TCP/IP stack's, when it has one */
	for (int i = 0; (dev = netdev_get(i)); i++) {
		struct netdev_stats s;
		/* each counter is one aligned word: a read is never torn */
		s.rx_bytes = READ_ONCE(dev->stats.rx_bytes);
		s.rx_packets = READ_ONCE(dev->stats.rx_packets);
		s.rx_dropped = READ_ONCE(dev->stats.rx_dropped);
		s.tx_bytes = READ_ONCE(dev->stats.tx_bytes);
		s.tx_packets = READ_ONCE(dev->stats.tx_packets);
		s.tx_dropped = READ_ONCE(dev->stats.tx_dropped);
		dev_line(b, dev->name, &s);
	}
	return 0;
}
