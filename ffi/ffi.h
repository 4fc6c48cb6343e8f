/*
 * The C/Rust boundary as the rest of the kernel sees it: each component
 * is called through wrappers that pick the Rust implementation or the C
 * fallback (chosen once at boot by ffi_init) and check every result
 * before returning it.
 */
#ifndef FFI_FFI_H
#define FFI_FFI_H

#include <ffi/elf.h>
#include <stdbool.h>

/* Selects an implementation per component and logs the choice. */
void ffi_init(void);

/* Which implementation a component uses: "rust" or "c". */
const char *ffi_impl(const char *component);

/* The ELF parser (ffi/elf.h has the contract). */
int elf_parse_header(const uint8_t *ehdr, size_t ehdr_len, uint64_t file_size,
		     struct elf_header *out);
int elf_parse_phdrs(const uint8_t *ehdr, size_t ehdr_len, const uint8_t *phdrs,
		    size_t phdrs_len, uint64_t file_size, struct elf_image *out);
int elf_check_interp(const uint8_t *path, size_t len);

/* Both implementations, for tests: index 0 is C, 1 is Rust (if built). */
struct elf_impl {
	const char *name;
	uint32_t (*abi_version)(void);
	int (*parse_header)(const uint8_t *, size_t, uint64_t, struct elf_header *);
	int (*parse_phdrs)(const uint8_t *, size_t, const uint8_t *, size_t, uint64_t,
			   struct elf_image *);
	int (*check_interp)(const uint8_t *, size_t);
};
const struct elf_impl *elf_impl_get(int i);
/* Tests only: make impl the active parser; returns the previous one. */
const struct elf_impl *elf_impl_force(const struct elf_impl *impl);
/* Runs the boot self-test of impl against the C fallback. */
bool elf_self_test(const struct elf_impl *impl);

#endif
