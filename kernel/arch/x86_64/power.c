/* Stopping, idling and leaving the machine. */
#include <alloy/arch.h>
#include <asm/cpu.h>

void arch_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void arch_idle(void)
{
	safe_halt();
}

void arch_debug_exit(u32 code)
{
	__asm__ volatile("outl %0, %1" : : "a"(code), "Nd"((u16)0xf4));
}
