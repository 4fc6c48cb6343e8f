/*
 * Scheduling calls: CPU affinity is honoured (getcpu over many yields,
 * with another process competing; a running process moved when its mask
 * changes; fork inherits it; a mask of no online CPU is EINVAL), nice
 * values and policies are kept with Linux's errnos and permissions,
 * membarrier's commands, and the CPU time getrusage, times and wait4
 * report grows with CPU work, not with sleep.
 */
#define _GNU_SOURCE
#define TEST_NAME "sched_calls"
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static int ncpus;
static uint64_t online;

static int getcpu_raw(void)
{
	unsigned int cpu = ~0u, node = ~0u;

	if (syscall(SYS_getcpu, &cpu, &node, NULL) || node != 0)
		return -1;
	return (int)cpu;
}

static long setaff(pid_t pid, uint64_t mask)
{
	return syscall(SYS_sched_setaffinity, (long)pid, sizeof(mask), &mask);
}

static uint64_t getaff(pid_t pid)
{
	uint64_t mask = 0;

	return syscall(SYS_sched_getaffinity, (long)pid, sizeof(mask), &mask) == 8 ? mask : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void spin(int n)
{
	for (volatile int i = 0; i < n; i++)
		;
}

/* A process that burns CPU until killed, to compete for the CPUs. */
static pid_t hog(void)
{
	pid_t pid = fork();

	if (pid == 0)
		for (;;)
			spin(1000000);
	return pid;
}

/* Pinned to each CPU in turn: every getcpu over many yields says so. */
static void affinity_pinning(void)
{
	pid_t h = hog();

	for (int c = 0; c < ncpus; c++) {
		CHECK(setaff(0, 1ULL << c) == 0);
		CHECK(getaff(0) == 1ULL << c);
		int bad = 0;
		for (int i = 0; i < 100; i++) {
			if (getcpu_raw() != c)
				bad++;
			if (i % 3 == 0)
				spin(20000);
			sched_yield();
		}
		CHECK(bad == 0);
		if (bad)
			fprintf(stderr, "sched_calls: cpu %d: %d of 100 elsewhere\n", c, bad);
	}
	/* fork inherits the mask */
	int last = ncpus - 1;
	CHECK(setaff(0, 1ULL << last) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		int bad = getaff(0) != 1ULL << last;
		for (int i = 0; i < 100; i++) {
			bad |= getcpu_raw() != last;
			sched_yield();
		}
		_exit(bad);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(setaff(0, online) == 0 && getaff(0) == online);
	kill(h, SIGKILL);
	waitpid(h, NULL, 0);
}

/* A running process whose mask another changes leaves its CPU. */
static void affinity_move_other(void)
{
	if (ncpus < 2)
		return;
	volatile int *seen = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(seen != MAP_FAILED);
	if (seen == MAP_FAILED)
		return;
	seen[0] = -1;
	pid_t pid = fork();
	if (pid == 0) {
		setaff(0, 1);
		for (;;) {	/* never yields or sleeps: must be preempted off */
			seen[0] = getcpu_raw();
			spin(1000);
		}
	}
	double t0 = now();
	while (seen[0] != 0 && now() - t0 < 10)
		sched_yield();
	CHECK(seen[0] == 0);
	int target = ncpus - 1;
	CHECK(setaff(pid, 1ULL << target) == 0);
	CHECK(getaff(pid) == 1ULL << target);
	t0 = now();
	while (seen[0] != target && now() - t0 < 10)
		sched_yield();
	CHECK(seen[0] == target);
	/* and stays there */
	int stray = 0;
	for (int i = 0; i < 200; i++) {
		if (seen[0] != target)
			stray++;
		sched_yield();
	}
	CHECK(stray == 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void affinity_errors(void)
{
	uint64_t m;

	errno = 0;
	CHECK(setaff(0, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(setaff(0, 1ULL << 63) == -1 && errno == EINVAL);	/* no such CPU */
	if (ncpus < 64) {
		errno = 0;
		CHECK(setaff(0, ~online) == -1 && errno == EINVAL);
	}
	CHECK(getaff(0) == online);	/* unchanged by the failures */
	errno = 0;
	CHECK(syscall(SYS_sched_getaffinity, 0L, 4L, &m) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(syscall(SYS_sched_getaffinity, 0L, 12L, &m) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(setaff(0x7ffffff0, 1) == -1 && errno == ESRCH);
	/* a longer mask with extra bits beyond CPU 63 is fine */
	uint64_t big[4] = { online, ~0ULL, ~0ULL, ~0ULL };
	CHECK(syscall(SYS_sched_setaffinity, 0L, sizeof(big), big) == 0);
	CHECK(getaff(0) == online);
	errno = 0;
	CHECK(syscall(SYS_getcpu, (void *)8, NULL, NULL) == -1 && errno == EFAULT);
	CHECK(syscall(SYS_getcpu, NULL, NULL, NULL) == 0);
}

static int nice_user(void)
{
	if (setresuid(1000, 1000, 1000))
		return 2;
	if (setpriority(PRIO_PROCESS, 0, 15) || getpriority(PRIO_PROCESS, 0) != 15)
		return 3;	/* raising nice: anyone's own */
	errno = 0;
	if (setpriority(PRIO_PROCESS, 0, 9) != -1 || errno != EACCES)
		return 4;	/* lowering it: root's */
	errno = 0;
	if (setpriority(PRIO_PROCESS, 1, 19) != -1 || errno != EPERM)
		return 5;	/* someone else's */
	errno = 0;
	if (setaff(1, 1) != -1 || errno != EPERM)
		return 7;	/* someone else's affinity */
	if (getaff(1) == 0)
		return 8;	/* reading it is allowed */
	struct sched_param sp = { .sched_priority = 10 };
	errno = 0;
	if (syscall(SYS_sched_setscheduler, 0L, (long)SCHED_FIFO, &sp) != -1 || errno != EPERM)
		return 6;
	return 0;
}

static void priorities(void)
{
	errno = 0;
	CHECK(getpriority(PRIO_PROCESS, 0) == 0 && errno == 0);
	CHECK(setpriority(PRIO_PROCESS, 0, 10) == 0);
	CHECK(getpriority(PRIO_PROCESS, 0) == 10);
	CHECK(setpriority(PRIO_PROCESS, 0, 1000) == 0 && getpriority(PRIO_PROCESS, 0) == 19);
	CHECK(setpriority(PRIO_PROCESS, 0, -1000) == 0 && getpriority(PRIO_PROCESS, 0) == -20);
	CHECK(setpriority(PRIO_PROCESS, getpid(), 10) == 0);
	CHECK(nice(2) == 12);
	errno = 0;
	CHECK(getpriority(7, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(setpriority(PRIO_PROCESS, 0x7ffffff0, 1) == -1 && errno == ESRCH);
	errno = 0;
	CHECK(getpriority(PRIO_USER, 4242) == -1 && errno == ESRCH);
	/* a child inherits the nice value; the group and user walks find it */
	pid_t pid = fork();
	if (pid == 0) {
		_exit(getpriority(PRIO_PROCESS, 0) != 12);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(setpriority(PRIO_PGRP, 0, 3) == 0 && getpriority(PRIO_PROCESS, 0) == 3);
	CHECK(getpriority(PRIO_USER, 0) <= 3);
	CHECK(setpriority(PRIO_PGRP, 0, 0) == 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0)
		_exit(nice_user());
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		fprintf(stderr, "sched_calls: nice_user %d\n", WEXITSTATUS(st));
	CHECK(getpriority(PRIO_PROCESS, 0) == 0);	/* the child's changes were its own */

	/* policies */
	struct sched_param sp = { .sched_priority = 0 };
	/* raw calls: musl's sched_getscheduler & co. are ENOSYS stubs */
	CHECK(syscall(SYS_sched_getscheduler, 0L) == SCHED_OTHER);
	CHECK(sched_get_priority_max(SCHED_FIFO) == 99 && sched_get_priority_min(SCHED_FIFO) == 1);
	CHECK(sched_get_priority_max(SCHED_RR) == 99 && sched_get_priority_min(SCHED_RR) == 1);
	CHECK(sched_get_priority_max(SCHED_OTHER) == 0 && sched_get_priority_min(SCHED_BATCH) == 0);
	errno = 0;
	CHECK(sched_get_priority_max(42) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(sched_get_priority_min(-1) == -1 && errno == EINVAL);
	sp.sched_priority = 50;
	CHECK(syscall(SYS_sched_setscheduler, 0L, (long)SCHED_FIFO, &sp) == 0);
	CHECK(syscall(SYS_sched_getscheduler, 0L) == SCHED_FIFO);
	sp.sched_priority = 0;
	CHECK(syscall(SYS_sched_getparam, 0L, &sp) == 0 && sp.sched_priority == 50);
	sp.sched_priority = 70;
	CHECK(syscall(SYS_sched_setparam, 0L, &sp) == 0);
	CHECK(syscall(SYS_sched_getparam, 0L, &sp) == 0 && sp.sched_priority == 70);
	sp.sched_priority = 100;
	errno = 0;
	CHECK(syscall(SYS_sched_setparam, 0L, &sp) == -1 && errno == EINVAL);
	sp.sched_priority = 0;
	errno = 0;
	CHECK(syscall(SYS_sched_setscheduler, 0L, (long)SCHED_RR, &sp) == -1 && errno == EINVAL);
	sp.sched_priority = 1;
	errno = 0;
	CHECK(syscall(SYS_sched_setscheduler, 0L, (long)SCHED_OTHER, &sp) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(syscall(SYS_sched_setscheduler, 0L, 17L, &sp) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(syscall(SYS_sched_setscheduler, -1L, (long)SCHED_OTHER, &sp) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(syscall(SYS_sched_setscheduler, 0L, (long)SCHED_OTHER, NULL) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(syscall(SYS_sched_getscheduler, 0x7ffffff0L) == -1 && errno == ESRCH);
	CHECK(syscall(SYS_sched_getscheduler, 0L) == SCHED_FIFO);	/* failures changed nothing */
	sp.sched_priority = 0;
	CHECK(syscall(SYS_sched_setscheduler, 0L, (long)SCHED_OTHER, &sp) == 0);
	CHECK(syscall(SYS_sched_getscheduler, 0L) == SCHED_OTHER);
}

#define MB_QUERY 0
#define MB_GLOBAL 1
#define MB_PRIV 8
#define MB_REG_PRIV 16

static void membarriers(void)
{
	long q = syscall(SYS_membarrier, MB_QUERY, 0, 0);

	CHECK(q > 0 && (q & MB_PRIV) && (q & MB_REG_PRIV) && (q & MB_GLOBAL));
	errno = 0;
	CHECK(syscall(SYS_membarrier, MB_PRIV, 0, 0) == -1 && errno == EPERM);
	CHECK(syscall(SYS_membarrier, MB_REG_PRIV, 0, 0) == 0);
	CHECK(syscall(SYS_membarrier, MB_PRIV, 0, 0) == 0);
	CHECK(syscall(SYS_membarrier, MB_GLOBAL, 0, 0) == 0);
	errno = 0;
	CHECK(syscall(SYS_membarrier, MB_PRIV, 1, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(syscall(SYS_membarrier, 1 << 20, 0, 0) == -1 && errno == EINVAL);
	/* a new program has not registered */
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { "sched_calls", "membarrier-exec", NULL };
		execv("/proc/self/exe", argv);
		_exit(99);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static double tv(struct timeval t)
{
	return t.tv_sec + t.tv_usec / 1e6;
}

static long long us(struct timeval t)
{
	return t.tv_sec * 1000000LL + t.tv_usec;
}

static double cpu_self(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return tv(ru.ru_utime) + tv(ru.ru_stime);
}

/* Burns CPU until getrusage says `secs` more were used (10 s at most). */
static double burn(double secs)
{
	double start = cpu_self(), t0 = now();

	while (cpu_self() - start < secs && now() - t0 < 10)
		spin(100000);
	return cpu_self() - start;
}

static void usage(void)
{
	struct rusage ru;
	struct tms tm;

	CHECK(getrusage(RUSAGE_SELF, &ru) == 0);
	CHECK(getrusage(RUSAGE_THREAD, &ru) == 0);
	errno = 0;
	CHECK(getrusage(5, &ru) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(getrusage(RUSAGE_SELF, (void *)8) == -1 && errno == EFAULT);

	double before = cpu_self();
	CHECK(burn(0.3) >= 0.3);	/* times out (and fails) if it never grows */
	CHECK(getrusage(RUSAGE_SELF, &ru) == 0 && tv(ru.ru_utime) >= 0.2);
	CHECK(ru.ru_maxrss > 0);
	double mid = cpu_self();
	usleep(300000);
	CHECK(cpu_self() - mid < 0.1);	/* sleeping is no CPU time */
	CHECK(mid - before >= 0.299);	/* 1 ms for rounding */

	/* children: nothing until reaped, then the child's time (and its
	 * reaped children's) in RUSAGE_CHILDREN, times() and wait4 */
	struct rusage c0;
	CHECK(getrusage(RUSAGE_CHILDREN, &c0) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0)
			_exit(burn(0.3) < 0.3);
		int st;
		if (waitpid(g, &st, 0) != g || !WIFEXITED(st) || WEXITSTATUS(st))
			_exit(2);
		_exit(burn(0.3) < 0.3 ? 3 : 0);
	}
	int st;
	struct rusage wr;
	memset(&wr, 0, sizeof(wr));
	CHECK(wait4(pid, &st, 0, &wr) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(tv(wr.ru_utime) + tv(wr.ru_stime) >= 0.599);
	struct rusage c1;
	CHECK(getrusage(RUSAGE_CHILDREN, &c1) == 0);
	/* exactly what wait4 reported (in microseconds: no rounding) */
	long long got = us(c1.ru_utime) + us(c1.ru_stime) - us(c0.ru_utime) - us(c0.ru_stime);
	CHECK(got == us(wr.ru_utime) + us(wr.ru_stime));
	if (got != us(wr.ru_utime) + us(wr.ru_stime))
		fprintf(stderr, "sched_calls: children %.3f -> %.3f, wait4 said %.3f\n",
			tv(c0.ru_utime) + tv(c0.ru_stime), tv(c1.ru_utime) + tv(c1.ru_stime),
			tv(wr.ru_utime) + tv(wr.ru_stime));
	clock_t t = times(&tm);
	CHECK(t != (clock_t)-1);
	long hz = sysconf(_SC_CLK_TCK);
	CHECK((double)(tm.tms_cutime + tm.tms_cstime) / hz >= 0.59);
	CHECK((double)(tm.tms_utime + tm.tms_stime) / hz >= 0.29);
	/* a child that burned and is exiting (its pipe end closed) counts
	 * nothing until it is reaped */
	int p[2];
	CHECK(pipe(p) == 0);
	pid = fork();
	if (pid == 0)
		_exit(burn(0.2) < 0.2);
	close(p[1]);
	char c;
	CHECK(read(p[0], &c, 1) == 0);
	close(p[0]);
	CHECK(getrusage(RUSAGE_CHILDREN, &c0) == 0);
	CHECK(us(c0.ru_utime) + us(c0.ru_stime) == us(c1.ru_utime) + us(c1.ru_stime));
	CHECK(waitpid(pid, &st, 0) == pid);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "membarrier-exec")) {
		errno = 0;
		return syscall(SYS_membarrier, MB_PRIV, 0, 0) == -1 && errno == EPERM ? 0 : 1;
	}
	online = getaff(0);
	ncpus = __builtin_popcountll(online);
	CHECK(online != 0 && online == (1ULL << ncpus) - 1);
	CHECK(ncpus == sysconf(_SC_NPROCESSORS_ONLN));
	affinity_errors();
	affinity_pinning();
	affinity_move_other();
	priorities();
	membarriers();
	usage();
	if (!failures)
		fprintf(stderr, "sched_calls: ok (%d CPUs)\n", ncpus);
	return check_done();
}
