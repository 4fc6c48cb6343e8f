/*
 * User address spaces: an arch page table, the VMAs and the program
 * break. Pages come on demand (kernel/mm/fault.c). Two counts: `users`
 * keeps the address space (tasks, /proc readers); `refs` keeps the
 * structure, so a reverse-map walk that pinned it can still lock it after
 * the last user has torn the mappings down.
 */
#include <alloy/aio.h>
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/user.h>

struct user_mm *user_mm_create(void)
{
	struct user_mm *mm = kzalloc(sizeof(*mm), GFP_KERNEL);

	if (!mm)
		return NULL;
	if (uvm_create(&mm->vm)) {
		kfree(mm);
		return NULL;
	}
	rwsem_init(&mm->lock, "user-mm", LR_MUTEX_MM);
	mutex_init(&mm->pt_lock, "user-mm-pt", LR_MUTEX_MM_PT);
	atomic_set(&mm->users, 1);
	atomic_set(&mm->refs, 1);
	mm->pkeys = 1;		/* key 0, the default, is always there */
	mm->stack_top = USER_TOP;
	mm->mmap_top = USER_MMAP_TOP;
	return mm;
}

void user_mm_grab(struct user_mm *mm)
{
	atomic_inc(&mm->refs);
}

void user_mm_drop(struct user_mm *mm)
{
	if (atomic_dec_and_test(&mm->refs))
		kfree(mm);
}

bool user_mm_tryget(struct user_mm *mm)
{
	for (int n = atomic_read(&mm->users); n; n = atomic_read(&mm->users))
		if (atomic_cmpxchg(&mm->users, n, n + 1))
			return true;
	return false;
}

void user_mm_put(struct user_mm *mm)
{
	if (!mm || !atomic_dec_and_test(&mm->users))
		return;
	/* its AIO contexts first: requests in flight may still write into
	 * these pages until they are stopped (Linux's exit_aio) */
	aio_exit_mm(mm);
	/* Under the lock: a reverse-map walk may be looking at it. */
	down_write(&mm->lock);
	for (int i = 0; i < mm->nr_vmas; i++) {
		struct vma *v = &mm->vmas[i];
		if (v->ops)
			vma_sync(mm, v->start, v->end);
	}
	uvm_destroy(&mm->vm);
	struct vma *vmas = mm->vmas;
	int n = mm->nr_vmas;
	mm->vmas = NULL;
	mm->nr_vmas = mm->cap = 0;
	up_write(&mm->lock);
	for (int i = 0; i < n; i++)	/* files may close: no mm->lock held */
		if (vmas[i].ops)
			vma_release_object(mm, &vmas[i]);
	kfree(vmas);
	user_mm_drop(mm);
}

int user_mm_map_zero(struct user_mm *mm, u64 va, u64 len, unsigned int prot)
{
	u64 end = ALIGN_UP(va + len, PAGE_SIZE);
	unsigned int old;

	if (va + len < va)
		return -EINVAL;
	for (u64 p = ALIGN_DOWN(va, PAGE_SIZE); p < end; p += PAGE_SIZE) {
		if (uvm_lookup(&mm->vm, p, &old))
			continue;	/* a page two segments share */
		struct page *pg = alloc_anon_page(GFP_ZERO);
		if (!pg)
			return -ENOMEM;
		int rc = uvm_map(&mm->vm, p, page_to_phys(pg), prot);
		if (rc) {
			free_page(pg);
			return rc;
		}
	}
	return 0;
}

int user_mm_write(struct user_mm *mm, u64 va, const void *src, size_t len)
{
	const u8 *s = src;
	unsigned int prot;

	while (len) {
		phys_addr_t pa = uvm_lookup(&mm->vm, ALIGN_DOWN(va, PAGE_SIZE), &prot);
		if (!pa)
			return -EFAULT;
		size_t off = va & (PAGE_SIZE - 1);
		size_t n = MIN(len, (size_t)(PAGE_SIZE - off));
		memcpy((u8 *)phys_to_virt(pa) + off, s, n);
		va += n;
		s += n;
		len -= n;
	}
	return 0;
}

