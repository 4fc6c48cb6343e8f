#define _GNU_SOURCE
/*
 * oom_victim: out of memory, the kernel kills the process holding the
 * memory, not the one that happens to fault (issue 11 item 6).
 *
 * A hog touches memory until MemFree is nearly gone, then sleeps with it.
 * /proc/<pid>/oom_score is then far larger for the hog than for two small
 * processes (and 0..1000). The two small ones had mapped 16 MiB each
 * beforehand; both now touch it at the same moment. Neither may die: the
 * hog alone is killed (SIGKILL), once, init lives on, and the memory is
 * back afterwards.
 *
 * Exits 0 if everything passed, 1 otherwise.
 */
#define TEST_NAME "oom_victim"
#include "check.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1UL << 20)
#define SMALL (16 * MIB)
#define CHUNK (64 * MIB)

static long score_of(pid_t pid)
{
	char path[64], line[32];
	long v = -1;

	snprintf(path, sizeof(path), "/proc/%d/oom_score", pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, line, sizeof(line) - 1);
	if (n > 0) {
		line[n] = '\0';
		v = atol(line);
	}
	close(fd);
	return v;
}

/* Touches memory until MemFree is under 8 MiB, says so, and sleeps. */
static void hog(int ready)
{
	char *chunk[64];
	int n = 0;

	while (n < 64) {
		char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		chunk[n++] = p;
	}
	for (int i = 0; i < n; i++) {
		for (unsigned long off = 0; off < CHUNK; off += 4096) {
			chunk[i][off] = 1;
			if (off % MIB == 0 && meminfo("MemFree") < (long long)(8 * MIB))
				goto full;
		}
	}
	_exit(3);	/* a machine larger than 4 GiB */
full:
	if (write(ready, "r", 1) != 1)
		_exit(4);
	for (;;)
		pause();
}

/* Maps its memory now, touches it when told to. */
static void small(int go)
{
	char *p = mmap(NULL, SMALL, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char c;

	if (p == MAP_FAILED)
		_exit(5);
	if (read(go, &c, 1) != 1)
		_exit(6);
	for (unsigned long off = 0; off < SMALL; off += 4096)
		p[off] = 1;
	_exit(0);
}

int main(void)
{
	int gop[2], readyp[2];
	pid_t smalls[2];

	printf("1..2\n");
	CHECK(pipe(gop) == 0 && pipe(readyp) == 0);
	long long free0 = meminfo("MemFree");
	for (int i = 0; i < 2; i++) {
		smalls[i] = fork();
		if (smalls[i] == 0) {
			close(gop[1]);
			small(gop[0]);
		}
	}
	close(gop[0]);
	pid_t h = fork();
	if (h == 0)
		hog(readyp[1]);
	close(readyp[1]);
	char c;
	CHECK(read(readyp[0], &c, 1) == 1);
	long sh = score_of(h), s0 = score_of(smalls[0]), s1 = score_of(smalls[1]);
	long sme = score_of(getpid());
	printf("# MemFree %lld MiB at the start, %lld MiB now; oom_score hog %ld, small %ld %ld, "
	       "self %ld\n", free0 >> 20, meminfo("MemFree") >> 20, sh, s0, s1, sme);
	CHECK(sh > 500 && sh <= 1000);
	CHECK(s0 >= 0 && s0 < 100 && s1 >= 0 && s1 < 100 && sme >= 0 && sme < 100);
	CHECK(score_of(1) >= 0);
	printf("%s - oom_score: the hog's is the largest\n", failures ? "not ok" : "ok");

	int before = failures;
	CHECK(write(gop[1], "gg", 2) == 2);	/* both small ones at once */
	for (int i = 0; i < 2; i++) {
		int st = -1;
		CHECK(waitpid(smalls[i], &st, 0) == smalls[i]);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			fprintf(stderr, "oom_victim: small %d ended with status %#x\n", i, st);
	}
	int st = -1;
	pid_t got = 0;
	for (int i = 0; i < 200 && got == 0; i++) {	/* 10 s: then it was not killed */
		got = waitpid(h, &st, WNOHANG);
		if (got == 0)
			usleep(50000);
	}
	if (got == 0) {
		kill(h, SIGKILL);
		waitpid(h, NULL, 0);
	}
	CHECK(got == h);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK(kill(1, 0) == 0);		/* init is alive */
	long long free1 = meminfo("MemFree");
	CHECK(free1 > free0 - (long long)(32 * MIB));
	printf("%s - the hog is killed, the small ones live (MemFree %lld MiB after)\n",
	       failures > before ? "not ok" : "ok", free1 >> 20);
	return check_done();
}
