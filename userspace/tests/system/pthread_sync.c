#define _GNU_SOURCE
/*
 * pthread_sync: musl's synchronisation objects between real threads, each
 * built on futexes the kernel must get right between CPUs:
 *  - a normal mutex: 8 threads x 20000 unguarded read-modify-writes under
 *    it give exactly 160000 (a broken mutex or a lost wakeup shows here);
 *  - recursive (locked 3 deep, EPERM for a non-owner's unlock) and
 *    error-checking (EDEADLK on relock, EPERM on another thread's unlock);
 *  - robust: an owner thread that dies holding the lock (raw exit, so
 *    only the kernel's robust-list walk can mark it) -> EOWNERDEAD, then
 *    pthread_mutex_consistent makes it usable; the same with a
 *    process-shared mutex whose owner process is SIGKILLed;
 *  - condition variables: 2 producers / 2 consumers over a small ring
 *    with every item accounted for; pthread_cond_timedwait times out;
 *  - rwlocks: readers hold together, a writer alone (checked by counters
 *    inside the critical sections), trywrlock fails while read-held;
 *  - barriers: 4 threads x 200 rounds, one serial thread per round, no
 *    thread ahead of a round;
 *  - semaphores: a counted hand-off between threads, sem_trywait EAGAIN,
 *    sem_timedwait ETIMEDOUT.
 * Everything runs under a 60 s watchdog.
 */
#include <semaphore.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define TEST_NAME "pthread_sync"
#include "check.h"
#include "threads.h"

/* ---- normal mutex, N x M ---- */
#define NT 8
#define NM 20000
static pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
static volatile long total;

static void *adder(void *arg)
{
	(void)arg;
	for (int i = 0; i < NM; i++) {
		pthread_mutex_lock(&plain);
		long v = total;		/* torn without the lock */
		if ((i & 255) == 0)
			sched_yield();	/* hold it across a reschedule now and then */
		total = v + 1;
		pthread_mutex_unlock(&plain);
	}
	return NULL;
}

static void test_counter(void)
{
	pthread_t t[NT];
	for (int i = 0; i < NT; i++)
		t[i] = start_thread(adder, NULL);
	for (int i = 0; i < NT; i++)
		join_thread(t[i]);
	CHECK(total == (long)NT * NM);
	if (total != (long)NT * NM)
		fprintf(stderr, "pthread_sync: total %ld, want %d\n", total, NT * NM);
}

/* ---- recursive and error-checking ---- */
static pthread_mutex_t rec, errchk;

static void *foreign_unlock(void *arg)
{
	return (void *)(long)pthread_mutex_unlock(arg);
}

static void test_kinds(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	CHECK(pthread_mutex_init(&rec, &a) == 0);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	CHECK(pthread_mutex_init(&errchk, &a) == 0);
	pthread_mutexattr_destroy(&a);

	CHECK(pthread_mutex_lock(&rec) == 0);
	CHECK(pthread_mutex_lock(&rec) == 0);
	CHECK(pthread_mutex_trylock(&rec) == 0);
	CHECK((long)join_thread(start_thread(foreign_unlock, &rec)) == EPERM);
	for (int i = 0; i < 3; i++)
		CHECK(pthread_mutex_unlock(&rec) == 0);
	CHECK(pthread_mutex_unlock(&rec) == EPERM);

	CHECK(pthread_mutex_lock(&errchk) == 0);
	CHECK(pthread_mutex_lock(&errchk) == EDEADLK);
	CHECK((long)join_thread(start_thread(foreign_unlock, &errchk)) == EPERM);
	CHECK(pthread_mutex_unlock(&errchk) == 0);
	CHECK(pthread_mutex_unlock(&errchk) == EPERM);
}

/* ---- robust ---- */
static pthread_mutex_t robust;
static atomic_int robust_held;

static void *die_holding(void *arg)
{
	pthread_mutex_t *m = arg;
	if (pthread_mutex_lock(m) != 0)
		return (void *)1;
	robust_held = 1;
	/* SYS_exit, not pthread_exit: musl would release the robust list
	 * itself; here the kernel must walk it at thread death. musl's own
	 * records of this thread stay behind (it cannot be joined), which
	 * is why this runs in a child process. */
	syscall(SYS_exit, 0);
	return NULL;
}

static void robust_init(pthread_mutex_t *m, int pshared)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setpshared(&a, pshared);
	CHECK(pthread_mutex_init(m, &a) == 0);
	pthread_mutexattr_destroy(&a);
}

