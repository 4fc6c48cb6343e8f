/*
 * The ELF64 header and program-header parser: the contract that the C
 * fallback (kernel/exec/elf_parse.c, symbols c_elf_*) and the Rust
 * component (rust/elf, symbols rust_elf_*) both satisfy, bit for bit.
 * ffi/elf_select.c picks one at boot; the rest of the kernel calls the
 * elf_* wrappers at the bottom and never a given implementation.
 *
 * Rules (DESIGN §5): inputs are (pointer, length) pairs and are only read
 * during the call; outputs are written only when the call returns 0; every
 * call returns 0 or a negative errno: -EINVAL for a caller error (a NULL
 * pointer, a bad target, a phdrs length that is not phnum * 56), -ENOEXEC
 * for anything wrong with the file. No allocation, no panic, whatever the
 * bytes.
 *
 * The parser knows no architecture: the caller passes what its
 * architecture allows, a struct elf_target (the kernel builds it from
 * asm/elf.h and asm/uvm.h), to both parse calls. A port changes the
 * target, never this contract. Each implementation reads *target once, at
 * the start of the call, and checks and uses that copy.
 *
 * The checks, in order (the first failing one decides the result):
 *
 * elf_parse_header(ehdr, ehdr_len, file_size, target, out)
 *  H1 ehdr, target or out NULL                           -EINVAL
 *  T1 a bad target: pad not all zero, user_top % 4096 != 0, or
 *     user_min >= user_top                               -EINVAL
 *  H2 ehdr_len < 64 or file_size < 64                    -ENOEXEC
 *  H3 e_ident: magic 7f 'E' 'L' 'F', class 2 (64-bit), data 1 (little
 *     endian), EI_VERSION 1, OSABI 0 (System V) or 3 (Linux)  -ENOEXEC
 *  H4 e_type 2 (EXEC) or 3 (DYN), e_machine == target->machine,
 *     e_version 1
 *  H5 e_ehsize 64, e_phentsize 56, 1 <= e_phnum <= ELF_MAX_PHNUM
 *  H6 e_phoff >= 64, e_phoff % 8 == 0, e_phoff + e_phnum * 56 <= file_size
 *     (computed without overflow)
 *  then out = { type, phnum, entry, phoff, phdrs_size = phnum * 56 }.
 *
 * elf_parse_phdrs(ehdr, ehdr_len, phdrs, phdrs_len, file_size, target, out)
 *  P1 any pointer NULL                                   -EINVAL
 *  T1 a bad target, as above                             -EINVAL
 *  P2 the header checks H2..H6 on ehdr                   -ENOEXEC
 *  P3 phdrs_len != e_phnum * 56                          -EINVAL
 *  P4 each program header, in table order:
 *     PT_LOAD (1): more than ELF_MAX_LOADS of them; p_filesz > p_memsz;
 *       p_offset + p_filesz > file_size or overflows; p_vaddr + p_memsz
 *       overflows or > target->user_top; p_align not 0 and not a power of
 *       two; p_align > 1 and p_offset % p_align != p_vaddr % p_align;
 *       p_offset % 4096 != p_vaddr % 4096; p_vaddr below the end
 *       (p_vaddr + p_memsz) of the previous PT_LOAD (out of order or
 *       overlapping)                                    -ENOEXEC
 *     PT_INTERP (3): a second one; p_filesz < 2 or > ELF_MAX_INTERP;
 *       p_offset + p_filesz > file_size or overflows    -ENOEXEC
 *     PT_TLS (7): a second one; p_filesz > p_memsz; p_offset + p_filesz
 *       > file_size or overflows; p_vaddr + p_memsz overflows; p_align
 *       not 0 and not a power of two                    -ENOEXEC
 *     PT_GNU_STACK (0x6474e551): stack_flags = p_flags & 7 (the last wins)
 *     anything else: ignored
 *  P5 no PT_LOAD                                         -ENOEXEC
 *  P6 e_entry not inside [p_vaddr, p_vaddr + p_memsz) of some PT_LOAD
 *  P7 ET_EXEC whose first PT_LOAD starts below target->user_min
 *                                                        -ENOEXEC
 *  then out is filled as described in struct elf_image; unused loads[]
 *  entries and all padding are zero.
 *
 * elf_check_interp(path, len): the PT_INTERP bytes as read from the file.
 *  I1 path NULL                                          -EINVAL
 *  I2 len < 2 or len > ELF_MAX_INTERP                    -ENOEXEC
 *  I3 path[len - 1] != 0, or a 0 byte before it          -ENOEXEC
 */
