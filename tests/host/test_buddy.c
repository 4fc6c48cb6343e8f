// SOURCES: kernel/mm/buddy.c tests/host/shim/host_kernel.c
/*
 * Host test for the buddy page allocator (kernel/mm/buddy.c).
 *
 * Random alloc/free sequences are checked against a model that records
 * which pfns are allocated: blocks must be aligned, inside the handed-over
 * range and disjoint, the free count must be exact after every operation,
 * and alloc_pages() may return NULL only when the model has no aligned
 * run of free pages of that order (which also proves eager coalescing).
 * When everything is freed, the free blocks per order must be the initial
 * ones again. The debug checks (double free, reserved page, bad order,
 * misalignment, outside mem_map) must panic and leave the allocator
 * usable.
 *
 * Usage: test_buddy [seed]   (or ALLOY_SEED=seed); the fixed seed always runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <alloy/mm.h>
#include "check.h"
#include "shim/host_kernel.h"

#define NR_PFNS 4133ULL		/* not a multiple of any large block */
#define FREE_START 3ULL		/* pfns 0..2 stay reserved, like low memory */
#define FREE_END 4127ULL	/* and a few at the top */
#define NR_OPS 60000
#define FIXED_SEED 0x5eed1234ULL

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

static unsigned int rnd_below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

/* ---- the model ------------------------------------------------------- */

struct block {
	struct page *page;
	unsigned int order;
	u64 tag;
};

static struct block live[NR_PFNS];
static unsigned int nr_live;
static int owner[NR_PFNS];		/* index into live[] or -1 */
static u64 model_free;
static u64 initial_blocks[MAX_ORDER];
static unsigned int model_errors;
static unsigned int model_nulls;		/* allocations that failed */

