/*
 * fanotify: groups, their marks and their events (docs/async.md,
 * "fanotify"). Three kinds of object:
 *
 *   - a group (struct fan_group), the private data of the file that
 *     fanotify_init returned; counted (g->ref): the file holds one, and
 *     every hook delivering to it holds one while it works (a permission
 *     event's opener for as long as it waits). Its queue, its list of
 *     permission events read but not answered, and `closing` are under
 *     its wait queue's lock (g->wq.lock);
 *   - a mark (struct fan_mark): one group's interest in one inode, mount
 *     or filesystem. Marks are on their group's list and every group on
 *     one global list, all under fan_lock, so a hook finds every group
 *     that wants an event in one pass, with no memory allocated under
 *     the lock. An inode mark holds a reference on its inode; no mark
 *     holds its mount or filesystem: an unmount takes the marks away
 *     first (fanotify_umount), and an inode's last unlink takes its
 *     inode marks (fanotify_inode_gone);
 *   - an event (struct fan_event): on one group's queue, holding a
 *     reference on the path it names. A permission event is counted:
 *     one reference for its opener (who frees it), one for the group
 *     while the group has it (queued, being read, or waiting for its
 *     answer on g->perm).
 *
 * Lock order: fan_lock -> g->wq.lock -> (wait queue internals). Events
 * are allocated and paths put with neither held.
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/event.h>
#include <alloy/fanotify.h>
#include <alloy/fdtable.h>
#include <alloy/inotify.h>
#include <alloy/landlock.h>
#include <alloy/lockrank.h>
#include <alloy/poll.h>
#include <alloy/printf.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <alloy/wait.h>
#include <uapi/misc.h>
#include "procfs.h"

#define INT_MAX_ 0x7fffffff

/* Linux's defaults (max_user_marks: its floor). */
static long max_queued_events = 16384;
static long max_user_groups = 128;
static long max_user_marks = 8192;
SYSCTL_INT(fanotify_events, "fs/fanotify/max_queued_events", 0644, &max_queued_events, 0,
	   INT_MAX_);
SYSCTL_INT(fanotify_groups, "fs/fanotify/max_user_groups", 0644, &max_user_groups, 0,
	   INT_MAX_);
SYSCTL_INT(fanotify_marks, "fs/fanotify/max_user_marks", 0644, &max_user_marks, 0, INT_MAX_);

/*
 * Linux bounds an unlimited queue by the memory cgroup only; Alloy bounds
 * all unlimited queues of one user together at this many events (about
 * 24 MiB): past it they get the overflow event, as a limited queue does.
 */
#define USER_UNLIMITED_EVENTS (1u << 18)
/* How far back a new event looks for one to merge with (Linux's 128). */
#define MERGE_DEPTH 128

enum { FAN_T_INODE, FAN_T_MOUNT, FAN_T_SB };
enum { EV_QUEUED, EV_READING, EV_WAITING, EV_ANSWERED };

/* mark flags kept */
#define MF_SURV 1		/* FAN_MARK_IGNORED_SURV_MODIFY */
#define MF_IGNORE_FLAGS 2	/* FAN_MARK_IGNORE: the ignore mask's ONDIR, ON_CHILD count */

struct fan_user {
	struct list_head link;	/* [fan_lock] */
	u32 uid;
	int groups;		/* [fan_lock]; the entry goes at 0 */
	int marks;		/* [fan_lock] */
	atomic_t unlimited;	/* events queued in its unlimited queues */
};

struct fan_event {
	struct list_head link;	/* g->events or g->perm [g->wq.lock] */
	u32 mask;
	s32 pid;		/* the thread group's (or thread's: FAN_REPORT_TID) */
	struct process *proc;	/* FAN_REPORT_PIDFD: a reference */
	struct path path;	/* referenced; no dentry for the overflow event */
	bool perm, ondir;
	bool unlimited;		/* counted in the user's unlimited events */
	u8 state;		/* permission events: EV_* [g->wq.lock] */
	bool cancelled;		/* the opener was killed while a reader had it */
	u32 response;
	s32 fd;			/* the listener's fd, once read */
	atomic_t ref;		/* permission events */
};

struct fan_group {
	atomic_t ref;
	struct wait_queue wq;		/* readers, pollers; its lock: below */
	struct wait_queue perm_wq;	/* openers waiting for an answer */
	struct list_head events;
	struct list_head perm;		/* read, not answered */
	u32 nevents, max_events;	/* max 0: unlimited */
	u64 bytes;			/* what reading them all takes (FIONREAD) */
	struct fan_event *overflow;	/* queued once instead of what does not fit */
	bool closing;
	u32 flags, f_flags;		/* fanotify_init's */
	u32 prio;			/* 2 pre-content, 1 content, 0 notification */
	struct list_head glink;		/* groups [fan_lock] */
	struct list_head marks;		/* [fan_lock] */
	struct fan_user *user;
};

