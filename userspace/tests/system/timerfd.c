#define _GNU_SOURCE
/*
 * timerfd: timers read as expiry counts, as Linux's:
 *  - create: CLOCK_MONOTONIC/REALTIME/BOOTTIME, other clocks and flags
 *    EINVAL, TFD_CLOEXEC/TFD_NONBLOCK through fcntl;
 *  - settime: bad nsec or flags EINVAL, bad fd EBADF, a pipe EINVAL, bad
 *    pointers EFAULT; the old setting comes back; gettime counts down;
 *  - a one-shot timer (relative, TFD_TIMER_ABSTIME on each clock, and
 *    one in the past) fires once and never early; disarming stops it;
 *    settime forgets unread expiries; reads under 8 bytes are EINVAL;
 *  - a periodic timer: a late reader gets every expiry counted
 *    (overruns); blocking reads 20 times at 20 ms are never early, and
 *    their mean lateness is reported (and must stay under 25 ms);
 *  - poll wakes on expiry; closing a 1 µs periodic timer 200 times while
 *    it fires does not crash.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "timerfd"
#include "check.h"

#define MS 1000000LL

static long long now_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static struct timespec ts(long long ns)
{
	return (struct timespec){ ns / 1000000000LL, ns % 1000000000LL };
}

static int arm(int fd, int flags, long long value, long long interval)
{
	struct itimerspec it = { ts(interval), ts(value) };

	return timerfd_settime(fd, flags, &it, NULL);
}

static void args(void)
{
	struct itimerspec it = { { 0, 0 }, { 0, 1000000000 } }, old;
	int p[2];
	uint64_t v;

	errno = 0;
	CHECK(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0) == -1 && errno == EINVAL);
	CHECK(timerfd_create(CLOCK_MONOTONIC, 0x10) == -1 && errno == EINVAL);
	CHECK(timerfd_create(-1, 0) == -1 && errno == EINVAL);
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC && (fcntl(fd, F_GETFL) & O_NONBLOCK));
	errno = 0;
	CHECK(timerfd_settime(fd, 0, &it, NULL) == -1 && errno == EINVAL);
	it.it_value.tv_nsec = -1;
	CHECK(timerfd_settime(fd, 0, &it, NULL) == -1 && errno == EINVAL);
	it.it_value = ts(0);
	it.it_interval.tv_nsec = 1000000000;
	CHECK(timerfd_settime(fd, 0, &it, NULL) == -1 && errno == EINVAL);
	it.it_interval = ts(0);
	CHECK(timerfd_settime(fd, 4, &it, NULL) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(timerfd_settime(fd, 0, (void *)8, NULL) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(timerfd_settime(1000, 0, &it, NULL) == -1 && errno == EBADF);
	CHECK(pipe(p) == 0);
	errno = 0;
	CHECK(timerfd_settime(p[0], 0, &it, NULL) == -1 && errno == EINVAL);
	CHECK(timerfd_gettime(p[0], &old) == -1 && errno == EINVAL);
	close(p[0]);
	close(p[1]);
	errno = 0;
	CHECK(read(fd, &v, 8) == -1 && errno == EAGAIN);	/* unarmed */
	CHECK(read(fd, &v, 4) == -1 && errno == EINVAL);
	/* old value, gettime counting down, interval reported */
	CHECK(arm(fd, 0, 1000 * MS, 300 * MS) == 0);
	it = (struct itimerspec){ ts(0), ts(0) };
	CHECK(timerfd_settime(fd, 0, &it, &old) == 0);
	CHECK(old.it_interval.tv_sec == 0 && old.it_interval.tv_nsec == 300 * MS);
	CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_nsec > 800 * MS);
	CHECK(timerfd_gettime(fd, &old) == 0 && old.it_value.tv_sec == 0 &&
	      old.it_value.tv_nsec == 0 && old.it_interval.tv_nsec == 0);
	CHECK(arm(fd, 0, 0, 300 * MS) == 0);		/* disarmed, interval kept */
	CHECK(timerfd_gettime(fd, &old) == 0 && old.it_value.tv_sec == 0 &&
	      old.it_value.tv_nsec == 0 && old.it_interval.tv_nsec == 300 * MS);
	CHECK(arm(fd, 0, 2000 * MS, 0) == 0);
	CHECK(timerfd_gettime(fd, &old) == 0 && old.it_value.tv_sec == 1 &&
	      old.it_interval.tv_sec == 0 && old.it_interval.tv_nsec == 0);
	errno = 0;
	CHECK(timerfd_gettime(fd, (void *)8) == -1 && errno == EFAULT);
	close(fd);
}

