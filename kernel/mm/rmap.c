/*
 * Reverse maps (see <alloy/rmap.h>): a short list per object of the
 * address spaces that map it. A walk visits each entry once per pass:
 * it marks the entry, pins its mm, drops the list lock and works under
 * that mm's own lock, so VMA code may keep changing the list meanwhile.
 * Entries added during a walk are visited too (their pass is stale),
 * which is harmless: they map nothing yet that the walk must remove.
 */
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/rmap.h>
#include <alloy/slab.h>
#include <alloy/user.h>

struct rmap_entry {
	struct list_head link;
	struct user_mm *mm;
	u32 vmas, shared;	/* this mm's VMAs of the object, shared ones */
	u32 pass;		/* last walk that visited it */
};

void rmap_init(struct vm_rmap *r)
{
	spin_lock_init(&r->lock, "rmap", LR_RMAP);
	mutex_init(&r->walk, "rmap-walk", LR_MUTEX_RMAP);
	list_init(&r->mms);
	r->nr_shared = 0;
	r->pass = 0;
}

static struct rmap_entry *find(struct vm_rmap *r, struct user_mm *mm)
{
	struct rmap_entry *e;

	list_for_each_entry(e, &r->mms, link)
		if (e->mm == mm)
			return e;
	return NULL;
}

/* Counts one more VMA for an entry already there; false if none is. */
static bool count_in(struct vm_rmap *r, struct user_mm *mm, bool shared)
{
	unsigned long fl = spin_lock_irqsave(&r->lock);
	struct rmap_entry *e = find(r, mm);
	if (e) {
		e->vmas++;
		e->shared += shared;
		r->nr_shared += shared;
	}
	spin_unlock_irqrestore(&r->lock, fl);
	return e != NULL;
}

int rmap_add(struct vm_rmap *r, struct user_mm *mm, bool shared)
{
	if (count_in(r, mm, shared))
		return 0;
	struct rmap_entry *n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	unsigned long fl = spin_lock_irqsave(&r->lock);
	struct rmap_entry *e = find(r, mm);	/* mm->lock is held: cannot appear */
	if (!e) {
		n->mm = mm;
		list_add_tail(&n->link, &r->mms);
		e = n;
		n = NULL;
	}
	e->vmas++;
	e->shared += shared;
	r->nr_shared += shared;
	spin_unlock_irqrestore(&r->lock, fl);
	kfree(n);
	return 0;
}

void rmap_del(struct vm_rmap *r, struct user_mm *mm, bool shared)
{
	unsigned long fl = spin_lock_irqsave(&r->lock);
	struct rmap_entry *e = find(r, mm);
	if (e) {
		e->vmas--;
		e->shared -= shared;
		r->nr_shared -= shared;
		if (!e->vmas)
			list_del(&e->link);
		else
			e = NULL;
	}
	spin_unlock_irqrestore(&r->lock, fl);
	kfree(e);
}

bool rmap_empty(struct vm_rmap *r)
{
	unsigned long fl = spin_lock_irqsave(&r->lock);
	bool empty = list_empty(&r->mms);
	spin_unlock_irqrestore(&r->lock, fl);
	return empty;
}

/* The next entry this pass has not visited, its mm pinned; NULL at the end. */
static struct user_mm *next_mm(struct vm_rmap *r, u32 pass, bool shared_only)
{
	struct user_mm *mm = NULL;
	struct rmap_entry *e;
	unsigned long fl = spin_lock_irqsave(&r->lock);

	list_for_each_entry(e, &r->mms, link) {
		if (e->pass == pass || (shared_only && !e->shared))
			continue;
		e->pass = pass;
		mm = e->mm;
		user_mm_grab(mm);
		break;
	}
	spin_unlock_irqrestore(&r->lock, fl);
	return mm;
}

static u32 new_pass(struct vm_rmap *r)
{
	if (++r->pass == 0)	/* 0 is what a new entry carries */
		r->pass = 1;
	return r->pass;
}

void rmap_unmap(struct vm_rmap *r, u64 from, u64 to)
{
	if (from >= to || rmap_empty(r))
		return;
	mutex_lock(&r->walk);
	u32 pass = new_pass(r);
	struct user_mm *mm;
	while ((mm = next_mm(r, pass, false))) {
		down_write(&mm->lock);
		vma_unmap_object(mm, r, from, to);
		up_write(&mm->lock);
		user_mm_drop(mm);
	}
	mutex_unlock(&r->walk);
}

void rmap_wrprotect(struct vm_rmap *r, u64 index, struct page **pages, unsigned int n)
{
	unsigned long fl = spin_lock_irqsave(&r->lock);
	bool any = r->nr_shared != 0;
	spin_unlock_irqrestore(&r->lock, fl);
	if (!any)
		return;		/* the common case: nothing maps it writable */
	mutex_lock(&r->walk);
	u32 pass = new_pass(r);
	struct user_mm *mm;
	while ((mm = next_mm(r, pass, true))) {
		down_write(&mm->lock);
		vma_wrprotect_object(mm, r, index, pages, n);
		up_write(&mm->lock);
		user_mm_drop(mm);
	}
	mutex_unlock(&r->walk);
}
