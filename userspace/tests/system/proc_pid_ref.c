/*
 * An open /proc/<pid>/... file or directory names the process it was
 * opened for, not its pid number: after that process is reaped and its
 * pid reused, writes to the old oom_score_adj fd and reads of the old
 * stat fd fail with ESRCH, the old directory fd is no pidfd of the new
 * process (pidfd_send_signal: ESRCH) and lookups in it fail; the new
 * process is untouched.
 */
#define _GNU_SOURCE
#define TEST_NAME "proc_pid_ref"
#include "check.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>

static long sysctl_rw(const char *path, long v)
{
	char buf[32] = "";
	int fd = open(path, O_RDWR);
	long old = -1;
	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		old = atol(buf);
	if (v >= 0) {
		int n = snprintf(buf, sizeof(buf), "%ld\n", v);
		lseek(fd, 0, SEEK_SET);
		if (write(fd, buf, n) != n)
			old = -1;
	}
	close(fd);
	return old;
}

static pid_t sleeper(int *wr)
{
	int p[2];
	if (pipe(p))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	*wr = p[1];
	return pid;
}

int main(void)
{
	long pid_max = sysctl_rw("/proc/sys/kernel/pid_max", 301);
	CHECK(pid_max > 301);
	int wa, wb = -1;
	pid_t a = sleeper(&wa);
	CHECK(a > 0 && a < 301);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", a);
	int adj = open(path, O_RDWR);
	snprintf(path, sizeof(path), "/proc/%d/stat", a);
	int st = open(path, O_RDONLY);
	snprintf(path, sizeof(path), "/proc/%d", a);
	int dir = open(path, O_RDONLY | O_DIRECTORY);
	CHECK(adj >= 0 && st >= 0 && dir >= 0);
	CHECK(write(adj, "500", 3) == 3);
	char buf[512];
	CHECK(read(st, buf, sizeof(buf)) > 0 && atoi(buf) == a);

	close(wa);
	CHECK(waitpid(a, NULL, 0) == a);	/* reaped: its pid is free */

	/* a new process with a's pid */
	pid_t b = -1;
	for (int i = 0; i < 2 * 301 && b != a; i++) {
		int w;
		b = sleeper(&w);
		if (b < 0)
			break;
		if (b != a) {
			close(w);
			waitpid(b, NULL, 0);
		} else {
			wb = w;
		}
	}
	CHECK(b == a);
	if (b == a) {
		errno = 0;
		CHECK(pwrite(adj, "-17", 3, 0) == -1 && errno == ESRCH);
		errno = 0;
		CHECK(pread(st, buf, sizeof(buf), 0) == -1 && errno == ESRCH);
		errno = 0;
		CHECK(syscall(SYS_pidfd_send_signal, dir, SIGKILL, NULL, 0) == -1 && errno == ESRCH);
		errno = 0;
		CHECK(openat(dir, "status", O_RDONLY) == -1 && errno == ENOENT);
		/* b is untouched, and fresh opens see it */
		snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", b);
		int nadj = open(path, O_RDONLY);
		memset(buf, 0, sizeof(buf));
		CHECK(nadj >= 0 && read(nadj, buf, sizeof(buf)) > 0 && atoi(buf) == 0);
		close(nadj);
		CHECK(kill(b, 0) == 0);
		close(wb);
		CHECK(waitpid(b, NULL, 0) == b);
	}
	close(adj);
	close(st);
	close(dir);
	CHECK(sysctl_rw("/proc/sys/kernel/pid_max", pid_max) == 301);
	if (!failures)
		printf(TEST_NAME ": ok\n");
	return check_done();
}
