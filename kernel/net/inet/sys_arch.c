/*
 * lwIP's system glue (docs/net.md, "The TCP/IP stack"): time, random
 * numbers, diagnostics. NO_SYS: no threads, semaphores or mailboxes;
 * the lock and the thread are kernel/net/inet.c's.
 */
#include <alloy/printk.h>
#include <alloy/random.h>
#include <alloy/sched.h>
#include "lwip/arch.h"
#include "lwip/sys.h"

u32_t sys_now(void)
{
	return (u32_t)(ktime_ns() / 1000000);
}

unsigned int lwip_port_rand(void)
{
	unsigned int r;

	get_random_bytes(&r, sizeof(r));
	return r;
}

void lwip_port_diag(const char *fmt, ...)
{
	(void)fmt;	/* LWIP_DEBUG is off: lwIP prints nothing */
}

void lwip_port_assert(const char *msg, const char *file, int line)
{
	panic("lwIP: %s at %s:%d\n", msg, file, line);
}
