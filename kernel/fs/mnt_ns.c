/*
 * Mount namespaces: their counts, copies (unshare and clone with
 * CLONE_NEWNS), entering one (setns) and their teardown. The trees
 * themselves are mount.c's (vfs_copy_ns, vfs_dissolve_ns). Owner,
 * lifetime and lock order: include/alloy/mnt_ns.h, docs/vfs.md.
 */
#include <alloy/errno.h>
#include <alloy/fs_state.h>
#include <alloy/mnt_ns.h>
#include <alloy/ns.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/task.h>
#include <alloy/vfs.h>

/* The boot namespace has Linux's number for it (the second dynamic one);
 * later ones come from the namespace framework's count (ns_alloc_inum),
 * shared with every kind, so no two namespaces ever show the same. */
#define MNT_NS_INO_FIRST 0xf0000001ULL

struct mnt_ns init_mnt_ns = {
	.count = ATOMIC_INIT(1), .ino = MNT_NS_INO_FIRST,
	.common = { .refs = ATOMIC_INIT(1), .inum = MNT_NS_INO_FIRST, .type = NS_MNT },
};

struct mnt_ns *mnt_ns_get(struct mnt_ns *ns)
{
	if (ns)
		atomic_inc(&ns->count);
	return ns;
}

void mnt_ns_put(struct mnt_ns *ns)
{
	if (!ns || !atomic_dec_and_test(&ns->count))
		return;
	if (ns == &init_mnt_ns)
		return;		/* the boot one is never let go of */
	vfs_dissolve_ns(ns);
	kfree(ns);
}

extern struct ns_common init_user_ns;

/* The number of p's user namespace (0 once it exited). */
static u64 user_ino_of(struct process *p)
{
	struct ns_common *u = proc_ns(p, NS_USER, false);
	u64 ino = u ? u->inum : 0;

	ns_put(u);
	return ino;
}

/* The user namespace ns was made in (the boot one's: the boot user
 * namespace). */
static u64 owner_of(const struct mnt_ns *ns)
{
	return ns->user_ino ? ns->user_ino : init_user_ns.inum;
}

static struct mnt_ns *ns_alloc(bool anon)
{
	struct mnt_ns *ns = kzalloc(sizeof(*ns), GFP_KERNEL);

	if (!ns)
		return NULL;
	atomic_set(&ns->count, 1);
	ns->anon = anon;
	ns->ino = ns_alloc_inum();
	ns->common.inum = ns->ino;	/* its identity for ns files and setns */
	ns->common.type = NS_MNT;	/* (common.refs unused: count is the count) */
	return ns;
}

struct mnt_ns *mnt_ns_new_anon(void)
{
	return ns_alloc(true);
}

struct mnt_ns *mnt_ns_of(struct process *p)
{
	unsigned long fl = spin_lock_irqsave(&p->cwd_lock);
	struct mnt_ns *ns = mnt_ns_get(p->mnt_ns);
	spin_unlock_irqrestore(&p->cwd_lock, fl);
	return ns;
}

struct mnt_ns *mnt_ns_current(void)
{
	struct task *t = current_task();
	struct process *p = t ? t->proc : NULL;
	struct mnt_ns *ns = p ? READ_ONCE(p->mnt_ns) : NULL;

	return ns ? ns : &init_mnt_ns;
}

void mnt_ns_root_path(struct mnt_ns *ns, struct path *out)
{
	if (ns && ns->root)
		*out = (struct path){ mnt_get(ns->root), dentry_get(ns->root->root) };
	else
		*out = vfs_root();
}

/* p's fs state, counted; for the caller, its own thread's if it has one
 * (a thread cloned without CLONE_FS): what its walks use. */
static struct fs_state *fs_of(struct process *p)
{
	struct task *t = current_task();

	if (p == current_proc() && t->fs) {
		fs_state_get(t->fs);
		return t->fs;
	}
	return proc_fs_get(p);
}

