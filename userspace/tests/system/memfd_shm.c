#define _GNU_SOURCE
/*
 * memfd_shm: POSIX and Linux shared memory between processes.
 *  - memfd_create: flags (MFD_CLOEXEC, bad flags, MFD_HUGETLB), names
 *    (too long, unmapped), "/memfd:NAME (deleted)" in /proc/self/fd, data
 *    shared with a child through MAP_SHARED;
 *  - seals: F_SEAL_SHRINK, GROW, WRITE (EBUSY while mapped shared, then
 *    no write, no writable shared map, no mprotect to write; a private
 *    writable map is fine), F_SEAL_SEAL; a memfd without
 *    MFD_ALLOW_SEALING and a /dev/shm file carry F_SEAL_SEAL; a pipe has
 *    no seals (EINVAL);
 *  - shm_open/shm_unlink (musl: files in /dev/shm, a tmpfs) between two
 *    processes;
 *  - madvise(MADV_DONTNEED): a shared mapping drops its pages but the
 *    data stays in the file (and in another mapping of it); a private
 *    file mapping reads the file again, a private anonymous one zeros.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "memfd_shm"
#include "check.h"

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 1
#define F_SEAL_SHRINK 2
#define F_SEAL_GROW 4
#define F_SEAL_WRITE 8
#endif
#define MFD_CLOEXEC_ 1u
#define MFD_ALLOW_SEALING_ 2u
#define MFD_HUGETLB_ 4u

static int memfd(const char *name, unsigned flags)
{
	return (int)syscall(SYS_memfd_create, name, flags);
}

static int reap(pid_t c)
{
	int st = -1;
	if (c <= 0 || waitpid(c, &st, 0) != c)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_memfd(void)
{
	char name[300], link[64], target[300];

	errno = 0;
	CHECK(memfd("x", 0x100) == -1 && errno == EINVAL);
	int hfd = memfd("x", MFD_HUGETLB_);	/* huge pages: hugetlb.c tests them */
	CHECK(hfd >= 0);
	close(hfd);
	CHECK(memfd((const char *)8, 0) == -1 && errno == EFAULT);
	memset(name, 'n', sizeof(name));
	name[250] = 0;		/* "memfd:" + 250 passes NAME_MAX */
	CHECK(memfd(name, 0) == -1 && errno == EINVAL);
	name[249] = 0;
	int fd = memfd(name, 0);
	CHECK(fd >= 0);
	close(fd);

	fd = memfd("alloy test", MFD_CLOEXEC_ | MFD_ALLOW_SEALING_);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = 0;
	CHECK(!strcmp(target, "/memfd:alloy test (deleted)"));
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 && st.st_nlink == 0);

	/* shared with a child through a shared mapping, and read/write */
	CHECK(ftruncate(fd, 8192) == 0);
	volatile char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	pid_t c = fork();
	if (c == 0) {
		m[5000] = 'z';
		_exit(pwrite(fd, "hello", 5, 0) == 5 ? 0 : 1);
	}
	CHECK(reap(c) == 0);
	CHECK(m[5000] == 'z' && !memcmp((const char *)m, "hello", 5));

	/* seals */
	CHECK(fcntl(fd, F_GET_SEALS) == 0);
	CHECK(fcntl(fd, F_ADD_SEALS, 0x1000) == -1 && errno == EINVAL);
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0);
	CHECK(ftruncate(fd, 4096) == -1 && errno == EPERM);
	CHECK(ftruncate(fd, 12288) == 0);
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW) == 0);
	CHECK(ftruncate(fd, 16384) == -1 && errno == EPERM);
	CHECK(pwrite(fd, "x", 1, 12288) == -1 && errno == EPERM);	/* would grow */
	CHECK(pwrite(fd, "y", 1, 100) == 1);
	CHECK(fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW));
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == -1 && errno == EBUSY);	/* m maps it */
	munmap((void *)m, 8192);
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0);
	CHECK(pwrite(fd, "y", 1, 100) == -1 && errno == EPERM);
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
	      errno == EPERM);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(ro != MAP_FAILED && ro[0] == 'h');
	CHECK(mprotect(ro, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
	char *pv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(pv != MAP_FAILED);
	if (pv != MAP_FAILED) {
		pv[0] = 'P';		/* a private copy: the file keeps 'h' */
		CHECK(ro[0] == 'h');
	}
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL) == 0);
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == -1 && errno == EPERM);
	close(fd);

	/* no MFD_ALLOW_SEALING: sealed against seals */
	fd = memfd("plain", 0);
	CHECK(fcntl(fd, F_GETFD) == 0);
	CHECK(fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL);
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW) == -1 && errno == EPERM);
	close(fd);
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(fcntl(p[0], F_GET_SEALS) == -1 && errno == EINVAL);
	close(p[0]);
	close(p[1]);
}

