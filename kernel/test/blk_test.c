/*
 * Block layer and virtio-blk tests. They need disks, as `make test-blk`
 * attaches them: vda writable (its contents are overwritten), vdb
 * read-only, vdc read-only and throttled to 200 requests/s. `ktest=all`
 * runs a test only when its disk exists; named on the command line
 * without it, a test fails, saying so.
 */
#include <alloy/arch.h>
#include <alloy/atomic.h>
#include <alloy/blkdev.h>
#include <alloy/errno.h>
#include <alloy/ktest.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/vfs.h>
#include <alloy/wait.h>

#define SEC 1000000000ULL
#define PAGE_SECTORS (PAGE_SIZE / SECTOR_SIZE)

static bool have_disk(void)
{
	return blkdev_find("vda") != NULL;
}

static struct blkdev *disk(const char *name)
{
	struct blkdev *bd = blkdev_find(name);

	if (!bd)
		ktest_fail(__FILE__, __LINE__,
			   "no disk %s: attach one (make test-blk, or xtask run --disk IMG)", name);
	return bd;
}

static void *pages(unsigned int order)
{
	struct page *p = alloc_pages(GFP_ZERO, order);
	return p ? page_to_virt(p) : NULL;
}

static void pages_free(void *v, unsigned int order)
{
	if (v)
		free_pages(virt_to_page(v), order);
}

/* Byte i of sector s under pattern `seed`. */
static u8 pat(u64 s, size_t i, u32 seed)
{
	return (u8)((s * 0x9e3779b1u + i * 31 + seed) >> 3);
}

static void fill(u8 *buf, u64 sector, size_t len, u32 seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pat(sector + i / SECTOR_SIZE, i % SECTOR_SIZE, seed);
}

/* Index of the first byte that differs from the pattern, or -1. */
static long check(const u8 *buf, u64 sector, size_t len, u32 seed)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != pat(sector + i / SECTOR_SIZE, i % SECTOR_SIZE, seed))
			return (long)i;
	return -1;
}

/* ---- patterns: sector 0, the last sectors, a 16-segment bio ---- */

KTEST_IF(blk_rw_patterns, have_disk)
{
	struct blkdev *bd = disk("vda");
	if (!bd)
		return;
	u8 *a = pages(4), *b = pages(4);	/* 64 KiB each */
	void *scattered[BIO_MAX_SEGS] = { 0 };
	KT_ASSERT(a && b);
	u64 last = bd->sectors - PAGE_SECTORS;
	u64 mid = bd->sectors / 2 + 3;	/* not page aligned on the disk */

	fill(a, 0, PAGE_SIZE, 1);
	KT_EXPECT(blk_rw(bd, 0, a, PAGE_SIZE, true) == 0);
	fill(a, last, PAGE_SIZE, 2);
	KT_EXPECT(blk_rw(bd, last, a, PAGE_SIZE, true) == 0);
	KT_EXPECT(blk_rw(bd, 0, b, PAGE_SIZE, false) == 0);
	KT_EXPECT(check(b, 0, PAGE_SIZE, 1) == -1);
	KT_EXPECT(blk_rw(bd, last, b, PAGE_SIZE, false) == 0);
	KT_EXPECT(check(b, last, PAGE_SIZE, 2) == -1);

	/* 64 KiB written from 16 separate pages in one bio, read back whole */
	struct bio bio = { .op = BIO_WRITE, .sector = mid, .nr_segs = BIO_MAX_SEGS };
	for (int i = 0; i < BIO_MAX_SEGS; i++) {
		scattered[i] = pages(0);
		if (!scattered[i])
			goto out;
		fill(scattered[i], mid + (u64)i * PAGE_SECTORS, PAGE_SIZE, 3);
		bio.segs[i] = (struct bio_seg){ virt_to_phys(scattered[i]), PAGE_SIZE };
	}
	KT_EXPECT(blk_submit_wait(bd, &bio) == 0);
	memset(b, 0, BIO_MAX_BYTES);
	KT_EXPECT(blk_rw(bd, mid, b, BIO_MAX_BYTES, false) == 0);
	long bad = check(b, mid, BIO_MAX_BYTES, 3);
	if (bad >= 0)
		ktest_fail(__FILE__, __LINE__, "16-segment write: byte %ld differs", bad);
	/* and the other way: one contiguous write, read into 16 pages */
	fill(a, mid, BIO_MAX_BYTES, 4);
	KT_EXPECT(blk_rw(bd, mid, a, BIO_MAX_BYTES, true) == 0);
	bio.op = BIO_READ;
	for (int i = 0; i < BIO_MAX_SEGS; i++)
		memset(scattered[i], 0, PAGE_SIZE);
	KT_EXPECT(blk_submit_wait(bd, &bio) == 0);
	for (int i = 0; i < BIO_MAX_SEGS; i++)
		KT_EXPECT(check(scattered[i], mid + (u64)i * PAGE_SECTORS, PAGE_SIZE, 4) == -1);
out:
	for (int i = 0; i < BIO_MAX_SEGS; i++)
		pages_free(scattered[i], 0);
	pages_free(a, 4);
	pages_free(b, 4);
}

