/*
 * Memory mappings: mmap (anonymous and of files), munmap, mprotect,
 * msync, mremap. Pages come on demand (kernel/mm/fault.c); file pages
 * from the file's page cache (kernel/fs/mmap.c). An anonymous request
 * larger than the free memory is refused with -ENOMEM up front, like
 * Linux's default overcommit heuristic.
 */
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/rlimit.h>
#include <alloy/sched.h>
#include <alloy/syscall.h>
#include <alloy/signal.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <alloy/vfs.h>
#include <uapi/mman.h>
#include "sysfs.h"

static u32 uvm_prot(u64 prot)
{
	return (prot & (PROT_READ | PROT_WRITE | PROT_EXEC) ? UVM_READ : 0) |
	       (prot & PROT_WRITE ? UVM_WRITE : 0) | (prot & PROT_EXEC ? UVM_EXEC : 0);
}

/* [addr, addr + len) page-aligned, non-empty, and where a program may
 * map (above USER_MMAP_BOTTOM, below the top of user space). */
static bool mappable_range(u64 addr, u64 len)
{
	return !(addr & (PAGE_SIZE - 1)) && len && addr >= USER_MMAP_BOTTOM &&
	       addr < USER_TOP && len <= USER_TOP - addr;
}

/*
 * MAP_POPULATE: fault the pages in now, as a program touching them would
 * (a private writable mapping with write faults, so its pages are its
 * own). Best effort, as on Linux: it stops at the first page that cannot
 * be had, or when a fatal signal is pending, and mmap still succeeds.
 */
static void populate(struct user_mm *mm, u64 addr, u64 len, bool write)
{
	for (u64 a = addr; a < addr + len; a += PAGE_SIZE)
		if (fatal_signal_pending() || user_page_fault(mm, a, write, false))
			return;
}

long sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, u64 fd, u64 off)
{
	struct user_mm *mm = current_task()->mm;
	struct file *f = NULL;
	long ret;

	bool shared = flags & MAP_SHARED, pinned = false;
	u32 may = VMA_MAY_ALL;

	if (!len || (prot & ~7ULL))
		return -EINVAL;
	if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
		return -EINVAL;
	if (len > USER_TOP)
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);
	/* Everything that can refuse comes before anything changes: with
	 * MAP_FIXED the old mapping goes only if the new one will be made. */
	if (!(flags & MAP_ANONYMOUS)) {
		if (!(f = fget(fd)))
			return -EBADF;
		ret = file_mmap_check(f, len, uvm_prot(prot), shared, off, &may);
		if (ret) {
			file_put(f);
			return ret;
		}
	} else if (!(flags & MAP_NORESERVE) && !mm_can_commit(len / PAGE_SIZE)) {
		return -ENOMEM;	/* MAP_NORESERVE: pages are found when touched, or not */
	} else if (shared) {
		/* shared anonymous memory is an unlinked memory file, so fork
		 * shares its pages as it shares any shared file mapping */
		if ((ret = memfs_anon_file(len, &f)))
			return ret;
		off = 0;
	}
	down_write(&mm->lock);
	if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED)) {
		/* exactly there, and only if nothing is mapped there yet */
		ret = !mappable_range(addr, len) ? -EINVAL :
		      !vma_range_free(mm, addr, addr + len) ? -EEXIST :
		      !rlimit_as_allows(mm, addr, len) ? -ENOMEM : 0;
	} else if (flags & MAP_FIXED) {
		/* two splits and the new VMA: no slot can be missing later */
		ret = mappable_range(addr, len) ? vma_reserve(mm, 2) : -EINVAL;
		if (!ret && !rlimit_as_allows(mm, addr, len))
			ret = -ENOMEM;	/* RLIMIT_AS, before the old mapping goes */
		if (!ret && f && !(ret = vma_pin_object(mm, file_vm_object(f), f, shared)))
			pinned = true;
		if (!ret)
			ret = vma_unmap(mm, addr, addr + len);
	} else {
		if (!mappable_range(addr, len) || addr + len > mm->mmap_top ||
		    !vma_range_free(mm, addr, addr + len))
			addr = vma_find_free(mm, len);	/* the hint does not fit */
		ret = addr ? 0 : -ENOMEM;
		if (!ret && !rlimit_as_allows(mm, addr, len))
			ret = -ENOMEM;	/* RLIMIT_AS */
	}
	if (!ret && f)
		ret = file_mmap(f, addr, len, uvm_prot(prot), shared, off);
	else if (!ret)
		ret = vma_add(mm, addr, addr + len, uvm_prot(prot), VMA_ANON);
	if (pinned)
		vma_unpin_object(mm, file_vm_object(f), f, shared);
	u32 lock = mm->def_lock;	/* mlockall(MCL_FUTURE) */
	if (!ret && lock && vma_set_lock(mm, addr, addr + len, lock))
		lock = 0;
	up_write(&mm->lock);
	if (f)
		file_put(f);	/* the VMA holds its own reference */
	if (!ret && ((flags & MAP_POPULATE) || lock == VMA_LOCKED))
		populate(mm, addr, len, (prot & PROT_WRITE) && !shared);
	return ret ? ret : (long)addr;
}

