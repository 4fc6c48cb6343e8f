/* A program whose bss is 256 MiB (for mm_syscalls): it touches one page
 * in every 16 MiB and prints how much free memory the exec took. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char big[256 << 20];

static long long memfree_kb(void)
{
	char line[128];
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "MemFree:", 8))
			v = atoll(line + 8);
	if (f)
		fclose(f);
	return v;
}

int main(void)
{
	long long before = memfree_kb();
	for (size_t off = 0; off < sizeof(big); off += 16 << 20)
		big[off] = 1;
	printf("%lld\n", before);
	return big[sizeof(big) - 1];	/* still zero */
}
