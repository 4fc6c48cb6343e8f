#define _GNU_SOURCE
/*
 * fuzz-syscalls: random system calls against Alloy from several processes
 * and threads at once (docs/fuzz.md).
 *
 *   syscalls [--seed S] [--calls N] [--workers W] [--threads T] [--life L]
 *            [--stuck-ms MS] [--tolerance-kb K] [-v]
 *   syscalls --seed S --worker SLOT [--gen G] --replay [--calls N]
 *
 * The supervisor (this process, never fuzzing itself) mounts a tmpfs on
 * /tmp/fz and /dev/vda (ext2, if there is one) on /mnt/fz, makes the
 * fixture files, and runs W worker processes of T threads each. Every
 * thread is a "slot" with its own call sequence, drawn from a generator
 * seeded by (seed, slot, generation): the calls a slot makes depend on
 * nothing else, so `--replay` makes them again, one by one, printing each
 * before it is made. A worker process ends after L calls per slot and is
 * started again (the next generation); one that dies (a signal, a fuzzed
 * exit or execve) is started again too. Every slot keeps its last RING
 * calls, with arguments and results, in memory shared with the
 * supervisor.
 *
 * The supervisor's watchdog: a slot whose call count has not moved for
 * --stuck-ms is in a call that blocks (or its process is stopped); its
 * process is sent SIGKILL. A process that is not gone HANG_S seconds
 * after SIGKILL is a hang: reported with the call each of its slots is in
 * and its last calls. At the end, with every worker gone, the fuzzer's
 * files removed and the two file systems unmounted, MemFree and
 * KernelHeap (/proc/meminfo) must be back at the baseline taken the same
 * way after a short warm-up run, within --tolerance-kb.
 *
 * Each run (warm-up, main) is made in a mount namespace of its own, whose
 * view of the system's root is read-only: the workers' mounts (fs/mount-max
 * of them, bound, moved and renamed anywhere) end with that namespace when
 * the supervisor goes back to its own, and no fuzzed rename or unlink
 * reaches the system's files (a relative "mnt" from a cwd of "/" did).
 *
 * Exit status: 0 if every call was made with no hang and no memory lost.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <termios.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/ipc.h>

typedef uint64_t u64;
typedef int64_t s64;
typedef uint32_t u32;

extern long forky_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
extern long thread_clone(unsigned long flags, void *stack);
extern void fuzz_restorer(void);

#define MAX_SLOTS 64
#define MAX_PROCS 32
#define RING 32
#define HANG_S 30
#define NFIX 64
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif

/* fixed addresses in every worker (see worker_setup) */
#define SCRATCH_BASE 0x100000000000UL	/* per slot: buf, guard, read-only page */
#define SCRATCH_STRIDE 0x10000UL
#define BUF_SIZE 0x4000UL
#define AREA_BASE 0x140000000000UL	/* per slot: prepared structs, paths */
#define AREA_SIZE 0x8000UL
#define ARENA_BASE 0x200000000000UL	/* mm calls play here */
#define ARENA_SIZE (32UL << 20)
#define LOW_MEM_KB (64L << 10)	/* below: a worker cannot map its arena */
#define SHM_BASE 0x300000000000UL	/* shared with the supervisor */
#define XSHM_BASE 0x310000000000UL	/* shared by every worker: futexes */
#define STACK_BASE 0x320000000000UL	/* the fuzzer's own thread stacks */
#define STACK_SIZE 0x20000UL

struct rec {
	u64 seq;
	s64 nr;
	u64 a[6];
	s64 ret;
	int done;
};

enum { S_IDLE, S_RUN, S_DONE, S_EXITED };

struct slot {
	volatile u64 calls;	/* completed, over every generation */
	volatile u64 seq;	/* the call in flight (or last) */
	volatile int state;
	volatile int tid;
	struct rec ring[RING];
};

struct procinfo {
	volatile int pid;
	volatile u32 gen;
	volatile int threads_done;
	char why[96];		/* a worker's setup failure, for the supervisor to say */
};

struct shared {
	struct slot slots[MAX_SLOTS];
	struct procinfo procs[MAX_PROCS];
	volatile u64 file_map_fails;	/* fixture file mappings workers went without */
};

static struct shared *shm = (struct shared *)SHM_BASE;

/* ---- options */
static u64 opt_seed = 1, opt_calls = 100000;
static int opt_workers = 4, opt_threads = 3, opt_life = 1000, opt_stuck_ms = 1500;
static int opt_verbose, opt_replay, opt_replay_slot = -1;
static int opt_recycle_s;	/* --recycle-every: to test recycle_run_ns */
static u32 opt_replay_gen;
static long opt_tolerance_kb = 1024;
static int have_ext2;
static int busy_fail;	/* a fuzz file system could not be unmounted */
/* The supervisor's own mount namespace, while it is in a run's (-1
 * outside a run; workers close their copy). */
static int home_ns = -1;

static int out_fd = 1;		/* the console; the replay keeps a copy at 999 */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	for (int off = 0; off < n;) {
		ssize_t w = write(out_fd, buf + off, n - off);
		if (w <= 0 && errno != EINTR)
			return;
		if (w > 0)
			off += w;
	}
}

