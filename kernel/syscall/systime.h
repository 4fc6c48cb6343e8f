/*
 * Time helpers the syscalls share (kernel/syscall/sys_time.c).
 */
#ifndef SYSCALL_SYSTIME_H
#define SYSCALL_SYSTIME_H

#include <alloy/types.h>

/* Now on a Linux clock id, in ns; -EINVAL for a clock there is not. */
int clock_now(u64 clock, u64 *ns);
/* The same as the calling process sees it: its time namespace's offset
 * added (<alloy/ns.h>). Absolute times from user space are in this view. */
int clock_now_user(u64 clock, u64 *ns);
/* A user struct timespec in ns (saturating); -EFAULT, -EINVAL. */
int read_timespec(u64 uptr, u64 *ns);

#endif
