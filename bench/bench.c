/*
 * bench: lmbench-style micro-benchmarks, the same static binary on Alloy
 * and on Linux (scripts/bench.py boots both; docs/bench.md has the method).
 *
 *   bench [--quick] [--dir DIR] [--only NAME[,NAME...]] [--list]
 *
 * DIR is a directory on an ext2 disk (default /mnt); the file benchmarks
 * work there. Each benchmark prints one line:
 *
 *   bench: NAME MEDIAN UNIT min=MIN max=MAX reps=R iters=N [note=...]
 *
 * MEDIAN, MIN and MAX are over R timed loops of N operations each (N is
 * calibrated so that one loop takes about 50 ms; 5 ms with --quick, where
 * R is 1). UNIT is "us" (per operation, lower is better) or "MiB/s"
 * (higher is better). A benchmark that cannot run prints
 *
 *   bench: NAME FAIL reason
 *
 * and the last line is "bench: done". Time is CLOCK_MONOTONIC.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <net/if.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_REPS 15
#define CHUNK (64 * 1024)

int quick;
const char *dir = "/mnt";
static const char *only;
static char true_path[4096];
static char failure[256];	/* set by a benchmark that cannot run */
const char *note;	/* printed with the result */
static char *buf;		/* CHUNK bytes of I/O buffer */

double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void fail(const char *what)
{
	if (!failure[0])
		snprintf(failure, sizeof failure, "%.180s: %s", what, strerror(errno));
}

/* ---- the benchmarks: each runs n operations and returns the seconds
 * they took (setup and teardown outside the timed part), or < 0 after
 * fail(). */

static double b_null_syscall(long n)
{
	double t = now();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return now() - t;
}

/* What a program pays to read the clock: musl's clock_gettime goes
 * through the vDSO when the kernel maps one (AT_SYSINFO_EHDR), else it
 * is a system call. */
static double b_clock_gettime(long n)
{
	struct timespec ts;
	note = getauxval(AT_SYSINFO_EHDR) ? "vdso" : "no-vdso";
	double t = now();
	for (long i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return now() - t;
}

static double b_fork_exit(long n)
{
	double t = now();
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			return fail("fork"), -1;
		if (p == 0)
			_exit(0);
		if (waitpid(p, NULL, 0) != p)
			return fail("waitpid"), -1;
	}
	return now() - t;
}

static double b_fork_exec(long n)
{
	double t = now();
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			return fail("fork"), -1;
		if (p == 0) {
			char *argv[] = { true_path, NULL }, *envp[] = { NULL };
			execve(true_path, argv, envp);
			_exit(127);
		}
		int st;
		if (waitpid(p, &st, 0) != p)
			return fail("waitpid"), -1;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			errno = ENOEXEC;
			return fail(true_path), -1;
		}
	}
	return now() - t;
}

/* Two processes pass one byte back and forth over two pipes; n round
 * trips. With pin, both are bound to CPU 0 first (a context switch per
 * hop); if the kernel cannot pin, they run unpinned and the note says so. */
static double pingpong(long n, int pin)
{
	int ab[2], ba[2];
	char c = 'x';

	if (pin) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(0, &set);
		if (sched_setaffinity(0, sizeof set, &set) < 0)
			note = errno == ENOSYS ? "unpinned(sched_setaffinity:ENOSYS)"
					       : "unpinned(sched_setaffinity failed)";
	}
	if (pipe(ab) < 0 || pipe(ba) < 0)
		return fail("pipe"), -1;
	pid_t p = fork();
	if (p < 0)
		return fail("fork"), -1;
	if (p == 0) {
		for (long i = 0; i < n; i++) {
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	double t = now();
	for (long i = 0; i < n; i++) {
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1) {
			fail("pipe round trip");
			break;
		}
	}
	t = now() - t;
	close(ab[0]); close(ab[1]); close(ba[0]); close(ba[1]);
	waitpid(p, NULL, 0);
	if (pin) {
		cpu_set_t all;
		CPU_ZERO(&all);
		for (int i = 0; i < 64; i++)
			CPU_SET(i, &all);
		sched_setaffinity(0, sizeof all, &all);
	}
	return failure[0] ? -1 : t;
}

static double b_pipe_latency(long n)
{
	return pingpong(n, 0);
}

/* lmbench's lat_ctx for two processes: a pinned round trip is two
 * switches; the result is per switch (the pipe work is included). */
static double b_ctx_switch(long n)
{
	double t = pingpong(n, 1);
	return t < 0 ? t : t / 2;
}

/* Two processes pass a count back and forth over two eventfds (one per
 * direction); n round trips. */
static double b_eventfd_pingpong(long n)
{
	int ab = eventfd(0, 0), ba = eventfd(0, 0);
	uint64_t v = 1;

	if (ab < 0 || ba < 0)
		return fail("eventfd"), -1;
	pid_t p = fork();
	if (p < 0)
		return fail("fork"), -1;
	if (p == 0) {
		for (long i = 0; i < n; i++)
			if (read(ab, &v, 8) != 8 || write(ba, &v, 8) != 8)
				_exit(1);
		_exit(0);
	}
	double t = now();
	for (long i = 0; i < n; i++) {
		if (write(ab, &v, 8) != 8 || read(ba, &v, 8) != 8) {
			fail("eventfd round trip");
			break;
		}
	}
	t = now() - t;
	close(ab);
	close(ba);
	waitpid(p, NULL, 0);
	return failure[0] ? -1 : t;
}

/* epoll_wait (timeout 0) over 100 pipes of which one holds a byte: one
 * (level-triggered) event per call. */
static double b_epoll_wait(long n)
{
	int fd[100][2], ep = epoll_create1(0);
	struct epoll_event ev[100];
	double t = -1;

	if (ep < 0)
		return fail("epoll_create1"), -1;
	for (int i = 0; i < 100; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = i };
		if (pipe(fd[i]) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd[i][0], &e) < 0) {
			fail("pipe/epoll_ctl");
			for (int k = 0; k < i; k++)
				close(fd[k][0]), close(fd[k][1]);
			close(ep);
			return -1;
		}
	}
	if (write(fd[57][1], "x", 1) != 1) {
		fail("write");
		goto out;
	}
	t = now();
	for (long i = 0; i < n; i++) {
		if (epoll_wait(ep, ev, 100, 0) != 1 || ev[0].data.u32 != 57) {
			fail("epoll_wait: not the one ready pipe");
			t = -1;
			goto out;
		}
	}
	t = now() - t;
out:
	for (int i = 0; i < 100; i++)
		close(fd[i][0]), close(fd[i][1]);
	close(ep);
	return t;
}

