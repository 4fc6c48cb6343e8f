/*
 * Mounting disk filesystems (and memory ones: tmpfs), unmounting them, syncing them (on request
 * and every few seconds from the flusher thread), and switching the root
 * to a disk at boot (root=/dev/vda). The mount table is a list under one
 * mutex; the tree itself is the struct mount chain in namei.c.
 *
 * Unmount refuses a busy filesystem: one with open files, a mount below
 * it, or a dentry referenced by anything but the tree (a process's
 * working directory, a walk in progress). A lazy unmount (MNT_DETACH)
 * takes a busy one out of the tree at once, so no new walk reaches it,
 * and the flusher frees it (after a sync) once its last file is closed
 * and its last working directory has left; until then ".." at its root
 * stays there, as on Linux.
 *
 * Propagation (shared subtrees): a mount, bind, move or unmount under a
 * shared mount is repeated under the mounts it propagates to, in every
 * namespace; the relations are kernel/fs/mnt_prop.c's, the walks here
 * (docs/vfs.md "Propagation"), bounded by fs/mount-max.
 */
#include <alloy/blkdev.h>
#include <alloy/cmdline.h>
#include <alloy/errno.h>
#include <alloy/fs_state.h>
#include <alloy/inotify.h>
#include <alloy/landlock.h>
#include <alloy/atomic.h>
#include <alloy/lockrank.h>
#include <alloy/mnt_ns.h>
#include <alloy/printk.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>
#include <alloy/wait.h>
#include <alloy/vfs.h>
#include <uapi/mount.h>
#include "mnt_prop.h"

#define FLUSH_INTERVAL_NS (5ULL * 1000000000ULL)
#define REAP_INTERVAL_NS (1000000000ULL)	/* lazily unmounted filesystems */

static struct mutex mount_lock;
static LIST_HEAD(mounts);		/* super blocks of disk mounts [mount_lock] */
static LIST_HEAD(detached);		/* lazily unmounted, still busy [mount_lock] */
static bool mount_ready;

static void mount_init_once(void)
{
	if (!mount_ready) {
		mutex_init(&mount_lock, "mounts", LR_MUTEX_MOUNT);
		mount_ready = true;
	}
}

/* fs/mount-max: the mounts one namespace may hold, as Linux (a mount,
 * bind or move that would take one past it, propagated copies counted,
 * is ENOSPC): what bounds a propagation storm's memory. */
static long mount_max = 100000;
SYSCTL_INT(mount_max, "fs/mount-max", 0644, &mount_max, 1, 0x7fffffff);

void vfs_mount_set_ns(struct mount *m, struct mnt_ns *ns)
{
	if (m->ns)
		m->ns->nr_mounts--;
	if (ns)
		ns->nr_mounts++;
	WRITE_ONCE(m->ns, ns);
}

/* May ns take `more` mounts? (A tree being built has no namespace.) */
static bool ns_room(struct mnt_ns *ns, u32 more)
{
	return !ns || (u64)ns->nr_mounts + ns->pending + more <= (u64)READ_ONCE(mount_max);
}

/* The mount after m in top's tree (pre-order; only top unless rec), or
 * NULL. Caller holds mount_cross_lock. */
static struct mount *tree_next(struct mount *top, struct mount *m, bool rec)
{
	if (rec && !list_empty(&m->children))
		return list_first_entry(&m->children, struct mount, child);
	while (m != top && m->child.next == &m->parent->children)
		m = m->parent;
	return m == top ? NULL : list_entry(m->child.next, struct mount, child);
}

/*
 * Makes top (and with rec its whole tree) read-only unless a file is
 * open for writing through one of them (Linux's mnt_make_readonly and
 * mnt_hold_writers): then nothing changes and it returns true. All or
 * none. The flag goes up first, marked MNT_RO_TRIAL to be taken back,
 * and the counts are read after; an open counts first and reads the
 * flag after (file.c), so one of the two sees the other. Caller holds
 * mount_lock and mount_cross_lock.
 */
static bool hold_readonly(struct mount *top, bool rec)
{
	struct mount *m;
	bool busy = false;

	for (m = top; m; m = tree_next(top, m, rec))
		if (!(m->flags & MNT_RDONLY))
			WRITE_ONCE(m->flags, m->flags | MNT_RDONLY | MNT_RO_TRIAL);
	smp_mb();
	for (m = top; m; m = tree_next(top, m, rec))
		if ((m->flags & MNT_RO_TRIAL) && atomic_read(&m->nr_write) > 0)
			busy = true;
	for (m = top; m; m = tree_next(top, m, rec))
		if (m->flags & MNT_RO_TRIAL)
			WRITE_ONCE(m->flags, m->flags & ~(MNT_RO_TRIAL | (busy ? MNT_RDONLY : 0)));
	return busy;
}

/* The mounts of the tree from top (top first, parents before children),
 * uncounted: they live while the caller holds mount_lock, under which
 * alone mounts go. NULL with *n 0 on no memory. Read under the lock
 * attaching takes (devpts mounts without the mount lock). */
static struct mount **tree_mounts(struct mount *top, size_t *n)
{
	for (;;) {
		size_t want = 0, k = 0;
		unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
		struct mount *m;
		for (m = top; m; m = tree_next(top, m, true))
			want++;
		spin_unlock_irqrestore(&mount_cross_lock, fl);
		struct mount **arr = kmalloc(want * sizeof(*arr), GFP_KERNEL);
		if (!arr) {
			*n = 0;
			return NULL;
		}
		fl = spin_lock_irqsave(&mount_cross_lock);
		for (m = top; m; m = tree_next(top, m, true)) {
			if (k < want)
				arr[k] = m;
			k++;
		}
		spin_unlock_irqrestore(&mount_cross_lock, fl);
		if (k == want) {
			*n = k;
			return arr;
		}
		kfree(arr);	/* a devpts mount came meanwhile: again */
	}
}

/* Takes apart a tree that was never in a namespace's tree (a copy
 * built for a mount that failed), leaves first. Caller holds mount_lock;
 * the filesystems have other mounts (the copies' sources). */
static void drop_tree(struct mount *top)
{
	for (;;) {
		struct mount *m = top;
		unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
		while (!list_empty(&m->children))
			m = list_first_entry(&m->children, struct mount, child);
		if (m != top)
			vfs_detach_mount_locked(m);
		spin_unlock_irqrestore(&mount_cross_lock, fl);
		bool last = m == top;
		prop_make_private(m);
		vfs_mount_set_ns(m, NULL);
		vfs_mount_unlist(m);
		m->root->sb->nr_mounts--;
		mnt_put(m);	/* the tree's: frees it, and its parent's count */
		if (last)
			return;
	}
}

static int mount_new(struct super_block *sb, const struct path *at, u32 mnt_flags);

static int fs_create(const char *type, struct blkdev *bd, u32 flags, struct super_block **out)
{
	if (!strcmp(type, "ext2"))
		return ext2_mount(bd, flags, out);
	return -ENODEV;		/* as Linux: unknown filesystem type */
}

/* The disk a disk filesystem was made on (it is a user of it: a loop
 * device stays bound while mounted), or NULL for a memory one. */
static struct blkdev *sb_blkdev(const struct super_block *sb)
{
	return sb->type && !strcmp(sb->type, "ext2") ? blkdev_by_dev(sb->dev) : NULL;
}

