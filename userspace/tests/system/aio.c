#define _GNU_SOURCE
/*
 * Linux AIO (docs/aio.md) from the attacker's side: io_setup's limits and
 * aio-nr, the ring libaio reads, every opcode on a regular file, a pipe
 * read that must not block io_submit, IOCB_FLAG_RESFD, IOCB_CMD_POLL and
 * io_cancel, bad iocbs and partial submission, a full ring, the buffer or
 * the ring unmapped and the fd closed while a request is in flight, exit
 * with requests pending, io_destroy racing io_getevents, fork's child.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>

/* <linux/aio_abi.h> (the musl build has no kernel headers) */
typedef unsigned long aio_context_t;
enum { IOCB_CMD_PREAD = 0, IOCB_CMD_PWRITE = 1, IOCB_CMD_FSYNC = 2, IOCB_CMD_FDSYNC = 3,
       IOCB_CMD_POLL = 5, IOCB_CMD_NOOP = 6, IOCB_CMD_PREADV = 7, IOCB_CMD_PWRITEV = 8 };
#define IOCB_FLAG_RESFD 1
struct io_event {
	uint64_t data, obj;
	int64_t res, res2;
};
struct iocb {
	uint64_t aio_data;
	uint32_t aio_key, aio_rw_flags;
	uint16_t aio_lio_opcode;
	int16_t aio_reqprio;
	uint32_t aio_fildes;
	uint64_t aio_buf, aio_nbytes;
	int64_t aio_offset;
	uint64_t aio_reserved2;
	uint32_t aio_flags, aio_resfd;
};

#define TEST_NAME "aio"
#include "check.h"

struct ring {
	unsigned id, nr, head, tail, magic, compat, incompat, hdr;
	struct io_event ev[];
};

