#define _GNU_SOURCE
/*
 * thread_signals: signals in a thread group, from the sender's side:
 *  - SIGKILL to a process of 16 threads (blocked in futex, read, nanosleep,
 *    or spinning): the parent's wait4 reports SIGKILL within 2 s, and no
 *    tid of the group answers tgkill(…, 0) afterwards;
 *  - a process-directed signal (kill) while every thread but one blocks
 *    it: that one handles it, every time; sent while all block it, it
 *    waits in the shared pending set (sigpending in any thread) and is
 *    taken by the first thread that unblocks it;
 *  - tgkill reaches exactly the thread named; a wrong tgid or a foreign
 *    tid is ESRCH, a bad signal number EINVAL;
 *  - signal masks are per thread;
 *  - a fatal signal sent to one thread ends the whole group.
 */
#include <semaphore.h>
#include <stdatomic.h>
#include <sys/wait.h>

#define TEST_NAME "thread_signals"
#include "check.h"
#include "threads.h"

static int tgkill(pid_t tgid, pid_t tid, int sig)
{
	return (int)syscall(SYS_tgkill, tgid, tid, sig);
}

/* ---- SIGKILL to 16 threads ---- */
#define NK 16
static int kpipe[2];
static volatile int never;

static void *victim(void *arg)
{
	long kind = (long)arg;
	pid_t tid = sys_gettid();
	char c;
	if (write(kpipe[1], &tid, sizeof(tid)) != sizeof(tid))
		return NULL;
	switch (kind % 4) {
	case 0:
		syscall(SYS_futex, &never, 0, 0, NULL, NULL, 0);
		break;
	case 1: {
		int p[2];	/* a pipe nobody writes */
		if (pipe(p) == 0 && read(p[0], &c, 1) < 0)
			break;
		break;
	}
	case 2:
		sleep(100);
		break;
	default:
		for (;;)
			never += 0;
	}
	return NULL;
}

static void test_sigkill(void)
{
	CHECK(pipe(kpipe) == 0);
	pid_t c = fork();
	if (c == 0) {
		pthread_t t;
		pid_t me = sys_gettid();
		if (write(kpipe[1], &me, sizeof(me)) != sizeof(me))
			_exit(1);
		for (long i = 1; i < NK; i++)
			if (pthread_create(&t, NULL, victim, (void *)i))
				_exit(2);
		victim((void *)0L);	/* the leader blocks too */
		_exit(3);
	}
	CHECK(c > 0);
	close(kpipe[1]);	/* EOF as soon as the child is gone, threads or not */
	pid_t tids[NK];
	int got = 0;
	while (got < NK && read(kpipe[0], &tids[got], sizeof(pid_t)) == sizeof(pid_t))
		got++;
	CHECK(got == NK);
	usleep(50000);		/* let them get into their sleeps */
	double t0 = mono_now();
	CHECK(kill(c, SIGKILL) == 0);
	int st = 0;
	CHECK(waitpid(c, &st, 0) == c);
	double took = mono_now() - t0;
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK(took < 2.0);
	for (int i = 0; i < got; i++) {
		errno = 0;
		CHECK(tgkill(c, tids[i], 0) == -1 && errno == ESRCH);
	}
	printf("# SIGKILL to %d threads reaped in %.1f ms\n", got, took * 1000);
	close(kpipe[0]);
}

/* ---- process-directed signals ---- */
#define NS 4
static atomic_int handled_by, handled_count;
static pid_t stids[NS];
static sem_t ready;
static pthread_barrier_t phase;
static volatile int stop, chosen = -1;

static void on_usr(int sig)
{
	(void)sig;
	handled_by = sys_gettid();
	handled_count++;
}

static void *sig_thread(void *arg)
{
	long me = (long)arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);	/* per thread: main's own stays */
	stids[me] = sys_gettid();
	sem_post(&ready);
	pthread_barrier_wait(&phase);
	/* phase 1: thread 2 alone takes SIGUSR1 */
	if (me == 2)
		pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	pthread_barrier_wait(&phase);
	while (!stop)
		usleep(1000);
	if (me == 2)
		pthread_sigmask(SIG_BLOCK, &s, NULL);
	pthread_barrier_wait(&phase);
	/* phase 2: all block it; main sends; then the chosen one unblocks */
	pthread_barrier_wait(&phase);
	while (chosen < 0)
		usleep(1000);
	if (me == chosen)
		pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	while (handled_count == 0)
		usleep(1000);
	return NULL;
}

static int wait_handled(int want)
{
	for (int i = 0; i < 2000 && handled_count < want; i++)
		usleep(1000);
	return handled_count;
}

