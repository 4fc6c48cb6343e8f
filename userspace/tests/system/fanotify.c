#define _GNU_SOURCE
/*
 * fanotify (docs/async.md "fanotify"), attacker's side:
 *  - hostile arguments to fanotify_init, fanotify_mark, read and write
 *    (bad flags, classes, masks, fds, pointers, short buffers, answers
 *    for no event): the errno Linux gives, nothing else;
 *  - events: an inode mark sees open, read, close with an fd of the
 *    file and the opener's pid; fdinfo shows the group and its marks;
 *  - permission events: FAN_DENY fails the open with EPERM, FAN_ALLOW
 *    lets it through; a listener that never answers while the opener is
 *    killed (SIGKILL ends the wait; the late answer is ENOENT); a
 *    listener that closes its group with events queued and read but not
 *    answered (the openers go on);
 *  - bursts: 20000 events on distinct files into a queue of 16384
 *    (one overflow event, timed), and a queue of 64;
 *  - a second thread adding and removing the mark while events fire;
 *  - a marked file unlinked and closed: its mark goes (fdinfo).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#ifndef FAN_REPORT_PIDFD
#define FAN_REPORT_PIDFD 0x80
#endif
#ifndef FAN_MARK_IGNORE
#define FAN_MARK_IGNORE 0x400
#endif

#define TEST_NAME "fanotify"
#include "check.h"

#define DIR_ "/tmp/fan"
#define F DIR_ "/file"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int fan_init(unsigned flags, unsigned fflags)
{
	return syscall(SYS_fanotify_init, flags, fflags);
}

static int fan_mark(int fd, unsigned flags, uint64_t mask, int dfd, const char *path)
{
	return syscall(SYS_fanotify_mark, fd, flags, mask, dfd, path);
}

static void touch(const char *p)
{
	int fd = open(p, O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, "abc", 3) == 3);
	close(fd);
}

/* fdinfo lines of fd starting with "fanotify " */
static int fdinfo_marks(int fd)
{
	char p[64], line[256];
	int n = 0;

	snprintf(p, sizeof(p), "/proc/self/fdinfo/%d", fd);
	FILE *f = fopen(p, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "fanotify ino:", 13) || !strncmp(line, "fanotify mnt_id:", 16) ||
		    !strncmp(line, "fanotify sdev:", 14))
			n++;
	fclose(f);
	return n;
}

