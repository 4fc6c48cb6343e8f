/*
 * The in-memory index of an ext2 directory (issue 17): where each name
 * lies, and where there is room, so that create, lookup and delete cost
 * the same in a directory of 100 000 entries as in one of ten. Nothing of
 * it is on disk; dir.c builds it lazily from a scan of the directory (the
 * cost of one linear lookup), keeps it current under the ns_lock, and
 * drops it with the inode (eviction, unmount) or when it runs out of
 * budget, going back to the linear scans. This file is the data
 * structure only; every entry it points at is parsed again before use.
 *
 * - Names: an open-addressing table (linear probing, deletion by
 *   backward shift: no tombstones) of u64 slots, tag << 32 | fblock << 10
 *   | off / 4, tag the name's keyed hash with the top bit set (0 is an
 *   empty slot). Names are not stored: a candidate's entry is read and
 *   compared. The hash is keyed with a random seed per boot, so a program
 *   cannot pick names that all fall in one chain offline.
 * - Room: per directory block, the largest gap the index knows of (what a
 *   new entry may take from one entry: its rec_len less what it uses)
 *   and that entry's offset, in the leaves of a max segment tree, so the
 *   first block with room for a name is found in O(log blocks). A gap is
 *   exact after a build, and a lower bound after changes (a create: the
 *   new entry takes the rest of the gap it went into; a delete: the
 *   freed room replaces the known gap only if it is larger); a lower
 *   bound wastes room until the next build, never breaks the directory.
 * - Memory: in chunks of at most 4 KiB from kmalloc (no large blocks),
 *   charged to one budget for every index of every mount, 1/16 of RAM
 *   (about 16 bytes per entry: a directory of a million entries takes 16
 *   MiB). An index that would pass the budget is not built, or dropped.
 */
#include <alloy/atomic.h>
#include <alloy/errno.h>
#include <alloy/mm.h>
#include <alloy/random.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include "ext2.h"

#define CHUNK 4096UL
#define OFF_BITS 10			/* off / 4 < 1024: blocks up to 4 KiB */
#define TAG_BIT 0x80000000u
#define MIN_SLOTS 64
/* Blocks an index covers at most: 1 GiB of 4 KiB blocks, millions of
 * entries; past it (a hostile directory of repeated empty blocks) the
 * tree would cost more than the scans it saves. */
#define MAX_BLOCKS (1u << 18)

struct chunks {
	u8 **p;
	u32 n;				/* chunks */
	size_t bytes;			/* of the array the chunks hold */
};

struct ext2_dindex {
	struct chunks slots;		/* u64 each, 0 empty */
	u32 mask;			/* slots - 1 */
	u32 used;			/* live entries */
	u32 others;			/* of which not "." or ".." */
	struct chunks tree;		/* u16: [1, cap) maxima, [cap, 2 cap) blocks */
	struct chunks goff;		/* u16 per block: where its leaf's gap is */
	u32 cap;			/* leaves, a power of two */
	u32 nblocks;
	long charged;
};

static atomic_long_t dx_total;		/* bytes of every index */
static u64 dx_seed;

static long dx_budget(void)
{
	return (long)(page_alloc_total_count() * PAGE_SIZE / 16);
}

long ext2_dx_total(void)
{
	return atomic_long_read(&dx_total);
}

static bool charge(struct ext2_dindex *dx, long bytes)
{
	if (atomic_long_add_return(&dx_total, bytes) > dx_budget()) {
		atomic_long_add_return(&dx_total, -bytes);
		return false;
	}
	dx->charged += bytes;
	return true;
}

static void uncharge(struct ext2_dindex *dx, long bytes)
{
	atomic_long_add_return(&dx_total, -bytes);
	dx->charged -= bytes;
}

static void chunks_free(struct ext2_dindex *dx, struct chunks *c)
{
	if (!c->p)
		return;
	for (u32 i = 0; i < c->n; i++)
		kfree(c->p[i]);
	kfree(c->p);
	uncharge(dx, (long)(c->bytes + c->n * sizeof(u8 *)));
	memset(c, 0, sizeof(*c));
}

/* A zeroed array of `bytes`, charged. */
static int chunks_alloc(struct ext2_dindex *dx, struct chunks *c, size_t bytes)
{
	u32 n = (u32)((bytes + CHUNK - 1) / CHUNK);
	size_t piece = bytes < CHUNK ? bytes : CHUNK;

	if (!charge(dx, (long)(bytes + n * sizeof(u8 *))))
		return -E2BIG;
	memset(c, 0, sizeof(*c));
	c->bytes = bytes;
	c->p = kzalloc(n * sizeof(u8 *), GFP_KERNEL);
	if (!c->p) {
		uncharge(dx, (long)(bytes + n * sizeof(u8 *)));
		return -ENOMEM;
	}
	for (; c->n < n; c->n++)
		if (!(c->p[c->n] = kzalloc(piece, GFP_KERNEL))) {
			chunks_free(dx, c);
			return -ENOMEM;
		}
	return 0;
}

