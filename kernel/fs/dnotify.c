/*
 * dnotify: fcntl(dirfd, F_NOTIFY, DN_*) asks for the file owner's signal
 * (F_SETOWN, F_SETSIG; kernel/fs/fasync.c) when the directory or an
 * entry in it changes (docs/inotify.md). Built on inotify's hooks: the
 * directory's inotify_marks carry a list of dnotify marks too, and every
 * event inotify's deliver() sees is offered here first.
 *
 * Owners and lifetimes: a mark belongs to its file (f->dnotify, one per
 * file) and sits on its directory's list [dnotify_lock]; it holds no
 * reference, because the file's last put (dnotify_release, before the
 * file lets go of its inode) takes it off the list, and the list lives
 * in the inode's marks, which are freed with the inode. The mark counts
 * in the filesystem's notify_watches (so the hooks run) and in
 * dnotify_marks (so unmount does not wait for it as for an inotify watch).
 * An event copies the owners of the marks it matches (fown_get, with
 * references) under dnotify_lock and signals them after it is dropped:
 * no file reference is needed, so a racing close frees nothing we use.
 */
#include <alloy/errno.h>
#include <alloy/fasync.h>
#include <alloy/inotify.h>
#include <alloy/lockrank.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/vfs.h>

struct dnotify_mark {
	struct list_head link;		/* [dnotify_lock] on the directory's list */
	struct inode *dir;		/* the file's inode: no reference of its own */
	struct file *file;		/* the owner of the mark */
	int fd;				/* si_fd */
	u32 mask;			/* [dnotify_lock] DN_*, DN_MULTISHOT */
};

static spinlock_t dnotify_lock = SPINLOCK_INIT("dnotify", LR_DNOTIFY);

#define DN_EVENTS (DN_ACCESS | DN_MODIFY | DN_CREATE | DN_DELETE | DN_RENAME | DN_ATTRIB)

long dnotify_fcntl(struct file *f, int fd, u32 arg)
{
	struct inode *dir = f->inode;
	struct dnotify_mark *fresh = NULL, *old = NULL;

	if (!dir || !S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (f->flags & O_PATH)
		return -EBADF;
	if (arg & DN_EVENTS) {
		long rc = fown_set_self(f);	/* as Linux: the caller gets them */
		if (rc)
			return rc;
		struct list_head *list = inotify_dnotify_list(dir);
		if (!list || !(fresh = kzalloc(sizeof(*fresh), GFP_KERNEL)))
			return -ENOMEM;
		fresh->dir = dir;
		fresh->file = f;
		fresh->fd = fd;
		fresh->mask = arg & (DN_EVENTS | DN_MULTISHOT);
		unsigned long fl = spin_lock_irqsave(&dnotify_lock);
		if (f->dnotify) {		/* one per file: it takes the new mask */
			f->dnotify->mask = fresh->mask;
			f->dnotify->fd = fd;
			spin_unlock_irqrestore(&dnotify_lock, fl);
			kfree(fresh);
			return 0;
		}
		list_add_tail(&fresh->link, list);
		f->dnotify = fresh;
		atomic_inc(&dir->sb->dnotify_marks);
		atomic_inc(&dir->sb->notify_watches);
		spin_unlock_irqrestore(&dnotify_lock, fl);
		return 0;
	}
	unsigned long fl = spin_lock_irqsave(&dnotify_lock);	/* 0: no more */
	if ((old = f->dnotify)) {
		list_del(&old->link);
		f->dnotify = NULL;
	}
	spin_unlock_irqrestore(&dnotify_lock, fl);
	if (old) {
		atomic_dec(&dir->sb->notify_watches);
		atomic_dec(&dir->sb->dnotify_marks);
		kfree(old);
	}
	return 0;
}

void dnotify_release(struct file *f)
{
	if (f->dnotify)
		dnotify_fcntl(f, 0, 0);
}

#define DN_BATCH 16

void dnotify_event(struct list_head *list, u32 dn)
{
	struct { struct fown o; int fd; } to[DN_BATCH];
	struct dnotify_mark *m;
	int n = 0;

	unsigned long fl = spin_lock_irqsave(&dnotify_lock);
	list_for_each_entry(m, list, link) {
		if (!(m->mask & dn) || n == DN_BATCH)
			continue;
		fown_get(m->file, &to[n].o);
		to[n++].fd = m->fd;
		if (!(m->mask & DN_MULTISHOT))
			m->mask = 0;	/* one event, then quiet until F_NOTIFY again */
	}
	spin_unlock_irqrestore(&dnotify_lock, fl);
	for (int i = 0; i < n; i++) {
		fown_signal(&to[i].o, to[i].fd, POLL_MSG);
		fown_put(&to[i].o);
	}
}

u32 dnotify_of_inotify(u32 in)
{
	u32 dn = 0;

	if (in & IN_ACCESS)
		dn |= DN_ACCESS;
	if (in & IN_MODIFY)
		dn |= DN_MODIFY;
	if (in & IN_ATTRIB)
		dn |= DN_ATTRIB;
	if (in & (IN_CREATE | IN_MOVED_TO))
		dn |= DN_CREATE;
	if (in & (IN_DELETE | IN_MOVED_FROM))
		dn |= DN_DELETE;
	return dn;
}
