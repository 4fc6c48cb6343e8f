/*
 * The canonical result of one ELF file under one implementation of
 * ffi/elf.h (see elf_result.h).
 *
 * Besides rendering what the implementation returned, this file carries an
 * independent reading of the contract (ref_*), written from the comment in
 * ffi/elf.h alone: whatever an implementation answers is checked against
 * it, so a rule that both implementations get wrong in the same way still
 * shows up as a " !violation" in the line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_result.h"

#define RC_EINVAL (-22)
#define RC_ENOEXEC (-8)
#define PATTERN 0xa5

#define PT_LOAD 1
#define PT_INTERP 3
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551u

const struct elf_impl elf_impl_c = {
	.name = "c",
	.parse_header = c_elf_parse_header,
	.parse_phdrs = c_elf_parse_phdrs,
	.check_interp = c_elf_check_interp,
};

const struct elf_target elf_target_x86_64 = {
	.machine = 62, .user_min = 0x10000, .user_top = 0x00007ffffffff000ULL,
};

#ifdef WITH_RUST
const struct elf_impl elf_impl_rust = {
	.name = "rust",
	.parse_header = rust_elf_parse_header,
	.parse_phdrs = rust_elf_parse_phdrs,
	.check_interp = rust_elf_check_interp,
};
#endif

/* ---- little-endian field access on the raw bytes */

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static bool add_ovf(uint64_t a, uint64_t b, uint64_t *sum)
{
	return __builtin_add_overflow(a, b, sum);
}

static bool pow2_or_0(uint64_t a)
{
	return (a & (a - 1)) == 0;
}

/* ---- the reference reading of the contract */

/* The rule that rejects the header, or NULL if H2..H6 pass. */
static const char *ref_header(const uint8_t *b, size_t n, uint64_t file_size,
			      const struct elf_target *t)
{
	if (n < 64 || file_size < 64)
		return "H2";
	if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F' || b[4] != 2 ||
	    b[5] != 1 || b[6] != 1 || (b[7] != 0 && b[7] != 3))
		return "H3";
	uint64_t type = le(b + 16, 2), machine = le(b + 18, 2), version = le(b + 20, 4);
	if ((type != ELF_TYPE_EXEC && type != ELF_TYPE_DYN) || machine != t->machine || version != 1)
		return "H4";
	uint64_t ehsize = le(b + 52, 2), phentsize = le(b + 54, 2), phnum = le(b + 56, 2);
	if (ehsize != 64 || phentsize != 56 || phnum < 1 || phnum > ELF_MAX_PHNUM)
		return "H5";
	uint64_t phoff = le(b + 32, 8), end;
	if (phoff < 64 || phoff % 8 || add_ovf(phoff, phnum * 56, &end) || end > file_size)
		return "H6";
	return NULL;
}

static void ref_header_out(const uint8_t *b, struct elf_header *h)
{
	memset(h, 0, sizeof(*h));
	h->type = (uint16_t)le(b + 16, 2);
	h->phnum = (uint16_t)le(b + 56, 2);
	h->entry = le(b + 24, 8);
	h->phoff = le(b + 32, 8);
	h->phdrs_size = (uint64_t)h->phnum * 56;
}

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
};

static struct phdr phdr_at(const uint8_t *p)
{
	return (struct phdr){
		.type = (uint32_t)le(p, 4), .flags = (uint32_t)le(p + 4, 4),
		.offset = le(p + 8, 8), .vaddr = le(p + 16, 8),
		.filesz = le(p + 32, 8), .memsz = le(p + 40, 8), .align = le(p + 48, 8),
	};
}

/*
 * P4..P7 on a header that passed H2..H6 and its whole table: the failing
 * rule, or NULL and *img filled.
 */
