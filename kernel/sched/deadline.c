/*
 * SCHED_DEADLINE's parameters and bandwidth (docs/sched.md): Linux's
 * parameter rules, the sched_deadline_period_{min,max}_us limits and
 * admission control. The class itself (earliest deadline first, the
 * constant-bandwidth server, throttling) is in sched.c with the queues.
 *
 * Admission: Alloy has one root domain, every online CPU. Each admitted
 * deadline task holds bandwidth runtime/period (fixed point, BW_SHIFT
 * bits) in dl_total; the total stays within sched_rt_runtime_us /
 * sched_rt_period_us of each CPU times the CPUs (95% of each by default),
 * unless sched_rt_runtime_us is -1 (no limit, as Linux). dl_bw_lock
 * guards dl_total and, while it is held, the two sysctls cannot change:
 * their writers validate against dl_total under it (EBUSY when the
 * admitted tasks would no longer fit). Lock order: task->lock, then
 * dl_bw_lock (a leaf, rank LR_DL_BW).
 */
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/sched.h>
#include <alloy/spinlock.h>
#include <alloy/sysctl.h>
#include "sched_dl.h"

#define NSEC_PER_USEC 1000ULL

static spinlock_t dl_bw_lock = SPINLOCK_INIT("dl-bw", LR_DL_BW);
static u64 dl_total;			/* [dl_bw_lock] admitted bandwidth */

/* /proc/sys/kernel/sched_deadline_period_{max,min}_us: Linux's defaults
 * (2^22 us, 100 us); each bounds what the other may be set to. */
static long dl_period_max_us = 1L << 22;
static long dl_period_min_us = 100;

u64 dl_ratio(u64 period, u64 runtime)
{
	/* runtime <= period < 2^32 us: the shift cannot overflow */
	return period ? (runtime << BW_SHIFT) / period : 0;
}

/*
 * Linux's __checkparam_dl: a deadline, runtime <= deadline <= period
 * (period 0: the deadline), a runtime of at least 1024 ns (2^DL_SCALE),
 * neither deadline nor period with the top bit set, and the period within
 * the sysctl limits.
 */
bool sched_dl_params_valid(u64 runtime, u64 deadline, u64 period)
{
	if (!deadline || runtime < 1024 || ((deadline | period) >> 63))
		return false;
	if (!period)
		period = deadline;
	if (period < deadline || deadline < runtime)
		return false;
	u64 max = (u64)READ_ONCE(dl_period_max_us) * NSEC_PER_USEC;
	u64 min = (u64)READ_ONCE(dl_period_min_us) * NSEC_PER_USEC;
	return period >= min && period <= max;
}

/* What the root domain may hold with these sysctl values; ~0: no limit. */
static u64 dl_capacity(long runtime_us, long period_us)
{
	if (runtime_us < 0)
		return ~0ULL;
	u64 cpus = 0;

	for (u64 m = sched_online_mask(); m; m &= m - 1)
		cpus++;
	return cpus * dl_ratio((u64)period_us, (u64)runtime_us);
}

int dl_bw_change(u64 old_bw, u64 new_bw)
{
	unsigned long flags = spin_lock_irqsave(&dl_bw_lock);
	u64 cap = dl_capacity(READ_ONCE(sched_rt_runtime_us), READ_ONCE(sched_rt_period_us));
	u64 total = dl_total - old_bw + new_bw;
	int rc = 0;

	if (new_bw > old_bw && total > cap)
		rc = -EBUSY;
	else
		dl_total = total;
	spin_unlock_irqrestore(&dl_bw_lock, flags);
	return rc;
}

void dl_bw_release(u64 bw)
{
	unsigned long flags = spin_lock_irqsave(&dl_bw_lock);
	dl_total -= bw;
	spin_unlock_irqrestore(&dl_bw_lock, flags);
}

bool dl_bw_enabled(void)
{
	return READ_ONCE(sched_rt_runtime_us) >= 0;
}

/*
 * sched_rt_period_us (is_period) or sched_rt_runtime_us becomes v, if
 * the runtime stays -1 or at most the period (else EINVAL) and the
 * admitted deadline tasks still fit (else EBUSY), as Linux's
 * sched_rt_handler. Both are written only here, under the lock.
 */
int dl_bw_set_rt(bool is_period, long v)
{
	unsigned long flags = spin_lock_irqsave(&dl_bw_lock);
	long runtime = is_period ? sched_rt_runtime_us : v;
	long period = is_period ? v : sched_rt_period_us;
	int rc = 0;

	if (runtime >= 0 && runtime > period)
		rc = -EINVAL;
	else if (dl_capacity(runtime, period) < dl_total)
		rc = -EBUSY;
	else
		WRITE_ONCE(*(is_period ? &sched_rt_period_us : &sched_rt_runtime_us), v);
	spin_unlock_irqrestore(&dl_bw_lock, flags);
	return rc;
}

u64 dl_bw_total(void)
{
	return READ_ONCE(dl_total);
}

static int show_period_max(struct pbuf *b) { return pbuf_printf(b, "%ld\n", READ_ONCE(dl_period_max_us)); }
static int show_period_min(struct pbuf *b) { return pbuf_printf(b, "%ld\n", READ_ONCE(dl_period_min_us)); }

/* Linux's proc_douintvec_minmax: an unsigned int, max at least min. */
static int store_period_max(const char *buf, size_t len)
{
	long v;
	int rc = sysctl_parse_long(buf, len, &v);

	if (!rc && (v < READ_ONCE(dl_period_min_us) || v > 0xffffffffL))
		rc = -EINVAL;
	if (!rc)
		WRITE_ONCE(dl_period_max_us, v);
	return rc;
}

static int store_period_min(const char *buf, size_t len)
{
	long v;
	int rc = sysctl_parse_long(buf, len, &v);

	if (!rc && (v < 0 || v > READ_ONCE(dl_period_max_us)))
		rc = -EINVAL;
	if (!rc)
		WRITE_ONCE(dl_period_min_us, v);
	return rc;
}

SYSCTL(sched_dl_period_max, "kernel/sched_deadline_period_max_us", 0644, show_period_max,
       store_period_max);
SYSCTL(sched_dl_period_min, "kernel/sched_deadline_period_min_us", 0644, show_period_min,
       store_period_min);
