/*
 * Page cache tests over a fake backing store (an array of page-sized
 * records in memory): filling, sub-block dirtying and write-back of just
 * the dirty blocks, truncation, reclaim of idle clean pages only, and
 * two threads racing to fill the same page (one read, one winner).
 */
#include <alloy/errno.h>
#include <alloy/ktest.h>
#include <alloy/mm.h>
#include <alloy/pcache.h>
#include <alloy/sched.h>
#include <alloy/string.h>
#include <alloy/task.h>

#define STORE_PAGES 8

struct store {
	u8 data[STORE_PAGES][64];	/* the first 64 bytes of each page are kept */
	int reads, writes;
	u16 last_mask;
	int fail_write;
};

static int st_read(struct pcache *pc, u64 index, struct page *p)
{
	struct store *s = pc->host;
	__atomic_add_fetch(&s->reads, 1, __ATOMIC_SEQ_CST);
	if (index >= STORE_PAGES)
		return -EIO;
	memset(page_to_virt(p), 0, PAGE_SIZE);
	memcpy(page_to_virt(p), s->data[index], 64);
	sleep_ms(2);	/* a slow disk: let racers pile up */
	return 0;
}

static int st_write(struct pcache *pc, u64 index, struct page *p, u16 mask)
{
	struct store *s = pc->host;
	s->writes++;
	s->last_mask = mask;
	if (s->fail_write)
		return -EIO;
	memcpy(s->data[index], page_to_virt(p), 64);
	return 0;
}

static const struct pcache_ops st_ops = { .readpage = st_read, .writepage = st_write };

KTEST(pcache_fill_dirty_writeback)
{
	static struct store s;
	static struct pcache pc;
	struct page *p;

	memset(&s, 0, sizeof(s));
	strlcpy((char *)s.data[2], "on disk", 64);
	pcache_init(&pc, &st_ops, &s, 4);
	KT_ASSERT(pcache_get(&pc, 2, true, &p) == 0);
	KT_EXPECT(!strcmp(page_to_virt(p), "on disk") && s.reads == 1);
	pcache_put(p);
	KT_ASSERT(pcache_get(&pc, 2, true, &p) == 0);
	KT_EXPECT(s.reads == 1);	/* cached: no second read */
	strlcpy(page_to_virt(p), "changed", 64);
	pcache_mark_dirty(p, 1u << 2);
	pcache_put(p);
	KT_EXPECT(pc.nr_dirty == 1);
	KT_EXPECT(pcache_writeback(&pc, 0, ~0ULL) == 0);
	KT_EXPECT(s.writes == 1 && s.last_mask == 1u << 2 && pc.nr_dirty == 0);
	KT_EXPECT(!strcmp((char *)s.data[2], "changed"));
	KT_EXPECT(pcache_writeback(&pc, 0, ~0ULL) == 0 && s.writes == 1);	/* clean now */

	/* a failed write keeps the page dirty and is reported once */
	KT_ASSERT(pcache_get(&pc, 3, true, &p) == 0);
	pcache_mark_dirty(p, 1);
	pcache_put(p);
	s.fail_write = 1;
	KT_EXPECT(pcache_writeback(&pc, 0, ~0ULL) == -EIO && pc.nr_dirty == 1);
	KT_EXPECT(pcache_take_error(&pc) == -EIO && pcache_take_error(&pc) == 0);
	s.fail_write = 0;
	KT_EXPECT(pcache_writeback(&pc, 0, ~0ULL) == 0 && pc.nr_dirty == 0);

	/* pcache_clean forgets dirty blocks: nothing is written */
	KT_ASSERT(pcache_get(&pc, 4, true, &p) == 0);
	pcache_mark_dirty(p, 1);
	pcache_put(p);
	pcache_clean(&pc, 4, 1);
	int w = s.writes;
	KT_EXPECT(pcache_writeback(&pc, 0, ~0ULL) == 0 && s.writes == w);

	/* a read error is returned and nothing stays cached as up to date */
	KT_EXPECT(pcache_get(&pc, STORE_PAGES + 1, true, &p) == -EIO);
	u64 free0 = page_alloc_free_count();
	pcache_truncate(&pc, 0);
	KT_EXPECT(pc.tree.nr_pages == 0 && page_alloc_free_count() > free0);
	KT_EXPECT(pcache_peek(&pc, 2) == NULL);
}

KTEST(pcache_reclaim_only_idle_clean)
{
	static struct store s;
	static struct pcache pc;
	struct page *held, *dirty, *p;

	memset(&s, 0, sizeof(s));
	pcache_init(&pc, &st_ops, &s, 1);
	for (u64 i = 0; i < STORE_PAGES; i++) {
		KT_ASSERT(pcache_get(&pc, i, true, &p) == 0);
		pcache_put(p);
	}
	KT_ASSERT(pcache_get(&pc, 0, true, &held) == 0);	/* in use */
	KT_ASSERT(pcache_get(&pc, 1, true, &dirty) == 0);
	pcache_mark_dirty(dirty, 1);
	pcache_put(dirty);
	u64 got = 0;
	while (pcache_reclaim(1024))
		got++;
	KT_EXPECT(got > 0);
	KT_EXPECT(pcache_peek(&pc, 2) == NULL);		/* idle clean: gone */
	p = pcache_peek(&pc, 0);
	KT_EXPECT(p == held);				/* held: kept */
	if (p)
		pcache_put(p);
	p = pcache_peek(&pc, 1);
	KT_EXPECT(p != NULL);				/* dirty: kept */
	if (p)
		pcache_put(p);
	pcache_put(held);
	pcache_truncate(&pc, 0);
}

static struct store race_store;
static struct pcache race_pc;
static struct page *race_got[4];

static void racer(void *arg)
{
	long k = (long)arg;
	struct page *p;

	if (pcache_get(&race_pc, 5, true, &p) == 0)
		race_got[k] = p;
}

KTEST(pcache_racing_fills_read_once)
{
	struct task *t[4];

	memset(&race_store, 0, sizeof(race_store));
	strlcpy((char *)race_store.data[5], "five", 64);
	pcache_init(&race_pc, &st_ops, &race_store, 1);
	for (long k = 0; k < 4; k++)
		t[k] = kthread_create(racer, (void *)k, "pc-racer");
	for (int k = 0; k < 4; k++) {
		KT_ASSERT(t[k]);
		task_join(t[k]);
		task_put(t[k]);
	}
	KT_EXPECT(race_store.reads == 1);
	for (int k = 0; k < 4; k++) {
		KT_EXPECT(race_got[k] && race_got[k] == race_got[0] &&
			  !strcmp(page_to_virt(race_got[k]), "five"));
		if (race_got[k])
			pcache_put(race_got[k]);
	}
	pcache_truncate(&race_pc, 0);
}
