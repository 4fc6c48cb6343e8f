#define _GNU_SOURCE
/*
 * sysfs_block: /sys/block, /sys/dev/block, /proc/diskstats, statx's
 * STATX_DIOALIGN and /proc/kpageflags, on the suite's disks (vdc: a
 * 64 MiB ext2 this test mounts, writes and unmounts; vdd: read-only).
 * Skipped without /dev/vdc.
 *
 *  - the layout: every disk listed, dev matching st_rdev, size matching
 *    BLKGETSIZE64, ro, the queue limits, /sys/dev/block/M:m links;
 *    another sysfs mounted and unmounted; EROFS for writes; a loop
 *    device removed leaves (ENODEV for its files opened before);
 *  - the counters are real: a 1 MiB write and fsync on vdc moves Linux's
 *    "writes completed", "sectors written" (at least 2048) and "flushes"
 *    fields, a 64 KiB read of the device "sectors read" by exactly 128,
 *    busy time is counted, nothing is left in flight; a second thread
 *    reads the stat file all along;
 *  - hostile reads: huge offsets, 1-byte reads that must add up to the
 *    whole text, bad buffers (EFAULT), names with leading zeros or out
 *    of range (ENOENT); kpageflags with unaligned offsets or lengths
 *    (EINVAL), past the end (0), for an ordinary user (EACCES) and for
 *    root without CAP_SYS_ADMIN (EPERM);
 *  - kpageflags' DIRTY is the page cache's: a shared mapping of a file
 *    written through is DIRTY (and LRU, UPTODATE) until msync(MS_SYNC);
 *    private memory and copies on write are ANON, file pages are not;
 *    meanwhile a second thread reads every frame's flags again and again
 *    while pages are mapped, dirtied, written back, truncated and freed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#define TEST_NAME "sysfs_block"
#include "check.h"

#define MNT "/mnt/vdc-sysfs"
#define SYSFS_MAGIC 0x62656572
#define KPF_LOCKED (1ULL << 0)
#define KPF_UPTODATE (1ULL << 3)
#define KPF_DIRTY (1ULL << 4)
#define KPF_LRU (1ULL << 5)
#define KPF_BUDDY (1ULL << 10)
#define KPF_ANON (1ULL << 12)
#define KPF_NOPAGE (1ULL << 20)
#ifndef BLKGETSIZE64
#define BLKGETSIZE64 0x80081272
#endif
#ifndef STATX_DIOALIGN
#define STATX_DIOALIGN 0x2000U
#endif

struct statx_dio {	/* struct statx up to the DIO fields */
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad1;
	uint64_t ino, size, blocks, attributes_mask;
	uint64_t ts[8];
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint32_t dio_mem_align, dio_offset_align;
	uint64_t spare[12];
};

/* A small sysfs file's text; "" if it cannot be read. Per thread. */
static const char *text(const char *path)
{
	static __thread char buf[512];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static long long num(const char *path)
{
	const char *t = text(path);
	return *t ? atoll(t) : -1;
}

struct stat17 {
	unsigned long long f[17];
	int n;
};

static void read_stat(const char *disk, struct stat17 *s)
{
	char path[64];
	snprintf(path, sizeof(path), "/sys/block/%s/stat", disk);
	const char *t = text(path);
	char *end;
	s->n = 0;
	for (; s->n < 17; s->n++) {
		s->f[s->n] = strtoull(t, &end, 10);
		if (end == t)
			break;
		t = end;
	}
}

static atomic_int stop;

static void *stat_reader(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		struct stat17 s;
		read_stat("vdc", &s);
		if (s.n != 17)
			atomic_store(&stop, 2);
	}
	return NULL;
}

