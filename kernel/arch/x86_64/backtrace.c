/*
 * Frame-pointer backtraces (the kernel is built with
 * -fno-omit-frame-pointer). Each frame is checked to be aligned, in the
 * kernel half and above the previous one before it is read, so a corrupt
 * chain ends the walk instead of faulting inside the panic path.
 */
#include <alloy/arch.h>
#include <alloy/ksyms.h>
#include <alloy/panic.h>
#include <asm/cpu.h>
#include <asm/trap.h>

#define MAX_FRAMES 32

static bool plausible_frame(u64 fp, u64 prev)
{
	if (fp & 7 || fp < 0xffff800000000000ULL || fp <= prev)
		return false;
	return fp - prev < (1ULL << 20) || !prev;
}

/* Frames only inside [lo, hi) when hi is not 0. */
static void backtrace_within(u64 rbp, u64 lo, u64 hi)
{
	u64 prev = 0;

	for (int i = 0; i < MAX_FRAMES && plausible_frame(rbp, prev); i++) {
		if (hi && (rbp < lo || rbp + 16 > hi))
			break;
		u64 ret = ((u64 *)rbp)[1];
		const char *name;
		u64 off;

		if (!ret)
			break;
		if (ksyms_lookup(ret, &name, &off))
			emergency_printf("  %016llx %s+0x%llx\n", ret, name, off);
		else
			emergency_printf("  %016llx ?\n", ret);
		prev = rbp;
		rbp = ((u64 *)rbp)[0];
	}
}

void arch_backtrace(u64 rbp)
{
	backtrace_within(rbp, 0, 0);
}

void arch_backtrace_here(void)
{
	emergency_printf("Backtrace:\n");
	arch_backtrace(read_rbp());
}

/* A task arch_switch put aside, on the stack [lo, hi): its frame pointer
 * is the first register switch.S pushed, under the five others. Every
 * read stays inside the stack, which may be changing under us if the
 * task runs meanwhile (a diagnostic: it may print nonsense, not fault). */
void arch_backtrace_context(const struct arch_context *ctx, u64 lo, u64 hi)
{
	u64 sp = READ_ONCE(ctx->rsp);

	if (sp < lo || sp + 48 > hi)
		return;
	backtrace_within(((const u64 *)sp)[5], lo, hi);
}

/* The profiler's walk (interrupts off, any context): never faults, since
 * every frame read lies inside the interrupted task's own stack. */
int arch_stack_sample(const struct trap_frame *tf, u64 stack_lo, u64 stack_hi, u64 *pcs,
		      int max)
{
	int n = 0;
	u64 fp = tf->rbp, prev = (u64)tf;

	if (max <= 0)
		return 0;
	pcs[n++] = tf->rip;
	if (frame_from_user(tf))
		return n;
	while (n < max && plausible_frame(fp, prev) && fp >= stack_lo && fp + 16 <= stack_hi) {
		u64 ret = ((u64 *)fp)[1];

		if (!ret)
			break;
		pcs[n++] = ret;
		prev = fp;
		fp = ((u64 *)fp)[0];
	}
	return n;
}