int vfs_mount_dev(const struct path *base, const char *source, const char *type, u32 flags,
		  u32 mnt_flags, const struct path *at)
{
	struct path src;
	struct super_block *sb;
	int rc = vfs_walk(base, source, LOOKUP_FOLLOW, &src);

	if (rc)
		return rc;
	struct inode *i = src.dentry->inode;
	bool blk = S_ISBLK(i->mode);	/* read while the path holds the inode */
	struct blkdev *bd = blk ? blkdev_by_dev(i->rdev) : NULL;
	path_put(&src);
	if (!blk)
		return -ENOTBLK;
	if (!bd)
		return -ENXIO;
	mount_init_once();
	mutex_lock(&mount_lock);
	list_for_each_entry(sb, &mounts, link) {
		if (sb->dev == bd->dev) {
			mutex_unlock(&mount_lock);
			return -EBUSY;	/* one mount per disk */
		}
	}
	if ((rc = blkdev_get(bd))) {	/* a loop device removed meanwhile */
		mutex_unlock(&mount_lock);
		return rc;
	}
	rc = fs_create(type, bd, flags, &sb);
	if (!rc)
		sb->flags |= flags & SB_NOSUID;
	if (!rc && (rc = mount_new(sb, at, mnt_flags))) {
		sb->sop->put_super(sb);
		dentry_put(sb->root);
		kfree(sb);
	}
	if (!rc)
		list_add_tail(&sb->link, &mounts);
	else
		blkdev_put(bd);
	mutex_unlock(&mount_lock);
	return rc;
}

int vfs_mount_mem(const char *opts, bool huge, u32 flags, u32 mnt_flags, const struct path *at)
{
	struct super_block *sb;
	int rc = huge ? hugetlbfs_create_opts(opts, &sb) : memfs_create_opts(opts, &sb);

	if (rc)
		return rc;
	sb->flags |= flags & (SB_RDONLY | SB_NOSUID);
	mount_init_once();
	mutex_lock(&mount_lock);
	rc = mount_new(sb, at, mnt_flags);
	if (rc) {
		dentry_put(sb->root);	/* evicts the (empty) root inode */
		sb->sop->put_super(sb);
		kfree(sb);
	} else {
		list_add_tail(&sb->link, &mounts);	/* for umount */
	}
	mutex_unlock(&mount_lock);
	return rc;
}

static bool is_memfs(const struct super_block *sb)
{
	return sb->type && (!strcmp(sb->type, "memfs") || !strcmp(sb->type, "hugetlbfs"));
}

/* To read-only: refused (EBUSY) while a regular file is open for
 * writing (a shared writable mapping holds its file), as Linux. The flag
 * goes up first and the count is read after, while an open counts first
 * and reads the flag after (file.c), so a racing open either sees the
 * flag (EROFS) or is seen. A disk filesystem then writes back what is
 * dirty: its sync skips read-only ones, so the flag is lowered for it and
 * the count checked again after. */
static int remount_ro(struct super_block *sb)
{
	__atomic_or_fetch(&sb->flags, SB_RDONLY, __ATOMIC_SEQ_CST);
	smp_mb();
	if (atomic_read(&sb->nr_write) > 0)
		goto busy;
	if (sb->sop && sb->sop->sync) {
		__atomic_and_fetch(&sb->flags, ~SB_RDONLY, __ATOMIC_SEQ_CST);
		sb->sop->sync(sb);
		__atomic_or_fetch(&sb->flags, SB_RDONLY, __ATOMIC_SEQ_CST);
		smp_mb();
		if (atomic_read(&sb->nr_write) > 0)
			goto busy;
	}
	return 0;
busy:
	__atomic_and_fetch(&sb->flags, ~SB_RDONLY, __ATOMIC_SEQ_CST);
	return -EBUSY;
}

int vfs_remount(const struct path *at, u32 flags, const char *opts)
{
	struct super_block *sb = at->dentry->sb;
	int rc = 0;

	if (at->dentry != at->mnt->root)
		return -EINVAL;		/* not a mount point */
	mount_init_once();
	mutex_lock(&mount_lock);
	if (is_memfs(sb) && opts)
		rc = memfs_remount(sb, opts);
	else if (!is_memfs(sb) && !sb_blkdev(sb) && ((flags ^ sb->flags) & SB_RDONLY))
		rc = -EINVAL;		/* procfs, devpts: as they are */
	if (!rc && (flags & SB_RDONLY) && !(sb->flags & SB_RDONLY))
		rc = remount_ro(sb);
	else if (!rc && !(flags & SB_RDONLY) && (sb->flags & SB_RDONLY)) {
		struct blkdev *bd = sb_blkdev(sb);
		if (bd && blkdev_ro(bd))
			rc = -EACCES;	/* a read-only disk, as Linux */
		else if (bd && !ext2_may_write(sb))
			rc = -EROFS;	/* features it cannot write */
		else
			__atomic_and_fetch(&sb->flags, ~SB_RDONLY, __ATOMIC_SEQ_CST);
	}
	if (!rc)
		sb->flags = (sb->flags & ~SB_NOSUID) | (flags & SB_NOSUID);
	mutex_unlock(&mount_lock);
	return rc;
}

/* Are the dentries from d down held by nothing but the tree (the super
 * block for its root), and mroot also by its mount and `held` paths? */
static bool tree_idle(struct dentry *d, struct dentry *mroot, int held)
{
	struct dentry *c;
	int children = 0;

	list_for_each_entry(c, &d->children, sibling) {
		if (c->mounted || !tree_idle(c, mroot, held))
			return false;
		children++;
	}
	return atomic_read(&d->refcount) == children + 1 + (d == mroot ? 1 + held : 0);
}

/* Drops every dentry below d (bottom up), evicting their inodes. */
static void prune(struct dentry *d)
{
	while (!list_empty(&d->children)) {
		struct dentry *c = list_first_entry(&d->children, struct dentry, sibling);
		prune(c);
		d_delete(c);
	}
}

/*
 * Is unmounted-or-detached m unused? Its count is the tree's and `held`
 * more (the unmounting caller's path). The last mount of a filesystem
 * must also leave it idle: no open file, and (for a mount of its root)
 * no dentry held but by the tree. Caller holds mount_lock.
 */
static bool mount_idle(struct mount *m, int held)
{
	struct super_block *sb = m->root->sb;

	if (atomic_read(&m->count) != 1 + held)
		return false;
	if (sb->nr_mounts > 1)
		return true;
	return atomic_read(&sb->nr_open) == 0 && tree_idle(sb->root, m->root, held);
}

/*
 * m is off the tree and unused: drop the tree's count; with the last
 * mount of its filesystem the filesystem goes too (its dentries pruned).
 * Caller holds mount_lock.
 */
