#define _GNU_SOURCE
/*
 * pkeys_threads: PKRU is each thread's own, as on Linux.
 *  - a new thread starts with its creator's PKRU (clone copies it);
 *  - pkey_alloc sets only the caller's rights: another thread that
 *    allows every key still reaches the page, the caller faults
 *    (SEGV_PKUERR), and the kernel's copy for each obeys its own PKRU
 *    (read() into the page: EFAULT in the one, works in the other);
 *  - a context-switch storm: 8 threads, each with its own PKRU value,
 *    yielding and spinning across the CPUs; each keeps its value.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TEST_NAME "pkeys_threads"
#include "check.h"
#include "threads.h"

#define PG 4096UL
#define PKRU_DEFAULT 0x55555554u
#define NSTORM 8

static unsigned rdpkru(void)
{
	unsigned eax, edx;
	__asm__ volatile(".byte 0x0f,0x01,0xee" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

static void wrpkru(unsigned v)
{
	__asm__ volatile(".byte 0x0f,0x01,0xef" : : "a"(v), "c"(0), "d"(0) : "memory");
}

static int have_pku(void)
{
	unsigned a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	return (c & (1u << 3)) && (c & (1u << 4));
}

static char *page;
static int key = -1;
static volatile int stage;	/* 1: key allocated by the thread; 2: main checked */
static volatile unsigned start_pkru;
static volatile int t_fault_code, t_fault_pkey, t_read_errno;

static __thread sigjmp_buf env;
static __thread volatile int got_code, got_pkey;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	got_code = si->si_code;
	got_pkey = (int)si->si_pkey;
	siglongjmp(env, 1);
}

static void *allocator(void *arg)
{
	(void)arg;
	start_pkru = rdpkru();
	key = (int)syscall(330, 0, 1);	/* PKEY_DISABLE_ACCESS: for this thread */
	if (key > 0 && syscall(329, page, PG, PROT_READ | PROT_WRITE, key) != 0)
		key = -2;
	unsigned mine = rdpkru();
	if (sigsetjmp(env, 1) == 0) {
		(void)*(volatile char *)page;
		t_fault_code = -1;	/* no fault */
	} else {
		t_fault_code = got_code;
		t_fault_pkey = got_pkey;
	}
	wrpkru(mine);
	int p[2];
	if (pipe(p) == 0) {
		(void)!write(p[1], "xy", 2);
		errno = 0;
		t_read_errno = read(p[0], page, 2) < 0 ? errno : 0;
		close(p[0]);
		close(p[1]);
	}
	stage = 1;
	while (stage != 2)
		sched_yield();
	return NULL;
}

static volatile int storm_stop;
static volatile int storm_bad[NSTORM];

static void *stormer(void *arg)
{
	long i = (long)arg;
	/* a value of its own, with key 0's bits clear (the stack's key) */
	unsigned v = (0x9e3779b9u * (unsigned)(i + 1)) & ~3u;
	wrpkru(v);
	for (long n = 0; !storm_stop; n++) {
		if (rdpkru() != v) {
			storm_bad[i] = 1;
			break;
		}
		if (n % 64 == 0)
			sched_yield();
	}
	if (rdpkru() != v)
		storm_bad[i] = 1;
	return NULL;
}

int main(void)
{
	watchdog(120);
	CHECK(have_pku());
	if (!have_pku())
		return check_done();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);

	page = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED);
	page[0] = 1;

	/* the thread inherits PKRU 0 (all keys allowed) from main */
	wrpkru(0);
	pthread_t t = start_thread(allocator, NULL);
	while (stage != 1)
		sched_yield();
	CHECK(start_pkru == 0);
	CHECK(key > 0);
	CHECK(t_fault_code == 4 && t_fault_pkey == key);	/* the thread: denied */
	CHECK(t_read_errno == EFAULT);
	CHECK(rdpkru() == 0);		/* main's own is untouched */
	page[0] = 2;			/* and reaches the page */
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "zw", 2) == 2);
	CHECK(read(p[0], page, 2) == 2 && page[0] == 'z');
	stage = 2;
	pthread_join(t, NULL);

	/* the storm */
	pthread_t ts[NSTORM];
	for (long i = 0; i < NSTORM; i++)
		ts[i] = start_thread(stormer, (void *)i);
	unsigned mine = 0x00000ffcu;
	wrpkru(mine);
	double end = mono_now() + 3;
	while (mono_now() < end) {
		CHECK(rdpkru() == mine);
		if (rdpkru() != mine)
			break;
		sched_yield();
	}
	storm_stop = 1;
	for (int i = 0; i < NSTORM; i++) {
		pthread_join(ts[i], NULL);
		CHECK(!storm_bad[i]);
	}
	CHECK(rdpkru() == mine);
	return check_done();
}
