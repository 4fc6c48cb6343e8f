/*
 * Keyrings (docs/keys.md): a keyring holds counted links to keys, at
 * most one per type and description. Linking refuses cycles (EDEADLK)
 * and nesting deeper than a search goes (ELOOP), so the links form a
 * DAG whose reference counts free everything unreachable. Searches walk
 * at most KEYRING_MAX_DEPTH keyrings deep and visit a keyring again only
 * when they reach it by a shorter path, so a wide lattice of keyrings
 * costs each keyring once per depth, not once per path.
 * All under keys_lock.
 */
#include <alloy/errno.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include "internal.h"

static u64 walk_gen;	/* never wraps: a stale mark never matches */

u64 key_walk_gen(void)
{
	return ++walk_gen;
}

int keyring_alloc(const char *desc, u32 uid, u32 gid, u32 perm, int flags, struct key **out)
{
	int rc = key_alloc(&key_type_keyring, desc, uid, gid, perm, flags, out);

	if (!rc)
		key_instantiate(*out, NULL);	/* 0 bytes: cannot fail */
	return rc;
}

static bool same_index(const struct key *k, const struct key_type *t, const char *desc)
{
	return k->type == t && !strcmp(k->desc, desc);
}

int keyring_find(const struct key *ring, const struct key_type *t, const char *desc)
{
	for (u32 i = 0; i < ring->nlinks; i++)
		if (same_index(ring->links[i], t, desc))
			return (int)i;
	return -1;
}

/* Would a link from ring to k close a cycle, or nest keyrings too deep?
 * k's own subtree is searched for ring. */
static int subtree_check(struct key *k, const struct key *ring, int depth, u64 gen)
{
	if (depth > KEYRING_MAX_DEPTH)
		return -ELOOP;
	for (u32 i = 0; i < k->nlinks; i++) {
		struct key *c = k->links[i];
		if (c == ring)
			return -EDEADLK;
		if (!c->type->keyring)
			continue;
		if (c->walk_gen == gen && c->walk_depth <= depth + 1)
			continue;
		c->walk_gen = gen;
		c->walk_depth = depth + 1;
		int rc = subtree_check(c, ring, depth + 1, gen);
		if (rc)
			return rc;
	}
	return 0;
}

int keyring_link(struct key *ring, struct key *k)
{
	if (!ring->type->keyring)
		return -ENOTDIR;
	if (ring->flags & KF_RESTRICTED)
		return -EPERM;
	if (k->type->keyring) {
		if (k == ring)
			return -EDEADLK;
		int rc = subtree_check(k, ring, 1, key_walk_gen());
		if (rc)
			return rc;
	}
	int slot = keyring_find(ring, k->type, k->desc);
	if (slot >= 0) {	/* displaces the key of that type and name */
		struct key *old = ring->links[slot];
		key_get(k);
		ring->links[slot] = k;
		key_put(old);
		return 0;
	}
	if (ring->nlinks == ring->cap) {
		u32 cap = ring->cap ? ring->cap * 2 : 8;
		struct key **nl = kmalloc(cap * sizeof(*nl), GFP_KERNEL);
		if (!nl)
			return -ENOMEM;
		if (ring->nlinks)
			memcpy(nl, ring->links, ring->nlinks * sizeof(*nl));
		kfree(ring->links);
		ring->links = nl;
		ring->cap = cap;
	}
	int rc = key_reserve(ring, ring->datalen + KEY_LINK_BYTES);
	if (rc)
		return rc;
	key_get(k);
	ring->links[ring->nlinks++] = k;
	return 0;
}

static void unlink_at(struct key *ring, u32 i, bool deferred)
{
	struct key *k = ring->links[i];

	memmove(&ring->links[i], &ring->links[i + 1], (ring->nlinks - i - 1) * sizeof(k));
	ring->nlinks--;
	key_reserve(ring, ring->datalen - KEY_LINK_BYTES);	/* shrinks: cannot fail */
	if (deferred)
		key_put_deferred(k);
	else
		key_put(k);
}

int keyring_unlink(struct key *ring, struct key *k)
{
	if (!ring->type->keyring)
		return -ENOTDIR;
	for (u32 i = 0; i < ring->nlinks; i++)
		if (ring->links[i] == k) {
			unlink_at(ring, i, false);
			return 0;
		}
	return -ENOENT;
}

void keyring_clear(struct key *ring)
{
	struct key **links = ring->links;
	u32 n = ring->nlinks;

	ring->links = NULL;
	ring->nlinks = ring->cap = 0;
	key_reserve(ring, 0);
	for (u32 i = 0; i < n; i++)
		key_put_deferred(links[i]);
	kfree(links);
	key_reap();
}

static bool matches(const struct key *k, const struct key_search *s)
{
	return s->target ? k == s->target : same_index(k, s->type, s->desc);
}

