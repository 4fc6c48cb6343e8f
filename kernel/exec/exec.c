/*
 * Loading an ELF executable into a fresh address space. It streams: the
 * header and program headers are read with read_at and handed to the
 * parser behind the FFI boundary. A file whose filesystem can map its
 * pages has each PT_LOAD's whole pages mapped from the page cache on
 * demand (private, copy on write); only the pages at a segment's edges
 * are filled at exec. Otherwise the file bytes are read straight into
 * the user pages that will hold them. Either way the kernel heap an exec
 * uses is the program-header buffer (at most 3.5 KiB) whatever the size
 * of the file.
 *
 * A dynamic program (PT_INTERP) gets its interpreter loaded the same way,
 * in the mmap area, and starts there; AT_BASE and AT_ENTRY tell the
 * interpreter where it and the program are. Position-independent images
 * (ET_DYN), the stack, the mmap area and the break are placed at random
 * (address-space randomization, docs/exec.md) unless the command line
 * says `norandmaps`.
 */
#include <alloy/arch.h>
#include <alloy/cmdline.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/process.h>
#include <alloy/random.h>
#include <alloy/rlimit.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <asm/elf.h>
#include <ffi/ffi.h>

#define ET_DYN_BASE 0x555555554000ULL	/* where PIE images go, before randomization */

/* Randomization, in pages (Linux's x86_64 defaults): the PIE base and
 * the mmap area 28 bits each, the stack top 22 bits, the break 13. */
#define RND_PIE_BITS 28
#define RND_MMAP_BITS 28
#define RND_STACK_BITS 22
#define RND_BRK_BITS 13

/* What this architecture runs: the parser checks each file against it. */
static const struct elf_target arch_target = {
	.machine = ELF_ARCH_MACHINE,
	.user_min = ELF_ARCH_USER_MIN,
	.user_top = USER_TOP,
};
/* T1 in ffi/elf.h: a bad target would make every exec fail, so not at run time */
_Static_assert(USER_TOP % 4096 == 0 && ELF_ARCH_USER_MIN < USER_TOP,
	       "the architecture's ELF target breaks check T1 of ffi/elf.h");

enum { AT_NULL = 0, AT_IGNORE = 1, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5,
       AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12,
       AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16,
       AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31,
       AT_SYSINFO_EHDR = 33, AT_MINSIGSTKSZ = 51 };

/* kernel/randomize_va_space: 0 turns randomization off (as `norandmaps`
 * does from boot); 1 and 2 leave it on (the break too in both). */
static long randomize_va_space = 2;
#define ADDR_NO_RANDOMIZE 0x0040000	/* personality(2): setarch -R */
SYSCTL_INT(randomize_va_space, "kernel/randomize_va_space", 0644, &randomize_va_space, 0, 2);

/* A random page offset below 2^bits pages, or 0 under `norandmaps`. */
static u64 rnd_pages(unsigned int bits)
{
	static int norand = -1;
	u64 r;

	if (norand < 0)
		norand = cmdline_has("norandmaps");
	struct process *me = current_proc();
	if (norand || !READ_ONCE(randomize_va_space) ||
	    (me && (READ_ONCE(me->personality) & ADDR_NO_RANDOMIZE)))
		return 0;
	get_random_bytes(&r, sizeof(r));
	return (r & ((1ULL << bits) - 1)) * PAGE_SIZE;
}

static int read_exact(const struct exec_source *src, void *buf, size_t len, u64 off)
{
	if (off > src->size || len > src->size - off)
		return -ENOEXEC;
	long n = src->read_at(src->ctx, buf, len, off);
	if (n < 0)
		return (int)n;
	return n == (long)len ? 0 : -EIO;
}

static unsigned int seg_prot(uint32_t flags)
{
	return UVM_READ | (flags & ELF_PF_W ? UVM_WRITE : 0) |
	       (flags & ELF_PF_X ? UVM_EXEC : 0);
}

/*
 * Where segment l's file pages lie, [*ms, *me): those are mapped from the
 * file's page cache on demand (copy on write). The pages around them are
 * filled at exec: a first page the previous segment shares, a last page
 * the next one shares or where the file part ends and the bss begins, and
 * a writable segment's partial first and last pages. A read-only
 * segment's partial pages come from the file whole, bytes of the file
 * around the segment included, as Linux maps them: a copy per process
 * (two for most programs) is memory an idle process need not cost.
 * prev_end: the end of the previous segment's last page; next: the
 * start of the next one's first page (~0 if none).
 */
