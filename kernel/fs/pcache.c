/*
 * The page cache (see <alloy/pcache.h>). A page in a cache holds one
 * reference for the cache; users take more under the cache's lock. I/O
 * runs with the page PG_BUSY and no lock held; whoever needs the page
 * idle sleeps on the cache's io_wait until the bit clears.
 */
#include <alloy/errno.h>
#include <alloy/list.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/pcache.h>
#include <alloy/printk.h>
#include <alloy/rmap.h>
#include <alloy/sched.h>
#include <alloy/string.h>

static spinlock_t lru_lock = SPINLOCK_INIT("pcache-lru", LR_PCACHE_LRU);
static LIST_HEAD(lru);			/* newest first [lru_lock] */
static u64 nr_cached;			/* [lru_lock] */
static atomic_long_t nr_dirty_all;

void pcache_init(struct pcache *pc, const struct pcache_ops *ops, void *host,
		 unsigned int blocks_per_page)
{
	mm_register_shrinker(pcache_reclaim);
	memset(pc, 0, sizeof(*pc));
	spin_lock_init(&pc->lock, "pcache", LR_PCACHE);
	wait_queue_init(&pc->io_wait, "pcache-io");
	pc->ops = ops;
	pc->host = host;
	pc->all_blocks = (u16)((1u << blocks_per_page) - 1);
}

/* Waits until p is idle and makes it busy (ours for I/O). */
static void page_lock(struct pcache *pc, struct page *p)
{
	for (;;) {
		struct waiter w = { .task = NULL };
		prepare_to_wait(&pc->io_wait, &w);
		unsigned long fl = spin_lock_irqsave(&pc->lock);
		bool got = !(p->flags & PG_BUSY);
		if (got)
			p->flags |= PG_BUSY;
		spin_unlock_irqrestore(&pc->lock, fl);
		if (got) {
			finish_wait(&pc->io_wait, &w);
			d_sleep_end();
			return;
		}
		d_sleep_begin();	/* a page under I/O */
		schedule();
		finish_wait(&pc->io_wait, &w);
	}
}

static void page_unlock(struct pcache *pc, struct page *p)
{
	unsigned long fl = spin_lock_irqsave(&pc->lock);
	p->flags &= ~(PG_BUSY | PG_WRITEBACK);
	spin_unlock_irqrestore(&pc->lock, fl);
	wake_up_all(&pc->io_wait);
}

/* Free memory is short when under 1/32 of RAM is left. */
static bool memory_low(void)
{
	return page_alloc_free_count() < page_alloc_total_count() / 32;
}

static struct page *new_page(void)
{
	if (memory_low())
		pcache_reclaim(64);
	struct page *p = alloc_page(GFP_KERNEL);
	if (!p && pcache_reclaim(64))
		p = alloc_page(GFP_KERNEL);
	return p;
}

/* Inserts a fresh page at index, or returns the one somebody else put
 * there first; with a reference either way. A fresh page is returned
 * busy when busy is set (the caller fills it). */
static int insert_page(struct pcache *pc, u64 index, struct page **out, bool busy,
		       bool *fresh)
{
	struct page *p = new_page();
	if (!p)
		return -ENOMEM;
	unsigned long fl = spin_lock_irqsave(&lru_lock);
	spin_lock(&pc->lock);
	struct page *old = page_tree_lookup(&pc->tree, index);
	int rc = 0;
	*fresh = false;
	if (old) {
		page_get(old);
		*out = old;
	} else if ((rc = page_tree_insert(&pc->tree, index, p)) == 0) {
		p->flags |= PG_CACHE | (busy ? PG_BUSY : 0);
		*fresh = true;
		p->pc = pc;
		p->index = index;
		p->dirty_blocks = 0;
		page_get(p);		/* the caller's; the first is the cache's */
		list_add(&p->lru, &lru);
		nr_cached++;
		*out = p;
		p = NULL;
	}
	spin_unlock(&pc->lock);
	spin_unlock_irqrestore(&lru_lock, fl);
	if (p)
		free_page(p);
	return rc;
}

