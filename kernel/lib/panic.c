/*
 * panic(): the one way the kernel stops on an unrecoverable error. It stops
 * the other CPUs first (so their output cannot interleave and their state
 * stays frozen for a debugger), writes without taking the console lock
 * (another CPU may have died holding it), and in a test run leaves QEMU
 * with a failure code instead of hanging until the harness times out.
 */
#include <alloy/arch.h>
#include <alloy/atomic.h>
#include <alloy/cmdline.h>
#include <alloy/console.h>
#include <alloy/cpu.h>
#include <alloy/printf.h>
#include <alloy/printk.h>
#include <alloy/string.h>
#include <stdarg.h>

#define PANIC_EXIT_CODE 3	/* guest code seen by the harness */

static atomic_t panicking = ATOMIC_INIT(0);

void emergency_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	int len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	if (len > 0)
		console_emergency_write(buf, (size_t)len);
}

/* Returns false if another CPU is already panicking (then never returns). */
void panic_begin(void)
{
	arch_irq_disable();
	if (atomic_add_return(&panicking, 1) > 1)
		arch_halt_forever();
	arch_stop_other_cpus();
}

__noreturn void panic_end(void)
{
	if (cmdline_has("ktest") || cmdline_has("panic_exit"))
		arch_debug_exit(PANIC_EXIT_CODE);
	emergency_printf("System halted.\n");
	arch_halt_forever();
}

bool in_panic(void)
{
	return atomic_read(&panicking) != 0;
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	panic_begin();
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emergency_printf("\nKERNEL PANIC on CPU %u: %s\n", this_cpu()->id, msg);
	arch_backtrace_here();
	panic_end();
}
