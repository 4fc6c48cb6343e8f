/*
 * Interrupt and exception entry. Each vector has a stub that makes the
 * stack uniform (a zero error code where the CPU pushes none, then the
 * vector number) and jumps to trap_common, which saves the registers as a
 * struct trap_frame and calls trap_dispatch(frame).
 *
 * GS: in kernel mode the GS base is always this CPU's struct cpu; an entry
 * from user mode (CPL 3 in the saved CS) swaps it in with swapgs.
 */
#include <asm/frame.h>

	.text

.macro VECTOR n
	.align 16
vector_\n:
.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	/* the CPU pushed an error code */
.else
	pushq $0
.endif
	pushq $\n
	jmp trap_common
.endm

	.globl vector_table_start
vector_table_start:
	.altmacro
.set i, 0
.rept 256
	VECTOR %i
.set i, i + 1
.endr

	.noaltmacro
trap_common:
	testb $3, 24(%rsp)		/* saved CS above vector, error, rip */
	jz 1f
	swapgs
	pushfq				/* user code may have set AC: SMAP stays on */
	andq $~0x40000, (%rsp)
	popfq
1:	PUSH_GPRS
	cld
	movq %rsp, %rdi
	/* rbp is left alone: backtraces continue into the interrupted code */
	call trap_dispatch
	.globl trap_return
trap_return:
	POP_GPRS
	testb $3, 24(%rsp)
	jz 2f
	swapgs
2:	addq $16, %rsp			/* vector and error code */
	iretq

/* The stub address of vector n is vector_table_start + 16 * n. */
	.section .rodata
	.globl vector_stub_size
vector_stub_size:
	.quad 16
