#define _GNU_SOURCE
/*
 * eventfd: the counter file, as Linux's, from the attacker's side:
 *  - eventfd2 flags: EFD_CLOEXEC and EFD_NONBLOCK show through fcntl,
 *    unknown flags are EINVAL; fstat shows an anonymous inode (0600);
 *  - reads take the whole count (8 bytes, more buffer is fine, less is
 *    EINVAL), EFD_SEMAPHORE reads take 1; an empty counter is EAGAIN;
 *  - writes add; 0xffffffffffffffff is EINVAL, a sum past
 *    0xfffffffffffffffe is EAGAIN (and blocks without O_NONBLOCK until a
 *    read makes room); bad buffers are EFAULT and change nothing;
 *  - poll: POLLIN while non-zero, POLLOUT while another 1 fits;
 *  - a blocked read is woken by a forked child's write, a blocked write
 *    by its read; two processes add 1 each 1000 times while the parent
 *    takes them in semaphore mode: no count lost, no read woken for none.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "eventfd"
#include "check.h"

static int child_status(pid_t c)
{
	int st;

	if (waitpid(c, &st, 0) != c)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static short revents(int fd, short ev)
{
	struct pollfd p = { fd, ev, 0 };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

static void flags_and_sizes(void)
{
	uint64_t v = 0;
	char big[16];
	struct stat st;

	errno = 0;
	CHECK(eventfd(0, 0x40) == -1 && errno == EINVAL);
	int fd = eventfd(5, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
	CHECK(fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0600 && !S_ISREG(st.st_mode));
	errno = 0;
	CHECK(read(fd, &v, 7) == -1 && errno == EINVAL);
	CHECK(write(fd, &v, 4) == -1 && errno == EINVAL);
	CHECK(read(fd, big, sizeof(big)) == 8 && *(uint64_t *)big == 5);
	errno = 0;
	CHECK(read(fd, &v, 8) == -1 && errno == EAGAIN);
	v = ~0ULL;
	errno = 0;
	CHECK(write(fd, &v, 8) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(write(fd, (void *)8, 8) == -1 && errno == EFAULT);
	CHECK(revents(fd, POLLIN | POLLOUT) == POLLOUT);	/* nothing was added */
	v = 0xfffffffffffffffeULL;
	CHECK(write(fd, &v, 8) == 8);
	CHECK(revents(fd, POLLIN | POLLOUT) == POLLIN);
	v = 1;
	errno = 0;
	CHECK(write(fd, &v, 8) == -1 && errno == EAGAIN);
	v = 0;
	CHECK(write(fd, &v, 8) == 8);		/* 0 always fits */
	CHECK(read(fd, &v, 8) == 8 && v == 0xfffffffffffffffeULL);
	v = 2;
	CHECK(write(fd, &v, 8) == 8);
	errno = 0;
	CHECK(read(fd, (void *)8, 8) == -1 && errno == EFAULT);	/* taken, as Linux */
	close(fd);
	fd = eventfd(0, 0);
	CHECK(fcntl(fd, F_GETFD) == 0 && !(fcntl(fd, F_GETFL) & O_NONBLOCK));
	close(fd);
}

static void semaphore(void)
{
	uint64_t v;
	int fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);

	CHECK(fd >= 0);
	for (int i = 0; i < 3; i++)
		CHECK(read(fd, &v, 8) == 8 && v == 1);
	errno = 0;
	CHECK(read(fd, &v, 8) == -1 && errno == EAGAIN);
	v = 2;
	CHECK(write(fd, &v, 8) == 8);
	CHECK(read(fd, &v, 8) == 8 && v == 1);
	CHECK(revents(fd, POLLIN) == POLLIN);
	close(fd);
}

static void blocking(void)
{
	uint64_t v;
	int fd = eventfd(0, 0);
	pid_t c = fork();

	if (c == 0) {
		usleep(100000);
		v = 42;
		_exit(write(fd, &v, 8) == 8 ? 0 : 1);
	}
	CHECK(read(fd, &v, 8) == 8 && v == 42);	/* blocks until the child writes */
	CHECK(child_status(c) == 0);
	v = 0xfffffffffffffffeULL;
	CHECK(write(fd, &v, 8) == 8);
	c = fork();
	if (c == 0) {
		usleep(100000);
		_exit(read(fd, &v, 8) == 8 && v == 0xfffffffffffffffeULL ? 0 : 1);
	}
	v = 7;
	CHECK(write(fd, &v, 8) == 8);		/* blocks until the child reads */
	CHECK(child_status(c) == 0);
	CHECK(read(fd, &v, 8) == 8 && v == 7);
	close(fd);
}

#define ADDS 1000

static void race(void)
{
	int fd = eventfd(0, EFD_SEMAPHORE);
	pid_t c[2];
	uint64_t v, got = 0;

	for (int k = 0; k < 2; k++) {
		c[k] = fork();
		if (c[k] == 0) {
			uint64_t one = 1;
			for (int i = 0; i < ADDS; i++)
				if (write(fd, &one, 8) != 8)
					_exit(1);
			_exit(0);
		}
	}
	while (got < 2 * ADDS && read(fd, &v, 8) == 8 && v == 1)
		got++;
	CHECK(got == 2 * ADDS);
	CHECK(child_status(c[0]) == 0 && child_status(c[1]) == 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	errno = 0;
	CHECK(read(fd, &v, 8) == -1 && errno == EAGAIN);	/* none made up */
	close(fd);
}

int main(void)
{
	flags_and_sizes();
	semaphore();
	blocking();
	race();
	printf("# eventfd: %s\n", failures ? "FAILED" : "all passed");
	return check_done();
}
