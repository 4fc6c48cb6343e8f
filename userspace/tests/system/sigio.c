#define _GNU_SOURCE
/*
 * SIGIO and O_ASYNC (docs/async.md), from the attacker's side:
 *  - a pipe's read end with O_ASYNC (F_SETFL) and F_SETSIG gets the
 *    realtime signal with si_fd, si_code POLL_IN and si_band when a child
 *    writes; without F_SETSIG plain SIGIO (SI_KERNEL);
 *  - FIOASYNC on an AF_UNIX socketpair, a UDP socket on loopback, an
 *    eventfd, an inotify fd and a pty master; F_SETOWN_EX to a thread
 *    sends to that thread; F_SETOWN -pgrp to the group;
 *  - hostile arguments: F_SETSIG 65 and -1, F_SETOWN_EX with a bad type,
 *    a negative pid or a bad pointer, F_SETOWN to a pid nobody has;
 *  - the owner exits and is reaped: events go nowhere, nothing breaks;
 *  - one thread closes and reopens O_ASYNC pipes while another writes to
 *    them and a third toggles O_ASYNC: no crash, no leak of signals to
 *    the wrong fd number beyond the ones we made;
 *  - once close (or F_SETFL without O_ASYNC) has returned, that file
 *    sends nothing more: every signal an event before it caused is
 *    already pending, as on Linux, where the send is synchronous.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>

#define TEST_NAME "sigio"
#include "check.h"

#define RTSIG (SIGRTMIN + 1)
#define READ_ONCE_INT(x) (*(volatile int *)&(x))

static int waitsig(int sig, siginfo_t *si, int ms)
{
	sigset_t s;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	sigemptyset(&s);
	sigaddset(&s, sig);
	return sigtimedwait(&s, si, &ts);
}

/* Arm fd for sig to us, then run `make_event`; did sig come with fd? */
static int arm(int fd, int sig)
{
	if (fcntl(fd, F_SETOWN, getpid()) < 0 || fcntl(fd, F_SETSIG, sig) < 0)
		return -1;
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC);
}

static void drain(int sig)
{
	siginfo_t si;

	while (waitsig(sig, &si, 0) == sig)
		;
}

static void test_pipe(void)
{
	int p[2];
	siginfo_t si;
	char c;

	CHECK(pipe(p) == 0);
	CHECK(arm(p[0], RTSIG) == 0);
	CHECK((fcntl(p[0], F_GETFL) & O_ASYNC) != 0);
	CHECK(fcntl(p[0], F_GETOWN) == getpid());
	CHECK(fcntl(p[0], F_GETSIG) == RTSIG);
	drain(RTSIG);
	pid_t c1 = fork();
	if (c1 == 0) {
		usleep(50000);
		_exit(write(p[1], "x", 1) != 1);
	}
	memset(&si, 0, sizeof(si));
	CHECK(waitsig(RTSIG, &si, 5000) == RTSIG);
	CHECK(si.si_fd == p[0]);
	CHECK(si.si_code == POLL_IN);
	CHECK((si.si_band & POLLIN) != 0);
	waitpid(c1, NULL, 0);
	CHECK(read(p[0], &c, 1) == 1);
	drain(RTSIG);

	/* plain SIGIO without F_SETSIG */
	CHECK(fcntl(p[0], F_SETSIG, 0) == 0);
	CHECK(write(p[1], "y", 1) == 1);
	memset(&si, 0, sizeof(si));
	CHECK(waitsig(SIGIO, &si, 5000) == SIGIO);
	CHECK(si.si_code == SI_KERNEL);
	CHECK(read(p[0], &c, 1) == 1);
	drain(SIGIO);

	/* O_ASYNC off: nothing */
	CHECK(fcntl(p[0], F_SETFL, 0) == 0);
	CHECK((fcntl(p[0], F_GETFL) & O_ASYNC) == 0);
	CHECK(write(p[1], "z", 1) == 1);
	CHECK(waitsig(SIGIO, &si, 300) < 0 && errno == EAGAIN);
	CHECK(read(p[0], &c, 1) == 1);

	/* to our group */
	CHECK(fcntl(p[0], F_SETOWN, -getpgrp()) == 0);
	CHECK(fcntl(p[0], F_GETOWN) == -getpgrp());
	CHECK(fcntl(p[0], F_SETSIG, RTSIG) == 0);
	int on = 1;
	CHECK(ioctl(p[0], FIOASYNC, &on) == 0);
	CHECK((fcntl(p[0], F_GETFL) & O_ASYNC) != 0);
	CHECK(write(p[1], "w", 1) == 1);
	CHECK(waitsig(RTSIG, &si, 5000) == RTSIG && si.si_fd == p[0]);
	CHECK(read(p[0], &c, 1) == 1);
	drain(RTSIG);
	close(p[0]);
	close(p[1]);
}

