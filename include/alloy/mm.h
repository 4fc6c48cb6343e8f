/*
 * Physical memory: addresses, struct page and the page allocator.
 *
 * All RAM is mapped at DIRECT_MAP_BASE; the kernel image is linked at
 * KERNEL_VMA. Convert only with phys_to_virt()/virt_to_phys(). Every
 * physical page frame has a struct page in the `mem_map` array.
 */
#ifndef ALLOY_MM_H
#define ALLOY_MM_H

#include <alloy/atomic.h>
#include <alloy/list.h>
#include <alloy/types.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define MAX_ORDER 11		/* orders 0..10: up to 4 MiB blocks */

#define KERNEL_VMA 0xffffffff80000000UL

#ifdef ALLOY_HOST
extern uintptr_t host_direct_map_base;	/* host tests: an arena */
#define DIRECT_MAP_BASE host_direct_map_base
#else
#define DIRECT_MAP_BASE 0xffff800000000000UL
#endif

static inline void *phys_to_virt(phys_addr_t p)
{
	return (void *)(p + DIRECT_MAP_BASE);
}

/* Accepts direct-map addresses and kernel-image addresses. */
static inline phys_addr_t virt_to_phys(const void *v)
{
	uintptr_t a = (uintptr_t)v;
#ifndef ALLOY_HOST
	if (a >= KERNEL_VMA)
		return a - KERNEL_VMA;
#endif
	return a - DIRECT_MAP_BASE;
}

/* page flags */
#define PG_RESERVED (1u << 0)	/* never handed out (image, firmware, holes) */
#define PG_BUDDY (1u << 1)	/* head of a free block in the buddy lists */
#define PG_SLAB (1u << 2)	/* first page of a slab */
#define PG_HEAD (1u << 3)	/* head of an allocated multi-page block */
/* page cache pages (kernel/fs/pcache.c), changed under the cache's lock */
#define PG_CACHE (1u << 4)	/* in a page cache at pc/index */
#define PG_UPTODATE (1u << 5)	/* holds the backing store's data */
#define PG_DIRTY (1u << 6)	/* newer than the backing store */
#define PG_BUSY (1u << 7)	/* I/O in progress: wait for it */
#define PG_WRITEBACK (1u << 8)	/* with PG_BUSY: being written back (no longer
				 * dirty, not yet on the disk) */
#define PG_PCP (1u << 9)	/* free, on a CPU's list of single pages (buddy.c) */
#define PG_ANON (1u << 10)	/* a process's private memory: no file's page
				 * (set at allocation, gone when freed) */

struct kmem_cache;
struct pcache;

struct page {
	u32 flags;
	u8 order;			/* buddy/allocation order of a head */
	union {
		u16 inuse;		/* slab: objects allocated */
		u16 dirty_blocks;	/* page cache: dirty sub-blocks (bit i) */
	};
	atomic_t refcount;		/* users of an allocated page */
	struct list_head lru;		/* buddy free list, slab list, cache LRU */
	union {
		struct {
			struct kmem_cache *slab_cache;	/* owner of a slab page */
			void *freelist;		/* slab: first free object */
		};
		struct {
			struct pcache *pc;	/* page cache: owner */
			u64 index;		/* and position in it */
		};
	};
};

extern struct page *mem_map;
extern u64 mem_map_pfns;		/* entries in mem_map */

static inline struct page *pfn_to_page(u64 pfn) { return &mem_map[pfn]; }
static inline u64 page_to_pfn(const struct page *p) { return (u64)(p - mem_map); }
static inline phys_addr_t page_to_phys(const struct page *p)
{
	return page_to_pfn(p) << PAGE_SHIFT;
}
static inline void *page_to_virt(const struct page *p)
{
	return phys_to_virt(page_to_phys(p));
}
static inline struct page *virt_to_page(const void *v)
{
	return pfn_to_page(virt_to_phys(v) >> PAGE_SHIFT);
}

/* /proc/kpageflags (kernel/mm/kpageflags.c): Linux's KPF_* bits of a
 * frame (KPF_NOPAGE outside RAM), frames below kpageflags_max_pfn(). */
u64 kpageflags_of(u64 pfn);
u64 kpageflags_max_pfn(void);

/* allocation flags */
#define GFP_KERNEL 0u
#define GFP_ZERO (1u << 0)	/* zero the memory */

/*
 * Page allocator (kernel/mm/buddy.c). Boot code calls page_alloc_init()
 * with a mem_map whose entries are all PG_RESERVED, then hands free RAM
 * over with page_alloc_free_range(). Allocation returns NULL when no
 * block of the order is free; it never panics.
 */
void page_alloc_init(struct page *map, u64 nr_pfns);
void page_alloc_free_range(phys_addr_t start, phys_addr_t end);
struct page *alloc_pages(unsigned int gfp, unsigned int order);
void free_pages(struct page *p, unsigned int order);
static inline struct page *alloc_page(unsigned int gfp) { return alloc_pages(gfp, 0); }
/* A page of a process's private memory (fresh, or a copy on write):
 * marked PG_ANON before anyone else can see it. */
static inline struct page *alloc_anon_page(unsigned int gfp)
{
	struct page *p = alloc_pages(gfp, 0);
	if (p)
		p->flags |= PG_ANON;
	return p;
}
static inline void free_page(struct page *p) { free_pages(p, 0); }
/* Shared pages (copy-on-write): the last page_put() frees the page. */
static inline void page_get(struct page *p) { atomic_inc(&p->refcount); }
static inline void page_put(struct page *p)
{
	if (atomic_dec_and_test(&p->refcount))
		free_page(p);
}
static inline int page_count(const struct page *p) { return atomic_read(&p->refcount); }
u64 page_alloc_free_count(void);	/* free pages */
/* Memory others can give back on demand (the page cache and the dentry
 * cache register): a sleeping caller about to fail for want of pages asks
 * for nr first. Each shrinker frees about nr pages' worth if it can and
 * says how much it freed. */
void mm_register_shrinker(u64 (*fn)(u64 nr));
u64 mm_shrink(u64 nr);
/* May a mapping of `pages` be promised? True if that many pages are free,
 * after giving back cached ones if needed (the overcommit check). */
bool mm_can_commit(u64 pages);
u64 page_alloc_total_count(void);	/* pages ever handed to the allocator */
void page_alloc_dump(void);		/* free blocks per order, to the console */
void page_alloc_drain(void);		/* per-CPU free pages back to the buddy lists */

#endif