static void file_range(const struct exec_source *src, const struct elf_load *l, u64 bias,
		       u64 prev_end, u64 next, u64 *ms, u64 *me)
{
	u64 fs = l->vaddr + bias, fe = fs + l->filesz;
	bool whole = !(l->flags & ELF_PF_W) && fs % PAGE_SIZE == l->offset % PAGE_SIZE;

	*ms = *me = 0;
	if (!src->obj_ops || !l->filesz)
		return;
	u64 s = whole ? ALIGN_DOWN(fs, PAGE_SIZE) : ALIGN_UP(fs, PAGE_SIZE);
	if (s < prev_end)
		s = prev_end;		/* never the page two segments share */
	u64 e = ALIGN_DOWN(fe, PAGE_SIZE);
	if (whole && l->memsz == l->filesz && ALIGN_UP(fe, PAGE_SIZE) <= next)
		e = ALIGN_UP(fe, PAGE_SIZE);
	if (s < e) {
		*ms = s;
		*me = e;
	}
}

/* Where the segment after loads[i] starts (its first page), or ~0. */
static u64 next_start(const struct elf_image *im, u32 i, u64 bias)
{
	return i + 1 < im->nr_loads ? ALIGN_DOWN(im->loads[i + 1].vaddr + bias, PAGE_SIZE) : ~0ULL;
}

/* Maps one PT_LOAD: the pages outside its file range get their bytes now. */
static int load_segment(struct user_mm *mm, const struct exec_source *src,
			const struct elf_load *l, u64 bias, u64 prev_end, u64 next)
{
	u64 start = l->vaddr + bias, ms, me;
	unsigned int prot;
	int rc = 0;

	file_range(src, l, bias, prev_end, next, &ms, &me);
	if (ms < me) {
		if (start < ms)
			rc = user_mm_map_zero(mm, start, ms - start, seg_prot(l->flags));
		if (!rc && start + l->memsz > me)
			rc = user_mm_map_zero(mm, me, MIN(start + l->memsz - me, (u64)PAGE_SIZE),
					      seg_prot(l->flags));
	} else if (l->filesz) {
		/* only the pages the file's bytes go to: bss past them is
		 * demand-zero like any anonymous range */
		rc = user_mm_map_zero(mm, start, l->filesz, seg_prot(l->flags));
	} else {
		rc = 0;
	}
	for (u64 done = 0; !rc && done < l->filesz;) {
		u64 va = start + done;
		if (va >= ms && va < me) {	/* from the page cache, later */
			done = me - start;
			continue;
		}
		phys_addr_t pa = uvm_lookup(&mm->vm, ALIGN_DOWN(va, PAGE_SIZE), &prot);
		size_t off = va & (PAGE_SIZE - 1);
		size_t n = (size_t)MIN(l->filesz - done, (u64)(PAGE_SIZE - off));
		rc = pa ? read_exact(src, (u8 *)phys_to_virt(pa) + off, n, l->offset + done)
			: -EFAULT;
		done += n;
	}
	return rc;
}

/* Pages [s, e) of segment l that exec fills: named after the file where
 * it can be mapped (file offsets as Linux's would be), else anonymous. */
static int add_filled(struct user_mm *mm, const struct exec_source *src,
		      const struct elf_load *l, u64 bias, u64 s, u64 e, u32 prot)
{
	u64 seg = ALIGN_DOWN(l->vaddr + bias, PAGE_SIZE), off = ALIGN_DOWN(l->offset, PAGE_SIZE);

	if (!src->obj_ops || s < seg)
		return vma_add(mm, s, e, prot, VMA_IMAGE);
	return vma_add_filled(mm, s, e, prot, src->obj_ops, src->obj,
			      (off + (s - seg)) / PAGE_SIZE);
}

/* The image's segments as VMAs. A segment is up to three: filled pages,
 * pages of the file, filled and bss pages. */
