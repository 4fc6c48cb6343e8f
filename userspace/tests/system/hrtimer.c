#define _GNU_SOURCE
/*
 * hrtimer: sleeps end when they should, not at the next 4 ms tick, and
 * an idle CPU is left alone:
 *
 *  - nanosleep(100 us), many times: never early; the median and p90
 *    overshoot are printed and bounded (a tick-based kernel overshoots
 *    by 2-4 ms); a series over its bounds is run again, up to 5 times,
 *    because a loaded host stalls whole series now and then;
 *  - the same while a second process sleeps other lengths at the same
 *    moment (their timers interleave on the CPUs' lists);
 *  - clock_nanosleep(TIMER_ABSTIME) on CLOCK_MONOTONIC and CLOCK_REALTIME
 *    to a 300 us grid: never before the deadline, promptly after it; a
 *    deadline in the past returns at once; bad arguments are EINVAL;
 *  - poll(1 ms), ppoll(200 us) and select(200 us) with nothing ready
 *    time out promptly and never early;
 *  - CPU time is still charged (by the sampling tick) to a process that
 *    runs in bursts shorter than a tick and sleeps in between;
 *  - an idle CPU takes few timer interrupts: /proc/interrupts' LOC row
 *    over half a second of sleep (a periodic 250 Hz tick takes 125).
 */
#define TEST_NAME "hrtimer"
#include "check.h"

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Bounds under TCG emulation at -smp 1, 2 and 4 on a host with a load
 * average of 15 on 2 cores: medians measured 60-500 us, p90s up to
 * 2-3 ms in an unlucky series. The 250 Hz tick kernel measured medians
 * of 3.0-3.9 ms and p90s of 3.5-4.1 ms: it fails the median bound in
 * every series.
 */
#define MEDIAN_MAX_US 1000
#define P90_MAX_US 3000
#define SAMPLES 200
#define IDLE_IRQS_MAX 40	/* in 500 ms; 125 at 250 Hz */

static int64_t mono_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * Sorts v and prints its median and p90 (ns) for `what`; true if they are
 * within bounds. Samples are never early, whatever else happens.
 */
static bool report(const char *what, int64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp64);
	int64_t med = v[n / 2], p90 = v[n * 9 / 10];
	printf("# %s: overshoot median %lld us, p90 %lld us, max %lld us (%d samples)\n",
	       what, (long long)(med / 1000), (long long)(p90 / 1000),
	       (long long)(v[n - 1] / 1000), n);
	CHECK(v[0] >= 0);			/* never early */
	return med < MEDIAN_MAX_US * 1000LL && p90 < P90_MAX_US * 1000LL;
}

/*
 * Runs a series up to three times: QEMU's vCPU threads share an
 * overloaded host, which now and then stalls a whole series. A tick-based
 * kernel fails every time (its overshoot is the tick, not noise).
 */
#define ATTEMPTS 5
#define BOUNDED(what, series)						\
	do {								\
		bool ok_ = false;					\
		for (int a_ = 0; a_ < ATTEMPTS && !ok_; a_++)		\
			ok_ = (series);					\
		if (!ok_)						\
			fprintf(stderr, TEST_NAME ": %s: median over %d us or p90 over %d us " \
				"in %d attempts\n", what, MEDIAN_MAX_US, P90_MAX_US, ATTEMPTS); \
		CHECK(ok_);						\
	} while (0)

static bool nanosleep_series(const char *what, long ns, int n)
{
	static int64_t over[SAMPLES];
	struct timespec req = { 0, ns };

	for (int i = 0; i < n; i++) {
		int64_t t0 = mono_ns(CLOCK_MONOTONIC);
		CHECK(nanosleep(&req, NULL) == 0);
		over[i] = mono_ns(CLOCK_MONOTONIC) - t0 - ns;
	}
	return report(what, over, n);
}

static bool abstime_series(clockid_t clk, const char *what)
{
	static int64_t over[SAMPLES];
	int64_t next = mono_ns(clk);

	for (int i = 0; i < SAMPLES / 2; i++) {
		next += 300000;
		struct timespec ts = { next / 1000000000LL, next % 1000000000LL };
		int rc = clock_nanosleep(clk, TIMER_ABSTIME, &ts, NULL);
		CHECK(rc == 0);
		over[i] = mono_ns(clk) - next;
		if (over[i] > 300000)		/* fell behind: start the grid again */
			next = mono_ns(clk);
	}
	return report(what, over, SAMPLES / 2);
}

static void abstime_edges(void)
{
	struct timespec past = { 0, 1 }, bad = { 0, 1000000000L };	/* just after boot, 1970 */
	int64_t t0 = mono_ns(CLOCK_MONOTONIC);

	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL) == 0);
	CHECK(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &past, NULL) == 0);
	CHECK(mono_ns(CLOCK_MONOTONIC) - t0 < 50000000LL);	/* did not sleep */
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &bad, NULL) == EINVAL);
	bad.tv_nsec = -1;
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL) == EINVAL);
	CHECK(clock_nanosleep(12345, TIMER_ABSTIME, &past, NULL) == EINVAL);
}

static int pfds[2];

static bool poll_series(void)
{
	static int64_t over[SAMPLES];
	int n = SAMPLES / 4;
	struct pollfd p = { .fd = pfds[0], .events = POLLIN };	/* never ready */

	for (int i = 0; i < n; i++) {
		int64_t t0 = mono_ns(CLOCK_MONOTONIC);
		CHECK(poll(&p, 1, 1) == 0);
		over[i] = mono_ns(CLOCK_MONOTONIC) - t0 - 1000000;
	}
	return report("poll(1 ms)", over, n);
}

