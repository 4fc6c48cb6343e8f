#define _GNU_SOURCE
/*
 * random_dev: the kernel's random numbers from a program's side.
 *  - the RND* ioctls of /dev/urandom: RNDGETENTCNT agrees with
 *    /proc/sys/kernel/random/entropy_avail; a bad pointer is EFAULT, an
 *    unknown request EINVAL; the changing ones need root (EPERM for
 *    nobody); RNDADDENTROPY checks its size and buffer;
 *  - writes to /dev/urandom are taken (mixed in);
 *  - /proc/sys/kernel/random/uuid is a version-4 UUID, new each read;
 *    boot_id stays the same;
 *  - getrandom output of 1 MiB has a plausible byte histogram, and a
 *    parent and child reading after fork get different bytes.
 */
#define TEST_NAME "random_dev"
#include "check.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/random.h>

/* <linux/random.h>, which musl's headers lack */
#define RNDGETENTCNT _IOR('R', 0x00, int)
#define RNDADDENTROPY _IOW('R', 0x03, int[2])
#define RNDZAPENTCNT _IO('R', 0x04)
struct rand_pool_info {
	int entropy_count;
	int buf_size;
};

static int read_line(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t k = read(fd, buf, n - 1);
	close(fd);
	if (k <= 0)
		return -1;
	buf[k] = 0;
	return (int)k;
}

static bool is_uuid4(const char *s)
{
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!strchr("0123456789abcdef", s[i])) {
			return false;
		}
	}
	return s[14] == '4' && strchr("89ab", s[19]) && s[36] == '\n';
}

int main(void)
{
	char line[128], line2[128];
	int fd = open("/dev/urandom", O_RDWR);
	int cnt = -1;

	CHECK(fd >= 0);
	CHECK(ioctl(fd, RNDGETENTCNT, &cnt) == 0);
	CHECK(read_line("/proc/sys/kernel/random/entropy_avail", line, sizeof(line)) > 0);
	CHECK(atoi(line) == cnt && cnt > 0);
	errno = 0;
	CHECK(ioctl(fd, RNDGETENTCNT, (int *)8) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(ioctl(fd, _IO('R', 0x7f), 0) == -1 && errno == EINVAL);

	/* root may add: a good pool, a negative size, an unmapped buffer */
	struct { struct rand_pool_info h; unsigned char b[64]; } pool = { .h = { 512, 64 } };
	memset(pool.b, 0x5a, sizeof(pool.b));
	CHECK(ioctl(fd, RNDADDENTROPY, &pool) == 0);
	pool.h.buf_size = -1;
	errno = 0;
	CHECK(ioctl(fd, RNDADDENTROPY, &pool) == -1 && errno == EINVAL);
	struct rand_pool_info *bad = (struct rand_pool_info *)
		((char *)sbrk(0) + (1 << 24));	/* far past the heap: unmapped */
	errno = 0;
	CHECK(ioctl(fd, RNDADDENTROPY, bad) == -1 && errno == EFAULT);
	CHECK(ioctl(fd, RNDZAPENTCNT, 0) == 0);
	CHECK(write(fd, pool.b, sizeof(pool.b)) == (ssize_t)sizeof(pool.b));

	/* nobody may read the count and write, not change the count */
	pid_t pid = fork();
	if (pid == 0) {
		int bad_ok = 0;
		if (setuid(65534) != 0)
			_exit(2);
		pool.h.buf_size = 64;
		if (ioctl(fd, RNDGETENTCNT, &cnt) != 0)
			bad_ok |= 1;
		if (ioctl(fd, RNDADDENTROPY, &pool) != -1 || errno != EPERM)
			bad_ok |= 2;
		if (ioctl(fd, RNDZAPENTCNT, 0) != -1 || errno != EPERM)
			bad_ok |= 4;
		if (write(fd, pool.b, 16) != 16)
			bad_ok |= 8;
		_exit(bad_ok);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(fd);

	CHECK(read_line("/proc/sys/kernel/random/uuid", line, sizeof(line)) == 37 && is_uuid4(line));
	CHECK(read_line("/proc/sys/kernel/random/uuid", line2, sizeof(line2)) == 37 &&
	      strcmp(line, line2) != 0);
	CHECK(read_line("/proc/sys/kernel/random/boot_id", line, sizeof(line)) == 37 && is_uuid4(line));
	CHECK(read_line("/proc/sys/kernel/random/boot_id", line2, sizeof(line2)) == 37 &&
	      strcmp(line, line2) == 0);

	/* 1 MiB: each byte value about 4096 times; chi-square with 255
	 * degrees of freedom is above 400 with probability about 1e-8 */
	static unsigned char big[1 << 20];
	size_t got = 0;
	while (got < sizeof(big)) {
		ssize_t k = getrandom(big + got, sizeof(big) - got, 0);
		CHECK(k > 0);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	unsigned long hist[256] = { 0 };
	for (size_t i = 0; i < sizeof(big); i++)
		hist[big[i]]++;
	double chi = 0, e = sizeof(big) / 256.0;
	for (int i = 0; i < 256; i++)
		chi += (hist[i] - e) * (hist[i] - e) / e;
	if (!(chi < 400))
		printf("# chi-square %.1f\n", chi);
	CHECK(chi < 400);

	/* after fork, each side's next bytes are its own */
	int p[2];
	CHECK(pipe(p) == 0);
	pid = fork();
	if (pid == 0) {
		unsigned char c[32];
		if (getrandom(c, sizeof(c), 0) != sizeof(c) || write(p[1], c, sizeof(c)) != sizeof(c))
			_exit(1);
		_exit(0);
	}
	unsigned char mine[32], theirs[32];
	CHECK(getrandom(mine, sizeof(mine), 0) == sizeof(mine));
	CHECK(read(p[0], theirs, sizeof(theirs)) == sizeof(theirs));
	CHECK(memcmp(mine, theirs, sizeof(mine)) != 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	return check_done();
}
