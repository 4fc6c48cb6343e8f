/*
 * PID namespaces (<alloy/pid.h>, docs/namespaces.md): the namespace kind
 * and the numbers processes and threads have inside namespaces below the
 * initial one. The global numbers and the tree are kernel/sched/
 * process.c's; this file maps them to and from each namespace's.
 */
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/pid.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <uapi/capability.h>
#include <uapi/sched.h>

struct pid_ns init_pid_ns = {
	.common = { .refs = { 1 }, .inum = 0xeffffffc, .type = NS_PID },
	.level = 0,
};

/* One number of a struct pid: in namespace ns, on the hash chain of
 * (ns, nr). */
struct upid {
	int nr;
	struct pid_ns *ns;
	struct upid *hnext;		/* [pidmap_lock] */
};

/* The numbers of a global number that has more than one: nums[0] is the
 * global one (the initial namespace's), nums[level] its own namespace's. */
struct pid {
	int level;
	struct upid nums[PIDNS_MAX_LEVEL + 1];	/* only level + 1 allocated */
};

#define PID_HASH 1024
static spinlock_t pidmap_lock = SPINLOCK_INIT("pidmap", LR_PIDMAP);
static struct upid *pid_hash[PID_HASH];	/* [pidmap_lock] levels 1 and below */
static struct pid *by_global[PID_MAX];	/* [pidmap_lock] NULL: the global one only */
static int nr_pid_ns;			/* [pidmap_lock] namespaces that exist */
#define PIDNS_MAX 4096			/* bounds their memory (Linux: a per-user limit) */

static unsigned int hash_of(const struct pid_ns *ns, int nr)
{
	u64 k = ((u64)(unsigned long)ns >> 6) ^ ((u64)(u32)nr * 0x9e3779b1u);
	return (unsigned int)(k ^ (k >> 17)) % PID_HASH;
}

/* Caller holds pidmap_lock. */
static struct upid *find_upid(const struct pid_ns *ns, int nr)
{
	for (struct upid *u = pid_hash[hash_of(ns, nr)]; u; u = u->hnext)
		if (u->nr == nr && u->ns == ns)
			return u;
	return NULL;
}

bool pid_ns_within(const struct pid_ns *ns, const struct pid_ns *a)
{
	while (ns && ns->level > a->level)
		ns = ns->parent;
	return ns == a;
}

int pid_nr_ns(int g, const struct pid_ns *ns)
{
	if (ns == &init_pid_ns || !ns)
		return g;
	if (g <= 0 || g >= PID_MAX)
		return 0;
	int nr = 0;
	unsigned long fl = spin_lock_irqsave(&pidmap_lock);
	struct pid *p = by_global[g];
	if (p && p->level >= ns->level && p->nums[ns->level].ns == ns)
		nr = p->nums[ns->level].nr;
	spin_unlock_irqrestore(&pidmap_lock, fl);
	return nr;
}

int pid_global(int nr, const struct pid_ns *ns)
{
	if (ns == &init_pid_ns || !ns)
		return nr > 0 && nr < PID_MAX ? nr : 0;
	if (nr <= 0 || nr >= PID_MAX)
		return 0;
	unsigned long fl = spin_lock_irqsave(&pidmap_lock);
	struct upid *u = find_upid(ns, nr);
	int g = 0;
	if (u) {	/* nums[level] is u: back to nums[0] */
		struct upid *base = u - ns->level;
		g = base->nr;
	}
	spin_unlock_irqrestore(&pidmap_lock, fl);
	return g;
}

int pid_numbers(int g, const struct pid_ns *from, int *out, int max)
{
	int n = 0;

	if (g <= 0 || g >= PID_MAX || max <= 0)
		return 0;
	unsigned long fl = spin_lock_irqsave(&pidmap_lock);
	struct pid *p = by_global[g];
	if (!p) {	/* the initial namespace's only */
		if (from->level == 0)
			out[n++] = g;
	} else if (p->level >= from->level && p->nums[from->level].ns == from) {
		for (int l = from->level; l <= p->level && n < max; l++)
			out[n++] = p->nums[l].nr;
	}
	spin_unlock_irqrestore(&pidmap_lock, fl);
	return n;
}

struct pid_ns *pid_ns_current(void)
{
	struct task *t = current_task();
	struct process *p = t ? t->proc : NULL;

	return p && p->pid_ns ? p->pid_ns : &init_pid_ns;
}

int pid_from_user(int nr)
{
	return pid_global(nr, pid_ns_current());
}

int pid_to_user(int g)
{
	return pid_nr_ns(g, pid_ns_current());
}

int pid_prepare(struct pid_ns *ns, struct pid **out)
{
	*out = NULL;
	if (ns->level == 0)
		return 0;
	size_t sz = sizeof(struct pid) - sizeof(struct upid) * (size_t)(PIDNS_MAX_LEVEL - ns->level);
	*out = kzalloc(sz, GFP_KERNEL);
	return *out ? 0 : -ENOMEM;
}

int pid_ns_last(struct pid_ns *ns)
{
	unsigned long fl = spin_lock_irqsave(&pidmap_lock);
	int v = ns->last;
	spin_unlock_irqrestore(&pidmap_lock, fl);
	return v;
}

void pid_ns_set_last(struct pid_ns *ns, int v)
{
	unsigned long fl = spin_lock_irqsave(&pidmap_lock);
	ns->last = v;
	ns->next = v + 1 >= PID_MAX ? 2 : MAX(v + 1, 2);
	spin_unlock_irqrestore(&pidmap_lock, fl);
}

void pid_unprepare(struct pid *pre)
{
	kfree(pre);
}

