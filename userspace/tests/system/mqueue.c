#define _GNU_SOURCE
/*
 * mqueue: POSIX message queues through the raw syscalls (names as the
 * kernel takes them, without libc's leading '/').
 *  - priority order, FIFO within a priority, mq_getsetattr;
 *  - attribute limits (EINVAL; root up to the hard limits), the
 *    /proc/sys/fs/mqueue files, queues_max (ENOSPC), RLIMIT_MSGQUEUE
 *    charged per user with Linux's formula (EMFILE), RLIMIT_NOFILE's
 *    EMFILE leaving no queue behind;
 *  - EMSGSIZE both ways, EAGAIN, ETIMEDOUT, bad timespecs, EBADF for the
 *    wrong access mode, EFAULT with nothing queued or a message lost;
 *  - hostile names ('/', ".", "", 256 bytes, a bad pointer), EEXIST,
 *    ENOENT, EACCES by mode with the umask, unlink by another user;
 *  - blocking send and receive across processes, unlink while open, a
 *    thread closing the fd while another blocks in receive;
 *  - mq_notify: the signal's siginfo, EBUSY for a second process, once
 *    only, SIGEV_THREAD's cookie and socket checked (glibc_netlink uses
 *    it), nothing while a receiver waits;
 *  - poll readiness and the status line read() gives;
 *  - 2000 queues made and removed with the kernel heap back where it was.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "mqueue"
#include "check.h"

#ifndef SI_MESGQ
#define SI_MESGQ (-3)
#endif

struct attr {
	long flags, maxmsg, msgsize, curmsgs, pad[4];
};

struct sev {
	union { int i; void *p; } value;
	int signo, notify;
	int tid;
	char pad[44];
};

static void *const BAD = (void *)8;

static int mq_open_(const char *name, int oflag, int mode, struct attr *a)
{
	return (int)syscall(SYS_mq_open, name, oflag, mode, a);
}

static long snd(int fd, const void *m, size_t n, unsigned prio, const struct timespec *ts)
{
	return syscall(SYS_mq_timedsend, fd, m, n, prio, ts);
}

static long rcv(int fd, void *m, size_t n, unsigned *prio, const struct timespec *ts)
{
	return syscall(SYS_mq_timedreceive, fd, m, n, prio, ts);
}

static long unl(const char *name)
{
	return syscall(SYS_mq_unlink, name);
}

static long getset(int fd, const struct attr *n, struct attr *o)
{
	return syscall(SYS_mq_getsetattr, fd, n, o);
}

static long curmsgs(int fd)
{
	struct attr a;
	return getset(fd, NULL, &a) ? -1 : a.curmsgs;
}

static int reap(pid_t c)
{
	int st = -1;
	if (c <= 0 || waitpid(c, &st, 0) != c)
		return -1;
	int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (rc)
		printf("# child %d: status %d\n", c, rc);
	return rc;
}

static struct timespec abs_in(long ms)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_nsec += (ms % 1000) * 1000000;
	t.tv_sec += ms / 1000 + t.tv_nsec / 1000000000;
	t.tv_nsec %= 1000000000;
	return t;
}

static long ms_since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static long read_long(const char *path)
{
	char b[64] = "";
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, b, sizeof(b) - 1);
	close(fd);
	return n > 0 ? atol(b) : -1;
}

static int write_long(const char *path, long v)
{
	char b[32];
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	int n = snprintf(b, sizeof(b), "%ld\n", v);
	int rc = write(fd, b, (size_t)n) == n ? 0 : -1;
	close(fd);
	return rc;
}

static void test_order(void)
{
	struct attr a = { .maxmsg = 8, .msgsize = 64 }, o;
	unl("t_order");
	int fd = mq_open_("t_order", O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK(fd >= 0);
	CHECK(getset(fd, NULL, &o) == 0 && o.maxmsg == 8 && o.msgsize == 64 && o.curmsgs == 0 &&
	      o.flags == 0);
	static const struct { unsigned prio; const char *s; } in[] = {
		{ 1, "one" }, { 5, "five-a" }, { 3, "three" }, { 5, "five-b" }, { 0, "zero" },
		{ 32767, "top" },
	};
	static const int want[] = { 5, 1, 3, 2, 0, 4 };
	for (unsigned i = 0; i < 6; i++)
		CHECK(snd(fd, in[i].s, strlen(in[i].s), in[i].prio, NULL) == 0);
	CHECK(curmsgs(fd) == 6);
	for (int i = 0; i < 6; i++) {
		char b[64];
		unsigned p = 99;
		long n = rcv(fd, b, sizeof(b), &p, NULL);
		const char *w = in[want[i]].s;
		CHECK(n == (long)strlen(w) && !memcmp(b, w, (size_t)n) && p == in[want[i]].prio);
	}
	/* an empty message, no priority pointer */
	CHECK(snd(fd, "", 0, 2, NULL) == 0);
	char b[64];
	CHECK(rcv(fd, b, sizeof(b), NULL, NULL) == 0);
	/* getsetattr: only O_NONBLOCK */
	struct attr n = { .flags = O_NONBLOCK, .maxmsg = 1000 };
	CHECK(getset(fd, &n, &o) == 0 && o.flags == 0);
	CHECK(getset(fd, NULL, &o) == 0 && o.flags == O_NONBLOCK && o.maxmsg == 8);
	CHECK(rcv(fd, b, sizeof(b), NULL, NULL) == -1 && errno == EAGAIN);
	n.flags = O_NONBLOCK | O_APPEND;
	errno = 0;
	CHECK(getset(fd, &n, NULL) == -1 && errno == EINVAL);
	CHECK(getset(fd, BAD, NULL) == -1 && errno == EFAULT);
	CHECK(getset(fd, NULL, BAD) == -1 && errno == EFAULT);
	CHECK(getset(0, NULL, &o) == -1 && errno == EBADF);
	close(fd);
	CHECK(unl("t_order") == 0);
}

