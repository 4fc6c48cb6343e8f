/*
 * Not a test: ns per getpid() over a loop, for measuring the syscall
 * path (docs/signals.md, seccomp). `_sysloop N` unfiltered; `_sysloop N
 * filter` under a 4-instruction seccomp filter that allows getpid.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct insn { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct prog { unsigned short len; struct insn *filter; };

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	if (argc > 2 && !strcmp(argv[2], "filter")) {
		struct insn f[] = { { 0x20, 0, 0, 0 }, { 0x15, 0, 1, SYS_getppid },
				    { 0x06, 0, 0, 0x00050001 }, { 0x06, 0, 0, 0x7fff0000 } };
		struct prog p = { 4, f };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, 1, 0, &p))
			return 1;
	}
	for (int round = 0; round < 5; round++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (long i = 0; i < n; i++)
			syscall(SYS_getpid);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n;
		printf("getpid%s: %.1f ns\n", argc > 2 ? " (filtered)" : "", ns);
	}
	return 0;
}
