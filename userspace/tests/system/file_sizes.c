#define _GNU_SOURCE
/*
 * file_sizes: no file size or offset passes the filesystem's limit
 * (2^63 - 1 on the memory filesystem, as tmpfs; ext2's own maximum),
 * with Linux's errors: a write at the limit is EFBIG, one across it is
 * cut short, lseek past it is EINVAL, truncate past it is EFBIG, and
 * mmap of a file range past 2^63 is EOVERFLOW. Before, pwrite at
 * 2^63 - 8 succeeded and left st_size negative, after which lseek
 * SEEK_END failed for everyone.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEST_NAME "file_sizes"
#include "check.h"

#define MAXSZ INT64_MAX

/* Linux's rules, both layers: a read or write whose end would pass
 * 2^63 is EINVAL (rw_verify_area); below that, the filesystem's limit
 * cuts a write short or refuses it with EFBIG. */
static void one_fs(const char *path, int64_t max)
{
	char buf[32] = "0123456789abcdef0123456789abcde";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	struct stat st;
	bool huge = max == MAXSZ;
	CHECK(fd >= 0);
	printf("# %s: limit %lld\n", path, (long long)max);
	if (huge) {
		errno = 0;
		CHECK(pwrite(fd, buf, 16, max - 8) == -1 && errno == EINVAL);
		CHECK(fstat(fd, &st) == 0 && st.st_size == 0);
		CHECK(pwrite(fd, buf, 7, max - 7) == 7);
	} else {
		CHECK(pwrite(fd, buf, 16, max - 8) == 8);	/* cut short */
		errno = 0;
		CHECK(pwrite(fd, buf, 1, max) == -1 && errno == EFBIG);
	}
	CHECK(fstat(fd, &st) == 0 && st.st_size == max);
	CHECK(lseek(fd, 0, SEEK_END) == max);	/* the size is sane for everyone */
	CHECK(lseek(fd, max - 4, SEEK_SET) == max - 4);
	if (huge) {
		CHECK(write(fd, buf, 16) == -1 && errno == EINVAL);
		CHECK(write(fd, buf, 4) == 4);
	} else {
		CHECK(write(fd, buf, 16) == 4);
		CHECK(write(fd, buf, 1) == -1 && errno == EFBIG);
	}
	CHECK(lseek(fd, 0, SEEK_CUR) == max);
	/* lseek past the limit, or below 0 */
	CHECK(lseek(fd, 1, SEEK_END) == -1 && errno == EINVAL);
	CHECK(lseek(fd, 1, SEEK_CUR) == -1 && errno == EINVAL);
	CHECK(lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL);
	/* truncate past it */
	if (!huge)
		CHECK(ftruncate(fd, max + 1) == -1 && errno == EFBIG);
	CHECK(ftruncate(fd, max) == 0);
	CHECK(ftruncate(fd, 100) == 0 && fstat(fd, &st) == 0 && st.st_size == 100);
	/* O_APPEND at the limit */
	CHECK(ftruncate(fd, max) == 0);
	int afd = open(path, O_WRONLY | O_APPEND);
	errno = 0;
	CHECK(afd >= 0 && write(afd, buf, 1) == -1 && errno == EFBIG);
	close(afd);
	/* a mapping whose file range passes 2^63 */
	CHECK(mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, (off_t)(MAXSZ - 4095 - 4096)) ==
	      MAP_FAILED && errno == EOVERFLOW);
	CHECK(ftruncate(fd, 0) == 0);
	close(fd);
	unlink(path);
}

int main(void)
{
	one_fs("big_on_memfs", MAXSZ);
	mkdir("/mnt/vdc-sizes", 0755);
	CHECK(mount("/dev/vdc", "/mnt/vdc-sizes", "ext2", 0, NULL) == 0);
	/* ext2's limit with 1 KiB blocks: what lseek lets us reach */
	int fd = open("/mnt/vdc-sizes/probe", O_RDWR | O_CREAT, 0644);
	int64_t lo = 0, hi = MAXSZ;
	while (lo < hi) {	/* the largest offset lseek accepts */
		int64_t mid = (int64_t)((uint64_t)lo + ((uint64_t)hi - (uint64_t)lo + 1) / 2);
		if (lseek(fd, mid, SEEK_SET) == mid)
			lo = mid;
		else
			hi = mid - 1;
	}
	close(fd);
	unlink("/mnt/vdc-sizes/probe");
	CHECK(lo < MAXSZ && lo > (1LL << 32));
	one_fs("/mnt/vdc-sizes/big", lo);
	CHECK(umount("/mnt/vdc-sizes") == 0);
	return check_done();
}