/* Caller holds pidmap_lock: a free number of ns (want: that one). */
static int alloc_nr(struct pid_ns *ns, int want)
{
	if (want)
		return want < PID_MAX && !find_upid(ns, want) ? want : -EEXIST;
	for (int i = 0; i < PID_MAX - 1; i++) {
		int cand = ns->next;
		ns->next = cand + 1 >= PID_MAX ? 2 : cand + 1;	/* 1 is its init's */
		if (!find_upid(ns, cand))
			return cand;
	}
	return -EAGAIN;
}

int pid_attach(struct pid *pre, int g, struct pid_ns *ns, const int *want, int nwant)
{
	if (ns->level == 0)
		return g;
	int rc = 0;
	for (struct pid_ns *n = ns; n->level > 0; n = n->parent)
		if (n->dead)
			rc = -ENOMEM;	/* its init has gone */
	if (rc) {
		kfree(pre);
		return rc;
	}
	unsigned long fl = spin_lock_irqsave(&pidmap_lock);
	pre->level = ns->level;
	pre->nums[0] = (struct upid){ .nr = g, .ns = &init_pid_ns };
	int l = ns->level;
	struct pid_ns *n = ns;
	for (; l > 0; l--, n = n->parent) {
		int i = ns->level - l;	/* set_tid[0] is the innermost */
		int nr = alloc_nr(n, i < nwant ? want[i] : 0);
		if (nr < 0) {
			rc = nr;
			break;
		}
		pre->nums[l] = (struct upid){ .nr = nr, .ns = n };
		unsigned int h = hash_of(n, nr);
		pre->nums[l].hnext = pid_hash[h];
		pid_hash[h] = &pre->nums[l];
		n->last = nr;
	}
	if (rc) {	/* unlink what was linked: levels above l */
		for (int k = l + 1; k <= ns->level; k++) {
			struct upid **pp = &pid_hash[hash_of(pre->nums[k].ns, pre->nums[k].nr)];
			while (*pp != &pre->nums[k])
				pp = &(*pp)->hnext;
			*pp = pre->nums[k].hnext;
		}
		spin_unlock_irqrestore(&pidmap_lock, fl);
		kfree(pre);
		return rc;
	}
	by_global[g] = pre;
	ns_get(&ns->common);	/* the numbers' hold on their namespace */
	spin_unlock_irqrestore(&pidmap_lock, fl);
	return pre->nums[ns->level].nr;
}

void pid_release(int g)
{
	if (g <= 0 || g >= PID_MAX)
		return;
	unsigned long fl = spin_lock_irqsave(&pidmap_lock);
	struct pid *p = by_global[g];
	by_global[g] = NULL;
	if (p) {
		for (int k = 1; k <= p->level; k++) {
			struct upid **pp = &pid_hash[hash_of(p->nums[k].ns, p->nums[k].nr)];
			while (*pp && *pp != &p->nums[k])
				pp = &(*pp)->hnext;
			if (*pp)
				*pp = p->nums[k].hnext;
		}
	}
	spin_unlock_irqrestore(&pidmap_lock, fl);
	if (p) {
		/* a PID namespace's and its user namespace's release only
		 * free memory: fine under proc_lock */
		ns_put(&p->nums[p->level].ns->common);
		kfree(p);
	}
}

/* ---- the namespace kind */

static struct ns_common *pid_create(struct ns_common *old, struct ns_common *user)
{
	struct pid_ns *parent = to_pid_ns(old);
	struct pid_ns *cur = pid_ns_current();

	/* Linux: a second unshare before a child entered the first is
	 * -EINVAL (pid_for_children must be the caller's own namespace) */
	if (parent != cur)
		return ns_err(-EINVAL);
	if (parent->level >= PIDNS_MAX_LEVEL)
		return ns_err(-ENOSPC);
	struct pid_ns *n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return NULL;
	unsigned long fl = spin_lock_irqsave(&pidmap_lock);
	bool full = nr_pid_ns >= PIDNS_MAX;
	if (!full)
		nr_pid_ns++;
	spin_unlock_irqrestore(&pidmap_lock, fl);
	if (full) {
		kfree(n);
		return ns_err(-ENOSPC);
	}
	ns_common_init(&n->common, NS_PID, user);
	n->level = parent->level + 1;
	n->parent = parent;
	ns_get(&parent->common);
	n->next = 1;	/* the first process is its init */
	return &n->common;
}

static void pid_ns_release(struct ns_common *c)
{
	struct pid_ns *n = to_pid_ns(c);

	unsigned long fl = spin_lock_irqsave(&pidmap_lock);
	nr_pid_ns--;
	spin_unlock_irqrestore(&pidmap_lock, fl);
	struct pid_ns *parent = n->parent;
	kfree(n);
	ns_put(&parent->common);	/* never the initial one's last */
}

/* Linux: the caller's own namespace or one below it, and CAP_SYS_ADMIN;
 * it becomes the namespace of the caller's children. */
static int pid_may_install(struct nsproxy *cur, struct ns_common *ns)
{
	(void)cur;
	if (!proc_capable(CAP_SYS_ADMIN))
		return -EPERM;
	return pid_ns_within(to_pid_ns(ns), pid_ns_current()) ? 0 : -EINVAL;
}

/* NS_GET_PARENT: -EPERM at the top and above the caller's own. */
static struct ns_common *pid_parent(struct ns_common *ns)
{
	struct pid_ns *n = to_pid_ns(ns), *cur = pid_ns_current();

	if (!n->parent || !pid_ns_within(n->parent, cur))
		return NULL;
	return &n->parent->common;
}

const struct ns_kind pid_ns_kind = { .name = "pid", .clone_flag = CLONE_NEWPID,
				     .create = pid_create, .release = pid_ns_release,
				     .may_install = pid_may_install, .hierarchical = true,
				     .parent = pid_parent };
