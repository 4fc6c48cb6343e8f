#define _GNU_SOURCE
/*
 * inet_tcp: TCP and UDP over 127.0.0.1 and ::1 (lwIP, docs/net.md), from
 * two processes at once and with hostile arguments. Each part runs for
 * AF_INET, then again for AF_INET6.
 *
 *  - bulk: 4 MiB each way between a listener and a forked client,
 *    checksummed; the client's shutdown(SHUT_WR) is the server's EOF;
 *  - many: 24 clients in 3 processes connected at once, each served;
 *  - hundred: 100 connections at once (4 processes of 25), each moving
 *    1 MiB, checksummed on both ends;
 *  - errors: EADDRINUSE (also with SO_REUSEADDR), ECONNREFUSED to a
 *    closed port (blocking, and non-blocking through poll and SO_ERROR),
 *    a non-blocking connect that succeeds, getsockname/getpeername;
 *  - close: the peer's close is EOF, then EPIPE with SIGPIPE (none with
 *    MSG_NOSIGNAL); MSG_PEEK, MSG_WAITALL, FIONREAD, TCP_NODELAY;
 *  - linger: SO_LINGER with a time: close waits for the peer's
 *    acknowledgement of all that was sent, at most that long (not when
 *    the program exits);
 *  - timewait: after both FINs (ours first) the TIME_WAIT connection
 *    belongs to no socket in /proc/net/tcp; the socket reads EOF, EPIPE;
 *  - udp: sendto/recvfrom with the source, connect, MSG_TRUNC,
 *    EDESTADDRREQ;
 *  - hostile: short and garbage address lengths, the other family's
 *    address, a 2 GiB send, a thread shutting down a socket another
 *    thread blocks on in accept and in recv, a close while a thread
 *    waits with SO_RCVTIMEO;
 *  - ifaces: SIOCGIF{INDEX,NAME,FLAGS,ADDR,NETMASK,CONF} on "lo", an
 *    unknown or unterminated name, a bad pointer;
 *  - flood: 64 connections to a listener with backlog 4 that never
 *    accepts: only a few complete; the listener's close resets them;
 *    /proc/net/tcp lists the listener.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/param.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#define TEST_NAME "inet_tcp"
#include "check.h"

static int fam = AF_INET;
static volatile int sigpipes;

static socklen_t mkaddr(struct sockaddr_storage *ss, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (fam == AF_INET) {
		struct sockaddr_in *a = (void *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a = (void *)ss;
	a->sin6_family = AF_INET6;
	a->sin6_port = htons((uint16_t)port);
	a->sin6_addr = in6addr_loopback;
	return sizeof(*a);
}

static int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (void *)&ss, &len))
		return -1;
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);	/* same offset in sin6 */
}

/* A listener on loopback, port chosen by the kernel; *port gets it. */
static int listener(int backlog, int *port)
{
	struct sockaddr_storage ss;
	int fd = socket(fam, SOCK_STREAM, 0);
	socklen_t len = mkaddr(&ss, 0);

	CHECK(fd >= 0);
	CHECK(bind(fd, (void *)&ss, len) == 0);
	CHECK(listen(fd, backlog) == 0);
	*port = port_of(fd);
	CHECK(*port > 0);
	return fd;
}

static int connect_to(int port, int flags)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(&ss, port);
	int fd = socket(fam, SOCK_STREAM | flags, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (void *)&ss, len) && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

#define BULK (4u << 20)

/* Both sides hash what they send and receive (FNV-1a) and compare. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t send_hashed(int fd, uint32_t seed, bool *ok)
{
	static uint32_t buf[8192];
	uint64_t h = 0xcbf29ce484222325ull;
	size_t sent = 0;

	*ok = true;
	while (sent < BULK) {
		size_t n = MIN(sizeof(buf), BULK - sent), r = 1000 + rnd(&seed) % 30000;
		n = MIN(n, r);	/* MIN evaluates its arguments twice */
		for (size_t i = 0; i < (n + 3) / 4; i++)
			buf[i] = rnd(&seed);
		ssize_t w = write(fd, buf, n);
		if (w <= 0) {
			*ok = false;
			return 0;
		}
		h = fnv(h, buf, (size_t)w);
		sent += (size_t)w;
	}
	return h;
}

static uint64_t recv_hashed(int fd, size_t *got)
{
	static uint8_t buf[40000];
	uint64_t h = 0xcbf29ce484222325ull;

	*got = 0;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		h = fnv(h, buf, (size_t)r);
		*got += (size_t)r;
	}
	return h;
}

