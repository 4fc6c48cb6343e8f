/*
 * The keyrings a process has (keyrings(7), docs/keys.md): a thread
 * keyring per thread, a process keyring per process, a session keyring
 * shared across fork and kept across execve, and per uid a user keyring
 * and a user-session keyring (and a persistent keyring). The special
 * IDs (KEY_SPEC_*) name them; key_lookup turns an ID into a key and
 * decides whether the caller possesses it. All under keys_lock.
 */
#include <alloy/compiler.h>
#include <alloy/errno.h>
#include <alloy/keys.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/printf.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/thread.h>
#include <uapi/capability.h>
#include "internal.h"

/* The user and user-session keyrings of uid, made on first use (even
 * with no "create": Linux's rule). They are found through the user's
 * record, never by name, so a keyring someone else named "_uid.N" is
 * not taken for them (add_key03). */
int user_keyrings(u32 uid, struct key **uid_ring, struct key **ses_ring)
{
	struct key_user *u = key_user_get(uid);
	char name[32];
	int rc;

	if (!u)
		return -ENOMEM;
	/* one the user revoked, invalidated or let expire is replaced at
	 * once (Linux: once the collector takes it), or the user could
	 * never have one again until a reboot */
	u64 now = keys_now();
	if (u->uid_keyring && key_validate(u->uid_keyring, now)) {
		key_put(u->uid_keyring);
		u->uid_keyring = NULL;
		if (u->session_keyring) {	/* it was linked into the old one */
			key_put(u->session_keyring);
			u->session_keyring = NULL;
		}
	}
	if (u->session_keyring && key_validate(u->session_keyring, now)) {
		key_put(u->session_keyring);
		u->session_keyring = NULL;
	}
	if (!u->uid_keyring) {
		snprintf(name, sizeof(name), "_uid.%u", uid);
		rc = keyring_alloc(name, uid, (u32)-1, KEY_POS_ALL | KEY_USR_ALL,
				   KA_QUOTA | KA_OVERRUN | KA_UID_KEYRING, &u->uid_keyring);
		if (rc)
			return rc;
	}
	if (!u->session_keyring) {
		struct key *s;
		snprintf(name, sizeof(name), "_uid_ses.%u", uid);
		rc = keyring_alloc(name, uid, (u32)-1, KEY_POS_ALL | KEY_USR_ALL,
				   KA_QUOTA | KA_OVERRUN | KA_UID_KEYRING, &s);
		if (rc)
			return rc;
		rc = keyring_link(s, u->uid_keyring);
		if (rc) {
			key_put(s);
			return rc;
		}
		u->session_keyring = s;
	}
	if (uid_ring)
		*uid_ring = u->uid_keyring;
	if (ses_ring)
		*ses_ring = u->session_keyring;
	return 0;
}

static int special_keyring(const char *name, const struct cred *c, u32 perm, struct key **out)
{
	return keyring_alloc(name, c->uid, c->gid, perm, KA_QUOTA | KA_OVERRUN, out);
}

static int thread_keyring(bool create, struct key **out)
{
	struct task *t = current_task();
	struct cred c;

	if (!t->key_thread) {
		if (!create)
			return -ENOKEY;
		cred_current(&c);
		int rc = special_keyring("_tid", &c, KEY_POS_ALL | KEY_USR_VIEW, &t->key_thread);
		if (rc)
			return rc;
	}
	*out = t->key_thread;
	return 0;
}

static int process_keyring(bool create, struct key **out)
{
	struct process *p = current_proc();
	struct cred c;

	if (!p->key_process) {
		if (!create)
			return -ENOKEY;
		cred_current(&c);
		int rc = special_keyring("_pid", &c, KEY_POS_ALL | KEY_USR_VIEW, &p->key_process);
		if (rc)
			return rc;
	}
	*out = p->key_process;
	return 0;
}

static void install_session(struct process *p, struct key *k)
{
	struct key *old = p->key_session;

	key_get(k);
	p->key_session = k;
	key_put(old);
}

