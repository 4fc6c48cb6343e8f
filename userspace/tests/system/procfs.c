#define _GNU_SOURCE
/*
 * procfs: /proc as the kernel shows it, checked for sense rather than
 * exact numbers:
 *
 *  - /proc lists our pid; /proc/self and /proc/thread-self-less
 *    readlink give it; status and stat name us with the right pids;
 *  - cmdline of a child started with known arguments (NUL-separated),
 *    read while the child waits, from its own address space;
 *  - maps has [stack] and [heap] and our program; exe is /tests/procfs;
 *    cwd follows chdir;
 *  - fd/ lists an fd opened on a known path, with that path as target;
 *  - meminfo has MemTotal > MemFree and the KernelHeap lines; sysinfo
 *    agrees with MemTotal; mounts lists / and /proc; uptime, loadavg,
 *    stat and cpuinfo parse;
 *  - a pid directory vanishes once its process is reaped, even after it
 *    was looked up (and held open) while the process lived: the dentry
 *    cache must not keep /proc/<pid>;
 *  - a file opened on a process that then exits reads ESRCH (each read
 *    makes the text afresh, as Linux), and opening it again fails;
 *  - an open /proc file holds little memory, and a file read in 7-byte
 *    pieces reads the same as in one;
 *  - 1-byte reads of a 40 KiB maps take time linear in its size.
 */
#define TEST_NAME "procfs"
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

/* Reads a whole small file into buf (NUL-terminated); its length or -1. */
static long slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	long n;

	if (fd < 0)
		return -1;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return (long)len;
}

/* The number after "name" in a "name: value" text, or -1. */
static long long field(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	return p ? strtoll(p + strlen(name), NULL, 10) : -1;
}

static bool dir_has(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while ((e = readdir(d)))
		found |= !strcmp(e->d_name, name);
	closedir(d);
	return found;
}

static char buf[65536];

