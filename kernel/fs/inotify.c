/*
 * inotify: watches on inodes, and a queue of events per instance
 * (docs/inotify.md). Three kinds of object:
 *
 *   - an instance (struct inotify, a file on the anonymous inode): its
 *     queue of events and its list of watches, under its wait queue's
 *     lock, so a queued event and its wakeup are one step;
 *   - an inode's marks (struct inotify_marks, inode->notify): its
 *     watches under a spinlock, made at the first watch and freed with
 *     the inode, so a hook that read the pointer never sees it freed;
 *   - a watch: on both lists, holding a reference on its inode (as
 *     Linux's marks do). It is taken off both lists in one step under
 *     the marks lock and then the instance's lock, by whichever of
 *     rm_watch, oneshot, the inode's deletion, unmount or the instance's
 *     release gets there first (w->dead says who did).
 *
 * Order: marks_list_lock -> marks->lock -> instance (wait queue) lock.
 * Nothing is allocated under them: events are allocated before.
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/event.h>
#include <alloy/inotify.h>
#include <alloy/lockrank.h>
#include <alloy/mutex.h>
#include <alloy/poll.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>
#include <alloy/uaccess.h>
#include <alloy/wait.h>
#include <uapi/misc.h>

#define EVENT_HDR 16		/* struct inotify_event without its name */
#define WD_MAX 0x7fffffff

/* Linux's defaults (max_user_watches: its floor, for small machines). */
static long max_user_instances = 128;
static long max_user_watches = 8192;
static long max_queued_events = 16384;
SYSCTL_INT(inotify_instances, "fs/inotify/max_user_instances", 0644, &max_user_instances, 0,
	   WD_MAX);
SYSCTL_INT(inotify_watches, "fs/inotify/max_user_watches", 0644, &max_user_watches, 0, WD_MAX);
SYSCTL_INT(inotify_events, "fs/inotify/max_queued_events", 0644, &max_queued_events, 0,
	   WD_MAX);

/* ---- per-user counts (Linux's ucounts for inotify): by real uid */

struct inotify_user {
	struct list_head link;	/* [users_lock] */
	u32 uid;
	int instances;		/* [users_lock]; the entry goes at 0 */
	atomic_t watches;
	atomic_t queued;	/* bytes of events queued in all its instances */
};

/*
 * Linux bounds the memory of queued events through the memory cgroup;
 * Alloy bounds it per user: 8 MiB (one instance full of 16384 events with
 * the longest names fits; 128 instances of them, 1 GiB, do not). An event
 * beyond it is dropped for the overflow event, as at max_queued_events.
 */
#define USER_QUEUE_BYTES (8u << 20)

static LIST_HEAD(users);
static spinlock_t users_lock = SPINLOCK_INIT("inotify-users", LR_INOTIFY_USER);

static int user_get(struct inotify_user **out)
{
	struct inotify_user *fresh = kzalloc(sizeof(*fresh), GFP_KERNEL), *u;
	struct cred c;
	int rc = 0;

	if (!fresh)
		return -ENOMEM;
	cred_current(&c);
	unsigned long fl = spin_lock_irqsave(&users_lock);
	list_for_each_entry(u, &users, link)
		if (u->uid == c.uid)
			goto found;
	u = NULL;
found:
	if ((u ? u->instances : 0) >= READ_ONCE(max_user_instances)) {
		rc = -EMFILE;
	} else if (u) {
		u->instances++;
	} else {
		u = fresh;
		fresh = NULL;
		u->uid = c.uid;
		u->instances = 1;
		list_add(&u->link, &users);
	}
	spin_unlock_irqrestore(&users_lock, fl);
	kfree(fresh);
	*out = u;
	return rc;
}

static void user_put(struct inotify_user *u)
{
	unsigned long fl = spin_lock_irqsave(&users_lock);

	if (--u->instances)
		u = NULL;
	else
		list_del(&u->link);
	spin_unlock_irqrestore(&users_lock, fl);
	kfree(u);
}

