/*
 * virtio-net (docs/net.md): one receive and one transmit split
 * virtqueue per device over the modern PCI transport, MSI-X interrupts,
 * frames handed to and taken from the netdev layer (<alloy/netdev.h>).
 *
 * Features: VIRTIO_F_VERSION_1 and VIRTIO_NET_F_MAC only. Everything
 * else stays off: no checksum offload either way (CSUM, GUEST_CSUM), no
 * TSO/UFO, no mergeable receive buffers (MRG_RXBUF), no link status
 * (STATUS: the link is taken to be up), no control queue, no multiqueue,
 * no event index, no indirect descriptors. Every frame is then a single
 * buffer with the 12-byte virtio_net_hdr in front, all of whose fields
 * are zero on transmit and ignored on receive.
 *
 * Descriptor i of either queue always points at buffer i (VNET_BUF bytes,
 * two a page), so a descriptor is the whole unit of ownership: posted[i]
 * says the device holds it. Receive keeps every buffer posted; the
 * interrupt handler takes a used buffer off under the queue lock, hands
 * the frame to netdev_rx() with the lock dropped (netdev_rx copies it
 * and may wake the stack), then posts the buffer again. Transmit copies
 * the frame into a free buffer, or refuses with -EAGAIN when none is
 * free; used transmit buffers are reclaimed by the transmit interrupt
 * and by the next transmit. What the device writes to a used ring (an
 * id, a length) is checked before it is believed: an id out of range or
 * not posted is ignored with a ratelimited message, a length shorter
 * than the header or longer than the buffer is a counted drop.
 */
#include <alloy/errno.h>
#include <alloy/ktest.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/netdev.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/virtio.h>
#include <asm/io.h>

#define VIRTIO_NET_DEVICE_MODERN 0x1041
#define VIRTIO_NET_DEVICE_TRANSITIONAL 0x1000

#define VIRTIO_NET_F_MAC (1ULL << 5)
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1	/* the driver asks for no interrupts */

#define VNET_HDR_LEN 12		/* struct virtio_net_hdr with num_buffers */
#define VNET_BUF 2048		/* header + frame; ETH_FRAME_MAX + 12 fits */
#define VNET_MAX_QUEUE 256	/* receive buffers kept posted, at most */
#define VNET_MAX_DEVS 4
#define RXQ 0
#define TXQ 1

_Static_assert(VNET_HDR_LEN + ETH_FRAME_MAX <= VNET_BUF, "a frame fits a buffer");
_Static_assert(PAGE_SIZE % VNET_BUF == 0, "buffers do not straddle pages");

struct vnet_queue {
	spinlock_t lock;		/* everything below */
	u16 index, size;		/* queue number; entries (a power of two) */
	u16 avail_idx, last_used;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	volatile struct virtq_used *used;
	volatile u16 *notify;
	u8 **buf;			/* buffer of descriptor i */
	phys_addr_t *phys;
	bool *posted;			/* the device holds descriptor i */
	u16 *free;			/* transmit: stack of free descriptors */
	u16 nr_free;
	u64 bad_used;			/* used entries ignored: bad id */
};

struct vnet {
	struct netdev nd;
	struct virtio_pci vp;
	struct vnet_queue rx, tx;
};

static int nr_devs;

static void *zalloc_array(size_t n, size_t size)
{
	return kzalloc(n * size, GFP_KERNEL);
}

