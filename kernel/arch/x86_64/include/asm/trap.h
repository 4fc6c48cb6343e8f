/* The register frame every interrupt and exception entry builds. */
#ifndef ASM_TRAP_H
#define ASM_TRAP_H

#include <alloy/types.h>
#include <asm/frame.h>
#include <asm/irqflags.h>

struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

/*
 * What generic code may ask of and do to a frame; only these know its
 * registers (docs/architecture.md lists the arch hooks). A syscall frame
 * keeps the syscall number in `error` and the result in rax.
 */
static inline bool frame_from_user(const struct trap_frame *tf) { return (tf->cs & 3) == 3; }
static inline bool frame_irqs_were_on(const struct trap_frame *tf)
{
	return tf->rflags & X86_EFLAGS_IF;
}
static inline u64 frame_ip(const struct trap_frame *tf) { return tf->rip; }
static inline u64 frame_sp(const struct trap_frame *tf) { return tf->rsp; }
static inline void frame_set_sp(struct trap_frame *tf, u64 sp) { tf->rsp = sp; }
static inline bool frame_in_syscall(const struct trap_frame *tf)
{
	return tf->vector == SYSCALL_VECTOR;
}
/* After this the frame is no syscall's: nothing restarts it again. */
static inline void frame_end_syscall(struct trap_frame *tf) { tf->vector = 0; }
static inline long frame_retval(const struct trap_frame *tf) { return (long)tf->rax; }
static inline void frame_set_retval(struct trap_frame *tf, long v) { tf->rax = (u64)v; }
/* Runs the interrupted syscall again: its number back in place, the IP
 * back onto the 2-byte syscall instruction. */
static inline void frame_restart_syscall(struct trap_frame *tf)
{
	tf->rax = tf->error;
	tf->rip -= 2;
}
/* A fresh user frame (exec): at entry with stack sp, interrupts on. */
static inline void frame_init_user(struct trap_frame *tf, u64 entry, u64 sp)
{
	*tf = (struct trap_frame){ .rip = entry, .rsp = sp, .cs = USER_CS, .ss = USER_SS,
				   .rflags = X86_EFLAGS_IF | 0x2 };
}

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
