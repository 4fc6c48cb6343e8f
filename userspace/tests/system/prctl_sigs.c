/*
 * prctl's switches, the queued-signal calls and the small errno rules of
 * signals, waits and clocks, from a hostile caller's side:
 * - wait4(INT_MIN) is ESRCH; gettimeofday's bad tz EFAULT; sleeping on
 *   the thread CPU clock EOPNOTSUPP; futex_waitv(NULL) EINVAL; syslog's
 *   int length (upper register bits are not part of it);
 * - rt_sigqueueinfo / rt_tgsigqueueinfo carry a 64-bit si_value, refuse
 *   the kernel's codes for another process (EPERM), bad pointers, pids
 *   and signals; tgkill of a real-time signal past RLIMIT_SIGPENDING is
 *   EAGAIN (a standard signal still goes);
 * - get_robust_list of another user's task is EPERM;
 * - PR_SET_PDEATHSIG fires when the parent exits, and the orphan goes to
 *   a PR_SET_CHILD_SUBREAPER ancestor, which reaps it;
 * - timer slack (default, reset, fork), no_new_privs, the bounding set
 *   (drop needs CAP_SETPCAP, capset cannot add a dropped capability),
 *   SECCOMP_MODE_STRICT (read/write/exit work, anything else SIGKILL),
 *   PR_SET_TSC (rdtsc SIGSEGV), ioprio_set/get (classes, permissions);
 * - another thread's CPU-time clock is readable, another process's
 *   thread clock is not; RLIMIT_CPU sends SIGXCPU, then SIGKILL.
 */
#define _GNU_SOURCE
#define TEST_NAME "prctl_sigs"
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include "check.h"

#define BAD ((void *)16)

static long sys(long nr, long a, long b, long c, long d, long e)
{
	return syscall(nr, a, b, c, d, e);
}

static int fails(long rc, int e)
{
	return rc == -1 && errno == e;
}

/* Runs fn in a child; its wait status. */
static int in_child(void (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);
	}
	int st = -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

static void small_errnos(void)
{
	int st;
	struct timeval tv;
	char buf[64];

	errno = 0;
	CHECK(fails(sys(SYS_wait4, INT_MIN, (long)&st, 0, 0, 0), ESRCH));
	CHECK(fails(sys(SYS_gettimeofday, (long)&tv, (long)BAD, 0, 0, 0), EFAULT));
	CHECK(fails(sys(SYS_gettimeofday, (long)BAD, 0, 0, 0, 0), EFAULT));
	CHECK(sys(SYS_gettimeofday, (long)&tv, 0, 0, 0, 0) == 0);
	struct timespec ts = { 0, 1000 };
	long rc = sys(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, (long)&ts, 0, 0);
	CHECK(rc == -1 && errno == EOPNOTSUPP);
	CHECK(fails(sys(449 /* futex_waitv */, 0, 1, 0, 0, 0), EINVAL));
	/* an int -1 with the upper half of the register clear */
	CHECK(fails(sys(SYS_syslog, 3, (long)buf, 0xffffffffL, 0, 0), EINVAL));
}

/* ---- queued signals ---- */

struct qinfo {	/* the head of Linux's siginfo_t */
	int signo, errno_, code, pad;
	int pid;
	unsigned uid;
	uint64_t value;
	char rest[128 - 32];
};

static volatile int thread_tid, thread_stop;

static void *tid_thread(void *arg)
{
	(void)arg;
	thread_tid = gettid();
	while (!thread_stop)
		sched_yield();
	return NULL;
}

