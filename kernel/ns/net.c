/*
 * Network namespaces (<alloy/net_ns.h>, docs/namespaces.md): the kind's
 * hooks and the per-namespace /proc/sys/net values. The interfaces are
 * the network glue's (kernel/net/inet/netns.c): a new namespace gets its
 * loopback there, and the last put hands the namespace to netd, which
 * takes the loopback out of lwIP and frees it (sockets hold references,
 * so nothing of the namespace's is in use by then but lwIP's own
 * leftover connections, which the teardown aborts).
 */
#include <alloy/errno.h>
#include <alloy/net_ns.h>
#include <alloy/process.h>
#include <alloy/slab.h>
#include <alloy/sysctl.h>
#include <uapi/capability.h>
#include <uapi/sched.h>

/* Linux's first dynamic number (the network namespace's, before the
 * mount namespace's). */
struct net init_net = {
	.ns = { .refs = { 1 }, .inum = 0xf0000000, .type = NS_NET },
};

static struct ns_common *net_create(struct ns_common *old, struct ns_common *user)
{
	struct net *n = kzalloc(sizeof(*n), GFP_KERNEL);

	(void)old;	/* a new namespace starts from defaults, not old's values */
	if (!n)
		return NULL;
	ns_common_init(&n->ns, NS_NET, user);
	int rc = inet_net_create(n);
	if (rc) {
		ns_put(n->ns.owner);
		kfree(n);
		return ns_err(rc);
	}
	return &n->ns;
}

/* The last reference: netd finishes (and frees) it. */
static void net_release(struct ns_common *ns)
{
	inet_net_release(net_of(ns));
}

struct net *net_current(void)
{
	struct process *p = current_proc();
	struct ns_common *c = p ? proc_ns(p, NS_NET, false) : NULL;

	return c ? net_of(c) : net_get(&init_net);
}

const struct ns_kind net_ns_kind = { .name = "net", .clone_flag = CLONE_NEWNET,
				     .create = net_create, .release = net_release };

/* ---- /proc/sys/net/ipv4/conf/{all,default,lo}/tag: the reader's
 * namespace's (Linux's per-device "tag", kept, used for nothing). A new
 * namespace starts from 0, Linux's default. */

static int tag_show(struct pbuf *b, int which)
{
	struct net *n = net_current();
	int rc = pbuf_printf(b, "%ld\n", __atomic_load_n(&n->conf_tag[which], __ATOMIC_RELAXED));

	net_put(n);
	return rc;
}

static int tag_store(const char *buf, size_t len, int which)
{
	long v;
	int rc = sysctl_parse_long(buf, len, &v);

	if (rc)
		return rc;
	if (v < -2147483648L || v > 2147483647L)
		return -EINVAL;
	struct net *n = net_current();
	__atomic_store_n(&n->conf_tag[which], v, __ATOMIC_RELAXED);
	net_put(n);
	return 0;
}

#define TAG(id, dev, which)							\
	static int id##_show(struct pbuf *b) { return tag_show(b, which); }	\
	static int id##_store(const char *s, size_t l) { return tag_store(s, l, which); } \
	SYSCTL(id, "net/ipv4/conf/" dev "/tag", 0644, id##_show, id##_store)

TAG(conf_all_tag, "all", NET_CONF_ALL);
TAG(conf_default_tag, "default", NET_CONF_DEFAULT);
TAG(conf_lo_tag, "lo", NET_CONF_LO);
