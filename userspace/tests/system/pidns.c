#define _GNU_SOURCE
/*
 * pidns: PID namespaces (docs/namespaces.md) from a hostile caller's side:
 *  - clone(CLONE_NEWPID): the child is 1 there, its parent 0; getpid,
 *    gettid, /proc/self, /proc/1 as the namespace numbers them; the
 *    parent's number (another namespace's) given to kill, waitid and
 *    pidfd_open from inside: ESRCH, ECHILD, ESRCH;
 *  - nesting: a grandchild has 2 inside, a pid in each namespace above;
 *    NS_GET_PARENT from outside and inside (EPERM above the caller);
 *    the depth limit (32 levels: ENOSPC past it);
 *  - unshare(CLONE_NEWPID): the caller stays, pid_for_children changes,
 *    its next child is 1; twice: EINVAL; then a thread: EINVAL; a second
 *    thread of a threaded caller unsharing: EINVAL;
 *  - init: orphans come to it, it ignores signals from inside it has no
 *    handler for (si_pid of one from outside is 0), SIGKILL from outside
 *    kills it, and when it dies every process left gets SIGKILL (all gone
 *    by the time its parent can wait for it) and a later fork there is
 *    ENOMEM;
 *  - setns to a child namespace (its next fork is there), to the parent
 *    namespace from inside: EINVAL;
 *  - clone3's set_tid: bad sizes, pointers and numbers (EINVAL, EFAULT),
 *    a number in use (EEXIST), a chosen one in a new namespace, an
 *    unprivileged caller (EPERM);
 *  - churn: many namespaces made and gone, numbers reused.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "pidns"
#include "check.h"

#define NS_GET_PARENT 0xb702

static long fork_flags(unsigned long flags)
{
	return syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
}

static int gettid_(void) { return (int)syscall(SYS_gettid); }
static int pidfd_open_(int pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

static unsigned long long ino_of(const char *p)
{
	struct stat st;
	return stat(p, &st) ? 0 : (unsigned long long)st.st_ino;
}

static unsigned long long ino_fd(int fd)
{
	struct stat st;
	return fstat(fd, &st) ? 0 : (unsigned long long)st.st_ino;
}

/* The child's exit status (0 if it exited 0). */
static int wait_ok(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Is fd readable at EOF within ms (its writers gone)? */
static bool eof_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;
	return poll(&p, 1, ms) == 1 && read(fd, &c, 1) == 0;
}

/* ---- the basics */

static int outer_pid;

static int in_new_ns_basics(void)
{
	char buf[64];
	int bad = 0;
#define T(c) do { if (!(c)) { fprintf(stderr, "pidns: child line %d: %s (errno %d)\n", \
				       __LINE__, #c, errno); bad++; } } while (0)
	T(getpid() == 1);
	T(getppid() == 0);
	T(gettid_() == 1);
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
	T(n == 1 && buf[0] == '1');
	T(ino_of("/proc/1") != 0);
	T(ino_of("/proc/self/ns/pid") == ino_of("/proc/1/ns/pid"));
	/* the parent's number means nothing here */
	char path[32];
	snprintf(path, sizeof(path), "/proc/%d", outer_pid);
	errno = 0;
	T(ino_of(path) == 0 && errno == ENOENT);
	T(kill(outer_pid, 0) < 0 && errno == ESRCH);
	T(pidfd_open_(outer_pid) < 0 && errno == ESRCH);
	siginfo_t si;
	T(waitid(P_PID, outer_pid, &si, WEXITED | WNOHANG) < 0 && errno == ECHILD);
	T(getpgid(outer_pid) < 0 && errno == ESRCH);
	T(getpgid(0) == 0);	/* its group is the parent's: outside */
	/* NS_GET_PARENT above the caller's own namespace: EPERM */
	int fd = open("/proc/self/ns/pid", O_RDONLY);
	T(fd >= 0 && ioctl(fd, NS_GET_PARENT) < 0 && errno == EPERM);
	close(fd);
	/* a grandchild: 2 here; its parent is 1 */
	pid_t c = fork();
	if (c == 0)
		_exit(getpid() == 2 && getppid() == 1 ? 0 : 1);
	T(c == 2);
	T(wait_ok(c) == 0);
	/* ns_last_pid is the namespace's own; written, it picks the next */
	int fd2 = open("/proc/sys/kernel/ns_last_pid", O_RDWR);
	T(fd2 >= 0);
	n = read(fd2, buf, sizeof(buf) - 1);
	T(n == 2 && buf[0] == '2');
	T(pwrite(fd2, "99", 2, 0) == 2);
	close(fd2);
	c = fork();
	if (c == 0)
		_exit(getpid() == 100 ? 0 : 1);
	T(c == 100);
	T(wait_ok(c) == 0);
	/* F_SETOWN takes and F_GETOWN gives the namespace's number */
	int pp[2];
	T(pipe(pp) == 0);
	T(fcntl(pp[0], F_SETOWN, getpid()) == 0 && fcntl(pp[0], F_GETOWN) == 1);
	T(fcntl(pp[0], F_SETOWN, outer_pid) < 0 && errno == ESRCH);
	close(pp[0]);
	close(pp[1]);
	/* System V IPC's pids are the reader's numbers */
	int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	struct shmid_ds ds;
	T(shm >= 0 && shmctl(shm, IPC_STAT, &ds) == 0 && ds.shm_cpid == 1);
	if (shm >= 0)
		shmctl(shm, IPC_RMID, NULL);
	/* the numbers from here down: NSpid is "1" alone */
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	int found = 0;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "NSpid:", 6))
			found = !strcmp(line, "NSpid:\t1\n");
	if (f)
		fclose(f);
	T(found);
	return bad;
}

