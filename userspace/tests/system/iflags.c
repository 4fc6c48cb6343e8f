#define _GNU_SOURCE
/*
 * Inode attribute flags (FS_IOC_GETFLAGS/SETFLAGS, chattr) on memfs and
 * ext2 (/dev/vda if attached, where they survive a remount): immutable
 * and append-only enforced everywhere a file changes, statx reporting
 * them. From the attacker's side: bad pointers, an unprivileged or
 * non-owner caller, flags the filesystem does not keep, an fd opened
 * for writing before the flag was set, and a thread writing while
 * another sets the flag (after the set returns no write lands).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#define TEST_NAME "iflags"
#include "check.h"

#define GETFL 0x80086601
#define SETFL 0x40086602
#define IMM 0x10
#define APP 0x20
#define NODUMP 0x40
#define COMPR 0x4

static int getfl(int fd)
{
	int v = -1;
	return ioctl(fd, GETFL, &v) ? -1 : v;
}

static int setfl(int fd, int v)
{
	return ioctl(fd, SETFL, &v);
}

static long long statx_attrs(const char *p, long long *mask)
{
	/* struct statx: stx_attributes at 8, stx_attributes_mask at 56 */
	unsigned long long sx[32];
	if (syscall(SYS_statx, AT_FDCWD, p, 0, 0, sx))
		return -1;
	*mask = (long long)sx[7];
	return (long long)sx[1];
}

static atomic_int stop, set_done;
static int wfd;
static atomic_long after_set_ok;

static void *writer(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		int done_before = atomic_load(&set_done);
		ssize_t r = write(wfd, "x", 1);
		if (r == 1 && done_before)
			atomic_fetch_add(&after_set_ok, 1);
	}
	return NULL;
}

