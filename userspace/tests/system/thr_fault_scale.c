#define _GNU_SOURCE
/*
 * thr_fault_scale: page faults of several threads of one process run at
 * the same time (mm->lock is taken for reading by faults), and nothing is
 * lost when they race:
 *  - NT threads first-touch the same fresh anonymous pages and the same
 *    pages of a shared memfd mapping, each writing its own byte of every
 *    page; afterwards every page holds every thread's byte (a fault that
 *    replaced a page another thread had already mapped loses a byte).
 *  - copy-on-write breaks of the same pages by all threads at once, after
 *    a fork made them shared: each thread's byte is there, the child's
 *    copy is untouched.
 *  - the main stack grows (the test runs itself again with a 1 MiB
 *    RLIMIT_STACK, so the stack VMA is 1 MiB, then raises the limit: the
 *    fault must extend the VMA, which faults do with mm->lock held for
 *    writing) while the other threads fault.
 *  - measured: the time for NT threads to fault NT*PAGES fresh pages of
 *    their own, against one thread faulting as many, reported as a
 *    speedup (not asserted: under emulation on a shared host it depends
 *    on the host's free cores).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "thr_fault_scale"
#include "check.h"
#include "threads.h"

#define NT 4
#define PAGES 512		/* per thread, for the measurement */
#define SHARED_PAGES 256	/* touched by all threads at once */
#define PG 4096

static pthread_barrier_t bar;
static char *anon, *filemap, *cow, *own[NT];
static atomic_int stop_faulting;

/* All threads, same pages, same order: thread id writes byte id. */
static void touch_shared(char *base, long id)
{
	for (int i = 0; i < SHARED_PAGES; i++)
		((volatile char *)base)[(size_t)i * PG + (size_t)id] = (char)(id + 1);
}

static int count_missing(const char *base, char expect_base)
{
	int bad = 0;
	for (int i = 0; i < SHARED_PAGES; i++)
		for (int id = 0; id < NT; id++)
			bad += base[(size_t)i * PG + (size_t)id] != (char)(expect_base + id + 1);
	return bad;
}

static void touch_own(char *base)
{
	for (int i = 0; i < PAGES; i++)
		((volatile char *)base)[(size_t)i * PG] = 1;
}

static void *worker(void *arg)
{
	long id = (long)arg;

	pthread_barrier_wait(&bar);		/* 1: anonymous pages */
	touch_shared(anon, id);
	pthread_barrier_wait(&bar);		/* 2: shared file pages */
	touch_shared(filemap, id);
	pthread_barrier_wait(&bar);		/* 3: copy-on-write breaks */
	for (int i = 0; i < SHARED_PAGES; i++)
		((volatile char *)cow)[(size_t)i * PG + (size_t)id] = (char)(id + 101);
	pthread_barrier_wait(&bar);		/* 4: timed, own pages */
	touch_own(own[id]);
	pthread_barrier_wait(&bar);		/* 5: faults while the stack grows */
	if (id) {
		char *m = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		while (m != MAP_FAILED && !atomic_load(&stop_faulting)) {
			for (int i = 0; i < 64; i++)
				((volatile char *)m)[(size_t)i * PG] = 1;
			madvise(m, 64 * PG, MADV_DONTNEED);
		}
		if (m != MAP_FAILED)
			munmap(m, 64 * PG);
	}
	return NULL;
}