/* A process without a session keyring uses its user's session keyring:
 * on first access it is installed as the session keyring (Linux). */
static int session_keyring(bool create, struct key **out)
{
	struct process *p = current_proc();

	if (!p->key_session) {
		struct cred c;
		struct key *us;
		cred_current(&c);
		int rc = user_keyrings(c.uid, NULL, &us);
		if (rc)
			return rc;
		if (create) {
			rc = join_session_keyring(NULL);
			if (rc < 0)
				return rc;
		} else {
			install_session(p, us);
		}
	}
	*out = p->key_session;
	return 0;
}

/* The keyrings a search of "the process's keyrings" starts from. */
static int roots(struct key *r[3])
{
	struct process *p = current_proc();
	int n = 0;

	if (current_task()->key_thread)
		r[n++] = current_task()->key_thread;
	if (p->key_process)
		r[n++] = p->key_process;
	if (p->key_session) {
		r[n++] = p->key_session;
	} else {
		struct cred c;
		struct key *us;
		cred_current(&c);
		if (!user_keyrings(c.uid, NULL, &us))
			r[n++] = us;
	}
	return n;
}

/*
 * Linux's search_process_keyrings: thread, process, then session
 * keyring. A key found wins; else a negative key's error or "nothing
 * there" (-ENOKEY / -EAGAIN) from any keyring that could be searched;
 * else another error (revoked, expired, EACCES).
 */
int search_process_keyrings(struct key_search *s)
{
	struct key *r[3];
	int n = roots(r), ret = 0, err = -EAGAIN;

	s->possessed = true;
	for (int i = 0; i < n; i++) {
		int rc = keyring_search_from(r[i], s);
		if (!rc)
			return 0;
		if (rc == -EAGAIN) {
			if (!ret)
				ret = rc;
		} else if (rc == -ENOKEY) {
			ret = rc;
		} else {
			err = rc;
		}
	}
	return ret ? ret : err;
}

/* Possession: k is one of the caller's thread, process, session keyrings
 * or is reached from them through keyrings it may search, and may be
 * searched itself. */
bool key_is_possessed(struct key *k, const struct cred *c)
{
	struct key *r[3];
	int n = roots(r);

	for (int i = 0; i < n; i++)
		if (r[i] == k)
			return true;
	struct key_search s = { .target = k, .cred = c, .no_state = true, .now = keys_now() };
	return !search_process_keyrings(&s);
}

/*
 * Linux's lookup_user_key: the key an ID names, with a reference, and
 * whether the caller possesses it; need is the KEY_NEED_* mask the
 * caller must hold (0: none). LK_PARTIAL lets negative keys through;
 * LK_DEFER leaves state and permission to the caller; LK_UNLINK checks
 * nothing (unlinking does not use the key).
 */
int key_lookup(s32 id, int lflags, u32 need, struct key **out, bool *possessed)
{
	bool create = lflags & LK_CREATE, poss = true;
	struct key *k = NULL;
	struct cred c;
	int rc;

	cred_current(&c);
	switch (id) {
	case KEY_SPEC_THREAD_KEYRING:
		rc = thread_keyring(create, &k);
		break;
	case KEY_SPEC_PROCESS_KEYRING:
		rc = process_keyring(create, &k);
		break;
	case KEY_SPEC_SESSION_KEYRING:
		rc = session_keyring(create, &k);
		break;
	case KEY_SPEC_USER_KEYRING:
		rc = user_keyrings(c.uid, &k, NULL);
		break;
	case KEY_SPEC_USER_SESSION_KEYRING:
		rc = user_keyrings(c.uid, NULL, &k);
		break;
	case KEY_SPEC_GROUP_KEYRING:
		return -EINVAL;
	case KEY_SPEC_REQKEY_AUTH_KEY:
	case KEY_SPEC_REQUESTOR_KEYRING:
		return -ENOKEY;	/* no key is under construction: no authority */
	default:
		if (id < 1)
			return -EINVAL;
		k = key_find_serial(id);
		if (!k || !k->usage)
			return -ENOKEY;
		poss = key_is_possessed(k, &c);
		rc = 0;
		break;
	}
	if (rc)
		return rc;
	if (!(lflags & (LK_UNLINK | LK_DEFER))) {
		u64 now = keys_now();
		if (!(lflags & LK_PARTIAL) && (k->flags & KF_NEGATIVE))
			return k->reject_error;
		if ((rc = key_validate(k, now)))
			return rc;
	}
	if (need && !(lflags & (LK_UNLINK | LK_DEFER)) &&
	    (key_perm_mask(k, &c, poss) & need) != need)
		return -EACCES;
	key_get(k);
	*out = k;
	if (possessed)
		*possessed = poss;
	return 0;
}

