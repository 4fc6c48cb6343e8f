#define _GNU_SOURCE
/*
 * io_uring (docs/aio.md) from the attacker's side: setup's checks, the
 * mapped rings, each opcode, registrations, an SQ tail moved beyond the
 * ring, SQE indices out of range, CQ overflow, a pipe read that waits
 * without blocking io_uring_enter, the fd closed and the rings unmapped
 * while a request waits, exit with requests pending, POLL and TIMEOUT;
 * O_ASYNC on the ring toggled by one thread while another cancels polls
 * of files whose last reference the ring holds (the ring's poll drops
 * it, and that file's release runs inside fasync's code: it once
 * deadlocked on fasync's mutex).
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <pthread.h>
#include <time.h>

#define TEST_NAME "io_uring"
#include "check.h"

/* <linux/io_uring.h> (the musl build has no kernel headers) */
struct sqe {
	uint8_t opcode, flags;
	uint16_t ioprio;
	int32_t fd;
	uint64_t off, addr;
	uint32_t len, op_flags;
	uint64_t user_data;
	uint16_t buf_index, personality;
	uint32_t file_index;
	uint64_t addr3, pad2;
};
struct cqe {
	uint64_t user_data;
	int32_t res;
	uint32_t flags;
};
struct params {
	uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd;
	uint32_t resv[3];
	uint32_t sq_off[10];
	uint32_t cq_off[10];
};
enum { OP_NOP, OP_READV, OP_WRITEV, OP_FSYNC, OP_READ_FIXED, OP_WRITE_FIXED, OP_POLL_ADD,
       OP_POLL_REMOVE, OP_TIMEOUT = 11, OP_OPENAT = 18, OP_CLOSE = 19, OP_STATX = 21,
       OP_READ = 22, OP_WRITE = 23 };
#define ENTER_GETEVENTS 1
#define OFF_CQ_RING 0x8000000ULL
#define OFF_SQES 0x10000000ULL

struct ring {
	int fd;
	struct params p;
	uint8_t *sq, *cq;
	struct sqe *sqes;
	uint32_t *sq_head, *sq_tail, *sq_mask, *sq_array, *sq_dropped;
	uint32_t *cq_head, *cq_tail, *cq_mask, *cq_overflow;
	struct cqe *cqes;
	size_t sq_len, cq_len;
};

static long setup(unsigned n, struct params *p) { return syscall(425, n, p); }
static long enter(int fd, unsigned sub, unsigned min, unsigned fl, void *sig)
{
	return syscall(426, fd, sub, min, fl, sig, 8);
}
static long reg(int fd, unsigned op, void *arg, unsigned n) { return syscall(427, fd, op, arg, n); }

static int ring_init(struct ring *r, unsigned n)
{
	memset(r, 0, sizeof(*r));
	r->fd = setup(n, &r->p);
	if (r->fd < 0)
		return -1;
	r->sq_len = r->p.sq_off[6] + r->p.sq_entries * 4;
	r->cq_len = r->p.cq_off[5] + r->p.cq_entries * sizeof(struct cqe);
	r->sq = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, 0);
	r->cq = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, OFF_CQ_RING);
	r->sqes = mmap(NULL, r->p.sq_entries * 64, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
		       OFF_SQES);
	if (r->sq == MAP_FAILED || r->cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -1;
	r->sq_head = (uint32_t *)(r->sq + r->p.sq_off[0]);
	r->sq_tail = (uint32_t *)(r->sq + r->p.sq_off[1]);
	r->sq_mask = (uint32_t *)(r->sq + r->p.sq_off[2]);
	r->sq_dropped = (uint32_t *)(r->sq + r->p.sq_off[5]);
	r->sq_array = (uint32_t *)(r->sq + r->p.sq_off[6]);
	r->cq_head = (uint32_t *)(r->cq + r->p.cq_off[0]);
	r->cq_tail = (uint32_t *)(r->cq + r->p.cq_off[1]);
	r->cq_mask = (uint32_t *)(r->cq + r->p.cq_off[2]);
	r->cq_overflow = (uint32_t *)(r->cq + r->p.cq_off[4]);
	r->cqes = (struct cqe *)(r->cq + r->p.cq_off[5]);
	return 0;
}

