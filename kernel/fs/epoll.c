/*
 * epoll: an interest list of (file, fd) items and a ready list, filled by
 * the wait queues themselves. Each item subscribes a callback to every
 * wait queue its file's poll op names (add_wait_callback); a wakeup there
 * puts the item on the ready list and wakes the epoll's waiters, as
 * Linux's ep_poll_callback. epoll_wait then asks only the items on the
 * ready list for their readiness: nothing polls, nothing rescans.
 *
 * An item holds no reference to its file: the file's last put removes
 * it from every epoll (eventpoll_release, called by file_put before the
 * file's release, so its wait queues are still there while we unhook).
 *
 * Locks, outermost first:
 *   ep->mtx (epoll)           the interest list; harvesting the ready list
 *   ep_nest_lock (epoll-nest) epolls watching epolls: both directions
 *   ep->lock (epoll-ready)    the ready list, item event masks
 *   ep_files_lock (epoll-files) each file's list of items, item->dying
 *   ep->wq, ep->poll_wq (epoll-wq) wait queues ranked above epoll-ready
 * A callback runs under its source queue's lock (rank wait queue) and
 * takes epoll-ready, then epoll-nest and the parents' epoll-ready in turn
 * (never two epoll-ready at once), then the epoll-wq queues. An epoll
 * watching an epoll is not on its wait queue but on its `parents` list,
 * so the chain never nests two locks of one rank.
 */
#include <alloy/errno.h>
#include <alloy/event.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/mutex.h>
#include <alloy/poll.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>

#define EP_MAX_NESTS 4		/* epolls in a chain below the top, as Linux */
#define EP_HASH 64
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)

struct eventpoll {
	struct mutex mtx;
	spinlock_t lock;
	struct list_head rdlist;	/* [lock] maybe-ready items */
	struct list_head ovflist;	/* [lock] items a harvest holds that fired meanwhile */
	bool harvesting;		/* [lock] ep_send has the ready items */
	struct wait_queue wq;		/* epoll_wait sleepers */
	struct wait_queue poll_wq;	/* poll/select on the epoll fd */
	struct list_head parents;	/* [ep_nest_lock] items watching this epoll */
	struct list_head children;	/* [ep_nest_lock] items here watching epolls */
	struct list_head hash[EP_HASH];	/* [mtx] items by (file, fd) */
	atomic_t refcount;		/* the file's, one per item */
};

struct epitem;

struct ep_hook {			/* a subscription to one wait queue */
	struct waiter w;
	struct wait_queue *wq;
	struct epitem *epi;
	struct ep_hook *next;
};

struct epitem {
	struct eventpoll *ep;		/* holds a reference */
	struct file *file;		/* none: see eventpoll_release */
	int fd;
	u32 events;			/* [ep->lock] asked for; 0 but private bits: disabled */
	u64 data;			/* [ep->mtx] */
	bool on_rdlist;			/* [ep->lock] on ep->rdlist or a harvest's list */
	bool on_ovflist;		/* [ep->lock] on ep->ovflist */
	bool dying;			/* [ep_files_lock] the file's last put removes it */
	bool nomem;			/* a hook could not be allocated */
	struct list_head rdlink;	/* [ep->lock]; a harvest's own while it holds epi */
	struct list_head ovflink;	/* [ep->lock] */
	struct list_head hlink;		/* [ep->mtx] */
	struct list_head flink;		/* [ep_files_lock] file->ep_links */
	struct eventpoll *child;	/* the epoll it watches, if it is one */
	struct list_head nlink;		/* [ep_nest_lock] child->parents */
	struct list_head clink;		/* [ep_nest_lock] ep->children */
	struct ep_hook *hooks;		/* [ep->mtx] */
};

static spinlock_t ep_nest_lock = SPINLOCK_INIT("epoll-nest", LR_EPOLL_NEST);
static spinlock_t ep_files_lock = SPINLOCK_INIT("epoll-files", LR_EPOLL_FILES);
static atomic_long_t ep_watches;	/* items in all epolls */

static const struct file_ops epoll_fops;

