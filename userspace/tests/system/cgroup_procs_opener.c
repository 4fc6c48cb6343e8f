#define _GNU_SOURCE
/*
 * A cgroup.procs write is checked with the writer's credentials, not the
 * opener's (review of the cgroup merge, 96f8d8d; Linux fixed the same in
 * 1756d7994ad8, CVE-2021-4197). An ordinary user opens the procs file of
 * the group delegated to it and hands the descriptor to something
 * privileged that writes a number to it (a setuid program's stdout):
 * the privileged writer's credentials then pass the common-ancestor
 * check, and a root process is moved into the user's group, where the
 * user's cgroup.kill reaches it. Here one process plays both: it opens
 * with euid 1000, takes euid 0 back, writes a root process's pid.
 * Linux: EACCES (the opener may not write the root's cgroup.procs).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "cgroup_procs_opener"
#include "check.h"

#define M "/tmp/cgop"

int main(void)
{
	char buf[32];
	int go[2];

	mkdir(M, 0755);
	CHECK(mount("cgroup2", M, "cgroup2", 0, NULL) == 0);
	CHECK(mkdir(M "/deleg", 0755) == 0 && mkdir(M "/victim", 0755) == 0);
	CHECK(chown(M "/deleg", 1000, 1000) == 0);
	CHECK(chown(M "/deleg/cgroup.procs", 1000, 1000) == 0);
	CHECK(pipe(go) == 0);
	fflush(NULL);
	pid_t v = fork();
	if (v == 0) {	/* a root process in a group of its own */
		write_str(M "/victim/cgroup.procs", "0");
		close(go[1]);
		read(go[0], buf, 1);
		_exit(0);
	}
	close(go[0]);
	usleep(100000);
	/* the user opens its own group's file ... */
	CHECK(setresuid(0, 1000, 0) == 0);
	int fd = open(M "/deleg/cgroup.procs", O_WRONLY);
	CHECK(fd >= 0);
	/* ... and root writes to it */
	CHECK(setresuid(0, 0, 0) == 0);
	snprintf(buf, sizeof(buf), "%d\n", v);
	ssize_t n = write(fd, buf, strlen(buf));
	int e = errno;
	if (n >= 0)
		fprintf(stderr, TEST_NAME ": root's process %d moved through a file "
			"uid 1000 opened\n", v);
	errno = e;
	CHECK(n == -1 && errno == EACCES);
	close(fd);
	close(go[1]);
	waitpid(v, NULL, 0);
	CHECK(rmdir(M "/deleg") == 0 && rmdir(M "/victim") == 0);
	CHECK(umount(M) == 0);
	return check_done();
}
