// SOURCES: kernel/exec/elf_parse.c
/*
 * Host test for the C ELF parser (kernel/exec/elf_parse.c) against the
 * contract in ffi/elf.h. Every check H1..H6, P1..P7 and I1..I3 gets an
 * input that is valid except for that one check; the outputs are filled
 * with 0xAA first and must come back untouched on failure. The buffers
 * handed to the parser are malloc'ed at their exact length so that ASan
 * reports any read past what the caller said it owns.
 */
#include <ffi/elf.h>
#include <alloy/errno.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define PT_NULL		0
#define PT_LOAD		1
#define PT_DYNAMIC	2
#define PT_INTERP	3
#define PT_NOTE		4
#define PT_PHDR		6
#define PT_TLS		7
#define PT_GNU_STACK	0x6474e551U
#define PT_GNU_RELRO	0x6474e552U

#define R	ELF_PF_R
#define W	ELF_PF_W
#define X	ELF_PF_X

#define MAX_PH	70	/* more than ELF_MAX_PHNUM, for the phnum 65 case */
#define BASE	0x600000ULL	/* ET_EXEC: vaddr = offset + BASE */

/* The kernel's target today (asm/elf.h, asm/uvm.h): the tests' own copy. */
#define USER_MIN	0x10000ULL
#define USER_TOP	0x00007ffffffff000ULL
static const struct elf_target x86_64 = {
	.machine = 62, .user_min = USER_MIN, .user_top = USER_TOP,
};

struct ph {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

/* Every Elf64_Ehdr field, the program headers and what the caller passes. */
struct spec {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
	struct ph ph[MAX_PH];
	size_t ehdr_len, phdrs_len;
	uint64_t file_size;
	struct elf_target target;	/* x86_64 unless a test says otherwise */
};

/* Buffers are shifted by this much from malloc's alignment. */
static size_t g_shift;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* The 64 header bytes (callers may pass fewer; see ehdr_len). */
static void put_ehdr(uint8_t *p, const struct spec *s)
{
	memcpy(p, s->ident, 16);
	put16(p + 16, s->type);
	put16(p + 18, s->machine);
	put32(p + 20, s->version);
	put64(p + 24, s->entry);
	put64(p + 32, s->phoff);
	put64(p + 40, s->shoff);
	put32(p + 48, s->flags);
	put16(p + 52, s->ehsize);
	put16(p + 54, s->phentsize);
	put16(p + 56, s->phnum);
	put16(p + 58, s->shentsize);
	put16(p + 60, s->shnum);
	put16(p + 62, s->shstrndx);
}

static void put_phdr(uint8_t *p, const struct ph *ph)
{
	put32(p, ph->type);
	put32(p + 4, ph->flags);
	put64(p + 8, ph->offset);
	put64(p + 16, ph->vaddr);
	put64(p + 24, ph->paddr);
	put64(p + 32, ph->filesz);
	put64(p + 40, ph->memsz);
	put64(p + 48, ph->align);
}

/* A valid header for phnum program headers at phoff 64, no phdrs yet. */
static void init_spec(struct spec *s, uint16_t type, uint64_t entry,
		      uint64_t file_size)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };

	memset(s, 0, sizeof(*s));
	memcpy(s->ident, ident, sizeof(ident));
	s->type = type;
	s->machine = 62;
	s->version = 1;
	s->entry = entry;
	s->phoff = 64;
	s->shoff = 0x5000;
	s->ehsize = 64;
	s->phentsize = 56;
	s->shentsize = 64;
	s->shnum = 3;
	s->shstrndx = 2;
	s->ehdr_len = 64;
	s->file_size = file_size;
	s->target = x86_64;
}

static void set_phnum(struct spec *s, uint16_t n)
{
	s->phnum = n;
	s->phdrs_len = (size_t)n * 56;
}

static struct ph *add_ph(struct spec *s, uint32_t type, uint32_t flags,
			 uint64_t offset, uint64_t vaddr, uint64_t filesz,
			 uint64_t memsz, uint64_t align)
{
	struct ph *ph = &s->ph[s->phnum];

	ph->type = type;
	ph->flags = flags;
	ph->offset = offset;
	ph->vaddr = vaddr;
	ph->paddr = vaddr;
	ph->filesz = filesz;
	ph->memsz = memsz;
	ph->align = align;
	set_phnum(s, (uint16_t)(s->phnum + 1));
	return ph;
}

/* ET_EXEC at BASE: R (ehdr + phdrs), RX text right after it, RW data+bss. */
static void base_exec(struct spec *s)
{
	init_spec(s, ELF_TYPE_EXEC, BASE + 0x1100, 0x3010);
	add_ph(s, PT_PHDR, R, 64, BASE + 64, 5 * 56, 5 * 56, 8);
	add_ph(s, PT_LOAD, R, 0, BASE, 0x1000, 0x1000, 0x1000);
	add_ph(s, PT_LOAD, R | X, 0x1000, BASE + 0x1000, 0x1800, 0x1800, 0x1000);
	add_ph(s, PT_LOAD, R | W, 0x2e10, BASE + 0x2e10, 0x200, 0x1300, 0x1000);
	add_ph(s, PT_GNU_STACK, R | W, 0, 0, 0, 0, 16);
}

/* Static PIE: ET_DYN linked at 0, PT_TLS, no interpreter, no GNU_STACK. */
static void base_dyn(struct spec *s)
{
	init_spec(s, ELF_TYPE_DYN, 0x1ed0, 0x9000);
	add_ph(s, PT_LOAD, R, 0, 0, 0x850, 0x850, 0x1000);
	add_ph(s, PT_LOAD, R | X, 0x1000, 0x1000, 0x5000, 0x5000, 0x1000);
	add_ph(s, PT_LOAD, R | W, 0x6f48, 0x7f48, 0x1528, 0x32e8, 0x1000);
	add_ph(s, PT_TLS, R, 0x6f48, 0x7f48, 0x28, 0x80, 8);
}

#define INTERP_PATH "/lib64/ld-linux-x86-64.so.2"

/* A dynamically linked PIE with PT_INTERP, like /bin/true. */
static void base_interp(struct spec *s)
{
	init_spec(s, ELF_TYPE_DYN, 0x23d0, 0x81e0);
	add_ph(s, PT_PHDR, R, 64, 64, 6 * 56, 6 * 56, 8);
	add_ph(s, PT_INTERP, R, 0x318, 0x318, sizeof(INTERP_PATH),
	       sizeof(INTERP_PATH), 1);
	add_ph(s, PT_LOAD, R, 0, 0, 0x1290, 0x1290, 0x1000);
	add_ph(s, PT_LOAD, R | X, 0x2000, 0x2000, 0x3d59, 0x3d59, 0x1000);
	add_ph(s, PT_LOAD, R | W, 0x7d70, 0x8d70, 0x470, 0x608, 0x1000);
	add_ph(s, PT_GNU_STACK, R | W | X, 0, 0, 0, 0, 16);
}

/* An exact-size copy, shifted by g_shift so that it is unaligned. */
static uint8_t *dup_exact(const uint8_t *src, size_t len, uint8_t **base)
{
	*base = malloc(len + g_shift);
	if (!*base) {
		perror("malloc");
		exit(2);
	}
	memcpy(*base + g_shift, src, len);
	return *base + g_shift;
}

