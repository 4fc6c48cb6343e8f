/*
 * userfaultfd(2) and /dev/userfaultfd: a program registers ranges of its
 * anonymous memory with a userfaultfd, and a fault there (a missing page,
 * or a write to a page it write-protected) is handed to whoever reads the
 * file instead of being resolved by the kernel. The faulting thread
 * sleeps, with its address space unlocked, until the handler fills the
 * page (UFFDIO_COPY, UFFDIO_ZEROPAGE), lifts the protection
 * (UFFDIO_WRITEPROTECT), wakes it (UFFDIO_WAKE) or closes the file; then
 * the access is tried again. docs/memory.md has what is built.
 *
 * Lifetimes. The context (struct uffd_ctx) is counted: one reference for
 * the file, one for each fault waiting on it. It pins its address
 * space's structure (user_mm_grab), not the address space: ioctls take a
 * user reference for their duration (user_mm_tryget, ESRCH once the
 * process is gone). A VMA's uffd pointer is not a reference: the last
 * file_put clears every VMA pointing to the context under mm->lock
 * (write) before it lets go, so the pointer is valid to anyone holding
 * mm->lock; VMAs that go earlier (munmap, exit) just take the pointer
 * with them. A fault takes its reference under mm->lock.
 *
 * Sleeping follows DESIGN §4: ctx->fault_wq's lock guards the queues of
 * faults, each fault's `woken` and `released`; a waker sets `woken` and
 * wakes under that lock. Readers and pollers sleep on ctx->read_wq (never
 * locked together with fault_wq).
 */
#include <alloy/errno.h>
#include <alloy/event.h>
#include <alloy/fdtable.h>
#include <alloy/mm.h>
#include <alloy/poll.h>
#include <alloy/process.h>
#include <alloy/ptrace.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/sysctl.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <alloy/userfaultfd.h>
#include <alloy/vfs.h>
#include <alloy/wait.h>
#include <uapi/fcntl.h>
#include <uapi/userfaultfd.h>

/* vm/unprivileged_userfaultfd: may a process without CAP_SYS_PTRACE have
 * a userfaultfd that also handles faults in kernel copies? Linux's default
 * is 0 (only UFFD_USER_MODE_ONLY ones). /dev/userfaultfd ignores it. */
static long unprivileged_userfaultfd;
SYSCTL_INT(unprivileged_userfaultfd, "vm/unprivileged_userfaultfd", 0644,
	   &unprivileged_userfaultfd, 0, 1);

/* What is built: reported by UFFDIO_API, and nothing else is accepted. */
#define UFFD_FEATURES (UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_SIGBUS | \
		       UFFD_FEATURE_THREAD_ID | UFFD_FEATURE_EXACT_ADDRESS)
#define UFFD_API_IOCTLS (1ULL << _UFFDIO_REGISTER | 1ULL << _UFFDIO_UNREGISTER | \
			 1ULL << _UFFDIO_API)
#define UFFD_RANGE_IOCTLS (1ULL << _UFFDIO_WAKE | 1ULL << _UFFDIO_COPY | \
			   1ULL << _UFFDIO_ZEROPAGE)
#define MMAP_MIN_ADDR USER_MMAP_BOTTOM	/* Linux's mmap_min_addr (65536) */

struct uffd_ctx {
	atomic_t refs;		/* the file, plus each waiting fault */
	struct user_mm *mm;	/* grabbed (the structure): the registering process's */
	u32 flags;		/* UFFD_USER_MODE_ONLY */
	atomic_t api;		/* 0, 2 while UFFDIO_API sets features, then 1 */
	u64 features;		/* negotiated: written once, before api is 1 */
	struct wait_queue fault_wq;	/* faulting tasks; its lock: the lists below */
	struct wait_queue read_wq;	/* readers and pollers of the file */
	struct list_head pending;	/* faults not yet read */
	struct list_head waiting;	/* read, not yet resolved */
	bool released;		/* the file is gone: nothing is queued any more */
};

