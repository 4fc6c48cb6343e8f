#define _GNU_SOURCE
/*
 * exec: execve() semantics.
 *
 *  - fork + execve of _exec_helper (in $TESTDIR, else next to argv[0]) with
 *    a custom argv and envp; the helper checks them and exits 42;
 *  - failing execve: missing path -> ENOENT, path through a regular file ->
 *    ENOTDIR, directory -> EACCES, file without any exec bit -> EACCES,
 *    executable non-ELF file without "#!" -> ENOEXEC; then the same failures
 *    directly in this process, which must survive them unharmed;
 *  - O_CLOEXEC and F_SETFD FD_CLOEXEC fds are closed across exec, a plain fd
 *    stays open;
 *  - caught signals are reset to SIG_DFL, ignored ones stay ignored, the
 *    signal mask is kept.
 *
 * Exits 0 if everything passed, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

static int failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			int e_ = errno;					\
			fprintf(stderr, "exec: line %d: check failed: %s (errno %d %s)\n", \
				__LINE__, #cond, e_, strerror(e_));	\
			failures++;					\
		}							\
	} while (0)

#define CHECKF(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "exec: line %d: ", __LINE__);	\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			failures++;					\
		}							\
	} while (0)

static char helper[PATH_MAX + 32];
static char *const helper_env[] = { "ALLOY_EXEC_TEST=1", "FOO=bar baz", "EMPTY=", NULL };

static void find_helper(const char *argv0)
{
	const char *dir = getenv("TESTDIR");
	char tmp[PATH_MAX];

	if (!dir || !*dir) {
		const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
		if (slash) {
			size_t n = (size_t)(slash - argv0);
			if (n == 0)
				n = 1;	/* "/exec" -> "/" */
			if (n >= sizeof(tmp))
				n = sizeof(tmp) - 1;
			memcpy(tmp, argv0, n);
			tmp[n] = 0;
			dir = tmp;
		} else {
			dir = ".";
		}
	}
	snprintf(helper, sizeof(helper), "%s/_exec_helper", dir);
}

/* Wait for pid and return its raw status (or -1). */
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

/* fork, optionally run setup in the child, execve the helper; expect exit 42. */
static void run_helper(const char *what, char *const argv[], void (*setup)(void))
{
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid < 0)
		return;
	if (pid == 0) {
		if (setup)
			setup();
		execve(helper, argv, helper_env);
		fprintf(stderr, "exec: execve(%s) for %s failed: %s\n", helper, what, strerror(errno));
		_exit(100);
	}
	int st = reap(pid);
	CHECKF(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 42,
	       "helper (%s): status 0x%x, expected exit 42 (1: helper check failed, 100: execve failed)",
	       what, st);
}

/* In a child: execve(path) must fail with want; the child exits with errno. */
static void exec_fails_child(const char *path, int want)
{
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid < 0)
		return;
	if (pid == 0) {
		char *const argv[] = { (char *)path, "x", NULL };
		execve(path, argv, helper_env);
		_exit(errno & 0xff);
	}
	int st = reap(pid);
	CHECKF(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == want,
	       "execve(\"%s\") in child: status 0x%x, expected failure with errno %d (%s)",
	       path, st, want, strerror(want));
}

/* Directly in this process: execve(path) must return -1 with want. */
static void exec_fails_here(const char *path, int want)
{
	char *const argv[] = { (char *)path, NULL };

	errno = 0;
	int r = execve(path, argv, helper_env);
	int e = errno;
	CHECKF(r == -1 && e == want, "execve(\"%s\"): returned %d errno %d (%s), expected errno %d (%s)",
	       path, r, e, strerror(e), want, strerror(want));
}

static int write_file(const char *name, const void *data, size_t len, mode_t mode)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) != 0)
		return -1;
	return chmod(name, mode);
}

