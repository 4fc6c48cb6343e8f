#define _GNU_SOURCE
/*
 * Review probe (minor): pages a handler installs with UFFDIO_COPY or
 * UFFDIO_ZEROPAGE are private anonymous memory, but fill()
 * (kernel/mm/userfaultfd.c) takes them from alloc_page rather than
 * alloc_anon_page, so they lack PG_ANON: /proc/kpageflags does not say
 * KPF_ANON (bit 12) for them, while it does for a page the program
 * faulted in itself. (Linux: both anonymous.)
 */
#define TEST_NAME "uffd_anon_pages"
#include "check.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define UFFD_API 0xAAULL
#define UFFDIO_API 0xc018aa3f
#define UFFDIO_REGISTER 0xc020aa00
#define UFFDIO_COPY 0xc028aa03
#define UFFDIO_ZEROPAGE 0xc020aa04
#define PG 4096UL
struct uffdio_api { uint64_t api, features, ioctls; };
struct uffdio_register { uint64_t start, len, mode, ioctls; };
struct uffdio_copy { uint64_t dst, src, len, mode; int64_t copy; };
struct uffdio_zeropage { uint64_t start, len, mode; int64_t zeropage; };

static int64_t flags_of(void *p)
{
	int pm = open("/proc/self/pagemap", O_RDONLY), kf = open("/proc/kpageflags", O_RDONLY);
	uint64_t e = 0, f = 0;
	int64_t rc = -1;
	if (pm >= 0 && kf >= 0 &&
	    pread(pm, &e, 8, (uintptr_t)p / PG * 8) == 8 && (e >> 63) &&
	    pread(kf, &f, 8, (e & ((1ULL << 55) - 1)) * 8) == 8)
		rc = (int64_t)f;
	close(pm);
	close(kf);
	return rc;
}

int main(void)
{
	int fd = (int)syscall(323, 1);
	struct uffdio_api api = { .api = UFFD_API };
	CHECK(fd >= 0 && ioctl(fd, UFFDIO_API, &api) == 0);
	char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[2 * PG] = 1;		/* faulted in by the program */
	struct uffdio_register r = { (uintptr_t)p, 2 * PG, 1, 0 };
	CHECK(ioctl(fd, UFFDIO_REGISTER, &r) == 0);
	static char src[PG] = "x";
	struct uffdio_copy c = { (uintptr_t)p, (uintptr_t)src, PG, 0, 0 };
	CHECK(ioctl(fd, UFFDIO_COPY, &c) == 0);
	struct uffdio_zeropage z = { (uintptr_t)p + PG, PG, 0, 0 };
	CHECK(ioctl(fd, UFFDIO_ZEROPAGE, &z) == 0);
	int64_t own = flags_of(p + 2 * PG), cp = flags_of(p), zp = flags_of(p + PG);
	fprintf(stderr, "kpageflags: faulted %llx, UFFDIO_COPY %llx, UFFDIO_ZEROPAGE %llx\n",
		(long long)own, (long long)cp, (long long)zp);
	CHECK(own >= 0 && (own >> 12 & 1));
	CHECK(cp >= 0 && (cp >> 12 & 1));
	CHECK(zp >= 0 && (zp >> 12 & 1));
	return check_done();
}
