/*
 * Memory mappings: mmap (anonymous and of files), munmap, mprotect,
 * msync, mremap. Pages come on demand (kernel/mm/fault.c); file pages
 * from the file's page cache (kernel/fs/mmap.c). An anonymous request
 * larger than the free memory is refused with -ENOMEM up front, like
 * Linux's default overcommit heuristic.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/hugetlb.h>
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

/* The VMA_F_* flags a mapping made or changed with prot and flags gets. */
static u32 vma_flags_of(u64 prot, u64 flags)
{
	u32 f = (prot & (PROT_WRITE | PROT_EXEC)) && !(prot & PROT_READ) ? VMA_F_NOREAD : 0;

	return f | (flags & MAP_GROWSDOWN ? VMA_F_GROWSDOWN : 0);
}

static bool ipc_lock_capable(void);

/*
 * MAP_LOCKED as mlock would (before anything changes): EPERM without
 * CAP_IPC_LOCK when RLIMIT_MEMLOCK is 0, EAGAIN when the locked total
 * would pass it (Linux's mlock_future_ok). mm->lock held.
 */
static long map_locked_allowed(struct user_mm *mm, u64 addr, u64 len)
{
	u64 limit = rlimit(RLIMIT_MEMLOCK) & ~(u64)(PAGE_SIZE - 1);

	if (ipc_lock_capable())
		return 0;
	if (!rlimit(RLIMIT_MEMLOCK))
		return -EPERM;
	return vma_locked_bytes(mm, addr, addr + len) + len > limit ? -EAGAIN : 0;
}

/* The checks Linux makes of the flags: the type is one of the three
 * (MAP_SHARED_VALIDATE: no unknown flag, else EOPNOTSUPP); a growing
 * mapping is private. f: the file, or NULL. */
static long mmap_flags_check(u64 flags, struct file *f)
{
	u64 type = flags & MAP_TYPE;

	if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (type == MAP_SHARED_VALIDATE && f && (flags & ~(u64)MAP_VALIDATE_MASK))
		return -EOPNOTSUPP;	/* MAP_SYNC too: no DAX here */
	if (type != MAP_PRIVATE && !f && (flags & MAP_GROWSDOWN))
		return -EINVAL;
	return 0;
}

/* A file whose mmap shows kernel pages (file_ops.mmap_object): shared
 * only, placed as any mapping; its VMA holds the object. */
static long mmap_kernel_object(struct user_mm *mm, u64 addr, u64 len, u64 prot, u64 flags,
			       struct file *f, u64 off)
{
	const struct vm_object_ops *ops;
	void *obj;
	u64 pgoff;
	long ret;

	if ((ret = f->fop->mmap_object(f, off, len, &ops, &obj, &pgoff)))
		return ret;	/* first: a socket that has none says ENODEV */
	if ((flags & MAP_TYPE) == MAP_PRIVATE || off % PAGE_SIZE) {
		ops->put(obj);
		return -EINVAL;
	}
	down_write(&mm->lock);
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		ret = mappable_range(addr, len) ? vma_reserve(mm, 2) : -EINVAL;
		if (!ret && (flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) &&
		    !vma_range_free(mm, addr, addr + len))
			ret = -EEXIST;
		if (!ret && !rlimit_as_allows(mm, addr, len))
			ret = -ENOMEM;
		if (!ret)
			ret = vma_unmap(mm, addr, addr + len);
	} else {
		if (!mappable_range(addr, len) || addr + len > mm->mmap_top ||
		    !vma_range_free(mm, addr, addr + len))
			addr = vma_find_free(mm, len);
		ret = addr && rlimit_as_allows(mm, addr, len) ? 0 : -ENOMEM;
	}
	if (!ret)
		ret = vma_add_object(mm, addr, addr + len, uvm_prot(prot), ops, obj, pgoff, true,
				     VMA_MAY_READ | VMA_MAY_WRITE | VMA_MAY_SHARE);
	up_write(&mm->lock);
	ops->put(obj);
	if (!ret && (flags & MAP_POPULATE))
		populate(mm, addr, len, false);
	return ret ? ret : (long)addr;
}

