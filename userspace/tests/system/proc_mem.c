#define _GNU_SOURCE
/*
 * /proc/<pid>/mem and /proc/<pid>/auxv, what debuggers read (gdb finds a
 * PIE's load address in auxv and reads and writes the tracee through
 * mem). From the attacker's side:
 *  - auxv is the vector exec gave us (AT_PHDR, AT_ENTRY, AT_PAGESZ as
 *    getauxval says), pairs of 8-byte words ending in AT_NULL;
 *  - mem reads and writes our variables; writes into our own read-only
 *    text (a private copy, as ptrace's POKETEXT); refuses a read-only
 *    shared file mapping and leaves the file alone; a hole is EIO, a
 *    read running into one is short; past user memory is EIO;
 *  - another user may open neither (EACCES), nor read root's maps or
 *    environ (its cmdline, yes);
 *  - an fd opened before the process exec'd or exited reads as end of
 *    file after it (it never reaches the new program);
 *  - a thread unmapping and remapping a region while another reads it
 *    through mem: data, short or EIO, never a crash;
 *  - a child's maps and memory are there as soon as fork returns, before
 *    it first runs (parent and child pinned to one CPU);
 *  - reading untouched anonymous memory (mem, process_vm_readv) reads
 *    zeros and allocates nothing: a reader cannot make a process with a
 *    large reserved mapping take that memory.
 */
#include <elf.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define TEST_NAME "proc_mem"
#include "check.h"

static volatile long target = 1234;

static void test_auxv(void)
{
	uint64_t v[256];
	int fd = open("/proc/self/auxv", O_RDONLY);
	CHECK(fd >= 0);
	ssize_t n = read(fd, v, sizeof(v));
	close(fd);
	CHECK(n > 0 && n % 16 == 0);
	size_t k = n > 0 ? (size_t)n / 8 : 0;
	int seen = 0, ended = 0;
	for (size_t i = 0; i + 1 < k; i += 2) {
		if (v[i] == AT_NULL) {
			ended = 1;
			break;
		}
		if (v[i] == AT_PHDR || v[i] == AT_ENTRY || v[i] == AT_PAGESZ) {
			CHECK(v[i + 1] == getauxval(v[i]));
			seen++;
		}
	}
	CHECK(seen == 3 && ended);
}

static int mem_fd(pid_t pid, int flags)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	return open(path, flags);
}

static void test_self(void)
{
	int fd = mem_fd(getpid(), O_RDWR);
	long got = 0, put = 5678;
	CHECK(fd >= 0);
	CHECK(pread(fd, &got, sizeof(got), (off_t)(uintptr_t)&target) == sizeof(got) && got == 1234);
	CHECK(pwrite(fd, &put, sizeof(put), (off_t)(uintptr_t)&target) == sizeof(put) && target == 5678);

	/* our own text is read-only: the write goes to a private copy, as
	 * POKETEXT does (the same bytes back: nothing changes) */
	unsigned char code[16];
	off_t fn = (off_t)(uintptr_t)&test_auxv;
	CHECK(pread(fd, code, sizeof(code), fn) == sizeof(code));
	CHECK(pwrite(fd, code, sizeof(code), fn) == sizeof(code));

	/* a read-only shared file mapping: refused, the file unchanged */
	int ff = open("/tmp/proc_mem_file", O_CREAT | O_RDWR | O_TRUNC, 0600);
	CHECK(ff >= 0 && write(ff, "original", 8) == 8);
	char *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ff, 0);
	CHECK(m != MAP_FAILED);
	errno = 0;
	CHECK(pwrite(fd, "EVIL", 4, (off_t)(uintptr_t)m) == -1 && errno == EIO);
	char back[9] = "";
	CHECK(pread(ff, back, 8, 0) == 8 && !memcmp(back, "original", 8));
	munmap(m, 4096);
	close(ff);
	unlink("/tmp/proc_mem_file");

	/* a hole: EIO; a read running into one: short */
	char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(two != MAP_FAILED);
	munmap(two + 4096, 4096);
	static char buf[8192];
	errno = 0;
	CHECK(pread(fd, buf, 16, (off_t)(uintptr_t)(two + 4096)) == -1 && errno == EIO);
	CHECK(pread(fd, buf, 8192, (off_t)(uintptr_t)two) == 4096);
	munmap(two, 4096);
	/* past user memory, and a negative offset */
	errno = 0;
	CHECK(pread(fd, buf, 16, (off_t)0x800000000000LL) == -1 && errno == EIO);
	errno = 0;
	CHECK(pread(fd, buf, 16, -4096) == -1 && errno == EINVAL);
	CHECK(pread(fd, buf, 0, (off_t)(uintptr_t)&target) == 0);
	close(fd);
}

