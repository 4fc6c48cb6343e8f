/*
 * Control groups v2 (<alloy/cgroup.h>, docs/cgroup.md): the tree, who is
 * in which group, moves, cgroup.kill, the pids controller and cgroup
 * namespaces. The filesystem that shows them is kernel/fs/cgroupfs.c.
 *
 * One spinlock (`cgroup`, LR_CGROUP) guards the tree, every group's
 * counts and every process's membership; see the header for what nests.
 */
#include <alloy/cgroup.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/fdtable.h>
#include <alloy/lockrank.h>
#include <alloy/ns.h>
#include <alloy/pid.h>
#include <alloy/process.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/sched.h>
#include <alloy/thread.h>
#include <alloy/vfs.h>
#include <uapi/capability.h>
#include <uapi/sched.h>
#include <uapi/signal.h>
#include "../fs/procfs.h"

static spinlock_t cg_lock = SPINLOCK_INIT("cgroup", LR_CGROUP);
static u64 cg_next_id = 2;	/* [cg_lock]; the root is 1 */
static int cg_count = 1;	/* [cg_lock] live cgroups, for /proc/cgroups */

#define DEFAULT_ATTRS							\
	{ [CGF_CONTROLLERS] = { 0, 0, 0444 }, [CGF_SUBTREE] = { 0, 0, 0644 },	\
	  [CGF_PROCS] = { 0, 0, 0644 }, [CGF_THREADS] = { 0, 0, 0644 },	\
	  [CGF_MAX_DEPTH] = { 0, 0, 0644 }, [CGF_MAX_DESC] = { 0, 0, 0644 },	\
	  [CGF_STAT] = { 0, 0, 0444 }, [CGF_EVENTS] = { 0, 0, 0444 },	\
	  [CGF_TYPE] = { 0, 0, 0644 }, [CGF_KILL] = { 0, 0, 0200 },	\
	  [CGF_PIDS_MAX] = { 0, 0, 0644 }, [CGF_PIDS_CURRENT] = { 0, 0, 0444 },	\
	  [CGF_PIDS_EVENTS] = { 0, 0, 0444 }, [CGF_PIDS_PEAK] = { 0, 0, 0444 } }

struct cgroup cgroup_root = {
	.refs = { 1 },
	.children = LIST_HEAD_INIT(cgroup_root.children),
	.sibling = LIST_HEAD_INIT(cgroup_root.sibling),
	.name = "",
	.id = 1,
	.max_depth = CG_LIMIT_MAX,
	.max_descendants = CG_LIMIT_MAX,
	.pids_max = -1,
	.attr = DEFAULT_ATTRS,
};

static const struct { u32 uid, gid, mode; } default_attr[CGF_NR] = DEFAULT_ATTRS;

static const char *const ctrl_names[CG_NR_CTRL] = { "pids" };

void cgroup_get(struct cgroup *cg)
{
	atomic_inc(&cg->refs);
}

void cgroup_put(struct cgroup *cg)
{
	while (cg && cg != &cgroup_root && atomic_dec_and_test(&cg->refs)) {
		struct cgroup *up = cg->parent;
		/* removed and now gone; no lock, so any context may put */
		for (struct cgroup *a = up; a; a = a->parent)
			__atomic_sub_fetch(&a->nr_dying, 1, __ATOMIC_RELAXED);
		kfree(cg->name);
		kfree(cg);
		cg = up;	/* the child's count on its parent */
	}
}

static bool is_descendant(const struct cgroup *cg, const struct cgroup *anc)
{
	for (; cg; cg = cg->parent)
		if (cg == anc)
			return true;
	return false;
}

/* ---- populated counts and pids charges, all [cg_lock] */

static void populate(struct cgroup *cg, int delta)
{
	cg->nr_procs += delta;
	for (struct cgroup *a = cg; a; a = a->parent) {
		bool was = a->nr_populated > 0;
		a->nr_populated += delta;
		if (a->parent && was != (a->nr_populated > 0))
			a->parent->nr_populated_children += was ? -1 : 1;
	}
}