/* Errors a search keeps when it finds nothing usable, weakest first. */
static void note(struct key_search *s, int err)
{
	int rank_new = err == -EACCES ? 1 : (err == -EKEYREVOKED || err == -EKEYEXPIRED) ? 2 : 3;
	int rank_old = !s->err ? 0 : s->err == -EACCES ? 1 :
		       (s->err == -EKEYREVOKED || s->err == -EKEYEXPIRED) ? 2 : 3;

	if (rank_new > rank_old)
		s->err = err;
}

static bool descendable(const struct key *k, const struct key_search *s)
{
	return k->type->keyring && !(k->flags & (KF_NEGATIVE | KF_INVALID)) &&
	       !key_validate(k, s->now) &&
	       (key_perm_mask(k, s->cred, s->possessed) & KEY_NEED_SEARCH);
}

static bool search_ring(struct key *ring, int depth, struct key_search *s, u64 gen)
{
	for (u32 i = 0; i < ring->nlinks; i++) {
		struct key *k = ring->links[i];
		if (!matches(k, s) || (k->flags & KF_INVALID))
			continue;
		if (!s->no_state) {
			int rc = key_validate(k, s->now);
			if (rc) {
				note(s, rc);
				continue;
			}
		}
		if (!(key_perm_mask(k, s->cred, s->possessed) & KEY_NEED_SEARCH)) {
			note(s, -EACCES);
			continue;
		}
		if (!s->no_state && (k->flags & KF_NEGATIVE)) {
			note(s, k->reject_error);
			continue;
		}
		s->found = k;
		return true;
	}
	if (depth + 1 >= KEYRING_MAX_DEPTH)
		return false;
	for (u32 i = 0; i < ring->nlinks; i++) {
		struct key *k = ring->links[i];
		if (!descendable(k, s))
			continue;
		if (k->walk_gen == gen && k->walk_depth <= depth + 1)
			continue;
		k->walk_gen = gen;
		k->walk_depth = depth + 1;
		if (search_ring(k, depth + 1, s, gen))
			return true;
	}
	return false;
}

bool keyring_search(struct key *ring, struct key_search *s)
{
	u64 gen = key_walk_gen();

	ring->walk_gen = gen;
	ring->walk_depth = 0;
	return search_ring(ring, 0, s, gen);
}

/* Linux's keyring_search: the keyring itself must be a searchable,
 * valid keyring; -EAGAIN when nothing matched at all. */
int keyring_search_from(struct key *ring, struct key_search *s)
{
	if (!ring->type->keyring)
		return -ENOTDIR;
	if (!(key_perm_mask(ring, s->cred, s->possessed) & KEY_NEED_SEARCH))
		return -EACCES;
	if (ring->flags & KF_NEGATIVE)
		return ring->reject_error;
	int rc = key_validate(ring, s->now);
	if (rc)
		return rc;
	s->err = 0;
	if (keyring_search(ring, s))
		return 0;
	return s->err ? s->err : -EAGAIN;
}

/* KEYCTL_JOIN_SESSION_KEYRING by name: a keyring anyone may search that
 * is not somebody's user keyring. */
struct key *keyring_by_name(const char *name, const struct cred *c)
{
	u64 now = keys_now();

	for (struct key *k = key_first(); k; k = key_next(k)) {
		if (!k->type->keyring || (k->flags & (KF_UID_KEYRING | KF_NEGATIVE)) ||
		    !k->usage || key_validate(k, now) || strcmp(k->desc, name))
			continue;
		if (key_perm_mask(k, c, false) & KEY_NEED_SEARCH)
			return k;
	}
	return NULL;
}

/* Is k garbage in a keyring: invalidated, or revoked or expired for
 * longer than gc_delay (Linux keeps them that long so that a search
 * reports EKEYREVOKED / EKEYEXPIRED rather than ENOKEY)? */
static bool is_garbage(const struct key *k, u64 now)
{
	u64 delay = (u64)key_gc_delay;

	if (k->flags & KF_INVALID)
		return true;
	if ((k->flags & KF_REVOKED) && now >= k->revoked_at + delay)
		return true;
	return k->expiry && now >= k->expiry + delay;
}

/*
 * The garbage collector: drops dead keys' links from every keyring and
 * the users' expired persistent keyrings. Run at once when a key is
 * invalidated, else at most once a second from the key syscalls. The
 * walk frees nothing until it is done (the serial table stays intact
 * under it); key_reap then frees what lost its last reference.
 */
void keys_gc(bool force)
{
	static u64 last;
	u64 now = keys_now();

	if (!force && now == last)
		return;
	last = now;
	for (struct key *ring = key_first(); ring; ring = key_next(ring)) {
		if (!ring->type->keyring)
			continue;
		for (u32 i = 0; i < ring->nlinks;) {
			if (is_garbage(ring->links[i], now))
				unlink_at(ring, i, true);
			else
				i++;
		}
	}
	for (struct key_user *u = key_user_first(); u; u = key_user_next(u)) {
		if (u->persistent && is_garbage(u->persistent, now)) {
			key_put_deferred(u->persistent);
			u->persistent = NULL;
		}
	}
	key_reap();
}
