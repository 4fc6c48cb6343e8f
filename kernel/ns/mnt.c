/*
 * The mount namespace kind: the namespace framework's view of the mount
 * code's namespaces (<alloy/mnt_ns.h>). A mount namespace is counted by
 * its own count (mnt_ns_get/put), which ns_get/ns_put of its ns_common
 * use (nsproxy.c); each process's namespace is process->mnt_ns, which
 * unshare and clone change (the mount code makes the copies), so the
 * nsproxy's mount slot holds the boot namespace only and proc_ns reads
 * the process's own. setns(CLONE_NEWNS) moves the caller into one.
 */
#include <alloy/errno.h>
#include <alloy/mnt_ns.h>
#include <alloy/ns.h>
#include <alloy/process.h>
#include <uapi/capability.h>
#include <uapi/sched.h>

struct mnt_ns *mnt_ns_of_common(struct ns_common *c)
{
	return container_of(c, struct mnt_ns, common);
}

/* setns: CAP_SYS_ADMIN and CAP_SYS_CHROOT (Linux), then the move itself
 * (-EINVAL with other threads, a shared fs state, or into a detached
 * tree's namespace); ns_setns calls only this for a mount namespace. */
static int mnt_may_install(struct nsproxy *cur, struct ns_common *ns)
{
	(void)cur;
	if (!proc_capable(CAP_SYS_ADMIN) || !proc_capable(CAP_SYS_CHROOT))
		return -EPERM;
	return mnt_ns_install(mnt_ns_of_common(ns));
}

static void mnt_keep_slot(struct nsproxy *nsp, struct ns_common *ns)
{
	(void)nsp;
	ns_put(ns);	/* the framework's reference: the slot stays the boot one */
}

/* Never called: ns_put routes mount namespaces to mnt_ns_put. */
static void mnt_release(struct ns_common *ns) { (void)ns; }

const struct ns_kind mnt_ns_kind = {
	.name = "mnt", .clone_flag = CLONE_NEWNS, .release = mnt_release,
	.may_install = mnt_may_install, .install = mnt_keep_slot,
};