static void ring_free(struct ring *r)
{
	munmap(r->sq, r->sq_len);
	munmap(r->cq, r->cq_len);
	munmap(r->sqes, r->p.sq_entries * 64);
	close(r->fd);
}

/* Queues one SQE (returned for the caller to fill). */
static struct sqe *get_sqe(struct ring *r)
{
	uint32_t t = *r->sq_tail, i = t & *r->sq_mask;

	memset(&r->sqes[i], 0, sizeof(struct sqe));
	r->sq_array[i] = i;
	__atomic_store_n(r->sq_tail, t + 1, __ATOMIC_RELEASE);
	return &r->sqes[i];
}

static int reap(struct ring *r, struct cqe *out)
{
	uint32_t h = *r->cq_head;

	if (h == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return 0;
	*out = r->cqes[h & *r->cq_mask];
	__atomic_store_n(r->cq_head, h + 1, __ATOMIC_RELEASE);
	return 1;
}

static void test_setup(void)
{
	struct params p;

	memset(&p, 0, sizeof(p));
	CHECK(setup(1, NULL) == -1 && errno == EFAULT);
	CHECK(setup(0, &p) == -1 && errno == EINVAL);
	CHECK(setup(40000, &p) == -1 && errno == EINVAL);
	p.flags = 16;	/* CLAMP */
	int fd = setup(40000, &p);
	CHECK(fd >= 0 && p.sq_entries == 32768);
	close(fd);
	memset(&p, 0, sizeof(p));
	p.resv[1] = 1;
	CHECK(setup(4, &p) == -1 && errno == EINVAL);
	memset(&p, 0, sizeof(p));
	p.flags = 8;	/* CQSIZE smaller than the SQ */
	p.cq_entries = 2;
	CHECK(setup(8, &p) == -1 && errno == EINVAL);
	p.cq_entries = 0;
	CHECK(setup(8, &p) == -1 && errno == EINVAL);
	memset(&p, 0, sizeof(p));
	p.flags = 1u << 30;
	CHECK(setup(8, &p) == -1 && errno == EINVAL);
	memset(&p, 0, sizeof(p));
	fd = setup(3, &p);
	CHECK(fd >= 0 && p.sq_entries == 4 && p.cq_entries == 8 && (p.features & 1));
	CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	/* mmap: shared only, known offsets, no more than the rings */
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == EINVAL);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0x1000) == MAP_FAILED && errno == EINVAL);
	CHECK(mmap(NULL, 1 << 20, PROT_READ, MAP_SHARED, fd, OFF_SQES) == MAP_FAILED &&
	      errno == EINVAL);
	/* enter and register on other files */
	CHECK(enter(0, 0, 0, 0, NULL) == -1 && errno == EOPNOTSUPP);
	CHECK(enter(999, 0, 0, 0, NULL) == -1 && errno == EBADF);
	CHECK(enter(fd, 0, 0, 1u << 20, NULL) == -1 && errno == EINVAL);
	CHECK(reg(0, 0, NULL, 0) == -1 && errno == EOPNOTSUPP);
	close(fd);
	FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");
	int v = -1;
	CHECK(f && fscanf(f, "%d", &v) == 1 && v == 0);
	if (f)
		fclose(f);
}

