#define _GNU_SOURCE
/*
 * O_TMPFILE: an unnamed file in a directory that linkat names later
 * (AT_EMPTY_PATH, or /proc/self/fd/N with AT_SYMLINK_FOLLOW: a magic link
 * to the file itself), never with O_EXCL. From the attacker's side: bad
 * flag mixes (no write access, O_CREAT), a file or /proc as the
 * directory, an unlinked file linked back through /proc (ENOENT), a
 * caller without CAP_DAC_READ_SEARCH, two threads linking the same file
 * while a third closes it, and on ext2 (/dev/vda, if attached) that an
 * unlinked temporary file's inode and blocks come back at the last close.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#define TEST_NAME "o_tmpfile"
#include "check.h"

static int count_entries(const char *dir)
{
	char cmd[256], out[64];
	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p && fgets(out, sizeof(out), p))
		n = atoi(out);
	if (p)
		pclose(p);
	return n;
}

static char D[128];
static int shared_fd = -1;
static atomic_int go;

static void *linker(void *arg)
{
	char name[160], fdp[64];
	snprintf(name, sizeof(name), "%s/race_%ld", D, (long)arg);
	snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", shared_fd);
	while (!atomic_load(&go))
		;
	for (int i = 0; i < 200; i++) {
		if (linkat(AT_FDCWD, fdp, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0)
			unlink(name);
	}
	return NULL;
}

static void suite(const char *dir)
{
	char path[192], fdp[64];
	snprintf(D, sizeof(D), "%s", dir);

	/* flag mixes */
	errno = 0;
	CHECK(open(D, O_TMPFILE | O_RDONLY, 0600) < 0 && errno == EINVAL);
	CHECK(open(D, O_TMPFILE | O_RDWR | O_CREAT, 0600) < 0 && errno == EINVAL);
	CHECK(open(D, 020000000 | O_RDWR, 0600) < 0);	/* without O_DIRECTORY */
	snprintf(path, sizeof(path), "%s/plain", D);
	int pf = open(path, O_CREAT | O_RDWR, 0600);
	CHECK(pf >= 0);
	close(pf);
	CHECK(open(path, O_TMPFILE | O_RDWR, 0600) < 0 && errno == ENOTDIR);
	CHECK(open("/proc", O_TMPFILE | O_RDWR, 0600) < 0 && (errno == EOPNOTSUPP || errno == EROFS));
	CHECK(open("/nonexistent_dir", O_TMPFILE | O_RDWR, 0600) < 0 && errno == ENOENT);

	/* an unnamed file, named by AT_EMPTY_PATH */
	int before = count_entries(D);
	int fd = open(D, O_TMPFILE | O_RDWR, 0640);
	CHECK(fd >= 0);
	CHECK(write(fd, "hello", 5) == 5);
	CHECK(count_entries(D) == before);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0 && S_ISREG(st.st_mode));
	snprintf(path, sizeof(path), "%s/named", D);
	CHECK(linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_nlink == 1);
	CHECK(stat(path, &st) == 0 && st.st_size == 5);
	CHECK(linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) < 0 && errno == EEXIST);
	CHECK(unlink(path) == 0);
	close(fd);

	/* by /proc/self/fd/N */
	fd = open(D, O_TMPFILE | O_WRONLY, 0600);
	CHECK(fd >= 0);
	snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", fd);
	CHECK(linkat(AT_FDCWD, fdp, AT_FDCWD, path, 0) < 0);	/* the link itself: other fs */
	CHECK(linkat(AT_FDCWD, fdp, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0);
	CHECK(access(path, F_OK) == 0);
	CHECK(unlink(path) == 0);
	/* reopened through the magic link */
	int fd2 = open(fdp, O_RDONLY);
	CHECK(fd2 >= 0);
	close(fd2);
	close(fd);

	/* O_EXCL: never linkable */
	fd = open(D, O_TMPFILE | O_RDWR | O_EXCL, 0600);
	CHECK(fd >= 0);
	snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", fd);
	CHECK(linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) < 0 && errno == ENOENT);
	CHECK(linkat(AT_FDCWD, fdp, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0 && errno == ENOENT);
	close(fd);

	/* an unlinked file is not an O_TMPFILE: it stays unlinked */
	snprintf(path, sizeof(path), "%s/gone", D);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0);
	CHECK(unlink(path) == 0);
	CHECK(linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) < 0 && errno == ENOENT);
	close(fd);

	/* bad pointers */
	CHECK(linkat(AT_FDCWD, (char *)1, AT_FDCWD, path, AT_EMPTY_PATH) < 0 && errno == EFAULT);
	fd = open(D, O_TMPFILE | O_RDWR, 0600);
	CHECK(linkat(fd, "", AT_FDCWD, (char *)1, AT_EMPTY_PATH) < 0 && errno == EFAULT);
	CHECK(linkat(-1, "", AT_FDCWD, path, AT_EMPTY_PATH) < 0 && errno == EBADF);

	/* an unprivileged caller may not name an fd */
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534))
			_exit(2);
		_exit(linkat(fd, "", AT_FDCWD, "/tmp/o_tmpfile_x", AT_EMPTY_PATH) < 0 &&
		      errno == ENOENT ? 0 : 1);
	}
	int wst;
	CHECK(waitpid(pid, &wst, 0) == pid && WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
	close(fd);

	/* threads linking one temporary file while the main thread closes it */
	for (int round = 0; round < 5; round++) {
		shared_fd = open(D, O_TMPFILE | O_RDWR, 0600);
		CHECK(shared_fd >= 0);
		atomic_store(&go, 0);
		pthread_t t[2];
		for (long k = 0; k < 2; k++)
			pthread_create(&t[k], NULL, linker, (void *)k);
		atomic_store(&go, 1);
		close(shared_fd);
		for (int k = 0; k < 2; k++)
			pthread_join(t[k], NULL);
		snprintf(path, sizeof(path), "%s/race_0", D);
		unlink(path);
		snprintf(path, sizeof(path), "%s/race_1", D);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/plain", D);
	unlink(path);
}

int main(void)
{
	mkdir("/tmp/o_tmpfile_d", 0755);
	suite("/tmp/o_tmpfile_d");
	rmdir("/tmp/o_tmpfile_d");

	/* ext2: the inode and its blocks are given back at the last close */
	mkdir("/mnt/vda", 0755);
	if (mount("/dev/vda", "/mnt/vda", "ext2", 0, NULL) == 0) {
		mkdir("/mnt/vda/tmpf", 0755);
		suite("/mnt/vda/tmpf");
		struct statvfs a, b;
		sync();
		CHECK(statvfs("/mnt/vda", &a) == 0);
		int fd = open("/mnt/vda/tmpf", O_TMPFILE | O_RDWR, 0600);
		static char buf[65536];
		memset(buf, 'x', sizeof(buf));
		for (int i = 0; i < 16; i++)
			CHECK(write(fd, buf, sizeof(buf)) == sizeof(buf));
		fsync(fd);
		CHECK(statvfs("/mnt/vda", &b) == 0);
		CHECK(b.f_bfree < a.f_bfree && b.f_ffree < a.f_ffree);
		close(fd);
		sync();
		CHECK(statvfs("/mnt/vda", &b) == 0);
		CHECK(b.f_bfree == a.f_bfree && b.f_ffree == a.f_ffree);
		/* a named one survives a remount */
		fd = open("/mnt/vda/tmpf", O_TMPFILE | O_RDWR, 0600);
		CHECK(write(fd, "kept", 4) == 4);
		CHECK(linkat(fd, "", AT_FDCWD, "/mnt/vda/tmpf/kept", AT_EMPTY_PATH) == 0);
		close(fd);
		CHECK(umount("/mnt/vda") == 0);
		CHECK(mount("/dev/vda", "/mnt/vda", "ext2", 0, NULL) == 0);
		struct stat st;
		CHECK(stat("/mnt/vda/tmpf/kept", &st) == 0 && st.st_size == 4 && st.st_nlink == 1);
		unlink("/mnt/vda/tmpf/kept");
		rmdir("/mnt/vda/tmpf");
		umount("/mnt/vda");
	} else {
		fprintf(stderr, "o_tmpfile: no /dev/vda: ext2 part skipped\n");
	}
	return check_done();
}
