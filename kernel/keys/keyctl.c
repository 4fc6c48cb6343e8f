/*
 * add_key(2), request_key(2), keyctl(2) (docs/keys.md). Arguments are
 * copied in before keys_lock is taken and results copied out after it
 * is dropped: no user copy, so no page fault, runs under the lock.
 */
#include <alloy/compiler.h>
#include <alloy/errno.h>
#include <alloy/keys.h>
#include <alloy/printf.h>
#include <alloy/process.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <uapi/capability.h>
#include "internal.h"

/* Linux's key_get_type_from_user: EFAULT, EINVAL (empty or too long),
 * EPERM (a '.' name is the kernel's own). */
static int copy_type(const char *u, char type[KEY_TYPE_MAX])
{
	long n = strncpy_from_user(type, u, KEY_TYPE_MAX);

	if (n == -ENAMETOOLONG || n == 0)
		return -EINVAL;
	if (n < 0)
		return (int)n;
	return type[0] == '.' ? -EPERM : 0;
}

/* A description or name: at most max-1 bytes, kmalloc'ed into *out. */
static int copy_string(const char *u, size_t max, char **out)
{
	char *s = kmalloc(max, GFP_KERNEL);

	if (!s)
		return -ENOMEM;
	long n = strncpy_from_user(s, u, max);
	if (n < 0) {
		kfree(s);
		return n == -ENAMETOOLONG ? -EINVAL : (int)n;
	}
	*out = s;
	return 0;
}

static int copy_payload(const void *u, size_t plen, struct key_payload **out)
{
	*out = NULL;
	if (!plen)
		return 0;
	struct key_payload *pl = payload_alloc((u32)plen);
	if (!pl)
		return -ENOMEM;
	if (copy_from_user(pl->data, u, plen)) {
		payload_put(pl);
		return -EFAULT;
	}
	*out = pl;
	return 0;
}

/* The default permissions of a key made by add_key or request_key. */
static u32 default_perm(const struct key_type *t)
{
	u32 perm = KEY_POS_VIEW | KEY_POS_SEARCH | KEY_POS_LINK | KEY_POS_SETATTR | KEY_USR_VIEW;

	if (t->readable)
		perm |= KEY_POS_READ;
	if (t->keyring || t->updatable)
		perm |= KEY_POS_WRITE;
	return perm;
}

/* A payload a type accepts: a keyring none, user and logon keys 1 to
 * 32767 bytes. */
static int check_payload(const struct key_type *t, size_t plen)
{
	if (t->keyring)
		return plen ? -EINVAL : 0;
	return plen == 0 || plen > t->max_plen ? -EINVAL : 0;
}

static int update_key(struct key *k, struct key_payload *pl)
{
	int rc = check_payload(k->type, pl ? pl->len : 0);

	if (rc)
		return rc;
	if ((rc = key_reserve(k, pl->len)))
		return rc;
	key_set_payload(k, pl);	/* a reader of the old bytes keeps them */
	return 0;
}

static long add_key_locked(const struct key_type *t, const char *desc,
			   struct key_payload **pl, s32 ringid)
{
	struct key *ring, *k;
	bool poss;
	struct cred c;
	int rc = key_lookup(ringid, LK_CREATE, KEY_NEED_WRITE, &ring, &poss);

	if (rc)
		return rc;
	rc = -ENOTDIR;
	if (!ring->type->keyring)
		goto out;
	cred_current(&c);
	if (t->updatable) {	/* the same type and name: updated in place if we may */
		int slot = keyring_find(ring, t, desc);
		if (slot >= 0) {
			k = ring->links[slot];
			if (!key_validate(k, keys_now()) &&
			    (key_perm_mask(k, &c, poss) & KEY_NEED_WRITE)) {
				rc = update_key(k, *pl);
				if (!rc) {
					*pl = NULL;
					rc = k->serial;
				}
				goto out;
			}
		}
	}
	rc = key_alloc(t, desc, c.fsuid, c.fsgid, default_perm(t), KA_QUOTA, &k);
	if (rc)
		goto out;
	rc = key_instantiate(k, *pl);
	if (!rc) {
		*pl = NULL;
		rc = keyring_link(ring, k);
	}
	if (!rc)
		rc = k->serial;
	key_put(k);
out:
	key_put(ring);
	return rc;
}