bool is_epoll(const struct file *f)
{
	return f->fop == &epoll_fops;
}

static void ep_put(struct eventpoll *ep)
{
	if (atomic_dec_and_test(&ep->refcount))
		kfree(ep);
}

/* Linux's max_user_watches: 4% of memory, in items (for everyone here). */
static long ep_max_watches(void)
{
	return (long)(page_alloc_total_count() * PAGE_SIZE / 25 /
		      (sizeof(struct epitem) + 2 * sizeof(struct ep_hook)));
}

/* ---- readiness: the callbacks ---- */

static void ep_item_event(struct epitem *epi, int depth);

/* Wakes ep's sleepers and pollers, and tells the epolls watching it.
 * depth > 0: ep_nest_lock is held (we are walking up a chain). */
static void ep_wake(struct eventpoll *ep, int depth)
{
	struct epitem *pe;
	unsigned long flags = 0;

	/* every harvest of a level-triggered item ends here: most find
	 * nobody waiting, and need not take the queues' locks to see it */
	if (wait_queue_active(&ep->wq))
		wake_up_all(&ep->wq);
	if (wait_queue_active(&ep->poll_wq))
		wake_up_all(&ep->poll_wq);
	/* unlocked peek: a parent linking itself polls us after, under ep->lock */
	if (list_empty(&ep->parents) || depth >= EP_MAX_NESTS)
		return;
	if (!depth)
		flags = spin_lock_irqsave(&ep_nest_lock);
	list_for_each_entry(pe, &ep->parents, nlink)
		ep_item_event(pe, depth + 1);
	if (!depth)
		spin_unlock_irqrestore(&ep_nest_lock, flags);
}

/* epi may be ready: onto the ready list, and wake whoever waits. */
/* ep->lock held: epi asks for events (not a fired EPOLLONESHOT). */
static bool ep_armed(const struct epitem *epi)
{
	return epi->events & ~EP_PRIVATE_BITS;
}

/* ep->lock held, epi on no ready list: onto ep's. */
static void ep_rdlist_add(struct eventpoll *ep, struct epitem *epi)
{
	list_add_tail(&epi->rdlink, &ep->rdlist);
	epi->on_rdlist = true;
}

static void ep_item_event(struct epitem *epi, int depth)
{
	struct eventpoll *ep = epi->ep;
	unsigned long flags = spin_lock_irqsave(&ep->lock);

	if (!ep_armed(epi)) {
		spin_unlock_irqrestore(&ep->lock, flags);
		return;
	}
	if (!epi->on_rdlist) {
		ep_rdlist_add(ep, epi);
	} else if (ep->harvesting && !epi->on_ovflist) {
		/* a harvest holds it and may have asked it already: after
		 * the harvest it goes back on the ready list */
		list_add_tail(&epi->ovflink, &ep->ovflist);
		epi->on_ovflist = true;
	}
	spin_unlock_irqrestore(&ep->lock, flags);
	ep_wake(ep, depth);
}

/* The wait-queue callback: under the source queue's lock, irqs off. */
static bool ep_hook_wake(struct waiter *w)
{
	struct ep_hook *h = container_of(w, struct ep_hook, w);
	bool sleepers = !list_empty(&h->epi->ep->wq.waiters);

	ep_item_event(h->epi, 0);
	return sleepers;	/* EPOLLEXCLUSIVE: this one woke a waiter */
}

struct ep_pqueue {
	struct poll_table pt;
	struct epitem *epi;
};

/* The file's poll op names a queue: subscribe the item to it. */
static void ep_queue_proc(struct poll_table *pt, struct file *f, struct wait_queue *wq)
{
	struct epitem *epi = container_of(pt, struct ep_pqueue, pt)->epi;
	struct ep_hook *h;

	(void)f;
	if (epi->nomem || !(h = kmalloc(sizeof(*h), GFP_KERNEL))) {
		epi->nomem = true;
		return;
	}
	h->w = (struct waiter){ .task = NULL, .func = ep_hook_wake,
				.exclusive = (epi->events & EPOLLEXCLUSIVE) != 0 };
	list_init(&h->w.link);
	h->wq = wq;
	h->epi = epi;
	h->next = epi->hooks;
	epi->hooks = h;
	add_wait_callback(wq, &h->w);
}

