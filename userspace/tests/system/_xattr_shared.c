#define _GNU_SOURCE
/*
 * _xattr_shared: a helper, not run by the suite (it needs a disk the host
 * made): /dev/vdc holds /a and /b sharing one attribute block (refcount
 * 2, user.s = "old"), as mke2fs or Linux may leave them. Changing /a must
 * copy the block first, so /b keeps "old"; the host then runs e2fsck -fn
 * (refcounts and bitmaps) and debugfs ea_list. Run by hand:
 *   make run CMD=/tests/_xattr_shared DISK="x.img y.img shared.img"
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TEST_NAME "_xattr_shared"
#include "check.h"

static long get(const char *p, const char *n, char *buf)
{
	long r = syscall(SYS_getxattr, p, n, buf, 64);
	if (r >= 0)
		buf[r] = 0;
	return r;
}

int main(void)
{
	char buf[65];
	mkdir("/mnt/s", 0755);
	CHECK(mount("/dev/vdc", "/mnt/s", "ext2", 0, NULL) == 0);
	CHECK(get("/mnt/s/a", "user.s", buf) == 3 && !strcmp(buf, "old"));
	CHECK(get("/mnt/s/b", "user.s", buf) == 3 && !strcmp(buf, "old"));
	CHECK(syscall(SYS_setxattr, "/mnt/s/a", "user.s", "new", 3, 0) == 0);
	CHECK(get("/mnt/s/a", "user.s", buf) == 3 && !strcmp(buf, "new"));
	CHECK(get("/mnt/s/b", "user.s", buf) == 3 && !strcmp(buf, "old"));
	CHECK(syscall(SYS_setxattr, "/mnt/s/b", "user.t", "x", 1, 0) == 0);
	CHECK(syscall(SYS_removexattr, "/mnt/s/a", "user.s") == 0);
	CHECK(umount("/mnt/s") == 0);
	CHECK(mount("/dev/vdc", "/mnt/s", "ext2", 0, NULL) == 0);
	CHECK(get("/mnt/s/b", "user.s", buf) == 3 && !strcmp(buf, "old"));
	CHECK(get("/mnt/s/b", "user.t", buf) == 1 && !strcmp(buf, "x"));
	CHECK(get("/mnt/s/a", "user.s", buf) < 0 && errno == ENODATA);
	CHECK(umount("/mnt/s") == 0);
	if (!failures)
		printf("ok - _xattr_shared\n");
	return check_done();
}