static void hostile(void)
{
	int g, p[2];
	char buf[64];

	CHECK(fan_init(0x80000000u, O_RDONLY) < 0 && errno == EINVAL);
	CHECK(fan_init(FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT, O_RDONLY) < 0 && errno == EINVAL);
	CHECK(fan_init(FAN_REPORT_PIDFD | FAN_REPORT_TID, O_RDONLY) < 0 && errno == EINVAL);
	CHECK(fan_init(0, O_ACCMODE) < 0 && errno == EINVAL);
	CHECK(fan_init(0, O_CREAT) < 0 && errno == EINVAL);
	g = fan_init(FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY);
	CHECK(g >= 0);
	CHECK(fan_mark(-1, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, F) < 0 && errno == EBADF);
	CHECK(pipe(p) == 0);
	CHECK(fan_mark(p[0], FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, F) < 0 && errno == EINVAL);
	CHECK(fan_mark(g, FAN_MARK_ADD, 1ull << 40, AT_FDCWD, F) < 0 && errno == EINVAL);
	CHECK(fan_mark(g, FAN_MARK_ADD | 0x80000, FAN_OPEN, AT_FDCWD, F) < 0 && errno == EINVAL);
	CHECK(fan_mark(g, FAN_MARK_ADD | FAN_MARK_REMOVE, FAN_OPEN, AT_FDCWD, F) < 0 &&
	      errno == EINVAL);
	CHECK(fan_mark(g, 0, FAN_OPEN, AT_FDCWD, F) < 0 && errno == EINVAL);
	CHECK(fan_mark(g, FAN_MARK_ADD | FAN_MARK_MOUNT | FAN_MARK_FILESYSTEM, FAN_OPEN,
		       AT_FDCWD, F) < 0 && errno == EINVAL);
	CHECK(fan_mark(g, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, F) < 0 && errno == EINVAL);
	CHECK(fan_mark(g, FAN_MARK_ADD, FAN_CREATE, AT_FDCWD, DIR_) < 0 && errno == EINVAL);
	CHECK(fan_mark(g, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, (char *)8) < 0 && errno == EFAULT);
	CHECK(fan_mark(g, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, DIR_ "/nope") < 0 && errno == ENOENT);
	CHECK(fan_mark(g, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_OPEN, AT_FDCWD, F) < 0 &&
	      errno == ENOTDIR);
	CHECK(fan_mark(g, FAN_MARK_REMOVE, FAN_OPEN, AT_FDCWD, F) < 0 && errno == ENOENT);
	CHECK(fan_mark(g, FAN_MARK_ADD, FAN_OPEN, -1, NULL) < 0 && errno == EBADF);
	CHECK(fan_mark(g, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN, p[0], NULL) < 0 &&
	      errno == EINVAL);
	CHECK(fan_mark(g, FAN_MARK_ADD | FAN_MARK_MOUNT | FAN_MARK_IGNORE, FAN_OPEN, AT_FDCWD,
		       F) < 0 && errno == EINVAL);
	CHECK(fan_mark(g, FAN_MARK_ADD | FAN_MARK_IGNORE, FAN_OPEN, AT_FDCWD, DIR_) < 0 &&
	      errno == EISDIR);
	CHECK(read(g, buf, sizeof(buf)) < 0 && errno == EAGAIN);
	struct fanotify_response r = { 5, FAN_ALLOW };
	CHECK(write(g, &r, 4) < 0 && errno == EINVAL);
	CHECK(write(g, &r, sizeof(r)) < 0 && errno == ENOENT);
	r.response = 7;
	CHECK(write(g, &r, sizeof(r)) < 0 && errno == EINVAL);
	r.fd = -3;
	r.response = FAN_DENY;
	CHECK(write(g, &r, sizeof(r)) < 0 && errno == EINVAL);
	CHECK(write(g, (void *)8, sizeof(r)) < 0 && errno == EFAULT);
	/* an event too big for the buffer; a buffer the kernel cannot write */
	CHECK(fan_mark(g, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, F) == 0);
	close(open(F, O_RDONLY));
	CHECK(read(g, buf, 8) < 0 && errno == EINVAL);
	CHECK(read(g, (void *)8, sizeof(buf)) < 0 && errno == EFAULT);
	int nfd = dup(0);	/* the lost event's fd was not leaked */
	CHECK(nfd >= 0);
	close(nfd);
	CHECK(fan_mark(g, FAN_MARK_FLUSH, 0, 0, NULL) == 0);
	CHECK(fdinfo_marks(g) == 0);
	close(p[0]);
	close(p[1]);
	close(g);
}

static void events(void)
{
	struct fanotify_event_metadata ev[8];
	char b[8];
	int g = fan_init(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);

	CHECK(g >= 0);
	CHECK(fcntl(g, F_GETFD) == FD_CLOEXEC);
	CHECK(fan_mark(g, FAN_MARK_ADD, FAN_OPEN | FAN_ACCESS | FAN_CLOSE_NOWRITE, AT_FDCWD,
		       F) == 0);
	CHECK(fdinfo_marks(g) == 1);
	int fd = open(F, O_RDONLY);
	CHECK(read(fd, b, 1) == 1);
	close(fd);
	int n = read(g, ev, sizeof(ev));
	CHECK(n >= (int)sizeof(ev[0]));
	if (n >= (int)sizeof(ev[0])) {
		uint64_t all = 0;
		for (int k = 0; k < n / (int)sizeof(ev[0]); k++) {
			CHECK(ev[k].vers == FANOTIFY_METADATA_VERSION);
			CHECK(ev[k].event_len == sizeof(ev[0]));
			CHECK(ev[k].pid == getpid());
			CHECK(ev[k].fd >= 0);
			/* the listener's file reads the data, and makes no event */
			CHECK(pread(ev[k].fd, b, 3, 0) == 3 && !memcmp(b, "abc", 3));
			close(ev[k].fd);
			all |= ev[k].mask;
		}
		CHECK(all == (FAN_OPEN | FAN_ACCESS | FAN_CLOSE_NOWRITE));
	}
	CHECK(read(g, ev, sizeof(ev)) < 0 && errno == EAGAIN);
	/* open(2)'s unknown bit 010 is the kernel's "no events" for the
	 * listener's own files: a program passing it is still seen */
	fd = open(F, O_RDONLY | 010);
	CHECK(fd >= 0);
	close(fd);
	CHECK(read(g, ev, sizeof(ev)) >= (int)sizeof(ev[0]));
	close(ev[0].fd);
	close(g);
}

