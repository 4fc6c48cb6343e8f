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

#define MAX_FRAMES 32

static bool plausible_frame(u64 fp, u64 prev)
{
	if (fp & 7 || fp < 0xffff800000000000ULL || fp <= prev)
		return false;
	return fp - prev < (1ULL << 20) || !prev;
}

void arch_backtrace(u64 rbp)
{
	u64 prev = 0;

	for (int i = 0; i < MAX_FRAMES && plausible_frame(rbp, prev); i++) {
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

void arch_backtrace_here(void)
{
	emergency_printf("Backtrace:\n");
	arch_backtrace(read_rbp());
}

/* A task arch_switch put aside: its frame pointer is the first register
 * switch.S pushed, under the five others. */
void arch_backtrace_context(const struct arch_context *ctx)
{
	arch_backtrace(((const u64 *)ctx->rsp)[5]);
}