/* n chunks of 64 KiB from a child to the parent through a pipe. */
static double b_pipe_bw(long n)
{
	int fd[2];
	if (pipe(fd) < 0)
		return fail("pipe"), -1;
	double t = now();
	pid_t p = fork();
	if (p < 0)
		return fail("fork"), -1;
	if (p == 0) {
		close(fd[0]);
		for (long i = 0; i < n; i++) {
			for (size_t off = 0; off < CHUNK;) {
				ssize_t w = write(fd[1], buf + off, CHUNK - off);
				if (w <= 0)
					_exit(1);
				off += w;
			}
		}
		_exit(0);
	}
	close(fd[1]);
	long long want = (long long)n * CHUNK, got = 0;
	char *rbuf = malloc(CHUNK);
	while (got < want) {
		ssize_t r = read(fd[0], rbuf, CHUNK);
		if (r <= 0)
			break;
		got += r;
	}
	waitpid(p, NULL, 0);
	t = now() - t;
	close(fd[0]);
	free(rbuf);
	if (got != want) {
		errno = EIO;
		return fail("pipe short read"), -1;
	}
	return t;
}

/* Touch n fresh anonymous pages (one write each); only the touching is
 * timed. Transparent huge pages are refused so Linux faults 4 KiB pages. */
static double b_page_fault(long n)
{
	size_t len = (size_t)n * 4096;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return fail("mmap"), -1;
	madvise(p, len, MADV_NOHUGEPAGE);	/* EINVAL where unknown: fine */
	double t = now();
	for (long i = 0; i < n; i++)
		p[(size_t)i * 4096] = 1;
	t = now() - t;
	munmap(p, len);
	return t;
}

/* Two processes fault n/2 fresh anonymous pages each at the same moment
 * (one per CPU at -smp 2): the page allocator's cost when both CPUs ask at
 * once. Timed from the start signal until both are done. */
static double b_page_fault_par(long n)
{
	long half = n / 2 > 0 ? n / 2 : 1;
	size_t len = (size_t)half * 4096;
	int go[2], done[2];
	char c = 0;

	if (pipe(go) < 0 || pipe(done) < 0)
		return fail("pipe"), -1;
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork"), -1;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		if (pid == 0)
			_exit(1);
		return fail("mmap"), -1;
	}
	madvise(p, len, MADV_NOHUGEPAGE);
	if (pid == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (long i = 0; i < half; i++)
			p[(size_t)i * 4096] = 1;
		_exit(write(done[1], &c, 1) == 1 ? 0 : 1);
	}
	double t = now();
	if (write(go[1], &c, 1) != 1)
		return fail("write"), -1;
	for (long i = 0; i < half; i++)
		p[(size_t)i * 4096] = 1;
	if (read(done[0], &c, 1) != 1)
		return fail("child"), -1;
	t = now() - t;
	int st;
	waitpid(pid, &st, 0);
	munmap(p, len);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	return t;
}

static double b_mmap_munmap(long n)
{
	double t = now();
	for (long i = 0; i < n; i++) {
		void *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail("mmap"), -1;
		if (munmap(p, 1 << 20) < 0)
			return fail("munmap"), -1;
	}
	return now() - t;
}

static char small_file[4096];

static double b_open_close(long n)
{
	double t = now();
	for (long i = 0; i < n; i++) {
		int fd = open(small_file, O_RDONLY);
		if (fd < 0)
			return fail(small_file), -1;
		close(fd);
	}
	return now() - t;
}

static double b_stat(long n)
{
	struct stat st;
	double t = now();
	for (long i = 0; i < n; i++)
		if (stat(small_file, &st) < 0)
			return fail(small_file), -1;
	return now() - t;
}

/* Create n empty files in one directory, then delete them: the time is
 * per file (one create and one delete). */
static double b_create_delete(long n)
{
	char d[4096], name[4200];
	snprintf(d, sizeof d, "%s/cd", dir);
	if (mkdir(d, 0755) < 0 && errno != EEXIST)
		return fail("mkdir"), -1;
	double t = now();
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%s/f%ld", d, i);
		int fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0)
			return fail("create"), -1;
		close(fd);
	}
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%s/f%ld", d, i);
		if (unlink(name) < 0)
			return fail("unlink"), -1;
	}
	return now() - t;
}

static long file_mib(void)
{
	return quick ? 4 : 64;
}

static int write_file(const char *path, long mib)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0)
		return fail(path), -1;
	for (long i = 0; i < mib * (1 << 20) / CHUNK; i++) {
		if (write(fd, buf, CHUNK) != CHUNK) {
			close(fd);
			return fail("write"), -1;
		}
	}
	if (fsync(fd) < 0) {
		close(fd);
		return fail("fsync"), -1;
	}
	return close(fd);
}

static char read_path[4096], write_path[4096];

/* One operation reads the whole (cached) file in 64 KiB reads. */
static double b_seq_read(long n)
{
	int fd = open(read_path, O_RDONLY);
	if (fd < 0)
		return fail(read_path), -1;
	double t = now();
	for (long i = 0; i < n; i++) {
		lseek(fd, 0, SEEK_SET);
		ssize_t r;
		long long got = 0;
		while ((r = read(fd, buf, CHUNK)) > 0)
			got += r;
		if (r < 0 || got != file_mib() << 20) {
			close(fd);
			errno = r < 0 ? errno : EIO;
			return fail("read"), -1;
		}
	}
	t = now() - t;
	close(fd);
	return t;
}

/* One operation reads 4 KiB at a random page of the cached read file:
 * with pread, and through an io_uring (one READ submitted and waited for
 * in one io_uring_enter), to compare the ring's cost with a syscall's. */
#define RAND_PAGES() ((unsigned long)(file_mib() << 20) / 4096)
static unsigned long rnd_state = 88172645463325252UL;
static unsigned long rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static double b_pread_rand(long n)
{
	int fd = open(read_path, O_RDONLY);
	if (fd < 0)
		return fail(read_path), -1;
	double t = now();
	for (long i = 0; i < n; i++) {
		off_t off = (off_t)(rnd() % RAND_PAGES()) * 4096;
		if (pread(fd, buf, 4096, off) != 4096) {
			close(fd);
			return fail("pread"), -1;
		}
	}
	t = now() - t;
	close(fd);
	return t;
}

struct ur_sqe {
	uint8_t opcode, flags;
	uint16_t ioprio;
	int32_t fd;
	uint64_t off, addr;
	uint32_t len, rw_flags;
	uint64_t user_data;
	uint64_t pad[3];
};
struct ur_cqe {
	uint64_t user_data;
	int32_t res;
	uint32_t flags;
};
struct ur_params {
	uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd;
	uint32_t resv[3];
	uint32_t sq_off[10], cq_off[10];
};

