/* A program whose bss (1 GiB) is larger than the test machine's memory:
 * exec must refuse it with ENOMEM (for mm_syscalls). */
static char huge[1 << 30];

int main(int argc, char **argv)
{
	(void)argv;
	huge[(unsigned)argc << 20] = 1;
	return huge[sizeof(huge) - (unsigned)argc];
}
