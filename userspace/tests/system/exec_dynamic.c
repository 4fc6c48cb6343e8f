#define _GNU_SOURCE
/*
 * exec_dynamic: what a user sees when a dynamic program cannot run, as
 * on Linux, and never a kernel fault:
 *  - a missing interpreter (PT_INTERP naming a file that does not exist;
 *    a copy of _dyn_probe_musl with its interpreter path changed):
 *    execve fails with ENOENT, in a child and in this process, which
 *    survives it with its memory intact; `sh -c prog` exits 127 with
 *    "not found", never "syntax error" (ENOEXEC made a shell run the ELF
 *    file as a script);
 *  - an interpreter that is not an ELF file: ELIBBAD;
 *  - a missing library (a copy of _dyn_probe_glibc needing libq.so.6):
 *    glibc's loader says so and the program exits 127;
 *  - a truncated library (libc.so.6 cut short, found through
 *    LD_LIBRARY_PATH): cut in its program headers, the loader's own
 *    error and exit 127; cut in its segments, SIGBUS when the loader
 *    touches what it mapped past the end of the file (as on Linux).
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "exec_dynamic"
#include "check.h"

static char dir[PATH_MAX];

/* Copies src to dst (mode 0755), replacing every `from` by `to` (same
 * length) and keeping at most max bytes; 0 if it worked. */
static int copy_patched(const char *src, const char *dst, const char *from, const char *to,
			size_t max)
{
	static char buf[4 << 20];
	int in = open(src, O_RDONLY);
	if (in < 0)
		return -1;
	ssize_t n = read(in, buf, sizeof(buf));
	close(in);
	if (n <= 0 || (size_t)n == sizeof(buf))
		return -1;
	if ((size_t)n > max)
		n = (ssize_t)max;
	size_t fl = from ? strlen(from) : 0;
	int hits = 0;
	for (ssize_t i = 0; fl && i + (ssize_t)fl <= n; i++)
		if (!memcmp(buf + i, from, fl)) {
			memcpy(buf + i, to, fl);
			hits++;
		}
	if (fl && !hits)
		return -1;
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (out < 0)
		return -1;
	int ok = write(out, buf, (size_t)n) == n;
	return close(out) == 0 && ok ? 0 : -1;
}

static int run(char *const argv[], char *const envp[], char *out, size_t cap)
{
	return run_capture(argv, envp, true, out, cap);
}

static void missing_interpreter(void)
{
	char src[PATH_MAX + 32], out[4096];
	const char *prog = "/tmp/exec_dynamic_nointerp";
	snprintf(src, sizeof(src), "%s/_dyn_probe_musl", dir);
	CHECK(copy_patched(src, prog, "/lib/ld-musl-x86_64.so.1", "/lib/ld-nope-x86_64.so.1",
			   SIZE_MAX) == 0);
	char *av[] = { (char *)prog, NULL };
	char *ev[] = { "X=1", NULL };
	int st = run(av, ev, out, sizeof(out));
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 100 + ENOENT))
		fprintf(stderr, "exec_dynamic: child's execve: status 0x%x (100+errno)\n", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 100 + ENOENT);

	/* in this process: the failure must leave it whole */
	static char canary[8192];
	memset(canary, 0x5a, sizeof(canary));
	errno = 0;
	CHECK(execve(prog, av, ev) == -1 && errno == ENOENT);
	int intact = 1;
	for (size_t i = 0; i < sizeof(canary); i++)
		intact &= canary[i] == 0x5a;
	CHECK(intact);

	/* what a user at the shell sees */
	char *sh[] = { "/bin/sh", "-c", (char *)prog, NULL };
	st = run(sh, ev, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	CHECK(strstr(out, "not found") != NULL);
	CHECK(strstr(out, "syntax error") == NULL);
	if (failures)
		fprintf(stderr, "exec_dynamic: sh said (status 0x%x): %s\n", st, out);
	unlink(prog);
}

static void interpreter_not_elf(void)
{
	char src[PATH_MAX + 32], out[256];
	const char *prog = "/tmp/exec_dynamic_badinterp";
	snprintf(src, sizeof(src), "%s/_dyn_probe_musl", dir);
	int fd = open("/tmp/ld-text-x86_64.so.1", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	CHECK(fd >= 0 && write(fd, "#!/bin/sh\necho not a loader\n", 28) == 28);
	close(fd);
	CHECK(copy_patched(src, prog, "/lib/ld-musl-x86_64.so.1", "/tmp/ld-text-x86_64.so.1",
			   SIZE_MAX) == 0);
	char *av[] = { (char *)prog, NULL };
	char *ev[] = { NULL };
	int st = run(av, ev, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 100 + (ELIBBAD & 63));
	unlink(prog);
	unlink("/tmp/ld-text-x86_64.so.1");
}

static void bad_library(void)
{
	char src[PATH_MAX + 32], out[4096];
	const char *prog = "/tmp/exec_dynamic_nolib";
	snprintf(src, sizeof(src), "%s/_dyn_probe_glibc", dir);
	CHECK(copy_patched(src, prog, "libc.so.6", "libq.so.6", SIZE_MAX) == 0);
	char *av[] = { (char *)prog, NULL };
	char *ev[] = { NULL };
	int st = run(av, ev, out, sizeof(out));
	printf("# missing library: status 0x%x: %s", st, out);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	CHECK(strstr(out, "libq.so.6") && strstr(out, "cannot open shared object file"));
	unlink(prog);

	/* cut inside its program headers: the loader's own error */
	mkdir("/tmp/exec_dynamic_lib", 0755);
	CHECK(copy_patched("/lib/x86_64-linux-gnu/libc.so.6", "/tmp/exec_dynamic_lib/libc.so.6",
			   NULL, NULL, 600) == 0);
	char *av2[] = { src, NULL };
	char *ev2[] = { "LD_LIBRARY_PATH=/tmp/exec_dynamic_lib", NULL };
	st = run(av2, ev2, out, sizeof(out));
	printf("# library cut in its headers: status 0x%x: %s", st, out);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	CHECK(strstr(out, "error while loading shared libraries") != NULL);
	/* cut inside its segments: the loader maps past the end of the file
	 * and touches it: SIGBUS, as on Linux (the program's fault only) */
	CHECK(copy_patched("/lib/x86_64-linux-gnu/libc.so.6", "/tmp/exec_dynamic_lib/libc.so.6",
			   NULL, NULL, 8192) == 0);
	st = run(av2, ev2, out, sizeof(out));
	printf("# library cut in its segments: status 0x%x\n", st);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS);
	unlink("/tmp/exec_dynamic_lib/libc.so.6");
	rmdir("/tmp/exec_dynamic_lib");
}

int main(int argc, char **argv)
{
	(void)argc;
	test_dir(argv[0], dir, sizeof(dir));
	missing_interpreter();
	interpreter_not_elf();
	bad_library();
	return check_done();
}