static void bulk(void)
{
	int port, l = listener(1, &port), p[2];
	struct timespec t0, t1;

	CHECK(pipe(p) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid == 0) {
		close(l);
		int fd = connect_to(port, 0);
		bool ok;
		if (fd < 0)
			_exit(2);
		uint64_t h = send_hashed(fd, 12345, &ok);
		if (!ok || shutdown(fd, SHUT_WR))
			_exit(3);
		size_t got;
		uint64_t hr = recv_hashed(fd, &got);
		/* hand the hashes to the parent to compare */
		uint64_t out[3] = { h, hr, got };
		if (write(p[1], out, sizeof(out)) != sizeof(out))
			_exit(4);
		_exit(0);
	}
	close(p[1]);
	int c = accept(l, NULL, NULL);
	CHECK(c >= 0);
	size_t got;
	uint64_t hr = recv_hashed(c, &got);	/* to the client's EOF */
	CHECK(got == BULK);
	bool ok;
	uint64_t hs = send_hashed(c, 999, &ok);
	CHECK(ok);
	CHECK(close(c) == 0);
	uint64_t in[3] = { 0, 0, 0 };
	CHECK(read(p[0], in, sizeof(in)) == sizeof(in));
	CHECK(in[0] == hr);	/* what the client sent is what arrived */
	CHECK(in[1] == hs);	/* and back */
	CHECK(in[2] == BULK);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# 2 x 4 MiB in %.2f s\n", s);
	close(p[0]);
	close(l);
}

#define CLIENTS 8
#define PROCS 3

