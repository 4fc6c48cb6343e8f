#define _GNU_SOURCE
/*
 * futex_threads: private futexes between threads of one process, built
 * to catch a lost wakeup (futex.c covers the shared ones between
 * processes). Every wait has a 5 s timeout; a wait that times out although
 * the condition it waited for had already come true means a FUTEX_WAKE
 * reached nobody: the waiter went to sleep after the word changed without
 * EAGAIN, or the wake missed a queued waiter. Run at -smp 4 this races
 * waits against wakes on different CPUs all the time.
 *  - ring: 4 threads pass a turn around through one word, FUTEX_WAKE of
 *    everyone (herd on one hash bucket), 1000 laps;
 *  - pairs: 2 pairs ping-pong on their own words, wake-one, 3000 round
 *    trips each;
 *  - a futex mutex (Drepper's three-state lock): 4 threads x 5000 locked
 *    increments, total exact, no timeouts;
 *  - FUTEX_WAIT on a word that changed returns EAGAIN at once; wake with
 *    nobody waiting returns 0.
 * `futex_threads --drop-wakes` skips one FUTEX_WAKE in 500, as a kernel
 * that lost them would: it must fail (checks that the detector works).
 */
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>

#define TEST_NAME "futex_threads"
#include "check.h"
#include "threads.h"

#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static atomic_int errors;

static long fwait(atomic_int *w, int val)
{
	struct timespec to = { 5, 0 };
	return syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, &to, NULL, 0);
}

static int drop_wakes;
static atomic_int wakes;

static long fwake(atomic_int *w, int n)
{
	if (drop_wakes && ++wakes % 500 == 0)
		return 0;
	return syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

/* Waits until *w == want; counts a timeout that found it already there. */
static void wait_for(atomic_int *w, int want)
{
	int v;
	while ((v = atomic_load(w)) != want) {
		if (fwait(w, v) == -1) {
			if (errno == ETIMEDOUT) {
				/* one is enough: say so and stop, rather than
				 * wait out every other thread's timeout too */
				fprintf(stderr, "futex_threads: %s: waited 5 s for %d, word is %d\n",
					atomic_load(w) == want ? "lost wakeup" : "no progress (another waiter lost its wakeup?)",
					want, atomic_load(w));
				_exit(1);
			} else if (errno != EAGAIN && errno != EINTR) {
				errors++;
			}
		}
	}
}

/* ---- ring ---- */
#define RN 4
#define LAPS 1000
static atomic_int turn;

static void *ring(void *arg)
{
	int me = (int)(long)arg;
	for (int i = 0; i < LAPS; i++) {
		wait_for(&turn, me);
		atomic_store(&turn, (me + 1) % RN);
		fwake(&turn, INT_MAX);
	}
	return NULL;
}

/* ---- pairs ---- */
#define TRIPS 3000
static atomic_int ball[2];

static void *pinger(void *arg)
{
	atomic_int *b = arg;
	for (int i = 0; i < TRIPS; i++) {
		atomic_store(b, 1);
		fwake(b, 1);
		wait_for(b, 0);
	}
	return NULL;
}

static void *ponger(void *arg)
{
	atomic_int *b = arg;
	for (int i = 0; i < TRIPS; i++) {
		wait_for(b, 1);
		atomic_store(b, 0);
		fwake(b, 1);
	}
	return NULL;
}

/* ---- futex mutex: 0 free, 1 locked, 2 locked with waiters ---- */
#define MT 4
#define MI 5000
static atomic_int lockw;
static long counter;

static void lock(void)
{
	int c = 0;
	if (atomic_compare_exchange_strong(&lockw, &c, 1))
		return;
	if (c != 2)
		c = atomic_exchange(&lockw, 2);
	while (c != 0) {
		if (fwait(&lockw, 2) == -1 && errno == ETIMEDOUT) {
			/* holders hold for microseconds: a wake went missing */
			fprintf(stderr, "futex_threads: lock waiter timed out (lost wakeup)\n");
			_exit(1);
		}
		c = atomic_exchange(&lockw, 2);
	}
}

static void unlock(void)
{
	if (atomic_fetch_sub(&lockw, 1) != 1) {
		atomic_store(&lockw, 0);
		fwake(&lockw, 1);
	}
}

static void *locker(void *arg)
{
	(void)arg;
	for (int i = 0; i < MI; i++) {
		lock();
		long v = counter;
		if ((i & 63) == 0)
			sched_yield();	/* make others queue up now and then */
		counter = v + 1;
		unlock();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[RN];
	watchdog(60);
	drop_wakes = argc > 1 && !strcmp(argv[1], "--drop-wakes");

	atomic_int w = 1;
	errno = 0;
	CHECK(syscall(SYS_futex, &w, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) == -1 && errno == EAGAIN);
	CHECK(fwake(&w, 1) == 0);

	double t0 = mono_now();
	for (long i = 0; i < RN; i++)
		t[i] = start_thread(ring, (void *)i);
	for (int i = 0; i < RN; i++)
		join_thread(t[i]);
	double t1 = mono_now();
	CHECK(turn == 0);

	for (int p = 0; p < 2; p++) {
		t[2 * p] = start_thread(pinger, &ball[p]);
		t[2 * p + 1] = start_thread(ponger, &ball[p]);
	}
	for (int i = 0; i < 4; i++)
		join_thread(t[i]);
	double t2 = mono_now();

	for (int i = 0; i < MT; i++)
		t[i] = start_thread(locker, NULL);
	for (int i = 0; i < MT; i++)
		join_thread(t[i]);
	double t3 = mono_now();
	CHECK(counter == (long)MT * MI);
	CHECK(errors == 0);	/* futex errors other than EAGAIN/EINTR */
	printf("# ring %d passes %.2f s, ping-pong %d trips %.2f s, mutex %d ops %.2f s\n",
	       RN * LAPS, t1 - t0, 2 * TRIPS, t2 - t1, MT * MI, t3 - t2);
	return check_done();
}