/* ---- many bios in flight from several threads ---- */

#define CT_THREADS 4
#define CT_BIOS 32		/* per thread: 128 in flight at most */

#define CT_SLOW_BIOS 32		/* per thread, reads of the throttled vdc */

struct ct_thread {
	struct blkdev *bd, *slow;
	int id;
	struct wait_queue wq;
	int completed;		/* [wq.lock] */
	int errors;		/* [wq.lock] */
	struct bio bios[CT_BIOS];
	u8 *buf[CT_BIOS];
};

static atomic_t ct_ready;
static struct wait_queue ct_go_wq = WAIT_QUEUE_INIT(ct_go_wq, "blk-test-go");
static bool ct_go;

static void ct_end_io(struct bio *b)
{
	struct ct_thread *t = b->priv;
	unsigned long flags = spin_lock_irqsave(&t->wq.lock);

	t->completed++;
	t->errors += b->status != 0;
	wake_up_all_locked(&t->wq);
	spin_unlock_irqrestore(&t->wq.lock, flags);
}

/* Submits n bios of t with op, then sleeps until all completed. */
static void ct_round(struct ct_thread *t, struct blkdev *bd, enum bio_op op, int n)
{
	unsigned long flags = spin_lock_irqsave(&t->wq.lock);
	t->completed = 0;
	spin_unlock_irqrestore(&t->wq.lock, flags);
	for (int i = 0; i < n; i++) {
		struct bio *b = &t->bios[i];
		b->op = op;
		b->sector = bd == t->slow ? (u64)(t->id * n + i) * PAGE_SECTORS :
			    (u64)(t->id * n + i) * PAGE_SECTORS * 2 + 1000;
		b->nr_segs = 1;
		b->segs[0] = (struct bio_seg){ virt_to_phys(t->buf[i]), PAGE_SIZE };
		b->end_io = ct_end_io;
		b->priv = t;
		int rc = blk_submit(bd, b);
		if (rc) {
			ktest_fail(__FILE__, __LINE__, "thread %d: submit %d: %d", t->id, i, rc);
			ct_end_io(b);	/* keep the count */
		}
	}
	if (!wait_event_timeout(t->wq, READ_ONCE(t->completed) == n, 20 * SEC))
		ktest_fail(__FILE__, __LINE__, "thread %d: only %d of %d bios completed",
			   t->id, t->completed, n);
}

static void ct_thread_fn(void *arg)
{
	struct ct_thread *t = arg;

	for (int i = 0; i < CT_BIOS; i++)
		fill(t->buf[i], t->bios[i].sector, PAGE_SIZE, 10 + (u32)t->id);
	atomic_inc(&ct_ready);
	wait_event(ct_go_wq, READ_ONCE(ct_go));
	ct_round(t, t->bd, BIO_WRITE, CT_BIOS);
	for (int i = 0; i < CT_BIOS; i++)
		memset(t->buf[i], 0, PAGE_SIZE);
	ct_round(t, t->bd, BIO_READ, CT_BIOS);
	for (int i = 0; i < CT_BIOS; i++)
		if (check(t->buf[i], t->bios[i].sector, PAGE_SIZE, 10 + (u32)t->id) != -1)
			ktest_fail(__FILE__, __LINE__, "thread %d: bio %d read back wrong data",
				   t->id, i);
	ct_round(t, t->slow, BIO_READ, CT_SLOW_BIOS);
}

static bool have_rw_and_slow_disks(void)
{
	return blkdev_find("vda") && blkdev_find("vdc");
}