/* Tasks of the subtree: can n more be charged to cg and its ancestors?
 * Only the limits of groups whose parent enables "pids" count (Linux: a
 * disabled controller's state is gone with it). */
static struct cgroup *pids_over(struct cgroup *cg, int n)
{
	for (struct cgroup *a = cg; a; a = a->parent)
		if (a->pids_max >= 0 && a->pids_current + n > a->pids_max &&
		    a->parent && (a->parent->subtree_control & (1u << CG_PIDS)))
			return a;
	return NULL;
}

static void pids_charge(struct cgroup *cg, int n)
{
	for (struct cgroup *a = cg; a; a = a->parent) {
		a->pids_current += n;
		if (a->pids_current > a->pids_peak)
			a->pids_peak = a->pids_current;
	}
}

/* A fork or new thread was refused by over's limit: its events count
 * (Linux counts in the cgroup whose limit it was). */
static void pids_refused(struct cgroup *over)
{
	over->pids_events_max++;
}

/* ---- fork, exit, threads */

int cgroup_fork(struct process *p, struct process *parent, struct cgroup *into)
{
	int rc = 0;

	unsigned long fl = spin_lock_irqsave(&cg_lock);
	struct cgroup *cg = into ? into : parent && parent->cgroup ? parent->cgroup : &cgroup_root;
	struct cgroup *over;
	if (cg->dead) {
		rc = -ENOENT;
	} else if (parent && (READ_ONCE(parent->group_exit) || fatal_signal_pending())) {
		rc = -EINTR;	/* killed meanwhile (cgroup.kill): no child escapes */
	} else if ((over = pids_over(cg, 1))) {
		pids_refused(over);
		rc = -EAGAIN;
	} else {
		cgroup_get(cg);
		p->cgroup = cg;
		p->cg_attached = true;
		p->cg_tasks = 1;
		populate(cg, 1);
		pids_charge(cg, 1);
	}
	spin_unlock_irqrestore(&cg_lock, fl);
	return rc;
}

void cgroup_exit(struct process *p)
{
	unsigned long fl = spin_lock_irqsave(&cg_lock);

	if (p->cg_attached) {
		p->cg_attached = false;
		populate(p->cgroup, -1);
	}
	spin_unlock_irqrestore(&cg_lock, fl);
}

void cgroup_release(struct process *p)
{
	unsigned long fl = spin_lock_irqsave(&cg_lock);

	if (p->cgroup && p->cg_tasks) {	/* once: a zombie counted until now */
		pids_charge(p->cgroup, -p->cg_tasks);
		p->cg_tasks = 0;
	}
	spin_unlock_irqrestore(&cg_lock, fl);
}

bool cgroup_fork_doomed(struct process *p, struct process *parent)
{
	bool doomed = parent && (READ_ONCE(parent->group_exit) || fatal_signal_pending());
	unsigned long fl = spin_lock_irqsave(&cg_lock);

	for (struct cgroup *a = p->cgroup; a; a = a->parent)
		doomed |= a->killing > 0;
	spin_unlock_irqrestore(&cg_lock, fl);
	return doomed;
}

int cgroup_thread_charge(struct process *p)
{
	int rc = 0;
	unsigned long fl = spin_lock_irqsave(&cg_lock);

	if (p->cg_attached) {
		struct cgroup *over = pids_over(p->cgroup, 1);
		if (over) {
			pids_refused(over);
			rc = -EAGAIN;
		} else {
			pids_charge(p->cgroup, 1);
			p->cg_tasks++;
		}
	}
	spin_unlock_irqrestore(&cg_lock, fl);
	return rc;
}

void cgroup_thread_uncharge(struct process *p)
{
	unsigned long fl = spin_lock_irqsave(&cg_lock);

	if (p->cg_tasks > 1) {	/* the last is the process's, till it is reaped */
		pids_charge(p->cgroup, -1);
		p->cg_tasks--;
	}
	spin_unlock_irqrestore(&cg_lock, fl);
}

