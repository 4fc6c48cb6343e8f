/*
 * Demand paging for user address spaces: a fault inside a VMA that allows
 * the access gets a fresh zeroed page; anything else is the program's
 * fault. A write to a page fork shared gets a private copy (copy-on-write).
 * When no page can be had, the OOM killer (oom.c) kills the process
 * holding the most memory and the fault is tried again; the faulting
 * process dies only if it is that process or nothing else can be killed
 * (DESIGN §3: user OOM is not a kernel panic).
 */
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/oom.h>
#include <alloy/printk.h>
#include <alloy/rlimit.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/user.h>
#include <alloy/userfaultfd.h>

/*
 * Faults hold mm->lock for reading (mm->lock: the VMAs cannot change), so
 * the threads of a process fault at once; the page to map is found or
 * made first (a file's page may need reading in, a fresh one zeroing)
 * and put in place under mm->pt_lock only if the entry is still empty:
 * another thread may have resolved the same fault meanwhile.
 */
static int install(struct user_mm *mm, u64 page, struct page *pg, u32 prot)
{
	unsigned int now;

	mutex_lock(&mm->pt_lock);
	int rc = uvm_lookup(&mm->vm, page, &now) ? -EEXIST : uvm_map(&mm->vm, page,
								   page_to_phys(pg), prot);
	mutex_unlock(&mm->pt_lock);
	if (rc)
		page_put(pg);
	return rc == -ENOMEM ? SIGKILL : 0;	/* -EEXIST: someone else's; retry */
}

/*
 * A file-backed VMA: the object's cached page is mapped itself, read-only
 * until written, so that a shared mapping learns of each first write
 * (the page must be written back) and a private one copies on write.
 */
static int file_fault(struct user_mm *mm, struct vma *v, u64 page, bool write)
{
	u64 index = v->pgoff + (page - v->start) / PAGE_SIZE;
	struct page *pg;
	int rc = v->ops->page(v->obj, index, write && v->shared, &pg);

	if (rc)
		return rc == -ENOMEM ? SIGKILL : SIGBUS;	/* past the end of the file */
	if (write && !v->shared) {	/* a private copy straight away */
		struct page *copy = alloc_anon_page(GFP_KERNEL);
		if (!copy) {
			page_put(pg);
			return SIGKILL;
		}
		memcpy(page_to_virt(copy), page_to_virt(pg), PAGE_SIZE);
		page_put(pg);
		pg = copy;
	} else if (write) {
		v->ops->dirty(v->obj, pg);
	}
	return install(mm, page, pg, write ? v->prot : v->prot & ~UVM_WRITE);
}

/*
 * A write to a shared file page mapped read-only (first write, after
 * fork or mprotect): the object reserves its storage and hands out its
 * current page, which is mapped writable in place of the old entry. The
 * copy-on-write rule of uvm_protect (a page used twice stays read-only)
 * must not apply: a cached page always has two users. pt_lock held.
 */
static int shared_write(struct user_mm *mm, struct vma *v, u64 page)
{
	u64 index = v->pgoff + (page - v->start) / PAGE_SIZE;
	struct page *pg;
	int rc = v->ops->page(v->obj, index, true, &pg);

	if (rc)
		return rc == -ENOMEM ? SIGKILL : SIGBUS;
	phys_addr_t old = uvm_unmap(&mm->vm, page);
	if (old)
		page_put(pfn_to_page(old >> PAGE_SHIFT));
	v->ops->dirty(v->obj, pg);
	if (uvm_map(&mm->vm, page, page_to_phys(pg), v->prot)) {
		page_put(pg);
		return SIGKILL;
	}
	return 0;
}

/* The stack needs to grow, which changes a VMA: again with mm->lock
 * held for writing. */
#define FAULT_NEED_WRITER (-1)

