/*
 * ptrace(2) from the tracer's side: a mini strace counts a child's
 * syscalls and checks write's arguments; a tracer changes a syscall's
 * argument and result and skips two; PEEK/POKE of data and text (an int3
 * breakpoint written, hit, the byte restored, rip set back: the tracer's
 * own copy of the page stays clean); GETREGS/SETREGS with hostile values;
 * SINGLESTEP; TRACEFORK, TRACEEXEC and the legacy exec SIGTRAP; signals
 * suppressed and changed; a tracer's death detaches (and EXITKILL kills);
 * SEIZE and INTERRUPT; EPERM/ESRCH cases and two tracers racing; SIGKILL
 * of a stopped tracee; ATTACH to a stopped process leaves nothing queued.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_NAME "ptrace"
#include "check.h"

#define ERR(x) ((x) == -1 ? errno : 0)

static int section = 0;
static int failed_before;

static void begin(void)
{
	failed_before = failures;
}

static void end(const char *name)
{
	printf("# %sok %d - %s\n", failures == failed_before ? "" : "not ", ++section, name);
	fflush(stdout);
}

static long pt(long req, pid_t pid, void *addr, void *data)
{
	return syscall(SYS_ptrace, req, pid, addr, data);
}

/* waitpid that retries EINTR; the status, or -1. */
static int wait_for(pid_t pid, int flags)
{
	int st;
	pid_t r;
	while ((r = waitpid(pid, &st, flags)) < 0 && errno == EINTR)
		;
	return r == pid ? st : -1;
}

static pid_t traced_child(void (*body)(void))
{
	pid_t c = fork();
	if (c == 0) {
		if (pt(PTRACE_TRACEME, 0, 0, 0))
			_exit(90);
		raise(SIGSTOP);
		body();
		_exit(0);
	}
	int st = wait_for(c, 0);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	return c;
}