static const char *ref_phdrs(const uint8_t *eh, const uint8_t *ph, uint64_t file_size,
			     const struct elf_target *t, struct elf_image *img)
{
	struct elf_header h;
	uint64_t end, prev_end = 0;
	bool seen_interp = false, seen_tls = false;

	ref_header_out(eh, &h);
	memset(img, 0, sizeof(*img));
	img->type = h.type;
	img->phnum = h.phnum;
	img->entry = h.entry;
	img->stack_flags = ELF_STACK_DEFAULT;
	for (unsigned i = 0; i < h.phnum; i++) {
		struct phdr p = phdr_at(ph + i * 56);

		if (p.type == PT_LOAD) {
			if (img->nr_loads == ELF_MAX_LOADS)
				return "P4 load: too many";
			if (p.filesz > p.memsz)
				return "P4 load: filesz > memsz";
			if (add_ovf(p.offset, p.filesz, &end) || end > file_size)
				return "P4 load: past EOF";
			if (add_ovf(p.vaddr, p.memsz, &end) || end > t->user_top)
				return "P4 load: above user top";
			if (!pow2_or_0(p.align))
				return "P4 load: align";
			if (p.align > 1 && p.offset % p.align != p.vaddr % p.align)
				return "P4 load: incongruent mod align";
			if (p.offset % 4096 != p.vaddr % 4096)
				return "P4 load: incongruent mod 4096";
			if (img->nr_loads && p.vaddr < prev_end)
				return "P4 load: order";
			prev_end = end;
			img->loads[img->nr_loads++] = (struct elf_load){
				.vaddr = p.vaddr, .memsz = p.memsz, .offset = p.offset,
				.filesz = p.filesz, .align = p.align, .flags = p.flags & 7,
			};
		} else if (p.type == PT_INTERP) {
			if (seen_interp)
				return "P4 interp: second";
			if (p.filesz < 2 || p.filesz > ELF_MAX_INTERP)
				return "P4 interp: size";
			if (add_ovf(p.offset, p.filesz, &end) || end > file_size)
				return "P4 interp: past EOF";
			seen_interp = true;
			img->has_interp = 1;
			img->interp_offset = p.offset;
			img->interp_size = p.filesz;
		} else if (p.type == PT_TLS) {
			if (seen_tls)
				return "P4 tls: second";
			if (p.filesz > p.memsz)
				return "P4 tls: filesz > memsz";
			if (add_ovf(p.offset, p.filesz, &end) || end > file_size)
				return "P4 tls: past EOF";
			if (add_ovf(p.vaddr, p.memsz, &end))
				return "P4 tls: vaddr wraps";
			if (!pow2_or_0(p.align))
				return "P4 tls: align";
			seen_tls = true;
			img->has_tls = 1;
			img->tls_vaddr = p.vaddr;
			img->tls_filesz = p.filesz;
			img->tls_memsz = p.memsz;
			img->tls_align = p.align;
		} else if (p.type == PT_GNU_STACK) {
			img->stack_flags = p.flags & 7;
		}
	}
	if (!img->nr_loads)
		return "P5 no load";
	bool entry_ok = false;
	for (unsigned i = 0; i < img->nr_loads; i++) {
		const struct elf_load *l = &img->loads[i];

		if (h.entry >= l->vaddr && h.entry - l->vaddr < l->memsz)
			entry_ok = true;
	}
	if (!entry_ok)
		return "P6 entry";
	if (h.type == ELF_TYPE_EXEC && img->loads[0].vaddr < t->user_min)
		return "P7 exec below user min";
	const struct elf_load *last = &img->loads[img->nr_loads - 1];
	img->lo = img->loads[0].vaddr & ~4095ULL;
	img->hi = (last->vaddr + last->memsz + 4095) & ~4095ULL;
	for (unsigned i = 0; i < img->nr_loads; i++) {
		const struct elf_load *l = &img->loads[i];

		if (h.phoff >= l->offset && h.phoff + h.phdrs_size <= l->offset + l->filesz) {
			img->phdr_vaddr = l->vaddr + (h.phoff - l->offset);
			break;
		}
	}
	return NULL;
}

static bool ref_interp_ok(const uint8_t *path, size_t len)
{
	return len >= 2 && len <= ELF_MAX_INTERP && memchr(path, 0, len) == path + len - 1;
}

/* ---- running an implementation */

static void violation(struct elf_result *r, const char *fmt, ...)
{
	size_t n = strlen(r->violations);
	va_list ap;

	if (n + 2 >= sizeof(r->violations))
		return;
	r->violations[n++] = ' ';
	r->violations[n++] = '!';
	va_start(ap, fmt);
	vsnprintf(r->violations + n, sizeof(r->violations) - n, fmt, ap);
	va_end(ap);
	/* one word per violation: no spaces inside */
	for (char *c = r->violations + n; *c; c++)
		if (*c == ' ')
			*c = '_';
}

