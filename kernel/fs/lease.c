/*
 * File leases (fcntl F_SETLEASE, F_GETLEASE; docs/async.md).
 *
 * A read lease may be taken on a regular file open read-only that no
 * one has open for writing; a write lease on one no other file has open
 * at all (the inode's open count). An open that conflicts (any open
 * against a write lease, an open for writing or truncating against a
 * read lease) breaks the lease: the holder gets its file's signal
 * (SIGIO or F_SETSIG's, si_code POLL_MSG; F_SETLEASE made it the owner),
 * and the opener sleeps until the holder lets go (F_SETLEASE F_UNLCK, or
 * F_RDLCK for a reader) or /proc/sys/fs/lease-break-time seconds pass,
 * when the lease is taken away. O_NONBLOCK openers get EWOULDBLOCK at
 * once (the break has started). While it is broken F_GETLEASE reports
 * what the lease must become.
 *
 * Owners and lifetimes: a lease belongs to its file (f->lease, one per
 * file) and is on its inode's list (inode->leases) [lease_lock]; it
 * holds no reference, as the file's last put (lease_release, before the
 * inode goes) removes it. An opener copies the holders' owners under
 * lease_lock (fown_get) and signals them after. Breakers sleep on
 * lease_wq and re-check after every change (lease_gen).
 */
#include <alloy/arch.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/fasync.h>
#include <alloy/lockrank.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/sysctl.h>
#include <alloy/vfs.h>
#include <alloy/wait.h>

struct lease {
	struct lease *next;		/* [lease_lock] the inode's list */
	struct file *file;		/* the holder: no reference (see above) */
	int fd;				/* si_fd */
	int type;			/* [lease_lock] F_RDLCK or F_WRLCK */
	int target;			/* [lease_lock] being broken to this; -1: not */
	u64 deadline;			/* [lease_lock] ktime_ns() when it is taken away */
};

static long lease_break_time = 45;	/* seconds, as Linux */
SYSCTL_INT(lease_break, "fs/lease-break-time", 0644, &lease_break_time, 0, 0x7fffffff);

static spinlock_t lease_lock = SPINLOCK_INIT("leases", LR_LEASE);
static struct wait_queue lease_wq = WAIT_QUEUE_INIT(lease_wq, "lease-break");
static u64 lease_gen;			/* [lease_lock] bumped by every change */
static atomic_t nr_leases;		/* the open path's whole cost when 0 */

