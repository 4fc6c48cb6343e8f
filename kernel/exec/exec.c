/*
 * Loading an ELF executable into a fresh address space. It streams: the
 * header and program headers are read with read_at and handed to the
 * parser behind the FFI boundary. A file whose filesystem can map its
 * pages has each PT_LOAD's whole pages mapped from the page cache on
 * demand (private, copy on write); only the pages at a segment's edges
 * are filled at exec. Otherwise the file bytes are read straight into
 * the user pages that will hold them. Either way the kernel heap an exec
 * uses is the program-header buffer (at most 3.5 KiB) whatever the size
 * of the file. Dynamic programs (PT_INTERP) are refused for now.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/random.h>
#include <alloy/rlimit.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/uaccess.h>
#include <alloy/user.h>
#include <asm/elf.h>
#include <ffi/ffi.h>

#define ET_DYN_BASE 0x555555554000ULL	/* where static-PIE images go */
#define STACK_TOP USER_TOP

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
       AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_EXECFN = 31,
       AT_SYSINFO_EHDR = 33 };

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
 * Where segment l's whole file pages lie, [*ms, *me): those are mapped
 * from the file's page cache on demand (copy on write). The pages around
 * them (a first page the previous segment shares or that starts mid-page,
 * the last page where the file part ends and the bss begins) are filled
 * at exec. prev_end: the end of the previous segment's last page.
 */
static void file_range(const struct exec_source *src, const struct elf_load *l, u64 bias,
		       u64 prev_end, u64 *ms, u64 *me)
{
	u64 fs = l->vaddr + bias, fe = fs + l->filesz;

	*ms = *me = 0;
	if (!src->obj_ops || !l->filesz)
		return;
	u64 s = ALIGN_UP(fs, PAGE_SIZE);
	if (s < prev_end)
		s = prev_end;		/* never the page two segments share */
	u64 e = ALIGN_DOWN(fe, PAGE_SIZE);
	if (s < e) {
		*ms = s;
		*me = e;
	}
}

