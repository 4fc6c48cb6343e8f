/* Local APIC, IOAPIC, ACPI discovery and the clocks. */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <alloy/types.h>

#define MAX_IOAPICS 4
#define MAX_ISO 16

struct acpi_info {
	u32 lapic_phys;
	int nr_lapics;
	u32 lapic_ids[16];		/* enabled CPUs, BSP first not guaranteed */
	int nr_ioapics;
	struct { u32 id, phys, gsi_base; } ioapic[MAX_IOAPICS];
	int nr_iso;
	struct { u8 irq; u32 gsi; u16 flags; } iso[MAX_ISO];
	u64 hpet_phys;			/* 0 if none */
};
extern struct acpi_info acpi;

int acpi_init(void);			/* 0 or -ENODEV */

void lapic_init(void);			/* map it (BSP, once) */
void lapic_init_this(void);		/* enable on this CPU */
u32 lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(u32 apic_id, u8 vector);
void lapic_send_ipi_others(u8 vector);
void lapic_send_nmi_others(void);
void lapic_send_init(u32 apic_id);
void lapic_send_sipi(u32 apic_id, u8 page);
void lapic_timer_start(void);		/* calibrate, one-shot, fire once now */
bool lapic_timer_tsc_deadline(void);	/* which mode this CPU's timer uses */

void ioapic_init(void);
/* Route ISA IRQ (after overrides) to vector on the CPU with apic_id. */
int ioapic_route_isa(u8 irq, u8 vector, u32 apic_id);
void ioapic_mask_isa(u8 irq);

/* Reference clock (HPET, else PIT) and the TSC calibrated against it. */
void clock_init(void);
const char *clock_source_name(void);
u64 clock_ref_ns(void);			/* reference clock, for calibration */
u64 clock_ns_to_tsc(u64 ns);		/* TSC value when ktime_ns() is ns */
void udelay(u64 us);

#endif
