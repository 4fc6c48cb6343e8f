/*
 * TLB shootdown. The initiator publishes one request (range + generation)
 * under shootdown_lock, IPIs every other online CPU and waits until each
 * has flushed. A CPU that is itself spinning for shootdown_lock serves the
 * pending request while it waits, so two initiators cannot deadlock even
 * with interrupts disabled. The initiator must hold no other spinlock:
 * another CPU spinning on it with interrupts off could never acknowledge.
 */
#include <alloy/arch.h>
#include <alloy/atomic.h>
#include <alloy/cpu.h>
#include <alloy/lockrank.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/spinlock.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/paging.h>
#include <asm/trap.h>

#define FULL_FLUSH_PAGES 32

static spinlock_t shootdown_lock = SPINLOCK_INIT("tlb-shootdown", LR_SHOOTDOWN);
static u64 req_va, req_npages;
static u64 req_gen;			/* written under shootdown_lock */
static u64 served_gen[MAX_CPUS];	/* per CPU, by its owner only */
static atomic_t pending;
unsigned int cpus_online = 1;

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

/* Flush for the current request once; interrupts must be off. */
static void serve(void)
{
	unsigned int id = this_cpu()->id;
	u64 gen = __atomic_load_n(&req_gen, __ATOMIC_ACQUIRE);

	if (served_gen[id] == gen)
		return;
	served_gen[id] = gen;
	flush_local(req_va, req_npages);
	atomic_dec(&pending);
}

static void tlb_ipi(struct trap_frame *tf)
{
	(void)tf;
	serve();
}

void tlb_shootdown(u64 va, u64 npages)
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
	served_gen[this_cpu()->id] = req_gen + 1;
	unsigned int others = __atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE) - 1;
	if (others) {
		req_va = va;
		req_npages = npages;
		atomic_set(&pending, (int)others);
		__atomic_store_n(&req_gen, req_gen + 1, __ATOMIC_RELEASE);
		lapic_send_ipi_others(VEC_TLB);
		while (atomic_read(&pending) > 0)
			arch_cpu_relax();
	} else {
		req_gen++;
	}
	spin_unlock(&shootdown_lock);
	arch_irq_restore(flags);
}

void tlb_init(void)
{
	irq_register(VEC_TLB, tlb_ipi);
}
