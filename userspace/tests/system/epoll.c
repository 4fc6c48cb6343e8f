#define _GNU_SOURCE
/*
 * epoll: readiness pushed by wait queues into a ready list, as Linux's:
 *  - arguments: epoll_create sizes and flags, epoll_ctl's EBADF, EPERM
 *    for a regular file, EINVAL for itself / a non-epoll / a bad op /
 *    EPOLLEXCLUSIVE misuse, EEXIST, ENOENT, EFAULT; epoll_wait's EINVAL,
 *    EBADF, EFAULT (and a buffer that faults half-way gives what fit);
 *  - level- and edge-triggered pipes, EPOLLONESHOT (silent until MOD),
 *    EPOLLHUP/EPOLLERR reported unasked;
 *  - 1000 FIFOs (one O_RDWR fd each, as FD_MAX is 1024): the ready set is
 *    exactly the ones written, level-triggered items take turns when
 *    maxevents is small, a forked child's write wakes a blocked wait;
 *  - closing a registered fd removes it, unless a dup keeps the file;
 *    closing the epoll with items registered; closing all 1000;
 *  - epoll in epoll, poll() on an epoll fd, ELOOP for cycles and chains;
 *  - EPOLLEXCLUSIVE wakes one of two waiting epolls, plain wakes both;
 *  - epoll_pwait's mask lets a signal in (EINTR), epoll_pwait2's timeout;
 *  - racing: a child registers ready pipes in the shared epoll and closes
 *    them (their last reference) 200 times while the parent harvests:
 *    only the child's items come back, and none remain after;
 *  - a waiter with no timeout beside a process harvesting the same
 *    ready item over and over is always woken.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "epoll"
#include "check.h"

#define NFIFO 1000

static int child_status(pid_t c)
{
	int st;

	if (waitpid(c, &st, 0) != c)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static int mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}

static void args(void)
{
	struct epoll_event e = { .events = EPOLLIN }, out[4];
	int p[2];

	errno = 0;
	CHECK(syscall(SYS_epoll_create, 0) == -1 && errno == EINVAL);	/* (musl's skips the check) */
	CHECK(syscall(SYS_epoll_create, -5) == -1 && errno == EINVAL);
	CHECK(epoll_create1(1) == -1 && errno == EINVAL);
	int ep = epoll_create1(EPOLL_CLOEXEC), ep2 = epoll_create(1);
	CHECK(ep >= 0 && ep2 >= 0);
	CHECK(fcntl(ep, F_GETFD) == FD_CLOEXEC && fcntl(ep2, F_GETFD) == 0);
	CHECK(pipe(p) == 0);
	int reg = open("/tmp/epoll-reg", O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(reg >= 0);
	errno = 0;
	CHECK(epoll_ctl(1000, EPOLL_CTL_ADD, p[0], &e) == -1 && errno == EBADF);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, 1000, &e) == -1 && errno == EBADF);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, -1, &e) == -1 && errno == EBADF);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, reg, &e) == -1 && errno == EPERM);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e) == -1 && errno == EINVAL);
	CHECK(epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &e) == -1 && errno == EINVAL);
	CHECK(epoll_ctl(ep, 7, p[0], &e) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], NULL) == -1 && errno == EFAULT);
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e) == -1 && errno == ENOENT);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == -1 && errno == ENOENT);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e) == 0);
	errno = 0;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e) == -1 && errno == EEXIST);
	e.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e) == -1 && errno == EINVAL);
	e.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &e) == -1 && errno == EINVAL);
	e.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK(epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &e) == -1 && errno == EINVAL);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &e) == 0);
	errno = 0;
	CHECK(mod(ep, p[1], EPOLLOUT, 0) == -1 && errno == EINVAL);	/* exclusive: no MOD */
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == 0);
	errno = 0;
	CHECK(epoll_wait(ep, out, 0, 0) == -1 && errno == EINVAL);
	CHECK(epoll_wait(ep, out, -1, 0) == -1 && errno == EINVAL);
	CHECK(epoll_wait(1000, out, 1, 0) == -1 && errno == EBADF);
	CHECK(epoll_wait(p[0], out, 1, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(epoll_wait(ep, (void *)0xffff800000000000ULL, 1, 0) == -1 && errno == EFAULT);
	CHECK(epoll_wait(ep, (void *)0x7ffffffff000ULL, 1000, 0) == -1 && errno == EFAULT);
	struct timespec bad = { 0, 1000000000 };
	errno = 0;
	CHECK(syscall(SYS_epoll_pwait2, ep, out, 1, &bad, NULL, 8) == -1 && errno == EINVAL);
	/* a buffer that faults after one event: that one, the other stays */
	CHECK(write(p[1], "x", 1) == 1);
	int q[2];
	CHECK(pipe(q) == 0 && add(ep, q[0], EPOLLIN, 77) == 0 && write(q[1], "y", 1) == 1);
	char *pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(pg != MAP_FAILED && munmap(pg + 4096, 4096) == 0);
	struct epoll_event *edge = (struct epoll_event *)(pg + 4096 - sizeof(*edge));
	CHECK(epoll_wait(ep, edge, 2, 0) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 2);
	errno = 0;
	CHECK(epoll_wait(ep, (void *)(pg + 4096), 2, 0) == -1 && errno == EFAULT);
	CHECK(epoll_wait(ep, out, 4, 0) == 2);		/* nothing lost */
	munmap(pg, 4096);
	close(q[0]);
	close(q[1]);
	close(p[0]);
	close(p[1]);
	close(reg);
	unlink("/tmp/epoll-reg");
	close(ep);
	close(ep2);
}

static void triggers(void)
{
	struct epoll_event out[4];
	int p[2], ep = epoll_create1(0);
	char buf[8];

	CHECK(pipe(p) == 0);
	/* level-triggered */
	CHECK(add(ep, p[0], EPOLLIN, 0x1234567890ULL) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(write(p[1], "ab", 2) == 2);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].events == EPOLLIN &&
	      out[0].data.u64 == 0x1234567890ULL);
	CHECK(epoll_wait(ep, out, 4, 0) == 1);		/* still there */
	CHECK(read(p[0], buf, 8) == 2);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	/* edge-triggered: once per write */
	CHECK(mod(ep, p[0], EPOLLIN | EPOLLET, 2) == 0);
	CHECK(write(p[1], "ab", 2) == 2);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 2);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(read(p[0], buf, 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);		/* reading is no new edge */
	CHECK(write(p[1], "c", 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(read(p[0], buf, 8) == 2);
	/* one-shot: silent after one report until re-armed */
	CHECK(mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 3) == 0);
	CHECK(write(p[1], "d", 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 3);
	CHECK(write(p[1], "e", 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 4) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 4);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	/* EPOLLOUT on the write end; HUP and ERR unasked */
	CHECK(add(ep, p[1], EPOLLOUT, 5) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].events == EPOLLOUT);
	CHECK(mod(ep, p[0], 0, 6) == 0);
	CHECK(mod(ep, p[1], 0, 5) == 0);
	close(p[1]);					/* removes it */
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 6 &&
	      out[0].events == EPOLLHUP);
	close(p[0]);
	CHECK(pipe(p) == 0 && add(ep, p[1], EPOLLOUT, 7) == 0);
	close(p[0]);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 7 &&
	      out[0].events == (EPOLLOUT | EPOLLERR));
	close(p[1]);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	close(ep);
}

