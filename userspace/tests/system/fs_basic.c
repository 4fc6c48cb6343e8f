#define _GNU_SOURCE
/*
 * fs_basic: file and directory syscalls, all on relative paths in the scratch
 * cwd the runner gives us.
 *
 *  - open/openat/creat/close/read/write, readv/writev, pread64/pwrite64,
 *    lseek (SET/CUR/END, past the end: a hole reads back as zeros),
 *    ftruncate/truncate, O_APPEND, O_TRUNC, O_CREAT|O_EXCL, O_DIRECTORY,
 *    O_NOFOLLOW and the errors for the usual misuses;
 *  - dup/dup2/dup3, fcntl F_GETFD/F_SETFD/F_GETFL/F_SETFL/F_DUPFD/
 *    F_DUPFD_CLOEXEC;
 *  - fstat/stat/lstat/fstatat and statx: type bits, size, nlink, inode;
 *  - getdents64 over a 50-file directory with a small buffer: every name
 *    exactly once plus "." and "..";
 *  - getcwd/chdir/fchdir, mkdir/rmdir/unlink, rename (replace, across
 *    directories, directories, the error cases), access/faccessat,
 *    symlink/readlink (and ELOOP), link, umask;
 *  - a 1 MiB file written in 4 KiB chunks, read back with 64 KiB and
 *    1-byte reads;
 *  - an unlinked but open file; "//", "./", "../" in paths; a trailing
 *    slash on a file; 255- and 256-byte names, an over-long path.
 *
 * Exits 0 if everything passed, 1 otherwise (a line per failure on stderr).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

static int failures;

static const char *errname(int e)
{
	switch (e) {
	case 0: return "none";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case ENOSPC: return "ENOSPC";
	case ESPIPE: return "ESPIPE";
	case EROFS: return "EROFS";
	case EMLINK: return "EMLINK";
	case ERANGE: return "ERANGE";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOSYS: return "ENOSYS";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ELOOP: return "ELOOP";
	case EOVERFLOW: return "EOVERFLOW";
	case EBUSY: return "EBUSY";
	default: return "?";
	}
}

/* A condition that must hold; errno is shown in case a call just failed. */
#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			int e_ = errno;					\
			fprintf(stderr, "fs_basic: line %d: check failed: %s (errno %d %s)\n", \
				__LINE__, #cond, e_, errname(e_));	\
			failures++;					\
		}							\
	} while (0)

