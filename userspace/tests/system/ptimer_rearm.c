/*
 * A periodic POSIX timer whose signal was discarded is not stuck: it
 * fires again once the signal can be delivered, as on Linux.
 *  A. SIG_IGN for a while, then a handler: it fires again.
 *  B. blocked, then unblocked: one signal with si_overrun > 0, then more.
 *  C. another sender's signal holds the slot (the timer waits), SIG_IGN
 *     discards it, a handler again: the timer's signals come.
 *  D. its pending SIGTSTP is discarded by a SIGCONT: it goes on.
 *  E. a CPU-time timer whose pending signal SIG_IGN discarded goes on.
 */
#define TEST_NAME "ptimer_rearm"
#include "check.h"
#include <signal.h>
#include <time.h>

static volatile int hits, last_overrun, last_code;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	if (si->si_code == SI_TIMER) {
		hits++;
		last_overrun = si->si_overrun;
	}
	last_code = si->si_code;
}

static void handle(int sig)
{
	struct sigaction sa = { .sa_sigaction = on_sig, .sa_flags = SA_SIGINFO | SA_RESTART };
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

static void ignore(int sig)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

static void mask(int how, int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	CHECK(sigprocmask(how, &s, NULL) == 0);
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* until hits reaches n (sleeping, or burning CPU), at most 3 s */
static bool wait_hits(int n, bool spin)
{
	double end = cpu_now() + 3;
	for (int i = 0; i < 300 && hits < n; i++) {
		if (!spin) {
			msleep(10);
			continue;
		}
		while (hits < n && cpu_now() < end)
			;
		break;
	}
	return hits >= n;
}

static timer_t periodic(clockid_t clk, int sig, long ns)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = sig };
	timer_t id;
	CHECK(timer_create(clk, &ev, &id) == 0);
	struct itimerspec its = { { 0, ns }, { 0, ns } };
	CHECK(timer_settime(id, 0, &its, NULL) == 0);
	return id;
}

static bool is_pending(int sig)
{
	sigset_t s;
	sigpending(&s);
	return sigismember(&s, sig);
}

int main(void)
{
	/* A */
	ignore(SIGUSR1);
	timer_t a = periodic(CLOCK_MONOTONIC, SIGUSR1, 2000000);
	msleep(40);
	hits = 0;
	handle(SIGUSR1);
	CHECK(wait_hits(3, false));
	timer_delete(a);

	/* B */
	mask(SIG_BLOCK, SIGUSR2);
	handle(SIGUSR2);
	timer_t b = periodic(CLOCK_MONOTONIC, SIGUSR2, 2000000);
	msleep(60);
	CHECK(is_pending(SIGUSR2));
	hits = 0;
	mask(SIG_UNBLOCK, SIGUSR2);
	CHECK(hits == 1 && last_overrun > 0);
	CHECK(wait_hits(4, false));
	timer_delete(b);

	/* C */
	mask(SIG_BLOCK, SIGUSR1);
	CHECK(kill(getpid(), SIGUSR1) == 0);	/* holds SIGUSR1's slot */
	timer_t c = periodic(CLOCK_MONOTONIC, SIGUSR1, 2000000);
	msleep(30);				/* the timer has fired: it waits */
	ignore(SIGUSR1);			/* the kill's signal goes */
	handle(SIGUSR1);
	hits = 0;
	mask(SIG_UNBLOCK, SIGUSR1);
	CHECK(wait_hits(3, false));
	timer_delete(c);

	/* D */
	mask(SIG_BLOCK, SIGTSTP);
	handle(SIGTSTP);
	timer_t d = periodic(CLOCK_MONOTONIC, SIGTSTP, 2000000);
	msleep(30);
	CHECK(is_pending(SIGTSTP));
	CHECK(kill(getpid(), SIGCONT) == 0);	/* discards the pending SIGTSTP */
	CHECK(!is_pending(SIGTSTP));
	hits = 0;
	mask(SIG_UNBLOCK, SIGTSTP);
	CHECK(wait_hits(3, false));
	timer_delete(d);

	/* E */
	mask(SIG_BLOCK, SIGUSR2);
	handle(SIGUSR2);
	timer_t e = periodic(CLOCK_PROCESS_CPUTIME_ID, SIGUSR2, 10000000);
	double end = cpu_now() + 3;
	while (!is_pending(SIGUSR2) && cpu_now() < end)
		;
	CHECK(is_pending(SIGUSR2));
	ignore(SIGUSR2);
	handle(SIGUSR2);
	hits = 0;
	mask(SIG_UNBLOCK, SIGUSR2);
	CHECK(wait_hits(3, true));
	timer_delete(e);

	if (!failures)
		printf(TEST_NAME ": ok\n");
	return check_done();
}
