/*
 * Memory-management syscalls from a hostile program's side: the errno
 * Linux gives for each bad range, flag and length (mmap, mprotect,
 * munmap, msync, madvise, mremap, remap_file_pages), what MAP_LOCKED,
 * MADV_WIPEONFORK, MREMAP_FIXED and MREMAP_DONTUNMAP really do, what
 * /proc shows of it (maps, status, smaps, pagemap), and threads that
 * unmap and remap the same range at the same moment (no crash, no leak
 * of the pages in between).
 */
#define _GNU_SOURCE
#define TEST_NAME "mm_attack"
#include "check.h"
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>

#define PG 4096UL

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#define MADV_KEEPONFORK 19
#endif

/* The permissions column of the maps line that starts at addr. */
static int maps_perms(void *addr, char perms[8])
{
	char line[512], want[32];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	snprintf(want, sizeof(want), "%08lx-", (unsigned long)addr);
	while (f && !found && fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)))
			found = sscanf(line, "%*x-%*x %7s", perms) == 1;
	if (f)
		fclose(f);
	return found;
}

/* A "Key:   N kB" line of /proc/self/status, in kB; -1 if none. */
static long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atol(line + n + 1);
	if (f)
		fclose(f);
	return v;
}

static void errnos(void)
{
	int fd = open("/tmp/mm_attack.f", O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 8 * PG) == 0);
	int closed = dup(fd);
	close(closed);

	/* mmap: a bad fd is EBADF even with a zero length (Linux checks it first) */
	errno = 0;
	CHECK(mmap(NULL, 0, PROT_WRITE, MAP_SHARED, closed, 0) == MAP_FAILED && errno == EBADF);
	errno = 0;
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED, -1, 0) == MAP_FAILED && errno == EBADF);
	/* MAP_SHARED_VALIDATE refuses a flag it does not know */
	errno = 0;
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED_VALIDATE | 0x400, fd, 0) == MAP_FAILED &&
	      errno == EOPNOTSUPP);
	errno = 0;
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0) == MAP_FAILED &&
	      errno == EOPNOTSUPP);
	void *v = mmap(NULL, PG, PROT_READ, MAP_SHARED_VALIDATE, fd, 0);
	CHECK(v != MAP_FAILED);
	munmap(v, PG);
	/* a mapping type that is none of the three */
	errno = 0;
	CHECK(mmap(NULL, PG, PROT_READ, 0x06 | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
	errno = 0;
	CHECK(mmap(NULL, PG, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0) ==
	      MAP_FAILED && errno == EINVAL);

	/* huge pages from an empty pool (the default): ENOMEM, as Linux;
	 * an unsupported size: EINVAL (hugetlb.c tests the rest) */
	int fd0 = open("/proc/sys/vm/nr_hugepages", O_RDONLY);
	char pool[16] = "";
	CHECK(fd0 >= 0 && read(fd0, pool, sizeof(pool) - 1) > 0);
	close(fd0);
	if (atol(pool) == 0) {
		errno = 0;
		CHECK(mmap(NULL, 2 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1,
			   0) == MAP_FAILED && errno == ENOMEM);
		errno = 0;
		CHECK(shmget(IPC_PRIVATE, 2 << 20, IPC_CREAT | SHM_HUGETLB | 0600) == -1 &&
		      errno == ENOMEM);
	}
	errno = 0;
	CHECK(mmap(NULL, 2 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
		   (30 << 26) /* MAP_HUGE_1GB */, -1, 0) == MAP_FAILED && errno == EINVAL);

	/* mprotect: address 0 is not mapped (ENOMEM), a misaligned start is
	 * EINVAL, a length that wraps is ENOMEM, an empty one does nothing */
	errno = 0;
	CHECK(mprotect(NULL, PG, PROT_READ) == -1 && errno == ENOMEM);
	/* four pages with a hole after them: a fifth mapped and unmapped
	 * (a new mapping may otherwise sit right below an older one) */
	char *a = mmap(NULL, 5 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED && munmap(a + 4 * PG, PG) == 0);
	errno = 0;
	CHECK(syscall(SYS_mprotect, a + 1, PG, PROT_READ) == -1 && errno == EINVAL);	/* musl rounds */
	errno = 0;
	CHECK(mprotect(a, (size_t)-PG, PROT_READ) == -1 && errno == ENOMEM);
	errno = 0;
	CHECK(syscall(SYS_mprotect, a, SIZE_MAX, PROT_READ) == -1 && errno == ENOMEM);
	CHECK(mprotect(a, 0, PROT_READ) == 0);
	CHECK(mprotect(a, 5 * PG, PROT_READ) == -1 && errno == ENOMEM);	/* past its end */
	errno = 0;
	CHECK(mprotect((void *)0x7ffffffff000UL, 2 * PG, PROT_READ) == -1 && errno == ENOMEM);

	/* munmap: nothing mapped at 0 is not an error; wrapping is EINVAL */
	CHECK(munmap(NULL, PG) == 0);
	errno = 0;
	CHECK(munmap(a, SIZE_MAX) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(munmap(a, 0) == -1 && errno == EINVAL);

	/* /dev/zero maps as anonymous memory; shared and opened read-only,
	 * it may never be made writable */
	int z = open("/dev/zero", O_RDONLY);
	char *zs = mmap(NULL, PG, PROT_READ, MAP_SHARED, z, 0);
	CHECK(zs != MAP_FAILED && zs[0] == 0);
	errno = 0;
	CHECK(mprotect(zs, PG, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
	errno = 0;
	CHECK(mmap(NULL, PG, PROT_WRITE, MAP_SHARED, z, 0) == MAP_FAILED && errno == EACCES);
	char *zp = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, z, 0);
	CHECK(zp != MAP_FAILED);
	if (zp != MAP_FAILED)
		zp[5] = 1;
	munmap(zs, PG);
	munmap(zp, PG);
	close(z);

	/* msync: MS_INVALIDATE of a locked mapping is EBUSY; holes ENOMEM */
	char *l = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
	CHECK(l != MAP_FAILED);
	errno = 0;
	CHECK(msync(l, PG, MS_INVALIDATE) == -1 && errno == EBUSY);
	CHECK(msync(l, PG, MS_SYNC) == 0);
	errno = 0;
	CHECK(msync(l, PG, MS_SYNC | MS_ASYNC) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(msync(l + 1, PG, MS_SYNC) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(msync((char *)sbrk(0) + 4 * PG, PG, MS_SYNC) == -1 && errno == ENOMEM);
	munmap(l, PG);

	/* madvise, as madvise02 (LTP) sees Linux */
	char *f1 = mmap(NULL, 8 * PG, PROT_READ, MAP_SHARED, fd, 0);
	char *f3 = mmap(NULL, 8 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	char *sa = mmap(NULL, 8 * PG, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(f1 != MAP_FAILED && f3 != MAP_FAILED && sa != MAP_FAILED);
	errno = 0;
	CHECK(madvise(f1, 8 * PG, 1212) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(madvise(f1, 8 * PG, MADV_MERGEABLE) == -1 && errno == EINVAL);	/* no KSM */
	errno = 0;
	CHECK(madvise(f1, 8 * PG, MADV_FREE) == -1 && errno == EINVAL);	/* not anonymous */
	errno = 0;
	CHECK(madvise(f1, 8 * PG, MADV_REMOVE) == -1 && errno == EACCES);	/* read-only */
	errno = 0;
	CHECK(madvise(a, 4 * PG, MADV_REMOVE) == -1 && errno == EINVAL);	/* no file */
	errno = 0;
	CHECK(madvise(f1, 8 * PG, MADV_WIPEONFORK) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(madvise(f3, 8 * PG, MADV_WIPEONFORK) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(madvise(sa, 8 * PG, MADV_WIPEONFORK) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(madvise(a, 4 * PG, 100 /* MADV_HWPOISON */) == -1 && errno == EINVAL);
	CHECK(mlock(f1, 8 * PG) == 0);
	errno = 0;
	CHECK(madvise(f1, 8 * PG, MADV_DONTNEED) == -1 && errno == EINVAL);	/* locked */
	CHECK(munlock(f1, 8 * PG) == 0);
	CHECK(munmap(f1 + 7 * PG, PG) == 0);
	errno = 0;
	CHECK(madvise(f1, 8 * PG, MADV_NORMAL) == -1 && errno == ENOMEM);	/* a hole */
	errno = 0;
	CHECK(madvise(f1, 8 * PG, MADV_WILLNEED) == -1 && errno == ENOMEM);
	errno = 0;
	CHECK(madvise(a, SIZE_MAX, MADV_NORMAL) == -1 && errno == EINVAL);	/* wraps */
	CHECK(madvise(a, 0, MADV_NORMAL) == 0);
	munmap(f1, 7 * PG);
	munmap(f3, 8 * PG);
	munmap(sa, 8 * PG);
	munmap(a, 4 * PG);
	close(fd);
}

static void proc_views(void)
{
	/* maps shows what the program asked for, as Linux */
	static const struct { int prot, flags; const char *perms; } c[] = {
		{ PROT_NONE, MAP_PRIVATE, "---p" }, { PROT_WRITE, MAP_PRIVATE, "-w-p" },
		{ PROT_WRITE, MAP_SHARED, "-w-s" }, { PROT_EXEC, MAP_PRIVATE, "--xp" },
		{ PROT_WRITE | PROT_EXEC, MAP_PRIVATE, "-wxp" }, { PROT_READ, MAP_SHARED, "r--s" },
	};
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char perms[8] = "";
		char *p = mmap(NULL, PG, c[i].prot, c[i].flags | MAP_ANONYMOUS, -1, 0);
		CHECK(p != MAP_FAILED && maps_perms(p, perms));
		if (strcmp(perms, c[i].perms))
			fprintf(stderr, "mm_attack: %s shown as %s\n", c[i].perms, perms);
		CHECK(!strcmp(perms, c[i].perms));
		/* mprotect changes what is shown too */
		CHECK(mprotect(p, PG, PROT_READ | PROT_WRITE) == 0 && maps_perms(p, perms));
		CHECK(perms[0] == 'r' && perms[1] == 'w');
		CHECK(mprotect(p, PG, PROT_WRITE) == 0 && maps_perms(p, perms) && perms[0] == '-');
		munmap(p, PG);
	}
	/* a write-only page is still readable (x86 cannot refuse reads) */
	char *w = mmap(NULL, PG, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w[0] = 5;
	CHECK(*(volatile char *)w == 5);
	munmap(w, PG);

	/* MAP_LOCKED counts in VmLck, and an unmap takes it away again */
	long before = status_kb("VmLck");
	char *lk = mmap(NULL, 256 * PG, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	CHECK(lk != MAP_FAILED);
	CHECK(status_kb("VmLck") - before == 1024);
	munmap(lk, 256 * PG);
	CHECK(status_kb("VmLck") == before);

	/* max_map_count takes Linux's default and reads it back */
	int mc = open("/proc/sys/vm/max_map_count", O_RDWR);
	char buf[32] = "";
	CHECK(mc >= 0);
	CHECK(read(mc, buf, sizeof(buf) - 1) > 0);
	CHECK(pwrite(mc, "65530\n", 6, 0) == 6);
	CHECK(pwrite(mc, "-1\n", 3, 0) == -1 && errno == EINVAL);
	char now[32] = "";
	CHECK(pread(mc, now, sizeof(now) - 1, 0) > 0 && atol(now) == 65530);
	CHECK(pwrite(mc, buf, strlen(buf), 0) == (ssize_t)strlen(buf));
	close(mc);
}

/* An smaps field of the VMA that starts at addr, in kB; -1 if none. */
static long smaps_kb(void *addr, const char *key)
{
	char line[512], want[32];
	FILE *f = fopen("/proc/self/smaps", "r");
	int in = 0;
	long v = -1;

	snprintf(want, sizeof(want), "%08lx-", (unsigned long)addr);
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2)	/* a VMA's first line */
			in = !strncmp(line, want, strlen(want));
		else if (in && !strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = atol(line + strlen(key) + 1);
	}
	if (f)
		fclose(f);
	return v;
}

static uint64_t pagemap_entry(int pm, void *addr)
{
	uint64_t e = 0;
	if (pread(pm, &e, 8, (off_t)((uintptr_t)addr / PG * 8)) != 8)
		return ~0ULL;
	return e;
}

static void smaps_pagemap(void)
{
	char *p = mmap(NULL, 8 * PG, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECK(mlock(p, 4 * PG) == 0);	/* faults in the locked half */
	CHECK(smaps_kb(p, "Size") == 16 && smaps_kb(p, "Rss") == 16 && smaps_kb(p, "Locked") == 16);
	CHECK(smaps_kb(p + 4 * PG, "Size") == 16 && smaps_kb(p + 4 * PG, "Rss") == 0 &&
	      smaps_kb(p + 4 * PG, "Locked") == 0);
	int pm = open("/proc/self/pagemap", O_RDONLY);
	CHECK(pm >= 0);
	uint64_t e = pagemap_entry(pm, p);
	CHECK(e != ~0ULL && (e >> 63) == 1 && (e & ((1ULL << 55) - 1)) != 0);	/* root: the frame */
	CHECK(pagemap_entry(pm, p + 5 * PG) == 0);
	p[5 * PG] = 1;
	CHECK(pagemap_entry(pm, p + 5 * PG) >> 63 == 1);
	CHECK(pagemap_entry(pm, NULL) == 0);
	uint64_t two[2];
	errno = 0;
	CHECK(pread(pm, two, 7, (off_t)((uintptr_t)p / PG * 8)) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(pread(pm, two, 8, (off_t)((uintptr_t)p / PG * 8) + 1) == -1 && errno == EINVAL);
	CHECK(pread(pm, two, 16, (off_t)(0x7ffffffff000UL / PG * 8)) == 0);	/* the end */
	CHECK(pread(pm, two, 16, (off_t)(0x7ffffffff000UL / PG * 8) - 8) == 8);
	errno = 0;
	CHECK(pread(pm, (void *)8, 16, 0) == -1 && errno == EFAULT);
	CHECK(lseek(pm, (off_t)((uintptr_t)p / PG * 8), SEEK_SET) > 0 && read(pm, two, 16) == 16 &&
	      (two[0] >> 63) && (two[1] >> 63));
	close(pm);
	munmap(p, 8 * PG);
}

/* mincore of a file mapping sees the file's pages in memory, even those
 * only another process touched; holes are not in memory. */
static void mincore_file(void)
{
	int fd = open("/tmp/mm_attack.m", O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 4 * PG) == 0);
	char *p = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	unsigned char v[4] = { 9, 9, 9, 9 };
	CHECK(p != MAP_FAILED && mincore(p, 4 * PG, v) == 0 && !v[0] && !v[1] && !v[2] && !v[3]);
	pid_t c = fork();
	if (c == 0) {
		char *s = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		s[PG] = 1;
		_exit(s == MAP_FAILED);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(mincore(p, 4 * PG, v) == 0 && !v[0] && v[1] == 1 && !v[2] && !v[3]);
	errno = 0;
	CHECK(mincore(p, 5 * PG, v) == -1 && errno == ENOMEM);
	errno = 0;
	CHECK(mincore(p, 4 * PG, (void *)8) == -1 && errno == EFAULT);
	munmap(p, 4 * PG);
	close(fd);
	unlink("/tmp/mm_attack.m");
}

/* A child that touches addr and exits 0, or is killed by a signal. */
static int touch_status(volatile char *addr)
{
	pid_t c = fork();
	if (c == 0) {
		*addr = 1;
		_exit(addr[0] != 1);
	}
	int st = 0;
	waitpid(c, &st, 0);
	return st;
}

/* MAP_GROWSDOWN grows on a fault below it, but not into the guard gap
 * (256 pages) above another mapping, and mmap's search for free space
 * keeps that gap free too. */
static void growsdown(void)
{
	size_t resv = 300 * PG;
	char *start = mmap(NULL, resv, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(start != MAP_FAILED && munmap(start, resv) == 0);
	char *top = start + resv;
	char *g = mmap(top - PG, PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, -1, 0);
	CHECK(g == top - PG);
	int st = touch_status(top - 20 * PG);	/* grows (in the child) */
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = touch_status(start + 10 * PG);	/* 10 pages from nothing: fine */
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	g[-PG] = 7;			/* and in this process */
	char perms[8];
	CHECK(maps_perms(top - 2 * PG, perms));
	/* an accessible mapping below: the gap above it may not be entered */
	char *below = mmap(start, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(below == start);
	st = touch_status(start + 100 * PG);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	st = touch_status(start + 290 * PG);	/* past the gap: grows */
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	munmap(start, resv);

	/* mmap(NULL) leaves the gap below a growing mapping free: one placed
	 * where the highest free space ends just under it goes below the gap */
	size_t big = 2 * 1024 * 1024;
	start = mmap(NULL, big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(start != MAP_FAILED && munmap(start, big) == 0);
	g = mmap(start + big - 16 * PG, 16 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, -1, 0);
	CHECK(g == start + big - 16 * PG);
	char *n = mmap(NULL, 16 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(n != MAP_FAILED && (n + 16 * PG <= g - 256 * PG || n >= g + 16 * PG));
	if (n != MAP_FAILED)
		munmap(n, 16 * PG);
	munmap(g, 16 * PG);
}

static void wipeonfork(void)
{
	char *p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 0x5a, 8 * PG);
	CHECK(madvise(p + 2 * PG, 2 * PG, MADV_WIPEONFORK) == 0);
	pid_t c = fork();
	if (c == 0) {
		int bad = p[0] != 0x5a || p[2 * PG] != 0 || p[3 * PG + 7] != 0 || p[4 * PG] != 0x5a;
		p[2 * PG] = 1;	/* still a usable mapping */
		_exit(bad);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(p[2 * PG] == 0x5a);	/* the parent keeps its data */
	CHECK(madvise(p, 8 * PG, MADV_KEEPONFORK) == 0);
	c = fork();
	if (c == 0)
		_exit(p[2 * PG] != 0x5a);
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	munmap(p, 8 * PG);
}

static void mremap_fixed(void)
{
	char *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *t = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED && t != MAP_FAILED);
	memset(a, 0x11, 4 * PG);
	errno = 0;	/* MREMAP_FIXED needs MREMAP_MAYMOVE */
	CHECK(mremap(a, PG, PG, MREMAP_FIXED, t) == MAP_FAILED && errno == EINVAL);
	errno = 0;
	CHECK(mremap(a, PG, PG, MREMAP_FIXED | MREMAP_MAYMOVE, t + 1) == MAP_FAILED && errno == EINVAL);
	errno = 0;	/* overlapping ranges */
	CHECK(mremap(a, 2 * PG, PG, MREMAP_FIXED | MREMAP_MAYMOVE, a + PG) == MAP_FAILED &&
	      errno == EINVAL);
	errno = 0;
	CHECK(mremap(a, PG, PG, MREMAP_FIXED | MREMAP_MAYMOVE, (void *)(0x800000000000UL - PG)) ==
	      MAP_FAILED && errno == EINVAL);
	errno = 0;
	CHECK(mremap(a, PG, 2 * PG, MREMAP_FIXED | MREMAP_MAYMOVE, (void *)-PG) == MAP_FAILED &&
	      errno == EINVAL);
	/* the middle of a mapping onto another one, which it replaces */
	char *r = mremap(a + PG, PG, 2 * PG, MREMAP_FIXED | MREMAP_MAYMOVE, t + PG);
	CHECK(r == t + PG);
	if (r == t + PG) {
		CHECK(r[0] == 0x11 && r[PG] == 0);
		r[PG] = 1;	/* writable: the old mapping's protection */
		char perms[8] = "";
		CHECK(maps_perms(t, perms) && !strcmp(perms, "r--p"));	/* t's first page stays */
	}
	errno = 0;
	CHECK(mincore(a + PG, PG, (unsigned char[1]){ 0 }) == -1 && errno == ENOMEM);	/* moved away */
	CHECK(a[0] == 0x11 && a[2 * PG] == 0x11);
	munmap(a, 4 * PG);
	munmap(t, 4 * PG);

	/* MREMAP_DONTUNMAP: the data moves, the old range stays, empty */
	char *d = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(d, 0x22, 2 * PG);
	errno = 0;
	CHECK(mremap(d, 2 * PG, 4 * PG, MREMAP_DONTUNMAP | MREMAP_MAYMOVE) == MAP_FAILED &&
	      errno == EINVAL);
	errno = 0;
	CHECK(mremap(d, 2 * PG, 2 * PG, MREMAP_DONTUNMAP) == MAP_FAILED && errno == EINVAL);
	char *n = mremap(d, 2 * PG, 2 * PG, MREMAP_DONTUNMAP | MREMAP_MAYMOVE);
	CHECK(n != MAP_FAILED && n != d);
	if (n != MAP_FAILED) {
		CHECK(n[0] == 0x22 && n[PG + 9] == 0x22);
		CHECK(d[0] == 0 && d[PG] == 0);
		d[0] = 3;
		CHECK(n[0] == 0x22);
		munmap(n, 2 * PG);
	}
	munmap(d, 2 * PG);
}

static void remap_file(void)
{
	int fd = open("/tmp/mm_attack.r", O_RDWR | O_CREAT | O_TRUNC, 0600);
	char page[PG];
	for (int i = 0; i < 8; i++) {
		memset(page, 'a' + i, PG);
		CHECK(write(fd, page, PG) == (ssize_t)PG);
	}
	char *m = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	CHECK(syscall(SYS_remap_file_pages, m, 2 * PG, 0, 5, 0) == 0);
	CHECK(m[0] == 'f' && m[PG] == 'g' && m[2 * PG] == 'c');
	m[0] = 'F';	/* writes reach the file's page 5 */
	CHECK(pread(fd, page, 1, 5 * PG) == 1 && page[0] == 'F');
	CHECK(syscall(SYS_remap_file_pages, m + 10, PG + 20, 0, 0, 0) == 0);	/* rounded down */
	CHECK(m[0] == 'a' && m[PG] == 'g');
	errno = 0;
	CHECK(syscall(SYS_remap_file_pages, m, PG, PROT_READ, 1, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(syscall(SYS_remap_file_pages, m, PG, 0, 1, 1) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(syscall(SYS_remap_file_pages, m, 9 * PG, 0, 1, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(syscall(SYS_remap_file_pages, m, 0, 0, 1, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(syscall(SYS_remap_file_pages, m, PG, 0, (unsigned long)-1, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(syscall(SYS_remap_file_pages, (void *)0x1000, PG, 0, 1, 0) == -1 && errno == EINVAL);
	char *p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	errno = 0;	/* private mappings are refused */
	CHECK(syscall(SYS_remap_file_pages, p, PG, 0, 1, 0) == -1 && errno == EINVAL);
	munmap(p, 2 * PG);
	munmap(m, 8 * PG);
	close(fd);
	unlink("/tmp/mm_attack.r");
}

/* Threads that remap, unmap and move the same range at once. */
static char *volatile race_base;
static volatile int race_stop;
static int race_fd;

static void *racer(void *arg)
{
	long kind = (long)arg;
	while (!race_stop) {
		char *b = race_base;
		if (kind == 0)
			munmap(b + PG, 2 * PG);
		else if (kind == 1)
			syscall(SYS_remap_file_pages, b, 4 * PG, 0, 3, 0);
		else
			mremap(b + 4 * PG, PG, PG, MREMAP_FIXED | MREMAP_MAYMOVE, b + 2 * PG);
		mmap(b, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, race_fd, 0);
	}
	return NULL;
}

static void races(void)
{
	race_fd = open("/tmp/mm_attack.f", O_RDWR);
	CHECK(race_fd >= 0);
	CHECK(ftruncate(race_fd, 8 * PG) == 0);
	race_base = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, race_fd, 0);
	CHECK(race_base != MAP_FAILED);
	pthread_t t[3];
	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, racer, (void *)i);
	long touched = 0;
	for (int i = 0; i < 1000; i++) {
		unsigned char v;
		for (int p = 0; p < 8; p++)
			touched += mincore(race_base + p * PG, PG, &v) == 0;
	}
	race_stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	CHECK(touched > 0);
	munmap(race_base, 8 * PG);
	close(race_fd);
	unlink("/tmp/mm_attack.f");
}

int main(void)
{
	errnos();
	proc_views();
	smaps_pagemap();
	mincore_file();
	growsdown();
	wipeonfork();
	mremap_fixed();
	remap_file();
	races();
	return check_done();
}
