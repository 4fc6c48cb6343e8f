#define _GNU_SOURCE
/*
 * exec_dynamic: a dynamically linked program (PT_INTERP) cannot run until
 * dynamic linking lands, and execve must say so the way Linux does for a
 * missing interpreter: ENOENT. ENOEXEC made a shell run the ELF file as a
 * script (a syntax error on its binary bytes).
 *
 *  - execve of _true-dynamic (tests/vectors/elf/true-dynamic, staged next
 *    to this test) fails with ENOENT, in a child and in this process, which
 *    survives it with its memory intact;
 *  - `sh -c _true-dynamic` exits 127 with "not found", never "syntax error".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "exec_dynamic"
#include "check.h"

static char prog[PATH_MAX + 32];

static void find_prog(const char *argv0)
{
	const char *dir = getenv("TESTDIR");
	char tmp[PATH_MAX];

	if (!dir || !*dir) {
		snprintf(tmp, sizeof(tmp), "%s", argv0);
		char *slash = strrchr(tmp, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(tmp, sizeof(tmp), ".");
		dir = tmp;
	}
	snprintf(prog, sizeof(prog), "%s/_true-dynamic", dir);
}

static int wait_for(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

int main(int argc, char **argv)
{
	(void)argc;
	find_prog(argv[0]);
	struct stat sb;
	CHECK(stat(prog, &sb) == 0 && (sb.st_mode & S_IXUSR));
	/* really dynamic: the vector has an ELF header (exec must not be
	 * refused for some other reason, such as a missing file) */
	char hdr[4] = { 0 };
	int fd = open(prog, O_RDONLY);
	CHECK(fd >= 0 && read(fd, hdr, 4) == 4 && !memcmp(hdr, "\177ELF", 4));
	close(fd);

	char *av[] = { prog, NULL };
	char *ev[] = { "X=1", NULL };
	pid_t pid = fork();
	if (pid == 0) {
		execve(prog, av, ev);
		_exit(errno == ENOENT ? 0 : 100 + (errno & 63));
	}
	int st = wait_for(pid);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fprintf(stderr, "exec_dynamic: child's execve: status 0x%x (100+errno %d)\n",
			st, WIFEXITED(st) ? WEXITSTATUS(st) - 100 : -1);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

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
	int p[2];
	CHECK(pipe(p) == 0);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		execl("/bin/sh", "sh", "-c", prog, (char *)NULL);
		_exit(99);
	}
	close(p[1]);
	char out[4096];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof(out) - 1 && (r = read(p[0], out + n, sizeof(out) - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
	close(p[0]);
	st = wait_for(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	CHECK(strstr(out, "not found") != NULL);
	CHECK(strstr(out, "syntax error") == NULL);
	if (failures)
		fprintf(stderr, "exec_dynamic: sh said (status 0x%x): %s\n", st, out);
	return check_done();
}
