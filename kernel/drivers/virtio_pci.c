/*
 * The virtio 1.0 PCI transport (modern interface). Each structure the
 * driver talks to is found through a vendor-specific capability naming a
 * BAR, an offset and a length; we map exactly that window.
 */
#include <alloy/errno.h>
#include <alloy/printk.h>
#include <alloy/virtio.h>
#include <asm/io.h>

/* capability layout */
#define CAP_CFG_TYPE 3
#define CAP_BAR 4
#define CAP_OFFSET 8
#define CAP_LENGTH 12
#define CAP_NOTIFY_MULT 16

#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4

/* struct virtio_pci_common_cfg */
#define C_DFSELECT 0
#define C_DF 4
#define C_GFSELECT 8
#define C_GF 12
#define C_MSIX_CONFIG 16
#define C_NUM_QUEUES 18
#define C_STATUS 20
#define C_CFG_GENERATION 21
#define C_Q_SELECT 22
#define C_Q_SIZE 24
#define C_Q_MSIX_VECTOR 26
#define C_Q_ENABLE 28
#define C_Q_NOTIFY_OFF 30
#define C_Q_DESC 32
#define C_Q_AVAIL 40
#define C_Q_USED 48
#define COMMON_LEN 56

#define RESET_SPINS 1000000	/* QEMU resets synchronously; bounded anyway */

static volatile u8 *map_cap(struct pci_dev *d, u8 cap, u32 min_len, u32 *len_out)
{
	u8 bar = pci_read8(d, cap + CAP_BAR);
	u32 off = pci_read32(d, cap + CAP_OFFSET);
	u32 len = pci_read32(d, cap + CAP_LENGTH);

	if (bar > 5 || len < min_len)
		return NULL;
	if (len_out)
		*len_out = len;
	return pci_map_bar(d, bar, off, len);
}

int virtio_pci_init(struct pci_dev *d, struct virtio_pci *vp)
{
	*vp = (struct virtio_pci){ .pdev = d };
	pci_enable(d);
	for (u8 cap = 0; (cap = pci_find_cap(d, PCI_CAP_ID_VNDR, cap));) {
		u8 type = pci_read8(d, cap + CAP_CFG_TYPE);
		if (type == CFG_COMMON && !vp->common) {
			vp->common = map_cap(d, cap, COMMON_LEN, NULL);
		} else if (type == CFG_NOTIFY && !vp->notify) {
			vp->notify = map_cap(d, cap, 2, &vp->notify_len);
			vp->notify_mult = pci_read32(d, cap + CAP_NOTIFY_MULT);
		} else if (type == CFG_DEVICE && !vp->device) {
			vp->device = map_cap(d, cap, 1, NULL);
		}
	}
	if (!vp->common || !vp->notify || !vp->device)
		return -ENODEV;	/* a legacy-only device */
	if (pci_msix_enable(d, &vp->msix))
		return -ENODEV;
	mmio_write8(vp->common + C_STATUS, 0);	/* reset */
	for (int i = 0; mmio_read8(vp->common + C_STATUS); i++)
		if (i == RESET_SPINS)
			return -EIO;
	mmio_write16(vp->common + C_MSIX_CONFIG, VIRTIO_MSI_NO_VECTOR);
	virtio_set_status(vp, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	return 0;
}

void virtio_set_status(struct virtio_pci *vp, u8 status)
{
	u8 s = mmio_read8(vp->common + C_STATUS);

	mmio_write8(vp->common + C_STATUS, s | status);
}

void virtio_fail(struct virtio_pci *vp)
{
	if (vp->common)
		virtio_set_status(vp, VIRTIO_S_FAILED);
}

u64 virtio_device_features(struct virtio_pci *vp)
{
	u64 f = 0;

	for (u32 half = 0; half < 2; half++) {
		mmio_write32(vp->common + C_DFSELECT, half);
		f |= (u64)mmio_read32(vp->common + C_DF) << (32 * half);
	}
	return f;
}

int virtio_set_features(struct virtio_pci *vp, u64 features)
{
	for (u32 half = 0; half < 2; half++) {
		mmio_write32(vp->common + C_GFSELECT, half);
		mmio_write32(vp->common + C_GF, (u32)(features >> (32 * half)));
	}
	virtio_set_status(vp, VIRTIO_S_FEATURES_OK);
	if (!(mmio_read8(vp->common + C_STATUS) & VIRTIO_S_FEATURES_OK))
		return -EIO;
	return 0;
}

void virtio_read_config(struct virtio_pci *vp, u32 off, void *buf, u32 len)
{
	u8 *out = buf;
	u8 gen;

	do {
		gen = mmio_read8(vp->common + C_CFG_GENERATION);
		for (u32 i = 0; i < len; i++)
			out[i] = mmio_read8(vp->device + off + i);
	} while (gen != mmio_read8(vp->common + C_CFG_GENERATION));
}

u16 virtio_queue_max(struct virtio_pci *vp, u16 q)
{
	if (q >= mmio_read16(vp->common + C_NUM_QUEUES))
		return 0;
	mmio_write16(vp->common + C_Q_SELECT, q);
	return mmio_read16(vp->common + C_Q_SIZE);
}

/* 64-bit fields as two 32-bit halves: the spec allows it, and devices
 * need not accept 8-byte accesses. */
static void write64(volatile u8 *a, u64 v)
{
	mmio_write32(a, (u32)v);
	mmio_write32(a + 4, (u32)(v >> 32));
}

volatile u16 *virtio_queue_setup(struct virtio_pci *vp, u16 q, u16 size, phys_addr_t desc,
				 phys_addr_t avail, phys_addr_t used, u16 vector)
{
	volatile u8 *c = vp->common;

	mmio_write16(c + C_Q_SELECT, q);
	mmio_write16(c + C_Q_SIZE, size);
	write64(c + C_Q_DESC, desc);
	write64(c + C_Q_AVAIL, avail);
	write64(c + C_Q_USED, used);
	mmio_write16(c + C_Q_MSIX_VECTOR, vector);
	if (mmio_read16(c + C_Q_MSIX_VECTOR) != vector)
		return NULL;	/* the device could not allocate the vector */
	u64 off = (u64)mmio_read16(c + C_Q_NOTIFY_OFF) * vp->notify_mult;
	if (off + 2 > vp->notify_len)
		return NULL;
	mmio_write16(c + C_Q_ENABLE, 1);
	return (volatile u16 *)(vp->notify + off);
}
