/*
 * User namespaces, as identities (<alloy/ns.h>, docs/namespaces.md): a
 * tree (each one's parent is its owner, at most 32 deep), the creator's
 * effective uid (NS_GET_OWNER_UID) and an inode number. Alloy maps no
 * IDs and gives no capabilities inside one: a process in a new user
 * namespace keeps its IDs and capabilities as they were, so it can do
 * nothing there it could not do before (there is no uid_map file).
 * Other namespaces record the user namespace that owns them
 * (NS_GET_USERNS).
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/ns.h>
#include <alloy/process.h>
#include <alloy/slab.h>
#include <uapi/capability.h>
#include <uapi/sched.h>

#define USERNS_MAX_LEVEL 32	/* Linux's nesting limit */

struct ns_common init_user_ns = { .refs = { 1 }, .inum = 0xeffffffd, .type = NS_USER };

static struct ns_common *user_create(struct ns_common *old, struct ns_common *user)
{
	struct cred c;

	(void)old;	/* the parent is user, the caller's */
	if (user->level >= USERNS_MAX_LEVEL)
		return ns_err(-EUSERS);
	struct ns_common *n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return NULL;
	ns_common_init(n, NS_USER, user);
	cred_current(&c);
	n->owner_uid = c.euid;
	n->level = user->level + 1;
	return n;
}

static void user_release(struct ns_common *ns)
{
	kfree(ns);
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
