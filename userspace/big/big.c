/*
 * A static program whose image is over 100 MiB: a 100 MiB initialized
 * array in .data, with marker bytes at its start, middle and end. The
 * kernel must load it without buffering the file (the ktest measures the
 * kernel heap during the exec) and the markers prove every part arrived.
 */
#define SIZE (100UL << 20)

static volatile unsigned char big[SIZE] = {
	[0] = 0xa1,
	[SIZE / 2] = 0xb2,
	[SIZE - 1] = 0xc3,
};

int main(void)
{
	if (big[0] != 0xa1 || big[SIZE / 2] != 0xb2 || big[SIZE - 1] != 0xc3)
		return 1;
	if (big[1] || big[SIZE / 2 + 4096] || big[SIZE - 4097])
		return 2;	/* the zeros between came from the file too */
	return 42;
}
