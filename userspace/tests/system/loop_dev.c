/*
 * loop_dev: loop devices from the attacker's side. /dev/loop-control
 * (GET_FREE, ADD, REMOVE), binding a file (SET_FD, CONFIGURE) with
 * hostile arguments (bad fds, directories, flags, block sizes, offsets
 * past the file, overflowing ones, bad pointers), data going both ways
 * through the backing file, offset and sizelimit, the backing file cut
 * short underneath, cycles (a device backed by itself, or by a device
 * backed by it: each would wait for itself for ever) refused, clearing a
 * device another process has open (autoclear at its last close), REMOVE
 * of a busy device, a thread reading while another clears and rebinds
 * the same file, and ext2 on a loop device on a file of an ext2 disk
 * (busybox mke2fs, mount, write, unmount, mount again), with a second
 * process clearing the device while it is mounted.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "loop_dev"
#include "check.h"

#define LOOP_SET_FD 0x4C00
#define LOOP_CLR_FD 0x4C01
#define LOOP_SET_STATUS64 0x4C04
#define LOOP_GET_STATUS64 0x4C05
#define LOOP_SET_CAPACITY 0x4C07
#define LOOP_SET_BLOCK_SIZE 0x4C09
#define LOOP_CONFIGURE 0x4C0A
#define LOOP_CTL_ADD 0x4C80
#define LOOP_CTL_REMOVE 0x4C81
#define LOOP_CTL_GET_FREE 0x4C82
#define LO_FLAGS_READ_ONLY 1
#define LO_FLAGS_AUTOCLEAR 4

struct loop_info64 {
	uint64_t lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit;
	uint32_t lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags;
	uint8_t lo_file_name[64], lo_crypt_name[64], lo_encrypt_key[32];
	uint64_t lo_init[2];
};

struct loop_config {
	uint32_t fd, block_size;
	struct loop_info64 info;
	uint64_t reserved[8];
};

#define MB (1024 * 1024)
static char dev[32], dev2[32];

static uint64_t devsize(int fd)
{
	uint64_t s = ~0ULL;
	CHECK(ioctl(fd, BLKGETSIZE64, &s) == 0);
	return s;
}

static int free_loop(int ctl, char *path, size_t cap)
{
	int n = ioctl(ctl, LOOP_CTL_GET_FREE);
	CHECK(n >= 0);
	snprintf(path, cap, "/dev/loop%d", n);
	return n;
}

static void fill(char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(seed + i * 7 + i / 4096);
}

/* control device, bad arguments */
static void control(int ctl)
{
	int n = free_loop(ctl, dev, sizeof(dev));
	struct stat st;

	CHECK(stat(dev, &st) == 0 && S_ISBLK(st.st_mode) && major(st.st_rdev) == 7 &&
	      (int)minor(st.st_rdev) == n);
	CHECK(ioctl(ctl, LOOP_CTL_ADD, n) < 0 && errno == EEXIST);
	CHECK(ioctl(ctl, LOOP_CTL_ADD, 1 << 20) < 0);
	CHECK(ioctl(ctl, 0x4C8F) < 0 && errno == ENOTTY);
	/* a new one, removed, then back */
	int m = ioctl(ctl, LOOP_CTL_ADD, -1);
	CHECK(m >= 0 && m != n);
	snprintf(dev2, sizeof(dev2), "/dev/loop%d", m);
	CHECK(access(dev2, F_OK) == 0);
	CHECK(ioctl(ctl, LOOP_CTL_REMOVE, m) == 0);
	CHECK(access(dev2, F_OK) < 0 && errno == ENOENT);
	CHECK(ioctl(ctl, LOOP_CTL_REMOVE, m) < 0 && errno == ENODEV);
	CHECK(ioctl(ctl, LOOP_CTL_ADD, m) == m);
	CHECK(access(dev2, F_OK) == 0);
}

