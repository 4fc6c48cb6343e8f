#define _GNU_SOURCE
/*
 * _exec_helper: the program exec.c runs with execve(). Not a test by itself
 * (the runner skips names starting with '_').
 *
 * Modes (argv[1]):
 *   basic <pid>             argv/envp exactly as exec.c passes them, getpid()
 *                           unchanged across execve
 *   fds <cloexec> <keep> <setfd>
 *                           O_CLOEXEC / F_SETFD FD_CLOEXEC fds are closed,
 *                           the plain fd is open, has FD_CLOEXEC clear and
 *                           still reads the file's data
 *   sigs                    caught signals reset to SIG_DFL, ignored ones
 *                           stay SIG_IGN, the blocked mask is preserved
 *
 * Exits 42 if all checks passed, 1 otherwise (with a diagnostic on stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			int e_ = errno;					\
			fprintf(stderr, "_exec_helper: line %d: check failed: %s (errno %d %s)\n", \
				__LINE__, #cond, e_, strerror(e_));	\
			failures++;					\
		}							\
	} while (0)

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static void basic(int argc, char **argv)
{
	static const char *want_env[] = { "ALLOY_EXEC_TEST=1", "FOO=bar baz", "EMPTY=", NULL };

	CHECK(argc == 6);
	if (argc != 6)
		return;
	CHECK(streq(argv[0], "_exec_helper"));
	CHECK(streq(argv[1], "basic"));
	CHECK(atoi(argv[2]) == getpid());
	CHECK(streq(argv[3], "arg with spaces"));
	CHECK(streq(argv[4], ""));
	CHECK(streq(argv[5], "last"));
	CHECK(argv[6] == NULL);

	int n = 0;
	while (environ[n])
		n++;
	CHECK(n == 3);
	for (int i = 0; i < 3 && i < n; i++)
		if (!streq(environ[i], want_env[i])) {
			fprintf(stderr, "_exec_helper: envp[%d] = \"%s\", expected \"%s\"\n",
				i, environ[i], want_env[i]);
			failures++;
		}
	CHECK(streq(getenv("FOO"), "bar baz"));
	CHECK(getenv("PATH") == NULL);
}

static void fds(int argc, char **argv)
{
	CHECK(argc == 5);
	if (argc != 5)
		return;
	int cloexec_fd = atoi(argv[2]);
	int keep_fd = atoi(argv[3]);
	int setfd_fd = atoi(argv[4]);

	errno = 0;
	CHECK(fcntl(cloexec_fd, F_GETFD) == -1 && errno == EBADF);
	errno = 0;
	CHECK(fcntl(setfd_fd, F_GETFD) == -1 && errno == EBADF);
	errno = 0;
	CHECK(fcntl(keep_fd, F_GETFD) == 0);

	char buf[16] = { 0 };
	CHECK(pread(keep_fd, buf, sizeof(buf) - 1, 0) == 5);
	CHECK(streq(buf, "hello"));

	/* The standard streams are still there. */
	CHECK(fcntl(2, F_GETFD) >= 0);
}

static void sigs(void)
{
	struct sigaction sa;

	memset(&sa, 0x5a, sizeof(sa));
	CHECK(sigaction(SIGUSR1, NULL, &sa) == 0);
	CHECK(sa.sa_handler == SIG_DFL);	/* had a handler */
	memset(&sa, 0x5a, sizeof(sa));
	CHECK(sigaction(SIGTERM, NULL, &sa) == 0);
	CHECK(sa.sa_handler == SIG_DFL);	/* had an SA_SIGINFO handler */
	memset(&sa, 0x5a, sizeof(sa));
	CHECK(sigaction(SIGUSR2, NULL, &sa) == 0);
	CHECK(sa.sa_handler == SIG_IGN);	/* was ignored */
	memset(&sa, 0x5a, sizeof(sa));
	CHECK(sigaction(SIGPIPE, NULL, &sa) == 0);
	CHECK(sa.sa_handler == SIG_IGN);	/* was ignored */

	sigset_t cur;
	sigemptyset(&cur);
	CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0);
	CHECK(sigismember(&cur, SIGHUP) == 1);	/* mask is kept */
	CHECK(sigismember(&cur, SIGUSR1) == 0);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "_exec_helper: no mode given (argc %d)\n", argc);
		return 1;
	}
	if (streq(argv[1], "basic"))
		basic(argc, argv);
	else if (streq(argv[1], "fds"))
		fds(argc, argv);
	else if (streq(argv[1], "sigs"))
		sigs();
	else {
		fprintf(stderr, "_exec_helper: unknown mode \"%s\"\n", argv[1]);
		return 1;
	}
	return failures ? 1 : 42;
}