struct fan_mark {
	struct list_head link;		/* g->marks [fan_lock] */
	struct fan_group *g;
	u8 type;
	void *obj;			/* inode (referenced), mount or super block */
	struct super_block *sb;		/* counted in sb->fanotify_marks */
	u32 mask, ignore, mflags;	/* [fan_lock] */
	u32 uflags;			/* the FAN_MARK_* flags for fdinfo */
};

static LIST_HEAD(groups);		/* by priority, highest first */
static LIST_HEAD(users);
static spinlock_t fan_lock = SPINLOCK_INIT("fanotify", LR_FANOTIFY);

static const struct file_ops fanotify_fops;

/* ---- users */

static int user_get(struct fan_user **out)
{
	struct fan_user *fresh = kzalloc(sizeof(*fresh), GFP_KERNEL), *u;
	struct cred c;
	int rc = 0;

	if (!fresh)
		return -ENOMEM;
	cred_current(&c);
	unsigned long fl = spin_lock_irqsave(&fan_lock);
	list_for_each_entry(u, &users, link)
		if (u->uid == c.uid)
			goto found;
	u = NULL;
found:
	if ((u ? u->groups : 0) >= READ_ONCE(max_user_groups)) {
		rc = -EMFILE;
	} else if (u) {
		u->groups++;
	} else {
		u = fresh;
		fresh = NULL;
		u->uid = c.uid;
		u->groups = 1;
		list_add(&u->link, &users);
	}
	spin_unlock_irqrestore(&fan_lock, fl);
	kfree(fresh);
	*out = u;
	return rc;
}

/* Caller holds fan_lock; returns the entry to free (after the lock). */
static struct fan_user *user_put_locked(struct fan_user *u)
{
	if (--u->groups)
		return NULL;
	list_del(&u->link);
	return u;
}

/* ---- events */

static struct fan_event *event_alloc(void)
{
	struct fan_event *e = kzalloc(sizeof(*e), GFP_KERNEL);

	if (e) {
		list_init(&e->link);
		e->fd = FAN_NOFD;
	}
	return e;
}

static void event_free(struct fan_event *e)
{
	if (!e)
		return;
	if (e->path.dentry)
		path_put(&e->path);
	if (e->proc)
		proc_put(e->proc);
	kfree(e);
}

static void event_put(struct fan_event *e)
{
	if (atomic_dec_and_test(&e->ref))
		event_free(e);
}

/* What reading e takes. */
static u32 event_len(const struct fan_group *g, const struct fan_event *e)
{
	(void)e;
	return FAN_EVENT_METADATA_LEN + (g->flags & FAN_REPORT_PIDFD ? 8 : 0);
}

static void group_put(struct fan_group *g)
{
	if (!atomic_dec_and_test(&g->ref))
		return;
	kfree(g->overflow);
	kfree(g);
}

/* Takes e off g's queue (caller holds g->wq.lock). */
static void unqueue_locked(struct fan_group *g, struct fan_event *e)
{
	list_del_init(&e->link);
	g->nevents--;
	g->bytes -= event_len(g, e);
	if (e->unlimited)
		atomic_dec(&g->user->unlimited);
	e->unlimited = false;
}

static void overflow_locked(struct fan_group *g)
{
	if (list_empty(&g->overflow->link)) {
		list_add_tail(&g->overflow->link, &g->events);
		g->nevents++;
		g->bytes += event_len(g, g->overflow);
		wake_up_all_locked(&g->wq);
	}
}

static bool same_object(const struct fan_event *a, const struct fan_event *b)
{
	return a->path.dentry == b->path.dentry && a->path.mnt == b->path.mnt &&
	       a->pid == b->pid && a->ondir == b->ondir && !a->perm && !b->perm &&
	       a->path.dentry;
}

/*
 * Queues e on g (true), or merges it into a queued event of the same
 * file and process (its mask added; false: e is the caller's to free),
 * or drops it for the overflow event (false). Caller holds g->wq.lock.
 */
static bool queue_locked(struct fan_group *g, struct fan_event *e)
{
	if (g->closing)
		return false;
	if (!e->perm) {
		struct fan_event *old;
		int depth = 0;
		for (struct list_head *at = g->events.prev; at != &g->events; at = at->prev) {
			old = list_entry(at, struct fan_event, link);
			if (++depth > MERGE_DEPTH)
				break;
			if (old != g->overflow && same_object(old, e)) {
				old->mask |= e->mask;
				return false;
			}
		}
	}
	if (g->max_events && g->nevents >= g->max_events) {
		overflow_locked(g);
		return false;
	}
	if (!g->max_events) {
		if ((u32)atomic_add_return(&g->user->unlimited, 1) > USER_UNLIMITED_EVENTS) {
			atomic_dec(&g->user->unlimited);
			overflow_locked(g);
			return false;
		}
		e->unlimited = true;
	}
	list_add_tail(&e->link, &g->events);
	g->nevents++;
	g->bytes += event_len(g, e);
	wake_up_all_locked(&g->wq);
	return true;
}

/* ---- marks and matching */

static struct inode *mark_inode(const struct fan_mark *k)
{
	return k->type == FAN_T_INODE ? k->obj : NULL;
}

