#define _GNU_SOURCE
/*
 * Review probe (lifetimes): a userfaultfd outlives the process whose
 * address space it serves. Process A makes a full userfaultfd, registers
 * a range, hands the fd to its parent (SCM_RIGHTS) and faults on the
 * range from a second thread. The parent reads the fault, fills one page
 * of A's memory across processes (allowed, as Linux), then SIGKILLs A
 * while its other thread waits on a second page. Afterwards the fd must
 * still be safe: ioctls ESRCH, a non-blocking read EAGAIN (nothing
 * pending: the waiter went with A), close (uffd_release walks A's dead
 * mm). Repeated to catch a freed context or mm. Regression test: passes.
 */
#define TEST_NAME "uffd_owner_exit"
#include "check.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define UFFD_API 0xAAULL
#define UFFDIO_API 0xc018aa3f
#define UFFDIO_REGISTER 0xc020aa00
#define UFFDIO_COPY 0xc028aa03
#define UFFDIO_ZEROPAGE 0xc020aa04
#define PG 4096UL
struct uffdio_api { uint64_t api, features, ioctls; };
struct uffdio_register { uint64_t start, len, mode, ioctls; };
struct uffdio_copy { uint64_t dst, src, len, mode; int64_t copy; };
struct uffd_msg { uint8_t event, r1; uint16_t r2; uint32_t r3; uint64_t flags, address, r4; };

static char *area;

static void *toucher(void *arg)
{
	(void)arg;
	volatile char x = area[0];	/* waits for the parent */
	(void)x;
	x = area[PG];			/* waits until SIGKILL */
	return NULL;
}

static void child(int sk)
{
	int fd = (int)syscall(323, O_NONBLOCK);
	struct uffdio_api api = { .api = UFFD_API };
	if (fd < 0 || ioctl(fd, UFFDIO_API, &api))
		_exit(2);
	area = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uffdio_register r = { (uintptr_t)area, 4 * PG, 1, 0 };
	if (ioctl(fd, UFFDIO_REGISTER, &r))
		_exit(3);
	char cbuf[CMSG_SPACE(sizeof(int))];
	uint64_t where = (uintptr_t)area;
	struct iovec iov = { &where, sizeof(where) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sk, &mh, 0) != sizeof(where))
		_exit(4);
	close(fd);	/* the parent's copy is the only one now */
	pthread_t t;
	pthread_create(&t, NULL, toucher, NULL);
	pthread_join(t, NULL);
	_exit(0);
}

static int recv_fd(int sk, uint64_t *where)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { where, sizeof(*where) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	if (recvmsg(sk, &mh, 0) != sizeof(*where))
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int next_msg(int fd, struct uffd_msg *m)
{
	struct pollfd p = { fd, POLLIN, 0 };
	if (poll(&p, 1, 3000) != 1)
		return -1;
	return read(fd, m, sizeof(*m)) == sizeof(*m) ? 0 : -1;
}

int main(void)
{
	static char src[PG] = "filled across processes";
	for (int round = 0; round < 10; round++) {
		int sv[2];
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
		pid_t pid = fork();
		if (!pid)
			child(sv[1]);
		close(sv[1]);
		uint64_t where = 0;
		int fd = recv_fd(sv[0], &where);
		CHECK(fd >= 0);
		struct uffd_msg m;
		CHECK(next_msg(fd, &m) == 0 && m.address == where);
		struct uffdio_copy cp = { where, (uintptr_t)src, PG, 0, 0 };
		CHECK(ioctl(fd, UFFDIO_COPY, &cp) == 0 && cp.copy == (int64_t)PG);
		CHECK(next_msg(fd, &m) == 0 && m.address == where + PG);
		if (round & 1)
			usleep(1000 * (round % 5));
		kill(pid, SIGKILL);
		int st;
		CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		errno = 0;
		cp.dst = where + 2 * PG;
		CHECK(ioctl(fd, UFFDIO_COPY, &cp) == -1 && errno == ESRCH);
		struct uffdio_register r = { where, PG, 1, 0 };
		errno = 0;
		CHECK(ioctl(fd, UFFDIO_REGISTER, &r) == -1 && errno == ESRCH);
		errno = 0;
		CHECK(read(fd, &m, sizeof(m)) == -1 && errno == EAGAIN);
		CHECK(close(fd) == 0);
		close(sv[0]);
	}
	return check_done();
}
