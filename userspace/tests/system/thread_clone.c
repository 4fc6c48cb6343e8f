#define _GNU_SOURCE
/*
 * thread_clone: threads from the kernel's side, without musl in between
 * where it matters:
 *  - raw clone(CLONE_VM|CLONE_THREAD|...|CLONE_CHILD_SETTID|
 *    CLONE_CHILD_CLEARTID|CLONE_PARENT_SETTID): the tid lands in both
 *    words, the thread shares memory and the pid, and at its exit the
 *    kernel zeroes the child-tid word and FUTEX_WAKEs it (a waiter with a
 *    5 s timeout must be woken, not time out);
 *  - invalid combinations are EINVAL and create nothing: CLONE_THREAD
 *    without CLONE_SIGHAND, CLONE_SIGHAND without CLONE_VM, CLONE_FS with
 *    CLONE_NEWNS, CLONE_PIDFD with CLONE_PARENT_SETTID (clone has one word
 *    for both), clone3 with a short struct, an exit signal on a thread, or
 *    CLONE_THREAD alone;
 *  - getpid is the group's in every thread, gettid each thread's own;
 *  - /proc/self/task lists every thread, /proc/self/task/<tid>/status
 *    says Pid: tid and Tgid: pid, /proc/self/status Threads: counts them;
 *  - fork from a non-main thread copies only that thread: the child has
 *    one thread whose tid is the child's pid, and can start threads;
 *  - the main thread leaves with pthread_exit while another runs on: the
 *    leader shows as a zombie (State: Z, as Linux), the process is not
 *    reapable and still answers kill(pid, 0) until that one calls exit(7),
 *    and wait4 then reports 7.
 */
#include <dirent.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TEST_NAME "thread_clone"
#include "check.h"
#include "threads.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

static inline long raw1(long nr, long a)
{
	long r;
	asm volatile("syscall" : "=a"(r) : "a"(nr), "D"(a) : "rcx", "r11", "memory");
	return r;
}

/*
 * clone with its own stack: the child pops fn and arg from it, calls
 * fn(arg) and SYS_exits with its result. The child may only use raw
 * syscalls (it shares the parent's TLS, errno included). Returns what
 * the syscall returned in the parent (-errno on failure).
 */
static long raw_clone(unsigned long flags, void *stack_top, int *ptid, int *ctid,
		      int (*fn)(void *), void *arg)
{
	long ret;
	uintptr_t *sp = stack_top;
	*--sp = (uintptr_t)arg;
	*--sp = (uintptr_t)fn;
	register long r10 asm("r10") = (long)ctid;
	register long r8 asm("r8") = 0;
	asm volatile("syscall\n\t"
		     "test %%rax, %%rax\n\t"
		     "jnz 1f\n\t"
		     "xor %%ebp, %%ebp\n\t"
		     "pop %%rax\n\t"
		     "pop %%rdi\n\t"
		     "and $-16, %%rsp\n\t"
		     "call *%%rax\n\t"
		     "mov %%eax, %%edi\n\t"
		     "mov $60, %%eax\n\t"
		     "syscall\n\t"
		     "ud2\n"
		     "1:"
		     : "=a"(ret)
		     : "a"((long)SYS_clone), "D"(flags), "S"(sp), "d"(ptid), "r"(r10), "r"(r8)
		     : "rcx", "r11", "memory");
	return ret;
}

