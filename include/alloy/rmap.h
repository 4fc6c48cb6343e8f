/*
 * Reverse maps: which address spaces map an object's pages (a file's),
 * so that truncate can take pages out of every mapping and write-back can
 * write-protect them (the next store then faults and dirties the page
 * again). One entry per address space that maps the object, counting its
 * VMAs and how many of them are shared: only a shared VMA maps the
 * object's own pages writable.
 *
 * Locks: a walk (rmap_unmap, rmap_wrprotect) holds `walk`, then each
 * address space's mm->lock in turn, so it may be called with an inode's
 * lock held but never with an mm->lock held. The list is changed under
 * the spinlock by VMA code that holds its mm->lock. An entry's mm is
 * pinned (user_mm_grab) while a walk works on it without the spinlock.
 */
#ifndef ALLOY_RMAP_H
#define ALLOY_RMAP_H

#include <alloy/list.h>
#include <alloy/mutex.h>
#include <alloy/spinlock.h>
#include <alloy/types.h>

struct page;
struct user_mm;

struct vm_rmap {
	spinlock_t lock;		/* mms, nr_shared */
	struct mutex walk;		/* one walk at a time; pass */
	struct list_head mms;		/* struct rmap_entry */
	u32 nr_shared;			/* shared VMAs over all entries */
	u32 pass;
};

void rmap_init(struct vm_rmap *r);
/* A VMA of mm starts or stops mapping the object (mm->lock held). */
int rmap_add(struct vm_rmap *r, struct user_mm *mm, bool shared);
void rmap_del(struct vm_rmap *r, struct user_mm *mm, bool shared);
/* True if no address space maps the object (for eviction checks). */
bool rmap_empty(struct vm_rmap *r);
/* Takes object pages [from, to) out of every mapping, private copies
 * included, so the next access faults (truncate: SIGBUS past the end). */
void rmap_unmap(struct vm_rmap *r, u64 from, u64 to);
/* Makes object pages index .. index+n-1 (frames pages[]) read-only in
 * every shared mapping that maps them writable (write-back: a later
 * store faults and dirties the page again). */
void rmap_wrprotect(struct vm_rmap *r, u64 index, struct page **pages, unsigned int n);

#endif
