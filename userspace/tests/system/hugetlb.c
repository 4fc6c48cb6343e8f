/*
 * Huge pages from the attacker's side: the pool's files (/proc/sys/vm,
 * /sys/kernel/mm/hugepages, /proc/meminfo), MAP_HUGETLB's sizes and
 * alignment, reservations (ENOMEM up front, SIGBUS for a MAP_NORESERVE
 * page the pool cannot give), munmap/mprotect/mremap of half a huge page,
 * fork (shared pages shared, private ones copied), nr_hugepages lowered
 * under live mappings, memfd MFD_HUGETLB (write EINVAL, read, sizes),
 * SHM_HUGETLB, a mounted hugetlbfs with size=, a mapping at the top of
 * user space, and a thread unmapping while another faults. The pool's
 * counters must come back to where they were after each step.
 */
#define _GNU_SOURCE
#define TEST_NAME "hugetlb"
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#define HP (2UL << 20)
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#define MAP_HUGE_2MB_ (21UL << MAP_HUGE_SHIFT)
#define MAP_HUGE_1GB_ (30UL << MAP_HUGE_SHIFT)
#define MFD_HUGETLB_ 4U
#define SHM_HUGETLB_ 04000
#define HUGETLBFS_MAGIC_ 0x958458f6
#define SYSDIR "/sys/kernel/mm/hugepages/hugepages-2048kB/"

/* HugePages_* lines have no unit: meminfo() multiplies by 1024 */
static long hp(const char *key)
{
	return (long)(meminfo(key) / 1024);
}

static int set_pool(long n)
{
	return write_num("/proc/sys/vm/nr_hugepages", n);
}

static void *map_huge(size_t len, int flags)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
}

/* The pool is whole again: every page free, nothing promised. */
static void check_pool_idle(long total, int line)
{
	long t = hp("HugePages_Total"), f = hp("HugePages_Free"), r = hp("HugePages_Rsvd");
	if (t != total || f != total || r != 0) {
		fprintf(stderr, TEST_NAME ": line %d: pool total %ld free %ld rsvd %ld, want %ld\n",
			line, t, f, r, total);
		failures++;
	}
}
#define POOL_IDLE(n) check_pool_idle(n, __LINE__)