static void mount_release(struct mount *m)
{
	struct super_block *sb = m->root->sb;

	vfs_mount_unlist(m);
	fanotify_umount(m, sb, sb->nr_mounts == 1);	/* its marks: before the inodes go */
	if (--sb->nr_mounts) {
		mnt_put(m);
		return;
	}
	mutex_lock(&sb->ns_lock);
	prune(sb->root);
	mutex_unlock(&sb->ns_lock);
	if (m->root != sb->root) {	/* a bind mount's: its inode goes now */
		dentry_put(m->root);
		m->root = NULL;
	}
	inotify_unmount(sb);	/* its watches hold inodes: before put_super */
	landlock_unmount(sb);	/* so do Landlock's rules */
	/* The root inode goes now, while the filesystem exists; the root
	 * dentry lives on, empty and dead, until the caller's path lets go
	 * of it. */
	struct dentry *root = sb->root;
	struct inode *ri = root->inode;
	struct blkdev *bd = sb_blkdev(sb);
	root->inode = NULL;
	root->dead = true;
	inode_put(ri);
	if (sb->link.next)	/* procfs, devpts: never in `mounts` */
		list_del(&sb->link);
	if (sb->sop && sb->sop->put_super)
		sb->sop->put_super(sb);
	dentry_put(m->root);	/* the mount's, if it was the root */
	m->root = NULL;
	dentry_put(root);	/* the super block's */
	kfree(sb);
	if (bd)		/* after put_super wrote everything back */
		blkdev_put(bd);
	mnt_put(m);
}

/* One propagation walk's mark in the groups it visits (mount_lock). */
static u64 prop_epoch;

/* The mount on mp in p (uncounted), or NULL. */
static struct mount *child_at(struct mount *p, struct dentry *mp)
{
	struct mount *c, *found = NULL;
	unsigned long fl = spin_lock_irqsave(&mount_cross_lock);

	list_for_each_entry(c, &p->children, child) {
		if (c->mountpoint == mp) {
			found = c;
			break;
		}
	}
	spin_unlock_irqrestore(&mount_cross_lock, fl);
	return found;
}

/* Is p in a namespace's tree (not being built, detached or lazy)? */
static bool in_tree(struct mount *p)
{
	return p->ns && !p->ns->anon && !p->lazy;
}

/* Unmounts m (on its mountpoint in a namespace's tree; `held` counts
 * of the caller's on it): -EBUSY unless idle, or with MNT_DETACH a busy
 * one without mounts below goes lazily. Caller holds mount_lock. */
static int umount_locked(struct mount *m, int held, int flags)
{
	struct super_block *sb = m->root->sb;

	/* The check and the unhook are one step against walks crossing in
	 * (mount_cross_lock: a walk takes its count on the mount before
	 * that lock drops). */
	mutex_lock(&sb->ns_lock);
	unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
	bool idle = mount_idle(m, held);
	/* lazily: a mount below it would have to go too; not done. The
	 * last mount of a filesystem that is a bind mount of a part of it
	 * goes as a lazy one: its root must be let go of (the caller's path
	 * holds it) before the filesystem can go. */
	bool lazy = (!idle && (flags & MNT_DETACH) && list_empty(&m->children)) ||
		    (idle && sb->nr_mounts == 1 && m->root != sb->root);
	if (lazy)
		idle = false;
	if (idle || lazy)
		vfs_detach_mount_locked(m);
	if (lazy)
		WRITE_ONCE(m->lazy, true);	/* ".." stays inside (namei.c) */
	spin_unlock_irqrestore(&mount_cross_lock, fl);
	mutex_unlock(&sb->ns_lock);
	if (!idle && !lazy)
		return -EBUSY;
	prop_make_private(m);		/* out of its groups, as Linux */
	vfs_mount_set_ns(m, NULL);	/* its namespace may go first */
	if (idle) {
		mount_release(m);
	} else {
		vfs_mount_unlist(m);	/* gone from /proc/mounts */
		list_add_tail(&m->detached, &detached);
	}
	return 0;
}

/* Is m unused but by the tree (and `held` counts)? For a non-lazy
 * unmount's look at the propagated ones before any goes. */
static bool umount_idle(struct mount *m, int held)
{
	struct super_block *sb = m->root->sb;

	mutex_lock(&sb->ns_lock);
	unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
	bool idle = mount_idle(m, held);
	spin_unlock_irqrestore(&mount_cross_lock, fl);
	mutex_unlock(&sb->ns_lock);
	return idle;
}

/* The mounts an unmount of m propagates to (on `out`, through their
 * `pending` links): on m's mountpoint in each mount m's parent
 * propagates to, with nothing mounted below them, as Linux. Each group
 * is visited once (no cycle loops); uncounted, alive under mount_lock. */
static void umount_targets(struct mount *m, struct list_head *out)
{
	struct mount *up = m->parent, *p, *c;
	struct dentry *mp = m->mountpoint;
	u64 epoch = ++prop_epoch;
	struct peer_group *head = up->group, *tail = head, *g;

	list_init(out);
	if (!head)
		return;
	head->epoch = epoch;
	head->next_job = NULL;
	for (g = head; g; g = g->next_job) {
		list_for_each_entry(p, &g->peers, peer) {
			if (p != up && in_tree(p) && (c = child_at(p, mp)) && c != m &&
			    list_empty(&c->children) && !c->pending_at) {
				c->pending_at = c;	/* taken once */
				list_add_tail(&c->pending, out);
			}
		}
		list_for_each_entry(p, &g->slaves, slave) {
			if (!in_tree(p))
				continue;
			if (p->group) {
				if (p->group->epoch != epoch) {
					p->group->epoch = epoch;
					p->group->next_job = NULL;
					tail->next_job = p->group;
					tail = p->group;
				}
			} else if ((c = child_at(p, mp)) && c != m && list_empty(&c->children) &&
				   !c->pending_at) {
				c->pending_at = c;
				list_add_tail(&c->pending, out);
			}
		}
	}
}

int vfs_umount(const struct path *p, int flags)
{
	struct mount *m = p->mnt, *c, *tmp;
	struct list_head targets;
	int rc = 0;

	if (p->dentry != m->root)
		return -EINVAL;		/* not a mount point */
	if (!m->parent)
		return -EBUSY;		/* the root */
	mount_init_once();
	mutex_lock(&mount_lock);
	if (m->lazy || m->ns != mnt_ns_current()) {
		/* detached already, by another umount, or not in our tree
		 * (a detached tree's fd, another namespace's path) */
		mutex_unlock(&mount_lock);
		return -EINVAL;
	}
	/* MNT_EXPIRE: the first call on an idle mount marks it (EAGAIN), a
	 * second one with nothing used in between unmounts it */
	if ((flags & MNT_EXPIRE) &&
	    (rc = !umount_idle(m, 1) ? -EBUSY :
		  !__atomic_exchange_n(&m->expiry_mark, true, __ATOMIC_ACQ_REL) ? -EAGAIN : 0)) {
		mutex_unlock(&mount_lock);
		return rc;
	}
	umount_targets(m, &targets);
	if (!(flags & MNT_DETACH)) {	/* all or none: busy copies make it EBUSY */
		rc = umount_idle(m, 1) ? 0 : -EBUSY;
		list_for_each_entry(c, &targets, pending)
			if (!rc && !umount_idle(c, 0))
				rc = -EBUSY;
	}
	/* the copies first: m, which the caller's path holds, may be its
	 * filesystem's last mount only once they are gone (one busy since
	 * the look above stays) */
	list_for_each_entry_safe(c, tmp, &targets, pending) {
		list_del(&c->pending);
		c->pending_at = NULL;
		if (!rc)
			umount_locked(c, 0, flags);
	}
	if (!rc)
		rc = umount_locked(m, 1, flags);
	mutex_unlock(&mount_lock);
	return rc;
}

