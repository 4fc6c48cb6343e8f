/*
 * TLB shootdown. The initiator publishes one request (a range and the
 * mask of CPUs that must flush it) under shootdown_lock, IPIs the other
 * CPUs and waits until each has cleared its bit. A CPU that is itself
 * spinning for shootdown_lock serves the pending request while it waits,
 * so two initiators cannot deadlock even with interrupts disabled. The
 * initiator must hold no other spinlock: another CPU spinning on it with
 * interrupts off could never acknowledge.
 *
 * A CPU joins cpus_online_mask (tlb_cpu_online) before it enables
 * interrupts, so a shootdown either waits for it or happened before it
 * loaded its page tables.
 */
#include <alloy/arch.h>
#include <alloy/cpu.h>
#include <alloy/lockrank.h>
#include <alloy/printk.h>
#include <alloy/spinlock.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/paging.h>
#include <asm/trap.h>

#define FULL_FLUSH_PAGES 32

static spinlock_t shootdown_lock = SPINLOCK_INIT("tlb-shootdown", LR_SHOOTDOWN);
static u64 req_va, req_npages;		/* written under shootdown_lock */
static u64 req_mask;			/* CPUs that still have to flush */
static u64 cpus_online_mask = 1;	/* the boot CPU */

static void flush_local(u64 va, u64 npages)
{
	if (npages > FULL_FLUSH_PAGES) {
		u64 cr4 = read_cr4();	/* toggling PGE drops global entries too */
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
		return;
	}
	for (u64 i = 0; i < npages; i++)
		invlpg(va + i * PAGE_SIZE_4K);
}

/* Flush for the pending request if it names this CPU; interrupts off. */
static void serve(void)
{
	u64 bit = 1ULL << this_cpu()->id;

	if (!(__atomic_load_n(&req_mask, __ATOMIC_ACQUIRE) & bit))
		return;
	flush_local(req_va, req_npages);
	__atomic_and_fetch(&req_mask, ~bit, __ATOMIC_RELEASE);
}

static void tlb_ipi(struct trap_frame *tf)
{
	(void)tf;
	serve();
}

void tlb_cpu_online(unsigned int cpu)
{
	__atomic_or_fetch(&cpus_online_mask, 1ULL << cpu, __ATOMIC_SEQ_CST);
}

/* Flushes [va, va + npages pages) here and on the CPUs in mask (this one
 * left out) that are online; returns once each has. */
void tlb_shootdown_cpus(u64 mask, u64 va, u64 npages)
{
	unsigned long flags;

#ifdef CONFIG_LOCKDEP
	if (this_cpu()->lock_depth)
		panic("tlb_shootdown with spinlock '%s' held",
		      this_cpu()->held[this_cpu()->lock_depth - 1]->name);
#endif
	flags = arch_irq_save();
	while (!spin_trylock(&shootdown_lock)) {
		serve();
		arch_cpu_relax();
	}
	flush_local(va, npages);
	u64 online = __atomic_load_n(&cpus_online_mask, __ATOMIC_SEQ_CST);
	u64 others = online & mask & ~(1ULL << this_cpu()->id);
	if (others) {
		req_va = va;
		req_npages = npages;
		__atomic_store_n(&req_mask, others, __ATOMIC_RELEASE);
		if (others == (online & ~(1ULL << this_cpu()->id))) {
			lapic_send_ipi_others(VEC_TLB);
		} else {
			for (u64 m = others; m; m &= m - 1)
				lapic_send_ipi(cpus[__builtin_ctzll(m)].apic_id, VEC_TLB);
		}
		while (__atomic_load_n(&req_mask, __ATOMIC_ACQUIRE))
			arch_cpu_relax();
	}
	spin_unlock(&shootdown_lock);
	arch_irq_restore(flags);
}

void tlb_shootdown(u64 va, u64 npages)
{
	tlb_shootdown_cpus(~0ULL, va, npages);
}

void tlb_init(void)
{
	irq_register(VEC_TLB, tlb_ipi);
}
