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

static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

/* ACPI S5 through the PM1a control block QEMU's chipsets put at fixed
 * ports (PIIX4 at 0xb004, ICH9 at 0x604), SLP_TYP 0 | SLP_EN; if that
 * does nothing, the debug-exit port; then halt. */
void arch_power_off(void)
{
	__asm__ volatile("cli");
	outw(0xb004, 0x2000);
	outw(0x604, 0x2000);
	arch_debug_exit(0);
	arch_halt_forever();
}

/* The keyboard controller's reset line, then a triple fault. */
void arch_restart(void)
{
	__asm__ volatile("cli");
	__asm__ volatile("outb %0, %1" : : "a"((u8)0xfe), "Nd"((u16)0x64));
	struct { u16 limit; u64 base; } __attribute__((packed)) idt = { 0, 0 };
	__asm__ volatile("lidt %0; int3" : : "m"(idt));
	arch_halt_forever();
}
