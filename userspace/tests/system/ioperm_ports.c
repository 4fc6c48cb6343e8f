/*
 * ioperm(2) and iopl(2), from the attacker's side:
 * - ranges: num 0, a wrap, past 0xffff are EINVAL; ranges ending at
 *   0xffff and crossing 0x3ff work; unprivileged callers may drop but
 *   not raise (EPERM); iopl > 3 is EINVAL;
 * - a port is usable exactly while granted: before ioperm, a neighbour
 *   of a granted port, after the revoke, a word access at 0xffff (its
 *   second byte is port 0x10000) all fault with SIGSEGV;
 * - per thread: a sibling that did not ask faults; fork shares and a
 *   change in the child leaves the parent's alone; execve keeps them;
 * - a context switch to a task without ports takes them away (two
 *   processes taking turns on the CPUs);
 * - iopl(3) opens every port but not cli; iopl(0) closes them again;
 * - no leak over many forks.
 */
#define _GNU_SOURCE
#define TEST_NAME "ioperm_ports"
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include "check.h"

static sigjmp_buf jb;
static volatile int faults;

static void on_segv(int sig)
{
	(void)sig;
	faults++;
	siglongjmp(jb, 1);
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %w1, %b0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %w1, %w0" : "=a"(v) : "Nd"(port));
	return v;
}

/* 1 if reading the port worked, 0 if it faulted */
static int can_in(uint16_t port, bool word)
{
	if (sigsetjmp(jb, 1))
		return 0;
	if (word)
		(void)inw(port);
	else
		(void)inb(port);
	return 1;
}

static int can_cli(void)
{
	if (sigsetjmp(jb, 1))
		return 0;
	__asm__ volatile("cli; sti");
	return 1;
}

static long ioperm_(unsigned long from, unsigned long num, int on)
{
	return syscall(SYS_ioperm, from, num, on);
}

static long iopl_(long level)
{
	return syscall(SYS_iopl, level);
}

static bool fails(long rc, int e)
{
	return rc == -1 && errno == e;
}

static void ranges(void)
{
	CHECK(fails(ioperm_(0x80, 0, 1), EINVAL));
	CHECK(fails(ioperm_(0xfffe, 3, 1), EINVAL));
	CHECK(fails(ioperm_(0x10000, 1, 1), EINVAL));
	CHECK(fails(ioperm_(~0UL, 2, 1), EINVAL));
	CHECK(fails(ioperm_(1, ~0UL, 1), EINVAL));
	CHECK(fails(iopl_(4), EINVAL));
	CHECK(fails(iopl_(-1), EINVAL));
	CHECK(ioperm_(0x3fe, 3, 1) == 0);	/* 0x3fe..0x400: crosses 0x3ff */
	CHECK(can_in(0x3ff, false) && can_in(0x400, false));
	CHECK(!can_in(0x3fd, false) && !can_in(0x401, false));
	CHECK(ioperm_(0xfffd, 3, 1) == 0);	/* up to the last port */
	CHECK(can_in(0xffff, false) && can_in(0xfffe, true));
	CHECK(!can_in(0xffff, true));		/* its second byte is port 0x10000 */
	CHECK(ioperm_(0x3fe, 3, 0) == 0 && ioperm_(0xfffd, 3, 0) == 0);
	CHECK(!can_in(0x3ff, false) && !can_in(0xffff, false));
}

static void grant_revoke(void)
{
	CHECK(!can_in(0x80, false));
	CHECK(ioperm_(0x80, 1, 1) == 0);
	CHECK(can_in(0x80, false));
	CHECK(!can_in(0x81, false) && !can_in(0x7f, false));
	CHECK(!can_in(0x80, true));		/* a word needs 0x81 too */
	for (int i = 0; i < 200; i++) {		/* across context switches */
		sched_yield();
		if (!can_in(0x80, false)) {
			CHECK(!"lost the port over a switch");
			break;
		}
	}
	CHECK(ioperm_(0x80, 1, 0) == 0);
	CHECK(!can_in(0x80, false));
	CHECK(ioperm_(0x80, 1, 0) == 0);	/* again: nothing to drop */
}

static volatile int sib_result = -1, sib_go;

static void *sibling(void *arg)
{
	(void)arg;
	while (!sib_go)
		sched_yield();
	sib_result = can_in(0x80, false);
	return NULL;
}

