/*
 * tmpfs extended attributes are charged to the filesystem's size: an
 * unprivileged user setting distinct user.* attributes on file after file
 * gets ENOSPC once the mount is full (not 128 KiB per file without end),
 * data writes then see ENOSPC too, and removexattr / unlink give it all
 * back (statfs's free blocks return to what they were).
 */
#define _GNU_SOURCE
#define TEST_NAME "tmpfs_xattr_limit"
#include "check.h"
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>

#define DIR "/tmp/xattr_limit"
#define NFILES 40

static long long free_blocks(void)
{
	struct statfs st;
	return statfs(DIR, &st) ? -1 : (long long)st.f_bfree;
}

static char val[2000];

/* distinct attributes on f until an error: how many bytes were stored */
static long fill(const char *f, int *err)
{
	char name[64];
	long stored = 0;
	for (int k = 0; k < 1000; k++) {
		snprintf(name, sizeof(name), "user.a%d", k);
		if (setxattr(f, name, val, sizeof(val), XATTR_CREATE)) {
			*err = errno;
			return stored;
		}
		stored += sizeof(val);
	}
	*err = 0;
	return stored;
}

int main(void)
{
	memset(val, 'v', sizeof(val));
	mkdir(DIR, 0777);
	CHECK(mount("none", DIR, "tmpfs", 0, "size=256k,mode=1777") == 0);
	long long before = free_blocks();
	CHECK(before == 64);
	pid_t pid = fork();
	if (pid == 0) {
		if (setresuid(4001, 4001, 4001))
			_exit(1);
		char f[NFILES][64];
		long total = 0;
		int err = 0, i;
		for (i = 0; i < NFILES; i++) {
			snprintf(f[i], sizeof(f[i]), DIR "/f%d", i);
			int fd = open(f[i], O_CREAT | O_RDWR, 0644);
			if (fd < 0)
				_exit(2);
			close(fd);
			total += fill(f[i], &err);
			if (err != ENOSPC)
				_exit(3);	/* the per-file limit, or none */
			if (total > 256 * 1024)
				_exit(4);	/* more than the mount holds */
			if (free_blocks() == 0)
				break;
		}
		if (i == NFILES)
			_exit(5);		/* never filled */
		if (total < 200 * 1024)
			_exit(6);		/* charged far too much */
		/* full: a fresh file's first attribute and a data write fail */
		int fd = open(DIR "/g", O_CREAT | O_RDWR, 0644);
		errno = 0;
		if (fd < 0 || setxattr(DIR "/g", "user.x", val, sizeof(val), 0) == 0 ||
		    errno != ENOSPC)
			_exit(7);
		char page[4096] = { 1 };
		errno = 0;
		if (write(fd, page, sizeof(page)) != -1 || errno != ENOSPC)
			_exit(8);
		/* removexattr gives room back */
		if (removexattr(f[0], "user.a0") || removexattr(f[0], "user.a1") ||
		    removexattr(f[0], "user.a2"))
			_exit(9);
		if (free_blocks() < 1 || write(fd, page, sizeof(page)) != sizeof(page))
			_exit(10);
		close(fd);
		unlink(DIR "/g");
		for (int k = 0; k <= i; k++)
			unlink(f[k]);
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, TEST_NAME ": user child: status %#x\n", st);
	CHECK(free_blocks() == before);		/* every page came back */
	/* too big a value is E2BIG, as Linux */
	static char big[65537];
	int fd = open(DIR "/h", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0);
	errno = 0;
	CHECK(fsetxattr(fd, "user.big", big, sizeof(big), 0) == -1 && errno == E2BIG);
	close(fd);
	unlink(DIR "/h");
	CHECK(umount(DIR) == 0);
	rmdir(DIR);
	if (!failures)
		printf(TEST_NAME ": ok\n");
	return check_done();
}