/* expr must evaluate to want. */
#define CHECK_EQ(expr, want)						\
	do {								\
		long got_, want_ = (long)(want);			\
		errno = 0;						\
		got_ = (long)(expr);					\
		if (got_ != want_) {					\
			int e_ = errno;					\
			fprintf(stderr, "fs_basic: line %d: %s: expected %ld, got %ld errno %d (%s)\n", \
				__LINE__, #expr, want_, got_, e_, errname(e_)); \
			failures++;					\
		}							\
	} while (0)

/* expr must fail with -1 and errno err. */
#define CHECK_ERR(expr, err)						\
	do {								\
		long got_;						\
		errno = 0;						\
		got_ = (long)(expr);					\
		if (got_ != -1 || errno != (err)) {			\
			int e_ = errno;					\
			fprintf(stderr, "fs_basic: line %d: %s: expected -1 errno %d (%s), got %ld errno %d (%s)\n", \
				__LINE__, #expr, (err), errname(err), got_, e_, errname(e_)); \
			failures++;					\
		}							\
	} while (0)

/* Create (or replace) name holding the string s. */
static void put(const char *name, const char *s)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	size_t len = strlen(s);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(write(fd, s, len), len);
	CHECK_EQ(close(fd), 0);
}

/* Whether name holds exactly the string s. */
static int holds(const char *name, const char *s)
{
	char buf[256];
	int fd = open(name, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n == (ssize_t)strlen(s) && memcmp(buf, s, n) == 0;
}

static int exists(const char *name)
{
	struct stat st;

	return lstat(name, &st) == 0;
}

static void basic_io(void)
{
	char buf[64];
	struct iovec iov[3];
	int fd, fd2, dfd;

	/* creat gives a write-only fd */
	fd = creat("a", 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "hello world", 11), 11);
	CHECK_ERR(read(fd, buf, 1), EBADF);
	CHECK_EQ(close(fd), 0);
	CHECK_ERR(close(fd), EBADF);
	CHECK(holds("a", "hello world"));

	fd = open("a", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, buf, 5), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 6);	/* short read at the end */
	CHECK(memcmp(buf, " world", 6) == 0);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0);	/* then EOF */
	CHECK_ERR(write(fd, "x", 1), EBADF);
	close(fd);

	/* openat relative to a directory fd; absolute/AT_FDCWD forms */
	CHECK_EQ(mkdir("sub", 0755), 0);
	dfd = open("sub", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	fd = openat(dfd, "f", O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "in sub", 6), 6);
	close(fd);
	CHECK(holds("sub/f", "in sub"));
	fd = openat(AT_FDCWD, "sub/f", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_ERR(openat(fd, "x", O_RDONLY), ENOTDIR);	/* dirfd is not a dir */
	close(fd);
	CHECK_ERR(openat(9999, "x", O_RDONLY), EBADF);
	close(dfd);

	/* the usual open errors */
	CHECK_ERR(open("a", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	CHECK_ERR(open("a", O_RDONLY | O_DIRECTORY), ENOTDIR);
	CHECK_ERR(open("missing", O_RDONLY), ENOENT);
	CHECK_ERR(open("nodir/missing", O_RDONLY | O_CREAT, 0644), ENOENT);
	CHECK_ERR(open("a/x", O_RDONLY), ENOTDIR);
	CHECK_ERR(open("sub", O_WRONLY), EISDIR);
	CHECK_ERR(open("", O_RDONLY), ENOENT);

	/* read on a directory */
	dfd = open("sub", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK_ERR(read(dfd, buf, sizeof(buf)), EISDIR);
	close(dfd);

	/* O_TRUNC empties an existing file */
	fd = open("a", O_RDWR | O_TRUNC);
	CHECK(fd >= 0);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 0);

	/* writev gathers, readv scatters */
	iov[0].iov_base = "abc";
	iov[0].iov_len = 3;
	iov[1].iov_base = "";
	iov[1].iov_len = 0;
	iov[2].iov_base = "defghij";
	iov[2].iov_len = 7;
	CHECK_EQ(writev(fd, iov, 3), 10);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	memset(buf, 0, sizeof(buf));
	iov[0].iov_base = buf;
	iov[0].iov_len = 4;
	iov[1].iov_base = buf + 10;
	iov[1].iov_len = 20;
	CHECK_EQ(readv(fd, iov, 2), 10);
	CHECK(memcmp(buf, "abcd", 4) == 0 && memcmp(buf + 10, "efghij", 6) == 0);

	/* pread/pwrite do not move the file offset */
	CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
	CHECK_EQ(pwrite(fd, "XY", 2, 5), 2);
	CHECK_EQ(pread(fd, buf, 4, 4), 4);
	CHECK(memcmp(buf, "eXYh", 4) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 2);
	CHECK_ERR(pread(fd, buf, 1, -1), EINVAL);

	/* lseek: SEEK_CUR/END arithmetic, bad whence, negative result */
	CHECK_EQ(lseek(fd, 3, SEEK_CUR), 5);
	CHECK_EQ(lseek(fd, -4, SEEK_END), 6);
	CHECK_ERR(lseek(fd, -100, SEEK_SET), EINVAL);
	CHECK_ERR(lseek(fd, 0, 42), EINVAL);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 6);

	/* writing past the end leaves a hole of zeros */
	CHECK_EQ(lseek(fd, 8192, SEEK_END), 8202);
	CHECK_EQ(write(fd, "Z", 1), 1);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 8203);
	{
		static char hole[8192];
		int i, bad = 0;

		memset(hole, 0x55, sizeof(hole));
		CHECK_EQ(pread(fd, hole, sizeof(hole), 10), 8192);
		for (i = 0; i < 8192; i++)
			bad += hole[i] != 0;
		CHECK(bad == 0);
		CHECK_EQ(pread(fd, buf, 10, 8202), 1);
		CHECK(buf[0] == 'Z');
		CHECK_EQ(pread(fd, buf, 10, 9000), 0);	/* past EOF */
	}

	/* ftruncate shrinks, and extends with zeros; truncate by name */
	CHECK_EQ(ftruncate(fd, 3), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_END), 3);
	CHECK_EQ(ftruncate(fd, 6), 0);
	memset(buf, 0x55, 6);
	CHECK_EQ(pread(fd, buf, 6, 0), 6);
	CHECK(memcmp(buf, "abc\0\0\0", 6) == 0);
	close(fd);
	CHECK_EQ(truncate("a", 1), 0);
	CHECK(holds("a", "a"));
	CHECK_ERR(truncate("sub", 0), EISDIR);

	/* O_APPEND: every write goes to the end, whatever the offset */
	put("ap", "123");
	fd = open("ap", O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "45", 2), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
	/* a second fd writing in between: the append still lands at the end */
	fd2 = open("ap", O_WRONLY);
	CHECK(fd2 >= 0);
	CHECK_EQ(pwrite(fd2, "6789", 4, 5), 4);
	CHECK_EQ(write(fd, "0", 1), 1);
	close(fd2);
	close(fd);
	CHECK(holds("ap", "1234567890"));
}

