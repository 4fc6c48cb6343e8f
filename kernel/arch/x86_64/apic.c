/*
 * Local APIC (xAPIC, MMIO): per-CPU enable, IPIs, and the one-shot timer
 * behind arch_timer_set_next(): TSC-deadline mode where CPUID offers it
 * (an absolute TSC value, no drift), else one-shot count mode with the
 * rate every CPU calibrates for itself against the reference clock.
 * QEMU's TCG (-cpu max, QEMU 7.2) has no TSC-deadline timer, so there the
 * count mode runs; `tsc_deadline=0` on the command line forces it.
 */
#include <alloy/arch.h>
#include <alloy/cmdline.h>
#include <alloy/cpu.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
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
#define TIMER_TSC_DEADLINE (2u << 17)
#define MSR_TSC_DEADLINE 0x6e0
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

#define CALIBRATE_NS 20000000ULL	/* 20 ms */

static volatile u8 *lapic_base;
static bool tsc_deadline;		/* every CPU's timer in TSC-deadline mode */
static u64 timer_rate[MAX_CPUS];	/* count mode: LAPIC timer Hz (divide by 16) */

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

static bool want_tsc_deadline(void)
{
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return (c & CPUID1_ECX_TSC_DEADLINE) && cmdline_int("tsc_deadline", 1);
}

bool lapic_timer_tsc_deadline(void)
{
	return tsc_deadline;
}

void lapic_timer_start(void)
{
	struct cpu *c = this_cpu();
	u64 rate = timer_ticks_per_sec();

	if (rate < HZ)
		panic("apic: timer calibration failed on CPU %u (%llu Hz)",
		      c->id, (unsigned long long)rate);
	timer_rate[c->id] = rate;
	if (c->id == 0)
		tsc_deadline = want_tsc_deadline();
	if (tsc_deadline) {
		lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | TIMER_TSC_DEADLINE);
		/* the mode switch must land before the first deadline write */
		__asm__ volatile("mfence" ::: "memory");
	} else {
		lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);	/* one-shot count */
	}
	if (c->id == 0)
		pr_info("apic: one-shot timers, %s mode (LAPIC timer %llu kHz)\n",
			tsc_deadline ? "TSC-deadline" : "count", (unsigned long long)(rate / 1000));
	arch_timer_set_next(0);		/* the first interrupt starts the tick */
}

void arch_timer_set_next(u64 ns)
{
	if (tsc_deadline) {
		/* 0 disarms; a deadline that has passed fires at once */
		wrmsr(MSR_TSC_DEADLINE, ns == ~0ULL ? 0 : clock_ns_to_tsc(ns));
		return;
	}
	if (ns == ~0ULL) {
		lapic_write(LAPIC_TIMER_INIT, 0);	/* stops the count */
		return;
	}
	u64 now = ktime_ns(), delta = ns > now ? ns - now : 0;
	u64 rate = timer_rate[this_cpu()->id];	/* < 18 GHz: no overflow below */
	u64 count = delta / 1000000000ULL * rate + delta % 1000000000ULL * rate / 1000000000ULL;
	/* past: fire at once; too far: fire early, and the interrupt re-arms */
	lapic_write(LAPIC_TIMER_INIT, count < 1 ? 1 : count > 0xffffffffULL ? 0xffffffffu
									  : (u32)count);
}
