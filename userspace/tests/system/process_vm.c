#define _GNU_SOURCE
/*
 * process_vm: process_vm_readv and process_vm_writev between two
 * processes (the regions are mapped before fork, so both know the
 * addresses).
 *  - data across page boundaries with ragged iovecs both sides, a write
 *    landing in the target's copy-on-write page and not the caller's,
 *    untouched pages faulted in (reads see zeros, writes stay);
 *  - hostile remote iovecs (unmapped, kernel half, PROT_NONE, read-only
 *    for a write): EFAULT with nothing moved, else the partial count;
 *    hostile local iovecs too; flags, UIO_MAXIOV, ESRCH, empty iovecs;
 *  - EPERM from uid 1000 to root's process, allowed between two uid 1000
 *    processes and for root; targets exiting while they are read.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "process_vm"
#include "check.h"

#define PG 4096
#define BIG (64 * 1024)

static unsigned char buf[BIG];		/* the target's copy differs after fork */
static unsigned char *none, *ro, *edge, *lazy;	/* PROT_NONE, read-only, last page, untouched */

static long rv(pid_t p, const struct iovec *l, unsigned long ln, const struct iovec *r,
	       unsigned long rn, unsigned long fl)
{
	return syscall(SYS_process_vm_readv, p, l, ln, r, rn, fl);
}

static long wv(pid_t p, const struct iovec *l, unsigned long ln, const struct iovec *r,
	       unsigned long rn, unsigned long fl)
{
	return syscall(SYS_process_vm_writev, p, l, ln, r, rn, fl);
}

static int reap(pid_t c)
{
	int st = -1;
	if (c <= 0 || waitpid(c, &st, 0) != c)
		return -1;
	int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (rc)
		printf("# child %d: status %d\n", c, rc);
	return rc;
}

/* A target: fills buf with its pattern, says so on `ready`, waits for a
 * byte on `go`, then checks what the test wrote (exit 0 if as expected). */
static pid_t target(int *ready_rd, int *go_wr, uid_t uid)
{
	int r[2], g[2];
	if (pipe(r) || pipe(g))
		return -1;
	pid_t c = fork();
	if (c == 0) {
		close(r[0]);
		close(g[1]);
		/* a root process that changed its IDs is not dumpable (as on
		 * Linux) until it says so */
		if (uid && (setgid(uid) || setuid(uid) || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)))
			_exit(90);
		for (int i = 0; i < BIG; i++)
			buf[i] = (unsigned char)(i * 7 + 1);
		char x = 'r';
		if (write(r[1], &x, 1) != 1)
			_exit(91);
		if (read(g[0], &x, 1) != 1)
			_exit(0);	/* nothing to check */
		/* the test wrote i*3 into buf[1000..1000+9000) and 'L' over lazy */
		for (int i = 0; i < 9000; i++)
			if (buf[1000 + i] != (unsigned char)(i * 3))
				_exit(92);
		if (buf[999] != (unsigned char)(999 * 7 + 1) || buf[10000] != (unsigned char)(10000 * 7 + 1))
			_exit(93);
		for (int i = 0; i < 3 * PG; i++)
			if (lazy[i] != (i >= 100 && i < 100 + 2 * PG ? 'L' : 0))
				_exit(94);
		_exit(0);
	}
	close(r[1]);
	close(g[0]);
	char x;
	if (read(r[0], &x, 1) != 1)
		return -1;
	*ready_rd = r[0];
	*go_wr = g[1];
	return c;
}

