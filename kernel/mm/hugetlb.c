/*
 * The hugetlb pool (<alloy/hugetlb.h>): 2 MiB pages taken whole from the
 * buddy allocator (order 9, so contiguous and 2 MiB-aligned), handed to
 * hugetlb files, counted as Linux counts them, and shown in
 * /proc/sys/vm/nr_hugepages, nr_overcommit_hugepages, /proc/meminfo and
 * /sys/kernel/mm/hugepages/hugepages-2048kB/.
 *
 * pool_lock (LR_HUGETLB) guards the lists and counters and is a leaf:
 * pages come from and go to the buddy allocator with it dropped, and
 * 2 MiB are zeroed with it dropped. Callers may hold memfs-pages (a
 * truncate gives pages back under it).
 */
#include <alloy/errno.h>
#include <alloy/hugetlb.h>
#include <alloy/list.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/signal.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>

static spinlock_t pool_lock = SPINLOCK_INIT("hugetlb", LR_HUGETLB);
static LIST_HEAD(free_list);	/* heads, by page->lru */
static LIST_HEAD(pending);	/* let go of, some frame still referenced */
static u64 nr_total, nr_free, nr_resv, nr_surplus, nr_overcommit;

/* Every frame back to the pool's one reference: no mapping, no
 * transient user (a futex, a uaccess page lookup) holds any. */
static bool frames_idle(struct page *h)
{
	for (u64 k = 0; k < HPAGE_NR; k++)
		if (atomic_read(&h[k].refcount) != 1)
			return false;
	return true;
}

static struct page *buddy_get(void)
{
	struct page *h = alloc_pages(GFP_KERNEL, HPAGE_ORDER);

	if (!h && mm_shrink(HPAGE_NR * 2))	/* the page cache may give some back */
		h = alloc_pages(GFP_KERNEL, HPAGE_ORDER);
	if (!h)
		return NULL;
	for (u64 k = 1; k < HPAGE_NR; k++)	/* the head has its 1 already */
		atomic_set(&h[k].refcount, 1);
	return h;
}

static void buddy_put(struct page *h)
{
	for (u64 k = 1; k < HPAGE_NR; k++)
		atomic_set(&h[k].refcount, 0);
	free_pages(h, HPAGE_ORDER);
}

static void buddy_put_list(struct list_head *l)
{
	while (!list_empty(l)) {
		struct page *h = list_first_entry(l, struct page, lru);
		list_del(&h->lru);
		buddy_put(h);
	}
}

/* pool_lock held: free unreserved surplus pages leave the pool (onto
 * out, for the buddy allocator once the lock is dropped). */
static void trim_surplus_locked(struct list_head *out)
{
	while (nr_surplus && nr_free > nr_resv) {
		struct page *h = list_first_entry(&free_list, struct page, lru);
		list_del(&h->lru);
		list_add(&h->lru, out);
		nr_free--;
		nr_total--;
		nr_surplus--;
	}
}

/* Pages let go of while still referenced, whose last user is gone now,
 * go back to the free list (surplus ones to the buddy allocator). */
static void settle(void)
{
	LIST_HEAD(out);
	struct page *h, *n;
	unsigned long fl = spin_lock_irqsave(&pool_lock);

	list_for_each_entry_safe(h, n, &pending, lru) {
		if (!frames_idle(h))
			continue;
		list_del(&h->lru);
		list_add(&h->lru, &free_list);
		nr_free++;
	}
	trim_surplus_locked(&out);
	spin_unlock_irqrestore(&pool_lock, fl);
	buddy_put_list(&out);
}

struct page *hugetlb_alloc(bool reserved)
{
	struct page *h = NULL;

	settle();
	unsigned long fl = spin_lock_irqsave(&pool_lock);
	if (reserved ? nr_free : nr_free > nr_resv) {
		h = list_first_entry(&free_list, struct page, lru);
		list_del(&h->lru);
		nr_free--;
		if (reserved)	/* with the page, under the same lock: free >= resv */
			nr_resv -= nr_resv ? 1 : 0;
		spin_unlock_irqrestore(&pool_lock, fl);
		goto out;
	}
	/* nothing it may have is free: a surplus page if overcommit allows,
	 * counted only once it is had, the limit looked at again then */
	bool more = nr_surplus < nr_overcommit;
	spin_unlock_irqrestore(&pool_lock, fl);
	if (!more || !(h = buddy_get()))
		return NULL;
	fl = spin_lock_irqsave(&pool_lock);
	if (nr_surplus < nr_overcommit) {
		nr_surplus++;
		nr_total++;
		if (reserved)
			nr_resv -= nr_resv ? 1 : 0;
	} else {
		spin_unlock_irqrestore(&pool_lock, fl);
		buddy_put(h);
		return NULL;
	}
	spin_unlock_irqrestore(&pool_lock, fl);
out:
	memset(page_to_virt(h), 0, HPAGE_SIZE);
	return h;
}

