#define _GNU_SOURCE
/*
 * mm_syscalls: mmap, mprotect, mremap and exec refuse or succeed without
 * leaving anything half done (issue 11's review findings).
 *
 *  - a shared mapping of a file opened read-only can never be made
 *    writable by mprotect (EACCES, still read-only); a private one can;
 *  - MAP_FIXED that fails (a write-only fd, a bad offset, a file range
 *    past 2^63) leaves the old mapping in place with its contents;
 *  - a mapping across the top of the mmap area does not stop later
 *    mmap(NULL) calls;
 *  - with the VMA table one short of full, mremap(MREMAP_MAYMOVE) of the
 *    middle of a mapping fails with nothing moved or lost (it used to
 *    move the pages, fail to split the old VMA, and unmap the new range);
 *  - a 256 MiB bss costs only the pages touched at exec, and a 1 GiB bss
 *    on a 512 MiB machine is ENOMEM from execve, not an exec that eats
 *    all memory.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "mm_syscalls"
#include "check.h"

#define PG 4096UL

static sigjmp_buf jb;
static void on_sig(int sig)
{
	siglongjmp(jb, sig);
}

static int write_sig(volatile char *p, char v)
{
	int sig = sigsetjmp(jb, 1);
	if (!sig)
		*p = v;
	return sig;
}

static void may_write(void)
{
	int fd = open("ro_file", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "original", 8) == 8);
	close(fd);
	fd = open("ro_file", O_RDONLY);
	CHECK(fd >= 0);
	char *sh = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(sh != MAP_FAILED);
	errno = 0;
	CHECK(mprotect(sh, PG, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
	CHECK(write_sig(sh, 'X') == SIGSEGV);
	CHECK(!memcmp(sh, "original", 8));
	char *pv = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(pv != MAP_FAILED);
	CHECK(mprotect(pv, PG, PROT_READ | PROT_WRITE) == 0);	/* copy on write */
	CHECK(write_sig(pv, 'Y') == 0 && pv[0] == 'Y');
	char buf[8];
	CHECK(pread(fd, buf, 8, 0) == 8 && !memcmp(buf, "original", 8));
	munmap(sh, PG);
	munmap(pv, PG);
	close(fd);
}

static void fixed_failures(void)
{
	char *old = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(old != MAP_FAILED);
	memcpy(old, "keep me", 8);
	int wfd = open("wo_file", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int rfd = open("ro_file", O_RDONLY);
	CHECK(wfd >= 0 && rfd >= 0);
	errno = 0;
	CHECK(mmap(old, 2 * PG, PROT_READ, MAP_SHARED | MAP_FIXED, wfd, 0) == MAP_FAILED &&
	      errno == EACCES);
	CHECK(!memcmp(old, "keep me", 8));
	CHECK(mmap(old, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, rfd, 100) == MAP_FAILED &&
	      errno == EINVAL);
	CHECK(!memcmp(old, "keep me", 8));
	CHECK(mmap(old, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, rfd,
		   (off_t)(INT64_MAX - PG + 1)) == MAP_FAILED && errno == EOVERFLOW);
	CHECK(!memcmp(old, "keep me", 8));
	CHECK(mmap(old, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, rfd, 0) ==
	      MAP_FAILED && errno == EACCES);
	CHECK(!memcmp(old, "keep me", 8));
	close(wfd);
	close(rfd);
	munmap(old, 2 * PG);
}

static void across_the_top(void)
{
	/* the highest free page is just below the top of the mmap area */
	char *p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	munmap(p, PG);
	char *q = mmap(p, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p);			/* one page below the top, one above */
	char *r = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(r != MAP_FAILED && (r + PG <= q || r >= q + 2 * PG));
	if (r != MAP_FAILED)
		munmap(r, PG);
	munmap(q, 2 * PG);
}

static void mremap_all_or_nothing(void)
{
	enum { MAX = 8192 };
	static char *maps[MAX];
	char *big = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(big != MAP_FAILED);
	for (int i = 0; i < 16; i++)
		big[i * PG] = (char)('a' + i);
	/* fill the VMA table; a guard page keeps big from growing in place */
	int n = 0;
	while (n < MAX && (maps[n] = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
					  0)) != MAP_FAILED)
		n++;
	printf("# %d more mappings until the VMA table was full\n", n);
	CHECK(n > 0 && n < MAX);
	munmap(maps[--n], PG);		/* one slot free */
	char *mid = big + 4 * PG;
	char *to = mremap(mid, 4 * PG, 64 * PG, MREMAP_MAYMOVE);
	if (to == MAP_FAILED) {
		CHECK(errno == ENOMEM);
		for (int i = 0; i < 16; i++)	/* nothing moved, nothing lost */
			CHECK(big[i * PG] == (char)('a' + i));
	} else {
		for (int i = 0; i < 4; i++)
			CHECK(to[i * PG] == (char)('e' + i));
	}
	for (int i = 0; i < n; i++)
		munmap(maps[i], PG);
	munmap(big, 16 * PG);
	if (to != MAP_FAILED)
		munmap(to, 64 * PG);
}

static int run(const char *path, int *out_status)
{
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		char *argv[] = { (char *)path, NULL };
		execv(path, argv);
		_exit(100 + errno);
	}
	close(p[1]);
	char buf[64] = { 0 };
	read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	waitpid(pid, out_status, 0);
	return atoi(buf);
}

static void bss(void)
{
	long long free0 = meminfo("MemFree") / 1024;
	int st = -1;
	long long at_start = run("/tests/_bss_big", &st);
	printf("# 256 MiB bss: MemFree %lld KiB before exec, %lld KiB at main\n", free0, at_start);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(at_start > 0 && free0 - at_start < 8 * 1024);	/* not 256 MiB */
	run("/tests/_bss_huge", &st);
	printf("# 1 GiB bss: status %#x\n", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 100 + ENOMEM);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_sig };
	sigaction(SIGSEGV, &sa, NULL);
	may_write();
	fixed_failures();
	across_the_top();
	mremap_all_or_nothing();
	bss();
	return check_done();
}
