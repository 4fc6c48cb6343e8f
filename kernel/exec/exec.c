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
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/user.h>
#include <asm/elf.h>
#include <ffi/ffi.h>

#define ET_DYN_BASE 0x555555554000ULL	/* where static-PIE images go */
#define STACK_TOP USER_TOP
/* the FFI contract names the same top for the ELF parsers */
_Static_assert(ELF_USER_TOP == USER_TOP, "ELF_USER_TOP is the top of user space");
#define STACK_SIZE (128 * 1024ULL)	/* mapped at exec; the rest on demand */
#define ARG_BYTES_MAX (64 * 1024ULL)	/* argv + envp strings */
#define ARGS_MAX 1024
#define AUXV_WORDS 40			/* room for the auxiliary vector below */

enum { AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6,
       AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12,
       AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16,
       AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_EXECFN = 31 };

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
		rc = vma_add(mm, USER_TOP - USER_STACK_MAX, USER_TOP,
			     stack_prot, VMA_STACK);
	mutex_unlock(&mm->lock);
	return rc;
}

struct stack {
	struct user_mm *mm;
	u64 sp;
};

static int push(struct stack *s, const void *p, size_t len, u64 *at)
{
	if (s->sp - len < STACK_TOP - STACK_SIZE + PAGE_SIZE)
		return -E2BIG;
	s->sp -= len;
	if (at)
		*at = s->sp;
	return user_mm_write(s->mm, s->sp, p, len);
}

static int count_strings(const char *const v[], int *n, u64 *bytes)
{
	for (*n = 0; v && v[*n]; (*n)++) {
		if (*n >= ARGS_MAX)
			return -E2BIG;
		*bytes += strlen(v[*n]) + 1;
	}
	return *bytes > ARG_BYTES_MAX ? -E2BIG : 0;
}

/* The SysV initial stack: argc, argv[], NULL, envp[], NULL, auxv, strings. */
static int build_stack(struct user_mm *mm, const struct elf_image *im, u64 bias,
		       const char *name, const char *const argv[],
		       const char *const envp[], u64 *str_argv, u64 *str_envp,
		       u64 *sp_out)
{
	struct stack s = { mm, STACK_TOP };
	u64 bytes = 0, random_at = 0, plat_at = 0, fn_at = 0;
	int argc, envc, rc;
	u8 rnd[16];

	rc = count_strings(argv, &argc, &bytes);
	if (!rc)
		rc = count_strings(envp, &envc, &bytes);
	if (rc)
		return rc;
	/* Only the pages the strings and vectors fill are mapped now; the
	 * rest of the stack comes on demand (a 128 KiB memset per exec was
	 * most of what a small exec cost). */
	u64 need = bytes + strlen(name) + 1 + 7 + sizeof(rnd) +
		   ((u64)argc + (u64)envc + 3 + AUXV_WORDS) * sizeof(u64) + 64;
	need = MIN(ALIGN_UP(need, PAGE_SIZE), STACK_SIZE);
	rc = user_mm_map_zero(mm, STACK_TOP - need, need, UVM_READ | UVM_WRITE);
	rc = rc ? rc : push(&s, name, strlen(name) + 1, &fn_at);
	rc = rc ? rc : push(&s, ELF_ARCH_PLATFORM, sizeof(ELF_ARCH_PLATFORM), &plat_at);
	get_random_bytes(rnd, sizeof(rnd));
	rc = rc ? rc : push(&s, rnd, sizeof(rnd), &random_at);
	u64 env_end = s.sp;
	for (int i = envc - 1; !rc && i >= 0; i--)
		rc = push(&s, envp[i], strlen(envp[i]) + 1, &str_envp[i]);
	u64 env_start = s.sp;
	for (int i = argc - 1; !rc && i >= 0; i--)
		rc = push(&s, argv[i], strlen(argv[i]) + 1, &str_argv[i]);
	if (rc)
		return rc;
	/* /proc/<pid>/cmdline and environ read these back */
	mm->arg_start = s.sp;
	mm->arg_end = mm->env_start = env_start;
	mm->env_end = env_end;

	u64 aux[] = {
		AT_PHDR, im->phdr_vaddr ? im->phdr_vaddr + bias : 0, AT_PHENT, ELF_PHDR_SIZE,
		AT_PHNUM, im->phnum, AT_PAGESZ, PAGE_SIZE, AT_BASE, 0, AT_FLAGS, 0,
		AT_ENTRY, im->entry + bias, AT_UID, 0, AT_EUID, 0, AT_GID, 0,
		AT_EGID, 0, AT_SECURE, 0, AT_HWCAP, arch_elf_hwcap(), AT_CLKTCK, 100,
		AT_RANDOM, random_at, AT_EXECFN, fn_at, AT_PLATFORM, plat_at,
		AT_NULL, 0,
	};
	_Static_assert(ARRAY_SIZE(aux) <= AUXV_WORDS, "the stack mapped at exec holds auxv");
	u64 words = 1 + (u64)argc + 1 + (u64)envc + 1 + ARRAY_SIZE(aux);
	s.sp = ALIGN_DOWN(s.sp, 16);
	if (words & 1)
		s.sp -= 8;	/* rsp is 16-byte aligned at the entry point */
	u64 zero = 0, argc64 = (u64)argc;
	rc = push(&s, aux, sizeof(aux), NULL);
	rc = rc ? rc : push(&s, &zero, 8, NULL);
	for (int i = envc - 1; !rc && i >= 0; i--)
		rc = push(&s, &str_envp[i], 8, NULL);
	rc = rc ? rc : push(&s, &zero, 8, NULL);
	for (int i = argc - 1; !rc && i >= 0; i--)
		rc = push(&s, &str_argv[i], 8, NULL);
	rc = rc ? rc : push(&s, &argc64, 8, NULL);
	*sp_out = s.sp;
	return rc;
}

