#define _GNU_SOURCE
/*
 * dev_nodes: the standard character devices in /dev.
 *
 *  - /dev/null reads 0 bytes (EOF) and swallows writes of any size;
 *  - /dev/zero reads zeros, the full count even for a large read, and
 *    accepts writes;
 *  - /dev/full reads zeros and fails writes with ENOSPC;
 *  - /dev/urandom and /dev/random return the count asked for, and two reads
 *    differ (and are not all zeros);
 *  - stat() shows each as S_IFCHR with the Linux device numbers: null 1:3,
 *    zero 1:5, full 1:7, random 1:8, urandom 1:9, tty 5:0, console 5:1, and
 *    mode 0666 for the memory devices;
 *  - /dev/console can be opened for writing and written to.
 *
 * Exits 0 if everything passed, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static int failures;

static const char *errname(int e)
{
	switch (e) {
	case 0: return "none";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case ENXIO: return "ENXIO";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case EAGAIN: return "EAGAIN";
	case EPERM: return "EPERM";
	case ENOSYS: return "ENOSYS";
	default: return "?";
	}
}

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			int e_ = errno;					\
			fprintf(stderr, "dev_nodes: line %d: check failed: %s (errno %d %s)\n", \
				__LINE__, #cond, e_, errname(e_));	\
			failures++;					\
		}							\
	} while (0)

#define CHECK_EQ(expr, want)						\
	do {								\
		long got_, want_ = (long)(want);			\
		errno = 0;						\
		got_ = (long)(expr);					\
		if (got_ != want_) {					\
			int e_ = errno;					\
			fprintf(stderr, "dev_nodes: line %d: %s: expected %ld, got %ld errno %d (%s)\n", \
				__LINE__, #expr, want_, got_, e_, errname(e_)); \
			failures++;					\
		}							\
	} while (0)

#define CHECK_ERR(expr, err)						\
	do {								\
		long got_;						\
		errno = 0;						\
		got_ = (long)(expr);					\
		if (got_ != -1 || errno != (err)) {			\
			int e_ = errno;					\
			fprintf(stderr, "dev_nodes: line %d: %s: expected -1 errno %d (%s), got %ld errno %d (%s)\n", \
				__LINE__, #expr, (err), errname(err), got_, e_, errname(e_)); \
			failures++;					\
		}							\
	} while (0)

#define BUFSZ 65536
static unsigned char buf[BUFSZ], buf2[BUFSZ];

static long count_nonzero(const unsigned char *p, long n)
{
	long i, c = 0;

	for (i = 0; i < n; i++)
		c += p[i] != 0;
	return c;
}

static int open_dev(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0) {
		fprintf(stderr, "dev_nodes: open %s: errno %d (%s)\n", path, errno, errname(errno));
		failures++;
	}
	return fd;
}

static void null_zero_full(void)
{
	int fd;

	fd = open_dev("/dev/null", O_RDWR);
	if (fd >= 0) {
		CHECK_EQ(read(fd, buf, 100), 0);
		CHECK_EQ(read(fd, buf, 0), 0);
		CHECK_EQ(write(fd, "discard me", 10), 10);
		CHECK_EQ(write(fd, buf, BUFSZ), BUFSZ);	/* any size is taken whole */
		close(fd);
	}

	fd = open_dev("/dev/zero", O_RDWR);
	if (fd >= 0) {
		memset(buf, 0xa5, BUFSZ);
		CHECK_EQ(read(fd, buf, 1), 1);
		CHECK_EQ(buf[0], 0);
		CHECK_EQ(read(fd, buf + 7, 1000), 1000);	/* unaligned */
		CHECK_EQ(count_nonzero(buf + 7, 1000), 0);
		CHECK_EQ(buf[1007], 0xa5);	/* nothing past the count */
		memset(buf, 0xa5, BUFSZ);
		CHECK_EQ(read(fd, buf, BUFSZ), BUFSZ);
		CHECK_EQ(count_nonzero(buf, BUFSZ), 0);
		CHECK_EQ(write(fd, "x", 1), 1);
		close(fd);
	}

	fd = open_dev("/dev/full", O_RDWR);
	if (fd >= 0) {
		CHECK_ERR(write(fd, "x", 1), ENOSPC);
		CHECK_ERR(write(fd, buf, 4096), ENOSPC);
		memset(buf, 0xa5, 4096);
		CHECK_EQ(read(fd, buf, 4096), 4096);
		CHECK_EQ(count_nonzero(buf, 4096), 0);
		close(fd);
	}
}

