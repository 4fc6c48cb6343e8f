// SPDX-License-Identifier: GPL-2.0
/*
 * The page allocator: a binary buddy system over mem_map.
 *
 * A free block of 2^order pages starts at a pfn aligned to 2^order; its
 * first struct page (the head) carries PG_BUDDY and the order and sits on
 * free_area[order]. The other pages of a free block have no flags. The
 * buddy of the block at pfn is the block at pfn ^ 2^order: when both are
 * free they merge into one block of the next order, so after everything
 * is freed the lists hold the largest aligned blocks again.
 *
 * An allocated block's head has refcount 1, its order, and PG_HEAD when
 * the block has more than one page; free_pages() must be called on that
 * head with that order. One spinlock covers the lists and the counters;
 * zeroing and debug poisoning are done outside it.
 *
 * Single pages, most of what is asked for (page faults, page tables, the
 * page cache), go through per-CPU lists first: each CPU keeps up to
 * PCP_HIGH free pages and fetches or returns PCP_BATCH at a time under
 * buddy_lock. A page on a per-CPU list is free (counted by
 * page_alloc_free_count) and marked PG_PCP, and does not merge with its
 * buddy until it goes back. Each list has its own lock, which its CPU
 * takes uncontended, so that an allocation that finds the buddy lists
 * short can drain every CPU's list before it fails.
 */
#include <alloy/compiler.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>

#define PAGE_POISON 0x6b

struct page *mem_map;
u64 mem_map_pfns;

struct free_area {
	struct list_head list;
	u64 nr_blocks;
};

static struct free_area free_area[MAX_ORDER];
static spinlock_t buddy_lock = SPINLOCK_INIT("buddy", LR_BUDDY);
static u64 nr_free;		/* pages on the free lists */
static u64 nr_total;		/* pages handed over by page_alloc_free_range */

#define PCP_HIGH 64		/* a CPU's list gives PCP_BATCH back above this */
#define PCP_BATCH 16

struct pcp_list {
	spinlock_t lock;
	struct list_head pages;	/* [lock] PG_PCP pages, most recently freed first */
	unsigned int count;	/* [lock]; read without it by page_alloc_free_count */
} __attribute__((aligned(64)));

#ifdef ALLOY_HOST
#define PCP_CPUS 1		/* host tests: one list, shared by their threads */
static unsigned int pcp_cpu(void) { return 0; }
#else
#include <alloy/cpu.h>
#define PCP_CPUS MAX_CPUS
static unsigned int pcp_cpu(void) { return this_cpu()->id; }
#endif
static struct pcp_list pcp[PCP_CPUS];

static void area_add(struct page *head, unsigned int order)
{
	head->flags = PG_BUDDY;
	head->order = order;
	list_add(&head->lru, &free_area[order].list);
	free_area[order].nr_blocks++;
}

static void area_del(struct page *head, unsigned int order)
{
	list_del(&head->lru);
	head->flags &= ~PG_BUDDY;
	free_area[order].nr_blocks--;
}

void page_alloc_init(struct page *map, u64 nr_pfns)
{
	unsigned int o;

	mem_map = map;
	mem_map_pfns = nr_pfns;
	for (o = 0; o < MAX_ORDER; o++) {
		list_init(&free_area[o].list);
		free_area[o].nr_blocks = 0;
	}
	nr_free = 0;
	nr_total = 0;
	for (o = 0; o < PCP_CPUS; o++) {
		spin_lock_init(&pcp[o].lock, "page-pcp", LR_PCP);
		list_init(&pcp[o].pages);
		pcp[o].count = 0;
	}
}

/*
 * Put the block [pfn, pfn + 2^order) on the free lists, merging it with
 * its buddy for as long as the buddy is a free block of the same order.
 * A buddy's order must match exactly: a free block of another order at
 * that pfn is only part of the buddy. Caller holds buddy_lock.
 */
static void __free_block(u64 pfn, unsigned int order)
{
	while (order < MAX_ORDER - 1) {
		u64 buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy;

		if (buddy_pfn >= mem_map_pfns)
			break;
		buddy = pfn_to_page(buddy_pfn);
		if (!(buddy->flags & PG_BUDDY) || buddy->order != order)
			break;
		area_del(buddy, order);
		pfn &= ~(1UL << order);
		order++;
	}
	area_add(pfn_to_page(pfn), order);
}

/*
 * Find the smallest free block of at least `order` and split it down,
 * giving the upper halves back to the lists. Caller holds buddy_lock.
 */
static struct page *__alloc_block(unsigned int order)
{
	struct page *page = NULL;
	unsigned int o;