/* The rings and the buffers of q, `size` entries. */
static int queue_alloc(struct vnet_queue *q, u16 index, u16 size)
{
	size_t desc_sz = (size_t)size * sizeof(struct virtq_desc);
	size_t avail_sz = sizeof(struct virtq_avail) + (size_t)size * 2 + 2;
	size_t used_off = ALIGN_UP(desc_sz + avail_sz, 4096);
	size_t used_sz = sizeof(struct virtq_used) + (size_t)size * sizeof(struct virtq_used_elem) + 2;
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < used_off + used_sz)
		order++;
	struct page *ring = alloc_pages(GFP_ZERO, order);
	q->buf = zalloc_array(size, sizeof(*q->buf));
	q->phys = zalloc_array(size, sizeof(*q->phys));
	q->posted = zalloc_array(size, sizeof(*q->posted));
	q->free = zalloc_array(size, sizeof(*q->free));
	if (!ring || !q->buf || !q->phys || !q->posted || !q->free)
		return -ENOMEM;	/* the caller gives the device up; this leaks */
	u8 *mem = page_to_virt(ring);
	q->index = index;
	q->size = size;
	q->desc = (struct virtq_desc *)mem;
	q->avail = (struct virtq_avail *)(mem + desc_sz);
	q->used = (struct virtq_used *)(mem + used_off);
	/* page by page: nothing bigger than a page need be free at boot */
	for (u16 i = 0; i < size; i++) {
		if (i % (PAGE_SIZE / VNET_BUF) == 0) {
			struct page *p = alloc_page(GFP_ZERO);
			if (!p)
				return -ENOMEM;
			q->buf[i] = page_to_virt(p);
		} else {
			q->buf[i] = q->buf[i - 1] + VNET_BUF;
		}
		q->phys[i] = virt_to_phys(q->buf[i]);
	}
	return 0;
}

/* Puts descriptor i on the available ring (not yet published). */
static void queue_post(struct vnet_queue *q, u16 i, u32 len, u16 flags)
{
	q->desc[i] = (struct virtq_desc){ .addr = q->phys[i], .len = len, .flags = flags };
	q->posted[i] = true;
	q->avail->ring[q->avail_idx % q->size] = i;
	q->avail_idx++;
}

/* Publishes the posted entries and tells the device, unless it asked not
 * to be told. */
static void queue_kick(struct vnet_queue *q)
{
	smp_store_release(&q->avail->idx, q->avail_idx);	/* ring entries first */
	smp_mb();			/* idx visible before we read used->flags */
	if (!(q->used->flags & VIRTQ_USED_F_NO_NOTIFY))
		mmio_write16(q->notify, q->index);
}

/*
 * Looks at the next used entry of q, if there is one: 1 with *id (a
 * descriptor the device held, now ours) and *len; 0 if the entry named
 * a descriptor out of range or not posted (skipped and counted); -1 if
 * the device has returned nothing new. Called with q->lock held.
 */
static int queue_take_used(struct vnet *v, struct vnet_queue *q, u16 *id, u32 *len)
{
	if (q->last_used == smp_load_acquire(&q->used->idx))
		return -1;
	struct virtq_used_elem e = q->used->ring[q->last_used % q->size];
	q->last_used++;
	if (e.id >= q->size || !q->posted[e.id]) {
		q->bad_used++;
		printk_ratelimited(LOG_ERR, "virtio-net: %s: queue %u: device returned "
				   "bad descriptor %u; ignored\n", v->nd.name, q->index, e.id);
		return 0;
	}
	q->posted[e.id] = false;
	*id = (u16)e.id;
	*len = e.len;
	return 1;
}

/* ---- receive */

static void rx_post(struct vnet_queue *q, u16 i)
{
	queue_post(q, i, VNET_BUF, VIRTQ_DESC_F_WRITE);
}

