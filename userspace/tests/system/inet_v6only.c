/*
 * inet_v6only: an IPV6_V6ONLY listener and an AF_INET listener share a
 * port, as on Linux; this is how dropbear (and OpenSSH's sshd) listen: one
 * socket per family from getaddrinfo, the IPv6 one made IPv6-only, both
 * with SO_REUSEADDR. IPv4 connections reach the AF_INET socket, IPv6 ones
 * the IPv6 socket, whichever was bound first. A dual-stack IPv6 wildcard
 * still conflicts with an IPv4 wildcard on the same port, both ways, and a
 * second IPv6-only wildcard with the first (EADDRINUSE as Linux).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TEST_NAME "inet_v6only"
#include "check.h"

static int sock(int family, int v6only)
{
	int s = socket(family, SOCK_STREAM, 0), one = 1;

	if (s < 0)
		return s;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6 && v6only >= 0)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	return s;
}

static int bind_any(int s, int family, int port)
{
	if (family == AF_INET) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
		return bind(s, (struct sockaddr *)&a, sizeof(a));
	}
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	return bind(s, (struct sockaddr *)&a, sizeof(a));
}

static int connect_lo(int family, int port)
{
	int c = socket(family, SOCK_STREAM, 0);
	int rc;

	if (family == AF_INET) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
		inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
		rc = connect(c, (struct sockaddr *)&a, sizeof(a));
	} else {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
		inet_pton(AF_INET6, "::1", &a.sin6_addr);
		rc = connect(c, (struct sockaddr *)&a, sizeof(a));
	}
	if (rc) {
		close(c);
		return -1;
	}
	return c;
}

/* Whether listener l has a connection to accept within a second; takes it. */
static int takes(int l)
{
	struct pollfd p = { .fd = l, .events = POLLIN };

	if (poll(&p, 1, 1000) != 1)
		return 0;
	int a = accept(l, NULL, NULL);
	if (a < 0)
		return 0;
	close(a);
	return 1;
}

/* v6only and AF_INET on one port, bound in the order given. */
static void pair(int port, int v6_first)
{
	int l6 = sock(AF_INET6, 1), l4 = sock(AF_INET, -1);

	CHECK(l6 >= 0 && l4 >= 0);
	if (v6_first) {
		CHECK(bind_any(l6, AF_INET6, port) == 0 && listen(l6, 4) == 0);
		CHECK(bind_any(l4, AF_INET, port) == 0 && listen(l4, 4) == 0);
	} else {
		CHECK(bind_any(l4, AF_INET, port) == 0 && listen(l4, 4) == 0);
		CHECK(bind_any(l6, AF_INET6, port) == 0 && listen(l6, 4) == 0);
	}
	/* each family's connection reaches its own listener, not the other */
	int c4 = connect_lo(AF_INET, port);
	CHECK(c4 >= 0);
	CHECK(takes(l4));
	fcntl(l6, F_SETFL, O_NONBLOCK);
	errno = 0;
	CHECK(accept(l6, NULL, NULL) == -1 && errno == EAGAIN);
	int c6 = connect_lo(AF_INET6, port);
	CHECK(c6 >= 0);
	CHECK(takes(l6));
	fcntl(l4, F_SETFL, O_NONBLOCK);
	errno = 0;
	CHECK(accept(l4, NULL, NULL) == -1 && errno == EAGAIN);

	/* the port is taken for both families now */
	int d = sock(AF_INET6, 0), e = sock(AF_INET6, 1), f = sock(AF_INET, -1);
	errno = 0;
	CHECK(bind_any(d, AF_INET6, port) == -1 && errno == EADDRINUSE);
	errno = 0;
	CHECK(bind_any(e, AF_INET6, port) == -1 && errno == EADDRINUSE);
	errno = 0;
	CHECK(bind_any(f, AF_INET, port) == -1 && errno == EADDRINUSE);
	close(d);
	close(e);
	close(f);
	close(c4);
	close(c6);
	close(l4);
	close(l6);
}

int main(void)
{
	int port = 40311;

	pair(port, 1);
	pair(port + 1, 0);

	/* a dual-stack wildcard takes IPv4 too: an AF_INET wildcard beside it,
	 * or one first and the dual-stack one after, is EADDRINUSE */
	int ds = sock(AF_INET6, 0), v4 = sock(AF_INET, -1);
	CHECK(bind_any(ds, AF_INET6, port + 2) == 0 && listen(ds, 4) == 0);
	errno = 0;
	CHECK(bind_any(v4, AF_INET, port + 2) == -1 && errno == EADDRINUSE);
	close(v4);
	int c = connect_lo(AF_INET, port + 2);
	CHECK(c >= 0 && takes(ds));	/* IPv4 reaches the dual-stack socket */
	close(c);
	close(ds);
	v4 = sock(AF_INET, -1);
	ds = sock(AF_INET6, 0);
	CHECK(bind_any(v4, AF_INET, port + 3) == 0 && listen(v4, 4) == 0);
	errno = 0;
	CHECK(bind_any(ds, AF_INET6, port + 3) == -1 && errno == EADDRINUSE);
	close(ds);
	close(v4);
	return check_done();
}
