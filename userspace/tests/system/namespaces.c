#define _GNU_SOURCE
/*
 * namespaces: UTS, IPC, time and user namespaces and their ns files
 * (docs/namespaces.md), from a hostile caller's side:
 *  - /proc/self/ns/<kind> reads "kind:[N]", stat and fstat of an open one
 *    give N, the same for the same namespace;
 *  - setns with -1, a closed fd, a pipe, a regular file, the wrong type or
 *    nstype -1: EBADF, EBADF, EINVAL, EINVAL, EINVAL, EINVAL;
 *  - the NS_GET_* ioctls' answers and errnos; another file is ENOTTY;
 *  - unshare(CLONE_NEWUTS) hides a host name change from the parent,
 *    setns back restores it; an ns fd outlives its last process;
 *  - an unprivileged caller: EPERM for unshare, setns, offsets;
 *  - a second thread reading the host name while the first switches
 *    namespaces sees one of the two names whole;
 *  - IPC ids and keys of one namespace are not seen from another;
 *  - time offsets apply to the child's clocks (vDSO and system call),
 *    sysinfo and /proc/uptime; written after a process entered: EACCES;
 *  - network and cgroup namespaces can be made (netns.c and cgroup.c test
 *    them; PID ones: pidns.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "namespaces"
#include "check.h"

#define NS_GET_USERNS 0xb701
#define NS_GET_PARENT 0xb702
#define NS_GET_NSTYPE 0xb703
#define NS_GET_OWNER_UID 0xb704
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

static long setns_(int fd, int type) { return syscall(SYS_setns, fd, type); }

static unsigned long long ino_of_path(const char *p)
{
	struct stat st;
	return stat(p, &st) ? 0 : (unsigned long long)st.st_ino;
}

static unsigned long long ino_of_fd(int fd)
{
	struct stat st;
	return fstat(fd, &st) ? 0 : (unsigned long long)st.st_ino;
}

static void hostname(char *buf)
{
	struct utsname u;
	uname(&u);
	strcpy(buf, u.nodename);
}

/* Runs fn in a child; the child's exit status (0: all its checks held). */
static int in_child(int (*fn)(void *), void *arg)
{
	int st;
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	CHECK(pid > 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	int r = WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
	if (r)
		fprintf(stderr, TEST_NAME ": a child ended with %d\n", r);
	return r;
}

static void test_links(void)
{
	static const char *const kinds[] = { "cgroup", "ipc", "mnt", "net", "pid", "time",
					     "time_for_children", "user", "uts" };
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		char path[64], target[64], want[64];
		unsigned long long n = 0;
		snprintf(path, sizeof(path), "/proc/self/ns/%s", kinds[k]);
		ssize_t len = readlink(path, target, sizeof(target) - 1);
		CHECK(len > 0);
		if (len <= 0)
			continue;
		target[len] = 0;
		const char *kind = strcmp(kinds[k], "time_for_children") ? kinds[k] : "time";
		snprintf(want, sizeof(want), "%s:[", kind);
		CHECK(!strncmp(target, want, strlen(want)));
		CHECK(sscanf(target + strlen(want), "%llu]", &n) == 1);
		CHECK(ino_of_path(path) == n);
		int fd = open(path, O_RDONLY);
		int fd2 = open(path, O_RDONLY | O_CLOEXEC);
		CHECK(fd >= 0 && fd2 >= 0);
		CHECK(ino_of_fd(fd) == n && ino_of_fd(fd2) == n);
		char c;
		CHECK(read(fd, &c, 1) < 0 && errno == EINVAL);
		close(fd);
		close(fd2);
	}
	/* another process's: its own namespaces, the same here */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)getppid());
	CHECK(ino_of_path(path) == ino_of_path("/proc/self/ns/uts"));
	CHECK(ino_of_path("/proc/self/ns/nothing") == 0 && errno == ENOENT);
}