static void test_data(void)
{
	int rd, go;
	memset(buf, 0xee, sizeof(buf));
	pid_t c = target(&rd, &go, 0);
	CHECK(c > 0);
	static unsigned char a[3000], b[PG * 3], d[BIG];
	struct iovec l[] = { { a, sizeof(a) }, { NULL, 0 }, { b, sizeof(b) }, { d, 5000 } };
	struct iovec r[] = { { buf + 17, 7001 }, { buf + 9000, 0 }, { buf + 20000, 8287 } };
	long n = rv(c, l, 4, r, 3, 0);
	CHECK(n == 7001 + 8287);
	unsigned char all[7001 + 8287], got[7001 + 8287];
	for (int i = 0; i < 7001; i++)
		all[i] = (unsigned char)((17 + i) * 7 + 1);
	for (int i = 0; i < 8287; i++)
		all[7001 + i] = (unsigned char)((20000 + i) * 7 + 1);
	memcpy(got, a, sizeof(a));
	memcpy(got + sizeof(a), b, sizeof(b));
	memcpy(got + sizeof(a) + sizeof(b), d, sizeof(got) - sizeof(a) - sizeof(b));
	CHECK(!memcmp(all, got, sizeof(all)));
	CHECK(buf[17] == 0xee);		/* ours did not change */
	/* the local side shorter than the remote: as much as it holds */
	struct iovec s = { a, 10 };
	CHECK(rv(c, &s, 1, r, 1, 0) == 10 && a[0] == (unsigned char)(17 * 7 + 1));
	/* untouched pages of the target read as zeros */
	struct iovec lz = { d, 3 * PG }, rz = { lazy, 3 * PG };
	memset(d, 1, sizeof(d));
	CHECK(rv(c, &lz, 1, &rz, 1, 0) == 3 * PG);
	int zero = 1;
	for (int i = 0; i < 3 * PG; i++)
		zero &= d[i] == 0;
	CHECK(zero);
	/* writes: into its copy-on-write buf, and its untouched pages */
	for (int i = 0; i < 9000; i++)
		d[i] = (unsigned char)(i * 3);
	struct iovec wl[] = { { d, 1 }, { d + 1, 4999 }, { d + 5000, 4000 } };
	struct iovec wr[] = { { buf + 1000, 4096 }, { buf + 5096, 4904 } };
	CHECK(wv(c, wl, 3, wr, 2, 0) == 9000);
	CHECK(buf[1000] == 0xee);
	memset(a, 'L', sizeof(a));
	struct iovec wl2[] = { { a, 3000 }, { a, 3000 }, { a, 2 * PG - 6000 } };
	struct iovec wr2 = { lazy + 100, 2 * PG };
	CHECK(wv(c, wl2, 3, &wr2, 1, 0) == 2 * PG);
	char x = 'g';
	CHECK(write(go, &x, 1) == 1);
	CHECK(reap(c) == 0);
	close(rd);
	close(go);
	/* itself */
	struct iovec me = { a, 16 }, mine = { buf + 32, 16 };
	CHECK(rv(getpid(), &me, 1, &mine, 1, 0) == 16 && a[0] == 0xee);
}

static void test_hostile(void)
{
	int rd, go;
	pid_t c = target(&rd, &go, 0);
	static unsigned char a[3 * PG];
	struct iovec l = { a, sizeof(a) };
	struct iovec r = { buf, 100 };
	errno = 0;
	CHECK(rv(c, &l, 1, &r, 1, 1) == -1 && errno == EINVAL);
	CHECK(wv(c, &l, 1, &r, 1, ~0UL) == -1 && errno == EINVAL);
	static struct iovec many[1025];
	for (int i = 0; i < 1025; i++)
		many[i] = (struct iovec){ a, 1 };
	CHECK(rv(c, many, 1025, &r, 1, 0) == -1 && errno == EINVAL);
	CHECK(rv(c, &l, 1, many, 1025, 0) == -1 && errno == EINVAL);
	CHECK(rv(c, many, 1024, &r, 1, 0) == 100);
	CHECK(rv(c, (void *)8, 1, &r, 1, 0) == -1 && errno == EFAULT);
	CHECK(rv(c, &l, 1, (void *)8, 1, 0) == -1 && errno == EFAULT);
	struct iovec huge[2] = { { a, 1UL << 62 }, { a, 1UL << 62 } };
	CHECK(rv(c, huge, 2, &r, 1, 0) == -1 && errno == EINVAL);
	CHECK(rv(c, &l, 1, huge, 2, 0) == -1 && errno == EINVAL);
	/* nothing to move: 0, before the pid is looked at (Linux) */
	CHECK(rv(c, &l, 0, &r, 1, 0) == 0);
	CHECK(rv(-1, &l, 0, &r, 1, 0) == 0);
	CHECK(rv(c, &l, 1, &r, 0, 0) == 0);
	CHECK(rv(999999, &l, 1, &r, 1, 0) == -1 && errno == ESRCH);
	CHECK(rv(-5, &l, 1, &r, 1, 0) == -1 && errno == ESRCH);
	CHECK(rv(0, &l, 1, &r, 1, 0) == -1 && errno == ESRCH);
	/* remote addresses the target could not use: EFAULT, nothing moved */
	void *bad[] = { (void *)8, (void *)0xffff800000000000ULL, (void *)0x7ffffffff000ULL,
			(void *)-4096L, none };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct iovec br = { bad[i], 64 };
		errno = 0;
		CHECK(rv(c, &l, 1, &br, 1, 0) == -1 && errno == EFAULT);
		CHECK(wv(c, &l, 1, &br, 1, 0) == -1 && errno == EFAULT);
	}
	struct iovec rr = { ro, 64 };
	CHECK(rv(c, &l, 1, &rr, 1, 0) == 64 && a[0] == 'R');
	CHECK(wv(c, &l, 1, &rr, 1, 0) == -1 && errno == EFAULT);
	/* wrapping around the top */
	struct iovec wrap = { (void *)(0x7ffffffff000ULL - 16), 64 };
	CHECK(rv(c, &l, 1, &wrap, 1, 0) == -1 && errno == EFAULT);
	/* partial: what came before the bad part */
	struct iovec two[] = { { buf, 100 }, { (void *)8, 64 }, { buf, 100 } };
	CHECK(rv(c, &l, 1, two, 3, 0) == 100);
	struct iovec cross = { edge + PG - 10, 64 };
	CHECK(rv(c, &l, 1, &cross, 1, 0) == 10);
	CHECK(wv(c, &l, 1, &cross, 1, 0) == 10);
	/* hostile local iovecs */
	struct iovec lb[] = { { a, 50 }, { (void *)8, 50 } };
	CHECK(rv(c, lb, 2, &r, 1, 0) == 50);
	struct iovec lk = { (void *)0xffff800000001000ULL, 50 };
	CHECK(rv(c, &lk, 1, &r, 1, 0) == -1 && errno == EFAULT);
	CHECK(wv(c, &lk, 1, &r, 1, 0) == -1 && errno == EFAULT);
	/* our own read-only page as the destination of a read */
	struct iovec lro = { ro, 50 };
	CHECK(rv(c, &lro, 1, &r, 1, 0) == -1 && errno == EFAULT);
	close(go);
	CHECK(reap(c) == 0);
	close(rd);
}