/* Lay out the spec into separate exact-size ehdr and phdrs buffers. */
struct bufs {
	uint8_t *ehdr, *phdrs;
	uint8_t *ehdr_base, *phdrs_base;
};

static void make_bufs(const struct spec *s, struct bufs *b)
{
	static uint8_t eh[64], ph[MAX_PH * 56 + 64];
	unsigned int i;

	memset(eh, 0, sizeof(eh));
	memset(ph, 0, sizeof(ph));
	put_ehdr(eh, s);
	for (i = 0; i < MAX_PH; i++)
		put_phdr(ph + i * 56, &s->ph[i]);
	b->ehdr = dup_exact(eh, s->ehdr_len < 64 ? s->ehdr_len : 64,
			    &b->ehdr_base);
	b->phdrs = dup_exact(ph, s->phdrs_len, &b->phdrs_base);
}

static void free_bufs(struct bufs *b)
{
	free(b->ehdr_base);
	free(b->phdrs_base);
}

static int run_header(const struct spec *s, struct elf_header *out)
{
	struct bufs b;
	int rc;

	make_bufs(s, &b);
	rc = c_elf_parse_header(b.ehdr, s->ehdr_len, s->file_size, &s->target, out);
	free_bufs(&b);
	return rc;
}

static int run_phdrs(const struct spec *s, struct elf_image *out)
{
	struct bufs b;
	int rc;

	make_bufs(s, &b);
	rc = c_elf_parse_phdrs(b.ehdr, s->ehdr_len, b.phdrs, s->phdrs_len,
			       s->file_size, &s->target, out);
	free_bufs(&b);
	return rc;
}

static bool all_aa(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != 0xAA)
			return false;
	return true;
}

/*
 * Both entry points on s. want_hdr is the header result (0 when only the
 * program headers are wrong); a failing call must leave out alone.
 */
static void expect(const struct spec *s, int want_hdr, int want_img,
		   const char *what)
{
	struct elf_header h;
	struct elf_image img;
	int rc;

	if (want_hdr) {
		memset(&h, 0xAA, sizeof(h));
		rc = run_header(s, &h);
		CHECK(rc == want_hdr && all_aa(&h, sizeof(h)),
		      "%s: parse_header = %d (want %d), out untouched",
		      what, rc, want_hdr);
	}
	memset(&img, 0xAA, sizeof(img));
	rc = run_phdrs(s, &img);
	if (want_img)
		CHECK(rc == want_img && all_aa(&img, sizeof(img)),
		      "%s: parse_phdrs = %d (want %d), out untouched",
		      what, rc, want_img);
	else
		CHECK(rc == 0, "%s: parse_phdrs = %d (want 0)", what, rc);
}

#define FAIL_HDR(s, what)	expect(s, -ENOEXEC, -ENOEXEC, what)
#define FAIL_PH(s, what)	expect(s, 0, -ENOEXEC, what)
#define PASS(s, what)		expect(s, 0, 0, what)

static void load(struct elf_load *l, uint64_t vaddr, uint64_t memsz,
		 uint64_t offset, uint64_t filesz, uint64_t align, uint32_t flags)
{
	l->vaddr = vaddr;
	l->memsz = memsz;
	l->offset = offset;
	l->filesz = filesz;
	l->align = align;
	l->flags = flags;
}

/* Compare whole structs, padding and unused loads[] included. */
static void check_image(const struct spec *s, const struct elf_image *want,
			const char *what)
{
	struct elf_image got;
	int rc;

	memset(&got, 0xAA, sizeof(got));
	rc = run_phdrs(s, &got);
	CHECK(rc == 0 && memcmp(&got, want, sizeof(got)) == 0,
	      "%s: image (rc %d, nr_loads %u, phdr_vaddr %#llx, lo %#llx, hi %#llx)",
	      what, rc, got.nr_loads, (unsigned long long)got.phdr_vaddr,
	      (unsigned long long)got.lo, (unsigned long long)got.hi);
}

static void test_header_ok(void)
{
	struct elf_header want, got;
	struct spec s;
	int rc;

	base_exec(&s);
	memset(&want, 0, sizeof(want));
	want.type = ELF_TYPE_EXEC;
	want.phnum = 5;
	want.entry = BASE + 0x1100;
	want.phoff = 64;
	want.phdrs_size = 5 * 56;
	memset(&got, 0xAA, sizeof(got));
	rc = run_header(&s, &got);
	CHECK(rc == 0 && memcmp(&got, &want, sizeof(got)) == 0,
	      "header: ET_EXEC fields and zero pad (rc %d)", rc);

	CHECK(c_elf_abi_version() == ELF_ABI_VERSION, "abi version %u",
	      c_elf_abi_version());
}