static bool reap_requested;	/* a lazily unmounted mount lost a user */

void vfs_reap_request(void)
{
	if (!READ_ONCE(reap_requested))
		WRITE_ONCE(reap_requested, true);
}

void vfs_reap_pending(void)
{
	if (READ_ONCE(reap_requested) &&
	    __atomic_exchange_n(&reap_requested, false, __ATOMIC_ACQ_REL))
		vfs_reap_detached();
}

/* The flusher's: frees each lazily unmounted mount nothing uses any more
 * (with its filesystem if it was the last: synced first). Nothing can
 * start using one again: it is out of the tree, and a walk needs a count
 * inside to start from. */
void vfs_reap_detached(void)
{
	struct mount *m, *tmp;

	mount_init_once();
	mutex_lock(&mount_lock);
	list_for_each_entry_safe(m, tmp, &detached, detached) {
		struct super_block *sb = m->root->sb;
		mutex_lock(&sb->ns_lock);
		bool idle = mount_idle(m, 0);
		mutex_unlock(&sb->ns_lock);
		if (!idle)
			continue;
		if (sb->nr_mounts == 1 && sb->sop && sb->sop->sync)
			sb->sop->sync(sb);
		list_del(&m->detached);
		mount_release(m);
	}
	mutex_unlock(&mount_lock);
}

/* Is ns a detached tree's (fsmount, open_tree)? */
static bool ns_anon(const struct mnt_ns *ns)
{
	return ns && ns->anon;
}

/* Is d (of mnt) below or at the root of mount `anc`, or in a mount below
 * it? Caller holds mount_lock (no mount moves meanwhile). */
static bool path_in_mount(struct mount *mnt, struct mount *anc)
{
	for (; mnt; mnt = mnt->parent)
		if (mnt == anc)
			return true;
	return false;
}

/* How clone_tree copies: each copy's relation to its source (mnt_prop.h)
 * and whether unbindable mounts below are copied (a namespace's copy) or
 * left out with what is below them (a recursive bind, as Linux). */
struct clone_how {
	enum prop_copy_kind kind;
	bool unbindable;
};

/* A copy of mount src showing its dentry root (at or below src's root),
 * hung on at (NULL: nowhere, in namespace ns; NULL for a tree being
 * built); with rec, each mount below root in src is copied too, on the
 * copy. Caller holds mount_lock. On failure *out is what was made (the
 * caller takes it apart), or NULL. */
static int clone_tree(struct mount *src, struct dentry *root, const struct path *at, bool rec,
		      struct mount *top, struct mount **out, struct mnt_ns *ns,
		      const struct clone_how *how)
{
	struct super_block *sb = root->sb;
	struct mount *m = kzalloc(sizeof(*m), GFP_KERNEL);
	int rc;

	if (!m)
		return -ENOMEM;
	atomic_set(&m->count, 1);
	list_init(&m->children);
	list_init(&m->child);
	m->flags = src->flags;
	m->root = dentry_get(root);
	if (at && (rc = vfs_attach_mount(m, at))) {	/* none: a detached top */
		dentry_put(m->root);
		kfree(m);
		return rc;
	}
	vfs_mount_set_ns(m, at ? at->mnt->ns : ns);
	sb->nr_mounts++;		/* src's keeps it in `mounts` */
	vfs_mount_list_add(m);
	*out = m;
	if ((rc = prop_copy(m, src, how->kind)))
		return rc;
	if (!top)
		top = m;
	if (!rec)
		return 0;
	/* src's children, counted, taken under the lock that attaching
	 * takes (devpts mounts without the mount lock), then copied */
	for (;;) {
		unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
		size_t n = 0, k = 0;
		struct mount *c;
		list_for_each_entry(c, &src->children, child)
			n++;
		spin_unlock_irqrestore(&mount_cross_lock, fl);
		struct mount **kids = n ? kmalloc(n * sizeof(*kids), GFP_KERNEL) : NULL;
		if (n && !kids)
			return -ENOMEM;	/* what is done stays: umount takes it */
		fl = spin_lock_irqsave(&mount_cross_lock);
		size_t now = 0;
		list_for_each_entry(c, &src->children, child)
			now++;
		if (now == n)
			list_for_each_entry(c, &src->children, child)
				if (c != top)	/* the copy itself, hung below src */
					kids[k++] = mnt_get(c);
		spin_unlock_irqrestore(&mount_cross_lock, fl);
		if (now != n) {	/* a mount came or went meanwhile: again */
			kfree(kids);
			continue;
		}
		for (size_t i = 0; i < k; i++) {
			struct mount *cm, *ch = kids[i];
			mutex_lock(&sb->ns_lock);
			bool below = ch->mountpoint && dentry_is_below(ch->mountpoint, root);
			mutex_unlock(&sb->ns_lock);
			struct path cat = { m, ch->mountpoint };
			if (ch->unbindable && !how->unbindable)
				below = false;	/* left out, with what is below it */
			if (below && !rc)
				rc = clone_tree(ch, ch->root, &cat, true, top, &cm, m->ns, how);
			mnt_put(ch);
		}
		kfree(kids);
		return rc;	/* on failure what is done stays: umount takes it */
	}
}

/* Every mount from m down now belongs to ns. Caller holds mount_lock
 * (children lists change only under it, but for devpts's attach, which
 * needs mount_cross_lock: a tree walk under that spinlock). */
static void retag_tree(struct mount *m, struct mnt_ns *ns)
{
	unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
	struct mount *top = m;

	for (;;) {
		vfs_mount_set_ns(m, ns);	/* counts: [mount_lock] */
		if (!list_empty(&m->children)) {	/* down first */
			m = list_first_entry(&m->children, struct mount, child);
			continue;
		}
		while (m != top && m->child.next == &m->parent->children)
			m = m->parent;	/* the last child: up */
		if (m == top)
			break;
		m = list_entry(m->child.next, struct mount, child);
	}
	spin_unlock_irqrestore(&mount_cross_lock, fl);
}

/* --- Propagation (docs/vfs.md "Propagation"; relations: mnt_prop.c) ---
 *
 * A tree hung under a shared mount D at mountpoint mp is copied under
 * every mount D propagates to: D's peers get copies that are peers of
 * the tree's mounts, each slave group the slaves of the copies one level
 * up (in a new group of its own), a slave in no group a plain slave. The
 * walk goes group by group through a queue kept in the groups (no
 * recursion: a chain of slaves may be long), each group once per walk
 * (an epoch mark: no cycle can make it loop). A mount receives only if
 * it is in a namespace's tree (not a copy being built, a detached tree
 * or a lazily unmounted one), mp lies inside what it shows, and nothing
 * is mounted on mp in it yet (Linux would slip the copy beneath that
 * mount; here it is left out). Every copy is built first, counted
 * against its namespace's fs/mount-max, and hung on only when all are
 * made: a storm fails whole with ENOSPC. Caller holds mount_lock. */

/* Does p take a copy of a mount on mp? */
static bool receives(struct mount *p, struct dentry *mp)
{
	if (!in_tree(p) || p->root->sb != mp->sb || child_at(p, mp))
		return false;
	mutex_lock(&mp->sb->ns_lock);
	bool below = dentry_is_below(mp, p->root);
	mutex_unlock(&mp->sb->ns_lock);
	return below;
}

