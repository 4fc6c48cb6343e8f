#define _GNU_SOURCE
/*
 * cow: copy-on-write after fork().
 *
 *  1. A 4 MiB malloc'd buffer, an initialised global (.data) array, a .bss
 *     array and a stack array are filled with a pattern, then fork(). The
 *     child checks it inherited the pattern, writes its own values to every
 *     word, tells the parent; the parent checks it still sees the original,
 *     writes its own different values, tells the child; each side then checks
 *     it sees only its own writes. The child's exit status reports its
 *     checks; the parent checks again after reaping it.
 *  2. Anonymous mmap pages never touched before fork(): the child writes
 *     them while the parent still sees zeros (and vice versa); pages only the
 *     child ever wrote are zero in the parent after the child has exited.
 *  3. A chain of 20 processes, each forking the next: each checks the big
 *     shared pattern is intact, checks a per-level buffer holds its parent's
 *     value, overwrites it with its own, and after its child exits checks
 *     its own value is still there.
 *
 * Exits 0 if everything passed, 1 otherwise.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>

#define PAGE 4096
#define WPP (PAGE / 8)		/* 64-bit words per page */

static int failures;
static const char *who = "parent";

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			int e_ = errno;					\
			fprintf(stderr, "cow: line %d: %s: check failed: %s (errno %d %s)\n", \
				__LINE__, who, #cond, e_, strerror(e_));	\
			failures++;					\
		}							\
	} while (0)

#define CHECKF(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "cow: line %d: %s: ", __LINE__, who); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			failures++;					\
		}							\
	} while (0)

/* Initialised so that it lives in .data (a file-backed private mapping). */
static uint64_t gdata[8192] = { [0 ... 8191] = 0x1111111111111111ULL };
/* Zero-initialised: .bss */
static uint64_t gbss[16384];
/* Per-level buffer for the fork chain. */
static uint64_t chainbuf[16 * WPP];

struct region {
	const char *name;
	volatile uint64_t *p;
	size_t words;
};

static uint64_t pat(size_t i, uint64_t seed)
{
	uint64_t x = (uint64_t)i * 0x9e3779b97f4a7c15ULL ^ seed;
	return x ^ (x >> 29);
}

static void fill(const struct region *r, uint64_t seed)
{
	for (size_t i = 0; i < r->words; i++)
		r->p[i] = pat(i, seed);
}

/* Returns the number of mismatching words; reports the first few pages. */
static size_t verify(int line, const struct region *r, uint64_t seed, const char *what)
{
	size_t bad = 0;
	long last_page = -1;
	int reported = 0;

	for (size_t i = 0; i < r->words; i++) {
		uint64_t want = pat(i, seed), got = r->p[i];
		if (got == want)
			continue;
		bad++;
		long page = (long)(i / WPP);
		if (page != last_page && reported < 4) {
			fprintf(stderr, "cow: line %d: %s: %s %s page %ld word %zu: expected 0x%llx, got 0x%llx\n",
				line, who, what, r->name, page, i % WPP,
				(unsigned long long)want, (unsigned long long)got);
			reported++;
		}
		last_page = page;
	}
	if (bad) {
		fprintf(stderr, "cow: line %d: %s: %s %s: %zu of %zu words wrong\n",
			line, who, what, r->name, bad, r->words);
		failures++;
	}
	return bad;
}

static size_t verify_byte(int line, const char *name, volatile unsigned char *p, size_t len,
			  unsigned char want, const char *what)
{
	size_t bad = 0;
	int reported = 0;
	long last_page = -1;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == want)
			continue;
		bad++;
		long page = (long)(i / PAGE);
		if (page != last_page && reported < 4) {
			fprintf(stderr, "cow: line %d: %s: %s %s page %ld offset %zu: expected 0x%02x, got 0x%02x\n",
				line, who, what, name, page, i % PAGE, want, p[i]);
			reported++;
		}
		last_page = page;
	}
	if (bad) {
		fprintf(stderr, "cow: line %d: %s: %s %s: %zu of %zu bytes wrong\n",
			line, who, what, name, bad, len);
		failures++;
	}
	return bad;
}

static void put(int fd)
{
	char c = 'x';
	CHECK(write(fd, &c, 1) == 1);
}

