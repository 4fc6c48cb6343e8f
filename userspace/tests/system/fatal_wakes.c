/*
 * A signal that will kill the process (default action "terminate", not
 * blocked, not caught) ends the waits that only a fatal signal ends, as
 * SIGKILL does: Linux turns it into a group kill when it is sent. Here a
 * vfork parent, which sleeps until its child execs or exits, is sent
 * SIGTERM while the child pauses: it must die of SIGTERM now, not when
 * the child goes. A caught SIGTERM and a blocked one must not kill it.
 */
#define _GNU_SOURCE
#define TEST_NAME "fatal_wakes"
#include "check.h"

#include <signal.h>
#include <time.h>

/* P vforks a child that reports its pid and pauses; P is what dies. */
static pid_t start_vfork_parent(int pfd[2], int mode)
{
	pid_t p = fork();
	if (p == 0) {
		close(pfd[0]);
		if (mode == 1) {
			signal(SIGTERM, SIG_IGN);	/* ignored: no effect */
		} else if (mode == 2) {
			sigset_t s;
			sigemptyset(&s);
			sigaddset(&s, SIGTERM);
			sigprocmask(SIG_BLOCK, &s, NULL);
		}
		pid_t c = vfork();
		if (c == 0) {
			pid_t me = getpid();
			write(pfd[1], &me, sizeof(me));
			pause();
			_exit(0);
		}
		_exit(7);	/* after the child has gone */
	}
	return p;
}

/* The status of p if it ends within ms milliseconds, else -1. */
static int ended_within(pid_t p, int ms)
{
	int st;
	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(p, &st, WNOHANG) == p)
			return st;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return -1;
}

static void one(int mode)
{
	int pfd[2];
	CHECK(pipe(pfd) == 0);
	pid_t p = start_vfork_parent(pfd, mode);
	close(pfd[1]);
	pid_t c = -1;
	CHECK(read(pfd[0], &c, sizeof(c)) == sizeof(c));
	close(pfd[0]);
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	nanosleep(&ts, NULL);	/* P is asleep in vfork by now */
	CHECK(kill(p, SIGTERM) == 0);
	int st = ended_within(p, mode == 0 ? 3000 : 1000);	/* 0: it goes at once */
	if (mode == 0) {
		if (st == -1)
			fprintf(stderr, "fatal_wakes: the vfork parent outlived SIGTERM\n");
		CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	} else {
		CHECK(st == -1);	/* still waiting for its child */
	}
	if (c > 0)
		kill(c, SIGKILL);
	if (st == -1) {
		st = ended_within(p, 10000);
		if (mode == 1)
			CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 7);
		if (st == -1) {
			kill(p, SIGKILL);
			waitpid(p, &st, 0);
		}
	}
}

int main(void)
{
	one(0);		/* default action: dies at once */
	one(1);		/* ignored */
	one(2);		/* blocked: pending, and the parent waits on */
	return check_done();
}
