/*
 * Bringing up the application processors: INIT-SIPI-SIPI, one AP at a
 * time, each on the stack of its idle task. An AP sets up its descriptor
 * tables, GS base, LAPIC and timer, then marks itself online and enters
 * the scheduler's idle loop.
 */
#include <alloy/arch.h>
#include <alloy/boot.h>
#include <alloy/cpu.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/string.h>
#include <asm/apic.h>
#include <asm/arch_cpu.h>
#include <asm/cpu.h>
#include <asm/paging.h>

#define TRAMPOLINE_BASE 0x8000
#define AP_START_TIMEOUT_US 1000000

extern const char trampoline_start[], trampoline_end[];
extern u64 tramp_cr3, tramp_stack, tramp_entry, tramp_arg;
void tlb_cpu_online(unsigned int cpu);

/* sched side: idle task for a CPU, and entering the idle loop. */
struct task *sched_create_idle(unsigned int cpu, void **stack_top);
__noreturn void sched_ap_start(unsigned int cpu);

static u64 *tramp_var(u64 *sym)
{
	u64 off = (u64)sym - (u64)trampoline_start;
	return phys_to_virt(TRAMPOLINE_BASE + off);
}

static __noreturn void ap_entry(u64 id)
{
	struct cpu *c = &cpus[id];

	cpu_init_this(c, (unsigned int)id);
	cpu_enable_features();
	lapic_init_this();
	lapic_timer_start();
	tlb_cpu_online((unsigned int)id);	/* before interrupts are on */
	sched_ap_start((unsigned int)id);
}

static bool start_ap(unsigned int id, u32 apic_id)
{
	void *stack_top;

	if (!sched_create_idle(id, &stack_top)) {
		pr_err("smp: no memory for CPU %u's idle task\n", id);
		return false;
	}
	cpus[id].apic_id = apic_id;
	*tramp_var(&tramp_cr3) = virt_to_phys(boot_pml4);
	*tramp_var(&tramp_stack) = (u64)stack_top;
	*tramp_var(&tramp_entry) = (u64)ap_entry;
	*tramp_var(&tramp_arg) = id;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	lapic_send_init(apic_id);
	udelay(10000);
	for (int sipi = 0; sipi < 2; sipi++) {
		lapic_send_sipi(apic_id, TRAMPOLINE_BASE >> 12);
		for (int us = 0; us < (sipi ? AP_START_TIMEOUT_US : 200); us += 10) {
			if (__atomic_load_n(&cpus[id].online, __ATOMIC_ACQUIRE))
				return true;
			udelay(10);
		}
	}
	/* park it: a late start must not share the next CPU's stack or id */
	lapic_send_init(apic_id);
	pr_err("smp: CPU %u (APIC %u) did not start; not starting more\n", id,
	       apic_id);
	return false;
}

/* Starts up to `max` CPUs in all (BSP included); returns how many run. */
unsigned int smp_boot(unsigned int max)
{
	u32 bsp = lapic_id();
	unsigned int n = 1;

	memcpy(phys_to_virt(TRAMPOLINE_BASE), trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	for (int i = 0; i < acpi.nr_lapics && n < max && n < MAX_CPUS; i++) {
		if (acpi.lapic_ids[i] == bsp)
			continue;
		if (!start_ap(n, acpi.lapic_ids[i]))
			break;	/* its idle task and trampoline are not reused */
		n++;
	}
	paging_drop_identity();
	return n;
}