static int fifo[NFIFO];

static void many(void)
{
	static struct epoll_event out[NFIFO];
	static char seen[NFIFO];
	char name[64], c;
	int ep = epoll_create1(0), nready = 0;

	mkdir("/tmp/epfifo", 0700);
	double t0 = now();
	for (int i = 0; i < NFIFO; i++) {
		snprintf(name, sizeof(name), "/tmp/epfifo/%d", i);
		unlink(name);
		CHECK(mkfifo(name, 0600) == 0);
		fifo[i] = open(name, O_RDWR | O_NONBLOCK);
		CHECK(fifo[i] >= 0);
		unlink(name);
		CHECK(add(ep, fifo[i], EPOLLIN, (uint64_t)i) == 0);
	}
	double t1 = now();
	CHECK(epoll_wait(ep, out, NFIFO, 0) == 0);
	for (int i = 0; i < NFIFO; i += 7, nready++)
		CHECK(write(fifo[i], "z", 1) == 1);
	int n = epoll_wait(ep, out, NFIFO, 0);
	CHECK(n == nready);
	for (int i = 0; i < n; i++) {
		uint64_t d = out[i].data.u64;
		CHECK(d < NFIFO && d % 7 == 0 && !seen[d] && out[i].events == EPOLLIN);
		if (d < NFIFO)
			seen[d] = 1;
	}
	/* level-triggered items take turns: 10 at a time reach them all */
	memset(seen, 0, sizeof(seen));
	int distinct = 0;
	for (int round = 0; round < (nready + 9) / 10; round++) {
		CHECK(epoll_wait(ep, out, 10, 0) == 10 || round == (nready - 1) / 10);
		for (int i = 0; i < 10; i++)
			if (out[i].data.u64 < NFIFO && !seen[out[i].data.u64]++)
				distinct++;
	}
	CHECK(distinct == nready);
	for (int i = 0; i < NFIFO; i += 7)
		CHECK(read(fifo[i], &c, 1) == 1);
	CHECK(epoll_wait(ep, out, NFIFO, 0) == 0);
	/* a forked child's write wakes the blocked waiter */
	pid_t ch = fork();
	if (ch == 0) {
		usleep(100000);
		_exit(write(fifo[500], "w", 1) == 1 ? 0 : 1);
	}
	double t2 = now();
	n = epoll_wait(ep, out, NFIFO, 5000);
	double t3 = now();
	CHECK(n == 1 && out[0].data.u64 == 500);
	CHECK(t3 - t2 < 4.0);
	CHECK(child_status(ch) == 0);
	CHECK(read(fifo[500], &c, 1) == 1);
	printf("# %d FIFOs added in %.0f ms; %d ready found; a child's write woke the wait after %.0f ms\n",
	       NFIFO, (t1 - t0) * 1e3, nready, (t3 - t2) * 1e3);
	/* closing every registered fd empties the epoll */
	for (int i = 0; i < NFIFO; i++)
		CHECK(write(fifo[i], "q", 1) == 1);
	for (int i = 0; i < NFIFO; i++)
		close(fifo[i]);
	CHECK(epoll_wait(ep, out, NFIFO, 0) == 0);
	rmdir("/tmp/epfifo");
	close(ep);
}