static void randoms(void)
{
	static const char *const names[] = { "/dev/urandom", "/dev/random" };
	int i, fd;

	for (i = 0; i < 2; i++) {
		fd = open_dev(names[i], O_RDONLY);
		if (fd < 0)
			continue;
		memset(buf, 0, 256);
		memset(buf2, 0, 256);
		CHECK_EQ(read(fd, buf, 256), 256);
		CHECK_EQ(read(fd, buf2, 256), 256);
		if (memcmp(buf, buf2, 256) == 0) {
			fprintf(stderr, "dev_nodes: %s: two reads returned the same bytes\n", names[i]);
			failures++;
		}
		/* 256 random bytes are all zero with probability 2^-2048 */
		CHECK(count_nonzero(buf, 256) > 0);
		CHECK_EQ(read(fd, buf, 1), 1);
		CHECK_EQ(read(fd, buf, 4096), 4096);
		close(fd);
	}
}

static void numbers(void)
{
	static const struct {
		const char *path;
		unsigned maj, min;
		int mode;	/* permission bits to check, -1 for don't care */
	} devs[] = {
		{ "/dev/null", 1, 3, 0666 },
		{ "/dev/zero", 1, 5, 0666 },
		{ "/dev/full", 1, 7, 0666 },
		{ "/dev/random", 1, 8, 0666 },
		{ "/dev/urandom", 1, 9, 0666 },
		{ "/dev/tty", 5, 0, -1 },
		{ "/dev/console", 5, 1, -1 },
	};
	struct stat st;
	unsigned i;

	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		if (stat(devs[i].path, &st) < 0) {
			fprintf(stderr, "dev_nodes: stat %s: errno %d (%s)\n",
				devs[i].path, errno, errname(errno));
			failures++;
			continue;
		}
		if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != devs[i].maj ||
		    minor(st.st_rdev) != devs[i].min) {
			fprintf(stderr, "dev_nodes: %s: expected char device %u:%u, got mode 0%o rdev %u:%u\n",
				devs[i].path, devs[i].maj, devs[i].min, (unsigned)st.st_mode,
				major(st.st_rdev), minor(st.st_rdev));
			failures++;
		}
		if (devs[i].mode >= 0 && (int)(st.st_mode & 07777) != devs[i].mode) {
			fprintf(stderr, "dev_nodes: %s: expected permissions 0%o, got 0%o\n",
				devs[i].path, devs[i].mode, (unsigned)(st.st_mode & 07777));
			failures++;
		}
		CHECK_EQ(st.st_size, 0);
	}

	/* fstat on an open device agrees with stat */
	{
		int fd = open_dev("/dev/zero", O_RDONLY);

		if (fd >= 0) {
			CHECK_EQ(fstat(fd, &st), 0);
			CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 5));
			close(fd);
		}
	}
}

static void console(void)
{
	static const char msg[] = "# dev_nodes: this line was written to /dev/console\n";
	int fd = open_dev("/dev/console", O_WRONLY | O_NOCTTY);

	if (fd < 0)
		return;
	CHECK_EQ(write(fd, msg, sizeof(msg) - 1), sizeof(msg) - 1);
	close(fd);
}

int main(void)
{
	null_zero_full();
	randoms();
	numbers();
	console();
	if (failures) {
		fprintf(stderr, "dev_nodes: %d check(s) failed\n", failures);
		return 1;
	}
	return 0;
}
