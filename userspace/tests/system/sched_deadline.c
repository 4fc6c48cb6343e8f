#define _GNU_SOURCE
/*
 * sched_deadline: SCHED_DEADLINE is a real scheduling class (docs/sched.md),
 * checked from the attacker's side.
 *
 *  - hostile sched_attr: sizes below SCHED_ATTR_SIZE_VER0, above the
 *    kernel's with a non-zero tail (E2BIG, size written back), runtime 0
 *    or under 1024 ns, deadline 0, runtime > deadline > period, periods
 *    past sched_deadline_period_max_us or with the top bit set, unknown
 *    flags; the limits are the sysctls';
 *  - sched_getattr returns what was set (period 0 reads as the deadline);
 *    sched_setparam/setscheduler cannot give the class parameters;
 *  - admission: tasks of 50% each are admitted up to 95% of every CPU,
 *    the next is EBUSY; leaving the class or dying gives the bandwidth
 *    back; sched_rt_runtime_us cannot be lowered under what is admitted;
 *  - affinity: a deadline task's mask must cover every CPU (EBUSY), a
 *    pinned task cannot become one (EPERM); fork and pthread_create from
 *    one are EAGAIN unless SCHED_FLAG_RESET_ON_FORK, which gives a fair
 *    child;
 *  - bandwidth: a 10 ms / 100 ms task spinning gets about 10% of a CPU;
 *    sched_yield gives up the rest of a period's runtime;
 *  - deadline spinners (100% each where admission allows) do not starve
 *    fair tasks, pinned to any CPU, forever;
 *  - SCHED_FLAG_DL_OVERRUN sends SIGXCPU when the runtime is overrun;
 *  - a throttled task takes a signal after its replenishment, dies of
 *    SIGKILL, is released at once when set back to SCHED_OTHER, and
 *    threads that exit while throttled (replenishment timers pending)
 *    leave no timer firing on a freed task.
 */
#define TEST_NAME "sched_deadline"
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SCHED_DEADLINE 6
#define FLAG_RESET_ON_FORK 0x01
#define FLAG_RECLAIM 0x02
#define FLAG_DL_OVERRUN 0x04
#define FLAG_KEEP_PARAMS 0x10
#define FLAG_UTIL_CLAMP_MIN 0x20
#define MS 1000000ULL

struct attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

static int ncpus;

static long setattr(long pid, struct attr *a, long flags)
{
	return syscall(SYS_sched_setattr, pid, a, flags);
}

static long getattr(long pid, void *a, long size, long flags)
{
	return syscall(SYS_sched_getattr, pid, a, size, flags);
}

static long set_dl(long pid, uint64_t runtime, uint64_t deadline, uint64_t period, uint64_t flags)
{
	struct attr a = { .size = sizeof(a), .policy = SCHED_DEADLINE, .flags = flags,
			  .runtime = runtime, .deadline = deadline, .period = period };
	return setattr(pid, &a, 0);
}

/* musl's sched_getscheduler and friends are ENOSYS stubs */
static long getsched(long pid)
{
	return syscall(SYS_sched_getscheduler, pid);
}

static long set_other(long pid)
{
	struct attr a = { .size = sizeof(a), .policy = SCHED_OTHER };
	return setattr(pid, &a, 0);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	memset(p, 0, size);
	return p;
}