size_t user_mm_read(struct user_mm *mm, u64 va, void *dst, size_t len)
{
	u8 *d = dst;
	size_t done = 0;
	unsigned int prot;

	down_read(&mm->lock);	/* no unmap meanwhile, */
	mutex_lock(&mm->pt_lock);	/* nor a copy-on-write swap */
	while (done < len) {
		phys_addr_t pa = uvm_lookup(&mm->vm, ALIGN_DOWN(va, PAGE_SIZE), &prot);
		if (!pa)
			break;
		size_t off = va & (PAGE_SIZE - 1);
		size_t n = MIN(len - done, (size_t)(PAGE_SIZE - off));
		memcpy(d + done, (u8 *)phys_to_virt(pa) + off, n);
		va += n;
		done += n;
	}
	mutex_unlock(&mm->pt_lock);
	up_read(&mm->lock);
	return done;
}

/* One page's part of user_mm_access, mm->lock held for reading: 1 done,
 * 0 to fault the page in first (*fault_write: for writing), -1 refused. */
static int access_page(struct user_mm *mm, u64 va, u8 *buf, size_t n, bool write,
		       bool force, bool *fault_write)
{
	struct vma *v = vma_find(mm, va);
	u64 page = ALIGN_DOWN(va, PAGE_SIZE);
	unsigned int prot;
	int rc = 0;

	if (!v)
		return -1;
	/* unforced: as the program's own access (PROT_NONE, a read-only
	 * mapping for a write: refused); forced: never into a file through
	 * a read-only shared mapping, nor into the vDSO every process shares */
	if (!force && (!(v->prot & UVM_READ) || (write && !(v->prot & UVM_WRITE))))
		return -1;
	if (write && ((v->shared && !(v->prot & UVM_WRITE)) || v->kind == VMA_VDSO ||
		      v->kind == VMA_VVAR))
		return -1;
	*fault_write = write && (v->prot & UVM_WRITE);
	mutex_lock(&mm->pt_lock);
	phys_addr_t pa = uvm_lookup(&mm->vm, page, &prot);
	if (force && pa && write && (prot & UVM_UFFD_WP) && (v->uffd_mode & UFFD_VMA_WP)) {
		/* write-protected for a userfaultfd handler, which must see
		 * every write: a ptrace poke is refused rather than slipped
		 * past it (unforced, the fault path below tells the handler) */
		mutex_unlock(&mm->pt_lock);
		return -1;
	}
	if (pa && write && !(prot & UVM_WRITE)) {
		if (v->shared || !force)
			pa = 0;		/* the fault path: first write, copy-on-write */
		else if (uvm_make_private(&mm->vm, page, prot))
			rc = -1;	/* a private copy, as read-only as before */
		else
			pa = uvm_lookup(&mm->vm, page, &prot);
	}
	if (!pa && !write && vma_absent_reads_zero(v)) {
		memset(buf, 0, n);	/* no page for a read */
		rc = 1;
	}
	if (pa && !rc) {
		u8 *at = (u8 *)phys_to_virt(pa) + (va & (PAGE_SIZE - 1));
		if (write)
			memcpy(at, buf, n);
		else
			memcpy(buf, at, n);
		rc = 1;
	}
	mutex_unlock(&mm->pt_lock);
	return rc;
}

size_t user_mm_access(struct user_mm *mm, u64 va, void *buf, size_t len, bool write,
		      bool force)
{
	u8 *b = buf;
	size_t done = 0;
	int tries = 0;

	while (done < len) {
		if (va >= USER_TOP)
			break;
		size_t n = MIN(len - done, (size_t)(PAGE_SIZE - (va & (PAGE_SIZE - 1))));
		bool fault_write = false;
		down_read(&mm->lock);
		int rc = access_page(mm, va, b + done, n, write, force, &fault_write);
		up_read(&mm->lock);
		if (rc < 0)
			break;
		if (rc == 0) {	/* not there yet: fault it in, a few times at most */
			if (++tries > 4 || user_page_fault(mm, va, fault_write, false))
				break;
			continue;
		}
		tries = 0;
		va += n;
		done += n;
	}
	return done;
}

u64 user_mm_resident(struct user_mm *mm)
{
	return uvm_count_present(&mm->vm);
}