/* KEYCTL_JOIN_SESSION_KEYRING: name NULL makes a new anonymous session
 * keyring; else the keyring of that name the caller may search, or a
 * new one of that name. Returns its serial. */
int join_session_keyring(const char *name)
{
	struct process *p = current_proc();
	struct cred c;
	struct key *k;
	int rc;

	cred_current(&c);
	if (!name) {
		rc = special_keyring("_ses", &c, KEY_POS_ALL | KEY_USR_VIEW | KEY_USR_READ, &k);
		if (rc)
			return rc;
		install_session(p, k);
		key_put(k);
		return k->serial;
	}
	k = keyring_by_name(name, &c);
	if (k) {
		if (k != p->key_session)
			install_session(p, k);
		return k->serial;
	}
	rc = keyring_alloc(name, c.uid, c.gid,
			   KEY_POS_ALL | KEY_USR_VIEW | KEY_USR_READ | KEY_USR_LINK, KA_QUOTA, &k);
	if (rc)
		return rc;
	install_session(p, k);
	key_put(k);
	return p->key_session->serial;
}

/* request_key's destination when none is given: the keyring set with
 * KEYCTL_SET_REQKEY_KEYRING, falling through thread, process, session
 * and user-session keyrings as Linux does; it must grant write. */
int reqkey_dest(int which, struct key **out)
{
	struct process *p = current_proc();
	struct key *k = NULL;
	struct cred c;
	int rc = 0;

	cred_current(&c);
	switch (which) {
	case KEY_REQKEY_DEFL_USER_KEYRING:
		rc = user_keyrings(c.uid, &k, NULL);
		break;
	default:
		if (which != KEY_REQKEY_DEFL_PROCESS_KEYRING &&
		    which != KEY_REQKEY_DEFL_SESSION_KEYRING &&
		    which != KEY_REQKEY_DEFL_USER_SESSION_KEYRING)
			k = current_task()->key_thread;
		if (!k && which != KEY_REQKEY_DEFL_SESSION_KEYRING &&
		    which != KEY_REQKEY_DEFL_USER_SESSION_KEYRING)
			k = p->key_process;
		if (!k && which != KEY_REQKEY_DEFL_USER_SESSION_KEYRING)
			k = p->key_session;
		if (!k)
			rc = user_keyrings(c.uid, NULL, &k);
		break;
	}
	if (rc)
		return rc;
	if (!(key_perm_mask(k, &c, true) & KEY_NEED_WRITE))
		return -EACCES;
	key_get(k);
	*out = k;
	return 0;
}

/* KEYCTL_SET_REQKEY_KEYRING's thread and process cases make the keyring
 * if it is missing (and keep one that exists: keyctl04's leak). */
int reqkey_make(int which)
{
	struct key *k;

	if (which == KEY_REQKEY_DEFL_THREAD_KEYRING)
		return thread_keyring(true, &k);
	if (which == KEY_REQKEY_DEFL_PROCESS_KEYRING)
		return process_keyring(true, &k);
	return 0;
}

