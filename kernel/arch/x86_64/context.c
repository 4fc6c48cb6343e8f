/* Initial stack frame of a new task, matching arch_switch's pops. */
#include <alloy/arch.h>

extern void task_trampoline(void);

void arch_context_init(struct arch_context *ctx, void *stack_top,
		       void (*entry)(void *), void *arg)
{
	/* 7 slots: r15 r14 r13 r12 rbx rbp ret; rsp 16-aligned after ret */
	u64 *sp = (u64 *)((u64)stack_top - 72);

	sp[0] = 0;			/* r15 */
	sp[1] = 0;			/* r14 */
	sp[2] = (u64)arg;		/* r13 */
	sp[3] = (u64)entry;		/* r12 */
	sp[4] = 0;			/* rbx */
	sp[5] = 0;			/* rbp */
	sp[6] = (u64)task_trampoline;
	ctx->rsp = (u64)sp;
}