static void test_process_directed(void)
{
	pthread_t t[NS];
	struct sigaction sa;
	sigset_t s, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sem_init(&ready, 0, 0);
	pthread_barrier_init(&phase, NULL, NS + 1);

	for (long i = 0; i < NS; i++)
		t[i] = start_thread(sig_thread, (void *)i);
	for (int i = 0; i < NS; i++)
		sem_wait(&ready);
	/* the threads' masks did not touch main's */
	CHECK(pthread_sigmask(SIG_BLOCK, NULL, &old) == 0 && !sigismember(&old, SIGUSR1));
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	pthread_barrier_wait(&phase);
	pthread_barrier_wait(&phase);

	int wrong = 0;
	for (int r = 0; r < 20; r++) {
		handled_by = 0;
		CHECK(kill(getpid(), SIGUSR1) == 0);
		if (wait_handled(r + 1) != r + 1)
			break;
		wrong += handled_by != stids[2];
	}
	CHECK(handled_count == 20);
	CHECK(wrong == 0);
	stop = 1;
	pthread_barrier_wait(&phase);

	/* phase 2: nobody takes it, so it stays pending for the process */
	handled_count = 0;
	handled_by = 0;
	CHECK(kill(getpid(), SIGUSR1) == 0);
	usleep(50000);
	sigset_t pend;
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1));
	CHECK(handled_count == 0);
	pthread_barrier_wait(&phase);
	chosen = 3;
	CHECK(wait_handled(1) == 1);
	CHECK(handled_by == stids[3]);
	for (int i = 0; i < NS; i++)
		join_thread(t[i]);
	CHECK(sigpending(&pend) == 0 && !sigismember(&pend, SIGUSR1));
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	pthread_barrier_destroy(&phase);
}

/* ---- tgkill ---- */
static volatile int tg_stop;

static void *tg_thread(void *arg)
{
	stids[(long)arg] = sys_gettid();
	sem_post(&ready);
	while (!tg_stop)
		usleep(1000);
	return NULL;
}

static void test_tgkill(void)
{
	pthread_t t[NS];
	for (long i = 0; i < NS; i++)
		t[i] = start_thread(tg_thread, (void *)i);
	for (int i = 0; i < NS; i++)
		sem_wait(&ready);
	handled_count = 0;
	for (int r = 0; r < 3; r++)
		for (int i = 0; i < NS; i++) {
			int want = handled_count + 1;
			handled_by = 0;
			CHECK(tgkill(getpid(), stids[i], SIGUSR2) == 0);
			CHECK(wait_handled(want) == want);
			CHECK(handled_by == stids[i]);
		}
	handled_by = 0;
	CHECK(tgkill(getpid(), getpid(), SIGUSR2) == 0);	/* main: handled before it returns */
	CHECK(handled_by == getpid());
	errno = 0;
	CHECK(tgkill(getppid(), stids[0], SIGUSR2) == -1 && errno == ESRCH);
	errno = 0;
	CHECK(tgkill(getpid(), getppid(), 0) == -1 && errno == ESRCH);
	errno = 0;
	CHECK(tgkill(getpid(), stids[0], 65) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(tgkill(getpid(), -1, SIGUSR2) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_tkill, stids[1], 0) == 0);
	tg_stop = 1;
	for (int i = 0; i < NS; i++)
		join_thread(t[i]);
}

/* ---- a fatal signal to one thread ---- */
static void *sleeper(void *arg)
{
	(void)arg;
	pid_t tid = sys_gettid();
	if (write(kpipe[1], &tid, sizeof(tid)) != sizeof(tid))
		return NULL;
	for (;;)
		pause();
}

static void test_fatal_to_thread(void)
{
	CHECK(pipe(kpipe) == 0);
	pid_t c = fork();
	if (c == 0) {
		pthread_t t;
		for (int i = 0; i < 3; i++)
			if (pthread_create(&t, NULL, sleeper, NULL))
				_exit(2);
		for (;;)
			pause();
	}
	close(kpipe[1]);
	pid_t tid[3];
	int got = 0;
	while (got < 3 && read(kpipe[0], &tid[got], sizeof(pid_t)) == sizeof(pid_t))
		got++;
	CHECK(got == 3);
	int st = 0;
	if (got == 3) {
		CHECK(tgkill(c, tid[1], SIGTERM) == 0);
	} else {
		kill(c, SIGKILL);
	}
	CHECK(waitpid(c, &st, 0) == c);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == (got == 3 ? SIGTERM : SIGKILL));
	close(kpipe[0]);
}

int main(void)
{
	watchdog(30);
	test_sigkill();
	test_process_directed();
	test_tgkill();
	test_fatal_to_thread();
	return check_done();
}
