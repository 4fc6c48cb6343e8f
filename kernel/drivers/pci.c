/*
 * PCI: enumeration at boot (every bus, slot and function; the machines
 * we run on have a handful of devices), BAR decoding, capabilities and
 * MSI-X. Configuration space access is the architecture's.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/pci.h>
#include <alloy/printk.h>
#include <asm/io.h>

#define MSIX_CTRL 2			/* message control, in the capability */
#define MSIX_TABLE 4			/* BIR (bits 0-2) and offset */
#define MSIX_CTRL_ENABLE (1u << 15)
#define MSIX_CTRL_MASKALL (1u << 14)
#define MSIX_ENTRY_SIZE 16
#define MSIX_ENTRY_CTRL_MASKED 1u

static struct pci_dev devices[PCI_MAX_DEVICES];
static int nr_devices;

u32 pci_read32(const struct pci_dev *d, u16 off)
{
	return arch_pci_conf_read32(d->bus, d->slot, d->fn, off & ~3);
}

u16 pci_read16(const struct pci_dev *d, u16 off)
{
	return (u16)(pci_read32(d, off) >> ((off & 2) * 8));
}

u8 pci_read8(const struct pci_dev *d, u16 off)
{
	return (u8)(pci_read32(d, off) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *d, u16 off, u32 v)
{
	arch_pci_conf_write32(d->bus, d->slot, d->fn, off & ~3, v);
}

/* Read-modify-write of the dword; fine for the registers we touch
 * (command, MSI-X control), none of which has write-1-to-clear bits. */
void pci_write16(const struct pci_dev *d, u16 off, u16 v)
{
	unsigned int shift = (off & 2) * 8;
	u32 old = pci_read32(d, off);

	pci_write32(d, off, (old & ~(0xffffu << shift)) | ((u32)v << shift));
}

static void probe_function(u8 bus, u8 slot, u8 fn)
{
	u32 id = arch_pci_conf_read32(bus, slot, fn, PCI_VENDOR_ID);

	if ((id & 0xffff) == 0xffff)
		return;
	if (nr_devices == PCI_MAX_DEVICES) {
		pr_warn("pci: more than %d functions; ignoring %02x:%02x.%x\n",
			PCI_MAX_DEVICES, bus, slot, fn);
		return;
	}
	struct pci_dev *d = &devices[nr_devices++];
	u32 class = arch_pci_conf_read32(bus, slot, fn, PCI_CLASS_REV);
	*d = (struct pci_dev){ .bus = bus, .slot = slot, .fn = fn,
			       .vendor = (u16)id, .device = (u16)(id >> 16),
			       .class = (u8)(class >> 24), .subclass = (u8)(class >> 16),
			       .prog_if = (u8)(class >> 8) };
	pr_debug("pci: %02x:%02x.%x %04x:%04x class %02x%02x\n", bus, slot, fn,
		 d->vendor, d->device, d->class, d->subclass);
}

void pci_init(void)
{
	for (unsigned int bus = 0; bus < 256; bus++) {
		for (u8 slot = 0; slot < 32; slot++) {
			u32 id = arch_pci_conf_read32((u8)bus, slot, 0, PCI_VENDOR_ID);
			if ((id & 0xffff) == 0xffff)
				continue;
			u32 hdr = arch_pci_conf_read32((u8)bus, slot, 0, PCI_HEADER_TYPE);
			u8 nfn = (hdr >> 16) & 0x80 ? 8 : 1;	/* multi-function */
			for (u8 fn = 0; fn < nfn; fn++)
				probe_function((u8)bus, slot, fn);
		}
	}
	pr_info("pci: %d functions\n", nr_devices);
}

struct pci_dev *pci_find(u16 vendor, u16 device, struct pci_dev *from)
{
	int i = from ? (int)(from - devices) + 1 : 0;

	for (; i < nr_devices; i++)
		if ((vendor == PCI_ANY_ID || devices[i].vendor == vendor) &&
		    (device == PCI_ANY_ID || devices[i].device == device))
			return &devices[i];
	return NULL;
}

/* Size a BAR by writing all ones with decoding off, as the spec says. */
static u32 bar_mask(const struct pci_dev *d, u16 off, u32 orig)
{
	pci_write32(d, off, 0xffffffff);
	u32 m = pci_read32(d, off);
	pci_write32(d, off, orig);
	return m;
}

int pci_bar(const struct pci_dev *d, int n, struct pci_bar *out)
{
	if (n < 0 || n > 5)
		return -EINVAL;
	u16 off = PCI_BAR0 + 4 * n;
	u32 lo = pci_read32(d, off);
	u16 cmd = pci_read16(d, PCI_COMMAND);

	*out = (struct pci_bar){ 0 };
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	if (lo & 1) {
		u32 m = bar_mask(d, off, lo) & ~3u;
		out->io = true;
		out->base = lo & ~3u;
		out->size = m ? (u32)(~m + 1) & 0xffff : 0;
	} else {
		u64 m = bar_mask(d, off, lo) & ~0xfu;
		out->base = lo & ~0xfu;
		out->prefetch = lo & 8;
		if (((lo >> 1) & 3) == 2) {	/* 64-bit */
			if (n == 5) {
				pci_write16(d, PCI_COMMAND, cmd);
				return -EINVAL;
			}
			u32 hi = pci_read32(d, off + 4);
			out->mem64 = true;
			out->base |= (u64)hi << 32;
			m |= (u64)bar_mask(d, off + 4, hi) << 32;
		} else {
			m |= 0xffffffff00000000ULL;
		}
		out->size = m & ~0xfULL ? ~(m & ~0xfULL) + 1 : 0;
	}
	pci_write16(d, PCI_COMMAND, cmd);
	return 0;
}

volatile void *pci_map_bar(const struct pci_dev *d, int n, u64 off, u64 len)
{
	struct pci_bar b;

	if (pci_bar(d, n, &b) || b.io || !b.size || !b.base || off + len > b.size ||
	    off + len < off)
		return NULL;
	return ioremap(b.base + off, len);
}

void pci_enable(const struct pci_dev *d)
{
	u16 cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND,
		    cmd | PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

u8 pci_find_cap(const struct pci_dev *d, u8 id, u8 after)
{
	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	u8 p = after ? pci_read8(d, after + 1) : pci_read8(d, PCI_CAP_PTR);

	/* at most 48 capabilities fit in the 192 bytes: no endless loops */
	for (int i = 0; i < 48 && p >= 0x40; i++) {
		p &= ~3;
		if (pci_read8(d, p) == id)
			return p;
		p = pci_read8(d, p + 1);
	}
	return 0;
}

int pci_msix_enable(struct pci_dev *d, struct pci_msix *m)
{
	u8 cap = pci_find_cap(d, PCI_CAP_ID_MSIX, 0);

	if (!cap)
		return -ENODEV;
	u16 ctrl = pci_read16(d, cap + MSIX_CTRL);
	u32 table = pci_read32(d, cap + MSIX_TABLE);
	u16 nr = (ctrl & 0x7ff) + 1;
	volatile u8 *t = pci_map_bar(d, table & 7, table & ~7u, (u64)nr * MSIX_ENTRY_SIZE);

	if (!t)
		return -ENODEV;
	for (u16 i = 0; i < nr; i++)
		mmio_write32(t + i * MSIX_ENTRY_SIZE + 12, MSIX_ENTRY_CTRL_MASKED);
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) | PCI_COMMAND_INTX_DISABLE);
	pci_write16(d, cap + MSIX_CTRL, (ctrl & ~MSIX_CTRL_MASKALL) | MSIX_CTRL_ENABLE);
	*m = (struct pci_msix){ .dev = d, .table = t, .nr = nr, .cap = cap };
	return 0;
}

int pci_msix_route(struct pci_msix *m, u16 entry, void (*fn)(void *), void *arg,
		   unsigned int cpu)
{
	struct msi_msg msg;

	if (entry >= m->nr)
		return -EINVAL;
	int rc = arch_msi_alloc(fn, arg, cpu, &msg);
	if (rc)
		return rc;
	volatile u8 *e = m->table + entry * MSIX_ENTRY_SIZE;
	mmio_write32(e + 0, (u32)msg.addr);
	mmio_write32(e + 4, (u32)(msg.addr >> 32));
	mmio_write32(e + 8, msg.data);
	mmio_write32(e + 12, 0);	/* unmask */
	return 0;
}