static double b_uring_rand(long n)
{
	struct ur_params p;
	memset(&p, 0, sizeof p);
	int rfd = (int)syscall(425, 4, &p);
	int fd = open(read_path, O_RDONLY);
	if (rfd < 0 || fd < 0)
		return fail("io_uring_setup"), -1;
	size_t ring_len = p.cq_off[5] + p.cq_entries * sizeof(struct ur_cqe);
	if (p.sq_off[6] + p.sq_entries * 4 > ring_len)
		ring_len = p.sq_off[6] + p.sq_entries * 4;
	char *ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, rfd, 0);
	struct ur_sqe *sqes = mmap(NULL, p.sq_entries * sizeof(struct ur_sqe), PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_POPULATE, rfd, 0x10000000);
	if (ring == MAP_FAILED || sqes == MAP_FAILED || !(p.features & 1))
		return fail("io_uring mmap"), -1;
	volatile uint32_t *sq_tail = (uint32_t *)(ring + p.sq_off[1]);
	uint32_t *sq_array = (uint32_t *)(ring + p.sq_off[6]);
	volatile uint32_t *cq_head = (uint32_t *)(ring + p.cq_off[0]);
	uint32_t cq_mask = *(uint32_t *)(ring + p.cq_off[2]);
	struct ur_cqe *cqes = (struct ur_cqe *)(ring + p.cq_off[5]);
	memset(sqes, 0, sizeof *sqes);
	sqes[0].opcode = 22;	/* IORING_OP_READ */
	sqes[0].fd = fd;
	sqes[0].addr = (uint64_t)(uintptr_t)buf;
	sqes[0].len = 4096;
	sq_array[0] = 0;
	double t = now();
	for (long i = 0; i < n; i++) {
		sqes[0].off = (rnd() % RAND_PAGES()) * 4096;
		__atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
		if (syscall(426, rfd, 1, 1, 1, NULL, 8) != 1 ||
		    cqes[*cq_head & cq_mask].res != 4096) {
			close(fd);
			close(rfd);
			return fail("io_uring_enter"), -1;
		}
		__atomic_store_n(cq_head, *cq_head + 1, __ATOMIC_RELEASE);
	}
	t = now() - t;
	munmap(ring, ring_len);
	munmap(sqes, p.sq_entries * sizeof(struct ur_sqe));
	close(fd);
	close(rfd);
	return t;
}

/* One operation writes a new file in 64 KiB writes and fsyncs it. The
 * previous copy is deleted (and that synced) before the clock starts. */
static double b_seq_write(long n)
{
	double total = 0;
	for (long i = 0; i < n; i++) {
		unlink(write_path);
		sync();
		double t = now();
		if (write_file(write_path, file_mib()) < 0)
			return -1;
		total += now() - t;
	}
	return total;
}

/*
 * nanosleep(100 us) overshoot: each sleep is timed, and the loop reports
 * n times the median lateness, so "us per op" is the median overshoot of
 * one sleep, whatever a loaded host does to a few of them (a periodic
 * 4 ms tick makes it ~4000; Linux adds its default 50 us timer slack).
 */
#define SLEEP_US 100
#define SLEEP_MAX_N 512

static int cmp_double(const void *a, const void *b);

static double b_nanosleep(long n)
{
	static double late[SLEEP_MAX_N];
	struct timespec req = { 0, SLEEP_US * 1000L };
	/* a median of a handful is noise: at least 101 samples, whatever n */
	long m = n < 101 ? 101 : n > SLEEP_MAX_N ? SLEEP_MAX_N : n;

	for (long i = 0; i < m; i++) {
		double t = now();
		if (nanosleep(&req, NULL)) {
			fail("nanosleep");
			return -1;
		}
		late[i] = now() - t - SLEEP_US * 1e-6;
	}
	qsort(late, m, sizeof late[0], cmp_double);
	return late[m / 2] > 0 ? late[m / 2] * n : 1e-9;
}

/* ---- threads. On a kernel without them pthread_create fails and the
 * row says FAIL with its errno; a lost futex wakeup fails the ping-pong
 * after 2 s instead of hanging the whole run. */

static void *thread_nothing(void *arg)
{
	return arg;
}

/* pthread_create + pthread_join of a thread that returns at once (musl:
 * mmap of its stack, clone, the exit's futex wake, munmap) */
static double b_thread_create(long n)
{
	double t = now();
	for (long i = 0; i < n; i++) {
		pthread_t th;
		int e = pthread_create(&th, NULL, thread_nothing, NULL);
		if (e)
			return errno = e, fail("pthread_create"), -1;
		if ((e = pthread_join(th, NULL)))
			return errno = e, fail("pthread_join"), -1;
	}
	return now() - t;
}

static atomic_int ball;
static atomic_int pp_stop;
static long pp_n;
static const char *pp_err;

/* Waits until ball == want; 0, or -1 after a 2 s wait with no wake. */
static int ball_wait(int want)
{
	int v;
	while ((v = atomic_load(&ball)) != want) {
		if (atomic_load(&pp_stop))
			return -1;
		struct timespec to = { 2, 0 };
		if (syscall(SYS_futex, &ball, 128 /* FUTEX_WAIT_PRIVATE */, v, &to, NULL, 0) < 0 &&
		    errno == ETIMEDOUT) {
			pp_err = "futex wait timed out (lost wakeup?)";
			atomic_store(&pp_stop, 1);
			return -1;
		}
	}
	return 0;
}

static void ball_set(int v)
{
	atomic_store(&ball, v);
	syscall(SYS_futex, &ball, 129 /* FUTEX_WAKE_PRIVATE */, 1, NULL, NULL, 0);
}

static int pin_self(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof set, &set);	/* 0: this thread */
}

static void *ponger(void *arg)
{
	(void)arg;
	pin_self(1);
	for (long i = 0; i < pp_n; i++) {
		if (ball_wait(1) < 0)
			break;
		ball_set(0);
	}
	return NULL;
}

/* One round trip: this thread (CPU 0) sets the word to 1 and FUTEX_WAKEs,
 * the partner (CPU 1) wakes, sets it back to 0 and wakes this one. */
static double b_futex_pingpong(long n)
{
	pthread_t th;
	int e;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		note = "one_cpu";
	else if (pin_self(0) < 0)
		note = errno == ENOSYS ? "unpinned(sched_setaffinity:ENOSYS)"
				       : "unpinned(sched_setaffinity failed)";
	atomic_store(&ball, 0);
	atomic_store(&pp_stop, 0);
	pp_err = NULL;
	pp_n = n;
	if ((e = pthread_create(&th, NULL, ponger, NULL)))
		return errno = e, fail("pthread_create"), -1;
	double t = now();
	for (long i = 0; i < n; i++) {
		ball_set(1);
		if (ball_wait(0) < 0)
			break;
	}
	t = now() - t;
	atomic_store(&pp_stop, 1);
	ball_set(1);
	pthread_join(th, NULL);
	cpu_set_t all;
	CPU_ZERO(&all);
	for (int i = 0; i < 64; i++)
		CPU_SET(i, &all);
	sched_setaffinity(0, sizeof all, &all);
	if (pp_err) {
		snprintf(failure, sizeof failure, "%s", pp_err);
		return -1;
	}
	return t;
}

