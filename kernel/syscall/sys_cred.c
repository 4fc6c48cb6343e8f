/*
 * Credentials: real, effective and saved user and group IDs and the
 * supplementary groups of a process, with Linux's rules for who may set
 * what (credentials(7)). They are per process: every thread sees a
 * change at once, as musl and glibc make it look on Linux. Changes are
 * made under p->sig_lock; cred_current() copies them out under it, so a
 * permission check never mixes two generations (docs/permissions.md).
 * The file system IDs follow the effective ones, except that setfsuid
 * and setfsgid set them alone (for a file server acting for a user).
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/signal.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>
#include "sysfs.h"

#define KEEP 0xffffffffU

static void fill(const struct process *p, struct cred *c)
{
	c->uid = p->uid[0], c->euid = p->uid[1], c->suid = p->uid[2];
	c->gid = p->gid[0], c->egid = p->gid[1], c->sgid = p->gid[2];
	c->fsuid = p->fsuid, c->fsgid = p->fsgid;
	c->ngroups = p->ngroups;
	memcpy(c->groups, p->groups, sizeof(u32) * (size_t)p->ngroups);
}

void cred_current(struct cred *out)
{
	struct process *p = current_proc();

	if (!p) {	/* the kernel at boot: root */
		memset(out, 0, sizeof(*out) - sizeof(out->groups));
		return;
	}
	unsigned long fl = spin_lock_irqsave(&p->sig_lock);
	fill(p, out);
	spin_unlock_irqrestore(&p->sig_lock, fl);
}

void cred_current_real(struct cred *out)
{
	cred_current(out);
	out->fsuid = out->uid;
	out->fsgid = out->gid;
}

