/* Size of x86-64's syscall table (kernel/arch/x86_64/syscall_table.c):
 * Linux's x86-64 numbers end below 512 (the x32 range starts at 512). */
#ifndef ASM_SYSCALL_NR_H
#define ASM_SYSCALL_NR_H

#define ARCH_NR_SYSCALLS 512

#endif
