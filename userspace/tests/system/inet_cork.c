/*
 * TCP_CORK and UDP_CORK over loopback: a corked socket holds what it is
 * given (UDP: one datagram of every send; TCP: partial segments) until
 * the option is unset, which sends it at once; bad option lengths.
 */
#define TEST_NAME "inet_cork"
#include "check.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#ifndef UDP_CORK
#define UDP_CORK 1
#endif

static int readable(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	return poll(&p, 1, ms);
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int one = 1, zero = 0, v;
	socklen_t vl = sizeof(v);
	char buf[64];

	/* UDP */
	int r = socket(AF_INET, SOCK_DGRAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(bind(r, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(getsockname(r, (struct sockaddr *)&a, &al) == 0);
	CHECK(setsockopt(u, IPPROTO_UDP, UDP_CORK, &one, 2) < 0 && errno == EINVAL);
	CHECK(setsockopt(u, IPPROTO_UDP, UDP_CORK, &one, sizeof(one)) == 0);
	CHECK(getsockopt(u, IPPROTO_UDP, UDP_CORK, &v, &vl) == 0 && v == 1);
	CHECK(sendto(u, "ab", 2, 0, (struct sockaddr *)&a, sizeof(a)) == 2);
	CHECK(sendto(u, "cd", 2, 0, (struct sockaddr *)&a, sizeof(a)) == 2);
	CHECK(readable(r, 100) == 0);
	CHECK(setsockopt(u, IPPROTO_UDP, UDP_CORK, &zero, sizeof(zero)) == 0);
	CHECK(readable(r, 2000) == 1);
	CHECK(recv(r, buf, sizeof(buf), MSG_DONTWAIT) == 4 && !memcmp(buf, "abcd", 4));
	CHECK(recv(r, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN);
	/* unsetting with nothing held sends nothing */
	CHECK(setsockopt(u, IPPROTO_UDP, UDP_CORK, &zero, sizeof(zero)) == 0);
	CHECK(readable(r, 100) == 0);
	CHECK(getsockopt(u, IPPROTO_UDP, UDP_CORK, &v, &vl) == 0 && v == 0);
	close(u);
	close(r);

	/* TCP */
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = 0;
	al = sizeof(a);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 1) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&a, &al) == 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
	int s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	CHECK(setsockopt(c, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)) == 0);
	CHECK(getsockopt(c, IPPROTO_TCP, TCP_CORK, &v, &vl) == 0 && v == 1);
	CHECK(send(c, "hello", 5, 0) == 5);
	CHECK(send(c, "world", 5, 0) == 5);
	CHECK(readable(s, 50) == 0);	/* held (Linux: up to 200 ms) */
	CHECK(setsockopt(c, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero)) == 0);
	CHECK(readable(s, 2000) == 1);
	usleep(20000);
	CHECK(recv(s, buf, sizeof(buf), MSG_DONTWAIT) == 10 && !memcmp(buf, "helloworld", 10));
	/* corked, nothing unset: out after the 200 ms ceiling all the same */
	CHECK(setsockopt(c, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)) == 0);
	CHECK(send(c, "late", 4, 0) == 4);
	CHECK(readable(s, 3000) == 1);
	CHECK(recv(s, buf, sizeof(buf), MSG_DONTWAIT) == 4);
	close(c);
	close(s);
	close(l);
	return check_done();
}
