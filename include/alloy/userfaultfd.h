/*
 * userfaultfd (kernel/mm/userfaultfd.c, docs/memory.md): faults on
 * registered ranges are handed to a user-space handler, which reads them
 * from the file and resolves them with ioctls. The page-fault path
 * (kernel/mm/fault.c) calls the three steps below.
 */
#ifndef ALLOY_USERFAULTFD_H
#define ALLOY_USERFAULTFD_H

#include <alloy/list.h>
#include <alloy/types.h>

struct file;
struct uffd_ctx;
struct vma;

/* One fault waiting for its handler, on the faulting task's stack. */
struct uffd_fault {
	struct list_head link;	/* [ctx->fault_wq.lock] ctx->pending or ->waiting */
	struct uffd_ctx *ctx;	/* a reference, dropped by uffd_fault_wait/cancel */
	u64 page;		/* the faulting page */
	u64 address;		/* as the message reports it */
	u32 flags;		/* UFFD_PAGEFAULT_FLAG_* */
	u32 kind;		/* UFFD_VMA_MISSING or UFFD_VMA_WP */
	u32 tid;		/* the faulting thread (UFFD_FEATURE_THREAD_ID) */
	bool woken;		/* [ctx->fault_wq.lock] resolved, woken or closed */
};

/* fault_locked's answer: f is queued, sleep on it with mm->lock dropped */
#define FAULT_USERFAULT (-4096)	/* not an errno, not FAULT_NEED_WRITER */

/*
 * mm->lock held, v->uffd set; present/prot: the page's entry now. 0: not
 * the handler's (resolve it as usual); SIGBUS: refused (UFFD_FEATURE_SIGBUS,
 * or a fault in a kernel copy on a UFFD_USER_MODE_ONLY context);
 * FAULT_USERFAULT: f is queued for the handler, and the caller looks at
 * the entry again (uffd_fault_needed) before it sleeps, as a resolution
 * that came before the queueing cannot wake it.
 */
int uffd_fault_start(const struct vma *v, u64 addr, bool write, bool present, unsigned int prot,
		     bool user, struct uffd_fault *f);
bool uffd_fault_needed(const struct uffd_fault *f, bool present, unsigned int prot);
void uffd_fault_cancel(struct uffd_fault *f);
/* No mm->lock held: sleeps until f is resolved or woken, the context is
 * closed, or a signal comes. 0: retry the access; SIGBUS: a kernel-mode
 * fault cut short by a signal (the copy fails with EFAULT, as Linux). */
int uffd_fault_wait(struct uffd_fault *f, bool user);

/* /dev/userfaultfd (10:126), opened by chrdev_open. */
int uffd_dev_open(struct file *f);

#endif
