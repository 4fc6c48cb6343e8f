/*
 * Real-time signals queue (POSIX, Linux): every instance sent while one
 * is pending is kept with its own siginfo, taken lowest number first and
 * in the order sent within a number; standard signals still merge.
 * From the attacker's side:
 * - a flood up to RLIMIT_SIGPENDING succeeds, one more is EAGAIN
 *   (sigqueue, tgkill), kill()'s SI_USER is never refused; the whole
 *   flood comes back in order, one instance per sigtimedwait;
 * - /proc/self/status: the pending bit stays while instances are left,
 *   SigQ counts them;
 * - a handler runs once per instance; signalfd reads one siginfo per
 *   instance, several per read;
 * - SIG_IGN discards every queued instance; a thread that exits with
 *   instances queued for it, and a process that exits with thousands
 *   queued, leak nothing (KernelHeap);
 * - a second thread floods while the first takes: nothing lost,
 *   nothing reordered.
 */
#define _GNU_SOURCE
#define TEST_NAME "rtsig_queue"
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include "check.h"

static const struct timespec zero;

static int queue(int sig, int value)
{
	union sigval v = { .sival_int = value };
	return sigqueue(getpid(), sig, v);
}

static int take(int sig, int *value)
{
	sigset_t s;
	siginfo_t si;
	sigemptyset(&s);
	sigaddset(&s, sig);
	int got = sigtimedwait(&s, &si, &zero);
	if (got > 0 && value)
		*value = si.si_value.sival_int;
	return got;
}

static void block(int sig, int how)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

/* A /proc/self/status line's text after the tab, or "" */
static void status_line(const char *key, char *out, size_t n)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		size_t k = strlen(key);
		if (!strncmp(line, key, k) && line[k] == ':') {
			snprintf(out, n, "%s", line + k + 2);
			out[strcspn(out, "\n")] = 0;
		}
	}
	fclose(f);
}

static unsigned long long shdpnd(void)
{
	char b[64];
	status_line("ShdPnd", b, sizeof(b));
	return strtoull(b, NULL, 16);
}

static unsigned sigq(void)
{
	char b[64];
	status_line("SigQ", b, sizeof(b));
	return (unsigned)strtoul(b, NULL, 10);
}

static void order(void)
{
	int r1 = SIGRTMIN + 1, r0 = SIGRTMIN, v = -1;
	sigset_t all;
	sigemptyset(&all);
	sigaddset(&all, r0);
	sigaddset(&all, r1);
	sigaddset(&all, SIGUSR1);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (int i = 1; i <= 3; i++)
		CHECK(queue(r1, i) == 0);
	CHECK(queue(r0, 10) == 0);
	CHECK(queue(r0, 11) == 0);
	CHECK(queue(SIGUSR1, 20) == 0);
	CHECK(queue(SIGUSR1, 21) == 0);	/* merged with the first */
	CHECK(sigq() == 6);
	CHECK(shdpnd() & (1ULL << (r1 - 1)));
	siginfo_t si;
	CHECK(sigtimedwait(&all, &si, &zero) == SIGUSR1 && si.si_value.sival_int == 20);
	CHECK(sigtimedwait(&all, &si, &zero) == r0 && si.si_value.sival_int == 10);
	CHECK(sigtimedwait(&all, &si, &zero) == r0 && si.si_value.sival_int == 11);
	CHECK(!(shdpnd() & (1ULL << (r0 - 1))));
	for (int i = 1; i <= 3; i++) {
		CHECK(shdpnd() & (1ULL << (r1 - 1)));
		CHECK(take(r1, &v) == r1 && v == i);
	}
	CHECK(sigtimedwait(&all, &si, &zero) == -1 && errno == EAGAIN);
	CHECK(shdpnd() == 0 && sigq() == 0);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
}

static void flood(void)
{
	int sig = SIGRTMIN + 2, v = -1, n = 0;
	struct rlimit lim = { 100, 100 };
	block(sig, SIG_BLOCK);
	CHECK(setrlimit(RLIMIT_SIGPENDING, &lim) == 0);
	while (n < 1000 && queue(sig, n) == 0)
		n++;
	CHECK(n == 100 && errno == EAGAIN);
	CHECK(syscall(SYS_tgkill, getpid(), gettid(), sig) == -1 && errno == EAGAIN);
	CHECK(kill(getpid(), sig) == 0);	/* SI_USER: kept, not queued */
	CHECK(sigq() == 100);
	for (int i = 0; i < 100; i++)
		CHECK(take(sig, &v) == sig && v == i);
	CHECK(take(sig, NULL) == -1 && errno == EAGAIN);
	lim.rlim_cur = lim.rlim_max = 1;
	CHECK(setrlimit(RLIMIT_SIGPENDING, &lim) == 0);
	CHECK(queue(sig, 0) == 0);
	CHECK(queue(sig, 1) == -1 && errno == EAGAIN);
	CHECK(take(sig, NULL) == sig);
	lim.rlim_cur = lim.rlim_max = RLIM_INFINITY;
	CHECK(setrlimit(RLIMIT_SIGPENDING, &lim) == 0);
	block(sig, SIG_UNBLOCK);
}

static volatile int handled[8], nhandled;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (nhandled < 8)
		handled[nhandled] = si->si_value.sival_int;
	nhandled++;
}

