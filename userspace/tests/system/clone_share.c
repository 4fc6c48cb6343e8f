/*
 * What clone lets two processes share, from a hostile caller's side:
 * CLONE_FS (cwd, root, umask), CLONE_SIGHAND (the handler table),
 * CLONE_FILES, unshare of each, execve in one sharer, kcmp's view, and
 * CLONE_PIDFD (clone and clone3: bad pointers, bad combinations).
 * Races: a sharer chdir-ing and chroot-ing while the other resolves
 * paths; a sharer switching a handler while signals are delivered; one
 * sharer exiting while the other goes on using the object.
 */
#define _GNU_SOURCE
#define TEST_NAME "clone_share"
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define KCMP_FS 3
#define KCMP_SIGHAND 4
#define DIR_A "/cs_a"
#define DIR_B "/cs_b"

static char helper[256];

struct clone_args_ {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static long clone3_(struct clone_args_ *ca)
{
	return syscall(SYS_clone3, ca, sizeof(*ca));
}

static long kcmp_(pid_t a, pid_t b, int type)
{
	return syscall(SYS_kcmp, a, b, type, 0, 0);
}

static void in_child_(void (*f)(void), const char *name)
{
	pid_t pid = fork();
	if (pid == 0) {
		f();
		_exit(failures ? 1 : 0);
	}
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fprintf(stderr, "clone_share: %s: status %#x\n", name, st);
}
#define in_child(f) in_child_(f, #f)

/* A child on its own stack running fn(arg) (clone with CLONE_VM). */
static pid_t spawn(int (*fn)(void *), void *arg, int flags)
{
	size_t sz = 256 * 1024;
	char *stk = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stk == MAP_FAILED)
		return -1;
	return clone(fn, stk + sz, flags, arg);	/* the stack leaks: tests are short */
}

static int reap(pid_t pid)
{
	int st = -1;
	while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
		;
	return st;
}

static void put_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s));
	close(fd);
}

/* --- CLONE_FS ---------------------------------------------------------- */

static int fs_child(void *arg)
{
	(void)arg;
	if (chdir(DIR_A))
		return 1;
	umask(077);
	return 0;
}

static void fs_shared(void)
{
	char buf[256];

	CHECK(chdir("/") == 0);
	umask(022);
	/* without CLONE_FS: the child's chdir and umask are its own */
	pid_t pid = spawn(fs_child, NULL, CLONE_VM | SIGCHLD);
	CHECK(pid > 0 && reap(pid) == 0);
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0);
	CHECK(umask(022) == 022);
	/* with it: they are the parent's; and the child is gone by now,
	 * the state it shared stays ours */
	pid = spawn(fs_child, NULL, CLONE_VM | CLONE_FS | SIGCHLD);
	CHECK(pid > 0 && reap(pid) == 0);
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, DIR_A) == 0);
	CHECK(umask(022) == 077);
	int fd = open("cs_f", O_RDONLY);	/* relative to the shared cwd */
	CHECK(fd >= 0 && read(fd, buf, 1) == 1 && buf[0] == 'A');
	close(fd);

	/* a CLONE_FS child by fork-style clone (no CLONE_VM) */
	CHECK(chdir("/") == 0);
	long r = syscall(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(chdir(DIR_B) ? 1 : 0);
	CHECK(r > 0 && reap((pid_t)r) == 0);
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, DIR_B) == 0);

	/* kcmp sees one object, and a copy is another */
	int sync[2];
	CHECK(pipe(sync) == 0);
	r = syscall(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0);
	if (r == 0) {
		char c;
		read(sync[0], &c, 1);
		_exit(0);
	}
	CHECK(kcmp_(getpid(), (pid_t)r, KCMP_FS) == 0);
	pid_t other = fork();
	if (other == 0) {
		char c;
		read(sync[0], &c, 1);
		_exit(0);
	}
	long k = kcmp_(getpid(), other, KCMP_FS);
	CHECK(k == 1 || k == 2);
	CHECK(write(sync[1], "xx", 2) == 2);
	CHECK(reap((pid_t)r) == 0 && reap(other) == 0);
	close(sync[0]);
	close(sync[1]);
}

/* unshare(CLONE_FS): the child's own copy from then on. */
static void fs_unshare(void)
{
	char buf[256];

	CHECK(chdir("/") == 0);
	long r = syscall(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0);
	if (r == 0) {
		if (unshare(CLONE_FS) || chdir(DIR_A))
			_exit(1);
		umask(0);
		_exit(0);
	}
	CHECK(r > 0 && reap((pid_t)r) == 0);
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0);
	CHECK(umask(022) == 022);
	CHECK(unshare(CLONE_FS) == 0);	/* not shared: nothing to do */
}