static void vnet_rx_irq(void *arg)
{
	struct vnet *v = arg;
	struct vnet_queue *q = &v->rx;
	unsigned long flags;
	u16 reposted = 0;

	/* At most a ring's worth of used entries per interrupt, good or bad:
	 * a device that keeps the used ring full, or moves its index far
	 * ahead, cannot hold this CPU for ever; what is left is looked at
	 * on the next interrupt. The device need not interrupt again while
	 * the handler drains the ring (under emulation each interrupt is an
	 * exit and an injection); interrupts are asked for again, and the
	 * ring looked at once more, when it is empty, so a frame used in
	 * between is not missed (ktest net_virtio_rx_rearm). */
	q->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	for (u16 n = 0; n < q->size; n++) {
		u16 id;
		u32 len;
		flags = spin_lock_irqsave(&q->lock);
		int got = queue_take_used(v, q, &id, &len);
		if (got < 0 && q->avail->flags) {
			q->avail->flags = 0;
			smp_mb();	/* flag visible before used->idx is read again */
			got = queue_take_used(v, q, &id, &len);
		}
		spin_unlock_irqrestore(&q->lock, flags);
		if (got < 0)
			break;
		if (!got)
			continue;
		if (len < VNET_HDR_LEN || len > VNET_BUF) {
			printk_ratelimited(LOG_WARN, "virtio-net: %s: received length %u "
					   "out of range; dropped\n", v->nd.name, len);
			netdev_rx(&v->nd, q->buf[id], 0);	/* counts the drop */
		} else {
			netdev_rx(&v->nd, q->buf[id] + VNET_HDR_LEN, len - VNET_HDR_LEN);
		}
		flags = spin_lock_irqsave(&q->lock);
		rx_post(q, id);	/* published below, one notification a batch */
		spin_unlock_irqrestore(&q->lock, flags);
		reposted++;
	}
	flags = spin_lock_irqsave(&q->lock);
	q->avail->flags = 0;	/* a ring's worth taken: the rest, next interrupt */
	if (reposted)
		queue_kick(q);
	spin_unlock_irqrestore(&q->lock, flags);
}

/* ---- transmit */

/* Returns the descriptors the device has finished with to the free
 * stack; looks at a ring's worth of used entries at most. Called with
 * q->lock held. */
static void tx_reclaim(struct vnet *v, struct vnet_queue *q)
{
	u16 id;
	u32 len;
	int got;

	for (u16 n = 0; n < q->size && (got = queue_take_used(v, q, &id, &len)) >= 0; n++)
		if (got)
			q->free[q->nr_free++] = id;
}

/* Kept for devices that interrupt anyway (the flag is only a hint) and
 * for the fake device's tests: reclaiming is vnet_xmit's job. */
static void vnet_tx_irq(void *arg)
{
	struct vnet *v = arg;
	unsigned long flags = spin_lock_irqsave(&v->tx.lock);

	tx_reclaim(v, &v->tx);
	spin_unlock_irqrestore(&v->tx.lock, flags);
}

static int vnet_xmit(struct netdev *nd, const void *frame, size_t len)
{
	struct vnet *v = nd->driver_priv;
	struct vnet_queue *q = &v->tx;

	if (len > VNET_BUF - VNET_HDR_LEN)
		return -EINVAL;	/* netdev_xmit checked; this guards the copy */
	unsigned long flags = spin_lock_irqsave(&q->lock);
	if (q->nr_free < q->size / 2)
		tx_reclaim(v, q);	/* no transmit interrupts: done here */
	if (!q->nr_free) {
		spin_unlock_irqrestore(&q->lock, flags);
		return -EAGAIN;
	}
	u16 i = q->free[--q->nr_free];
	memset(q->buf[i], 0, VNET_HDR_LEN);	/* no offloads: an all-zero header */
	memcpy(q->buf[i] + VNET_HDR_LEN, frame, len);
	queue_post(q, i, (u32)(VNET_HDR_LEN + len), 0);
	queue_kick(q);
	spin_unlock_irqrestore(&q->lock, flags);
	return 0;
}

static const struct netdev_ops vnet_ops = { .xmit = vnet_xmit };

/* ---- probing */

static u16 queue_size(struct vnet *v, u16 index)
{
	u16 max = virtio_queue_max(&v->vp, index);
	u16 size = VNET_MAX_QUEUE;

	while (size > max)
		size >>= 1;	/* a power of two no larger than the device's */
	return size;
}

static int setup_queue(struct vnet *v, struct vnet_queue *q, u16 index,
		       void (*irq)(void *), const char *lockname)
{
	u16 size = queue_size(v, index);

	spin_lock_init(&q->lock, lockname, LR_VIRTQ);
	if (size < 2)
		return -ENODEV;
	int rc = queue_alloc(q, index, size);
	if (rc)
		return rc;
	/* vector `index` (0 receive, 1 transmit) on a CPU chosen per device */
	if (pci_msix_route(&v->vp.msix, index, irq, v, (unsigned int)nr_devs % nr_cpus))
		return -ENODEV;
	phys_addr_t ring = virt_to_phys(q->desc);
	q->notify = virtio_queue_setup(&v->vp, index, size, ring,
				       virt_to_phys(q->avail), virt_to_phys((void *)q->used),
				       index);
	return q->notify ? 0 : -ENODEV;
}

