/*
 * AP start-up code. smp.c copies [trampoline_start, trampoline_end) to
 * physical TRAMPOLINE_BASE and fills in the variables at its end; the
 * Startup IPI then starts the AP in real mode at TRAMPOLINE_BASE. It walks
 * real -> protected -> long mode on the kernel's page tables (the identity
 * map still covers this page) and jumps to ap_entry(arg) on its stack.
 */
#define TRAMPOLINE_BASE 0x8000
#define T(x) (TRAMPOLINE_BASE + (x) - trampoline_start)

	.section .rodata
	.code16
	.globl trampoline_start, trampoline_end
	.globl tramp_cr3, tramp_stack, tramp_entry, tramp_arg
trampoline_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl T(tramp_gdt_ptr)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $T(tramp_pm)

	.code32
tramp_pm:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $((1 << 5) | (1 << 7)), %eax	/* PAE, PGE */
	movl %eax, %cr4
	movl T(tramp_cr3), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $((1 << 8) | (1 << 11)), %eax	/* LME, NXE */
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16)), %eax	/* PG, WP */
	movl %eax, %cr0
	ljmpl $0x18, $T(tramp_lm)

	.code64
tramp_lm:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movq T(tramp_stack), %rsp
	movq T(tramp_arg), %rdi
	xorl %ebp, %ebp
	movq T(tramp_entry), %rax
	call *%rax			/* the ABI's alignment at function entry */

	.align 16
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff		/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
	.quad 0x00af9a000000ffff		/* 0x18: 64-bit code */
tramp_gdt_end:
tramp_gdt_ptr:
	.word tramp_gdt_end - tramp_gdt - 1
	.long T(tramp_gdt)
	.align 8
tramp_cr3:	.quad 0
tramp_stack:	.quad 0
tramp_entry:	.quad 0
tramp_arg:	.quad 0
trampoline_end:
