#define _GNU_SOURCE
/*
 * ext2_bigfile: a 1 GiB file on the ext2 disk /dev/vda, with the kernel
 * heap watched the whole time (DESIGN §3: no path allocates kernel memory
 * in proportion to a file's size):
 *
 *  - written by busybox dd (1 MiB blocks from /dev/zero), timed;
 *  - grown by 2048 writes of 512 bytes through O_APPEND, each record
 *    numbered;
 *  - read back, every byte checked here: at -smp 1 through busybox cat
 *    and a pipe, with more CPUs by 64 KiB reads of our own (a pipe
 *    between two CPUs streams at 12-15 MB/s under emulation on a 2-core
 *    host: 90 s of make test per run, for what the -smp 1 runs already
 *    show); then 1-byte reads over the first 64 KiB, the 1 GiB boundary
 *    and the appended MiB (1-byte reads of all of it would be 2^30
 *    system calls);
 *  - the kernel heap's high-water mark over the whole test
 *    (/proc/kmem_peak: the peak since its last read) may exceed the heap
 *    in use at the start by at most HEAP_BOUND.
 *
 * Prints the throughput of each step.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TEST_NAME "ext2_bigfile"
#include "check.h"

#define MNT "/mnt/vda"
#define BIG MNT "/big"
#define GIB (1LL << 30)
#define APPENDS 2048
#define HEAP_BOUND (2LL << 20)

static long long kmem_peak(void)
{
	long long v = -1;
	FILE *f = fopen("/proc/kmem_peak", "r");

	if (f && fscanf(f, "%lld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run(const char *cmd)
{
	pid_t p = fork();
	if (p == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	int st;
	return waitpid(p, &st, 0) == p && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void record(char *b, int i)
{
	memset(b, '.', 512);
	snprintf(b, 512, "record %d of %d", i, APPENDS);
	b[511] = '\n';
}

static int check_byte(long long off, unsigned char c)
{
	if (off < GIB)
		return c == 0;
	char r[512];
	record(r, (int)((off - GIB) / 512));
	return c == (unsigned char)r[(off - GIB) % 512];
}

int main(void)
{
	mkdir("/mnt", 0755);
	mkdir(MNT, 0755);
	CHECK(mount("/dev/vda", MNT, "ext2", 0, NULL) == 0);
	long long heap0 = meminfo("KernelHeap");
	CHECK(kmem_peak() > 0);		/* the peak starts again from here */
	CHECK(heap0 > 0);

	double t = now();
	CHECK(run("dd if=/dev/zero of=" BIG " bs=1048576 count=1024 2>/dev/null") == 0);
	double wt = now() - t;

	int fd = open(BIG, O_WRONLY | O_APPEND);
	char rec[512];
	t = now();
	for (int i = 0; i < APPENDS && fd >= 0; i++) {
		record(rec, i);
		if (write(fd, rec, 512) != 512) {
			CHECK(!"append");
			break;
		}
	}
	double at = now() - t;
	CHECK(fd >= 0 && fsync(fd) == 0);
	close(fd);
	struct stat st;
	CHECK(stat(BIG, &st) == 0 && st.st_size == GIB + APPENDS * 512);

	/* cat reads the file (or we do, with more than one CPU); every
	 * byte is checked */
	static unsigned char buf[65536];
	long long off = 0, bad = 0;
	bool via_cat = sysconf(_SC_NPROCESSORS_ONLN) == 1;
	t = now();
	FILE *p = via_cat ? popen("cat " BIG, "r") : fopen(BIG, "r");
	CHECK(p != NULL);
	size_t r;
	static const unsigned char zeros[sizeof(buf)];
	while (p && (r = fread(buf, 1, sizeof(buf), p)) > 0) {
		if (off + (long long)r <= GIB)		/* dd's part: zeros */
			bad += memcmp(buf, zeros, r) != 0;
		else
			for (size_t k = 0; k < r; k++)
				bad += !check_byte(off + (long long)k, buf[k]);
		off += (long long)r;
	}
	CHECK(p && (via_cat ? pclose(p) : fclose(p)) == 0);
	double ct = now() - t;
	CHECK(off == GIB + APPENDS * 512 && bad == 0);

	fd = open(BIG, O_RDONLY);
	static const long long ranges[][2] = {
		{ 0, 65536 }, { GIB - 4096, GIB + 4096 }, { GIB, GIB + APPENDS * 512 },
	};
	bad = 0;
	for (unsigned k = 0; k < 3; k++) {
		lseek(fd, ranges[k][0], SEEK_SET);
		for (long long o = ranges[k][0]; o < ranges[k][1]; o++) {
			unsigned char c;
			if (read(fd, &c, 1) != 1 || !check_byte(o, c))
				bad++;
		}
	}
	CHECK(bad == 0);
	close(fd);

	long long peak = kmem_peak();
	CHECK(peak > 0 && peak - heap0 < HEAP_BOUND);
	printf("ext2_bigfile: dd 1 GiB %.1f MB/s; %d O_APPEND writes of 512 B in %.2f s; "
	       "%s (checked) %.1f MB/s; heap %lld KiB, peak %lld KiB (+%lld KiB)\n",
	       GIB / wt / 1e6, APPENDS, at, via_cat ? "cat" : "read", off / ct / 1e6, heap0 >> 10, peak >> 10,
	       (peak - heap0) >> 10);
	CHECK(unlink(BIG) == 0);
	CHECK(umount(MNT) == 0);
	return check_done();
}
