#define _GNU_SOURCE
/*
 * waitid: Linux's answers.
 *  - a bad idtype, no WEXITED/WSTOPPED/WCONTINUED, an unknown option bit,
 *    P_PID 0: EINVAL; no child: ECHILD (and infop zeroed);
 *  - an exit, a kill, a stop and a continue each fill si_signo, si_code
 *    (CLD_*), si_pid, si_uid, si_status; WNOWAIT leaves the child to be
 *    waited for again; WNOHANG with none ready is 0 with si_pid 0;
 *  - P_PGID picks only that group's children;
 *  - an unmapped infop is EFAULT; the rusage argument is written;
 *  - two threads of the parent waiting while children exit reap each
 *    child exactly once.
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "waitid"
#include "check.h"

static long wid(int which, int id, siginfo_t *si, int opt, struct rusage *ru)
{
	return syscall(SYS_waitid, which, id, si, opt, ru);
}

static pid_t child_exit(int code)
{
	pid_t c = fork();
	if (c == 0)
		_exit(code);
	return c;
}

#define NKIDS 24
static int reaped[NKIDS * 2], nreaped;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *reaper(void *arg)
{
	(void)arg;
	for (;;) {
		siginfo_t si;
		if (wid(P_ALL, 0, &si, WEXITED, NULL) < 0)
			break;	/* ECHILD: all gone */
		pthread_mutex_lock(&mu);
		reaped[nreaped++] = si.si_pid;
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void race(void)
{
	pid_t kids[NKIDS];
	pthread_t t[2];

	for (int i = 0; i < NKIDS; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			usleep(1000 * (i % 5));
			_exit(i);
		}
	}
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, reaper, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(nreaped == NKIDS);
	for (int i = 0; i < NKIDS; i++) {
		int n = 0;
		for (int k = 0; k < nreaped; k++)
			n += reaped[k] == kids[i];
		CHECK(n == 1);
	}
}

int main(void)
{
	siginfo_t si;
	struct rusage ru;

	memset(&si, 0x55, sizeof(si));
	CHECK(wid(P_ALL, 0, &si, WEXITED, NULL) == -1 && errno == ECHILD);
	CHECK(si.si_pid == 0 && si.si_signo == 0 && si.si_code == 0);
	CHECK(wid(7, 0, &si, WEXITED, NULL) == -1 && errno == EINVAL);
	CHECK(wid(-1, 0, &si, WEXITED, NULL) == -1 && errno == EINVAL);
	CHECK(wid(P_ALL, 0, &si, 0, NULL) == -1 && errno == EINVAL);
	CHECK(wid(P_ALL, 0, &si, WNOHANG, NULL) == -1 && errno == EINVAL);
	CHECK(wid(P_ALL, 0, &si, WEXITED | 0x100, NULL) == -1 && errno == EINVAL);
	CHECK(wid(P_PID, 0, &si, WEXITED, NULL) == -1 && errno == EINVAL);
	CHECK(wid(P_PGID, -1, &si, WEXITED, NULL) == -1 && errno == EINVAL);

	/* an exit, seen twice with WNOWAIT */
	pid_t c = child_exit(42);
	memset(&si, 0, sizeof(si));
	CHECK(wid(P_PID, c, &si, WEXITED | WNOWAIT, NULL) == 0);
	CHECK(si.si_signo == SIGCHLD && si.si_code == CLD_EXITED && si.si_pid == c &&
	      si.si_status == 42 && si.si_uid == getuid());
	memset(&si, 0, sizeof(si));
	memset(&ru, 0x55, sizeof(ru));
	CHECK(wid(P_PID, c, &si, WEXITED, &ru) == 0);
	CHECK(si.si_pid == c && si.si_status == 42 && si.si_code == CLD_EXITED);
	CHECK(ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000 && ru.ru_nsignals == 0);
	CHECK(wid(P_PID, c, &si, WEXITED, NULL) == -1 && errno == ECHILD);

	/* a kill */
	c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	memset(&si, 0x55, sizeof(si));
	CHECK(wid(P_PID, c, &si, WEXITED | WNOHANG, NULL) == 0 && si.si_pid == 0);
	kill(c, SIGKILL);
	CHECK(wid(P_ALL, 0, &si, WEXITED, NULL) == 0);
	CHECK(si.si_pid == c && si.si_code == CLD_KILLED && si.si_status == SIGKILL);

	/* a stop, a continue, then the end */
	c = fork();
	if (c == 0) {
		raise(SIGSTOP);
		_exit(7);
	}
	CHECK(wid(P_PID, c, &si, WSTOPPED, NULL) == 0);
	CHECK(si.si_pid == c && si.si_code == CLD_STOPPED && si.si_status == SIGSTOP);
	kill(c, SIGCONT);
	CHECK(wid(P_PID, c, &si, WCONTINUED, NULL) == 0);
	CHECK(si.si_pid == c && si.si_code == CLD_CONTINUED && si.si_status == SIGCONT);
	CHECK(wid(P_PID, c, &si, WEXITED, NULL) == 0);
	CHECK(si.si_code == CLD_EXITED && si.si_status == 7);

	/* P_PGID: only that group */
	c = fork();
	if (c == 0) {
		setpgid(0, 0);
		usleep(20000);
		_exit(3);
	}
	setpgid(c, c);
	CHECK(wid(P_PGID, getpgrp(), &si, WEXITED, NULL) == -1 && errno == ECHILD);
	CHECK(wid(P_PGID, c, &si, WEXITED, NULL) == 0 && si.si_pid == c);

	/* an unmapped infop: EFAULT (the child is reaped, as on Linux) */
	c = child_exit(1);
	CHECK(wid(P_PID, c, (siginfo_t *)8, WEXITED, NULL) == -1 && errno == EFAULT);
	CHECK(wid(P_PID, c, (siginfo_t *)8, WEXITED, NULL) == -1 && errno == EFAULT);
	CHECK(wid(P_PID, c, &si, WEXITED | WNOHANG, NULL) == -1 && errno == ECHILD);
	c = child_exit(1);
	CHECK(wid(P_PID, c, &si, WEXITED, (struct rusage *)8) == -1 && errno == EFAULT);

	race();
	return check_done();
}