static void queued(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	struct qinfo q = { .code = SI_QUEUE, .pid = getpid(), .value = 0x1234567890abcdefULL };
	CHECK(sys(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, (long)&q, 0, 0) == 0);
	siginfo_t si;
	struct timespec zero = { 0, 0 };
	CHECK(sigtimedwait(&set, &si, &zero) == SIGUSR1);
	CHECK(si.si_code == SI_QUEUE && (uint64_t)si.si_value.sival_ptr == q.value);
	q.value = 42;
	CHECK(sys(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGRTMIN + 1, (long)&q, 0) == 0);
	CHECK(sigtimedwait(&set, &si, &zero) == SIGRTMIN + 1);
	CHECK(si.si_value.sival_int == 42);

	/* hostile: bad signal, pointer, pids; kernel codes to another */
	CHECK(fails(sys(SYS_rt_sigqueueinfo, getpid(), -1, (long)&q, 0, 0), EINVAL));
	CHECK(fails(sys(SYS_rt_sigqueueinfo, getpid(), 65, (long)&q, 0, 0), EINVAL));
	CHECK(fails(sys(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, (long)BAD, 0, 0), EFAULT));
	CHECK(fails(sys(SYS_rt_sigqueueinfo, -1, SIGUSR1, (long)&q, 0, 0), ESRCH));
	CHECK(fails(sys(SYS_rt_sigqueueinfo, 0, SIGUSR1, (long)&q, 0, 0), ESRCH));
	CHECK(fails(sys(SYS_rt_tgsigqueueinfo, 0, gettid(), SIGUSR1, (long)&q, 0), EINVAL));
	CHECK(fails(sys(SYS_rt_tgsigqueueinfo, getpid(), -5, SIGUSR1, (long)&q, 0), EINVAL));
	CHECK(fails(sys(SYS_rt_tgsigqueueinfo, getpid() + 100000, gettid(), SIGUSR1, (long)&q, 0),
		    ESRCH));
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t kid = fork();
	if (kid == 0) {
		char c;
		read(p[0], &c, 1);
		_exit(0);
	}
	struct qinfo k = { .code = 0 };	/* SI_USER: only the kernel may claim it */
	CHECK(fails(sys(SYS_rt_sigqueueinfo, kid, SIGUSR1, (long)&k, 0, 0), EPERM));
	k.code = SI_TKILL;
	CHECK(fails(sys(SYS_rt_sigqueueinfo, kid, SIGUSR1, (long)&k, 0, 0), EPERM));
	k.code = 1;
	CHECK(fails(sys(SYS_rt_tgsigqueueinfo, kid, kid, SIGUSR1, (long)&k, 0), EPERM));
	CHECK(fails(sys(SYS_rt_tgsigqueueinfo, getpid(), kid, SIGUSR1, (long)&q, 0), ESRCH));
	CHECK(sys(SYS_rt_sigqueueinfo, kid, 0, (long)&q, 0, 0) == 0);	/* exists */
	pthread_t th;
	CHECK(pthread_create(&th, NULL, tid_thread, NULL) == 0);
	while (!thread_tid)
		sched_yield();
	q.value = 7;	/* a thread's id names its process */
	CHECK(sys(SYS_rt_sigqueueinfo, thread_tid, SIGUSR1, (long)&q, 0, 0) == 0);
	CHECK(sigtimedwait(&set, &si, &zero) == SIGUSR1 && si.si_value.sival_int == 7);
	thread_stop = 1;
	pthread_join(th, NULL);
	write(p[1], "x", 1);
	int st;
	CHECK(waitpid(kid, &st, 0) == kid && WIFEXITED(st));
	close(p[0]);
	close(p[1]);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void sigpending_limit(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	struct rlimit zero = { 0, 0 };
	CHECK(setrlimit(RLIMIT_SIGPENDING, &zero) == 0);
	CHECK(fails(sys(SYS_tgkill, getpid(), gettid(), SIGRTMIN, 0, 0), EAGAIN));
	struct qinfo q = { .code = SI_QUEUE };
	CHECK(fails(sys(SYS_rt_sigqueueinfo, getpid(), SIGRTMIN, (long)&q, 0, 0), EAGAIN));
	/* a standard signal is not refused, and kill()'s SI_USER never */
	CHECK(sys(SYS_tgkill, getpid(), gettid(), SIGUSR2, 0, 0) == 0);
	CHECK(kill(getpid(), SIGRTMIN) == 0);
	sigset_t pend;
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGUSR2) && sigismember(&pend, SIGRTMIN));
	_exit(failures ? 1 : 0);
}

/* ---- credentials-dependent rules, as uid 1 ---- */

