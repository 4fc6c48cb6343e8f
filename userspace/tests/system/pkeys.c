#define _GNU_SOURCE
/*
 * pkeys: memory protection keys as Linux has them on x86 with PKU.
 *  - CPUID says PKU and OSPKE (CR4.PKE on); a new program starts with
 *    PKRU 0x55555554 (every key but 0 access-disabled);
 *  - pkey_alloc: keys 1..15, each once, then ENOSPC; bad flags or rights
 *    (PKEY_DISABLE_EXECUTE too: not on x86) EINVAL; it sets the caller's
 *    PKRU bits for the key; pkey_free of an unallocated key EINVAL;
 *  - pkey_mprotect: an unallocated or out-of-range key EINVAL, -1 is
 *    mprotect; plain mprotect keeps each VMA's key (/proc/self/smaps
 *    "ProtectionKey:"), across a range of VMAs with different keys;
 *  - a denied access is SIGSEGV with SEGV_PKUERR, si_pkey and si_addr,
 *    read and write, on a page touched before and on one never touched;
 *    the handler runs with the default PKRU and sigreturn restores the
 *    interrupted one; a signal comes through while the thread denies
 *    itself writes to its stack's key (the frame is written with every
 *    key open, as Linux 6.12);
 *  - the kernel's own accesses obey the caller's PKRU: read() into a
 *    write-disabled buffer and write() from an access-disabled one are
 *    EFAULT (no fault loop), write() from a write-disabled one works;
 *  - fork keeps the keys and PKRU; exec starts over (default PKRU, no
 *    key but 0 allocated);
 *  - pkey_free of a key still on a VMA succeeds (as Linux): the VMA keeps
 *    the key and PKRU still governs it; the key can be allocated again.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_NAME "pkeys"
#include "check.h"

#define PG 4096UL
#define PKRU_DEFAULT 0x55555554u
#define AD 1u	/* PKEY_DISABLE_ACCESS */
#define WD 2u	/* PKEY_DISABLE_WRITE */

static long pkey_alloc_(unsigned long flags, unsigned long rights)
{
	return syscall(330, flags, rights);
}

static long pkey_free_(long k)
{
	return syscall(331, k);
}

static long pkey_mprotect_(void *a, size_t len, int prot, long k)
{
	return syscall(329, a, len, prot, k);
}

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
	return (c & (1u << 3)) && (c & (1u << 4));	/* PKU, OSPKE */
}

/* The ProtectionKey: line of the smaps entry starting at addr, -1 if none. */
static int smaps_pkey(void *addr)
{
	char line[256], want[32];
	int key = -1, in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -2;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		/* a mapping's header starts with its address in lower-case
		 * hex; its fields with a capitalised name */
		if ((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f'))
			in = !strncmp(line, want, strlen(want));
		else if (in && !strncmp(line, "ProtectionKey:", 14))
			key = atoi(line + 14);
	}
	fclose(f);
	return key;
}

static sigjmp_buf env;
static volatile int got_sig, got_code, got_pkey;
static volatile void *got_addr;
static volatile unsigned handler_pkru;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_pkey = (int)si->si_pkey;
	got_addr = si->si_addr;
	handler_pkru = rdpkru();
	siglongjmp(env, 1);
}

/* Touches p (write or read) under PKRU pkru: 0 if it went through, else
 * the signal; PKRU is back to what it was after. */
static int touch(volatile char *p, int write, unsigned pkru)
{
	unsigned was = rdpkru();
	got_sig = got_code = got_pkey = 0;
	got_addr = NULL;
	if (sigsetjmp(env, 1) == 0) {
		wrpkru(pkru);
		if (write)
			*p = 'x';
		else
			(void)*p;
		wrpkru(was);
		return 0;
	}
	wrpkru(was);	/* siglongjmp left the handler's (default) PKRU */
	return got_sig;
}

