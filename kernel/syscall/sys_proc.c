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
#include <alloy/printk.h>
#include <alloy/process.h>
#include <asm/trap.h>
#include "sysfs.h"
#include <uapi/misc.h>
#include <uapi/sched.h>

#define BRK_MAX (1ULL << 30)	/* until RLIMIT_DATA exists */

long sys_exit(u64 code, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	user_exit((int)(code & 0xff) << 8);
}

/* One thread per process: the thread id is the pid. */
long sys_getpid(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a0; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	return current_proc()->pid;
}

long sys_set_tid_address(u64 ptr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)ptr; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	return current_proc()->pid;
}

long sys_getppid(SYSARGS) { return proc_getppid(); }
long sys_getpgid(SYSARGS) { return proc_getpgid((int)a0, false); }
long sys_getpgrp(SYSARGS) { return proc_getpgid(0, false); }
long sys_getsid(SYSARGS) { return proc_getpgid((int)a0, true); }
long sys_setpgid(SYSARGS) { return proc_setpgid((int)a0, (int)a1); }
long sys_setsid(SYSARGS) { return proc_setsid(); }

long sys_fork(SYSARGS) { return user_fork(current_user_frame(), 0, 0, false); }
long sys_vfork(SYSARGS) { return user_fork(current_user_frame(), 0, 0, true); }


/* clone(flags, stack, parent_tid, child_tid, tls) for new processes only;
 * CLONE_VM without CLONE_THREAD (posix_spawn's vfork) gets a copy-on-write
 * copy, which such callers cannot tell apart. */
long sys_clone(SYSARGS)
{
	u64 flags = a0;

	if (flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_FILES | CLONE_FS | CLONE_SETTLS))
		return -EINVAL;		/* threads come later */
	if ((flags & 0xff) && (flags & 0xff) != SIGCHLD)
		return -EINVAL;
	long pid = user_fork(current_user_frame(), a1,
			     flags & CLONE_CHILD_SETTID ? a3 : 0, flags & CLONE_VFORK);
	if (pid > 0 && (flags & CLONE_PARENT_SETTID)) {
		int v = (int)pid;
		copy_to_user((void *)a2, &v, sizeof(v));
	}
	return pid;
}

long sys_wait4(SYSARGS)
{
	int status;

	if (a2 & ~(u64)(1 | 2 | 8 | 0x40000000 | 0x80000000))
		return -EINVAL;
	long pid = proc_wait((int)a0, &status, (int)a2);
	if (pid > 0 && a1 && copy_to_user((void *)a1, &status, sizeof(status)))
		return -EFAULT;
	if (pid > 0 && a3 && rusage_fill(RUSAGE_LAST_REAPED, (void *)a3))
		return -EFAULT;	/* the reaped child's (and its children's) */
	return pid;
}


long sys_reboot(SYSARGS)
{
	if ((u32)a0 != REBOOT_MAGIC1)
		return -EINVAL;
	switch ((u32)a2) {
	case REBOOT_CMD_CAD_ON:
	case REBOOT_CMD_CAD_OFF:
		return 0;
	case REBOOT_CMD_RESTART:
		pr_info("reboot: restarting\n");
		arch_restart();
	case REBOOT_CMD_HALT:
	case REBOOT_CMD_POWER_OFF:
		pr_info("reboot: power down\n");
		arch_power_off();
	default:
		return -EINVAL;
	}
}

/* Grows or shrinks the heap VMA; pages come on demand. */
static bool brk_move(struct user_mm *mm, u64 addr)
{
	u64 old_end = ALIGN_UP(mm->brk, PAGE_SIZE), new_end = ALIGN_UP(addr, PAGE_SIZE);

	if (new_end < old_end)
		return !vma_unmap(mm, new_end, old_end);
	if (new_end == old_end)
		return true;
	if (!vma_range_free(mm, old_end, new_end) ||
	    !rlimit_as_allows(mm, old_end, new_end - old_end) ||
	    !mm_can_commit((new_end - old_end) / PAGE_SIZE))
		return false;	/* would collide, RLIMIT_AS, or obviously overcommit */
	struct vma *heap = old_end > mm->brk_start ? vma_find(mm, old_end - 1) : NULL;
	if (heap && heap->kind == VMA_HEAP && heap->end == old_end) {
		heap->end = new_end;
		return true;
	}
	return !vma_add(mm, old_end, new_end, UVM_READ | UVM_WRITE, VMA_HEAP);
}

/* Returns the new break, or the old one if the request cannot be met
 * (Linux's way of saying ENOMEM). */
long sys_brk(u64 addr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;
	long ret;

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	mutex_lock(&mm->lock);
	if (addr >= mm->brk_start && addr - mm->brk_start <= BRK_MAX && brk_move(mm, addr))
		mm->brk = addr;
	ret = (long)mm->brk;
	mutex_unlock(&mm->lock);
	return ret;
}