/* ---- objects */

struct kevent {
	struct list_head link;	/* on the instance's queue [its lock] */
	s32 wd;
	u32 mask, cookie, len;	/* len: the name with its NUL and padding */
	u32 charge;		/* bytes charged to the user while queued */
	char name[];
};

struct inotify {
	struct wait_queue wq;		/* readers, pollers; its lock: all below */
	struct list_head events;
	u32 nevents, max_events;	/* queued (the overflow event too); limit */
	u64 bytes;			/* what a read of them all takes (FIONREAD) */
	struct kevent *overflow;	/* queued (once) instead of what does not fit */
	struct list_head watches;
	s32 last_wd;
	bool closing;			/* released: nothing more is queued */
	struct mutex add_lock;		/* add_watch: find or make, one step */
	struct inotify_user *user;
};

struct inotify_marks {
	spinlock_t lock;
	struct list_head watches;	/* [lock] */
	u32 mask;			/* events any of them takes [lock]; read freely */
	struct inode *inode;		/* no reference: freed with it */
	struct list_head all;		/* [marks_list_lock], for unmount */
	struct list_head dnotify;	/* dnotify's marks [dnotify lock] (kernel/fs/dnotify.c) */
};

struct watch {
	atomic_t ref;			/* the lists' one, and one per visitor */
	struct list_head ilink;		/* on marks->watches [marks lock] */
	struct list_head glink;		/* on in->watches [in's lock] */
	struct inotify *in;		/* while on the lists */
	struct inode *inode;		/* holds a reference while on the lists */
	s32 wd;
	u32 mask;			/* [marks lock] */
	bool dead;			/* off the lists [marks lock] */
	struct kevent *ignored, *unmount;	/* made beforehand */
};

static LIST_HEAD(marks_list);
static spinlock_t marks_list_lock = SPINLOCK_INIT("inotify-marks-list", LR_INOTIFY_LIST);
static atomic_t next_cookie;

u32 fsnotify_cookie(void)
{
	u32 c;

	while (!(c = (u32)atomic_add_return(&next_cookie, 1)))
		;
	return c;
}

static struct kevent *kevent_alloc(const char *name, size_t nlen)
{
	u32 len = nlen ? ALIGN_UP((u32)nlen + 1, EVENT_HDR) : 0;
	struct kevent *e = kmalloc(sizeof(*e) + len, GFP_KERNEL);

	if (!e)
		return NULL;
	list_init(&e->link);
	e->wd = -1;
	e->mask = e->cookie = e->charge = 0;
	e->len = len;
	if (len) {
		memcpy(e->name, name, nlen);
		memset(e->name + nlen, 0, len - nlen);
	}
	return e;
}

static void watch_put(struct watch *w)
{
	if (!atomic_dec_and_test(&w->ref))
		return;
	kfree(w->ignored);
	kfree(w->unmount);
	kfree(w);
}

static struct inotify_marks *marks_of(struct inode *i)
{
	struct inotify_marks *m = __atomic_load_n(&i->notify, __ATOMIC_ACQUIRE), *none = NULL;