static void dup_fcntl(void)
{
	struct stat st1, st2;
	int fd, a, b, d, fl;

	put("d1", "dupdata");
	put("d2", "other");

	/* dup takes the lowest free number */
	a = open("d2", O_RDONLY);
	b = open("d2", O_RDONLY);
	CHECK(a >= 0 && b > a);
	close(a);
	fd = open("d1", O_RDWR | O_CLOEXEC);
	CHECK(fd == a);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);

	close(b);
	d = dup(fd);
	CHECK(d == b);
	/* the duplicate shares the offset but not FD_CLOEXEC */
	CHECK_EQ(fcntl(d, F_GETFD), 0);
	CHECK_EQ(lseek(fd, 3, SEEK_SET), 3);
	CHECK_EQ(lseek(d, 0, SEEK_CUR), 3);
	close(d);

	/* dup2 onto a free number, onto itself, onto an open fd */
	CHECK_EQ(dup2(fd, 50), 50);
	CHECK_EQ(fcntl(50, F_GETFD), 0);
	CHECK_EQ(dup2(fd, fd), fd);
	a = open("d2", O_RDONLY);
	CHECK(a >= 0);
	CHECK_EQ(dup2(fd, a), a);	/* a silently closed, now d1 */
	CHECK(fstat(a, &st1) == 0 && stat("d1", &st2) == 0 && st1.st_ino == st2.st_ino);
	close(a);
	CHECK_ERR(dup2(9999, 51), EBADF);
	CHECK_ERR(dup(9999), EBADF);

	/*
	 * dup3: O_CLOEXEC honoured; same fd or bad flags are errors. Raw
	 * syscalls, since musl's dup3() checks old == new itself and uses
	 * dup2 when flags are 0.
	 */
	CHECK_EQ(syscall(SYS_dup3, fd, 51, O_CLOEXEC), 51);
	CHECK_EQ(fcntl(51, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(syscall(SYS_dup3, fd, 52, 0), 52);
	CHECK_EQ(fcntl(52, F_GETFD), 0);
	CHECK_ERR(syscall(SYS_dup3, fd, fd, 0), EINVAL);
	CHECK_ERR(syscall(SYS_dup3, fd, 53, 0x1), EINVAL);
	close(50);
	close(51);
	close(52);

	/* F_SETFD/F_GETFD */
	CHECK_EQ(fcntl(fd, F_SETFD, 0), 0);
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	CHECK_EQ(fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);

	/* F_DUPFD: lowest number >= the argument; the _CLOEXEC variant */
	d = fcntl(fd, F_DUPFD, 100);
	CHECK(d >= 100);
	CHECK_EQ(fcntl(d, F_GETFD), 0);
	CHECK_EQ(fcntl(fd, F_DUPFD, 100), d + 1);
	close(d);
	close(d + 1);
	d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	CHECK(d >= 0);
	CHECK_EQ(fcntl(d, F_GETFD), FD_CLOEXEC);
	close(d);
	CHECK_ERR(fcntl(9999, F_GETFD), EBADF);

	/* F_GETFL shows the access mode; F_SETFL turns O_APPEND on and off */
	fl = fcntl(fd, F_GETFL);
	CHECK(fl >= 0 && (fl & O_ACCMODE) == O_RDWR && !(fl & O_APPEND));
	CHECK_EQ(fcntl(fd, F_SETFL, fl | O_APPEND), 0);
	fl = fcntl(fd, F_GETFL);
	CHECK(fl >= 0 && (fl & O_APPEND) && (fl & O_ACCMODE) == O_RDWR);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "!", 1), 1);
	CHECK_EQ(fcntl(fd, F_SETFL, fl & ~O_APPEND), 0);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_APPEND, 0);
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(write(fd, "D", 1), 1);
	close(fd);
	CHECK(holds("d1", "Dupdata!"));

	fd = open("d1", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	close(fd);
}

/* struct statx as the kernel lays it out (older libcs lack it). */
struct kstatx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t pad;
};
struct kstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad1;
	uint64_t ino, size, blocks, attributes_mask;
	struct kstatx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};
#define KSTATX_TYPE 0x1u
#define KSTATX_MODE 0x2u
#define KSTATX_NLINK 0x4u
#define KSTATX_SIZE 0x200u
#define KSTATX_BASIC 0x7ffu