long sys_msync(u64 addr, u64 len, u64 flags, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;

	(void)a3; (void)a4; (void)a5;
	if ((addr & (PAGE_SIZE - 1)) || (flags & ~7ULL) ||
	    ((flags & MS_SYNC) && (flags & MS_ASYNC)))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return 0;
	if (!mappable_range(addr, len))
		return -ENOMEM;
	down_write(&mm->lock);
	long ret = vma_sync(mm, addr, addr + len);
	up_write(&mm->lock);
	/* MS_SYNC: each shared object goes to storage with mm->lock dropped
	 * (write-back write-protects mappings, which takes mm locks). */
	for (u64 at = addr; !ret && (flags & MS_SYNC) && at < addr + len;) {
		down_read(&mm->lock);
		const struct vma *v = vma_next_shared_object(mm, at, addr + len);
		const struct vm_object_ops *ops = v ? v->ops : NULL;
		void *obj = v ? v->obj : NULL;
		at = v ? v->end : addr + len;
		if (ops)
			ops->get(obj);
		up_read(&mm->lock);
		if (ops) {
			ret = ops->sync(obj);
			ops->put(obj);
		}
	}
	return ret;
}

long sys_munmap(u64 addr, u64 len, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;

	(void)a2; (void)a3; (void)a4; (void)a5;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!mappable_range(addr, len))
		return -EINVAL;
	down_write(&mm->lock);
	long ret = vma_unmap(mm, addr, addr + len);
	up_write(&mm->lock);
	return ret;
}

long sys_mprotect(u64 addr, u64 len, u64 prot, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;

	(void)a3; (void)a4; (void)a5;
	if (prot & ~7ULL)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!mappable_range(addr, len))
		return len ? -EINVAL : 0;
	down_write(&mm->lock);
	long ret = vma_protect(mm, addr, addr + len, uvm_prot(prot));
	up_write(&mm->lock);
	return ret;
}

/*
 * mremap of anonymous memory: shrink in place, grow in place when the
 * pages after it are free, else (MREMAP_MAYMOVE) move the page-table
 * entries to a new range; nothing is copied. The range must lie in one
 * VMA. MREMAP_FIXED and MREMAP_DONTUNMAP are not supported.
 */
/*
 * [start, end) mapped like was, standing for was's address `from`: a file
 * mapping goes on with the file's pages from there; anything else is
 * anonymous memory.
 */
static int add_like(struct user_mm *mm, const struct vma *was, u64 from, u64 start, u64 end)
{
	if (!was->ops)
		return vma_add(mm, start, end, was->prot, VMA_ANON);
	return vma_add_object(mm, start, end, was->prot, was->ops, was->obj,
			      was->pgoff + (from - was->start) / PAGE_SIZE, was->shared, was->may);
}