static void test_setns_errors(void)
{
	int uts = open("/proc/self/ns/uts", O_RDONLY), ipc = open("/proc/self/ns/ipc", O_RDONLY);
	int p[2];
	CHECK(uts >= 0 && ipc >= 0 && pipe(p) == 0);
	int reg = open("/proc/self/status", O_RDONLY);
	int closed = dup(p[0]);
	close(closed);

	errno = 0;
	CHECK(setns_(-1, CLONE_NEWUTS) < 0 && errno == EBADF);
	CHECK(setns_(closed, 0) < 0 && errno == EBADF);
	CHECK(setns_(p[0], 0) < 0 && errno == EINVAL);
	CHECK(setns_(reg, CLONE_NEWUTS) < 0 && errno == EINVAL);
	CHECK(setns_(uts, CLONE_NEWIPC) < 0 && errno == EINVAL);
	CHECK(setns_(uts, -1) < 0 && errno == EINVAL);
	CHECK(setns_(ipc, CLONE_NEWUTS | CLONE_NEWIPC) < 0 && errno == EINVAL);
	CHECK(setns_(uts, CLONE_NEWUTS) == 0);	/* its own: fine for root */
	CHECK(setns_(ipc, 0) == 0);

	/* ioctls */
	CHECK(ioctl(uts, NS_GET_NSTYPE) == CLONE_NEWUTS);
	CHECK(ioctl(ipc, NS_GET_NSTYPE) == CLONE_NEWIPC);
	CHECK(ioctl(uts, NS_GET_PARENT) < 0 && errno == EINVAL);
	uint32_t uid = 7;
	CHECK(ioctl(uts, NS_GET_OWNER_UID, &uid) < 0 && errno == EINVAL);
	CHECK(ioctl(uts, NS_GET_USERNS) < 0 && errno == EPERM);	/* the initial user ns */
	CHECK(ioctl(uts, 0xb799) < 0 && errno == ENOTTY);
	CHECK(ioctl(reg, NS_GET_NSTYPE) < 0 && errno == ENOTTY);
	int pid = open("/proc/self/ns/pid", O_RDONLY);
	CHECK(ioctl(pid, NS_GET_PARENT) < 0 && errno == EPERM);
	int user = open("/proc/self/ns/user", O_RDONLY);
	CHECK(ioctl(user, NS_GET_USERNS) < 0 && errno == EPERM);
	CHECK(ioctl(user, NS_GET_OWNER_UID, &uid) == 0 && uid == 0);
	CHECK(ioctl(user, NS_GET_OWNER_UID, (void *)8) < 0 && errno == EFAULT);
	CHECK(setns_(user, CLONE_NEWUSER) < 0 && errno == EINVAL);	/* its own */
	close(pid);
	close(user);
	close(uts);
	close(ipc);
	close(reg);
	close(p[0]);
	close(p[1]);
}

static int child_newuts(void *arg)
{
	int saved = *(int *)arg;
	char before[65], now[65];
	hostname(before);
	unsigned long long old = ino_of_path("/proc/self/ns/uts");
	if (unshare(CLONE_NEWUTS))
		return 1;
	if (ino_of_path("/proc/self/ns/uts") == old)
		return 2;
	if (sethostname("inside", 6))
		return 3;
	hostname(now);
	if (strcmp(now, "inside"))
		return 4;
	if (setns_(saved, CLONE_NEWUTS))
		return 5;
	hostname(now);
	if (strcmp(now, before) || ino_of_path("/proc/self/ns/uts") != old)
		return 6;
	return 0;
}

static void test_uts(void)
{
	char before[65], after[65];
	int saved = open("/proc/self/ns/uts", O_RDONLY);
	hostname(before);
	CHECK(in_child(child_newuts, &saved) == 0);
	hostname(after);
	CHECK(!strcmp(before, after));
	close(saved);
}

/* An ns fd outlives the last process in the namespace. */
static void test_outlive(void)
{
	int p[2], q[2];
	char buf[65];
	CHECK(pipe(p) == 0 && pipe(q) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWUTS) || sethostname("gone", 4))
			_exit(1);
		write(p[1], "x", 1);
		read(q[0], buf, 1);
		_exit(0);
	}
	CHECK(read(p[0], buf, 1) == 1);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)pid);
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	unsigned long long n = ino_of_fd(fd);
	write(q[1], "x", 1);
	CHECK(waitpid(pid, NULL, 0) == pid);
	CHECK(ino_of_path(path) == 0);		/* reaped: no links */
	int mine = open("/proc/self/ns/uts", O_RDONLY);
	char before[65];
	hostname(before);
	CHECK(ino_of_fd(fd) == n);
	CHECK(setns_(fd, CLONE_NEWUTS) == 0);
	hostname(buf);
	CHECK(!strcmp(buf, "gone"));
	CHECK(ino_of_path("/proc/self/ns/uts") == n);
	CHECK(setns_(mine, CLONE_NEWUTS) == 0);
	hostname(buf);
	CHECK(!strcmp(buf, before));
	close(fd);
	close(mine);
	close(p[0]); close(p[1]); close(q[0]); close(q[1]);
}

