#define _GNU_SOURCE
/*
 * futex_robust: robust futex lists (set_robust_list) walked when a
 * process dies, between processes sharing memory (a tid is a pid today):
 *  - set/get_robust_list: EINVAL for a bad size, the head reads back;
 *  - an owner killed by SIGKILL while holding two words on its list and
 *    one in list_op_pending: each gets FUTEX_OWNER_DIED with the tid
 *    cleared and a waiter sleeping on it wakes; a word on the list that
 *    holds another tid is left alone;
 *  - a PI entry (bit 0): a LOCK_PI waiter takes the word over with
 *    FUTEX_OWNER_DIED when the owner dies;
 *  - musl's process-shared robust mutexes, plain and priority-inheriting:
 *    a child locks one and exits, the parent's timed lock gets EOWNERDEAD,
 *    makes it consistent and can lock it again;
 *  - hostile lists must not hang or crash the kernel: a cycle, a pointer
 *    to unmapped memory, a kernel pointer, an unmapped head, an offset
 *    that wraps; a 5000-entry list is walked for 2048 entries (Linux's
 *    ROBUST_LIST_LIMIT) and no further.
 */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "futex_robust"
#include "check.h"

#define FUTEX_WAIT 0
#define FUTEX_LOCK_PI 6
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

struct rl { struct rl *next; };
struct rhead { struct rl list; long off; struct rl *pending; };
/* a robust mutex as a list entry: the link, then the word */
struct rmutex { struct rl link; volatile uint32_t word; uint32_t pad; };
#define WORD_OFF ((long)offsetof(struct rmutex, word))

static long futex(volatile uint32_t *u, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, u, op, val, ts, NULL, 0);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* The child's exit, reaped; how long it took after the kill, in s. */
static double kill_and_reap(pid_t c, int *status)
{
	double t0 = now();
	kill(c, SIGKILL);
	*status = -1;
	CHECK(waitpid(c, status, 0) == c);
	return now() - t0;
}

/* A child that registers head, runs setup, reports ready and sleeps. */
static pid_t owner(struct rhead *head, volatile uint32_t *ready, void (*setup)(void))
{
	pid_t c = fork();
	if (c == 0) {
		if (syscall(SYS_set_robust_list, head, sizeof(*head)))
			_exit(3);
		if (setup)
			setup();
		*ready = 1;
		for (;;)
			pause();
	}
	while (!*ready)
		usleep(1000);
	return c;
}

static struct rmutex *m;	/* shared: a few robust mutexes */
static struct rhead *hd;	/* shared: the child's list head */

static void lock_three(void)
{
	uint32_t me = getpid();
	hd->list.next = &m[0].link;
	m[0].link.next = &m[1].link;
	m[1].link.next = &m[2].link;
	m[2].link.next = &hd->list;
	hd->off = WORD_OFF;
	m[0].word = me;
	m[1].word = me | FUTEX_WAITERS;
	m[2].word = 12345;		/* not ours: must stay */
	m[3].word = me;			/* being locked: list_op_pending */
	hd->pending = &m[3].link;
}

