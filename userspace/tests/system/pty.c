#define _GNU_SOURCE
/*
 * pty: pseudo-terminals (/dev/ptmx, devpts at /dev/pts, drivers/pty.c)
 *  - posix_openpt/grantpt/unlockpt/ptsname; the slave node is the
 *    opener's, mode 0620, and goes with the pair; a locked slave is EIO;
 *    /proc/sys/kernel/pty/nr counts pairs;
 *  - the line discipline on the slave: echo, erase, ICRNL, ONLCR, raw
 *    byte by byte, VMIN;
 *  - busybox sh on the slave as its controlling terminal: a command runs,
 *    ^C ends a `sleep 10` at once (ISIG, the foreground group);
 *  - TIOCSWINSZ sends SIGWINCH; TIOCSCTTY rules; a background read stops
 *    the reader (SIGTTIN); closing the master sends SIGHUP, then slave
 *    reads return 0 and writes EIO; master reads EIO once the slaves close;
 *  - hostile: a full buffer blocks the writer (EAGAIN with O_NONBLOCK)
 *    both ways; master and slave closed by two threads at once, many
 *    times, leak nothing; a lowered kernel/pty/max gives ENOSPC;
 *  - a session leader's exit takes its terminal away from the session
 *    number: a new session that reuses the number (pid_max lowered to
 *    make it come round) does not get the old pty from /dev/tty;
 *  - and its foreground group gets SIGHUP (the controlling process of a
 *    pty exited), even with the leader outside that group.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>

#define TEST_NAME "pty"
#include "check.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void ms(int n)
{
	struct timespec ts = { n / 1000, (n % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* waitpid that gives up after ms_max: kills the child, returns -1. */
static pid_t wait_ms(pid_t c, int *st, int ms_max)
{
	long long end = now_ms() + ms_max;
	pid_t w;
	while ((w = waitpid(c, st, 0 | WNOHANG)) == 0 && now_ms() < end)
		ms(10);
	if (w == 0) {
		kill(c, SIGKILL);
		waitpid(c, st, 0);
		return -1;
	}
	return w;
}

static long read_long(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atol(buf) : -1;
}

/* A new unlocked pair: the master, and *slave opened (O_NOCTTY). */
static int open_pair(int *slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0)
		return -1;
	if (grantpt(m) || unlockpt(m)) {
		close(m);
		return -1;
	}
	if (slave && (*slave = open(ptsname(m), O_RDWR | O_NOCTTY)) < 0) {
		close(m);
		return -1;
	}
	return m;
}

/* Reads the master until `want` shows up or ms_max passes; the text read
 * (NUL-terminated) is in buf. */