static u32 tree_size(struct mount *top)
{
	size_t n;
	struct mount **all = tree_mounts(top, &n);

	kfree(all);
	return all ? (u32)n : 0;
}

/* A copy of tree tmpl (n mounts) for p, queued on `out`. */
static int prop_copy_for(struct mount *tmpl, struct mount *p, enum prop_copy_kind kind, u32 n,
			 struct list_head *out, struct mount **made)
{
	static const struct clone_how how_like = { PROP_LIKE, true },
				      how_slave = { PROP_SLAVE, true },
				      how_slave_shared = { PROP_SLAVE_SHARED, true };
	const struct clone_how *how = kind == PROP_LIKE ? &how_like
				      : kind == PROP_SLAVE ? &how_slave : &how_slave_shared;
	struct mount *c = NULL;

	if (!ns_room(p->ns, n))
		return -ENOSPC;
	int rc = clone_tree(tmpl, tmpl->root, NULL, true, NULL, &c, NULL, how);
	if (rc) {
		if (c)
			drop_tree(c);
		return rc;
	}
	p->ns->pending += n;
	c->pending_at = p;
	list_add_tail(&c->pending, out);
	*made = c;
	return 0;
}

/* Lets go of copies made and not hung on. */
static void prop_abort(struct list_head *copies, u32 n)
{
	struct mount *c, *tmp;

	list_for_each_entry_safe(c, tmp, copies, pending) {
		list_del(&c->pending);
		c->pending_at->ns->pending -= n;
		drop_tree(c);
	}
}

/* The copies of tree s (n mounts, shared already) that a mount on mp of
 * dest makes under the mounts dest propagates to, on `copies`. */
static int prop_build(struct mount *dest, struct dentry *mp, struct mount *s, u32 n,
		      struct list_head *copies)
{
	u64 epoch = ++prop_epoch;
	struct peer_group *head = dest->group, *tail = head, *g;
	struct mount *p, *c;
	int rc = 0;

	head->epoch = epoch;
	head->job_tmpl = s;
	head->job_slave = false;
	head->next_job = NULL;
	for (g = head; g && !rc; g = g->next_job) {
		struct mount *tmpl = g->job_tmpl;
		bool slave = g->job_slave;
		/* copies join groups as they are made (at the lists' ends):
		 * they are in no tree yet, so they are passed over */
		list_for_each_entry(p, &g->peers, peer) {
			if (p == dest || !receives(p, mp))
				continue;
			if ((rc = prop_copy_for(tmpl, p, slave ? PROP_SLAVE_SHARED : PROP_LIKE, n,
						copies, &c)))
				break;
			if (slave) {	/* the group's next peers: peers of it */
				tmpl = c;
				slave = false;
			}
		}
		if (rc)
			break;
		list_for_each_entry(p, &g->slaves, slave) {
			if (!in_tree(p))
				continue;
			if (p->group) {
				struct peer_group *h = p->group;
				if (h->epoch == epoch)
					continue;
				h->epoch = epoch;
				h->job_tmpl = tmpl;
				h->job_slave = true;
				h->next_job = NULL;
				tail->next_job = h;
				tail = h;
			} else if (receives(p, mp) &&
				   (rc = prop_copy_for(tmpl, p, PROP_SLAVE, n, copies, &c))) {
				break;
			}
		}
	}
	return rc;
}

/* Hangs the copies on their mounts, in those mounts' namespaces. */
static void prop_commit(struct list_head *copies, struct dentry *mp, u32 n)
{
	struct mount *c, *tmp;

	list_for_each_entry_safe(c, tmp, copies, pending) {
		struct mount *p = c->pending_at;
		struct path at = { p, mp };
		list_del(&c->pending);
		c->pending_at = NULL;
		p->ns->pending -= n;
		if (vfs_attach_mount(c, &at))
			drop_tree(c);	/* cannot be: checked under this lock */
		else
			retag_tree(c, p->ns);
	}
}

/* Before tree s (n mounts) goes on at: under a shared mount it becomes
 * shared, and the copies for the mounts at's propagates to are made
 * (on `copies`; nothing is hung on yet). ENOSPC past fs/mount-max for
 * `more` mounts new to at's namespace. */
static int graft_prepare(struct mount *s, const struct path *at, u32 n, u32 more,
			 struct list_head *copies)
{
	struct mount *d = at->mnt;
	int rc = 0;

	list_init(copies);
	if (!ns_room(d->ns, more))
		return -ENOSPC;
	if (!d->group)
		return 0;
	size_t k;
	struct mount **all = tree_mounts(s, &k);
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < k && !rc; i++)
		rc = prop_make_shared(all[i]);
	kfree(all);
	d->ns->pending += more;	/* the tree itself, while copies count */
	if (!rc)
		rc = prop_build(d, at->dentry, s, n, copies);
	d->ns->pending -= more;
	if (rc)
		prop_abort(copies, n);
	return rc;
}

/* Hangs a tree built for a bind or a new mount (its mounts in no
 * namespace yet) on at, with its propagated copies. On failure the
 * caller takes the tree apart. */
static int graft_new(struct mount *s, const struct path *at)
{
	struct list_head copies;
	u32 n = tree_size(s);
	int rc;

	if (!n)
		return -ENOMEM;
	if ((rc = graft_prepare(s, at, n, n, &copies)))
		return rc;
	if ((rc = vfs_attach_mount(s, at))) {
		prop_abort(&copies, n);
		return rc;
	}
	retag_tree(s, at->mnt->ns);
	prop_commit(&copies, at->dentry, n);
	return 0;
}

int vfs_bind_mount(const struct path *src, const struct path *at, bool rec)
{
	static const struct clone_how how = { PROP_LIKE, false };
	struct mount *m = NULL;
	int rc;

	if (!src->dentry->inode || src->dentry->dead)
		return -ENOENT;
	if (src->dentry->uncached)
		return -EINVAL;		/* procfs's per-walk dentries */
	mount_init_once();
	mutex_lock(&mount_lock);
	struct mnt_ns *mine = mnt_ns_current();
	if (READ_ONCE(src->mnt->lazy) || READ_ONCE(at->mnt->lazy))
		rc = -EINVAL;		/* out of the tree */
	else if (at->mnt->ns != mine || (src->mnt->ns != mine && !ns_anon(src->mnt->ns)))
		rc = -EINVAL;		/* another namespace's, as Linux */
	else if (src->mnt->unbindable)
		rc = -EINVAL;		/* as Linux */
	else if (!(rc = clone_tree(src->mnt, src->dentry, NULL, rec, NULL, &m, NULL, &how)))
		rc = graft_new(m, at);
	if (rc && m)
		drop_tree(m);
	mutex_unlock(&mount_lock);
	return rc;
}

/* A new filesystem's first mount on at (mount(2)), propagated; the
 * caller holds mount_lock and lets go of sb on failure. */
static int mount_new(struct super_block *sb, const struct path *at, u32 mnt_flags)
{
	if (at->mnt->ns != mnt_ns_current() || READ_ONCE(at->mnt->lazy))
		return -EINVAL;		/* another namespace's or a detached tree's */
	struct mount *m = vfs_new_mount(sb, mnt_flags);
	if (!m)
		return -ENOMEM;
	int rc = graft_new(m, at);
	if (rc) {	/* the filesystem's only mount: undone by hand */
		vfs_mount_unlist(m);
		sb->nr_mounts--;
		dentry_put(m->root);
		kfree(m);
	}
	return rc;
}

