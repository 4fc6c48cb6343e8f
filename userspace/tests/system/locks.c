#define _GNU_SOURCE
/*
 * File locks (issue 20), from the attacker's side:
 *  - POSIX record locks: ranges split and merge (seen through another
 *    process's F_GETLK, which reports the conflicting range and pid);
 *    SEEK_CUR/SEEK_END and negative l_len; a second process's F_SETLKW
 *    sleeps until the range is released; two processes waiting on each
 *    other: exactly one gets EDEADLK; closing ANY fd of the file drops
 *    the process's locks; SIGKILL drops them; a signal ends F_SETLKW
 *    with EINTR; a hostile splitting pattern ends in ENOLCK, not OOM;
 *  - OFD locks: owned by the description (two opens conflict, a dup does
 *    not; the last close releases), l_pid must be 0, F_OFD_GETLK reports
 *    l_pid -1;
 *  - flock: shared/exclusive/LOCK_NB/convert, released at the last close
 *    after dup and fork, a blocked LOCK_EX woken by LOCK_UN, EINTR;
 *  - hostile arguments: bad fd, whence, type, access mode, overflowing
 *    ranges, an unmapped struct flock;
 *  - threads: POSIX locks are per process (no conflict), OFD per
 *    description (a second thread's F_OFD_SETLKW waits);
 *  - the rest of fcntl: pipe sizes, owner and signal, leases.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "locks"
#include "check.h"

#define FILE_NAME "locks.dat"

static int child_status(pid_t c)
{
	int st;

	if (waitpid(c, &st, 0) != c)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int open_file(int flags)
{
	return open(FILE_NAME, flags | O_CREAT, 0644);
}

static int setlk(int fd, int cmd, short type, short whence, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = whence, .l_start = start, .l_len = len };
	return fcntl(fd, cmd, &fl);
}

/* A second process that answers F_GETLK questions through pipes. */
static int q_wr, a_rd;
static pid_t prober;

static void start_prober(void)
{
	int q[2], a[2];
	CHECK(pipe(q) == 0 && pipe(a) == 0);
	prober = fork();
	if (prober == 0) {
		close(q[1]);
		close(a[0]);
		int fd = open_file(O_RDWR);
		struct flock fl;
		while (read(q[0], &fl, sizeof(fl)) == sizeof(fl)) {
			if (fcntl(fd, F_GETLK, &fl))
				fl.l_type = -1;
			if (write(a[1], &fl, sizeof(fl)) != sizeof(fl))
				break;
		}
		_exit(0);
	}
	close(q[0]);
	close(a[1]);
	q_wr = q[1];
	a_rd = a[0];
}

static struct flock probe(short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	CHECK(write(q_wr, &fl, sizeof(fl)) == sizeof(fl));
	CHECK(read(a_rd, &fl, sizeof(fl)) == sizeof(fl));
	return fl;
}

static bool probe_is(short type, off_t start, off_t len, short want, off_t ws, off_t wl)
{
	struct flock fl = probe(type, start, len);
	if (fl.l_type != want)
		return false;
	if (want == F_UNLCK)
		return true;
	return fl.l_start == ws && fl.l_len == wl && fl.l_pid == getpid() &&
	       fl.l_whence == SEEK_SET;
}

