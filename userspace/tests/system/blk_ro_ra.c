/*
 * BLKROSET/BLKROGET and BLKRASET/BLKRAGET on /dev/vda (skipped without a
 * disk): root's read-only flag refuses writes through the device file
 * (EPERM) and read-write mounts and remounts (EACCES), a read-only mount
 * still works; read-ahead reads back in whole pages. From the attacker's
 * side: bad pointers (EFAULT), an unprivileged caller (EACCES), a huge
 * read-ahead (EINVAL), and a thread flipping the flag while another
 * writes the device (each write succeeds whole or fails with EPERM).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#ifndef BLKROSET
#define BLKROSET 0x125d
#define BLKROGET 0x125e
#define BLKRASET 0x1262
#define BLKRAGET 0x1263
#endif

#define TEST_NAME "blk_ro_ra"
#include "check.h"

static int fd;
static atomic_int stop;

static void *flipper(void *arg)
{
	(void)arg;
	for (int i = 0; !atomic_load(&stop); i++) {
		int ro = i & 1;
		ioctl(fd, BLKROSET, &ro);
	}
	return NULL;
}

int main(void)
{
	fd = open("/dev/vda", O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "blk_ro_ra: no /dev/vda: skipped\n");
		return 0;
	}
	int ro = 5;
	CHECK(ioctl(fd, BLKROGET, &ro) == 0 && ro == 0);
	CHECK(ioctl(fd, BLKROGET, (void *)1) < 0 && errno == EFAULT);
	CHECK(ioctl(fd, BLKROSET, (void *)1) < 0 && errno == EFAULT);
	unsigned long ra = 1;
	CHECK(ioctl(fd, BLKRAGET, &ra) == 0 && ra == 256);
	CHECK(ioctl(fd, BLKRAGET, (void *)1) < 0 && errno == EFAULT);
	CHECK(ioctl(fd, BLKRASET, 100UL) == 0);
	CHECK(ioctl(fd, BLKRAGET, &ra) == 0 && ra == 96);	/* whole pages */
	CHECK(ioctl(fd, BLKRASET, ~0UL) < 0 && errno == EINVAL);
	CHECK(ioctl(fd, BLKRASET, 0UL) == 0);
	CHECK(ioctl(fd, BLKRAGET, &ra) == 0 && ra == 0);

	/* an unprivileged caller */
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534))
			_exit(2);
		int one = 1;
		_exit(ioctl(fd, BLKROSET, &one) < 0 && errno == EACCES &&
		      ioctl(fd, BLKRASET, 8UL) < 0 && errno == EACCES &&
		      ioctl(fd, BLKROGET, &one) == 0 ? 0 : 1);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* read-only: no writes, no read-write mount */
	char sec[512];
	CHECK(pread(fd, sec, 512, 0) == 512);
	ro = 1;
	CHECK(ioctl(fd, BLKROSET, &ro) == 0);
	CHECK(ioctl(fd, BLKROGET, &ro) == 0 && ro == 1);
	CHECK(pwrite(fd, sec, 512, 0) < 0 && errno == EPERM);
	mkdir("/mnt/vda", 0755);
	CHECK(mount("/dev/vda", "/mnt/vda", "ext2", 0, NULL) < 0 && errno == EACCES);
	CHECK(mount("/dev/vda", "/mnt/vda", "ext2", MS_RDONLY, NULL) == 0);
	CHECK(mount(NULL, "/mnt/vda", NULL, MS_REMOUNT, NULL) < 0 && errno == EACCES);
	CHECK(umount("/mnt/vda") == 0);
	ro = 0;
	CHECK(ioctl(fd, BLKROSET, &ro) == 0);
	CHECK(pwrite(fd, sec, 512, 0) == 512);
	CHECK(mount("/dev/vda", "/mnt/vda", "ext2", 0, NULL) == 0);
	CHECK(umount("/mnt/vda") == 0);

	/* a thread flips the flag while this one writes the same bytes back */
	pthread_t t;
	CHECK(pthread_create(&t, NULL, flipper, NULL) == 0);
	int bad = 0;
	for (int i = 0; i < 2000; i++) {
		ssize_t r = pwrite(fd, sec, 512, 0);
		if (r != 512 && !(r < 0 && errno == EPERM))
			bad++;
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	CHECK(bad == 0);
	ro = 0;
	CHECK(ioctl(fd, BLKROSET, &ro) == 0);
	CHECK(ioctl(fd, BLKRASET, 256UL) == 0);
	close(fd);
	return check_done();
}