static bool expect(int m, const char *want, char *buf, size_t cap, int ms_max)
{
	size_t len = 0;
	long long end = now_ms() + ms_max;
	buf[0] = 0;
	while (now_ms() < end) {
		struct pollfd p = { m, POLLIN, 0 };
		if (poll(&p, 1, 50) <= 0)
			continue;
		ssize_t n = read(m, buf + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = 0;
		if (strstr(buf, want))
			return true;
		if (len > cap / 2) {	/* keep the tail */
			memmove(buf, buf + len - cap / 4, cap / 4);
			len = cap / 4;
			buf[len] = 0;
		}
	}
	return false;
}

static void drain(int m)
{
	char buf[512];
	int fl = fcntl(m, F_GETFL);
	fcntl(m, F_SETFL, fl | O_NONBLOCK);
	while (read(m, buf, sizeof(buf)) > 0)
		;
	fcntl(m, F_SETFL, fl);
}

static void test_basics(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0);
	CHECK(read_long("/proc/sys/kernel/pty/nr") == 1);
	CHECK(grantpt(m) == 0);
	char *name = ptsname(m);
	CHECK(name && !strncmp(name, "/dev/pts/", 9));
	if (!name)
		return;
	char path[64];
	snprintf(path, sizeof(path), "%s", name);
	unsigned n = 99;
	CHECK(ioctl(m, TIOCGPTN, &n) == 0 && n == (unsigned)atoi(path + 9));
	CHECK(ioctl(m, TIOCGPTN, (void *)16) == -1 && errno == EFAULT);
	struct stat st;
	CHECK(stat(path, &st) == 0 && S_ISCHR(st.st_mode) && (st.st_mode & 07777) == 0620 &&
	      st.st_uid == getuid());
	/* locked until unlockpt */
	errno = 0;
	CHECK(open(path, O_RDWR | O_NOCTTY) == -1 && errno == EIO);
	CHECK(unlockpt(m) == 0);
	int s = open(path, O_RDWR | O_NOCTTY);
	CHECK(s >= 0 && isatty(s));
	int lock = 1;
	CHECK(ioctl(m, TIOCSPTLCK, &lock) == 0);
	errno = 0;
	CHECK(open(path, O_RDWR | O_NOCTTY) == -1 && errno == EIO);
	lock = 0;
	CHECK(ioctl(m, TIOCSPTLCK, &lock) == 0);
	/* listed in /dev/pts; the peer through the master */
	char ls[256];
	char *argv[] = { "/bin/ls", "/dev/pts", NULL };
	CHECK(run_capture(argv, NULL, false, ls, sizeof(ls)) == 0 && strstr(ls, path + 9));
	int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	CHECK(peer >= 0 && isatty(peer));
	CHECK(write(peer, "p", 1) == 1);
	char c = 0;
	CHECK(read(m, &c, 1) == 1 && c == 'p');
	close(peer);
	/* another devpts mount shows the same pairs */
	mkdir("/tmp/pts2", 0755);
	CHECK(mount("devpts", "/tmp/pts2", "devpts", 0, NULL) == 0);
	char other[96];
	snprintf(other, sizeof(other), "/tmp/pts2/%s", path + 9);
	struct stat st2;
	CHECK(stat(other, &st2) == 0 && st2.st_rdev == st.st_rdev);
	int s2 = open(other, O_RDWR | O_NOCTTY);
	CHECK(s2 >= 0 && write(s2, "2", 1) == 1 && read(m, &c, 1) == 1 && c == '2');
	close(s2);
	CHECK(umount("/tmp/pts2") == 0);
	/* and `mount -t devpts devpts /dev/pts` over the boot one */
	char out[256];
	char *mnt[] = { "/bin/mount", "-t", "devpts", "devpts", "/dev/pts", NULL };
	char *umnt[] = { "/bin/umount", "/dev/pts", NULL };
	CHECK(run_capture(mnt, NULL, true, out, sizeof(out)) == 0);
	CHECK(stat(path, &st2) == 0 && st2.st_rdev == st.st_rdev);
	CHECK(run_capture(umnt, NULL, true, out, sizeof(out)) == 0);
	/* epoll on both sides */
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 1 }, got[2];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, m, &ev) == 0);
	ev.data.u32 = 2;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == 0);
	CHECK(epoll_wait(ep, got, 2, 0) == 0);
	CHECK(write(s, "e", 1) == 1);
	CHECK(epoll_wait(ep, got, 2, 2000) == 1 && got[0].data.u32 == 1);
	CHECK(read(m, &c, 1) == 1 && c == 'e');
	CHECK(write(m, "f\n", 2) == 2);
	int k = epoll_wait(ep, got, 2, 2000), seen = 0;
	for (int i = 0; i < k; i++)
		seen |= got[i].data.u32;
	CHECK(seen & 2);	/* and the echo for the master */
	char line[8];
	CHECK(read(s, line, sizeof(line)) == 2);
	drain(m);
	close(ep);
	/* the node stays while a side is open, goes with both */
	close(m);
	CHECK(stat(path, &st) == 0);
	close(s);
	errno = 0;
	CHECK(stat(path, &st) == -1 && errno == ENOENT);
	CHECK(read_long("/proc/sys/kernel/pty/nr") == 0);
}

