/*
 * kcmp(pid1, pid2, type, idx1, idx2): do two processes share a kernel
 * object? 0 equal, else 1 or 2 for an order that stays the same until
 * boot, made from the objects' addresses scrambled with a per-boot key
 * (no address leaks), or 3 never (all our objects are ordered).
 * The caller needs ptrace read access to both (Linux's
 * PTRACE_MODE_READ_REALCREDS). What Alloy's objects are: the files,
 * address space, fs state (KCMP_FS: cwd/root/umask) and handler table
 * (KCMP_SIGHAND) are shared objects, compared as the process's (a
 * thread's own tables are not seen); there is no I/O context (KCMP_IO
 * compares NULL with NULL, as Linux does for two tasks that never made
 * one).
 */
#include <alloy/errno.h>
#include <alloy/fdtable.h>
#include <alloy/lockrank.h>
#include <alloy/spinlock.h>
#include <alloy/mm.h>
#include <alloy/process.h>
#include <alloy/ptrace.h>
#include <alloy/random.h>
#include <alloy/syscall.h>
#include <alloy/user.h>
#include <alloy/vfs.h>
#include "sysfs.h"

enum {
	KCMP_FILE, KCMP_VM, KCMP_FILES, KCMP_FS, KCMP_SIGHAND, KCMP_IO, KCMP_SYSVSEM,
	KCMP_EPOLL_TFD, KCMP_TYPES,
};

static u64 cookies[KCMP_TYPES][2];	/* [kcmp_lock] made at the first call */
static bool cookies_made;
static spinlock_t kcmp_lock = SPINLOCK_INIT("kcmp", LR_RANDOM - 2);

static u64 scramble(const void *v, int type)
{
	unsigned long fl = spin_lock_irqsave(&kcmp_lock);
	if (!cookies_made) {
		get_random_bytes(cookies, sizeof(cookies));
		for (int i = 0; i < KCMP_TYPES; i++)
			cookies[i][1] |= 1;	/* odd: the product is one-to-one */
		cookies_made = true;
	}
	u64 x = ((u64)(uintptr_t)v ^ cookies[type][0]) * cookies[type][1];
	spin_unlock_irqrestore(&kcmp_lock, fl);
	return x;
}

static long order(const void *a, const void *b, int type)
{
	u64 x = scramble(a, type), y = scramble(b, type);

	return x == y ? 0 : x < y ? 1 : 2;
}

/* p's file at fd, with a reference, or NULL (-EBADF; exited: no files). */
static struct file *file_of(struct process *p, u64 fd)
{
	struct fdtable *t = proc_files(p);
	struct file *f = t && fd <= 0x7fffffff ? fd_get(t, (int)fd) : NULL;

	fdt_put(t);
	return f;
}

long sys_kcmp(SYSARGS)
{
	int type = (int)a2;
	long rc;

	if (a2 >= KCMP_TYPES)
		return -EINVAL;
	struct process *p1 = proc_find((int)a0), *p2 = proc_find((int)a1);
	if (!p1 || !p2 || (int)a0 <= 0 || (int)a1 <= 0) {
		rc = -ESRCH;
		goto out;
	}
	if (!ptrace_may_read(p1) || !ptrace_may_read(p2)) {
		rc = -EPERM;
		goto out;
	}
	switch (type) {
	case KCMP_FILE: {
		struct file *f1 = file_of(p1, a3), *f2 = file_of(p2, a4);
		rc = f1 && f2 ? order(f1, f2, type) : -EBADF;
		if (f1)
			file_put(f1);
		if (f2)
			file_put(f2);
		break;
	}
	case KCMP_VM: {
		struct user_mm *m1 = proc_mm_get(p1), *m2 = proc_mm_get(p2);
		rc = order(m1, m2, type);
		if (m1)
			user_mm_put(m1);
		if (m2)
			user_mm_put(m2);
		break;
	}
	case KCMP_FILES: {
		struct fdtable *t1 = proc_files(p1), *t2 = proc_files(p2);
		rc = order(t1, t2, type);
		fdt_put(t1);
		fdt_put(t2);
		break;
	}
	case KCMP_FS:	/* identities only: never dereferenced */
		rc = order(proc_fs_id(p1), proc_fs_id(p2), type);
		break;
	case KCMP_SIGHAND:
		rc = order(READ_ONCE(p1->sighand), READ_ONCE(p2->sighand), type);
		break;
	case KCMP_IO:
		rc = 0;
		break;
	case KCMP_SYSVSEM:
		rc = order(READ_ONCE(p1->sysvsem), READ_ONCE(p2->sysvsem), type);
		break;
	default:	/* KCMP_EPOLL_TFD: not yet */
		rc = -EOPNOTSUPP;
		break;
	}
out:
	if (p1)
		proc_put(p1);
	if (p2)
		proc_put(p2);
	return rc;
}
