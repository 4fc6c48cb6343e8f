/*
 * Touch more memory than the machine has. Each 64 MiB mmap is allowed on
 * its own (nothing is touched yet: the kernel overcommits like Linux), so
 * the program gets far more address space than RAM; touching it must end
 * with the kernel killing this process (SIGKILL) when a page fault finds
 * no free page, while the rest of the system carries on.
 */
#include <sys/mman.h>

#define CHUNK (64UL << 20)
#define MAX_CHUNKS 64		/* 4 GiB: more than any test VM has */

int main(void)
{
	char *chunk[MAX_CHUNKS];
	int n = 0;

	while (n < MAX_CHUNKS) {
		void *p = mmap(0, CHUNK, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		chunk[n++] = p;
	}
	if (n < 2)
		return 5;	/* could not even overcommit: nothing to test */
	for (int i = 0; i < n; i++)
		for (unsigned long off = 0; off < CHUNK; off += 4096)
			chunk[i][off] = 1;
	return 3;		/* touched it all: the machine was bigger than 4 GiB */
}
