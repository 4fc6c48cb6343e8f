/*
 * mprotect to PROT_READ: reading still works, but the write after it must
 * kill the program with SIGSEGV (the kernel test expects signal 11).
 */
#include <sys/mman.h>

int main(void)
{
	volatile unsigned char *p;

	p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	p[0] = 7;
	if (mprotect((void *)p, 4096, PROT_READ))
		return 2;
	if (p[0] != 7)				/* read-only still reads */
		return 4;
	p[0] = 8;				/* must fault: SIGSEGV */
	return 3;				/* survived: failure */
}