/* A sharer flips the shared cwd and root while we resolve paths. */
static volatile int *stop_flag;

static void fs_race(void)
{
	int rootfd = open("/", O_RDONLY | O_DIRECTORY);
	CHECK(rootfd >= 0);
	stop_flag = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(stop_flag != MAP_FAILED);
	CHECK(chdir(DIR_A) == 0);
	long r = syscall(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0);
	if (r == 0) {
		for (int i = 0; !*stop_flag; i++) {
			/* out of any chroot by the fd, into A or B, and maybe
			 * chrooted into A */
			if (fchdir(rootfd) || chroot(".") || chdir(i & 1 ? DIR_A : DIR_B))
				_exit(2);
			umask(i & 1 ? 022 : 077);
			if ((i & 2) && (chroot(DIR_A) || chdir("/")))
				_exit(3);
		}
		_exit(0);
	}
	CHECK(r > 0);
	int bad = 0;
	for (int i = 0; i < 3000 && !bad; i++) {
		char c = 0;
		/* the cwd: A or B, or the root for a moment */
		int fd = open("cs_f", O_RDONLY);
		if (fd < 0 || read(fd, &c, 1) != 1 || (c != 'A' && c != 'B' && c != 'R'))
			bad = 1;
		close(fd);
		fd = open("/cs_mark", O_RDONLY);	/* the root: the system's or A */
		if (fd < 0 || read(fd, &c, 1) != 1 || (c != 'R' && c != 'A'))
			bad = 2;
		close(fd);
		mode_t m = umask(022);
		if (m != 022 && m != 077)
			bad = 3;
	}
	CHECK(bad == 0);
	*stop_flag = 1;
	int st = reap((pid_t)r);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fprintf(stderr, "clone_share: fs_race child status %#x\n", st);
}

/* --- CLONE_SIGHAND ----------------------------------------------------- */

static volatile int hits1, hits2;
static void h1(int s) { (void)s; hits1++; }
static void h2(int s) { (void)s; hits2++; }

static int sig_child(void *arg)
{
	(void)arg;
	signal(SIGUSR1, h2);
	return 0;
}

static void sighand_shared(void)
{
	struct sigaction sa;

	signal(SIGUSR1, h1);
	pid_t pid = spawn(sig_child, NULL, CLONE_VM | SIGCHLD);
	CHECK(pid > 0 && reap(pid) == 0);
	CHECK(sigaction(SIGUSR1, NULL, &sa) == 0 && sa.sa_handler == h1);
	pid = spawn(sig_child, NULL, CLONE_VM | CLONE_SIGHAND | SIGCHLD);
	CHECK(pid > 0 && reap(pid) == 0);
	CHECK(sigaction(SIGUSR1, NULL, &sa) == 0 && sa.sa_handler == h2);
	hits2 = 0;
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(hits2 == 1);	/* the sharer's handler, after it exited */

	/* CLONE_SIGHAND needs CLONE_VM; a shared table cannot be unshared */
	errno = 0;
	CHECK(syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0) == -1 && errno == EINVAL);
	CHECK(unshare(CLONE_SIGHAND) == 0);	/* ours alone: fine */
}

static int unshare_child(void *arg)
{
	int *res = arg;
	errno = 0;
	res[0] = unshare(CLONE_SIGHAND) == -1 && errno == EINVAL;
	errno = 0;
	res[1] = unshare(CLONE_VM) == -1 && errno == EINVAL;
	res[2] = kcmp_(getpid(), getppid(), KCMP_SIGHAND) == 0;
	return 0;
}

static void sighand_unshare(void)
{
	int res[3] = { 0 };
	pid_t pid = spawn(unshare_child, res, CLONE_VM | CLONE_SIGHAND | SIGCHLD);
	CHECK(pid > 0 && reap(pid) == 0);
	CHECK(res[0] && res[1] && res[2]);
	pid_t other = spawn(unshare_child, res, CLONE_VM | SIGCHLD);	/* a copy */
	CHECK(other > 0 && reap(other) == 0);
	CHECK(!res[0] && !res[2]);
}

/* A sharer switches the handler (h1, h2, ignored; never default) while
 * we take the signal again and again: we must never die of it. */
static int flip_child(void *arg)
{
	(void)arg;
	struct sigaction sa = { 0 };
	for (int i = 0; !*stop_flag; i++) {
		sa.sa_handler = i % 3 == 0 ? h1 : i % 3 == 1 ? h2 : SIG_IGN;
		sa.sa_flags = i & 4 ? SA_NODEFER : 0;
		sigaction(SIGUSR1, &sa, NULL);
	}
	return 0;
}

