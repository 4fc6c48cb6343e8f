/*
 * accept(2) that fails with EMFILE leaves the connection queued, as on
 * Linux: after closing an fd the next accept gets it, with the bytes
 * the client sent before, and the client is not reset.
 */
#define TEST_NAME "accept_emfile"
#include "check.h"
#include <fcntl.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 12;
	memcpy(a.sun_path, "\0acc-emfile", 12);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(l >= 0 && bind(l, (void *)&a, alen) == 0 && listen(l, 4) == 0);
	CHECK(fcntl(l, F_SETFL, O_NONBLOCK) == 0);	/* a lost connection: EAGAIN, no hang */
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(c >= 0 && connect(c, (void *)&a, alen) == 0);
	CHECK(write(c, "hello", 5) == 5);

	/* no fd left: fill the table up to a small limit */
	struct rlimit r = { 16, 16 };
	CHECK(setrlimit(RLIMIT_NOFILE, &r) == 0);
	int last = -1, fd;
	while ((fd = dup(0)) >= 0)
		last = fd;
	CHECK(errno == EMFILE && last >= 0);
	for (int i = 0; i < 3; i++) {
		errno = 0;
		CHECK(accept4(l, NULL, NULL, i == 1 ? SOCK_NONBLOCK : 0) < 0 && errno == EMFILE);
	}
	char buf[8];
	/* the client was not reset and sees no EOF */
	errno = 0;
	CHECK(recv(c, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN);
	CHECK(write(c, "!", 1) == 1);
	close(last);
	int s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	CHECK(s < 0 || !(fcntl(s, F_GETFL) & O_NONBLOCK));	/* the failed SOCK_NONBLOCK did not stick */
	memset(buf, 0, sizeof(buf));
	CHECK(s >= 0 && read(s, buf, 6) == 6 && !memcmp(buf, "hello!", 6));
	CHECK(s >= 0 && write(s, "ok", 2) == 2);
	CHECK(recv(c, buf, 2, MSG_DONTWAIT) == 2 && !memcmp(buf, "ok", 2));
	/* nothing else queued */
	errno = 0;
	CHECK(accept(l, NULL, NULL) < 0 && errno == EAGAIN);

	/* EMFILE, then the listener closes: the client is reset, nothing leaks */
	close(s);
	close(c);
	int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(c2 >= 0 && connect(c2, (void *)&a, alen) == 0);
	while (dup(0) >= 0)
		;
	errno = 0;
	CHECK(accept(l, NULL, NULL) < 0 && errno == EMFILE);
	close(l);
	CHECK(recv(c2, buf, 1, 0) <= 0);
	if (!failures)
		printf(TEST_NAME ": ok\n");
	return check_done();
}
