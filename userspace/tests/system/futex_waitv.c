#define _GNU_SOURCE
/*
 * futex_waitv: waiting on several futexes at once (Linux 5.16), between
 * processes in shared memory:
 *  - EINVAL for flags, a count of 0 or 129, a waiter without
 *    FUTEX2_SIZE_U32 or with reserved bits, a misaligned word, a value
 *    past 32 bits, an unknown clock; EFAULT for the array;
 *  - EAGAIN when any word already differs, ETIMEDOUT at an absolute
 *    deadline (never early);
 *  - a wake of one of the words returns its index, for each index;
 *  - a private waiter does not see a wake from another process.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "futex_waitv"
#include "check.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#define FUTEX_WAKE 1
#define FUTEX_WAKE_PRIVATE 129
#define FUTEX2_SIZE_U32 2
#define FUTEX2_PRIVATE 128

struct fwv { uint64_t val, uaddr; uint32_t flags, reserved; };

static long waitv(struct fwv *v, unsigned n, unsigned flags, struct timespec *ts, int clk)
{
	return syscall(SYS_futex_waitv, v, n, flags, ts, clk);
}

static struct timespec in_ms(long ms)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_nsec += ms * 1000000L;
	t.tv_sec += t.tv_nsec / 1000000000L;
	t.tv_nsec %= 1000000000L;
	return t;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int reap(pid_t c)
{
	int st = -1;
	if (c <= 0 || waitpid(c, &st, 0) != c)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void)
{
	volatile uint32_t *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	if (sh == MAP_FAILED)
		return check_done();
	struct fwv v[3];
	for (int i = 0; i < 3; i++)
		v[i] = (struct fwv){ 0, (uintptr_t)&sh[i], FUTEX2_SIZE_U32, 0 };
	struct timespec t = in_ms(50);

	errno = 0;
	CHECK(waitv(v, 3, 1, NULL, 0) == -1 && errno == EINVAL);
	CHECK(waitv(v, 0, 0, NULL, 0) == -1 && errno == EINVAL);
	CHECK(waitv(v, 129, 0, NULL, 0) == -1 && errno == EINVAL);
	CHECK(waitv(v, 3, 0, &t, CLOCK_PROCESS_CPUTIME_ID) == -1 && errno == EINVAL);
	CHECK(waitv((struct fwv *)8, 3, 0, NULL, 0) == -1 && errno == EFAULT);
	struct fwv bad = v[1];
	bad.flags = 0;
	CHECK(waitv(&bad, 1, 0, NULL, 0) == -1 && errno == EINVAL);
	bad = v[1];
	bad.reserved = 1;
	CHECK(waitv(&bad, 1, 0, NULL, 0) == -1 && errno == EINVAL);
	bad = v[1];
	bad.uaddr += 2;
	CHECK(waitv(&bad, 1, 0, NULL, 0) == -1 && errno == EINVAL);
	bad = v[1];
	bad.val = 1ULL << 32;
	CHECK(waitv(&bad, 1, 0, NULL, 0) == -1 && errno == EINVAL);
	sh[2] = 5;
	CHECK(waitv(v, 3, 0, NULL, 0) == -1 && errno == EAGAIN);	/* word 2 differs */
	sh[2] = 0;
	double t0 = now();
	t = in_ms(50);
	CHECK(waitv(v, 3, 0, &t, CLOCK_MONOTONIC) == -1 && errno == ETIMEDOUT);
	CHECK(now() - t0 >= 0.045);

	/* a wake of word i ends the wait with i */
	for (int i = 0; i < 3; i++) {
		pid_t c = fork();
		if (c == 0) {
			struct timespec t5 = in_ms(5000);
			_exit((int)waitv(v, 3, 0, &t5, CLOCK_MONOTONIC));
		}
		long r = 0;
		for (int j = 0; j < 3000 && r == 0; j++, usleep(1000))
			r = syscall(SYS_futex, &sh[i], FUTEX_WAKE, 1, NULL, NULL, 0);
		CHECK(r == 1);
		CHECK(reap(c) == i);
	}

	/* private: another process's wake does not reach it */
	pid_t c = fork();
	if (c == 0) {
		struct fwv p = { 0, (uintptr_t)&sh[3], FUTEX2_SIZE_U32 | FUTEX2_PRIVATE, 0 };
		struct timespec t3 = in_ms(300);
		_exit(waitv(&p, 1, 0, &t3, CLOCK_MONOTONIC) == -1 && errno == ETIMEDOUT ? 0 : 1);
	}
	usleep(50000);
	CHECK(syscall(SYS_futex, &sh[3], FUTEX_WAKE, 1, NULL, NULL, 0) == 0);
	CHECK(syscall(SYS_futex, &sh[3], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0);
	CHECK(reap(c) == 0);
	printf("# futex_waitv: %d failures\n", failures);
	return check_done();
}
