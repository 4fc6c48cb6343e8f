/*
 * Boot self-test of an ELF parser implementation: a small valid image and
 * broken variants of it, each parsed by the candidate and by the C
 * fallback; the results (return codes and whole output structs) must be
 * identical, and the valid image must decode to what was built.
 */
#include <alloy/errno.h>
#include <alloy/string.h>
#include <ffi/ffi.h>

#define TEST_FILE_SIZE 0x3000
#define NR_PHDRS 3

/* The parsers are compared, not the architecture: the targets are ours. */
static const struct elf_target x86_64 = {
	.machine = 62, .user_min = 0x10000, .user_top = 0x00007ffffffff000ULL,
};
static const struct elf_target aarch64_small = {
	.machine = 183, .user_min = 0x10000, .user_top = 0x406000,
};

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v); put32(p + 4, v >> 32); }

static void put_phdr(uint8_t *p, uint32_t type, uint32_t flags, uint64_t off,
		     uint64_t vaddr, uint64_t filesz, uint64_t memsz, uint64_t align)
{
	put32(p, type);
	put32(p + 4, flags);
	put64(p + 8, off);
	put64(p + 16, vaddr);
	put64(p + 24, vaddr);
	put64(p + 32, filesz);
	put64(p + 40, memsz);
	put64(p + 48, align);
}

/* ET_EXEC: text at 0x400000 (covers the headers), data+bss at 0x402000. */
static void build(uint8_t *eh, uint8_t *ph)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };

	memset(eh, 0, ELF_EHDR_SIZE);
	memcpy(eh, ident, sizeof(ident));
	put16(eh + 16, ELF_TYPE_EXEC);
	put16(eh + 18, 62);
	put32(eh + 20, 1);
	put64(eh + 24, 0x400100);		/* entry */
	put64(eh + 32, ELF_EHDR_SIZE);		/* phoff */
	put16(eh + 52, ELF_EHDR_SIZE);
	put16(eh + 54, ELF_PHDR_SIZE);
	put16(eh + 56, NR_PHDRS);
	put_phdr(ph, 1, ELF_PF_R | ELF_PF_X, 0, 0x400000, 0x1800, 0x1800, 0x1000);
	put_phdr(ph + 56, 1, ELF_PF_R | ELF_PF_W, 0x2000, 0x402000, 0x800, 0x5000, 0x1000);
	put_phdr(ph + 112, 0x6474e551, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0, 16);
}

static bool same(const struct elf_impl *a, const struct elf_impl *b,
		 const uint8_t *eh, const uint8_t *ph, const struct elf_target *t,
		 int *rc_out, struct elf_image *im_out)
{
	struct elf_header ha, hb;
	struct elf_image ia, ib;

	memset(&ha, 0, sizeof(ha));
	memset(&hb, 0, sizeof(hb));
	memset(&ia, 0, sizeof(ia));
	memset(&ib, 0, sizeof(ib));
	int ra = a->parse_header(eh, ELF_EHDR_SIZE, TEST_FILE_SIZE, t, &ha);
	int rb = b->parse_header(eh, ELF_EHDR_SIZE, TEST_FILE_SIZE, t, &hb);
	if (ra != rb || memcmp(&ha, &hb, sizeof(ha)))
		return false;
	ra = a->parse_phdrs(eh, ELF_EHDR_SIZE, ph, NR_PHDRS * ELF_PHDR_SIZE,
			    TEST_FILE_SIZE, t, &ia);
	rb = b->parse_phdrs(eh, ELF_EHDR_SIZE, ph, NR_PHDRS * ELF_PHDR_SIZE,
			    TEST_FILE_SIZE, t, &ib);
	*rc_out = ra;
	*im_out = ia;
	return ra == rb && !memcmp(&ia, &ib, sizeof(ia));
}

bool elf_self_test(const struct elf_impl *impl)
{
	const struct elf_impl *ref = elf_impl_get(0);
	uint8_t eh[ELF_EHDR_SIZE], ph[NR_PHDRS * ELF_PHDR_SIZE];
	struct elf_image im;
	int rc;

	build(eh, ph);
	if (!same(impl, ref, eh, ph, &x86_64, &rc, &im) || rc || im.nr_loads != 2 ||
	    im.entry != 0x400100 || im.lo != 0x400000 || im.hi != 0x407000 ||
	    im.phdr_vaddr != 0x400040 || im.stack_flags != (ELF_PF_R | ELF_PF_W))
		return false;

	build(eh, ph);		/* broken magic */
	eh[1] = 'e';
	if (!same(impl, ref, eh, ph, &x86_64, &rc, &im) || rc != -ENOEXEC)
		return false;
	build(eh, ph);		/* filesz > memsz */
	put64(ph + 56 + 32, 0x6000);
	if (!same(impl, ref, eh, ph, &x86_64, &rc, &im) || rc != -ENOEXEC)
		return false;
	build(eh, ph);		/* overlapping loads */
	put64(ph + 56 + 16, 0x401000);
	if (!same(impl, ref, eh, ph, &x86_64, &rc, &im) || rc != -ENOEXEC)
		return false;
	build(eh, ph);		/* the target decides the machine and the top */
	if (!same(impl, ref, eh, ph, &aarch64_small, &rc, &im) || rc != -ENOEXEC)
		return false;
	put16(eh + 18, 183);	/* an aarch64 file: not for x86-64 */
	if (!same(impl, ref, eh, ph, &x86_64, &rc, &im) || rc != -ENOEXEC)
		return false;
	/* bss ends at 0x407000: one page past aarch64_small's top */
	if (!same(impl, ref, eh, ph, &aarch64_small, &rc, &im) || rc != -ENOEXEC)
		return false;
	put64(ph + 56 + 40, 0x4000);
	if (!same(impl, ref, eh, ph, &aarch64_small, &rc, &im) || rc ||
	    im.hi != 0x406000)
		return false;

	static const uint8_t interp[] = "/lib/ld.so";
	return impl->check_interp(interp, sizeof(interp)) == 0 &&
	       impl->check_interp(interp, sizeof(interp) - 1) == -ENOEXEC;
}
