/*
 * arch_switch(prev, next): save the callee-saved registers on the current
 * stack, store rsp in prev->rsp, load next->rsp and pop next's registers.
 * A new task's stack is prepared by arch_context_init() so that the first
 * switch "returns" into task_trampoline with entry and arg in r12/r13.
 */
	.text
	.globl arch_switch
arch_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq (%rsi), %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.globl task_trampoline
task_trampoline:
	xorl %ebp, %ebp			/* ends the backtrace here */
	movq %r13, %rdi
	movq %r12, %rsi
	call task_first_run		/* (arg, entry): finishes the switch */
	ud2