static int add_image_vmas(struct user_mm *mm, const struct exec_source *src,
			  const struct elf_image *im, u64 bias)
{
	int rc = 0;
	u64 prev_end = 0;

	down_write(&mm->lock);
	for (u32 i = 0; !rc && i < im->nr_loads; i++) {
		const struct elf_load *l = &im->loads[i];
		u64 s = ALIGN_DOWN(l->vaddr + bias, PAGE_SIZE);
		u64 e = ALIGN_UP(l->vaddr + bias + l->memsz, PAGE_SIZE), ms, me;
		u32 prot = seg_prot(l->flags);
		if (s < e && !vma_range_free(mm, s, s + PAGE_SIZE))
			s += PAGE_SIZE;	/* a page shared with the previous segment */
		file_range(src, l, bias, prev_end, next_start(im, i, bias), &ms, &me);
		if (ms < me) {
			if (s < ms)
				rc = add_filled(mm, src, l, bias, s, ms, prot);
			if (!rc)
				rc = vma_add_object(mm, ms, me, prot, src->obj_ops, src->obj,
						    (l->offset + (ms - l->vaddr - bias)) / PAGE_SIZE,
						    false, VMA_MAY_ALL);
			if (!rc && me < e)
				rc = add_filled(mm, src, l, bias, me, e, prot);
		} else if (s < e) {
			rc = add_filled(mm, src, l, bias, s, e, prot);
		}
		prev_end = e;
	}
	up_write(&mm->lock);
	return rc;
}

/* The stack VMA, as large as RLIMIT_STACK (at most USER_STACK_MAX). */
static int add_stack_vma(struct user_mm *mm, const struct elf_image *im)
{
	u32 prot = UVM_READ | UVM_WRITE | (im->stack_flags & ELF_PF_X ? UVM_EXEC : 0);

	down_write(&mm->lock);
	int rc = vma_add(mm, mm->stack_top - rlimit_exec_stack(), mm->stack_top, prot,
			 VMA_STACK);
	up_write(&mm->lock);
	return rc;
}

/* ---- arguments: counted in the caller's memory, copied into the new
 * stack a chunk at a time (<alloy/user.h>, struct exec_args) */

#define CHUNK 256	/* bounce buffer on the kernel stack */

/* String i of argv (env false) or envp: a kernel string, or the address
 * of a user one; 1 past the end, 0, or -EFAULT. */
static int arg_at(const struct exec_args *a, bool env, u64 i, const char **k, u64 *u)
{
	*k = NULL;
	*u = 0;
	if (!env && i < (u64)a->nprefix) {
		*k = a->prefix[i];
		return 0;
	}
	u64 j = env ? i : i - (u64)a->nprefix + a->skip;
	const char *const *kv = env ? a->kenvp : a->kargv;
	u64 uv = env ? a->uenvp : a->uargv;
	if (kv) {
		*k = kv[j];
		return *k ? 0 : 1;
	}
	if (!uv)
		return 1;
	if (copy_from_user(u, (const void *)(uv + 8 * j), 8))
		return -EFAULT;
	return *u ? 0 : 1;
}

/* Length of a user string with its NUL, reading no page past the NUL;
 * -E2BIG over EXEC_STRING_MAX, -EFAULT. */
static long ustrlen(u64 p)
{
	char buf[CHUNK];
	u64 n = 0;

	while (n < EXEC_STRING_MAX) {
		size_t k = MIN((size_t)CHUNK, (size_t)(PAGE_SIZE - ((p + n) & (PAGE_SIZE - 1))));
		if (copy_from_user(buf, (const void *)(p + n), k))
			return -EFAULT;
		const char *z = memchr(buf, 0, k);
		if (z) {
			u64 len = n + (u64)(z - buf) + 1;
			return len > EXEC_STRING_MAX ? -E2BIG : (long)len;
		}
		n += k;
	}
	return -E2BIG;
}

static long arg_len(const char *k, u64 u)
{
	if (k) {
		size_t n = strlen(k) + 1;
		return n > EXEC_STRING_MAX ? -E2BIG : (long)n;
	}
	return ustrlen(u);
}

static int count_one(const struct exec_args *a, bool env, u64 *n, u64 *bytes, u64 *total)
{
	for (*n = 0;; ++*n) {
		const char *k;
		u64 u;
		int rc = arg_at(a, env, *n, &k, &u);
		if (rc)
			return rc < 0 ? rc : 0;
		long len = arg_len(k, u);
		if (len < 0)
			return (int)len;
		*bytes += (u64)len;
		*total += (u64)len + sizeof(u64);
		if (*total > EXEC_ARGS_MAX)
			return -E2BIG;
	}
}

