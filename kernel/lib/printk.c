/*
 * printk: formats into a bounded stack buffer, escapes what is not
 * printable, keeps the message in the kernel log and, if its level
 * allows, writes it to the console under the console lock, stamping each
 * new line with the time since boot.
 */
#include <alloy/console.h>
#include <alloy/klog.h>
#include <alloy/lockrank.h>
#include <alloy/printf.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/spinlock.h>
#include <stdarg.h>

static spinlock_t console_lock = SPINLOCK_INIT("console", LR_CONSOLE);
static spinlock_t ratelimit_lock = SPINLOCK_INIT("printk-ratelimit", LR_RATELIMIT);
static int console_level = LOG_INFO;
static bool at_line_start = true;	/* under console_lock */

void printk_set_level(int level)
{
	__atomic_store_n(&console_level, level, __ATOMIC_RELAXED);
}

int printk_get_level(void)
{
	return __atomic_load_n(&console_level, __ATOMIC_RELAXED);
}

bool printk_ratelimit(struct ratelimit *rl, u32 *missed)
{
	u64 now = ktime_ns();
	bool ok;

	*missed = 0;
	unsigned long fl = spin_lock_irqsave(&ratelimit_lock);
	if (!rl->begin_ns || now - rl->begin_ns >= PRINTK_INTERVAL_NS) {
		*missed = rl->missed;
		rl->begin_ns = now ? now : 1;
		rl->printed = rl->missed = 0;
	}
	ok = rl->printed < PRINTK_BURST;
	if (ok)
		rl->printed++;
	else
		rl->missed++;
	spin_unlock_irqrestore(&ratelimit_lock, fl);
	return ok;
}

/* Copies s into out (size cap), writing bytes a terminal would act on
 * as \xNN: all but tab, and a newline that ends the message (a newline
 * inside one came from a string a program chose, and would forge a line).
 * A final newline survives truncation, so the next message starts on a
 * line of its own. */
static size_t escape(const char *s, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	bool newline = n && s[n - 1] == '\n';
	size_t o = 0;

	if (newline) {
		n--;
		cap--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool plain = (c >= 0x20 && c < 0x7f) || c == '\t';
		if (o + (plain ? 1 : 4) > cap)
			break;
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (newline)
		out[o++] = '\n';
	return o;
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
	char buf[512], out[512];
	va_list ap;

	va_start(ap, fmt);
	int len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(buf)) {	/* cut short: still a whole line */
		len = sizeof(buf) - 1;
		buf[len - 1] = '\n';
	}
	size_t n = escape(buf, (size_t)len, out, sizeof(out));
	klog_store(level, ktime_ns(), out, n);
	if (level > printk_get_level())
		return;

	unsigned long flags = spin_lock_irqsave(&console_lock);
	write_stamped(out, n);
	spin_unlock_irqrestore(&console_lock, flags);
}