bool cred_in_group(const struct cred *c, u32 gid)
{
	if (gid == c->fsgid)
		return true;
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

void cred_fork(struct process *child, struct process *parent)
{
	unsigned long fl = spin_lock_irqsave(&parent->sig_lock);
	memcpy(child->uid, parent->uid, sizeof(child->uid));
	memcpy(child->gid, parent->gid, sizeof(child->gid));
	child->fsuid = parent->fsuid;
	child->fsgid = parent->fsgid;
	child->ngroups = parent->ngroups;
	memcpy(child->groups, parent->groups, sizeof(child->groups));
	child->undumpable = parent->undumpable;
	child->cap_bdropped = parent->cap_bdropped;
	child->no_new_privs = parent->no_new_privs;
	spin_unlock_irqrestore(&parent->sig_lock, fl);
}

void cred_exec(const struct cred *old, const struct inode *i, bool nosuid, struct cred *out,
	       bool *secure)
{
	if (out != old)
		*out = *old;
	if (!nosuid && (i->mode & S_ISUID))
		out->euid = i->uid;
	/* set-group-ID without group execute is mandatory locking, not this */
	if (!nosuid && (i->mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		out->egid = i->gid;
	out->suid = out->fsuid = out->euid;
	out->sgid = out->fsgid = out->egid;
	*secure = out->euid != out->uid || out->egid != out->gid;
}

void cred_commit(const struct cred *c)
{
	struct process *p = current_proc();
	unsigned long fl = spin_lock_irqsave(&p->sig_lock);

	/* a program that gains IDs loses the death signal (Linux) */
	if (c->euid != p->uid[1] || c->egid != p->gid[1])
		p->pdeath_sig = 0;
	p->uid[0] = c->uid, p->uid[1] = c->euid, p->uid[2] = c->suid;
	p->gid[0] = c->gid, p->gid[1] = c->egid, p->gid[2] = c->sgid;
	p->fsuid = c->fsuid, p->fsgid = c->fsgid;
	/* exec: dumpable again, unless it runs set-ID (Linux's begin_new_exec) */
	p->undumpable = c->euid != c->uid || c->egid != c->gid;
	spin_unlock_irqrestore(&p->sig_lock, fl);
}

bool cred_may_signal(struct process *p, int sig)
{
	struct process *me = current_proc();

	if (!me || p == me)
		return true;
	unsigned long fl = spin_lock_irqsave(&me->sig_lock);
	u32 uid = me->uid[0], euid = me->uid[1];
	spin_unlock_irqrestore(&me->sig_lock, fl);
	if (euid == 0)
		return true;
	fl = spin_lock_irqsave(&p->sig_lock);
	u32 tuid = p->uid[0], tsuid = p->uid[2];
	spin_unlock_irqrestore(&p->sig_lock, fl);
	if (uid == tuid || uid == tsuid || euid == tuid || euid == tsuid)
		return true;
	return sig == SIGCONT && READ_ONCE(p->sid) == READ_ONCE(me->sid);
}

/* Without privilege, an ID may only become one of the current three. */
static bool one_of(const u32 *ids, u32 v)
{
	return v == KEEP || v == ids[0] || v == ids[1] || v == ids[2];
}

/*
 * Every set*id call: under the lock, checks v (KEEP: unchanged) against
 * ids and the caller's privilege (effective user ID 0, Linux's
 * CAP_SETUID / CAP_SETGID), then stores it. kind says which rule.
 */
enum { SET_RES, SET_RE, SET_ONE };

static long set_ids(bool group, int kind, u32 r, u32 e, u32 s)
{
	struct process *p = current_proc();
	unsigned long fl = spin_lock_irqsave(&p->sig_lock);
	u32 *ids = group ? p->gid : p->uid;
	bool root = p->uid[1] == 0;
	long rc = 0;

	if (kind == SET_ONE) {		/* setuid / setgid */
		if (root)
			s = r = e;
		else if (e == ids[0] || e == ids[2])
			r = s = KEEP;
		else
			rc = -EPERM;
		if (e == KEEP)
			rc = -EINVAL;
	} else if (kind == SET_RE) {	/* setreuid / setregid */
		if (!root && ((r != KEEP && r != ids[0] && r != ids[1]) || !one_of(ids, e)))
			rc = -EPERM;
		/* a new real ID, or an effective one other than the real:
		 * the saved ID follows the new effective one */
		s = r != KEEP || (e != KEEP && e != ids[0]) ? (e != KEEP ? e : ids[1]) : KEEP;
	} else if (!root && (!one_of(ids, r) || !one_of(ids, e) || !one_of(ids, s))) {
		rc = -EPERM;
	}
	if (!rc) {
		u32 v[3] = { r, e, s };
		/* a new effective ID: what the old one opened may be in its
		 * fds and memory, so it is no longer dumpable (Linux's
		 * commit_creds with suid_dumpable 0); under the lock that
		 * pidfd_getfd checks under */
		if (v[1] != KEEP && v[1] != ids[1]) {
			p->undumpable = true;
			p->pdeath_sig = 0;	/* as Linux's commit_creds */
		}
		for (int i = 0; i < 3; i++)
			if (v[i] != KEEP)
				ids[i] = v[i];
		if (v[1] != KEEP)	/* the file system ID follows the effective */
			*(group ? &p->fsgid : &p->fsuid) = v[1];
	}
	spin_unlock_irqrestore(&p->sig_lock, fl);
	return rc;
}

long sys_getuid(SYSARGS) { return READ_ONCE(current_proc()->uid[0]); }
long sys_geteuid(SYSARGS) { return READ_ONCE(current_proc()->uid[1]); }
long sys_getgid(SYSARGS) { return READ_ONCE(current_proc()->gid[0]); }
long sys_getegid(SYSARGS) { return READ_ONCE(current_proc()->gid[1]); }

long sys_setresuid(SYSARGS) { return set_ids(false, SET_RES, (u32)a0, (u32)a1, (u32)a2); }
long sys_setresgid(SYSARGS) { return set_ids(true, SET_RES, (u32)a0, (u32)a1, (u32)a2); }
long sys_setreuid(SYSARGS) { return set_ids(false, SET_RE, (u32)a0, (u32)a1, KEEP); }
long sys_setregid(SYSARGS) { return set_ids(true, SET_RE, (u32)a0, (u32)a1, KEEP); }
/* root sets all three; others only the effective ID, to the real or saved */
long sys_setuid(SYSARGS) { return set_ids(false, SET_ONE, KEEP, (u32)a0, KEEP); }
long sys_setgid(SYSARGS) { return set_ids(true, SET_ONE, KEEP, (u32)a0, KEEP); }

/*
 * setfsuid(id) / setfsgid(id): the file system ID becomes id if it is
 * one of the real, effective, saved or current file system IDs, or the
 * caller is root; either way the old one is returned (there is no error:
 * a program learns of a refusal by calling again).
 */
static long set_fs_id(bool group, u32 v)
{
	struct process *p = current_proc();
	unsigned long fl = spin_lock_irqsave(&p->sig_lock);
	u32 *ids = group ? p->gid : p->uid, *fs = group ? &p->fsgid : &p->fsuid;
	u32 old = *fs;

	if (v != KEEP && v != old && (p->uid[1] == 0 || one_of(ids, v))) {
		*fs = v;
		p->undumpable = true;	/* as a new effective ID (Linux) */
	}
	spin_unlock_irqrestore(&p->sig_lock, fl);
	return old;
}

long sys_setfsuid(SYSARGS) { return set_fs_id(false, (u32)a0); }
long sys_setfsgid(SYSARGS) { return set_fs_id(true, (u32)a0); }

static long get_ids(bool group, u64 r, u64 e, u64 s)
{
	struct cred c;

	cred_current(&c);
	u32 v[3] = { group ? c.gid : c.uid, group ? c.egid : c.euid, group ? c.sgid : c.suid };
	if (copy_to_user((void *)r, &v[0], 4) || copy_to_user((void *)e, &v[1], 4) ||
	    copy_to_user((void *)s, &v[2], 4))
		return -EFAULT;
	return 0;
}

long sys_getresuid(SYSARGS) { return get_ids(false, a0, a1, a2); }
long sys_getresgid(SYSARGS) { return get_ids(true, a0, a1, a2); }

/* getgroups(size, list): size 0 asks how many; a smaller size is EINVAL. */
long sys_getgroups(SYSARGS)
{
	struct cred c;
	int size = (int)a0;

	if (size < 0)
		return -EINVAL;
	cred_current(&c);
	if (size == 0)
		return c.ngroups;
	if (size < c.ngroups)
		return -EINVAL;
	if (copy_to_user((void *)a1, c.groups, sizeof(u32) * (size_t)c.ngroups))
		return -EFAULT;
	return c.ngroups;
}

/* setgroups(size, list): root only; more than NGROUPS_MAX is EINVAL. */
long sys_setgroups(SYSARGS)
{
	struct process *p = current_proc();
	u32 list[NGROUPS_MAX];
	int n = (int)a0;

	if (READ_ONCE(p->uid[1]) != 0)
		return -EPERM;
	if (a0 > NGROUPS_MAX)
		return -EINVAL;
	if (n && copy_from_user(list, (const void *)a1, sizeof(u32) * (size_t)n))
		return -EFAULT;
	unsigned long fl = spin_lock_irqsave(&p->sig_lock);
	if (p->uid[1] != 0) {	/* another thread dropped root meanwhile */
		spin_unlock_irqrestore(&p->sig_lock, fl);
		return -EPERM;
	}
	memcpy(p->groups, list, sizeof(u32) * (size_t)n);
	p->ngroups = n;
	spin_unlock_irqrestore(&p->sig_lock, fl);
	return 0;
}
