// SOURCES: kernel/mm/buddy.c kernel/mm/slab.c tests/host/shim/host_kernel.c
/*
 * Host test for the slab caches and kmalloc (kernel/mm/slab.c) on top of
 * the real buddy allocator.
 *
 * Random alloc/free sequences over several caches and kmalloc sizes are
 * checked against a model: a bitmap of the arena's bytes proves every
 * live object distinct and non-overlapping, and each object carries a
 * pattern that must be intact when it is freed. After everything is
 * freed, struct page shows what is left: at most one empty slab per cache
 * (plus the slab holding the kmem_cache structures themselves), and the
 * buddy free count and kmem_bytes_in_use() agree with exactly that. The
 * debug checks (double free, use after free, bad pointers) must panic.
 *
 * Usage: test_slab [seed]   (or ALLOY_SEED=seed); the fixed seed always runs.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/slab.h>
#include "check.h"
#include "shim/host_kernel.h"

#define NR_PFNS 8192ULL			/* 32 MiB */
#define MAX_LIVE 2500
#define NR_OPS 40000
#define FIXED_SEED 0xa110c8ULL

static u64 rng_state;

static u64 rnd(void)
{
	u64 x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static size_t rnd_below(size_t n)
{
	return (size_t)(rnd() % n);
}

static u8 *arena;
static u64 arena_free_pages;		/* right after the handover */

/* ---- byte ownership ---------------------------------------------------- */

static u8 used[NR_PFNS * PAGE_SIZE / 8];

static bool span_mark(const void *p, size_t len, bool set)
{
	size_t off = (size_t)((const u8 *)p - arena), i;
	bool ok = true;

	for (i = off; i < off + len; i++) {
		bool was = used[i / 8] & (1u << (i % 8));

		ok &= was != set;
		if (set)
			used[i / 8] |= 1u << (i % 8);
		else
			used[i / 8] &= ~(1u << (i % 8));
	}
	return ok;
}

/* ---- the model --------------------------------------------------------- */

enum { NR_TEST_CACHES = 5 };
static const size_t cache_size[NR_TEST_CACHES] = { 24, 100, 700, 3000, 40000 };
static const size_t cache_align[NR_TEST_CACHES] = { 0, 32, 64, 0, 4096 };
static struct kmem_cache *caches[NR_TEST_CACHES];

struct obj {
	u8 *p;
	size_t size;		/* requested */
	size_t span;		/* usable: ksize or cache stride */
	int cache;		/* index into caches[], -1 for kmalloc */
	u8 seed;
};

static struct obj live[MAX_LIVE];
static unsigned int nr_live, model_errors, nr_large;

#define MODEL_CHECK(cond, fmt, ...)					\
	do {								\
		if (!(cond) && model_errors++ < 10)			\
			printf("# model: " fmt "\n", ##__VA_ARGS__);	\
	} while (0)

static void fill(struct obj *o)
{
	size_t i;

	for (i = 0; i < o->size; i++)
		o->p[i] = (u8)(o->seed + i * 7 + (i >> 8));
}

static bool intact(const struct obj *o)
{
	size_t i;

	for (i = 0; i < o->size; i++)
		if (o->p[i] != (u8)(o->seed + i * 7 + (i >> 8)))
			return false;
	return true;
}

/* Mostly small, log-uniform sizes; now and then a large one. */
static size_t random_kmalloc_size(void)
{
	if (rnd_below(40) == 0)
		return KMALLOC_MAX_CACHE_SIZE + 1 + rnd_below(150000);
	return 1 + rnd_below((size_t)2 << rnd_below(13));
}

static void model_alloc(void)
{
	struct obj o = { .cache = (int)rnd_below(NR_TEST_CACHES + 3) };
	unsigned int gfp = rnd_below(6) ? GFP_KERNEL : GFP_ZERO;
	size_t align, i;

	if (o.cache >= NR_TEST_CACHES)
		o.cache = -1;	/* kmalloc, most of the time */
	if (o.cache < 0) {
		o.size = random_kmalloc_size();
		o.p = kmalloc(o.size, gfp);
		o.span = o.p ? ksize(o.p) : 0;
		align = 8;
		nr_large += o.size > KMALLOC_MAX_CACHE_SIZE;
	} else {
		o.size = cache_size[o.cache];
		o.p = kmem_cache_alloc(caches[o.cache], gfp);
		o.span = kmem_cache_size(caches[o.cache]);
		align = cache_align[o.cache] ? cache_align[o.cache] : 8;
	}
	MODEL_CHECK(o.p, "allocation of %zu bytes failed", o.size);
	if (!o.p)
		return;
	MODEL_CHECK(o.p >= arena && o.p + o.span <= arena + NR_PFNS * PAGE_SIZE,
		    "%p outside the arena", (void *)o.p);
	MODEL_CHECK(o.span >= o.size, "usable size %zu < %zu", o.span, o.size);
	MODEL_CHECK((uintptr_t)o.p % align == 0, "%p not aligned to %zu",
		    (void *)o.p, align);
	MODEL_CHECK(span_mark(o.p, o.span, true), "%p+%zu overlaps a live object",
		    (void *)o.p, o.span);
	if (gfp & GFP_ZERO) {
		for (i = 0; i < o.span && !o.p[i]; i++)
			;
		MODEL_CHECK(i == o.span, "GFP_ZERO object %p not zero", (void *)o.p);
	}
	o.seed = (u8)rnd();
	fill(&o);
	live[nr_live++] = o;
}

static void model_free(unsigned int idx)
{
	struct obj o = live[idx];

	MODEL_CHECK(intact(&o), "object %p (%zu bytes) was overwritten",
		    (void *)o.p, o.size);
	span_mark(o.p, o.span, false);
	if (o.cache < 0)
		kfree(o.p);
	else
		kmem_cache_free(caches[o.cache], o.p);
	live[idx] = live[--nr_live];
}

static void model_free_all(void)
{
	while (nr_live)
		model_free((unsigned int)rnd_below(nr_live));
}

/*
 * What struct page says is left: slab pages in total, and whether every
 * cache other than `keep` (the one holding kmem_cache structs) has at
 * most one slab, and that one empty.
 */
static u64 slab_pages_left(const struct kmem_cache *keep, bool *tidy)
{
	struct kmem_cache *seen[64];
	unsigned int nr_seen = 0, i;
	u64 pfn, pages = 0;

	*tidy = true;
	for (pfn = 0; pfn < NR_PFNS; pfn++) {
		struct page *p = pfn_to_page(pfn);

		if (!(p->flags & PG_SLAB))
			continue;
		pages += 1ULL << p->order;
		if (p->slab_cache == keep)
			continue;
		for (i = 0; i < nr_seen && seen[i] != p->slab_cache; i++)
			;
		if (i < nr_seen || p->inuse || nr_seen == 64)
			*tidy = false;
		else
			seen[nr_seen++] = p->slab_cache;
	}
	return pages;
}

static void check_reclaimed(const char *what)
{
	const struct kmem_cache *cc = virt_to_page(caches[0])->slab_cache;
	bool tidy;
	u64 pages = slab_pages_left(cc, &tidy);

	CHECK(tidy, "%s: every cache is down to at most one empty slab", what);
	CHECK(page_alloc_free_count() == arena_free_pages - pages,
	      "%s: buddy free count is the baseline less those slabs (%llu pages)",
	      what, (unsigned long long)pages);
	CHECK(kmem_bytes_in_use() == pages * PAGE_SIZE,
	      "%s: kmem_bytes_in_use() is %zu == %llu slab bytes", what,
	      kmem_bytes_in_use(), (unsigned long long)(pages * PAGE_SIZE));
}

/* ---- tests ------------------------------------------------------------- */

static void test_setup(void)
{
	unsigned int i;
	bool ok = true;

	arena = host_mm_init(NR_PFNS, 1, NR_PFNS);
	arena_free_pages = page_alloc_free_count();
	kmalloc_init();
	for (i = 0; i < NR_TEST_CACHES; i++) {
		caches[i] = kmem_cache_create("test", cache_size[i], cache_align[i]);
		ok &= caches[i] != NULL;
	}
	CHECK(ok, "kmalloc_init and kmem_cache_create");
	CHECK(!kmem_cache_create("bad", 8, 3) && !kmem_cache_create("bad", 0, 8) &&
	      !kmem_cache_create("bad", 8 << 20, 0),
	      "kmem_cache_create rejects bad sizes and alignments");
}

static void test_random(u64 seed)
{
	unsigned int op, bias = 65;

	rng_state = seed ? seed : 1;
	model_errors = 0;
	nr_large = 0;
	for (op = 0; op < NR_OPS; op++) {
		if (op % 4000 == 0)
			bias = (bias == 65) ? 35 : 65;
		if (nr_live == MAX_LIVE ||
		    (nr_live && rnd_below(100) >= bias))
			model_free((unsigned int)rnd_below(nr_live));
		else
			model_alloc();
	}
	model_free_all();
	CHECK(model_errors == 0,
	      "seed %llu: %d ops, objects aligned, distinct, intact (%u errors)",
	      (unsigned long long)seed, NR_OPS, model_errors);
	CHECK(nr_large > 0, "seed %llu: %u large kmallocs on the way",
	      (unsigned long long)seed, nr_large);
	CHECK(kmem_high_water() >= kmem_bytes_in_use() &&
	      kmem_high_water() > (4UL << 20),
	      "high-water mark %zu KiB recorded", kmem_high_water() >> 10);
	check_reclaimed("random");
}

static void test_kmalloc_sizes(void)
{
	size_t size;
	unsigned int bad = 0;

	for (size = 0; size <= KMALLOC_MAX_CACHE_SIZE + 1; size++) {
		u8 *p = kmalloc(size, GFP_ZERO);

		if (!p || ksize(p) < size || (size && p[size - 1])) {
			bad++;
			continue;
		}
		memset(p, 0xa5, size);
		kfree(p);
	}
	CHECK(bad == 0, "kmalloc/kfree round trip for every size 0..%d",
	      KMALLOC_MAX_CACHE_SIZE + 1);
	kfree(NULL);
	CHECK(true, "kfree(NULL) is a no-op");
}

static void test_large(void)
{
	u64 free0 = page_alloc_free_count();
	size_t bytes0 = kmem_bytes_in_use();
	u8 *p = kmalloc(100000, GFP_KERNEL);
	struct page *head = p ? virt_to_page(p) : NULL;

	CHECK(p && (uintptr_t)p % PAGE_SIZE == 0 && ksize(p) == 32 * PAGE_SIZE,
	      "kmalloc(100000) is a page-aligned order-5 block");
	CHECK(head && (head->flags & PG_HEAD) && !(head->flags & PG_SLAB) &&
	      !head->slab_cache && head->order == 5,
	      "its head is PG_HEAD, not a slab, order 5");
	CHECK(page_alloc_free_count() == free0 - 32 &&
	      kmem_bytes_in_use() == bytes0 + 32 * PAGE_SIZE,
	      "it took 32 pages and is counted as heap");
	memset(p, 0x5a, 100000);
	CHECK(HOST_EXPECT_PANIC(kfree(p + PAGE_SIZE)) &&
	      strstr(host_panic_msg, "not a kmalloc pointer"),
	      "kfree of a pointer inside a large block panics");
	kfree(p);
	CHECK(page_alloc_free_count() == free0 && kmem_bytes_in_use() == bytes0,
	      "kfree of the large block gives the pages back");
	CHECK(HOST_EXPECT_PANIC(kfree(p)) &&
	      strstr(host_panic_msg, "not a kmalloc pointer"),
	      "double kfree of a large block panics");

	p = kmalloc(PAGE_SIZE << (MAX_ORDER - 1), GFP_KERNEL);
	CHECK(p != NULL, "kmalloc of one MAX_ORDER block works");
	kfree(p);
	CHECK(kmalloc((PAGE_SIZE << (MAX_ORDER - 1)) + 1, GFP_KERNEL) == NULL &&
	      kmalloc(1UL << 40, GFP_KERNEL) == NULL,
	      "kmalloc beyond one MAX_ORDER block returns NULL");
	CHECK(page_alloc_free_count() == free0, "no pages leaked");
}

/* A private cache: its single slab makes the freelist order predictable. */
static void test_double_free(void)
{
	struct kmem_cache *c = kmem_cache_create("dfree", 64, 0);
	void *keep = kmem_cache_alloc(c, GFP_KERNEL);
	void *a = kmem_cache_alloc(c, GFP_KERNEL);
	u8 *k = kmalloc(200, GFP_KERNEL), *k2 = kmalloc(200, GFP_KERNEL);

	kmem_cache_free(c, a);
	CHECK(HOST_EXPECT_PANIC(kmem_cache_free(c, a)) &&
	      strstr(host_panic_msg, "double free") &&
	      strstr(host_panic_msg, "dfree"),
	      "kmem_cache_free double free panics naming the cache");
	kfree(k2);
	CHECK(HOST_EXPECT_PANIC(kfree(k2)) && strstr(host_panic_msg, "double free") &&
	      strstr(host_panic_msg, "kmalloc-256"),
	      "kfree double free panics naming the cache");
	CHECK(HOST_EXPECT_PANIC(kfree(k + 8)) &&
	      strstr(host_panic_msg, "not an object start"),
	      "kfree of a pointer inside an object panics");
	CHECK(HOST_EXPECT_PANIC(kmem_cache_free(c, k)) &&
	      strstr(host_panic_msg, "not an object of this cache"),
	      "kmem_cache_free to the wrong cache panics");
	CHECK(HOST_EXPECT_PANIC(kfree(&rng_state)) &&
	      strstr(host_panic_msg, "not a kmalloc pointer"),
	      "kfree of a non-heap pointer panics");
	CHECK(kmem_cache_destroy(c) == -EBUSY, "destroying a busy cache: -EBUSY");
	kmem_cache_free(c, keep);
	kfree(k);
	/* The slab stays as the empty reserve: still a double free. */
	CHECK(HOST_EXPECT_PANIC(kmem_cache_free(c, keep)) &&
	      strstr(host_panic_msg, "double free"),
	      "double free into an empty slab panics");
	CHECK(kmem_cache_destroy(c) == 0, "destroying an empty cache: 0");
}

static void test_use_after_free(void)
{
	struct kmem_cache *c = kmem_cache_create("uaf", 128, 0);
	u8 *keep = kmem_cache_alloc(c, GFP_KERNEL);
	u8 *a = kmem_cache_alloc(c, GFP_KERNEL), *b;
	void *saved;

	kmem_cache_free(c, a);
	a[77] = 1;			/* write after free */
	CHECK(HOST_EXPECT_PANIC(b = kmem_cache_alloc(c, GFP_KERNEL)) &&
	      strstr(host_panic_msg, "use after free") &&
	      strstr(host_panic_msg, "uaf") && strstr(host_panic_msg, "offset 77"),
	      "write after free detected at the next allocation, with the offset");
	/* The panic left `a` allocated: free it properly. */
	kmem_cache_free(c, a);

	saved = *(void **)a;
	*(void **)a = (void *)0x1234;	/* clobber the freelist link */
	CHECK(HOST_EXPECT_PANIC(b = kmem_cache_alloc(c, GFP_KERNEL)) &&
	      strstr(host_panic_msg, "use after free") &&
	      strstr(host_panic_msg, "offset 0"),
	      "a clobbered freelist link is detected");
	*(void **)a = saved;
	b = kmem_cache_alloc(c, GFP_KERNEL);
	CHECK(b == a, "the cache works again once the link is restored");
	kmem_cache_free(c, b);
	kmem_cache_free(c, keep);
	CHECK(kmem_cache_destroy(c) == 0, "uaf cache destroyed");
}

/* Out of pages, kmalloc returns NULL; only kmalloc_nofail panics. */
static void test_oom(void)
{
	/* Static: they live across the longjmp of HOST_EXPECT_PANIC. */
	static struct page *pages;
	static void *objs;
	struct page *p;
	void *o;
	unsigned int n = 0;

	while ((p = alloc_page(GFP_KERNEL))) {
		*(struct page **)page_to_virt(p) = pages;
		pages = p;
	}
	/* Use up the objects the two size classes still have. */
	while ((o = kmalloc(3000, GFP_KERNEL)) || (o = kmalloc(5000, GFP_KERNEL))) {
		*(void **)o = objs;
		objs = o;
		n++;
	}
	CHECK(kmalloc(3000, GFP_KERNEL) == NULL && kmalloc(20000, GFP_KERNEL) == NULL,
	      "kmalloc returns NULL when memory is gone (%u objects first)", n);
	host_quiet = false;
	CHECK(HOST_EXPECT_PANIC(kmalloc_nofail(5000)) &&
	      strstr(host_panic_msg, "5000 bytes") &&
	      strstr(host_panic_msg, "test_slab.c:") &&
	      strstr(host_panic_msg, "pages free"),
	      "kmalloc_nofail panics with size, call site and free pages");
	host_quiet = true;
	while ((o = objs)) {
		objs = *(void **)o;
		kfree(o);
	}
	while ((p = pages)) {
		pages = *(struct page **)page_to_virt(p);
		free_page(p);
	}
	check_reclaimed("after OOM");
}

/*
 * Real threads on the host: objects are allocated on one thread and
 * freed on another through a shared array, as slab_concurrency does in
 * the kernel. The spinlocks are real ticket locks here.
 */
#define NR_THREADS 4
#define THREAD_OPS 20000
#define XCHG 16

struct xobj {
	u8 *p;
	size_t size;
	u8 seed;
};

static struct xobj xchg[XCHG];
static pthread_mutex_t xchg_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int thread_errors;

static void *xchg_thread(void *arg)
{
	u64 s = (u64)(uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;
	unsigned int i, errors = 0;

	for (i = 0; i < THREAD_OPS; i++) {
		struct xobj o, old;
		size_t k;

		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		o.size = (s & 0xff) == 7 ? 9000 + s % 30000 : 1 + (s >> 8) % 3000;
		o.p = (s & 2) ? kmalloc(o.size, GFP_KERNEL) :
				kmem_cache_alloc(caches[0], GFP_KERNEL);
		if (!(s & 2))
			o.size = cache_size[0];
		if (!o.p) {
			errors++;
			continue;
		}
		o.seed = (u8)(s >> 24);
		memset(o.p, o.seed, o.size);
		k = (s >> 40) % XCHG;
		pthread_mutex_lock(&xchg_lock);
		old = xchg[k];
		xchg[k] = o;
		pthread_mutex_unlock(&xchg_lock);
		if (!old.p)
			continue;
		errors += old.p[0] != old.seed || old.p[old.size - 1] != old.seed;
		if (old.size == cache_size[0] && virt_to_page(old.p)->slab_cache == caches[0])
			kmem_cache_free(caches[0], old.p);
		else
			kfree(old.p);
	}
	__atomic_add_fetch(&thread_errors, errors, __ATOMIC_RELAXED);
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[NR_THREADS];
	uintptr_t i;
	size_t k;

	for (i = 0; i < NR_THREADS; i++)
		pthread_create(&t[i], NULL, xchg_thread, (void *)(i + 1));
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(t[i], NULL);
	for (k = 0; k < XCHG; k++) {
		if (!xchg[k].p)
			continue;
		thread_errors += xchg[k].p[0] != xchg[k].seed;
		kfree(xchg[k].p);
		xchg[k].p = NULL;
	}
	CHECK(thread_errors == 0, "%d threads passing objects between them: intact",
	      NR_THREADS);
	check_reclaimed("threads");
}

static void test_destroy(void)
{
	unsigned int i;
	int ret = 0;

	for (i = 1; i < NR_TEST_CACHES; i++)
		ret |= kmem_cache_destroy(caches[i]);
	CHECK(ret == 0, "test caches destroyed after use");
	check_reclaimed("after destroy");
}

int main(int argc, char **argv)
{
	/* Keep the TAP lines written so far if a test aborts. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	host_quiet = true;
	test_setup();
	printf("# seed %llu (fixed)\n", FIXED_SEED);
	test_random(FIXED_SEED);
	if (host_seed_given(argc, argv))
		test_random(host_seed(argc, argv, FIXED_SEED));
	test_kmalloc_sizes();
	test_large();
	test_double_free();
	test_use_after_free();
	test_oom();
	test_threads();
	test_destroy();
	host_quiet = false;
	kmem_dump_caches();
	host_mm_fini();
	return check_done();
}
