#define _GNU_SOURCE
/*
 * ext2 features turned on at their first use, as Linux does, on a
 * filesystem made without them (busybox mke2fs: no large_file, no
 * ext_attr), on the scratch disk /dev/vdb (skipped without it): a file
 * past 2 GiB (write, truncate, fallocate) and an extended attribute work
 * and survive a remount. From the attacker's side: sizes just below and
 * past the old limit, and the real limit still EFBIG.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#define TEST_NAME "ext2_features"
#include "check.h"

#define DEV "/dev/vdb"
#define MNT "/mnt/vdb-feat"

int main(void)
{
	if (access(DEV, F_OK)) {
		fprintf(stderr, "ext2_features: no " DEV ": skipped\n");
		return 0;
	}
	char out[256];
	char *argv[] = { "/bin/busybox", "mke2fs", "-F", DEV, NULL };
	int st = run_capture(argv, NULL, true, out, sizeof(out));
	CHECK(st == 0);
	mkdir(MNT, 0755);
	CHECK(mount(DEV, MNT, "ext2", 0, NULL) == 0);
	int fd = open(MNT "/big", O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0);
	CHECK(pwrite(fd, "a", 1, 0x7ffffffeLL) == 1);	/* the last byte below 2 GiB */
	CHECK(pwrite(fd, "b", 1, 0x80000000LL) == 1);	/* past it */
	CHECK(pwrite(fd, "c", 1, 3LL << 30) == 1);
	CHECK(ftruncate(fd, 5LL << 30) == 0);
	CHECK(pwrite(fd, "d", 1, 1LL << 50) < 0 && errno == EFBIG);	/* the block map's limit */
	close(fd);
	fd = open(MNT "/fa", O_CREAT | O_RDWR, 0600);
	CHECK(fallocate(fd, 0, (3LL << 30) - 4096, 4096) == 0);
	close(fd);
	CHECK(setxattr(MNT "/big", "user.k", "v", 1, 0) == 0);
	CHECK(umount(MNT) == 0);
	CHECK(mount(DEV, MNT, "ext2", 0, NULL) == 0);
	struct stat sb;
	CHECK(stat(MNT "/big", &sb) == 0 && sb.st_size == (5LL << 30));
	CHECK(stat(MNT "/fa", &sb) == 0 && sb.st_size == (3LL << 30));
	char v[4] = { 0 };
	CHECK(getxattr(MNT "/big", "user.k", v, sizeof(v)) == 1 && v[0] == 'v');
	fd = open(MNT "/big", O_RDONLY);
	char c = 0;
	CHECK(pread(fd, &c, 1, 3LL << 30) == 1 && c == 'c');
	close(fd);
	CHECK(unlink(MNT "/big") == 0 && unlink(MNT "/fa") == 0);
	CHECK(umount(MNT) == 0);
	return check_done();
}
