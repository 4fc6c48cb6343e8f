#define _GNU_SOURCE
/* rv_sigwait: sigwait for a signal every thread blocks (the POSIX way to
 * take signals in a dedicated thread). kill() must wake the waiter. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "thr_sigwait"
#include "check.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *idle_thread(void *a) { (void)a; for (;;) pause(); return NULL; }

static double wait_once(int threads)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pthread_t t;
	for (int i = 0; i < threads; i++)
		pthread_create(&t, NULL, idle_thread, NULL);
	pid_t me = getpid();
	if (fork() == 0) {
		usleep(100000);
		kill(me, SIGUSR1);
		_exit(0);
	}
	struct timespec to = { 4, 0 };
	double t0 = now();
	int sig = sigtimedwait(&set, NULL, &to);
	double dt = now() - t0;
	wait(NULL);
	return sig == SIGUSR1 ? dt : -1;
}

int main(void)
{
	double a = wait_once(0);
	printf("# %s 1 - one thread: sigtimedwait woken by kill in %.2fs\n", a >= 0 && a < 1.5 ? "ok" : "not ok", a);
	CHECK(a >= 0 && a < 1.5);
	double b = wait_once(2);
	printf("# %s 2 - three threads, all block it: woken in %.2fs\n", b >= 0 && b < 1.5 ? "ok" : "not ok", b);
	CHECK(b >= 0 && b < 1.5);
	return check_done();
}
