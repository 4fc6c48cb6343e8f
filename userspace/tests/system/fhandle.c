#define _GNU_SOURCE
/*
 * name_to_handle_at / open_by_handle_at on memfs and ext2 (/dev/vda if
 * attached). From the attacker's side: bad pointers, handle_bytes past
 * MAX_HANDLE_SZ, handles forged from random bytes and from real numbers
 * with wrong generations (ESTALE, never an open: and on ext2 no
 * "corrupt" report for a free or reserved inode number), a handle of a
 * removed file and of a new file that took its number, a mount fd of
 * another filesystem, no CAP_DAC_READ_SEARCH, a symlink's handle, and a
 * thread removing and re-creating the file while another opens it by
 * handle (either the file, checked by its inode number, or ESTALE; every
 * re-create succeeds, and on ext2 no inode is left allocated after).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#define TEST_NAME "fhandle"
#include "check.h"

struct fh {
	unsigned int bytes;
	int type;
	unsigned char h[128];
};

static int n2h(int dfd, const char *p, struct fh *f, int *mnt, int flags)
{
	return (int)syscall(SYS_name_to_handle_at, dfd, p, f, mnt, flags);
}

static int obh(int mfd, struct fh *f, int flags)
{
	return (int)syscall(SYS_open_by_handle_at, mfd, f, flags);
}

static uint64_t rnd(void)
{
	static uint64_t s = 88172645463325252ULL;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

static atomic_int stop;
static char racef[160];
static int create_errno;	/* the first failed re-create's errno */

static void *recreator(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		unlink(racef);
		int fd = open(racef, O_CREAT | O_WRONLY, 0600);
		if (fd >= 0)
			close(fd);
		else if (!create_errno)
			create_errno = errno;
	}
	return NULL;
}