/* Reads and parses the headers; fills *im. The only heap use of an exec. */
static int read_image(const struct exec_source *src, struct elf_image *im)
{
	u8 ehdr[ELF_EHDR_SIZE];
	struct elf_header h;
	int rc = read_exact(src, ehdr, sizeof(ehdr), 0);

	if (!rc)
		rc = elf_parse_header(ehdr, sizeof(ehdr), src->size, &h);
	if (rc)
		return rc == -EINVAL ? -ENOEXEC : rc;
	u8 *phdrs = kmalloc(h.phdrs_size, GFP_KERNEL);
	if (!phdrs)
		return -ENOMEM;
	rc = read_exact(src, phdrs, h.phdrs_size, h.phoff);
	if (!rc)
		rc = elf_parse_phdrs(ehdr, sizeof(ehdr), phdrs, h.phdrs_size, src->size, im);
	kfree(phdrs);
	return rc == -EINVAL ? -ENOEXEC : rc;
}

int exec_load(struct user_mm *mm, const struct exec_source *src,
	      const char *const argv[], const char *const envp[], u64 *entry,
	      u64 *sp)
{
	struct elf_image *im = kmalloc(sizeof(*im), GFP_KERNEL);
	int rc;

	if (!im)
		return -ENOMEM;
	rc = read_image(src, im);
	if (!rc && im->has_interp) {
		/* ENOENT, as Linux gives for a missing interpreter: a shell
		 * says "not found" (ENOEXEC made it run the ELF as a script) */
		pr_warn("exec: %s is dynamically linked (PT_INTERP); only static "
			"programs run yet\n", src->name);
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
	if (!rc)
		rc = add_vmas(mm, src, im, bias);
	/* where each string landed on the user stack: 16 KiB, not on ours */
	u64 *str_at = rc ? NULL : kmalloc(2 * ARGS_MAX * sizeof(u64), GFP_KERNEL);
	if (!rc && !str_at)
		rc = -ENOMEM;
	if (!rc) {
		mm->brk_start = mm->brk = im->hi + bias;
		*entry = im->entry + bias;
		rc = build_stack(mm, im, bias, src->name, argv, envp, str_at,
				 str_at + ARGS_MAX, sp);
	}
	kfree(str_at);
	kfree(im);
	return rc;
}
