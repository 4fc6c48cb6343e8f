#define _GNU_SOURCE
/*
 * futex: FUTEX_WAIT/WAKE and friends between processes (threads come
 * later; these meet through shared memory, which is what shared futexes
 * are for), from the attacker's side too:
 *  - EAGAIN for a changed word, EINVAL for a misaligned one or bitset 0,
 *    EFAULT for an unmapped one, ENOSYS for the PI requeue operations;
 *  - relative and absolute timeouts (ETIMEDOUT, never early);
 *  - a shared futex meets across fork in shared anonymous memory and
 *    across two mappings of one file at different addresses; a private
 *    one does not leave its address space;
 *  - a signal ends a wait with EINTR (handler without SA_RESTART);
 *  - REQUEUE/CMP_REQUEUE move waiters, WAKE_OP changes the word and wakes
 *    by its comparison, WAKE_BITSET wakes only matching waiters;
 *  - no lost wakeup: two processes pass a token 5000 times, each waiting
 *    with a 2 s timeout that must never expire.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Linux's uapi/linux/futex.h (musl's headers do not have it) */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffff
#define FUTEX_OP_ADD 1
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP(op, oparg, cmp, cmparg) \
	((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

#define TEST_NAME "futex"
#include "check.h"

static long futex(volatile uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts,
		  volatile uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int child_status(pid_t pid)
{
	int st = -1;
	if (pid <= 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Wakes n waiters of w, retrying until that many were there (they may
 * not have gone to sleep yet); how many it woke in total. */
static int wake_when_waiting(volatile uint32_t *w, int op, int n)
{
	int woken = 0;
	for (int i = 0; i < 2000 && woken < n; i++) {
		woken += futex(w, op, n - woken, NULL, NULL, 0);
		usleep(1000);
	}
	return woken;
}

static void on_usr1(int sig) { (void)sig; }

int main(void)
{
	volatile uint32_t *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	if (sh == MAP_FAILED)
		return check_done();
	struct timespec t50 = { 0, 50 * 1000 * 1000 };

	/* hostile arguments */
	sh[0] = 1;
	errno = 0;
	CHECK(futex(sh, FUTEX_WAIT, 0, NULL, NULL, 0) == -1 && errno == EAGAIN);
	CHECK(futex((uint32_t *)((char *)sh + 1), FUTEX_WAIT, 1, NULL, NULL, 0) == -1 &&
	      errno == EINVAL);
	CHECK(futex((uint32_t *)16, FUTEX_WAIT, 0, NULL, NULL, 0) == -1 && errno == EFAULT);
	CHECK(futex(sh, FUTEX_WAIT_BITSET, 1, NULL, NULL, 0) == -1 && errno == EINVAL);
	CHECK(futex(sh, FUTEX_WAIT_REQUEUE_PI, 0, NULL, sh + 1, 0) == -1 && errno == ENOSYS);
	CHECK(futex(sh, FUTEX_WAIT, 1, (struct timespec *)8, NULL, 0) == -1 && errno == EFAULT);
	struct timespec bad = { 0, 2000000000 };
	CHECK(futex(sh, FUTEX_WAIT, 1, &bad, NULL, 0) == -1 && errno == EINVAL);
	CHECK(futex(sh, FUTEX_WAKE, 1, NULL, NULL, 0) == 0);	/* nobody waits */

	/* timeouts: relative, and absolute on both clocks */
	double t0 = now();
	CHECK(futex(sh, FUTEX_WAIT, 1, &t50, NULL, 0) == -1 && errno == ETIMEDOUT);
	double took = now() - t0;
	CHECK(took >= 0.05 && took < 1.0);
	struct timespec at;
	clock_gettime(CLOCK_MONOTONIC, &at);
	at.tv_nsec += 50 * 1000 * 1000;
	if (at.tv_nsec >= 1000000000) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000;
	}
	t0 = now();
	CHECK(futex(sh, FUTEX_WAIT_BITSET, 1, &at, NULL, FUTEX_BITSET_MATCH_ANY) == -1 &&
	      errno == ETIMEDOUT);
	CHECK(now() - t0 >= 0.04);
	clock_gettime(CLOCK_REALTIME, &at);
	at.tv_sec -= 1;		/* already past */
	CHECK(futex(sh, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 1, &at, NULL,
		    FUTEX_BITSET_MATCH_ANY) == -1 && errno == ETIMEDOUT);

	/* shared across fork */
	sh[0] = 0;
	pid_t c = fork();
	if (c == 0)
		_exit(futex(sh, FUTEX_WAIT, 0, NULL, NULL, 0) == 0 && sh[0] == 1 ? 0 : 1);
	usleep(20000);
	sh[0] = 1;
	CHECK(wake_when_waiting(sh, FUTEX_WAKE, 1) == 1);
	CHECK(child_status(c) == 0);

	/* private does not cross: the child's private wait times out */
	sh[1] = 0;
	c = fork();
	if (c == 0) {
		struct timespec t300 = { 0, 300 * 1000 * 1000 };
		_exit(futex(&sh[1], FUTEX_WAIT_PRIVATE, 0, &t300, NULL, 0) == -1 &&
		      errno == ETIMEDOUT ? 0 : 1);
	}
	usleep(50000);
	CHECK(futex(&sh[1], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0);
	CHECK(child_status(c) == 0);

	/* one file mapped at two addresses (and offsets) in two processes */
	int fd = open("futex.tmp", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && ftruncate(fd, 8192) == 0);
	volatile uint32_t *fa = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(fa != MAP_FAILED);
	c = fork();
	if (c == 0) {
		volatile uint32_t *fb = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
					     4096);
		if (fb == MAP_FAILED)
			_exit(2);
		_exit(futex(&fb[3], FUTEX_WAIT, 0, NULL, NULL, 0) == 0 ? 0 : 1);
	}
	usleep(20000);
	fa[1024 + 3] = 7;
	CHECK(wake_when_waiting(&fa[1024 + 3], FUTEX_WAKE, 1) == 1);
	CHECK(child_status(c) == 0);
	munmap((void *)fa, 8192);
	close(fd);
	unlink("futex.tmp");

	/* a signal ends the wait */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sh[2] = 0;
	c = fork();
	if (c == 0)
		_exit(futex(&sh[2], FUTEX_WAIT, 0, NULL, NULL, 0) == -1 && errno == EINTR ? 0 : 1);
	usleep(50000);
	kill(c, SIGUSR1);
	CHECK(child_status(c) == 0);

	/* REQUEUE: three wait on A; wake one, move two to B; wake B */
	sh[4] = 0;
	sh[5] = 0;
	pid_t k[3];
	for (int i = 0; i < 3; i++)
		if ((k[i] = fork()) == 0)
			_exit(futex(&sh[4], FUTEX_WAIT, 0, NULL, NULL, 0) == 0 ? 0 : 1);
	long r = 0;
	for (int i = 0; i < 2000 && r < 3; i++) {	/* until all three are queued */
		usleep(1000);
		r = futex(&sh[4], FUTEX_CMP_REQUEUE, 0, (struct timespec *)0, &sh[4], 0);
	}
	errno = 0;
	CHECK(futex(&sh[4], FUTEX_CMP_REQUEUE, 1, (struct timespec *)2, &sh[5], 99) == -1 &&
	      errno == EAGAIN);	/* the word is not 99 */
	CHECK(futex(&sh[4], FUTEX_CMP_REQUEUE, 1, (struct timespec *)2, &sh[5], 0) == 3);
	CHECK(futex(&sh[4], FUTEX_WAKE, 10, NULL, NULL, 0) == 0);	/* none left on A */
	CHECK(futex(&sh[5], FUTEX_WAKE, 10, NULL, NULL, 0) == 2);
	for (int i = 0; i < 3; i++)
		CHECK(child_status(k[i]) == 0);

	/* WAKE_OP: B += 1, then wake A's waiter, and B's if old B was 0 */
	sh[6] = 0;
	sh[7] = 0;
	pid_t wa = fork();
	if (wa == 0)
		_exit(futex(&sh[6], FUTEX_WAIT, 0, NULL, NULL, 0) == 0 ? 0 : 1);
	pid_t wb = fork();
	if (wb == 0)
		_exit(futex(&sh[7], FUTEX_WAIT, 0, NULL, NULL, 0) == 0 ? 0 : 1);
	usleep(100000);
	int op = FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0);
	CHECK(futex(&sh[6], FUTEX_WAKE_OP, 1, (struct timespec *)1, &sh[7], op) == 2);
	CHECK(sh[7] == 1);
	CHECK(child_status(wa) == 0 && child_status(wb) == 0);

	/* WAKE_BITSET wakes only waiters whose bitset meets it */
	sh[8] = 0;
	pid_t b1 = fork();
	if (b1 == 0)
		_exit(futex(&sh[8], FUTEX_WAIT_BITSET, 0, NULL, NULL, 1) == 0 ? 0 : 1);
	usleep(50000);
	CHECK(futex(&sh[8], FUTEX_WAKE_BITSET, 1, NULL, NULL, 0) == -1 && errno == EINVAL);
	CHECK(futex(&sh[8], FUTEX_WAKE_BITSET, 1, NULL, NULL, 2) == 0);	/* 2 misses 1 */
	r = 0;
	for (int i = 0; i < 2000 && r == 0; i++, usleep(1000))
		r = futex(&sh[8], FUTEX_WAKE_BITSET, 1, NULL, NULL, 3);	/* 3 meets 1 */
	CHECK(r == 1);
	CHECK(child_status(b1) == 0);

	/* no lost wakeup: a token passed back and forth 20000 times */
	enum { PASSES = 5000 };
	sh[10] = 0;	/* whose turn: 0 parent, 1 child */
	sh[11] = 0;	/* waits that timed out */
	c = fork();
	if (c == 0) {
		struct timespec t2 = { 2, 0 };
		for (int i = 0; i < PASSES; i++) {
			while (sh[10] != 1)
				if (futex(&sh[10], FUTEX_WAIT, 0, &t2, NULL, 0) == -1 &&
				    errno == ETIMEDOUT)
					__atomic_add_fetch(&sh[11], 1, __ATOMIC_SEQ_CST);
			sh[10] = 0;
			futex(&sh[10], FUTEX_WAKE, 1, NULL, NULL, 0);
		}
		_exit(0);
	}
	struct timespec t2 = { 2, 0 };
	t0 = now();
	for (int i = 0; i < PASSES; i++) {
		sh[10] = 1;
		futex(&sh[10], FUTEX_WAKE, 1, NULL, NULL, 0);
		while (sh[10] != 0)
			if (futex(&sh[10], FUTEX_WAIT, 1, &t2, NULL, 0) == -1 && errno == ETIMEDOUT)
				__atomic_add_fetch(&sh[11], 1, __ATOMIC_SEQ_CST);
	}
	CHECK(child_status(c) == 0);
	printf("# %d token passes in %.2f s, %u waits timed out\n", PASSES, now() - t0, sh[11]);
	CHECK(sh[11] == 0);
	return check_done();
}