long sys_add_key(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a5;
	char type[KEY_TYPE_MAX], *desc = NULL;
	struct key_payload *pl = NULL;
	size_t plen = a3;
	int rc = copy_type((const char *)a0, type);

	if (rc)
		return rc;
	if (a1) {
		if ((rc = copy_string((const char *)a1, KEY_MAX_DESC, &desc)))
			return rc;
		if (!desc[0]) {
			kfree(desc);
			desc = NULL;
		} else if (desc[0] == '.' && !strcmp(type, "keyring")) {
			rc = -EPERM;
			goto out;
		}
	}
	rc = -EINVAL;
	if (plen > KEY_MAX_PLEN)
		goto out;
	const struct key_type *t = key_type_find(type);
	if (!t) {
		rc = -ENODEV;
		goto out;
	}
	if ((rc = check_payload(t, plen)))	/* before copying: bounded */
		goto out;
	if ((rc = copy_payload((const void *)a2, plen, &pl)))
		goto out;
	rc = -EINVAL;
	if (!desc || (t->vet && t->vet(desc)))
		goto out;
	mutex_lock(&keys_lock);
	keys_gc(false);
	rc = (int)add_key_locked(t, desc, &pl, (s32)a4);
	mutex_unlock(&keys_lock);
out:
	payload_put(pl);
	kfree(desc);
	return rc;
}

/* No /sbin/request-key is ever run: a key nobody has is constructed as
 * Linux constructs it when the helper is missing: negatively, linked
 * into the destination keyring for KEY_NEG_TIMEOUT seconds, and the
 * caller hears ENOENT (later requests find the negative key: ENOKEY). */
static long request_key_locked(const struct key_type *t, const char *desc, bool callout,
			       s32 destid)
{
	struct key *dest = NULL, *k;
	struct cred c;
	int rc;

	if (destid && (rc = key_lookup(destid, LK_CREATE, KEY_NEED_WRITE, &dest, NULL)))
		return rc;
	cred_current(&c);
	struct key_search s = { .type = t, .desc = desc, .cred = &c, .now = keys_now() };
	rc = search_process_keyrings(&s);
	if (!rc) {
		rc = s.found->serial;
		if (dest) {
			int lrc = keyring_link(dest, s.found);
			if (lrc)
				rc = lrc;
		}
		goto out;
	}
	if (rc != -EAGAIN)
		goto out;
	rc = -ENOKEY;
	if (!callout)
		goto out;
	if (!dest && (rc = reqkey_dest(current_proc()->key_reqkey_def, &dest)))
		goto out;
	if ((rc = key_alloc(t, desc, c.fsuid, c.fsgid, default_perm(t), KA_QUOTA, &k)))
		goto out;
	key_negate(k, -ENOKEY, KEY_NEG_TIMEOUT);
	rc = keyring_link(dest, k);
	key_put(k);
	if (!rc)
		rc = -ENOENT;	/* what running the missing helper returned */
out:
	key_put(dest);
	return rc;
}

long sys_request_key(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a4;
	(void)a5;
	char type[KEY_TYPE_MAX], *desc = NULL, *callout = NULL;
	int rc = copy_type((const char *)a0, type);

	if (rc)
		return rc;
	if ((rc = copy_string((const char *)a1, KEY_MAX_DESC, &desc)))
		return rc;
	if (a2 && (rc = copy_string((const char *)a2, PAGE_SIZE, &callout)))
		goto out;
	const struct key_type *t = key_type_find(type);
	rc = -ENOKEY;
	if (!t)
		goto out;
	mutex_lock(&keys_lock);
	keys_gc(false);
	rc = (int)request_key_locked(t, desc, callout != NULL, (s32)a3);
	mutex_unlock(&keys_lock);
out:
	kfree(callout);
	kfree(desc);
	return rc;
}