static void test_ops(void)
{
	struct ring r;
	struct cqe c;
	char path[] = "/tmp/iouXXXXXX", buf[4096], got[4096];
	int fd = mkstemp(path);

	CHECK(ring_init(&r, 8) == 0 && fd >= 0);
	memset(buf, 'k', sizeof(buf));
	struct sqe *s = get_sqe(&r);
	s->opcode = OP_WRITE;
	s->fd = fd;
	s->addr = (uintptr_t)buf;
	s->len = 4096;
	s->user_data = 1;
	s = get_sqe(&r);
	s->opcode = OP_NOP;
	s->user_data = 2;
	CHECK(enter(r.fd, 2, 2, ENTER_GETEVENTS, NULL) == 2);
	CHECK(reap(&r, &c) && c.user_data == 1 && c.res == 4096);
	CHECK(reap(&r, &c) && c.user_data == 2 && c.res == 0);
	CHECK(*r.sq_head == 2);
	/* registered buffer and READ_FIXED */
	struct iovec iv = { got, sizeof(got) };
	CHECK(reg(r.fd, 0, &iv, 1) == 0);
	CHECK(reg(r.fd, 0, &iv, 1) == -1 && errno == EBUSY);
	s = get_sqe(&r);
	s->opcode = OP_READ_FIXED;
	s->fd = fd;
	s->addr = (uintptr_t)got;
	s->len = 4096;
	s->user_data = 3;
	s = get_sqe(&r);
	s->opcode = OP_READ_FIXED;	/* outside the buffer */
	s->fd = fd;
	s->addr = (uintptr_t)got + 1;
	s->len = 4096;
	s->user_data = 4;
	s = get_sqe(&r);
	s->opcode = OP_READ_FIXED;
	s->fd = fd;
	s->addr = (uintptr_t)got;
	s->len = 1;
	s->buf_index = 5;	/* no such buffer */
	s->user_data = 5;
	CHECK(enter(r.fd, 3, 3, ENTER_GETEVENTS, NULL) == 3);
	CHECK(reap(&r, &c) && c.res == 4096 && !memcmp(got, buf, 4096));
	CHECK(reap(&r, &c) && c.user_data == 4 && c.res == -EFAULT);
	CHECK(reap(&r, &c) && c.user_data == 5 && c.res == -EFAULT);
	CHECK(reg(r.fd, 1, NULL, 0) == 0);
	CHECK(reg(r.fd, 1, NULL, 0) == -1 && errno == ENXIO);
	iv.iov_base = NULL;
	CHECK(reg(r.fd, 0, &iv, 1) == -1 && errno == EFAULT);
	CHECK(reg(r.fd, 0, (void *)8, 1) == -1 && errno == EFAULT);
	CHECK(reg(r.fd, 0, &iv, 0) == -1 && errno == EINVAL);
	/* registered files, eventfd */
	int fds[2] = { fd, -1 };
	CHECK(reg(r.fd, 2, fds, 2) == 0);
	int self[1] = { r.fd };
	CHECK(reg(r.fd, 3, NULL, 0) == 0);
	CHECK(reg(r.fd, 2, self, 1) == -1 && errno == EBADF);
	CHECK(reg(r.fd, 2, fds, 2) == 0);
	int efd = eventfd(0, EFD_NONBLOCK);
	CHECK(reg(r.fd, 4, &fd, 1) == -1 && errno == EINVAL);
	CHECK(reg(r.fd, 4, &efd, 1) == 0);
	s = get_sqe(&r);
	s->opcode = OP_READV;
	s->fd = 0;	/* registered file 0 */
	s->flags = 1;
	struct iovec v2[2] = { { got, 100 }, { got + 100, 100 } };
	s->addr = (uintptr_t)v2;
	s->len = 2;
	s->user_data = 6;
	s = get_sqe(&r);
	s->opcode = OP_READ;
	s->fd = 1;	/* a hole */
	s->flags = 1;
	s->addr = (uintptr_t)got;
	s->len = 1;
	s->user_data = 7;
	CHECK(enter(r.fd, 2, 2, ENTER_GETEVENTS, NULL) == 2);
	CHECK(reap(&r, &c) && c.user_data == 6 && c.res == 200);
	CHECK(reap(&r, &c) && c.user_data == 7 && c.res == -EBADF);
	uint64_t n = 0;
	CHECK(read(efd, &n, 8) == 8 && n == 2);
	/* fsync, statx, openat, close; unknown opcode and flags */
	s = get_sqe(&r);
	s->opcode = OP_FSYNC;
	s->fd = fd;
	s->user_data = 8;
	s = get_sqe(&r);
	s->opcode = OP_OPENAT;
	s->fd = AT_FDCWD;
	s->addr = (uintptr_t)path;
	s->op_flags = O_RDONLY;
	s->user_data = 9;
	s = get_sqe(&r);
	s->opcode = 200;
	s->user_data = 10;
	s = get_sqe(&r);
	s->opcode = OP_NOP;
	s->flags = 0x80;
	s->user_data = 11;
	CHECK(enter(r.fd, 4, 4, ENTER_GETEVENTS, NULL) == 4);
	CHECK(reap(&r, &c) && c.user_data == 8 && c.res == 0);
	CHECK(reap(&r, &c) && c.user_data == 9 && c.res >= 0);
	int ofd = c.res;
	CHECK(reap(&r, &c) && c.user_data == 10 && c.res == -EINVAL);
	CHECK(reap(&r, &c) && c.user_data == 11 && c.res == -EINVAL);
	s = get_sqe(&r);
	s->opcode = OP_CLOSE;
	s->fd = ofd;
	s->user_data = 12;
	s = get_sqe(&r);
	s->opcode = OP_CLOSE;
	s->fd = r.fd;	/* the ring itself: refused */
	s->user_data = 13;
	char sx[256];
	s = get_sqe(&r);
	s->opcode = OP_STATX;
	s->fd = AT_FDCWD;
	s->addr = (uintptr_t)path;
	s->len = 0xfff;
	s->off = (uintptr_t)sx;
	s->user_data = 14;
	CHECK(enter(r.fd, 3, 3, ENTER_GETEVENTS, NULL) == 3);
	CHECK(reap(&r, &c) && c.user_data == 12 && c.res == 0);
	CHECK(fcntl(ofd, F_GETFD) == -1 && errno == EBADF);
	CHECK(reap(&r, &c) && c.user_data == 13 && c.res == -EBADF);
	CHECK(reap(&r, &c) && c.user_data == 14 && c.res == 0 && *(uint64_t *)(sx + 40) == 4096);
	/* a request on a ring: refused */
	s = get_sqe(&r);
	s->opcode = OP_POLL_ADD;
	s->fd = r.fd;
	s->op_flags = POLLIN;
	s->user_data = 15;
	CHECK(enter(r.fd, 1, 1, ENTER_GETEVENTS, NULL) == 1);
	CHECK(reap(&r, &c) && c.user_data == 15 && c.res == -EBADF);
	/* probe */
	uint8_t pr[16 + 8 * 64];
	memset(pr, 0, sizeof(pr));
	CHECK(reg(r.fd, 8, pr, 64) == 0 && pr[1] > OP_WRITE && pr[16 + 8 * OP_READ + 2] == 1);
	CHECK(reg(r.fd, 8, pr, 64) == -1 && errno == EINVAL);	/* not zeroed */
	close(efd);
	ring_free(&r);
	unlink(path);
	close(fd);
}

