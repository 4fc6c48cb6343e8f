/*
 * Process identity calls from a hostile caller's side: close_range,
 * unshare, execveat, kcmp, setfsuid/setfsgid, sethostname. Bad flags,
 * ranges and pointers, unprivileged callers, and a second thread (or a
 * process sharing the fd table) working on the same table while it is
 * closed or unshared.
 */
#define _GNU_SOURCE
#define TEST_NAME "procns"
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4
#define KCMP_FILE 0
#define KCMP_VM 1
#define KCMP_FILES 2
#define KCMP_TYPES 8
#define NOBODY 65534

static long close_range_(unsigned a, unsigned b, unsigned f)
{
	return syscall(SYS_close_range, a, b, f);
}

static long kcmp_(pid_t a, pid_t b, int type, unsigned long x, unsigned long y)
{
	return syscall(SYS_kcmp, a, b, type, x, y);
}

static bool is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

/* In a child: f() runs there, its failures become the exit status. */
static void in_child(void (*f)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		f();
		_exit(failures ? 1 : 0);
	}
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void close_range_basic(void)
{
	errno = 0;
	CHECK(close_range_(3, ~0U, 1) == -1 && errno == EINVAL);
	CHECK(close_range_(3, ~0U, ~0U) == -1 && errno == EINVAL);
	CHECK(close_range_(10, 9, 0) == -1 && errno == EINVAL);
	CHECK(close_range_(~0U, ~0U, 0) == 0);		/* nothing there */
	int a = open("/", O_RDONLY), b = dup2(a, 700);
	CHECK(a >= 3 && b == 700);
	CHECK(close_range_(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0);
	CHECK(fcntl(a, F_GETFD) == FD_CLOEXEC && fcntl(b, F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(0, F_GETFD) == 0);			/* below the range */
	CHECK(close_range_(700, 700, 0) == 0);
	CHECK(is_open(a) && !is_open(700));
	CHECK(close_range_(0x7fffffffu, ~0U, 0) == 0);
	CHECK(close_range_(3, ~0U, 0) == 0);
	CHECK(!is_open(a) && is_open(0) && is_open(2));
}

static volatile int stop;

static void *churn(void *arg)
{
	(void)arg;
	while (!stop) {
		int fd = dup(0);
		if (fd >= 0)
			close(fd);
		fcntl(5, F_GETFD);
	}
	return NULL;
}

static int sharer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		int fd = dup(1);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

/* close_range with UNSHARE while another thread uses the table and a
 * process shares it (so each UNSHARE copies): no crash, and afterwards
 * the table is ours and works. */
static void close_range_race(void)
{
	static char stack[64 * 1024];
	pthread_t t;

	CHECK(pthread_create(&t, NULL, churn, NULL) == 0);
	for (int round = 0; round < 20; round++) {
		pid_t c = clone(sharer, stack + sizeof(stack), CLONE_FILES | SIGCHLD, NULL);
		CHECK(c > 0);
		for (int i = 0; i < 50; i++) {
			int fd = open("/", O_RDONLY);
			CHECK(fd >= 3);
			CHECK(close_range_(3, ~0U, i & 1 ? CLOSE_RANGE_UNSHARE : 0) == 0);
		}
		CHECK(waitpid(c, NULL, 0) == c);
	}
	stop = 1;
	pthread_join(t, NULL);
	/* threads running: unshare of per-process state is refused */
	stop = 0;
	CHECK(pthread_create(&t, NULL, churn, NULL) == 0);
	errno = 0;
	CHECK(unshare(CLONE_FILES) == -1 && errno == EINVAL);
	stop = 1;
	pthread_join(t, NULL);
	int fd = open("/", O_RDONLY);
	CHECK(fd >= 3 && close(fd) == 0);
}

static int hold_fd;

static int files_child(void *arg)
{
	(void)arg;
	/* the table is the parent's: its own again after unshare */
	if (unshare(CLONE_FILES) != 0)
		return 1;
	return close(hold_fd) == 0 ? 0 : 2;
}

static void unshare_files(void)
{
	static char stack[64 * 1024];

	errno = 0;
	CHECK(unshare(-1) == -1 && errno == EINVAL);
	CHECK(unshare(CLONE_VFORK) == -1 && errno == EINVAL);
	CHECK(unshare(0) == 0);
	CHECK(unshare(CLONE_FS | CLONE_SYSVSEM) == 0);
	hold_fd = open("/", O_RDONLY);
	CHECK(hold_fd >= 3);
	pid_t c = clone(files_child, stack + sizeof(stack), CLONE_FILES | SIGCHLD, NULL);
	int st = 0;
	CHECK(c > 0 && waitpid(c, &st, 0) == c);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(is_open(hold_fd));	/* the child closed its copy only */
	close(hold_fd);
}

static void unprivileged(void)
{
	CHECK(setuid(NOBODY) == 0);
	errno = 0;
	CHECK(unshare(CLONE_NEWUTS) == -1 && errno == EPERM);
	CHECK(sethostname("x", 1) == -1 && errno == EPERM);
	CHECK(setdomainname("x", 1) == -1 && errno == EPERM);
	CHECK(syscall(SYS_vhangup) == -1 && errno == EPERM);
	/* another user's process: no peeking */
	CHECK(kcmp_(getpid(), 1, KCMP_FILES, 0, 0) == -1 && errno == EPERM);
	/* setfsuid: refused silently, the old value every time */
	CHECK(setfsuid(0) == NOBODY);
	CHECK(setfsuid(0) == NOBODY);
	CHECK(setfsgid(0) == (int)getegid());
	CHECK(open("/procns-secret", O_RDONLY) == -1 && errno == EACCES);
}

static void hostname(void)
{
	struct utsname u, v;
	char big[100];

	memset(big, 'a', sizeof(big));
	CHECK(uname(&u) == 0);
	errno = 0;
	CHECK(sethostname(big, 65) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_sethostname, big, (unsigned long)-1) == -1 && errno == EINVAL);
	CHECK(sethostname((char *)8, 4) == -1 && errno == EFAULT);
	CHECK(sethostname(big, 64) == 0);
	CHECK(uname(&v) == 0 && strlen(v.nodename) == 64);
	CHECK(sethostname("ab\0cd", 5) == 0);
	CHECK(uname(&v) == 0 && !strcmp(v.nodename, "ab"));
	CHECK(setdomainname("dom", 3) == 0);
	CHECK(uname(&v) == 0 && !strcmp(v.domainname, "dom"));
	CHECK(sethostname(u.nodename, strlen(u.nodename)) == 0);
	CHECK(setdomainname(u.domainname, strlen(u.domainname)) == 0);
	CHECK(uname(&v) == 0 && !strcmp(v.nodename, u.nodename));
}

static void fsids(void)
{
	int fd = open("/procns-secret", O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK(setfsuid(-1) == 0);		/* asks only */
	CHECK(setfsuid(NOBODY) == 0);
	CHECK(setfsuid(-1) == NOBODY);
	errno = 0;
	CHECK(open("/procns-secret", O_RDONLY) == -1 && errno == EACCES);
	CHECK(geteuid() == 0);
	CHECK(setfsuid(0) == NOBODY);
	fd = open("/procns-secret", O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
	/* a new effective ID takes the fsuid along */
	CHECK(setfsuid(1234) == 0);
	CHECK(setresuid(-1, 0, -1) == 0);
	CHECK(setfsuid(-1) == 0);
	CHECK(setfsgid(4321) == 0 && setfsgid(-1) == 4321 && setfsgid(0) == 4321);
}

static void kcmp_checks(void)
{
	pid_t me = getpid();
	int a = open("/", O_RDONLY), b = dup(a), c = open("/", O_RDONLY);

	errno = 0;
	CHECK(kcmp_(me, me, KCMP_TYPES, 0, 0) == -1 && errno == EINVAL);
	CHECK(kcmp_(me, me, -1, 0, 0) == -1 && errno == EINVAL);
	CHECK(kcmp_(me, 0, KCMP_VM, 0, 0) == -1 && errno == ESRCH);
	CHECK(kcmp_(-1, me, KCMP_VM, 0, 0) == -1 && errno == ESRCH);
	CHECK(kcmp_(me, me, KCMP_FILE, a, 9999) == -1 && errno == EBADF);
	CHECK(kcmp_(me, me, KCMP_FILE, a, ~0UL) == -1 && errno == EBADF);
	CHECK(kcmp_(me, me, KCMP_FILE, a, b) == 0);
	long x = kcmp_(me, me, KCMP_FILE, a, c), y = kcmp_(me, me, KCMP_FILE, c, a);
	CHECK((x == 1 && y == 2) || (x == 2 && y == 1));
	CHECK(kcmp_(me, 1, KCMP_VM, 0, 0) > 0);
	pid_t ch = fork();
	if (ch == 0) {
		pause();
		_exit(0);
	}
	CHECK(kcmp_(me, ch, KCMP_FILES, 0, 0) > 0);	/* a copy */
	CHECK(kcmp_(me, ch, KCMP_FILE, a, a) == 0);	/* of the same files */
	kill(ch, SIGKILL);
	waitpid(ch, NULL, 0);
	CHECK(kcmp_(me, ch, KCMP_VM, 0, 0) == -1 && errno == ESRCH);
	close(a), close(b), close(c);
}

static void execveat_checks(void)
{
	char *argv[] = { "true", NULL }, *envp[] = { NULL };
	int dir = open("/bin", O_RDONLY | O_DIRECTORY), file = open("/bin/busybox", O_PATH);

	CHECK(dir >= 0 && file >= 0);
	errno = 0;
	CHECK(syscall(SYS_execveat, dir, "busybox", argv, envp, 1) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_execveat, -1, "", argv, envp, AT_EMPTY_PATH) == -1 && errno == EBADF);
	CHECK(syscall(SYS_execveat, 12345, "", argv, envp, AT_EMPTY_PATH) == -1 && errno == EBADF);
	CHECK(syscall(SYS_execveat, file, "x", argv, envp, 0) == -1 && errno == ENOTDIR);
	CHECK(syscall(SYS_execveat, dir, "", argv, envp, 0) == -1 && errno == ENOENT);
	CHECK(syscall(SYS_execveat, dir, "", argv, envp, AT_EMPTY_PATH) == -1 && errno == EACCES);
	CHECK(syscall(SYS_execveat, dir, (char *)8, argv, envp, 0) == -1 && errno == EFAULT);
	CHECK(syscall(SYS_execveat, dir, "busybox", (char **)8, envp, 0) == -1 && errno == EFAULT);
	CHECK(symlink("/bin/busybox", "/procns-link") == 0 || errno == EEXIST);
	CHECK(syscall(SYS_execveat, AT_FDCWD, "/procns-link", argv, envp, AT_SYMLINK_NOFOLLOW) ==
	      -1 && errno == ELOOP);
	for (int i = 0; i < 3; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			if (i == 0)
				syscall(SYS_execveat, dir, "busybox", argv, envp, 0);
			else if (i == 1)
				syscall(SYS_execveat, file, "", argv, envp, AT_EMPTY_PATH);
			else
				syscall(SYS_execveat, AT_FDCWD, "/procns-link", argv, envp, 0);
			_exit(100 + errno);
		}
		int st = 0;
		CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	close(dir);
	close(file);
	/* a file with no name (musl's fexecve of a memfd): runs, or is
	 * ETXTBSY while its own descriptor may write it, as Linux */
	int m = memfd_create("procns", 0), src = open("/bin/busybox", O_RDONLY);
	char buf[65536];
	ssize_t n;
	CHECK(m >= 0 && src >= 0);
	while ((n = read(src, buf, sizeof(buf))) > 0)
		CHECK(write(m, buf, (size_t)n) == n);
	close(src);
	pid_t pid = fork();
	if (pid == 0) {
		syscall(SYS_execveat, m, "", argv, envp, AT_EMPTY_PATH);
		_exit(100 + errno);
	}
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	      (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 100 + ETXTBSY));
	if (WEXITSTATUS(st))
		fprintf(stderr, "procns: memfd exec: exit %d\n", WEXITSTATUS(st));
	close(m);
}

int main(void)
{
	in_child(close_range_basic);
	in_child(close_range_race);
	in_child(unshare_files);
	in_child(hostname);
	in_child(fsids);
	in_child(unprivileged);
	in_child(kcmp_checks);
	in_child(execveat_checks);
	unlink("/procns-secret");
	unlink("/procns-link");
	return check_done();
}