static void delivery(void)
{
	int sig = SIGRTMIN + 3;
	struct sigaction sa = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO };
	sigaction(sig, &sa, NULL);
	block(sig, SIG_BLOCK);
	for (int i = 0; i < 5; i++)
		CHECK(queue(sig, 100 + i) == 0);
	block(sig, SIG_UNBLOCK);
	CHECK(nhandled == 5);
	for (int i = 0; i < 5; i++)
		CHECK(handled[i] == 100 + i);

	/* signalfd: one siginfo per instance, several per read */
	block(sig, SIG_BLOCK);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	int fd = signalfd(-1, &s, SFD_NONBLOCK);
	CHECK(fd >= 0);
	for (int i = 0; i < 5; i++)
		CHECK(queue(sig, 200 + i) == 0);
	struct signalfd_siginfo fi[3];
	CHECK(read(fd, fi, sizeof(fi[0])) == sizeof(fi[0]) && fi[0].ssi_int == 200);
	CHECK(read(fd, fi, sizeof(fi)) == sizeof(fi));
	CHECK(fi[0].ssi_int == 201 && fi[1].ssi_int == 202 && fi[2].ssi_int == 203);
	CHECK(read(fd, fi, sizeof(fi)) == sizeof(fi[0]) && fi[0].ssi_int == 204);
	CHECK(read(fd, fi, sizeof(fi)) == -1 && errno == EAGAIN);
	close(fd);

	/* SIG_IGN discards them all */
	for (int i = 0; i < 5; i++)
		CHECK(queue(sig, i) == 0);
	CHECK(sigq() == 5);
	signal(sig, SIG_IGN);
	CHECK(sigq() == 0 && shdpnd() == 0);
	signal(sig, SIG_DFL);
	block(sig, SIG_UNBLOCK);
}

static volatile int worker_tid, worker_go;

static void *worker(void *arg)
{
	(void)arg;
	block(SIGRTMIN + 4, SIG_BLOCK);
	worker_tid = gettid();
	while (!worker_go)
		sched_yield();
	return NULL;
}

struct qinfo {	/* the head of Linux's siginfo_t, for rt_tgsigqueueinfo */
	int signo, errno_, code, pad;
	int pid;
	unsigned uid;
	uint64_t value;
	char rest[128 - 32];
};

static void leaks(void)
{
	/* instances queued for a thread that exits without taking them */
	long long before = meminfo("KernelHeap");
	for (int round = 0; round < 20; round++) {
		pthread_t th;
		worker_tid = 0;
		worker_go = 0;
		CHECK(pthread_create(&th, NULL, worker, NULL) == 0);
		while (!worker_tid)
			sched_yield();
		struct qinfo q = { .code = SI_QUEUE, .pid = getpid() };
		for (int i = 0; i < 200; i++)
			CHECK(syscall(SYS_rt_tgsigqueueinfo, getpid(), worker_tid, SIGRTMIN + 4, &q) == 0);
		worker_go = 1;
		pthread_join(th, NULL);
	}
	CHECK(sigq() == 0);
	/* a process that exits with thousands queued */
	for (int round = 0; round < 5; round++) {
		pid_t kid = fork();
		if (kid == 0) {
			for (int i = 0; i < 8; i++)
				block(SIGRTMIN + i, SIG_BLOCK);
			for (int i = 0; i < 5000; i++)
				if (queue(SIGRTMIN + (i & 7), i))
					_exit(2);
			_exit(sigq() == 5000 ? 0 : 3);
		}
		int st;
		CHECK(waitpid(kid, &st, 0) == kid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	long long after = meminfo("KernelHeap");
	if (before >= 0 && after >= 0) {
		CHECK(after - before < 256 * 1024);
		if (after - before >= 256 * 1024)
			fprintf(stderr, "heap %lld -> %lld\n", before, after);
	}
}

static volatile int sent_all;

static void *sender(void *arg)
{
	int n = *(int *)arg;
	for (int i = 0; i < n; i++) {
		while (queue(SIGRTMIN + 5, i) != 0) {
			if (errno != EAGAIN) {
				fprintf(stderr, "sigqueue: %d\n", errno);
				return NULL;
			}
			sched_yield();
		}
	}
	sent_all = 1;
	return NULL;
}

static void race(void)
{
	int n = 2000, bad = 0;
	struct rlimit lim = { 64, 64 };	/* the sender hits the limit often */
	CHECK(setrlimit(RLIMIT_SIGPENDING, &lim) == 0);
	block(SIGRTMIN + 5, SIG_BLOCK);
	pthread_t th;
	CHECK(pthread_create(&th, NULL, sender, &n) == 0);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN + 5);
	for (int i = 0; i < n; i++) {
		siginfo_t si;
		if (sigwaitinfo(&s, &si) != SIGRTMIN + 5 || si.si_value.sival_int != i) {
			bad++;
			break;
		}
	}
	CHECK(bad == 0);
	pthread_join(th, NULL);
	CHECK(sent_all);
	lim.rlim_cur = lim.rlim_max = RLIM_INFINITY;
	setrlimit(RLIMIT_SIGPENDING, &lim);
	block(SIGRTMIN + 5, SIG_UNBLOCK);
}

int main(void)
{
	struct timespec t0, t1;
	void (*parts[])(void) = { order, flood, delivery, leaks, race };
	for (unsigned i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		parts[i]();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		fprintf(stderr, "# part %u: %ld ms\n", i, (long)((t1.tv_sec - t0.tv_sec) * 1000 +
			(t1.tv_nsec - t0.tv_nsec) / 1000000));
	}
	return check_done();
}
