/*
 * openat2: struct open_how by size (short EINVAL, long with non-zero
 * tail E2BIG, unmapped EFAULT), flags openat ignores refused, and the
 * RESOLVE_* scopes from the attacker's side: "..", absolute names and
 * symlinks out of a RESOLVE_BENEATH dirfd, magic links, mount crossings,
 * and a second thread renaming the directory a scoped walk stands in out
 * of the scope (the walk must never open the file outside).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define TEST_NAME "openat2"
#include "check.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

struct how {
	uint64_t flags, mode, resolve;
};

#define R_NO_XDEV 1
#define R_NO_MAGICLINKS 2
#define R_NO_SYMLINKS 4
#define R_BENEATH 8
#define R_IN_ROOT 16
#define R_CACHED 32

static long o2(int dfd, const char *p, uint64_t flags, uint64_t mode, uint64_t resolve)
{
	struct how h = { flags, mode, resolve };
	return syscall(SYS_openat2, dfd, p, &h, sizeof(h));
}

/* fails with e (closing an fd it got) */
static int fails(long rc, int e)
{
	if (rc >= 0) {
		close((int)rc);
		errno = 0;
		return 0;
	}
	return errno == e;
}

static int ok(long rc)
{
	if (rc < 0)
		return 0;
	close((int)rc);
	return 1;
}

#define D "/tmp/openat2_d"

static atomic_int stop;

static void *mover(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		rename(D "/in/a", D "/a_out");
		rename(D "/a_out", D "/in/a");
	}
	return NULL;
}

