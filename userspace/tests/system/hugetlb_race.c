/*
 * Huge pages, an outside review's findings (kernel/mm/hugetlb.c,
 * kernel/fs/memfs.c huge_page_at): with a pool of one page,
 *  - fault race: threads touching the one reserved huge page of a
 *    MAP_SHARED|MAP_HUGETLB mapping at once must all succeed (Linux
 *    serializes them with its fault mutex); a second faulter that finds
 *    the pool empty while the first is zeroing its page must not SIGBUS;
 *  - reservation race: while a reserved page is being faulted in (taken
 *    from the free list, nr_resv not yet consumed: free < resv) another
 *    mmap must still see an exhausted pool (ENOMEM), not free - resv
 *    wrapping to 2^64 - 1;
 *  - SHM_HUGETLB with a size not a multiple of 2 MiB: the segment is
 *    whole huge pages (Linux's newseg makes a hugesize file), so the
 *    bytes after size in the last huge page are there, not SIGBUS;
 *  - hugetlbfs size=1M: rounds down to 0 huge pages, a limit of none
 *    (Linux's subpool of max 0), not "no limit";
 *  - a failed mmap of a hugetlbfs file (MAP_FIXED_NOREPLACE on a taken
 *    range: EEXIST, refused on Linux before the file is asked) leaves no
 *    reservation behind and does not grow the file;
 *  - (a MAP_PRIVATE mapping's reservation that outlives it:
 *    hugetlb_private_resv, a known weakness);
 *  - remap_file_pages of one small page inside a MAP_SHARED|MAP_HUGETLB
 *    mapping: EINVAL (Linux redoes it as an mmap at that address, which
 *    a hugetlb file refuses unaligned), not a cut huge page;
 *  - what held: the pool's files refuse an unprivileged writer.
 */
#define _GNU_SOURCE
#define TEST_NAME "hugetlb_race"
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define HP (2UL << 20)
#define SHM_HUGETLB_ 04000
#define SYSDIR "/sys/kernel/mm/hugepages/hugepages-2048kB/"
#define ROUNDS 200
#define THREADS 3

static void *map_huge(void)
{
	return mmap(NULL, HP, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB,
		    -1, 0);
}

static void pool_idle(long total, int line)
{
	long f = read_num(SYSDIR "free_hugepages"), r = read_num(SYSDIR "resv_hugepages");
	long t = read_num("/proc/sys/vm/nr_hugepages"), s = read_num(SYSDIR "surplus_hugepages");
	if (t != total || f != total || r != 0 || s != 0) {
		fprintf(stderr, TEST_NAME ": line %d: pool total %ld free %ld resv %ld surp %ld\n",
			line, t, f, r, s);
		failures++;
	}
}
#define POOL_IDLE(n) pool_idle(n, __LINE__)

/* Runs fn in a child; its wait status. */
static int in_child(int (*fn)(void))
{
	pid_t c = fork();
	if (c == 0)
		_exit(fn());
	int st = -1;
	waitpid(c, &st, 0);
	return st;
}

static void report(const char *what, int st)
{
	if (WIFSIGNALED(st))
		fprintf(stderr, TEST_NAME ": %s: killed by signal %d\n", what, WTERMSIG(st));
	else if (WEXITSTATUS(st))
		fprintf(stderr, TEST_NAME ": %s: %d rounds went wrong\n", what, WEXITSTATUS(st));
}

/* ---- threads faulting the one reserved page together */

static char *volatile race_p;
static atomic_int gen, done_count;

static void *toucher(void *arg)
{
	long k = (long)arg;
	int seen = 0;

	for (;;) {
		int g;
		while ((g = atomic_load(&gen)) == seen)
			;
		if (g < 0)
			return NULL;
		seen = g;
		race_p[k * 8 * 4096] = (char)g;	/* each its own small page */
		atomic_fetch_add(&done_count, 1);
	}
}

static int fault_race(void)
{
	pthread_t t[THREADS];

	for (long k = 0; k < THREADS; k++)
		if (pthread_create(&t[k], NULL, toucher, (void *)k))
			return 100;
	for (int r = 1; r <= ROUNDS; r++) {
		char *p = map_huge();
		if (p == MAP_FAILED)
			return 101;
		race_p = p;
		atomic_store(&done_count, 0);
		atomic_store(&gen, r);		/* SIGBUS here kills the child */
		while (atomic_load(&done_count) < THREADS)
			;
		if (munmap(p, HP))
			return 102;
	}
	atomic_store(&gen, -1);
	for (int k = 0; k < THREADS; k++)
		pthread_join(t[k], NULL);
	return 0;
}

/* ---- mmap while the one reserved page is being faulted in */

static atomic_int faulted;

static void *one_touch(void *arg)
{
	((char *)arg)[0] = 1;
	atomic_store(&faulted, 1);
	return NULL;
}

