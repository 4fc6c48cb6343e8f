/*
 * Keys as objects (docs/keys.md): serial numbers, references, payloads,
 * per-user quotas, permissions. Everything here runs under keys_lock
 * except payload_put, whose count is atomic.
 */
#include <alloy/errno.h>
#include <alloy/keys.h>
#include <alloy/lockrank.h>
#include <alloy/panic.h>
#include <alloy/random.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include "internal.h"

struct mutex keys_lock;

/* Linux's defaults (/proc/sys/kernel/keys/) */
long key_maxkeys = 200, key_maxbytes = 20000;
long key_root_maxkeys = 1000000, key_root_maxbytes = 25000000;
long key_gc_delay = 300, key_persistent_expiry = 3 * 24 * 3600;

#define SERIAL_BUCKETS 256
static struct list_head serials[SERIAL_BUCKETS];
static LIST_HEAD(key_users);
static struct key *dead_keys;	/* usage 0, to free at key_reap() */

void keys_init(void)
{
	mutex_init(&keys_lock, "keys", LR_MUTEX_KEYS);
	for (int i = 0; i < SERIAL_BUCKETS; i++)
		list_init(&serials[i]);
}

u64 keys_now(void)
{
	return ktime_ns() / 1000000000ull + 1;	/* never 0: 0 is "no expiry" */
}

static struct list_head *bucket(s32 serial)
{
	return &serials[(u32)serial % SERIAL_BUCKETS];
}

struct key *key_find_serial(s32 serial)
{
	struct key *k;

	list_for_each_entry(k, bucket(serial), hash_link)
		if (k->serial == serial)
			return k;
	return NULL;
}

struct key *key_first(void)
{
	for (int i = 0; i < SERIAL_BUCKETS; i++)
		if (!list_empty(&serials[i]))
			return list_first_entry(&serials[i], struct key, hash_link);
	return NULL;
}

struct key *key_next(struct key *k)
{
	int i = (u32)k->serial % SERIAL_BUCKETS;

	if (k->hash_link.next != &serials[i])
		return list_entry(k->hash_link.next, struct key, hash_link);
	for (i++; i < SERIAL_BUCKETS; i++)
		if (!list_empty(&serials[i]))
			return list_first_entry(&serials[i], struct key, hash_link);
	return NULL;
}

/* Linux's: random, positive, above 2; never one in use. */
static s32 new_serial(void)
{
	for (;;) {
		u32 r;
		get_random_bytes(&r, sizeof(r));
		s32 s = (s32)(r & 0x7fffffff);
		if (s > 2 && !key_find_serial(s))
			return s;
	}
}

struct key_user *key_user_get(u32 uid)
{
	struct key_user *u;

	list_for_each_entry(u, &key_users, link)
		if (u->uid == uid)
			return u;
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return NULL;
	u->uid = uid;
	/* sorted by uid, for /proc/key-users */
	struct key_user *pos;
	list_for_each_entry(pos, &key_users, link)
		if (pos->uid > uid)
			break;
	list_add_tail(&u->link, &pos->link);
	return u;
}

struct key_user *key_user_first(void)
{
	return list_first_entry_or_null(&key_users, struct key_user, link);
}

struct key_user *key_user_next(struct key_user *u)
{
	return u->link.next == &key_users ? NULL :
	       list_entry(u->link.next, struct key_user, link);
}

static u32 max_keys(u32 uid)
{
	return (u32)(uid == 0 ? key_root_maxkeys : key_maxkeys);
}

static u32 max_bytes(u32 uid)
{
	return (u32)(uid == 0 ? key_root_maxbytes : key_maxbytes);
}

int key_alloc(const struct key_type *t, const char *desc, u32 uid, u32 gid, u32 perm,
	      int flags, struct key **out)
{
	size_t dlen = strlen(desc);
	struct key_user *u = key_user_get(uid);

	if (!u)
		return -ENOMEM;
	u32 quotalen = (u32)dlen + 1;
	if ((flags & KA_QUOTA) && !(flags & KA_OVERRUN) &&
	    (u->qnkeys + 1 > max_keys(uid) || u->qnbytes + quotalen > max_bytes(uid) ||
	     u->qnbytes + quotalen < u->qnbytes))
		return -EDQUOT;
	struct key *k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	k->desc = kmalloc(dlen + 1, GFP_KERNEL);
	if (!k->desc) {
		kfree(k);
		return -ENOMEM;
	}
	memcpy(k->desc, desc, dlen + 1);
	k->usage = 1;
	k->type = t;
	k->uid = uid;
	k->gid = gid;
	k->perm = perm;
	k->user = u;
	k->serial = new_serial();
	u->nkeys++;
	if (flags & (KA_QUOTA | KA_OVERRUN)) {
		k->flags |= KF_IN_QUOTA;
		k->quotalen = quotalen;
		u->qnkeys++;
		u->qnbytes += quotalen;
	}
	if (flags & KA_UID_KEYRING)
		k->flags |= KF_UID_KEYRING;
	list_add(&k->hash_link, bucket(k->serial));
	*out = k;
	return 0;
}

void key_get(struct key *k)
{
	k->usage++;
}

void key_put_deferred(struct key *k)
{
	if (k && --k->usage == 0) {
		k->dead_next = dead_keys;
		dead_keys = k;
	}
}

static void key_free(struct key *k)
{
	struct key_user *u = k->user;

	list_del(&k->hash_link);
	u->nkeys--;
	if (k->flags & KF_INST)
		u->nikeys--;
	if (k->flags & KF_IN_QUOTA) {
		u->qnkeys--;
		u->qnbytes -= k->quotalen;
	}
	/* what it linked loses a reference: onto the list, not recursion */
	for (u32 i = 0; i < k->nlinks; i++)
		key_put_deferred(k->links[i]);
	kfree(k->links);
	payload_put(k->payload);
	kfree(k->desc);
	kfree(k);
}

