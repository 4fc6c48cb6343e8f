/*
 * ext2 fallocate that runs out of space midway (ENOSPC on a nearly full
 * /dev/vdc) unwinds as truncate does: the file keeps its size and bytes,
 * no block and no cached page past its end is left (a page left dirty
 * there could be written back into a block freed and reused by another
 * file), while another process reads and maps the file and a third
 * syncs. Another file then takes the freed space and both read back
 * right; the host runs e2fsck on vdc afterwards.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#define TEST_NAME "ext2_falloc_enospc"
#include "check.h"

#define DEV "/dev/vdc"
#define MNT "/mnt/vdc"
#define SIZE 6000		/* the file's size: a page and a bit */
#define MIB (1024LL * 1024)

static long long free_bytes(void)
{
	struct statvfs s;
	return statvfs(MNT, &s) ? -1 : (long long)s.f_bavail * (long long)s.f_frsize;
}

static pid_t start(void (*fn)(void))
{
	pid_t p = fork();
	if (p == 0) {
		fn();
		_exit(0);
	}
	return p;
}

/* Reads and maps the file over and over: its bytes never change. */
static void reader(void)
{
	char buf[SIZE + 100];
	int fd = open(MNT "/t", O_RDONLY);
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), 0);
		if (n != SIZE || buf[0] != 'A' || buf[SIZE - 1] != 'A') {
			fprintf(stderr, TEST_NAME ": read %zd bytes\n", n);
			_exit(3);
		}
		char *m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			_exit(4);
		if (m[SIZE - 1] != 'A' || m[SIZE] != 0 || m[8191] != 0)
			_exit(5);
		munmap(m, 8192);
	}
}

static void syncer(void)
{
	for (;;)
		sync();
}

int main(void)
{
	mkdir(MNT, 0755);
	if (mount(DEV, MNT, "ext2", 0, NULL)) {
		printf(TEST_NAME ": no ext2 on " DEV ", skipped\n");
		return 0;
	}
	/* the file under test */
	int t = open(MNT "/t", O_CREAT | O_RDWR | O_TRUNC, 0644);
	char a[SIZE];
	memset(a, 'A', sizeof(a));
	CHECK(t >= 0 && write(t, a, SIZE) == SIZE && fsync(t) == 0);
	/* fill the disk to within 4 MiB */
	int fill = open(MNT "/fill", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fill >= 0);
	long long room = free_bytes() - 4 * MIB;
	CHECK(room > 0 && fallocate(fill, 0, 0, room) == 0);
	CHECK(fsync(fill) == 0);
	long long left = free_bytes();
	CHECK(left > 2 * MIB && left < 6 * MIB);

	pid_t r = start(reader), s = start(syncer);
	long long cached = meminfo("Cached");
	errno = 0;
	CHECK(fallocate(t, 0, 0, 64 * MIB) == -1 && errno == ENOSPC);
	long long grew = meminfo("Cached") - cached;
	usleep(200000);		/* the reader and syncer go on meanwhile */
	kill(r, SIGKILL);
	kill(s, SIGKILL);
	int st;
	CHECK(waitpid(r, &st, 0) == r && WIFSIGNALED(st));	/* not an exit: no bad byte */
	if (WIFEXITED(st))
		fprintf(stderr, TEST_NAME ": reader saw bad bytes (%d)\n", WEXITSTATUS(st));
	waitpid(s, NULL, 0);

	/* nothing left past the end: size, blocks, cached pages */
	struct stat sb;
	CHECK(fstat(t, &sb) == 0 && sb.st_size == SIZE && sb.st_blocks <= 2 * 8);
	if (sb.st_size != SIZE || sb.st_blocks > 2 * 8)
		fprintf(stderr, TEST_NAME ": size %lld, %lld blocks\n", (long long)sb.st_size,
			(long long)sb.st_blocks);
	CHECK(grew < MIB);
	if (grew >= MIB)
		fprintf(stderr, TEST_NAME ": %lld KiB of pages past the end stayed cached\n",
			grew / 1024);
	CHECK(free_bytes() >= left - 64 * 1024);	/* the space came back */

	/* another file takes the freed blocks; both read back */
	int u = open(MNT "/u", O_CREAT | O_RDWR | O_TRUNC, 0644);
	static char ubuf[1 << 20];
	memset(ubuf, 'U', sizeof(ubuf));
	long long wrote = 0;
	while (wrote + (long long)sizeof(ubuf) <= left - MIB &&
	       write(u, ubuf, sizeof(ubuf)) == (ssize_t)sizeof(ubuf))
		wrote += sizeof(ubuf);
	CHECK(wrote >= MIB && fsync(u) == 0 && fsync(t) == 0);
	close(t);
	close(u);
	close(fill);
	CHECK(umount(MNT) == 0 && mount(DEV, MNT, "ext2", 0, NULL) == 0);	/* from disk */
	t = open(MNT "/t", O_RDONLY);
	char back[SIZE + 1];
	CHECK(t >= 0 && read(t, back, sizeof(back)) == SIZE && !memcmp(back, a, SIZE));
	u = open(MNT "/u", O_RDONLY);
	bool same = u >= 0;
	for (long long k = 0; same && k < wrote; k += sizeof(ubuf)) {
		static char in[1 << 20];
		same = read(u, in, sizeof(in)) == (ssize_t)sizeof(in) && !memcmp(in, ubuf, sizeof(in));
	}
	CHECK(same);
	close(t);
	close(u);
	unlink(MNT "/t");
	unlink(MNT "/u");
	unlink(MNT "/fill");
	CHECK(umount(MNT) == 0);
	if (!failures)
		printf(TEST_NAME ": ok\n");
	return check_done();
}