struct cgroup *cgroup_of(struct process *p)
{
	unsigned long fl = spin_lock_irqsave(&cg_lock);
	struct cgroup *cg = p && p->cgroup ? p->cgroup : &cgroup_root;

	cgroup_get(cg);
	spin_unlock_irqrestore(&cg_lock, fl);
	return cg;
}

/* ---- permissions and moves */

struct cgroup_opener {
	struct cred cred;	/* a snapshot at open */
};

struct cgroup_opener *cgroup_opener_new(void)
{
	struct cgroup_opener *o = kmalloc(sizeof(*o), GFP_KERNEL);

	if (o)
		cred_current(&o->cred);
	return o;
}

void cgroup_opener_free(struct cgroup_opener *o)
{
	kfree(o);
}

/* The right of c (the opener's credentials, NULL: the caller's) to write
 * cg's file (as inode_permission with the attributes chown and chmod
 * gave it). */
static int may_write_file(struct cgroup *cg, int file, const struct cred *c)
{
	struct cred own;

	if (!c) {
		cred_current(&own);
		c = &own;
	}
	if (c->fsuid == 0)
		return 0;	/* root's, as inode_permission's */
	unsigned long fl = spin_lock_irqsave(&cg_lock);
	u32 uid = cg->attr[file].uid, gid = cg->attr[file].gid, mode = cg->attr[file].mode;
	spin_unlock_irqrestore(&cg_lock, fl);
	u32 bits = c->fsuid == uid ? mode >> 6 : cred_in_group(c, gid) ? mode >> 3 : mode;
	return bits & 2 ? 0 : -EACCES;
}

/* Linux's cgroup_migrate_vet_dst for the domain groups Alloy has: a
 * group with controllers for its children takes no process unless they
 * are all threaded ones and no child holds processes. [cg_lock] */
static int vet_dst(struct cgroup *dst)
{
	if (!dst->parent)
		return 0;	/* the root is mixable */
	if (!dst->nr_populated_children && !(dst->subtree_control & ~CG_CTRL_THREADED))
		return 0;	/* it can be a thread root */
	return dst->subtree_control ? -EBUSY : 0;
}

/* The common ancestor of a and b. */
static struct cgroup *common(struct cgroup *a, struct cgroup *b)
{
	while (!is_descendant(b, a))
		a = a->parent;
	return a;
}

/* The current process's cgroup namespace's root, counted. */
static struct cgroup *ns_root_current(void)
{
	struct nsproxy *n = ns_current();
	struct cgroup *r = cgroup_ns_root(n->ns[NS_CGROUP]);

	cgroup_get(r);
	nsproxy_put(n);
	return r;
}

/* Moves p into dst (a write of its pid to dst's cgroup.procs, checked
 * with the opener's credentials c). */
static int move(struct process *p, struct cgroup *dst, const struct cred *c)
{
	struct cgroup *src = cgroup_of(p), *drop = NULL;
	bool doomed = false;
	int rc = may_write_file(common(src, dst), CGF_PROCS, c);

	unsigned long fl = spin_lock_irqsave(&cg_lock);
	if (rc)
		;
	else if (dst->dead)
		rc = -ENODEV;
	else if ((rc = vet_dst(dst)))
		;
	else if (!p->cg_attached || p->cgroup == dst)
		;	/* exiting (Linux skips it), or there already */
	else if (p->cgroup != src)
		rc = -EAGAIN;	/* moved meanwhile: the check was for another */
	else {
		populate(src, -1);
		pids_charge(src, -p->cg_tasks);
		populate(dst, 1);
		pids_charge(dst, p->cg_tasks);	/* a move is not refused by pids.max */
		cgroup_get(dst);
		drop = p->cgroup;	/* p's reference on it */
		p->cgroup = dst;
		for (struct cgroup *a = dst; a; a = a->parent)
			doomed |= a->killing > 0;
	}
	spin_unlock_irqrestore(&cg_lock, fl);
	if (doomed && p->pid != 1) {
		/* moved into a tree cgroup.kill is walking: killed too, as if
		 * the move came first (Linux's cgroup_mutex orders them) */
		struct ksiginfo si = { .signo = SIGKILL, .code = SI_KERNEL };
		signal_send_unchecked(p, &si);
	}
	cgroup_put(drop);
	cgroup_put(src);
	return rc;
}