/* The SQ tail run ahead, bad indices, a full CQ. */
static void test_hostile(void)
{
	struct ring r;
	struct cqe c;

	CHECK(ring_init(&r, 4) == 0);	/* SQ 4, CQ 8 */
	for (int i = 0; i < 4; i++)
		r.sqes[i] = (struct sqe){ .opcode = OP_NOP, .user_data = 100 + i };
	for (int i = 0; i < 4; i++)
		r.sq_array[i] = i;
	r.sq_array[1] = 77;	/* out of range: dropped */
	__atomic_store_n(r.sq_tail, *r.sq_head + 1000, __ATOMIC_RELEASE);
	long k = enter(r.fd, 1000, 0, 0, NULL);
	CHECK(k == 3);	/* four looked at, one dropped */
	CHECK(*r.sq_dropped == 1 && *r.sq_head == 4);
	for (int round = 0; round < 3; round++)
		enter(r.fd, 4, 0, 0, NULL);	/* the tail still runs ahead */
	CHECK(*r.cq_tail - *r.cq_head == 8);	/* full */
	CHECK(*r.cq_overflow > 0);
	int got = 0;
	while (reap(&r, &c))
		got++;
	CHECK(got == 8);
	/* a hostile CQ head: nothing breaks */
	*r.cq_head = 0x80000000u;
	__atomic_store_n(r.sq_tail, *r.sq_head + 1, __ATOMIC_RELEASE);
	CHECK(enter(r.fd, 1, 0, 0, NULL) == 1);
	ring_free(&r);
}