static void layout(void)
{
	struct statfs sf;
	CHECK(statfs("/sys", &sf) == 0 && sf.f_type == SYSFS_MAGIC);
	CHECK(mkdir("sys2", 0755) == 0);
	CHECK(mount("sysfs", "sys2", "sysfs", 0, NULL) == 0);
	CHECK(access("sys2/block/vdc/stat", R_OK) == 0);
	CHECK(umount("sys2") == 0);

	int seen = 0;
	DIR *d = opendir("/sys/block");
	CHECK(d != NULL);
	for (struct dirent *e; d && (e = readdir(d));)
		seen += !strcmp(e->d_name, "vda") + !strcmp(e->d_name, "vdc") +
			!strcmp(e->d_name, "vdd");
	if (d)
		closedir(d);
	CHECK(seen == 3);

	struct stat st;
	char path[64], link[64];
	CHECK(stat("/dev/vdc", &st) == 0);
	snprintf(path, sizeof(path), "%u:%u\n", major(st.st_rdev), minor(st.st_rdev));
	CHECK(!strcmp(text("/sys/block/vdc/dev"), path));
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(st.st_rdev), minor(st.st_rdev));
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	CHECK(n == (ssize_t)strlen("../../block/vdc") && !memcmp(link, "../../block/vdc", (size_t)n));
	strcat(path, "/queue/logical_block_size");
	CHECK(num(path) == 512);
	uint64_t bytes = 0;
	int fd = open("/dev/vdc", O_RDONLY);
	CHECK(fd >= 0 && ioctl(fd, BLKGETSIZE64, &bytes) == 0);
	close(fd);
	CHECK(num("/sys/block/vdc/size") * 512 == (long long)bytes && bytes);
	CHECK(num("/sys/block/vdc/ro") == 0 && num("/sys/block/vdd/ro") == 1);
	CHECK(num("/sys/block/vdc/removable") == 0);
	CHECK(num("/sys/block/vdc/queue/physical_block_size") == 512);
	CHECK(num("/sys/block/vdc/queue/hw_sector_size") == 512);
	CHECK(num("/sys/block/vdc/queue/dma_alignment") == 511);
	CHECK(num("/sys/block/vdc/queue/max_sectors_kb") == 64);
	CHECK(num("/sys/block/vdc/queue/rotational") == 1);
	CHECK(strstr(text("/sys/block/vdc/uevent"), "DEVNAME=vdc\n") != NULL);
	CHECK(strstr(text("/proc/diskstats"), " vdc ") != NULL);

	/* the names Linux would not write, and nonsense */
	CHECK(access("/sys/block/vdz", F_OK) < 0 && errno == ENOENT);
	CHECK(access("/sys/block/vdc/nope", F_OK) < 0 && errno == ENOENT);
	CHECK(access("/sys/block/vdc/queue/stat", F_OK) < 0 && errno == ENOENT);
	snprintf(path, sizeof(path), "/sys/dev/block/%u:0%u", major(st.st_rdev), minor(st.st_rdev));
	CHECK(access(path, F_OK) < 0 && errno == ENOENT);
	CHECK(access("/sys/dev/block/99999999:0", F_OK) < 0 && errno == ENOENT);
	CHECK(access("/sys/dev/block/254:", F_OK) < 0 && errno == ENOENT);
	CHECK(access("/sys/dev/block/:16", F_OK) < 0 && errno == ENOENT);
	CHECK(access("/sys/block/vdc/queue/../stat", R_OK) == 0);
	CHECK(open("/sys/block/vdc/size", O_WRONLY) < 0 && errno == EROFS);
	CHECK(mkdir("/sys/block/x", 0755) < 0 && errno == EROFS);

	/* a loop device removed leaves; its files opened before say ENODEV */
	char b[16];
	int lc = open("/dev/loop-control", O_RDWR);
	int sz = open("/sys/block/loop7/size", O_RDONLY);
	CHECK(lc >= 0 && sz >= 0);
	CHECK(ioctl(lc, 0x4C81 /* LOOP_CTL_REMOVE */, 7) == 0);
	CHECK(access("/sys/block/loop7", F_OK) < 0 && errno == ENOENT);
	CHECK(access("/sys/dev/block/7:7", F_OK) < 0 && errno == ENOENT);
	CHECK(pread(sz, b, sizeof(b), 0) < 0 && errno == ENODEV);
	CHECK(ioctl(lc, 0x4C80 /* LOOP_CTL_ADD */, 7) == 7);
	CHECK(pread(sz, b, sizeof(b), 0) == 2 && !memcmp(b, "0\n", 2));
	CHECK(num("/sys/dev/block/7:7/size") == 0);
	close(sz);
	close(lc);
}