static void test_header_checks(void)
{
	struct elf_header h;
	struct elf_image img;
	struct spec s;
	struct bufs b;
	int rc, i;

	/* H1 / P1: NULL pointers are caller errors. */
	base_exec(&s);
	make_bufs(&s, &b);
	memset(&h, 0xAA, sizeof(h));
	rc = c_elf_parse_header(NULL, 64, s.file_size, &x86_64, &h);
	CHECK(rc == -EINVAL && all_aa(&h, sizeof(h)), "H1 ehdr NULL: %d", rc);
	rc = c_elf_parse_header(b.ehdr, 64, s.file_size, &x86_64, NULL);
	CHECK(rc == -EINVAL, "H1 out NULL: %d", rc);
	rc = c_elf_parse_header(NULL, 0, 0, &x86_64, NULL);
	CHECK(rc == -EINVAL, "H1 before H2: %d", rc);
	memset(&img, 0xAA, sizeof(img));
	rc = c_elf_parse_phdrs(NULL, 64, b.phdrs, s.phdrs_len, s.file_size, &x86_64, &img);
	CHECK(rc == -EINVAL && all_aa(&img, sizeof(img)), "P1 ehdr NULL: %d", rc);
	rc = c_elf_parse_phdrs(b.ehdr, 64, NULL, s.phdrs_len, s.file_size, &x86_64, &img);
	CHECK(rc == -EINVAL && all_aa(&img, sizeof(img)), "P1 phdrs NULL: %d", rc);
	rc = c_elf_parse_phdrs(b.ehdr, 64, b.phdrs, s.phdrs_len, s.file_size, &x86_64, NULL);
	CHECK(rc == -EINVAL, "P1 out NULL: %d", rc);
	rc = c_elf_parse_phdrs(b.ehdr, 0, NULL, 1, 0, &x86_64, &img);
	CHECK(rc == -EINVAL && all_aa(&img, sizeof(img)), "P1 before P2: %d", rc);
	free_bufs(&b);

	/* H2 */
	base_exec(&s);
	s.ehdr_len = 63;
	FAIL_HDR(&s, "H2 ehdr_len 63");
	base_exec(&s);
	s.ehdr_len = 0;
	FAIL_HDR(&s, "H2 ehdr_len 0");
	base_exec(&s);
	s.file_size = 63;
	FAIL_HDR(&s, "H2 file_size 63");

	/* H3 */
	for (i = 0; i < 4; i++) {
		char what[32];

		base_exec(&s);
		s.ident[i] ^= 0x20;
		snprintf(what, sizeof(what), "H3 magic byte %d", i);
		FAIL_HDR(&s, what);
	}
	base_exec(&s);
	s.ident[4] = 1;
	FAIL_HDR(&s, "H3 ELFCLASS32");
	base_exec(&s);
	s.ident[4] = 0;
	FAIL_HDR(&s, "H3 ELFCLASSNONE");
	base_exec(&s);
	s.ident[5] = 2;
	FAIL_HDR(&s, "H3 big endian");
	base_exec(&s);
	s.ident[6] = 0;
	FAIL_HDR(&s, "H3 EI_VERSION 0");
	base_exec(&s);
	s.ident[6] = 2;
	FAIL_HDR(&s, "H3 EI_VERSION 2");
	base_exec(&s);
	s.ident[7] = 1;
	FAIL_HDR(&s, "H3 OSABI 1 (HP-UX)");
	base_exec(&s);
	s.ident[7] = 9;
	FAIL_HDR(&s, "H3 OSABI 9 (FreeBSD)");
	base_exec(&s);
	s.ident[7] = 3;
	PASS(&s, "H3 OSABI 3 (Linux) accepted");
	/* Bytes the contract does not name are not looked at. */
	base_exec(&s);
	memset(s.ident + 8, 0xff, 8);
	s.shoff = ~0ULL;
	s.flags = 0xffffffff;
	s.shentsize = s.shnum = s.shstrndx = 0xffff;
	PASS(&s, "EI_ABIVERSION, EI_PAD, e_shoff, e_flags, e_sh* ignored");

	/* H4 */
	base_exec(&s);
	s.type = 1;
	FAIL_HDR(&s, "H4 ET_REL");
	base_exec(&s);
	s.type = 4;
	FAIL_HDR(&s, "H4 ET_CORE");
	base_exec(&s);
	s.type = 0x0102;	/* low byte EXEC: catches a one-byte read */
	FAIL_HDR(&s, "H4 e_type 0x0102");
	base_exec(&s);
	s.machine = 3;
	FAIL_HDR(&s, "H4 EM_386");
	base_exec(&s);
	s.machine = 0x013e;
	FAIL_HDR(&s, "H4 e_machine 0x013e");
	base_exec(&s);
	s.version = 0;
	FAIL_HDR(&s, "H4 e_version 0");
	base_exec(&s);
	s.version = 0x01000001;
	FAIL_HDR(&s, "H4 e_version 0x01000001");

	/* H5 */
	base_exec(&s);
	s.ehsize = 52;
	FAIL_HDR(&s, "H5 e_ehsize 52");
	base_exec(&s);
	s.ehsize = 65;
	FAIL_HDR(&s, "H5 e_ehsize 65");
	base_exec(&s);
	s.phentsize = 32;
	FAIL_HDR(&s, "H5 e_phentsize 32");
	base_exec(&s);
	s.phentsize = 64;
	FAIL_HDR(&s, "H5 e_phentsize 64");
	base_exec(&s);
	set_phnum(&s, 0);
	FAIL_HDR(&s, "H5 e_phnum 0");
	base_exec(&s);
	s.phnum = 0xffff;	/* PN_XNUM */
	FAIL_HDR(&s, "H5 e_phnum 0xffff");

	/* H6 */
	base_exec(&s);
	s.phoff = 0;
	FAIL_HDR(&s, "H6 e_phoff 0");
	base_exec(&s);
	s.phoff = 56;
	FAIL_HDR(&s, "H6 e_phoff 56 (inside the ehdr)");
	base_exec(&s);
	s.phoff = 68;
	FAIL_HDR(&s, "H6 e_phoff 68 not 8-aligned");
	base_exec(&s);
	s.phoff = 65;
	FAIL_HDR(&s, "H6 e_phoff 65 not 8-aligned");
	base_exec(&s);
	s.file_size = 64 + 5 * 56 - 1;
	FAIL_HDR(&s, "H6 table ends 1 byte past file_size");
	base_exec(&s);
	s.phoff = 0xffffffffffffff00ULL;	/* + 280 wraps to 0x18 */
	FAIL_HDR(&s, "H6 e_phoff + phnum * 56 wraps");
	base_exec(&s);
	s.phoff = ~7ULL;
	FAIL_HDR(&s, "H6 e_phoff 2^64 - 8");

	/* H6 boundary: the table may end exactly at file_size. */
	init_spec(&s, ELF_TYPE_EXEC, BASE, 64 + 56);
	add_ph(&s, PT_LOAD, R | X, 0, BASE, 64 + 56, 64 + 56, 0x1000);
	PASS(&s, "H6 table ends at file_size exactly");
	base_exec(&s);
	s.phoff = 0x2000;	/* inside the text, not in the first load */
	PASS(&s, "H6 e_phoff 0x2000");
}

static void test_phdrs_len(void)
{
	struct spec s;

	base_exec(&s);
	s.phdrs_len = 5 * 56 - 1;
	expect(&s, 0, -EINVAL, "P3 phdrs_len short by 1");
	base_exec(&s);
	s.phdrs_len = 5 * 56 + 1;
	expect(&s, 0, -EINVAL, "P3 phdrs_len long by 1");
	base_exec(&s);
	s.phdrs_len = 6 * 56;
	expect(&s, 0, -EINVAL, "P3 phdrs_len one entry too many");
	base_exec(&s);
	s.phdrs_len = 0;
	expect(&s, 0, -EINVAL, "P3 phdrs_len 0");
	/* P2 (-ENOEXEC) is decided before P3 (-EINVAL). */
	base_exec(&s);
	s.ident[0] = 0;
	s.phdrs_len = 1;
	expect(&s, -ENOEXEC, -ENOEXEC, "P2 before P3");
}

