/*
 * bind_mount: bind mounts and MS_MOVE from the attacker's side. A bind
 * shares the filesystem (same st_dev, changes seen both ways), shows a
 * part of it (a subdirectory, a file on a file), is EBUSY to unmount
 * while a file or cwd uses it and not because of the original's users;
 * the original can go first, and the filesystem (ext2 on a loop device)
 * goes with its last mount, so it mounts again after. MS_REC copies the
 * mounts below, a plain bind does not; a directory bound onto itself
 * does not loop; MS_MOVE moves a mount and refuses to move one into
 * itself; per-mount flags (remount,bind: nodev, noexec, nosymfollow) act
 * on that mount only; bad pointers, missing paths, a file onto a
 * directory; a walker racing bind/umount.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define TEST_NAME "bind_mount"
#include "check.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#define LOOP_CONFIGURE 0x4C0A
#define LOOP_CLR_FD 0x4C01
#define LOOP_CTL_GET_FREE 0x4C82

struct loop_config {
	uint32_t fd, block_size;
	uint8_t info[232];
	uint64_t reserved[8];
};

#define T "/tmp/bm"

static int in_mounts(const char *mnt)
{
	char line[512], want[300];
	int n = 0;
	snprintf(want, sizeof(want), " %s ", mnt);
	FILE *f = fopen("/proc/self/mounts", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, want))
			n++;
	fclose(f);
	return n;
}

static void put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s));
	close(fd);
}

static int has(const char *path, const char *s)
{
	char buf[64] = { 0 };
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n == (ssize_t)strlen(s) && !memcmp(buf, s, (size_t)n);
}

static void basics(void)
{
	struct stat a, b;
	mkdir(T, 0755);
	CHECK(mount("none", T, "tmpfs", 0, NULL) == 0);
	mkdir(T "/src", 0755);
	mkdir(T "/src/sub", 0755);
	mkdir(T "/dst", 0755);
	mkdir(T "/dst2", 0755);
	put(T "/src/sub/f", "one");
	/* hostile arguments */
	CHECK(mount((char *)1, T "/dst", NULL, MS_BIND, NULL) == -1 && errno == EFAULT);
	CHECK(mount(T "/src", (char *)1, NULL, MS_BIND, NULL) == -1 && errno == EFAULT);
	CHECK(mount(T "/nope", T "/dst", NULL, MS_BIND, NULL) == -1 && errno == ENOENT);
	CHECK(mount(T "/src/sub/f", T "/dst", NULL, MS_BIND, NULL) == -1 && errno == ENOTDIR);
	CHECK(mount(T "/src", T "/dst", NULL, MS_MOVE, NULL) == -1 && errno == EINVAL);
	CHECK(umount(T "/dst") == -1 && errno == EINVAL);	/* not a mount */
	/* a subdirectory bound: the same filesystem, both ways */
	CHECK(mount(T "/src/sub", T "/dst", NULL, MS_BIND, NULL) == 0);
	CHECK(has(T "/dst/f", "one"));
	CHECK(stat(T "/dst/f", &a) == 0 && stat(T "/src/sub/f", &b) == 0);
	CHECK(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	put(T "/dst/g", "two");
	CHECK(has(T "/src/sub/g", "two"));
	CHECK(in_mounts(T "/dst") == 1);
	/* ".." at the bind's root leaves the bind, not to src */
	CHECK(stat(T "/dst/..", &a) == 0 && stat(T, &b) == 0 && a.st_ino == b.st_ino);
	/* busy only for its own users */
	int fd = open(T "/dst/f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(umount(T "/dst") == -1 && errno == EBUSY);
	close(fd);
	fd = open(T "/src/sub/f", O_RDONLY);	/* the original's user */
	CHECK(umount(T "/dst") == 0);
	close(fd);
	CHECK(in_mounts(T "/dst") == 0);
	CHECK(access(T "/dst/f", F_OK) == -1 && errno == ENOENT);
	/* a cwd inside holds it; lazily it goes */
	CHECK(mount(T "/src", T "/dst", NULL, MS_BIND, NULL) == 0);
	pid_t p = fork();
	if (p == 0) {
		if (chdir(T "/dst/sub"))
			_exit(1);
		sleep(2);
		_exit(access("f", F_OK) == 0 ? 0 : 2);
	}
	usleep(300000);
	CHECK(umount(T "/dst") == -1 && errno == EBUSY);
	CHECK(umount2(T "/dst", MNT_DETACH) == 0);
	int st;
	CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* a file on a file */
	put(T "/dst2f", "x");
	CHECK(mount(T "/src/sub/f", T "/dst2f", NULL, MS_BIND, NULL) == 0);
	CHECK(has(T "/dst2f", "one"));
	CHECK(unlink(T "/dst2f") == -1 && errno == EBUSY);
	CHECK(umount(T "/dst2f") == 0 && has(T "/dst2f", "x"));
	/* recursive or not: a mount below src */
	CHECK(mount("none", T "/src/sub", "tmpfs", 0, NULL) == 0);
	put(T "/src/sub/inner", "in");
	CHECK(mount(T "/src", T "/dst", NULL, MS_BIND, NULL) == 0);
	CHECK(access(T "/dst/sub/inner", F_OK) == -1 && has(T "/dst/sub/f", "one"));
	CHECK(mount(T "/src", T "/dst2", NULL, MS_BIND | MS_REC, NULL) == 0);
	CHECK(has(T "/dst2/sub/inner", "in"));
	CHECK(in_mounts(T "/dst2/sub") == 1);
	CHECK(umount(T "/dst2") == -1 && errno == EBUSY);	/* its child first */
	CHECK(umount(T "/dst2/sub") == 0 && umount(T "/dst2") == 0);
	CHECK(umount(T "/dst") == 0);
	/* a mount made inside a bind is that mount's only */
	CHECK(mount(T "/src", T "/dst", NULL, MS_BIND, NULL) == 0);
	mkdir(T "/src/m", 0755);
	CHECK(mount("none", T "/dst/m", "tmpfs", 0, NULL) == 0);
	put(T "/dst/m/z", "z");
	CHECK(access(T "/src/m/z", F_OK) == -1 && errno == ENOENT);
	CHECK(umount(T "/dst") == -1 && errno == EBUSY);
	CHECK(umount(T "/dst/m") == 0 && umount(T "/dst") == 0);
	CHECK(umount(T "/src/sub") == 0);
	/* onto itself: no loop, and mounts inside still work */
	CHECK(mount(T "/src", T "/src", NULL, MS_BIND, NULL) == 0);
	CHECK(has(T "/src/sub/f", "one"));
	CHECK(mount(NULL, T "/src", NULL, MS_PRIVATE, NULL) == 0);
	CHECK(mount(NULL, T "/src/sub", NULL, MS_PRIVATE, NULL) == -1 && errno == EINVAL);
	CHECK(mount("none", T "/src/m", "tmpfs", 0, NULL) == 0);
	put(T "/src/m/y", "y");
	/* MS_MOVE: to dst; into itself refused */
	mkdir(T "/src/m/deeper", 0755);
	CHECK(mount(T "/src/m", T "/src/m/deeper", NULL, MS_MOVE, NULL) == -1 && errno == ELOOP);
	CHECK(mount(T "/src/m", T "/dst", NULL, MS_MOVE, NULL) == 0);
	CHECK(has(T "/dst/y", "y") && access(T "/src/m/y", F_OK) == -1);
	CHECK(in_mounts(T "/dst") == 1 && in_mounts(T "/src/m") == 0);
	CHECK(umount(T "/dst") == 0);
	CHECK(umount(T "/src") == 0);
	CHECK(umount(T "/src") == -1 && errno == EINVAL);
}

/* per-mount flags through remount,bind: only that mount */
static void flags(void)
{
	struct statfs sf;
	CHECK(mount(T "/src", T "/dst", NULL, MS_BIND, NULL) == 0);
	CHECK(mount(NULL, T "/dst", NULL, MS_REMOUNT | MS_BIND | MS_NODEV | MS_NOEXEC |
		    MS_NOSYMFOLLOW, NULL) == 0);
	CHECK(statfs(T "/dst", &sf) == 0 && (sf.f_flags & (ST_NODEV | ST_NOEXEC)) ==
	      (ST_NODEV | ST_NOEXEC) && (sf.f_flags & 0x2000));
	CHECK(statfs(T "/src", &sf) == 0 && !(sf.f_flags & (ST_NODEV | ST_NOEXEC | 0x2000)));
	CHECK(mknod(T "/src/null", S_IFCHR | 0666, makedev(1, 3)) == 0);
	int fd = open(T "/dst/null", O_WRONLY);
	CHECK(fd == -1 && errno == EACCES);
	fd = open(T "/src/null", O_WRONLY);
	CHECK(fd >= 0);
	close(fd);
	CHECK(symlink("sub/f", T "/src/ln") == 0);
	CHECK(open(T "/dst/ln", O_RDONLY) == -1 && errno == ELOOP);
	CHECK(has(T "/src/ln", "one"));
	char buf[16] = { 0 };
	CHECK(readlink(T "/dst/ln", buf, sizeof(buf)) == 5);
	CHECK(system("mkdir " T "/src/b && cp /bin/busybox " T "/src/b/busybox") == 0);
	CHECK(system(T "/dst/b/busybox true 2>/dev/null") != 0);
	CHECK(system(T "/src/b/busybox true") == 0);
	CHECK(umount(T "/dst") == 0);
}

static volatile int stop;

static void *walker(void *arg)
{
	(void)arg;
	struct stat s;
	while (!stop) {
		stat(T "/dst/sub/f", &s);
		int fd = open(T "/dst/sub", O_RDONLY | O_DIRECTORY);
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

static void race(void)
{
	pthread_t t[2];
	int bad = 0, ok = 0;
	stop = 0;
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, walker, NULL) == 0);
	for (int i = 0; i < 100; i++) {
		if (mount(T "/src", T "/dst", NULL, MS_BIND, NULL))
			bad++;
		for (int k = 0; k < 1000; k++) {
			if (umount(T "/dst") == 0) {
				ok++;
				break;
			}
			if (errno != EBUSY) {
				bad++;
				break;
			}
			sched_yield();
		}
	}
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	while (umount(T "/dst") == 0)
		;
	CHECK(bad == 0 && ok == 100);
	CHECK(in_mounts(T "/dst") == 0);
}

/* ext2 on a loop device: the original unmounted first, the filesystem
 * lives on in the bind and goes with it */
static void ext2(void)
{
	int ctl = open("/dev/loop-control", O_RDWR);
	int n = ioctl(ctl, LOOP_CTL_GET_FREE);
	char dev[32], cmd[128];
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	int bf = open(T "/img", O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(bf >= 0 && ftruncate(bf, 8 << 20) == 0);
	int lfd = open(dev, O_RDWR);
	struct loop_config c = { .fd = (uint32_t)bf };
	CHECK(lfd >= 0 && ioctl(lfd, LOOP_CONFIGURE, &c) == 0);
	snprintf(cmd, sizeof(cmd), "mke2fs -b 1024 %s >/dev/null", dev);
	CHECK(system(cmd) == 0);
	mkdir(T "/e", 0755);
	CHECK(mount(dev, T "/e", "ext2", 0, NULL) == 0);
	mkdir(T "/e/d", 0755);
	put(T "/e/d/file", "ext2");
	CHECK(mount(T "/e/d", T "/dst", NULL, MS_BIND, NULL) == 0);
	CHECK(umount(T "/e") == 0);
	CHECK(mount(dev, T "/e", "ext2", 0, NULL) == -1 && errno == EBUSY);	/* still mounted */
	CHECK(has(T "/dst/file", "ext2"));
	put(T "/dst/more", "more");
	int fd = open(T "/dst/file", O_RDONLY);
	CHECK(umount(T "/dst") == -1 && errno == EBUSY);
	close(fd);
	CHECK(umount(T "/dst") == 0);
	/* gone: it mounts again, with what was written through the bind */
	CHECK(mount(dev, T "/e", "ext2", 0, NULL) == 0);
	CHECK(has(T "/e/d/more", "more"));
	CHECK(umount(T "/e") == 0);
	CHECK(ioctl(lfd, LOOP_CLR_FD) == 0);
	close(lfd);
	close(bf);
	close(ctl);
}

int main(void)
{
	basics();
	flags();
	race();
	ext2();
	CHECK(umount(T) == 0);
	return check_done();
}