/* A one-shot timer on clock c at +50 ms fires once, not early. */
static void oneshot(clockid_t c, int abs)
{
	int fd = timerfd_create(c, 0);
	uint64_t v = 0;
	long long t0 = now_ns(CLOCK_MONOTONIC);

	CHECK(fd >= 0);
	CHECK(arm(fd, abs ? TFD_TIMER_ABSTIME : 0, (abs ? now_ns(c) : 0) + 50 * MS, 0) == 0);
	CHECK(read(fd, &v, 8) == 8 && v == 1);
	long long dt = now_ns(CLOCK_MONOTONIC) - t0;
	if (dt < 50 * MS || dt > 2000 * MS)
		printf("# clock %d abs %d: fired after %lld us\n", c, abs, dt / 1000);
	CHECK(dt >= 50 * MS && dt < 2000 * MS);
	struct pollfd p = { fd, POLLIN, 0 };
	CHECK(poll(&p, 1, 80) == 0);		/* once only */
	close(fd);
}

static void states(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	uint64_t v;
	struct pollfd p = { fd, POLLIN, 0 };

	/* in the past: due at once */
	CHECK(arm(fd, TFD_TIMER_ABSTIME, 1, 0) == 0);
	CHECK(poll(&p, 1, 1000) == 1 && read(fd, &v, 8) == 8 && v == 1);
	/* disarmed before it fires: nothing */
	CHECK(arm(fd, 0, 30 * MS, 0) == 0);
	CHECK(arm(fd, 0, 0, 0) == 0);
	CHECK(poll(&p, 1, 80) == 0);
	/* settime forgets what was not read */
	CHECK(arm(fd, 0, 10 * MS, 0) == 0);
	CHECK(poll(&p, 1, 1000) == 1);
	CHECK(arm(fd, 0, 1000 * MS, 0) == 0);
	errno = 0;
	CHECK(read(fd, &v, 8) == -1 && errno == EAGAIN);
	/* a late reader: every period counted (at most the last one not yet
	 * seen by the timer callback) */
	long long a0 = now_ns(CLOCK_MONOTONIC);
	CHECK(arm(fd, 0, 10 * MS, 10 * MS) == 0);
	long long a1 = now_ns(CLOCK_MONOTONIC);
	usleep(205 * 1000);
	long long r0 = now_ns(CLOCK_MONOTONIC);
	CHECK(read(fd, &v, 8) == 8);
	long long r1 = now_ns(CLOCK_MONOTONIC);
	long long lo = (r0 - a1) / (10 * MS) - 1, hi = (r1 - a0) / (10 * MS);
	if ((long long)v < lo || (long long)v > hi)
		printf("# 10 ms periods: %llu, expected %lld..%lld\n", (unsigned long long)v, lo, hi);
	CHECK((long long)v >= lo && (long long)v <= hi);
	close(fd);
}

static void accuracy(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	long long start = now_ns(CLOCK_MONOTONIC) + 20 * MS, late = 0, worst = 0;
	uint64_t v, total = 0;
	int early = 0;

	CHECK(arm(fd, TFD_TIMER_ABSTIME, start, 20 * MS) == 0);
	for (int i = 0; i < 20; i++) {
		CHECK(read(fd, &v, 8) == 8 && v >= 1);
		total += v;
		long long t = now_ns(CLOCK_MONOTONIC), due = start + (long long)(total - 1) * 20 * MS;
		early += t < due;
		late += t - due;
		worst = t - due > worst ? t - due : worst;
	}
	printf("# periodic 20 ms x20: mean lateness %lld us, worst %lld us, %llu expiries\n",
	       late / 20 / 1000, worst / 1000, (unsigned long long)total);
	CHECK(!early);
	CHECK(late / 20 < 25 * MS);
	close(fd);
}

static void close_while_firing(void)
{
	for (int i = 0; i < 200; i++) {
		int fd = timerfd_create(CLOCK_MONOTONIC, 0);
		CHECK(arm(fd, 0, 1000, 1000) == 0);
		if (i % 8 == 0)
			usleep(1000);
		close(fd);
	}
}

int main(void)
{
	args();
	oneshot(CLOCK_MONOTONIC, 0);
	oneshot(CLOCK_MONOTONIC, 1);
	oneshot(CLOCK_REALTIME, 1);
	oneshot(CLOCK_BOOTTIME, 0);
	oneshot(CLOCK_BOOTTIME, 1);
	states();
	accuracy();
	close_while_firing();
	printf("# timerfd: %s\n", failures ? "FAILED" : "all passed");
	return check_done();
}
