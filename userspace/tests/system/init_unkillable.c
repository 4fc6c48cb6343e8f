/*
 * An init takes no default action but SIGKILL's and SIGSTOP's: a signal
 * it had blocked when it was sent is kept (for sigtimedwait), but once
 * unblocked with no handler it must be dropped, not kill it. Checked on
 * a PID namespace's init: its child sends it SIGTERM and SIGUSR1 while
 * both are blocked, then init unblocks them and must live on. Its own
 * fault still kills it (a SIGSEGV with no handler).
 */
#define _GNU_SOURCE
#define TEST_NAME "init_unkillable"
#include "check.h"

#include <sched.h>
#include <stdint.h>
#include <signal.h>
#include <sys/syscall.h>

static volatile uintptr_t fault_addr = 8;

static int ns_init(int fault)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	pid_t c = fork();
	if (c == 0) {
		kill(1, SIGTERM);	/* the namespace's init: our parent */
		kill(1, SIGUSR1);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	sigset_t pend;
	sigpending(&pend);
	if (!sigismember(&pend, SIGTERM) || !sigismember(&pend, SIGUSR1))
		return 3;	/* blocked ones are kept */
	sigprocmask(SIG_UNBLOCK, &s, NULL);	/* delivered now: must be dropped */
	if (fault) {
		volatile int *bad = (volatile int *)(uintptr_t)fault_addr;
		*bad = 1;		/* its own fault: that kills it */
	}
	return 7;
}

static int run(int fault)
{
	pid_t p = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
	if (p == 0)
		_exit(ns_init(fault));
	if (p < 0)
		return -1;
	int st = 0;
	waitpid(p, &st, 0);
	return st;
}

int main(void)
{
	int st = run(0);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 7))
		fprintf(stderr, "init_unkillable: the namespace's init ended with status %#x\n", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	st = run(1);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	return check_done();
}