static void stats(void)
{
	struct stat st, st2;
	struct kstatx sx;
	int fd, dfd;

	put("s", "twelve bytes");
	CHECK_EQ(symlink("s", "s.lnk"), 0);
	CHECK_EQ(mkdir("sd", 0755), 0);

	CHECK_EQ(stat("s", &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0644);
	CHECK_EQ(st.st_size, 12);
	CHECK_EQ(st.st_nlink, 1);

	fd = open("s", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(fstat(fd, &st2), 0);
	CHECK(S_ISREG(st2.st_mode) && st2.st_size == 12);
	CHECK(st2.st_ino == st.st_ino && st2.st_dev == st.st_dev);
	CHECK_EQ(fstatat(fd, "", &st2, AT_EMPTY_PATH), 0);
	CHECK(st2.st_ino == st.st_ino);
	CHECK_ERR(fstat(9999, &st2), EBADF);

	/* a symlink: stat follows it, lstat and AT_SYMLINK_NOFOLLOW do not */
	CHECK_EQ(stat("s.lnk", &st2), 0);
	CHECK(S_ISREG(st2.st_mode) && st2.st_ino == st.st_ino);
	CHECK_EQ(lstat("s.lnk", &st2), 0);
	CHECK(S_ISLNK(st2.st_mode));
	CHECK_EQ(st2.st_size, 1);	/* length of the target "s" */
	CHECK(st2.st_ino != st.st_ino);
	CHECK_EQ(fstatat(AT_FDCWD, "s.lnk", &st2, AT_SYMLINK_NOFOLLOW), 0);
	CHECK(S_ISLNK(st2.st_mode));
	CHECK_EQ(fstatat(AT_FDCWD, "s.lnk", &st2, 0), 0);
	CHECK(S_ISREG(st2.st_mode));

	/* a directory, and fstatat relative to a directory fd */
	CHECK_EQ(stat("sd", &st2), 0);
	CHECK(S_ISDIR(st2.st_mode));
	CHECK_EQ(st2.st_mode & 07777, 0755);
	CHECK(st2.st_nlink >= 1);
	put("sd/in", "xyz");
	dfd = open("sd", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK_EQ(fstatat(dfd, "in", &st2, 0), 0);
	CHECK(S_ISREG(st2.st_mode) && st2.st_size == 3);
	CHECK_ERR(fstatat(dfd, "nope", &st2, 0), ENOENT);
	close(dfd);
	CHECK_ERR(stat("missing", &st2), ENOENT);

	/* statx */
	memset(&sx, 0xff, sizeof(sx));
	CHECK_EQ(syscall(SYS_statx, AT_FDCWD, "s", 0, KSTATX_BASIC, &sx), 0);
	CHECK((sx.mask & (KSTATX_TYPE | KSTATX_MODE | KSTATX_NLINK | KSTATX_SIZE)) ==
	      (KSTATX_TYPE | KSTATX_MODE | KSTATX_NLINK | KSTATX_SIZE));
	CHECK_EQ(sx.size, 12);
	CHECK_EQ(sx.mode, S_IFREG | 0644);
	CHECK_EQ(sx.nlink, 1);
	CHECK(sx.ino == st.st_ino);
	memset(&sx, 0, sizeof(sx));
	CHECK_EQ(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, KSTATX_BASIC, &sx), 0);
	CHECK_EQ(sx.size, 12);
	CHECK_EQ(syscall(SYS_statx, AT_FDCWD, "s.lnk", AT_SYMLINK_NOFOLLOW, KSTATX_BASIC, &sx), 0);
	CHECK_EQ(sx.mode & S_IFMT, S_IFLNK);
	CHECK_EQ(syscall(SYS_statx, AT_FDCWD, "sd", 0, KSTATX_BASIC, &sx), 0);
	CHECK_EQ(sx.mode & S_IFMT, S_IFDIR);
	CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "missing", 0, KSTATX_BASIC, &sx), ENOENT);
	close(fd);
}

struct kdirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define NFILES 50

/* List dfd with getdents64 through a small buffer; counts go in seen[]. */
static void list_dir(int dfd, int *seen, int *dots, int *dotdots, int *other)
{
	/* small on purpose: the listing takes several calls */
	static uint64_t buf[64];
	long n, off;

	for (;;) {
		n = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
		CHECK(n >= 0);
		if (n <= 0)
			return;
		for (off = 0; off < n;) {
			struct kdirent64 *de = (struct kdirent64 *)((char *)buf + off);
			int i;

			CHECK(de->d_reclen > 0 && de->d_reclen % 8 == 0);
			if (de->d_reclen == 0)
				return;
			if (!strcmp(de->d_name, ".")) {
				++*dots;
				CHECK(de->d_type == DT_DIR);
			} else if (!strcmp(de->d_name, "..")) {
				++*dotdots;
				CHECK(de->d_type == DT_DIR);
			} else if (sscanf(de->d_name, "file%d", &i) == 1 && i >= 0 && i < NFILES) {
				seen[i]++;
				CHECK(de->d_type == DT_REG);
				CHECK(de->d_ino != 0);
			} else {
				++*other;
				fprintf(stderr, "fs_basic: unexpected entry '%s'\n", de->d_name);
			}
			off += de->d_reclen;
		}
	}
}

