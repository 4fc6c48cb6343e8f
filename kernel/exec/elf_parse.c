// SPDX-License-Identifier: GPL-2.0
/*
 * The C fallback of the ELF64 header and program-header parser. The
 * contract, checks and output fields are specified in ffi/elf.h; the Rust
 * component implements the same contract and must agree bit for bit, so
 * this file follows that comment literally and adds no policy of its own.
 *
 * The bytes come straight from a file the user controls: every field is
 * read little-endian one byte at a time (the buffers may be unaligned),
 * every sum is overflow-checked, and the result is assembled in a local
 * and copied out only once every check has passed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <alloy/compiler.h>
#include <alloy/errno.h>
#include <alloy/string.h>
#include <ffi/elf.h>

/* e_ident indices and the values the contract accepts. */
#define EI_CLASS	4
#define EI_DATA		5
#define EI_VERSION	6
#define EI_OSABI	7
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1
#define ELFOSABI_SYSV	0
#define ELFOSABI_LINUX	3

/* Field offsets in Elf64_Ehdr. */
#define EH_TYPE		16
#define EH_MACHINE	18
#define EH_VERSION	20
#define EH_ENTRY	24
#define EH_PHOFF	32
#define EH_EHSIZE	52
#define EH_PHENTSIZE	54
#define EH_PHNUM	56

/* Field offsets in Elf64_Phdr. */
#define PH_TYPE		0
#define PH_FLAGS	4
#define PH_OFFSET	8
#define PH_VADDR	16
#define PH_FILESZ	32
#define PH_MEMSZ	40
#define PH_ALIGN	48

#define PT_LOAD		1
#define PT_INTERP	3
#define PT_TLS		7
#define PT_GNU_STACK	0x6474e551U

#define ELF_PAGE_SIZE	4096ULL
#define ELF_PF_MASK	(ELF_PF_R | ELF_PF_W | ELF_PF_X)

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* One program header, decoded (p_paddr is never used). */
struct phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

static void read_phdr(const uint8_t *p, struct phdr *ph)
{
	ph->type = get32(p + PH_TYPE);
	ph->flags = get32(p + PH_FLAGS);
	ph->offset = get64(p + PH_OFFSET);
	ph->vaddr = get64(p + PH_VADDR);
	ph->filesz = get64(p + PH_FILESZ);
	ph->memsz = get64(p + PH_MEMSZ);
	ph->align = get64(p + PH_ALIGN);
}

/* [offset, offset + size) lies inside the file, the sum not wrapping. */
static bool in_file(uint64_t offset, uint64_t size, uint64_t file_size)
{
	uint64_t end;

	if (__builtin_add_overflow(offset, size, &end))
		return false;
	return end <= file_size;
}

/* 0 means "no alignment" in ELF; anything else must be a power of two. */
static bool align_valid(uint64_t align)
{
	return (align & (align - 1)) == 0;
}

static bool ident_ok(const uint8_t *ehdr)
{
	return ehdr[0] == 0x7f && ehdr[1] == 'E' && ehdr[2] == 'L' &&
	       ehdr[3] == 'F' && ehdr[EI_CLASS] == ELFCLASS64 &&
	       ehdr[EI_DATA] == ELFDATA2LSB &&
	       ehdr[EI_VERSION] == EV_CURRENT &&
	       (ehdr[EI_OSABI] == ELFOSABI_SYSV ||
		ehdr[EI_OSABI] == ELFOSABI_LINUX);
}

/*
 * T1: the caller's target. user_top a page multiple is what makes rounding
 * a checked end up to a page unable to overflow (finish_image).
 */
static bool target_ok(const struct elf_target *t)
{
	return !t->pad[0] && !t->pad[1] && !t->pad[2] &&
	       t->user_top % ELF_PAGE_SIZE == 0 && t->user_min < t->user_top;
}

/*
 * T1 and H2..H6, shared by both entry points (P2 is the same list). Fills
 * *hdr, a caller's local, only on success.
 */
