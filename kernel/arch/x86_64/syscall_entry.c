/* From the syscall entry's frame to the generic table and back. */
#include <alloy/arch.h>
#include <alloy/syscall.h>
#include <asm/irqflags.h>
#include <asm/trap.h>

void syscall_dispatch(struct trap_frame *tf)
{
	arch_irq_enable();	/* syscalls are preemptible */
	tf->rax = (u64)syscall_invoke(tf->rax, tf->rdi, tf->rsi, tf->rdx, tf->r10,
				      tf->r8, tf->r9);
}
