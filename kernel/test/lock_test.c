/* Locking tests: mutex contention, spinlock exclusion, lock-order checking. */
#include <alloy/atomic.h>
#include <alloy/cpu.h>
#include <alloy/ktest.h>
#include <alloy/lockrank.h>
#include <alloy/lockstat.h>
#include <alloy/mutex.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/wait.h>

#define ITERS 2000

struct mutex test_mutex;
static spinlock_t test_spin;
static volatile long shared_count;
static volatile int inside;
static atomic_t overlap;

static atomic_t mutex_workers_in;	/* a start line: all of them contend */
static int mutex_workers;

static void mutex_worker(void *arg)
{
	(void)arg;
	atomic_inc(&mutex_workers_in);
	while (atomic_read(&mutex_workers_in) < READ_ONCE(mutex_workers))
		sched_yield();
	for (int i = 0; i < ITERS; i++) {
		mutex_lock(&test_mutex);
		if (__atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST) != 1)
			atomic_inc(&overlap);
		long v = shared_count;
		if (i % 64 == 0)
			sched_yield();	/* hold it across a switch */
		shared_count = v + 1;
		__atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
		mutex_unlock(&test_mutex);
	}
}

static void spin_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITERS; i++) {
		unsigned long f = spin_lock_irqsave(&test_spin);
		long v = shared_count;
		shared_count = v + 1;
		spin_unlock_irqrestore(&test_spin, f);
	}
}