static void get(int fd)
{
	char c;
	ssize_t r;

	while ((r = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	CHECK(r == 1);
}

static int reap(pid_t pid)
{
	int st = 0;
	pid_t r;

	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r != pid) {
		CHECKF(0, "waitpid(%d) returned %d (%s)", (int)pid, (int)r, strerror(errno));
		return -1;
	}
	return st;
}

#define SEED_ORIG   0x5555555555555555ULL
#define SEED_CHILD  0xaaaaaaaaaaaaaaaaULL
#define SEED_PARENT 0x3333333333333333ULL

static void basic_cow(struct region *regs, int nregs)
{
	int c2p[2], p2c[2];

	for (int i = 0; i < nregs; i++)
		fill(&regs[i], SEED_ORIG ^ (uint64_t)i);
	CHECK(pipe(c2p) == 0 && pipe(p2c) == 0);

	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid < 0)
		return;
	if (pid == 0) {
		who = "child";
		for (int i = 0; i < nregs; i++)
			verify(__LINE__, &regs[i], SEED_ORIG ^ (uint64_t)i, "inherited");
		for (int i = 0; i < nregs; i++)
			fill(&regs[i], SEED_CHILD ^ (uint64_t)i);
		for (int i = 0; i < nregs; i++)
			verify(__LINE__, &regs[i], SEED_CHILD ^ (uint64_t)i, "own write");
		put(c2p[1]);
		get(p2c[0]);	/* the parent has written its values now */
		for (int i = 0; i < nregs; i++)
			verify(__LINE__, &regs[i], SEED_CHILD ^ (uint64_t)i, "after parent wrote");
		_exit(failures ? 1 : 0);
	}

	get(c2p[0]);		/* the child has written its values now */
	for (int i = 0; i < nregs; i++)
		verify(__LINE__, &regs[i], SEED_ORIG ^ (uint64_t)i, "after child wrote");
	for (int i = 0; i < nregs; i++)
		fill(&regs[i], SEED_PARENT ^ (uint64_t)i);
	for (int i = 0; i < nregs; i++)
		verify(__LINE__, &regs[i], SEED_PARENT ^ (uint64_t)i, "own write");
	put(p2c[1]);
	int st = reap(pid);
	CHECKF(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "basic child: status 0x%x, expected exit 0 (1: child's checks failed)", st);
	for (int i = 0; i < nregs; i++)
		verify(__LINE__, &regs[i], SEED_PARENT ^ (uint64_t)i, "after child exited");
	close(c2p[0]);
	close(c2p[1]);
	close(p2c[0]);
	close(p2c[1]);
}

static void untouched(void)
{
	enum { NP = 32 };
	size_t len = NP * PAGE;
	unsigned char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *b = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED && b != MAP_FAILED);
	if (a == MAP_FAILED || b == MAP_FAILED)
		return;
	int c2p[2], p2c[2];
	CHECK(pipe(c2p) == 0 && pipe(p2c) == 0);

	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid < 0)
		return;
	if (pid == 0) {
		who = "child";
		/* a: the child is the first to touch it, by writing. */
		memset(a, 0xff, len);
		verify_byte(__LINE__, "untouched mmap A", a, len, 0xff, "own write");
		/* b: the child writes it; the parent reads it only after we exit. */
		memset(b, 0xee, len);
		verify_byte(__LINE__, "untouched mmap B", b, len, 0xee, "own write");
		put(c2p[1]);
		get(p2c[0]);
		verify_byte(__LINE__, "untouched mmap A", a, len, 0xff, "after parent wrote");
		verify_byte(__LINE__, "untouched mmap B", b, len, 0xee, "after parent wrote");
		_exit(failures ? 1 : 0);
	}
	get(c2p[0]);
	verify_byte(__LINE__, "untouched mmap A", a, len, 0x00, "after child wrote");
	memset(a, 0x77, len);
	verify_byte(__LINE__, "untouched mmap A", a, len, 0x77, "own write");
	put(p2c[1]);
	int st = reap(pid);
	CHECKF(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "untouched-page child: status 0x%x, expected exit 0", st);
	verify_byte(__LINE__, "untouched mmap A", a, len, 0x77, "after child exited");
	verify_byte(__LINE__, "untouched mmap B", b, len, 0x00, "after child exited");

	/* And the other way round: only the parent writes after fork. */
	unsigned char *c = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(c != MAP_FAILED);
	if (c != MAP_FAILED) {
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			who = "child";
			get(p2c[0]);
			verify_byte(__LINE__, "untouched mmap C", c, len, 0x00, "after parent wrote");
			_exit(failures ? 1 : 0);
		}
		memset(c, 0x42, len);
		put(p2c[1]);
		st = reap(pid);
		CHECKF(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		       "untouched-page child C: status 0x%x, expected exit 0", st);
		verify_byte(__LINE__, "untouched mmap C", c, len, 0x42, "after child exited");
		munmap(c, len);
	}
	munmap(a, len);
	munmap(b, len);
	close(c2p[0]);
	close(c2p[1]);
	close(p2c[0]);
	close(p2c[1]);
}

