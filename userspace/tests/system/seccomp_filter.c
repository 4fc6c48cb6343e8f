/*
 * seccomp filters (SECCOMP_MODE_FILTER), from the attacker's side:
 * - the checker refuses a jump past the end (a "backward" JA offset of
 *   -1 wraps there), loads outside seccomp_data or unaligned, byte
 *   loads, scratch words read before written, a division by 0, a
 *   missing return, 0 and 4097 instructions, bad pointers, unknown
 *   flags; without no_new_privs an unprivileged caller is EACCES;
 *   chains are bounded (ENOMEM);
 * - actions: ERRNO (capped at 4095), TRAP (SIGSYS with si_syscall,
 *   si_arch, si_errno, si_call_addr; the call does not run), TRACE
 *   (ENOSYS without a tracer), LOG, KILL_THREAD (only that thread),
 *   KILL_PROCESS (every thread), an unknown action (kills the process);
 * - stacking: the most restrictive action wins, the newest filter's
 *   data among equals; fork inherits, execve keeps;
 * - a thread installing a filter does not filter its sibling, which
 *   goes on with its syscalls meanwhile; TSYNC does, and fails with
 *   the tid (or ESRCH) of a sibling whose filters differ;
 * - SECCOMP_GET_ACTION_AVAIL; PR_GET_SECCOMP says 2; no leak.
 */
#define _GNU_SOURCE
#define TEST_NAME "seccomp_filter"
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "check.h"

