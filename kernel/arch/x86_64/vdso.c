/*
 * The vDSO, kernel side. At boot (clock_init, once the TSC is calibrated)
 * the image vdso/ built is copied into pages of its own and the data page
 * ([vvar], asm/vdso.h) is filled with what turns the TSC into ktime_ns();
 * exec maps both into every new image (arch_vdso_map) as VMAs whose
 * pages are these, shared by every process and never written by user
 * mode: [vvar] may only ever be read, [vdso] read and executed.
 *
 * Where: the data page and the image sit above the stack's top, at a
 * random page of the 2 MiB the top is in (Linux 6.1's vdso_addr), so
 * they use the stack's page tables. If the top is too near the end of
 * user space for them, they sit in the gap between the mmap area (below
 * USER_MMAP_TOP) and the stack, at a random page of its lower half, so
 * the top-down mmap allocator never meets them and at least half the gap
 * stays unmapped below the stack.
 *
 * getcpu: each CPU's IA32_TSC_AUX holds its number (Linux's encoding,
 * node << 12 | cpu) when the CPU has RDTSCP or RDPID to read it.
 *
 * vdso=0 on the command line maps none (programs make system calls, as
 * Linux's vdso=0); vdso=syscall maps it but makes every function fall
 * back to its system call, which is how the fallback is tested.
 */
#include <alloy/arch.h>
#include <alloy/cmdline.h>
#include <alloy/errno.h>
#include <alloy/hugetlb.h>
#include <alloy/mm.h>
#include <alloy/ns.h>
#include <alloy/printk.h>
#include <alloy/random.h>
#include <alloy/string.h>
#include <alloy/user.h>
#include <asm/cpu.h>
#include <asm/irqflags.h>
#include <asm/vdso.h>
#include <uapi/time.h>

#define MSR_TSC_AUX 0xc0000103
#define VDSO_MAX_PAGES 4
#define VDSO_SLOTS 64		/* random page offsets, a quarter of the gap */
_Static_assert(USER_STACK_GAP / PAGE_SIZE >= 2 * (VDSO_SLOTS + 1 + VDSO_MAX_PAGES),
	       "the vDSO must leave half the gap below the stack unmapped");

extern const u8 vdso_image_start[], vdso_image_end[];

struct vdso_obj {
	struct page *pages[VDSO_MAX_PAGES];
	u64 n;
};

/* tns_obj: the data page of processes in a time namespace with offsets
 * (<alloy/ns.h>): the same, but its clock mode sends every clock read to
 * the system call, which adds the offsets. */
static struct vdso_obj text_obj, vvar_obj, tns_obj;
static struct vdso_data *vd;		/* vvar_obj's page, through the direct map */

/* ---- the pages as a VMA object: handed out with a reference, never
 * dirty (no mapping may write them) */

static void obj_get(void *obj) { (void)obj; }
static void obj_put(void *obj) { (void)obj; }

static int obj_page(void *obj, u64 index, bool shared_write, struct page **out)
{
	struct vdso_obj *o = obj;

	if (shared_write || index >= o->n)
		return -EFAULT;
	page_get(o->pages[index]);
	*out = o->pages[index];
	return 0;
}

static void obj_dirty(void *obj, struct page *p) { (void)obj; (void)p; }
static int obj_sync(void *obj) { (void)obj; return 0; }

static const struct vm_object_ops vdso_ops = {
	.get = obj_get, .put = obj_put, .page = obj_page,
	.dirty = obj_dirty, .sync = obj_sync,
};

/* ---- publishing: a sequence count, odd while written. Writers take it
 * by moving it from even to odd, so they need no lock of their own; with
 * interrupts off, so a reader never waits on a writer that was preempted. */

