/*
 * A process's VMAs: a sorted array searched by bisection, so the page
 * fault path is O(log n); insertion and removal move the tail (O(n)),
 * which mmap/munmap can afford. At most VMA_MAX ranges per process.
 * Callers hold mm->lock.
 */
#include <alloy/errno.h>
#include <alloy/hugetlb.h>
#include <alloy/mm.h>
#include <alloy/rmap.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>
#include <alloy/user.h>

#define VMA_MAX 4096
/* vm/max_map_count: the ranges a process may have. Any value Linux takes
 * is kept (programs and tests set 65530, Linux's default), but a process
 * never has more than VMA_MAX: the lower of the two is the limit. */
static long max_map_count = VMA_MAX;
SYSCTL_INT(max_map_count, "vm/max_map_count", 0644, &max_map_count, 0, 0x7fffffff);

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

int vma_reserve(struct user_mm *mm, int n)
{
	if (mm->nr_vmas + n > MIN(READ_ONCE(max_map_count), (long)VMA_MAX))
		return -ENOMEM;
	if (mm->nr_vmas + n <= mm->cap)
		return 0;
	int cap = mm->cap ? mm->cap : 16;
	while (cap < mm->nr_vmas + n)
		cap *= 2;
	cap = MIN(cap, VMA_MAX);
	struct vma *v = kmalloc(cap * sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	if (mm->nr_vmas)
		memcpy(v, mm->vmas, mm->nr_vmas * sizeof(*v));
	kfree(mm->vmas);
	mm->vmas = v;
	mm->cap = cap;
	return 0;
}

static int insert_at(struct user_mm *mm, int i, struct vma v)
{
	int rc = vma_reserve(mm, 1);

	if (rc)
		return rc;
	memmove(&mm->vmas[i + 1], &mm->vmas[i], (mm->nr_vmas - i) * sizeof(v));
	mm->vmas[i] = v;
	mm->nr_vmas++;
	return 0;
}

static struct vm_rmap *vma_rmap(const struct vma *v)
{
	return v->ops && v->ops->rmap ? v->ops->rmap(v->obj) : NULL;
}

int vma_hold_object(struct user_mm *mm, const struct vma *v)
{
	struct vm_rmap *r = vma_rmap(v);
	int rc = r ? rmap_add(r, mm, v->shared) : 0;

	if (!rc)
		v->ops->get(v->obj);
	return rc;
}

void vma_release_object(struct user_mm *mm, const struct vma *v)
{
	struct vm_rmap *r = vma_rmap(v);

	if (r)
		rmap_del(r, mm, v->shared);
	v->ops->put(v->obj);
}

int vma_pin_object(struct user_mm *mm, const struct vm_object_ops *ops, void *obj, bool shared)
{
	struct vm_rmap *r = ops && ops->rmap ? ops->rmap(obj) : NULL;

	return r ? rmap_add(r, mm, shared) : 0;
}

void vma_unpin_object(struct user_mm *mm, const struct vm_object_ops *ops, void *obj,
		      bool shared)
{
	struct vm_rmap *r = ops && ops->rmap ? ops->rmap(obj) : NULL;

	if (r)
		rmap_del(r, mm, shared);
}

/* Takes VMA i out of the array; with release, it lets go of its object. */
static void drop_at(struct user_mm *mm, int i, bool release)
{
	if (release && mm->vmas[i].ops)
		vma_release_object(mm, &mm->vmas[i]);
	memmove(&mm->vmas[i], &mm->vmas[i + 1], (mm->nr_vmas - i - 1) * sizeof(mm->vmas[0]));
	mm->nr_vmas--;
}

static void remove_at(struct user_mm *mm, int i)
{
	drop_at(mm, i, true);
}

int vma_add(struct user_mm *mm, u64 start, u64 end, u32 prot, u32 kind)
{
	if (start >= end || !vma_range_free(mm, start, end))
		return -EINVAL;
	return insert_at(mm, first_ending_above(mm, start),
			 (struct vma){ .start = start, .end = end, .prot = prot, .kind = kind,
				       .may = VMA_MAY_ALL });
}

/* A page of a shared file mapping that is writable may have been
 * written: the object must learn of it before the mapping goes. */
static void dirty_if_written(const struct vma *v, phys_addr_t pa, unsigned int prot)
{
	if (v && v->ops && v->shared && (prot & UVM_WRITE))
		v->ops->dirty(v->obj, pfn_to_page(pa >> PAGE_SHIFT));
}

static void page_dirty_fn(void *ctx, u64 va, phys_addr_t pa, unsigned int prot)
{
	(void)va;
	dirty_if_written(ctx, pa, prot);
}

static void page_drop_fn(void *ctx, u64 va, phys_addr_t pa, unsigned int prot)
{
	(void)va;
	dirty_if_written(ctx, pa, prot);
	page_put(pfn_to_page(pa >> PAGE_SHIFT));
}

/*
 * Unmaps the pages of [start, end), part of v (NULL: nothing is dirtied).
 * Only munmap frees the page tables it empties: a reverse-map walk may
 * reach an address space that exec is still filling without its lock
 * (the stack, elsewhere in the tables), so it only clears its own range.
 */
static void unmap_pages(struct user_mm *mm, const struct vma *v, u64 start, u64 end,
			bool free_tables)
{
	uvm_unmap_range(&mm->vm, start, end, free_tables, page_drop_fn, (void *)v);
}

static void dirty_shared(struct user_mm *mm, const struct vma *v, u64 start, u64 end)
{
	if (v->ops && v->shared)
		uvm_visit_range(&mm->vm, start, end, page_dirty_fn, (void *)v);
}

int vma_add_object(struct user_mm *mm, u64 start, u64 end, u32 prot,
		   const struct vm_object_ops *ops, void *obj, u64 pgoff, bool shared,
		   u32 may)
{
	if (start >= end || !vma_range_free(mm, start, end))
		return -EINVAL;
	int i = first_ending_above(mm, start);
	int rc = insert_at(mm, i, (struct vma){ .start = start, .end = end, .prot = prot,
						.kind = VMA_FILE, .ops = ops, .obj = obj,
						.pgoff = pgoff, .shared = shared, .may = may });
	if (!rc && (rc = vma_hold_object(mm, &mm->vmas[i])))
		drop_at(mm, i, false);
	return rc;
}

int vma_add_filled(struct user_mm *mm, u64 start, u64 end, u32 prot,
		   const struct vm_object_ops *ops, void *obj, u64 pgoff)
{
	int rc = vma_add_object(mm, start, end, prot, ops, obj, pgoff, false, VMA_MAY_ALL);

	if (!rc) {
		struct vma *v = vma_find(mm, start);
		v->kind = VMA_IMAGE;
		v->filled = true;
	}
	return rc;
}

int vma_sync(struct user_mm *mm, u64 start, u64 end)
{
	for (int i = first_ending_above(mm, start); start < end; i++) {
		if (i == mm->nr_vmas || mm->vmas[i].start > start)
			return -ENOMEM;
		struct vma *v = &mm->vmas[i];
		u64 e = MIN(end, v->end);
		dirty_shared(mm, v, start, e);
		start = e;
	}
	return 0;
}

const struct vma *vma_next_shared_object(struct user_mm *mm, u64 start, u64 end)
{
	for (int i = first_ending_above(mm, start); i < mm->nr_vmas && mm->vmas[i].start < end; i++)
		if (mm->vmas[i].ops && mm->vmas[i].shared)
			return &mm->vmas[i];
	return NULL;
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
	if (!rc && tail.ops && (rc = vma_hold_object(mm, &tail)))	/* both halves hold it */
		drop_at(mm, i + 1, false);
	if (!rc)
		mm->vmas[i].end = addr;
	return rc;
}

/* Mappings start and end exactly at start and end (split where they
 * straddle either), so a change can apply to whole entries. */
static int split_range(struct user_mm *mm, u64 start, u64 end)
{
	int rc = split_at(mm, start);

	return rc ? rc : split_at(mm, end);
}

int vma_unmap(struct user_mm *mm, u64 start, u64 end)
{
	int rc = split_range(mm, start, end);

	if (rc)
		return rc;
	int i = first_ending_above(mm, start);
	while (i < mm->nr_vmas && mm->vmas[i].start < end) {
		unmap_pages(mm, &mm->vmas[i], mm->vmas[i].start, mm->vmas[i].end, true);
		remove_at(mm, i);
	}
	return 0;
}

int vma_protect(struct user_mm *mm, u64 start, u64 end, u32 prot, u32 flags, int pkey)
{
	u64 at = start;

	for (int i = first_ending_above(mm, start); at < end; i++, at = mm->vmas[i - 1].end) {
		if (i == mm->nr_vmas || mm->vmas[i].start > at)
			return -ENOMEM;		/* a hole: Linux says ENOMEM */
		if ((prot & UVM_WRITE) && !(mm->vmas[i].may & VMA_MAY_WRITE))
			return -EACCES;		/* checked before anything changes */
	}
	int rc = split_range(mm, start, end);
	if (rc)
		return rc;
	prot &= ~UVM_PKEY_MASK;
	for (int i = first_ending_above(mm, start);
	     i < mm->nr_vmas && mm->vmas[i].start < end; i++) {
		struct vma *v = &mm->vmas[i];
		/* plain mprotect keeps each VMA's protection key */
		v->prot = prot | (pkey >= 0 ? UVM_PKEY(pkey) : (v->prot & UVM_PKEY_MASK));
		v->flags = (v->flags & ~VMA_F_NOREAD) | (flags & VMA_F_NOREAD);
		uvm_protect_range(&mm->vm, v->start, v->end, v->prot);
	}
	return 0;
}

/* Where free space below v must end: its start, less the guard gap a
 * MAP_GROWSDOWN mapping keeps free to grow into (Linux's vm_start_gap). */
static u64 start_gap(const struct vma *v)
{
	if (!(v->flags & VMA_F_GROWSDOWN))
		return v->start;
	return v->start > VMA_GUARD_GAP ? v->start - VMA_GUARD_GAP : 0;
}

u64 vma_find_free(struct user_mm *mm, u64 len)
{
	u64 top = mm->mmap_top;
	int i = first_ending_above(mm, top);

	if (i < mm->nr_vmas && start_gap(&mm->vmas[i]) < top)
		top = start_gap(&mm->vmas[i]);	/* a mapping across the top */
	for (i--; ; i--) {
		u64 floor = i >= 0 ? mm->vmas[i].end : USER_MMAP_BOTTOM;
		if (floor < top && top - floor >= len)
			return top - len;
		if (i < 0)
			return 0;
		top = MIN(top, start_gap(&mm->vmas[i]));
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
	for (int i = first_ending_above(mm, start); i < mm->nr_vmas && mm->vmas[i].start < end; i++)
		unmap_pages(mm, &mm->vmas[i], MAX(start, mm->vmas[i].start),
			    MIN(end, mm->vmas[i].end), false);
	return 0;
}

int vma_set_lock(struct user_mm *mm, u64 start, u64 end, u32 lock)
{
	if (!covered(mm, start, end))
		return -ENOMEM;
	int rc = split_range(mm, start, end);
	if (rc)
		return rc;
	for (int i = first_ending_above(mm, start); i < mm->nr_vmas && mm->vmas[i].start < end; i++)
		mm->vmas[i].lock = lock;
	return 0;
}

int vma_set_flags(struct user_mm *mm, u64 start, u64 end, u32 set, u32 clear)
{
	if (!covered(mm, start, end))
		return -ENOMEM;
	int rc = split_range(mm, start, end);
	if (rc)
		return rc;
	for (int i = first_ending_above(mm, start); i < mm->nr_vmas && mm->vmas[i].start < end; i++)
		mm->vmas[i].flags = (mm->vmas[i].flags & ~clear) | set;
	return 0;
}

int vma_set_uffd(struct user_mm *mm, u64 start, u64 end, struct uffd_ctx *ctx, u32 mode)
{
	int rc = split_range(mm, start, end);

	if (rc)
		return rc;
	for (int i = first_ending_above(mm, start); i < mm->nr_vmas && mm->vmas[i].start < end; i++) {
		mm->vmas[i].uffd = ctx;
		mm->vmas[i].uffd_mode = ctx ? mode : 0;
	}
	return 0;
}

static void count_fn(void *ctx, u64 va, phys_addr_t pa, unsigned int prot)
{
	(void)va; (void)pa; (void)prot;
	(*(u64 *)ctx)++;
}

u64 vma_present_pages(struct user_mm *mm, u64 start, u64 end)
{
	u64 n = 0;

	mutex_lock(&mm->pt_lock);
	uvm_visit_range(&mm->vm, start, end, count_fn, &n);
	mutex_unlock(&mm->pt_lock);
	return n;
}

int vma_index_above(struct user_mm *mm, u64 addr)
{
	return first_ending_above(mm, addr);
}

void vma_wipe_on_fork(struct user_mm *mm)
{
	for (int i = 0; i < mm->nr_vmas; i++)
		if (mm->vmas[i].flags & VMA_F_WIPEONFORK)
			unmap_pages(mm, &mm->vmas[i], mm->vmas[i].start, mm->vmas[i].end, false);
}

u64 vma_locked_bytes(struct user_mm *mm, u64 start, u64 end)
{
	u64 n = 0;

	for (int i = 0; i < mm->nr_vmas; i++) {
		const struct vma *v = &mm->vmas[i];
		if (!v->lock)
			continue;
		n += v->end - v->start;
		if (v->start < end && v->end > start)	/* counted again by the caller */
			n -= MIN(v->end, end) - MAX(v->start, start);
	}
	return n;
}

u64 vma_mapped_bytes(struct user_mm *mm)
{
	u64 n = 0;

	for (int i = 0; i < mm->nr_vmas; i++)
		n += mm->vmas[i].end - mm->vmas[i].start;
	return n;
}

/* The VA range of v that maps object pages [from, to); false if none. */
static bool object_span(const struct vma *v, u64 from, u64 to, u64 *start, u64 *end)
{
	u64 first = v->pgoff, last = v->pgoff + (v->end - v->start) / PAGE_SIZE;
	u64 lo = MAX(first, from), hi = MIN(last, to);

	if (lo >= hi)
		return false;
	*start = v->start + (lo - first) * PAGE_SIZE;
	*end = v->start + (hi - first) * PAGE_SIZE;
	return true;
}

void vma_unmap_object(struct user_mm *mm, struct vm_rmap *r, u64 from, u64 to)
{
	u64 s, e;

	for (int i = 0; i < mm->nr_vmas; i++)
		if (vma_rmap(&mm->vmas[i]) == r && !mm->vmas[i].filled &&
		    object_span(&mm->vmas[i], from, to, &s, &e))
			unmap_pages(mm, NULL, s, e, false);	/* gone from the object */
}

void vma_wrprotect_object(struct user_mm *mm, struct vm_rmap *r, u64 index,
			  struct page **pages, unsigned int n)
{
	u64 s, e;

	for (int i = 0; i < mm->nr_vmas; i++) {
		const struct vma *v = &mm->vmas[i];
		if (!v->shared || vma_rmap(v) != r || !object_span(v, index, index + n, &s, &e))
			continue;
		u64 first = v->pgoff + (s - v->start) / PAGE_SIZE;	/* >= index */
		uvm_wrprotect(&mm->vm, s, pages + (first - index),
			      (unsigned int)((e - s) / PAGE_SIZE));
	}
}

int vma_move_pages(struct user_mm *mm, u64 from, u64 to, u64 len)
{
	return uvm_move_range(&mm->vm, from, to, len);
}

bool vma_huge_split_ok(struct user_mm *mm, u64 start, u64 end)
{
	for (int i = vma_index_above(mm, start); i < mm->nr_vmas && mm->vmas[i].start < end; i++) {
		const struct vma *v = &mm->vmas[i];
		if (!(v->flags & VMA_F_HUGETLB))
			continue;
		if ((start > v->start && start % HPAGE_SIZE) || (end < v->end && end % HPAGE_SIZE))
			return false;
	}
	return true;
}
