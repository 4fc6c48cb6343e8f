/*
 * Capabilities (capget, capset), as far as this kernel has them: each
 * process carries Linux's effective, permitted and inheritable sets. At
 * exec they follow the IDs as Linux's do for a file without capabilities
 * of its own: a process whose real or effective user is root gets every
 * capability permitted (effective too if the effective user is root),
 * anyone else none; inheritable is kept. capset may only lower them.
 * Permission checks in the kernel look at user IDs, not at these sets,
 * and a setuid call does not recompute them yet (docs/syscalls.md).
 */
#include <alloy/errno.h>
#include <alloy/process.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include "sysfs.h"

#define CAP_V1 0x19980330u	/* one 32-bit set of each */
#define CAP_V2 0x20071026u	/* two (deprecated, as V3) */
#define CAP_V3 0x20080522u
#define CAP_LAST 40		/* CAP_CHECKPOINT_RESTORE, Linux 6.x */
#define CAP_FULL ((1ULL << (CAP_LAST + 1)) - 1)

enum { EFF, PRM, INH };

struct cap_header {
	u32 version;
	s32 pid;
};

struct cap_data {
	u32 effective, permitted, inheritable;
};

void cap_exec(struct process *p)
{
	bool root = p->uid[0] == 0 || p->uid[1] == 0;

	u64 bset = CAP_FULL & ~p->cap_bdropped;

	p->caps[PRM] = root ? bset : 0;
	p->caps[EFF] = p->uid[1] == 0 ? bset : 0;
}

bool cap_effective(int cap)
{
	struct process *p = current_proc();

	return READ_ONCE(p->uid[1]) == 0 && (READ_ONCE(p->caps[EFF]) >> cap & 1);
}

/* The bounding set: what an exec may grant (cap_exec) and what capset
 * may add to the inheritable set. Dropping needs CAP_SETPCAP; a drop
 * is for good (fork copies it). */
long cap_bset_prctl(bool drop, u64 cap)
{
	struct process *p = current_proc();

	if (drop && !cap_effective(CAP_SETPCAP))
		return -EPERM;
	if (cap > CAP_LAST)
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	if (drop)
		p->cap_bdropped |= 1ULL << cap;
	long in = !(p->cap_bdropped >> cap & 1);
	spin_unlock_irqrestore(&p->sig_lock, flags);
	return drop ? 0 : in;
}

bool proc_capable(int cap)
{
	struct process *p = current_proc();

	/* as the other checks: a set*uid away from root keeps the bits */
	return !p || (READ_ONCE(p->uid[1]) == 0 && (READ_ONCE(p->caps[EFF]) >> cap & 1));
}

/* The header's version: how many data structs (1 or 2); else the
 * preferred version is written back and -EINVAL returned. */
static int read_header(u64 uh, struct cap_header *h)
{
	if (copy_from_user(h, (const void *)uh, sizeof(*h)))
		return -EFAULT;
	if (h->version == CAP_V1)
		return 1;
	if (h->version == CAP_V2 || h->version == CAP_V3)
		return 2;
	u32 v = CAP_V3;
	return copy_to_user((void *)uh, &v, sizeof(v)) ? -EFAULT : -EINVAL;
}

long sys_capget(SYSARGS)
{
	struct cap_header h;
	int n = read_header(a0, &h);

	if (n == -EINVAL && !a1)
		return 0;	/* a probe for the version: told, not an error */
	if (n < 0)
		return n;
	if (h.pid < 0)
		return -EINVAL;
	struct process *p = h.pid ? proc_find(h.pid) : current_proc();
	if (!p)
		return -ESRCH;
	u64 c[3];
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	for (int i = 0; i < 3; i++)
		c[i] = p->caps[i];
	spin_unlock_irqrestore(&p->sig_lock, flags);
	if (h.pid)
		proc_put(p);
	struct cap_data d[2];
	for (int i = 0; i < 2; i++)
		d[i] = (struct cap_data){ (u32)(c[EFF] >> (32 * i)), (u32)(c[PRM] >> (32 * i)),
					  (u32)(c[INH] >> (32 * i)) };
	if (a1 && copy_to_user((void *)a1, d, sizeof(d[0]) * (size_t)n))
		return -EFAULT;
	return 0;
}

long sys_capset(SYSARGS)
{
	struct cap_header h;
	struct cap_data d[2] = { 0 };
	struct process *p = current_proc();
	int n = read_header(a0, &h);

	if (n < 0)
		return n;
	if (h.pid != 0 && h.pid != p->vpid)
		return -EPERM;	/* only one's own, as Linux since 2.6.24 */
	if (copy_from_user(d, (const void *)a1, sizeof(d[0]) * (size_t)n))
		return -EFAULT;
	u64 c[3];
	for (int k = 0; k < 3; k++)
		c[k] = 0;
	for (int i = 0; i < n; i++) {
		c[EFF] |= (u64)d[i].effective << (32 * i);
		c[PRM] |= (u64)d[i].permitted << (32 * i);
		c[INH] |= (u64)d[i].inheritable << (32 * i);
	}
	long rc = 0;
	unsigned long flags = spin_lock_irqsave(&p->sig_lock);
	/* only lower: permitted within the old, effective within the new
	 * permitted, inheritable within the old inheritable and permitted
	 * (CAP_SETPCAP allows more, but never past the old inheritable
	 * and the bounding set) */
	bool setpcap = p->caps[EFF] & (1ULL << CAP_SETPCAP);
	u64 bset = CAP_FULL & ~p->cap_bdropped;
	if ((c[PRM] & ~p->caps[PRM]) || (c[EFF] & ~c[PRM]) ||
	    (!setpcap && (c[INH] & ~(p->caps[INH] | p->caps[PRM]))) ||
	    (c[INH] & ~(p->caps[INH] | bset)))
		rc = -EPERM;
	else
		for (int k = 0; k < 3; k++)
			p->caps[k] = c[k];
	spin_unlock_irqrestore(&p->sig_lock, flags);
	return rc;
}