struct page *pcache_peek(struct pcache *pc, u64 index)
{
	unsigned long fl = spin_lock_irqsave(&pc->lock);
	struct page *p = page_tree_lookup(&pc->tree, index);
	if (p)
		page_get(p);
	spin_unlock_irqrestore(&pc->lock, fl);
	return p;
}

/* Reads p (busy, ours) in unless it is up to date already. */
static int fill_locked(struct pcache *pc, u64 index, struct page *p)
{
	if (p->flags & PG_UPTODATE)
		return 0;
	int rc = pc->ops->readpage(pc, index, p);
	if (!rc) {
		unsigned long fl = spin_lock_irqsave(&pc->lock);
		p->flags |= PG_UPTODATE;
		spin_unlock_irqrestore(&pc->lock, fl);
	}
	return rc;
}

int pcache_get(struct pcache *pc, u64 index, bool fill, struct page **out)
{
	struct page *p = pcache_peek(pc, index);
	int rc;

	bool fresh;
	if (!p && (rc = insert_page(pc, index, &p, false, &fresh)))
		return rc;
	if (!fill || (__atomic_load_n(&p->flags, __ATOMIC_ACQUIRE) & PG_UPTODATE)) {
		*out = p;
		return 0;
	}
	page_lock(pc, p);
	rc = fill_locked(pc, index, p);
	page_unlock(pc, p);
	if (rc) {
		pcache_put(p);
		return rc;
	}
	*out = p;
	return 0;
}

int pcache_get_busy(struct pcache *pc, u64 index, bool fill, struct page **out)
{
	struct page *p = pcache_peek(pc, index);
	bool fresh = false;
	int rc;

	if (!p && (rc = insert_page(pc, index, &p, true, &fresh)))
		return rc;
	if (!fresh)
		page_lock(pc, p);
	if (fill && (rc = fill_locked(pc, index, p))) {
		pcache_put_busy(p);
		return rc;
	}
	*out = p;
	return 0;
}

void pcache_put_busy(struct page *p)
{
	page_unlock(p->pc, p);
	pcache_put(p);
}

void pcache_readahead(struct pcache *pc, u64 index, unsigned int n)
{
	struct page *pages[PCACHE_BATCH];
	unsigned int got = 0;

	if (!pc->ops->readpages || n > PCACHE_BATCH)
		return;
	/* The run of pages from index that nobody has cached yet. */
	for (unsigned int k = 0; k < n; k++) {
		struct page *p;
		bool fresh;
		if (insert_page(pc, index + k, &p, true, &fresh))
			break;
		if (!fresh) {
			pcache_put(p);
			break;
		}
		pages[got++] = p;
	}
	if (!got)
		return;
	int rc = pc->ops->readpages(pc, index, pages, got);
	unsigned long fl = spin_lock_irqsave(&pc->lock);
	for (unsigned int k = 0; k < got; k++) {
		if (!rc)
			pages[k]->flags |= PG_UPTODATE;
		pages[k]->flags &= ~PG_BUSY;
	}
	spin_unlock_irqrestore(&pc->lock, fl);
	wake_up_all(&pc->io_wait);
	for (unsigned int k = 0; k < got; k++)
		pcache_put(pages[k]);
}

void pcache_put(struct page *p)
{
	page_put(p);		/* the cache's own reference keeps it */
}

void pcache_mark_dirty(struct page *p, u16 mask)
{
	struct pcache *pc = p->pc;
	unsigned long fl = spin_lock_irqsave(&pc->lock);
	if (!(p->flags & PG_CACHE)) {	/* truncated away while mapped */
		spin_unlock_irqrestore(&pc->lock, fl);
		return;
	}
	if (!(p->flags & PG_DIRTY)) {
		p->flags |= PG_DIRTY;
		pc->nr_dirty++;
		atomic_long_add_return(&nr_dirty_all, 1);
	}
	p->flags |= PG_UPTODATE;
	p->dirty_blocks |= mask & pc->all_blocks;
	spin_unlock_irqrestore(&pc->lock, fl);
}

/* Clears dirty bits of p (caller holds pc->lock). */
static void clear_dirty(struct pcache *pc, struct page *p, u16 mask)
{
	if (!(p->flags & PG_DIRTY))
		return;
	p->dirty_blocks &= (u16)~mask;
	if (!p->dirty_blocks) {
		p->flags &= ~PG_DIRTY;
		pc->nr_dirty--;
		atomic_long_add_return(&nr_dirty_all, -1);
	}
}