static long io_setup(unsigned n, aio_context_t *c) { return syscall(SYS_io_setup, n, c); }
static long io_destroy(aio_context_t c) { return syscall(SYS_io_destroy, c); }
static long io_submit(aio_context_t c, long n, struct iocb **v) { return syscall(SYS_io_submit, c, n, v); }
static long io_cancel(aio_context_t c, struct iocb *cb, struct io_event *e)
{
	return syscall(SYS_io_cancel, c, cb, e);
}
static long io_getevents(aio_context_t c, long min, long n, struct io_event *e, struct timespec *t)
{
	return syscall(SYS_io_getevents, c, min, n, e, t);
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void prep(struct iocb *cb, int op, int fd, void *buf, size_t n, long long off)
{
	memset(cb, 0, sizeof(*cb));
	cb->aio_lio_opcode = op;
	cb->aio_fildes = fd;
	cb->aio_buf = (uint64_t)(uintptr_t)buf;
	cb->aio_nbytes = n;
	cb->aio_offset = off;
	cb->aio_data = 0x1234;
}

static long submit1(aio_context_t c, struct iocb *cb)
{
	struct iocb *v[1] = { cb };

	return io_submit(c, 1, v);
}

static struct timespec zero_ts, sec_ts = { 1, 0 };

static void test_setup(void)
{
	aio_context_t c = 0;
	long base = read_long("/proc/sys/fs/aio-nr"), max = read_long("/proc/sys/fs/aio-max-nr");

	CHECK(base >= 0 && max == 65536);
	CHECK(io_setup(1, NULL) == -1 && errno == EFAULT);
	CHECK(io_setup(1, (void *)1) == -1 && errno == EFAULT);
	c = 1;
	CHECK(io_setup(1, &c) == -1 && errno == EINVAL);
	c = 0;
	CHECK(io_setup(0, &c) == -1 && errno == EINVAL);
	CHECK(io_setup(-1, &c) == -1 && errno == EINVAL);
	CHECK(io_setup(max + 1, &c) == -1 && errno == EAGAIN);
	CHECK(io_setup(5, &c) == 0 && c);
	CHECK(read_long("/proc/sys/fs/aio-nr") == base + 5);
	aio_context_t c2 = 0;
	CHECK(io_setup(max - 4, &c2) == -1 && errno == EAGAIN);	/* the sum is over */
	struct ring *r = (struct ring *)c;
	CHECK(r->magic == 0xa10a10a1 && r->incompat == 0 && r->hdr == 32 && r->nr >= 10);
	CHECK(r->head == 0 && r->tail == 0);
	CHECK(io_destroy(c) == 0);
	CHECK(read_long("/proc/sys/fs/aio-nr") == base);
	CHECK(io_destroy(c) == -1 && errno == EINVAL);
	CHECK(io_destroy(0) == -1 && errno == EINVAL);
	CHECK(io_getevents(0, 0, 0, NULL, NULL) == -1 && errno == EINVAL);
	CHECK(io_cancel(0, NULL, NULL) == -1 && errno == EFAULT);
	/* the ring went with it */
	CHECK(msync((void *)c, 4096, MS_ASYNC) == -1 && errno == ENOMEM);
}

static void test_file(aio_context_t c)
{
	char path[] = "/tmp/aioXXXXXX", buf[64], got[64] = { 0 };
	int fd = mkstemp(path);
	struct iocb cb, cb2, *v[2];
	struct io_event ev[4];

	CHECK(fd >= 0);
	unlink(path);
	memset(buf, 'x', sizeof(buf));
	prep(&cb, IOCB_CMD_PWRITE, fd, buf, sizeof(buf), 100);
	cb.aio_key = 77;	/* overwritten with KIOCB_KEY */
	CHECK(submit1(c, &cb) == 1 && cb.aio_key == 0);
	CHECK(io_getevents(c, 1, 4, ev, &sec_ts) == 1);
	CHECK(ev[0].res == 64 && ev[0].data == 0x1234 && ev[0].obj == (uintptr_t)&cb);
	prep(&cb, IOCB_CMD_PREAD, fd, got, sizeof(got), 100);
	CHECK(submit1(c, &cb) == 1);
	CHECK(io_getevents(c, 1, 4, ev, NULL) == 1 && ev[0].res == 64 && !memcmp(got, buf, 64));
	/* vectored */
	struct iovec iov[2] = { { got, 10 }, { got + 10, 20 } };
	memset(got, 0, sizeof(got));
	prep(&cb, IOCB_CMD_PREADV, fd, iov, 2, 100);
	CHECK(submit1(c, &cb) == 1);
	CHECK(io_getevents(c, 1, 1, ev, NULL) == 1 && ev[0].res == 30 && got[29] == 'x' && !got[30]);
	prep(&cb, IOCB_CMD_PWRITEV, fd, iov, 2000, 0);
	CHECK(submit1(c, &cb) == -1 && errno == EINVAL);	/* > UIO_MAXIOV */
	prep(&cb, IOCB_CMD_PREADV, fd, (void *)16, 1, 0);
	CHECK(submit1(c, &cb) == -1 && errno == EFAULT);
	/* fsync: no buffer allowed */
	prep(&cb, IOCB_CMD_FSYNC, fd, NULL, 0, 0);
	CHECK(submit1(c, &cb) == 1 && io_getevents(c, 1, 1, ev, NULL) == 1 && ev[0].res == 0);
	prep(&cb, IOCB_CMD_FDSYNC, fd, buf, 0, 0);
	CHECK(submit1(c, &cb) == -1 && errno == EINVAL);
	/* bad iocbs */
	prep(&cb, IOCB_CMD_NOOP, fd, buf, 1, 0);
	CHECK(submit1(c, &cb) == -1 && errno == EINVAL);
	prep(&cb, 99, fd, buf, 1, 0);
	CHECK(submit1(c, &cb) == -1 && errno == EINVAL);
	prep(&cb, IOCB_CMD_PREAD, fd, buf, 1, 0);
	cb.aio_reserved2 = 1;
	CHECK(submit1(c, &cb) == -1 && errno == EINVAL);
	prep(&cb, IOCB_CMD_PREAD, fd, buf, 1, -1);
	CHECK(submit1(c, &cb) == -1 && errno == EINVAL);
	prep(&cb, IOCB_CMD_PREAD, fd, buf, (size_t)-1, 0);
	CHECK(submit1(c, &cb) == -1 && errno == EINVAL);
	prep(&cb, IOCB_CMD_PREAD, fd, (void *)0xffff800000000000ULL, 10, 0);
	CHECK(submit1(c, &cb) == -1 && errno == EFAULT);
	prep(&cb, IOCB_CMD_PREAD, fd, buf, 1, 0);
	cb.aio_rw_flags = 0x8000;
	CHECK(submit1(c, &cb) == -1 && errno == EOPNOTSUPP);
	prep(&cb, IOCB_CMD_PREAD, 1000, buf, 1, 0);
	CHECK(submit1(c, &cb) == -1 && errno == EBADF);
	prep(&cb, IOCB_CMD_PREAD, fd, buf, 1, 0);
	cb.aio_flags = IOCB_FLAG_RESFD;
	cb.aio_resfd = fd;	/* not an eventfd */
	CHECK(submit1(c, &cb) == -1 && errno == EINVAL);
	cb.aio_resfd = 999;
	CHECK(submit1(c, &cb) == -1 && errno == EBADF);
	CHECK(io_submit(c, -1, v) == -1 && errno == EINVAL);
	CHECK(io_submit(c, 1, (void *)8) == -1 && errno == EFAULT);
	/* partial submission: the second is bad, one went */
	prep(&cb, IOCB_CMD_PREAD, fd, got, 8, 0);
	prep(&cb2, IOCB_CMD_PREAD, -1, got, 8, 0);
	v[0] = &cb;
	v[1] = &cb2;
	CHECK(io_submit(c, 2, v) == 1);
	v[1] = NULL;
	CHECK(io_submit(c, 2, v) == 1);
	CHECK(io_getevents(c, 2, 4, ev, NULL) == 2);
	/* a buffer the kernel cannot write: the event says so */
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	prep(&cb, IOCB_CMD_PREAD, fd, ro, 16, 100);
	CHECK(submit1(c, &cb) == 1 && io_getevents(c, 1, 1, ev, NULL) == 1 && ev[0].res == -EFAULT);
	munmap(ro, 4096);
	/* RESFD */
	int efd = eventfd(0, EFD_NONBLOCK);
	uint64_t n = 0;
	prep(&cb, IOCB_CMD_PREAD, fd, got, 8, 0);
	cb.aio_flags = IOCB_FLAG_RESFD;
	cb.aio_resfd = efd;
	v[0] = &cb;
	v[1] = &cb;
	CHECK(io_submit(c, 2, v) == 2);
	CHECK(read(efd, &n, 8) == 8 && n == 2);
	CHECK(io_getevents(c, 2, 2, ev, NULL) == 2);
	/* min_nr > nr, negative: EINVAL; bad events pointer: EFAULT */
	CHECK(io_getevents(c, 2, 1, ev, NULL) == -1 && errno == EINVAL);
	CHECK(io_getevents(c, -1, 1, ev, NULL) == -1 && errno == EINVAL);
	CHECK(submit1(c, &cb) == 1);
	CHECK(io_getevents(c, 1, 1, (void *)8, NULL) == -1 && errno == EFAULT);
	CHECK(io_getevents(c, 1, 1, ev, NULL) == 1);	/* not lost */
	CHECK(io_getevents(c, 0, 1, ev, &zero_ts) == 0);
	close(efd);
	close(fd);
}

/* A pipe read waits without blocking io_submit; the ring is read from
 * user space as libaio does. */
static void test_pipe(aio_context_t c)
{
	int p[2];
	char buf[16] = { 0 };
	struct iocb cb;
	struct io_event ev[2];
	struct ring *r = (struct ring *)c;

	CHECK(pipe(p) == 0);
	prep(&cb, IOCB_CMD_PREAD, p[0], buf, sizeof(buf), 0);
	CHECK(submit1(c, &cb) == 1);
	CHECK(io_getevents(c, 1, 1, ev, &zero_ts) == 0);
	struct timespec ms = { 0, 50000000 };
	CHECK(io_getevents(c, 1, 1, ev, &ms) == 0);	/* times out */
	CHECK(write(p[1], "hello", 5) == 5);
	for (int i = 0; i < 200 && __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) == r->head; i++)
		usleep(5000);
	unsigned h = r->head;
	CHECK(r->tail != h);
	if (r->tail != h) {
		CHECK(r->ev[h].res == 5 && r->ev[h].obj == (uintptr_t)&cb && !memcmp(buf, "hello", 5));
		__atomic_store_n(&r->head, (h + 1) % r->nr, __ATOMIC_RELEASE);
	}
	CHECK(io_getevents(c, 0, 1, ev, &zero_ts) == 0);
	/* the fd closed while in flight: the request keeps its file */
	int d = dup(p[0]);
	prep(&cb, IOCB_CMD_PREAD, d, buf, sizeof(buf), 0);
	CHECK(submit1(c, &cb) == 1);
	close(d);
	CHECK(write(p[1], "abc", 3) == 3);
	CHECK(io_getevents(c, 1, 1, ev, &sec_ts) == 1 && ev[0].res == 3);
	/* the buffer unmapped while in flight: EFAULT, nothing else hurt */
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	prep(&cb, IOCB_CMD_PREAD, p[0], m, 16, 0);
	CHECK(submit1(c, &cb) == 1);
	munmap(m, 4096);
	CHECK(write(p[1], "zz", 2) == 2);
	CHECK(io_getevents(c, 1, 1, ev, &sec_ts) == 1 && ev[0].res == -EFAULT);
	/* POLL, then io_cancel */
	prep(&cb, IOCB_CMD_POLL, p[0], (void *)POLLIN, 0, 0);
	CHECK(submit1(c, &cb) == 1);
	CHECK(io_getevents(c, 1, 1, ev, &zero_ts) == 0);
	CHECK(io_cancel(c, &cb, ev) == -1 && errno == EINPROGRESS);
	CHECK(io_getevents(c, 1, 1, ev, &sec_ts) == 1 && ev[0].res == 0);
	CHECK(io_cancel(c, &cb, ev) == -1 && errno == EINVAL);	/* gone */
	prep(&cb, IOCB_CMD_POLL, p[1], (void *)POLLOUT, 0, 0);
	CHECK(submit1(c, &cb) == 1);
	CHECK(io_getevents(c, 1, 1, ev, &sec_ts) == 1 && (ev[0].res & POLLOUT));
	prep(&cb, IOCB_CMD_POLL, p[0], (void *)POLLIN, 0, 0);
	CHECK(submit1(c, &cb) == 1);
	CHECK(write(p[1], "q", 1) == 1);
	CHECK(io_getevents(c, 1, 1, ev, &sec_ts) == 1 && (ev[0].res & POLLIN));
	CHECK(read(p[0], buf, 16) == 1);
	prep(&cb, IOCB_CMD_POLL, p[0], (void *)0x10000, 0, 0);
	CHECK(submit1(c, &cb) == -1 && errno == EINVAL);
	/* a write to a full pipe waits too */
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	static char big[65536 * 2];
	while (write(p[1], big, sizeof(big)) > 0)
		;
	fcntl(p[1], F_SETFL, 0);
	prep(&cb, IOCB_CMD_PWRITE, p[1], "tail", 4, 0);
	CHECK(submit1(c, &cb) == 1);
	CHECK(io_getevents(c, 1, 1, ev, &zero_ts) == 0);
	CHECK(read(p[0], big, 4096) == 4096);
	CHECK(io_getevents(c, 1, 1, ev, &sec_ts) == 1 && ev[0].res == 4);
	close(p[0]);
	close(p[1]);
}