static int vnet_probe(struct pci_dev *d)
{
	struct vnet *v = kzalloc(sizeof(*v), GFP_KERNEL);
	int rc;

	if (!v)
		return -ENOMEM;
	rc = virtio_pci_init(d, &v->vp);
	if (rc)
		goto fail;
	u64 want = virtio_device_features(&v->vp) & (VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC);
	rc = -ENODEV;
	if (!(want & VIRTIO_F_VERSION_1) || v->vp.msix.nr < 2)
		goto fail;
	rc = virtio_set_features(&v->vp, want);
	if (rc)
		goto fail;
	rc = setup_queue(v, &v->rx, RXQ, vnet_rx_irq, "virtio-net-rx");
	if (!rc)
		rc = setup_queue(v, &v->tx, TXQ, vnet_tx_irq, "virtio-net-tx");
	if (rc)
		goto fail;
	for (u16 i = 0; i < v->tx.size; i++)
		v->tx.free[v->tx.nr_free++] = (u16)(v->tx.size - 1 - i);
	/* A transmit interrupt per frame (an exit and an interrupt under
	 * emulation, for each ACK the stack sends) buys nothing: finished
	 * buffers are reclaimed by the next transmits instead. */
	v->tx.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;

	if (want & VIRTIO_NET_F_MAC) {
		virtio_read_config(&v->vp, 0, v->nd.mac, ETH_ALEN);
	} else {	/* a locally administered address of our own */
		static const u8 local[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 };
		memcpy(v->nd.mac, local, ETH_ALEN);
		v->nd.mac[5] = (u8)(nr_devs + 1);
	}
	v->nd.mtu = 1500;
	v->nd.link_up = true;	/* no VIRTIO_NET_F_STATUS: always up */
	v->nd.ops = &vnet_ops;
	v->nd.driver_priv = v;
	/* registered before any frame can arrive: netdev_rx needs the queue */
	rc = netdev_register(&v->nd);
	if (rc)
		goto fail;
	for (u16 i = 0; i < v->rx.size; i++)
		rx_post(&v->rx, i);
	virtio_set_status(&v->vp, VIRTIO_S_DRIVER_OK);
	unsigned long flags = spin_lock_irqsave(&v->rx.lock);
	queue_kick(&v->rx);	/* no notification before DRIVER_OK */
	spin_unlock_irqrestore(&v->rx.lock, flags);
	nr_devs++;
	pr_info("virtio-net: %s: %u receive buffers, %u transmit, MSI-X%s\n", v->nd.name,
		v->rx.size, v->tx.size, want & VIRTIO_NET_F_MAC ? "" : ", no MAC offered");
	return 0;
fail:
	virtio_fail(&v->vp);
	pr_err("virtio-net: %02x:%02x.%x: not usable (%d); only modern devices with "
	       "MSI-X are supported\n", d->bus, d->slot, d->fn, rc);
	return rc;	/* v leaks with any rings: the device may still hold them */
}

void virtio_net_init(void)
{
	for (struct pci_dev *d = NULL; (d = pci_find(VIRTIO_PCI_VENDOR, PCI_ANY_ID, d));) {
		if (d->device != VIRTIO_NET_DEVICE_MODERN &&
		    d->device != VIRTIO_NET_DEVICE_TRANSITIONAL)
			continue;
		if (nr_devs == VNET_MAX_DEVS) {
			pr_warn("virtio-net: more than %d devices; ignoring the rest\n",
				VNET_MAX_DEVS);
			break;
		}
		vnet_probe(d);
	}
}

/* For tests: used entries a device returned that named no descriptor it
 * held, on both queues of dev (a virtio-net device). */
u64 virtio_net_bad_used(struct netdev *dev)
{
	struct vnet *v = dev->driver_priv;

	return dev->ops == &vnet_ops ? READ_ONCE(v->rx.bad_used) + READ_ONCE(v->tx.bad_used) : 0;
}