static void test_limits(void)
{
	CHECK(read_long("/proc/sys/fs/mqueue/queues_max") == 256);
	CHECK(read_long("/proc/sys/fs/mqueue/msg_max") == 10);
	CHECK(read_long("/proc/sys/fs/mqueue/msgsize_max") == 8192);
	CHECK(read_long("/proc/sys/fs/mqueue/msg_default") == 10);
	CHECK(read_long("/proc/sys/fs/mqueue/msgsize_default") == 8192);
	unl("t_lim");
	struct attr bad[] = { { .maxmsg = 0, .msgsize = 8 }, { .maxmsg = 1, .msgsize = 0 },
			      { .maxmsg = -1, .msgsize = 8 }, { .maxmsg = 1, .msgsize = -5 },
			      { .maxmsg = 65537, .msgsize = 8 }, { .maxmsg = 1, .msgsize = (16 << 20) + 1 },
			      { .maxmsg = 1L << 40, .msgsize = 1L << 40 } };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		CHECK(mq_open_("t_lim", O_CREAT | O_RDWR, 0600, &bad[i]) == -1 && errno == EINVAL);
	}
	CHECK(mq_open_("t_lim", O_CREAT | O_RDWR, 0600, BAD) == -1 && errno == EFAULT);
	/* root may pass msg_max (CAP_SYS_RESOURCE); the default attributes */
	struct attr big = { .maxmsg = 20, .msgsize = 16384 }, o;
	int fd = mq_open_("t_lim", O_CREAT | O_EXCL | O_RDWR, 0600, &big);
	CHECK(fd >= 0 && getset(fd, NULL, &o) == 0 && o.maxmsg == 20 && o.msgsize == 16384);
	close(fd);
	unl("t_lim");
	fd = mq_open_("t_lim", O_CREAT | O_EXCL | O_RDWR, 0600, NULL);
	CHECK(fd >= 0 && getset(fd, NULL, &o) == 0 && o.maxmsg == 10 && o.msgsize == 8192);
	/* an existing queue ignores the attributes */
	int fd2 = mq_open_("t_lim", O_CREAT | O_RDWR, 0600, &bad[0]);
	CHECK(fd2 >= 0);
	close(fd2);
	/* a user over msg_max; queues_max for a user, not for root */
	pid_t c = fork();
	if (c == 0) {
		struct attr over = { .maxmsg = 11, .msgsize = 8 };
		if (setgid(1000) || setuid(1000))
			_exit(10);
		if (mq_open_("t_lim_u", O_CREAT | O_RDWR, 0600, &over) != -1 || errno != EINVAL)
			_exit(11);
		over.maxmsg = 10;
		over.msgsize = 8193;
		if (mq_open_("t_lim_u", O_CREAT | O_RDWR, 0600, &over) != -1 || errno != EINVAL)
			_exit(12);
		_exit(0);
	}
	CHECK(reap(c) == 0);
	CHECK(write_long("/proc/sys/fs/mqueue/queues_max", 0) == 0);
	c = fork();
	if (c == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(10);
		if (mq_open_("t_lim_u", O_CREAT | O_RDWR, 0600, NULL) != -1 || errno != ENOSPC)
			_exit(11);
		_exit(0);
	}
	CHECK(reap(c) == 0);
	fd2 = mq_open_("t_lim_r", O_CREAT | O_RDWR, 0600, NULL);
	CHECK(fd2 >= 0);	/* root: CAP_SYS_RESOURCE */
	close(fd2);
	unl("t_lim_r");
	CHECK(write_long("/proc/sys/fs/mqueue/queues_max", 256) == 0);
	CHECK(write_long("/proc/sys/fs/mqueue/msg_max", 0) == -1);	/* below 1 */

	/* RLIMIT_MSGQUEUE: 10 * (1024 + 48) + 10 * 48 = 11200 bytes a queue */
	c = fork();
	if (c == 0) {
		struct rlimit r = { 25000, 25000 };
		struct attr q = { .maxmsg = 10, .msgsize = 1024 };
		if (setrlimit(RLIMIT_MSGQUEUE, &r) || setgid(2000) || setuid(2000))
			_exit(10);
		int a1 = mq_open_("t_rl1", O_CREAT | O_RDWR, 0600, &q);
		int a2 = mq_open_("t_rl2", O_CREAT | O_RDWR, 0600, &q);
		if (a1 < 0 || a2 < 0) {
			printf("# rlimit child: errno %d\n", errno);
			_exit(11);
		}
		if (mq_open_("t_rl3", O_CREAT | O_RDWR, 0600, &q) != -1 || errno != EMFILE)
			_exit(12);
		q.maxmsg = 2;	/* 2 * 1072 + 96 = 2240 still fits */
		int a3 = mq_open_("t_rl3", O_CREAT | O_RDWR, 0600, &q);
		if (a3 < 0)
			_exit(13);
		close(a3);
		unl("t_rl3");
		/* unlinked but open: still charged */
		q.maxmsg = 10;
		unl("t_rl1");
		if (mq_open_("t_rl3", O_CREAT | O_RDWR, 0600, &q) != -1 || errno != EMFILE)
			_exit(14);
		close(a1);	/* now it goes */
		a3 = mq_open_("t_rl3", O_CREAT | O_RDWR, 0600, &q);
		if (a3 < 0)
			_exit(15);
		unl("t_rl2");
		unl("t_rl3");
		_exit(0);
	}
	CHECK(reap(c) == 0);
	/* EMFILE from RLIMIT_NOFILE: the queue is made, the fd is not */
	c = fork();
	if (c == 0) {
		struct rlimit r = { 0, 1024 };
		if (setrlimit(RLIMIT_NOFILE, &r))
			_exit(10);
		if (mq_open_("t_lim", O_RDWR, 0, NULL) != -1 || errno != EMFILE)
			_exit(11);
		/* a queue made for an fd that cannot be had is not left behind */
		if (mq_open_("t_lim_nf", O_CREAT | O_RDWR, 0600, NULL) != -1 || errno != EMFILE)
			_exit(12);
		r.rlim_cur = 1024;
		if (setrlimit(RLIMIT_NOFILE, &r))
			_exit(13);
		if (mq_open_("t_lim_nf", O_RDWR, 0, NULL) != -1 || errno != ENOENT)
			_exit(14);
		_exit(0);
	}
	CHECK(reap(c) == 0);
	close(fd);
	CHECK(unl("t_lim") == 0);
}

