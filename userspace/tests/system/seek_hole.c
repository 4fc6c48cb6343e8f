/*
 * seek_hole: lseek SEEK_DATA / SEEK_HOLE on tmpfs (/tmp) and on ext2 (a
 * loop device on a /tmp file, 1 KiB blocks): data where the file has
 * pages or blocks, holes where a truncate grew it or a punch emptied it,
 * the virtual hole at the end; the attacker's values (offsets negative,
 * at or past the end, huge sparse files that must not be walked a block
 * at a time, bad whence, pipes, directories) and a thread writing into
 * the holes while another seeks.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "seek_hole"
#include "check.h"

#ifndef SEEK_DATA
#define SEEK_DATA 3
#define SEEK_HOLE 4
#endif
#define LOOP_CONFIGURE 0x4C0A
#define LOOP_CLR_FD 0x4C01
#define LOOP_CTL_GET_FREE 0x4C82

struct loop_config {
	uint32_t fd, block_size;
	uint8_t info[232];
	uint64_t reserved[8];
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static off_t sk(int fd, off_t off, int whence)
{
	errno = 0;
	return lseek(fd, off, whence);
}

/* bs: the filesystem's allocation unit (a page on tmpfs, a block on ext2) */
static void layout(const char *dir, off_t bs)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/sparse", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	off_t size = 64 * bs;
	CHECK(ftruncate(fd, size) == 0);
	/* all hole: no data, the hole at 0 */
	CHECK(sk(fd, 0, SEEK_DATA) == -1 && errno == ENXIO);
	CHECK(sk(fd, 0, SEEK_HOLE) == 0);
	CHECK(sk(fd, 5, SEEK_HOLE) == 5);
	CHECK(pwrite(fd, "data0", 5, 0) == 5);
	CHECK(pwrite(fd, "data1", 5, 16 * bs + 10) == 5);
	CHECK(pwrite(fd, "data2", 5, size - 128) == 5);
	CHECK(fsync(fd) == 0);
	CHECK(sk(fd, 0, SEEK_DATA) == 0);
	CHECK(sk(fd, 3, SEEK_DATA) == 3);
	CHECK(sk(fd, 0, SEEK_HOLE) == bs);
	CHECK(sk(fd, 3, SEEK_HOLE) == bs);
	CHECK(sk(fd, bs, SEEK_DATA) == 16 * bs);
	CHECK(sk(fd, bs + 100, SEEK_HOLE) == bs + 100);
	CHECK(sk(fd, 16 * bs - 1, SEEK_DATA) == 16 * bs);
	CHECK(sk(fd, 16 * bs, SEEK_HOLE) == 17 * bs);
	CHECK(sk(fd, 17 * bs, SEEK_DATA) == 63 * bs);
	CHECK(sk(fd, 63 * bs, SEEK_HOLE) == size);	/* the one at the end */
	CHECK(sk(fd, size - 1, SEEK_DATA) == size - 1);
	/* the position moves to the answer */
	CHECK(sk(fd, bs, SEEK_DATA) == 16 * bs && sk(fd, 0, SEEK_CUR) == 16 * bs);
	char buf[8] = { 0 };
	CHECK(read(fd, buf, 5) == 5 && !memcmp(buf, "\0\0\0\0\0", 5));	/* 10 in */
	/* hostile offsets */
	CHECK(sk(fd, size, SEEK_DATA) == -1 && errno == ENXIO);
	CHECK(sk(fd, size, SEEK_HOLE) == -1 && errno == ENXIO);
	CHECK(sk(fd, size + 12345, SEEK_HOLE) == -1 && errno == ENXIO);
	CHECK(sk(fd, -1, SEEK_DATA) == -1 && errno == ENXIO);
	CHECK(sk(fd, INT64_MIN, SEEK_HOLE) == -1 && errno == ENXIO);
	CHECK(sk(fd, INT64_MAX, SEEK_DATA) == -1 && errno == ENXIO);
	CHECK(sk(fd, 0, 5) == -1 && errno == EINVAL);
	CHECK(sk(fd, 0, -1) == -1 && errno == EINVAL);
	/* a punched hole (tmpfs; ext2 has none: EOPNOTSUPP) */
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, bs) == 0) {
		CHECK(sk(fd, 0, SEEK_DATA) == 16 * bs);
		CHECK(sk(fd, 0, SEEK_HOLE) == 0);
	} else {
		CHECK(errno == EOPNOTSUPP);
	}
	/* a truncate drops the data past it: SEEK_DATA past it finds nothing */
	CHECK(ftruncate(fd, 32 * bs) == 0);
	CHECK(sk(fd, 17 * bs, SEEK_DATA) == -1 && errno == ENXIO);
	CHECK(sk(fd, 17 * bs, SEEK_HOLE) == 17 * bs);
	/* huge and sparse: answers must not walk it a block at a time */
	off_t huge = (off_t)0x7ffff000;	/* below 2 GiB: ext2 without large_file */
	CHECK(ftruncate(fd, huge) == 0);
	CHECK(pwrite(fd, "tail", 4, huge - 4) == 4);
	double t0 = now();
	CHECK(sk(fd, 17 * bs, SEEK_DATA) == (huge - 4) / bs * bs);
	CHECK(sk(fd, 17 * bs, SEEK_HOLE) == 17 * bs);
	CHECK(sk(fd, huge - 4, SEEK_HOLE) == huge);
	double dt = now() - t0;
	CHECK(dt < 2.0);
	if (dt >= 2.0)
		fprintf(stderr, "seek_hole: %s: huge file seeks took %.2f s\n", dir, dt);
	close(fd);
	CHECK(unlink(path) == 0);
	/* directories are not regular files */
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(d >= 0 && sk(d, 0, SEEK_DATA) == -1 && errno == EINVAL);
	close(d);
}