	if (m)
		return m;
	if (!(m = kzalloc(sizeof(*m), GFP_KERNEL)))
		return NULL;
	spin_lock_init(&m->lock, "inotify-marks", LR_INOTIFY_MARKS);
	list_init(&m->watches);
	list_init(&m->dnotify);
	m->inode = i;
	unsigned long fl = spin_lock_irqsave(&marks_list_lock);
	if (!__atomic_compare_exchange_n(&i->notify, &none, m, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		spin_unlock_irqrestore(&marks_list_lock, fl);
		kfree(m);
		return none;
	}
	list_add(&m->all, &marks_list);
	spin_unlock_irqrestore(&marks_list_lock, fl);
	return m;
}

void inotify_inode_free(struct inode *i)
{
	struct inotify_marks *m = i->notify;

	if (!m)
		return;
	unsigned long fl = spin_lock_irqsave(&marks_list_lock);
	list_del(&m->all);
	spin_unlock_irqrestore(&marks_list_lock, fl);
	kfree(m);
}

static void marks_recalc(struct inotify_marks *m)
{
	struct watch *w;
	u32 mask = 0;

	list_for_each_entry(w, &m->watches, ilink)
		mask |= w->mask & IN_ALL_EVENTS;
	WRITE_ONCE(m->mask, mask);
}

/* ---- the queue */

static bool same_event(const struct kevent *a, const struct kevent *b)
{
	return a->mask == b->mask && a->wd == b->wd && a->len == b->len &&
	       (!a->len || !strcmp(a->name, b->name));
}

static void enqueue_locked(struct inotify *in, struct kevent *e)
{
	list_add_tail(&e->link, &in->events);
	in->nevents++;
	in->bytes += EVENT_HDR + e->len;
	wake_up_all_locked(&in->wq);
}

static void overflow_locked(struct inotify *in)
{
	if (!in->closing && list_empty(&in->overflow->link))
		enqueue_locked(in, in->overflow);
}

/* What taking e off the queue gives back to its user. */
static void dequeued(struct inotify *in, struct kevent *e)
{
	if (e->charge)
		atomic_add_return(&in->user->queued, -(int)e->charge);
	e->charge = 0;
}

/* Queues e (true) or, as Linux, drops it: the same as the last event
 * queued (coalesced), or no room in the instance or in its user's bytes
 * (the overflow event instead, once). The overflow event and a watch's
 * IGNORED and UNMOUNT events were made with the watch: not charged. */
static bool queue_locked(struct inotify *in, struct kevent *e)
{
	u32 charge = e == in->overflow || (e->mask & (IN_IGNORED | IN_UNMOUNT)) ? 0
		     : (u32)(sizeof(*e) + e->len);

	if (in->closing)
		return false;
	if (in->nevents >= in->max_events) {
		overflow_locked(in);
		return false;
	}
	if (!list_empty(&in->events)) {
		struct kevent *last = list_entry(in->events.prev, struct kevent, link);
		if (!(last->mask & IN_IGNORED) && same_event(last, e))
			return false;
	}
	if (charge && (u32)atomic_add_return(&in->user->queued, (int)charge) >
		      USER_QUEUE_BYTES) {
		atomic_add_return(&in->user->queued, -(int)charge);
		overflow_locked(in);
		return false;
	}
	e->charge = charge;
	enqueue_locked(in, e);
	return true;
}

/* Takes w off both lists (caller holds the marks lock and in's) with
 * its IGNORED event; the inode reference and the lists' watch reference
 * are the caller's to drop once the locks are let go. */
static void detach_locked(struct inotify_marks *m, struct watch *w, struct inotify *in)
{
	w->dead = true;
	list_del_init(&w->ilink);
	marks_recalc(m);
	list_del_init(&w->glink);
	w->ignored->wd = w->wd;
	w->ignored->mask = IN_IGNORED;
	if (queue_locked(in, w->ignored))
		w->ignored = NULL;	/* the queue's now */
	atomic_dec(&in->user->watches);
}

/* After detach_locked, with no lock held. The filesystem's count goes
 * last: an unmount waits for it, so the superblock outlives our put. */
static void detach_finish(struct watch *w)
{
	struct super_block *sb = w->inode->sb;

	inode_put(w->inode);
	watch_put(w);
	atomic_dec(&sb->notify_watches);
}

/* Detaches w unless someone did already; caller holds a reference on w
 * (and on its inode, which this may drop). UNMOUNT first if asked. */
static void watch_kill(struct watch *w, bool unmount)
{
	struct inotify_marks *m = w->inode->notify;
	unsigned long fl = spin_lock_irqsave(&m->lock);

	if (w->dead) {
		spin_unlock_irqrestore(&m->lock, fl);
		return;
	}
	struct inotify *in = w->in;
	spin_lock(&in->wq.lock);
	if (unmount) {
		w->unmount->wd = w->wd;
		w->unmount->mask = IN_UNMOUNT;
		if (queue_locked(in, w->unmount))
			w->unmount = NULL;
	}
	detach_locked(m, w, in);
	spin_unlock(&in->wq.lock);
	spin_unlock_irqrestore(&m->lock, fl);
	detach_finish(w);
}

/* Every watch of i goes (i referenced by the caller). */
static void kill_all(struct inode *i, bool unmount)
{
	struct inotify_marks *m = __atomic_load_n(&i->notify, __ATOMIC_ACQUIRE);

	while (m) {
		unsigned long fl = spin_lock_irqsave(&m->lock);
		struct watch *w = list_empty(&m->watches) ? NULL
			: list_first_entry(&m->watches, struct watch, ilink);
		if (w)
			atomic_inc(&w->ref);
		spin_unlock_irqrestore(&m->lock, fl);
		if (!w)
			break;
		watch_kill(w, unmount);
		watch_put(w);
	}
}

/* ---- delivery */

static bool wants(const struct watch *w, u32 ev, bool unlinked_child)
{
	return (w->mask & ev) && !(unlinked_child && (w->mask & IN_EXCL_UNLINK));
}

/* One event to each of i's watches that takes it: name (nlen bytes) for
 * a child of directory i. The events are allocated first, with no lock
 * held; a watch left without one (no memory) gets the overflow event. */
static void deliver(struct inode *i, u32 mask, const char *name, size_t nlen, u32 cookie,
		    bool unlinked_child)
{
	struct inotify_marks *m = __atomic_load_n(&i->notify, __ATOMIC_ACQUIRE);
	u32 ev = mask & IN_ALL_EVENTS;
	LIST_HEAD(pool);
	LIST_HEAD(gone);
	struct watch *w, *tmp;
	struct kevent *e, *etmp;
	int have = 0, need;
	unsigned long fl;

	if (m && !list_empty(&m->dnotify) && dnotify_of_inotify(ev))	/* a peek */
		dnotify_event(&m->dnotify, dnotify_of_inotify(ev));
	if (!m || !(READ_ONCE(m->mask) & ev))
		return;
	/* inotify never reported IN_ISDIR with these (Linux keeps that) */
	if (ev & (IN_MOVE_SELF | IN_DELETE_SELF))
		mask &= ~(u32)IN_ISDIR;
	for (int tries = 0;; tries++) {
		need = 0;
		fl = spin_lock_irqsave(&m->lock);
		list_for_each_entry(w, &m->watches, ilink)
			need += wants(w, ev, unlinked_child);
		if (need <= have || tries == 3)
			break;
		spin_unlock_irqrestore(&m->lock, fl);
		for (; have < need; have++) {
			if (!(e = kevent_alloc(name, nlen)))
				break;
			list_add(&e->link, &pool);
		}
	}
	list_for_each_entry_safe(w, tmp, &m->watches, ilink) {
		if (!wants(w, ev, unlinked_child))
			continue;
		struct inotify *in = w->in;
		spin_lock(&in->wq.lock);
		if (list_empty(&pool)) {
			overflow_locked(in);
		} else {
			e = list_first_entry(&pool, struct kevent, link);
			list_del_init(&e->link);
			e->wd = w->wd;
			e->mask = (ev & w->mask) | (mask & IN_ISDIR);
			e->cookie = cookie;
			if (!queue_locked(in, e))
				list_add(&e->link, &pool);
		}
		if (w->mask & IN_ONESHOT) {
			detach_locked(m, w, in);
			list_add(&w->ilink, &gone);	/* free again once dead */
		}
		spin_unlock(&in->wq.lock);
	}
	spin_unlock_irqrestore(&m->lock, fl);
	list_for_each_entry_safe(e, etmp, &pool, link)
		kfree(e);
	list_for_each_entry_safe(w, tmp, &gone, ilink) {
		list_del_init(&w->ilink);
		detach_finish(w);
	}
}

void fsnotify_inode_slow(struct inode *i, u32 mask)
{
	if (S_ISDIR(i->mode))
		mask |= IN_ISDIR;
	deliver(i, mask, NULL, 0, 0, false);
}

/* For vfs.c: whether directory dir has a watch taking one of ev. */
bool inotify_wants(const struct inode *dir, u32 ev)
{
	const struct inotify_marks *m = __atomic_load_n(&dir->notify, __ATOMIC_ACQUIRE);

	return m && ((READ_ONCE(m->mask) & ev) ||
		     (!list_empty(&m->dnotify) && dnotify_of_inotify(ev)));
}

struct list_head *inotify_dnotify_list(struct inode *dir)
{
	struct inotify_marks *m = marks_of(dir);

