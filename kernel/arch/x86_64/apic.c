/*
 * Local APIC (xAPIC, MMIO): per-CPU enable, IPIs, and the periodic timer,
 * which every CPU calibrates for itself against the reference clock.
 */
#include <alloy/arch.h>
#include <alloy/cpu.h>
#include <alloy/printk.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/io.h>
#include <asm/trap.h>

#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define ICR_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_INIT (5u << 8)
#define ICR_SIPI (6u << 8)
#define ICR_NMI (4u << 8)
#define ICR_OTHERS (3u << 18)
#define LVT_MASKED (1u << 16)
#define TIMER_PERIODIC (1u << 17)

#define CALIBRATE_NS 20000000ULL	/* 20 ms */

static volatile u8 *lapic_base;

static u32 lapic_read(u32 reg)
{
	return mmio_read32(lapic_base + reg);
}

static void lapic_write(u32 reg, u32 v)
{
	mmio_write32(lapic_base + reg, v);
}

void lapic_init(void)
{
	lapic_base = ioremap(acpi.lapic_phys ? acpi.lapic_phys : 0xfee00000, 4096);
	if (!lapic_base)
		panic("apic: cannot map the local APIC");
}

void lapic_init_this(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	lapic_eoi();
}

u32 lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

static void icr_send(u32 dest, u32 lo)
{
	unsigned long flags = arch_irq_save();

	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		arch_cpu_relax();
	lapic_write(LAPIC_ICR_HI, dest << 24);
	lapic_write(LAPIC_ICR_LO, lo);
	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		arch_cpu_relax();
	arch_irq_restore(flags);
}

void lapic_send_ipi(u32 apic_id, u8 vector)
{
	icr_send(apic_id, vector | ICR_ASSERT);
}

void lapic_send_ipi_others(u8 vector)
{
	icr_send(0, vector | ICR_ASSERT | ICR_OTHERS);
}

void lapic_send_nmi_others(void)
{
	if (lapic_base)
		icr_send(0, ICR_NMI | ICR_ASSERT | ICR_OTHERS);
}

void lapic_send_init(u32 apic_id)
{
	icr_send(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
}

void lapic_send_sipi(u32 apic_id, u8 page)
{
	icr_send(apic_id, ICR_SIPI | ICR_ASSERT | page);
}

void arch_send_reschedule(unsigned int cpu)
{
	lapic_send_ipi(cpus[cpu].apic_id, VEC_RESCHED);
}

void arch_stop_other_cpus(void)
{
	lapic_send_nmi_others();
}

/* Count LAPIC timer ticks (divide by 16) over CALIBRATE_NS of reference time. */
static u64 timer_ticks_per_sec(void)
{
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	u64 t0 = clock_ref_ns();
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	u64 t1;
	while ((t1 = clock_ref_ns()) - t0 < CALIBRATE_NS)
		arch_cpu_relax();
	u32 left = lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	return (u64)(0xffffffffu - left) * 1000000000ULL / (t1 - t0);
}

void lapic_timer_start(void)
{
	u64 rate = timer_ticks_per_sec();

	if (rate < HZ)
		panic("apic: timer calibration failed on CPU %u (%llu Hz)",
		      this_cpu()->id, (unsigned long long)rate);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | TIMER_PERIODIC);
	lapic_write(LAPIC_TIMER_INIT, (u32)(rate / HZ));
	pr_debug("apic: CPU %u timer %llu kHz (÷16), %u Hz tick\n",
		 this_cpu()->id, (unsigned long long)(rate / 1000), HZ);
}