static void test_wait(void)
{
	struct ring r;
	struct cqe c;
	int p[2];
	char buf[16] = { 0 };

	CHECK(ring_init(&r, 8) == 0 && pipe(p) == 0);
	struct sqe *s = get_sqe(&r);
	s->opcode = OP_READ;
	s->fd = p[0];
	s->addr = (uintptr_t)buf;
	s->len = sizeof(buf);
	s->user_data = 1;
	CHECK(enter(r.fd, 1, 0, 0, NULL) == 1);	/* does not block */
	CHECK(!reap(&r, &c));
	struct pollfd pf = { r.fd, POLLIN, 0 };
	CHECK(poll(&pf, 1, 0) == 0);
	CHECK(write(p[1], "data", 4) == 4);
	CHECK(poll(&pf, 1, 1000) == 1);	/* ready: entering completes it */
	int ep = epoll_create1(0);	/* the ring's poll under epoll's lock */
	struct epoll_event ee = { .events = EPOLLIN };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, r.fd, &ee) == 0);
	CHECK(epoll_wait(ep, &ee, 1, 0) == 1);
	close(ep);
	CHECK(enter(r.fd, 0, 1, ENTER_GETEVENTS, NULL) == 0);
	CHECK(reap(&r, &c) && c.res == 4 && !memcmp(buf, "data", 4));
	/* the fd closed while it waits; the ring unmapped meanwhile */
	int d = dup(p[0]);
	s = get_sqe(&r);
	s->opcode = OP_READ;
	s->fd = d;
	s->addr = (uintptr_t)buf;
	s->len = 2;
	s->user_data = 2;
	CHECK(enter(r.fd, 1, 0, 0, NULL) == 1);
	close(d);
	if (fork() == 0) {
		usleep(100000);
		write(p[1], "xy", 2);
		_exit(0);
	}
	CHECK(enter(r.fd, 0, 1, ENTER_GETEVENTS, NULL) == 0);
	CHECK(reap(&r, &c) && c.user_data == 2 && c.res == 2);
	wait(NULL);
	/* POLL_ADD, POLL_REMOVE, TIMEOUT */
	s = get_sqe(&r);
	s->opcode = OP_POLL_ADD;
	s->fd = p[0];
	s->op_flags = POLLIN;
	s->user_data = 3;
	CHECK(enter(r.fd, 1, 0, 0, NULL) == 1 && !reap(&r, &c));
	s = get_sqe(&r);
	s->opcode = OP_POLL_REMOVE;
	s->addr = 3;
	s->user_data = 4;
	CHECK(enter(r.fd, 1, 2, ENTER_GETEVENTS, NULL) == 1);
	CHECK(reap(&r, &c) && c.user_data == 3 && c.res == -ECANCELED);
	CHECK(reap(&r, &c) && c.user_data == 4 && c.res == 0);
	struct timespec ts = { 0, 50000000 };
	s = get_sqe(&r);
	s->opcode = OP_TIMEOUT;
	s->addr = (uintptr_t)&ts;
	s->len = 1;
	s->user_data = 5;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(enter(r.fd, 1, 1, ENTER_GETEVENTS, NULL) == 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(reap(&r, &c) && c.user_data == 5 && c.res == -62 && ms >= 40);
	/* the rings unmapped with a request pending, then the pipe fed */
	s = get_sqe(&r);
	s->opcode = OP_READ;
	s->fd = p[0];
	s->addr = (uintptr_t)buf;
	s->len = 1;
	s->user_data = 6;
	CHECK(enter(r.fd, 1, 0, 0, NULL) == 1);
	int rfd = r.fd;
	munmap(r.sq, r.sq_len);
	munmap(r.cq, r.cq_len);
	munmap(r.sqes, r.p.sq_entries * 64);
	CHECK(write(p[1], "w", 1) == 1);
	CHECK(enter(rfd, 0, 1, ENTER_GETEVENTS, NULL) == 0);	/* runs it, into no ring view */
	CHECK(buf[0] == 'w');
	close(rfd);
	/* exit with a request pending */
	pid_t pid = fork();
	if (!pid) {
		struct ring q;
		if (ring_init(&q, 2))
			_exit(1);
		struct sqe *e = get_sqe(&q);
		e->opcode = OP_READ;
		e->fd = p[0];
		e->addr = (uintptr_t)buf;
		e->len = 1;
		_exit(enter(q.fd, 1, 0, 0, NULL) == 1 ? 0 : 2);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(write(p[1], "v", 1) == 1);
	char b;
	CHECK(read(p[0], &b, 1) == 1 && b == 'v');
	close(p[0]);
	close(p[1]);
}

static volatile int toggling;

static void *toggle_async(void *arg)
{
	int fd = *(int *)arg;

	while (toggling) {
		fcntl(fd, F_SETOWN, getpid());
		fcntl(fd, F_SETFL, O_ASYNC);
		fcntl(fd, F_SETFL, 0);
	}
	return NULL;
}

static void test_async_release(void)
{
	struct ring r;
	struct cqe c;
	pthread_t t;
	int done = 0, bad = 0;
	struct timespec t0, now;

	CHECK(ring_init(&r, 32) == 0);
	signal(SIGIO, SIG_IGN);
	/* polls that stay pending ahead of each pipe's: the ring's poll asks
	 * these sockets first (each under the network stack's lock), which
	 * widens the window where it holds the pipe's file */
	int socks[12];
	for (int i = 0; i < 12; i++) {
		socks[i] = socket(AF_INET, SOCK_DGRAM, 0);
		struct sqe *s = get_sqe(&r);
		s->opcode = OP_POLL_ADD;
		s->fd = socks[i];
		s->op_flags = POLLIN;
		s->user_data = 100 + i;
	}
	CHECK(enter(r.fd, 12, 0, 0, NULL) == 12);
	toggling = 1;
	CHECK(pthread_create(&t, NULL, toggle_async, &r.fd) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		int p[2];
		if (pipe(p))
			break;
		fcntl(p[0], F_SETOWN, getpid());	/* its release has work to do */
		fcntl(p[0], F_SETFL, O_ASYNC);
		struct sqe *s = get_sqe(&r);
		s->opcode = OP_POLL_ADD;
		s->fd = p[0];
		s->op_flags = POLLIN;
		s->user_data = 1;
		bad += enter(r.fd, 1, 0, 0, NULL) != 1;
		close(p[0]);	/* the request's reference is the last */
		s = get_sqe(&r);
		s->opcode = OP_POLL_REMOVE;
		s->addr = 1;
		s->user_data = 2;
		bad += enter(r.fd, 1, 2, ENTER_GETEVENTS, NULL) != 1;
		while (reap(&r, &c))
			;
		close(p[1]);
		done++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - t0.tv_sec < 3);
	toggling = 0;
	pthread_join(t, NULL);
	printf("# O_ASYNC toggled on the ring through %d poll cancels\n", done);
	CHECK(bad == 0 && done > 0);
	ring_free(&r);
	for (int i = 0; i < 12; i++)
		close(socks[i]);
}

int main(void)
{
	test_setup();
	test_ops();
	test_hostile();
	test_wait();
	test_async_release();
	return check_done();
}