	return m ? &m->dnotify : NULL;
}

void fsnotify_dnotify(struct inode *dir, u32 dn)
{
	struct inotify_marks *m = __atomic_load_n(&dir->notify, __ATOMIC_ACQUIRE);

	if (m && !list_empty(&m->dnotify))
		dnotify_event(&m->dnotify, dn);
}

void fsnotify_dentry_slow(struct inode *i, struct dentry *d, u32 mask)
{
	char name[NAME_MAX + 1];
	size_t len;
	bool unlinked;

	if (S_ISDIR(i->mode))
		mask |= IN_ISDIR;
	/* the directory's watch first, as Linux's fsnotify_handle_event */
	struct inode *dir = d ? dentry_parent_watched(d, mask & IN_ALL_EVENTS, name, &len,
						    &unlinked) : NULL;
	if (dir) {
		deliver(dir, mask, name, len, 0, unlinked);
		inode_put(dir);
	}
	deliver(i, mask, NULL, 0, 0, false);
}

void fsnotify_name_slow(struct inode *dir, u32 mask, const char *name, size_t len, u32 cookie)
{
	deliver(dir, mask, name, len, cookie, false);
}

void fsnotify_inoderemove_slow(struct inode *i)
{
	fsnotify_inode_slow(i, IN_DELETE_SELF);
	kill_all(i, false);
	fanotify_inode_gone(i);
}

void inotify_unmount(struct super_block *sb)
{
	/* dnotify's marks go with their files, which hold the mount */
	while (atomic_read(&sb->notify_watches) > atomic_read(&sb->dnotify_marks)) {
		struct inotify_marks *m;
		struct inode *i = NULL;
		unsigned long fl = spin_lock_irqsave(&marks_list_lock);
		list_for_each_entry(m, &marks_list, all) {
			if (m->inode->sb == sb && !list_empty(&m->watches) && inode_tryget(m->inode)) {
				i = m->inode;
				break;
			}
		}
		spin_unlock_irqrestore(&marks_list_lock, fl);
		if (!i) {	/* a close or rm_watch is finishing one off */
			sched_yield();
			continue;
		}
		kill_all(i, true);
		inode_put(i);
	}
}

/* ---- the file */

static long in_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct inotify *in = f->priv;
	size_t done = 0;