static void ms(int n)
{
	struct timespec ts = { n / 1000, (n % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- 1: a mini strace */

static int devnull;

static void strace_body(void)
{
	getppid();
	write(devnull, "1234567", 7);
	getppid();
}

static void mini_strace(void)
{
	begin();
	devnull = open("/dev/null", O_WRONLY);
	pid_t c = traced_child(strace_body);
	CHECK(pt(PTRACE_SETOPTIONS, c, 0, (void *)PTRACE_O_TRACESYSGOOD) == 0);
	int calls = 0, writes = 0, st;
	bool entry = true;
	for (;;) {
		CHECK(pt(PTRACE_SYSCALL, c, 0, 0) == 0);
		st = wait_for(c, 0);
		if (st == -1 || !WIFSTOPPED(st))
			break;
		if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
			CHECK(!"a stop that is not a syscall stop");
			continue;
		}
		struct user_regs_struct r;
		CHECK(pt(PTRACE_GETREGS, c, 0, &r) == 0);
		if (entry) {
			calls++;
			CHECK((long)r.rax == -ENOSYS);	/* not yet run */
			if (r.orig_rax == SYS_write) {
				writes++;
				CHECK(r.rdi == (unsigned long)devnull && r.rdx == 7);
			}
		} else if (r.orig_rax == SYS_write) {
			CHECK(r.rax == 7);
		}
		entry = !entry;
	}
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(writes == 1);
	CHECK(calls >= 4);	/* getppid, write, getppid, exit_group (+ raise's) */
	close(devnull);
	end("a mini strace counts syscalls and sees write's arguments");
}

/* ---- 2: a syscall's argument and result changed, two skipped */

static int pfd[2];

static void change_body(void)
{
	int bad = 0;
	if (write(pfd[1], "hello", 5) != 42)
		bad |= 1;
	if (syscall(SYS_kill, getpid(), SIGKILL) != -1 || errno != ENOSYS)
		bad |= 2;	/* skipped: -ENOSYS */
	if (syscall(SYS_getppid) != 1234)
		bad |= 4;	/* skipped with a result */
	_exit(bad);
}

static void change_syscalls(void)
{
	begin();
	CHECK(pipe(pfd) == 0);
	pid_t c = traced_child(change_body);
	CHECK(pt(PTRACE_SETOPTIONS, c, 0, (void *)PTRACE_O_TRACESYSGOOD) == 0);
	bool entry = true;
	int st;
	for (;;) {
		CHECK(pt(PTRACE_SYSCALL, c, 0, 0) == 0);
		st = wait_for(c, 0);
		if (st == -1 || !WIFSTOPPED(st))
			break;
		struct user_regs_struct r;
		CHECK(pt(PTRACE_GETREGS, c, 0, &r) == 0);
		if (entry && r.orig_rax == SYS_write && r.rdi == (unsigned long)pfd[1]) {
			r.rdx = 2;	/* only "he" */
		} else if (!entry && r.orig_rax == SYS_write && r.rdi == (unsigned long)pfd[1]) {
			CHECK(r.rax == 2);
			r.rax = 42;
		} else if (entry && r.orig_rax == SYS_kill) {
			r.orig_rax = -1;	/* skipped: the child lives */
		} else if (entry && r.orig_rax == SYS_getppid) {
			r.orig_rax = -1;
			r.rax = 1234;
		}
		CHECK(pt(PTRACE_SETREGS, c, 0, &r) == 0);
		entry = !entry;
	}
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		fprintf(stderr, "ptrace: change child says %#x\n", WEXITSTATUS(st));
	char buf[8] = { 0 };
	close(pfd[1]);
	CHECK(read(pfd[0], buf, sizeof(buf)) == 2 && !memcmp(buf, "he", 2));
	close(pfd[0]);
	end("syscall argument and result changed, two skipped");
}

/* ---- 3: PEEK/POKE, a breakpoint */

static volatile long data_word = 0x1111;

__attribute__((noinline, aligned(16))) static int target_fn(int x)
{
	__asm__ volatile("nop; nop; nop; nop; nop; nop; nop; nop");
	return x * 3 + 1;
}

static void bp_body(void)
{
	int v = target_fn(4);	/* 13, once the breakpoint is gone */
	_exit(data_word == 0x2222 && v == 13 ? 0 : 1);
}

static void peek_poke(void)
{
	begin();
	pid_t c = traced_child(bp_body);
	long v = 0;	/* the raw call: the word goes to data's address */
	CHECK(pt(PTRACE_PEEKDATA, c, (void *)&data_word, &v) == 0 && v == 0x1111);
	CHECK(pt(PTRACE_POKEDATA, c, (void *)&data_word, (void *)0x2222) == 0);
	CHECK(pt(PTRACE_PEEKDATA, c, (void *)&data_word, &v) == 0 && v == 0x2222);
	CHECK(data_word == 0x1111);	/* ours is another copy */
	/* hostile addresses: EIO, never a kernel fault */
	CHECK(ERR(pt(PTRACE_PEEKDATA, c, (void *)0, &v)) == EIO);
	CHECK(ERR(pt(PTRACE_PEEKDATA, c, (void *)0xffff800000000000UL, &v)) == EIO);
	CHECK(ERR(pt(PTRACE_PEEKDATA, c, (void *)0x7ffffffffffcUL, &v)) == EIO);
	CHECK(ERR(pt(PTRACE_POKEDATA, c, (void *)0xffffffff80000000UL, 0)) == EIO);
	CHECK(ERR(pt(PTRACE_POKEDATA, c, (void *)8, 0)) == EIO);
	/* the result pointer is ours: a kernel address is EFAULT */
	CHECK(ERR(pt(PTRACE_PEEKDATA, c, (void *)&data_word, (void *)0xffff800000001000UL)) ==
	      EFAULT);

	/* a breakpoint in read-only text */
	unsigned long at = (unsigned long)target_fn, orig;
	CHECK(pt(PTRACE_PEEKTEXT, c, (void *)at, &orig) == 0);
	CHECK(orig == *(unsigned long *)at);
	unsigned long bp = (orig & ~0xffUL) | 0xcc;
	CHECK(pt(PTRACE_POKETEXT, c, (void *)at, (void *)bp) == 0);
	unsigned long now;
	CHECK(pt(PTRACE_PEEKTEXT, c, (void *)at, &now) == 0 && now == bp);
	/* our text (the same file page) is untouched: a private copy */
	CHECK(*(volatile unsigned char *)at == (orig & 0xff));
	CHECK(pt(PTRACE_CONT, c, 0, 0) == 0);
	int st = wait_for(c, 0);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP);
	struct user_regs_struct r;
	CHECK(pt(PTRACE_GETREGS, c, 0, &r) == 0);
	CHECK(r.rip == at + 1);
	CHECK(pt(PTRACE_POKETEXT, c, (void *)at, (void *)orig) == 0);
	r.rip = at;
	CHECK(pt(PTRACE_SETREGS, c, 0, &r) == 0);
	CHECK(pt(PTRACE_CONT, c, 0, 0) == 0);	/* SIGTRAP suppressed */
	st = wait_for(c, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	end("PEEK/POKE data and text, an int3 breakpoint");
}

/* ---- 4: registers, hostile values */

static void spin_body(void)
{
	for (volatile int i = 0; i < 1000; i++)
		;
}

static void regs(void)
{
	begin();
	pid_t c = traced_child(spin_body);
	struct user_regs_struct r, o, back;
	CHECK(pt(PTRACE_GETREGS, c, 0, &o) == 0);
	CHECK(o.cs == 0x33 && o.ss == 0x2b);	/* Linux's: gdb reads CS for 64-bit */
	CHECK(pt(PTRACE_SETREGS, c, 0, &o) == 0);
	CHECK(pt(PTRACE_GETREGS, c, 0, &back) == 0 && !memcmp(&o, &back, sizeof(o)));
	/* PEEKUSER agrees with GETREGS */
	long v;
	CHECK(pt(PTRACE_PEEKUSER, c, (void *)offsetof(struct user_regs_struct, rip), &v) == 0 &&
	      (unsigned long)v == o.rip);
	CHECK(pt(PTRACE_PEEKUSER, c, (void *)offsetof(struct user_regs_struct, rsp), &v) == 0 &&
	      (unsigned long)v == o.rsp);
	r = o;
	r.r12 = 0x1234567890abcdefUL;
	CHECK(pt(PTRACE_SETREGS, c, 0, &r) == 0);
	CHECK(pt(PTRACE_GETREGS, c, 0, &back) == 0 && back.r12 == r.r12);
	/* hostile: each refused, nothing changed */
	r = o;
	r.rip = 0x0000800000000000UL;	/* non-canonical */
	CHECK(ERR(pt(PTRACE_SETREGS, c, 0, &r)) == EIO);
	r = o;
	r.r12 = 1;
	r.cs = 0x8;			/* the kernel's code segment */
	CHECK(ERR(pt(PTRACE_SETREGS, c, 0, &r)) == EIO);
	CHECK(pt(PTRACE_GETREGS, c, 0, &back) == 0 && back.r12 == 0x1234567890abcdefUL);
	r = o;
	r.fs_base = 0xffff888000000000UL;
	CHECK(ERR(pt(PTRACE_SETREGS, c, 0, &r)) == EIO);
	r = o;
	r.eflags |= 0x3000 | 0x20000 | 0x4000;	/* IOPL 3, VM, NT: dropped */
	CHECK(pt(PTRACE_SETREGS, c, 0, &r) == 0);
	CHECK(pt(PTRACE_GETREGS, c, 0, &back) == 0 && !(back.eflags & (0x3000 | 0x20000 | 0x4000)));
	CHECK(back.eflags & 0x200);	/* interrupts stay on */
	CHECK(ERR(pt(PTRACE_POKEUSER, c, (void *)offsetof(struct user_regs_struct, rip),
		     (void *)0xffffffff81000000UL)) == EIO);
	CHECK(ERR(pt(PTRACE_POKEUSER, c, (void *)offsetof(struct user_regs_struct, ss),
		     (void *)0x10)) == EIO);
	CHECK(ERR(pt(PTRACE_POKEUSER, c, (void *)3, 0)) == EIO);	/* unaligned */
	CHECK(ERR(pt(PTRACE_POKEUSER, c, (void *)sizeof(struct user), 0)) == EIO);
	CHECK(ERR(pt(PTRACE_PEEKUSER, c, (void *)-8L, &v)) == EIO);
	CHECK(ERR(pt(PTRACE_GETREGS, c, 0, (void *)0xffff800000000000UL)) == EFAULT);
	CHECK(ERR(pt(PTRACE_SETREGS, c, 0, (void *)16)) == EFAULT);
	/* debug registers: a kernel address is EINVAL (ptrace08's CVE) */
	size_t dr0 = offsetof(struct user, u_debugreg);
	CHECK(ERR(pt(PTRACE_POKEUSER, c, (void *)dr0, (void *)0xffff800000000000UL)) == EINVAL);
	CHECK(pt(PTRACE_POKEUSER, c, (void *)dr0, (void *)2) == 0);
	CHECK(pt(PTRACE_PEEKUSER, c, (void *)dr0, &v) == 0 && v == 2);
	/* FPU state: GETFPREGS, a hostile MXCSR is made harmless */
	struct user_fpregs_struct fp;
	CHECK(pt(PTRACE_GETFPREGS, c, 0, &fp) == 0);
	CHECK(fp.mxcsr == 0x1f80 || (fp.mxcsr & 0x1f80) == 0x1f80);
	fp.mxcsr = 0xffffffff;
	CHECK(pt(PTRACE_SETFPREGS, c, 0, &fp) == 0);
	struct user_fpregs_struct fp2;
	struct iovec iov = { &fp2, sizeof(fp2) };
	CHECK(pt(PTRACE_GETREGSET, c, (void *)2 /* NT_PRFPREG */, &iov) == 0);
	CHECK(iov.iov_len == sizeof(fp2) && fp2.mxcsr == 0xffbf);
	fp.mxcsr = 0x1f80;
	CHECK(pt(PTRACE_SETFPREGS, c, 0, &fp) == 0);
	struct user_regs_struct rs;
	iov = (struct iovec){ &rs, sizeof(rs) };
	CHECK(pt(PTRACE_GETREGSET, c, (void *)1 /* NT_PRSTATUS */, &iov) == 0);
	CHECK(iov.iov_len == sizeof(rs) && rs.rip == o.rip && rs.r12 == o.r12);
	rs.r13 = 0x5555;
	CHECK(pt(PTRACE_SETREGSET, c, (void *)1, &iov) == 0);
	CHECK(pt(PTRACE_GETREGS, c, 0, &back) == 0 && back.r13 == 0x5555);
	CHECK(ERR(pt(PTRACE_GETREGSET, c, (void *)0x202 /* NT_X86_XSTATE */, &iov)) == EINVAL);
	CHECK(pt(PTRACE_SETREGS, c, 0, &o) == 0);
	CHECK(pt(PTRACE_CONT, c, 0, 0) == 0);
	int st = wait_for(c, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	end("GETREGS/SETREGS/PEEKUSER/POKEUSER/FPREGS/REGSET, hostile values refused");
}

/* ---- 5: single steps */

static void singlestep(void)
{
	begin();
	pid_t c = traced_child(spin_body);
	struct user_regs_struct r;
	CHECK(pt(PTRACE_GETREGS, c, 0, &r) == 0);
	unsigned long prev = r.rip;
	int moved = 0, traps = 0;
	for (int i = 0; i < 6; i++) {
		CHECK(pt(PTRACE_SINGLESTEP, c, 0, 0) == 0);
		int st = wait_for(c, 0);
		if (!WIFSTOPPED(st))
			break;
		traps += WSTOPSIG(st) == SIGTRAP;
		CHECK(pt(PTRACE_GETREGS, c, 0, &r) == 0);
		moved += r.rip != prev;
		prev = r.rip;
	}
	CHECK(traps == 6 && moved >= 5);
	CHECK(pt(PTRACE_CONT, c, 0, 0) == 0);
	int st = wait_for(c, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);	/* no stray trap */
	end("SINGLESTEP: a SIGTRAP after each instruction");
}

/* ---- 6: TRACEFORK */

static void fork_body(void)
{
	pid_t g = fork();
	if (g == 0)
		_exit(7);
	int st = wait_for(g, 0);
	_exit(st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : 99);
}

static void tracefork(void)
{
	begin();
	pid_t c = traced_child(fork_body);
	CHECK(pt(PTRACE_SETOPTIONS, c, 0, (void *)PTRACE_O_TRACEFORK) == 0);
	CHECK(pt(PTRACE_CONT, c, 0, 0) == 0);
	int st = wait_for(c, 0);
	CHECK(WIFSTOPPED(st) && st >> 8 == (SIGTRAP | PTRACE_EVENT_FORK << 8));
	unsigned long g = 0;
	CHECK(pt(PTRACE_GETEVENTMSG, c, 0, &g) == 0 && g > 0);
	int gs = wait_for((pid_t)g, __WALL);	/* auto-attached, stopped */
	CHECK(WIFSTOPPED(gs) && WSTOPSIG(gs) == SIGSTOP);
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%lu/status", g);
	FILE *f = fopen(path, "r");
	int tracer = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "TracerPid:", 10))
			tracer = atoi(line + 10);
	if (f)
		fclose(f);
	CHECK(tracer == getpid());
	CHECK(pt(PTRACE_CONT, (pid_t)g, 0, 0) == 0);
	CHECK(pt(PTRACE_CONT, c, 0, 0) == 0);
	gs = wait_for((pid_t)g, __WALL);	/* we trace it: we hear of its exit */
	CHECK(gs != -1 && WIFEXITED(gs) && WEXITSTATUS(gs) == 7);
	/* its SIGCHLD (ignored) comes to us first, as on Linux */
	while ((st = wait_for(c, 0)) != -1 && WIFSTOPPED(st)) {
		CHECK(WSTOPSIG(st) == SIGCHLD);
		CHECK(pt(PTRACE_CONT, c, 0, (void *)(long)WSTOPSIG(st)) == 0);
	}
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 7);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
		fprintf(stderr, "ptrace: fork child status %#x\n", st);
	end("TRACEFORK: the child is traced too, its pid in GETEVENTMSG");
}

