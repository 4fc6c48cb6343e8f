/*
 * inet_icmp: raw ICMP sockets and ping sockets (docs/net.md, "Raw and
 * ping sockets"), from the attacker's side:
 *  - raw (root): an echo to 127.0.0.1 comes back with its IP header, an
 *    ICMPv6 echo to ::1 without one (checksum computed by the kernel);
 *    ICMP_FILTER hides what it blocks; an ICMPv6 message too short for its
 *    checksum is EINVAL; garbage of every short length and
 *    a bad checksum are sent and the stack still answers the next echo;
 *  - SOCK_RAW without CAP_NET_RAW is EPERM; SOCK_RAW protocol 0
 *    EPROTONOSUPPORT;
 *  - ping sockets: EACCES while net.ipv4.ping_group_range excludes the
 *    caller (root included: "1 0" is nobody), allowed once it includes
 *    the caller's group; the kernel writes its own identifier (as
 *    getsockname shows) and the checksum, delivers only replies with it
 *    and never another socket's; lengths below 8, above 65535 and above an IP
 *    packet's are EINVAL/EMSGSIZE, a non-echo type EINVAL, bad pointers
 *    EFAULT, short/alien addresses EINVAL/EAFNOSUPPORT;
 *  - an oversized (65507-byte) echo comes back whole; read into a small
 *    buffer it is truncated with MSG_TRUNC, and MSG_TRUNC gives its size;
 *  - two threads blocked on one socket each get one of two replies;
 *    SO_RCVTIMEO ends a wait with EAGAIN; shutdown wakes a reader;
 *  - poll and epoll see POLLIN; a receive queue is bounded by SO_RCVBUF.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#define TEST_NAME "inet_icmp"
#include "check.h"

#define RANGE "/proc/sys/net/ipv4/ping_group_range"
#ifndef ICMP_FILTER
#define ICMP_FILTER 1	/* <linux/icmp.h>, which musl lacks */
#endif
#define NOBODY 65534

static struct sockaddr_in lo4 = { .sin_family = AF_INET };
static struct sockaddr_in6 lo6 = { .sin6_family = AF_INET6 };

static uint16_t cksum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

/* An echo request of n bytes (n >= 8): type, id, seq, a pattern. */
static void echo(uint8_t *b, size_t n, int type, uint16_t id, uint16_t seq)
{
	for (size_t i = 8; i < n; i++)
		b[i] = (uint8_t)(i * 7 + seq);
	b[0] = (uint8_t)type;
	b[1] = 0;
	b[2] = b[3] = 0;
	memcpy(b + 4, &id, 2);
	seq = htons(seq);
	memcpy(b + 6, &seq, 2);
	if (type == ICMP_ECHO) {
		uint16_t c = cksum(b, n);
		memcpy(b + 2, &c, 2);
	}
}

static bool pattern_ok(const uint8_t *b, size_t n, uint16_t seq)
{
	for (size_t i = 8; i < n; i++)
		if (b[i] != (uint8_t)(i * 7 + seq))
			return false;
	return true;
}

static int write_range(const char *v)
{
	int fd = open(RANGE, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, v, strlen(v));
	close(fd);
	return n == (ssize_t)strlen(v) ? 0 : -1;
}