static void ctx_put(struct uffd_ctx *ctx)
{
	if (!atomic_dec_and_test(&ctx->refs))
		return;
	user_mm_drop(ctx->mm);
	kfree(ctx);
}

static bool api_done(struct uffd_ctx *ctx)
{
	return atomic_read(&ctx->api) == 1;
}

/* ---- the fault path (kernel/mm/fault.c) ---- */

int uffd_fault_start(const struct vma *v, u64 addr, bool write, bool present, unsigned int prot,
		     bool user, struct uffd_fault *f)
{
	struct uffd_ctx *ctx = v->uffd;
	u32 kind;

	if (!present && (v->uffd_mode & UFFD_VMA_MISSING))
		kind = UFFD_VMA_MISSING;
	else if (present && write && (prot & UVM_UFFD_WP) && (v->uffd_mode & UFFD_VMA_WP))
		kind = UFFD_VMA_WP;
	else
		return 0;
	/* refused: the handler asked for SIGBUS, or a kernel copy on a
	 * user-mode-only context, or a kernel thread's copy (aiod, io_uring:
	 * it has no signal to end the wait, and the exit of the process may
	 * be waiting for it) */
	if ((!user && (ctx->flags & UFFD_USER_MODE_ONLY)) ||
	    (ctx->features & UFFD_FEATURE_SIGBUS) || !current_task()->proc)
		return SIGBUS;
	*f = (struct uffd_fault){ .ctx = ctx, .page = ALIGN_DOWN(addr, PAGE_SIZE), .kind = kind };
	f->address = ctx->features & UFFD_FEATURE_EXACT_ADDRESS ? addr : f->page;
	f->flags = (write ? UFFD_PAGEFAULT_FLAG_WRITE : 0) |
		   (kind == UFFD_VMA_WP ? UFFD_PAGEFAULT_FLAG_WP : 0);
	if (ctx->features & UFFD_FEATURE_THREAD_ID)
		f->tid = (u32)current_task()->user_tid;
	unsigned long fl = spin_lock_irqsave(&ctx->fault_wq.lock);
	bool gone = ctx->released;	/* (cannot be: its VMAs are cleared first) */
	if (!gone) {
		atomic_inc(&ctx->refs);
		list_add_tail(&f->link, &ctx->pending);
	}
	spin_unlock_irqrestore(&ctx->fault_wq.lock, fl);
	if (gone)
		return 0;
	wake_up_all(&ctx->read_wq);
	return FAULT_USERFAULT;
}

bool uffd_fault_needed(const struct uffd_fault *f, bool present, unsigned int prot)
{
	return f->kind == UFFD_VMA_MISSING ? !present : present && (prot & UVM_UFFD_WP);
}

/* Takes f off its queue if a waker has not; true if it was woken. */
static bool fault_dequeue(struct uffd_fault *f)
{
	struct uffd_ctx *ctx = f->ctx;
	unsigned long fl = spin_lock_irqsave(&ctx->fault_wq.lock);
	bool woken = f->woken;

	if (!woken)
		list_del(&f->link);
	spin_unlock_irqrestore(&ctx->fault_wq.lock, fl);
	return woken;
}

void uffd_fault_cancel(struct uffd_fault *f)
{
	fault_dequeue(f);
	ctx_put(f->ctx);
}

int uffd_fault_wait(struct uffd_fault *f, bool user)
{
	struct uffd_ctx *ctx = f->ctx;

	/* any signal ends the wait, as Linux's: a user-mode access is tried
	 * again after the handler ran (or the process died); a kernel copy
	 * fails */
	wait_event(ctx->fault_wq, READ_ONCE(f->woken) || signal_pending());
	bool woken = fault_dequeue(f);
	ctx_put(ctx);
	return woken || user ? 0 : SIGBUS;
}

