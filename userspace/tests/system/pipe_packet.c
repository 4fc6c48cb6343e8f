#define _GNU_SOURCE
/*
 * pipe_packet: pipe(7)'s packet mode (pipe2 O_DIRECT, F_SETFL O_DIRECT).
 *  - O_DIRECT shows on the write end only; other unknown flags EINVAL;
 *  - each write is a packet; a read returns at most one and drops what
 *    of it did not fit; bytes written without O_DIRECT around packets
 *    are a stream that a read joins with the packet after them;
 *  - a write over PIPE_BUF is packets of PIPE_BUF; a packet across the
 *    ring's page boundary is still one;
 *  - a pipe holds as many packets as pages: the 17th in a 64 KiB pipe is
 *    EAGAIN (non-blocking), POLLOUT goes, a blocked writer wakes when a
 *    packet is read; F_SETPIPE_SZ below the packets held is EBUSY;
 *  - a bad buffer is EFAULT and the packet stays; splice/tee see bytes;
 *  - four writer threads' packets each arrive whole.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "pipe_packet"
#include "check.h"

static int fds[2];

static void *writer(void *arg)
{
	int id = (int)(long)arg;
	char buf[300];

	for (int i = 0; i < 100; i++) {
		int len = 2 + (id * 37 + i * 11) % 298;
		buf[0] = (char)('A' + id);
		memset(buf + 1, 'a' + id, (size_t)len - 1);
		buf[len - 1] = '$';
		if (write(fds[1], buf, (size_t)len) != len)
			return (void *)1;
	}
	return NULL;
}

static void *slow_reader(void *arg)
{
	char c;
	(void)arg;
	usleep(100000);
	return (void *)(long)read(fds[0], &c, 1);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	double t0 = now();
	char buf[10000], big[10000];

	CHECK(pipe2(fds, O_DIRECT | 1) == -1 && errno == EINVAL);
	CHECK(pipe2(fds, O_DIRECT) == 0);
	CHECK(fcntl(fds[1], F_GETFL) & O_DIRECT);
	CHECK(!(fcntl(fds[0], F_GETFL) & O_DIRECT));

	/* one packet per read; a short read drops the packet's rest */
	CHECK(write(fds[1], "abc", 3) == 3);
	CHECK(write(fds[1], "defgh", 5) == 5);
	CHECK(write(fds[1], "ij", 2) == 2);
	CHECK(read(fds[0], buf, 100) == 3 && !memcmp(buf, "abc", 3));
	CHECK(read(fds[0], buf, 2) == 2 && !memcmp(buf, "de", 2));
	CHECK(read(fds[0], buf, 100) == 2 && !memcmp(buf, "ij", 2));

	/* a bad buffer: EFAULT, the packet stays for the next read */
	CHECK(write(fds[1], "KEEP", 4) == 4);
	CHECK(read(fds[0], (void *)8, 10) == -1 && errno == EFAULT);
	CHECK(read(fds[0], buf, 100) == 4 && !memcmp(buf, "KEEP", 4));

	/* bytes written without O_DIRECT around a packet */
	int fl = fcntl(fds[1], F_GETFL);
	CHECK(fcntl(fds[1], F_SETFL, fl & ~O_DIRECT) == 0 && !(fcntl(fds[1], F_GETFL) & O_DIRECT));
	CHECK(write(fds[1], "xy", 2) == 2);
	CHECK(fcntl(fds[1], F_SETFL, fl) == 0 && (fcntl(fds[1], F_GETFL) & O_DIRECT));
	CHECK(write(fds[1], "PKT", 3) == 3);
	CHECK(fcntl(fds[1], F_SETFL, fl & ~O_DIRECT) == 0);
	CHECK(write(fds[1], "zz", 2) == 2);
	CHECK(write(fds[1], "ww", 2) == 2);
	CHECK(read(fds[0], buf, 100) == 5 && !memcmp(buf, "xyPKT", 5));
	CHECK(read(fds[0], buf, 100) == 4 && !memcmp(buf, "zzww", 4));

	/* a packet across the ring's page boundary (the stream is at 4+100) */
	CHECK(write(fds[1], buf, 100) == 100 && read(fds[0], buf, 100) == 100);
	CHECK(fcntl(fds[1], F_SETFL, fl) == 0);
	for (int i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)(i * 7);
	CHECK(write(fds[1], big, 4096) == 4096);
	CHECK(read(fds[0], buf, sizeof(buf)) == 4096 && !memcmp(buf, big, 4096));

	/* over PIPE_BUF: packets of PIPE_BUF */
	CHECK(write(fds[1], big, 10000) == 10000);
	CHECK(read(fds[0], buf, sizeof(buf)) == 4096 && !memcmp(buf, big, 4096));
	CHECK(read(fds[0], buf, 10) == 10 && !memcmp(buf, big + 4096, 10));
	CHECK(read(fds[0], buf, sizeof(buf)) == 1808 && !memcmp(buf, big + 8192, 1808));

	/* as many packets as pages */
	CHECK(fcntl(fds[1], F_GETPIPE_SZ) == 65536);
	CHECK(fcntl(fds[1], F_SETFL, fl | O_NONBLOCK) == 0);
	int n = 0;
	while (n < 100 && write(fds[1], "p", 1) == 1)
		n++;
	CHECK(n == 16 && errno == EAGAIN);
	struct pollfd pf = { .fd = fds[1], .events = POLLOUT };
	CHECK(poll(&pf, 1, 0) == 0);
	CHECK(fcntl(fds[1], F_SETPIPE_SZ, 8192) == -1 && errno == EBUSY);
	for (int i = 0; i < 14; i++)
		CHECK(read(fds[0], buf, 100) == 1);
	CHECK(fcntl(fds[1], F_SETPIPE_SZ, 8192) == 8192);
	CHECK(write(fds[1], "q", 1) == -1 && errno == EAGAIN);
	/* a blocked packet writer wakes when a packet is read */
	CHECK(fcntl(fds[1], F_SETFL, fl) == 0);
	pthread_t rt;
	pthread_create(&rt, NULL, slow_reader, NULL);
	CHECK(write(fds[1], "r", 1) == 1);
	void *rr;
	pthread_join(rt, &rr);
	CHECK((long)rr == 1);
	CHECK(read(fds[0], buf, 100) == 1 && buf[0] == 'p');
	CHECK(read(fds[0], buf, 100) == 1 && buf[0] == 'r');
	CHECK(fcntl(fds[1], F_SETPIPE_SZ, 65536) == 65536);

	/* tee and splice take the bytes; the packets after them stay whole */
	int q[2];
	CHECK(pipe(q) == 0);
	CHECK(write(fds[1], "one", 3) == 3 && write(fds[1], "two", 3) == 3);
	CHECK(tee(fds[0], q[1], 4, 0) == 4);
	CHECK(splice(fds[0], NULL, q[1], NULL, 2, 0) == 2);
	CHECK(read(fds[0], buf, 100) == 1 && buf[0] == 'e');
	CHECK(read(fds[0], buf, 100) == 3 && !memcmp(buf, "two", 3));
	int m = 0;	/* on Linux q's bytes keep the packet marks: read them all */
	for (ssize_t r; m < 6 && (r = read(q[0], buf + m, 100)) > 0;)
		m += (int)r;
	CHECK(m == 6 && !memcmp(buf, "oneton", 6));
	close(q[0]);
	close(q[1]);

	printf("# pipe_packet: %.2f s before the threads\n", now() - t0);
	/* four writers at once: every read is one writer's whole packet */
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, writer, (void *)(long)i);
	int got = 0, bad = 0;
	while (got < 400) {
		ssize_t r = read(fds[0], buf, sizeof(buf));
		if (r <= 0)
			break;
		got++;
		int id = buf[0] - 'A';
		if (id < 0 || id > 3 || buf[r - 1] != '$')
			bad++;
		for (ssize_t k = 1; k < r - 1; k++)
			if (buf[k] != 'a' + id)
				bad++;
	}
	for (int i = 0; i < 4; i++) {
		void *rv;
		pthread_join(th[i], &rv);
		CHECK(rv == NULL);
	}
	if (got != 400 || bad)
		printf("# pipe_packet: %d packets read, %d bad bytes\n", got, bad);
	CHECK(got == 400 && bad == 0);
	close(fds[0]);
	close(fds[1]);
	return check_done();
}
