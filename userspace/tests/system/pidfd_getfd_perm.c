/*
 * pidfd_getfd follows Linux's ptrace-access rule: same real IDs AND a
 * dumpable target, or CAP_SYS_PTRACE.
 *  A. a root process opens a root-only file, then becomes user 5001:
 *     user 5001 cannot take that fd (the ID change made it undumpable).
 *  B. a user's own dumpable process: yes; after PR_SET_DUMPABLE 0: EPERM;
 *     dumpable again: yes.
 *  C. execve makes a process dumpable again (PR_GET_DUMPABLE after exec).
 *  D. root (CAP_SYS_PTRACE) takes the fd of an undumpable process.
 */
#define _GNU_SOURCE
#define TEST_NAME "pidfd_getfd_perm"
#include "check.h"
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define SECRET "/tmp/pidfd_getfd_secret"

static int pidfd_open(pid_t pid) { return (int)syscall(434, pid, 0); }
static int pidfd_getfd(int pfd, int fd) { return (int)syscall(438, pfd, fd, 0); }

/* A target that opens SECRET (as root), then becomes uid (if any), sets
 * its dumpable flag as told, and waits; its fd is 3 + the pipes'. */
struct target { pid_t pid; int ctl, ack, fd; };

static struct target start(uid_t uid, int dumpable)
{
	int c[2], a[2];
	struct target t = { -1, -1, -1, -1 };
	if (pipe(c) || pipe(a))
		return t;
	int fd = open(SECRET, O_RDONLY);
	t.pid = fork();
	if (t.pid == 0) {
		close(c[1]);
		close(a[0]);
		if (uid && setresuid(uid, uid, uid))
			_exit(1);
		if (dumpable >= 0 && prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0))
			_exit(2);
		char x = 0;
		for (;;) {	/* 'd'/'u': dumpable or not; EOF: exit */
			write(a[1], &x, 1);
			if (read(c[0], &x, 1) != 1)
				_exit(0);
			x = (char)prctl(PR_SET_DUMPABLE, x == 'd', 0, 0, 0);
		}
	}
	close(c[0]);
	close(a[1]);
	char x;
	read(a[0], &x, 1);
	t.ctl = c[1];
	t.ack = a[0];
	t.fd = fd;
	return t;
}

static void tell(struct target *t, char what)
{
	char x;
	write(t->ctl, &what, 1);
	read(t->ack, &x, 1);
}

static void stop(struct target *t)
{
	close(t->ctl);
	close(t->ack);
	close(t->fd);
	waitpid(t->pid, NULL, 0);
}

/* As uid (0: as we are), pidfd_getfd of t's fd: 0 taken, else the errno. */
static int try_take(uid_t uid, struct target *t)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (uid && setresuid(uid, uid, uid))
			_exit(100);
		int pfd = pidfd_open(t->pid);
		if (pfd < 0)
			_exit(101);
		int fd = pidfd_getfd(pfd, t->fd);
		_exit(fd >= 0 ? 0 : errno);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 200;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "dumpable"))
		return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	int s = open(SECRET, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	CHECK(s >= 0 && write(s, "secret", 6) == 6);
	close(s);

	/* A */
	struct target a = start(5001, -1);
	CHECK(try_take(5001, &a) == EPERM);
	/* D */
	CHECK(try_take(0, &a) == 0);
	stop(&a);

	/* B */
	struct target b = start(5002, -1);
	tell(&b, 'd');		/* Linux: still 0 after the setresuid; now 1 */
	CHECK(try_take(5002, &b) == 0);
	CHECK(try_take(5003, &b) == EPERM);	/* another user: never */
	tell(&b, 'u');
	CHECK(try_take(5002, &b) == EPERM);
	tell(&b, 'd');
	CHECK(try_take(5002, &b) == 0);
	stop(&b);

	/* C */
	CHECK(prctl(PR_SET_DUMPABLE, 2, 0, 0, 0) == -1 && errno == EINVAL);
	pid_t c = fork();
	if (c == 0) {
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
			_exit(7);
		execl(argv[0], argv[0], "dumpable", (char *)NULL);
		_exit(8);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 1);
	unlink(SECRET);
	if (!failures)
		printf(TEST_NAME ": ok\n");
	return check_done();
}
