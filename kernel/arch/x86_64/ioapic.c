/*
 * IOAPIC: device IRQ routing. Every input starts masked; drivers route
 * ISA IRQs through ioapic_route_isa(), which applies the MADT's interrupt
 * source overrides (e.g. the PIT's IRQ 0 arriving on GSI 2). The legacy
 * 8259 PICs are remapped away from the exception vectors and masked.
 */
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/printk.h>
#include <alloy/spinlock.h>
#include <asm/apic.h>
#include <alloy/arch.h>
#include <asm/io.h>

#define IOREGSEL 0x00
#define IOWIN 0x10
#define REG_VER 0x01
#define REG_REDIR(n) (0x10 + 2 * (n))
#define REDIR_MASKED (1u << 16)
#define REDIR_LEVEL (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)

static struct {
	volatile u8 *base;
	u32 gsi_base, count;
} ioapics[MAX_IOAPICS];
static int nr_ioapics;
static spinlock_t ioapic_lock = SPINLOCK_INIT("ioapic", LR_IOAPIC);

static u32 io_read(volatile u8 *b, u32 reg)
{
	mmio_write32(b + IOREGSEL, reg);
	return mmio_read32(b + IOWIN);
}

static void io_write(volatile u8 *b, u32 reg, u32 v)
{
	mmio_write32(b + IOREGSEL, reg);
	mmio_write32(b + IOWIN, v);
}

static void pic_disable(void)
{
	outb(0x20, 0x11); outb(0xa0, 0x11);	/* init */
	outb(0x21, 0x20); outb(0xa1, 0x28);	/* vectors 0x20.. and 0x28.. */
	outb(0x21, 0x04); outb(0xa1, 0x02);
	outb(0x21, 0x01); outb(0xa1, 0x01);
	outb(0x21, 0xff); outb(0xa1, 0xff);	/* mask everything */
}

void ioapic_init(void)
{
	pic_disable();
	for (int i = 0; i < acpi.nr_ioapics; i++) {
		volatile u8 *b = ioremap(acpi.ioapic[i].phys, 4096);
		if (!b)
			panic("ioapic: cannot map IOAPIC %d", i);
		u32 count = ((io_read(b, REG_VER) >> 16) & 0xff) + 1;
		for (u32 n = 0; n < count; n++)
			io_write(b, REG_REDIR(n), REDIR_MASKED);
		ioapics[nr_ioapics].base = b;
		ioapics[nr_ioapics].gsi_base = acpi.ioapic[i].gsi_base;
		ioapics[nr_ioapics].count = count;
		nr_ioapics++;
		pr_info("ioapic: %u inputs from GSI %u\n", count, acpi.ioapic[i].gsi_base);
	}
}

/* ISA IRQ -> GSI and redirection flags, honouring the overrides. */
static u32 isa_to_gsi(u8 irq, u32 *flags)
{
	*flags = 0;		/* ISA default: edge, active high */
	for (int i = 0; i < acpi.nr_iso; i++) {
		if (acpi.iso[i].irq != irq)
			continue;
		u16 f = acpi.iso[i].flags;
		if ((f & 3) == 3)
			*flags |= REDIR_ACTIVE_LOW;
		if (((f >> 2) & 3) == 3)
			*flags |= REDIR_LEVEL;
		return acpi.iso[i].gsi;
	}
	return irq;
}

static int set_redir(u32 gsi, u32 lo, u32 hi)
{
	for (int i = 0; i < nr_ioapics; i++) {
		if (gsi < ioapics[i].gsi_base ||
		    gsi >= ioapics[i].gsi_base + ioapics[i].count)
			continue;
		u32 n = gsi - ioapics[i].gsi_base;
		unsigned long flags = spin_lock_irqsave(&ioapic_lock);
		io_write(ioapics[i].base, REG_REDIR(n) + 1, hi);
		io_write(ioapics[i].base, REG_REDIR(n), lo);
		spin_unlock_irqrestore(&ioapic_lock, flags);
		return 0;
	}
	return -ENODEV;
}

int ioapic_route_isa(u8 irq, u8 vector, u32 apic_id)
{
	u32 flags;
	u32 gsi = isa_to_gsi(irq, &flags);

	return set_redir(gsi, vector | flags, apic_id << 24);
}

void ioapic_mask_isa(u8 irq)
{
	u32 flags;
	u32 gsi = isa_to_gsi(irq, &flags);

	set_redir(gsi, REDIR_MASKED, 0);
}