	(void)pos;
	for (;;) {
		unsigned long fl = spin_lock_irqsave(&in->wq.lock);
		if (list_empty(&in->events)) {
			spin_unlock_irqrestore(&in->wq.lock, fl);
			if (done)
				return (long)done;
			if (f->flags & O_NONBLOCK)
				return -EAGAIN;
			if (signal_pending())
				return -ERESTARTSYS;
			wait_event(in->wq, READ_ONCE(in->nevents) || signal_pending());
			continue;
		}
		struct kevent *e = list_first_entry(&in->events, struct kevent, link);
		size_t size = EVENT_HDR + e->len;
		if (size > n - done) {
			spin_unlock_irqrestore(&in->wq.lock, fl);
			return done ? (long)done : -EINVAL;
		}
		list_del_init(&e->link);
		in->nevents--;
		in->bytes -= size;
		dequeued(in, e);
		/* the overflow event may be queued again at once: copy it now */
		struct { s32 wd; u32 mask, cookie, len; } hdr = { e->wd, e->mask, e->cookie, e->len };
		bool mine = e != in->overflow;
		spin_unlock_irqrestore(&in->wq.lock, fl);
		bool bad = iob_copy_out(b, done, &hdr, EVENT_HDR) ||
			   (hdr.len && iob_copy_out(b, done + EVENT_HDR, e->name, hdr.len));
		if (mine)
			kfree(e);
		if (bad)	/* the event is lost, as on Linux */
			return done ? (long)done : -EFAULT;
		done += size;
	}
}