static void dirents(void)
{
	static uint64_t big[512];
	char name[32];
	int seen[NFILES] = { 0 }, dots = 0, dotdots = 0, other = 0;
	int i, dfd, bad = 0;
	DIR *d;
	struct dirent *de;

	CHECK_EQ(mkdir("many", 0755), 0);
	for (i = 0; i < NFILES; i++) {
		snprintf(name, sizeof(name), "many/file%d", i);
		put(name, "");
	}
	dfd = open("many", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	list_dir(dfd, seen, &dots, &dotdots, &other);
	for (i = 0; i < NFILES; i++)
		bad += seen[i] != 1;
	CHECK(bad == 0);
	CHECK(dots == 1 && dotdots == 1 && other == 0);

	/* rewinding gives the whole listing again */
	CHECK_EQ(lseek(dfd, 0, SEEK_SET), 0);
	memset(seen, 0, sizeof(seen));
	dots = dotdots = other = bad = 0;
	list_dir(dfd, seen, &dots, &dotdots, &other);
	for (i = 0; i < NFILES; i++)
		bad += seen[i] != 1;
	CHECK(bad == 0 && dots == 1 && dotdots == 1 && other == 0);
	close(dfd);

	/* getdents64 on a regular file */
	dfd = open("many/file0", O_RDONLY);
	CHECK(dfd >= 0);
	CHECK_ERR(syscall(SYS_getdents64, dfd, big, sizeof(big)), ENOTDIR);
	close(dfd);

	/* and the libc readdir() route sees the same */
	d = opendir("many");
	CHECK(d != NULL);
	i = 0;
	while (d && (de = readdir(d)) != NULL)
		i++;
	CHECK_EQ(i, NFILES + 2);
	if (d)
		closedir(d);
}

static void cwd_and_dirs(void)
{
	char orig[PATH_MAX], buf[PATH_MAX], want[PATH_MAX + 8];
	int home, sub;

	CHECK(getcwd(orig, sizeof(orig)) == orig);
	CHECK(orig[0] == '/');
	/* the raw syscall returns the length including the NUL */
	CHECK_EQ(syscall(SYS_getcwd, buf, sizeof(buf)), strlen(orig) + 1);
	CHECK_ERR(syscall(SYS_getcwd, buf, 2), ERANGE);

	home = open(".", O_RDONLY | O_DIRECTORY);
	CHECK(home >= 0);
	CHECK_EQ(mkdir("cw", 0755), 0);
	CHECK_EQ(mkdir("cw/inner", 0755), 0);
	CHECK_EQ(chdir("cw/inner"), 0);
	snprintf(want, sizeof(want), "%s/cw/inner", orig);
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, want) == 0);
	put("here", "x");
	CHECK_EQ(chdir("../.."), 0);
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, orig) == 0);
	CHECK(holds("cw/inner/here", "x"));

	sub = open("cw", O_RDONLY | O_DIRECTORY);
	CHECK(sub >= 0);
	CHECK_EQ(fchdir(sub), 0);
	snprintf(want, sizeof(want), "%s/cw", orig);
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, want) == 0);
	CHECK(holds("inner/here", "x"));
	CHECK_EQ(fchdir(home), 0);
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, orig) == 0);
	close(sub);
	close(home);
	CHECK_ERR(chdir("cw/inner/here"), ENOTDIR);
	CHECK_ERR(chdir("nowhere"), ENOENT);
	sub = open("cw/inner/here", O_RDONLY);
	CHECK_ERR(fchdir(sub), ENOTDIR);
	close(sub);

	/* mkdir/rmdir/unlink errors */
	CHECK_ERR(mkdir("cw", 0755), EEXIST);
	CHECK_ERR(mkdir("cw/inner/here", 0755), EEXIST);
	CHECK_ERR(mkdir("nowhere/x", 0755), ENOENT);
	CHECK_ERR(rmdir("cw"), ENOTEMPTY);
	CHECK_ERR(rmdir("nowhere"), ENOENT);
	CHECK_ERR(rmdir("cw/inner/here"), ENOTDIR);
	CHECK_ERR(rmdir("."), EINVAL);
	CHECK_ERR(unlink("cw/inner"), EISDIR);
	CHECK_ERR(unlink("nowhere"), ENOENT);
	CHECK_EQ(unlink("cw/inner/here"), 0);
	CHECK_EQ(rmdir("cw/inner"), 0);
	CHECK_EQ(rmdir("cw"), 0);
	CHECK(!exists("cw"));
	CHECK_EQ(mkdir("trail/", 0755), 0);	/* a trailing slash is fine for mkdir */
	CHECK_EQ(rmdir("trail/"), 0);
}

