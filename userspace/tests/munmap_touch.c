/*
 * After munmap the pages are gone: reading one must kill the program with
 * SIGSEGV (the kernel test expects signal 11), not return stale data.
 */
#include <sys/mman.h>

int main(void)
{
	volatile unsigned char *p;

	p = mmap(0, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	p[0] = 1;				/* populate, so a stale TLB entry could exist */
	if (munmap((void *)p, 4 * 4096))
		return 2;
	(void)p[0];				/* must fault: SIGSEGV */
	return 3;				/* survived: failure */
}
