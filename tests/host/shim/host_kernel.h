/*
 * Host test support (tests/host/shim/host_kernel.c): the kernel services
 * that the modules under test call, and a fake machine for the page
 * allocator.
 *
 * panic() prints its message and, if a test armed it with
 * HOST_EXPECT_PANIC(), jumps back into the test; otherwise it aborts.
 * Code that panics must leave its locks released for a test to go on
 * afterwards.
 */
#ifndef HOST_KERNEL_H
#define HOST_KERNEL_H

#include <setjmp.h>
#include <stdbool.h>
#include <alloy/types.h>

extern jmp_buf host_panic_jmp;
extern volatile bool host_panic_armed;
extern char host_panic_msg[1024];	/* the last panic's message */
extern bool host_quiet;			/* drop printk output */

/* True if `stmt` panicked; its message is then in host_panic_msg. */
#define HOST_EXPECT_PANIC(stmt)						\
	({								\
		volatile bool __panicked = false;			\
		host_panic_msg[0] = '\0';				\
		host_panic_armed = true;				\
		if (setjmp(host_panic_jmp) == 0) {			\
			stmt;						\
		} else {						\
			__panicked = true;				\
		}							\
		host_panic_armed = false;				\
		(bool)__panicked;					\
	})

/*
 * A machine of nr_pfns pages: an arena that physical address 0 maps to,
 * a mem_map with every page reserved, page_alloc_init(), and then the
 * pfns [free_start, free_end) handed to the page allocator. Returns the
 * arena (the direct map). host_mm_fini() frees both.
 */
void *host_mm_init(u64 nr_pfns, u64 free_start, u64 free_end);
void host_mm_fini(void);

/* Seed from argv[1], else $ALLOY_SEED, else `fallback`; printed as TAP. */
u64 host_seed(int argc, char **argv, u64 fallback);
bool host_seed_given(int argc, char **argv);

#endif