int vfs_mount_sb(struct super_block *sb, const struct path *at, u32 mnt_flags)
{
	mount_init_once();
	mutex_lock(&mount_lock);
	int rc = mount_new(sb, at, mnt_flags);
	mutex_unlock(&mount_lock);
	return rc;
}

static bool tree_has_unbindable(struct mount *top)
{
	size_t n;
	struct mount **all = tree_mounts(top, &n);
	bool found = !all;	/* no memory: refused */

	for (size_t i = 0; i < n; i++)
		found |= all[i]->unbindable;
	kfree(all);
	return found;
}

int vfs_move_mount(const struct path *from, const struct path *to)
{
	struct mount *m = from->mnt;
	struct mnt_ns *mine = mnt_ns_current();
	int rc = 0;

	if (from->dentry != m->root)
		return -EINVAL;		/* not a mount point */
	mount_init_once();
	mutex_lock(&mount_lock);
	struct mnt_ns *fns = m->ns;
	/* the top of a detached tree: hung on for the first time */
	bool anon_top = ns_anon(fns) && fns->root == m;
	if (m->lazy || READ_ONCE(to->mnt->lazy) || (!m->parent && !anon_top))
		rc = -EINVAL;		/* out of the tree, or a namespace's root */
	else if (to->mnt->ns != mine || (fns != mine && !ns_anon(fns)))
		rc = -EINVAL;		/* another namespace's, as Linux */
	else if (path_in_mount(to->mnt, m))
		rc = -ELOOP;		/* onto itself or below itself */
	else if (m->parent && m->parent->group)
		rc = -EINVAL;		/* under a shared mount, as Linux */
	else if (to->mnt->group && tree_has_unbindable(m))
		rc = -EINVAL;		/* unbindable mounts under a shared one */
	if (rc) {
		mutex_unlock(&mount_lock);
		return rc;
	}
	struct inode *ri = m->root->inode, *ai = to->dentry->inode;
	if (!ai || to->dentry->dead)
		rc = -ENOENT;
	else if (!ri || S_ISDIR(ri->mode) != S_ISDIR(ai->mode))
		rc = -ENOTDIR;
	/* under a shared mount: shared, and copied where it propagates */
	struct list_head copies;
	u32 n = rc ? 0 : tree_size(m);
	if (!rc && !n)
		rc = -ENOMEM;
	if (!rc)
		rc = graft_prepare(m, to, n, fns != mine ? n : 0, &copies);
	if (!rc && anon_top) {
		/* its tree count becomes the tree's it joins */
		if (!(rc = vfs_attach_mount(m, to))) {
			fns->root = NULL;
			retag_tree(m, mine);
			prop_commit(&copies, to->dentry, n);
		} else {
			prop_abort(&copies, n);
		}
	}
	if (rc || anon_top) {
		mutex_unlock(&mount_lock);
		return rc;
	}
	/* off the old place and onto the new in one step: a walk going up
	 * through it (mount_up) sees one or the other */
	struct mount *oldp = m->parent;
	struct dentry *oldmp = m->mountpoint;
	struct mount *keep_p = mnt_get(oldp);
	struct dentry *keep_mp = dentry_get(oldmp);
	unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
	vfs_detach_mount_locked(m);
	if ((rc = vfs_attach_mount_locked(m, to))) {
		struct path back = { oldp, oldmp };
		vfs_attach_mount_locked(m, &back);	/* cannot fail: it was there */
	}
	spin_unlock_irqrestore(&mount_cross_lock, fl);
	if (!rc && fns != mine)		/* out of a detached tree */
		retag_tree(m, mine);
	if (rc)
		prop_abort(&copies, n);
	else
		prop_commit(&copies, to->dentry, n);
	mutex_unlock(&mount_lock);
	/* the old place's references (the mount's own, and ours), or on
	 * failure the second pair attach took */
	dentry_put(oldmp);
	mnt_put(oldp);
	dentry_put(keep_mp);
	mnt_put(keep_p);
	return rc;
}

/* --- Namespaces and detached trees (kernel/fs/mnt_ns.c, fsmount.c) --- */

/* The copy in `to` of mount m of `from` (to's tree a copy of from's): the
 * same mountpoint dentry on the copy of its parent; no count taken (it
 * lives while the caller holds mount_lock: nothing moves or goes). */
static struct mount *copy_of(struct mount *m, struct mnt_ns *from, struct mnt_ns *to)
{
	if (!m || m->ns != from || m->lazy)
		return NULL;
	if (m == from->root)
		return to->root;
	struct mount *up = copy_of(m->parent, from, to), *c, *found = NULL;
	if (!up)
		return NULL;
	unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
	list_for_each_entry(c, &up->children, child) {
		if (c->mountpoint == m->mountpoint) {
			found = c;	/* uncounted: the caller counts it */
			break;
		}
	}
	spin_unlock_irqrestore(&mount_cross_lock, fl);
	return found;
}

int vfs_copy_ns(struct mnt_ns *from, struct mnt_ns *to, const struct path *in,
		struct path *out, int n, bool to_slave)
{
	/* every mount, unbindable ones too; each a peer of its original
	 * when shared, or its slave when the copy is for another user
	 * namespace (as Linux) */
	const struct clone_how how = { to_slave ? PROP_TO_SLAVE : PROP_LIKE, true };
	struct mount *m = NULL;
	int rc;

	mount_init_once();
	mutex_lock(&mount_lock);
	struct mount *src = from->root;
	rc = src ? clone_tree(src, src->root, NULL, true, NULL, &m, to, &how) : -EINVAL;
	to->root = m;		/* on failure too: the teardown takes it */
	for (int i = 0; !rc && i < n; i++) {
		out[i].mnt = in[i].dentry ? mnt_get(copy_of(in[i].mnt, from, to)) : NULL;
		out[i].dentry = out[i].mnt ? dentry_get(in[i].dentry) : NULL;
	}
	mutex_unlock(&mount_lock);
	return rc;
}

void vfs_dissolve_ns(struct mnt_ns *ns)
{
	mount_init_once();
	mutex_lock(&mount_lock);
	struct mount *top = ns->root;
	ns->root = NULL;
	/* leaves first: a child holds a count on its parent until reaped,
	 * so the reaper frees them in this order in one pass */
	while (top) {
		struct mount *m = top;
		unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
		while (!list_empty(&m->children))
			m = list_first_entry(&m->children, struct mount, child);
		vfs_detach_mount_locked(m);
		WRITE_ONCE(m->lazy, true);	/* ".." stays inside (namei.c) */
		spin_unlock_irqrestore(&mount_cross_lock, fl);
		if (m == top)
			top = NULL;
		prop_make_private(m);	/* no propagation: the copies elsewhere stay */
		vfs_mount_set_ns(m, NULL);
		vfs_mount_unlist(m);
		list_add_tail(&m->detached, &detached);
	}
	mutex_unlock(&mount_lock);
	vfs_reap_detached();
}

