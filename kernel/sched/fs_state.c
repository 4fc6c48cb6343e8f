/*
 * A process's file-system context: cwd, root, umask, shared between
 * processes by CLONE_FS (<alloy/fs_state.h> states owner, lifetime and
 * lock).
 */
#include <alloy/fs_state.h>
#include <alloy/lockrank.h>
#include <alloy/slab.h>

static struct fs_state *alloc(void)
{
	struct fs_state *fs = kzalloc(sizeof(*fs), GFP_KERNEL);

	if (fs) {
		atomic_set(&fs->refcount, 1);
		/* never nested with cwd_lock: the same place in the order */
		spin_lock_init(&fs->lock, "fs-state", LR_DCACHE - 1);
	}
	return fs;
}

struct fs_state *fs_state_new(void)
{
	struct fs_state *fs = alloc();

	if (fs) {
		fs->cwd = vfs_root();
		fs->umask = 022;
	}
	return fs;
}

struct fs_state *fs_state_copy(struct fs_state *from)
{
	struct fs_state *fs = alloc();

	if (!fs)
		return NULL;
	fs_state_path(from, false, &fs->cwd);
	fs_state_path(from, true, &fs->root);
	fs->umask = READ_ONCE(from->umask);
	return fs;
}

void fs_state_get(struct fs_state *fs)
{
	atomic_inc(&fs->refcount);
}

void fs_state_put(struct fs_state *fs)
{
	if (!fs || !atomic_dec_and_test(&fs->refcount))
		return;
	if (fs->cwd.dentry)
		path_put(&fs->cwd);
	if (fs->root.dentry)
		path_put(&fs->root);
	kfree(fs);
}

void fs_state_path(struct fs_state *fs, bool root, struct path *out)
{
	unsigned long flags = spin_lock_irqsave(&fs->lock);

	*out = root ? fs->root : fs->cwd;
	if (out->dentry)
		path_get(out);
	spin_unlock_irqrestore(&fs->lock, flags);
}

void fs_state_set_path(struct fs_state *fs, bool root, const struct path *np)
{
	struct path *slot = root ? &fs->root : &fs->cwd, old;

	if (np->dentry)		/* (a root may be unset: the namespace's) */
		path_get(np);
	unsigned long flags = spin_lock_irqsave(&fs->lock);
	old = *slot;
	*slot = *np;
	spin_unlock_irqrestore(&fs->lock, flags);
	if (old.dentry)		/* a root never set */
		path_put(&old);
}

void fs_state_swap_if(struct fs_state *fs, const struct path *old, const struct path *nw)
{
	struct path drop[2] = { { 0 }, { 0 } };
	struct path *slots[2] = { &fs->root, &fs->cwd };

	unsigned long flags = spin_lock_irqsave(&fs->lock);
	for (int i = 0; i < 2; i++)
		if (slots[i]->dentry && slots[i]->mnt == old->mnt &&
		    slots[i]->dentry == old->dentry) {
			drop[i] = *slots[i];
			*slots[i] = *nw;
			path_get(nw);	/* counts only: no lock taken */
		}
	spin_unlock_irqrestore(&fs->lock, flags);
	for (int i = 0; i < 2; i++)
		if (drop[i].dentry)
			path_put(&drop[i]);
}
