#define _GNU_SOURCE
/*
 * etxtbsy: a program's file cannot be written while it runs, and a file
 * open for writing cannot be run (ETXTBSY, as Linux):
 *  - while a copy of busybox runs `sleep`: open for writing (O_WRONLY,
 *    O_RDWR, O_WRONLY|O_TRUNC) and truncate() are ETXTBSY and the file is
 *    unchanged; reading works;
 *  - once that process has exec'd another program, the file is writable
 *    again though the process still runs;
 *  - execve of a file someone holds open for writing is ETXTBSY; after
 *    the writer closes, it runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "etxtbsy"
#include "check.h"

static const char *copy = "/tmp/etxtbsy/busybox";	/* busybox goes by its name */

static pid_t start(char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(100 + (errno & 63));
	}
	return pid;
}

static int open_err(int flags)
{
	errno = 0;
	int fd = open(copy, flags);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

int main(void)
{
	struct stat before, after;

	mkdir("/tmp/etxtbsy", 0755);
	CHECK(copy_file("/bin/busybox", copy, 0755) == 0);
	CHECK(stat(copy, &before) == 0);

	char *sleeper[] = { (char *)copy, "sleep", "30", NULL };
	pid_t pid = start(sleeper);
	usleep(300000);		/* it is running from the file by now */
	CHECK(open_err(O_WRONLY) == ETXTBSY);
	CHECK(open_err(O_RDWR) == ETXTBSY);
	CHECK(open_err(O_WRONLY | O_TRUNC) == ETXTBSY);
	errno = 0;
	CHECK(truncate(copy, 0) == -1 && errno == ETXTBSY);
	CHECK(open_err(O_RDONLY) == 0);
	CHECK(stat(copy, &after) == 0 && after.st_size == before.st_size);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	CHECK(open_err(O_WRONLY) == 0);	/* nobody runs it now */

	/* a process that exec'd something else lets go of the file */
	char *execer[] = { (char *)copy, "sh", "-c", "exec /bin/sleep 30", NULL };
	pid = start(execer);
	usleep(500000);
	CHECK(open_err(O_WRONLY) == 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	/* a file open for writing does not run */
	int w = open(copy, O_WRONLY);
	CHECK(w >= 0);
	char *truer[] = { (char *)copy, "true", NULL };
	int st;
	pid = start(truer);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 100 + ETXTBSY);
	close(w);
	pid = start(truer);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unlink(copy);
	rmdir("/tmp/etxtbsy");
	return check_done();
}
