#define _GNU_SOURCE
/*
 * sysret: the syscall's way back to user mode, from the program's side.
 * The kernel leaves by SYSRET when the frame is what SYSRET restores and
 * by IRET otherwise (kernel/arch/x86_64/syscall_entry.c, sysret_ok);
 * whichever it takes, a program sees Linux's ABI:
 *  - every register but rax, rcx and r11 as it was, rcx the address after
 *    the syscall instruction and r11 the flags, the stack pointer the
 *    same: after a call that returns at once, one that fails (EFAULT from
 *    the hostile pointers in its argument registers), one that gives the
 *    CPU away (sched_yield), and one a signal handler interrupts (pause,
 *    EINTR), in two threads at once;
 *  - a program that sets the trap flag itself and single-steps over a
 *    syscall gets its SIGTRAP after the instruction that follows the
 *    syscall, never at the syscall's return address (SYSRET with TF set
 *    would trap there, before that instruction ran: Linux returns by IRET
 *    then, as Alloy does).
 * canonical.c covers returns to the top of user space.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <ucontext.h>

#define TEST_NAME "sysret"
#include "check.h"

/* regs_probe(out, nr): loads a pattern into every register it can, makes
 * syscall nr with them as arguments, and stores what the registers hold
 * after it in out[]: r15, r14, ..., r8, rbp, rdi, rsi, rdx, rcx, rbx,
 * rax, rflags, then rsp before and after. Thread-safe: no globals. */
enum { R15, R14, R13, R12, R11, R10, R9, R8, RBP, RDI, RSI, RDX, RCX, RBX, RAX,
       FLAGS, RSP_BEFORE, RSP_AFTER, NOUT };

extern char probe_after[];
void regs_probe(uint64_t *out, long nr);

__asm__(
	"	.text\n"
	"	.globl regs_probe\n"
	"	.type regs_probe, @function\n"
	"regs_probe:\n"
	"	push %rbx\n	push %rbp\n	push %r12\n	push %r13\n	push %r14\n	push %r15\n"
	"	push %rdi\n"			/* out, under the saved registers */
	"	mov %rsp, 128(%rdi)\n"		/* out[RSP_BEFORE] */
	"	mov %rsi, %rax\n"
	"	movabs $0x1111111111111111, %rbx\n"
	"	movabs $0x2222222222222222, %rbp\n"
	"	movabs $0x3333333333333333, %rdi\n"
	"	movabs $0x4444444444444444, %rsi\n"
	"	movabs $0x5555555555555555, %rdx\n"
	"	movabs $0x6666666666666666, %r8\n"
	"	movabs $0x7777777777777777, %r9\n"
	"	movabs $0x8888888888888888, %r10\n"
	"	movabs $0x9999999999999999, %r12\n"
	"	movabs $0xaaaaaaaaaaaaaaaa, %r13\n"
	"	movabs $0xbbbbbbbbbbbbbbbb, %r14\n"
	"	movabs $0xcccccccccccccccc, %r15\n"
	"	movabs $0xdddddddddddddddd, %rcx\n"
	"	movabs $0xeeeeeeeeeeeeeeee, %r11\n"
	"	syscall\n"
	"	.globl probe_after\n"
	"probe_after:\n"
	"	pushfq\n"
	"	push %rax\n	push %rbx\n	push %rcx\n	push %rdx\n	push %rsi\n	push %rdi\n"
	"	push %rbp\n	push %r8\n	push %r9\n	push %r10\n	push %r11\n	push %r12\n"
	"	push %r13\n	push %r14\n	push %r15\n"
	"	lea 128(%rsp), %rax\n"		/* rsp right after the syscall */
	"	mov 128(%rsp), %rdi\n"		/* out */
	"	mov %rax, 136(%rdi)\n"		/* out[RSP_AFTER] */
	"	mov %rsp, %rsi\n"
	"	mov $16, %ecx\n"
	"	cld\n"
	"	rep movsq\n"			/* out[R15..FLAGS] */
	"	add $136, %rsp\n"
	"	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n	pop %rbp\n	pop %rbx\n"
	"	ret\n"
	"	.size regs_probe, . - regs_probe\n");

static const uint64_t pattern[NOUT] = {
	[R15] = 0xccccccccccccccccULL, [R14] = 0xbbbbbbbbbbbbbbbbULL,
	[R13] = 0xaaaaaaaaaaaaaaaaULL, [R12] = 0x9999999999999999ULL,
	[R10] = 0x8888888888888888ULL, [R9] = 0x7777777777777777ULL,
	[R8] = 0x6666666666666666ULL, [RBP] = 0x2222222222222222ULL,
	[RDI] = 0x3333333333333333ULL, [RSI] = 0x4444444444444444ULL,
	[RDX] = 0x5555555555555555ULL, [RBX] = 0x1111111111111111ULL,
};

static const char *const names[NOUT] = {
	"r15", "r14", "r13", "r12", "r11", "r10", "r9", "r8", "rbp", "rdi", "rsi",
	"rdx", "rcx", "rbx", "rax", "rflags", "rsp before", "rsp after",
};

/* One probe of nr: 0 if the registers came back as Linux's ABI says,
 * with rax == want; else 1, said once per call site. */