void pcache_clean(struct pcache *pc, u64 index, u16 mask)
{
	unsigned long fl = spin_lock_irqsave(&pc->lock);
	struct page *p = page_tree_lookup(&pc->tree, index);
	if (p)
		clear_dirty(pc, p, mask);
	spin_unlock_irqrestore(&pc->lock, fl);
}

/* The next page at >= *index and < to that is dirty or being written
 * back by someone else (a writeback must wait for that write too: it
 * cleared the dirty bit before its I/O), with a reference. */
static struct page *next_dirty(struct pcache *pc, u64 *index, u64 to)
{
	unsigned long fl = spin_lock_irqsave(&pc->lock);
	struct page *p;
	while ((p = page_tree_next(&pc->tree, index)) && *index < to) {
		if (p->flags & (PG_DIRTY | PG_WRITEBACK)) {
			page_get(p);
			break;
		}
		if (++*index == 0)
			break;
	}
	if (p && *index >= to)
		p = NULL;
	spin_unlock_irqrestore(&pc->lock, fl);
	return p;
}

/* Writes p back if it is still dirty; 0 or the error. */
static int write_one(struct pcache *pc, struct page *p)
{
	int rc = 0;

	page_lock(pc, p);
	unsigned long fl = spin_lock_irqsave(&pc->lock);
	u16 mask = (p->flags & PG_DIRTY) ? p->dirty_blocks : 0;
	clear_dirty(pc, p, mask);	/* a write during the I/O dirties it again */
	bool cached = p->flags & PG_CACHE;
	if (mask && cached)
		p->flags |= PG_WRITEBACK;	/* page_unlock clears it */
	spin_unlock_irqrestore(&pc->lock, fl);
	if (mask && cached && pc->rmap)	/* see <alloy/pcache.h>: shared mappings */
		rmap_wrprotect(pc->rmap, p->index, &p, 1);
	if (mask && cached) {
		rc = pc->ops->writepage(pc, p->index, p, mask);
		if (rc) {
			pcache_mark_dirty(p, mask);	/* nothing is lost */
			if (!pc->wb_error)
				pc->wb_error = rc;
		}
	}
	page_unlock(pc, p);
	return rc;
}

/* Writes the whole-page-dirty run that starts with p (referenced) in one
 * writepages call; returns how many pages it took, 0 if p does not
 * qualify, or the error. */
static int write_run(struct pcache *pc, struct page *p, u64 index, u64 to)
{
	struct page *run[PCACHE_BATCH];
	unsigned int n = 0;

	if (!pc->ops->writepages)
		return 0;
	run[n++] = p;
	page_get(p);
	while (n < PCACHE_BATCH && index + n < to) {
		struct page *q = pcache_peek(pc, index + n);
		if (!q)
			break;
		if (!(__atomic_load_n(&q->flags, __ATOMIC_ACQUIRE) & PG_DIRTY)) {
			pcache_put(q);
			break;
		}
		run[n++] = q;
	}
	for (unsigned int k = 0; k < n; k++)
		page_lock(pc, run[k]);
	/* Only pages still dirty as a whole and still cached may go. */
	unsigned int ok = 0;
	unsigned long fl = spin_lock_irqsave(&pc->lock);
	while (ok < n && (run[ok]->flags & PG_CACHE) && (run[ok]->flags & PG_DIRTY) &&
	       run[ok]->dirty_blocks == pc->all_blocks) {
		clear_dirty(pc, run[ok], pc->all_blocks);
		run[ok++]->flags |= PG_WRITEBACK;	/* page_unlock clears it */
	}
	spin_unlock_irqrestore(&pc->lock, fl);
	if (ok && pc->rmap)
		rmap_wrprotect(pc->rmap, index, run, ok);
	int rc = ok ? pc->ops->writepages(pc, index, run, ok) : 0;
	for (unsigned int k = 0; k < n; k++) {
		if (rc && k < ok) {
			pcache_mark_dirty(run[k], pc->all_blocks);	/* nothing is lost */
			if (!pc->wb_error)
				pc->wb_error = rc;
		}
		page_unlock(pc, run[k]);
		pcache_put(run[k]);
	}
	return rc ? rc : (int)ok;
}

