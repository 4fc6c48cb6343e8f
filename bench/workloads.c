/*
 * workloads.c: whole-workload rows of make bench. Each operation is real
 * work done by busybox's programs (the host's static /bin/busybox, the
 * same binary on both kernels), started through /bin/sh; full paths make
 * the shell fork and exec each program rather than run it in-process.
 * Sizes shrink with --quick (make test's smoke run). docs/bench.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define CMD_MAX 8192

/* /bin/sh -c script, in the background; the child's pid or -1. */
static pid_t start_sh(const char *script)
{
	pid_t p = fork();

	if (p == 0) {
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	return p;
}

/* The shell's exit status, or -1 (fail() says which step). */
static int wait_sh(pid_t p, const char *what)
{
	int st;

	if (p < 0 || waitpid(p, &st, 0) != p)
		return fail(what), -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		errno = WIFEXITED(st) ? ECHILD : EINTR;
		char why[160];
		snprintf(why, sizeof why, "%s (status %#x)", what, st);
		return fail(why), -1;
	}
	return 0;
}

static int run_sh(const char *script, const char *what)
{
	return wait_sh(start_sh(script), what);
}

/* ---- configure_2000: what a configure script does most: short
 * programs one after the other, their output read back by the shell.
 * Four programs (test, sed, grep, expr) per round, 500 rounds. */
static double w_configure_once(int rounds)
{
	char s[CMD_MAX];

	snprintf(s, sizeof s,
		 "i=0\n"
		 "while [ $i -lt %d ]; do\n"
		 "  /usr/bin/test -d /tmp || exit 1\n"
		 "  x=$(echo \"checking for feature$i\" | /bin/sed 's/feature/have_/')\n"
		 "  echo \"$x\" | /bin/grep -q have_ || exit 2\n"
		 "  i=$(/usr/bin/expr $i + 1)\n"
		 "done\n", rounds);
	double t = now();
	if (run_sh(s, "configure script") < 0)
		return -1;
	return now() - t;
}

double w_configure(long n)
{
	double sum = 0;

	for (long i = 0; i < n; i++) {
		double t = w_configure_once(quick ? 25 : 500);
		if (t < 0)
			return -1;
		sum += t;
	}
	return sum;
}

/* ---- tar_sha_rm: unpack a source tree, checksum every file, delete it.
 * The tarball is made once, untimed: 10 000 files of 1 to 9 KiB (50 MB)
 * of text-like bytes in 100 directories, gzipped by busybox. */
static int tarball_ready;

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 32);
}

static int write_text_file(const char *path, size_t size)
{
	static const char *words[] = { "int ", "return ", "static ", "struct ", "if (",
				       "0;\n", "buf", "len", ") {\n", "}\n", "for (", "i++",
				       "const ", "char *", "NULL", " = ", "->", ", ", "\t", "err" };
	char b[9 * 1024];
	size_t n = 0;

	while (n < size && n < sizeof b) {
		const char *w = words[next_rand() % (sizeof words / sizeof words[0])];
		for (; *w && n < size; w++)
			b[n++] = *w;
	}
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0)
		return fail(path), -1;
	ssize_t w = write(fd, b, n);
	close(fd);
	if (w != (ssize_t)n)
		return fail("write"), -1;
	return 0;
}

static int make_tarball(void)
{
	int files = quick ? 200 : 10000, dirs = quick ? 4 : 100;
	char p[CMD_MAX];

	snprintf(p, sizeof p, "rm -rf '%s/wl-src' '%s/wl.tgz' '%s/wl'", dir, dir, dir);
	if (run_sh(p, "clean") < 0)
		return -1;
	snprintf(p, sizeof p, "%s/wl-src", dir);
	if (mkdir(p, 0755) < 0)
		return fail(p), -1;
	for (int d = 0; d < dirs; d++) {
		snprintf(p, sizeof p, "%s/wl-src/d%02d", dir, d);
		if (mkdir(p, 0755) < 0)
			return fail(p), -1;
	}
	for (int i = 0; i < files; i++) {
		snprintf(p, sizeof p, "%s/wl-src/d%02d/f%05d.c", dir, i % dirs, i);
		if (write_text_file(p, (size_t)(i % 9 + 1) * 1024) < 0)
			return -1;
	}
	snprintf(p, sizeof p, "cd '%s' && /bin/tar czf wl.tgz wl-src && /bin/rm -rf wl-src", dir);
	if (run_sh(p, "making the tarball") < 0)
		return -1;
	tarball_ready = 1;
	return 0;
}