static int check_header(const uint8_t *ehdr, size_t ehdr_len, uint64_t file_size,
			const struct elf_target *target, struct elf_header *hdr)
{
	uint16_t type, phnum;
	uint64_t phoff, size;

	if (!target_ok(target))
		return -EINVAL;
	if (ehdr_len < ELF_EHDR_SIZE || file_size < ELF_EHDR_SIZE)
		return -ENOEXEC;
	if (!ident_ok(ehdr))
		return -ENOEXEC;

	type = get16(ehdr + EH_TYPE);
	if ((type != ELF_TYPE_EXEC && type != ELF_TYPE_DYN) ||
	    get16(ehdr + EH_MACHINE) != target->machine ||
	    get32(ehdr + EH_VERSION) != EV_CURRENT)
		return -ENOEXEC;

	phnum = get16(ehdr + EH_PHNUM);
	if (get16(ehdr + EH_EHSIZE) != ELF_EHDR_SIZE ||
	    get16(ehdr + EH_PHENTSIZE) != ELF_PHDR_SIZE ||
	    phnum < 1 || phnum > ELF_MAX_PHNUM)
		return -ENOEXEC;

	/* phnum <= 64 here, so the product fits; only the sum can wrap. */
	phoff = get64(ehdr + EH_PHOFF);
	size = (uint64_t)phnum * ELF_PHDR_SIZE;
	if (phoff < ELF_EHDR_SIZE || phoff % 8 != 0 ||
	    !in_file(phoff, size, file_size))
		return -ENOEXEC;

	memset(hdr, 0, sizeof(*hdr));
	hdr->type = type;
	hdr->phnum = phnum;
	hdr->entry = get64(ehdr + EH_ENTRY);
	hdr->phoff = phoff;
	hdr->phdrs_size = size;
	return 0;
}

int c_elf_parse_header(const uint8_t *ehdr, size_t ehdr_len, uint64_t file_size,
		       const struct elf_target *target, struct elf_header *out)
{
	struct elf_header hdr;
	struct elf_target t;
	int ret;

	if (!ehdr || !target || !out)
		return -EINVAL;
	t = *target;	/* checked once, used as checked */
	ret = check_header(ehdr, ehdr_len, file_size, &t, &hdr);
	if (ret)
		return ret;
	memcpy(out, &hdr, sizeof(hdr));
	return 0;
}

/*
 * PT_LOAD. The segments must come in ascending, non-overlapping order of
 * vaddr so that lo/hi are the first and last ones, and each one must be
 * mappable page by page: the file offset and the address agree modulo the
 * page size (and modulo p_align when that is larger than 1).
 */
static int parse_load(struct elf_image *img, const struct phdr *ph,
		      uint64_t file_size, uint64_t user_top)
{
	struct elf_load *load;
	uint64_t end;

	if (img->nr_loads >= ELF_MAX_LOADS)
		return -ENOEXEC;
	if (ph->filesz > ph->memsz)
		return -ENOEXEC;
	if (!in_file(ph->offset, ph->filesz, file_size))
		return -ENOEXEC;
	if (__builtin_add_overflow(ph->vaddr, ph->memsz, &end) ||
	    end > user_top)
		return -ENOEXEC;
	if (!align_valid(ph->align))
		return -ENOEXEC;
	if (ph->align > 1 && ph->offset % ph->align != ph->vaddr % ph->align)
		return -ENOEXEC;
	if (ph->offset % ELF_PAGE_SIZE != ph->vaddr % ELF_PAGE_SIZE)
		return -ENOEXEC;
	if (img->nr_loads > 0) {
		const struct elf_load *prev = &img->loads[img->nr_loads - 1];

		/* prev was checked above: its end does not wrap. */
		if (ph->vaddr < prev->vaddr + prev->memsz)
			return -ENOEXEC;
	}

	load = &img->loads[img->nr_loads++];
	load->vaddr = ph->vaddr;
	load->memsz = ph->memsz;
	load->offset = ph->offset;
	load->filesz = ph->filesz;
	load->align = ph->align;
	load->flags = ph->flags & ELF_PF_MASK;
	return 0;
}

/* PT_INTERP: only its place in the file; the bytes go to check_interp. */
static int parse_interp(struct elf_image *img, const struct phdr *ph,
			uint64_t file_size)
{
	if (img->has_interp)
		return -ENOEXEC;
	if (ph->filesz < 2 || ph->filesz > ELF_MAX_INTERP)
		return -ENOEXEC;
	if (!in_file(ph->offset, ph->filesz, file_size))
		return -ENOEXEC;

	img->has_interp = 1;
	img->interp_offset = ph->offset;
	img->interp_size = ph->filesz;
	return 0;
}

/*
 * PT_TLS: the initialisation image is copied from the file, so it must be
 * inside it. The template lies inside some PT_LOAD that is checked on its
 * own, so the contract asks here only that its end does not wrap.
 */
static int parse_tls(struct elf_image *img, const struct phdr *ph,
		     uint64_t file_size)
{
	uint64_t end;

	if (img->has_tls)
		return -ENOEXEC;
	if (ph->filesz > ph->memsz)
		return -ENOEXEC;
	if (!in_file(ph->offset, ph->filesz, file_size))
		return -ENOEXEC;
	if (__builtin_add_overflow(ph->vaddr, ph->memsz, &end))
		return -ENOEXEC;
	if (!align_valid(ph->align))
		return -ENOEXEC;

	img->has_tls = 1;
	img->tls_vaddr = ph->vaddr;
	img->tls_filesz = ph->filesz;
	img->tls_memsz = ph->memsz;
	img->tls_align = ph->align;
	return 0;
}

