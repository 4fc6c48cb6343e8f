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

/*
 * /proc/self/maps names files as Linux does: the line holding main() is
 * the program's text (r-xp, its path), and the interpreter's first line
 * starts at AT_BASE with offset 0 and its path.
 */
int main(int argc, char **argv);

static int maps_ok(const char *prog)
{
	char line[512];
	unsigned long lo, hi, off, base = getauxval(AT_BASE);
	unsigned long m = (unsigned long)(uintptr_t)main;
	int text = 0, loader = 0;
	const char *slash = strrchr(prog, '/');
	const char *want = slash ? slash + 1 : prog;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char perms[8] = "", path[256] = "";
		if (getenv("DYN_PROBE_MAPS"))
			fputs(line, stderr);
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %255s", &lo, &hi, perms, &off, path) < 4)
			continue;
		const char *ps = strrchr(path, '/');
		if (lo <= m && m < hi && !strcmp(perms, "r-xp") && ps && !strcmp(ps + 1, want))
			text = 1;
		if (base && lo == base && off == 0 && strstr(path, "ld-"))
			loader = 1;
		if (base && lo == base && off == 0 && strstr(path, "libc.so"))
			loader = 1;	/* musl's loader is its libc */
	}
	if (f)
		fclose(f);
	return text && (loader || !base);
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
	       "vdso=%#lx maps_ok=%d argc=%d arg1=%s\n", LIBC, getauxval(AT_BASE),
	       getauxval(AT_ENTRY) == (unsigned long)(uintptr_t)_start, getauxval(AT_PHDR),
	       (void *)main, (void *)&local, sbrk(0), m, getauxval(AT_SYSINFO_EHDR),
	       maps_ok(argv[0]), argc,
	       argc > 1 ? argv[1] : "-");
	return 0;
}
