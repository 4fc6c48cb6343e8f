/*
 * The kind Alloy has one namespace of (<alloy/ns.h>): the initial
 * network namespace (cgroup namespaces: kernel/sched/cgroup.c). Their ns files exist and
 * open, compare and setns (to the one namespace there is) as Linux's;
 * making a new one is -EINVAL (no create hook).
 *
 * Mount namespaces are the mount code's (kernel/ns/mnt.c bridges them).
 */
#include <alloy/ns.h>
#include <uapi/sched.h>

/* Linux's fixed numbers of the initial namespaces (the network and mount
 * ones have the first two dynamic numbers there, in that order). */
struct ns_common init_net_ns = { .refs = { 1 }, .inum = 0xf0000000, .type = NS_NET };

/* Never called: the initial namespaces' counts never reach 0. */
static void no_release(struct ns_common *ns) { (void)ns; }

const struct ns_kind net_ns_kind = { .name = "net", .clone_flag = CLONE_NEWNET,
				     .release = no_release };
