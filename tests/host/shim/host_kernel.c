// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel services for host tests: printk to stderr, a panic that tests
 * can catch, and a fake physical memory for the page allocator.
 */
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <alloy/mm.h>
#include <alloy/printk.h>
#include "host_kernel.h"

uintptr_t host_direct_map_base;
jmp_buf host_panic_jmp;
volatile bool host_panic_armed;
char host_panic_msg[1024];
bool host_quiet;

static void *arena;
static struct page *host_map;

void printk(int level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	if (host_quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void printk_set_level(int level)
{
	(void)level;
}

__noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(host_panic_msg, sizeof(host_panic_msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%sPANIC: %s\n", host_panic_armed ? "(expected) " : "",
		host_panic_msg);
	if (host_panic_armed) {
		host_panic_armed = false;
		longjmp(host_panic_jmp, 1);
	}
	abort();
}

void host_cpu_relax(void)
{
	sched_yield();
}

void *host_mm_init(u64 nr_pfns, u64 free_start, u64 free_end)
{
	u64 i;

	host_mm_fini();
	/* Aligned like a MAX_ORDER block, as a real direct map would be. */
	if (posix_memalign(&arena, PAGE_SIZE << (MAX_ORDER - 1),
			   nr_pfns * PAGE_SIZE)) {
		fprintf(stderr, "host_mm_init: no memory for %lu pages\n",
			(unsigned long)nr_pfns);
		abort();
	}
	host_map = calloc(nr_pfns, sizeof(*host_map));
	if (!host_map)
		abort();
	for (i = 0; i < nr_pfns; i++)
		host_map[i].flags = PG_RESERVED;
	host_direct_map_base = (uintptr_t)arena;
	page_alloc_init(host_map, nr_pfns);
	page_alloc_free_range(free_start * PAGE_SIZE, free_end * PAGE_SIZE);
	return arena;
}

void host_mm_fini(void)
{
	free(arena);
	free(host_map);
	arena = NULL;
	host_map = NULL;
}

bool host_seed_given(int argc, char **argv)
{
	return (argc > 1 && argv[1]) || getenv("ALLOY_SEED");
}

u64 host_seed(int argc, char **argv, u64 fallback)
{
	const char *s = argc > 1 ? argv[1] : getenv("ALLOY_SEED");
	u64 seed = s ? strtoull(s, NULL, 0) : fallback;

	printf("# seed %llu (rerun with ALLOY_SEED=%llu or argv[1])\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	return seed;
}

#ifdef CONFIG_LOCKDEP
#include <alloy/spinlock.h>
void lockdep_acquire(spinlock_t *l) { (void)l; }
void lockdep_release(spinlock_t *l) { (void)l; }
#endif
