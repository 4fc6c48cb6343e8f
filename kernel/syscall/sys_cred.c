/*
 * User and group IDs. Each process carries real, effective and saved IDs,
 * inherited by fork and kept by execve, with Linux's rules for who may
 * set what. Nothing checks them yet: file permissions are not enforced
 * (docs/syscalls.md), so these only keep programs that ask consistent.
 */
#include <alloy/errno.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include "sysfs.h"

#define KEEP 0xffffffffU

/* without privilege, an ID may only become one of the current three */
static bool may_set(const u32 *ids, u32 v)
{
	return v == KEEP || v == ids[0] || v == ids[1] || v == ids[2];
}

/* setresuid and setresgid: each argument -1 keeps that ID */
static long set_ids(u32 *ids, const u32 *euid, u64 r, u64 e, u64 s)
{
	u32 v[3] = { (u32)r, (u32)e, (u32)s };
	bool root = *euid == 0;

	for (int i = 0; i < 3; i++)
		if (!root && !may_set(ids, v[i]))
			return -EPERM;
	for (int i = 0; i < 3; i++)
		if (v[i] != KEEP)
			ids[i] = v[i];
	return 0;
}

long sys_getuid(SYSARGS) { return current_proc()->uid[0]; }
long sys_geteuid(SYSARGS) { return current_proc()->uid[1]; }
long sys_getgid(SYSARGS) { return current_proc()->gid[0]; }
long sys_getegid(SYSARGS) { return current_proc()->gid[1]; }

long sys_setresuid(SYSARGS)
{
	struct process *p = current_proc();
	return set_ids(p->uid, &p->uid[1], a0, a1, a2);
}

long sys_setresgid(SYSARGS)
{
	struct process *p = current_proc();
	return set_ids(p->gid, &p->uid[1], a0, a1, a2);
}

/* setuid: root sets all three, others only the effective ID */
long sys_setuid(SYSARGS)
{
	struct process *p = current_proc();
	if (p->uid[1] == 0)
		return set_ids(p->uid, &p->uid[1], a0, a0, a0);
	return set_ids(p->uid, &p->uid[1], KEEP, a0, KEEP);
}

long sys_setgid(SYSARGS)
{
	struct process *p = current_proc();
	if (p->uid[1] == 0)
		return set_ids(p->gid, &p->uid[1], a0, a0, a0);
	return set_ids(p->gid, &p->uid[1], KEEP, a0, KEEP);
}

long sys_setreuid(SYSARGS)
{
	struct process *p = current_proc();
	return set_ids(p->uid, &p->uid[1], a0, a1, KEEP);
}

long sys_setregid(SYSARGS)
{
	struct process *p = current_proc();
	return set_ids(p->gid, &p->uid[1], a0, a1, KEEP);
}

static long get_ids(const u32 *ids, u64 r, u64 e, u64 s)
{
	if (copy_to_user((void *)r, &ids[0], 4) || copy_to_user((void *)e, &ids[1], 4) ||
	    copy_to_user((void *)s, &ids[2], 4))
		return -EFAULT;
	return 0;
}

long sys_getresuid(SYSARGS) { return get_ids(current_proc()->uid, a0, a1, a2); }
long sys_getresgid(SYSARGS) { return get_ids(current_proc()->gid, a0, a1, a2); }

/* No supplementary groups: getgroups reports none, setgroups accepts
 * an empty list from root. */
long sys_getgroups(SYSARGS) { return (int)a0 < 0 ? -EINVAL : 0; }

long sys_setgroups(SYSARGS)
{
	if (current_proc()->uid[1] != 0)
		return -EPERM;
	return a0 ? -EINVAL : 0;
}
