/*
 * Kernel virtual memory tests: mapping and protection, the kernel image's
 * permissions, guard pages under kernel stacks, and TLB shootdown.
 */
#include <alloy/arch.h>
#include <alloy/boot.h>
#include <alloy/kstack.h>
#include <alloy/ktest.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/task.h>

KTEST(vm_map_protect)
{
	u64 va = arch_test_va();
	struct page *pg = alloc_page(GFP_ZERO);
	unsigned int prot = 0;

	KT_ASSERT(pg);
	KT_ASSERT_EQ(kmap_page(va, page_to_phys(pg), KMAP_WRITE), 0);
	KT_EXPECT(kmap_page(va, page_to_phys(pg), KMAP_WRITE) != 0);	/* busy */
	*(volatile u64 *)va = 0x1234;
	KT_EXPECT(*(u64 *)page_to_virt(pg) == 0x1234);	/* same frame */
	KT_EXPECT(kvirt_lookup(va, &prot) == page_to_phys(pg));
	KT_EXPECT(prot == KMAP_WRITE);
	KT_ASSERT_EQ(kprotect_page(va, 0), 0);
	KT_EXPECT(kvirt_lookup(va, &prot) == page_to_phys(pg) && prot == 0);
	KT_EXPECT(kunmap_page(va) == page_to_phys(pg));
	KT_EXPECT(kvirt_lookup(va, &prot) == 0);
	free_page(pg);
}

KTEST(vm_kernel_image_permissions)
{
	unsigned int prot;

	KT_EXPECT(kvirt_lookup((u64)_text_start, &prot) && prot == KMAP_EXEC);
	KT_EXPECT(kvirt_lookup((u64)_rodata_start, &prot) && prot == 0);
	KT_EXPECT(kvirt_lookup((u64)_data_start, &prot) && prot == KMAP_WRITE);
	KT_EXPECT(kvirt_lookup((u64)&nr_cpus, &prot) && prot == KMAP_WRITE);
	/* nothing below the image, nothing in the identity map any more */
	KT_EXPECT(!kvirt_lookup(KERNEL_VMA, &prot));
	KT_EXPECT(!kvirt_lookup(0x100000, &prot));
}

KTEST(vm_stack_guard_page)
{
	struct task *t = current_task();
	u64 bottom = (u64)t->kstack_top - KSTACK_SIZE;
	unsigned int prot;

	KT_EXPECT(kvirt_lookup(bottom, &prot) && prot == KMAP_WRITE);
	KT_EXPECT(kvirt_lookup((u64)t->kstack_top - PAGE_SIZE, &prot));
	KT_EXPECT(!kvirt_lookup(bottom - PAGE_SIZE, &prot));
	u64 here = (u64)&t;
	KT_EXPECT(here >= bottom && here < (u64)t->kstack_top);
}

/* ---- TLB shootdown: every CPU caches a mapping, then it changes ---- */

static u64 tlb_va;
static int tlb_phase;		/* 1: fill TLBs, 2: mapping changed */
static atomic_t tlb_filled, tlb_stale, tlb_done;

static void tlb_reader(void *arg)
{
	(void)arg;
	while (__atomic_load_n(&tlb_phase, __ATOMIC_ACQUIRE) < 1)
		sched_yield();
	for (int i = 0; i < 100; i++)
		(void)*(volatile u64 *)tlb_va;	/* the TLB now holds it */
	atomic_inc(&tlb_filled);
	while (__atomic_load_n(&tlb_phase, __ATOMIC_ACQUIRE) < 2)
		arch_cpu_relax();
	if (*(volatile u64 *)tlb_va != 2)
		atomic_inc(&tlb_stale);
	atomic_inc(&tlb_done);
}

KTEST(tlb_shootdown_all_cpus)
{
	struct page *p1 = alloc_page(GFP_ZERO), *p2 = alloc_page(GFP_ZERO);
	struct task *t[16];
	unsigned int n = nr_cpus;

	KT_ASSERT(p1 && p2);
	tlb_va = arch_test_va() + 16 * PAGE_SIZE;
	*(u64 *)page_to_virt(p1) = 1;
	*(u64 *)page_to_virt(p2) = 2;
	tlb_phase = 0;
	atomic_set(&tlb_filled, 0);
	atomic_set(&tlb_stale, 0);
	atomic_set(&tlb_done, 0);
	KT_ASSERT_EQ(kmap_page(tlb_va, page_to_phys(p1), 0), 0);
	for (unsigned int i = 0; i < n; i++) {
		t[i] = kthread_create_on((int)i, tlb_reader, NULL, "tlb-reader");
		KT_ASSERT(t[i]);
	}
	__atomic_store_n(&tlb_phase, 1, __ATOMIC_RELEASE);
	while (atomic_read(&tlb_filled) < (int)n)
		sched_yield();
	/* change the frame behind tlb_va while every CPU has it cached */
	KT_EXPECT(kunmap_page(tlb_va) == page_to_phys(p1));
	KT_ASSERT_EQ(kmap_page(tlb_va, page_to_phys(p2), 0), 0);
	__atomic_store_n(&tlb_phase, 2, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < n; i++) {
		task_join(t[i]);
		task_put(t[i]);
	}
	KT_EXPECT(kunmap_page(tlb_va) == page_to_phys(p2));
	KT_ASSERT_EQ(atomic_read(&tlb_stale), 0);
	free_page(p1);
	free_page(p2);
}