struct insn { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct prog { unsigned short len; struct insn *filter; };
struct sdata { int nr; uint32_t arch; uint64_t ip; uint64_t args[6]; };

#define STMT(c, k) { (c), 0, 0, (k) }
#define JUMP(c, k, t, f) { (c), (t), (f), (k) }
#define LD_W_ABS 0x20
#define LD_B_ABS 0x30
#define LD_MEM 0x60
#define ST 0x02
#define RET_K 0x06
#define JEQ_K 0x15
#define JA 0x05
#define DIV_K 0x34
#define LD_IMM 0x00

#define RET_KILL_PROCESS 0x80000000U
#define RET_KILL_THREAD 0x0U
#define RET_TRAP 0x00030000U
#define RET_ERRNO 0x00050000U
#define RET_USER_NOTIF 0x7fc00000U
#define RET_TRACE 0x7ff00000U
#define RET_LOG 0x7ffc0000U
#define RET_ALLOW 0x7fff0000U

#define SET_STRICT 0
#define SET_FILTER 1
#define ACTION_AVAIL 2
#define FLAG_TSYNC 1
#define FLAG_TSYNC_ESRCH 16

#define NR offsetof(struct sdata, nr)
#define BAD ((void *)16)

static long install(unsigned flags, struct insn *f, unsigned n)
{
	struct prog p = { (unsigned short)n, f };
	return syscall(SYS_seccomp, SET_FILTER, flags, &p);
}

/* a filter: syscall nr gets action, the rest are allowed */
static long deny(unsigned flags, long nr, uint32_t action)
{
	struct insn f[] = {
		STMT(LD_W_ABS, NR),
		JUMP(JEQ_K, (uint32_t)nr, 0, 1),
		STMT(RET_K, action),
		STMT(RET_K, RET_ALLOW),
	};
	return install(flags, f, 4);
}

static bool fails(long rc, int e)
{
	return rc == -1 && errno == e;
}

static int in_child(void (*fn)(void))
{
	pid_t kid = fork();
	if (kid == 0) {
		fn();
		_exit(0);
	}
	int st = 0;
	if (waitpid(kid, &st, 0) != kid)
		return -1;
	return st;
}

static void checker(void)
{
	struct insn ok[] = { STMT(RET_K, RET_ALLOW) };
	struct insn f[8];
	/* a jump offset that would go back one wraps past the end */
	struct insn back[] = { STMT(LD_IMM, 0), STMT(JA, 0xffffffffU), STMT(RET_K, RET_ALLOW) };
	CHECK(fails(install(0, back, 3), EINVAL));
	struct insn jt[] = { STMT(LD_W_ABS, NR), JUMP(JEQ_K, 1, 1, 0), STMT(RET_K, RET_ALLOW) };
	CHECK(fails(install(0, jt, 3), EINVAL));
	struct insn far[] = { STMT(LD_W_ABS, 64), STMT(RET_K, RET_ALLOW) };
	CHECK(fails(install(0, far, 2), EINVAL));
	far[0].k = 61;
	CHECK(fails(install(0, far, 2), EINVAL));
	far[0].k = 2;		/* unaligned */
	CHECK(fails(install(0, far, 2), EINVAL));
	far[0].k = 0xfffffffcU;
	CHECK(fails(install(0, far, 2), EINVAL));
	far[0].code = LD_B_ABS;	/* packet byte loads: not for seccomp */
	far[0].k = 0;
	CHECK(fails(install(0, far, 2), EINVAL));
	struct insn mem[] = { STMT(LD_MEM, 3), STMT(RET_K, RET_ALLOW) };
	CHECK(fails(install(0, mem, 2), EINVAL));
	/* written on one path only */
	struct insn mem2[] = { STMT(LD_W_ABS, NR), JUMP(JEQ_K, 1, 0, 1), STMT(ST, 3),
			       STMT(LD_MEM, 3), STMT(RET_K, RET_ALLOW) };
	CHECK(fails(install(0, mem2, 5), EINVAL));
	struct insn st16[] = { STMT(ST, 16), STMT(RET_K, RET_ALLOW) };
	CHECK(fails(install(0, st16, 2), EINVAL));
	struct insn div0[] = { STMT(DIV_K, 0), STMT(RET_K, RET_ALLOW) };
	CHECK(fails(install(0, div0, 2), EINVAL));
	struct insn noret[] = { STMT(LD_W_ABS, NR) };
	CHECK(fails(install(0, noret, 1), EINVAL));
	struct insn badop[] = { STMT(0xffff, 0), STMT(RET_K, RET_ALLOW) };
	CHECK(fails(install(0, badop, 2), EINVAL));
	CHECK(fails(install(0, ok, 0), EINVAL));
	static struct insn big[4097];
	for (int i = 0; i < 4097; i++)
		big[i] = (struct insn)STMT(RET_K, RET_ALLOW);
	CHECK(fails(install(0, big, 4097), EINVAL));
	CHECK(fails(install(0, BAD, 2), EFAULT));
	CHECK(fails(syscall(SYS_seccomp, SET_FILTER, 0, BAD), EFAULT));
	CHECK(fails(syscall(SYS_seccomp, SET_FILTER, 0, NULL), EFAULT));
	CHECK(fails(install(0x80, ok, 1), EINVAL));
	CHECK(fails(install(4 /* SPEC_ALLOW */, ok, 1), EINVAL));
	CHECK(fails(install(8 /* NEW_LISTENER */, ok, 1), EINVAL));
	(void)f;

	/* a valid memory use: written on both paths */
	struct insn mem3[] = { STMT(LD_W_ABS, NR), JUMP(JEQ_K, 1, 0, 1), STMT(ST, 3), STMT(ST, 3),
			       STMT(LD_MEM, 3), STMT(RET_K, RET_ALLOW) };
	mem3[2].code = ST;
	CHECK(install(0, mem3, 6) == 0 || errno == EACCES);	/* EACCES: no NNP yet */
}

static void unprivileged(void)
{
	struct insn ok[] = { STMT(RET_K, RET_ALLOW) };
	if (setuid(65534))
		_exit(2);
	if (!fails(install(0, ok, 1), EACCES))
		_exit(3);
	if (!fails(prctl(PR_SET_SECCOMP, 2, &(struct prog){ 1, ok }), EACCES))
		_exit(4);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || install(0, ok, 1))
		_exit(5);
	_exit(prctl(PR_GET_SECCOMP) == 2 ? 0 : 6);
}

static volatile int trapped, trap_nr, trap_errno, trap_arch;
static volatile uintptr_t trap_addr;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	trapped++;
	trap_nr = si->si_syscall;
	trap_errno = si->si_errno;
	trap_arch = (int)si->si_arch;
	trap_addr = (uintptr_t)si->si_call_addr;
}

