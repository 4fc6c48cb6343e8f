// SPDX-License-Identifier: GPL-2.0
/*
 * Slab caches and kmalloc.
 *
 * A slab is one buddy block of 2^order pages cut into objects of the
 * cache's stride, starting at the block's first byte. Its header lives in
 * the struct page of the first page: PG_SLAB, slab_cache, freelist (first
 * free object; each free object holds the next in its first word) and
 * inuse. Every page of a slab, head and tails, has slab_cache set; the
 * head is found by rounding the pfn down to the cache's slab order, which
 * works because buddy blocks are naturally aligned. So the owner of any
 * pointer is known in O(1) without touching the object.
 *
 * Each cache has its own lock and three lists: full, partial and empty
 * slabs. Allocation prefers partial slabs so that empty ones can be given
 * back; a cache keeps at most SLAB_EMPTY_KEEP empty slabs and returns the
 * rest to the page allocator. New slabs are allocated without the cache
 * lock held.
 *
 * Debug builds poison free objects (all but the freelist word) with 0x6b
 * and check the poison when the object is handed out again, validate
 * every freelist pointer they follow, and walk the slab's freelist on
 * each free to catch double frees. Panics drop the cache lock first, so
 * that the OOM dump (and host tests) can still look at the cache.
 *
 * The cache structures themselves come from a static bootstrap cache,
 * `cache_cache`. Requests above KMALLOC_MAX_CACHE_SIZE go straight to the
 * page allocator; their head page is marked with large_kmalloc_mark in
 * its freelist field so that kfree() can tell them from other blocks.
 */
#include <alloy/compiler.h>
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>

#define SLAB_MIN_OBJS 8		/* objects a slab should hold at least */
#define SLAB_MAX_ORDER 3	/* unless an object needs more */
#define SLAB_EMPTY_KEEP 1	/* empty slabs a cache keeps in reserve */
#define SLAB_MIN_ALIGN sizeof(void *)

struct kmem_cache {
	spinlock_t lock;
	const char *name;
	size_t size;			/* object stride */
	unsigned int order;		/* of each slab */
	unsigned int objs;		/* objects per slab */
	struct list_head full;
	struct list_head partial;
	struct list_head empty;
	unsigned long nr_slabs;
	unsigned long nr_empty;
	unsigned long inuse;		/* objects allocated */
	struct list_head node;		/* on cache_list */
};

static struct kmem_cache cache_cache;	/* where kmem_caches come from */
static bool cache_cache_ready;
static LIST_HEAD(cache_list);
static spinlock_t cache_list_lock = SPINLOCK_INIT("slab_caches", LR_SLAB_LIST);

static const size_t kmalloc_sizes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};
static const char *const kmalloc_names[] = {
	"kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64",
	"kmalloc-96", "kmalloc-128", "kmalloc-192", "kmalloc-256",
	"kmalloc-512", "kmalloc-1024", "kmalloc-2048", "kmalloc-4096",
	"kmalloc-8192",
};
static struct kmem_cache *kmalloc_caches[ARRAY_SIZE(kmalloc_sizes)];

static char large_kmalloc_mark;	/* its address tags large kmalloc heads */

static size_t heap_bytes;	/* slab pages + large kmalloc blocks */
static size_t heap_peak;

