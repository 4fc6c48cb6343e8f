/*
 * What the system tests share: CHECK(cond) reports a failed condition
 * with the line, the expression and errno by name, and counts it; a test
 * ends with `return check_done();` (exit status 1 if anything failed).
 * Define TEST_NAME before including this.
 */
#ifndef SYSTEST_CHECK_H
#define SYSTEST_CHECK_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef TEST_NAME
#error "define TEST_NAME before including check.h"
#endif

static int failures;

static const char *errname(int e)
{
	switch (e) {
	case 0: return "none";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case EBADF: return "EBADF";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case ENOTBLK: return "ENOTBLK";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENODEV: return "ENODEV";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ESPIPE: return "ESPIPE";
	case EROFS: return "EROFS";
	case EMLINK: return "EMLINK";
	case ERANGE: return "ERANGE";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOSYS: return "ENOSYS";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ELOOP: return "ELOOP";
	case EOVERFLOW: return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EUCLEAN: return "EUCLEAN";
	case ESTALE: return "ESTALE";
	case EBADR: return "EBADR";
	default: return "?";
	}
}

/* The first failed check of a run, in the file the runner names in
 * $TESTFAIL: it puts that on the test's "not ok" line, so a summary that
 * shows only result lines (CI's) still says which check failed. The
 * first writer wins, forked children included. */
static inline void check_note_failure(int line, const char *cond, int e)
{
	static bool noted;
	const char *path = getenv("TESTFAIL");

	if (noted || !path)
		return;
	noted = true;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dprintf(fd, "line %d: %.120s (errno %s)\n", line, cond, errname(e));
		close(fd);
	}
}

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			int e_ = errno;					\
			fprintf(stderr, TEST_NAME ": line %d: check failed: %s (errno %d %s)\n", \
				__LINE__, #cond, e_, errname(e_));	\
			check_note_failure(__LINE__, #cond, e_);	\
			failures++;					\
		}							\
	} while (0)

/* A /proc/meminfo line's value in bytes ("MemFree", "KernelHeap"); -1 if
 * there is no such line. */
static inline long long meminfo(const char *key)
{
	char line[256];
	long long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atoll(line + n + 1) * 1024;
	if (f)
		fclose(f);
	return v;
}

/* A number from a /proc or /sys file (its first line); -1 if it cannot
 * be read. */
static inline long read_num(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* Writes "v\n" to a /proc or /sys file in one write; 0, or -1 with errno. */
static inline int write_num(const char *path, long v)
{
	char buf[32];
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	int len = snprintf(buf, sizeof(buf), "%ld\n", v);
	ssize_t n = write(fd, buf, (size_t)len);
	int e = errno;
	close(fd);
	errno = e;
	return n == len ? 0 : -1;
}

/* Writes s to a /proc, /sys or cgroup file in one write; 0, or -1 with
 * errno. */
static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* One read of such a file into buf, NUL-terminated; its length or -1. */
static inline ssize_t read_str(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* Copies the file from to a new file to, then gives it mode (set-ID
 * bits too); 0, or -1 with errno. */
static inline int copy_file(const char *from, const char *to, mode_t mode)
{
	static char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_CREAT | O_WRONLY | O_TRUNC, 0700);
	ssize_t n = -1;
	if (in >= 0 && out >= 0)
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n) {
				n = -1;
				break;
			}
	int e = errno;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	errno = e;
	return in < 0 || out < 0 || n < 0 ? -1 : chmod(to, mode);
}

/* Where the suite's programs are: $TESTDIR, else argv0's directory. */
static inline void test_dir(const char *argv0, char *dir, size_t cap)
{
	const char *d = getenv("TESTDIR");
	snprintf(dir, cap, "%s", d && *d ? d : argv0);
	if (d && *d)
		return;
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, cap, ".");
}

/*
 * Runs argv with envp (NULL: this process's environment), its stdout
 * (and stderr too with both) into out, NUL-terminated; returns the wait
 * status, -1 if it could not be run. A failed execve exits 100 + errno
 * (errno & 63).
 */
static inline int run_capture(char *const argv[], char *const envp[], bool both, char *out,
			      size_t cap)
{
	int p[2];
	if (pipe(p))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		if (both)
			dup2(p[1], 2);
		close(p[0]);
		if (envp)
			execve(argv[0], argv, envp);
		else
			execv(argv[0], argv);
		_exit(100 + (errno & 63));
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	while (n < cap - 1 && (r = read(p[0], out + n, cap - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

static inline int check_done(void)
{
	if (failures)
		fprintf(stderr, TEST_NAME ": %d checks failed\n", failures);
	return failures ? 1 : 0;
}

#endif