static void *tid_thread(void *arg)
{
	*(int *)arg = gettid_();
	return NULL;
}

static void test_basics(void)
{
	outer_pid = getpid();
	pid_t c = fork_flags(CLONE_NEWPID);
	if (c == 0)
		_exit(in_new_ns_basics());
	CHECK(c > 1);
	/* from outside: another namespace, whose parent is ours */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", c);
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(ino_fd(fd) != ino_of("/proc/self/ns/pid"));
	/* its NSpid from here: our number for it, then 1 */
	char want[64], line[128];
	snprintf(want, sizeof(want), "NSpid:\t%d\t1\n", c);
	snprintf(path, sizeof(path), "/proc/%d/status", c);
	FILE *st = fopen(path, "r");
	bool seen = false;
	while (st && fgets(line, sizeof(line), st))
		seen |= !strcmp(line, want);
	if (st)
		fclose(st);
	CHECK(seen);
	int pfd = ioctl(fd, NS_GET_PARENT);
	CHECK(pfd >= 0 && ino_fd(pfd) == ino_of("/proc/self/ns/pid"));
	close(pfd);
	close(fd);
	CHECK(wait_ok(c) == 0);

	/* threads inside */
	c = fork_flags(CLONE_NEWPID);
	if (c == 0) {
		pthread_t th;
		int tid = 0;
		if (pthread_create(&th, NULL, tid_thread, &tid) || pthread_join(th, NULL))
			_exit(2);
		_exit(tid == 2 ? 0 : 1);
	}
	CHECK(wait_ok(c) == 0);
}

/* ---- unshare */

static void *unshare_thread(void *arg)
{
	(void)arg;
	return (void *)(long)(unshare(CLONE_NEWPID) < 0 ? errno : 0);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static int unshare_child(void)
{
	int bad = 0;
	int me = getpid();
	T(unshare(CLONE_NEWPID) == 0);
	T(getpid() == me);
	T(ino_of("/proc/self/ns/pid") != ino_of("/proc/self/ns/pid_for_children"));
	T(unshare(CLONE_NEWPID) < 0 && errno == EINVAL);	/* twice */
	/* a thread would be in another namespace than its process */
	pthread_t th;
	T(pthread_create(&th, NULL, idle_thread, NULL) != 0);
	pid_t c = fork();
	if (c == 0)
		_exit(getpid() == 1 && getppid() == 0 ? 0 : 1);
	T(c > 1 && c != me);
	T(wait_ok(c) == 0);
	/* its init is gone: the namespace takes no one */
	errno = 0;
	T(fork() < 0 && errno == ENOMEM);
	return bad;
}

static void test_unshare(void)
{
	pid_t c = fork();
	if (c == 0)
		_exit(unshare_child());
	CHECK(wait_ok(c) == 0);

	/* a second thread asks: the process is threaded, EINVAL */
	c = fork();
	if (c == 0) {
		pthread_t a, b;
		void *rc;
		int bad = pthread_create(&a, NULL, idle_thread, NULL) ||
			  pthread_create(&b, NULL, unshare_thread, NULL) || pthread_join(b, &rc);
		_exit(bad ? 2 : (long)rc == EINVAL ? 0 : 1);
	}
	CHECK(wait_ok(c) == 0);
}

/* ---- init's life and death */

static volatile int got_sig, got_pid = -1;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_pid = si->si_pid;
}

