/*
 * Review of the resident counter (uvm.c resident/hiwater, ru_maxrss):
 * every way a program changes its leaves, then a comparison of
 * /proc/self/statm's resident count with what mincore sees, in children
 * whose address spaces are then destroyed (uvm_destroy prints
 * "uvm: resident count" on the console if its count drifted: grep the
 * run's output for it). Ends with ru_maxrss checks: the peak is kept
 * after munmap and across a failed execve, and a child's peak reaches
 * its parent through wait4.
 */
#define _GNU_SOURCE
#define TEST_NAME "rss_drift"
#include "check.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#define PG 4096ul
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static long statm_resident(void)
{
	long size = 0, res = -1;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &size, &res) != 2)
			res = -1;
		fclose(f);
	}
	return res;
}

static void touch(char *p, size_t len)
{
	for (size_t i = 0; i < len; i += PG)
		p[i] = 1;
}

static char *anon(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Reads a byte of every page of the program's own image: exec maps it
 * from the page cache on demand, so a first call into a new page of code
 * during a step would count as that step's. */
static void fault_in_image(void)
{
	char line[512];
	unsigned long lo, hi;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "/tests/") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			for (unsigned long a = lo; a < hi; a += PG)
				(void)*(volatile char *)a;
	if (f)
		fclose(f);
}

/* Each step changes the resident count by a known amount. */
static int steps(void)
{
	int bad = 0;
	fault_in_image();
	long base = statm_resident(), now;
#define EXPECT(delta, what) do { now = statm_resident(); \
	if (now - base != (delta)) { printf("# %s: resident %+ld, expected %+ld\n", what, now - base, (long)(delta)); bad++; } \
	base = now; } while (0)

	char *a = anon(64 * PG);
	touch(a, 64 * PG);
	EXPECT(64, "touch 64");
	munmap(a + 10 * PG, 5 * PG);		/* a hole */
	EXPECT(-5, "munmap a hole of 5");
	munmap(a + 60 * PG, 100 * PG);		/* past the end too */
	EXPECT(-4, "munmap the last 4 and beyond");
	char *b = mremap(a, 10 * PG, 20 * PG, MREMAP_MAYMOVE);	/* move or grow */
	EXPECT(0, "mremap 10 -> 20");
	touch(b, 20 * PG);
	EXPECT(10, "touch the grown part");
	char *c = anon(30 * PG);
	touch(c, 30 * PG);
	EXPECT(30, "touch 30");
	char *d = mremap(b, 20 * PG, 20 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, c + 5 * PG);
	EXPECT(-20, "mremap FIXED over 20 resident pages");
	(void)d;
	char *e = mremap(c, 5 * PG, 5 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	EXPECT(0, "mremap DONTUNMAP");
	touch(c, 5 * PG);
	EXPECT(5, "touch the emptied old range");
	char *f = mremap(e, 5 * PG, 2 * PG, MREMAP_MAYMOVE);	/* shrink */
	EXPECT(-3, "mremap shrink 5 -> 2");
	(void)f;
	madvise(a + 20 * PG, 40 * PG, MADV_DONTNEED);	/* 25..60 of a (holes EINVAL/ENOMEM are fine) */
	now = statm_resident();
	base = now;
	mprotect(a + 30 * PG, 20 * PG, PROT_NONE);
	EXPECT(0, "mprotect PROT_NONE");
	char *g = anon(8 * PG);
	touch(g, 8 * PG);
	mprotect(g, 8 * PG, PROT_NONE);
	EXPECT(8, "touch 8, PROT_NONE");
	munmap(g, 8 * PG);
	EXPECT(-8, "munmap PROT_NONE pages");
	/* a file: shared and private */
	int fd = open("/tmp/review_rss_file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0 && ftruncate(fd, 16 * PG) == 0) {
		char *s = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		char *p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		touch(s, 16 * PG);
		EXPECT(16, "shared file touch");
		for (size_t i = 0; i < 16 * PG; i += PG)
			(void)*(volatile char *)(p + i);
		EXPECT(16, "private file read");
		touch(p, 16 * PG);
		EXPECT(0, "private file COW");
		ftruncate(fd, 4 * PG);	/* the shared mapping loses 12 */
		now = statm_resident();
		printf("# after truncate: %+ld\n", now - base);
		base = now;
		munmap(s, 16 * PG);
		munmap(p, 16 * PG);
		close(fd);
		unlink("/tmp/review_rss_file");
	}
	return bad;
#undef EXPECT
}

int main(void)
{
	/* the steps in a child, its address space then destroyed */
	pid_t pid = fork();
	if (pid == 0)
		_exit(steps() ? 1 : 0);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* fork in a loop, children touching COW pages and exiting */
	char *m = anon(256 * PG);
	touch(m, 256 * PG);
	for (int i = 0; i < 20; i++) {
		pid = fork();
		if (pid == 0) {
			touch(m, 128 * PG);
			munmap(m + 64 * PG, 64 * PG);
			_exit(0);
		}
		waitpid(pid, &st, 0);
	}

	/* ru_maxrss: the peak stays after munmap and a failed execve */
	char *big = anon(4096 * PG);	/* 16 MiB */
	touch(big, 4096 * PG);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	long peak = ru.ru_maxrss;
	CHECK(peak >= 16 * 1024);
	munmap(big, 4096 * PG);
	char *argv[] = { "/nonexistent", NULL };
	execve("/nonexistent", argv, NULL);
	int fd = open("/tmp/review_rss_bad", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd >= 0) {	/* an ELF header that lies: exec fails */
		static const unsigned char elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
						       2, 0, 0x3e, 0, 1, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0,
						       0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 };
		write(fd, elf, sizeof(elf));
		close(fd);
		char *av[] = { "/tmp/review_rss_bad", NULL };
		execve(av[0], av, NULL);
		unlink(av[0]);
	}
	getrusage(RUSAGE_SELF, &ru);
	CHECK(ru.ru_maxrss >= peak);
	CHECK(statm_resident() < peak / 4);	/* the 16 MiB are gone */

	/* a child's peak reaches us */
	pid = fork();
	if (pid == 0) {
		char *x = anon(8192 * PG);	/* 32 MiB */
		if (x)
			touch(x, 8192 * PG);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	getrusage(RUSAGE_CHILDREN, &ru);
	CHECK(ru.ru_maxrss >= 32 * 1024);
	printf("# self peak %ld KiB, children %ld KiB\n", peak, ru.ru_maxrss);
	return check_done();
}