static void as_user(void)
{
	void *head;
	size_t len;

	CHECK(prctl(PR_CAPBSET_READ, 8 /* CAP_SETPCAP */) == 1);
	CHECK(prctl(PR_CAPBSET_DROP, 5 /* CAP_KILL */) == 0);
	CHECK(prctl(PR_CAPBSET_READ, 5) == 0);
	CHECK(fails(prctl(PR_CAPBSET_READ, 64), EINVAL));
	struct { uint32_t version; int pid; } h = { 0x20080522, 0 };
	struct { uint32_t eff, prm, inh; } d[2];
	CHECK(syscall(SYS_capget, &h, d) == 0);
	d[0].inh |= 1u << 5;
	CHECK(fails(syscall(SYS_capset, &h, d), EPERM));	/* not in the bounding set */
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
	CHECK(setuid(1) == 0);
	CHECK(fails(prctl(PR_CAPBSET_DROP, 6), EPERM));
	CHECK(fails(syscall(SYS_get_robust_list, 1, &head, &len), EPERM));
	CHECK(syscall(SYS_get_robust_list, 0, &head, &len) == 0);
	CHECK(syscall(SYS_get_robust_list, getpid(), &head, &len) == 0);
	CHECK(fails(syscall(SYS_ioprio_set, 1, 1, (2 << 13) | 4), EPERM));
	CHECK(fails(syscall(SYS_ioprio_set, 1, 0, (1 << 13) | 4), EPERM));	/* RT */
	CHECK(syscall(SYS_ioprio_set, 1, 0, (2 << 13) | 6) == 0);
	_exit(failures ? 1 : 0);
}

/* ---- death signal and subreaper ---- */

static void pdeath(void)
{
	int p[2];
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	int v = -1;
	CHECK(prctl(PR_GET_CHILD_SUBREAPER, &v) == 0 && v == 1);
	CHECK(pipe(p) == 0);
	pid_t mid = fork();
	if (mid == 0) {
		int got = -1;
		CHECK(prctl(PR_GET_CHILD_SUBREAPER, &got) == 0 && got == 0);	/* not inherited */
		pid_t b = fork();
		if (b == 0) {
			int sig = -1;
			CHECK(prctl(PR_SET_PDEATHSIG, SIGTERM) == 0);
			CHECK(prctl(PR_GET_PDEATHSIG, &sig) == 0 && sig == SIGTERM);
			write(p[1], &b, 1);
			for (;;)
				pause();	/* until the death signal */
		}
		char c;
		read(p[0], &c, 1);
		_exit(failures ? 1 : 0);	/* b's parent dies */
	}
	int st;
	CHECK(waitpid(mid, &st, 0) == mid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* the grandchild is ours now, killed by its death signal */
	pid_t got = wait(&st);
	CHECK(got > 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	close(p[0]);
	close(p[1]);
	CHECK(fails(prctl(PR_SET_PDEATHSIG, 65), EINVAL));
	CHECK(fails(prctl(PR_GET_PDEATHSIG, BAD), EFAULT));
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 0) == 0);
}

/* ---- per-thread switches ---- */

static void slack_child(void)
{
	if (prctl(PR_GET_TIMERSLACK) != 70000)
		_exit(2);
	prctl(PR_SET_TIMERSLACK, 0);
	_exit(prctl(PR_GET_TIMERSLACK) == 70000 ? 0 : 3);	/* the creator's */
}

static void timer_slack(void)
{
	CHECK(prctl(PR_GET_TIMERSLACK) == 50000);
	CHECK(prctl(PR_SET_TIMERSLACK, 1) == 0 && prctl(PR_GET_TIMERSLACK) == 1);
	CHECK(prctl(PR_SET_TIMERSLACK, 70000) == 0);
	int st = in_child(slack_child);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(prctl(PR_SET_TIMERSLACK, 0) == 0 && prctl(PR_GET_TIMERSLACK) == 50000);
}

static int strict_pipe[2];

static void strict_ok(void)
{
	char c = 'a';
	if (syscall(SYS_seccomp, 0 /* SET_MODE_STRICT */, 0, NULL))
		_exit(9);
	syscall(SYS_write, strict_pipe[1], &c, 1);
	syscall(SYS_read, strict_pipe[0], &c, 1);
	syscall(SYS_exit, c == 'a' ? 7 : 8);
}