int vfs_create_detached(const struct path *base, const char *type, const char *source,
			const char *opts, u32 sb_flags, struct mnt_ns **out)
{
	bool mem = !strcmp(type, "tmpfs") || !strcmp(type, "ramfs");
	struct super_block *sb = NULL;
	struct blkdev *bd = NULL;
	bool fresh = false;
	int rc = 0;

	if (!mem && strcmp(type, "ext2"))
		return -ENODEV;
	if (!mem) {
		struct path src;
		if (!source)
			return -EINVAL;	/* a disk filesystem needs a source */
		if ((rc = vfs_walk(base, source, LOOKUP_FOLLOW, &src)))
			return rc;
		struct inode *i = src.dentry->inode;
		bool blk = S_ISBLK(i->mode);
		bd = blk ? blkdev_by_dev(i->rdev) : NULL;
		path_put(&src);
		if (!blk)
			return -ENOTBLK;
		if (!bd)
			return -ENXIO;
	}
	struct mnt_ns *ns = mnt_ns_new_anon();
	if (!ns)
		return -ENOMEM;
	mount_init_once();
	mutex_lock(&mount_lock);
	if (bd) {
		/* one super block per disk: a second mount of it shares it */
		struct super_block *s;
		list_for_each_entry(s, &mounts, link) {
			if (s->dev == bd->dev && sb_blkdev(s)) {
				sb = s;
				break;
			}
		}
		if (!sb && !(rc = blkdev_get(bd))) {
			if ((rc = fs_create(type, bd, sb_flags, &sb)))
				blkdev_put(bd);
			else
				fresh = true;
		}
		if (fresh)
			sb->flags |= sb_flags & SB_NOSUID;
	} else if (!(rc = memfs_create_opts(opts, &sb))) {
		fresh = true;
		sb->flags |= sb_flags & (SB_RDONLY | SB_NOSUID);
	}
	struct mount *m = NULL;
	if (!rc && !(m = vfs_new_mount(sb, MNT_RELATIME)))
		rc = -ENOMEM;
	if (m) {
		if (fresh)
			list_add_tail(&sb->link, &mounts);
		vfs_mount_set_ns(m, ns);
		ns->root = m;
	} else if (fresh) {	/* no memory for the mount: the filesystem goes */
		if (bd) {
			sb->sop->put_super(sb);
			dentry_put(sb->root);
			kfree(sb);
			blkdev_put(bd);
		} else {
			dentry_put(sb->root);
			sb->sop->put_super(sb);
			kfree(sb);
		}
	}
	mutex_unlock(&mount_lock);
	if (rc) {
		mnt_ns_put(ns);
		return rc;
	}
	*out = ns;
	return 0;
}

int vfs_clone_detached(const struct path *p, bool rec, struct mnt_ns **out)
{
	static const struct clone_how how = { PROP_LIKE, false };	/* as a bind */
	struct mount *m = NULL;
	int rc = 0;

	if (!p->dentry->inode || p->dentry->dead)
		return -ENOENT;
	if (p->dentry->uncached)
		return -EINVAL;		/* procfs's per-walk dentries */
	struct mnt_ns *ns = mnt_ns_new_anon();
	if (!ns)
		return -ENOMEM;
	mount_init_once();
	mutex_lock(&mount_lock);
	struct mnt_ns *pns = p->mnt->ns;
	if (READ_ONCE(p->mnt->lazy) || (pns != mnt_ns_current() && !ns_anon(pns)))
		rc = -EINVAL;		/* out of the tree, another namespace's */
	else if (p->mnt->unbindable)
		rc = -EINVAL;		/* as a bind of it, as Linux */
	else
		rc = clone_tree(p->mnt, p->dentry, NULL, rec, NULL, &m, ns, &how);
	ns->root = m;		/* on failure too: the teardown takes it */
	mutex_unlock(&mount_lock);
	if (rc) {
		mnt_ns_put(ns);
		return rc;
	}
	*out = ns;
	return 0;
}

int vfs_mount_setattr(const struct path *p, u32 set, u32 clr, bool rec)
{
	struct mount *top = p->mnt, *m;
	int rc = 0;

	if (p->dentry != top->root)
		return -EINVAL;		/* not a mount point */
	mount_init_once();
	mutex_lock(&mount_lock);
	struct mnt_ns *ns = top->ns;
	if (top->lazy || (ns != mnt_ns_current() && !ns_anon(ns)))
		rc = -EINVAL;
	if (rc) {
		mutex_unlock(&mount_lock);
		return rc;
	}
	unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
	if ((set & MNT_RDONLY) && hold_readonly(top, rec)) {
		spin_unlock_irqrestore(&mount_cross_lock, fl);
		mutex_unlock(&mount_lock);
		return -EBUSY;
	}
	/* the tree walk of retag_tree: all under one hold of the lock, so
	 * a walk sees the whole change or none of it */
	for (m = top; m; m = tree_next(top, m, rec))
		WRITE_ONCE(m->flags, ((m->flags & ~clr) | set) & MNT_USER_FLAGS);
	spin_unlock_irqrestore(&mount_cross_lock, fl);
	mutex_unlock(&mount_lock);
	return 0;
}

int vfs_change_propagation(const struct path *p, u32 type, bool rec)
{
	struct mount *top = p->mnt;
	int rc = 0;

	if (p->dentry != top->root)
		return -EINVAL;		/* not a mount point */
	mount_init_once();
	mutex_lock(&mount_lock);
	struct mnt_ns *ns = top->ns;
	if (top->lazy || !ns || (ns != mnt_ns_current() && !ns_anon(ns))) {
		mutex_unlock(&mount_lock);
		return -EINVAL;
	}
	size_t n = 1;
	struct mount **all = rec ? tree_mounts(top, &n) : &top;
	if (!all) {
		mutex_unlock(&mount_lock);
		return -ENOMEM;
	}
	/* on failure (no group id left) what was changed stays */
	for (size_t i = 0; i < n && !rc; i++)
		rc = prop_change(all[i], type);
	if (rec)
		kfree(all);
	mutex_unlock(&mount_lock);
	return rc;
}

/* Is (m, d) at or below root, through the mounts it is hung on? Caller
 * holds mount_lock. */
static bool reachable(struct mount *m, struct dentry *d, const struct path *root)
{
	while (m != root->mnt && m->parent) {
		d = m->mountpoint;
		m = m->parent;
	}
	if (m != root->mnt)
		return false;
	mutex_lock(&d->sb->ns_lock);
	bool below = dentry_is_below(d, root->dentry);
	mutex_unlock(&d->sb->ns_lock);
	return below;
}

/* As Linux after pivot_root: every process of namespace ns whose root or
 * cwd was the old root now has new_root there (in its fs state, which
 * processes sharing it by CLONE_FS see changed once). */
static void pivot_processes(struct mnt_ns *ns, const struct path *old, const struct path *nw)
{
	int pids[32], n, from = 1;

	while ((n = proc_pids(from, pids, 32)) > 0) {
		for (int i = 0; i < n; i++) {
			struct process *q = proc_find_global(pids[i]);
			if (!q)
				continue;
			unsigned long fl = spin_lock_irqsave(&q->cwd_lock);
			bool mine = q->mnt_ns == ns;
			spin_unlock_irqrestore(&q->cwd_lock, fl);
			struct fs_state *fs = mine ? proc_fs_get(q) : NULL;
			if (fs) {
				fs_state_swap_if(fs, old, nw);
				fs_state_put(fs);
			}
			proc_put(q);
		}
		from = pids[n - 1] + 1;
	}
}