static void closing(void)
{
	struct epoll_event out[4];
	int p[2], ep = epoll_create1(0);

	CHECK(pipe(p) == 0 && add(ep, p[0], EPOLLIN, 1) == 0);
	CHECK(write(p[1], "a", 1) == 1);
	close(p[0]);					/* its last reference */
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(pipe(p) == 0 && add(ep, p[0], EPOLLIN, 2) == 0);
	int d = dup(p[0]);
	close(p[0]);					/* the dup keeps the file */
	CHECK(write(p[1], "a", 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 2);
	errno = 0;
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == -1 && errno == EBADF);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL) == -1 && errno == ENOENT);	/* (file, fd) */
	/* the fd number reused by another file is another item */
	int r = dup2(d, p[0]);
	CHECK(r == p[0] && add(ep, p[0], EPOLLIN, 3) == -1 && errno == EEXIST);
	close(p[0]);
	close(d);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	/* the epoll goes first, its items with it; the pipe lives on */
	CHECK(pipe(p) == 0 && add(ep, p[0], EPOLLIN, 4) == 0 && add(ep, p[1], EPOLLOUT, 5) == 0);
	close(ep);
	char c;
	CHECK(write(p[1], "b", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'b');
	close(p[0]);
	close(p[1]);
	/* a child blocked in epoll_wait while the parent closes its copy */
	ep = epoll_create1(0);
	CHECK(pipe(p) == 0 && add(ep, p[0], EPOLLIN, 6) == 0);
	pid_t ch = fork();
	if (ch == 0)
		_exit(epoll_wait(ep, out, 4, 3000) == 1 && out[0].data.u64 == 6 ? 0 : 1);
	usleep(50000);
	close(p[0]);
	close(ep);
	CHECK(write(p[1], "c", 1) == 1);
	CHECK(child_status(ch) == 0);
	close(p[1]);
}

