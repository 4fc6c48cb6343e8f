/*
 * The syscall table, indexed by Linux x86-64 number. Anything not here
 * returns -ENOSYS and is logged once (docs/syscalls.md has the status).
 */
#include <alloy/compiler.h>
#include <alloy/errno.h>
#include <alloy/printk.h>
#include <alloy/syscall.h>

#define NR_SYSCALLS 512

static const syscall_fn table[NR_SYSCALLS] = {
	[1] = sys_write,
	[9] = sys_mmap,
	[10] = sys_mprotect,
	[11] = sys_munmap,
	[12] = sys_brk,
	[16] = sys_ioctl,
	[20] = sys_writev,
	[24] = sys_sched_yield,
	[35] = sys_nanosleep,
	[39] = sys_getpid,
	[60] = sys_exit,
	[63] = sys_uname,
	[95] = sys_umask,
	[96] = sys_gettimeofday,
	[97] = sys_getrlimit,
	[102] = sys_getuid,
	[104] = sys_getuid,		/* getgid: everyone is root yet */
	[107] = sys_getuid,		/* geteuid */
	[108] = sys_getuid,		/* getegid */
	[110] = sys_getuid,		/* getppid: started by the kernel (0) */
	[158] = sys_arch_prctl,
	[186] = sys_getpid,		/* gettid: one thread per process yet */
	[204] = sys_sched_getaffinity,
	[218] = sys_set_tid_address,
	[228] = sys_clock_gettime,
	[230] = sys_clock_nanosleep,
	[231] = sys_exit,		/* exit_group */
	[273] = sys_set_robust_list,
	[302] = sys_prlimit64,
	[318] = sys_getrandom,
};

static u64 logged[NR_SYSCALLS / 64];

static void log_missing(u64 nr)
{
	u64 bit = 1ULL << (nr % 64);

	if (nr >= NR_SYSCALLS) {
		pr_warn("syscall %llu: no such syscall\n", nr);
		return;
	}
	if (__atomic_fetch_or(&logged[nr / 64], bit, __ATOMIC_RELAXED) & bit)
		return;
	pr_warn("syscall %llu (%s) not implemented: -ENOSYS\n", nr, syscall_name(nr));
}

long syscall_invoke(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	if (nr < NR_SYSCALLS && table[nr])
		return table[nr](a0, a1, a2, a3, a4, a5);
	log_missing(nr);
	return -ENOSYS;
}