static u32 write_begin(unsigned long *flags)
{
	*flags = arch_irq_save();
	for (;;) {
		u32 s = __atomic_load_n(&vd->seq, __ATOMIC_RELAXED);
		if (!(s & 1) && __atomic_compare_exchange_n(&vd->seq, &s, s + 1, false,
							    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			return s + 1;
		arch_cpu_relax();
	}
}

static void write_end(u32 seq, unsigned long flags)
{
	__atomic_store_n(&vd->seq, seq + 1, __ATOMIC_RELEASE);
	arch_irq_restore(flags);
}

void arch_time_publish(u64 realtime_ns)
{
	unsigned long flags;

	if (!vd)
		return;
	u32 seq = write_begin(&flags);
	vd->realtime_ns = realtime_ns;
	write_end(seq, flags);
}

static u32 getcpu_mode(void)
{
	u32 a, b, c, d;

	cpuid(7, 0, &a, &b, &c, &d);
	if (c & (1u << 22))
		return VDSO_GETCPU_RDPID;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000001)
		return VDSO_GETCPU_SYSCALL;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	return d & (1u << 27) ? VDSO_GETCPU_RDTSCP : VDSO_GETCPU_SYSCALL;
}

/* Every CPU as it comes up, before it runs user code. */
void vdso_cpu_init(unsigned int id)
{
	if (getcpu_mode() != VDSO_GETCPU_SYSCALL)
		wrmsr(MSR_TSC_AUX, id & 0xfff);	/* node 0 */
}

static bool alloc_obj(struct vdso_obj *o, u64 n)
{
	for (o->n = 0; o->n < n; o->n++) {
		o->pages[o->n] = alloc_page(GFP_ZERO);
		if (!o->pages[o->n])
			return false;
	}
	return true;
}

void vdso_init(void)
{
	u64 size = (u64)(vdso_image_end - vdso_image_start);
	u64 n = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
	u64 base, mult;
	const char *opt = cmdline_get("vdso");
	bool fallback = opt && !strcmp(opt, "syscall");

	if (opt && !strcmp(opt, "0")) {
		pr_info("vdso: none (vdso=0)\n");
		return;
	}
	if (size < 64 || memcmp(vdso_image_start, "\177ELF", 4) || n > VDSO_MAX_PAGES ||
	    !alloc_obj(&text_obj, n) || !alloc_obj(&vvar_obj, 1) || !alloc_obj(&tns_obj, 1)) {
		pr_err("vdso: no vDSO (image of %llu bytes, or no memory)\n",
		       (unsigned long long)size);
		text_obj.n = 0;
		return;
	}
	for (u64 i = 0; i < n; i++)
		memcpy(page_to_virt(text_obj.pages[i]), vdso_image_start + i * PAGE_SIZE,
		       MIN(size - i * PAGE_SIZE, (u64)PAGE_SIZE));
	vd = page_to_virt(vvar_obj.pages[0]);
	vd->getcpu_mode = fallback ? VDSO_GETCPU_SYSCALL : getcpu_mode();
	vd->res_ns = (u32)arch_clock_resolution_ns();
	if (clock_tsc_params(&base, &mult) && !fallback) {
		vd->tsc_base = base;
		vd->tsc_mult = mult;
		vd->clock_mode = VDSO_CLOCK_TSC;
	}
	struct vdso_data *t = page_to_virt(tns_obj.pages[0]);
	*t = *vd;
	t->clock_mode = VDSO_CLOCK_NONE;
	pr_info("vdso: %llu page(s), clock %s, getcpu by %s\n", (unsigned long long)n,
		vd->clock_mode == VDSO_CLOCK_TSC ? "tsc" : "syscall",
		vd->getcpu_mode == VDSO_GETCPU_RDPID ? "rdpid" :
		vd->getcpu_mode == VDSO_GETCPU_RDTSCP ? "rdtscp" : "syscall");
}

/* One object as a VMA of its own kind ([vvar] or [vdso] in maps). */
static int map_obj(struct user_mm *mm, u64 start, struct vdso_obj *o, u32 prot, u32 kind)
{
	u32 may = (prot & UVM_EXEC ? VMA_MAY_EXEC : 0) | VMA_MAY_READ;
	int rc = vma_add_object(mm, start, start + o->n * PAGE_SIZE, prot, &vdso_ops, o, 0,
				false, may);

	if (!rc)
		vma_find(mm, start)->kind = kind;
	return rc;
}

int arch_vdso_map(struct user_mm *mm, u64 *ehdr)
{
	u16 r;
	int rc;

	*ehdr = 0;
	if (!text_obj.n)
		return 0;		/* none: programs use the system calls */
	get_random_bytes(&r, sizeof(r));
	/* Above the stack's top, in the same 2 MiB as Linux 6.1 puts it: its
	 * page tables are the stack's (three pages less per process than
	 * in the mmap area's gap, where it goes if there is no room here) */
	u64 len = PAGE_SIZE + arch_vdso_size(), at = mm->stack_top;
	u64 end = MIN(ALIGN_UP(at + len, HPAGE_SIZE), USER_TOP);
	if (end >= at + len)
		at += (r % ((end - len - at) / PAGE_SIZE + 1)) * PAGE_SIZE;
	else
		at = mm->mmap_top + (r % VDSO_SLOTS) * PAGE_SIZE;
	bool timens = timens_offset(CLOCK_MONOTONIC) || timens_offset(CLOCK_BOOTTIME);
	down_write(&mm->lock);
	rc = map_obj(mm, at, timens ? &tns_obj : &vvar_obj, UVM_READ, VMA_VVAR);
	if (!rc)
		rc = map_obj(mm, at + PAGE_SIZE, &text_obj, UVM_READ | UVM_EXEC, VMA_VDSO);
	up_write(&mm->lock);
	if (!rc)
		*ehdr = at + PAGE_SIZE;
	return rc;
}

u64 arch_vdso_size(void)
{
	return (u64)text_obj.n * PAGE_SIZE;
}

void arch_vdso_timens(struct user_mm *mm, bool timens)
{
	struct vdso_obj *want = timens ? &tns_obj : &vvar_obj;

	if (!text_obj.n)
		return;
	down_write(&mm->lock);
	for (int i = 0; i < mm->nr_vmas; i++) {
		struct vma *v = &mm->vmas[i];
		if (v->kind != VMA_VVAR || v->obj == want)
			continue;
		vma_zap(mm, v->start, v->end);	/* refaults from the other page */
		v->obj = want;			/* (no counts: get and put do nothing) */
	}
	up_write(&mm->lock);
}