static void test_other_user(void)
{
	pid_t parent = getpid();
	pid_t c = fork();
	if (c == 0) {
		if (setuid(65534))
			_exit(2);
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/auxv", (int)parent);
		int a = open(path, O_RDONLY);
		int m = mem_fd(parent, O_RDONLY);
		if (!(a < 0 && m < 0 && errno == EACCES))
			_exit(1);
		/* where root's memory lies and its environment: refused as
		 * Linux refuses them (PTRACE_MODE_READ); its cmdline is
		 * everyone's */
		char buf[256];
		snprintf(path, sizeof(path), "/proc/%d/maps", (int)parent);
		if (read_str(path, buf, sizeof(buf)) >= 0 || errno != EACCES)
			_exit(3);
		snprintf(path, sizeof(path), "/proc/%d/environ", (int)parent);
		if (read_str(path, buf, sizeof(buf)) >= 0)
			_exit(4);
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)parent);
		_exit(read_str(path, buf, sizeof(buf)) > 0 ? 0 : 5);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A child that says it runs, waits for a byte, then execs (go = 'e') or
 * exits. (Until a new child first runs, its /proc files show no address
 * space: mem is ENOENT.) */
static pid_t waiting_child(int *go)
{
	int p[2], up[2];
	if (pipe(p) || pipe(up))
		return -1;
	pid_t c = fork();
	if (c == 0) {
		char how = 0;
		close(p[1]);
		close(up[0]);
		(void)!write(up[1], "r", 1);
		(void)!read(p[0], &how, 1);
		if (how == 'e')
			execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(0);
	}
	close(p[0]);
	close(up[1]);
	char r;
	(void)!read(up[0], &r, 1);
	close(up[0]);
	*go = p[1];
	return c;
}

static void test_exec_exit(void)
{
	for (int k = 0; k < 2; k++) {
		int go = -1;
		pid_t c = waiting_child(&go);
		CHECK(c > 0);
		int fd = mem_fd(c, O_RDONLY);
		long got = 0;
		CHECK(fd >= 0);
		/* the child is our copy: the same variable at the same place */
		CHECK(pread(fd, &got, sizeof(got), (off_t)(uintptr_t)&target) == sizeof(got) &&
		      got == target);
		char how = k == 0 ? 'e' : 'x';
		CHECK(write(go, &how, 1) == 1);
		close(go);
		if (k == 0) {	/* until /proc/<c>/exe names sleep */
			char path[64], exe[256];
			snprintf(path, sizeof(path), "/proc/%d/exe", (int)c);
			for (int i = 0; i < 500; i++) {
				ssize_t n = readlink(path, exe, sizeof(exe) - 1);
				exe[n > 0 ? n : 0] = '\0';
				if (strstr(exe, "sleep") || strstr(exe, "busybox"))
					break;
				usleep(10000);
			}
		} else {
			CHECK(waitpid(c, NULL, 0) == c);
		}
		CHECK(pread(fd, &got, sizeof(got), (off_t)(uintptr_t)&target) == 0);
		close(fd);
		if (k == 0) {
			kill(c, SIGKILL);
			waitpid(c, NULL, 0);
		}
	}
}

static atomic_int stop;
static char *volatile region;

static void *remapper(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		char *r = region;
		munmap(r, 16384);
		mmap(r, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	}
	return NULL;
}

