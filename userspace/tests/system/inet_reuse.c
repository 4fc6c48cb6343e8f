/*
 * inet_reuse: SO_REUSEADDR does not let a second socket take a listener's
 * port (Linux's rule): with a wildcard listener on port P, another
 * socket with SO_REUSEADDR may not bind 127.0.0.1:P (connections to that
 * address would reach it, not the listener), nor listen there if it was
 * bound before the first listened. Two sockets that do not listen may
 * share the port with SO_REUSEADDR. A write to a listener is ENOTCONN.
 * SO_REUSEPORT reads back as set (Alloy shares no port with it: a second
 * listener on the port is EADDRINUSE, docs/net.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TEST_NAME "inet_reuse"
#include "check.h"

static int sock_reuse(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (s >= 0)
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return s;
}

static int bind_to(int s, const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &a.sin_addr);
	return bind(s, (struct sockaddr *)&a, sizeof(a));
}

int main(void)
{
	int port = 40123;
	int l = sock_reuse(), x = sock_reuse();

	CHECK(l >= 0 && x >= 0);
	CHECK(bind_to(l, "0.0.0.0", port) == 0 && listen(l, 4) == 0);
	errno = 0;
	CHECK(bind_to(x, "127.0.0.1", port) == -1 && errno == EADDRINUSE);
	close(x);
	close(l);

	/* both bound (neither listens), then the second may not listen */
	int a = sock_reuse(), b = sock_reuse();
	CHECK(bind_to(a, "0.0.0.0", port + 1) == 0);
	CHECK(bind_to(b, "127.0.0.1", port + 1) == 0);	/* allowed: no listener yet */
	CHECK(listen(a, 4) == 0);
	errno = 0;
	CHECK(listen(b, 4) == -1 && errno == EADDRINUSE);
	close(a);
	close(b);

	/* a write to a listener is ENOTCONN (it panicked the kernel: lwIP
	 * asserts no output on a listen pcb; found by make fuzz-syscalls) */
	l = sock_reuse();
	CHECK(bind_to(l, "127.0.0.1", port + 2) == 0 && listen(l, 4) == 0);
	errno = 0;
	CHECK(write(l, "x", 1) == -1 && errno == ENOTCONN);
	errno = 0;
	CHECK(send(l, "x", 1, MSG_DONTWAIT) == -1 && errno == ENOTCONN);
	close(l);

	/* SO_REUSEPORT: what was set reads back */
	int one = 1, v = -1;
	socklen_t vl = sizeof(v);
	l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(getsockopt(l, SOL_SOCKET, SO_REUSEPORT, &v, &vl) == 0 && v == 0);
	CHECK(setsockopt(l, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == 0);
	vl = sizeof(v);
	CHECK(getsockopt(l, SOL_SOCKET, SO_REUSEPORT, &v, &vl) == 0 && v == 1 && vl == sizeof(v));
	x = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(setsockopt(x, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == 0);
	CHECK(bind_to(l, "127.0.0.1", port + 3) == 0 && listen(l, 4) == 0);
	errno = 0;
	CHECK(bind_to(x, "127.0.0.1", port + 3) == -1 && errno == EADDRINUSE);
	close(x);
	close(l);
	return check_done();
}