int cgroup_clone_target(int fd, bool thread, struct cgroup **out)
{
	if (fd < 0)
		return -EBADF;
	struct file *f = fd_get(cur_files(), fd);
	if (!f)
		return -EBADF;
	struct cgroup *dst = f->inode ? cgroupfs_dir_cgroup(f->inode) : NULL;
	if (!dst) {
		file_put(f);
		return -EBADF;	/* Linux: not a cgroup directory */
	}
	cgroup_get(dst);
	file_put(f);
	struct cgroup *src = cgroup_of(current_proc());
	int rc = 0;
	if (thread && src != dst)
		rc = -EOPNOTSUPP;	/* a thread stays in its process's domain */
	else
		rc = may_write_file(common(src, dst), CGF_PROCS, NULL);
	cgroup_put(src);
	unsigned long fl = spin_lock_irqsave(&cg_lock);
	if (!rc && dst->dead)
		rc = -ENOENT;
	if (!rc && !thread)
		rc = vet_dst(dst);
	spin_unlock_irqrestore(&cg_lock, fl);
	if (rc) {
		cgroup_put(dst);
		return rc;
	}
	*out = dst;
	return 0;
}

/* ---- the tree */

int cgroup_mkdir(struct cgroup *parent, const char *name, size_t len, struct cgroup **out)
{
	if (memchr(name, '\n', len))
		return -EINVAL;
	struct cgroup *cg = kzalloc(sizeof(*cg), GFP_KERNEL);
	char *n = kmalloc(len + 1, GFP_KERNEL);
	if (!cg || !n) {
		kfree(cg);
		kfree(n);
		return -ENOMEM;
	}
	memcpy(n, name, len);
	n[len] = '\0';
	atomic_set(&cg->refs, 2);	/* the tree's, the caller's */
	list_init(&cg->children);
	list_init(&cg->sibling);
	cg->name = n;
	cg->level = parent->level + 1;
	cg->max_depth = cg->max_descendants = CG_LIMIT_MAX;
	cg->pids_max = -1;
	memcpy(cg->attr, default_attr, sizeof(cg->attr));
	int rc = 0;
	unsigned long fl = spin_lock_irqsave(&cg_lock);
	if (parent->dead)
		rc = -ENOENT;
	for (struct cgroup *a = parent; a && !rc; a = a->parent)
		if (cg->level - a->level > a->max_depth ||
		    a->nr_descendants >= a->max_descendants)
			rc = -EAGAIN;	/* Linux's cgroup_check_hierarchy_limits */
	if (!rc) {
		cg->id = cg_next_id++;
		cg->parent = parent;
		cgroup_get(parent);
		list_add_tail(&cg->sibling, &parent->children);
		for (struct cgroup *a = parent; a; a = a->parent)
			a->nr_descendants++;
		cg_count++;
	}
	spin_unlock_irqrestore(&cg_lock, fl);
	if (rc) {
		kfree(n);
		kfree(cg);
		return rc;
	}
	*out = cg;
	return 0;
}

int cgroup_rmdir(struct cgroup *cg)
{
	int rc = 0;
	unsigned long fl = spin_lock_irqsave(&cg_lock);

	if (!cg->parent)
		rc = -EBUSY;
	else if (cg->dead)
		rc = -ENOENT;
	else if (cg->nr_populated || !list_empty(&cg->children))
		rc = -EBUSY;
	else {
		cg->dead = true;
		list_del_init(&cg->sibling);
		for (struct cgroup *a = cg->parent; a; a = a->parent) {
			a->nr_descendants--;
			__atomic_add_fetch(&a->nr_dying, 1, __ATOMIC_RELAXED);
		}
		cg_count--;
	}
	spin_unlock_irqrestore(&cg_lock, fl);
	if (!rc)
		cgroup_put(cg);	/* the tree's */
	return rc;
}

