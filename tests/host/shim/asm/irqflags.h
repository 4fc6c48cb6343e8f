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

/*
 * Ticket locks hand over in FIFO order: with more threads than CPUs a
 * waiter must give its CPU away, or the next in line may never run.
 * (host_kernel.c; <sched.h> is not included here because the kernel's
 * own sched_yield() has another type.)
 */
void host_cpu_relax(void);
static inline void arch_cpu_relax(void) { host_cpu_relax(); }

#endif
