/*
 * landlock_unmount is quadratic (review of the Landlock merge, 25031ea):
 * each object it lets go of restarts the scan of the global object list
 * from its head, past every object already let go of (they stay listed
 * until their rulesets and domains drop them), each scan under the
 * landlock spinlock with interrupts off. Rulesets need no privilege and
 * keep no filesystem mounted, so anyone can make the unmount of a
 * filesystem whose files they can open cost O(rules^2).
 * Here: the unmount of a tmpfs with 3n rules on it against one with n;
 * linear work would take about 3 times as long, quadratic about 9.
 */
#define _GNU_SOURCE
#define TEST_NAME "landlock_unmount_cost"
#include <fcntl.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include "check.h"

#define NR_create 444
#define NR_add 445
#define A_READ (1ULL << 2)
#define PER_RULESET 2000

struct rattr { uint64_t handled; };
struct pattr { uint64_t allowed; int32_t fd; } __attribute__((packed));

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Seconds the unmount of a tmpfs with n rules on its files takes. */
static double unmount_with(int n)
{
	const char *t = "/tmp/llu";
	char name[32];
	int rs[64], nrs = 0;
	mkdir(t, 0755);
	CHECK(mount("none", t, "tmpfs", 0, NULL) == 0);
	int dfd = open(t, O_PATH | O_DIRECTORY);
	for (int i = 0; i < n; i++) {
		if (i % PER_RULESET == 0) {
			rs[nrs] = (int)syscall(NR_create, &(struct rattr){ A_READ }, sizeof(struct rattr), 0);
			CHECK(rs[nrs] >= 0);
			nrs++;
		}
		snprintf(name, sizeof(name), "%d", i);
		int fd = openat(dfd, name, O_CREAT | O_RDONLY, 0644);
		struct pattr p = { A_READ, fd };
		if (syscall(NR_add, rs[nrs - 1], 1, &p, 0)) {
			CHECK(0);
			break;
		}
		close(fd);
	}
	close(dfd);
	double t0 = now();
	CHECK(umount(t) == 0);
	double dt = now() - t0;
	for (int k = 0; k < nrs; k++)
		close(rs[k]);
	printf(TEST_NAME ": unmount with %d rules: %.3f s\n", n, dt);
	return dt;
}

int main(void)
{
	unmount_with(100);	/* warm up */
	double a = unmount_with(4000);
	double b = unmount_with(12000);
	if (b > 6 * a + 0.05)
		fprintf(stderr, TEST_NAME ": 3x the rules, %.1fx the time\n", b / (a > 0 ? a : 1e-9));
	CHECK(b <= 6 * a + 0.05);
	return check_done();
}