bool cgroup_next_child(struct cgroup *cg, u64 after, u64 *id, char *name)
{
	struct cgroup *c, *best = NULL;
	unsigned long fl = spin_lock_irqsave(&cg_lock);

	list_for_each_entry(c, &cg->children, sibling)
		if (c->id > after && (!best || c->id < best->id))
			best = c;
	if (best) {
		*id = best->id;
		size_t n = MIN(strlen(best->name), (size_t)NAME_MAX);
		memcpy(name, best->name, n);
		name[n] = '\0';
	}
	spin_unlock_irqrestore(&cg_lock, fl);
	return best != NULL;
}

/* ---- the files' text */

static void put_ctrls(struct pbuf *b, u32 mask)
{
	bool first = true;

	for (int i = 0; i < CG_NR_CTRL; i++) {
		if (!(mask & (1u << i)))
			continue;
		pbuf_printf(b, "%s%s", first ? "" : " ", ctrl_names[i]);
		first = false;
	}
	pbuf_puts(b, "\n");
}

static void put_limit(struct pbuf *b, long v)
{
	if (v < 0 || v >= CG_LIMIT_MAX)
		pbuf_puts(b, "max\n");
	else
		pbuf_printf(b, "%ld\n", v);
}

/* The controllers cg's parent gives it (the root: all there are). */
static u32 controllers(struct cgroup *cg)
{
	return cg->parent ? cg->parent->subtree_control : CG_CTRL_ALL;
}

bool cgroup_has_file(struct cgroup *cg, int file)
{
	switch (file) {
	case CGF_EVENTS: case CGF_TYPE: case CGF_KILL:
		return cg->parent != NULL;
	case CGF_PIDS_MAX: case CGF_PIDS_CURRENT: case CGF_PIDS_EVENTS: case CGF_PIDS_PEAK:
		return cg->parent && (READ_ONCE(cg->parent->subtree_control) & (1u << CG_PIDS));
	default:
		return file >= 0 && file < CGF_NR;
	}
}

/* cgroup.procs and cgroup.threads: its processes (their threads) as the
 * reader's PID namespace numbers them, 64 processes at a time. */
static int show_members(struct pbuf *b, struct cgroup *cg, bool threads)
{
	struct process *batch[64];
	int from = 1, n;

	while (!b->full && (n = proc_get_batch(&from, batch, 64)) > 0) {
		for (int i = 0; i < n; i++) {
			struct process *p = batch[i];
			unsigned long fl = spin_lock_irqsave(&cg_lock);
			bool in = p->cg_attached && p->cgroup == cg;
			spin_unlock_irqrestore(&cg_lock, fl);
			if (in && !threads) {
				int v = pid_to_user(p->pid);
				if (v > 0)
					pbuf_printf(b, "%d\n", v);
			} else if (in) {
				struct task *t;
				fl = spin_lock_irqsave(&p->sig_lock);
				list_for_each_entry(t, &p->threads, thread_link) {
					int v = pid_to_user(t->user_tid);
					if (v > 0)
						pbuf_printf(b, "%d\n", v);
				}
				spin_unlock_irqrestore(&p->sig_lock, fl);
			}
			proc_put(p);
		}
	}
	return 0;
}

