#define _GNU_SOURCE
/*
 * memfs_size: memory filesystems have a size limit (issue 11 item 6).
 *
 *  - / and /tmp (the boot memfs) stop at their limit, half of RAM by
 *    default: writing /tmp full ends in ENOSPC with memory left for
 *    programs (MemFree above an eighth of MemTotal), statfs reports the
 *    limit, /proc/meminfo's Shmem grows by what was written, and
 *    deleting the file gives the memory back;
 *  - mount -t tmpfs -o size=1m: exactly 1 MiB of data fits, the next
 *    write is ENOSPC (also through a hole of a sparse file; SIGBUS through
 *    a shared mapping of it), statfs
 *    shows 256 blocks, and unmounting gives the pages back;
 *  - size= in k/m/g and % of RAM; hostile options (no number, a number
 *    that overflows, an unknown option) are EINVAL.
 *
 * Exits 0 if everything passed, 1 otherwise.
 */
#define TEST_NAME "memfs_size"
#include "check.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1LL << 20)

static char buf[1 << 20];

/* Writes buf to fd until a write fails; the bytes written, errno kept. */
static long long fill(int fd)
{
	long long total = 0;

	for (;;) {
		ssize_t n = write(fd, buf, sizeof(buf));
		if (n <= 0)
			return total;
		total += n;
	}
}

static void fill_tmp(void)
{
	long long total_ram = meminfo("MemTotal");
	struct statfs st;
	int fd = open("/tmp/memfs_size.fill", O_CREAT | O_TRUNC | O_WRONLY, 0600);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(statfs("/tmp", &st) == 0);
	long long limit = (long long)st.f_blocks * st.f_bsize;
	printf("# /tmp: limit %lld MiB of %lld MiB RAM\n", limit / MIB, total_ram / MIB);
	CHECK(limit <= total_ram / 2 + MIB && limit >= total_ram / 4);
	long long shmem0 = meminfo("Shmem");
	errno = 0;
	long long wrote = fill(fd);
	CHECK(errno == ENOSPC);
	long long free_full = meminfo("MemFree");
	/* /proc/meminfo's Shmem counts memory filesystems' pages */
	long long shmem_full = meminfo("Shmem");
	printf("# Shmem %lld -> %lld MiB\n", shmem0 / MIB, shmem_full / MIB);
	CHECK(shmem0 >= 0 && shmem_full - shmem0 >= wrote - MIB && shmem_full - shmem0 <= wrote + MIB);
	printf("# wrote %lld MiB, MemFree %lld MiB\n", wrote / MIB, free_full / MIB);
	CHECK(free_full > total_ram / 8);	/* programs still have memory */
	CHECK(statfs("/tmp", &st) == 0 && st.f_bfree * st.f_bsize < MIB);
	/* a small program still runs */
	pid_t pid = fork();
	if (pid == 0) {
		char *p = malloc(4 * MIB);
		if (p)
			memset(p, 1, 4 * MIB);
		_exit(p ? 0 : 2);
	}
	int status = -1;
	CHECK(waitpid(pid, &status, 0) == pid && status == 0);
	close(fd);
	CHECK(unlink("/tmp/memfs_size.fill") == 0);
	long long free_after = meminfo("MemFree");
	CHECK(free_after > free_full + wrote * 9 / 10);
	CHECK(meminfo("Shmem") < shmem0 + MIB);
	CHECK(statfs("/tmp", &st) == 0 && st.f_bfree * st.f_bsize > wrote * 9 / 10);
	printf("%s - /tmp fills to ENOSPC, MemFree %lld MiB after unlink\n",
	       failures ? "not ok" : "ok", free_after / MIB);
}

