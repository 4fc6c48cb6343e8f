/*
 * The ELF parser vector runner: every file in tests/vectors/elf (the real
 * binaries at the top, the crafted ones in good/ and bad/) goes through the
 * C implementation and, built with -DWITH_RUST, the Rust component, the way
 * the kernel's exec would (tests/ffi/elf_result.c). For each file:
 *
 *   - C's canonical result must equal the line recorded in
 *     tests/vectors/elf/expected.txt and break none of the contract's
 *     promises (no " !violation");
 *   - Rust's result must equal C's;
 *   - every truncation of the file (at each length from 0 to the end of the
 *     program-header table and the interpreter path; every length for files
 *     up to 16 KiB) must give the same result in C and Rust, and may be
 *     loadable only if it keeps every byte the full file needs.
 *
 * Then every file again for other targets (struct elf_target: another
 * machine, a lower user_top, a higher user_min): C == Rust, no broken
 * promise, and the few results the target decides, named one by one.
 *
 * Plus the caller-error (-EINVAL) cases that no file can reach. Prints TAP;
 * exits 1 on any failure. `--record` rewrites expected.txt from the C
 * results instead of comparing (review the diff!).
 *
 * Usage (from the repo root): elf_vectors [--record] [--dir DIR]
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elf_result.h"

#define SMALL_FILE 16384

static int test_no, failures;
static bool record;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++test_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		failures++;
	fflush(stdout);
}

/* ---- services the Rust staticlib links against */
#ifdef WITH_RUST
void alloy_rust_panic(const char *msg, size_t len);
void alloy_log(int level, const char *msg, size_t len);

void alloy_rust_panic(const char *msg, size_t len)
{
	fprintf(stderr, "rust panic: %.*s\n", (int)len, msg);
	abort();
}

static unsigned long log_count;

void alloy_log(int level, const char *msg, size_t len)
{
	if (log_count++ < 10)
		fprintf(stderr, "# rust log %d: %.*s\n", level, (int)len, msg);
}
#endif

/* ---- files */

struct vec {
	char *name;		/* relative to the vector directory */
	uint8_t *data;
	size_t size;
};

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc(n ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	*size = (size_t)n;
out:
	fclose(f);
	return buf;
}

static bool is_vector_name(const char *name)
{
	static const char *const skip_ext[] = { ".py", ".txt", ".sh", ".md", ".c", ".rs" };
	size_t n = strlen(name);

	if (name[0] == '.')
		return false;
	for (size_t i = 0; i < sizeof(skip_ext) / sizeof(skip_ext[0]); i++) {
		size_t e = strlen(skip_ext[i]);

		if (n > e && !strcmp(name + n - e, skip_ext[i]))
			return false;
	}
	return true;
}

static int cmp_vec(const void *a, const void *b)
{
	return strcmp(((const struct vec *)a)->name, ((const struct vec *)b)->name);
}

/* The vectors in dir and its subdirectories good/ and bad/, sorted. */
static struct vec *list_vectors(const char *dir, size_t *count)
{
	static const char *const subs[] = { "", "bad/", "good/" };
	struct vec *v = NULL;
	size_t n = 0, cap = 0;

	for (size_t s = 0; s < 3; s++) {
		char path[4096];
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "%s/%s", dir, subs[s]);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			char file[4096 + 256];
			struct stat st;

			snprintf(file, sizeof(file), "%s%s", path, de->d_name);
			if (!is_vector_name(de->d_name) || stat(file, &st) || !S_ISREG(st.st_mode))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				v = realloc(v, cap * sizeof(*v));
				if (!v)
					abort();
			}
			v[n].name = malloc(strlen(subs[s]) + strlen(de->d_name) + 1);
			if (!v[n].name)
				abort();
			sprintf(v[n].name, "%s%s", subs[s], de->d_name);
			v[n].data = read_file(file, &v[n].size);
			if (!v[n].data) {
				fprintf(stderr, "elf_vectors: cannot read %s\n", file);
				exit(2);
			}
			n++;
		}
		closedir(d);
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_vec);
	*count = n;
	return v;
}

/* ---- expected.txt: "name result..." per line, '#' comments */

struct expect {
	char *name, *text;
	bool used;
};

static struct expect *expected;
static size_t nr_expected;

