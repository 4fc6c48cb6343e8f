#define _GNU_SOURCE
/*
 * ext2_hostile: two hand-made lies in the small pristine image
 * (/tests/_ext2_small.img, 1 KiB blocks, one group), written to the
 * scratch disk /dev/vdb.
 *  1. The inode bitmap calls every live inode past lost+found free. A
 *     create must not take (zero, rewrite) a live inode: it fails with
 *     EUCLEAN, or succeeds with an inode no file uses; the live files
 *     read as before, and no byte of the inode table or bitmap changes.
 *  2. Directory entries that lead back up the tree: a/b/c names a, and
 *     d names the root. A directory reached by a second name is refused
 *     with EUCLEAN (it would make an endless path, a dentry per step).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define TEST_NAME "ext2_hostile"
#include "check.h"

#define IMG "/tests/_ext2_small.img"
#define DEV "/dev/vdb"
#define MNT "/mnt/vdb"
#define BS 1024

static unsigned char *img, *back;
static size_t size;

static uint32_t le32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint32_t le16(const unsigned char *p) { return p[0] | p[1] << 8; }
static void put32(unsigned char *p, uint32_t v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }

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

/* The entry called name (one character) for inode ino, in any directory block. */
static unsigned char *find_dirent(unsigned char *data, uint32_t ino, char name)
{
	for (size_t off = 0; off + 12 <= size; off += 4)
		if (le32(data + off) == ino && data[off + 6] == 1 && data[off + 8] == name &&
		    le16(data + off + 4) >= 12)
			return data + off;
	return NULL;
}

static void free_inode_bitmap(void)
{
	unsigned char *sb = img + 1024, *gd = img + 2048;
	uint32_t first = le32(sb + 84), count = le32(sb + 0);
	uint32_t ibm = le32(gd + 4), isz = le16(sb + 88), itab = le32(gd + 8);
	char hello[64] = "", now[64] = "";
	ino_t live[64];
	int nlive = 0;

	CHECK(put_image(img) == 0 && mount(DEV, MNT, "ext2", 0, NULL) == 0);
	int fd = open(MNT "/hello", O_RDONLY);
	CHECK(fd >= 0 && read(fd, hello, sizeof(hello) - 1) > 0);
	close(fd);
	CHECK(umount(MNT) == 0);
	/* Every live inode past lost+found: its bit cleared. */
	for (uint32_t ino = first + 1; ino <= count && nlive < 64; ino++) {
		const unsigned char *rec = img + (size_t)itab * BS + (size_t)(ino - 1) * isz;
		unsigned char *byte = img + (size_t)ibm * BS + (ino - 1) / 8;
		if (le16(rec + 26) && (*byte & 1 << (ino - 1) % 8)) {
			*byte &= ~(1 << (ino - 1) % 8);
			live[nlive++] = ino;
		}
	}
	CHECK(nlive >= 10);
	memcpy(back, img, size);
	/* noatime: reading hello below must leave its record as it was (a
	 * relatime mount would write its access time) */
	CHECK(put_image(img) == 0 && mount(DEV, MNT, "ext2", MS_NOATIME, NULL) == 0);
	for (int k = 0; k < 3; k++) {
		char path[64];
		snprintf(path, sizeof(path), MNT "/new-%d", k);
		int f = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (f < 0) {
			CHECK(errno == EUCLEAN);
			continue;
		}
		struct stat st;
		CHECK(fstat(f, &st) == 0);
		for (int j = 0; j < nlive; j++)
			CHECK(st.st_ino != live[j]);
		close(f);
	}
	fd = open(MNT "/hello", O_RDONLY);
	CHECK(fd >= 0 && read(fd, now, sizeof(now) - 1) > 0 && !strcmp(hello, now));
	close(fd);
	CHECK(umount(MNT) == 0);
	/* On disk: the live records and the bitmap as they were. */
	CHECK(get_image(back) == 0);
	for (int j = 0; j < nlive; j++) {
		size_t rec = (size_t)itab * BS + (size_t)(live[j] - 1) * isz;
		if (memcmp(img + rec, back + rec, isz)) {
			fprintf(stderr, "ext2_hostile: live inode %lu rewritten\n",
				(unsigned long)live[j]);
			CHECK(!"live inode record unchanged");
		}
		unsigned char bit = 1 << (live[j] - 1) % 8;
		size_t at = (size_t)ibm * BS + (live[j] - 1) / 8;
		CHECK((img[at] & bit) == (back[at] & bit));
	}
	printf("ext2_hostile: %d live inodes marked free, none taken\n", nlive);
}

static void aliases(const unsigned char *pristine)
{
	struct stat st;

	memcpy(img, pristine, size);
	CHECK(put_image(img) == 0 && mount(DEV, MNT, "ext2", 0, NULL) == 0);
	ino_t a = ino_of(MNT "/a"), c = ino_of(MNT "/a/b/c"), d = ino_of(MNT "/d");
	ino_t root = ino_of(MNT);
	CHECK(umount(MNT) == 0);
	CHECK(a && c && d && root);
	unsigned char *ec = find_dirent(img, (uint32_t)c, 'c');
	unsigned char *ed = find_dirent(img, (uint32_t)d, 'd');
	CHECK(ec && ed);
	if (!ec || !ed)
		return;
	put32(ec, (uint32_t)a);		/* a/b/c is a again */
	put32(ed, (uint32_t)root);	/* d is the root */
	CHECK(put_image(img) == 0 && mount(DEV, MNT, "ext2", 0, NULL) == 0);
	CHECK(stat(MNT "/a/b", &st) == 0 && S_ISDIR(st.st_mode));
	errno = 0;
	CHECK(stat(MNT "/a/b/c", &st) == -1 && errno == EUCLEAN);
	errno = 0;
	CHECK(stat(MNT "/a/b/c/b/c/b/c/b/c", &st) == -1 && errno == EUCLEAN);
	errno = 0;
	CHECK(stat(MNT "/d", &st) == -1 && errno == EUCLEAN);
	errno = 0;
	CHECK(chdir(MNT "/d/d/d") == -1 && errno == EUCLEAN);
	/* The rest of the tree is still there. */
	CHECK(stat(MNT "/hello", &st) == 0 && stat(MNT "/a/five-k", &st) == 0);
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
	memcpy(img, pristine, size);
	free_inode_bitmap();
	aliases(pristine);
	return check_done();
}
