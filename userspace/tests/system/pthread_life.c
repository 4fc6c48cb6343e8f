#define _GNU_SOURCE
/*
 * pthread_life: how musl threads begin and end on this kernel:
 *  - __thread variables: each thread starts from the initial image, its
 *    writes stay its own, at its own address (FS base per thread);
 *  - pthread_cancel, deferred: a thread blocked in read() on an empty
 *    pipe (a cancellation point) is cancelled, its cleanup handler runs,
 *    join gives PTHREAD_CANCELED; a thread that disabled cancellation
 *    sleeps through it and is cancelled only at pthread_testcancel after
 *    re-enabling (musl cancels with a signal, SIGCANCEL, sent by tgkill);
 *  - detached threads (attribute and pthread_detach) run and vanish: 64
 *    of them report through a semaphore;
 *  - 10000 create/join cycles, then MemFree back to where it was after a
 *    warm-up of 200 cycles (see SLACK for what may legitimately differ),
 *    and VmSize back too. One cycle in 40 lets musl map and unmap the
 *    stack itself; the others hand it a stack (pthread_attr_setstack),
 *    reused once join says the kernel is done with it: under TCG musl's
 *    own stack handling costs ~7 ms a thread on Linux, the rest ~0.4 ms,
 *    so this keeps the test to seconds while every cycle still makes and
 *    frees the kernel's side of a thread.
 */
#include <semaphore.h>
#include <stdatomic.h>

#define TEST_NAME "pthread_life"
#include "check.h"
#include "threads.h"

/* ---- TLS ---- */
static __thread long tls_val = 12345;
static __thread char tls_buf[64] = "initial";

static void *tls_thread(void *arg)
{
	long me = (long)arg;
	long ok = tls_val == 12345 && !strcmp(tls_buf, "initial");
	tls_val = me;
	snprintf(tls_buf, sizeof(tls_buf), "thread %ld", me);
	sched_yield();
	char want[64];
	snprintf(want, sizeof(want), "thread %ld", me);
	ok = ok && tls_val == me && !strcmp(tls_buf, want);
	return ok ? (void *)&tls_val : NULL;	/* its own address, or NULL */
}

static void test_tls(void)
{
	pthread_t t[4];
	void *addr[4];
	tls_val = -1;
	strcpy(tls_buf, "main");
	for (long i = 0; i < 4; i++)
		t[i] = start_thread(tls_thread, (void *)(i + 1));
	for (int i = 0; i < 4; i++) {
		addr[i] = join_thread(t[i]);
		CHECK(addr[i] != NULL);
		CHECK(addr[i] != &tls_val);
	}
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			CHECK(addr[i] != addr[j] || !addr[i]);
	CHECK(tls_val == -1 && !strcmp(tls_buf, "main"));
}

/* ---- cancellation ---- */
static atomic_int cleaned, reached;
static int cpipe[2];

static void cleanup(void *arg)
{
	(void)arg;
	cleaned++;
}

static void *blocked_reader(void *arg)
{
	char c;
	(void)arg;
	pthread_cleanup_push(cleanup, NULL);
	reached = 1;
	if (read(cpipe[0], &c, 1) >= 0)
		reached = 2;	/* must not get here: nothing is ever written */
	pthread_cleanup_pop(0);
	return (void *)7;
}

static void *late_cancel(void *arg)
{
	int old;
	(void)arg;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	pthread_cleanup_push(cleanup, NULL);
	reached = 1;
	while (reached == 1)
		usleep(1000);	/* a cancellation point, but disabled */
	reached = 3;
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	pthread_testcancel();
	reached = 4;		/* must not get here */
	pthread_cleanup_pop(0);
	return NULL;
}

static void test_cancel(void)
{
	CHECK(pipe(cpipe) == 0);
	reached = 0;
	pthread_t t = start_thread(blocked_reader, NULL);
	while (!reached)
		usleep(1000);
	usleep(20000);		/* let it get into read() */
	CHECK(pthread_cancel(t) == 0);
	CHECK(join_thread(t) == PTHREAD_CANCELED);
	CHECK(cleaned == 1);
	CHECK(reached == 1);

	reached = 0;
	t = start_thread(late_cancel, NULL);
	while (!reached)
		usleep(1000);
	CHECK(pthread_cancel(t) == 0);
	usleep(20000);
	reached = 2;		/* still there after the cancel: go on */
	CHECK(join_thread(t) == PTHREAD_CANCELED);
	CHECK(reached == 3);
	CHECK(cleaned == 2);
	close(cpipe[0]);
	close(cpipe[1]);
}