static void load_expected(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' || !sp)
			continue;
		*sp = 0;
		expected = realloc(expected, (nr_expected + 1) * sizeof(*expected));
		if (!expected)
			abort();
		expected[nr_expected].name = strdup(line);
		expected[nr_expected].text = strdup(sp + 1);
		expected[nr_expected].used = false;
		nr_expected++;
	}
	fclose(f);
}

static struct expect *find_expected(const char *name)
{
	for (size_t i = 0; i < nr_expected; i++)
		if (!strcmp(expected[i].name, name))
			return &expected[i];
	return NULL;
}

/* ---- the checks */

static bool has_violation(const char *text)
{
	return strstr(text, " !") != NULL;
}

/* The length up to which truncations are tried. */
static size_t truncation_end(const struct vec *v, const struct elf_result *c)
{
	uint64_t end = 64;

	if (v->size <= SMALL_FILE)
		return v->size;
	if (c->hdr_rc == 0 && c->hdr.phoff + c->hdr.phdrs_size > end)
		end = c->hdr.phoff + c->hdr.phdrs_size;
	if (c->phdrs_rc == 0 && c->img.has_interp &&
	    c->img.interp_offset + c->img.interp_size > end)
		end = c->img.interp_offset + c->img.interp_size;
	return end < v->size ? (size_t)end : v->size;
}

static void check_truncations(const struct vec *v, const struct elf_result *full)
{
	static struct elf_result c, rust;
	uint64_t needed = elf_result_needed(full);
	size_t end = truncation_end(v, full);
	char why[512] = "";
	unsigned bad = 0;

	for (size_t len = 0; len <= end; len++) {
		/* a copy of exactly len bytes, so over-reads are caught */
		uint8_t *copy = malloc(len ? len : 1);

		if (!copy)
			abort();
		memcpy(copy, v->data, len);
		elf_result_run(&elf_impl_c, &elf_target_x86_64, copy, len, &c);
		if (has_violation(c.text) && !bad++)
			snprintf(why, sizeof(why), "at %zu: c: %.400s", len, c.text);
		if (needed && len < needed && elf_result_loadable(&c) && !bad++)
			snprintf(why, sizeof(why), "at %zu (< %llu needed): loadable: %.400s", len,
				 (unsigned long long)needed, c.text);
#ifdef WITH_RUST
		elf_result_run(&elf_impl_rust, &elf_target_x86_64, copy, len, &rust);
		if (strcmp(c.text, rust.text) && !bad++)
			snprintf(why, sizeof(why), "at %zu: c: %.200s / rust: %.200s", len, c.text,
				 rust.text);
#endif
		free(copy);
	}
	(void)rust;
	tap(!bad, "%s: %s truncations 0..%zu%s%s", v->name,
#ifdef WITH_RUST
	    "c == rust on",
#else
	    "c on",
#endif
	    end, bad ? ": " : "", why);
}

static void check_vector(const struct vec *v, FILE *rec)
{
	static struct elf_result c, rust;

	elf_result_run(&elf_impl_c, &elf_target_x86_64, v->data, v->size, &c);
	if (rec) {
		fprintf(rec, "%s %s\n", v->name, c.text);
	} else {
		struct expect *e = find_expected(v->name);

		if (e)
			e->used = true;
		if (!e) {
			tap(false, "%s: c == expected: not in expected.txt (run with --record)",
			    v->name);
		} else if (strcmp(e->text, c.text)) {
			tap(false, "%s: c == expected: differs", v->name);
			printf("#   want: %s\n#   c:    %s\n", e->text, c.text);
		} else {
			tap(true, "%s: c == expected", v->name);
		}
	}
	tap(!has_violation(c.text), "%s: c keeps the contract%s%s", v->name,
	    has_violation(c.text) ? ":" : "", has_violation(c.text) ? strstr(c.text, " !") : "");
#ifdef WITH_RUST
	elf_result_run(&elf_impl_rust, &elf_target_x86_64, v->data, v->size, &rust);
	if (strcmp(c.text, rust.text)) {
		tap(false, "%s: rust == c: differs", v->name);
		printf("#   c:    %s\n#   rust: %s\n", c.text, rust.text);
	} else {
		tap(true, "%s: rust == c", v->name);
	}
#endif
	(void)rust;
	check_truncations(v, &c);
}

/* ---- other targets */

#define TOP_X86 0x00007ffffffff000ULL

