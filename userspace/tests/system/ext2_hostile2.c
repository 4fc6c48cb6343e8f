#define _GNU_SOURCE
/*
 * ext2_hostile2: two more lies in the small pristine image
 * (/tests/_ext2_small.img, 1 KiB blocks, one group) on the scratch disk
 * /dev/vdb.
 *  1. Link counts too low: /a (subdirectories b, x, y) says 1, /d
 *     (subdirectory z) says 2. Every rename, rmdir and mkdir that would
 *     take a count below 2 is EUCLEAN, and not one byte past the
 *     superblock changes on disk; every name is still there afterwards.
 *     (Before: rename x over y took /a to 0 and the unmount freed it.)
 *  2. A directory of 4 GiB whose map names one empty block again and
 *     again. A lookup, a readdir and an rmdir there each scan it all,
 *     holding the ns_lock; SIGKILL must end each within a bound.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define TEST_NAME "ext2_hostile2"
#include "check.h"

#define IMG "/tests/_ext2_small.img"
#define DEV "/dev/vdb"
#define MNT "/mnt/vdb"
#define BS 1024
#define KILL_BOUND_MS 2000	/* a block takes microseconds; the scan minutes */

static unsigned char *img, *back;
static size_t size;

static uint32_t le32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint32_t le16(const unsigned char *p) { return p[0] | p[1] << 8; }
static void put32(unsigned char *p, uint32_t v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }
static void put16(unsigned char *p, uint32_t v) { p[0] = v; p[1] = v >> 8; }

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int put_image(const unsigned char *data)
{
	int fd = open(DEV, O_WRONLY);
	int ok = fd >= 0 && pwrite(fd, data, size, 0) == (ssize_t)size && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static int get_image(unsigned char *data)
{
	int fd = open(DEV, O_RDONLY);
	int ok = fd >= 0 && pread(fd, data, size, 0) == (ssize_t)size;
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static ino_t ino_of(const char *path)
{
	struct stat st;
	return stat(path, &st) ? 0 : st.st_ino;
}

/* The on-disk record of ino (one group: the first descriptor's table). */
static unsigned char *record(unsigned char *data, ino_t ino)
{
	uint32_t isz = le16(data + 1024 + 88), itab = le32(data + 2048 + 8);
	return data + (size_t)itab * BS + (size_t)(ino - 1) * isz;
}

static void expect_euclean(int rc, const char *what)
{
	if (rc == -1 && errno == EUCLEAN)
		return;
	fprintf(stderr, "ext2_hostile2: %s: rc %d errno %d (%s), want EUCLEAN\n", what, rc,
		errno, errname(errno));
	CHECK(!"EUCLEAN");
}

static void link_counts(const unsigned char *pristine)
{
	memcpy(img, pristine, size);
	CHECK(put_image(img) == 0 && mount(DEV, MNT, "ext2", 0, NULL) == 0);
	CHECK(mkdir(MNT "/a/x", 0755) == 0 && mkdir(MNT "/a/y", 0755) == 0);
	CHECK(mkdir(MNT "/d/z", 0755) == 0);
	ino_t a = ino_of(MNT "/a"), d = ino_of(MNT "/d");
	CHECK(umount(MNT) == 0);
	CHECK(a && d && get_image(img) == 0);
	if (!a || !d)
		return;
	CHECK(le16(record(img, a) + 26) == 5 && le16(record(img, d) + 26) == 3);
	put16(record(img, a) + 26, 1);
	put16(record(img, d) + 26, 2);
	CHECK(put_image(img) == 0 && mount(DEV, MNT, "ext2", 0, NULL) == 0);

	errno = 0;
	expect_euclean(rename(MNT "/a/x", MNT "/a/y"), "rename a/x over a/y (a: 1)");
	expect_euclean(rename(MNT "/a/x", MNT "/d/w"), "rename a/x to d/w (a: 1)");
	expect_euclean(rename(MNT "/d/z", MNT "/a/w"), "rename d/z to a/w (d: 2)");
	expect_euclean(rename(MNT "/d/z", MNT "/a/y"), "rename d/z over a/y (a: 1, d: 2)");
	expect_euclean(rmdir(MNT "/a/x"), "rmdir a/x (a: 1)");
	expect_euclean(rmdir(MNT "/d/z"), "rmdir d/z (d: 2)");
	expect_euclean(mkdir(MNT "/a/new", 0755), "mkdir a/new (a: 1)");
	CHECK(umount(MNT) == 0);

	/* On disk: all as written, but for the superblock (mount state, times). */
	CHECK(get_image(back) == 0);
	size_t diff = 0, first = 0;
	for (size_t off = 2 * BS; off < size; off++)
		if (img[off] != back[off] && !diff++)
			first = off;
	if (diff)
		fprintf(stderr, "ext2_hostile2: %zu bytes changed, the first at %zu (block %zu)\n",
			diff, first, first / BS);
	CHECK(diff == 0);

	/* And every name is still reachable. */
	CHECK(mount(DEV, MNT, "ext2", 0, NULL) == 0);
	struct stat st;
	CHECK(stat(MNT "/a/x", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(stat(MNT "/a/y", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(stat(MNT "/a/b/c/big", &st) == 0 && st.st_size == 300000);
	CHECK(stat(MNT "/d/z", &st) == 0 && lstat(MNT "/d/slow-link", &st) == 0);
	CHECK(umount(MNT) == 0);
	printf("ext2_hostile2: link counts 1 and 2 with subdirectories: 7 changes refused, "
	       "%zu bytes changed\n", diff);
}

/* ---- 2: the endless directory */

enum { DO_LOOKUP, DO_READDIR, DO_RMDIR };
static const char *const what_name[] = { "lookup", "readdir", "rmdir" };

static void scan_forever(int what, int ready)
{
	struct stat st;
	char buf[4096];

	if (write(ready, "x", 1) != 1)
		_exit(2);
	for (;;) {
		if (what == DO_LOOKUP) {
			stat(MNT "/huge/no-such-name", &st);
		} else if (what == DO_READDIR) {
			int fd = open(MNT "/huge", O_RDONLY | O_DIRECTORY);
			while (fd >= 0 && syscall(SYS_getdents64, fd, buf, sizeof(buf)) > 0)
				;
			close(fd);
		} else {
			rmdir(MNT "/huge");
		}
	}
}

/* A child scanning the directory gets SIGKILL in the middle of a scan:
 * how long until it is gone? -1 if not within the bound. */
static long kill_latency(int what, long *walk_ms)
{
	int p[2];
	char c;

	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		scan_forever(what, p[1]);
	}
	close(p[1]);
	CHECK(pid > 0 && read(p[0], &c, 1) == 1);
	close(p[0]);
	usleep(300 * 1000);	/* well inside its first scan */
	/* Meanwhile another walk of this filesystem, past the dcache: it
	 * tells how long it waited. */
	char name[64];
	snprintf(name, sizeof(name), MNT "/many/file-%d", 7 + what);
	CHECK(pipe(p) == 0);
	pid_t other = fork();
	if (other == 0) {
		struct stat st;
		long t0 = now_ms();
		int ok = stat(name, &st) == 0;
		long took = ok ? now_ms() - t0 : -1;
		_exit(write(p[1], &took, sizeof(took)) == sizeof(took) ? 0 : 1);
	}
	close(p[1]);
	usleep(100 * 1000);
	long k = now_ms();
	CHECK(kill(pid, SIGKILL) == 0);
	long gone = -1;
	int status;
	while (now_ms() - k < KILL_BOUND_MS) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			gone = now_ms() - k;
			break;
		}
		usleep(5000);
	}
	if (gone < 0) {
		fprintf(stderr, "ext2_hostile2: %s: not dead %d ms after SIGKILL\n",
			what_name[what], KILL_BOUND_MS);
		CHECK(!"killed scan ends within the bound");
		waitpid(pid, &status, 0);	/* to unmount at all */
		fprintf(stderr, "ext2_hostile2: %s: dead %ld ms after SIGKILL\n",
			what_name[what], now_ms() - k);
	}
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK(read(p[0], walk_ms, sizeof(*walk_ms)) == sizeof(*walk_ms) && *walk_ms >= 0);
	close(p[0]);
	CHECK(waitpid(other, &status, 0) == other && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	return gone;
}

static void endless_dir(const unsigned char *pristine)
{
	memcpy(img, pristine, size);
	CHECK(put_image(img) == 0 && mount(DEV, MNT, "ext2", 0, NULL) == 0);
	int fd = open(MNT "/blocks", O_WRONLY | O_CREAT | O_EXCL, 0644);
	static char junk[4 * BS];
	memset(junk, 'j', sizeof(junk));
	CHECK(fd >= 0 && write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
	close(fd);
	CHECK(mkdir(MNT "/huge", 0755) == 0);
	ino_t f = ino_of(MNT "/blocks"), h = ino_of(MNT "/huge");
	CHECK(umount(MNT) == 0);
	CHECK(f && h && get_image(img) == 0);
	if (!f || !h)
		return;
	unsigned char *rf = record(img, f), *rh = record(img, h);
	uint32_t b[4];
	for (int k = 0; k < 4; k++) {
		b[k] = le32(rf + 40 + 4 * k);
		CHECK(b[k] && (size_t)b[k] * BS < size);
		if (!b[k] || (size_t)b[k] * BS >= size)
			return;
	}
	/* b[3]: one empty entry; b[2] an indirect block of b[3]s, b[1] of
	 * b[2]s, b[0] of b[1]s. The directory: its own first block, then
	 * b[3] wherever its map reaches, to 4 GiB. */
	unsigned char *e = img + (size_t)b[3] * BS;
	memset(e, 0, BS);
	put16(e + 4, BS);
	for (int k = 0; k < 3; k++)
		for (int j = 0; j < BS / 4; j++)
			put32(img + (size_t)b[k] * BS + 4 * j, b[k + 1]);
	for (int k = 1; k < 12; k++)
		put32(rh + 40 + 4 * k, b[3]);
	put32(rh + 40 + 4 * 12, b[2]);
	put32(rh + 40 + 4 * 13, b[1]);
	put32(rh + 40 + 4 * 14, b[0]);
	put32(rh + 4, 0xfffffc00u);	/* size: 4 GiB less a block */
	CHECK(put_image(img) == 0 && mount(DEV, MNT, "ext2", 0, NULL) == 0);

	/* It is a directory a walk can reach. */
	struct stat st;
	CHECK(stat(MNT "/huge", &st) == 0 && S_ISDIR(st.st_mode) && st.st_size == 0xfffffc00u);
	for (int what = DO_LOOKUP; what <= DO_RMDIR; what++) {
		long walk;
		long ms = kill_latency(what, &walk);
		printf("ext2_hostile2: %s of a 4 GiB directory: dead %ld ms after SIGKILL; "
		       "a walk beside it took %ld ms\n", what_name[what], ms, walk);
	}
	CHECK(stat(MNT "/huge", &st) == 0);	/* rmdir never finished */
	CHECK(umount(MNT) == 0);
}

int main(void)
{
	int fd = open(IMG, O_RDONLY);
	struct stat st;

	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	if (fd < 0)
		return check_done();
	size = (size_t)st.st_size;
	unsigned char *pristine = malloc(size);
	img = malloc(size);
	back = malloc(size);
	CHECK(pristine && img && back && read(fd, pristine, size) == (ssize_t)size);
	close(fd);
	CHECK(le32(pristine + 1024 + 24) == 0);		/* 1 KiB blocks */
	mkdir("/mnt", 0755);
	mkdir(MNT, 0755);
	link_counts(pristine);
	endless_dir(pristine);
	return check_done();
}