/* ---- keyctl operations, each under keys_lock unless it says so */

static long kc_get_keyring_id(s32 id, bool create)
{
	struct key *k;
	int rc = key_lookup(id, create ? LK_CREATE : 0, KEY_NEED_SEARCH, &k, NULL);

	if (rc)
		return rc;
	rc = k->serial;
	key_put(k);
	return rc;
}

static long kc_update(s32 id, struct key_payload **pl)
{
	struct key *k;
	int rc = key_lookup(id, 0, KEY_NEED_WRITE, &k, NULL);

	if (rc)
		return rc;
	rc = -EOPNOTSUPP;
	if (k->type->updatable) {
		rc = update_key(k, *pl);
		if (!rc)
			*pl = NULL;
	}
	key_put(k);
	return rc;
}

static long kc_revoke(s32 id)
{
	struct key *k;
	int rc = key_lookup(id, 0, KEY_NEED_WRITE, &k, NULL);

	if (rc == -EACCES)
		rc = key_lookup(id, 0, KEY_NEED_SETATTR, &k, NULL);
	if (rc)
		return rc;
	key_revoke(k);
	key_put(k);
	return 0;
}

static long kc_invalidate(s32 id)
{
	struct key *k;
	int rc = key_lookup(id, 0, KEY_NEED_SEARCH, &k, NULL);

	if (rc)
		return rc;
	k->flags |= KF_INVALID;
	key_put(k);
	keys_gc(true);	/* out of every keyring now */
	return 0;
}

static long kc_chown(s32 id, u32 uid, u32 gid)
{
	struct key *k;
	struct cred c;
	int rc;

	if (uid == (u32)-1 && gid == (u32)-1)
		return 0;
	if ((rc = key_lookup(id, LK_CREATE | LK_PARTIAL, KEY_NEED_SETATTR, &k, NULL)))
		return rc;
	cred_current(&c);
	rc = -EACCES;
	if (!proc_capable(CAP_SYS_ADMIN)) {
		if (uid != (u32)-1 && uid != k->uid)
			goto out;
		if (gid != (u32)-1 && gid != k->gid && !cred_in_group(&c, gid))
			goto out;
	}
	rc = 0;
	if (uid != (u32)-1 && uid != k->uid)
		rc = key_chown(k, uid);
	if (!rc && gid != (u32)-1)
		k->gid = gid;
out:
	key_put(k);
	return rc;
}

static long kc_setperm(s32 id, u32 perm)
{
	struct key *k;
	struct cred c;
	int rc;

	if (perm & ~(KEY_POS_ALL | KEY_USR_ALL | KEY_GRP_ALL | KEY_OTH_ALL))
		return -EINVAL;
	if ((rc = key_lookup(id, LK_CREATE | LK_PARTIAL, KEY_NEED_SETATTR, &k, NULL)))
		return rc;
	cred_current(&c);
	rc = -EACCES;
	if (k->uid == c.fsuid || proc_capable(CAP_SYS_ADMIN)) {
		k->perm = perm;
		rc = 0;
	}
	key_put(k);
	return rc;
}

/* DESCRIBE's text, made under the lock into *out (kmalloc'ed). */
static long kc_describe(s32 id, char **out)
{
	struct key *k;
	int rc = key_lookup(id, LK_PARTIAL, KEY_NEED_VIEW, &k, NULL);

	if (rc)
		return rc;
	size_t cap = strlen(k->desc) + 64;
	char *s = kmalloc(cap, GFP_KERNEL);
	rc = -ENOMEM;
	if (s) {
		rc = snprintf(s, cap, "%s;%d;%d;%08x;%s", k->type->name, (int)k->uid,
			      (int)k->gid, k->perm, k->desc) + 1;
		*out = s;
	}
	key_put(k);
	return rc;
}