static const struct elf_target aarch64 = {
	.machine = 183, .user_min = 0x10000, .user_top = 0x0000fffffffff000ULL,
};
/* good/trailing-data's last PT_LOAD ends at 0x403300, its hi is 0x404000 */
static const struct elf_target top_403000 = {
	.machine = 62, .user_min = 0x10000, .user_top = 0x403000,
};
static const struct elf_target top_404000 = {
	.machine = 62, .user_min = 0x10000, .user_top = 0x404000,
};
static const struct elf_target min_400001 = {
	.machine = 62, .user_min = 0x400001, .user_top = TOP_X86,
};

static const struct {
	const char *name;
	const struct elf_target *t;
} other_targets[] = {
	{ "aarch64", &aarch64 },
	{ "user_top 0x403000", &top_403000 },
	{ "user_top 0x404000", &top_404000 },
	{ "user_min 0x400001", &min_400001 },
};

/* Every vector for every other target: the two agree, no promise broken. */
static void check_targets_all(const struct vec *v, size_t n)
{
	static struct elf_result c, rust;

	for (size_t k = 0; k < sizeof(other_targets) / sizeof(other_targets[0]); k++) {
		const struct elf_target *t = other_targets[k].t;
		char why[600] = "";
		unsigned bad = 0;

		for (size_t i = 0; i < n; i++) {
			elf_result_run(&elf_impl_c, t, v[i].data, v[i].size, &c);
			if (has_violation(c.text) && !bad++)
				snprintf(why, sizeof(why), "%s: c: %.400s", v[i].name, c.text);
#ifdef WITH_RUST
			elf_result_run(&elf_impl_rust, t, v[i].data, v[i].size, &rust);
			if (strcmp(c.text, rust.text) && !bad++)
				snprintf(why, sizeof(why), "%s: c: %.250s / rust: %.250s",
					 v[i].name, c.text, rust.text);
#endif
		}
		(void)rust;
		tap(!bad, "target %s: %s on all %zu vectors%s%s", other_targets[k].name,
#ifdef WITH_RUST
		    "c == rust, no broken promise",
#else
		    "c keeps the contract",
#endif
		    n, bad ? ": " : "", why);
	}
}

/* What the target decides, through one implementation. */
static void check_target_cases(const struct elf_impl *impl, const struct vec *v, size_t n)
{
	static const struct {
		const char *vec;
		const struct elf_target *t;
		const char *want;	/* how the canonical line starts */
	} cases[] = {
		{ "bad/machine-183", &elf_target_x86_64, "H=-8 P=- I=-" },
		{ "bad/machine-183", &aarch64, "H=0 type=2 phnum=6 pad=0 entry=401200 phoff=40 "
					       "phsz=150 P=0 " },
		{ "good/trailing-data", &aarch64, "H=-8 P=- I=-" },
		{ "good/trailing-data", &top_403000, "H=0 type=2 phnum=6 pad=0 entry=401200 "
						     "phoff=40 phsz=150 P=-8 I=-" },
		{ "good/trailing-data", &top_404000, "H=0 type=2 phnum=6 pad=0 entry=401200 "
						     "phoff=40 phsz=150 P=0 " },
		{ "good/trailing-data", &min_400001, "H=0 type=2 phnum=6 pad=0 entry=401200 "
						     "phoff=40 phsz=150 P=-8 I=-" },
		{ "good/dyn-below-user-min", &min_400001, "H=0 type=3 " },
	};
	static struct elf_result r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vec *f = NULL;

		for (size_t j = 0; j < n && !f; j++)
			if (!strcmp(v[j].name, cases[i].vec))
				f = &v[j];
		if (!f) {
			tap(false, "target: %s: no such vector", cases[i].vec);
			continue;
		}
		elf_result_run(impl, cases[i].t, f->data, f->size, &r);
		bool ok = !strncmp(r.text, cases[i].want, strlen(cases[i].want)) &&
			  !has_violation(r.text);
		tap(ok, "target: %s: %s for {machine %u, user_min %#llx, user_top %#llx}: %s",
		    impl->name, cases[i].vec, cases[i].t->machine,
		    (unsigned long long)cases[i].t->user_min,
		    (unsigned long long)cases[i].t->user_top, cases[i].want);
		if (!ok)
			printf("#   got: %s\n", r.text);
	}
}

/* ---- caller errors (-EINVAL) and short buffers, which no file reaches */

