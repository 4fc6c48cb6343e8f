#define _GNU_SOURCE
/*
 * thread_group: a process is a group of threads, from the attacker's side:
 *  - 8 threads x 20000 locked increments give the exact total; every
 *    thread has its own tid, all share the pid; /proc/self/status counts
 *    them and says Tgid/Pid;
 *  - clone's invalid flag combinations are EINVAL (Linux's rules);
 *  - exit_group from a thread ends all, with its status; SIGKILL to a
 *    16-thread process ends all at once; a thread's exit(), even the
 *    leader's, ends only itself;
 *  - a process-directed signal goes to the one thread that does not block
 *    it; tgkill reaches exactly the thread named, and not with a wrong tgid;
 *  - execve from a thread that is not the leader: the new program has
 *    the old pid, as its tid too, and is alone;
 *  - fork from a thread copies that thread only;
 *  - SIGSTOP stops every thread, spinning ones too, and SIGCONT goes on.
 * Each part runs in a child with an alarm, so a broken kernel fails it
 * within seconds instead of hanging the suite.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "thread_group"
#include "check.h"

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

static int status_field(const char *key)
{
	char line[256];
	int v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atoi(line + n + 1);
	if (f)
		fclose(f);
	return v;
}

/* Runs fn in a child with a watchdog; returns its wait status. */
static int in_child(int (*fn)(void), int seconds)
{
	pid_t pid = fork();

	if (pid == 0) {
		alarm(seconds);
		_exit(fn());
	}
	int st = -1;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

/* --- counting ------------------------------------------------------- */

#define NTHREADS 8
#define ITERS 20000
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static pid_t tids[NTHREADS];
static pthread_barrier_t barrier;

static void *count(void *arg)
{
	int i = (int)(long)arg;

	tids[i] = gettid_();
	for (int k = 0; k < ITERS; k++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	pthread_barrier_wait(&barrier);	/* all alive while main looks */
	pthread_barrier_wait(&barrier);
	return (void *)(long)(getpid());
}

static int counting(void)
{
	pthread_t th[NTHREADS];
	int bad = 0;

	pthread_barrier_init(&barrier, NULL, NTHREADS + 1);
	for (long i = 0; i < NTHREADS; i++)
		if (pthread_create(&th[i], NULL, count, (void *)i))
			return 10;
	pthread_barrier_wait(&barrier);
	if (status_field("Threads") != NTHREADS + 1)
		bad |= 1;
	if (status_field("Tgid") != getpid() || status_field("Pid") != getpid())
		bad |= 2;
	for (int i = 0; i < NTHREADS; i++) {
		if (tids[i] <= 0 || tids[i] == getpid())
			bad |= 4;
		for (int j = 0; j < i; j++)
			if (tids[i] == tids[j])
				bad |= 4;
	}
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < NTHREADS; i++) {
		void *ret;
		if (pthread_join(th[i], &ret) || (long)ret != getpid())
			bad |= 8;
	}
	if (counter != (long)NTHREADS * ITERS)
		bad |= 16;
	if (status_field("Threads") != 1)
		bad |= 32;
	return bad;
}

/* --- clone flags ---------------------------------------------------- */

static int bad_flags(void)
{
	static const unsigned long combos[] = {
		CLONE_THREAD | CLONE_VM,			/* no SIGHAND */
		CLONE_SIGHAND,					/* no VM */
		CLONE_SIGHAND | CLONE_THREAD,			/* no VM */
		CLONE_FS | CLONE_NEWNS,
	};
	int bad = 0;

	for (unsigned i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
		errno = 0;
		long r = syscall(SYS_clone, combos[i] | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(99);	/* a child that should not exist */
		if (r > 0) {
			waitpid((pid_t)r, NULL, 0);
			bad |= 1 << i;
		} else if (errno != EINVAL) {
			bad |= 1 << i;
		}
	}
	return bad;
}

/* --- exits ---------------------------------------------------------- */

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void *group_exiter(void *arg)
{
	(void)arg;
	usleep(20000);
	syscall(SYS_exit_group, 42);
	return NULL;
}

static int exit_group_from_thread(void)
{
	pthread_t t;

	for (int i = 0; i < 4; i++)
		pthread_create(&t, NULL, sleeper, NULL);
	pthread_create(&t, NULL, group_exiter, NULL);
	for (;;)
		pause();
	return 1;
}

static int sixteen_then_kill(void)
{
	pthread_t t;

	for (int i = 0; i < 15; i++)
		if (pthread_create(&t, NULL, sleeper, NULL))
			return 1;
	kill(getpid(), SIGKILL);
	for (;;)
		pause();
	return 1;
}

static void *late_exit(void *arg)
{
	(void)arg;
	usleep(50000);
	/* the leader is gone (Linux still counts it in Threads until the
	 * group ends); the process is still here */
	if (status_field("Tgid") != getpid())
		exit(3);
	exit(7);
}

/* The leader leaves first (pthread_exit); the last thread decides. */
static int leader_leaves(void)
{
	pthread_t t;

	pthread_create(&t, NULL, late_exit, NULL);
	pthread_exit(NULL);
	return 1;
}

/* --- signals -------------------------------------------------------- */

static _Atomic pid_t handled_by;
static _Atomic int handled;
static pid_t catcher_tid;
static _Atomic int ready;

static void on_usr1(int sig)
{
	(void)sig;
	handled_by = gettid_();
	handled++;
}

static void *catcher(void *arg)
{
	sigset_t none;

	(void)arg;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	catcher_tid = gettid_();
	ready = 1;
	while (!handled)
		usleep(1000);
	return NULL;
}

static void *blocker(void *arg)
{
	(void)arg;
	for (;;)
		usleep(1000);
	return NULL;
}

static int one_thread_takes_it(void)
{
	sigset_t usr1;
	pthread_t t, c;

	signal(SIGUSR1, on_usr1);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);	/* inherited by the blockers */
	for (int i = 0; i < 3; i++)
		pthread_create(&t, NULL, blocker, NULL);
	pthread_create(&c, NULL, catcher, NULL);
	while (!ready)
		usleep(1000);
	kill(getpid(), SIGUSR1);
	pthread_join(c, NULL);
	if (handled_by != catcher_tid)
		return 1;
	/* tgkill: exactly the thread named; a wrong tgid is ESRCH */
	handled = 0;
	if (syscall(SYS_tgkill, getpid() + 1000000, catcher_tid, SIGUSR1) != -1 || errno != ESRCH)
		return 2;
	if (syscall(SYS_tgkill, getpid(), gettid_(), SIGUSR1))	/* to us, blocked */
		return 3;
	sigset_t pend;
	sigpending(&pend);
	if (!sigismember(&pend, SIGUSR1))
		return 4;
	struct timespec zero = { 0, 0 };
	if (sigtimedwait(&usr1, NULL, &zero) != SIGUSR1)	/* taken, no handler */
		return 5;
	if (handled)
		return 6;
	if (sigtimedwait(&usr1, NULL, &zero) != -1 || errno != EAGAIN)
		return 7;
	return 0;
}

/* --- exec and fork from a thread ------------------------------------ */

static char self[64];

static void *execer(void *arg)
{
	char pid[16];

	(void)arg;
	snprintf(pid, sizeof(pid), "%d", getpid());
	execl(self, self, "after-exec", pid, (char *)NULL);
	return (void *)1;
}

static int exec_from_thread(void)
{
	pthread_t t;

	for (int i = 0; i < 3; i++)
		pthread_create(&t, NULL, sleeper, NULL);
	pthread_create(&t, NULL, execer, NULL);
	for (;;)
		pause();
	return 1;
}

static int after_exec(const char *oldpid)
{
	if (getpid() != atoi(oldpid))
		return 11;
	if (gettid_() != getpid())
		return 12;
	if (status_field("Threads") != 1)
		return 13;
	return 0;
}

static _Atomic int fork_result = -1;

static void *forker(void *arg)
{
	(void)arg;
	pid_t pid = fork();
	if (pid == 0)
		_exit(status_field("Threads") == 1 && gettid_() == getpid() ? 0 : 1);
	int st;
	fork_result = waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : 2;
	return NULL;
}

static int fork_from_thread(void)
{
	pthread_t t, f;

	pthread_create(&t, NULL, sleeper, NULL);
	pthread_create(&f, NULL, forker, NULL);
	pthread_join(f, NULL);
	return fork_result;
}

/* --- group stop ----------------------------------------------------- */

static volatile long *spins;	/* shared with the parent: one per thread */

static void *spinner(void *arg)
{
	volatile long *mine = &spins[(long)arg];

	for (;;)
		(*mine)++;
	return NULL;
}

static long total_spins(void)
{
	return spins[0] + spins[1] + spins[2];
}

static int group_stop(void)
{
	spins = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (spins == MAP_FAILED)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, spinner, (void *)1L);
		pthread_create(&t, NULL, spinner, (void *)2L);
		spinner((void *)0L);
	}
	int st, bad = 0;
	while (!spins[0] || !spins[1] || !spins[2])
		usleep(1000);
	kill(pid, SIGSTOP);
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st))
		bad |= 2;
	usleep(50000);		/* threads still on their way to the stop */
	long a = total_spins();
	usleep(200000);
	if (total_spins() != a)
		bad |= 4;	/* someone still runs */
	kill(pid, SIGCONT);
	usleep(100000);
	if (spins[0] == 0 || total_spins() == a)
		bad |= 8;
	/* every thread goes on: each within 2 s (a loaded host may hold a
	 * one-CPU guest's three spinners to a few slices per 100 ms) */
	long s1 = spins[1], s2 = spins[2];
	for (int i = 0; i < 200 && (spins[1] == s1 || spins[2] == s2); i++)
		usleep(10000);
	if (spins[1] == s1 || spins[2] == s2)
		bad |= 16;
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "after-exec"))
		return after_exec(argv[2]);
	snprintf(self, sizeof(self), "%s", argv[0]);
	setvbuf(stdout, NULL, _IONBF, 0);	/* children fork with nothing buffered */

	int st = in_child(counting, 20);
	printf("# %s 1 - %d threads x %d increments, tids and /proc status (%#x)\n",
	       st == 0 ? "ok" : "not ok", NTHREADS, ITERS, st);
	CHECK(st == 0);
	st = in_child(bad_flags, 10);
	printf("# %s 2 - invalid clone flag combinations are EINVAL (%#x)\n",
	       st == 0 ? "ok" : "not ok", st);
	CHECK(st == 0);
	st = in_child(exit_group_from_thread, 10);
	printf("# %s 3 - exit_group from a thread ends the group with its status (%#x)\n",
	       WIFEXITED(st) && WEXITSTATUS(st) == 42 ? "ok" : "not ok", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42);
	st = in_child(sixteen_then_kill, 10);
	printf("# %s 4 - SIGKILL ends a 16-thread process (%#x)\n",
	       WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? "ok" : "not ok", st);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	st = in_child(leader_leaves, 10);
	printf("# %s 5 - the leader leaves first, the last thread's exit decides (%#x)\n",
	       WIFEXITED(st) && WEXITSTATUS(st) == 7 ? "ok" : "not ok", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	st = in_child(one_thread_takes_it, 10);
	printf("# %s 6 - a process signal goes to the thread that takes it; tgkill, sigtimedwait (%#x)\n",
	       st == 0 ? "ok" : "not ok", st);
	CHECK(st == 0);
	st = in_child(exec_from_thread, 10);
	printf("# %s 7 - execve from a non-leader thread keeps the pid, alone (%#x)\n",
	       st == 0 ? "ok" : "not ok", st);
	CHECK(st == 0);
	st = in_child(fork_from_thread, 10);
	printf("# %s 8 - fork from a thread copies that thread only (%#x)\n",
	       st == 0 ? "ok" : "not ok", st);
	CHECK(st == 0);
	st = in_child(group_stop, 20);
	printf("# %s 9 - SIGSTOP stops every thread, SIGCONT continues them (%#x)\n",
	       st == 0 ? "ok" : "not ok", st);
	CHECK(st == 0);
	return check_done();
}