static long kc_clear(s32 id)
{
	struct key *k;
	int rc = key_lookup(id, LK_CREATE, KEY_NEED_WRITE, &k, NULL);

	if (rc)
		return rc;
	rc = -ENOTDIR;
	if (k->type->keyring) {
		rc = -EPERM;
		if (!(k->flags & KF_RESTRICTED)) {
			keyring_clear(k);
			rc = 0;
		}
	}
	key_put(k);
	return rc;
}

static long kc_link(s32 id, s32 ringid)
{
	struct key *ring, *k;
	int rc = key_lookup(ringid, LK_CREATE, KEY_NEED_WRITE, &ring, NULL);

	if (rc)
		return rc;
	if (!(rc = key_lookup(id, LK_CREATE, KEY_NEED_LINK, &k, NULL))) {
		rc = keyring_link(ring, k);
		key_put(k);
	}
	key_put(ring);
	return rc;
}

static long kc_unlink(s32 id, s32 ringid)
{
	struct key *ring, *k;
	int rc = key_lookup(ringid, 0, KEY_NEED_WRITE, &ring, NULL);

	if (rc)
		return rc;
	if (!(rc = key_lookup(id, LK_PARTIAL | LK_UNLINK, 0, &k, NULL))) {
		rc = keyring_unlink(ring, k);
		key_put(k);
	}
	key_put(ring);
	return rc;
}

static long kc_move(s32 id, s32 from, s32 to, u32 flags)
{
	struct key *k, *fr, *tr;
	int rc;

	if (flags & ~KEYCTL_MOVE_EXCL)
		return -EINVAL;
	if ((rc = key_lookup(id, LK_CREATE, KEY_NEED_LINK, &k, NULL)))
		return rc;
	if ((rc = key_lookup(from, 0, KEY_NEED_WRITE, &fr, NULL)))
		goto out_k;
	if ((rc = key_lookup(to, LK_CREATE, KEY_NEED_WRITE, &tr, NULL)))
		goto out_fr;
	rc = -ENOTDIR;
	if (!fr->type->keyring || !tr->type->keyring)
		goto out;
	rc = 0;
	if (fr == tr)
		goto out;
	rc = -ENOENT;
	bool there = false;
	for (u32 i = 0; i < fr->nlinks; i++)
		there |= fr->links[i] == k;
	if (!there)
		goto out;
	rc = -EEXIST;
	if ((flags & KEYCTL_MOVE_EXCL) && keyring_find(tr, k->type, k->desc) >= 0)
		goto out;
	if (!(rc = keyring_link(tr, k)))
		keyring_unlink(fr, k);
out:
	key_put(tr);
out_fr:
	key_put(fr);
out_k:
	key_put(k);
	return rc;
}

static long kc_search(s32 ringid, const struct key_type *t, const char *desc, s32 destid)
{
	struct key *ring, *dest = NULL;
	bool poss;
	struct cred c;
	int rc = key_lookup(ringid, 0, KEY_NEED_SEARCH, &ring, &poss);

	if (rc)
		return rc;
	if (destid && (rc = key_lookup(destid, LK_CREATE, KEY_NEED_WRITE, &dest, NULL)))
		goto out;
	rc = -ENOKEY;
	if (!t)
		goto out;
	cred_current(&c);
	struct key_search s = { .type = t, .desc = desc, .cred = &c, .possessed = poss,
				.now = keys_now() };
	rc = keyring_search_from(ring, &s);
	if (rc == -EAGAIN)
		rc = -ENOKEY;
	if (rc)
		goto out;
	rc = s.found->serial;
	if (dest) {
		int lrc = -EACCES;
		if (key_perm_mask(s.found, &c, poss) & KEY_NEED_LINK)
			lrc = keyring_link(dest, s.found);
		if (lrc)
			rc = lrc;
	}
out:
	key_put(dest);
	key_put(ring);
	return rc;
}

