/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ALLOY_COMPILER_H
#define ALLOY_COMPILER_H

#include <stddef.h>

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define __used		__attribute__((used))
#define __unused	__attribute__((unused))
#define __noreturn	__attribute__((noreturn))
#define __packed	__attribute__((packed))
#define __aligned(x)	__attribute__((aligned(x)))
#define __section(s)	__attribute__((section(s)))
#define __printf(a, b)	__attribute__((format(printf, a, b)))

#define barrier()	__asm__ __volatile__("" ::: "memory")

#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), "BUILD_BUG_ON: " #cond)

/* Zero-sized array type check: fails to compile if a is a pointer. */
#define __must_be_array(a) \
	(0 * sizeof(struct { _Static_assert(!__builtin_types_compatible_p( \
		__typeof__(a), __typeof__(&(a)[0])), "not an array"); int _x; }))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]) + __must_be_array(a))

/*
 * The type check rejects pointers whose type differs from the member's,
 * which catches the classic "wrong member name / wrong struct" mistake.
 */
#define container_of(ptr, type, member) ({				\
	void *__mptr = (void *)(ptr);					\
	_Static_assert(__builtin_types_compatible_p(__typeof__(*(ptr)),	\
			__typeof__(((type *)0)->member)) ||		\
		__builtin_types_compatible_p(__typeof__(*(ptr)), void),	\
		"container_of: pointer type mismatch");			\
	((type *)((char *)__mptr - offsetof(type, member))); })

/*
 * Volatile accesses stop the compiler from tearing, merging or caching
 * the load/store; they do not order against other CPUs.
 */
#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val) \
	do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)

/* a must be a power of two. */
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define ALIGN_UP(x, a)		ALIGN_DOWN((x) + ((__typeof__(x))(a) - 1), (a))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)

/* Evaluate each argument once and refuse to compare mismatched types. */
#define MIN(a, b) ({							\
	__typeof__(a) __min_a = (a);					\
	__typeof__(b) __min_b = (b);					\
	(void)(&__min_a == &__min_b);					\
	__min_a < __min_b ? __min_a : __min_b; })

#define MAX(a, b) ({							\
	__typeof__(a) __max_a = (a);					\
	__typeof__(b) __max_b = (b);					\
	(void)(&__max_a == &__max_b);					\
	__max_a > __max_b ? __max_a : __max_b; })

#endif /* ALLOY_COMPILER_H */
