/*
 * A MAP_PRIVATE mapping of a hugetlbfs file opened read-only by another
 * user: its reservation must go with the mapping (Linux: per VMA, its
 * resv_map), not stay in the file, holding the pool from everyone else
 * (an outside review's finding). Alloy keeps a private mapping's pages
 * and reservation in the file until it is truncated or removed
 * (docs/memory.md, "Huge pages": a known weakness): while that is so,
 * this test reports itself skipped with the reason, so make test shows
 * it; the day it holds, it passes.
 */
#define _GNU_SOURCE
#define TEST_NAME "hugetlb_private_resv"
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define HP (2UL << 20)
#define SYSDIR "/sys/kernel/mm/hugepages/hugepages-2048kB/"
#define MNT "/tmp/hugetlb-private-resv"

int main(void)
{
	long was = read_num("/proc/sys/vm/nr_hugepages");
	CHECK(was >= 0 && write_num("/proc/sys/vm/nr_hugepages", 1) == 0);
	mkdir(MNT, 0755);
	CHECK(mount("none", MNT, "hugetlbfs", 0, "mode=0755") == 0);
	int fd = open(MNT "/g", O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0 && ftruncate(fd, HP) == 0);
	pid_t c = fork();
	if (c == 0) {	/* another user maps it privately, read-only opened */
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		int rfd = open(MNT "/g", O_RDONLY);
		void *p = rfd < 0 ? MAP_FAILED :
			  mmap(NULL, HP, PROT_READ | PROT_WRITE, MAP_PRIVATE, rfd, 0);
		_exit(p == MAP_FAILED ? 3 : (munmap(p, HP), 0));
	}
	int st = -1;
	waitpid(c, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	long resv = read_num(SYSDIR "resv_hugepages");
	char *p = mmap(NULL, HP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB,
		       -1, 0);
	bool held = resv != 0 || p == MAP_FAILED;
	if (p != MAP_FAILED)
		munmap(p, HP);
	close(fd);
	unlink(MNT "/g");
	CHECK(umount(MNT) == 0);
	rmdir(MNT);
	CHECK(read_num(SYSDIR "resv_hugepages") == 0);	/* gone with the file at least */
	CHECK(write_num("/proc/sys/vm/nr_hugepages", was) == 0);
	if (failures)
		return check_done();
	if (held) {
		FILE *f = fopen("SKIP", "w");
		if (f) {
			fprintf(f, "known weakness: a private mapping's huge-page reservation "
				"stays with the file after munmap (resv %ld; docs/memory.md)\n", resv);
			fclose(f);
		}
		return 77;
	}
	return check_done();
}
