/*
 * Virtio 1.0 over PCI, the modern transport (kernel/drivers/virtio_pci.c):
 * the vendor capabilities locate the common, notify, ISR and device
 * configuration structures in memory BARs. Legacy (I/O port) devices are
 * not supported; QEMU's transitional devices expose both, and we use the
 * modern half. Interrupts are MSI-X only.
 */
#ifndef ALLOY_VIRTIO_H
#define ALLOY_VIRTIO_H

#include <alloy/pci.h>
#include <alloy/types.h>

#define VIRTIO_PCI_VENDOR 0x1af4

/* device status bits */
#define VIRTIO_S_ACKNOWLEDGE 1
#define VIRTIO_S_DRIVER 2
#define VIRTIO_S_DRIVER_OK 4
#define VIRTIO_S_FEATURES_OK 8
#define VIRTIO_S_FAILED 128

#define VIRTIO_F_RING_INDIRECT_DESC (1ULL << 28)
#define VIRTIO_F_VERSION_1 (1ULL << 32)

#define VIRTIO_MSI_NO_VECTOR 0xffff

/* split virtqueue layout (virtio 1.0 §2.4) */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

struct virtq_avail {
	u16 flags;
	u16 idx;
	u16 ring[];
};

struct virtq_used_elem {
	u32 id;
	u32 len;
};

struct virtq_used {
	u16 flags;
	u16 idx;
	struct virtq_used_elem ring[];
};

struct virtio_pci {
	struct pci_dev *pdev;
	volatile u8 *common;		/* struct virtio_pci_common_cfg */
	volatile u8 *notify;		/* notification area */
	u32 notify_len;
	u32 notify_mult;		/* notify_off_multiplier */
	volatile u8 *device;		/* device-specific configuration */
	struct pci_msix msix;
};

/* Finds and maps the capabilities, enables the function and MSI-X,
 * resets the device and sets ACKNOWLEDGE|DRIVER. */
int virtio_pci_init(struct pci_dev *d, struct virtio_pci *vp);
u64 virtio_device_features(struct virtio_pci *vp);
/* Writes the driver's features and FEATURES_OK; -EIO if the device refuses. */
int virtio_set_features(struct virtio_pci *vp, u64 features);
void virtio_set_status(struct virtio_pci *vp, u8 status);	/* ORs bits in */
void virtio_fail(struct virtio_pci *vp);
/* Device configuration, read consistently (config_generation). */
void virtio_read_config(struct virtio_pci *vp, u32 off, void *buf, u32 len);
/* The device's maximum size of queue q (0: no such queue). */
u16 virtio_queue_max(struct virtio_pci *vp, u16 q);
/* Sets up queue q with `size` entries at the given physical addresses,
 * interrupting through MSI-X entry `vector`; enables it and returns the
 * address to write q's index to for a notification, NULL on error. */
volatile u16 *virtio_queue_setup(struct virtio_pci *vp, u16 q, u16 size, phys_addr_t desc,
				 phys_addr_t avail, phys_addr_t used, u16 vector);

/* kernel/drivers/virtio_blk.c: registers every virtio-blk disk (vda...). */
void virtio_blk_init(void);
/* kernel/drivers/virtio_net.c: registers every virtio-net device (eth0...)
 * as a netdev. */
void virtio_net_init(void);
struct netdev;
/* For tests: used-ring entries of dev that named no descriptor it held. */
u64 virtio_net_bad_used(struct netdev *dev);
/* For tests: a virtio-net device with no hardware, whose used rings the
 * test writes (virtio_net.c says how). */
struct netdev *virtio_net_fake(u16 size);
u8 *virtio_net_fake_used(struct netdev *dev, int q, u32 id, u32 len);
void virtio_net_fake_skew(struct netdev *dev, int q, u16 by);
void virtio_net_fake_irq(struct netdev *dev, int q);

#endif