struct target {
	struct fan_group *g;
	u32 mask;
};

/* The event flags (FAN_ONDIR, FAN_EVENT_ON_CHILD) that k's ignore mask
 * takes as Linux's fsnotify_ignore_mask: its own with FAN_MARK_IGNORE;
 * else always directories, and children if the mark watches them. */
static u32 ignore_flags(const struct fan_mark *k)
{
	if (k->mflags & MF_IGNORE_FLAGS)
		return k->ignore;
	return FAN_ONDIR | (k->mask & FAN_EVENT_ON_CHILD);
}

/*
 * What group g reports of event mask on inode i (directory parent, may
 * be NULL) seen through mount mnt, as Linux's fanotify_group_event_mask:
 * the masks of the marks that apply (a directory's event: marks with
 * FAN_ONDIR; a child's on its parent's mark: with FAN_EVENT_ON_CHILD),
 * less their ignore masks that apply. A FAN_MODIFY clears the ignore
 * masks that do not survive it. Caller holds fan_lock.
 */
static u32 group_mask(struct fan_group *g, struct inode *i, struct inode *parent,
		      struct mount *mnt, u32 mask)
{
	bool dir = S_ISDIR(i->mode);
	u32 marks = 0, ign = 0;
	struct fan_mark *k;

	list_for_each_entry(k, &g->marks, link) {
		bool on_parent = false;
		if (k->type == FAN_T_INODE && k->obj == i)
			;
		else if (k->type == FAN_T_INODE && parent && k->obj == parent)
			on_parent = true;
		else if (!(k->type == FAN_T_MOUNT && mnt && k->obj == mnt) &&
			 !(k->type == FAN_T_SB && k->obj == i->sb))
			continue;
		/* a parent's mark that watches its children in neither mask */
		if (on_parent && !(k->mask & FAN_EVENT_ON_CHILD) &&
		    !(ignore_flags(k) & FAN_EVENT_ON_CHILD))
			continue;
		if ((mask & FAN_MODIFY) && !(k->mflags & MF_SURV))
			k->ignore = 0;
		u32 ki = k->ignore & ~(u32)(FAN_ONDIR | FAN_EVENT_ON_CHILD);
		if (ki && (dir || on_parent)) {
			u32 fl = ignore_flags(k);
			if ((dir && !(fl & FAN_ONDIR)) || (on_parent && !(fl & FAN_EVENT_ON_CHILD)))
				ki = 0;
		}
		ign |= ki;
		if ((dir && !(k->mask & FAN_ONDIR)) || (on_parent && !(k->mask & FAN_EVENT_ON_CHILD)))
			continue;
		marks |= k->mask;
	}
	return mask & marks & ~ign & (FAN_FD_EVENTS | FAN_PERM_EVENTS);
}

/*
 * The groups that want the event, highest priority first, each with a
 * reference and its mask, in t (room for max); returns how many want it
 * (more than max: call again with more room).
 */
static int collect(struct inode *i, struct inode *parent, struct mount *mnt, u32 mask,
		   struct target *t, int max)
{
	struct fan_group *g;
	int n = 0;

	unsigned long fl = spin_lock_irqsave(&fan_lock);
	list_for_each_entry(g, &groups, glink) {
		if (list_empty(&g->marks))
			continue;
		u32 m = group_mask(g, i, parent, mnt, mask);
		if (!m)
			continue;
		if (n < max) {
			atomic_inc(&g->ref);
			t[n].g = g;
			t[n].mask = m;
		}
		n++;
	}
	spin_unlock_irqrestore(&fan_lock, fl);
	if (n > max)
		for (int k = 0; k < max; k++)
			group_put(t[k].g);
	return n;
}

#define TARGETS_ON_STACK 8

/* collect() into t (on the stack) or a bigger allocation (*big). */
static int targets(struct inode *i, struct inode *parent, struct mount *mnt, u32 mask,
		   struct target *t, struct target **big)
{
	int max = TARGETS_ON_STACK, n;

	*big = NULL;
	for (int tries = 0; tries < 4; tries++) {
		n = collect(i, parent, mnt, mask, *big ? *big : t, max);
		if (n <= max)
			return n;
		kfree(*big);
		max = n + 4;
		if (!(*big = kmalloc(sizeof(**big) * (size_t)max, GFP_KERNEL)))
			return 0;
	}
	return 0;	/* marks come and go faster than we look: none this time */
}

static void targets_put(struct target *t, int n, struct target *big)
{
	for (int k = 0; k < n; k++)
		group_put((big ? big : t)[k].g);
	kfree(big);
}

/* A kernel thread's (a loop device's reads) event has pid 0. */
static s32 event_pid(const struct fan_group *g)
{
	if (!current_proc())
		return 0;
	return g->flags & FAN_REPORT_TID ? current_task()->user_tid : current_proc()->pid;
}

static struct fan_event *event_make(struct fan_group *g, const struct path *p, u32 mask)
{
	struct fan_event *e = event_alloc();

