#define _GNU_SOURCE
/*
 * glibc_pthreads: a static glibc (Debian's libc6-dev, gcc -static) program
 * with threads. glibc starts threads differently from musl: clone3 first
 * (clone if that is ENOSYS), set_robust_list and rseq registration in
 * every thread, SIGCANCEL through tgkill, and it leaves private robust
 * mutexes to the kernel's robust-list walk. Checks:
 *  - 8 threads x 20000 increments under a mutex give the exact total;
 *  - condition variable hand-off of 2000 items; rwlock and barrier;
 *  - __thread per thread; getpid shared, gettid each thread's own;
 *  - a thread holding a (private) robust mutex dies by raw SYS_exit: the
 *    next locker gets EOWNERDEAD and can make it consistent; the dead
 *    thread is still joinable (the kernel clears its tid and wakes);
 *  - pthread_cancel of a thread blocked in read();
 *  - 1000 create/join cycles leave VmSize where it was.
 */
#include <semaphore.h>
#include <stdatomic.h>
#include <sys/wait.h>

#define TEST_NAME "glibc_pthreads"
#include "../tests/system/check.h"
#include "../tests/system/threads.h"

#define NT 8
#define NM 20000
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static volatile long total;
static __thread long tls = 99;

static void *adder(void *arg)
{
	long ok = tls == 99;
	tls = (long)arg;
	for (int i = 0; i < NM; i++) {
		pthread_mutex_lock(&mu);
		long v = total;
		if ((i & 255) == 0)
			sched_yield();
		total = v + 1;
		pthread_mutex_unlock(&mu);
	}
	ok = ok && tls == (long)arg && getpid() == (pid_t)syscall(SYS_getpid) &&
		sys_gettid() != getpid();
	return (void *)ok;
}

static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int slot = -1;
static long got_sum;

static void *taker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&mu);
		while (slot < 0)
			pthread_cond_wait(&cv, &mu);
		got_sum += slot;
		slot = -1;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static pthread_mutex_t robust;

static void *die_holding(void *arg)
{
	(void)arg;
	if (pthread_mutex_lock(&robust) == 0)
		syscall(SYS_exit, 0);	/* no glibc cleanup: the kernel walks the list */
	return NULL;
}

static int cp[2];
static atomic_int cleaned;

static void cleanup(void *a)
{
	(void)a;
	cleaned++;
}

static void *reader(void *arg)
{
	char c;
	(void)arg;
	pthread_cleanup_push(cleanup, NULL);
	if (read(cp[0], &c, 1) >= 0)
		cleaned += 100;
	pthread_cleanup_pop(0);
	return NULL;
}

static pthread_barrier_t bar;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int in_write, bad;

static void *rw_bar(void *arg)
{
	(void)arg;
	for (int r = 0; r < 100; r++) {
		pthread_barrier_wait(&bar);
		pthread_rwlock_wrlock(&rw);
		if (in_write++)
			bad++;
		in_write--;
		pthread_rwlock_unlock(&rw);
		pthread_rwlock_rdlock(&rw);
		if (in_write)
			bad++;
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void *nothing(void *a)
{
	return a;
}

int main(void)
{
	pthread_t t[NT];
	watchdog(60);

	for (long i = 0; i < NT; i++)
		t[i] = start_thread(adder, (void *)(i + 1));
	for (int i = 0; i < NT; i++)
		CHECK(join_thread(t[i]) == (void *)1);
	CHECK(total == (long)NT * NM);
	CHECK(tls == 99);

	t[0] = start_thread(taker, NULL);
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&mu);
		while (slot >= 0)
			pthread_cond_wait(&cv, &mu);
		slot = i;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&mu);
	}
	join_thread(t[0]);
	CHECK(got_sum == 2000L * 1999 / 2);

	pthread_barrier_init(&bar, NULL, 4);
	for (int i = 0; i < 4; i++)
		t[i] = start_thread(rw_bar, NULL);
	for (int i = 0; i < 4; i++)
		join_thread(t[i]);
	CHECK(bad == 0);

	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &a);
	join_thread(start_thread(die_holding, NULL));
	int e = pthread_mutex_lock(&robust);
	CHECK(e == EOWNERDEAD);
	if (e == EOWNERDEAD) {
		CHECK(pthread_mutex_consistent(&robust) == 0);
		CHECK(pthread_mutex_unlock(&robust) == 0);
		CHECK(pthread_mutex_lock(&robust) == 0);
		CHECK(pthread_mutex_unlock(&robust) == 0);
	} else if (e == 0) {
		pthread_mutex_unlock(&robust);
	}

	CHECK(pipe(cp) == 0);
	t[0] = start_thread(reader, NULL);
	usleep(30000);
	CHECK(pthread_cancel(t[0]) == 0);
	CHECK(join_thread(t[0]) == PTHREAD_CANCELED);
	CHECK(cleaned == 1);

	pin_to(0);		/* lifetimes, not SMP (threads.h) */
	for (int i = 0; i < 50; i++)
		join_thread(start_thread(nothing, NULL));
	long vm0 = status_field("/proc/self/status", "VmSize");
	double t0 = mono_now();
	for (long i = 0; i < 1000; i++)
		if (join_thread(start_thread(nothing, (void *)i)) != (void *)i)
			failures++;
	double took = mono_now() - t0;
	pin_to(-1);
	long vm1 = status_field("/proc/self/status", "VmSize");
	/* glibc caches up to 40 MiB of thread stacks; it reuses them here */
	CHECK(vm0 > 0 && vm1 > 0 && vm1 <= vm0 + 64);
	printf("# glibc: 1000 create/join in %.2f s; VmSize %ld -> %ld KiB\n", took, vm0, vm1);
	return check_done();
}
