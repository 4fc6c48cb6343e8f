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
#include <alloy/ns.h>
#include <alloy/process.h>
#include <alloy/ptimer.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include <uapi/time.h>
#include "systime.h"

#define NSEC 1000000000ULL
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define CLOCK_TAI 11
#define CAP_SYS_TIME 25

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
	case CLOCK_REALTIME_ALARM:
	case CLOCK_TAI:		/* no TAI offset is kept: Linux's default 0 */
		*ns = epoch() + ktime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		*ns = ktime_ns();
		return 0;
	/* CPU time, as the scheduler tick samples it: whole ticks */
	case CLOCK_PROCESS_CPUTIME_ID:
		*ns = proc_cpu_ns(current_proc());
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = task_cpu_ns(current_task());
		return 0;
	default:
		return -EINVAL;	/* the pid-encoded CPU clocks too */
	}
}

int clock_now_user(u64 clock, u64 *ns)
{
	int rc = clock_now(clock, ns);

	if (!rc)
		*ns = (u64)((s64)*ns + timens_offset(clock));
	return rc;
}

/*
 * Linux's CPU-time clock IDs (clock_getcpuclockid, pthread_getcpuclockid):
 * ~pid << 3, 4 for one thread, and which time: user and system (PROF, 0),
 * user only (VIRT, 1) or all run time (SCHED, 2), here both tick counts.
 * pid 0 is the caller; a thread's clock is readable only within its own
 * process, a process's by anyone (Linux). Only clock_gettime and
 * clock_getres read them; sleeping and timers on them stay EINVAL.
 */
static int cpu_clock_now(u64 clock, u64 *ns)
{
	s32 id = (s32)clock;
	int pid = ~(id >> 3), which = id & 3;
	u64 ut, st;

	if (id >= 0 || which == 3)
		return -EINVAL;
	if (id & 4) {
		struct process *p;
		struct task *t = pid ? proc_find_thread(pid, &p) : NULL;
		if (pid && !t)
			return -EINVAL;
		bool ours = !pid || p == current_proc();
		struct task *r = pid ? t : current_task();
		ut = READ_ONCE(r->utime_ticks);
		st = READ_ONCE(r->stime_ticks);
		if (t) {
			proc_put(p);
			task_put(t);
		}
		if (!ours)
			return -EINVAL;
	} else {
		struct process *p = pid ? proc_find(pid) : current_proc();
		if (!p)
			return -EINVAL;
		proc_cpu_times(p, &ut, &st);
		if (pid)
			proc_put(p);
	}
	*ns = (which == 1 ? ut : ut + st) * (NSEC / HZ);
	return 0;
}

long sys_clock_gettime(u64 clock, u64 tp, u64 a2, u64 a3, u64 a4, u64 a5)
{
	u64 ns;

	(void)a2; (void)a3; (void)a4; (void)a5;
	int rc = (s32)clock < 0 ? cpu_clock_now(clock, &ns) : clock_now_user(clock, &ns);
	if (rc)
		return rc;
	struct timespec ts = { (s64)(ns / NSEC), (s64)(ns % NSEC) };
	return copy_to_user((void *)tp, &ts, sizeof(ts));
}