static void test_exec_ok(void)
{
	struct elf_image want;
	struct spec s;

	base_exec(&s);
	memset(&want, 0, sizeof(want));
	want.type = ELF_TYPE_EXEC;
	want.phnum = 5;
	want.nr_loads = 3;
	want.entry = BASE + 0x1100;
	want.phdr_vaddr = BASE + 64;
	want.lo = BASE;
	want.hi = BASE + 0x5000;
	want.stack_flags = R | W;
	load(&want.loads[0], BASE, 0x1000, 0, 0x1000, 0x1000, R);
	load(&want.loads[1], BASE + 0x1000, 0x1800, 0x1000, 0x1800, 0x1000,
	     R | X);
	load(&want.loads[2], BASE + 0x2e10, 0x1300, 0x2e10, 0x200, 0x1000,
	     R | W);
	check_image(&s, &want, "ET_EXEC text + data");

	/* Unaligned buffers give the same answer. */
	g_shift = 1;
	check_image(&s, &want, "ET_EXEC from buf + 1");
	g_shift = 3;
	check_image(&s, &want, "ET_EXEC from buf + 3");
	g_shift = 0;

	/* PT_GNU_STACK: p_flags & 7, the last one wins, default RW. */
	base_exec(&s);
	s.ph[4].flags = 0xfffffffd;	/* & 7 = R | X */
	add_ph(&s, PT_GNU_STACK, 0xfffffff8, 0, 0, 0, 0, 0);
	want.phnum = 6;
	want.stack_flags = 0;
	check_image(&s, &want, "PT_GNU_STACK last wins, flags & 7");
	base_exec(&s);
	s.ph[4].flags = 0xfffffffd;
	want.phnum = 5;
	want.stack_flags = R | X;
	check_image(&s, &want, "PT_GNU_STACK flags & 7 = RX");
	base_exec(&s);
	s.ph[4].type = PT_NOTE;	/* no GNU_STACK now */
	want.stack_flags = ELF_STACK_DEFAULT;
	check_image(&s, &want, "no PT_GNU_STACK: ELF_STACK_DEFAULT");

	/* Load flags keep only R, W, X. */
	base_exec(&s);
	s.ph[2].flags = 0xf0000005;
	want.stack_flags = R | W;
	want.loads[1].flags = R | X;
	check_image(&s, &want, "PT_LOAD flags & 7");

	/* Unknown types are ignored, whatever their fields. */
	base_exec(&s);
	add_ph(&s, PT_NULL, ~0U, ~0ULL, ~0ULL, ~0ULL, 1, 3);
	add_ph(&s, PT_NOTE, ~0U, ~0ULL, ~0ULL, ~0ULL, 1, 3);
	add_ph(&s, PT_DYNAMIC, ~0U, ~0ULL, ~0ULL, ~0ULL, 1, 3);
	add_ph(&s, PT_GNU_RELRO, ~0U, ~0ULL, ~0ULL, ~0ULL, 1, 3);
	add_ph(&s, 0xffffffff, ~0U, ~0ULL, ~0ULL, ~0ULL, 1, 3);
	add_ph(&s, 0x60000000, ~0U, ~0ULL, ~0ULL, ~0ULL, 1, 3);	/* PT_LOOS */
	add_ph(&s, 0x101, ~0U, ~0ULL, ~0ULL, ~0ULL, 1, 3);	/* LOAD's low byte */
	s.ph[0].filesz = ~0ULL;	/* PT_PHDR too */
	want.phnum = 12;
	check_image(&s, &want, "unknown program header types ignored");
}

static void test_dyn_ok(void)
{
	struct elf_image want;
	struct spec s;

	base_dyn(&s);
	memset(&want, 0, sizeof(want));
	want.type = ELF_TYPE_DYN;
	want.phnum = 4;
	want.nr_loads = 3;
	want.entry = 0x1ed0;
	want.phdr_vaddr = 64;
	want.lo = 0;
	want.hi = 0xc000;	/* 0x7f48 + 0x32e8 = 0xb230 */
	want.stack_flags = ELF_STACK_DEFAULT;
	want.has_tls = 1;
	want.tls_vaddr = 0x7f48;
	want.tls_filesz = 0x28;
	want.tls_memsz = 0x80;
	want.tls_align = 8;
	load(&want.loads[0], 0, 0x850, 0, 0x850, 0x1000, R);
	load(&want.loads[1], 0x1000, 0x5000, 0x1000, 0x5000, 0x1000, R | X);
	load(&want.loads[2], 0x7f48, 0x32e8, 0x6f48, 0x1528, 0x1000, R | W);
	check_image(&s, &want, "static PIE: ET_DYN at 0 with PT_TLS");
	g_shift = 5;
	check_image(&s, &want, "static PIE from buf + 5");
	g_shift = 0;

	base_dyn(&s);
	s.ph[3].align = 0;
	want.tls_align = 0;
	check_image(&s, &want, "PT_TLS align 0");

	/* ET_DYN may be entered at 0 (P7 is only for ET_EXEC). */
	base_dyn(&s);
	s.entry = 0;
	PASS(&s, "ET_DYN entry 0 at vaddr 0");
}

static void test_interp_ok(void)
{
	struct elf_image want;
	struct spec s;

	base_interp(&s);
	memset(&want, 0, sizeof(want));
	want.type = ELF_TYPE_DYN;
	want.phnum = 6;
	want.nr_loads = 3;
	want.entry = 0x23d0;
	want.phdr_vaddr = 64;
	want.lo = 0;
	want.hi = 0xa000;	/* 0x8d70 + 0x608 = 0x9378 */
	want.has_interp = 1;
	want.interp_offset = 0x318;
	want.interp_size = sizeof(INTERP_PATH);
	want.stack_flags = R | W | X;
	load(&want.loads[0], 0, 0x1290, 0, 0x1290, 0x1000, R);
	load(&want.loads[1], 0x2000, 0x3d59, 0x2000, 0x3d59, 0x1000, R | X);
	load(&want.loads[2], 0x8d70, 0x608, 0x7d70, 0x470, 0x1000, R | W);
	check_image(&s, &want, "dynamic PIE with PT_INTERP");

	base_interp(&s);
	s.ph[1].filesz = 2;
	want.interp_size = 2;
	check_image(&s, &want, "PT_INTERP p_filesz 2 (the minimum)");
	base_interp(&s);
	s.ph[1].filesz = ELF_MAX_INTERP;
	want.interp_size = ELF_MAX_INTERP;
	check_image(&s, &want, "PT_INTERP p_filesz ELF_MAX_INTERP");
	base_interp(&s);
	s.ph[1].offset = s.file_size - 2;
	s.ph[1].filesz = 2;
	want.interp_offset = s.file_size - 2;
	want.interp_size = 2;
	check_image(&s, &want, "PT_INTERP ending at file_size");
}

static void test_phdr_vaddr(void)
{
	struct elf_image img;
	struct spec s;
	int rc;

	/* The table is in the text load's file range, not the first load's. */
	base_exec(&s);
	s.phoff = 0x1800;
	memset(&img, 0xAA, sizeof(img));
	rc = run_phdrs(&s, &img);
	CHECK(rc == 0 && img.phdr_vaddr == BASE + 0x1800,
	      "phdr_vaddr from the second load: %#llx",
	      (unsigned long long)img.phdr_vaddr);

	/* Table ends exactly at the first load's file end. */
	base_exec(&s);
	s.phoff = 0x1000 - 5 * 56;
	s.phoff &= ~7ULL;
	s.ph[1].filesz = s.phoff + 5 * 56;
	rc = run_phdrs(&s, &img);
	CHECK(rc == 0 && img.phdr_vaddr == BASE + s.phoff,
	      "phdr_vaddr with the table at the end of the load: %#llx",
	      (unsigned long long)img.phdr_vaddr);

	/* One byte short of that: the text load is further on, so none. */
	s.ph[1].filesz--;
	rc = run_phdrs(&s, &img);
	CHECK(rc == 0 && img.phdr_vaddr == 0,
	      "phdr_vaddr 0 when the table straddles a load's end: %#llx",
	      (unsigned long long)img.phdr_vaddr);

	/* Past every load's file range (the data load ends at 0x3010). */
	base_exec(&s);
	s.phoff = 0x3010;
	s.file_size = 0x3010 + 5 * 56;
	rc = run_phdrs(&s, &img);
	CHECK(rc == 0 && img.phdr_vaddr == 0,
	      "phdr_vaddr 0 when no load covers the table: %#llx",
	      (unsigned long long)img.phdr_vaddr);

	/* In bss only (memsz, not filesz): not loaded from the file. */
	base_exec(&s);
	s.ph[1].filesz = 0x20;
	rc = run_phdrs(&s, &img);
	CHECK(rc == 0 && img.phdr_vaddr == 0,
	      "phdr_vaddr 0 when the table is past p_filesz: %#llx",
	      (unsigned long long)img.phdr_vaddr);

	/* Two loads map the same file bytes: the first in table order wins. */
	init_spec(&s, ELF_TYPE_EXEC, BASE, 0x1000);
	add_ph(&s, PT_LOAD, R, 0, BASE, 0x1000, 0x1000, 0x1000);
	add_ph(&s, PT_LOAD, R, 0, BASE + 0x100000, 0x1000, 0x1000, 0x1000);
	rc = run_phdrs(&s, &img);
	CHECK(rc == 0 && img.phdr_vaddr == BASE + 64,
	      "phdr_vaddr from the first covering load: %#llx",
	      (unsigned long long)img.phdr_vaddr);

	/* lo rounds down, hi rounds up; a page-aligned end stays. */
	init_spec(&s, ELF_TYPE_EXEC, BASE + 0x123, 0x2000);
	add_ph(&s, PT_LOAD, R | X, 0x123, BASE + 0x123, 0x100, 0x100, 0x1000);
	add_ph(&s, PT_LOAD, R | W, 0x1000, BASE + 0x1000, 0x1000, 0x1000, 0);
	rc = run_phdrs(&s, &img);
	CHECK(rc == 0 && img.lo == BASE && img.hi == BASE + 0x2000 &&
	      img.phdr_vaddr == 0,
	      "lo %#llx hi %#llx", (unsigned long long)img.lo,
	      (unsigned long long)img.hi);
}