static inline void *at(const struct chunks *c, size_t off)
{
	return c->p[off / CHUNK] + off % CHUNK;
}

static inline u64 *slot(const struct ext2_dindex *dx, u32 i) { return at(&dx->slots, i * 8UL); }
static inline u16 *node(const struct ext2_dindex *dx, u32 i) { return at(&dx->tree, i * 2UL); }
static inline u16 *goff(const struct ext2_dindex *dx, u32 b) { return at(&dx->goff, b * 2UL); }

static u64 seed(void)
{
	u64 s = __atomic_load_n(&dx_seed, __ATOMIC_ACQUIRE), zero = 0;

	if (s)
		return s;
	get_random_bytes(&s, sizeof(s));
	s |= 1;
	if (!__atomic_compare_exchange_n(&dx_seed, &zero, s, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		s = zero;	/* someone else's, now everyone's */
	return s;
}

u32 ext2_dx_hash(const char *name, size_t len)
{
	u64 h = seed() ^ (len * 0x9e3779b97f4a7c15ULL);

	for (size_t i = 0; i < len; i++) {
		h = (h ^ (u8)name[i]) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (u32)h | TAG_BIT;
}

/* ---- names */

static inline u64 make_slot(u32 tag, u32 fb, u32 off)
{
	return (u64)tag << 32 | (u64)fb << OFF_BITS | off / 4;
}

static void put_slot(struct ext2_dindex *dx, u64 s)
{
	u32 i = (u32)(s >> 32) & dx->mask;

	while (*slot(dx, i))
		i = (i + 1) & dx->mask;
	*slot(dx, i) = s;
}

/* Twice the slots, everything rehashed. */
static int grow_slots(struct ext2_dindex *dx, u32 want)
{
	struct chunks old = dx->slots;
	u32 old_n = dx->mask + 1, n = old_n;
	int rc;

	while (want > n / 4 * 3)
		n *= 2;
	if ((rc = chunks_alloc(dx, &dx->slots, n * 8UL))) {
		dx->slots = old;
		return rc;
	}
	dx->mask = n - 1;
	for (u32 i = 0; i < old_n; i++) {
		u64 s = *(u64 *)at(&old, i * 8UL);
		if (s)
			put_slot(dx, s);
	}
	chunks_free(dx, &old);
	return 0;
}

int ext2_dx_insert(struct ext2_dindex *dx, u32 tag, u32 fb, u32 off, bool counted)
{
	int rc;

	if (dx->used + 1 > (dx->mask + 1) / 4 * 3 && (rc = grow_slots(dx, dx->used + 1)))
		return rc;
	put_slot(dx, make_slot(tag, fb, off));
	dx->used++;
	dx->others += counted;
	return 0;
}

void ext2_dx_remove(struct ext2_dindex *dx, u32 tag, u32 fb, u32 off, bool counted)
{
	u64 s = make_slot(tag, fb, off);
	u32 i = tag & dx->mask;

	while (*slot(dx, i) && *slot(dx, i) != s)
		i = (i + 1) & dx->mask;
	if (!*slot(dx, i))
		return;
	/* backward shift: pull up each later slot of the run that may move */
	for (u32 j = (i + 1) & dx->mask; *slot(dx, j); j = (j + 1) & dx->mask) {
		u32 home = (u32)(*slot(dx, j) >> 32) & dx->mask;
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (stays)
			continue;
		*slot(dx, i) = *slot(dx, j);
		i = j;
	}
	*slot(dx, i) = 0;
	dx->used--;
	dx->others -= counted;
}

/* The next candidate for tag from *cursor (start it at ext2_dx_first). */
u32 ext2_dx_first(const struct ext2_dindex *dx, u32 tag)
{
	return tag & dx->mask;
}

bool ext2_dx_next(const struct ext2_dindex *dx, u32 tag, u32 *cursor, u32 *fb, u32 *off)
{
	for (u64 s; (s = *slot(dx, *cursor)); *cursor = (*cursor + 1) & dx->mask) {
		if ((u32)(s >> 32) != tag)
			continue;
		*cursor = (*cursor + 1) & dx->mask;
		*fb = (u32)s >> OFF_BITS;
		*off = ((u32)s & ((1u << OFF_BITS) - 1)) * 4;
		return true;
	}
	return false;
}

u32 ext2_dx_others(const struct ext2_dindex *dx)
{
	return dx->others;
}

/* ---- room */

static void fix_up(struct ext2_dindex *dx, u32 i)
{
	for (i /= 2; i; i /= 2) {
		u16 l = *node(dx, 2 * i), r = *node(dx, 2 * i + 1);
		*node(dx, i) = l > r ? l : r;
	}
}

static int alloc_tree(struct ext2_dindex *dx, u32 cap)
{
	int rc = chunks_alloc(dx, &dx->tree, 2UL * cap * 2);
	if (rc)
		return rc;
	if ((rc = chunks_alloc(dx, &dx->goff, 2UL * cap))) {
		chunks_free(dx, &dx->tree);
		return rc;
	}
	dx->cap = cap;
	return 0;
}

static void rebuild_maxima(struct ext2_dindex *dx)
{
	for (u32 i = dx->cap - 1; i; i--) {
		u16 l = *node(dx, 2 * i), r = *node(dx, 2 * i + 1);
		*node(dx, i) = l > r ? l : r;
	}
}

/* Block fb's largest known gap is `gap` bytes, at the entry at off. fb
 * may be nblocks: the directory grew by a block. */
int ext2_dx_set_gap(struct ext2_dindex *dx, u32 fb, u32 gap, u32 off)
{
	if (fb >= MAX_BLOCKS || fb > dx->nblocks)
		return -EFBIG;
	if (fb == dx->cap) {
		struct chunks ot = dx->tree, og = dx->goff;
		u32 ocap = dx->cap;
		int rc = alloc_tree(dx, ocap * 2);
		if (rc) {
			dx->tree = ot;
			dx->goff = og;
			return rc;
		}
		for (u32 b = 0; b < ocap; b++) {
			*node(dx, dx->cap + b) = *(u16 *)at(&ot, (ocap + b) * 2UL);
			*goff(dx, b) = *(u16 *)at(&og, b * 2UL);
		}
		chunks_free(dx, &ot);
		chunks_free(dx, &og);
		rebuild_maxima(dx);
	}
	if (fb == dx->nblocks)
		dx->nblocks++;
	*node(dx, dx->cap + fb) = (u16)gap;
	*goff(dx, fb) = (u16)off;
	fix_up(dx, dx->cap + fb);
	return 0;
}

u32 ext2_dx_get_gap(const struct ext2_dindex *dx, u32 fb, u32 *off)
{
	if (fb >= dx->nblocks)
		return 0;
	*off = *goff(dx, fb);
	return *node(dx, dx->cap + fb);
}

/* During a build: no maxima yet (ext2_dx_built makes them). */
void ext2_dx_note_gap(struct ext2_dindex *dx, u32 fb, u32 gap, u32 off)
{
	if (fb < dx->nblocks && gap > *node(dx, dx->cap + fb)) {
		*node(dx, dx->cap + fb) = (u16)gap;
		*goff(dx, fb) = (u16)off;
	}
}

void ext2_dx_built(struct ext2_dindex *dx)
{
	rebuild_maxima(dx);
}

/* The first block with a gap of at least need bytes, and where; -1 if none. */
long ext2_dx_find_gap(const struct ext2_dindex *dx, u32 need, u32 *off)
{
	u32 i = 1;

	if (*node(dx, 1) < need)
		return -1;
	while (i < dx->cap)
		i = *node(dx, 2 * i) >= need ? 2 * i : 2 * i + 1;
	*off = *goff(dx, i - dx->cap);
	return i - dx->cap;
}

/* ---- the whole */

struct ext2_dindex *ext2_dx_alloc(u64 nblocks, int *err)
{
	struct ext2_dindex *dx;
	u32 cap = 1;

	*err = -EFBIG;
	if (nblocks > MAX_BLOCKS)
		return NULL;
	while (cap < nblocks)
		cap *= 2;
	*err = -ENOMEM;
	if (!(dx = kzalloc(sizeof(*dx), GFP_KERNEL)))
		return NULL;
	dx->nblocks = (u32)nblocks;
	if ((*err = chunks_alloc(dx, &dx->slots, MIN_SLOTS * 8UL)) ||
	    (*err = alloc_tree(dx, cap))) {
		ext2_dx_free(dx);
		return NULL;
	}
	dx->mask = MIN_SLOTS - 1;
	return dx;
}

void ext2_dx_free(struct ext2_dindex *dx)
{
	if (!dx)
		return;
	chunks_free(dx, &dx->slots);
	chunks_free(dx, &dx->tree);
	chunks_free(dx, &dx->goff);
	kfree(dx);
}