static void test_errors(void)
{
	struct attr a = { .maxmsg = 2, .msgsize = 64 };
	char b[128];
	memset(b, 'x', sizeof(b));
	unl("t_err");
	int fd = mq_open_("t_err", O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK(fd >= 0);
	CHECK(snd(fd, b, 65, 0, NULL) == -1 && errno == EMSGSIZE);
	CHECK(rcv(fd, b, 63, NULL, NULL) == -1 && errno == EMSGSIZE);
	CHECK(snd(fd, b, 1, 32768, NULL) == -1 && errno == EINVAL);
	CHECK(snd(fd, b, (size_t)-1, 0, NULL) == -1 && errno == EMSGSIZE);
	/* EFAULT with nothing queued */
	CHECK(snd(fd, BAD, 10, 0, NULL) == -1 && errno == EFAULT);
	CHECK(snd(fd, (void *)0xffff800000000000ULL, 10, 0, NULL) == -1 && errno == EFAULT);
	CHECK(curmsgs(fd) == 0);
	/* timespecs are checked first, as Linux */
	struct timespec t = { 0, 1000000000 };
	CHECK(snd(fd, b, 1, 0, &t) == -1 && errno == EINVAL);
	t.tv_nsec = -1;
	CHECK(rcv(fd, b, 64, NULL, &t) == -1 && errno == EINVAL);
	t.tv_sec = -1;
	t.tv_nsec = 0;
	CHECK(rcv(fd, b, 64, NULL, &t) == -1 && errno == EINVAL);
	CHECK(snd(fd, b, 1, 0, BAD) == -1 && errno == EFAULT);
	CHECK(curmsgs(fd) == 0);
	/* ETIMEDOUT: a past deadline at once, a near one after it passes */
	t.tv_sec = 0;
	CHECK(rcv(fd, b, 64, NULL, &t) == -1 && errno == ETIMEDOUT);
	struct timespec s0, dl = abs_in(60);
	clock_gettime(CLOCK_MONOTONIC, &s0);
	CHECK(rcv(fd, b, 64, NULL, &dl) == -1 && errno == ETIMEDOUT);
	long took = ms_since(&s0);
	CHECK(took >= 40 && took < 2000);
	CHECK(snd(fd, b, 3, 0, NULL) == 0 && snd(fd, b, 3, 0, NULL) == 0);
	dl = abs_in(60);
	clock_gettime(CLOCK_MONOTONIC, &s0);
	CHECK(snd(fd, b, 3, 0, &dl) == -1 && errno == ETIMEDOUT);
	CHECK(ms_since(&s0) >= 40);
	/* a message that could be sent with a bad timespec is not */
	CHECK(rcv(fd, b, 64, NULL, NULL) == 3);
	/* a receive into a bad buffer loses the message, as Linux */
	CHECK(rcv(fd, BAD, 64, NULL, NULL) == -1 && errno == EFAULT);
	CHECK(curmsgs(fd) == 0);
	CHECK(snd(fd, "ab", 2, 7, NULL) == 0);
	CHECK(rcv(fd, b, 64, BAD, NULL) == -1 && errno == EFAULT);
	/* access modes */
	int ro = mq_open_("t_err", O_RDONLY, 0, NULL), wo = mq_open_("t_err", O_WRONLY, 0, NULL);
	CHECK(ro >= 0 && wo >= 0);
	CHECK(snd(ro, b, 1, 0, NULL) == -1 && errno == EBADF);
	CHECK(rcv(wo, b, 64, NULL, NULL) == -1 && errno == EBADF);
	CHECK(snd(wo, "w", 1, 0, NULL) == 0 && rcv(ro, b, 64, NULL, NULL) == 1 && b[0] == 'w');
	int regular = open("/", O_RDONLY);
	CHECK(snd(regular, b, 1, 0, NULL) == -1 && errno == EBADF);
	CHECK(rcv(-1, b, 64, NULL, NULL) == -1 && errno == EBADF);
	CHECK(rcv(0x7ffffffe, b, 64, NULL, NULL) == -1 && errno == EBADF);
	CHECK(syscall(SYS_mq_notify, regular, NULL) == -1 && errno == EBADF);
	close(regular);
	close(ro);
	close(wo);
	CHECK(mq_open_("t_err", O_RDWR | O_WRONLY, 0, NULL) == -1 && errno == EINVAL);
	close(fd);
	CHECK(unl("t_err") == 0);
}

static void test_names(void)
{
	char longn[300];
	memset(longn, 'n', sizeof(longn));
	longn[256] = '\0';
	errno = 0;
	CHECK(mq_open_(longn, O_CREAT | O_RDWR, 0600, NULL) == -1 && errno == ENAMETOOLONG);
	CHECK(unl(longn) == -1 && errno == ENAMETOOLONG);
	longn[255] = '\0';
	int fd = mq_open_(longn, O_CREAT | O_EXCL | O_RDWR, 0600, NULL);
	CHECK(fd >= 0);
	close(fd);
	CHECK(unl(longn) == 0);
	CHECK(mq_open_("", O_CREAT | O_RDWR, 0600, NULL) == -1 && errno == ENOENT);
	CHECK(mq_open_("a/b", O_CREAT | O_RDWR, 0600, NULL) == -1 && errno == EACCES);
	CHECK(mq_open_("/abs", O_CREAT | O_RDWR, 0600, NULL) == -1 && errno == EACCES);
	CHECK(mq_open_(".", O_CREAT | O_RDWR, 0600, NULL) == -1 && errno == EACCES);
	CHECK(mq_open_("..", O_CREAT | O_RDWR, 0600, NULL) == -1 && errno == EACCES);
	CHECK(mq_open_(BAD, O_CREAT | O_RDWR, 0600, NULL) == -1 && errno == EFAULT);
	CHECK(unl(BAD) == -1 && errno == EFAULT);
	CHECK(mq_open_("t_nope", O_RDWR, 0, NULL) == -1 && errno == ENOENT);
	CHECK(unl("t_nope") == -1 && errno == ENOENT);
	fd = mq_open_("t_name", O_CREAT | O_EXCL | O_RDWR, 0604, NULL);
	CHECK(fd >= 0);
	CHECK(mq_open_("t_name", O_CREAT | O_EXCL | O_RDWR, 0600, NULL) == -1 && errno == EEXIST);
	close(fd);
	/* umask 004 takes the others' read bit of 0606 */
	mode_t old = umask(004);
	int fd2 = mq_open_("t_name2", O_CREAT | O_EXCL | O_RDWR, 0606, NULL);
	umask(old);
	CHECK(fd2 >= 0);
	pid_t c = fork();
	if (c == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(10);
		int r = mq_open_("t_name", O_RDONLY, 0, NULL);	/* 0604: others read */
		if (r < 0) {
			printf("# open as 1000: errno %d\n", errno);
			_exit(11);
		}
		if (mq_open_("t_name", O_WRONLY, 0, NULL) != -1 || errno != EACCES)
			_exit(12);
		if (mq_open_("t_name", O_RDWR, 0, NULL) != -1 || errno != EACCES)
			_exit(13);
		if (mq_open_("t_name2", O_RDONLY, 0, NULL) != -1 || errno != EACCES)
			_exit(14);	/* the umask took it */
		if (mq_open_("t_name2", O_WRONLY, 0, NULL) < 0)
			_exit(15);
		if (unl("t_name") != -1 || errno != EACCES)
			_exit(16);	/* not the owner */
		_exit(0);
	}
	CHECK(reap(c) == 0);
	CHECK(unl("t_name") == 0 && unl("t_name2") == 0);
	close(fd2);
}

static void test_blocking(void)
{
	struct attr a = { .maxmsg = 1, .msgsize = 32 };
	char b[32];
	unl("t_blk");
	int fd = mq_open_("t_blk", O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK(fd >= 0);
	/* a child blocks in receive until the parent sends */
	pid_t c = fork();
	if (c == 0) {
		unsigned p;
		long n = rcv(fd, b, sizeof(b), &p, NULL);
		_exit(n == 5 && !memcmp(b, "hello", 5) && p == 9 ? 0 : 1);
	}
	usleep(50000);
	CHECK(snd(fd, "hello", 5, 9, NULL) == 0);
	CHECK(reap(c) == 0);
	/* a child blocks in send on a full queue until the parent receives */
	CHECK(snd(fd, "first", 5, 0, NULL) == 0);
	c = fork();
	if (c == 0)
		_exit(snd(fd, "second", 6, 0, NULL) == 0 ? 0 : 1);
	usleep(50000);
	CHECK(curmsgs(fd) == 1);
	CHECK(rcv(fd, b, sizeof(b), NULL, NULL) == 5 && !memcmp(b, "first", 5));
	CHECK(reap(c) == 0);
	CHECK(rcv(fd, b, sizeof(b), NULL, NULL) == 6 && !memcmp(b, "second", 6));
	/* unlink while open: the name goes, the queue stays */
	CHECK(unl("t_blk") == 0);
	CHECK(mq_open_("t_blk", O_RDWR, 0, NULL) == -1 && errno == ENOENT);
	CHECK(snd(fd, "kept", 4, 1, NULL) == 0 && rcv(fd, b, sizeof(b), NULL, NULL) == 4);
	int fd2 = mq_open_("t_blk", O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK(fd2 >= 0 && curmsgs(fd2) == 0);
	CHECK(snd(fd, "old", 3, 1, NULL) == 0 && curmsgs(fd2) == 0 && curmsgs(fd) == 1);
	/* a receiver asleep on a queue unlinked under it is not woken */
	c = fork();
	if (c == 0) {
		long n = rcv(fd2, b, sizeof(b), NULL, NULL);
		_exit(n == 3 && !memcmp(b, "new", 3) ? 0 : 1);
	}
	usleep(30000);
	CHECK(unl("t_blk") == 0);
	usleep(30000);
	int st;
	CHECK(waitpid(c, &st, WNOHANG) == 0);
	CHECK(snd(fd2, "new", 3, 0, NULL) == 0);
	CHECK(reap(c) == 0);
	close(fd);
	close(fd2);
}

/* Until the task's /proc stat (path) says S, at most 5 s. */
static bool wait_stat_asleep(const char *path)
{
	char st[256];
	for (int i = 0; i < 500; i++) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, st, sizeof(st) - 1) : -1;
		if (fd >= 0)
			close(fd);
		char *p = n > 0 ? (st[n] = '\0', strrchr(st, ')')) : NULL;
		if (p && p[1] == ' ' && p[2] == 'S')
			return true;
		usleep(10000);
	}
	return false;
}

static bool wait_asleep(pid_t c)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", c);
	return wait_stat_asleep(path);
}