int exec_args_count(struct exec_args *a)
{
	u64 total = 0;
	int rc;

	a->argbytes = a->envbytes = 0;
	rc = count_one(a, false, &a->argc, &a->argbytes, &total);
	if (!rc && a->argc == 0) {
		/* no argv[0]: Linux gives the program an empty one, so that
		 * nothing takes envp[0] for argv[1] */
		a->prefix[a->nprefix++] = "";
		a->argc = 1;
		a->argbytes += 1;
		total += 1 + sizeof(u64);
	}
	rc = rc ? rc : count_one(a, true, &a->envc, &a->envbytes, &total);
	return rc;
}

/* Copies string (k or u, len bytes with the NUL) to va in mm. The NUL is
 * written here: the caller's memory may have changed since it was
 * measured, and no string may run on. */
static int copy_arg(struct user_mm *mm, u64 va, const char *k, u64 u, u64 len)
{
	char buf[CHUNK];

	for (u64 done = 0; done + 1 < len;) {
		size_t n = (size_t)MIN(len - 1 - done, (u64)CHUNK);
		if (k)
			memcpy(buf, k + done, n);
		else if (copy_from_user(buf, (const void *)(u + done), n))
			return -EFAULT;
		int rc = user_mm_write(mm, va + done, buf, n);
		if (rc)
			return rc;
		done += n;
	}
	return user_mm_write(mm, va + len - 1, "", 1);
}

/* Puts the strings of one vector at str, and their addresses at vec. */
static int copy_vector(struct user_mm *mm, const struct exec_args *a, bool env, u64 n,
		       u64 str, u64 vec)
{
	for (u64 i = 0; i < n; i++) {
		const char *k;
		u64 u;
		int rc = arg_at(a, env, i, &k, &u);
		if (rc)
			return rc < 0 ? rc : -EFAULT;	/* it got shorter */
		long len = arg_len(k, u);
		if (len < 0)
			return (int)len;
		if ((rc = copy_arg(mm, str, k, u, (u64)len)) ||
		    (rc = user_mm_write(mm, vec + 8 * i, &str, 8)))
			return rc;
		str += (u64)len;
	}
	return 0;
}

/*
 * The SysV initial stack, from the top: the exec name, the platform,
 * 16 random bytes, the envp and argv strings, then (16-byte aligned)
 * argc, argv[], NULL, envp[], NULL, auxv. Only the pages it fills are
 * mapped now; the rest of the stack comes on demand.
 */
static int build_stack(struct user_mm *mm, const struct elf_image *im, u64 bias,
		       u64 interp_base, u64 vdso, const char *name,
		       const struct exec_args *a, u64 *sp_out)
{
	const u64 stack_top = mm->stack_top;
	size_t name_len = strlen(name) + 1;
	u64 strings = a->argbytes + a->envbytes;
	u8 rnd[16];
	u64 fn_at = stack_top - name_len;
	u64 plat_at = fn_at - sizeof(ELF_ARCH_PLATFORM);
	u64 random_at = plat_at - sizeof(rnd);
	u64 str_lo = random_at - strings;

	u64 aux[] = {
		AT_PHDR, im->phdr_vaddr ? im->phdr_vaddr + bias : 0, AT_PHENT, ELF_PHDR_SIZE,
		AT_PHNUM, im->phnum, AT_PAGESZ, PAGE_SIZE, AT_BASE, interp_base, AT_FLAGS, 0,
		AT_ENTRY, im->entry + bias, AT_UID, a->uid, AT_EUID, a->euid, AT_GID, a->gid,
		AT_EGID, a->egid, AT_SECURE, a->secure, AT_HWCAP, arch_elf_hwcap(), AT_HWCAP2, 0,
		AT_CLKTCK, 100, AT_MINSIGSTKSZ, arch_min_sigstksz(),
		AT_RANDOM, random_at, AT_EXECFN, fn_at, AT_PLATFORM, plat_at,
		vdso ? AT_SYSINFO_EHDR : AT_IGNORE, vdso,
		AT_NULL, 0,
	};
	u64 words = 1 + a->argc + 1 + a->envc + 1 + ARRAY_SIZE(aux);
	u64 sp = ALIGN_DOWN(str_lo, 16);
	if (words & 1)
		sp -= 8;	/* rsp is 16-byte aligned at the entry point */
	sp -= words * 8;
	if (stack_top - sp > rlimit_exec_stack() - PAGE_SIZE)
		return -E2BIG;
	u64 map_lo = ALIGN_DOWN(sp, PAGE_SIZE);
	int rc = user_mm_map_zero(mm, map_lo, stack_top - map_lo, UVM_READ | UVM_WRITE);

	get_random_bytes(rnd, sizeof(rnd));
	if (!rc)
		rc = user_mm_write(mm, fn_at, name, name_len);
	if (!rc)
		rc = user_mm_write(mm, plat_at, ELF_ARCH_PLATFORM, sizeof(ELF_ARCH_PLATFORM));
	if (!rc)
		rc = user_mm_write(mm, random_at, rnd, sizeof(rnd));
	u64 argc = a->argc, argv_at = sp + 8, envp_at = argv_at + 8 * (a->argc + 1);
	if (!rc)
		rc = user_mm_write(mm, sp, &argc, 8);
	if (!rc)
		rc = copy_vector(mm, a, false, a->argc, str_lo, argv_at);
	if (!rc)
		rc = copy_vector(mm, a, true, a->envc, str_lo + a->argbytes, envp_at);
	/* the NULLs after each vector are already there: the pages are zeroed */
	if (!rc)
		rc = user_mm_write(mm, envp_at + 8 * (a->envc + 1), aux, sizeof(aux));
	if (rc)
		return rc;
	_Static_assert(sizeof(aux) <= sizeof(mm->saved_auxv), "saved_auxv");
	memcpy(mm->saved_auxv, aux, sizeof(aux));	/* a core's NT_AUXV */
	mm->auxv_bytes = sizeof(aux);
	/* /proc/<pid>/cmdline and environ read these back */
	mm->arg_start = str_lo;
	mm->arg_end = mm->env_start = str_lo + a->argbytes;
	mm->env_end = random_at;
	*sp_out = sp;
	return 0;
}

