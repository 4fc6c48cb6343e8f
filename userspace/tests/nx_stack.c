/*
 * The stack is not executable: copy a `ret` (0xc3) onto it and call it.
 * The instruction fetch must kill the program with SIGSEGV (signal 11).
 */
int main(void)
{
	unsigned char code[16];
	void (*fn)(void) = (void (*)(void))(void *)code;

	*(volatile unsigned char *)&code[0] = 0xc3;	/* ret */
	__asm__ volatile("" ::: "memory");		/* the store happens first */
	fn();					/* must fault: SIGSEGV */
	return 3;				/* survived: failure */
}