static void test_shm_open(void)
{
	struct statfs sf;
	CHECK(statfs("/dev/shm", &sf) == 0 && sf.f_type == 0x01021994);	/* tmpfs */
	shm_unlink("/alloy_shm");
	int fd = shm_open("/alloy_shm", O_CREAT | O_EXCL | O_RDWR, 0600);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(shm_open("/alloy_shm", O_CREAT | O_EXCL | O_RDWR, 0600) == -1 && errno == EEXIST);
	CHECK(ftruncate(fd, 4096) == 0);
	volatile uint32_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	CHECK(fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL);
	m[0] = 0;
	pid_t c = fork();
	if (c == 0) {	/* opens it by name on its own, as an unrelated process would */
		int f2 = shm_open("/alloy_shm", O_RDWR, 0);
		if (f2 < 0)
			_exit(1);
		volatile uint32_t *m2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f2, 0);
		if (m2 == MAP_FAILED)
			_exit(2);
		m2[1] = 0xabcd;
		m2[0] = 1;
		while (m2[0] != 2)	/* the parent's answer through its own map */
			usleep(1000);
		_exit(m2[2] == 0x1234 ? 0 : 3);
	}
	for (int i = 0; i < 3000 && m[0] != 1; i++)
		usleep(1000);
	CHECK(m[0] == 1 && m[1] == 0xabcd);
	m[2] = 0x1234;
	m[0] = 2;
	CHECK(reap(c) == 0);
	CHECK(shm_unlink("/alloy_shm") == 0);
	CHECK(shm_open("/alloy_shm", O_RDWR, 0) == -1 && errno == ENOENT);
	CHECK(m[1] == 0xabcd);	/* the mapping outlives the name */
	munmap((void *)m, 4096);
	close(fd);
}

static void test_dontneed(void)
{
	int fd = open("/tmp/dontneed", O_RDWR | O_CREAT | O_TRUNC, 0600);	/* memfs */
	CHECK(fd >= 0 && ftruncate(fd, 8192) == 0);
	unlink("/tmp/dontneed");
	char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *b = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *pv = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *an = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile char *sa = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				 -1, 0);
	CHECK(a != MAP_FAILED && b != MAP_FAILED && pv != MAP_FAILED && an != MAP_FAILED &&
	      sa != MAP_FAILED);
	if (a == MAP_FAILED || b == MAP_FAILED || pv == MAP_FAILED || an == MAP_FAILED ||
	    sa == MAP_FAILED)
		return;
	a[0] = 'S';
	a[4096] = 'T';
	CHECK(b[0] == 'S');
	pv[0] = 'P';		/* private copy of page 0 */
	an[0] = 'A';
	/* shared: the data stays in the file and in the other mapping */
	CHECK(madvise(a, 8192, MADV_DONTNEED) == 0);
	CHECK(a[0] == 'S' && a[4096] == 'T' && b[0] == 'S');
	char c = 0;
	CHECK(pread(fd, &c, 1, 4096) == 1 && c == 'T');
	a[1] = 'x';		/* and the mapping writes the file again */
	CHECK(b[1] == 'x');
	/* private file mapping: the copy goes, the file shows again */
	CHECK(madvise(pv, 8192, MADV_DONTNEED) == 0);
	CHECK(pv[0] == 'S' && pv[1] == 'x');
	/* private anonymous: zeros */
	CHECK(madvise(an, 8192, MADV_DONTNEED) == 0);
	CHECK(an[0] == 0);
	/* shared anonymous across fork: the child's data stays */
	pid_t k = fork();
	if (k == 0) {
		sa[10] = 'K';
		_exit(0);
	}
	CHECK(reap(k) == 0);
	CHECK(madvise((void *)sa, 8192, MADV_DONTNEED) == 0);
	CHECK(sa[10] == 'K');
	/* a hole in the range */
	munmap(an + 4096, 4096);
	CHECK(madvise(an, 8192, MADV_DONTNEED) == -1 && errno == ENOMEM);
	close(fd);
}

int main(void)
{
	test_memfd();
	test_shm_open();
	test_dontneed();
	printf("# memfd, seals, shm_open, MADV_DONTNEED: %d failures\n", failures);
	return check_done();
}
