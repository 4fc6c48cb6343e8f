/* x86-specific ktests: device interrupt routing through the IOAPIC. */
#include <alloy/atomic.h>
#include <alloy/cpu.h>
#include <alloy/ktest.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/trap.h>

#define PIT_IRQ 0
#define PIT_HZ 1193182
#define PIT_RATE 1000

static atomic_t pit_count;

static void pit_irq(struct trap_frame *tf)
{
	(void)tf;
	atomic_inc(&pit_count);
}

/* The PIT on ISA IRQ 0 arrives on GSI 2 under QEMU: exercises overrides. */
KTEST(ioapic_routes_pit_irq)
{
	u16 div = PIT_HZ / PIT_RATE;
	u8 vector = VEC_IRQ_BASE + PIT_IRQ;

	atomic_set(&pit_count, 0);
	irq_register(vector, pit_irq);
	outb(0x43, 0x34);		/* channel 0, lo/hi, rate generator */
	outb(0x40, div & 0xff);
	outb(0x40, div >> 8);
	KT_ASSERT_EQ(ioapic_route_isa(PIT_IRQ, vector, cpus[0].apic_id), 0);
	sleep_ms(200);
	ioapic_mask_isa(PIT_IRQ);
	outb(0x43, 0x30);		/* channel 0 one-shot: stop */
	irq_register(vector, NULL);
	int n = atomic_read(&pit_count);
	pr_info("ioapic_routes_pit_irq: %d PIT interrupts in 200 ms\n", n);
	KT_EXPECT(n >= 100 && n <= 400);
}