/* After it returns no callback runs for epi (they run under the locks
 * the removals take). */
static void ep_unhook(struct epitem *epi)
{
	for (struct ep_hook *h = epi->hooks, *n; h; h = n) {
		n = h->next;
		remove_wait_callback(h->wq, &h->w);
		kfree(h);
	}
	epi->hooks = NULL;
	if (epi->child) {
		unsigned long flags = spin_lock_irqsave(&ep_nest_lock);
		list_del_init(&epi->nlink);
		list_del_init(&epi->clink);
		spin_unlock_irqrestore(&ep_nest_lock, flags);
		epi->child = NULL;
	}
}

/* ep->mtx held, epi unhooked and off its file's list: forget it. */
static void ep_forget(struct eventpoll *ep, struct epitem *epi)
{
	unsigned long flags = spin_lock_irqsave(&ep->lock);

	if (epi->on_rdlist)
		list_del_init(&epi->rdlink);
	epi->on_rdlist = false;
	if (epi->on_ovflist)	/* only during a harvest, which holds ep->mtx too */
		list_del_init(&epi->ovflink);
	epi->on_ovflist = false;
	spin_unlock_irqrestore(&ep->lock, flags);
	list_del_init(&epi->hlink);
	atomic_long_add_return(&ep_watches, -1);
	kfree(epi);
}

/* ep->mtx held, the caller holds a reference to epi->file. */
static void ep_remove(struct eventpoll *ep, struct epitem *epi)
{
	ep_unhook(epi);
	unsigned long flags = spin_lock_irqsave(&ep_files_lock);
	list_del_init(&epi->flink);
	spin_unlock_irqrestore(&ep_files_lock, flags);
	ep_forget(ep, epi);
	ep_put(ep);		/* the item's; the caller has the file's */
}

void eventpoll_release(struct file *f)
{
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&ep_files_lock);
		struct epitem *epi = list_first_entry_or_null(&f->ep_links, struct epitem, flink);
		if (!epi) {
			spin_unlock_irqrestore(&ep_files_lock, flags);
			return;
		}
		list_del_init(&epi->flink);
		epi->dying = true;	/* the epoll's release leaves it to us */
		struct eventpoll *ep = epi->ep;		/* alive: epi's reference */
		spin_unlock_irqrestore(&ep_files_lock, flags);
		mutex_lock(&ep->mtx);
		ep_unhook(epi);
		ep_forget(ep, epi);
		mutex_unlock(&ep->mtx);
		ep_put(ep);
	}
}

/* ---- the interest list ---- */

static struct list_head *ep_bucket(struct eventpoll *ep, struct file *f, int fd)
{
	u64 h = ((u64)(uintptr_t)f >> 6) ^ (u64)fd * 0x9e3779b97f4a7c15ULL;

	return &ep->hash[(h >> 32) % EP_HASH];
}

static struct epitem *ep_find(struct eventpoll *ep, struct file *f, int fd)
{
	struct epitem *epi;

	list_for_each_entry(epi, ep_bucket(ep, f, fd), hlink)
		if (epi->file == f && epi->fd == fd)
			return epi;
	return NULL;
}

/* ep_nest_lock held: the longest chain of epolls below e (edges), or
 * more than EP_MAX_NESTS if it reaches `top` (a cycle) or is too deep. */
static int ep_depth_down(struct eventpoll *e, struct eventpoll *top, int d)
{
	struct epitem *epi;
	int best = 0;

	if (e == top || d > EP_MAX_NESTS)
		return EP_MAX_NESTS + 1;
	list_for_each_entry(epi, &e->children, clink) {
		int k = 1 + ep_depth_down(epi->child, top, d + 1);
		best = k > best ? k : best;
		if (best > EP_MAX_NESTS)
			break;
	}
	return best;
}