long sys_gettimeofday(u64 tv, u64 tz, u64 a2, u64 a3, u64 a4, u64 a5)
{
	u64 ns;

	(void)a2; (void)a3; (void)a4; (void)a5;
	clock_now(CLOCK_REALTIME, &ns);
	struct { s64 sec, usec; } t = { (s64)(ns / NSEC), (s64)(ns % NSEC / 1000) };
	struct { s32 minuteswest, dsttime; } zone = { 0, 0 };	/* UTC, as sys_tz starts */
	if (tv && copy_to_user((void *)tv, &t, sizeof(t)))
		return -EFAULT;
	if (tz && copy_to_user((void *)tz, &zone, sizeof(zone)))
		return -EFAULT;
	return 0;
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
	if (clock == CLOCK_THREAD_CPUTIME_ID)
		return -EOPNOTSUPP;	/* Linux's thread clock has no nsleep either */
	if (clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_REALTIME_ALARM ||
	    clock == CLOCK_BOOTTIME_ALARM)
		return -EINVAL;	/* no sleeping on process CPU time, nothing suspends */
	int rc = clock_now_user(clock, &now);	/* an absolute req is in the caller's view */
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

/* The wall and monotonic clocks (coarse ones too) are ktime_ns(),
 * stepping as the TSC does; the CPU-time clocks step a tick at a time. */
long sys_clock_getres(u64 clock, u64 res, u64 a2, u64 a3, u64 a4, u64 a5)
{
	u64 ns;

	(void)a2; (void)a3; (void)a4; (void)a5;
	int rc = (s32)clock < 0 ? cpu_clock_now(clock, &ns) : clock_now(clock, &ns);
	if (rc)
		return rc;
	bool cpu = clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID ||
		   (s32)clock < 0;
	struct timespec ts = { 0, cpu ? (s64)(NSEC / HZ) : (s64)arch_clock_resolution_ns() };
	return res ? copy_to_user((void *)res, &ts, sizeof(ts)) : 0;
}

/* CAP_SYS_TIME: root (the effective user ID 0, <alloy/cred.h>) that has
 * not dropped the capability with capset (setuid does not clear
 * capabilities here, so the ID is checked too). */
static bool may_set_time(void)
{
	struct process *p = current_proc();

	return READ_ONCE(p->uid[1]) == 0 && (READ_ONCE(p->caps[0]) & (1ULL << CAP_SYS_TIME));
}

/* CLOCK_REALTIME := ns, for root. Not before the boot: the offset from
 * the monotonic clock stays positive, as Linux insists. */
static long set_realtime(u64 ns)
{
	if (!may_set_time())
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
		return may_set_time() ? 0 : -EPERM;
	if (copy_from_user(&t, (const void *)tv, sizeof(t)))
		return -EFAULT;
	if (t.sec < 0 || t.usec < 0 || t.usec >= 1000000 ||
	    (u64)t.sec > (~0ULL - NSEC) / NSEC)
		return -EINVAL;
	return set_realtime((u64)t.sec * NSEC + (u64)t.usec * 1000);
}

/*
 * adjtimex / clock_adjtime(CLOCK_REALTIME): Linux's NTP interface. There
 * is no NTP clock discipline here: the clock runs at the TSC's rate and
 * reports TIME_OK. Reading (modes 0, ADJ_OFFSET_SS_READ) is anyone's;
 * root's ADJ_SETOFFSET steps the clock (as clock_settime), and the other
 * modes are checked as Linux checks them and recorded, so a reader sees
 * what was set, but they do not slew or tune the clock.
 */
#define ADJ_OFFSET 0x0001
#define ADJ_FREQUENCY 0x0002
#define ADJ_MAXERROR 0x0004
#define ADJ_ESTERROR 0x0008
#define ADJ_STATUS 0x0010
#define ADJ_TIMECONST 0x0020
#define ADJ_TAI 0x0080
#define ADJ_SETOFFSET 0x0100
#define ADJ_MICRO 0x1000
#define ADJ_NANO 0x2000
#define ADJ_TICK 0x4000
#define ADJ_ADJTIME 0x8000
#define STA_NANO 0x2000
#define STA_RONLY 0xff00	/* PPS*, CLOCKERR, NANO, MODE, CLK: the kernel's */
#define TIME_OK 0
#define USER_HZ 100
#define MAXFREQ_SCALED (500LL << 16)	/* 500 ppm */
#define MAXPHASE 500000000LL		/* 0.5 s */

struct timex {
	u32 modes;
	s32 pad0;
	s64 offset, freq, maxerror, esterror;
	s32 status, pad1;
	s64 constant, precision, tolerance;
	struct { s64 sec, usec; } time;
	s64 tick, ppsfreq, jitter;
	s32 shift, pad2;
	s64 stabil, jitcnt, calcnt, errcnt, stbcnt;
	s32 tai;
	s32 pad[11];
};
_Static_assert(sizeof(struct timex) == 208, "struct timex layout");

static struct {
	s64 offset, freq, maxerror, esterror, constant, tick, singleshot;
	s32 status, tai;
} ntp = { .maxerror = 16000000, .esterror = 16000000, .constant = 2,
	  .tick = 1000000 / USER_HZ };		/* [settime_lock] */

static s64 clamp(s64 v, s64 lo, s64 hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Checks as Linux's timekeeping_validate_timex. */
static long adjtimex_valid(const struct timex *tx)
{
	/* first, apart from the modes below: ADJ_ADJTIME with ADJ_NANO
	 * (ADJ_OFFSET_SS_READ) passes them unprivileged */
	if ((tx->modes & ADJ_SETOFFSET) && !may_set_time())
		return -EPERM;
	if (tx->modes & ADJ_ADJTIME) {	/* adjtime(3): with ADJ_OFFSET, else nothing */
		if (!(tx->modes & ADJ_OFFSET))
			return -EINVAL;
		return (tx->modes & ADJ_NANO) || may_set_time() ? 0 : -EPERM;	/* _SS_READ */
	}
	if (tx->modes && !may_set_time())
		return -EPERM;
	if ((tx->modes & ADJ_TICK) &&
	    (tx->tick < 900000 / USER_HZ || tx->tick > 1100000 / USER_HZ))
		return -EINVAL;
	if (tx->modes & ADJ_SETOFFSET) {
		s64 frac = tx->time.usec, max = tx->modes & ADJ_NANO ? (s64)NSEC : 1000000;
		if (frac < 0 || frac >= max)
			return -EINVAL;
	}
	return 0;
}

/* ADJ_SETOFFSET: the wall clock moves by delta ns (settime_lock held). */
static long adjtimex_step(s64 delta)
{
	u64 now = ktime_ns(), wall = epoch() + now, to;

	if (delta < 0 ? (u64)-delta > wall - now : __builtin_add_overflow(wall, (u64)delta, &to))
		return -EINVAL;	/* before the boot, or past 2^64 ns */
	to = wall + (u64)delta;
	__atomic_store_n(&boot_epoch_ns, to - now, __ATOMIC_RELAXED);
	arch_time_publish(to - now);
	return 0;
}

static long do_adjtimex(u64 utx)
{
	struct timex tx;

	if (copy_from_user(&tx, (const void *)utx, sizeof(tx)))
		return -EFAULT;
	long rc = adjtimex_valid(&tx);
	if (rc)
		return rc;
	u32 m = tx.modes;
	mutex_lock(&settime_lock);
	if (m & ADJ_SETOFFSET) {
		s64 mult = m & ADJ_NANO ? 1 : 1000, delta;
		if (__builtin_mul_overflow(tx.time.sec, (s64)NSEC, &delta) ||
		    __builtin_add_overflow(delta, tx.time.usec * mult, &delta))
			rc = -EINVAL;
		else
			rc = adjtimex_step(delta);
	}
	s64 offset = ntp.offset;
	if (m & ADJ_ADJTIME) {
		offset = ntp.singleshot;	/* what was left before */
		if (!(m & ADJ_NANO))		/* not ADJ_OFFSET_SS_READ */
			ntp.singleshot = clamp(tx.offset, -MAXPHASE / 1000, MAXPHASE / 1000);
	} else if (!rc) {
		if (m & ADJ_NANO)
			ntp.status |= STA_NANO;
		if (m & ADJ_MICRO)
			ntp.status &= ~STA_NANO;
		if (m & ADJ_STATUS)
			ntp.status = (ntp.status & STA_RONLY) | (tx.status & ~STA_RONLY);
		if (m & ADJ_OFFSET) {
			s64 max = ntp.status & STA_NANO ? MAXPHASE : MAXPHASE / 1000;
			ntp.offset = clamp(tx.offset, -max, max);
		}
		if (m & ADJ_FREQUENCY)
			ntp.freq = clamp(tx.freq, -MAXFREQ_SCALED, MAXFREQ_SCALED);
		if (m & ADJ_MAXERROR)
			ntp.maxerror = clamp(tx.maxerror, 0, 16000000);
		if (m & ADJ_ESTERROR)
			ntp.esterror = clamp(tx.esterror, 0, 16000000);
		if (m & ADJ_TIMECONST)
			ntp.constant = clamp(tx.constant, 0, 10);
		if ((m & ADJ_TAI) && tx.constant >= 0)
			ntp.tai = (s32)tx.constant;
		if (m & ADJ_TICK)
			ntp.tick = tx.tick;
	}
	if (!(m & ADJ_ADJTIME))
		offset = ntp.offset;
	struct timex out = {
		.modes = m, .offset = offset, .freq = ntp.freq, .maxerror = ntp.maxerror,
		.esterror = ntp.esterror, .status = ntp.status, .constant = ntp.constant,
		.precision = 1, .tolerance = MAXFREQ_SCALED, .tick = ntp.tick, .tai = ntp.tai,
	};
	mutex_unlock(&settime_lock);
	if (rc)
		return rc;
	u64 now = wall_clock_ns();
	out.time.sec = (s64)(now / NSEC);
	out.time.usec = (s64)(now % NSEC / (out.status & STA_NANO ? 1 : 1000));
	if (copy_to_user((void *)utx, &out, sizeof(out)))
		return -EFAULT;
	return TIME_OK;
}

long sys_adjtimex(u64 utx, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	return do_adjtimex(utx);
}

/* Only the wall clock is adjustable, as on Linux. */
long sys_clock_adjtime(u64 clock, u64 utx, u64 a2, u64 a3, u64 a4, u64 a5)
{
	u64 ns;

	(void)a2; (void)a3; (void)a4; (void)a5;
	if (clock == CLOCK_REALTIME)
		return do_adjtimex(utx);
	return clock_now(clock, &ns) ? -EINVAL : -EOPNOTSUPP;
}
