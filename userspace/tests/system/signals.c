#define _GNU_SOURCE
/*
 * signals: signal delivery.
 *
 *  - SA_SIGINFO handlers: raise() (si_code SI_TKILL), kill(getpid()) (SI_USER,
 *    si_pid, si_uid), tgkill(getpid(), gettid()) (SI_TKILL);
 *  - a blocked signal sent twice is pending (sigpending) and delivered exactly
 *    once when unblocked;
 *  - sa_mask and the signal itself are blocked inside a handler and the old
 *    mask is restored afterwards; SA_RESTART restarts an interrupted read();
 *  - SIGSEGV (NULL write, si_addr == 0, SEGV_MAPERR), SIGFPE (integer divide
 *    by zero, FPE_INTDIV) and SIGILL (ud2, ILL_ILLOPN, si_addr == RIP) are
 *    caught and left with siglongjmp(), repeatedly;
 *  - SIGCHLD reaches the parent when a child exits (si_pid, CLD_EXITED,
 *    si_status), both while blocked and unblocked;
 *  - sigaltstack + SA_ONSTACK: the handler runs on the alternate stack,
 *    SS_ONSTACK is reported and changing the stack there gives EPERM;
 *  - kill(pid, 0): 0 for self, ESRCH for a reaped child;
 *  - SIGTERM's default action kills a child;
 *  - nanosleep() interrupted by a handler without SA_RESTART returns EINTR.
 *
 * Exits 0 if everything passed, 1 otherwise.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

static int failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			int e_ = errno;					\
			fprintf(stderr, "signals: line %d: check failed: %s (errno %d %s)\n", \
				__LINE__, #cond, e_, strerror(e_));	\
			failures++;					\
		}							\
	} while (0)

#define CHECKF(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "signals: line %d: ", __LINE__); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			failures++;					\
		}							\
	} while (0)

/* What the generic handler saw last. */
static volatile sig_atomic_t count[65];
static volatile int last_signo, last_code, last_si_signo, last_status;
static volatile pid_t last_pid;
static volatile uid_t last_uid;

static void info_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	count[sig]++;
	last_signo = sig;
	last_si_signo = si->si_signo;
	last_code = si->si_code;
	last_pid = si->si_pid;
	last_uid = si->si_uid;
	last_status = si->si_status;
}

static void install(int sig, void (*h)(int, siginfo_t *, void *), int flags, const sigset_t *mask)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO | flags;
	if (mask)
		sa.sa_mask = *mask;
	else
		sigemptyset(&sa.sa_mask);
	CHECKF(sigaction(sig, &sa, NULL) == 0, "sigaction(%d) failed: %s", sig, strerror(errno));
}

static void reset_info(void)
{
	for (int i = 0; i < 65; i++)
		count[i] = 0;
	last_signo = last_code = last_si_signo = last_status = -1;
	last_pid = -1;
	last_uid = (uid_t)-1;
}

static int blocked(int sig)
{
	sigset_t cur;

	sigemptyset(&cur);
	if (sigprocmask(SIG_BLOCK, NULL, &cur) != 0)
		return -1;
	return sigismember(&cur, sig);
}

static int reap(pid_t pid)
{
	int st = 0;
	pid_t r;

	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r != pid) {
		CHECKF(0, "waitpid(%d) returned %d (%s)", (int)pid, (int)r, strerror(errno));
		return -1;
	}
	return st;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---------------------------------------------------------------------- */

