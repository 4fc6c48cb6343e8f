#define _GNU_SOURCE
/*
 * unix_stress: AF_UNIX sockets under load and abuse.
 *
 *  - 100 clients (forked, 10 at a time in each of 10 processes) connect
 *    to one listener with a small backlog, each sends its number and
 *    reads it back doubled; every client is served once;
 *  - a nonblocking connect to a full backlog is EAGAIN, to a closed
 *    listener's name ECONNREFUSED; clients queued but never accepted get
 *    ECONNRESET/EOF when the listener closes;
 *  - a peer killed (SIGKILL) mid-transfer: the reader gets all that was
 *    sent then EOF; a writer to a killed reader gets EPIPE (or ECONNRESET)
 *    and does not hang;
 *  - full buffers: nonblocking writes until EAGAIN, poll and epoll say
 *    not writable, then writable again once the peer drains; POLLIN and
 *    EPOLLIN with data, POLLHUP/EPOLLRDHUP when the peer closes; a blocked
 *    writer woken by the reader; a blocked reader interrupted by a signal
 *    (EINTR with SA_RESTART off);
 *  - 10 000 socketpair/socket create-close cycles: kernel heap back near
 *    its baseline;
 *  - two threads sending on one socket while a third closes it (and the
 *    peer): nothing crashes, every send ends;
 *  - clients connecting while the server accepts and closes at once, and
 *    closes and re-creates its listener.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#define TEST_NAME "unix_stress"
#include "check.h"

static socklen_t mkabstract(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static ssize_t full_read(int fd, void *b, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)b + got, n - got);
		if (r <= 0)
			return r < 0 ? r : (ssize_t)got;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static void many_clients(void)
{
	struct sockaddr_un a;
	socklen_t la = mkabstract(&a, "stress-listener");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(l, (struct sockaddr *)&a, la) == 0 && listen(l, 4) == 0);
	pid_t kids[10];
	for (int k = 0; k < 10; k++) {
		if ((kids[k] = fork()) == 0) {
			int bad = 0, fds[10];
			for (int i = 0; i < 10; i++) {
				fds[i] = socket(AF_UNIX, SOCK_STREAM, 0);
				if (connect(fds[i], (struct sockaddr *)&a, la))
					bad++;
				int v = k * 10 + i;
				if (write(fds[i], &v, 4) != 4)
					bad++;
			}
			for (int i = 0; i < 10; i++) {
				int v;
				if (full_read(fds[i], &v, 4) != 4 || v != 2 * (k * 10 + i))
					bad++;
				close(fds[i]);
			}
			_exit(bad);
		}
	}
	char seen[100] = { 0 };
	int served = 0;
	for (int i = 0; i < 100; i++) {
		int c = accept(l, NULL, NULL), v = -1;
		if (c < 0 || full_read(c, &v, 4) != 4 || v < 0 || v >= 100 || seen[v]) {
			CHECK(!"accept/read");
			break;
		}
		seen[v] = 1;
		v *= 2;
		CHECK(write(c, &v, 4) == 4);
		close(c);
		served++;
	}
	CHECK(served == 100);
	for (int k = 0; k < 10; k++) {
		int st;
		CHECK(waitpid(kids[k], &st, 0) == kids[k] && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* backlog full: a nonblocking connect is EAGAIN */
	int q[8], n = 0;
	for (; n < 8; n++) {
		q[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(q[n], (struct sockaddr *)&a, la))
			break;
		CHECK(write(q[n], "x", 1) == 1);
	}
	CHECK(n == 5 && errno == EAGAIN);	/* Linux takes backlog + 1 */
	close(q[n]);
	/* the listener closes: queued clients see a reset */
	close(l);
	for (int i = 0; i < n; i++) {
		char c;
		errno = 0;
		ssize_t r = read(q[i], &c, 1);
		CHECK(r == 0 || (r < 0 && errno == ECONNRESET));
		close(q[i]);
	}
	int t = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	CHECK(connect(t, (struct sockaddr *)&a, la) < 0 && errno == ECONNREFUSED);
	close(t);
}