static int child_unprivileged(void *arg)
{
	(void)arg;
	int uts = open("/proc/self/ns/uts", O_RDONLY);
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 1;
	if (unshare(CLONE_NEWUTS) == 0 || errno != EPERM)
		return 2;
	if (unshare(CLONE_NEWIPC | CLONE_NEWTIME) == 0 || errno != EPERM)
		return 3;
	if (setns_(uts, CLONE_NEWUTS) == 0 || errno != EPERM)
		return 4;
	if (sethostname("x", 1) == 0 || errno != EPERM)
		return 5;
	int fd = open("/proc/self/timens_offsets", O_WRONLY);
	if (fd >= 0 && (write(fd, "1 10 0", 6) >= 0 || errno != EPERM))
		return 6;
	/* a user namespace needs no privilege; what is in it still does */
	if (unshare(CLONE_NEWUSER))
		return 7;
	if (sethostname("x", 1) == 0 || errno != EPERM)
		return 8;
	if (getuid() != 65534)
		return 9;
	return 0;
}

static volatile int stop;

static void *reader(void *arg)
{
	long *bad = arg;
	while (!stop) {
		char h[65];
		hostname(h);
		if (strcmp(h, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") &&
		    strcmp(h, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"))
			(*bad)++;
	}
	return NULL;
}

static int child_race(void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWUTS) || sethostname("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 40))
		return 1;
	int a = open("/proc/self/ns/uts", O_RDONLY);
	if (unshare(CLONE_NEWUTS) ||
	    sethostname("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 51))
		return 2;
	int b = open("/proc/self/ns/uts", O_RDONLY);
	long bad = 0;
	pthread_t t;
	if (pthread_create(&t, NULL, reader, &bad))
		return 3;
	for (int i = 0; i < 2000; i++)
		if (setns_(i & 1 ? a : b, CLONE_NEWUTS))
			return 4;
	stop = 1;
	pthread_join(t, NULL);
	/* the old namespace went while the other thread may have used it */
	return bad ? 5 : 0;
}

static int child_ipc(void *arg)
{
	int shmid = *(int *)arg;
	if (unshare(CLONE_NEWIPC))
		return 1;
	struct shmid_ds ds;
	if (shmctl(shmid, IPC_STAT, &ds) == 0 || errno != EINVAL)
		return 2;
	if (shmat(shmid, NULL, 0) != (void *)-1 || errno != EINVAL)
		return 3;
	if (msgget(0x5eed, 0) >= 0 || errno != ENOENT)
		return 4;
	int q = msgget(0x5eed, IPC_CREAT | 0600);	/* our own, dies with the ns */
	if (q < 0)
		return 5;
	if (shmget(IPC_PRIVATE, 4096, 0600) < 0)
		return 6;
	return 0;
}

static void test_ipc(void)
{
	int shmid = shmget(IPC_PRIVATE, 4096, 0600);
	int q = msgget(0x5eed, IPC_CREAT | 0600);
	CHECK(shmid >= 0 && q >= 0);
	CHECK(in_child(child_ipc, &shmid) == 0);
	CHECK(msgget(0x5eed, 0) == q);		/* ours, not the child's */
	struct msqid_ds mds;
	CHECK(msgctl(q, IPC_RMID, &mds) == 0);
	CHECK(msgget(0x5eed, 0) < 0 && errno == ENOENT);	/* the child's went with its ns */
	CHECK(shmctl(shmid, IPC_RMID, NULL) == 0);
}

static long long mono_ns(clockid_t c, bool sys)
{
	struct timespec ts;
	if (sys)
		syscall(SYS_clock_gettime, c, &ts);
	else
		clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int child_time(void *arg)
{
	long long parent_mono = *(long long *)arg;
	long long d1 = mono_ns(CLOCK_MONOTONIC, true) - parent_mono;
	long long d2 = mono_ns(CLOCK_MONOTONIC, false) - parent_mono;	/* the vDSO */
	long long d3 = mono_ns(CLOCK_BOOTTIME, true) - parent_mono;
	if (d1 < 100000000000LL || d1 > 105000000000LL)
		return 1;
	if (d2 < 100000000000LL || d2 > 105000000000LL)
		return 2;
	if (d3 < 200000000000LL || d3 > 205000000000LL)
		return 3;
	struct sysinfo si;
	sysinfo(&si);
	if (si.uptime * 1000000000LL < parent_mono + 199000000000LL ||
	    si.uptime * 1000000000LL > parent_mono + 206000000000LL)
		return 4;	/* uptime is CLOCK_BOOTTIME's */
	double up = 0;
	FILE *f = fopen("/proc/uptime", "r");
	if (!f || fscanf(f, "%lf", &up) != 1 || up < si.uptime - 1 || up > si.uptime + 2)
		return 9;
	fclose(f);
	/* an absolute sleep in our view: 50 ms from now */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	long long t0 = mono_ns(CLOCK_MONOTONIC, true);
	ts.tv_nsec += 50000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		return 5;
	long long slept = mono_ns(CLOCK_MONOTONIC, true) - t0;
	if (slept < 40000000 || slept > 2000000000)
		return 6;
	/* the offsets are fixed now */
	int fd = open("/proc/self/timens_offsets", O_WRONLY);
	if (fd < 0)
		return 7;
	if (write(fd, "1 5 0", 5) >= 0 || errno != EACCES)
		return 8;
	return 0;
}

static void test_time(void)
{
	pid_t pid = fork();
	if (pid == 0) {	/* the caller's own time namespace stays: do it in a child */
		int fails = 0;
		long long t0 = ino_of_path("/proc/self/ns/time");
		if (unshare(CLONE_NEWTIME))
			_exit(1);
		if (ino_of_path("/proc/self/ns/time") != (unsigned long long)t0)
			_exit(2);
		if (ino_of_path("/proc/self/ns/time_for_children") == (unsigned long long)t0)
			_exit(3);
		int fd = open("/proc/self/timens_offsets", O_RDWR);
		if (fd < 0)
			_exit(4);
		/* hostile writes, all refused whole */
		static const char *const bad[] = { "0 10 0", "1 10 1000000000", "1 10 -1",
						   "1 x 0", "7 1", "", "1 10 0 junk",
						   "1 1 0\n7 1 0\n1 2 0" };
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			errno = 0;
			if (write(fd, bad[k], strlen(bad[k])) >= 0 && strlen(bad[k]))
				fails++;
			else if (strlen(bad[k]) && errno != EINVAL)
				fails++;
		}
		if (write(fd, "1 -99999999999 0", 16) >= 0 || errno != ERANGE)
			fails++;
		const char *ok = "1 100 0\nboottime 200 0\n";
		if (write(fd, ok, strlen(ok)) != (ssize_t)strlen(ok))
			fails++;
		char text[128] = { 0 };
		lseek(fd, 0, SEEK_SET);
		read(fd, text, sizeof(text) - 1);
		if (!strstr(text, "monotonic") || !strstr(text, "100") || !strstr(text, "200"))
			fails++;
		long long now = mono_ns(CLOCK_MONOTONIC, true);
		int r = in_child(child_time, &now);
		if (r)
			fails += 10 * r;
		/* a process entered: the offsets are frozen */
		lseek(fd, 0, SEEK_SET);
		if (write(fd, "1 5 0", 5) >= 0 || errno != EACCES)
			fails++;
		/* this process's own clock never moved */
		long long d = mono_ns(CLOCK_MONOTONIC, false) - now;
		if (d < 0 || d > 5000000000LL)
			fails++;
		_exit(fails);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "namespaces: time child status %d\n", WEXITSTATUS(st));
}

static int child_user(void *arg)
{
	int *pp = arg;
	unsigned long long parent = ino_of_path("/proc/self/ns/user");
	if (unshare(CLONE_NEWUSER))
		return 1;
	int fd = open("/proc/self/ns/user", O_RDONLY);
	if (fd < 0 || ino_of_fd(fd) == parent)
		return 2;
	/* its owner, the parent, is above the caller now: hidden (Linux) */
	if (ioctl(fd, NS_GET_USERNS) >= 0 || errno != EPERM)
		return 3;
	if (ioctl(fd, NS_GET_PARENT) >= 0 || errno != EPERM)
		return 4;
	uint32_t uid = 1;
	if (ioctl(fd, NS_GET_OWNER_UID, &uid) || uid != 0)
		return 5;
	/* a UTS namespace made now is owned by the new user namespace */
	if (unshare(CLONE_NEWUTS))
		return 6;
	int u = open("/proc/self/ns/uts", O_RDONLY);
	int o = ioctl(u, NS_GET_USERNS);
	if (o < 0 || ino_of_fd(o) != ino_of_fd(fd))
		return 7;
	if (fcntl(o, F_GETFD) != FD_CLOEXEC)
		return 8;
	if (setns_(fd, CLONE_NEWUSER) >= 0 || errno != EINVAL)
		return 9;	/* its own */
	char c;
	write(pp[1], "x", 1);
	read(pp[2], &c, 1);	/* the parent looks at us meanwhile */
	return 0;
}

static void test_user(void)
{
	int a[2], b[2];
	CHECK(pipe(a) == 0 && pipe(b) == 0);
	int ends[3] = { a[0], a[1], b[0] };
	pid_t pid = fork();
	if (pid == 0)
		_exit(child_user(ends));
	char c, path[64];
	CHECK(read(a[0], &c, 1) == 1);
	unsigned long long mine = ino_of_path("/proc/self/ns/user");
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && ino_of_fd(fd) != mine);
	int p = ioctl(fd, NS_GET_USERNS), q = ioctl(fd, NS_GET_PARENT);
	CHECK(p >= 0 && ino_of_fd(p) == mine);
	struct stat s1, s2;	/* one filesystem, however opened */
	CHECK(fstat(p, &s1) == 0 && stat("/proc/self/ns/user", &s2) == 0);
	CHECK(s1.st_dev == s2.st_dev && s1.st_ino == s2.st_ino);
	char fdpath[64], name[64] = { 0 }, want[64];
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", p);
	snprintf(want, sizeof(want), "user:[%llu]", mine);
	CHECK(readlink(fdpath, name, sizeof(name) - 1) > 0 && !strcmp(name, want));
	CHECK(q >= 0 && ino_of_fd(q) == mine);
	CHECK(ioctl(q, NS_GET_PARENT) < 0 && errno == EPERM);	/* the top */
	snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)pid);
	int u = open(path, O_RDONLY);
	int o = ioctl(u, NS_GET_USERNS);
	CHECK(o >= 0 && ino_of_fd(o) == ino_of_fd(fd));
	write(b[1], "x", 1);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* the child's namespaces outlive it through these */
	CHECK(ioctl(o, NS_GET_NSTYPE) == CLONE_NEWUSER);
	close(fd); close(p); close(q); close(u); close(o);
	close(a[0]); close(a[1]); close(b[0]); close(b[1]);
}

/* Namespaces, their objects and ns files all go with their last user:
 * the kernel heap is back where it was after many rounds. */
static int child_churn(void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWTIME | CLONE_NEWUSER))
		return 1;
	int fd = open("/proc/self/ns/uts", O_RDONLY);
	int u = open("/proc/self/ns/user", O_RDONLY);
	int o = ioctl(fd, NS_GET_USERNS);
	if (fd < 0 || u < 0 || o < 0 || setns_(fd, 0))
		return 2;
	int id = shmget(IPC_PRIVATE, 8192, 0600);	/* left for the namespace to remove */
	void *p = shmat(id, NULL, 0);
	if (id < 0 || p == (void *)-1 || msgget(0x77, IPC_CREAT | 0600) < 0)
		return 3;
	*(char *)p = 1;
	return 0;	/* everything left open: exit lets go */
}