static void basic_delivery(void)
{
	install(SIGUSR1, info_handler, 0, NULL);
	install(SIGUSR2, info_handler, 0, NULL);

	reset_info();
	CHECK(raise(SIGUSR1) == 0);
	CHECKF(count[SIGUSR1] == 1, "raise(SIGUSR1): handler ran %d times", (int)count[SIGUSR1]);
	CHECKF(last_signo == SIGUSR1 && last_si_signo == SIGUSR1,
	       "raise: signo %d, si_signo %d, expected %d", last_signo, last_si_signo, SIGUSR1);
	CHECKF(last_code == SI_TKILL, "raise: si_code %d, expected SI_TKILL (%d)", last_code, SI_TKILL);
	CHECKF(last_pid == getpid(), "raise: si_pid %d, expected %d", (int)last_pid, (int)getpid());

	reset_info();
	CHECK(kill(getpid(), SIGUSR2) == 0);
	CHECKF(count[SIGUSR2] == 1, "kill(self, SIGUSR2): handler ran %d times", (int)count[SIGUSR2]);
	CHECKF(last_signo == SIGUSR2 && last_si_signo == SIGUSR2,
	       "kill: signo %d, si_signo %d, expected %d", last_signo, last_si_signo, SIGUSR2);
	CHECKF(last_code == SI_USER, "kill: si_code %d, expected SI_USER (%d)", last_code, SI_USER);
	CHECKF(last_pid == getpid(), "kill: si_pid %d, expected %d", (int)last_pid, (int)getpid());
	CHECKF(last_uid == getuid(), "kill: si_uid %d, expected %d", (int)last_uid, (int)getuid());

	reset_info();
	long tid = syscall(SYS_gettid);
	CHECKF(tid == getpid(), "gettid() %ld != getpid() %d in a single-threaded process",
	       tid, (int)getpid());
	CHECK(syscall(SYS_tgkill, (long)getpid(), tid, (long)SIGUSR1) == 0);
	CHECKF(count[SIGUSR1] == 1, "tgkill(SIGUSR1): handler ran %d times", (int)count[SIGUSR1]);
	CHECKF(last_signo == SIGUSR1 && last_code == SI_TKILL && last_pid == getpid(),
	       "tgkill: signo %d si_code %d si_pid %d, expected %d %d %d",
	       last_signo, last_code, (int)last_pid, SIGUSR1, SI_TKILL, (int)getpid());

	/* Signal 0 only checks for existence. */
	reset_info();
	CHECK(kill(getpid(), 0) == 0);
	for (int i = 0; i < 65; i++)
		CHECKF(count[i] == 0, "kill(self, 0) delivered signal %d", i);
}

static void blocked_pending(void)
{
	sigset_t set, old, pend;

	install(SIGUSR1, info_handler, 0, NULL);
	reset_info();
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0);
	CHECK(sigismember(&old, SIGUSR1) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);	/* standard signals do not queue */
	CHECKF(count[SIGUSR1] == 0, "blocked SIGUSR1 delivered %d times", (int)count[SIGUSR1]);
	sigemptyset(&pend);
	CHECK(sigpending(&pend) == 0);
	CHECK(sigismember(&pend, SIGUSR1) == 1);
	CHECK(sigismember(&pend, SIGUSR2) == 0);
	CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	CHECKF(count[SIGUSR1] == 1, "unblocked SIGUSR1 delivered %d times, expected exactly 1",
	       (int)count[SIGUSR1]);
	CHECKF(last_code == SI_USER, "pending SIGUSR1: si_code %d, expected SI_USER", last_code);
	sigemptyset(&pend);
	CHECK(sigpending(&pend) == 0);
	CHECK(sigismember(&pend, SIGUSR1) == 0);
	CHECK(blocked(SIGUSR1) == 0);
}

/* ---------------------------------------------------------------------- */

static volatile int mask_usr2, mask_hup, mask_usr1, uc_has_hup, uc_has_usr2;
static volatile sig_atomic_t mask_runs;

static void mask_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)si;
	mask_runs++;
	mask_usr2 = blocked(SIGUSR2);
	mask_hup = blocked(SIGHUP);
	mask_usr1 = blocked(SIGUSR1);
	/* uc_sigmask is the mask to restore: that of the interrupted code. */
	uc_has_hup = sigismember(&uc->uc_sigmask, SIGHUP);
	uc_has_usr2 = sigismember(&uc->uc_sigmask, sig);
}