static int probe(long nr, long want, const char *what)
{
	uint64_t out[NOUT];
	int bad = 0;

	regs_probe(out, nr);
	for (int i = 0; i < NOUT; i++) {
		if (!pattern[i] || out[i] == pattern[i])
			continue;
		fprintf(stderr, "sysret: %s: %s is %#llx, not %#llx\n", what, names[i],
			(unsigned long long)out[i], (unsigned long long)pattern[i]);
		bad = 1;
	}
	if (out[RAX] != (uint64_t)want || out[RCX] != (uint64_t)(uintptr_t)probe_after ||
	    out[R11] != out[FLAGS] || out[RSP_AFTER] != out[RSP_BEFORE]) {
		fprintf(stderr, "sysret: %s: rax %#llx (want %#llx) rcx %#llx (want %p) "
			"r11 %#llx flags %#llx rsp %#llx/%#llx\n", what,
			(unsigned long long)out[RAX], (unsigned long long)want,
			(unsigned long long)out[RCX], (void *)probe_after,
			(unsigned long long)out[R11], (unsigned long long)out[FLAGS],
			(unsigned long long)out[RSP_BEFORE], (unsigned long long)out[RSP_AFTER]);
		bad = 1;
	}
	return bad;
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* Each kind of return, rounds times; the count of bad probes. */
static void *probe_rounds(void *arg)
{
	long rounds = (long)arg, bad = 0;

	for (long i = 0; i < rounds; i++) {
		bad += probe(SYS_getpid, getpid(), "getpid");
		bad += probe(SYS_nanosleep, -EFAULT, "nanosleep(bad pointer)");
		bad += probe(SYS_sched_yield, 0, "sched_yield");
		bad += probe(SYS_gettid, syscall(SYS_gettid), "gettid");
	}
	return (void *)bad;
}

/* ---- single-stepping over a syscall with a self-set trap flag ---- */

extern char tf_before[], tf_syscall[], tf_next[], tf_after[], tf_done[];
void tf_probe(void);

__asm__(
	"	.text\n"
	"	.globl tf_probe\n"
	"	.type tf_probe, @function\n"
	"tf_probe:\n"
	"	pushfq\n"
	"	orq $0x100, (%rsp)\n"
	"	popfq\n"			/* TF: a trap after the next instruction */
	"	.globl tf_before\n"
	"tf_before:\n"
	"	mov $39, %eax\n"		/* getpid */
	"	.globl tf_syscall\n"
	"tf_syscall:\n"
	"	syscall\n"
	"	.globl tf_next\n"
	"tf_next:\n"
	"	nop\n"
	"	.globl tf_after\n"
	"tf_after:\n"
	"	pushfq\n"
	"	andq $~0x100, (%rsp)\n"
	"	popfq\n"
	"	.globl tf_done\n"
	"tf_done:\n"
	"	ret\n"
	"	.size tf_probe, . - tf_probe\n");

#define MAX_TRAPS 16
static volatile uint64_t trap_rip[MAX_TRAPS];
static volatile int ntraps;

static void on_trap(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	if (ntraps < MAX_TRAPS)
		trap_rip[ntraps++] = ((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
}

static bool trapped_at(const char *where)
{
	for (int i = 0; i < ntraps; i++)
		if (trap_rip[i] == (uint64_t)(uintptr_t)where)
			return true;
	return false;
}

static void single_step(void)
{
	struct sigaction sa = { .sa_sigaction = on_trap, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGTRAP, &sa, NULL) == 0);
	tf_probe();
	signal(SIGTRAP, SIG_DFL);
	/* a trap after each instruction: after mov (at the syscall), after
	 * the syscall's next instruction (nop), never at the syscall's
	 * return address itself */
	CHECK(trapped_at(tf_syscall));
	CHECK(!trapped_at(tf_next));
	CHECK(trapped_at(tf_after));
	if (!trapped_at(tf_syscall) || trapped_at(tf_next) || !trapped_at(tf_after)) {
		fprintf(stderr, "sysret: traps at");
		for (int i = 0; i < ntraps; i++)
			fprintf(stderr, " %#llx", (unsigned long long)trap_rip[i]);
		fprintf(stderr, " (syscall %p next %p after %p)\n", (void *)tf_syscall,
			(void *)tf_next, (void *)tf_after);
	}
}

int main(void)
{
	/* one thread: every kind of return, and one a signal interrupts */
	CHECK((long)probe_rounds((void *)100) == 0);

	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	for (int i = 0; i < 5; i++) {
		struct itimerval it = { .it_value = { 0, 2000 } };
		int before = alarms;
		CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
		CHECK(probe(SYS_pause, -EINTR, "pause(signal)") == 0);
		CHECK(alarms == before + 1);
	}

	/* two threads at once (at -smp 2 and more, on two CPUs) */
	pthread_t th;
	void *other = (void *)-1;
	CHECK(pthread_create(&th, NULL, probe_rounds, (void *)2000) == 0);
	long mine = (long)probe_rounds((void *)2000);
	CHECK(pthread_join(th, &other) == 0);
	CHECK(mine == 0 && other == NULL);

	single_step();
	return check_done();
}