/* A group with an FAN_OPEN_PERM mark on F. */
static int perm_group(void)
{
	int g = fan_init(FAN_CLASS_CONTENT, O_RDONLY);

	CHECK(g >= 0);
	CHECK(fan_mark(g, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, F) == 0);
	return g;
}

static pid_t opener(void)
{
	pid_t c = fork();

	if (c == 0) {
		for (int k = 3; k < 64; k++)	/* not the group: its close must count */
			close(k);
		int fd = open(F, O_RDONLY);
		_exit(fd < 0 ? errno : 0);
	}
	return c;
}

static int status(pid_t c)
{
	int st;

	CHECK(waitpid(c, &st, 0) == c);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

static int answer(int g, unsigned resp)
{
	struct fanotify_event_metadata ev;
	CHECK(read(g, &ev, sizeof(ev)) == sizeof(ev));
	CHECK(ev.mask == FAN_OPEN_PERM);
	struct fanotify_response r = { ev.fd, resp };
	CHECK(write(g, &r, sizeof(r)) == sizeof(r));
	close(ev.fd);
	return ev.fd;
}

static void permissions(void)
{
	int g = perm_group();

	pid_t c = opener();
	answer(g, FAN_DENY);
	CHECK(status(c) == EPERM);
	c = opener();
	answer(g, FAN_ALLOW);
	CHECK(status(c) == 0);

	/* never answered: the opener is killed while it waits */
	c = opener();
	struct fanotify_event_metadata ev;
	CHECK(read(g, &ev, sizeof(ev)) == sizeof(ev));
	usleep(100000);
	CHECK(kill(c, SIGKILL) == 0);
	double t0 = now();
	CHECK(status(c) == 1000 + SIGKILL);
	CHECK(now() - t0 < 5);
	struct fanotify_response r = { ev.fd, FAN_ALLOW };
	CHECK(write(g, &r, sizeof(r)) < 0 && errno == ENOENT);
	close(ev.fd);
	/* killed before anyone read its event */
	c = opener();
	usleep(100000);
	CHECK(kill(c, SIGKILL) == 0);
	CHECK(status(c) == 1000 + SIGKILL);
	/* its event went with it (Linux) */
	struct pollfd pfd = { g, POLLIN, 0 };
	CHECK(poll(&pfd, 1, 100) == 0);
	close(g);

	/* the group closes: one opener's event read, one's queued */
	g = perm_group();
	pid_t c1 = opener();
	CHECK(read(g, &ev, sizeof(ev)) == sizeof(ev));
	pid_t c2 = opener();
	usleep(200000);
	int fds_before = dup(0);
	close(fds_before);
	close(g);
	CHECK(status(c1) == 0);
	CHECK(status(c2) == 0);
	close(ev.fd);
	int fds_after = dup(0);
	CHECK(fds_after <= fds_before);	/* nothing leaked: g's is free too */
	close(fds_after);
}

static void burst(int max, int files)
{
	char p[64];
	FILE *f = fopen("/proc/sys/fs/fanotify/max_queued_events", "w");

	CHECK(f != NULL);
	if (f) {
		fprintf(f, "%d\n", max);
		fclose(f);
	}
	int g = fan_init(FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY);
	CHECK(g >= 0);
	CHECK(fan_mark(g, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN, AT_FDCWD, DIR_) == 0);
	double t0 = now();
	for (int k = 0; k < files; k++) {
		snprintf(p, sizeof(p), DIR_ "/b%d", k);
		close(open(p, O_CREAT | O_RDONLY, 0644));
	}
	double t1 = now();
	int n = 0, ovf = 0;
	struct fanotify_event_metadata ev[64];
	for (;;) {
		int len = read(g, ev, sizeof(ev));
		if (len <= 0)
			break;
		for (int k = 0; k < len / (int)sizeof(ev[0]); k++) {
			if (ev[k].mask == FAN_Q_OVERFLOW) {
				ovf++;
				CHECK(ev[k].fd == FAN_NOFD);
			} else {
				n++;
				close(ev[k].fd);
			}
		}
	}
	double t2 = now();
	printf("# burst: %d files opened in %.2f s, %d events read in %.2f s\n", files, t1 - t0,
	       n, t2 - t1);
	/* as LTP's fanotify05: one event a read, its fd's name looked at */
	for (int k = 0; k < files; k++) {
		snprintf(p, sizeof(p), DIR_ "/b%d", k);
		close(open(p, O_RDONLY));
	}
	double t3 = now();
	int n2 = 0;
	for (;;) {
		char lnk[64], target[256];
		if (read(g, ev, sizeof(ev[0])) <= 0)
			break;
		if (ev[0].fd >= 0) {
			snprintf(lnk, sizeof(lnk), "/proc/self/fd/%d", ev[0].fd);
			CHECK(readlink(lnk, target, sizeof(target)) > 0);
			close(ev[0].fd);
		}
		n2++;
	}
	double t4 = now();
	printf("# burst: %d more opens in %.2f s, %d events read one by one in %.2f s\n", files,
	       t3 - t2, n2, t4 - t3);
	if (files > 1000) {
		char target[256];
		for (int k = 0; k < 16384; k++)
			readlink("/proc/self/fd/0", target, sizeof(target));
		double t5 = now();
		for (int k = 0; k < 16384; k++)
			close(open(F, O_RDONLY));
		double t6 = now();
		printf("# 16384 readlinks in %.2f s, 16384 open+close in %.2f s\n", t5 - t4, t6 - t5);
	}
	CHECK(n == (max < files ? max : files));
	CHECK(ovf == (max < files));
	close(g);
	for (int k = 0; k < files; k++) {
		snprintf(p, sizeof(p), DIR_ "/b%d", k);
		unlink(p);
	}
	f = fopen("/proc/sys/fs/fanotify/max_queued_events", "w");
	if (f) {
		fprintf(f, "16384\n");
		fclose(f);
	}
}

static volatile int stop;
static int race_g;

static void *marker(void *arg)
{
	(void)arg;
	while (!stop) {
		fan_mark(race_g, FAN_MARK_ADD, FAN_OPEN | FAN_CLOSE, AT_FDCWD, F);
		fan_mark(race_g, FAN_MARK_REMOVE, FAN_OPEN | FAN_CLOSE, AT_FDCWD, F);
		fan_mark(race_g, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN, AT_FDCWD, F);
		fan_mark(race_g, FAN_MARK_FLUSH | FAN_MARK_MOUNT, 0, 0, NULL);
	}
	return NULL;
}

static void *drainer(void *arg)
{
	struct fanotify_event_metadata ev[16];
	(void)arg;
	while (!stop) {
		int len = read(race_g, ev, sizeof(ev));
		for (int k = 0; k < len / (int)sizeof(ev[0]); k++)
			if (ev[k].fd >= 0)
				close(ev[k].fd);
	}
	return NULL;
}

static void race(void)
{
	pthread_t t1, t2;

	race_g = fan_init(FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY);
	CHECK(race_g >= 0);
	CHECK(pthread_create(&t1, NULL, marker, NULL) == 0);
	CHECK(pthread_create(&t2, NULL, drainer, NULL) == 0);
	for (int k = 0; k < 3000; k++)
		close(open(F, O_RDONLY));
	stop = 1;
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	close(race_g);
}

static void evicted(void)
{
	int g = fan_init(FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY);

	touch(DIR_ "/victim");
	CHECK(fan_mark(g, FAN_MARK_ADD, FAN_OPEN | FAN_CLOSE, AT_FDCWD, DIR_ "/victim") == 0);
	CHECK(fdinfo_marks(g) == 1);
	CHECK(unlink(DIR_ "/victim") == 0);
	CHECK(fdinfo_marks(g) == 0);
	/* the same with the file still open: the mark goes at its close */
	touch(DIR_ "/victim");
	/* (no event: a queued one would hold the file, as on Linux) */
	CHECK(fan_mark(g, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, DIR_ "/victim") == 0);
	int fd = open(DIR_ "/victim", O_RDONLY);
	CHECK(unlink(DIR_ "/victim") == 0);
	CHECK(fdinfo_marks(g) == 1);
	close(fd);
	CHECK(fdinfo_marks(g) == 0);
	close(g);
}

int main(void)
{
	mkdir(DIR_, 0755);
	touch(F);
	setvbuf(stdout, NULL, _IONBF, 0);
	hostile();
	printf("# hostile done\n");
	events();
	printf("# events done\n");
	permissions();
	printf("# permissions done\n");
	burst(64, 200);
	burst(16384, 20000);
	race();
	printf("# race done\n");
	evicted();
	unlink(F);
	rmdir(DIR_);
	return check_done();
}