static void killed_peer(void)
{
	int sv[2];
	char buf[4096];

	/* a writer killed mid-transfer: all it wrote, then EOF */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pid_t c = fork();
	if (c == 0) {
		close(sv[0]);
		memset(buf, 'w', sizeof(buf));
		for (;;)
			write(sv[1], buf, sizeof(buf));
	}
	close(sv[1]);
	long total = 0;
	ssize_t r;
	while (total < 300000 && (r = read(sv[0], buf, sizeof(buf))) > 0)
		total += r;
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	while ((r = read(sv[0], buf, sizeof(buf))) > 0)
		total += r;
	CHECK(r == 0 && total >= 300000);
	close(sv[0]);

	/* a reader killed with data unread: the writer gets EPIPE or ECONNRESET */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	c = fork();
	if (c == 0) {
		close(sv[0]);
		read(sv[1], buf, 10);
		pause();
		_exit(0);
	}
	close(sv[1]);
	signal(SIGPIPE, SIG_IGN);
	memset(buf, 'r', sizeof(buf));
	CHECK(write(sv[0], buf, 100) == 100);
	usleep(50000);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	errno = 0;
	for (int i = 0; i < 1000 && write(sv[0], buf, sizeof(buf)) > 0; i++)
		;
	CHECK(errno == EPIPE || errno == ECONNRESET);
	signal(SIGPIPE, SIG_DFL);
	close(sv[0]);
}

static void on_alarm(int sig) { (void)sig; }

static void full_buffers(void)
{
	int sv[2];
	static char buf[65536];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN | EPOLLRDHUP | EPOLLET, .data.u32 = 7 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev) == 0);
	struct epoll_event got[4];
	CHECK(epoll_wait(ep, got, 4, 0) == 1 && (got[0].events & EPOLLOUT));
	struct pollfd p = { sv[0], POLLOUT | POLLIN, 0 };
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLOUT);
	long sent = 0;
	ssize_t r;
	while ((r = write(sv[0], buf, sizeof(buf))) > 0)
		sent += r;
	CHECK(r < 0 && errno == EAGAIN && sent > 0 && sent < 4 * 1024 * 1024);
	errno = 0;
	CHECK(send(sv[0], buf, 1, 0) < 0 && errno == EAGAIN);
	CHECK(poll(&p, 1, 0) == 0);
	CHECK(epoll_wait(ep, got, 4, 0) == 0);
	p.fd = sv[1];
	p.events = POLLIN;
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLIN);
	int n = 0;
	CHECK(ioctl(sv[1], FIONREAD, &n) == 0 && n == sent);
	/* drain: writable again, and epoll tells */
	long drained = 0;
	while ((r = read(sv[1], buf, sizeof(buf))) > 0)
		drained += r;
	CHECK(drained == sent);
	CHECK(epoll_wait(ep, got, 4, 100) == 1 && (got[0].events & EPOLLOUT));
	p.fd = sv[0];
	p.events = POLLOUT;
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLOUT));
	/* a writer blocked on a full buffer, woken by the reader */
	int fl = fcntl(sv[0], F_GETFL);
	fcntl(sv[0], F_SETFL, fl & ~O_NONBLOCK);
	pid_t c = fork();
	if (c == 0) {
		long w = 0;
		while (w < 1024 * 1024) {
			ssize_t k = write(sv[0], buf, sizeof(buf));
			if (k <= 0)
				_exit(1);
			w += k;
		}
		_exit(0);
	}
	fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) & ~O_NONBLOCK);
	long rd = 0;
	while (rd < 1024 * 1024 && (r = read(sv[1], buf, sizeof(buf))) > 0)
		rd += r;
	int st;
	CHECK(rd == 1024 * 1024 && waitpid(c, &st, 0) == c && WIFEXITED(st) && !WEXITSTATUS(st));
	/* a blocked reader interrupted by a signal without SA_RESTART */
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	pid_t parent = getpid();
	if ((c = fork()) == 0) {	/* no setitimer on Alloy yet: a child signals */
		usleep(50000);
		kill(parent, SIGALRM);
		_exit(0);
	}
	errno = 0;
	CHECK(read(sv[1], buf, 1) < 0 && errno == EINTR);
	waitpid(c, NULL, 0);
	/* the peer closes: POLLHUP and EPOLLRDHUP */
	epoll_wait(ep, got, 4, 0);
	close(sv[1]);
	p.events = POLLIN;
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) && (p.revents & POLLIN));
	CHECK(epoll_wait(ep, got, 4, 100) == 1 && (got[0].events & EPOLLRDHUP));
	close(ep);
	close(sv[0]);

	/* datagrams: a full queue is EAGAIN for a nonblocking sender */
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	int k = 0;
	while (send(sv[0], buf, 1000, MSG_DONTWAIT) == 1000 && k < 100000)
		k++;
	CHECK(errno == EAGAIN && k > 10 && k < 100000);
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 1000);
	close(sv[0]);
	close(sv[1]);
}