/* Wakes the faults on [start, start + len) of ctx (0 len: none). */
static void wake_range(struct uffd_ctx *ctx, u64 start, u64 len)
{
	struct list_head *queues[2] = { &ctx->pending, &ctx->waiting };
	unsigned long fl = spin_lock_irqsave(&ctx->fault_wq.lock);
	bool any = false;

	for (int q = 0; q < 2; q++) {
		struct uffd_fault *f, *n;
		list_for_each_entry_safe(f, n, queues[q], link) {
			if (f->page < start || f->page - start >= len)
				continue;
			list_del_init(&f->link);
			f->woken = true;
			any = true;
		}
	}
	if (any)
		wake_up_all_locked(&ctx->fault_wq);
	spin_unlock_irqrestore(&ctx->fault_wq.lock, fl);
}

/* ---- the file ---- */

static long uffd_read(struct file *file, struct iobuf b, size_t n, u64 *pos)
{
	struct uffd_ctx *ctx = file->priv;
	size_t done = 0;

	(void)pos;
	if (!api_done(ctx) || n < sizeof(struct uffd_msg))
		return -EINVAL;
	while (n - done >= sizeof(struct uffd_msg)) {
		struct uffd_msg msg;
		bool got = false;
		unsigned long fl = spin_lock_irqsave(&ctx->fault_wq.lock);
		if (!list_empty(&ctx->pending)) {
			struct uffd_fault *f = list_first_entry(&ctx->pending, struct uffd_fault, link);
			memset(&msg, 0, sizeof(msg));
			msg.event = UFFD_EVENT_PAGEFAULT;
			msg.arg.pagefault.flags = f->flags;
			msg.arg.pagefault.address = f->address;
			msg.arg.pagefault.feat.ptid = f->tid;
			list_move_tail(&f->link, &ctx->waiting);
			got = true;
		}
		spin_unlock_irqrestore(&ctx->fault_wq.lock, fl);
		if (got) {
			if (iob_copy_out(b, done, &msg, sizeof(msg)))
				return done ? (long)done : -EFAULT;
			done += sizeof(msg);
			continue;
		}
		if (done)
			break;
		if (READ_ONCE(file->flags) & O_NONBLOCK)
			return -EAGAIN;
		if (signal_pending())
			return -ERESTARTSYS;
		wait_event(ctx->read_wq, !list_empty(&ctx->pending) || signal_pending());
	}
	return (long)done;
}

static unsigned int uffd_poll(struct file *file, struct poll_table *pt)
{
	struct uffd_ctx *ctx = file->priv;

	poll_wait(pt, &ctx->read_wq);
	/* as Linux: a blocking userfaultfd is never "ready" (a fault may be
	 * woken before it is read, so a read could block), nor one whose API
	 * is not negotiated */
	if (!(READ_ONCE(file->flags) & O_NONBLOCK) || !api_done(ctx))
		return POLLERR;
	return !list_empty(&ctx->pending) ? POLLIN | POLLRDNORM : 0;
}

/* Every VMA registered with ctx forgets it, then every waiting fault is
 * woken to find its range unregistered (resolved as usual, as Linux). */
static void uffd_release(struct file *file)
{
	struct uffd_ctx *ctx = file->priv;
	struct user_mm *mm = ctx->mm;

	down_write(&mm->lock);
	for (int i = 0; i < mm->nr_vmas; i++) {
		struct vma *v = &mm->vmas[i];
		if (v->uffd != ctx)
			continue;
		if (v->uffd_mode & UFFD_VMA_WP)
			uvm_uffd_wp_range(&mm->vm, v->start, v->end, false);
		v->uffd = NULL;
		v->uffd_mode = 0;
	}
	up_write(&mm->lock);
	unsigned long fl = spin_lock_irqsave(&ctx->fault_wq.lock);
	ctx->released = true;
	spin_unlock_irqrestore(&ctx->fault_wq.lock, fl);
	wake_range(ctx, 0, ~0ULL);
	ctx_put(ctx);
}

/* ---- ioctls ---- */