static void ranges(void)
{
	int fd = open_file(O_RDWR);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 100) == 0);
	start_prober();

	CHECK(probe_is(F_WRLCK, 0, 0, F_UNLCK, 0, 0));
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 100) == 0);
	CHECK(probe_is(F_RDLCK, 50, 1, F_WRLCK, 0, 100));
	/* a hole in the middle splits it in two */
	CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 40, 20) == 0);
	CHECK(probe_is(F_WRLCK, 40, 20, F_UNLCK, 0, 0));
	CHECK(probe_is(F_WRLCK, 0, 10, F_WRLCK, 0, 40));
	CHECK(probe_is(F_WRLCK, 55, 10, F_WRLCK, 60, 40));
	/* an adjacent lock of the same type merges: [60,100) + [100,200) */
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 100, 100) == 0);
	CHECK(probe_is(F_RDLCK, 150, 1, F_WRLCK, 60, 140));
	/* a read lock inside a write lock splits it in three */
	CHECK(setlk(fd, F_SETLK, F_RDLCK, SEEK_SET, 10, 10) == 0);
	CHECK(probe_is(F_RDLCK, 10, 10, F_UNLCK, 0, 0));
	CHECK(probe_is(F_WRLCK, 12, 1, F_RDLCK, 10, 10));
	CHECK(probe_is(F_RDLCK, 0, 15, F_WRLCK, 0, 10));
	CHECK(probe_is(F_RDLCK, 15, 100, F_WRLCK, 20, 20));
	/* filling the gap with a write lock merges all three and [40,60) */
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 50) == 0);
	CHECK(probe_is(F_RDLCK, 199, 1, F_WRLCK, 0, 200));
	/* SEEK_END, SEEK_CUR, negative l_len, l_len 0 = to EOF and beyond */
	CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
	CHECK(probe_is(F_WRLCK, 0, 0, F_UNLCK, 0, 0));
	CHECK(setlk(fd, F_SETLK, F_RDLCK, SEEK_END, -10, 5) == 0);
	CHECK(probe_is(F_WRLCK, 0, 0, F_RDLCK, 90, 5));
	CHECK(lseek(fd, 30, SEEK_SET) == 30);
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_CUR, 20, -10) == 0);
	CHECK(probe_is(F_RDLCK, 0, 80, F_WRLCK, 40, 10));
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 1000, 0) == 0);
	CHECK(probe_is(F_RDLCK, 5000, 1, F_WRLCK, 1000, 0));
	CHECK(probe_is(F_RDLCK, 92, 1, F_UNLCK, 0, 0));	/* read locks share */
	/* our own locks never conflict with us */
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	CHECK(fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_UNLCK);

	/* closing ANY fd of the file drops the process's locks */
	int fd2 = open(FILE_NAME, O_RDONLY);
	CHECK(fd2 >= 0);
	close(fd2);
	CHECK(probe_is(F_WRLCK, 0, 0, F_UNLCK, 0, 0));
	/* dup too: closing the dup releases */
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1) == 0);
	CHECK(probe_is(F_WRLCK, 0, 0, F_WRLCK, 0, 1));
	int d = dup(fd);
	close(d);
	CHECK(probe_is(F_WRLCK, 0, 0, F_UNLCK, 0, 0));

	close(q_wr);
	CHECK(child_status(prober) == 0);
	close(a_rd);
	close(fd);
}

static void contend(void)
{
	int fd = open_file(O_RDWR), p[2];
	CHECK(fd >= 0 && pipe2(p, O_NONBLOCK) == 0);
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0);
	pid_t c = fork();
	if (c == 0) {
		int cfd = open_file(O_RDWR);
		if (setlk(cfd, F_SETLK, F_RDLCK, SEEK_SET, 5, 1) != -1 || errno != EAGAIN)
			_exit(2);
		if (setlk(cfd, F_SETLKW, F_RDLCK, SEEK_SET, 5, 1))
			_exit(3);
		char x = 'k';
		if (write(p[1], &x, 1) != 1)
			_exit(4);
		_exit(0);
	}
	msleep(150);
	char x;
	errno = 0;
	CHECK(read(p[0], &x, 1) == -1 && errno == EAGAIN);	/* still waiting */
	CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 5) == 0);
	msleep(50);
	CHECK(read(p[0], &x, 1) == -1);		/* byte 5 is still ours */
	CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 5, 1) == 0);
	CHECK(child_status(c) == 0);
	CHECK(read(p[0], &x, 1) == 1 && x == 'k');
	close(p[0]);
	close(p[1]);
	close(fd);
}

