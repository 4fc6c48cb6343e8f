/*
 * User and group IDs: a root process may set its real, effective and saved
 * IDs; after dropping to an ordinary user it may not climb back; fork
 * inherits the IDs and the parent's stay as they were.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int child(void)
{
	uid_t r, e, s;

	if (setresgid(100, 100, 100) || setgroups(0, NULL))
		return 2;
	if (setresuid(1000, 1000, 1000))
		return 3;
	if (getuid() != 1000 || geteuid() != 1000 || getgid() != 100 || getegid() != 100)
		return 4;
	errno = 0;
	if (setuid(0) == 0 || errno != EPERM)
		return 5;	/* no way back to root */
	if (getresuid(&r, &e, &s) || r != 1000 || e != 1000 || s != 1000)
		return 6;
	if (setreuid(-1, 1000) || geteuid() != 1000)
		return 7;	/* to one of its own IDs is allowed */
	return 0;
}

int main(void)
{
	int fail = 0;

	if (getuid() != 0 || geteuid() != 0 || getgid() != 0)
		fprintf(stderr, "cred: not started as root\n"), fail = 1;
	pid_t pid = fork();
	if (pid == 0)
		_exit(child());
	int st = 0;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "cred: child check %d failed (status %#x)\n", WEXITSTATUS(st), st),
			fail = 1;
	if (getuid() != 0 || getgid() != 0)
		fprintf(stderr, "cred: the child's setuid changed the parent\n"), fail = 1;
	if (!fail)
		fprintf(stderr, "cred: ok\n");
	return fail;
}
