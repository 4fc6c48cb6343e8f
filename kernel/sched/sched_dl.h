/*
 * SCHED_DEADLINE inside kernel/sched: the bandwidth bookkeeping of
 * deadline.c, used by sched.c (the class) and its sysctls.
 */
#ifndef KERNEL_SCHED_SCHED_DL_H
#define KERNEL_SCHED_SCHED_DL_H

#include <alloy/types.h>

#define BW_SHIFT 20			/* bandwidth: runtime/period in 1/2^20 */

/* sched.c's /proc/sys/kernel/sched_rt_{period,runtime}_us (runtime -1:
 * no limit); changed only through dl_bw_set_rt. */
extern long sched_rt_period_us, sched_rt_runtime_us;

u64 dl_ratio(u64 period, u64 runtime);
/* A task's bandwidth goes from old_bw to new_bw (0: none): -EBUSY, and
 * nothing changed, if an increase would pass the root domain's limit. */
int dl_bw_change(u64 old_bw, u64 new_bw);
void dl_bw_release(u64 bw);
/* sched_rt_runtime_us is not -1: admission and the affinity rule apply. */
bool dl_bw_enabled(void);
int dl_bw_set_rt(bool is_period, long v);
u64 dl_bw_total(void);

#endif
