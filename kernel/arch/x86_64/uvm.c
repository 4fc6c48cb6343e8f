/*
 * User address spaces. Each has its own PML4 whose upper half (entries
 * 256-511) is copied from the kernel's: those entries were all created at
 * boot and never change, so every address space sees the same kernel.
 * The lower half is private: intermediate tables are user-accessible and
 * writable, and each leaf says what the page allows.
 */
#include <alloy/arch.h>
#include <alloy/cpu.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/string.h>
#include <asm/cpu.h>
#include <asm/paging.h>
#include <asm/uvm.h>


int uvm_create(struct arch_vm *vm)
{
	struct page *pg = alloc_page(GFP_ZERO);

	if (!pg)
		return -ENOMEM;
	vm->pml4 = page_to_virt(pg);
	vm->pml4_phys = page_to_phys(pg);
	atomic_long_set(&vm->resident, 0);
	atomic_long_set(&vm->hiwater, 0);
	memcpy(&vm->pml4[256], &boot_pml4[256], 256 * sizeof(u64));
	return 0;
}

/*
 * A leaf's bits for UVM_* permissions. PROT_NONE keeps the page but
 * clears P and marks the entry PTE_PROTNONE, so neither the program nor
 * the kernel on its behalf can reach it: copy_from_user faults and the
 * fault handler finds a VMA that allows nothing (EFAULT), as on Linux.
 * (A supervisor-only page would still be readable by copy_from_user.)
 * x86 cannot do write- or exec-only, so every other combination is
 * readable. Leaves are "used" when present or PROT_NONE; tables above
 * them only when present.
 */
static u64 leaf_bits(unsigned int prot)
{
	u64 wp = prot & UVM_UFFD_WP ? PTE_UFFD_WP : 0;

	if (!(prot & UVM_READ))
		return PTE_PROTNONE | wp;
	if (wp)
		prot &= ~UVM_WRITE;
	return PTE_P | PTE_U | wp | (prot & UVM_WRITE ? PTE_W : 0) | (prot & UVM_EXEC ? 0 : PTE_NX) |
	       ((u64)uvm_pkey_of(prot) << PTE_PKEY_SHIFT);
}

static unsigned int leaf_prot(u64 e)
{
	if (!(e & PTE_P))
		return 0;
	return UVM_READ | (e & PTE_W ? UVM_WRITE : 0) | (e & PTE_NX ? 0 : UVM_EXEC) |
	       (e & PTE_UFFD_WP ? UVM_UFFD_WP : 0) |
	       UVM_PKEY((e & PTE_PKEY_MASK) >> PTE_PKEY_SHIFT);
}

/* mprotect keeps a userfaultfd's write protection */
static unsigned int keep_wp(u64 old, unsigned int prot)
{
	return old & PTE_UFFD_WP ? prot | UVM_UFFD_WP : prot;
}

static bool leaf_used(u64 e)
{
	return e & (PTE_P | PTE_PROTNONE);
}

/* An entry of a table at level (1: a page table) that leads somewhere. */
static bool entry_used(u64 e, int level)
{
	return level == 1 ? leaf_used(e) : e & PTE_P;
}