#define STACK (64 * 1024)
static char *new_stack(void)
{
	char *s = mmap(NULL, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return s == MAP_FAILED ? NULL : s + STACK;
}

/* ---- raw clone and CLONE_CHILD_CLEARTID ---- */
static volatile int child_tid_word, parent_tid_word;
static volatile long seen_pid, seen_tid, seen_ctid;
static volatile int go;

static int raw_child(void *arg)
{
	(void)arg;
	seen_pid = raw1(SYS_getpid, 0);
	seen_tid = raw1(SYS_gettid, 0);
	seen_ctid = child_tid_word;	/* CLONE_CHILD_SETTID wrote it before we ran */
	while (!go)
		raw1(SYS_sched_yield, 0);
	/* linger a little so the parent is asleep in FUTEX_WAIT when we go */
	struct timespec ts = { 0, 30 * 1000 * 1000 };
	raw1(SYS_nanosleep, (long)&ts);
	return 0;
}

static void test_raw_clone(void)
{
	const unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID |
		CLONE_CHILD_CLEARTID;
	char *stack = new_stack();
	CHECK(stack != NULL);
	child_tid_word = -1;
	long tid = raw_clone(flags, stack, (int *)&parent_tid_word, (int *)&child_tid_word,
			     raw_child, NULL);
	CHECK(tid > 0);
	if (tid <= 0) {
		fprintf(stderr, "thread_clone: raw clone of a thread: %s\n", strerror(-tid));
		return;
	}
	CHECK(parent_tid_word == tid);
	while (!seen_tid)
		sched_yield();
	CHECK(seen_pid == getpid());
	CHECK(seen_tid == tid);
	CHECK(seen_ctid == tid);
	go = 1;
	/* the exit's FUTEX_WAKE on child_tid_word is what ends this wait */
	double t0 = mono_now();
	struct timespec to = { 5, 0 };
	while (child_tid_word != 0) {
		long r = syscall(SYS_futex, &child_tid_word, 0 /* FUTEX_WAIT */, (int)tid, &to, NULL, 0);
		if (r == -1 && errno == ETIMEDOUT) {
			CHECK(!"the thread's exit did not wake the child-tid futex");
			break;
		}
	}
	CHECK(child_tid_word == 0);
	CHECK(mono_now() - t0 < 4.0);
	munmap(stack - STACK, STACK);
}

/* ---- invalid combinations ---- */
static atomic_int invalid_ran;

static int invalid_child(void *arg)
{
	(void)arg;
	invalid_ran++;		/* visible only if it shared our memory */
	return 0;
}

struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static void test_invalid(void)
{
	static const struct {
		unsigned long flags;
		const char *what;
	} bad[] = {
		{ CLONE_THREAD | CLONE_VM, "CLONE_THREAD without CLONE_SIGHAND" },
		{ CLONE_SIGHAND | SIGCHLD, "CLONE_SIGHAND without CLONE_VM" },
		{ CLONE_SIGHAND | CLONE_THREAD | CLONE_FS | CLONE_FILES, "thread without CLONE_VM" },
		{ CLONE_FS | CLONE_NEWNS | SIGCHLD, "CLONE_FS with CLONE_NEWNS" },
		{ CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_PIDFD | CLONE_PARENT_SETTID,
		  "CLONE_PIDFD with CLONE_PARENT_SETTID (one word for both)" },
	};
	char *stack = new_stack();
	CHECK(stack != NULL);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ptid = 0, ctid = 0;
		long r = raw_clone(bad[i].flags, stack, &ptid, &ctid, invalid_child, NULL);
		if (r != -EINVAL) {
			fprintf(stderr, "thread_clone: clone(%s) = %ld, want -EINVAL\n", bad[i].what, r);
			failures++;
			if (r > 0 && !(bad[i].flags & CLONE_THREAD))
				waitpid(r, NULL, __WALL);
			usleep(100000);	/* whatever it started, let it finish with our stack */
		}
	}
	CHECK(invalid_ran == 0);

	/* clone3: too short a struct; an exit signal for a thread */
	struct clone_args_v0 ca;
	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	errno = 0;
	CHECK(syscall(SYS_clone3, &ca, 32) == -1 && errno == EINVAL);
	ca.flags = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD;
	ca.stack = (uintptr_t)(stack - STACK);
	ca.stack_size = STACK;
	errno = 0;
	CHECK(syscall(SYS_clone3, &ca, sizeof(ca)) == -1 && errno == EINVAL);
	ca.flags = CLONE_THREAD;	/* and without CLONE_SIGHAND */
	ca.exit_signal = 0;
	errno = 0;
	CHECK(syscall(SYS_clone3, &ca, sizeof(ca)) == -1 && errno == EINVAL);
	munmap(stack - STACK, STACK);
}

/* ---- ids and /proc ---- */
#define NPT 3
static pthread_barrier_t ids_in, ids_out;
static pid_t tids[NPT];

static void *id_thread(void *arg)
{
	long me = (long)arg;
	tids[me] = sys_gettid();
	CHECK(getpid() == (pid_t)syscall(SYS_getpid));
	pthread_barrier_wait(&ids_in);
	pthread_barrier_wait(&ids_out);	/* stay alive while main looks at /proc */
	return (void *)(long)getpid();
}

static int task_count(const char *dir, int *has, const pid_t *want, int nwant)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		for (int i = 0; i < nwant; i++)
			if (atoi(e->d_name) == want[i])
				has[i] = 1;
	}
	closedir(d);
	return n;
}

static void test_ids_proc(void)
{
	pthread_t t[NPT];
	pid_t pid = getpid();
	char path[96];
	pthread_barrier_init(&ids_in, NULL, NPT + 1);
	pthread_barrier_init(&ids_out, NULL, NPT + 1);
	for (long i = 0; i < NPT; i++)
		t[i] = start_thread(id_thread, (void *)i);
	pthread_barrier_wait(&ids_in);

	CHECK(sys_gettid() == pid);
	pid_t all[NPT + 1];
	int has[NPT + 1] = { 0 };
	all[0] = pid;
	for (int i = 0; i < NPT; i++) {
		all[i + 1] = tids[i];
		CHECK(tids[i] > 0 && tids[i] != pid);
		for (int j = 0; j < i; j++)
			CHECK(tids[i] != tids[j]);
	}
	CHECK(task_count("/proc/self/task", has, all, NPT + 1) == NPT + 1);
	for (int i = 0; i <= NPT; i++)
		CHECK(has[i]);
	CHECK(status_field("/proc/self/status", "Threads") == NPT + 1);
	CHECK(status_field("/proc/self/status", "Tgid") == pid);
	CHECK(status_field("/proc/self/status", "Pid") == pid);
	for (int i = 0; i <= NPT; i++) {
		struct stat st;
		snprintf(path, sizeof(path), "/proc/self/task/%d", all[i]);
		CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, all[i]);
		CHECK(status_field(path, "Pid") == all[i]);
		CHECK(status_field(path, "Tgid") == pid);
	}
	/* a tid that is not ours is not in our task directory */
	snprintf(path, sizeof(path), "/proc/self/task/%d", getppid());
	struct stat st;
	errno = 0;
	CHECK(stat(path, &st) == -1 && errno == ENOENT);

	pthread_barrier_wait(&ids_out);
	for (int i = 0; i < NPT; i++)
		CHECK((long)join_thread(t[i]) == pid);
	pthread_barrier_destroy(&ids_in);
	pthread_barrier_destroy(&ids_out);
	/* gone from /proc once joined (the kernel may reap a moment later) */
	int n = -1;
	for (int i = 0; i < 100; i++) {
		memset(has, 0, sizeof(has));
		if ((n = task_count("/proc/self/task", has, all, 1)) == 1)
			break;
		usleep(10000);
	}
	CHECK(n == 1);
	CHECK(status_field("/proc/self/status", "Threads") == 1);
}