/* Targets that break T1. */
static const struct {
	struct elf_target t;
	const char *what;
} bad_targets[] = {
	{ { 62, { 0 }, 0x10000, TOP_X86 + 1 }, "user_top + 1" },
	{ { 62, { 0 }, 0x10000, TOP_X86 - 0x800 }, "user_top mid-page" },
	{ { 62, { 0 }, 0, UINT64_MAX }, "user_top 2^64 - 1" },
	{ { 62, { 0 }, 0, 0 }, "user_top 0" },
	{ { 62, { 0 }, TOP_X86, TOP_X86 }, "user_min == user_top" },
	{ { 62, { 0 }, UINT64_MAX, TOP_X86 }, "user_min > user_top" },
	{ { 62, { 1, 0, 0 }, 0x10000, TOP_X86 }, "pad[0] 1" },
	{ { 62, { 0, 0, 0x8000 }, 0x10000, TOP_X86 }, "pad[2] 0x8000" },
};

static void check_bad_targets(const struct elf_impl *impl, const struct vec *base)
{
	const uint8_t *f = base->data;
	uint64_t size = base->size;
	uint64_t phoff = f[32] | (uint64_t)f[33] << 8;
	size_t phsz = (size_t)(f[56] | f[57] << 8) * 56;
	const uint8_t *ph = f + phoff;
	static const uint8_t junk[64];
	struct elf_header h;
	struct elf_image img;

	for (size_t i = 0; i < sizeof(bad_targets) / sizeof(bad_targets[0]); i++) {
		const struct elf_target *t = &bad_targets[i].t;
		int rc[4];
		bool untouched;

		memset(&h, 0xa5, sizeof(h));
		memset(&img, 0xa5, sizeof(img));
		rc[0] = impl->parse_header(f, 64, size, t, &h);
		rc[1] = impl->parse_phdrs(f, 64, ph, phsz, size, t, &img);
		/* T1 comes before the file: a bad file is still a caller error */
		rc[2] = impl->parse_header(junk, 10, 10, t, &h);
		rc[3] = impl->parse_phdrs(junk, 64, ph, 1, size, t, &img);
		untouched = true;
		for (size_t b = 0; b < sizeof(h); b++)
			untouched &= ((uint8_t *)&h)[b] == 0xa5;
		for (size_t b = 0; b < sizeof(img); b++)
			untouched &= ((uint8_t *)&img)[b] == 0xa5;
		tap(rc[0] == -22 && rc[1] == -22 && rc[2] == -22 && rc[3] == -22 && untouched,
		    "api: %s: target %s: -EINVAL before the file (got %d %d %d %d%s)", impl->name,
		    bad_targets[i].what, rc[0], rc[1], rc[2], rc[3],
		    untouched ? "" : ", output written");
	}
}

