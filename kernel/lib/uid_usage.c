/*
 * Per-user counters (<alloy/uid_usage.h>). A slot with n == 0 is free. A
 * user's count may be split between its slot and the overflow counter
 * (charged while the table was full, then a slot freed): the sum is
 * right, and uncharging takes from the slot first, then the overflow.
 */
#include <alloy/uid_usage.h>

static u64 *slot_of(struct uid_usage *u, u32 uid, bool make)
{
	u64 *free = NULL;

	for (int i = 0; i < UID_USAGE_SLOTS; i++) {
		if (u->slot[i].n && u->slot[i].uid == uid)
			return &u->slot[i].n;
		if (!u->slot[i].n && !free) {
			free = &u->slot[i].n;
			if (make)
				u->slot[i].uid = uid;
		}
	}
	if (!make)
		return NULL;
	return free ? free : &u->shared;
}

/* A user's count, with the whole overflow counter: a user that holds no
 * slot (or part of whose count went there) is limited by what all such
 * users hold together, never by nothing. */
u64 uid_usage_get(const struct uid_usage *u, u32 uid)
{
	u64 *n = slot_of((struct uid_usage *)u, uid, false), sum;

	if (__builtin_add_overflow(n ? *n : 0, u->shared, &sum))
		return ~0ULL;
	return sum;
}

bool uid_usage_charge(struct uid_usage *u, u32 uid, u64 n, u64 limit)
{
	u64 *c = slot_of(u, uid, true), sum;

	if (__builtin_add_overflow(uid_usage_get(u, uid), n, &sum) || (limit && sum > limit))
		return false;
	*c += n;
	return true;
}

void uid_usage_uncharge(struct uid_usage *u, u32 uid, u64 n)
{
	u64 *c = slot_of(u, uid, false);

	if (c) {
		u64 k = n < *c ? n : *c;
		*c -= k;
		n -= k;
	}
	u->shared -= n < u->shared ? n : u->shared;
}
