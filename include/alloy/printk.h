/*
 * Console logging and fatal errors.
 *
 * printk() writes one message to the serial console, prefixed per line with
 * the time since boot. Messages above the `loglevel=` command-line option
 * are dropped. panic() never returns: it prints the message, the registers
 * of the caller and a symbolized backtrace, then stops every CPU.
 */
#ifndef ALLOY_PRINTK_H
#define ALLOY_PRINTK_H

#include <alloy/compiler.h>
#include <alloy/types.h>

#define LOG_ERR 3
#define LOG_WARN 4
#define LOG_INFO 6
#define LOG_DEBUG 7

void printk(int level, const char *fmt, ...) __printf(2, 3);
void printk_set_level(int level);

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
