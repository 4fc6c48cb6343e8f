#define _GNU_SOURCE
/*
 * shared_anon: MAP_SHARED|MAP_ANONYMOUS memory is shared with children
 * made by fork, both ways, pages touched before and after the fork
 * (Alloy once copied it on fork like MAP_PRIVATE, so a parent never saw
 * what its child stored); MAP_PRIVATE memory next to it stays private; a
 * child's munmap or mprotect of its view leaves the parent's alone; and
 * a large shared mapping costs nothing until touched.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define TEST_NAME "shared_anon"
#include "check.h"

#define PG 4096

static long long mem_free_kib(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long long v = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %lld kB", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

static int child_status(pid_t pid)
{
	int st = -1;

	if (pid <= 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void)
{
	char *sh = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *pv = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED && pv != MAP_FAILED);
	if (sh == MAP_FAILED || pv == MAP_FAILED)
		return check_done();
	CHECK(sh[0] == 0 && sh[2 * PG] == 0);	/* zero-filled */
	sh[0] = 'p';		/* touched before the fork */
	pv[0] = 'p';

	pid_t pid = fork();
	if (pid == 0) {
		int bad = sh[0] != 'p';
		sh[0] = 'c';		/* a page the parent had */
		sh[PG] = 'c';		/* a page nobody had touched */
		pv[0] = 'c';		/* private: the parent keeps 'p' */
		_exit(bad);
	}
	CHECK(child_status(pid) == 0);
	CHECK(sh[0] == 'c' && sh[PG] == 'c');
	CHECK(pv[0] == 'p');

	/* the child's munmap and mprotect change its view only */
	pid = fork();
	if (pid == 0) {
		if (munmap(sh + PG, PG) || mprotect(sh, PG, PROT_READ))
			_exit(2);
		sh[2 * PG] = 'd';
		_exit(0);
	}
	CHECK(child_status(pid) == 0);
	CHECK(sh[PG] == 'c' && sh[2 * PG] == 'd');
	sh[0] = 'w';		/* still writable here */
	CHECK(sh[0] == 'w');

	/* a grandchild shares it too, after its parent is gone */
	pid = fork();
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0) {
			usleep(20000);
			sh[2 * PG + 1] = 'g';
			_exit(0);
		}
		_exit(child_status(g));
	}
	CHECK(child_status(pid) == 0);
	CHECK(sh[2 * PG + 1] == 'g');
	CHECK(munmap(sh, 3 * PG) == 0);

	/* 128 MiB shared, one page touched: about one page of memory */
	long long before = mem_free_kib();
	char *big = mmap(NULL, 128ULL << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			 -1, 0);
	CHECK(big != MAP_FAILED);
	if (big != MAP_FAILED) {
		big[(64ULL << 20) + 5] = 1;
		long long after = mem_free_kib();
		printf("# MemFree %lld -> %lld KiB with 128 MiB shared mapped\n", before, after);
		CHECK(after > before - 1024);
		CHECK(munmap(big, 128ULL << 20) == 0);
	}
	return check_done();
}