static void cycles(void)
{
	int sv[2];
	/* warm the caches first, then measure */
	for (int i = 0; i < 200; i++) {
		socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
		close(sv[0]);
		close(sv[1]);
	}
	long long base = meminfo("KernelHeap");
	for (int i = 0; i < 10000; i++) {
		int t = i % 3 == 0 ? SOCK_STREAM : i % 3 == 1 ? SOCK_DGRAM : SOCK_SEQPACKET;
		if (socketpair(AF_UNIX, t, 0, sv)) {
			CHECK(!"socketpair");
			break;
		}
		if (i % 2)
			write(sv[0], "data", 4);	/* unread messages are freed too */
		close(sv[0]);
		close(sv[1]);
		if (i % 7 == 0) {
			int s = socket(AF_UNIX, SOCK_DGRAM, 0);
			struct sockaddr_un a;
			a.sun_family = AF_UNIX;
			bind(s, (struct sockaddr *)&a, sizeof(sa_family_t));	/* autobind */
			close(s);
		}
	}
	long long after = meminfo("KernelHeap");
	CHECK(base > 0 && after - base < 128 * 1024);
	if (after - base >= 128 * 1024)
		fprintf(stderr, "unix_stress: heap %lld -> %lld after 10000 cycles\n", base, after);
}

struct race { int fd; volatile int stop; long sent; };

static void *sender(void *arg)
{
	struct race *r = arg;
	char b[512] = { 0 };
	while (!r->stop) {
		ssize_t k = send(r->fd, b, sizeof(b), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0)
			__atomic_add_fetch(&r->sent, k, __ATOMIC_RELAXED);
		else if (errno == EBADF || errno == EPIPE || errno == ENOTSOCK)
			break;
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct race *r = arg;
	char b[4096];
	while (read(r->fd, b, sizeof(b)) > 0)
		;
	return NULL;
}

static void close_race(void)
{
	for (int round = 0; round < 30; round++) {
		int sv[2];
		CHECK(socketpair(AF_UNIX, round % 2 ? SOCK_STREAM : SOCK_DGRAM, 0, sv) == 0);
		struct race r = { sv[0], 0, 0 }, rr = { sv[1], 0, 0 };
		/* a datagram reader is not woken by its peer's close (as on
		 * Linux): it gives up after 200 ms of silence */
		struct timeval tv = { 0, 200000 };
		setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		pthread_t t[3];
		pthread_create(&t[0], NULL, sender, &r);
		pthread_create(&t[1], NULL, sender, &r);
		pthread_create(&t[2], NULL, reader, &rr);
		/* the race is between sends under way and the closes: wait for
		 * the first send (a loaded host may not run the senders within
		 * a fixed sleep), then let them run on a little */
		for (int i = 0; i < 5000 && !__atomic_load_n(&r.sent, __ATOMIC_RELAXED); i++)
			usleep(1000);
		CHECK(__atomic_load_n(&r.sent, __ATOMIC_RELAXED) > 0);
		usleep(2000);
		close(sv[1]);	/* the peer goes first, then the socket itself */
		usleep(1000);
		close(sv[0]);
		r.stop = 1;
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		pthread_join(t[2], NULL);
	}
}


/* A client connecting while the server accepts and closes at once, or
 * closes its listener: the client's connect must not use the server side
 * after the server freed it (connect takes its own reference on it). */
static void connect_vs_close(void)
{
	struct sockaddr_un a;
	socklen_t al = mkabstract(&a, "stress-cvc");
	pid_t pid = fork();

	if (pid == 0) {
		for (int round = 0; round < 300; round++) {
			int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
			while (bind(l, (struct sockaddr *)&a, al) < 0)
				sched_yield();
			listen(l, 64);
			for (int i = 0; i < 30; i++) {
				int s = accept(l, NULL, NULL);
				if (s >= 0)
					close(s);
				else
					sched_yield();
			}
			close(l);	/* with connections still queued, or being made */
		}
		_exit(0);
	}
	int st, ok = 0, bad = 0;
	for (int i = 0; i < 20000 && waitpid(pid, &st, WNOHANG) == 0; i++) {
		int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(c, (struct sockaddr *)&a, al) == 0) {
			ok++;
			ssize_t r = send(c, "x", 1, MSG_NOSIGNAL);
			if (r != 1 && errno != EPIPE && errno != ECONNRESET && errno != EAGAIN)
				bad++;
		} else if (errno != ECONNREFUSED && errno != EAGAIN) {
			bad++;
		}
		close(c);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	printf("# %d connects made while the server accepted and closed\n", ok);
	CHECK(bad == 0);
	CHECK(ok > 0);
}

#define RUN(f) do { printf("# %s\n", #f); fflush(stdout); f(); } while (0)

int main(void)
{
	RUN(many_clients);
	RUN(killed_peer);
	RUN(full_buffers);
	RUN(cycles);
	RUN(close_race);
	RUN(connect_vs_close);
	printf("# unix_stress: %s\n", failures ? "FAILED" : "all passed");
	return check_done();
}