/* one thread fills the holes of a file while another asks where they are:
 * every answer is a boundary of what was there at some moment */
static int race_fd;
static volatile int race_stop;

static void *filler(void *arg)
{
	off_t bs = *(off_t *)arg;
	for (int i = 0; i < 64 && !race_stop; i++)
		if (pwrite(race_fd, "x", 1, (off_t)((i * 37) % 64) * bs) != 1)
			break;
	return NULL;
}

static void race(const char *dir, off_t bs)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/race", dir);
	race_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(race_fd >= 0 && ftruncate(race_fd, 64 * bs) == 0);
	race_stop = 0;
	pthread_t t;
	CHECK(pthread_create(&t, NULL, filler, &bs) == 0);
	for (int i = 0; i < 2000; i++) {
		off_t o = (off_t)(i % 64) * bs;
		off_t d = lseek(race_fd, o, SEEK_DATA);
		off_t h = lseek(race_fd, o, SEEK_HOLE);
		CHECK(d == -1 ? errno == ENXIO : d >= o && d < 64 * bs && d % bs == 0);
		CHECK(h >= o && h <= 64 * bs);
	}
	race_stop = 1;
	pthread_join(t, NULL);
	close(race_fd);
	unlink(path);
}

static int sh(const char *cmd) { return system(cmd); }

/* A hole punched over a huge sparse tmpfs file costs its pages, not its
 * size: 2^43 bytes with one page near the end, punched whole, took hours
 * with the inode locked and no way to kill it (make fuzz-syscalls). */
static void punch_sparse(void)
{
	char path[] = "/tmp/seek_hole_sparse";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	off_t size = (off_t)1 << 43;
	struct timespec t0, t1;

	CHECK(fd >= 0 && ftruncate(fd, size) == 0);
	CHECK(pwrite(fd, "x", 1, size - 4096) == 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, size) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# punching 2^43 sparse bytes took %.3f s\n", s);
	CHECK(s < 2);
	CHECK(sk(fd, 0, SEEK_DATA) == -1 && errno == ENXIO);	/* the page is gone */
	close(fd);
	unlink(path);
}

int main(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(sk(p[0], 0, SEEK_DATA) == -1 && errno == ESPIPE);
	CHECK(sk(-1, 0, SEEK_HOLE) == -1 && errno == EBADF);
	close(p[0]);
	close(p[1]);

	layout("/tmp", 4096);
	race("/tmp", 4096);
	punch_sparse();

	/* ext2 on a loop device over a tmpfs file */
	int ctl = open("/dev/loop-control", O_RDWR);
	CHECK(ctl >= 0);
	int n = ioctl(ctl, LOOP_CTL_GET_FREE);
	char dev[32];
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	int bf = open("/tmp/seek_hole.img", O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(bf >= 0 && ftruncate(bf, 16 << 20) == 0);
	int lfd = open(dev, O_RDWR);
	struct loop_config c = { .fd = (uint32_t)bf };
	CHECK(lfd >= 0 && ioctl(lfd, LOOP_CONFIGURE, &c) == 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "mke2fs -b 1024 %s >/dev/null", dev);
	CHECK(sh(cmd) == 0);
	mkdir("/mnt/seek_hole", 0755);
	CHECK(mount(dev, "/mnt/seek_hole", "ext2", 0, NULL) == 0);
	layout("/mnt/seek_hole", 1024);
	race("/mnt/seek_hole", 1024);
	CHECK(umount("/mnt/seek_hole") == 0);
	CHECK(ioctl(lfd, LOOP_CLR_FD) == 0);
	close(lfd);
	close(bf);
	close(ctl);
	unlink("/tmp/seek_hole.img");
	return check_done();
}
