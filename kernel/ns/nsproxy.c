/*
 * The namespace framework (<alloy/ns.h>, docs/namespaces.md): each
 * process's nsproxy, how clone, unshare and setns change it, and the
 * kinds' hook table. Lock order: process->cwd_lock (which guards
 * process->nsp) is a leaf here: under it a pointer is read or swapped and
 * a count taken, nothing else; puts happen after it is dropped.
 */
#include <alloy/arch.h>
#include <alloy/errno.h>
#include <alloy/mnt_ns.h>
#include <alloy/net_ns.h>
#include <alloy/ns.h>
#include <alloy/pid.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <uapi/capability.h>
#include <uapi/sched.h>

extern const struct ns_kind uts_ns_kind, ipc_ns_kind, time_ns_kind, user_ns_kind,
	mnt_ns_kind, pid_ns_kind, net_ns_kind, cgroup_ns_kind;
/* The initial namespaces, each beginning with its ns_common. */
extern struct uts_ns init_uts_ns;
extern struct ipc_ns init_ipc_ns;
extern struct time_ns init_time_ns;
extern struct cgroup_ns init_cgroup_ns;
extern struct ns_common init_user_ns;

const struct ns_kind *const ns_kinds[NS_NR] = {
	[NS_CGROUP] = &cgroup_ns_kind, [NS_IPC] = &ipc_ns_kind, [NS_MNT] = &mnt_ns_kind,
	[NS_NET] = &net_ns_kind, [NS_PID] = &pid_ns_kind, [NS_TIME] = &time_ns_kind,
	[NS_USER] = &user_ns_kind, [NS_UTS] = &uts_ns_kind,
};

/* Never freed: its count starts at 1 for good. */
struct nsproxy init_nsproxy = {
	.refs = { 1 },
	.ns = {
		[NS_CGROUP] = (struct ns_common *)&init_cgroup_ns, [NS_IPC] = (struct ns_common *)&init_ipc_ns,
		[NS_MNT] = &init_mnt_ns.common, [NS_NET] = &init_net.ns, [NS_PID] = &init_pid_ns.common,
		[NS_TIME] = (struct ns_common *)&init_time_ns, [NS_USER] = &init_user_ns,
		[NS_UTS] = (struct ns_common *)&init_uts_ns,
	},
	.time_for_children = (struct ns_common *)&init_time_ns,
};

/* After Linux's first two dynamic numbers (the initial network and mount
 * namespaces'; the other initial ones are fixed below them). 64 bits: it
 * never wraps into a number in use (Linux's are 32-bit and reused once
 * free; these look the same for the first four billion). */
static atomic_long_t next_inum = { 0xf0000001L };

u64 ns_alloc_inum(void)
{
	return (u64)atomic_long_add_return(&next_inum, 1);
}

/* Mount namespaces have their own count (kernel/ns/mnt.c). */
void ns_get(struct ns_common *c)
{
	if (c->type == NS_MNT)
		mnt_ns_get(mnt_ns_of_common(c));
	else
		atomic_inc(&c->refs);
}

void ns_put(struct ns_common *c)
{
	if (c && c->type == NS_MNT) {
		mnt_ns_put(mnt_ns_of_common(c));
		return;
	}
	while (c && atomic_dec_and_test(&c->refs)) {
		struct ns_common *owner = c->owner;
		ns_kinds[c->type]->release(c);
		c = owner;	/* its hold on its owner goes with it */
	}
}

void ns_common_init(struct ns_common *c, int type, struct ns_common *owner)
{
	atomic_set(&c->refs, 1);
	c->inum = ns_alloc_inum();
	c->type = type;
	c->owner = owner;
	if (owner)
		ns_get(owner);
}

void nsproxy_get(struct nsproxy *n)
{
	atomic_inc(&n->refs);
}

void nsproxy_put(struct nsproxy *n)
{
	if (!n || !atomic_dec_and_test(&n->refs))
		return;
	for (int t = 0; t < NS_NR; t++)
		ns_put(n->ns[t]);
	ns_put(n->time_for_children);
	kfree(n);
}

/* A copy of n with counts on everything (NULL: out of memory). */
static struct nsproxy *nsproxy_copy(const struct nsproxy *n)
{
	struct nsproxy *c = kmalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return NULL;
	*c = *n;
	atomic_set(&c->refs, 1);
	for (int t = 0; t < NS_NR; t++)
		ns_get(c->ns[t]);
	ns_get(c->time_for_children);
	return c;
}

struct nsproxy *proc_nsproxy(struct process *p)
{
	unsigned long fl = spin_lock_irqsave(&p->cwd_lock);
	struct nsproxy *n = p->nsp;

	if (n)
		nsproxy_get(n);
	spin_unlock_irqrestore(&p->cwd_lock, fl);
	return n;
}

