/*
 * Per-user counters (kernel/lib/uid_usage.c) for resources charged to the
 * user who made them (pipe pages, file lock records), so one user at a
 * limit cannot exhaust it for another. A small table the caller guards
 * with its own lock (never allocates: usable under a spinlock). Users
 * beyond UID_USAGE_SLOTS at once share one overflow counter: only root
 * can make that many users hold resources together.
 */
#ifndef ALLOY_UID_USAGE_H
#define ALLOY_UID_USAGE_H

#include <alloy/types.h>

#define UID_USAGE_SLOTS 32

struct uid_usage {
	struct { u32 uid; u64 n; } slot[UID_USAGE_SLOTS];
	u64 shared;		/* the users who found no slot */
};

/* What uid holds now. */
u64 uid_usage_get(const struct uid_usage *u, u32 uid);
/* Adds n to uid's count if that stays <= limit (0: no limit); false if not. */
bool uid_usage_charge(struct uid_usage *u, u32 uid, u64 n, u64 limit);
/* Takes back n that uid was charged. */
void uid_usage_uncharge(struct uid_usage *u, u32 uid, u64 n);

#endif
