/*
 * What the thread tests share (include after check.h): a watchdog, so a
 * kernel that loses a wakeup or never ends a thread fails in seconds
 * instead of hanging the suite, and a pthread_create that reports the
 * first failure plainly (on a kernel without threads every test stops
 * there, with "not ok", at once).
 */
#ifndef SYSTEST_THREADS_H
#define SYSTEST_THREADS_H

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void watchdog_fired(int sig)
{
	static const char msg[] = TEST_NAME ": watchdog: still running after the time allowed (a lost wakeup or a thread that never ended?)\n";
	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		;
	_exit(3);
}

/* SIGALRM after `seconds` ends the whole process with status 3. */
static inline void watchdog(unsigned seconds)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watchdog_fired;
	sigaction(SIGALRM, &sa, NULL);
	alarm(seconds);
}

static inline pid_t sys_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static inline double mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* pthread_create, or a clear message and exit(1): nothing after a failed
 * create can be checked. */
static inline pthread_t start_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	int e = pthread_create(&t, NULL, fn, arg);
	if (e) {
		fprintf(stderr, TEST_NAME ": pthread_create: %s (%s); no threads, stopping\n",
			strerror(e), errname(e));
		exit(1);
	}
	return t;
}

static inline void *join_thread(pthread_t t)
{
	void *ret = NULL;
	int e = pthread_join(t, &ret);
	if (e) {
		fprintf(stderr, TEST_NAME ": pthread_join: %s\n", strerror(e));
		failures++;
	}
	return ret;
}

/*
 * Binds the calling thread (and the threads it creates from now on) to
 * CPU 0, or back to every CPU with cpu < 0; 0, or -1 (errno) where the
 * kernel cannot. For loops of thread create/join that test lifetimes, not
 * SMP: under TCG a thread started on another vCPU costs cross-CPU TLB
 * shootdowns at every munmap, ~10 ms a thread at -smp 4 on a busy host.
 */
static inline int pin_to(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (cpu >= 0)
		CPU_SET(cpu, &set);
	else
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* The value of a "Key:" line of /proc/<path>/status-like file; -1 if absent. */
static inline long status_field(const char *path, const char *key)
{
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atol(line + n + 1);
	if (f)
		fclose(f);
	return v;
}

#endif
