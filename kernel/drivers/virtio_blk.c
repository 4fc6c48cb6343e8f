/*
 * virtio-blk: one split virtqueue per disk, MSI-X interrupts, many
 * requests in flight.
 *
 * A request is one descriptor chain: a header (type, sector), the bio's
 * data segments, and a status byte the device writes. With
 * VIRTIO_RING_F_INDIRECT_DESC (QEMU offers it) the chain lives in a
 * per-slot indirect table and takes a single ring descriptor, so the
 * queue depth is the ring size; without it a bio takes nr_segs + 2
 * descriptors. Header, status and indirect table of the request whose
 * chain starts at descriptor i live in dma[i].
 *
 * Submitters that find too few free descriptors sleep on free_wq; the
 * interrupt handler reaps the used ring under the queue lock, then calls
 * each bio's end_io with the lock dropped and wakes the submitters.
 */
#include <alloy/blkdev.h>
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/printf.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/virtio.h>
#include <alloy/vfs.h>
#include <alloy/wait.h>
#include <asm/io.h>

#define VIRTIO_BLK_DEVICE_MODERN 0x1042
#define VIRTIO_BLK_DEVICE_TRANSITIONAL 0x1001

#define VIRTIO_BLK_F_RO (1ULL << 5)
#define VIRTIO_BLK_F_FLUSH (1ULL << 9)

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK 0

#define VBLK_MAX_QUEUE 256		/* enough for any depth we use */
#define VBLK_MAX_DISKS 16		/* vda..vdp */
#define CHAIN_MAX (BIO_MAX_SEGS + 2)
#define REAP_BATCH 32			/* end_io calls per lock drop */

struct vblk_dma {
	struct {
		u32 type;
		u32 reserved;
		u64 sector;
	} hdr;
	u8 status;
	u8 pad[7];
	struct virtq_desc table[CHAIN_MAX];	/* indirect table */
};

struct vblk {
	struct blkdev bd;
	struct virtio_pci vp;
	spinlock_t lock;		/* everything below */
	struct wait_queue free_wq;	/* submitters waiting for descriptors */
	bool indirect, flush;
	u16 qsize;
	u16 nr_free, free_head;		/* free descriptors, linked by .next */
	u16 avail_idx, last_used;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	volatile struct virtq_used *used;
	struct vblk_dma *dma;		/* qsize slots, by chain head */
	phys_addr_t dma_phys;
	struct bio **reqs;		/* in-flight bio, by chain head */
	volatile u16 *notify;
};

static int nr_disks;

/* Zeroed, physically contiguous, direct-mapped memory for the device. */
static void *dma_alloc(size_t bytes, phys_addr_t *phys)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	struct page *p = alloc_pages(GFP_ZERO, order);
	if (!p)
		return NULL;
	*phys = page_to_phys(p);
	return page_to_virt(p);
}

static u16 desc_pop(struct vblk *v)
{
	u16 i = v->free_head;

	v->free_head = v->desc[i].next;
	v->nr_free--;
	return i;
}

static void desc_push(struct vblk *v, u16 i)
{
	v->desc[i].next = v->free_head;
	v->free_head = i;
	v->nr_free++;
}

/* The chain of b, in order: header, segments, status. */
static u16 build_chain(struct vblk *v, struct bio *b, u16 head, struct virtq_desc *out)
{
	struct vblk_dma *d = &v->dma[head];
	phys_addr_t dp = v->dma_phys + (phys_addr_t)head * sizeof(*d);
	u16 n = 0;

	d->hdr.type = b->op == BIO_READ ? VIRTIO_BLK_T_IN :
		      b->op == BIO_WRITE ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_FLUSH;
	d->hdr.reserved = 0;
	d->hdr.sector = b->op == BIO_FLUSH ? 0 : b->sector;
	d->status = 0xff;	/* not written by the device: an error */
	out[n++] = (struct virtq_desc){ .addr = dp, .len = sizeof(d->hdr) };
	for (u32 s = 0; b->op != BIO_FLUSH && s < b->nr_segs; s++)
		out[n++] = (struct virtq_desc){
			.addr = b->segs[s].phys, .len = b->segs[s].len,
			.flags = b->op == BIO_READ ? VIRTQ_DESC_F_WRITE : 0 };
	out[n++] = (struct virtq_desc){ .addr = dp + offsetof(struct vblk_dma, status),
					.len = 1, .flags = VIRTQ_DESC_F_WRITE };
	return n;
}