/* KEYCTL_SESSION_TO_PARENT: the parent (single-threaded, the same
 * owner, not init) takes our session keyring. Alloy swaps it at once
 * rather than at the parent's next return to user space: the pointer is
 * the parent's only under keys_lock, which it takes to use it. */
int session_to_parent(void)
{
	struct cred c;
	struct key *ses;
	int rc = key_lookup(KEY_SPEC_SESSION_KEYRING, 0, KEY_NEED_LINK, &ses, NULL);

	if (rc)
		return rc;
	cred_current(&c);
	struct process *parent = NULL;
	int ppid = proc_getppid();
	if (ppid > 0)
		parent = proc_find(ppid);
	rc = -EPERM;
	if (!parent || parent->pid == 1 || READ_ONCE(parent->nr_threads) != 1 ||
	    parent->keys_gone)
		goto out;
	u32 euid = c.euid, egid = c.egid;
	if (READ_ONCE(parent->uid[0]) != euid || READ_ONCE(parent->uid[1]) != euid ||
	    READ_ONCE(parent->uid[2]) != euid || READ_ONCE(parent->gid[0]) != egid ||
	    READ_ONCE(parent->gid[1]) != egid || READ_ONCE(parent->gid[2]) != egid)
		goto out;
	if ((parent->key_session && parent->key_session->uid != euid) || ses->uid != euid)
		goto out;
	install_session(parent, ses);
	rc = 0;
out:
	if (parent)
		proc_put(parent);
	key_put(ses);
	return rc;
}

/* KEYCTL_GET_PERSISTENT's keyring of uid: kept by the user's record,
 * its expiry pushed back on each request. */
int persistent_keyring(u32 uid, struct key **out)
{
	struct key_user *u = key_user_get(uid);
	u64 now = keys_now();
	char name[32];

	if (!u)
		return -ENOMEM;
	if (u->persistent && key_validate(u->persistent, now)) {
		key_put(u->persistent);
		u->persistent = NULL;
	}
	if (!u->persistent) {
		snprintf(name, sizeof(name), "_persistent.%u", uid);
		int rc = keyring_alloc(name, uid, (u32)-1,
				       KEY_POS_ALL | KEY_USR_VIEW | KEY_USR_READ,
				       KA_UID_KEYRING, &u->persistent);
		if (rc)
			return rc;
	}
	u->persistent->expiry = now + (u64)key_persistent_expiry;
	*out = u->persistent;
	return 0;
}

/* ---- hooks (<alloy/keys.h>) */

void keys_fork(struct process *child, struct process *parent)
{
	/* Most processes never touch keys: no lock for them. A join racing
	 * in another of the parent's threads is as if it came after. */
	if (!READ_ONCE(parent->key_session)) {
		child->key_reqkey_def = READ_ONCE(parent->key_reqkey_def);
		return;
	}
	mutex_lock(&keys_lock);
	child->key_session = parent->key_session;
	if (child->key_session)
		key_get(child->key_session);
	child->key_reqkey_def = parent->key_reqkey_def;
	mutex_unlock(&keys_lock);
}

void keys_exec(struct process *p, struct task *t)
{
	/* exec runs alone in its process: nobody else sets these now */
	if (!t->key_thread && !READ_ONCE(p->key_process))
		return;
	mutex_lock(&keys_lock);
	key_put(t->key_thread);
	t->key_thread = NULL;
	key_put(p->key_process);
	p->key_process = NULL;
	mutex_unlock(&keys_lock);
}

void keys_thread_exit(struct task *t)
{
	if (!READ_ONCE(t->key_thread))	/* only t sets it: nothing to take */
		return;
	mutex_lock(&keys_lock);
	key_put(t->key_thread);
	t->key_thread = NULL;
	mutex_unlock(&keys_lock);
}

void keys_proc_exit(struct process *p)
{
	mutex_lock(&keys_lock);
	p->keys_gone = true;
	key_put(p->key_process);
	key_put(p->key_session);
	p->key_process = p->key_session = NULL;
	mutex_unlock(&keys_lock);
}