/*
 * A huge file mapping reserves the pool's pages (and may grow the file)
 * before mm->lock is taken (the pool may shrink caches). So the checks
 * that can refuse the placement are made first, read-locked, and a
 * mapping that will fail leaves no reservation nor a larger file behind.
 * (Only the caller's own racing mmap/munmap can make them pass here and
 * fail later; then the reservation stays with the file until it is
 * truncated or goes, as a private mapping's does.)
 */
static long huge_place_check(struct user_mm *mm, u64 addr, u64 len, u64 flags)
{
	long ret = 0;

	down_read(&mm->lock);
	if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED))
		ret = !mappable_range(addr, len) ? -EINVAL :
		      !vma_range_free(mm, addr, addr + len) ? -EEXIST :
		      !rlimit_as_allows(mm, addr, len) ? -ENOMEM : 0;
	else if (flags & MAP_FIXED)
		ret = !mappable_range(addr, len) ? -EINVAL :
		      !vma_huge_split_ok(mm, addr, addr + len) ? -EINVAL :
		      !rlimit_as_allows(mm, addr, len) ? -ENOMEM : 0;
	up_read(&mm->lock);
	return ret;
}

static long do_mmap(struct user_mm *mm, u64 addr, u64 len, u64 prot, u64 flags, struct file *f,
		    u64 off)
{
	long ret;
	bool shared = (flags & MAP_TYPE) != MAP_PRIVATE, pinned = false, zero_ro = false;
	bool huge = f && f->inode && memfs_is_huge(f->inode);
	u32 may = VMA_MAY_ALL;

	if (!len || (prot & ~7ULL))
		return -EINVAL;
	if ((ret = mmap_flags_check(flags, f)))
		return ret;
	if (len > USER_TOP)
		return -ENOMEM;
	len = ALIGN_UP(len, huge ? HPAGE_SIZE : PAGE_SIZE);
	if (f && (flags & MAP_HUGETLB) && !huge)
		return -EINVAL;		/* a file of small pages, as Linux */
	/* huge pages: the file offset and a fixed address on their boundaries */
	if (huge && ((off % HPAGE_SIZE) ||
		     ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && addr % HPAGE_SIZE)))
		return -EINVAL;
	if (f && f->fop && f->fop->mmap_object)
		return mmap_kernel_object(mm, addr, len, prot, flags, f, off);
	/* Everything that can refuse comes before anything changes: with
	 * MAP_FIXED the old mapping goes only if the new one will be made. */
	if (f && f->fop && f->fop->mmap_anon) {
		/* /dev/zero: anonymous memory; shared, it may be written only
		 * if the device was opened for writing, as Linux */
		bool w = (f->flags & O_ACCMODE) != O_RDONLY;
		if (shared && (prot & PROT_WRITE) && !w)
			return -EACCES;
		zero_ro = shared && !w;
		f = NULL;
		flags |= MAP_ANONYMOUS;
	}
	if (f) {
		ret = file_mmap_check(f, len, uvm_prot(prot), shared, off, &may);
		/* the pool's pages for it promised now (ENOMEM), as Linux */
		if (!ret && huge)
			ret = huge_place_check(mm, addr, len, flags);
		if (!ret && huge)
			ret = memfs_huge_reserve(f->inode, off, len, prot & PROT_WRITE,
						 flags & MAP_NORESERVE);
		if (ret)
			return ret;
		file_get(f);	/* put below, as a shared anonymous mapping's */
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
	ret = flags & MAP_LOCKED ? map_locked_allowed(mm, addr, len) : 0;
	if (ret) {
		;
	} else if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED)) {
		/* exactly there, and only if nothing is mapped there yet */
		ret = !mappable_range(addr, len) ? -EINVAL :
		      !vma_range_free(mm, addr, addr + len) ? -EEXIST :
		      !rlimit_as_allows(mm, addr, len) ? -ENOMEM : 0;
	} else if (flags & MAP_FIXED) {
		/* two splits and the new VMA: no slot can be missing later */
		ret = mappable_range(addr, len) ? vma_reserve(mm, 2) : -EINVAL;
		if (!ret && !vma_huge_split_ok(mm, addr, addr + len))
			ret = -EINVAL;	/* it would cut a huge page */
		if (!ret && !rlimit_as_allows(mm, addr, len))
			ret = -ENOMEM;	/* RLIMIT_AS, before the old mapping goes */
		if (!ret && f && !(ret = vma_pin_object(mm, file_vm_object(f), f, shared)))
			pinned = true;
		if (!ret)
			ret = vma_unmap(mm, addr, addr + len);
	} else {
		if (!mappable_range(addr, len) || addr + len > mm->mmap_top ||
		    !vma_range_free(mm, addr, addr + len) || (huge && addr % HPAGE_SIZE)) {
			/* the hint does not fit; huge pages: a free range that
			 * holds a 2 MiB-aligned one of len */
			addr = vma_find_free(mm, huge ? len + HPAGE_SIZE - PAGE_SIZE : len);
			addr = huge ? ALIGN_UP(addr, HPAGE_SIZE) : addr;
		}
		ret = addr ? 0 : -ENOMEM;
		if (!ret && !rlimit_as_allows(mm, addr, len))
			ret = -ENOMEM;	/* RLIMIT_AS */
	}
	if (!ret && f)
		ret = file_mmap(f, addr, len, uvm_prot(prot), shared, off);
	else if (!ret)
		ret = vma_add(mm, addr, addr + len, uvm_prot(prot), VMA_ANON);
	if (!ret && zero_ro)	/* /dev/zero opened read-only, shared */
		vma_find(mm, addr)->may &= ~VMA_MAY_WRITE;
	if (pinned)
		vma_unpin_object(mm, file_vm_object(f), f, shared);
	if (!ret)	/* the VMA is [addr, addr + len) exactly */
		vma_find(mm, addr)->flags = vma_flags_of(prot, flags) | (huge ? VMA_F_HUGETLB : 0);
	u32 lock = flags & MAP_LOCKED ? VMA_LOCKED : mm->def_lock;	/* or mlockall(MCL_FUTURE) */
	if (!ret && lock && vma_set_lock(mm, addr, addr + len, lock))
		lock = 0;
	up_write(&mm->lock);
	if (f)
		file_put(f);	/* the VMA holds its own reference */
	if (!ret && ((flags & MAP_POPULATE) || lock == VMA_LOCKED))
		populate(mm, addr, len, (prot & PROT_WRITE) && !shared);
	return ret ? ret : (long)addr;
}

long sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, u64 fd, u64 off)
{
	struct file *f = NULL;

	/* the file first, as Linux: a bad fd is EBADF whatever else is wrong */
	if (!(flags & MAP_ANONYMOUS) && !(f = fget(fd)))
		return -EBADF;
	if (!f && (flags & MAP_HUGETLB)) {
		/* anonymous huge pages: a file of the internal hugetlbfs,
		 * mapped as asked (Linux's hugetlb_file_setup) */
		u64 log = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
		long rc;
		if (log && log != HPAGE_SHIFT)
			return -EINVAL;		/* no pool of that size */
		if (!len || (prot & ~7ULL))
			return -EINVAL;
		if (len > USER_TOP)
			return -ENOMEM;
		if ((rc = hugetlb_anon_file(ALIGN_UP(len, HPAGE_SIZE), &f)))
			return rc;
		flags &= ~(u64)MAP_ANONYMOUS;
		off = 0;
	}
	long ret = do_mmap(current_task()->mm, addr, len, prot, flags, f, off);
	if (f)
		file_put(f);
	return ret;
}

/* Some VMA in [start, end) is mlocked (msync(MS_INVALIDATE): EBUSY). */
static bool range_locked(struct user_mm *mm, u64 start, u64 end)
{
	for (int i = vma_index_above(mm, start); i < mm->nr_vmas && mm->vmas[i].start < end; i++)
		if (mm->vmas[i].lock)
			return true;
	return false;
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
	long ret = (flags & MS_INVALIDATE) && range_locked(mm, addr, addr + len) ? -EBUSY :
		   vma_sync(mm, addr, addr + len);
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
	/* Linux's rule: aligned, inside user space, not empty; a range
	 * with nothing mapped in it (even below the mmap floor) is fine */
	if ((addr & (PAGE_SIZE - 1)) || addr >= USER_TOP || !len || len > USER_TOP - addr)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	down_write(&mm->lock);
	long ret = vma_huge_split_ok(mm, addr, addr + len) ? vma_unmap(mm, addr, addr + len)
							   : -EINVAL;
	up_write(&mm->lock);
	return ret;
}

