/*
 * Anonymous mmap/munmap and malloc, with Linux's semantics: fresh memory
 * is zero, MAP_FIXED over a hole gives zeros again, neighbours of a hole
 * keep their data (the mapping was split, not dropped), bad arguments get
 * EINVAL, an impossible size gets ENOMEM, and malloc survives heavy use.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PAGE	4096UL
#define MiB	(1024UL * 1024)
#define LEN	(64 * MiB)
#define HOLE	(24 * MiB)	/* the middle 16 MiB: [24, 40) MiB */
#define HOLELEN	(16 * MiB)
#define NBLK	1000

static uint32_t rng = 12345;	/* xorshift32: fixed seed, same run every time */

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static unsigned char *blk[NBLK];
static size_t blen[NBLK];

int main(void)
{
	unsigned char *p, *q;
	size_t i, j;

	p = mmap(0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	for (i = 0; i < LEN; i += PAGE)		/* demand-zero pages */
		if (((volatile unsigned char *)p)[i] != 0)
			return 2;
	for (i = 0; i < LEN / PAGE; i++)	/* each page its own value */
		p[i * PAGE] = (unsigned char)(i + 1);
	for (i = 0; i < LEN / PAGE; i++)
		if (((volatile unsigned char *)p)[i * PAGE] != (unsigned char)(i + 1))
			return 3;

	/* Punch a hole in the middle, map it again: zeros, neighbours intact. */
	if (munmap(p + HOLE, HOLELEN))
		return 4;
	q = mmap(p + HOLE, HOLELEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (q != p + HOLE)
		return 5;
	for (i = 0; i < HOLELEN; i += PAGE)
		if (((volatile unsigned char *)q)[i] != 0)
			return 6;	/* old data leaked through the hole */
	for (i = 0; i < LEN / PAGE; i++) {
		if (i * PAGE >= HOLE && i * PAGE < HOLE + HOLELEN)
			continue;
		if (p[i * PAGE] != (unsigned char)(i + 1))
			return 7;	/* the split lost the pieces' pages */
	}
	if (munmap(p, LEN))			/* spans three mappings */
		return 8;

	/* A free hint is honoured (Linux uses it when nothing is there). */
	q = mmap(p, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED)
		return 9;
	if (q != p)
		return 10;
	q[0] = 1;
	if (munmap(q, MiB))
		return 11;

	/* Bad arguments. */
	errno = 0;
	if (mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED ||
	    errno != EINVAL)
		return 12;	/* length 0 */
	errno = 0;
	if (munmap(p + 1, PAGE) != -1 || errno != EINVAL)
		return 13;	/* unaligned address */
	errno = 0;
	if (mmap(0, 1ULL << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0) != MAP_FAILED || errno != ENOMEM)
		return 14;	/* 1 TiB: more than the machine can back */
	if (malloc(1ULL << 40) != NULL)
		return 15;

	/* malloc: all blocks live at once, so an overlap shows as a bad pattern. */
	for (i = 0; i < NBLK; i++) {
		blen[i] = 1 + rnd() % (256 * 1024);
		blk[i] = malloc(blen[i]);
		if (!blk[i])
			return 16;
		for (j = 0; j < blen[i]; j++)
			blk[i][j] = (unsigned char)(i * 7 + j);
	}
	for (i = 0; i < NBLK; i++)
		for (j = 0; j < blen[i]; j++)
			if (blk[i][j] != (unsigned char)(i * 7 + j))
				return 17;
	for (i = 0; i < NBLK; i += 2)		/* odd/even order: mix the frees */
		free(blk[i]);
	for (i = 1; i < NBLK; i += 2)
		free(blk[i]);
	return 42;
}