static void renames(void)
{
	struct stat st;

	/* a file over an existing file replaces it */
	put("ra", "AAA");
	put("rb", "BBB");
	CHECK_EQ(rename("ra", "rb"), 0);
	CHECK(holds("rb", "AAA"));
	CHECK(!exists("ra"));
	CHECK_ERR(rename("ra", "rc"), ENOENT);

	/* renaming onto itself, or onto another link to the same file, is a no-op */
	CHECK_EQ(rename("rb", "rb"), 0);
	CHECK(holds("rb", "AAA"));
	CHECK_EQ(link("rb", "rb2"), 0);
	CHECK_EQ(rename("rb", "rb2"), 0);
	CHECK(exists("rb") && exists("rb2"));
	CHECK_EQ(unlink("rb2"), 0);

	/* across directories */
	CHECK_EQ(mkdir("r1", 0755), 0);
	CHECK_EQ(mkdir("r2", 0755), 0);
	CHECK_EQ(rename("rb", "r1/moved"), 0);
	CHECK_EQ(rename("r1/moved", "r2/moved2"), 0);
	CHECK(holds("r2/moved2", "AAA"));
	CHECK(!exists("r1/moved") && !exists("rb"));

	/* a directory, with its contents */
	CHECK_EQ(rename("r2", "r3"), 0);
	CHECK(!exists("r2"));
	CHECK(holds("r3/moved2", "AAA"));
	CHECK_EQ(stat("r3", &st), 0);
	CHECK(S_ISDIR(st.st_mode));

	/* a directory onto an empty directory replaces it */
	CHECK_EQ(rename("r3", "r1"), 0);
	CHECK(holds("r1/moved2", "AAA"));
	CHECK(!exists("r3"));

	/* ...but not onto a non-empty one */
	CHECK_EQ(mkdir("r4", 0755), 0);
	put("r4/x", "x");
	errno = 0;
	CHECK(rename("r1", "r4") == -1 && (errno == ENOTEMPTY || errno == EEXIST));
	CHECK(holds("r4/x", "x") && holds("r1/moved2", "AAA"));

	/* type mismatches, and a directory into itself */
	put("rf", "f");
	CHECK_ERR(rename("rf", "r4"), EISDIR);
	CHECK_ERR(rename("r4", "rf"), ENOTDIR);
	CHECK_ERR(rename("r1", "r1/inside"), EINVAL);
	CHECK_ERR(rename("r1/moved2/", "r5"), ENOTDIR);
}

