#define _GNU_SOURCE
/*
 * efault: bad user pointers must give EFAULT, not a crash or a kernel oops.
 *
 * Every syscall is made with syscall(2) directly, with all other arguments
 * valid, once with an unmapped low address (0x1) and once with a kernel
 * address (0xffff800000000000) in the pointer argument. Each must return -1
 * with errno EFAULT. Every syscall that does not is printed.
 * set_robust_list() with a bad head only stores it; a child doing that must
 * still exit normally.
 *
 * Exits 0 if everything passed, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

#ifndef AT_FDCWD
#define AT_FDCWD -100
#endif

static int failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			int e_ = errno;					\
			fprintf(stderr, "efault: line %d: setup check failed: %s (errno %d %s)\n", \
				__LINE__, #cond, e_, strerror(e_));	\
			failures++;					\
		}							\
	} while (0)

/* The pointer being tested, for the diagnostics. */
static void *bad;

static void efault_check(int line, const char *name, long r, int e)
{
	if (r == -1 && e == EFAULT)
		return;
	fprintf(stderr, "efault: line %d: %s with bad pointer %p: returned %ld, errno %d (%s); expected -1 EFAULT\n",
		line, name, bad, r, r == -1 ? e : 0, r == -1 ? strerror(e) : "-");
	failures++;
}

/* EF("name", syscall(...)): expect -1 / EFAULT. */
#define EF(name, call)							\
	do {								\
		errno = 0;						\
		long r_ = (call);					\
		efault_check(__LINE__, name, r_, errno);		\
	} while (0)

static void make_file(const char *name, const char *data)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	close(fd);
}

static char self_path[PATH_MAX + 64];

static void find_self(const char *argv0)
{
	const char *dir = getenv("TESTDIR");

	if (argv0 && strchr(argv0, '/'))
		snprintf(self_path, sizeof(self_path), "%s", argv0);
	else if (dir && argv0)
		snprintf(self_path, sizeof(self_path), "%s/%s", dir, argv0);
	else
		self_path[0] = 0;
	if (!self_path[0] || access(self_path, X_OK) != 0) {
		/*
		 * Fall back to an executable non-ELF file: Linux checks argv
		 * before it looks at the file's format.
		 */
		make_file("not_elf", "not an ELF file\n");
		chmod("not_elf", 0755);
		snprintf(self_path, sizeof(self_path), "not_elf");
	}
}

/* Run one bad-pointer execve() in a child; it exits with errno. */
static void exec_child(int line, const char *name, const char *path, char *const *argv)
{
	static char *const envp[] = { "EFAULT_EXEC_PROBE=1", NULL };
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid < 0)
		return;
	if (pid == 0) {
		long r = syscall(SYS_execve, path, argv, envp);
		_exit(r == -1 ? (errno & 0xff) : 255);
	}
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == EFAULT)
		return;
	fprintf(stderr, "efault: line %d: %s with bad pointer %p: child status 0x%x (exit code = errno); expected EFAULT (%d)\n",
		line, name, bad, st, EFAULT);
	failures++;
}

