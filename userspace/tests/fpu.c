/*
 * FPU/SSE state is per process: several copies run at once on every CPU,
 * each with its own values in the SSE registers, and check their sums.
 * A kernel that did not save and restore the state mixes them up.
 */
#include <stdlib.h>

int main(int argc, char **argv)
{
	double seed = argc > 1 ? atof(argv[1]) : 1.0;
	volatile double acc = 0.0;

	for (long i = 1; i <= 20000000; i++) {
		acc += seed / (double)i;
		acc -= seed / (double)i;	/* exactly cancels: acc stays 0 */
		acc += seed;
	}
	/* 2e7 * seed, exact in binary64 for small integer seeds */
	return acc == 20000000.0 * seed ? 42 : 1;
}
