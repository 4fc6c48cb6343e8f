/*
 * Inside the key retention subsystem (docs/keys.md).
 *
 * One sleeping lock, keys_lock, guards every key's fields but its
 * payload's bytes, every keyring's links, the serial table, the per-user
 * quota records and the keyring pointers of processes and threads. A
 * key's usage counts the keyrings that link it, the processes and
 * threads that hold it as a special keyring, the user records that hold
 * it (user keyrings, persistent keyrings) and the syscalls working on
 * it; the last key_put frees it, at once, with whatever it linked
 * (iteratively: keyrings may nest deeply). Links never form a cycle
 * (keyring_link refuses with EDEADLK), so counting is enough to free
 * every key nobody can reach.
 *
 * A user key's bytes live in a key_payload of their own with an atomic
 * count: a reader takes a reference under keys_lock and copies out after
 * dropping it, so an update or revoke racing with the read frees the old
 * bytes only when the reader is done.
 */
#ifndef KEYS_INTERNAL_H
#define KEYS_INTERNAL_H

#include <alloy/atomic.h>
#include <alloy/cred.h>
#include <alloy/list.h>
#include <alloy/mutex.h>
#include <alloy/types.h>
#include <uapi/keyctl.h>

#define KEY_MAX_DESC	4096		/* description, with its NUL */
#define KEY_TYPE_MAX	32		/* type name, with its NUL */
#define KEY_MAX_PLEN	(1024 * 1024 - 1)	/* add_key's payload */
#define KEY_UPDATE_MAX	4096		/* keyctl UPDATE's payload (Linux: a page) */
#define KEY_USER_MAX	32767		/* a user or logon key's payload */
#define KEY_LINK_BYTES	4		/* quota charged per link in a keyring */
#define KEYRING_MAX_DEPTH 6		/* keyrings on a search's path */
#define KEY_NEG_TIMEOUT	60		/* seconds a negative key lives */

struct key_payload {
	atomic_t refs;
	u32 len;
	u8 data[];
};

struct key_type {
	const char *name;
	bool keyring;		/* holds links, not bytes */
	bool readable;		/* KEYCTL_READ gives the payload */
	bool updatable;		/* add_key on it / KEYCTL_UPDATE replace the payload */
	u32 max_plen;
	int (*vet)(const char *desc);	/* 0 or -EINVAL */
};

/* key flags */
#define KF_INST		0x01	/* instantiated (positively or negatively) */
#define KF_NEGATIVE	0x02
#define KF_REVOKED	0x04
#define KF_INVALID	0x08
#define KF_IN_QUOTA	0x10	/* counted in its owner's quota */
#define KF_UID_KEYRING	0x20	/* a user, user-session or persistent keyring:
				 * never found by name */
#define KF_RESTRICTED	0x40	/* KEYCTL_RESTRICT_KEYRING: no new links */

struct key_user;

struct key {
	int usage;			/* references, see above */
	s32 serial;
	const struct key_type *type;
	char *desc;
	u32 uid, gid, perm;
	u32 flags;			/* KF_* */
	int reject_error;		/* a negative key's errno (negative) */
	u64 expiry;			/* keys_now() seconds; 0: never */
	u64 revoked_at;			/* keys_now() of the revocation */
	struct key_user *user;		/* the owner's quota record */
	u32 quotalen;			/* bytes charged to it */
	u32 datalen;			/* payload bytes, or links * KEY_LINK_BYTES */
	struct key_payload *payload;	/* a positive user or logon key's */
	struct key **links;		/* a keyring's keys, each counted */
	u32 nlinks, cap;
	struct list_head hash_link;	/* in the serial table */
	struct key *dead_next;		/* on the list of keys to free */
	u64 walk_gen;			/* the search that last visited it */
	int walk_depth;			/* ... and at what depth */
};

/* A user's quota and keyrings; one per uid that ever had a key, kept. */
struct key_user {
	struct list_head link;
	u32 uid;
	u32 nkeys, nikeys;		/* keys owned, of them instantiated */
	u32 qnkeys, qnbytes;		/* what counts against the quota */
	struct key *uid_keyring, *session_keyring, *persistent;	/* counted */
};