static int init_signals(int ready_fd, int go_fd)
{
	int bad = 0;
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigaction(SIGUSR1, &sa, NULL);
	/* a member of the namespace signals its init: default actions are
	 * not taken, handled ones are, with its number */
	pid_t c = fork();
	if (c == 0) {
		kill(1, SIGTERM);
		kill(1, SIGINT);
		kill(1, SIGKILL);	/* from inside: not even this */
		kill(-1, SIGKILL);	/* everyone here but init (and us) */
		kill(1, SIGUSR1);
		_exit(0);
	}
	T(wait_ok(c) == 0);
	for (int i = 0; i < 200 && got_sig != SIGUSR1; i++)
		usleep(1000);
	T(got_sig == SIGUSR1 && got_pid == 2);
	/* orphans come to init */
	int p[2];
	T(pipe(p) == 0);
	c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			char x;
			close(p[1]);
			(void)read(p[0], &x, 1);	/* until its parent is gone */
			_exit(getppid() == 1 ? 0 : 1);
		}
		_exit(0);
	}
	T(wait_ok(c) == 0);
	close(p[0]);
	close(p[1]);	/* the orphan reads EOF: its parent is now 1 */
	int st;
	pid_t w = wait(&st);
	T(w > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	got_sig = 0;
	got_pid = -1;
	/* now the outside: tell it we are ready, it sends SIGUSR1 */
	char x = 'r';
	T(write(ready_fd, &x, 1) == 1);
	T(read(go_fd, &x, 1) == 1);
	for (int i = 0; i < 200 && got_sig != SIGUSR1; i++)
		usleep(1000);
	T(got_sig == SIGUSR1 && got_pid == 0);	/* from outside: si_pid 0 */
	return bad;
}

