// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel tests of the page allocator, the slab caches and kmalloc.
 *
 * The concurrent tests pin one thread per CPU. Threads are created
 * first and wait for a start signal; when done they wait again until the
 * counts have been read. That keeps the memory the scheduler spends on
 * the threads themselves (task structs, stacks) out of the comparison
 * between the counts before and after.
 */
#include <alloy/atomic.h>
#include <alloy/compiler.h>
#include <alloy/cpu.h>
#include <alloy/ktest.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/task.h>

#define MM_TEST_MAX_CPUS 64

static u64 xorshift(u64 *s)
{
	u64 x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* ---- running one pinned thread per CPU --------------------------------- */

enum { GROUP_WAIT, GROUP_RUN, GROUP_EXIT };

struct mm_group {
	struct task *tasks[MM_TEST_MAX_CPUS];
	unsigned int n;
	int phase;
	atomic_t done;
};

struct mm_worker {
	struct mm_group *group;
	unsigned int cpu;
	u64 seed;
	void *ctx;
};

static struct mm_worker workers[MM_TEST_MAX_CPUS];

static void group_wait_phase(struct mm_group *g, int phase)
{
	while (smp_load_acquire(&g->phase) < phase)
		sleep_ms(1);
}

/* Run in each thread: wait for the start, work, report, wait for the end. */
static void group_thread(struct mm_worker *w, void (*work)(struct mm_worker *))
{
	group_wait_phase(w->group, GROUP_RUN);
	if (cpu_id() != w->cpu)
		ktest_fail(__FILE__, __LINE__, "worker for cpu %u runs on cpu %u",
			   w->cpu, cpu_id());
	work(w);
	atomic_inc(&w->group->done);
	group_wait_phase(w->group, GROUP_EXIT);
	kthread_exit();
}

static int group_start(struct mm_group *g, void (*fn)(void *), void *ctx,
		       const char *name)
{
	unsigned int cpu;

	memset(g, 0, sizeof(*g));
	g->n = MIN(nr_cpus, (unsigned int)MM_TEST_MAX_CPUS);
	for (cpu = 0; cpu < g->n; cpu++) {
		struct mm_worker *w = &workers[cpu];

		w->group = g;
		w->cpu = cpu;
		w->seed = 0x9e3779b97f4a7c15ULL * (cpu + 1);
		w->ctx = ctx;
		g->tasks[cpu] = kthread_create_on((int)cpu, fn, w, name);
		if (!g->tasks[cpu])
			return -1;
	}
	return 0;
}

static void group_go(struct mm_group *g)
{
	smp_store_release(&g->phase, GROUP_RUN);
}

static void group_wait_done(struct mm_group *g)
{
	while ((unsigned int)atomic_read(&g->done) < g->n)
		sleep_ms(1);
}

/* Let the threads exit and drop them; safe on a partly started group. */
static void group_end(struct mm_group *g)
{
	unsigned int cpu;

	smp_store_release(&g->phase, GROUP_EXIT);
	for (cpu = 0; cpu < g->n; cpu++) {
		if (!g->tasks[cpu])
			continue;
		task_join(g->tasks[cpu]);
		task_put(g->tasks[cpu]);
	}
}

/* ---- page_alloc_stress_all_cpus ---------------------------------------- */

#define STRESS_OPS 4000
#define STRESS_SLOTS 32

struct stress_slot {
	struct page *page;
	unsigned int order;
	u64 tag;
};

/* Each page of a block carries the tag in its first and last word. */
static void block_write(struct stress_slot *s)
{
	u64 i;

	for (i = 0; i < (1UL << s->order); i++) {
		u64 *w = page_to_virt(s->page + i);

		w[0] = s->tag + i;
		w[PAGE_SIZE / 8 - 1] = ~(s->tag + i);
	}
}

static bool block_intact(const struct stress_slot *s)
{
	u64 i;

	for (i = 0; i < (1UL << s->order); i++) {
		const u64 *w = page_to_virt(s->page + i);

		if (w[0] != s->tag + i || w[PAGE_SIZE / 8 - 1] != ~(s->tag + i))
			return false;
	}
	return true;
}

static unsigned int stress_order(u64 *seed)
{
	u64 r = xorshift(seed);

	if (r % 64 == 0)
		return (unsigned int)((r >> 8) % 8);
	return (unsigned int)((r >> 8) % 4);
}

static void stress_release(struct stress_slot *s, unsigned int cpu)
{
	if (!block_intact(s))
		ktest_fail(__FILE__, __LINE__,
			   "cpu %u: block at pfn %#lx order %u was overwritten",
			   cpu, (unsigned long)page_to_pfn(s->page), s->order);
	free_pages(s->page, s->order);
	s->page = NULL;
}

static void page_stress_work(struct mm_worker *w)
{
	struct stress_slot slots[STRESS_SLOTS] = { 0 };
	unsigned int i;

	for (i = 0; i < STRESS_OPS; i++) {
		struct stress_slot *s = &slots[xorshift(&w->seed) % STRESS_SLOTS];

		if (s->page) {
			stress_release(s, w->cpu);
			continue;
		}
		s->order = stress_order(&w->seed);
		s->page = alloc_pages(GFP_KERNEL, s->order);
		if (!s->page)
			continue;	/* other CPUs may hold the memory */
		s->tag = xorshift(&w->seed);
		block_write(s);
	}
	for (i = 0; i < STRESS_SLOTS; i++)
		if (slots[i].page)
			stress_release(&slots[i], w->cpu);
}

static void page_stress_thread(void *arg)
{
	group_thread(arg, page_stress_work);
}

KTEST(page_alloc_stress_all_cpus)
{
	static struct mm_group g;
	u64 before, after;
	int ret;

	ret = group_start(&g, page_stress_thread, NULL, "mm_pstress");
	before = page_alloc_free_count();
	group_go(&g);
	if (ret == 0)
		group_wait_done(&g);
	after = page_alloc_free_count();
	group_end(&g);
	KT_ASSERT(ret == 0);
	pr_info("page_alloc_stress: %u cpus x %d ops, %lu pages free\n", g.n,
		STRESS_OPS, (unsigned long)after);
	KT_ASSERT_EQ(after, before);
}

/* ---- slab_concurrency -------------------------------------------------- */

#define XCHG_SLOTS 16
#define SLAB_OPS 3000
#define SHARED_OBJ_SIZE 72

/*
 * Objects travel between CPUs through this array: a thread puts its new
 * object in a random slot and frees whatever was there, usually an
 * object allocated on another CPU.
 */
struct xchg_obj {
	u8 *p;
	size_t size;		/* 0: from the shared cache */
	u32 tag;
	unsigned int cpu;	/* where it was allocated */
};

struct slab_ctx {
	struct kmem_cache *cache;
	spinlock_t lock;
	struct xchg_obj slot[XCHG_SLOTS];
	atomic_t remote_frees;
};

static void obj_fill(struct xchg_obj *o, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		o->p[i] = (u8)(o->tag + i * 13);
}

static bool obj_intact(const struct xchg_obj *o, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (o->p[i] != (u8)(o->tag + i * 13))
			return false;
	return true;
}

static void obj_release(struct slab_ctx *ctx, struct xchg_obj *o)
{
	size_t len = o->size ? o->size : SHARED_OBJ_SIZE;

	if (!obj_intact(o, len))
		ktest_fail(__FILE__, __LINE__,
			   "object %p (%lu bytes) from cpu %u was overwritten",
			   o->p, (unsigned long)len, o->cpu);
	if (o->cpu != cpu_id())
		atomic_inc(&ctx->remote_frees);
	if (o->size)
		kfree(o->p);
	else
		kmem_cache_free(ctx->cache, o->p);
}

static bool obj_new(struct slab_ctx *ctx, struct mm_worker *w,
		    struct xchg_obj *o)
{
	u64 r = xorshift(&w->seed);

	o->size = (r & 1) ? 0 : 1 + (size_t)((r >> 8) % 2048);
	if ((r & 0xff) == 0x42)
		o->size = 8193 + (size_t)((r >> 8) % 20000);	/* large */
	o->p = o->size ? kmalloc(o->size, GFP_KERNEL) :
			 kmem_cache_alloc(ctx->cache, GFP_KERNEL);
	if (!o->p)
		return false;
	o->tag = (u32)(r >> 32);
	o->cpu = w->cpu;
	obj_fill(o, o->size ? o->size : SHARED_OBJ_SIZE);
	return true;
}

static void slab_work(struct mm_worker *w)
{
	struct slab_ctx *ctx = w->ctx;
	unsigned int i;

	for (i = 0; i < SLAB_OPS; i++) {
		struct xchg_obj o, old;
		unsigned long flags;
		unsigned int k = (unsigned int)(xorshift(&w->seed) % XCHG_SLOTS);

		if (!obj_new(ctx, w, &o)) {
			ktest_fail(__FILE__, __LINE__, "cpu %u: allocation failed",
				   w->cpu);
			return;
		}
		flags = spin_lock_irqsave(&ctx->lock);
		old = ctx->slot[k];
		ctx->slot[k] = o;
		spin_unlock_irqrestore(&ctx->lock, flags);
		if (old.p)
			obj_release(ctx, &old);
	}
}

static void slab_thread(void *arg)
{
	group_thread(arg, slab_work);
}

/* One empty slab may stay behind per cache: 13 kmalloc + 1 shared. */
#define SLAB_SLACK (14 * (PAGE_SIZE << 3))

KTEST(slab_concurrency)
{
	static struct mm_group g;
	static struct slab_ctx ctx;
	size_t before, after;
	unsigned int k;
	int ret;

	memset(&ctx, 0, sizeof(ctx));
	spin_lock_init(&ctx.lock, "mm_test_xchg", LR_TEST_INNER);
	ctx.cache = kmem_cache_create("ktest_shared", SHARED_OBJ_SIZE, 0);
	KT_ASSERT(ctx.cache);
	ret = group_start(&g, slab_thread, &ctx, "mm_slab");
	before = kmem_bytes_in_use();
	group_go(&g);
	if (ret == 0)
		group_wait_done(&g);
	for (k = 0; k < XCHG_SLOTS; k++)
		if (ctx.slot[k].p)
			obj_release(&ctx, &ctx.slot[k]);
	after = kmem_bytes_in_use();
	group_end(&g);
	KT_ASSERT(ret == 0);
	pr_info("slab_concurrency: %u cpus, %d remote frees, heap %lu -> %lu bytes, peak %lu\n",
		g.n, atomic_read(&ctx.remote_frees), (unsigned long)before,
		(unsigned long)after, (unsigned long)kmem_high_water());
	KT_EXPECT(after <= before + SLAB_SLACK);
	KT_EXPECT(g.n < 2 || atomic_read(&ctx.remote_frees) > 0);
	KT_EXPECT(kmem_cache_destroy(ctx.cache) == 0);
}

/* ---- kmalloc_sizes ----------------------------------------------------- */

static bool kmalloc_round_trip(size_t size)
{
	u8 *p = kmalloc(size, GFP_KERNEL);
	bool ok;

	if (!p)
		return false;
	memset(p, 0xa5, size);
	ok = ksize(p) >= size && p[0] == 0xa5 && p[size - 1] == 0xa5;
	kfree(p);
	return ok;
}

KTEST(kmalloc_sizes)
{
	static const size_t large[] = {
		8193, 12288, 65537, 200000, 1UL << 20,
	};
	size_t before = kmem_bytes_in_use(), size, i;
	unsigned int bad = 0;
	u8 *z;

	for (size = 1; size <= KMALLOC_MAX_CACHE_SIZE; size++)
		bad += !kmalloc_round_trip(size);
	KT_ASSERT_EQ(bad, 0);
	for (i = 0; i < ARRAY_SIZE(large); i++)
		KT_EXPECT(kmalloc_round_trip(large[i]));

	z = kzalloc(3000, GFP_KERNEL);
	KT_ASSERT(z);
	for (i = 0; i < 3000 && !z[i]; i++)
		;
	kfree(z);
	KT_EXPECT(i == 3000);
	kfree(NULL);
	KT_EXPECT(kmem_bytes_in_use() <= before + SLAB_SLACK);
}

/* ---- kmalloc_oom_returns_null ------------------------------------------ */

/* Single pages freed on a CPU wait on its per-CPU list (buddy.c). */
static void fill_pcp_list(void *arg)
{
	struct page *p[32];

	(void)arg;
	for (int i = 0; i < 32; i++)
		p[i] = alloc_page(GFP_KERNEL);
	for (int i = 0; i < 32; i++)
		if (p[i])
			free_page(p[i]);
}

KTEST(kmalloc_oom_returns_null)
{
	u64 total = page_alloc_total_count(), before, n = 0, freed = 0;
	struct page *chain = NULL, *p;

	/* free pages parked on another CPU's list must be handed out too
	 * before an allocation fails */
	if (nr_cpus > 1) {
		struct task *t = kthread_create_on(nr_cpus - 1, fill_pcp_list, NULL, "pcp-fill");
		KT_ASSERT(t);
		task_join(t);
		task_put(t);
	}

	KT_EXPECT(kmalloc(total * PAGE_SIZE * 2, GFP_KERNEL) == NULL);
	KT_EXPECT(kmalloc((PAGE_SIZE << (MAX_ORDER - 1)) + 1, GFP_KERNEL) == NULL);
	KT_EXPECT(alloc_pages(GFP_KERNEL, MAX_ORDER) == NULL);

	/* Take every page, chained through their own memory, then give back. */
	before = page_alloc_free_count();
	while ((p = alloc_page(GFP_KERNEL))) {
		*(struct page **)page_to_virt(p) = chain;
		chain = p;
		n++;
	}
	KT_EXPECT(page_alloc_free_count() == 0);
	KT_EXPECT(alloc_page(GFP_KERNEL) == NULL);
	while ((p = chain)) {
		chain = *(struct page **)page_to_virt(p);
		free_page(p);
		freed++;
	}
	pr_info("kmalloc_oom: took and returned %lu pages\n", (unsigned long)n);
	KT_EXPECT(freed == n && n > 0);
	KT_ASSERT_EQ(page_alloc_free_count(), before);
}
