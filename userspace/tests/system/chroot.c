/*
 * chroot: a per-process root that "/", ".." and absolute symlinks of
 * every walk stop at, only with CAP_SYS_CHROOT. From the attacker's side:
 * bad pointers and names, escaping with "..", absolute links, a cwd left
 * outside (getcwd must not return a path then: "(unreachable)/..."), an
 * unprivileged caller, and a second thread switching the root while
 * others walk (references on the old root). Children inherit the root.
 * Another user's /proc/<pid>/cwd and exe are closed to it (EACCES).
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "chroot"
#include "check.h"

#define JAIL "/tmp/chroot_jail"

static atomic_int stop;
static int realroot = -1;

static void *switcher(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		chroot(JAIL);
		/* back to the real root through the fd that names it */
		int here = open(".", O_RDONLY | O_DIRECTORY);
		fchdir(realroot);
		chroot(".");
		fchdir(here);
		close(here);
	}
	return NULL;
}

static void *walker(void *arg)
{
	long *seen = arg;
	struct stat st;
	while (!atomic_load(&stop)) {
		/* either root: the jail's marker or the system's /tmp */
		if (stat("/marker", &st) == 0 || stat("/tmp", &st) == 0)
			(*seen)++;
		int fd = open("/../../marker", O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

static void in_jail(void)
{
	struct stat a, b;
	char buf[4096];

	/* the cwd is still outside: getcwd names no path */
	long n = syscall(SYS_getcwd, buf, sizeof(buf));
	CHECK(n > 0 && buf[0] != '/');
	CHECK(n > 0 && !strncmp(buf, "(unreachable)", 13));
	errno = 0;
	CHECK(getcwd(buf, sizeof(buf)) == NULL && errno == ENOENT);
	CHECK(syscall(SYS_getcwd, buf, 5) == -1 && errno == ERANGE);

	CHECK(stat("/marker", &a) == 0);
	CHECK(stat("/", &a) == 0 && stat("/..", &b) == 0 && a.st_ino == b.st_ino &&
	      a.st_dev == b.st_dev);
	CHECK(stat("/../../../marker", &a) == 0);
	CHECK(stat("/tmp", &a) == -1 && errno == ENOENT);	/* the jail has none */
	CHECK(stat("/abs", &a) == 0 && S_ISREG(a.st_mode));	/* "/marker" inside */
	CHECK(stat("/sub/up", &a) == 0 && S_ISDIR(a.st_mode));	/* "../../.." */
	CHECK(stat("/sub/up/marker", &a) == 0);
	CHECK(chdir("/") == 0);
	CHECK(chdir("../../..") == 0);
	CHECK(getcwd(buf, sizeof(buf)) && !strcmp(buf, "/"));
	CHECK(access("marker", F_OK) == 0);
	CHECK(chdir("sub") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/sub"));
	CHECK(readlink("/proc/self/cwd", buf, sizeof(buf)) == -1);	/* no /proc here */

	/* a child keeps the root */
	pid_t pid = fork();
	if (pid == 0)
		_exit(stat("/marker", &a) == 0 && stat("/tmp", &a) == -1 ? 0 : 1);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* a chroot below the current one, relative */
	CHECK(chroot("/sub") == 0);
	CHECK(stat("/marker", &a) == -1 && errno == ENOENT);
	CHECK(stat("/inner", &a) == 0);
	CHECK(stat("/../../inner", &a) == 0);

	/* unprivileged: EPERM, but a missing or unsearchable directory first */
	CHECK(setuid(65534) == 0);
	CHECK(chroot("/") == -1 && errno == EPERM);
	CHECK(chroot("/nosuch") == -1 && errno == ENOENT);
	CHECK(chroot("/closed") == -1 && errno == EACCES);
}

int main(void)
{
	char longname[PATH_MAX + 2];
	int fd;

	mkdir("/tmp", 01777);
	mkdir(JAIL, 0755);
	mkdir(JAIL "/sub", 0755);
	mkdir(JAIL "/sub/closed", 0);
	CHECK((fd = open(JAIL "/marker", O_CREAT | O_WRONLY, 0644)) >= 0);
	close(fd);
	CHECK((fd = open(JAIL "/sub/inner", O_CREAT | O_WRONLY, 0644)) >= 0);
	close(fd);
	unlink(JAIL "/abs");
	unlink(JAIL "/sub/up");
	CHECK(symlink("/marker", JAIL "/abs") == 0);
	CHECK(symlink("../../..", JAIL "/sub/up") == 0);

	/* bad arguments */
	CHECK(chroot(NULL) == -1 && errno == EFAULT);
	CHECK(chroot((char *)1) == -1 && errno == EFAULT);
	CHECK(chroot("") == -1 && errno == ENOENT);
	CHECK(chroot(JAIL "/marker") == -1 && errno == ENOTDIR);
	CHECK(chroot(JAIL "/nosuch") == -1 && errno == ENOENT);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	CHECK(chroot(longname) == -1 && errno == ENAMETOOLONG);

	pid_t pid = fork();
	if (pid == 0) {
		CHECK(chroot(JAIL) == 0);
		in_jail();
		_exit(failures ? 1 : 0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* the parent's root did not move */
	struct stat a;
	CHECK(stat("/tmp", &a) == 0);

	/* races: one thread switches the root back and forth while two
	 * walk absolute paths; then the jail's directory goes away under a
	 * process whose root it is */
	pid = fork();
	if (pid == 0) {
		realroot = open("/", O_RDONLY | O_DIRECTORY);
		CHECK(chdir("/tmp") == 0);
		pthread_t s, w[2];
		long seen[2] = { 0, 0 };
		pthread_create(&s, NULL, switcher, NULL);
		for (int i = 0; i < 2; i++)
			pthread_create(&w[i], NULL, walker, &seen[i]);
		usleep(1000 * 1000);
		atomic_store(&stop, 1);
		pthread_join(s, NULL);
		for (int i = 0; i < 2; i++)
			pthread_join(w[i], NULL);
		CHECK(seen[0] > 0 && seen[1] > 0);
		_exit(failures ? 1 : 0);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	mkdir("/tmp/chroot_gone", 0755);
	int p[2], q[2];
	CHECK(pipe(p) == 0 && pipe(q) == 0);
	pid = fork();
	if (pid == 0) {
		char c = 0;
		close(p[1]);
		CHECK(chroot("/tmp/chroot_gone") == 0 && chdir("/") == 0);
		write(q[1], &c, 1);
		read(p[0], &c, 1);	/* the parent removed our root */
		CHECK(stat("/", &a) == 0);
		CHECK(open("/x", O_CREAT | O_WRONLY, 0644) == -1 && errno == ENOENT);
		CHECK(stat("/..", &a) == 0);
		_exit(failures ? 1 : 0);
	}
	close(p[0]);
	char c;
	CHECK(read(q[0], &c, 1) == 1);
	CHECK(rmdir("/tmp/chroot_gone") == 0);
	close(p[1]);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* another user's /proc/<pid>/cwd and exe lead nowhere (EACCES), or
	 * they would skip the search permission of every directory above:
	 * here a 0700 directory around a readable one */
	mkdir("/tmp/chroot_priv", 0700);
	mkdir("/tmp/chroot_priv/pub", 0755);
	CHECK((fd = open("/tmp/chroot_priv/pub/secret", O_CREAT | O_WRONLY, 0644)) >= 0);
	close(fd);
	pid_t holder = fork();
	if (holder == 0) {
		if (chdir("/tmp/chroot_priv/pub") == 0)
			pause();
		_exit(1);
	}
	usleep(100 * 1000);
	pid = fork();
	if (pid == 0) {
		char path[64], buf[256];
		CHECK(setgid(65534) == 0 && setuid(65534) == 0);
		CHECK(open("/tmp/chroot_priv/pub/secret", O_RDONLY) == -1 && errno == EACCES);
		snprintf(path, sizeof(path), "/proc/%d/cwd/secret", (int)holder);
		CHECK(open(path, O_RDONLY) == -1 && errno == EACCES);
		snprintf(path, sizeof(path), "/proc/%d/cwd", (int)holder);
		CHECK(readlink(path, buf, sizeof(buf)) == -1 && errno == EACCES);
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)holder);
		CHECK(stat(path, &a) == -1 && errno == EACCES);
		CHECK(readlink("/proc/self/cwd", buf, sizeof(buf)) > 0);	/* its own: fine */
		_exit(failures ? 1 : 0);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	kill(holder, SIGKILL);
	waitpid(holder, &st, 0);
	unlink("/tmp/chroot_priv/pub/secret");
	rmdir("/tmp/chroot_priv/pub");
	rmdir("/tmp/chroot_priv");
	return check_done();
}
