/*
 * RLIMIT_FSIZE, as Linux: a write that crosses the limit is cut short, one
 * at or past it fails with EFBIG and SIGXFSZ (whose default action kills);
 * ftruncate and fallocate that would grow a file past it too (shrinking,
 * and fallocate with KEEP_SIZE, are fine). On tmpfs and, if there, ext2.
 */
#define _GNU_SOURCE
#define TEST_NAME "rlimit_fsize"
#include "check.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>

#define LIM 10000

static volatile int xfsz;

static void on_xfsz(int sig) { (void)sig; xfsz++; }

static void run(const char *path)
{
	char buf[8192];
	memset(buf, 'x', sizeof(buf));
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fd >= 0);
	xfsz = 0;
	CHECK(write(fd, buf, 8000) == 8000);
	CHECK(write(fd, buf, 5000) == LIM - 8000);	/* cut short, no signal */
	CHECK(xfsz == 0);
	errno = 0;
	CHECK(write(fd, buf, 1) == -1 && errno == EFBIG && xfsz == 1);
	errno = 0;
	CHECK(pwrite(fd, buf, 10, 50000) == -1 && errno == EFBIG && xfsz == 2);
	struct iovec iov[2] = { { buf, 10 }, { buf, 10 } };
	errno = 0;
	CHECK(pwritev(fd, iov, 2, LIM) == -1 && errno == EFBIG && xfsz == 3);
	CHECK(pwrite(fd, buf, 100, LIM - 10) == 10);	/* crosses: cut */
	int ap = open(path, O_WRONLY | O_APPEND);
	errno = 0;
	CHECK(ap >= 0 && write(ap, buf, 1) == -1 && errno == EFBIG && xfsz == 4);
	close(ap);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == LIM);
	errno = 0;
	CHECK(ftruncate(fd, LIM + 1) == -1 && errno == EFBIG && xfsz == 5);
	CHECK(ftruncate(fd, 100) == 0 && ftruncate(fd, LIM) == 0);
	errno = 0;
	CHECK(fallocate(fd, 0, 0, 2 * LIM) == -1 && errno == EFBIG && xfsz == 6);
	CHECK(fstat(fd, &st) == 0 && st.st_size == LIM);
	close(fd);
	unlink(path);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_xfsz };
	CHECK(sigaction(SIGXFSZ, &sa, NULL) == 0);
	/* the default action kills the writer */
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGXFSZ, SIG_DFL);
		struct rlimit r = { 100, 100 };
		setrlimit(RLIMIT_FSIZE, &r);
		int fd = open("/tmp/rlimit_fsize.kill", O_CREAT | O_RDWR | O_TRUNC, 0644);
		char b[200] = { 0 };
		write(fd, b, 200);	/* cut to 100 */
		write(fd, b, 1);	/* SIGXFSZ */
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGXFSZ);
	unlink("/tmp/rlimit_fsize.kill");

	struct rlimit r = { LIM, RLIM_INFINITY };
	CHECK(setrlimit(RLIMIT_FSIZE, &r) == 0);
	run("/tmp/rlimit_fsize");
	mkdir("/mnt/vdc", 0755);
	if (mount("/dev/vdc", "/mnt/vdc", "ext2", 0, NULL) == 0) {
		run("/mnt/vdc/rlimit_fsize");
		CHECK(umount("/mnt/vdc") == 0);
	} else {
		printf(TEST_NAME ": no ext2 on /dev/vdc, tmpfs only\n");
	}
	r.rlim_cur = RLIM_INFINITY;
	CHECK(setrlimit(RLIMIT_FSIZE, &r) == 0);
	if (!failures)
		printf(TEST_NAME ": ok\n");
	return check_done();
}