/* ---- fork from a thread ---- */
static void *trivial(void *arg)
{
	return arg;
}

static pthread_barrier_t hold;

static void *holder(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&hold);
	return NULL;
}

static void *forker(void *arg)
{
	(void)arg;
	pid_t parent = getpid();
	pid_t c = fork();
	if (c == 0) {
		int bad = 0;
		bad |= getpid() == parent;
		bad |= sys_gettid() != getpid();
		bad |= (status_field("/proc/self/status", "Threads") != 1) << 1;
		DIR *d = opendir("/proc/self/task");
		int n = 0;
		struct dirent *e;
		while (d && (e = readdir(d)))
			n += e->d_name[0] != '.';
		if (d)
			closedir(d);
		bad |= (n != 1) << 2;
		pthread_t t;
		void *r = NULL;
		if (pthread_create(&t, NULL, trivial, (void *)5L) || pthread_join(t, &r) || r != (void *)5L)
			bad |= 8;
		_exit(bad);
	}
	int st = -1;
	if (c < 0 || waitpid(c, &st, 0) != c)
		return (void *)-1L;
	return (void *)(long)st;
}

static void test_fork_from_thread(void)
{
	pthread_barrier_init(&hold, NULL, 2);
	pthread_t h = start_thread(holder, NULL);	/* a third thread, not copied */
	long st = (long)join_thread(start_thread(forker, NULL));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fprintf(stderr, "thread_clone: fork from a thread: child status %#lx (bits: 1 ids, 2 Threads:, 4 task dir, 8 pthread_create)\n", st);
	pthread_barrier_wait(&hold);
	join_thread(h);
	pthread_barrier_destroy(&hold);
}

/* ---- the main thread leaves first ---- */
static int to_parent[2], from_parent[2];

/* The State: letter of a status file, or '?' */
static char state_of(const char *path)
{
	char line[128], st = '?';
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "State:", 6))
			sscanf(line + 6, " %c", &st);
	if (f)
		fclose(f);
	return st;
}

static void *survivor(void *arg)
{
	pid_t leader = (pid_t)(long)arg;
	char c = 0, path[64];
	/* until the leader has exited: a zombie, as on Linux, while we run */
	snprintf(path, sizeof(path), "/proc/%d/status", leader);
	for (int i = 0; i < 500 && state_of(path) != 'Z'; i++)
		usleep(5000);
	c = state_of(path) == 'Z' && getpid() == leader ? 'y' : 'n';
	if (write(to_parent[1], &c, 1) != 1 || read(from_parent[0], &c, 1) != 1)
		exit(99);
	exit(7);		/* exit_group from the last thread: the status wait4 sees */
}

static void test_leader_exits(void)
{
	CHECK(pipe(to_parent) == 0 && pipe(from_parent) == 0);
	pid_t c = fork();
	if (c == 0) {
		pthread_t t;
		if (pthread_create(&t, NULL, survivor, (void *)(long)getpid()))
			_exit(98);
		pthread_exit(NULL);
	}
	CHECK(c > 0);
	char ans = 0;
	CHECK(read(to_parent[0], &ans, 1) == 1);
	CHECK(ans == 'y');
	/* the leader has exited, the group has not: nothing to reap */
	int st = -1;
	CHECK(waitpid(c, &st, WNOHANG) == 0);
	CHECK(kill(c, 0) == 0);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", c);
	CHECK(status_field(path, "Tgid") == c);
	CHECK(write(from_parent[1], "g", 1) == 1);
	double t0 = mono_now();
	CHECK(waitpid(c, &st, 0) == c);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	CHECK(mono_now() - t0 < 3.0);
	errno = 0;
	CHECK(kill(c, 0) == -1 && errno == ESRCH);
	close(to_parent[0]);
	close(to_parent[1]);
	close(from_parent[0]);
	close(from_parent[1]);
}

int main(void)
{
	watchdog(30);
	test_invalid();		/* first: they must not start anything */
	test_raw_clone();
	test_ids_proc();
	test_fork_from_thread();
	test_leader_exits();
	return check_done();
}
