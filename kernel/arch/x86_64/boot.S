/*
 * Multiboot v1 entry. QEMU's -kernel loads the flat image at 1 MiB (a.out
 * kludge: the header gives the load addresses, since QEMU refuses 64-bit
 * ELF) and jumps to _start32 in 32-bit protected mode without paging.
 *
 * We build boot page tables that map the first 4 GiB three times:
 * identity (for the jump into long mode and the AP trampoline), at the
 * direct map base, and 1 GiB at KERNEL_VMA; then enter long mode and call
 * kmain(magic, info_phys) on the boot stack, in the higher half.
 */
#define KERNEL_VMA 0xffffffff80000000
#define V2P(x) ((x) - KERNEL_VMA)

#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00010003	/* page-align modules, memory map, a.out kludge */

	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long V2P(mb_header)
	.long V2P(_kernel_start)
	.long V2P(_load_end)
	.long V2P(_bss_end)
	.long V2P(_start32)

	.section .text.boot, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	movl %eax, %ebp			/* multiboot magic */
	movl %ebx, %esi			/* multiboot info (physical) */

	/* zero .bss: the boot page tables and stack live there */
	movl $V2P(_bss_start), %edi
	movl $V2P(_bss_end), %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	movl %esi, V2P(boot_mb_info)
	movl %ebp, V2P(boot_mb_magic)
	movl $V2P(boot_stack_top), %esp
	call check_long_mode

	/* PML4: [0] identity, [256] direct map, [511] kernel */
	movl $V2P(boot_pdpt_low), %eax
	orl $0x3, %eax
	movl %eax, V2P(boot_pml4)
	movl %eax, V2P(boot_pml4) + 256 * 8
	movl $V2P(boot_pdpt_high), %eax
	orl $0x3, %eax
	movl %eax, V2P(boot_pml4) + 511 * 8

	/* PDPT low: four page directories covering 0..4 GiB */
	movl $V2P(boot_pd), %eax
	orl $0x3, %eax
	xorl %ecx, %ecx
1:	movl %eax, V2P(boot_pdpt_low)(,%ecx,8)
	addl $4096, %eax
	incl %ecx
	cmpl $4, %ecx
	jne 1b
	/* PDPT high: entry 510 (0xffffffff80000000) -> first directory */
	movl $V2P(boot_pd), %eax
	orl $0x3, %eax
	movl %eax, V2P(boot_pdpt_high) + 510 * 8

	/* 2048 2 MiB pages: present, writable, large */
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax
	movl %eax, V2P(boot_pd)(,%ecx,8)
	movl %ecx, %eax
	shrl $11, %eax			/* high dword: bits 32+ of the address */
	movl %eax, V2P(boot_pd) + 4(,%ecx,8)
	incl %ecx
	cmpl $2048, %ecx
	jne 2b

	/* PAE + PGE, CR3, EFER.LME|NXE, then paging (with WP) */
	movl %cr4, %eax
	orl $((1 << 5) | (1 << 7)), %eax
	movl %eax, %cr4
	movl $V2P(boot_pml4), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $((1 << 8) | (1 << 11)), %eax
	wrmsr
	movl %cr0, %eax
	orl $((1 << 31) | (1 << 16) | 1), %eax
	movl %eax, %cr0

	lgdt V2P(boot_gdt_ptr)
	ljmp $0x08, $V2P(start64_low)

/* Halts with a message on the serial port if this CPU has no long mode. */
check_long_mode:
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 29), %edx		/* LM */
	jz no_long_mode
	testl $(1 << 20), %edx		/* NX */
	jz no_long_mode
	ret
no_long_mode:
	movl $V2P(no_lm_msg), %esi
3:	lodsb
	testb %al, %al
	jz 4f
	movw $0x3f8, %dx
	outb %al, %dx
	jmp 3b
4:	hlt
	jmp 4b

	.code64
start64_low:
	movabsq $start64_high, %rax
	jmp *%rax

	.text
start64_high:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movabsq $boot_gdt_ptr64, %rax
	lgdt (%rax)
	movabsq $boot_mb_magic, %rax
	movl (%rax), %edi
	movabsq $boot_mb_info, %rax
	movl (%rax), %esi
	call kmain
5:	cli
	hlt
	jmp 5b

	.section .rodata
no_lm_msg:
	.asciz "Alloy: this CPU has no 64-bit long mode or NX; cannot boot\r\n"

	.align 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long V2P(boot_gdt)
	.align 8
boot_gdt_ptr64:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.bss
	.align 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4096 * 4
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip 16384
boot_stack_top:
boot_mb_info:	.long 0
boot_mb_magic:	.long 0
