/*
 * A process's VMAs: a sorted array searched by bisection, so the page
 * fault path is O(log n); insertion and removal move the tail (O(n)),
 * which mmap/munmap can afford. At most VMA_MAX ranges per process.
 * Callers hold mm->lock.
 */
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/user.h>

#define VMA_MAX 4096

/* Index of the first VMA whose end is above addr (nr_vmas if none). */
static int first_ending_above(struct user_mm *mm, u64 addr)
{
	int lo = 0, hi = mm->nr_vmas;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (mm->vmas[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct vma *vma_find(struct user_mm *mm, u64 addr)
{
	int i = first_ending_above(mm, addr);

	return i < mm->nr_vmas && mm->vmas[i].start <= addr ? &mm->vmas[i] : NULL;
}

bool vma_range_free(struct user_mm *mm, u64 start, u64 end)
{
	int i = first_ending_above(mm, start);

	return i == mm->nr_vmas || mm->vmas[i].start >= end;
}

static int insert_at(struct user_mm *mm, int i, struct vma v)
{
	if (mm->nr_vmas == mm->cap) {
		if (mm->cap >= VMA_MAX)
			return -ENOMEM;
		int cap = mm->cap ? mm->cap * 2 : 16;
		struct vma *n = kmalloc(cap * sizeof(*n), GFP_KERNEL);
		if (!n)
			return -ENOMEM;
		if (mm->nr_vmas)
			memcpy(n, mm->vmas, mm->nr_vmas * sizeof(*n));
		kfree(mm->vmas);
		mm->vmas = n;
		mm->cap = cap;
	}
	memmove(&mm->vmas[i + 1], &mm->vmas[i], (mm->nr_vmas - i) * sizeof(v));
	mm->vmas[i] = v;
	mm->nr_vmas++;
	return 0;
}

static void remove_at(struct user_mm *mm, int i)
{
	if (mm->vmas[i].ops)
		mm->vmas[i].ops->put(mm->vmas[i].obj);
	memmove(&mm->vmas[i], &mm->vmas[i + 1], (mm->nr_vmas - i - 1) * sizeof(mm->vmas[0]));
	mm->nr_vmas--;
}

int vma_add(struct user_mm *mm, u64 start, u64 end, u32 prot, u32 kind)
{
	if (start >= end || !vma_range_free(mm, start, end))
		return -EINVAL;
	return insert_at(mm, first_ending_above(mm, start),
			 (struct vma){ .start = start, .end = end, .prot = prot, .kind = kind });
}

/* Pages of a shared file mapping that are writable may have been
 * written: tell the object before they are unmapped. */
static void dirty_shared(struct user_mm *mm, const struct vma *v, u64 start, u64 end)
{
	unsigned int prot;

	if (!v->ops || !v->shared)
		return;
	for (u64 va = start; va < end; va += PAGE_SIZE) {
		phys_addr_t pa = uvm_lookup(&mm->vm, va, &prot);
		if (pa && (prot & UVM_WRITE))
			v->ops->dirty(v->obj, pfn_to_page(pa >> PAGE_SHIFT));
	}
}

static void free_pages_in(struct user_mm *mm, u64 start, u64 end)
{
	for (u64 va = start; va < end; va += PAGE_SIZE) {
		phys_addr_t pa = uvm_unmap(&mm->vm, va);
		if (pa)
			page_put(pfn_to_page(pa >> PAGE_SHIFT));
	}
}

int vma_add_object(struct user_mm *mm, u64 start, u64 end, u32 prot,
		   const struct vm_object_ops *ops, void *obj, u64 pgoff, bool shared)
{
	if (start >= end || !vma_range_free(mm, start, end))
		return -EINVAL;
	int rc = insert_at(mm, first_ending_above(mm, start),
			   (struct vma){ .start = start, .end = end, .prot = prot,
					 .kind = VMA_FILE, .ops = ops, .obj = obj,
					 .pgoff = pgoff, .shared = shared });
	if (!rc)
		ops->get(obj);
	return rc;
}

int vma_sync(struct user_mm *mm, u64 start, u64 end, bool sync)
{
	int rc = 0;

	for (int i = first_ending_above(mm, start); start < end; i++) {
		if (i == mm->nr_vmas || mm->vmas[i].start > start)
			return -ENOMEM;
		struct vma *v = &mm->vmas[i];
		u64 e = MIN(end, v->end);
		dirty_shared(mm, v, start, e);
		if (sync && v->ops && v->shared && !rc)
			rc = v->ops->sync(v->obj);
		start = e;
	}
	return rc;
}

/* Splits the VMA containing addr (if any) so that a VMA starts at addr. */
static int split_at(struct user_mm *mm, u64 addr)
{
	int i = first_ending_above(mm, addr);

	if (i == mm->nr_vmas || mm->vmas[i].start >= addr)
		return 0;
	struct vma tail = mm->vmas[i];
	if (tail.ops)
		tail.pgoff += (addr - tail.start) / PAGE_SIZE;
	tail.start = addr;
	int rc = insert_at(mm, i + 1, tail);
	if (!rc) {
		mm->vmas[i].end = addr;
		if (tail.ops)
			tail.ops->get(tail.obj);	/* both halves hold one */
	}
	return rc;
}

int vma_unmap(struct user_mm *mm, u64 start, u64 end)
{
	int rc = split_at(mm, start);

	if (!rc)
		rc = split_at(mm, end);
	if (rc)
		return rc;
	int i = first_ending_above(mm, start);
	while (i < mm->nr_vmas && mm->vmas[i].start < end) {
		dirty_shared(mm, &mm->vmas[i], mm->vmas[i].start, mm->vmas[i].end);
		free_pages_in(mm, mm->vmas[i].start, mm->vmas[i].end);
		remove_at(mm, i);
	}
	return 0;
}

int vma_protect(struct user_mm *mm, u64 start, u64 end, u32 prot)
{
	u64 at = start;

	for (int i = first_ending_above(mm, start); at < end; i++, at = mm->vmas[i - 1].end)
		if (i == mm->nr_vmas || mm->vmas[i].start > at)
			return -ENOMEM;		/* a hole: Linux says ENOMEM */
	int rc = split_at(mm, start);
	if (!rc)
		rc = split_at(mm, end);
	if (rc)
		return rc;
	for (int i = first_ending_above(mm, start);
	     i < mm->nr_vmas && mm->vmas[i].start < end; i++) {
		mm->vmas[i].prot = prot;
		for (u64 va = mm->vmas[i].start; va < mm->vmas[i].end; va += PAGE_SIZE)
			uvm_protect(&mm->vm, va, prot);	/* -ENOENT: not yet faulted */
	}
	return 0;
}

u64 vma_find_free(struct user_mm *mm, u64 len)
{
	u64 top = USER_MMAP_TOP;

	for (int i = first_ending_above(mm, top) - 1; ; i--) {
		u64 floor = i >= 0 ? mm->vmas[i].end : USER_MMAP_BOTTOM;
		if (floor < top && top - floor >= len)
			return top - len;
		if (i < 0)
			return 0;
		top = MIN(top, mm->vmas[i].start);
	}
}

/* True if VMAs cover [start, end) without a hole. */
static bool covered(struct user_mm *mm, u64 start, u64 end)
{
	for (int i = first_ending_above(mm, start); start < end; i++) {
		if (i == mm->nr_vmas || mm->vmas[i].start > start)
			return false;
		start = mm->vmas[i].end;
	}
	return true;
}

int vma_zap(struct user_mm *mm, u64 start, u64 end)
{
	if (!covered(mm, start, end))
		return -ENOMEM;
	vma_sync(mm, start, end, false);
	free_pages_in(mm, start, end);
	return 0;
}

int vma_move_pages(struct user_mm *mm, u64 from, u64 to, u64 len, u32 prot)
{
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		unsigned int old_prot;
		phys_addr_t pa = uvm_lookup(&mm->vm, from + off, &old_prot);
		if (!pa)
			continue;
		/* a page shared copy-on-write stays read-only */
		u32 p = page_count(pfn_to_page(pa >> PAGE_SHIFT)) > 1 ? prot & ~UVM_WRITE : prot;
		int rc = uvm_map(&mm->vm, to + off, pa, p);
		if (rc)
			return rc;	/* the rest stays where it was */
		uvm_unmap(&mm->vm, from + off);
	}
	return 0;
}
