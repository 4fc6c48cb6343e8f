#define _GNU_SOURCE
/*
 * pgrp: process groups and sessions.
 *
 *  - getpgrp() == getpgid(0) == getpgid(getpid()); getsid(0) == getsid(getpid());
 *  - a child starts in the parent's group and session; after it calls
 *    setpgid(0, 0) the parent sees getpgid(child) == child;
 *  - setpgid(child, child) from the parent; getpgid/setpgid of a missing pid
 *    -> ESRCH;
 *  - setsid() in a child that is not a group leader makes it a session and
 *    group leader (getsid(0) == getpgrp() == getpid(), parent sees it too);
 *  - setsid() in a process-group leader -> EPERM;
 *  - kill(-pgid, SIGTERM) kills all 3 members of a group and neither the
 *    parent nor a child outside the group.
 *
 * Exits 0 if everything passed, 1 otherwise.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>

static int failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			int e_ = errno;					\
			fprintf(stderr, "pgrp: line %d: check failed: %s (errno %d %s)\n", \
				__LINE__, #cond, e_, strerror(e_));	\
			failures++;					\
		}							\
	} while (0)

#define CHECKF(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "pgrp: line %d: ", __LINE__);	\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			failures++;					\
		}							\
	} while (0)

/* In a child: report a failed check through the exit code. */
#define CCHECK(cond, code)						\
	do {								\
		if (!(cond)) {						\
			int e_ = errno;					\
			fprintf(stderr, "pgrp: line %d: child: check failed: %s (errno %d %s)\n", \
				__LINE__, #cond, e_, strerror(e_));	\
			_exit(code);					\
		}							\
	} while (0)

static int reap(pid_t pid)
{
	int st = 0;
	pid_t r;

	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r != pid) {
		CHECKF(0, "waitpid(%d) returned %d (%s)", (int)pid, (int)r, strerror(errno));
		return -1;
	}
	return st;
}

static void put(int fd)
{
	char c = 'x';
	if (write(fd, &c, 1) != 1)
		fprintf(stderr, "pgrp: write to pipe failed: %s\n", strerror(errno));
}

/* Returns 1 on a byte, 0 on EOF/error. */
static int get(int fd)
{
	char c;
	ssize_t r;

	while ((r = read(fd, &c, 1)) < 0 && errno == EINTR)
		;
	return r == 1;
}

static void basics(void)
{
	pid_t pg = getpgrp();

	/* 0 is possible: the session/group of a child of a PID 1 that never
	 * called setsid()/setpgid(). */
	CHECK(pg >= 0);
	CHECK(getpgid(0) == pg);
	CHECK(getpgid(getpid()) == pg);
	pid_t sid = getsid(0);
	CHECK(sid >= 0);
	CHECK(getsid(getpid()) == sid);
	if (pg == getpid()) {
		/* We are a group leader (the runner puts each test in its own
		 * group): setsid() is refused. */
		errno = 0;
		CHECK(setsid() == -1 && errno == EPERM);
		CHECK(getsid(0) == sid);
	}
}

static void child_setpgid(void)
{
	pid_t mypg = getpgrp(), mysid = getsid(0);
	int p2c[2], c2p[2];

	CHECK(pipe(p2c) == 0 && pipe(c2p) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid < 0)
		return;
	if (pid == 0) {
		close(p2c[1]);
		close(c2p[0]);
		CCHECK(getpgrp() == mypg, 2);
		CCHECK(getsid(0) == mysid, 3);
		CCHECK(get(p2c[0]), 4);
		CCHECK(setpgid(0, 0) == 0, 5);
		CCHECK(getpgrp() == getpid(), 6);
		CCHECK(getpgid(0) == getpid(), 7);
		CCHECK(getsid(0) == mysid, 8);	/* same session */
		put(c2p[1]);
		get(p2c[0]);	/* stay alive until the parent has looked */
		_exit(0);
	}
	close(p2c[0]);
	close(c2p[1]);
	CHECKF(getpgid(pid) == mypg, "new child's pgid %d, expected the parent's %d",
	       (int)getpgid(pid), (int)mypg);
	CHECK(getsid(pid) == mysid);
	put(p2c[1]);
	CHECK(get(c2p[0]));
	CHECKF(getpgid(pid) == pid, "after setpgid(0,0) in the child: getpgid(child) = %d, expected %d",
	       (int)getpgid(pid), (int)pid);
	CHECK(getpgrp() == mypg);	/* the parent did not move */
	put(p2c[1]);
	int st = reap(pid);
	CHECKF(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "setpgid child: status 0x%x (exit code = failing check)", st);
	close(p2c[1]);
	close(c2p[0]);

	/* setpgid(child, child) done by the parent. */
	int p[2];
	CHECK(pipe(p) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		get(p[0]);
		_exit(getpgrp() == getpid() ? 0 : 1);
	}
	close(p[0]);
	CHECK(setpgid(pid, pid) == 0);
	CHECK(getpgid(pid) == pid);
	if (mypg > 0) {
		/* and back into our group */
		CHECK(setpgid(pid, mypg) == 0);
		CHECK(getpgid(pid) == mypg);
	}
	CHECK(setpgid(pid, 0) == 0);	/* 0: pgid = pid */
	CHECK(getpgid(pid) == pid);
	close(p[1]);
	st = reap(pid);
	CHECKF(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "parent-moved child: status 0x%x (1: child's getpgrp() != its pid)", st);

	/* A reaped child is gone. */
	errno = 0;
	CHECK(getpgid(pid) == -1 && errno == ESRCH);
	errno = 0;
	CHECK(setpgid(pid, pid) == -1 && errno == ESRCH);
	errno = 0;
	CHECK(getsid(pid) == -1 && errno == ESRCH);
	errno = 0;
	CHECK(setpgid(0, -1) == -1 && errno == EINVAL);
}

