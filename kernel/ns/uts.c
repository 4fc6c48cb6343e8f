/*
 * UTS namespaces (<alloy/ns.h>): the host and domain names uname shows,
 * sethostname/setdomainname and /proc/sys/kernel/{hostname,domainname}
 * change, one pair per namespace. A new namespace starts with a copy of
 * its creator's. Each namespace's lock (a leaf) keeps each name whole.
 */
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/ns.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <uapi/sched.h>

struct uts_ns {
	struct ns_common ns;
	spinlock_t lock;
	char name[2][UTS_LEN];	/* host, domain */
};

struct uts_ns init_uts_ns = {
	.ns = { .refs = { 1 }, .inum = 0xeffffffe, .type = NS_UTS },
	.lock = SPINLOCK_INIT("uts", LR_RANDOM - 1),
	.name = { "alloy", "(none)" },
};

static struct uts_ns *uts_of(struct ns_common *c)
{
	return (struct uts_ns *)c;	/* ns is its first member */
}

static struct ns_common *uts_create(struct ns_common *old, struct ns_common *user)
{
	struct uts_ns *o = uts_of(old), *n = kzalloc(sizeof(*n), GFP_KERNEL);

	if (!n)
		return NULL;
	ns_common_init(&n->ns, NS_UTS, user);
	spin_lock_init(&n->lock, "uts", LR_RANDOM - 1);
	unsigned long fl = spin_lock_irqsave(&o->lock);
	memcpy(n->name, o->name, sizeof(n->name));
	spin_unlock_irqrestore(&o->lock, fl);
	return &n->ns;
}

static void uts_release(struct ns_common *ns)
{
	kfree(uts_of(ns));
}

void uts_read(char host[UTS_LEN], char domain[UTS_LEN])
{
	struct nsproxy *n = ns_current();
	struct uts_ns *u = uts_of(n->ns[NS_UTS]);
	unsigned long fl = spin_lock_irqsave(&u->lock);

	memcpy(host, u->name[0], UTS_LEN);
	memcpy(domain, u->name[1], UTS_LEN);
	spin_unlock_irqrestore(&u->lock, fl);
	nsproxy_put(n);
}

void uts_write(int field, const char *s, size_t len)
{
	struct nsproxy *n = ns_current();
	struct uts_ns *u = uts_of(n->ns[NS_UTS]);

	if (len > UTS_LEN - 1)
		len = UTS_LEN - 1;
	unsigned long fl = spin_lock_irqsave(&u->lock);
	memcpy(u->name[field], s, len);
	memset(u->name[field] + len, 0, UTS_LEN - len);
	spin_unlock_irqrestore(&u->lock, fl);
	nsproxy_put(n);
}

const struct ns_kind uts_ns_kind = { .name = "uts", .clone_flag = CLONE_NEWUTS,
				     .create = uts_create, .release = uts_release };
