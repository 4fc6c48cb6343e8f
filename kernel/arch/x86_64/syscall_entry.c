/* From the syscall entry's frame to the generic table and back. */
#include <alloy/arch.h>
#include <alloy/cpu.h>
#include <alloy/errno.h>
#include <alloy/ptrace.h>
#include <alloy/signal.h>
#include <alloy/sched.h>
#include <alloy/seccomp.h>
#include <alloy/atomic.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/user.h>
#include <asm/irqflags.h>
#include <asm/trap.h>
#include <asm/uvm.h>


struct trap_frame *current_user_frame(void)
{
	return (struct trap_frame *)current_task()->kstack_top - 1;
}

/* Pending signals and syscall restarts, on every return to user mode. */
void user_return_work(struct trap_frame *tf)
{
	if (this_cpu()->need_resched)
		sched_preempt();	/* a task this call woke outranks us */
	if (!signal_pending() && !(tf->vector == 0x100 && (tf->rax == (u64)-ERESTARTSYS ||
							   tf->rax == (u64)-ERESTARTNOINTR)))
		return;
	arch_irq_enable();
	signal_deliver(tf);
	arch_irq_disable();
}

/* A traced syscall (PTRACE_SYSCALL): the tracer sees it enter, may change
 * its number (orig_rax, here `error`) and arguments or skip it (-1: rax is
 * returned as the tracer left it, -ENOSYS by default), then sees it exit. */
static void traced_syscall(struct trap_frame *tf)
{
	if (!ptrace_syscall_enter(tf) && frame_in_syscall(tf) && tf->error != ~0ULL)
		tf->rax = (u64)syscall_invoke(tf->error, tf->rdi, tf->rsi, tf->rdx, tf->r10,
					      tf->r8, tf->r9);
	if (ptrace_syscall_traced(&current_task()->ptrace))
		ptrace_syscall_exit(tf);
}

#define AUDIT_ARCH_X86_64 0xc000003eU

/* A thread in a seccomp mode: true if its syscall is to run. Strict:
 * read, write, exit and rt_sigreturn only; any other call ends the
 * thread as by SIGKILL (Linux's do_exit(SIGKILL)). Filters: they see
 * the number, the arguments and where the call returns to. */
static bool seccomp_check(struct trap_frame *tf, u8 mode)
{
	u64 nr = tf->rax;

	if (mode == SECCOMP_MODE_STRICT) {
		if (nr == 0 || nr == 1 || nr == 60 || nr == 15)
			return true;
		user_exit(SIGKILL);
	}
	struct seccomp_data sd = {
		.nr = (s32)nr, .arch = AUDIT_ARCH_X86_64, .instruction_pointer = tf->rip,
		.args = { tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9 },
	};
	long ret = (long)nr;
	if (seccomp_syscall(&sd, &ret))
		return true;
	tf->rax = (u64)ret;
	return false;
}

/* Interrupts off, on the way out: may SYSRET, cheaper than IRET (under
 * TCG too), return to this frame? Only if the frame is what it restores:
 * rcx and r11 hold rip and rflags, the selectors are the user ones, rip
 * is below the last user page (Intel's SYSRET to a non-canonical address
 * faults in ring 0, on the user's stack), and neither TF (SYSRET would
 * trap after the first instruction) nor RF (it cannot set it) is on:
 * Linux's rules. A signal frame, exec, ptrace and sigreturn change the
 * frame and leave through IRET. */
static bool sysret_ok(const struct trap_frame *tf)
{
	return tf->rcx == tf->rip && tf->r11 == tf->rflags &&
	       tf->cs == USER_CS && tf->ss == USER_SS &&
	       tf->rip < USER_TOP &&
	       !(tf->rflags & (X86_EFLAGS_TF | X86_EFLAGS_RF));
}

/* Returns true to leave by SYSRET (syscall.S). */
bool syscall_dispatch(struct trap_frame *tf)
{
	arch_irq_enable();	/* syscalls are preemptible */
	tf->error = tf->rax;	/* the number, for a restart */
	u8 seccomp = smp_load_acquire(&current_task()->seccomp_mode);
	if (unlikely(seccomp) && !seccomp_check(tf, seccomp))
		;	/* not run: rax is the filter's answer */
	else if (ptrace_syscall_traced(&current_task()->ptrace))
		traced_syscall(tf);
	else
		tf->rax = (u64)syscall_invoke(tf->rax, tf->rdi, tf->rsi, tf->rdx, tf->r10,
					      tf->r8, tf->r9);
	arch_irq_disable();
	user_return_work(tf);
	return sysret_ok(tf);
}
