/*
 * The ELF parser behind the boundary. At boot, the Rust parser is used
 * only if it was built (FFI=1), is not switched off on the command line
 * (`rust=off` or `rust=off:elf`), reports the ABI version this kernel was
 * built for, and passes a self-test that compares it with the C fallback.
 * After that every result is checked as if the other side were hostile:
 * an unknown return code or an output that breaks the contract's
 * invariants is logged once and the C fallback takes over for good.
 */
#include <alloy/cmdline.h>
#include <alloy/compiler.h>
#include <alloy/errno.h>
#include <alloy/printk.h>
#include <alloy/string.h>
#include <ffi/ffi.h>
#include <ffi/select.h>

#define PAGE 4096ULL

static const struct elf_impl impls[] = {
	{ "c", c_elf_abi_version, c_elf_parse_header, c_elf_parse_phdrs,
	  c_elf_check_interp },
#if ALLOY_FFI
	{ "rust", rust_elf_abi_version, rust_elf_parse_header, rust_elf_parse_phdrs,
	  rust_elf_check_interp },
#endif
};

static const struct elf_impl *active = &impls[0];

const struct elf_impl *elf_impl_get(int i)
{
	return i >= 0 && i < (int)ARRAY_SIZE(impls) ? &impls[i] : NULL;
}

/* Switch to C for good, saying why once. */
static void distrust(const char *why)
{
	if (active == &impls[0])
		return;
	pr_err("ffi: elf: the %s parser %s; using the C fallback from now on\n",
	       active->name, why);
	active = &impls[0];
}

static bool rc_valid(int rc)
{
	return rc == 0 || rc == -EINVAL || rc == -ENOEXEC;
}

static bool header_valid(const struct elf_header *h, uint64_t file_size)
{
	return (h->type == ELF_TYPE_EXEC || h->type == ELF_TYPE_DYN) &&
	       h->phnum >= 1 && h->phnum <= ELF_MAX_PHNUM && !h->pad &&
	       h->phdrs_size == (uint64_t)h->phnum * ELF_PHDR_SIZE &&
	       h->phoff >= ELF_EHDR_SIZE && h->phoff <= file_size &&
	       h->phdrs_size <= file_size - h->phoff;
}

static bool load_valid(const struct elf_load *l, uint64_t file_size, uint64_t top)
{
	return l->filesz <= l->memsz && l->offset <= file_size &&
	       l->filesz <= file_size - l->offset && l->vaddr <= top &&
	       l->memsz <= top - l->vaddr && l->flags <= 7 && !l->pad &&
	       (l->offset % PAGE) == (l->vaddr % PAGE);
}

static bool image_valid(const struct elf_image *im, uint64_t file_size,
			const struct elf_target *t)
{
	const struct elf_load *l = im->loads;
	uint32_t n = im->nr_loads;
	bool entry_ok = false;

	if ((im->type != ELF_TYPE_EXEC && im->type != ELF_TYPE_DYN) || n < 1 ||
	    n > ELF_MAX_LOADS || im->has_interp > 1 || im->has_tls > 1 ||
	    im->stack_flags > 7 || im->pad)
		return false;
	for (uint32_t i = 0; i < ELF_MAX_LOADS; i++) {
		if (i >= n) {	/* unused entries stay zero */
			static const struct elf_load zero;
			if (memcmp(&l[i], &zero, sizeof(zero)))
				return false;
			continue;
		}
		if (!load_valid(&l[i], file_size, t->user_top))
			return false;
		if (i && l[i].vaddr < l[i - 1].vaddr + l[i - 1].memsz)
			return false;
		if (im->entry >= l[i].vaddr && im->entry - l[i].vaddr < l[i].memsz)
			entry_ok = true;
	}
	if (im->type == ELF_TYPE_EXEC && l[0].vaddr < t->user_min)
		return false;
	if (!entry_ok || im->lo != (l[0].vaddr & ~(PAGE - 1)) ||
	    im->hi != ((l[n - 1].vaddr + l[n - 1].memsz + PAGE - 1) & ~(PAGE - 1)))
		return false;
	if (im->has_interp &&
	    (im->interp_size < 2 || im->interp_size > ELF_MAX_INTERP ||
	     im->interp_offset > file_size ||
	     im->interp_size > file_size - im->interp_offset))
		return false;
	if (!im->has_interp && (im->interp_offset || im->interp_size))
		return false;
	return true;
}

int elf_parse_header(const uint8_t *ehdr, size_t ehdr_len, uint64_t file_size,
		     const struct elf_target *target, struct elf_header *out)
{
	struct elf_header h;
	const struct elf_impl *impl = active;
	int rc = impl->parse_header(ehdr, ehdr_len, file_size, target, &h);

	if (impl != &impls[0] &&
	    (!rc_valid(rc) || (!rc && !header_valid(&h, file_size)))) {
		distrust("returned an invalid header result");
		rc = impls[0].parse_header(ehdr, ehdr_len, file_size, target, &h);
	}
	if (!rc)
		*out = h;
	return rc;
}

int elf_parse_phdrs(const uint8_t *ehdr, size_t ehdr_len, const uint8_t *phdrs,
		    size_t phdrs_len, uint64_t file_size,
		    const struct elf_target *target, struct elf_image *out)
{
	struct elf_image im;	/* ~900 bytes; callers run on 16 KiB stacks */
	const struct elf_impl *impl = active;
	int rc = impl->parse_phdrs(ehdr, ehdr_len, phdrs, phdrs_len, file_size, target, &im);

	if (impl != &impls[0] && (!rc_valid(rc) ||
	    (!rc && (!target || !image_valid(&im, file_size, target))))) {
		distrust("returned an invalid image");
		rc = impls[0].parse_phdrs(ehdr, ehdr_len, phdrs, phdrs_len, file_size, target,
					  &im);
	}
	if (!rc)
		*out = im;
	return rc;
}

int elf_check_interp(const uint8_t *path, size_t len)
{
	const struct elf_impl *impl = active;
	int rc = impl->check_interp(path, len);

	if (impl != &impls[0] && !rc_valid(rc)) {
		distrust("returned an invalid interpreter check");
		rc = impls[0].check_interp(path, len);
	}
	return rc;
}

/* Tests only: make `impl` the active parser; returns the previous one. */
const struct elf_impl *elf_impl_force(const struct elf_impl *impl)
{
	const struct elf_impl *old = active;
	active = impl;
	return old;
}

const char *elf_impl_active(void)
{
	return active->name;
}

void elf_select_init(void)
{
#if ALLOY_FFI
	const struct elf_impl *rust = &impls[1];
	uint32_t v;

	if (!ffi_rust_allowed("elf")) {
		pr_info("ffi: elf: C parser (Rust switched off on the command line)\n");
		return;
	}
	v = rust->abi_version();
	if (cmdline_list_has("ffi_break", "abi"))	/* tests: a stale library */
		v = ELF_ABI_VERSION + 1;
	if (v != ELF_ABI_VERSION) {
		pr_warn("ffi: elf: Rust parser has ABI %u, the kernel expects %u; "
			"using the C fallback\n", v, ELF_ABI_VERSION);
		return;
	}
	if (!elf_self_test(rust) || cmdline_list_has("ffi_break", "selftest")) {
		pr_warn("ffi: elf: Rust parser failed its self-test; using the C fallback\n");
		return;
	}
	active = rust;
	pr_info("ffi: elf: Rust parser (ABI %u, self-test passed)\n", v);
#else
	pr_info("ffi: elf: C parser (built with FFI=0)\n");
#endif
}