struct ns_common *proc_ns(struct process *p, int type, bool for_children)
{
	if (type == NS_MNT && !for_children) {	/* the process's own, not the slot */
		struct mnt_ns *m = mnt_ns_of(p);
		return m ? &m->common : NULL;
	}
	if (type == NS_PID && !for_children) {	/* its own, fixed at fork */
		struct ns_common *c = p->pid_ns ? &p->pid_ns->common : NULL;
		if (c)
			ns_get(c);
		return c;
	}
	unsigned long fl = spin_lock_irqsave(&p->cwd_lock);
	struct nsproxy *n = p->nsp;
	struct ns_common *c = !n ? NULL : type == NS_PID ? n->ns[NS_PID] :
			      for_children ? n->time_for_children : n->ns[type];

	if (c)
		ns_get(c);
	spin_unlock_irqrestore(&p->cwd_lock, fl);
	return c;
}

struct nsproxy *ns_current(void)
{
	struct process *p = current_proc();
	struct nsproxy *n = p ? proc_nsproxy(p) : NULL;

	if (!n) {
		n = &init_nsproxy;
		nsproxy_get(n);
	}
	return n;
}

u64 ns_current_ipc(void)
{
	struct process *p = current_proc();

	if (!p)
		return init_nsproxy.ns[NS_IPC]->inum;
	unsigned long fl = spin_lock_irqsave(&p->cwd_lock);
	u64 id = p->nsp ? p->nsp->ns[NS_IPC]->inum : 0;
	spin_unlock_irqrestore(&p->cwd_lock, fl);
	return id;
}

/* Replaces p's nsproxy with n (whose count it takes over) and puts the
 * old one, after the lock. */
static void proc_set_nsproxy(struct process *p, struct nsproxy *n)
{
	unsigned long fl = spin_lock_irqsave(&p->cwd_lock);
	struct nsproxy *old = p->nsp;
	p->nsp = n;
	spin_unlock_irqrestore(&p->cwd_lock, fl);
	timens_enter(p, n->ns[NS_TIME]);
	nsproxy_put(old);
}

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
		  CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME)

/* Which kinds flags ask for new ones of (CLONE_NEWTIME is handled apart:
 * it is the children's time namespace that changes). */
static int kind_of_flag(u32 flag)
{
	for (int t = 0; t < NS_NR; t++)
		if (ns_kinds[t]->clone_flag == flag)
			return t;
	return -1;
}

/* The permission and existence checks of new namespaces for flags. As
 * Linux: new namespaces other than a user one need CAP_SYS_ADMIN (Alloy
 * does not give a new user namespace's creator capabilities in it, so
 * this is the caller's CAP_SYS_ADMIN even with CLONE_NEWUSER), then kinds
 * that cannot be made are -EINVAL. */
static long check_flags(u64 flags)
{
	u64 f = flags & NS_FLAGS;

	if (!f)
		return 0;
	if ((f & ~(u64)CLONE_NEWUSER) && !proc_capable(CAP_SYS_ADMIN))
		return -EPERM;	/* first, as Linux (clone11) */
	for (u64 bit = 1; bit; bit <<= 1) {
		if (!(f & bit))
			continue;
		int t = kind_of_flag((u32)bit);
		if (t == NS_MNT)
			continue;	/* the mount code makes them (mnt_ns.h) */
		if (t < 0 || !ns_kinds[t]->create)
			return -EINVAL;
	}
	return 0;
}

long ns_clone_check(u64 flags)
{
	if (flags & (CLONE_THREAD | CLONE_VM)) {
		/* Linux: a child that enters another time namespace shares no
		 * memory with its parent (their vDSO data pages differ) */
		struct nsproxy *n = ns_current();
		bool other = n->time_for_children != n->ns[NS_TIME];
		nsproxy_put(n);
		if (other)
			return -EINVAL;
	}
	if (flags & CLONE_THREAD) {
		/* Linux: a thread is in its process's PID namespace, so not
		 * after unshare(CLONE_NEWPID) or setns to another */
		struct nsproxy *n = ns_current();
		bool other = to_pid_ns(n->ns[NS_PID]) != pid_ns_current();
		nsproxy_put(n);
		if (other)
			return -EINVAL;
	}
	if (!(flags & NS_FLAGS))
		return 0;
	if ((flags & CLONE_NEWUSER) && (flags & (CLONE_THREAD | CLONE_FS)))
		return -EINVAL;		/* Linux: a new user namespace is a process's own */
	if ((flags & NS_FLAGS) && (flags & CLONE_THREAD))
		return -EINVAL;		/* namespaces are whole processes' here */
	return check_flags(flags);
}