#define DEPTH 20

static void chain(const struct region *shared, int nshared)
{
	struct region lvl = { "chain level buffer", chainbuf, sizeof(chainbuf) / 8 };
	int depth = 0;

	fill(&lvl, 1000);
	for (;;) {
		if (depth == DEPTH)
			_exit(failures ? depth : 0);
		pid_t pid = fork();
		if (pid < 0) {
			CHECKF(0, "fork at depth %d failed: %s", depth, strerror(errno));
			if (depth == 0)
				return;
			_exit(depth);
		}
		if (pid == 0) {
			static char name[32];
			depth++;
			snprintf(name, sizeof(name), "chain depth %d", depth);
			who = name;
			for (int i = 0; i < nshared; i++)
				verify(__LINE__, &shared[i], SEED_PARENT ^ (uint64_t)i, "shared pattern");
			verify(__LINE__, &lvl, 1000 + (uint64_t)depth - 1, "parent's level value");
			fill(&lvl, 1000 + (uint64_t)depth);
			if (failures)
				_exit(depth);
			continue;
		}
		int st = reap(pid);
		verify(__LINE__, &lvl, 1000 + (uint64_t)depth, "own level value after child exit");
		for (int i = 0; i < nshared; i++)
			verify(__LINE__, &shared[i], SEED_PARENT ^ (uint64_t)i, "shared pattern after child exit");
		int child_ok = st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (depth == 0) {
			CHECKF(child_ok, "fork chain: status 0x%x (exit code = first failing depth)", st);
			return;
		}
		if (!child_ok)
			_exit(st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : depth);
		_exit(failures ? depth : 0);
	}
}

/* Three sharers: the parent and two children share a page; one child
 * writes it and exits; the other child and the parent must still see the
 * original (the copy must happen whenever the page is shared, not only
 * when exactly two processes share it). */
static char siblings_buf[4 * 4096];

static void siblings(void)
{
	int go[2];
	int st;

	memset(siblings_buf, 'o', sizeof(siblings_buf));
	if (pipe(go))
		return;
	pid_t b = fork();
	if (b == 0) {
		char c;
		read(go[0], &c, 1);	/* until the writer is done */
		for (size_t i = 0; i < sizeof(siblings_buf); i++)
			if (siblings_buf[i] != 'o')
				_exit(1);
		_exit(0);
	}
	pid_t a = fork();
	if (a == 0) {
		memset(siblings_buf, 'A', sizeof(siblings_buf));
		_exit(0);
	}
	waitpid(a, &st, 0);
	write(go[1], "x", 1);
	waitpid(b, &st, 0);
	CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a sibling saw the other child's write");
	CHECKF(siblings_buf[0] == 'o' && siblings_buf[sizeof(siblings_buf) - 1] == 'o',
	       "the parent saw a child's write");
	close(go[0]);
	close(go[1]);
}

int main(void)
{
	size_t heap_len = 4u << 20;
	uint64_t *heap = malloc(heap_len);
	uint64_t stackbuf[8192];	/* 64 KiB */

	CHECK(heap != NULL);
	if (!heap)
		return 1;

	struct region regs[] = {
		{ "heap", heap, heap_len / 8 },
		{ "global .data", gdata, sizeof(gdata) / 8 },
		{ "global .bss", gbss, sizeof(gbss) / 8 },
		{ "stack", stackbuf, sizeof(stackbuf) / 8 },
	};
	int nregs = (int)(sizeof(regs) / sizeof(regs[0]));

	for (size_t i = 0; i < sizeof(gdata) / 8; i++)
		if (gdata[i] != 0x1111111111111111ULL) {
			CHECKF(0, "initialised .data word %zu: expected 0x1111111111111111, got 0x%llx",
			       i, (unsigned long long)gdata[i]);
			break;
		}
	for (size_t i = 0; i < sizeof(gbss) / 8; i++)
		if (gbss[i] != 0) {
			CHECKF(0, ".bss word %zu: expected 0, got 0x%llx", i, (unsigned long long)gbss[i]);
			break;
		}

	basic_cow(regs, nregs);
	untouched();
	chain(regs, 3);		/* heap, .data, .bss */
	siblings();

	/* Nothing may be left over. */
	errno = 0;
	CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);

	if (failures) {
		fprintf(stderr, "cow: %d check(s) failed\n", failures);
		return 1;
	}
	printf("cow: ok\n");
	return 0;
}
