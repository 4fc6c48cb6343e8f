#define _GNU_SOURCE
/* rv_vfork_parent: clone(CLONE_PARENT | CLONE_VFORK) must return once the
 * child exits (Linux's vfork_done is the caller's); and a process must
 * stay killable while it waits. */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "thr_vfork_parent"
#include "check.h"

/* SIGKILLs pid, then waits up to 5 s for it; 1 if it died. */
static int kill_and_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	for (int i = 0; i < 50; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 1;
		usleep(100000);
	}
	return 0;
}

static int state_of(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f))
		return '?';
	fclose(f);
	char *p = strrchr(buf, ')');
	return p ? p[2] : '?';
}

int main(void)
{
	pid_t c = fork();
	if (c == 0) {
		long r = syscall(SYS_clone, CLONE_PARENT | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(0);	/* the sibling: done at once */
		_exit(r > 0 ? 7 : 8);
	}
	int st = -1, done = 0;
	for (int i = 0; i < 30 && !done; i++) {	/* 3 s */
		usleep(100000);
		done = waitpid(c, &st, WNOHANG) == c;
	}
	printf("# %s 1 - clone(CLONE_PARENT|CLONE_VFORK) returns when the child exits (st %#x, state %c)\n",
	       done && WIFEXITED(st) && WEXITSTATUS(st) == 7 ? "ok" : "not ok", st, done ? 'Z' : state_of(c));
	CHECK(done && WIFEXITED(st) && WEXITSTATUS(st) == 7);
	if (!done) {
		int dead = kill_and_reap(c);
		printf("# %s 2 - and SIGKILL ends the stuck caller\n", dead ? "ok" : "not ok");
		CHECK(dead);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;

	/* vfork whose child stops itself: the parent must still die by SIGKILL */
	c = fork();
	if (c == 0) {
		pid_t v = vfork();
		if (v == 0) {
			raise(SIGSTOP);
			_exit(0);
		}
		_exit(0);
	}
	usleep(300000);
	int dead = kill_and_reap(c);
	printf("# %s 3 - SIGKILL ends a vfork parent whose child is stopped (state %c)\n",
	       dead ? "ok" : "not ok", dead ? 'Z' : state_of(c));
	CHECK(dead);
	/* the stopped grandchild is orphaned: init may keep it; kill it by pgrp? */
	return check_done();
}