/* ---- detached ---- */
#define ND 64
static sem_t det_done;
static atomic_int det_sum;

static void *detached(void *arg)
{
	det_sum += (int)(long)arg;
	sem_post(&det_done);
	return NULL;
}

static void test_detached(void)
{
	pthread_attr_t a;
	sem_init(&det_done, 0, 0);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (long i = 1; i <= ND; i++) {
		pthread_t t;
		if (i % 2) {
			CHECK(pthread_create(&t, &a, detached, (void *)i) == 0);
		} else {
			t = start_thread(detached, (void *)i);
			CHECK(pthread_detach(t) == 0);
		}
	}
	pthread_attr_destroy(&a);
	for (int i = 0; i < ND; i++) {
		struct timespec at;
		clock_gettime(CLOCK_REALTIME, &at);
		at.tv_sec += 10;
		if (sem_timedwait(&det_done, &at)) {
			CHECK(!"a detached thread never reported");
			break;
		}
	}
	CHECK(det_sum == ND * (ND + 1) / 2);
	usleep(50000);	/* let the last ones finish exiting */
}

/* ---- many create/join ---- */
/*
 * Each cycle maps a stack (musl: 128 KiB + guard + TLS), clones, exits
 * and unmaps. A leak of one page per cycle would be 40 MiB here. What may
 * honestly differ between before and after: the kernel's slab caches and
 * page-table pages for the stack area kept after the warm-up, and the
 * pipe/proc buffers of meminfo itself; 2 MiB covers those and is still
 * far below one leaked page (or task struct) per cycle.
 */
#define CYCLES 10000
#define WARMUP 200
#define SLACK (2LL << 20)
static atomic_int ran;

static void *nothing(void *arg)
{
	(void)arg;
	ran++;
	return (void *)(long)sys_gettid();
}

static void *own_stack;
#define OWN_STACK (64 * 1024)

static pthread_t start_cycle(int i)
{
	pthread_attr_t a;
	pthread_t t;
	int e;
	if (i % 40 == 0)
		return start_thread(nothing, NULL);	/* musl's own stack */
	pthread_attr_init(&a);
	pthread_attr_setstack(&a, own_stack, OWN_STACK);
	e = pthread_create(&t, &a, nothing, NULL);
	pthread_attr_destroy(&a);
	if (e) {
		fprintf(stderr, TEST_NAME ": pthread_create (own stack): %s\n", strerror(e));
		exit(1);
	}
	return t;
}

static void test_cycles(void)
{
	int bad = 0;
	own_stack = malloc(OWN_STACK);
	CHECK(own_stack != NULL);
	pin_to(0);		/* lifetimes, not SMP (threads.h); unpinned if it cannot */
	for (int i = 0; i < WARMUP; i++)
		join_thread(start_cycle(i));
	long long before = meminfo("MemFree");
	long vm_before = status_field("/proc/self/status", "VmSize");
	double t0 = mono_now();
	for (int i = 0; i < CYCLES; i++) {
		long tid = (long)join_thread(start_cycle(i));
		if (tid <= 0 || tid == getpid())
			bad++;
	}
	double took = mono_now() - t0;
	pin_to(-1);
	long vm_after = status_field("/proc/self/status", "VmSize");
	long long after = meminfo("MemFree");
	/* freeing may lag the join (a reaper, RCU): give it a moment */
	for (int i = 0; i < 20 && after < before - SLACK; i++) {
		usleep(50000);
		after = meminfo("MemFree");
	}
	CHECK(bad == 0);
	CHECK(ran == CYCLES + WARMUP);
	CHECK(before > 0 && after > 0);
	CHECK(after >= before - SLACK);
	/* every stack musl mapped was unmapped again (VmSize in KiB; 64 KiB
	 * for malloc's bookkeeping); -1 where the kernel has no VmSize fails */
	CHECK(vm_before > 0 && vm_after > 0 && vm_after <= vm_before + 64);
	printf("# %d create/join cycles in %.2f s (%.1f us each); MemFree %lld -> %lld KiB, VmSize %ld -> %ld KiB\n",
	       CYCLES, took, took * 1e6 / CYCLES, before >> 10, after >> 10, vm_before, vm_after);
	free(own_stack);
}

int main(void)
{
	watchdog(60);
	test_tls();
	test_cancel();
	test_detached();
	test_cycles();
	return check_done();
}