/* unbound device, binding with bad arguments */
static void hostile_bind(int lfd)
{
	struct loop_info64 li;
	struct loop_config c;

	CHECK(ioctl(lfd, LOOP_GET_STATUS64, &li) < 0 && errno == ENXIO);
	CHECK(ioctl(lfd, LOOP_CLR_FD) < 0 && errno == ENXIO);
	memset(&li, 0, sizeof(li));
	CHECK(ioctl(lfd, LOOP_SET_STATUS64, &li) < 0 && errno == ENXIO);
	CHECK(ioctl(lfd, LOOP_SET_CAPACITY) < 0 && errno == ENXIO);
	CHECK(ioctl(lfd, LOOP_SET_FD, 12345) < 0 && errno == EBADF);
	CHECK(ioctl(lfd, LOOP_SET_FD, -1) < 0 && errno == EBADF);
	int dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
	CHECK(ioctl(lfd, LOOP_SET_FD, dfd) < 0 && errno == EINVAL);
	close(dfd);
	/* itself: its worker would wait for itself */
	CHECK(ioctl(lfd, LOOP_SET_FD, lfd) < 0 && errno == EBADF);
	int bf = open("/tmp/loop_bk", O_RDWR | O_CREAT | O_TRUNC, 0600);
	memset(&c, 0, sizeof(c));
	c.fd = (uint32_t)bf;
	c.info.lo_flags = 0x100;	/* not settable */
	CHECK(ioctl(lfd, LOOP_CONFIGURE, &c) < 0 && errno == EINVAL);
	c.info.lo_flags = 0;
	c.block_size = 1000;
	CHECK(ioctl(lfd, LOOP_CONFIGURE, &c) < 0 && errno == EINVAL);
	c.block_size = 0;
	c.info.lo_offset = 1ULL << 63;
	CHECK(ioctl(lfd, LOOP_CONFIGURE, &c) < 0 && errno == EOVERFLOW);
	CHECK(ioctl(lfd, LOOP_CONFIGURE, (void *)16) < 0 && errno == EFAULT);
	CHECK(ioctl(lfd, LOOP_GET_STATUS64, &li) < 0 && errno == ENXIO);	/* still free */
	close(bf);
}

/* data both ways, offsets, sizelimit, truncation underneath */
static void data(int lfd)
{
	static char buf[MB], got[MB];
	int bf = open("/tmp/loop_bk", O_RDWR | O_CREAT | O_TRUNC, 0600);
	struct loop_info64 li;

	fill(buf, MB, 1);
	CHECK(write(bf, buf, MB) == MB);
	CHECK(ioctl(lfd, LOOP_SET_FD, bf) == 0);
	CHECK(ioctl(lfd, LOOP_SET_FD, bf) < 0 && errno == EBUSY);
	CHECK(devsize(lfd) == MB);
	CHECK(pread(lfd, got, MB, 0) == MB && !memcmp(got, buf, MB));
	CHECK(pread(lfd, got, 100, 4000) == 100 && !memcmp(got, buf + 4000, 100));
	CHECK(pread(lfd, got, 100, MB) == 0);
	/* a write through the device lands in the file, unaligned too */
	CHECK(pwrite(lfd, "hello", 5, 12345) == 5);
	CHECK(fsync(lfd) == 0);
	CHECK(pread(bf, got, 5, 12345) == 5 && !memcmp(got, "hello", 5));
	CHECK(pwrite(lfd, "x", 1, MB) < 0 && errno == ENOSPC);
	CHECK(ioctl(lfd, LOOP_GET_STATUS64, (void *)8) < 0 && errno == EFAULT);
	CHECK(ioctl(lfd, LOOP_GET_STATUS64, &li) == 0 && li.lo_offset == 0 && !li.lo_flags);
	/* offset and sizelimit */
	li.lo_offset = 8192;
	li.lo_sizelimit = 65536;
	strcpy((char *)li.lo_file_name, "/tmp/loop_bk");
	CHECK(ioctl(lfd, LOOP_SET_STATUS64, &li) == 0);
	CHECK(devsize(lfd) == 65536);
	CHECK(pread(lfd, got, 4096, 0) == 4096 && !memcmp(got, buf + 8192, 4096));
	memset(&li, 0, sizeof(li));
	CHECK(ioctl(lfd, LOOP_GET_STATUS64, &li) == 0 && li.lo_offset == 8192 &&
	      li.lo_sizelimit == 65536 && !strcmp((char *)li.lo_file_name, "/tmp/loop_bk"));
	li.lo_offset = 1ULL << 63;
	CHECK(ioctl(lfd, LOOP_SET_STATUS64, &li) < 0 && errno == EOVERFLOW);
	li.lo_offset = 10ULL * MB;	/* past the file: an empty device */
	li.lo_sizelimit = 0;
	CHECK(ioctl(lfd, LOOP_SET_STATUS64, &li) == 0);
	CHECK(devsize(lfd) == 0);
	CHECK(pread(lfd, got, 512, 0) == 0);
	li.lo_offset = 0;
	CHECK(ioctl(lfd, LOOP_SET_STATUS64, &li) == 0 && devsize(lfd) == MB);
	/* the file cut short underneath: zeros where it was, until the
	 * capacity is read again */
	CHECK(ftruncate(bf, 4096) == 0);
	memset(got, 0x55, 8192);
	CHECK(pread(lfd, got, 8192, 0) == 8192 && !memcmp(got, buf, 4096));
	CHECK(got[4096] == 0 && got[8191] == 0);
	CHECK(ioctl(lfd, LOOP_SET_CAPACITY) == 0 && devsize(lfd) == 4096);
	CHECK(ioctl(lfd, LOOP_SET_BLOCK_SIZE, 3) < 0 && errno == EINVAL);
	CHECK(ioctl(lfd, LOOP_CLR_FD) == 0);
	CHECK(ioctl(lfd, LOOP_GET_STATUS64, &li) < 0 && errno == ENXIO);
	CHECK(pread(lfd, got, 512, 0) == 0);
	/* read-only file: a read-only device */
	CHECK(ftruncate(bf, MB) == 0);
	int ro = open("/tmp/loop_bk", O_RDONLY);
	CHECK(ioctl(lfd, LOOP_SET_FD, ro) == 0);
	CHECK(ioctl(lfd, LOOP_GET_STATUS64, &li) == 0 && (li.lo_flags & LO_FLAGS_READ_ONLY));
	CHECK(pwrite(lfd, "x", 1, 0) < 0 && errno == EROFS);
	CHECK(ioctl(lfd, LOOP_CLR_FD) == 0);
	close(ro);
	close(bf);
}

