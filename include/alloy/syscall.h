/*
 * System calls: Linux's semantics, -errno results. The numbers are the
 * architecture's: it supplies the table (arch_syscall_table, indexed by
 * its own numbers) and the names; kernel/syscall/dispatch.c calls them.
 */
#ifndef ALLOY_SYSCALL_H
#define ALLOY_SYSCALL_H

#include <alloy/types.h>
#include <asm/syscall_nr.h>

typedef long (*syscall_fn)(u64, u64, u64, u64, u64, u64);

extern const syscall_fn arch_syscall_table[ARCH_NR_SYSCALLS];
long syscall_invoke(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5);
/* Linux name of a syscall number on this architecture, "?" if unknown. */
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
long sys_futex(u64 uaddr, u64 op, u64 val, u64 utime, u64 uaddr2, u64 val3);
long sys_uname(u64 buf, u64, u64, u64, u64, u64);
long sys_sysinfo(u64 buf, u64, u64, u64, u64, u64);
long sys_syslog(u64 type, u64 buf, u64 len, u64, u64, u64);
long sys_getuid(u64, u64, u64, u64, u64, u64);
long sys_umask(u64 mask, u64, u64, u64, u64, u64);
long sys_getrandom(u64 buf, u64 len, u64 flags, u64, u64, u64);
long sys_prlimit64(u64 pid, u64 resource, u64 new, u64 old, u64, u64);
long sys_getrlimit(u64 resource, u64 rlim, u64, u64, u64, u64);
long sys_sched_getaffinity(u64 pid, u64 len, u64 mask, u64, u64, u64);
long sys_set_robust_list(u64 head, u64 len, u64, u64, u64, u64);
long sys_access(u64, u64, u64, u64, u64, u64);
long sys_chdir(u64, u64, u64, u64, u64, u64);
long sys_chmod(u64, u64, u64, u64, u64, u64);
long sys_chown(u64, u64, u64, u64, u64, u64);
long sys_clone(u64, u64, u64, u64, u64, u64);
long sys_close(u64, u64, u64, u64, u64, u64);
long sys_creat(u64, u64, u64, u64, u64, u64);
long sys_dup(u64, u64, u64, u64, u64, u64);
long sys_dup2(u64, u64, u64, u64, u64, u64);
long sys_dup3(u64, u64, u64, u64, u64, u64);
long sys_execve(u64, u64, u64, u64, u64, u64);
long sys_faccessat(u64, u64, u64, u64, u64, u64);
long sys_faccessat2(u64, u64, u64, u64, u64, u64);
long sys_fchdir(u64, u64, u64, u64, u64, u64);
long sys_fchmod(u64, u64, u64, u64, u64, u64);
long sys_fchmodat(u64, u64, u64, u64, u64, u64);
long sys_fchown(u64, u64, u64, u64, u64, u64);
long sys_fchownat(u64, u64, u64, u64, u64, u64);
long sys_fcntl(u64, u64, u64, u64, u64, u64);
long sys_fork(u64, u64, u64, u64, u64, u64);
long sys_fstat(u64, u64, u64, u64, u64, u64);
long sys_fsync(u64, u64, u64, u64, u64, u64);
long sys_ftruncate(u64, u64, u64, u64, u64, u64);
long sys_getcwd(u64, u64, u64, u64, u64, u64);
long sys_getdents64(u64, u64, u64, u64, u64, u64);
long sys_getpgid(u64, u64, u64, u64, u64, u64);
long sys_getpgrp(u64, u64, u64, u64, u64, u64);
long sys_getppid(u64, u64, u64, u64, u64, u64);
long sys_getsid(u64, u64, u64, u64, u64, u64);
long sys_kill(u64, u64, u64, u64, u64, u64);
long sys_lchown(u64, u64, u64, u64, u64, u64);
long sys_link(u64, u64, u64, u64, u64, u64);
long sys_linkat(u64, u64, u64, u64, u64, u64);
long sys_lseek(u64, u64, u64, u64, u64, u64);
long sys_lstat(u64, u64, u64, u64, u64, u64);
long sys_mkdir(u64, u64, u64, u64, u64, u64);
long sys_mkdirat(u64, u64, u64, u64, u64, u64);
long sys_mknod(u64, u64, u64, u64, u64, u64);
long sys_mknodat(u64, u64, u64, u64, u64, u64);
long sys_newfstatat(u64, u64, u64, u64, u64, u64);
long sys_open(u64, u64, u64, u64, u64, u64);
long sys_openat(u64, u64, u64, u64, u64, u64);
long sys_pause(u64, u64, u64, u64, u64, u64);
long sys_pipe(u64, u64, u64, u64, u64, u64);
long sys_pipe2(u64, u64, u64, u64, u64, u64);
long sys_epoll_create(u64, u64, u64, u64, u64, u64);
long sys_epoll_create1(u64, u64, u64, u64, u64, u64);
long sys_epoll_ctl(u64, u64, u64, u64, u64, u64);
long sys_epoll_pwait(u64, u64, u64, u64, u64, u64);
long sys_epoll_pwait2(u64, u64, u64, u64, u64, u64);
long sys_epoll_wait(u64, u64, u64, u64, u64, u64);
long sys_eventfd(u64, u64, u64, u64, u64, u64);
long sys_eventfd2(u64, u64, u64, u64, u64, u64);
long sys_timerfd_create(u64, u64, u64, u64, u64, u64);
long sys_timerfd_gettime(u64, u64, u64, u64, u64, u64);
long sys_timerfd_settime(u64, u64, u64, u64, u64, u64);
long sys_poll(u64, u64, u64, u64, u64, u64);
long sys_ppoll(u64, u64, u64, u64, u64, u64);
long sys_pread64(u64, u64, u64, u64, u64, u64);
long sys_pselect6(u64, u64, u64, u64, u64, u64);
long sys_pwrite64(u64, u64, u64, u64, u64, u64);
long sys_read(u64, u64, u64, u64, u64, u64);
long sys_readlink(u64, u64, u64, u64, u64, u64);
long sys_readlinkat(u64, u64, u64, u64, u64, u64);
long sys_readv(u64, u64, u64, u64, u64, u64);
long sys_reboot(u64, u64, u64, u64, u64, u64);
long sys_rename(u64, u64, u64, u64, u64, u64);
long sys_renameat(u64, u64, u64, u64, u64, u64);
long sys_renameat2(u64, u64, u64, u64, u64, u64);
long sys_rmdir(u64, u64, u64, u64, u64, u64);
long sys_rt_sigaction(u64, u64, u64, u64, u64, u64);
long sys_rt_sigpending(u64, u64, u64, u64, u64, u64);
long sys_rt_sigprocmask(u64, u64, u64, u64, u64, u64);
long sys_rt_sigreturn(u64, u64, u64, u64, u64, u64);
long sys_rt_sigsuspend(u64, u64, u64, u64, u64, u64);
long sys_select(u64, u64, u64, u64, u64, u64);
long sys_setpgid(u64, u64, u64, u64, u64, u64);
long sys_setsid(u64, u64, u64, u64, u64, u64);
long sys_sigaltstack(u64, u64, u64, u64, u64, u64);
long sys_stat(u64, u64, u64, u64, u64, u64);
long sys_statx(u64, u64, u64, u64, u64, u64);
long sys_symlink(u64, u64, u64, u64, u64, u64);
long sys_symlinkat(u64, u64, u64, u64, u64, u64);
long sys_sync(u64, u64, u64, u64, u64, u64);
long sys_msync(u64, u64, u64, u64, u64, u64);
long sys_syncfs(u64, u64, u64, u64, u64, u64);
long sys_fdatasync(u64, u64, u64, u64, u64, u64);
long sys_mount(u64, u64, u64, u64, u64, u64);
long sys_umount2(u64, u64, u64, u64, u64, u64);
long sys_statfs(u64, u64, u64, u64, u64, u64);
long sys_fstatfs(u64, u64, u64, u64, u64, u64);
long sys_tgkill(u64, u64, u64, u64, u64, u64);
long sys_tkill(u64, u64, u64, u64, u64, u64);
long sys_truncate(u64, u64, u64, u64, u64, u64);
long sys_unlink(u64, u64, u64, u64, u64, u64);
long sys_unlinkat(u64, u64, u64, u64, u64, u64);
long sys_utimensat(u64, u64, u64, u64, u64, u64);
long sys_vfork(u64, u64, u64, u64, u64, u64);
long sys_wait4(u64, u64, u64, u64, u64, u64);
long sys_prctl(u64, u64, u64, u64, u64, u64);
long sys_time(u64, u64, u64, u64, u64, u64);
long sys_mremap(u64, u64, u64, u64, u64, u64);
long sys_madvise(u64, u64, u64, u64, u64, u64);
long sys_geteuid(u64, u64, u64, u64, u64, u64);
long sys_getgid(u64, u64, u64, u64, u64, u64);
long sys_getegid(u64, u64, u64, u64, u64, u64);
long sys_setuid(u64, u64, u64, u64, u64, u64);
long sys_setgid(u64, u64, u64, u64, u64, u64);
long sys_setreuid(u64, u64, u64, u64, u64, u64);
long sys_setregid(u64, u64, u64, u64, u64, u64);
long sys_getgroups(u64, u64, u64, u64, u64, u64);
long sys_setgroups(u64, u64, u64, u64, u64, u64);
long sys_setresuid(u64, u64, u64, u64, u64, u64);
long sys_getresuid(u64, u64, u64, u64, u64, u64);
long sys_setresgid(u64, u64, u64, u64, u64, u64);
long sys_getresgid(u64, u64, u64, u64, u64, u64);
/* Reads the wall clock once at boot. */
void time_init(void);

#endif
