#define _GNU_SOURCE
/*
 * inet_sockopt: socket calls' argument checks and the socket paths of
 * sendfile and splice (docs/net.md), from the attacker's side:
 *
 *  - getsockopt: SO_OOBINLINE, a NULL value or length (EFAULT before the
 *    option's own errors), a negative length, levels AF_INET does not
 *    know (EOPNOTSUPP) and names it does not (ENOPROTOOPT);
 *  - SO_SNDBUFFORCE/SO_RCVBUFFORCE: a huge value stays positive; EPERM
 *    without root;
 *  - recvmsg/sendmsg: a negative msg_namelen, MSG_CMSG_COMPAT (EINVAL);
 *  - socketpair on AF_INET: a bad protocol is EPROTONOSUPPORT, a good one
 *    EOPNOTSUPP, and no fd is left behind;
 *  - sendfile into a full non-blocking socket (EAGAIN), into TCP (the
 *    bytes arrive); splice pipe -> socket -> pipe, SPLICE_F_NONBLOCK on a
 *    full pipe (EAGAIN, nothing lost), a second thread closing the
 *    socket a splice waits on;
 *  - IPV6_ADDRFORM on an accepted IPv4 connection; refused unconnected,
 *    for an IPv6 peer, for another family;
 *  - connect(AF_UNSPEC) on a TCP connection: the peer is reset, the
 *    socket binds and listens again; a reader blocked on it wakes;
 *  - SIOCSIFFLAGS/SIOCSIFADDR/SIOCSIFNETMASK on lo: EPERM without root,
 *    ENODEV, EFAULT, EINVAL (family, a non-contiguous mask); lo down and
 *    up again, and TCP over it still works;
 *  - MSG_MORE on TCP and UDP: held until a send without it; UDP's corked
 *    datagram keeps its first destination and its 65507-byte limit.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#define TEST_NAME "inet_sockopt"
#include "check.h"

#ifndef SO_SNDBUFFORCE
#define SO_SNDBUFFORCE 32
#define SO_RCVBUFFORCE 33
#endif
#ifndef IPV6_ADDRFORM
#define IPV6_ADDRFORM 1
#endif

static int lowest_free_fd(void)
{
	int fd = dup(0);
	close(fd);
	return fd;
}

static void sockopts(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), v = 1, got = 0;
	socklen_t len = sizeof(got);

	CHECK(setsockopt(s, SOL_SOCKET, SO_OOBINLINE, &v, sizeof(v)) == 0);
	CHECK(getsockopt(s, SOL_SOCKET, SO_OOBINLINE, &got, &len) == 0 && got == 1);
	errno = 0;
	CHECK(getsockopt(s, SOL_SOCKET, SO_OOBINLINE, NULL, &len) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(getsockopt(s, SOL_SOCKET, SO_OOBINLINE, &got, NULL) == -1 && errno == EFAULT);
	errno = 0;
	socklen_t *volatile badlen = (socklen_t *)1;
	CHECK(getsockopt(s, SOL_SOCKET, SO_OOBINLINE, &got, badlen) == -1 && errno == EFAULT);
	len = (socklen_t)-1;
	errno = 0;
	CHECK(getsockopt(s, SOL_SOCKET, SO_OOBINLINE, &got, &len) == -1 && errno == EINVAL);
	len = sizeof(got);
	errno = 0;
	CHECK(getsockopt(s, 500, SO_OOBINLINE, &got, &len) == -1 && errno == EOPNOTSUPP);
	errno = 0;
	CHECK(getsockopt(s, IPPROTO_UDP, 1, &got, &len) == -1 && errno == EOPNOTSUPP);
	errno = 0;
	CHECK(getsockopt(s, IPPROTO_IP, -1, &got, &len) == -1 && errno == ENOPROTOOPT);
	errno = 0;
	CHECK(getsockopt(s, IPPROTO_TCP, -1, &got, &len) == -1 && errno == ENOPROTOOPT);

	/* SO_SNDBUFFORCE past INT_MAX / 2: doubled, it must not turn
	 * negative; 0xffffff00 is a negative int: the minimum, as Linux */
	unsigned int big = 0x7fffffffu;
	CHECK(setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) == 0);
	CHECK(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &got, &len) == 0 && got == 0x7ffffffe);
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) == 0);
	CHECK(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0 && got == 0x7ffffffe);
	big = 0xffffff00u;
	CHECK(setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) == 0);
	CHECK(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &got, &len) == 0 && got == 4608);
	v = -5;
	CHECK(setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) == 0);
	CHECK(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &got, &len) == 0 && got == 4608);
	errno = 0;
	CHECK(setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &v, 2) == -1 && errno == EINVAL);
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534))
			_exit(2);
		errno = 0;
		_exit(setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) == -1 &&
		      errno == EPERM ? 0 : 1);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(s);
}

