/*
 * 1000 children, each fork + execve + exit + wait4: the child re-executes
 * this program with "child N", which exits with N & 0x7f, and the parent
 * checks every status. (Memory coming back after many processes is the
 * ktest user_many_processes_free_their_memory's job: free memory on a
 * general-purpose host is too noisy to compare here.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILDREN 1000

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "child"))
		return atoi(argv[2]) & 0x7f;

	int bad = 0;
	for (int i = 0; i < CHILDREN && bad < 5; i++) {
		char num[16];
		snprintf(num, sizeof(num), "%d", i);
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "forkexec: fork %d: %s\n", i, strerror(errno));
			bad++;
			continue;
		}
		if (pid == 0) {
			char *args[] = { argv[0], "child", num, NULL };
			execv("/proc/self/exe", args);	/* Linux: no PATH needed */
			execv(argv[0], args);
			_exit(255);
		}
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != (i & 0x7f)) {
			fprintf(stderr, "forkexec: child %d: status %#x\n", i, st);
			bad++;
		}
	}
	if (bad)
		return 1;
	fprintf(stderr, "forkexec: ok (%d children)\n", CHILDREN);
	return 0;
}
