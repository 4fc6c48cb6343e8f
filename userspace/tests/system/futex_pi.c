#define _GNU_SOURCE
/*
 * futex_pi: the priority-inheritance futex operations between processes
 * in shared memory (a tid is a pid today), for ownership, not priority:
 *  - TRYLOCK_PI takes a free word (word = our tid), EDEADLK when we hold
 *    it, EAGAIN (EWOULDBLOCK) when another does; LOCK_PI EDEADLK too;
 *  - UNLOCK_PI by a non-owner or of a free word: EPERM, word unchanged;
 *  - a blocked LOCK_PI sets FUTEX_WAITERS; UNLOCK_PI hands the word to
 *    the waiter (its tid | FUTEX_WAITERS) before returning;
 *  - timeouts: LOCK_PI's absolute CLOCK_REALTIME, LOCK_PI2's monotonic,
 *    CLOCK_REALTIME flag on LOCK_PI is ENOSYS;
 *  - an owner gone (exited without a robust list, or a tid that names
 *    nobody): taken over with FUTEX_OWNER_DIED, by a new locker and by
 *    one already asleep;
 *  - EFAULT, EINVAL for bad addresses;
 *  - mutual exclusion: 4 processes x 1500 lock/unlock with the user-space
 *    fast path and the kernel's slow path, a counter checked.
 */
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "futex_pi"
#include "check.h"

#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_LOCK_PI2 13
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

