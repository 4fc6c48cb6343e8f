/*
 * Time. The reference clock is the HPET main counter when ACPI lists one,
 * else PIT channel 2 counted down in one-shot mode. The TSC, calibrated
 * against the reference over 50 ms, drives ktime_ns(): it is cheap to read
 * and, under QEMU, shared by all CPUs. Each CPU's LAPIC timer is
 * calibrated against the HPET, or without one against the TSC.
 */
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/irqflags.h>
#include <alloy/arch.h>
#include <asm/io.h>
#include <asm/vdso.h>

#define HPET_CAP 0x000
#define HPET_CONFIG 0x010
#define HPET_COUNTER 0x0f0
#define PIT_HZ 1193182ULL

static volatile u8 *hpet;
static u64 hpet_fs_per_tick;		/* femtoseconds */
static u64 hpet_mult;			/* ns = count * mult >> 32 */
static u64 tsc_base, tsc_mult;		/* ns = (tsc - base) * mult >> 32 */
static bool tsc_ready;
static u64 tsc_khz;			/* measured at boot, for /proc/cpuinfo */
static u64 tsc_hz;

/* PIT channel 2 as a reference: elapsed ns since pit_start(), < 55 ms. */
static void pit_start(void)
{
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);	/* gate on, speaker off */
	outb(0x43, 0xb0);			/* ch2, lo/hi, mode 0 */
	outb(0x42, 0xff);
	outb(0x42, 0xff);
}

static u64 pit_elapsed_ns(void)
{
	outb(0x43, 0x80);			/* latch ch2 */
	u16 lo = inb(0x42), hi = inb(0x42);
	u64 ticks = 0xffff - (u16)(lo | hi << 8);
	return ticks * 1000000000ULL / PIT_HZ;
}

static u64 hpet_ns(void)
{
	return (u64)(((unsigned __int128)mmio_read64(hpet + HPET_COUNTER) *
		      hpet_mult) >> 32);
}

/* For calibrating the TSC: the PIT is only good for 55 ms at a time. */
static u64 calib_ns(void)
{
	return hpet ? hpet_ns() : pit_elapsed_ns();
}

/* For the per-CPU LAPIC timer calibration: HPET, else the PIT-calibrated TSC. */
u64 clock_ref_ns(void)
{
	return hpet ? hpet_ns() : ktime_ns();
}

const char *clock_source_name(void)
{
	return hpet ? "hpet" : "pit";
}

static void hpet_init(void)
{
	if (!acpi.hpet_phys)
		return;
	hpet = ioremap(acpi.hpet_phys, 1024);
	if (!hpet)
		return;
	hpet_fs_per_tick = mmio_read64(hpet + HPET_CAP) >> 32;
	if (!hpet_fs_per_tick || hpet_fs_per_tick > 100000000) {
		pr_warn("clock: HPET period %llu fs is invalid; using the PIT\n",
			(unsigned long long)hpet_fs_per_tick);
		hpet = NULL;
		return;
	}
	hpet_mult = (hpet_fs_per_tick << 32) / 1000000;
	mmio_write64(hpet + HPET_CONFIG, mmio_read64(hpet + HPET_CONFIG) | 1);
}

void clock_init(void)
{
	hpet_init();
	if (!hpet)
		pit_start();
	/* the PIT one-shot wraps after 55 ms: calibrate for 50 ms */
	u64 r0 = calib_ns(), t0 = rdtsc(), r1, t1;
	while ((r1 = calib_ns()) - r0 < 50000000ULL)
		arch_cpu_relax();
	t1 = rdtsc();
	u64 hz = (t1 - t0) * 1000000000ULL / (r1 - r0);
	tsc_mult = (1000000000ULL << 32) / hz;
	tsc_khz = hz / 1000;
	tsc_hz = hz;
	/* ktime starts where the reference clock stood at t0 */
	tsc_base = t0 - (r0 / 1000000000ULL * hz + r0 % 1000000000ULL * hz / 1000000000ULL);
	tsc_ready = true;
	pr_info("clock: %s reference, TSC %llu MHz\n", clock_source_name(),
		(unsigned long long)(hz / 1000000));
	vdso_init();		/* user mode reads the TSC the same way */
}

bool clock_tsc_params(u64 *base, u64 *mult)
{
	*base = tsc_base;
	*mult = tsc_mult;
	return tsc_ready;
}

/* One TSC tick is tsc_mult / 2^32 ns: rounded up, at least 1. */
u64 arch_clock_resolution_ns(void)
{
	u64 res = (tsc_mult + 0xffffffffULL) >> 32;

	return res ? res : 1;
}

u64 cpu_tsc_khz(void)
{
	return tsc_khz;
}

u64 ktime_ns(void)
{
	if (!tsc_ready)
		return 0;
	return (u64)(((unsigned __int128)(rdtsc() - tsc_base) * tsc_mult) >> 32);
}

/* The TSC value at which ktime_ns() reads ns (TSC-deadline timer). */
u64 clock_ns_to_tsc(u64 ns)
{
	u64 sec = ns / 1000000000ULL, t;

	if (__builtin_mul_overflow(sec, tsc_hz, &t) ||
	    __builtin_add_overflow(t, ns % 1000000000ULL * tsc_hz / 1000000000ULL, &t) ||
	    __builtin_add_overflow(t, tsc_base, &t))
		return ~0ULL;
	return t;
}

void udelay(u64 us)
{
	u64 end = ktime_ns() + us * 1000;
	while (ktime_ns() < end)
		arch_cpu_relax();
}

u64 arch_reference_clock_ns(void)
{
	return clock_ref_ns();
}
