/*
 * Review of "fatal signals kill at once" (signal.c fatal_now): the
 * programs it must not break. A traced child's SIGTERM stops it for its
 * tracer (who may suppress it); sigwaitinfo and signalfd take a blocked
 * SIGTERM; a vfork child's death by SIGTERM frees its parent; waitid
 * reports CLD_KILLED / SIGTERM; a handler installed before the signal
 * runs; a multi-threaded target with the signal blocked in every
 * thread survives a process-directed SIGTERM that one thread takes with
 * sigwaitinfo.
 */
#define _GNU_SOURCE
#define TEST_NAME "sig_fatal_users"
#include "check.h"
#include <pthread.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>

static volatile sig_atomic_t got;
static void on_term(int s) { got = s; }

static void *blocker(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(void)
{
	int st;
	pid_t pid;

	/* ptrace: the tracer sees SIGTERM and suppresses it */
	pid = fork();
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGTERM);
		_exit(42);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTERM);
	ptrace(PTRACE_CONT, pid, 0, 0);	/* suppressed */
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 42);

	/* sigwaitinfo on a blocked SIGTERM sent from outside */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	int p[2];
	CHECK(pipe(p) == 0);
	pid = fork();
	if (pid == 0) {
		sigprocmask(SIG_BLOCK, &set, NULL);
		pthread_t th;
		pthread_create(&th, NULL, blocker, NULL);	/* blocks it too */
		write(p[1], "r", 1);
		siginfo_t si;
		int s = sigwaitinfo(&set, &si);
		_exit(s == SIGTERM ? 7 : 8);
	}
	char c;
	read(p[0], &c, 1);
	kill(pid, SIGTERM);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7);

	/* signalfd */
	pid = fork();
	if (pid == 0) {
		sigprocmask(SIG_BLOCK, &set, NULL);
		int fd = signalfd(-1, &set, 0);
		write(p[1], "r", 1);
		struct signalfd_siginfo ssi;
		_exit(read(fd, &ssi, sizeof(ssi)) == sizeof(ssi) && ssi.ssi_signo == SIGTERM ? 7 : 8);
	}
	read(p[0], &c, 1);
	kill(pid, SIGTERM);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7);

	/* a handler installed before the signal runs */
	pid = fork();
	if (pid == 0) {
		signal(SIGTERM, on_term);
		write(p[1], "r", 1);
		while (!got)
			pause();
		_exit(7);
	}
	read(p[0], &c, 1);
	kill(pid, SIGTERM);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7);

	/* vfork child killed: the parent goes on; waitid's report */
	pid = vfork();
	if (pid == 0) {	/* not raise(): musl's names the parent's tid here */
		syscall(SYS_kill, syscall(SYS_getpid), SIGTERM);
		_exit(1);
	}
	siginfo_t si = { 0 };
	CHECK(waitid(P_PID, pid, &si, WEXITED) == 0 && si.si_code == CLD_KILLED &&
	      si.si_status == SIGTERM && si.si_pid == pid);

	/* SIGALRM from the kernel, default action */
	pid = fork();
	if (pid == 0) {
		alarm(1);
		for (;;)
			pause();
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM);
	return check_done();
}
