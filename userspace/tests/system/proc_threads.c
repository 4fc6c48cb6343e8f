#define _GNU_SOURCE
/*
 * proc_threads: /proc shows a process's threads as Linux does.
 *  - with 4 pthreads alive, /proc/self/task lists exactly the 5 tids
 *    (each thread's own gettid), /proc/self/status says Threads: 5;
 *  - each /proc/self/task/<tid>/status has Tgid: <pid>, Pid: <tid> and
 *    that thread's own SigBlk (every thread blocks a different signal);
 *    its stat starts with its tid and counts 5 threads; its comm, fd/,
 *    cwd and exe are there;
 *  - /proc/<tid> of a thread that is not the leader resolves (and says
 *    Pid: <tid>, Tgid: <pid>) but is not listed in /proc; /proc/thread-self
 *    names the calling thread; tids of other processes and malformed
 *    names under task/ are ENOENT;
 *  - threads come and go while another thread reads /proc/self/task and
 *    every status in it for 2 s: no crash, and only ENOENT or ESRCH for
 *    the threads that vanished in between; the leader is in every pass;
 *  - a leader that exits (pthread_exit) before its threads is still
 *    listed, a zombie thread, as on Linux; a gone thread is not.
 * A Linux program: run natively, it passes on Linux too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "proc_threads"
#include "check.h"

#define NT 4

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

static pid_t tids[NT + 1];		/* [0]: the leader */
static const int sigs[NT + 1] = { SIGUSR1, SIGUSR2, SIGWINCH, SIGURG, SIGPROF };
static pthread_barrier_t ready, done;
static char thread_self[NT + 1][64];	/* what /proc/thread-self named */

static void block_own(int i)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sigs[i]);
	pthread_sigmask(SIG_SETMASK, &s, NULL);
	tids[i] = gettid_();
	ssize_t n = readlink("/proc/thread-self", thread_self[i], sizeof(thread_self[i]) - 1);
	thread_self[i][n > 0 ? n : 0] = '\0';
}

static void *sitter(void *arg)
{
	block_own((int)(long)arg);
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&done);	/* alive until the checks are over */
	return NULL;
}

/* The whole text of path into buf (NUL-terminated); -1 with errno. */
static int slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t k = 0;

	if (fd < 0)
		return -1;
	while (n + 1 < len && (k = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)k;
	int e = errno;
	close(fd);
	errno = e;
	buf[n] = '\0';
	return k < 0 ? -1 : (int)n;
}

/* A "Key:\tvalue" line's value as text; NULL if none. */
static const char *field(const char *text, const char *key, char *out, size_t len)
{
	size_t n = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, key, n) && l[n] == ':') {
			const char *v = l + n + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t k = strcspn(v, "\n");
			k = k < len - 1 ? k : len - 1;
			memcpy(out, v, k);
			out[k] = '\0';
			return out;
		}
	}
	return NULL;
}

static long long num_field(const char *text, const char *key, int base)
{
	char v[64];

	return field(text, key, v, sizeof(v)) ? strtoll(v, NULL, base) : -1;
}