long sys_mremap(u64 old, u64 old_len, u64 new_len, u64 flags, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;
	long ret;

	(void)a4; (void)a5;
	if ((old & (PAGE_SIZE - 1)) || (flags & ~(u64)MREMAP_MAYMOVE) || !new_len)
		return -EINVAL;
	if (new_len > USER_TOP || old_len > USER_TOP)
		return -ENOMEM;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!old_len || !mappable_range(old, old_len))
		return -EINVAL;
	/* the overcommit check may give back cached pages: not under mm->lock */
	if (new_len > old_len && !mm_can_commit((new_len - old_len) / PAGE_SIZE))
		return -ENOMEM;
	down_write(&mm->lock);
	struct vma *v = vma_find(mm, old);
	/* A failure leaves both ranges as they were: every slot is reserved
	 * and every page table made before the first change. */
	if (!v || v->end < old + old_len) {
		ret = -EFAULT;
	} else if (v->filled && new_len > old_len) {
		ret = -EINVAL;		/* exec's own pages of an image only shrink */
	} else if ((ret = vma_reserve(mm, 3))) {
		;			/* no room for the splits and the new VMA */
	} else if (new_len > old_len && !rlimit_as_allows(mm, 0, new_len - old_len)) {
		ret = -ENOMEM;		/* RLIMIT_AS (whether it grows or moves) */
	} else if (new_len <= old_len) {
		ret = new_len < old_len ? vma_unmap(mm, old + new_len, old + old_len) : 0;
		ret = ret ? ret : (long)old;
	} else if (mappable_range(old, new_len) && old + new_len <= mm->mmap_top &&
		   vma_range_free(mm, old + old_len, old + new_len)) {
		/* the VMA grows (as Linux merges the new part into it), so a
		 * later mremap of the whole still finds one VMA */
		v = vma_find(mm, old);	/* vma_reserve may have moved it */
		v->end = old + new_len;
		ret = (long)old;
	} else if (!(flags & MREMAP_MAYMOVE)) {
		ret = -ENOMEM;
	} else {
		struct vma was = *vma_find(mm, old);	/* vma_reserve may have moved it */
		u64 to = vma_find_free(mm, new_len);
		/* a file mapping's place in its object's reverse map is held
		 * ahead, so adding it at the new place cannot fail */
		ret = !to ? -ENOMEM : was.ops ? vma_pin_object(mm, was.ops, was.obj, was.shared) : 0;
		if (!ret && (ret = vma_move_pages(mm, old, to, old_len)) && was.ops)
			vma_unpin_object(mm, was.ops, was.obj, was.shared);
		if (!ret) {	/* moved: from here nothing can fail */
			add_like(mm, &was, old, to, to + new_len);
			if (was.ops)
				vma_unpin_object(mm, was.ops, was.obj, was.shared);
			vma_unmap(mm, old, old + old_len);
			ret = (long)to;
		}
	}
	up_write(&mm->lock);
	return ret;
}

/* Advice is taken as a hint and ignored, except DONTNEED/FREE, which drop
 * the pages of an anonymous range so it reads as zeros again. */
/*
 * mincore: one byte per page of [addr, addr+len), 1 if the page is in
 * memory for this address space (mapped now; a file's cached page that
 * this process has not touched counts as 0, unlike Linux). -ENOMEM if a
 * page is not mapped at all. The vector is written a chunk at a time
 * with mm->lock dropped (the copy may fault).
 */
long sys_mincore(u64 addr, u64 len, u64 uvec, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;
	u8 buf[256];

	(void)a3; (void)a4; (void)a5;
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (len > USER_TOP)
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (len && !mappable_range(addr, len))
		return -ENOMEM;
	for (u64 done = 0; done < len / PAGE_SIZE;) {
		u64 n = MIN(len / PAGE_SIZE - done, (u64)sizeof(buf));
		long rc = 0;
		down_read(&mm->lock);
		for (u64 i = 0; i < n && !rc; i++) {
			u64 va = addr + (done + i) * PAGE_SIZE;
			unsigned int prot;
			if (!vma_find(mm, va))
				rc = -ENOMEM;
			mutex_lock(&mm->pt_lock);
			buf[i] = uvm_lookup(&mm->vm, va, &prot) != 0;
			mutex_unlock(&mm->pt_lock);
		}
		up_read(&mm->lock);
		if (rc)
			return rc;
		if (copy_to_user((void *)(uvec + done), buf, n))
			return -EFAULT;
		done += n;
	}
	return 0;
}

long sys_madvise(u64 addr, u64 len, u64 advice, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;
	long ret = 0;

	(void)a3; (void)a4; (void)a5;
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return 0;
	if (!mappable_range(addr, len))
		return -ENOMEM;
	if (advice > 25 && advice != 100 && advice != 101)
		return -EINVAL;
	if (advice == MADV_DONTNEED || advice == MADV_FREE || advice == MADV_REMOVE) {
		down_write(&mm->lock);
		ret = vma_zap(mm, addr, addr + len);
		up_write(&mm->lock);
	}
	return ret;
}

/* ---- mlock family ---- */

#define MLOCK_ONFAULT 1
#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4

static bool ipc_lock_capable(void)
{
	return READ_ONCE(current_proc()->uid[1]) == 0;	/* CAP_IPC_LOCK: root's */
}

/*
 * Faults in the pages of the locked VMAs in [start, end), as a program
 * touching them would (write faults for private writable mappings, so
 * the pages are their own). Best effort, as Linux's populate: the lock is
 * dropped between pages, so a munmap from another thread meanwhile
 * leaves holes that are skipped; a fatal signal stops it.
 */
