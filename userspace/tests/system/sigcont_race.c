/*
 * sigcont_race: SIGCONT is never lost against a stop in progress. The
 * parent sends SIGSTOP and SIGCONT back to back to a child that spins
 * on another CPU (at -smp 4), thousands of times; after the last SIGCONT
 * the child must be running: its counter in shared memory moves on. The
 * stop used to be recorded after the signal lock was dropped, so a
 * SIGCONT arriving in between found nothing to continue and the child
 * stayed stopped for good.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "sigcont_race"
#include "check.h"

#define ROUNDS 1000

static volatile unsigned long *counter;

static unsigned long wait_for_progress(unsigned long from, int ms)
{
	for (int i = 0; i < ms; i++) {
		if (*counter != from)
			return *counter;
		usleep(1000);
	}
	return *counter;
}

int main(void)
{
	/* a shared file page (anonymous MAP_SHARED is copied by fork here) */
	int fd = open("counter", O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 4096) == 0);
	counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(counter != MAP_FAILED);
	if (counter == MAP_FAILED)
		return check_done();
	pid_t pid = fork();
	if (pid == 0) {
		for (;;)
			(*counter)++;
	}
	CHECK(wait_for_progress(0, 5000) != 0);
	int stuck = 0;
	for (int r = 0; r < ROUNDS && !stuck; r++) {
		kill(pid, SIGSTOP);
		/* vary the gap across the child's next tick, when it takes the stop */
		if (r % 8)
			usleep((r % 8) * 500);
		kill(pid, SIGCONT);
		if (r % 250 == 249) {
			unsigned long c = *counter;
			if (wait_for_progress(c, 3000) == c) {
				printf("# child stuck after round %d\n", r);
				stuck = 1;
			}
		}
	}
	unsigned long c = *counter;
	CHECK(!stuck && wait_for_progress(c, 3000) != c);
	kill(pid, SIGKILL);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	return check_done();
}
