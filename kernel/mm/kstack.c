/*
 * Kernel stacks live in their own virtual region, one slot each: a guard
 * page that is never mapped, then KSTACK_PAGES mapped pages. Overflowing a
 * stack faults on the guard page; the double-fault handler runs on its own
 * IST stack and reports it instead of silently corrupting a neighbour.
 */
#include <alloy/arch.h>
#include <alloy/kstack.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/spinlock.h>
#include <asm/paging.h>

#define SLOT_PAGES (KSTACK_PAGES + 1)
#define SLOT_SIZE (SLOT_PAGES * PAGE_SIZE)
#define MAX_SLOTS 32768

static spinlock_t slot_lock = SPINLOCK_INIT("kstack-slots", LR_KSTACK);
static u64 slot_bitmap[MAX_SLOTS / 64];
static unsigned int next_slot;		/* next-fit cursor */

static int slot_get(void)
{
	int found = -1;
	unsigned long flags = spin_lock_irqsave(&slot_lock);

	for (unsigned int i = 0; i < MAX_SLOTS; i++) {
		unsigned int s = (next_slot + i) % MAX_SLOTS;
		if (!(slot_bitmap[s / 64] & (1ULL << (s % 64)))) {
			slot_bitmap[s / 64] |= 1ULL << (s % 64);
			next_slot = (s + 1) % MAX_SLOTS;
			found = (int)s;
			break;
		}
	}
	spin_unlock_irqrestore(&slot_lock, flags);
	return found;
}

static void slot_put(unsigned int s)
{
	unsigned long flags = spin_lock_irqsave(&slot_lock);
	slot_bitmap[s / 64] &= ~(1ULL << (s % 64));
	spin_unlock_irqrestore(&slot_lock, flags);
}

static u64 slot_base(unsigned int s)
{
	return KSTACK_REGION + (u64)s * SLOT_SIZE;
}

void *kstack_alloc(void)
{
	int s = slot_get();

	if (s < 0)
		return NULL;
	u64 bottom = slot_base((unsigned int)s) + PAGE_SIZE;	/* above the guard */
	for (unsigned int i = 0; i < KSTACK_PAGES; i++) {
		struct page *pg = alloc_page(GFP_KERNEL);
		if (!pg || kmap_page(bottom + i * PAGE_SIZE, page_to_phys(pg),
				     KMAP_WRITE)) {
			if (pg)
				free_page(pg);
			kstack_free((void *)(bottom + KSTACK_SIZE));
			return NULL;
		}
	}
	return (void *)(bottom + KSTACK_SIZE);
}

void kstack_free(void *top)
{
	u64 bottom = (u64)top - KSTACK_SIZE;
	phys_addr_t frames[KSTACK_PAGES];

	kunmap_range(bottom, KSTACK_PAGES, frames);
	for (unsigned int i = 0; i < KSTACK_PAGES; i++)
		if (frames[i])
			free_page(pfn_to_page(frames[i] >> PAGE_SHIFT));
	slot_put((unsigned int)((bottom - PAGE_SIZE - KSTACK_REGION) / SLOT_SIZE));
}

bool kstack_is_guard(u64 addr)
{
	if (addr < KSTACK_REGION || addr >= KSTACK_REGION + (u64)MAX_SLOTS * SLOT_SIZE)
		return false;
	return (addr - KSTACK_REGION) % SLOT_SIZE < PAGE_SIZE;
}
