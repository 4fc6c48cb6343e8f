#define _GNU_SOURCE
/* rv_fault_race: 4 threads touch the same fresh anonymous pages at once
 * (reads and writes). On Linux nobody gets SIGSEGV. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "thr_fault_race"
#include "check.h"

#define NT 4
#define PAGES 2048
static char *mem;
static pthread_barrier_t bar;

static void *toucher(void *arg)
{
	long id = (long)arg;
	for (int round = 0; round < 8; round++) {
		pthread_barrier_wait(&bar);
		char *base = mem + (size_t)round * PAGES * 4096 / 8;
		for (int i = 0; i < PAGES / 8; i++) {
			if (id & 1)
				base[(size_t)i * 4096 + id] = 1;		/* write fault */
			else
				(void)*(volatile char *)&base[(size_t)i * 4096];	/* read fault */
		}
	}
	return NULL;
}

static int child(void)
{
	pthread_t t[NT];
	mem = mmap(NULL, (size_t)PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 2;
	pthread_barrier_init(&bar, NULL, NT);
	for (long i = 1; i < NT; i++)
		pthread_create(&t[i], NULL, toucher, (void *)i);
	toucher(0);
	for (int i = 1; i < NT; i++)
		pthread_join(t[i], NULL);
	return 0;
}

int main(void)
{
	int bad = 0;
	for (int run = 0; run < 5; run++) {
		pid_t pid = fork();
		if (pid == 0) {
			alarm(30);
			_exit(child());
		}
		int st;
		waitpid(pid, &st, 0);
		if (st != 0) {
			printf("# run %d: status %#x (signal %d)\n", run, st, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
			bad++;
		}
	}
	printf("# %s 1 - concurrent faults on one page never SIGSEGV (%d of 5 runs killed)\n", bad ? "not ok" : "ok", bad);
	CHECK(bad == 0);
	return check_done();
}
