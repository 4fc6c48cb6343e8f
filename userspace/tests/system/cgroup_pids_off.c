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
	CHECK(write_str(M "/cgroup.subtree_control", "+pids") == 0);
	CHECK(mkdir(M "/pd", 0755) == 0);
	CHECK(write_str(M "/pd/pids.max", "1") == 0);
	CHECK(write_str(M "/pd/cgroup.procs", "0") == 0);
	CHECK(try_fork() == EAGAIN);		/* the limit holds while enabled */
	CHECK(write_str(M "/cgroup.subtree_control", "-pids") == 0);
	CHECK(access(M "/pd/pids.max", F_OK) == -1 && errno == ENOENT);
	int e = try_fork();
	if (e)
		fprintf(stderr, TEST_NAME ": pids disabled, fork still refused\n");
	CHECK(e == 0);
	CHECK(write_str(M "/cgroup.subtree_control", "+pids") == 0);
	CHECK(read_str(M "/pd/pids.max", buf, sizeof(buf)) > 0);
	if (strcmp(buf, "max\n"))
		fprintf(stderr, TEST_NAME ": re-enabled pids.max reads %s", buf);
	CHECK(strcmp(buf, "max\n") == 0);
	CHECK(write_str(M "/cgroup.procs", "0") == 0);
	CHECK(rmdir(M "/pd") == 0);
	CHECK(write_str(M "/cgroup.subtree_control", "-pids") == 0);
	CHECK(umount(M) == 0);
	return check_done();
}