static volatile unsigned usr1_pkru;
static void on_usr1(int sig)
{
	(void)sig;
	usr1_pkru = rdpkru();
	wrpkru(0xffffffcu);	/* the handler's own change: undone by sigreturn */
}

/* tgkill(self, SIGUSR2) with PKRU pkru live, back to `back` after: no
 * stack access in between (key 0, the stack's, may be denied). */
static long tgkill_under(unsigned pkru, unsigned back, int tgid, int tid, int sig)
{
	long ret;
	__asm__ volatile(
		"mov %1, %%eax\n\t"
		"xor %%ecx, %%ecx\n\t"
		"xor %%edx, %%edx\n\t"
		".byte 0x0f,0x01,0xef\n\t"
		"mov $234, %%eax\n\t"
		"mov %3, %%edi\n\t"
		"mov %4, %%esi\n\t"
		"mov %5, %%edx\n\t"
		"syscall\n\t"
		"mov %%rax, %0\n\t"
		"mov %2, %%eax\n\t"
		"xor %%ecx, %%ecx\n\t"
		"xor %%edx, %%edx\n\t"
		".byte 0x0f,0x01,0xef\n\t"
		: "=&r"(ret)
		: "r"(pkru), "r"(back), "r"(tgid), "r"(tid), "r"(sig)
		: "rax", "rcx", "rdx", "rdi", "rsi", "r11", "memory");
	return ret;
}

static volatile int usr2_seen;
static volatile unsigned usr2_pkru;
static void on_usr2(int sig)
{
	(void)sig;
	usr2_seen = 1;
	usr2_pkru = rdpkru();
}