static void test_init_signals(void)
{
	int r[2], g[2];
	CHECK(pipe(r) == 0 && pipe(g) == 0);
	pid_t c = fork_flags(CLONE_NEWPID);
	if (c == 0)
		_exit(init_signals(r[1], g[0]));
	CHECK(c > 0);
	if (c < 0)
		return;
	char x;
	CHECK(read(r[0], &x, 1) == 1);
	CHECK(kill(c, SIGTERM) == 0);	/* no handler: dropped, from outside too */
	CHECK(kill(c, SIGUSR1) == 0);
	CHECK(write(g[1], &x, 1) == 1);
	CHECK(wait_ok(c) == 0);
	close(r[0]); close(r[1]); close(g[0]); close(g[1]);

	/* SIGKILL from outside kills it */
	c = fork_flags(CLONE_NEWPID);
	if (c == 0) {
		for (;;)
			pause();
	}
	CHECK(c > 0);
	if (c < 0)
		return;
	usleep(10000);
	CHECK(kill(c, SIGKILL) == 0);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/* init forks members that hold a pipe's write end and hang, then exits:
 * they all get SIGKILL (the pipe reads EOF). */
static void test_init_death(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t c = fork_flags(CLONE_NEWPID);
	if (c == 0) {
		close(p[0]);
		for (int i = 0; i < 3; i++) {
			if (fork() == 0) {
				signal(SIGTERM, SIG_IGN);
				if (fork() == 0)	/* and a grandchild */
					for (;;)
						pause();
				for (;;)
					pause();
			}
		}
		usleep(20000);
		_exit(0);
	}
	CHECK(c > 0);
	close(p[1]);
	CHECK(wait_ok(c) == 0);
	/* as Linux: init is waited for only once they are all gone */
	CHECK(eof_within(p[0], 0));
	close(p[0]);
}

/* ---- setns */

static void test_setns(void)
{
	int r[2];
	CHECK(pipe(r) == 0);
	pid_t c = fork_flags(CLONE_NEWPID);
	if (c == 0) {
		char x;
		close(r[1]);
		(void)read(r[0], &x, 1);
		/* a process setns'd into our namespace is our child? No: the
		 * outside's child, number 2 here; we, init, see it */
		_exit(0);
	}
	CHECK(c > 0);
	if (c < 0)
		return;
	close(r[0]);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", c);
	int nsfd = open(path, O_RDONLY);
	int mine = open("/proc/self/ns/pid", O_RDONLY);
	CHECK(nsfd >= 0 && mine >= 0);
	pid_t d = fork();
	if (d == 0) {
		int bad = 0;
		T(setns(nsfd, CLONE_NEWPID) == 0);
		T(getpid() != 1);	/* the caller stays where it is */
		pid_t e = fork();
		if (e == 0)
			_exit(getpid() == 2 && getppid() == 0 ? 0 : 1);
		T(e > 2);
		T(wait_ok(e) == 0);
		/* back up to our own: fine (our own); then from inside the
		 * child namespace, up: EINVAL */
		T(setns(mine, CLONE_NEWPID) == 0);
		T(setns(nsfd, 0) == 0);
		e = fork();
		if (e == 0)
			_exit(setns(mine, CLONE_NEWPID) < 0 && errno == EINVAL ? 0 : 1);
		T(wait_ok(e) == 0);
		_exit(bad);
	}
	CHECK(wait_ok(d) == 0);
	/* the wrong type: EINVAL */
	CHECK(setns(nsfd, CLONE_NEWUTS) < 0 && errno == EINVAL);
	close(r[1]);
	CHECK(wait_ok(c) == 0);
	close(nsfd);
	close(mine);
}

/* ---- clone3's set_tid */

struct clone_args_ {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

static long clone3_tids(uint64_t flags, const int *tids, uint64_t n)
{
	struct clone_args_ a = { .flags = flags, .exit_signal = SIGCHLD,
				 .set_tid = (uint64_t)(uintptr_t)tids, .set_tid_size = n };
	return syscall(SYS_clone3, &a, sizeof(a));
}

static void test_set_tid(void)
{
	int tids[40] = { 0 };

	errno = 0;
	CHECK(clone3_tids(0, NULL, 1) < 0 && errno == EINVAL);
	CHECK(clone3_tids(0, tids, 0) < 0 && errno == EINVAL);
	CHECK(clone3_tids(0, tids, 33) < 0 && errno == EINVAL);
	CHECK(clone3_tids(0, tids, 2) < 0 && errno == EINVAL);	/* deeper than we are */
	CHECK(clone3_tids(0, (int *)8, 1) < 0 && errno == EFAULT);
	tids[0] = -1;
	CHECK(clone3_tids(0, tids, 1) < 0 && errno == EINVAL);
	tids[0] = 1;	/* init's */
	CHECK(clone3_tids(0, tids, 1) < 0 && errno == EEXIST);
	/* a new namespace: 1 there, a chosen number here */
	int want = 30011;
	tids[0] = 1;
	tids[1] = want;
	long c = clone3_tids(CLONE_NEWPID, tids, 2);
	if (c == 0)
		_exit(getpid() == 1 ? 0 : 1);
	CHECK(c == want);
	if (c > 0)
		CHECK(wait_ok((pid_t)c) == 0);
	tids[0] = 2;	/* its first process must be 1 */
	CHECK(clone3_tids(CLONE_NEWPID, tids, 2) < 0 && errno == EINVAL);
	/* without CAP_SYS_ADMIN (and CAP_CHECKPOINT_RESTORE): EPERM */
	pid_t k = fork();
	if (k == 0) {
		if (setuid(65534))
			_exit(2);
		int t1[1] = { 30013 };
		_exit(clone3_tids(0, t1, 1) < 0 && errno == EPERM ? 0 : 1);
	}
	CHECK(wait_ok(k) == 0);
}

/* ---- nesting depth, churn */

static int dive(int depth)
{
	if (unshare(CLONE_NEWPID) < 0)
		return errno == ENOSPC ? depth : -errno;
	pid_t c = fork();
	if (c < 0)
		return -errno;
	if (c == 0)
		_exit(dive(depth + 1) & 0xff);
	int st;
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void test_depth_and_churn(void)
{
	pid_t c = fork();
	if (c == 0)
		_exit(dive(0) & 0xff);
	/* we are in the initial namespace: 32 levels below it */
	CHECK(wait_ok(c) == 32);

	for (int i = 0; i < 100; i++) {
		pid_t k = fork_flags(CLONE_NEWPID);
		if (k == 0)
			_exit(getpid() == 1 ? 0 : 1);
		if (k < 0 || wait_ok(k) != 0) {
			CHECK(!"churn");
			break;
		}
	}
	/* a hostile flag mix */
	errno = 0;
	CHECK(syscall(SYS_clone, CLONE_NEWPID | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, 0, 0, 0,
		      0) < 0 && errno == EINVAL);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("# skip: needs root\n");
		return 0;
	}
	test_basics();
	test_unshare();
	test_init_signals();
	test_init_death();
	test_setns();
	test_set_tid();
	test_depth_and_churn();
	while (wait(NULL) > 0)
		;
	return check_done();
}
