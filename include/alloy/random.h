/* Kernel randomness (not yet cryptographic: a TSC-seeded xorshift). */
#ifndef ALLOY_RANDOM_H
#define ALLOY_RANDOM_H

#include <alloy/types.h>

void get_random_bytes(void *buf, size_t len);

#endif
