/*
 * Console logging and fatal errors.
 *
 * printk() writes one message to the serial console, prefixed per line with
 * the time since boot, and keeps it in the kernel log (<alloy/klog.h>,
 * read by dmesg). Messages above the `loglevel=` command-line option reach
 * only the log. Bytes that are not printable ASCII (a program's name set
 * with prctl, a path) are written as \xNN, so no program can put control
 * sequences on the console. Messages a program can trigger at will use
 * printk_ratelimited. panic() never returns: it prints the message, the registers
 * of the caller and a symbolized backtrace, then stops every CPU.
 */
#ifndef ALLOY_PRINTK_H
#define ALLOY_PRINTK_H

#include <alloy/compiler.h>
#include <alloy/types.h>

#define LOG_ERR 3
#define LOG_WARN 4
#define LOG_NOTICE 5
#define LOG_INFO 6
#define LOG_DEBUG 7

void printk(int level, const char *fmt, ...) __printf(2, 3);
void printk_set_level(int level);
int printk_get_level(void);

/* At most PRINTK_BURST messages per PRINTK_INTERVAL_NS from one call
 * site; the next message after a pause says how many were dropped. */
#define PRINTK_BURST 10
#define PRINTK_INTERVAL_NS (5ULL * 1000000000ULL)
struct ratelimit {
	u64 begin_ns;
	u32 printed, missed;
};
/* True if the caller may print now; *missed: how many it may report. */
bool printk_ratelimit(struct ratelimit *rl, u32 *missed);
#define printk_ratelimited(level, ...)                                     	do {                                                               		static struct ratelimit __rl;                              		u32 __missed;                                              		if (printk_ratelimit(&__rl, &__missed)) {                  			if (__missed)                                      				printk(level, "(%u similar messages "       				       "suppressed)\n", __missed);         			printk(level, __VA_ARGS__);                        		}                                                          	} while (0)

#define pr_err(...) printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) printk(LOG_WARN, __VA_ARGS__)
#define pr_info(...) printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk(LOG_DEBUG, __VA_ARGS__)

__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#define BUG_ON(cond)                                                       \
	do {                                                               \
		if (unlikely(cond))                                        \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__,      \
			      __LINE__);                                   \
	} while (0)

#define WARN_ON(cond)                                                      \
	({                                                                 \
		bool __w = !!(cond);                                       \
		if (unlikely(__w))                                         \
			printk(LOG_WARN, "WARNING: %s at %s:%d\n", #cond,  \
			       __FILE__, __LINE__);                        \
		__w;                                                       \
	})

#endif