static bool all_pattern(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != PATTERN)
			return false;
	return true;
}

static uint8_t empty;

/* A copy of file[off, off + n) in a heap buffer of exactly n bytes. */
static uint8_t *read_exact(const uint8_t *file, uint64_t off, size_t n)
{
	uint8_t *buf = malloc(n);

	if (!buf) {
		if (n)
			abort();
		return &empty;
	}
	if (n)
		memcpy(buf, file + off, n);
	return buf;
}

static void release(uint8_t *buf)
{
	if (buf != &empty)
		free(buf);
}

static void check_rc(struct elf_result *r, const char *stage, int rc)
{
	if (rc != 0 && rc != RC_ENOEXEC && rc != RC_EINVAL)
		violation(r, "%s:rc_%d_not_an_allowed_errno", stage, rc);
	else if (rc == RC_EINVAL)
		violation(r, "%s:-EINVAL_for_valid_arguments", stage);
}

static void stage_header(const struct elf_impl *impl, const struct elf_target *t,
			 const uint8_t *file, size_t size, struct elf_result *r)
{
	size_t n = size < 64 ? size : 64;
	uint8_t *ehdr = read_exact(file, 0, n);
	const char *why = ref_header(ehdr, n, size, t);

	memset(&r->hdr, PATTERN, sizeof(r->hdr));
	r->hdr_rc = impl->parse_header(ehdr, n, size, t, &r->hdr);
	check_rc(r, "header", r->hdr_rc);
	if (r->hdr_rc) {
		if (!all_pattern(&r->hdr, sizeof(r->hdr)))
			violation(r, "header:output_written_on_error");
		if (!why)
			violation(r, "header:rejects_a_valid_header");
	} else if (why) {
		violation(r, "header:accepts_%s", why);
	} else {
		struct elf_header want;

		ref_header_out(ehdr, &want);
		if (memcmp(&want, &r->hdr, sizeof(want)))
			violation(r, "header:output_differs_from_the_file");
	}
	release(ehdr);
}

static void stage_phdrs(const struct elf_impl *impl, const struct elf_target *t,
			const uint8_t *file, size_t size, struct elf_result *r)
{
	const struct elf_header *h = &r->hdr;
	size_t n = size < 64 ? size : 64;

	/* The kernel checks an output before it uses it: so do we. */
	if (h->phdrs_size != (uint64_t)h->phnum * 56 || h->phoff > size ||
	    h->phdrs_size > size - h->phoff) {
		violation(r, "header:phoff/phdrs_size_outside_the_file");
		return;
	}
	uint8_t *ehdr = read_exact(file, 0, n);
	uint8_t *ph = read_exact(file, h->phoff, h->phdrs_size);
	struct elf_image want;
	const char *why = ref_phdrs(ehdr, ph, size, t, &want);

	memset(&r->img, PATTERN, sizeof(r->img));
	r->phdrs_rc = impl->parse_phdrs(ehdr, n, ph, h->phdrs_size, size, t, &r->img);
	check_rc(r, "phdrs", r->phdrs_rc);
	if (r->phdrs_rc) {
		if (!all_pattern(&r->img, sizeof(r->img)))
			violation(r, "phdrs:output_written_on_error");
		if (!why)
			violation(r, "phdrs:rejects_a_valid_file");
	} else if (why) {
		violation(r, "phdrs:accepts_%s", why);
	} else if (memcmp(&want, &r->img, sizeof(want))) {
		violation(r, "phdrs:output_differs_from_the_file");
	}
	release(ehdr);
	release(ph);
}

static void stage_interp(const struct elf_impl *impl, const uint8_t *file, size_t size,
			 struct elf_result *r)
{
	const struct elf_image *img = &r->img;

	if (img->interp_size > ELF_MAX_INTERP || img->interp_offset > size ||
	    img->interp_size > size - img->interp_offset) {
		violation(r, "phdrs:interp_outside_the_file");
		return;
	}
	size_t n = img->interp_size;
	uint8_t *path = read_exact(file, img->interp_offset, n);

	r->interp_rc = impl->check_interp(path, n);
	check_rc(r, "interp", r->interp_rc);
	if ((r->interp_rc == 0) != ref_interp_ok(path, n))
		violation(r, "interp:%s", r->interp_rc ? "rejects_a_valid_path" :
							 "accepts_an_invalid_path");
	release(path);
}