static void many(void)
{
	int port, l = listener(64, &port);
	pid_t pids[PROCS];

	for (int p = 0; p < PROCS; p++) {
		if ((pids[p] = fork()) == 0) {
			int fds[CLIENTS], bad = 0;
			for (int i = 0; i < CLIENTS; i++) {
				fds[i] = connect_to(port, 0);
				int v = p * 100 + i;
				if (fds[i] < 0 || write(fds[i], &v, 4) != 4)
					bad++;
			}
			for (int i = 0; i < CLIENTS; i++) {
				int v = -1;
				if (fds[i] < 0 || read(fds[i], &v, 4) != 4 || v != 2 * (p * 100 + i))
					bad++;
				close(fds[i]);
			}
			_exit(bad);
		}
	}
	int served = 0;
	for (int i = 0; i < PROCS * CLIENTS; i++) {
		int c = accept(l, NULL, NULL), v = -1;
		CHECK(c >= 0);
		if (c < 0)
			break;
		if (read(c, &v, 4) == 4) {
			v *= 2;
			CHECK(write(c, &v, 4) == 4);
			served++;
		}
		close(c);
	}
	CHECK(served == PROCS * CLIENTS);
	for (int p = 0; p < PROCS; p++) {
		int st;
		CHECK(waitpid(pids[p], &st, 0) == pids[p] && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	close(l);
}

/* hundred: 100 connections at once, each moving 1 MiB, checksummed. Four
 * client processes of 25 connections send on all of theirs at once
 * (non-blocking, poll); the server, one process, reads all 100 at once
 * and answers each one's EOF with the hash of what it got, which the
 * client compares with its own. Each connection's bytes are a function of
 * its number and offset, so a byte of one arriving on another shows. */
#define CONNS 100
#define CPROCS 4
#define EACH (1u << 20)

static uint32_t mix32(uint32_t a, uint32_t b)
{
	uint32_t h = a * 0x9e3779b1u ^ b * 0x85ebca6bu;
	h ^= h >> 15;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 13);
}

/* n bytes of connection id's stream from offset off (n <= 16 KiB) */
static void stream_bytes(uint32_t id, size_t off, uint8_t *out, size_t n)
{
	uint32_t w[4097];
	size_t first = off / 4, words = (off % 4 + n + 3) / 4;

	for (size_t i = 0; i < words; i++)
		w[i] = mix32(id, (uint32_t)(first + i));
	memcpy(out, (uint8_t *)w + off % 4, n);
}

static int hundred_client(int port, int p)
{
	enum { PER = CONNS / CPROCS };
	struct pollfd pf[PER];
	size_t sent[PER] = { 0 };
	uint64_t h[PER];
	static uint8_t buf[16384];
	int bad = 0, left = PER;

	for (int i = 0; i < PER; i++) {
		pf[i].fd = connect_to(port, 0);
		if (pf[i].fd < 0 || fcntl(pf[i].fd, F_SETFL, O_NONBLOCK))
			return 100;
		pf[i].events = POLLOUT;
		h[i] = 0xcbf29ce484222325ull;
	}
	while (left) {
		if (poll(pf, PER, 30000) <= 0)
			return 101;	/* 30 s with nothing to do: stuck */
		for (int i = 0; i < PER; i++) {
			uint32_t id = (uint32_t)(p * PER + i);
			if ((pf[i].revents & POLLOUT) && sent[i] < EACH) {
				size_t n = MIN((size_t)EACH - sent[i], sizeof(buf));
				stream_bytes(id, sent[i], buf, n);
				ssize_t w = write(pf[i].fd, buf, n);
				if (w < 0 && errno != EAGAIN)
					return 102;
				if (w > 0) {
					h[i] = fnv(h[i], buf, (size_t)w);
					sent[i] += (size_t)w;
				}
				if (sent[i] == EACH) {
					shutdown(pf[i].fd, SHUT_WR);
					pf[i].events = POLLIN;
				}
			} else if (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				uint64_t got = 0;
				if (read(pf[i].fd, &got, sizeof(got)) != sizeof(got) || got != h[i])
					bad++;
				close(pf[i].fd);
				pf[i].fd = -1;	/* poll skips it */
				left--;
			}
		}
	}
	return bad;
}

static void hundred(void)
{
	int port, l = listener(CONNS, &port);
	pid_t pids[CPROCS];
	struct pollfd pf[CONNS];
	uint64_t h[CONNS];
	size_t got[CONNS] = { 0 };
	static uint8_t buf[65536];
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int p = 0; p < CPROCS; p++)
		if ((pids[p] = fork()) == 0) {
			close(l);
			_exit(hundred_client(port, p));
		}
	int n = 0;
	for (; n < CONNS; n++) {
		pf[n].fd = accept(l, NULL, NULL);
		if (pf[n].fd < 0)
			break;
		pf[n].events = POLLIN;
		h[n] = 0xcbf29ce484222325ull;
	}
	CHECK(n == CONNS);
	int open_ = n, full = 0;
	while (open_ > 0 && poll(pf, (nfds_t)n, 30000) > 0) {
		for (int i = 0; i < n; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(pf[i].fd, buf, sizeof(buf));
			if (r > 0) {
				h[i] = fnv(h[i], buf, (size_t)r);
				got[i] += (size_t)r;
				continue;
			}
			full += got[i] == EACH;
			if (r == 0)	/* the client's EOF: the hash of what came */
				CHECK(write(pf[i].fd, &h[i], sizeof(h[i])) == sizeof(h[i]));
			close(pf[i].fd);
			pf[i].fd = -1;
			open_--;
		}
	}
	CHECK(open_ == 0);
	CHECK(full == CONNS);
	for (int p = 0; p < CPROCS; p++) {
		int st = -1;
		CHECK(waitpid(pids[p], &st, 0) == pids[p]);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			printf("# client process %d: status %#x\n", p, st);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# %d connections x 1 MiB in %.2f s\n", CONNS,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	close(l);
}

static void errors(void)
{
	struct sockaddr_storage ss, got;
	socklen_t len;
	int port, l = listener(4, &port), one = 1;

	/* the port in use */
	int b = socket(fam, SOCK_STREAM, 0);
	len = mkaddr(&ss, port);
	CHECK(bind(b, (void *)&ss, len) == -1 && errno == EADDRINUSE);
	CHECK(setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
	CHECK(bind(b, (void *)&ss, len) == -1 && errno == EADDRINUSE);
	close(b);

	/* a port nobody listens on: take one, close it */
	b = socket(fam, SOCK_STREAM, 0);
	len = mkaddr(&ss, 0);
	CHECK(bind(b, (void *)&ss, len) == 0);
	int dead = port_of(b);
	close(b);
	errno = 0;
	CHECK(connect_to(dead, 0) == -1 && errno == ECONNREFUSED);

	/* non-blocking, refused: EINPROGRESS, then POLLOUT|POLLERR and SO_ERROR */
	b = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	len = mkaddr(&ss, dead);
	int r = connect(b, (void *)&ss, len);
	CHECK(r == -1 && (errno == EINPROGRESS || errno == ECONNREFUSED));
	if (r == -1 && errno == EINPROGRESS) {
		struct pollfd pf = { b, POLLOUT, 0 };
		CHECK(poll(&pf, 1, 5000) == 1 && (pf.revents & POLLERR) && (pf.revents & POLLOUT));
		int e = 0;
		socklen_t el = sizeof(e);
		CHECK(getsockopt(b, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == ECONNREFUSED);
		CHECK(getsockopt(b, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0);
	}
	close(b);

	/* non-blocking, accepted: POLLOUT, SO_ERROR 0, names that match */
	b = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	len = mkaddr(&ss, port);
	r = connect(b, (void *)&ss, len);
	CHECK(r == 0 || errno == EINPROGRESS);
	struct pollfd pf = { b, POLLOUT, 0 };
	CHECK(poll(&pf, 1, 5000) == 1 && pf.revents == POLLOUT);
	int e = -1;
	socklen_t el = sizeof(e);
	CHECK(getsockopt(b, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0);
	len = sizeof(got);
	CHECK(getpeername(b, (void *)&got, &len) == 0 && len == mkaddr(&ss, port) &&
	      got.ss_family == fam && port_of(l) == port &&
	      ((struct sockaddr_in *)&got)->sin_port == htons((uint16_t)port));
	CHECK(connect(b, (void *)&ss, mkaddr(&ss, port)) == -1 && errno == EISCONN);
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	int c = accept(l, (void *)&peer, &plen);
	CHECK(c >= 0 && plen == len && peer.ss_family == fam);
	CHECK(port_of(b) == ntohs(((struct sockaddr_in *)&peer)->sin_port));
	close(c);
	close(b);

	/* unconnected: ENOTCONN; a listener: no peer */
	b = socket(fam, SOCK_STREAM, 0);
	len = sizeof(got);
	CHECK(getpeername(b, (void *)&got, &len) == -1 && errno == ENOTCONN);
	CHECK(send(b, "x", 1, MSG_NOSIGNAL) == -1 && (errno == ENOTCONN || errno == EPIPE));
	CHECK(shutdown(b, SHUT_WR) == -1 && errno == ENOTCONN);
	close(b);
	CHECK(getpeername(l, (void *)&got, &len) == -1 && errno == ENOTCONN);
	close(l);
}

static void on_pipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static void closing(void)
{
	int port, l = listener(4, &port), one = 1;
	int a = connect_to(port, 0), b = accept(l, NULL, NULL);
	char buf[128];

	CHECK(a >= 0 && b >= 0);
	CHECK(setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0);
	int v = 0;
	socklen_t vl = sizeof(v);
	CHECK(getsockopt(a, IPPROTO_TCP, TCP_NODELAY, &v, &vl) == 0 && v == 1);

	/* peek, FIONREAD, waitall */
	CHECK(write(a, "hello", 5) == 5);
	struct pollfd pf = { b, POLLIN, 0 };
	CHECK(poll(&pf, 1, 5000) == 1 && (pf.revents & POLLIN));
	CHECK(ioctl(b, FIONREAD, &v) == 0 && v == 5);
	CHECK(recv(b, buf, 3, MSG_PEEK) == 3 && !memcmp(buf, "hel", 3));
	CHECK(recv(b, buf, 2, 0) == 2 && !memcmp(buf, "he", 2));
	CHECK(recv(b, buf, sizeof(buf), MSG_DONTWAIT) == 3 && !memcmp(buf, "llo", 3));
	CHECK(recv(b, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(50000);
		for (int i = 0; i < 10; i++)
			if (write(a, "0123456789", 10) != 10)
				_exit(1);
		_exit(0);
	}
	CHECK(recv(b, buf, 100, MSG_WAITALL) == 100 && !memcmp(buf + 90, "0123456789", 10));
	int st;
	waitpid(pid, &st, 0);

	/* the peer closes: EOF, then EPIPE and SIGPIPE */
	sigpipes = 0;
	signal(SIGPIPE, on_pipe);
	CHECK(close(a) == 0);
	CHECK(read(b, buf, sizeof(buf)) == 0);
	pf = (struct pollfd){ b, POLLIN | POLLRDHUP, 0 };
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLRDHUP));
	int tries = 0;
	ssize_t w;
	while ((w = send(b, "x", 1, MSG_NOSIGNAL)) == 1 && ++tries < 50)
		usleep(10000);
	CHECK(w == -1 && errno == EPIPE && sigpipes == 0);
	CHECK(write(b, "x", 1) == -1 && errno == EPIPE);
	CHECK(sigpipes == 1);
	signal(SIGPIPE, SIG_DFL);
	close(b);

	/* shutdown(SHUT_WR): the peer sees EOF and can still answer */
	a = connect_to(port, 0);
	b = accept(l, NULL, NULL);
	CHECK(shutdown(a, SHUT_WR) == 0);
	CHECK(read(b, buf, sizeof(buf)) == 0);
	CHECK(write(b, "back", 4) == 4);
	CHECK(read(a, buf, sizeof(buf)) == 4 && !memcmp(buf, "back", 4));
	CHECK(send(a, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	/* data left unread at close: the peer is reset */
	CHECK(write(b, "unread", 6) == 6);
	usleep(20000);
	close(a);
	errno = 0;
	ssize_t n = 0;
	for (int i = 0; i < 50 && (n = send(b, "y", 1, MSG_NOSIGNAL)) == 1; i++)
		usleep(10000);
	CHECK(n == -1 && (errno == ECONNRESET || errno == EPIPE));
	close(b);
	close(l);
}

/* linger: SO_LINGER with a time makes close wait for the peer's
 * acknowledgement of everything sent, at most that long. A reader that
 * never reads: close waits out the 1 s; a reader that drains after 300 ms:
 * close returns once it has, with every byte delivered, then EOF. */
static double secs_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static size_t fill(int fd)
{
	static char junk[16384];
	size_t sent = 0;
	ssize_t w;

	while ((w = send(fd, junk, sizeof(junk), MSG_DONTWAIT)) > 0)
		sent += (size_t)w;
	return sent;
}

struct drain { int fd; size_t got; };

static void *drain_later(void *arg)
{
	struct drain *d = arg;
	static char buf[65536];
	ssize_t r;

	usleep(300000);
	while ((r = read(d->fd, buf, sizeof(buf))) > 0)
		d->got += (size_t)r;
	return NULL;
}

static void linger(void)
{
	int port, l = listener(4, &port);
	struct linger lg = { 1, 1 };
	struct timespec t0;

	/* nobody reads: close waits the full second */
	int a = connect_to(port, 0), b = accept(l, NULL, NULL);
	CHECK(a >= 0 && b >= 0);
	CHECK(setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
	CHECK(fill(a) > 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(close(a) == 0);
	double s = secs_since(&t0);
	printf("# SO_LINGER 1 s, unread: close took %.2f s\n", s);
	CHECK(s >= 0.9 && s < 10);
	close(b);

	/* the reader drains after 300 ms: close returns when it has */
	a = connect_to(port, 0);
	b = accept(l, NULL, NULL);
	CHECK(a >= 0 && b >= 0);
	lg.l_linger = 20;
	CHECK(setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
	size_t sent = fill(a);
	struct drain d = { b, 0 };
	pthread_t t;
	CHECK(pthread_create(&t, NULL, drain_later, &d) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(close(a) == 0);
	s = secs_since(&t0);
	pthread_join(t, NULL);
	printf("# SO_LINGER 20 s, drained after 0.3 s: close took %.2f s\n", s);
	CHECK(s >= 0.2 && s < 10);
	CHECK(d.got == sent);
	close(b);

	/* a program that exits does not wait for its lingering sockets (plain
	 * exit of its one thread: exit_group's kill would end the wait anyway).
	 * The child starts only once the parent has closed its copy: otherwise
	 * a parent slow to close holds the last reference and its close(2)
	 * rightly waits the 5 s. */
	a = connect_to(port, 0);
	b = accept(l, NULL, NULL);
	CHECK(a >= 0 && b >= 0);
	int go[2];
	CHECK(pipe(go) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		lg.l_linger = 5;
		setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		fill(a);
		syscall(SYS_exit, 0);
	}
	close(go[0]);
	close(a);
	CHECK(write(go[1], "g", 1) == 1);
	close(go[1]);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	s = secs_since(&t0);
	printf("# SO_LINGER 5 s, unread, the owner exits: it took %.2f s\n", s);
	CHECK(s < 3);
	close(b);
	close(l);
}

static void udp(void)
{
	struct sockaddr_storage ss, from;
	socklen_t len = mkaddr(&ss, 0), fl;
	int r = socket(fam, SOCK_DGRAM, 0), s = socket(fam, SOCK_DGRAM, 0);
	char buf[2000];

	CHECK(r >= 0 && s >= 0);
	CHECK(bind(r, (void *)&ss, len) == 0);
	int rport = port_of(r);
	CHECK(rport > 0);
	len = mkaddr(&ss, rport);
	CHECK(send(s, "x", 1, 0) == -1 && errno == EDESTADDRREQ);
	CHECK(sendto(s, "ping", 4, 0, (void *)&ss, len) == 4);
	int sport = port_of(s);
	CHECK(sport > 0);	/* bound by the send */
	fl = sizeof(from);
	CHECK(recvfrom(r, buf, sizeof(buf), 0, (void *)&from, &fl) == 4 && !memcmp(buf, "ping", 4));
	CHECK(fl == len && from.ss_family == fam &&
	      ntohs(((struct sockaddr_in *)&from)->sin_port) == sport);
	/* the reply to where it came from; truncation */
	CHECK(sendto(r, "pong-pong", 9, 0, (void *)&from, fl) == 9);
	struct msghdr mh = { 0 };
	struct iovec iov = { buf, 4 };
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	CHECK(recvmsg(s, &mh, 0) == 4 && (mh.msg_flags & MSG_TRUNC) && !memcmp(buf, "pong", 4));
	/* connected: send/recv; datagrams from others are not */
	CHECK(connect(s, (void *)&ss, len) == 0);
	CHECK(send(s, "conn", 4, 0) == 4);
	CHECK(recv(r, buf, sizeof(buf), 0) == 4 && !memcmp(buf, "conn", 4));
	CHECK(sendto(s, "big", 70000, 0, NULL, 0) == -1 && errno == EMSGSIZE);
	CHECK(recv(s, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN);
	/* a full receive buffer drops; the queue stays bounded */
	int small = 4096;
	CHECK(setsockopt(r, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
	int sent = 0, got = 0;
	for (int i = 0; i < 200; i++)
		sent += send(s, buf, 1000, 0) == 1000;
	while (recv(r, buf, sizeof(buf), MSG_DONTWAIT) == 1000)
		got++;
	CHECK(sent == 200 && got > 0 && got < 20);
	close(r);
	close(s);
}

struct blocker { int fd; bool accept; ssize_t rc; int err; };

static void *block_thread(void *arg)
{
	struct blocker *b = arg;
	char c;

	b->rc = b->accept ? accept(b->fd, NULL, NULL) : recv(b->fd, &c, 1, 0);
	b->err = errno;
	return NULL;
}

static void hostile(void)
{
	struct sockaddr_storage ss;
	int s = socket(fam, SOCK_STREAM, 0);
	socklen_t len = mkaddr(&ss, 0);

	CHECK(bind(s, (void *)&ss, 4) == -1 && errno == EINVAL);
	CHECK(bind(s, (void *)&ss, 1) == -1 && errno == EINVAL);
	CHECK(bind(s, (void *)&ss, 129) == -1 && errno == EINVAL);
	CHECK(bind(s, (void *)&ss, (socklen_t)-1) == -1 && errno == EINVAL);
	CHECK(bind(s, (void *)8, len) == -1 && errno == EFAULT);
	/* an address that is not ours */
	struct sockaddr_storage far;
	memcpy(&far, &ss, sizeof(far));
	if (fam == AF_INET)
		((struct sockaddr_in *)&far)->sin_addr.s_addr = htonl(0x0a0b0c0d);
	else
		((struct sockaddr_in6 *)&far)->sin6_addr.s6_addr[0] = 0x20;
	CHECK(bind(s, (void *)&far, len) == -1 && errno == EADDRNOTAVAIL);
	CHECK(getsockname(s, NULL, &len) == -1 && errno == EFAULT);
	int v = 1;
	CHECK(setsockopt(s, 0x1234, 1, &v, sizeof(v)) == -1 && errno == ENOPROTOOPT);
	char oob;
	CHECK(recv(s, &oob, 1, MSG_OOB | MSG_DONTWAIT) == -1 && errno == EINVAL);
	struct sockaddr_storage other;
	memset(&other, 0, sizeof(other));
	other.ss_family = fam == AF_INET ? AF_INET6 : AF_INET;
	CHECK(bind(s, (void *)&other, sizeof(other)) == -1 && errno == EAFNOSUPPORT);
	other.ss_family = 0x5a5a;
	CHECK(connect(s, (void *)&other, sizeof(other)) == -1 && errno == EAFNOSUPPORT);
	CHECK(socket(fam, SOCK_RAW, IPPROTO_TCP) == -1);	/* raw sockets: ICMP only */
	CHECK(socket(fam, SOCK_STREAM, IPPROTO_UDP) == -1 && errno == EPROTONOSUPPORT);
	int sp[2];
	CHECK(socketpair(fam, SOCK_STREAM, 0, sp) == -1 && errno == EOPNOTSUPP);
	close(s);

	/* 2 GiB sends: from readable memory (a partial count, bounded), from
	 * a small buffer (EFAULT or what fitted), never a hang */
	int port, l = listener(4, &port);
	int a = connect_to(port, SOCK_NONBLOCK), b = accept(l, NULL, NULL);
	CHECK(a >= 0 && b >= 0);
	struct pollfd pf = { a, POLLOUT, 0 };
	poll(&pf, 1, 5000);
	size_t huge = 2u << 30;
	void *m = mmap(NULL, huge, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(m != MAP_FAILED);
	ssize_t w = send(a, m, huge, MSG_DONTWAIT);
	CHECK(w > 0 && w <= (64 << 20));
	char small[16] = "abc";
	w = send(a, small, huge, MSG_DONTWAIT);
	CHECK((w == -1 && (errno == EFAULT || errno == EAGAIN)) || (w > 0 && w <= 4096));
	munmap(m, huge);
	close(a);
	close(b);

	/* a thread blocked in accept, another shuts the listener down */
	struct blocker bl = { l, true, 0, 0 };
	pthread_t t;
	pthread_create(&t, NULL, block_thread, &bl);
	usleep(100000);
	CHECK(shutdown(l, SHUT_RDWR) == 0);
	pthread_join(t, NULL);
	CHECK(bl.rc == -1 && bl.err == EINVAL);
	close(l);

	/* blocked in recv: shutdown wakes it with EOF */
	l = listener(4, &port);
	a = connect_to(port, 0);
	b = accept(l, NULL, NULL);
	bl = (struct blocker){ a, false, 0, 0 };
	pthread_create(&t, NULL, block_thread, &bl);
	usleep(100000);
	CHECK(shutdown(a, SHUT_RDWR) == 0);
	pthread_join(t, NULL);
	CHECK(bl.rc == 0);
	close(a);

	/* closed while a thread waits with a timeout: the wait ends */
	a = connect_to(port, 0);
	struct timeval tv = { 0, 300000 };
	CHECK(setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	bl = (struct blocker){ a, false, 0, 0 };
	pthread_create(&t, NULL, block_thread, &bl);
	usleep(50000);
	close(a);
	pthread_join(t, NULL);
	CHECK(bl.rc == -1 && (bl.err == EAGAIN || bl.err == EBADF));
	close(b);
	close(l);
}

static void ifaces(void)
{
	int s = socket(fam, SOCK_DGRAM, 0);
	struct ifreq r;

	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	CHECK(ioctl(s, SIOCGIFINDEX, &r) == 0 && r.ifr_ifindex == 1);
	memset(r.ifr_name, 0, sizeof(r.ifr_name));
	CHECK(ioctl(s, SIOCGIFNAME, &r) == 0 && !strcmp(r.ifr_name, "lo"));
	CHECK(ioctl(s, SIOCGIFFLAGS, &r) == 0 &&
	      (r.ifr_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING)) ==
		      (IFF_UP | IFF_LOOPBACK | IFF_RUNNING));
	CHECK(ioctl(s, SIOCGIFADDR, &r) == 0 && r.ifr_addr.sa_family == AF_INET &&
	      ((struct sockaddr_in *)&r.ifr_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	CHECK(ioctl(s, SIOCGIFNETMASK, &r) == 0 &&
	      ((struct sockaddr_in *)&r.ifr_netmask)->sin_addr.s_addr == htonl(0xff000000));
	struct ifconf c = { 0 };
	CHECK(ioctl(s, SIOCGIFCONF, &c) == 0 && c.ifc_len >= (int)sizeof(struct ifreq));
	struct ifreq list[8];
	c.ifc_len = sizeof(list);
	c.ifc_req = list;
	bool lo = false;
	CHECK(ioctl(s, SIOCGIFCONF, &c) == 0 && c.ifc_len % sizeof(struct ifreq) == 0);
	for (int i = 0; i < c.ifc_len / (int)sizeof(struct ifreq); i++)
		lo |= !strcmp(list[i].ifr_name, "lo");
	CHECK(lo);
	c.ifc_len = 10;		/* no room for one: nothing written */
	CHECK(ioctl(s, SIOCGIFCONF, &c) == 0 && c.ifc_len == 0);
	strcpy(r.ifr_name, "nope0");
	CHECK(ioctl(s, SIOCGIFFLAGS, &r) == -1 && errno == ENODEV);
	memset(r.ifr_name, 'l', sizeof(r.ifr_name));	/* no NUL */
	CHECK(ioctl(s, SIOCGIFINDEX, &r) == -1 && errno == ENODEV);
	CHECK(ioctl(s, SIOCGIFFLAGS, (void *)8) == -1 && errno == EFAULT);
	CHECK(ioctl(s, SIOCGIFCONF, (void *)8) == -1 && errno == EFAULT);
	close(s);
}

static bool proc_has_listener(int port)
{
	char line[512];
	const char *path = fam == AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6";
	FILE *f = fopen(path, "r");
	bool found = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		unsigned p, st;
		if (!colon || !(colon = strchr(colon + 1, ':')))
			continue;
		if (sscanf(colon + 1, "%x %*s %x", &p, &st) == 2 && (int)p == port && st == 0x0A)
			found = true;
	}
	fclose(f);
	return found;
}

/* /proc/net/tcp's row for local port `port` in state st (hex): its inode,
 * or -1 when there is none. */
static long proc_row_inode(int port, unsigned st)
{
	char line[512];
	const char *path = fam == AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6";
	FILE *f = fopen(path, "r");
	long ino = -1;

	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		unsigned p, s;
		unsigned long i;
		if (!colon || !(colon = strchr(colon + 1, ':')))
			continue;
		if (sscanf(colon + 1, "%x %*s %x %*s %*s %*s %*s %*s %lu", &p, &s, &i) == 3 &&
		    (int)p == port && s == st)
			ino = (long)i;
	}
	if (f)
		fclose(f);
	return ino;
}

/* timewait: we close first (shutdown SHUT_WR), the peer closes too: our
 * side is in TIME_WAIT, which belongs to no socket (inode 0, as Linux):
 * lwIP frees it 2 MSL later without a word, so the socket, still open,
 * must have let go of it. The socket still reads EOF and refuses sends. */
static void timewait(void)
{
	int port, l = listener(4, &port);
	int a = connect_to(port, 0), b = accept(l, NULL, NULL);
	char c;

	CHECK(a >= 0 && b >= 0);
	int aport = port_of(a);
	CHECK(shutdown(a, SHUT_WR) == 0);
	CHECK(read(b, &c, 1) == 0);
	CHECK(close(b) == 0);
	CHECK(read(a, &c, 1) == 0);
	long ino = -1;
	for (int i = 0; i < 100 && (ino = proc_row_inode(aport, 0x06)) < 0; i++)
		usleep(10000);
	CHECK(ino == 0);
	CHECK(send(a, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	struct pollfd pf = { a, POLLIN | POLLOUT, 0 };
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP) && (pf.revents & POLLIN));
	CHECK(close(a) == 0);
	close(l);
}

static void flood(void)
{
	int port, l = listener(4, &port), fds[64], done = 0;

	CHECK(proc_has_listener(port));
	for (int i = 0; i < 64; i++)
		fds[i] = connect_to(port, SOCK_NONBLOCK);
	usleep(300000);
	for (int i = 0; i < 64; i++) {
		struct pollfd pf = { fds[i], POLLOUT, 0 };
		int e = 0;
		socklen_t el = sizeof(e);
		if (fds[i] >= 0 && poll(&pf, 1, 0) == 1 && !(pf.revents & POLLERR) &&
		    getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &e, &el) == 0 && !e)
			done++;
	}
	printf("# %d of 64 connected to a backlog of 4\n", done);
	CHECK(done >= 1 && done <= 8);
	close(l);
	usleep(100000);
	for (int i = 0; i < 64; i++)
		close(fds[i]);
	CHECK(!proc_has_listener(port));
}

static const struct { const char *name; void (*fn)(void); } parts[] = {
	{ "bulk", bulk }, { "many", many }, { "hundred", hundred }, { "errors", errors },
	{ "closing", closing }, { "linger", linger }, { "timewait", timewait },
	{ "udp", udp }, { "hostile", hostile }, { "ifaces", ifaces }, { "flood", flood },
};

/* No argument: every part; else only the parts named. */
int main(int argc, char **argv)
{
	int n = 0;

	printf("# 1..%zu\n", 2 * sizeof(parts) / sizeof(parts[0]));
	for (int f = 0; f < 2; f++) {
		fam = f ? AF_INET6 : AF_INET;
		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
			bool on = argc < 2;
			for (int j = 1; j < argc; j++)
				on |= !strcmp(argv[j], parts[i].name);
			if (!on)
				continue;
			int before = failures;
			parts[i].fn();
			printf("# %s %d - %s %s\n", failures == before ? "ok" : "not ok", ++n,
			       f ? "ipv6" : "ipv4", parts[i].name);
			fflush(stdout);
		}
	}
	printf("# inet_tcp: %s\n", failures ? "FAILED" : "all passed");
	return check_done();
}
