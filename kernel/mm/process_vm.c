/*
 * process_vm_readv and process_vm_writev: copies between the caller's
 * memory and another process's, as Linux (docs/syscalls.md, docs/ipc.md
 * names the neighbours).
 *
 * The caller needs ptrace's right over the target (same real, effective
 * and saved uid and gid, or CAP_SYS_PTRACE). The target's address space
 * is held with a reference (proc_mm_get), so it stays whole while the
 * target exits meanwhile. Its pages are looked up one at a time under its
 * mm->lock (read) and pt_lock and faulted in as the target's own access
 * would be (user_page_fault) when absent or copy-on-write; an address that
 * no VMA allows (unmapped, PROT_NONE, read-only for a write, the kernel
 * half) ends the transfer. Data goes through a page-sized kernel buffer,
 * so no lock of the target is held across a copy from or to the caller
 * (which may fault, and may even be the target). As Linux, the count of
 * bytes moved is returned if any were, else the error.
 */
#include <alloy/aio.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/process.h>
#include <alloy/ptrace.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>

#define UIO_MAXIOV 1024

struct kiovec {
	u64 base, len;
};

/* cnt user iovecs at uiov into *out (kmalloc'd, cnt may be 0); their
 * total in *total. -EINVAL for a length past SSIZE_MAX in all. */
static long read_iovs(u64 uiov, u64 cnt, struct kiovec **out, u64 *total)
{
	struct kiovec *v = kmalloc((cnt ? cnt : 1) * sizeof(*v), GFP_KERNEL);

	*out = NULL;
	*total = 0;
	if (!v)
		return -ENOMEM;
	if (cnt && copy_from_user(v, (const void *)uiov, cnt * sizeof(*v))) {
		kfree(v);
		return -EFAULT;
	}
	for (u64 i = 0; i < cnt; i++) {
		if (__builtin_add_overflow(*total, v[i].len, total) || (s64)*total < 0) {
			kfree(v);
			return -EINVAL;
		}
	}
	*out = v;
	return 0;
}

/* ptrace's PTRACE_MODE_ATTACH_REALCREDS rule: 0 or -EPERM. */
static int may_access_process(struct process *p)
{
	struct process *me = current_proc();
	struct cred c;

	if (p == me)
		return 0;
	cred_current(&c);
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	bool ok = ptrace_may_access_locked(p, &c);
	spin_unlock_irqrestore(&p->sig_lock, flags);
	return ok ? 0 : -EPERM;
}

/* len bytes at the target's va to or from buf: 0, or -EFAULT when the
 * target itself could not make that access (user_mm_access stops at the
 * end of user space, so va + len cannot wrap). process_vm's transfers,
 * and asynchronous I/O finishing after its submitter left the kernel
 * (kernel/aio/). */
int user_mm_copy(struct user_mm *mm, u64 va, void *buf, size_t len, bool write)
{
	return user_mm_access(mm, va, buf, len, write, false) == len ? 0 : -EFAULT;
}

/* Moves bytes between the local and remote iovecs in order, a page at
 * most at a time; the bytes moved, or the first error if none were. */
static long transfer(struct user_mm *mm, const struct kiovec *lv, u64 lcnt,
		     const struct kiovec *rv, u64 rcnt, bool write)
{
	u8 *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	u64 li = 0, loff = 0, total = 0;
	long rc = 0;

	if (!buf)
		return -ENOMEM;
	for (u64 ri = 0; ri < rcnt && !rc; ri++) {
		for (u64 roff = 0; roff < rv[ri].len && !rc;) {
			while (li < lcnt && loff == lv[li].len) {
				li++;
				loff = 0;
			}
			if (li == lcnt)
				goto out;
			u64 ra = rv[ri].base + roff, la = lv[li].base + loff;
			size_t n = (size_t)MIN(MIN(rv[ri].len - roff, lv[li].len - loff),
					       PAGE_SIZE - (ra & (PAGE_SIZE - 1)));
			if (write) {
				rc = copy_from_user(buf, (const void *)la, n) ? -EFAULT
									     : user_mm_copy(mm, ra, buf, n, true);
			} else {
				rc = user_mm_copy(mm, ra, buf, n, false);
				if (!rc && copy_to_user((void *)la, buf, n))
					rc = -EFAULT;
			}
			if (!rc) {
				total += n;
				roff += n;
				loff += n;
				if (fatal_signal_pending())
					break;
			}
		}
		if (fatal_signal_pending())
			break;
	}
out:
	kfree(buf);
	return total ? (long)total : rc;
}

static long process_vm_rw(u64 pid, u64 lvec, u64 lcnt, u64 rvec, u64 rcnt, u64 flags,
			  bool write)
{
	struct kiovec *lv, *rv;
	u64 ltotal, rtotal;
	long rc;

	if (flags)
		return -EINVAL;
	if (lcnt > UIO_MAXIOV || rcnt > UIO_MAXIOV)
		return -EINVAL;
	if ((rc = read_iovs(lvec, lcnt, &lv, &ltotal)))
		return rc;
	if (!ltotal) {		/* Linux: nothing to do before the rest is looked at */
		kfree(lv);
		return 0;
	}
	if ((rc = read_iovs(rvec, rcnt, &rv, &rtotal))) {
		kfree(lv);
		return rc;
	}
	struct process *p = (s64)(int)pid == (s64)pid && (int)pid > 0 ? proc_find((int)pid)
								      : NULL;
	struct user_mm *mm = NULL;
	if (!p)
		rc = -ESRCH;
	else if (!(rc = may_access_process(p)) && !(mm = proc_mm_get(p)))
		rc = -ESRCH;	/* its threads are gone */
	if (mm && mm->setid && p != current_proc() && !ptrace_capable()) {
		/* a set-ID exec's image: its IDs may not be committed yet, and
		 * they are not the caller's (only root's right reaches it) */
		user_mm_put(mm);
		mm = NULL;
		rc = -EPERM;
	}
	if (p)
		proc_put(p);
	if (mm) {
		rc = transfer(mm, lv, lcnt, rv, rcnt, write);
		user_mm_put(mm);
	}
	kfree(lv);
	kfree(rv);
	return rc;
}

long sys_process_vm_readv(u64 pid, u64 lvec, u64 lcnt, u64 rvec, u64 rcnt, u64 flags)
{
	return process_vm_rw(pid, lvec, lcnt, rvec, rcnt, flags, false);
}

long sys_process_vm_writev(u64 pid, u64 lvec, u64 lcnt, u64 rvec, u64 rcnt, u64 flags)
{
	return process_vm_rw(pid, lvec, lcnt, rvec, rcnt, flags, true);
}