/* n PT_LOADs of one page each, back to back. */
static void many_loads(struct spec *s, int n)
{
	int i;

	init_spec(s, ELF_TYPE_EXEC, BASE, 0x20000);
	for (i = 0; i < n; i++)
		add_ph(s, PT_LOAD, R, (uint64_t)i * 0x1000,
		       BASE + (uint64_t)i * 0x1000, 0x1000, 0x1000, 0x1000);
}

static void test_counts(void)
{
	struct elf_image want;
	struct spec s;
	int i;

	many_loads(&s, ELF_MAX_LOADS);
	memset(&want, 0, sizeof(want));
	want.type = ELF_TYPE_EXEC;
	want.phnum = ELF_MAX_LOADS;
	want.nr_loads = ELF_MAX_LOADS;
	want.entry = BASE;
	want.phdr_vaddr = BASE + 64;
	want.lo = BASE;
	want.hi = BASE + ELF_MAX_LOADS * 0x1000;
	want.stack_flags = ELF_STACK_DEFAULT;
	for (i = 0; i < ELF_MAX_LOADS; i++)
		load(&want.loads[i], BASE + (uint64_t)i * 0x1000, 0x1000,
		     (uint64_t)i * 0x1000, 0x1000, 0x1000, R);
	check_image(&s, &want, "ELF_MAX_LOADS PT_LOADs");

	many_loads(&s, ELF_MAX_LOADS + 1);
	FAIL_PH(&s, "P4 LOAD: ELF_MAX_LOADS + 1 PT_LOADs");

	/* 64 headers: 16 loads, the rest notes. */
	many_loads(&s, ELF_MAX_LOADS);
	while (s.phnum < ELF_MAX_PHNUM)
		add_ph(&s, PT_NOTE, R, 0x100, 0x100, 4, 4, 4);
	want.phnum = ELF_MAX_PHNUM;
	check_image(&s, &want, "phnum ELF_MAX_PHNUM");
	add_ph(&s, PT_NOTE, R, 0x100, 0x100, 4, 4, 4);
	FAIL_HDR(&s, "H5 phnum ELF_MAX_PHNUM + 1");
}

static void test_load_checks(void)
{
	struct spec s;

	base_exec(&s);
	s.ph[3].filesz = s.ph[3].memsz + 1;
	s.file_size += 0x2000;
	FAIL_PH(&s, "P4 LOAD: p_filesz > p_memsz");
	base_exec(&s);
	s.ph[3].filesz = s.ph[3].memsz;
	s.file_size = s.ph[3].offset + s.ph[3].filesz;
	PASS(&s, "P4 LOAD: p_filesz == p_memsz, ending at file_size");
	s.file_size--;
	FAIL_PH(&s, "P4 LOAD: p_offset + p_filesz = file_size + 1");

	/* 2^64 - 4096 + 0x2000 wraps to 0x1000 <= file_size. */
	base_exec(&s);
	s.ph[3].offset = 0xfffffffffffff000ULL + 0xe10;
	s.ph[3].filesz = 0x1300;
	FAIL_PH(&s, "P4 LOAD: p_offset + p_filesz wraps");

	/* p_vaddr + p_memsz against USER_TOP. */
	init_spec(&s, ELF_TYPE_EXEC, BASE, 0x2000);
	add_ph(&s, PT_LOAD, R | X, 0, BASE, 0x1000, 0x1000, 0x1000);
	add_ph(&s, PT_LOAD, R | W, 0x1000, USER_TOP - 0x1000, 0x1000,
	       0x1000, 0x1000);
	PASS(&s, "P4 LOAD: end exactly USER_TOP");
	s.ph[1].memsz++;
	FAIL_PH(&s, "P4 LOAD: end USER_TOP + 1");
	s.ph[1].memsz = 0;
	s.ph[1].filesz = 0;
	s.ph[1].vaddr = USER_TOP + 0x1000;
	FAIL_PH(&s, "P4 LOAD: empty load above USER_TOP");
	/* 2^64 - 4096 + 0x2000 wraps to 0x1000: below TOP if unchecked. */
	s.ph[1].vaddr = 0xfffffffffffff000ULL;
	s.ph[1].filesz = 0x1000;
	s.ph[1].memsz = 0x2000;
	FAIL_PH(&s, "P4 LOAD: p_vaddr + p_memsz wraps");

	/* p_align: 0 and 1 mean none; else a power of two. */
	base_exec(&s);
	s.ph[2].align = 0;
	PASS(&s, "P4 LOAD: p_align 0");
	s.ph[2].align = 1;
	PASS(&s, "P4 LOAD: p_align 1");
	s.ph[2].align = 0x200000;	/* BASE is a multiple of 2 MiB */
	PASS(&s, "P4 LOAD: p_align 2 MiB");
	s.ph[2].align = 1ULL << 63;
	FAIL_PH(&s, "P4 LOAD: p_align 2^63, offset and vaddr disagree");
	s.ph[2].align = 0x3000;	/* BASE is a multiple of 0x3000 too */
	FAIL_PH(&s, "P4 LOAD: p_align 0x3000 not a power of two");
	s.ph[2].align = ~0ULL;
	FAIL_PH(&s, "P4 LOAD: p_align 2^64 - 1");

	/* Congruent modulo 4096 but not modulo p_align. */
	base_exec(&s);
	s.ph[3].vaddr += 0x1000;
	PASS(&s, "P4 LOAD: vaddr - offset a page multiple, p_align 4096");
	s.ph[3].align = 0x2000;
	FAIL_PH(&s, "P4 LOAD: p_offset %% p_align != p_vaddr %% p_align");

	/* Not congruent modulo 4096, with no p_align to say so. */
	base_exec(&s);
	s.ph[3].vaddr += 0x10;
	s.ph[3].align = 0;
	FAIL_PH(&s, "P4 LOAD: p_offset %% 4096 != p_vaddr %% 4096, p_align 0");
	s.ph[3].align = 1;
	FAIL_PH(&s, "P4 LOAD: p_offset %% 4096 != p_vaddr %% 4096, p_align 1");
	s.ph[3].align = 16;	/* 0x10 apart: agrees modulo 16 */
	FAIL_PH(&s, "P4 LOAD: p_offset %% 4096 != p_vaddr %% 4096, p_align 16");

	/* Order and overlap: touching is fine, one byte over is not. */
	base_exec(&s);
	s.ph[1].memsz = 0x1001;
	FAIL_PH(&s, "P4 LOAD: overlaps the previous load by one byte");
	base_exec(&s);
	s.ph[2].memsz = 0x2e11 - 0x1000;
	FAIL_PH(&s, "P4 LOAD: data starts 1 byte before text ends");
	s.ph[2].memsz--;
	PASS(&s, "P4 LOAD: data starts where text ends");
	base_exec(&s);
	{
		struct ph t = s.ph[2];

		s.ph[2] = s.ph[3];
		s.ph[3] = t;
	}
	FAIL_PH(&s, "P4 LOAD: out of order");
	/* An empty load still sets the end the next one is compared to. */
	base_exec(&s);
	s.ph[1].filesz = s.ph[1].memsz = 0;
	s.ph[1].vaddr = BASE + 0x1000;
	s.ph[1].offset = 0;
	s.ph[0].type = PT_NOTE;
	PASS(&s, "P4 LOAD: empty load at the next load's start");
	s.ph[1].vaddr = BASE + 0x1001;
	s.ph[1].offset = 1;
	FAIL_PH(&s, "P4 LOAD: empty load after the next load's start");
}