/* Linux's validate_range: page-aligned, not empty, within user space. */
static bool range_ok(u64 start, u64 len)
{
	return !(start & (PAGE_SIZE - 1)) && !(len & (PAGE_SIZE - 1)) && len &&
	       start >= MMAP_MIN_ADDR && start < USER_TOP && len <= USER_TOP - start;
}

static long uffd_api(struct uffd_ctx *ctx, u64 arg)
{
	struct uffdio_api api;
	long rc;

	if (copy_from_user(&api, (void *)arg, sizeof(api)))
		return -EFAULT;
	u64 want = api.features;
	if (api.api != UFFD_API)
		rc = -EINVAL;
	else if ((want & UFFD_FEATURE_EVENT_FORK) && !ptrace_capable())
		rc = -EPERM;
	else if (want & ~UFFD_FEATURES)
		rc = -EINVAL;
	else
		rc = 0;
	if (rc) {	/* Linux zeroes the answer */
		memset(&api, 0, sizeof(api));
		return copy_to_user((void *)arg, &api, sizeof(api)) ? -EFAULT : rc;
	}
	api.features = UFFD_FEATURES;	/* everything that may be asked for */
	api.ioctls = UFFD_API_IOCTLS;
	if (copy_to_user((void *)arg, &api, sizeof(api)))
		return -EFAULT;
	if (!atomic_cmpxchg(&ctx->api, 0, 2))
		return -EINVAL;		/* once only */
	ctx->features = want;	/* faults read it after a REGISTER, so after api is 1 */
	atomic_set(&ctx->api, 1);
	return 0;
}

/* Can v be registered? Private anonymous memory (heap, stack included);
 * shared memory and files are not built (docs/memory.md). */
static int can_userfault(const struct vma *v)
{
	if (v->ops || v->shared || (v->kind != VMA_ANON && v->kind != VMA_HEAP &&
				    v->kind != VMA_STACK))
		return -EINVAL;
	return v->may & VMA_MAY_WRITE ? 0 : -EPERM;
}

/* The first VMA in [start, end) (its index), -EINVAL if none. */
static int first_in(struct user_mm *mm, u64 start, u64 end)
{
	int i = vma_index_above(mm, start);

	return i < mm->nr_vmas && mm->vmas[i].start < end ? i : -EINVAL;
}

static long uffd_register(struct uffd_ctx *ctx, u64 arg)
{
	struct uffdio_register reg;
	struct user_mm *mm = ctx->mm;

	if (copy_from_user(&reg, (void *)arg, sizeof(reg)))
		return -EFAULT;
	if (!reg.mode || (reg.mode & ~(UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP |
				       UFFDIO_REGISTER_MODE_MINOR)))
		return -EINVAL;
	if (!range_ok(reg.range.start, reg.range.len))
		return -EINVAL;
	if (reg.mode & UFFDIO_REGISTER_MODE_MINOR)
		return -EINVAL;		/* minor faults need shared memory: not built */
	if (!user_mm_tryget(mm))
		return -ESRCH;
	u64 start = reg.range.start, end = start + reg.range.len;
	u32 mode = (reg.mode & UFFDIO_REGISTER_MODE_MISSING ? UFFD_VMA_MISSING : 0) |
		   (reg.mode & UFFDIO_REGISTER_MODE_WP ? UFFD_VMA_WP : 0);
	down_write(&mm->lock);
	int rc = first_in(mm, start, end);
	for (int i = rc; rc >= 0 && i < mm->nr_vmas && mm->vmas[i].start < end; i++) {
		const struct vma *v = &mm->vmas[i];
		if (!(rc = can_userfault(v)) && v->uffd && v->uffd != ctx)
			rc = -EBUSY;	/* another userfaultfd's */
	}
	if (rc >= 0)
		rc = vma_reserve(mm, 2) ? -ENOMEM : vma_set_uffd(mm, start, end, ctx, mode);
	up_write(&mm->lock);
	user_mm_put(mm);
	if (rc)
		return rc;
	reg.ioctls = UFFD_RANGE_IOCTLS | (mode & UFFD_VMA_WP ? 1ULL << _UFFDIO_WRITEPROTECT : 0);
	return copy_to_user(&((struct uffdio_register *)arg)->ioctls, &reg.ioctls,
			    sizeof(reg.ioctls)) ? -EFAULT : 0;
}