/* Reads and parses the headers; fills *im. The only heap use of an exec. */
static int read_image(const struct exec_source *src, struct elf_image *im)
{
	u8 ehdr[ELF_EHDR_SIZE];
	struct elf_header h;
	int rc = read_exact(src, ehdr, sizeof(ehdr), 0);

	if (!rc)
		rc = elf_parse_header(ehdr, sizeof(ehdr), src->size, &arch_target, &h);
	if (rc)
		return rc == -EINVAL ? -ENOEXEC : rc;
	u8 *phdrs = kmalloc(h.phdrs_size, GFP_KERNEL);
	if (!phdrs)
		return -ENOMEM;
	rc = read_exact(src, phdrs, h.phdrs_size, h.phoff);
	if (!rc)
		rc = elf_parse_phdrs(ehdr, sizeof(ehdr), phdrs, h.phdrs_size, src->size,
				     &arch_target, im);
	kfree(phdrs);
	return rc == -EINVAL ? -ENOEXEC : rc;
}

/* The largest PT_LOAD alignment (a power of two up to 1 GiB), at least a
 * page: a position-independent image goes at a multiple of it. */
static u64 image_align(const struct elf_image *im)
{
	u64 a = PAGE_SIZE;

	for (u32 i = 0; i < im->nr_loads; i++) {
		u64 x = im->loads[i].align;
		if (x > a && x <= (1ULL << 30) && !(x & (x - 1)))
			a = x;
	}
	return a;
}

/* Maps one image at bias: the overcommit check for what it promises
 * beyond the file's pages (data copies, bss), its edge pages filled, its
 * segments' VMAs. */
static int load_image(struct user_mm *mm, const struct exec_source *src,
		      const struct elf_image *im, u64 bias)
{
	u64 prev_end = 0, anon = 0;
	int rc = 0;

	for (u32 i = 0; i < im->nr_loads; i++) {
		const struct elf_load *l = &im->loads[i];
		u64 s = ALIGN_DOWN(l->vaddr + bias, PAGE_SIZE), ms, me;
		u64 e = ALIGN_UP(l->vaddr + bias + l->memsz, PAGE_SIZE);
		file_range(src, l, bias, prev_end, next_start(im, i, bias), &ms, &me);
		anon += (e - s - (me - ms)) / PAGE_SIZE;
		prev_end = e;
	}
	if (!mm_can_commit(anon))
		return -ENOMEM;
	prev_end = 0;
	for (u32 i = 0; !rc && i < im->nr_loads; i++) {
		const struct elf_load *l = &im->loads[i];
		rc = load_segment(mm, src, l, bias, prev_end, next_start(im, i, bias));
		prev_end = ALIGN_UP(l->vaddr + bias + l->memsz, PAGE_SIZE);
	}
	return rc ? rc : add_image_vmas(mm, src, im, bias);
}

/* Where a position-independent main image goes: ET_DYN_BASE, moved up at
 * random, at a multiple of its alignment; -ENOMEM if it would reach the
 * mmap area. */