int main(void)
{
	system("rm -rf " D);
	CHECK(mkdir(D, 0755) == 0);
	CHECK(mkdir(D "/in", 0755) == 0);
	CHECK(mkdir(D "/in/sub", 0755) == 0);
	CHECK(mkdir(D "/in/a", 0755) == 0);
	CHECK(mkdir(D "/in/a/b", 0755) == 0);
	int fd = open(D "/secret", O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0);
	close(fd);
	fd = open(D "/in/f", O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK(symlink("/tmp", D "/in/abs") == 0);
	CHECK(symlink("../secret", D "/in/up") == 0);
	CHECK(symlink("f", D "/in/rel") == 0);
	CHECK(symlink("/f", D "/in/rootf") == 0);
	int dfd = open(D "/in", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);

	/* the struct: its size and its bytes */
	struct how h = { O_RDONLY, 0, 0 };
	CHECK(fails(syscall(SYS_openat2, dfd, "f", &h, 0), EINVAL));
	CHECK(fails(syscall(SYS_openat2, dfd, "f", &h, sizeof(h) - 1), EINVAL));
	CHECK(fails(syscall(SYS_openat2, dfd, "f", &h, 1 << 20), E2BIG));
	CHECK(fails(syscall(SYS_openat2, dfd, "f", &h, (size_t)-1), E2BIG));
	CHECK(fails(syscall(SYS_openat2, dfd, "f", NULL, sizeof(h)), EFAULT));
	CHECK(fails(syscall(SYS_openat2, dfd, "f", (void *)-4096L, sizeof(h)), EFAULT));
	CHECK(fails(syscall(SYS_openat2, dfd, NULL, &h, sizeof(h)), EFAULT));
	/* a larger struct: zeros are fine, anything else E2BIG, the end unmapped EFAULT */
	char *pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(pg != MAP_FAILED);
	CHECK(munmap(pg + 4096, 4096) == 0);
	struct how *edge = (struct how *)(pg + 4096 - sizeof(*edge) - 16);
	*edge = h;
	memset(edge + 1, 0, 16);
	CHECK(ok(syscall(SYS_openat2, dfd, "f", edge, sizeof(*edge) + 16)));
	CHECK(fails(syscall(SYS_openat2, dfd, "f", edge, sizeof(*edge) + 17), EFAULT));
	((char *)(edge + 1))[15] = 1;
	CHECK(fails(syscall(SYS_openat2, dfd, "f", edge, sizeof(*edge) + 16), E2BIG));
	munmap(pg, 4096);

	/* flags openat ignores */
	CHECK(fails(o2(dfd, "f", 1ULL << 40, 0, 0), EINVAL));
	CHECK(fails(o2(dfd, "f", 040, 0, 0), EINVAL));	/* no such flag */
	CHECK(fails(o2(dfd, "f", O_RDONLY, 0600, 0), EINVAL));	/* mode without O_CREAT */
	CHECK(fails(o2(dfd, "f", O_RDWR | O_CREAT, 010000, 0), EINVAL));
	CHECK(fails(o2(dfd, "f", O_RDONLY, 0, 1ULL << 6), EINVAL));
	CHECK(fails(o2(dfd, "f", O_RDONLY, 0, 1ULL << 63), EINVAL));
	CHECK(fails(o2(dfd, "f", O_RDONLY, 0, R_BENEATH | R_IN_ROOT), EINVAL));
	CHECK(fails(o2(dfd, "f", O_PATH | O_RDWR, 0, 0), EINVAL));
	CHECK(fails(o2(-1, "f", O_RDONLY, 0, 0), EBADF));
	CHECK(fails(o2(-1, "f", O_RDONLY, 0, R_BENEATH), EBADF));

	/* RESOLVE_BENEATH */
	CHECK(ok(o2(dfd, "f", O_RDONLY, 0, R_BENEATH)));
	CHECK(ok(o2(dfd, "sub/../f", O_RDONLY, 0, R_BENEATH)));
	CHECK(ok(o2(dfd, "rel", O_RDONLY, 0, R_BENEATH)));
	CHECK(fails(o2(dfd, "../secret", O_RDONLY, 0, R_BENEATH), EXDEV));
	CHECK(fails(o2(dfd, "sub/../../secret", O_RDONLY, 0, R_BENEATH), EXDEV));
	CHECK(fails(o2(dfd, "..", O_RDONLY, 0, R_BENEATH), EXDEV));
	CHECK(fails(o2(dfd, D "/in/f", O_RDONLY, 0, R_BENEATH), EXDEV));
	CHECK(fails(o2(dfd, "up", O_RDONLY, 0, R_BENEATH), EXDEV));
	CHECK(fails(o2(dfd, "abs", O_RDONLY, 0, R_BENEATH), EXDEV));
	CHECK(fails(o2(dfd, "../in/new", O_RDWR | O_CREAT, 0600, R_BENEATH), EXDEV));
	CHECK(access(D "/in/new", F_OK) != 0);

	/* RESOLVE_IN_ROOT: "/" and ".." are the dirfd */
	CHECK(ok(o2(dfd, "/f", O_RDONLY, 0, R_IN_ROOT)));
	CHECK(ok(o2(dfd, "../../../f", O_RDONLY, 0, R_IN_ROOT)));
	CHECK(ok(o2(dfd, "rootf", O_RDONLY, 0, R_IN_ROOT)));
	CHECK(fails(o2(dfd, "up", O_RDONLY, 0, R_IN_ROOT), ENOENT));
	CHECK(fails(o2(dfd, "/secret", O_RDONLY, 0, R_IN_ROOT), ENOENT));

	/* symlinks and magic links */
	CHECK(fails(o2(dfd, "rel", O_RDONLY, 0, R_NO_SYMLINKS), ELOOP));
	CHECK(fails(o2(dfd, "abs/x", O_RDONLY, 0, R_NO_SYMLINKS), ELOOP));
	CHECK(ok(o2(dfd, "rel", O_PATH | O_NOFOLLOW, 0, R_NO_SYMLINKS)));
	CHECK(fails(o2(AT_FDCWD, "/proc/self/exe", O_RDONLY, 0, R_NO_MAGICLINKS), ELOOP));
	char fdp[64];
	snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", dfd);
	CHECK(fails(o2(AT_FDCWD, fdp, O_RDONLY, 0, R_NO_MAGICLINKS), ELOOP));
	CHECK(ok(o2(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, R_NO_MAGICLINKS)));
	CHECK(ok(o2(AT_FDCWD, "/proc/self/exe", O_RDONLY, 0, 0)));

	/* mounts */
	int root = open("/", O_RDONLY | O_DIRECTORY);
	CHECK(fails(o2(root, "proc/version", O_RDONLY, 0, R_NO_XDEV), EXDEV));
	CHECK(ok(o2(root, "proc/version", O_RDONLY, 0, 0)));
	int proc = open("/proc", O_RDONLY | O_DIRECTORY);
	CHECK(fails(o2(proc, "../proc/version", O_RDONLY, 0, R_NO_XDEV), EXDEV));
	CHECK(ok(o2(proc, "version", O_RDONLY, 0, R_NO_XDEV)));
	close(proc);
	close(root);

	/* RESOLVE_CACHED: creates never; a name just used is in the cache */
	CHECK(fails(o2(dfd, "g", O_RDWR | O_CREAT, 0600, R_CACHED), EAGAIN));
	CHECK(fails(o2(dfd, "f", O_RDWR | O_TRUNC, 0, R_CACHED), EAGAIN));
	CHECK(ok(o2(dfd, "f", O_RDONLY, 0, 0)));
	CHECK(ok(o2(dfd, "f", O_RDONLY, 0, R_CACHED)));
	CHECK(fails(o2(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, R_CACHED), EAGAIN));

	/* a rename race: "a/b/../../../secret" from in: while "a" moves out
	 * to D/a_out, "../.." lands in D; secret must never open */
	pthread_t t;
	CHECK(pthread_create(&t, NULL, mover, NULL) == 0);
	long escaped = 0, okd = 0;
	for (int i = 0; i < 5000; i++) {
		long r = o2(dfd, "a/b/../../../secret", O_RDONLY, 0, R_BENEATH);
		if (r >= 0) {
			escaped++;
			close((int)r);
		}
		r = o2(dfd, "a/b/../../f", O_RDONLY, 0, R_BENEATH);
		if (r >= 0) {
			okd++;
			close((int)r);
		} else if (errno != EXDEV && errno != ENOENT) {
			CHECK(!"unexpected errno in the race");
		}
		r = o2(dfd, "a/b/../../../secret", O_RDONLY, 0, R_IN_ROOT);
		if (r >= 0) {
			escaped++;
			close((int)r);
		}
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	CHECK(escaped == 0);
	fprintf(stderr, "openat2: race: %ld scoped opens inside, %ld escapes\n", okd, escaped);
	close(dfd);
	system("rm -rf " D);
	return check_done();
}
