#define _GNU_SOURCE
/*
 * ext2_bigdir: create, lookup and delete in a big ext2 directory on
 * /dev/vda must cost what they cost in a small one (the per-directory
 * index of kernel/fs/ext2/dindex.c), and the directory must stay exactly
 * right while several processes change it at once.
 *
 *  - speed: per operation (create of a new name, stat of a missing name,
 *    stat of a present name that is not in the dcache, unlink), the
 *    directory of BIG entries may cost at most RATIO times the directory
 *    of a few entries. A linear scan (BIG / 256 blocks per operation)
 *    misses that by far;
 *  - consistency: KIDS processes create, rename (within the directory,
 *    over each other's names too) and unlink at the same moment; after
 *    that, readdir lists exactly the names that must be there, each once,
 *    with the right inode, stat agrees, and the same holds after an
 *    unmount and a mount (the index rebuilt from the disk);
 *  - memory: the index of BIG entries costs a bounded number of heap
 *    bytes per entry, and an unmount gives them back, and so does memory
 *    pressure (the dentry shrinker evicts the directory's inode).
 * The disk is left clean for e2fsck (the suite checks it).
 *
 * By hand: `ext2_bigdir measure DIR N [OPS]` fills DIR (if it has fewer than N
 * entries) and prints the per-operation times at that size, cold (after
 * a remount of DEV) and warm.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define TEST_NAME "ext2_bigdir"
#include "check.h"

#define DEV "/dev/vda"
#define MNT "/mnt/vda"
#define BIGD MNT "/bigdir"
#define SMALLD MNT "/smalldir"
#define BIG 6000
#define OPS_SUITE 200
#define RATIO 5.0
#define ROUNDS 3
#define KIDS 4
#define OPS ops
#define PER_KID 300

static int ops = OPS_SUITE;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int create(const char *path)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void remount(void)
{
	CHECK(umount(MNT) == 0);
	CHECK(mount(DEV, MNT, "ext2", 0, NULL) == 0);
}

/* Entries in dir other than . and .. */
static long count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	long n = 0;
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

/* Fills dir up to n entries named f0000000.. */
static int fill(const char *dir, long n)
{
	char p[512];
	mkdir(dir, 0755);
	for (long i = count(dir); i >= 0 && i < n; i++) {
		snprintf(p, sizeof(p), "%s/f%07ld", dir, i);
		if (create(p) && errno != EEXIST)
			return -1;
	}
	return 0;
}

struct times { double create, miss, hit, unlink; };

/*
 * OPS of each operation in dir, on names of the prefix `x` (created,
 * then looked up missing as `y`, then unlinked); hits stat names f* of
 * the fill that are not cached (after a remount): from, from + stride..
 */
static int measure_ops(const char *dir, long from, long stride, struct times *t)
{
	char p[512];
	struct stat st;
	double t0 = now();
	for (int i = 0; i < OPS; i++) {
		snprintf(p, sizeof(p), "%s/x%07d", dir, i);
		if (create(p))
			return -1;
	}
	double t1 = now();
	for (int i = 0; i < OPS; i++) {
		snprintf(p, sizeof(p), "%s/y%07d", dir, i);
		if (stat(p, &st) == 0 || errno != ENOENT)
			return -1;
	}
	double t2 = now();
	for (long i = 0; i < OPS; i++) {
		snprintf(p, sizeof(p), "%s/f%07ld", dir, from + i * stride);
		if (stat(p, &st))
			return -1;
	}
	double t3 = now();
	for (int i = 0; i < OPS; i++) {
		snprintf(p, sizeof(p), "%s/x%07d", dir, i);
		if (unlink(p))
			return -1;
	}
	double t4 = now();
	t->create = (t1 - t0) / OPS * 1e6;
	t->miss = (t2 - t1) / OPS * 1e6;
	t->hit = (t3 - t2) / OPS * 1e6;
	t->unlink = (t4 - t3) / OPS * 1e6;
	return 0;
}

