/*
 * Atomics: thin wrappers over the GCC __atomic builtins so that every
 * ordering is spelled out at the call site.
 */
#ifndef ALLOY_ATOMIC_H
#define ALLOY_ATOMIC_H

#include <alloy/types.h>

typedef struct { int v; } atomic_t;
typedef struct { long v; } atomic_long_t;

#define ATOMIC_INIT(x) { (x) }

static inline int atomic_read(const atomic_t *a)
{
	return __atomic_load_n(&a->v, __ATOMIC_RELAXED);
}

static inline void atomic_set(atomic_t *a, int x)
{
	__atomic_store_n(&a->v, x, __ATOMIC_RELAXED);
}

/* Returns the new value; full barrier. */
static inline int atomic_add_return(atomic_t *a, int x)
{
	return __atomic_add_fetch(&a->v, x, __ATOMIC_SEQ_CST);
}

static inline void atomic_inc(atomic_t *a) { atomic_add_return(a, 1); }
static inline void atomic_dec(atomic_t *a) { atomic_add_return(a, -1); }
static inline bool atomic_dec_and_test(atomic_t *a)
{
	return atomic_add_return(a, -1) == 0;
}

static inline bool atomic_cmpxchg(atomic_t *a, int old, int new)
{
	return __atomic_compare_exchange_n(&a->v, &old, new, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static inline long atomic_long_read(const atomic_long_t *a)
{
	return __atomic_load_n(&a->v, __ATOMIC_RELAXED);
}

static inline void atomic_long_set(atomic_long_t *a, long x)
{
	__atomic_store_n(&a->v, x, __ATOMIC_RELAXED);
}

static inline long atomic_long_add_return(atomic_long_t *a, long x)
{
	return __atomic_add_fetch(&a->v, x, __ATOMIC_SEQ_CST);
}

static inline bool atomic_long_cmpxchg(atomic_long_t *a, long old, long new)
{
	return __atomic_compare_exchange_n(&a->v, &old, new, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

#endif