/* Queues b if enough descriptors are free; false (nothing done) if not. */
static bool try_queue(struct vblk *v, struct bio *b)
{
	struct virtq_desc chain[CHAIN_MAX];
	u16 need = v->indirect ? 1 : (u16)(b->op == BIO_FLUSH ? 2 : b->nr_segs + 2);
	unsigned long flags = spin_lock_irqsave(&v->lock);

	if (v->nr_free < need) {
		spin_unlock_irqrestore(&v->lock, flags);
		return false;
	}
	u16 head = desc_pop(v);
	u16 n = build_chain(v, b, head, v->indirect ? v->dma[head].table : chain);
	if (v->indirect) {
		for (u16 i = 0; i + 1 < n; i++) {
			v->dma[head].table[i].flags |= VIRTQ_DESC_F_NEXT;
			v->dma[head].table[i].next = i + 1;
		}
		v->desc[head] = (struct virtq_desc){
			.addr = v->dma_phys + (phys_addr_t)head * sizeof(struct vblk_dma) +
				offsetof(struct vblk_dma, table),
			.len = n * sizeof(struct virtq_desc), .flags = VIRTQ_DESC_F_INDIRECT };
	} else {
		u16 cur = head;
		for (u16 i = 0; i < n; i++) {
			u16 next = i + 1 < n ? desc_pop(v) : 0;
			v->desc[cur] = chain[i];
			if (i + 1 < n) {
				v->desc[cur].flags |= VIRTQ_DESC_F_NEXT;
				v->desc[cur].next = next;
			}
			cur = next;
		}
	}
	v->reqs[head] = b;
	v->avail->ring[v->avail_idx % v->qsize] = head;
	v->avail_idx++;
	smp_store_release(&v->avail->idx, v->avail_idx);	/* ring entry first */
	smp_mb();			/* idx visible before we read used->flags */
	if (!(v->used->flags & VIRTQ_USED_F_NO_NOTIFY))
		mmio_write16(v->notify, 0);
	v->bd.nr_bios++;
	v->bd.nr_flushes += b->op == BIO_FLUSH;
	if (++v->bd.inflight > v->bd.max_inflight)
		v->bd.max_inflight = v->bd.inflight;
	spin_unlock_irqrestore(&v->lock, flags);
	return true;
}

static int vblk_submit(struct blkdev *bd, struct bio *b)
{
	struct vblk *v = bd->priv;

	if (b->op == BIO_FLUSH && !v->flush) {
		b->status = 0;	/* nothing is cached that we could flush */
		b->end_io(b);
		return 0;
	}
	wait_event(v->free_wq, try_queue(v, b));
	return 0;
}

static const struct blkdev_ops vblk_ops = { .submit = vblk_submit };

static void free_chain(struct vblk *v, u16 head)
{
	u16 i = head;

	for (;;) {
		u16 flags = v->desc[i].flags, next = v->desc[i].next;
		desc_push(v, i);
		if (v->indirect || !(flags & VIRTQ_DESC_F_NEXT))
			break;
		i = next;
	}
}

/* Reaps up to REAP_BATCH completions into done[]; returns how many. */
static int reap(struct vblk *v, struct bio **done)
{
	int n = 0;
	unsigned long flags = spin_lock_irqsave(&v->lock);

	while (n < REAP_BATCH && v->last_used != smp_load_acquire(&v->used->idx)) {
		u32 id = v->used->ring[v->last_used % v->qsize].id;
		v->last_used++;
		if (id >= v->qsize || !v->reqs[id]) {
			pr_err("virtio-blk: %s: device returned bad descriptor %u\n",
			       v->bd.name, id);
			continue;
		}
		struct bio *b = v->reqs[id];
		v->reqs[id] = NULL;
		b->status = v->dma[id].status == VIRTIO_BLK_S_OK ? 0 : -EIO;
		free_chain(v, (u16)id);
		v->bd.inflight--;
		done[n++] = b;
	}
	spin_unlock_irqrestore(&v->lock, flags);
	return n;
}

static void vblk_irq(void *arg)
{
	struct vblk *v = arg;
	struct bio *done[REAP_BATCH];
	int n;

	while ((n = reap(v, done)) > 0) {
		for (int i = 0; i < n; i++)
			done[i]->end_io(done[i]);
		wake_up_all(&v->free_wq);
	}
}

