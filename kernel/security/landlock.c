/*
 * Landlock: rulesets, domains and the checks (include/alloy/landlock.h,
 * docs/landlock.md).
 *
 * Objects. A rule names an inode through an object that holds a
 * reference to it and sits on one global list, so that an unmount takes
 * every object's inode of its filesystem away (landlock_unmount): a rule
 * never keeps a filesystem mounted, and one whose inode went matches
 * nothing from then on. A check compares the inode pointers of the
 * dentries it walks with the objects' (READ_ONCE, never dereferenced):
 * an object's inode is alive while the object points to it. An unmount
 * takes each object of its filesystem off the list in one pass and waits
 * for the inode references dying objects still drop (ll_putting).
 *
 * Layers and domains are immutable once made and counted; a domain holds
 * its layers (a child domain shares its parent's), a layer its objects.
 * p->landlock is changed (restrict_self, exit) and read with a reference
 * (the checks, fork) or compared (ptrace) under ll_lock, a leaf.
 */
#include <alloy/errno.h>
#include <alloy/event.h>
#include <alloy/fdtable.h>
#include <alloy/landlock.h>
#include <alloy/list.h>
#include <alloy/lockrank.h>
#include <alloy/mutex.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>
#include <uapi/capability.h>

#define FILE_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
		     LANDLOCK_ACCESS_FS_READ_FILE)
#define MAX_RULES 65536		/* per ruleset: a bound on the kernel memory one fd holds */

struct ll_object {
	atomic_t ref;
	struct inode *inode;		/* [ll_lock] counted; NULL once unmounted */
	struct super_block *sb;
	struct list_head link;		/* [ll_lock] objects */
};

struct ll_rule {
	struct ll_object *obj;		/* counted */
	u16 access;
};

struct ll_layer {
	atomic_t ref;
	u16 handled;
	u32 n;
	struct ll_rule rules[];
};

struct landlock_domain {
	atomic_t ref;
	int n;
	struct ll_layer *layer[LANDLOCK_MAX_LAYERS];	/* counted, oldest first */
};

struct ll_ruleset {
	struct mutex lock;		/* rules, n, cap */
	u16 handled;
	u32 n, cap;
	struct ll_rule *rules;
};

static spinlock_t ll_lock = SPINLOCK_INIT("landlock", LR_LANDLOCK);
static LIST_HEAD(objects);

/* ---- objects, layers, domains */

static struct ll_object *object_new(struct inode *i)
{
	struct ll_object *o = kmalloc(sizeof(*o), GFP_KERNEL);

	if (!o)
		return NULL;
	atomic_set(&o->ref, 1);
	inode_get(i);
	o->inode = i;
	o->sb = i->sb;
	unsigned long fl = spin_lock_irqsave(&ll_lock);
	list_add(&o->link, &objects);
	spin_unlock_irqrestore(&ll_lock, fl);
	return o;
}

/* Inode references a dying object is dropping outside ll_lock: an
 * unmount that no longer finds the object waits for them, so that no
 * late inode_put evicts into a freed super block. */
static atomic_t ll_putting;

static void object_put(struct ll_object *o)
{
	if (!atomic_dec_and_test(&o->ref))
		return;
	unsigned long fl = spin_lock_irqsave(&ll_lock);
	struct inode *i = o->inode;
	WRITE_ONCE(o->inode, NULL);
	list_del_init(&o->link);	/* an unmount may have taken it off */
	if (i)
		atomic_inc(&ll_putting);
	spin_unlock_irqrestore(&ll_lock, fl);
	if (i) {
		inode_put(i);
		atomic_dec(&ll_putting);
	}
	kfree(o);
}

static bool ref_get_not_zero(atomic_t *r)
{
	for (;;) {
		int v = atomic_read(r);
		if (!v)
			return false;
		if (atomic_cmpxchg(r, v, v + 1))
			return true;
	}
}

/* One pass over the list under the lock: each live object of sb is
 * pinned (a reference) and moved to a private list; then, unlocked, each
 * lets go of its inode and of the pin. Objects already dying (no
 * reference left) put their own inode: waited for through ll_putting. */
