/*
 * A read-only mount of a writable filesystem refuses every change made
 * through it, not only open(O_WRONLY) and the namespace calls: extended
 * attributes (path and fd forms), inode flags, O_TMPFILE and fallocate
 * checked only the filesystem's own read-only flag. The same changes
 * through the writable mount of the same tmpfs still work.
 */
#define _GNU_SOURCE
#define TEST_NAME "ro_mount_writes"
#include "check.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#define T "/tmp/romw"
#define FS_IOC_GETFLAGS 0x80086601	/* <linux/fs.h>, not in musl's headers */
#define FS_IOC_SETFLAGS 0x40086602
#define FS_NOATIME_FL 0x80

int main(void)
{
	mkdir(T, 0755);
	mkdir(T "/a", 0755);
	mkdir(T "/b", 0755);
	CHECK(mount("none", T "/a", "tmpfs", 0, NULL) == 0);
	int fd = open(T "/a/f", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK(mkdir(T "/a/d", 0755) == 0);
	CHECK(setxattr(T "/a/f", "user.k", "v", 1, 0) == 0);
	CHECK(mount(T "/a", T "/b", NULL, MS_BIND, NULL) == 0);
	/* not while a file is open for writing through it; a writer through
	 * the other mount of the same filesystem does not count */
	int w = open(T "/b/f", O_WRONLY), wa = open(T "/a/f", O_WRONLY);
	CHECK(w >= 0 && wa >= 0);
	CHECK(mount(NULL, T "/b", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == -1 &&
	      errno == EBUSY);
	CHECK(write(w, "x", 1) == 1);	/* still writable */
	close(w);
	CHECK(mount(NULL, T "/b", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0);
	close(wa);

	/* extended attributes by path */
	CHECK(setxattr(T "/b/f", "user.x", "v", 1, 0) == -1 && errno == EROFS);
	CHECK(lsetxattr(T "/b/f", "user.x", "v", 1, 0) == -1 && errno == EROFS);
	CHECK(removexattr(T "/b/f", "user.k") == -1 && errno == EROFS);
	char v[8];
	CHECK(getxattr(T "/b/f", "user.k", v, sizeof(v)) == 1);	/* reading is fine */
	/* ... and by a descriptor opened through the read-only mount */
	fd = open(T "/b/f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(fsetxattr(fd, "user.x", "v", 1, 0) == -1 && errno == EROFS);
	CHECK(fremovexattr(fd, "user.k") == -1 && errno == EROFS);
	int fl = 0;
	CHECK(ioctl(fd, FS_IOC_GETFLAGS, &fl) == 0);
	fl |= FS_NOATIME_FL;
	CHECK(ioctl(fd, FS_IOC_SETFLAGS, &fl) == -1 && errno == EROFS);
	close(fd);
	/* an unnamed file in a directory of the read-only mount */
	CHECK(open(T "/b/d", O_TMPFILE | O_RDWR, 0600) == -1 && errno == EROFS);

	/* the writable mount of the same filesystem takes all of it */
	fd = open(T "/a/f", O_RDWR);
	CHECK(fd >= 0);
	CHECK(fsetxattr(fd, "user.x", "v", 1, 0) == 0);
	CHECK(fremovexattr(fd, "user.x") == 0);
	fl = 0;
	CHECK(ioctl(fd, FS_IOC_GETFLAGS, &fl) == 0);
	fl |= FS_NOATIME_FL;
	CHECK(ioctl(fd, FS_IOC_SETFLAGS, &fl) == 0);
	fl &= ~FS_NOATIME_FL;
	CHECK(ioctl(fd, FS_IOC_SETFLAGS, &fl) == 0);
	close(fd);
	CHECK(removexattr(T "/a/f", "user.k") == 0);
	fd = open(T "/a/d", O_TMPFILE | O_RDWR, 0600);
	CHECK(fd >= 0);
	close(fd);

	/* mount_setattr's MOUNT_ATTR_RDONLY: the same rule */
	struct { uint64_t set, clr, prop, userns; } ro = { 1, 0, 0, 0 }, rw = { 0, 1, 0, 0 };
	CHECK(syscall(442, AT_FDCWD, T "/b", 0, &rw, sizeof(rw)) == 0);
	w = open(T "/b/f", O_WRONLY);
	CHECK(w >= 0);
	CHECK(syscall(442, AT_FDCWD, T "/b", 0, &ro, sizeof(ro)) == -1 && errno == EBUSY);
	CHECK(write(w, "y", 1) == 1);
	close(w);
	CHECK(syscall(442, AT_FDCWD, T "/b", 0, &ro, sizeof(ro)) == 0);
	CHECK(open(T "/b/f", O_WRONLY) == -1 && errno == EROFS);

	CHECK(umount(T "/b") == 0);
	CHECK(umount(T "/a") == 0);
	rmdir(T "/a");
	rmdir(T "/b");
	rmdir(T);
	return check_done();
}