static long uffd_unregister(struct uffd_ctx *ctx, u64 arg)
{
	struct uffdio_range r;
	struct user_mm *mm = ctx->mm;

	if (copy_from_user(&r, (void *)arg, sizeof(r)))
		return -EFAULT;
	if (!range_ok(r.start, r.len))
		return -EINVAL;
	if (!user_mm_tryget(mm))
		return -ESRCH;
	u64 start = r.start, end = start + r.len;
	down_write(&mm->lock);
	int rc = first_in(mm, start, end);
	for (int i = rc; rc >= 0 && i < mm->nr_vmas && mm->vmas[i].start < end; i++)
		if (can_userfault(&mm->vmas[i]) == -EINVAL)
			rc = -EINVAL;
	for (int i = rc; rc >= 0 && i < mm->nr_vmas && mm->vmas[i].start < end; i++) {
		const struct vma *v = &mm->vmas[i];
		u64 s = MAX(start, v->start), e = MIN(end, v->end);
		if (!v->uffd)
			continue;
		if (v->uffd_mode & UFFD_VMA_WP)
			uvm_uffd_wp_range(&mm->vm, s, e, false);
		/* its waiting faults find the range unregistered (valid: mm->lock) */
		wake_range(v->uffd, s, e - s);
	}
	if (rc >= 0)
		rc = vma_reserve(mm, 2) ? -ENOMEM : vma_set_uffd(mm, start, end, NULL, 0);
	up_write(&mm->lock);
	user_mm_put(mm);
	return rc;
}

/* One page at dst, registered with ctx (checked again: the VMAs may have
 * changed while the lock was dropped), if nothing is mapped there. The
 * page is consumed. */
static int install(struct uffd_ctx *ctx, struct user_mm *mm, u64 dst, struct page *pg, bool wp)
{
	unsigned int prot;
	int rc;

	down_read(&mm->lock);
	struct vma *v = vma_find(mm, dst);
	if (!v || v->uffd != ctx) {
		rc = -ENOENT;
	} else {
		mutex_lock(&mm->pt_lock);
		rc = uvm_lookup(&mm->vm, dst, &prot) ? -EEXIST :
		     uvm_map(&mm->vm, dst, page_to_phys(pg), v->prot | (wp ? UVM_UFFD_WP : 0));
		mutex_unlock(&mm->pt_lock);
	}
	up_read(&mm->lock);
	if (rc)
		page_put(pg);
	return rc;
}

/*
 * Fills [dst, dst + len) with copies of the caller's [src, ...) (src 0:
 * zeroed pages), a page at a time, each only where nothing is mapped
 * (Linux's mfill_atomic). The bytes filled, or the error if none were.
 * The source is read with no lock held, so it may fault (even into a
 * range registered here: that fault then waits like any other).
 */
static s64 fill(struct uffd_ctx *ctx, struct user_mm *mm, u64 dst, u64 src, u64 len, bool wp)
{
	u64 done = 0;
	int rc = 0;

	down_read(&mm->lock);
	const struct vma *v = vma_find(mm, dst);
	if (!v || len > v->end - dst || v->uffd != ctx)
		rc = -ENOENT;	/* all of it in one VMA registered here */
	else if (wp && !(v->uffd_mode & UFFD_VMA_WP))
		rc = -EINVAL;
	up_read(&mm->lock);
	while (!rc && done < len) {
		if (fatal_signal_pending()) {
			rc = -EINTR;
			break;
		}
		struct page *pg = alloc_anon_page(src ? GFP_KERNEL : GFP_ZERO);
		if (!pg) {
			rc = -ENOMEM;
			break;
		}
		if (src && copy_from_user(page_to_virt(pg), (const void *)(src + done), PAGE_SIZE)) {
			page_put(pg);
			rc = -EFAULT;
			break;
		}
		rc = install(ctx, mm, dst + done, pg, wp);
		if (!rc)
			done += PAGE_SIZE;
	}
	return done ? (s64)done : rc;
}