static void print_times(const char *what, long n, const struct times *t)
{
	printf(TEST_NAME ": %s, %ld entries: create %.1f us, stat missing %.1f us, "
	       "stat present %.1f us, unlink %.1f us\n", what, n, t->create, t->miss, t->hit,
	       t->unlink);
}

static int measure(const char *dir, long n)
{
	struct times t;
	mkdir("/mnt", 0755);
	mkdir(MNT, 0755);
	if (mount(DEV, MNT, "ext2", 0, NULL)) {
		CHECK(!"mount " DEV);
		return check_done();
	}
	double t0 = now();
	CHECK(fill(dir, n) == 0);
	printf(TEST_NAME ": fill to %ld entries: %.2f s\n", n, now() - t0);
	remount();
	struct stat st;
	char p[512];
	t0 = now();
	snprintf(p, sizeof(p), "%s/f%07ld", dir, n - 1);
	CHECK(stat(p, &st) == 0);
	printf(TEST_NAME ": first lookup after mount: %.1f us\n", (now() - t0) * 1e6);
	long stride = n / OPS > 1 ? n / OPS : 1;
	CHECK(measure_ops(dir, 0, stride, &t) == 0);
	print_times("cold", n, &t);
	CHECK(measure_ops(dir, stride / 2 ? stride / 2 : OPS, stride, &t) == 0);
	print_times("warm", n, &t);
	CHECK(umount(MNT) == 0);
	return check_done();
}

/* ---- the suite's checks */

static void keep_min(struct times *best, const struct times *t, int r)
{
	if (!r || t->create < best->create)
		best->create = t->create;
	if (!r || t->miss < best->miss)
		best->miss = t->miss;
	if (!r || t->hit < best->hit)
		best->hit = t->hit;
	if (!r || t->unlink < best->unlink)
		best->unlink = t->unlink;
}

/* The best of ROUNDS rounds (a busy host only makes times longer), each
 * after a remount (nothing in the dcache) and one lookup in each
 * directory (the index built: its cost is the first operation's). */
static void speed(void)
{
	struct times small, big, t;
	struct stat st;
	double t0 = now();
	CHECK(fill(SMALLD, OPS) == 0);
	CHECK(fill(BIGD, BIG) == 0);
	double fill_s = now() - t0;
	for (int r = 0; r < ROUNDS; r++) {
		remount();
		CHECK(stat(SMALLD "/none", &st) < 0 && stat(BIGD "/none", &st) < 0);
		CHECK(measure_ops(SMALLD, 0, 1, &t) == 0);
		keep_min(&small, &t, r);
		CHECK(measure_ops(BIGD, BIG - OPS * (r + 1), 1, &t) == 0);
		keep_min(&big, &t, r);
	}
	print_times("small", OPS, &small);
	print_times("big", BIG, &big);
	printf(TEST_NAME ": filling took %.2f s\n", fill_s);
	/* a floor of 30 us: the small directory's times are noise under TCG */
	double s[] = { small.create, small.miss, small.hit, small.unlink };
	double b[] = { big.create, big.miss, big.hit, big.unlink };
	const char *what[] = { "create", "stat missing", "stat present", "unlink" };
	for (int i = 0; i < 4; i++) {
		double limit = RATIO * (s[i] > 30 ? s[i] : 30);
		if (b[i] > limit) {
			fprintf(stderr, TEST_NAME ": %s in %d entries %.1f us > %.1f us (%.0fx "
				"the small directory's)\n", what[i], BIG, b[i], limit, RATIO);
			CHECK(b[i] <= limit);
		}
	}
}

/*
 * Kid k owns names k<k>-<i>. Step i: rename k-(i-1) to k-(i-1)-r,
 * unlink k-(i-2)-r every other step, create k-i, and every third step
 * rename k-i over the shared name s-(i%8) (which may be another kid's
 * file: the rename replaces it). What must remain is computed afterwards
 * from the same rules, except the shared names (checked for existence
 * and count only).
 */