static void run(void *b)
{
	bad = b;
	char buf[256];
	struct stat st;

	/* read/write family, on a regular file with data in it. */
	int fd = open("data", O_RDWR);
	CHECK(fd >= 0);
	EF("read", syscall(SYS_read, fd, bad, 16L));
	EF("pread64", syscall(SYS_pread64, fd, bad, 16L, 0L));
	EF("write", syscall(SYS_write, fd, bad, 16L));
	EF("pwrite64", syscall(SYS_pwrite64, fd, bad, 16L, 0L));
	EF("readv (bad iov array)", syscall(SYS_readv, fd, bad, 1L));
	EF("writev (bad iov array)", syscall(SYS_writev, fd, bad, 1L));
	struct iovec iov = { bad, 16 };
	EF("readv (bad iov_base)", syscall(SYS_readv, fd, &iov, 1L));
	EF("writev (bad iov_base)", syscall(SYS_writev, fd, &iov, 1L));
	EF("fstat", syscall(SYS_fstat, fd, bad));
	/* nothing was read or written through the bad pointers */
	CHECK(pread(fd, buf, sizeof(buf), 0) == 22);
	CHECK(memcmp(buf, "0123456789abcdefghijkl", 22) == 0);

	/* read from a pipe holding data */
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "pipe data", 9) == 9);
	EF("read (pipe)", syscall(SYS_read, p[0], bad, 9L));
	EF("write (pipe)", syscall(SYS_write, p[1], bad, 9L));
	CHECK(read(p[0], buf, sizeof(buf)) == 9);
	close(p[0]);
	close(p[1]);

	/* paths */
	EF("open (bad path)", syscall(SYS_open, bad, (long)O_RDONLY, 0L));
	EF("open O_CREAT (bad path)", syscall(SYS_open, bad, (long)(O_WRONLY | O_CREAT), 0644L));
	EF("openat (bad path)", syscall(SYS_openat, (long)AT_FDCWD, bad, (long)O_RDONLY, 0L));
	EF("stat (bad path)", syscall(SYS_stat, bad, &st));
	EF("stat (bad statbuf)", syscall(SYS_stat, "data", bad));
	EF("lstat (bad path)", syscall(SYS_lstat, bad, &st));
	EF("lstat (bad statbuf)", syscall(SYS_lstat, "data", bad));
	EF("newfstatat (bad path)", syscall(SYS_newfstatat, (long)AT_FDCWD, bad, &st, 0L));
	EF("newfstatat (bad statbuf)", syscall(SYS_newfstatat, (long)AT_FDCWD, "data", bad, 0L));
	char stx[256];
	EF("statx (bad path)", syscall(SYS_statx, (long)AT_FDCWD, bad, 0L, 0x7ffL, stx));
	EF("statx (bad statxbuf)", syscall(SYS_statx, (long)AT_FDCWD, "data", 0L, 0x7ffL, bad));
	EF("chdir", syscall(SYS_chdir, bad));
	EF("mkdir", syscall(SYS_mkdir, bad, 0755L));
	EF("unlink", syscall(SYS_unlink, bad));
	EF("rmdir", syscall(SYS_rmdir, bad));
	EF("rename (bad old)", syscall(SYS_rename, bad, "newname"));
	EF("rename (bad new)", syscall(SYS_rename, "data", bad));
	EF("access", syscall(SYS_access, bad, (long)F_OK));
	EF("faccessat", syscall(SYS_faccessat, (long)AT_FDCWD, bad, (long)F_OK, 0L));
	EF("readlink (bad path)", syscall(SYS_readlink, bad, buf, (long)sizeof(buf)));
	EF("readlink (bad buf)", syscall(SYS_readlink, "link", bad, (long)sizeof(buf)));
	EF("symlink (bad target)", syscall(SYS_symlink, bad, "newlink"));
	EF("symlink (bad linkpath)", syscall(SYS_symlink, "data", bad));
	EF("link (bad old)", syscall(SYS_link, bad, "newhard"));
	EF("link (bad new)", syscall(SYS_link, "data", bad));
	/* nothing was created, renamed or removed */
	CHECK(access("newname", F_OK) == -1 && access("newlink", F_OK) == -1 &&
	      access("newhard", F_OK) == -1);
	CHECK(stat("data", &st) == 0 && st.st_nlink == 1 && st.st_size == 22);
	CHECK(lstat("link", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(stat("dir", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(getcwd(buf, sizeof(buf)) != NULL);

	/* directories */
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	EF("getdents64", syscall(SYS_getdents64, dfd, bad, 4096L));
	close(dfd);
	EF("getcwd", syscall(SYS_getcwd, bad, 4096L));

	/* fd arrays */
	EF("pipe", syscall(SYS_pipe, bad));
	EF("pipe2", syscall(SYS_pipe2, bad, 0L));
	/* no fds were leaked: the next free one is still right after fd */
	int probe = dup(fd);
	CHECK(probe >= 0);
	CHECK(probe == fd + 1);
	close(probe);
	close(fd);

	/* misc output structures */
	EF("uname", syscall(SYS_uname, bad));
	EF("clock_gettime", syscall(SYS_clock_gettime, (long)CLOCK_MONOTONIC, bad));
	EF("gettimeofday", syscall(SYS_gettimeofday, bad, NULL));
	EF("nanosleep", syscall(SYS_nanosleep, bad, NULL));
	EF("clock_nanosleep", syscall(SYS_clock_nanosleep, (long)CLOCK_MONOTONIC, 0L, bad, NULL));
	EF("rt_sigaction (bad act)", syscall(SYS_rt_sigaction, (long)SIGUSR1, bad, NULL, 8L));
	EF("rt_sigaction (bad oldact)", syscall(SYS_rt_sigaction, (long)SIGUSR1, NULL, bad, 8L));
	EF("rt_sigprocmask (bad set)", syscall(SYS_rt_sigprocmask, (long)SIG_BLOCK, bad, NULL, 8L));
	EF("rt_sigprocmask (bad oldset)", syscall(SYS_rt_sigprocmask, (long)SIG_BLOCK, NULL, bad, 8L));
	EF("getrandom", syscall(SYS_getrandom, bad, 16L, 0L));
	EF("prlimit64 (bad old)", syscall(SYS_prlimit64, 0L, (long)RLIMIT_NOFILE, NULL, bad));
	EF("prlimit64 (bad new)", syscall(SYS_prlimit64, 0L, (long)RLIMIT_NOFILE, bad, NULL));
	EF("getrlimit", syscall(SYS_getrlimit, (long)RLIMIT_NOFILE, bad));
	EF("sched_getaffinity", syscall(SYS_sched_getaffinity, 0L, 128L, bad));
	EF("poll", syscall(SYS_poll, bad, 1L, 0L));
	struct timeval tv0 = { 0, 0 };
	EF("select (bad readfds)", syscall(SYS_select, 1L, bad, NULL, NULL, &tv0));
	EF("select (bad timeout)", syscall(SYS_select, 0L, NULL, NULL, NULL, bad));
	EF("sigaltstack (bad ss)", syscall(SYS_sigaltstack, bad, NULL));
	EF("sigaltstack (bad old_ss)", syscall(SYS_sigaltstack, NULL, bad));

	/* wait4 with a bad status pointer and a real exited child */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(3);
	if (pid > 0) {
		EF("wait4 (bad status)", syscall(SYS_wait4, (long)pid, bad, 0L, NULL));
		/* Linux has reaped it anyway; be tidy either way. */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(4);
	if (pid > 0) {
		EF("wait4 (bad rusage)", syscall(SYS_wait4, (long)pid, NULL, 0L, bad));
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}

	/* execve, each in a child in case it were to succeed */
	static char *const good_argv[] = { "efault-probe", NULL };
	exec_child(__LINE__, "execve (bad path)", bad, good_argv);
	exec_child(__LINE__, "execve (bad argv)", self_path, bad);
	char *bad_elem[] = { "efault-probe", bad, NULL };
	exec_child(__LINE__, "execve (bad argv[1])", self_path, bad_elem);
}

int main(int argc, char **argv)
{
	(void)argc;
	if (getenv("EFAULT_EXEC_PROBE")) {
		/* A bad-pointer execve of ourselves "succeeded". */
		return 254;
	}
	find_self(argv[0]);
	make_file("data", "0123456789abcdefghijkl");
	CHECK(symlink("data", "link") == 0);
	CHECK(mkdir("dir", 0755) == 0);

	run((void *)1);
	run((void *)0xffff800000000000UL);

	/* set_robust_list only records the pointer; the process must still
	 * exit normally (the kernel walks the list at exit and must cope). */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		syscall(SYS_set_robust_list, (void *)1, 24L);
		_exit(0);
	}
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		fprintf(stderr, "efault: line %d: child with a bad robust list: status 0x%x, expected exit 0\n",
			__LINE__, st);
		failures++;
	}
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		syscall(SYS_set_robust_list, (void *)0xffff800000000000UL, 24L);
		_exit(0);
	}
	st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		fprintf(stderr, "efault: line %d: child with a kernel-address robust list: status 0x%x, expected exit 0\n",
			__LINE__, st);
		failures++;
	}

	if (failures) {
		fprintf(stderr, "efault: %d check(s) failed\n", failures);
		return 1;
	}
	printf("efault: ok\n");
	return 0;
}
