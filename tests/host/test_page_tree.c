// SOURCES: kernel/mm/page_tree.c kernel/mm/buddy.c tests/host/shim/host_kernel.c
/*
 * Host test for the page radix tree (kernel/mm/page_tree.c): random
 * inserts, lookups and truncations are checked against a model array over
 * a sparse index space (small indexes, ones needing 3 levels and ones near
 * 2^52), and after emptying the tree every index node must be back in the
 * page allocator (the free count returns to its start).
 */
#include <stdio.h>
#include <stdlib.h>

#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/page_tree.h>
#include "check.h"
#include "shim/host_kernel.h"

#define NR_KEYS 600
static u64 keys[NR_KEYS];
static struct page *model[NR_KEYS];
static int puts_seen;

static void put(struct page *p)
{
	(void)p;
	puts_seen++;
}

static struct page *fake(int i)
{
	return (struct page *)(uintptr_t)(0x1000 + 16 * i);	/* never dereferenced */
}

int main(int argc, char **argv)
{
	srand((unsigned)host_seed(argc, argv, 7));
	host_mm_init(4096, 1, 4096);
	u64 free0 = page_alloc_free_count();
	struct page_tree t = { 0 };

	for (int i = 0; i < NR_KEYS; i++) {
		switch (i % 3) {
		case 0: keys[i] = (u64)i; break;			/* dense start */
		case 1: keys[i] = (u64)rand() * 977 % (1ULL << 27); break;
		default: keys[i] = (1ULL << 52) - 1 - (u64)rand() % 100000; break;
		}
	}
	int bad = 0, dup = 0;
	for (int i = 0; i < NR_KEYS; i++) {
		int rc = page_tree_insert(&t, keys[i], fake(i));
		bool seen = false;
		for (int j = 0; j < i; j++)
			seen |= model[j] && keys[j] == keys[i];
		if (seen) {
			dup += rc == -EEXIST;
			bad += rc != -EEXIST;
		} else {
			model[i] = fake(i);
			bad += rc != 0;
		}
	}
	CHECK(bad == 0, "insert returns 0, or -EEXIST for a taken index");
	CHECK(t.height >= 6, "height grows to cover 2^52 (%u)", t.height);
	bad = 0;
	for (int i = 0; i < NR_KEYS; i++) {
		if (!model[i])
			continue;
		bad += page_tree_lookup(&t, keys[i]) != model[i];
	}
	CHECK(bad == 0, "every inserted page is found");
	CHECK(!page_tree_lookup(&t, 5000) && !page_tree_lookup(&t, ~0ULL),
	      "absent indexes are NULL");

	/* page_tree_next visits every stored index once, in increasing order */
	u64 idx = 0, prev = 0, visits = 0;
	bad = 0;
	for (struct page *p; (p = page_tree_next(&t, &idx)); idx++) {
		bad += (visits && idx <= prev) || page_tree_lookup(&t, idx) != p;
		prev = idx;
		visits++;
		if (idx == ~0ULL)
			break;
	}
	CHECK(bad == 0 && visits == t.nr_pages,
	      "next visits the %llu stored pages in order (%llu visits, %d bad)",
	      (unsigned long long)t.nr_pages, (unsigned long long)visits, bad);
	idx = 3;
	CHECK(page_tree_next(&t, &idx) == model[3] && idx == 3, "next from a stored index finds it");
	idx = 1ULL << 60;
	CHECK(!page_tree_next(&t, &idx), "next past the last page is NULL");
	/* remove takes one page out; next skips it */
	u64 before = t.nr_pages;
	CHECK(page_tree_remove(&t, 3) == model[3] && t.nr_pages == before - 1 &&
	      !page_tree_lookup(&t, 3) && !page_tree_remove(&t, 3),
	      "remove takes exactly that page, once");
	idx = 3;
	CHECK(page_tree_next(&t, &idx) && idx > 3, "next skips a removed index");
	CHECK(page_tree_insert(&t, 3, model[3]) == 0, "a removed index can be refilled");

	u64 cut = 1ULL << 20, stored = t.nr_pages;
	int expect_put = 0;
	for (int i = 0; i < NR_KEYS; i++)
		expect_put += model[i] && keys[i] >= cut;
	page_tree_truncate(&t, cut, put);
	CHECK(puts_seen == expect_put && t.nr_pages == stored - (u64)expect_put,
	      "truncate puts exactly the pages at or above the cut (%d of %d)",
	      puts_seen, expect_put);
	bad = 0;
	for (int i = 0; i < NR_KEYS; i++) {
		if (!model[i])
			continue;
		struct page *p = page_tree_lookup(&t, keys[i]);
		bad += keys[i] >= cut ? p != NULL : p != model[i];
	}
	CHECK(bad == 0, "pages below the cut remain, the rest are gone");
	page_tree_truncate(&t, 1, put);
	CHECK(page_tree_lookup(&t, 0) == model[0] && t.nr_pages == 1,
	      "truncate(1) keeps only index 0");
	page_tree_truncate(&t, 0, put);
	CHECK(!t.root && !t.height && !t.nr_pages, "truncate(0) empties the tree");
	CHECK(page_alloc_free_count() == free0, "every index node is freed (%llu of %llu)",
	      page_alloc_free_count(), free0);
	(void)dup;
	host_mm_fini();
	return check_done();
}
