/*
 * Reader/writer lock tests (<alloy/rwsem.h>): readers share it, a writer
 * excludes everyone, and a writer is not starved by readers that keep
 * overlapping (page faults take the read side in a loop; munmap must
 * still get in).
 */
#include <alloy/atomic.h>
#include <alloy/ktest.h>
#include <alloy/lockrank.h>
#include <alloy/rwsem.h>
#include <alloy/sched.h>
#include <alloy/task.h>
#include <alloy/printk.h>

static struct rwsem sem;
static volatile int readers_in, writers_in, stop;
static atomic_t bad;
static volatile long count;

static void run(void (*fn)(void *), unsigned int n, void *arg)
{
	struct task *t[16];
	for (unsigned int i = 0; i < n && i < 16; i++) {
		t[i] = kthread_create(fn, arg, "rwsem-test");
		if (!t[i]) {
			ktest_fail(__FILE__, __LINE__, "kthread_create");
			n = i;
			break;
		}
	}
	for (unsigned int i = 0; i < n && i < 16; i++) {
		task_join(t[i]);
		task_put(t[i]);
	}
}

/* Each holds the read side until both are in (or a second has passed). */
static void two_readers(void *arg)
{
	(void)arg;
	down_read(&sem);
	__atomic_add_fetch(&readers_in, 1, __ATOMIC_SEQ_CST);
	u64 end = ktime_ns() + 1000000000ULL;
	while (READ_ONCE(readers_in) < 2 && ktime_ns() < end)
		sched_yield();
	if (READ_ONCE(readers_in) < 2)
		atomic_inc(&bad);
	up_read(&sem);
}

KTEST(rwsem_readers_share)
{
	rwsem_init(&sem, "test-rwsem", LR_MUTEX_TEST);
	readers_in = 0;
	atomic_set(&bad, 0);
	run(two_readers, 2, NULL);
	KT_ASSERT_EQ(atomic_read(&bad), 0);
}

/* Odd workers write (a counter, held across a switch), even ones read. */
static void mixed(void *arg)
{
	bool writer = (long)arg & 1;
	for (int i = 0; i < 500; i++) {
		if (writer) {
			down_write(&sem);
			if (__atomic_add_fetch(&writers_in, 1, __ATOMIC_SEQ_CST) != 1 ||
			    READ_ONCE(readers_in))
				atomic_inc(&bad);
			long v = count;
			if (i % 32 == 0)
				sched_yield();
			count = v + 1;
			__atomic_sub_fetch(&writers_in, 1, __ATOMIC_SEQ_CST);
			up_write(&sem);
		} else {
			down_read(&sem);
			__atomic_add_fetch(&readers_in, 1, __ATOMIC_SEQ_CST);
			if (READ_ONCE(writers_in))
				atomic_inc(&bad);
			if (i % 32 == 0)
				sched_yield();
			__atomic_sub_fetch(&readers_in, 1, __ATOMIC_SEQ_CST);
			up_read(&sem);
		}
	}
}

KTEST(rwsem_writer_excludes)
{
	struct task *t[8];
	unsigned int n = 0;

	rwsem_init(&sem, "test-rwsem", LR_MUTEX_TEST);
	readers_in = writers_in = 0;
	count = 0;
	atomic_set(&bad, 0);
	for (long i = 0; i < 8; i++)
		if ((t[n] = kthread_create(mixed, (void *)i, "rwsem-mixed")))
			n++;
	KT_EXPECT(n == 8);
	for (unsigned int i = 0; i < n; i++) {
		task_join(t[i]);
		task_put(t[i]);
	}
	KT_EXPECT(count == 4 * 500);
	KT_ASSERT_EQ(atomic_read(&bad), 0);
}

/* Readers whose holds overlap, so the read side is never free, until
 * stop (or three seconds: a starved writer then fails instead of hanging). */
static void overlapping_reader(void *arg)
{
	(void)arg;
	u64 end = ktime_ns() + 3000000000ULL;
	while (!READ_ONCE(stop) && ktime_ns() < end) {
		down_read(&sem);
		sleep_ms(2);
		up_read(&sem);
	}
}

static u64 writer_wait_ns;

static void late_writer(void *arg)
{
	(void)arg;
	sleep_ms(50);		/* the readers are in and overlapping */
	u64 t0 = ktime_ns();
	down_write(&sem);
	writer_wait_ns = ktime_ns() - t0;
	WRITE_ONCE(stop, 1);
	up_write(&sem);
}

static void starve_worker(void *arg)
{
	if ((long)arg == 0)
		late_writer(NULL);
	else
		overlapping_reader(NULL);
}

KTEST(rwsem_writer_not_starved)
{
	struct task *t[4];
	unsigned int n = 0;

	rwsem_init(&sem, "test-rwsem", LR_MUTEX_TEST);
	stop = 0;
	writer_wait_ns = 0;
	for (long i = 0; i < 4; i++)
		if ((t[n] = kthread_create(starve_worker, (void *)i, "rwsem-starve")))
			n++;
	KT_EXPECT(n == 4);
	for (unsigned int i = 0; i < n; i++) {
		task_join(t[i]);
		task_put(t[i]);
	}
	pr_info("    # writer waited %llu us behind 3 overlapping readers\n",
		   (unsigned long long)(writer_wait_ns / 1000));
	KT_EXPECT(writer_wait_ns < 1000000000ULL);	/* one read hold is 2 ms */
}