static void read_range(char *buf, size_t cap)
{
	int fd = open(RANGE, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, cap - 1) : -1;
	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

static void timeo(int s, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* ---- raw sockets (root) */

static void raw4(void)
{
	int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	uint8_t b[256], r[512];
	uint16_t id = htons(0x4242);

	CHECK(s >= 0);
	timeo(s, 2000);
	echo(b, 64, ICMP_ECHO, id, 1);
	CHECK(sendto(s, b, 64, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == 64);
	/* the request loops back to us too: read until the reply */
	bool got = false;
	for (int i = 0; i < 4 && !got; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, r, sizeof(r), 0, (struct sockaddr *)&from, &fl);
		CHECK(n >= 20 + 64);
		if (n < 20 + 64)
			break;
		struct iphdr *ip = (struct iphdr *)r;
		CHECK(ip->version == 4 && ip->ihl == 5 && ip->protocol == IPPROTO_ICMP);
		CHECK(n == ip->ihl * 4 + 64);
		CHECK(from.sin_family == AF_INET && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
		uint8_t *icmp = r + ip->ihl * 4;
		if (icmp[0] != ICMP_ECHOREPLY)
			continue;
		got = true;
		CHECK(!memcmp(icmp + 4, &id, 2));
		CHECK(cksum(icmp, 64) == 0);
		CHECK(pattern_ok(icmp, 64, 1));
	}
	CHECK(got);

	/* ICMP_FILTER: block echo requests and replies: nothing arrives */
	uint32_t f = 1u << ICMP_ECHO | 1u << ICMP_ECHOREPLY;
	CHECK(setsockopt(s, SOL_RAW, ICMP_FILTER, &f, sizeof(f)) == 0);
	CHECK(sendto(s, b, 64, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == 64);
	errno = 0;
	CHECK(recv(s, r, sizeof(r), MSG_DONTWAIT) == -1 && errno == EAGAIN);
	f = 0;
	CHECK(setsockopt(s, SOL_RAW, ICMP_FILTER, &f, sizeof(f)) == 0);

	/* garbage: every short length, a bad checksum, a huge message; then
	 * the stack still answers */
	memset(b, 0xa5, sizeof(b));
	for (int n = 0; n <= 12; n++) {
		/* Linux reads type and code: without them EFAULT */
		errno = 0;
		CHECK(sendto(s, b, n, 0, (struct sockaddr *)&lo4, sizeof(lo4)) ==
		      (n < 2 ? -1 : n) && errno == (n < 2 ? EFAULT : 0));
	}
	echo(b, 64, ICMP_ECHO, id, 2);
	b[2] ^= 0xff;
	CHECK(sendto(s, b, 64, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == 64);
	errno = 0;
	CHECK(sendto(s, b, 65536, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == -1 &&
	      errno == EMSGSIZE);
	errno = 0;
	CHECK(sendto(s, b, 65516, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == -1 &&
	      errno == EMSGSIZE);
	errno = 0;
	CHECK(sendto(s, NULL, 64, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(send(s, b, 64, 0) == -1 && errno == EDESTADDRREQ);
	/* drain what came back (garbage looped in), then a good echo */
	while (recv(s, r, sizeof(r), MSG_DONTWAIT) > 0)
		;
	echo(b, 64, ICMP_ECHO, id, 3);
	CHECK(sendto(s, b, 64, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == 64);
	got = false;
	for (int i = 0; i < 4 && !got; i++) {
		ssize_t n = recv(s, r, sizeof(r), 0);
		if (n < 28)
			break;
		uint8_t *icmp = r + (r[0] & 15) * 4;
		got = icmp[0] == ICMP_ECHOREPLY && pattern_ok(icmp, 64, 3);
	}
	CHECK(got);
	close(s);
}

static void raw6(void)
{
	int s = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	uint8_t b[128], r[512];
	uint16_t id = htons(0x6666);

	CHECK(s >= 0);
	timeo(s, 2000);
	struct icmp6_filter filt;
	ICMP6_FILTER_SETBLOCKALL(&filt);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filt);
	CHECK(setsockopt(s, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt)) == 0);
	int two = 2;
	CHECK(setsockopt(s, SOL_RAW, IPV6_CHECKSUM, &two, sizeof(two)) == 0);
	echo(b, 72, ICMP6_ECHO_REQUEST, id, 5);	/* checksum left 0 */
	CHECK(sendto(s, b, 72, 0, (struct sockaddr *)&lo6, sizeof(lo6)) == 72);
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(s, r, sizeof(r), 0, (struct sockaddr *)&from, &fl);
	CHECK(n == 72);		/* no IPv6 header, and the request was filtered */
	if (n == 72) {
		CHECK(r[0] == ICMP6_ECHO_REPLY && !memcmp(r + 4, &id, 2));
		CHECK(pattern_ok(r, 72, 5));
		CHECK(from.sin6_family == AF_INET6 &&
		      !memcmp(&from.sin6_addr, &in6addr_loopback, 16));
	}
	/* too short for the checksum at offset 2: EINVAL (lwIP asserted) */
	for (int k = 0; k < 4; k++) {
		errno = 0;
		CHECK(sendto(s, b, k, 0, (struct sockaddr *)&lo6, sizeof(lo6)) == -1 &&
		      errno == (k < 2 ? EFAULT : EINVAL));
	}
	/* an AF_INET address is refused */
	errno = 0;
	CHECK(sendto(s, b, 72, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == -1 &&
	      errno == EINVAL);
	close(s);
}

/* ---- ping sockets */

/* One echo through ping socket s (family fam) to lo; the reply's id must
 * be the socket's identifier whatever id we wrote. */
static void ping_once(int s, int fam, uint16_t seq, size_t len)
{
	static uint8_t b[70000], r[70000];
	int type = fam == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	int reply = fam == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY;
	struct sockaddr *to = fam == AF_INET ? (struct sockaddr *)&lo4 : (struct sockaddr *)&lo6;
	socklen_t tl = fam == AF_INET ? sizeof(lo4) : sizeof(lo6);

	echo(b, len, type, 0xdead, seq);
	b[2] = 0x12;	/* a wrong checksum: the kernel writes its own */
	CHECK(sendto(s, b, len, 0, to, tl) == (ssize_t)len);
	struct sockaddr_storage me;
	socklen_t ml = sizeof(me);
	CHECK(getsockname(s, (struct sockaddr *)&me, &ml) == 0);
	uint16_t ident = ((struct sockaddr_in *)&me)->sin_port;	/* same offset in sin6 */
	CHECK(ident != 0);
	ssize_t n = recv(s, r, sizeof(r), 0);
	CHECK(n == (ssize_t)len);
	if (n == (ssize_t)len) {
		CHECK(r[0] == reply && !memcmp(r + 4, &ident, 2));
		CHECK(pattern_ok(r, len, seq));
		if (fam == AF_INET)
			CHECK(cksum(r, len) == 0);
	}
}

struct reader { int s; ssize_t n; int err; uint8_t first; };

static void *read_one(void *arg)
{
	struct reader *rd = arg;
	uint8_t b[256];

	errno = 0;
	rd->n = recv(rd->s, b, sizeof(b), 0);
	rd->err = errno;
	rd->first = rd->n > 7 ? b[7] : 0xff;	/* low byte of the sequence */
	return NULL;
}

static void ping_threads(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	uint8_t b[64];
	pthread_t t[2];
	struct reader rd[2] = { { s, 0, 0, 0 }, { s, 0, 0, 0 } };

	CHECK(s >= 0);
	timeo(s, 3000);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, read_one, &rd[i]);
	usleep(100000);	/* both asleep in recv */
	for (int i = 0; i < 2; i++) {
		echo(b, sizeof(b), ICMP_ECHO, 0, (uint16_t)(10 + i));
		CHECK(sendto(s, b, sizeof(b), 0, (struct sockaddr *)&lo4, sizeof(lo4)) == sizeof(b));
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(rd[0].n == 64 && rd[1].n == 64);
	CHECK(rd[0].first != rd[1].first);	/* each got one, none twice */
	CHECK((rd[0].first == 10 || rd[0].first == 11) && (rd[1].first == 10 || rd[1].first == 11));

	/* SO_RCVTIMEO: nothing comes, EAGAIN after about the timeout */
	timeo(s, 300);
	long long t0 = now_ms();
	errno = 0;
	CHECK(recv(s, b, sizeof(b), 0) == -1 && errno == EAGAIN);
	long long dt = now_ms() - t0;
	CHECK(dt >= 250 && dt < 3000);

	/* shutdown wakes a blocked reader with 0 */
	timeo(s, 0);
	pthread_create(&t[0], NULL, read_one, &rd[0]);
	usleep(100000);
	shutdown(s, SHUT_RDWR);
	pthread_join(t[0], NULL);
	CHECK(rd[0].n == 0);
	close(s);
}

static void ping_hostile(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	int o = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	static uint8_t b[70000];

	CHECK(s >= 0 && o >= 0);
	timeo(s, 2000);
	for (size_t n = 0; n < 8; n++) {
		errno = 0;
		CHECK(sendto(s, b, n, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == -1 &&
		      errno == EINVAL);
	}
	echo(b, 64, ICMP_ECHOREPLY, 0, 1);	/* not a request */
	errno = 0;
	CHECK(sendto(s, b, 64, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == -1 && errno == EINVAL);
	echo(b, 64, ICMP_ECHO, 0, 1);
	b[1] = 1;	/* a code */
	errno = 0;
	CHECK(sendto(s, b, 64, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == -1 && errno == EINVAL);
	echo(b, sizeof(b), ICMP_ECHO, 0, 1);
	errno = 0;
	CHECK(sendto(s, b, 65536, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == -1 &&
	      errno == EMSGSIZE);
	errno = 0;
	CHECK(sendto(s, b, (size_t)-1, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == -1);
	errno = 0;
	CHECK(sendto(s, NULL, 64, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(sendto(s, b, 64, 0, (struct sockaddr *)&lo4, 3) == -1 && errno == EINVAL);
	struct sockaddr_in alien = lo4;
	alien.sin_family = AF_UNIX;
	errno = 0;
	CHECK(sendto(s, b, 64, 0, (struct sockaddr *)&alien, sizeof(alien)) == -1 &&
	      errno == EAFNOSUPPORT);
	errno = 0;
	CHECK(sendto(s, b, 64, 0, (struct sockaddr *)0x10, sizeof(lo4)) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(send(s, b, 64, 0) == -1 && errno == EDESTADDRREQ);

	/* an oversized echo (the largest UDP-sized payload) comes back whole */
	ping_once(s, AF_INET, 3, 65507);
	/* and truncated: read into 100 bytes, MSG_TRUNC set; MSG_TRUNC
	 * on the call gives the real length */
	echo(b, 9000, ICMP_ECHO, 0, 4);
	CHECK(sendto(s, b, 9000, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == 9000);
	CHECK(sendto(s, b, 9000, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == 9000);
	struct pollfd p = { s, POLLIN, 0 };
	CHECK(poll(&p, 1, 2000) == 1 && (p.revents & POLLIN));
	int avail = -1;
	errno = 0;
	CHECK(ioctl(s, FIONREAD, &avail) == -1 && errno == ENOTTY);	/* as Linux's ping */
	uint8_t small[100];
	struct iovec iov = { small, sizeof(small) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	CHECK(recvmsg(s, &mh, 0) == 100 && (mh.msg_flags & MSG_TRUNC));
	/* Linux's ping sockets give the copied length even with MSG_TRUNC */
	CHECK(recv(s, small, sizeof(small), MSG_TRUNC | MSG_PEEK) == 100);
	mh.msg_flags = 0;
	CHECK(recvmsg(s, &mh, 0) == 100 && (mh.msg_flags & MSG_TRUNC));
	CHECK(small[0] == ICMP_ECHOREPLY && pattern_ok(small, sizeof(small), 4));
	/* a reply read into a bad pointer: EFAULT, the socket goes on */
	ping_once(s, AF_INET, 5, 64);
	echo(b, 64, ICMP_ECHO, 0, 6);
	CHECK(sendto(s, b, 64, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == 64);
	errno = 0;
	CHECK(recv(s, (void *)0x10, 64, 0) == -1 && errno == EFAULT);

	/* the other socket saw none of these replies */
	errno = 0;
	CHECK(recv(o, b, 64, MSG_DONTWAIT) == -1 && errno == EAGAIN);

	/* identifiers: bound ones are exclusive */
	struct sockaddr_in a = lo4;
	a.sin_port = htons(4321);
	int x = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), y = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	CHECK(bind(x, (struct sockaddr *)&a, sizeof(a)) == 0);
	errno = 0;
	CHECK(bind(x, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == EINVAL);	/* bound */
	struct sockaddr_in got;
	socklen_t gl = sizeof(got);
	CHECK(getsockname(x, (struct sockaddr *)&got, &gl) == 0 && got.sin_port == htons(4321));
	a.sin_addr.s_addr = htonl(0x0a0b0c0d);	/* not ours */
	a.sin_port = 0;
	errno = 0;
	CHECK(bind(y, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == EADDRNOTAVAIL);
	close(y);
	timeo(x, 2000);
	ping_once(x, AF_INET, 7, 32);
	close(x);

	/* bounded: a small SO_RCVBUF keeps few of 200 replies */
	int q = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), one = 1;
	CHECK(setsockopt(q, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one)) == 0);
	echo(b, 1000, ICMP_ECHO, 0, 8);
	for (int i = 0; i < 200; i++)
		CHECK(sendto(q, b, 1000, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == 1000);
	int kept = 0;
	while (recv(q, b, sizeof(b), MSG_DONTWAIT) == 1000)
		kept++;
	CHECK(kept > 0 && kept <= 8);
	close(q);

	/* epoll sees a reply */
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = s }, out;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == 0);
	while (recv(s, b, sizeof(b), MSG_DONTWAIT) > 0)
		;
	CHECK(epoll_wait(ep, &out, 1, 0) == 0);
	echo(b, 64, ICMP_ECHO, 0, 9);
	CHECK(sendto(s, b, 64, 0, (struct sockaddr *)&lo4, sizeof(lo4)) == 64);
	CHECK(epoll_wait(ep, &out, 1, 2000) == 1 && (out.events & EPOLLIN));
	close(ep);
	close(s);
	close(o);
}

static void ping6_sock(void)
{
	int s = socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6);

	CHECK(s >= 0);
	if (s < 0)
		return;
	timeo(s, 2000);
	ping_once(s, AF_INET6, 20, 56);
	ping_once(s, AF_INET6, 21, 40000);
	uint8_t b[16] = { 0 };
	errno = 0;
	CHECK(sendto(s, b, 4, 0, (struct sockaddr *)&lo6, sizeof(lo6)) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(sendto(s, b, 16, 0, (struct sockaddr *)&lo6, 8) == -1 && errno == EINVAL);
	close(s);
}

/* As nobody (in a child): raw is EPERM; a ping socket as the range says. */
static int as_nobody(bool expect_ping)
{
	pid_t pid = fork();
	if (pid == 0) {
		failures = 0;	/* the child's own */
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(2);
		errno = 0;
		CHECK(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) == -1 && errno == EPERM);
		errno = 0;
		CHECK(socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6) == -1 && errno == EPERM);
		int s = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
		if (expect_ping) {
			CHECK(s >= 0);
			if (s >= 0) {
				timeo(s, 2000);
				ping_once(s, AF_INET, 30, 64);
			}
		} else {
			CHECK(s == -1 && errno == EACCES);
			errno = 0;
			CHECK(socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6) == -1 && errno == EACCES);
		}
		_exit(failures ? 1 : 0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 3;
}

int main(void)
{
	char old[64], now[64];

	lo4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lo6.sin6_addr = in6addr_loopback;
	read_range(old, sizeof(old));
	CHECK(!strcmp(old, "1\t0\n"));	/* Linux's default: nobody */

	errno = 0;
	CHECK(socket(AF_INET, SOCK_RAW, 0) == -1 && errno == EPROTONOSUPPORT);
	raw4();
	raw6();

	/* the default range: even root may not open a ping socket */
	errno = 0;
	CHECK(socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) == -1 && errno == EACCES);
	CHECK(as_nobody(false) == 0);
	/* a range that excludes the caller, then one that holds it */
	CHECK(write_range("100 200") == 0);
	CHECK(as_nobody(false) == 0);
	CHECK(write_range("65534 65534\n") == 0);
	read_range(now, sizeof(now));
	CHECK(!strcmp(now, "65534\t65534\n"));
	CHECK(as_nobody(true) == 0);
	/* hostile writes leave it as it was; high < low is "1 0" */
	CHECK(write_range("a b") == -1 && write_range("1 4294967295") == -1 &&
	      write_range("-1 5") == -1);
	read_range(now, sizeof(now));
	CHECK(!strcmp(now, "65534\t65534\n"));
	CHECK(write_range("5") == 0);	/* one number: the low bound, as Linux */
	read_range(now, sizeof(now));
	CHECK(!strcmp(now, "5\t65534\n"));
	CHECK(write_range("10 5") == 0);
	read_range(now, sizeof(now));
	CHECK(!strcmp(now, "1\t0\n"));

	CHECK(write_range("0 0") == 0);	/* root's group */
	ping_hostile();
	ping_threads();
	ping6_sock();
	CHECK(write_range(old) == 0);
	return check_done();
}
