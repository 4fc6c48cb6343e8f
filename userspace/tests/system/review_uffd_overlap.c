#define _GNU_SOURCE
/*
 * Review probe: UFFDIO_COPY whose source overlaps its destination.
 * Linux's mfill refuses it at once (EINVAL: "src < dst + len && dst <
 * src + len"). Alloy's uffd_copy (kernel/mm/userfaultfd.c) only checks
 * that src + len does not wrap; fill() then copy_from_user()s the source,
 * which faults on the registered missing range of the same context, and
 * the ioctl waits for a handler that is the caller itself: the thread
 * hangs until a signal (with a full userfaultfd, i.e. CAP_SYS_PTRACE; a
 * UFFD_USER_MODE_ONLY one gets EFAULT at once, which userfaultfd.c tests).
 * An alarm bounds the wait here.
 */
#define TEST_NAME "review_uffd_overlap"
#include "check.h"
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#define UFFD_API 0xAAULL
#define UFFDIO_API 0xc018aa3f
#define UFFDIO_REGISTER 0xc020aa00
#define UFFDIO_COPY 0xc028aa03
#define UFFDIO_REGISTER_MODE_MISSING 1ULL
#define PG 4096UL
struct uffdio_api { uint64_t api, features, ioctls; };
struct uffdio_register { uint64_t start, len, mode, ioctls; };
struct uffdio_copy { uint64_t dst, src, len, mode; int64_t copy; };

static void on_alarm(int s) { (void)s; }

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
	int fd = (int)syscall(323, 0);	/* full: faults of kernel copies too */
	CHECK(fd >= 0);
	struct uffdio_api api = { .api = UFFD_API };
	CHECK(ioctl(fd, UFFDIO_API, &api) == 0);
	char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	struct uffdio_register r = { (uintptr_t)p, 3 * PG, UFFDIO_REGISTER_MODE_MISSING, 0 };
	CHECK(ioctl(fd, UFFDIO_REGISTER, &r) == 0);
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	alarm(3);
	double t0 = now();
	struct uffdio_copy c = { (uintptr_t)p, (uintptr_t)(p + PG), 2 * PG, 0, 12345 };
	errno = 0;
	int rc = ioctl(fd, UFFDIO_COPY, &c);
	int e = errno;
	double dt = now() - t0;
	alarm(0);
	fprintf(stderr, "overlapping UFFDIO_COPY: rc %d errno %d (%s) copy %lld after %.2f s\n",
		rc, e, errname(e), (long long)c.copy, dt);
	errno = e;
	CHECK(rc == -1 && e == EINVAL);		/* Linux */
	CHECK(dt < 1.0);			/* not a wait on oneself */
	return check_done();
}
