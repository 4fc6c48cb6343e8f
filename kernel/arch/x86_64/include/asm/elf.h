/* What executables and programs see of the architecture. */
#ifndef ASM_ELF_H
#define ASM_ELF_H

#define ELF_ARCH_MACHINE 62		/* e_machine: EM_X86_64 */
/*
 * Lowest address a fixed-address (ET_EXEC) program may load at: the first
 * 64 KiB stay unmapped so that a NULL pointer plus an offset faults
 * (Linux's default mmap_min_addr). With USER_TOP (asm/uvm.h) it makes the
 * target exec hands the ELF parser (ffi/elf.h, struct elf_target).
 */
#define ELF_ARCH_USER_MIN 0x10000ULL
#define ELF_ARCH_PLATFORM "x86_64"	/* AT_PLATFORM */
#define UTS_MACHINE "x86_64"		/* uname -m */

#endif