static char *map_anon(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Deep recursion: each level a 64 KiB frame it writes. */
static long grow(int depth)
{
	volatile char frame[64 * 1024];
	for (size_t i = 0; i < sizeof(frame); i += PG)
		frame[i] = (char)depth;
	return depth ? grow(depth - 1) + frame[100] : frame[0];
}

int main(int argc, char **argv)
{
	pthread_t t[NT];
	size_t span = (size_t)SHARED_PAGES * PG;

	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_STACK, &rl) == 0);
	if (argc < 2) {		/* again, with a 1 MiB stack VMA */
		rl.rlim_cur = 1 << 20;
		CHECK(setrlimit(RLIMIT_STACK, &rl) == 0);
		execl("/proc/self/exe", argv[0], "small-stack", (char *)NULL);
		perror("exec /proc/self/exe");
		return 1;
	}
	watchdog(120);
	anon = map_anon(span);
	cow = map_anon(span);
	for (int i = 0; i < NT; i++)
		own[i] = map_anon((size_t)PAGES * PG);
	int fd = memfd_create("thr_fault_scale", 0);
	CHECK(fd >= 0 && ftruncate(fd, (off_t)span) == 0);
	filemap = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(anon && cow && filemap != MAP_FAILED);
	for (int i = 0; i < NT; i++)
		CHECK(own[i] != NULL);
	if (failures)
		return check_done();

	/* cow: mapped, then shared with a child that keeps its copy */
	memset(cow, 7, span);
	int go[2], done[2];
	CHECK(pipe(go) == 0 && pipe(done) == 0);
	pid_t child = fork();
	if (child == 0) {
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		for (size_t i = 0; i < span; i++)
			if (cow[i] != 7)
				_exit(1);
		_exit(0);
	}

	pthread_barrier_init(&bar, NULL, NT);
	for (long i = 1; i < NT; i++)
		t[i] = start_thread(worker, (void *)i);

	pthread_barrier_wait(&bar);
	touch_shared(anon, 0);
	pthread_barrier_wait(&bar);
	touch_shared(filemap, 0);
	pthread_barrier_wait(&bar);
	for (int i = 0; i < SHARED_PAGES; i++)
		((volatile char *)cow)[(size_t)i * PG] = 101;
	double t0 = mono_now();
	pthread_barrier_wait(&bar);
	touch_own(own[0]);
	pthread_barrier_wait(&bar);
	double t_par = mono_now() - t0;
	rl.rlim_cur = 8 << 20;
	int rl_ok = setrlimit(RLIMIT_STACK, &rl) == 0;
	long g = rl_ok ? grow(6 * 16) : 0;	/* 6 MiB: past the 1 MiB stack VMA */
	atomic_store(&stop_faulting, 1);
	for (int i = 1; i < NT; i++)
		join_thread(t[i]);

	int miss = count_missing(anon, 0);
	printf("# anonymous: %d of %d bytes missing\n", miss, SHARED_PAGES * NT);
	CHECK(miss == 0);
	miss = count_missing(filemap, 0);
	printf("# shared file: %d of %d bytes missing in the mapping\n", miss, SHARED_PAGES * NT);
	CHECK(miss == 0);
	char *back = malloc(span);
	CHECK(back && pread(fd, back, span, 0) == (ssize_t)span);
	if (back)
		CHECK(count_missing(back, 0) == 0);
	miss = count_missing(cow, 100);
	printf("# copy-on-write: %d of %d bytes missing\n", miss, SHARED_PAGES * NT);
	CHECK(miss == 0);
	CHECK(write(go[1], "x", 1) == 1);
	int st;
	CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("# stack grown to 6 MiB while threads faulted: %s (%ld)\n",
	       rl_ok ? "yes" : "no (setrlimit failed)", g);
	CHECK(rl_ok);

	/* one thread faulting as many pages as all did */
	for (int i = 0; i < NT; i++)
		madvise(own[i], (size_t)PAGES * PG, MADV_DONTNEED);
	t0 = mono_now();
	for (int i = 0; i < NT; i++)
		touch_own(own[i]);
	double t_one = mono_now() - t0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("# %d page faults: 1 thread %.0f us, %d threads %.0f us (%.2f us/fault), "
	       "speedup %.2f on %ld CPUs\n", NT * PAGES, t_one * 1e6, NT, t_par * 1e6,
	       t_par * 1e6 / (NT * PAGES), t_one / t_par, cpus);
	return check_done();
}
