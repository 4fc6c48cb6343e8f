/*
 * dyn_probe: a dynamically linked program (built twice: musl-gcc and
 * gcc, as /tests/_dyn_probe_musl and _dyn_probe_glibc) that reports what
 * exec and the loader gave it, for dyn_run: one line of key=value.
 * Exits 0 only if a thread ran, thread-local storage works in both
 * threads, and the vDSO's clock agrees with the system call's.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifdef __GLIBC__
#define LIBC "glibc"
#else
#define LIBC "musl"
#endif

extern void _start(void);
static __thread int tls_value = 7;

static void *thread(void *arg)
{
	tls_value = 11;		/* this thread's copy only */
	*(int *)arg = tls_value;
	return NULL;
}

int main(int argc, char **argv)
{
	int local = 0, from_thread = 0;
	pthread_t t;
	struct timespec a, b;

	if (pthread_create(&t, NULL, thread, &from_thread) || pthread_join(t, NULL))
		return 2;
	if (from_thread != 11 || tls_value != 7)
		return 3;
	clock_gettime(CLOCK_MONOTONIC, &a);	/* the vDSO's, where there is one */
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
	if (b.tv_sec < a.tv_sec || b.tv_sec - a.tv_sec > 5)
		return 4;
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 5;
	printf("libc=%s base=%#lx entry_ok=%d phdr=%#lx main=%p stack=%p brk=%p mmap=%p "
	       "vdso=%#lx argc=%d arg1=%s\n", LIBC, getauxval(AT_BASE),
	       getauxval(AT_ENTRY) == (unsigned long)(uintptr_t)_start, getauxval(AT_PHDR),
	       (void *)main, (void *)&local, sbrk(0), m, getauxval(AT_SYSINFO_EHDR), argc,
	       argc > 1 ? argv[1] : "-");
	return 0;
}