/*
 * Four threads each queue 32 writes, then 32 reads, on vda without
 * waiting in between, then 32 reads of vdc, which QEMU throttles so
 * they tend to complete slower than they are queued. The driver counts
 * the most bios it had in flight at once.
 */
KTEST_IF(blk_concurrent_inflight, have_rw_and_slow_disks)
{
	static struct ct_thread ts[CT_THREADS];
	struct task *tasks[CT_THREADS] = { 0 };
	struct blkdev *bd = disk("vda"), *slow = disk("vdc");
	if (!bd || !slow)
		return;
	atomic_set(&ct_ready, 0);
	ct_go = false;
	for (int i = 0; i < CT_THREADS; i++) {
		ts[i] = (struct ct_thread){ .bd = bd, .slow = slow, .id = i };
		wait_queue_init(&ts[i].wq, "blk-test-thread");
		for (int j = 0; j < CT_BIOS; j++)
			ts[i].bios[j].sector = (u64)(i * CT_BIOS + j) * PAGE_SECTORS * 2 + 1000;
		for (int j = 0; j < CT_BIOS; j++)
			KT_ASSERT((ts[i].buf[j] = pages(0)) != NULL);
	}
	WRITE_ONCE(bd->max_inflight, 0);
	WRITE_ONCE(slow->max_inflight, 0);
	for (int i = 0; i < CT_THREADS; i++)
		KT_ASSERT((tasks[i] = kthread_create_on((int)(i % nr_cpus), ct_thread_fn,
							&ts[i], "blk-submit")));
	while (atomic_read(&ct_ready) < CT_THREADS)
		sleep_ms(1);
	unsigned long flags = spin_lock_irqsave(&ct_go_wq.lock);
	ct_go = true;
	wake_up_all_locked(&ct_go_wq);
	spin_unlock_irqrestore(&ct_go_wq.lock, flags);
	for (int i = 0; i < CT_THREADS; i++) {
		task_join(tasks[i]);
		task_put(tasks[i]);
		KT_EXPECT(ts[i].errors == 0);
		for (int j = 0; j < CT_BIOS; j++)
			pages_free(ts[i].buf[j], 0);
	}
	u32 max = READ_ONCE(bd->max_inflight), slow_max = READ_ONCE(slow->max_inflight);
	pr_info("blk_concurrent_inflight: %d threads on %u CPUs: vda max %u in flight "
		"(%d bios), throttled vdc max %u (%d reads); queue depth %u\n", CT_THREADS,
		nr_cpus, max, CT_THREADS * CT_BIOS * 2, slow_max, CT_THREADS * CT_SLOW_BIOS,
		bd->queue_depth);
	/* serialised to depth 1 both would be 1; how many more depends on how
	 * fast QEMU completes (seen: 14..128 and 17..122) */
	KT_EXPECT(max > 1);
	KT_EXPECT(MAX(max, slow_max) >= 8);
	KT_EXPECT(READ_ONCE(bd->inflight) == 0);
	KT_EXPECT(READ_ONCE(slow->inflight) == 0);
}

/* ---- requests the layer must refuse without calling end_io ---- */

static int einval_end_io_calls;

static void count_end_io(struct bio *b)
{
	(void)b;
	__atomic_fetch_add(&einval_end_io_calls, 1, __ATOMIC_RELAXED);
}

