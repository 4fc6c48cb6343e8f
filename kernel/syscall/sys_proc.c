/* Process-level calls of the first user slice: exit, ids, TLS, brk. */
#include <alloy/arch.h>
#include <alloy/compiler.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/sched.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define BRK_MAX (1ULL << 30)	/* until RLIMIT_DATA exists */

long sys_exit(u64 code, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	user_exit((int)(code & 0xff) << 8);
}

long sys_getpid(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	return task_tid(current_task());
}

long sys_set_tid_address(u64 ptr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)ptr; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	return task_tid(current_task());
}

long sys_arch_prctl(u64 code, u64 addr, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct task *t = current_task();

	(void)a2; (void)a3; (void)a4; (void)a5;
	switch (code) {
	case ARCH_SET_FS:
		if (addr >= USER_SPACE_END)
			return -EPERM;
		t->fs_base = addr;
		arch_set_user_fs(addr);
		return 0;
	case ARCH_GET_FS:
		return copy_to_user((void *)addr, &t->fs_base, sizeof(u64));
	default:
		return -EINVAL;
	}
}

/* Returns the new break, or the old one if the request cannot be met. */
long sys_brk(u64 addr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	if (addr < mm->brk_start || addr - mm->brk_start > BRK_MAX)
		return (long)mm->brk;
	if (addr > mm->brk &&
	    user_mm_map_zero(mm, mm->brk, addr - mm->brk, UVM_READ | UVM_WRITE))
		return (long)mm->brk;	/* -ENOMEM, as Linux reports it */
	mm->brk = addr;
	return (long)addr;
}
