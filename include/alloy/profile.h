/*
 * The sampling profiler (kernel/lib/profile.c; docs/profiling.md).
 * Writing N to /proc/sys/kernel/profile samples every CPU N times a
 * second from its timer interrupt; 0 stops; reading it gives the counts.
 * Off, it costs the timer interrupt one load and a branch.
 */
#ifndef ALLOY_PROFILE_H
#define ALLOY_PROFILE_H

#include <alloy/types.h>

struct trap_frame;

/* The sampling period in ns, 0 when off (timer.c reads it per interrupt). */
u64 profile_period_ns(void);
/* Records one sample of what this CPU was doing (timer interrupt). */
void profile_sample(const struct trap_frame *tf);

#endif
