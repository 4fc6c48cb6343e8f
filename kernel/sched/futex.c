/*
 * Futexes (see <alloy/futex.h>). Waiters sit in a hash of buckets, each
 * with its own spinlock (no global futex lock). The protocol against lost
 * wakeups: a waiter queues itself first, then reads the user word (which
 * may fault, so no lock is held); a waker changes the word first, then
 * takes the bucket lock to wake. Either the waker finds the waiter
 * queued, or the waiter reads the new word and does not sleep.
 *
 * A woken waiter is taken off the queue by its waker, which sets woken
 * with a reference on the task held; a waiter leaving on its own
 * (timeout, signal, word changed) takes itself off under the lock unless
 * it was woken meanwhile, and then it reports the wakeup (0), so no
 * wakeup a waker counted is lost. Requeue moves waiters bucket to bucket
 * through a private list (two bucket locks are never held at once): a
 * waiter in transit has no bucket, and one leaving waits for it to land.
 *
 * Operations that must read or change the user word in the same step as
 * the queue (CMP_REQUEUE's compare, the PI operations) do so with the
 * address space's lock and then the bucket lock held (with_word): the
 * page can be neither unmapped nor swapped for a copy meanwhile, so the
 * word is read and changed through the kernel's mapping of the page.
 *
 * PI futexes (LOCK_PI, UNLOCK_PI, TRYLOCK_PI) keep Linux's word: the
 * owner's tid, FUTEX_WAITERS when someone sleeps in the kernel for it,
 * FUTEX_OWNER_DIED when the owner died holding it. A PI waiter sleeps in
 * the bucket like any other and is woken either with the lock handed to
 * it (the unlocker rewrote the word to its tid) or to try again (its
 * owner died). There is no priority boosting.
 */
#include <alloy/errno.h>
#include <alloy/futex.h>
#include <alloy/list.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <alloy/wait.h>
#include <uapi/futex.h>

struct futex_key {
	const void *id;		/* the address space, or the object's rmap */
	u64 off;		/* the address, or the offset in the object */
	const struct vm_object_ops *ops;	/* shared: a reference on obj */
	void *obj;
};

struct futex_bucket {
	spinlock_t lock;
	struct list_head waiters;
};

struct futex_waiter {
	struct list_head link;			/* [bucket lock] */
	struct futex_bucket *bucket;		/* NULL while requeued */
	const void *id;
	u64 off;
	u32 bitset;
	struct task *task;
	bool woken;				/* set by a waker, then never reset */
	bool pi;				/* a LOCK_PI waiter */
	bool handoff;				/* pi: woken owning the lock */
	u32 tid;				/* pi: the waiter's tid */
	u32 owner;				/* pi [bucket lock]: tid it waits on */
};

#define FUTEX_BUCKETS 256
static struct futex_bucket buckets[FUTEX_BUCKETS];
static bool buckets_ready;
static spinlock_t init_lock = SPINLOCK_INIT("futex-init", LR_FUTEX);

static struct futex_bucket *bucket_of(const void *id, u64 off)
{
	if (!__atomic_load_n(&buckets_ready, __ATOMIC_ACQUIRE)) {
		unsigned long fl = spin_lock_irqsave(&init_lock);
		if (!buckets_ready) {
			for (int i = 0; i < FUTEX_BUCKETS; i++) {
				spin_lock_init(&buckets[i].lock, "futex", LR_FUTEX);
				list_init(&buckets[i].waiters);
			}
			__atomic_store_n(&buckets_ready, true, __ATOMIC_RELEASE);
		}
		spin_unlock_irqrestore(&init_lock, fl);
	}
	u64 h = ((u64)(uintptr_t)id ^ (off * 0x9e3779b97f4a7c15ULL)) * 0xff51afd7ed558ccdULL;
	return &buckets[h >> (64 - 8)];
}

/* The futex's name. A shared one in a shared mapping of an object is
 * named by the object; anything else by this address space. */
