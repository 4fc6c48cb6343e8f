/*
 * Raw user copies. A fault on the copying instruction resumes at its
 * fixup (the exception table), which returns -EFAULT (-14) instead of
 * oopsing. With SMAP on, stac/clac open user memory for exactly this copy.
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
1:	movq %rdx, %rcx
2:	rep movsb
	xorl %eax, %eax
3:	testl %r8d, %r8d
	jz 4f
	clac
4:	ret
5:	movq $-14, %rax			/* the fault: -EFAULT */
	jmp 3b

	.section .extable, "a"
	.balign 8
	.quad 2b, 5b
