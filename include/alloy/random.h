/* Kernel randomness: a ChaCha20 generator seeded from the CPU's hardware
 * random source (kernel/lib/random.c). */
#ifndef ALLOY_RANDOM_H
#define ALLOY_RANDOM_H

#include <alloy/types.h>

/* The entropy count /proc and RNDGETENTCNT report: the generator is fully
 * seeded once used, as Linux reports 256 since 5.18. */
#define RANDOM_ENTROPY_BITS 256

void get_random_bytes(void *buf, size_t len);
/* Mixes caller data into the key (RNDADDENTROPY, writes to /dev/random):
 * it can add to what an attacker does not know, never take away. */
void add_random_bytes(const void *buf, size_t len);

#endif
