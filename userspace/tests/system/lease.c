#define _GNU_SOURCE
/*
 * File leases (F_SETLEASE, F_GETLEASE; docs/async.md), attacker's side:
 *  - bad arguments: an unknown type, a pipe, a directory: EINVAL; a read
 *    lease on a file open for writing, a write lease while another fd
 *    has the file open: EAGAIN;
 *  - a conflicting open by a child breaks the lease: the holder gets
 *    F_SETSIG's signal with si_fd and POLL_MSG, F_GETLEASE shows the
 *    target, the child's open waits until the holder lets go;
 *  - O_NONBLOCK openers get EWOULDBLOCK at once;
 *  - a holder that never answers loses the lease after
 *    /proc/sys/fs/lease-break-time seconds; one that closes its fd
 *    while the opener waits lets it through.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#define TEST_NAME "lease"
#include "check.h"

#define F "/tmp/lease_file"
#define RTSIG (SIGRTMIN + 2)

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int waitsig(siginfo_t *si, int ms)
{
	sigset_t s;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	sigemptyset(&s);
	sigaddset(&s, RTSIG);
	return sigtimedwait(&s, si, &ts);
}

/* A child opening F with flags; its exit code: 0 ok, else errno. */
static int fd = -1;

static pid_t opener(int flags)
{
	pid_t c = fork();

	if (c == 0) {
		close(fd);	/* the holder's file is the parent's alone */
		fd = open(F, flags);
		_exit(fd < 0 ? errno : 0);
	}
	return c;
}

static int status(pid_t c)
{
	int st;

	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

static void set_break_time(int s)
{
	int fd = open("/proc/sys/fs/lease-break-time", O_WRONLY);
	char b[16];

	CHECK(fd >= 0);
	int n = snprintf(b, sizeof(b), "%d\n", s);
	CHECK(write(fd, b, n) == n);
	close(fd);
}

int main(void)
{
	sigset_t s;
	siginfo_t si;
	int p[2];

	sigemptyset(&s);
	sigaddset(&s, RTSIG);
	sigprocmask(SIG_BLOCK, &s, NULL);
	close(open(F, O_CREAT | O_WRONLY | O_TRUNC, 0600));

	/* hostile */
	fd = open(F, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_SETLEASE, 7) < 0 && errno == EINVAL);
	CHECK(fcntl(fd, F_SETLEASE, -1) < 0 && errno == EINVAL);
	CHECK(pipe(p) == 0);
	CHECK(fcntl(p[0], F_SETLEASE, F_RDLCK) < 0 && errno == EINVAL);
	int d = open("/tmp", O_RDONLY);
	CHECK(fcntl(d, F_SETLEASE, F_RDLCK) < 0 && errno == EINVAL);
	close(d);
	int w = open(F, O_RDWR);
	CHECK(fcntl(w, F_SETLEASE, F_RDLCK) < 0 && errno == EAGAIN);
	CHECK(fcntl(fd, F_SETLEASE, F_RDLCK) < 0 && errno == EAGAIN);	/* w writes */
	CHECK(fcntl(fd, F_SETLEASE, F_WRLCK) < 0 && errno == EAGAIN);	/* w is open */
	close(w);
	CHECK(fcntl(fd, F_GETLEASE) == F_UNLCK);

	/* a read lease; a reader does not break it, a writer does */
	CHECK(fcntl(fd, F_SETSIG, RTSIG) == 0);
	CHECK(fcntl(fd, F_SETLEASE, F_RDLCK) == 0);
	CHECK(fcntl(fd, F_GETLEASE) == F_RDLCK);
	CHECK(status(opener(O_RDONLY)) == 0);
	CHECK(status(opener(O_RDWR | O_NONBLOCK)) == EWOULDBLOCK);
	CHECK(waitsig(&si, 5000) == RTSIG && si.si_fd == fd && si.si_code == POLL_MSG);
	CHECK(fcntl(fd, F_GETLEASE) == F_UNLCK);	/* being broken: its target */
	CHECK(fcntl(fd, F_SETLEASE, F_UNLCK) == 0);

	CHECK(fcntl(fd, F_SETLEASE, F_RDLCK) == 0);
	double t0 = now();
	pid_t c = opener(O_WRONLY);
	CHECK(waitsig(&si, 5000) == RTSIG && si.si_fd == fd);
	usleep(200000);
	CHECK(waitpid(c, NULL, WNOHANG) == 0);		/* still waiting */
	CHECK(fcntl(fd, F_SETLEASE, F_UNLCK) == 0);
	CHECK(status(c) == 0);
	CHECK(now() - t0 < 5);

	/* truncate(2) breaks it as an open for writing */
	CHECK(fcntl(fd, F_SETLEASE, F_RDLCK) == 0);
	c = fork();
	if (c == 0) {
		close(fd);
		_exit(truncate(F, 0) ? errno : 0);
	}
	CHECK(waitsig(&si, 5000) == RTSIG && si.si_fd == fd);
	CHECK(fcntl(fd, F_SETLEASE, F_UNLCK) == 0);
	CHECK(status(c) == 0);

	/* never answered: taken away after lease-break-time */
	set_break_time(1);
	CHECK(fcntl(fd, F_SETLEASE, F_RDLCK) == 0);
	t0 = now();
	CHECK(status(opener(O_WRONLY)) == 0);
	double took = now() - t0;
	CHECK(took > 0.5 && took < 4);
	CHECK(fcntl(fd, F_GETLEASE) == F_UNLCK);
	while (waitsig(&si, 0) == RTSIG)
		;

	/* the holder closes while the opener waits */
	set_break_time(30);
	CHECK(fcntl(fd, F_SETLEASE, F_RDLCK) == 0);
	t0 = now();
	c = opener(O_WRONLY);
	CHECK(waitsig(&si, 5000) == RTSIG);
	close(fd);
	CHECK(status(c) == 0);
	CHECK(now() - t0 < 5);

	/* a write lease: any open breaks it; downgrade lets readers in */
	fd = open(F, O_RDONLY);
	CHECK(fcntl(fd, F_SETSIG, RTSIG) == 0);
	CHECK(fcntl(fd, F_SETLEASE, F_WRLCK) == 0);
	CHECK(fcntl(fd, F_GETLEASE) == F_WRLCK);
	c = opener(O_RDONLY);
	CHECK(waitsig(&si, 5000) == RTSIG);
	CHECK(fcntl(fd, F_GETLEASE) == F_RDLCK);
	CHECK(fcntl(fd, F_SETLEASE, F_RDLCK) == 0);
	CHECK(status(c) == 0);
	CHECK(fcntl(fd, F_GETLEASE) == F_RDLCK);
	close(fd);
	set_break_time(45);
	unlink(F);
	return check_done();
}