#define MODEL_CHECK(cond, fmt, ...)					\
	do {								\
		if (!(cond) && model_errors++ < 10)			\
			printf("# model: " fmt "\n", ##__VA_ARGS__);	\
	} while (0)

/* Free blocks per order as seen in mem_map: PG_BUDDY heads. */
static void count_blocks(u64 counts[MAX_ORDER])
{
	u64 pfn;

	memset(counts, 0, sizeof(u64) * MAX_ORDER);
	for (pfn = 0; pfn < NR_PFNS; pfn++) {
		struct page *p = pfn_to_page(pfn);

		if (p->flags & PG_BUDDY)
			counts[p->order]++;
	}
}

static u64 pages_in(const u64 counts[MAX_ORDER])
{
	u64 n = 0;
	unsigned int o;

	for (o = 0; o < MAX_ORDER; o++)
		n += counts[o] << o;
	return n;
}

static bool same_blocks(const u64 a[MAX_ORDER], const u64 b[MAX_ORDER])
{
	return memcmp(a, b, sizeof(u64) * MAX_ORDER) == 0;
}

static void model_reset(void)
{
	u64 pfn;

	for (pfn = 0; pfn < NR_PFNS; pfn++)
		owner[pfn] = -1;
	nr_live = 0;
	model_free = FREE_END - FREE_START;
	model_errors = 0;
	model_nulls = 0;
}

static bool model_pfn_free(u64 pfn)
{
	return pfn >= FREE_START && pfn < FREE_END && owner[pfn] < 0;
}

/* Is there an aligned, entirely free run of 2^order pfns? */
static bool model_has_block(unsigned int order)
{
	u64 n = 1ULL << order, base, i;

	for (base = 0; base + n <= NR_PFNS; base += n) {
		for (i = 0; i < n && model_pfn_free(base + i); i++)
			;
		if (i == n)
			return true;
	}
	return false;
}

/* Each page of a live block carries its tag in its first and last word. */
static void tag_block(struct block *b)
{
	u64 i;

	for (i = 0; i < (1ULL << b->order); i++) {
		u64 *w = page_to_virt(b->page + i);

		w[0] = b->tag + i;
		w[PAGE_SIZE / 8 - 1] = ~(b->tag + i);
	}
}

static bool block_tagged(const struct block *b)
{
	u64 i;

	for (i = 0; i < (1ULL << b->order); i++) {
		const u64 *w = page_to_virt(b->page + i);

		if (w[0] != b->tag + i || w[PAGE_SIZE / 8 - 1] != ~(b->tag + i))
			return false;
	}
	return true;
}

static bool block_filled(struct page *p, unsigned int order, u8 byte)
{
	const u8 *m = page_to_virt(p);
	size_t i;

	for (i = 0; i < (PAGE_SIZE << order); i++)
		if (m[i] != byte)
			return false;
	return true;
}

static void model_alloc(unsigned int order, unsigned int gfp)
{
	struct page *p = alloc_pages(gfp, order);
	u64 pfn, n = 1ULL << order, i;
	struct block *b;

	if (!p) {
		model_nulls++;
		MODEL_CHECK(!model_has_block(order),
			    "order %u: NULL although an aligned free run exists",
			    order);
		return;
	}
	pfn = page_to_pfn(p);
	MODEL_CHECK(pfn % n == 0, "pfn %#llx misaligned for order %u",
		    (unsigned long long)pfn, order);
	MODEL_CHECK(atomic_read(&p->refcount) == 1 && p->order == order &&
		    !!(p->flags & PG_HEAD) == (order > 0),
		    "head state of pfn %#llx", (unsigned long long)pfn);
	for (i = 0; i < n; i++) {
		MODEL_CHECK(pfn + i < NR_PFNS && model_pfn_free(pfn + i),
			    "pfn %#llx handed out while not free",
			    (unsigned long long)(pfn + i));
		if (pfn + i < NR_PFNS)
			owner[pfn + i] = (int)nr_live;
	}
	if (gfp & GFP_ZERO)
		MODEL_CHECK(block_filled(p, order, 0), "GFP_ZERO block not zero");
	b = &live[nr_live++];
	b->page = p;
	b->order = order;
	b->tag = rnd();
	tag_block(b);
	model_free -= n;
}

static void model_free_one(unsigned int idx)
{
	struct block b = live[idx];
	u64 pfn = page_to_pfn(b.page), i;

	MODEL_CHECK(block_tagged(&b), "block at pfn %#llx order %u overwritten",
		    (unsigned long long)pfn, b.order);
	free_pages(b.page, b.order);
#ifdef CONFIG_DEBUG
	MODEL_CHECK(block_filled(b.page, b.order, 0x6b), "freed block not poisoned");
#endif
	for (i = 0; i < (1ULL << b.order); i++)
		owner[pfn + i] = -1;
	/* Keep live[] dense: the last block takes the freed slot. */
	live[idx] = live[--nr_live];
	if (idx < nr_live) {
		pfn = page_to_pfn(live[idx].page);
		for (i = 0; i < (1ULL << live[idx].order); i++)
			owner[pfn + i] = (int)idx;
	}
	model_free += 1ULL << b.order;
}

static void model_free_all(void)
{
	while (nr_live)
		model_free_one(rnd_below(nr_live));
}

/* Small orders are common, large ones rare, as in a kernel. */
static unsigned int random_order(void)
{
	unsigned int o = 0;

	while (o < MAX_ORDER - 1 && rnd_below(3) == 0)
		o++;
	if (rnd_below(50) == 0)
		o = rnd_below(MAX_ORDER);
	return o;
}

static void check_full_coalescing(const char *what)
{
	u64 counts[MAX_ORDER];

	page_alloc_drain();	/* single pages wait on the per-CPU list */
	count_blocks(counts);
	CHECK(same_blocks(counts, initial_blocks),
	      "%s: free blocks per order are the initial ones again", what);
	CHECK(page_alloc_free_count() == FREE_END - FREE_START,
	      "%s: all %llu pages free", what, FREE_END - FREE_START);
}

/* ---- tests ----------------------------------------------------------- */

static void test_init(void)
{
	u64 counts[MAX_ORDER];

	host_mm_init(NR_PFNS, FREE_START, FREE_END);
	model_reset();
	count_blocks(initial_blocks);
	count_blocks(counts);
	CHECK(page_alloc_free_count() == FREE_END - FREE_START &&
	      page_alloc_total_count() == FREE_END - FREE_START,
	      "free and total count after handover: %llu",
	      (unsigned long long)page_alloc_free_count());
	CHECK(pages_in(initial_blocks) == FREE_END - FREE_START,
	      "free blocks in mem_map cover the handed-over range");
	/* 4 full 4 MiB blocks fit in [3, 4127): [1024, 4096). */
	CHECK(initial_blocks[MAX_ORDER - 1] == 3,
	      "handover builds maximal blocks (%llu of order %d)",
	      (unsigned long long)initial_blocks[MAX_ORDER - 1], MAX_ORDER - 1);
	CHECK(pfn_to_page(0)->flags & PG_RESERVED &&
	      pfn_to_page(FREE_END)->flags & PG_RESERVED,
	      "pages outside the range stay reserved");
}

static void test_random(u64 seed)
{
	unsigned int op, bias = 60, bad_count = 0;

	rng_state = seed ? seed : 1;
	model_reset();
	for (op = 0; op < NR_OPS; op++) {
		/* Swing between filling memory up and draining it. */
		if (op % 5000 == 0)
			bias = (bias == 60) ? 35 : 60;
		if (nr_live && rnd_below(100) >= bias)
			model_free_one(rnd_below(nr_live));
		else
			model_alloc(random_order(),
				    rnd_below(8) ? GFP_KERNEL : GFP_ZERO);
		if (page_alloc_free_count() != model_free && bad_count++ < 5)
			printf("# op %u: free count %llu, model %llu\n", op,
			       (unsigned long long)page_alloc_free_count(),
			       (unsigned long long)model_free);
	}
	CHECK(bad_count == 0, "seed %llu: free count exact after each of %d ops",
	      (unsigned long long)seed, NR_OPS);
	CHECK(model_errors == 0,
	      "seed %llu: blocks aligned, disjoint, intact; NULL only when no block (%u errors)",
	      (unsigned long long)seed, model_errors);
	CHECK(model_nulls > 0, "seed %llu: memory ran out %u times on the way",
	      (unsigned long long)seed, model_nulls);
	model_free_all();
	check_full_coalescing("random");
}

static void test_exhaustion(void)
{
	struct page *first = NULL, *p;
	u64 n = 0, start = page_alloc_free_count();
	unsigned int o;
	bool all_null = true;

	/* Chain the pages through their memory: no side table needed. */
	while ((p = alloc_page(GFP_KERNEL))) {
		*(struct page **)page_to_virt(p) = first;
		first = p;
		n++;
	}
	CHECK(n == start, "order-0 allocation until NULL got all %llu pages",
	      (unsigned long long)start);
	CHECK(page_alloc_free_count() == 0, "free count 0 when exhausted");
	for (o = 0; o < MAX_ORDER + 2; o++)
		all_null &= alloc_pages(GFP_KERNEL, o) == NULL;
	CHECK(all_null, "every order (and order >= MAX_ORDER) returns NULL");

	p = first;
	first = *(struct page **)page_to_virt(p);
	free_page(p);
	p = alloc_page(GFP_ZERO);
	CHECK(p && block_filled(p, 0, 0), "recovers after one free (GFP_ZERO works)");
	if (p)
		free_page(p);
	while ((p = first)) {
		first = *(struct page **)page_to_virt(p);
		free_page(p);
	}
	check_full_coalescing("exhaustion");
}

static void test_debug_checks(void)
{
	struct page *a, *b, *c;
	u64 before;

	a = alloc_pages(GFP_KERNEL, 2);
	if (!CHECK(a, "order-2 block for the debug checks"))
		return;
	free_pages(a, 2);
	before = page_alloc_free_count();
	CHECK(HOST_EXPECT_PANIC(free_pages(a, 2)) &&
	      strstr(host_panic_msg, "double free"),
	      "double free of a free block panics");
	CHECK(page_alloc_free_count() == before, "double free changed nothing");

	/* Two buddies merge; a second free of either is still caught. */
	a = alloc_page(GFP_KERNEL);
	b = alloc_page(GFP_KERNEL);
	c = alloc_page(GFP_KERNEL);
	if (!CHECK(a && b && c, "three pages for the debug checks"))
		return;
	free_page(b);
	free_page(a);
	CHECK(HOST_EXPECT_PANIC(free_page(a)) && strstr(host_panic_msg, "double free"),
	      "double free inside a merged block panics");
	CHECK(HOST_EXPECT_PANIC(free_page(b)) && strstr(host_panic_msg, "double free"),
	      "double free of a merged buddy panics");
	free_page(c);

	CHECK(HOST_EXPECT_PANIC(free_page(pfn_to_page(1))) &&
	      strstr(host_panic_msg, "reserved"),
	      "freeing a reserved page panics");
	CHECK(HOST_EXPECT_PANIC(free_page(pfn_to_page(NR_PFNS))) &&
	      strstr(host_panic_msg, "outside mem_map"),
	      "freeing beyond mem_map panics");

	a = alloc_pages(GFP_KERNEL, 2);
	if (!CHECK(a, "another order-2 block"))
		return;
	CHECK(HOST_EXPECT_PANIC(free_pages(a + 1, 1)) &&
	      strstr(host_panic_msg, "misaligned"),
	      "freeing a misaligned block panics");
	CHECK(HOST_EXPECT_PANIC(free_pages(a, 1)) && strstr(host_panic_msg, "order"),
	      "freeing with the wrong order panics");
	free_pages(a, 2);
	check_full_coalescing("debug checks");
}

int main(int argc, char **argv)
{
	/* Keep the TAP lines written so far if a test aborts. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	host_quiet = true;
	test_init();
	printf("# seed %llu (fixed)\n", FIXED_SEED);
	test_random(FIXED_SEED);
	if (host_seed_given(argc, argv))
		test_random(host_seed(argc, argv, FIXED_SEED));
	test_exhaustion();
	test_debug_checks();
	host_quiet = false;
	page_alloc_dump();
	host_mm_fini();
	return check_done();
}