int vfs_pivot_root(const struct path *nr, const struct path *po)
{
	struct mnt_ns *mine = mnt_ns_current();
	struct path root;
	int rc = 0;

	proc_root(&root);
	mount_init_once();
	mutex_lock(&mount_lock);
	struct mount *nm = nr->mnt, *om = po->mnt, *rm = root.mnt;
	/* Linux's checks, in its order */
	if (nm->ns != mine || om->ns != mine || rm->ns != mine || nm->lazy || om->lazy)
		rc = -EINVAL;		/* another namespace's or out of the tree */
	else if (nr->dentry->dead || po->dentry->dead)
		rc = -ENOENT;
	else if (nm == rm || om == rm)
		rc = -EBUSY;		/* on the current root's mount */
	else if (root.dentry != rm->root || !rm->parent)
		rc = -EINVAL;		/* the root is no mount point, or the top */
	else if (nr->dentry != nm->root || !nm->parent)
		rc = -EINVAL;		/* new_root is no mount point */
	else if (!reachable(om, po->dentry, nr))
		rc = -EINVAL;		/* put_old is not at or under new_root */
	else if (!reachable(nm, nr->dentry, &root))
		rc = -EINVAL;		/* new_root is outside our root */
	else if (om->group || nm->parent->group || rm->parent->group)
		rc = -EINVAL;		/* a shared mount in the move, as Linux */
	if (rc) {
		mutex_unlock(&mount_lock);
		path_put(&root);
		return rc;
	}
	/* the old root goes to put_old, new_root to where the old root was:
	 * one step under the lock walks cross under */
	struct mount *np = nm->parent, *rp = rm->parent;
	struct dentry *nmp = nm->mountpoint, *rmp = rm->mountpoint;
	struct path at_old = { om, po->dentry }, at_root = { rp, rmp };
	unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
	vfs_detach_mount_locked(nm);
	vfs_detach_mount_locked(rm);
	int r1 = vfs_attach_mount_locked(rm, &at_old);
	int r2 = vfs_attach_mount_locked(nm, &at_root);
	spin_unlock_irqrestore(&mount_cross_lock, fl);
	mutex_unlock(&mount_lock);
	if (r1 || r2)	/* cannot be: a walk would have crossed a mount there */
		panic("pivot_root: the tree changed under the mount lock");
	/* the old places' references, which the attaches replaced */
	dentry_put(nmp);
	mnt_put(np);
	dentry_put(rmp);
	mnt_put(rp);
	/* the caller's root (set, as chroot(2) would) and every root and
	 * cwd in the namespace that was the old root */
	struct path nroot = { nm, nm->root };
	proc_set_root(&nroot);
	pivot_processes(mine, &root, &nroot);
	path_put(&root);
	return 0;
}

int vfs_remount_mnt(const struct path *at, u32 mnt_flags)
{
	if (at->dentry != at->mnt->root)
		return -EINVAL;		/* not a mount point */
	mount_init_once();
	mutex_lock(&mount_lock);
	struct mount *m = at->mnt;
	int rc = 0;
	unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
	if (!(mnt_flags & MNT_RDONLY) || !hold_readonly(m, false))
		WRITE_ONCE(m->flags, mnt_flags & MNT_USER_FLAGS);
	else
		rc = -EBUSY;
	spin_unlock_irqrestore(&mount_cross_lock, fl);
	mutex_unlock(&mount_lock);
	return rc;
}

int vfs_sync_all(void)
{
	struct super_block *sb;
	int first = 0;

	mount_init_once();
	mutex_lock(&mount_lock);
	list_for_each_entry(sb, &mounts, link) {
		int rc = sb->sop && sb->sop->sync ? sb->sop->sync(sb) : 0;
		if (rc && !first)
			first = rc;
	}
	mutex_unlock(&mount_lock);
	return first;
}

int vfs_sync_fs(struct super_block *sb)
{
	if (!sb || !sb->sop || !sb->sop->sync)
		return 0;
	mount_init_once();
	mutex_lock(&mount_lock);
	int rc = sb->sop->sync(sb);
	mutex_unlock(&mount_lock);
	return rc;
}

static void flusher(void *arg)
{
	(void)arg;
	for (u64 n = 1;; n++) {
		sleep_ns(REAP_INTERVAL_NS);
		vfs_reap_detached();
		if (n % (FLUSH_INTERVAL_NS / REAP_INTERVAL_NS) == 0)
			vfs_sync_all();
	}
}

void vfs_start_flusher(void)
{
	mount_init_once();
	if (!kthread_create(flusher, NULL, "flush"))
		pr_warn("vfs: no flusher thread: dirty pages wait for sync\n");
}

/* Moves boot mount m (/dev, /proc) onto the new root's directory where. */
static void move_boot_mount(struct mount *m, const char *where, const char *dev)
{
	struct path newdir;

	if (vfs_walk(NULL, where, 0, &newdir) == 0 || (vfs_mkdir(NULL, where, 0755) == 0 &&
						       vfs_walk(NULL, where, 0, &newdir) == 0)) {
		struct path from = { m, m->root };
		if (m->mountpoint && newdir.mnt != m)
			vfs_move_mount(&from, &newdir);
		path_put(&newdir);
	} else {
		pr_warn("vfs: root=%s has no %s and it cannot be made\n", dev, where);
	}
}

/* root=/dev/vdX: the disk becomes /, the boot /dev, /proc and /sys move onto it. */
int vfs_mount_root(void)
{
	const char *dev = cmdline_get("root");
	struct super_block *sb;
	struct path devdir, procdir, sysdir;

	if (!dev)
		return 0;
	const char *name = !strncmp(dev, "/dev/", 5) ? dev + 5 : dev;
	struct blkdev *bd = blkdev_find(name);
	if (!bd) {
		pr_err("vfs: root=%s: no such disk; staying on the initramfs\n", dev);
		return -ENODEV;
	}
	mount_init_once();
	blkdev_get(bd);		/* a disk: cannot fail, never put (/ stays) */
	int rc = fs_create("ext2", bd, cmdline_has("ro") ? SB_RDONLY : 0, &sb);
	if (rc) {
		pr_err("vfs: root=%s: cannot mount (%d); staying on the initramfs\n", dev, rc);
		return rc;
	}
	rc = vfs_walk(NULL, "/dev", 0, &devdir);
	if (!rc && (rc = vfs_walk(NULL, "/proc", 0, &procdir)))
		path_put(&devdir);
	if (!rc && (rc = vfs_walk(NULL, "/sys", 0, &sysdir))) {
		path_put(&devdir);
		path_put(&procdir);
	}
	struct path old = vfs_root();
	if (!rc)
		rc = vfs_mount(sb, NULL);	/* the new root */
	if (rc) {
		path_put(&old);
		return rc;
	}
	mutex_lock(&mount_lock);
	list_add_tail(&sb->link, &mounts);
	mutex_unlock(&mount_lock);
	/* The walks entered the boot /dev (memfs) and /proc mounts. */
	move_boot_mount(devdir.mnt, "/dev", dev);
	move_boot_mount(procdir.mnt, "/proc", dev);
	move_boot_mount(sysdir.mnt, "/sys", dev);
	path_put(&devdir);
	path_put(&procdir);
	path_put(&sysdir);
	path_put(&old);
	pr_info("vfs: root is %s (ext2)\n", dev);
	return 0;
}