static int ep_depth_up(struct eventpoll *e, int d)
{
	struct epitem *epi;
	int best = 0;

	if (d > EP_MAX_NESTS)
		return EP_MAX_NESTS + 1;
	list_for_each_entry(epi, &e->parents, nlink) {
		int k = 1 + ep_depth_up(epi->ep, d + 1);
		best = k > best ? k : best;
		if (best > EP_MAX_NESTS)
			break;
	}
	return best;
}

/* ep watches the epoll child through epi, unless that makes a cycle or a
 * chain longer than EP_MAX_NESTS: -ELOOP. Checked and linked under one
 * lock, so two opposite adds cannot both pass. */
static int ep_link_child(struct eventpoll *ep, struct epitem *epi, struct eventpoll *child)
{
	unsigned long flags = spin_lock_irqsave(&ep_nest_lock);
	int down = ep_depth_down(child, ep, 0);
	int rc = down > EP_MAX_NESTS || down + 1 + ep_depth_up(ep, 0) > EP_MAX_NESTS ? -ELOOP : 0;

	if (!rc) {
		epi->child = child;
		list_add_tail(&epi->nlink, &child->parents);
		list_add_tail(&epi->clink, &ep->children);
	}
	spin_unlock_irqrestore(&ep_nest_lock, flags);
	return rc;
}

static int ep_insert(struct eventpoll *ep, const struct epoll_event *ev, struct file *tf, int fd)
{
	struct epitem *epi;
	int rc = 0;

	if (atomic_long_add_return(&ep_watches, 1) > ep_max_watches()) {
		atomic_long_add_return(&ep_watches, -1);
		return -ENOSPC;
	}
	epi = kzalloc(sizeof(*epi), GFP_KERNEL);
	if (!epi) {
		atomic_long_add_return(&ep_watches, -1);
		return -ENOMEM;
	}
	epi->ep = ep;
	epi->file = tf;
	epi->fd = fd;
	epi->events = ev->events;
	epi->data = ev->data;
	list_init(&epi->rdlink);
	list_init(&epi->ovflink);
	list_init(&epi->hlink);
	list_init(&epi->flink);
	list_init(&epi->nlink);
	list_init(&epi->clink);
	atomic_inc(&ep->refcount);
	list_add_tail(&epi->hlink, ep_bucket(ep, tf, fd));
	if (is_epoll(tf)) {
		rc = ep_link_child(ep, epi, tf->priv);
	} else {
		struct ep_pqueue pq = { .pt = { .qproc = ep_queue_proc }, .epi = epi };
		vfs_poll(tf, &pq.pt);
		rc = epi->nomem ? -ENOMEM : 0;
	}
	if (rc) {
		ep_unhook(epi);
		ep_forget(ep, epi);
		ep_put(ep);
		return rc;
	}
	unsigned long flags = spin_lock_irqsave(&ep_files_lock);
	list_add_tail(&epi->flink, &tf->ep_links);
	spin_unlock_irqrestore(&ep_files_lock, flags);
	if (vfs_poll(tf, NULL) & epi->events)
		ep_item_event(epi, 0);
	return 0;
}

static void ep_modify(struct eventpoll *ep, struct epitem *epi, const struct epoll_event *ev)
{
	unsigned long flags = spin_lock_irqsave(&ep->lock);

	epi->events = ev->events;	/* re-arms a fired EPOLLONESHOT */
	spin_unlock_irqrestore(&ep->lock, flags);
	epi->data = ev->data;
	if (vfs_poll(epi->file, NULL) & ev->events)
		ep_item_event(epi, 0);
}

int epoll_ctl_file(struct file *epf, int op, int fd, struct file *tf,
		   const struct epoll_event *uev)
{
	struct eventpoll *ep = epf->priv;
	struct epoll_event ev = { 0, 0 };
	int rc;

	if (uev)
		ev = *uev;
	mutex_lock(&ep->mtx);
	struct epitem *epi = ep_find(ep, tf, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		ev.events |= EPOLLERR | EPOLLHUP;
		rc = epi ? -EEXIST : ep_insert(ep, &ev, tf, fd);
		break;
	case EPOLL_CTL_DEL:
		rc = epi ? 0 : -ENOENT;
		if (epi)
			ep_remove(ep, epi);
		break;
	case EPOLL_CTL_MOD:
		rc = !epi ? -ENOENT : epi->events & EPOLLEXCLUSIVE ? -EINVAL : 0;
		ev.events |= EPOLLERR | EPOLLHUP;
		if (!rc)
			ep_modify(ep, epi, &ev);
		break;
	default:
		rc = -EINVAL;
	}
	mutex_unlock(&ep->mtx);
	return rc;
}

