/*
 * Unbounded recursion, 64 KiB per frame: once the stack passes the 8 MiB
 * limit the program must die with SIGSEGV (signal 11), not hang and not
 * take the kernel down.
 */
#define FRAME	(64 * 1024)

/* Volatile, so the compiler cannot call the recursion infinite; 2^30
 * frames of 64 KiB is 64 TiB: no stack gets there. */
static volatile int limit = 1 << 30;

static int down(int n)
{
	volatile unsigned char buf[FRAME];	/* volatile: every frame is real */

	if (n >= limit)
		return 0;
	buf[FRAME - 1] = (unsigned char)n;
	buf[0] = (unsigned char)n;
	return down(n + 1) + buf[0];		/* use after the call: no tail call */
}

int main(void)
{
	down(0);
	return 3;				/* never reached: failure */
}