static long kc_set_timeout(s32 id, u32 secs)
{
	struct key *k;
	int rc = key_lookup(id, LK_CREATE | LK_PARTIAL, KEY_NEED_SETATTR, &k, NULL);

	if (rc)
		return rc;
	k->expiry = secs ? keys_now() + secs : 0;
	key_put(k);
	return 0;
}

static long kc_set_reqkey(int which)
{
	struct process *p = current_proc();
	int old = p->key_reqkey_def;

	if (which == KEY_REQKEY_DEFL_NO_CHANGE)
		return old;
	if (which < KEY_REQKEY_DEFL_DEFAULT || which > KEY_REQKEY_DEFL_REQUESTOR_KEYRING ||
	    which == KEY_REQKEY_DEFL_GROUP_KEYRING)
		return -EINVAL;
	int rc = reqkey_make(which);
	if (rc)
		return rc;
	p->key_reqkey_def = which;
	return old;
}

static long kc_restrict(s32 id, bool reject_all)
{
	struct key *k;
	int rc = key_lookup(id, 0, KEY_NEED_SETATTR, &k, NULL);

	if (rc)
		return rc;
	if (!k->type->keyring)
		rc = -ENOTDIR;
	else if (k->flags & KF_RESTRICTED)
		rc = -EEXIST;
	else if (!reject_all)
		rc = -ENOENT;	/* no key type here has restriction schemes */
	else
		k->flags |= KF_RESTRICTED;
	key_put(k);
	return rc;
}

static long kc_get_persistent(u32 uid, s32 destid)
{
	struct cred c;
	struct key *dest, *pk;
	int rc;

	cred_current(&c);
	if (uid == (u32)-1)
		uid = c.uid;
	if (uid != c.uid && uid != c.euid && !proc_capable(CAP_SETUID))
		return -EPERM;
	if ((rc = key_lookup(destid, LK_CREATE, KEY_NEED_WRITE, &dest, NULL)))
		return rc;
	if (!(rc = persistent_keyring(uid, &pk))) {
		rc = keyring_link(dest, pk);
		if (!rc)
			rc = pk->serial;
	}
	key_put(dest);
	return rc;
}

/* A READ's source, taken under the lock and read after it: a user key's
 * payload (counted) or a keyring (counted, read in chunks). */
struct read_src {
	struct key_payload *pl;
	struct key *ring;
};

static long kc_read_begin(s32 id, struct read_src *src)
{
	struct key *k;
	bool poss;
	struct cred c;
	int rc = key_lookup(id, 0, 0, &k, &poss);	/* a negative key: its error */

	if (rc)
		return rc;
	cred_current(&c);
	u32 m = key_perm_mask(k, &c, poss);
	rc = -EACCES;
	if (!(m & KEY_NEED_READ) && !(poss && (m & KEY_NEED_SEARCH)))
		goto out;
	rc = -EOPNOTSUPP;
	if (!k->type->readable)
		goto out;
	if (k->type->keyring) {
		key_get(k);
		src->ring = k;
		rc = (int)(k->nlinks * sizeof(s32));
	} else {
		src->pl = k->payload;
		rc = -EKEYREVOKED;
		if (src->pl) {
			atomic_inc(&src->pl->refs);
			rc = (int)src->pl->len;
		}
	}
out:
	key_put(k);
	return rc;
}

#define READ_CHUNK 256

/* Copies a keyring's serials out a chunk at a time, taking the lock for
 * each: a huge keyring needs no huge buffer, and no copy runs under it. */
static long read_keyring(struct key *ring, u8 *ubuf, size_t buflen)
{
	s32 chunk[READ_CHUNK];
	size_t want = buflen / sizeof(s32), done = 0;

	while (done < want) {
		size_t n = 0;
		mutex_lock(&keys_lock);
		for (; n < READ_CHUNK && done + n < want && done + n < ring->nlinks; n++)
			chunk[n] = ring->links[done + n]->serial;
		mutex_unlock(&keys_lock);
		if (!n)
			break;
		if (copy_to_user(ubuf + done * sizeof(s32), chunk, n * sizeof(s32)))
			return -EFAULT;
		done += n;
	}
	return 0;
}

