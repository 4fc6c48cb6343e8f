/*
 * mm_ranges: munmap, mprotect, msync, madvise and exit cost what is
 * mapped, not the size of the range. A file mapping of most of the user
 * address space (about 127 TiB; nothing is reserved for a file mapping)
 * with a few pages touched far apart is created, protected, synced,
 * advised and unmapped, each call timed; before range walks skipped
 * empty page tables, munmap alone walked 2^35 pages (about half an hour
 * under emulation, unkillable). The touched pages read back right, the
 * unmapped range faults, and memory comes back.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define TEST_NAME "mm_ranges"
#include "check.h"

#define PG 4096ULL
#define LIMIT_MS 2000		/* generous: TCG on a loaded 2-core host */

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static sigjmp_buf jb;
static void on_sig(int sig)
{
	siglongjmp(jb, sig);
}

#define TIMED(what, expr)						\
	({								\
		double t0_ = now_ms();					\
		long r_ = (long)(expr);					\
		double dt_ = now_ms() - t0_;				\
		printf("# %s: %.1f ms\n", what, dt_);			\
		CHECK(dt_ < LIMIT_MS);					\
		r_;							\
	})

/* The largest length mmap accepts, halving from 2^47 (a little less
 * than the whole user half, whatever the layout of this program). */
static char *map_huge(int fd, uint64_t *len)
{
	for (uint64_t l = (1ULL << 47) - (1ULL << 40); l >= (1ULL << 36); l -= (1ULL << 40)) {
		void *p = mmap(NULL, l, PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			*len = l;
			return p;
		}
	}
	return MAP_FAILED;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_sig };
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	/* a file as large as the mapping (sparse on the memory filesystem
	 * only as far as its pages go: the test touches a few) */
	int fd = open("huge", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 1ULL << 46) == 0);
	uint64_t len = 0;
	char *m = map_huge(fd, &len);
	CHECK(m != MAP_FAILED);
	if (m == MAP_FAILED)
		return check_done();
	printf("# mapped %llu GiB at %p\n", (unsigned long long)(len >> 30), m);
	CHECK(len >= (1ULL << 46));

	/* touch pages far apart (within the file's 64 TiB) */
	uint64_t offs[] = { 0, 1ULL << 30, 1ULL << 39, (1ULL << 46) - PG };
	CHECK(TIMED("mprotect rw", mprotect(m, len, PROT_READ | PROT_WRITE)) == 0);
	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		m[offs[i]] = (char)('A' + i);
	CHECK(TIMED("mprotect r", mprotect(m, len, PROT_READ)) == 0);
	int sig = sigsetjmp(jb, 1);
	if (!sig)
		m[0] = 'z';
	CHECK(sig == SIGSEGV);		/* read-only now */
	CHECK(TIMED("msync", msync(m, len, MS_ASYNC)) == 0);
	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		CHECK(m[offs[i]] == (char)('A' + i));
	char c;
	CHECK(pread(fd, &c, 1, (1ULL << 39)) == 1 && c == 'C');
	CHECK(TIMED("madvise dontneed", madvise(m, len, MADV_DONTNEED)) == 0);
	CHECK(m[1ULL << 39] == 'C');	/* shared: the file's page again */

	/* a child exits holding the whole mapping */
	pid_t pid = fork();
	if (pid == 0) {
		volatile char x = m[1ULL << 30];
		(void)x;
		_exit(0);
	}
	int st;
	double t0 = now_ms();
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("# fork + exit with the mapping: %.1f ms\n", now_ms() - t0);

	CHECK(TIMED("munmap", munmap(m, len)) == 0);
	sig = sigsetjmp(jb, 1);
	if (!sig)
		c = *(volatile char *)m;
	CHECK(sig == SIGSEGV);
	close(fd);
	unlink("huge");

	/* PROT_NONE takes access away from pages already there, and gives
	 * them back unchanged */
	char *n = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(n != MAP_FAILED);
	n[0] = 'n';
	n[PG] = 'm';
	CHECK(mprotect(n, 2 * PG, PROT_NONE) == 0);
	sig = sigsetjmp(jb, 1);
	if (!sig)
		c = *(volatile char *)n;
	CHECK(sig == SIGSEGV);
	sig = sigsetjmp(jb, 1);
	if (!sig)
		*(volatile char *)(n + PG) = 'x';
	CHECK(sig == SIGSEGV);
	/* the kernel cannot reach them either: a write from them or a read
	 * into them is EFAULT, as on Linux (Alloy once made PROT_NONE a
	 * supervisor page, which copy_from_user read happily) */
	int pfd[2];
	CHECK(pipe(pfd) == 0);
	errno = 0;
	CHECK(write(pfd[1], n, 16) == -1 && errno == EFAULT);
	CHECK(write(pfd[1], "abcd", 4) == 4);
	errno = 0;
	CHECK(read(pfd[0], n + PG, 4) == -1 && errno == EFAULT);
	close(pfd[0]);
	close(pfd[1]);
	/* fork copies the hidden pages too */
	pid_t kid = fork();
	if (kid == 0)
		_exit(mprotect(n, PG, PROT_READ) == 0 && n[0] == 'n' ? 0 : 1);
	int kst = -1;
	CHECK(kid > 0 && waitpid(kid, &kst, 0) == kid && kst == 0);
	CHECK(mprotect(n, 2 * PG, PROT_READ) == 0);
	CHECK(n[0] == 'n' && n[PG] == 'm');
	munmap(n, 2 * PG);

	/* anonymous: a sparse 256 MiB range with pages touched 2 MiB apart */
	long long free0 = meminfo("MemFree");
	char *a = mmap(NULL, 1ULL << 28, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED);
	for (uint64_t off = 0; a != MAP_FAILED && off < (1ULL << 28); off += 2ULL << 20)
		a[off] = 1;
	CHECK(TIMED("munmap anon", munmap(a, 1ULL << 28)) == 0);
	long long free1 = meminfo("MemFree");
	printf("# MemFree %lld -> %lld KiB\n", free0 / 1024, free1 / 1024);
	/* 128 pages and their page tables came back (within 256 KiB) */
	CHECK(free1 >= free0 - 256 * 1024);
	return check_done();
}