static void self_files(void)
{
	char path[64], link[256], me[16];
	pid_t pid = getpid();

	snprintf(me, sizeof(me), "%d", pid);
	CHECK(dir_has("/proc", me));
	CHECK(dir_has("/proc", "self"));
	CHECK(dir_has("/proc", "meminfo"));
	ssize_t n = readlink("/proc/self", link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n > 0 ? n : 0] = '\0';
	CHECK(!strcmp(link, me));

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	CHECK(slurp(path, buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "Name:\tprocfs\n") != NULL);
	CHECK(field(buf, "\nPid:") == pid);
	CHECK(field(buf, "\nPPid:") == getppid());
	CHECK(strstr(buf, "State:\tR") != NULL);
	CHECK(field(buf, "\nVmSize:") > 0);
	CHECK(field(buf, "\nVmRSS:") > 0);
	CHECK(field(buf, "\nVmRSS:") <= field(buf, "\nVmSize:"));

	CHECK(slurp("/proc/self/stat", buf, sizeof(buf)) > 0);
	int spid = 0, sppid = 0, fields = 1;
	char comm[32] = "", st = 0;
	CHECK(sscanf(buf, "%d (%31[^)]) %c %d", &spid, comm, &st, &sppid) == 4);
	CHECK(spid == pid && sppid == getppid() && !strcmp(comm, "procfs") && st == 'R');
	for (char *p = buf; *p; p++)
		fields += *p == ' ';
	CHECK(fields == 52);

	CHECK(slurp("/proc/self/maps", buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "[stack]\n") != NULL);
	CHECK(strstr(buf, "/tests/procfs\n") != NULL);
	CHECK(strstr(buf, " r-xp ") != NULL);

	n = readlink("/proc/self/exe", link, sizeof(link) - 1);
	CHECK(n > 0);
	link[n > 0 ? n : 0] = '\0';
	CHECK(!strcmp(link, "/tests/procfs"));
	n = readlink("/proc/self/exe", link, 4);	/* truncated, like Linux */
	CHECK(n == 4 && !memcmp(link, "/tes", 4));

	CHECK(chdir("/dev") == 0);
	n = readlink("/proc/self/cwd", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	CHECK(n > 0 && !strcmp(link, "/dev"));
	CHECK(chdir("/") == 0);

	CHECK(slurp("/proc/self/comm", buf, sizeof(buf)) > 0 && !strcmp(buf, "procfs\n"));
}

static void fd_dir(void)
{
	int fd = open("/dev/null", O_RDONLY), p[2];
	char path[64], name[16], link[256];

	/* high, so opendir's own fd cannot land on it once it is closed */
	CHECK(fd >= 0 && dup2(fd, 40) == 40 && close(fd) == 0 && pipe(p) == 0);
	fd = 40;
	snprintf(name, sizeof(name), "%d", fd);
	CHECK(dir_has("/proc/self/fd", name));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	CHECK(!strcmp(link, "/dev/null"));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	CHECK(!strncmp(link, "pipe:[", 6));
	close(fd);
	CHECK(!dir_has("/proc/self/fd", name));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	CHECK(readlink(path, link, sizeof(link)) < 0 && errno == ENOENT);
	close(p[0]);
	close(p[1]);
}

static void system_files(void)
{
	struct sysinfo si;

	CHECK(slurp("/proc/meminfo", buf, sizeof(buf)) > 0);
	long long total = field(buf, "MemTotal:"), free = field(buf, "MemFree:");
	CHECK(total > 0 && free > 0 && free < total);
	CHECK(field(buf, "\nKernelHeap:") > 0);
	CHECK(field(buf, "\nKernelHeapPeak:") >= field(buf, "\nKernelHeap:"));
	CHECK(field(buf, "\nCached:") >= 0);
	CHECK(sysinfo(&si) == 0);
	CHECK((long long)(si.totalram * si.mem_unit / 1024) == total);
	CHECK(si.procs >= 2 && si.uptime >= 0);

	CHECK(slurp("/proc/mounts", buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, " / ") != NULL);
	CHECK(strstr(buf, "proc /proc proc ") != NULL);
	CHECK(strstr(buf, " /dev ") != NULL);

	double up = -1, idle = -1;
	CHECK(slurp("/proc/uptime", buf, sizeof(buf)) > 0);
	CHECK(sscanf(buf, "%lf %lf", &up, &idle) == 2 && up > 0 && idle >= 0);
	int run = 0, all = 0, last = 0;
	CHECK(slurp("/proc/loadavg", buf, sizeof(buf)) > 0);
	CHECK(sscanf(buf, "%*s %*s %*s %d/%d %d", &run, &all, &last) == 3);
	CHECK(run >= 1 && all >= 2 && last >= getpid());
	CHECK(slurp("/proc/stat", buf, sizeof(buf)) > 0);
	CHECK(!strncmp(buf, "cpu ", 4) && strstr(buf, "\ncpu0 ") && strstr(buf, "\nbtime "));
	CHECK(slurp("/proc/cpuinfo", buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "processor\t: 0\n") && strstr(buf, "\nflags\t\t: "));
	CHECK(strstr(buf, " sse2") != NULL);
	CHECK(slurp("/proc/version", buf, sizeof(buf)) > 0 && !strncmp(buf, "Linux version", 13));

	/* read-only: nothing may be created or removed */
	CHECK(open("/proc/new", O_CREAT | O_WRONLY, 0644) < 0);
	CHECK(unlink("/proc/meminfo") < 0);
	CHECK(mkdir("/proc/1/x", 0755) < 0);
}

/* A child with known arguments: its cmdline, then its pid going away. */
static void child_and_exit(void)
{
	int ready[2], go[2];
	char path[64], dir[32], c;

	CHECK(pipe(ready) == 0 && pipe(go) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		char r[16], g[16];
		snprintf(r, sizeof(r), "%d", ready[1]);
		snprintf(g, sizeof(g), "%d", go[0]);
		close(ready[0]);
		close(go[1]);
		/* the helper mode below: argv[1] == "child" */
		execl("/tests/procfs", "procfs", "child", r, g, "arg with spaces", (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	close(go[0]);
	CHECK(read(ready[0], &c, 1) == 1);	/* it has exec'd */

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	long n = slurp(path, buf, sizeof(buf));
	static const char want[] = "procfs\0child\0";
	CHECK(n > (long)sizeof(want) && !memcmp(buf, want, sizeof(want) - 1));
	CHECK(n > 0 && buf[n - 1] == '\0');
	CHECK(n > 16 && !strcmp(buf + n - 16, "arg with spaces"));
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	bool asleep = false;	/* it may not have reached its read yet */
	for (int k = 0; k < 200 && !asleep; k++) {
		asleep = slurp(path, buf, sizeof(buf)) > 0 && strstr(buf, "State:\tS");
		if (!asleep)
			usleep(10000);
	}
	CHECK(asleep);

	/* Look it up and hold it open across its death. */
	snprintf(dir, sizeof(dir), "%d", pid);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	struct stat st;
	CHECK(stat(path, &st) == 0);
	int held = open(path, O_RDONLY);
	CHECK(held >= 0);
	CHECK(write(go[1], "x", 1) == 1);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status));

	CHECK(!dir_has("/proc", dir));
	snprintf(path, sizeof(path), "/proc/%d", pid);
	CHECK(stat(path, &st) < 0 && errno == ENOENT);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	CHECK(open(path, O_RDONLY) < 0 && errno == ENOENT);
	/* each read makes the text afresh: the process is gone (as Linux) */
	CHECK(read(held, buf, sizeof(buf) - 1) < 0 && errno == ESRCH);
	close(held);
	close(ready[0]);
	close(go[1]);
}

/* Reads fd whole in chunks of `chunk` bytes; the length. */
static size_t read_chunks(int fd, char *buf, size_t cap, size_t chunk)
{
	size_t len = 0;
	ssize_t n;
	while (len < cap && (n = read(fd, buf + len, MIN(chunk, cap - len))) > 0)
		len += (size_t)n;
	return len;
}

/* An open /proc file holds no memory (each used to pin its text, up to
 * 64 KiB), and a file read in small pieces reads the same as in one. */
static void open_files_are_cheap(void)
{
	enum { N = 1000 };
	static int fds[N];
	long long before = meminfo("MemFree");
	int opened = 0;
	for (int i = 0; i < N; i++) {
		fds[i] = open(i % 2 ? "/proc/self/maps" : "/proc/meminfo", O_RDONLY);
		char c;
		if (fds[i] >= 0 && read(fds[i], &c, 1) == 1)	/* started, not finished */
			opened++;
	}
	long long after = meminfo("MemFree");
	printf("# %d open /proc files: MemFree %lld -> %lld KiB\n", opened, before / 1024,
	       after / 1024);
	CHECK(opened == N);
	CHECK(before - after < 2 * 1024 * 1024);	/* was 4.9 MiB */
	for (int i = 0; i < N; i++)
		close(fds[i]);

	static char one[65536], pieces[65536];
	int a = open("/proc/self/maps", O_RDONLY), b = open("/proc/self/maps", O_RDONLY);
	size_t la = read_chunks(a, one, sizeof(one), sizeof(one));
	size_t lb = read_chunks(b, pieces, sizeof(pieces), 7);
	CHECK(la > 100 && la == lb && !memcmp(one, pieces, la));
	close(a);
	close(b);
}

/* Byte-at-a-time reads of a long maps cost about what one read does:
 * each read used to make all the text before it again (quadratic, under
 * the process's mm lock). 600 mappings, about 40 KiB of text. */
static void small_reads_are_linear(void)
{
	enum { N = 600 };
	static char one[128 * 1024], bytes[128 * 1024];
	char *maps[N];
	for (int i = 0; i < N; i++) {	/* alternate rights: no two merge */
		maps[i] = mmap(NULL, 4096, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(maps[i] != MAP_FAILED);
	}
	int a = open("/proc/self/maps", O_RDONLY), b = open("/proc/self/maps", O_RDONLY);
	size_t la = read_chunks(a, one, sizeof(one), sizeof(one));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t lb = read_chunks(b, bytes, sizeof(bytes), 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# maps: %zu bytes read 1 byte at a time in %.2f s\n", lb, secs);
	CHECK(la > 20000 && la == lb && !memcmp(one, bytes, la));
	CHECK(secs < 10);
	close(a);
	close(b);
	for (int i = 0; i < N; i++)
		munmap(maps[i], 4096);

	/* a seek back makes the text afresh: top and free poll this way */
	char u1[64] = { 0 }, u2[64] = { 0 };
	int u = open("/proc/uptime", O_RDONLY);
	CHECK(u >= 0 && read(u, u1, sizeof(u1) - 1) > 0);
	usleep(50000);
	CHECK(lseek(u, 0, SEEK_SET) == 0 && read(u, u2, sizeof(u2) - 1) > 0);
	CHECK(strcmp(u1, u2) != 0);
	close(u);
}

/* /proc/cmdline: the kernel's command line, one line (LTP reads it). */
static void kernel_cmdline(void)
{
	char buf[1024];
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	CHECK(n > 0 && buf[n - 1] == '\n' && memchr(buf, '\n', (size_t)n) == buf + n - 1);
	if (n > 0) {
		buf[n] = '\0';
		CHECK(strlen(buf) == (size_t)n);	/* no NUL inside */
		printf("# /proc/cmdline: %s", buf);
	}
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "child")) {
		char c;
		if (write(atoi(argv[2]), "r", 1) != 1 || read(atoi(argv[3]), &c, 1) != 1)
			return 1;
		return 0;
	}
	self_files();
	kernel_cmdline();
	fd_dir();
	system_files();
	open_files_are_cheap();
	small_reads_are_linear();
	child_and_exit();
	return check_done();
}