/* COPY and ZEROPAGE's end: the result in the caller's field, the faults
 * of what was filled woken, and EAGAIN for a part. */
static long fill_done(struct uffd_ctx *ctx, u64 dst, u64 len, s64 ret, s64 *ufield, bool wake)
{
	if (copy_to_user(ufield, &ret, sizeof(ret)))
		return -EFAULT;
	if (ret < 0)
		return ret;
	if (wake)
		wake_range(ctx, dst, (u64)ret);
	return (u64)ret == len ? 0 : -EAGAIN;
}

static long uffd_copy(struct uffd_ctx *ctx, u64 arg)
{
	struct uffdio_copy c;
	struct user_mm *mm = ctx->mm;

	if (copy_from_user(&c, (void *)arg, sizeof(c) - sizeof(c.copy)))
		return -EFAULT;
	if ((c.mode & ~(UFFDIO_COPY_MODE_DONTWAKE | UFFDIO_COPY_MODE_WP)) ||
	    !range_ok(c.dst, c.len) || c.src + c.len <= c.src)
		return -EINVAL;
	if (!user_mm_tryget(mm))
		return -ESRCH;
	s64 ret = fill(ctx, mm, c.dst, c.src, c.len, c.mode & UFFDIO_COPY_MODE_WP);
	user_mm_put(mm);
	return fill_done(ctx, c.dst, c.len, ret, &((struct uffdio_copy *)arg)->copy,
			 !(c.mode & UFFDIO_COPY_MODE_DONTWAKE));
}

static long uffd_zeropage(struct uffd_ctx *ctx, u64 arg)
{
	struct uffdio_zeropage z;
	struct user_mm *mm = ctx->mm;

	if (copy_from_user(&z, (void *)arg, sizeof(z) - sizeof(z.zeropage)))
		return -EFAULT;
	if ((z.mode & ~UFFDIO_ZEROPAGE_MODE_DONTWAKE) || !range_ok(z.range.start, z.range.len))
		return -EINVAL;
	if (!user_mm_tryget(mm))
		return -ESRCH;
	s64 ret = fill(ctx, mm, z.range.start, 0, z.range.len, false);
	user_mm_put(mm);
	return fill_done(ctx, z.range.start, z.range.len, ret,
			 &((struct uffdio_zeropage *)arg)->zeropage,
			 !(z.mode & UFFDIO_ZEROPAGE_MODE_DONTWAKE));
}

static long uffd_wake(struct uffd_ctx *ctx, u64 arg)
{
	struct uffdio_range r;

	if (copy_from_user(&r, (void *)arg, sizeof(r)))
		return -EFAULT;
	if (!range_ok(r.start, r.len))
		return -EINVAL;
	wake_range(ctx, r.start, r.len);
	return 0;
}

/* Sets or lifts the write protection of the pages mapped in a range whose
 * VMAs are all registered here in WP mode (pages not mapped yet are not
 * protected: no UFFD_FEATURE_WP_UNPOPULATED). Under mm->lock for writing,
 * so a fault's look at the entry (under it for reading) is before or after. */