double w_tar_sha_rm(long n)
{
	static char tnote[64];
	char s[CMD_MAX];
	struct stat st;

	if (!tarball_ready && make_tarball() < 0)
		return -1;
	snprintf(s, sizeof s, "%s/wl.tgz", dir);
	if (stat(s, &st) == 0) {
		snprintf(tnote, sizeof tnote, "files=%d,tgz=%lldKiB", quick ? 200 : 10000,
			 (long long)st.st_size / 1024);
		note = tnote;
	}
	snprintf(s, sizeof s,
		 "cd '%s' && /bin/mkdir wl && cd wl && /bin/tar xzf ../wl.tgz && "
		 "/usr/bin/find . -type f | /usr/bin/xargs /usr/bin/sha256sum > /dev/null && "
		 "cd .. && /bin/rm -rf wl", dir);
	double t = now();
	for (long i = 0; i < n; i++)
		if (run_sh(s, "tar/sha256sum/rm") < 0)
			return -1;
	return now() - t;
}

/* ---- parallel_build: two jobs at once, each running 500 "compilers"
 * (sed over a 4 KiB source into an object file on the ext2 disk): a
 * make -j2 of short processes. */
double w_parallel_build(long n)
{
	int per_job = quick ? 20 : 500;
	char s[2][CMD_MAX], src[CMD_MAX];

	snprintf(src, sizeof src, "%s/pb-src.c", dir);
	if (write_text_file(src, 4096) < 0)
		return -1;
	for (int j = 0; j < 2; j++)
		snprintf(s[j], sizeof s[j],
			 "cd '%s' && i=0 && while [ $i -lt %d ]; do "
			 "/bin/sed 's/static/extern/g' pb-src.c > pb-obj%d.o || exit 1; "
			 "i=$((i + 1)); done", dir, per_job, j);
	double t = now();
	for (long i = 0; i < n; i++) {
		pid_t a = start_sh(s[0]), b = start_sh(s[1]);
		int ra = wait_sh(a, "job 1"), rb = wait_sh(b, "job 2");
		if (ra < 0 || rb < 0)
			return -1;
	}
	t = now() - t;
	for (int j = 0; j < 2; j++) {
		snprintf(src, sizeof src, "%s/pb-obj%d.o", dir, j);
		unlink(src);
	}
	snprintf(src, sizeof src, "%s/pb-src.c", dir);
	unlink(src);
	return t;
}

/* ---- memory */
static long long meminfo_kb(const char *key)
{
	char line[256];
	long long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atoll(line + n + 1);
	if (f)
		fclose(f);
	return v;
}

static long long boot_free_kb = -1;

void w_note_boot_memory(void)
{
	boot_free_kb = meminfo_kb("MemFree");
}

double w_boot_free_mib(long n)
{
	(void)n;
	if (boot_free_kb < 0)
		return errno = ENOENT, fail("/proc/meminfo MemFree"), -1;
	return boot_free_kb / 1024.0;
}

/* Is pid asleep in a program named comm (its exec done)? */
static int sleeping_in(pid_t pid, const char *comm)
{
	char p[64], st[256];
	snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t k = read(fd, st, sizeof st - 1);
	close(fd);
	if (k <= 0)
		return 0;
	st[k] = 0;
	char *l = strchr(st, '('), *r = strrchr(st, ')');
	return l && r && r[1] == ' ' && r[2] == 'S' && (size_t)(r - l - 1) == strlen(comm) &&
	       !strncmp(l + 1, comm, strlen(comm));
}

/* MemFree before and after starting 500 `sleep` processes, over 500: the
 * memory an idle process costs the system (kernel objects, page tables,
 * its few private pages). */
double w_idle_process_kb(long n)
{
	enum { N = 500 };	/* many: per-CPU page lists hide some pages */
	int count = quick ? 8 : N;
	pid_t kids[N];
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	(void)n;
	sync();
	nanosleep(&tick, NULL);
	long long before = meminfo_kb("MemFree");
	for (int i = 0; i < count; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			execl("/bin/sleep", "sleep", "1000", (char *)NULL);
			_exit(127);
		}
		if (kids[i] < 0) {
			fail("fork");
			count = i;
			break;
		}
	}
	int asleep = 0;
	for (int tries = 0; tries < 1000 && asleep < count; tries++) {
		asleep = 0;
		for (int i = 0; i < count; i++)
			asleep += sleeping_in(kids[i], "sleep");
		if (asleep < count)
			nanosleep(&tick, NULL);
	}
	long long after = meminfo_kb("MemFree");
	for (int i = 0; i < count; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < count; i++)
		waitpid(kids[i], NULL, 0);
	if (count < (quick ? 8 : N))
		return -1;
	if (asleep < count)
		return errno = ETIMEDOUT, fail("the sleep processes did not all start"), -1;
	if (before < 0 || after < 0)
		return errno = ENOENT, fail("/proc/meminfo MemFree"), -1;
	return (double)(before - after) / count;
}
