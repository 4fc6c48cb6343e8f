#define _GNU_SOURCE
/* rv_ext2_busy: thread A write()s whole pages from buf into fresh pages of
 * an ext2 file; thread B keeps remapping buf between anonymous memory and
 * the very file page A is writing. The write's copy then faults on a page
 * the write holds busy. Needs /dev/vda (ext2). The writer must finish (or
 * at least die by SIGKILL). */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdbool.h>
#define TEST_NAME "thr_ext2_busy"
#include "check.h"

#define NPAGES 4096
static int fd;
static char *buf;
static volatile long cur = -1;
static volatile int stop;

static void *remapper(void *a)
{
	(void)a;
	while (!stop) {
		long k = cur;
		if (k >= 0)
			mmap(buf, 4096, PROT_READ, MAP_SHARED | MAP_FIXED, fd, k * 4096);
		mmap(buf, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	}
	return NULL;
}

static int child(int round)
{
	char name[64];
	snprintf(name, sizeof(name), "/mnt/vda/busy%d", round);
	fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)NPAGES * 4096))
		return 2;
	buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_t t;
	pthread_create(&t, NULL, remapper, NULL);
	for (long k = 0; k < NPAGES; k++) {
		cur = k;
		pwrite(fd, buf, 4096, k * 4096);
	}
	stop = 1;
	pthread_join(t, NULL);
	close(fd);
	unlink(name);
	return 0;
}

int main(void)
{
	mkdir("/mnt", 0755);
	mkdir("/mnt/vda", 0755);
	/* ext2_ops leaves vda mounted there for the harness's e2fsck */
	bool mounted = !mount("/dev/vda", "/mnt/vda", "ext2", 0, NULL);
	if (!mounted && errno != EBUSY) {
		printf("# not ok 1 - mount /dev/vda: %s\n", strerror(errno));
		return 1;
	}
	int hung = 0, unkillable = 0;
	for (int round = 0; round < 4 && !hung; round++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(child(round));
		int st, done = 0;
		for (int i = 0; i < 200 && !done; i++) {	/* 20 s */
			usleep(100000);
			done = waitpid(pid, &st, WNOHANG) == pid;
		}
		if (!done) {
			hung = 1;
			kill(pid, SIGKILL);
			int dead = 0;
			for (int i = 0; i < 50 && !dead; i++) {
				usleep(100000);
				dead = waitpid(pid, &st, WNOHANG) == pid;
			}
			unkillable = !dead;
			printf("# round %d: writer hung; %s\n", round, dead ? "SIGKILL ended it" : "unkillable");
		}
	}
	printf("# %s 1 - write() from a buffer remapped onto the page being written completes\n",
	       hung ? "not ok" : "ok");
	CHECK(!hung);
	printf("# %s 2 - and the process stays killable\n", unkillable ? "not ok" : "ok");
	CHECK(!unkillable);
	if (!unkillable && mounted)
		umount("/mnt/vda");
	return check_done();
}
