/*
 * Path and file syscalls at their edges: *at calls ignore dirfd for an
 * absolute name (even a bad one), readlink(""), fsync of what cannot be
 * synced (pipes, sockets, fifos: EINVAL), sync_file_range's checks, the
 * old getdents (78) record format against getdents64 while a second
 * thread adds and removes names, ustat, sysfs(2), futimesat, and
 * utimensat/fchownat flag and pointer checks; O_PATH fds refused by
 * ioctl, fchmod, fchown and mmap; O_NOATIME (the owner's only, at open
 * and by F_SETFL; reads leave atime); FICLONE (EOPNOTSUPP after its checks); a set-group-ID
 * directory's new file loses S_ISGID for an outsider whatever the umask.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#define TEST_NAME "fs_oldcalls"
#include "check.h"

#define D "/tmp/fs_oldcalls"

static atomic_int stop;

static void *churn(void *arg)
{
	(void)arg;
	char name[64];
	for (int i = 0; !atomic_load(&stop); i++) {
		snprintf(name, sizeof(name), D "/dir/churn%d", i % 50);
		int fd = open(name, O_CREAT | O_WRONLY, 0644);
		if (fd >= 0)
			close(fd);
		unlink(name);
	}
	return NULL;
}

/* The names getdents (78) gives, checking every record. */
static int old_names(int fd, bool *saw_file, bool racing)
{
	char buf[512];	/* small: several calls */
	int n = 0;
	long r;
	lseek(fd, 0, SEEK_SET);
	while ((r = syscall(SYS_getdents, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < r;) {
			unsigned short reclen;
			memcpy(&reclen, buf + off + 16, 2);
			if (reclen < 20 || off + reclen > r || reclen % 8) {
				CHECK(!"bad record length");
				return -1;
			}
			const char *name = buf + off + 18;
			unsigned char type = (unsigned char)buf[off + reclen - 1];
			CHECK(memchr(name, 0, reclen - 18) != NULL);
			if (!strcmp(name, "file"))
				*saw_file = type == DT_REG;
			if (!strcmp(name, "sub"))
				CHECK(type == DT_DIR);
			if (!strcmp(name, "link"))
				CHECK(type == DT_LNK);
			n++;
			off += reclen;
		}
	}
	if (!racing)
		CHECK(r == 0);
	return n;
}

int main(void)
{
	struct stat st;
	int fd, p[2], sv[2];

	mkdir("/tmp", 01777);
	mkdir(D, 0755);
	mkdir(D "/dir", 0755);
	mkdir(D "/dir/sub", 0755);
	CHECK((fd = open(D "/dir/file", O_CREAT | O_WRONLY, 0644)) >= 0);
	unlink(D "/dir/link");
	CHECK(symlink("file", D "/dir/link") == 0);

	/* an absolute name: dirfd does not matter, not even a file or -1 */
	unlink(D "/l1");
	unlink(D "/s1");
	CHECK(linkat(fd, D "/dir/file", -1, D "/l1", 0) == 0);
	CHECK(symlinkat("x", fd, D "/s1") == 0);
	CHECK(mkdirat(-1, D "/m1", 0755) == 0 && rmdir(D "/m1") == 0);
	CHECK(unlinkat(fd, D "/l1", 0) == 0 && unlinkat(-1, D "/s1", 0) == 0);
	CHECK(linkat(fd, "file", AT_FDCWD, D "/l2", 0) == -1 && errno == ENOTDIR);
	CHECK(symlinkat("x", 12345, "rel") == -1 && errno == EBADF);
	close(fd);

	/* readlink */
	char buf[256];
	CHECK(readlink("", buf, sizeof(buf)) == -1 && errno == ENOENT);
	CHECK(readlink(D "/dir/file", buf, sizeof(buf)) == -1 && errno == EINVAL);
	CHECK(readlink(D "/dir/link", buf, sizeof(buf)) == 4);
	CHECK(readlink(D "/dir/link", (char *)8, sizeof(buf)) == -1 && errno == EFAULT);

	/* fsync and fdatasync */
	CHECK(pipe(p) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(fsync(p[0]) == -1 && errno == EINVAL);
	CHECK(fdatasync(p[1]) == -1 && errno == EINVAL);
	CHECK(fsync(sv[0]) == -1 && errno == EINVAL);
	unlink(D "/fifo");
	CHECK(mkfifo(D "/fifo", 0644) == 0);
	int ff = open(D "/fifo", O_RDONLY | O_NONBLOCK);
	CHECK(ff >= 0 && fsync(ff) == -1 && errno == EINVAL);
	int dn = open("/dev/null", O_RDONLY);
	CHECK(dn >= 0 && fdatasync(dn) == -1 && errno == EINVAL);
	fd = open(D "/dir/file", O_RDWR);
	CHECK(fsync(fd) == 0 && fdatasync(fd) == 0);
	int dfd = open(D "/dir", O_RDONLY | O_DIRECTORY);
	CHECK(fsync(dfd) == 0);
	CHECK(fsync(-1) == -1 && errno == EBADF);
	int pf = open(D "/dir/file", O_PATH);
	CHECK(pf >= 0 && fsync(pf) == -1 && errno == EBADF);

	/* sync_file_range */
	CHECK(syscall(SYS_sync_file_range, fd, 0L, 10L, 2) == 0);
	CHECK(syscall(SYS_sync_file_range, fd, 0L, 0L, 7) == 0);
	CHECK(syscall(SYS_sync_file_range, fd, -1L, 1L, 1) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_sync_file_range, fd, 0L, -1L, 2) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_sync_file_range, fd, 0x7fffffffffffffffL, 2L, 2) == -1 &&
	      errno == EINVAL);
	CHECK(syscall(SYS_sync_file_range, fd, 0L, 1L, 8) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_sync_file_range, -1, 0L, 1L, 2) == -1 && errno == EBADF);
	CHECK(syscall(SYS_sync_file_range, p[0], 0L, 1L, 4) == -1 && errno == ESPIPE);
	CHECK(syscall(SYS_sync_file_range, sv[1], 0L, 1L, 4) == -1 && errno == ESPIPE);

	/* getdents (78) */
	bool saw = false;
	CHECK(old_names(dfd, &saw, false) == 5 && saw);	/* . .. sub file link */
	lseek(dfd, 0, SEEK_SET);
	CHECK(syscall(SYS_getdents, dfd, buf, 10) == -1 && errno == EINVAL);
	lseek(dfd, 0, SEEK_SET);
	CHECK(syscall(SYS_getdents, dfd, (void *)8, 4096) == -1 && errno == EFAULT);
	CHECK(syscall(SYS_getdents, fd, buf, sizeof(buf)) == -1 && errno == ENOTDIR);
	CHECK(syscall(SYS_getdents, -1, buf, sizeof(buf)) == -1 && errno == EBADF);
	mkdir(D "/gone", 0755);
	int gd = open(D "/gone", O_RDONLY | O_DIRECTORY);
	CHECK(gd >= 0 && rmdir(D "/gone") == 0);
	CHECK(syscall(SYS_getdents, gd, buf, sizeof(buf)) == -1 && errno == ENOENT);
	CHECK(syscall(SYS_getdents64, gd, buf, sizeof(buf)) == -1 && errno == ENOENT);
	close(gd);
	pthread_t t;
	pthread_create(&t, NULL, churn, NULL);
	for (int i = 0; i < 200; i++)
		CHECK(old_names(dfd, &saw, true) >= 5);
	atomic_store(&stop, 1);
	pthread_join(t, NULL);

	/* ustat: the device of a mounted filesystem */
	struct { int tfree; unsigned long tinode; char fname[6], fpack[6]; } us;
	CHECK(stat("/", &st) == 0);
	CHECK(syscall(SYS_ustat, (unsigned)st.st_dev, &us) == 0);
	CHECK(stat(D, &st) == 0);
	CHECK(syscall(SYS_ustat, (unsigned)st.st_dev, &us) == 0);
	CHECK(syscall(SYS_ustat, (unsigned)st.st_dev, (void *)8) == -1 && errno == EFAULT);
	CHECK(syscall(SYS_ustat, 0xfffffu, &us) == -1 && errno == EINVAL);

	/* sysfs(2) */
	long count = syscall(SYS_sysfs, 3);
	CHECK(count > 0);
	for (long i = 0; i < count; i++) {
		char name[64] = { 0 };
		CHECK(syscall(SYS_sysfs, 2, i, name) == 0);
		CHECK(syscall(SYS_sysfs, 1, name) == i);
	}
	CHECK(syscall(SYS_sysfs, 1, "proc") > 0);
	CHECK(syscall(SYS_sysfs, 1, "nosuchfs") == -1 && errno == EINVAL);
	CHECK(syscall(SYS_sysfs, 1, NULL) == -1 && errno == EFAULT);
	CHECK(syscall(SYS_sysfs, 2, count, buf) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_sysfs, 2, -1L, buf) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_sysfs, 2, 0L, (void *)8) == -1 && errno == EFAULT);
	CHECK(syscall(SYS_sysfs, 4) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_sysfs, 0) == -1 && errno == EINVAL);

	/* futimesat, utimensat, fchownat */
	struct timeval tv[2] = { { 1000, 5 }, { 2000, 7 } };
	CHECK(syscall(SYS_futimesat, dfd, "file", tv) == 0);
	CHECK(stat(D "/dir/file", &st) == 0 && st.st_atime == 1000 && st.st_mtime == 2000 &&
	      st.st_mtim.tv_nsec == 7000);
	CHECK(syscall(SYS_futimesat, -1, D "/dir/file", NULL) == 0);	/* absolute: now */
	CHECK(stat(D "/dir/file", &st) == 0 && st.st_mtime > 2000);
	tv[1].tv_usec = 1000000;
	CHECK(syscall(SYS_futimesat, dfd, "file", tv) == -1 && errno == EINVAL);
	tv[1].tv_usec = -1;
	CHECK(syscall(SYS_futimesat, dfd, "file", tv) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_futimesat, dfd, "file", (void *)8) == -1 && errno == EFAULT);
	CHECK(syscall(SYS_futimesat, dfd, "nosuch", NULL) == -1 && errno == ENOENT);
	CHECK(syscall(SYS_utimensat, AT_FDCWD, NULL, NULL, 0) == -1 && errno == EFAULT);
	CHECK(syscall(SYS_utimensat, fd, NULL, NULL, AT_SYMLINK_NOFOLLOW) == -1 &&
	      errno == EINVAL);
	CHECK(syscall(SYS_utimensat, fd, NULL, NULL, 0) == 0);	/* futimens */
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	CHECK(utimensat(dfd, "file", bad, 0) == -1 && errno == EINVAL);
	CHECK(fchownat(dfd, "file", 0, 0, 9999) == -1 && errno == EINVAL);
	CHECK(fchownat(dfd, "file", 0, 0, AT_SYMLINK_NOFOLLOW) == 0);

	/* O_PATH: open for nothing */
	CHECK(ioctl(pf, FIONREAD, &(int){ 0 }) == -1 && errno == EBADF);
	/* raw: musl retries an EBADF fchmod through /proc/self/fd */
	CHECK(syscall(SYS_fchmod, pf, 0600) == -1 && errno == EBADF);
	CHECK(syscall(SYS_fchown, pf, 0, 0) == -1 && errno == EBADF);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, pf, 0) == MAP_FAILED && errno == EBADF);
	CHECK(fchmodat(pf, "", 0644, 0) == -1);	/* no AT_EMPTY_PATH: "" is ENOENT */

	/* FICLONE, FICLONERANGE */
	int src = open(D "/dir/file", O_RDONLY);
	struct { long long fd; unsigned long long so, sl, dof; } cr = { src, 0, 0, 0 };
	CHECK(ioctl(fd, 0x40049409, src) == -1 && errno == EOPNOTSUPP);
	CHECK(ioctl(fd, 0x4020940d, &cr) == -1 && errno == EOPNOTSUPP);
	CHECK(ioctl(fd, 0x4020940d, (void *)8) == -1 && errno == EFAULT);
	CHECK(ioctl(fd, 0x40049409, 9999) == -1 && errno == EBADF);
	CHECK(ioctl(src, 0x40049409, fd) == -1 && errno == EBADF);	/* dst read-only */
	CHECK(ioctl(fd, 0x40049409, dfd) == -1 && errno == EISDIR);
	CHECK(ioctl(fd, 0x40049409, dn) == -1 && errno == EXDEV);
	close(src);

	/* O_NOATIME and a set-group-ID directory, as nobody */
	CHECK(chmod(D "/dir/file", 0644) == 0);
	mkdir(D "/sgid", 0777);
	CHECK(chown(D "/sgid", 0, 4321) == 0 && chmod(D "/sgid", 02777) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		failures = 0;	/* the child's own */
		CHECK(setgid(65534) == 0 && setuid(65534) == 0);
		CHECK(open(D "/dir/file", O_RDONLY | O_NOATIME) == -1 && errno == EPERM);
		int r = open(D "/dir/file", O_RDONLY);
		CHECK(r >= 0);
		CHECK(fcntl(r, F_SETFL, O_NOATIME) == -1 && errno == EPERM);	/* nor later */
		CHECK(!(fcntl(r, F_GETFL) & O_NOATIME));
		umask(S_IXGRP);
		int c = open(D "/sgid/f", O_CREAT | O_WRONLY, 02777);
		CHECK(c >= 0 && fstat(c, &st) == 0 && st.st_gid == 4321 && !(st.st_mode & S_ISGID));
		umask(0);
		CHECK(mknod(D "/sgid/n", S_IFREG | 02777, 0) == 0);
		CHECK(stat(D "/sgid/n", &st) == 0 && !(st.st_mode & S_ISGID));
		CHECK(mknod(D "/sgid/k", S_IFREG | 02767, 0) == 0);	/* no group x: kept */
		CHECK(stat(D "/sgid/k", &st) == 0 && (st.st_mode & S_ISGID));
		_exit(failures ? 1 : 0);
	}
	int ws;
	CHECK(waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	CHECK(utimensat(AT_FDCWD, D "/dir/file", old, 0) == 0);
	int na = open(D "/dir/file", O_RDONLY | O_NOATIME);
	CHECK(na >= 0 && read(na, buf, sizeof(buf)) >= 0);
	CHECK(stat(D "/dir/file", &st) == 0 && st.st_atime == 1000);
	close(na);
	na = open(D "/dir/file", O_RDONLY);	/* O_NOATIME by fcntl: the owner may */
	CHECK(na >= 0 && fcntl(na, F_SETFL, O_NOATIME) == 0 && (fcntl(na, F_GETFL) & O_NOATIME));
	CHECK(read(na, buf, sizeof(buf)) >= 0);
	CHECK(stat(D "/dir/file", &st) == 0 && st.st_atime == 1000);
	close(na);

	/* statx: flags, the reserved mask bit, STATX_ATTR_MOUNT_ROOT */
	struct { unsigned mask, blksize; unsigned long long stx_attributes; unsigned pad[4];
		 unsigned long long ino, size, blocks, stx_attributes_mask; char rest[256 - 64]; } sx;
#define statx(d, p, f, m, b) syscall(SYS_statx, d, p, f, m, b)
#define STATX_BASIC_STATS 0x7ffu
#define AT_STATX_FORCE_SYNC 0x2000
#define AT_STATX_DONT_SYNC 0x4000
#define STATX_ATTR_MOUNT_ROOT 0x2000ull
	CHECK(statx(AT_FDCWD, D, -1, STATX_BASIC_STATS, &sx) == -1 && errno == EINVAL);
	CHECK(statx(AT_FDCWD, D, AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, 0, &sx) == -1 &&
	      errno == EINVAL);
	CHECK(statx(AT_FDCWD, D, 0, 0x80000000u, &sx) == -1 && errno == EINVAL);
	CHECK(statx(AT_FDCWD, D, 0, STATX_BASIC_STATS, (void *)8) == -1 && errno == EFAULT);
	CHECK(statx(AT_FDCWD, "/proc", 0, STATX_BASIC_STATS, &sx) == 0 &&
	      (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	      (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT));
	CHECK(statx(AT_FDCWD, "/proc/self", 0, STATX_BASIC_STATS, &sx) == 0 &&
	      !(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT));
	CHECK(statx(AT_FDCWD, "/", AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &sx) == 0 &&
	      (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT));
	CHECK(statx(dfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0 &&
	      !(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT));
	return check_done();
}