/* The numeric names in dir, up to max; how many, -1 if it cannot be read. */
static int list_nums(const char *dir, int *out, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (n < max)
			out[n] = atoi(e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static bool has(const int *v, int n, int x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static void check_thread(int i)
{
	char path[128], buf[4096], want[64];
	pid_t pid = getpid(), tid = tids[i];

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	CHECK(slurp(path, buf, sizeof(buf)) > 0);
	CHECK(num_field(buf, "Tgid", 10) == pid);
	CHECK(num_field(buf, "Pid", 10) == tid);
	CHECK(num_field(buf, "Threads", 10) == NT + 1);
	unsigned long long blk = (unsigned long long)num_field(buf, "SigBlk", 16);
	if (blk != 1ULL << (sigs[i] - 1))
		fprintf(stderr, "proc_threads: thread %d (%d) SigBlk %llx, wants %llx\n", i, tid,
			blk, 1ULL << (sigs[i] - 1));
	CHECK(blk == 1ULL << (sigs[i] - 1));
	CHECK(field(buf, "State", want, sizeof(want)) && strchr("RS", want[0]));

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	CHECK(slurp(path, buf, sizeof(buf)) > 0);
	CHECK(atoi(buf) == tid);
	const char *rp = strrchr(buf, ')');
	char st = 0;
	int nthreads = 0, f = 3;
	long cpu = -1;
	for (const char *s = rp ? rp + 2 : ""; *s; f++) {	/* field f starts at s */
		if (f == 3)
			st = *s;
		if (f == 20)
			nthreads = atoi(s);
		if (f == 39)
			cpu = atol(s);
		s += strcspn(s, " ");
		s += *s == ' ';
	}
	CHECK(st && strchr("RS", st));
	CHECK(nthreads == NT + 1);
	CHECK(cpu >= 0 && cpu < sysconf(_SC_NPROCESSORS_CONF));

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	CHECK(slurp(path, buf, sizeof(buf)) > 0 && strchr(buf, '\n'));
	snprintf(path, sizeof(path), "/proc/self/task/%d/exe", tid);
	CHECK(readlink(path, buf, sizeof(buf)) > 0);
	snprintf(path, sizeof(path), "/proc/self/task/%d/cwd", tid);
	CHECK(readlink(path, buf, sizeof(buf)) > 0);
	snprintf(path, sizeof(path), "/proc/self/task/%d/fd/0", tid);
	struct stat sa, sb;
	CHECK(stat(path, &sa) == 0 && fstat(0, &sb) == 0 && sa.st_ino == sb.st_ino);

	snprintf(want, sizeof(want), "%d/task/%d", pid, tid);
	if (strcmp(thread_self[i], want))
		fprintf(stderr, "proc_threads: thread-self '%s', wants '%s'\n", thread_self[i],
			want);
	CHECK(!strcmp(thread_self[i], want));
}

static int steady(void)
{
	pthread_t th[NT];
	int got[64], n;
	char path[128], buf[4096];
	pid_t pid = getpid();

	pthread_barrier_init(&ready, NULL, NT + 1);
	pthread_barrier_init(&done, NULL, NT + 1);
	for (long i = 1; i <= NT; i++)
		CHECK(pthread_create(&th[i - 1], NULL, sitter, (void *)i) == 0);
	block_own(0);
	pthread_barrier_wait(&ready);

	n = list_nums("/proc/self/task", got, 64);
	CHECK(n == NT + 1);
	n = n < 64 ? n : 64;
	for (int i = 0; i <= NT; i++)
		CHECK(has(got, n, tids[i]));
	CHECK(slurp("/proc/self/status", buf, sizeof(buf)) > 0);
	CHECK(num_field(buf, "Threads", 10) == NT + 1);
	CHECK(num_field(buf, "Tgid", 10) == pid && num_field(buf, "Pid", 10) == pid);
	for (int i = 0; i <= NT; i++)
		check_thread(i);

	/* /proc/<tid>: resolves, is the thread's, is not listed */
	static int all[4096];
	n = list_nums("/proc", all, 4096);
	CHECK(n > 0 && n <= 4096);
	n = n < 4096 ? n : 4096;
	CHECK(has(all, n, pid));
	for (int i = 1; i <= NT; i++) {
		struct stat st;
		snprintf(path, sizeof(path), "/proc/%d", tids[i]);
		CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
		snprintf(path, sizeof(path), "/proc/%d/status", tids[i]);
		CHECK(slurp(path, buf, sizeof(buf)) > 0);
		CHECK(num_field(buf, "Tgid", 10) == pid && num_field(buf, "Pid", 10) == tids[i]);
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", tids[i], tids[0]);
		CHECK(slurp(path, buf, sizeof(buf)) > 0);	/* its group's threads */
		CHECK(!has(all, n, tids[i]));
		/* a thread of ours is not a thread of init's */
		snprintf(path, sizeof(path), "/proc/1/task/%d", tids[i]);
		CHECK(access(path, F_OK) < 0 && errno == ENOENT);
	}

	/* names under task/ that are no thread of ours */
	const char *bad[] = { "0", "-1", "1", "99999", "2147483648", "0001", "self", "" };
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		if (!strcmp(bad[k], "1") && pid == 1)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", bad[k]);
		errno = 0;
		CHECK(open(path, O_RDONLY) < 0 && errno == ENOENT);
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/task", tids[1]);
	CHECK(access(path, F_OK) < 0 && errno == ENOENT);	/* Linux has no task/ there */
	int dfd = open("/proc/self/task", O_RDONLY | O_DIRECTORY);
	char dents[1024];
	CHECK(dfd >= 0);
	CHECK(lseek(dfd, 1 << 30, SEEK_SET) == 1 << 30);	/* past any tid */
	CHECK(syscall(SYS_getdents64, dfd, dents, sizeof(dents)) == 0);
	CHECK(lseek(dfd, 0, SEEK_SET) == 0);
	CHECK(syscall(SYS_getdents64, dfd, dents, sizeof(dents)) > 0);
	close(dfd);

	pthread_barrier_wait(&done);
	for (int i = 0; i < NT; i++)
		pthread_join(th[i], NULL);
	CHECK(list_nums("/proc/self/task", got, 64) == 1 && got[0] == pid);
	return failures ? 1 : 0;
}

/* --- threads come and go under a reader ----------------------------- */

static atomic_int stop;

static void *brief(void *arg)
{
	(void)arg;
	usleep(300);	/* long enough to be listed, then gone */
	return NULL;
}

static void *churn(void *arg)
{
	long *made = arg;

	while (!atomic_load(&stop)) {
		pthread_t t[3];
		int n = 0;
		for (int i = 0; i < 3; i++)
			n += pthread_create(&t[n], NULL, brief, NULL) == 0;
		for (int i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		*made += n;
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int racing(void)
{
	pthread_t c[2];
	long made[2] = { 0, 0 };
	long passes = 0, reads = 0, vanished = 0, bad = 0, noleader = 0;
	pid_t pid = getpid();
	char path[128], buf[2048];
	int seen[256], nseen = 0;

	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&c[i], NULL, churn, &made[i]) == 0);
	double start = now();
	for (;;) {	/* 2 s, and 10 passes even on a slow machine */
		double t = now() - start;
		if ((t >= 2.0 && passes >= 10) || t >= 20.0)
			break;
		DIR *d = opendir("/proc/self/task");
		struct dirent *e;
		bool leader = false;
		if (!d) {
			bad++;
			continue;
		}
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			int tid = atoi(e->d_name);
			leader |= tid == pid;
			if (tid != pid && nseen < 256 && !has(seen, nseen, tid))
				seen[nseen++] = tid;
			/* every other pass through /proc/<tid> */
			snprintf(path, sizeof(path), passes % 2 ? "/proc/%d/status" :
				 "/proc/self/task/%d/status", tid);
			int fd = open(path, O_RDONLY);
			ssize_t k = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
			int err = errno;
			if (fd >= 0)
				close(fd);
			if (k > 0) {
				buf[k] = '\0';
				reads++;
				if (num_field(buf, "Pid", 10) != tid || num_field(buf, "Tgid", 10) != pid)
					bad++;
			} else if (k == 0 || (err != ENOENT && err != ESRCH)) {
				fprintf(stderr, "proc_threads: %s: %zd, errno %d %s\n", path, k, err,
					errname(err));
				bad++;
			} else {
				vanished++;
			}
		}
		closedir(d);
		noleader += !leader;
		passes++;
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(c[i], NULL);
	printf("# proc_threads: %ld passes, %ld reads, %ld vanished, %ld threads made, "
	       "%d tids seen\n", passes, reads, vanished, made[0] + made[1], nseen);
	fflush(stdout);
	CHECK(bad == 0);
	CHECK(noleader == 0);
	CHECK(passes > 0 && reads > passes);
	CHECK(nseen >= 3);	/* the churn was seen: more than the 2 churners */
	return failures ? 1 : 0;
}

/* --- the leader goes first ------------------------------------------ */

static pid_t leader_pid;

static void *orphan(void *arg)
{
	char path[128], buf[4096], st[64];
	int got[64], n;
	pid_t late = *(pid_t *)arg;

	/* pthread_exit of the leader returns before it is gone: wait for it */
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", leader_pid);
	for (int i = 0; i < 2000; i++) {
		if (slurp(path, buf, sizeof(buf)) > 0 && field(buf, "State", st, sizeof(st)) &&
		    st[0] == 'Z')
			break;
		usleep(1000);
	}
	CHECK(slurp(path, buf, sizeof(buf)) > 0);
	CHECK(field(buf, "State", st, sizeof(st)) && st[0] == 'Z');
	CHECK(num_field(buf, "Pid", 10) == leader_pid && num_field(buf, "Tgid", 10) == leader_pid);
	n = list_nums("/proc/self/task", got, 64);
	CHECK(n == 2);
	n = n < 64 ? n : 64;
	CHECK(has(got, n, leader_pid) && has(got, n, gettid_()));
	CHECK(!has(got, n, late));	/* joined: gone */
	snprintf(path, sizeof(path), "/proc/self/task/%d", late);
	CHECK(access(path, F_OK) < 0 && errno == ENOENT);
	snprintf(path, sizeof(path), "/proc/%d", late);
	CHECK(access(path, F_OK) < 0 && errno == ENOENT);
	fflush(stderr);
	_exit(failures ? 1 : 0);
}

static void *quick(void *arg)
{
	*(pid_t *)arg = gettid_();
	return NULL;
}

static int leader_first(void)
{
	pthread_t t;
	static pid_t late;

	leader_pid = getpid();
	CHECK(pthread_create(&t, NULL, quick, &late) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(pthread_create(&t, NULL, orphan, &late) == 0);
	if (failures)
		return 1;
	pthread_exit(NULL);
}

static int in_child(int (*fn)(void), int seconds)
{
	fflush(stdout);
	pid_t pid = fork();

	if (pid == 0) {
		failures = 0;	/* the child's own */
		alarm(seconds);
		_exit(fn());
	}
	int st = -1;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

int main(void)
{
	int st;

	printf("TAP version 13\n1..3\n");
	st = in_child(steady, 30);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("# %s 1 - task/, per-thread status and stat, /proc/<tid>\n",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "not ok");
	st = in_child(racing, 60);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("# %s 2 - threads exit under readdir+open+read of task/\n",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "not ok");
	st = in_child(leader_first, 30);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("# %s 3 - a leader gone first is a zombie thread in task/\n",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "not ok");
	return check_done();
}
