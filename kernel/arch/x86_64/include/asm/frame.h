/*
 * The general registers of struct trap_frame (asm/trap.h), pushed in the
 * order that makes r15 the lowest address. Shared by the interrupt and
 * syscall entries so the frame has one layout.
 */
#ifndef ASM_FRAME_H
#define ASM_FRAME_H

/* User segment selectors (GDT), and the vector a syscall frame carries. */
#define USER_CS 0x33	/* GDT_UCODE | 3 (asm/arch_cpu.h) */
#define USER_SS 0x2b	/* GDT_UDATA | 3 */
#define SYSCALL_VECTOR 0x100

#ifdef __ASSEMBLY__
.macro PUSH_GPRS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro POP_GPRS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm
#endif

#endif
