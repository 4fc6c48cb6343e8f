/*
 * The syscall instruction's entry. The CPU has put the user RIP in rcx and
 * RFLAGS in r11 and masked IF/DF/TF/AC (MSR_FMASK). We switch to this
 * task's kernel stack (gs:16), build the same struct trap_frame as the
 * interrupt path (vector SYSCALL_VECTOR) and call syscall_dispatch(frame).
 * It says how to leave: with sysretq when the frame is what SYSRET
 * restores (syscall_entry.c: sysret_ok), else through trap_return with
 * iretq, which restores every register the handler may have changed
 * (a signal frame, exec, ptrace). rax holds the result either way.
 */
#include <asm/frame.h>

	.text
	.globl entry_syscall
entry_syscall:
	swapgs
	movq %rsp, %gs:24		/* user rsp, until it is on the stack */
	movq %gs:16, %rsp
	pushq $USER_SS
	pushq %gs:24
	pushq %r11
	pushq $USER_CS
	pushq %rcx
	pushq $0			/* error */
	pushq $SYSCALL_VECTOR
	PUSH_GPRS
	cld
	movq %rsp, %rdi
	call syscall_dispatch
	cli				/* no interrupt between swapgs and the return */
	testb %al, %al			/* a bool: only al is defined */
	jz trap_return
	POP_GPRS			/* rcx and r11 are rip and rflags here */
	addq $16, %rsp			/* vector and error code */
	movq 24(%rsp), %rsp		/* the user stack: rip, cs, rflags above it */
	swapgs
	sysretq

/* arch_enter_user(rip, rsp): a fresh user frame, out through trap_return. */
	.globl arch_return_to_user
/* arch_return_to_user(frame): a complete user frame, e.g. a fork child's. */
arch_return_to_user:
	cli
	movq %rdi, %rsp
	jmp trap_return

	.globl arch_enter_user
arch_enter_user:
	cli
	pushq $USER_SS
	pushq %rsi
	pushq $0x202			/* IF */
	pushq $USER_CS
	pushq %rdi
	pushq $0
	pushq $0
	.rept 15
	pushq $0
	.endr
	jmp trap_return