static bool ppoll_series(void)
{
	static int64_t over[SAMPLES];
	int n = SAMPLES / 4;
	struct pollfd p = { .fd = pfds[0], .events = POLLIN };
	struct timespec ts = { 0, 200000 };

	for (int i = 0; i < n; i++) {
		int64_t t0 = mono_ns(CLOCK_MONOTONIC);
		CHECK(ppoll(&p, 1, &ts, NULL) == 0);
		over[i] = mono_ns(CLOCK_MONOTONIC) - t0 - 200000;
	}
	return report("ppoll(200 us)", over, n);
}

static bool select_series(void)
{
	static int64_t over[SAMPLES];
	int n = SAMPLES / 4;

	for (int i = 0; i < n; i++) {
		fd_set r;
		struct timeval tv = { 0, 200 };
		FD_ZERO(&r);
		FD_SET(pfds[0], &r);
		int64_t t0 = mono_ns(CLOCK_MONOTONIC);
		CHECK(select(pfds[0] + 1, &r, NULL, NULL, &tv) == 0);
		over[i] = mono_ns(CLOCK_MONOTONIC) - t0 - 200000;
	}
	return report("select(200 us)", over, n);
}

/* LOC counts per CPU from /proc/interrupts; returns the number of CPUs. */
static int loc_counts(long long *loc, int max)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f)) {
		char *p = line;
		while (*p == ' ')
			p++;
		if (strncmp(p, "LOC:", 4))
			continue;
		p += 4;
		for (char *end; n < max; p = end) {
			long long v = strtoll(p, &end, 10);
			if (end == p)
				break;
			loc[n++] = v;
		}
	}
	if (f)
		fclose(f);
	return n;
}

/* utime + stime from /proc/self/stat, in clock ticks (1/100 s); -1 if unreadable. */
static long long cpu_ticks(void)
{
	char buf[1024];
	long long ut = -1, st = -1;
	FILE *f = fopen("/proc/self/stat", "r");

	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	/* after ")": state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld",
			 &ut, &st) != 2)
		return -1;
	return ut + st;
}

/*
 * Busy 1 ms, asleep 1 ms, 400 times: the tick that samples CPU time must
 * catch about half of it, though each burst is shorter than a tick and
 * the CPU idles (tickless) in between.
 */
static void accounting(void)
{
	struct timespec ms = { 0, 1000000 };
	int64_t busy = 0;
	long long c0 = cpu_ticks();

	CHECK(c0 >= 0);
	for (int i = 0; i < 400; i++) {
		int64_t t0 = mono_ns(CLOCK_MONOTONIC), t;
		while ((t = mono_ns(CLOCK_MONOTONIC)) - t0 < 1000000)
			;
		busy += t - t0;
		nanosleep(&ms, NULL);
	}
	long long used = (cpu_ticks() - c0) * 10;	/* ms */
	printf("# busy %lld ms in 1 ms bursts, charged %lld ms of CPU time\n",
	       (long long)(busy / 1000000), used);
	/* sampled by ticks on a 4 ms grid: under a loaded host a 1 ms burst
	 * is seen by chance; this catches charging nothing (or everything) */
	CHECK(used >= busy / 1000000 / 10);
	CHECK(used <= busy / 1000000 * 16 / 10 + 50);
}

/* The quietest of a few 500 ms windows: kernel threads (write-back of
 * what earlier tests wrote) may run in one and take their ticks. */
static void idle_interrupts(void)
{
	long long a[64], b[64], best[64];
	struct timespec half = { 0, 500000000L };
	int n = 0;

	for (int i = 0; i < 64; i++)
		best[i] = -1;
	sync();		/* what earlier tests left dirty is written now, not in a window */
	for (int round = 0; round < 4; round++) {
		n = loc_counts(a, 64);
		CHECK(n >= 1);
		nanosleep(&half, NULL);		/* every CPU idles, ours too */
		CHECK(loc_counts(b, 64) == n);
		bool quiet = true;
		for (int i = 0; i < n; i++) {
			long long d = b[i] - a[i];
			CHECK(d >= 0);
			if (best[i] < 0 || d < best[i])
				best[i] = d;
			quiet &= best[i] <= IDLE_IRQS_MAX;
		}
		if (quiet)
			break;
	}
	for (int i = 0; i < n; i++) {
		printf("# cpu%d: %lld timer interrupts in 500 ms of idle (quietest window)\n",
		       i, best[i]);
		CHECK(best[i] <= IDLE_IRQS_MAX);
	}
}

int main(void)
{
	BOUNDED("nanosleep", nanosleep_series("nanosleep(100 us)", 100000, SAMPLES));

	/* a second process sleeping other lengths at the same moment */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		BOUNDED("child", nanosleep_series("child nanosleep(37 us)", 37000, SAMPLES / 2));
		_exit(check_done());
	}
	BOUNDED("beside", nanosleep_series("nanosleep(100 us) beside a second sleeper",
					   100000, SAMPLES / 2));
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	BOUNDED("abs mono", abstime_series(CLOCK_MONOTONIC, "clock_nanosleep(MONOTONIC, ABSTIME)"));
	BOUNDED("abs real", abstime_series(CLOCK_REALTIME, "clock_nanosleep(REALTIME, ABSTIME)"));
	abstime_edges();
	CHECK(pipe(pfds) == 0);
	BOUNDED("poll", poll_series());
	BOUNDED("ppoll", ppoll_series());
	BOUNDED("select", select_series());
	close(pfds[0]);
	close(pfds[1]);
	accounting();
	idle_interrupts();
	if (!failures)
		printf("# ok - hrtimer\n");
	return check_done();
}