/* Two processes take turns through a System V semaphore set: the parent
 * raises semaphore 0 and waits on semaphore 1, the child the other way
 * round; n round trips. */
static double b_sysv_sem_pingpong(long n)
{
	int id = semget(IPC_PRIVATE, 2, 0600);

	if (id < 0)
		return fail("semget"), -1;
	pid_t p = fork();
	if (p < 0) {
		semctl(id, 0, IPC_RMID);
		return fail("fork"), -1;
	}
	if (p == 0) {
		struct sembuf down = { 0, -1, 0 }, up = { 1, 1, 0 };
		for (long i = 0; i < n; i++)
			if (semop(id, &down, 1) || semop(id, &up, 1))
				_exit(1);
		_exit(0);
	}
	struct sembuf up = { 0, 1, 0 }, down = { 1, -1, 0 };
	double t = now();
	for (long i = 0; i < n; i++) {
		if (semop(id, &up, 1) || semop(id, &down, 1)) {
			fail("semop");
			break;
		}
	}
	t = now() - t;
	semctl(id, 0, IPC_RMID);	/* a stuck child gets EIDRM */
	waitpid(p, NULL, 0);
	return failure[0] ? -1 : t;
}

/* ---- inotify event delivery (issue 20): a ping-pong of IN_MODIFY
 * events between two processes. The parent writes a byte to file A and
 * waits in read() on its watch of file B; the child, blocked in read() on
 * its watch of A, writes to B. One round trip: two writes, two events
 * made, queued and read, two wakeups across processes. */
static double b_inotify_pingpong(long n)
{
	char a[4200], b[4200];
	snprintf(a, sizeof a, "%s/inotify_a", dir);
	snprintf(b, sizeof b, "%s/inotify_b", dir);
	int fa = open(a, O_CREAT | O_RDWR, 0644), fb = open(b, O_CREAT | O_RDWR, 0644);
	int ia = inotify_init(), ib = inotify_init();
	if (fa < 0 || fb < 0 || ia < 0 || ib < 0 ||
	    inotify_add_watch(ia, a, IN_MODIFY) < 0 || inotify_add_watch(ib, b, IN_MODIFY) < 0)
		return fail("inotify set-up"), -1;
	char ev[256];
	pid_t p = fork();
	if (p < 0)
		return fail("fork"), -1;
	if (p == 0) {
		for (long i = 0; i < n; i++)
			if (read(ia, ev, sizeof ev) <= 0 || pwrite(fb, "y", 1, 0) != 1)
				_exit(1);
		_exit(0);
	}
	double t = now();
	for (long i = 0; i < n; i++) {
		if (pwrite(fa, "x", 1, 0) != 1 || read(ib, ev, sizeof ev) <= 0) {
			fail("inotify round trip");
			break;
		}
	}
	t = now() - t;
	if (failure[0])
		kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	close(ia);
	close(ib);
	close(fa);
	close(fb);
	unlink(a);
	unlink(b);
	return failure[0] ? -1 : t;
}

/* ---- file locks (issue 20) */

static int lock_byte(int fd, int cmd, short type, off_t at)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = at, .l_len = 1 };
	return fcntl(fd, cmd, &fl);
}

/* An uncontended F_SETLK lock and unlock pair on one byte. */
static double b_fcntl_lock(long n)
{
	int fd = open(small_file, O_RDWR);
	if (fd < 0)
		return fail(small_file), -1;
	double t = now();
	for (long i = 0; i < n; i++) {
		if (lock_byte(fd, F_SETLK, F_WRLCK, 0) || lock_byte(fd, F_SETLK, F_UNLCK, 0)) {
			close(fd);
			return fail("F_SETLK"), -1;
		}
	}
	t = now() - t;
	close(fd);
	return t;
}

/* Two processes chase each other round three bytes: each takes the next
 * byte with F_SETLKW, then lets its own go, so every step waits for the
 * other's unlock. The time is per step of one process. */
static int lock_chase(int fd, int pos, long n)
{
	for (long i = 0; i < n; i++, pos = (pos + 1) % 3)
		if (lock_byte(fd, F_SETLKW, F_WRLCK, (pos + 1) % 3) ||
		    lock_byte(fd, F_SETLK, F_UNLCK, pos))
			return -1;
	return 0;
}

static double b_fcntl_lock_contended(long n)
{
	int fd = open(small_file, O_RDWR), p[2];
	char c;
	if (fd < 0 || pipe(p))
		return fail("open/pipe"), -1;
	if (lock_byte(fd, F_SETLK, F_WRLCK, 0))
		return fail("F_SETLK"), -1;
	pid_t child = fork();
	if (child == 0) {
		int cfd = open(small_file, O_RDWR);
		if (cfd < 0 || lock_byte(cfd, F_SETLK, F_WRLCK, 1) || write(p[1], "r", 1) != 1)
			_exit(1);
		_exit(lock_chase(cfd, 1, n) ? 1 : 0);
	}
	if (child < 0 || read(p[0], &c, 1) != 1)
		return fail("fork"), -1;
	double t = now();
	int rc = lock_chase(fd, 0, n);
	t = now() - t;
	close(fd);		/* drops ours: the child can finish */
	int st;
	waitpid(child, &st, 0);
	close(p[0]);
	close(p[1]);
	if (rc || !WIFEXITED(st) || WEXITSTATUS(st))
		return fail("F_SETLKW"), -1;
	return t;
}

/* ---- zero-copy transfers: one operation moves the whole cached read64
 * file (64 MiB) without user buffers. Into a pipe, a child drains it with
 * read(2), so both kernels pay the same sink. */

static pid_t drainer(int fd[2])
{
	if (pipe(fd) < 0)
		return fail("pipe"), -1;
	pid_t p = fork();
	if (p < 0)
		return fail("fork"), -1;
	if (p == 0) {
		close(fd[1]);
		char *rbuf = malloc(CHUNK);
		while (read(fd[0], rbuf, CHUNK) > 0)
			;
		_exit(0);
	}
	close(fd[0]);
	return p;
}

/* sendfile (splice = 0) or splice (1) of read64 into a drained pipe */
static double to_pipe(long n, int use_splice)
{
	int fd[2];
	int in = open(read_path, O_RDONLY);
	if (in < 0)
		return fail(read_path), -1;
	pid_t p = drainer(fd);
	if (p < 0)
		return close(in), -1;
	long long size = file_mib() << 20;
	double t = now();
	for (long i = 0; i < n; i++) {
		off_t off = 0;
		while (off < size) {
			long k = use_splice
				? syscall(SYS_splice, in, &off, fd[1], NULL, (size_t)(size - off), 0)
				: syscall(SYS_sendfile, fd[1], in, &off, (size_t)(size - off));
			if (k <= 0) {
				errno = k < 0 ? errno : EIO;
				fail(use_splice ? "splice" : "sendfile");
				close(fd[1]), close(in), waitpid(p, NULL, 0);
				return -1;
			}
		}
	}
	close(fd[1]);
	waitpid(p, NULL, 0);
	t = now() - t;
	close(in);
	return t;
}