/* ---- the canonical text */

struct out {
	char *buf;
	size_t len, used;
};

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->used >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n;
}

static void put_rc(struct out *o, const char *name, int rc)
{
	if (rc == ELF_NOT_RUN)
		put(o, "%s%s=-", o->used ? " " : "", name);
	else
		put(o, "%s%s=%d", o->used ? " " : "", name, rc);
}

typedef unsigned long long ull;

static void format(struct elf_result *r)
{
	struct out o = { r->text, sizeof(r->text), 0 };
	const struct elf_header *h = &r->hdr;
	const struct elf_image *m = &r->img;

	put_rc(&o, "H", r->hdr_rc);
	if (r->hdr_rc == 0)
		put(&o, " type=%x phnum=%x pad=%x entry=%llx phoff=%llx phsz=%llx", h->type,
		    h->phnum, h->pad, (ull)h->entry, (ull)h->phoff, (ull)h->phdrs_size);
	put_rc(&o, "P", r->phdrs_rc);
	if (r->phdrs_rc == 0) {
		put(&o, " type=%x phnum=%x nl=%x entry=%llx phdr=%llx lo=%llx hi=%llx", m->type,
		    m->phnum, m->nr_loads, (ull)m->entry, (ull)m->phdr_vaddr, (ull)m->lo,
		    (ull)m->hi);
		put(&o, " interp=%x io=%llx is=%llx stack=%x", m->has_interp,
		    (ull)m->interp_offset, (ull)m->interp_size, m->stack_flags);
		put(&o, " tls=%x pad=%x tv=%llx tf=%llx tm=%llx ta=%llx", m->has_tls, m->pad,
		    (ull)m->tls_vaddr, (ull)m->tls_filesz, (ull)m->tls_memsz, (ull)m->tls_align);
		for (unsigned i = 0; i < ELF_MAX_LOADS; i++) {
			const struct elf_load *l = &m->loads[i];
			static const struct elf_load zero;

			/* unused entries must be zero: shown only if they are not */
			if (i >= m->nr_loads && !memcmp(l, &zero, sizeof(zero)))
				continue;
			put(&o, " L%u=%llx,%llx,%llx,%llx,%llx,%x,%x", i, (ull)l->vaddr,
			    (ull)l->memsz, (ull)l->offset, (ull)l->filesz, (ull)l->align,
			    l->flags, l->pad);
		}
	}
	put_rc(&o, "I", r->interp_rc);
	put(&o, "%s", r->violations);
}

const char *elf_result_run(const struct elf_impl *impl, const struct elf_target *target,
			   const uint8_t *file, size_t size, struct elf_result *r)
{
	memset(r, 0, sizeof(*r));
	r->hdr_rc = r->phdrs_rc = r->interp_rc = ELF_NOT_RUN;
	stage_header(impl, target, file, size, r);
	if (r->hdr_rc == 0)
		stage_phdrs(impl, target, file, size, r);
	if (r->phdrs_rc == 0 && r->img.has_interp)
		stage_interp(impl, file, size, r);
	format(r);
	return r->text;
}

bool elf_result_loadable(const struct elf_result *r)
{
	return r->hdr_rc == 0 && r->phdrs_rc == 0 &&
	       (r->interp_rc == 0 || r->interp_rc == ELF_NOT_RUN);
}

static uint64_t max_end(uint64_t cur, uint64_t off, uint64_t len)
{
	uint64_t end;

	if (add_ovf(off, len, &end))
		return UINT64_MAX;
	return end > cur ? end : cur;
}

uint64_t elf_result_needed(const struct elf_result *r)
{
	const struct elf_image *m = &r->img;
	uint64_t need = 64;

	if (!elf_result_loadable(r))
		return 0;
	need = max_end(need, r->hdr.phoff, r->hdr.phdrs_size);
	if (m->has_interp)
		need = max_end(need, m->interp_offset, m->interp_size);
	for (unsigned i = 0; i < m->nr_loads && i < ELF_MAX_LOADS; i++)
		need = max_end(need, m->loads[i].offset, m->loads[i].filesz);
	/* PT_TLS's file range is not in the output; it lies in a PT_LOAD in
	 * every real binary, and the vectors cover the rest. */
	return need;
}