static void test_ldisc(void)
{
	int s, m = open_pair(&s);
	char buf[256];
	CHECK(m >= 0);
	if (m < 0)
		return;
	/* canonical: erase, ICRNL; the echo comes back to the master */
	CHECK(write(m, "abc\x7f\x7f" "d\r", 7) == 7);
	ssize_t n = read(s, buf, sizeof(buf));
	CHECK(n == 3 && !memcmp(buf, "ad\n", 3));
	CHECK(expect(m, "abc\b \b\b \bd\r\n", buf, sizeof(buf), 2000));
	/* kill, then a line */
	CHECK(write(m, "xyz\x15ok\n", 7) == 7);
	n = read(s, buf, sizeof(buf));
	CHECK(n == 3 && !memcmp(buf, "ok\n", 3));
	drain(m);
	/* ONLCR on the slave's output */
	CHECK(write(s, "x\n", 2) == 2);
	n = read(m, buf, sizeof(buf));
	CHECK(n == 3 && !memcmp(buf, "x\r\n", 3));
	/* ^S holds the slave's output until ^Q */
	CHECK(write(m, "\x13", 1) == 1);
	fcntl(s, F_SETFL, O_NONBLOCK);
	errno = 0;
	CHECK(write(s, "held", 4) == -1 && errno == EAGAIN);
	CHECK(write(m, "\x11", 1) == 1);
	CHECK(write(s, "held", 4) == 4);
	fcntl(s, F_SETFL, 0);
	n = read(m, buf, sizeof(buf));
	CHECK(n == 4 && !memcmp(buf, "held", 4));
	/* ^C drops output the master has not read; the echo is ^C */
	CHECK(write(s, "junk", 4) == 4);
	CHECK(write(m, "\x03", 1) == 1);
	n = read(m, buf, sizeof(buf));
	CHECK(n == 2 && !memcmp(buf, "^C", 2));
	/* raw: each byte readable at once, no echo */
	struct termios t;
	CHECK(tcgetattr(s, &t) == 0);
	cfmakeraw(&t);
	CHECK(tcsetattr(s, TCSANOW, &t) == 0);
	CHECK(write(m, "a", 1) == 1);
	n = read(s, buf, sizeof(buf));
	CHECK(n == 1 && buf[0] == 'a');
	CHECK(write(m, "\x03", 1) == 1);	/* no ISIG: a byte */
	n = read(s, buf, sizeof(buf));
	CHECK(n == 1 && buf[0] == 3);
	fcntl(m, F_SETFL, O_NONBLOCK);
	errno = 0;
	CHECK(read(m, buf, sizeof(buf)) == -1 && errno == EAGAIN);
	fcntl(m, F_SETFL, 0);
	/* VMIN 3: a read waits for the third byte */
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	CHECK(tcsetattr(s, TCSANOW, &t) == 0);
	CHECK(write(m, "xy", 2) == 2);
	pid_t c = fork();
	if (c == 0) {
		long long t0 = now_ms();
		ssize_t r = read(s, buf, sizeof(buf));
		_exit(r == 3 && !memcmp(buf, "xyz", 3) && now_ms() - t0 >= 150 ? 0 : 1);
	}
	ms(300);
	CHECK(write(m, "z", 1) == 1);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(s);
	close(m);
}

/* The child of a pair: a session of its own with the slave as its
 * controlling terminal on 0, 1 and 2. */
static void become_session(const char *slave)
{
	signal(SIGHUP, SIG_DFL);	/* the runner's shell may ignore it */
	signal(SIGINT, SIG_DFL);
	setsid();
	int s = open(slave, O_RDWR | O_NOCTTY);
	if (s < 0 || ioctl(s, TIOCSCTTY, 0))
		_exit(90);
	dup2(s, 0);
	dup2(s, 1);
	dup2(s, 2);
	if (s > 2)
		close(s);
}