	if (!e)
		return NULL;
	e->mask = mask;
	e->pid = event_pid(g);
	e->ondir = p->dentry->inode && S_ISDIR(p->dentry->inode->mode);
	e->path = *p;
	path_get(p);
	if ((g->flags & FAN_REPORT_PIDFD) && current_proc())
		proc_get(e->proc = current_proc());
	return e;
}

static void deliver(const struct path *p, struct inode *i, u32 mask)
{
	struct target t[TARGETS_ON_STACK], *big;
	struct inode *parent = p->dentry ? dentry_parent_inode(p->dentry) : NULL;
	int n = targets(i, parent, p->mnt, mask, t, &big);

	for (int k = 0; k < n; k++) {
		struct target *tk = &(big ? big : t)[k];
		u32 m = tk->mask & ~FAN_PERM_EVENTS;
		if (!m)
			continue;
		struct fan_event *e = event_make(tk->g, p, m);
		unsigned long fl = spin_lock_irqsave(&tk->g->wq.lock);
		bool queued = false;
		if (e)
			queued = queue_locked(tk->g, e);
		else if (!tk->g->closing)
			overflow_locked(tk->g);		/* no memory: the event is lost */
		spin_unlock_irqrestore(&tk->g->wq.lock, fl);
		if (!queued)
			event_free(e);
	}
	targets_put(t, n, big);
	inode_put(parent);
}

void fanotify_file_slow(struct file *f, u32 mask)
{
	if (f->path.dentry && f->inode)
		deliver(&f->path, f->inode, mask);
}

void fanotify_path_slow(const struct path *p, u32 mask)
{
	if (p->dentry && p->dentry->inode)
		deliver(p, p->dentry->inode, mask);
}

/* The answer to e (caller holds g->wq.lock; e off every list after);
 * the group's reference is the caller's to put, after the lock. */
static void answer_locked(struct fan_event *e, u32 response)
{
	list_del_init(&e->link);
	e->response = response;
	WRITE_ONCE(e->state, EV_ANSWERED);
}

/* One group's answer to a permission event: 0 or -EPERM, -EINTR. */
static int perm_one(struct fan_group *g, struct file *f, u32 mask)
{
	struct fan_event *e = event_make(g, &f->path, mask);
	int rc;

	if (!e)
		return 0;	/* Linux lets the open through too */
	e->perm = true;
	atomic_set(&e->ref, 2);
	unsigned long fl = spin_lock_irqsave(&g->wq.lock);
	bool queued = queue_locked(g, e);
	spin_unlock_irqrestore(&g->wq.lock, fl);
	if (!queued) {		/* closing, or overflowed: allowed, as Linux */
		event_free(e);
		return 0;
	}
	/* killable: only a fatal signal ends the wait before the answer */
	struct waiter w = { .task = NULL };
	for (;;) {
		prepare_to_wait(&g->perm_wq, &w);
		if (READ_ONCE(e->state) == EV_ANSWERED || fatal_signal_pending() ||
		    READ_ONCE(current_proc()->group_exit))
			break;
		schedule();
	}
	finish_wait(&g->perm_wq, &w);
	bool drop = false;
	fl = spin_lock_irqsave(&g->wq.lock);
	if (e->state == EV_ANSWERED) {
		rc = (e->response & FAN_DENY) ? -EPERM : 0;
	} else {
		rc = -EINTR;
		if (e->state == EV_QUEUED) {
			unqueue_locked(g, e);
			drop = true;
		} else if (e->state == EV_WAITING) {
			list_del_init(&e->link);
			drop = true;
		} else {
			e->cancelled = true;	/* the reader drops the group's */
		}
		e->state = EV_ANSWERED;
	}
	spin_unlock_irqrestore(&g->wq.lock, fl);
	if (drop)
		event_put(e);
	event_put(e);
	return rc;
}

int fanotify_perm_slow(struct file *f, u32 mask)
{
	struct target t[TARGETS_ON_STACK], *big;
	struct inode *i = f->inode;

	/* a kernel thread (a loop device's reads) never waits for a listener */
	if (!f->path.dentry || !i || (!S_ISREG(i->mode) && !S_ISDIR(i->mode)) || !current_proc())
		return 0;
	struct inode *parent = dentry_parent_inode(f->path.dentry);
	int n = targets(i, parent, f->path.mnt, mask, t, &big), rc = 0;

	for (int k = 0; k < n && !rc; k++) {
		struct target *tk = &(big ? big : t)[k];
		u32 m = tk->mask & FAN_PERM_EVENTS;
		if (m)
			rc = perm_one(tk->g, f, m);
	}
	targets_put(t, n, big);
	inode_put(parent);
	return rc;
}

/* ---- removing marks */

/* Takes k off its group (caller holds fan_lock). */
static void mark_unlink_locked(struct fan_mark *k)
{
	list_del_init(&k->link);
	k->g->user->marks--;
}

static void mark_free(struct fan_mark *k)
{
	atomic_dec(&k->sb->fanotify_marks);
	inode_put(mark_inode(k));
	kfree(k);
}

