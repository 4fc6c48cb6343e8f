/*
 * Kernel page tables. One PML4 (boot_pml4) serves every CPU; its kernel
 * half is built here once: a direct map of RAM with 2 MiB pages (NX,
 * global), the kernel image with 4 KiB pages (text read-only and
 * executable, everything else non-executable, rodata read-only), and empty
 * page-directory-pointer tables for the stack and MMIO regions, so the
 * kernel-half PML4 entries never change after boot and later address
 * spaces can share them by copying.
 */
#include <alloy/arch.h>
#include <alloy/boot.h>
#include <alloy/compiler.h>
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/spinlock.h>
#include <asm/cpu.h>
#include <asm/paging.h>

#define SIZE_2M (1ULL << 21)
#define SIZE_4G (1ULL << 32)
#define DIRECT_MAP_LIMIT (1ULL << 39)	/* one PML4 slot: 512 GiB */

static spinlock_t kpt_lock = SPINLOCK_INIT("kernel-pagetables", LR_PGTABLE);
static u64 ioremap_next = IOREMAP_REGION;

static u64 *table_of(u64 entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

/* The next-level table under tbl[idx], allocating it if asked. */
static u64 *next_table(u64 *tbl, unsigned int idx, bool create)
{
	if (tbl[idx] & PTE_P)
		return tbl[idx] & PTE_PS ? NULL : table_of(tbl[idx]);
	if (!create)
		return NULL;
	phys_addr_t p = early_alloc_page();
	if (!p)
		return NULL;
	tbl[idx] = p | PTE_P | PTE_W;
	return phys_to_virt(p);
}

static u64 *pte_of(u64 *pml4, u64 va, bool create)
{
	u64 *t = next_table(pml4, PML4_INDEX(va), create);
	if (t)
		t = next_table(t, PDPT_INDEX(va), create);
	if (t)
		t = next_table(t, PD_INDEX(va), create);
	return t ? &t[PT_INDEX(va)] : NULL;
}

static u64 prot_bits(unsigned int prot)
{
	u64 b = PTE_P | PTE_G;
	if (prot & KMAP_WRITE)
		b |= PTE_W;
	if (!(prot & KMAP_EXEC))
		b |= PTE_NX;
	if (prot & KMAP_UNCACHED)
		b |= PTE_PCD | PTE_PWT;
	return b;
}

static void map_direct(u64 *pdpt, u64 start, u64 end)
{
	for (u64 pa = ALIGN_DOWN(start, SIZE_2M); pa < ALIGN_UP(end, SIZE_2M);
	     pa += SIZE_2M) {
		if (pa >= DIRECT_MAP_LIMIT)
			panic("paging: RAM above 512 GiB is not supported");
		u64 *pd = next_table(pdpt, PDPT_INDEX(pa), true);
		pd[PD_INDEX(pa)] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
	}
}

static unsigned int image_prot(u64 va)
{
	if (va >= (u64)_text_start && va < (u64)_text_end)
		return KMAP_EXEC;
	if (va >= (u64)_rodata_start && va < (u64)_rodata_end)
		return 0;
	return KMAP_WRITE;
}

/* Builds the new kernel half beside the boot one, then switches to it. */
void paging_init(void)
{
	u64 *pml4 = boot_pml4;
	u64 *dm = phys_to_virt(early_alloc_page());
	u64 *kimg = phys_to_virt(early_alloc_page());

	for (int i = 0; i < boot_info.nr_mem; i++) {
		struct mem_region *r = &boot_info.mem[i];
		if (r->type == MEM_USABLE || r->type == MEM_ACPI || r->type == MEM_NVS)
			map_direct(dm, r->start, r->end);
	}
	map_direct(dm, 0, 0x100000);	/* trampoline and BIOS areas */

	for (u64 va = ALIGN_DOWN((u64)_kernel_start, PAGE_SIZE);
	     va < (u64)_kernel_end; va += PAGE_SIZE) {
		u64 *pdpt_e = next_table(kimg, PDPT_INDEX(va), true);
		u64 *pt = next_table(pdpt_e, PD_INDEX(va), true);
		pt[PT_INDEX(va)] = (va - KERNEL_VMA) | prot_bits(image_prot(va));
	}

	pml4[PML4_INDEX(KSTACK_REGION)] = early_alloc_page() | PTE_P | PTE_W;
	pml4[PML4_INDEX(IOREMAP_REGION)] = early_alloc_page() | PTE_P | PTE_W;
	pml4[PML4_INDEX(KERNEL_VMA)] = virt_to_phys(kimg) | PTE_P | PTE_W;
	pml4[PML4_INDEX(DIRECT_MAP_BASE)] = virt_to_phys(dm) | PTE_P | PTE_W;
	write_cr3(read_cr3());
}

/* After the APs are up nothing runs from the identity map any more. */
void paging_drop_identity(void)
{
	boot_pml4[0] = 0;
	tlb_shootdown(0, ~0ULL);
}

int kmap_page(u64 va, phys_addr_t pa, unsigned int prot)
{
	int ret = 0;
	unsigned long flags = spin_lock_irqsave(&kpt_lock);
	u64 *pte = pte_of(boot_pml4, va, true);

	if (!pte)
		ret = -ENOMEM;
	else if (*pte & PTE_P)
		ret = -EEXIST;
	else
		*pte = pa | prot_bits(prot);
	spin_unlock_irqrestore(&kpt_lock, flags);
	return ret;
}

void kunmap_range(u64 va, u64 n, phys_addr_t *frames)
{
	unsigned long flags = spin_lock_irqsave(&kpt_lock);

	for (u64 i = 0; i < n; i++) {
		u64 *pte = pte_of(boot_pml4, va + i * PAGE_SIZE, false);
		frames[i] = 0;
		if (pte && (*pte & PTE_P)) {
			frames[i] = *pte & PTE_ADDR;
			*pte = 0;
		}
	}
	spin_unlock_irqrestore(&kpt_lock, flags);
	tlb_shootdown(va, n);
}

phys_addr_t kunmap_page(u64 va)
{
	phys_addr_t old;

	kunmap_range(va, 1, &old);
	return old;
}

int kprotect_page(u64 va, unsigned int prot)
{
	int ret = -ENOENT;
	unsigned long flags = spin_lock_irqsave(&kpt_lock);
	u64 *pte = pte_of(boot_pml4, va, false);

	if (pte && (*pte & PTE_P)) {
		*pte = (*pte & PTE_ADDR) | prot_bits(prot);
		ret = 0;
	}
	spin_unlock_irqrestore(&kpt_lock, flags);
	if (!ret)
		tlb_shootdown(va, 1);
	return ret;
}

phys_addr_t kvirt_lookup(u64 va, unsigned int *prot)
{
	phys_addr_t pa = 0;
	unsigned long flags = spin_lock_irqsave(&kpt_lock);
	u64 *pte = pte_of(boot_pml4, va, false);

	if (pte && (*pte & PTE_P)) {
		pa = *pte & PTE_ADDR;
		*prot = (*pte & PTE_W ? KMAP_WRITE : 0) |
			(*pte & PTE_NX ? 0 : KMAP_EXEC) |
			(*pte & PTE_PCD ? KMAP_UNCACHED : 0);
	}
	spin_unlock_irqrestore(&kpt_lock, flags);
	return pa;
}

/* MMIO: a never-reused bump region; device mappings live forever. */
void *ioremap(phys_addr_t pa, size_t size)
{
	u64 off = pa & (PAGE_SIZE - 1);
	u64 n = ALIGN_UP(off + size, PAGE_SIZE) / PAGE_SIZE;
	unsigned long flags = spin_lock_irqsave(&kpt_lock);
	u64 va = ioremap_next;

	ioremap_next += (n + 1) * PAGE_SIZE;	/* one unmapped page between */
	spin_unlock_irqrestore(&kpt_lock, flags);
	for (u64 i = 0; i < n; i++)
		if (kmap_page(va + i * PAGE_SIZE, ALIGN_DOWN(pa, PAGE_SIZE) + i * PAGE_SIZE,
			      KMAP_WRITE | KMAP_UNCACHED))
			return NULL;
	return (void *)(va + off);
}

u64 arch_test_va(void)
{
	return KSTACK_REGION + KSTACK_REGION_SIZE / 2;	/* far above any slot */
}