static void msghdrs(void)
{
	int sv[2];
	char buf[8];
	struct sockaddr_storage from;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = (socklen_t)-1,
			     .msg_iov = &iov, .msg_iovlen = 1 };

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK(send(sv[1], "x", 1, 0) == 1);
	errno = 0;
	CHECK(recvmsg(sv[0], &mh, MSG_DONTWAIT) == -1 && errno == EINVAL);
	mh.msg_namelen = sizeof(from);
	errno = 0;
	CHECK(recvmsg(sv[0], &mh, (int)0x80000000u | MSG_DONTWAIT) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(sendmsg(sv[1], &mh, (int)0x80000000u) == -1 && errno == EINVAL);
	mh.msg_namelen = (socklen_t)-1;
	errno = 0;
	CHECK(sendmsg(sv[1], &mh, 0) == -1 && errno == EINVAL);
	/* no name: the length does not matter (Linux sets it to 0) */
	mh.msg_name = NULL;
	CHECK(recvmsg(sv[0], &mh, MSG_DONTWAIT) == 1 && mh.msg_namelen == 0);
	close(sv[0]);
	close(sv[1]);

	int fds[2] = { -7, -7 }, next = lowest_free_fd();
	errno = 0;
	CHECK(socketpair(AF_INET, SOCK_DGRAM, IPPROTO_UDP, fds) == -1 && errno == EOPNOTSUPP);
	errno = 0;
	CHECK(socketpair(AF_INET, SOCK_DGRAM, IPPROTO_TCP, fds) == -1 &&
	      errno == EPROTONOSUPPORT);
	errno = 0;
	CHECK(socketpair(AF_INET, SOCK_STREAM, IPPROTO_TCP, fds) == -1 && errno == EOPNOTSUPP);
	errno = 0;
	CHECK(socketpair(AF_INET6, SOCK_STREAM, IPPROTO_ICMP, fds) == -1 &&
	      errno == EPROTONOSUPPORT);
	errno = 0;
	int *volatile badfds = (int *)8;
	CHECK(socketpair(AF_INET, SOCK_STREAM, 0, badfds) == -1 && errno == EOPNOTSUPP);
	CHECK(fds[0] == -7 && fds[1] == -7 && lowest_free_fd() == next);
}

static int tcp_pair(int fam, int *srv, int *cli)
{
	int l = socket(fam, SOCK_STREAM, 0);
	struct sockaddr_storage ss = { 0 };
	socklen_t len = fam == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);

	ss.ss_family = (sa_family_t)fam;
	if (bind(l, (void *)&ss, len) || listen(l, 4) || getsockname(l, (void *)&ss, &len))
		return -1;
	if (fam == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	*cli = socket(fam, SOCK_STREAM, 0);
	if (connect(*cli, (void *)&ss, len))
		return -1;
	*srv = accept(l, NULL, NULL);
	close(l);
	return *srv >= 0 ? 0 : -1;
}

static int closer_fd;

static void *closer(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	shutdown(closer_fd, SHUT_RDWR);
	close(closer_fd);
	return NULL;
}