static void actions(void)
{
	/* ERRNO, capped */
	if (deny(0, SYS_getppid, RET_ERRNO | 1) || !fails(syscall(SYS_getppid), EPERM))
		_exit(2);
	if (deny(0, SYS_getuid, RET_ERRNO | 0xffff) || !fails(syscall(SYS_getuid), 4095))
		_exit(3);
	/* TRACE without a tracer */
	if (deny(0, SYS_getgid, RET_TRACE) || !fails(syscall(SYS_getgid), ENOSYS))
		_exit(4);
	/* LOG runs the call */
	if (deny(0, SYS_getpid, RET_LOG) || syscall(SYS_getpid) != getpid())
		_exit(5);
	/* TRAP: SIGSYS, the call does not run */
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	sigaction(SIGSYS, &sa, NULL);
	if (deny(0, SYS_dup, RET_TRAP | 42))
		_exit(6);
	long rc = syscall(SYS_dup, 0);
	if (trapped != 1 || trap_nr != SYS_dup || trap_errno != 42 || trap_arch != (int)0xc000003e ||
	    !trap_addr)
		_exit(7);
	if (rc != SYS_dup)	/* rax as it was: the call's number */
		_exit(8);
	/* stacking: the older ERRNO(EPERM) against a newer ALLOW of getppid */
	struct insn allow[] = { STMT(RET_K, RET_ALLOW) };
	if (install(0, allow, 1) || !fails(syscall(SYS_getppid), EPERM))
		_exit(9);
	/* equal actions: the newest filter's data */
	if (deny(0, SYS_getppid, RET_ERRNO | ENOENT) || !fails(syscall(SYS_getppid), ENOENT))
		_exit(10);
	/* more restrictive wins whatever the order */
	if (deny(0, SYS_getppid, RET_TRAP) || syscall(SYS_getppid) != SYS_getppid || trapped != 2)
		_exit(11);
	if (prctl(PR_GET_SECCOMP) != 2)
		_exit(12);
	/* kept across fork */
	pid_t kid = fork();
	if (kid == 0)
		_exit(fails(syscall(SYS_getuid), 4095) ? 0 : 1);
	int st;
	if (waitpid(kid, &st, 0) != kid || !WIFEXITED(st) || WEXITSTATUS(st))
		_exit(13);
	/* kept across execve: the new image's getuid is still refused */
	kid = fork();
	if (kid == 0) {
		char *argv[] = { "/tests/seccomp_filter", "exec-check", NULL };
		execv(argv[0], argv);
		_exit(99);
	}
	if (waitpid(kid, &st, 0) != kid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		_exit(14);
	/* strict mode after filters: EINVAL */
	if (!fails(syscall(SYS_seccomp, SET_STRICT, 0, NULL), EINVAL))
		_exit(15);
	_exit(0);
}

static void kill_thread_alone(void)
{
	deny(0, SYS_getppid, RET_KILL_THREAD);
	syscall(SYS_getppid);
	_exit(1);
}

static void kill_unknown(void)
{
	deny(0, SYS_getppid, 0x00aa0000U);
	syscall(SYS_getppid);
	_exit(1);
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void kill_process(void)
{
	pthread_t th;
	if (pthread_create(&th, NULL, sleeper, NULL))
		_exit(2);
	deny(0, SYS_getppid, RET_KILL_PROCESS);
	syscall(SYS_getppid);
	_exit(1);
}

static volatile int victim_started;

static void *victim(void *arg)
{
	(void)arg;
	deny(0, SYS_getppid, RET_KILL_THREAD);
	victim_started = 1;
	syscall(SYS_getppid);	/* ends this thread only */
	victim_started = 2;
	return NULL;
}

static void kill_one_thread(void)
{
	pthread_t th;
	if (pthread_create(&th, NULL, victim, NULL))
		_exit(2);
	while (victim_started == 0)
		sched_yield();
	for (int i = 0; i < 200; i++)
		usleep(1000);
	/* still alive, unfiltered, and the victim never came back */
	_exit(victim_started == 1 && syscall(SYS_getppid) == getppid() ? 0 : 3);
}

static volatile int sib_stop, sib_ppid_bad, sib_uid_refused, sib_calls, sib_tid;

static void *sibling(void *arg)
{
	(void)arg;
	sib_tid = gettid();
	while (!sib_stop) {
		if (syscall(SYS_getppid) < 0)
			sib_ppid_bad++;
		if (fails(syscall(SYS_getuid), EPERM))
			sib_uid_refused = 1;
		sib_calls++;
	}
	return NULL;
}

static void threads(void)
{
	pthread_t th;
	if (pthread_create(&th, NULL, sibling, NULL))
		_exit(2);
	while (sib_calls < 100)
		sched_yield();
	/* this thread's filter only */
	for (int i = 0; i < 50; i++)
		if (deny(0, SYS_getppid, RET_ERRNO | EPERM))
			_exit(3);
	if (!fails(syscall(SYS_getppid), EPERM))
		_exit(4);
	int c = sib_calls;
	while (sib_calls < c + 1000)
		sched_yield();
	if (sib_ppid_bad)
		_exit(5);
	/* TSYNC: the sibling's filters (none) are in our chain */
	if (deny(FLAG_TSYNC, SYS_getuid, RET_ERRNO | EPERM))
		_exit(6);
	for (int i = 0; i < 5000 && !sib_uid_refused; i++)
		usleep(1000);
	if (!sib_uid_refused || !sib_ppid_bad)	/* it has all our filters now */
		_exit(7);
	sib_stop = 1;
	pthread_join(th, NULL);
	_exit(0);
}

static volatile int other_tid, other_go;

static void *own_filter(void *arg)
{
	(void)arg;
	deny(0, SYS_getgid, RET_ERRNO | 1);
	other_tid = gettid();
	while (!other_go)
		usleep(1000);
	return NULL;
}

static void tsync_conflict(void)
{
	pthread_t th;
	if (pthread_create(&th, NULL, own_filter, NULL))
		_exit(2);
	while (!other_tid)
		sched_yield();
	long rc = deny(FLAG_TSYNC, SYS_getuid, RET_ERRNO | 1);
	if (rc != other_tid)
		_exit(3);
	if (!fails(deny(FLAG_TSYNC | FLAG_TSYNC_ESRCH, SYS_getuid, RET_ERRNO | 1), ESRCH))
		_exit(4);
	if (getuid() != 0 && getuid() != (uid_t)-1)	/* nothing was installed */
		_exit(5);
	other_go = 1;
	pthread_join(th, NULL);
	_exit(0);
}

static void path_limit(void)
{
	static struct insn big[4096];
	int n = 0;
	for (int i = 0; i < 4096; i++)
		big[i] = (struct insn)STMT(RET_K, RET_ALLOW);
	while (n < 20 && install(0, big, 4096) == 0)
		n++;
	_exit(n == 7 && errno == ENOMEM ? 0 : 1);
}

static void many_filters(void)
{
	for (int i = 0; i < 300; i++)
		if (deny(0, SYS_getppid, RET_ERRNO | 1))
			_exit(2);
	_exit(fails(syscall(SYS_getppid), 1) ? 0 : 3);
}

static void avail(void)
{
	uint32_t ok[] = { RET_KILL_PROCESS, RET_KILL_THREAD, RET_TRAP, RET_ERRNO, RET_TRACE,
			  RET_LOG, RET_ALLOW };
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK(syscall(SYS_seccomp, ACTION_AVAIL, 0, &ok[i]) == 0);
	uint32_t no = 0x00aa0000U;
	CHECK(fails(syscall(SYS_seccomp, ACTION_AVAIL, 0, &no), EOPNOTSUPP));
	no = RET_USER_NOTIF;
	CHECK(fails(syscall(SYS_seccomp, ACTION_AVAIL, 0, &no), EOPNOTSUPP));
	CHECK(fails(syscall(SYS_seccomp, ACTION_AVAIL, 1, &ok[0]), EINVAL));
	CHECK(fails(syscall(SYS_seccomp, ACTION_AVAIL, 0, BAD), EFAULT));
}

int main(int argc, char **argv)
{
	if (argc > 1)	/* after execve, under the filters of actions() */
		return fails(syscall(SYS_getuid), 4095) && prctl(PR_GET_SECCOMP) == 2 ? 0 : 1;
	avail();
	int st = in_child(checker);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = in_child(unprivileged);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);	/* for the children below */
	st = in_child(checker);	/* now with no_new_privs: the valid one installs */
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = in_child(actions);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "actions: status %#x\n", st);
	st = in_child(kill_thread_alone);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	st = in_child(kill_unknown);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	st = in_child(kill_process);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	st = in_child(kill_one_thread);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = in_child(threads);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "threads: status %#x\n", st);
	st = in_child(tsync_conflict);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = in_child(path_limit);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	long long before = meminfo("KernelHeap");
	for (int i = 0; i < 30; i++) {
		st = in_child(many_filters);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	long long after = meminfo("KernelHeap");
	if (before >= 0 && after >= 0 && after - before >= 512 * 1024) {
		CHECK(after - before < 512 * 1024);
		fprintf(stderr, "heap %lld -> %lld\n", before, after);
	}
	/* this process itself stays unfiltered */
	CHECK(prctl(PR_GET_SECCOMP) == 0 && syscall(SYS_getppid) == getppid());
	return check_done();
}