static unsigned int in_poll(struct file *f, struct poll_table *pt)
{
	struct inotify *in = f->priv;

	poll_wait(pt, &in->wq);
	return READ_ONCE(in->nevents) ? POLLIN | POLLRDNORM : 0;
}

static long in_ioctl(struct file *f, u32 cmd, u64 arg)
{
	struct inotify *in = f->priv;

	if (cmd != FIONREAD)
		return -ENOTTY;
	int v = (int)MIN(READ_ONCE(in->bytes), (u64)WD_MAX);
	return copy_to_user((void *)arg, &v, sizeof(v)) ? -EFAULT : 0;
}

/* The last reference: nothing reads or adds any more, but events may be
 * firing on other CPUs: each watch is detached under the marks lock, so
 * once none is left nothing can reach the instance. */
static void in_release(struct file *f)
{
	struct inotify *in = f->priv;
	struct kevent *e, *tmp;

	unsigned long fl = spin_lock_irqsave(&in->wq.lock);
	in->closing = true;
	spin_unlock_irqrestore(&in->wq.lock, fl);
	for (;;) {
		fl = spin_lock_irqsave(&in->wq.lock);
		struct watch *w = list_empty(&in->watches) ? NULL
			: list_first_entry(&in->watches, struct watch, glink);
		struct inode *i = NULL;
		if (w) {	/* still listed: its inode reference is held */
			atomic_inc(&w->ref);
			inode_get(i = w->inode);
		}
		spin_unlock_irqrestore(&in->wq.lock, fl);
		if (!w)
			break;
		watch_kill(w, false);
		watch_put(w);
		inode_put(i);
	}
	list_for_each_entry_safe(e, tmp, &in->events, link) {
		dequeued(in, e);
		if (e != in->overflow)
			kfree(e);
	}
	kfree(in->overflow);
	user_put(in->user);
	kfree(in);
}

static const struct file_ops inotify_fops = {
	.read = in_read,
	.poll = in_poll,
	.ioctl = in_ioctl,
	.release = in_release,
};

int inotify_watch_at(struct file *f, int k, s32 *wd, u64 *ino, u32 *dev, u32 *mask)
{
	struct inotify *in = f->priv;
	struct watch *w;
	int rc = -ENOENT;

	unsigned long fl = spin_lock_irqsave(&in->wq.lock);
	list_for_each_entry(w, &in->watches, glink) {
		if (k--)
			continue;
		*wd = w->wd;
		*ino = w->inode->ino;
		*dev = w->inode->sb ? w->inode->sb->dev : 0;
		*mask = READ_ONCE(w->mask);
		rc = 0;
		break;
	}
	spin_unlock_irqrestore(&in->wq.lock, fl);
	return rc;
}

bool is_inotify(const struct file *f)
{
	return f->fop == &inotify_fops;
}