static long futex(volatile uint32_t *u, int op, const struct timespec *ts)
{
	return syscall(SYS_futex, u, op, 0, ts, NULL, 0);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static struct timespec in_ms(clockid_t clk, long ms)
{
	struct timespec t;
	clock_gettime(clk, &t);
	t.tv_nsec += (ms % 1000) * 1000000L;
	t.tv_sec += ms / 1000 + t.tv_nsec / 1000000000L;
	t.tv_nsec %= 1000000000L;
	return t;
}

static int reap(pid_t c)
{
	int st = -1;
	if (c <= 0 || waitpid(c, &st, 0) != c)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* until the word shows a waiter in the kernel */
static int wait_waiters(volatile uint32_t *w)
{
	for (int i = 0; i < 3000; i++, usleep(1000))
		if (*w & FUTEX_WAITERS)
			return 1;
	return 0;
}

static volatile uint32_t *slow;	/* shared: LOCK_PI calls made */

static void pi_lock(volatile uint32_t *w, uint32_t me)
{
	uint32_t z = 0;
	if (!__atomic_compare_exchange_n(w, &z, me, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		__atomic_add_fetch(slow, 1, __ATOMIC_RELAXED);
		while (futex(w, FUTEX_LOCK_PI, NULL))
			;
	}
}

static int pi_unlock(volatile uint32_t *w, uint32_t me)
{
	uint32_t v = me;
	if (__atomic_compare_exchange_n(w, &v, 0, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return 0;
	return futex(w, FUTEX_UNLOCK_PI, NULL) ? -1 : 0;
}

int main(void)
{
	volatile uint32_t *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	if (sh == MAP_FAILED)
		return check_done();
	uint32_t me = getpid();
	volatile uint32_t *w = &sh[0];

	/* the owner's own errors */
	errno = 0;
	CHECK(futex(w, FUTEX_UNLOCK_PI, NULL) == -1 && errno == EPERM);	/* free */
	CHECK(futex(w, FUTEX_TRYLOCK_PI, NULL) == 0 && *w == me);
	CHECK(futex(w, FUTEX_TRYLOCK_PI, NULL) == -1 && errno == EDEADLK);
	CHECK(futex(w, FUTEX_LOCK_PI, NULL) == -1 && errno == EDEADLK);
	CHECK(futex((uint32_t *)((char *)w + 2), FUTEX_LOCK_PI, NULL) == -1 && errno == EINVAL);
	CHECK(futex((uint32_t *)16, FUTEX_LOCK_PI, NULL) == -1 && errno == EFAULT);
	CHECK(futex((uint32_t *)16, FUTEX_UNLOCK_PI, NULL) == -1 && errno == EFAULT);
	struct timespec rt = in_ms(CLOCK_REALTIME, 10);
	CHECK(futex(w, FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, &rt) == -1 && errno == ENOSYS);

	/* another process: EAGAIN, EPERM, timeouts on both clocks */
	pid_t c = fork();
	if (c == 0) {
		int bad = 0;
		if (futex(w, FUTEX_TRYLOCK_PI, NULL) != -1 || errno != EAGAIN)
			bad |= 1;
		if (futex(w, FUTEX_UNLOCK_PI, NULL) != -1 || errno != EPERM)
			bad |= 2;
		struct timespec at = in_ms(CLOCK_REALTIME, 100);
		double t0 = now();
		if (futex(w, FUTEX_LOCK_PI, &at) != -1 || errno != ETIMEDOUT || now() - t0 < 0.09)
			bad |= 4;
		at = in_ms(CLOCK_MONOTONIC, 100);
		t0 = now();
		if (futex(w, FUTEX_LOCK_PI2, &at) != -1 || errno != ETIMEDOUT || now() - t0 < 0.09)
			bad |= 8;
		_exit(bad);
	}
	CHECK(reap(c) == 0);
	CHECK((*w & FUTEX_TID_MASK) == me);	/* still ours */

	/* handoff: the sleeping locker owns the word when UNLOCK_PI returns */
	*w = me;
	sh[1] = 0;
	c = fork();
	if (c == 0) {
		if (futex(w, FUTEX_LOCK_PI, NULL))
			_exit(1);
		if ((*w & FUTEX_TID_MASK) != (uint32_t)getpid())
			_exit(2);
		while (!sh[1])		/* hold it until the parent looked */
			usleep(1000);
		if (futex(w, FUTEX_UNLOCK_PI, NULL))
			_exit(3);
		_exit(*w == 0 ? 0 : 4);	/* nobody waits: the word is free */
	}
	CHECK(wait_waiters(w));
	CHECK(*w == (me | FUTEX_WAITERS));
	CHECK(futex(w, FUTEX_UNLOCK_PI, NULL) == 0);
	uint32_t after = *w;
	CHECK(after == ((uint32_t)c | FUTEX_WAITERS));
	CHECK(futex(w, FUTEX_UNLOCK_PI, NULL) == -1 && errno == EPERM);	/* not ours now */
	CHECK(futex(w, FUTEX_TRYLOCK_PI, NULL) == -1 && errno == EAGAIN);
	sh[1] = 1;
	CHECK(reap(c) == 0);

	/* an owner that exits holding the word: a new locker takes it over */
	*w = 0;
	c = fork();
	if (c == 0)
		_exit(futex(w, FUTEX_TRYLOCK_PI, NULL) == 0 ? 0 : 1);
	CHECK(reap(c) == 0);
	CHECK(*w == (uint32_t)c);
	CHECK(futex(w, FUTEX_LOCK_PI, NULL) == 0);
	CHECK(*w == (me | FUTEX_OWNER_DIED));
	CHECK(futex(w, FUTEX_UNLOCK_PI, NULL) == 0 && *w == 0);
	*w = 0x3ffffff0;			/* a tid nobody has */
	CHECK(futex(w, FUTEX_TRYLOCK_PI, NULL) == 0 && *w == (me | FUTEX_OWNER_DIED));

	/* ... and so does a locker already asleep behind it */
	*w = 0;
	sh[1] = 0;
	pid_t o = fork();
	if (o == 0) {
		if (futex(w, FUTEX_TRYLOCK_PI, NULL))
			_exit(1);
		while (!sh[1])
			usleep(1000);
		_exit(0);		/* no robust list: the word still says us */
	}
	while (*w == 0)
		usleep(1000);
	c = fork();
	if (c == 0) {
		struct timespec at = in_ms(CLOCK_REALTIME, 5000);
		if (futex(w, FUTEX_LOCK_PI, &at))
			_exit(1);
		_exit((*w & ~FUTEX_WAITERS) == ((uint32_t)getpid() | FUTEX_OWNER_DIED) ? 0 : 2);
	}
	CHECK(wait_waiters(w));
	sh[1] = 1;
	CHECK(reap(o) == 0);
	CHECK(reap(c) == 0);

	/* mutual exclusion under contention, fast and slow paths mixed */
	enum { PROCS = 4, ITERS = 1500 };
	*w = 0;
	sh[2] = 0;		/* the counter */
	sh[3] = 0;		/* owners seen inside at once */
	sh[4] = 0;		/* started */
	slow = &sh[5];
	*slow = 0;
	double t0 = now();
	pid_t k[PROCS];
	for (int i = 0; i < PROCS; i++) {
		if ((k[i] = fork()) == 0) {
			uint32_t self = getpid();
			__atomic_add_fetch(&sh[4], 1, __ATOMIC_SEQ_CST);
			while (sh[4] < PROCS)	/* all start at once */
				;
			for (int j = 0; j < ITERS; j++) {
				pi_lock(w, self);
				if ((*w & FUTEX_TID_MASK) != self)
					__atomic_add_fetch(&sh[3], 1, __ATOMIC_RELAXED);
				uint32_t v = sh[2];
				for (volatile int d = 0; d < 300; d++)
					;	/* a critical section others run into */
				if (j == 0)
					usleep(20000);	/* the others find it owned: the
							 * kernel path is taken at least once
							 * even on a host that runs one at a time */
				else if (j % 16 == 0)
					sched_yield();	/* let the others pile up */
				sh[2] = v + 1;
				if (pi_unlock(w, self))
					_exit(1);
			}
			_exit(0);
		}
	}
	for (int i = 0; i < PROCS; i++)
		CHECK(reap(k[i]) == 0);
	printf("# %d x %d PI lock/unlock in %.2f s, %u through the kernel, counter %u\n", PROCS,
	       ITERS, now() - t0, *slow, sh[2]);
	CHECK(*slow > 0);	/* or the test tested nothing */
	CHECK(sh[2] == PROCS * ITERS);
	CHECK(sh[3] == 0);
	CHECK((*w & FUTEX_TID_MASK) == 0);
	return check_done();
}
