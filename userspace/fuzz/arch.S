/*
 * Raw entry points the fuzzer needs without a C stack frame:
 *
 *   long forky_syscall(long nr, long a0, ..., long a5)
 *     a system call that may create a child (fork, vfork, clone, clone3):
 *     the child, whatever stack and memory it got, runs no C code and
 *     makes no memory access at all: it calls exit(0) at once.
 *
 *   long thread_clone(unsigned long flags, void *stack)
 *     clone(flags, stack) for the fuzzer's own threads; `stack` holds the
 *     function to call and its argument (two words); the thread exits
 *     with exit(0) when the function returns.
 *
 *   void fuzz_restorer(void)
 *     sa_restorer for the handlers the fuzzer installs: rt_sigreturn.
 */
	.text
	.globl forky_syscall
	.type forky_syscall, @function
forky_syscall:
	mov %rdi, %rax
	mov %rsi, %rdi
	mov %rdx, %rsi
	mov %rcx, %rdx
	mov %r8, %r10
	mov %r9, %r8
	mov 8(%rsp), %r9
	syscall
	test %rax, %rax
	jnz 1f
	mov $60, %eax
	xor %edi, %edi
	syscall
	ud2
1:	ret
	.size forky_syscall, .-forky_syscall

	.globl thread_clone
	.type thread_clone, @function
thread_clone:
	mov $56, %eax
	xor %edx, %edx
	xor %r10, %r10
	xor %r8, %r8
	syscall
	test %rax, %rax
	jnz 1f
	pop %rax
	pop %rdi
	and $-16, %rsp
	call *%rax
	mov $60, %eax
	xor %edi, %edi
	syscall
	ud2
1:	ret
	.size thread_clone, .-thread_clone

	.globl fuzz_restorer
	.type fuzz_restorer, @function
fuzz_restorer:
	mov $15, %eax
	syscall
	ud2
	.size fuzz_restorer, .-fuzz_restorer

	.section .note.GNU-stack,"",@progbits