static void small_mount(void)
{
	const char *dir = "/tmp/memfs_size.mnt";
	struct statfs st;
	int before = failures;

	CHECK(mkdir(dir, 0755) == 0);
	CHECK(mount("none", dir, "tmpfs", 0, "size=1m") == 0);
	CHECK(statfs(dir, &st) == 0 && st.f_blocks * st.f_bsize == MIB && st.f_bfree == st.f_blocks);
	int fd = open("/tmp/memfs_size.mnt/f", O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0);
	errno = 0;
	long long wrote = fill(fd);
	CHECK(wrote == MIB && errno == ENOSPC);
	CHECK(statfs(dir, &st) == 0 && st.f_bfree == 0);
	/* a sparse file past the limit: the size is free, the data is not */
	int fd2 = open("/tmp/memfs_size.mnt/sparse", O_CREAT | O_RDWR, 0600);
	CHECK(fd2 >= 0 && ftruncate(fd2, 4 * MIB) == 0);
	errno = 0;
	CHECK(pwrite(fd2, "x", 1, 2 * MIB) == -1 && errno == ENOSPC);
	/* through a shared mapping: SIGBUS (as tmpfs), not the OOM killer */
	char *map = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	CHECK(map != MAP_FAILED);
	pid_t pid = map == MAP_FAILED ? -1 : fork();
	if (pid == 0) {
		map[2 * MIB] = 1;
		_exit(0);
	}
	int ws = 0;
	CHECK(pid > 0 && waitpid(pid, &ws, 0) == pid && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGBUS);
	if (map != MAP_FAILED)
		munmap(map, 4 * MIB);
	close(fd2);
	/* room comes back after a truncate */
	CHECK(ftruncate(fd, MIB / 2) == 0);
	CHECK(pwrite(fd, buf, MIB, MIB / 2) == MIB / 2);
	close(fd);
	CHECK(umount(dir) == 0);
	CHECK(rmdir(dir) == 0);
	printf("%s - tmpfs size=1m answers ENOSPC at 1 MiB\n", failures > before ? "not ok" : "ok");
}

static void options(void)
{
	const char *dir = "/tmp/memfs_size.opt";
	long long total_ram = meminfo("MemTotal");
	struct statfs st;
	int before = failures;

	CHECK(mkdir(dir, 0755) == 0);
	const char *bad[] = { "size=", "size=abc", "size=12q", "size=99999999999999999999g",
			      "size=18014398509481984k", "bogus=1", "size=1m,zz" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		int rc = mount("none", dir, "tmpfs", 0, bad[i]);
		if (rc == 0)
			umount(dir);
		CHECK(rc == -1 && errno == EINVAL);
		if (rc != -1 || errno != EINVAL)
			fprintf(stderr, "memfs_size: option '%s' accepted\n", bad[i]);
	}
	CHECK(mount("none", dir, "tmpfs", 0, "size=64k,mode=0700") == 0);
	CHECK(statfs(dir, &st) == 0 && st.f_blocks * st.f_bsize == 64 * 1024);
	CHECK(umount(dir) == 0);
	CHECK(mount("none", dir, "tmpfs", 0, "size=10%") == 0);
	CHECK(statfs(dir, &st) == 0);
	long long want = total_ram / 10;
	CHECK(st.f_blocks * st.f_bsize <= want + 4096 && st.f_blocks * st.f_bsize >= want - 4096);
	CHECK(umount(dir) == 0);
	CHECK(mount("none", dir, "tmpfs", 0, NULL) == 0);	/* default: half of RAM */
	CHECK(statfs(dir, &st) == 0 && st.f_blocks * st.f_bsize <= total_ram / 2 + 4096 &&
	      st.f_blocks * st.f_bsize >= total_ram / 2 - 4096);
	CHECK(umount(dir) == 0);
	CHECK(rmdir(dir) == 0);
	printf("%s - size= parsing\n", failures > before ? "not ok" : "ok");
}

int main(void)
{
	memset(buf, 0x5a, sizeof(buf));
	printf("1..3\n");
	fill_tmp();
	small_mount();
	options();
	return check_done();
}
