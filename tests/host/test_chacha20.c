// SOURCES: kernel/lib/chacha20.c
/*
 * Host test for the ChaCha20 block function (kernel/lib/chacha20.c), the
 * core of the kernel's random numbers: RFC 8439's test vectors (§2.3.2,
 * and A.1 #1), which OpenSSL's chacha20 reproduces byte for byte.
 */
#include <string.h>

#include <alloy/chacha20.h>
#include "check.h"

static void hex(const char *s, u8 *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int v;
		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (u8)v;
	}
}

int main(void)
{
	u32 key[8], nonce[3];
	u8 out[64], want[64];

	/* §2.3.2: key 00 01 .. 1f, nonce 00 00 00 09 00 00 00 4a 00 00 00 00, counter 1 */
	for (int i = 0; i < 8; i++)
		key[i] = (u32)(4 * i) | (u32)(4 * i + 1) << 8 | (u32)(4 * i + 2) << 16 |
			 (u32)(4 * i + 3) << 24;
	nonce[0] = 0x09000000;
	nonce[1] = 0x4a000000;
	nonce[2] = 0;
	chacha20_block(key, 1, nonce, out);
	hex("10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
	    "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e", want, 64);
	CHECK(!memcmp(out, want, 64), "RFC 8439 2.3.2: the block of counter 1");

	/* A.1 #1: all-zero key and nonce, counter 0 */
	memset(key, 0, sizeof(key));
	memset(nonce, 0, sizeof(nonce));
	chacha20_block(key, 0, nonce, out);
	hex("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
	    "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586", want, 64);
	CHECK(!memcmp(out, want, 64), "RFC 8439 A.1 #1: zero key, counter 0");

	/* the counter changes the whole block */
	u8 next[64];
	chacha20_block(key, 1, nonce, next);
	int same = 0;
	for (int i = 0; i < 64; i++)
		same += out[i] == next[i];
	CHECK(same < 8, "counter 1's block shares %d of 64 bytes with counter 0's", same);
	return check_done();
}