static inline long rsys(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall" : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static u64 now_ns(void)
{
	struct timespec ts;

	rsys(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- the generator: splitmix64, one state per slot */
struct rng { u64 s; };

static u64 rnd(struct rng *r)
{
	u64 z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 below(struct rng *r, u64 n) { return n ? rnd(r) % n : 0; }
static int chance(struct rng *r, int pct) { return (int)below(r, 100) < pct; }
#define PICK(r, arr) ((arr)[below(r, sizeof(arr) / sizeof((arr)[0]))])

/* ---- what a worker slot owns */
struct ctx {
	struct rng r;
	int slot, tslot;	/* global slot, thread index in its process */
	u64 buf, ro, guard;	/* scratch buffer, read-only page, unmapped page */
	u64 area;		/* prepared structs and strings, per argument */
	u64 longpath;		/* PATH_MAX + 10 bytes of 'a' */
	u64 saved_fs;
	int pid, tid;
};

static int fix[NFIX], nfix;	/* the worker's fixture fds */
static int dirfix[4], ndirfix;
/* fds and System V ids the fuzzed calls made (socket, socketpair, accept,
 * pidfd_open, pidfd_getfd; shmget, semget, msgget), shared by the threads
 * of a worker; what they hold depends on results, how many draws a pick
 * takes does not */
#define NDYN 16
static int dynfd[NDYN], ipcid[NDYN];
static volatile unsigned ndynfd, nipcid;
static int sysfix[16], nsysfix;	/* /proc/sys files, opened read-write */
static int sockfix[8], nsockfix;	/* the socket fixtures (also in fix[]) */
/* the writable ones whose values cannot stop the run (vm/max_map_count,
 * vm/overcommit_memory and kernel/pid_max could: mmap or fork failing
 * for the supervisor is not a finding); restore_system puts them back */
static const char *sysctl_rw[] = {
	"kernel/hostname", "kernel/domainname", "kernel/shmmax", "kernel/shmall",
	"kernel/shmmni", "kernel/sem", "kernel/msgmax", "kernel/msgmnb", "kernel/msgmni",
	"fs/pipe-max-size", "kernel/randomize_va_space", NULL,
};
static char sysctl_saved[16][128];
/* fs/mount-max during the run: bind mounts of trees with shared
 * propagation grow by a factor a round, and a namespace of 100000 mounts
 * (Linux's limit) made the teardown's /proc/mounts reads take hours under
 * TCG (each read window walks the list: docs/fuzz.md). The storm still
 * meets its limit (ENOSPC), a lower one. */
#define FUZZ_MOUNT_MAX "2000"
static char mount_max_saved[32];

static void set_sysctl(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);
	if (fd >= 0 && v[0] && write(fd, v, strlen(v)) < 0)
		say("fuzz: %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void dyn_add(int *pool, volatile unsigned *n, int v)
{
	unsigned k = __atomic_fetch_add(n, 1, __ATOMIC_RELAXED);
	pool[k % NDYN] = v;
}

static int dyn_pick(struct rng *r, int *pool, volatile unsigned *n, int dflt);
static int tty_fd = -1;
static u64 futex_local;		/* a page of futex words in the process */

/* ---- path pools */
static const char *rw_paths[] = {
	"/tmp/fz/s", "/tmp/fz/s/a", "/tmp/fz/s/b", "/tmp/fz/s/d", "/tmp/fz/s/d/e",
	"/tmp/fz/s/d/e/f", "/tmp/fz/s/fifo", "/tmp/fz/s/ln", "/tmp/fz/s/mnt",
	"/tmp/fz/s/mnt/x", "/tmp/fz/f/file", "/tmp/fz/f/fifo", "/tmp/fz/s/a/",
	"/mnt/fz/s", "/mnt/fz/s/a", "/mnt/fz/s/b", "/mnt/fz/s/d", "/mnt/fz/s/d/e",
	"/mnt/fz/s/d/e/f", "/mnt/fz/s/ln", "/mnt/fz/s/mnt", "/mnt/fz/f/file",
	"/mnt/fz/f/big", "/mnt/fz/s//b/", "a", "b", "d", "d/e", "ln", "mnt", "fzr",
	"", ".", "a/", "d/../b", "/tmp/fz/s/../s/a", "/mnt/fz/s/d/e/f/g/h",
	"/tmp/fz/s/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
};
static const char *ro_paths[] = {
	"/proc", "/proc/self/status", "/proc/self/maps", "/proc/self/fd",
	"/proc/self/fd/3", "/proc/self/fd/7", "/proc/meminfo", "/proc/mounts",
	"/proc/1/stat", "/proc/self/task", "/proc/thread-self", "/proc/self/stat",
	"/proc/self/cwd", "/proc/uptime", "/proc/stat", "/proc/self/oom_score",
	"/dev/null", "/dev/zero", "/dev/full", "/dev/urandom", "/dev/tty",
	"/dev/kmsg", "/nonexistent", "/tmp/fz/f", "/tmp/fz/f/fifo", "/fuzz/true",
	"/proc/self/fd/", "/dev/null/x",
};
static const char *strs[] = {
	"", "a", "tmpfs", "ext2", "proc", "none", "bogus", "size=1m", "mode=0700",
	"size=0", "size=100000000000000000000", "nr_inodes=1", "x,y,=,", "fuzz",
	"/tmp/fz/s/a", "/mnt/fz/f/file", "../../..", "/proc/self/fd/1",
	"memfd-name-that-is-rather-long-rather-long-rather-long-rather-long-rather-long-rather-long-rather-long-rather-long-rather-long-rather-long-rather-long-rather-long-rather-long-rather-long-x",
};

/* ---- value pools */
static const s64 lens[] = {
	0, 1, 2, 7, 8, 15, 16, 63, 64, 128, 511, 4095, 4096, 4097, 8192, 16383,
	16384, 65536, 1 << 20, 0x7fffffff, 0x80000000L, 0x100000000L, -1, -4096,
	LONG_MAX, LONG_MIN, 12, 24, 100,
};
static const s64 offs[] = {
	0, 1, 511, 4095, 4096, 8192, 65536, 1L << 31, 1L << 32, 1L << 40, 1L << 44,
	LONG_MAX, LONG_MAX - 4095, -1, -4096, LONG_MIN, 1 << 20, 12345,
};
static const s64 ints[] = {
	0, 1, 2, 3, 4, -1, -2, 8, 16, 64, 255, 256, 1024, 1025, 4096, INT_MAX,
	INT_MIN, UINT_MAX, 0x7fffffffffffffffL, 5, 7, 100,
};
static const s64 modes[] = {
	0, 0644, 0755, 0777, 07777, 0600, 04755, 01777, S_IFREG | 0644,
	S_IFCHR | 0666, S_IFIFO | 0600, S_IFDIR | 0755, S_IFBLK | 0600,
	S_IFSOCK | 0600, S_IFLNK | 0777, 0xffffffff, 0170000,
};
static const s64 uids[] = { 0, 1, 1000, 65534, -1, 0xfffffffe, 0x7fffffff };
static const s64 clocks[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, -1, 100, -6, INT_MIN };

/* ---- pointers */
static u64 ptr_bad(struct ctx *c)
{
	static const u64 bad[] = {
		0, 1, 0xffff800000000000UL, 0xffffffff80000000UL, 0xfffffffffffffff8UL,
		0x0000800000000000UL, 0x8000000000000000UL, 0x00007ffffffff000UL,
		0x1000, 0xffffffffffffffffUL,
	};
	switch (below(&c->r, 4)) {
	case 0: return c->guard + below(&c->r, 64);
	case 1: return c->ro + below(&c->r, 64);
	case 2: return (u64)(uintptr_t)&forky_syscall;	/* our text */
	default: return PICK(&c->r, bad);
	}
}

/* A pointer for a buffer the kernel reads or writes. */
static u64 ptr_any(struct ctx *c)
{
	u64 p = below(&c->r, 100);

	if (p < 40)
		return c->buf;
	if (p < 55)
		return c->buf + below(&c->r, BUF_SIZE);	/* unaligned, shorter */
	if (p < 65)
		return c->buf + BUF_SIZE - 1 - below(&c->r, 64);	/* runs into the guard */
	if (p < 70)	/* the arena's shared and file mappings (worker_setup) */
		return ARENA_BASE + ARENA_SIZE / 2 + (below(&c->r, 0x58) << 12) + below(&c->r, 2) * 7;
	if (p < 75)
		return ARENA_BASE + (below(&c->r, ARENA_SIZE >> 12) << 12) + below(&c->r, 2) * 7;
	if (p < 78)	/* another thread's buffer: races on the same memory */
		return SCRATCH_BASE + below(&c->r, opt_threads) * SCRATCH_STRIDE;
	return ptr_bad(c);
}

/* where argument i's prepared object goes (2 KiB each) */
static u64 slot_area(struct ctx *c, int i) { return c->area + (u64)i * 2048; }

/* A prepared object at argument i's area, or sometimes a bad pointer. */
static u64 obj(struct ctx *c, int i, const void *src, size_t n)
{
	if (chance(&c->r, 12))
		return chance(&c->r, 50) ? 0 : ptr_bad(c);
	memcpy((void *)slot_area(c, i), src, n);
	return slot_area(c, i);
}

static u64 put_str(struct ctx *c, int i, const char *s)
{
	size_t n = strlen(s);

	if (n > 2000)
		n = 2000;
	char *d = (char *)slot_area(c, i);
	memcpy(d, s, n);
	d[n] = 0;
	return (u64)(uintptr_t)d;
}

static u64 gen_path(struct ctx *c, int i, int writable)
{
	u64 p = below(&c->r, 100);

	if (p < 4)
		return ptr_bad(c);
	if (p < 6)
		return c->longpath;
	if (p < 8)	/* unterminated: the string runs into the guard page */
		return c->buf + BUF_SIZE - 1 - (memset((void *)(c->buf + BUF_SIZE - 40), 'z', 40), below(&c->r, 40));
	if (!writable && p < 40)
		return put_str(c, i, PICK(&c->r, ro_paths));
	return put_str(c, i, PICK(&c->r, rw_paths));
}

/* ---- descriptors */
static s64 gen_fd(struct ctx *c)
{
	static const s64 bad[] = { -1, AT_FDCWD, 1023, 1024, 65536, INT_MAX, INT_MIN, 0x100000003L };
	u64 p = below(&c->r, 100);

	if (p < 56 && nfix)
		return fix[below(&c->r, nfix)];
	if (p < 68)
		return dyn_pick(&c->r, dynfd, &ndynfd, -1);
	if (p < 90)
		return (s64)below(&c->r, 64);
	return PICK(&c->r, bad);
}

static int dyn_pick(struct rng *r, int *pool, volatile unsigned *n, int dflt)
{
	u64 k = rnd(r);	/* one draw whatever the pool holds */
	unsigned m = *n;

	if (!m)
		return dflt;
	return pool[k % (m < NDYN ? m : NDYN)];
}

static s64 gen_dirfd(struct ctx *c)
{
	u64 p = below(&c->r, 100);

	if (p < 45)
		return AT_FDCWD;
	if (p < 75 && ndirfix)
		return dirfix[below(&c->r, ndirfix)];
	return gen_fd(c);
}

/* pids a worker may signal or touch: itself, its threads, nobody; never
 * init, the supervisor or its parent (whatever pid+1 turns out to be) */
static int sup_pid, sup_ppid, sup_pgid;

static s64 gen_pid(struct ctx *c)
{
	s64 v[] = { 0, c->pid, c->tid, c->pid + 1, 999999, 4194304, 0x7fffffff,
		    -c->pid, -999999, INT_MIN, -(s64)c->tid };
	s64 p = PICK(&c->r, v);

	if (p == 1 || p == -1 || p == sup_pid || p == sup_ppid || p == -sup_pgid ||
	    p == -sup_pid || p == -sup_ppid)
		return 0;
	return p;
}

static s64 gen_flags(struct ctx *c, u64 mask)
{
	u64 p = below(&c->r, 100), v = rnd(&c->r) & mask;

	if (p < 15)
		return 0;
	if (p < 25) {	/* one bit of the mask */
		for (int k = 0; k < 64; k++) {
			u64 b = 1ULL << below(&c->r, 64);
			if (mask & b)
				return (s64)b;
		}
		return 0;
	}
	if (p < 35)
		return (s64)(v | (1ULL << below(&c->r, 32)));	/* an unknown bit too */
	if (p < 38)
		return -1;
	return (s64)v;
}

static s64 gen_len(struct ctx *c) { return chance(&c->r, 10) ? (s64)below(&c->r, 300) : PICK(&c->r, lens); }
static s64 gen_off(struct ctx *c) { return chance(&c->r, 10) ? (s64)below(&c->r, 100000) : PICK(&c->r, offs); }
static s64 gen_int(struct ctx *c) { return chance(&c->r, 15) ? (s64)(rnd(&c->r) & 0xffff) : PICK(&c->r, ints); }

/* an address for the mm calls: in the arena, or one that must fail */
static s64 gen_addr(struct ctx *c, int *inside)
{
	static const u64 bad[] = {
		0, 1, 0xffff800000000000UL, 0x0000800000000000UL - 0x1000,
		0x0000800000000000UL, 0xfffffffffffff000UL, 0x7fffffffe000UL - 0x100000000UL,
	};
	*inside = chance(&c->r, 85);
	if (*inside && chance(&c->r, 40))	/* the shared and file mappings */
		return (s64)(ARENA_BASE + ARENA_SIZE / 2 + (below(&c->r, 0x60) << 12));
	if (*inside)
		return (s64)(ARENA_BASE + (below(&c->r, ARENA_SIZE >> 12) << 12) +
			     (chance(&c->r, 5) ? 1 + below(&c->r, 4095) : 0));
	return (s64)PICK(&c->r, bad);
}

/* a length for the mm calls: inside the arena when the address is */
static s64 gen_mlen(struct ctx *c, s64 addr, int inside)
{
	static const s64 l[] = { 0, 1, 4095, 4096, 8192, 0x10000, 0x200000, -4096, LONG_MAX,
				 0x800000000000L };
	s64 v = chance(&c->r, 50) ? (s64)((1 + below(&c->r, 64)) << 12) : PICK(&c->r, l);

	if (inside) {
		u64 room = ARENA_BASE + ARENA_SIZE - (u64)addr;
		if (v < 0 || (u64)v > room)
			v = (s64)(room & ~0xfffUL);
	} else if (addr == 0 && (v < 0 || v > 0x10000)) {
		v = 0x1000;	/* never from 0 over the program */
	}
	return v;
}

static s64 gen_sig(struct ctx *c)
{
	static const s64 s[] = { 0, SIGKILL, SIGSTOP, SIGCONT, SIGUSR1, SIGUSR2, SIGCHLD, SIGSEGV,
				 SIGTERM, SIGPIPE, SIGALRM, 34, 64, 65, -1, 1000, SIGWINCH };
	return chance(&c->r, 30) ? (s64)below(&c->r, 66) : PICK(&c->r, s);
}

static void noop_handler(int sig) { (void)sig; }

/* ---- prepared objects */
static u64 gen_ts(struct ctx *c, int i)
{
	static const struct timespec t[] = {
		{ 0, 0 }, { 0, 1000 }, { 0, 1000000 }, { 0, 999999999 }, { 0, 1000000000 },
		{ -1, 0 }, { 0, -1 }, { 0, 5000000 }, { LONG_MAX, 0 }, { 0, 20000000 },
	};
	struct timespec ts = PICK(&c->r, t);

	if (ts.tv_sec == LONG_MAX && !chance(&c->r, 10))
		ts.tv_sec = 0;
	return obj(c, i, &ts, sizeof(ts));
}

static u64 gen_sigset(struct ctx *c, int i)
{
	u64 v[] = { 0, ~0ULL, rnd(&c->r), 1ULL << (SIGUSR1 - 1), 1ULL << (SIGCHLD - 1),
		    (1ULL << (SIGUSR2 - 1)) | (1ULL << (SIGCHLD - 1)), 1ULL << (SIGKILL - 1) };
	u64 s = PICK(&c->r, v);
	return obj(c, i, &s, 8);
}

static s64 gen_arg(struct ctx *c, int kind, int i, u64 *a);
static s64 gen_list(struct ctx *c, const s64 *l, size_t n);
#define LIST(...) ({ static const s64 l_[] = { __VA_ARGS__ }; gen_list(c, l_, sizeof(l_) / sizeof(l_[0])); })

/* A sockaddr_un at d: abstract names of the workers' listeners, paths in
 * the scratch trees (bind makes a socket file there), wrong families. */
static u64 gen_sockaddr(struct ctx *c, u64 d, int may_bad)
{
	static const char *names[] = { "@fz0", "@fz1", "@fz2", "@fz3", "@fzd", "@fzx",
		"/tmp/fz/s/sock", "/mnt/fz/s/sock", "/tmp/fz/s/a", "/tmp/fz/s/d/sk",
		"sock", "", "/tmp/fz/s/fifo", "/nonexistent/x", "@" };
	if (may_bad && chance(&c->r, 8))
		return chance(&c->r, 50) ? 0 : ptr_bad(c);
	unsigned short fam = (unsigned short)LIST(1, 1, 1, 1, 1, 1, 0, 2, 16, 0xffff);
	const char *n = PICK(&c->r, names);
	char *p = (char *)d;
	memset(p, 0, 112);
	memcpy(p, &fam, 2);
	if (n[0] == '@')	/* abstract: a NUL, then the name */
		memcpy(p + 3, n + 1, strlen(n + 1));
	else
		memcpy(p + 2, n, strlen(n));
	if (chance(&c->r, 3))	/* no NUL in the 108 bytes */
		memset(p + 2, 'y', 108);
	return d;
}

/* A msghdr at d (56 bytes); its name, iovecs and control at d+512..2047
 * of the same argument area. The control message is SCM_RIGHTS with fds
 * of the pool (sockets too: cycles), SCM_CREDENTIALS, or garbage. */
static u64 gen_msghdr(struct ctx *c, u64 d, int may_bad)
{
	u64 area = (d & ~2047UL) + 512, name = area, iov = area + 128, ctl = area + 192;
	u64 *m = (u64 *)d;

	if (may_bad && chance(&c->r, 8))
		return chance(&c->r, 50) ? 0 : ptr_bad(c);
	m[0] = chance(&c->r, 60) ? 0 : chance(&c->r, 80) ? gen_sockaddr(c, name, 0) : ptr_bad(c);
	m[1] = (u64)LIST(110, 110, 0, 2, 16, 200, -1);
	struct iovec *v = (struct iovec *)iov;
	for (int k = 0; k < 4; k++) {
		v[k].iov_base = (void *)ptr_any(c);
		v[k].iov_len = chance(&c->r, 80) ? below(&c->r, 4097) : (u64)gen_len(c);
	}
	m[2] = chance(&c->r, 92) ? iov : ptr_bad(c);
	m[3] = (u64)LIST(1, 1, 2, 4, 0, 1024, 1025, -1);
	u64 kind = below(&c->r, 100);
	u64 *h = (u64 *)ctl;
	int nfd = (int)below(&c->r, 9);
	if (kind < 45) {	/* SCM_RIGHTS */
		h[0] = 16 + 4 * (u64)nfd;
		((int *)ctl)[2] = 1;
		((int *)ctl)[3] = 1;
		for (int k = 0; k < nfd; k++)
			((int *)(ctl + 16))[k] = (int)gen_fd(c);
		m[4] = ctl;
		m[5] = (h[0] + 7) & ~7UL;
	} else if (kind < 55) {	/* SCM_CREDENTIALS: pid, uid, gid */
		h[0] = 28;
		((int *)ctl)[2] = 1;
		((int *)ctl)[3] = 2;
		((int *)ctl)[4] = chance(&c->r, 70) ? c->pid : (int)gen_pid(c);
		((int *)ctl)[5] = (int)PICK(&c->r, uids);
		((int *)ctl)[6] = (int)PICK(&c->r, uids);
		m[4] = ctl;
		m[5] = 32;
	} else if (kind < 65) {	/* garbage lengths, levels and types */
		h[0] = (u64)LIST(0, 1, 15, 16, 17, 4096, -1, 24);
		((int *)ctl)[2] = (int)LIST(1, 0, -1, 6);
		((int *)ctl)[3] = (int)LIST(1, 2, 3, 0, -1);
		for (int k = 0; k < 8; k++)
			((int *)(ctl + 16))[k] = (int)gen_fd(c);
		m[4] = chance(&c->r, 80) ? ctl : ptr_bad(c);
		m[5] = (u64)LIST(0, 16, 24, 48, 64, 4096, -1, 1 << 20);
	} else {
		m[4] = 0;
		m[5] = 0;
	}
	m[6] = rnd(&c->r) & 0xffffffff;	/* msg_flags: ignored on the way in */
	return d;
}

/* ---- the syscall table */
enum kind {
	X, FD, DIRFD, PTR, LEN, OFF, INT, PATH, WPATH, PID, SIG, MODE, UID, CLK,
	TS, TV, SIGSET, SIGACT, IOV, POLLFD, FDSET, EPEV, RLIM, CPUSET, SCHEDP,
	STACKT, ITS, STR, FUTEX, WAITV, CARGS, ARGV, TERMIOS, DEV, RES, WHICH,
	ANY, FLG0, FLG_OPEN, FLG_AT, FLG_PROT, FLG_MAP, FLG_CLONE, FLG_MS, FLG_UM,
	FLG_WAIT, FLG_MREMAP, FLG_EFD, FLG_TFD, FLG_FUTEXOP, FLG_STATX, FLG_MFD,
	FLG_GRND, L_WHENCE, L_FCNTL, L_IOCTL, L_ADVICE, L_SYSLOG, L_PRCTL, L_ARCH,
	L_EPOP, L_HOW, L_POLICY, L_MEMB, L_IOVCNT, L_SIGSZ, L_CSZ, TMO, ADDR, MLEN,
	MLEN2, BRK, FLG_SETIME,
	/* sockets, System V IPC, locks, timers, splice and friends, xattrs */
	SOCKDOM, SOCKTYPE, SOCKADDR, SALEN, SALENP, MSGHDR, MMSGHDR, FLG_MSG, L_SOLVL,
	L_SONAME, SOCKOPT, OPTLENP, SVPTR, IPCKEY, FLG_IPC, IPCID, L_IPCCMD, SEMBUF,
	MSGTYP, FLOCKS, L_LOCKCMD, L_FLOCKOP, L_PIPECMD, PIPESZ, ITV, SIGEV, TIMERID,
	L_ITWHICH, OFFP, FLG_SPLICE, FLG_RWF, FLG_FALLOC, L_FADV, XNAME, XSIZE, FLG_XATTR,
	L_IDTYPE, FLG_PIDFD, FLG_MLOCK, FLG_MCL, SYSFD, SYSVAL, SLEN, TIMEX, FLG_SHM,
	SOCKFD, L_PROTO,
};

struct sc {
	s64 nr;
	const char *name;
	int w;
	unsigned char a[6];
};

static const struct sc table[] = {
	{ 0, "read", 20, { FD, PTR, LEN } },
	{ 1, "write", 20, { FD, PTR, LEN } },
	{ 2, "open", 12, { PATH, FLG_OPEN, MODE } },
	{ 3, "close", 6, { FD } },
	{ 4, "stat", 4, { PATH, PTR } },
	{ 5, "fstat", 6, { FD, PTR } },
	{ 6, "lstat", 3, { PATH, PTR } },
	{ 7, "poll", 6, { POLLFD, L_IOVCNT, TMO } },
	{ 8, "lseek", 6, { FD, OFF, L_WHENCE } },
	{ 9, "mmap", 10, { ADDR, MLEN, FLG_PROT, FLG_MAP, FD, OFF } },
	{ 10, "mprotect", 6, { ADDR, MLEN, FLG_PROT } },
	{ 11, "munmap", 6, { ADDR, MLEN } },
	{ 12, "brk", 3, { BRK } },
	{ 13, "rt_sigaction", 6, { SIG, SIGACT, PTR, L_SIGSZ } },
	{ 14, "rt_sigprocmask", 5, { L_HOW, SIGSET, PTR, L_SIGSZ } },
	{ 15, "rt_sigreturn", 0, { X } },
	{ 16, "ioctl", 10, { FD, L_IOCTL, ANY } },
	{ 17, "pread64", 8, { FD, PTR, LEN, OFF } },
	{ 18, "pwrite64", 8, { FD, PTR, LEN, OFF } },
	{ 19, "readv", 6, { FD, IOV, L_IOVCNT } },
	{ 20, "writev", 6, { FD, IOV, L_IOVCNT } },
	{ 21, "access", 3, { PATH, INT } },
	{ 22, "pipe", 3, { PTR } },
	{ 23, "select", 3, { INT, FDSET, FDSET, FDSET, TV } },
	{ 24, "sched_yield", 1, { X } },
	{ 25, "mremap", 6, { ADDR, MLEN, MLEN2, FLG_MREMAP, ADDR } },
	{ 26, "msync", 4, { ADDR, MLEN, FLG0 } },
	{ 28, "madvise", 5, { ADDR, MLEN, L_ADVICE } },
	{ 32, "dup", 4, { FD } },
	{ 33, "dup2", 4, { FD, FD } },
	{ 34, "pause", 0, { X } },
	{ 35, "nanosleep", 2, { TS, PTR } },
	{ 39, "getpid", 1, { X } },
	{ 56, "clone", 3, { FLG_CLONE, PTR, PTR, PTR, ANY } },
	{ 57, "fork", 2, { X } },
	{ 58, "vfork", 2, { X } },
	{ 59, "execve", 1, { PATH, ARGV, ARGV } },
	{ 60, "exit", 1, { INT } },
	{ 61, "wait4", 3, { PID, PTR, FLG_WAIT, PTR } },
	{ 62, "kill", 4, { PID, SIG } },
	{ 63, "uname", 1, { PTR } },
	{ 72, "fcntl", 10, { FD, L_FCNTL, ANY } },
	{ 74, "fsync", 2, { FD } },
	{ 75, "fdatasync", 2, { FD } },
	{ 76, "truncate", 4, { WPATH, OFF } },
	{ 77, "ftruncate", 6, { FD, OFF } },
	{ 79, "getcwd", 2, { PTR, LEN } },
	{ 80, "chdir", 2, { WPATH } },
	{ 81, "fchdir", 2, { FD } },
	{ 82, "rename", 5, { WPATH, WPATH } },
	{ 83, "mkdir", 5, { WPATH, MODE } },
	{ 84, "rmdir", 4, { WPATH } },
	{ 85, "creat", 3, { WPATH, MODE } },
	{ 86, "link", 4, { PATH, WPATH } },
	{ 87, "unlink", 5, { WPATH } },
	{ 88, "symlink", 4, { STR, WPATH } },
	{ 89, "readlink", 3, { PATH, PTR, LEN } },
	{ 90, "chmod", 2, { WPATH, MODE } },
	{ 91, "fchmod", 2, { FD, MODE } },
	{ 92, "chown", 2, { WPATH, UID, UID } },
	{ 93, "fchown", 2, { FD, UID, UID } },
	{ 94, "lchown", 1, { WPATH, UID, UID } },
	{ 95, "umask", 1, { MODE } },
	{ 96, "gettimeofday", 1, { PTR, PTR } },
	{ 97, "getrlimit", 2, { RES, PTR } },
	{ 98, "getrusage", 2, { WHICH, PTR } },
	{ 99, "sysinfo", 1, { PTR } },
	{ 100, "times", 1, { PTR } },
	{ 102, "getuid", 1, { X } },
	{ 103, "syslog", 2, { L_SYSLOG, PTR, LEN } },
	{ 105, "setuid", 1, { UID } },
	{ 106, "setgid", 1, { UID } },
	{ 109, "setpgid", 2, { PID, PID } },
	{ 110, "getppid", 1, { X } },
	{ 112, "setsid", 1, { X } },
	{ 113, "setreuid", 1, { UID, UID } },
	{ 115, "getgroups", 1, { INT, PTR } },
	{ 116, "setgroups", 1, { INT, PTR } },
	{ 117, "setresuid", 1, { UID, UID, UID } },
	{ 118, "getresuid", 1, { PTR, PTR, PTR } },
	{ 119, "setresgid", 1, { UID, UID, UID } },
	{ 121, "getpgid", 1, { PID } },
	{ 124, "getsid", 1, { PID } },
	{ 127, "rt_sigpending", 2, { PTR, L_SIGSZ } },
	{ 128, "rt_sigtimedwait", 3, { SIGSET, PTR, TS, L_SIGSZ } },
	{ 130, "rt_sigsuspend", 0, { SIGSET, L_SIGSZ } },
	{ 131, "sigaltstack", 2, { STACKT, PTR } },
	{ 133, "mknod", 3, { WPATH, MODE, DEV } },
	{ 137, "statfs", 2, { PATH, PTR } },
	{ 138, "fstatfs", 2, { FD, PTR } },
	{ 140, "getpriority", 1, { WHICH, PID } },
	{ 141, "setpriority", 1, { WHICH, PID, INT } },
	{ 142, "sched_setparam", 1, { PID, SCHEDP } },
	{ 143, "sched_getparam", 1, { PID, PTR } },
	{ 144, "sched_setscheduler", 1, { PID, L_POLICY, SCHEDP } },
	{ 145, "sched_getscheduler", 1, { PID } },
	{ 146, "sched_get_priority_max", 1, { L_POLICY } },
	{ 157, "prctl", 2, { L_PRCTL, ANY, ANY } },
	{ 158, "arch_prctl", 2, { L_ARCH, ANY } },
	{ 160, "setrlimit", 2, { RES, RLIM } },
	{ 162, "sync", 1, { X } },
	{ 165, "mount", 3, { STR, WPATH, STR, FLG_MS, STR } },
	{ 166, "umount2", 3, { WPATH, FLG_UM } },
	{ 186, "gettid", 1, { X } },
	{ 200, "tkill", 2, { PID, SIG } },
	{ 201, "time", 1, { PTR } },
	{ 202, "futex", 10, { FUTEX, FLG_FUTEXOP, INT, TS, FUTEX, INT } },
	{ 203, "sched_setaffinity", 2, { PID, L_CSZ, CPUSET } },
	{ 204, "sched_getaffinity", 2, { PID, L_CSZ, PTR } },
	{ 213, "epoll_create", 2, { INT } },
	{ 217, "getdents64", 6, { FD, PTR, LEN } },
	{ 218, "set_tid_address", 1, { PTR } },
	{ 227, "clock_settime", 1, { CLK, TS } },
	{ 228, "clock_gettime", 2, { CLK, PTR } },
	{ 229, "clock_getres", 1, { CLK, PTR } },
	{ 230, "clock_nanosleep", 2, { CLK, FLG0, TS, PTR } },
	{ 231, "exit_group", 1, { INT } },
	{ 232, "epoll_wait", 5, { FD, PTR, INT, TMO } },
	{ 233, "epoll_ctl", 10, { FD, L_EPOP, FD, EPEV } },
	{ 234, "tgkill", 2, { PID, PID, SIG } },
	{ 257, "openat", 12, { DIRFD, PATH, FLG_OPEN, MODE } },
	{ 258, "mkdirat", 4, { DIRFD, WPATH, MODE } },
	{ 259, "mknodat", 3, { DIRFD, WPATH, MODE, DEV } },
	{ 260, "fchownat", 2, { DIRFD, WPATH, UID, UID, FLG_AT } },
	{ 262, "newfstatat", 4, { DIRFD, PATH, PTR, FLG_AT } },
	{ 263, "unlinkat", 5, { DIRFD, WPATH, FLG_AT } },
	{ 264, "renameat", 4, { DIRFD, WPATH, DIRFD, WPATH } },
	{ 265, "linkat", 3, { DIRFD, PATH, DIRFD, WPATH, FLG_AT } },
	{ 266, "symlinkat", 3, { STR, DIRFD, WPATH } },
	{ 267, "readlinkat", 3, { DIRFD, PATH, PTR, LEN } },
	{ 268, "fchmodat", 2, { DIRFD, WPATH, MODE } },
	{ 269, "faccessat", 2, { DIRFD, PATH, INT } },
	{ 270, "pselect6", 3, { INT, FDSET, FDSET, FDSET, TS, PTR } },
	{ 271, "ppoll", 4, { POLLFD, L_IOVCNT, TS, SIGSET, L_SIGSZ } },
	{ 273, "set_robust_list", 1, { PTR, LEN } },
	{ 274, "get_robust_list", 1, { PID, PTR, PTR } },
	{ 280, "utimensat", 3, { DIRFD, WPATH, TS, FLG_AT } },
	{ 281, "epoll_pwait", 3, { FD, PTR, INT, TMO, SIGSET, L_SIGSZ } },
	{ 282, "signalfd", 2, { FD, SIGSET, L_SIGSZ } },
	{ 283, "timerfd_create", 3, { CLK, FLG_TFD } },
	{ 284, "eventfd", 2, { INT } },
	{ 286, "timerfd_settime", 5, { FD, FLG_SETIME, ITS, PTR } },
	{ 287, "timerfd_gettime", 2, { FD, PTR } },
	{ 289, "signalfd4", 3, { FD, SIGSET, L_SIGSZ, FLG_TFD } },
	{ 290, "eventfd2", 3, { INT, FLG_EFD } },
	{ 291, "epoll_create1", 3, { FLG_EFD } },
	{ 292, "dup3", 4, { FD, FD, FLG_OPEN } },
	{ 293, "pipe2", 4, { PTR, FLG_OPEN } },
	{ 302, "prlimit64", 3, { PID, RES, RLIM, PTR } },
	{ 306, "syncfs", 1, { FD } },
	{ 309, "getcpu", 1, { PTR, PTR, PTR } },
	{ 316, "renameat2", 3, { DIRFD, WPATH, DIRFD, WPATH, FLG0 } },
	{ 318, "getrandom", 3, { PTR, LEN, FLG_GRND } },
	{ 319, "memfd_create", 3, { STR, FLG_MFD } },
	{ 324, "membarrier", 2, { L_MEMB, FLG0, INT } },
	{ 332, "statx", 4, { DIRFD, PATH, FLG_AT, FLG_STATX, PTR } },
	{ 435, "clone3", 3, { CARGS, LEN } },
	{ 439, "faccessat2", 2, { DIRFD, PATH, INT, FLG_AT } },
	{ 441, "epoll_pwait2", 3, { FD, PTR, INT, TS, SIGSET, L_SIGSZ } },
	{ 449, "futex_waitv", 4, { WAITV, L_IOVCNT, FLG0, TS, CLK } },
	/* AF_UNIX sockets: new socket fds join the worker's fd pool */
	{ 41, "socket", 6, { SOCKDOM, SOCKTYPE, L_PROTO } },
	{ 53, "socketpair", 5, { SOCKDOM, SOCKTYPE, L_PROTO, SVPTR } },
	{ 49, "bind", 5, { SOCKFD, SOCKADDR, SALEN } },
	{ 50, "listen", 4, { SOCKFD, INT } },
	{ 42, "connect", 5, { SOCKFD, SOCKADDR, SALEN } },
	{ 43, "accept", 2, { SOCKFD, PTR, SALENP } },
	{ 288, "accept4", 4, { SOCKFD, PTR, SALENP, FLG_TFD } },
	{ 44, "sendto", 5, { SOCKFD, PTR, LEN, FLG_MSG, SOCKADDR, SALEN } },
	{ 45, "recvfrom", 5, { SOCKFD, PTR, LEN, FLG_MSG, PTR, SALENP } },
	{ 46, "sendmsg", 8, { SOCKFD, MSGHDR, FLG_MSG } },
	{ 47, "recvmsg", 8, { SOCKFD, MSGHDR, FLG_MSG } },
	{ 307, "sendmmsg", 4, { SOCKFD, MMSGHDR, L_IOVCNT, FLG_MSG } },
	{ 299, "recvmmsg", 4, { SOCKFD, MMSGHDR, L_IOVCNT, FLG_MSG, TS } },
	{ 48, "shutdown", 3, { SOCKFD, L_HOW } },
	{ 54, "setsockopt", 4, { SOCKFD, L_SOLVL, L_SONAME, SOCKOPT, LEN } },
	{ 55, "getsockopt", 4, { SOCKFD, L_SOLVL, L_SONAME, PTR, OPTLENP } },
	{ 51, "getsockname", 2, { SOCKFD, PTR, SALENP } },
	{ 52, "getpeername", 2, { SOCKFD, PTR, SALENP } },
	/* System V IPC: ids the calls return join a pool; the supervisor
	 * removes every object before it measures memory */
	{ 29, "shmget", 3, { IPCKEY, LEN, FLG_SHM } },
	{ 30, "shmat", 3, { IPCID, ADDR, FLG_SHM } },
	{ 67, "shmdt", 3, { ADDR } },
	{ 31, "shmctl", 3, { IPCID, L_IPCCMD, PTR } },
	{ 64, "semget", 3, { IPCKEY, INT, FLG_IPC } },
	{ 65, "semop", 3, { IPCID, SEMBUF, L_IOVCNT } },
	{ 220, "semtimedop", 3, { IPCID, SEMBUF, L_IOVCNT, TS } },
	{ 66, "semctl", 3, { IPCID, INT, L_IPCCMD, PTR } },
	{ 68, "msgget", 3, { IPCKEY, FLG_IPC } },
	{ 69, "msgsnd", 4, { IPCID, PTR, LEN, FLG_IPC } },
	{ 70, "msgrcv", 4, { IPCID, PTR, LEN, MSGTYP, FLG_IPC } },
	{ 71, "msgctl", 3, { IPCID, L_IPCCMD, PTR } },
	/* record locks and flock; F_SETLKW/LOCK_EX may wait: the watchdog */
	{ 72, "fcntl", 6, { FD, L_LOCKCMD, FLOCKS } },
	{ 72, "fcntl", 3, { FD, L_PIPECMD, PIPESZ } },
	{ 73, "flock", 4, { FD, L_FLOCKOP } },
	/* timers: their signals end the worker often (SIGALRM, SIGPROF) */
	{ 37, "alarm", 1, { TIMERID } },
	{ 36, "getitimer", 1, { L_ITWHICH, PTR } },
	{ 38, "setitimer", 2, { L_ITWHICH, ITV, PTR } },
	{ 222, "timer_create", 3, { CLK, SIGEV, PTR } },
	{ 223, "timer_settime", 3, { TIMERID, FLG_SETIME, ITS, PTR } },
	{ 224, "timer_gettime", 2, { TIMERID, PTR } },
	{ 225, "timer_getoverrun", 1, { TIMERID } },
	{ 226, "timer_delete", 2, { TIMERID } },
	/* moving data between fds */
	{ 40, "sendfile", 4, { FD, FD, OFFP, LEN } },
	{ 275, "splice", 4, { FD, OFFP, FD, OFFP, LEN, FLG_SPLICE } },
	{ 276, "tee", 3, { FD, FD, LEN, FLG_SPLICE } },
	{ 278, "vmsplice", 3, { FD, IOV, L_IOVCNT, FLG_SPLICE } },
	{ 326, "copy_file_range", 4, { FD, OFFP, FD, OFFP, LEN, FLG0 } },
	{ 295, "preadv", 3, { FD, IOV, L_IOVCNT, OFF, OFF } },
	{ 296, "pwritev", 3, { FD, IOV, L_IOVCNT, OFF, OFF } },
	{ 327, "preadv2", 3, { FD, IOV, L_IOVCNT, OFF, OFF, FLG_RWF } },
	{ 328, "pwritev2", 3, { FD, IOV, L_IOVCNT, OFF, OFF, FLG_RWF } },
	{ 285, "fallocate", 3, { FD, FLG_FALLOC, OFF, LEN } },
	{ 221, "fadvise64", 2, { FD, OFF, LEN, L_FADV } },
	{ 187, "readahead", 2, { FD, OFF, LEN } },
	/* extended attributes: set and remove only on scratch paths */
	{ 188, "setxattr", 3, { WPATH, XNAME, PTR, XSIZE, FLG_XATTR } },
	{ 189, "lsetxattr", 2, { WPATH, XNAME, PTR, XSIZE, FLG_XATTR } },
	{ 190, "fsetxattr", 3, { FD, XNAME, PTR, XSIZE, FLG_XATTR } },
	{ 191, "getxattr", 2, { PATH, XNAME, PTR, XSIZE } },
	{ 192, "lgetxattr", 1, { PATH, XNAME, PTR, XSIZE } },
	{ 193, "fgetxattr", 2, { FD, XNAME, PTR, XSIZE } },
	{ 194, "listxattr", 2, { PATH, PTR, XSIZE } },
	{ 195, "llistxattr", 1, { PATH, PTR, XSIZE } },
	{ 196, "flistxattr", 2, { FD, PTR, XSIZE } },
	{ 197, "removexattr", 2, { WPATH, XNAME } },
	{ 198, "lremovexattr", 1, { WPATH, XNAME } },
	{ 199, "fremovexattr", 2, { FD, XNAME } },
	/* processes */
	{ 247, "waitid", 3, { L_IDTYPE, PID, PTR, FLG_WAIT, PTR } },
	{ 434, "pidfd_open", 2, { PID, FLG_PIDFD } },
	{ 424, "pidfd_send_signal", 2, { FD, SIG, PTR, FLG0 } },
	{ 438, "pidfd_getfd", 2, { FD, FD, FLG0 } },
	/* memory locks (the arena only) */
	{ 149, "mlock", 2, { ADDR, MLEN } },
	{ 325, "mlock2", 2, { ADDR, MLEN, FLG_MLOCK } },
	{ 150, "munlock", 2, { ADDR, MLEN } },
	{ 151, "mlockall", 1, { FLG_MCL } },
	{ 152, "munlockall", 1, { X } },
	/* /proc/sys: numbers and words written to the fixture files */
	{ 1, "write", 3, { SYSFD, SYSVAL, SLEN } },
	{ 164, "settimeofday", 1, { TV, PTR } },
	{ 159, "adjtimex", 1, { TIMEX } },
	/* absent in Alloy, or no syscall at all: ENOSYS, safely */
	{ 27, "mincore", 1, { ADDR, MLEN, PTR } },
	{ 436, "close_range", 1, { FD, FD, INT } },
	{ 437, "openat2", 1, { DIRFD, PATH, PTR, LEN } },
	{ 512, "nr512", 1, { ANY, ANY, ANY } },
	{ 1024, "nr1024", 1, { ANY, ANY } },
	{ 0x40000000L, "x32_read", 1, { FD, PTR, LEN } },
	{ 0x40000027L, "x32_getpid", 1, { X } },
	{ 0x7fffffffL, "nr7fffffff", 1, { X } },
	{ -1, "nr-1", 1, { ANY } },
	{ 0x100000027L, "nr1_00000027", 1, { X } },
};
#define NTABLE (int)(sizeof(table) / sizeof(table[0]))
static int total_weight;

static const char *sc_name(s64 nr)
{
	for (int i = 0; i < NTABLE; i++)
		if (table[i].nr == nr)
			return table[i].name;
	return "?";
}

static s64 gen_list(struct ctx *c, const s64 *l, size_t n)
{
	return chance(&c->r, 8) ? (s64)(rnd(&c->r) & 0xffffffff) : l[below(&c->r, n)];
}

static s64 gen_arg(struct ctx *c, int kind, int i, u64 *a)
{
	int inside;

	switch (kind) {
	case X: return (s64)rnd(&c->r);	/* unused: garbage, as a caller leaves it */
	case FD: return gen_fd(c);
	case DIRFD: return gen_dirfd(c);
	case PTR: return (s64)ptr_any(c);
	case LEN: return gen_len(c);
	case OFF: return gen_off(c);
	case INT: return gen_int(c);
	case PATH: return (s64)gen_path(c, i, 0);
	case WPATH: return (s64)gen_path(c, i, 1);
	case PID: return gen_pid(c);
	case SIG: return gen_sig(c);
	case MODE: return PICK(&c->r, modes);
	case UID: return PICK(&c->r, uids);
	case CLK: return PICK(&c->r, clocks);
	case TMO: return LIST(0, 0, 0, 1, 5, -1, INT_MIN, 10);
	case TS: return (s64)gen_ts(c, i);
	case TV: {
		struct timeval tv = { 0, (long)LIST(0, 1000, 999999, 1000000, -1, 5000) };
		return (s64)obj(c, i, &tv, sizeof(tv));
	}
	case SIGSET: return (s64)gen_sigset(c, i);
	case SIGACT: {
		struct { u64 h, flags, restorer, mask; } sa;
		u64 hs[] = { 0, 1, (u64)(uintptr_t)noop_handler, (u64)(uintptr_t)noop_handler, 0x1000, 2 };
		sa.h = PICK(&c->r, hs);
		sa.flags = (u64)gen_flags(c, 0xfc000007ULL | 0x04000000) | (chance(&c->r, 97) ? 0x04000000 : 0);
		sa.restorer = chance(&c->r, 98) ? (u64)(uintptr_t)fuzz_restorer : ptr_bad(c);
		sa.mask = rnd(&c->r);
		return (s64)obj(c, i, &sa, sizeof(sa));
	}
	case IOV: {
		struct iovec v[4];
		for (int k = 0; k < 4; k++) {
			v[k].iov_base = (void *)ptr_any(c);
			v[k].iov_len = chance(&c->r, 70) ? below(&c->r, 4097) : (u64)gen_len(c);
		}
		return (s64)obj(c, i, v, sizeof(v));
	}
	case POLLFD: {
		struct pollfd p[8];
		for (int k = 0; k < 8; k++) {
			p[k].fd = (int)gen_fd(c);
			p[k].events = (short)gen_flags(c, 0x3ff);
			p[k].revents = (short)rnd(&c->r);
		}
		return (s64)obj(c, i, p, sizeof(p));
	}
	case FDSET: {
		u64 s[16] = { rnd(&c->r), chance(&c->r, 20) ? rnd(&c->r) : 0 };
		return chance(&c->r, 30) ? 0 : (s64)obj(c, i, s, sizeof(s));
	}
	case EPEV: {
		struct epoll_event e = { (u32)gen_flags(c, 0xf000203fULL), { .u64 = rnd(&c->r) } };
		return (s64)obj(c, i, &e, sizeof(e));
	}
	case RLIM: {
		static const u64 v[] = { 0, 1, 16, 64, 1024, 1025, 1 << 20, 1ULL << 30, ~0ULL };
		u64 rl[2] = { PICK(&c->r, v), PICK(&c->r, v) };
		return (s64)obj(c, i, rl, sizeof(rl));
	}
	case RES: return LIST(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, -1, 100);
	case WHICH: return LIST(0, 1, 2, -1, 3, 5);
	case CPUSET: {
		u64 v[] = { 1, 0xf, 0, ~0ULL, 0x10, 2, 0x8 };
		u64 s[16] = { PICK(&c->r, v) };
		return (s64)obj(c, i, s, sizeof(s));
	}
	case L_CSZ: return LIST(8, 8, 4, 0, 128, 1, 7, 16, 4096, -1);
	case SCHEDP: {
		int p = (int)LIST(0, 1, 50, 99, 100, -1);
		return (s64)obj(c, i, &p, sizeof(p));
	}
	case STACKT: {
		stack_t st = { (void *)(chance(&c->r, 80) ? c->buf : ptr_bad(c)),
			       (int)LIST(0, SS_DISABLE, SS_ONSTACK, 3, -1),
			       (size_t)LIST(0, 2048, 8192, BUF_SIZE, 1 << 30) };
		return (s64)obj(c, i, &st, sizeof(st));
	}
	case ITS: {
		static const struct timespec t[] = { { 0, 0 }, { 0, 1000000 }, { 0, 100000 },
			{ 1, 0 }, { 0, 1000000000 }, { -1, 0 }, { 0, 50000 } };
		struct itimerspec its = { PICK(&c->r, t), PICK(&c->r, t) };
		return (s64)obj(c, i, &its, sizeof(its));
	}
	case STR: return chance(&c->r, 8) ? (s64)ptr_bad(c) : (s64)put_str(c, i, PICK(&c->r, strs));
	case FUTEX: {
		u64 p = below(&c->r, 100);
		if (p < 50)
			return (s64)(futex_local + below(&c->r, 8) * 4);
		if (p < 80)
			return (s64)(XSHM_BASE + below(&c->r, 8) * 4);
		if (p < 85)
			return (s64)(futex_local + 1);	/* unaligned */
		return (s64)ptr_any(c);
	}
	case WAITV: {
		struct { u64 val, uaddr; u32 flags, res; } w[4];
		for (int k = 0; k < 4; k++) {
			w[k].val = (u64)LIST(0, 1, 2, -1);
			w[k].uaddr = (u64)gen_arg(c, FUTEX, i, a);
			w[k].flags = (u32)LIST(2, 2 | 128, 0, 3, 130);
			w[k].res = chance(&c->r, 95) ? 0 : 1;
		}
		return (s64)obj(c, i, w, sizeof(w));
	}
	case CARGS: {
		u64 ca[11] = { (u64)gen_arg(c, FLG_CLONE, i, a), chance(&c->r, 90) ? 0 : ptr_any(c),
			       chance(&c->r, 50) ? 0 : ptr_any(c), chance(&c->r, 50) ? 0 : ptr_any(c),
			       (u64)LIST(0, SIGCHLD, SIGKILL, 65, -1),
			       chance(&c->r, 50) ? 0 : c->buf, (u64)LIST(0, 4096, BUF_SIZE, -1),
			       (u64)ptr_any(c), chance(&c->r, 90) ? 0 : ptr_any(c),
			       chance(&c->r, 90) ? 0 : (u64)LIST(1, 32, 33), 0 };
		return (s64)obj(c, i, ca, sizeof(ca));
	}
	case ARGV: {
		u64 *v = (u64 *)(slot_area(c, i) + 1024);
		char *s = (char *)(slot_area(c, i) + 1536);
		strcpy(s, "fuzz-arg");
		v[0] = (u64)(uintptr_t)s;
		v[1] = chance(&c->r, 80) ? (u64)(uintptr_t)s : ptr_bad(c);
		v[2] = 0;
		return chance(&c->r, 20) ? (s64)(chance(&c->r, 50) ? 0 : ptr_bad(c)) : (s64)(uintptr_t)v;
	}
	case DEV: return LIST(0, makedev(1, 3), makedev(1, 5), makedev(1, 7), makedev(1, 9),
			      makedev(1, 11), makedev(5, 0), makedev(5, 1), makedev(4, 64),
			      makedev(999, 999), makedev(1, 200));
	case ANY: {
		u64 p = below(&c->r, 4);
		return p == 0 ? gen_int(c) : p == 1 ? (s64)ptr_any(c) : p == 2 ? gen_fd(c) : (s64)rnd(&c->r);
	}
	case FLG0: return gen_flags(c, 0x7);
	case FLG_OPEN: return gen_flags(c, 0x7fffffULL);
	case FLG_AT: return gen_flags(c, 0x1f00ULL);
	case FLG_PROT: return gen_flags(c, 0x7ULL | 0x03000000);
	case FLG_MAP: return gen_flags(c, 0x1fffffULL);
	case FLG_CLONE: return gen_flags(c, 0xfffff00ULL) | (chance(&c->r, 50) ? SIGCHLD : (s64)below(&c->r, 70));
	case FLG_MS: return gen_flags(c, 0x3fffffULL);
	case FLG_UM: return gen_flags(c, 0xfULL);
	case FLG_WAIT: return gen_flags(c, 0x0100000fULL | 0x60000000ULL) | (chance(&c->r, 85) ? WNOHANG : 0);
	case FLG_MREMAP: return gen_flags(c, 0x7);
	case FLG_EFD: return gen_flags(c, O_CLOEXEC | O_NONBLOCK | 1);
	case FLG_TFD: return gen_flags(c, O_CLOEXEC | O_NONBLOCK);
	case FLG_SETIME: return gen_flags(c, 3);
	case FLG_FUTEXOP: {
		s64 op = (s64)below(&c->r, 15) | (chance(&c->r, 50) ? 128 : 0) | (chance(&c->r, 10) ? 256 : 0);
		return chance(&c->r, 5) ? gen_int(c) : op;
	}
	case FLG_STATX: return gen_flags(c, 0xfffULL | 0x80000000ULL);
	case FLG_MFD: return gen_flags(c, 0x1fULL);
	case FLG_GRND: return gen_flags(c, 7);
	case L_WHENCE: return LIST(0, 1, 2, 3, 4, 5, -1);
	case L_FCNTL: return LIST(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1024, 1025, 1026, 1030,
				  1031, 1033, 1034, 36, 37, 38, -1);
	case L_IOCTL: return LIST(FIONBIO, FIOCLEX, FIONCLEX, FIONREAD, TCGETS, TCSETS, TCSETSW,
				  TCSETSF, TIOCGWINSZ, TIOCSWINSZ, TIOCGPGRP, TIOCSPGRP, TIOCSCTTY,
				  TIOCNOTTY, TCFLSH, TIOCGSID, TIOCOUTQ, FIOASYNC, 0, -1);
	case L_ADVICE: return LIST(0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 100, 101, -1);
	case L_SYSLOG: return LIST(0, 1, 3, 3, 4, 5, 9, 10, 11, -1, 2);	/* never 6, 7, 8 */
	case L_PRCTL: return LIST(15, 16, 1, 2, 3, 4, 22, 36, 38, 0, -1);
	case L_ARCH: return LIST(0x1001, 0x1002, 0x1003, 0x1004, 0x1011, 0x1012, 0x3001, 0x3002, 0, -1);
	case L_EPOP: return LIST(1, 2, 3, 0, 4, -1);
	case L_HOW: return LIST(0, 1, 2, 3, -1);
	case L_POLICY: return LIST(0, 1, 2, 3, 5, 6, 7, -1, 0x40000000);
	case L_MEMB: return LIST(0, 1, 2, 4, 8, 16, 32, 64, 128, -1);
	case L_IOVCNT: return LIST(0, 1, 2, 3, 4, 8, 1024, 1025, -1, INT_MAX);
	case L_SIGSZ: return LIST(8, 8, 8, 0, 4, 16, -1);
	case BRK: {
		u64 cur = (u64)rsys(SYS_brk, 0, 0, 0, 0, 0, 0);
		s64 l[] = { 0, cur + 4096, cur + (1 << 20), cur + (1UL << 31), cur - 4096, cur + 1, 1,
				 0xffff800000000000L };
		return l[below(&c->r, sizeof(l) / sizeof(l[0]))];
	}
	case ADDR: return gen_addr(c, &inside);
	case SOCKFD: {	/* a socket most of the time: the fixtures, then the pool */
		u64 p = below(&c->r, 100);
		if (p < 45 && nsockfix)
			return sockfix[below(&c->r, nsockfix)];
		if (p < 75)
			return dyn_pick(&c->r, dynfd, &ndynfd, -1);
		return gen_fd(c);
	}
	case L_PROTO: return LIST(0, 0, 0, 0, 0, 1, 2, -1, 100);
	case SOCKDOM: return LIST(1, 1, 1, 1, 1, 0, 2, 16, 10, -1, 46);
	case SOCKTYPE: return LIST(1, 2, 5, 3, 0, 10, -1) |
			      (chance(&c->r, 70) ? SOCK_NONBLOCK : 0) | (chance(&c->r, 20) ? SOCK_CLOEXEC : 0);
	case SOCKADDR: return (s64)gen_sockaddr(c, slot_area(c, i), 1);
	case SALEN: return LIST(110, 110, 2, 0, 1, 3, 12, 16, 111, 200, -1, 0x7fffffff);
	case SALENP: {
		int v = (int)LIST(110, 110, 0, 2, 16, 200, -1);
		return (s64)obj(c, i, &v, sizeof(v));
	}
	case MSGHDR: return (s64)gen_msghdr(c, slot_area(c, i), 1);
	case MMSGHDR: {
		u64 base = slot_area(c, i);
		if (chance(&c->r, 8))
			return (s64)ptr_bad(c);
		for (int k = 0; k < 4; k++) {	/* 64-byte entries, all sharing one data area */
			gen_msghdr(c, base + (u64)k * 64, 0);
			*(u32 *)(base + (u64)k * 64 + 56) = (u32)rnd(&c->r);
		}
		return (s64)base;
	}
	case FLG_MSG: return gen_flags(c, 0x7fffffffULL) | (chance(&c->r, 75) ? MSG_DONTWAIT : 0);
	case L_SOLVL: return LIST(1, 1, 1, 0, 6, 263, -1);
	case L_SONAME: return LIST(1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 18, 19, 20, 21, 29, 30,
				   32, 33, 34, 38, 39, 42, 59, 0, -1);
	case SOCKOPT: {
		u64 v[2] = { (u64)gen_int(c), (u64)LIST(0, 1000, 999999, -1) };
		return (s64)obj(c, i, v, sizeof(v));
	}
	case OPTLENP: {
		int v = (int)LIST(4, 4, 8, 16, 0, 1, 3, -1, 1 << 20);
		return (s64)obj(c, i, &v, sizeof(v));
	}
	case SVPTR:	/* the two fds land in our area, where do_call finds them */
		return chance(&c->r, 90) ? (s64)slot_area(c, i) : (s64)ptr_bad(c);
	case IPCKEY: return LIST(0, 0, 0x46a0, 0x46a1, 0x46a2, 0x46a3, -1, 1);
	case FLG_IPC: return gen_flags(c, 0x3fffULL) | (chance(&c->r, 60) ? 01600 : 0) |
			     (chance(&c->r, 60) ? 04000 /* IPC_NOWAIT */ : 0);
	case FLG_SHM: return gen_flags(c, 0xffffULL) | (chance(&c->r, 60) ? 01600 : 0);
	case IPCID: return chance(&c->r, 75) ? dyn_pick(&c->r, ipcid, &nipcid, 0) :
			   LIST(0, 1, -1, 32767, 32768, 65536, INT_MAX, INT_MIN);
	case L_IPCCMD: return LIST(0, 1, 2, 3, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 256, -1);
	case SEMBUF: {
		struct { unsigned short num; short op, flg; } sb[8];
		for (int k = 0; k < 8; k++) {
			sb[k].num = (unsigned short)LIST(0, 1, 2, 3, 250, 0xffff);
			sb[k].op = (short)LIST(0, 1, -1, 2, -2, 32767, -32768);
			sb[k].flg = (short)((chance(&c->r, 75) ? 04000 : 0) | (chance(&c->r, 30) ? 010000 : 0));
		}
		return (s64)obj(c, i, sb, sizeof(sb));
	}
	case MSGTYP: return LIST(0, 1, 2, -1, -2, LONG_MIN, LONG_MAX);
	case FLOCKS: {
		struct { short type, whence; int pad; s64 start, len; int pid, pad2; } fl;
		fl.type = (short)LIST(0, 1, 2, 2, 3, -1);
		fl.whence = (short)LIST(0, 0, 1, 2, 3, -1);
		fl.pad = 0;
		fl.start = chance(&c->r, 50) ? (s64)below(&c->r, 64) : gen_off(c);
		fl.len = chance(&c->r, 50) ? (s64)below(&c->r, 64) : gen_off(c);
		fl.pid = chance(&c->r, 80) ? 0 : (int)gen_pid(c);
		fl.pad2 = 0;
		return (s64)obj(c, i, &fl, sizeof(fl));
	}
	case L_LOCKCMD: return LIST(5, 6, 6, 7, 36, 37, 37, 38, 5, 6);	/* GETLK, SETLK, SETLKW, OFD_* */
	case L_FLOCKOP: return LIST(1 | 4, 2 | 4, 8, 1, 2, 8 | 4, 0, 3, 16, -1, 1 | 4, 2 | 4);
	case L_PIPECMD: return LIST(1031, 1031, 1032, 1031);
	case PIPESZ: return LIST(0, 1, 4096, 4097, 8192, 65536, 1 << 20, 1L << 31, -1, INT_MAX, 100);
	case ITV: {
		static const long us[] = { 0, 0, 1, 1000, 50000, 999999, 1000000, -1 };
		long v[4] = { 0, PICK(&c->r, us), chance(&c->r, 90) ? 0 : 1, PICK(&c->r, us) };
		return (s64)obj(c, i, v, sizeof(v));
	}
	case SIGEV: {	/* value, signo, notify, thread id: every sigev_notify */
		struct { u64 val; int signo, notify, tid, pad[11]; } ev;
		memset(&ev, 0, sizeof(ev));
		ev.val = rnd(&c->r);
		ev.signo = (int)gen_sig(c);
		ev.notify = (int)LIST(0, 1, 2, 4, 4, 3, 5, -1, 4 | 2);
		int tids[] = { c->tid, c->pid, c->tid + 1, 0, -1, 999999 };
		ev.tid = PICK(&c->r, tids);
		return (s64)obj(c, i, &ev, sizeof(ev));
	}
	case TIMERID: return LIST(0, 0, 1, 2, 3, 4, 7, -1, INT_MAX, 100);
	case L_ITWHICH: return LIST(0, 0, 1, 2, 3, -1);
	case OFFP: {
		if (chance(&c->r, 40))
			return 0;
		s64 o = chance(&c->r, 60) ? (s64)below(&c->r, 8192) : gen_off(c);
		return (s64)obj(c, i, &o, sizeof(o));
	}
	case FLG_SPLICE: return gen_flags(c, 0xfULL) | (chance(&c->r, 70) ? 2 : 0);	/* NONBLOCK */
	case FLG_RWF: return gen_flags(c, 0x3fULL);
	case FLG_FALLOC: return gen_flags(c, 0x7fULL);
	case L_FADV: return LIST(0, 1, 2, 3, 4, 5, 6, 7, -1);
	case XNAME: {
		static const char *xn[] = { "user.fz", "user.fz", "user.a", "user.fz2", "trusted.fz",
			"security.fz", "system.posix_acl_access", "user.", "", "fz", "os2.x",
			"user.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" };
		return chance(&c->r, 6) ? (s64)ptr_bad(c) : (s64)put_str(c, i, PICK(&c->r, xn));
	}
	case XSIZE: return chance(&c->r, 60) ? (s64)below(&c->r, 300) :
			   LIST(0, 4096, 65536, 65537, BUF_SIZE, -1, 1 << 20);
	case FLG_XATTR: return LIST(0, 0, 1, 2, 3, 4, -1);
	case L_IDTYPE: return LIST(0, 1, 2, 3, 4, -1);
	case FLG_PIDFD: return LIST(0, 0, O_NONBLOCK, 1, -1);
	case FLG_MLOCK: return LIST(0, 1, 2, -1);
	case FLG_MCL: return LIST(1, 2, 3, 4, 5, 7, 0, 8, -1);
	case SYSFD: return chance(&c->r, 90) && nsysfix ? sysfix[below(&c->r, nsysfix)] : gen_fd(c);
	case SYSVAL: {
		static const char *sv[] = { "0\n", "1\n", "2", "-1\n", "4096\n", "65536", "1048576\n",
			"2147483648\n", "9223372036854775807", "99999999999999999999\n",
			"250 32000 32 128\n", "1 1 1 1\n", "0 0 0 0", "1 2 3 4 5 6", "abc\n", "",
			"fuzzhost\n", "  7  \n", "0x10\n", "+5", "-9223372036854775808\n", "3\n",
			"32768\n", "16\n" };
		return chance(&c->r, 5) ? (s64)ptr_bad(c) : (s64)put_str(c, i, PICK(&c->r, sv));
	}
	case SLEN: {
		u64 p = a[1];
		if (p >= c->area && p < c->area + AREA_SIZE && !chance(&c->r, 10))
			return (s64)strlen((const char *)p) + (chance(&c->r, 10) ? 1 : 0);
		return gen_len(c);
	}
	case TIMEX: {	/* read only: modes 0 (the watchdog's clocks stay) */
		u64 tx[26];
		memset(tx, 0, sizeof(tx));
		return (s64)obj(c, i, tx, sizeof(tx));
	}
	case MLEN: case MLEN2: {
		s64 addr = (s64)a[0];
		inside = (u64)addr >= ARENA_BASE && (u64)addr < ARENA_BASE + ARENA_SIZE;
		return gen_mlen(c, addr, inside);
	}
	}
	return 0;
}

/* The console fixture, or any fd a fuzzed open or dup made of a tty or
 * /dev/kmsg: sendfile and splice from /dev/urandom would fill the console
 * log with megabytes of noise. (The answer depends on what the fd is, not
 * on the generator: the sequence of draws stays the same.) */
static int is_console(int fd)
{
	struct stat st;

	if (fd == tty_fd)
		return 1;
	if (rsys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) < 0 || !S_ISCHR(st.st_mode))
		return 0;
	return major(st.st_rdev) == 4 || major(st.st_rdev) == 5 ||
	       (major(st.st_rdev) == 1 && minor(st.st_rdev) == 11);
}

/* what a call must never do to the fuzzer itself or to the system */
static void sanitize(struct ctx *c, const struct sc *s, u64 *a)
{
	switch (s->nr) {
	case 2: case 257: {	/* open: a path outside the scratch trees only read, never made or cut */
		int pi = s->nr == 2 ? 0 : 1;
		u64 *fl = &a[pi + 1];
		if (*fl & (O_CREAT | O_TRUNC | O_TMPFILE))
			a[pi] = gen_path(c, pi, 1);
		break;
	}
	case 9: {	/* mmap: MAP_FIXED only inside the arena */
		int inside = a[0] >= ARENA_BASE && a[0] < ARENA_BASE + ARENA_SIZE;
		if ((a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && !inside)
			a[3] &= ~(u64)(MAP_FIXED | MAP_FIXED_NOREPLACE);
		if (!inside && a[3] & MAP_FIXED)
			a[3] &= ~(u64)MAP_FIXED;
		break;
	}
	case 25:	/* mremap: a fixed target inside the arena, sized to fit */
		if (a[4] < ARENA_BASE || a[4] >= ARENA_BASE + ARENA_SIZE)
			a[3] &= ~(u64)2;	/* MREMAP_FIXED */
		else if (a[2] > ARENA_BASE + ARENA_SIZE - a[4])
			a[2] = ARENA_BASE + ARENA_SIZE - a[4];
		break;
	case 62: case 200: case 234:	/* gen_pid keeps init and the supervisor out */
		if ((int)a[0] == -1 || (int)a[0] == 1)
			a[0] = 0;
		break;
	case 103:	/* syslog: never the console switches */
		if (a[0] >= 6 && a[0] <= 8)
			a[0] = 3;
		break;
	case 165: case 166:	/* mount, umount2: absolute targets in the scratch trees */
		if (s->nr == 165 && (a[1] < 4096 || *(char *)a[1] != '/'))
			a[1] = put_str(c, 1, "/tmp/fz/s/mnt");
		if (s->nr == 166 && (a[0] < 4096 || *(char *)a[0] != '/'))
			a[0] = put_str(c, 0, "/tmp/fz/s/mnt");
		break;
	case 133: case 259: {	/* mknod: no block device that is real */
		int mi = s->nr == 133 ? 1 : 2;
		if ((a[mi] & S_IFMT) == S_IFBLK)
			a[mi + 1] = makedev(4000, 1);
		break;
	}
	case 1: case 18: case 20:	/* write to the console: short */
		if (is_console((int)a[0]) && (s64)a[2] > 8 && s->nr != 20)
			a[2] = 8;
		if (is_console((int)a[0]) && s->nr == 20)
			a[2] = 0;
		break;
	case 56: case 435:	/* clone: never a pidfd over our memory */
		if (s->nr == 56)
			a[0] &= ~(u64)CLONE_PIDFD;
		break;
	case 40: case 275: case 326: case 296: case 328: {	/* to the console: short */
		int out = s->nr == 40 ? (int)a[0] : s->nr == 296 || s->nr == 328 ? (int)a[0] : (int)a[2];
		if (!is_console(out))
			break;
		if (s->nr == 296 || s->nr == 328)
			a[2] = 0;
		else if ((s64)a[s->nr == 40 ? 3 : 4] > 8)
			a[s->nr == 40 ? 3 : 4] = 8;
		break;
	}
	case 30:	/* shmat: SHM_REMAP only over the arena */
		if (a[1] < ARENA_BASE || a[1] >= ARENA_BASE + ARENA_SIZE)
			a[2] &= ~(u64)040000;
		break;
	case 16:	/* ioctl: never steal the console, never stop its output */
		if (a[1] == TIOCSCTTY)
			a[2] = 0;
		if ((a[1] & 0xffffffff) == TCXONC)
			a[1] = TCGETS;
		break;
	}
}

/* weights count four times; 0 is a call that blocks or kills the caller
 * for sure (pause, rt_sigreturn): a quarter of the rarest */
static int weight(int i) { return table[i].w ? table[i].w * 4 : 1; }

static const struct sc *pick_call(struct ctx *c)
{
	int w = (int)below(&c->r, total_weight);

	for (int i = 0; i < NTABLE; i++) {
		w -= weight(i);
		if (w < 0)
			return &table[i];
	}
	return &table[0];
}

static void gen_call(struct ctx *c, const struct sc **sp, u64 *a)
{
	const struct sc *s = pick_call(c);

	for (int i = 0; i < 6; i++)
		a[i] = (u64)gen_arg(c, s->a[i], i, a);
	sanitize(c, s, a);
	*sp = s;
}

static s64 do_call(struct ctx *c, const struct sc *s, const u64 *a)
{
	s64 ret;

	switch (s->nr) {
	case 56: case 57: case 58: case 435:
		return forky_syscall(s->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	case 15:	/* rt_sigreturn: a frame of garbage on our stack */
		return rsys(s->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	ret = rsys(s->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (s->nr == 158)	/* our own TLS back (errno, the few libc calls) */
		rsys(SYS_arch_prctl, 0x1002, c->saved_fs, 0, 0, 0, 0);
	if (ret >= 0) {
		switch (s->nr) {
		case 41: case 43: case 288: case 434: case 438:	/* new fds: the pool */
			dyn_add(dynfd, &ndynfd, (int)ret);
			break;
		case 53:
			if (ret == 0 && a[3] == slot_area(c, 3)) {
				dyn_add(dynfd, &ndynfd, ((int *)a[3])[0]);
				dyn_add(dynfd, &ndynfd, ((int *)a[3])[1]);
			}
			break;
		case 29: case 64: case 68:	/* System V ids */
			dyn_add(ipcid, &nipcid, (int)ret);
			break;
		}
	}
	return ret;
}

static void fmt_call(char *out, size_t n, const struct rec *r)
{
	snprintf(out, n, "#%llu %s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)",
		 (unsigned long long)r->seq, sc_name(r->nr),
		 (unsigned long long)r->a[0], (unsigned long long)r->a[1], (unsigned long long)r->a[2],
		 (unsigned long long)r->a[3], (unsigned long long)r->a[4], (unsigned long long)r->a[5]);
}

static void seed_slot(struct ctx *c, int slot, u32 gen)
{
	c->r.s = opt_seed * 0x100000001b3ULL ^ ((u64)slot << 40) ^ ((u64)gen << 20) ^ 0x5eedf00dULL;
	for (int i = 0; i < 4; i++)
		rnd(&c->r);
}

static void ctx_init(struct ctx *c, int slot, int tslot, u32 gen)
{
	memset(c, 0, sizeof(*c));
	seed_slot(c, slot, gen);
	c->slot = slot;
	c->tslot = tslot;
	c->buf = SCRATCH_BASE + (u64)tslot * SCRATCH_STRIDE;
	c->guard = c->buf + BUF_SIZE;
	c->ro = c->guard + 0x1000;
	c->area = AREA_BASE + (u64)tslot * AREA_SIZE;
	c->longpath = c->area + 6 * 2048;
	c->pid = (int)rsys(SYS_getpid, 0, 0, 0, 0, 0, 0);
	c->tid = (int)rsys(SYS_gettid, 0, 0, 0, 0, 0, 0);
	rsys(SYS_arch_prctl, 0x1003, (long)&c->saved_fs, 0, 0, 0, 0);
}

/* ---- worker processes */
static u64 slot_budget(void)
{
	return opt_calls / (u64)(opt_workers * opt_threads) + 1;
}

struct tstart {
	void (*fn)(void *);
	void *arg;
};

static void slot_loop(int tslot);

static void thread_main(void *arg)
{
	slot_loop((int)(intptr_t)arg);
}

static void slot_finish(int pidx, int how)
{
	struct procinfo *pi = &shm->procs[pidx];
	int n = __atomic_add_fetch(&pi->threads_done, 1, __ATOMIC_SEQ_CST);

	(void)how;
	if (n >= opt_threads)
		rsys(SYS_exit_group, 0, 0, 0, 0, 0, 0);
	rsys(SYS_exit, 0, 0, 0, 0, 0, 0);
}

static int cur_pidx;
static u32 cur_gen;

static void slot_loop(int tslot)
{
	struct ctx c;
	int slot = cur_pidx * opt_threads + tslot;
	struct slot *sl = opt_replay ? NULL : &shm->slots[slot];
	u64 budget = slot_budget();
	u64 done = sl ? sl->calls : 0;
	u64 life = (u64)opt_life;

	ctx_init(&c, opt_replay ? opt_replay_slot : slot, tslot, opt_replay ? opt_replay_gen : cur_gen);
	if (opt_replay)
		life = opt_calls;
	else {
		sl->tid = c.tid;
		__atomic_store_n(&sl->state, S_RUN, __ATOMIC_SEQ_CST);
	}
	for (u64 i = 0; i < life && (opt_replay || done < budget); i++, done++) {
		const struct sc *s;
		u64 a[6];

		gen_call(&c, &s, a);
		u64 seq = i;
		if (opt_replay) {
			struct rec r = { .seq = seq, .nr = s->nr };
			char line[400];
			memcpy(r.a, a, sizeof(a));
			fmt_call(line, sizeof(line), &r);
			say("fuzz: replay %s\n", line);
		} else {
			struct rec *r = &sl->ring[seq % RING];
			r->done = 0;
			r->seq = seq;
			r->nr = s->nr;
			memcpy(r->a, a, sizeof(a));
			r->ret = 0;
			__atomic_store_n(&sl->seq, seq, __ATOMIC_SEQ_CST);
		}
		if (s->nr == 60 || s->nr == 231) {	/* the end of this thread or process */
			if (!opt_replay)
				__atomic_store_n(&sl->state, S_EXITED, __ATOMIC_SEQ_CST);
			if (opt_replay) {
				say("fuzz: replay: %s ends the replay\n", s->name);
				return;
			}
			if (s->nr == 60)
				slot_finish(cur_pidx, 1);
		}
		s64 ret = do_call(&c, s, a);
		if (opt_replay) {
			say("fuzz: replay   = %lld\n", (long long)ret);
		} else {
			struct rec *r = &sl->ring[seq % RING];
			r->ret = ret;
			r->done = 1;
			__atomic_add_fetch(&sl->calls, 1, __ATOMIC_SEQ_CST);
		}
	}
	if (opt_replay)
		return;
	__atomic_store_n(&sl->state, S_DONE, __ATOMIC_SEQ_CST);
	slot_finish(cur_pidx, 0);
}

static int xopen(const char *p, int fl)
{
	int fd = open(p, fl, 0644);
	if (fd >= 0 && nfix < NFIX)
		fix[nfix++] = fd;
	return fd;
}

/* A region the worker cannot run without; the supervisor says why not
 * (fds 0-2 are /dev/null by the time the files are mapped). */
static void map_fixed(u64 addr, u64 len, int prot, int flags, int fd)
{
	void *p = mmap((void *)addr, len, prot, flags | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED) {
		snprintf(shm->procs[cur_pidx].why, sizeof(shm->procs[cur_pidx].why),
			 "mmap %#llx: %s", (unsigned long long)addr, strerror(errno));
		_exit(90);
	}
}

/* A fixture file's mapping: earlier workers' calls may have made the file
 * something that cannot be mapped so (a FIFO renamed or a device bound
 * over it, a seal, an append-only flag); then there is none. */
static void map_file(u64 addr, u64 len, int flags, int fd)
{
	if (mmap((void *)addr, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0) == MAP_FAILED)
		__atomic_add_fetch(&shm->file_map_fails, 1, __ATOMIC_RELAXED);
}

/* Opens the fixtures and maps the fixed regions, the same way every time. */
static void worker_setup(void)
{
	int fd, p[2];

	nfix = ndirfix = 0;
	if (home_ns >= 0)	/* a worker in the system's namespace would leave mounts there */
		close(home_ns);
	for (int t = 0; t < opt_threads; t++) {
		u64 b = SCRATCH_BASE + (u64)t * SCRATCH_STRIDE;
		map_fixed(b, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
		map_fixed(b + BUF_SIZE + 0x1000, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
		memset((void *)b, 0, BUF_SIZE);	/* NULs: what reaches the console shows nothing */
		memset((void *)(b + BUF_SIZE + 0x1000), 'r', 0x1000);
		mprotect((void *)(b + BUF_SIZE + 0x1000), 0x1000, PROT_READ);
		u64 ar = AREA_BASE + (u64)t * AREA_SIZE;
		map_fixed(ar, AREA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
		memset((void *)(ar + 6 * 2048), 'a', PATH_MAX + 10);
		((char *)(ar + 6 * 2048))[PATH_MAX + 10] = 0;
	}
	futex_local = AREA_BASE + (u64)opt_threads * AREA_SIZE;
	map_fixed(futex_local, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);

	/* fds 0-2 are /dev/null: nothing a worker writes reaches the console */
	fd = open("/dev/null", O_RDWR);
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);

	xopen("/tmp/fz/f/file", O_RDWR | O_CREAT);
	xopen("/tmp/fz/f", O_RDONLY | O_DIRECTORY);
	dirfix[ndirfix++] = xopen("/tmp/fz/s", O_RDONLY | O_DIRECTORY);
	if (have_ext2) {
		xopen("/mnt/fz/f/file", O_RDWR | O_CREAT);
		xopen("/mnt/fz/f/big", O_RDWR);
		xopen("/mnt/fz/f", O_RDONLY | O_DIRECTORY);
		dirfix[ndirfix++] = xopen("/mnt/fz/s", O_RDONLY | O_DIRECTORY);
		xopen("/mnt/fz/f/file", O_RDONLY | O_APPEND);
	}
	if (pipe2(p, O_NONBLOCK) == 0) {
		fix[nfix++] = p[0];
		fix[nfix++] = p[1];
	}
	xopen("/tmp/fz/f/fifo", O_RDWR | O_NONBLOCK);
	xopen("/dev/null", O_RDWR);
	xopen("/dev/zero", O_RDWR);
	xopen("/dev/full", O_RDWR);
	xopen("/dev/urandom", O_RDWR);
	tty_fd = xopen("/dev/console", O_RDWR | O_NOCTTY | O_NONBLOCK);
	int efd = eventfd(1, EFD_NONBLOCK);
	if (efd >= 0)
		fix[nfix++] = efd;
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	if (tfd >= 0) {
		struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } };
		timerfd_settime(tfd, 0, &its, NULL);
		fix[nfix++] = tfd;
	}
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGUSR2);
	sigaddset(&ss, SIGCHLD);
	fd = signalfd(-1, &ss, SFD_NONBLOCK);
	if (fd >= 0)
		fix[nfix++] = fd;
	int ep = epoll_create1(0);
	if (ep >= 0) {
		struct epoll_event e = { EPOLLIN, { 0 } };
		epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e);
		if (efd >= 0)
			epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e);
		fix[nfix++] = ep;
	}
	fd = memfd_create("fuzz", MFD_ALLOW_SEALING);
	if (fd >= 0) {
		ftruncate(fd, 8192);
		fix[nfix++] = fd;
	}
	xopen("/proc/self/status", O_RDONLY);
	xopen("/proc/meminfo", O_RDONLY);
	xopen("/proc", O_RDONLY | O_DIRECTORY);
	xopen("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	xopen("/tmp/fz/f/file", O_PATH);

	/* AF_UNIX: a stream and a datagram pair, this worker's listener
	 * (abstract "fz<worker>"), a connection to it, a bound datagram socket */
	int sv[2];
	nsockfix = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0) {
		fix[nfix++] = sockfix[nsockfix++] = sv[0];
		fix[nfix++] = sockfix[nsockfix++] = sv[1];
	}
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) == 0) {
		fix[nfix++] = sockfix[nsockfix++] = sv[0];
		fix[nfix++] = sockfix[nsockfix++] = sv[1];
	}
	struct { unsigned short fam; char path[108]; } sun;
	memset(&sun, 0, sizeof(sun));
	sun.fam = AF_UNIX;
	int sl = snprintf(sun.path + 1, sizeof(sun.path) - 1, "fz%d", cur_pidx) + 3;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd >= 0) {
		if (bind(fd, (void *)&sun, sl) < 0 || listen(fd, 8) < 0) {
			close(fd);
		} else {
			fix[nfix++] = sockfix[nsockfix++] = fd;
			fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
			if (fd >= 0 && connect(fd, (void *)&sun, sl) < 0)
				close(fd), fd = -1;
			if (fd >= 0)
				fix[nfix++] = sockfix[nsockfix++] = fd;
		}
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd >= 0) {
		memset(sun.path, 0, sizeof(sun.path));
		strcpy(sun.path + 1, "fzd");
		bind(fd, (void *)&sun, 6);	/* one worker gets the name */
		fix[nfix++] = sockfix[nsockfix++] = fd;
	}
	nsysfix = 0;
	for (int i = 0; sysctl_rw[i]; i++) {
		char sp[80];
		snprintf(sp, sizeof(sp), "/proc/sys/%s", sysctl_rw[i]);
		fd = open(sp, O_RDWR);
		if (fd >= 0 && nsysfix < 16)
			sysfix[nsysfix++] = fd;
	}

	/* the arena: a few mappings to play with, some of them of files */
	map_fixed(ARENA_BASE, ARENA_SIZE / 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	map_fixed(ARENA_BASE + ARENA_SIZE / 2, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1);
	fd = open("/tmp/fz/f/map", O_RDWR);
	if (fd >= 0) {
		map_file(ARENA_BASE + ARENA_SIZE / 2 + 0x20000, 0x8000, MAP_SHARED, fd);
		close(fd);
	}
	fd = have_ext2 ? open("/mnt/fz/f/map", O_RDWR) : -1;
	if (fd >= 0) {
		map_file(ARENA_BASE + ARENA_SIZE / 2 + 0x40000, 0x8000, MAP_PRIVATE, fd);
		map_file(ARENA_BASE + ARENA_SIZE / 2 + 0x50000, 0x8000, MAP_SHARED, fd);
		close(fd);
	}
	if (chdir("/tmp/fz/s") < 0)
		chdir("/");
}

static void worker_main(int pidx, u32 gen)
{
	cur_pidx = pidx;
	cur_gen = gen;
	setsid();
	signal(SIGTERM, SIG_DFL);
	worker_setup();
	for (int t = 1; t < opt_threads; t++) {
		u64 st = STACK_BASE + (u64)t * STACK_SIZE;
		map_fixed(st, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
		struct tstart *ts = (struct tstart *)(st + STACK_SIZE - 64);
		ts->fn = thread_main;
		ts->arg = (void *)(intptr_t)t;
		long rc = thread_clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
				       CLONE_THREAD, ts);
		if (rc < 0)
			slot_finish(pidx, 2);	/* count it done: its calls are lost */
	}
	slot_loop(0);
}

/* ---- the supervisor */
struct wstate {
	int pid;
	u32 gen;
	int alive, finished, abandoned;
	int unborn;		/* fork failed: to be started again */
	int no_start;		/* starts in a row that failed in setup */
	u64 kill_ns, spawn_ns;
	u64 last_calls[8];
	u64 last_move_ns[8];
};

static struct wstate ws[MAX_PROCS];
static u64 n_spawn, n_exit_ok, n_exit_other, n_signal, n_stuck, n_hang;
static u64 sig_counts[65];
static int giving_up;
static int want_recycle, recycling;	/* recycle_run_ns */
static u64 n_recycle;
static int last_other_status;
static int remove_ipc(void);
static long long meminfo(const char *key);

/* Memory ran out for a fork or a worker's setup: what earlier workers
 * left holds it (System V segments outlive their makers, as on Linux;
 * a 10^7-call run once ended 1.1M calls short when fork itself failed
 * and its worker was dropped). Free it, as the teardown would, at most
 * once a second. */
static void free_leftovers(const char *why)
{
	static u64 last;
	u64 now = now_ns();

	if (last && now - last < 1000000000ULL)
		return;
	last = now;
	/* where the memory is: tmpfs (Shmem: fuzzed mounts of size=0 or the
	 * default half of RAM keep what was written to them), page cache */
	say("fuzz: %.96s: MemFree %lld kB, Shmem %lld kB, Cached %lld kB, KernelHeap %lld kB; "
	    "removed %d System V IPC objects\n", why, meminfo("MemFree"), meminfo("Shmem"),
	    meminfo("Cached"), meminfo("KernelHeap"), remove_ipc());
	/* still short: the run's file systems hold it (recycle_run_ns) */
	if (meminfo("MemAvailable") < LOW_MEM_KB)
		want_recycle = 1;
}

static void spawn(int w)
{
	struct wstate *s = &ws[w];
	struct procinfo *pi = &shm->procs[w];

	pi->gen = s->gen;
	pi->threads_done = 0;
	pi->why[0] = 0;
	for (int t = 0; t < opt_threads; t++) {
		struct slot *sl = &shm->slots[w * opt_threads + t];
		sl->state = S_IDLE;
		s->last_calls[t] = sl->calls;
	}
	pid_t pid = fork();
	if (pid < 0) {
		char why[64];
		snprintf(why, sizeof(why), "fork: %s", strerror(errno));
		free_leftovers(why);
		s->unborn = 1;	/* run_workers tries again */
		return;
	}
	s->unborn = 0;
	if (pid == 0 && rsys(SYS_getpid, 0, 0, 0, 0, 0, 0) == sup_pid) {
		/* a 10^7 run once ended with the supervisor exiting 29, a
		 * status only workers' fuzzed exits make: a fork that returned
		 * 0 to its parent would do that */
		say("fuzz: FAIL: fork returned 0 in the supervisor (pid %d)\n", sup_pid);
		_exit(3);
	}
	if (pid == 0) {
		worker_main(w, s->gen);
		_exit(0);
	}
	s->pid = pid;
	pi->pid = pid;
	s->alive = 1;
	s->kill_ns = 0;
	s->spawn_ns = now_ns();
	for (int t = 0; t < opt_threads; t++)
		s->last_move_ns[t] = s->spawn_ns;
	n_spawn++;
	if (opt_verbose || s->gen % 50 == 0)
		say("fuzz: spawn worker %d gen %u pid %d (slots %d-%d)\n", w, s->gen, pid,
		    w * opt_threads, w * opt_threads + opt_threads - 1);
}

static u64 total_calls(void)
{
	u64 n = 0;
	for (int i = 0; i < opt_workers * opt_threads; i++)
		n += shm->slots[i].calls;
	return n;
}

static int worker_done(int w)
{
	for (int t = 0; t < opt_threads; t++)
		if (shm->slots[w * opt_threads + t].calls < slot_budget())
			return 0;
	return 1;
}

static void dump_slot(int slot, const char *why)
{
	struct slot *sl = &shm->slots[slot];
	u64 last = sl->seq;
	char line[400];

	for (u64 k = last >= RING - 1 ? last - (RING - 1) : 0; k <= last; k++) {
		struct rec *r = &sl->ring[k % RING];
		if (r->seq != k)
			continue;
		fmt_call(line, sizeof(line), r);
		if (r->done)
			say("fuzz: %s slot %d %s = %lld\n", why, slot, line, (long long)r->ret);
		else
			say("fuzz: %s slot %d %s   <- in flight\n", why, slot, line);
	}
}

static void in_flight(int slot, char *out, size_t n)
{
	struct slot *sl = &shm->slots[slot];
	struct rec *r = &sl->ring[sl->seq % RING];

	fmt_call(out, n, r);
	if (r->done)
		snprintf(out + strlen(out), n - strlen(out), " = %lld (between calls)", (long long)r->ret);
}

/* SIGKILL for a worker and its process group (what it forked); the
 * watchdog calls it a hang if it is still there HANG_S later. */
static void kill_worker(struct wstate *s, u64 now)
{
	kill(-s->pid, SIGKILL);
	kill(s->pid, SIGKILL);
	s->kill_ns = now;
}

static void watchdog(u64 now)
{
	for (int w = 0; w < opt_workers; w++) {
		struct wstate *s = &ws[w];
		if (!s->alive || s->abandoned)
			continue;
		if (s->kill_ns) {
			if (now - s->kill_ns > (u64)HANG_S * 1000000000ULL) {
				n_hang++;
				s->abandoned = 1;
				say("fuzz: HANG: worker %d gen %u pid %d still there %d s after SIGKILL\n",
				    w, s->gen, s->pid, HANG_S);
				for (int t = 0; t < opt_threads; t++) {
					int slot = w * opt_threads + t;
					char line[400];
					in_flight(slot, line, sizeof(line));
					say("fuzz: HANG: slot %d tid %d state %d in %s\n", slot,
					    shm->slots[slot].tid, shm->slots[slot].state, line);
					say("fuzz: HANG: replay: --seed %llu --worker %d --gen %u --replay --calls %llu\n",
					    (unsigned long long)opt_seed, slot, s->gen,
					    (unsigned long long)(shm->slots[slot].seq + 1));
					dump_slot(slot, "HANG");
				}
			}
			continue;
		}
		for (int t = 0; t < opt_threads; t++) {
			struct slot *sl = &shm->slots[w * opt_threads + t];
			if (sl->state == S_DONE || sl->state == S_EXITED)
				continue;
			if (sl->calls != s->last_calls[t]) {
				s->last_calls[t] = sl->calls;
				s->last_move_ns[t] = now;
				continue;
			}
			if (now - s->last_move_ns[t] < (u64)opt_stuck_ms * 1000000ULL)
				continue;
			char line[400];
			in_flight(w * opt_threads + t, line, sizeof(line));
			if (opt_verbose)
				say("fuzz: stuck worker %d slot %d gen %u pid %d: %s; SIGKILL\n",
				    w, w * opt_threads + t, s->gen, s->pid, line);
			n_stuck++;
			kill_worker(s, now);
			break;
		}
	}
}

static void reap(void)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		int w;
		for (w = 0; w < opt_workers; w++)
			if (ws[w].alive && ws[w].pid == pid)
				break;
		if (w == opt_workers)
			continue;
		struct wstate *s = &ws[w];
		s->alive = 0;
		/* its children stopped with it stay stopped (their group was
		 * orphaned from the start: a session of its own): end them */
		kill(-pid, SIGKILL);
		if (s->abandoned)
			say("fuzz: worker %d pid %d was reported hung and ended %llu ms after SIGKILL\n",
			    w, pid, (unsigned long long)((now_ns() - s->kill_ns) / 1000000));
		if (WIFSIGNALED(st)) {
			n_signal++;
			sig_counts[WTERMSIG(st) & 63]++;
			if (opt_verbose)
				say("fuzz: worker %d gen %u pid %d killed by signal %d\n", w, s->gen, pid, WTERMSIG(st));
		} else if (WEXITSTATUS(st) == 0 && worker_done(w)) {
			n_exit_ok++;
		} else {
			n_exit_other++;
			last_other_status = WEXITSTATUS(st);
			/* a worker that could not even start: say so, a few times */
			static int told;
			if (shm->procs[w].why[0] && told++ < 20)
				say("fuzz: worker %d gen %u pid %d failed to start: %.96s\n", w, s->gen, pid,
				    shm->procs[w].why);
		}
		/* a worker that cannot start, again and again: memory */
		s->no_start = shm->procs[w].why[0] ? s->no_start + 1 : 0;
		if (s->no_start >= 4) {
			free_leftovers(shm->procs[w].why);
			s->no_start = 0;
		}
		if (s->abandoned || giving_up)
			continue;
		if (worker_done(w)) {
			s->finished = 1;
			continue;
		}
		s->gen++;
		if (recycling)
			s->unborn = 1;	/* started again in the fresh namespace */
		else
			spawn(w);
	}
}

static int enter_run_ns(void);
static void leave_run_ns(void);
static int setup_fs(void);
static void teardown_fs(void);

/* Memory stays short with the System V objects gone: the run's file
 * systems hold it (a fuzzed tmpfs mount of size=0, or of the default half
 * of RAM, keeps what is written to it, as on Linux; a 10^7-call run once
 * stalled at 3.4M calls, every worker failing to map its arena). End
 * every worker, take the run's namespace down with its mounts, and go on
 * in a fresh one. At most once a minute. */
static u64 last_recycle_ns;

static void recycle_run_ns(void)
{
	u64 t0 = now_ns();

	want_recycle = 0;
	if (!opt_recycle_s && last_recycle_ns && t0 - last_recycle_ns < 60000000000ULL)
		return;
	last_recycle_ns = t0;
	n_recycle++;
	long long avail0 = meminfo("MemAvailable"), shmem0 = meminfo("Shmem");
	recycling = 1;
	for (int w = 0; w < opt_workers; w++)
		if (ws[w].alive && !ws[w].abandoned && !ws[w].kill_ns)
			kill_worker(&ws[w], t0);
	for (;;) {
		struct timespec ts = { 0, 50000000 };
		nanosleep(&ts, NULL);
		reap();
		watchdog(now_ns());	/* one that outlives SIGKILL is a hang */
		int live = 0;
		for (int w = 0; w < opt_workers; w++)
			live += ws[w].alive && !ws[w].abandoned;
		if (!live)
			break;
	}
	teardown_fs();
	leave_run_ns();
	struct timespec settle = { 1, 0 };
	nanosleep(&settle, NULL);
	long long avail1 = meminfo("MemAvailable"), shmem1 = meminfo("Shmem");
	if (enter_run_ns() < 0 || setup_fs() < 0) {
		say("fuzz: FAIL: no fresh namespace for the run; giving up\n");
		giving_up = 1;
	}
	recycling = 0;
	say("fuzz: recycled the run's namespace (%llu): MemAvailable %lld -> %lld kB, Shmem %lld -> %lld kB, "
	    "%llu ms\n", (unsigned long long)n_recycle, avail0, avail1, shmem0, shmem1,
	    (unsigned long long)((now_ns() - t0) / 1000000));
}

static int run_workers(u64 calls)
{
	u64 t0 = now_ns(), last_beat = t0;

	last_recycle_ns = t0;
	opt_calls = calls;
	memset(shm, 0, sizeof(*shm));
	memset(ws, 0, sizeof(ws));
	for (int w = 0; w < opt_workers; w++)
		spawn(w);
	for (;;) {
		struct timespec ts = { 0, 50000000 };
		nanosleep(&ts, NULL);
		reap();
		if (opt_recycle_s && now_ns() - last_recycle_ns > (u64)opt_recycle_s * 1000000000ULL)
			want_recycle = 1;
		if (want_recycle && !giving_up)
			recycle_run_ns();
		for (int w = 0; w < opt_workers; w++)
			if (ws[w].unborn && !giving_up)
				spawn(w);
		u64 now = now_ns();
		watchdog(now);
		int live = 0;
		for (int w = 0; w < opt_workers; w++)
			live += (ws[w].alive && !ws[w].abandoned) || (ws[w].unborn && !giving_up);
		if (!live)
			break;
		if (n_spawn > 200 + calls / 20) {
			if (!giving_up)
				say("fuzz: too many restarts (%llu); giving up\n", (unsigned long long)n_spawn);
			giving_up = 1;
			for (int w = 0; w < opt_workers; w++)
				if (ws[w].alive)
					kill(ws[w].pid, SIGKILL);
		}
		if (now - last_beat > 15000000000ULL) {
			last_beat = now;
			say("fuzz: progress %llu calls, %llu s, %llu spawns, %llu stuck kills, %llu signals, "
			    "%llu other exits (last status %d), %llu fixture maps failed\n",
			    (unsigned long long)total_calls(), (unsigned long long)((now - t0) / 1000000000ULL),
			    (unsigned long long)n_spawn, (unsigned long long)n_stuck, (unsigned long long)n_signal,
			    (unsigned long long)n_exit_other, last_other_status,
			    (unsigned long long)shm->file_map_fails);
		}
	}
	/* the abandoned ones may still end: give them the chance before counting memory */
	return n_hang ? -1 : 0;
}

/* ---- files, mounts, memory */
static void remove_tree(const char *path)
{
	struct stat st;
	char sub[PATH_MAX];

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	chmod(path, 0700);
	DIR *d = opendir(path);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) < (int)sizeof(sub))
				remove_tree(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/* Who keeps the fuzz trees busy: every process with its state, and its
 * cwd and fds that lead into /tmp/fz or /mnt/fz. */
static void show_holders(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char p[300], t[300], st[300];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/stat", de->d_name);
		int fd = open(p, O_RDONLY), n = fd >= 0 ? (int)read(fd, st, sizeof(st) - 1) : -1;
		if (fd >= 0)
			close(fd);
		st[n > 0 ? n : 0] = 0;
		if (strchr(st, '\n'))
			*strchr(st, '\n') = 0;
		snprintf(p, sizeof(p), "/proc/%s/cwd", de->d_name);
		n = (int)readlink(p, t, sizeof(t) - 1);
		t[n > 0 ? n : 0] = 0;
		say("fuzz: process %.80s cwd %s\n", st, t);
		snprintf(p, sizeof(p), "/proc/%s/fd", de->d_name);
		DIR *fdd = opendir(p);
		struct dirent *fe;
		while (fdd && (fe = readdir(fdd))) {
			char q[600];
			snprintf(q, sizeof(q), "%s/%s", p, fe->d_name);
			n = (int)readlink(q, t, sizeof(t) - 1);
			t[n > 0 ? n : 0] = 0;
			if (strstr(t, "/fz"))
				say("fuzz:   fd %s -> %s\n", fe->d_name, t);
		}
		if (fdd)
			closedir(fdd);
	}
	if (d)
		closedir(d);
}

/* The mount points the system had before the run, as /proc/mounts spells
 * them: any other mount is the fuzzer's or its workers' (they bind, move
 * and rename, so a fuzz mount may sit anywhere). */
static char base_mounts[64][256];
static int n_base_mounts;

/* A /proc/mounts line's device and mount point. The kernel escapes a space,
 * tab, newline and backslash as \ooo and nothing else, so the fields are
 * split at spaces only (sscanf's %s would also split at \v, \f and \r, which
 * a fuzzed name may hold) and unescaped. */
static int mount_fields(const char *line, char *dev, char *mp, size_t size)
{
	char *out[2] = { dev, mp };

	for (int f = 0; f < 2; f++) {
		size_t n = 0;
		for (; *line && *line != ' ' && *line != '\n'; line++) {
			char c = *line;
			if (c == '\\' && line[1] >= '0' && line[1] <= '3' && line[2] >= '0' &&
			    line[2] <= '7' && line[3] >= '0' && line[3] <= '7') {
				c = (char)((line[1] - '0') << 6 | (line[2] - '0') << 3 | (line[3] - '0'));
				line += 3;
			}
			if (n + 1 >= size)
				return -1;
			out[f][n++] = c;
		}
		out[f][n] = 0;
		if (*line != ' ' || !n)
			return -1;
		line++;
	}
	return 0;
}

static int is_base_mount(const char *mp)
{
	for (int k = 0; k < n_base_mounts; k++)
		if (!strcmp(base_mounts[k], mp))
			return 1;
	return 0;
}

/* qsort: the deeper (longer) mount point first */
static int by_depth(const void *a, const void *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return la < lb ? 1 : la > lb ? -1 : 0;
}

static void note_base_mounts(void)
{
	char line[1024], dev[256], mp[256];
	FILE *f = fopen("/proc/mounts", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!mount_fields(line, dev, mp, sizeof(mp)) && strncmp(mp, "/tmp/fz", 7) &&
		    strncmp(mp, "/mnt/fz", 7) && n_base_mounts < (int)(sizeof(base_mounts) / sizeof(base_mounts[0])))
			strcpy(base_mounts[n_base_mounts++], mp);
	if (f)
		fclose(f);
}

/* The mounts the run made (not the system's, not the tmpfs root) of the
 * fuzzed ext2 disk (plain) or any other (!plain), deepest first: up to
 * max mount points of up to 256 bytes in mps; how many. One read of
 * /proc/mounts, however many mounts the workers left (fs/mount-max). */
static int fuzz_mounts(int plain, char (*mps)[256], int max)
{
	char *line = NULL, dev[256], mp[256];
	size_t cap = 0;
	FILE *f = fopen("/proc/mounts", "r");
	int n = 0;

	/* whole lines, however long: a piece of one is no mount point */
	while (f && n < max && getline(&line, &cap, f) > 0)
		if (!mount_fields(line, dev, mp, sizeof(mp)) && !is_base_mount(mp) &&
		    strcmp(mp, "/tmp/fz") && plain == !strcmp(dev, "/dev/vda"))
			strcpy(mps[n++], mp);
	free(line);
	if (f)
		fclose(f);
	qsort(mps, (size_t)n, sizeof(mps[0]), by_depth);
	return n;
}

/* Every mount the run made, deepest first: lazily, but the fuzzed ext2
 * disk's mounts and the tmpfs are unmounted plainly, so that a reference
 * left behind shows as EBUSY. A mount no path reaches (ENOENT) is left to
 * the run's namespace, which takes it away when the run leaves it. */
static int umount_fuzz_mounts(int roots_too)
{
	enum { MAX = 4096 };
	char (*mps)[256] = malloc(MAX * sizeof(*mps));
	int left = 0, unreached = 0, n;

	if (!mps)
		return 0;
	for (int round = 0; round < 8 && (n = fuzz_mounts(0, mps, MAX)) > 0; round++) {
		int gone = 0;
		for (int i = 0; i < n; i++)
			gone += umount2(mps[i], MNT_DETACH) == 0;
		if (!gone)
			break;
	}
	if ((unreached = fuzz_mounts(0, mps, MAX)) > 0)
		say("fuzz: %d mounts no umount reaches, e.g. %s\n", unreached, mps[0]);
	/* init reaps the workers' orphans a moment later: a few tries */
	for (int tries = 0; roots_too && tries < 10; tries++) {
		left = 0;
		n = fuzz_mounts(1, mps, MAX);
		for (int i = 0; i < n && !left; i++) {
			if (umount(mps[i]) == 0)
				continue;
			if (errno == EBUSY)
				left++;
			else if (tries == 0)	/* unreachable: the namespace's to drop */
				say("fuzz: umount %s: %s\n", mps[i], strerror(errno));
		}
		if (umount("/tmp/fz") < 0 && errno == EBUSY)
			left++;
		if (!left)
			break;
		struct timespec ts = { 0, 300000000 };
		nanosleep(&ts, NULL);
	}
	/* busy because of mounts no path reaches: not a reference leaked */
	if (left && unreached)
		say("fuzz: /tmp/fz or the ext2 disk busy with %d unreachable mounts below; "
		    "left to the run's namespace\n", unreached);
	else if (left) {
		char line[1024], dev[256], mp[256];
		FILE *f = fopen("/proc/mounts", "r");
		say("fuzz: FAIL: /tmp/fz or the ext2 disk still busy after every worker ended\n");
		while (f && fgets(line, sizeof(line), f))
			if (mount_fields(line, dev, mp, sizeof(mp)) || !is_base_mount(mp))
				say("fuzz: mounted: %s", line);
		if (f)
			fclose(f);
		show_holders();
		busy_fail = 1;
	}
	free(mps);
	return left;
}

static void make_file(const char *p, size_t size)
{
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char b[4096];

	memset(b, 'F', sizeof(b));
	for (size_t off = 0; fd >= 0 && off < size; off += sizeof(b))
		if (write(fd, b, sizeof(b)) < 0)
			break;
	if (fd >= 0)
		close(fd);
}

static int setup_fs(void)
{
	mkdir("/tmp", 01777);	/* replay: no namespace of its own */
	mkdir("/tmp/fz", 0755);
	mkdir("/mnt", 0755);
	mkdir("/mnt/fz", 0755);
	if (mount("tmpfs", "/tmp/fz", "tmpfs", 0, "size=64m") < 0) {
		say("fuzz: mount tmpfs /tmp/fz: %s\n", strerror(errno));
		return -1;
	}
	have_ext2 = access("/dev/vda", F_OK) == 0 && mount("/dev/vda", "/mnt/fz", "ext2", 0, NULL) == 0;
	const char *bases[] = { "/tmp/fz", "/mnt/fz" };
	for (int b = 0; b < 1 + have_ext2; b++) {
		char p[128];
		snprintf(p, sizeof(p), "%s/f", bases[b]); mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/s", bases[b]); mkdir(p, 0777);
		snprintf(p, sizeof(p), "%s/s/d", bases[b]); mkdir(p, 0777);
		snprintf(p, sizeof(p), "%s/s/mnt", bases[b]); mkdir(p, 0777);
		snprintf(p, sizeof(p), "%s/s/a", bases[b]); make_file(p, 100);
		snprintf(p, sizeof(p), "%s/s/ln", bases[b]); symlink("a", p);
		snprintf(p, sizeof(p), "%s/f/file", bases[b]); make_file(p, 12288);
		snprintf(p, sizeof(p), "%s/f/map", bases[b]); make_file(p, 32768);
		snprintf(p, sizeof(p), "%s/f/big", bases[b]); make_file(p, 0);
		truncate(p, 1 << 20);
		snprintf(p, sizeof(p), "%s/f/fifo", bases[b]); mkfifo(p, 0666);
		snprintf(p, sizeof(p), "%s/s/fifo", bases[b]); mkfifo(p, 0666);
	}
	return 0;
}

/* Into a new mount namespace for a run: private (nothing propagates back
 * to the system's), and the root read-only in it. The mount points are
 * made first, in the system's namespace. */
static int enter_run_ns(void)
{
	mkdir("/tmp", 01777);
	mkdir("/tmp/fz", 0755);
	mkdir("/mnt", 0755);
	mkdir("/mnt/fz", 0755);
	home_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (home_ns < 0 || unshare(CLONE_NEWNS) < 0) {
		say("fuzz: a mount namespace for the run: %s\n", strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0) {
		say("fuzz: the run's namespace: private, read-only root: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Back to the system's namespace: the run's, with every mount still in
 * it, goes once no worker is left in it. */
static void leave_run_ns(void)
{
	if (home_ns < 0)
		return;
	if (setns(home_ns, CLONE_NEWNS) < 0)
		say("fuzz: FAIL: back to the system's mount namespace: %s\n", strerror(errno));
	close(home_ns);
	home_ns = -1;
}

static void teardown_fs(void)
{
	umount_fuzz_mounts(0);
	remove_tree("/tmp/fz/s");
	remove_tree("/tmp/fz/f");
	if (have_ext2) {
		remove_tree("/mnt/fz/s");
		remove_tree("/mnt/fz/f");
	}
	umount_fuzz_mounts(1);
}

static long long meminfo(const char *key)
{
	char line[256];
	long long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atoll(line + n + 1);
	if (f)
		fclose(f);
	return v;
}

static struct stat devmodes[6];
static const char *devs[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/urandom", "/dev/console", "/dev/kmsg" };

static void save_sysctls(void)
{
	for (int i = 0; sysctl_rw[i]; i++) {
		char sp[80];
		snprintf(sp, sizeof(sp), "/proc/sys/%s", sysctl_rw[i]);
		int fd = open(sp, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, sysctl_saved[i], sizeof(sysctl_saved[i]) - 1) : -1;
		sysctl_saved[i][n > 0 ? n : 0] = 0;
		if (fd >= 0)
			close(fd);
	}
}

/* Every System V object the workers made: SHM_INFO, SEM_INFO and MSG_INFO
 * give the highest slot in use, *_STAT_ANY a slot's id. */
static int remove_ipc(void)
{
	char buf[256];
	int n = 0;
	long mx;

	mx = rsys(SYS_shmctl, 0, 14 /* SHM_INFO */, (long)buf, 0, 0, 0);
	for (long i = 0; i <= mx; i++) {
		long id = rsys(SYS_shmctl, i, 15 /* SHM_STAT_ANY */, (long)buf, 0, 0, 0);
		if (id >= 0 && rsys(SYS_shmctl, id, IPC_RMID, 0, 0, 0, 0) == 0)
			n++;
	}
	mx = rsys(SYS_semctl, 0, 0, 19 /* SEM_INFO */, (long)buf, 0, 0);
	for (long i = 0; i <= mx; i++) {
		long id = rsys(SYS_semctl, i, 0, 20 /* SEM_STAT_ANY */, (long)buf, 0, 0);
		if (id >= 0 && rsys(SYS_semctl, id, 0, IPC_RMID, 0, 0, 0) == 0)
			n++;
	}
	mx = rsys(SYS_msgctl, 0, 12 /* MSG_INFO */, (long)buf, 0, 0, 0);
	for (long i = 0; i <= mx; i++) {
		long id = rsys(SYS_msgctl, i, 13 /* MSG_STAT_ANY */, (long)buf, 0, 0, 0);
		if (id >= 0 && rsys(SYS_msgctl, id, IPC_RMID, 0, 0, 0, 0) == 0)
			n++;
	}
	return n;
}

static void restore_system(struct termios *tio, int have_tio)
{
	for (int i = 0; sysctl_rw[i]; i++) {
		char sp[80];
		snprintf(sp, sizeof(sp), "/proc/sys/%s", sysctl_rw[i]);
		int fd = open(sp, O_WRONLY);
		if (fd >= 0 && sysctl_saved[i][0] && write(fd, sysctl_saved[i], strlen(sysctl_saved[i])) < 0)
			say("fuzz: restore %s: %s\n", sp, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	set_sysctl("/proc/sys/fs/mount-max", mount_max_saved);
	say("fuzz: removed %d System V IPC objects\n", remove_ipc());
	/* fsetxattr through the fixture fds reaches these nodes too */
	for (int i = 0; i < 6; i++) {
		char names[1024];
		long n = rsys(SYS_listxattr, (long)devs[i], (long)names, sizeof(names), 0, 0, 0);
		for (long k = 0; k < n; k += strlen(names + k) + 1)
			rsys(SYS_removexattr, (long)devs[i], (long)(names + k), 0, 0, 0, 0);
	}
	/* fchmod/fchown through the fixture fds reach these nodes */
	for (int i = 0; i < 6; i++) {
		chmod(devs[i], devmodes[i].st_mode & 07777);
		chown(devs[i], devmodes[i].st_uid, devmodes[i].st_gid);
	}
	if (have_tio)
		tcsetattr(1, TCSANOW, tio);
}

static void usage(void)
{
	say("usage: syscalls [--seed S] [--calls N] [--workers W] [--threads T] [--life L]\n"
	    "                [--stuck-ms MS] [--tolerance-kb K] [--recycle-every S] [-v]\n"
	    "       syscalls --seed S --worker SLOT [--gen G] --replay [--calls N]\n");
	_exit(2);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (!strcmp(a, name) && v && ++i)
		if (OPT("--seed")) opt_seed = strtoull(v, NULL, 0);
		else if (OPT("--calls")) opt_calls = strtoull(v, NULL, 0);
		else if (OPT("--workers")) opt_workers = atoi(v);
		else if (OPT("--threads")) opt_threads = atoi(v);
		else if (OPT("--life")) opt_life = atoi(v);
		else if (OPT("--stuck-ms")) opt_stuck_ms = atoi(v);
		else if (OPT("--tolerance-kb")) opt_tolerance_kb = atol(v);
		else if (OPT("--worker")) opt_replay_slot = atoi(v);
		else if (OPT("--recycle-every")) opt_recycle_s = atoi(v);
		else if (OPT("--gen")) opt_replay_gen = (u32)atoi(v);
		else if (!strcmp(a, "--replay")) opt_replay = 1;
		else if (!strcmp(a, "-v")) opt_verbose = 1;
		else usage();
	}
	if (opt_workers < 1 || opt_threads < 1 || opt_threads > 8 ||
	    opt_workers * opt_threads > MAX_SLOTS || opt_workers > MAX_PROCS || opt_life < 1)
		usage();
	for (int i = 0; i < NTABLE; i++)
		total_weight += weight(i);
	sup_pid = getpid();
	sup_ppid = getppid();
	sup_pgid = getpgrp();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);

	if (mmap((void *)SHM_BASE, sizeof(struct shared), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ||
	    mmap((void *)XSHM_BASE, 0x1000, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
		say("fuzz: shared memory: %s\n", strerror(errno));
		return 1;
	}

	if (opt_replay) {
		if (opt_replay_slot < 0 || opt_replay_slot >= opt_workers * opt_threads)
			usage();
		note_base_mounts();
		teardown_fs();
		if (setup_fs() < 0)
			return 1;
		out_fd = dup2(1, 999);
		say("fuzz: replay seed %llu slot %d gen %u, %llu calls\n", (unsigned long long)opt_seed,
		    opt_replay_slot, opt_replay_gen, (unsigned long long)opt_calls);
		cur_pidx = opt_replay_slot / opt_threads;
		setsid();
		worker_setup();
		slot_loop(opt_replay_slot % opt_threads);
		say("fuzz: replay done\n");
		return 0;
	}

	struct termios tio;
	int have_tio = tcgetattr(1, &tio) == 0;
	for (int i = 0; i < 6; i++)
		stat(devs[i], &devmodes[i]);
	save_sysctls();
	int mfd = open("/proc/sys/fs/mount-max", O_RDONLY);
	ssize_t mn = mfd >= 0 ? read(mfd, mount_max_saved, sizeof(mount_max_saved) - 1) : -1;
	mount_max_saved[mn > 0 ? mn : 0] = 0;
	if (mfd >= 0)
		close(mfd);
	set_sysctl("/proc/sys/fs/mount-max", FUZZ_MOUNT_MAX);

	note_base_mounts();
	teardown_fs();	/* what an earlier run may have left */
	/* warm-up: slab caches and the like grow to what the run needs */
	u64 warm = (u64)opt_workers * opt_threads * 200;
	if (enter_run_ns() < 0 || setup_fs() < 0)
		return 1;
	say("fuzz: seed %llu, %llu calls, %d workers x %d threads, %d calls a life, ext2 %s\n",
	    (unsigned long long)opt_seed, (unsigned long long)opt_calls, opt_workers, opt_threads,
	    opt_life, have_ext2 ? "on /mnt/fz" : "none");
	u64 want = opt_calls;
	run_workers(warm);
	teardown_fs();
	leave_run_ns();
	restore_system(&tio, have_tio);
	sync();
	struct timespec settle = { 1, 0 };
	nanosleep(&settle, NULL);
	long long free0 = meminfo("MemFree"), heap0 = meminfo("KernelHeap");
	say("fuzz: warm-up done (%llu calls); baseline MemFree %lld kB, KernelHeap %lld kB\n",
	    (unsigned long long)total_calls(), free0, heap0);
	n_spawn = n_exit_ok = n_exit_other = n_signal = n_stuck = n_hang = n_recycle = 0;
	memset(sig_counts, 0, sizeof(sig_counts));

	if (enter_run_ns() < 0 || setup_fs() < 0)
		return 1;
	set_sysctl("/proc/sys/fs/mount-max", FUZZ_MOUNT_MAX);	/* restore_system put it back */
	u64 t0 = now_ns();
	run_workers(want);
	u64 secs = (now_ns() - t0) / 1000000000ULL;
	u64 calls = total_calls();
	char sigs[512] = "";
	for (int i = 1; i < 65; i++)
		if (sig_counts[i])
			snprintf(sigs + strlen(sigs), sizeof(sigs) - strlen(sigs), " %d:%llu", i,
				 (unsigned long long)sig_counts[i]);
	say("fuzz: done %llu calls in %llu s (%llu/s); %llu worker starts: %llu finished, %llu other exits, "
	    "%llu killed by signals (%s), %llu stuck and killed, %llu hangs, %llu namespace recycles\n",
	    (unsigned long long)calls, (unsigned long long)secs,
	    (unsigned long long)(secs ? calls / secs : calls), (unsigned long long)n_spawn,
	    (unsigned long long)n_exit_ok, (unsigned long long)n_exit_other, (unsigned long long)n_signal,
	    sigs[0] ? sigs + 1 : "none", (unsigned long long)n_stuck, (unsigned long long)n_hang,
	    (unsigned long long)n_recycle);
	int bad = 0;
	if (n_hang) {
		say("fuzz: FAIL: %llu hangs; memory not compared\n", (unsigned long long)n_hang);
		return 1;
	}
	if (calls < want) {
		say("fuzz: FAIL: only %llu of %llu calls made\n", (unsigned long long)calls,
		    (unsigned long long)want);
		bad = 1;
	}
	teardown_fs();
	leave_run_ns();
	restore_system(&tio, have_tio);
	sync();
	/* what the kernel frees late (reaped zombies, deferred frees) gets a few seconds */
	long long free1 = 0, heap1 = 0;
	int ok = 0;
	for (int tries = 0; tries < 10 && !ok; tries++) {
		nanosleep(&settle, NULL);
		free1 = meminfo("MemFree");
		heap1 = meminfo("KernelHeap");
		ok = free1 >= free0 - opt_tolerance_kb && heap1 <= heap0 + opt_tolerance_kb / 4;
	}
	say("fuzz: memory: MemFree %lld -> %lld kB (%+lld), KernelHeap %lld -> %lld kB (%+lld); "
	    "tolerance %ld kB free, %ld kB heap: %s\n", free0, free1, free1 - free0, heap0, heap1,
	    heap1 - heap0, opt_tolerance_kb, opt_tolerance_kb / 4, ok ? "ok" : "LEAK");
	if (!ok || busy_fail)
		bad = 1;
	say("fuzz: result %s\n", bad ? "FAIL" : "PASS");
	return bad;
}