static void hostile_text_reads(void)
{
	char whole[512], one[512], c;
	int fd = open("/sys/block/vdc/stat", O_RDONLY);
	CHECK(fd >= 0);
	ssize_t n = pread(fd, whole, sizeof(whole), 0);
	CHECK(n > 17 * 2 && whole[n - 1] == '\n');
	CHECK(pread(fd, &c, 1, 1LL << 40) == 0);
	CHECK(pread(fd, &c, 1, n) == 0);
	CHECK(read(fd, (void *)1, 16) < 0 && errno == EFAULT);
	/* 1-byte reads add up to the same text while nothing moves */
	int fd2 = open("/sys/block/vdd/queue/max_segments", O_RDONLY);
	size_t k = 0;
	while (fd2 >= 0 && k < sizeof(one) && read(fd2, &one[k], 1) == 1)
		k++;
	CHECK(k == 3 && !memcmp(one, "16\n", 3));
	close(fd2);
	close(fd);
}

static void statx_dio(void)
{
	struct statx_dio sx;
	memset(&sx, 0xff, sizeof(sx));
	CHECK(syscall(SYS_statx, AT_FDCWD, "/dev/vdc", 0, STATX_DIOALIGN, &sx) == 0);
	CHECK((sx.mask & STATX_DIOALIGN) && sx.dio_mem_align == 512 &&
	      sx.dio_offset_align == 512);
	memset(&sx, 0, sizeof(sx));
	CHECK(syscall(SYS_statx, AT_FDCWD, "/dev/vdc", 0, 0x7ffU, &sx) == 0);
	CHECK(!(sx.mask & STATX_DIOALIGN));	/* not asked */
	/* a file of ext2 (page-cached, as Linux's ext2 does not answer) */
	CHECK(syscall(SYS_statx, AT_FDCWD, MNT "/f", 0, STATX_DIOALIGN, &sx) == 0);
	CHECK(!(sx.mask & STATX_DIOALIGN) && sx.dio_mem_align == 0);
	struct stat st;
	CHECK(stat(MNT "/f", &st) == 0);
	CHECK(sx.dev_major == major(st.st_dev) && sx.dev_minor == minor(st.st_dev));
}