u64 user_mm_resident_peak(struct user_mm *mm)
{
	return uvm_resident_peak(&mm->vm);
}

u64 user_mm_tables(struct user_mm *mm)
{
	return uvm_count_tables(&mm->vm);
}

struct user_mm *user_mm_fork(struct user_mm *src)
{
	struct user_mm *mm = user_mm_create();

	if (!mm)
		return NULL;
	down_write(&src->lock);
	mm->vmas = kmalloc(sizeof(*mm->vmas) * (size_t)(src->cap ? src->cap : 1), GFP_KERNEL);
	int rc = mm->vmas ? 0 : -ENOMEM;
	if (!rc) {
		mm->cap = src->cap ? src->cap : 1;
		memcpy(mm->vmas, src->vmas, sizeof(*mm->vmas) * (size_t)src->nr_vmas);
		for (int i = 0; i < src->nr_vmas; i++) {
			mm->vmas[i].lock = 0;	/* mlock is not inherited */
			/* nor a userfaultfd registration (no UFFD_FEATURE_EVENT_FORK) */
			mm->vmas[i].uffd = NULL;
			mm->vmas[i].uffd_mode = 0;
		}
		mm->pkeys = src->pkeys;	/* the VMAs keep their keys */
		mm->brk_start = src->brk_start;
		mm->brk = src->brk;
		mm->stack_top = src->stack_top;
		mm->mmap_top = src->mmap_top;
		mm->arg_start = src->arg_start;
		mm->arg_end = src->arg_end;
		mm->env_start = src->env_start;
		mm->env_end = src->env_end;
		mm->exe_start = src->exe_start;
		mm->exe_end = src->exe_end;
		mm->exe_bias = src->exe_bias;
		mm->vdso_start = src->vdso_start;
		mm->vdso_end = src->vdso_end;
		memcpy(mm->saved_auxv, src->saved_auxv, sizeof(mm->saved_auxv));
		mm->auxv_bytes = src->auxv_bytes;
		rc = uvm_fork(&mm->vm, &src->vm);
	}
	/*
	 * The copy joins its objects' reverse maps only now, with its page
	 * tables complete and src still locked: a truncate that already
	 * unmapped src left nothing to copy, one still waiting for src finds
	 * the copy next. One at a time, so a failure lets go of exactly the
	 * ones held.
	 */
	for (int i = 0; i < src->nr_vmas && !rc; i++)
		if (!mm->vmas[i].ops || !(rc = vma_hold_object(mm, &mm->vmas[i])))
			mm->nr_vmas = i + 1;
	if (!rc)	/* MADV_WIPEONFORK: the child's copy starts empty */
		vma_wipe_on_fork(mm);
	up_write(&src->lock);
	if (rc) {
		user_mm_put(mm);
		return NULL;
	}
	return mm;
}

int user_atomic_update(struct user_mm *mm, u64 uaddr, u32 (*fn)(u32 arg, u32 old), u32 arg,
		       u32 *old)
{
	u64 page = ALIGN_DOWN(uaddr, PAGE_SIZE);
	unsigned int prot;

	if (uaddr % 4 || uaddr >= USER_TOP)
		return -EFAULT;
	for (int tries = 0; tries < 4; tries++) {
		down_read(&mm->lock);	/* no unmap meanwhile, */
		mutex_lock(&mm->pt_lock);	/* nor a copy-on-write swap */
		phys_addr_t pa = uvm_lookup(&mm->vm, page, &prot);
		if (pa && (prot & UVM_WRITE)) {
			u32 *p = (u32 *)((u8 *)phys_to_virt(pa) + uaddr % PAGE_SIZE);
			u32 cur = __atomic_load_n(p, __ATOMIC_RELAXED);
			while (!__atomic_compare_exchange_n(p, &cur, fn(arg, cur), false,
							    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
				;
			mutex_unlock(&mm->pt_lock);
			up_read(&mm->lock);
			*old = cur;
			return 0;
		}
		mutex_unlock(&mm->pt_lock);
		up_read(&mm->lock);
		if (user_page_fault(mm, uaddr, true, false))
			return -EFAULT;	/* not writable here */
	}
	return -EFAULT;
}
