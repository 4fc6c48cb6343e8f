/*
 * Host stand-in for kernel/arch/x86_64/include/asm/irqflags.h: a host
 * test is an ordinary process, so there are no interrupts to mask. The
 * spinlocks stay real ticket locks, so host tests may use threads.
 */
#ifndef ASM_IRQFLAGS_H
#define ASM_IRQFLAGS_H

#include <stdbool.h>

#define X86_EFLAGS_IF 0x200UL

static inline unsigned long arch_irq_save(void) { return X86_EFLAGS_IF; }
static inline void arch_irq_restore(unsigned long flags) { (void)flags; }
static inline bool arch_irqs_enabled(void) { return true; }
static inline void arch_irq_enable(void) { }
static inline void arch_irq_disable(void) { }

static inline void arch_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ volatile("" ::: "memory");
#endif
}

#endif
