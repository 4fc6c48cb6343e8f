/*
 * /proc/kpageflags' view of a physical frame: Linux's KPF_* bits
 * (linux/kernel-page-flags.h) for the state Alloy keeps in struct page,
 * and only that. A frame outside every usable RAM region of the boot map
 * is KPF_NOPAGE. Read without a lock: the flags change under their
 * owner's lock (the page cache's, the allocator's), so what is read is a
 * snapshot, as Linux's is. Not reported, because Alloy does not track
 * them per frame: REFERENCED, ACTIVE, MMAP (no map count), SWAP*, RECLAIM,
 * COMPOUND_* (multi-page blocks are not compound pages), HUGE, THP, KSM,
 * IDLE, ZERO_PAGE, PGTABLE, HWPOISON. docs/vfs.md "/proc/kpageflags".
 */
#include <alloy/boot.h>
#include <alloy/compiler.h>
#include <alloy/mm.h>

#define KPF_LOCKED 0
#define KPF_UPTODATE 3
#define KPF_DIRTY 4
#define KPF_LRU 5
#define KPF_SLAB 7
#define KPF_WRITEBACK 8
#define KPF_BUDDY 10
#define KPF_ANON 12
#define KPF_NOPAGE 20
#define KPF_RESERVED 32		/* the "kernel hacking" bits Linux shows too */

u64 kpageflags_max_pfn(void)
{
	return mem_map_pfns;
}

static bool pfn_is_ram(u64 pfn)
{
	u64 pa = pfn << PAGE_SHIFT;

	for (int i = 0; i < boot_info.nr_mem; i++) {
		const struct mem_region *r = &boot_info.mem[i];
		if (r->type == MEM_USABLE && pa >= r->start && pa + PAGE_SIZE <= r->end)
			return true;
	}
	return false;
}

u64 kpageflags_of(u64 pfn)
{
	if (pfn >= mem_map_pfns || !pfn_is_ram(pfn))
		return 1ULL << KPF_NOPAGE;
	u32 f = READ_ONCE(pfn_to_page(pfn)->flags);
	u64 k = 0;

	if (f & PG_RESERVED)
		k |= 1ULL << KPF_RESERVED;
	if (f & PG_BUDDY)
		k |= 1ULL << KPF_BUDDY;
	if (f & PG_SLAB)
		k |= 1ULL << KPF_SLAB;
	if (f & PG_CACHE)	/* every cached page is on the cache's LRU */
		k |= 1ULL << KPF_LRU;
	if (f & PG_UPTODATE)
		k |= 1ULL << KPF_UPTODATE;
	if (f & PG_DIRTY)
		k |= 1ULL << KPF_DIRTY;
	if (f & PG_BUSY)	/* I/O in progress, others wait: Linux's page lock */
		k |= 1ULL << KPF_LOCKED;
	if (f & PG_WRITEBACK)
		k |= 1ULL << KPF_WRITEBACK;
	if (f & PG_ANON)
		k |= 1ULL << KPF_ANON;
	return k;
}
