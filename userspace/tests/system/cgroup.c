#define _GNU_SOURCE
/*
 * cgroup: control groups v2 (docs/cgroup.md) from a hostile caller's side:
 *  - mount -t cgroup2 twice shows one tree; /proc/self/cgroup, /proc/cgroups;
 *  - moves through cgroup.procs; rmdir of a group with a process or a
 *    child: EBUSY; moving a pid that is exiting, then reaped (ESRCH);
 *  - cgroup.max.depth and cgroup.max.descendants (EAGAIN);
 *  - unprivileged moves: EACCES without write access to the common
 *    ancestor's cgroup.procs, allowed once it is delegated (chown);
 *  - cgroup.kill of a tree that keeps forking: all gone, populated 0;
 *  - pids.max with two threads forking at once: never above it;
 *  - clone3(CLONE_INTO_CGROUP): the child starts there; bad descriptors
 *    (EBADF), a removed group (ENOENT), a group with controllers and a
 *    populated child (EBUSY), a huge descriptor (EINVAL);
 *  - a removed group's files still open: empty, writes ENODEV;
 *  - CLONE_NEWCGROUP: paths relative to the namespace's root.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "cgroup"
#include "check.h"

#define M "/tmp/cgt"
#define M2 "/tmp/cgt2"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

struct clone_args_ {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

static long clone_into(uint64_t fd, size_t size)
{
	struct clone_args_ a = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = fd };
	return syscall(SYS_clone3, &a, size);
}

static int putn(const char *path, long v)
{
	char b[32];
	snprintf(b, sizeof(b), "%ld", v);
	return write_str(path, b);
}

/* Is pid listed in the group's cgroup.procs? */
static bool listed(const char *procs, int pid)
{
	static char buf[65536];
	if (read_str(procs, buf, sizeof(buf)) < 0)
		return false;
	for (char *s = strtok(buf, "\n"); s; s = strtok(NULL, "\n"))
		if (atoi(s) == pid)
			return true;
	return false;
}

