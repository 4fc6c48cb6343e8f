#define _GNU_SOURCE
/*
 * fork_wait: process creation and reaping.
 *
 *  - 1000 sequential fork()s, each child exiting with (i & 0x7f), reaped
 *    alternately with waitpid() and wait4() (with an rusage pointer, whose
 *    utime/stime must come back as valid timevals);
 *  - 50 children alive at the same time, reaped with wait();
 *  - wait4(WNOHANG) on a running child returns 0;
 *  - waitpid() on a non-child and wait() with no children give ECHILD;
 *  - getppid() in the child is the parent's pid;
 *  - a child killed with SIGKILL reports WIFSIGNALED / WTERMSIG == SIGKILL;
 *  - vfork() + _exit(7);
 *  - raw clone(SIGCHLD) behaves like fork().
 *
 * Exits 0 if everything passed, 1 otherwise.
 */
#include <errno.h>
#include <time.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

static int failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			int e_ = errno;					\
			fprintf(stderr, "fork_wait: line %d: check failed: %s (errno %d %s)\n", \
				__LINE__, #cond, e_, strerror(e_));	\
			failures++;					\
		}							\
	} while (0)

#define CHECKF(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fork_wait: line %d: ", __LINE__); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			failures++;					\
		}							\
	} while (0)

/* Block until the pipe's read end sees EOF (or data), then exit. */
static void wait_pipe_and_exit(int rfd, int code)
{
	char c;

	while (read(rfd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(code);
}

static void sequential_forks(void)
{
	pid_t me = getpid();
	int bad = 0;

	for (int i = 0; i < 1000 && bad < 5; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			CHECKF(0, "fork #%d failed: %s", i, strerror(errno));
			bad++;
			break;
		}
		if (pid == 0)
			_exit(i & 0x7f);

		int st = 0;
		pid_t r;
		if (i & 1) {
			struct rusage ru;
			memset(&ru, 0xa5, sizeof(ru));
			r = wait4(pid, &st, 0, &ru);
			/* The kernel filled in a sane struct rusage. */
			if (r == pid && !(ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec >= 0 &&
					  ru.ru_utime.tv_usec < 1000000 && ru.ru_stime.tv_sec >= 0 &&
					  ru.ru_stime.tv_usec >= 0 && ru.ru_stime.tv_usec < 1000000)) {
				CHECKF(0, "child #%d: wait4 rusage not filled in: utime {%ld, %ld} stime {%ld, %ld}",
				       i, (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec,
				       (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec);
				bad++;
			}
		} else {
			r = waitpid(pid, &st, 0);
		}
		if (r != pid) {
			CHECKF(0, "child #%d: wait returned %d, expected %d (errno %s)",
			       i, (int)r, (int)pid, strerror(errno));
			bad++;
			continue;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != (i & 0x7f)) {
			CHECKF(0, "child #%d: status 0x%x, expected exit %d",
			       i, st, i & 0x7f);
			bad++;
		}
	}
	CHECK(getpid() == me);
	errno = 0;
	CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
}

static void many_alive(void)
{
	enum { N = 50 };
	pid_t pids[N];
	int seen[N];
	int p[2];

	CHECK(pipe(p) == 0);
	for (int i = 0; i < N; i++) {
		seen[i] = 0;
		pids[i] = fork();
		if (pids[i] < 0) {
			CHECKF(0, "fork %d of %d alive failed: %s", i, N, strerror(errno));
			pids[i] = 0;
			continue;
		}
		if (pids[i] == 0) {
			close(p[1]);
			wait_pipe_and_exit(p[0], 10 + i);
		}
	}
	/* None of them can have exited: they all wait for EOF on the pipe. */
	errno = 0;
	CHECK(waitpid(-1, NULL, WNOHANG) == 0);
	close(p[0]);
	close(p[1]);		/* EOF: all children exit */

	for (int n = 0; n < N; n++) {
		int st = 0;
		pid_t r = wait(&st);

		if (r <= 0) {
			CHECKF(0, "wait() #%d returned %d (%s)", n, (int)r, strerror(errno));
			break;
		}
		int idx = -1;
		for (int i = 0; i < N; i++)
			if (pids[i] == r)
				idx = i;
		if (idx < 0) {
			CHECKF(0, "wait() returned unknown pid %d", (int)r);
			continue;
		}
		CHECKF(!seen[idx], "pid %d reaped twice", (int)r);
		seen[idx] = 1;
		CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 10 + idx,
		       "child %d (pid %d): status 0x%x, expected exit %d",
		       idx, (int)r, st, 10 + idx);
	}
	errno = 0;
	CHECK(wait(NULL) == -1 && errno == ECHILD);
}

static void nohang(void)
{
	int p[2];

	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		wait_pipe_and_exit(p[0], 3);
	}
	close(p[0]);
	int st = 12345;
	struct rusage ru;
	CHECK(wait4(pid, &st, WNOHANG, &ru) == 0);
	CHECK(waitpid(-1, &st, WNOHANG) == 0);
	close(p[1]);
	st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 3, "nohang child status 0x%x", st);
}