static void heap_add(size_t bytes)
{
	size_t now = __atomic_add_fetch(&heap_bytes, bytes, __ATOMIC_RELAXED);
	size_t peak = __atomic_load_n(&heap_peak, __ATOMIC_RELAXED);

	while (now > peak &&
	       !__atomic_compare_exchange_n(&heap_peak, &peak, now, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void heap_sub(size_t bytes)
{
	__atomic_sub_fetch(&heap_bytes, bytes, __ATOMIC_RELAXED);
}

size_t kmem_bytes_in_use(void)
{
	return __atomic_load_n(&heap_bytes, __ATOMIC_RELAXED);
}

size_t kmem_high_water(void)
{
	return __atomic_load_n(&heap_peak, __ATOMIC_RELAXED);
}

void kmem_reset_high_water(void)
{
	__atomic_store_n(&heap_peak, kmem_bytes_in_use(), __ATOMIC_RELAXED);
}

static size_t slab_bytes(const struct kmem_cache *c)
{
	return PAGE_SIZE << c->order;
}

static void *slab_base(const struct page *head)
{
	return page_to_virt(head);
}

static unsigned int order_for_bytes(size_t bytes)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

/*
 * The smallest order that holds SLAB_MIN_OBJS objects while wasting at
 * most an eighth of the slab; capped at SLAB_MAX_ORDER, where fewer
 * objects are accepted. Objects larger than that cap get a block of
 * their own size.
 */
static unsigned int slab_order(size_t size)
{
	unsigned int order;

	for (order = 0; order <= SLAB_MAX_ORDER; order++) {
		size_t bytes = PAGE_SIZE << order;
		size_t objs = bytes / size;

		if (objs >= SLAB_MIN_OBJS && (bytes - objs * size) * 8 <= bytes)
			return order;
	}
	if (size <= PAGE_SIZE << SLAB_MAX_ORDER)
		return SLAB_MAX_ORDER;
	return order_for_bytes(size);
}

static void cache_init(struct kmem_cache *c, const char *name, size_t size,
		       size_t align)
{
	spin_lock_init(&c->lock, name, LR_SLAB);
	c->name = name;
	c->size = ALIGN_UP(MAX(size, SLAB_MIN_ALIGN), align);
	c->order = slab_order(c->size);
	c->objs = (unsigned int)(slab_bytes(c) / c->size);
	list_init(&c->full);
	list_init(&c->partial);
	list_init(&c->empty);
	c->nr_slabs = 0;
	c->nr_empty = 0;
	c->inuse = 0;
}

/* ---- debug checks ---------------------------------------------------- */

#ifdef CONFIG_DEBUG
static void poison_obj(const struct kmem_cache *c, void *obj)
{
	memset((char *)obj + sizeof(void *), SLAB_POISON,
	       c->size - sizeof(void *));
}

/* A freelist pointer must be NULL or an object start inside the slab. */
static bool freeptr_ok(const struct kmem_cache *c, const struct page *head,
		       const void *p)
{
	uintptr_t base = (uintptr_t)slab_base(head);
	uintptr_t a = (uintptr_t)p;

	if (!p)
		return true;
	return a >= base && a < base + (uintptr_t)c->objs * c->size &&
	       (a - base) % c->size == 0;
}

/*
 * Called with c->lock held. Walks at most c->objs links, so a corrupted
 * (cyclic) list cannot hang it.
 */
static void check_not_on_freelist(struct kmem_cache *c, struct page *head,
				  void *obj, unsigned long flags)
{
	void *p = head->freelist;
	unsigned int n;

	for (n = 0; p && n < c->objs; n++) {
		if (!freeptr_ok(c, head, p))
			break;
		if (p == obj) {
			spin_unlock_irqrestore(&c->lock, flags);
			panic("slab %s: double free of object %p (offset %#lx in slab %p)",
			      c->name, obj,
			      (unsigned long)((char *)obj - (char *)slab_base(head)),
			      slab_base(head));
		}
		p = *(void **)p;
	}
	if (p && !freeptr_ok(c, head, p)) {
		spin_unlock_irqrestore(&c->lock, flags);
		panic("slab %s: freelist of slab %p corrupted (bad pointer %p): use after free?",
		      c->name, slab_base(head), p);
	}
}

/* The object was free: everything but its freelist word must be poison. */
static void check_poison(const struct kmem_cache *c, void *obj)
{
	const u8 *b = obj;
	size_t i;

	for (i = sizeof(void *); i < c->size; i++) {
		if (b[i] == SLAB_POISON)
			continue;
		panic("slab %s: use after free: object %p modified at offset %lu (byte %#x, expected %#x)",
		      c->name, obj, (unsigned long)i, b[i], SLAB_POISON);
	}
	/* Callers see poison, not a stale pointer, in uninitialized memory. */
	memset(obj, SLAB_POISON, sizeof(void *));
}

static void check_next_free(struct kmem_cache *c, struct page *head,
			    void *obj, void *next, unsigned long flags)
{
	if (freeptr_ok(c, head, next))
		return;
	spin_unlock_irqrestore(&c->lock, flags);
	panic("slab %s: use after free: free object %p modified at offset 0 (freelist pointer %p)",
	      c->name, obj, next);
}
#else
static inline void poison_obj(const struct kmem_cache *c, void *obj)
{
	(void)c;
	(void)obj;
}
static inline void check_not_on_freelist(struct kmem_cache *c,
					 struct page *head, void *obj,
					 unsigned long flags)
{
	(void)c;
	(void)head;
	(void)obj;
	(void)flags;
}
static inline void check_poison(const struct kmem_cache *c, void *obj)
{
	(void)c;
	(void)obj;
}
static inline void check_next_free(struct kmem_cache *c, struct page *head,
				   void *obj, void *next, unsigned long flags)
{
	(void)c;
	(void)head;
	(void)obj;
	(void)next;
	(void)flags;
}
#endif

/* ---- slabs --------------------------------------------------------- */

/* Allocate and format a new slab; the cache lock is not held. */
static struct page *slab_grow(struct kmem_cache *c)
{
	struct page *head = alloc_pages(GFP_KERNEL, c->order);
	char *base;
	void *next = NULL;
	u64 pfn, i;

	if (!head)
		return NULL;
	base = slab_base(head);
#ifdef CONFIG_DEBUG
	memset(base, SLAB_POISON, slab_bytes(c));
#endif
	/* Thread the freelist in address order. */
	for (i = c->objs; i-- > 0;) {
		*(void **)(base + i * c->size) = next;
		next = base + i * c->size;
	}
	head->freelist = next;
	head->inuse = 0;
	head->flags |= PG_SLAB;
	pfn = page_to_pfn(head);
	for (i = 0; i < (1UL << c->order); i++)
		pfn_to_page(pfn + i)->slab_cache = c;
	heap_add(slab_bytes(c));
	return head;
}

/* Give a slab that is off every list back to the page allocator. */
static void slab_release(struct kmem_cache *c, struct page *head)
{
	u64 pfn = page_to_pfn(head);
	u64 i;

	for (i = 0; i < (1UL << c->order); i++)
		pfn_to_page(pfn + i)->slab_cache = NULL;
	head->flags &= ~PG_SLAB;
	head->freelist = NULL;
	head->inuse = 0;
	heap_sub(slab_bytes(c));
	free_pages(head, c->order);
}

static void slab_move(struct page *head, struct list_head *to)
{
	list_del(&head->lru);
	list_add(&head->lru, to);
}

/* Take the first free object of a slab. Caller holds c->lock. */
static void *slab_take(struct kmem_cache *c, struct page *head,
		       unsigned long flags)
{
	void *obj = head->freelist;
	void *next = *(void **)obj;

	check_next_free(c, head, obj, next, flags);
	head->freelist = next;
	if (head->inuse++ == 0)
		c->nr_empty--;
	c->inuse++;
	if (head->inuse == c->objs)
		slab_move(head, &c->full);
	else if (head->inuse == 1)
		slab_move(head, &c->partial);
	return obj;
}

static struct page *slab_pick(struct kmem_cache *c)
{
	struct page *head;

	head = list_first_entry_or_null(&c->partial, struct page, lru);
	if (!head)
		head = list_first_entry_or_null(&c->empty, struct page, lru);
	return head;
}

void *kmem_cache_alloc(struct kmem_cache *c, unsigned int gfp)
{
	struct page *head;
	unsigned long flags;
	void *obj;

	flags = spin_lock_irqsave(&c->lock);
	head = slab_pick(c);
	if (!head) {
		spin_unlock_irqrestore(&c->lock, flags);
		head = slab_grow(c);
		if (!head)
			return NULL;
		flags = spin_lock_irqsave(&c->lock);
		/*
		 * Take from the new slab even if others freed objects
		 * meanwhile: it then never counts as a second empty slab.
		 */
		list_add(&head->lru, &c->empty);
		c->nr_slabs++;
		c->nr_empty++;
	}
	obj = slab_take(c, head, flags);
	spin_unlock_irqrestore(&c->lock, flags);

	check_poison(c, obj);
	if (gfp & GFP_ZERO)
		memset(obj, 0, c->size);
	return obj;
}

/*
 * The slab head of an object of cache c; panics unless obj is the start
 * of an object of c. Needs no lock: a slab cannot be released while one
 * of its objects is allocated.
 */
static struct page *obj_to_slab(struct kmem_cache *c, const void *obj)
{
	u64 pfn = virt_to_phys(obj) >> PAGE_SHIFT;
	struct page *head;
	uintptr_t off;

	if (pfn >= mem_map_pfns)
		panic("slab %s: free of %p, which is not in mem_map", c->name, obj);
	if (pfn_to_page(pfn)->slab_cache != c)
		panic("slab %s: free of %p, which is not an object of this cache (page owner %s)",
		      c->name, obj,
		      pfn_to_page(pfn)->slab_cache ?
		      pfn_to_page(pfn)->slab_cache->name : "none");
	head = pfn_to_page(pfn & ~((1UL << c->order) - 1));
	off = (uintptr_t)obj - (uintptr_t)slab_base(head);
	if (!(head->flags & PG_SLAB) || head->slab_cache != c)
		panic("slab %s: slab header of %p is corrupted", c->name, obj);
	if (off % c->size || off / c->size >= c->objs)
		panic("slab %s: free of %p, which is not an object start (offset %#lx in slab %p)",
		      c->name, obj, (unsigned long)off, slab_base(head));
	return head;
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	struct page *head, *release = NULL;
	unsigned long flags;

	if (!obj)
		return;
	head = obj_to_slab(c, obj);
	/* A double free is still caught below: only bytes past word 0 change. */
	poison_obj(c, obj);

	flags = spin_lock_irqsave(&c->lock);
	check_not_on_freelist(c, head, obj, flags);
	*(void **)obj = head->freelist;
	head->freelist = obj;
	c->inuse--;
	if (head->inuse-- == c->objs && head->inuse)
		slab_move(head, &c->partial);
	if (head->inuse == 0) {
		if (c->nr_empty >= SLAB_EMPTY_KEEP) {
			list_del(&head->lru);
			c->nr_slabs--;
			release = head;
		} else {
			slab_move(head, &c->empty);
			c->nr_empty++;
		}
	}
	spin_unlock_irqrestore(&c->lock, flags);

	if (release)
		slab_release(c, release);
}

size_t kmem_cache_size(const struct kmem_cache *c)
{
	return c->size;
}

/* ---- cache creation ------------------------------------------------ */

static void cache_list_add(struct kmem_cache *c)
{
	unsigned long flags = spin_lock_irqsave(&cache_list_lock);

	if (!cache_cache_ready) {
		cache_init(&cache_cache, "kmem_cache", sizeof(struct kmem_cache),
			   SLAB_MIN_ALIGN);
		list_add_tail(&cache_cache.node, &cache_list);
		cache_cache_ready = true;
	}
	if (c)
		list_add_tail(&c->node, &cache_list);
	spin_unlock_irqrestore(&cache_list_lock, flags);
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size,
				     size_t align)
{
	struct kmem_cache *c;

	if (!align)
		align = SLAB_MIN_ALIGN;
	if (!size || size > (PAGE_SIZE << (MAX_ORDER - 1)) ||
	    align & (align - 1) || align > PAGE_SIZE)
		return NULL;
	align = MAX(align, SLAB_MIN_ALIGN);
	if (ALIGN_UP(size, align) > (PAGE_SIZE << (MAX_ORDER - 1)))
		return NULL;

	cache_list_add(NULL);	/* bootstraps cache_cache on first use */
	c = kmem_cache_alloc(&cache_cache, GFP_KERNEL);
	if (!c)
		return NULL;
	cache_init(c, name, size, align);
	cache_list_add(c);
	return c;
}

int kmem_cache_destroy(struct kmem_cache *c)
{
	struct page *head, *tmp;
	unsigned long flags;
	LIST_HEAD(slabs);

	if (!c)
		return 0;
	flags = spin_lock_irqsave(&c->lock);
	if (c->inuse) {
		spin_unlock_irqrestore(&c->lock, flags);
		return -EBUSY;
	}
	/* With no object in use, every slab is on the empty list. */
	list_splice_init(&c->empty, &slabs);
	c->nr_slabs = 0;
	c->nr_empty = 0;
	spin_unlock_irqrestore(&c->lock, flags);

	list_for_each_entry_safe(head, tmp, &slabs, lru) {
		list_del(&head->lru);
		slab_release(c, head);
	}

	flags = spin_lock_irqsave(&cache_list_lock);
	list_del(&c->node);
	spin_unlock_irqrestore(&cache_list_lock, flags);
	kmem_cache_free(&cache_cache, c);
	return 0;
}

/* ---- kmalloc ------------------------------------------------------- */

void kmalloc_init(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++) {
		if (kmalloc_caches[i])
			continue;
		kmalloc_caches[i] = kmem_cache_create(kmalloc_names[i],
						      kmalloc_sizes[i], 0);
		if (!kmalloc_caches[i])
			panic("kmalloc_init: cannot create %s", kmalloc_names[i]);
	}
}

static struct kmem_cache *kmalloc_cache(size_t size)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++)
		if (size <= kmalloc_sizes[i])
			break;
	if (unlikely(!kmalloc_caches[i]))
		panic("kmalloc(%lu) before kmalloc_init()", (unsigned long)size);
	return kmalloc_caches[i];
}