static double b_sendfile(long n) { return to_pipe(n, 0); }
static double b_splice(long n) { return to_pipe(n, 1); }

/* copy_file_range of read64 into a file beside it (emptied untimed) */
static double b_copy_file_range(long n)
{
	int in = open(read_path, O_RDONLY);
	int out = open(write_path, O_CREAT | O_WRONLY, 0644);
	if (in < 0 || out < 0)
		return fail(write_path), -1;
	long long size = file_mib() << 20;
	double total = 0;
	for (long i = 0; i < n; i++) {
		if (ftruncate(out, 0) < 0)
			return fail("ftruncate"), close(in), close(out), -1;
		double t = now();
		off_t oi = 0, oo = 0;
		while (oi < size) {
			long k = syscall(SYS_copy_file_range, in, &oi, out, &oo,
					 (size_t)(size - oi), 0);
			if (k <= 0) {
				errno = k < 0 ? errno : EIO;
				return fail("copy_file_range"), close(in), close(out), -1;
			}
		}
		total += now() - t;
	}
	close(in);
	close(out);
	return total;
}

/* ---- AF_UNIX sockets (kernel/net/unix.c) */

/* 1-byte round trips between two processes over the connected stream
 * sockets sv (closed here); what names them in a failure. */
static double stream_latency(int sv[2], long n, const char *what)
{
	char c = 'x';
	pid_t p = fork();
	if (p < 0)
		return fail("fork"), -1;
	if (p == 0) {
		close(sv[0]);
		for (long i = 0; i < n; i++)
			if (read(sv[1], &c, 1) != 1 || write(sv[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(sv[1]);
	double t = now();
	for (long i = 0; i < n; i++)
		if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1) {
			fail(what);
			break;
		}
	t = now() - t;
	close(sv[0]);
	waitpid(p, NULL, 0);
	return failure[0] ? -1 : t;
}

/* n writes of 64 KiB from a child to the parent over the connected
 * stream sockets sv (closed here); what names them in a failure. */
static double stream_bw(int sv[2], long n, const char *what)
{
	double t = now();
	pid_t p = fork();
	if (p < 0)
		return fail("fork"), -1;
	if (p == 0) {
		close(sv[0]);
		for (long i = 0; i < n; i++)
			for (size_t off = 0; off < CHUNK;) {
				ssize_t w = write(sv[1], buf + off, CHUNK - off);
				if (w <= 0)
					_exit(1);
				off += w;
			}
		_exit(0);
	}
	close(sv[1]);
	long long want = (long long)n * CHUNK, got = 0;
	char *rbuf = malloc(CHUNK);
	while (got < want) {
		ssize_t r = read(sv[0], rbuf, CHUNK);
		if (r <= 0)
			break;
		got += r;
	}
	waitpid(p, NULL, 0);
	t = now() - t;
	close(sv[0]);
	free(rbuf);
	if (got != want) {
		errno = EIO;
		return fail(what), -1;
	}
	return t;
}

static double b_unix_stream_latency(long n)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return fail("socketpair"), -1;
	return stream_latency(sv, n, "unix round trip");
}

static double b_unix_stream_bw(long n)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return fail("socketpair"), -1;
	return stream_bw(sv, n, "unix short read");
}

/* ---- TCP over 127.0.0.1 (lwIP, kernel/net/inet.c) */

/* Linux boots with lo down when no init script brings it up (Alloy's
 * loopback is always up, and it refuses SIOCSIF*: ignored). */
static void loopback_up(int s)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
}

/* A connected TCP pair on loopback (TCP_NODELAY on both); 0 or -1. */
static int tcp_pair(int sv[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	if (l >= 0)
		loopback_up(l);
	if (l < 0 || bind(l, (void *)&a, len) || listen(l, 1) || getsockname(l, (void *)&a, &len))
		return -1;
	sv[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (sv[0] < 0 || connect(sv[0], (void *)&a, len) || (sv[1] = accept(l, NULL, NULL)) < 0)
		return -1;
	close(l);
	setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(sv[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

/* 1-byte round trips between two processes over TCP on 127.0.0.1. */
static double b_tcp_loopback_latency(long n)
{
	int sv[2];

	if (tcp_pair(sv))
		return fail("tcp pair"), -1;
	return stream_latency(sv, n, "tcp round trip");
}

/* n writes of 64 KiB from a child to the parent over TCP on 127.0.0.1. */
static double b_tcp_loopback_bw(long n)
{
	int sv[2];

	if (tcp_pair(sv))
		return fail("tcp pair"), -1;
	return stream_bw(sv, n, "tcp short read");
}

/* ---- host to guest TCP over virtio-net (scripts/bench.py is the host) */

#define HOST_BW_PORT 5001	/* QEMU forwards a host port here (bench.py) */
static int host_l = -1;

/* Waits (10 s at most) until eth0 has an IPv4 address: Alloy's from
 * QEMU's DHCP server at boot, Linux's from bench/init.sh. */
static int eth0_ready(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0), ok = 0;

	for (int i = 0; s >= 0 && i < 100 && !ok; i++) {
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "eth0");
		ok = ioctl(s, SIOCGIFADDR, &ifr) == 0 &&
		     ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr != 0;
		if (!ok)
			usleep(100000);
	}
	if (s >= 0)
		close(s);
	return ok;
}

#define HOST_BW_OP (1 << 20)	/* one operation: 1 MiB (TCP's slow start is not the measure) */

/* n MiB from the host: a line "bench: @send BYTES" asks
 * scripts/bench.py for one connection carrying them through QEMU's
 * forward (the host's loopback to the guest's port 5001); timed from
 * accept to the last byte. */
static double b_host_tcp_bw(long n)
{
	long long want = (long long)n * HOST_BW_OP, got = 0;
	struct pollfd p;
	int one = 1;

	if (host_l < 0) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(HOST_BW_PORT) };
		if (!eth0_ready()) {
			errno = ENODEV;
			return fail("eth0 has no address (no virtio-net?)"), -1;
		}
		host_l = socket(AF_INET, SOCK_STREAM, 0);
		if (host_l < 0)
			return fail("socket"), -1;
		setsockopt(host_l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(host_l, (void *)&a, sizeof(a)) || listen(host_l, 4)) {
			close(host_l);
			host_l = -1;
			return fail("listen on port 5001"), -1;
		}
	}
	printf("bench: @send %lld\n", want);
	fflush(stdout);
	p.fd = host_l;
	p.events = POLLIN;
	if (poll(&p, 1, 30000) != 1) {
		errno = ETIMEDOUT;
		return fail("no connection from the host"), -1;
	}
	int c = accept(host_l, NULL, NULL);
	if (c < 0)
		return fail("accept"), -1;
	double t = now();
	while (got < want) {
		ssize_t r = read(c, buf, CHUNK);
		if (r <= 0)
			break;
		got += r;
	}
	t = now() - t;
	close(c);
	if (got != want) {
		errno = EIO;
		return fail("host transfer cut short"), -1;
	}
	return t;
}

/* ---- the 100 000-file directory (issue 17): the first call fills a
 * directory with 100 000 files (10 000 with --quick; left in place, the
 * disk is thrown away after the boot) and notes the fill's cost per file;
 * each operation then is a create, a stat and an unlink of a new name in
 * that directory. */
static int bigdir_ready;
static double bigdir_fill_us;
static char bigdir_note[64];

static double b_bigdir(long n)
{
	long files = quick ? 10000 : 100000;
	char d[4096], name[4200];
	struct stat st;

	snprintf(d, sizeof d, "%s/big", dir);
	if (!bigdir_ready) {
		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			return fail("mkdir"), -1;
		double t = now();
		for (long i = 0; i < files; i++) {
			snprintf(name, sizeof name, "%s/file%ld", d, i);
			int fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
			if (fd < 0)
				return fail("fill"), -1;
			close(fd);
		}
		bigdir_fill_us = (now() - t) / files * 1e6;
		bigdir_ready = 1;
	}
	snprintf(bigdir_note, sizeof bigdir_note, "fill_%ld=%.1fus/file", files, bigdir_fill_us);
	note = bigdir_note;
	double t = now();
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%s/new%ld", d, i);
		int fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0)
			return fail("create"), -1;
		close(fd);
		if (stat(name, &st) < 0)
			return fail("stat"), -1;
		if (unlink(name) < 0)
			return fail("unlink"), -1;
	}
	return now() - t;
}

