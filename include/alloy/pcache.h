/*
 * The page cache: the pages of a file (or of a whole disk, for a
 * filesystem's metadata) kept in memory, keyed by page index. A cache
 * belongs to its host (an inode, a disk) and is filled and written back
 * through the host's ops; the host decides how a page maps to sectors.
 *
 * Pages carry their state in struct page: PG_UPTODATE (holds the data),
 * PG_DIRTY with dirty_blocks (which sub-blocks of the page need writing;
 * a filesystem with 1 KiB blocks dirties a quarter page at a time, so a
 * write-back never overwrites a neighbour block that belongs to somebody
 * else), PG_BUSY (I/O in progress; others wait on the cache's io_wait).
 *
 * Memory: every cached page is on one global LRU. When free memory runs
 * low the cache gives back clean pages nobody holds (pcache_reclaim), and
 * writers are throttled to keep dirty pages under a fraction of RAM
 * (pcache_balance), so files larger than RAM stream through.
 *
 * Shared mappings: write-back cleans a page, then write-protects it in
 * every mapping (pc->rmap), then writes it, all with the page busy; a
 * store after that faults and dirties the page again, so fsync and the
 * flusher see stores through mappings too. This takes each mapping's
 * mm->lock with a page busy, so a task holding an mm->lock must never
 * wait for a page that is dirty: page faults wait only for pages being
 * read in (not yet up to date), which write-back never holds.
 *
 * Locks: the LRU lock, then a cache's lock (both spinlocks); neither is
 * held across I/O or a copy to user memory. A cached page that only the
 * cache holds (refcount 1) gets its next reference only under its
 * cache's lock (lookups); other references are taken from one already
 * held (fork copying a mapping of the page). So reclaim, which holds the
 * same lock and sees refcount 1, knows nobody else has the page.
 */
#ifndef ALLOY_PCACHE_H
#define ALLOY_PCACHE_H

#include <alloy/page_tree.h>
#include <alloy/spinlock.h>
#include <alloy/types.h>
#include <alloy/wait.h>

struct page;
struct pcache;

struct pcache_ops {
	/* Fills p, page `index`, from the backing store: 0 or -errno. */
	int (*readpage)(struct pcache *pc, u64 index, struct page *p);
	/* Writes the sub-blocks of p set in mask: 0 or -errno. */
	int (*writepage)(struct pcache *pc, u64 index, struct page *p, u16 mask);
	/* Optional, for whole pages: n <= PCACHE_BATCH consecutive pages from
	 * index at once, so the disk sees large requests. */
	int (*readpages)(struct pcache *pc, u64 index, struct page **pages, unsigned int n);
	int (*writepages)(struct pcache *pc, u64 index, struct page **pages, unsigned int n);
};

#define PCACHE_BATCH 16

struct pcache {
	spinlock_t lock;
	struct page_tree tree;		/* [lock] */
	u64 nr_dirty;			/* [lock] */
	const struct pcache_ops *ops;
	void *host;
	u16 all_blocks;			/* dirty_blocks mask of a whole page */
	int wb_error;			/* first write-back error since fsync */
	struct vm_rmap *rmap;		/* who maps the pages (a file's), or NULL */
	struct wait_queue io_wait;	/* a PG_BUSY page became idle */
};

/* blocks_per_page: 1..16 sub-blocks that are dirtied independently. */
void pcache_init(struct pcache *pc, const struct pcache_ops *ops, void *host,
		 unsigned int blocks_per_page);
/* Page `index` with a reference (drop it with pcache_put). fill: read it
 * in if it does not hold the data yet (else the caller will overwrite
 * it whole). 0, -ENOMEM, or the readpage error. */
int pcache_get(struct pcache *pc, u64 index, bool fill, struct page **out);
/* Reads the pages of [index, index + n) that are not cached yet, in
 * batches (n <= PCACHE_BATCH); errors are left for pcache_get to find. */
void pcache_readahead(struct pcache *pc, u64 index, unsigned int n);
/* The same, with the page busy (PG_BUSY) and so ours alone until
 * pcache_put_busy: no read-in, write-back or other writer touches it.
 * Without fill it may not be up to date (check PG_UPTODATE). */
int pcache_get_busy(struct pcache *pc, u64 index, bool fill, struct page **out);
void pcache_put_busy(struct page *p);
/* The page if cached (with a reference), else NULL; no I/O. */
struct page *pcache_peek(struct pcache *pc, u64 index);
void pcache_put(struct page *p);
/* Marks sub-blocks of p dirty (and the page up to date). */
void pcache_mark_dirty(struct page *p, u16 mask);
/* Forgets that sub-blocks of page index are dirty (their block was freed). */
void pcache_clean(struct pcache *pc, u64 index, u16 mask);
/* Writes every dirty page in [from, to) and waits; 0 or the first error
 * (also remembered for pcache_take_error). */
int pcache_writeback(struct pcache *pc, u64 from, u64 to);
/* The first write-back error since the last call (fsync reports it). */
int pcache_take_error(struct pcache *pc);
/* Drops every page at index >= from, dirty or not (truncate, unmount). */
void pcache_truncate(struct pcache *pc, u64 from);

/* Writers call this after dirtying pages: while too much of memory is
 * dirty it writes back pages of pc. */
void pcache_balance(struct pcache *pc);
/* Frees up to nr clean, unused cached pages (oldest first); how many. */
u64 pcache_reclaim(u64 nr);
/* For /proc/meminfo and tests: pages cached and dirty. */
void pcache_stats(u64 *cached, u64 *dirty);

#endif