static void sendfile_splice(void)
{
	char path[] = "/tmp/inet_sockopt.XXXXXX";
	int in = mkstemp(path);
	char data[4096];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	CHECK(write(in, data, sizeof(data)) == (ssize_t)sizeof(data));
	unlink(path);

	/* a full non-blocking datagram socket: EAGAIN, not EINVAL */
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) == 0);
	while (write(sv[1], "a", 1) == 1)
		;
	CHECK(errno == EAGAIN);
	off_t off = 0;
	errno = 0;
	CHECK(sendfile(sv[1], in, &off, 1) == -1 && errno == EAGAIN && off == 0);
	close(sv[0]);
	close(sv[1]);

	/* into TCP: the bytes arrive whole */
	int srv, cli;
	CHECK(tcp_pair(AF_INET, &srv, &cli) == 0);
	off = 0;
	CHECK(sendfile(cli, in, &off, sizeof(data)) == (ssize_t)sizeof(data));
	char got[sizeof(data)];
	CHECK(recv(srv, got, sizeof(got), MSG_WAITALL) == (ssize_t)sizeof(got) &&
	      !memcmp(got, data, sizeof(data)));
	close(srv);
	close(cli);

	/* pipe -> unix stream -> pipe, in pieces */
	int p1[2], p2[2];
	CHECK(pipe(p1) == 0 && pipe(p2) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(write(p1[1], data, sizeof(data)) == (ssize_t)sizeof(data));
	CHECK(splice(p1[0], NULL, sv[0], NULL, sizeof(data), 0) == (ssize_t)sizeof(data));
	size_t have = 0;
	while (have < sizeof(data)) {
		ssize_t n = splice(sv[1], NULL, p2[1], NULL, 1000, 0);
		CHECK(n > 0);
		if (n <= 0)
			break;
		CHECK(read(p2[0], got + have, (size_t)n) == n);
		have += (size_t)n;
	}
	CHECK(have == sizeof(data) && !memcmp(got, data, sizeof(data)));
	/* hostile: offsets on a socket, a huge length, a bad flag */
	loff_t o = 0;
	errno = 0;
	CHECK(splice(sv[1], &o, p2[1], NULL, 10, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(splice(p1[0], NULL, sv[0], &o, 10, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(splice(sv[1], NULL, p2[1], NULL, 10, 0x100) == -1 && errno == EINVAL);
	CHECK(send(sv[0], "hello", 5, 0) == 5);
	CHECK(splice(sv[1], NULL, p2[1], NULL, (size_t)-1 >> 1, 0) == 5);
	CHECK(read(p2[0], got, 5) == 5 && !memcmp(got, "hello", 5));

	/* a full pipe with SPLICE_F_NONBLOCK: EAGAIN, the socket keeps its bytes */
	fcntl(p2[1], F_SETFL, O_NONBLOCK);
	while (write(p2[1], data, sizeof(data)) > 0)
		;
	CHECK(send(sv[0], "abc", 3, 0) == 3);
	errno = 0;
	CHECK(splice(sv[1], NULL, p2[1], NULL, 3, SPLICE_F_NONBLOCK) == -1 && errno == EAGAIN);
	CHECK(recv(sv[1], got, sizeof(got), MSG_DONTWAIT) == 3 && !memcmp(got, "abc", 3));
	close(p2[0]);
	close(p2[1]);

	/* a splice waiting for data while another thread closes the socket */
	CHECK(pipe(p2) == 0);
	closer_fd = sv[1];
	pthread_t t;
	pthread_create(&t, NULL, closer, NULL);
	ssize_t n = splice(sv[1], NULL, p2[1], NULL, 100, 0);
	CHECK(n == 0 || (n == -1 && (errno == EBADF || errno == EINTR)));
	pthread_join(t, NULL);
	close(sv[0]);
	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
	close(in);
}

static void addrform(void)
{
	int srv, cli, v = AF_INET, got = 0;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	/* an IPv4 client of a dual-stack listener */
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	len = sizeof(a6);
	CHECK(bind(l, (void *)&a6, len) == 0 && listen(l, 4) == 0 &&
	      getsockname(l, (void *)&a6, &len) == 0);
	errno = 0;
	CHECK(setsockopt(l, IPPROTO_IPV6, IPV6_ADDRFORM, &v, sizeof(v)) == -1 && errno == ENOTCONN);
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = a6.sin6_port,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	cli = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(cli, (void *)&a4, sizeof(a4)) == 0);
	srv = accept(l, NULL, NULL);
	CHECK(srv >= 0);
	v = AF_INET6;
	errno = 0;
	CHECK(setsockopt(srv, IPPROTO_IPV6, IPV6_ADDRFORM, &v, sizeof(v)) == -1 && errno == EINVAL);
	v = AF_INET;
	errno = 0;
	CHECK(setsockopt(srv, IPPROTO_IPV6, IPV6_ADDRFORM, &v, 2) == -1 && errno == EINVAL);
	CHECK(setsockopt(srv, IPPROTO_IPV6, IPV6_ADDRFORM, &v, sizeof(v)) == 0);
	len = sizeof(got);
	CHECK(getsockopt(srv, SOL_SOCKET, SO_DOMAIN, &got, &len) == 0 && got == AF_INET);
	len = sizeof(ss);
	CHECK(getpeername(srv, (void *)&ss, &len) == 0 && ss.ss_family == AF_INET &&
	      len == sizeof(struct sockaddr_in));
	CHECK(send(srv, "x", 1, 0) == 1 && recv(cli, &got, 1, 0) == 1);
	errno = 0;	/* an AF_INET socket now: no IPv6 options */
	CHECK(setsockopt(srv, IPPROTO_IPV6, IPV6_ADDRFORM, &v, sizeof(v)) == -1);

	/* connect(AF_UNSPEC): the connection is reset, the socket starts again */
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	CHECK(connect(srv, &unspec, sizeof(unspec)) == 0);
	errno = 0;
	CHECK(recv(cli, &got, 1, 0) == -1 && errno == ECONNRESET);
	errno = 0;
	CHECK(recv(srv, &got, 1, MSG_DONTWAIT) == -1 && errno == ENOTCONN);
	struct sockaddr_in any = { .sin_family = AF_INET };
	CHECK(bind(srv, (void *)&any, sizeof(any)) == 0 && listen(srv, 4) == 0);
	len = sizeof(any);
	CHECK(getsockname(srv, (void *)&any, &len) == 0 && any.sin_port != 0);
	any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int c2 = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c2, (void *)&any, sizeof(any)) == 0);
	int a2 = accept(srv, NULL, NULL);
	CHECK(a2 >= 0);
	close(a2);
	close(c2);
	close(srv);
	close(cli);

	/* for an IPv6 peer: EADDRNOTAVAIL */
	cli = socket(AF_INET6, SOCK_STREAM, 0);
	a6.sin6_addr = in6addr_loopback;
	CHECK(connect(cli, (void *)&a6, sizeof(a6)) == 0);
	srv = accept(l, NULL, NULL);
	errno = 0;
	CHECK(setsockopt(srv, IPPROTO_IPV6, IPV6_ADDRFORM, &v, sizeof(v)) == -1 &&
	      errno == EADDRNOTAVAIL);
	close(srv);
	close(cli);
	close(l);
}

struct dc { int fd; };

static void *disconnector(void *arg)
{
	struct dc *d = arg;
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	nanosleep(&ts, NULL);
	connect(d->fd, &unspec, sizeof(unspec));
	return NULL;
}

static void disconnect_race(void)
{
	int srv, cli;
	char c;

	CHECK(tcp_pair(AF_INET6, &srv, &cli) == 0);
	struct dc d = { srv };
	pthread_t t;
	pthread_create(&t, NULL, disconnector, &d);
	errno = 0;
	ssize_t n = recv(srv, &c, 1, 0);
	CHECK(n == -1 && errno == ENOTCONN);
	pthread_join(t, NULL);
	close(srv);
	close(cli);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* MSG_MORE holds the bytes until a send without it: TCP (on new
 * connections, each at most a few ms: over loopback nothing waits for a
 * delayed ACK) and UDP (one datagram of both sends). */
static void msg_more(void)
{
	int srv, cli;
	char buf[64], b16[16];
	double t0 = now();

	memset(b16, 'm', sizeof(b16));
	for (int i = 0; i < 40; i++) {
		CHECK(tcp_pair(AF_INET, &srv, &cli) == 0);
		CHECK(send(cli, b16, 16, 0) == 16);
		CHECK(recv(srv, buf, sizeof(buf), 0) == 16);
		CHECK(send(cli, b16, 16, MSG_MORE) == 16);
		errno = 0;
		CHECK(recv(srv, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN);
		CHECK(send(cli, b16, 1, 0) == 1);
		size_t got = 0;
		while (got < 17) {
			ssize_t n = recv(srv, buf, sizeof(buf), 0);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		CHECK(got == 17);
		close(srv);
		close(cli);
	}
	CHECK(now() - t0 < 4.0);	/* 40 delayed ACKs of 250 ms would be 10 s */
	/* held, but not for ever: Linux sends a cork after 200 ms at most */
	CHECK(tcp_pair(AF_INET, &srv, &cli) == 0);
	CHECK(send(cli, b16, 5, MSG_MORE) == 5);
	struct timeval tv = { 3, 0 };
	setsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	CHECK(recv(srv, buf, sizeof(buf), 0) == 5);
	close(srv);
	close(cli);

	int u = socket(AF_INET, SOCK_DGRAM, 0), d = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	CHECK(bind(d, (void *)&a, sizeof(a)) == 0 && getsockname(d, (void *)&a, &len) == 0);
	errno = 0;	/* no destination: refused before anything is corked */
	CHECK(send(u, b16, 16, MSG_MORE) == -1 && errno == EDESTADDRREQ);
	CHECK(sendto(u, b16, 16, MSG_MORE, (void *)&a, sizeof(a)) == 16);
	errno = 0;
	CHECK(recv(d, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN);
	CHECK(send(u, b16, 0, MSG_MORE) == 0);	/* corked: the first destination */
	CHECK(send(u, "x", 1, 0) == 1);
	CHECK(recv(d, buf, sizeof(buf), 0) == 17 && buf[16] == 'x');
	errno = 0;
	CHECK(recv(d, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN);
	/* the corked datagram may not pass 65507 bytes */
	static char big[65507];
	CHECK(sendto(u, big, 40000, MSG_MORE, (void *)&a, sizeof(a)) == 40000);
	errno = 0;
	CHECK(sendto(u, big, 30000, MSG_MORE, (void *)&a, sizeof(a)) == -1 && errno == EMSGSIZE);
	CHECK(sendto(u, big, 25507, 0, (void *)&a, sizeof(a)) == 25507);
	CHECK(recv(d, big, sizeof(big), 0) == 65507);
	/* closed while corked: the datagram is dropped */
	CHECK(sendto(u, b16, 16, MSG_MORE, (void *)&a, sizeof(a)) == 16);
	close(u);
	errno = 0;
	CHECK(recv(d, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN);
	close(d);
}

static void set_sin(struct ifreq *r, const char *a)
{
	struct sockaddr_in *sin = (void *)&r->ifr_addr;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, a, &sin->sin_addr);
}

static void ifset(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq r;

	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	CHECK(ioctl(s, SIOCGIFFLAGS, &r) == 0 && (r.ifr_flags & IFF_UP));
	short up = r.ifr_flags;
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534))
			_exit(2);
		errno = 0;
		_exit(ioctl(s, SIOCSIFFLAGS, &r) == -1 && errno == EPERM ? 0 : 1);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	errno = 0;
	CHECK(ioctl(s, SIOCSIFFLAGS, (void *)16) == -1 && errno == EFAULT);
	struct ifreq bad = r;
	memset(bad.ifr_name, 'x', sizeof(bad.ifr_name));	/* unterminated */
	errno = 0;
	CHECK(ioctl(s, SIOCSIFFLAGS, &bad) == -1 && errno == ENODEV);
	r.ifr_flags = (short)(up & ~IFF_UP);
	CHECK(ioctl(s, SIOCSIFFLAGS, &r) == 0);
	CHECK(ioctl(s, SIOCGIFFLAGS, &r) == 0 && !(r.ifr_flags & IFF_UP));
	r.ifr_flags = up;
	CHECK(ioctl(s, SIOCSIFFLAGS, &r) == 0);
	CHECK(ioctl(s, SIOCGIFFLAGS, &r) == 0 && (r.ifr_flags & IFF_UP));
	int srv, cli;
	CHECK(tcp_pair(AF_INET, &srv, &cli) == 0);
	close(srv);
	close(cli);

	set_sin(&r, "255.0.255.0");
	errno = 0;
	CHECK(ioctl(s, SIOCSIFNETMASK, &r) == -1 && errno == EINVAL);
	set_sin(&r, "255.0.0.0");
	CHECK(ioctl(s, SIOCSIFNETMASK, &r) == 0);
	CHECK(ioctl(s, SIOCGIFNETMASK, &r) == 0 &&
	      ((struct sockaddr_in *)&r.ifr_netmask)->sin_addr.s_addr == htonl(0xff000000));
	set_sin(&r, "127.0.0.1");
	r.ifr_addr.sa_family = AF_INET6;
	errno = 0;
	CHECK(ioctl(s, SIOCSIFADDR, &r) == -1 && errno == EINVAL);
	r.ifr_addr.sa_family = AF_INET;
	CHECK(ioctl(s, SIOCSIFADDR, &r) == 0);
	CHECK(ioctl(s, SIOCGIFADDR, &r) == 0 &&
	      ((struct sockaddr_in *)&r.ifr_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	close(s);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "msg_more")) {	/* that part alone */
		msg_more();
		return check_done();
	}
	if (argc > 1 && !strcmp(argv[1], "ifset")) {
		ifset();
		return check_done();
	}
	sockopts();
	msghdrs();
	sendfile_splice();
	addrform();
	disconnect_race();
	ifset();
	msg_more();
	return check_done();
}