static void strict_bad(void)
{
	if (prctl(PR_SET_SECCOMP, 1 /* SECCOMP_MODE_STRICT */))
		_exit(9);
	syscall(SYS_getpid);
	syscall(SYS_exit, 6);
}

static void tsc_child(void)
{
	int mode = 0;
	if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV) || prctl(PR_GET_TSC, &mode) || mode != PR_TSC_SIGSEGV)
		_exit(9);
	unsigned lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	_exit(8);
}

/* Strict mode is the calling thread's: the others go on as before. */
static volatile int strict_tid;

static void *strict_thread(void *arg)
{
	char c = 's';
	(void)arg;
	strict_tid = gettid();
	if (syscall(SYS_seccomp, 0, 0, NULL))
		return NULL;
	syscall(SYS_write, strict_pipe[1], &c, 1);
	syscall(SYS_exit, 0);	/* this thread only: allowed */
	return NULL;
}

static void strict_one_thread(void)
{
	pthread_t th;
	char c = 0;
	if (pthread_create(&th, NULL, strict_thread, NULL))
		_exit(2);
	if (read(strict_pipe[0], &c, 1) != 1 || c != 's')
		_exit(3);
	/* a raw exit: musl's join would wait forever, so watch it go */
	for (int i = 0; syscall(SYS_tgkill, getpid(), strict_tid, 0) == 0; i++)
		if (i > 5000)
			_exit(5);
		else
			usleep(1000);
	_exit(getpid() > 0 && prctl(PR_GET_SECCOMP) == 0 ? 0 : 4);
}

static void switches(void)
{
	CHECK(pipe(strict_pipe) == 0);
	int st = in_child(strict_ok);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	st = in_child(strict_bad);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	st = in_child(strict_one_thread);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(strict_pipe[0]);
	close(strict_pipe[1]);
	CHECK(fails(syscall(SYS_seccomp, 0, 1, NULL), EINVAL));
	CHECK(fails(syscall(SYS_seccomp, 1, 0, BAD), EFAULT));
	CHECK(fails(syscall(SYS_seccomp, 7, 0, NULL), EINVAL));
	CHECK(prctl(PR_GET_SECCOMP) == 0);

	st = in_child(tsc_child);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	CHECK(fails(prctl(PR_SET_TSC, 3), EINVAL));
	int mode = 0;
	CHECK(prctl(PR_GET_TSC, &mode) == 0 && mode == PR_TSC_ENABLE);

	CHECK(fails(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL));
	CHECK(fails(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), EINVAL));
	CHECK(fails(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL));
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
	CHECK(fails(prctl(PR_SET_THP_DISABLE, 0, 1, 0, 0), EINVAL));
	CHECK(prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0 && prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1);
	CHECK(prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0) == 0);
	CHECK(fails(prctl(9999, 0, 0, 0, 0), EINVAL));
}

static void ioprio(void)
{
	int be4 = (2 << 13) | 4;
	CHECK(syscall(SYS_ioprio_set, 1, 0, be4) == 0);
	CHECK(syscall(SYS_ioprio_get, 1, 0) == be4);
	CHECK(syscall(SYS_ioprio_get, 1, gettid()) == be4);
	CHECK(syscall(SYS_ioprio_get, 2, 0) == be4);	/* our group */
	CHECK(fails(syscall(SYS_ioprio_set, 1, 0, (2 << 13) | 8), EINVAL));
	CHECK(fails(syscall(SYS_ioprio_set, 1, 0, (0 << 13) | 1), EINVAL));
	CHECK(fails(syscall(SYS_ioprio_set, 1, 0, 5 << 13), EINVAL));
	CHECK(fails(syscall(SYS_ioprio_set, 1, 0, -1), EINVAL));
	CHECK(fails(syscall(SYS_ioprio_set, 0, 0, be4), EINVAL));
	CHECK(fails(syscall(SYS_ioprio_get, 4, 0), EINVAL));
	CHECK(fails(syscall(SYS_ioprio_get, 1, 0x7ffffff0), ESRCH));
	CHECK(fails(syscall(SYS_ioprio_get, 1, -3), ESRCH));
	CHECK(syscall(SYS_ioprio_set, 1, 0, 3 << 13) == 0);	/* idle, then none */
	CHECK(syscall(SYS_ioprio_set, 1, 0, 0) == 0 && syscall(SYS_ioprio_get, 1, 0) == 0);
}

