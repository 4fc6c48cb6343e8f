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

/* Grows or shrinks the heap VMA; pages come on demand. */
static bool brk_move(struct user_mm *mm, u64 addr)
{
	u64 old_end = ALIGN_UP(mm->brk, PAGE_SIZE), new_end = ALIGN_UP(addr, PAGE_SIZE);

	if (new_end < old_end)
		return !vma_unmap(mm, new_end, old_end);
	if (new_end == old_end)
		return true;
	if (!vma_range_free(mm, old_end, new_end) ||
	    (new_end - old_end) / PAGE_SIZE > page_alloc_free_count())
		return false;	/* would collide, or obviously overcommit */
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