void landlock_unmount(struct super_block *sb)
{
	LIST_HEAD(gone);
	struct ll_object *o, *n;
	unsigned long fl = spin_lock_irqsave(&ll_lock);
	list_for_each_entry_safe(o, n, &objects, link) {
		if (o->sb == sb && o->inode && ref_get_not_zero(&o->ref)) {
			list_del(&o->link);
			list_add(&o->link, &gone);
		}
	}
	spin_unlock_irqrestore(&ll_lock, fl);
	list_for_each_entry_safe(o, n, &gone, link) {
		fl = spin_lock_irqsave(&ll_lock);
		list_del_init(&o->link);	/* ours alone: o is pinned */
		struct inode *i = o->inode;
		WRITE_ONCE(o->inode, NULL);
		spin_unlock_irqrestore(&ll_lock, fl);
		if (i)
			inode_put(i);
		object_put(o);
	}
	while (atomic_read(&ll_putting))
		sched_yield();
}

static void layer_put(struct ll_layer *l)
{
	if (!l || !atomic_dec_and_test(&l->ref))
		return;
	for (u32 k = 0; k < l->n; k++)
		object_put(l->rules[k].obj);
	kfree(l);
}

static void domain_put(struct landlock_domain *d)
{
	if (!d || !atomic_dec_and_test(&d->ref))
		return;
	for (int k = 0; k < d->n; k++)
		layer_put(d->layer[k]);
	kfree(d);
}

/* p's domain with a reference, or NULL. */
static struct landlock_domain *domain_get(struct process *p)
{
	if (!READ_ONCE(p->landlock))
		return NULL;
	unsigned long fl = spin_lock_irqsave(&ll_lock);
	struct landlock_domain *d = p->landlock;
	if (d)
		atomic_inc(&d->ref);
	spin_unlock_irqrestore(&ll_lock, fl);
	return d;
}

void landlock_fork(struct process *child, struct process *parent)
{
	child->landlock = domain_get(parent);
}

void landlock_proc_exit(struct process *p)
{
	if (!READ_ONCE(p->landlock))
		return;
	unsigned long fl = spin_lock_irqsave(&ll_lock);
	struct landlock_domain *d = p->landlock;
	p->landlock = NULL;
	spin_unlock_irqrestore(&ll_lock, fl);
	domain_put(d);
}

/* ---- checks */

bool landlock_restricted(void)
{
	struct process *p = current_proc();

	return p && READ_ONCE(p->landlock);
}

static void collect(const struct landlock_domain *d, const struct path *p,
		    struct landlock_masks *m)
{
	u32 missing = 0;

	m->n = d->n;
	for (int k = 0; k < d->n; k++) {
		m->handled[k] = (u16)(d->layer[k]->handled | LANDLOCK_ACCESS_FS_REFER);
		m->granted[k] = 0;
		missing |= 1u << k;
	}
	struct path cur = *p;
	path_get(&cur);
	for (;;) {
		struct inode *i = READ_ONCE(cur.dentry->inode);
		for (int k = 0; i && k < d->n; k++) {
			if (!(missing & (1u << k)))
				continue;
			const struct ll_layer *l = d->layer[k];
			for (u32 r = 0; r < l->n; r++)
				if (READ_ONCE(l->rules[r].obj->inode) == i)
					m->granted[k] |= l->rules[r].access;
			if ((m->granted[k] & m->handled[k]) == m->handled[k])
				missing &= ~(1u << k);
		}
		if (!missing || !vfs_path_up(&cur))
			break;
	}
	path_put(&cur);
}

void landlock_masks_at(const struct path *p, struct landlock_masks *m)
{
	struct process *me = current_proc();
	struct landlock_domain *d = me ? domain_get(me) : NULL;

	m->n = 0;
	if (!d)
		return;
	collect(d, p, m);
	domain_put(d);
}

int landlock_masks_check(const struct landlock_masks *m, u32 access)
{
	for (int k = 0; k < m->n; k++)
		if (access & m->handled[k] & ~(u32)m->granted[k])
			return -EACCES;
	return 0;
}

