/*
 * Per-user pipe limits, as Linux (pipe(7), /proc/sys/fs/pipe-user-pages-*):
 * past the soft limit a user's new pipes get 2 pages and F_SETPIPE_SZ
 * cannot grow them (EPERM); past the hard limit pipe() is ENFILE; another
 * user is not affected; closing pipes gives the pages back; root is exempt.
 */
#define _GNU_SOURCE
#define TEST_NAME "pipe_user_limit"
#include "check.h"
#include <fcntl.h>

#define NP 64

static long sysctl_get(const char *name)
{
	char path[128], buf[32] = "";
	snprintf(path, sizeof(path), "/proc/sys/fs/%s", name);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	long n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atol(buf) : -1;
}

static bool sysctl_set(const char *name, long v)
{
	char path[128], buf[32];
	snprintf(path, sizeof(path), "/proc/sys/fs/%s", name);
	int fd = open(path, O_WRONLY);
	int n = snprintf(buf, sizeof(buf), "%ld\n", v);
	bool ok = fd >= 0 && write(fd, buf, n) == n;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* As uid: pipes until one is small; reports how many were full size
 * through the exit status, after checking the small one. */
static int as_user(uid_t uid, int report)
{
	if (setresuid(uid, uid, uid))
		return 99;
	int fds[NP][2], full = 0, n;
	for (n = 0; n < NP; n++) {
		if (pipe(fds[n]))
			break;
		if (fcntl(fds[n][0], F_GETPIPE_SZ) != 65536) {
			n++;
			break;
		}
		full++;
	}
	if (n == NP || full == n)
		return 90;		/* never limited */
	int small = fds[n - 1][1];
	if (fcntl(small, F_GETPIPE_SZ) != 8192)
		return 91;
	errno = 0;
	if (fcntl(small, F_SETPIPE_SZ, 65536) != -1 || errno != EPERM)
		return 92;
	if (fcntl(small, F_SETPIPE_SZ, 4096) != 4096)	/* shrinking is fine */
		return 93;
	/* the pipe still works */
	char c = 'x';
	if (write(small, &c, 1) != 1 || read(fds[n - 1][0], &c, 1) != 1)
		return 94;
	if (report == 1) {	/* the pages come back when the pipes go */
		for (int i = 0; i < n; i++)
			close(fds[i][0]), close(fds[i][1]);
		int q[2];
		if (pipe(q) || fcntl(q[0], F_GETPIPE_SZ) != 65536)
			return 95;
	}
	if (report == 2) {	/* hard limit: no more pipes */
		int q[2];
		errno = 0;
		int k;
		for (k = 0; k < NP && !pipe(q); k++)
			;
		if (k == NP || errno != ENFILE)
			return 96;
	}
	return full;
}

static int child(uid_t uid, int report)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(as_user(uid, report));
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 200;
}

int main(void)
{
	long soft = sysctl_get("pipe-user-pages-soft"), hard = sysctl_get("pipe-user-pages-hard");
	CHECK(soft == 16384 && hard == 0);
	CHECK(sysctl_get("pipe-max-size") == 1048576);
	CHECK(sysctl_set("pipe-user-pages-soft", 64));

	/* two users holding pipes at once: each gets its own four */
	int go[2], done[2];
	CHECK(pipe(go) == 0 && pipe(done) == 0);
	pid_t a = fork();
	if (a == 0) {	/* user 2001 fills its quota and holds it */
		close(go[1]);
		int r = as_user(2001, 0);
		char c = (char)r;
		write(done[1], &c, 1);
		read(go[0], &c, 1);
		_exit(r);
	}
	char c = 0;
	CHECK(read(done[0], &c, 1) == 1 && c == 4);
	int b = child(2002, 1);		/* while 2001 holds its pipes */
	if (c != 4 || b != 4)
		fprintf(stderr, TEST_NAME ": user 2001: %d, 2002: %d\n", c, b);
	CHECK(b == 4);
	close(go[1]);
	int st;
	CHECK(waitpid(a, &st, 0) == a && WIFEXITED(st) && WEXITSTATUS(st) == 4);

	/* hard limit */
	CHECK(sysctl_set("pipe-user-pages-hard", 80));
	CHECK(child(2003, 2) == 4);
	CHECK(sysctl_set("pipe-user-pages-hard", 0));

	/* root is exempt */
	int fds[8][2];
	for (int i = 0; i < 8; i++) {
		CHECK(pipe(fds[i]) == 0);
		CHECK(fcntl(fds[i][0], F_GETPIPE_SZ) == 65536);
	}
	for (int i = 0; i < 8; i++)
		close(fds[i][0]), close(fds[i][1]);

	/* pipe-max-size for a user */
	pid_t m = fork();
	if (m == 0) {
		int q[2];
		if (setresuid(2004, 2004, 2004) || pipe(q))
			_exit(1);
		errno = 0;
		_exit(fcntl(q[0], F_SETPIPE_SZ, 2 << 20) == -1 && errno == EPERM ? 0 : 2);
	}
	CHECK(waitpid(m, &st, 0) == m && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	CHECK(sysctl_set("pipe-user-pages-soft", soft > 0 ? soft : 16384));
	if (!failures)
		printf(TEST_NAME ": ok\n");
	return check_done();
}