/* ---- 7: exec */

static char *self;

static void exec_body(void)
{
	char *argv[] = { self, "exit3", NULL };
	execv(self, argv);
	_exit(98);
}

static void traceexec(void)
{
	begin();
	pid_t c = traced_child(exec_body);
	CHECK(pt(PTRACE_SETOPTIONS, c, 0, (void *)PTRACE_O_TRACEEXEC) == 0);
	CHECK(pt(PTRACE_CONT, c, 0, 0) == 0);
	int st = wait_for(c, 0);
	CHECK(WIFSTOPPED(st) && st >> 8 == (SIGTRAP | PTRACE_EVENT_EXEC << 8));
	unsigned long msg = 0;
	CHECK(pt(PTRACE_GETEVENTMSG, c, 0, &msg) == 0 && msg == (unsigned long)c);
	CHECK(pt(PTRACE_CONT, c, 0, 0) == 0);
	st = wait_for(c, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 3);

	/* without the option: a SIGTRAP after the exec */
	c = traced_child(exec_body);
	CHECK(pt(PTRACE_CONT, c, 0, 0) == 0);
	st = wait_for(c, 0);
	CHECK(WIFSTOPPED(st) && st >> 8 == SIGTRAP);
	CHECK(pt(PTRACE_CONT, c, 0, 0) == 0);
	st = wait_for(c, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 3);
	end("TRACEEXEC event and the legacy exec SIGTRAP");
}

