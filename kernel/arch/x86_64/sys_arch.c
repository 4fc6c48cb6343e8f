/*
 * x86-64's own system call: arch_prctl (the FS base, which libc uses for
 * thread-local storage). Its table slot is in syscall_table.c.
 */
#include <alloy/errno.h>
#include <alloy/syscall.h>
#include <alloy/sched.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <asm/cpu.h>

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

long sys_arch_prctl(u64 code, u64 addr, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct task *t = current_task();

	(void)a2; (void)a3; (void)a4; (void)a5;
	switch (code) {
	case ARCH_SET_FS:
		if (addr >= USER_TOP)
			return -EPERM;
		t->fs_base = addr;
		arch_set_user_fs(addr);
		return 0;
	case ARCH_GET_FS:
		return copy_to_user((void *)addr, &t->fs_base, sizeof(u64));
	case ARCH_GET_CPUID:
		return 1;	/* cpuid runs: there is no faulting to turn it off */
	case ARCH_SET_CPUID:
		/* CPUID faulting (an MSR some Intel CPUs have) is not used:
		 * Linux's answer on a CPU without it */
		return -ENODEV;
	default:
		return -EINVAL;
	}
}
