/*
 * Differential fuzzer for the ELF parser (ffi/elf.h): every input is a
 * whole file (file_size = its length) that goes through the C fallback
 * (kernel/exec/elf_parse.c) and the Rust component (liballoy_rs.a) the way
 * the kernel's exec does it (tests/ffi/elf_result.c). Any difference in a
 * return code or an output field, or a broken promise of the contract
 * (" !..." in the canonical line), traps.
 *
 * The target (struct elf_target) is part of the input: the low 3 bits of
 * the last byte pick one (pick_target), so the fuzzer also explores other
 * machines, user_tops and user_mins, every one of them valid (T1).
 *
 * Build and run: scripts/fuzz-elf.sh SECONDS OUT.tap. By hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -I. -Itests/ffi \
 *     -DWITH_RUST tests/fuzz/elf_diff.c tests/ffi/elf_result.c \
 *     kernel/exec/elf_parse.c target/release/liballoy_rs.a -Wl,--gc-sections \
 *     -lpthread -ldl -lm -o elf_diff
 *   ./elf_diff -max_len=8192 CORPUS_DIR SEED_DIR...
 * Reproduce a crash: ./elf_diff crash-<sha1> (prints both results).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_result.h"

#ifndef WITH_RUST
#error "the differential fuzzer compares C with Rust: build with -DWITH_RUST"
#endif

void alloy_rust_panic(const char *msg, size_t len);
void alloy_log(int level, const char *msg, size_t len);

void alloy_rust_panic(const char *msg, size_t len)
{
	fprintf(stderr, "elf_diff: rust panic: %.*s\n", (int)len, msg);
	abort();
}

/* Rejections may be logged; at millions of inputs a second, stay quiet. */
void alloy_log(int level, const char *msg, size_t len)
{
	(void)level;
	(void)msg;
	(void)len;
}

/*
 * Half the inputs run for x86-64 (the seeds end in bytes that pick it
 * often); the rest for aarch64, for a low user space that cuts through the
 * seeds' segments, and for whatever machine the file names, with a user_min
 * off any page boundary: H4 then passes and P4..P7 see the odd bounds.
 */
static const struct elf_target *pick_target(const uint8_t *data, size_t size,
					     struct elf_target *own)
{
	static const struct elf_target aarch64 = {
		.machine = 183, .user_min = 0x10000, .user_top = 0x0000fffffffff000ULL,
	};
	static const struct elf_target low = {
		.machine = 62, .user_min = 0x400000, .user_top = 0x404000,
	};

	switch (size ? data[size - 1] & 7 : 0) {
	case 4:
		return &aarch64;
	case 5:
		return &low;
	case 6:
	case 7:
		*own = (struct elf_target){
			.machine = size >= 20 ? (uint16_t)(data[18] | data[19] << 8) : 62,
			.user_min = 0x12345,
			.user_top = data[size - 1] & 1 ? 0x800000000ULL : 0x0000fffffffff000ULL,
		};
		return own;
	default:
		return &elf_target_x86_64;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct elf_result c, rust;
	struct elf_target own;
	const struct elf_target *t = pick_target(data, size, &own);
	const char *why = NULL;

	elf_result_run(&elf_impl_c, t, data, size, &c);
	elf_result_run(&elf_impl_rust, t, data, size, &rust);

	if (c.hdr_rc != rust.hdr_rc || c.phdrs_rc != rust.phdrs_rc ||
	    c.interp_rc != rust.interp_rc)
		why = "return codes differ";
	else if (c.hdr_rc == 0 && memcmp(&c.hdr, &rust.hdr, sizeof(c.hdr)))
		why = "struct elf_header outputs differ";
	else if (c.phdrs_rc == 0 && memcmp(&c.img, &rust.img, sizeof(c.img)))
		why = "struct elf_image outputs differ";
	else if (strcmp(c.text, rust.text))
		why = "canonical results differ";
	else if (c.violations[0] || rust.violations[0])
		why = "the contract is broken (both agree)";
	if (why) {
		fprintf(stderr, "elf_diff: %s on a %zu-byte file for {machine %u, user_min %#llx, "
			"user_top %#llx}\n  c:    %s\n  rust: %s\n", why, size, t->machine,
			(unsigned long long)t->user_min, (unsigned long long)t->user_top, c.text,
			rust.text);
		__builtin_trap();
	}
	return 0;
}