static void nested(void)
{
	struct epoll_event out[4];
	int p[2], e[8];

	for (int i = 0; i < 8; i++)
		e[i] = epoll_create1(0);
	CHECK(pipe(p) == 0 && add(e[1], p[0], EPOLLIN, 11) == 0);
	CHECK(add(e[0], e[1], EPOLLIN, 10) == 0);
	errno = 0;
	CHECK(add(e[1], e[0], EPOLLIN, 0) == -1 && errno == ELOOP);
	struct pollfd pf = { e[0], POLLIN, 0 };
	CHECK(poll(&pf, 1, 0) == 0);
	CHECK(epoll_wait(e[0], out, 4, 0) == 0);
	pid_t ch = fork();
	if (ch == 0) {
		usleep(100000);
		_exit(write(p[1], "n", 1) == 1 ? 0 : 1);
	}
	CHECK(poll(&pf, 1, 5000) == 1 && pf.revents == POLLIN);	/* woken through e[1] */
	CHECK(child_status(ch) == 0);
	CHECK(epoll_wait(e[0], out, 4, 0) == 1 && out[0].data.u64 == 10 && out[0].events == EPOLLIN);
	CHECK(epoll_wait(e[1], out, 4, 0) == 1 && out[0].data.u64 == 11);
	/* a chain e2 -> e3 -> ... : ELOOP somewhere, a cycle at once */
	int depth = 0;
	for (int i = 2; i < 7; i++) {
		if (add(e[i], e[i + 1], EPOLLIN, 0))
			break;
		depth++;
	}
	CHECK(errno == ELOOP && depth >= 3 && depth < 5);
	errno = 0;
	CHECK(add(e[3], e[2], EPOLLIN, 0) == -1 && errno == ELOOP);
	close(e[1]);			/* leaves e[0] */
	CHECK(epoll_wait(e[0], out, 4, 0) == 0);
	for (int i = 0; i < 8; i++)
		if (i != 1)
			close(e[i]);
	close(p[0]);
	close(p[1]);
}

/* Waits (up to 5 s) until pid sleeps: /proc/pid/stat says 'S'. */
static void wait_sleeping(pid_t pid)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (int i = 0; i < 500; i++) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		char *paren = n > 0 ? (buf[n] = 0, strrchr(buf, ')')) : NULL;
		if (paren && paren[1] == ' ' && paren[2] == 'S')
			return;
		usleep(10000);
	}
}

/* Two children wait on their own epolls for the same pipe; one byte. */
static int wakers(uint32_t flags)
{
	int p[2], woken = 0;
	pid_t ch[2];

	CHECK(pipe(p) == 0);
	for (int k = 0; k < 2; k++) {
		ch[k] = fork();
		if (ch[k] == 0) {
			struct epoll_event out;
			int ep = epoll_create1(0);
			add(ep, p[0], EPOLLIN | flags, 0);
			_exit(epoll_wait(ep, &out, 1, 3000) == 1 ? 1 : 0);
		}
	}
	wait_sleeping(ch[0]);		/* both in epoll_wait before the byte */
	wait_sleeping(ch[1]);
	usleep(50000);
	CHECK(write(p[1], "x", 1) == 1);
	for (int k = 0; k < 2; k++)
		woken += child_status(ch[k]) == 1;
	close(p[0]);
	close(p[1]);
	return woken;
}

static int got_usr1;
static void on_usr1(int s) { (void)s; got_usr1 = 1; }

