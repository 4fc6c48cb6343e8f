#define _GNU_SOURCE
/*
 * orphan_pgrp: a process group that becomes orphaned while one of its
 * members is stopped gets SIGHUP and then SIGCONT (POSIX; Linux's
 * kill_orphaned_pgrp), or that member stays stopped for ever: a job
 * stopped with ^Z whose shell dies. Alloy left it in state T with its
 * memory (the fuzzer found one in 3 of 9 runs).
 *
 * A "shell" child starts a job in a group of its own, waits until the
 * job has stopped itself, and then
 *  - exits: a job with SIGHUP's default action dies (its end of a pipe
 *    closes), one that catches SIGHUP is continued and says so;
 *  - or calls setsid(), which also leaves the job's group with no parent
 *    in another group of its session (Alloy applies the rule there too;
 *    Linux does only at exit, see docs/architecture.md).
 * Each case waits at most 10 s for the job's word. And SIGTSTP, SIGTTIN
 * and SIGTTOU with their default action are discarded in an orphaned
 * group (POSIX, Linux): nobody would ever continue the process.
 */
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#define TEST_NAME "orphan_pgrp"
#include "check.h"

static volatile sig_atomic_t got_hup;

static void on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

/* The job: stops itself; if it runs again it writes 'h' (SIGHUP came
 * first) or 'n' to fd. */
static void job(int fd, bool catch_hup)
{
	if (catch_hup)
		signal(SIGHUP, on_hup);
	setpgid(0, 0);
	raise(SIGSTOP);
	char c = got_hup ? 'h' : 'n';
	write(fd, &c, 1);
	_exit(0);
}

/* The shell: the job in its own group, stopped; then the shell goes
 * (exit) or leaves the session (setsid). */
static void shell(int fd, bool catch_hup, bool by_setsid)
{
	pid_t j = fork();
	if (j == 0)
		job(fd, catch_hup);
	close(fd);
	if (j < 0)
		_exit(2);
	setpgid(j, j);
	int st;
	if (waitpid(j, &st, WUNTRACED) != j || !WIFSTOPPED(st))
		_exit(3);
	if (by_setsid && setsid() < 0)
		_exit(4);
	_exit(0);
}

/* What the job said: 'h', 'n', 0 (it died: EOF), or -1 (nothing in 10 s). */
static int run_case(bool catch_hup, bool by_setsid)
{
	int p[2];
	if (pipe(p))
		return -2;
	pid_t s = fork();
	if (s == 0) {
		close(p[0]);
		shell(p[1], catch_hup, by_setsid);
	}
	close(p[1]);
	int st;
	CHECK(s > 0 && waitpid(s, &st, 0) == s && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct pollfd pf = { .fd = p[0], .events = POLLIN };
	int r = -1;
	if (poll(&pf, 1, 10000) == 1) {
		char c;
		r = read(p[0], &c, 1) == 1 ? c : 0;
	}
	close(p[0]);
	return r;
}

int main(void)
{
	int r = run_case(false, false);
	printf("# shell exits, job takes SIGHUP's default: %d\n", r);
	CHECK(r == 0);		/* killed by SIGHUP: its end of the pipe closed */
	r = run_case(true, false);
	printf("# shell exits, job catches SIGHUP: '%c'\n", r > 0 ? r : '?');
	CHECK(r == 'h');	/* SIGHUP, then SIGCONT */
	r = run_case(true, true);
	printf("# shell calls setsid, job catches SIGHUP: '%c'\n", r > 0 ? r : '?');
	CHECK(r == 'h');

	/* In an orphaned group the terminal's stop signals (default action)
	 * are discarded: nobody could continue the process. A session
	 * leader's own group is orphaned. */
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		setsid();
		raise(SIGTSTP);
		raise(SIGTTIN);
		raise(SIGTTOU);
		write(p[1], "r", 1);
		_exit(0);
	}
	close(p[1]);
	struct pollfd pf = { .fd = p[0], .events = POLLIN };
	char ch = 0;
	CHECK(poll(&pf, 1, 10000) == 1 && read(p[0], &ch, 1) == 1 && ch == 'r');
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	close(p[0]);
	return check_done();
}
