/*
 * exec_args: execve takes Linux's argument limits (a quarter of
 * RLIMIT_STACK, 2 MiB, for strings and pointers together; 128 KiB a
 * string) and copies them straight into the new stack, so the kernel
 * heap does not grow with them. It used to refuse more than 1024
 * entries or 64 KiB of strings with E2BIG. Checked: every byte arrives
 * (a hash of argv and envp computed by the program), the limits answer
 * E2BIG exactly where Linux does, bad pointers are EFAULT, and busybox
 * `ls *` in a directory of 2000 files works.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "exec_args"
#include "check.h"

#define HELPER "/tests/_args_echo"

static unsigned long long fnv(unsigned long long h, const char *s)
{
	do {
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	} while (*s++);
	return h;
}

/* Runs HELPER with argv/envp; -errno of a failed execve, or 0 and the
 * helper's line checked against what was sent. */
static int run(char **argv, char **envp)
{
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execve(HELPER, argv, envp);
		_exit(100 + errno);
	}
	close(p[1]);
	char line[128] = { 0 };
	ssize_t n = read(p[0], line, sizeof(line) - 1);
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) >= 100)
		return -(WEXITSTATUS(st) - 100);
	int argc = 0, envc = 0;
	unsigned long long bytes = 0, h = 14695981039346656037ULL, got_h = 0, got_b = 0;
	for (; argv[argc]; argc++) {
		h = fnv(h, argv[argc]);
		bytes += strlen(argv[argc]) + 1;
	}
	for (; envp[envc]; envc++) {
		h = fnv(h, envp[envc]);
		bytes += strlen(envp[envc]) + 1;
	}
	int ga = -1, ge = -1;
	CHECK(n > 0 && sscanf(line, "%d %d %llu %llx", &ga, &ge, &got_b, &got_h) == 4);
	CHECK(ga == argc && ge == envc && got_b == bytes && got_h == h);
	return 0;
}

static char **vector(int n, size_t len, char fill)
{
	char **v = calloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++) {
		v[i] = malloc(len + 1);
		memset(v[i], fill + i % 26, len);
		v[i][len] = 0;
		if (len > 8)
			snprintf(v[i], 8, "%06d", i);
		v[i][strlen(v[i])] = len > 8 ? 'x' : v[i][strlen(v[i])];
	}
	return v;
}

int main(void)
{
	char *env1[] = { "A=1", NULL };
	long long heap0 = meminfo("KernelHeap");

	/* 20000 small arguments (the old limit was 1024 entries) */
	char **many = vector(20000, 5, 'a');
	many[0] = HELPER;
	CHECK(run(many, env1) == 0);
	/* 1.9 MiB of strings in 19 strings of 100 KiB, and a big envp */
	char **big = vector(19, 100 * 1024, 'b');
	big[0] = HELPER;
	CHECK(run(big, env1) == 0);
	char *arg2[] = { HELPER, NULL };
	char **benv = vector(10, 100 * 1024, 'e');
	CHECK(run(arg2, benv) == 0);
	/* a string of 128 KiB with its NUL is fine, one byte more is not */
	char **edge = vector(2, 128 * 1024 - 1, 'c');
	edge[0] = HELPER;
	CHECK(run(edge, env1) == 0);
	char **over = vector(2, 128 * 1024, 'd');
	over[0] = HELPER;
	CHECK(run(over, env1) == -E2BIG);
	/* more than 2 MiB of strings and pointers together */
	char **huge = vector(22, 100 * 1024, 'f');	/* 21 of them: 2.05 MiB */
	huge[0] = HELPER;
	CHECK(run(huge, env1) == -E2BIG);
	/* bad pointers */
	char *badv[] = { HELPER, (char *)16, NULL };
	CHECK(run(badv, env1) == -EFAULT);
	CHECK(run((char **)16, env1) == -EFAULT);
	long long heap1 = meminfo("KernelHeap");
	printf("# KernelHeap %lld -> %lld KiB\n", heap0 / 1024, heap1 / 1024);
	CHECK(heap1 - heap0 < 256 * 1024);

	/* a shell glob over 2000 files */
	CHECK(mkdir("many", 0755) == 0);
	for (int i = 0; i < 2000; i++) {
		char name[64];
		snprintf(name, sizeof(name), "many/file-with-a-longish-name-%04d", i);
		int fd = open(name, O_CREAT | O_WRONLY, 0644);
		CHECK(fd >= 0);
		close(fd);
	}
	CHECK(system("cd many && ls * | wc -l | grep -qx 2000") == 0);
	return check_done();
}