static void access_links_umask(void)
{
	char buf[64];
	struct stat st, st2;
	int fd, dfd;
	mode_t old;

	/* access: existence and permission bits (x needs some x bit, even for root) */
	put("acc", "data");
	CHECK_EQ(access("acc", F_OK), 0);
	CHECK_EQ(access("acc", R_OK), 0);
	CHECK_EQ(access("acc", R_OK | W_OK), 0);
	CHECK_ERR(access("acc", X_OK), EACCES);
	CHECK_ERR(access("nope", F_OK), ENOENT);
	CHECK_ERR(access("acc/x", F_OK), ENOTDIR);
	CHECK_EQ(chmod("acc", 0755), 0);
	CHECK_EQ(access("acc", X_OK), 0);
	CHECK_EQ(faccessat(AT_FDCWD, "acc", R_OK, 0), 0);
	CHECK_EQ(mkdir("ad", 0755), 0);
	put("ad/f", "");
	dfd = open("ad", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK_EQ(faccessat(dfd, "f", F_OK, 0), 0);
	CHECK_ERR(faccessat(dfd, "g", F_OK, 0), ENOENT);
	close(dfd);

	/* symlink and readlink: no NUL added, length returned, truncation */
	put("target", "through the link");
	CHECK_EQ(symlink("target", "lnk"), 0);
	memset(buf, 'Q', sizeof(buf));
	CHECK_EQ(readlink("lnk", buf, sizeof(buf)), 6);
	CHECK(memcmp(buf, "target", 6) == 0 && buf[6] == 'Q');
	memset(buf, 'Q', sizeof(buf));
	CHECK_EQ(readlink("lnk", buf, 3), 3);
	CHECK(memcmp(buf, "tarQ", 4) == 0);
	CHECK_EQ(readlinkat(AT_FDCWD, "lnk", buf, sizeof(buf)), 6);
	CHECK_ERR(readlink("target", buf, sizeof(buf)), EINVAL);
	CHECK_ERR(readlink("nope", buf, sizeof(buf)), ENOENT);
	CHECK(holds("lnk", "through the link"));
	CHECK_EQ(lstat("lnk", &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_ERR(symlink("x", "lnk"), EEXIST);
	CHECK_ERR(open("lnk", O_RDONLY | O_NOFOLLOW), ELOOP);
	/* a symlink to a directory works as a path component */
	CHECK_EQ(symlink("ad", "adlnk"), 0);
	CHECK_EQ(access("adlnk/f", F_OK), 0);
	/* dangling, and loops */
	CHECK_EQ(symlink("nothing-here", "dangle"), 0);
	CHECK_ERR(open("dangle", O_RDONLY), ENOENT);
	CHECK_ERR(open("dangle", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	CHECK_EQ(symlink("loop2", "loop1"), 0);
	CHECK_EQ(symlink("loop1", "loop2"), 0);
	CHECK_EQ(symlink("self", "self"), 0);
	CHECK_ERR(open("loop1", O_RDONLY), ELOOP);
	CHECK_ERR(stat("self", &st), ELOOP);
	CHECK_ERR(open("loop1/x", O_RDONLY), ELOOP);
	CHECK_EQ(lstat("loop1", &st), 0);
	CHECK_EQ(unlink("loop1"), 0);	/* unlink removes the link itself */
	CHECK_EQ(stat("target", &st), 0);
	CHECK_EQ(unlink("lnk"), 0);
	CHECK(exists("target"));

	/* link: two names, one inode; data outlives either name */
	CHECK_EQ(link("target", "t2"), 0);
	CHECK_EQ(stat("target", &st), 0);
	CHECK_EQ(stat("t2", &st2), 0);
	CHECK(st.st_ino == st2.st_ino);
	CHECK_EQ(st.st_nlink, 2);
	CHECK_EQ(unlink("target"), 0);
	CHECK(holds("t2", "through the link"));
	CHECK_EQ(stat("t2", &st2), 0);
	CHECK_EQ(st2.st_nlink, 1);
	CHECK_ERR(link("t2", "acc"), EEXIST);
	CHECK_ERR(link("nope", "n2"), ENOENT);
	CHECK_ERR(link("ad", "ad2"), EPERM);

	/* umask clears bits from the creation mode */
	old = umask(027);
	CHECK_EQ(old, 022);
	fd = open("um1", O_WRONLY | O_CREAT, 0777);
	CHECK(fd >= 0);
	close(fd);
	CHECK_EQ(mkdir("um2", 0777), 0);
	CHECK_EQ(umask(077), 027);
	fd = creat("um3", 0666);
	CHECK(fd >= 0);
	close(fd);
	umask(old);
	CHECK(stat("um1", &st) == 0 && (st.st_mode & 07777) == 0750);
	CHECK(stat("um2", &st) == 0 && (st.st_mode & 07777) == 0750);
	CHECK(stat("um3", &st) == 0 && (st.st_mode & 07777) == 0600);
	/* chmod is not subject to the umask */
	CHECK_EQ(chmod("um3", 0777), 0);
	CHECK(stat("um3", &st) == 0 && (st.st_mode & 07777) == 0777);
}

#define BIG (1 << 20)

static unsigned char pattern(long i)
{
	return (unsigned char)(i * 131 + (i >> 12) * 7 + (i >> 16));
}

/* Compare count bytes read one at a time from offset off against the pattern. */
static int bytewise(int fd, long off, long count)
{
	unsigned char c;
	long i;

	if (lseek(fd, off, SEEK_SET) != off)
		return 0;
	for (i = 0; i < count; i++)
		if (read(fd, &c, 1) != 1 || c != pattern(off + i))
			return 0;
	return 1;
}

static void big_file(void)
{
	static unsigned char buf[65536];
	struct stat st;
	long i, total, bad = 0;
	int fd, j;
	ssize_t n;

	fd = open("big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	for (total = 0; total < BIG; total += 4096) {
		for (j = 0; j < 4096; j++)
			buf[j] = pattern(total + j);
		if (write(fd, buf, 4096) != 4096) {
			CHECK(!"write 4 KiB chunk");
			break;
		}
	}
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, BIG);

	/* 64 KiB reads */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	total = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			bad += buf[i] != pattern(total + i);
		total += n;
	}
	CHECK_EQ(n, 0);
	CHECK_EQ(total, BIG);
	CHECK_EQ(bad, 0);

	/*
	 * 1-byte reads: a million syscalls is too slow under emulation, so
	 * read the start, a window crossing a page boundary at an odd offset
	 * mid-file, and the end up to EOF.
	 */
	CHECK(bytewise(fd, 0, 8192));
	CHECK(bytewise(fd, BIG / 2 - 1001, 4096));
	CHECK(bytewise(fd, BIG - 3000, 3000));
	CHECK_EQ(read(fd, buf, 1), 0);
	close(fd);
	CHECK_EQ(unlink("big"), 0);
}

/* Whether name appears in the cwd's listing. */
static int listed(const char *name)
{
	DIR *d = opendir(".");
	struct dirent *de;
	int found = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		found |= strcmp(de->d_name, name) == 0;
	closedir(d);
	return found;
}

static void unlink_open_and_paths(void)
{
	char name[300], buf[32];
	struct stat st;
	char *longpath;
	int fd, i;

	/* an unlinked file lives on while open */
	put("ghost", "boo");
	fd = open("ghost", O_RDWR);
	CHECK(fd >= 0);
	CHECK_EQ(listed("ghost"), 1);
	CHECK_EQ(unlink("ghost"), 0);
	CHECK_EQ(listed("ghost"), 0);
	CHECK_ERR(stat("ghost", &st), ENOENT);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 3);
	CHECK(memcmp(buf, "boo", 3) == 0);
	CHECK_EQ(pwrite(fd, "!", 1, 3), 1);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_nlink, 0);
	CHECK_EQ(st.st_size, 4);
	close(fd);
	CHECK(!exists("ghost"));

	/* redundant path components */
	CHECK_EQ(mkdir("p", 0755), 0);
	CHECK_EQ(mkdir("p/q", 0755), 0);
	put("p/q/f", "pq");
	CHECK(holds("p//q//f", "pq"));
	CHECK(holds("./p/./q/./f", "pq"));
	CHECK(holds("p/q/../q/f", "pq"));
	CHECK(holds("p/../p/q/../../p/q/f", "pq"));
	CHECK(holds(".//p///q/f", "pq"));
	CHECK_EQ(stat("p/q/", &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(stat("p/q/.", &st), 0);

	/* a trailing slash on a file */
	CHECK_ERR(open("p/q/f/", O_RDONLY), ENOTDIR);
	CHECK_ERR(stat("p/q/f/", &st), ENOTDIR);
	CHECK_ERR(open("p/q/f/.", O_RDONLY), ENOTDIR);
	CHECK_ERR(open("p/q/g/", O_WRONLY | O_CREAT, 0644), EISDIR);
	/* ... and on a link to a file: the slash is checked on what the
	 * link names, lstat() included */
	CHECK_EQ(symlink("f", "p/q/lf"), 0);
	CHECK_ERR(open("p/q/lf/", O_RDONLY), ENOTDIR);
	CHECK_ERR(stat("p/q/lf/", &st), ENOTDIR);
	CHECK_ERR(lstat("p/q/lf/", &st), ENOTDIR);
	CHECK_EQ(symlink("q", "p/lq"), 0);
	CHECK_EQ(lstat("p/lq/", &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(unlink("p/lq"), 0);
	CHECK_EQ(unlink("p/q/lf"), 0);

	/* 255 bytes is the longest name, 256 too long */
	memset(name, 'n', 255);
	name[255] = 0;
	fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK_EQ(stat(name, &st), 0);
	CHECK_EQ(listed(name), 1);
	CHECK_EQ(unlink(name), 0);
	name[255] = 'n';
	name[256] = 0;
	CHECK_ERR(open(name, O_WRONLY | O_CREAT, 0644), ENAMETOOLONG);
	CHECK_ERR(stat(name, &st), ENAMETOOLONG);
	CHECK_ERR(mkdir(name, 0755), ENAMETOOLONG);

	/* a whole path longer than PATH_MAX, each component short */
	longpath = malloc(PATH_MAX + 200);
	if (longpath) {
		for (i = 0; i < PATH_MAX + 100; i += 2)
			memcpy(longpath + i, "./", 2);
		strcpy(longpath + i, "p");
		CHECK_ERR(stat(longpath, &st), ENAMETOOLONG);
		free(longpath);
	}
}

int main(void)
{
	umask(022);	/* the modes checked below assume it */
	basic_io();
	dup_fcntl();
	stats();
	dirents();
	cwd_and_dirs();
	renames();
	access_links_umask();
	big_file();
	unlink_open_and_paths();
	if (failures) {
		fprintf(stderr, "fs_basic: %d check(s) failed\n", failures);
		return 1;
	}
	return 0;
}