/* ---- waiting and harvesting ---- */

/* Unlocked: a hint, or the re-check of the sleep protocol (the waiter
 * is queued on ep->wq before it looks; a callback puts an item on the
 * list before it wakes ep->wq). */
static bool ep_has_ready(struct eventpoll *ep)
{
	return READ_ONCE(ep->rdlist.next) != &ep->rdlist;
}

/*
 * A harvest, under ep->mtx: the ready list is taken whole under ep->lock
 * (its items stay on_rdlist, so callbacks leave them where they are, but
 * note them on ovflist while `harvesting`), each item is asked for its
 * events and copied out with no lock held, and under ep->lock again the
 * level-triggered items still ready go back at the tail, the unasked ones
 * (maxevents reached) at the head, and the items that fired meanwhile
 * back on the list: two lock round trips however many items, where a
 * lock per item cost epoll_wait a third of its time under TCG.
 */
static int ep_send(struct eventpoll *ep, u64 uevents, int maxevents)
{
	struct list_head tx, again, done;
	unsigned long flags;
	struct epitem *epi, *n;
	int nev = 0;

	list_init(&tx);
	list_init(&again);
	list_init(&done);
	mutex_lock(&ep->mtx);
	flags = spin_lock_irqsave(&ep->lock);
	list_splice_init(&ep->rdlist, &tx);
	ep->harvesting = true;
	spin_unlock_irqrestore(&ep->lock, flags);
	while (nev < maxevents && !list_empty(&tx)) {
		epi = list_first_entry(&tx, struct epitem, rdlink);
		list_del_init(&epi->rdlink);
		/* events changes under ep->mtx (held) or by a oneshot's firing
		 * below: stable here */
		u32 want = READ_ONCE(epi->events);
		u32 revents = vfs_poll(epi->file, NULL) & want;
		if (!revents) {
			list_add_tail(&epi->rdlink, &done);
			continue;
		}
		struct epoll_event e = { revents, epi->data };
		if (copy_to_user((void *)(uevents + (u64)nev * sizeof(e)), &e, sizeof(e))) {
			list_add(&epi->rdlink, &tx);	/* not delivered: still ready */
			if (!nev)
				nev = -EFAULT;
			break;
		}
		nev++;
		if (want & EPOLLONESHOT) {
			flags = spin_lock_irqsave(&ep->lock);
			epi->events &= EP_PRIVATE_BITS;
			spin_unlock_irqrestore(&ep->lock, flags);
		}
		list_add_tail(&epi->rdlink, (want & (EPOLLET | EPOLLONESHOT)) ? &done : &again);
	}
	flags = spin_lock_irqsave(&ep->lock);
	ep->harvesting = false;
	list_for_each_entry_safe(epi, n, &done, rdlink) {
		list_del_init(&epi->rdlink);
		epi->on_rdlist = false;
	}
	list_splice_init(&tx, &ep->rdlist);	/* the unasked, first next time */
	list_splice_tail_init(&again, &ep->rdlist);
	list_for_each_entry_safe(epi, n, &ep->ovflist, ovflink) {
		list_del_init(&epi->ovflink);
		epi->on_ovflist = false;
		if (!epi->on_rdlist && ep_armed(epi))
			ep_rdlist_add(ep, epi);
	}
	bool ready = !list_empty(&ep->rdlist);
	spin_unlock_irqrestore(&ep->lock, flags);
	/* While the harvest held them, sleepers saw an empty list, and a
	 * callback's wakeup found nothing: whatever is ready again, or
	 * fired meanwhile, is theirs now (Linux's ep_done_scan) */
	if (ready)
		ep_wake(ep, 0);
	mutex_unlock(&ep->mtx);
	return nev;
}