static int event_fd_of(int fd, void (*make)(int arg), int arg)
{
	siginfo_t si;

	drain(RTSIG);
	if (arm(fd, RTSIG) < 0)
		return -2;
	make(arg);
	memset(&si, 0, sizeof(si));
	if (waitsig(RTSIG, &si, 5000) != RTSIG)
		return -1;
	return si.si_fd;
}

static int wfd;
static void write_one(int fd) { (void)!write(fd, "a", 1); }
static void add_one(int fd) { uint64_t v = 1; (void)!write(fd, &v, 8); }
static void touch(int unused) { (void)unused; close(open("/tmp/sigio_watch/f", O_CREAT | O_WRONLY, 0600)); }

static void test_kinds(void)
{
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(event_fd_of(sv[0], write_one, sv[1]) == sv[0]);
	close(sv[0]);
	close(sv[1]);

	int e = eventfd(0, 0);
	CHECK(e >= 0);
	CHECK(event_fd_of(e, add_one, e) == e);
	close(e);

	mkdir("/tmp/sigio_watch", 0700);
	int in = inotify_init1(0);
	CHECK(in >= 0);
	CHECK(inotify_add_watch(in, "/tmp/sigio_watch", IN_CREATE | IN_CLOSE_WRITE) >= 0);
	CHECK(event_fd_of(in, touch, 0) == in);
	close(in);

	int u = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	CHECK(u >= 0 && s >= 0);
	CHECK(bind(u, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(getsockname(u, (struct sockaddr *)&a, &al) == 0);
	CHECK(connect(s, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(event_fd_of(u, write_one, s) == u);
	close(u);
	close(s);

	/* an epoll fd is ready when what it watches is */
	int ep = epoll_create1(0), q[2];
	struct epoll_event ev = { .events = EPOLLIN };
	CHECK(ep >= 0 && pipe(q) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev) == 0);
	CHECK(event_fd_of(ep, write_one, q[1]) == ep);
	close(ep);
	close(q[0]);
	close(q[1]);

	/* a timerfd when it expires */
	int tf = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec its = { .it_value = { 0, 50000000 } };
	CHECK(tf >= 0);
	drain(RTSIG);
	CHECK(arm(tf, RTSIG) == 0);
	CHECK(timerfd_settime(tf, 0, &its, NULL) == 0);
	siginfo_t si;
	CHECK(waitsig(RTSIG, &si, 5000) == RTSIG && si.si_fd == tf);
	close(tf);

	/* a signalfd takes the flag and never signals (it would feed itself) */
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGUSR2);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	int sf = signalfd(-1, &ss, 0);
	CHECK(sf >= 0);
	drain(RTSIG);
	CHECK(arm(sf, RTSIG) == 0);
	CHECK(kill(getpid(), SIGUSR2) == 0);
	CHECK(waitsig(RTSIG, &si, 300) < 0 && errno == EAGAIN);
	close(sf);
	drain(SIGUSR2);

	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0) {
		int sl = open(ptsname(m), O_RDWR | O_NOCTTY);
		CHECK(sl >= 0);
		wfd = sl;
		CHECK(event_fd_of(m, write_one, sl) == m);
		close(sl);
	}
	if (m >= 0)
		close(m);
	drain(RTSIG);
}

static volatile int thread_got;
static pid_t thread_tid;

static void *tid_owner(void *arg)
{
	int fd = *(int *)arg;
	siginfo_t si;
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, RTSIG);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	thread_tid = (pid_t)syscall(SYS_gettid);
	while (!thread_got)
		if (waitsig(RTSIG, &si, 100) == RTSIG && si.si_fd == fd)
			thread_got = 1;
		else if (thread_got < 0)
			break;
	return NULL;
}