/* cycles through two devices: B backed by /dev/A, then A by /dev/B */
static void cycles(int ctl, int lfd)
{
	int m = atoi(dev2 + 9);		/* made by control() */
	int bfd = open(dev2, O_RDWR);
	CHECK(bfd >= 0);
	CHECK(ioctl(bfd, LOOP_SET_FD, lfd) == 0);	/* B on A: fine */
	CHECK(ioctl(lfd, LOOP_SET_FD, bfd) < 0 && errno == EBADF);	/* A on B: a cycle */
	CHECK(ioctl(ctl, LOOP_CTL_REMOVE, m) < 0 && errno == EBUSY);
	CHECK(ioctl(bfd, LOOP_CLR_FD) == 0);
	close(bfd);
	CHECK(ioctl(ctl, LOOP_CTL_REMOVE, m) == 0);
}

/* another process has it open: clearing waits for its last close */
static void autoclear(int lfd)
{
	struct loop_info64 li;
	int bf = open("/tmp/loop_bk", O_RDWR);
	int p[2], q[2];		/* child to parent, parent to child */

	CHECK(ioctl(lfd, LOOP_SET_FD, bf) == 0);
	CHECK(pipe(p) == 0 && pipe(q) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(dev, O_RDONLY);
		char c = fd >= 0 ? 'y' : 'n', b[512];
		write(p[1], &c, 1);
		read(q[0], &c, 1);	/* until the parent cleared it */
		_exit(pread(fd, b, 512, 0) == 512 ? 0 : 1);
	}
	char c = 0;
	CHECK(read(p[0], &c, 1) == 1 && c == 'y');
	CHECK(ioctl(lfd, LOOP_CLR_FD) == 0);
	CHECK(ioctl(lfd, LOOP_GET_STATUS64, &li) == 0 && (li.lo_flags & LO_FLAGS_AUTOCLEAR));
	write(q[1], "g", 1);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* our fd is the last user: bound until it closes */
	CHECK(ioctl(lfd, LOOP_GET_STATUS64, &li) == 0);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	close(bf);
}

static volatile int stop;
static int race_fd;

static void *reader(void *arg)
{
	static char b[65536];
	long bad = 0;
	(void)arg;
	while (!stop) {
		ssize_t r = pread(race_fd, b, sizeof(b), 4096);
		if ((r > 0 && (b[0] != (char)(1 + 4096 * 7 + 1))) || (r < 0 && errno != EIO)) {
			if (!bad++)
				printf("# loop_dev: a read racing the clear: %zd (%s), first byte %d\n",
				       r, r < 0 ? strerror(errno) : "data", b[0]);
		}
	}
	return (void *)bad;
}

/* a thread reads through the same file while it is cleared and rebound */
static void race(void)
{
	int lfd = open(dev, O_RDWR), bf = open("/tmp/loop_bk", O_RDWR | O_TRUNC);
	static char buf[MB];
	pthread_t t;
	void *bad;

	fill(buf, MB, 1);
	CHECK(write(bf, buf, MB) == MB);
	race_fd = lfd;
	CHECK(pthread_create(&t, NULL, reader, NULL) == 0);
	for (int i = 0; i < 40; i++) {
		CHECK(ioctl(lfd, LOOP_SET_FD, bf) == 0);
		usleep(1000);
		CHECK(ioctl(lfd, LOOP_CLR_FD) == 0);
	}
	stop = 1;
	pthread_join(t, &bad);
	CHECK(bad == NULL);
	close(lfd);
	close(bf);
	unlink("/tmp/loop_bk");
}