static void suite(const char *d, bool ext2)
{
	char f[160], g[160], sub[160];
	snprintf(f, sizeof(f), "%s/f", d);
	snprintf(g, sizeof(g), "%s/g", d);
	snprintf(sub, sizeof(sub), "%s/sub", d);
	int fd = open(f, O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(getfl(fd) == 0);
	CHECK(ioctl(fd, GETFL, (void *)1) < 0 && errno == EFAULT);
	CHECK(ioctl(fd, SETFL, (void *)1) < 0 && errno == EFAULT);
	int junk = 0x40000000;	/* no filesystem keeps this one */
	CHECK(ioctl(fd, SETFL, &junk) < 0 && errno == EOPNOTSUPP);
	CHECK(getfl(fd) == 0);
	if (!ext2) {
		CHECK(setfl(fd, COMPR) < 0 && errno == EOPNOTSUPP);
	} else {
		CHECK(setfl(fd, COMPR) == 0 && getfl(fd) == COMPR);
		CHECK(setfl(fd, 0) == 0);
	}
	long long mask, a;
	a = statx_attrs(f, &mask);
	CHECK(a == 0 && (mask & (IMM | APP | NODUMP)) == (IMM | APP | NODUMP));

	/* an unprivileged owner may set nodump, not immutable */
	CHECK(chown(f, 65534, 65534) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		int v = IMM;
		if (ioctl(fd, SETFL, &v) == 0 || errno != EPERM)
			_exit(3);
		v = NODUMP;
		_exit(ioctl(fd, SETFL, &v) == 0 ? 0 : 4);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(getfl(fd) == NODUMP);
	CHECK(chown(f, 0, 0) == 0);
	pid = fork();
	if (pid == 0) {	/* not the owner */
		if (setuid(65534))
			_exit(2);
		int v = 0;
		_exit(ioctl(fd, SETFL, &v) < 0 && errno == EPERM ? 0 : 1);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* immutable */
	CHECK(write(fd, "abc", 3) == 3);
	CHECK(setfl(fd, IMM | NODUMP) == 0);
	a = statx_attrs(f, &mask);
	CHECK(a == (IMM | NODUMP));
	CHECK(write(fd, "abc", 3) < 0 && errno == EPERM);	/* the earlier fd too */
	CHECK(open(f, O_WRONLY) < 0 && errno == EPERM);
	CHECK(open(f, O_RDONLY | O_TRUNC) < 0 && errno == EPERM);
	int rfd = open(f, O_RDONLY);
	CHECK(rfd >= 0);
	close(rfd);
	CHECK(access(f, W_OK) < 0 && errno == EPERM);
	CHECK(unlink(f) < 0 && errno == EPERM);
	CHECK(rename(f, g) < 0 && errno == EPERM);
	CHECK(link(f, g) < 0 && errno == EPERM);
	CHECK(truncate(f, 0) < 0 && errno == EPERM);
	CHECK(ftruncate(fd, 0) < 0 && errno == EPERM);
	CHECK(chmod(f, 0600) < 0 && errno == EPERM);
	CHECK(chown(f, 1, 1) < 0 && errno == EPERM);
	CHECK(utimensat(AT_FDCWD, f, NULL, 0) < 0 && errno == EPERM);
	CHECK(setxattr(f, "user.x", "1", 1, 0) < 0 && errno == EPERM);
	CHECK(fallocate(fd, 0, 0, 4096) < 0 && errno == EPERM);
	struct stat sb;
	CHECK(stat(f, &sb) == 0 && sb.st_size == 3);
	CHECK(setfl(fd, 0) == 0);
	CHECK(write(fd, "d", 1) == 1);

	/* an immutable directory: no names come or go */
	CHECK(mkdir(sub, 0755) == 0);
	char in[200];
	snprintf(in, sizeof(in), "%s/x", sub);
	int xf = open(in, O_CREAT | O_WRONLY, 0600);
	CHECK(xf >= 0);
	close(xf);
	int dfd = open(sub, O_RDONLY | O_DIRECTORY);
	CHECK(setfl(dfd, IMM) == 0);
	snprintf(in, sizeof(in), "%s/y", sub);
	CHECK(open(in, O_CREAT | O_WRONLY, 0600) < 0 && errno == EPERM);
	snprintf(in, sizeof(in), "%s/x", sub);
	CHECK(unlink(in) < 0 && errno == EPERM);
	CHECK(rmdir(sub) < 0);
	/* append-only directory: names come, none go */
	CHECK(setfl(dfd, APP) == 0);
	snprintf(in, sizeof(in), "%s/y", sub);
	xf = open(in, O_CREAT | O_WRONLY, 0600);
	CHECK(xf >= 0);
	close(xf);
	CHECK(unlink(in) < 0 && errno == EPERM);
	CHECK(setfl(dfd, 0) == 0);
	CHECK(unlink(in) == 0);
	snprintf(in, sizeof(in), "%s/x", sub);
	CHECK(unlink(in) == 0);
	close(dfd);
	CHECK(rmdir(sub) == 0);

	/* append-only */
	CHECK(setfl(fd, APP) == 0);
	CHECK(write(fd, "e", 1) < 0 && errno == EPERM);	/* no O_APPEND */
	CHECK(open(f, O_WRONLY) < 0 && errno == EPERM);
	CHECK(open(f, O_WRONLY | O_APPEND | O_TRUNC) < 0 && errno == EPERM);
	int af = open(f, O_WRONLY | O_APPEND);
	CHECK(af >= 0);
	CHECK(write(af, "f", 1) == 1);
	CHECK(fcntl(af, F_SETFL, 0) < 0 && errno == EPERM);
	CHECK(write(af, "g", 1) == 1);
	close(af);
	CHECK(stat(f, &sb) == 0 && sb.st_size == 6);
	CHECK(unlink(f) < 0 && errno == EPERM);
	CHECK(truncate(f, 1) < 0 && errno == EPERM);
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	CHECK(utimensat(AT_FDCWD, f, ts, 0) < 0 && errno == EPERM);
	CHECK(setfl(fd, 0) == 0);

	/* a writer thread racing the set: nothing lands after it returns */
	wfd = fd;
	atomic_store(&stop, 0);
	atomic_store(&set_done, 0);
	atomic_store(&after_set_ok, 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, writer, NULL) == 0);
	usleep(20000);
	CHECK(setfl(fd, IMM) == 0);
	atomic_store(&set_done, 1);
	CHECK(stat(f, &sb) == 0);
	off_t size_at_set = sb.st_size;
	usleep(20000);
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	CHECK(atomic_load(&after_set_ok) == 0);
	CHECK(stat(f, &sb) == 0 && sb.st_size <= size_at_set + 1);	/* one write in flight */
	CHECK(setfl(fd, 0) == 0);

	if (ext2)	/* kept on the disk */
		CHECK(setfl(fd, NODUMP | APP) == 0);
	close(fd);
	if (!ext2)
		CHECK(unlink(f) == 0);
}

int main(void)
{
	mkdir("/tmp/iflags_d", 0755);
	suite("/tmp/iflags_d", false);
	rmdir("/tmp/iflags_d");

	mkdir("/mnt/vda", 0755);
	if (mount("/dev/vda", "/mnt/vda", "ext2", 0, NULL) == 0) {
		mkdir("/mnt/vda/ifl", 0755);
		suite("/mnt/vda/ifl", true);
		CHECK(umount("/mnt/vda") == 0);
		CHECK(mount("/dev/vda", "/mnt/vda", "ext2", 0, NULL) == 0);
		int fd = open("/mnt/vda/ifl/f", O_RDONLY);
		CHECK(fd >= 0 && getfl(fd) == (NODUMP | APP));
		CHECK(unlink("/mnt/vda/ifl/f") < 0 && errno == EPERM);
		CHECK(setfl(fd, 0) == 0);
		close(fd);
		CHECK(unlink("/mnt/vda/ifl/f") == 0);
		CHECK(rmdir("/mnt/vda/ifl") == 0);
		CHECK(umount("/mnt/vda") == 0);
	} else {
		fprintf(stderr, "iflags: no /dev/vda: ext2 part skipped\n");
	}
	return check_done();
}
