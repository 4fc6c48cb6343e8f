/*
 * User namespaces, as identities (<alloy/ns.h>, docs/namespaces.md): a
 * tree (each one's parent is its owner, at most 32 deep), the creator's
 * effective uid (NS_GET_OWNER_UID) and an inode number. Alloy maps no
 * IDs and gives no capabilities inside one: a process in a new user
 * namespace keeps its IDs and capabilities as they were, so it can do
 * nothing there it could not do before. Its uid_map and gid_map take
 * only identity maps (inside == outside), written once, and setgroups
 * "allow" or "deny": recorded and shown, translating nothing.
 * Other namespaces record the user namespace that owns them
 * (NS_GET_USERNS).
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/ns.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>
#include <uapi/capability.h>
#include <uapi/sched.h>

#define USERNS_MAX_LEVEL 32	/* Linux's nesting limit */
#define IDMAP_MAX 340		/* Linux's lines per map */

/* A made user namespace: ns first. The maps are written once: state 0
 * (none), 1 (being written, by the one writer that moved it from 0),
 * 2 (written: read without a lock after an acquiring load). */
struct idmap {
	int state;
	int n;
	u32 (*ent)[3];		/* inside, outside, count */
};

struct user_ns {
	struct ns_common ns;
	struct idmap map[2];	/* uid, gid */
	int setgroups_deny;	/* [atomic] */
};

struct ns_common init_user_ns = { .refs = { 1 }, .inum = 0xeffffffd, .type = NS_USER };

static struct ns_common *user_create(struct ns_common *old, struct ns_common *user)
{
	struct cred c;

	(void)old;	/* the parent is user, the caller's */
	if (user->level >= USERNS_MAX_LEVEL)
		return ns_err(-EUSERS);
	struct user_ns *u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return NULL;
	struct ns_common *n = &u->ns;
	ns_common_init(n, NS_USER, user);
	cred_current(&c);
	n->owner_uid = c.euid;
	n->level = user->level + 1;
	return n;
}

static void user_release(struct ns_common *ns)
{
	struct user_ns *u = (struct user_ns *)ns;

	kfree(u->map[0].ent);
	kfree(u->map[1].ent);
	kfree(u);
}

/* ---- /proc/<pid>/{uid_map,gid_map,setgroups} of p's user namespace */

int userns_show(struct pbuf *b, struct process *p, int which)
{
	struct ns_common *c = proc_ns(p, NS_USER, false);
	int rc = 0;

	if (!c)
		return 0;
	if (c == &init_user_ns) {
		rc = which == 2 ? pbuf_puts(b, "allow\n")
				: pbuf_printf(b, "%10u %10u %10u\n", 0, 0, 4294967295u);
	} else if (which == 2) {
		struct user_ns *u = (struct user_ns *)c;
		rc = pbuf_puts(b, READ_ONCE(u->setgroups_deny) ? "deny\n" : "allow\n");
	} else {
		struct idmap *m = &((struct user_ns *)c)->map[which];
		if (__atomic_load_n(&m->state, __ATOMIC_ACQUIRE) == 2)
			for (int i = 0; i < m->n && !rc; i++)
				rc = pbuf_printf(b, "%10u %10u %10u\n", m->ent[i][0], m->ent[i][1],
						 m->ent[i][2]);
	}
	ns_put(c);
	return rc;
}

/* The next unsigned number of s (len left), past blanks; false if none. */
static bool next_u32(const char **s, size_t *len, u32 *out)
{
	u64 v = 0;
	size_t k = 0;

	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (k < *len && (*s)[k] >= '0' && (*s)[k] <= '9') {
		v = v * 10 + (u64)((*s)[k] - '0');
		if (v > 0xffffffffULL)
			return false;
		k++;
	}
	if (!k)
		return false;
	*s += k;
	*len -= k;
	*out = (u32)v;
	return true;
}