static void suite(const char *d)
{
	char f[160], l[160], sub[160];
	snprintf(f, sizeof(f), "%s/f", d);
	snprintf(l, sizeof(l), "%s/l", d);
	snprintf(sub, sizeof(sub), "%s/sub", d);
	int fd = open(f, O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0 && write(fd, "data", 4) == 4);
	close(fd);
	CHECK(symlink("f", l) == 0);
	CHECK(mkdir(sub, 0755) == 0);
	int mfd = open(d, O_RDONLY | O_DIRECTORY);

	struct fh h = { 0 };
	int mnt = -1;
	CHECK(n2h(AT_FDCWD, f, &h, &mnt, 0) < 0 && errno == EOVERFLOW && h.bytes > 0 &&
	      h.bytes <= 128);
	h.bytes = 129;
	CHECK(n2h(AT_FDCWD, f, &h, &mnt, 0) < 0 && errno == EINVAL);
	h.bytes = 128;
	CHECK(n2h(AT_FDCWD, f, (void *)1, &mnt, 0) < 0 && errno == EFAULT);
	CHECK(n2h(AT_FDCWD, f, &h, (void *)1, 0) < 0 && errno == EFAULT);
	CHECK(n2h(AT_FDCWD, (void *)1, &h, &mnt, 0) < 0 && errno == EFAULT);
	CHECK(n2h(AT_FDCWD, f, &h, &mnt, 0x8000) < 0 && errno == EINVAL);
	h.bytes = 128;
	CHECK(n2h(AT_FDCWD, f, &h, &mnt, 0) == 0 && mnt > 0);
	struct fh good = h;
	struct stat st, st2;
	CHECK(stat(f, &st) == 0);

	/* opens: the file, by any fd of its filesystem */
	int o = obh(mfd, &good, O_RDONLY);
	CHECK(o >= 0 && fstat(o, &st2) == 0 && st2.st_ino == st.st_ino);
	char buf[8] = { 0 };
	CHECK(read(o, buf, 8) == 4 && !memcmp(buf, "data", 4));
	close(o);
	o = obh(AT_FDCWD, &good, O_RDWR);	/* cwd is on another filesystem? either way */
	if (o >= 0)
		close(o);
	CHECK(obh(mfd, (void *)1, O_RDONLY) < 0 && errno == EFAULT);
	CHECK(obh(-1, &good, O_RDONLY) < 0 && errno == EBADF);
	struct fh big = good;
	big.bytes = 129;
	CHECK(obh(mfd, &big, O_RDONLY) < 0 && errno == EINVAL);
	big.bytes = 0;
	CHECK(obh(mfd, &big, O_RDONLY) < 0 && errno == EINVAL);
	int proc = open("/proc", O_RDONLY | O_DIRECTORY);
	CHECK(obh(proc, &good, O_RDONLY) < 0 && errno == ESTALE);
	close(proc);

	/* symlinks, directories */
	struct fh lh = { .bytes = 128 };
	CHECK(n2h(AT_FDCWD, l, &lh, &mnt, 0) == 0);
	CHECK(obh(mfd, &lh, O_RDONLY) < 0 && errno == ELOOP);
	o = obh(mfd, &lh, O_PATH);
	CHECK(o >= 0);
	close(o);
	struct fh dh = { .bytes = 128 };
	CHECK(n2h(AT_FDCWD, sub, &dh, &mnt, 0) == 0);
	o = obh(mfd, &dh, O_RDONLY | O_DIRECTORY);
	CHECK(o >= 0);
	if (o >= 0) {	/* a real directory: names below it resolve */
		int x = openat(o, "..", O_RDONLY | O_DIRECTORY);
		CHECK(x >= 0 && fstat(x, &st2) == 0);
		close(x);
		close(o);
	}
	CHECK(obh(mfd, &dh, O_RDWR) < 0 && errno == EISDIR);

	/* forged handles: random bytes, real number with another generation */
	int opened = 0;
	for (int k = 0; k < 3000; k++) {
		struct fh r = good;
		for (unsigned j = 0; j < r.bytes; j++)
			r.h[j] = (unsigned char)rnd();
		if (k % 3 == 1)	/* a small number: reserved, free, or a real one */
			memset(r.h + 1, 0, 7), r.h[0] = (unsigned char)(k % 40);
		if (k % 3 == 2) {	/* the real number, another generation */
			memcpy(r.h, good.h, 8);
			if (!memcmp(r.h + 8, good.h + 8, 4))
				r.h[8] ^= 1;
		}
		o = obh(mfd, &r, O_RDONLY);
		if (o >= 0) {
			opened++;
			close(o);
		} else {
			CHECK(errno == ESTALE);
		}
		r.type = (int)rnd();
		CHECK(obh(mfd, &r, O_RDONLY) < 0);
	}
	/* a few small numbers name real files (the root, lost+found):
	 * they must be real opens of live inodes, nothing more */
	CHECK(opened <= 200);

	/* no capability */
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534))
			_exit(2);
		_exit(obh(mfd, &good, O_RDONLY) < 0 && errno == EPERM ? 0 : 1);
	}
	int ws;
	CHECK(waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) && WEXITSTATUS(ws) == 0);

	/* removed; a new file in its place */
	CHECK(unlink(f) == 0);
	CHECK(obh(mfd, &good, O_RDONLY) < 0 && errno == ESTALE);
	fd = open(f, O_CREAT | O_RDWR, 0600);
	close(fd);
	CHECK(obh(mfd, &good, O_RDONLY) < 0 && errno == ESTALE);

	/* a thread recreating the file while this one opens it by handle */
	snprintf(racef, sizeof(racef), "%s/race", d);
	fd = open(racef, O_CREAT | O_RDWR, 0600);
	close(fd);
	struct fh rh = { .bytes = 128 };
	CHECK(n2h(AT_FDCWD, racef, &rh, &mnt, 0) == 0);
	atomic_store(&stop, 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, recreator, NULL) == 0);
	for (int k = 0; k < 3000; k++) {
		struct fh cur = { .bytes = 128 };
		if (k % 10 == 0 && n2h(AT_FDCWD, racef, &cur, &mnt, 0) == 0)
			rh = cur;
		o = obh(mfd, &rh, O_RDONLY);
		if (o >= 0) {
			CHECK(fstat(o, &st2) == 0 && S_ISREG(st2.st_mode));
			close(o);
		} else {
			CHECK(errno == ESTALE);
		}
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	/* A handle opened between a create's write of the new record and
	 * its hashing made a second copy that won the inode cache: the
	 * create failed (EUCLEAN) and left the inode allocated with no name
	 * (e2fsck: "unattached inode"). */
	if (create_errno)
		fprintf(stderr, TEST_NAME ": a re-create failed: errno %d\n", create_errno);
	CHECK(create_errno == 0);

	/* AT_HANDLE_FID: any filesystem, for comparing */
	struct fh ph = { .bytes = 128 };
	CHECK(n2h(AT_FDCWD, "/proc/self/status", &ph, &mnt, 0x200) == 0);
	CHECK(n2h(AT_FDCWD, "/proc/self/status", &ph, &mnt, 0) < 0 && errno == EOPNOTSUPP);

	close(mfd);
	unlink(racef);
	unlink(f);
	unlink(l);
	rmdir(sub);
}

int main(void)
{
	mkdir("/tmp/fhandle_d", 0755);
	suite("/tmp/fhandle_d");
	rmdir("/tmp/fhandle_d");
	mkdir("/mnt/vda", 0755);
	if (mount("/dev/vda", "/mnt/vda", "ext2", 0, NULL) == 0) {
		struct statvfs a, b;
		CHECK(statvfs("/mnt/vda", &a) == 0);
		mkdir("/mnt/vda/fh", 0755);
		suite("/mnt/vda/fh");
		rmdir("/mnt/vda/fh");
		/* every inode the suite made is free again: none leaked */
		CHECK(statvfs("/mnt/vda", &b) == 0 && b.f_ffree == a.f_ffree);
		CHECK(umount("/mnt/vda") == 0);
	} else {
		fprintf(stderr, "fhandle: no /dev/vda: ext2 part skipped\n");
	}
	return check_done();
}