	for (o = order; o < MAX_ORDER; o++) {
		page = list_first_entry_or_null(&free_area[o].list,
						struct page, lru);
		if (page)
			break;
	}
	if (!page)
		return NULL;
	area_del(page, o);
	while (o > order) {
		o--;
		area_add(page + (1UL << o), o);
	}
	nr_free -= 1UL << order;
	return page;
}

static unsigned int largest_order_at(u64 pfn, u64 end_pfn)
{
	unsigned int order = 0;

	while (order < MAX_ORDER - 1 && IS_ALIGNED(pfn, 1UL << (order + 1)) &&
	       pfn + (1UL << (order + 1)) <= end_pfn)
		order++;
	return order;
}

/*
 * Boot hands RAM over range by range; blocks of neighbouring ranges
 * merge as they arrive. Partial pages at either end stay reserved.
 */
void page_alloc_free_range(phys_addr_t start, phys_addr_t end)
{
	u64 pfn = ALIGN_UP(start, PAGE_SIZE) >> PAGE_SHIFT;
	u64 end_pfn = ALIGN_DOWN(end, PAGE_SIZE) >> PAGE_SHIFT;
	unsigned long flags;

	if (end_pfn > mem_map_pfns) {
		pr_warn("page_alloc: range end %#lx beyond mem_map (%lu pages), clipped\n",
			(unsigned long)end, (unsigned long)mem_map_pfns);
		end_pfn = mem_map_pfns;
	}
	flags = spin_lock_irqsave(&buddy_lock);
	while (pfn < end_pfn) {
		unsigned int order = largest_order_at(pfn, end_pfn);
		u64 n = 1UL << order, i;

		for (i = 0; i < n; i++) {
			struct page *p = pfn_to_page(pfn + i);

			if (!(p->flags & PG_RESERVED)) {
				spin_unlock_irqrestore(&buddy_lock, flags);
				panic("page_alloc_free_range: pfn %#lx handed over twice",
				      (unsigned long)(pfn + i));
			}
			/* Boot may only have set the flags: clear the rest. */
			p->flags = 0;
			p->order = 0;
			p->inuse = 0;
			p->slab_cache = NULL;
			p->freelist = NULL;
			atomic_set(&p->refcount, 0);
		}
		__free_block(pfn, order);
		nr_free += n;
		nr_total += n;
		pfn += n;
	}
	spin_unlock_irqrestore(&buddy_lock, flags);
}

/* Up to n pages from the buddy lists onto pl. Caller holds pl->lock. */
static void pcp_refill(struct pcp_list *pl, unsigned int n)
{
	spin_lock(&buddy_lock);
	while (n--) {
		struct page *page = __alloc_block(0);
		if (!page)
			break;
		page->flags = PG_PCP;
		list_add_tail(&page->lru, &pl->pages);
		pl->count++;
	}
	spin_unlock(&buddy_lock);
}

/* The n least recently freed pages of pl back to the buddy lists.
 * Caller holds pl->lock. */
static void pcp_spill(struct pcp_list *pl, unsigned int n)
{
	spin_lock(&buddy_lock);
	while (n-- && pl->count) {
		struct page *page = list_last_entry(&pl->pages, struct page, lru);
		list_del(&page->lru);
		pl->count--;
		page->flags = 0;
		__free_block(page_to_pfn(page), 0);
		nr_free++;
	}
	spin_unlock(&buddy_lock);
}

/* Every CPU's list back to the buddy lists: before an allocation fails,
 * and for a caller that wants the lists merged (page_alloc_drain). */
void page_alloc_drain(void)
{
	for (unsigned int c = 0; c < PCP_CPUS; c++) {
		struct pcp_list *pl = &pcp[c];
		if (!READ_ONCE(pl->count))
			continue;
		unsigned long flags = spin_lock_irqsave(&pl->lock);
		pcp_spill(pl, pl->count);
		spin_unlock_irqrestore(&pl->lock, flags);
	}
}

static struct page *pcp_alloc(void)
{
	unsigned long flags = arch_irq_save();	/* stay on this CPU's list */
	struct pcp_list *pl = &pcp[pcp_cpu()];
	struct page *page;

	spin_lock(&pl->lock);
	if (!pl->count)
		pcp_refill(pl, PCP_BATCH);
	page = list_first_entry_or_null(&pl->pages, struct page, lru);
	if (page) {
		list_del(&page->lru);
		pl->count--;
	}
	spin_unlock(&pl->lock);
	arch_irq_restore(flags);
	return page;
}

static void pcp_free(struct page *p)
{
	unsigned long flags = arch_irq_save();
	struct pcp_list *pl = &pcp[pcp_cpu()];

	spin_lock(&pl->lock);
	p->flags = PG_PCP;
	list_add(&p->lru, &pl->pages);
	if (++pl->count > PCP_HIGH)
		pcp_spill(pl, PCP_BATCH);
	spin_unlock(&pl->lock);
	arch_irq_restore(flags);
}