/*
 * A new nsproxy from n with new namespaces for flags (a count on n kept
 * for the caller). The user namespace comes first: the others made with
 * it are owned by it. CLONE_NEWTIME makes the children's time namespace.
 * An error pointer cannot come back here: -errno in *err.
 */
static struct nsproxy *make_namespaces(struct nsproxy *n, u64 flags, long *err)
{
	struct nsproxy *c = nsproxy_copy(n);

	*err = -ENOMEM;
	if (!c)
		return NULL;
	static const int order[] = { NS_USER, NS_UTS, NS_IPC, NS_MNT, NS_PID, NS_NET,
				     NS_CGROUP, NS_TIME };
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		int t = order[k];
		const struct ns_kind *kind = ns_kinds[t];
		if (!(flags & kind->clone_flag) || t == NS_MNT)
			continue;	/* a mount namespace: the mount code's */
		struct ns_common *old = t == NS_TIME ? c->time_for_children : c->ns[t];
		struct ns_common *owner = c->ns[NS_USER];	/* a new one if asked for */
		struct ns_common *made = kind->create ? kind->create(old, owner) : ns_err(-EINVAL);
		if (!made || ns_is_err(made)) {
			*err = made ? (long)made : -ENOMEM;
			nsproxy_put(c);
			return NULL;
		}
		if (t == NS_TIME) {
			c->time_for_children = made;	/* the caller stays where it is */
		} else {
			c->ns[t] = made;
		}
		ns_put(old);
	}
	*err = 0;
	return c;
}

/* The child enters the time namespace made for children (time.c freezes
 * its offsets then). */
void timens_freeze(struct ns_common *time);

struct nsproxy *ns_fork(struct process *parent, u64 flags)
{
	struct nsproxy *n = parent ? proc_nsproxy(parent) : NULL;
	long err;

	if (!n) {
		n = &init_nsproxy;
		nsproxy_get(n);
	}
	if (!(flags & NS_FLAGS) && n->time_for_children == n->ns[NS_TIME])
		return n;	/* shared, the common case */
	struct nsproxy *c = make_namespaces(n, flags & NS_FLAGS, &err);
	nsproxy_put(n);
	if (!c)
		return NULL;
	if (c->time_for_children != c->ns[NS_TIME]) {
		ns_get(c->time_for_children);
		ns_put(c->ns[NS_TIME]);
		c->ns[NS_TIME] = c->time_for_children;
		timens_freeze(c->ns[NS_TIME]);
	}
	return c;
}

void ns_exit(struct process *p)
{
	unsigned long fl = spin_lock_irqsave(&p->cwd_lock);
	struct nsproxy *n = p->nsp;
	p->nsp = NULL;
	spin_unlock_irqrestore(&p->cwd_lock, fl);
	nsproxy_put(n);
}

long ns_unshare(u64 flags)
{
	struct process *p = current_proc();
	long rc = check_flags(flags);

	if (rc)
		return rc;
	if ((flags & (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID)) && READ_ONCE(p->nr_threads) > 1)
		return -EINVAL;	/* Linux: these only for a single-threaded caller */
	struct nsproxy *n = proc_nsproxy(p);
	if (!n)
		return -EINVAL;
	struct nsproxy *c = make_namespaces(n, flags & NS_FLAGS, &rc);
	nsproxy_put(n);
	if (!c)
		return rc;
	proc_set_nsproxy(p, c);
	return 0;
}

/* setns(fd, nstype) on an ns file's namespace: the checks of its kind,
 * then a new nsproxy with it in place. */
long ns_setns(struct ns_common *ns, u32 nstype)
{
	const struct ns_kind *kind = ns_kinds[ns->type];
	struct process *p = current_proc();

	if (nstype && nstype != kind->clone_flag)
		return -EINVAL;
	if (ns->type == NS_MNT)	/* the mount code's: its slot here never changes */
		return kind->may_install(NULL, ns);	/* checks, then the move */
	struct nsproxy *n = proc_nsproxy(p);
	if (!n)
		return -EINVAL;
	long rc = kind->may_install ? kind->may_install(n, ns)
				    : proc_capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
	struct nsproxy *c = rc ? NULL : nsproxy_copy(n);
	nsproxy_put(n);
	if (rc)
		return rc;
	if (!c)
		return -ENOMEM;
	ns_get(ns);
	if (kind->install) {
		kind->install(c, ns);	/* takes the reference */
	} else {
		ns_put(c->ns[ns->type]);
		c->ns[ns->type] = ns;
	}
	proc_set_nsproxy(p, c);
	if (ns->type == NS_TIME && current_task()->mm)	/* single-threaded (may_install) */
		arch_vdso_timens(current_task()->mm, p->time_off[0] || p->time_off[1]);
	return 0;
}