static void mask_and_restart(void)
{
	sigset_t m;

	sigemptyset(&m);
	sigaddset(&m, SIGHUP);
	install(SIGUSR2, mask_handler, SA_RESTART, &m);
	CHECK(blocked(SIGHUP) == 0 && blocked(SIGUSR2) == 0);

	mask_runs = 0;
	CHECK(kill(getpid(), SIGUSR2) == 0);
	CHECKF(mask_runs == 1, "sa_mask handler ran %d times", (int)mask_runs);
	CHECKF(mask_usr2 == 1, "SIGUSR2 not blocked inside its own handler (%d)", mask_usr2);
	CHECKF(mask_hup == 1, "sa_mask SIGHUP not blocked inside the handler (%d)", mask_hup);
	CHECKF(mask_usr1 == 0, "SIGUSR1 unexpectedly blocked inside the handler (%d)", mask_usr1);
	CHECKF(uc_has_hup == 0 && uc_has_usr2 == 0,
	       "uc_sigmask holds SIGHUP %d / SIGUSR2 %d, expected neither", uc_has_hup, uc_has_usr2);
	CHECKF(blocked(SIGHUP) == 0 && blocked(SIGUSR2) == 0,
	       "mask not restored after the handler: SIGHUP %d, SIGUSR2 %d",
	       blocked(SIGHUP), blocked(SIGUSR2));

	/* SA_RESTART: a read() interrupted by the handler is restarted. */
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t parent = getpid();
	mask_runs = 0;
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		sleep_ms(50);
		kill(parent, SIGUSR2);
		sleep_ms(100);
		if (write(p[1], "z", 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	char c = 0;
	errno = 0;
	ssize_t r = read(p[0], &c, 1);
	CHECKF(r == 1 && c == 'z', "SA_RESTART read: returned %zd (errno %d %s), byte '%c'",
	       r, errno, strerror(errno), c ? c : '?');
	int st = reap(pid);
	CHECKF(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "SA_RESTART child status 0x%x", st);
	CHECKF(mask_runs == 1, "SA_RESTART handler ran %d times, expected 1", (int)mask_runs);
	close(p[0]);
}

/* ---------------------------------------------------------------------- */

static sigjmp_buf jb;
static volatile int fault_signo, fault_code, fault_si_signo;
static volatile uintptr_t fault_addr, fault_rip;

static void fault_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	fault_signo = sig;
	fault_si_signo = si->si_signo;
	fault_code = si->si_code;
	fault_addr = (uintptr_t)si->si_addr;
	fault_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	siglongjmp(jb, 1);
}

static void clear_fault(void)
{
	fault_signo = fault_code = fault_si_signo = -1;
	fault_addr = fault_rip = 0x1234;
}

static int *volatile null_ptr;		/* always NULL, the compiler cannot know */
static volatile int divisor, dividend = 1, quotient;

static void faults(void)
{
	install(SIGSEGV, fault_handler, 0, NULL);
	install(SIGFPE, fault_handler, 0, NULL);
	install(SIGILL, fault_handler, 0, NULL);

	for (int round = 0; round < 3; round++) {
		/* SIGSEGV from a NULL write. */
		clear_fault();
		if (sigsetjmp(jb, 1) == 0) {
			*null_ptr = 42;
			CHECKF(0, "round %d: NULL write did not fault", round);
		} else {
			CHECKF(fault_signo == SIGSEGV && fault_si_signo == SIGSEGV,
			       "round %d: NULL write: signal %d (si_signo %d), expected SIGSEGV",
			       round, fault_signo, fault_si_signo);
			CHECKF(fault_addr == 0, "round %d: NULL write: si_addr %#lx, expected 0",
			       round, (unsigned long)fault_addr);
			CHECKF(fault_code == SEGV_MAPERR, "round %d: NULL write: si_code %d, expected SEGV_MAPERR",
			       round, fault_code);
		}
		CHECKF(blocked(SIGSEGV) == 0, "round %d: SIGSEGV still blocked after siglongjmp", round);

		/* SIGFPE from an integer division by zero. */
		clear_fault();
		divisor = 0;
		if (sigsetjmp(jb, 1) == 0) {
			quotient = dividend / divisor;
			CHECKF(0, "round %d: division by zero did not trap (got %d)", round, quotient);
		} else {
			CHECKF(fault_signo == SIGFPE && fault_si_signo == SIGFPE,
			       "round %d: divide by zero: signal %d (si_signo %d), expected SIGFPE",
			       round, fault_signo, fault_si_signo);
			CHECKF(fault_code == FPE_INTDIV, "round %d: divide by zero: si_code %d, expected FPE_INTDIV",
			       round, fault_code);
			CHECKF(fault_addr == fault_rip && fault_addr != 0,
			       "round %d: divide by zero: si_addr %#lx, RIP %#lx, expected equal",
			       round, (unsigned long)fault_addr, (unsigned long)fault_rip);
		}
		CHECKF(blocked(SIGFPE) == 0, "round %d: SIGFPE still blocked after siglongjmp", round);

		/* SIGILL from ud2. */
		clear_fault();
		if (sigsetjmp(jb, 1) == 0) {
			__asm__ volatile("ud2");
			CHECKF(0, "round %d: ud2 did not trap", round);
		} else {
			CHECKF(fault_signo == SIGILL && fault_si_signo == SIGILL,
			       "round %d: ud2: signal %d (si_signo %d), expected SIGILL",
			       round, fault_signo, fault_si_signo);
			CHECKF(fault_code == ILL_ILLOPN, "round %d: ud2: si_code %d, expected ILL_ILLOPN",
			       round, fault_code);
			CHECKF(fault_addr == fault_rip, "round %d: ud2: si_addr %#lx != RIP %#lx",
			       round, (unsigned long)fault_addr, (unsigned long)fault_rip);
			if (fault_rip > 4096) {
				const unsigned char *ip = (const unsigned char *)fault_rip;
				CHECKF(ip[0] == 0x0f && ip[1] == 0x0b,
				       "round %d: ud2: RIP %#lx points at %02x %02x, expected 0f 0b",
				       round, (unsigned long)fault_rip, ip[0], ip[1]);
			}
		}
		CHECKF(blocked(SIGILL) == 0, "round %d: SIGILL still blocked after siglongjmp", round);
	}
	signal(SIGSEGV, SIG_DFL);
	signal(SIGFPE, SIG_DFL);
	signal(SIGILL, SIG_DFL);
}

/* ---------------------------------------------------------------------- */

static void sigchld(void)
{
	sigset_t set;

	install(SIGCHLD, info_handler, SA_RESTART, NULL);

	/* Unblocked: the handler has run by the time waitpid() returns. */
	reset_info();
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(6);
	int st = reap(pid);
	CHECKF(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 6, "SIGCHLD child status 0x%x", st);
	CHECKF(count[SIGCHLD] == 1, "SIGCHLD handler ran %d times, expected 1", (int)count[SIGCHLD]);
	CHECKF(last_pid == pid, "SIGCHLD si_pid %d, expected %d", (int)last_pid, (int)pid);
	CHECKF(last_code == CLD_EXITED, "SIGCHLD si_code %d, expected CLD_EXITED", last_code);
	CHECKF(last_status == 6, "SIGCHLD si_status %d, expected 6", last_status);

	/* Blocked: pending after the child is reaped, delivered on unblock. */
	reset_info();
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(5);
	st = reap(pid);
	CHECKF(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 5, "SIGCHLD child status 0x%x", st);
	CHECKF(count[SIGCHLD] == 0, "blocked SIGCHLD was delivered");
	sigset_t pend;
	sigemptyset(&pend);
	CHECK(sigpending(&pend) == 0);
	CHECK(sigismember(&pend, SIGCHLD) == 1);
	CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	CHECKF(count[SIGCHLD] == 1, "SIGCHLD delivered %d times on unblock, expected 1",
	       (int)count[SIGCHLD]);
	CHECKF(last_pid == pid, "SIGCHLD si_pid %d, expected %d", (int)last_pid, (int)pid);
	CHECKF(last_code == CLD_EXITED, "SIGCHLD si_code %d, expected CLD_EXITED", last_code);
	CHECKF(last_status == 5, "SIGCHLD si_status %d, expected 5", last_status);

	signal(SIGCHLD, SIG_DFL);
}

/* ---------------------------------------------------------------------- */

#define ALT_SIZE (64 * 1024)
static char altstack[ALT_SIZE];
static volatile uintptr_t alt_local;
static volatile int alt_flags, alt_eperm, alt_errno;
static volatile sig_atomic_t alt_runs;

static void alt_handler(int sig, siginfo_t *si, void *uc)
{
	volatile char local = 0;
	stack_t cur, nss;

	(void)sig;
	(void)si;
	(void)uc;
	alt_runs++;
	alt_local = (uintptr_t)&local;
	memset(&cur, 0, sizeof(cur));
	alt_flags = sigaltstack(NULL, &cur) == 0 ? cur.ss_flags : -1;
	/* Changing the alternate stack while running on it is refused. */
	nss.ss_sp = altstack;
	nss.ss_size = ALT_SIZE;
	nss.ss_flags = 0;
	errno = 0;
	alt_eperm = sigaltstack(&nss, NULL);
	alt_errno = errno;
}

static int on_alt(uintptr_t a)
{
	return a >= (uintptr_t)altstack && a < (uintptr_t)altstack + ALT_SIZE;
}

static void altstack_test(void)
{
	stack_t ss, old;

	/* Too small a stack is refused. */
	ss.ss_sp = altstack;
	ss.ss_size = 16;
	ss.ss_flags = 0;
	errno = 0;
	CHECK(sigaltstack(&ss, NULL) == -1 && errno == ENOMEM);

	ss.ss_size = ALT_SIZE;
	memset(&old, 0x5a, sizeof(old));
	CHECK(sigaltstack(&ss, &old) == 0);
	CHECKF(old.ss_flags == SS_DISABLE, "initial sigaltstack flags %d, expected SS_DISABLE",
	       old.ss_flags);
	memset(&old, 0, sizeof(old));
	CHECK(sigaltstack(NULL, &old) == 0);
	CHECK(old.ss_sp == altstack && old.ss_size == ALT_SIZE && old.ss_flags == 0);

	install(SIGUSR1, alt_handler, SA_ONSTACK, NULL);
	alt_runs = 0;
	CHECK(raise(SIGUSR1) == 0);
	CHECKF(alt_runs == 1, "SA_ONSTACK handler ran %d times", (int)alt_runs);
	CHECKF(on_alt(alt_local), "SA_ONSTACK handler local at %#lx, not on the alternate stack [%p, %p)",
	       (unsigned long)alt_local, (void *)altstack, (void *)(altstack + ALT_SIZE));
	CHECKF(alt_flags == SS_ONSTACK, "sigaltstack() inside the handler: ss_flags %d, expected SS_ONSTACK",
	       alt_flags);
	CHECKF(alt_eperm == -1 && alt_errno == EPERM,
	       "changing the alternate stack while on it: returned %d errno %d, expected EPERM",
	       alt_eperm, alt_errno);
	memset(&old, 0, sizeof(old));
	CHECK(sigaltstack(NULL, &old) == 0);
	CHECKF(old.ss_flags == 0, "after the handler ss_flags %d, expected 0", old.ss_flags);

	/* Without SA_ONSTACK the handler uses the normal stack. */
	install(SIGUSR1, alt_handler, 0, NULL);
	alt_runs = 0;
	CHECK(raise(SIGUSR1) == 0);
	CHECKF(alt_runs == 1 && !on_alt(alt_local),
	       "handler without SA_ONSTACK ran %d times, local at %#lx (on the alternate stack: %d)",
	       (int)alt_runs, (unsigned long)alt_local, on_alt(alt_local));

	/* Disabled: SA_ONSTACK handlers run on the normal stack. */
	ss.ss_flags = SS_DISABLE;
	ss.ss_sp = NULL;
	ss.ss_size = 0;
	CHECK(sigaltstack(&ss, NULL) == 0);
	memset(&old, 0, sizeof(old));
	CHECK(sigaltstack(NULL, &old) == 0);
	CHECK(old.ss_flags == SS_DISABLE);
	install(SIGUSR1, alt_handler, SA_ONSTACK, NULL);
	alt_runs = 0;
	CHECK(raise(SIGUSR1) == 0);
	CHECKF(alt_runs == 1 && !on_alt(alt_local),
	       "SA_ONSTACK with a disabled alt stack: ran %d times, local at %#lx",
	       (int)alt_runs, (unsigned long)alt_local);
	signal(SIGUSR1, SIG_DFL);
}

/* ---------------------------------------------------------------------- */

static void kill_zero_and_term(void)
{
	CHECK(kill(getpid(), 0) == 0);

	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(0);
	int st = reap(pid);
	CHECK(st != -1 && WIFEXITED(st));
	errno = 0;
	CHECK(kill(pid, 0) == -1 && errno == ESRCH);
	errno = 0;
	CHECK(kill(pid, SIGTERM) == -1 && errno == ESRCH);

	/* SIGTERM's default action terminates. */
	int p[2];
	CHECK(pipe(p) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		sigset_t none;
		char c;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	CHECK(kill(pid, 0) == 0);
	CHECK(kill(pid, SIGTERM) == 0);
	st = reap(pid);
	CHECKF(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
	       "SIGTERMed child: status 0x%x, expected killed by signal %d", st, SIGTERM);
	close(p[1]);
}

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void nanosleep_eintr(void)
{
	install(SIGUSR1, info_handler, 0, NULL);	/* no SA_RESTART */
	reset_info();
	pid_t parent = getpid();
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid < 0)
		return;
	if (pid == 0) {
		/* Keep poking until the parent kills us (in case the first signal
		 * arrives before the parent is asleep). */
		for (int i = 0; i < 400; i++) {
			sleep_ms(50);
			kill(parent, SIGUSR1);
		}
		_exit(0);
	}
	struct timespec req = { 5, 0 }, rem = { -1, -1 };
	long long t0 = mono_ns();
	errno = 0;
	int r = nanosleep(&req, &rem);
	int e = errno;
	long long dt = mono_ns() - t0;
	CHECK(kill(pid, SIGKILL) == 0);
	reap(pid);

	CHECKF(r == -1 && e == EINTR, "interrupted nanosleep returned %d errno %d (%s), expected EINTR",
	       r, e, strerror(e));
	CHECKF(count[SIGUSR1] >= 1, "SIGUSR1 handler did not run during nanosleep");
	CHECKF(dt < 4900000000LL, "nanosleep took %lld ms; not interrupted", dt / 1000000);
	if (r == -1) {
		long long rem_ns = rem.tv_sec * 1000000000LL + rem.tv_nsec;
		CHECKF(rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000L && rem_ns > 0 &&
		       rem_ns <= 5000000000LL,
		       "nanosleep remaining time {%lld, %ld} out of range",
		       (long long)rem.tv_sec, (long)rem.tv_nsec);
	}
	signal(SIGUSR1, SIG_DFL);
}

int main(void)
{
	/* Start from a known state whatever our parent left us. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);

	basic_delivery();
	blocked_pending();
	mask_and_restart();
	faults();
	sigchld();
	altstack_test();
	kill_zero_and_term();
	nanosleep_eintr();

	if (failures) {
		fprintf(stderr, "signals: %d check(s) failed\n", failures);
		return 1;
	}
	printf("signals: ok\n");
	return 0;
}