static long map_write(struct user_ns *u, int which, const char *buf, size_t n)
{
	struct idmap *m = &u->map[which];

	/* one writer at a time (state 1: parsing, which never sleeps but
	 * to allocate); another waits for its outcome, as Linux's writers
	 * queue on a mutex: written once (EPERM), or free again if the
	 * first one's map was refused */
	for (;;) {
		int zero = 0;
		if (__atomic_compare_exchange_n(&m->state, &zero, 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
		if (zero == 2)
			return -EPERM;	/* as Linux: written once */
		if (signal_pending())
			return -EINTR;
		sched_yield();
	}
	u32 (*ent)[3] = kmalloc(sizeof(*ent) * IDMAP_MAX, GFP_KERNEL);
	int cnt = 0;
	long rc = ent ? 0 : -ENOMEM;
	const char *s = buf;
	size_t len = n;
	while (!rc && len) {
		u32 a, o, c;
		if (!next_u32(&s, &len, &a) || !next_u32(&s, &len, &o) || !next_u32(&s, &len, &c) ||
		    !c || (u64)a + c > 0x100000000ULL || (u64)o + c > 0x100000000ULL) {
			rc = -EINVAL;
			break;
		}
		while (len && (*s == ' ' || *s == '\t'))
			s++, len--;
		if (len && *s != '\n') {
			rc = -EINVAL;
			break;
		}
		if (len)
			s++, len--;
		if (cnt == IDMAP_MAX) {
			rc = -EINVAL;
			break;
		}
		if (a != o) {
			rc = -EPERM;	/* Alloy translates no IDs: identity maps only */
			break;
		}
		ent[cnt][0] = a;
		ent[cnt][1] = o;
		ent[cnt][2] = c;
		cnt++;
	}
	if (!rc && !cnt)
		rc = -EINVAL;
	if (rc) {
		kfree(ent);
		__atomic_store_n(&m->state, 0, __ATOMIC_RELEASE);
		return rc;
	}
	m->ent = ent;
	m->n = cnt;
	__atomic_store_n(&m->state, 2, __ATOMIC_RELEASE);
	return (long)n;
}

long userns_write(struct process *p, int which, const char *buf, size_t n)
{
	struct ns_common *c = proc_ns(p, NS_USER, false);
	struct nsproxy *cur = ns_current();
	long rc;

	if (!c) {
		nsproxy_put(cur);
		return -ESRCH;
	}
	struct user_ns *u = (struct user_ns *)c;
	/* as Linux: the writer is in the namespace or its parent; the
	 * initial namespace's maps are set */
	if (c == &init_user_ns || (cur->ns[NS_USER] != c && cur->ns[NS_USER] != c->owner)) {
		rc = -EPERM;
	} else if (which == 2) {
		bool deny = n >= 4 && !memcmp(buf, "deny", 4) && (n == 4 || buf[4] == '\n');
		bool allow = n >= 5 && !memcmp(buf, "allow", 5) && (n == 5 || buf[5] == '\n');
		if (!deny && !allow)
			rc = -EINVAL;
		else if (__atomic_load_n(&u->map[1].state, __ATOMIC_ACQUIRE))
			rc = -EPERM;	/* as Linux: not after gid_map */
		else {
			WRITE_ONCE(u->setgroups_deny, deny);
			rc = (long)n;
		}
	} else {
		rc = map_write(u, which, buf, n);
	}
	nsproxy_put(cur);
	ns_put(c);
	return rc;
}

/* Linux: not the caller's own, only for a single-threaded caller, and
 * CAP_SYS_ADMIN (in the target: here the caller's, nothing being mapped). */
static int user_may_install(struct nsproxy *cur, struct ns_common *ns)
{
	if (cur->ns[NS_USER] == ns)
		return -EINVAL;
	if (READ_ONCE(current_proc()->nr_threads) > 1)
		return -EINVAL;
	return proc_capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

static struct ns_common *user_parent(struct ns_common *ns)
{
	return ns->owner;
}

const struct ns_kind user_ns_kind = { .name = "user", .clone_flag = CLONE_NEWUSER,
				      .create = user_create, .release = user_release,
				      .may_install = user_may_install, .hierarchical = true,
				      .parent = user_parent };
