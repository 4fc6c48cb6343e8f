#define _GNU_SOURCE
/*
 * tkill_exit_race: tgkill and tkill aimed at threads that are exiting
 * (found by the syscall fuzzer, docs/fuzz.md). The kernel found the thread
 * by tid, then the thread ended (user_exit clears its t->proc), then the
 * signal was queued through t->proc: a NULL dereference, a kernel panic.
 *
 * Each round starts 16 threads that wait at a barrier and then all end
 * at once, while two killer threads send SIGWINCH (ignored) to every one
 * of their tids over and over (one with tgkill, one with tkill), for a
 * few seconds. Every call must return 0 or ESRCH; the kernel must survive.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "tkill_exit_race"
#include "check.h"
#include "threads.h"

#define BATCH 16

static atomic_int tids[BATCH];
static atomic_int stop;
static atomic_long sent, gone, wrong;
static pthread_barrier_t go;

static void *short_life(void *arg)
{
	atomic_store(&tids[(long)arg], (int)syscall(SYS_gettid));
	pthread_barrier_wait(&go);
	return NULL;
}

static void *killer(void *arg)
{
	int use_tkill = (int)(long)arg;
	pid_t me = getpid();

	while (!atomic_load(&stop)) {
		for (int i = 0; i < BATCH; i++) {
			int tid = atomic_load(&tids[i]);
			if (!tid)
				continue;
			long rc = use_tkill ? syscall(SYS_tkill, tid, SIGWINCH)
					    : syscall(SYS_tgkill, me, tid, SIGWINCH);
			if (rc == 0)
				atomic_fetch_add(&sent, 1);
			else if (errno == ESRCH)
				atomic_fetch_add(&gone, 1);
			else
				atomic_fetch_add(&wrong, 1);
		}
		sched_yield();
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	pthread_t k[2], t[BATCH];
	long started = 0;

	watchdog(60);
	signal(SIGWINCH, SIG_IGN);
	for (long i = 0; i < 2; i++)
		CHECK(pthread_create(&k[i], NULL, killer, (void *)i) == 0);
	double end = now() + 4;
	while (now() < end) {
		int n = 0;
		pthread_barrier_init(&go, NULL, BATCH + 1);
		for (long i = 0; i < BATCH; i++, n++)
			if (pthread_create(&t[i], NULL, short_life, (void *)i) != 0)
				break;
		if (n < BATCH) {
			CHECK(!"pthread_create");
			break;
		}
		pthread_barrier_wait(&go);	/* all of them end now */
		for (int i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&go);
		started += n;
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(k[i], NULL);
	printf("tkill_exit_race: %ld threads ended under fire; %ld signals sent, %ld ESRCH, %ld other\n",
	       started, atomic_load(&sent), atomic_load(&gone), atomic_load(&wrong));
	CHECK(started >= BATCH);
	CHECK(atomic_load(&wrong) == 0);
	CHECK(atomic_load(&sent) > 0 && atomic_load(&gone) > 0);
	return check_done();
}
