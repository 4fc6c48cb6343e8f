/* What executables and programs see of the architecture. */
#ifndef ASM_ELF_H
#define ASM_ELF_H

#define ELF_ARCH_MACHINE 62		/* e_machine: EM_X86_64 */
#define ELF_ARCH_PLATFORM "x86_64"	/* AT_PLATFORM */
#define UTS_MACHINE "x86_64"		/* uname -m */

#endif
