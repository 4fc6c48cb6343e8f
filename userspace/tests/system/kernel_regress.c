/*
 * Regressions for bugs a review found in the first VFS/process code, each
 * checked the way a program would hit it:
 *  - getcwd racing with rename of a parent read freed names (garbage paths);
 *  - "/" as the name to create made a nameless directory;
 *  - a huge write to /dev/null could not be killed;
 *  - a huge nanosleep overflowed its deadline and returned at once;
 *  - FIONBIO and FIONREAD were missing on pipes (Rust std uses FIONBIO);
 *  - kill(1, SIGKILL) powered the machine off (init must be unkillable);
 *  - int3 in a program was a SIGSEGV, not SIGTRAP;
 *  - open(dir, O_CREAT) opened the directory instead of EISDIR;
 *  - a raw-mode terminal read with VMIN 0 blocked instead of returning 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "kernel_regress: line %d: ", __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, " (errno %d %s)\n", errno, strerror(errno)); \
		failures++;						\
	}								\
} while (0)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void getcwd_vs_rename(void)
{
	char cwd[1024], a[1100], b[1300], big[201];

	memset(big, 'L', 200);
	big[200] = '\0';
	if (!getcwd(cwd, sizeof(cwd)))
		return;
	snprintf(a, sizeof(a), "%s/s", cwd);
	snprintf(b, sizeof(b), "%s/%s", cwd, big);
	CHECK(mkdir(a, 0755) == 0, "mkdir %s", a);
	CHECK(chdir(a) == 0, "chdir");
	pid_t c = fork();
	if (c == 0) {
		for (;;) {
			rename(a, b);
			rename(b, a);
		}
	}
	long bad = 0, ok = 0;
	char buf[4096];
	for (double end = now() + 2; now() < end;) {
		if (!getcwd(buf, sizeof(buf)))
			continue;	/* ENOENT/ERANGE mid-rename are fine */
		if (strcmp(buf, a) && strcmp(buf, b))
			bad++;
		else
			ok++;
	}
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	CHECK(bad == 0, "getcwd returned %ld paths that never existed (%ld good)", bad, ok);
	chdir(cwd);
}

static void create_root(void)
{
	errno = 0;
	CHECK(mkdir("/", 0755) == -1 && errno == EEXIST, "mkdir(\"/\") should be EEXIST");
	errno = 0;
	CHECK(mkdir("//", 0755) == -1 && errno == EEXIST, "mkdir(\"//\") should be EEXIST");
	struct stat st;
	CHECK(stat("/", &st) == 0 && S_ISDIR(st.st_mode), "stat /");
}

/* A child stuck in one long syscall must still die at SIGKILL. */
static void killable(const char *what, void (*body)(void))
{
	pid_t c = fork();
	if (c == 0) {
		body();
		_exit(0);
	}
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	int st = 0;
	CHECK(waitpid(c, &st, WNOHANG) == 0, "%s: child finished at once (status %#x)", what, st);
	kill(c, SIGKILL);
	double t0 = now();
	pid_t w;
	while ((w = waitpid(c, &st, WNOHANG)) == 0 && now() - t0 < 5)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	CHECK(w == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "%s: not killed within 5 s", what);
	if (w != c)
		waitpid(c, NULL, 0);
}

/* Linux refuses a range past the end of user space (EFAULT) and caps one
 * write at 0x7ffff000 bytes; /dev/null never reads the buffer. Either
 * way the call returns at once instead of looping 2^44 times. */
static void huge_write(void)
{
	int fd = open("/dev/null", O_WRONLY);
	static char buf[4096];
	double t0 = now();
	ssize_t n = write(fd, buf, 1UL << 60);
	CHECK((n == 0x7ffff000 || (n == -1 && errno == EFAULT)) && now() - t0 < 2,
	      "write(/dev/null, 2^60) gave %zd after %.1f s", n, now() - t0);
}

static void huge_sleep(void)
{
	struct timespec ts = { 0x7fffffffffffffffL, 0 };
	nanosleep(&ts, NULL);
}

static void pipe_ioctls(void)
{
	int p[2], on = 1, n = -1;
	char c;

	CHECK(pipe(p) == 0, "pipe");
	CHECK(ioctl(p[0], FIONBIO, &on) == 0, "FIONBIO");
	errno = 0;
	CHECK(read(p[0], &c, 1) == -1 && errno == EAGAIN, "read after FIONBIO should be EAGAIN");
	CHECK(write(p[1], "abc", 3) == 3, "write");
	CHECK(ioctl(p[0], FIONREAD, &n) == 0 && n == 3, "FIONREAD gave %d", n);
	CHECK(ioctl(p[0], FIOCLEX) == 0 && fcntl(p[0], F_GETFD) == FD_CLOEXEC, "FIOCLEX");
	close(p[0]);
	close(p[1]);
}

static void init_unkillable(void)
{
	errno = 0;
	int rc = kill(1, SIGKILL);	/* EPERM when not root on Linux */
	CHECK(rc == 0 || errno == EPERM, "kill(1, SIGKILL)");
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	CHECK(kill(1, 0) == 0 || errno == EPERM, "init is gone after SIGKILL");
}

static void poll_nothing_sleeps(void)
{
	double t0 = now();
	CHECK(poll(NULL, 0, 200) == 0, "poll(NULL, 0, 200)");
	CHECK(now() - t0 >= 0.19, "poll with no fds returned after %.3f s", now() - t0);
}

static void int3_is_sigtrap(void)
{
	pid_t c = fork();
	if (c == 0) {
		__asm__ volatile("int3");
		_exit(0);
	}
	int st = 0;
	waitpid(c, &st, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTRAP, "int3: status %#x, not SIGTRAP", st);
}

static void creat_on_dir(void)
{
	errno = 0;
	CHECK(open(".", O_CREAT | O_RDONLY, 0644) == -1 && errno == EISDIR,
	      "open(\".\", O_CREAT) should be EISDIR");
}

/* Only when stdin is a terminal (the console in the guest). */
static void raw_vmin0(void)
{
	struct termios old, t;

	if (!isatty(0) || tcgetattr(0, &old))
		return;
	t = old;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	tcsetattr(0, TCSANOW, &t);
	char c;
	double t0 = now();
	CHECK(read(0, &c, 1) == 0 && now() - t0 < 1, "VMIN 0, VTIME 0: read should return 0 at once");
	t.c_cc[VTIME] = 3;	/* 0.3 s */
	tcsetattr(0, TCSANOW, &t);
	t0 = now();
	CHECK(read(0, &c, 1) == 0 && now() - t0 >= 0.25 && now() - t0 < 5,
	      "VMIN 0, VTIME 3: read should return 0 after 0.3 s (took %.2f s)", now() - t0);
	tcsetattr(0, TCSANOW, &old);
}

int main(void)
{
	int3_is_sigtrap();
	creat_on_dir();
	raw_vmin0();
	create_root();
	pipe_ioctls();
	poll_nothing_sleeps();
	huge_write();
	killable("nanosleep(LONG_MAX s)", huge_sleep);
	getcwd_vs_rename();
	init_unkillable();
	if (failures) {
		fprintf(stderr, "kernel_regress: %d check(s) failed\n", failures);
		return 1;
	}
	fprintf(stderr, "kernel_regress: ok\n");
	return 0;
}