static void robust_recover(pthread_mutex_t *m, const char *who)
{
	int e = pthread_mutex_lock(m);
	CHECK(e == EOWNERDEAD);
	if (e != EOWNERDEAD) {
		fprintf(stderr, "pthread_sync: %s: lock after the owner died: %d, want EOWNERDEAD\n",
			who, e);
		if (e == 0)
			pthread_mutex_unlock(m);
		return;
	}
	CHECK(pthread_mutex_consistent(m) == 0);
	CHECK(pthread_mutex_unlock(m) == 0);
	CHECK(pthread_mutex_lock(m) == 0);	/* usable again, no EOWNERDEAD */
	CHECK(pthread_mutex_unlock(m) == 0);
}

static void test_robust(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		/* process-shared: musl leaves the kernel out of private robust
		 * mutexes (its pthread_exit handles them), so only a shared one
		 * is on the list the kernel walks */
		robust_init(&robust, PTHREAD_PROCESS_SHARED);
		start_thread(die_holding, &robust);
		while (!robust_held)
			usleep(1000);
		/* blocks until the kernel marks the word FUTEX_OWNER_DIED and wakes us */
		robust_recover(&robust, "thread");
		_exit(failures ? 1 : 0);
	}
	int st;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	pthread_mutex_t *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	if (sh == MAP_FAILED)
		return;
	robust_init(sh, PTHREAD_PROCESS_SHARED);
	volatile int *locked = (volatile int *)(sh + 1);
	pid = fork();
	if (pid == 0) {
		if (pthread_mutex_lock(sh) == 0)
			*locked = 1;
		pause();
		_exit(0);
	}
	CHECK(pid > 0);
	for (int i = 0; i < 2000 && !*locked; i++)
		usleep(1000);
	CHECK(*locked);
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	if (*locked)
		robust_recover(sh, "process");
	munmap(sh, 4096);
}

/* ---- condition variables ---- */
#define QN 8
#define ITEMS 5000
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t notfull = PTHREAD_COND_INITIALIZER, notempty = PTHREAD_COND_INITIALIZER;
static int q[QN], qhead, qcount, producers_left = 2;
static long consumed_sum, consumed_n;

static void *producer(void *arg)
{
	long base = (long)arg;
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&qlock);
		while (qcount == QN)
			pthread_cond_wait(&notfull, &qlock);
		q[(qhead + qcount++) % QN] = base + i;
		pthread_cond_signal(&notempty);
		pthread_mutex_unlock(&qlock);
	}
	pthread_mutex_lock(&qlock);
	if (--producers_left == 0)
		pthread_cond_broadcast(&notempty);
	pthread_mutex_unlock(&qlock);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&qlock);
		while (qcount == 0 && producers_left)
			pthread_cond_wait(&notempty, &qlock);
		if (qcount == 0) {
			pthread_mutex_unlock(&qlock);
			return NULL;
		}
		int v = q[qhead];
		qhead = (qhead + 1) % QN;
		qcount--;
		consumed_sum += v;
		consumed_n++;
		pthread_cond_signal(&notfull);
		pthread_mutex_unlock(&qlock);
	}
}

static void test_cond(void)
{
	pthread_t t[4];
	t[0] = start_thread(producer, (void *)0L);
	t[1] = start_thread(producer, (void *)100000L);
	t[2] = start_thread(consumer, NULL);
	t[3] = start_thread(consumer, NULL);
	for (int i = 0; i < 4; i++)
		join_thread(t[i]);
	long want = 2L * ITEMS * (ITEMS + 1) / 2 + 100000L * ITEMS;
	CHECK(consumed_n == 2 * ITEMS);
	CHECK(consumed_sum == want);

	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec at;
	clock_gettime(CLOCK_REALTIME, &at);
	at.tv_nsec += 50 * 1000 * 1000;
	if (at.tv_nsec >= 1000000000) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000;
	}
	double t0 = mono_now();
	pthread_mutex_lock(&qlock);
	CHECK(pthread_cond_timedwait(&c, &qlock, &at) == ETIMEDOUT);
	pthread_mutex_unlock(&qlock);
	double took = mono_now() - t0;
	CHECK(took >= 0.045 && took < 2.0);
}

/* ---- rwlocks ---- */
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int readers_in, writers_in, max_readers, rw_bad;
static pthread_barrier_t rw_start;

static void *rw_worker(void *arg)
{
	long writer = (long)arg;
	pthread_barrier_wait(&rw_start);
	for (int i = 0; i < 2000; i++) {
		if (writer && i % 4 == 0) {
			pthread_rwlock_wrlock(&rw);
			if (atomic_fetch_add(&writers_in, 1) != 0 || readers_in)
				rw_bad++;
			atomic_fetch_sub(&writers_in, 1);
			pthread_rwlock_unlock(&rw);
		} else {
			pthread_rwlock_rdlock(&rw);
			int n = atomic_fetch_add(&readers_in, 1) + 1;
			if (writers_in)
				rw_bad++;
			if (n > max_readers)
				max_readers = n;
			atomic_fetch_sub(&readers_in, 1);
			pthread_rwlock_unlock(&rw);
		}
	}
	return NULL;
}