int main(void)
{
	void *shm = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shm != MAP_FAILED);
	if (shm == MAP_FAILED)
		return check_done();
	volatile uint32_t *ready = shm;
	hd = (struct rhead *)((char *)shm + 64);
	m = (struct rmutex *)((char *)shm + 256);

	/* the calls themselves */
	struct rhead mine = { { &mine.list }, 0, NULL };
	errno = 0;
	CHECK(syscall(SYS_set_robust_list, &mine, sizeof(mine) + 1) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_set_robust_list, &mine, sizeof(mine)) == 0);
	void *got = NULL;
	size_t len = 0;
	CHECK(syscall(SYS_get_robust_list, 0, &got, &len) == 0 && got == &mine &&
	      len == sizeof(mine));
	CHECK(syscall(SYS_get_robust_list, 0, (void *)8, &len) == -1 && errno == EFAULT);
	CHECK(syscall(SYS_get_robust_list, 0x3ffffff0, &got, &len) == -1 && errno == ESRCH);

	/* an owner dies holding words on its list: waiters wake, OWNER_DIED */
	*ready = 0;
	pid_t c = owner(hd, ready, lock_three);
	got = NULL;
	CHECK(syscall(SYS_get_robust_list, c, &got, &len) == 0 && got == hd);
	pid_t w = fork();
	if (w == 0) {		/* sleeps on m[1] until the owner's death wakes it */
		struct timespec t5 = { 5, 0 };
		uint32_t v = m[1].word;
		long r = futex(&m[1].word, FUTEX_WAIT, v, &t5);
		_exit(r == 0 || (r == -1 && errno == EAGAIN) ? 0 : 1);
	}
	usleep(100000);
	int st;
	kill_and_reap(c, &st);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	int wst = -1;
	CHECK(waitpid(w, &wst, 0) == w && WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
	CHECK(m[0].word == FUTEX_OWNER_DIED);
	CHECK(m[1].word == (FUTEX_OWNER_DIED | FUTEX_WAITERS));
	CHECK(m[2].word == 12345);
	CHECK(m[3].word == FUTEX_OWNER_DIED);

	/* a PI entry: the LOCK_PI waiter gets the word with OWNER_DIED */
	memset(hd, 0, sizeof(*hd));
	*ready = 0;
	m[0].word = 0;
	pid_t pi_owner = fork();
	if (pi_owner == 0) {
		uint32_t me = getpid();
		hd->list.next = (struct rl *)((uintptr_t)&m[0].link | 1);
		m[0].link.next = &hd->list;
		hd->off = WORD_OFF;
		if (syscall(SYS_set_robust_list, hd, sizeof(*hd)))
			_exit(3);
		m[0].word = me;
		*ready = 1;
		for (;;)
			pause();
	}
	while (!*ready)
		usleep(1000);
	w = fork();
	if (w == 0) {
		struct timespec at;
		clock_gettime(CLOCK_REALTIME, &at);
		at.tv_sec += 5;
		long r = futex(&m[0].word, FUTEX_LOCK_PI, 0, &at);
		_exit(r == 0 && m[0].word == (getpid() | FUTEX_OWNER_DIED) ? 0 : 1);
	}
	for (int i = 0; i < 2000 && !(m[0].word & FUTEX_WAITERS); i++)
		usleep(1000);	/* until the waiter sleeps in the kernel */
	CHECK(m[0].word & FUTEX_WAITERS);
	kill_and_reap(pi_owner, &st);
	wst = -1;
	CHECK(waitpid(w, &wst, 0) == w && WIFEXITED(wst) && WEXITSTATUS(wst) == 0);

	/* musl's robust mutexes: the dead owner's mutex is ours, inconsistent */
	for (int pi = 0; pi < 2; pi++) {
		pthread_mutex_t *mx = (pthread_mutex_t *)((char *)shm + 2048);
		pthread_mutexattr_t a;
		pthread_mutexattr_init(&a);
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
		pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
		if (pi)
			pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
		CHECK(pthread_mutex_init(mx, &a) == 0);
		c = fork();
		if (c == 0)
			_exit(pthread_mutex_lock(mx) == 0 ? 0 : 1);	/* dies holding it */
		int cst = -1;
		CHECK(waitpid(c, &cst, 0) == c && WIFEXITED(cst) && WEXITSTATUS(cst) == 0);
		struct timespec at;
		clock_gettime(CLOCK_REALTIME, &at);
		at.tv_sec += 3;
		int r = pthread_mutex_timedlock(mx, &at);
		printf("# musl robust%s mutex after its owner died: %s\n", pi ? " PI" : "",
		       r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
		CHECK(r == EOWNERDEAD);
		if (r == EOWNERDEAD) {
			CHECK(pthread_mutex_consistent(mx) == 0);
			CHECK(pthread_mutex_unlock(mx) == 0);
			CHECK(pthread_mutex_lock(mx) == 0 && pthread_mutex_unlock(mx) == 0);
		}
	}

	/* hostile lists: each owner must die at once, the kernel unharmed */
	void *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, 4096);
	struct rl *bad[] = { (struct rl *)gone, (struct rl *)0xffff800000000000ULL,
			     (struct rl *)16, (struct rl *)~7ULL };
	for (int kind = 0; kind < 7; kind++) {
		memset(hd, 0, sizeof(*hd));
		memset(m, 0, 8 * sizeof(*m));
		*ready = 0;
		struct rhead *h = hd;
		hd->off = WORD_OFF;
		if (kind == 0) {	/* a cycle that never returns to the head */
			hd->list.next = &m[0].link;
			m[0].link.next = &m[1].link;
			m[1].link.next = &m[0].link;
		} else if (kind == 1) {	/* an entry pointing at itself */
			hd->list.next = &m[0].link;
			m[0].link.next = &m[0].link;
			hd->pending = &m[0].link;
		} else if (kind < 6) {	/* a pointer to nowhere, then the kernel */
			hd->list.next = &m[0].link;
			m[0].link.next = bad[kind - 2];
			hd->pending = bad[(kind + 1) % 4];
		} else {		/* an offset that wraps, an unmapped head */
			hd->list.next = &m[0].link;
			m[0].link.next = &hd->list;
			hd->off = -(long)(uintptr_t)&m[0] - 8;
		}
		c = fork();
		if (c == 0) {
			uint32_t me = getpid();
			m[0].word = me;
			m[1].word = me;
			if (syscall(SYS_set_robust_list, kind == 6 ? (void *)gone : (void *)h,
				    sizeof(*h)))
				_exit(3);
			if (kind == 6)	/* register both: the last one counts */
				syscall(SYS_set_robust_list, h, sizeof(*h));
			*ready = 1;
			for (;;)
				pause();
		}
		while (!*ready)
			usleep(1000);
		double took = kill_and_reap(c, &st);
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		CHECK(took < 2.0);
		if (kind <= 5)		/* the walk ran up to the bad pointer */
			CHECK((m[0].word & FUTEX_OWNER_DIED) && !(m[0].word & FUTEX_TID_MASK));
		if (kind == 6)		/* entry - 8 - entry wraps: nothing touched */
			CHECK((m[0].word & FUTEX_TID_MASK) == (uint32_t)c);
		printf("# hostile list %d: owner reaped in %.3f s\n", kind, took);
	}

	/* a long list: 2048 entries are handled, the rest not */
	enum { LONG = 5000 };
	struct rmutex *lm = (struct rmutex *)((char *)shm + 4096);
	memset(hd, 0, sizeof(*hd));
	*ready = 0;
	c = fork();
	if (c == 0) {
		uint32_t me = getpid();
		hd->off = WORD_OFF;
		hd->list.next = &lm[0].link;
		for (int i = 0; i < LONG; i++) {
			lm[i].link.next = i + 1 < LONG ? &lm[i + 1].link : &hd->list;
			lm[i].word = me;
		}
		if (syscall(SYS_set_robust_list, hd, sizeof(*hd)))
			_exit(3);
		*ready = 1;
		for (;;)
			pause();
	}
	while (!*ready)
		usleep(1000);
	double took = kill_and_reap(c, &st);
	int died = 0, first_left = -1;
	for (int i = 0; i < LONG; i++) {
		if (lm[i].word == FUTEX_OWNER_DIED)
			died++;
		else if (first_left < 0)
			first_left = i;
	}
	printf("# long list: %d of %d marked, first left %d, reaped in %.3f s\n", died, LONG,
	       first_left, took);
	CHECK(died == 2048 && first_left == 2048);
	return check_done();
}