/* ---- 8: signals */

static volatile sig_atomic_t got_usr2;

static void on_usr2(int s)
{
	(void)s;
	got_usr2++;
}

static void signal_body(void)
{
	signal(SIGUSR2, on_usr2);
	kill(getpid(), SIGUSR1);	/* the tracer makes it SIGUSR2 */
	kill(getpid(), SIGUSR1);	/* the tracer drops it */
	_exit(got_usr2 == 1 ? 0 : 5);
}

static void signals(void)
{
	begin();
	pid_t c = traced_child(signal_body);
	CHECK(pt(PTRACE_CONT, c, 0, 0) == 0);
	int st = wait_for(c, 0);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGUSR1);
	siginfo_t si;
	CHECK(pt(PTRACE_GETSIGINFO, c, 0, &si) == 0 && si.si_signo == SIGUSR1 &&
	      si.si_pid == c);
	CHECK(pt(PTRACE_CONT, c, 0, (void *)SIGUSR2) == 0);
	st = wait_for(c, 0);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGUSR1);
	CHECK(ERR(pt(PTRACE_CONT, c, 0, (void *)(long)(NSIG + 1))) == EIO);
	CHECK(pt(PTRACE_CONT, c, 0, 0) == 0);
	st = wait_for(c, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	end("signal-delivery-stop: a signal changed, one suppressed");
}

