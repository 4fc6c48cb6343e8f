#define _GNU_SOURCE
/*
 * dyn_run: dynamically linked programs run, against musl's loader and
 * glibc's (_dyn_probe_musl, _dyn_probe_glibc; both PIE):
 *  - each runs (a thread, thread-local storage, the vDSO's clock: the
 *    probe checks those itself), with AT_BASE (the loader) set and
 *    AT_ENTRY the program's own entry, not the loader's; its
 *    /proc/self/maps names the program's text and the loader (at
 *    AT_BASE, offset 0) by their paths;
 *  - the address space is laid out at random: two runs differ in where
 *    the program, its stack, its break and its mmap area are (unless the
 *    command line says norandmaps: then they are the same);
 *  - each loader runs as a program itself, loading the probe named on
 *    its command line (`/lib64/ld-linux-x86-64.so.2 prog`).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "dyn_run"
#include "check.h"

static char dir[PATH_MAX];

static int run(char *const argv[], char *out, size_t cap)
{
	return run_capture(argv, NULL, false, out, cap);
}

static unsigned long field(const char *line, const char *key)
{
	char k[32];
	snprintf(k, sizeof(k), " %s=", key);
	const char *p = strstr(line, k);
	return p ? strtoul(p + strlen(k), NULL, 0) : 0;
}

static int norandmaps(void)
{
	char buf[1024] = "";
	int fd = open("/proc/cmdline", O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	return strstr(buf, "norandmaps") != NULL;
}

static void probe(const char *libc, const char *loader)
{
	char prog[PATH_MAX + 32], out[2][1024];
	snprintf(prog, sizeof(prog), "%s/_dyn_probe_%s", dir, libc);
	char *av[] = { prog, "first", NULL };
	for (int i = 0; i < 2; i++) {
		int st = run(av, out[i], sizeof(out[i]));
		if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
			fprintf(stderr, "dyn_run: %s: status 0x%x, said: %s\n", prog, st, out[i]);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	printf("# %s: %s", libc, out[0]);
	char want[64];
	snprintf(want, sizeof(want), "libc=%s ", libc);
	CHECK(strncmp(out[0], want, strlen(want)) == 0);
	CHECK(field(out[0], "base") != 0);
	CHECK(field(out[0], "entry_ok") == 1);
	CHECK(field(out[0], "argc") == 2 && strstr(out[0], "arg1=first"));
	CHECK(field(out[0], "vdso") != 0);
	CHECK(field(out[0], "maps_ok") == 1);
	static const char *const keys[] = { "base", "main", "stack", "brk", "mmap" };
	int same = 0;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		int eq = field(out[0], keys[k]) == field(out[1], keys[k]);
		if (eq != norandmaps())
			fprintf(stderr, "dyn_run: %s: %s %s in two runs (%#lx, %#lx)\n", libc,
				keys[k], eq ? "the same" : "differs", field(out[0], keys[k]),
				field(out[1], keys[k]));
		same += eq;
	}
	CHECK(same == (norandmaps() ? 5 : 0));

	/* the loader as the program: it loads the probe itself */
	char *lv[] = { (char *)loader, prog, "second", NULL };
	int st = run(lv, out[0], sizeof(out[0]));
	printf("# %s run by %s: %s", libc, loader, out[0]);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(strncmp(out[0], want, strlen(want)) == 0 && strstr(out[0], "arg1=second"));
}

int main(int argc, char **argv)
{
	(void)argc;
	test_dir(argv[0], dir, sizeof(dir));
	probe("musl", "/lib/ld-musl-x86_64.so.1");
	probe("glibc", "/lib64/ld-linux-x86-64.so.2");
	return check_done();
}