int landlock_check_path(const struct path *p, u32 access)
{
	struct landlock_masks m;

	if (!landlock_restricted() || !access)
		return 0;
	if (READ_ONCE(p->mnt->flags) & MNT_INTERNAL)
		return 0;	/* a memfd reopened: no path a rule could name */
	landlock_masks_at(p, &m);
	return landlock_masks_check(&m, access);
}

int landlock_check_open(const struct path *p, u32 flags, u32 mode)
{
	u32 acc = flags & O_ACCMODE, want = 0;

	if (!landlock_restricted() || (flags & O_PATH))
		return 0;
	if (S_ISDIR(mode)) {
		want = acc == O_RDONLY ? LANDLOCK_ACCESS_FS_READ_DIR : 0;
	} else {
		if (acc == O_RDONLY || acc == O_RDWR)
			want |= LANDLOCK_ACCESS_FS_READ_FILE;
		if (acc == O_WRONLY || acc == O_RDWR)
			want |= LANDLOCK_ACCESS_FS_WRITE_FILE;
		if (flags & O_EXEC_KERNEL)
			want |= LANDLOCK_ACCESS_FS_EXECUTE;
	}
	return landlock_check_path(p, want);
}

u32 landlock_make_access(u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return LANDLOCK_ACCESS_FS_MAKE_DIR;
	case S_IFCHR: return LANDLOCK_ACCESS_FS_MAKE_CHAR;
	case S_IFBLK: return LANDLOCK_ACCESS_FS_MAKE_BLOCK;
	case S_IFIFO: return LANDLOCK_ACCESS_FS_MAKE_FIFO;
	case S_IFSOCK: return LANDLOCK_ACCESS_FS_MAKE_SOCK;
	case S_IFLNK: return LANDLOCK_ACCESS_FS_MAKE_SYM;
	default: return LANDLOCK_ACCESS_FS_MAKE_REG;
	}
}

u32 landlock_remove_access(u32 mode)
{
	return S_ISDIR(mode) ? LANDLOCK_ACCESS_FS_REMOVE_DIR : LANDLOCK_ACCESS_FS_REMOVE_FILE;
}

int landlock_check_refer(const struct landlock_masks *src, const struct landlock_masks *dst,
			 bool same_dir, u32 req_src, u32 req_dst, bool exchange)
{
	bool eacces = false, exdev = false;

	if (!src->n)
		return 0;
	if (same_dir)
		return landlock_masks_check(dst, req_src | req_dst);
	req_src |= LANDLOCK_ACCESS_FS_REFER;
	req_dst |= LANDLOCK_ACCESS_FS_REFER;
	for (int k = 0; k < src->n; k++) {
		u32 h = src->handled[k], gs = src->granted[k] & h, gd = dst->granted[k] & h;
		u32 miss = (req_src & h & ~gs) | (req_dst & h & ~gd);
		if (miss & ~(u32)LANDLOCK_ACCESS_FS_REFER)
			eacces = true;
		if (miss & LANDLOCK_ACCESS_FS_REFER)
			exdev = true;
		/* what moves may not gain a right it lacked where it was */
		if ((gd & ~gs) || (exchange && (gs & ~gd)))
			exdev = true;
	}
	return eacces ? -EACCES : exdev ? -EXDEV : 0;
}

int landlock_check_mount(void)
{
	return landlock_restricted() ? -EPERM : 0;
}

/* Is a (NULL: none) the domain b or one of its ancestors? */
static bool domain_covers(const struct landlock_domain *a, const struct landlock_domain *b)
{
	if (!a)
		return true;
	if (!b || b->n < a->n)
		return false;
	for (int k = 0; k < a->n; k++)
		if (a->layer[k] != b->layer[k])
			return false;
	return true;
}

bool landlock_may_ptrace(struct process *tracer, struct process *tracee)
{
	if (!tracer || !READ_ONCE(tracer->landlock) || tracer == tracee)
		return true;
	unsigned long fl = spin_lock_irqsave(&ll_lock);
	bool ok = domain_covers(tracer->landlock, tracee->landlock);
	spin_unlock_irqrestore(&ll_lock, fl);
	return ok;
}

