/* A NULL write must kill only this program, with SIGSEGV. */
int main(void)
{
	*(volatile int *)0 = 1;
	return 0;
}
