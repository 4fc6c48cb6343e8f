#define _GNU_SOURCE
/*
 * userfaultfd from the attacker's side:
 *  - creation: bad flags EINVAL, O_CLOEXEC/O_NONBLOCK show through fcntl,
 *    without CAP_SYS_PTRACE only UFFD_USER_MODE_ONLY (vm/unprivileged_
 *    userfaultfd is 0), /dev/userfaultfd's USERFAULTFD_IOC_NEW;
 *  - UFFDIO_API: once, bad api EINVAL (answer zeroed), features not built
 *    refused, every other ioctl and read EINVAL before it;
 *  - REGISTER: bad alignment, empty, kernel and wrapping ranges, holes,
 *    file mappings, MINOR mode, a range another userfaultfd holds (EBUSY);
 *    the ioctls mask says WRITEPROTECT only for WP mode;
 *  - COPY/ZEROPAGE: unregistered (ENOENT), misaligned or empty (EINVAL),
 *    present pages (EEXIST, EAGAIN for a part), a bad or overlapping
 *    source (EFAULT), across the VMA's end (ENOENT);
 *  - faults: a user-mode read and write, a kernel copy (write(2) from the
 *    range) waiting for the handler; UFFD_USER_MODE_ONLY makes the latter
 *    EFAULT; a signal ends a kernel-mode wait with EFAULT;
 *  - the waiter and the file: close while a fault waits (resolved as
 *    usual), SIGKILL of a waiting process (user and kernel mode), munmap
 *    of the range while a fault waits (COPY ENOENT, WAKE: EFAULT);
 *  - write protection: a write waits, is reported WP|WRITE and is not
 *    visible until UFFDIO_WRITEPROTECT lifts it; mprotect keeps it;
 *  - poll/epoll readiness, O_NONBLOCK reads, fork drops the registration.
 */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Linux's ABI (<linux/userfaultfd.h>, which musl has not) */
#define UFFD_API 0xAAULL
#define UFFD_USER_MODE_ONLY 1
#define _UFFDIO_REGISTER 0x00
#define _UFFDIO_WAKE 0x02
#define _UFFDIO_COPY 0x03
#define _UFFDIO_ZEROPAGE 0x04
#define _UFFDIO_WRITEPROTECT 0x06
#define UFFDIO_API 0xc018aa3f
#define UFFDIO_REGISTER 0xc020aa00
#define UFFDIO_UNREGISTER 0x8010aa01
#define UFFDIO_WAKE 0x8010aa02
#define UFFDIO_COPY 0xc028aa03
#define UFFDIO_ZEROPAGE 0xc020aa04
#define UFFDIO_WRITEPROTECT 0xc018aa06
#define USERFAULTFD_IOC_NEW 0xaa00
#define UFFD_EVENT_PAGEFAULT 0x12
#define UFFD_PAGEFAULT_FLAG_WRITE 1
#define UFFD_PAGEFAULT_FLAG_WP 2
#define UFFD_FEATURE_PAGEFAULT_FLAG_WP (1ULL << 0)
#define UFFD_FEATURE_EVENT_FORK (1ULL << 1)
#define UFFD_FEATURE_EVENT_REMAP (1ULL << 2)
#define UFFD_FEATURE_MISSING_SHMEM (1ULL << 5)
#define UFFD_FEATURE_EVENT_UNMAP (1ULL << 6)
#define UFFD_FEATURE_SIGBUS (1ULL << 7)
#define UFFD_FEATURE_THREAD_ID (1ULL << 8)
#define UFFD_FEATURE_EXACT_ADDRESS (1ULL << 11)
#define UFFDIO_REGISTER_MODE_MISSING (1ULL << 0)
#define UFFDIO_REGISTER_MODE_WP (1ULL << 1)
#define UFFDIO_REGISTER_MODE_MINOR (1ULL << 2)
#define UFFDIO_COPY_MODE_WP (1ULL << 1)
#define UFFDIO_WRITEPROTECT_MODE_WP (1ULL << 0)
#define UFFDIO_WRITEPROTECT_MODE_DONTWAKE (1ULL << 1)

struct uffd_msg {
	uint8_t event, reserved1;
	uint16_t reserved2;
	uint32_t reserved3;
	union {
		struct {
			uint64_t flags, address;
			union { uint32_t ptid; } feat;
		} pagefault;
		struct { uint64_t r1, r2, r3; } reserved;
	} arg;
} __attribute__((packed));
struct uffdio_api { uint64_t api, features, ioctls; };
struct uffdio_range { uint64_t start, len; };
struct uffdio_register { struct uffdio_range range; uint64_t mode, ioctls; };
struct uffdio_copy { uint64_t dst, src, len, mode; int64_t copy; };
struct uffdio_zeropage { struct uffdio_range range; uint64_t mode; int64_t zeropage; };
struct uffdio_writeprotect { struct uffdio_range range; uint64_t mode; };