/* n leaves came into use (n < 0: went); the peak follows. */
static void resident_add(struct arch_vm *vm, long n)
{
	long now = atomic_long_add_return(&vm->resident, n);
	long peak = atomic_long_read(&vm->hiwater);

	while (now > peak &&
	       !__atomic_compare_exchange_n(&vm->hiwater.v, &peak, now, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
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
	if (leaf_used(*e))
		return -EEXIST;
	*e = pa | leaf_bits(prot);
	resident_add(vm, 1);
	return 0;
}

phys_addr_t uvm_lookup(struct arch_vm *vm, u64 va, unsigned int *prot)
{
	u64 *e = va < USER_TOP ? pte(vm, va, false) : NULL;

	if (!e || !leaf_used(*e))
		return 0;
	*prot = leaf_prot(*e);
	return *e & PTE_ADDR;
}

/*
 * Which CPUs may hold TLB entries of vm: the ones that have its PML4
 * loaded (loaded[] is this CPU's, changed only by uvm_activate with
 * interrupts off). A CPU sets its bit before it loads the PML4 and clears
 * it after it has loaded another, and a changer writes the entry before it
 * reads the mask, so a CPU is either flushed or walks the new entry.
 * Another process's page tables change too (truncate unmaps a file's
 * pages from every mapping), so a flush may have to reach other CPUs.
 */
static struct arch_vm *loaded[MAX_CPUS];

static u64 other_cpus(struct arch_vm *vm)
{
	/* The entries were written with plain stores, which x86 may hold in
	 * its store buffer past a later load: without the fence, a CPU that
	 * sets its bit and walks the tables meanwhile could both miss the
	 * new entry and be missed by the flush. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&vm->cpus, __ATOMIC_RELAXED) & ~(1ULL << this_cpu()->id);
}

static bool loaded_here(struct arch_vm *vm)
{
	return (read_cr3() & PTE_ADDR) == vm->pml4_phys;
}

static void flush_pages(struct arch_vm *vm, u64 va, u64 n)
{
	u64 others = other_cpus(vm);

	if (others) {
		tlb_shootdown_cpus(others, va, n);	/* here too */
	} else if (loaded_here(vm)) {
		if (n > 32)
			write_cr3(read_cr3());	/* user entries are not global */
		else
			for (u64 i = 0; i < n; i++)
				invlpg(va + i * PAGE_SIZE);
	}
}

static void flush(struct arch_vm *vm, u64 va)
{
	flush_pages(vm, va, 1);
}

phys_addr_t uvm_unmap(struct arch_vm *vm, u64 va)
{
	u64 *e = va < USER_TOP ? pte(vm, va, false) : NULL;

	if (!e || !leaf_used(*e))
		return 0;
	phys_addr_t pa = *e & PTE_ADDR;
	*e = 0;
	resident_add(vm, -1);
	flush(vm, va);
	return pa;
}

int uvm_protect(struct arch_vm *vm, u64 va, unsigned int prot)
{
	u64 *e = va < USER_TOP ? pte(vm, va, false) : NULL;

	if (!e || !leaf_used(*e))
		return -ENOENT;
	/* a page shared copy-on-write stays read-only until the write fault */
	if (page_count(pfn_to_page((*e & PTE_ADDR) >> PAGE_SHIFT)) > 1)
		prot &= ~UVM_WRITE;
	*e = (*e & PTE_ADDR) | leaf_bits(keep_wp(*e, prot));
	flush(vm, va);
	return 0;
}

/* Copies one level of the lower half, sharing leaf pages read-only;
 * *n counts the leaves copied. */
static int fork_table(u64 *dst, u64 *src, int level, long *n)
{
	for (int i = 0; i < 512; i++) {
		if (!entry_used(src[i], level))
			continue;
		if (level == 1) {
			src[i] &= ~PTE_W;
			dst[i] = src[i];
			page_get(pfn_to_page((src[i] & PTE_ADDR) >> PAGE_SHIFT));
			(*n)++;
			continue;
		}
		struct page *pg = alloc_page(GFP_ZERO);
		if (!pg)
			return -ENOMEM;
		dst[i] = page_to_phys(pg) | PTE_P | PTE_W | PTE_U;
		int rc = fork_table(page_to_virt(pg), phys_to_virt(src[i] & PTE_ADDR), level - 1, n);
		if (rc)
			return rc;
	}
	return 0;
}

int uvm_fork(struct arch_vm *dst, struct arch_vm *src)
{
	int rc = 0;
	long n = 0;

	for (int i = 0; i < 256 && !rc; i++) {
		if (!(src->pml4[i] & PTE_P))
			continue;
		struct page *pg = alloc_page(GFP_ZERO);
		if (!pg) {
			rc = -ENOMEM;
			break;
		}
		dst->pml4[i] = page_to_phys(pg) | PTE_P | PTE_W | PTE_U;
		rc = fork_table(page_to_virt(pg), phys_to_virt(src->pml4[i] & PTE_ADDR), 3, &n);
	}
	resident_add(dst, n);	/* the child's peak starts at what it has */
	/* the parent's pages are read-only now: on every CPU that runs its
	 * threads, or one of them writes on into a page the child shares */
	flush_pages(src, 0, ~0ULL >> 12);
	return rc;	/* on error the caller destroys dst: refcounts stay exact */
}

int uvm_make_private(struct arch_vm *vm, u64 va, unsigned int prot)
{
	u64 *e = va < USER_TOP ? pte(vm, va, false) : NULL;

	if (!e || !leaf_used(*e))
		return -ENOENT;
	struct page *old = pfn_to_page((*e & PTE_ADDR) >> PAGE_SHIFT), *gone = NULL;
	if (page_count(old) > 1) {
		struct page *pg = alloc_anon_page(GFP_KERNEL);
		if (!pg)
			return -ENOMEM;
		memcpy(page_to_virt(pg), page_to_virt(old), PAGE_SIZE);
		*e = page_to_phys(pg) | (*e & ~PTE_ADDR);
		gone = old;
	}
	*e = (*e & PTE_ADDR) | leaf_bits(prot);
	flush(vm, va);
	if (gone)	/* only now: no CPU of this mm still reads it */
		page_put(gone);
	return 0;
}

static void free_table(u64 *tbl, int level, long *n)
{
	for (int i = 0; i < 512; i++) {
		if (!entry_used(tbl[i], level))
			continue;
		phys_addr_t pa = tbl[i] & PTE_ADDR;
		if (level > 1) {
			free_table(phys_to_virt(pa), level - 1, n);
		} else {
			page_put(pfn_to_page(pa >> PAGE_SHIFT));
			(*n)++;
		}
	}
	free_page(virt_to_page(tbl));
}

/* Counts the leaves as it frees them: a resident count that drifted from
 * them is a bug in this file, said once (uvm_drift for the tests). */
long uvm_drift;

void uvm_destroy(struct arch_vm *vm)
{
	long n = 0;

	if (!vm->pml4)
		return;
	for (int i = 0; i < 256; i++)
		if (vm->pml4[i] & PTE_P)
			free_table(phys_to_virt(vm->pml4[i] & PTE_ADDR), 3, &n);
	free_page(virt_to_page(vm->pml4));
	vm->pml4 = NULL;
	long kept = atomic_long_read(&vm->resident);
	if (n != kept && !__atomic_fetch_add(&uvm_drift, 1, __ATOMIC_RELAXED))
		pr_err("uvm: resident count %ld, but %ld pages were mapped\n", kept, n);
}

static u64 count_present(u64 *tbl, int level)
{
	u64 n = 0;

	for (int i = 0; i < 512; i++) {
		if (!entry_used(tbl[i], level))
			continue;
		n += level > 1 ? count_present(phys_to_virt(tbl[i] & PTE_ADDR), level - 1) : 1;
	}
	return n;
}

static u64 count_tables(u64 *tbl, int level)
{
	u64 n = 1;

	for (int i = 0; i < 512 && level > 1; i++)
		if (tbl[i] & PTE_P)
			n += count_tables(phys_to_virt(tbl[i] & PTE_ADDR), level - 1);
	return n;
}

u64 uvm_count_tables(struct arch_vm *vm)
{
	u64 n = 1;	/* the PML4 */

	for (int i = 0; i < 256; i++)
		if (vm->pml4[i] & PTE_P)
			n += count_tables(phys_to_virt(vm->pml4[i] & PTE_ADDR), 3);
	return n;
}

/* The walk, for the tests' check of the count (uvm_count_walk). */
u64 uvm_count_walk(struct arch_vm *vm)
{
	u64 n = 0;

	for (int i = 0; i < 256; i++)
		if (vm->pml4[i] & PTE_P)
			n += count_present(phys_to_virt(vm->pml4[i] & PTE_ADDR), 3);
	return n;
}

u64 uvm_count_present(struct arch_vm *vm)
{
	long n = atomic_long_read(&vm->resident);

	return n > 0 ? (u64)n : 0;
}

u64 uvm_resident_peak(struct arch_vm *vm)
{
	long n = atomic_long_read(&vm->hiwater);

	return n > 0 ? (u64)n : 0;
}

/* Interrupts are off (a task switch, or a task changing its own vm). */
void uvm_activate(struct arch_vm *vm)
{
	phys_addr_t want = vm ? vm->pml4_phys : virt_to_phys(boot_pml4);
	unsigned int id = this_cpu()->id;
	struct arch_vm *old = loaded[id];
	u64 bit = 1ULL << id;

	if (old == vm && (read_cr3() & PTE_ADDR) == want)
		return;
	if (vm)
		__atomic_or_fetch(&vm->cpus, bit, __ATOMIC_SEQ_CST);
	if ((read_cr3() & PTE_ADDR) != want)
		write_cr3(want);
	loaded[id] = vm;
	if (old && old != vm)
		__atomic_and_fetch(&old->cpus, ~bit, __ATOMIC_SEQ_CST);
}

/*
 * Range operations walk the tables level by level and skip absent
 * subtrees, so their cost follows what is mapped, not the size of the
 * range: a 128 TiB mapping with nothing faulted in is a few entries of
 * the PML4. Pages taken out are handed back (fn) only once no TLB can
 * still reach them; emptied page-table pages are freed the same way.
 */
#define LEVEL_SHIFT(level) (12 + 9 * ((level) - 1))	/* 1: PT ... 4: PML4 */
#define GATHER_MAX 64

struct gather {
	struct arch_vm *vm;
	uvm_page_fn fn;
	void *ctx;
	unsigned int prot;	/* protect: the new permissions */
	u64 delta;		/* move: destination - source */
	bool free_tables;
	bool failed;		/* move: a destination table could not be had */
	long unmapped;		/* unmap: leaves taken out */
	u64 lo, hi;		/* span of the entries changed since the last flush */
	unsigned int n, ntables;
	struct { u64 va; phys_addr_t pa; unsigned int prot; } page[GATHER_MAX];
	u64 *table[GATHER_MAX];
};

static void note_change(struct gather *g, u64 va)
{
	if (g->lo >= g->hi) {
		g->lo = va;
		g->hi = va + PAGE_SIZE;
	} else {
		g->lo = MIN(g->lo, va);
		g->hi = MAX(g->hi, va + PAGE_SIZE);
	}
}

/* Makes every change so far visible to all CPUs, then hands back what
 * was taken out. */
static void gather_flush(struct gather *g)
{
	if (g->lo < g->hi)
		flush_pages(g->vm, g->lo, (g->hi - g->lo) / PAGE_SIZE);
	g->lo = g->hi = 0;
	for (unsigned int i = 0; i < g->n; i++)
		g->fn(g->ctx, g->page[i].va, g->page[i].pa, g->page[i].prot);
	for (unsigned int i = 0; i < g->ntables; i++)
		free_page(virt_to_page(g->table[i]));
	g->n = g->ntables = 0;
}

static bool table_empty(const u64 *tbl)
{
	for (int i = 0; i < 512; i++)
		if (tbl[i])	/* what is taken out is zeroed, at every level */
			return false;
	return true;
}

enum walk_op { WALK_VISIT, WALK_UNMAP, WALK_PROTECT, WALK_MOVE_PREPARE, WALK_MOVE, WALK_UFFD_WP };

static void walk_leaf(struct gather *g, enum walk_op op, u64 *e, u64 va)
{
	u64 old = *e;
	phys_addr_t pa = old & PTE_ADDR;

	if (op == WALK_VISIT) {
		g->fn(g->ctx, va, pa, leaf_prot(old));
		return;
	}
	if (op == WALK_MOVE_PREPARE) {	/* the destination's tables, now */
		if (!pte(g->vm, va + g->delta, true))
			g->failed = true;
		return;
	}
	if (op == WALK_MOVE) {		/* the entry itself moves, as it was */
		*pte(g->vm, va + g->delta, false) = old;
		*e = 0;
		note_change(g, va);
		return;
	}
	if (op == WALK_UFFD_WP) {	/* g->prot: 1 protect, 0 clear */
		u64 new = g->prot ? (old | PTE_UFFD_WP) & ~PTE_W : old & ~PTE_UFFD_WP;
		if (new != old) {
			*e = new;
			note_change(g, va);
		}
		return;
	}
	if (op == WALK_PROTECT) {
		unsigned int prot = g->prot;
		/* a page shared copy-on-write stays read-only until the write fault */
		if (page_count(pfn_to_page(pa >> PAGE_SHIFT)) > 1)
			prot &= ~UVM_WRITE;
		u64 new = pa | leaf_bits(keep_wp(old, prot));
		if (new != old) {
			*e = new;
			note_change(g, va);
		}
		return;
	}
	if (g->n == GATHER_MAX)
		gather_flush(g);
	*e = 0;
	g->unmapped++;
	note_change(g, va);
	g->page[g->n].va = va;
	g->page[g->n].pa = pa;
	g->page[g->n].prot = leaf_prot(old);
	g->n++;
}

static void walk(struct gather *g, enum walk_op op, u64 *tbl, int level, u64 start, u64 end)
{
	u64 span = 1ULL << LEVEL_SHIFT(level);

	for (u64 va = start; va < end;) {
		u64 next = MIN(ALIGN_DOWN(va, span) + span, end);
		u64 *e = &tbl[(va >> LEVEL_SHIFT(level)) & 511];
		if (!entry_used(*e, level)) {
			va = next;
			continue;
		}
		if (level == 1) {
			walk_leaf(g, op, e, va);
		} else {
			u64 *child = phys_to_virt(*e & PTE_ADDR);
			walk(g, op, child, level - 1, va, next);
			if (g->free_tables && table_empty(child)) {
				if (g->ntables == GATHER_MAX)
					gather_flush(g);
				*e = 0;
				note_change(g, va);
				g->table[g->ntables++] = child;
			}
		}
		va = next;
	}
}

static void walk_range(struct gather *g, enum walk_op op, u64 start, u64 end)
{
	end = MIN(end, USER_TOP);
	if (start < end)
		walk(g, op, g->vm->pml4, 4, ALIGN_DOWN(start, PAGE_SIZE), end);
	gather_flush(g);
}

void uvm_unmap_range(struct arch_vm *vm, u64 start, u64 end, bool free_tables,
		     uvm_page_fn fn, void *ctx)
{
	struct gather g = { .vm = vm, .fn = fn, .ctx = ctx, .free_tables = free_tables };

	walk_range(&g, WALK_UNMAP, start, end);
	resident_add(vm, -g.unmapped);
}

void uvm_protect_range(struct arch_vm *vm, u64 start, u64 end, unsigned int prot)
{
	struct gather g = { .vm = vm, .prot = prot };

	walk_range(&g, WALK_PROTECT, start, end);
}

void uvm_uffd_wp_range(struct arch_vm *vm, u64 start, u64 end, bool protect)
{
	struct gather g = { .vm = vm, .prot = protect };

	walk_range(&g, WALK_UFFD_WP, start, end);
}

void uvm_visit_range(struct arch_vm *vm, u64 start, u64 end, uvm_page_fn fn, void *ctx)
{
	struct gather g = { .vm = vm, .fn = fn, .ctx = ctx };

	walk_range(&g, WALK_VISIT, start, end);
}

/* Two walks of the source: the first makes every page table the moved
 * entries need (the only step that can fail), the second moves them. */
int uvm_move_range(struct arch_vm *vm, u64 from, u64 to, u64 len)
{
	struct gather g = { .vm = vm, .delta = to - from };

	if (from + len > USER_TOP || to + len > USER_TOP || from + len < from || to + len < to)
		return -EINVAL;
	walk_range(&g, WALK_MOVE_PREPARE, from, from + len);
	if (g.failed)
		return -ENOMEM;		/* nothing moved; the new tables are empty */
	walk_range(&g, WALK_MOVE, from, from + len);
	return 0;
}

/* Write-protects the n pages from va that map pages[] (an entry that
 * maps something else is left alone), with one flush for them all. */
void uvm_wrprotect(struct arch_vm *vm, u64 va, struct page **pages, unsigned int n)
{
	u64 lo = 0, hi = 0;

	for (unsigned int k = 0; k < n; k++) {
		u64 a = va + (u64)k * PAGE_SIZE;
		u64 *e = a < USER_TOP ? pte(vm, a, false) : NULL;
		if (!e || (*e & (PTE_P | PTE_W)) != (PTE_P | PTE_W) ||
		    (*e & PTE_ADDR) != page_to_phys(pages[k]))
			continue;
		*e &= ~PTE_W;
		if (lo == hi)
			lo = a;
		hi = a + PAGE_SIZE;
	}
	if (lo < hi)
		flush_pages(vm, lo, (hi - lo) / PAGE_SIZE);
}