int inotify_file(u32 flags, struct file **out)
{
	struct inotify *in = kzalloc(sizeof(*in), GFP_KERNEL);
	int rc = -ENOMEM;

	if (!in || !(in->overflow = kevent_alloc(NULL, 0)))
		goto fail;
	if ((rc = user_get(&in->user)))
		goto fail;
	wait_queue_init(&in->wq, "inotify");
	list_init(&in->events);
	list_init(&in->watches);
	mutex_init(&in->add_lock, "inotify-add", LR_MUTEX_DEFAULT);
	in->overflow->mask = IN_Q_OVERFLOW;
	in->max_events = (u32)READ_ONCE(max_queued_events);
	*out = anon_file(&inotify_fops, in, O_RDONLY | (flags & O_NONBLOCK));
	if (*out)
		return 0;
	user_put(in->user);
	rc = -ENOMEM;
fail:
	if (in)
		kfree(in->overflow);
	kfree(in);
	return rc;
}

/* A new watch of in on i (marks m), or -errno. Caller holds add_lock. */
static long watch_new(struct inotify *in, struct inotify_marks *m, struct inode *i, u32 events)
{
	struct watch *w;

	if (atomic_add_return(&in->user->watches, 1) > READ_ONCE(max_user_watches)) {
		atomic_dec(&in->user->watches);
		return -ENOSPC;
	}
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w || !(w->ignored = kevent_alloc(NULL, 0)) || !(w->unmount = kevent_alloc(NULL, 0))) {
		if (w) {
			kfree(w->ignored);
			kfree(w);
		}
		atomic_dec(&in->user->watches);
		return -ENOMEM;
	}
	atomic_set(&w->ref, 1);
	list_init(&w->ilink);
	list_init(&w->glink);
	w->in = in;
	w->inode = i;
	w->mask = events;
	inode_get(i);
	unsigned long fl = spin_lock_irqsave(&m->lock);
	spin_lock(&in->wq.lock);
	long wd = in->last_wd < WD_MAX ? ++in->last_wd : -ENOSPC;
	if (wd > 0) {
		w->wd = (s32)wd;
		list_add_tail(&w->glink, &in->watches);
		list_add_tail(&w->ilink, &m->watches);
		atomic_inc(&i->sb->notify_watches);
		marks_recalc(m);
	}
	spin_unlock(&in->wq.lock);
	spin_unlock_irqrestore(&m->lock, fl);
	if (wd < 0) {
		atomic_dec(&in->user->watches);
		inode_put(i);
		watch_put(w);
	}
	return wd;
}

long inotify_add(struct file *f, struct inode *i, u32 mask)
{
	struct inotify *in = f->priv;
	u32 events = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
	struct cred c;
	struct watch *w;
	long rc;

	cred_current(&c);
	if ((rc = inode_permission(&c, i, MAY_READ)))
		return rc;
	struct inotify_marks *m = marks_of(i);
	if (!m)
		return -ENOMEM;
	mutex_lock(&in->add_lock);
	unsigned long fl = spin_lock_irqsave(&m->lock);
	list_for_each_entry(w, &m->watches, ilink) {
		if (w->in != in)
			continue;
		if (mask & IN_MASK_CREATE) {
			rc = -EEXIST;
		} else {
			w->mask = mask & IN_MASK_ADD ? w->mask | events : events;
			marks_recalc(m);
			rc = w->wd;
		}
		spin_unlock_irqrestore(&m->lock, fl);
		mutex_unlock(&in->add_lock);
		return rc;
	}
	spin_unlock_irqrestore(&m->lock, fl);
	rc = watch_new(in, m, i, events);
	mutex_unlock(&in->add_lock);
	return rc;
}

long inotify_rm(struct file *f, s32 wd)
{
	struct inotify *in = f->priv;
	struct watch *w, *found = NULL;
	struct inode *i = NULL;

	unsigned long fl = spin_lock_irqsave(&in->wq.lock);
	list_for_each_entry(w, &in->watches, glink) {
		if (w->wd == wd) {
			found = w;
			atomic_inc(&w->ref);
			inode_get(i = w->inode);
			break;
		}
	}
	spin_unlock_irqrestore(&in->wq.lock, fl);
	if (!found)
		return -EINVAL;
	watch_kill(found, false);
	watch_put(found);
	inode_put(i);
	return 0;
}