static void signals_and_timeouts(void)
{
	struct epoll_event out[1];
	int ep = epoll_create1(0);
	sigset_t block, none;

	signal(SIGUSR1, on_usr1);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &block, NULL);
	pid_t ch = fork();
	if (ch == 0) {
		usleep(100000);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	errno = 0;
	CHECK(epoll_pwait(ep, out, 1, 5000, &none) == -1 && errno == EINTR);
	CHECK(got_usr1);
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(sigismember(&cur, SIGUSR1));		/* the old mask is back */
	CHECK(child_status(ch) == 0);
	errno = 0;
	CHECK(syscall(SYS_epoll_pwait, ep, out, 1, 0, &none, 4) == -1 && errno == EINVAL);
	struct timespec t = { 0, 50000000 };
	double t0 = now();
	CHECK(syscall(SYS_epoll_pwait2, ep, out, 1, &t, NULL, 8) == 0);
	CHECK(now() - t0 >= 0.049);
	t0 = now();
	CHECK(epoll_wait(ep, out, 1, 30) == 0 && now() - t0 >= 0.029);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	close(ep);
}

static void racing(void)
{
	struct epoll_event out[8];
	int ep = epoll_create1(0), seen = 0, bad = 0;
	pid_t ch = fork();

	if (ch == 0) {
		for (int i = 0; i < 200; i++) {
			int q[2];
			if (pipe(q) || write(q[1], "r", 1) != 1 || add(ep, q[0], EPOLLIN, 1000 + i))
				_exit(1);
			if (i % 3 == 0)
				usleep(100);
			close(q[0]);	/* the last reference: the item goes */
			close(q[1]);
		}
		_exit(0);
	}
	for (;;) {
		int n = epoll_wait(ep, out, 8, 2);
		for (int i = 0; i < n; i++) {
			seen++;
			bad += out[i].data.u64 < 1000 || out[i].data.u64 >= 1200;
		}
		int st;
		if (waitpid(ch, &st, WNOHANG) == ch) {
			CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
			break;
		}
	}
	printf("# racing closes: %d events harvested\n", seen);
	CHECK(!bad);
	CHECK(epoll_wait(ep, out, 8, 0) == 0);
	close(ep);
}

/* One process harvests a level-triggered ready pipe over and over
 * (timeout 0) while another waits with no timeout: every wait must come
 * back with it. A harvest holds the ready items off the list; one that
 * put them back without a wakeup left the waiter asleep for good. */
static volatile sig_atomic_t got_alarm;
static void on_alarm(int s) { (void)s; got_alarm = 1; }

static void harvest_wake(void)
{
	struct epoll_event out[1];
	struct sigaction sa = { .sa_handler = on_alarm };
	int ep = epoll_create1(0), p[2], got = 0;

	CHECK(ep >= 0 && pipe(p) == 0 && write(p[1], "r", 1) == 1 && add(ep, p[0], EPOLLIN, 7) == 0);
	pid_t ch = fork();
	if (ch == 0)
		for (;;)
			epoll_wait(ep, out, 1, 0);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	alarm(30);
	for (int i = 0; i < 3000 && !got_alarm; i++)
		got += epoll_wait(ep, out, 1, -1) == 1 && out[0].data.u64 == 7;
	alarm(0);
	kill(ch, SIGKILL);
	waitpid(ch, NULL, 0);
	printf("# harvest_wake: %d of 3000 waits came back\n", got);
	CHECK(got == 3000 && !got_alarm);
	close(p[0]);
	close(p[1]);
	close(ep);
}

int main(void)
{
	args();
	triggers();
	many();
	closing();
	nested();
	int excl = wakers(EPOLLEXCLUSIVE), plain = wakers(0);
	printf("# one byte into a pipe woke %d of 2 exclusive, %d of 2 plain epoll waiters\n",
	       excl, plain);
	CHECK(excl == 1 && plain == 2);
	signals_and_timeouts();
	racing();
	harvest_wake();
	printf("# epoll: %s\n", failures ? "FAILED" : "all passed");
	return check_done();
}
