/*
 * Anonymous memory: mmap, munmap, mprotect. Pages come on demand
 * (kernel/mm/fault.c). A request larger than the free memory is refused
 * with -ENOMEM up front, like Linux's default overcommit heuristic.
 * File mappings come with the VFS.
 */
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/sched.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/user.h>

#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20

static u32 uvm_prot(u64 prot)
{
	return (prot & (PROT_READ | PROT_WRITE | PROT_EXEC) ? UVM_READ : 0) |
	       (prot & PROT_WRITE ? UVM_WRITE : 0) | (prot & PROT_EXEC ? UVM_EXEC : 0);
}

/* [addr, addr + len) page-aligned, non-empty, inside user space. */
static bool user_range(u64 addr, u64 len)
{
	return !(addr & (PAGE_SIZE - 1)) && len && addr >= USER_MMAP_BOTTOM &&
	       addr < USER_STACK_TOP && len <= USER_STACK_TOP - addr;
}

long sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, u64 fd, u64 off)
{
	struct user_mm *mm = current_task()->mm;
	long ret;

	(void)off;
	if (!len || (prot & ~7ULL))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return (s64)fd < 0 ? -EBADF : -ENODEV;	/* no files yet */
	if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
		return -EINVAL;
	if (len > USER_STACK_TOP)
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (len / PAGE_SIZE > page_alloc_free_count())
		return -ENOMEM;
	mutex_lock(&mm->lock);
	if (flags & MAP_FIXED) {
		ret = user_range(addr, len) ? vma_unmap(mm, addr, addr + len) : -EINVAL;
	} else {
		if (!user_range(addr, len) || addr + len > USER_MMAP_TOP ||
		    !vma_range_free(mm, addr, addr + len))
			addr = vma_find_free(mm, len);	/* the hint does not fit */
		ret = addr ? 0 : -ENOMEM;
	}
	if (!ret)
		ret = vma_add(mm, addr, addr + len, uvm_prot(prot), VMA_ANON);
	mutex_unlock(&mm->lock);
	return ret ? ret : (long)addr;
}

long sys_munmap(u64 addr, u64 len, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;

	(void)a2; (void)a3; (void)a4; (void)a5;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!user_range(addr, len))
		return -EINVAL;
	mutex_lock(&mm->lock);
	long ret = vma_unmap(mm, addr, addr + len);
	mutex_unlock(&mm->lock);
	return ret;
}

long sys_mprotect(u64 addr, u64 len, u64 prot, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;

	(void)a3; (void)a4; (void)a5;
	if (prot & ~7ULL)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!user_range(addr, len))
		return len ? -EINVAL : 0;
	mutex_lock(&mm->lock);
	long ret = vma_protect(mm, addr, addr + len, uvm_prot(prot));
	mutex_unlock(&mm->lock);
	return ret;
}