int cgroup_show(struct pbuf *b, struct cgroup *cg, int file)
{
	unsigned long fl;

	if (!cgroup_has_file(cg, file))
		return -ENOENT;
	switch (file) {
	case CGF_PROCS:
	case CGF_THREADS:
		return show_members(b, cg, file == CGF_THREADS);
	case CGF_KILL:
		return -EINVAL;		/* write-only */
	case CGF_TYPE:
		return pbuf_puts(b, "domain\n");
	default:
		break;
	}
	fl = spin_lock_irqsave(&cg_lock);
	u32 ctl = controllers(cg), sub = cg->subtree_control;
	int depth = cg->max_depth, desc = cg->max_descendants;
	int nd = cg->nr_descendants, dying = READ_ONCE(cg->nr_dying), pop = cg->nr_populated;
	long pmax = cg->pids_max;
	int pcur = cg->pids_current, ppeak = cg->pids_peak;
	u64 pev = cg->pids_events_max;
	spin_unlock_irqrestore(&cg_lock, fl);
	switch (file) {
	case CGF_CONTROLLERS: put_ctrls(b, ctl); return 0;
	case CGF_SUBTREE: put_ctrls(b, sub); return 0;
	case CGF_MAX_DEPTH: put_limit(b, depth); return 0;
	case CGF_MAX_DESC: put_limit(b, desc); return 0;
	case CGF_STAT:
		return pbuf_printf(b, "nr_descendants %d\nnr_dying_descendants %d\n", nd, dying);
	case CGF_EVENTS:
		return pbuf_printf(b, "populated %d\nfrozen 0\n", pop > 0);
	case CGF_PIDS_MAX: put_limit(b, pmax); return 0;
	case CGF_PIDS_CURRENT: return pbuf_printf(b, "%d\n", pcur);
	case CGF_PIDS_PEAK: return pbuf_printf(b, "%d\n", ppeak);
	case CGF_PIDS_EVENTS: return pbuf_printf(b, "max %llu\n", (unsigned long long)pev);
	}
	return -EINVAL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Strips white space at both ends, as Linux's strstrip (the text moves
 * to s); returns the length left. */
static size_t trim(char *s, size_t n)
{
	size_t lead = 0;

	while (n && is_blank(s[n - 1]))
		s[--n] = '\0';
	while (lead < n && is_blank(s[lead]))
		lead++;
	if (lead) {
		memmove(s, s + lead, n - lead + 1);
		n -= lead;
	}
	return n;
}

/* "max" or a decimal in [0, lim]: -1 for max, -EINVAL. */
static long parse_limit(char *s, size_t n, long lim)
{
	n = trim(s, n);
	if (n == 3 && !memcmp(s, "max", 3))
		return -1;
	if (!n || n > 10)
		return -EINVAL;
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	return v > lim ? -EINVAL : v;
}

static int parse_pid(char *s, size_t n)
{
	long v = parse_limit(s, n, 0x7fffffff);

	return v < 0 ? -EINVAL : (int)v;
}

/* "+pids -pids": Linux's rules (cgroup_subtree_control_write). */
static long write_subtree(struct cgroup *cg, char *s, size_t n)
{
	u32 enable = 0, disable = 0;
	size_t i = 0;

	n = trim(s, n);
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
			i++;
		size_t st = i;
		while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
			i++;
		if (i == st)
			break;
		char sign = s[st];
		int which = -1;
		for (int c = 0; c < CG_NR_CTRL; c++)
			if (strlen(ctrl_names[c]) == i - st - 1 &&
			    !memcmp(ctrl_names[c], s + st + 1, i - st - 1))
				which = c;
		if (which < 0 || (sign != '+' && sign != '-'))
			return -EINVAL;
		if (sign == '+') {
			enable |= 1u << which;
			disable &= ~(1u << which);
		} else {
			disable |= 1u << which;
			enable &= ~(1u << which);
		}
	}
	long rc = 0;
	unsigned long fl = spin_lock_irqsave(&cg_lock);
	enable &= ~cg->subtree_control;	/* already on */
	disable &= cg->subtree_control;
	struct cgroup *c;
	if (cg->dead)
		rc = -ENODEV;
	else if (enable & ~controllers(cg))
		rc = -ENOENT;	/* the parent does not give it */
	if (!rc && disable)
		list_for_each_entry(c, &cg->children, sibling)
			if (c->subtree_control & disable)
				rc = -EBUSY;	/* a child still gives it on */
	if (!rc && enable && cg->parent) {	/* cgroup_vet_subtree_control_enable */
		bool thread_ok = !cg->nr_populated_children &&
				 !(cg->subtree_control & ~CG_CTRL_THREADED);
		if (enable & ~CG_CTRL_THREADED ? true : !thread_ok)
			if (cg->nr_procs)
				rc = -EBUSY;	/* no internal processes */
	}
	if (!rc && (disable & (1u << CG_PIDS)))	/* the children's pids state goes */
		list_for_each_entry(c, &cg->children, sibling) {
			c->pids_max = -1;	/* "+pids" again starts from "max" */
			c->pids_events_max = 0;
		}
	if (!rc)
		cg->subtree_control = (cg->subtree_control | enable) & ~disable;
	spin_unlock_irqrestore(&cg_lock, fl);
	return rc;
}