static long kc_read(s32 id, u8 *ubuf, size_t buflen)
{
	struct read_src src = { 0 };

	mutex_lock(&keys_lock);
	keys_gc(false);
	long rc = kc_read_begin(id, &src);
	mutex_unlock(&keys_lock);
	if (rc < 0)
		return rc;
	if (src.pl) {
		size_t n = MIN(buflen, (size_t)src.pl->len);
		if (ubuf && n && copy_to_user(ubuf, src.pl->data, n))
			rc = -EFAULT;
		payload_put(src.pl);
	} else if (src.ring) {
		if (ubuf && buflen) {
			long r = read_keyring(src.ring, ubuf, buflen);
			if (r)
				rc = r;
		}
		mutex_lock(&keys_lock);
		key_put(src.ring);
		mutex_unlock(&keys_lock);
	}
	return rc;
}

static long kc_capabilities(u8 *ubuf, size_t buflen)
{
	u8 caps[2] = {
		KEYCTL_CAPS0_CAPABILITIES | KEYCTL_CAPS0_PERSISTENT_KEYRINGS |
		KEYCTL_CAPS0_INVALIDATE | KEYCTL_CAPS0_RESTRICT_KEYRING | KEYCTL_CAPS0_MOVE,
		0,
	};
	size_t n = MIN(buflen, sizeof(caps));

	if (ubuf && n && copy_to_user(ubuf, caps, n))
		return -EFAULT;
	return sizeof(caps);
}

/* Operations that take a string argument copy it first. */
static long kc_with_strings(int cmd, u64 a2, u64 a3, u64 a4, u64 a5)
{
	char type[KEY_TYPE_MAX], *s = NULL, *r = NULL;
	long rc;

	switch (cmd) {
	case KEYCTL_JOIN_SESSION_KEYRING:
		if (a2) {
			if ((rc = copy_string((const char *)a2, KEY_MAX_DESC, &s)))
				return rc;
			rc = -EINVAL;
			if (!s[0])
				goto out;
			rc = -EPERM;	/* '.' keyrings are the kernel's (keyctl08) */
			if (s[0] == '.')
				goto out;
		}
		mutex_lock(&keys_lock);
		rc = join_session_keyring(s);
		mutex_unlock(&keys_lock);
		break;
	case KEYCTL_SEARCH:
		if ((rc = copy_type((const char *)a3, type)))
			return rc;
		if ((rc = copy_string((const char *)a4, KEY_MAX_DESC, &s)))
			return rc;
		mutex_lock(&keys_lock);
		keys_gc(false);
		rc = kc_search((s32)a2, key_type_find(type), s, (s32)a5);
		mutex_unlock(&keys_lock);
		break;
	case KEYCTL_RESTRICT_KEYRING:
		if (!a3) {
			if (a4)
				return -EINVAL;
		} else {
			if ((rc = copy_type((const char *)a3, type)))
				return rc;
			if (a4 && (rc = copy_string((const char *)a4, PAGE_SIZE, &r)))
				return rc;
		}
		mutex_lock(&keys_lock);
		rc = kc_restrict((s32)a2, !a3);
		mutex_unlock(&keys_lock);
		break;
	default:
		rc = -EOPNOTSUPP;
	}
out:
	kfree(s);
	kfree(r);
	return rc;
}