static bool kid_keeps_r(int i) { return i % 2 == 1; }	/* k-i-r kept when it is not unlinked */

static void kid(int k)
{
	char a[128], b[128];
	for (int i = 0; i < PER_KID; i++) {
		if (i >= 1 && (i - 1) % 3 != 2) {
			snprintf(a, sizeof(a), BIGD "/k%d-%d", k, i - 1);
			snprintf(b, sizeof(b), BIGD "/k%d-%d-r", k, i - 1);
			if (rename(a, b))
				_exit(12);
		}
		if (i >= 2 && (i - 2) % 3 != 2 && !kid_keeps_r(i - 2)) {
			snprintf(a, sizeof(a), BIGD "/k%d-%d-r", k, i - 2);
			if (unlink(a))
				_exit(13);
		}
		snprintf(a, sizeof(a), BIGD "/k%d-%d", k, i);
		if (create(a))
			_exit(10);
		if (i % 3 == 2) {
			snprintf(b, sizeof(b), BIGD "/s-%d", i % 8);
			if (rename(a, b))
				_exit(11);
		}
	}
	_exit(0);
}

/* Is name one that must be in BIGD after the kids (not the fill)? */
static int expected(char names[][32], int cap)
{
	int n = 0;
	for (int k = 0; k < KIDS; k++) {
		for (int i = 0; i < PER_KID; i++) {
			if (i % 3 == 2)
				continue;	/* renamed to a shared name */
			if (i == PER_KID - 1) {	/* never renamed */
				snprintf(names[n++], 32, "k%d-%d", k, i);
				continue;
			}
			/* renamed to -r at step i + 1; unlinked at i + 2 unless kept
			 * or the kids stopped before step i + 2 */
			if (kid_keeps_r(i) || i + 2 >= PER_KID)
				snprintf(names[n++], 32, "k%d-%d-r", k, i);
		}
	}
	for (int s = 0; s < 8; s++)
		snprintf(names[n++], 32, "s-%d", s);
	return n > cap ? -1 : n;
}

static int cmp_str(const void *a, const void *b) { return strcmp(a, b); }

/* The directory holds exactly the fill f0000000.. (BIG of them) and the
 * expected names, each once, and stat finds each with its inode. */
static void verify(const char *when)
{
	static char want[KIDS * PER_KID + 8][32], got[BIG + KIDS * PER_KID + 64][32];
	static ino_t got_ino[BIG + KIDS * PER_KID + 64];
	int nw = expected(want, KIDS * PER_KID + 8), ng = 0, bad = 0;
	long fills = 0;
	DIR *d = opendir(BIGD);
	struct dirent *de;
	CHECK(d != NULL);
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_name[0] == 'f') {
			fills++;
			continue;
		}
		if (ng < (int)(sizeof(got) / sizeof(got[0]))) {
			size_t l = strnlen(de->d_name, 31);
			got_ino[ng] = de->d_ino;
			memcpy(got[ng], de->d_name, l);
			got[ng++][l] = '\0';
		}
	}
	if (d)
		closedir(d);
	/* stat agrees with readdir (before sorting: got_ino goes with got) */
	for (int i = 0; i < ng; i++) {
		struct stat st;
		char p[512];
		snprintf(p, sizeof(p), BIGD "/%.31s", got[i]);
		if (stat(p, &st) || st.st_ino != got_ino[i]) {
			if (bad++ < 5)
				fprintf(stderr, TEST_NAME ": %s: %s: stat disagrees with readdir\n",
					when, got[i]);
		}
	}
	qsort(want, (size_t)nw, 32, cmp_str);
	qsort(got, (size_t)ng, 32, cmp_str);
	CHECK(fills == BIG);
	for (int i = 0, j = 0; i < nw || j < ng;) {
		int c = i >= nw ? 1 : j >= ng ? -1 : strcmp(want[i], got[j]);
		if (c && bad++ < 10)
			fprintf(stderr, TEST_NAME ": %s: %s %s\n", when, c < 0 ? want[i] : got[j],
				c < 0 ? "missing" : "there but should not be (or twice)");
		i += c <= 0;
		j += c >= 0;
	}
	/* names that went must be gone for lookup too */
	for (int k = 0; k < KIDS; k++) {
		struct stat st;
		char p[512];
		snprintf(p, sizeof(p), BIGD "/k%d-0", k);
		if (stat(p, &st) == 0 && bad++ < 10)
			fprintf(stderr, TEST_NAME ": %s: k%d-0 still found by stat\n", when, k);
		snprintf(p, sizeof(p), BIGD "/k%d-0-r", k);
		if (stat(p, &st) == 0 && bad++ < 10)
			fprintf(stderr, TEST_NAME ": %s: k%d-0-r still found by stat\n", when, k);
	}
	printf(TEST_NAME ": %s: %ld fill entries, %d others, %d expected, %d problems\n", when,
	       fills, ng, nw, bad);
	CHECK(bad == 0);
}

