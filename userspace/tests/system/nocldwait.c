#define _GNU_SOURCE
/*
 * nocldwait: a parent that ignores SIGCHLD (SIG_IGN) or set SA_NOCLDWAIT
 * never gets zombies: its children are reaped as they exit, and a wait
 * for them blocks until the last has gone, then fails with ECHILD
 * (man 2 wait, NOTES). That includes zombies it inherits: an orphan that
 * had already exited when its parent died is reparented to init, and an
 * init that ignores SIGCHLD must see it reaped too (Alloy kept it for
 * ever, a zombie no wait could find because init never waits).
 *
 *  - as any process: for SIG_IGN and SA_NOCLDWAIT, three children that
 *    exit (one late), wait(-1) blocks until all are gone and returns
 *    ECHILD; none of them is left (kill(pid, 0) -> ESRCH);
 *  - run as PID 1 (make test runs it so: `make run APPEND=init=...`, in
 *    scripts/test-cmd.sh), for SIG_IGN and SA_NOCLDWAIT: a child forks a
 *    grandchild that exits, waits until it is a zombie (its SIGCHLD
 *    arrived), then exits; init's wait(-1) must return ECHILD, not the
 *    grandchild. Exiting ends the machine with our status.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "nocldwait"
#include "check.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void ignore_children(int how)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = how ? SIG_DFL : SIG_IGN;
	sa.sa_flags = how ? SA_NOCLDWAIT : 0;
	CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
}

static void restore(void)
{
	signal(SIGCHLD, SIG_DFL);
}

static const char *what(int how)
{
	return how ? "SA_NOCLDWAIT" : "SIG_IGN";
}

static void own_children(int how)
{
	pid_t kids[3];

	ignore_children(how);
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			if (i == 2)
				usleep(100000);
			_exit(i);
		}
		CHECK(kids[i] > 0);
	}
	double t0 = now();
	errno = 0;
	pid_t r = wait(NULL);
	if (r != -1 || errno != ECHILD)
		fprintf(stderr, "nocldwait: %s: wait returned %d (errno %d)\n", what(how),
			(int)r, errno);
	CHECK(r == -1 && errno == ECHILD);
	CHECK(now() - t0 > 0.05);	/* it waited for the late child */
	for (int i = 0; i < 3; i++) {
		errno = 0;
		CHECK(kill(kids[i], 0) == -1 && errno == ESRCH);
	}
	restore();
}

static volatile sig_atomic_t got_chld;

static void on_chld(int sig)
{
	(void)sig;
	got_chld = 1;
}

/* The middle process: leaves a zombie grandchild behind as it exits. */
static void leave_zombie(void)
{
	struct sigaction sa;
	sigset_t block, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid_t g = fork();
	if (g == 0)
		_exit(9);
	while (!got_chld)
		sigsuspend(&old);	/* SIGCHLD: the grandchild is a zombie */
	_exit(g > 0 ? 0 : 1);
}

static void inherited_zombie(int how)
{
	ignore_children(how);
	pid_t mid = fork();
	if (mid == 0)
		leave_zombie();
	CHECK(mid > 0);
	errno = 0;
	pid_t r = wait(NULL);
	if (r != -1 || errno != ECHILD)
		fprintf(stderr, "nocldwait: init with %s: wait returned %d (errno %d): "
			"an inherited zombie was not reaped\n", what(how), (int)r, errno);
	CHECK(r == -1 && errno == ECHILD);
	restore();
}

int main(void)
{
	int init = getpid() == 1;

	if (init && fcntl(2, F_GETFD) < 0) {	/* started with no fds */
		int fd = open("/dev/console", O_RDWR | O_NOCTTY);
		while (fd >= 0 && fd < 2)
			fd = dup(fd);
	}
	/* each step is announced first: as init, a hang is otherwise a
	 * silent machine */
	for (int how = 0; how < 2; how++) {
		printf("# own children, %s\n", what(how));
		fflush(stdout);
		own_children(how);
		if (!init)
			continue;
		printf("# inherited zombie, %s\n", what(how));
		fflush(stdout);
		inherited_zombie(how);
	}
	if (init)
		printf("nocldwait: as init: %s\n", failures ? "FAILED" : "ok");
	fflush(stdout);
	return check_done();
}
