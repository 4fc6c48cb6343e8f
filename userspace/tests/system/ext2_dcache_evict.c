#define _GNU_SOURCE
/*
 * ext2_dcache_evict: a tree of many files on /dev/vda is walked (every
 * name looked up, so a dentry and an in-memory inode each), then memory
 * pressure is made: an anonymous mapping larger than the free memory,
 * whose overcommit check asks the shrinkers for pages. Unused dentries and
 * their inodes must go back (the kernel heap falls most of the way to
 * where it was before the walk); a second walk finds everything again and
 * costs no more than the first; in-use dentries (our working directory,
 * an open file) survive the pressure. Prints the heap at each step.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define TEST_NAME "ext2_dcache_evict"
#include "check.h"

#define DEV "/dev/vda"
#define MNT "/mnt/vda"
#define TREE MNT "/dcache-tree"
#define DIRS 10
#define FILES 1000

static long long kib(const char *key) { return meminfo(key) >> 10; }

/* Looks up every name under TREE; returns how many files it saw. */
static int walk(void)
{
	int n = 0;
	for (int d = 0; d < DIRS; d++) {
		char path[128];
		snprintf(path, sizeof(path), TREE "/d%d", d);
		DIR *dir = opendir(path);
		struct dirent *de;
		if (!dir)
			return -1;
		while ((de = readdir(dir))) {
			struct stat st;
			if (de->d_name[0] == '.')
				continue;
			if (fstatat(dirfd(dir), de->d_name, &st, 0) == 0 && S_ISREG(st.st_mode) &&
			    st.st_size == 4)
				n++;
		}
		closedir(dir);
	}
	return n;
}

/* Asks for more memory than is free: the shrinkers run first. */
static void pressure(void)
{
	long long free = meminfo("MemFree");
	size_t len = (size_t)free + (32 << 20);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		munmap(p, len);
}

static void build(void)
{
	char path[128];
	mkdir(TREE, 0755);
	for (int d = 0; d < DIRS; d++) {
		snprintf(path, sizeof(path), TREE "/d%d", d);
		CHECK(mkdir(path, 0755) == 0);
		for (int f = 0; f < FILES; f++) {
			snprintf(path, sizeof(path), TREE "/d%d/file-%04d", d, f);
			int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
			if (fd < 0 || write(fd, "abc\n", 4) != 4) {
				CHECK(!"create a file of the tree");
				return;
			}
			close(fd);
		}
	}
}

static void unbuild(void)
{
	char path[128];
	for (int d = 0; d < DIRS; d++) {
		for (int f = 0; f < FILES; f++) {
			snprintf(path, sizeof(path), TREE "/d%d/file-%04d", d, f);
			unlink(path);
		}
		snprintf(path, sizeof(path), TREE "/d%d", d);
		CHECK(rmdir(path) == 0);
	}
	CHECK(rmdir(TREE) == 0);
}

static long nftw_files;

static int count(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path; (void)st; (void)ftw;
	nftw_files += type == FTW_F;
	return 0;
}

/* By hand, not in the suite: `ext2_dcache_evict /dev/vdX` walks a big
 * tree already on that disk (made on the host) and prints the heap. */
static int measure(const char *dev)
{
	char peak[64] = "";
	CHECK(mount(dev, MNT, "ext2", MS_RDONLY, NULL) == 0);
	long long h0 = kib("KernelHeap");
	for (int pass = 0; pass < 2; pass++) {
		nftw_files = 0;
		CHECK(nftw(MNT, count, 64, FTW_PHYS) == 0);
		long long h1 = kib("KernelHeap");
		pressure();
		long long h2 = kib("KernelHeap");
		printf("ext2_dcache_evict: walk %d: %ld files, heap %lld KiB before, %lld after "
		       "the walk, %lld after pressure\n", pass, nftw_files, h0, h1, h2);
	}
	int fd = open("/proc/kmem_peak", O_RDONLY);
	if (fd >= 0 && read(fd, peak, sizeof(peak) - 1) > 0)
		printf("ext2_dcache_evict: /proc/kmem_peak: %s", peak);
	CHECK(umount(MNT) == 0);
	return check_done();
}

int main(int argc, char **argv)
{
	mkdir("/mnt", 0755);
	mkdir(MNT, 0755);
	if (argc > 1)
		return measure(argv[1]);
	mkdir(MNT, 0755);
	if (mount(DEV, MNT, "ext2", 0, NULL)) {
		CHECK(!"mount " DEV);
		return check_done();
	}
	build();
	/* Cold: nothing of the tree cached. */
	CHECK(umount(MNT) == 0 && mount(DEV, MNT, "ext2", 0, NULL) == 0);
	pressure();
	long long h0 = kib("KernelHeap");
	CHECK(walk() == DIRS * FILES);
	long long h1 = kib("KernelHeap");
	/* In use across the pressure: a working directory and an open file. */
	CHECK(chdir(TREE "/d3") == 0);
	int fd = open(TREE "/d7/file-0007", O_RDONLY);
	CHECK(fd >= 0);
	pressure();
	long long h2 = kib("KernelHeap");
	char buf[8] = "";
	struct stat st;
	CHECK(pread(fd, buf, 4, 0) == 4 && !memcmp(buf, "abc\n", 4));
	CHECK(fstat(fd, &st) == 0 && st.st_nlink == 1);
	CHECK(stat("file-0003", &st) == 0 && st.st_size == 4);	/* relative to the cwd */
	close(fd);
	CHECK(chdir("/") == 0);
	CHECK(walk() == DIRS * FILES);
	long long h3 = kib("KernelHeap");
	pressure();
	long long h4 = kib("KernelHeap");
	printf("ext2_dcache_evict: %d files: heap %lld KiB cold, %lld after a walk, %lld after "
	       "pressure, %lld after a second walk, %lld after pressure\n", DIRS * FILES, h0, h1,
	       h2, h3, h4);
	long long grew = h1 - h0;
	CHECK(grew > 1000);		/* the walk did cache something */
	CHECK(h2 - h0 < grew / 4);	/* and it came back */
	CHECK(h3 - h0 < grew + grew / 4);
	CHECK(h4 - h0 < grew / 4);
	unbuild();
	CHECK(umount(MNT) == 0);
	return check_done();
}
