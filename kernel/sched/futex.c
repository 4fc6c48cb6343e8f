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
 */
#include <alloy/errno.h>
#include <alloy/futex.h>
#include <alloy/list.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/spinlock.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <alloy/wait.h>

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
	mutex_lock(&mm->lock);
	struct vma *v = vma_find(mm, uaddr);
	int rc = v ? 0 : -EFAULT;
	if (v && v->ops && v->shared && v->ops->rmap) {
		k->id = v->ops->rmap(v->obj);
		k->off = (v->pgoff + (uaddr - v->start) / PAGE_SIZE) * PAGE_SIZE + uaddr % PAGE_SIZE;
		k->ops = v->ops;
		k->obj = v->obj;
		k->ops->get(k->obj);	/* the object outlives our use of its name */
	}
	mutex_unlock(&mm->lock);
	return rc;
}

static void put_key(struct futex_key *k)
{
	if (k->ops)
		k->ops->put(k->obj);
}

static bool matches(const struct futex_waiter *w, const struct futex_key *k, u32 bitset)
{
	return w->id == k->id && w->off == k->off && (w->bitset & bitset);
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
	for (; !rc;) {
		set_current_state_blocked();
		if (__atomic_load_n(&w.woken, __ATOMIC_ACQUIRE))
			break;
		if (signal_pending()) {
			rc = deadline == FUTEX_NO_DEADLINE ? -ERESTARTSYS : -EINTR;
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
	if (leave(&w))
		rc = 0;		/* a waker counted us: the wakeup is ours */
	put_key(&k);
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
	u32 cur;
	if (cmp && copy_from_user(&cur, (const void *)uaddr, sizeof(cur)))
		rc = -EFAULT;
	else if (cmp && cur != val)
		rc = -EAGAIN;
	if (!rc) {
		u32 woken = wake_key(&k, n, FUTEX_BITSET_ANY), moved = 0;
		struct futex_bucket *from = bucket_of(k.id, k.off), *to = bucket_of(k2.id, k2.off);
		struct futex_waiter *w, *tmp;
		LIST_HEAD(transit);
		unsigned long fl = spin_lock_irqsave(&from->lock);
		list_for_each_entry_safe(w, tmp, &from->waiters, link) {
			if (moved == n2)
				break;
			if (!matches(w, &k, FUTEX_BITSET_ANY))
				continue;
			list_del(&w->link);
			__atomic_store_n(&w->bucket, NULL, __ATOMIC_RELEASE);
			w->id = k2.id;
			w->off = k2.off;
			list_add_tail(&w->link, &transit);
			moved++;
		}
		spin_unlock_irqrestore(&from->lock, fl);
		fl = spin_lock_irqsave(&to->lock);
		list_for_each_entry_safe(w, tmp, &transit, link) {
			list_del(&w->link);
			list_add_tail(&w->link, &to->waiters);
			__atomic_store_n(&w->bucket, to, __ATOMIC_RELEASE);
		}
		spin_unlock_irqrestore(&to->lock, fl);
		rc = woken + moved;
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