static void test_tid(void)
{
	int p[2];
	pthread_t t;
	char c;

	CHECK(pipe(p) == 0);
	CHECK(pthread_create(&t, NULL, tid_owner, &p[0]) == 0);
	while (!thread_tid)
		usleep(1000);
	struct f_owner_ex ex = { F_OWNER_TID, thread_tid }, got;
	CHECK(fcntl(p[0], F_SETOWN_EX, &ex) == 0);
	CHECK(fcntl(p[0], F_GETOWN_EX, &got) == 0 && got.type == F_OWNER_TID &&
	      got.pid == thread_tid);
	CHECK(fcntl(p[0], F_SETSIG, RTSIG) == 0);
	CHECK(fcntl(p[0], F_SETFL, O_ASYNC) == 0);
	CHECK(write(p[1], "t", 1) == 1);
	for (int i = 0; i < 500 && !thread_got; i++)
		usleep(10000);
	CHECK(thread_got == 1);
	thread_got = -1;
	pthread_join(t, NULL);
	CHECK(read(p[0], &c, 1) == 1);
	/* the thread has gone: its events go nowhere */
	CHECK(write(p[1], "u", 1) == 1);
	usleep(100000);
	close(p[0]);
	close(p[1]);
	drain(RTSIG);
}

static void test_hostile(void)
{
	int p[2];
	struct f_owner_ex ex;

	CHECK(pipe(p) == 0);
	CHECK(fcntl(p[0], F_SETSIG, 65) < 0 && errno == EINVAL);
	CHECK(fcntl(p[0], F_SETSIG, -1) < 0 && errno == EINVAL);
	CHECK(fcntl(p[0], F_GETSIG) == 0);
	ex = (struct f_owner_ex){ 7, getpid() };
	CHECK(fcntl(p[0], F_SETOWN_EX, &ex) < 0 && errno == EINVAL);
	ex = (struct f_owner_ex){ F_OWNER_PID, -5 };
	CHECK(fcntl(p[0], F_SETOWN_EX, &ex) < 0 && errno == EINVAL);
	CHECK(fcntl(p[0], F_SETOWN_EX, (void *)8) < 0 && errno == EFAULT);
	CHECK(fcntl(p[0], F_GETOWN_EX, (void *)8) < 0 && errno == EFAULT);
	CHECK(fcntl(p[0], F_SETOWN, 99999) < 0 && errno == ESRCH);
	CHECK(fcntl(p[0], F_SETOWN, -99999) < 0 && errno == ESRCH);
	CHECK(fcntl(p[0], F_GETOWN) == 0);
	ex = (struct f_owner_ex){ F_OWNER_TID, 99999 };
	CHECK(fcntl(p[0], F_SETOWN_EX, &ex) < 0 && errno == ESRCH);

	/* the owner exits and is reaped: events after go nowhere */
	pid_t c = fork();
	if (c == 0)
		_exit(0);
	CHECK(fcntl(p[0], F_SETOWN, c) == 0);
	CHECK(fcntl(p[0], F_SETFL, O_ASYNC) == 0);
	waitpid(c, NULL, 0);
	CHECK(fcntl(p[0], F_GETOWN) == c);
	CHECK(write(p[1], "x", 1) == 1);
	usleep(100000);
	close(p[0]);
	close(p[1]);
}