static void failing_execs(void)
{
	/* A copy of the (valid ELF) helper without any exec permission bit. */
	int hfd = open(helper, O_RDONLY);
	CHECK(hfd >= 0);
	if (hfd >= 0) {
		struct stat st;
		CHECK(fstat(hfd, &st) == 0);
		size_t len = (size_t)st.st_size;
		char *buf = malloc(len ? len : 1);
		size_t got = 0;
		while (buf && got < len) {
			ssize_t n = read(hfd, buf + got, len - got);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		CHECK(buf && got == len);
		CHECK(write_file("noexec_elf", buf, got, 0644) == 0);
		free(buf);
		close(hfd);
	}
	static const char text[] = "this is not an ELF file and has no shebang line\n";
	CHECK(write_file("plain_text", text, sizeof(text) - 1, 0755) == 0);
	CHECK(mkdir("a_dir", 0755) == 0);
	CHECK(chmod("a_dir", 0755) == 0);

	exec_fails_child("does_not_exist", ENOENT);
	exec_fails_child("no_such_dir/x", ENOENT);
	exec_fails_child("plain_text/x", ENOTDIR);
	exec_fails_child("a_dir", EACCES);
	exec_fails_child("noexec_elf", EACCES);
	exec_fails_child("plain_text", ENOEXEC);
}

static void failing_execs_here(void)
{
	volatile unsigned long canary[64];
	for (int i = 0; i < 64; i++)
		canary[i] = 0x0123456789abcdefUL * (unsigned long)(i + 1);
	static char *heap;
	heap = malloc(100000);
	CHECK(heap != NULL);
	if (heap)
		memset(heap, 0x3c, 100000);

	exec_fails_here("does_not_exist", ENOENT);
	exec_fails_here("plain_text/x", ENOTDIR);
	exec_fails_here("a_dir", EACCES);
	exec_fails_here("noexec_elf", EACCES);
	exec_fails_here("plain_text", ENOEXEC);

	for (int i = 0; i < 64; i++)
		CHECKF(canary[i] == 0x0123456789abcdefUL * (unsigned long)(i + 1),
		       "stack word %d changed after failed execve", i);
	if (heap) {
		for (int i = 0; i < 100000; i++)
			if (heap[i] != 0x3c) {
				CHECKF(0, "heap byte %d changed after failed execve: 0x%x", i,
				       (unsigned char)heap[i]);
				break;
			}
		free(heap);
	}
	CHECK(getpid() > 0);
}

static char fd_arg[3][16];

static void fd_tests(void)
{
	CHECK(write_file("data", "hello", 5, 0644) == 0);
	int cloexec_fd = open("data", O_RDONLY | O_CLOEXEC);
	int keep_fd = open("data", O_RDONLY);
	int setfd_fd = open("data", O_RDONLY);
	CHECK(cloexec_fd >= 0 && keep_fd >= 0 && setfd_fd >= 0);
	CHECK(fcntl(cloexec_fd, F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(keep_fd, F_GETFD) == 0);
	CHECK(fcntl(setfd_fd, F_SETFD, FD_CLOEXEC) == 0);
	CHECK(fcntl(setfd_fd, F_GETFD) == FD_CLOEXEC);

	snprintf(fd_arg[0], sizeof(fd_arg[0]), "%d", cloexec_fd);
	snprintf(fd_arg[1], sizeof(fd_arg[1]), "%d", keep_fd);
	snprintf(fd_arg[2], sizeof(fd_arg[2]), "%d", setfd_fd);
	char *const argv[] = { "_exec_helper", "fds", fd_arg[0], fd_arg[1], fd_arg[2], NULL };
	run_helper("fds", argv, NULL);

	/* The exec in the child did not close anything in the parent. */
	CHECK(fcntl(cloexec_fd, F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(setfd_fd, F_GETFD) == FD_CLOEXEC);
	close(cloexec_fd);
	close(keep_fd);
	close(setfd_fd);
}

static void handler(int sig)
{
	(void)sig;
}

static void siginfo_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
}

static void sig_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		_exit(101);
	sa.sa_handler = NULL;
	sa.sa_sigaction = siginfo_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(SIGTERM, &sa, NULL))
		_exit(102);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	if (sigaction(SIGUSR2, &sa, NULL) || sigaction(SIGPIPE, &sa, NULL))
		_exit(103);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_SETMASK, &set, NULL))
		_exit(104);
}

int main(int argc, char **argv)
{
	(void)argc;
	find_helper(argv[0]);
	if (access(helper, X_OK) != 0) {
		fprintf(stderr, "exec: line %d: helper %s not executable: %s (set TESTDIR)\n",
			__LINE__, helper, strerror(errno));
		return 1;
	}

	/* The pid is only known in the child; argv is built there. */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char pidbuf[16];
		snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
		char *const av[] = { "_exec_helper", "basic", pidbuf, "arg with spaces", "", "last", NULL };
		execve(helper, av, helper_env);
		fprintf(stderr, "exec: execve(%s) failed: %s\n", helper, strerror(errno));
		_exit(100);
	}
	if (pid > 0) {
		int st = reap(pid);
		CHECKF(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 42,
		       "helper (basic): status 0x%x, expected exit 42 (1: helper check failed, 100: execve failed)",
		       st);
	}

	fd_tests();

	char *const sargv[] = { "_exec_helper", "sigs", NULL };
	run_helper("sigs", sargv, sig_setup);

	failing_execs();
	failing_execs_here();

	if (failures) {
		fprintf(stderr, "exec: %d check(s) failed\n", failures);
		return 1;
	}
	printf("exec: ok\n");
	return 0;
}