/* p's namespace becomes ns (whose count p's takes), its root and cwd
 * the given paths (p's fs state takes references of its own; a NULL
 * dentry leaves it as it was). The fs state is p's alone: unshare and
 * setns made sure (CLONE_FS), clone made the child a copy. */
static void switch_ns(struct process *p, struct mnt_ns *ns, const struct path *root,
		      const struct path *cwd)
{
	struct fs_state *fs = fs_of(p);
	unsigned long fl = spin_lock_irqsave(&p->cwd_lock);
	struct mnt_ns *old = p->mnt_ns;
	p->mnt_ns = ns;
	spin_unlock_irqrestore(&p->cwd_lock, fl);
	if (fs) {
		/* a root the copy has no place for (a chroot into a lazily
		 * unmounted tree) stays as it was: never unset, which would be
		 * the whole new tree */
		if (root->dentry)
			fs_state_set_path(fs, true, root);
		if (cwd->dentry)
			fs_state_set_path(fs, false, cwd);
		fs_state_put(fs);
	}
	mnt_ns_put(old);
}

/* A copy of p's namespace for p: its root and cwd move to their places
 * in the copy. */
static int copy_for(struct process *p)
{
	struct mnt_ns *from = mnt_ns_of(p), *to;
	struct fs_state *fs = fs_of(p);
	struct path in[2] = { { 0 }, { 0 } }, out[2] = { { 0 }, { 0 } };
	int rc;

	if (!from || !fs) {
		mnt_ns_put(from);
		fs_state_put(fs);
		return -EINVAL;		/* exited */
	}
	if (!(to = ns_alloc(false))) {
		mnt_ns_put(from);
		fs_state_put(fs);
		return -ENOMEM;
	}
	fs_state_path(fs, true, &in[0]);
	fs_state_path(fs, false, &in[1]);
	fs_state_put(fs);
	/* a copy for another user namespace than the one the tree was made
	 * in (unshare(CLONE_NEWUSER|CLONE_NEWNS)) gets slaves, not peers, of
	 * the shared mounts: it may receive but never send, as Linux */
	to->user_ino = user_ino_of(p);
	rc = vfs_copy_ns(from, to, in, out, 2, to->user_ino != owner_of(from));
	for (int i = 0; i < 2; i++)
		if (in[i].dentry)
			path_put(&in[i]);
	if (!rc) {
		/* a root or cwd outside the tree (lazily unmounted) stays */
		switch_ns(p, to, &out[0], &out[1]);
		to = NULL;
	}
	for (int i = 0; i < 2; i++)
		if (out[i].dentry)
			path_put(&out[i]);
	mnt_ns_put(to);		/* a failed copy's: torn down */
	mnt_ns_put(from);
	return rc;
}

int mnt_ns_unshare(void)
{
	struct process *p = current_proc();

	if (READ_ONCE(p->nr_threads) > 1)
		return -EINVAL;	/* it shares its root and cwd (CLONE_FS) */
	return copy_for(p);
}

int mnt_ns_clone_into(struct process *p)
{
	return copy_for(p);
}

int mnt_ns_install(struct mnt_ns *ns)
{
	struct process *p = current_proc();

	if (!ns || ns->anon)
		return -EINVAL;
	if (READ_ONCE(p->nr_threads) > 1)
		return -EINVAL;
	struct fs_state *fs = fs_of(p);
	bool shared = !fs || atomic_read(&fs->refcount) > 2;	/* ours and p's */
	fs_state_put(fs);
	if (shared)
		return -EINVAL;	/* Linux: a root and cwd shared by CLONE_FS */
	struct path root, none = { 0 };
	mnt_ns_root_path(ns, &root);
	mnt_ns_get(ns);
	/* its root becomes unset (the namespace's), its cwd that root */
	switch_ns(p, ns, &root, &root);
	if ((fs = fs_of(p))) {
		fs_state_set_path(fs, true, &none);
		fs_state_put(fs);
	}
	path_put(&root);
	return 0;
}