static int parse_one(struct elf_image *img, const struct phdr *ph,
		     uint64_t file_size, const struct elf_target *target)
{
	switch (ph->type) {
	case PT_LOAD:
		return parse_load(img, ph, file_size, target->user_top);
	case PT_INTERP:
		return parse_interp(img, ph, file_size);
	case PT_TLS:
		return parse_tls(img, ph, file_size);
	case PT_GNU_STACK:
		img->stack_flags = ph->flags & ELF_PF_MASK;
		return 0;
	default:
		return 0;
	}
}

static bool entry_in_load(const struct elf_image *img, uint64_t entry)
{
	uint32_t i;

	for (i = 0; i < img->nr_loads; i++) {
		const struct elf_load *l = &img->loads[i];

		/* Ends were checked not to wrap. */
		if (entry >= l->vaddr && entry < l->vaddr + l->memsz)
			return true;
	}
	return false;
}

/*
 * AT_PHDR: where the table ends up in memory, if some PT_LOAD maps all of
 * it from the file. Both file ends were checked not to wrap (H6 and
 * parse_load), and phoff - offset <= filesz <= memsz keeps the result
 * below that load's checked end.
 */
static uint64_t phdr_vaddr(const struct elf_image *img, uint64_t phoff,
			   uint64_t size)
{
	uint32_t i;

	for (i = 0; i < img->nr_loads; i++) {
		const struct elf_load *l = &img->loads[i];

		if (phoff >= l->offset &&
		    phoff + size <= l->offset + l->filesz)
			return l->vaddr + (phoff - l->offset);
	}
	return 0;
}

/* P5..P7 and the fields derived from the whole table. */
static int finish_image(struct elf_image *img, const struct elf_header *hdr,
			const struct elf_target *target)
{
	const struct elf_load *first, *last;

	if (img->nr_loads == 0)
		return -ENOEXEC;
	if (!entry_in_load(img, hdr->entry))
		return -ENOEXEC;
	first = &img->loads[0];
	last = &img->loads[img->nr_loads - 1];
	if (hdr->type == ELF_TYPE_EXEC && first->vaddr < target->user_min)
		return -ENOEXEC;

	img->phdr_vaddr = phdr_vaddr(img, hdr->phoff, hdr->phdrs_size);
	img->lo = first->vaddr & ~(ELF_PAGE_SIZE - 1);
	/* last's end <= user_top, a page multiple (T1): no overflow. */
	img->hi = (last->vaddr + last->memsz + ELF_PAGE_SIZE - 1) &
		  ~(ELF_PAGE_SIZE - 1);
	return 0;
}

int c_elf_parse_phdrs(const uint8_t *ehdr, size_t ehdr_len, const uint8_t *phdrs,
		      size_t phdrs_len, uint64_t file_size,
		      const struct elf_target *target, struct elf_image *out)
{
	struct elf_header hdr;
	struct elf_target t;
	struct elf_image img;
	struct phdr ph;
	uint16_t i;
	int ret;

	if (!ehdr || !phdrs || !target || !out)
		return -EINVAL;
	t = *target;	/* checked once, used as checked */
	ret = check_header(ehdr, ehdr_len, file_size, &t, &hdr);
	if (ret)
		return ret;
	if (phdrs_len != hdr.phdrs_size)
		return -EINVAL;

	memset(&img, 0, sizeof(img));
	img.type = hdr.type;
	img.phnum = hdr.phnum;
	img.entry = hdr.entry;
	img.stack_flags = ELF_STACK_DEFAULT;

	for (i = 0; i < hdr.phnum; i++) {
		read_phdr(phdrs + (size_t)i * ELF_PHDR_SIZE, &ph);
		ret = parse_one(&img, &ph, file_size, &t);
		if (ret)
			return ret;
	}
	ret = finish_image(&img, &hdr, &t);
	if (ret)
		return ret;

	memcpy(out, &img, sizeof(img));
	return 0;
}

int c_elf_check_interp(const uint8_t *path, size_t len)
{
	size_t i;

	if (!path)
		return -EINVAL;
	if (len < 2 || len > ELF_MAX_INTERP)
		return -ENOEXEC;
	/* Exactly one NUL, the last byte: the loader opens a C string. */
	if (path[len - 1] != 0)
		return -ENOEXEC;
	for (i = 0; i < len - 1; i++)
		if (path[i] == 0)
			return -ENOEXEC;
	return 0;
}

uint32_t c_elf_abi_version(void)
{
	return ELF_ABI_VERSION;
}
