#define _GNU_SOURCE
/*
 * signalfd: signals read as records instead of handled, from the
 * attacker's side too:
 *  - EAGAIN when nothing of the mask is pending; a kill makes it readable
 *    (poll and epoll), and read returns signo, code and the sender's pid;
 *    a signal outside the mask stays pending; changing the mask through
 *    the same fd; several signals in one read; a record-sized buffer only;
 *  - EINVAL for a bad size, bad flags, a non-signalfd fd; EBADF; EFAULT;
 *  - a blocking read in one thread is woken by another process's kill;
 *  - a thread-directed signal (tgkill) is read by that thread.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "signalfd"
#include "check.h"

static int sfd_blocking;
static volatile int got_signo;

static void *reader(void *arg)
{
	struct signalfd_siginfo si;

	(void)arg;
	if (read(sfd_blocking, &si, sizeof(si)) == sizeof(si))
		got_signo = (int)si.ssi_signo;
	return NULL;
}

static pid_t thread_tid;
static volatile int thread_read;

static void *tid_reader(void *arg)
{
	int fd = *(int *)arg;
	struct signalfd_siginfo si;
	struct pollfd p = { fd, POLLIN, 0 };

	thread_tid = (pid_t)syscall(SYS_gettid);
	if (poll(&p, 1, 5000) == 1 && read(fd, &si, sizeof(si)) == sizeof(si))
		thread_read = (int)si.ssi_signo;
	return NULL;
}

int main(void)
{
	sigset_t set, one;
	struct signalfd_siginfo si[2];

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGWINCH);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);

	int fd = signalfd(-1, &one, SFD_NONBLOCK | SFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(read(fd, si, sizeof(si[0])) == -1 && errno == EAGAIN);
	struct pollfd p = { fd, POLLIN, 0 };
	CHECK(poll(&p, 1, 0) == 0);

	/* one signal: readable, a record with the sender */
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(poll(&p, 1, 1000) == 1 && (p.revents & POLLIN));
	CHECK(read(fd, si, sizeof(si[0]) - 1) == -1 && errno == EINVAL);	/* too small */
	CHECK(read(fd, si, sizeof(si)) == sizeof(si[0]));
	CHECK(si[0].ssi_signo == SIGUSR1 && si[0].ssi_code == SI_USER &&
	      si[0].ssi_pid == (uint32_t)getpid());
	CHECK(read(fd, si, sizeof(si)) == -1 && errno == EAGAIN);	/* taken */

	/* outside the mask: stays pending, for sigpending to see */
	CHECK(kill(getpid(), SIGUSR2) == 0);
	CHECK(read(fd, si, sizeof(si)) == -1 && errno == EAGAIN);
	sigset_t pend;
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR2));
	/* the mask changed through the same fd: now it is ours */
	CHECK(signalfd(fd, &set, 0) == fd);
	CHECK(read(fd, si, sizeof(si)) == sizeof(si[0]) && si[0].ssi_signo == SIGUSR2);

	/* two at once, in one read */
	CHECK(kill(getpid(), SIGUSR1) == 0 && kill(getpid(), SIGWINCH) == 0);
	CHECK(read(fd, si, sizeof(si)) == 2 * sizeof(si[0]));
	CHECK(si[0].ssi_signo == SIGUSR1 && si[1].ssi_signo == SIGWINCH);

	/* hostile arguments */
	CHECK(syscall(SYS_signalfd4, -1, &set, 4, 0) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_signalfd4, -1, &set, 8, 0x1) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_signalfd4, -1, (void *)8, 8, 0) == -1 && errno == EFAULT);
	int pp[2];
	CHECK(pipe(pp) == 0);
	CHECK(signalfd(pp[0], &set, 0) == -1 && errno == EINVAL);
	CHECK(signalfd(999, &set, 0) == -1 && errno == EBADF);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(read(fd, (void *)8, sizeof(si[0])) == -1 && errno == EFAULT);

	/* epoll sees it */
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 7 }, out;
	CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	CHECK(epoll_wait(ep, &out, 1, 0) == 0);
	CHECK(kill(getpid(), SIGUSR2) == 0);
	CHECK(epoll_wait(ep, &out, 1, 1000) == 1 && out.data.u32 == 7);
	CHECK(read(fd, si, sizeof(si)) == sizeof(si[0]));

	/* a blocking read in a thread, woken by another process's kill */
	sfd_blocking = signalfd(-1, &one, 0);
	CHECK(sfd_blocking >= 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, reader, NULL) == 0);
	pid_t parent = getpid(), c = fork();
	if (c == 0) {
		usleep(100000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	alarm(10);
	CHECK(pthread_join(t, NULL) == 0);
	alarm(0);
	CHECK(got_signo == SIGUSR1);
	CHECK(waitpid(c, NULL, 0) == c);

	/* tgkill: the named thread reads it from its own set */
	int tfd = signalfd(-1, &one, SFD_NONBLOCK);
	CHECK(tfd >= 0);
	CHECK(pthread_create(&t, NULL, tid_reader, &tfd) == 0);
	while (!thread_tid)
		usleep(1000);
	CHECK(syscall(SYS_tgkill, getpid(), thread_tid, SIGUSR1) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(thread_read == SIGUSR1);
	CHECK(read(tfd, si, sizeof(si)) == -1 && errno == EAGAIN);	/* not ours */

	printf("# signalfd: %d checks failed\n", failures);
	return check_done();
}