void key_reap(void)
{
	while (dead_keys) {
		struct key *k = dead_keys;
		dead_keys = k->dead_next;
		key_free(k);
	}
}

void key_put(struct key *k)
{
	key_put_deferred(k);
	key_reap();
}

/* Linux's key_payload_reserve: the bytes a key holds count against its
 * owner's quota. */
int key_reserve(struct key *k, u32 datalen)
{
	if (k->flags & KF_IN_QUOTA) {
		struct key_user *u = k->user;
		s64 delta = (s64)datalen - k->datalen;
		if (delta > 0 && (u64)u->qnbytes + (u64)delta > max_bytes(k->uid))
			return -EDQUOT;
		u->qnbytes = (u32)((s64)u->qnbytes + delta);
		k->quotalen = (u32)((s64)k->quotalen + delta);
	}
	k->datalen = datalen;
	return 0;
}

struct key_payload *payload_alloc(u32 len)
{
	struct key_payload *pl = kmalloc(sizeof(*pl) + len, GFP_KERNEL);

	if (pl) {
		atomic_set(&pl->refs, 1);
		pl->len = len;
	}
	return pl;
}

void payload_put(struct key_payload *pl)
{
	if (pl && atomic_dec_and_test(&pl->refs))
		kfree(pl);
}

static void mark_instantiated(struct key *k)
{
	if (!(k->flags & KF_INST)) {
		k->flags |= KF_INST;
		k->user->nikeys++;
	}
}

int key_instantiate(struct key *k, struct key_payload *pl)
{
	int rc = key_reserve(k, pl ? pl->len : 0);

	if (rc)
		return rc;
	k->payload = pl;
	mark_instantiated(k);
	return 0;
}

void key_set_payload(struct key *k, struct key_payload *pl)
{
	struct key_payload *old = k->payload;

	k->payload = pl;
	k->flags &= ~KF_NEGATIVE;
	k->reject_error = 0;
	mark_instantiated(k);
	payload_put(old);	/* a reader still holding it keeps it */
}

void key_negate(struct key *k, int error, u64 timeout)
{
	k->flags |= KF_NEGATIVE;
	k->reject_error = error;
	k->expiry = timeout ? keys_now() + timeout : 0;
	mark_instantiated(k);
}

int key_validate(const struct key *k, u64 now)
{
	if (k->flags & KF_INVALID)
		return -ENOKEY;
	if (k->flags & KF_REVOKED)
		return -EKEYREVOKED;
	if (k->expiry && now >= k->expiry)
		return -EKEYEXPIRED;
	return 0;
}

void key_revoke(struct key *k)
{
	if (!(k->flags & KF_REVOKED)) {
		k->flags |= KF_REVOKED;
		k->revoked_at = keys_now();
		if (k->type->keyring) {
			keyring_clear(k);	/* Linux: a revoked keyring lets its keys go */
		} else {
			struct key_payload *old = k->payload;
			k->payload = NULL;
			key_reserve(k, 0);
			payload_put(old);
		}
	}
}

/* KEYCTL_CHOWN's owner change: the key moves to the new owner's quota. */
int key_chown(struct key *k, u32 uid)
{
	struct key_user *nu = key_user_get(uid), *ou = k->user;

	if (!nu)
		return -ENOMEM;
	if (nu == ou)
		return 0;
	if (k->flags & KF_IN_QUOTA) {
		if (nu->qnkeys + 1 > max_keys(uid) ||
		    (u64)nu->qnbytes + k->quotalen > max_bytes(uid))
			return -EDQUOT;
		nu->qnkeys++;
		nu->qnbytes += k->quotalen;
		ou->qnkeys--;
		ou->qnbytes -= k->quotalen;
	}
	nu->nkeys++;
	ou->nkeys--;
	if (k->flags & KF_INST) {
		nu->nikeys++;
		ou->nikeys--;
	}
	k->user = nu;
	k->uid = uid;
	return 0;
}

/* Linux's key_task_permission: the owner's, else the group's (when the
 * key grants its group anything), else everyone's bits; and the
 * possessor's on top for a key the caller possesses. Root gets nothing
 * more. */
u32 key_perm_mask(const struct key *k, const struct cred *c, bool possessed)
{
	u32 m;

	if (k->uid == c->fsuid)
		m = k->perm >> 16;
	else if (k->gid != (u32)-1 && (k->perm & KEY_GRP_ALL) && cred_in_group(c, k->gid))
		m = k->perm >> 8;
	else
		m = k->perm;
	if (possessed)
		m |= k->perm >> 24;
	return m & 0x3f;
}

static int vet_logon(const char *desc)
{
	const char *colon = strchr(desc, ':');

	return colon && colon != desc ? 0 : -EINVAL;	/* "service:name" */
}

const struct key_type key_type_keyring = {
	.name = "keyring", .keyring = true, .readable = true,
};
const struct key_type key_type_user = {
	.name = "user", .readable = true, .updatable = true, .max_plen = KEY_USER_MAX,
};
const struct key_type key_type_logon = {
	.name = "logon", .updatable = true, .max_plen = KEY_USER_MAX, .vet = vet_logon,
};

/* big_key and the crypto types are absent: add_key answers ENODEV,
 * request_key ENOKEY, as Linux without them. */
const struct key_type *key_type_find(const char *name)
{
	static const struct key_type *const types[] = {
		&key_type_keyring, &key_type_user, &key_type_logon,
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(types[i]->name, name))
			return types[i];
	return NULL;
}