KTEST_IF(blk_bad_requests_einval, have_disk)
{
	struct blkdev *bd = disk("vda");
	if (!bd)
		return;
	u8 *buf = pages(4);
	KT_ASSERT(buf);
	phys_addr_t p = virt_to_phys(buf);
	struct bio b;

	einval_end_io_calls = 0;
#define BAD(expr_setup)                                                    \
	do {                                                               \
		b = (struct bio){ .op = BIO_READ, .nr_segs = 1,            \
				  .segs = { { p, SECTOR_SIZE } },          \
				  .end_io = count_end_io };                \
		expr_setup;                                                \
		int rc = blk_submit(bd, &b);                               \
		if (rc != -EINVAL)                                         \
			ktest_fail(__FILE__, __LINE__, "%s: got %d, want -EINVAL", \
				   #expr_setup, rc);                        \
	} while (0)
	BAD(b.sector = bd->sectors);				/* read past the end */
	BAD((b.sector = bd->sectors - 1, b.segs[0].len = 2 * SECTOR_SIZE));	/* straddles it */
	BAD(b.sector = ~0ULL);					/* overflow */
	BAD(b.nr_segs = 0);
	BAD(b.nr_segs = BIO_MAX_SEGS + 1);
	BAD(b.segs[0].len = 100);
	BAD(b.segs[0].len = 0);
	BAD((b.nr_segs = 2, b.segs[1] = (struct bio_seg){ p, BIO_MAX_BYTES }));	/* > 64 KiB */
	BAD((b.op = BIO_WRITE, b.sector = bd->sectors));
#undef BAD
	KT_EXPECT(einval_end_io_calls == 0);
	KT_EXPECT(blk_rw(bd, bd->sectors, buf, SECTOR_SIZE, false) == -EINVAL);
	KT_EXPECT(blk_rw(bd, 0, buf, 100, false) == -EINVAL);
	KT_EXPECT(blk_rw(bd, 0, buf + 8, SECTOR_SIZE, false) == -EINVAL);
	/* the last sector itself is fine */
	KT_EXPECT(blk_rw(bd, bd->sectors - 1, buf, SECTOR_SIZE, false) == 0);
	pages_free(buf, 4);
}

/* ---- flush ---- */

KTEST_IF(blk_flush_reaches_device, have_disk)
{
	struct blkdev *bd = disk("vda");
	if (!bd)
		return;
	u8 *buf = pages(0);
	KT_ASSERT(buf);
	fill(buf, 8, PAGE_SIZE, 5);
	KT_EXPECT(blk_rw(bd, 8, buf, PAGE_SIZE, true) == 0);
	u64 before = READ_ONCE(bd->nr_flushes);
	KT_EXPECT(blk_flush(bd) == 0);
	/* QEMU offers VIRTIO_BLK_F_FLUSH (cache=writeback): it must be sent */
	KT_EXPECT(READ_ONCE(bd->nr_flushes) == before + 1);
	memset(buf, 0, PAGE_SIZE);
	KT_EXPECT(blk_rw(bd, 8, buf, PAGE_SIZE, false) == 0);
	KT_EXPECT(check(buf, 8, PAGE_SIZE, 5) == -1);
	pages_free(buf, 0);
}

/* ---- a read-only disk ---- */

static bool have_ro_disk(void)
{
	return blkdev_find("vdb") != NULL;
}

KTEST_IF(blk_readonly_rejects_writes, have_ro_disk)
{
	struct blkdev *rw = disk("vda"), *ro = disk("vdb");
	if (!rw || !ro)
		return;
	u8 *buf = pages(0);
	struct file *f = NULL;
	KT_ASSERT(buf);
	KT_EXPECT(!rw->read_only);
	KT_EXPECT(ro->read_only);
	u64 bios = READ_ONCE(ro->nr_bios);
	KT_EXPECT(blk_rw(ro, 0, buf, PAGE_SIZE, true) == -EROFS);
	KT_EXPECT(READ_ONCE(ro->nr_bios) == bios);	/* never reached the device */
	KT_EXPECT(blk_rw(ro, 0, buf, PAGE_SIZE, false) == 0);
	KT_EXPECT(vfs_open(NULL, "/dev/vdb", O_RDWR, 0, &f) == 0);
	if (f) {
		struct iobuf kb = { .addr = (u64)buf, .kernel = true };
		KT_EXPECT(file_write_at(f, kb, 512, 0) == -EROFS);
		KT_EXPECT(file_read_at(f, kb, 512, 0) == 512);
		file_put(f);
	}
	pages_free(buf, 0);
}

/* ---- the statistics /sys/block/<d>/stat shows ---- */

/*
 * Exact counts on vda (nothing else uses it during the test): a write,
 * a read, a flush, a batch of 8 in flight, the same bio struct sent
 * twice (the accounting's end_io is taken out again at completion);
 * refused bios (EINVAL, EROFS) are not counted and leave nothing in
 * flight; time and busy time grow.
 */
KTEST_IF(blk_stats_count, have_ro_disk)
{
	struct blkdev *bd = disk("vda"), *ro = disk("vdb");
	if (!bd || !ro)
		return;
	u8 *buf = pages(3);	/* 8 pages */
	KT_ASSERT(buf);
	struct blk_stat_snap a, b, r0, r1;
	blkdev_stat_snap(bd, &a);
	blkdev_stat_snap(ro, &r0);

	fill(buf, 32, PAGE_SIZE, 9);
	KT_EXPECT(blk_rw(bd, 32, buf, PAGE_SIZE, true) == 0);
	KT_EXPECT(blk_rw(bd, 32, buf, 2 * PAGE_SIZE, false) == 0);
	KT_EXPECT(blk_flush(bd) == 0);
	struct bio one = { .op = BIO_READ, .sector = 64, .nr_segs = 1,
			   .segs = { { virt_to_phys(buf), SECTOR_SIZE } } };
	KT_EXPECT(blk_submit_wait(bd, &one) == 0);
	KT_EXPECT(blk_submit_wait(bd, &one) == 0);	/* the same struct again */
	struct bio batch[8];
	struct bio_batch bb;
	bio_batch_init(&bb);
	for (int i = 0; i < 8; i++) {
		batch[i] = (struct bio){ .op = BIO_READ, .sector = 128 + 8 * (u64)i, .nr_segs = 1,
					 .segs = { { virt_to_phys(buf + i * PAGE_SIZE), PAGE_SIZE } } };
		bio_batch_add(bd, &bb, &batch[i]);
	}
	KT_EXPECT(bio_batch_wait(&bb) == 0);
	/* refused: not counted */
	KT_EXPECT(blk_rw(bd, bd->sectors, buf, SECTOR_SIZE, false) == -EINVAL);
	KT_EXPECT(blk_rw(ro, 0, buf, PAGE_SIZE, true) == -EROFS);

	blkdev_stat_snap(bd, &b);
	blkdev_stat_snap(ro, &r1);
	KT_EXPECT(b.ios[BLK_STAT_WRITE] == a.ios[BLK_STAT_WRITE] + 1);
	KT_EXPECT(b.sectors[BLK_STAT_WRITE] == a.sectors[BLK_STAT_WRITE] + PAGE_SECTORS);
	KT_EXPECT(b.ios[BLK_STAT_READ] == a.ios[BLK_STAT_READ] + 1 + 2 + 8);
	KT_EXPECT(b.sectors[BLK_STAT_READ] == a.sectors[BLK_STAT_READ] + 2 * PAGE_SECTORS + 2 +
						 8 * PAGE_SECTORS);
	KT_EXPECT(b.ios[BLK_STAT_FLUSH] == a.ios[BLK_STAT_FLUSH] + 1);
	KT_EXPECT(b.sectors[BLK_STAT_FLUSH] == a.sectors[BLK_STAT_FLUSH]);
	KT_EXPECT(b.ios[BLK_STAT_DISCARD] == 0);
	KT_EXPECT(b.inflight[0] == 0 && b.inflight[1] == 0);
	KT_EXPECT(b.nsecs[BLK_STAT_READ] > a.nsecs[BLK_STAT_READ]);
	KT_EXPECT(b.io_ns > a.io_ns);
	KT_EXPECT(r1.ios[BLK_STAT_WRITE] == r0.ios[BLK_STAT_WRITE]);
	KT_EXPECT(r1.inflight[0] == 0 && r1.inflight[1] == 0);
	pages_free(buf, 3);
}

/* ---- a waiting submitter sleeps ---- */

#define SLEEP_IOS 40

struct sleep_test {
	struct blkdev *bd;
	u8 *buf;
	bool poll;		/* the reader busy-waits instead (reference) */
	volatile u64 spins;	/* the spinner's progress */
	volatile bool stop;
	volatile bool polled_done;
	int slow, overlapped;	/* reads over 2 ms; of which the spinner ran in */
};

static void spinner(void *arg)
{
	struct sleep_test *s = arg;

	while (!s->stop)
		s->spins++;
}

static void poll_end_io(struct bio *b)
{
	((struct sleep_test *)b->priv)->polled_done = true;
}

/* What the layer must not do: submit, then spin until end_io ran. */
static int polling_read(struct sleep_test *s, u64 sector)
{
	struct bio b = { .op = BIO_READ, .sector = sector, .nr_segs = 1,
			 .segs = { { virt_to_phys(s->buf), PAGE_SIZE } },
			 .end_io = poll_end_io, .priv = s };
	s->polled_done = false;
	int rc = blk_submit(s->bd, &b);
	while (!rc && !s->polled_done)
		arch_cpu_relax();
	return rc ? rc : b.status;
}

static void sync_reader(void *arg)
{
	struct sleep_test *s = arg;

	s->slow = s->overlapped = 0;
	for (int i = 0; i < SLEEP_IOS; i++) {
		u64 sector = (u64)i * PAGE_SECTORS;
		u64 t0 = ktime_ns(), before = s->spins;
		int rc = s->poll ? polling_read(s, sector)
				 : blk_rw(s->bd, sector, s->buf, PAGE_SIZE, false);
		if (rc)
			ktest_fail(__FILE__, __LINE__, "read %d failed: %d", i, rc);
		if (ktime_ns() - t0 >= 2000000) {
			s->slow++;
			s->overlapped += s->spins != before;
		}
	}
}

static bool have_slow_disk(void)
{
	return blkdev_find("vdc") != NULL;
}

static void run_reader(struct sleep_test *s, int cpu, bool poll)
{
	s->poll = poll;
	struct task *r = kthread_create_on(cpu, sync_reader, s, "blk-reader");
	if (!r) {
		ktest_fail(__FILE__, __LINE__, "no reader thread");
		return;
	}
	task_join(r);
	task_put(r);
}

/*
 * A reader and a spinner share one CPU; the reader's disk (vdc) is
 * throttled by QEMU to 200 requests a second, so most reads take ~5 ms.
 * If blk_rw sleeps while its I/O is in flight, the spinner runs during
 * every slow read. A reader that polled would let it run only when its
 * 12 ms time slice ran out, during about half of them: the reference
 * run shows that (printed, not checked: it depends on timing).
 */
KTEST_IF(blk_waiter_sleeps, have_slow_disk)
{
	static struct sleep_test s;
	struct blkdev *bd = disk("vdc");
	if (!bd)
		return;
	int cpu = (int)(nr_cpus - 1);
	s = (struct sleep_test){ .bd = bd, .buf = pages(0) };
	KT_ASSERT(s.buf);
	struct task *sp = kthread_create_on(cpu, spinner, &s, "blk-spinner");
	KT_ASSERT(sp);
	run_reader(&s, cpu, true);
	int poll_slow = s.slow, poll_overlapped = s.overlapped;
	run_reader(&s, cpu, false);
	s.stop = true;
	task_join(sp);
	task_put(sp);
	pr_info("blk_waiter_sleeps: another thread ran during %d of %d slow reads "
		"(a polling reader: %d of %d)\n", s.overlapped, s.slow, poll_overlapped,
		poll_slow);
	KT_EXPECT(s.slow >= SLEEP_IOS / 4);	/* the throttle is on */
	KT_EXPECT(s.overlapped * 10 >= s.slow * 9);
	pages_free(s.buf, 0);
}

/* ---- /dev/vda as a file: unaligned writes, large reads, the size ---- */

KTEST_IF(blk_devfile, have_disk)
{
	struct blkdev *bd = disk("vda");
	if (!bd)
		return;
	u8 *disk_img = pages(6), *buf = pages(6);	/* 256 KiB each */
	struct file *f = NULL;
	KT_ASSERT(disk_img && buf);
	size_t span = 256 * 1024;
	u64 base = 4096;	/* sector: 2 MiB in */

	fill(disk_img, base, span, 6);
	for (size_t off = 0; off < span; off += BIO_MAX_BYTES)
		KT_ASSERT(blk_rw(bd, base + off / SECTOR_SIZE, disk_img + off, BIO_MAX_BYTES,
				 true) == 0);
	KT_ASSERT(vfs_open(NULL, "/dev/vda", O_RDWR, 0, &f) == 0);
	KT_EXPECT(f->inode->size == bd->sectors * SECTOR_SIZE);
	struct iobuf kb = { .addr = (u64)buf, .kernel = true };
	u64 pos = base * SECTOR_SIZE;

	/* unaligned writes: inside one sector, across sectors, across 64 KiB */
	static const struct { u32 off, len; } w[] = {
		{ 700, 100 }, { 1000, 3000 }, { 65536 - 10, 20 }, { 70001, 130000 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(w); i++) {
		for (u32 j = 0; j < w[i].len; j++)
			disk_img[w[i].off + j] = (u8)(i * 37 + j);
		memcpy(buf, disk_img + w[i].off, w[i].len);
		KT_EXPECT(file_write_at(f, kb, w[i].len, pos + w[i].off) == w[i].len);
	}
	memset(buf, 0, span);
	KT_EXPECT(file_read_at(f, kb, span, pos) == (long)span);	/* 4 bounce rounds */
	KT_EXPECT(memcmp(buf, disk_img, span) == 0);
	memset(buf, 0, span);
	KT_EXPECT(file_read_at(f, kb, 333, pos + 999) == 333);
	KT_EXPECT(memcmp(buf, disk_img + 999, 333) == 0);
	/* the end of the disk: short read, then EOF; no writing past it */
	u64 end = bd->sectors * SECTOR_SIZE;
	KT_EXPECT(file_read_at(f, kb, 4096, end - 100) == 100);
	KT_EXPECT(file_read_at(f, kb, 4096, end) == 0);
	KT_EXPECT(file_write_at(f, kb, 10, end) == -ENOSPC);
	KT_EXPECT(f->fop->fsync && f->fop->fsync(f, false) == 0);
	file_put(f);
	pages_free(disk_img, 6);
	pages_free(buf, 6);
}

/* ---- sequential read speed: the whole disk in 64 KiB bios ---- */

#define SEQ_DEPTH 8

struct seq_state {
	struct wait_queue wq;
	int done, errors;	/* [wq.lock] */
	bool busy[SEQ_DEPTH];	/* [wq.lock] */
	struct bio bios[SEQ_DEPTH];
};

static void seq_end_io(struct bio *b)
{
	struct seq_state *s = b->priv;
	unsigned long flags = spin_lock_irqsave(&s->wq.lock);

	s->busy[b - s->bios] = false;
	s->done++;
	s->errors += b->status != 0;
	wake_up_all_locked(&s->wq);
	spin_unlock_irqrestore(&s->wq.lock, flags);
}

KTEST_IF(blk_seq_read_speed, have_disk)
{
	static struct seq_state s;
	struct blkdev *bd = disk("vda");
	if (!bd)
		return;
	u8 *bufs[SEQ_DEPTH] = { 0 };
	for (int i = 0; i < SEQ_DEPTH; i++)
		KT_ASSERT((bufs[i] = pages(4)));
	u64 total = MIN(bd->sectors * SECTOR_SIZE, 64ULL << 20);
	u64 chunks = total / BIO_MAX_BYTES;

	/* one at a time */
	u64 t0 = ktime_ns();
	for (u64 c = 0; c < chunks; c++)
		if (blk_rw(bd, c * (BIO_MAX_BYTES / SECTOR_SIZE), bufs[0], BIO_MAX_BYTES, false)) {
			ktest_fail(__FILE__, __LINE__, "read of chunk %llu failed",
				   (unsigned long long)c);
			break;
		}
	u64 sync_ns = ktime_ns() - t0;

	/* SEQ_DEPTH in flight */
	wait_queue_init(&s.wq, "blk-seq");
	s.done = s.errors = 0;
	memset(s.busy, 0, sizeof(s.busy));
	t0 = ktime_ns();
	for (u64 c = 0; c < chunks; c++) {
		int slot = (int)(c % SEQ_DEPTH);
		wait_event(s.wq, !READ_ONCE(s.busy[slot]));	/* its last bio is done */
		s.busy[slot] = true;
		s.bios[slot] = (struct bio){ .op = BIO_READ,
					   .sector = c * (BIO_MAX_BYTES / SECTOR_SIZE),
					   .nr_segs = 1,
					   .segs = { { virt_to_phys(bufs[slot]), BIO_MAX_BYTES } },
					   .end_io = seq_end_io, .priv = &s };
		KT_ASSERT(blk_submit(bd, &s.bios[slot]) == 0);
	}
	wait_event(s.wq, READ_ONCE(s.done) == (int)chunks);
	u64 async_ns = ktime_ns() - t0;
	KT_EXPECT(s.errors == 0);
	pr_info("blk_seq_read_speed: %llu MiB in 64 KiB bios: %llu MB/s one at a time, "
		"%llu MB/s with %d in flight\n", (unsigned long long)(total >> 20),
		(unsigned long long)(total * 1000 / (sync_ns ? sync_ns : 1)),
		(unsigned long long)(total * 1000 / (async_ns ? async_ns : 1)), SEQ_DEPTH);
	for (int i = 0; i < SEQ_DEPTH; i++)
		pages_free(bufs[i], 4);
}