/* Every mark for which match() holds goes; with no lock held. */
static void remove_marks(bool (*match)(const struct fan_mark *, const void *), const void *arg)
{
	LIST_HEAD(gone);
	struct fan_group *g;
	struct fan_mark *k, *tmp;

	unsigned long fl = spin_lock_irqsave(&fan_lock);
	list_for_each_entry(g, &groups, glink)
		list_for_each_entry_safe(k, tmp, &g->marks, link)
			if (match(k, arg)) {
				mark_unlink_locked(k);
				list_add(&k->link, &gone);
			}
	spin_unlock_irqrestore(&fan_lock, fl);
	list_for_each_entry_safe(k, tmp, &gone, link)
		mark_free(k);
}

static bool on_inode(const struct fan_mark *k, const void *i)
{
	return k->type == FAN_T_INODE && k->obj == i;
}

void fanotify_inode_gone(struct inode *i)
{
	if (fanotify_on(i))
		remove_marks(on_inode, i);
}

struct umount_arg {
	struct mount *m;
	struct super_block *sb;
	bool sb_gone;
};

static bool on_umount(const struct fan_mark *k, const void *arg)
{
	const struct umount_arg *a = arg;

	if (k->type == FAN_T_MOUNT)
		return k->obj == a->m;
	return a->sb_gone && k->sb == a->sb;
}

void fanotify_umount(struct mount *m, struct super_block *sb, bool sb_gone)
{
	struct umount_arg a = { m, sb, sb_gone };

	if (atomic_read(&sb->fanotify_marks))
		remove_marks(on_umount, &a);
}

/* ---- the file */

/* The listener's file for e, installed in the reader's table: the fd,
 * or -errno. */
static int event_fd(struct fan_group *g, struct fan_event *e)
{
	struct file *f;
	struct inode *i = READ_ONCE(e->path.dentry->inode);
	/* the listener opens it: its Landlock domain decides, as Linux's
	 * dentry_open runs security_file_open with the reader's creds */
	int rc = i ? landlock_check_open(&e->path, g->f_flags, i->mode) : 0;

	if (!rc)
		rc = vfs_open_inode(&e->path, g->f_flags | O_NONOTIFY_KERNEL | O_LARGEFILE, &f);
	if (rc)
		return rc;
	return fd_install(current_proc()->files, f, 0, g->f_flags & O_CLOEXEC);
}

/* A pidfd for FAN_REPORT_PIDFD: FAN_NOPIDFD (-1) for a process that was
 * reaped, FAN_EPIDFD (-2) if one cannot be made; with
 * FAN_REPORT_FD_ERROR the errno instead (-ESRCH, ...). */
static s32 event_pidfd(struct fan_group *g, struct fan_event *e)
{
	bool err = g->flags & FAN_REPORT_FD_ERROR;

	if (!e->proc || proc_reaped(e->proc))
		return err ? -ESRCH : -1;
	long fd = pidfd_install(e->proc, 0);
	return fd < 0 ? (err ? (s32)fd : -2) : (s32)fd;
}

static long fan_read(struct file *file, struct iobuf b, size_t n, u64 *pos)
{
	struct fan_group *g = file->priv;
	size_t done = 0;

	(void)pos;
	for (;;) {
		unsigned long fl = spin_lock_irqsave(&g->wq.lock);
		if (list_empty(&g->events)) {
			spin_unlock_irqrestore(&g->wq.lock, fl);
			if (done)
				return (long)done;
			if (file->flags & O_NONBLOCK)
				return -EAGAIN;
			if (signal_pending())
				return -ERESTARTSYS;
			wait_event(g->wq, READ_ONCE(g->nevents) || signal_pending());
			continue;
		}
		struct fan_event *e = list_first_entry(&g->events, struct fan_event, link);
		u32 size = event_len(g, e);
		if (size > n - done) {
			spin_unlock_irqrestore(&g->wq.lock, fl);
			return done ? (long)done : -EINVAL;
		}
		unqueue_locked(g, e);
		bool ovf = e == g->overflow;
		u64 mask = e->mask;
		if (ovf)
			mask = FAN_Q_OVERFLOW;
		if (e->perm)
			e->state = EV_READING;
		spin_unlock_irqrestore(&g->wq.lock, fl);

		/* the overflow event's fd: FAN_NOFD, or -EBADF with FD_ERROR */
		s32 fd = ovf && (g->flags & FAN_REPORT_FD_ERROR) ? -EBADF : FAN_NOFD;
		if (!ovf && e->path.dentry) {
			int r = event_fd(g, e);
			if (r < 0 && !(g->flags & FAN_REPORT_FD_ERROR)) {
				/* the event is lost; a permission event denied (Linux) */
				if (e->perm) {
					fl = spin_lock_irqsave(&g->wq.lock);
					answer_locked(e, FAN_DENY);
					spin_unlock_irqrestore(&g->wq.lock, fl);
					wake_up_all(&g->perm_wq);
					event_put(e);
				} else {
					event_free(e);
				}
				return done ? (long)done : r;
			}
			fd = r;
		}
		u8 meta[32];
		struct {
			u32 event_len;
			u8 vers, reserved;
			u16 metadata_len;
			u64 mask;
			s32 fd, pid;
		} __attribute__((packed)) m = { size, FANOTIFY_METADATA_VERSION, 0,
						FAN_EVENT_METADATA_LEN, mask, fd,
						ovf ? 0 : e->pid };
		memcpy(meta, &m, sizeof(m));
		if (g->flags & FAN_REPORT_PIDFD) {
			s32 pidfd = ovf ? -1 : event_pidfd(g, e);
			u8 info[8] = { 4 /* FAN_EVENT_INFO_TYPE_PIDFD */, 0, 8, 0 };
			memcpy(info + 4, &pidfd, 4);
			memcpy(meta + sizeof(m), info, 8);
		}
		bool bad = iob_copy_out(b, done, meta, size);
		if (bad && fd >= 0)
			fd_close(current_proc()->files, fd);
		if (e->perm) {
			bool drop = false;
			fl = spin_lock_irqsave(&g->wq.lock);
			if (e->cancelled || g->closing || bad) {
				answer_locked(e, bad ? FAN_DENY : FAN_ALLOW);
				drop = true;
			} else {
				e->fd = fd;
				e->state = EV_WAITING;
				list_add_tail(&e->link, &g->perm);
			}
			spin_unlock_irqrestore(&g->wq.lock, fl);
			if (drop) {
				wake_up_all(&g->perm_wq);
				event_put(e);
			}
		} else if (!ovf) {
			event_free(e);
		}
		if (bad)
			return done ? (long)done : -EFAULT;
		done += size;
	}
}

