#define _GNU_SOURCE
/*
 * ext2_corrupt: 100 corrupted images, each written to the scratch disk
 * /dev/vdb and mounted. A small pristine image (/tests/_ext2_small.img,
 * 1 KiB blocks, made on the host with mke2fs -d) gets 1 to 8 bytes
 * overwritten per round, mostly in the superblock, the group descriptors,
 * the bitmaps, the inode table and the directories. Then either the mount
 * fails with a sensible errno (and a console line naming the problem), or
 * the whole tree is walked, every file read, a file written and removed,
 * and the filesystem unmounted. Nothing may panic, hang or kill us; each
 * failing call must return one of the errnos a damaged disk can give.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define TEST_NAME "ext2_corrupt"
#include "check.h"

#define IMG "/tests/_ext2_small.img"
#define DEV "/dev/vdb"
#define MNT "/mnt/vdb"
#define ROUNDS 100

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static int odd_errors;

/* Errnos a damaged filesystem may give; anything else is a bug. */
static void expect_sane(const char *what, int e)
{
	switch (e) {
	case EUCLEAN: case EIO: case EINVAL: case ENOENT: case ENOTDIR: case EISDIR:
	case ENOSPC: case EOPNOTSUPP: case EFBIG: case ENAMETOOLONG: case ELOOP:
	case EEXIST: case ENOTEMPTY: case EMLINK: case EROFS: case ENXIO:
		return;
	}
	fprintf(stderr, "ext2_corrupt: %s: unexpected errno %d (%s)\n", what, e, errname(e));
	odd_errors++;
}

static void walk(const char *dir, int depth, int *entries)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512], buf[4096];

	if (!d) {
		expect_sane("opendir", errno);
		return;
	}
	while ((de = readdir(d)) && *entries < 5000) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		(*entries)++;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st)) {
			expect_sane("lstat", errno);
			continue;
		}
		if (S_ISDIR(st.st_mode) && depth < 6) {
			walk(path, depth + 1, entries);
		} else if (S_ISREG(st.st_mode)) {
			int fd = open(path, O_RDONLY);
			if (fd < 0) {
				expect_sane("open", errno);
				continue;
			}
			ssize_t r;
			long total = 0;
			while ((r = read(fd, buf, sizeof(buf))) > 0 && total < (4L << 20))
				total += r;
			if (r < 0)
				expect_sane("read", errno);
			close(fd);
		} else if (S_ISLNK(st.st_mode)) {
			if (readlink(path, buf, sizeof(buf)) < 0)
				expect_sane("readlink", errno);
		}
	}
	if (!de && errno)
		expect_sane("readdir", errno);
	closedir(d);
}

static void scribble(unsigned char *img, size_t size)
{
	int n = 1 + (int)rnd(8);

	for (int k = 0; k < n; k++) {
		size_t off;
		switch (rnd(4)) {
		case 0: off = 1024 + rnd(1024); break;		/* superblock */
		case 1: off = 2048 + rnd(1024); break;		/* descriptors */
		default: off = rnd((unsigned)(size < 400 * 1024 ? size : 400 * 1024)); break;
		}
		static const unsigned char special[] = { 0, 0xff, 1, 2, 0x80, 0x7f, 12, 0xfe };
		img[off] = rnd(2) ? special[rnd(sizeof(special))] : (unsigned char)rnd(256);
	}
}

int main(void)
{
	int fd = open(IMG, O_RDONLY);
	struct stat st;

	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	if (fd < 0)
		return check_done();
	size_t size = (size_t)st.st_size;
	unsigned char *pristine = malloc(size), *img = malloc(size);
	CHECK(pristine && img && read(fd, pristine, size) == (ssize_t)size);
	close(fd);
	mkdir("/mnt", 0755);
	mkdir(MNT, 0755);

	int mounted = 0, refused = 0, bad_umount = 0, total_entries = 0;
	for (int round = 0; round < ROUNDS; round++) {
		memcpy(img, pristine, size);
		if (round)		/* round 0: the pristine image must mount */
			scribble(img, size);
		int dfd = open(DEV, O_WRONLY);
		CHECK(dfd >= 0 && pwrite(dfd, img, size, 0) == (ssize_t)size && fsync(dfd) == 0);
		close(dfd);
		if (mount(DEV, MNT, "ext2", 0, NULL)) {
			CHECK(round != 0);
			expect_sane("mount", errno);
			refused++;
			continue;
		}
		mounted++;
		int entries = 0;
		walk(MNT, 0, &entries);
		total_entries += entries;
		if (round == 0)
			CHECK(entries >= 10);
		int f = open(MNT "/new-file", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (f >= 0) {
			if (write(f, img, 20000) < 0)
				expect_sane("write", errno);
			close(f);
			if (unlink(MNT "/new-file"))
				expect_sane("unlink", errno);
		} else {
			expect_sane("create", errno);
		}
		if (mkdir(MNT "/new-dir", 0755) == 0) {
			if (rmdir(MNT "/new-dir"))
				expect_sane("rmdir", errno);
		} else {
			expect_sane("mkdir", errno);
		}
		if (umount(MNT)) {
			fprintf(stderr, "ext2_corrupt: round %d: umount: %s\n", round, errname(errno));
			bad_umount++;
		}
	}
	CHECK(bad_umount == 0);
	CHECK(odd_errors == 0);
	printf("ext2_corrupt: %d images: %d mounted (%d entries walked), %d refused\n", ROUNDS,
	       mounted, total_entries, refused);
	return check_done();
}
