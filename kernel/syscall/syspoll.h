/*
 * What poll/select share with epoll_pwait (kernel/syscall/sys_poll.c).
 */
#ifndef SYSCALL_SYSPOLL_H
#define SYSCALL_SYSPOLL_H

#include <alloy/types.h>

/* Swaps in the user sigset at umask (size must be 8) for a wait. */
long with_sigmask(u64 umask, u64 size, u64 *saved, bool *swapped);
/* Restores it; after -EINTR only once the handler has run. */
void restore_sigmask(u64 saved, bool swapped, long rc);

#endif