static void check_api(const struct elf_impl *impl, const struct vec *base)
{
	const uint8_t *f = base->data;
	uint64_t size = base->size;
	struct elf_header h;
	struct elf_image img;
	uint64_t phoff = f[32] | (uint64_t)f[33] << 8;
	size_t phsz = (size_t)(f[56] | f[57] << 8) * 56;
	const uint8_t *ph = f + phoff;
	uint8_t bad_ehdr[64] = { 0 };
	static const uint8_t nul2[2] = { 'x', 0 };
	const struct elf_target *x86 = &elf_target_x86_64;
	struct {
		const char *what;
		int got, want;
	} cases[] = {
		{ "parse_header(NULL ehdr)", impl->parse_header(NULL, 64, size, x86, &h), -22 },
		{ "parse_header(NULL out)", impl->parse_header(f, 64, size, x86, NULL), -22 },
		{ "parse_header(NULL target)", impl->parse_header(f, 64, size, NULL, &h), -22 },
		{ "parse_phdrs(NULL target)",
		  impl->parse_phdrs(f, 64, ph, phsz, size, NULL, &img), -22 },
		{ "parse_header(NULL, len 0)", impl->parse_header(NULL, 0, 0, x86, &h), -22 },
		{ "parse_header(ehdr_len 63)", impl->parse_header(f, 63, size, x86, &h), -8 },
		{ "parse_header(file_size 63)", impl->parse_header(f, 64, 63, x86, &h), -8 },
		{ "parse_header(ehdr_len 128)", impl->parse_header(f, 128, size, x86, &h), 0 },
		{ "parse_phdrs(NULL ehdr)", impl->parse_phdrs(NULL, 64, ph, phsz, size, x86, &img), -22 },
		{ "parse_phdrs(NULL phdrs)", impl->parse_phdrs(f, 64, NULL, phsz, size, x86, &img), -22 },
		{ "parse_phdrs(NULL out)", impl->parse_phdrs(f, 64, ph, phsz, size, x86, NULL), -22 },
		{ "parse_phdrs(NULL phdrs, bad header)",
		  impl->parse_phdrs(bad_ehdr, 64, NULL, phsz, size, x86, &img), -22 },
		{ "parse_phdrs(phdrs_len - 1)", impl->parse_phdrs(f, 64, ph, phsz - 1, size, x86, &img), -22 },
		{ "parse_phdrs(phdrs_len + 56)", impl->parse_phdrs(f, 64, ph, phsz + 56, size, x86, &img), -22 },
		{ "parse_phdrs(phdrs_len 0)", impl->parse_phdrs(f, 64, ph, 0, size, x86, &img), -22 },
		{ "parse_phdrs(phdrs_len wrong, bad header)",
		  impl->parse_phdrs(bad_ehdr, 64, ph, 1, size, x86, &img), -8 },
		{ "parse_phdrs(ehdr_len 63)", impl->parse_phdrs(f, 63, ph, phsz, size, x86, &img), -8 },
		{ "parse_phdrs(file_size 63)", impl->parse_phdrs(f, 64, ph, phsz, 63, x86, &img), -8 },
		{ "parse_phdrs(ok)", impl->parse_phdrs(f, 64, ph, phsz, size, x86, &img), 0 },
		{ "check_interp(NULL, 5)", impl->check_interp(NULL, 5), -22 },
		{ "check_interp(NULL, 0)", impl->check_interp(NULL, 0), -22 },
		{ "check_interp(len 0)", impl->check_interp(nul2, 0), -8 },
		{ "check_interp(len 1)", impl->check_interp(nul2 + 1, 1), -8 },
		{ "check_interp(\"x\\0\")", impl->check_interp(nul2, 2), 0 },
		{ "check_interp(len 4097)", impl->check_interp(f, 4097 < size ? 4097 : 0), -8 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap(cases[i].got == cases[i].want, "api: %s: %s returns %d (want %d)", impl->name,
		    cases[i].what, cases[i].got, cases[i].want);
}

static const struct vec *find_vec(const struct vec *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const char *dir = "tests/vectors/elf";
	char expected_path[4096];
	FILE *rec = NULL;
	struct vec *v;
	size_t n;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--record")) {
			record = true;
		} else if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			dir = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [--record] [--dir DIR]\n", argv[0]);
			return 2;
		}
	}
	snprintf(expected_path, sizeof(expected_path), "%s/expected.txt", dir);
	v = list_vectors(dir, &n);
	if (!n) {
		printf("not ok 1 - no vectors in %s\n1..1\n", dir);
		return 1;
	}
	if (record) {
		rec = fopen(expected_path, "w");
		if (!rec) {
			perror(expected_path);
			return 2;
		}
		fprintf(rec, "# ELF parser vectors: file, then its canonical result under the C\n"
			     "# implementation (tests/ffi/elf_result.c). Written by\n"
			     "# elf_vectors --record; hand-checked against readelf.\n");
	} else {
		load_expected(expected_path);
	}
	for (size_t i = 0; i < n; i++)
		check_vector(&v[i], rec);
	if (rec) {
		fclose(rec);
		tap(true, "recorded %zu results in %s", n, expected_path);
	}
	for (size_t i = 0; i < nr_expected; i++)
		if (!expected[i].used)
			tap(false, "expected.txt: %s: no such vector", expected[i].name);

	check_targets_all(v, n);
	check_target_cases(&elf_impl_c, v, n);
#ifdef WITH_RUST
	check_target_cases(&elf_impl_rust, v, n);
#endif

	/* the base vector with 8 KiB of data after it: room for long reads */
	const struct vec *base = find_vec(v, n, "good/trailing-data");
	if (base && base->size > 4097) {
		check_api(&elf_impl_c, base);
		check_bad_targets(&elf_impl_c, base);
#ifdef WITH_RUST
		check_api(&elf_impl_rust, base);
		check_bad_targets(&elf_impl_rust, base);
#endif
	} else {
		tap(false, "api: good/trailing-data missing or too short");
	}
	printf("1..%d\n", test_no);
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].data);
	}
	free(v);
	for (size_t i = 0; i < nr_expected; i++) {
		free(expected[i].name);
		free(expected[i].text);
	}
	free(expected);
#ifdef WITH_RUST
	if (log_count)
		fprintf(stderr, "# rust logged %lu messages\n", log_count);
#endif
	return failures ? 1 : 0;
}