/* pkey -1: each VMA keeps its protection key (mprotect) */
static long do_mprotect(u64 addr, u64 len, u64 prot, int pkey)
{
	struct user_mm *mm = current_task()->mm;

	/* Linux's order: bad bits or a misaligned start are EINVAL, an
	 * empty range does nothing, and a range that wraps or is not all
	 * mapped (address 0 included) is ENOMEM */
	if ((prot & ~7ULL) || (addr & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (!len)
		return 0;
	if (len > USER_TOP || ALIGN_UP(len, PAGE_SIZE) > USER_TOP - MIN(addr, USER_TOP))
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);
	down_write(&mm->lock);
	long ret;
	/* a key the process has not allocated is refused (Linux's check) */
	if (pkey != -1 && (pkey < 0 || pkey >= arch_pkeys_max() || !(mm->pkeys & (1u << pkey))))
		ret = -EINVAL;
	else if (!vma_huge_split_ok(mm, addr, addr + len))
		ret = -EINVAL;	/* not on huge-page boundaries */
	else
		ret = vma_protect(mm, addr, addr + len, uvm_prot(prot), vma_flags_of(prot, 0), pkey);
	up_write(&mm->lock);
	return ret;
}

long sys_mprotect(u64 addr, u64 len, u64 prot, u64 a3, u64 a4, u64 a5)
{
	(void)a3; (void)a4; (void)a5;
	return do_mprotect(addr, len, prot, -1);
}

/*
 * Memory protection keys (Linux's, docs/memory.md): an address space has
 * up to 16 keys (none but key 0 without PKU), each VMA one of them,
 * carried into its page-table entries; a thread's rights for each key
 * (PKRU) are its own, set by pkey_alloc and by the program itself.
 */
long sys_pkey_mprotect(u64 addr, u64 len, u64 prot, u64 pkey, u64 a4, u64 a5)
{
	(void)a4; (void)a5;
	return do_mprotect(addr, len, prot, (int)pkey);
}

long sys_pkey_alloc(u64 flags, u64 rights, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;
	long ret = -ENOSPC;

	(void)a2; (void)a3; (void)a4; (void)a5;
	if (flags || (rights & ~(u64)PKEY_ACCESS_MASK))
		return -EINVAL;
	down_write(&mm->lock);
	for (int k = 1; k < arch_pkeys_max(); k++) {
		if (mm->pkeys & (1u << k))
			continue;
		/* the caller's rights for it, as asked (others' keep theirs) */
		ret = arch_pkey_set_rights(k, (u32)rights);
		if (!ret) {
			mm->pkeys |= (u16)(1u << k);
			ret = k;
		}
		break;
	}
	up_write(&mm->lock);
	return ret;
}

/* Linux's rules: any allocated key may be freed, key 0 too; the VMAs
 * that still have it keep it (a later pkey_alloc may hand it out again). */
long sys_pkey_free(u64 pkey, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;
	int k = (int)pkey;
	long ret = -EINVAL;

	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	down_write(&mm->lock);
	if (k >= 0 && k < arch_pkeys_max() && (mm->pkeys & (1u << k))) {
		mm->pkeys &= (u16)~(1u << k);
		ret = 0;
	}
	up_write(&mm->lock);
	return ret;
}

/*
 * [start, end) mapped like was, standing for was's address `from`: a file
 * mapping goes on with the file's pages from there; anything else is
 * anonymous memory. It keeps was's flags and lock.
 */
static int add_like(struct user_mm *mm, const struct vma *was, u64 from, u64 start, u64 end)
{
	int rc = !was->ops ? vma_add(mm, start, end, was->prot, VMA_ANON) :
		 vma_add_object(mm, start, end, was->prot, was->ops, was->obj,
				was->pgoff + (from - was->start) / PAGE_SIZE, was->shared, was->may);

	if (!rc) {
		struct vma *v = vma_find(mm, start);
		v->flags = was->flags;
		v->lock = was->lock;
	}
	return rc;
}

/*
 * Moves the mapping at [old, old + old_len), part of one VMA, to
 * [to, to + new_len), a free range: the page-table entries move, nothing
 * is copied. keep_old (MREMAP_DONTUNMAP, equal lengths): the old range
 * stays mapped but empty, as a fresh mapping of the same kind (anonymous
 * memory reads as zeros, a file's pages come again from the file), and
 * no longer locked. All or nothing; mm->lock held, slots reserved.
 */
static long move_mapping(struct user_mm *mm, u64 old, u64 old_len, u64 new_len, u64 to,
			 bool keep_old)
{
	struct vma was = *vma_find(mm, old);	/* vma_reserve may have moved it */
	/* a file mapping's place in its object's reverse map is held ahead,
	 * so adding it at the new place cannot fail */
	long ret = was.ops ? vma_pin_object(mm, was.ops, was.obj, was.shared) : 0;

	if (!ret && (ret = vma_move_pages(mm, old, to, MIN(old_len, new_len))) && was.ops)
		vma_unpin_object(mm, was.ops, was.obj, was.shared);
	if (ret)
		return ret;
	/* moved: from here nothing can fail */
	add_like(mm, &was, old, to, to + new_len);
	if (was.ops)
		vma_unpin_object(mm, was.ops, was.obj, was.shared);
	if (!keep_old)
		vma_unmap(mm, old, old + old_len);
	else
		vma_set_lock(mm, old, old + old_len, 0);
	return (long)to;
}

/*
 * mremap: shrink in place, grow in place when the pages after it are
 * free, else (MREMAP_MAYMOVE) move to a free range, or to new_addr
 * (MREMAP_FIXED, whatever was mapped there goes), or leave the old
 * range mapped and empty (MREMAP_DONTUNMAP). The range must lie in one
 * VMA. A failure leaves both ranges as they were (but for what
 * MREMAP_FIXED unmapped at new_addr, as on Linux): every slot is reserved
 * and every page table made before the first change.
 */
long sys_mremap(u64 old, u64 old_len, u64 new_len, u64 flags, u64 new_addr, u64 a5)
{
	struct user_mm *mm = current_task()->mm;
	bool fixed = flags & MREMAP_FIXED, keep_old = flags & MREMAP_DONTUNMAP;
	long ret;

	(void)a5;
	if ((flags & ~(u64)(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) ||
	    ((fixed || keep_old) && !(flags & MREMAP_MAYMOVE)) ||
	    (keep_old && old_len != new_len) || (old & (PAGE_SIZE - 1)) || !new_len)
		return -EINVAL;
	if (new_len > USER_TOP || old_len > USER_TOP)
		return -ENOMEM;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!old_len || !mappable_range(old, old_len))
		return -EINVAL;
	/* MREMAP_FIXED: a place a program may map, apart from the old one */
	if (fixed && (!mappable_range(new_addr, new_len) ||
		      (old < new_addr + new_len && new_addr < old + old_len)))
		return -EINVAL;
	/* the overcommit check may give back cached pages: not under mm->lock */
	if (new_len > old_len && !mm_can_commit((new_len - old_len) / PAGE_SIZE))
		return -ENOMEM;
	down_write(&mm->lock);
	struct vma *v = vma_find(mm, old);
	bool huge = v && (v->flags & VMA_F_HUGETLB);
	if (huge) {	/* as Linux: lengths in whole huge pages, which move or
			 * shrink but never grow, at huge-aligned addresses */
		old_len = ALIGN_UP(old_len, HPAGE_SIZE);
		new_len = ALIGN_UP(new_len, HPAGE_SIZE);
	}
	if (!v) {
		ret = -EFAULT;
	} else if (huge && ((old | (fixed ? new_addr : 0)) % HPAGE_SIZE ||
			    new_len > old_len || keep_old)) {
		ret = -EINVAL;		/* before the range's check, as Linux */
	} else if (v->end < old + old_len) {
		ret = -EFAULT;
	} else if (v->filled && (new_len > old_len || keep_old)) {
		ret = -EINVAL;		/* exec's own pages of an image only shrink */
	} else if ((ret = vma_reserve(mm, fixed ? 5 : 3))) {
		;			/* no room for the splits and the new VMA */
	} else if (new_len > old_len && !rlimit_as_allows(mm, 0, new_len - old_len)) {
		ret = -ENOMEM;		/* RLIMIT_AS (whether it grows or moves) */
	} else if (fixed) {
		ret = vma_huge_split_ok(mm, new_addr, new_addr + new_len) ?
		      vma_unmap(mm, new_addr, new_addr + new_len) : -EINVAL;
		ret = ret ? ret : move_mapping(mm, old, old_len, new_len, new_addr, keep_old);
	} else if (keep_old) {
		u64 to = vma_find_free(mm, new_len);
		ret = to ? move_mapping(mm, old, old_len, new_len, to, true) : -ENOMEM;
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
		u64 to = vma_find_free(mm, new_len);
		ret = to ? move_mapping(mm, old, old_len, new_len, to, false) : -ENOMEM;
	}
	up_write(&mm->lock);
	return ret;
}

/* Advice is taken as a hint and ignored, except DONTNEED/FREE, which drop
 * the pages of an anonymous range so it reads as zeros again. */
/*
 * mincore: one byte per page of [addr, addr+len), 1 if the page is in
 * memory: mapped in this address space, or a file's page in its cache
 * (touched by another process, or read). -ENOMEM if a page is not mapped
 * at all. The vector is written a chunk at a time
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
			const struct vma *v = vma_find(mm, va);
			if (!v) {
				rc = -ENOMEM;
				break;
			}
			mutex_lock(&mm->pt_lock);
			buf[i] = uvm_lookup(&mm->vm, va, &prot) != 0;
			mutex_unlock(&mm->pt_lock);
			/* a file's page not mapped here may be cached */
			if (!buf[i] && v->ops && !v->filled && v->ops->resident)
				buf[i] = v->ops->resident(v->obj,
							  v->pgoff + (va - v->start) / PAGE_SIZE);
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

/*
 * remap_file_pages(start, size, 0, pgoff, flags): Linux dropped the
 * nonlinear mappings behind it in 4.0 and emulates it with a new mapping
 * of the same file over the range, and so does Alloy: [start, start +
 * size), inside one shared file VMA, becomes a mapping of the file's
 * pages from pgoff with the VMA's protection, flags and lock (the old
 * pages of the range are let go of, as by munmap). prot must be 0 and
 * flags only MAP_NONBLOCK; start and size are rounded down to pages.
 */
long sys_remap_file_pages(u64 start, u64 size, u64 prot, u64 pgoff, u64 flags, u64 a5)
{
	struct user_mm *mm = current_task()->mm;
	struct vma was;
	bool held = false;
	long ret;

	(void)a5;
	start = ALIGN_DOWN(start, PAGE_SIZE);
	size = ALIGN_DOWN(size, PAGE_SIZE);
	if (prot || (flags & ~(u64)MAP_NONBLOCK) || start + size <= start ||
	    pgoff + size / PAGE_SIZE < pgoff || !mappable_range(start, size))
		return -EINVAL;
	down_write(&mm->lock);
	struct vma *v = vma_find(mm, start);
	if (!v || !v->shared || !v->ops || v->filled || start + size > v->end ||
	    (v->flags & VMA_F_HUGETLB)) {
		ret = -EINVAL;	/* huge pages: Linux's emulating mmap refuses them too */
	} else if (pgoff == v->pgoff + (start - v->start) / PAGE_SIZE) {
		ret = 0;		/* already maps those pages there */
	} else if (!(ret = vma_reserve(mm, 2))) {
		was = *vma_find(mm, start);	/* vma_reserve may have moved it */
		/* a reference and its place in the object's reverse map are held
		 * ahead, so the new mapping cannot fail once the old one went */
		was.ops->get(was.obj);
		held = true;
		ret = vma_pin_object(mm, was.ops, was.obj, true);
		if (!ret) {
			vma_unmap(mm, start, start + size);
			ret = vma_add_object(mm, start, start + size, was.prot, was.ops, was.obj,
					     pgoff, true, was.may);
			if (!ret) {
				struct vma *n = vma_find(mm, start);
				n->flags = was.flags;
				n->lock = was.lock;
			}
			vma_unpin_object(mm, was.ops, was.obj, true);
		}
		if (!ret && was.lock == VMA_LOCKED)
			ret = 1;	/* populate below, as an mlocked mmap */
	}
	up_write(&mm->lock);
	if (held)
		was.ops->put(was.obj);
	if (ret == 1) {
		populate(mm, start, size, false);
		ret = 0;
	}
	return ret;
}

/* Advice Linux (x86_64, without KSM or memory-failure injection) knows. */
static bool advice_known(u64 advice)
{
	return advice <= MADV_COLLAPSE && !(advice >= 5 && advice <= 7) &&
	       advice != MADV_MERGEABLE && advice != MADV_UNMERGEABLE;
}

/* Whether one VMA may take the advice (Linux's per-VMA checks). */
static long advice_allowed(const struct vma *v, u64 advice)
{
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_FREE:
		if (v->lock)
			return -EINVAL;	/* mlocked pages stay */
		return advice == MADV_FREE && v->ops ? -EINVAL : 0;	/* private anonymous only */
	case MADV_REMOVE:
		if (v->lock || !v->ops)
			return -EINVAL;
		return v->shared && (v->prot & UVM_WRITE) ? 0 : -EACCES;
	case MADV_WIPEONFORK:
		return v->ops ? -EINVAL : 0;	/* private anonymous only */
	default:
		return 0;
	}
}