int pcache_writeback(struct pcache *pc, u64 from, u64 to)
{
	int first = 0;
	u64 index = from;
	struct page *p;

	while (index < to && (p = next_dirty(pc, &index, to))) {
		int rc = write_run(pc, p, index, to);
		if (rc > 0) {
			pcache_put(p);
			index += (u64)rc;
			continue;
		}
		if (!rc)
			rc = write_one(pc, p);
		pcache_put(p);
		if (rc && !first)
			first = rc;
		if (rc || ++index == 0)
			break;	/* a failing disk: report, don't spin on it */
	}
	return first;
}

int pcache_take_error(struct pcache *pc)
{
	unsigned long fl = spin_lock_irqsave(&pc->lock);
	int rc = pc->wb_error;
	pc->wb_error = 0;
	spin_unlock_irqrestore(&pc->lock, fl);
	return rc;
}

static void no_page(struct page *p)
{
	(void)p;	/* pcache_truncate took every page out already */
}

void pcache_truncate(struct pcache *pc, u64 from)
{
	u64 index = from;

	for (;;) {
		unsigned long fl = spin_lock_irqsave(&pc->lock);
		struct page *p = page_tree_next(&pc->tree, &index);
		u64 behind = from;
		/* A page fault may have put a page back behind us while we
		 * slept on one: take it too, never drop it with the nodes. */
		if (!p && (p = page_tree_next(&pc->tree, &behind)))
			index = behind;
		if (p)
			page_get(p);
		else	/* the tree's index nodes above `from` go too */
			page_tree_truncate(&pc->tree, from, no_page);
		spin_unlock_irqrestore(&pc->lock, fl);
		if (!p)
			return;
		page_lock(pc, p);	/* no I/O may still run on it */
		fl = spin_lock_irqsave(&lru_lock);
		spin_lock(&pc->lock);
		if (page_tree_remove(&pc->tree, index) == p) {
			clear_dirty(pc, p, 0xffff);
			p->flags &= ~(PG_CACHE | PG_UPTODATE | PG_BUSY);
			list_del(&p->lru);
			nr_cached--;
			page_put(p);		/* the cache's reference */
		}
		spin_unlock(&pc->lock);
		spin_unlock_irqrestore(&lru_lock, fl);
		wake_up_all(&pc->io_wait);
		page_put(p);
		if (++index == 0)
			return;
	}
}

void pcache_balance(struct pcache *pc)
{
	u64 limit = page_alloc_total_count() / 8;

	while ((u64)atomic_long_read(&nr_dirty_all) > limit && pc->nr_dirty) {
		if (pcache_writeback(pc, 0, ~0ULL))
			return;
	}
}

u64 pcache_reclaim(u64 nr)
{
	u64 freed = 0, scanned = 0;
	unsigned long fl = spin_lock_irqsave(&lru_lock);
	u64 limit = nr_cached;

	while (freed < nr && scanned++ < limit && !list_empty(&lru)) {
		struct page *p = list_entry(lru.prev, struct page, lru);
		struct pcache *pc = p->pc;
		list_del(&p->lru);
		spin_lock(&pc->lock);
		bool idle = page_count(p) == 1 && !(p->flags & (PG_DIRTY | PG_BUSY));
		if (idle && page_tree_remove(&pc->tree, p->index) == p) {
			p->flags &= ~(PG_CACHE | PG_UPTODATE);
			nr_cached--;
			spin_unlock(&pc->lock);
			page_put(p);
			freed++;
			continue;
		}
		spin_unlock(&pc->lock);
		list_add(&p->lru, &lru);	/* in use: give it another round */
	}
	spin_unlock_irqrestore(&lru_lock, fl);
	return freed;
}

void pcache_stats(u64 *cached, u64 *dirty)
{
	unsigned long fl = spin_lock_irqsave(&lru_lock);
	*cached = nr_cached;
	spin_unlock_irqrestore(&lru_lock, fl);
	*dirty = (u64)atomic_long_read(&nr_dirty_all);
}
