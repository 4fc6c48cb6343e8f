/*
 * /proc/keys, /proc/key-users and /proc/sys/kernel/keys/ (docs/keys.md),
 * in Linux's formats.
 */
#include <alloy/keys.h>
#include <alloy/sysctl.h>
#include "internal.h"

SYSCTL_INT(keys_maxkeys, "kernel/keys/maxkeys", 0644, &key_maxkeys, 0, 0x7fffffff);
SYSCTL_INT(keys_maxbytes, "kernel/keys/maxbytes", 0644, &key_maxbytes, 0, 0x7fffffff);
SYSCTL_INT(keys_root_maxkeys, "kernel/keys/root_maxkeys", 0644, &key_root_maxkeys, 0,
	   0x7fffffff);
SYSCTL_INT(keys_root_maxbytes, "kernel/keys/root_maxbytes", 0644, &key_root_maxbytes, 0,
	   0x7fffffff);
SYSCTL_INT(keys_gc_delay, "kernel/keys/gc_delay", 0644, &key_gc_delay, 0, 0x7fffffff);
SYSCTL_INT(keys_persistent_expiry, "kernel/keys/persistent_keyring_expiry", 0644,
	   &key_persistent_expiry, 0, 0x7fffffff);

static void show_expiry(struct pbuf *b, const struct key *k, u64 now)
{
	if (!k->expiry) {
		pbuf_puts(b, "perm ");
		return;
	}
	if (now >= k->expiry) {
		pbuf_puts(b, "expd ");
		return;
	}
	u64 t = k->expiry - now;
	if (t < 60)
		pbuf_printf(b, "%3llus ", (unsigned long long)t);
	else if (t < 3600)
		pbuf_printf(b, "%3llum ", (unsigned long long)(t / 60));
	else if (t < 86400)
		pbuf_printf(b, "%3lluh ", (unsigned long long)(t / 3600));
	else if (t < 7 * 86400)
		pbuf_printf(b, "%3llud ", (unsigned long long)(t / 86400));
	else
		pbuf_printf(b, "%3lluw ", (unsigned long long)(t / (7 * 86400)));
}

static void show_key(struct pbuf *b, const struct key *k, u64 now)
{
	u32 f = k->flags;

	pbuf_printf(b, "%08x %c%c%c%c%c%c%c %5d ", (u32)k->serial,
		    f & KF_INST ? 'I' : '-', f & KF_REVOKED ? 'R' : '-', '-',
		    f & KF_IN_QUOTA ? 'Q' : '-', '-', f & KF_NEGATIVE ? 'N' : '-',
		    f & KF_INVALID ? 'i' : '-', k->usage);
	show_expiry(b, k, now);
	pbuf_printf(b, "%08x %5d %5d %-9.9s ", k->perm, (int)k->uid, (int)k->gid,
		    k->type->name);
	pbuf_puts(b, k->desc);
	if ((f & KF_INST) && !(f & KF_NEGATIVE)) {
		if (k->type->keyring && k->nlinks)
			pbuf_printf(b, ": %u", k->nlinks);
		else if (k->type->keyring)
			pbuf_puts(b, ": empty");
		else
			pbuf_printf(b, ": %u", k->datalen);
	}
	pbuf_puts(b, "\n");
}

/* Every key the reader may view, as Linux lists them. */
int keys_proc_show(struct pbuf *b)
{
	struct cred c;
	u64 now = keys_now();

	cred_current(&c);
	mutex_lock(&keys_lock);
	for (struct key *k = key_first(); k; k = key_next(k)) {
		if (!(key_perm_mask(k, &c, false) & KEY_NEED_VIEW) &&
		    !((k->perm >> 24) & KEY_NEED_VIEW && key_is_possessed(k, &c)))
			continue;
		show_key(b, k, now);
	}
	mutex_unlock(&keys_lock);
	return 0;
}

int key_users_proc_show(struct pbuf *b)
{
	mutex_lock(&keys_lock);
	for (struct key_user *u = key_user_first(); u; u = key_user_next(u)) {
		u32 mk = (u32)(u->uid == 0 ? key_root_maxkeys : key_maxkeys);
		u32 mb = (u32)(u->uid == 0 ? key_root_maxbytes : key_maxbytes);
		pbuf_printf(b, "%5u: %5u %u/%u %u/%u %u/%u\n", u->uid, u->nkeys, u->nkeys,
			    u->nikeys, u->qnkeys, mk, u->qnbytes, mb);
	}
	mutex_unlock(&keys_lock);
	return 0;
}