static void run_workers(void (*fn)(void *), unsigned int n)
{
	struct task *t[32];
	for (unsigned int i = 0; i < n; i++) {
		t[i] = kthread_create(fn, NULL, "locker");
		if (!t[i]) {
			ktest_fail(__FILE__, __LINE__, "kthread_create");
			n = i;
			break;
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		task_join(t[i]);
		task_put(t[i]);
	}
}

KTEST(mutex_contention)
{
	unsigned int n = 2 * nr_cpus;
	struct lockstat_totals a, b;

	mutex_init(&test_mutex, "test-mutex", LR_MUTEX_TEST);
	shared_count = 0;
	atomic_set(&mutex_workers_in, 0);
	WRITE_ONCE(mutex_workers, (int)n);
	atomic_set(&overlap, 0);
	lockstat_get("test-mutex", LS_MUTEX, &a);
	run_workers(mutex_worker, n);
	lockstat_get("test-mutex", LS_MUTEX, &b);
	KT_EXPECT(shared_count == (long)n * ITERS);
	KT_ASSERT_EQ(atomic_read(&overlap), 0);
	KT_EXPECT(!mutex_is_held(&test_mutex));
#ifdef CONFIG_LOCKDEP
	/* lock statistics: every acquisition counted; a holder yields, so
	 * others wait for it even on one CPU */
	KT_ASSERT_EQ(b.acquired - a.acquired, (long long)n * ITERS);
	KT_EXPECT(b.contended > a.contended);
	KT_EXPECT(b.wait_ns > a.wait_ns && b.wait_max_ns > 0);
#endif
}

static volatile int d_go;
static struct wait_queue d_wq;

static void d_mutex_waiter(void *arg)
{
	(void)arg;
	mutex_lock(&test_mutex);
	mutex_unlock(&test_mutex);
}

static void d_event_waiter(void *arg)
{
	(void)arg;
	wait_event(d_wq, READ_ONCE(d_go));
}

/* the state letter a task shows while it sleeps, or 0 if it never does */
static char sleeping_as(struct task *t)
{
	for (u64 end = ktime_ns() + 2000000000ULL; ktime_ns() < end; sleep_ms(1))
		if (READ_ONCE(t->state) == TASK_BLOCKED)
			return task_state_char(t);
	return 0;
}

/* /proc's D: a mutex's waiter (Linux: uninterruptible), but not a task
 * waiting for an event (S). LTP's shmctl01 waits for its children to
 * show S after shmat, and took one held up on a lock for done. */
KTEST(lock_waiter_shows_d)
{
	mutex_init(&test_mutex, "test-mutex", LR_MUTEX_TEST);
	mutex_lock(&test_mutex);
	struct task *t = kthread_create(d_mutex_waiter, NULL, "d-waiter");
	KT_ASSERT(t);
	char st = sleeping_as(t);
	mutex_unlock(&test_mutex);
	task_join(t);
	task_put(t);
	KT_ASSERT_EQ(st, 'D');

	wait_queue_init(&d_wq, "test-d");
	d_go = 0;
	t = kthread_create(d_event_waiter, NULL, "s-waiter");
	KT_ASSERT(t);
	st = sleeping_as(t);
	WRITE_ONCE(d_go, 1);
	wake_up_all(&d_wq);
	task_join(t);
	task_put(t);
	KT_ASSERT_EQ(st, 'S');
}

KTEST(spinlock_contention)
{
	unsigned int n = 2 * nr_cpus;
	struct lockstat_totals a, b;

	spin_lock_init(&test_spin, "test-spin", LR_TEST_INNER);
	shared_count = 0;
	lockstat_get("test-spin", LS_SPIN, &a);
	run_workers(spin_worker, n);
	lockstat_get("test-spin", LS_SPIN, &b);
	KT_ASSERT_EQ(shared_count, (long)n * ITERS);
#ifdef CONFIG_LOCKDEP
	KT_ASSERT_EQ(b.acquired - a.acquired, (long long)n * ITERS);
	pr_info("spinlock_contention: %llu of %u acquisitions waited, %llu us in all\n",
		(unsigned long long)(b.contended - a.contended), n * ITERS,
		(unsigned long long)(b.wait_ns - a.wait_ns) / 1000);
#endif
}

/* A wait is counted: this CPU holds a lock until a taker on another CPU
 * has drawn its ticket, so that taker surely waits (workers racing freely
 * may never overlap on a loaded host). */
#ifdef CONFIG_LOCKDEP
static spinlock_t ls_lock = SPINLOCK_INIT("test-lockstat", LR_TEST_INNER);
static volatile int ls_go;

static void ls_taker(void *arg)
{
	(void)arg;
	while (!ls_go)
		arch_cpu_relax();
	unsigned long f = spin_lock_irqsave(&ls_lock);
	spin_unlock_irqrestore(&ls_lock, f);
}
#endif

KTEST(lockstat_counts_a_wait)
{
#ifndef CONFIG_LOCKDEP
	ktest_skip("lock statistics are kept in debug builds");
#else
	struct lockstat_totals a, b;
	bool queued = false;

	if (nr_cpus < 2) {
		ktest_skip("needs two CPUs");
		return;
	}
	/* the taker must run on another CPU than the holder's, which is
	 * known only once the lock is held (this task may migrate before) */
	for (int attempt = 0; attempt < 5 && !queued; attempt++) {
		unsigned long f = arch_irq_save();
		int cpu = (int)((this_cpu()->id + 1) % nr_cpus);
		arch_irq_restore(f);
		ls_go = 0;
		lockstat_get("test-lockstat", LS_SPIN, &a);
		struct task *t = kthread_create_on(cpu, ls_taker, NULL, "ls-taker");
		KT_ASSERT(t);
		f = spin_lock_irqsave(&ls_lock);
		bool apart = (int)this_cpu()->id != cpu;
		ls_go = 1;
		for (u64 end = ktime_ns() + 5000000000ULL; apart && ktime_ns() < end;)
			if ((u16)(__atomic_load_n(&ls_lock.next, __ATOMIC_ACQUIRE) -
				  ls_lock.owner) >= 2) {
				queued = true;	/* the taker holds a ticket behind ours */
				break;
			}
		spin_unlock_irqrestore(&ls_lock, f);
		task_join(t);
		task_put(t);
		lockstat_get("test-lockstat", LS_SPIN, &b);
	}
	KT_ASSERT(queued);
	KT_ASSERT_EQ(b.acquired - a.acquired, 2);
	KT_ASSERT_EQ(b.contended - a.contended, 1);
	KT_EXPECT(b.wait_ns > a.wait_ns && b.wait_max_ns > 0);
#endif
}

KTEST(lockdep_inversion)
{
#ifndef CONFIG_LOCKDEP
	ktest_skip("built without CONFIG_LOCKDEP");
#else
	static spinlock_t outer = SPINLOCK_INIT("test-outer", LR_TEST_OUTER);
	static spinlock_t inner = SPINLOCK_INIT("test-inner", LR_TEST_INNER);
	static struct mutex m;
	struct cpu *c;

	mutex_init(&m, "test-mutex-outer", LR_MUTEX_TEST_OUTER);
	unsigned long f = arch_irq_save();	/* stay on this CPU */
	c = this_cpu();
	c->lockdep_expect = true;
	c->lockdep_report[0] = c->lockdep_report[1] = NULL;

	/* the documented order is fine */
	spin_lock(&outer);
	spin_lock(&inner);
	spin_unlock(&inner);
	spin_unlock(&outer);
	bool clean = c->lockdep_report[0] == NULL;

	/* a deliberate inversion is caught, naming both locks */
	spin_lock(&inner);
	spin_lock(&outer);
	spin_unlock(&outer);
	spin_unlock(&inner);
	const char *taking = c->lockdep_report[0], *held = c->lockdep_report[1];

	/* so is taking a mutex with a spinlock held */
	c->lockdep_report[0] = c->lockdep_report[1] = NULL;
	spin_lock(&inner);
	bool got = mutex_trylock(&m);
	spin_unlock(&inner);
	const char *m_taking = c->lockdep_report[0], *m_held = c->lockdep_report[1];
	c->lockdep_expect = false;
	arch_irq_restore(f);
	if (got)
		mutex_unlock(&m);

	KT_EXPECT(clean);
	KT_EXPECT(taking && !strcmp(taking, "test-outer"));
	KT_EXPECT(held && !strcmp(held, "test-inner"));
	KT_EXPECT(m_taking && !strcmp(m_taking, "test-mutex-outer"));
	KT_EXPECT(m_held && !strcmp(m_held, "test-inner"));
#endif
}