static struct page *buddy_alloc(unsigned int order)
{
	unsigned long flags = spin_lock_irqsave(&buddy_lock);
	struct page *page = __alloc_block(order);

	spin_unlock_irqrestore(&buddy_lock, flags);
	return page;
}

static void prep_new_block(struct page *page, unsigned int order)
{
	page->flags = order ? PG_HEAD : 0;
	page->order = order;
	page->inuse = 0;
	page->slab_cache = NULL;
	page->freelist = NULL;
	atomic_set(&page->refcount, 1);
}

struct page *alloc_pages(unsigned int gfp, unsigned int order)
{
	struct page *page;

	if (order >= MAX_ORDER)
		return NULL;
	page = order ? buddy_alloc(order) : pcp_alloc();
	if (!page) {
		/* free pages may wait on other CPUs' lists, or keep a block
		 * from merging: give them all back before failing */
		page_alloc_drain();
		page = buddy_alloc(order);
	}
	if (!page)
		return NULL;
	prep_new_block(page, order);
	if (gfp & GFP_ZERO)
		memset(page_to_virt(page), 0, PAGE_SIZE << order);
	return page;
}

#ifdef CONFIG_DEBUG
/*
 * Checks that need no lock: the page must be an allocated block head of
 * this order inside mem_map. Free-list membership is checked under the
 * lock by find_free_block().
 */
static void check_free_args(struct page *p, unsigned int order)
{
	u64 pfn = (u64)(p - mem_map);

	if (p < mem_map || order >= MAX_ORDER || pfn >= mem_map_pfns ||
	    pfn + (1UL << order) > mem_map_pfns)
		panic("free_pages: page %p order %u is outside mem_map (%lu pages)",
		      (void *)p, order, (unsigned long)mem_map_pfns);
	if (!IS_ALIGNED(pfn, 1UL << order))
		panic("free_pages: pfn %#lx is misaligned for order %u",
		      (unsigned long)pfn, order);
	if (p->flags & PG_RESERVED)
		panic("free_pages: pfn %#lx is reserved", (unsigned long)pfn);
	if (p->flags & PG_SLAB)
		panic("free_pages: pfn %#lx is still a slab", (unsigned long)pfn);
	if (atomic_read(&p->refcount) > 1)
		panic("free_pages: pfn %#lx still has %d references",
		      (unsigned long)pfn, atomic_read(&p->refcount));
	if (p->flags & PG_BUDDY)
		return;		/* double free: reported under the lock */
	if (p->flags & PG_PCP)
		panic("free_pages: double free of pfn %#lx (on a per-CPU free list)",
		      (unsigned long)pfn);
	if (!!(p->flags & PG_HEAD) != (order > 0) ||
	    ((p->flags & PG_HEAD) && p->order != order))
		panic("free_pages: pfn %#lx freed with order %u, allocated with order %u",
		      (unsigned long)pfn, order,
		      (p->flags & PG_HEAD) ? p->order : 0);
}

/*
 * Return the head pfn of the free block holding pfn, or -1. A free block
 * of order o containing pfn starts at pfn rounded down to 2^o, so one
 * probe per order suffices. Caller holds buddy_lock.
 */
static s64 find_free_block(u64 pfn)
{
	unsigned int o;

	for (o = 0; o < MAX_ORDER; o++) {
		u64 head = pfn & ~((1UL << o) - 1);
		struct page *h = pfn_to_page(head);

		if ((h->flags & PG_BUDDY) && h->order >= o)
			return (s64)head;
	}
	return -1;
}

/*
 * A free block overlapping [pfn, pfn + 2^order) either holds pfn or has
 * its head inside the range. Caller holds buddy_lock; it is dropped
 * before panicking so that a host test can go on after the report.
 */
static void check_not_free(u64 pfn, unsigned int order, unsigned long flags)
{
	s64 head = find_free_block(pfn);
	u64 i;

	for (i = 1; head < 0 && i < (1UL << order); i++)
		if (pfn_to_page(pfn + i)->flags & PG_BUDDY)
			head = (s64)(pfn + i);
	if (head < 0)
		return;
	spin_unlock_irqrestore(&buddy_lock, flags);
	panic("free_pages: double free of pfn %#lx order %u (free block at pfn %#lx order %u)",
	      (unsigned long)pfn, order, (unsigned long)head,
	      pfn_to_page((u64)head)->order);
}