static void test_files(void)
{
	struct stat st;

	CHECK(stat(SYSDIR, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(meminfo("Hugepagesize") == 2048 * 1024);
	CHECK(access("/sys/kernel/mm/hugepages/hugepages-1048576kB", F_OK) == -1);
	CHECK(set_pool(0) == 0);
	CHECK(read_num("/proc/sys/vm/nr_hugepages") == 0);
	CHECK(write_num(SYSDIR "nr_hugepages", 3) == 0);
	CHECK(read_num("/proc/sys/vm/nr_hugepages") == 3);
	CHECK(read_num(SYSDIR "free_hugepages") == 3);
	CHECK(hp("HugePages_Total") == 3 && meminfo("Hugetlb") == 3 * 2048 * 1024);
	CHECK(write_num(SYSDIR "free_hugepages", 1) == -1);	/* 0444 */
	CHECK(write_num("/proc/sys/vm/nr_hugepages", -1) == -1 && errno == EINVAL);
	CHECK(write_num("/proc/sys/vm/drop_caches", 3) == 0);
	CHECK(write_num("/proc/sys/vm/compact_memory", 1) == 0);
	/* the surplus rules: overcommit lets a mapping past the pool */
	CHECK(set_pool(0) == 0);
	CHECK(map_huge(HP, MAP_SHARED) == MAP_FAILED && errno == ENOMEM);
	CHECK(map_huge(HP, MAP_PRIVATE) == MAP_FAILED && errno == ENOMEM);
	CHECK(write_num("/proc/sys/vm/nr_overcommit_hugepages", 1) == 0);
	char *p = map_huge(HP, MAP_SHARED);
	CHECK(p != MAP_FAILED);
	CHECK(hp("HugePages_Surp") == 1);
	if (p != MAP_FAILED) {
		p[0] = 1;
		CHECK(munmap(p, HP) == 0);
	}
	CHECK(write_num("/proc/sys/vm/nr_overcommit_hugepages", 0) == 0);
	CHECK(hp("HugePages_Surp") == 0);
	POOL_IDLE(0);
}

static sigjmp_buf jb;
static volatile int got_sig;

static void on_sig(int sig)
{
	got_sig = sig;
	siglongjmp(jb, 1);
}

/* Touches p (a write); the signal it got, or 0. */
static int touch(volatile char *p)
{
	got_sig = 0;
	if (!sigsetjmp(jb, 1))
		*p = 1;
	return got_sig;
}

static void test_map(void)
{
	CHECK(set_pool(4) == 0);
	POOL_IDLE(4);
	/* sizes: the default, 2 MiB; 1 GiB has no pool */
	CHECK(mmap(NULL, HP, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1GB_,
		   -1, 0) == MAP_FAILED && errno == EINVAL);
	char *p = mmap(NULL, 1, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB_, -1, 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	CHECK((uintptr_t)p % HP == 0);
	CHECK(hp("HugePages_Rsvd") == 1 && hp("HugePages_Free") == 4);
	char maps[8192], want[64];
	int mfd = open("/proc/self/maps", O_RDONLY);
	ssize_t mn = mfd >= 0 ? read(mfd, maps, sizeof(maps) - 1) : -1;
	maps[mn > 0 ? mn : 0] = '\0';
	if (mfd >= 0)
		close(mfd);
	snprintf(want, sizeof(want), "%lx-%lx", (unsigned long)p, (unsigned long)p + HP);
	char *line = strstr(maps, want);
	CHECK(line && strstr(line, "/anon_hugepage (deleted)") &&
	      strstr(line, "/anon_hugepage") < strchr(line, '\n'));
	memset(p, 0x5a, HP);	/* the whole 2 MiB, though 1 byte was asked */
	CHECK(hp("HugePages_Rsvd") == 0 && hp("HugePages_Free") == 3);
	/* half a huge page: EINVAL, nothing changes */
	CHECK(munmap(p, 4096) == -1 && errno == EINVAL);
	CHECK(munmap(p + 4096, HP - 4096) == -1 && errno == EINVAL);
	CHECK(mprotect(p, HP / 2, PROT_READ) == -1 && errno == EINVAL);
	CHECK(mremap(p, HP, 2 * HP, MREMAP_MAYMOVE) == MAP_FAILED && errno == EINVAL);
	CHECK(mremap(p + 4096, 4096, 4096, 0) == MAP_FAILED && errno == EINVAL);
	CHECK(madvise(p, HP, MADV_NORMAL) == 0);
	CHECK(p[HP - 1] == 0x5a);
	CHECK(mprotect(p, HP, PROT_READ) == 0);
	CHECK(munmap(p, HP) == 0);
	POOL_IDLE(4);

	/* unaligned MAP_FIXED is EINVAL; an unaligned hint is moved */
	p = map_huge(2 * HP, MAP_PRIVATE);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		CHECK(mmap(p + 4096, HP, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			   MAP_FIXED, -1, 0) == MAP_FAILED && errno == EINVAL);
		/* a small MAP_FIXED mapping may not cut it in the middle either */
		CHECK(mmap(p + 4096, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			   0) == MAP_FAILED && errno == EINVAL);
		CHECK(hp("HugePages_Rsvd") == 2);
		/* the second half goes whole */
		CHECK(munmap(p + HP, HP) == 0);
		p[0] = 3;
		CHECK(munmap(p, HP) == 0);
	}
	char *q = mmap((void *)0x10001000, HP, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	CHECK(q != MAP_FAILED && (uintptr_t)q % HP == 0);
	if (q != MAP_FAILED)
		CHECK(munmap(q, HP) == 0);
	POOL_IDLE(4);

	/* more than the pool: ENOMEM now, unless MAP_NORESERVE: then the
	 * page the pool cannot give is a SIGBUS at the fault */
	CHECK(map_huge(5 * HP, MAP_SHARED) == MAP_FAILED && errno == ENOMEM);
	CHECK(map_huge(1UL << 46, MAP_SHARED) == MAP_FAILED && errno == ENOMEM);
	CHECK(map_huge(5 * HP, MAP_PRIVATE) == MAP_FAILED && errno == ENOMEM);
	POOL_IDLE(4);
	p = map_huge(5 * HP, MAP_PRIVATE | MAP_NORESERVE);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		for (int k = 0; k < 4; k++)
			CHECK(touch(p + k * HP) == 0);
		CHECK(touch(p + 4 * HP) == SIGBUS);
		CHECK(munmap(p, 5 * HP) == 0);
	}
	POOL_IDLE(4);
}

static void test_fork(void)
{
	char *s = map_huge(HP, MAP_SHARED), *v = map_huge(HP, MAP_PRIVATE);
	CHECK(s != MAP_FAILED && v != MAP_FAILED);
	if (s == MAP_FAILED || v == MAP_FAILED)
		return;
	s[100] = 1;
	v[100] = 1;
	pid_t c = fork();
	if (c == 0) {
		s[100] = 2;	/* shared: the parent sees it */
		v[100] = 2;	/* private: the parent does not */
		_exit(s[100] == 2 && v[100] == 2 ? 0 : 1);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(s[100] == 2);
	CHECK(v[100] == 1);
	CHECK(munmap(s, HP) == 0 && munmap(v, HP) == 0);
	POOL_IDLE(4);
}

/* nr_hugepages lowered while pages are in use: they become surplus,
 * the mapping goes on working, and they leave the pool when unmapped. */
static void test_shrink_live(void)
{
	char *p = map_huge(2 * HP, MAP_SHARED);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	p[0] = 7;
	p[HP] = 8;
	CHECK(set_pool(0) == 0);
	CHECK(read_num("/proc/sys/vm/nr_hugepages") == 0);
	CHECK(hp("HugePages_Total") == 2 && hp("HugePages_Surp") == 2);
	CHECK(p[0] == 7 && p[HP] == 8);
	CHECK(set_pool(1) == 0);	/* one surplus page becomes persistent */
	CHECK(hp("HugePages_Total") == 2 && hp("HugePages_Surp") == 1);
	CHECK(munmap(p, 2 * HP) == 0);
	CHECK(hp("HugePages_Total") == 1 && hp("HugePages_Surp") == 0);
	CHECK(set_pool(4) == 0);
	POOL_IDLE(4);
}

static void test_memfd(void)
{
	char buf[64];
	int fd = (int)syscall(SYS_memfd_create, "huge", MFD_HUGETLB_);

	CHECK(fd >= 0);
	CHECK(syscall(SYS_memfd_create, "huge", MFD_HUGETLB_ | (30U << 26)) == -1 &&
	      errno == ENODEV);
	CHECK(syscall(SYS_memfd_create, "huge", MFD_HUGETLB_ | (16U << 26)) == -1 &&
	      errno == ENODEV);
	int fd2 = (int)syscall(SYS_memfd_create, "huge", MFD_HUGETLB_ | (21U << 26));
	CHECK(fd2 >= 0);
	if (fd2 >= 0)
		close(fd2);
	CHECK(syscall(SYS_memfd_create, "small", 21U << 26) == -1 && errno == EINVAL);
	if (fd < 0)
		return;
	CHECK(write(fd, "x", 1) == -1 && errno == EINVAL);
	CHECK(ftruncate(fd, 4096) == -1 && errno == EINVAL);
	CHECK(ftruncate(fd, 2 * HP) == 0);
	CHECK(read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf) && buf[0] == 0);
	CHECK(mmap(NULL, HP, PROT_READ, MAP_SHARED, fd, 4096) == MAP_FAILED && errno == EINVAL);
	char *p = mmap(NULL, 2 * HP, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		strcpy(p + HP + 10, "through the map");
		CHECK(pread(fd, buf, 16, HP + 10) == 16 && !strcmp(buf, "through the map"));
		CHECK(munmap(p, 2 * HP) == 0);
	}
	/* page 1 is the file's, page 0 reserved by the shared mapping (a
	 * reservation stays with the file); a private mapping of four
	 * reserves the other two: the pool is all promised, another fails */
	CHECK(hp("HugePages_Free") == 3 && hp("HugePages_Rsvd") == 1);
	p = mmap(NULL, 4 * HP, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	fd2 = (int)syscall(SYS_memfd_create, "other", MFD_HUGETLB_);
	CHECK(mmap(NULL, HP, 0, MAP_PRIVATE, fd2, 0) == MAP_FAILED && errno == ENOMEM);
	if (p != MAP_FAILED) {
		CHECK(p[HP + 10] == 't');	/* the file's page */
		p[HP + 10] = 'T';		/* a private copy */
		CHECK(pread(fd, buf, 1, HP + 10) == 1 && buf[0] == 't');
		CHECK(munmap(p, 4 * HP) == 0);
	}
	close(fd2);
	/* truncate gives the pages back; a mapping past the end is SIGBUS */
	p = mmap(NULL, 2 * HP, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(ftruncate(fd, HP) == 0);
	if (p != MAP_FAILED) {
		volatile char *vp = p;
		got_sig = 0;
		if (!sigsetjmp(jb, 1))
			(void)vp[HP];
		CHECK(got_sig == SIGBUS);
		CHECK(munmap(p, 2 * HP) == 0);
	}
	CHECK(fallocate(fd, 0, 0, 3 * HP) == 0);
	CHECK(hp("HugePages_Free") + hp("HugePages_Rsvd") <= 4 && hp("HugePages_Free") == 1);
	CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, HP, HP) == 0);
	CHECK(hp("HugePages_Free") == 2);
	/* a hole as large as a file can be: only the pages there are visited */
	CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 1LL << 60) == 0);
	CHECK(hp("HugePages_Free") == 4);
	close(fd);
	POOL_IDLE(4);
}

