#define _GNU_SOURCE
/*
 * setpgid_exec: a parent may move its child into a process group only
 * until the child has run execve; after that Linux refuses with EACCES
 * (POSIX: "the child has successfully executed one of the exec
 * functions"), so a shell's job control cannot race a program that has
 * started.
 *
 *  - a forked child that has not exec'd: setpgid(child, child) works;
 *  - a child that has exec'd (_exec_helper sleep, which signals through a
 *    pipe once running): setpgid(child, child) and setpgid(child, 0) ->
 *    EACCES, its group unchanged;
 *  - a failed execve does not count: setpgid still works afterwards.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "setpgid_exec"
#include "check.h"

static char helper[PATH_MAX + 32];

static void find_helper(const char *argv0)
{
	char dir[PATH_MAX];

	test_dir(argv0 ? argv0 : ".", dir, sizeof(dir));
	snprintf(helper, sizeof(helper), "%s/_setpgid_helper", dir);
}

static int wait_for(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

static int get(int fd)
{
	char c;
	ssize_t r;

	while ((r = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	return r == 1;
}

int main(int argc, char **argv)
{
	(void)argc;
	find_helper(argv[0]);
	pid_t mypg = getpgrp();

	/* before exec: allowed; a failed execve changes nothing */
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		char *av[] = { "/nonexistent", NULL };
		execve(av[0], av, av + 1);
		char c;
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	usleep(20000);	/* let the child's execve fail first */
	CHECK(setpgid(pid, pid) == 0);
	CHECK(getpgid(pid) == pid);
	close(p[1]);
	int st = wait_for(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* after exec: EACCES */
	int ready[2];
	CHECK(pipe(ready) == 0);
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		char fdarg[16];
		snprintf(fdarg, sizeof(fdarg), "%d", ready[1]);
		char *av[] = { helper, fdarg, NULL };
		char *ev[] = { NULL };
		execve(helper, av, ev);
		_exit(127);
	}
	close(ready[1]);
	CHECK(get(ready[0]));	/* the helper runs: execve is done */
	errno = 0;
	CHECK(setpgid(pid, pid) == -1 && errno == EACCES);
	errno = 0;
	CHECK(setpgid(pid, 0) == -1 && errno == EACCES);
	CHECK(getpgid(pid) == mypg);
	kill(pid, SIGTERM);
	close(ready[0]);
	st = wait_for(pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	return check_done();
}