/* ---- rulesets (the fd) */

static void ruleset_free(struct ll_ruleset *rs)
{
	for (u32 k = 0; k < rs->n; k++)
		object_put(rs->rules[k].obj);
	kfree(rs->rules);
	kfree(rs);
}

static void ruleset_release(struct file *f)
{
	ruleset_free(f->priv);
}

static const struct file_ops ruleset_fops = {
	.release = ruleset_release,
};

/* fd's ruleset file (a reference), or -EBADF / -EBADFD. */
static struct file *ruleset_fget(u64 fd, long *err)
{
	struct file *f = fd > 0x7fffffff ? NULL : fd_get(cur_files(), (int)fd);

	if (!f || (f->flags & O_PATH)) {	/* Linux's fdget: not an O_PATH fd */
		if (f)
			file_put(f);
		*err = -EBADF;
		return NULL;
	}
	if (f->fop != &ruleset_fops) {
		file_put(f);
		*err = -EBADFD;
		return NULL;
	}
	return f;
}

long sys_landlock_create_ruleset(u64 uattr, u64 size, u64 flags, u64 a3, u64 a4, u64 a5)
{
	struct landlock_ruleset_attr attr = { 0 };

	(void)a3, (void)a4, (void)a5;
	flags = (u32)flags;	/* a __u32, as Linux */
	if (flags) {
		if (flags == LANDLOCK_CREATE_RULESET_VERSION && !uattr && !size)
			return LANDLOCK_ABI_VERSION;
		return -EINVAL;
	}
	/* Linux's copy_min_struct_from_user: a longer struct's tail must be 0 */
	if (!uattr)
		return -EFAULT;
	if (size < sizeof(attr))
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	if (copy_from_user(&attr, (const void *)uattr, sizeof(attr)))
		return -EFAULT;
	for (u64 off = sizeof(attr); off < size; off++) {
		u8 b;
		if (copy_from_user(&b, (const void *)(uattr + off), 1))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	if (attr.handled_access_fs & ~(u64)LANDLOCK_ACCESS_FS_ALL)
		return -EINVAL;
	if (!attr.handled_access_fs)
		return -ENOMSG;
	struct ll_ruleset *rs = kmalloc(sizeof(*rs), GFP_KERNEL);
	if (!rs)
		return -ENOMEM;
	memset(rs, 0, sizeof(*rs));
	mutex_init(&rs->lock, "landlock-ruleset", LR_MUTEX_LANDLOCK);
	rs->handled = (u16)attr.handled_access_fs;
	struct file *f = anon_file(&ruleset_fops, rs, O_RDWR);
	if (!f) {
		kfree(rs);
		return -ENOMEM;
	}
	return fd_install(cur_files(), f, 0, true);
}

/* Adds (or widens) the rule on i; caller holds rs->lock. */
static int ruleset_add_locked(struct ll_ruleset *rs, struct inode *i, u16 access)
{
	for (u32 k = 0; k < rs->n; k++) {
		if (READ_ONCE(rs->rules[k].obj->inode) == i) {
			rs->rules[k].access |= access;
			return 0;
		}
	}
	if (rs->n == MAX_RULES)
		return -ENOMEM;
	if (rs->n == rs->cap) {
		u32 cap = rs->cap ? rs->cap * 2 : 8;
		struct ll_rule *nr = kmalloc(cap * sizeof(*nr), GFP_KERNEL);
		if (!nr)
			return -ENOMEM;
		if (rs->n)
			memcpy(nr, rs->rules, rs->n * sizeof(*nr));
		kfree(rs->rules);
		rs->rules = nr;
		rs->cap = cap;
	}
	struct ll_object *o = object_new(i);
	if (!o)
		return -ENOMEM;
	rs->rules[rs->n++] = (struct ll_rule){ o, access };
	return 0;
}

long sys_landlock_add_rule(u64 fd, u64 type, u64 uattr, u64 flags, u64 a4, u64 a5)
{
	struct landlock_path_beneath_attr attr;
	long rc;

	(void)a4, (void)a5;
	if ((u32)flags)
		return -EINVAL;
	struct file *f = ruleset_fget(fd, &rc);
	if (!f)
		return rc;
	struct ll_ruleset *rs = f->priv;
	struct file *parent = NULL;
	if ((u32)type != LANDLOCK_RULE_PATH_BENEATH) {
		rc = -EINVAL;
		goto out;
	}
	if (copy_from_user(&attr, (const void *)uattr, sizeof(attr))) {
		rc = -EFAULT;
		goto out;
	}
	if (!attr.allowed_access) {
		rc = -ENOMSG;
		goto out;
	}
	if (attr.allowed_access & ~(u64)rs->handled) {
		rc = -EINVAL;
		goto out;
	}
	parent = attr.parent_fd < 0 ? NULL : fd_get(cur_files(), attr.parent_fd);
	if (!parent) {
		rc = -EBADF;
		goto out;
	}
	/* a path of the tree: not a ruleset, pipe, socket or other nameless file */
	struct inode *i = parent->path.dentry ? READ_ONCE(parent->path.dentry->inode) : NULL;
	if (parent->fop == &ruleset_fops || !parent->path.mnt || !i ||
	    (READ_ONCE(parent->path.mnt->flags) & MNT_INTERNAL)) {
		rc = -EBADFD;
		goto out;
	}
	if (!S_ISDIR(i->mode) && (attr.allowed_access & ~(u64)FILE_RIGHTS)) {
		rc = -EINVAL;
		goto out;
	}
	mutex_lock(&rs->lock);
	rc = ruleset_add_locked(rs, i, (u16)attr.allowed_access);
	mutex_unlock(&rs->lock);
out:
	if (parent)
		file_put(parent);
	file_put(f);
	return rc;
}

/* A layer that is a copy of rs's rules (each object counted again). */
static struct ll_layer *layer_from(struct ll_ruleset *rs)
{
	mutex_lock(&rs->lock);
	struct ll_layer *l = kmalloc(sizeof(*l) + rs->n * sizeof(struct ll_rule), GFP_KERNEL);
	if (l) {
		atomic_set(&l->ref, 1);
		l->handled = rs->handled;
		l->n = rs->n;
		for (u32 k = 0; k < rs->n; k++) {
			l->rules[k] = rs->rules[k];
			atomic_inc(&rs->rules[k].obj->ref);
		}
	}
	mutex_unlock(&rs->lock);
	return l;
}

long sys_landlock_restrict_self(u64 fd, u64 flags, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct process *me = current_proc();
	long rc;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if ((u32)flags)
		return -EINVAL;
	if (!READ_ONCE(me->no_new_privs) && !proc_capable(CAP_SYS_ADMIN))
		return -EPERM;
	struct file *f = ruleset_fget(fd, &rc);
	if (!f)
		return rc;
	struct ll_layer *l = layer_from(f->priv);
	file_put(f);
	struct landlock_domain *nd = kmalloc(sizeof(*nd), GFP_KERNEL);
	if (!l || !nd) {
		layer_put(l);
		kfree(nd);
		return -ENOMEM;
	}
	/* the old domain's layers then l: a sibling thread restricting at
	 * the same time makes us start over with its domain */
	for (;;) {
		struct landlock_domain *old = domain_get(me);
		int n = old ? old->n : 0;
		if (n >= LANDLOCK_MAX_LAYERS) {
			domain_put(old);
			layer_put(l);
			kfree(nd);
			return -E2BIG;
		}
		atomic_set(&nd->ref, 1);
		nd->n = n + 1;
		for (int k = 0; k < n; k++)
			nd->layer[k] = old->layer[k];
		nd->layer[n] = l;
		unsigned long fl = spin_lock_irqsave(&ll_lock);
		bool same = me->landlock == old;
		if (same) {
			for (int k = 0; k < n; k++)
				atomic_inc(&old->layer[k]->ref);
			me->landlock = nd;
		}
		spin_unlock_irqrestore(&ll_lock, fl);
		domain_put(old);	/* the reference domain_get took */
		if (same) {
			domain_put(old);	/* the process's */
			return 0;
		}
	}
}
