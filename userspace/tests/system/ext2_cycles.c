#define _GNU_SOURCE
/*
 * ext2_cycles: 1000 mount/umount cycles of /dev/vdc, each creating,
 * reading and removing a file so that inodes, dentries and cached pages
 * come and go, with free memory and the kernel heap back at their
 * baseline at the end (measured after 10 warm-up cycles, so slab caches
 * that stay allocated on purpose are in the baseline).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define TEST_NAME "ext2_cycles"
#include "check.h"

#define MNT "/mnt/vdc"
#define CYCLES 1000
#define SLACK (256LL << 10)

static int cycle(int i)
{
	char buf[8192];
	if (mount("/dev/vdc", MNT, "ext2", 0, NULL))
		return -1;
	int fd = open(MNT "/cycle", O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(buf, i, sizeof(buf));
	int ok = fd >= 0 && write(fd, buf, sizeof(buf)) == sizeof(buf) &&
		 pread(fd, buf, sizeof(buf), 0) == sizeof(buf) && buf[100] == (char)i;
	if (fd >= 0)
		close(fd);
	ok &= unlink(MNT "/cycle") == 0;
	ok &= umount(MNT) == 0;
	return ok ? 0 : -1;
}

int main(void)
{
	int bad = 0;

	mkdir("/mnt", 0755);
	mkdir(MNT, 0755);
	for (int i = 0; i < 10; i++)
		bad += cycle(i) != 0;
	long long free0 = meminfo("MemFree"), heap0 = meminfo("KernelHeap");
	CHECK(free0 > 0 && heap0 > 0);
	for (int i = 10; i < CYCLES; i++)
		bad += cycle(i) != 0;
	CHECK(bad == 0);
	long long free1 = meminfo("MemFree"), heap1 = meminfo("KernelHeap");
	printf("ext2_cycles: %d cycles: free %lld -> %lld KiB, heap %lld -> %lld KiB\n", CYCLES,
	       free0 >> 10, free1 >> 10, heap0 >> 10, heap1 >> 10);
	CHECK(free1 >= free0 - SLACK);
	CHECK(heap1 <= heap0 + SLACK);
	return check_done();
}