long epoll_wait_file(struct file *epf, u64 uevents, int maxevents, u64 timeout_ns)
{
	struct eventpoll *ep = epf->priv;
	u64 now, deadline = 0;
	struct waiter w = { .task = NULL };

	for (;;) {
		int n = ep_has_ready(ep) ? ep_send(ep, uevents, maxevents) : 0;
		if (n || !timeout_ns)	/* a poll (timeout 0) reads no clock */
			return n;
		now = ktime_ns();
		if (!deadline)		/* from the first look */
			deadline = timeout_ns > ~0ULL - now ? ~0ULL : now + timeout_ns;
		if (now >= deadline)
			return 0;
		if (signal_pending())
			return -EINTR;	/* epoll_wait is never restarted */
		prepare_to_wait(&ep->wq, &w);
		if (!ep_has_ready(ep) && !signal_pending()) {
			if (deadline == ~0ULL)
				schedule();
			else
				schedule_timeout(deadline - now);
		}
		finish_wait(&ep->wq, &w);
	}
}

/* ---- the epoll file ---- */

/* Ready if an item may be: a spurious POLLIN costs an epoll_wait that
 * finds nothing (and clears the list); asking the items would need the
 * mutex, which a parent epoll harvesting us already holds one of. */
static unsigned int ep_file_poll(struct file *f, struct poll_table *pt)
{
	struct eventpoll *ep = f->priv;

	poll_wait(pt, &ep->poll_wq);
	return ep_has_ready(ep) ? POLLIN | POLLRDNORM : 0;
}

/* The last reference: every file this epoll watches leaves it. Items
 * whose own file is being released meanwhile (dying) are that file's
 * to remove; they keep ep alive until they are. */
static void ep_file_release(struct file *f)
{
	struct eventpoll *ep = f->priv;

	mutex_lock(&ep->mtx);
	for (int b = 0; b < EP_HASH; b++) {
		struct epitem *epi, *n;
		list_for_each_entry_safe(epi, n, &ep->hash[b], hlink) {
			unsigned long flags = spin_lock_irqsave(&ep_files_lock);
			bool dying = epi->dying;
			spin_unlock_irqrestore(&ep_files_lock, flags);
			if (dying)
				continue;
			/* its file cannot finish releasing: that needs our mutex */
			ep_unhook(epi);
			flags = spin_lock_irqsave(&ep_files_lock);
			dying = epi->dying;
			if (!dying)
				list_del_init(&epi->flink);
			spin_unlock_irqrestore(&ep_files_lock, flags);
			if (!dying) {
				ep_forget(ep, epi);
				ep_put(ep);
			}
		}
	}
	mutex_unlock(&ep->mtx);
	ep_put(ep);
}

static const struct file_ops epoll_fops = {
	.poll = ep_file_poll,
	.release = ep_file_release,
};

int epoll_file(u32 flags, struct file **out)
{
	struct eventpoll *ep = kzalloc(sizeof(*ep), GFP_KERNEL);

	(void)flags;
	if (!ep)
		return -ENOMEM;
	mutex_init(&ep->mtx, "epoll", LR_MUTEX_EPOLL);
	spin_lock_init(&ep->lock, "epoll-ready", LR_EPOLL);
	list_init(&ep->rdlist);
	list_init(&ep->ovflist);
	list_init(&ep->parents);
	list_init(&ep->children);
	for (int i = 0; i < EP_HASH; i++)
		list_init(&ep->hash[i]);
	/* woken from callbacks under a source queue's lock: ranked above it */
	wait_queue_init(&ep->wq, "epoll-wq");
	spin_lock_init(&ep->wq.lock, "epoll-wq", LR_EPOLL_WQ);
	wait_queue_init(&ep->poll_wq, "epoll-poll-wq");
	spin_lock_init(&ep->poll_wq.lock, "epoll-poll-wq", LR_EPOLL_WQ);
	atomic_set(&ep->refcount, 1);
	*out = anon_file(&epoll_fops, ep, O_RDWR);
	if (!*out) {
		kfree(ep);
		return -ENOMEM;
	}
	return 0;
}
