/*
 * printk: formats into a bounded stack buffer and writes it to the console
 * under the console lock, stamping each new line with the time since boot.
 */
#include <alloy/console.h>
#include <alloy/lockrank.h>
#include <alloy/printf.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/spinlock.h>
#include <stdarg.h>

static spinlock_t console_lock = SPINLOCK_INIT("console", LR_CONSOLE);
static int console_level = LOG_INFO;
static bool at_line_start = true;	/* under console_lock */

void printk_set_level(int level)
{
	console_level = level;
}

static void write_stamped(const char *s, size_t n)
{
	while (n) {
		if (at_line_start) {
			char stamp[24];
			u64 ns = ktime_ns();
			int len = snprintf(stamp, sizeof(stamp), "[%5llu.%06llu] ",
					   ns / 1000000000ULL,
					   ns / 1000ULL % 1000000ULL);
			serial_write(stamp, (size_t)len);
			at_line_start = false;
		}
		size_t k = 0;
		while (k < n && s[k] != '\n')
			k++;
		if (k < n) {
			k++;
			at_line_start = true;
		}
		serial_write(s, k);
		s += k;
		n -= k;
	}
}

/* Raw bytes from a program: no level, no stamps of its own lines. */
void console_write(const char *s, size_t n)
{
	unsigned long flags = spin_lock_irqsave(&console_lock);
	serial_write(s, n);
	if (n)
		at_line_start = s[n - 1] == '\n';
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_write_raw(const char *s, size_t n)
{
	unsigned long flags = spin_lock_irqsave(&console_lock);
	serial_write_raw(s, n);
	if (n)
		at_line_start = s[n - 1] == '\n';
	spin_unlock_irqrestore(&console_lock, flags);
}

void printk(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (level > console_level)
		return;
	va_start(ap, fmt);
	int len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(buf))
		len = sizeof(buf) - 1;

	unsigned long flags = spin_lock_irqsave(&console_lock);
	write_stamped(buf, (size_t)len);
	spin_unlock_irqrestore(&console_lock, flags);
}