static void test_perm(void)
{
	int rd, go;
	pid_t rootc = target(&rd, &go, 0);
	int rd2, go2;
	pid_t userc = target(&rd2, &go2, 1000);
	unsigned char a[64];
	struct iovec l = { a, 64 }, r = { buf, 64 };
	CHECK(rv(userc, &l, 1, &r, 1, 0) == 64);	/* root: CAP_SYS_PTRACE */
	pid_t c = fork();
	if (c == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(10);
		if (rv(rootc, &l, 1, &r, 1, 0) != -1 || errno != EPERM)
			_exit(11);
		if (wv(rootc, &l, 1, &r, 1, 0) != -1 || errno != EPERM)
			_exit(12);
		if (rv(userc, &l, 1, &r, 1, 0) != 64 || a[1] != 8)
			_exit(13);
		if (rv(1, &l, 1, &r, 1, 0) != -1 || errno != EPERM)
			_exit(14);
		_exit(0);
	}
	CHECK(reap(c) == 0);
	/* a different gid alone is enough to refuse */
	c = fork();
	if (c == 0) {
		if (setgid(1001) || setuid(1000))
			_exit(10);
		_exit(rv(userc, &l, 1, &r, 1, 0) == -1 && errno == EPERM ? 0 : 11);
	}
	CHECK(reap(c) == 0);
	close(go);
	close(go2);
	CHECK(reap(rootc) == 0 && reap(userc) == 0);
	close(rd);
	close(rd2);
}

static void test_exiting(void)
{
	unsigned char a[PG];
	struct iovec l = { a, sizeof(a) }, r = { buf, sizeof(a) };
	int ok = 0, gone = 0, other = 0;
	for (int i = 0; i < 60; i++) {
		pid_t c = fork();
		if (c == 0) {
			if (i & 1)
				usleep(1000);
			_exit(0);
		}
		for (int k = 0; k < 20; k++) {
			long n = rv(c, &l, 1, &r, 1, 0);
			if (n == (long)sizeof(a))
				ok++;
			else if (n == -1 && errno == ESRCH)
				gone++;
			else
				other++;
		}
		/* a zombie has no memory left to read */
		siginfo_t si;
		CHECK(waitid(P_PID, (id_t)c, &si, WEXITED | WNOWAIT) == 0);
		if (rv(c, &l, 1, &r, 1, 0) == -1 && errno == ESRCH)
			gone++;
		else
			other++;
		reap(c);
		CHECK(rv(c, &l, 1, &r, 1, 0) == -1 && errno == ESRCH);
	}
	printf("# exiting targets: %d read, %d gone\n", ok, gone);
	CHECK(other == 0 && gone > 0);
}

#define RUN(f) (printf("# %s\n", #f), f())

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	none = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(ro, 'R', PG);
	mprotect(ro, PG, PROT_READ);
	edge = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(edge + PG, PG);
	lazy = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(none != MAP_FAILED && ro != MAP_FAILED && edge != MAP_FAILED && lazy != MAP_FAILED);
	RUN(test_data);
	RUN(test_hostile);
	RUN(test_perm);
	RUN(test_exiting);
	printf("# data, hostile, perm, exiting: %d failures\n", failures);
	return check_done();
}