static void test_interp_checks(void)
{
	struct spec s;

	base_interp(&s);
	add_ph(&s, PT_INTERP, R, 0x318, 0x318, sizeof(INTERP_PATH),
	       sizeof(INTERP_PATH), 1);
	FAIL_PH(&s, "P4 INTERP: a second PT_INTERP");
	base_interp(&s);
	s.ph[1].filesz = 1;
	FAIL_PH(&s, "P4 INTERP: p_filesz 1");
	s.ph[1].filesz = 0;
	FAIL_PH(&s, "P4 INTERP: p_filesz 0");
	s.ph[1].filesz = ELF_MAX_INTERP + 1;
	FAIL_PH(&s, "P4 INTERP: p_filesz ELF_MAX_INTERP + 1");
	base_interp(&s);
	s.ph[1].offset = s.file_size - 1;
	s.ph[1].filesz = 2;
	FAIL_PH(&s, "P4 INTERP: p_offset + p_filesz = file_size + 1");
	base_interp(&s);
	s.ph[1].offset = ~0ULL - 10;	/* + 28 wraps to 17 */
	FAIL_PH(&s, "P4 INTERP: p_offset + p_filesz wraps");
	/* Only PT_LOAD's memsz is checked, not PT_INTERP's. */
	base_interp(&s);
	s.ph[1].memsz = 0;
	s.ph[1].vaddr = ~0ULL;
	s.ph[1].align = 3;
	PASS(&s, "P4 INTERP: p_memsz, p_vaddr, p_align not checked");
}

static void test_tls_checks(void)
{
	struct spec s;

	base_dyn(&s);
	add_ph(&s, PT_TLS, R, 0x6f48, 0x7f48, 0x28, 0x80, 8);
	FAIL_PH(&s, "P4 TLS: a second PT_TLS");
	base_dyn(&s);
	s.ph[3].filesz = 0x81;
	FAIL_PH(&s, "P4 TLS: p_filesz > p_memsz");
	base_dyn(&s);
	s.ph[3].offset = s.file_size - 0x27;
	FAIL_PH(&s, "P4 TLS: p_offset + p_filesz = file_size + 1");
	s.ph[3].offset = ~0ULL - 0x20;
	FAIL_PH(&s, "P4 TLS: p_offset + p_filesz wraps");
	base_dyn(&s);
	s.ph[3].vaddr = ~0ULL - 0x7f;
	FAIL_PH(&s, "P4 TLS: p_vaddr + p_memsz wraps");
	s.ph[3].vaddr = ~0ULL - 0x80;
	PASS(&s, "P4 TLS: p_vaddr + p_memsz = 2^64 - 1 (no user-top bound)");
	base_dyn(&s);
	s.ph[3].align = 12;
	FAIL_PH(&s, "P4 TLS: p_align 12 not a power of two");
	s.ph[3].align = 64;
	PASS(&s, "P4 TLS: p_align 64");
	/* No p_offset/p_vaddr congruence is asked of PT_TLS. */
	s.ph[3].vaddr = 0x7f49;
	PASS(&s, "P4 TLS: p_vaddr not congruent with p_offset");
}

static void test_final_checks(void)
{
	struct spec s;

	/* P5 */
	init_spec(&s, ELF_TYPE_EXEC, BASE, 0x1000);
	add_ph(&s, PT_GNU_STACK, R | W, 0, 0, 0, 0, 16);
	add_ph(&s, PT_NOTE, R, 0x100, BASE + 0x100, 4, 4, 4);
	FAIL_PH(&s, "P5 no PT_LOAD");
	base_dyn(&s);
	s.ph[0].type = s.ph[1].type = s.ph[2].type = PT_NULL;
	FAIL_PH(&s, "P5 no PT_LOAD (static PIE)");

	/* P6 */
	base_exec(&s);
	s.entry = BASE + 0x2800;	/* text ends at 0x2800 */
	FAIL_PH(&s, "P6 e_entry at a load's end");
	s.entry = BASE + 0x27ff;
	PASS(&s, "P6 e_entry at a load's last byte");
	s.entry = BASE + 0x2e0f;
	FAIL_PH(&s, "P6 e_entry between loads");
	s.entry = BASE + 0x2e10;
	PASS(&s, "P6 e_entry at a load's start (data)");
	s.entry = BASE + 0x4110;
	FAIL_PH(&s, "P6 e_entry at the end of the last load");
	s.entry = BASE + 0x410f;	/* in bss: P6 asks only for memsz */
	PASS(&s, "P6 e_entry in bss");
	s.entry = 0;
	FAIL_PH(&s, "P6 e_entry 0");
	base_dyn(&s);
	s.entry = 0xb230;
	FAIL_PH(&s, "P6 e_entry past the static PIE");
	/* An empty load contains nothing, not even its own vaddr. */
	init_spec(&s, ELF_TYPE_EXEC, BASE + 0x1000, 0x2000);
	add_ph(&s, PT_LOAD, R, 0, BASE, 0x1000, 0x1000, 0x1000);
	add_ph(&s, PT_LOAD, R | X, 0x1000, BASE + 0x1000, 0, 0, 0x1000);
	FAIL_PH(&s, "P6 e_entry at an empty load");

	/* P7 */
	init_spec(&s, ELF_TYPE_EXEC, 0xf000, 0x2000);
	add_ph(&s, PT_LOAD, R | X, 0, 0xf000, 0x2000, 0x2000, 0x1000);
	FAIL_PH(&s, "P7 ET_EXEC first load at 0xf000");
	s.ph[0].vaddr = USER_MIN - 1;
	s.ph[0].offset = 0xfff;
	s.ph[0].filesz = 0x1001;
	s.entry = USER_MIN;
	FAIL_PH(&s, "P7 ET_EXEC first load at USER_MIN - 1");
	s.ph[0].vaddr = USER_MIN;
	s.ph[0].offset = 0;
	PASS(&s, "P7 ET_EXEC first load at USER_MIN");
	s.type = ELF_TYPE_DYN;
	s.ph[0].vaddr = 0;
	s.entry = 0;
	PASS(&s, "P7 not applied to ET_DYN at 0");
	/* Only the first load: a later one in range does not help. */
	init_spec(&s, ELF_TYPE_EXEC, BASE, 0x2000);
	add_ph(&s, PT_LOAD, R, 0, 0, 0x1000, 0x1000, 0x1000);
	add_ph(&s, PT_LOAD, R | X, 0x1000, BASE, 0x1000, 0x1000, 0x1000);
	FAIL_PH(&s, "P7 ET_EXEC first load at 0, entry in the second");
}