static int setup_queue(struct vblk *v)
{
	u16 max = virtio_queue_max(&v->vp, 0);
	u16 q = VBLK_MAX_QUEUE;

	while (q > max)
		q >>= 1;	/* a power of two no larger than the device's */
	if (q < (v->indirect ? 2 : CHAIN_MAX))
		return -ENODEV;
	size_t desc_sz = (size_t)q * sizeof(struct virtq_desc);
	size_t avail_sz = sizeof(struct virtq_avail) + (size_t)q * 2 + 2;
	size_t used_off = ALIGN_UP(desc_sz + avail_sz, 4096);
	size_t used_sz = sizeof(struct virtq_used) + (size_t)q * sizeof(struct virtq_used_elem) + 2;
	phys_addr_t ring;
	u8 *mem = dma_alloc(used_off + used_sz, &ring);

	v->dma = dma_alloc((size_t)q * sizeof(struct vblk_dma), &v->dma_phys);
	v->reqs = kzalloc((size_t)q * sizeof(*v->reqs), GFP_KERNEL);
	if (!mem || !v->dma || !v->reqs)
		return -ENOMEM;
	v->qsize = q;
	v->desc = (struct virtq_desc *)mem;
	v->avail = (struct virtq_avail *)(mem + desc_sz);
	v->used = (struct virtq_used *)(mem + used_off);
	for (u16 i = 0; i < q; i++)
		desc_push(v, (u16)(q - 1 - i));
	if (pci_msix_route(&v->vp.msix, 0, vblk_irq, v, (unsigned int)nr_disks % nr_cpus))
		return -ENODEV;
	v->notify = virtio_queue_setup(&v->vp, 0, q, ring, ring + desc_sz, ring + used_off, 0);
	return v->notify ? 0 : -ENODEV;
}

static int vblk_probe(struct pci_dev *d)
{
	struct vblk *v = kzalloc(sizeof(*v), GFP_KERNEL);
	int rc;

	if (!v)
		return -ENOMEM;
	spin_lock_init(&v->lock, "virtio-blk-queue", LR_VIRTQ);
	wait_queue_init(&v->free_wq, "virtio-blk-free");
	rc = virtio_pci_init(d, &v->vp);
	if (rc)
		goto fail;
	u64 offered = virtio_device_features(&v->vp);
	u64 want = offered & (VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC |
			      VIRTIO_BLK_F_RO | VIRTIO_BLK_F_FLUSH);
	rc = -ENODEV;
	if (!(want & VIRTIO_F_VERSION_1))
		goto fail;
	rc = virtio_set_features(&v->vp, want);
	if (rc)
		goto fail;
	v->indirect = want & VIRTIO_F_RING_INDIRECT_DESC;
	v->flush = want & VIRTIO_BLK_F_FLUSH;
	rc = setup_queue(v);
	if (rc)
		goto fail;

	u64 capacity;
	virtio_read_config(&v->vp, 0, &capacity, sizeof(capacity));
	snprintf(v->bd.name, sizeof(v->bd.name), "vd%c", 'a' + nr_disks);
	v->bd.dev = MKDEV(BLKDEV_MAJOR, nr_disks * 16);	/* Linux's minors */
	v->bd.sectors = capacity;
	v->bd.read_only = want & VIRTIO_BLK_F_RO;
	v->bd.ops = &vblk_ops;
	v->bd.priv = v;
	v->bd.queue_depth = v->indirect ? v->qsize : v->qsize / CHAIN_MAX;
	virtio_set_status(&v->vp, VIRTIO_S_DRIVER_OK);
	nr_disks++;
	pr_info("virtio-blk: %s: %llu sectors (%llu MiB), 1 queue, depth %u%s, MSI-X%s%s\n",
		v->bd.name, (unsigned long long)capacity,
		(unsigned long long)(capacity >> 11), v->bd.queue_depth,
		v->indirect ? " (indirect descriptors)" : "",
		v->flush ? ", flush" : "", v->bd.read_only ? ", read-only" : "");
	rc = blkdev_register(&v->bd);
	if (rc)
		pr_err("virtio-blk: %s: cannot register (%d)\n", v->bd.name, rc);
	return rc;	/* a registered-then-failed disk stays: the device owns its rings */
fail:
	virtio_fail(&v->vp);
	pr_err("virtio-blk: %02x:%02x.%x: not usable (%d); only modern devices with "
	       "MSI-X are supported\n", d->bus, d->slot, d->fn, rc);
	return rc;	/* v leaks with any rings: the device may still hold them */
}

void virtio_blk_init(void)
{
	for (struct pci_dev *d = NULL; (d = pci_find(VIRTIO_PCI_VENDOR, PCI_ANY_ID, d));) {
		if (d->device != VIRTIO_BLK_DEVICE_MODERN &&
		    d->device != VIRTIO_BLK_DEVICE_TRANSITIONAL)
			continue;
		if (nr_disks == VBLK_MAX_DISKS) {
			pr_warn("virtio-blk: more than %d disks; ignoring the rest\n",
				VBLK_MAX_DISKS);
			break;
		}
		vblk_probe(d);
	}
}
