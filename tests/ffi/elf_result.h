/*
 * Runs one ELF file through one implementation of the ffi/elf.h contract
 * the way the kernel's exec does, and renders everything it returned as one
 * canonical line of text: two implementations behave the same on a file
 * exactly when their lines are equal.
 *
 * The sequence (the kernel's, see ffi/elf.h), all for one target:
 *   1. read min(64, file_size) bytes at 0;       elf_parse_header
 *   2. read phdrs_size bytes at phoff;           elf_parse_phdrs
 *   3. if has_interp: read interp_size bytes at interp_offset (at most
 *      ELF_MAX_INTERP);                          elf_check_interp
 * Each read goes into a heap buffer of exactly the bytes read, so that a
 * sanitizer catches an implementation reading past what it was given.
 *
 * The runner also checks the contract's promises that hold whatever the
 * input (return codes, outputs untouched on error, padding zero, outputs
 * consistent with the input bytes); a broken promise is appended to the
 * line as " !what" and counts as a failure on its own.
 */
#ifndef TESTS_FFI_ELF_RESULT_H
#define TESTS_FFI_ELF_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ffi/elf.h>

struct elf_impl {
	const char *name;
	int (*parse_header)(const uint8_t *ehdr, size_t ehdr_len, uint64_t file_size,
			    const struct elf_target *target, struct elf_header *out);
	int (*parse_phdrs)(const uint8_t *ehdr, size_t ehdr_len, const uint8_t *phdrs,
			   size_t phdrs_len, uint64_t file_size,
			   const struct elf_target *target, struct elf_image *out);
	int (*check_interp)(const uint8_t *path, size_t len);
};

/* Stage return codes: ELF_NOT_RUN when an earlier stage stopped the run. */
#define ELF_NOT_RUN 1

#define ELF_RESULT_TEXT 4096

struct elf_result {
	int hdr_rc, phdrs_rc, interp_rc;
	struct elf_header hdr;		/* valid if hdr_rc == 0 */
	struct elf_image img;		/* valid if phdrs_rc == 0 */
	char violations[512];		/* "" or " !a !b" */
	char text[ELF_RESULT_TEXT];	/* the canonical line (no newline) */
};

/* The kernel's target today (x86-64, asm/elf.h and asm/uvm.h). */
extern const struct elf_target elf_target_x86_64;

/*
 * Runs `file` (size bytes; file_size = size) through `impl` for `target`
 * (a valid one: T1 holds), fills *r, returns r->text. Never fails:
 * everything that can go wrong is in the text.
 */
const char *elf_result_run(const struct elf_impl *impl, const struct elf_target *target,
			   const uint8_t *file, size_t size, struct elf_result *r);

/* True if every stage that ran returned 0 (a loadable file). */
bool elf_result_loadable(const struct elf_result *r);

/*
 * For a loadable result: the file bytes the kernel needs, i.e. the end of
 * the furthest of the header, the program headers, the interpreter path,
 * PT_TLS's and every PT_LOAD's file range. 0 for an unloadable result.
 */
uint64_t elf_result_needed(const struct elf_result *r);

/* The C implementation (kernel/exec/elf_parse.c). */
extern const struct elf_impl elf_impl_c;
#ifdef WITH_RUST
/* The Rust component (target/release/liballoy_rs.a). */
extern const struct elf_impl elf_impl_rust;
#endif

#endif /* TESTS_FFI_ELF_RESULT_H */
