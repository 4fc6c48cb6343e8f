/*
 * PCI configuration space through configuration mechanism 1: the address
 * goes to port 0xcf8, the data moves through port 0xcfc. The pair is one
 * shared window, so accesses are serialised.
 */
#include <alloy/lockrank.h>
#include <alloy/pci.h>
#include <alloy/spinlock.h>
#include <asm/io.h>

#define PCI_CONF_ADDR 0xcf8
#define PCI_CONF_DATA 0xcfc

static spinlock_t pci_conf_lock = SPINLOCK_INIT("pci-config", LR_PCI_CONFIG);

static u32 conf_address(u8 bus, u8 slot, u8 fn, u16 off)
{
	return (1u << 31) | ((u32)bus << 16) | ((u32)(slot & 31) << 11) |
	       ((u32)(fn & 7) << 8) | (off & 0xfc);
}

u32 arch_pci_conf_read32(u8 bus, u8 slot, u8 fn, u16 off)
{
	unsigned long flags = spin_lock_irqsave(&pci_conf_lock);

	outl(PCI_CONF_ADDR, conf_address(bus, slot, fn, off));
	u32 v = inl(PCI_CONF_DATA);
	spin_unlock_irqrestore(&pci_conf_lock, flags);
	return v;
}

void arch_pci_conf_write32(u8 bus, u8 slot, u8 fn, u16 off, u32 v)
{
	unsigned long flags = spin_lock_irqsave(&pci_conf_lock);

	outl(PCI_CONF_ADDR, conf_address(bus, slot, fn, off));
	outl(PCI_CONF_DATA, v);
	spin_unlock_irqrestore(&pci_conf_lock, flags);
}
