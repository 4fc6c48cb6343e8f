/*
 * Resource limits, from the attacker's side: prlimit64/setrlimit reject
 * soft > hard, unknown resources, raising a hard limit as an ordinary
 * user and RLIMIT_NOFILE above nr_open; and the limits are enforced:
 * NOFILE (open, dup, pipe, dup2 and F_DUPFD at and past the limit), STACK
 * (the stack at exec, its growth, a limit lowered or raised later), AS
 * (mmap, MAP_FIXED over a mapping, brk, mremap, stack growth) and NPROC
 * (fork of an ordinary user; root exempt). fork and exec inherit them.
 */
#define _GNU_SOURCE
#define TEST_NAME "rlimits"
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#define KB 1024UL
#define MB (1024 * KB)

static long prlimit_raw(pid_t pid, long res, const struct rlimit *n, struct rlimit *o)
{
	return syscall(SYS_prlimit64, (long)pid, res, n, o);
}

static int set_lim(int res, rlim_t cur, rlim_t max)
{
	struct rlimit r = { cur, max };
	return setrlimit(res, &r);
}

static rlim_t cur_of(int res)
{
	struct rlimit r;
	return getrlimit(res, &r) ? 0 : r.rlim_cur;
}

/* Runs fn in a child; its exit status (or 128 + signal). */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(fn());
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Touches `depth` bytes of stack below this frame, a page at a time. */
static int __attribute__((noinline)) dig(unsigned long depth)
{
	volatile char buf[16 * KB];

	buf[0] = 1;
	buf[sizeof(buf) - 1] = 1;
	if (depth <= sizeof(buf))
		return buf[0];
	return dig(depth - sizeof(buf)) + buf[sizeof(buf) - 1];
}

/* Size of the [stack] line of /proc/self/maps. */
static unsigned long stack_vma(void)
{
	char line[256];
	unsigned long lo, hi, size = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			size = hi - lo;
	if (f)
		fclose(f);
	return size;
}

/* Bytes of every mapping of the process. */
static unsigned long mapped_total(void)
{
	char line[256];
	unsigned long lo, hi, sum = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			sum += hi - lo;
	if (f)
		fclose(f);
	return sum;
}