/* Two processes each hold one byte and wait for the other's. */
static void deadlock(void)
{
	int fd = open_file(O_RDWR), p[2];
	CHECK(fd >= 0 && pipe(p) == 0);
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1) == 0);
	pid_t c = fork();
	if (c == 0) {
		int cfd = open_file(O_RDWR);
		if (setlk(cfd, F_SETLK, F_WRLCK, SEEK_SET, 1, 1))
			_exit(2);
		char x = 'r';
		if (write(p[1], &x, 1) != 1)
			_exit(3);
		if (setlk(cfd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1) == 0)
			_exit(0);
		_exit(errno == EDEADLK ? 1 : 4);
	}
	char x;
	CHECK(read(p[0], &x, 1) == 1);
	msleep(150);			/* let it block on byte 0 */
	int r = setlk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1);
	int e = errno;
	if (r == -1 && e == EDEADLK)	/* we were second: release for the child */
		CHECK(setlk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
	int st = child_status(c);
	/* exactly one of the two is told */
	CHECK((r == -1 && e == EDEADLK && st == 0) || (r == 0 && st == 1));
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void killed_holder(void)
{
	int fd = open_file(O_RDWR), p[2];
	CHECK(fd >= 0 && pipe(p) == 0);
	pid_t c = fork();
	if (c == 0) {
		int cfd = open_file(O_RDWR);
		char x = setlk(cfd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10) ? 'e' : 'l';
		if (write(p[1], &x, 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	char x;
	CHECK(read(p[0], &x, 1) == 1 && x == 'l');
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 3, .l_len = 1 };
	CHECK(fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_WRLCK && fl.l_pid == c &&
	      fl.l_start == 0 && fl.l_len == 10);
	CHECK(kill(c, SIGKILL) == 0);
	CHECK(child_status(c) == 128 + SIGKILL);
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void on_alarm(int s)
{
	(void)s;
}

/* A child that sends us sig every 100 ms until killed: one that came
 * before we went to sleep does not leave us asleep for ever. */
static pid_t kicker(int sig)
{
	pid_t parent = getpid(), k = fork();
	if (k == 0) {
		for (;;) {
			msleep(100);
			if (kill(parent, sig))
				_exit(1);
		}
	}
	return k;
}

static int stop_kicker(pid_t k)
{
	kill(k, SIGKILL);
	return child_status(k) == 128 + SIGKILL;
}

static void eintr(void)
{
	int fd = open_file(O_RDWR), p[2];
	CHECK(fd >= 0 && pipe(p) == 0);
	pid_t c = fork();
	if (c == 0) {
		int cfd = open_file(O_RDWR);
		char x = setlk(cfd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) ? 'e' : 'l';
		if (flock(cfd, LOCK_EX))
			x = 'f';
		if (write(p[1], &x, 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	char x;
	CHECK(read(p[0], &x, 1) == 1 && x == 'l');
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	pid_t k = kicker(SIGALRM);
	errno = 0;
	CHECK(setlk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1) == -1 && errno == EINTR);
	CHECK(stop_kicker(k));
	k = kicker(SIGALRM);
	errno = 0;
	CHECK(flock(fd, LOCK_SH) == -1 && errno == EINTR);
	CHECK(stop_kicker(k));
	/* nothing was left behind by the interrupted waits */
	kill(c, SIGKILL);
	CHECK(child_status(c) == 128 + SIGKILL);
	CHECK(setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0);
	CHECK(flock(fd, LOCK_EX | LOCK_NB) == 0);
	signal(SIGALRM, SIG_DFL);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void ofd(void)
{
	int a = open_file(O_RDWR), b = open_file(O_RDWR);
	CHECK(a >= 0 && b >= 0);
	CHECK(setlk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10) == 0);
	errno = 0;
	CHECK(setlk(b, F_OFD_SETLK, F_RDLCK, SEEK_SET, 5, 1) == -1 && errno == EAGAIN);
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 9 };
	CHECK(fcntl(b, F_OFD_GETLK, &fl) == 0 && fl.l_type == F_WRLCK && fl.l_pid == -1 &&
	      fl.l_start == 0 && fl.l_len == 10);
	/* a process lock of ours conflicts with the description's lock */
	errno = 0;
	CHECK(setlk(b, F_SETLK, F_WRLCK, SEEK_SET, 0, 1) == -1 && errno == EAGAIN);
	struct flock pl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	CHECK(fcntl(b, F_GETLK, &pl) == 0 && pl.l_type == F_WRLCK && pl.l_pid == -1);
	/* l_pid must be 0 */
	struct flock bad = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_pid = getpid() };
	errno = 0;
	CHECK(fcntl(b, F_OFD_SETLK, &bad) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(fcntl(b, F_OFD_GETLK, &bad) == -1 && errno == EINVAL);
	/* a dup shares the description: no conflict, and closing one of the
	 * two keeps the lock; closing another fd of the file too */
	int d = dup(a);
	CHECK(setlk(d, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 10) == 0);
	close(a);
	int other = open_file(O_RDONLY);
	close(other);
	errno = 0;
	CHECK(setlk(b, F_OFD_SETLK, F_RDLCK, SEEK_SET, 14, 1) == -1 && errno == EAGAIN);
	close(d);			/* the last close of the description */
	CHECK(setlk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 0) == 0);
	CHECK(setlk(b, F_OFD_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
	close(b);
}

static void flocks(void)
{
	int a = open_file(O_RDONLY), b = open_file(O_RDONLY), p[2];
	CHECK(a >= 0 && b >= 0 && pipe(p) == 0);
	CHECK(flock(a, LOCK_SH) == 0);
	CHECK(flock(b, LOCK_SH | LOCK_NB) == 0);
	errno = 0;
	CHECK(flock(a, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK);
	CHECK(flock(a, LOCK_SH) == 0);		/* the failed conversion kept nothing */
	CHECK(flock(b, LOCK_UN) == 0);
	CHECK(flock(a, LOCK_EX | LOCK_NB) == 0);	/* converted */
	errno = 0;
	CHECK(flock(b, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK);
	/* flock and POSIX locks do not see each other */
	CHECK(setlk(b, F_SETLK, F_RDLCK, SEEK_SET, 0, 0) == 0);
	CHECK(setlk(b, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
	/* a blocked LOCK_EX in another process is woken by LOCK_UN */
	pid_t c = fork();
	if (c == 0) {
		close(a);		/* the parent's description stays locked */
		int cfd = open_file(O_RDONLY);
		if (flock(cfd, LOCK_EX))
			_exit(2);
		char x = 'k';
		if (write(p[1], &x, 1) != 1)
			_exit(3);
		_exit(0);	/* releases at exit */
	}
	msleep(150);
	CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
	char x;
	CHECK(read(p[0], &x, 1) == -1);
	CHECK(flock(a, LOCK_UN) == 0);
	CHECK(child_status(c) == 0);
	CHECK(read(p[0], &x, 1) == 1 && x == 'k');
	CHECK(flock(b, LOCK_EX | LOCK_NB) == 0);
	CHECK(flock(b, LOCK_UN) == 0);

	/* released at the last close of the description: dup and fork share it */
	CHECK(flock(a, LOCK_EX) == 0);
	int d = dup(a), go[2];
	CHECK(pipe(go) == 0);
	c = fork();
	if (c == 0) {
		close(go[1]);
		_exit(read(go[0], &x, 1) == 0 ? 0 : 1);	/* until the parent closes */
	}
	close(go[0]);
	close(a);
	close(d);
	errno = 0;
	CHECK(flock(b, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK);
	close(go[1]);
	CHECK(child_status(c) == 0);
	CHECK(flock(b, LOCK_SH | LOCK_NB) == 0);

	/* hostile commands */
	errno = 0;
	CHECK(flock(b, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(flock(b, LOCK_SH | LOCK_EX) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(flock(-1, LOCK_SH) == -1 && errno == EBADF);
	errno = 0;
	CHECK(flock(999, LOCK_UN) == -1 && errno == EBADF);
	close(b);
	close(p[0]);
	close(p[1]);
}

static void hostile(void)
{
	int rw = open_file(O_RDWR), ro = open(FILE_NAME, O_RDONLY), wo = open(FILE_NAME, O_WRONLY);
	CHECK(rw >= 0 && ro >= 0 && wo >= 0);
	errno = 0;
	CHECK(setlk(-1, F_SETLK, F_RDLCK, SEEK_SET, 0, 0) == -1 && errno == EBADF);
	errno = 0;
	CHECK(setlk(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 0) == -1 && errno == EBADF);
	errno = 0;
	CHECK(setlk(wo, F_SETLK, F_RDLCK, SEEK_SET, 0, 0) == -1 && errno == EBADF);
	CHECK(setlk(ro, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
	errno = 0;
	CHECK(setlk(rw, F_SETLK, F_RDLCK, 3, 0, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(setlk(rw, F_SETLK, 7, SEEK_SET, 0, 0) == -1 && errno == EINVAL);
	struct flock gl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };
	errno = 0;
	CHECK(fcntl(rw, F_GETLK, &gl) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(setlk(rw, F_SETLK, F_RDLCK, SEEK_SET, -1, 1) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(setlk(rw, F_SETLK, F_RDLCK, SEEK_SET, 5, -6) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(setlk(rw, F_SETLK, F_RDLCK, SEEK_SET, LLONG_MAX, 2) == -1 && errno == EOVERFLOW);
	errno = 0;
	CHECK(setlk(rw, F_SETLK, F_RDLCK, SEEK_END, LLONG_MAX, 1) == -1 && errno == EOVERFLOW);
	CHECK(setlk(rw, F_SETLK, F_RDLCK, SEEK_SET, LLONG_MAX, 1) == 0);
	CHECK(setlk(rw, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
	errno = 0;
	CHECK(fcntl(rw, F_SETLK, (void *)8) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(fcntl(rw, F_GETLK, (void *)(uintptr_t)0xffff800000000000ULL) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(fcntl(rw, F_OFD_SETLKW, NULL) == -1 && errno == EFAULT);
	int path = open(FILE_NAME, O_PATH);
	errno = 0;
	CHECK(setlk(path, F_SETLK, F_RDLCK, SEEK_SET, 0, 0) == -1 && errno == EBADF);
	errno = 0;
	CHECK(flock(path, LOCK_SH) == -1 && errno == EBADF);
	close(path);

	/* splitting into ever more ranges ends in ENOLCK, and all comes back */
	int i, r = 0;
	for (i = 0; i < 100000 && !(r = setlk(rw, F_SETLK, F_WRLCK, SEEK_SET, 2 * i, 1)); i++)
		;
	CHECK(r == -1 && errno == ENOLCK && i >= 100);
	CHECK(setlk(rw, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
	CHECK(setlk(rw, F_SETLK, F_WRLCK, SEEK_SET, 0, 1) == 0);
	CHECK(setlk(rw, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
	close(rw);
	close(ro);
	close(wo);
}

static int t_fd;
static volatile int t_state;

static void *second_thread(void *arg)
{
	(void)arg;
	int fd = open_file(O_RDWR);
	/* the same process: no conflict with the main thread's POSIX lock */
	if (setlk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10)) {
		t_state = -1;
		return NULL;
	}
	t_state = 1;
	/* a different description: waits for the main thread's OFD lock */
	if (setlk(fd, F_OFD_SETLKW, F_WRLCK, SEEK_SET, 100, 1) == 0)
		t_state = 2;
	else
		t_state = -2;
	close(fd);
	return NULL;
}

static void threads(void)
{
	t_fd = open_file(O_RDWR);
	CHECK(setlk(t_fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10) == 0);
	CHECK(setlk(t_fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 100, 1) == 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, second_thread, NULL) == 0);
	for (int i = 0; i < 500 && !t_state; i++)
		msleep(10);
	msleep(100);			/* time to get past its F_OFD_SETLKW */
	CHECK(t_state == 1);
	CHECK(setlk(t_fd, F_OFD_SETLK, F_UNLCK, SEEK_SET, 100, 1) == 0);
	pthread_join(t, NULL);
	CHECK(t_state == 2);
	close(t_fd);
}

static void misc_fcntl(void)
{
	static char big[1 << 20], back[8192];
	int p[2];
	CHECK(pipe2(p, O_NONBLOCK) == 0);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 4096);
	CHECK(fcntl(p[0], F_GETPIPE_SZ) == 65536);
	CHECK(write(p[1], big, 8192) == 8192);
	errno = 0;
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 4096) == -1 && errno == EBUSY);
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 5000) == 8192);	/* pages, a power of two */
	CHECK(fcntl(p[0], F_GETPIPE_SZ) == 8192);
	errno = 0;
	CHECK(write(p[1], big, 1) == -1 && errno == EAGAIN);	/* full at 8 KiB */
	CHECK(read(p[0], back, 8192) == 8192 && !memcmp(back, big, 8192));
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 0) == 4096);
	CHECK(write(p[1], big, 8192) == 4096);
	CHECK(read(p[0], back, 2048) == 2048);		/* wraps around */
	CHECK(write(p[1], big + 4096, 2048) == 2048);
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 1 << 20) == 1 << 20);	/* keeps contents */
	CHECK(read(p[0], back, 8192) == 4096 && !memcmp(back, big + 2048, 4096));
	CHECK(write(p[1], big, sizeof(big)) == (ssize_t)sizeof(big));
	CHECK(read(p[0], back, 8192) == 8192 && !memcmp(back, big, 8192));
	errno = 0;
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 0x80000001u) == -1 && errno == EINVAL);
	int fd = open_file(O_RDWR);
	errno = 0;
	CHECK(fcntl(fd, F_GETPIPE_SZ) == -1 && errno == EBADF);
	close(p[0]);
	close(p[1]);

	CHECK(fcntl(fd, F_GETOWN) == 0);
	CHECK(fcntl(fd, F_SETOWN, getpid()) == 0 && fcntl(fd, F_GETOWN) == getpid());
	struct f_owner_ex ex = { 0 };
	CHECK(fcntl(fd, F_GETOWN_EX, &ex) == 0 && ex.type == F_OWNER_PID && ex.pid == getpid());
	ex.type = 9;
	errno = 0;
	CHECK(fcntl(fd, F_SETOWN_EX, &ex) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(fcntl(fd, F_SETOWN_EX, (void *)8) == -1 && errno == EFAULT);
	CHECK(fcntl(fd, F_GETSIG) == 0);
	CHECK(fcntl(fd, F_SETSIG, SIGUSR1) == 0 && fcntl(fd, F_GETSIG) == SIGUSR1);
	errno = 0;
	CHECK(fcntl(fd, F_SETSIG, 65) == -1 && errno == EINVAL);
	CHECK(fcntl(fd, F_GETLEASE) == F_UNLCK);
	close(fd);
}

int main(void)
{
	unlink(FILE_NAME);
	ranges();
	contend();
	deadlock();
	killed_holder();
	eintr();
	ofd();
	flocks();
	hostile();
	threads();
	misc_fcntl();
	unlink(FILE_NAME);
	printf("# locks: %s\n", failures ? "FAILED" : "all passed");
	return check_done();
}