static void counters(void)
{
	struct stat17 a, b, c;
	static char buf[1 << 20];
	pthread_t th;

	memset(buf, 'x', sizeof(buf));
	CHECK(pthread_create(&th, NULL, stat_reader, NULL) == 0);
	read_stat("vdc", &a);
	CHECK(a.n == 17);
	int fd = open(MNT "/f", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
	CHECK(fsync(fd) == 0);
	close(fd);
	read_stat("vdc", &b);
	CHECK(b.n == 17);
	CHECK(b.f[4] > a.f[4]);			/* writes completed */
	CHECK(b.f[6] >= a.f[6] + 2048);		/* sectors written */
	CHECK(b.f[15] > a.f[15]);		/* flushes */
	CHECK(b.f[9] > 0);			/* busy time, ms */
	CHECK(b.f[1] == 0 && b.f[5] == 0);	/* no merges */
	/* nothing left in flight: not at once, as the flusher's periodic
	 * sync of every mount may have writes out just now (CI saw 1) */
	c = b;
	for (int i = 0; i < 200 && c.f[8]; i++) {
		usleep(10000);
		read_stat("vdc", &c);
	}
	CHECK(c.f[8] == 0);
	fprintf(stderr, "sysfs_block: 1 MiB + fsync: %llu writes, %llu sectors, %llu flushes, "
		"busy %llu ms\n", b.f[4] - a.f[4], b.f[6] - a.f[6], b.f[15] - a.f[15], b.f[9]);

	/* the device file reads through the block layer, uncached */
	fd = open("/dev/vdc", O_RDONLY);
	CHECK(fd >= 0 && pread(fd, buf, 65536, 1 << 20) == 65536);
	close(fd);
	read_stat("vdc", &c);
	CHECK(c.f[2] == b.f[2] + 128 && c.f[0] > b.f[0]);
	for (int i = 0; i < 200 && strcmp(text("/sys/block/vdc/inflight"), "       0        0\n"); i++)
		usleep(10000);		/* the flusher's writes, as above */
	CHECK(!strcmp(text("/sys/block/vdc/inflight"), "       0        0\n"));
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	CHECK(atomic_load(&stop) == 1);		/* the reader always saw 17 fields */
}

/* A second thread reads every frame's flags over and over while the
 * first maps, dirties, syncs and frees pages. */
static atomic_int kpf_stop, kpf_rounds;

static void *kpf_reader(void *arg)
{
	static uint64_t chunk[4096];
	int fd = open("/proc/kpageflags", O_RDONLY);
	(void)arg;
	while (fd >= 0 && !atomic_load(&kpf_stop)) {
		ssize_t n;
		while ((n = read(fd, chunk, sizeof(chunk))) > 0)
			;
		if (n < 0)
			break;
		lseek(fd, 0, SEEK_SET);
		atomic_fetch_add(&kpf_rounds, 1);
	}
	if (fd >= 0)
		close(fd);
	return (void *)(intptr_t)(fd >= 0 && !atomic_load(&kpf_stop) ? -1 : 0);
}

static uint64_t kpf(int fd, uint64_t pfn)
{
	uint64_t v = ~0ULL;
	CHECK(pread(fd, &v, 8, (off_t)(pfn * 8)) == 8);
	return v;
}

static uint64_t pfn_of(void *p)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	CHECK(fd >= 0 && pread(fd, &e, 8, (off_t)((uintptr_t)p / 4096 * 8)) == 8);
	close(fd);
	CHECK(e >> 63);		/* present */
	return e & ((1ULL << 55) - 1);
}

