#define _GNU_SOURCE
/*
 * mmap_file: files mapped into memory, on the memory filesystem (the
 * runner's scratch directory) and on ext2 (/dev/vdc, 1 KiB blocks):
 *
 *  - MAP_PRIVATE reads the file; writes to it stay private (copy on write);
 *  - MAP_SHARED writes reach the file: read(2) sees them at once, and on
 *    ext2 they survive munmap, an unmount and a mount (msync MS_SYNC too);
 *  - a fork's child writing a shared mapping is seen by the parent;
 *  - touching a page past the end of the file is SIGBUS;
 *  - the errors: EACCES (write-only fd, shared+writable on a read-only
 *    fd), EINVAL (unaligned offset), EBADF, ENODEV (a pipe).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TEST_NAME "mmap_file"
#include "check.h"

#define SIZE (3 * 4096 + 100)

static sigjmp_buf jb;
static void on_bus(int sig)
{
	siglongjmp(jb, sig);
}

static void make_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char buf[SIZE];
	for (int i = 0; i < SIZE; i++)
		buf[i] = (char)('A' + i % 26);
	CHECK(fd >= 0 && write(fd, buf, SIZE) == SIZE);
	CHECK(fsync(fd) == 0);	/* clean pages: only the mappings dirty them */
	close(fd);
}

static void one_fs(const char *dir, bool remountable)
{
	char path[256], buf[64];
	snprintf(path, sizeof(path), "%s/mapped", dir);
	make_file(path);

	int fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	char *priv = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(priv != MAP_FAILED);
	if (priv == MAP_FAILED)
		return;
	CHECK(priv[0] == 'A' && priv[4096] == (char)('A' + 4096 % 26) && priv[SIZE - 1] ==
	      (char)('A' + (SIZE - 1) % 26));
	CHECK(priv[SIZE] == 0);			/* the rest of the last page: zeros */
	priv[1] = '!';				/* private: the file keeps 'B' */
	CHECK(pread(fd, buf, 2, 0) == 2 && buf[1] == 'B');

	char *sh = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(sh != MAP_FAILED);
	if (sh == MAP_FAILED)
		return;
	volatile char first = sh[3 * 4096];	/* mapped read-only by this read... */
	(void)first;
	sh[3 * 4096] = 'Q';			/* ...then written: no livelock */
	CHECK(pread(fd, buf, 1, 3 * 4096) == 1 && buf[0] == 'Q');
	memcpy(sh + 4096, "shared write", 12);
	CHECK(pread(fd, buf, 12, 4096) == 12 && !memcmp(buf, "shared write", 12));
	CHECK(priv[4097] == (char)('A' + 4097 % 26) || priv[4097] == 'h');	/* not yet copied */
	pid_t pid = fork();
	if (pid == 0) {
		memcpy(sh + 8192, "from the child", 14);
		sh[4096] = 's';		/* a page the parent had mapped writable */
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(!memcmp(sh + 8192, "from the child", 14) && sh[4096] == 's');
	sh[4096] = 's';		/* the parent writes it again after the fork */
	CHECK(msync(sh, SIZE, MS_SYNC) == 0);

	/* past the end of the file: SIGBUS */
	char *far = mmap(NULL, 4 * 4096 + 8192, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(far != MAP_FAILED);
	signal(SIGBUS, on_bus);
	int sig = sigsetjmp(jb, 1);
	if (sig == 0) {
		volatile char c = far[5 * 4096];
		(void)c;
		CHECK(!"no SIGBUS past the end");
	} else {
		CHECK(sig == SIGBUS);
	}
	signal(SIGBUS, SIG_DFL);
	CHECK(munmap(far, 4 * 4096 + 8192) == 0);
	CHECK(munmap(sh, SIZE) == 0 && munmap(priv, SIZE) == 0);
	close(fd);

	/* errors */
	fd = open(path, O_WRONLY);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == EACCES);
	close(fd);
	fd = open(path, O_RDONLY);
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
	      errno == EACCES);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED && errno == EINVAL);
	close(fd);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED && errno == EBADF);
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, p[0], 0) == MAP_FAILED && errno == ENODEV);
	close(p[0]);
	close(p[1]);

	if (remountable) {
		CHECK(umount(dir) == 0);
		CHECK(mount("/dev/vdc", dir, "ext2", 0, NULL) == 0);
	}
	fd = open(path, O_RDONLY);
	CHECK(pread(fd, buf, 12, 4096) == 12 && !memcmp(buf, "shared write", 12));
	CHECK(pread(fd, buf, 14, 8192) == 14 && !memcmp(buf, "from the child", 14));
	CHECK(pread(fd, buf, 2, 0) == 2 && buf[1] == 'B');
	CHECK(pread(fd, buf, 1, 3 * 4096) == 1 && buf[0] == 'Q');
	close(fd);
	CHECK(unlink(path) == 0);
}

int main(void)
{
	one_fs(".", false);
	mkdir("/mnt", 0755);
	mkdir("/mnt/vdc-mmap", 0755);
	CHECK(mount("/dev/vdc", "/mnt/vdc-mmap", "ext2", 0, NULL) == 0);
	one_fs("/mnt/vdc-mmap", true);
	CHECK(umount("/mnt/vdc-mmap") == 0);
	return check_done();
}