/* cgroup.kill: SIGKILL to every process of the subtree. A fork that
 * attaches meanwhile sees `killing` and its child is killed too; one
 * that attaches after was forked by a process that has SIGKILL pending
 * (cgroup_fork refuses it). */
static long kill_tree(struct cgroup *cg)
{
	struct process *batch[64];
	int from = 1, n;
	unsigned long fl = spin_lock_irqsave(&cg_lock);

	if (cg->dead) {
		spin_unlock_irqrestore(&cg_lock, fl);
		return -ENODEV;
	}
	cg->killing++;
	spin_unlock_irqrestore(&cg_lock, fl);
	while ((n = proc_get_batch(&from, batch, 64)) > 0) {
		for (int i = 0; i < n; i++) {
			struct process *p = batch[i];
			fl = spin_lock_irqsave(&cg_lock);
			bool in = p->cg_attached && is_descendant(p->cgroup, cg);
			spin_unlock_irqrestore(&cg_lock, fl);
			if (in && p->pid != 1) {
				struct ksiginfo si = { .signo = SIGKILL, .code = SI_KERNEL };
				signal_send_unchecked(p, &si);
			}
			proc_put(p);
		}
	}
	fl = spin_lock_irqsave(&cg_lock);
	cg->killing--;
	spin_unlock_irqrestore(&cg_lock, fl);
	return 0;
}

long cgroup_write(struct cgroup *cg, int file, char *buf, size_t n,
		  const struct cgroup_opener *o)
{
	const struct cred *oc = o ? &o->cred : NULL;
	long v, rc = 0;
	unsigned long fl;

	if (!cgroup_has_file(cg, file))
		return -ENOENT;
	switch (file) {
	case CGF_PROCS:
	case CGF_THREADS: {
		int pid = parse_pid(buf, n);
		if (pid < 0)
			return pid;
		struct process *p = NULL;
		if (!pid) {
			p = current_proc();
			proc_get(p);
		} else if (file == CGF_PROCS) {
			p = proc_find(pid);
		} else {
			struct task *t = proc_find_thread(pid, &p);
			if (t)
				task_put(t);
			else
				p = NULL;
		}
		if (!p)
			return -ESRCH;
		if (file == CGF_THREADS) {
			/* one thread alone cannot leave its process's domain
			 * (Alloy's threads share one process) */
			struct cgroup *src = cgroup_of(p);
			rc = src == cg ? may_write_file(cg, CGF_PROCS, oc) : -EOPNOTSUPP;
			cgroup_put(src);
		} else {
			rc = move(p, cg, oc);
		}
		proc_put(p);
		return rc;
	}
	case CGF_SUBTREE:
		return write_subtree(cg, buf, n);
	case CGF_MAX_DEPTH:
	case CGF_MAX_DESC:
		n = trim(buf, n);
		if (n > 1 && buf[0] == '-' && buf[1] >= '1' && buf[1] <= '9' &&
		    parse_limit(buf + 1, n - 1, CG_LIMIT_MAX) > 0)
			return -ERANGE;	/* Linux: a negative number */
		if ((v = parse_limit(buf, n, CG_LIMIT_MAX)) < -1)
			return v;
		fl = spin_lock_irqsave(&cg_lock);
		if (file == CGF_MAX_DEPTH)
			cg->max_depth = v < 0 ? CG_LIMIT_MAX : (int)v;
		else
			cg->max_descendants = v < 0 ? CG_LIMIT_MAX : (int)v;
		spin_unlock_irqrestore(&cg_lock, fl);
		return 0;
	case CGF_TYPE:
		n = trim(buf, n);
		if (n == 6 && !memcmp(buf, "domain", 6))
			return 0;
		if (n == 8 && !memcmp(buf, "threaded", 8))
			return -EOPNOTSUPP;	/* Alloy has no threaded cgroups */
		return -EINVAL;
	case CGF_KILL:
		n = trim(buf, n);
		if (n != 1 || buf[0] != '1')
			return -ERANGE;	/* Linux: only "1" */
		return kill_tree(cg);
	case CGF_PIDS_MAX:
		if ((v = parse_limit(buf, n, (1L << 22))) < -1)
			return v;
		fl = spin_lock_irqsave(&cg_lock);
		cg->pids_max = v;
		spin_unlock_irqrestore(&cg_lock, fl);
		return 0;
	default:
		return -EINVAL;		/* read-only */
	}
}