#ifndef FFI_ELF_H
#define FFI_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_ABI_VERSION 2		/* 2: struct elf_target */

#define ELF_EHDR_SIZE 64
#define ELF_PHDR_SIZE 56
#define ELF_MAX_PHNUM 64
#define ELF_MAX_LOADS 16
#define ELF_MAX_INTERP 4096			/* bytes, NUL included */

#define ELF_TYPE_EXEC 2
#define ELF_TYPE_DYN 3
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4
#define ELF_STACK_DEFAULT (ELF_PF_R | ELF_PF_W)	/* without PT_GNU_STACK */

/*
 * What the architecture allows; only read during the call. 24 bytes,
 * every byte a named field (no implicit padding), the same in Rust
 * (rust/elf/src/abi.rs, ElfTarget). user_top a multiple of 4096 keeps
 * every rounded-up end representable.
 */
struct elf_target {
	uint16_t machine;	/* the one e_machine accepted (62 x86-64, 183 aarch64) */
	uint16_t pad[3];	/* zero (T1): room for flags without a new layout */
	uint64_t user_min;	/* lowest address an ET_EXEC's first PT_LOAD may use */
	uint64_t user_top;	/* end of user space: no PT_LOAD may reach past it */
};

struct elf_header {
	uint16_t type;		/* ELF_TYPE_EXEC or ELF_TYPE_DYN */
	uint16_t phnum;
	uint32_t pad;
	uint64_t entry;
	uint64_t phoff;
	uint64_t phdrs_size;	/* bytes to read at phoff: phnum * 56 */
};

struct elf_load {
	uint64_t vaddr;		/* p_vaddr (ET_DYN: before the load bias) */
	uint64_t memsz;
	uint64_t offset;	/* p_offset */
	uint64_t filesz;
	uint64_t align;
	uint32_t flags;		/* p_flags & 7: ELF_PF_R | W | X */
	uint32_t pad;
};

struct elf_image {
	uint16_t type;
	uint16_t phnum;
	uint32_t nr_loads;
	uint64_t entry;
	/* Address of the program headers once loaded (for AT_PHDR): the first
	 * PT_LOAD whose file range [offset, offset + filesz) holds all of
	 * [phoff, phoff + phnum * 56) gives vaddr + (phoff - offset); 0 if
	 * none does. */
	uint64_t phdr_vaddr;
	uint64_t lo;		/* first PT_LOAD's vaddr rounded down to 4096 */
	uint64_t hi;		/* last PT_LOAD's vaddr + memsz rounded up to 4096 */
	uint32_t has_interp;
	uint32_t stack_flags;	/* PT_GNU_STACK flags, else ELF_STACK_DEFAULT */
	uint64_t interp_offset;	/* PT_INTERP p_offset and p_filesz, or 0 */
	uint64_t interp_size;
	uint32_t has_tls;
	uint32_t pad;
	uint64_t tls_vaddr, tls_filesz, tls_memsz, tls_align;	/* or 0 */
	struct elf_load loads[ELF_MAX_LOADS];
};

/* The C fallback. */
uint32_t c_elf_abi_version(void);
int c_elf_parse_header(const uint8_t *ehdr, size_t ehdr_len, uint64_t file_size,
		       const struct elf_target *target, struct elf_header *out);
int c_elf_parse_phdrs(const uint8_t *ehdr, size_t ehdr_len, const uint8_t *phdrs,
		      size_t phdrs_len, uint64_t file_size,
		      const struct elf_target *target, struct elf_image *out);
int c_elf_check_interp(const uint8_t *path, size_t len);

/* The Rust component (FFI=1 only). */
uint32_t rust_elf_abi_version(void);
int rust_elf_parse_header(const uint8_t *ehdr, size_t ehdr_len, uint64_t file_size,
			  const struct elf_target *target, struct elf_header *out);
int rust_elf_parse_phdrs(const uint8_t *ehdr, size_t ehdr_len, const uint8_t *phdrs,
			 size_t phdrs_len, uint64_t file_size,
			 const struct elf_target *target, struct elf_image *out);
int rust_elf_check_interp(const uint8_t *path, size_t len);

#endif