static void test_shell(void)
{
	int m = open_pair(NULL);
	char buf[1024];
	CHECK(m >= 0);
	if (m < 0)
		return;
	char slave[64];
	snprintf(slave, sizeof(slave), "%s", ptsname(m));
	pid_t c = fork();
	if (c == 0) {
		close(m);
		become_session(slave);
		char *argv[] = { "sh", "-i", NULL };
		char *envp[] = { "PS1=$ ", "PATH=/bin:/sbin:/usr/bin", "TERM=dumb", NULL };
		execve("/bin/sh", argv, envp);
		_exit(91);
	}
	CHECK(expect(m, "$ ", buf, sizeof(buf), 5000));
	CHECK(write(m, "echo hi $((6*7))\n", 17) == 17);
	CHECK(expect(m, "hi 42", buf, sizeof(buf), 5000));
	/* ^C to a foreground sleep: the shell is back at once */
	CHECK(write(m, "sleep 10; echo S$((1))E\n", 24) == 24);
	ms(500);
	long long t0 = now_ms();
	CHECK(write(m, "\x03", 1) == 1);
	CHECK(write(m, "echo back $((2+3))\n", 19) == 19);
	CHECK(expect(m, "back 5", buf, sizeof(buf), 5000));
	long long dt = now_ms() - t0;
	CHECK(dt < 4000 && !strstr(buf, "S1E"));
	printf("# ^C to sleep 10: the shell answered after %lld ms\n", dt);
	CHECK(write(m, "exit\n", 5) == 5);
	int st;
	CHECK(wait_ms(c, &st, 5000) == c && WIFEXITED(st));
	close(m);
}

static volatile sig_atomic_t got_winch;
static void on_winch(int sig) { (void)sig; got_winch = 1; }

static void test_signals(void)
{
	int p[2], m = open_pair(NULL);
	char buf[64];
	CHECK(m >= 0 && pipe(p) == 0);
	if (m < 0)
		return;
	char slave[64];
	snprintf(slave, sizeof(slave), "%s", ptsname(m));
	/* not a session leader: TIOCSCTTY is EPERM */
	int s = open(slave, O_RDWR | O_NOCTTY);
	errno = 0;
	CHECK(ioctl(s, TIOCSCTTY, 0) == -1 && errno == EPERM);
	errno = 0;
	CHECK(ioctl(s, TIOCGSID, &(pid_t){0}) == -1 && errno == ENOTTY);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		close(m);
		signal(SIGWINCH, on_winch);
		become_session(slave);
		pid_t sid = 0, pg = 0;
		char r = '1';
		if (ioctl(0, TIOCGSID, &sid) || sid != getpid())
			r = 'a';
		else if (ioctl(0, TIOCGPGRP, &pg) || pg != getpid() || tcgetpgrp(0) != getpid())
			r = 'b';
		errno = 0;
		if (r == '1' && (tcsetpgrp(0, 0x7ffff) != -1 || errno != ESRCH))
			r = 'd';	/* no such group */
		errno = 0;
		if (r == '1' && (tcsetpgrp(0, 1) != -1 || errno != EPERM))
			r = 'e';	/* init's group: another session */
		/* /dev/tty is this pty now */
		int tty = open("/dev/tty", O_RDWR);
		struct stat b;
		unsigned d1 = 0, d2 = 1;
		if (r == '1' && (tty < 0 || fstat(0, &b) || ioctl(tty, TIOCGDEV, &d1) ||
				 ioctl(0, TIOCGDEV, &d2) || d1 != d2 || d1 != b.st_rdev))
			r = 'c';
		write(p[1], &r, 1);
		while (!got_winch)
			pause();
		write(p[1], "w", 1);
		signal(SIGHUP, SIG_DFL);
		for (;;)
			pause();
	}
	close(p[1]);
	buf[0] = 0;
	CHECK(read(p[0], buf, 1) == 1 && buf[0] == '1');
	printf("# session child: %c\n", buf[0]);
	/* another session cannot take it */
	pid_t c2 = fork();
	if (c2 == 0) {
		setsid();
		_exit(ioctl(s, TIOCSCTTY, 0) == -1 && errno == EPERM ? 0 : 1);
	}
	int st;
	CHECK(waitpid(c2, &st, 0) == c2 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct winsize ws = { .ws_row = 33, .ws_col = 99 };
	CHECK(ioctl(m, TIOCSWINSZ, &ws) == 0);
	struct pollfd pf = { p[0], POLLIN, 0 };
	CHECK(poll(&pf, 1, 3000) == 1 && read(p[0], buf, 1) == 1 && buf[0] == 'w');
	struct winsize got;
	CHECK(ioctl(s, TIOCGWINSZ, &got) == 0 && got.ws_row == 33 && got.ws_col == 99);
	/* master close: SIGHUP to the session leader; our slave is hung up */
	long long t0 = now_ms();
	close(m);
	CHECK(wait_ms(c, &st, 3000) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGHUP);
	CHECK(now_ms() - t0 < 3000);
	CHECK(read(s, buf, sizeof(buf)) == 0);
	errno = 0;
	CHECK(write(s, "x", 1) == -1 && errno == EIO);
	close(s);
	close(p[0]);

	/* every slave closed: master reads what is left, then EIO */
	m = open_pair(&s);
	CHECK(write(s, "left", 4) == 4);
	close(s);
	CHECK(read(m, buf, sizeof(buf)) == 4);
	errno = 0;
	CHECK(read(m, buf, sizeof(buf)) == -1 && errno == EIO);
	struct pollfd mp = { m, POLLIN, 0 };
	CHECK(poll(&mp, 1, 0) == 1 && (mp.revents & POLLHUP));
	close(m);
}