/* The ring holds nr - 1 events: past that, EAGAIN. */
static void test_full(void)
{
	aio_context_t c = 0;
	int p[2];
	char b[4];
	struct iocb cb[300], *v[300];

	CHECK(io_setup(1, &c) == 0 && pipe(p) == 0);
	unsigned nr = ((struct ring *)c)->nr;
	CHECK(nr < 300);
	for (unsigned i = 0; i < 300; i++) {
		prep(&cb[i], IOCB_CMD_PREAD, p[0], b, 1, 0);
		v[i] = &cb[i];
	}
	long n = io_submit(c, 300, v);
	CHECK(n == (long)nr - 1);
	CHECK(io_submit(c, 1, v) == -1 && errno == EAGAIN);
	/* pending requests on the destroyed context are cancelled */
	CHECK(io_destroy(c) == 0);
	CHECK(write(p[1], "x", 1) == 1);
	CHECK(read(p[0], b, 1) == 1);	/* nobody took the byte */
	close(p[0]);
	close(p[1]);
}

static aio_context_t race_ctx;

static void *destroyer(void *arg)
{
	(void)arg;
	usleep(50000);
	return (void *)io_destroy(race_ctx);
}

static void test_races(void)
{
	struct io_event ev[1];
	pthread_t t;
	void *ret;

	CHECK(io_setup(4, &race_ctx) == 0);
	pthread_create(&t, NULL, destroyer, NULL);
	long r = io_getevents(race_ctx, 1, 1, ev, NULL);
	CHECK(r == -1 && errno == EINVAL);
	pthread_join(t, &ret);
	CHECK(ret == 0);
	/* fork: the child has none of the parent's contexts */
	aio_context_t c = 0;
	int p[2];
	CHECK(io_setup(4, &c) == 0 && pipe(p) == 0);
	pid_t pid = fork();
	if (!pid) {
		struct iocb cb;
		char b[4];
		prep(&cb, IOCB_CMD_PREAD, p[0], b, 1, 0);
		if (submit1(c, &cb) != -1 || errno != EINVAL)
			_exit(1);
		aio_context_t mine = 0;
		if (io_setup(2, &mine))
			_exit(2);
		/* exit with a request pending and one mapped ring */
		if (submit1(mine, &cb) != 1)
			_exit(3);
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(write(p[1], "y", 1) == 1);
	char b;
	CHECK(read(p[0], &b, 1) == 1 && b == 'y');	/* the dead child's read took nothing */
	/* munmap of the ring while a request is in flight */
	struct iocb cb;
	struct io_event e;
	char buf[4];
	prep(&cb, IOCB_CMD_PREAD, p[0], buf, 1, 0);
	CHECK(submit1(c, &cb) == 1);
	unsigned len = 4096;
	CHECK(munmap((void *)c, len) == 0);
	CHECK(write(p[1], "z", 1) == 1);
	CHECK(io_getevents(c, 1, 1, &e, &sec_ts) == 1 && e.res == 1 && buf[0] == 'z');
	CHECK(io_destroy(c) == 0);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	aio_context_t c = 0;

	test_setup();
	CHECK(io_setup(32, &c) == 0);
	test_file(c);
	test_pipe(c);
	CHECK(io_destroy(c) == 0);
	test_full();
	test_races();
	long n = read_long("/proc/sys/fs/aio-nr");
	CHECK(n == 0);
	return check_done();
}
