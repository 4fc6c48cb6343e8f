#define _GNU_SOURCE
/*
 * The simple syscalls, checked against Linux semantics. Each failed check
 * exits with its own code; 42 means all passed.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>

static long long ns(clockid_t c)
{
	struct timespec ts;

	if (clock_gettime(c, &ts))
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
	struct utsname u;
	if (uname(&u) || strcmp(u.sysname, "Linux") || strcmp(u.machine, "x86_64"))
		return 1;

	long long m0 = ns(CLOCK_MONOTONIC), r0 = ns(CLOCK_REALTIME);
	if (m0 < 0 || r0 < 1577836800LL * 1000000000LL)	/* after 2020 */
		return 2;
	struct timeval tv;
	if (gettimeofday(&tv, 0) || tv.tv_sec < r0 / 1000000000LL - 1 ||
	    tv.tv_sec > r0 / 1000000000LL + 5)
		return 3;

	struct timespec req = { 0, 20000000 };	/* 20 ms */
	if (nanosleep(&req, 0))
		return 4;
	long long m1 = ns(CLOCK_MONOTONIC);
	if (m1 - m0 < 20000000LL || m1 - m0 > 2000000000LL)
		return 5;
	struct timespec bad = { 0, 1000000000 };
	if (nanosleep(&bad, 0) != -1 || errno != EINVAL)
		return 6;
	if (clock_gettime((clockid_t)99, &req) != -1 || errno != EINVAL)
		return 7;

	if (sched_yield() || getuid() || geteuid() || getgid() || getegid())
		return 8;
	if (umask(077) != 022 || umask(022) != 077)
		return 9;

	unsigned char a[64], b[64], zero[64] = { 0 };
	if (getrandom(a, sizeof(a), 0) != sizeof(a) || getrandom(b, sizeof(b), 0) != sizeof(b))
		return 10;
	if (!memcmp(a, zero, sizeof(a)) || !memcmp(a, b, sizeof(a)))
		return 11;
	if (getrandom(a, 8, 0x80) != -1 || errno != EINVAL)
		return 12;

	struct rlimit rl;
	if (getrlimit(RLIMIT_STACK, &rl) || rl.rlim_cur != 8 << 20)
		return 13;

	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) || CPU_COUNT(&set) < 1)
		return 14;

	/* rseq may say ENOSYS (Alloy) or reject the NULL area (Linux) */
	if (syscall(SYS_rseq, 0, 0, 0, 0) != -1 || (errno != ENOSYS && errno != EINVAL))
		return 15;
	return 42;
}
