/*
 * The C/Rust boundary as the rest of the kernel sees it: each component
 * is called through wrappers that pick the Rust implementation or the C
 * fallback (chosen once at boot by ffi_init) and check every result
 * before returning it.
 */
#ifndef FFI_FFI_H
#define FFI_FFI_H

#include <ffi/elf.h>
#include <ffi/ext2.h>
#include <stdbool.h>

/* Selects an implementation per component and logs the choice. */
void ffi_init(void);

/* Which implementation a component uses: "rust" or "c". */
const char *ffi_impl(const char *component);

/* The ELF parser (ffi/elf.h has the contract). */
int elf_parse_header(const uint8_t *ehdr, size_t ehdr_len, uint64_t file_size,
		     const struct elf_target *target, struct elf_header *out);
int elf_parse_phdrs(const uint8_t *ehdr, size_t ehdr_len, const uint8_t *phdrs,
		    size_t phdrs_len, uint64_t file_size,
		    const struct elf_target *target, struct elf_image *out);
int elf_check_interp(const uint8_t *path, size_t len);

/* Both implementations, for tests: index 0 is C, 1 is Rust (if built). */
struct elf_impl {
	const char *name;
	uint32_t (*abi_version)(void);
	int (*parse_header)(const uint8_t *, size_t, uint64_t, const struct elf_target *,
			    struct elf_header *);
	int (*parse_phdrs)(const uint8_t *, size_t, const uint8_t *, size_t, uint64_t,
			   const struct elf_target *, struct elf_image *);
	int (*check_interp)(const uint8_t *, size_t);
};
const struct elf_impl *elf_impl_get(int i);
/* Tests only: make impl the active parser; returns the previous one. */
const struct elf_impl *elf_impl_force(const struct elf_impl *impl);
/* Runs the boot self-test of impl against the C fallback. */
bool elf_self_test(const struct elf_impl *impl);


/* The ext2 parser (ffi/ext2.h has the contract), checked like the ELF one. */
int ext2_parse_super(const uint8_t *raw, size_t len, uint64_t dev_bytes,
		     struct ext2_super *out, uint32_t *why);
int ext2_parse_group(const uint8_t *raw, size_t len, const struct ext2_super *sb,
		     uint32_t group, struct ext2_group *out, uint32_t *why);
int ext2_parse_inode(const uint8_t *raw, size_t len, const struct ext2_super *sb,
		     uint32_t ino, struct ext2_inode *out, uint32_t *why);
int ext2_parse_dirent(const uint8_t *blk, size_t len, uint32_t off,
		      const struct ext2_super *sb, struct ext2_dirent *out, uint32_t *why);
int ext2_bmap_path(const struct ext2_super *sb, uint64_t file_block,
		   struct ext2_bmap_path *out, uint32_t *why);
int ext2_bmap_entry(const uint8_t *blk, size_t len, uint32_t index,
		    const struct ext2_super *sb, uint32_t self, uint32_t *out, uint32_t *why);
int ext2_check_data_block(const struct ext2_super *sb, const struct ext2_group *g,
			  uint32_t group, uint32_t block, uint32_t *why);
/* Extended-attribute blocks (checks A1-A4, H1-H5). */
int ext2_parse_xattr_entry(const uint8_t *blk, size_t len, uint32_t off,
			   const struct ext2_super *sb, struct ext2_xattr_entry *out,
			   uint32_t *why);
int ext2_parse_xattr_block(const uint8_t *blk, size_t len, const struct ext2_super *sb,
			   struct ext2_xattr_header *out, uint32_t *why);
/* A short English phrase for an EXT2_WHY_* code ("bad magic number"). */
const char *ext2_why_str(uint32_t why);

struct ext2_impl {
	const char *name;
	uint32_t (*abi_version)(void);
	int (*parse_super)(const uint8_t *, size_t, uint64_t, struct ext2_super *, uint32_t *);
	int (*parse_group)(const uint8_t *, size_t, const struct ext2_super *, uint32_t,
			   struct ext2_group *, uint32_t *);
	int (*parse_inode)(const uint8_t *, size_t, const struct ext2_super *, uint32_t,
			   struct ext2_inode *, uint32_t *);
	int (*parse_dirent)(const uint8_t *, size_t, uint32_t, const struct ext2_super *,
			    struct ext2_dirent *, uint32_t *);
	int (*bmap_path)(const struct ext2_super *, uint64_t, struct ext2_bmap_path *,
			 uint32_t *);
	int (*bmap_entry)(const uint8_t *, size_t, uint32_t, const struct ext2_super *,
			  uint32_t, uint32_t *, uint32_t *);
	int (*check_data_block)(const struct ext2_super *, const struct ext2_group *,
				uint32_t, uint32_t, uint32_t *);
	/* ABI 2; NULL in an implementation that lacks them: C answers */
	int (*parse_xattr_entry)(const uint8_t *, size_t, uint32_t, const struct ext2_super *,
				 struct ext2_xattr_entry *, uint32_t *);
	int (*parse_xattr_block)(const uint8_t *, size_t, const struct ext2_super *,
				 struct ext2_xattr_header *, uint32_t *);
};
const struct ext2_impl *ext2_impl_get(int i);
const struct ext2_impl *ext2_impl_force(const struct ext2_impl *impl);
bool ext2_self_test(const struct ext2_impl *impl);

#endif
