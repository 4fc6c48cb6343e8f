// SOURCES:
/*
 * The Rust ELF parser's C ABI, as cbindgen generated it from rust/elf
 * (ffi/generated/elf_rs.h, types renamed rs_*), against the contract
 * (ffi/elf.h): every struct the same size and alignment, every field at
 * the same offset with the same size and type, the same constants, and
 * the rust_elf_* prototypes the contract's with only the struct names
 * changed. Most of it is checked at compile time (a mismatch does not
 * build); the CHECKs report the same facts as TAP.
 *
 * Nothing is linked: the test is about declarations, so it needs neither
 * the Rust staticlib nor the C parser.
 */

/*
 * Both headers declare rust_elf_*, with different struct names: the
 * generated declarations are renamed here so that both can be seen.
 */
#define rust_elf_abi_version gen_rust_elf_abi_version
#define rust_elf_parse_header gen_rust_elf_parse_header
#define rust_elf_parse_phdrs gen_rust_elf_parse_phdrs
#define rust_elf_check_interp gen_rust_elf_check_interp
#include "ffi/generated/elf_rs.h"
#undef rust_elf_abi_version
#undef rust_elf_parse_header
#undef rust_elf_parse_phdrs
#undef rust_elf_check_interp

#include "ffi/elf.h"

#include <stddef.h>

#include "check.h"

#define SAME_TYPE(a, b) __builtin_types_compatible_p(__typeof__(a), __typeof__(b))

/* The member m of struct c and of struct rs_c. */
#define C_MEMBER(c, m) (((struct c *)0)->m)
#define RS_MEMBER(c, m) (((struct rs_##c *)0)->m)