static int get_key(u64 uaddr, bool shared, struct futex_key *k)
{
	struct user_mm *mm = current_task()->mm;

	if (uaddr % 4)
		return -EINVAL;
	if (!mm || uaddr >= USER_TOP - 4)
		return -EFAULT;
	*k = (struct futex_key){ .id = mm, .off = uaddr };
	if (!shared)
		return 0;
	down_read(&mm->lock);
	struct vma *v = vma_find(mm, uaddr);
	int rc = v ? 0 : -EFAULT;
	if (v && v->ops && v->shared && v->ops->rmap) {
		k->id = v->ops->rmap(v->obj);
		k->off = (v->pgoff + (uaddr - v->start) / PAGE_SIZE) * PAGE_SIZE + uaddr % PAGE_SIZE;
		k->ops = v->ops;
		k->obj = v->obj;
		k->ops->get(k->obj);	/* the object outlives our use of its name */
	}
	up_read(&mm->lock);
	return rc;
}

static void put_key(struct futex_key *k)
{
	if (k->ops)
		k->ops->put(k->obj);
}

/* A plain waiter of k: PI waiters are woken by the PI operations only. */
static bool matches(const struct futex_waiter *w, const struct futex_key *k, u32 bitset)
{
	return w->id == k->id && w->off == k->off && (w->bitset & bitset) && !w->pi;
}

static bool pi_matches(const struct futex_waiter *w, const struct futex_key *k)
{
	return w->id == k->id && w->off == k->off && w->pi;
}

/*
 * Runs fn on the u32 at uaddr with the address space's lock and then
 * bucket b's lock held (see the top of the file); faults the page in
 * (writable if write) first. fn's result, or -EFAULT.
 */
static int with_word(u64 uaddr, bool write, struct futex_bucket *b,
		     int (*fn)(u32 *word, void *ctx), void *ctx)
{
	struct user_mm *mm = current_task()->mm;
	u64 page = ALIGN_DOWN(uaddr, PAGE_SIZE);
	unsigned int prot;

	for (int tries = 0; tries < 4; tries++) {
		down_read(&mm->lock);	/* no unmap meanwhile, */
		mutex_lock(&mm->pt_lock);	/* nor a copy-on-write swap */
		phys_addr_t pa = uvm_lookup(&mm->vm, page, &prot);
		if (pa && (prot & UVM_READ) && (!write || (prot & UVM_WRITE))) {
			u32 *p = (u32 *)((u8 *)phys_to_virt(pa) + uaddr % PAGE_SIZE);
			unsigned long fl = spin_lock_irqsave(&b->lock);
			int rc = fn(p, ctx);
			spin_unlock_irqrestore(&b->lock, fl);
			mutex_unlock(&mm->pt_lock);
			up_read(&mm->lock);
			return rc;
		}
		mutex_unlock(&mm->pt_lock);
		up_read(&mm->lock);
		if (user_page_fault(mm, uaddr, write, false))
			return -EFAULT;
	}
	return -EFAULT;
}

/* Caller holds w's bucket lock. The task is woken after the lock drops:
 * it is handed back in *t (with a reference). */
static void take_woken(struct futex_waiter *w, struct task **t)
{
	list_del_init(&w->link);
	*t = w->task;
	task_get(*t);
	__atomic_store_n(&w->woken, true, __ATOMIC_RELEASE);
}

static void wake_tasks(struct task **t, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		wake_up_task(t[i]);
		task_put(t[i]);
	}
}

/* Takes w off its bucket unless a waker did; true if it was woken. */
static bool leave(struct futex_waiter *w)
{
	for (;;) {
		if (__atomic_load_n(&w->woken, __ATOMIC_ACQUIRE))
			return true;
		struct futex_bucket *b = __atomic_load_n(&w->bucket, __ATOMIC_ACQUIRE);
		if (!b) {		/* being requeued: it lands in a moment */
			sched_yield();
			continue;
		}
		unsigned long fl = spin_lock_irqsave(&b->lock);
		bool here = w->bucket == b;
		if (here && !w->woken)
			list_del_init(&w->link);
		bool woken = w->woken;
		spin_unlock_irqrestore(&b->lock, fl);
		if (here)
			return woken;
	}
}

/* Sleeps until a waker takes one of w[0..n) (0), a signal comes
 * (on_signal) or the deadline passes (-ETIMEDOUT); returns running. */