static bool wait_thread_asleep(volatile int *tid)
{
	char path[64];
	for (int i = 0; i < 500 && !*tid; i++)
		usleep(10000);
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", *tid);
	return *tid && wait_stat_asleep(path);
}

static volatile int got_sig;
static void on_sig(int s) { (void)s; got_sig++; }

static void test_eintr(void)
{
	struct attr a = { .maxmsg = 1, .msgsize = 8 };
	char b[8];
	unl("t_intr");
	int fd = mq_open_("t_intr", O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK(fd >= 0);
	struct sigaction sa = { .sa_handler = on_sig };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { .it_value = { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK(rcv(fd, b, sizeof(b), NULL, NULL) == -1 && errno == EINTR && got_sig == 1);
	CHECK(snd(fd, "x", 1, 0, NULL) == 0);
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK(snd(fd, "y", 1, 0, NULL) == -1 && errno == EINTR && got_sig == 2);
	signal(SIGALRM, SIG_DFL);
	close(fd);
	unl("t_intr");
}

struct blocker {
	volatile int tid;
	int fd;
	long n;
	char b[16];
};

static void *blocked_receive(void *arg)
{
	struct blocker *bl = arg;
	bl->tid = (int)syscall(SYS_gettid);
	bl->n = rcv(bl->fd, bl->b, sizeof(bl->b), NULL, NULL);
	return NULL;
}

static void *blocked_send(void *arg)
{
	struct blocker *bl = arg;
	bl->tid = (int)syscall(SYS_gettid);
	bl->n = snd(bl->fd, "third", 5, 0, NULL);
	return NULL;
}

static void test_close_while_blocked(void)
{
	struct attr a = { .maxmsg = 2, .msgsize = 16 };
	unl("t_close");
	struct blocker bl = { .fd = mq_open_("t_close", O_CREAT | O_EXCL | O_RDWR, 0600, &a) };
	CHECK(bl.fd >= 0);
	pthread_t th;
	CHECK(pthread_create(&th, NULL, blocked_receive, &bl) == 0);
	CHECK(wait_thread_asleep(&bl.tid));
	CHECK(close(bl.fd) == 0);	/* the sleeper holds the file: it goes on */
	int fd2 = mq_open_("t_close", O_WRONLY, 0, NULL);
	CHECK(fd2 >= 0);
	CHECK(unl("t_close") == 0);
	usleep(20000);
	CHECK(snd(fd2, "after", 5, 0, NULL) == 0);
	pthread_join(th, NULL);
	CHECK(bl.n == 5 && !memcmp(bl.b, "after", 5));
	close(fd2);
	/* the same for a sender on a full queue */
	bl.fd = mq_open_("t_close", O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK(bl.fd >= 0);
	CHECK(snd(bl.fd, "1", 1, 0, NULL) == 0 && snd(bl.fd, "2", 1, 0, NULL) == 0);
	bl.n = -2;
	bl.tid = 0;
	CHECK(pthread_create(&th, NULL, blocked_send, &bl) == 0);
	CHECK(wait_thread_asleep(&bl.tid));
	CHECK(bl.n == -2);
	fd2 = mq_open_("t_close", O_RDONLY, 0, NULL);
	CHECK(fd2 >= 0 && close(bl.fd) == 0 && unl("t_close") == 0);
	char b[16];
	CHECK(rcv(fd2, b, sizeof(b), NULL, NULL) == 1 && b[0] == '1');
	pthread_join(th, NULL);
	CHECK(bl.n == 0);
	CHECK(rcv(fd2, b, sizeof(b), NULL, NULL) == 1 && b[0] == '2');
	CHECK(rcv(fd2, b, sizeof(b), NULL, NULL) == 5 && !memcmp(b, "third", 5));
	close(fd2);
}

static void test_notify(void)
{
	struct attr a = { .maxmsg = 4, .msgsize = 16 };
	char b[16];
	unl("t_note");
	int fd = mq_open_("t_note", O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK(fd >= 0);
	struct sev ev = { .value.i = 0x1234, .signo = SIGUSR1, .notify = 0 /* SIGEV_SIGNAL */ };
	struct sev bad = ev;
	bad.notify = 99;
	CHECK(syscall(SYS_mq_notify, fd, &bad) == -1 && errno == EINVAL);
	bad = ev;
	bad.signo = 65;
	CHECK(syscall(SYS_mq_notify, fd, &bad) == -1 && errno == EINVAL);
	bad.signo = -1;
	CHECK(syscall(SYS_mq_notify, fd, &bad) == -1 && errno == EINVAL);
	bad.signo = 0;		/* Linux's valid_signal: registers, sends nothing */
	CHECK(syscall(SYS_mq_notify, fd, &bad) == 0);
	CHECK(syscall(SYS_mq_notify, fd, &ev) == -1 && errno == EBUSY);
	CHECK(syscall(SYS_mq_notify, fd, NULL) == 0);
	bad = ev;
	bad.notify = 2;		/* SIGEV_THREAD: value is a 32-byte cookie's address */
	CHECK(syscall(SYS_mq_notify, fd, &bad) == -1 && errno == EFAULT);
	static char cookie[32];
	bad.value.p = cookie;	/* and signo a netlink socket's fd */
	bad.signo = 999;
	CHECK(syscall(SYS_mq_notify, fd, &bad) == -1 && errno == EBADF);
	bad.signo = fd;
	CHECK(syscall(SYS_mq_notify, fd, &bad) == -1 && errno == ENOTSOCK);
	CHECK(syscall(SYS_mq_notify, fd, BAD) == -1 && errno == EFAULT);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	CHECK(syscall(SYS_mq_notify, fd, &ev) == 0);
	CHECK(syscall(SYS_mq_notify, fd, &ev) == -1 && errno == EBUSY);
	/* the status line names the registration */
	char line[128] = "";
	CHECK(read(fd, line, sizeof(line) - 1) > 0);
	char want[128];
	snprintf(want, sizeof(want), "QSIZE:0          NOTIFY:0     SIGNO:%-5d NOTIFY_PID:%-6d\n",
		 SIGUSR1, getpid());
	CHECK(!strcmp(line, want));
	CHECK(read(fd, line, sizeof(line) - 1) == 0);	/* then end of file: cat ends */
	/* another process: EBUSY; its NULL removes nothing; it sends */
	pid_t c = fork();
	if (c == 0) {
		if (syscall(SYS_mq_notify, fd, &ev) != -1 || errno != EBUSY)
			_exit(1);
		if (syscall(SYS_mq_notify, fd, NULL) != 0)
			_exit(2);
		if (setuid(1234) || snd(fd, "n1", 2, 0, NULL))
			_exit(3);
		_exit(0);
	}
	CHECK(reap(c) == 0);
	siginfo_t si;
	struct timespec z = { 1, 0 };
	CHECK(sigtimedwait(&set, &si, &z) == SIGUSR1);
	CHECK(si.si_code == SI_MESGQ && si.si_pid == c && si.si_uid == 1234 &&
	      si.si_value.sival_int == 0x1234);
	/* once only: the next message to an empty queue says nothing */
	CHECK(rcv(fd, b, sizeof(b), NULL, NULL) == 2);
	CHECK(snd(fd, "n2", 2, 0, NULL) == 0);
	z.tv_sec = 0;
	z.tv_nsec = 20000000;
	CHECK(sigtimedwait(&set, &si, &z) == -1 && errno == EAGAIN);
	/* only to an empty queue */
	CHECK(syscall(SYS_mq_notify, fd, &ev) == 0);
	CHECK(snd(fd, "n3", 2, 0, NULL) == 0);
	CHECK(sigtimedwait(&set, &si, &z) == -1 && errno == EAGAIN);
	CHECK(rcv(fd, b, sizeof(b), NULL, NULL) == 2 && rcv(fd, b, sizeof(b), NULL, NULL) == 2);
	/* nothing while a receiver waits: the message is the receiver's */
	c = fork();
	if (c == 0)
		_exit(rcv(fd, b, sizeof(b), NULL, NULL) == 2 ? 0 : 1);
	CHECK(wait_asleep(c));
	CHECK(snd(fd, "n4", 2, 0, NULL) == 0);
	CHECK(reap(c) == 0);
	CHECK(sigtimedwait(&set, &si, &z) == -1 && errno == EAGAIN);
	/* removed by NULL: nothing more; SIGEV_NONE registers */
	CHECK(syscall(SYS_mq_notify, fd, NULL) == 0);
	CHECK(snd(fd, "n5", 2, 0, NULL) == 0);
	CHECK(sigtimedwait(&set, &si, &z) == -1 && errno == EAGAIN);
	CHECK(rcv(fd, b, sizeof(b), NULL, NULL) == 2);
	ev.notify = 1;
	CHECK(syscall(SYS_mq_notify, fd, &ev) == 0);
	CHECK(syscall(SYS_mq_notify, fd, &ev) == -1 && errno == EBUSY);
	CHECK(snd(fd, "n6", 2, 0, NULL) == 0);
	CHECK(sigtimedwait(&set, &si, &z) == -1 && errno == EAGAIN);
	ev.notify = 0;
	CHECK(syscall(SYS_mq_notify, fd, &ev) == 0);	/* SIGEV_NONE went with it */
	/* the owner exits: a send afterwards signals nobody and breaks nothing */
	CHECK(rcv(fd, b, sizeof(b), NULL, NULL) == 2);
	CHECK(syscall(SYS_mq_notify, fd, NULL) == 0);
	c = fork();
	if (c == 0)
		_exit(syscall(SYS_mq_notify, fd, &ev) == 0 ? 0 : 1);
	CHECK(reap(c) == 0);
	CHECK(snd(fd, "n7", 2, 0, NULL) == 0);
	/* ... and its registration went with its exit, though the file it
	 * closed lives on in this process: the queue is free to register */
	CHECK(rcv(fd, b, sizeof(b), NULL, NULL) == 2);
	c = fork();
	if (c == 0)
		_exit(syscall(SYS_mq_notify, fd, &ev) == 0 ? 0 : 1);
	CHECK(reap(c) == 0);
	CHECK(syscall(SYS_mq_notify, fd, &ev) == 0);
	CHECK(syscall(SYS_mq_notify, fd, NULL) == 0);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	close(fd);
	unl("t_note");
}

static void test_poll(void)
{
	struct attr a = { .maxmsg = 2, .msgsize = 16 };
	unl("t_poll");
	int fd = mq_open_("t_poll", O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLOUT);
	CHECK(snd(fd, "abc", 3, 0, NULL) == 0);
	CHECK(poll(&p, 1, 0) == 1 && p.revents == (POLLIN | POLLOUT));
	CHECK(snd(fd, "defgh", 5, 0, NULL) == 0);
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLIN);
	char line[128] = "";
	CHECK(read(fd, line, sizeof(line) - 1) > 0 && !strncmp(line, "QSIZE:8 ", 8));
	/* a child's send wakes a poller */
	char b[16];
	CHECK(rcv(fd, b, 16, NULL, NULL) == 3 && rcv(fd, b, 16, NULL, NULL) == 5);
	pid_t c = fork();
	if (c == 0) {
		usleep(50000);
		_exit(snd(fd, "x", 1, 0, NULL) ? 1 : 0);
	}
	p.events = POLLIN;
	CHECK(poll(&p, 1, 5000) == 1 && p.revents == POLLIN);
	CHECK(reap(c) == 0);
	close(fd);
	unl("t_poll");
}

static void test_churn(void)
{
	char name[32];
	long long before = meminfo("KernelHeap");
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "t_churn%d", i % 50);
		struct attr a = { .maxmsg = 4, .msgsize = 5000 };
		int fd = mq_open_(name, O_CREAT | O_RDWR, 0600, &a);
		if (fd < 0) {
			CHECK(fd >= 0);
			break;
		}
		char big[5000];
		memset(big, i, sizeof(big));
		snd(fd, big, sizeof(big), 1, NULL);	/* chunks left queued */
		snd(fd, big, 10, 2, NULL);
		if (i % 3 == 0)
			unl(name);
		close(fd);
		if (i % 3 == 1)
			unl(name);
	}
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "t_churn%d", i);
		unl(name);
	}
	long long after = meminfo("KernelHeap");
	printf("# kernel heap before %lld after %lld\n", before, after);
	CHECK(before < 0 || after - before < 256 * 1024);
}

#define RUN(f) (printf("# %s\n", #f), f())

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	RUN(test_order);
	RUN(test_limits);
	RUN(test_errors);
	RUN(test_names);
	RUN(test_blocking);
	RUN(test_eintr);
	RUN(test_close_while_blocked);
	RUN(test_notify);
	RUN(test_poll);
	RUN(test_churn);
	printf("# order, limits, errors, names, blocking, notify, poll, churn: %d failures\n",
	       failures);
	return check_done();
}
