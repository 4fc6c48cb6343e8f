/*
 * The CPU's random number instructions, for seeding the kernel's
 * generator (kernel/lib/random.c): RDSEED (straight from the entropy
 * source) where the CPU has it, else RDRAND (its own DRBG). Either may
 * fail for a moment when drained; a few retries are what Intel advises.
 */
#include <alloy/arch.h>
#include <asm/cpu.h>

static int have;	/* 0 unknown, 1 none, 2 RDRAND, 3 RDSEED and RDRAND */

static int probe(void)
{
	u32 a, b, c, d;

	if (have)
		return have;
	cpuid(1, 0, &a, &b, &c, &d);
	int h = (c & (1u << 30)) ? 2 : 1;
	cpuid(7, 0, &a, &b, &c, &d);
	if (h == 2 && (b & (1u << 18)))
		h = 3;
	have = h;
	return h;
}

static bool rdseed(u64 *v)
{
	bool ok;

	__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
	return ok;
}

static bool rdrand(u64 *v)
{
	bool ok;

	__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
	return ok;
}

bool arch_random_seed(u64 *v)
{
	int h = probe();

	for (int i = 0; i < 16 && h == 3; i++)
		if (rdseed(v))
			return true;
	for (int i = 0; i < 16 && h >= 2; i++)
		if (rdrand(v))
			return true;
	return false;
}