static void sighand_race(void)
{
	stop_flag = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(stop_flag != MAP_FAILED);
	signal(SIGUSR1, h1);
	pid_t pid = spawn(flip_child, NULL, CLONE_VM | CLONE_SIGHAND | SIGCHLD);
	CHECK(pid > 0);
	for (int i = 0; i < 20000; i++) {
		kill(getpid(), SIGUSR1);
		if (i % 64 == 0)
			kill(pid, SIGUSR1);	/* it takes them too */
	}
	*stop_flag = 1;
	int st = reap(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(hits1 + hits2 > 0);
}

/* execve in one sharer: it gets its own table, reset; ours is kept. */
static int exec_child(void *arg)
{
	(void)arg;
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGHUP);
	sigprocmask(SIG_SETMASK, &m, NULL);
	char *const argv[] = { "_exec_helper", "sigs", NULL };
	execv(helper, argv);
	return 100 + errno;
}

static void sighand_exec(void)
{
	struct sigaction sa = { 0 };

	signal(SIGUSR1, h1);
	sa.sa_handler = h2;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGUSR2, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	pid_t pid = spawn(exec_child, NULL, CLONE_VM | CLONE_SIGHAND | CLONE_VFORK | SIGCHLD);
	CHECK(pid > 0);
	int st = reap(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 42))
		fprintf(stderr, "clone_share: exec child status %#x\n", st);
	CHECK(sigaction(SIGUSR1, NULL, &sa) == 0 && sa.sa_handler == h1);
	CHECK(sigaction(SIGTERM, NULL, &sa) == 0 && sa.sa_handler == h2);
	/* a sharer that is a zombie: signalling it is fine */
	pid = spawn(sig_child, NULL, CLONE_VM | CLONE_SIGHAND | SIGCHLD);
	CHECK(pid > 0);
	siginfo_t si;
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0);
	CHECK(kill(pid, SIGUSR1) == 0);
	CHECK(reap(pid) == 0);
}

/* --- CLONE_FILES with the others -------------------------------------- */

static int files_child(void *arg)
{
	(void)arg;
	return open("/", O_RDONLY) < 0;
}

static void all_combos(void)
{
	static const int extra[] = { 0, CLONE_FS, CLONE_FILES, CLONE_SIGHAND,
				     CLONE_FS | CLONE_FILES, CLONE_FS | CLONE_SIGHAND,
				     CLONE_FILES | CLONE_SIGHAND,
				     CLONE_FS | CLONE_FILES | CLONE_SIGHAND };
	for (unsigned i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		pid_t pid = spawn(files_child, NULL, CLONE_VM | extra[i] | SIGCHLD);
		CHECK(pid > 0 && reap(pid) == 0);
	}
}

/* --- threads without CLONE_FS or CLONE_FILES --------------------------- */

static volatile int th_done, th_fd, th_res;

static int th_own(void *arg)
{
	(void)arg;
	int res = 0;
	if (chdir(DIR_A))
		res |= 1;
	umask(077);
	if (close(th_fd))	/* in its own copy of the table */
		res |= 2;
	int fd = open("cs_f", O_RDONLY);	/* relative to its own cwd */
	char c = 0;
	if (fd < 0 || read(fd, &c, 1) != 1 || c != 'A')
		res |= 4;
	/* a child it forks copies the thread's table and cwd */
	long r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (r == 0) {
		char buf[64];
		_exit(fcntl(fd, F_GETFD) < 0 || !getcwd(buf, sizeof(buf)) ||
		      strcmp(buf, DIR_A) != 0);
	}
	int st = -1;
	if (r < 0 || waitpid((pid_t)r, &st, 0) != r || st != 0)
		res |= 8;
	th_res = res;
	th_done = 1;
	return 0;	/* its table (and the fd it opened) goes with it */
}

static int th_shared(void *arg)
{
	(void)arg;
	th_res = chdir(DIR_B) || close(th_fd);
	th_done = 1;
	return 0;
}

static void thread_tables(void)
{
	char buf[256];

	CHECK(chdir("/") == 0);
	umask(022);
	th_fd = open("/", O_RDONLY);
	CHECK(th_fd >= 0);
	th_done = 0;
	pid_t tid = spawn(th_own, NULL, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD);
	CHECK(tid > 0);
	while (tid > 0 && !th_done)
		sched_yield();
	CHECK(th_res == 0);
	if (th_res)
		fprintf(stderr, "clone_share: th_own %#x\n", th_res);
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0);
	CHECK(umask(022) == 022);
	CHECK(fcntl(th_fd, F_GETFD) >= 0);	/* closed in its table only */

	th_done = 0;
	tid = spawn(th_shared, NULL, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_FS |
				     CLONE_FILES);
	CHECK(tid > 0);
	while (tid > 0 && !th_done)
		sched_yield();
	CHECK(th_res == 0);
	CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, DIR_B) == 0);
	errno = 0;
	CHECK(fcntl(th_fd, F_GETFD) == -1 && errno == EBADF);
	usleep(50000);	/* let the threads finish exiting */
}

