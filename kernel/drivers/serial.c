/*
 * 16550 UART on COM1: polled output, interrupt-driven input. The console lock in printk.c
 * serialises callers; this file only knows the hardware.
 */
#include <alloy/sched.h>
#include <alloy/console.h>
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/trap.h>

#define COM1 0x3f8
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_THR_EMPTY 0x20
#define LSR_DATA_READY 0x01
#define LSR_BREAK 0x10

void serial_init(void)
{
	outb(COM1 + REG_IER, 0x00);	/* no interrupts yet */
	outb(COM1 + REG_LCR, 0x80);	/* DLAB: set the divisor */
	outb(COM1 + REG_DATA, 0x01);	/* 115200 baud */
	outb(COM1 + REG_IER, 0x00);
	outb(COM1 + REG_LCR, 0x03);	/* 8n1 */
	outb(COM1 + REG_FCR, 0xc7);	/* FIFOs on, cleared */
	outb(COM1 + REG_MCR, 0x0b);
}

static void serial_putc(char c)
{
	/* bounded: a missing UART must not hang the kernel */
	for (int i = 0; i < 100000; i++)
		if (inb(COM1 + REG_LSR) & LSR_THR_EMPTY)
			break;
	outb(COM1 + REG_DATA, (u8)c);
}

void serial_write_raw(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		serial_putc(s[i]);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

void console_emergency_write(const char *s, size_t n)
{
	serial_write(s, n);
}

/* Receive interrupts: COM1 is ISA IRQ 4. The handler drains the FIFO. */
static void (*rx_handler)(u8 c);

/*
 * A break on the line (QEMU: Ctrl-A b; xtask sends one when a run times
 * out) is not a character: it prints every task and where each sleeping
 * one sleeps, as Linux's SysRq-T over a serial console, so a hung machine
 * says why.
 */
static void serial_irq(struct trap_frame *tf)
{
	(void)tf;
	for (int i = 0; i < 64; i++) {
		u8 lsr = inb(COM1 + REG_LSR);
		if (!(lsr & LSR_DATA_READY))
			break;
		u8 c = inb(COM1 + REG_DATA);
		if (lsr & LSR_BREAK)
			sched_dump_tasks(true);
		else if (rx_handler)
			rx_handler(c);
	}
}

void serial_enable_rx(void (*rx)(u8 c))
{
	rx_handler = rx;
	irq_register(VEC_IRQ_BASE + 4, serial_irq);
	ioapic_route_isa(4, VEC_IRQ_BASE + 4, lapic_id());
	/* received data available, and line status: a break raises no data
	 * interrupt while the FIFO waits for its trigger level */
	outb(COM1 + REG_IER, 0x05);
}
