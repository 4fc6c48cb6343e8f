/*
 * User address spaces. Each has its own PML4 whose upper half (entries
 * 256-511) is copied from the kernel's: those entries were all created at
 * boot and never change, so every address space sees the same kernel.
 * The lower half is private: intermediate tables are user-accessible and
 * writable, and each leaf says what the page allows.
 */
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/string.h>
#include <asm/cpu.h>
#include <asm/paging.h>
#include <asm/uvm.h>

#define USER_TOP 0x0000800000000000ULL

int uvm_create(struct arch_vm *vm)
{
	struct page *pg = alloc_page(GFP_ZERO);

	if (!pg)
		return -ENOMEM;
	vm->pml4 = page_to_virt(pg);
	vm->pml4_phys = page_to_phys(pg);
	memcpy(&vm->pml4[256], &boot_pml4[256], 256 * sizeof(u64));
	return 0;
}

static u64 *next(u64 *tbl, unsigned int idx, bool create)
{
	if (tbl[idx] & PTE_P)
		return phys_to_virt(tbl[idx] & PTE_ADDR);
	if (!create)
		return NULL;
	struct page *pg = alloc_page(GFP_ZERO);
	if (!pg)
		return NULL;
	tbl[idx] = page_to_phys(pg) | PTE_P | PTE_W | PTE_U;
	return page_to_virt(pg);
}

static u64 *pte(struct arch_vm *vm, u64 va, bool create)
{
	u64 *t = next(vm->pml4, PML4_INDEX(va), create);
	if (t)
		t = next(t, PDPT_INDEX(va), create);
	if (t)
		t = next(t, PD_INDEX(va), create);
	return t ? &t[PT_INDEX(va)] : NULL;
}

int uvm_map(struct arch_vm *vm, u64 va, phys_addr_t pa, unsigned int prot)
{
	if (va >= USER_TOP || va & (PAGE_SIZE - 1))
		return -EINVAL;
	u64 *e = pte(vm, va, true);
	if (!e)
		return -ENOMEM;
	if (*e & PTE_P)
		return -EEXIST;
	*e = pa | PTE_P | PTE_U | (prot & UVM_WRITE ? PTE_W : 0) |
	     (prot & UVM_EXEC ? 0 : PTE_NX);
	return 0;
}

phys_addr_t uvm_lookup(struct arch_vm *vm, u64 va, unsigned int *prot)
{
	u64 *e = va < USER_TOP ? pte(vm, va, false) : NULL;

	if (!e || !(*e & PTE_P))
		return 0;
	*prot = UVM_READ | (*e & PTE_W ? UVM_WRITE : 0) | (*e & PTE_NX ? 0 : UVM_EXEC);
	return *e & PTE_ADDR;
}

/* Single-threaded processes: only this CPU can have the entry cached. */
static void flush(struct arch_vm *vm, u64 va)
{
	if ((read_cr3() & PTE_ADDR) == vm->pml4_phys)
		invlpg(va);
}

phys_addr_t uvm_unmap(struct arch_vm *vm, u64 va)
{
	u64 *e = va < USER_TOP ? pte(vm, va, false) : NULL;

	if (!e || !(*e & PTE_P))
		return 0;
	phys_addr_t pa = *e & PTE_ADDR;
	*e = 0;
	flush(vm, va);
	return pa;
}

int uvm_protect(struct arch_vm *vm, u64 va, unsigned int prot)
{
	u64 *e = va < USER_TOP ? pte(vm, va, false) : NULL;

	if (!e || !(*e & PTE_P))
		return -ENOENT;
	/* a page shared copy-on-write stays read-only until the write fault */
	if (page_count(pfn_to_page((*e & PTE_ADDR) >> PAGE_SHIFT)) > 1)
		prot &= ~UVM_WRITE;
	*e = (*e & PTE_ADDR) | PTE_P | PTE_U | (prot & UVM_WRITE ? PTE_W : 0) |
	     (prot & UVM_EXEC ? 0 : PTE_NX);
	flush(vm, va);
	return 0;
}

