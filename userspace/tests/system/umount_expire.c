/*
 * umount2(MNT_EXPIRE): the first call on an idle mount marks it and
 * fails with EAGAIN; any use of the mount in between clears the mark; a
 * second call with no use between unmounts it. A busy mount is EBUSY,
 * and MNT_EXPIRE with MNT_FORCE or MNT_DETACH is EINVAL. (Alloy refused
 * MNT_EXPIRE outright, and LTP's umount2_02 left its disk mounted.)
 */
#define TEST_NAME "umount_expire"
#include "check.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define T "/tmp/uexp"

static bool mounted(void)
{
	struct stat a, b;
	return stat(T, &a) == 0 && stat(T "/m", &b) == 0 && a.st_dev != b.st_dev;
}

int main(void)
{
	struct stat st;
	mkdir(T, 0755);
	mkdir(T "/m", 0755);
	CHECK(mount("none", T "/m", "tmpfs", 0, NULL) == 0);
	CHECK(umount2(T "/m", MNT_EXPIRE | MNT_FORCE) == -1 && errno == EINVAL);
	CHECK(umount2(T "/m", MNT_EXPIRE | MNT_DETACH) == -1 && errno == EINVAL);
	CHECK(umount2(T "/m", MNT_EXPIRE) == -1 && errno == EAGAIN);	/* marked */
	CHECK(stat(T "/m/.", &st) == 0);				/* a use */
	CHECK(umount2(T "/m", MNT_EXPIRE) == -1 && errno == EAGAIN);	/* marked again */
	CHECK(mounted());
	/* busy: an open directory in it */
	int fd = open(T "/m", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	CHECK(umount2(T "/m", MNT_EXPIRE) == -1 && errno == EBUSY);
	close(fd);
	CHECK(umount2(T "/m", MNT_EXPIRE) == -1 && errno == EAGAIN);	/* the close was a use */
	CHECK(umount2(T "/m", MNT_EXPIRE) == 0);			/* unused since */
	CHECK(!mounted());
	CHECK(umount2(T "/m", MNT_EXPIRE) == -1 && errno == EINVAL);	/* not a mount any more */
	rmdir(T "/m");
	rmdir(T);
	return check_done();
}
