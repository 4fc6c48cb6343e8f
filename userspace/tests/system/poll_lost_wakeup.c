/*
 * poll_lost_wakeup: a file that becomes ready while poll/select is still
 * queuing on the files after it must end the wait. poll and select queue
 * on each file in turn; a wakeup of an early file that lands while a later
 * one is being queued was lost when queuing a later file marked the task
 * blocked again (it had been made runnable, and its entry on the early
 * file's queue was already gone): the call then slept to its timeout
 * with data ready. dropbear hit it (select on its socket, fd 0, and its
 * signal pipe): sessions whose client had gone stayed forever.
 *
 * Here fd A (a pipe, lowest) comes first, then ~900 duplicates of another
 * pipe's read end, which never becomes ready, so queuing takes long; a
 * child writes one byte into A at a random moment after being told the
 * poll is starting. Every round must end well before the 5 s timeout
 * (a lost wakeup returns at the timeout, having found the byte then).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "poll_lost_wakeup"
#include "check.h"

#define ROUNDS 150
#define NDUP 900

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	int a[2], b[2], go[2];
	static struct pollfd pfd[NDUP + 1];
	int fds[NDUP], nd = 0;
	struct rlimit rl = { 1100, 1100 };

	setrlimit(RLIMIT_NOFILE, &rl);
	CHECK(pipe(a) == 0 && pipe(b) == 0 && pipe(go) == 0);
	/* the dups after A, all below FD_SETSIZE for select */
	while (nd < NDUP) {
		int d = dup(b[0]);
		if (d < 0 || d >= FD_SETSIZE) {
			if (d >= 0)
				close(d);
			break;
		}
		fds[nd++] = d;
	}
	CHECK(nd >= 500);
	CHECK(a[0] < fds[0]);

	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(go[1]);
		srand(getpid());
		while (read(go[0], &c, 1) == 1) {
			/* somewhere inside the reader's queuing, or just before */
			struct timespec d = { 0, (rand() % 20000) * 1000L };
			nanosleep(&d, NULL);
			if (write(a[1], "x", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(go[0]);
	pfd[0] = (struct pollfd){ .fd = a[0], .events = POLLIN };
	for (int i = 0; i < nd; i++)
		pfd[i + 1] = (struct pollfd){ .fd = fds[i], .events = POLLIN };

	int lost = 0, maxfd = fds[nd - 1];
	double worst = 0;
	for (int r = 0; r < ROUNDS && !lost; r++) {
		int rc;
		CHECK(write(go[1], "g", 1) == 1);
		double t = now();
		if (r % 2) {
			rc = poll(pfd, nd + 1, 5000);
			CHECK(rc == 1 && (pfd[0].revents & POLLIN));
		} else {
			fd_set rd;
			struct timeval tv = { 5, 0 };
			FD_ZERO(&rd);
			FD_SET(a[0], &rd);
			for (int i = 0; i < nd; i++)
				FD_SET(fds[i], &rd);
			rc = select(maxfd + 1, &rd, NULL, NULL, &tv);
			CHECK(rc == 1 && FD_ISSET(a[0], &rd));
		}
		t = now() - t;
		if (t > worst)
			worst = t;
		/* the write lands within 20 ms; a lost wakeup sleeps to the
		 * timeout (and then finds the data on its last look) */
		if (rc == 0 || t > 2.5) {
			fprintf(stderr, TEST_NAME ": round %d (%s): data ready, %.3f s to see it\n",
				r, r % 2 ? "poll" : "select", t);
			lost = 1;
		}
		char c;
		CHECK(read(a[0], &c, 1) == 1);
	}
	close(go[1]);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(!lost);
	printf(TEST_NAME ": %d fds after the one that wakes, slowest round %.3f s\n", nd, worst);
	return check_done();
}