static void concurrent(void)
{
	pid_t pids[KIDS];
	remount();	/* the kids start with the index cold: built under them */
	for (int k = 0; k < KIDS; k++) {
		pids[k] = fork();
		if (pids[k] == 0)
			kid(k);
	}
	for (int k = 0; k < KIDS; k++) {
		int st;
		CHECK(waitpid(pids[k], &st, 0) == pids[k]);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			fprintf(stderr, TEST_NAME ": kid %d: status %#x\n", k, st);
	}
	verify("after the kids");
	remount();
	verify("after a remount");
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

static void memory(void)
{
	remount();
	long long h0 = meminfo("KernelHeap");
	struct stat st;
	CHECK(stat(BIGD "/f0000000-none", &st) < 0 && errno == ENOENT);	/* builds the index */
	long long h1 = meminfo("KernelHeap");
	remount();
	long long h2 = meminfo("KernelHeap");
	/* under pressure the directory's inode is evicted, its index with it */
	CHECK(stat(BIGD "/f0000000-none", &st) < 0 && errno == ENOENT);
	long long h3 = meminfo("KernelHeap");
	pressure();
	long long h4 = meminfo("KernelHeap");
	printf(TEST_NAME ": heap %lld KiB, %lld KiB with the index of %d entries, %lld KiB "
	       "after an unmount; %lld KiB with it again, %lld KiB after memory pressure\n",
	       h0 >> 10, h1 >> 10, BIG, h2 >> 10, h3 >> 10, h4 >> 10);
	CHECK(h1 - h0 > 8LL * BIG);		/* there is an index */
	CHECK(h1 - h0 < 64LL * BIG);		/* bounded per entry */
	CHECK(h2 - h0 < 16LL * BIG);		/* and given back */
	CHECK(h4 - h0 < (h3 - h0) / 2);		/* and under pressure */
}

static void cleanup(void)
{
	char p[512];
	DIR *d = opendir(BIGD);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			snprintf(p, sizeof(p), BIGD "/%s", de->d_name);
			CHECK(unlink(p) == 0);
		}
	}
	if (d)
		closedir(d);
	CHECK(count(BIGD) == 0);
	CHECK(rmdir(BIGD) == 0);
	for (int i = 0; i < OPS; i++) {
		snprintf(p, sizeof(p), SMALLD "/f%07d", i);
		CHECK(unlink(p) == 0);
	}
	CHECK(rmdir(SMALLD) == 0);
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "measure")) {
		if (argc > 4)
			ops = atoi(argv[4]);
		return measure(argv[2], atol(argv[3]));
	}
	mkdir("/mnt", 0755);
	mkdir(MNT, 0755);
	if (mount(DEV, MNT, "ext2", 0, NULL)) {
		CHECK(!"mount " DEV);
		return check_done();
	}
	double t0 = now();
	speed();
	concurrent();
	memory();
	cleanup();
	CHECK(umount(MNT) == 0);
	printf(TEST_NAME ": %.2f s\n", now() - t0);
	return check_done();
}