/* A background read of the controlling terminal stops the reader. */
static void test_background(void)
{
	int m = open_pair(NULL);
	CHECK(m >= 0);
	if (m < 0)
		return;
	char slave[64];
	snprintf(slave, sizeof(slave), "%s", ptsname(m));
	pid_t c = fork();
	if (c == 0) {
		close(m);
		become_session(slave);
		pid_t g = fork();
		if (g == 0) {	/* a background job */
			setpgid(0, 0);
			char b;
			read(0, &b, 1);
			_exit(3);
		}
		setpgid(g, g);
		int st;
		pid_t w = waitpid(g, &st, WUNTRACED);
		int ok = w == g && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN;
		kill(g, SIGKILL);
		waitpid(g, &st, 0);
		_exit(ok ? 0 : 1);
	}
	int st;
	CHECK(wait_ms(c, &st, 5000) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(m);
}

static void test_full(void)
{
	int s, m = open_pair(&s);
	char buf[4096];
	CHECK(m >= 0);
	if (m < 0)
		return;
	struct termios t;
	tcgetattr(s, &t);
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	memset(buf, 'q', sizeof(buf));
	/* slave -> master, nobody reading: EAGAIN once full */
	fcntl(s, F_SETFL, O_NONBLOCK);
	size_t put = 0;
	ssize_t n;
	while (put < (1 << 20) && (n = write(s, buf, sizeof(buf))) > 0)
		put += (size_t)n;
	CHECK(n == -1 && errno == EAGAIN && put > 0 && put < (1 << 20));
	fcntl(s, F_SETFL, 0);
	/* a blocking writer waits until the master reads */
	pid_t c = fork();
	if (c == 0)
		_exit(write(s, buf, sizeof(buf)) == (ssize_t)sizeof(buf) ? 0 : 1);
	ms(300);
	int st;
	CHECK(waitpid(c, &st, WNOHANG) == 0);
	size_t got = 0;
	while (got < put + sizeof(buf)) {
		struct pollfd p = { m, POLLIN, 0 };
		if (poll(&p, 1, 3000) != 1)
			break;
		n = read(m, buf, sizeof(buf));
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	CHECK(got == put + sizeof(buf));
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* master -> slave, nobody reading: the input queue fills */
	fcntl(m, F_SETFL, O_NONBLOCK);
	put = 0;
	while (put < (1 << 20) && (n = write(m, buf, sizeof(buf))) > 0)
		put += (size_t)n;
	CHECK(n == -1 && errno == EAGAIN && put > 0 && put < (1 << 20));
	struct pollfd p = { m, POLLOUT, 0 };
	CHECK(poll(&p, 1, 0) == 0);
	fcntl(m, F_SETFL, 0);
	c = fork();
	if (c == 0)
		_exit(write(m, "last", 4) == 4 ? 0 : 1);
	ms(300);
	CHECK(waitpid(c, &st, WNOHANG) == 0);
	got = 0;
	while (got < put + 4) {
		struct pollfd q = { s, POLLIN, 0 };
		if (poll(&q, 1, 3000) != 1 || (n = read(s, buf, sizeof(buf))) <= 0)
			break;
		got += (size_t)n;
	}
	CHECK(got == put + 4);
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(s);
	close(m);
}

static pthread_barrier_t bar;
static int race_fd[2];

static void *closer(void *arg)
{
	int i = (int)(intptr_t)arg;
	pthread_barrier_wait(&bar);
	close(race_fd[i]);
	return NULL;
}

static void *blocked_reader(void *arg)
{
	char b[16];
	(void)arg;
	read(race_fd[1], b, sizeof(b));	/* until the hang-up */
	return NULL;
}

static void test_close_race(void)
{
	long long heap0 = meminfo("KernelHeap");
	int rounds = 100, bad = 0;	/* ~25 ms each under TCG */
	for (int r = 0; r < rounds; r++) {
		race_fd[0] = open_pair(&race_fd[1]);
		if (race_fd[0] < 0) {
			bad++;
			break;
		}
		if (r % 3 == 0) {	/* and a reader asleep on the slave */
			pthread_t rd;
			int dup1 = dup(race_fd[1]);
			pthread_create(&rd, NULL, blocked_reader, NULL);
			ms(1);
			pthread_barrier_init(&bar, NULL, 2);
			pthread_t a, b;
			pthread_create(&a, NULL, closer, (void *)0);
			pthread_create(&b, NULL, closer, (void *)1);
			pthread_join(a, NULL);
			pthread_join(b, NULL);
			close(dup1);
			pthread_join(rd, NULL);
		} else {
			pthread_barrier_init(&bar, NULL, 2);
			pthread_t a, b;
			pthread_create(&a, NULL, closer, (void *)0);
			pthread_create(&b, NULL, closer, (void *)1);
			pthread_join(a, NULL);
			pthread_join(b, NULL);
		}
		pthread_barrier_destroy(&bar);
	}
	CHECK(bad == 0);
	CHECK(read_long("/proc/sys/kernel/pty/nr") == 0);
	long long heap1 = meminfo("KernelHeap");
	printf("# %d close races: KernelHeap %lld -> %lld KiB\n", rounds, heap0 / 1024,
	       heap1 / 1024);
	/* a pair is ~14 KiB: 100 leaked would be 1.4 MiB */
	CHECK(heap1 - heap0 < 512 * 1024);
}

static void test_max(void)
{
	int fds[8], n = 0;
	long old = read_long("/proc/sys/kernel/pty/max");
	CHECK(old == 4096);
	CHECK(write_str("/proc/sys/kernel/pty/max", "3") == 0);
	for (n = 0; n < 8; n++)
		if ((fds[n] = open("/dev/ptmx", O_RDWR | O_NOCTTY)) < 0)
			break;	/* not posix_openpt: musl makes ENOSPC EAGAIN */
	int e = errno;
	printf("# kernel/pty/max 3: %d opened, then errno %d\n", n, e);
	CHECK(n == 3 && e == ENOSPC);
	CHECK(read_long("/proc/sys/kernel/pty/nr") == 3);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	CHECK(write_str("/proc/sys/kernel/pty/max", "4096") == 0);
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0);
	close(m);
	CHECK(read_long("/proc/sys/kernel/pty/nr") == 0);
}

/* A session leader that took a pty exits; a new session with its number. */
static void test_session_reuse(void)
{
	char old[32] = "";
	int fd = open("/proc/sys/kernel/pid_max", O_RDWR);
	CHECK(fd >= 0 && read(fd, old, sizeof(old) - 1) > 0);
	CHECK(pwrite(fd, "301", 3, 0) == 3);
	int slave, m = open_pair(&slave);
	CHECK(m >= 0);
	char name[32];
	snprintf(name, sizeof(name), "%s", ptsname(m));
	struct winsize mark = { .ws_row = 77, .ws_col = 33 };	/* this pty's, not the console's */
	CHECK(ioctl(m, TIOCSWINSZ, &mark) == 0);
	pid_t leader = fork();
	if (leader == 0) {
		setsid();
		int s = open(name, O_RDWR | O_NOCTTY);
		_exit(s >= 0 && ioctl(s, TIOCSCTTY, 0) == 0 ? 0 : 1);
	}
	int st;
	CHECK(waitpid(leader, &st, 0) == leader && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(leader < 301);
	pid_t c = -1;
	for (int i = 0; i < 2 * 301 && c != leader; i++) {
		c = fork();
		if (c == 0) {
			if (getpid() != leader)
				_exit(0);
			setsid();
			/* Alloy's /dev/tty falls back to the console for a
			 * session without a terminal (Linux: ENXIO); either
			 * way it must not be the old pty, still naming us */
			int t = open("/dev/tty", O_RDWR);
			struct winsize w = { 0 };
			_exit(t >= 0 && ioctl(t, TIOCGWINSZ, &w) == 0 && w.ws_row == 77 ? 8 : 7);
		}
		if (c < 0 || waitpid(c, &st, 0) != c)
			break;
	}
	CHECK(c == leader);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 7)
		printf("# session reuse: status %#x\n", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);	/* 8: it got the old pty */
	CHECK(pwrite(fd, old, strlen(old), 0) == (ssize_t)strlen(old));
	close(fd);
	close(slave);
	close(m);
}

static int hup_pipe = -1;

static void note_hup(int sig)
{
	(void)sig;
	if (write(hup_pipe, "H", 1) < 0)
		_exit(3);
	_exit(0);
}

/* A session leader with a pty puts a child's group in the foreground and
 * exits: that group gets SIGHUP. */
static void test_leader_exit_hup(void)
{
	int p[2], slave, m = open_pair(&slave);
	CHECK(m >= 0 && pipe(p) == 0);
	char name[32];
	snprintf(name, sizeof(name), "%s", ptsname(m));
	pid_t leader = fork();
	if (leader == 0) {
		setsid();
		int s = open(name, O_RDWR | O_NOCTTY);
		if (s < 0 || ioctl(s, TIOCSCTTY, 0) != 0)
			_exit(1);
		int q[2];
		char ready;
		if (pipe(q) != 0)
			_exit(2);
		pid_t fg = fork();
		if (fg == 0) {
			hup_pipe = p[1];
			signal(SIGHUP, note_hup);
			setpgid(0, 0);
			if (write(q[1], "r", 1) != 1)
				_exit(4);
			for (;;)
				pause();
		}
		/* once its handler is in place */
		if (fg < 0 || read(q[0], &ready, 1) != 1 || setpgid(fg, fg) != 0 ||
		    tcsetpgrp(s, fg) != 0 || write(p[1], &fg, sizeof(fg)) != sizeof(fg))
			_exit(2);
		_exit(0);	/* the foreground child goes on without us */
	}
	close(p[1]);
	int st;
	pid_t fg = -1;
	CHECK(waitpid(leader, &st, 0) == leader && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(read(p[0], &fg, sizeof(fg)) == sizeof(fg) && fg > 0);
	struct pollfd pf = { p[0], POLLIN, 0 };
	char c = 0;
	CHECK(poll(&pf, 1, 3000) == 1 && read(p[0], &c, 1) == 1 && c == 'H');
	if (c != 'H' && fg > 0)
		kill(fg, SIGKILL);
	close(p[0]);
	close(slave);
	close(m);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	alarm(120);	/* a hang fails the test instead of the suite */
	long long t0 = now_ms();
	test_basics();
	printf("# basics done at %lld ms\n", now_ms() - t0);
	test_ldisc();
	printf("# ldisc done at %lld ms\n", now_ms() - t0);
	test_shell();
	printf("# shell done at %lld ms\n", now_ms() - t0);
	test_signals();
	printf("# signals done at %lld ms\n", now_ms() - t0);
	test_background();
	printf("# background done at %lld ms\n", now_ms() - t0);
	test_full();
	printf("# full done at %lld ms\n", now_ms() - t0);
	test_close_race();
	printf("# close races done at %lld ms\n", now_ms() - t0);
	test_max();
	test_session_reuse();
	printf("# session reuse done at %lld ms\n", now_ms() - t0);
	test_leader_exit_hup();
	printf("# leader exit done at %lld ms\n", now_ms() - t0);
	return check_done();
}