/*
 * The stack VMA is as large as RLIMIT_STACK was at exec. The limit may
 * change since: a fault deeper than it is the program's, and a fault
 * below the VMA but within the (raised) limit grows the VMA down into
 * the gap kept free for it, if RLIMIT_AS allows. Only for the caller's
 * own address space: the limits are the caller's.
 */
static struct vma *stack_check(struct user_mm *mm, struct vma *v, u64 addr, bool writer,
			       bool *grow)
{
	u64 page = ALIGN_DOWN(addr, PAGE_SIZE);

	if (current_task()->mm != mm || addr >= mm->stack_top ||
	    addr < mm->stack_top - USER_STACK_MAX)
		return v;
	if (v && v->kind != VMA_STACK)
		return v;
	u64 lim = rlimit(RLIMIT_STACK);
	if (mm->stack_top - page > lim)
		return NULL;		/* deeper than RLIMIT_STACK: SIGSEGV */
	if (v)
		return v;
	struct vma *s = vma_find(mm, mm->stack_top - 1);
	if (!s || s->kind != VMA_STACK || !vma_range_free(mm, page, s->start) ||
	    !rlimit_as_allows(mm, page, s->start - page))
		return NULL;
	if (!writer) {
		*grow = true;
		return NULL;
	}
	s->start = page;
	return s;
}

/* An entry is there: the VMA allows the access, so either another thread
 * resolved this fault first, or it is a first write to a shared page. */
static int fault_present(struct user_mm *mm, struct vma *v, u64 page, bool write,
			 unsigned int prot)
{
	if (!write || (prot & UVM_WRITE))
		return 0;	/* retry */
	if (v->ops && v->shared)	/* the file's own page: now written */
		return shared_write(mm, v, page);
	/* copy-on-write: the VMA allows writing, the page is shared */
	return uvm_make_private(&mm->vm, page, v->prot) ? SIGKILL : 0;
}

/*
 * MAP_GROWSDOWN: a fault in the free range below such an (anonymous)
 * VMA grows it down to the faulting page, as Linux's expand_stack: the
 * VMA may not grow past RLIMIT_STACK or RLIMIT_AS, nor to within
 * VMA_GUARD_GAP of an accessible mapping below it (its guard gap), and
 * only with mm->lock held for writing (*grow asks for it).
 */
static struct vma *growsdown_check(struct user_mm *mm, u64 addr, bool writer, bool *grow)
{
	u64 page = ALIGN_DOWN(addr, PAGE_SIZE);
	int i = vma_index_above(mm, addr);

	if (i == mm->nr_vmas || !(mm->vmas[i].flags & VMA_F_GROWSDOWN) || mm->vmas[i].ops ||
	    page < USER_MMAP_BOTTOM)
		return NULL;
	struct vma *g = &mm->vmas[i], *prev = i ? &mm->vmas[i - 1] : NULL;
	if (prev && !(prev->flags & VMA_F_GROWSDOWN) &&
	    (prev->prot & (UVM_READ | UVM_WRITE | UVM_EXEC)) &&
	    page - prev->end < VMA_GUARD_GAP)
		return NULL;		/* into the guard gap: SIGSEGV */
	if (g->end - page > rlimit(RLIMIT_STACK) || !rlimit_as_allows(mm, page, g->start - page))
		return NULL;
	if (!writer) {
		*grow = true;
		return NULL;
	}
	g->start = page;
	return g;
}

/*
 * A VMA registered with a userfaultfd: is this fault its handler's? If
 * so it is queued (uf), then the entry is looked at again: a handler's
 * UFFDIO_COPY that came before the queueing is seen here, one after it
 * finds uf to wake. -ENOENT: not the handler's, resolve it as usual.
 */
static int userfault(struct user_mm *mm, struct vma *v, u64 addr, bool write, bool user,
		     struct uffd_fault *uf)
{
	u64 page = ALIGN_DOWN(addr, PAGE_SIZE);
	unsigned int prot = 0;

