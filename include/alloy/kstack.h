/* Kernel stacks: KSTACK_SIZE bytes below an unmapped guard page each. */
#ifndef ALLOY_KSTACK_H
#define ALLOY_KSTACK_H

#include <alloy/types.h>

#define KSTACK_PAGES 4
#define KSTACK_SIZE (KSTACK_PAGES * 4096UL)

/* Returns the top of a new stack, or NULL when out of memory or slots. */
void *kstack_alloc(void);
void kstack_free(void *top);
/* True if addr lies in the guard page below some kernel stack. */
bool kstack_is_guard(u64 addr);

#endif
