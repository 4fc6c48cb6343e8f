/*
 * Time: clock_gettime/gettimeofday/nanosleep/clock_nanosleep. The wall
 * clock is the CMOS clock read once at boot plus the monotonic clock since.
 * No signals yet, so sleeps are never interrupted and rem is not written.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/task.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include <uapi/time.h>
#include "systime.h"

#define NSEC 1000000000ULL

struct timespec {
	s64 sec, nsec;
};

static u64 boot_epoch_ns;	/* wall time when ktime_ns() was 0 */

void time_init(void)
{
	boot_epoch_ns = arch_rtc_seconds() * NSEC - ktime_ns();
}

u64 wall_clock_ns(void)
{
	return boot_epoch_ns + ktime_ns();
}

int clock_now(u64 clock, u64 *ns)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = boot_epoch_ns + ktime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = ktime_ns();
		return 0;
	default:
		return -EINVAL;	/* CPU-time clocks need accounting we lack */
	}
}

long sys_clock_gettime(u64 clock, u64 tp, u64 a2, u64 a3, u64 a4, u64 a5)
{
	u64 ns;

	(void)a2; (void)a3; (void)a4; (void)a5;
	int rc = clock_now(clock, &ns);
	if (rc)
		return rc;
	struct timespec ts = { (s64)(ns / NSEC), (s64)(ns % NSEC) };
	return copy_to_user((void *)tp, &ts, sizeof(ts));
}

long sys_gettimeofday(u64 tv, u64 tz, u64 a2, u64 a3, u64 a4, u64 a5)
{
	u64 ns;

	(void)tz; (void)a2; (void)a3; (void)a4; (void)a5;
	clock_now(CLOCK_REALTIME, &ns);
	struct { s64 sec, usec; } t = { (s64)(ns / NSEC), (s64)(ns % NSEC / 1000) };
	return tv ? copy_to_user((void *)tv, &t, sizeof(t)) : 0;
}

int read_timespec(u64 uptr, u64 *ns)
{
	struct timespec ts;

	if (copy_from_user(&ts, (const void *)uptr, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || (u64)ts.nsec >= NSEC)
		return -EINVAL;
	*ns = (u64)ts.sec > (~0ULL - (u64)ts.nsec) / NSEC ? ~0ULL
							    : (u64)ts.sec * NSEC + (u64)ts.nsec;
	return 0;
}

/* Sleeps ns unless a signal comes first: then -EINTR and the rest in rem. */
static long sleep_interruptible(u64 ns, u64 rem)
{
	u64 now = ktime_ns(), deadline = ns > ~0ULL - now ? ~0ULL : now + ns;

	for (; now < deadline; now = ktime_ns()) {
		set_current_state_blocked();
		if (signal_pending())
			break;
		schedule_timeout(deadline - now);
	}
	set_current_state_running();
	if (now >= deadline)
		return 0;
	if (rem) {
		u64 left = deadline - now;
		struct { s64 sec, nsec; } ts = { (s64)(left / NSEC), (s64)(left % NSEC) };
		if (copy_to_user((void *)rem, &ts, sizeof(ts)))
			return -EFAULT;
	}
	return -EINTR;
}

long sys_nanosleep(u64 req, u64 rem, u64 a2, u64 a3, u64 a4, u64 a5)
{
	u64 ns;

	(void)a2; (void)a3; (void)a4; (void)a5;
	int rc = read_timespec(req, &ns);
	return rc ? rc : sleep_interruptible(ns, rem);
}

long sys_clock_nanosleep(u64 clock, u64 flags, u64 req, u64 rem, u64 a4, u64 a5)
{
	u64 ns, now;

	(void)a4; (void)a5;
	int rc = clock_now(clock, &now);
	if (!rc)
		rc = read_timespec(req, &ns);
	if (rc)
		return rc;
	if (flags & TIMER_ABSTIME)
		ns = ns > now ? ns - now : 0;
	return sleep_interruptible(ns, flags & TIMER_ABSTIME ? 0 : rem);
}

long sys_sched_yield(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	sched_yield();
	return 0;
}