static void *granted_thread(void *arg)
{
	(void)arg;
	sib_result = can_in(0x80, false);
	return NULL;
}

static void threads_fork_exec(void)
{
	pthread_t th;
	CHECK(pthread_create(&th, NULL, sibling, NULL) == 0);
	CHECK(ioperm_(0x80, 1, 1) == 0);
	sib_go = 1;
	pthread_join(th, NULL);
	CHECK(sib_result == 0);			/* not the sibling's */
	sib_result = -1;
	CHECK(pthread_create(&th, NULL, granted_thread, NULL) == 0);
	pthread_join(th, NULL);
	CHECK(sib_result == 1);			/* a new thread's from its creator */

	pid_t kid = fork();
	if (kid == 0) {
		int ok = can_in(0x80, false);
		ioperm_(0x80, 1, 0);
		_exit(ok && !can_in(0x80, false) ? 0 : 1);
	}
	int st;
	CHECK(waitpid(kid, &st, 0) == kid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(can_in(0x80, false));		/* the child's change was its own */

	kid = fork();
	if (kid == 0) {
		char *argv[] = { "/tests/ioperm_ports", "exec-check", NULL };
		execv(argv[0], argv);
		_exit(99);
	}
	CHECK(waitpid(kid, &st, 0) == kid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(ioperm_(0x80, 1, 0) == 0);
}

/* Two processes taking turns: the one without ports never gets any. */
static void switches(void)
{
	int go[2];
	CHECK(pipe(go) == 0);
	pid_t with = fork();
	if (with == 0) {
		ioperm_(0x80, 1, 1);
		for (int i = 0; i < 3000; i++) {
			sched_yield();
			if (!can_in(0x80, false))
				_exit(1);
		}
		_exit(0);
	}
	pid_t without = fork();
	if (without == 0) {
		for (int i = 0; i < 3000; i++) {
			sched_yield();
			if (can_in(0x80, false))
				_exit(1);
		}
		_exit(0);
	}
	int st;
	CHECK(waitpid(with, &st, 0) == with && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(waitpid(without, &st, 0) == without && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(go[0]);
	close(go[1]);
}

static void iopl_all(void)
{
	CHECK(iopl_(3) == 0);
	CHECK(can_in(0x80, false) && can_in(0x1234, true) && can_in(0xffff, false));
	CHECK(!can_cli());			/* ports only, not interrupts */
	CHECK(iopl_(0) == 0);
	CHECK(!can_in(0x80, false) && !can_in(0x1234, false));
}

static void unprivileged(void)
{
	pid_t kid = fork();
	if (kid == 0) {
		if (ioperm_(0x80, 1, 1) || iopl_(3))
			_exit(2);
		if (setuid(65534))
			_exit(3);
		if (!fails(ioperm_(0x90, 1, 1), EPERM) || ioperm_(0x80, 1, 0))
			_exit(4);
		if (iopl_(2) || !fails(iopl_(3), EPERM) || iopl_(0) || !fails(iopl_(1), EPERM))
			_exit(5);
		_exit(can_in(0x1234, false) || can_in(0x80, false) ? 6 : 0);
	}
	int st;
	CHECK(waitpid(kid, &st, 0) == kid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "unprivileged: status %#x\n", st);
}

static void leaks(void)
{
	long long before = meminfo("KernelHeap");
	CHECK(ioperm_(0x80, 1, 1) == 0);
	for (int i = 0; i < 100; i++) {
		pid_t kid = fork();
		if (kid == 0) {
			ioperm_(0x90 + (i & 7), 1, 1);	/* a copy of its own */
			_exit(0);
		}
		int st;
		waitpid(kid, &st, 0);
	}
	CHECK(ioperm_(0x80, 1, 0) == 0);
	long long after = meminfo("KernelHeap");
	if (before >= 0 && after >= 0 && after - before >= 256 * 1024) {
		CHECK(after - before < 256 * 1024);
		fprintf(stderr, "heap %lld -> %lld\n", before, after);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_segv, .sa_flags = SA_NODEFER };
	sigaction(SIGSEGV, &sa, NULL);
	if (argc > 1)	/* after execve: still granted */
		return can_in(0x80, false) && !can_in(0x81, false) ? 0 : 1;
	ranges();
	grant_revoke();
	threads_fork_exec();
	switches();
	iopl_all();
	unprivileged();
	leaks();
	return check_done();
}