static bool self_cgroup_is(const char *want)
{
	char buf[256];
	read_str("/proc/self/cgroup", buf, sizeof(buf));
	return !strcmp(buf, want);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* A child waits to be moved to want (its parent does it): 20 s at most,
 * then it gives up (exit 99), so a failed move fails, never hangs. */
static void wait_moved(const char *want)
{
	for (int k = 0; !self_cgroup_is(want); k++) {
		if (k > 20000)
			_exit(99);
		sleep_ms(1);
	}
}

static void test_basics(void)
{
	char buf[512];

	CHECK(mkdir(M, 0755) == 0 || errno == EEXIST);
	CHECK(mkdir(M2, 0755) == 0 || errno == EEXIST);
	CHECK(mount("cgroup2", M, "cgroup2", 0, "memory_recursiveprot") == -1 && errno == EINVAL);
	CHECK(mount("cgroup2", M, "cgroup2", 0, NULL) == 0);
	CHECK(mount("cgroup2", M2, "cgroup2", 0, "nsdelegate") == 0);
	CHECK(read_str("/proc/self/mounts", buf, sizeof(buf)) > 0 && strstr(buf, "cgroup2 " M " cgroup2"));
	CHECK(read_str(M "/cgroup.controllers", buf, sizeof(buf)) > 0 && !strcmp(buf, "pids\n"));
	CHECK(read_str(M "/cgroup.subtree_control", buf, sizeof(buf)) == 1);
	CHECK(access(M "/cgroup.events", F_OK) == -1 && errno == ENOENT);	/* not on the root */
	CHECK(access(M "/cgroup.kill", F_OK) == -1 && errno == ENOENT);
	CHECK(self_cgroup_is("0::/\n"));
	CHECK(read_str("/proc/cgroups", buf, sizeof(buf)) > 0 && strstr(buf, "pids\t0\t"));
	CHECK(listed(M "/cgroup.procs", getpid()));

	/* one tree: a group made through one mount is in the other */
	CHECK(mkdir(M "/a", 0755) == 0);
	CHECK(mkdir(M "/a", 0755) == -1 && errno == EEXIST);
	CHECK(mkdir(M "/cgroup.procs", 0755) == -1 && errno == EEXIST);
	CHECK(mkdir(M "/bad\nname", 0755) == -1 && errno == EINVAL);
	CHECK(open(M "/newfile", O_CREAT | O_WRONLY, 0644) == -1);
	CHECK(access(M2 "/a/cgroup.procs", F_OK) == 0);
	CHECK(read_str(M "/a/cgroup.controllers", buf, sizeof(buf)) == 1);	/* "\n": none given */
	CHECK(read_str(M "/a/cgroup.type", buf, sizeof(buf)) > 0 && !strcmp(buf, "domain\n"));
	CHECK(write_str(M "/a/cgroup.type", "threaded") == -1 && errno == EOPNOTSUPP);
	CHECK(read_str(M "/a/cgroup.events", buf, sizeof(buf)) > 0 &&
	      !strcmp(buf, "populated 0\nfrozen 0\n"));

	/* moves, and rmdir of a busy group */
	CHECK(putn(M "/a/cgroup.procs", getpid()) == 0);
	CHECK(self_cgroup_is("0::/a\n"));
	CHECK(listed(M2 "/a/cgroup.procs", getpid()));
	CHECK(!listed(M "/cgroup.procs", getpid()));
	CHECK(read_str(M "/a/cgroup.events", buf, sizeof(buf)) > 0 && strstr(buf, "populated 1"));
	CHECK(rmdir(M "/a") == -1 && errno == EBUSY);
	CHECK(write_str(M "/a/cgroup.procs", "0") == 0);	/* 0: the writer */
	CHECK(write_str(M "/a/cgroup.procs", "abc") == -1 && errno == EINVAL);
	CHECK(write_str(M "/a/cgroup.procs", "-5") == -1 && errno == EINVAL);
	CHECK(write_str(M "/a/cgroup.procs", "99999") == -1 && errno == ESRCH);
	CHECK(write_str(M "/a/cgroup.threads", "99999") == -1 && errno == ESRCH);
	CHECK(putn(M "/cgroup.procs", getpid()) == 0);
	CHECK(self_cgroup_is("0::/\n"));
	CHECK(mkdir(M "/a/b", 0755) == 0);
	CHECK(rmdir(M "/a") == -1 && errno == EBUSY);	/* a child */
	CHECK(read_str(M "/cgroup.stat", buf, sizeof(buf)) > 0 && strstr(buf, "nr_descendants 2\n"));
	CHECK(rename(M "/a/b", M "/b") == -1 && errno == EIO);
	CHECK(rename(M "/a/cgroup.procs", M "/a/x") == -1 && errno == ENOTDIR);
	CHECK(access(M "/a/b/cgroup.procs", F_OK) == 0);
	CHECK(rmdir(M "/a/b") == 0);
	CHECK(rmdir(M "/a") == 0);
	CHECK(rmdir(M "/a") == -1 && errno == ENOENT);
	CHECK(rmdir(M "/cgroup.procs") == -1 && errno == ENOTDIR);
	CHECK(unlink(M "/cgroup.procs") == -1);
	CHECK(rmdir(M) == -1 && errno == EBUSY);	/* a mount point */
	CHECK(umount(M2) == 0);
}

/* A child that exits at once, moved while it does, then after it is
 * reaped: never a crash, ESRCH at the end, and it leaves the group. */
static void test_exiting(void)
{
	CHECK(mkdir(M "/x", 0755) == 0);
	for (int round = 0; round < 50; round++) {
		pid_t c = fork();
		if (c == 0)
			_exit(0);
		for (int k = 0; k < 20; k++) {
			int r = putn(M "/x/cgroup.procs", c);
			CHECK(r == 0 || errno == ESRCH);
			putn(M "/cgroup.procs", c);
		}
		CHECK(waitpid(c, NULL, 0) == c);
		CHECK(putn(M "/x/cgroup.procs", c) == -1 && errno == ESRCH);
	}
	/* a zombie in the group does not keep it busy */
	pid_t c = fork();
	if (c == 0) {
		wait_moved("0::/x\n");
		_exit(0);
	}
	CHECK(putn(M "/x/cgroup.procs", c) == 0);
	siginfo_t si;
	CHECK(waitid(P_PID, c, &si, WEXITED | WNOWAIT) == 0);	/* a zombie now */
	CHECK(!listed(M "/x/cgroup.procs", c));
	CHECK(rmdir(M "/x") == 0);
	CHECK(waitpid(c, NULL, 0) == c);
}

static void test_limits(void)
{
	char buf[64];

	CHECK(mkdir(M "/l", 0755) == 0);
	CHECK(read_str(M "/l/cgroup.max.depth", buf, sizeof(buf)) > 0 && !strcmp(buf, "max\n"));
	CHECK(write_str(M "/l/cgroup.max.depth", "1") == 0);
	/* Linux: kstrtoint, then a negative number is ERANGE; strstrip */
	CHECK(write_str(M "/l/cgroup.max.depth", "-1") == -1 && errno == ERANGE);
	CHECK(write_str(M "/l/cgroup.max.descendants", "-1") == -1 && errno == ERANGE);
	CHECK(write_str(M "/l/cgroup.max.depth", "  1\n") == 0);
	CHECK(write_str(M "/l/cgroup.max.depth", "1x") == -1 && errno == EINVAL);
	CHECK(mkdir(M "/l/a", 0755) == 0);
	CHECK(mkdir(M "/l/a/b", 0755) == -1 && errno == EAGAIN);
	CHECK(write_str(M "/l/cgroup.max.depth", "max") == 0);
	CHECK(mkdir(M "/l/a/b", 0755) == 0);
	CHECK(write_str(M "/l/cgroup.max.descendants", "3") == 0);
	CHECK(mkdir(M "/l/c", 0755) == 0);
	CHECK(mkdir(M "/l/d", 0755) == -1 && errno == EAGAIN);
	CHECK(mkdir(M "/l/a/b/e", 0755) == -1 && errno == EAGAIN);
	CHECK(rmdir(M "/l/c") == 0);
	CHECK(mkdir(M "/l/d", 0755) == 0);
	CHECK(rmdir(M "/l/d") == 0);
	CHECK(rmdir(M "/l/a/b") == 0);
	CHECK(rmdir(M "/l/a") == 0);
	CHECK(rmdir(M "/l") == 0);
}

static void test_unprivileged(void)
{
	CHECK(mkdir(M "/u", 0755) == 0);
	CHECK(chmod(M "/u", 0777) == 0);	/* others may make groups in it */
	CHECK(mkdir(M "/u/v", 0755) == 0);
	pid_t c = fork();
	if (c == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(90);
		int ok = 1;
		/* no write access to the destination's cgroup.procs */
		ok &= write_str(M "/u/cgroup.procs", "0") == -1 && errno == EACCES;
		ok &= write_str(M "/cgroup.procs", "1") == -1 && errno == EACCES;
		ok &= write_str(M "/u/cgroup.max.depth", "1") == -1 && errno == EACCES;
		_exit(ok ? 0 : 91);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* delegated: u's cgroup.procs and v's are the user's, the root's not */
	CHECK(chown(M "/u/cgroup.procs", 1000, 1000) == 0);
	CHECK(chown(M "/u/v/cgroup.procs", 1000, 1000) == 0);
	struct stat sb;
	CHECK(stat(M "/u/cgroup.procs", &sb) == 0 && sb.st_uid == 1000);
	c = fork();
	if (c == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(90);
		int ok = 1;
		/* from the root into u: the common ancestor is the root: EACCES */
		ok &= write_str(M "/u/cgroup.procs", "0") == -1 && errno == EACCES;
		_exit(ok ? 0 : 92);
	}
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	c = fork();
	if (c == 0) {
		wait_moved("0::/u\n");
		if (setgid(1000) || setuid(1000))
			_exit(90);
		int ok = 1;
		/* inside u: to v and back, u's cgroup.procs being its */
		ok &= write_str(M "/u/v/cgroup.procs", "0") == 0;
		ok &= self_cgroup_is("0::/u/v\n");
		ok &= write_str(M "/u/cgroup.procs", "0") == 0;
		/* out to the root: EACCES */
		ok &= write_str(M "/cgroup.procs", "0") == -1 && errno == EACCES;
		/* a group it makes in u is its own */
		ok &= mkdir(M "/u/mine", 0755) == 0;
		ok &= write_str(M "/u/mine/cgroup.procs", "0") == 0;
		ok &= write_str(M "/u/cgroup.procs", "0") == 0;
		ok &= rmdir(M "/u/mine") == 0;
		_exit(ok ? 0 : 93);
	}
	CHECK(putn(M "/u/cgroup.procs", c) == 0);
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(rmdir(M "/u/v") == 0);
	CHECK(rmdir(M "/u") == 0);
}

static bool populated(const char *events)
{
	char buf[128];
	return read_str(events, buf, sizeof(buf)) > 0 && strstr(buf, "populated 1");
}

/* cgroup.kill of a tree whose members keep forking. */
static void test_kill(void)
{
	CHECK(write_str(M "/cgroup.subtree_control", "+pids") == 0);
	CHECK(mkdir(M "/k", 0755) == 0);
	CHECK(write_str(M "/k/pids.max", "64") == 0);	/* a bounded bomb */
	CHECK(write_str(M "/k/cgroup.kill", "2") == -1);
	pid_t c = fork();
	if (c == 0) {
		wait_moved("0::/k\n");
		for (;;) {	/* every member forks for ever; children reap nothing */
			pid_t g = fork();
			if (g > 0)
				waitpid(-1, NULL, WNOHANG);
			if (g < 0)
				sleep_ms(1);
		}
	}
	CHECK(putn(M "/k/cgroup.procs", c) == 0);
	sleep_ms(200);
	CHECK(populated(M "/k/cgroup.events"));
	CHECK(write_str(M "/k/cgroup.kill", "1") == 0);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	/* orphans went to init, which reaps them: wait for the group to empty */
	for (int k = 0; k < 500 && populated(M "/k/cgroup.events"); k++)
		sleep_ms(10);
	CHECK(!populated(M "/k/cgroup.events"));
	CHECK(rmdir(M "/k") == 0);
	CHECK(write_str(M "/cgroup.subtree_control", "-pids") == 0);
}

/* pids.max against two threads forking at once: every child stays
 * (reading gate until it closes), so each thread reaches the limit. */
static const char *pids_group = M "/p";
static int gate[2];
static int over_seen, eagain_seen;

static int forkers_go;

static void *forker(void *arg)
{
	(void)arg;
	/* both threads exist before either forks: a thread is a pid too, and
	 * the limit must not refuse the second one (its join would crash) */
	while (!__atomic_load_n(&forkers_go, __ATOMIC_ACQUIRE))
		;
	for (int k = 0; k < 40; k++) {
		pid_t g = fork();
		if (g == 0) {
			char c;
			close(gate[1]);
			read(gate[0], &c, 1);	/* EOF once the test lets go */
			_exit(0);
		}
		char buf[32], path[64];
		snprintf(path, sizeof(path), "%s/pids.current", pids_group);
		if (read_str(path, buf, sizeof(buf)) > 0 && atoi(buf) > 6)
			__atomic_add_fetch(&over_seen, 1, __ATOMIC_RELAXED);
		if (g < 0 && errno == EAGAIN) {
			__atomic_add_fetch(&eagain_seen, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	return NULL;
}

static void test_pids(void)
{
	char buf[64];

	CHECK(write_str(M "/cgroup.subtree_control", "+nosuch") == -1 && errno == EINVAL);
	CHECK(write_str(M "/cgroup.subtree_control", "pids") == -1 && errno == EINVAL);
	CHECK(write_str(M "/cgroup.subtree_control", "+pids") == 0);
	CHECK(read_str(M "/cgroup.subtree_control", buf, sizeof(buf)) > 0 && !strcmp(buf, "pids\n"));
	CHECK(mkdir(M "/p", 0755) == 0);
	CHECK(read_str(M "/p/cgroup.controllers", buf, sizeof(buf)) > 0 && !strcmp(buf, "pids\n"));
	CHECK(read_str(M "/p/pids.max", buf, sizeof(buf)) > 0 && !strcmp(buf, "max\n"));
	CHECK(write_str(M "/p/pids.max", "-3") == -1 && errno == EINVAL);
	CHECK(write_str(M "/p/pids.max", "6") == 0);
	pid_t c = fork();
	if (c == 0) {
		wait_moved("0::/p\n");
		pthread_t t[2];
		if (pipe(gate))
			_exit(90);
		for (int i = 0; i < 2; i++)
			if (pthread_create(&t[i], NULL, forker, NULL))
				_exit(91);
		__atomic_store_n(&forkers_go, 1, __ATOMIC_RELEASE);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		close(gate[1]);
		while (wait(NULL) > 0)
			;
		_exit(over_seen ? 94 : eagain_seen == 2 ? 0 : 95);
	}
	CHECK(putn(M "/p/cgroup.procs", c) == 0);
	int st = 0;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (st)
		fprintf(stderr, "cgroup: pids child status %#x\n", st);
	CHECK(read_str(M "/p/pids.current", buf, sizeof(buf)) > 0 && !strcmp(buf, "0\n"));
	CHECK(read_str(M "/p/pids.events", buf, sizeof(buf)) > 0 && strncmp(buf, "max 0", 5) != 0);
	CHECK(read_str(M "/p/pids.peak", buf, sizeof(buf)) > 0 && atoi(buf) == 6);
	/* a disabled controller's files go; a child that gives it: EBUSY */
	CHECK(mkdir(M "/p/q", 0755) == 0);
	CHECK(write_str(M "/p/cgroup.subtree_control", "+pids") == 0);
	CHECK(write_str(M "/cgroup.subtree_control", "-pids") == -1 && errno == EBUSY);
	CHECK(write_str(M "/p/cgroup.subtree_control", "-pids") == 0);
	CHECK(rmdir(M "/p/q") == 0);
	CHECK(rmdir(M "/p") == 0);
	CHECK(write_str(M "/cgroup.subtree_control", "-pids") == 0);
}

static void test_clone_into(void)
{
	CHECK(mkdir(M "/c", 0755) == 0);
	int dfd = open(M "/c", O_PATH | O_DIRECTORY);
	CHECK(dfd >= 0);
	long c = clone_into((uint64_t)dfd, sizeof(struct clone_args_));
	if (c == 0) {
		_exit(self_cgroup_is("0::/c\n") ? 0 : 96);
	}
	CHECK(c > 0);
	int st;
	CHECK(waitpid((pid_t)c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	int ffd = open(M "/c/cgroup.procs", O_RDONLY);
	CHECK(clone_into((uint64_t)ffd, sizeof(struct clone_args_)) == -1 && errno == EBADF);
	CHECK(clone_into(0x7ffffff0, sizeof(struct clone_args_)) == -1 && errno == EBADF);
	CHECK(clone_into((uint64_t)-1, sizeof(struct clone_args_)) == -1 && errno == EINVAL);
	CHECK(clone_into((uint64_t)dfd, 64) == -1 && errno == EINVAL);	/* no cgroup field */
	int tfd = open("/tmp", O_PATH | O_DIRECTORY);
	CHECK(clone_into((uint64_t)tfd, sizeof(struct clone_args_)) == -1 && errno == EBADF);
	close(tfd);

	/* controllers on and a populated child: no process in it */
	CHECK(write_str(M "/cgroup.subtree_control", "+pids") == 0);
	CHECK(write_str(M "/c/cgroup.subtree_control", "+pids") == 0);
	CHECK(mkdir(M "/c/d", 0755) == 0);
	pid_t h = fork();
	if (h == 0) {
		pause();
		_exit(0);
	}
	CHECK(putn(M "/c/d/cgroup.procs", h) == 0);
	CHECK(clone_into((uint64_t)dfd, sizeof(struct clone_args_)) == -1 && errno == EBUSY);
	CHECK(putn(M "/c/cgroup.procs", getpid()) == -1 && errno == EBUSY);
	kill(h, SIGKILL);
	CHECK(waitpid(h, NULL, 0) == h);
	CHECK(write_str(M "/c/cgroup.subtree_control", "-pids") == 0);
	CHECK(write_str(M "/cgroup.subtree_control", "-pids") == 0);
	CHECK(rmdir(M "/c/d") == 0);

	/* removed while open: ENOENT for a clone into it, its open file
	 * empty and writes ENODEV */
	CHECK(rmdir(M "/c") == 0);
	char buf[32];
	CHECK(read(ffd, buf, sizeof(buf)) == 0);
	CHECK(clone_into((uint64_t)dfd, sizeof(struct clone_args_)) == -1 && errno == ENOENT);
	CHECK(openat(dfd, "cgroup.procs", O_RDONLY) == -1 && errno == ENOENT);
	close(ffd);
	close(dfd);
}

static void test_ns(void)
{
	char buf[256], path[64];

	CHECK(mkdir(M "/n", 0755) == 0);
	CHECK(mkdir(M "/n/m", 0755) == 0);
	int pfd[2];
	CHECK(pipe(pfd) == 0);
	pid_t c = fork();
	if (c == 0) {
		close(pfd[1]);
		wait_moved("0::/n\n");
		int ok = unshare(CLONE_NEWCGROUP) == 0;
		ok &= self_cgroup_is("0::/\n");
		ok &= write_str(M "/n/m/cgroup.procs", "0") == 0;
		ok &= self_cgroup_is("0::/m\n");
		char b[256];
		ok &= read_str("/proc/1/cgroup", b, sizeof(b)) > 0 && !strcmp(b, "0::/..\n");
		read(pfd[0], b, 1);	/* until the parent has looked */
		_exit(ok ? 0 : 97);
	}
	close(pfd[0]);
	CHECK(putn(M "/n/cgroup.procs", c) == 0);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", c);
	for (int k = 0; k < 500; k++) {
		if (read_str(path, buf, sizeof(buf)) > 0 && !strcmp(buf, "0::/n/m\n"))
			break;
		sleep_ms(5);
	}
	CHECK(!strcmp(buf, "0::/n/m\n"));
	close(pfd[1]);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(rmdir(M "/n/m") == 0);
	CHECK(rmdir(M "/n") == 0);
	/* an unprivileged caller may not make one */
	c = fork();
	if (c == 0) {
		if (setuid(1000))
			_exit(90);
		_exit(unshare(CLONE_NEWCGROUP) == -1 && errno == EPERM ? 0 : 98);
	}
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
	fprintf(stderr, "cgroup: test_basics\n");
	test_basics();
	fprintf(stderr, "cgroup: test_exiting\n");
	test_exiting();
	fprintf(stderr, "cgroup: test_limits\n");
	test_limits();
	fprintf(stderr, "cgroup: test_unprivileged\n");
	test_unprivileged();
	fprintf(stderr, "cgroup: test_kill\n");
	test_kill();
	fprintf(stderr, "cgroup: test_pids\n");
	test_pids();
	fprintf(stderr, "cgroup: test_clone_into\n");
	test_clone_into();
	fprintf(stderr, "cgroup: test_ns\n");
	test_ns();
	CHECK(umount(M) == 0);
	/* mounted again: the same tree, the root's process still in it */
	CHECK(mount("none", M, "cgroup2", 0, NULL) == 0);
	CHECK(listed(M "/cgroup.procs", getpid()));
	CHECK(umount(M) == 0);
	return check_done();
}
