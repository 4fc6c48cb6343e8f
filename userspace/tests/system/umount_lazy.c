#define _GNU_SOURCE
/*
 * umount_lazy: umount2(MNT_DETACH) on a busy ext2 mount (/dev/vdc).
 *  - plain umount of it is EBUSY while a file is open and a process has
 *    its working directory inside; MNT_DETACH succeeds at once;
 *  - the mount point shows the directory beneath again, and the mount is
 *    gone from /proc/mounts;
 *  - the open file still reads and writes, the process inside still
 *    walks relative paths, and ".." at the detached root stays there;
 *  - once the file is closed and the process has left, the filesystem is
 *    freed (synced) within a few seconds: the disk can be mounted again
 *    and shows what was written through the open file;
 *  - umount2 of a path that is not a mount point is EINVAL, unknown
 *    flags are EINVAL.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "umount_lazy"
#include "check.h"

#define MNT "/mnt/lazy"

static bool in_proc_mounts(const char *where)
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[512];
	bool found = false;

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, where))
			found = true;
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	mkdir("/mnt", 0755);
	mkdir(MNT, 0755);
	CHECK(mount("/dev/vdc", MNT, "ext2", 0, NULL) == 0);
	mkdir(MNT "/dir", 0755);
	int fd = open(MNT "/dir/lazy.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "before ", 7) == 7);
	struct stat inside, under;
	CHECK(stat(MNT, &inside) == 0);

	int go[2], done[2];
	CHECK(pipe(go) == 0 && pipe(done) == 0);
	pid_t kid = fork();
	if (kid == 0) {	/* lives in MNT/dir until told, then checks walks */
		char c;
		if (chdir(MNT "/dir") || read(go[0], &c, 1) != 1)
			_exit(2);
		struct stat a, b;
		int bad = 0;
		bad |= stat("lazy.txt", &a) != 0;		/* relative walks work */
		bad |= (stat("..", &a) != 0 || stat("../..", &b) != 0) << 1;
		bad |= (a.st_ino != b.st_ino || a.st_dev != b.st_dev) << 2;	/* ".." stays */
		bad |= (a.st_dev != inside.st_dev) << 3;
		write(done[1], &bad, sizeof(bad));
		read(go[0], &c, 1);	/* leave when told */
		_exit(0);
	}
	usleep(100000);		/* it is inside now */

	errno = 0;
	CHECK(umount(MNT) == -1 && errno == EBUSY);
	CHECK(umount2(MNT, 0x80) == -1 && errno == EINVAL);
	CHECK(umount2(MNT, MNT_DETACH) == 0);
	CHECK(stat(MNT, &under) == 0 && under.st_dev != inside.st_dev);
	CHECK(!in_proc_mounts(MNT));
	errno = 0;
	CHECK(umount2(MNT, MNT_DETACH) == -1 && errno == EINVAL);	/* not a mount now */
	errno = 0;
	CHECK(mount("/dev/vdc", MNT, "ext2", 0, NULL) == -1 && errno == EBUSY);	/* still in use */

	/* the open file and the process inside carry on */
	CHECK(write(fd, "after", 5) == 5);
	char buf[32] = { 0 };
	CHECK(pread(fd, buf, sizeof(buf) - 1, 0) == 12 && !strcmp(buf, "before after"));
	int bad = -1;
	CHECK(write(go[1], "g", 1) == 1 && read(done[0], &bad, sizeof(bad)) == sizeof(bad));
	if (bad)
		printf("# inside the detached mount: failures %#x\n", bad);
	CHECK(bad == 0);

	/* both let go: the filesystem is freed and the disk mounts again */
	close(fd);
	CHECK(write(go[1], "g", 1) == 1);
	CHECK(waitpid(kid, NULL, 0) == kid);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc;
	do {
		usleep(100000);
		rc = mount("/dev/vdc", MNT, "ext2", 0, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (rc && errno == EBUSY && t.tv_sec - t0.tv_sec < 10);
	printf("# mounted again %.1f s after the last user left\n",
	       (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9);
	CHECK(rc == 0);
	memset(buf, 0, sizeof(buf));
	int fd2 = open(MNT "/dir/lazy.txt", O_RDONLY);
	CHECK(fd2 >= 0 && read(fd2, buf, sizeof(buf) - 1) == 12 && !strcmp(buf, "before after"));
	close(fd2);
	unlink(MNT "/dir/lazy.txt");
	rmdir(MNT "/dir");
	CHECK(umount(MNT) == 0);
	return check_done();
}