static long uffd_writeprotect(struct uffd_ctx *ctx, u64 arg)
{
	struct uffdio_writeprotect w;
	struct user_mm *mm = ctx->mm;

	if (copy_from_user(&w, (void *)arg, sizeof(w)))
		return -EFAULT;
	bool protect = w.mode & UFFDIO_WRITEPROTECT_MODE_WP;
	bool nowake = w.mode & UFFDIO_WRITEPROTECT_MODE_DONTWAKE;
	if ((w.mode & ~(UFFDIO_WRITEPROTECT_MODE_WP | UFFDIO_WRITEPROTECT_MODE_DONTWAKE)) ||
	    (protect && nowake) || !range_ok(w.range.start, w.range.len))
		return -EINVAL;
	if (!user_mm_tryget(mm))
		return -ESRCH;
	u64 start = w.range.start, end = start + w.range.len;
	down_write(&mm->lock);
	int rc = first_in(mm, start, end) < 0 ? -ENOENT : 0;
	for (int i = vma_index_above(mm, start); !rc && i < mm->nr_vmas &&
	     mm->vmas[i].start < end; i++)
		if (mm->vmas[i].uffd != ctx || !(mm->vmas[i].uffd_mode & UFFD_VMA_WP))
			rc = -ENOENT;
	for (int i = vma_index_above(mm, start); !rc && i < mm->nr_vmas &&
	     mm->vmas[i].start < end; i++)
		uvm_uffd_wp_range(&mm->vm, MAX(start, mm->vmas[i].start),
				  MIN(end, mm->vmas[i].end), protect);
	up_write(&mm->lock);
	user_mm_put(mm);
	if (!rc && !protect && !nowake)
		wake_range(ctx, start, end - start);
	return rc;
}

static long uffd_ioctl(struct file *file, u32 cmd, u64 arg)
{
	struct uffd_ctx *ctx = file->priv;

	if (cmd == UFFDIO_API)
		return uffd_api(ctx, arg);
	if (!api_done(ctx))
		return -EINVAL;
	switch (cmd) {
	case UFFDIO_REGISTER: return uffd_register(ctx, arg);
	case UFFDIO_UNREGISTER: return uffd_unregister(ctx, arg);
	case UFFDIO_WAKE: return uffd_wake(ctx, arg);
	case UFFDIO_COPY: return uffd_copy(ctx, arg);
	case UFFDIO_ZEROPAGE: return uffd_zeropage(ctx, arg);
	case UFFDIO_WRITEPROTECT: return uffd_writeprotect(ctx, arg);
	default: return -EINVAL;	/* as Linux (not ENOTTY) */
	}
}

static const struct file_ops uffd_fops = {
	.read = uffd_read,
	.poll = uffd_poll,
	.ioctl = uffd_ioctl,
	.release = uffd_release,
};

/* A new userfaultfd for the caller's address space, in a new fd. */
static long uffd_new(u64 flags)
{
	struct user_mm *mm = current_task()->mm;

	if (flags & ~(u64)(O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY))
		return -EINVAL;
	if (!mm)
		return -EINVAL;
	struct uffd_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	atomic_set(&ctx->refs, 1);
	ctx->mm = mm;
	user_mm_grab(mm);
	ctx->flags = (u32)flags & UFFD_USER_MODE_ONLY;
	wait_queue_init(&ctx->fault_wq, "uffd-faults");
	wait_queue_init(&ctx->read_wq, "uffd-read");
	list_init(&ctx->pending);
	list_init(&ctx->waiting);
	struct file *f = anon_file(&uffd_fops, ctx, O_RDWR | ((u32)flags & O_NONBLOCK));
	if (!f) {
		ctx_put(ctx);
		return -ENOMEM;
	}
	return fd_install(cur_files(), f, 0, flags & O_CLOEXEC);
}

long sys_userfaultfd(u64 flags, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	/* Linux's order: the permission first */
	if (!(flags & UFFD_USER_MODE_ONLY) && !READ_ONCE(unprivileged_userfaultfd) &&
	    !ptrace_capable())
		return -EPERM;
	return uffd_new(flags);
}

/* /dev/userfaultfd: USERFAULTFD_IOC_NEW makes one, whatever the sysctl
 * says (access to the node is the permission). */
static long uffd_dev_ioctl(struct file *file, u32 cmd, u64 arg)
{
	(void)file;
	return cmd == USERFAULTFD_IOC_NEW ? uffd_new(arg) : -EINVAL;
}

static const struct file_ops uffd_dev_fops = {
	.ioctl = uffd_dev_ioctl,
};

int uffd_dev_open(struct file *f)
{
	f->fop = &uffd_dev_fops;
	return 0;
}