static void sessions(void)
{
	pid_t mysid = getsid(0);

	/* setsid in a child that is not a group leader. */
	int c2p[2], p2c[2];
	CHECK(pipe(c2p) == 0 && pipe(p2c) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(c2p[0]);
		close(p2c[1]);
		CCHECK(getpgrp() != getpid(), 2);	/* not a group leader yet */
		pid_t s = setsid();
		CCHECK(s == getpid(), 3);
		CCHECK(getsid(0) == getpid(), 4);
		CCHECK(getpgrp() == getpid(), 5);
		CCHECK(getpgid(0) == getpid(), 6);
		/* now a group (and session) leader: a second setsid fails */
		errno = 0;
		CCHECK(setsid() == -1 && errno == EPERM, 7);
		/* cannot move into a group of another session */
		errno = 0;
		CCHECK(setpgid(0, getpgid(getppid())) == -1 && errno == EPERM, 8);
		put(c2p[1]);
		get(p2c[0]);
		_exit(0);
	}
	close(c2p[1]);
	close(p2c[0]);
	CHECK(get(c2p[0]));
	CHECKF(getsid(pid) == pid, "getsid(child) after its setsid(): %d, expected %d",
	       (int)getsid(pid), (int)pid);
	CHECKF(getpgid(pid) == pid, "getpgid(child) after its setsid(): %d, expected %d",
	       (int)getpgid(pid), (int)pid);
	CHECK(getsid(0) == mysid);
	/* A process in another session cannot be moved by us. */
	errno = 0;
	CHECK(setpgid(pid, getpgrp()) == -1 && errno == EPERM);
	put(p2c[1]);
	int st = reap(pid);
	CHECKF(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "setsid child: status 0x%x (exit code = failing check)", st);
	close(c2p[0]);
	close(p2c[1]);

	/* setsid in a process-group leader. */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		CCHECK(setpgid(0, 0) == 0, 2);
		CCHECK(getpgrp() == getpid(), 3);
		errno = 0;
		CCHECK(setsid() == -1 && errno == EPERM, 4);
		CCHECK(getsid(0) == mysid, 5);	/* unchanged */
		_exit(0);
	}
	st = reap(pid);
	CHECKF(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "setsid-in-leader child: status 0x%x (exit code = failing check)", st);
}

static void group_kill(void)
{
	int p[2], ready[2];
	pid_t kids[3], outsider;
	pid_t pg = 0;

	CHECK(pipe(p) == 0 && pipe(ready) == 0);
	for (int i = 0; i < 3; i++) {
		pid_t pid = fork();
		CHECK(pid >= 0);
		if (pid < 0) {
			kids[i] = 0;
			continue;
		}
		if (pid == 0) {
			close(p[1]);
			close(ready[0]);
			signal(SIGTERM, SIG_DFL);
			/* Both sides set the group so there is no race. */
			if (setpgid(0, i == 0 ? 0 : pg) != 0) {
				fprintf(stderr, "pgrp: child %d: setpgid failed: %s\n", i, strerror(errno));
				_exit(10 + i);
			}
			put(ready[1]);
			get(p[0]);	/* blocks until killed */
			_exit(20 + i);
		}
		kids[i] = pid;
		if (i == 0)
			pg = pid;
		CHECKF(setpgid(pid, pg) == 0, "parent setpgid(%d, %d): %s", (int)pid, (int)pg,
		       strerror(errno));
	}
	outsider = fork();
	CHECK(outsider >= 0);
	if (outsider == 0) {
		close(p[1]);
		close(ready[0]);
		put(ready[1]);
		get(p[0]);	/* EOF when the parent closes the pipe */
		_exit(33);
	}
	close(p[0]);
	close(ready[1]);
	for (int i = 0; i < 4; i++)
		CHECK(get(ready[0]));
	for (int i = 0; i < 3; i++)
		CHECKF(getpgid(kids[i]) == pg, "group member %d: pgid %d, expected %d",
		       i, (int)getpgid(kids[i]), (int)pg);
	CHECK(getpgid(outsider) == getpgrp());
	CHECK(getpgrp() != pg);

	CHECK(kill(-pg, SIGTERM) == 0);
	for (int i = 0; i < 3; i++) {
		int st = reap(kids[i]);
		CHECKF(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
		       "group member %d: status 0x%x, expected killed by SIGTERM", i, st);
	}
	/* The outsider is still alive and exits normally once released. */
	int st = -1;
	CHECKF(waitpid(outsider, &st, WNOHANG) == 0, "process outside the group is gone (status 0x%x)", st);
	close(p[1]);
	st = reap(outsider);
	CHECKF(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 33,
	       "process outside the group: status 0x%x, expected exit 33", st);
	close(ready[0]);

	/* The group is now empty. */
	errno = 0;
	CHECK(kill(-pg, 0) == -1 && errno == ESRCH);
}

int main(void)
{
	signal(SIGTERM, SIG_DFL);

	basics();
	child_setpgid();
	sessions();
	group_kill();

	errno = 0;
	CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);

	if (failures) {
		fprintf(stderr, "pgrp: %d check(s) failed\n", failures);
		return 1;
	}
	printf("pgrp: ok\n");
	return 0;
}