/*
 * madvise: advice is a hint and mostly ignored; DONTNEED, FREE and
 * REMOVE drop the pages of the range (anonymous memory reads as zeros
 * again), WIPEONFORK and KEEPONFORK set what fork gives a child,
 * DONTDUMP and DODUMP whether a core dump holds the range.
 * Unknown advice, a misaligned start or a length that wraps is EINVAL;
 * a range not all mapped is ENOMEM, and a VMA that may not take the
 * advice EINVAL or EACCES, both before anything changes.
 */
long sys_madvise(u64 addr, u64 len, u64 advice, u64 a3, u64 a4, u64 a5)
{
	struct user_mm *mm = current_task()->mm;
	long ret = 0;

	(void)a3; (void)a4; (void)a5;
	if (!advice_known(advice) || (addr & (PAGE_SIZE - 1)))
		return -EINVAL;
	u64 end = addr + ALIGN_UP(len, PAGE_SIZE);
	if ((len && !ALIGN_UP(len, PAGE_SIZE)) || end < addr)
		return -EINVAL;
	if (end == addr)
		return 0;
	if (end > USER_TOP)
		return -ENOMEM;
	down_write(&mm->lock);
	u64 at = addr;
	for (int i = vma_index_above(mm, addr); !ret && at < end; i++) {
		if (i == mm->nr_vmas || mm->vmas[i].start > at)
			ret = -ENOMEM;
		else if (!(ret = advice_allowed(&mm->vmas[i], advice)))
			at = mm->vmas[i].end;
	}
	if (ret)
		;
	else if (advice == MADV_DONTNEED || advice == MADV_FREE || advice == MADV_REMOVE ||
		 advice == MADV_DONTNEED_LOCKED)
		ret = vma_zap(mm, addr, end);
	else if (advice == MADV_DONTDUMP || advice == MADV_DODUMP)	/* core dumps */
		ret = advice == MADV_DONTDUMP ? vma_set_flags(mm, addr, end, VMA_F_DONTDUMP, 0)
					      : vma_set_flags(mm, addr, end, 0, VMA_F_DONTDUMP);
	else if (advice == MADV_WIPEONFORK || advice == MADV_KEEPONFORK)
		ret = advice == MADV_WIPEONFORK ? vma_set_flags(mm, addr, end, VMA_F_WIPEONFORK, 0)
						: vma_set_flags(mm, addr, end, 0, VMA_F_WIPEONFORK);
	up_write(&mm->lock);
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
