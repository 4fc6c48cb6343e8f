/*
 * Huge pages (kernel/mm/hugetlb.c): Linux's hugetlb pool of 2 MiB pages
 * for MAP_HUGETLB, SHM_HUGETLB, MFD_HUGETLB and hugetlbfs files (the
 * files live in memfs, kernel/fs/memfs.c, in a huge-page mode).
 *
 * A huge page is an order-9 block of the buddy allocator. While it is in
 * the pool (free or in a file) each of its 512 frames' struct page has
 * refcount 1, the pool's: a mapping maps frames one by one and takes and
 * drops references on them as on any file page, so no frame ever reaches
 * 0 while the pool owns it. A page a file lets go of goes back to the
 * pool only once every frame is down to the pool's reference again
 * (until then it waits, counted as in use, on a list of pages to take
 * back).
 *
 * Counters as Linux's: total (persistent + surplus), free, reserved
 * (promised to mappings, not yet faulted: resv <= free), surplus (over
 * nr_hugepages, from nr_overcommit_hugepages or a lowered nr_hugepages;
 * they go back to the buddy allocator when freed).
 */
#ifndef ALLOY_HUGETLB_H
#define ALLOY_HUGETLB_H

#include <alloy/types.h>

struct page;

#define HPAGE_SHIFT 21
#define HPAGE_SIZE (1ULL << HPAGE_SHIFT)
#define HPAGE_MASK (~(HPAGE_SIZE - 1))
#define HPAGE_ORDER 9
#define HPAGE_NR 512ULL		/* small pages in one */

/* A zeroed huge page (its head): any free one for a holder of a
 * reservation (reserved: the reservation is used up with it, under the
 * pool's lock; a caller that cannot use the page frees it, and one that
 * gets NULL still holds its reservation), else an unreserved free one;
 * failing those, a surplus page if overcommit allows; NULL if none. */
struct page *hugetlb_alloc(bool reserved);
/* A file lets go of a huge page it got from hugetlb_alloc. */
void hugetlb_free(struct page *head);
/* Promises n pages (-ENOMEM if the pool, with overcommit, cannot). */
int hugetlb_reserve(u64 n);
void hugetlb_unreserve(u64 n);

struct hugetlb_counts {
	u64 total, free, resv, surplus, overcommit;
};
void hugetlb_counts(struct hugetlb_counts *c);
/* Writing nr_hugepages: grows (as far as contiguous memory allows) or
 * shrinks the persistent pool. */
int hugetlb_set_nr(u64 n);

#endif