/*
 * T1, and the target's machine, user_top and user_min: the parser checks
 * against what the caller passes, never against x86-64 constants.
 */
static void test_target(void)
{
	static const struct elf_target aarch64 = {
		.machine = 183, .user_min = USER_MIN, .user_top = 0x0000fffffffff000ULL,
	};
	static const struct {
		struct elf_target t;
		const char *what;
	} bad[] = {
		{ { 62, { 0 }, USER_MIN, USER_TOP + 1 }, "user_top + 1" },
		{ { 62, { 0 }, USER_MIN, USER_TOP - 0x800 }, "user_top mid-page" },
		{ { 62, { 0 }, 0, UINT64_MAX }, "user_top 2^64 - 1" },
		{ { 62, { 0 }, 0, 0 }, "user_top 0" },
		{ { 62, { 0 }, USER_TOP, USER_TOP }, "user_min == user_top" },
		{ { 62, { 0 }, UINT64_MAX, USER_TOP }, "user_min > user_top" },
		{ { 62, { 1, 0, 0 }, USER_MIN, USER_TOP }, "pad[0]" },
		{ { 62, { 0, 0, 0x8000 }, USER_MIN, USER_TOP }, "pad[2]" },
	};
	struct elf_header h;
	struct elf_image img;
	struct spec s;
	struct bufs b;
	int rc;

	/* H4: e_machine 183 is an aarch64 file: the target decides. */
	base_exec(&s);
	s.machine = 183;
	FAIL_HDR(&s, "H4 e_machine 183 for an x86-64 target");
	s.target = aarch64;
	PASS(&s, "H4 e_machine 183 for an aarch64 target");
	s.machine = 62;
	FAIL_HDR(&s, "H4 e_machine 62 for an aarch64 target");

	/* P4: the last PT_LOAD ends at BASE + 0x4110. */
	base_exec(&s);
	s.target.user_top = BASE + 0x4000;
	FAIL_PH(&s, "P4 LOAD past a smaller user_top");
	s.target.user_top = BASE + 0x5000;
	PASS(&s, "P4 LOAD below a smaller user_top");
	s.ph[3].vaddr = BASE + 0x6000;
	s.ph[3].offset = 0x3000;
	s.ph[3].filesz = s.ph[3].memsz = 0;
	s.file_size = 0x3000;
	FAIL_PH(&s, "P4 empty LOAD above a smaller user_top");

	/* P7: the target's user_min. */
	base_exec(&s);
	s.target.user_min = BASE;
	PASS(&s, "P7 ET_EXEC first load at the target's user_min");
	s.target.user_min = BASE + 1;
	FAIL_PH(&s, "P7 ET_EXEC first load below the target's user_min");
	s.type = ELF_TYPE_DYN;
	PASS(&s, "P7 not applied to ET_DYN whatever the target");

	/* T1: bad targets are caller errors, before any look at the file. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		base_exec(&s);
		s.target = bad[i].t;
		expect(&s, -EINVAL, -EINVAL, bad[i].what);
		s.ehdr_len = 10;
		s.phdrs_len = 1;
		expect(&s, -EINVAL, -EINVAL, bad[i].what);
	}
	base_exec(&s);
	s.target.user_min = USER_TOP - 1;
	s.type = ELF_TYPE_DYN;
	PASS(&s, "T1 user_min = user_top - 1 is a target");

	/* H1 / P1: a NULL target. */
	base_exec(&s);
	make_bufs(&s, &b);
	memset(&h, 0xAA, sizeof(h));
	rc = c_elf_parse_header(b.ehdr, 64, s.file_size, NULL, &h);
	CHECK(rc == -EINVAL && all_aa(&h, sizeof(h)), "H1 target NULL: %d", rc);
	memset(&img, 0xAA, sizeof(img));
	rc = c_elf_parse_phdrs(b.ehdr, 64, b.phdrs, s.phdrs_len, s.file_size, NULL, &img);
	CHECK(rc == -EINVAL && all_aa(&img, sizeof(img)), "P1 target NULL: %d", rc);
	free_bufs(&b);
}

static void test_check_interp(void)
{
	static uint8_t big[ELF_MAX_INTERP + 1];
	static const uint8_t path[] = INTERP_PATH;
	int rc;

	rc = c_elf_check_interp(NULL, sizeof(path));
	CHECK(rc == -EINVAL, "I1 path NULL: %d", rc);
	rc = c_elf_check_interp(NULL, 0);
	CHECK(rc == -EINVAL, "I1 before I2: %d", rc);
	rc = c_elf_check_interp(path, sizeof(path));
	CHECK(rc == 0, "I: \"%s\": %d", INTERP_PATH, rc);
	rc = c_elf_check_interp(path + sizeof(path) - 2, 2);
	CHECK(rc == 0, "I: \"2\\0\" (len 2): %d", rc);
	rc = c_elf_check_interp(path, 0);
	CHECK(rc == -ENOEXEC, "I2 len 0: %d", rc);
	rc = c_elf_check_interp(path + sizeof(path) - 1, 1);
	CHECK(rc == -ENOEXEC, "I2 len 1 (just the NUL): %d", rc);

	memset(big, 'a', sizeof(big));
	big[ELF_MAX_INTERP - 1] = 0;
	rc = c_elf_check_interp(big, ELF_MAX_INTERP);
	CHECK(rc == 0, "I: len ELF_MAX_INTERP: %d", rc);
	big[ELF_MAX_INTERP - 1] = 'a';
	big[ELF_MAX_INTERP] = 0;
	rc = c_elf_check_interp(big, ELF_MAX_INTERP + 1);
	CHECK(rc == -ENOEXEC, "I2 len ELF_MAX_INTERP + 1: %d", rc);

	rc = c_elf_check_interp(path, sizeof(path) - 1);
	CHECK(rc == -ENOEXEC, "I3 no NUL at the end: %d", rc);
	rc = c_elf_check_interp((const uint8_t *)"/lib\0/ld\0", 10);
	CHECK(rc == -ENOEXEC, "I3 NUL in the middle: %d", rc);
	rc = c_elf_check_interp((const uint8_t *)"\0a", 3);
	CHECK(rc == -ENOEXEC, "I3 NUL first: %d", rc);
	rc = c_elf_check_interp((const uint8_t *)"\0", 2);
	CHECK(rc == -ENOEXEC, "I3 two NULs: %d", rc);
	g_shift = 1;
	{
		uint8_t *base, *p = dup_exact(path, sizeof(path), &base);

		rc = c_elf_check_interp(p, sizeof(path));
		CHECK(rc == 0, "I: exact-size unaligned buffer: %d", rc);
		free(base);
	}
	g_shift = 0;
}