static void populate_locked(struct user_mm *mm, u64 start, u64 end)
{
	for (u64 a = start; a < end && !fatal_signal_pending(); a += PAGE_SIZE) {
		down_read(&mm->lock);
		struct vma *v = NULL;
		for (int i = 0; i < mm->nr_vmas && !v; i++)	/* the first ending above a */
			if (mm->vmas[i].end > a)
				v = &mm->vmas[i];
		if (!v || v->start >= end) {
			up_read(&mm->lock);
			return;
		}
		a = MAX(a, v->start);
		bool want = v->lock == VMA_LOCKED && (v->prot & (UVM_READ | UVM_WRITE));
		bool write = (v->prot & UVM_WRITE) && !v->shared;
		u64 vend = v->end;
		up_read(&mm->lock);
		if (want)
			user_page_fault(mm, a, write, false);
		else
			a = vend - PAGE_SIZE;	/* the next VMA: not page by page */
	}
}

/* mlock, mlock2 and munlock over [start, start + len): Linux's rounding
 * (a length that wraps to 0 pages does nothing), then RLIMIT_MEMLOCK for
 * a process without CAP_IPC_LOCK: EPERM when it is 0, ENOMEM when the
 * locked total would pass it. */
static long do_mlock(u64 start, u64 len, u32 lock)
{
	struct user_mm *mm = current_task()->mm;
	u64 off = start & (PAGE_SIZE - 1);

	len = (len + off + PAGE_SIZE - 1) & ~(u64)(PAGE_SIZE - 1);
	start -= off;
	u64 end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	bool capable = ipc_lock_capable();
	u64 limit = rlimit(RLIMIT_MEMLOCK);
	if (lock && !capable && !limit)
		return -EPERM;
	limit &= ~(u64)(PAGE_SIZE - 1);	/* whole pages, as Linux counts */
	down_write(&mm->lock);
	long rc = 0;
	if (lock && !capable && vma_locked_bytes(mm, start, end) + len > limit)
		rc = -ENOMEM;
	if (!rc)
		rc = vma_set_lock(mm, start, end, lock);
	up_write(&mm->lock);
	if (!rc && lock == VMA_LOCKED)
		populate_locked(mm, start, end);
	return rc;
}

long sys_mlock(SYSARGS)
{
	return do_mlock(a0, a1, VMA_LOCKED);
}

long sys_mlock2(SYSARGS)
{
	if (a2 & ~(u64)MLOCK_ONFAULT)
		return -EINVAL;
	return do_mlock(a0, a1, a2 ? VMA_LOCKED | VMA_LOCKONFAULT : VMA_LOCKED);
}

long sys_munlock(SYSARGS)
{
	return do_mlock(a0, a1, 0);
}

/* mlockall(flags): MCL_CURRENT locks every VMA now, MCL_FUTURE the ones
 * mmap makes later; MCL_ONFAULT alone, or no flag, is EINVAL. */
long sys_mlockall(SYSARGS)
{
	struct user_mm *mm = current_task()->mm;
	u64 f = a0;

	if (!(f & (MCL_CURRENT | MCL_FUTURE)) || (f & ~(u64)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)))
		return -EINVAL;
	bool capable = ipc_lock_capable();
	u64 limit = rlimit(RLIMIT_MEMLOCK);
	if (!capable && !limit)
		return -EPERM;
	u32 lock = f & MCL_ONFAULT ? VMA_LOCKED | VMA_LOCKONFAULT : VMA_LOCKED;
	down_write(&mm->lock);
	long rc = 0;
	if ((f & MCL_CURRENT) && !capable && vma_mapped_bytes(mm) > limit)
		rc = -ENOMEM;
	if (!rc) {
		mm->def_lock = f & MCL_FUTURE ? lock : 0;
		for (int i = 0; (f & MCL_CURRENT) && i < mm->nr_vmas; i++)
			mm->vmas[i].lock = lock;
	}
	up_write(&mm->lock);
	if (!rc && (f & MCL_CURRENT) && lock == VMA_LOCKED)
		populate_locked(mm, 0, USER_TOP);
	return rc;
}

long sys_munlockall(SYSARGS)
{
	struct user_mm *mm = current_task()->mm;

	down_write(&mm->lock);
	mm->def_lock = 0;
	for (int i = 0; i < mm->nr_vmas; i++)
		mm->vmas[i].lock = 0;
	up_write(&mm->lock);
	return 0;
}
