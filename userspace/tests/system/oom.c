/*
 * Running out of memory, as a program sees it (issue 4, point 3):
 *  - a malloc larger than the machine returns NULL (mmap/brk say ENOMEM);
 *  - a child that touches more memory than there is gets SIGKILL, alone:
 *    the parent goes on, three times in a row, and can still allocate.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHUNK (64UL << 20)

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "oom: line %d: ", __LINE__); \
	fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); failures++; } } while (0)

/* Maps more than the machine has (each mapping is allowed on its own:
 * nothing is touched yet), then touches it all; returns only on a machine
 * with more than 64 GiB. */
static void eat(void)
{
	char *chunk[1024];
	int n = 0;

	while (n < 1024) {
		char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		chunk[n++] = p;
	}
	for (int i = 0; i < n; i++)
		for (unsigned long off = 0; off < CHUNK; off += 4096)
			chunk[i][off] = 1;
	_exit(3);
}

int main(void)
{
	errno = 0;
	void *big = malloc(64UL << 30);
	CHECK(big == NULL && errno == ENOMEM, "malloc(64 GiB) = %p, errno %d", big, errno);
	CHECK(mmap(NULL, 1UL << 40, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
	      errno == ENOMEM, "mmap(1 TiB) should be ENOMEM");
	void *brk0 = sbrk(0);
	CHECK(sbrk(1L << 40) == (void *)-1 && sbrk(0) == brk0, "sbrk(1 TiB) should fail and keep the break");

	for (int round = 0; round < 3; round++) {
		pid_t pid = fork();
		if (pid == 0)
			eat();
		int st = 0;
		CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
		if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
			fprintf(stderr, "oom: machine larger than 64 GiB: nothing to test\n");
			break;
		}
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		      "round %d: the memory eater ended with status %#x, not SIGKILL", round, st);
	}
	char *after = malloc(16 << 20);
	CHECK(after != NULL, "malloc(16 MiB) after the OOM kills");
	if (after)
		memset(after, 7, 16 << 20);
	if (failures)
		return 1;
	fprintf(stderr, "oom: ok\n");
	return 0;
}
