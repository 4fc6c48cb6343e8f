#define _GNU_SOURCE
/*
 * FS_IOC_FIEMAP on ext2 (/dev/vda; skipped without it): the block map as
 * extents, checked against what was written. From the attacker's side:
 * unknown flags (EBADR, the unsupported ones written back), a zero
 * length, an extent count past what fits in memory, unmapped buffers
 * (EFAULT), a huge sparse file (the holes skipped, not walked block by
 * block), and a thread truncating and rewriting the file meanwhile.
 * memfs keeps no block map: EOPNOTSUPP.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#define TEST_NAME "fiemap"
#include "check.h"

#define FIEMAP 0xc020660b

struct ext {
	uint64_t logical, physical, length, r64[2];
	uint32_t flags, r32[3];
};
struct fm {
	uint64_t start, length;
	uint32_t flags, mapped, count, reserved;
	struct ext e[8];
};

static atomic_int stop;
static int tfd;

static void *churn(void *arg)
{
	(void)arg;
	char b[1024] = { 1 };
	while (!atomic_load(&stop)) {
		ftruncate(tfd, 0);
		pwrite(tfd, b, sizeof(b), 8192);
		pwrite(tfd, b, sizeof(b), 0);
	}
	return NULL;
}

int main(void)
{
	int mfd = open("/tmp/fiemap_mem", O_CREAT | O_RDWR, 0600);
	struct fm m = { .length = ~0ULL, .count = 8 };
	CHECK(ioctl(mfd, FIEMAP, &m) < 0 && errno == EOPNOTSUPP);
	close(mfd);
	unlink("/tmp/fiemap_mem");

	mkdir("/mnt/vda", 0755);
	if (mount("/dev/vda", "/mnt/vda", "ext2", 0, NULL)) {
		fprintf(stderr, "fiemap: no /dev/vda: skipped\n");
		return check_done();
	}
	int fd = open("/mnt/vda/fm", O_CREAT | O_RDWR | O_TRUNC, 0600);
	CHECK(fd >= 0);
	static char buf[4096];
	memset(buf, 7, sizeof(buf));
	CHECK(pwrite(fd, buf, 4096, 0) == 4096);
	CHECK(pwrite(fd, buf, 4096, 65536) == 4096);

	m = (struct fm){ .length = ~0ULL, .count = 8, .flags = 0xff };
	CHECK(ioctl(fd, FIEMAP, &m) < 0 && errno == EBADR && m.flags == 0xfe);
	m = (struct fm){ .length = 0, .count = 8 };
	CHECK(ioctl(fd, FIEMAP, &m) < 0 && errno == EINVAL);
	m = (struct fm){ .length = ~0ULL, .count = 0xffffffffu };
	CHECK(ioctl(fd, FIEMAP, &m) < 0 && errno == EINVAL);
	CHECK(ioctl(fd, FIEMAP, (void *)1) < 0 && errno == EFAULT);
	/* the extent array runs into an unmapped page */
	char *pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(pg + 4096, 4096);
	struct fm *edge = (struct fm *)(pg + 4096 - 32 - 56);	/* room for one extent */
	memset(edge, 0, 32);
	edge->length = ~0ULL;
	edge->count = 2;
	CHECK(ioctl(fd, FIEMAP, edge) < 0 && errno == EFAULT);
	edge->count = 1;
	CHECK(ioctl(fd, FIEMAP, edge) == 0 && edge->mapped == 1);

	/* two extents, the second the last; count-only mode agrees */
	m = (struct fm){ .length = ~0ULL, .count = 8, .flags = 1 };
	CHECK(ioctl(fd, FIEMAP, &m) == 0 && m.mapped == 2);
	CHECK(m.e[0].logical == 0 && m.e[0].length == 4096 && !(m.e[0].flags & 1));
	CHECK(m.e[1].logical == 65536 && m.e[1].length == 4096 && (m.e[1].flags & 1));
	CHECK(m.e[0].physical > 0 && m.e[1].physical > 0);
	/* the data is where the map says */
	int dev = open("/dev/vda", O_RDONLY);
	char got[4096];
	sync();
	CHECK(pread(dev, got, 4096, (off_t)m.e[1].physical) == 4096 && !memcmp(got, buf, 4096));
	close(dev);
	m = (struct fm){ .length = ~0ULL, .count = 0 };
	CHECK(ioctl(fd, FIEMAP, &m) == 0 && m.mapped == 2);
	m = (struct fm){ .start = 8192, .length = 4096, .count = 8 };
	CHECK(ioctl(fd, FIEMAP, &m) == 0 && m.mapped == 0);

	/* huge and sparse: quick */
	CHECK(ftruncate(fd, 0) == 0);
	off_t far = (off_t)8 << 30;
	CHECK(pwrite(fd, buf, 4096, far) == 4096);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	m = (struct fm){ .length = ~0ULL, .count = 8 };
	CHECK(ioctl(fd, FIEMAP, &m) == 0 && m.mapped == 1 && m.e[0].logical == (uint64_t)far);
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(b.tv_sec - a.tv_sec < 5);

	/* a thread changing the map meanwhile */
	CHECK(ftruncate(fd, 0) == 0);
	tfd = fd;
	pthread_t t;
	CHECK(pthread_create(&t, NULL, churn, NULL) == 0);
	for (int k = 0; k < 2000; k++) {
		m = (struct fm){ .length = ~0ULL, .count = 8 };
		CHECK(ioctl(fd, FIEMAP, &m) == 0 && m.mapped <= 2);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	close(fd);
	CHECK(unlink("/mnt/vda/fm") == 0);
	CHECK(umount("/mnt/vda") == 0);
	return check_done();
}