/* lease_lock held: take l off its inode's list. */
static void unlink_locked(struct lease *l)
{
	struct inode *i = l->file->inode;

	for (struct lease **pp = &i->leases; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	l->file->lease = NULL;
	atomic_dec(&nr_leases);
	lease_gen++;
}

/* lease_lock held: l becomes type (F_UNLCK removes it; freed by caller). */
static bool change_locked(struct lease *l, int type)
{
	lease_gen++;
	if (l->target >= 0 && (type == F_UNLCK || l->target == F_RDLCK))
		l->target = -1;	/* the break is answered */
	if (type == F_UNLCK) {
		unlink_locked(l);
		return true;
	}
	l->type = type;
	return false;
}

long lease_get(struct file *f)
{
	unsigned long fl = spin_lock_irqsave(&lease_lock);
	struct lease *l = f->lease;
	long rc = !l ? F_UNLCK : l->target >= 0 ? l->target : l->type;

	spin_unlock_irqrestore(&lease_lock, fl);
	return rc;
}

long lease_set(struct file *f, int fd, long arg)
{
	struct inode *i = f->inode;
	struct cred c;
	struct lease *fresh = NULL, *gone = NULL;
	long rc = 0;

	if (arg != F_RDLCK && arg != F_WRLCK && arg != F_UNLCK)
		return -EINVAL;
	if (!i || !S_ISREG(i->mode) || (f->flags & O_PATH))
		return -EINVAL;
	cred_current(&c);
	if (c.fsuid != i->uid && !cred_is_root(&c))
		return -EACCES;
	if (arg != F_UNLCK) {
		if ((rc = fown_set_self(f)))
			return rc;
		if (!(fresh = kzalloc(sizeof(*fresh), GFP_KERNEL)))
			return -ENOMEM;
	}
	unsigned long fl = spin_lock_irqsave(&lease_lock);
	struct lease *mine = f->lease;
	if (arg == F_UNLCK) {
		if (mine && change_locked(mine, F_UNLCK))
			gone = mine;
		goto out;
	}
	/* a lease being broken is not upgraded, nor a new one taken meanwhile */
	for (struct lease *o = i->leases; o; o = o->next) {
		bool busy = o == mine ? o->target >= 0 && arg == F_WRLCK
				      : o->target >= 0 || arg == F_WRLCK || o->type == F_WRLCK;
		if (busy) {
			rc = -EAGAIN;
			goto out;
		}
	}
	if (arg == F_RDLCK && ((f->flags & O_ACCMODE) != O_RDONLY ||
			       atomic_read(&i->writecount) > 0))
		rc = -EAGAIN;	/* someone may write it */
	if (arg == F_WRLCK && atomic_read(&i->opencount) > 1)
		rc = -EAGAIN;	/* someone else has it open */
	if (rc)
		goto out;
	if (mine) {
		change_locked(mine, (int)arg);
		mine->fd = fd;
		goto out;
	}
	fresh->file = f;
	fresh->fd = fd;
	fresh->type = (int)arg;
	fresh->target = -1;
	fresh->next = i->leases;
	i->leases = fresh;
	f->lease = fresh;
	fresh = NULL;
	atomic_inc(&nr_leases);
	lease_gen++;
out:
	spin_unlock_irqrestore(&lease_lock, fl);
	wake_up_all(&lease_wq);
	kfree(fresh);
	kfree(gone);
	return rc;
}

void lease_release(struct file *f)
{
	if (!f->lease)
		return;
	unsigned long fl = spin_lock_irqsave(&lease_lock);
	struct lease *l = f->lease;
	if (l)
		unlink_locked(l);
	spin_unlock_irqrestore(&lease_lock, fl);
	wake_up_all(&lease_wq);
	kfree(l);
}

#define BREAK_BATCH 8

int lease_break(struct inode *i, u32 flags)
{
	bool write = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
	int want = write ? F_UNLCK : F_RDLCK;

	if (!atomic_read(&nr_leases) || !i)
		return 0;
	for (;;) {
		struct { struct fown o; int fd; } to[BREAK_BATCH];
		struct lease *expired = NULL;
		int n = 0;
		u64 now = ktime_ns(), first = ~0ULL;
		bool conflict = false;

		unsigned long fl = spin_lock_irqsave(&lease_lock);
		u64 gen = lease_gen;
		for (struct lease *l = i->leases, *next; l; l = next) {
			next = l->next;
			if (!(l->type == F_WRLCK || write))
				continue;
			if (l->target < want) {	/* start a break, or deepen one (F_UNLCK > F_RDLCK) */
				if (l->target < 0)
					l->deadline = now + (u64)READ_ONCE(lease_break_time) * 1000000000ULL;
				l->target = want;
				if (n < BREAK_BATCH) {
					fown_get(l->file, &to[n].o);
					to[n++].fd = l->fd;
				}
			}
			if (l->deadline <= now) {	/* too late: taken away */
				if (change_locked(l, l->target)) {
					l->next = expired;
					expired = l;
				}
				continue;
			}
			conflict = true;
			first = MIN(first, l->deadline);
		}
		spin_unlock_irqrestore(&lease_lock, fl);
		while (expired) {
			struct lease *l = expired;
			expired = l->next;
			kfree(l);
		}
		for (int k = 0; k < n; k++) {
			fown_signal(&to[k].o, to[k].fd, POLL_MSG);
			fown_put(&to[k].o);
		}
		if (!conflict)
			return 0;
		if (flags & O_NONBLOCK)
			return -EAGAIN;	/* EWOULDBLOCK */
		wait_event_timeout(lease_wq, READ_ONCE(lease_gen) != gen || signal_pending(),
				   first - now);
		if (signal_pending())
			return -EINTR;
	}
}