static int resv_race(void)
{
	int wrong = 0;

	for (int r = 0; r < ROUNDS; r++) {
		char *m = map_huge();	/* the pool's one page, promised to m */
		if (m == MAP_FAILED)
			return 101;
		pthread_t t;
		atomic_store(&faulted, 0);
		if (pthread_create(&t, NULL, one_touch, m))
			return 100;
		int got = 0;
		while (!atomic_load(&faulted)) {
			char *x = map_huge();	/* nothing left to promise */
			if (x != MAP_FAILED) {
				got = 1;
				munmap(x, HP);
			}
		}
		pthread_join(t, NULL);
		wrong += got;
		munmap(m, HP);
	}
	return wrong > 250 ? 250 : wrong;
}

/* ---- SHM_HUGETLB of 4096 bytes: one whole huge page */

static int shm_tail(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | SHM_HUGETLB_ | 0600);
	if (id < 0)
		return 101;
	char *p = shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	if (p == (char *)-1)
		return 102;
	p[0] = 1;
	p[4096] = 2;		/* Linux: the segment's huge page, no SIGBUS */
	p[HP - 1] = 3;
	shmdt(p);
	return 0;
}

/* ---- hugetlbfs size=1M: no whole huge page allowed */

static void hugetlbfs_small_size(void)
{
	const char *dir = "/tmp/hugetlb-race-mnt";

	mkdir(dir, 0755);
	CHECK(mount("none", dir, "hugetlbfs", 0, "size=1M") == 0);
	int fd = open("/tmp/hugetlb-race-mnt/f", O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0);
	void *p = mmap(NULL, HP, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p == MAP_FAILED && errno == ENOMEM);	/* Linux: subpool of 0 pages */
	if (p != MAP_FAILED)
		munmap(p, HP);
	close(fd);
	unlink("/tmp/hugetlb-race-mnt/f");
	CHECK(umount(dir) == 0);
	rmdir(dir);
}

/* ---- reservations left behind in a mounted hugetlbfs file */

#define MNT2 "/tmp/hugetlb-race-mnt2"

static void hugetlbfs_leaks(void)
{
	struct stat st;

	mkdir(MNT2, 0755);
	CHECK(mount("none", MNT2, "hugetlbfs", 0, "mode=0755") == 0);
	int fd = open(MNT2 "/f", O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0);
	char *taken = mmap(NULL, HP, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(taken != MAP_FAILED);
	uintptr_t at = ((uintptr_t)taken + HP - 1) & ~(HP - 1);
	munmap(taken, HP);
	taken = mmap((void *)at, HP, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(taken == (void *)at);
	CHECK(mmap((void *)at, HP, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd,
		   0) == MAP_FAILED && errno == EEXIST);
	CHECK(read_num(SYSDIR "resv_hugepages") == 0);	/* nothing promised */
	CHECK(fstat(fd, &st) == 0 && st.st_size == 0);	/* nor grown */
	munmap(taken, HP);
	close(fd);
	unlink(MNT2 "/f");
	POOL_IDLE(1);

	/* a private mapping's reservation outliving it: hugetlb_private_resv */
	CHECK(umount(MNT2) == 0);
	rmdir(MNT2);
}

static void remap_small(void)
{
	char *p = map_huge();
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	p[0] = 1;
	errno = 0;
	CHECK(syscall(SYS_remap_file_pages, p + 4096, 4096, 0, 5, 0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(munmap(p + 4096, 4096) == -1 && errno == EINVAL);	/* still one huge page */
	munmap(p, HP);
}

static int unpriv_pool(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 2;
	if (open("/proc/sys/vm/nr_hugepages", O_WRONLY) >= 0 || errno != EACCES)
		return 3;
	if (open(SYSDIR "nr_hugepages", O_WRONLY) >= 0 || errno != EACCES)
		return 4;
	if (open("/proc/sys/vm/nr_overcommit_hugepages", O_WRONLY) >= 0 || errno != EACCES)
		return 5;
	return 0;
}

int main(void)
{
	long was = read_num("/proc/sys/vm/nr_hugepages");
	int st;

	CHECK(was >= 0);
	CHECK(write_num("/proc/sys/vm/nr_overcommit_hugepages", 0) == 0);
	CHECK(write_num("/proc/sys/vm/nr_hugepages", 1) == 0);
	if (read_num("/proc/sys/vm/nr_hugepages") != 1) {
		fprintf(stderr, TEST_NAME ": no pool of one huge page\n");
		return 1;
	}

	st = in_child(unpriv_pool);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	POOL_IDLE(1);

	st = in_child(fault_race);
	report("fault race", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	POOL_IDLE(1);

	st = in_child(resv_race);
	report("reservation race", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	POOL_IDLE(1);

	st = in_child(shm_tail);
	report("shm tail", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	POOL_IDLE(1);

	hugetlbfs_small_size();
	POOL_IDLE(1);

	hugetlbfs_leaks();
	POOL_IDLE(1);

	remap_small();
	POOL_IDLE(1);

	CHECK(write_num("/proc/sys/vm/nr_hugepages", was) == 0);
	return check_done();
}