/* ---- 9, 10: the tracer dies */

/* A number from a status file's "Key:" line; -1 if there is none. */
static int status_num(const char *path, const char *key)
{
	char line[256];
	int v = -1;
	size_t n = strlen(key);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n))
			v = atoi(line + n);
	if (f)
		fclose(f);
	return v;
}

static int tracer_in(const char *path)
{
	return status_num(path, "TracerPid:");
}

static int tracer_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	return tracer_in(path);
}

/* A tracee blocked reading a pipe until we write; exits 42 then. */
static pid_t reader(int p[2])
{
	CHECK(pipe(p) == 0);
	pid_t t = fork();
	if (t == 0) {
		char b;
		close(p[1]);
		while (read(p[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(42);
	}
	close(p[0]);
	return t;
}

static void tracer_death(bool exitkill)
{
	begin();
	int p[2];
	pid_t t = reader(p);
	int sync[2];
	CHECK(pipe(sync) == 0);
	pid_t m = fork();
	if (m == 0) {	/* the tracer: attaches, sees the stop, dies */
		int bad = 0;
		if (exitkill) {
			if (pt(PTRACE_SEIZE, t, 0, (void *)PTRACE_O_EXITKILL))
				_exit(10);
			if (pt(PTRACE_INTERRUPT, t, 0, 0))
				_exit(11);
			int st = wait_for(t, __WALL);
			if (!WIFSTOPPED(st) || st >> 16 != PTRACE_EVENT_STOP)
				bad |= 1;
		} else {
			if (pt(PTRACE_ATTACH, t, 0, 0))
				_exit(10);
			int st = wait_for(t, __WALL);
			if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP)
				bad |= 1;
		}
		if (tracer_of(t) != getpid())
			bad |= 2;
		write(sync[1], "x", 1);
		ms(50);		/* the parent looks at the stop meanwhile */
		_exit(bad);	/* without a detach */
	}
	close(sync[1]);
	char b;
	CHECK(read(sync[0], &b, 1) == 1);
	close(sync[0]);
	int st = wait_for(m, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		fprintf(stderr, "ptrace: tracer says %d\n", WEXITSTATUS(st));
	CHECK(tracer_of(t) == 0 || exitkill);
	write(p[1], "go", 2);
	close(p[1]);
	st = wait_for(t, 0);
	if (exitkill)
		CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	else
		CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 42);
	end(exitkill ? "SEIZE, INTERRUPT; EXITKILL kills the tracee with its tracer"
		     : "a tracer's death detaches: the tracee runs on");
}

/* ---- 11: permissions */

static void perms(void)
{
	begin();
	CHECK(ERR(pt(PTRACE_ATTACH, getpid(), 0, 0)) == EPERM);	/* ourselves */
	CHECK(ERR(pt(PTRACE_ATTACH, 0x7ffffff0, 0, 0)) == ESRCH);
	CHECK(ERR(pt(PTRACE_CONT, getppid(), 0, 0)) == ESRCH);	/* not ours */
	CHECK(ERR(pt(PTRACE_PEEKDATA, -5, 0, 0)) == ESRCH);
	CHECK(ERR(pt(0x1234, getpid(), 0, 0)) == ESRCH);
	int p[2];
	pid_t t = reader(p);
	CHECK(ERR(pt(PTRACE_GETREGS, t, 0, 0)) == ESRCH);	/* not traced */
	/* two tracers at once: exactly one wins */
	pid_t a[2];
	for (int i = 0; i < 2; i++) {
		a[i] = fork();
		if (a[i] == 0) {
			if (pt(PTRACE_ATTACH, t, 0, 0))
				_exit(errno == EPERM ? 1 : 2);
			int st = wait_for(t, __WALL);
			if (!WIFSTOPPED(st))
				_exit(3);
			ms(30);	/* the loser tries meanwhile */
			_exit(pt(PTRACE_DETACH, t, 0, 0) ? 4 : 0);
		}
	}
	int won = 0, lost = 0;
	for (int i = 0; i < 2; i++) {
		int st = wait_for(a[i], 0);
		won += WIFEXITED(st) && WEXITSTATUS(st) == 0;
		lost += WIFEXITED(st) && WEXITSTATUS(st) == 1;
	}
	CHECK(won == 1 && lost == 1);
	/* traced already (by us now): EPERM again */
	CHECK(pt(PTRACE_ATTACH, t, 0, 0) == 0);
	int st = wait_for(t, 0);
	CHECK(WIFSTOPPED(st));
	CHECK(ERR(pt(PTRACE_ATTACH, t, 0, 0)) == EPERM);
	CHECK(ERR(pt(PTRACE_SEIZE, t, 0, 0)) == EPERM);
	pid_t u = fork();
	if (u == 0) {	/* another user: neither t nor init */
		if (setgid(65534) || setuid(65534))
			_exit(20);
		int bad = 0;
		if (ERR(pt(PTRACE_ATTACH, t, 0, 0)) != EPERM)
			bad |= 1;
		if (ERR(pt(PTRACE_ATTACH, 1, 0, 0)) != EPERM)
			bad |= 2;
		if (ERR(pt(PTRACE_SEIZE, getppid(), 0, 0)) != EPERM)
			bad |= 4;
		_exit(bad);
	}
	st = wait_for(u, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		fprintf(stderr, "ptrace: other user says %d\n", WEXITSTATUS(st));
	/* the same user, but the target made itself not dumpable: EPERM for
	 * ptrace and process_vm_readv (Linux's __ptrace_may_access) */
	u = fork();
	if (u == 0) {
		int ready[2], hold[2];
		char c = 0;
		if (setgid(65534) || setuid(65534) || pipe(ready) || pipe(hold))
			_exit(20);
		pid_t v = fork();
		if (v == 0) {
			if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
				_exit(1);
			write(ready[1], "r", 1);
			read(hold[0], &c, 1);
			_exit(0);
		}
		int bad = read(ready[0], &c, 1) == 1 ? 0 : 8;
		struct iovec l = { &c, 1 }, r = { &c, 1 };
		if (ERR(pt(PTRACE_ATTACH, v, 0, 0)) != EPERM)
			bad |= 1;
		if (process_vm_readv(v, &l, 1, &r, 1, 0) != -1 || errno != EPERM)
			bad |= 2;
		write(hold[1], "h", 1);
		waitpid(v, NULL, 0);
		_exit(bad);
	}
	st = wait_for(u, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		fprintf(stderr, "ptrace: not-dumpable case says %d\n", WEXITSTATUS(st));
	CHECK(pt(PTRACE_DETACH, t, 0, 0) == 0);
	CHECK(ERR(pt(PTRACE_DETACH, t, 0, 0)) == ESRCH);
	CHECK(ERR(pt(PTRACE_SEIZE, t, 0, (void *)0x80000000UL)) == EIO);	/* bad option */
	CHECK(ERR(pt(PTRACE_SEIZE, t, (void *)1, 0)) == EIO);
	write(p[1], "x", 1);
	close(p[1]);
	st = wait_for(t, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 42);
	end("EPERM: self, another user, not dumpable, init, traced already; ESRCH; two tracers race");
}

/* ---- 12: SIGKILL of a stopped tracee */

static void kill_stopped(void)
{
	begin();
	pid_t c = traced_child(spin_body);
	CHECK(kill(c, SIGKILL) == 0);
	int st = wait_for(c, 0);
	CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	c = traced_child(spin_body);
	CHECK(pt(PTRACE_KILL, c, 0, 0) == 0);
	st = wait_for(c, 0);
	CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	end("SIGKILL and PTRACE_KILL end a stopped tracee");
}

/* /proc/<pid>/status's SigQ: siginfo queued for the process, -1 if unread. */
static int sigq_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	return status_num(path, "SigQ:");
}

/* ATTACH to a group-stopped process: the stop stands for ATTACH's
 * SIGSTOP, which must go with its siginfo. A kernel that dropped only the
 * pending bit kept the siginfo queued (SigQ 1), and a later SIGSTOP to
 * the thread then stopped it twice. */
static void attach_stopped(void)
{
	begin();
	int p[2];
	pid_t t = reader(p);
	CHECK(kill(t, SIGSTOP) == 0);
	int st = wait_for(t, WUNTRACED);
	CHECK(st != -1 && WIFSTOPPED(st));
	CHECK(pt(PTRACE_ATTACH, t, 0, 0) == 0);
	st = wait_for(t, __WALL);
	CHECK(st != -1 && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	CHECK(pt(PTRACE_DETACH, t, 0, 0) == 0);
	CHECK(sigq_of(t) == 0);
	CHECK(kill(t, SIGCONT) == 0);
	CHECK(syscall(SYS_tgkill, t, t, SIGSTOP) == 0);
	st = wait_for(t, WUNTRACED);
	CHECK(st != -1 && WIFSTOPPED(st));
	CHECK(kill(t, SIGCONT) == 0);
	ms(100);
	CHECK(waitpid(t, &st, WUNTRACED | WNOHANG) == 0);	/* not stopped again */
	CHECK(write(p[1], "go", 2) == 2);
	close(p[1]);
	kill(t, SIGCONT);
	st = wait_for(t, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 42);
	end("ATTACH to a stopped process, DETACH: nothing queued; one SIGSTOP stops once");
}

/* ---- 13: one thread of a process traced */

static int tpipe[2], tidpipe[2];

static void *thread_main(void *arg)
{
	(void)arg;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	char b;
	write(tidpipe[1], &tid, sizeof(tid));
	while (read(tpipe[0], &b, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void threads(void)
{
	begin();
	CHECK(pipe(tpipe) == 0 && pipe(tidpipe) == 0);
	pid_t c = fork();
	if (c == 0) {
		pthread_t th;
		if (pthread_create(&th, NULL, thread_main, NULL))
			_exit(30);
		pthread_join(th, NULL);
		_exit(0);
	}
	pid_t tid = 0;
	CHECK(read(tidpipe[0], &tid, sizeof(tid)) == sizeof(tid) && tid != c);
	CHECK(pt(PTRACE_ATTACH, tid, 0, 0) == 0);
	int st = wait_for(tid, __WALL);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	/* not a leader: only __WALL or __WCLONE waits for it */
	CHECK(waitpid(tid, &st, WNOHANG) == -1 && errno == ECHILD);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", c, tid);
	CHECK(tracer_in(path) == getpid());
	snprintf(path, sizeof(path), "/proc/%d/status", c);
	CHECK(tracer_in(path) == 0);
	struct user_regs_struct r;
	CHECK(pt(PTRACE_GETREGS, tid, 0, &r) == 0);
	CHECK(ERR(pt(PTRACE_GETREGS, c, 0, &r)) == ESRCH);	/* the leader is not traced */
	CHECK(ERR(pt(PTRACE_ATTACH, tid, 0, 0)) == EPERM);
	CHECK(pt(PTRACE_DETACH, tid, 0, 0) == 0);
	write(tpipe[1], "x", 1);
	st = wait_for(c, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(tpipe[0]); close(tpipe[1]); close(tidpipe[0]); close(tidpipe[1]);
	end("a thread is traced alone: __WALL, ESRCH for its leader");
}

/* ---- 14: a seized tracee's group stop; TRACEEXIT */

static void exit5_body(void)
{
	_exit(5);
}

static void group_stop_and_exit(void)
{
	begin();
	int p[2];
	pid_t t = reader(p);
	CHECK(pt(PTRACE_SEIZE, t, 0, 0) == 0);
	CHECK(kill(t, SIGSTOP) == 0);
	int st = wait_for(t, 0);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP && st >> 16 == 0);	/* delivery */
	CHECK(pt(PTRACE_CONT, t, 0, (void *)SIGSTOP) == 0);
	st = wait_for(t, 0);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP && st >> 16 == PTRACE_EVENT_STOP);
	/* that one stop is all: the tracer, also the parent, hears of it
	 * once, not again as the group's job-control stop (Linux) */
	CHECK(waitpid(t, &st, WNOHANG | WUNTRACED) == 0);
	CHECK(pt(PTRACE_DETACH, t, 0, 0) == 0);
	CHECK(kill(t, SIGCONT) == 0);
	write(p[1], "x", 1);
	close(p[1]);
	while ((st = wait_for(t, WUNTRACED | WCONTINUED)) != -1 && !WIFEXITED(st) &&
	       !WIFSIGNALED(st))
		;
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 42);

	pid_t c = traced_child(exit5_body);
	CHECK(pt(PTRACE_SETOPTIONS, c, 0, (void *)PTRACE_O_TRACEEXIT) == 0);
	CHECK(pt(PTRACE_CONT, c, 0, 0) == 0);
	st = wait_for(c, 0);
	CHECK(WIFSTOPPED(st) && st >> 8 == (SIGTRAP | PTRACE_EVENT_EXIT << 8));
	unsigned long msg = 0;
	CHECK(pt(PTRACE_GETEVENTMSG, c, 0, &msg) == 0 && msg == 5 << 8);
	CHECK(pt(PTRACE_CONT, c, 0, 0) == 0);
	st = wait_for(c, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 5);
	end("a seized tracee's group stop is PTRACE_EVENT_STOP; TRACEEXIT");
}

/* ---- 15: a traced exec of a set-user-ID program has no privilege */

static int suid_run(bool traced)
{
	pid_t c = fork();
	if (c == 0) {
		char *argv[] = { "/tmp/ptrace-suid", "euid", NULL };
		if (setgid(65534) || setuid(65534))
			_exit(20);
		if (traced && pt(PTRACE_TRACEME, 0, 0, 0))
			_exit(21);
		execv(argv[0], argv);
		_exit(22);
	}
	int st;
	while ((st = wait_for(c, 0)) != -1 && WIFSTOPPED(st))	/* the exec SIGTRAP */
		CHECK(WSTOPSIG(st) == SIGTRAP && pt(PTRACE_CONT, c, 0, 0) == 0);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* One round of an attach racing a set-user-ID exec (a 1.5 MiB
 * environment makes the exec slow): 0 the attach lost (EPERM after the
 * commit, the program ran as root), 1 it won and the program ran as the
 * caller, -1 it won and the program ran as root (the hole). */
static int suid_race_round(int delay_us)
{
	static char big[24][65536];
	char *envp[25];
	for (int i = 0; i < 24; i++) {
		memset(big[i], 'x', sizeof(big[i]) - 1);
		memcpy(big[i], "E=", 2);
		envp[i] = big[i];
	}
	envp[24] = NULL;
	int go[2];
	if (pipe(go))
		return -2;
	pid_t c = fork();
	if (c == 0) {
		char *argv[] = { "/tmp/ptrace-suid", "euid", NULL };
		char x;
		close(go[1]);
		if (read(go[0], &x, 1) != 1)
			_exit(23);
		execve(argv[0], argv, envp);
		_exit(22);
	}
	close(go[0]);
	write(go[1], "g", 1);
	close(go[1]);
	struct timespec d = { 0, delay_us * 1000L };
	nanosleep(&d, NULL);	/* rounds sample the exec from start to end */
	bool seized = false;
	for (int i = 0; i < 200000 && !seized; i++) {
		if (!pt(PTRACE_SEIZE, c, 0, 0))
			seized = true;
		else if (errno != EPERM)
			break;	/* ESRCH: it is gone */
	}
	int st;
	while ((st = wait_for(c, __WALL)) != -1 && WIFSTOPPED(st))
		pt(PTRACE_CONT, c, 0, (void *)(long)(WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st)));
	int code = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (seized && code == 1)
		return -1;
	return seized && code == 2 ? 1 : 0;
}

static void suid_exec(void)
{
	begin();
	CHECK(copy_file(self, "/tmp/ptrace-suid", 04755) == 0);
	CHECK(suid_run(false) == 1);	/* untraced: it runs as root */
	CHECK(suid_run(true) == 2);	/* traced: as the caller */
	/* an attach while the set-user-ID exec is under way: either refused
	 * (it landed after the new IDs) or the program runs unprivileged */
	pid_t u = fork();
	if (u == 0) {
		int won = 0, holes = 0;
		/* dumpable again after the setuid, as the child must be */
		if (setgid(65534) || setuid(65534) || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
			_exit(20);
		for (int r = 0; r < 30; r++) {
			int k = suid_race_round(r * 200);
			won += k == 1;
			holes += k == -1;
		}
		printf("# attach racing a set-user-ID exec: %d of 30 rounds attached in time, %d ran as root\n",
		       won, holes);
		_exit(holes ? 1 : 0);
	}
	int st = wait_for(u, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* a program its user may execute but not read: not dumpable, so not
	 * attachable (its text stays unread) */
	CHECK(copy_file(self, "/tmp/ptrace-xo", 0711) == 0);
	u = fork();
	if (u == 0) {
		if (setgid(65534) || setuid(65534) || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
			_exit(20);
		pid_t c = fork();
		if (c == 0) {
			char *argv[] = { "/tmp/ptrace-xo", "nap", NULL };
			execv(argv[0], argv);
			_exit(22);
		}
		ms(300);	/* it runs the program now */
		int bad = ERR(pt(PTRACE_ATTACH, c, 0, 0)) == EPERM ? 0 : 1;
		kill(c, SIGKILL);
		waitpid(c, NULL, __WALL);
		_exit(bad);
	}
	st = wait_for(u, 0);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unlink("/tmp/ptrace-xo");
	unlink("/tmp/ptrace-suid");
	end("a traced exec of a set-user-ID program runs without the privilege, also when the attach races it; an execute-only program is not attachable");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exit3"))
		return 3;
	if (argc > 1 && !strcmp(argv[1], "euid"))
		return geteuid() == 0 ? 1 : 2;
	if (argc > 1 && !strcmp(argv[1], "nap")) {
		sleep(2);
		return 0;
	}
	self = argv[0];
	if (self[0] != '/') {
		static char abs[256];
		char cwd[200];
		snprintf(abs, sizeof(abs), "%s/%s", getcwd(cwd, sizeof(cwd)) ? cwd : ".", self);
		self = abs;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, SIG_IGN);	/* a pipe to a tracee EXITKILL killed */
	alarm(150);	/* a tracee left stopped hangs a wait: fail instead */
	printf("# 16 sections\n");
	mini_strace();
	change_syscalls();
	peek_poke();
	regs();
	singlestep();
	tracefork();
	traceexec();
	signals();
	tracer_death(false);
	tracer_death(true);
	perms();
	kill_stopped();
	attach_stopped();
	threads();
	group_stop_and_exit();
	suid_exec();
	printf("# %d checks failed\n", failures);
	return check_done();
}
