/*
 * Time: clock_gettime/gettimeofday/nanosleep/clock_nanosleep. The wall
 * clock is the CMOS clock read once at boot plus the monotonic clock since,
 * until root sets it (clock_settime, settimeofday). Every clock is
 * ktime_ns() plus an offset, which the vDSO's data page carries too
 * (arch_time_publish): user mode reads the same clocks without a call.
 */
#include <alloy/arch.h>
#include <alloy/cpu.h>
#include <alloy/errno.h>
#include <alloy/mutex.h>
#include <alloy/process.h>
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
static struct mutex settime_lock;	/* setters: boot_epoch_ns, then the vDSO */

static u64 epoch(void)
{
	return __atomic_load_n(&boot_epoch_ns, __ATOMIC_RELAXED);
}

void time_init(void)
{
	mutex_init(&settime_lock, "settime", LR_MUTEX_DEFAULT);
	boot_epoch_ns = arch_rtc_seconds() * NSEC - ktime_ns();
	arch_time_publish(boot_epoch_ns);
}

u64 wall_clock_ns(void)
{
	return epoch() + ktime_ns();
}

int clock_now(u64 clock, u64 *ns)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = epoch() + ktime_ns();
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

/* Every clock clock_now knows is ktime_ns(), stepping as the TSC does. */
long sys_clock_getres(u64 clock, u64 res, u64 a2, u64 a3, u64 a4, u64 a5)
{
	u64 ns;

	(void)a2; (void)a3; (void)a4; (void)a5;
	int rc = clock_now(clock, &ns);
	if (rc)
		return rc;
	struct timespec ts = { 0, (s64)arch_clock_resolution_ns() };
	return res ? copy_to_user((void *)res, &ts, sizeof(ts)) : 0;
}

/* CLOCK_REALTIME := ns, for root. Not before the boot: the offset from
 * the monotonic clock stays positive, as Linux insists. */
static long set_realtime(u64 ns)
{
	if (current_proc()->uid[1] != 0)
		return -EPERM;
	mutex_lock(&settime_lock);
	u64 now = ktime_ns();
	long rc = ns < now ? -EINVAL : 0;
	if (!rc) {
		__atomic_store_n(&boot_epoch_ns, ns - now, __ATOMIC_RELAXED);
		arch_time_publish(ns - now);
	}
	mutex_unlock(&settime_lock);
	return rc;
}

long sys_clock_settime(u64 clock, u64 tp, u64 a2, u64 a3, u64 a4, u64 a5)
{
	u64 ns;

	(void)a2; (void)a3; (void)a4; (void)a5;
	if (clock != CLOCK_REALTIME)
		return -EINVAL;		/* the others cannot be set */
	int rc = read_timespec(tp, &ns);
	return rc ? rc : set_realtime(ns);
}

/* The time zone is accepted and forgotten: the kernel keeps none. */
long sys_settimeofday(u64 tv, u64 tz, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct { s64 sec, usec; } t;

	(void)tz; (void)a2; (void)a3; (void)a4; (void)a5;
	if (!tv)	/* the zone alone: still root's to set, as Linux has it */
		return current_proc()->uid[1] != 0 ? -EPERM : 0;
	if (copy_from_user(&t, (const void *)tv, sizeof(t)))
		return -EFAULT;
	if (t.sec < 0 || t.usec < 0 || t.usec >= 1000000 ||
	    (u64)t.sec > (~0ULL - NSEC) / NSEC)
		return -EINVAL;
	return set_realtime((u64)t.sec * NSEC + (u64)t.usec * 1000);
}