static long kc_locked(int cmd, u64 a2, u64 a3, u64 a4, u64 a5, struct key_payload **pl,
		      char **text)
{
	switch (cmd) {
	case KEYCTL_GET_KEYRING_ID: return kc_get_keyring_id((s32)a2, a3 != 0);
	case KEYCTL_UPDATE: return kc_update((s32)a2, pl);
	case KEYCTL_REVOKE: return kc_revoke((s32)a2);
	case KEYCTL_CHOWN: return kc_chown((s32)a2, (u32)a3, (u32)a4);
	case KEYCTL_SETPERM: return kc_setperm((s32)a2, (u32)a3);
	case KEYCTL_DESCRIBE: return kc_describe((s32)a2, text);
	case KEYCTL_CLEAR: return kc_clear((s32)a2);
	case KEYCTL_LINK: return kc_link((s32)a2, (s32)a3);
	case KEYCTL_UNLINK: return kc_unlink((s32)a2, (s32)a3);
	case KEYCTL_SET_REQKEY_KEYRING: return kc_set_reqkey((int)a2);
	case KEYCTL_SET_TIMEOUT: return kc_set_timeout((s32)a2, (u32)a3);
	case KEYCTL_INVALIDATE: return kc_invalidate((s32)a2);
	case KEYCTL_GET_PERSISTENT: return kc_get_persistent((u32)a2, (s32)a3);
	case KEYCTL_SESSION_TO_PARENT: return session_to_parent();
	case KEYCTL_MOVE: return kc_move((s32)a2, (s32)a3, (s32)a4, (u32)a5);
	case KEYCTL_GET_SECURITY: {	/* no security module: an empty label */
		struct key *k;
		long rc = key_lookup((s32)a2, 0, KEY_NEED_VIEW, &k, NULL);
		if (!rc) {
			key_put(k);
			*text = kzalloc(1, GFP_KERNEL);
			rc = *text ? 1 : -ENOMEM;
		}
		return rc;
	}
	default: return -EOPNOTSUPP;
	}
}

long sys_keyctl(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a5;
	int cmd = (int)a0;
	struct key_payload *pl = NULL;
	char *text = NULL;
	long rc;

	switch (cmd) {
	case KEYCTL_READ:
		return kc_read((s32)a1, (u8 *)a2, a3);
	case KEYCTL_CAPABILITIES:
		return kc_capabilities((u8 *)a1, a2);
	case KEYCTL_JOIN_SESSION_KEYRING:
	case KEYCTL_SEARCH:
	case KEYCTL_RESTRICT_KEYRING:
		return kc_with_strings(cmd, a1, a2, a3, a4);
	case KEYCTL_UPDATE:
		if (a3 > KEY_UPDATE_MAX)
			return -EINVAL;
		if ((rc = copy_payload((const void *)a2, a3, &pl)))
			return rc;
		break;
	case KEYCTL_ASSUME_AUTHORITY:	/* no construction ever waits for one */
		if ((s32)a1 < 0)
			return -EINVAL;
		return (s32)a1 == 0 ? 0 : -ENOKEY;
	case KEYCTL_INSTANTIATE:
	case KEYCTL_INSTANTIATE_IOV:
		if (a3 > KEY_MAX_PLEN)
			return -EINVAL;
		return -EPERM;		/* the caller has no authority over any key */
	case KEYCTL_REJECT:
		if ((s64)(s32)a3 <= 0 || (s32)a3 >= 4096 || (s32)a3 == ERESTARTSYS ||
		    (s32)a3 == ERESTARTNOINTR)
			return -EINVAL;
		return -EPERM;
	case KEYCTL_NEGATE:
		return -EPERM;
	case KEYCTL_DH_COMPUTE:
	case KEYCTL_PKEY_QUERY:
	case KEYCTL_PKEY_ENCRYPT:
	case KEYCTL_PKEY_DECRYPT:
	case KEYCTL_PKEY_SIGN:
	case KEYCTL_PKEY_VERIFY:
	case KEYCTL_WATCH_KEY:
		return -EOPNOTSUPP;	/* no crypto, no notifications */
	default:
		break;
	}
	mutex_lock(&keys_lock);
	keys_gc(false);
	rc = kc_locked(cmd, a1, a2, a3, a4, &pl, &text);
	mutex_unlock(&keys_lock);
	payload_put(pl);
	if (text) {	/* DESCRIBE, GET_SECURITY: whole or nothing */
		if (a2 && a3 >= (u64)rc && copy_to_user((void *)a2, text, (size_t)rc))
			rc = -EFAULT;
		kfree(text);
	}
	return rc;
}