static void echild(void)
{
	int st;

	errno = 0;
	CHECK(wait(&st) == -1 && errno == ECHILD);
	errno = 0;
	CHECK(waitpid(-1, &st, 0) == -1 && errno == ECHILD);
	errno = 0;
	CHECK(waitpid(getpid(), &st, 0) == -1 && errno == ECHILD);
	if (getppid() > 0) {
		errno = 0;
		CHECK(waitpid(getppid(), &st, 0) == -1 && errno == ECHILD);
	}
	if (getpid() != 1) {
		errno = 0;
		CHECK(waitpid(1, &st, 0) == -1 && errno == ECHILD);
	}
	errno = 0;
	CHECK(wait4(-1, &st, WNOHANG, NULL) == -1 && errno == ECHILD);

	/* An already reaped child is no longer a child. */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(0);
	CHECK(waitpid(pid, &st, 0) == pid);
	errno = 0;
	CHECK(waitpid(pid, &st, 0) == -1 && errno == ECHILD);
}

static void ppid(void)
{
	pid_t me = getpid();
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		if (getppid() != me)
			_exit(1);
		if (getpid() == me)
			_exit(2);
		_exit(0);
	}
	CHECK(pid != me);
	int st = -1;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "getppid child: status 0x%x (exit 1: getppid wrong, 2: getpid == parent's)", st);
}

static void killed(void)
{
	int p[2];

	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		wait_pipe_and_exit(p[0], 0);
	}
	close(p[0]);
	CHECK(kill(pid, SIGKILL) == 0);
	int st = 0;
	struct rusage ru;
	CHECK(wait4(pid, &st, 0, &ru) == pid);
	CHECKF(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	       "SIGKILLed child: status 0x%x, expected signaled by %d", st, SIGKILL);
	CHECKF(!WIFEXITED(st), "SIGKILLed child reported as exited (0x%x)", st);
	close(p[1]);
}

static void do_vfork(void)
{
	pid_t pid = vfork();

	if (pid == 0)
		_exit(7);
	CHECK(pid > 0);
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 7, "vfork child: status 0x%x, expected exit 7", st);

	/* The parent must not run again before the child execs: a pipe whose
	 * write end is close-on-exec is at EOF as soon as vfork returns,
	 * even though the child dawdles 200 ms before its execve. */
	int p[2];
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	pid = vfork();
	if (pid == 0) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		char *argv[] = { "true", NULL };
		execve("/bin/true", argv, NULL);
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	char c;
	errno = 0;
	long r = read(p[0], &c, 1);
	CHECKF(r == 0, "vfork returned before the child's execve (read gave %ld, errno %d)", r, errno);
	close(p[0]);
	waitpid(pid, &st, 0);
}

static void do_clone(void)
{
	pid_t me = getpid();
	long pid = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);

	if (pid == 0) {
		if (getppid() != me)
			_exit(1);
		_exit(9);
	}
	CHECKF(pid > 0, "clone(SIGCHLD) returned %ld (%s)", pid, strerror(errno));
	if (pid <= 0)
		return;
	int st = 0;
	CHECK(waitpid((pid_t)pid, &st, 0) == pid);
	CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 9,
	       "clone child: status 0x%x, expected exit 9 (1: getppid wrong)", st);
	errno = 0;
	CHECK(wait(NULL) == -1 && errno == ECHILD);
}

int main(void)
{
	/* Make sure nothing left over from our parent disturbs wait(). */
	signal(SIGCHLD, SIG_DFL);

	echild();
	ppid();
	sequential_forks();
	many_alive();
	nohang();
	killed();
	do_vfork();
	do_clone();
	echild();

	if (failures) {
		fprintf(stderr, "fork_wait: %d check(s) failed\n", failures);
		return 1;
	}
	printf("fork_wait: ok\n");
	return 0;
}
