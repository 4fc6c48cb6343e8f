/*
 * Raw user copies. A fault on any load or store of the copy resumes at
 * the fixup (the exception table), which returns -EFAULT (-14) instead of
 * oopsing. With SMAP on, stac/clac open user memory for exactly this copy.
 *
 * The copy is a loop of 8-byte moves, 32 bytes a turn, not `rep movsb`:
 * under QEMU's TCG a rep string instruction costs a translated-block
 * round trip per byte (the same reason as memcpy in kernel/lib/string.c).
 *
 * long arch_copy_user(void *dst, const void *src, size_t n, int smap)
 */
	.text
	.globl arch_copy_user
arch_copy_user:
	movl %ecx, %r8d			/* smap: needed again after the copy */
	testl %r8d, %r8d
	jz 1f
	stac
1:	cmpq $32, %rdx
	jb 3f
2:
10:	movq (%rsi), %rax
11:	movq 8(%rsi), %rcx
12:	movq 16(%rsi), %r9
13:	movq 24(%rsi), %r10
14:	movq %rax, (%rdi)
15:	movq %rcx, 8(%rdi)
16:	movq %r9, 16(%rdi)
17:	movq %r10, 24(%rdi)
	addq $32, %rsi
	addq $32, %rdi
	subq $32, %rdx
	cmpq $32, %rdx
	jae 2b
3:	cmpq $8, %rdx
	jb 4f
18:	movq (%rsi), %rax
19:	movq %rax, (%rdi)
	addq $8, %rsi
	addq $8, %rdi
	subq $8, %rdx
	jmp 3b
4:	cmpq $4, %rdx			/* a 12-byte epoll_event: 8, 4, no bytes */
	jb 5f
22:	movl (%rsi), %eax
23:	movl %eax, (%rdi)
	addq $4, %rsi
	addq $4, %rdi
	subq $4, %rdx
5:	testq %rdx, %rdx
	jz 6f
20:	movb (%rsi), %al
21:	movb %al, (%rdi)
	incq %rsi
	incq %rdi
	decq %rdx
	jmp 5b
6:	xorl %eax, %eax
7:	testl %r8d, %r8d
	jz 8f
	clac
8:	ret
9:	movq $-14, %rax			/* the fault: -EFAULT */
	jmp 7b

	.section .extable, "a"
	.balign 8
	.quad 10b, 9b
	.quad 11b, 9b
	.quad 12b, 9b
	.quad 13b, 9b
	.quad 14b, 9b
	.quad 15b, 9b
	.quad 16b, 9b
	.quad 17b, 9b
	.quad 18b, 9b
	.quad 19b, 9b
	.quad 20b, 9b
	.quad 21b, 9b
	.quad 22b, 9b
	.quad 23b, 9b