/* ---- netlink: an RTM_GETLINK dump, request to NLMSG_DONE (what ip link,
 * getifaddrs and if_nameindex do; kernel/net/netlink/) */

static double b_netlink_getlink_dump(long n)
{
	struct { unsigned len; unsigned short type, flags; unsigned seq, pid; unsigned char fam, pad[3]; }
		req = { sizeof(req), 18 /* RTM_GETLINK */, 0x301 /* REQUEST | DUMP */, 0, 0, 0, { 0 } };
	static char buf[32768];
	int fd = socket(16 /* AF_NETLINK */, SOCK_RAW, 0 /* NETLINK_ROUTE */);

	if (fd < 0)
		return fail("netlink socket"), -1;
	double t = now();
	for (long i = 0; i < n; i++) {
		req.seq = (unsigned)i + 1;
		if (send(fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req)) {
			close(fd);
			return fail("netlink send"), -1;
		}
		for (int done = 0; !done;) {
			ssize_t r = recv(fd, buf, sizeof(buf), 0);
			if (r <= 0) {
				close(fd);
				return fail("netlink recv"), -1;
			}
			for (ssize_t off = 0; off + 16 <= r;) {
				unsigned len, type;
				memcpy(&len, buf + off, 4);
				type = (unsigned char)buf[off + 4] | (unsigned char)buf[off + 5] << 8;
				if (type == 3 /* NLMSG_DONE */ || type == 2 /* NLMSG_ERROR */)
					done = 1;
				if (len < 16)
					break;
				off += (len + 3) & ~3u;
			}
		}
	}
	t = now() - t;
	close(fd);
	return t;
}

/* ---- AF_PACKET: a frame sent on lo, taken from a TPACKET_V2 RX ring
 * (kernel/net/packet/ring.c) */

#define BENCH_ETH_P 0x88b5	/* IEEE's local experimental ethertype: no stack takes it */

/* n frames of 64 bytes sent on lo by one packet socket and read from
 * another's memory-mapped RX ring (poll when the next frame is not
 * there yet; each given back to the kernel). */
static double b_packet_rx_ring(long n)
{
	struct { unsigned short family, proto; int ifindex; unsigned short hatype;
		 unsigned char pkttype, halen, addr[8]; } a = { 17, htons(BENCH_ETH_P), 0, 0, 0, 0, { 0 } };
	struct { unsigned bs, bn, fs, fn; } req = { 4096, 8, 2048, 16 };
	int ver = 1 /* TPACKET_V2 */, rx = socket(17 /* AF_PACKET */, SOCK_DGRAM, htons(BENCH_ETH_P));
	int tx = socket(17, SOCK_RAW, 0);
	unsigned char frame[64] = { 0 };
	struct ifreq ifr;
	double t = -1;

	if (rx < 0 || tx < 0)
		return fail("packet socket"), close(rx), close(tx), -1;
	loopback_up(rx);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(rx, SIOCGIFINDEX, &ifr) < 0)
		return fail("lo index"), close(rx), close(tx), -1;
	a.ifindex = ifr.ifr_ifindex;
	if (setsockopt(rx, 263 /* SOL_PACKET */, 10 /* PACKET_VERSION */, &ver, sizeof(ver)) ||
	    setsockopt(rx, 263, 5 /* PACKET_RX_RING */, &req, sizeof(req)))
		return fail("rx ring"), close(rx), close(tx), -1;
	size_t sz = (size_t)req.bs * req.bn;
	unsigned char *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, rx, 0);
	if (m == MAP_FAILED)
		return fail("ring mmap"), close(rx), close(tx), -1;
	int bad = bind(rx, (void *)&a, sizeof(a));
	a.proto = 0;	/* the sender takes nothing */
	if (bad || bind(tx, (void *)&a, sizeof(a))) {
		fail("packet bind");
		goto out;
	}
	frame[12] = BENCH_ETH_P >> 8;
	frame[13] = BENCH_ETH_P & 0xff;
	unsigned head = 0;
	t = now();
	for (long i = 0; i < n; i++) {
		if (send(tx, frame, sizeof(frame), 0) != (ssize_t)sizeof(frame)) {
			fail("packet send");
			t = -1;
			goto out;
		}
		volatile unsigned *st = (unsigned *)(m + (size_t)head * req.fs);
		while (!(__atomic_load_n(st, __ATOMIC_ACQUIRE) & 1 /* TP_STATUS_USER */)) {
			struct pollfd p = { rx, POLLIN, 0 };
			if (poll(&p, 1, 2000) != 1) {
				fail("no frame in the ring");
				t = -1;
				goto out;
			}
		}
		__atomic_store_n(st, 0 /* TP_STATUS_KERNEL */, __ATOMIC_RELEASE);
		head = (head + 1) % req.fn;
	}
	t = now() - t;
out:
	munmap(m, sz);
	close(rx);
	close(tx);
	return t;
}