/* Maps one PT_LOAD: the pages outside its file range get their bytes now. */
static int load_segment(struct user_mm *mm, const struct exec_source *src,
			const struct elf_load *l, u64 bias, u64 prev_end)
{
	u64 start = l->vaddr + bias, ms, me;
	unsigned int prot;
	int rc;

	file_range(src, l, bias, prev_end, &ms, &me);
	if (ms < me) {
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

/* The image's segments, the stack (up to RLIMIT_STACK) as VMAs. A segment
 * is up to three: filled pages, pages of the file, filled and bss pages. */
static int add_vmas(struct user_mm *mm, const struct exec_source *src,
		    const struct elf_image *im, u64 bias)
{
	int rc = 0;
	u64 prev_end = 0;

	mutex_lock(&mm->lock);
	for (u32 i = 0; !rc && i < im->nr_loads; i++) {
		const struct elf_load *l = &im->loads[i];
		u64 s = ALIGN_DOWN(l->vaddr + bias, PAGE_SIZE);
		u64 e = ALIGN_UP(l->vaddr + bias + l->memsz, PAGE_SIZE), ms, me;
		u32 prot = seg_prot(l->flags);
		if (s < e && !vma_range_free(mm, s, s + PAGE_SIZE))
			s += PAGE_SIZE;	/* a page shared with the previous segment */
		file_range(src, l, bias, prev_end, &ms, &me);
		if (ms < me) {
			if (s < ms)
				rc = vma_add(mm, s, ms, prot, VMA_IMAGE);
			if (!rc)
				rc = vma_add_object(mm, ms, me, prot, src->obj_ops, src->obj,
						    (l->offset + (ms - l->vaddr - bias)) / PAGE_SIZE,
						    false, VMA_MAY_ALL);
			if (!rc && me < e)
				rc = vma_add(mm, me, e, prot, VMA_IMAGE);
		} else if (s < e) {
			rc = vma_add(mm, s, e, prot, VMA_IMAGE);
		}
		prev_end = e;
	}
	u32 stack_prot = UVM_READ | UVM_WRITE | (im->stack_flags & ELF_PF_X ? UVM_EXEC : 0);
	if (!rc)
		rc = vma_add(mm, USER_TOP - rlimit_exec_stack(), USER_TOP,
			     stack_prot, VMA_STACK);
	mutex_unlock(&mm->lock);
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
		       u64 vdso, const char *name, const struct exec_args *a, u64 *sp_out)
{
	size_t name_len = strlen(name) + 1;
	u64 strings = a->argbytes + a->envbytes;
	u8 rnd[16];
	u64 fn_at = STACK_TOP - name_len;
	u64 plat_at = fn_at - sizeof(ELF_ARCH_PLATFORM);
	u64 random_at = plat_at - sizeof(rnd);
	u64 str_lo = random_at - strings;

	u64 aux[] = {
		AT_PHDR, im->phdr_vaddr ? im->phdr_vaddr + bias : 0, AT_PHENT, ELF_PHDR_SIZE,
		AT_PHNUM, im->phnum, AT_PAGESZ, PAGE_SIZE, AT_BASE, 0, AT_FLAGS, 0,
		AT_ENTRY, im->entry + bias, AT_UID, a->uid, AT_EUID, a->euid, AT_GID, a->gid,
		AT_EGID, a->egid, AT_SECURE, a->secure, AT_HWCAP, arch_elf_hwcap(), AT_CLKTCK, 100,
		AT_RANDOM, random_at, AT_EXECFN, fn_at, AT_PLATFORM, plat_at,
		vdso ? AT_SYSINFO_EHDR : AT_IGNORE, vdso,
		AT_NULL, 0,
	};
	u64 words = 1 + a->argc + 1 + a->envc + 1 + ARRAY_SIZE(aux);
	u64 sp = ALIGN_DOWN(str_lo, 16);
	if (words & 1)
		sp -= 8;	/* rsp is 16-byte aligned at the entry point */
	sp -= words * 8;
	if (STACK_TOP - sp > rlimit_exec_stack() - PAGE_SIZE)
		return -E2BIG;
	u64 map_lo = ALIGN_DOWN(sp, PAGE_SIZE);
	int rc = user_mm_map_zero(mm, map_lo, STACK_TOP - map_lo, UVM_READ | UVM_WRITE);

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

int exec_load(struct user_mm *mm, const struct exec_source *src,
	      const struct exec_args *a, u64 *entry, u64 *sp)
{
	struct elf_image *im = kmalloc(sizeof(*im), GFP_KERNEL);
	int rc;

	if (!im)
		return -ENOMEM;
	rc = read_image(src, im);
	if (!rc && im->has_interp) {
		/* ENOENT, as Linux gives for a missing interpreter: a shell
		 * says "not found" (ENOEXEC made it run the ELF as a script) */
		printk_ratelimited(LOG_WARN, "exec: %s is dynamically linked (PT_INTERP); "
				   "only static programs run yet\n", src->name);
		rc = -ENOENT;
	}
	u64 bias = im->type == ELF_TYPE_DYN ? ET_DYN_BASE : 0;
	u64 prev_end = 0;
	/* What the image promises beyond the file's pages (data copies, bss)
	 * passes the same overcommit check as an anonymous mmap. */
	u64 anon = 0;
	for (u32 i = 0; !rc && i < im->nr_loads; i++) {
		const struct elf_load *l = &im->loads[i];
		u64 s = ALIGN_DOWN(l->vaddr + bias, PAGE_SIZE), ms, me;
		u64 e = ALIGN_UP(l->vaddr + bias + l->memsz, PAGE_SIZE);
		file_range(src, l, bias, prev_end, &ms, &me);
		anon += (e - s - (me - ms)) / PAGE_SIZE;
		prev_end = e;
	}
	if (!rc && !mm_can_commit(anon))
		rc = -ENOMEM;
	prev_end = 0;
	for (u32 i = 0; !rc && i < im->nr_loads; i++) {
		const struct elf_load *l = &im->loads[i];
		rc = load_segment(mm, src, l, bias, prev_end);
		prev_end = ALIGN_UP(l->vaddr + bias + l->memsz, PAGE_SIZE);
	}
	u64 vdso = 0;
	if (!rc)
		rc = add_vmas(mm, src, im, bias);
	if (!rc)
		rc = arch_vdso_map(mm, &vdso);
	if (!rc) {
		mm->brk_start = mm->brk = im->hi + bias;
		*entry = im->entry + bias;
		rc = build_stack(mm, im, bias, vdso, src->name, a, sp);
	}
	kfree(im);
	return rc;
}
