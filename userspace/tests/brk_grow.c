/*
 * The program break: grow 16 MiB (zero, writable on every page), shrink
 * 8 MiB, grow again (the regrown pages are fresh zeros), and a huge request
 * fails leaving the break where it was.
 *
 * musl's sbrk() only answers sbrk(0) and its brk() always fails (its malloc
 * calls the syscall itself), so this calls SYS_brk through syscall().  The
 * raw syscall returns the new break, or the old one when it refuses.
 */
#include <stdint.h>
#include <unistd.h>
#include <sys/syscall.h>

#define PAGE	4096UL
#define MiB	(1024UL * 1024)

static uintptr_t brk_set(uintptr_t want)
{
	return (uintptr_t)syscall(SYS_brk, want);
}

int main(void)
{
	uintptr_t base, cur, i, lo;
	volatile unsigned char *m;

	base = (uintptr_t)sbrk(0);
	if (base == (uintptr_t)-1 || base == 0 || brk_set(0) != base)
		return 1;

	/* Grow 16 MiB: zero and writable across all of it. */
	if (brk_set(base + 16 * MiB) != base + 16 * MiB)
		return 2;
	m = (volatile unsigned char *)base;
	for (i = 0; i < 16 * MiB; i += PAGE)
		if (m[i] != 0)
			return 3;
	for (i = 0; i < 16 * MiB; i += PAGE)
		m[i] = (unsigned char)(i / PAGE + 1);
	m[16 * MiB - 1] = 0x5a;			/* the very last byte */
	for (i = 0; i < 16 * MiB; i += PAGE)
		if (m[i] != (unsigned char)(i / PAGE + 1))
			return 4;

	/* Shrink by 8 MiB; the lower half keeps its data. */
	if (brk_set(base + 8 * MiB) != base + 8 * MiB || (uintptr_t)sbrk(0) != base + 8 * MiB)
		return 5;
	for (i = 0; i < 8 * MiB; i += PAGE)
		if (m[i] != (unsigned char)(i / PAGE + 1))
			return 6;

	/* Grow again: the released pages come back as zeros, not old data. */
	if (brk_set(base + 16 * MiB) != base + 16 * MiB)
		return 7;
	lo = (base + 8 * MiB + PAGE - 1) & ~(PAGE - 1);	/* first whole released page */
	for (i = lo; i < base + 16 * MiB; i += PAGE)
		if (*(volatile unsigned char *)i != 0)
			return 8;
	for (i = lo; i < base + 16 * MiB; i += PAGE)
		*(volatile unsigned char *)i = 1;

	/* 1 TiB more cannot be backed: refused, break unchanged. */
	cur = base + 16 * MiB;
	if (brk_set(cur + (1ULL << 40)) != cur)
		return 9;
	if ((uintptr_t)sbrk(0) != cur)
		return 10;
	m[0] = 0xa5;				/* still usable after the refusal */
	if (m[0] != 0xa5)
		return 11;
	return 42;
}
