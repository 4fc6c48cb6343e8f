/* System calls: Linux x86-64 numbers and calling convention, -errno results. */
#ifndef ALLOY_SYSCALL_H
#define ALLOY_SYSCALL_H

#include <alloy/types.h>

typedef long (*syscall_fn)(u64, u64, u64, u64, u64, u64);

long syscall_invoke(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5);
/* Linux name of a syscall number, "?" if unknown. */
const char *syscall_name(u64 nr);

long sys_write(u64 fd, u64 buf, u64 count, u64, u64, u64);
long sys_writev(u64 fd, u64 iov, u64 iovcnt, u64, u64, u64);
long sys_ioctl(u64 fd, u64 cmd, u64 arg, u64, u64, u64);
long sys_exit(u64 code, u64, u64, u64, u64, u64);
long sys_getpid(u64, u64, u64, u64, u64, u64);
long sys_set_tid_address(u64 ptr, u64, u64, u64, u64, u64);
long sys_arch_prctl(u64 code, u64 addr, u64, u64, u64, u64);
long sys_brk(u64 addr, u64, u64, u64, u64, u64);
long sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, u64 fd, u64 off);
long sys_munmap(u64 addr, u64 len, u64, u64, u64, u64);
long sys_mprotect(u64 addr, u64 len, u64 prot, u64, u64, u64);
long sys_clock_gettime(u64 clock, u64 tp, u64, u64, u64, u64);
long sys_gettimeofday(u64 tv, u64 tz, u64, u64, u64, u64);
long sys_nanosleep(u64 req, u64 rem, u64, u64, u64, u64);
long sys_clock_nanosleep(u64 clock, u64 flags, u64 req, u64 rem, u64, u64);
long sys_sched_yield(u64, u64, u64, u64, u64, u64);
long sys_uname(u64 buf, u64, u64, u64, u64, u64);
long sys_getuid(u64, u64, u64, u64, u64, u64);
long sys_umask(u64 mask, u64, u64, u64, u64, u64);
long sys_getrandom(u64 buf, u64 len, u64 flags, u64, u64, u64);
long sys_prlimit64(u64 pid, u64 resource, u64 new, u64 old, u64, u64);
long sys_getrlimit(u64 resource, u64 rlim, u64, u64, u64, u64);
long sys_sched_getaffinity(u64 pid, u64 len, u64 mask, u64, u64, u64);
long sys_set_robust_list(u64 head, u64 len, u64, u64, u64, u64);
/* Reads the wall clock once at boot. */
void time_init(void);

#endif