	mutex_lock(&mm->pt_lock);
	bool present = uvm_lookup(&mm->vm, page, &prot) != 0;
	mutex_unlock(&mm->pt_lock);
	int rc = uffd_fault_start(v, addr, write, present, prot, user, uf);
	if (rc != FAULT_USERFAULT)
		return rc ? rc : -ENOENT;
	mutex_lock(&mm->pt_lock);
	present = uvm_lookup(&mm->vm, page, &prot) != 0;
	mutex_unlock(&mm->pt_lock);
	if (uffd_fault_needed(uf, present, prot))
		return FAULT_USERFAULT;
	uffd_fault_cancel(uf);
	return 0;		/* resolved meanwhile: retry */
}

static int fault_locked(struct user_mm *mm, u64 addr, bool write, bool exec, bool writer,
			bool user, struct uffd_fault *uf)
{
	bool grow = false;
	struct vma *v = stack_check(mm, vma_find(mm, addr), addr, writer, &grow);
	unsigned int prot;

	if (!v && !grow)
		v = growsdown_check(mm, addr, writer, &grow);

	if (grow)
		return FAULT_NEED_WRITER;
	if (!v || (write && !(v->prot & UVM_WRITE)) || (exec && !(v->prot & UVM_EXEC)) ||
	    !(v->prot & UVM_READ))
		return SIGSEGV;
	if (v->uffd) {
		int u = userfault(mm, v, addr, write, user, uf);
		if (u != -ENOENT)
			return u;
	}
	u64 page = ALIGN_DOWN(addr, PAGE_SIZE);
	mutex_lock(&mm->pt_lock);
	int sig = -ENOENT;
	if (uvm_lookup(&mm->vm, page, &prot))
		sig = fault_present(mm, v, page, write, prot);
	mutex_unlock(&mm->pt_lock);
	if (sig != -ENOENT)
		return sig;
	if (v->ops && !v->filled)
		return file_fault(mm, v, page, write);
	struct page *pg = alloc_anon_page(GFP_ZERO);
	if (!pg)
		return SIGKILL;
	return install(mm, page, pg, v->prot);
}

/* One try: mm->lock for reading, unless the stack must grow. A fault
 * for a userfaultfd's handler sleeps with the lock dropped, then says
 * retry (0). */
static int fault_once(struct user_mm *mm, u64 addr, bool write, bool exec, bool user)
{
	struct uffd_fault uf;

	down_read(&mm->lock);
	int sig = fault_locked(mm, addr, write, exec, false, user, &uf);
	up_read(&mm->lock);
	if (sig == FAULT_NEED_WRITER) {
		down_write(&mm->lock);
		sig = fault_locked(mm, addr, write, exec, true, user, &uf);
		up_write(&mm->lock);
	}
	if (sig == FAULT_USERFAULT)
		sig = uffd_fault_wait(&uf, user);
	return sig;
}

int user_page_fault_from(struct user_mm *mm, u64 addr, bool write, bool exec, bool user)
{
	int sig = fault_once(mm, addr, write, exec, user);
	for (int tries = 0; sig == SIGKILL && tries < 8 && mm_shrink(256); tries++)
		sig = fault_once(mm, addr, write, exec, user);	/* cached pages went back */
	/* Still none: the OOM killer frees some (kernel/mm/oom.c), or says
	 * this task is the one to die. */
	for (int round = 0; sig == SIGKILL && oom_wait_for_memory(round, addr); round++)
		sig = fault_once(mm, addr, write, exec, user);
	return sig;
}

int user_fault_pkey(struct user_mm *mm, u64 addr)
{
	down_read(&mm->lock);
	struct vma *v = vma_find(mm, addr);
	int pkey = v ? (int)uvm_pkey_of(v->prot) : 0;
	up_read(&mm->lock);
	return pkey;
}

int user_page_fault(struct user_mm *mm, u64 addr, bool write, bool exec)
{
	return user_page_fault_from(mm, addr, write, exec, false);
}