/*
 * The dynamic PIE laid out as a file would be (ehdr, then the table at 64),
 * cut at every length up to the end of the table: the parser is told the
 * shorter file_size and gets only the bytes that exist.
 */
static void test_truncation(void)
{
	struct spec s;
	uint8_t file[64 + MAX_PH * 56];
	size_t end, len, i;
	int bad_hdr = -1, bad_img = -1, bad_ehdr = -1, bad_ph = -1;

	base_interp(&s);
	end = 64 + (size_t)s.phnum * 56;
	put_ehdr(file, &s);
	for (i = 0; i < s.phnum; i++)
		put_phdr(file + 64 + i * 56, &s.ph[i]);

	for (len = 0; len <= end; len++) {
		size_t elen = len < 64 ? len : 64;
		size_t plen = len > 64 ? len - 64 : 0;
		uint8_t *eb, *pb, *e, *p;
		struct elf_header h;
		struct elf_image img;
		int rc;

		g_shift = len & 7;
		e = dup_exact(file, elen, &eb);
		p = dup_exact(file + 64, plen, &pb);
		memset(&h, 0xAA, sizeof(h));
		rc = c_elf_parse_header(e, elen, len, &x86_64, &h);
		if ((len < end && (rc != -ENOEXEC || !all_aa(&h, sizeof(h)))) ||
		    (len == end && rc != 0))
			if (bad_hdr < 0)
				bad_hdr = (int)len;
		memset(&img, 0xAA, sizeof(img));
		rc = c_elf_parse_phdrs(e, elen, p, plen, len, &x86_64, &img);
		if ((rc != -ENOEXEC && rc != -EINVAL) || !all_aa(&img, sizeof(img)))
			if (bad_img < 0)
				bad_img = (int)len;
		free(eb);
		free(pb);
	}
	g_shift = 0;
	CHECK(bad_hdr < 0, "truncated file, 0..%zu bytes: parse_header (first bad %d)",
	      end, bad_hdr);
	CHECK(bad_img < 0, "truncated file, 0..%zu bytes: parse_phdrs fails (first bad %d)",
	      end, bad_img);

	/* Full file_size, but the caller hands over fewer bytes. */
	for (len = 0; len < 64; len++) {
		struct elf_image img;
		uint8_t *eb, *pb, *e, *p;
		int rc;

		e = dup_exact(file, len, &eb);
		p = dup_exact(file + 64, end - 64, &pb);
		memset(&img, 0xAA, sizeof(img));
		rc = c_elf_parse_phdrs(e, len, p, end - 64, s.file_size, &x86_64, &img);
		if ((rc != -ENOEXEC || !all_aa(&img, sizeof(img))) && bad_ehdr < 0)
			bad_ehdr = (int)len;
		free(eb);
		free(pb);
	}
	CHECK(bad_ehdr < 0, "ehdr_len 0..63: -ENOEXEC (first bad %d)", bad_ehdr);
	for (len = 0; len < end - 64; len++) {
		struct elf_image img;
		uint8_t *eb, *pb, *e, *p;
		int rc;

		e = dup_exact(file, 64, &eb);
		p = dup_exact(file + 64, len, &pb);
		memset(&img, 0xAA, sizeof(img));
		rc = c_elf_parse_phdrs(e, 64, p, len, s.file_size, &x86_64, &img);
		if ((rc != -EINVAL || !all_aa(&img, sizeof(img))) && bad_ph < 0)
			bad_ph = (int)len;
		free(eb);
		free(pb);
	}
	CHECK(bad_ph < 0, "phdrs_len 0..%zu: -EINVAL (first bad %d)",
	      end - 65, bad_ph);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/*
 * A real binary, read as the loader would: the first 64 bytes, then the
 * table at e_phoff, then the PT_INTERP bytes. The expectations come from
 * a plain scan of the raw table.
 */
static void test_real(const char *path, const char *interp)
{
	struct elf_header h;
	struct elf_image img;
	uint64_t pt_phdr = 0, first_lo = ~0ULL;
	uint32_t loads = 0, has_tls = 0;
	bool has_phdr = false;
	uint8_t *buf, *eb, *pb, *e, *p;
	size_t len, i;
	int rc;

	buf = read_file(path, &len);
	if (!buf) {
		CHECK(1, "%s # SKIP not present", path);
		return;
	}
	e = dup_exact(buf, 64, &eb);
	rc = c_elf_parse_header(e, 64, len, &x86_64, &h);
	if (!CHECK(rc == 0 && h.phoff + h.phdrs_size <= len,
		   "%s: header (rc %d, phnum %u)", path, rc, h.phnum)) {
		free(eb);
		free(buf);
		return;
	}
	p = dup_exact(buf + h.phoff, h.phdrs_size, &pb);
	for (i = 0; i < h.phnum; i++) {
		const uint8_t *ph = p + i * 56;

		if (get32(ph) == PT_LOAD && loads++ == 0)
			first_lo = get64(ph + 16) & ~0xfffULL;
		if (get32(ph) == PT_TLS)
			has_tls = 1;
		if (get32(ph) == PT_PHDR) {
			has_phdr = true;
			pt_phdr = get64(ph + 16);
		}
	}
	rc = c_elf_parse_phdrs(e, 64, p, h.phdrs_size, len, &x86_64, &img);
	CHECK(rc == 0 && img.nr_loads == loads && img.lo == first_lo &&
	      img.has_tls == has_tls && img.entry == h.entry &&
	      img.phdr_vaddr == (has_phdr ? pt_phdr : h.phoff) &&
	      img.has_interp == (interp != NULL),
	      "%s: image (rc %d, %u loads, lo %#llx, hi %#llx, phdr %#llx, interp %u, tls %u)",
	      path, rc, img.nr_loads, (unsigned long long)img.lo,
	      (unsigned long long)img.hi, (unsigned long long)img.phdr_vaddr,
	      img.has_interp, img.has_tls);
	if (rc == 0 && interp && img.has_interp) {
		uint8_t *ib, *ip;

		ip = dup_exact(buf + img.interp_offset, img.interp_size, &ib);
		rc = c_elf_check_interp(ip, img.interp_size);
		CHECK(rc == 0 && img.interp_size == strlen(interp) + 1 &&
		      memcmp(ip, interp, img.interp_size) == 0,
		      "%s: interpreter %.*s (rc %d)", path,
		      (int)img.interp_size, (const char *)ip, rc);
		free(ib);
	}
	free(pb);
	free(eb);
	free(buf);
}

int main(void)
{
	test_header_ok();
	test_header_checks();
	test_phdrs_len();
	test_exec_ok();
	test_dyn_ok();
	test_interp_ok();
	test_phdr_vaddr();
	test_counts();
	test_load_checks();
	test_interp_checks();
	test_tls_checks();
	test_final_checks();
	test_target();
	test_check_interp();
	test_truncation();
	test_real("/bin/true", INTERP_PATH);
	test_real("/lib64/ld-linux-x86-64.so.2", NULL);
	test_real("/sbin/ldconfig", NULL);
	return check_done();
}