static void kpageflags(void)
{
	int fd = open("/proc/kpageflags", O_RDONLY);
	uint64_t v[8];
	CHECK(fd >= 0);
	CHECK(pread(fd, v, 8, 1) < 0 && errno == EINVAL);
	CHECK(pread(fd, v, 7, 0) < 0 && errno == EINVAL);
	CHECK(pread(fd, v, 12, 0) < 0 && errno == EINVAL);
	CHECK(pread(fd, v, 8, 1LL << 60) == 0);
	CHECK(pread(fd, (void *)8, 64, 0) < 0 && errno == EFAULT);
	CHECK(pread(fd, v, 0, 0) == 0);
	CHECK(kpf(fd, 0xa0) & KPF_NOPAGE);	/* the VGA hole at 640 KiB */

	/* the whole file: every frame, some free */
	static uint64_t chunk[8192];
	uint64_t frames = 0, buddy = 0;
	ssize_t n;
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		for (ssize_t i = 0; i < n / 8; i++)
			buddy += !!(chunk[i] & KPF_BUDDY);
		frames += (uint64_t)n / 8;
	}
	CHECK(n == 0 && frames > 1000 && buddy > 0);
	CHECK(pread(fd, v, 16, (off_t)((frames - 1) * 8)) == 8);	/* cut at the end */

	/* DIRTY is the page cache's: set by a store, gone after msync */
	pthread_t th;
	CHECK(pthread_create(&th, NULL, kpf_reader, NULL) == 0);
	int f = open(MNT "/m", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(f >= 0 && write(f, "0123456789", 10) == 10);
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		p[8] = 'B';
		uint64_t pfn = pfn_of(p), k = kpf(fd, pfn);
		CHECK(pfn != 0);
		CHECK((k & (KPF_DIRTY | KPF_LRU | KPF_UPTODATE | KPF_ANON)) ==
		      (KPF_DIRTY | KPF_LRU | KPF_UPTODATE));
		CHECK(msync(p, 4096, MS_SYNC) == 0);
		k = kpf(fd, pfn_of(p));
		CHECK(!(k & (KPF_DIRTY | KPF_LOCKED)) && (k & KPF_UPTODATE));
		p[9] = 'C';	/* and again */
		CHECK(kpf(fd, pfn_of(p)) & KPF_DIRTY);
		munmap(p, 4096);
	}
	/* private memory is ANON, and a copy on write of a file's page too */
	char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *c = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, f, 0);
	CHECK(a != MAP_FAILED && c != MAP_FAILED);
	if (a != MAP_FAILED && c != MAP_FAILED) {
		a[0] = 1;
		uint64_t k = kpf(fd, pfn_of(a));
		CHECK((k & KPF_ANON) && !(k & (KPF_LRU | KPF_BUDDY)));
		CHECK(*(volatile char *)c == '0');
		CHECK(!(kpf(fd, pfn_of(c)) & KPF_ANON));	/* read: the file's page */
		c[0] = 'x';
		CHECK(kpf(fd, pfn_of(c)) & KPF_ANON);	/* written: a private copy */
		munmap(a, 8192);
		munmap(c, 4096);
	}
	for (int i = 0; i < 20 || atomic_load(&kpf_rounds) < 2; i++) {	/* churn */
		enum { LEN = 64 << 10 };
		char *q = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
		CHECK(q != MAP_FAILED && ftruncate(f, LEN) == 0);
		for (int j = 0; q != MAP_FAILED && j < LEN; j += 4096)
			q[j] = (char)i;
		CHECK(msync(q, LEN, i % 4 ? MS_ASYNC : MS_SYNC) == 0);
		munmap(q, LEN);
		CHECK(ftruncate(f, 0) == 0);
		if (i > 2000)
			break;
	}
	atomic_store(&kpf_stop, 1);
	void *ret;
	CHECK(pthread_join(th, &ret) == 0 && ret == NULL);
	close(f);
	close(fd);

	/* an ordinary user: the file's mode (EACCES); root without
	 * CAP_SYS_ADMIN: EPERM, and pagemap hides the frame numbers */
	pid_t pid = fork();
	if (pid == 0) {
		struct { uint32_t version; int pid; } h = { 0x20080522u, 0 };
		struct { uint32_t eff, perm, inh; } d[2];
		int bad = syscall(SYS_capget, &h, d) != 0;
		d[0].eff &= ~(1u << 21);	/* CAP_SYS_ADMIN */
		bad |= syscall(SYS_capset, &h, d) != 0;
		bad |= open("/proc/kpageflags", O_RDONLY) >= 0 || errno != EPERM;
		char *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		q[0] = 1;
		uint64_t e = 0;
		int pm = open("/proc/self/pagemap", O_RDONLY);
		bad |= pm < 0 || pread(pm, &e, 8, (off_t)((uintptr_t)q / 4096 * 8)) != 8;
		bad |= !(e >> 63) || (e & ((1ULL << 55) - 1)) != 0;
		bad |= setuid(1000) != 0;
		bad |= open("/proc/kpageflags", O_RDONLY) >= 0 || errno != EACCES;
		_exit(bad);
	}
	int status = -1;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	if (access("/dev/vdc", F_OK)) {
		fprintf(stderr, "sysfs_block: no /dev/vdc: skipped\n");
		return 0;
	}
	mkdir(MNT, 0755);
	CHECK(mount("/dev/vdc", MNT, "ext2", 0, NULL) == 0);
	layout();
	hostile_text_reads();
	counters();
	statx_dio();
	kpageflags();
	unlink(MNT "/f");
	unlink(MNT "/m");
	CHECK(umount(MNT) == 0);
	return check_done();
}
