#define _GNU_SOURCE
/* rv_fork_tlb: a thread keeps writing a variable while another thread
 * forks. The child's copy must be frozen at the fork: later writes of the
 * parent's thread (through a TLB entry that fork did not flush on the
 * other CPU) must not show in the child. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "thr_fork_tlb"
#include "check.h"

#define NW 3
static volatile long counter[NW][512] __attribute__((aligned(4096)));	/* a page each */
static volatile int started;

static void *writer(void *a)
{
	long i = (long)a;
	__atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
	for (;;)
		counter[i][0]++;
	return NULL;
}

int main(void)
{
	pthread_t t;
	for (long i = 0; i < NW; i++)
		pthread_create(&t, NULL, writer, (void *)i);
	while (started < NW)
		;
	int leaks = 0;
	for (int i = 0; i < 20; i++) {
		usleep(20000);
		pid_t pid = fork();
		if (pid == 0) {
			long a[NW], b[NW];
			for (int k = 0; k < NW; k++)
				a[k] = counter[k][0];
			for (volatile int k = 0; k < 3000000; k++)
				;
			for (int k = 0; k < NW; k++)
				b[k] = counter[k][0];
			for (int k = 0; k < NW; k++)
				if (a[k] != b[k])
					_exit(1);
			_exit(0);
		}
		int st;
		waitpid(pid, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
			leaks++;
	}
	printf("# %s 1 - the parent's writes after fork never show in the child (%d of 20 leaked)\n",
	       leaks ? "not ok" : "ok", leaks);
	CHECK(leaks == 0);
	return check_done();
}
