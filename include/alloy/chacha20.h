/*
 * The ChaCha20 block function (RFC 8439 §2.3): 64 bytes of key stream
 * from a 256-bit key, a 32-bit block counter and a 96-bit nonce. Used by
 * the kernel's random number generator (kernel/lib/random.c).
 */
#ifndef ALLOY_CHACHA20_H
#define ALLOY_CHACHA20_H

#include <alloy/types.h>

void chacha20_block(const u32 key[8], u32 counter, const u32 nonce[3], u8 out[64]);

#endif