static void check_errors(void)
{
	struct rlimit r, o;

	errno = 0;
	CHECK(prlimit_raw(0, RLIMIT_NLIMITS, NULL, &r) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(prlimit_raw(0, -1L, NULL, &r) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(set_lim(RLIMIT_CPU, 10, 5) == -1 && errno == EINVAL);	/* soft > hard */
	errno = 0;
	CHECK(set_lim(RLIMIT_NOFILE, RLIM_INFINITY, RLIM_INFINITY) == -1 && errno == EPERM);
	errno = 0;
	CHECK(set_lim(RLIMIT_NOFILE, 64, 1 << 30) == -1 && errno == EPERM);	/* > nr_open */
	errno = 0;
	CHECK(prlimit_raw(0x7ffffff0, RLIMIT_CPU, NULL, &r) == -1 && errno == ESRCH);
	errno = 0;
	CHECK(prlimit_raw(-5, RLIMIT_CPU, NULL, &r) == -1 && errno == ESRCH);
	CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur >= 64 && r.rlim_cur <= r.rlim_max);
	CHECK(getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur == 8 * MB);

	/* stored and reported; prlimit64 returns the old value with the new */
	struct rlimit n = { 7, 70 };
	CHECK(set_lim(RLIMIT_CPU, 3, 30) == 0);
	CHECK(prlimit_raw(0, RLIMIT_CPU, &n, &o) == 0 && o.rlim_cur == 3 && o.rlim_max == 30);
	CHECK(getrlimit(RLIMIT_CPU, &r) == 0 && r.rlim_cur == 7 && r.rlim_max == 70);
	CHECK(set_lim(RLIMIT_CPU, RLIM_INFINITY, RLIM_INFINITY) == 0);	/* root raises */
	CHECK(getrlimit(RLIMIT_CPU, &r) == 0 && r.rlim_cur == RLIM_INFINITY);
	/* a failed set changes nothing */
	CHECK(set_lim(RLIMIT_CORE, 0, 4096) == 0 && set_lim(RLIMIT_CORE, 8192, 4096) == -1);
	CHECK(getrlimit(RLIMIT_CORE, &r) == 0 && r.rlim_cur == 0 && r.rlim_max == 4096);
}

/* An ordinary user may lower limits and raise a soft one to its hard
 * one, never the hard one; nor touch root's. */
static int user_limits(void)
{
	if (setresuid(1000, 1000, 1000))
		return 2;
	if (set_lim(RLIMIT_CORE, 0, 100) != 0)
		return 3;
	if (set_lim(RLIMIT_CORE, 100, 100) != 0)
		return 4;
	errno = 0;
	if (set_lim(RLIMIT_CORE, 100, 101) != -1 || errno != EPERM)
		return 5;
	errno = 0;
	struct rlimit r = { 1, 1 };
	if (prlimit_raw(1, RLIMIT_CPU, &r, NULL) != -1 || errno != EPERM)
		return 6;	/* init's limits are root's */
	errno = 0;
	if (prlimit_raw(1, RLIMIT_CPU, NULL, &r) != -1 || errno != EPERM)
		return 7;	/* nor read them (Linux checks both) */
	/* its own child's, with the same ids, it may */
	pid_t kid = fork();
	if (kid == 0) {
		pause();
		_exit(0);
	}
	struct rlimit lo = { 5, 6 };
	if (prlimit_raw(kid, RLIMIT_CPU, &lo, &r) != 0 || prlimit_raw(kid, RLIMIT_CPU, NULL, &r) ||
	    r.rlim_cur != 5 || r.rlim_max != 6)
		return 8;
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	return 0;
}

static int nofile_child(void)
{
	int fds[2];

	if (set_lim(RLIMIT_NOFILE, 16, 16))
		return 2;
	int last = -1, fd;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		last = fd;
	if (errno != EMFILE || last != 15)
		return 3;
	errno = 0;
	if (dup(0) != -1 || errno != EMFILE)
		return 4;
	errno = 0;
	if (dup2(0, 16) != -1 || errno != EBADF)
		return 5;	/* dup2 at the limit */
	errno = 0;
	if (dup2(0, 1 << 20) != -1 || errno != EBADF)
		return 6;
	errno = 0;
	if (fcntl(0, F_DUPFD, 16) != -1 || errno != EINVAL)
		return 7;	/* F_DUPFD at the limit */
	errno = 0;
	if (fcntl(0, F_DUPFD, 3) != -1 || errno != EMFILE)
		return 8;
	close(14);
	errno = 0;
	if (pipe(fds) != -1 || errno != EMFILE)
		return 9;	/* one slot: no pipe, and the slot stays free */
	if (dup(0) != 14)
		return 10;
	if (dup2(0, 15) != 15)
		return 11;	/* below the limit: allowed */
	close(10);
	if (fcntl(0, F_DUPFD, 5) != 10)
		return 12;
	/* lowered below open fds: they stay, nothing new */
	if (set_lim(RLIMIT_NOFILE, 8, 16))
		return 13;
	errno = 0;
	if (fcntl(12, F_GETFD) != 0 || dup(0) != -1 || errno != EMFILE)
		return 14;
	close(3);
	errno = 0;
	if (open("/dev/null", O_RDONLY) != 3)
		return 15;
	/* fork inherits */
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit r;
		close(4);
		errno = 0;
		_exit(getrlimit(RLIMIT_NOFILE, &r) || r.rlim_cur != 8 || r.rlim_max != 16 ||
		      open("/dev/null", O_RDONLY) != 4 || dup(0) != -1 || errno != EMFILE);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 16;
	return 0;
}

/* RLIMIT_STACK lowered in a running program: a deeper stack faults. */
static int stack_lowered(void)
{
	if (dig(1 * MB) < 0)
		return 2;	/* allowed: 8 MiB */
	if (set_lim(RLIMIT_STACK, 512 * KB, RLIM_INFINITY))
		return 3;
	dig(2 * MB);		/* SIGSEGV */
	return 4;
}

static int exec_self(const char *mode)
{
	char *argv[] = { "rlimits", (char *)mode, NULL };

	execv("/proc/self/exe", argv);
	return 99;
}

static int stack_exec_small(void)
{
	if (set_lim(RLIMIT_STACK, 256 * KB, RLIM_INFINITY))
		return 2;
	return exec_self("stack-small");
}

static int stack_exec_grow(void)
{
	if (set_lim(RLIMIT_STACK, 256 * KB, RLIM_INFINITY))
		return 2;
	return exec_self("stack-grow");
}

static int stack_exec_grow_as(void)
{
	if (set_lim(RLIMIT_STACK, 256 * KB, RLIM_INFINITY))
		return 2;
	return exec_self("stack-grow-as");
}

/* After exec with RLIMIT_STACK 256 KiB: the stack is that large and a
 * deeper one faults. */
static int mode_stack_small(void)
{
	unsigned long s = stack_vma();
	if (s != 256 * KB) {
		fprintf(stderr, "rlimits: [stack] after exec is %lu bytes\n", s);
		return 10;
	}
	if (cur_of(RLIMIT_STACK) != 256 * KB)
		return 11;	/* exec keeps the limits */
	dig(512 * KB);
	return 12;
}

/* The limit raised after exec: the stack grows past its size at exec. */
static int mode_stack_grow(void)
{
	if (set_lim(RLIMIT_STACK, 4 * MB, RLIM_INFINITY))
		return 10;
	if (dig(2 * MB) < 0)
		return 11;
	return stack_vma() >= 2 * MB ? 0 : 12;
}

/* ... unless RLIMIT_AS forbids the growth. */
static int mode_stack_grow_as(void)
{
	if (set_lim(RLIMIT_STACK, 4 * MB, RLIM_INFINITY))
		return 10;
	if (set_lim(RLIMIT_AS, mapped_total() + 256 * KB, RLIM_INFINITY))
		return 11;
	dig(2 * MB);		/* SIGSEGV */
	return 12;
}

static int as_child(void)
{
	/* a hole of 24 MiB to place mappings in with MAP_FIXED */
	char *a = mmap(NULL, 24 * MB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || munmap(a, 24 * MB))
		return 2;
	unsigned long base = mapped_total();
	if (set_lim(RLIMIT_AS, base + 8 * MB, RLIM_INFINITY))
		return 2;
	if (mmap(a, 4 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != a)
		return 3;
	errno = 0;
	if (mmap(NULL, 8 * MB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED ||
	    errno != ENOMEM)
		return 4;
	/* MAP_FIXED over a's own pages counts them once */
	if (mmap(a, 4 * MB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != a)
		return 5;
	/* MAP_FIXED that would pass the limit fails and leaves a mapped */
	if (mprotect(a, 4 * MB, PROT_READ | PROT_WRITE))
		return 6;
	a[100] = 7;
	errno = 0;
	if (mmap(a, 16 * MB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
	    MAP_FAILED || errno != ENOMEM || a[100] != 7)
		return 7;
	errno = 0;
	if (mremap(a, 4 * MB, 64 * MB, MREMAP_MAYMOVE) != MAP_FAILED || errno != ENOMEM)
		return 8;
	/* raw brk: musl's sbrk refuses any increment by itself */
	unsigned long brk0 = syscall(SYS_brk, 0);
	if (syscall(SYS_brk, brk0 + 16 * MB) != (long)brk0)
		return 9;	/* refused: the break stays */
	if (syscall(SYS_brk, brk0 + 64 * KB) != (long)(brk0 + 64 * KB))
		return 10;	/* within the limit */
	if (munmap(a, 4 * MB))
		return 11;
	if (mmap(NULL, 6 * MB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
		return 12;	/* freed room is usable again */
	/* fork inherits, and the child's own map counts */
	pid_t pid = fork();
	if (pid == 0)
		_exit(cur_of(RLIMIT_AS) != base + 8 * MB ||
		      mmap(NULL, 8 * MB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED);
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 13;
	if (set_lim(RLIMIT_AS, RLIM_INFINITY, RLIM_INFINITY))
		return 14;
	if (mmap(NULL, 64 * MB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
		return 15;
	return 0;
}

static int nproc_child(void)
{
	int p[2];
	if (pipe(p) || setresuid(1000, 1000, 1000))
		return 2;
	if (set_lim(RLIMIT_NPROC, 1, 1))
		return 3;
	errno = 0;
	if (fork() != -1 || errno != EAGAIN)
		return 4;
	if (set_lim(RLIMIT_NPROC, 2, 2) == 0)
		return 5;	/* the hard limit cannot come back up */
	return 0;
}

static int nproc_two(void)
{
	int p[2];
	if (pipe(p) || setresuid(1001, 1001, 1001) || set_lim(RLIMIT_NPROC, 2, 2))
		return 2;
	pid_t kid = fork();
	if (kid == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);	/* lives until the parent is done */
		_exit(0);
	}
	if (kid < 0)
		return 3;	/* one more is allowed */
	errno = 0;
	pid_t third = fork();
	if (third == 0)
		_exit(0);
	int bad = third != -1 || errno != EAGAIN;
	close(p[1]);
	if (bad)
		return 4;
	/* exited but not reaped: a zombie still counts, as in Linux */
	char path[64], st[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)kid);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(st, 1, sizeof(st) - 1, f) : 0;
		if (f)
			fclose(f);
		st[n] = 0;
		char *r = strrchr(st, ')');
		if (r && r[1] == ' ' && r[2] == 'Z')
			break;
		usleep(10000);
	}
	errno = 0;
	third = fork();
	if (third == 0)
		_exit(0);
	if (third != -1 || errno != EAGAIN)
		return 6;
	waitpid(kid, NULL, 0);
	/* the child is gone: room again */
	pid_t again = fork();
	if (again == 0)
		_exit(0);
	if (again < 0)
		return 5;
	waitpid(again, NULL, 0);
	return 0;
}

/* root is exempt */
static int nproc_root(void)
{
	if (set_lim(RLIMIT_NPROC, 1, 1))
		return 2;
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return 3;
	waitpid(pid, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		if (!strcmp(argv[1], "stack-small"))
			return mode_stack_small();
		if (!strcmp(argv[1], "stack-grow"))
			return mode_stack_grow();
		if (!strcmp(argv[1], "stack-grow-as"))
			return mode_stack_grow_as();
		return 98;
	}
	check_errors();
	int rc;
	CHECK((rc = in_child(user_limits)) == 0);
	if (rc)
		fprintf(stderr, "rlimits: user_limits %d\n", rc);
	CHECK((rc = in_child(nofile_child)) == 0);
	if (rc)
		fprintf(stderr, "rlimits: nofile %d\n", rc);
	CHECK((rc = in_child(stack_lowered)) == 128 + SIGSEGV);
	if (rc != 128 + SIGSEGV)
		fprintf(stderr, "rlimits: stack_lowered %d\n", rc);
	CHECK((rc = in_child(stack_exec_small)) == 128 + SIGSEGV);
	if (rc != 128 + SIGSEGV)
		fprintf(stderr, "rlimits: stack_exec_small %d\n", rc);
	CHECK((rc = in_child(stack_exec_grow)) == 0);
	if (rc)
		fprintf(stderr, "rlimits: stack_exec_grow %d\n", rc);
	CHECK((rc = in_child(stack_exec_grow_as)) == 128 + SIGSEGV);
	if (rc != 128 + SIGSEGV)
		fprintf(stderr, "rlimits: stack_exec_grow_as %d\n", rc);
	CHECK((rc = in_child(as_child)) == 0);
	if (rc)
		fprintf(stderr, "rlimits: as %d\n", rc);
	CHECK((rc = in_child(nproc_child)) == 0);
	if (rc)
		fprintf(stderr, "rlimits: nproc %d\n", rc);
	CHECK((rc = in_child(nproc_two)) == 0);
	if (rc)
		fprintf(stderr, "rlimits: nproc_two %d\n", rc);
	CHECK((rc = in_child(nproc_root)) == 0);
	if (rc)
		fprintf(stderr, "rlimits: nproc_root %d\n", rc);
	if (!failures)
		fprintf(stderr, "rlimits: ok\n");
	return check_done();
}
