#define _GNU_SOURCE
/*
 * pids.max outlives its controller (review of the cgroup merge, 96f8d8d).
 * A group's pids.max is kept in struct cgroup and pids_over() checks it
 * on every ancestor whether or not the parent still enables "pids":
 * after "-pids" the file is gone (ENOENT) but its limit still refuses
 * forks (EAGAIN), and "+pids" again shows the old value, not "max".
 * Linux drops the controller's state with it: forks succeed, a fresh
 * pids.max reads "max".
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "cgroup_pids_off"
#include "check.h"

#define M "/tmp/cgpo"

static int put(const char *path, const char *s)
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

static int get(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return (int)n;
}

/* errno of a fork (0: it forked and the child exited) */
static int try_fork(void)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return errno;
	waitpid(pid, NULL, 0);
	return 0;
}

int main(void)
{
	char buf[64];

	mkdir(M, 0755);
	CHECK(mount("cgroup2", M, "cgroup2", 0, NULL) == 0);
	CHECK(put(M "/cgroup.subtree_control", "+pids") == 0);
	CHECK(mkdir(M "/pd", 0755) == 0);
	CHECK(put(M "/pd/pids.max", "1") == 0);
	CHECK(put(M "/pd/cgroup.procs", "0") == 0);
	CHECK(try_fork() == EAGAIN);		/* the limit holds while enabled */
	CHECK(put(M "/cgroup.subtree_control", "-pids") == 0);
	CHECK(access(M "/pd/pids.max", F_OK) == -1 && errno == ENOENT);
	int e = try_fork();
	if (e)
		fprintf(stderr, TEST_NAME ": pids disabled, fork still refused\n");
	CHECK(e == 0);
	CHECK(put(M "/cgroup.subtree_control", "+pids") == 0);
	CHECK(get(M "/pd/pids.max", buf, sizeof(buf)) > 0);
	if (strcmp(buf, "max\n"))
		fprintf(stderr, TEST_NAME ": re-enabled pids.max reads %s", buf);
	CHECK(strcmp(buf, "max\n") == 0);
	CHECK(put(M "/cgroup.procs", "0") == 0);
	CHECK(rmdir(M "/pd") == 0);
	CHECK(put(M "/cgroup.subtree_control", "-pids") == 0);
	CHECK(umount(M) == 0);
	return check_done();
}