/* --- CLONE_PIDFD ------------------------------------------------------- */

static volatile int shared_pidfd;

static int pidfd_child(void *arg)
{
	(void)arg;
	return shared_pidfd >= 0 && fcntl(shared_pidfd, F_GETFD) == FD_CLOEXEC ? 0 : 1;
}

static void pidfd_checks(void)
{
	int pidfd = -1;
	struct clone_args_ ca = { .flags = CLONE_PIDFD, .pidfd = (uintptr_t)&pidfd,
				  .exit_signal = SIGCHLD };
	long r = clone3_(&ca);
	if (r == 0)
		_exit(7);
	CHECK(r > 0 && pidfd >= 0);
	CHECK(fcntl(pidfd, F_GETFD) == FD_CLOEXEC);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	CHECK(poll(&p, 1, 5000) == 1);
	siginfo_t si = { 0 };
	CHECK(waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) == 0 && si.si_pid == r &&
	      si.si_status == 7);
	close(pidfd);

	/* a bad pointer: EFAULT and no child at all */
	int probe0 = open("/", O_RDONLY);
	close(probe0);
	ca.pidfd = 1;
	errno = 0;
	CHECK(clone3_(&ca) == -1 && errno == EFAULT);
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ca.pidfd = (uintptr_t)ro;
	errno = 0;
	CHECK(clone3_(&ca) == -1 && errno == EFAULT);
	ca.pidfd = (uintptr_t)-4096;	/* kernel half */
	errno = 0;
	CHECK(clone3_(&ca) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
	int probe = open("/", O_RDONLY);	/* no fd leaked by the failures */
	CHECK(probe == probe0);
	close(probe);

	/* flags it cannot go with */
	ca.pidfd = (uintptr_t)&pidfd;
	ca.flags = CLONE_PIDFD | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
	ca.exit_signal = 0;
	errno = 0;
	CHECK(clone3_(&ca) == -1 && errno == EINVAL);
	ca.flags = CLONE_PIDFD | 0x00400000;	/* CLONE_DETACHED */
	ca.exit_signal = SIGCHLD;
	errno = 0;
	CHECK(clone3_(&ca) == -1 && errno == EINVAL);
	ca.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
	ca.parent_tid = ca.pidfd;	/* one word for two */
	errno = 0;
	CHECK(clone3_(&ca) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pidfd, 0, 0) == -1 &&
	      errno == EINVAL);

	/* clone() writes it through parent_tid */
	pidfd = -1;
	r = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
	if (r == 0)
		_exit(0);
	CHECK(r > 0 && pidfd >= 0);
	CHECK(reap((pid_t)r) == 0);
	close(pidfd);
	errno = 0;
	CHECK(syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, (void *)8, 0, 0) == -1 && errno == EFAULT);

	/* with CLONE_FILES the child sees its own pidfd in the shared table
	 * (and with CLONE_VM the number, written before it ran) */
	shared_pidfd = -1;
	size_t sz = 64 * 1024;
	char *stk = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = clone(pidfd_child, stk + sz, CLONE_VM | CLONE_FILES | CLONE_PIDFD | SIGCHLD, NULL,
		  &shared_pidfd);
	CHECK(r > 0 && reap((pid_t)r) == 0);
	close(shared_pidfd);
}

int main(int argc, char **argv)
{
	(void)argc;
	const char *dir = getenv("TESTDIR");
	if (!dir || !*dir) {
		const char *slash = strrchr(argv[0], '/');
		snprintf(helper, sizeof(helper), "%.*s/_exec_helper",
			 slash ? (int)(slash - argv[0]) : 1, slash ? argv[0] : ".");
	} else {
		snprintf(helper, sizeof(helper), "%s/_exec_helper", dir);
	}
	mkdir(DIR_A, 0755);
	mkdir(DIR_B, 0755);
	put_file(DIR_A "/cs_f", "A");
	put_file(DIR_B "/cs_f", "B");
	put_file("/cs_mark", "R");
	put_file("/cs_f", "R");
	put_file(DIR_A "/cs_mark", "A");
	in_child(fs_shared);
	in_child(fs_unshare);
	in_child(fs_race);
	in_child(sighand_shared);
	in_child(sighand_unshare);
	in_child(sighand_race);
	in_child(sighand_exec);
	in_child(all_combos);
	in_child(pidfd_checks);
	in_child(thread_tables);
	return check_done();
}
