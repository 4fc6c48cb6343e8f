/*
 * Slab caches and kmalloc (kernel/mm/slab.c).
 *
 * A cache hands out objects of one size. Its slabs are buddy blocks; the
 * slab header lives in the struct page of the block's first page (PG_SLAB,
 * slab_cache, freelist, inuse) and every page of a slab points back to the
 * cache, so the owner of any object is found in O(1) from its address.
 * Empty slabs go back to the page allocator, except one kept per cache.
 *
 * kmalloc() serves sizes up to KMALLOC_MAX_CACHE_SIZE from size-class
 * caches and larger ones straight from the page allocator (at most one
 * MAX_ORDER block). Every allocator here returns NULL on failure; only
 * kmalloc_nofail() panics, with a diagnostic, for callers that cannot go
 * on without the memory.
 *
 * Debug builds (CONFIG_DEBUG) poison free objects with 0x6b, check the
 * poison on allocation (use after free), and panic on double frees and on
 * frees of pointers that are not object starts.
 */
#ifndef ALLOY_SLAB_H
#define ALLOY_SLAB_H

#include <alloy/mm.h>
#include <alloy/types.h>

#define KMALLOC_MAX_CACHE_SIZE 8192
#define SLAB_POISON 0x6b

/*
 * `name` is kept by reference and must outlive the cache. `align` is a
 * power of two up to PAGE_SIZE, or 0 for the default (8 bytes).
 * Returns NULL on out-of-memory or bad arguments.
 */
struct kmem_cache *kmem_cache_create(const char *name, size_t size,
				     size_t align);
/* Returns 0, or -EBUSY (and does nothing) while objects are allocated. */
int kmem_cache_destroy(struct kmem_cache *c);
void *kmem_cache_alloc(struct kmem_cache *c, unsigned int gfp);
void kmem_cache_free(struct kmem_cache *c, void *obj);
size_t kmem_cache_size(const struct kmem_cache *c);	/* object stride */

/* Creates the size-class caches; called once after page_alloc_init. */
void kmalloc_init(void);
void *kmalloc(size_t size, unsigned int gfp);
void kfree(const void *p);		/* kfree(NULL) does nothing */
static inline void *kzalloc(size_t size, unsigned int gfp)
{
	return kmalloc(size, gfp | GFP_ZERO);
}
/* Usable size of a kmalloc'ed block (at least what was asked for). */
size_t ksize(const void *p);

/* Panics with size, call site, free pages and per-cache usage on failure. */
#define kmalloc_nofail(sz) __kmalloc_nofail((sz), __FILE__, __LINE__)
void *__kmalloc_nofail(size_t size, const char *file, int line);

/* Per-cache table: name, object size, slabs, objects in use. */
void kmem_dump_caches(void);
/* The idx-th cache's numbers (/proc/slabinfo); false past the last. */
struct kmem_cache_info {
	char name[24];
	size_t size;			/* object stride */
	unsigned long objs_per_slab, pages_per_slab, slabs, inuse;
};
bool kmem_cache_info(unsigned int idx, struct kmem_cache_info *out);
/* Bytes of slab pages plus large kmalloc blocks, now and at the peak. */
size_t kmem_bytes_in_use(void);
size_t kmem_high_water(void);
/* Start measuring a new peak from what is in use now (tests). */
void kmem_reset_high_water(void);

#endif