/* A response: struct fanotify_response { s32 fd; u32 response; }. */
static long fan_write(struct file *file, struct iobuf b, size_t n, u64 *pos)
{
	struct fan_group *g = file->priv;
	struct { s32 fd; u32 response; } r;
	struct fan_event *e, *found = NULL;

	(void)pos;
	if (n < sizeof(r))
		return -EINVAL;
	if (iob_copy_in(&r, b, 0, sizeof(r)))
		return -EFAULT;
	u32 act = r.response & (FAN_ALLOW | FAN_DENY);
	if ((r.response & ~(u32)(FAN_ALLOW | FAN_DENY | FAN_AUDIT)) ||
	    (act != FAN_ALLOW && act != FAN_DENY) ||
	    ((r.response & FAN_AUDIT) && !(g->flags & FAN_ENABLE_AUDIT)) || r.fd < 0)
		return -EINVAL;
	unsigned long fl = spin_lock_irqsave(&g->wq.lock);
	list_for_each_entry(e, &g->perm, link) {
		if (e->fd == r.fd) {
			found = e;
			answer_locked(e, act);
			break;
		}
	}
	spin_unlock_irqrestore(&g->wq.lock, fl);
	if (!found)
		return -ENOENT;
	wake_up_all(&g->perm_wq);
	event_put(found);
	return sizeof(r);
}

static unsigned int fan_poll(struct file *f, struct poll_table *pt)
{
	struct fan_group *g = f->priv;

	poll_wait(pt, &g->wq);
	return READ_ONCE(g->nevents) ? POLLIN | POLLRDNORM : 0;
}

static long fan_ioctl(struct file *f, u32 cmd, u64 arg)
{
	struct fan_group *g = f->priv;

	if (cmd != FIONREAD)
		return -ENOTTY;
	int v = (int)MIN(READ_ONCE(g->bytes), (u64)INT_MAX_);
	return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
}

/*
 * The last reference to the file: no mark is left to find the group by
 * (fan_lock), every queued event is freed, and every permission event,
 * queued or read, is answered FAN_ALLOW so its opener goes on (Linux).
 * Hooks still holding a group reference find it closing.
 */
static void fan_release(struct file *f)
{
	struct fan_group *g = f->priv;
	struct fan_mark *k, *ktmp;
	struct fan_event *e, *etmp;
	LIST_HEAD(marks);
	LIST_HEAD(events);
	LIST_HEAD(perms);

	unsigned long fl = spin_lock_irqsave(&fan_lock);
	list_del_init(&g->glink);
	list_for_each_entry_safe(k, ktmp, &g->marks, link) {
		mark_unlink_locked(k);
		list_add(&k->link, &marks);
	}
	struct fan_user *u = user_put_locked(g->user);
	spin_lock(&g->wq.lock);
	g->closing = true;
	list_for_each_entry_safe(e, etmp, &g->events, link) {
		unqueue_locked(g, e);
		if (e == g->overflow)
			continue;
		if (e->perm) {
			answer_locked(e, FAN_ALLOW);
			list_add(&e->link, &perms);
		} else {
			list_add(&e->link, &events);
		}
	}
	list_for_each_entry_safe(e, etmp, &g->perm, link) {
		answer_locked(e, FAN_ALLOW);
		list_add(&e->link, &perms);
	}
	spin_unlock(&g->wq.lock);
	spin_unlock_irqrestore(&fan_lock, fl);
	wake_up_all(&g->perm_wq);
	list_for_each_entry_safe(e, etmp, &perms, link) {
		list_del_init(&e->link);
		event_put(e);
	}
	list_for_each_entry_safe(e, etmp, &events, link)
		event_free(e);
	list_for_each_entry_safe(k, ktmp, &marks, link)
		mark_free(k);
	if (u)	/* nobody else refers to it: its last group went */
		kfree(u);
	group_put(g);
}

