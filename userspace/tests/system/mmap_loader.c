#define _GNU_SOURCE
/*
 * mmap_loader: mmap as dynamic loaders and runtimes use it, from the
 * hostile side too.
 *  - MAP_FIXED_NOREPLACE: exactly the address asked for when it is free;
 *    EEXIST (the old mapping intact) when any page of it is taken;
 *    EINVAL for an unaligned address.
 *  - MAP_POPULATE: every page resident at once (mincore), anonymous and
 *    file; without it, none.
 *  - mincore: EINVAL unaligned, ENOMEM over a hole, EFAULT for a vector
 *    in read-only or unmapped memory.
 *  - MAP_NORESERVE: a mapping far larger than memory is accepted.
 *  - mprotect splitting a file mapping (RELRO): /proc/self/maps shows the
 *    three pieces with the file's path and their own offsets.
 *  - mremap of a file mapping: grown in place and moved, the new pages
 *    are the file's following pages.
 *  - /proc/self/maps lists shared anonymous memory and memfd mappings
 *    (files with no name) without a path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define TEST_NAME "mmap_loader"
#include "check.h"

#define PG 4096UL
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static const char *path = "/tmp/mmap_loader.dat";

static int make_file(int pages)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char page[PG];
	for (int i = 0; fd >= 0 && i < pages; i++) {
		memset(page, 'a' + i, sizeof(page));
		if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
			return -1;
	}
	return fd;
}

static void fixed_noreplace(void)
{
	char *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED);
	CHECK(munmap(a + 2 * PG, 2 * PG) == 0);
	a[0] = 'x';
	/* free: exactly there */
	char *b = mmap(a + 2 * PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(b == a + 2 * PG);
	/* overlapping a mapped page: EEXIST, and that page untouched */
	errno = 0;
	char *c = mmap(a + PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(c == MAP_FAILED && errno == EEXIST);
	CHECK(a[0] == 'x');
	errno = 0;
	c = mmap(a + 1, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(c == MAP_FAILED && errno == EINVAL);
	munmap(a, 4 * PG);
}

static int resident(const char *p, size_t pages)
{
	unsigned char v[64];
	int n = 0;
	if (pages > sizeof(v) || mincore((void *)p, pages * PG, v))
		return -1;
	for (size_t i = 0; i < pages; i++)
		n += v[i] & 1;
	return n;
}

static void populate_and_mincore(void)
{
	char *a = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *b = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	CHECK(a != MAP_FAILED && b != MAP_FAILED);
	CHECK(resident(a, 16) == 0);
	CHECK(resident(b, 16) == 16);
	a[5 * PG] = 1;
	CHECK(resident(a, 16) == 1);
	int fd = make_file(8);
	CHECK(fd >= 0);
	char *f = mmap(NULL, 8 * PG, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	CHECK(f != MAP_FAILED && resident(f, 8) == 8 && f[7 * PG] == 'h');

	unsigned char v[16];
	errno = 0;
	CHECK(mincore(a + 1, PG, v) == -1 && errno == EINVAL);
	CHECK(munmap(a + 8 * PG, PG) == 0);
	errno = 0;
	CHECK(mincore(a, 16 * PG, v) == -1 && errno == ENOMEM);	/* a hole */
	errno = 0;
	CHECK(mincore(a, PG, (unsigned char *)f) == -1 && errno == EFAULT);	/* read-only */
	errno = 0;
	CHECK(mincore(a, PG, (unsigned char *)(a + 8 * PG)) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(mincore(a, PG, (unsigned char *)0xffff800000000000ULL) == -1 && errno == EFAULT);
	munmap(a, 16 * PG);
	munmap(b, 16 * PG);
	munmap(f, 8 * PG);
	close(fd);
}

static void noreserve(void)
{
	size_t huge = (size_t)1 << 40;	/* 1 TiB: no machine here has it */
	errno = 0;
	char *p = mmap(NULL, huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p == MAP_FAILED && errno == ENOMEM);
	p = mmap(NULL, huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		p[huge / 2] = 1;	/* a page of it can be had */
		munmap(p, huge);
	}
}

/* The maps line starting at addr: its offset and path; -1 if none. */
static long maps_offset(const char *addr, char *name, size_t cap)
{
	char line[512];
	long off = -1;
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, o;
		char p[256] = "";
		if (sscanf(line, "%lx-%*x %*s %lx %*s %*s %255s", &lo, &o, p) >= 2 &&
		    lo == (unsigned long)(uintptr_t)addr) {
			off = (long)o;
			snprintf(name, cap, "%s", p);
		}
	}
	if (f)
		fclose(f);
	return off;
}

static void split_and_remap(void)
{
	int fd = make_file(8);
	CHECK(fd >= 0);
	char *m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PG);
	CHECK(m != MAP_FAILED);
	CHECK(mprotect(m + PG, PG, PROT_READ) == 0);	/* RELRO-style split */
	char name[256];
	for (int i = 0; i < 3; i++) {
		name[0] = '\0';
		long off = maps_offset(m + i * PG, name, sizeof(name));
		if (off != (long)((i + 1) * PG) || strcmp(name, path))
			fprintf(stderr, "mmap_loader: piece %d: offset %#lx name '%s'\n", i, off, name);
		CHECK(off == (long)((i + 1) * PG) && !strcmp(name, path));
	}
	munmap(m, 3 * PG);

	/* grown in place: the next file page appears */
	char *g = mmap(NULL, 8 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(g != MAP_FAILED);
	munmap(g, 8 * PG);	/* a free 8-page hole to grow into */
	char *r = mmap(g, 2 * PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	CHECK(r == g);
	char *r2 = mremap(r, 2 * PG, 4 * PG, 0);
	CHECK(r2 == r);
	if (r2 != MAP_FAILED)
		CHECK(r2[0] == 'a' && r2[2 * PG] == 'c' && r2[3 * PG] == 'd');
	/* moved: blocked in place by a mapping right after it */
	char *block = mmap(r + 4 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(block == r + 4 * PG);
	char *r3 = mremap(r, 4 * PG, 6 * PG, MREMAP_MAYMOVE);
	CHECK(r3 != MAP_FAILED && r3 != r);
	if (r3 != MAP_FAILED) {
		CHECK(r3[0] == 'a' && r3[3 * PG] == 'd' && r3[5 * PG] == 'f');
		name[0] = '\0';
		CHECK(maps_offset(r3, name, sizeof(name)) == 0 && !strcmp(name, path));
		munmap(r3, 6 * PG);
	}
	munmap(block, PG);
	close(fd);
	unlink(path);
}

/* /proc/self/maps with mappings of files that have no name: shared
 * anonymous memory and a memfd (reading it panicked the kernel, LTP
 * mmap04): listed, with no path. */
static void nameless(void)
{
	char *s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fd = memfd_create("mmap_loader", 0);
	CHECK(s != MAP_FAILED && fd >= 0 && ftruncate(fd, PG) == 0);
	char *m = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	char name[256] = "x";
	CHECK(maps_offset(s, name, sizeof(name)) == 0 && name[0] == '\0');
	name[0] = 'x';
	CHECK(maps_offset(m, name, sizeof(name)) == 0);
	munmap(s, PG);
	munmap(m, PG);
	close(fd);
}

int main(void)
{
	fixed_noreplace();
	populate_and_mincore();
	noreserve();
	split_and_remap();
	nameless();
	return check_done();
}
