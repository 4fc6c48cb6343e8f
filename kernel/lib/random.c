/*
 * The kernel's random numbers (getrandom, /dev/urandom, AT_RANDOM, address
 * space randomization, TCP sequence numbers): ChaCha20 (RFC 8439) as a
 * generator with fast key erasure. The 256-bit key is seeded from the
 * CPU's hardware source (RDSEED/RDRAND: arch_random_seed) at first use and
 * mixed with it again after every RESEED_BYTES of output. Each request
 * takes key stream under its own nonce, and then the key is replaced with
 * more key stream of that nonce, so a later state says nothing of output
 * already handed out. Requests are served PIECE bytes per hold of the
 * lock, which is taken with interrupts off.
 *
 * Without a hardware source (a CPU model without RDRAND) the seed is the
 * clock's jitter only: the boot log says so, and the output is then only
 * as unpredictable as that.
 */
#include <alloy/arch.h>
#include <alloy/chacha20.h>
#include <alloy/lockrank.h>
#include <alloy/printk.h>
#include <alloy/random.h>
#include <alloy/sched.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>

#define RESEED_BYTES (1u << 20)
#define PIECE 512

static spinlock_t random_lock = SPINLOCK_INIT("random", LR_RANDOM);
static u32 key[8];		/* [random_lock] */
static u64 nonce_seq;		/* [random_lock] one nonce per request piece */
static u64 since_reseed;	/* [random_lock] bytes handed out */
static bool seeded;		/* [random_lock] */

static void next_nonce(u32 nonce[3])
{
	nonce_seq++;
	nonce[0] = (u32)nonce_seq;
	nonce[1] = (u32)(nonce_seq >> 32);
	nonce[2] = 0x616c6c79;	/* "ally": the requests' stream */
}

/* New key = block 0 of nonce's key stream (a request's output starts at
 * block 1); the old key is gone. */
static void rekey_with(const u32 nonce[3])
{
	u8 blk[64];

	chacha20_block(key, 0, nonce, blk);
	memcpy(key, blk, sizeof(key));
	memset(blk, 0, sizeof(blk));
}

/* The same with a nonce of its own, after mixing. */
static void rekey_locked(void)
{
	u32 nonce[3];

	next_nonce(nonce);
	nonce[2] = 0x6b657973;	/* "keys": never a request's nonce */
	rekey_with(nonce);
}

/* XORs words into the key, then rekeys, so nothing mixed in can cancel
 * the key bits it does not know. */
static void mix_locked(const u32 *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		key[i % 8] ^= w[i];
	rekey_locked();
}

static void seed_locked(void)
{
	u32 w[16];
	int hw = 0;

	for (int i = 0; i < 8; i++) {
		u64 v = 0;
		if (arch_random_seed(&v))
			hw++;
		w[2 * i] = (u32)v ^ (u32)ktime_ns();
		w[2 * i + 1] = (u32)(v >> 32);
	}
	if (hw < 8) {	/* clock jitter: the low bits of busy-loop timings */
		for (int i = 0; i < 256; i++) {
			u64 t = ktime_ns();
			for (volatile int k = 0; k < (int)(t & 15); k++)
				;
			w[i % 16] = (w[i % 16] << 3 | w[i % 16] >> 29) ^ (u32)(ktime_ns() - t);
		}
	}
	mix_locked(w, 16);
	memset(w, 0, sizeof(w));
	if (!seeded && hw < 8)
		pr_warn("random: no hardware random source; seeded from clock jitter only\n");
	seeded = true;
	since_reseed = 0;
}

void get_random_bytes(void *buf, size_t len)
{
	u8 *p = buf, blk[64];

	while (len) {
		size_t piece = MIN(len, (size_t)PIECE);
		u32 nonce[3];
		unsigned long flags = spin_lock_irqsave(&random_lock);

		if (!seeded || since_reseed >= RESEED_BYTES)
			seed_locked();
		next_nonce(nonce);
		for (u32 ctr = 1, done = 0; done < piece; ctr++) {
			chacha20_block(key, ctr, nonce, blk);
			size_t k = MIN(piece - done, sizeof(blk));
			memcpy(p + done, blk, k);
			done += (u32)k;
		}
		rekey_with(nonce);	/* fast key erasure */
		since_reseed += piece;
		spin_unlock_irqrestore(&random_lock, flags);
		p += piece;
		len -= piece;
	}
	memset(blk, 0, sizeof(blk));
}

void add_random_bytes(const void *buf, size_t len)
{
	const u8 *p = buf;

	while (len) {
		u32 w[16] = { 0 };
		size_t k = MIN(len, sizeof(w));
		memcpy(w, p, k);
		unsigned long flags = spin_lock_irqsave(&random_lock);
		if (!seeded)
			seed_locked();
		mix_locked(w, 16);
		spin_unlock_irqrestore(&random_lock, flags);
		p += k;
		len -= k;
	}
}

/* /proc/sys/kernel/random: the fixed entropy count, boot_id (one random
 * UUID per boot) and uuid (a new one each read), as Linux has them. */
static long entropy_avail = RANDOM_ENTROPY_BITS, poolsize = RANDOM_ENTROPY_BITS;
SYSCTL_INT(random_entropy, "kernel/random/entropy_avail", 0444, &entropy_avail, 0, 4096);
SYSCTL_INT(random_poolsize, "kernel/random/poolsize", 0444, &poolsize, 0, 4096);

static void uuid_show(struct pbuf *b, const u8 u[16])
{
	pbuf_printf(b, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n",
		    u[0], u[1], u[2], u[3], u[4], u[5], (u[6] & 0x0f) | 0x40, u[7],
		    (u[8] & 0x3f) | 0x80, u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int show_uuid(struct pbuf *b)
{
	u8 u[16];

	get_random_bytes(u, sizeof(u));
	uuid_show(b, u);
	return 0;
}

static int show_boot_id(struct pbuf *b)
{
	static u8 id[16];
	static int made;	/* 0, 1 being made, 2 made */
	int expect = 0;

	if (__atomic_compare_exchange_n(&made, &expect, 1, false, __ATOMIC_ACQUIRE,
					__ATOMIC_ACQUIRE)) {
		get_random_bytes(id, sizeof(id));
		__atomic_store_n(&made, 2, __ATOMIC_RELEASE);
	}
	while (__atomic_load_n(&made, __ATOMIC_ACQUIRE) != 2)
		arch_cpu_relax();
	uuid_show(b, id);
	return 0;
}
SYSCTL(random_uuid, "kernel/random/uuid", 0444, show_uuid, NULL);
SYSCTL(random_boot_id, "kernel/random/boot_id", 0444, show_boot_id, NULL);