void hugetlb_free(struct page *h)
{
	LIST_HEAD(out);
	unsigned long fl = spin_lock_irqsave(&pool_lock);

	if (!frames_idle(h)) {
		list_add(&h->lru, &pending);
	} else {
		list_add(&h->lru, &free_list);
		nr_free++;
		trim_surplus_locked(&out);
	}
	spin_unlock_irqrestore(&pool_lock, fl);
	buddy_put_list(&out);
}

int hugetlb_reserve(u64 n)
{
	LIST_HEAD(got);
	LIST_HEAD(out);
	u64 need, k;
	int rc = 0;

	if (!n)
		return 0;
	settle();
	unsigned long fl = spin_lock_irqsave(&pool_lock);
	if (nr_free - nr_resv >= n) {
		nr_resv += n;
		spin_unlock_irqrestore(&pool_lock, fl);
		return 0;
	}
	need = n - (nr_free - nr_resv);
	if (need > nr_overcommit - MIN(nr_surplus, nr_overcommit)) {
		spin_unlock_irqrestore(&pool_lock, fl);
		return -ENOMEM;
	}
	spin_unlock_irqrestore(&pool_lock, fl);
	for (k = 0; k < need; k++) {
		struct page *h = buddy_get();
		if (!h)
			break;
		list_add(&h->lru, &got);
	}
	/* counted only now, each under the overcommit limit as it is now
	 * (racing reservations, or an nr_hugepages write, changed it) */
	fl = spin_lock_irqsave(&pool_lock);
	while (!list_empty(&got)) {
		struct page *h = list_first_entry(&got, struct page, lru);
		list_del(&h->lru);
		if (nr_surplus < nr_overcommit) {
			list_add(&h->lru, &free_list);
			nr_surplus++;
			nr_total++;
			nr_free++;
		} else {
			list_add(&h->lru, &out);
		}
	}
	if (nr_free - nr_resv >= n)	/* others may have taken some meanwhile */
		nr_resv += n;
	else
		rc = -ENOMEM;
	trim_surplus_locked(&out);
	spin_unlock_irqrestore(&pool_lock, fl);
	buddy_put_list(&out);
	return rc;
}

void hugetlb_unreserve(u64 n)
{
	LIST_HEAD(out);

	if (!n)
		return;
	unsigned long fl = spin_lock_irqsave(&pool_lock);
	nr_resv -= MIN(n, nr_resv);
	trim_surplus_locked(&out);
	spin_unlock_irqrestore(&pool_lock, fl);
	buddy_put_list(&out);
}

void hugetlb_counts(struct hugetlb_counts *c)
{
	settle();
	unsigned long fl = spin_lock_irqsave(&pool_lock);
	*c = (struct hugetlb_counts){ .total = nr_total, .free = nr_free, .resv = nr_resv,
				      .surplus = nr_surplus, .overcommit = nr_overcommit };
	spin_unlock_irqrestore(&pool_lock, fl);
}

/*
 * As Linux's set_max_huge_pages: surplus pages in use become persistent
 * first; then pages come from the buddy allocator one at a time until
 * there are n or none can be had (memory too fragmented or full: fewer
 * than asked, not an error). Shrinking frees unreserved free pages; what
 * is still in use above n becomes surplus, freed when let go of.
 */
int hugetlb_set_nr(u64 n)
{
	LIST_HEAD(out);

	settle();
	unsigned long fl = spin_lock_irqsave(&pool_lock);
	if (n > nr_total - nr_surplus) {
		u64 take = MIN(nr_surplus, n - (nr_total - nr_surplus));
		nr_surplus -= take;
	}
	while (nr_total - nr_surplus < n) {
		spin_unlock_irqrestore(&pool_lock, fl);
		struct page *h = fatal_signal_pending() ? NULL : buddy_get();
		fl = spin_lock_irqsave(&pool_lock);
		if (!h)
			break;
		list_add(&h->lru, &free_list);
		nr_free++;
		nr_total++;
	}
	while (nr_total - nr_surplus > n && nr_free > nr_resv) {
		struct page *h = list_first_entry(&free_list, struct page, lru);
		list_del(&h->lru);
		list_add(&h->lru, &out);
		nr_free--;
		nr_total--;
	}
	if (nr_total - nr_surplus > n)
		nr_surplus = nr_total - n;
	trim_surplus_locked(&out);
	spin_unlock_irqrestore(&pool_lock, fl);
	buddy_put_list(&out);
	return 0;
}

