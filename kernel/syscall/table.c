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
	[39] = sys_getpid,
	[60] = sys_exit,
	[158] = sys_arch_prctl,
	[186] = sys_getpid,		/* gettid: one thread per process yet */
	[218] = sys_set_tid_address,
	[231] = sys_exit,		/* exit_group */
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
