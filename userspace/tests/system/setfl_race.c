#define _GNU_SOURCE
/*
 * setfl_race: two processes sharing one open file (fork) change its
 * status flags at once: one turns O_NONBLOCK on and off with ioctl
 * FIONBIO, the other sets and clears O_APPEND with fcntl(F_SETFL). Each
 * change is a read-modify-write of the file's flags in the kernel; done
 * without an atomic swap, the FIONBIO side can write back the word it
 * read before F_SETFL's store and undo it (issue 19). After each F_SETFL
 * the O_APPEND bit must read back as set.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "setfl_race"
#include "check.h"

int main(void)
{
	int fd = open("setfl_race.tmp", O_RDWR | O_CREAT | O_TRUNC, 0644);
	volatile int *stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	CHECK(fd >= 0 && stop != MAP_FAILED);
	if (fd < 0 || stop == MAP_FAILED)
		return check_done();
	*stop = 0;
	pid_t pid = fork();
	if (pid == 0) {
		for (int v = 0; !*stop; v ^= 1)
			ioctl(fd, FIONBIO, &v);
		_exit(0);
	}
	int lost = 0, rounds = 0;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 1000; i++, rounds++) {
			fcntl(fd, F_SETFL, O_APPEND);
			lost += !(fcntl(fd, F_GETFL) & O_APPEND);
			fcntl(fd, F_SETFL, 0);
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 2);
	*stop = 1;
	waitpid(pid, NULL, 0);
	printf("# %d of %d F_SETFL(O_APPEND) undone by a concurrent FIONBIO\n", lost, rounds);
	CHECK(lost == 0);
	close(fd);
	unlink("setfl_race.tmp");
	return check_done();
}