/* ---- /proc/sys/vm and /sys/kernel/mm/hugepages/hugepages-2048kB */

static int store_count(const char *buf, size_t len, u64 *out)
{
	long v;

	if (sysctl_parse_long(buf, len, &v) || v < 0)
		return -EINVAL;
	*out = (u64)v;
	return 0;
}

static int show_nr(struct pbuf *b)
{
	struct hugetlb_counts c;

	hugetlb_counts(&c);
	return pbuf_printf(b, "%llu\n", (unsigned long long)(c.total - c.surplus));
}

static int store_nr(const char *buf, size_t len)
{
	u64 n;

	return store_count(buf, len, &n) ?: hugetlb_set_nr(n);
}

static int show_overcommit(struct pbuf *b)
{
	return pbuf_printf(b, "%llu\n", (unsigned long long)READ_ONCE(nr_overcommit));
}

static int store_overcommit(const char *buf, size_t len)
{
	u64 n;
	int rc = store_count(buf, len, &n);

	if (!rc) {
		unsigned long fl = spin_lock_irqsave(&pool_lock);
		nr_overcommit = n;
		spin_unlock_irqrestore(&pool_lock, fl);
	}
	return rc;
}

static int show_free(struct pbuf *b)
{
	struct hugetlb_counts c;

	hugetlb_counts(&c);
	return pbuf_printf(b, "%llu\n", (unsigned long long)c.free);
}

static int show_resv(struct pbuf *b)
{
	struct hugetlb_counts c;

	hugetlb_counts(&c);
	return pbuf_printf(b, "%llu\n", (unsigned long long)c.resv);
}

static int show_surplus(struct pbuf *b)
{
	struct hugetlb_counts c;

	hugetlb_counts(&c);
	return pbuf_printf(b, "%llu\n", (unsigned long long)c.surplus);
}

SYSCTL(nr_hugepages, "vm/nr_hugepages", 0644, show_nr, store_nr);
SYSCTL(nr_overcommit_hugepages, "vm/nr_overcommit_hugepages", 0644, show_overcommit,
       store_overcommit);
/* sysfs's files (procfs_sys.c keeps "@sys/" paths out of /proc/sys) */
#define HSYS "@sys/kernel/mm/hugepages/hugepages-2048kB/"
SYSCTL(sys_nr_hugepages, HSYS "nr_hugepages", 0644, show_nr, store_nr);
SYSCTL(sys_free_hugepages, HSYS "free_hugepages", 0444, show_free, NULL);
SYSCTL(sys_resv_hugepages, HSYS "resv_hugepages", 0444, show_resv, NULL);
SYSCTL(sys_surplus_hugepages, HSYS "surplus_hugepages", 0444, show_surplus, NULL);
SYSCTL(sys_nr_overcommit_hugepages, HSYS "nr_overcommit_hugepages", 0644, show_overcommit,
       store_overcommit);

/* vm/drop_caches: 1, 2 or 3 give back what the caches hold (Linux's
 * values; all three do the same here). */
static int show_zero(struct pbuf *b)
{
	return pbuf_printf(b, "0\n");
}

static int store_drop_caches(const char *buf, size_t len)
{
	long v;

	if (sysctl_parse_long(buf, len, &v) || v < 1 || v > 4)
		return -EINVAL;
	for (int k = 0; v != 4 && k < 4096 && mm_shrink(1024); k++)
		;	/* 4: only quiets Linux's message */
	return 0;
}

/* vm/compact_memory: 1 compacts; the buddy allocator merges free blocks
 * as they are freed, so there is nothing more to do than drain the
 * per-CPU lists of free pages into it. */
static int store_compact(const char *buf, size_t len)
{
	long v;

	if (sysctl_parse_long(buf, len, &v) || v != 1)
		return -EINVAL;
	page_alloc_drain();
	return 0;
}

SYSCTL(drop_caches, "vm/drop_caches", 0200, show_zero, store_drop_caches);
SYSCTL(compact_memory, "vm/compact_memory", 0200, show_zero, store_compact);