static unsigned bits(int k, unsigned r)
{
	return r << (2 * k);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec-child")) {
		/* a new program: default PKRU, only key 0 allocated */
		CHECK(rdpkru() == PKRU_DEFAULT);
		CHECK(pkey_free_(atoi(argv[2])) == -1 && errno == EINVAL);
		CHECK(pkey_alloc_(0, 0) == 1);
		return check_done();
	}

	CHECK(have_pku());
	if (!have_pku())
		return check_done();
	CHECK(rdpkru() == PKRU_DEFAULT);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);

	/* bad arguments */
	errno = 0;
	CHECK(pkey_alloc_(1, 0) == -1 && errno == EINVAL);
	CHECK(pkey_alloc_(0, 4) == -1 && errno == EINVAL);	/* PKEY_DISABLE_EXECUTE */
	CHECK(pkey_alloc_(0, 8) == -1 && errno == EINVAL);
	CHECK(pkey_free_(-1) == -1 && errno == EINVAL);
	CHECK(pkey_free_(16) == -1 && errno == EINVAL);
	CHECK(pkey_free_(5) == -1 && errno == EINVAL);

	/* 15 keys, then ENOSPC; each sets the caller's bits as asked */
	int keys[16], seen = 0;
	wrpkru(0);
	for (int i = 0; i < 15; i++) {
		unsigned r = i % 3;	/* 0, AD, WD */
		keys[i] = (int)pkey_alloc_(0, r);
		CHECK(keys[i] >= 1 && keys[i] <= 15);
		if (keys[i] < 1 || keys[i] > 15)
			return check_done();
		CHECK(!(seen & (1 << keys[i])));
		seen |= 1 << keys[i];
		CHECK(((rdpkru() >> (2 * keys[i])) & 3) == r);
	}
	errno = 0;
	CHECK(pkey_alloc_(0, 0) == -1 && errno == ENOSPC);
	for (int i = 0; i < 15; i++)
		CHECK(pkey_free_(keys[i]) == 0);
	CHECK(pkey_free_(keys[0]) == -1 && errno == EINVAL);
	wrpkru(PKRU_DEFAULT);

	/* pkey_mprotect's checks */
	char *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED);
	memset(a, 1, 2 * PG);		/* pages 2 and 3 stay untouched */
	CHECK(pkey_mprotect_(a, PG, PROT_READ, 3) == -1 && errno == EINVAL);	/* not allocated */
	CHECK(pkey_mprotect_(a, PG, PROT_READ, 16) == -1 && errno == EINVAL);
	CHECK(pkey_mprotect_(a, PG, PROT_READ, -2) == -1 && errno == EINVAL);
	CHECK(pkey_mprotect_(a, 4 * PG, PROT_READ | PROT_WRITE, -1) == 0);
	CHECK(pkey_mprotect_(a, 4 * PG, PROT_READ | PROT_WRITE, 0) == 0);

	int kad = (int)pkey_alloc_(0, AD), kwd = (int)pkey_alloc_(0, WD);
	CHECK(kad >= 1 && kwd >= 1 && kad != kwd);
	CHECK(((rdpkru() >> (2 * kad)) & 3) == AD && ((rdpkru() >> (2 * kwd)) & 3) == WD);
	/* [a, a+PG) and [a+2PG, a+3PG): kad; [a+PG, a+2PG) and [a+3PG, a+4PG): kwd */
	CHECK(pkey_mprotect_(a, PG, PROT_READ | PROT_WRITE, kad) == 0);
	CHECK(pkey_mprotect_(a + 2 * PG, PG, PROT_READ | PROT_WRITE, kad) == 0);
	CHECK(pkey_mprotect_(a + PG, PG, PROT_READ | PROT_WRITE, kwd) == 0);
	CHECK(pkey_mprotect_(a + 3 * PG, PG, PROT_READ | PROT_WRITE, kwd) == 0);
	CHECK(smaps_pkey(a) == kad && smaps_pkey(a + PG) == kwd);
	unsigned cur = rdpkru();

	/* access-disabled: read and write fault, touched page and fresh one */
	CHECK(touch(a, 0, cur) == SIGSEGV && got_code == 4 && got_pkey == kad &&
	      got_addr == a);
	CHECK(handler_pkru == PKRU_DEFAULT);
	CHECK(touch(a + 2 * PG + 8, 0, cur) == SIGSEGV && got_code == 4 && got_pkey == kad &&
	      got_addr == a + 2 * PG + 8);
	CHECK(touch(a, 1, cur) == SIGSEGV && got_code == 4 && got_pkey == kad);
	/* write-disabled: reads work, writes fault */
	CHECK(touch(a + PG, 0, cur) == 0);
	CHECK(touch(a + PG, 1, cur) == SIGSEGV && got_code == 4 && got_pkey == kwd &&
	      got_addr == a + PG);
	CHECK(touch(a + 3 * PG, 1, cur) == SIGSEGV && got_code == 4 && got_pkey == kwd);
	/* PKRU is the program's: allowing the key lets it through */
	CHECK(touch(a, 1, cur & ~bits(kad, 3)) == 0);
	CHECK(touch(a + PG, 1, cur & ~bits(kwd, 3)) == 0);
	CHECK(rdpkru() == cur);

	/* the kernel's accesses obey PKRU */
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "abcdefgh", 8) == 8);
	errno = 0;
	CHECK(read(p[0], a + PG, 4) == -1 && errno == EFAULT);	/* write-disabled */
	CHECK(read(p[0], a + 3 * PG, 4) == -1 && errno == EFAULT);
	CHECK(read(p[0], a + 2 * PG, 4) == -1 && errno == EFAULT);	/* access-disabled */
	errno = 0;
	CHECK(write(p[1], a, 4) == -1 && errno == EFAULT);	/* access-disabled */
	CHECK(write(p[1], a + 2 * PG + 16, 4) == -1 && errno == EFAULT);
	CHECK(write(p[1], a + PG, 4) == 4);			/* write-disabled: readable */
	wrpkru(cur & ~bits(kwd, 3));
	char buf[16];
	CHECK(read(p[0], a + PG, 12) == 12);	/* allowed now */
	wrpkru(cur);
	(void)buf;

	/* plain mprotect keeps the key, each VMA's own across the range */
	CHECK(mprotect(a, 4 * PG, PROT_READ) == 0);
	CHECK(smaps_pkey(a) == kad && smaps_pkey(a + PG) == kwd &&
	      smaps_pkey(a + 2 * PG) == kad && smaps_pkey(a + 3 * PG) == kwd);
	CHECK(touch(a, 0, cur) == SIGSEGV && got_code == 4 && got_pkey == kad);
	CHECK(touch(a + PG, 0, cur) == 0);
	CHECK(mprotect(a, 4 * PG, PROT_NONE) == 0);
	CHECK(mprotect(a, 4 * PG, PROT_READ | PROT_WRITE) == 0);
	CHECK(smaps_pkey(a) == kad && smaps_pkey(a + 3 * PG) == kwd);
	CHECK(touch(a + 3 * PG, 1, cur) == SIGSEGV && got_code == 4 && got_pkey == kwd);
	/* an ordinary protection fault stays SEGV_ACCERR */
	CHECK(mprotect(a + PG, PG, PROT_READ) == 0);
	CHECK(touch(a + PG, 1, 0) == SIGSEGV && got_code == SEGV_ACCERR);
	CHECK(mprotect(a + PG, PG, PROT_READ | PROT_WRITE) == 0);

	/* the handler runs with the default PKRU; sigreturn restores ours */
	signal(SIGUSR1, on_usr1);
	wrpkru(0x0000000cu);
	raise(SIGUSR1);
	CHECK(usr1_pkru == PKRU_DEFAULT);
	CHECK(rdpkru() == 0x0000000cu);
	wrpkru(cur);

	/* a signal while the thread denies itself writes to key 0 (its
	 * stack's): the frame is still written (every key open for it), the
	 * handler runs with the default rights, sigreturn puts back the
	 * denial (in a child: a kernel that cannot write the frame kills) */
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGUSR2, on_usr2);
		long r = tgkill_under(bits(0, 2), 0, getpid(), (int)syscall(SYS_gettid), SIGUSR2);
		_exit(r == 0 && usr2_seen && usr2_pkru == PKRU_DEFAULT ? 0 : 5);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* fork: the child has the keys and PKRU */
	pid = fork();
	if (pid == 0) {
		if (rdpkru() != cur)
			_exit(2);
		if (pkey_free_(kwd) != 0)	/* allocated in the child too */
			_exit(3);
		signal(SIGSEGV, SIG_DFL);
		(void)*(volatile char *)a;	/* access-disabled: dies */
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	CHECK(smaps_pkey(a + PG) == kwd);
	int k3 = (int)pkey_alloc_(0, 0);	/* the parent's kwd was not freed */
	CHECK(k3 != kwd && k3 != kad && k3 > 0);
	CHECK(pkey_free_(k3) == 0);

	/* exec: a fresh start, whatever the caller's PKRU was */
	pid = fork();
	if (pid == 0) {
		char karg[8];
		snprintf(karg, sizeof(karg), "%d", kad);
		wrpkru(0);
		execl("/proc/self/exe", "pkeys", "exec-child", karg, (char *)NULL);
		_exit(4);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* pkey_free of a key still on VMAs: allowed, the VMA keeps it */
	CHECK(pkey_free_(kad) == 0);
	CHECK(smaps_pkey(a) == kad);
	CHECK(touch(a, 0, rdpkru()) == SIGSEGV && got_code == 4 && got_pkey == kad);
	CHECK(pkey_mprotect_(a, PG, PROT_READ, kad) == -1 && errno == EINVAL);
	int again = (int)pkey_alloc_(0, 0);
	CHECK(again == kad);	/* the lowest free one */
	CHECK(touch(a, 0, rdpkru()) == 0);	/* its rights are now "allow" */
	CHECK(pkey_free_(again) == 0 && pkey_free_(kwd) == 0);
	CHECK(munmap(a, 4 * PG) == 0);
	return check_done();
}