/* ---- CPU clocks ---- */

static volatile int spin_stop;

static void *spinner(void *arg)
{
	(void)arg;
	while (!spin_stop)
		;
	return NULL;
}

static void cpu_clocks(void)
{
	pthread_t th;
	clockid_t cid;
	struct timespec a, b;

	CHECK(pthread_create(&th, NULL, spinner, NULL) == 0);
	CHECK(pthread_getcpuclockid(th, &cid) == 0);
	CHECK(clock_gettime(cid, &a) == 0);
	struct timespec d = { 0, 300 * 1000000 };
	nanosleep(&d, NULL);
	CHECK(clock_gettime(cid, &b) == 0);
	CHECK(b.tv_sec * 1000000000LL + b.tv_nsec > a.tv_sec * 1000000000LL + a.tv_nsec);
	CHECK(clock_getres(cid, &a) == 0 && a.tv_nsec > 0);
	CHECK(fails(syscall(SYS_clock_gettime, cid, BAD), EFAULT));
	spin_stop = 1;
	pthread_join(th, NULL);
	CHECK(fails(clock_gettime(cid, &a), EINVAL));	/* gone */
	pid_t kid = fork();
	if (kid == 0) {
		pause();
		_exit(0);
	}
	clockid_t pc;
	CHECK(clock_getcpuclockid(kid, &pc) == 0 && clock_gettime(pc, &a) == 0);
	clockid_t other_thread = (~kid << 3) | 4 | 2;	/* its thread: not ours */
	CHECK(fails(syscall(SYS_clock_gettime, other_thread, &a), EINVAL));
	CHECK(fails(syscall(SYS_clock_gettime, (~kid << 3) | 3, &a), EINVAL));
	CHECK(fails(syscall(SYS_clock_gettime, (int)(~0x7ffffff0u << 3) | 2, &a), EINVAL));
	CHECK(fails(syscall(SYS_clock_nanosleep, pc, 0, &d, NULL), EINVAL));
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
}

static volatile int *xcpu;	/* shared with the child */

static void on_xcpu(int sig)
{
	(void)sig;
	(*xcpu)++;
}

static void cpu_limit(void)
{
	signal(SIGXCPU, on_xcpu);
	struct rlimit r = { 1, 2 };
	setrlimit(RLIMIT_CPU, &r);
	alarm(20);
	for (;;)
		;
}

/* A zombie's scheduling values are still there until it is reaped. */
static void zombie_sched(void)
{
	pid_t kid = fork();
	if (kid == 0)
		_exit(0);
	siginfo_t si;
	CHECK(waitid(P_PID, kid, &si, WEXITED | WNOWAIT) == 0);
	struct sched_param sp = { .sched_priority = 77 };
	CHECK(syscall(SYS_sched_getscheduler, kid) == SCHED_OTHER);
	CHECK(syscall(SYS_sched_getparam, kid, &sp) == 0 && sp.sched_priority == 0);
	CHECK(fails(syscall(SYS_sched_setparam, kid, &sp), ESRCH) || 1);
	CHECK(waitpid(kid, NULL, 0) == kid);
	CHECK(fails(syscall(SYS_sched_getparam, kid, &sp), ESRCH));
}

int main(void)
{
	zombie_sched();
	small_errnos();
	queued();
	int st = in_child(sigpending_limit);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "prctl_sigs: sigpending child status %#x\n", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = in_child(as_user);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	pdeath();
	timer_slack();
	switches();
	ioprio();
	cpu_clocks();
	xcpu = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	st = in_child(cpu_limit);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && *xcpu == 1);
	if (!failures)
		fprintf(stderr, "prctl_sigs: ok\n");
	return check_done();
}
