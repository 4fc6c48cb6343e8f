/* The register frame every interrupt and exception entry builds. */
#ifndef ASM_TRAP_H
#define ASM_TRAP_H

#include <alloy/types.h>

struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

/* Vector assignments. */
#define VEC_PAGE_FAULT 14
#define VEC_IRQ_BASE 32		/* IOAPIC-routed device IRQs: 32..47 */
#define VEC_MSI_BASE 48		/* MSI/MSI-X vectors: 48..VEC_MSI_END-1 */
#define VEC_MSI_END 0xf0
#define VEC_TIMER 0xf0
#define VEC_RESCHED 0xf1
#define VEC_TLB 0xf2
#define VEC_SPURIOUS 0xff

typedef void (*irq_handler_t)(struct trap_frame *tf);
void irq_register(u8 vector, irq_handler_t fn);

/* Exception fixup: a faulting instruction at `insn` resumes at `fixup`. */
struct extable_entry {
	u64 insn;
	u64 fixup;
};

void dump_frame(const struct trap_frame *tf);

/* The user frame at the top of current's kernel stack (syscall context). */
struct trap_frame *current_user_frame(void);
/* Signals and restarts before returning to user mode (IRQs off). */
void user_return_work(struct trap_frame *tf);
/* Leaves for user mode through a complete frame (a fork child). */
__attribute__((noreturn)) void arch_return_to_user(struct trap_frame *tf);

#endif
