/*
 * Network devices (<alloy/netdev.h>; docs/net.md): the registry and each
 * device's receive queue, the seam between drivers and the TCP/IP stack.
 *
 * The receive queue is a ring of NETDEV_RXQ_MAX frame slots allocated
 * when the device registers (about 380 KiB), so a flood of frames costs
 * drops, never memory. Its lock is taken with interrupts off (drivers
 * queue from their interrupt handlers) and is never held across a call
 * into a driver or the stack.
 */
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/netdev.h>
#include <alloy/printf.h>
#include <alloy/printk.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>

#define NETDEV_MAX 4

struct rx_slot {
	u16 len;
	u8 data[ETH_FRAME_MAX];
};

struct netdev_core {
	spinlock_t lock;		/* LR_NETDEV: head, count, stats */
	unsigned int head, count;	/* oldest slot, slots in use */
	struct rx_slot *slots;		/* NETDEV_RXQ_MAX */
};

static struct netdev *devices[NETDEV_MAX];
static int ndevices;
static spinlock_t registry_lock = SPINLOCK_INIT("netdev_registry", LR_NETDEV);
static void (*rx_notify)(void *arg);
static void *rx_notify_arg;

int netdev_register(struct netdev *dev)
{
	struct netdev_core *c = kzalloc(sizeof(*c), GFP_KERNEL);
	unsigned long flags;
	int i;

	if (!c)
		return -ENOMEM;
	c->slots = kmalloc(sizeof(struct rx_slot) * NETDEV_RXQ_MAX, GFP_KERNEL);
	if (!c->slots) {
		kfree(c);
		return -ENOMEM;
	}
	spin_lock_init(&c->lock, "netdev_rxq", LR_NETDEV);
	dev->core = c;
	if (!dev->mtu)
		dev->mtu = 1500;
	flags = spin_lock_irqsave(&registry_lock);
	if (ndevices == NETDEV_MAX) {
		spin_unlock_irqrestore(&registry_lock, flags);
		kfree(c->slots);
		kfree(c);
		dev->core = NULL;
		return -ENOSPC;
	}
	i = ndevices;
	if (!dev->name[0])
		snprintf(dev->name, sizeof(dev->name), "eth%d", i);
	devices[i] = dev;
	ndevices = i + 1;	/* published after the slot is filled */
	spin_unlock_irqrestore(&registry_lock, flags);
	pr_info("netdev: %s %02x:%02x:%02x:%02x:%02x:%02x mtu %u\n", dev->name,
	       dev->mac[0], dev->mac[1], dev->mac[2], dev->mac[3], dev->mac[4],
	       dev->mac[5], dev->mtu);
	return 0;
}

struct netdev *netdev_get(int i)
{
	struct netdev *dev = NULL;
	unsigned long flags = spin_lock_irqsave(&registry_lock);

	if (i >= 0 && i < ndevices)
		dev = devices[i];
	spin_unlock_irqrestore(&registry_lock, flags);
	return dev;
}

void netdev_set_rx_notify(void (*fn)(void *arg), void *arg)
{
	unsigned long flags = spin_lock_irqsave(&registry_lock);

	rx_notify_arg = arg;
	rx_notify = fn;
	spin_unlock_irqrestore(&registry_lock, flags);
}

void netdev_rx(struct netdev *dev, const void *frame, size_t len)
{
	struct netdev_core *c = dev->core;
	void (*fn)(void *);
	void *arg;
	unsigned long flags;

	flags = spin_lock_irqsave(&c->lock);
	if (len < ETH_HLEN || len > ETH_FRAME_MAX || c->count == NETDEV_RXQ_MAX) {
		dev->stats.rx_dropped++;
		spin_unlock_irqrestore(&c->lock, flags);
		return;
	}
	struct rx_slot *s = &c->slots[(c->head + c->count) % NETDEV_RXQ_MAX];

	memcpy(s->data, frame, len);
	s->len = (u16)len;
	c->count++;
	dev->stats.rx_packets++;
	dev->stats.rx_bytes += len;
	spin_unlock_irqrestore(&c->lock, flags);

	flags = spin_lock_irqsave(&registry_lock);
	fn = rx_notify;
	arg = rx_notify_arg;
	spin_unlock_irqrestore(&registry_lock, flags);
	if (fn)
		fn(arg);
}

size_t netdev_rx_take(struct netdev *dev, void *buf)
{
	struct netdev_core *c = dev->core;
	unsigned long flags = spin_lock_irqsave(&c->lock);
	size_t len = 0;

	if (c->count) {
		struct rx_slot *s = &c->slots[c->head];

		len = s->len;
		memcpy(buf, s->data, len);
		c->head = (c->head + 1) % NETDEV_RXQ_MAX;
		c->count--;
	}
	spin_unlock_irqrestore(&c->lock, flags);
	return len;
}

int netdev_xmit(struct netdev *dev, const void *frame, size_t len)
{
	int err = -EINVAL;
	unsigned long flags;

	if (len >= ETH_HLEN && len <= ETH_FRAME_MAX)
		err = dev->ops->xmit(dev, frame, len);
	flags = spin_lock_irqsave(&dev->core->lock);
	if (err) {
		dev->stats.tx_dropped++;
	} else {
		dev->stats.tx_packets++;
		dev->stats.tx_bytes += len;
	}
	spin_unlock_irqrestore(&dev->core->lock, flags);
	return err;
}