static void test_churn(void)
{
	for (int i = 0; i < 20; i++)	/* warm the caches */
		CHECK(in_child(child_churn, NULL) == 0);
	long long heap0 = meminfo("KernelHeap");
	for (int i = 0; i < 500; i++)
		if (in_child(child_churn, NULL)) {
			CHECK(0);
			break;
		}
	usleep(50000);
	long long heap1 = meminfo("KernelHeap");
	printf("# churn: 500 rounds, KernelHeap %lld KiB -> %lld KiB\n", heap0 / 1024, heap1 / 1024);
	CHECK(heap0 > 0 && heap1 - heap0 < 32 * 1024);	/* 64 bytes a round */
	CHECK(msgget(0x77, 0) < 0 && errno == ENOENT);	/* none leaked into ours */
}

int main(void)
{
	test_links();
	test_setns_errors();
	test_uts();
	test_outlive();
	CHECK(in_child(child_unprivileged, NULL) == 0);
	CHECK(in_child(child_race, NULL) == 0);
	test_ipc();
	test_time();
	test_user();
	test_churn();
	/* every kind can be made now (network ones: netns.c; cgroup ones: cgroup.c) */
	unsigned long long cg0 = ino_of_path("/proc/self/ns/cgroup");
	CHECK(unshare(CLONE_NEWCGROUP) == 0 && ino_of_path("/proc/self/ns/cgroup") != cg0);
	CHECK(syscall(SYS_clone, CLONE_NEWUSER | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, 0, 0,
		      0, 0) < 0 && errno == EINVAL);
	return check_done();
}