static void *try_write(void *arg)
{
	(void)arg;
	return (void *)(long)pthread_rwlock_trywrlock(&rw);
}

static void *read_meet(void *arg)
{
	/* two readers inside at once: each waits for the other while holding */
	pthread_rwlock_rdlock(&rw);
	pthread_barrier_wait(arg);
	pthread_rwlock_unlock(&rw);
	return NULL;
}

static void test_rwlock(void)
{
	pthread_t t[4];
	pthread_barrier_init(&rw_start, NULL, 4);
	for (long i = 0; i < 4; i++)
		t[i] = start_thread(rw_worker, (void *)(long)(i < 2));
	for (int i = 0; i < 4; i++)
		join_thread(t[i]);
	pthread_barrier_destroy(&rw_start);
	CHECK(rw_bad == 0);

	pthread_barrier_t meet;
	pthread_barrier_init(&meet, NULL, 2);
	t[0] = start_thread(read_meet, &meet);
	pthread_rwlock_rdlock(&rw);
	CHECK((long)join_thread(start_thread(try_write, NULL)) == EBUSY);
	pthread_barrier_wait(&meet);	/* would hang if readers excluded each other */
	pthread_rwlock_unlock(&rw);
	join_thread(t[0]);
	pthread_barrier_destroy(&meet);
	CHECK(pthread_rwlock_trywrlock(&rw) == 0);
	CHECK(pthread_rwlock_tryrdlock(&rw) == EBUSY);
	CHECK(pthread_rwlock_unlock(&rw) == 0);
}

/* ---- barriers ---- */
#define BT 4
#define ROUNDS 200
static pthread_barrier_t bar;
static atomic_int round_of[BT], serials, bar_bad;

static void *bar_worker(void *arg)
{
	long me = (long)arg;
	for (int r = 0; r < ROUNDS; r++) {
		round_of[me] = r;
		int e = pthread_barrier_wait(&bar);
		if (e == PTHREAD_BARRIER_SERIAL_THREAD)
			serials++;
		else if (e != 0)
			bar_bad++;
		/* everyone has reached round r and nobody can pass r+1 yet */
		for (int i = 0; i < BT; i++)
			if (round_of[i] < r || round_of[i] > r + 1)
				bar_bad++;
		pthread_barrier_wait(&bar);
	}
	return NULL;
}

static void test_barrier(void)
{
	pthread_t t[BT];
	CHECK(pthread_barrier_init(&bar, NULL, BT) == 0);
	for (long i = 0; i < BT; i++)
		t[i] = start_thread(bar_worker, (void *)i);
	for (int i = 0; i < BT; i++)
		join_thread(t[i]);
	CHECK(bar_bad == 0);
	CHECK(serials == ROUNDS);
	pthread_barrier_destroy(&bar);
}

/* ---- semaphores ---- */
static sem_t items, spaces;
static atomic_long sem_sum;

static void *sem_consumer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3000; i++) {
		sem_wait(&items);
		sem_sum += i;
		sem_post(&spaces);
	}
	return NULL;
}

static void test_sem(void)
{
	CHECK(sem_init(&items, 0, 0) == 0);
	CHECK(sem_init(&spaces, 0, 4) == 0);
	pthread_t t = start_thread(sem_consumer, NULL);
	for (int i = 0; i < 3000; i++) {
		sem_wait(&spaces);
		sem_post(&items);
	}
	join_thread(t);
	CHECK(sem_sum == 3000L * 2999 / 2);
	int v = -1;
	CHECK(sem_getvalue(&spaces, &v) == 0 && v == 4);
	CHECK(sem_getvalue(&items, &v) == 0 && v == 0);
	errno = 0;
	CHECK(sem_trywait(&items) == -1 && errno == EAGAIN);
	struct timespec at;
	clock_gettime(CLOCK_REALTIME, &at);
	at.tv_sec += 0;
	at.tv_nsec += 30 * 1000 * 1000;
	if (at.tv_nsec >= 1000000000) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000;
	}
	errno = 0;
	CHECK(sem_timedwait(&items, &at) == -1 && errno == ETIMEDOUT);
	sem_destroy(&items);
	sem_destroy(&spaces);
}

int main(void)
{
	watchdog(60);
	double t0 = mono_now();
	test_counter();
	test_kinds();
	test_robust();
	test_cond();
	test_rwlock();
	test_barrier();
	test_sem();
	printf("# pthread_sync: max %d readers inside at once, %.2f s\n", max_readers,
	       mono_now() - t0);
	return check_done();
}
