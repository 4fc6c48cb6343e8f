/*
 * mremap and madvise on anonymous memory: growing in place and by moving
 * keeps the data (musl's and glibc's realloc of large blocks rely on it),
 * shrinking unmaps the tail, MADV_DONTNEED makes pages read as zeros, and
 * a moved copy-on-write page stays private after fork.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, msg) do { if (!(cond)) { \
	fprintf(stderr, "mremap: line %d: %s (errno %d %s)\n", __LINE__, msg, errno, strerror(errno)); \
	failures++; } } while (0)

#define PG 4096UL

static int pattern_ok(const unsigned char *p, size_t len, unsigned char seed)
{
	for (size_t i = 0; i < len; i += 512)
		if (p[i] != (unsigned char)(seed + i / 512))
			return 0;
	return 1;
}

static void fill(unsigned char *p, size_t len, unsigned char seed)
{
	for (size_t i = 0; i < len; i += 512)
		p[i] = (unsigned char)(seed + i / 512);
}

int main(void)
{
	/* grow by moving: a neighbour mapping blocks growth in place */
	unsigned char *a = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED, "mmap");
	munmap(a + 8 * PG, 8 * PG);
	void *block = mmap(a + 8 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(block == a + 8 * PG, "neighbour");
	fill(a, 8 * PG, 7);
	errno = 0;
	CHECK(mremap(a, 8 * PG, 64 * PG, 0) == MAP_FAILED && errno == ENOMEM,
	      "growing without MREMAP_MAYMOVE past a neighbour must fail");
	unsigned char *b = mremap(a, 8 * PG, 64 * PG, MREMAP_MAYMOVE);
	CHECK(b != MAP_FAILED && b != a, "mremap MAYMOVE moves");
	if (b != MAP_FAILED) {
		CHECK(pattern_ok(b, 8 * PG, 7), "data kept across the move");
		b[63 * PG] = 1;	/* the new part is usable */
		CHECK(b[40 * PG] == 0, "the new part reads as zeros");
		/* shrink: the tail goes away */
		CHECK(mremap(b, 64 * PG, 4 * PG, 0) == b, "shrink in place");
		CHECK(pattern_ok(b, 4 * PG, 7), "data kept after shrink");
		/* grow in place: the pages after it are free now */
		CHECK(mremap(b, 4 * PG, 32 * PG, 0) == b, "grow in place");
		CHECK(b[20 * PG] == 0, "regrown part reads as zeros");
		CHECK(pattern_ok(b, 4 * PG, 7), "data kept after growing in place");
	}

	/* MADV_DONTNEED: private anonymous pages read as zeros again */
	unsigned char *c = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(c, 0xaa, 8 * PG);
	CHECK(madvise(c + 2 * PG, 4 * PG, MADV_DONTNEED) == 0, "madvise DONTNEED");
	CHECK(c[0] == 0xaa && c[2 * PG] == 0 && c[5 * PG + 100] == 0 && c[6 * PG] == 0xaa,
	      "DONTNEED zeroes exactly its range");
	CHECK(madvise(c, 8 * PG, MADV_WILLNEED) == 0, "other advice is accepted");
	errno = 0;
	CHECK(madvise(c + 1, PG, MADV_DONTNEED) == -1 && errno == EINVAL, "unaligned: EINVAL");

	/* a moved page that fork shares stays copy-on-write */
	unsigned char *d = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(d, 4 * PG, 3);
	pid_t pid = fork();
	if (pid == 0) {
		unsigned char *e = mremap(d, 4 * PG, 128 * PG, MREMAP_MAYMOVE);
		if (e == MAP_FAILED)
			_exit(2);
		memset(e, 0x55, 4 * PG);	/* must not reach the parent */
		_exit(pattern_ok(e, 1, 0x55) ? 0 : 3);
	}
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child mremap");
	CHECK(pattern_ok(d, 4 * PG, 3), "the parent's pages are untouched by the child");

	if (failures) {
		fprintf(stderr, "mremap: %d check(s) failed\n", failures);
		return 1;
	}
	fprintf(stderr, "mremap: ok\n");
	return 0;
}