static int sh(const char *cmd)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	static char out[4096];
	printf("# %s\n", cmd);
	fflush(stdout);
	int st = run_capture(argv, NULL, true, out, sizeof(out));
	if (st != 0)
		fprintf(stderr, TEST_NAME ": `%s`: status %d: %s\n", cmd, st, out);
	return st;
}

/* ext2 on a loop device on a file of an ext2 disk */
static void ext2_on_loop(int ctl)
{
	const char *disk = access("/dev/vda", F_OK) == 0 ? "/dev/vda" : NULL;
	char cmd[256];
	struct loop_info64 li;

	if (!disk) {
		printf("# no /dev/vda: ext2 on a loop device skipped\n");
		return;
	}
	mkdir("/mnt/lp_disk", 0755);
	mkdir("/mnt/lp_loop", 0755);
	CHECK(mount(disk, "/mnt/lp_disk", "ext2", 0, NULL) == 0);
	int bf = open("/mnt/lp_disk/loop.img", O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(bf >= 0 && ftruncate(bf, 8 * MB) == 0);
	free_loop(ctl, dev, sizeof(dev));
	int lfd = open(dev, O_RDWR);
	struct loop_config c = { .fd = (uint32_t)bf };
	CHECK(ioctl(lfd, LOOP_CONFIGURE, &c) == 0);
	snprintf(cmd, sizeof(cmd), "mke2fs -b 1024 %s >/dev/null", dev);
	CHECK(sh(cmd) == 0);
	CHECK(mount(dev, "/mnt/lp_loop", "ext2", 0, NULL) == 0);
	CHECK(mount(dev, "/mnt/lp_disk", "ext2", 0, NULL) < 0 && errno == EBUSY);
	CHECK(sh("dd if=/dev/urandom of=/mnt/lp_loop/f bs=1k count=2000 2>/dev/null") == 0);
	CHECK(sh("md5sum /mnt/lp_loop/f > /tmp/loop_sum") == 0);
	CHECK(sh("mkdir /mnt/lp_loop/d && cp /bin/busybox /mnt/lp_loop/d/") == 0);
	/* a second process clears it while mounted: it stays until umount */
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(dev, O_RDONLY);
		_exit(fd >= 0 && ioctl(fd, LOOP_CLR_FD) == 0 ? 0 : 1);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(ioctl(lfd, LOOP_GET_STATUS64, &li) == 0 && (li.lo_flags & LO_FLAGS_AUTOCLEAR));
	CHECK(sh("sync && cmp /bin/busybox /mnt/lp_loop/d/busybox") == 0);
	CHECK(umount("/mnt/lp_loop") == 0);
	CHECK(ioctl(lfd, LOOP_GET_STATUS64, &li) == 0);	/* our fd still holds it */
	close(lfd);
	lfd = open(dev, O_RDWR);
	CHECK(ioctl(lfd, LOOP_GET_STATUS64, &li) < 0 && errno == ENXIO);
	/* the image is a real ext2 file system on the disk: again */
	char magic[2] = { 0 };
	CHECK(pread(bf, magic, 2, 1024 + 56) == 2 && magic[0] == 0x53 && (magic[1] & 0xff) == 0xef);
	CHECK(ioctl(lfd, LOOP_SET_FD, bf) == 0);
	CHECK(mount(dev, "/mnt/lp_loop", "ext2", MS_RDONLY, NULL) == 0);
	CHECK(sh("md5sum /mnt/lp_loop/f | cmp -s - /tmp/loop_sum") == 0);
	CHECK(ioctl(ctl, LOOP_CTL_REMOVE, atoi(dev + 9)) < 0 && errno == EBUSY);
	CHECK(umount("/mnt/lp_loop") == 0);
	CHECK(ioctl(lfd, LOOP_CLR_FD) == 0);
	close(lfd);
	close(bf);
	CHECK(unlink("/mnt/lp_disk/loop.img") == 0);
	CHECK(umount("/mnt/lp_disk") == 0);
	unlink("/tmp/loop_sum");
}

int main(int argc, char **argv)
{
	int ctl = open("/dev/loop-control", O_RDWR);

	CHECK(ctl >= 0);
	if (ctl < 0)
		return check_done();
	if (argc > 1 && !strcmp(argv[1], "ext2")) {	/* that part alone */
		ext2_on_loop(ctl);
		return check_done();
	}
	ext2_on_loop(ctl);
	control(ctl);
	int lfd = open(dev, O_RDWR);
	CHECK(lfd >= 0);
	hostile_bind(lfd);
	data(lfd);
	cycles(ctl, lfd);
	autoclear(lfd);
	close(lfd);
	lfd = open(dev, O_RDWR);
	struct loop_info64 li;
	CHECK(ioctl(lfd, LOOP_GET_STATUS64, &li) < 0 && errno == ENXIO);	/* autocleared */
	close(lfd);
	race();
	return check_done();
}