static int prctl_no_new_privs(void)
{
	return (int)syscall(SYS_prctl, 38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0);
}

/* ---- this wave's isolation and memory features, each in a child
 * process where it changes the process for good */

/* Runs fn(n) in a child and returns its seconds (or < 0 with the
 * child's failure as this one's). */
static double in_child(double (*fn)(long), long n)
{
	int p[2];
	double t = -1;
	char why[sizeof failure] = "";

	if (pipe(p) < 0)
		return fail("pipe"), -1;
	pid_t c = fork();
	if (c < 0)
		return fail("fork"), close(p[0]), close(p[1]), -1;
	if (c == 0) {
		close(p[0]);
		t = fn(n);
		if (write(p[1], &t, sizeof(t)) != sizeof(t) ||
		    write(p[1], failure, sizeof(failure)) != sizeof(failure))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &t, sizeof(t)) != sizeof(t) || read(p[0], why, sizeof(why)) != sizeof(why))
		t = -1, snprintf(why, sizeof(why), "the child died");
	close(p[0]);
	waitpid(c, NULL, 0);
	if (t < 0 && !failure[0])
		snprintf(failure, sizeof(failure), "%s", why);
	return t;
}

/* open+close of a file under a one-layer Landlock domain that allows
 * reading beneath the benchmark's directory (every open walks the
 * domain's rules up to the root) */
static double landlock_child(long n)
{
	struct { uint64_t fs; } attr = { 1ULL << 2 /* READ_FILE */ };
	int rs = (int)syscall(444, &attr, sizeof(attr), 0);
	if (rs < 0)
		return fail("landlock_create_ruleset"), -1;
	struct __attribute__((packed)) { uint64_t allowed; int32_t fd; } pb = { 1ULL << 2, -1 };
	pb.fd = open(dir, O_PATH | O_DIRECTORY);
	if (pb.fd < 0 || syscall(445, rs, 1 /* PATH_BENEATH */, &pb, 0) < 0)
		return fail("landlock_add_rule"), -1;
	if (prctl_no_new_privs() < 0 || syscall(446, rs, 0) < 0)
		return fail("landlock_restrict_self"), -1;
	return b_open_close(n);
}

static double b_landlock_open_close(long n)
{
	return in_child(landlock_child, n);
}

/* unshare(CLONE_NEWNET) n times in one process: each makes a namespace
 * (its loopback) and drops the one before */
static double netns_child(long n)
{
	double t = now();
	for (long i = 0; i < n; i++)
		if (unshare(CLONE_NEWNET) < 0)
			return fail("unshare(CLONE_NEWNET)"), -1;
	return now() - t;
}

static double b_netns_unshare(long n)
{
	return in_child(netns_child, n);
}

/* map 2 MiB of MAP_HUGETLB memory, write one byte (a huge page from
 * the pool, zeroed), unmap; the pool gets two pages for the run */
static double b_hugetlb_fault(long n)
{
	const char *pool = "/proc/sys/vm/nr_hugepages";
	char old[32] = "0";
	int fd = open(pool, O_RDWR);
	ssize_t k = fd < 0 ? -1 : read(fd, old, sizeof(old) - 1);
	if (k <= 0 || lseek(fd, 0, SEEK_SET) < 0 || write(fd, "2", 1) != 1)
		return fail(pool), close(fd), -1;
	old[k] = 0;
	double t = now();
	for (long i = 0; i < n && t >= 0; i++) {
		char *m = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (m == MAP_FAILED) {
			fail("mmap(MAP_HUGETLB)");
			t = -1;
			break;
		}
		m[i & 4095] = 1;
		munmap(m, 2 << 20);
	}
	if (t >= 0)
		t = now() - t;
	if (lseek(fd, 0, SEEK_SET) == 0 && write(fd, old, strlen(old)) < 0)
		fail(pool);
	close(fd);
	return t;
}

/* pkey_mprotect of one page, between key 0 and an allocated key */
static double b_pkey_mprotect(long n)
{
	int key = (int)syscall(330, 0, 0);
	if (key < 0)
		return fail("pkey_alloc"), -1;
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t = now();
	for (long i = 0; i < n && t >= 0; i++)
		if (syscall(329, m, 4096, PROT_READ | PROT_WRITE, (i & 1) ? key : 0) < 0)
			fail("pkey_mprotect"), t = -1;
	if (t >= 0)
		t = now() - t;
	munmap(m, 4096);
	syscall(331, key);
	return t;
}

/* ---- the driver */

enum kind {
	US,		/* time: us per operation */
	BW,		/* bytes per operation: MiB/s */
	WORK,		/* a whole workload: seconds per run */
	VALUE_KB,	/* fn returns the value: kB (lower is better) */
	VALUE_MIB,	/* fn returns the value: MiB (higher is better) */
};

struct bench {
	const char *name;
	double (*fn)(long n);
	enum kind kind;
	long max_n;	/* calibration cap (0: none) */
};

static const char *unit_of(const struct bench *b)
{
	static const char *units[] = { "us", "MiB/s", "s", "kB", "MiB" };
	return units[b->kind];
}

static double bytes_per_op(const struct bench *b)
{
	if (b->fn == b_pipe_bw || b->fn == b_unix_stream_bw || b->fn == b_tcp_loopback_bw)
		return CHUNK;
	if (b->fn == b_host_tcp_bw)
		return HOST_BW_OP;
	return (double)(file_mib() << 20);
}