static void poison_block(struct page *p, unsigned int order)
{
	memset(page_to_virt(p), PAGE_POISON, PAGE_SIZE << order);
}
#else
static inline void check_free_args(struct page *p, unsigned int order)
{
	(void)p;
	(void)order;
}
static inline void check_not_free(u64 pfn, unsigned int order,
				  unsigned long flags)
{
	(void)pfn;
	(void)order;
	(void)flags;
}
static inline void poison_block(struct page *p, unsigned int order)
{
	(void)p;
	(void)order;
}
#endif

void free_pages(struct page *p, unsigned int order)
{
	u64 pfn = page_to_pfn(p);
	unsigned long flags;

	check_free_args(p, order);
	/*
	 * Poison before taking the lock: if this is a double free the
	 * block is free memory anyway, and the check below reports it
	 * before any list or page state changes.
	 */
	poison_block(p, order);
#ifdef CONFIG_DEBUG
	if (!order) {	/* inside a free block? (the buddy lists' lock) */
		flags = spin_lock_irqsave(&buddy_lock);
		check_not_free(pfn, 0, flags);
		spin_unlock_irqrestore(&buddy_lock, flags);
	}
#endif
	p->slab_cache = NULL;
	p->freelist = NULL;
	atomic_set(&p->refcount, 0);
	if (!order) {
		pcp_free(p);
		return;
	}
	flags = spin_lock_irqsave(&buddy_lock);
	check_not_free(pfn, order, flags);
	p->flags = 0;
	__free_block(pfn, order);
	nr_free += 1UL << order;
	spin_unlock_irqrestore(&buddy_lock, flags);
}

u64 page_alloc_free_count(void)
{
	u64 n = READ_ONCE(nr_free);

	for (unsigned int c = 0; c < PCP_CPUS; c++)
		n += READ_ONCE(pcp[c].count);
	return n;
}

u64 page_alloc_total_count(void)
{
	return READ_ONCE(nr_total);
}

void page_alloc_dump(void)
{
	u64 blocks[MAX_ORDER];
	u64 free, total;
	unsigned long flags;
	unsigned int o;

	/* Snapshot under the lock, print without it. */
	flags = spin_lock_irqsave(&buddy_lock);
	for (o = 0; o < MAX_ORDER; o++)
		blocks[o] = free_area[o].nr_blocks;
	free = nr_free;
	total = nr_total;
	spin_unlock_irqrestore(&buddy_lock, flags);

	pr_info("page_alloc: %lu of %lu pages free (%lu on per-CPU lists)\n",
		(unsigned long)page_alloc_free_count(), (unsigned long)total,
		(unsigned long)(page_alloc_free_count() - free));
	for (o = 0; o < MAX_ORDER; o++)
		pr_info("page_alloc:   order %2u (%5lu KiB): %lu free blocks\n", o,
			(PAGE_SIZE << o) >> 10, (unsigned long)blocks[o]);
}

#define MAX_SHRINKERS 4
static u64 (*shrinkers[MAX_SHRINKERS])(u64 nr);

/* Registering the same function again does nothing (the page cache does
 * it from every pcache_init); slots fill by compare-and-swap, never empty. */
void mm_register_shrinker(u64 (*fn)(u64 nr))
{
	for (int k = 0; k < MAX_SHRINKERS; k++) {
		u64 (*cur)(u64) = __atomic_load_n(&shrinkers[k], __ATOMIC_ACQUIRE);
		if (cur == fn)
			return;
		if (!cur && __atomic_compare_exchange_n(&shrinkers[k], &cur, fn, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return;
		if (cur == fn)
			return;	/* another task registered it meanwhile */
	}
	panic("mm: more than %d shrinkers", MAX_SHRINKERS);
}

/* Every shrinker is asked each time (the page cache and the dentry cache
 * both give back what they can), so none is starved behind another. */
u64 mm_shrink(u64 nr)
{
	u64 freed = 0;

	for (int k = 0; k < MAX_SHRINKERS; k++) {
		u64 (*fn)(u64) = __atomic_load_n(&shrinkers[k], __ATOMIC_ACQUIRE);
		if (fn)
			freed += fn(nr);
	}
	return freed;
}

/* vm/overcommit_memory: 0 the heuristic below, 1 always yes; 2 (strict
 * accounting, not kept here) is taken as 0. */
static long overcommit_memory;
SYSCTL_INT(overcommit_memory, "vm/overcommit_memory", 0644, &overcommit_memory, 0, 2);

bool mm_can_commit(u64 pages)
{
	u64 free = page_alloc_free_count();

	if (pages <= free || READ_ONCE(overcommit_memory) == 1)
		return true;
	if (pages - free > page_alloc_total_count())
		return false;	/* more than the machine: do not empty the cache */
	while (page_alloc_free_count() < pages && mm_shrink(1024))
		;
	return pages <= page_alloc_free_count();
}
