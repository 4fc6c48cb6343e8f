/*
 * The syscall table, indexed by Linux x86-64 number. Anything not here
 * returns -ENOSYS and is logged once (docs/syscalls.md has the status).
 */
#include <alloy/compiler.h>
#include <alloy/cmdline.h>
#include <alloy/errno.h>
#include <alloy/process.h>
#include <alloy/printk.h>
#include <alloy/syscall.h>

#define NR_SYSCALLS 512

static const syscall_fn table[NR_SYSCALLS] = {
	[0] = sys_read,
	[1] = sys_write,
	[2] = sys_open,
	[3] = sys_close,
	[4] = sys_stat,
	[5] = sys_fstat,
	[6] = sys_lstat,
	[7] = sys_poll,
	[8] = sys_lseek,
	[9] = sys_mmap,
	[10] = sys_mprotect,
	[11] = sys_munmap,
	[12] = sys_brk,
	[13] = sys_rt_sigaction,
	[14] = sys_rt_sigprocmask,
	[15] = sys_rt_sigreturn,
	[16] = sys_ioctl,
	[17] = sys_pread64,
	[18] = sys_pwrite64,
	[19] = sys_readv,
	[20] = sys_writev,
	[21] = sys_access,
	[22] = sys_pipe,
	[23] = sys_select,
	[24] = sys_sched_yield,
	[25] = sys_mremap,
	[26] = sys_msync,
	[28] = sys_madvise,
	[32] = sys_dup,
	[33] = sys_dup2,
	[34] = sys_pause,
	[35] = sys_nanosleep,
	[39] = sys_getpid,
	[56] = sys_clone,
	[57] = sys_fork,
	[58] = sys_vfork,
	[59] = sys_execve,
	[60] = sys_exit,
	[61] = sys_wait4,
	[62] = sys_kill,
	[63] = sys_uname,
	[72] = sys_fcntl,
	[74] = sys_fsync,
	[75] = sys_fdatasync,
	[76] = sys_truncate,
	[77] = sys_ftruncate,
	[79] = sys_getcwd,
	[80] = sys_chdir,
	[81] = sys_fchdir,
	[82] = sys_rename,
	[83] = sys_mkdir,
	[84] = sys_rmdir,
	[85] = sys_creat,
	[86] = sys_link,
	[87] = sys_unlink,
	[88] = sys_symlink,
	[89] = sys_readlink,
	[90] = sys_chmod,
	[91] = sys_fchmod,
	[92] = sys_chown,
	[93] = sys_fchown,
	[94] = sys_lchown,
	[95] = sys_umask,
	[96] = sys_gettimeofday,
	[97] = sys_getrlimit,
	[99] = sys_sysinfo,
	[103] = sys_syslog,
	[102] = sys_getuid,
	[104] = sys_getgid,
	[105] = sys_setuid,
	[106] = sys_setgid,
	[107] = sys_geteuid,
	[108] = sys_getegid,
	[109] = sys_setpgid,
	[110] = sys_getppid,
	[111] = sys_getpgrp,
	[112] = sys_setsid,
	[113] = sys_setreuid,
	[114] = sys_setregid,
	[115] = sys_getgroups,
	[116] = sys_setgroups,
	[117] = sys_setresuid,
	[118] = sys_getresuid,
	[119] = sys_setresgid,
	[120] = sys_getresgid,
	[121] = sys_getpgid,
	[124] = sys_getsid,
	[127] = sys_rt_sigpending,
	[130] = sys_rt_sigsuspend,
	[131] = sys_sigaltstack,
	[133] = sys_mknod,
	[137] = sys_statfs,
	[138] = sys_fstatfs,
	[157] = sys_prctl,
	[158] = sys_arch_prctl,
	[162] = sys_sync,
	[165] = sys_mount,
	[166] = sys_umount2,
	[169] = sys_reboot,
	[186] = sys_getpid,		/* gettid: one thread per process */
	[200] = sys_tkill,
	[201] = sys_time,
	[204] = sys_sched_getaffinity,
	[217] = sys_getdents64,
	[218] = sys_set_tid_address,
	[228] = sys_clock_gettime,
	[230] = sys_clock_nanosleep,
	[231] = sys_exit,		/* exit_group */
	[234] = sys_tgkill,
	[257] = sys_openat,
	[258] = sys_mkdirat,
	[259] = sys_mknodat,
	[260] = sys_fchownat,
	[262] = sys_newfstatat,
	[263] = sys_unlinkat,
	[264] = sys_renameat,
	[265] = sys_linkat,
	[266] = sys_symlinkat,
	[267] = sys_readlinkat,
	[268] = sys_fchmodat,
	[269] = sys_faccessat,
	[270] = sys_pselect6,
	[271] = sys_ppoll,
	[273] = sys_set_robust_list,
	[280] = sys_utimensat,
	[292] = sys_dup3,
	[293] = sys_pipe2,
	[302] = sys_prlimit64,
	[306] = sys_syncfs,
	[316] = sys_renameat2,
	[318] = sys_getrandom,
	[332] = sys_statx,
	[439] = sys_faccessat2,
};

static u64 logged[NR_SYSCALLS / 64];

static void log_missing(u64 nr)
{
	u64 bit = 1ULL << (nr % 64);

	/* The kernel log (dmesg), not the console unless loglevel=7 or
	 * debug: programs probe for syscalls all the time (rseq). */
	if (nr >= NR_SYSCALLS) {
		printk_ratelimited(LOG_DEBUG, "syscall %llu: no such syscall\n", nr);
		return;
	}
	if (__atomic_fetch_or(&logged[nr / 64], bit, __ATOMIC_RELAXED) & bit)
		return;
	pr_debug("syscall %llu (%s) not implemented: -ENOSYS\n", nr, syscall_name(nr));
}

/* strace=1 on the command line: every syscall and its result, to the log. */
static int trace = -1;

long syscall_invoke(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	long rc;

	if (unlikely(trace < 0))
		trace = cmdline_has("strace");
	if (nr < NR_SYSCALLS && table[nr]) {
		if (unlikely(trace))
			pr_info("[%d] %s(%#llx, %#llx, %#llx, %#llx) ...\n", current_proc()->pid,
				syscall_name(nr), a0, a1, a2, a3);
		rc = table[nr](a0, a1, a2, a3, a4, a5);
		if (unlikely(trace))
			pr_info("[%d] %s = %ld\n", current_proc()->pid, syscall_name(nr), rc);
		return rc;
	}
	log_missing(nr);
	return -ENOSYS;
}
