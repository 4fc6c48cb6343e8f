/*
 * The C/Rust boundary: the selection follows the build and the command
 * line, every implementation agrees with the C fallback, and the checking
 * wrappers do not pass on what a misbehaving implementation returns.
 */
#include <alloy/cmdline.h>
#include <alloy/errno.h>
#include <alloy/ktest.h>
#include <alloy/string.h>
#include <ffi/ffi.h>
#include <ffi/select.h>

KTEST(ffi_elf_selection)
{
	bool broken = cmdline_has("ffi_break");	/* simulated ABI or self-test failure */
	const char *want = ALLOY_FFI && ffi_rust_allowed("elf") && !broken ? "rust" : "c";

	KT_ASSERT(ffi_impl("elf"));
	KT_EXPECT(!strcmp(ffi_impl("elf"), want));
	KT_EXPECT(elf_impl_get(ALLOY_FFI ? 1 : 0) != NULL);
	KT_EXPECT(elf_impl_get(ALLOY_FFI ? 2 : 1) == NULL);
}

KTEST(ffi_elf_implementations_agree)
{
	for (int i = 0; elf_impl_get(i); i++) {
		const struct elf_impl *impl = elf_impl_get(i);
		KT_EXPECT(impl->abi_version() == ELF_ABI_VERSION);
		KT_EXPECT(elf_self_test(impl));
	}
}

/* A parser that lies: claims success with an image that breaks the contract. */
static int liar_header(const uint8_t *e, size_t el, uint64_t fs,
		       const struct elf_target *t, struct elf_header *o)
{
	(void)e; (void)el; (void)fs; (void)t;
	memset(o, 0, sizeof(*o));
	o->type = ELF_TYPE_EXEC;
	o->phnum = 200;			/* more than ELF_MAX_PHNUM */
	return 0;
}

static int liar_phdrs(const uint8_t *e, size_t el, const uint8_t *p, size_t pl,
		      uint64_t fs, const struct elf_target *t, struct elf_image *o)
{
	(void)e; (void)el; (void)p; (void)pl; (void)fs; (void)t;
	memset(o, 0, sizeof(*o));
	o->type = ELF_TYPE_EXEC;
	o->nr_loads = 99;		/* more than ELF_MAX_LOADS */
	return 0;
}

static int liar_interp(const uint8_t *p, size_t l)
{
	(void)p; (void)l;
	return 12345;			/* not an errno the contract allows */
}

static uint32_t liar_abi(void) { return ELF_ABI_VERSION; }

static const struct elf_impl liar = { "liar", liar_abi, liar_header, liar_phdrs,
				      liar_interp };

static const struct elf_target x86_64 = {
	.machine = 62, .user_min = 0x10000, .user_top = 0x00007ffffffff000ULL,
};

/*
 * A parser that ignores the target: one well-formed load at 0x400000,
 * which a target whose user space ends at 0x400000 does not allow.
 */
static int deaf_phdrs(const uint8_t *e, size_t el, const uint8_t *p, size_t pl,
		      uint64_t fs, const struct elf_target *t, struct elf_image *o)
{
	(void)e; (void)el; (void)p; (void)pl; (void)fs; (void)t;
	memset(o, 0, sizeof(*o));
	o->type = ELF_TYPE_EXEC;
	o->phnum = 1;
	o->nr_loads = 1;
	o->entry = 0x400000;
	o->lo = 0x400000;
	o->hi = 0x401000;
	o->stack_flags = ELF_STACK_DEFAULT;
	o->loads[0] = (struct elf_load){ .vaddr = 0x400000, .memsz = 0x1000,
					 .filesz = 0x1000, .flags = ELF_PF_R | ELF_PF_X };
	return 0;
}

static const struct elf_impl deaf = { "deaf", liar_abi, liar_header, deaf_phdrs,
				      liar_interp };

KTEST(ffi_elf_wrapper_checks_the_target)
{
	static const struct elf_target low = {
		.machine = 62, .user_min = 0x10000, .user_top = 0x400000,
	};
	uint8_t junk[ELF_EHDR_SIZE] = { 0 };
	struct elf_image im;
	const struct elf_impl *old;

	/* the same image is fine for x86-64 and past the top of `low` */
	old = elf_impl_force(&deaf);
	KT_EXPECT(elf_parse_phdrs(junk, sizeof(junk), junk, 0, 0x2000, &x86_64, &im) == 0);
	KT_EXPECT(!strcmp(ffi_impl("elf"), "deaf"));
	KT_EXPECT(elf_parse_phdrs(junk, sizeof(junk), junk, 0, 0x2000, &low, &im) == -ENOEXEC);
	KT_EXPECT(!strcmp(ffi_impl("elf"), "c"));
	elf_impl_force(old);
}

KTEST(ffi_elf_wrapper_rejects_bad_results)
{
	uint8_t junk[ELF_EHDR_SIZE] = { 0 };
	struct elf_header h;
	struct elf_image im;
	const struct elf_impl *old;

	/* each call: the lie is caught, C takes over and answers */
	old = elf_impl_force(&liar);
	KT_EXPECT(elf_parse_header(junk, sizeof(junk), 4096, &x86_64, &h) == -ENOEXEC);
	KT_EXPECT(!strcmp(ffi_impl("elf"), "c"));
	elf_impl_force(&liar);
	KT_EXPECT(elf_parse_phdrs(junk, sizeof(junk), junk, 0, 4096, &x86_64, &im) == -ENOEXEC);
	KT_EXPECT(!strcmp(ffi_impl("elf"), "c"));
	elf_impl_force(&liar);
	KT_EXPECT(elf_check_interp((const uint8_t *)"/x", 3) == 0);
	KT_EXPECT(!strcmp(ffi_impl("elf"), "c"));
	elf_impl_force(old);
}
