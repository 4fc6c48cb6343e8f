/*
 * File lock records are limited per user: one user filling its share (on
 * one inode, 1024; in all, 16384) gets ENOLCK, while another user can
 * still lock the same file and others, with fcntl and flock. Closing
 * gives the records back.
 */
#define _GNU_SOURCE
#define TEST_NAME "flock_fair"
#include "check.h"
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#define NFILES 17

static char path[NFILES][64];

static int lock_byte(int fd, off_t at)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = at, .l_len = 1 };
	return fcntl(fd, F_SETLK, &fl);
}

/* Locks every other byte of fd until ENOLCK (or max); how many. */
static int fill(int fd, int max)
{
	int n = 0;
	while (n < max && lock_byte(fd, 2 * n) == 0)
		n++;
	return n < max && errno != ENOLCK ? -errno : n;
}

int main(void)
{
	for (int i = 0; i < NFILES; i++) {
		snprintf(path[i], sizeof(path[i]), "/tmp/flock_fair.%d", i);
		int fd = open(path[i], O_CREAT | O_RDWR | O_TRUNC, 0666);
		CHECK(fd >= 0 && fchmod(fd, 0666) == 0);
		close(fd);
	}
	int ready[2], go[2];
	CHECK(pipe(ready) == 0 && pipe(go) == 0);
	pid_t hog = fork();
	if (hog == 0) {	/* user 3001 takes all it may, and keeps it */
		close(go[1]);
		char r = 0;
		if (setresuid(3001, 3001, 3001))
			r = 1;
		int fds[NFILES], got[NFILES];
		for (int i = 0; i < NFILES && !r; i++) {
			fds[i] = open(path[i], O_RDWR);
			got[i] = fill(fds[i], 4096);
		}
		if (!r && got[0] != 1024)
			r = 2;	/* the per-inode share */
		int total = 0;
		for (int i = 0; i < NFILES - 1 && !r; i++)
			total += got[i];
		if (!r && (total != 16384 || got[NFILES - 1] != 0))
			r = 3;	/* the per-user share */
		if (r)
			fprintf(stderr, TEST_NAME ": hog: first %d, last %d\n", got[0],
				got[NFILES - 1]);
		write(ready[1], &r, 1);
		read(go[0], &r, 1);
		/* closing gives them back */
		for (int i = 0; i < NFILES; i++)
			close(fds[i]);
		int fd = open(path[NFILES - 1], O_RDWR);
		_exit(fill(fd, 100) == 100 ? 0 : 4);
	}
	char r = 9;
	CHECK(read(ready[0], &r, 1) == 1 && r == 0);
	/* another user, while the hog holds everything it may */
	pid_t other = fork();
	if (other == 0) {
		if (setresuid(3002, 3002, 3002))
			_exit(1);
		int fd = open(path[0], O_RDWR);	/* the hog's full inode */
		if (fd < 0 || lock_byte(fd, 1) || lock_byte(fd, 3))
			_exit(2);
		int fd2 = open(path[NFILES - 1], O_RDWR);
		if (fd2 < 0 || fill(fd2, 50) != 50)
			_exit(3);
		int fd3 = open(path[5], O_RDONLY);
		if (fd3 < 0 || flock(fd3, LOCK_SH | LOCK_NB))
			_exit(4);
		_exit(0);
	}
	int st;
	CHECK(waitpid(other, &st, 0) == other && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		fprintf(stderr, TEST_NAME ": other user: %d\n", WEXITSTATUS(st));
	close(go[1]);
	CHECK(waitpid(hog, &st, 0) == hog && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	for (int i = 0; i < NFILES; i++)
		unlink(path[i]);
	if (!failures)
		printf(TEST_NAME ": ok\n");
	return check_done();
}