extern struct mutex keys_lock;
extern long key_maxkeys, key_maxbytes, key_root_maxkeys, key_root_maxbytes;
extern long key_gc_delay, key_persistent_expiry;
extern const struct key_type key_type_keyring, key_type_user, key_type_logon;

u64 keys_now(void);
const struct key_type *key_type_find(const char *name);

/* key.c: objects, serials, quota */
struct key_user *key_user_get(u32 uid);	/* NULL: out of memory */
struct key_user *key_user_first(void);
struct key_user *key_user_next(struct key_user *u);
#define KA_QUOTA	1	/* charge the owner; may fail with EDQUOT */
#define KA_OVERRUN	2	/* charge but never refuse */
#define KA_UID_KEYRING	4
int key_alloc(const struct key_type *t, const char *desc, u32 uid, u32 gid, u32 perm,
	      int flags, struct key **out);
void key_get(struct key *k);
void key_put(struct key *k);
void key_put_deferred(struct key *k);	/* frees only at key_reap() */
void key_reap(void);
struct key *key_find_serial(s32 serial);	/* no reference */
int key_reserve(struct key *k, u32 datalen);	/* 0 or -EDQUOT */
/* Instantiates k positively with payload (taken over) or negatively. */
int key_instantiate(struct key *k, struct key_payload *pl);
void key_negate(struct key *k, int error, u64 timeout);
void key_set_payload(struct key *k, struct key_payload *pl);	/* replaces, puts old */
struct key_payload *payload_alloc(u32 len);
void payload_put(struct key_payload *pl);
int key_validate(const struct key *k, u64 now);	/* 0, -ENOKEY, -EKEYREVOKED, -EKEYEXPIRED */
void key_revoke(struct key *k);
int key_chown(struct key *k, u32 uid);
/* Each key in the serial table, in no order (keys_lock held). */
struct key *key_first(void);
struct key *key_next(struct key *k);

/* permission.c-like, in key.c: the mask (KEY_NEED_*) c has on k */
u32 key_perm_mask(const struct key *k, const struct cred *c, bool possessed);

/* keyring.c */
struct key_search {
	const struct key_type *type;
	const char *desc;
	const struct key *target;	/* match this key, not a type and description */
	const struct cred *cred;
	bool possessed;
	bool no_state;			/* revoked, expired, negative keys match too */
	u64 now;
	struct key *found;		/* no reference */
	int err;			/* best error seen */
};
u64 key_walk_gen(void);
int keyring_alloc(const char *desc, u32 uid, u32 gid, u32 perm, int flags,
		  struct key **out);
int keyring_find(const struct key *ring, const struct key_type *t, const char *desc);
int keyring_link(struct key *ring, struct key *k);
int keyring_unlink(struct key *ring, struct key *k);
void keyring_clear(struct key *ring);
/* Searches ring (already permitted) and its nested keyrings: true when
 * s->found is set. */
bool keyring_search(struct key *ring, struct key_search *s);
/* keyctl SEARCH, request_key: the key or -EAGAIN / -EACCES / another. */
int keyring_search_from(struct key *ring, struct key_search *s);
struct key *keyring_by_name(const char *name, const struct cred *c);
void keys_gc(bool now);

/* process_keys.c */
#define LK_CREATE	1	/* make the special keyring when missing */
#define LK_PARTIAL	2	/* negative keys too */
#define LK_DEFER	4	/* the caller checks permission and state */
#define LK_UNLINK	8	/* only its identity matters */
int key_lookup(s32 id, int lflags, u32 need, struct key **out, bool *possessed);
int search_process_keyrings(struct key_search *s);
bool key_is_possessed(struct key *k, const struct cred *c);
int user_keyrings(u32 uid, struct key **uid_ring, struct key **ses_ring);
int join_session_keyring(const char *name);
int reqkey_dest(int which, struct key **out);
int reqkey_make(int which);
int session_to_parent(void);
int persistent_keyring(u32 uid, struct key **out);

#endif
