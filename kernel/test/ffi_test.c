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
static int liar_header(const uint8_t *e, size_t el, uint64_t fs, struct elf_header *o)
{
	(void)e; (void)el; (void)fs;
	memset(o, 0, sizeof(*o));
	o->type = ELF_TYPE_EXEC;
	o->phnum = 200;			/* more than ELF_MAX_PHNUM */
	return 0;
}

static int liar_phdrs(const uint8_t *e, size_t el, const uint8_t *p, size_t pl,
		      uint64_t fs, struct elf_image *o)
{
	(void)e; (void)el; (void)p; (void)pl; (void)fs;
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

KTEST(ffi_elf_wrapper_rejects_bad_results)
{
	uint8_t junk[ELF_EHDR_SIZE] = { 0 };
	struct elf_header h;
	struct elf_image im;
	const struct elf_impl *old;

	/* each call: the lie is caught, C takes over and answers */
	old = elf_impl_force(&liar);
	KT_EXPECT(elf_parse_header(junk, sizeof(junk), 4096, &h) == -ENOEXEC);
	KT_EXPECT(!strcmp(ffi_impl("elf"), "c"));
	elf_impl_force(&liar);
	KT_EXPECT(elf_parse_phdrs(junk, sizeof(junk), junk, 0, 4096, &im) == -ENOEXEC);
	KT_EXPECT(!strcmp(ffi_impl("elf"), "c"));
	elf_impl_force(&liar);
	KT_EXPECT(elf_check_interp((const uint8_t *)"/x", 3) == 0);
	KT_EXPECT(!strcmp(ffi_impl("elf"), "c"));
	elf_impl_force(old);
}
