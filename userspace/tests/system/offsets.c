#define _GNU_SOURCE
/*
 * offsets: file offsets and lengths a program chooses near the top of
 * off_t. The kernel adds them with checked arithmetic (they were signed
 * additions that could overflow, undefined behaviour the compiler may
 * fold away) and refuses a result past LLONG_MAX with EINVAL, as Linux
 * does (measured on Linux 6.x tmpfs: lseek SEEK_CUR/SEEK_END past the
 * top and pread/pwrite whose end overflows all give EINVAL).
 *
 *  - lseek(LLONG_MAX, SEEK_SET), then +1 and +LLONG_MAX with SEEK_CUR,
 *    LLONG_MIN with SEEK_CUR from the top (a negative result): EINVAL and
 *    the offset stays where it was;
 *  - SEEK_END with LLONG_MAX on a 2-byte file: EINVAL; LLONG_MAX - 2 lands
 *    exactly on LLONG_MAX;
 *  - pread/pwrite whose offset + length passes LLONG_MAX: EINVAL, file
 *    untouched; ending exactly at LLONG_MAX reads 0 bytes (past EOF).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEST_NAME "offsets"
#include "check.h"

static int einval(long r)
{
	return r == -1 && errno == EINVAL;
}

int main(void)
{
	char path[] = "/tmp/offsets.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return check_done();
	unlink(path);

	CHECK(lseek(fd, LLONG_MAX, SEEK_SET) == LLONG_MAX);
	errno = 0;
	CHECK(einval(lseek(fd, 1, SEEK_CUR)));
	errno = 0;
	CHECK(einval(lseek(fd, LLONG_MAX, SEEK_CUR)));
	errno = 0;
	CHECK(einval(lseek(fd, LLONG_MIN, SEEK_CUR)));	/* -1 */
	CHECK(lseek(fd, 0, SEEK_CUR) == LLONG_MAX);
	CHECK(lseek(fd, -LLONG_MAX, SEEK_CUR) == 0);
	errno = 0;
	CHECK(einval(lseek(fd, -1, SEEK_SET)));
	errno = 0;
	CHECK(einval(lseek(fd, LLONG_MIN, SEEK_SET)));

	CHECK(pwrite(fd, "ab", 2, 0) == 2);
	CHECK(lseek(fd, 5, SEEK_SET) == 5);
	errno = 0;
	CHECK(einval(lseek(fd, LLONG_MAX, SEEK_END)));
	errno = 0;
	CHECK(einval(lseek(fd, LLONG_MAX - 1, SEEK_END)));
	errno = 0;
	CHECK(einval(lseek(fd, -3, SEEK_END)));
	errno = 0;
	CHECK(einval(lseek(fd, LLONG_MIN, SEEK_END)));
	CHECK(lseek(fd, 0, SEEK_CUR) == 5);	/* failures moved nothing */
	CHECK(lseek(fd, LLONG_MAX - 2, SEEK_END) == LLONG_MAX);
	CHECK(lseek(fd, -2, SEEK_END) == 0);

	char buf[8] = "xyzw";
	errno = 0;
	CHECK(einval(pread(fd, buf, 4, LLONG_MAX - 1)));
	errno = 0;
	CHECK(einval(pread(fd, buf, 4, LLONG_MAX)));
	errno = 0;
	CHECK(einval(pwrite(fd, buf, 4, LLONG_MAX - 1)));
	errno = 0;
	CHECK(einval(pwrite(fd, buf, 2, LLONG_MAX)));
	errno = 0;
	CHECK(einval(pread(fd, buf, 1, LLONG_MIN)));
	CHECK(pread(fd, buf, 4, LLONG_MAX - 4) == 0);	/* ends at the top */
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == 2);
	CHECK(pread(fd, buf, 8, 0) == 2 && buf[0] == 'a' && buf[1] == 'b');
	close(fd);
	return check_done();
}
