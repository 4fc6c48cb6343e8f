#define _GNU_SOURCE
/*
 * mlock: mlock, munlock, mlock2, mlockall, munlockall as Linux.
 *  - mlock faults the pages in (mincore says resident) and VmLck counts
 *    them; munlock of a middle part, mprotect and munmap of parts split
 *    the locked range correctly; an unaligned start locks its page;
 *  - a hole is ENOMEM and changes nothing; a length that wraps the
 *    address space EINVAL; bad flags EINVAL;
 *  - MLOCK_ONFAULT locks without faulting in;
 *  - mlockall(MCL_CURRENT|MCL_FUTURE) locks what is mapped and what is
 *    mapped later (resident at once); munlockall undoes it; fork does
 *    not pass locks on;
 *  - RLIMIT_MEMLOCK for a non-root user: ENOMEM past it, EPERM at 0;
 *  - a thread mlocking while another munmaps and maps the same range.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "mlock"
#include "check.h"

#define PG 4096UL

static long vmlck(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmLck:", 6))
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

static int resident(void *p, size_t pages)
{
	unsigned char v[64];
	if (mincore(p, pages * PG, v))
		return -1;
	int n = 0;
	for (size_t i = 0; i < pages; i++)
		n += v[i] & 1;
	return n;
}

static long mlock2_(void *p, size_t len, unsigned flags)
{
	return syscall(325, p, len, flags);
}

static volatile int stop;
static char *race_area;

static void *locker(void *arg)
{
	(void)arg;
	while (!stop) {
		mlock(race_area, 8 * PG);
		munlock(race_area, 8 * PG);
	}
	return NULL;
}

static void race(void)
{
	race_area = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_t t;
	pthread_create(&t, NULL, locker, NULL);
	int ok = 1;
	for (int i = 0; i < 200; i++) {
		munmap(race_area, 8 * PG);
		char *q = mmap(race_area, 8 * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		ok &= q == race_area;
	}
	stop = 1;
	pthread_join(t, NULL);
	CHECK(ok);
	CHECK(munlock(race_area, 8 * PG) == 0 && vmlck() == 0);
	race_area[0] = 1;
	munmap(race_area, 8 * PG);
}

int main(void)
{
	CHECK(vmlck() == 0);
	char *p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED && resident(p, 16) == 0);
	CHECK(mlock(p, 16 * PG) == 0);
	CHECK(resident(p, 16) == 16);
	CHECK(vmlck() == 64);
	CHECK(munlock(p + 4 * PG, 4 * PG) == 0 && vmlck() == 48);
	CHECK(mprotect(p + 8 * PG, 2 * PG, PROT_READ) == 0 && vmlck() == 48);
	CHECK(munmap(p + 14 * PG, 2 * PG) == 0 && vmlck() == 40);
	CHECK(munlock(p, 16 * PG) == -1 && errno == ENOMEM);	/* a hole at the end */
	CHECK(mlock(p + 12 * PG, 4 * PG) == -1 && errno == ENOMEM);
	CHECK(munlock(p, 14 * PG) == 0 && vmlck() == 0);
	CHECK(mlock(p + 100, 10) == 0 && vmlck() == 4);	/* its page */
	CHECK(munlock(p + 100, 10) == 0 && vmlck() == 0);
	CHECK(mlock(p, 0) == 0 && vmlck() == 0);
	uintptr_t wrap = (uintptr_t)0 - (uintptr_t)p + 2 * PG;
	CHECK(mlock(p, wrap) == -1 && errno == EINVAL);
	CHECK(mlock((void *)PG, PG) == -1 && errno == ENOMEM);	/* nothing mapped */
	CHECK(mlock2_(p, PG, 2) == -1 && errno == EINVAL);
	munmap(p, 14 * PG);

	/* MLOCK_ONFAULT: locked, not faulted in */
	p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mlock2_(p, 8 * PG, 1) == 0 && vmlck() == 32 && resident(p, 8) == 0);
	p[0] = 1;
	CHECK(resident(p, 8) == 1);
	CHECK(munlock(p, 8 * PG) == 0 && vmlck() == 0);

	/* mlockall */
	CHECK(mlockall(0) == -1 && errno == EINVAL);
	CHECK(mlockall(MCL_ONFAULT) == -1 && errno == EINVAL);
	CHECK(mlockall(MCL_CURRENT | 8) == -1 && errno == EINVAL);
	CHECK(mlockall(MCL_CURRENT | MCL_FUTURE) == 0 && vmlck() > 32);
	CHECK(resident(p + PG, 7) == 7);
	char *q = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(q != MAP_FAILED && resident(q, 4) == 4);
	pid_t c = fork();
	if (c == 0)
		_exit(vmlck() == 0 ? 0 : 1);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(munlockall() == 0 && vmlck() == 0);
	munmap(q, 4 * PG);
	q = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(resident(q, 4) == 0);	/* MCL_FUTURE is gone too */

	/* RLIMIT_MEMLOCK for a user */
	c = fork();
	if (c == 0) {
		struct rlimit r = { 2 * PG, 2 * PG };
		if (setrlimit(RLIMIT_MEMLOCK, &r) || setuid(1000))
			_exit(3);
		int bad = 0;
		bad |= mlock(p, PG) != 0;
		bad |= (mlock(p, 3 * PG) != -1 || errno != ENOMEM) << 1;
		bad |= mlock(p, 2 * PG) != 0 ? 4 : 0;	/* the locked page counts once */
		bad |= (mlockall(MCL_CURRENT) != -1 || errno != ENOMEM) << 3;
		r.rlim_cur = 0;
		setrlimit(RLIMIT_MEMLOCK, &r);
		bad |= (mlock(p + 4 * PG, PG) != -1 || errno != EPERM) << 4;
		bad |= munlock(p, 8 * PG) != 0 ? 32 : 0;
		_exit(bad);
	}
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	race();
	return check_done();
}