/* A regular file takes O_ASYNC (nothing to wait for) as Linux does. */
static void test_regular(void)
{
	int fd = open("/tmp/sigio_reg", O_CREAT | O_RDWR, 0600);

	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_SETFL, O_ASYNC) == 0);
	CHECK(write(fd, "r", 1) == 1);
	close(fd);
	unlink("/tmp/sigio_reg");
}

/* Each round arms a pipe under its own fd number, makes an event and
 * at once closes (or disarms) it, then takes what is pending. A signal
 * that names an earlier round's fd arrived after that close returned. */
static void test_quiet_after_close(void)
{
	enum { BASE = 300, ROUNDS = 400 };
	int late = 0, early = 0;
	siginfo_t si;

	drain(RTSIG);
	for (int i = 0; i < ROUNDS; i++) {
		int p[2], fd = BASE + i;
		if (pipe(p) || dup2(p[0], fd) != fd)
			break;
		close(p[0]);
		CHECK(arm(fd, RTSIG) == 0);
		CHECK(write(p[1], "e", 1) == 1);
		if (i & 1)
			close(fd);
		else
			fcntl(fd, F_SETFL, 0);	/* disarmed: quiet as well */
		while (waitsig(RTSIG, &si, 0) == RTSIG) {
			if (si.si_fd == fd)
				early++;
			else if (si.si_fd >= BASE && si.si_fd < fd)
				late++;
		}
		close(fd);
		close(p[1]);
	}
	usleep(100000);
	while (waitsig(RTSIG, &si, 0) == RTSIG)
		late++;
	if (late)
		printf("# %d signals came after close or F_SETFL returned (%d before)\n", late, early);
	CHECK(late == 0);
}

static volatile int stop;
static int shared[2] = { -1, -1 };

static void *writer(void *arg)
{
	(void)arg;
	while (!stop)
		(void)!write(READ_ONCE_INT(shared[1]), "q", 1);
	return NULL;
}

static void *toggler(void *arg)
{
	(void)arg;
	while (!stop) {
		int fd = READ_ONCE_INT(shared[0]);
		fcntl(fd, F_SETFL, O_ASYNC | O_NONBLOCK);
		fcntl(fd, F_SETOWN, getpid());
		fcntl(fd, F_SETFL, O_NONBLOCK);
	}
	return NULL;
}

static void on_sig(int s) { (void)s; }

static void test_race(void)
{
	pthread_t w, t;
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGIO);
	signal(SIGIO, on_sig);
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	CHECK(pipe2(shared, O_NONBLOCK) == 0);
	CHECK(pthread_create(&w, NULL, writer, NULL) == 0);
	CHECK(pthread_create(&t, NULL, toggler, NULL) == 0);
	for (int i = 0; i < 300; i++) {
		int p[2], old[2] = { shared[0], shared[1] };
		char buf[4096];
		if (pipe2(p, O_NONBLOCK))
			break;
		fcntl(p[0], F_SETOWN, getpid());
		fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK);
		(void)!read(old[0], buf, sizeof(buf));
		/* close while the others use the numbers: dup2 reuses them */
		dup2(p[0], old[0]);
		dup2(p[1], old[1]);
		close(p[0]);
		close(p[1]);
	}
	stop = 1;
	pthread_join(w, NULL);
	pthread_join(t, NULL);
	close(shared[0]);
	close(shared[1]);
	sigprocmask(SIG_BLOCK, &s, NULL);
	CHECK(1);
}

int main(void)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGIO);
	sigaddset(&s, RTSIG);
	sigprocmask(SIG_BLOCK, &s, NULL);
	if (getpgrp() != getpid())
		setpgid(0, 0);
	test_pipe();
	test_kinds();
	test_tid();
	test_hostile();
	test_regular();
	test_quiet_after_close();
	test_race();
	return check_done();
}
