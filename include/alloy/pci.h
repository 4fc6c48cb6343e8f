/*
 * PCI: the devices found at boot, their configuration space, BARs,
 * capabilities and MSI-X. kernel/drivers/pci.c is generic; how
 * configuration space is reached and what an MSI message looks like are
 * the architecture's (kernel/arch/x86_64/pci_conf.c, msi.c).
 */
#ifndef ALLOY_PCI_H
#define ALLOY_PCI_H

#include <alloy/types.h>

#define PCI_ANY_ID 0xffff

/* configuration space registers */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CLASS_REV 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYS_ID 0x2e
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT_LINE 0x3c

#define PCI_COMMAND_IO (1u << 0)
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAP_LIST (1u << 4)

#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_VNDR 0x09

#define PCI_MAX_DEVICES 64

struct pci_dev {
	u8 bus, slot, fn;
	u16 vendor, device;
	u8 class, subclass, prog_if;
};

struct pci_bar {
	u64 base;			/* bus address (I/O port or memory) */
	u64 size;			/* 0: not implemented */
	bool io;			/* I/O space */
	bool mem64;
	bool prefetch;
};

/* An enabled MSI-X table (one per device). */
struct pci_msix {
	struct pci_dev *dev;
	volatile u8 *table;		/* mapped vector table */
	u16 nr;				/* table entries */
	u8 cap;				/* capability offset */
};

/* kernel/drivers/pci.c */
void pci_init(void);			/* enumerate every bus; log the count */
/* The next device after `from` (NULL: the first) matching the ids. */
struct pci_dev *pci_find(u16 vendor, u16 device, struct pci_dev *from);
u8 pci_read8(const struct pci_dev *d, u16 off);
u16 pci_read16(const struct pci_dev *d, u16 off);
u32 pci_read32(const struct pci_dev *d, u16 off);
void pci_write16(const struct pci_dev *d, u16 off, u16 v);
void pci_write32(const struct pci_dev *d, u16 off, u32 v);
/* BAR n (0..5) decoded and sized; -EINVAL if n is the upper half of a 64-bit BAR. */
int pci_bar(const struct pci_dev *d, int n, struct pci_bar *out);
/* Maps len bytes at offset off of memory BAR n (uncached); NULL on error. */
volatile void *pci_map_bar(const struct pci_dev *d, int n, u64 off, u64 len);
/* Turns on memory and I/O decoding and bus mastering (DMA). */
void pci_enable(const struct pci_dev *d);
/* Offset of the first capability `id` after offset `after` (0: from the
 * start of the list); 0 if none. */
u8 pci_find_cap(const struct pci_dev *d, u8 id, u8 after);
/* Maps the MSI-X table, masks every entry and enables MSI-X (INTx off). */
int pci_msix_enable(struct pci_dev *d, struct pci_msix *m);
/* Points entry at a fresh interrupt vector that calls fn(arg) on `cpu`
 * (a dense CPU number) and unmasks it. fn runs in interrupt context. */
int pci_msix_route(struct pci_msix *m, u16 entry, void (*fn)(void *), void *arg,
		   unsigned int cpu);

/* The architecture's half (kernel/arch/x86_64/pci_conf.c, msi.c). */
u32 arch_pci_conf_read32(u8 bus, u8 slot, u8 fn, u16 off);
void arch_pci_conf_write32(u8 bus, u8 slot, u8 fn, u16 off, u32 v);
struct msi_msg {
	u64 addr;
	u32 data;
};
/* Allocates an interrupt vector delivering to `cpu` that calls fn(arg);
 * returns the message a device writes to raise it. -ENOSPC when none left. */
int arch_msi_alloc(void (*fn)(void *), void *arg, unsigned int cpu, struct msi_msg *msg);

#endif