static const struct file_ops fanotify_fops = {
	.read = fan_read,
	.write = fan_write,
	.poll = fan_poll,
	.ioctl = fan_ioctl,
	.release = fan_release,
};

bool is_fanotify(const struct file *f)
{
	return f->fop == &fanotify_fops;
}

u32 fanotify_group_flags(const struct file *f)
{
	return ((const struct fan_group *)f->priv)->flags;
}

int fanotify_file(u32 flags, u32 event_f_flags, struct file **out)
{
	struct fan_group *g = kzalloc(sizeof(*g), GFP_KERNEL);
	int rc = -ENOMEM;

	if (!g || !(g->overflow = event_alloc()))
		goto fail;
	if ((rc = user_get(&g->user)))
		goto fail;
	atomic_set(&g->ref, 1);
	wait_queue_init(&g->wq, "fanotify");
	wait_queue_init(&g->perm_wq, "fanotify-perm");
	list_init(&g->events);
	list_init(&g->perm);
	list_init(&g->marks);
	g->overflow->mask = FAN_Q_OVERFLOW;
	g->flags = flags;
	g->f_flags = event_f_flags;
	g->prio = (flags & FAN_CLASS_BITS) >> 2;
	g->max_events = flags & FAN_UNLIMITED_QUEUE ? 0 : (u32)READ_ONCE(max_queued_events);
	if (!g->max_events && !(flags & FAN_UNLIMITED_QUEUE))
		g->max_events = 1;	/* a sysctl of 0 leaves room for none but overflow */
	*out = anon_file(&fanotify_fops, g, O_RDWR | (flags & FAN_NONBLOCK ? O_NONBLOCK : 0));
	if (!*out) {
		unsigned long fl = spin_lock_irqsave(&fan_lock);
		struct fan_user *u = user_put_locked(g->user);
		spin_unlock_irqrestore(&fan_lock, fl);
		kfree(u);
		rc = -ENOMEM;
		goto fail;
	}
	/* listed by priority, highest first; among equals the oldest first */
	unsigned long fl = spin_lock_irqsave(&fan_lock);
	struct fan_group *o;
	struct list_head *before = &groups;
	list_for_each_entry(o, &groups, glink) {
		if (o->prio < g->prio) {
			before = &o->glink;
			break;
		}
	}
	list_add_tail(&g->glink, before);
	spin_unlock_irqrestore(&fan_lock, fl);
	return 0;
fail:
	if (g)
		kfree(g->overflow);
	kfree(g);
	return rc;
}

/* ---- fanotify_mark */

static struct fan_mark *find_mark(struct fan_group *g, u8 type, void *obj)
{
	struct fan_mark *k;

	list_for_each_entry(k, &g->marks, link)
		if (k->type == type && k->obj == obj)
			return k;
	return NULL;
}

static long mark_add(struct fan_group *g, u8 type, void *obj, struct super_block *sb, u32 mask,
		     u32 flags, bool ignore)
{
	struct fan_mark *fresh = kzalloc(sizeof(*fresh), GFP_KERNEL), *k;
	long rc = 0;

	if (!fresh)
		return -ENOMEM;
	unsigned long fl = spin_lock_irqsave(&fan_lock);
	k = find_mark(g, type, obj);
	if (!k) {
		if (!(g->flags & FAN_UNLIMITED_MARKS) &&
		    g->user->marks >= READ_ONCE(max_user_marks)) {
			rc = -ENOSPC;
			goto out;
		}
		k = fresh;
		fresh = NULL;
		k->g = g;
		k->type = type;
		k->obj = obj;
		k->sb = sb;
		list_add_tail(&k->link, &g->marks);
		g->user->marks++;
		atomic_inc(&sb->fanotify_marks);
		if (type == FAN_T_INODE)
			inode_get(obj);
	}
	if (ignore) {
		k->ignore |= mask;
		if (flags & FAN_MARK_IGNORED_SURV_MODIFY)
			k->mflags |= MF_SURV;
		if (flags & FAN_MARK_IGNORE)
			k->mflags |= MF_IGNORE_FLAGS;
	} else {
		k->mask |= mask;
	}
	k->uflags |= flags & (FAN_MARK_IGNORED_SURV_MODIFY | FAN_MARK_EVICTABLE);
out:
	spin_unlock_irqrestore(&fan_lock, fl);
	kfree(fresh);
	return rc;
}