/* Copies one level of the lower half, sharing leaf pages read-only. */
static int fork_table(u64 *dst, u64 *src, int level)
{
	for (int i = 0; i < 512; i++) {
		if (!(src[i] & PTE_P))
			continue;
		if (level == 1) {
			src[i] &= ~PTE_W;
			dst[i] = src[i];
			page_get(pfn_to_page((src[i] & PTE_ADDR) >> PAGE_SHIFT));
			continue;
		}
		struct page *pg = alloc_page(GFP_ZERO);
		if (!pg)
			return -ENOMEM;
		dst[i] = page_to_phys(pg) | PTE_P | PTE_W | PTE_U;
		int rc = fork_table(page_to_virt(pg), phys_to_virt(src[i] & PTE_ADDR), level - 1);
		if (rc)
			return rc;
	}
	return 0;
}

int uvm_fork(struct arch_vm *dst, struct arch_vm *src)
{
	int rc = 0;

	for (int i = 0; i < 256 && !rc; i++) {
		if (!(src->pml4[i] & PTE_P))
			continue;
		struct page *pg = alloc_page(GFP_ZERO);
		if (!pg) {
			rc = -ENOMEM;
			break;
		}
		dst->pml4[i] = page_to_phys(pg) | PTE_P | PTE_W | PTE_U;
		rc = fork_table(page_to_virt(pg), phys_to_virt(src->pml4[i] & PTE_ADDR), 3);
	}
	if ((read_cr3() & PTE_ADDR) == src->pml4_phys)
		write_cr3(read_cr3());	/* the parent's pages are read-only now */
	return rc;	/* on error the caller destroys dst: refcounts stay exact */
}

int uvm_make_private(struct arch_vm *vm, u64 va, unsigned int prot)
{
	u64 *e = va < USER_TOP ? pte(vm, va, false) : NULL;

	if (!e || !(*e & PTE_P))
		return -ENOENT;
	struct page *old = pfn_to_page((*e & PTE_ADDR) >> PAGE_SHIFT);
	if (page_count(old) > 1) {
		struct page *pg = alloc_page(GFP_KERNEL);
		if (!pg)
			return -ENOMEM;
		memcpy(page_to_virt(pg), page_to_virt(old), PAGE_SIZE);
		*e = page_to_phys(pg) | (*e & ~PTE_ADDR);
		page_put(old);
	}
	*e = (*e & PTE_ADDR) | PTE_P | PTE_U | (prot & UVM_WRITE ? PTE_W : 0) |
	     (prot & UVM_EXEC ? 0 : PTE_NX);
	flush(vm, va);
	return 0;
}

static void free_table(u64 *tbl, int level)
{
	for (int i = 0; i < 512; i++) {
		if (!(tbl[i] & PTE_P))
			continue;
		phys_addr_t pa = tbl[i] & PTE_ADDR;
		if (level > 1)
			free_table(phys_to_virt(pa), level - 1);
		else
			page_put(pfn_to_page(pa >> PAGE_SHIFT));
	}
	free_page(virt_to_page(tbl));
}

void uvm_destroy(struct arch_vm *vm)
{
	if (!vm->pml4)
		return;
	for (int i = 0; i < 256; i++)
		if (vm->pml4[i] & PTE_P)
			free_table(phys_to_virt(vm->pml4[i] & PTE_ADDR), 3);
	free_page(virt_to_page(vm->pml4));
	vm->pml4 = NULL;
}

static u64 count_present(u64 *tbl, int level)
{
	u64 n = 0;

	for (int i = 0; i < 512; i++) {
		if (!(tbl[i] & PTE_P))
			continue;
		n += level > 1 ? count_present(phys_to_virt(tbl[i] & PTE_ADDR), level - 1) : 1;
	}
	return n;
}

/* Cost: the page-table pages, not the address space's size. */
u64 uvm_count_present(struct arch_vm *vm)
{
	u64 n = 0;

	for (int i = 0; i < 256; i++)
		if (vm->pml4[i] & PTE_P)
			n += count_present(phys_to_virt(vm->pml4[i] & PTE_ADDR), 3);
	return n;
}

void uvm_activate(struct arch_vm *vm)
{
	phys_addr_t want = vm ? vm->pml4_phys : virt_to_phys(boot_pml4);

	if ((read_cr3() & PTE_ADDR) != want)
		write_cr3(want);
}