/* ---- /proc */

/* cg's path below root into s (len bytes): "/a/b", "/" for root itself,
 * "/../x" when cg is outside root (as Linux's cgroup_path_ns). */
static void path_from(struct pbuf *b, struct cgroup *cg, struct cgroup *root)
{
	struct cgroup *com = common(root, cg);
	int depth = cg->level - com->level;

	for (struct cgroup *a = root; a != com; a = a->parent)
		pbuf_puts(b, "/..");
	if (cg == root)
		pbuf_puts(b, "/");
	for (int k = depth - 1; k >= 0; k--) {	/* names from the top down */
		struct cgroup *a = cg;
		for (int j = 0; j < k; j++)
			a = a->parent;
		pbuf_puts(b, "/");
		pbuf_puts(b, a->name);	/* up to 255 bytes: not a printf */
	}
}

int cgroup_proc_show(struct pbuf *b, struct process *p)
{
	struct cgroup *root = ns_root_current();
	struct cgroup *cg = cgroup_of(p);

	pbuf_puts(b, "0::");
	path_from(b, cg, root);
	pbuf_puts(b, "\n");
	cgroup_put(cg);
	cgroup_put(root);
	return 0;
}

int cgroup_proc_cgroups(struct pbuf *b)
{
	pbuf_puts(b, "#subsys_name\thierarchy\tnum_cgroups\tenabled\n");
	for (int i = 0; i < CG_NR_CTRL; i++)
		pbuf_printf(b, "%s\t0\t%d\t1\n", ctrl_names[i], READ_ONCE(cg_count));
	return 0;
}

/* ---- cgroup namespaces (CLONE_NEWCGROUP) */

struct cgroup_ns {
	struct ns_common ns;
	struct cgroup *root;	/* counted */
};

struct cgroup_ns init_cgroup_ns = {
	.ns = { .refs = { 1 }, .inum = 0xeffffffb, .type = NS_CGROUP },
	.root = &cgroup_root,
};

struct cgroup *cgroup_ns_root(struct ns_common *ns)
{
	return ns ? ((struct cgroup_ns *)ns)->root : &cgroup_root;
}

static struct ns_common *cgroup_ns_create(struct ns_common *old, struct ns_common *user)
{
	struct cgroup_ns *n = kzalloc(sizeof(*n), GFP_KERNEL);

	(void)old;
	if (!n)
		return NULL;
	ns_common_init(&n->ns, NS_CGROUP, user);
	n->root = cgroup_of(current_proc());	/* the creator's, now */
	return &n->ns;
}

static void cgroup_ns_release(struct ns_common *ns)
{
	struct cgroup_ns *n = (struct cgroup_ns *)ns;

	cgroup_put(n->root);
	kfree(n);
}

const struct ns_kind cgroup_ns_kind = { .name = "cgroup", .clone_flag = CLONE_NEWCGROUP,
					.create = cgroup_ns_create,
					.release = cgroup_ns_release };