static void test_race(void)
{
	region = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(region != MAP_FAILED);
	int fd = mem_fd(getpid(), O_RDWR);
	CHECK(fd >= 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, remapper, NULL) == 0);
	static char buf[16384];
	int odd = 0;
	for (int i = 0; i < 2000; i++) {
		ssize_t n = i % 2 ? pread(fd, buf, sizeof(buf), (off_t)(uintptr_t)region)
				  : pwrite(fd, buf, sizeof(buf), (off_t)(uintptr_t)region);
		if (!(n >= 0 || errno == EIO))
			odd++;
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	CHECK(odd == 0);
	close(fd);
}

/* Pinned to one CPU, the parent runs on after fork until it sleeps. */
static void test_child_before_it_runs(void)
{
	cpu_set_t one, old;
	int empty = 0, rounds = 0;
	char path[64], buf[4096];

	CHECK(sched_getaffinity(0, sizeof(old), &old) == 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	CHECK(sched_setaffinity(0, sizeof(one), &one) == 0);
	for (int i = 0; i < 50; i++, rounds++) {
		/* The child waits for us, so a parent preempted before it looks
		 * (a timer tick, a slow host) still finds it alive: that child
		 * has run and the round proves nothing, but it cannot fail. */
		int go[2];
		CHECK(pipe(go) == 0);
		pid_t c = fork();
		if (c == 0) {
			char x;
			close(go[1]);
			_exit(read(go[0], &x, 1) < 0);
		}
		close(go[0]);
		snprintf(path, sizeof(path), "/proc/%d/maps", c);
		ssize_t n = read_str(path, buf, sizeof(buf));
		long got = 0;
		int fd = mem_fd(c, O_RDONLY);
		if (fd >= 0) {
			long v;
			got = pread(fd, &v, sizeof(v), (off_t)(uintptr_t)&target) == sizeof(v) &&
			      v == target;
			close(fd);
		}
		empty += n <= 0 || !strstr(buf, "[stack]") || !got;
		close(go[1]);
		waitpid(c, NULL, 0);
	}
	sched_setaffinity(0, sizeof(old), &old);
	if (empty)
		printf("# %d of %d new children showed no memory in /proc\n", empty, rounds);
	CHECK(empty == 0);
}

static long rss_kb(void)
{
	char buf[4096], *at;

	if (read_str("/proc/self/status", buf, sizeof(buf)) < 0 || !(at = strstr(buf, "VmRSS:")))
		return -1;
	return atol(at + 6);
}

static void test_zero_reads(void)
{
	enum { LEN = 64 << 20 };
	static char buf[1 << 16];
	char *m = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = mem_fd(getpid(), O_RDONLY);
	long before = rss_kb(), nonzero = 0;

	CHECK(m != MAP_FAILED && fd >= 0 && before > 0);
	for (size_t off = 0; off < LEN; off += sizeof(buf)) {
		ssize_t n = off < LEN / 2 ?
			pread(fd, buf, sizeof(buf), (off_t)(uintptr_t)(m + off)) :
			process_vm_readv(getpid(), &(struct iovec){ buf, sizeof(buf) }, 1,
					 &(struct iovec){ m + off, sizeof(buf) }, 1, 0);
		if (n != sizeof(buf)) {
			CHECK(n == sizeof(buf));
			break;
		}
		for (size_t i = 0; i < sizeof(buf); i++)
			nonzero += buf[i] != 0;
	}
	long after = rss_kb();
	if (after - before > 4096)
		printf("# reading 64 MiB of untouched memory took %ld KiB\n", after - before);
	CHECK(nonzero == 0);
	CHECK(after - before <= 4096);
	/* and the program's own first write still finds a page of its own */
	m[LEN - 1] = 7;
	CHECK(pread(fd, buf, 1, (off_t)(uintptr_t)(m + LEN - 1)) == 1 && buf[0] == 7);
	close(fd);
	munmap(m, LEN);
}

int main(void)
{
	test_auxv();
	test_self();
	test_other_user();
	test_exec_exit();
	test_race();
	test_zero_reads();
	test_child_before_it_runs();
	return check_done();
}