static int wait_status(pid_t pid)
{
	int st = -1;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

static bool exited_ok(int st)
{
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -999;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atol(buf) : -999;
}

static int write_long(const char *path, long v)
{
	char s[32];
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -1;
	snprintf(s, sizeof(s), "%ld\n", v);
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Field n (1-based, as proc(5) numbers them) of /proc/self/stat. */
static long stat_field(int n)
{
	char buf[1024] = "";
	int fd = open("/proc/thread-self/stat", O_RDONLY);

	if (fd < 0)
		return -999;
	ssize_t len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	char *p = len > 0 ? strrchr(buf, ')') : NULL;
	if (!p)
		return -999;
	p += 2;		/* field 3 */
	for (int i = 3; i < n && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? atol(p) : -999;
}

#define EXPECT_ERR(call, err)						\
	do {								\
		errno = 0;						\
		long r_ = (call);					\
		CHECK(r_ == -1 && errno == (err));			\
		if (r_ != -1 || errno != (err))				\
			fprintf(stderr, TEST_NAME ": line %d: %s gave %ld errno %d, wanted %s\n", \
				__LINE__, #call, r_, errno, #err);	\
	} while (0)

/* A child that sleeps until killed. */
static pid_t sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	wait_status(pid);
}

/* Time actually run over the wall time of a spin of `ns`: gaps between
 * clock reads longer than 200 us are time spent off the CPU; *waits
 * counts those longer than 20 ms. */
static double spin_share_waits(int64_t ns, int *waits)
{
	int64_t start = now_ns(), last = start, ran = 0;

	*waits = 0;
	for (int64_t t = start; t - start < ns; t = now_ns()) {
		if (t - last < 200000)
			ran += t - last;
		else if (t - last > 20 * (int64_t)MS)
			++*waits;
		last = t;
	}
	return (double)ran / (double)(last - start);
}

static double spin_share(int64_t ns)
{
	int waits;

	return spin_share_waits(ns, &waits);
}

/* ---- arguments ---- */

static void bad_arguments(void)
{
	struct attr a;
	unsigned char big[8192];

	/* sizes */
	a = (struct attr){ .size = 8, .policy = SCHED_DEADLINE, .runtime = MS, .deadline = 10 * MS };
	EXPECT_ERR(setattr(0, &a, 0), E2BIG);
	CHECK(a.size == 56);	/* the kernel's size written back */
	a.size = 47;
	EXPECT_ERR(setattr(0, &a, 0), E2BIG);
	memset(big, 0, sizeof(big));
	a = (struct attr){ .size = 100, .policy = SCHED_DEADLINE, .runtime = MS, .deadline = 10 * MS };
	memcpy(big, &a, sizeof(a));
	big[99] = 1;		/* a non-zero byte past what the kernel knows */
	EXPECT_ERR(setattr(0, (struct attr *)big, 0), E2BIG);
	big[99] = 0;
	CHECK(setattr(0, (struct attr *)big, 0) == 0);	/* a zero tail is fine */
	CHECK(set_other(0) == 0);
	((struct attr *)big)->size = 4097;	/* past a page */
	EXPECT_ERR(setattr(0, (struct attr *)big, 0), E2BIG);
	EXPECT_ERR(setattr(0, NULL, 0), EINVAL);
	EXPECT_ERR(setattr(0, (struct attr *)8, 0), EFAULT);

	/* values (Linux's __checkparam_dl) */
	EXPECT_ERR(set_dl(0, 0, 10 * MS, 10 * MS, 0), EINVAL);		/* runtime 0 */
	EXPECT_ERR(set_dl(0, 1023, 10 * MS, 10 * MS, 0), EINVAL);	/* under 1024 ns */
	EXPECT_ERR(set_dl(0, MS, 0, 10 * MS, 0), EINVAL);		/* deadline 0 */
	EXPECT_ERR(set_dl(0, 0, 0, 0, 0), EINVAL);
	EXPECT_ERR(set_dl(0, 20 * MS, 10 * MS, 30 * MS, 0), EINVAL);	/* runtime > deadline */
	EXPECT_ERR(set_dl(0, MS, 40 * MS, 30 * MS, 0), EINVAL);		/* deadline > period */
	EXPECT_ERR(set_dl(0, 50000, 90000, 90000, 0), EINVAL);		/* period < 100 us */
	EXPECT_ERR(set_dl(0, MS, 10 * MS, 4194304001ULL, 0), EINVAL);	/* period > 2^22 us */
	EXPECT_ERR(set_dl(0, MS, 1ULL << 63, 1ULL << 63, 0), EINVAL);	/* top bit */
	EXPECT_ERR(set_dl(0, MS, 10 * MS, ~0ULL, 0), EINVAL);
	EXPECT_ERR(set_dl(0, ~0ULL, ~0ULL, ~0ULL, 0), EINVAL);
	EXPECT_ERR(set_dl(0, ~0ULL >> 1, ~0ULL >> 1, 0, 0), EINVAL);	/* overflowing period */
	EXPECT_ERR(set_dl(0, MS, 10 * MS, 10 * MS, 0x80), EINVAL);	/* no such flag */
	EXPECT_ERR(set_dl(0, MS, 10 * MS, 10 * MS, FLAG_UTIL_CLAMP_MIN), EOPNOTSUPP);
	EXPECT_ERR(set_dl(-1, MS, 10 * MS, 10 * MS, 0), EINVAL);
	EXPECT_ERR(syscall(SYS_sched_setattr, 0L, &a, 1L), EINVAL);	/* flags argument */
	CHECK(getsched(0) == SCHED_OTHER);

	/* the period limits are sysctls; each bounds the other */
	const char *maxp = "/proc/sys/kernel/sched_deadline_period_max_us";
	const char *minp = "/proc/sys/kernel/sched_deadline_period_min_us";
	CHECK(read_long(maxp) == 4194304 && read_long(minp) == 100);
	CHECK(write_long(maxp, 50000) == 0);
	EXPECT_ERR(set_dl(0, MS, 10 * MS, 60 * MS, 0), EINVAL);
	CHECK(write_long(minp, 60000) == -1);	/* above the max */
	CHECK(write_long(maxp, 99) == -1);	/* below the min */
	CHECK(write_long(maxp, 4194304) == 0 && read_long(maxp) == 4194304);
	CHECK(write_long(minp, 20000) == 0);
	EXPECT_ERR(set_dl(0, MS, 10 * MS, 10 * MS, 0), EINVAL);	/* under the min now */
	CHECK(write_long(minp, 100) == 0);

	/* what is set reads back; period 0 is the deadline */
	CHECK(stat_field(18) == 20 && stat_field(41) == SCHED_OTHER);
	CHECK(set_dl(0, 2 * MS, 20 * MS, 0, FLAG_RECLAIM) == 0);
	CHECK(getsched(0) == SCHED_DEADLINE);
	/* /proc's priority (Linux's -101), rt_priority and policy */
	CHECK(stat_field(18) == -101 && stat_field(40) == 0 && stat_field(41) == SCHED_DEADLINE);
	memset(&a, 0xff, sizeof(a));
	CHECK(getattr(0, &a, sizeof(a), 0) == 0);
	CHECK(a.size == sizeof(a) && a.policy == SCHED_DEADLINE && a.runtime == 2 * MS &&
	      a.deadline == 20 * MS && a.period == 20 * MS && a.flags == FLAG_RECLAIM &&
	      a.priority == 0 && a.nice == 0);
	struct sched_param sp = { .sched_priority = 0 };
	EXPECT_ERR(syscall(SYS_sched_setparam, 0L, &sp), EINVAL);	/* no deadline parameters in it */
	sp.sched_priority = -1;
	CHECK(syscall(SYS_sched_getparam, 0L, &sp) == 0 && sp.sched_priority == 0);
	struct timespec ts = { 1, 1 };
	CHECK(sched_rr_get_interval(0, &ts) == 0 && ts.tv_sec == 0 && ts.tv_nsec == 0);
	/* KEEP_PARAMS keeps the deadline parameters */
	a = (struct attr){ .size = sizeof(a), .policy = SCHED_DEADLINE, .flags = FLAG_KEEP_PARAMS };
	CHECK(setattr(0, &a, 0) == 0);
	CHECK(getattr(0, &a, sizeof(a), 0) == 0 && a.runtime == 2 * MS && a.period == 20 * MS);
	/* new parameters, with reset-on-fork */
	CHECK(set_dl(0, 3 * MS, 10 * MS, 30 * MS, FLAG_RESET_ON_FORK) == 0);
	CHECK(getattr(0, &a, sizeof(a), 0) == 0 && a.runtime == 3 * MS &&
	      a.deadline == 10 * MS && a.period == 30 * MS && a.flags == FLAG_RESET_ON_FORK);
	CHECK(getsched(0) == (SCHED_DEADLINE | 0x40000000));
	CHECK(set_other(0) == 0 && getsched(0) == SCHED_OTHER);
	CHECK(getattr(0, &a, sizeof(a), 0) == 0 && a.runtime == 0 && a.period == 0);
}

/* ---- admission ---- */

#define HALF_RUNTIME (50 * MS)
#define HALF_PERIOD (100 * MS)

static void admission(void)
{
	pid_t kids[2 * 64 + 2];
	int admitted = 0, expect = (int)(ncpus * 95 / 50);	/* 50% each within 95% per CPU */
	const char *rtp = "/proc/sys/kernel/sched_rt_runtime_us";

	CHECK(read_long(rtp) == 950000);
	for (int i = 0; i < expect + 1 && i < (int)(sizeof(kids) / sizeof(kids[0])); i++) {
		kids[i] = sleeper();
		errno = 0;
		long r = set_dl(kids[i], HALF_RUNTIME, HALF_PERIOD, HALF_PERIOD, 0);
		if (r == 0)
			admitted++;
		else
			CHECK(errno == EBUSY);
	}
	CHECK(admitted == expect);
	if (admitted != expect)
		fprintf(stderr, TEST_NAME ": %d cpus: %d admitted, wanted %d\n", ncpus, admitted,
			expect);
	pid_t extra = kids[expect];
	/* the admitted ones need more than 40%: sched_rt_runtime_us cannot drop
	 * under it; -1 lifts the limit, and 95% again is fine */
	CHECK(write_long(rtp, 400000) == -1 && errno == EBUSY);
	CHECK(read_long(rtp) == 950000);
	CHECK(write_long(rtp, -1) == 0);
	CHECK(set_dl(extra, HALF_RUNTIME, HALF_PERIOD, HALF_PERIOD, 0) == 0);
	CHECK(write_long(rtp, 950000) == -1 && errno == EBUSY);	/* now over */
	CHECK(set_other(extra) == 0);			/* gives it back */
	CHECK(write_long(rtp, 950000) == 0);
	/* leaving the class gives the bandwidth back at once */
	EXPECT_ERR(set_dl(extra, HALF_RUNTIME, HALF_PERIOD, HALF_PERIOD, 0), EBUSY);
	CHECK(set_other(kids[0]) == 0);
	CHECK(set_dl(extra, HALF_RUNTIME, HALF_PERIOD, HALF_PERIOD, 0) == 0);
	EXPECT_ERR(set_dl(kids[0], HALF_RUNTIME, HALF_PERIOD, HALF_PERIOD, 0), EBUSY);
	/* a smaller bandwidth for an admitted task always fits */
	CHECK(set_dl(extra, MS, HALF_PERIOD, HALF_PERIOD, 0) == 0);
	/* dying gives it back (once the task is off its CPU: retry a while) */
	reap(extra);
	long r = -1;
	for (int i = 0; i < 100 && r; i++) {
		r = set_dl(kids[0], HALF_RUNTIME, HALF_PERIOD, HALF_PERIOD, 0);
		if (r)
			usleep(10000);
	}
	CHECK(r == 0);
	for (int i = 0; i < expect; i++)
		reap(kids[i]);
	/* all of it back: as many again */
	admitted = 0;
	for (int i = 0; i < expect; i++) {
		kids[i] = sleeper();
		for (int k = 0; k < 100; k++) {
			if (set_dl(kids[i], HALF_RUNTIME, HALF_PERIOD, HALF_PERIOD, 0) == 0) {
				admitted++;
				break;
			}
			usleep(10000);	/* the reaped ones leaving their CPUs */
		}
	}
	CHECK(admitted == expect);
	for (int i = 0; i < expect; i++)
		reap(kids[i]);
}

static void *thread_nop(void *arg)
{
	return arg;
}

static void affinity_and_fork(void)
{
	cpu_set_t one, all;

	CPU_ZERO(&one);
	CPU_SET(ncpus - 1, &one);
	CHECK(sched_getaffinity(0, sizeof(all), &all) == 0);
	if (ncpus > 1) {
		/* a pinned task cannot become a deadline one */
		CHECK(sched_setaffinity(0, sizeof(one), &one) == 0);
		EXPECT_ERR(set_dl(0, MS, 10 * MS, 10 * MS, 0), EPERM);
		CHECK(sched_setaffinity(0, sizeof(all), &all) == 0);
	}
	CHECK(set_dl(0, 5 * MS, 50 * MS, 50 * MS, 0) == 0);
	if (ncpus > 1)	/* nor be pinned */
		EXPECT_ERR(sched_setaffinity(0, sizeof(one), &one), EBUSY);
	CHECK(sched_setaffinity(0, sizeof(all), &all) == 0);

	/* fork, vfork-like clones and threads: EAGAIN */
	EXPECT_ERR(fork(), EAGAIN);
	pthread_t th;
	CHECK(pthread_create(&th, NULL, thread_nop, NULL) == EAGAIN);
	CHECK(getsched(0) == SCHED_DEADLINE);

	/* with reset-on-fork: a fair child with nothing to reset */
	CHECK(set_dl(0, 5 * MS, 50 * MS, 50 * MS, FLAG_RESET_ON_FORK) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct attr a;
		if (getsched(0) != SCHED_OTHER)
			_exit(3);
		if (getattr(0, &a, sizeof(a), 0) || a.flags || a.runtime || a.nice)
			_exit(4);
		_exit(0);
	}
	CHECK(pid > 0 && exited_ok(wait_status(pid)));
	CHECK(pthread_create(&th, NULL, thread_nop, NULL) == 0 && pthread_join(th, NULL) == 0);
	CHECK(set_other(0) == 0);
}

/* ---- bandwidth ---- */

static void ten_percent(void)
{
	/* A deadline task cannot be pinned, but it is alone in its class, so
	 * wherever it runs it gets its reservation. Its runtime is charged
	 * by the guest's clock, which also runs while the host keeps the
	 * virtual CPU off its own CPUs (TCG on a loaded host): the share is
	 * taken relative to what a fair spinner sees just before. */
	/* The host's pauses are charged too, as run time of whatever runs:
	 * one that lasts past a period costs the deadline task that period.
	 * On a loaded host several periods in a row can go that way: so at
	 * most about 10%, and runs in several periods. */
	int waits;
	double base = spin_share(500 * MS);
	CHECK(set_dl(0, 10 * MS, 100 * MS, 100 * MS, 0) == 0);
	double s = spin_share_waits(1000 * MS, &waits);
	double rel = base > 0 ? s / base : 0;
	fprintf(stderr, TEST_NAME ": 10 ms / 100 ms spinning: %.1f%% of a CPU (%.1f%% of a fair "
		"spinner's %.1f%%), throttled %d times in 1 s\n", s * 100, rel * 100, base * 100,
		waits);
	CHECK(s < 0.25 && rel > 0.02 && rel < 0.35);
	CHECK(waits >= 3 && waits <= 12);
	/* sched_yield gives up the rest of the period: yielding after each
	 * 1 ms of running, it runs about 1 ms a period */
	int64_t start = now_ns(), ran = 0, runs = 0;
	while (now_ns() - start < 500 * MS) {
		int64_t t0 = now_ns(), t = t0, last = t0;
		while ((t = now_ns()) - t0 < (int64_t)MS) {
			if (t - last < 200000)
				ran += t - last;
			last = t;
		}
		runs++;
		sched_yield();
	}
	double y = (double)ran / (double)(now_ns() - start);
	fprintf(stderr, TEST_NAME ": yielding after 1 ms: %.1f%% of a CPU in %lld runs\n",
		y * 100, (long long)runs);
	CHECK(y < 0.05 && runs >= 2 && runs <= 10);
	CHECK(set_other(0) == 0);
}

/* Deadline spinners, 100% each as far as admission allows (90% on one
 * CPU), while a fair task pinned to each CPU must get work done: real-time
 * throttling leaves fair tasks 5% of every CPU (of a 100 ms period here,
 * to be quick; the ratio, and so admission, is unchanged). */
static void no_starvation(void)
{
	int n = ncpus > 1 ? ncpus * 95 / 100 : 1;
	uint64_t runtime = ncpus > 1 ? 100 * MS : 90 * MS;
	const char *rtp = "/proc/sys/kernel/sched_rt_period_us";
	const char *rtr = "/proc/sys/kernel/sched_rt_runtime_us";
	pid_t spin[64], fair[64];
	volatile int *ready = shared(4096);

	CHECK(write_long(rtr, 95000) == 0 && write_long(rtp, 100000) == 0);
	for (int i = 0; i < n; i++) {
		spin[i] = fork();
		if (spin[i] == 0) {
			if (set_dl(0, runtime, 100 * MS, 100 * MS, 0))
				_exit(1);
			__atomic_add_fetch(ready, 1, __ATOMIC_SEQ_CST);
			for (;;)
				;
		}
	}
	int64_t t0 = now_ns();
	while (__atomic_load_n(ready, __ATOMIC_SEQ_CST) < n && now_ns() - t0 < 5000 * MS)
		usleep(1000);
	CHECK(*ready == n);
	int64_t start = now_ns();
	for (int c = 0; c < ncpus; c++) {
		fair[c] = fork();
		if (fair[c] == 0) {
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET(c, &one);
			if (sched_setaffinity(0, sizeof(one), &one))
				_exit(2);
			for (int k = 0; k < 3; k++)
				usleep(2000);
			_exit(0);
		}
	}
	for (int c = 0; c < ncpus; c++)
		CHECK(fair[c] > 0 && exited_ok(wait_status(fair[c])));
	int64_t took = now_ns() - start;
	fprintf(stderr, TEST_NAME ": a fair task on each CPU with %d deadline spinners: all done "
		"in %lld ms\n", n, (long long)(took / MS));
	CHECK(took < 20000 * (int64_t)MS);	/* well under a second expected */
	for (int i = 0; i < n; i++)
		reap(spin[i]);
	CHECK(write_long(rtp, 1000000) == 0 && write_long(rtr, 950000) == 0);
}

/* ---- throttled tasks ---- */

static volatile int64_t *stamp;

static void on_usr1(int sig)
{
	(void)sig;
	stamp[1] = now_ns();
}

static void on_xcpu(int sig)
{
	(void)sig;
	stamp[2]++;
}

static void throttled_signals(void)
{
	stamp = shared(4096);
	/* SCHED_FLAG_DL_OVERRUN: SIGXCPU at each overrun of the runtime */
	pid_t ov = fork();
	if (ov == 0) {
		signal(SIGXCPU, on_xcpu);
		if (set_dl(0, MS, 50 * MS, 50 * MS, FLAG_DL_OVERRUN))
			_exit(1);
		int64_t t0 = now_ns();
		while (now_ns() - t0 < 500 * (int64_t)MS && stamp[2] < 2)
			;
		_exit(stamp[2] >= 2 ? 0 : 3);
	}
	CHECK(exited_ok(wait_status(ov)));
	fprintf(stderr, TEST_NAME ": SIGXCPU for overruns: %lld\n", (long long)stamp[2]);
	/* without the flag: none */
	stamp[2] = 0;
	ov = fork();
	if (ov == 0) {
		signal(SIGXCPU, on_xcpu);
		if (set_dl(0, MS, 50 * MS, 50 * MS, 0))
			_exit(1);
		int64_t t0 = now_ns();
		while (now_ns() - t0 < 200 * (int64_t)MS)
			;
		_exit(stamp[2] ? 3 : 0);
	}
	CHECK(exited_ok(wait_status(ov)));

	/* 5 ms every 500 ms: throttled almost all the time */
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGUSR1, on_usr1);
		if (set_dl(0, 5 * MS, 500 * MS, 500 * MS, 0))
			_exit(1);
		for (;;)
			stamp[0] = now_ns();
	}
	usleep(100000);
	int64_t sent = now_ns();
	CHECK(kill(pid, SIGUSR1) == 0);
	while (!stamp[1] && now_ns() - sent < 3000 * MS)
		usleep(5000);
	CHECK(stamp[1] != 0);	/* handled, at its next runtime */
	fprintf(stderr, TEST_NAME ": SIGUSR1 to a throttled task handled after %lld ms\n",
		(long long)((stamp[1] - sent) / MS));
	/* set back to SCHED_OTHER while throttled: it runs at once */
	usleep(20000);
	int64_t before = stamp[0], changed = now_ns();
	CHECK(set_other(pid) == 0);
	while (stamp[0] == before && now_ns() - changed < 3000 * MS)
		usleep(1000);
	CHECK(stamp[0] != before);
	fprintf(stderr, TEST_NAME ": unthrottled by SCHED_OTHER after %lld ms\n",
		(long long)((now_ns() - changed) / MS));
	/* throttled again, then SIGKILL: it dies (once replenished) */
	CHECK(set_dl(pid, 5 * MS, 500 * MS, 500 * MS, 0) == 0);
	usleep(50000);
	int64_t killed = now_ns();
	CHECK(kill(pid, SIGKILL) == 0);
	int st = wait_status(pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK(now_ns() - killed < 3000 * (int64_t)MS);
}

/* Threads that spin past their runtime with short periods, so their
 * replenishment timers are armed when they exit or are changed back to
 * SCHED_OTHER by another thread. */
static volatile int churn_stop;
static volatile pid_t churn_tid;

static void *churn_thread(void *arg)
{
	(void)arg;
	churn_tid = (pid_t)syscall(SYS_gettid);
	if (set_dl(0, 200000, 1 * MS, 1 * MS, FLAG_RESET_ON_FORK))
		return (void *)1;
	int64_t t0 = now_ns();
	while (now_ns() - t0 < 3 * (int64_t)MS)
		;
	return NULL;
}

static void *churn_changer(void *arg)
{
	(void)arg;
	while (!churn_stop) {
		pid_t t = churn_tid;
		if (t)
			set_other(t);	/* may be gone: ESRCH is fine */
		usleep(300);
	}
	return NULL;
}

/* Throttled after 200 ms of each 800: a dying thread is still a deadline
 * task (as on Linux), so its runtime must cover its exit (the address
 * space's teardown, if it is the last thread), which under TCG on a
 * loaded host, where pauses are charged as run time, can take tens of
 * milliseconds. */
static void *throttled_forever(void *arg)
{
	(void)arg;
	if (set_dl(0, 200 * MS, 800 * MS, 800 * MS, 0))
		_exit(2);
	for (;;)
		;
}

static void exit_while_throttled(void)
{
	pthread_t ch;
	int bad = 0;

	CHECK(pthread_create(&ch, NULL, churn_changer, NULL) == 0);
	int64_t t0 = now_ns();
	int rounds = 0;
	while (now_ns() - t0 < 800 * (int64_t)MS) {
		pthread_t th;
		void *ret;
		if (pthread_create(&th, NULL, churn_thread, NULL)) {
			bad++;
			break;
		}
		pthread_join(th, &ret);
		churn_tid = 0;
		rounds++;
	}
	churn_stop = 1;
	pthread_join(ch, NULL);
	CHECK(bad == 0 && rounds > 10);
	/* a process exits while one of its threads is throttled with a long
	 * period: the thread is killed, dies once replenished, and exit_group
	 * waits no longer than that */
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t th;
		if (pthread_create(&th, NULL, throttled_forever, NULL))
			_exit(1);
		usleep(400000);	/* the thread throttled by now */
		_exit(0);
	}
	int64_t start = now_ns();
	int st = wait_status(pid);
	int64_t took = now_ns() - start;
	CHECK(exited_ok(st));
	CHECK(took < 10000 * (int64_t)MS);	/* about 800 ms expected */
	fprintf(stderr, TEST_NAME ": exit with a throttled thread took %lld ms\n",
		(long long)(took / MS));
	fprintf(stderr, TEST_NAME ": %d threads exited with deadline timers armed\n", rounds);
}

static const char *only;	/* argv[1]: run only the parts whose name has it */

/* Each part in a child, so a hang or a crash is that part's failure. */
static void part(const char *name, void (*fn)(void))
{
	if (only && !strstr(name, only))
		return;
	pid_t pid = fork();

	if (pid == 0) {
		failures = 0;
		alarm(60);
		fn();
		_exit(check_done());
	}
	int st = wait_status(pid);
	CHECK(exited_ok(st));
	if (!exited_ok(st))
		fprintf(stderr, TEST_NAME ": %s failed (status 0x%x)\n", name, st);
	else
		fprintf(stderr, TEST_NAME ": %s ok\n", name);
}

int main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus < 1 || ncpus > 64)
		ncpus = 1;
	part("bad arguments", bad_arguments);
	part("admission", admission);
	part("affinity and fork", affinity_and_fork);
	part("ten percent", ten_percent);
	part("throttled signals", throttled_signals);
	part("exit while throttled", exit_while_throttled);
	part("no starvation", no_starvation);
	return check_done();
}