static void *kmalloc_large(size_t size, unsigned int gfp)
{
	unsigned int order = order_for_bytes(size);
	struct page *head;

	/* Never more than one MAX_ORDER block (DESIGN §3). */
	if (order >= MAX_ORDER)
		return NULL;
	head = alloc_pages(gfp & GFP_ZERO, order);
	if (!head)
		return NULL;
	head->freelist = &large_kmalloc_mark;
	heap_add(PAGE_SIZE << order);
	return page_to_virt(head);
}

void *kmalloc(size_t size, unsigned int gfp)
{
	if (size > KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_large(size, gfp);
	return kmem_cache_alloc(kmalloc_cache(size ? size : 1), gfp);
}

static bool is_large_kmalloc(const struct page *page, const void *p)
{
	return (page->flags & PG_HEAD) && !(page->flags & PG_SLAB) &&
	       page->freelist == &large_kmalloc_mark && p == page_to_virt(page);
}

static struct page *kmalloc_page(const void *p, const char *who)
{
	u64 pfn = virt_to_phys(p) >> PAGE_SHIFT;

	if (pfn >= mem_map_pfns)
		panic("%s: %p is not a kmalloc pointer (outside mem_map)", who, p);
	return pfn_to_page(pfn);
}

void kfree(const void *p)
{
	struct page *page;

	if (!p)
		return;
	page = kmalloc_page(p, "kfree");
	if (page->slab_cache) {
		kmem_cache_free(page->slab_cache, (void *)p);
		return;
	}
	if (!is_large_kmalloc(page, p))
		panic("kfree: %p is not a kmalloc pointer (page flags %#x)%s", p,
		      page->flags,
		      (page->flags & (PG_BUDDY | PG_PCP)) ? ": double free" : "");
	page->freelist = NULL;
	heap_sub(PAGE_SIZE << page->order);
	free_pages(page, page->order);
}

size_t ksize(const void *p)
{
	struct page *page;

	if (!p)
		return 0;
	page = kmalloc_page(p, "ksize");
	if (page->slab_cache)
		return page->slab_cache->size;
	if (!is_large_kmalloc(page, p))
		panic("ksize: %p is not a kmalloc pointer", p);
	return PAGE_SIZE << page->order;
}

/* ---- diagnostics --------------------------------------------------- */

void kmem_dump_caches(void)
{
	struct kmem_cache *c;
	unsigned long flags;

	pr_info("slab: heap %lu KiB in use, %lu KiB peak\n",
		(unsigned long)(kmem_bytes_in_use() >> 10),
		(unsigned long)(kmem_high_water() >> 10));
	pr_info("slab: %-16s %8s %6s %8s %8s %5s\n", "cache", "objsize",
		"slabs", "inuse", "objects", "order");
	flags = spin_lock_irqsave(&cache_list_lock);
	list_for_each_entry(c, &cache_list, node) {
		unsigned long slabs, inuse, lf;

		lf = spin_lock_irqsave(&c->lock);
		slabs = c->nr_slabs;
		inuse = c->inuse;
		spin_unlock_irqrestore(&c->lock, lf);
		pr_info("slab: %-16s %8lu %6lu %8lu %8lu %5u\n", c->name,
			(unsigned long)c->size, slabs, inuse, slabs * c->objs,
			c->order);
	}
	spin_unlock_irqrestore(&cache_list_lock, flags);
}

bool kmem_cache_info(unsigned int idx, struct kmem_cache_info *out)
{
	struct kmem_cache *c;
	bool found = false;
	unsigned long flags = spin_lock_irqsave(&cache_list_lock);

	list_for_each_entry(c, &cache_list, node) {
		if (idx--)
			continue;
		unsigned long lf = spin_lock_irqsave(&c->lock);
		size_t n = 0;	/* (no strlcpy: the host tests build this file alone) */
		for (; n + 1 < sizeof(out->name) && c->name[n]; n++)
			out->name[n] = c->name[n];
		out->name[n] = 0;
		out->size = c->size;
		out->objs_per_slab = c->objs;
		out->pages_per_slab = 1UL << c->order;
		out->slabs = c->nr_slabs;
		out->inuse = c->inuse;
		spin_unlock_irqrestore(&c->lock, lf);
		found = true;
		break;
	}
	spin_unlock_irqrestore(&cache_list_lock, flags);
	return found;
}

void *__kmalloc_nofail(size_t size, const char *file, int line)
{
	void *p = kmalloc(size, GFP_KERNEL);

	if (likely(p))
		return p;
	pr_err("kmalloc_nofail: out of memory: %lu bytes at %s:%d, %lu pages free\n",
	       (unsigned long)size, file, line,
	       (unsigned long)page_alloc_free_count());
	kmem_dump_caches();
	page_alloc_dump();
	panic("kmalloc_nofail: out of memory: %lu bytes at %s:%d (%lu of %lu pages free)",
	      (unsigned long)size, file, line,
	      (unsigned long)page_alloc_free_count(),
	      (unsigned long)page_alloc_total_count());
}
