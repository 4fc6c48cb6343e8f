/*
 * get_random_bytes: xorshift64* seeded from the TSC, mixed again with the
 * TSC on every call. Good enough for AT_RANDOM in tests; /dev/urandom
 * (issue 4) needs a real CSPRNG seeded from RDRAND/RDSEED where present.
 */
#include <alloy/random.h>
#include <alloy/spinlock.h>
#include <alloy/lockrank.h>
#include <asm/cpu.h>

static spinlock_t random_lock = SPINLOCK_INIT("random", LR_RANDOM);
static u64 state;

void get_random_bytes(void *buf, size_t len)
{
	u8 *p = buf;
	unsigned long flags = spin_lock_irqsave(&random_lock);

	state ^= rdtsc() * 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < len; i++) {
		state ^= state >> 12;
		state ^= state << 25;
		state ^= state >> 27;
		p[i] = (u8)((state * 0x2545f4914f6cdd1dULL) >> 56);
	}
	spin_unlock_irqrestore(&random_lock, flags);
}
