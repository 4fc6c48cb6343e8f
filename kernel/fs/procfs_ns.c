/*
 * /proc/<pid>/ns/ (procfs.h): a link per namespace kind, and the
 * children's PID and time namespaces. A link reads "uts:[4026531838]";
 * a walk through it (open, stat) reaches the namespace itself, an inode
 * whose number is the namespace's (kernel/ns/nsfs.c), so open gives an
 * ns file for setns(2) and the NS_GET_* ioctls, and stat compares
 * namespaces. Another process's links need the caller to be allowed to
 * look into it (ptrace's read access), as Linux.
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/ns.h>
#include <alloy/printf.h>
#include <alloy/process.h>
#include <alloy/ptrace.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/vfs.h>
#include "procfs.h"

/* In Linux's order; each name's namespace kind, and whether it is the
 * one children get. */
const struct proc_entry proc_ns_entries[] = {
	{ "cgroup", PK_NS, S_IFLNK | 0777 },
	{ "ipc", PK_NS, S_IFLNK | 0777 },
	{ "mnt", PK_NS, S_IFLNK | 0777 },
	{ "net", PK_NS, S_IFLNK | 0777 },
	{ "pid", PK_NS, S_IFLNK | 0777 },
	{ "pid_for_children", PK_NS, S_IFLNK | 0777 },
	{ "time", PK_NS, S_IFLNK | 0777 },
	{ "time_for_children", PK_NS, S_IFLNK | 0777 },
	{ "user", PK_NS, S_IFLNK | 0777 },
	{ "uts", PK_NS, S_IFLNK | 0777 },
};
const size_t proc_ns_nr_entries = ARRAY_SIZE(proc_ns_entries);

static const struct { int type; bool children; } ns_of_entry[] = {
	{ NS_CGROUP, false }, { NS_IPC, false }, { NS_MNT, false }, { NS_NET, false },
	{ NS_PID, false }, { NS_PID, true }, { NS_TIME, false }, { NS_TIME, true },
	{ NS_USER, false }, { NS_UTS, false },
};
_Static_assert(ARRAY_SIZE(ns_of_entry) == ARRAY_SIZE(proc_ns_entries), "one per link");

/* p's namespace of link idx, counted; -errno as an error pointer. */
static struct ns_common *entry_ns(struct process *p, int idx)
{
	if (idx < 0 || (size_t)idx >= proc_ns_nr_entries)
		return ns_err(-ENOENT);
	if (!ptrace_may_read(p))
		return ns_err(-EACCES);
	struct ns_common *ns = proc_ns(p, ns_of_entry[idx].type, ns_of_entry[idx].children);
	return ns ? ns : ns_err(-ENOENT);	/* it exited */
}

static int link_name(struct ns_common *ns, char *buf, size_t len)
{
	return snprintf(buf, len, "%s:[%llu]", ns_kinds[ns->type]->name,
			(unsigned long long)ns->inum);
}

/* The length with the NUL, as procfs_pid.c's other link targets. */
int proc_ns_readlink(struct process *p, int idx, char *buf, size_t len)
{
	struct ns_common *ns = entry_ns(p, idx);

	if (ns_is_err(ns))
		return (int)(long)ns;
	int n = link_name(ns, buf, len);
	ns_put(ns);
	return n < (int)len ? n + 1 : -ENAMETOOLONG;
}

int proc_ns_get_link(struct inode *link, struct path *dir)
{
	char name[64];
	struct process *p = proc_pid_get(link);

	if (!p)
		return -ENOENT;
	struct ns_common *ns = entry_ns(p, PROC_FD(link->ino));
	proc_put(p);
	if (ns_is_err(ns))
		return (int)(long)ns;
	int n = link_name(ns, name, sizeof(name));
	struct inode *i = ns_inode(ns);
	ns_put(ns);		/* the inode holds its own */
	if (!i)
		return -ENOMEM;
	/* a name of its own under the link's directory, cached nowhere */
	struct dentry *d = d_alloc_uncached(dir->dentry, name, (size_t)n, i);
	if (!d)
		return -ENOMEM;
	dentry_put(dir->dentry);	/* d holds the directory now */
	dir->dentry = d;
	return 0;
}