static long mark_remove(struct fan_group *g, u8 type, void *obj, u32 mask, bool ignore)
{
	struct fan_mark *k;
	bool gone = false;

	unsigned long fl = spin_lock_irqsave(&fan_lock);
	k = find_mark(g, type, obj);
	if (!k) {
		spin_unlock_irqrestore(&fan_lock, fl);
		return -ENOENT;
	}
	if (ignore)
		k->ignore &= ~mask;
	else
		k->mask &= ~mask;
	if (!(k->mask & ~(u32)(FAN_ONDIR | FAN_EVENT_ON_CHILD)) &&
	    !(k->ignore & ~(u32)(FAN_ONDIR | FAN_EVENT_ON_CHILD))) {
		mark_unlink_locked(k);
		gone = true;
	}
	spin_unlock_irqrestore(&fan_lock, fl);
	if (gone)
		mark_free(k);
	return 0;
}

struct flush_arg {
	struct fan_group *g;
	u8 type;
};

static bool flush_match(const struct fan_mark *k, const void *arg)
{
	const struct flush_arg *a = arg;

	return k->g == a->g && k->type == a->type;
}

long fanotify_mark_change(struct file *f, u32 flags, u64 mask64, const struct path *p)
{
	struct fan_group *g = f->priv;
	u32 mask = (u32)mask64;
	u8 type = flags & FAN_MARK_MOUNT ? FAN_T_MOUNT
		: flags & FAN_MARK_FILESYSTEM ? FAN_T_SB : FAN_T_INODE;
	bool ignore = flags & (FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORE);

	if (flags & FAN_MARK_FLUSH) {
		struct flush_arg a = { g, type };
		remove_marks(flush_match, &a);
		return 0;
	}
	struct inode *i = p->dentry ? p->dentry->inode : NULL;
	if (!i)
		return -ENOENT;
	bool dir = S_ISDIR(i->mode);
	if (type != FAN_T_INODE && !p->mnt)
		return -EINVAL;		/* an anonymous file: no mount */
	if (!i->sb)
		return -EINVAL;
	if ((flags & FAN_MARK_IGNORE) && !(flags & FAN_MARK_IGNORED_SURV_MODIFY) && dir &&
	    type == FAN_T_INODE)
		return -EISDIR;
	/* the directory flags of a non-directory's ignore mask: only with
	 * the new FAN_MARK_IGNORE they are an error (Linux) */
	if ((flags & FAN_MARK_IGNORE) && type == FAN_T_INODE && !dir &&
	    (mask & (FAN_ONDIR | FAN_EVENT_ON_CHILD | FAN_INODE_EVENTS)))
		return -ENOTDIR;
	if (type != FAN_T_INODE || !dir)
		mask &= ~(u32)FAN_EVENT_ON_CHILD;
	if (flags & FAN_MARK_ADD) {
		if (!mask)
			return 0;
		/* an ignore mask on a file open for writing would go at its
		 * next write anyway: not added (Linux) */
		if (type == FAN_T_INODE && ignore && !(flags & FAN_MARK_IGNORED_SURV_MODIFY) &&
		    atomic_read(&i->writecount) > 0)
			return 0;
		void *obj = type == FAN_T_INODE ? (void *)i
			: type == FAN_T_MOUNT ? (void *)p->mnt : (void *)i->sb;
		return mark_add(g, type, obj, i->sb, mask, flags, ignore);
	}
	void *obj = type == FAN_T_INODE ? (void *)i
		: type == FAN_T_MOUNT ? (void *)p->mnt : (void *)i->sb;
	return mark_remove(g, type, obj, mask, ignore);
}

/* ---- /proc/<pid>/fdinfo */

void fanotify_fdinfo(struct pbuf *b, struct file *f)
{
	struct fan_group *g = f->priv;
	struct fan_mark *k;
	char line[160];

	pbuf_printf(b, "fanotify flags:%x event-flags:%x\n", g->flags, g->f_flags);
	/* one mark at a time: the buffer is written with no lock held */
	for (int n = 0;; n++) {
		int at = 0;
		line[0] = '\0';
		unsigned long fl = spin_lock_irqsave(&fan_lock);
		list_for_each_entry(k, &g->marks, link) {
			if (at++ != n)
				continue;
			u32 mfl = k->uflags | (k->mflags & MF_SURV ? FAN_MARK_IGNORED_SURV_MODIFY : 0);
			if (k->type == FAN_T_INODE)
				snprintf(line, sizeof(line),
					 "fanotify ino:%llx sdev:%x mflags:%x mask:%x ignored_mask:%x\n",
					 (unsigned long long)((struct inode *)k->obj)->ino, k->sb->dev,
					 mfl, k->mask, k->ignore);
			else if (k->type == FAN_T_MOUNT)
				snprintf(line, sizeof(line),
					 "fanotify mnt_id:%x mflags:%x mask:%x ignored_mask:%x\n",
					 0u, mfl, k->mask, k->ignore);
			else
				snprintf(line, sizeof(line),
					 "fanotify sdev:%x mflags:%x mask:%x ignored_mask:%x\n",
					 k->sb->dev, mfl, k->mask, k->ignore);
			break;
		}
		spin_unlock_irqrestore(&fan_lock, fl);
		if (!line[0] || b->full)
			break;
		pbuf_puts(b, line);
	}
}