static const struct bench benches[] = {
	{ "null_syscall", b_null_syscall, US, 0 },
	{ "clock_gettime", b_clock_gettime, US, 0 },
	{ "fork_exit", b_fork_exit, US, 0 },
	{ "fork_exec", b_fork_exec, US, 0 },
	{ "pipe_latency", b_pipe_latency, US, 0 },
	{ "pipe_bw", b_pipe_bw, BW, 0 },
	{ "ctx_switch", b_ctx_switch, US, 0 },
	{ "eventfd_pingpong", b_eventfd_pingpong, US, 0 },
	{ "epoll_wait", b_epoll_wait, US, 0 },
	{ "page_fault", b_page_fault, US, 16384 },
	{ "page_fault_2proc", b_page_fault_par, US, 32768 },
	{ "mmap_munmap", b_mmap_munmap, US, 0 },
	{ "open_close", b_open_close, US, 0 },
	{ "stat", b_stat, US, 0 },
	{ "create_delete", b_create_delete, US, 2000 },
	{ "seq_read", b_seq_read, BW, 1 },
	{ "seq_write_fsync", b_seq_write, BW, 1 },
	{ "nanosleep_100us", b_nanosleep, US, SLEEP_MAX_N },
	{ "thread_create", b_thread_create, US, 0 },
	{ "futex_pingpong", b_futex_pingpong, US, 0 },
	{ "sysv_sem_pingpong", b_sysv_sem_pingpong, US, 0 },
	{ "inotify_pingpong", b_inotify_pingpong, US, 0 },
	{ "fcntl_lock", b_fcntl_lock, US, 0 },
	{ "fcntl_lock_contended", b_fcntl_lock_contended, US, 0 },
	{ "sendfile_64m", b_sendfile, BW, 1 },
	{ "splice_64m", b_splice, BW, 1 },
	{ "copy_file_range_64m", b_copy_file_range, BW, 1 },
	{ "unix_stream_latency", b_unix_stream_latency, US, 0 },
	{ "unix_stream_bw", b_unix_stream_bw, BW, 0 },
	{ "tcp_loopback_latency", b_tcp_loopback_latency, US, 0 },
	{ "tcp_loopback_bw", b_tcp_loopback_bw, BW, 0 },
	{ "netlink_getlink_dump", b_netlink_getlink_dump, US, 0 },
	{ "packet_rx_ring", b_packet_rx_ring, US, 0 },
	{ "netns_unshare", b_netns_unshare, US, 1000 },
	{ "landlock_open_close", b_landlock_open_close, US, 0 },
	{ "hugetlb_fault_2m", b_hugetlb_fault, US, 2000 },
	{ "pkey_mprotect", b_pkey_mprotect, US, 0 },
	{ "host_tcp_bw", b_host_tcp_bw, BW, 64 },
	{ "bigdir_100k", b_bigdir, US, 0 },
	{ "pread_4k_random", b_pread_rand, US, 0 },
	{ "io_uring_read_4k_random", b_uring_rand, US, 0 },
	{ "configure_2000", w_configure, WORK, 1 },
	{ "tar_sha_rm", w_tar_sha_rm, WORK, 1 },
	{ "parallel_build", w_parallel_build, WORK, 1 },
	{ "boot_free", w_boot_free_mib, VALUE_MIB, 1 },
	{ "idle_process", w_idle_process_kb, VALUE_KB, 1 },
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* decimals for four significant digits, none past 1000 */
static int prec(double v)
{
	return v >= 1000 ? 0 : v >= 100 ? 1 : v >= 10 ? 2 : v >= 1 ? 3 : 4;
}

static int selected(const char *name)
{
	if (!only)
		return 1;
	size_t len = strlen(name);
	for (const char *p = only; *p;) {
		const char *end = strchr(p, ',');
		size_t l = end ? (size_t)(end - p) : strlen(p);
		if (l == len && !strncmp(p, name, len))
			return 1;
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

static int run(const struct bench *b)
{
	double target = quick ? 0.005 : 0.05;
	int reps = quick ? 1 : (b->max_n == 1 ? 5 : 9);
	double v[MAX_REPS];
	long n = 1;
	double t;

	failure[0] = '\0';
	note = NULL;
	if (b->kind == VALUE_KB || b->kind == VALUE_MIB) {
		reps = quick ? 1 : 3;
		for (int r = 0; r < reps; r++)
			if ((v[r] = b->fn(1)) < 0)
				goto failed;
		goto report;
	}
	/* calibrate (and warm up): double n until a loop takes target/4 */
	for (;;) {
		t = b->fn(n);
		if (t < 0)
			goto failed;
		if (t >= target / 4 || (b->max_n && n >= b->max_n))
			break;
		n *= 2;
	}
	if (t > 0 && t < target)
		n = (long)(n * (target / t)) + 1;
	if (b->max_n && n > b->max_n)
		n = b->max_n;
	for (int r = 0; r < reps; r++) {
		t = b->fn(n);
		if (t < 0)
			goto failed;
		if (t <= 0)
			t = 1e-9;
		v[r] = b->kind == BW ? bytes_per_op(b) * n / t / (1 << 20) :
		       b->kind == WORK ? t / n : t / n * 1e6;
	}
report:
	qsort(v, reps, sizeof v[0], cmp_double);
	printf("bench: %s %.*f %s min=%.*f max=%.*f reps=%d iters=%ld%s%s\n",
	       b->name, prec(v[reps / 2]), v[reps / 2], unit_of(b),
	       prec(v[0]), v[0], prec(v[reps - 1]), v[reps - 1],
	       reps, n, note ? " note=" : "", note ? note : "");
	fflush(stdout);
	return 0;
failed:
	printf("bench: %s FAIL %s\n", b->name, failure[0] ? failure : "unknown");
	fflush(stdout);
	return 1;
}

static int setup_files(void)
{
	snprintf(small_file, sizeof small_file, "%s/small", dir);
	snprintf(read_path, sizeof read_path, "%s/read64", dir);
	snprintf(write_path, sizeof write_path, "%s/write64", dir);
	int fd = open(small_file, O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	if (write_file(read_path, file_mib()) < 0)
		return -1;
	/* read it once so the timed reads find it cached */
	fd = open(read_path, O_RDONLY);
	if (fd < 0)
		return -1;
	while (read(fd, buf, CHUNK) > 0)
		;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--list")) {
			for (size_t j = 0; j < sizeof benches / sizeof benches[0]; j++)
				printf("%s\n", benches[j].name);
			return 0;
		} else {
			fprintf(stderr, "usage: bench [--quick] [--dir DIR] [--only NAME,...] [--list]\n");
			return 2;
		}
	}
	/* the exec helper sits beside this program */
	snprintf(true_path, sizeof true_path, "%s", argv[0]);
	char *slash = strrchr(true_path, '/');
	snprintf(slash ? slash + 1 : true_path,
		 sizeof true_path - (slash ? slash + 1 - true_path : 0), "bench-true");
	w_note_boot_memory();
	buf = malloc(CHUNK);
	memset(buf, 0xa5, CHUNK);
	setvbuf(stdout, NULL, _IOLBF, 0);

	int failed = 0, files_ok = 1;
	failure[0] = '\0';
	if (setup_files() < 0) {
		files_ok = 0;
		if (!failure[0])
			fail(dir);
	}
	char setup_failure[256];
	snprintf(setup_failure, sizeof setup_failure, "setup in %.40s: %.200s", dir, failure);
	for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++) {
		const struct bench *b = &benches[i];
		if (!selected(b->name))
			continue;
		int needs_files = b->fn == b_open_close || b->fn == b_stat ||
				  b->fn == b_create_delete || b->fn == b_bigdir ||
				  b->fn == b_seq_read || b->fn == b_pread_rand ||
				  b->fn == b_uring_rand ||
				  b->fn == b_seq_write || b->fn == b_sendfile ||
				  b->fn == b_splice || b->fn == b_copy_file_range ||
				  b->kind == WORK;
		if (needs_files && !files_ok) {
			printf("bench: %s FAIL %s\n", b->name, setup_failure);
			failed++;
			continue;
		}
		failed += run(b);
	}
	unlink(read_path);
	unlink(write_path);
	printf("bench: done failed=%d\n", failed);
	return failed ? 1 : 0;
}
