/*
 * The stack grows on demand up to Linux's 8 MiB limit: 64 levels of
 * recursion with a 64 KiB frame each use 4 MiB.  Every page of every frame
 * is written on the way down and checked on the way back up.
 */
#include <stdint.h>

#define FRAME	(64 * 1024)
#define LEVELS	64
#define PAGE	4096

static uintptr_t deepest;

static int down(int level)
{
	volatile unsigned char buf[FRAME];	/* volatile: really on the stack */
	int i, r;

	for (i = FRAME - PAGE; i >= 0; i -= PAGE)	/* top down, like real growth */
		buf[i] = (unsigned char)(level + i / PAGE);
	buf[FRAME - 1] = (unsigned char)level;
	if (level == LEVELS - 1)
		deepest = (uintptr_t)buf;
	else if ((r = down(level + 1)))		/* not a tail call: checked below */
		return r;
	for (i = 0; i < FRAME; i += PAGE)
		if (buf[i] != (unsigned char)(level + i / PAGE))
			return 1;
	if (buf[FRAME - 1] != (unsigned char)level)
		return 1;
	return 0;
}

int main(void)
{
	volatile unsigned char top;
	int r = down(0);

	if (r)
		return r;			/* 1: a frame lost its contents */
	if ((uintptr_t)&top - deepest < (uintptr_t)(LEVELS - 1) * FRAME)
		return 2;			/* frames did not really use 4 MiB */
	return 42;
}