static int pie_bias(struct user_mm *mm, const struct elf_image *im, u64 *bias)
{
	u64 align = image_align(im);
	u64 base = ALIGN_UP(ET_DYN_BASE + rnd_pages(RND_PIE_BITS), align);

	*bias = base - ALIGN_DOWN(im->lo, align);
	if (im->hi - ALIGN_DOWN(im->lo, align) > mm->mmap_top - base)
		return -ENOMEM;
	return 0;
}

/* The interpreter's image goes where mmap would put it: the highest free
 * range of the mmap area (random, as the area's top is). */
static int interp_bias(struct user_mm *mm, const struct elf_image *iim, u64 *bias)
{
	int rc = 0;

	down_write(&mm->lock);
	if (iim->type != ELF_TYPE_DYN) {	/* fixed addresses: they must be free */
		*bias = 0;
		rc = vma_range_free(mm, iim->lo, iim->hi) ? 0 : -ENOMEM;
	} else {
		u64 align = image_align(iim), lo = ALIGN_DOWN(iim->lo, align);
		u64 at = vma_find_free(mm, iim->hi - lo + align);
		*bias = ALIGN_UP(at, align) - lo;
		rc = at ? 0 : -ENOMEM;
	}
	up_write(&mm->lock);
	return rc;
}

/*
 * PT_INTERP: the interpreter the image names is opened through src->open
 * and loaded like an image of its own. -ENOENT if it does not exist (the
 * shell then says "not found", as on Linux), -ELIBBAD if it is not an ELF
 * file this kernel loads, or needs an interpreter itself.
 */
static int load_interp(struct user_mm *mm, const struct exec_source *src,
		       const struct elf_image *im, struct elf_image *iim, u64 *bias)
{
	char *path = kmalloc(im->interp_size, GFP_KERNEL);
	struct exec_source isrc;
	int rc = path ? read_exact(src, path, im->interp_size, im->interp_offset) : -ENOMEM;

	if (!rc && elf_check_interp((const uint8_t *)path, im->interp_size))
		rc = -ENOEXEC;
	if (!rc)
		rc = src->open ? src->open(path, &isrc) : -ENOENT;
	if (rc) {
		kfree(path);
		return rc;
	}
	rc = read_image(&isrc, iim);
	if (rc == -ENOEXEC || (!rc && iim->has_interp))
		rc = -ELIBBAD;
	if (!rc)
		rc = interp_bias(mm, iim, bias);
	if (!rc)
		rc = load_image(mm, &isrc, iim, *bias);
	isrc.close(&isrc);
	kfree(path);
	return rc;
}

int exec_load(struct user_mm *mm, const struct exec_source *src,
	      const struct exec_args *a, u64 *entry, u64 *sp)
{
	/* the image and its interpreter's: the heap an exec uses, with the
	 * interpreter's path and the program headers (read_image) */
	struct elf_image *im = kmalloc(2 * sizeof(*im), GFP_KERNEL), *iim = im + 1;
	u64 bias = 0, ibias = 0, vdso = 0;
	int rc;

	if (!im)
		return -ENOMEM;
	mm->stack_top = USER_TOP - rnd_pages(RND_STACK_BITS);
	mm->mmap_top = mm->stack_top - USER_STACK_MAX - USER_STACK_GAP - rnd_pages(RND_MMAP_BITS);
	rc = read_image(src, im);
	if (!rc && im->type == ELF_TYPE_DYN)
		rc = pie_bias(mm, im, &bias);
	if (!rc)
		rc = load_image(mm, src, im, bias);
	if (!rc && im->has_interp)
		rc = load_interp(mm, src, im, iim, &ibias);
	if (!rc)
		rc = arch_vdso_map(mm, &vdso);
	if (!rc)
		rc = add_stack_vma(mm, im);
	if (!rc) {
		mm->brk_start = mm->brk = im->hi + bias + rnd_pages(RND_BRK_BITS);
		mm->exe_start = im->lo + bias;
		mm->exe_end = im->hi + bias;
		mm->exe_bias = bias;
		mm->vdso_start = vdso;
		mm->vdso_end = vdso ? vdso + arch_vdso_size() : 0;
		*entry = im->has_interp ? iim->entry + ibias : im->entry + bias;
		rc = build_stack(mm, im, bias, im->has_interp ? ibias : 0, vdso, src->name, a, sp);
	}
	kfree(im);
	return rc;
}