#define TEST_NAME "userfaultfd"
#include "check.h"
#include "threads.h"

#define PG 4096UL

static int uffd_new(int flags)
{
	return (int)syscall(323, flags);
}

static int uffd_ready(int flags)
{
	int fd = uffd_new(flags);
	struct uffdio_api api = { .api = UFFD_API };

	if (fd < 0 || ioctl(fd, UFFDIO_API, &api))
		return -1;
	return fd;
}

static char *map(size_t n)
{
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static int reg(int fd, void *p, size_t len, uint64_t mode, uint64_t *ioctls)
{
	struct uffdio_register r = { .range = { (uintptr_t)p, len }, .mode = mode };
	int rc = ioctl(fd, UFFDIO_REGISTER, &r);
	if (ioctls)
		*ioctls = r.ioctls;
	return rc;
}

static int copy(int fd, void *dst, const void *src, size_t len, int64_t *out)
{
	struct uffdio_copy c = { .dst = (uintptr_t)dst, .src = (uintptr_t)src, .len = len,
				 .copy = 12345 };
	int rc = ioctl(fd, UFFDIO_COPY, &c);
	if (out)
		*out = c.copy;
	return rc;
}

/* The next message (waits up to 5 s for one). */
static int next_msg(int fd, struct uffd_msg *m)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, 5000) != 1)
		return -1;
	return read(fd, m, sizeof(*m)) == sizeof(*m) ? 0 : -1;
}

