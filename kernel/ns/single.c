/*
 * The kind Alloy has one namespace of (<alloy/ns.h>): the initial
 * cgroup namespace. Its ns file exists and can be
 * opened, compared and joined (the one namespace there is) as Linux's;
 * making a new one is -EINVAL (no create hook).
 *
 * Mount namespaces are the mount code's (kernel/ns/mnt.c bridges them).
 */
#include <alloy/ns.h>
#include <uapi/sched.h>

/* Linux's fixed number of the initial cgroup namespace (network ones
 * are kernel/ns/net.c's). */
struct ns_common init_cgroup_ns = { .refs = { 1 }, .inum = 0xeffffffb, .type = NS_CGROUP };

/* Never called: the initial namespaces' counts never reach 0. */
static void no_release(struct ns_common *ns) { (void)ns; }

const struct ns_kind cgroup_ns_kind = { .name = "cgroup", .clone_flag = CLONE_NEWCGROUP,
					.release = no_release };