static void test_shm(void)
{
	int id = shmget(IPC_PRIVATE, 3 * HP, IPC_CREAT | SHM_HUGETLB_ | 0600);
	CHECK(id >= 0);
	CHECK(hp("HugePages_Rsvd") == 3);
	CHECK(shmget(IPC_PRIVATE, 2 * HP, IPC_CREAT | SHM_HUGETLB_ | 0600) == -1 &&
	      errno == ENOMEM);
	CHECK(shmget(IPC_PRIVATE, HP, IPC_CREAT | SHM_HUGETLB_ | (30 << 26) | 0600) == -1 &&
	      errno == EINVAL);
	if (id < 0)
		return;
	char *p = shmat(id, NULL, 0);
	CHECK(p != (char *)-1 && (uintptr_t)p % HP == 0);
	CHECK(shmat(id, (void *)0x20001000, 0) == (void *)-1 && errno == EINVAL);
	if (p != (char *)-1) {
		p[2 * HP + 5] = 9;
		CHECK(munmap(p + 4096, 4096) == -1 && errno == EINVAL);
		CHECK(shmdt(p) == 0);
	}
	CHECK(shmctl(id, IPC_RMID, NULL) == 0);
	POOL_IDLE(4);
	/* without CAP_IPC_LOCK nor the hugetlb_shm_group: EPERM */
	pid_t c = fork();
	if (c == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		_exit(shmget(IPC_PRIVATE, HP, IPC_CREAT | SHM_HUGETLB_ | 0600) == -1 &&
		      errno == EPERM ? 0 : 1);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_hugetlbfs(void)
{
	const char *dir = "/tmp/hugetlb-mnt";
	struct statfs sf;

	mkdir(dir, 0755);
	CHECK(mount("none", dir, "hugetlbfs", 0, "pagesize=1G") == -1 && errno == EINVAL);
	CHECK(mount("none", dir, "hugetlbfs", 0, "bogus=1") == -1 && errno == EINVAL);
	CHECK(mount("none", dir, "hugetlbfs", 0, "pagesize=2M,size=4M,mode=0700,nr_inodes=4") == 0);
	CHECK(statfs(dir, &sf) == 0 && sf.f_type == HUGETLBFS_MAGIC_ && sf.f_bsize == HP &&
	      sf.f_blocks == 2);
	struct stat st;
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700);
	int fd = open("/tmp/hugetlb-mnt/f", O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0);
	if (fd >= 0) {
		/* size=4M: two huge pages, reservations count */
		CHECK(mmap(NULL, 3 * HP, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
		      errno == ENOMEM);
		char *p = mmap(NULL, 2 * HP, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		CHECK(p != MAP_FAILED);
		if (p != MAP_FAILED) {
			p[HP] = 'h';
			CHECK(munmap(p, 2 * HP) == 0);
		}
		struct stat fs;
		CHECK(fstat(fd, &fs) == 0 && fs.st_size == (off_t)(2 * HP));
		char c = 0;
		CHECK(pread(fd, &c, 1, HP) == 1 && c == 'h');
		CHECK(write(fd, "x", 1) == -1 && errno == EINVAL);
		close(fd);
	}
	CHECK(unlink("/tmp/hugetlb-mnt/f") == 0);
	CHECK(umount(dir) == 0);
	rmdir(dir);
	POOL_IDLE(4);
}

/* The top of user space: a huge mapping ending at or past it is refused
 * cleanly; the highest aligned one that fits works. */
static void test_top(void)
{
	uintptr_t top = 0x7ffffffff000UL, at = (top & ~(HP - 1)) - HP;
	int fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED_NOREPLACE;

	CHECK(mmap((void *)(top & ~(HP - 1)), HP, PROT_READ, fl, -1, 0) == MAP_FAILED);
	CHECK(mmap((void *)(top - HP), HP, PROT_READ, fl, -1, 0) == MAP_FAILED && errno == EINVAL);
	char *p = mmap((void *)at, HP, PROT_READ | PROT_WRITE, fl, -1, 0);
	if (p != MAP_FAILED) {	/* the stack may be there */
		CHECK(p == (char *)at);
		p[HP - 1] = 1;
		CHECK(munmap(p, HP) == 0);
	}
	POOL_IDLE(4);
}

static char *volatile race_map;
static volatile int race_stop;

static void *race_reader(void *arg)
{
	int fd = open("/dev/null", O_WRONLY);
	(void)arg;
	while (!race_stop) {
		/* a kernel copy from the mapping: EFAULT when it is gone */
		ssize_t n = write(fd, race_map + 4096, 4096);
		(void)n;
	}
	close(fd);
	return NULL;
}

static void test_race(void)
{
	char *p = map_huge(HP, MAP_SHARED);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	race_map = p;
	pthread_t t;
	CHECK(pthread_create(&t, NULL, race_reader, NULL) == 0);
	for (int k = 0; k < 300; k++) {
		CHECK(munmap(p, HP) == 0);
		CHECK(mmap(p, HP, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED, -1, 0) == p);
		p[k] = 1;
	}
	race_stop = 1;
	pthread_join(t, NULL);
	CHECK(munmap(p, HP) == 0);
	POOL_IDLE(4);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_sig };
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	long was = read_num("/proc/sys/vm/nr_hugepages");

	CHECK(was >= 0);
	test_files();
	test_map();
	if (hp("HugePages_Total") != 4) {
		fprintf(stderr, TEST_NAME ": no pool of 4 huge pages; skipping the rest\n");
		failures++;
		return check_done();
	}
	test_fork();
	test_shrink_live();
	test_memfd();
	test_shm();
	test_hugetlbfs();
	test_top();
	test_race();
	CHECK(set_pool(was < 0 ? 0 : was) == 0);
	return check_done();
}