static long sleep_for_wake(struct futex_waiter *w, u32 n, u64 deadline, long on_signal)
{
	long rc = 0;

	for (;;) {
		set_current_state_blocked();
		bool woken = false;
		for (u32 i = 0; i < n && !woken; i++)
			woken = __atomic_load_n(&w[i].woken, __ATOMIC_ACQUIRE);
		if (woken)
			break;
		if (signal_pending()) {
			rc = on_signal;
			break;
		}
		u64 now = ktime_ns();
		if (deadline != FUTEX_NO_DEADLINE && now >= deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		if (deadline == FUTEX_NO_DEADLINE)
			schedule();
		else
			schedule_timeout(deadline - now);
	}
	set_current_state_running();
	return rc;
}

long futex_wait(u64 uaddr, bool shared, u32 val, u64 deadline, u32 bitset)
{
	struct futex_key k;
	long rc = bitset ? get_key(uaddr, shared, &k) : -EINVAL;

	if (rc)
		return rc;
	struct futex_bucket *b = bucket_of(k.id, k.off);
	struct futex_waiter w = { .bucket = b, .id = k.id, .off = k.off, .bitset = bitset,
				  .task = current_task() };
	unsigned long fl = spin_lock_irqsave(&b->lock);
	list_add_tail(&w.link, &b->waiters);
	spin_unlock_irqrestore(&b->lock, fl);

	u32 cur;
	if (copy_from_user(&cur, (const void *)uaddr, sizeof(cur)))
		rc = -EFAULT;
	else if (cur != val)
		rc = -EAGAIN;
	if (!rc)
		rc = sleep_for_wake(&w, 1, deadline,
				    deadline == FUTEX_NO_DEADLINE ? -ERESTARTSYS : -EINTR);
	if (leave(&w))
		rc = 0;		/* a waker counted us: the wakeup is ours */
	put_key(&k);
	return rc;
}

/*
 * futex_waitv: one waiter per futex, all for this task, queued before any
 * word is read (the same protocol as futex_wait); the index of a futex
 * whose wakeup was taken (the highest, as Linux), or the error.
 */
long futex_wait_multiple(const struct futex_wait_one *v, u32 n, u64 deadline)
{
	struct futex_key *k = kzalloc(sizeof(*k) * n, GFP_KERNEL);
	struct futex_waiter *w = kzalloc(sizeof(*w) * n, GFP_KERNEL);
	u32 keyed = 0, queued = 0;
	long rc = k && w ? 0 : -ENOMEM;

	for (; !rc && keyed < n; keyed++)
		if ((rc = get_key(v[keyed].uaddr, v[keyed].shared, &k[keyed])))
			break;
	for (; !rc && queued < n; queued++) {
		struct futex_bucket *b = bucket_of(k[queued].id, k[queued].off);
		w[queued] = (struct futex_waiter){ .bucket = b, .id = k[queued].id,
						   .off = k[queued].off,
						   .bitset = FUTEX_BITSET_ANY,
						   .task = current_task() };
		unsigned long fl = spin_lock_irqsave(&b->lock);
		list_add_tail(&w[queued].link, &b->waiters);
		spin_unlock_irqrestore(&b->lock, fl);
	}
	for (u32 i = 0; !rc && i < n; i++) {
		u32 cur;
		if (copy_from_user(&cur, (const void *)v[i].uaddr, sizeof(cur)))
			rc = -EFAULT;
		else if (cur != v[i].val)
			rc = -EAGAIN;
	}
	if (!rc)
		rc = sleep_for_wake(w, n, deadline, -ERESTARTSYS);
	for (u32 i = 0; i < queued; i++)
		if (leave(&w[i]))
			rc = i;		/* a waker counted us: the wakeup is ours */
	while (keyed--)
		put_key(&k[keyed]);
	kfree(w);
	kfree(k);
	return rc;
}

/* Wakes up to n waiters of k; returns how many. */
static u32 wake_key(const struct futex_key *k, u32 n, u32 bitset)
{
	struct futex_bucket *b = bucket_of(k->id, k->off);
	struct futex_waiter *w, *tmp;
	struct task *t[16];
	u32 woken = 0;

	while (woken < n) {
		u32 batch = 0;
		unsigned long fl = spin_lock_irqsave(&b->lock);
		list_for_each_entry_safe(w, tmp, &b->waiters, link) {
			if (woken + batch >= n || batch == ARRAY_SIZE(t))
				break;
			if (matches(w, k, bitset))
				take_woken(w, &t[batch++]);
		}
		spin_unlock_irqrestore(&b->lock, fl);
		wake_tasks(t, batch);
		woken += batch;
		if (batch < ARRAY_SIZE(t))
			break;		/* nobody left to wake */
	}
	return woken;
}

long futex_wake(u64 uaddr, bool shared, u32 n, u32 bitset)
{
	struct futex_key k;
	long rc = bitset ? get_key(uaddr, shared, &k) : -EINVAL;

	if (rc)
		return rc;
	rc = wake_key(&k, n, bitset);
	put_key(&k);
	return rc;
}

/* Wakes the waiters on list, taken out of their bucket in transit. */
static void wake_transit(struct list_head *list)
{
	struct futex_waiter *w, *tmp;

	list_for_each_entry_safe(w, tmp, list, link) {
		struct task *t = w->task;
		list_del_init(&w->link);
		task_get(t);
		/* w is the waiter's and may be gone once woken is seen */
		__atomic_store_n(&w->woken, true, __ATOMIC_RELEASE);
		wake_up_task(t);
		task_put(t);
	}
}

struct requeue {
	const struct futex_key *k, *k2;
	struct futex_bucket *from;
	u32 n, n2, val;
	bool cmp;
	struct list_head wake, move;
	u32 woken, moved;
};

/* With from's lock held (and the word's page, for cmp): the compare and
 * the choice of who is woken and who moves are one step, as Linux's. */
static int requeue_locked(u32 *word, void *ctx)
{
	struct requeue *r = ctx;
	struct futex_waiter *w, *tmp;

	if (r->cmp && __atomic_load_n(word, __ATOMIC_SEQ_CST) != r->val)
		return -EAGAIN;
	list_for_each_entry_safe(w, tmp, &r->from->waiters, link) {
		if (r->woken == r->n && r->moved == r->n2)
			break;
		if (!matches(w, r->k, FUTEX_BITSET_ANY))
			continue;
		list_del(&w->link);
		__atomic_store_n(&w->bucket, NULL, __ATOMIC_RELEASE);
		if (r->woken < r->n) {
			list_add_tail(&w->link, &r->wake);
			r->woken++;
		} else {
			w->id = r->k2->id;
			w->off = r->k2->off;
			list_add_tail(&w->link, &r->move);
			r->moved++;
		}
	}
	return 0;
}

long futex_requeue(u64 uaddr, u64 uaddr2, bool shared, u32 n, u32 n2, bool cmp, u32 val)
{
	struct futex_key k, k2;
	long rc = get_key(uaddr, shared, &k);

	if (rc)
		return rc;
	if ((rc = get_key(uaddr2, shared, &k2))) {
		put_key(&k);
		return rc;
	}
	struct requeue r = { .k = &k, .k2 = &k2, .from = bucket_of(k.id, k.off), .n = n,
			     .n2 = n2, .val = val, .cmp = cmp };
	list_init(&r.wake);
	list_init(&r.move);
	if (cmp) {
		rc = with_word(uaddr, false, r.from, requeue_locked, &r);
	} else {
		unsigned long fl = spin_lock_irqsave(&r.from->lock);
		rc = requeue_locked(NULL, &r);
		spin_unlock_irqrestore(&r.from->lock, fl);
	}
	if (!rc) {
		struct futex_bucket *to = bucket_of(k2.id, k2.off);
		struct futex_waiter *w, *tmp;
		wake_transit(&r.wake);
		unsigned long fl = spin_lock_irqsave(&to->lock);
		list_for_each_entry_safe(w, tmp, &r.move, link) {
			list_del(&w->link);
			list_add_tail(&w->link, &to->waiters);
			__atomic_store_n(&w->bucket, to, __ATOMIC_RELEASE);
		}
		spin_unlock_irqrestore(&to->lock, fl);
		rc = r.woken + r.moved;
	}
	put_key(&k2);
	put_key(&k);
	return rc;
}

/* FUTEX_WAKE_OP's operation on the old value: returns the new one. */
static u32 apply_op(u32 op, u32 old)
{
	u32 arg = (op >> 12) & 0xfff;

	if (op & (8u << 28))		/* FUTEX_OP_OPARG_SHIFT */
		arg = arg < 32 ? 1u << arg : 0;
	switch ((op >> 28) & 7) {
	case 0: return arg;		/* SET */
	case 1: return old + arg;	/* ADD */
	case 2: return old | arg;	/* OR */
	case 3: return old & ~arg;	/* ANDN */
	default: return old ^ arg;	/* XOR */
	}
}

static bool op_compare(u32 op, u32 old)
{
	s32 a = (s32)old, b = (s32)((op & 0xfff) << 20) >> 20;	/* sign-extended */

	switch ((op >> 24) & 15) {
	case 0: return a == b;
	case 1: return a != b;
	case 2: return a < b;
	case 3: return a <= b;
	case 4: return a > b;
	default: return a >= b;
	}
}

long futex_wake_op(u64 uaddr, u64 uaddr2, bool shared, u32 n, u32 n2, u32 op)
{
	struct futex_key k, k2;
	u32 cmp = (op >> 24) & 15, kind = (op >> 28) & 7;

	if (cmp > 5 || kind > 4)
		return -ENOSYS;		/* as Linux for an unknown op */
	long rc = get_key(uaddr, shared, &k);
	if (rc)
		return rc;
	if ((rc = get_key(uaddr2, shared, &k2))) {
		put_key(&k);
		return rc;
	}
	u32 old;
	rc = user_atomic_update(current_task()->mm, uaddr2, apply_op, op, &old);
	if (!rc) {
		rc = wake_key(&k, n, FUTEX_BITSET_ANY);
		if (op_compare(op, old))
			rc += wake_key(&k2, n2, FUTEX_BITSET_ANY);
	}
	put_key(&k2);
	put_key(&k);
	return rc;
}

/*
 * PI futexes. The word holds the owner's tid (task->vtid, its namespace's): an owner
 * is alive while that thread is listed and has not begun to exit
 * (futex_exit_robust marks its task's robust_list ROBUST_EXITING first).
 */
#define ROBUST_EXITING (~0ULL)

static u32 my_tid(void)
{
	return (u32)current_task()->vtid;	/* as its PID namespace numbers it */
}

static bool tid_alive(u32 tid)
{
	struct process *p;
	struct task *t = tid > 0 && tid < PID_MAX ? proc_find_thread((int)tid, &p) : NULL;
	bool alive = false;

	if (t) {
		alive = __atomic_load_n(&t->robust_list, __ATOMIC_SEQ_CST) != ROBUST_EXITING;
		proc_put(p);
		task_put(t);
	}
	return alive;
}

struct pi_op {
	const struct futex_key *k;
	struct futex_bucket *b;
	struct futex_waiter *w;	/* lock: queued if it must wait */
	u32 tid, dead;		/* the caller; an owner known to be dead */
	bool trylock;
	u32 owner;		/* lock: who holds it when queued */
	struct task *woken;	/* unlock: the new owner, a reference */
};

/* PI waiters anywhere, so that an exit with none to wake skips the sweep
 * of every bucket: a locker counts itself before it checks its owner is
 * alive, an exit marks itself dead before it reads the count. */
static long pi_waiting;

static bool pi_others(const struct pi_op *o)
{
	struct futex_waiter *w;

	list_for_each_entry(w, &o->b->waiters, link)
		if (pi_matches(w, o->k))
			return true;
	return false;
}

/*
 * LOCK_PI's and TRYLOCK_PI's step, both locks held: 0 if the caller now
 * owns the word, 1 if it was queued to wait for o->owner, or an errno.
 * A free word (tid 0) is taken keeping OWNER_DIED; one whose owner is
 * known to be dead is taken with OWNER_DIED set.
 */
static int lock_locked(u32 *word, void *ctx)
{
	struct pi_op *o = ctx;
	u32 cur = __atomic_load_n(word, __ATOMIC_SEQ_CST), nv;
	u32 waiters = pi_others(o) ? FUTEX_WAITERS : 0;
	bool got;

	do {
		u32 owner = cur & FUTEX_TID_MASK;
		got = owner == 0 || owner == o->dead;
		if (owner == o->tid)
			return -EDEADLK;
		if (owner == 0)
			nv = o->tid | (cur & FUTEX_OWNER_DIED) | waiters;
		else if (owner == o->dead)
			nv = o->tid | FUTEX_OWNER_DIED | waiters;
		else if (o->trylock) {
			o->owner = owner;
			return -EAGAIN;
		}
		else
			nv = cur | FUTEX_WAITERS;
	} while (!__atomic_compare_exchange_n(word, &cur, nv, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	if (got)
		return 0;
	o->owner = cur & FUTEX_TID_MASK;
	o->w->owner = o->owner;
	o->w->woken = false;
	o->w->handoff = false;
	o->w->bucket = o->b;
	list_add_tail(&o->w->link, &o->b->waiters);
	__atomic_add_fetch(&pi_waiting, 1, __ATOMIC_SEQ_CST);
	return 1;
}

/* Wakes one PI waiter of k to try again (a wakeup it may not keep). */
static void pi_wake_retry(const struct futex_key *k)
{
	struct futex_bucket *b = bucket_of(k->id, k->off);
	struct futex_waiter *w;
	struct task *t = NULL;
	unsigned long fl = spin_lock_irqsave(&b->lock);

	list_for_each_entry(w, &b->waiters, link)
		if (pi_matches(w, k)) {
			take_woken(w, &t);
			break;
		}
	spin_unlock_irqrestore(&b->lock, fl);
	if (t)
		wake_tasks(&t, 1);
}

long futex_lock_pi(u64 uaddr, bool shared, u64 deadline, bool trylock)
{
	struct futex_key k;
	long rc = get_key(uaddr, shared, &k);

	if (rc)
		return rc;
	struct futex_waiter w = { .id = k.id, .off = k.off, .bitset = FUTEX_BITSET_ANY,
				  .task = current_task(), .pi = true, .tid = my_tid() };
	struct pi_op o = { .k = &k, .b = bucket_of(k.id, k.off), .w = &w, .tid = w.tid,
			   .trylock = trylock };
	for (;;) {
		rc = with_word(uaddr, true, o.b, lock_locked, &o);
		if (rc == -EAGAIN && o.owner != o.dead && !tid_alive(o.owner)) {
			o.dead = o.owner;	/* trylock: a gone owner's word is free */
			continue;
		}
		if (rc != 1)
			break;
		/* queued behind o.owner: if it is gone, take the word over */
		bool dead = !tid_alive(o.owner);
		/* Linux restarts LOCK_PI after any handler */
		rc = dead ? 0 : sleep_for_wake(&w, 1, deadline, -ERESTARTNOINTR);
		bool woken = leave(&w);
		__atomic_sub_fetch(&pi_waiting, 1, __ATOMIC_SEQ_CST);
		if (woken && __atomic_load_n(&w.handoff, __ATOMIC_ACQUIRE)) {
			rc = 0;		/* the unlocker made us the owner */
			break;
		}
		if (rc) {
			if (woken)	/* a retry meant for some waiter: pass it on */
				pi_wake_retry(&k);
			break;
		}
		if (dead)
			o.dead = o.owner;
	}
	put_key(&k);
	return rc;
}

/* UNLOCK_PI's step: the word goes to the first PI waiter (its tid and
 * FUTEX_WAITERS, as Linux) or to 0 if there is none. */
static int unlock_locked(u32 *word, void *ctx)
{
	struct pi_op *o = ctx;
	struct futex_waiter *w, *next = NULL;
	u32 cur = __atomic_load_n(word, __ATOMIC_SEQ_CST);

	list_for_each_entry(w, &o->b->waiters, link)
		if (pi_matches(w, o->k)) {
			next = w;
			break;
		}
	do {
		if ((cur & FUTEX_TID_MASK) != o->tid)
			return -EPERM;
	} while (!__atomic_compare_exchange_n(word, &cur, next ? next->tid | FUTEX_WAITERS : 0,
					      false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	if (next) {
		next->handoff = true;	/* published by take_woken's release */
		take_woken(next, &o->woken);
	}
	return 0;
}

long futex_unlock_pi(u64 uaddr, bool shared)
{
	struct futex_key k;
	long rc = get_key(uaddr, shared, &k);

	if (rc)
		return rc;
	struct pi_op o = { .k = &k, .b = bucket_of(k.id, k.off), .tid = my_tid() };
	rc = with_word(uaddr, true, o.b, unlock_locked, &o);
	if (o.woken)
		wake_tasks(&o.woken, 1);
	put_key(&k);
	return rc;
}

/*
 * Robust lists (Linux's struct robust_list_head: the list, the offset of
 * the futex word from each entry, the entry being locked or unlocked).
 * Each entry's pointer has bit 0 set for a PI futex.
 */
#define ROBUST_LIST_LIMIT 2048

static u32 owner_died(u32 tid, u32 old)
{
	return (old & FUTEX_TID_MASK) == tid ? (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED : old;
}

/* Linux's handle_futex_death: false to stop the walk. */
static bool robust_death(u64 entry, s64 offset, bool pi, bool pending, u32 tid)
{
	u64 uaddr = entry + (u64)offset;
	u32 old;

	if ((offset >= 0 ? uaddr < entry : uaddr > entry) || uaddr % 4 || uaddr >= USER_TOP - 4)
		return false;
	if (copy_from_user(&old, (const void *)uaddr, sizeof(old)))
		return false;
	/* killed between a plain unlock and its wake: pass the wake on */
	if (pending && !pi && !old) {
		futex_wake(uaddr, true, 1, FUTEX_BITSET_ANY);
		return true;
	}
	if ((old & FUTEX_TID_MASK) != tid)
		return true;
	if (user_atomic_update(current_task()->mm, uaddr, owner_died, tid, &old))
		return false;
	/* PI waiters are woken by futex_exit_robust's sweep */
	if (!pi && (old & FUTEX_TID_MASK) == tid && (old & FUTEX_WAITERS))
		futex_wake(uaddr, true, 1, FUTEX_BITSET_ANY);
	return true;
}

static bool read_entry(u64 uaddr, u64 *entry, bool *pi)
{
	u64 v;

	if (copy_from_user(&v, (const void *)uaddr, sizeof(v)))
		return false;
	*pi = v & 1;
	*entry = v & ~1ULL;
	return true;
}

static void walk_robust(u64 head, u32 tid)
{
	u64 entry, pending, next;
	s64 offset;
	bool pi, pending_pi, next_pi;

	if (head >= USER_TOP - 24 || !read_entry(head, &entry, &pi) ||
	    copy_from_user(&offset, (const void *)(head + 8), sizeof(offset)) ||
	    !read_entry(head + 16, &pending, &pending_pi))
		return;
	for (int n = 0; entry != head && n < ROBUST_LIST_LIMIT; n++) {
		bool ok = read_entry(entry, &next, &next_pi);	/* before the word changes */
		if (entry != pending && !robust_death(entry, offset, pi, false, tid))
			return;
		if (!ok)
			return;
		entry = next;
		pi = next_pi;
	}
	if (pending)
		robust_death(pending, offset, pending_pi, true, tid);
}

/* Wakes every PI waiter queued behind tid to try again. */
static void pi_owner_gone(u32 tid)
{
	bucket_of(NULL, 0);	/* the buckets exist */
	for (int i = 0; i < FUTEX_BUCKETS; i++) {
		struct futex_bucket *b = &buckets[i];
		struct futex_waiter *w, *tmp;
		struct task *t[16];
		u32 n;
		do {
			n = 0;
			unsigned long fl = spin_lock_irqsave(&b->lock);
			list_for_each_entry_safe(w, tmp, &b->waiters, link) {
				if (n == ARRAY_SIZE(t))
					break;
				if (w->pi && w->owner == tid)
					take_woken(w, &t[n++]);
			}
			spin_unlock_irqrestore(&b->lock, fl);
			wake_tasks(t, n);
		} while (n == ARRAY_SIZE(t));
	}
}

void futex_exit_robust(struct task *t)
{
	u64 head = __atomic_exchange_n(&t->robust_list, ROBUST_EXITING, __ATOMIC_SEQ_CST);
	u32 tid = my_tid();

	if (t != current_task() || !t->mm)
		return;
	if (head && head != ROBUST_EXITING)
		walk_robust(head, tid);
	if (__atomic_load_n(&pi_waiting, __ATOMIC_SEQ_CST))
		pi_owner_gone(tid);
}

void futex_exec_robust(struct task *t)
{
	futex_exit_robust(t);
	__atomic_store_n(&t->robust_list, 0, __ATOMIC_SEQ_CST);
}

void futex_set_robust(u64 head)
{
	/* ~0 would read as exiting: no list can start there anyway */
	__atomic_store_n(&current_task()->robust_list, head == ROBUST_EXITING ? 0 : head,
			 __ATOMIC_SEQ_CST);
}

u64 futex_robust_head(struct task *t)
{
	u64 head = __atomic_load_n(&t->robust_list, __ATOMIC_SEQ_CST);

	return head == ROBUST_EXITING ? 0 : head;
}