static void msleep(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

static void creation(void)
{
	errno = 0;
	CHECK(uffd_new(0x80) == -1 && errno == EINVAL);
	int fd = uffd_new(O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	struct uffd_msg m;
	uint64_t x = 0;
	errno = 0;
	CHECK(read(fd, &m, sizeof(m)) == -1 && errno == EINVAL);	/* before the API */
	struct uffdio_range r = { 0x100000, PG };
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_WAKE, &r) == -1 && errno == EINVAL);
	struct uffdio_api api = { .api = 0x55, .features = 0, .ioctls = 7 };
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_API, &api) == -1 && errno == EINVAL);
	CHECK(api.api == 0 && api.ioctls == 0);		/* zeroed, as Linux */
	api = (struct uffdio_api){ .api = UFFD_API, .features = 1ULL << 40 };
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_API, &api) == -1 && errno == EINVAL);	/* not a feature */
	api = (struct uffdio_api){ .api = UFFD_API, .features = UFFD_FEATURE_EVENT_FORK };
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_API, &api) == -1 && errno == EINVAL);	/* not built */
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_API, (void *)8) == -1 && errno == EFAULT);
	api = (struct uffdio_api){ .api = UFFD_API };
	CHECK(ioctl(fd, UFFDIO_API, &api) == 0);
	CHECK(api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP);
	CHECK(!(api.features & (UFFD_FEATURE_EVENT_FORK | UFFD_FEATURE_EVENT_REMAP |
				UFFD_FEATURE_EVENT_UNMAP | UFFD_FEATURE_MISSING_SHMEM)));
	CHECK(api.ioctls & (1ULL << _UFFDIO_REGISTER));
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_API, &api) == -1 && errno == EINVAL);	/* once */
	errno = 0;
	CHECK(read(fd, &m, 8) == -1 && errno == EINVAL);	/* too short */
	errno = 0;
	CHECK(read(fd, &m, sizeof(m)) == -1 && errno == EAGAIN);
	errno = 0;
	CHECK(ioctl(fd, 0x1234, &x) == -1 && errno == EINVAL);
	close(fd);

	/* /dev/userfaultfd */
	int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	CHECK(dev >= 0);
	errno = 0;
	CHECK(ioctl(dev, USERFAULTFD_IOC_NEW, 0x80) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(ioctl(dev, UFFDIO_API, &api) == -1 && errno == EINVAL);
	fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC);
	CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
	close(fd);
	close(dev);

	/* the sysctl, and an unprivileged caller */
	char buf[8] = "";
	int s = open("/proc/sys/vm/unprivileged_userfaultfd", O_RDONLY);
	CHECK(s >= 0 && read(s, buf, sizeof(buf)) >= 1 && buf[0] == '0');
	close(s);
	pid_t c = fork();
	if (c == 0) {
		if (setuid(65534))
			_exit(2);
		if (uffd_new(0) != -1 || errno != EPERM)
			_exit(3);
		if (uffd_new(UFFD_USER_MODE_ONLY) < 0)
			_exit(4);
		if (open("/dev/userfaultfd", O_RDWR) != -1)
			_exit(5);
		_exit(0);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void registration(void)
{
	int fd = uffd_ready(O_NONBLOCK);
	int fd2 = uffd_ready(O_NONBLOCK);
	char *p = map(4 * PG);
	uint64_t io = 0;

	CHECK(fd >= 0 && fd2 >= 0 && p);
	errno = 0;
	CHECK(reg(fd, p + 1, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(reg(fd, p, PG + 1, UFFDIO_REGISTER_MODE_MISSING, NULL) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(reg(fd, p, 0, UFFDIO_REGISTER_MODE_MISSING, NULL) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(reg(fd, p, PG, 0, NULL) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(reg(fd, p, PG, 1ULL << 9, NULL) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(reg(fd, p, PG, UFFDIO_REGISTER_MODE_MINOR, NULL) == -1 && errno == EINVAL);
	errno = 0;	/* the kernel half */
	CHECK(reg(fd, (void *)0xffff800000000000UL, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == -1 &&
	      errno == EINVAL);
	errno = 0;
	CHECK(reg(fd, (void *)0xffffffff80000000UL, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == -1 &&
	      errno == EINVAL);
	errno = 0;	/* across the top of user space, and wrapping */
	CHECK(reg(fd, (void *)0x7ffffffff000UL, 2 * PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == -1 &&
	      errno == EINVAL);
	errno = 0;
	CHECK(reg(fd, p, (size_t)-PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == -1 && errno == EINVAL);
	errno = 0;	/* page 0 */
	CHECK(reg(fd, NULL, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == -1 && errno == EINVAL);
	errno = 0;	/* nothing mapped there */
	munmap(p + 3 * PG, PG);
	CHECK(reg(fd, p + 3 * PG, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(reg(fd, (void *)8, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_REGISTER, (void *)16) == -1 && errno == EFAULT);
	/* a file mapping */
	int f = open("/tmp/uffd_file", O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(f >= 0 && ftruncate(f, PG) == 0);
	char *fm = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	CHECK(fm != MAP_FAILED);
	errno = 0;
	CHECK(reg(fd, fm, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == -1 && errno == EINVAL);
	munmap(fm, PG);
	close(f);
	unlink("/tmp/uffd_file");

	CHECK(reg(fd, p, PG, UFFDIO_REGISTER_MODE_MISSING, &io) == 0);
	CHECK((io & (1ULL << _UFFDIO_COPY)) && (io & (1ULL << _UFFDIO_ZEROPAGE)) &&
	      (io & (1ULL << _UFFDIO_WAKE)) && !(io & (1ULL << _UFFDIO_WRITEPROTECT)));
	CHECK(reg(fd, p, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0);	/* again: fine */
	errno = 0;	/* another userfaultfd's */
	CHECK(reg(fd2, p, 2 * PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == -1 && errno == EBUSY);
	CHECK(reg(fd2, p + PG, PG, UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP, &io) == 0);
	CHECK(io & (1ULL << _UFFDIO_WRITEPROTECT));
	/* a hole inside is fine, as Linux */
	CHECK(reg(fd2, p + 2 * PG, 2 * PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0);
	struct uffdio_range r = { (uintptr_t)p, PG };
	CHECK(ioctl(fd, UFFDIO_UNREGISTER, &r) == 0);
	r.start++;
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_UNREGISTER, &r) == -1 && errno == EINVAL);
	/* unregistered: an ordinary fault */
	CHECK(p[5] == 0);
	munmap(p, 3 * PG);
	close(fd);
	close(fd2);
}

static void copies(void)
{
	int fd = uffd_ready(O_NONBLOCK | UFFD_USER_MODE_ONLY);
	char *p = map(4 * PG), *src = map(2 * PG), *other = map(PG);
	int64_t n;

	CHECK(fd >= 0 && p && src && other);
	memset(src, 'S', 2 * PG);
	CHECK(reg(fd, p, 3 * PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0);
	errno = 0;	/* not registered */
	CHECK(copy(fd, other, src, PG, &n) == -1 && errno == ENOENT && n == -ENOENT);
	errno = 0;	/* past the registered VMA */
	CHECK(copy(fd, p + 2 * PG, src, 2 * PG, &n) == -1 && errno == ENOENT);
	errno = 0;
	CHECK(copy(fd, p + 1, src, PG, &n) == -1 && errno == EINVAL && n == 12345);
	errno = 0;
	CHECK(copy(fd, p, src, PG - 1, NULL) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(copy(fd, p, src, 0, NULL) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(copy(fd, p, (void *)-PG, PG, NULL) == -1 && errno == EINVAL);	/* wraps */
	errno = 0;
	CHECK(copy(fd, (void *)0xffff800000000000UL, src, PG, NULL) == -1 && errno == EINVAL);
	errno = 0;	/* a bad source */
	CHECK(copy(fd, p, (void *)0x1000, PG, &n) == -1 && errno == EFAULT && n == -EFAULT);
	struct uffdio_copy c = { (uintptr_t)p, (uintptr_t)src, PG, 1ULL << 5, 0 };
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_COPY, &c) == -1 && errno == EINVAL);	/* bad mode */
	c.mode = UFFDIO_COPY_MODE_WP;	/* WP copy into a range not registered WP */
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_COPY, &c) == -1 && errno == EINVAL);
	CHECK(copy(fd, p, src, PG, &n) == 0 && n == (int64_t)PG && p[100] == 'S');
	errno = 0;	/* already there */
	CHECK(copy(fd, p, src, PG, &n) == -1 && errno == EEXIST && n == -EEXIST);
	errno = 0;	/* one page there, the next not: the part, then EAGAIN */
	CHECK(copy(fd, p + PG, src, 2 * PG, &n) == 0 && n == 2 * (int64_t)PG);
	CHECK(p[PG] == 'S' && p[2 * PG + 7] == 'S');
	munmap(p + PG, 2 * PG);
	CHECK(mmap(p + PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		   -1, 0) == p + PG);
	CHECK(reg(fd, p + PG, 2 * PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0);
	CHECK(copy(fd, p + 2 * PG, src, PG, NULL) == 0);
	errno = 0;
	CHECK(copy(fd, p + PG, src, 2 * PG, &n) == -1 && errno == EAGAIN && n == (int64_t)PG);
	/* overlapping: a source inside the missing registered range faults in
	 * the kernel, which a user-mode-only userfaultfd refuses (EFAULT) */
	munmap(p, 3 * PG);
	CHECK(mmap(p, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		   -1, 0) == p);
	CHECK(reg(fd, p, 3 * PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0);
	errno = 0;
	CHECK(copy(fd, p, p + PG, 2 * PG, &n) == -1 && errno == EFAULT && n == -EFAULT);
	/* zeropage */
	struct uffdio_zeropage z = { { (uintptr_t)p, PG }, 0, 77 };
	CHECK(ioctl(fd, UFFDIO_ZEROPAGE, &z) == 0 && z.zeropage == (int64_t)PG && p[9] == 0);
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_ZEROPAGE, &z) == -1 && errno == EEXIST && z.zeropage == -EEXIST);
	z.mode = 4;
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_ZEROPAGE, &z) == -1 && errno == EINVAL);
	z = (struct uffdio_zeropage){ { (uintptr_t)other, PG }, 0, 0 };
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_ZEROPAGE, &z) == -1 && errno == ENOENT);
	struct uffdio_range r = { (uintptr_t)p, 0 };
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_WAKE, &r) == -1 && errno == EINVAL);
	r.len = PG;
	CHECK(ioctl(fd, UFFDIO_WAKE, &r) == 0);	/* nobody waits: fine */
	/* a kernel copy from the registered range: EFAULT (user mode only) */
	int pfd[2];
	CHECK(pipe(pfd) == 0);
	errno = 0;
	CHECK(write(pfd[1], p + 2 * PG, 16) == -1 && errno == EFAULT);
	close(pfd[0]);
	close(pfd[1]);
	close(fd);
	munmap(p, 4 * PG);
	munmap(src, 2 * PG);
	munmap(other, PG);
}

/* ---- faults handled by another thread ---- */

struct job {
	int fd;
	char *p;
	int how;	/* 0 user read, 1 user write, 2 kernel copy (write(2)) */
	long result;
	char seen;
	pid_t tid;
};

static void *faulter(void *arg)
{
	struct job *j = arg;

	j->tid = sys_gettid();
	if (j->how == 0) {
		j->seen = *(volatile char *)(j->p + 10);
	} else if (j->how == 1) {
		*(volatile char *)(j->p + 20) = 'W';
		j->seen = j->p[20];
	} else {
		int pfd[2];
		if (pipe(pfd))
			return NULL;
		errno = 0;
		j->result = write(pfd[1], j->p, 64);
		if (j->result < 0)
			j->result = -errno;
		else if (read(pfd[0], &j->seen, 1) != 1)
			j->seen = '?';
		close(pfd[0]);
		close(pfd[1]);
	}
	return NULL;
}

static void handled(void)
{
	char *src = map(PG);
	memset(src, 'X', PG);
	for (int how = 0; how < 3; how++) {
		int fd = uffd_new(O_CLOEXEC | O_NONBLOCK);
		struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_THREAD_ID |
					  (how == 0 ? UFFD_FEATURE_EXACT_ADDRESS : 0) };
		CHECK(fd >= 0 && ioctl(fd, UFFDIO_API, &api) == 0);
		struct job j = { .fd = fd, .p = map(PG), .how = how };
		CHECK(reg(fd, j.p, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0);
		pthread_t t = start_thread(faulter, &j);
		struct uffd_msg m;
		CHECK(next_msg(fd, &m) == 0);
		CHECK(m.event == UFFD_EVENT_PAGEFAULT &&
		      m.arg.pagefault.address == (uintptr_t)j.p + (how == 0 ? 10 : 0));
		CHECK(!!(m.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WRITE) == (how == 1));
		CHECK(m.arg.pagefault.feat.ptid == (uint32_t)j.tid || j.tid == 0);
		struct pollfd pf = { fd, POLLIN, 0 };
		CHECK(poll(&pf, 1, 0) == 0);	/* read: no longer pending */
		msleep(20);
		CHECK(j.seen == 0);		/* still waiting */
		CHECK(copy(fd, j.p, src, PG, NULL) == 0);
		join_thread(t);
		CHECK(j.seen == (how == 1 ? 'W' : 'X'));
		if (how == 2)
			CHECK(j.result == 64);
		close(fd);
		munmap(j.p, PG);
	}
	munmap(src, PG);
}

/* the handler closes the userfaultfd: the waiting fault is resolved as
 * usual (a zeroed page), and later ones too */
static void close_while_waiting(void)
{
	for (int how = 0; how < 3; how++) {
		int fd = uffd_ready(O_NONBLOCK);
		struct job j = { .fd = fd, .p = map(PG), .how = how };
		CHECK(reg(fd, j.p, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0);
		pthread_t t = start_thread(faulter, &j);
		struct uffd_msg m;
		CHECK(next_msg(fd, &m) == 0);
		close(fd);
		join_thread(t);
		CHECK(j.seen == (how == 1 ? 'W' : 0));
		if (how == 2)
			CHECK(j.result == 64);
		munmap(j.p, PG);
	}
	/* closed before the fault is even read: it never blocks */
	int fd = uffd_ready(O_NONBLOCK);
	struct job j = { .fd = fd, .p = map(PG), .how = 0 };
	CHECK(reg(fd, j.p, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0);
	pthread_t t = start_thread(faulter, &j);
	msleep(30);
	close(fd);
	join_thread(t);
	CHECK(j.seen == 0);
	munmap(j.p, PG);
}

static void on_sig(int s)
{
	(void)s;
}

/* a signal: a user-mode fault runs the handler and waits again; a kernel
 * copy fails with EFAULT, as Linux's */
static void signals(void)
{
	struct sigaction sa = { .sa_handler = on_sig };
	sigaction(SIGUSR1, &sa, NULL);
	for (int how = 0; how < 3; how += 2) {
		int fd = uffd_ready(O_NONBLOCK);
		struct job j = { .fd = fd, .p = map(PG), .how = how };
		CHECK(reg(fd, j.p, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0);
		pthread_t t = start_thread(faulter, &j);
		struct uffd_msg m;
		CHECK(next_msg(fd, &m) == 0);
		pthread_kill(t, SIGUSR1);
		if (how == 0) {
			CHECK(next_msg(fd, &m) == 0);	/* faulted again after the handler */
			struct uffdio_zeropage z = { { (uintptr_t)j.p, PG }, 0, 0 };
			CHECK(ioctl(fd, UFFDIO_ZEROPAGE, &z) == 0);
		}
		join_thread(t);
		if (how == 2)
			CHECK(j.result == -EFAULT);
		close(fd);
		munmap(j.p, PG);
	}
}

/* SIGKILL of a process whose thread waits (user and kernel mode) */
static void killable(void)
{
	for (int how = 0; how < 3; how += 2) {
		int pfd[2];
		CHECK(pipe(pfd) == 0);
		pid_t c = fork();
		if (c == 0) {
			int fd = uffd_ready(0);
			struct job j = { .fd = fd, .p = map(PG), .how = how };
			if (fd < 0 || reg(fd, j.p, PG, UFFDIO_REGISTER_MODE_MISSING, NULL))
				_exit(2);
			if (write(pfd[1], "r", 1) != 1)
				_exit(3);
			faulter(&j);	/* never resolved */
			_exit(4);
		}
		char b;
		CHECK(read(pfd[0], &b, 1) == 1);
		msleep(50);
		kill(c, SIGKILL);
		int st;
		CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		close(pfd[0]);
		close(pfd[1]);
	}
	/* a process exits with a thread waiting and its userfaultfd open */
	pid_t c = fork();
	if (c == 0) {
		int fd = uffd_ready(0);
		static struct job j;
		j = (struct job){ .fd = fd, .p = map(PG), .how = 0 };
		if (fd < 0 || reg(fd, j.p, PG, UFFDIO_REGISTER_MODE_MISSING, NULL))
			_exit(2);
		start_thread(faulter, &j);
		msleep(30);
		_exit(7);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 7);
}

/* munmap of the range while a kernel copy waits on it */
static void munmap_while_waiting(void)
{
	int fd = uffd_ready(O_NONBLOCK);
	char *src = map(PG);
	struct job j = { .fd = fd, .p = map(PG), .how = 2 };
	CHECK(reg(fd, j.p, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0);
	pthread_t t = start_thread(faulter, &j);
	struct uffd_msg m;
	CHECK(next_msg(fd, &m) == 0);
	CHECK(munmap(j.p, PG) == 0);
	errno = 0;
	CHECK(copy(fd, j.p, src, PG, NULL) == -1 && errno == ENOENT);
	struct uffdio_range r = { (uintptr_t)j.p, PG };
	CHECK(ioctl(fd, UFFDIO_WAKE, &r) == 0);
	join_thread(t);
	CHECK(j.result == -EFAULT);
	close(fd);
	/* and the other orders: the range goes first, then the file; the file
	 * first, then the range */
	fd = uffd_ready(0);
	char *p = map(2 * PG);
	CHECK(reg(fd, p, 2 * PG, UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP, NULL) == 0);
	CHECK(munmap(p, PG) == 0);
	close(fd);
	CHECK(p[PG + 3] == 0);
	CHECK(munmap(p + PG, PG) == 0);
	munmap(src, PG);
}

static void *writer(void *arg)
{
	struct job *j = arg;
	j->p[0xf] = 'W';
	return NULL;
}

static void write_protect(void)
{
	int fd = uffd_new(O_NONBLOCK);
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	CHECK(fd >= 0 && ioctl(fd, UFFDIO_API, &api) == 0);
	char *p = map(2 * PG);
	memset(p, 0, 2 * PG);
	struct uffdio_writeprotect w = { { (uintptr_t)p, PG }, UFFDIO_WRITEPROTECT_MODE_WP };
	errno = 0;	/* not registered WP */
	CHECK(ioctl(fd, UFFDIO_WRITEPROTECT, &w) == -1 && errno == ENOENT);
	CHECK(reg(fd, p, PG, UFFDIO_REGISTER_MODE_WP, NULL) == 0);
	w.mode = UFFDIO_WRITEPROTECT_MODE_WP | UFFDIO_WRITEPROTECT_MODE_DONTWAKE;
	errno = 0;
	CHECK(ioctl(fd, UFFDIO_WRITEPROTECT, &w) == -1 && errno == EINVAL);
	w.mode = UFFDIO_WRITEPROTECT_MODE_WP;
	w.range.len = 2 * PG;
	errno = 0;	/* the second page is not registered */
	CHECK(ioctl(fd, UFFDIO_WRITEPROTECT, &w) == -1 && errno == ENOENT);
	w.range.len = PG;
	CHECK(ioctl(fd, UFFDIO_WRITEPROTECT, &w) == 0);
	/* mprotect does not lift it */
	CHECK(mprotect(p, PG, PROT_READ) == 0 && mprotect(p, PG, PROT_READ | PROT_WRITE) == 0);
	struct job j = { .fd = fd, .p = p };
	pthread_t t = start_thread(writer, &j);
	struct uffd_msg m;
	CHECK(next_msg(fd, &m) == 0);
	CHECK(m.arg.pagefault.flags == (UFFD_PAGEFAULT_FLAG_WP | UFFD_PAGEFAULT_FLAG_WRITE));
	CHECK(m.arg.pagefault.address == (uintptr_t)p);
	msleep(20);
	CHECK(p[0xf] == 0);	/* not visible while protected */
	/* a missing-mode COPY on a WP-only range: EEXIST (the page is there) */
	w.mode = 0;
	CHECK(ioctl(fd, UFFDIO_WRITEPROTECT, &w) == 0);
	join_thread(t);
	CHECK(p[0xf] == 'W');
	p[1] = 1;	/* writable again */
	close(fd);
	munmap(p, 2 * PG);
}

static void readiness(void)
{
	int fd = uffd_ready(0);	/* blocking: never "ready", as Linux */
	struct pollfd pf = { fd, POLLIN, 0 };
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLERR));
	close(fd);
	fd = uffd_new(O_NONBLOCK);
	pf.fd = fd;
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLERR));	/* no API yet */
	struct uffdio_api api = { .api = UFFD_API };
	CHECK(ioctl(fd, UFFDIO_API, &api) == 0);
	CHECK(poll(&pf, 1, 0) == 0);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN }, out;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	CHECK(epoll_wait(ep, &out, 1, 0) == 0);
	struct job j = { .fd = fd, .p = map(PG), .how = 0 };
	CHECK(reg(fd, j.p, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0);
	pthread_t t = start_thread(faulter, &j);
	CHECK(epoll_wait(ep, &out, 1, 5000) == 1 && (out.events & EPOLLIN));
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN));
	struct uffd_msg m[2];
	CHECK(read(fd, m, sizeof(m)) == sizeof(m[0]));	/* one there */
	errno = 0;
	CHECK(read(fd, m, sizeof(m)) == -1 && errno == EAGAIN);
	struct uffdio_zeropage z = { { (uintptr_t)j.p, PG }, 0, 0 };
	CHECK(ioctl(fd, UFFDIO_ZEROPAGE, &z) == 0);
	join_thread(t);
	close(ep);
	close(fd);
	munmap(j.p, PG);
}

/* fork without UFFD_FEATURE_EVENT_FORK: the child's range is ordinary */
static void forked(void)
{
	int fd = uffd_ready(O_NONBLOCK);
	char *p = map(PG);
	CHECK(reg(fd, p, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0);
	pid_t c = fork();
	if (c == 0) {
		alarm(5);
		_exit(p[3] == 0 ? 0 : 1);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	struct pollfd pf = { fd, POLLIN, 0 };
	CHECK(poll(&pf, 1, 0) == 0);	/* nothing reported for the child */
	close(fd);
	munmap(p, PG);
}

/* Many threads fault on a few pages at once while the handler fills
 * them: every fault is woken exactly when its page is there (a COPY that
 * races with a fault being queued must not be lost). */
#define NTHR 6
static char *many_p;
static volatile int many_done;

static void *many_fault(void *arg)
{
	long i = (long)arg;
	char c = *(volatile char *)(many_p + (i % 3) * PG + i);
	__atomic_add_fetch(&many_done, 1, __ATOMIC_SEQ_CST);
	return (void *)(long)c;
}

static void many(void)
{
	char *src = map(PG);
	memset(src, 'M', PG);
	for (int round = 0; round < 3; round++) {
		int fd = uffd_ready(O_NONBLOCK);
		many_p = map(3 * PG);
		many_done = 0;
		CHECK(reg(fd, many_p, 3 * PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0);
		pthread_t t[NTHR];
		for (long i = 0; i < NTHR; i++)
			t[i] = start_thread(many_fault, (void *)i);
		double end = mono_now() + 10;
		while (__atomic_load_n(&many_done, __ATOMIC_SEQ_CST) < NTHR && mono_now() < end) {
			struct pollfd pf = { fd, POLLIN, 0 };
			if (poll(&pf, 1, 10) != 1)
				continue;
			struct uffd_msg m;
			if (read(fd, &m, sizeof(m)) != sizeof(m))
				continue;
			int64_t n;
			if (copy(fd, (void *)(uintptr_t)m.arg.pagefault.address, src, PG, &n) &&
			    errno != EEXIST)
				CHECK(0);
		}
		CHECK(many_done == NTHR);
		for (int i = 0; i < NTHR; i++)
			CHECK((long)join_thread(t[i]) == 'M');
		close(fd);
		munmap(many_p, 3 * PG);
	}
	munmap(src, PG);
}

/* Chaos for 0.6 s: random ioctls (register, unregister, copy, zeropage,
 * wake, writeprotect with random ranges and modes) while threads fault in
 * the same region and another keeps unmapping and mapping parts of it;
 * then the process ends (its threads may be waiting). The kernel must
 * survive and the process must go. */
static char *chaos_p;
static int chaos_fd;
#define CHAOS_PAGES 16

static unsigned chaos_rand(unsigned *s)
{
	*s = *s * 1103515245 + 12345;
	return *s >> 8;
}

static __thread sigjmp_buf chaos_env;

static void chaos_segv(int sig)
{
	(void)sig;
	siglongjmp(chaos_env, 1);	/* an unmapped or read-only page: next */
}

static void *chaos_faulter(void *arg)
{
	unsigned s = (unsigned)(long)arg;
	for (;;) {
		sigsetjmp(chaos_env, 1);
		char *a = chaos_p + (chaos_rand(&s) % CHAOS_PAGES) * PG + chaos_rand(&s) % PG;
		if (chaos_rand(&s) & 1)
			*(volatile char *)a = 1;
		else
			(void)*(volatile char *)a;
	}
	return NULL;
}

static void *chaos_mapper(void *arg)
{
	unsigned s = (unsigned)(long)arg;
	for (;;) {
		char *a = chaos_p + (chaos_rand(&s) % CHAOS_PAGES) * PG;
		munmap(a, PG);
		mmap(a, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		msleep(1);
	}
	return NULL;
}

static void chaos_child(void)
{
	unsigned s = (unsigned)getpid();
	char *src = map(4 * PG), *all = map((CHAOS_PAGES + 4) * PG);
	if (!src || !all)
		_exit(2);
	memset(src, 'C', 4 * PG);	/* never a fault of its own */
	chaos_p = all + 2 * PG;		/* stray ranges stay in this mapping */
	chaos_fd = uffd_new(O_NONBLOCK);
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	if (!src || !chaos_p || chaos_fd < 0 || ioctl(chaos_fd, UFFDIO_API, &api))
		_exit(2);
	struct sigaction sa = { .sa_handler = chaos_segv, .sa_flags = SA_NODEFER };
	sigaction(SIGSEGV, &sa, NULL);
	for (long i = 0; i < 3; i++)
		start_thread(chaos_faulter, (void *)(i + 1));
	start_thread(chaos_mapper, (void *)7L);
	double end = mono_now() + 0.6;
	while (mono_now() < end) {
		uint64_t start = (uintptr_t)chaos_p + (chaos_rand(&s) % (CHAOS_PAGES + 2)) * PG -
				 PG + (chaos_rand(&s) % 8 == 0);
		uint64_t len = (chaos_rand(&s) % 5) * PG + (chaos_rand(&s) % 8 == 0);
		uint64_t mode = chaos_rand(&s) % 4;
		struct uffd_msg m;
		while (read(chaos_fd, &m, sizeof(m)) == sizeof(m))
			;
		switch (chaos_rand(&s) % 7) {
		case 0: {
			struct uffdio_register r = { { start, len }, mode ? mode : 1, 0 };
			ioctl(chaos_fd, UFFDIO_REGISTER, &r);
			break;
		}
		case 1: {
			struct uffdio_range r = { start, len };
			ioctl(chaos_fd, UFFDIO_UNREGISTER, &r);
			break;
		}
		case 2: {
			struct uffdio_copy c = { start, (uintptr_t)src, len, mode & 2, 0 };
			ioctl(chaos_fd, UFFDIO_COPY, &c);
			break;
		}
		case 3: {
			struct uffdio_zeropage z = { { start, len }, 0, 0 };
			ioctl(chaos_fd, UFFDIO_ZEROPAGE, &z);
			break;
		}
		case 4: {
			struct uffdio_writeprotect w = { { start, len }, mode & 1 };
			ioctl(chaos_fd, UFFDIO_WRITEPROTECT, &w);
			break;
		}
		case 5:
			mprotect((void *)(start & ~(PG - 1)), PG, (mode & 1) ? PROT_READ :
				 PROT_READ | PROT_WRITE);
			break;
		default: {
			struct uffdio_range r = { (uintptr_t)chaos_p, CHAOS_PAGES * PG };
			ioctl(chaos_fd, UFFDIO_WAKE, &r);
			break;
		}
		}
	}
	if (chaos_rand(&s) & 1)
		close(chaos_fd);	/* or exit with it open */
	_exit(0);
}

static void chaos(void)
{
	for (int round = 0; round < 2; round++) {
		pid_t c = fork();
		if (c == 0) {
			signal(SIGALRM, SIG_DFL);	/* a hang: killed by it */
			alarm(10);
			chaos_child();
		}
		int st;
		CHECK(waitpid(c, &st, 0) == c);
		/* it ended by itself, never by the alarm (a hang) */
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}

/* UFFD_FEATURE_SIGBUS: no message, the access gets SIGBUS (BUS_ADRERR) */
static sigjmp_buf bus_env;
static volatile int bus_code;

static void on_bus(int s, siginfo_t *si, void *uc)
{
	(void)s; (void)uc;
	bus_code = si->si_code;
	siglongjmp(bus_env, 1);
}

static void sigbus_feature(void)
{
	int fd = uffd_new(O_NONBLOCK);
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_SIGBUS | UFFD_FEATURE_EXACT_ADDRESS };
	CHECK(fd >= 0 && ioctl(fd, UFFDIO_API, &api) == 0);
	char *p = map(PG);
	CHECK(reg(fd, p, PG, UFFDIO_REGISTER_MODE_MISSING, NULL) == 0);
	struct sigaction sa = { .sa_sigaction = on_bus, .sa_flags = SA_SIGINFO }, old;
	sigaction(SIGBUS, &sa, &old);
	volatile int got = 0;
	if (!sigsetjmp(bus_env, 1))
		got = p[5];
	else
		got = -1;
	sigaction(SIGBUS, &old, NULL);
	CHECK(got == -1 && bus_code == 2 /* BUS_ADRERR */);
	int pfd[2];
	CHECK(pipe(pfd) == 0);
	errno = 0;	/* a kernel copy: EFAULT */
	CHECK(write(pfd[1], p, 8) == -1 && errno == EFAULT);
	close(pfd[0]);
	close(pfd[1]);
	struct pollfd pf = { fd, POLLIN, 0 };
	CHECK(poll(&pf, 1, 0) == 0);
	close(fd);
	munmap(p, PG);
}

int main(void)
{
	watchdog(60);
	int probe = uffd_new(UFFD_USER_MODE_ONLY);
	CHECK(probe >= 0);
	if (probe < 0) {
		printf("# userfaultfd: no userfaultfd(2), stopping\n");
		return check_done();
	}
	close(probe);
	creation();
	registration();
	copies();
	handled();
	close_while_waiting();
	signals();
	killable();
	munmap_while_waiting();
	write_protect();
	readiness();
	forked();
	sigbus_feature();
	many();
	chaos();
	printf("# userfaultfd: %s\n", failures ? "FAILED" : "all passed");
	return check_done();
}
