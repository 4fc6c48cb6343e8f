/*
 * Syscall dispatch: the architecture's table (arch_syscall_table, in its
 * own numbering) gives the function. Anything not there returns -ENOSYS
 * and is noted once in the kernel log (docs/syscalls.md has the status).
 */
#include <alloy/compiler.h>
#include <alloy/cmdline.h>
#include <alloy/errno.h>
#include <alloy/process.h>
#include <alloy/printk.h>
#include <alloy/syscall.h>

static u64 logged[ARCH_NR_SYSCALLS / 64];

static void log_missing(u64 nr)
{
	u64 bit = 1ULL << (nr % 64);

	/* The kernel log (dmesg), not the console unless loglevel=7 or
	 * debug: programs probe for syscalls all the time (rseq). */
	if (nr >= ARCH_NR_SYSCALLS) {
		printk_ratelimited(LOG_DEBUG, "syscall %llu: no such syscall\n", nr);
		return;
	}
	if (__atomic_fetch_or(&logged[nr / 64], bit, __ATOMIC_RELAXED) & bit)
		return;
	pr_debug("syscall %llu (%s) not implemented: -ENOSYS\n", nr, syscall_name(nr));
}

/* strace=1 on the command line: every syscall and its result, to the log. */
static int trace = -1;

long syscall_invoke(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	long rc;

	if (unlikely(trace < 0))
		trace = cmdline_has("strace");
	if (nr < ARCH_NR_SYSCALLS && arch_syscall_table[nr]) {
		if (unlikely(trace))
			pr_info("[%d] %s(%#llx, %#llx, %#llx, %#llx) ...\n", current_proc()->pid,
				syscall_name(nr), a0, a1, a2, a3);
		rc = arch_syscall_table[nr](a0, a1, a2, a3, a4, a5);
		if (unlikely(trace))
			pr_info("[%d] %s = %ld\n", current_proc()->pid, syscall_name(nr), rc);
		return rc;
	}
	log_missing(nr);
	return -ENOSYS;
}
