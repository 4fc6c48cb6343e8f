/*
 * Landlock's rename check races with a rename of the source directory
 * (review of the Landlock merge, 25031ea). vfs_rename collects what the
 * old and new parents are granted (landlock_masks_at) before it takes
 * the filesystem's ns_lock; rename_locked then decides with those masks.
 *
 * Layout: base/w is granted every right, base/r every right but
 * WRITE_FILE, base/r/secret is a file the sandbox may read but never
 * write. Moving secret to w is refused (EXDEV: it would gain WRITE_FILE).
 *
 * The race: process A loops rename(w/D/secret -> w/deep.../secret) with
 * a deep target, so the new parent's collect walks long after the old
 * parent's masks (those of w/D: everything) were taken. Process B, in the
 * same domain, makes w/D, then moves D into r (a loss: allowed) and
 * secret into r/D (same rights: allowed). If B's two renames land in A's
 * window, A's rename runs with w/D's stale masks and secret ends up
 * beneath w, writable. Linux decides under lock_rename: never.
 */
#define _GNU_SOURCE
#define TEST_NAME "landlock_rename_race"
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include "check.h"

#define NR_create 444
#define NR_add 445
#define NR_restrict 446
#define A_WRITE (1ULL << 1)
#define A_ALL ((1ULL << 14) - 1)
#define DEPTH 1200
#define DUMMIES 400
#define SECONDS 20
/* each try leaves an empty r/D<n>: bounded, so a quiet host's speed
 * cannot fill /tmp's inodes for the tests after this one (it did) */
#define MAX_TRIES 4000

struct rattr { uint64_t handled; };
struct pattr { uint64_t allowed; int32_t fd; } __attribute__((packed));

static int add_fd(int rs, int fd, uint64_t access)
{
	struct pattr p = { access, fd };
	return (int)syscall(NR_add, rs, 1, &p, 0);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	char base[64], p[256];
	snprintf(base, sizeof(base), "/tmp/llrace.XXXXXX");
	CHECK(mkdtemp(base) != NULL);
	int bfd = open(base, O_PATH | O_DIRECTORY);
	CHECK(mkdirat(bfd, "w", 0755) == 0 && mkdirat(bfd, "r", 0755) == 0 &&
	      mkdirat(bfd, "dummies", 0755) == 0);
	int wfd = openat(bfd, "w", O_PATH | O_DIRECTORY);
	int rfd = openat(bfd, "r", O_PATH | O_DIRECTORY);
	int sfd = openat(rfd, "secret", O_CREAT | O_WRONLY, 0644);
	CHECK(sfd >= 0 && write(sfd, "secret\n", 7) == 7);
	struct stat sst;
	CHECK(fstat(sfd, &sst) == 0);
	close(sfd);
	/* w/a/a/.../a: a new parent whose collect walks DEPTH steps */
	int dfd = openat(wfd, ".", O_PATH | O_DIRECTORY);
	for (int i = 0; i < DEPTH && dfd >= 0; i++) {
		CHECK(mkdirat(dfd, "a", 0755) == 0);
		int n = openat(dfd, "a", O_PATH | O_DIRECTORY);
		close(dfd);
		dfd = n;
	}
	CHECK(dfd >= 0);

	int rs = (int)syscall(NR_create, &(struct rattr){ A_ALL }, sizeof(struct rattr), 0);
	CHECK(rs >= 0);
	CHECK(add_fd(rs, wfd, A_ALL) == 0);
	CHECK(add_fd(rs, rfd, A_ALL & ~A_WRITE) == 0);
	/* rules elsewhere: each step of a walk compares them all */
	int dum = openat(bfd, "dummies", O_PATH | O_DIRECTORY);
	for (int i = 0; i < DUMMIES; i++) {
		snprintf(p, sizeof(p), "%d", i);
		CHECK(mkdirat(dum, p, 0755) == 0);
		int fd = openat(dum, p, O_PATH | O_DIRECTORY);
		CHECK(add_fd(rs, fd, A_ALL) == 0);
		close(fd);
	}
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK(syscall(NR_restrict, rs, 0) == 0);
	close(rs);

	/* the rules hold: secret may not move to w, nor be written */
	CHECK(renameat(rfd, "secret", wfd, "secret") == -1 && errno == EXDEV);
	CHECK(openat(rfd, "secret", O_WRONLY) == -1 && errno == EACCES);
	CHECK(openat(rfd, "secret", O_RDONLY) >= 0);

	volatile int *stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(stop != MAP_FAILED);
	*stop = 0;
	fflush(NULL);
	pid_t a = fork();
	if (a == 0) {	/* A: the rename that should never succeed */
		while (!*stop) {
			if (renameat(wfd, "D/secret", dfd, "secret") == 0) {
				*stop = 2;
				break;
			}
		}
		_exit(0);
	}
	/* B: D into w, then D into r and secret into D */
	char cur[96] = "secret", next[64];
	unsigned seed = 1;
	long iters = 0;
	double end = now() + SECONDS;
	while (!*stop && now() < end && iters < MAX_TRIES) {
		snprintf(next, sizeof(next), "D%ld", iters);
		if (mkdirat(wfd, "D", 0755)) {
			CHECK(0);
			break;
		}
		seed = seed * 1103515245 + 12345;
		for (volatile unsigned k = (seed >> 8) % 40000; k; k--)
			;
		if (renameat(wfd, "D", rfd, next)) {
			CHECK(0);
			break;
		}
		char to[80];
		snprintf(to, sizeof(to), "%s/secret", next);
		if (renameat(rfd, cur, rfd, to))
			break;	/* A took it */
		snprintf(cur, sizeof(cur), "%s", to);
		iters++;
	}
	if (!*stop)
		*stop = 1;
	waitpid(a, NULL, 0);
	struct stat st;
	int escaped = fstatat(dfd, "secret", &st, 0) == 0 && st.st_ino == sst.st_ino;
	if (escaped) {
		int fd = openat(dfd, "secret", O_WRONLY);
		fprintf(stderr, TEST_NAME ": r/secret renamed beneath w after %ld tries; "
			"open for writing: %s\n", iters, fd >= 0 ? "allowed" : "refused");
	} else {
		printf(TEST_NAME ": no escape in %ld tries\n", iters);
	}
	CHECK(!escaped);
	/* the tries' directories go (secret's own, the last, is not empty) */
	for (long i = 0; i < iters; i++) {
		snprintf(next, sizeof(next), "D%ld", i);
		unlinkat(rfd, next, AT_REMOVEDIR);
	}
	return check_done();
}