#define FIELD_MATCHES(c, m)                                              \
	(offsetof(struct c, m) == offsetof(struct rs_##c, m) &&         \
	 sizeof(C_MEMBER(c, m)) == sizeof(RS_MEMBER(c, m)) &&           \
	 SAME_TYPE(C_MEMBER(c, m), RS_MEMBER(c, m)))

/* A field, at compile time and as a TAP line. */
#define FIELD(c, m)                                                     \
	_Static_assert(FIELD_MATCHES(c, m), "struct " #c "." #m " differs in Rust")
#define CHECK_FIELD(c, m)                                               \
	CHECK(FIELD_MATCHES(c, m), "struct %s.%s: offset %zu size %zu in both", \
	      #c, #m, offsetof(struct c, m), sizeof(C_MEMBER(c, m)));

#define STRUCT_MATCHES(c)                                               \
	(sizeof(struct c) == sizeof(struct rs_##c) &&                   \
	 _Alignof(struct c) == _Alignof(struct rs_##c))
#define STRUCT(c) _Static_assert(STRUCT_MATCHES(c), "struct " #c " differs in Rust")

/*
 * Every field, in declaration order: together with the equal sizes this
 * leaves no room for a field that only one side has (there is no implicit
 * padding in these structs: the offsets are consecutive).
 */
#define ELF_TARGET_FIELDS(X) X(elf_target, machine) X(elf_target, pad)  \
	X(elf_target, user_min) X(elf_target, user_top)
#define ELF_HEADER_FIELDS(X) X(elf_header, type) X(elf_header, phnum)  \
	X(elf_header, pad) X(elf_header, entry) X(elf_header, phoff)    \
	X(elf_header, phdrs_size)
#define ELF_LOAD_FIELDS(X) X(elf_load, vaddr) X(elf_load, memsz)        \
	X(elf_load, offset) X(elf_load, filesz) X(elf_load, align)      \
	X(elf_load, flags) X(elf_load, pad)
#define ELF_IMAGE_FIELDS(X) X(elf_image, type) X(elf_image, phnum)     \
	X(elf_image, nr_loads) X(elf_image, entry)                      \
	X(elf_image, phdr_vaddr) X(elf_image, lo) X(elf_image, hi)      \
	X(elf_image, has_interp) X(elf_image, stack_flags)              \
	X(elf_image, interp_offset) X(elf_image, interp_size)           \
	X(elf_image, has_tls) X(elf_image, pad) X(elf_image, tls_vaddr) \
	X(elf_image, tls_filesz) X(elf_image, tls_memsz)                \
	X(elf_image, tls_align)

#define STATIC_FIELD(c, m) FIELD(c, m);
ELF_TARGET_FIELDS(STATIC_FIELD)
ELF_HEADER_FIELDS(STATIC_FIELD)
ELF_LOAD_FIELDS(STATIC_FIELD)
ELF_IMAGE_FIELDS(STATIC_FIELD)
STRUCT(elf_target);
STRUCT(elf_header);
STRUCT(elf_load);
STRUCT(elf_image);
_Static_assert(sizeof(struct elf_target) == 24, "contract: elf_target");
_Static_assert(sizeof(struct elf_header) == 32, "contract: elf_header");
_Static_assert(sizeof(struct elf_load) == 48, "contract: elf_load");
_Static_assert(sizeof(struct elf_image) == 104 + 48 * ELF_MAX_LOADS, "contract: elf_image");

/* loads[]: arrays of the structs above, at the same place, as long. */
#define LOADS_MATCH                                                      \
	(offsetof(struct elf_image, loads) == offsetof(struct rs_elf_image, loads) && \
	 sizeof(C_MEMBER(elf_image, loads)) == sizeof(RS_MEMBER(elf_image, loads)) && \
	 SAME_TYPE(C_MEMBER(elf_image, loads[0]), struct elf_load) &&    \
	 SAME_TYPE(RS_MEMBER(elf_image, loads[0]), struct rs_elf_load))
_Static_assert(LOADS_MATCH, "struct elf_image.loads differs in Rust");

/* The constants. */
#define CONSTANTS(X) X(ELF_ABI_VERSION) X(ELF_EHDR_SIZE) X(ELF_PHDR_SIZE) \
	X(ELF_MAX_PHNUM) X(ELF_MAX_LOADS) X(ELF_MAX_INTERP)               \
	X(ELF_TYPE_EXEC) X(ELF_TYPE_DYN)                                  \
	X(ELF_PF_X) X(ELF_PF_W) X(ELF_PF_R) X(ELF_STACK_DEFAULT)
#define STATIC_CONSTANT(k) _Static_assert(k == RS_##k, #k " differs in Rust");
CONSTANTS(STATIC_CONSTANT)

/*
 * The prototypes: each is written once, with the struct tag as the only
 * parameter, and both declarations must have exactly that type. A changed
 * parameter or return type on either side does not compile.
 */
#define ABI_VERSION_FN(tag) uint32_t (*)(void)
#define PARSE_HEADER_FN(tag)                                             \
	int (*)(const uint8_t *, size_t, uint64_t, const struct tag##elf_target *, \
		struct tag##elf_header *)
#define PARSE_PHDRS_FN(tag)                                              \
	int (*)(const uint8_t *, size_t, const uint8_t *, size_t, uint64_t, \
		const struct tag##elf_target *, struct tag##elf_image *)
#define CHECK_INTERP_FN(tag) int (*)(const uint8_t *, size_t)

#define PROTO_MATCHES(fn, TYPE)                                          \
	(__builtin_types_compatible_p(__typeof__(&rust_##fn), TYPE()) &&  \
	 __builtin_types_compatible_p(__typeof__(&gen_rust_##fn), TYPE(rs_)) && \
	 __builtin_types_compatible_p(__typeof__(&c_##fn), TYPE()))
#define PROTOS(X) X(elf_abi_version, ABI_VERSION_FN)                     \
	X(elf_parse_header, PARSE_HEADER_FN)                               \
	X(elf_parse_phdrs, PARSE_PHDRS_FN)                                 \
	X(elf_check_interp, CHECK_INTERP_FN)
#define STATIC_PROTO(fn, TYPE) \
	_Static_assert(PROTO_MATCHES(fn, TYPE), "rust_" #fn ": prototype differs in Rust");
PROTOS(STATIC_PROTO)

/*
 * __builtin_types_compatible_p sees through typedefs, so on x86-64 size_t,
 * uintptr_t and uint64_t (all unsigned long) are not told apart; nor can
 * the ABI tell them apart. Every other change is a compile error.
 */

#define CHECK_PROTO(fn, TYPE) \
	CHECK(PROTO_MATCHES(fn, TYPE), "rust_%s: generated prototype is the contract's", #fn);
#define CHECK_CONSTANT(k) \
	CHECK(k == RS_##k, "%s = %llu in both", #k, (unsigned long long)(k));

int main(void)
{
	CHECK(STRUCT_MATCHES(elf_target), "struct elf_target: %zu bytes in both",
	      sizeof(struct elf_target));
	CHECK(STRUCT_MATCHES(elf_header), "struct elf_header: %zu bytes in both",
	      sizeof(struct elf_header));
	CHECK(STRUCT_MATCHES(elf_load), "struct elf_load: %zu bytes in both",
	      sizeof(struct elf_load));
	CHECK(STRUCT_MATCHES(elf_image), "struct elf_image: %zu bytes in both",
	      sizeof(struct elf_image));
	ELF_TARGET_FIELDS(CHECK_FIELD)
	ELF_HEADER_FIELDS(CHECK_FIELD)
	ELF_LOAD_FIELDS(CHECK_FIELD)
	ELF_IMAGE_FIELDS(CHECK_FIELD)
	CHECK(LOADS_MATCH, "struct elf_image.loads: offset %zu, %d struct elf_load in both",
	      offsetof(struct elf_image, loads), ELF_MAX_LOADS);
	CONSTANTS(CHECK_CONSTANT)
	PROTOS(CHECK_PROTO)
	return check_done();
}
