#define _GNU_SOURCE
/*
 * pids charges come back (review of the cgroup merge, 96f8d8d): refused
 * threads and forks, threads that exit, a child that execs while it has
 * threads, a child killed with threads by cgroup.kill, clone3 into a
 * removed group: pids.current returns to what the group holds.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "cgroup_pids_leak"
#include "check.h"

#define M "/tmp/cgpl"

static void *sleeper(void *a)
{
	(void)a;
	pause();
	return NULL;
}

static void *quick(void *a)
{
	return a;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return 0;	/* exec'd */
	mkdir(M, 0755);
	CHECK(mount("cgroup2", M, "cgroup2", 0, NULL) == 0);
	CHECK(write_str(M "/cgroup.subtree_control", "+pids") == 0);
	CHECK(mkdir(M "/g", 0755) == 0 && mkdir(M "/gone", 0755) == 0);
	CHECK(write_str(M "/g/pids.max", "3") == 0);
	CHECK(write_str(M "/g/cgroup.procs", "0") == 0);
	CHECK(read_num(M "/g/pids.current") == 1);

	/* threads: two fit, the third and a fork are refused */
	pthread_t t[3];
	CHECK(pthread_create(&t[0], NULL, quick, NULL) == 0);
	CHECK(pthread_create(&t[1], NULL, quick, NULL) == 0);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	usleep(50000);
	CHECK(read_num(M "/g/pids.current") == 1);
	for (int k = 0; k < 50; k++) {
		int a = pthread_create(&t[0], NULL, quick, NULL) == 0;
		int b = pthread_create(&t[1], NULL, quick, NULL) == 0;
		int c = pthread_create(&t[2], NULL, quick, NULL);
		if (c == 0)
			pthread_join(t[2], NULL);
		if (a)
			pthread_join(t[0], NULL);
		if (b)
			pthread_join(t[1], NULL);
	}
	usleep(50000);
	CHECK(read_num(M "/g/pids.current") == 1);

	/* a child that execs with a thread alive */
	for (int k = 0; k < 20; k++) {
		fflush(NULL);
		pid_t c = fork();
		if (c == 0) {
			pthread_t x;
			pthread_create(&x, NULL, sleeper, NULL);
			execl("/proc/self/exe", "x", "exec", (char *)NULL);
			_exit(1);
		}
		if (c > 0)
			waitpid(c, NULL, 0);
	}
	CHECK(read_num(M "/g/pids.current") == 1);

	/* children with threads killed by cgroup.kill of a subgroup */
	CHECK(write_str(M "/g/pids.max", "max") == 0);
	CHECK(write_str(M "/cgroup.procs", "0") == 0);
	CHECK(write_str(M "/g/cgroup.subtree_control", "+pids") == 0);
	CHECK(mkdir(M "/g/k", 0755) == 0);
	CHECK(write_str(M "/g/k/pids.max", "60") == 0);
	int in_k[2];
	CHECK(pipe(in_k) == 0);
	for (int k = 0; k < 10; k++) {
		fflush(NULL);
		pid_t c = fork();
		if (c == 0) {
			close(in_k[0]);
			/* a child not yet in k when the kill runs would
			 * escape it (as on Linux): say when it is in */
			write_str(M "/g/k/cgroup.procs", "0");
			(void)!write(in_k[1], "k", 1);
			close(in_k[1]);
			pthread_t x;
			for (int j = 0; j < 4; j++)
				pthread_create(&x, NULL, sleeper, NULL);
			for (;;)
				if (fork() == 0)
					pause();
		}
	}
	close(in_k[1]);
	char got;
	int moved = 0;
	while (read(in_k[0], &got, 1) == 1)
		moved++;
	close(in_k[0]);
	CHECK(moved == 10);
	usleep(100000);	/* let them fork up to the limit */
	CHECK(write_str(M "/g/k/cgroup.kill", "1") == 0);
	while (wait(NULL) > 0)
		;
	/* the killed children's own children were orphans, reaped by init
	 * (the runner) in its own time: their charges go when they are (as
	 * Linux: zombies count); wait for that, up to 20 s */
	for (int k = 0; k < 200 && (read_num(M "/g/k/pids.current") != 0 ||
				    read_num(M "/g/pids.current") != 0); k++)
		usleep(100000);
	CHECK(read_num(M "/g/k/pids.current") == 0);
	CHECK(read_num(M "/g/pids.current") == 0);
	CHECK(rmdir(M "/g/k") == 0);

	/* clone3 into a removed group: refused, nothing charged */
	int gfd = open(M "/gone", O_RDONLY | O_DIRECTORY);
	CHECK(rmdir(M "/gone") == 0);
	struct { uint64_t f[11]; } ca = { { 0x200000000ULL, 0, 0, 0, SIGCHLD, 0, 0, 0, 0, 0, (uint64_t)gfd } };
	for (int k = 0; k < 10; k++)
		CHECK(syscall(SYS_clone3, &ca, sizeof(ca)) == -1 && errno == ENOENT);
	close(gfd);
	CHECK(read_num(M "/g/pids.current") == 0);
	CHECK(rmdir(M "/g") == 0);
	CHECK(write_str(M "/cgroup.subtree_control", "-pids") == 0);
	CHECK(umount(M) == 0);
	return check_done();
}