/*
 * ---- for tests: a device that lies (kernel/test/net_test.c)
 *
 * A virtio-net device with no hardware behind it: its queues live in
 * memory, notifications go nowhere, and the test writes the used rings
 * itself, with whatever ids and lengths it likes, then runs the interrupt
 * handlers. It is registered as a netdev (named "fake0") so that frames
 * it receives can be taken and its drops counted.
 */
struct netdev *virtio_net_fake(u16 size)
{
	static u16 no_device;
	struct vnet *v = kzalloc(sizeof(*v), GFP_KERNEL);

	if (!v || (size & (size - 1)) || size < 2 || size > VNET_MAX_QUEUE)
		return NULL;
	struct vnet_queue *qs[] = { &v->rx, &v->tx };
	for (u16 i = 0; i < 2; i++) {
		spin_lock_init(&qs[i]->lock, i ? "virtio-net-tx" : "virtio-net-rx", LR_VIRTQ);
		if (queue_alloc(qs[i], i, size))
			return NULL;	/* a test's leak */
		qs[i]->notify = &no_device;
	}
	for (u16 i = 0; i < size; i++) {
		v->tx.free[v->tx.nr_free++] = (u16)(size - 1 - i);
		rx_post(&v->rx, i);
	}
	v->rx.avail->idx = v->rx.avail_idx;
	strlcpy(v->nd.name, "fake0", sizeof(v->nd.name));
	v->nd.ops = &vnet_ops;
	v->nd.driver_priv = v;
	v->nd.link_up = true;
	return netdev_register(&v->nd) ? NULL : &v->nd;
}

/* Writes a used entry (id, len) to queue q (0 receive, 1 transmit) of a
 * fake device, as a device would, and returns the buffer of descriptor id
 * (NULL if out of range) so the test can fill it first. */
u8 *virtio_net_fake_used(struct netdev *dev, int q, u32 id, u32 len)
{
	struct vnet *v = dev->driver_priv;
	struct vnet_queue *vq = q ? &v->tx : &v->rx;
	volatile struct virtq_used *u = vq->used;
	u16 idx = u->idx;

	u->ring[idx % vq->size] = (struct virtq_used_elem){ .id = id, .len = len };
	smp_store_release(&u->idx, (u16)(idx + 1));
	return id < vq->size ? vq->buf[id] : NULL;
}

/* Moves the fake device's used index of q by `by` without writing
 * entries (the ring's old entries are seen again), as a broken device
 * could. */
void virtio_net_fake_skew(struct netdev *dev, int q, u16 by)
{
	struct vnet *v = dev->driver_priv;
	struct vnet_queue *vq = q ? &v->tx : &v->rx;

	smp_store_release(&vq->used->idx, (u16)(vq->used->idx + by));
}

/* Runs the interrupt handler of queue q of dev. */
void virtio_net_fake_irq(struct netdev *dev, int q)
{
	(q ? vnet_tx_irq : vnet_rx_irq)(dev->driver_priv);
}

/*
 * The receive handler asks the device for no interrupts while it drains
 * the ring; if it ever returned with that still asked, the device would
 * never interrupt again and receiving would stall for good (netd is only
 * woken by the interrupt). Checked on a fake device after a drained ring
 * and after the handler stopped at a ring's worth with entries left.
 */
KTEST(net_virtio_rx_rearm)
{
	struct netdev *dev = virtio_net_fake(8);

	KT_ASSERT(dev);
	struct vnet *v = dev->driver_priv;
	u8 *b = virtio_net_fake_used(dev, 0, 3, VNET_HDR_LEN + 60);

	memset(b + VNET_HDR_LEN, 0xff, 60);	/* a broadcast frame */
	virtio_net_fake_irq(dev, 0);
	KT_EXPECT(v->rx.last_used == v->rx.used->idx);
	KT_EXPECT(v->rx.avail->flags == 0);
	virtio_net_fake_skew(dev, 0, 1000);	/* more than a ring's worth */
	virtio_net_fake_irq(dev, 0);
	KT_EXPECT(v->rx.last_used != v->rx.used->idx);
	KT_EXPECT(v->rx.avail->flags == 0);
}
