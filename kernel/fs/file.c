/*
 * Open files: creation from an inode, references, and read/write with the
 * file position. Seekable files serialise position updates with pos_lock;
 * streams (pipes, terminals) have no position and take no lock, so a
 * reader blocked on a pipe never holds up a writer of the same file.
 */
#include <alloy/blkdev.h>
#include <alloy/errno.h>
#include <alloy/fasync.h>
#include <alloy/flock.h>
#include <alloy/event.h>
#include <alloy/inotify.h>
#include <alloy/lockrank.h>
#include <alloy/slab.h>
#include <alloy/vfs.h>

struct file *file_alloc(struct inode *inode, const struct path *p, u32 flags)
{
	struct file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return NULL;
	atomic_set(&f->refcount, 1);
	mutex_init(&f->pos_lock, "file-pos", LR_MUTEX_FPOS);
	list_init(&f->ep_links);
	f->flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
	if (inode) {
		inode_get(inode);
		atomic_inc(&inode->opencount);
		f->inode = inode;
		f->fop = inode->fop;
		if (inode->sb)
			atomic_inc(&inode->sb->nr_open);
	}
	if (p && p->dentry) {
		path_get(p);
		f->path = *p;
	}
	return f;
}

int inode_get_write(struct inode *i)
{
	for (int v = atomic_read(&i->writecount);; v = atomic_read(&i->writecount)) {
		if (v < 0)
			return -ETXTBSY;	/* a program runs from it */
		if (atomic_cmpxchg(&i->writecount, v, v + 1))
			return 0;
	}
}

void inode_put_write(struct inode *i)
{
	atomic_dec(&i->writecount);
}

int inode_deny_write(struct inode *i)
{
	for (int v = atomic_read(&i->writecount);; v = atomic_read(&i->writecount)) {
		if (v > 0)
			return -ETXTBSY;	/* open for writing */
		if (atomic_cmpxchg(&i->writecount, v, v - 1))
			return 0;
	}
}

void inode_allow_write(struct inode *i)
{
	atomic_inc(&i->writecount);
}

static bool writable(const struct file *f);

struct file *file_get(struct file *f)
{
	atomic_inc(&f->refcount);
	return f;
}

void file_put(struct file *f)
{
	if (!f || !atomic_dec_and_test(&f->refcount))
		return;
	if (fasync_put_deferred(f))	/* fasyncd is still using it: it puts it */
		return;
	flock_release_file(f);		/* its OFD and flock(2) locks */
	if (!list_empty(&f->ep_links))	/* before release: epoll is on its queues */
		eventpoll_release(f);
	fasync_release(f);		/* O_ASYNC hooks too; the owner's references */
	dnotify_release(f);		/* F_NOTIFY's mark, before the inode goes */
	lease_release(f);
	/* an opened file with a name (not O_PATH, not a failed open) */
	if (f->fop && f->path.dentry)
		fsnotify_file(f, writable(f) ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
	if (f->fop && f->fop->release)
		f->fop->release(f);
	if (f->write_access) {
		inode_put_write(f->inode);
		atomic_dec(&f->inode->sb->nr_write);
	}
	if (f->mnt_write)
		atomic_dec(&f->path.mnt->nr_write);
	if (f->path.dentry)
		path_put(&f->path);
	/* The count drops only after the inode is let go: unmount waits for
	 * it and must not free the filesystem under a running eviction. */
	struct super_block *sb = f->inode ? f->inode->sb : NULL;
	if (f->inode)
		atomic_dec(&f->inode->opencount);
	inode_put(f->inode);
	if (sb)
		atomic_dec(&sb->nr_open);
	kfree(f);
}

static bool readable(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY && !(f->flags & O_PATH);
}

static bool writable(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY && !(f->flags & O_PATH);
}

/* A file made immutable after it was opened takes no more writes; an
 * append-only one only appends (its O_APPEND cannot be cleared). */
/* May f's file take a write of n bytes? Then its set-ID bits go first. */
static long write_allowed(const struct file *f, size_t n)
{
	struct inode *i = f->inode;

	if (!i || !S_ISREG(i->mode))
		return 0;
	if (inode_immutable(i))
		return -EPERM;
	if (inode_append_only(i) && !(__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_APPEND))
		return -EPERM;
	if (n)
		inode_kill_privs(i);
	return 0;
}

static bool ts_le(struct timespec64 a, struct timespec64 b)
{
	return a.sec < b.sec || (a.sec == b.sec && a.nsec <= b.nsec);
}

/*
 * A read of f's data (or a listing of a directory): its access time, as
 * its mount says. noatime never; nodiratime not for directories;
 * relatime only when the last access is not after the last change (or a
 * day old); otherwise (strictatime, the boot mounts) always. Not on a
 * read-only filesystem, not for O_NOATIME.
 */
void file_accessed(struct file *f)
{
	struct inode *i = f->inode;

	if (!i || !f->path.mnt || (f->flags & O_NOATIME) || !(S_ISREG(i->mode) || S_ISDIR(i->mode)))
		return;
	if (READ_ONCE(i->iflags) & (FS_NOATIME_FL | FS_IMMUTABLE_FL))
		return;	/* chattr +A; an immutable inode changes in nothing */
	u32 mf = READ_ONCE(f->path.mnt->flags);
	if ((mf & (MNT_NOATIME | MNT_RDONLY)) || (S_ISDIR(i->mode) && (mf & MNT_NODIRATIME)) ||
	    vfs_writable(i->sb))
		return;
	struct timespec64 now = vfs_now();
	mutex_lock(&i->lock);
	if (!(mf & MNT_RELATIME) || ts_le(i->atime, i->mtime) || ts_le(i->atime, i->ctime) ||
	    now.sec - i->atime.sec >= 24 * 3600) {
		i->atime = now;
		inode_changed(i);
	}
	mutex_unlock(&i->lock);
}

long file_read_at(struct file *f, struct iobuf b, size_t n, u64 pos)
{
	if (!readable(f))
		return -EBADF;
	if (f->inode && S_ISDIR(f->inode->mode))
		return -EISDIR;
	if (!f->fop || !f->fop->read)
		return -EINVAL;
	long rc = fsnotify_perm(f, FAN_ACCESS_PERM);
	if (rc)
		return rc;
	rc = f->fop->read(f, b, n, &pos);
	if (rc > 0)
		fsnotify_file(f, IN_ACCESS);
	if (rc >= 0 && n)	/* at the end too, as Linux */
		file_accessed(f);
	return rc;
}

long file_write_at(struct file *f, struct iobuf b, size_t n, u64 pos)
{
	if (!writable(f))
		return -EBADF;
	if (!f->fop || !f->fop->write)
		return -EINVAL;
	long rc = write_allowed(f, n);
	if (rc)
		return rc;
	rc = f->fop->write(f, b, n, &pos);
	if (rc > 0)
		fsnotify_file(f, IN_MODIFY);
	return rc;
}

/* As Linux's rw_verify_area: a read or write whose end would pass 2^63
 * is EINVAL, whatever the filesystem's limit (which comes after). */
static int verify_area(u64 pos, size_t n)
{
	u64 end;

	return pos > MAX_FILE_SIZE || __builtin_add_overflow(pos, (u64)n, &end) ||
	       end > MAX_FILE_SIZE + 1 ? -EINVAL : 0;
}

long file_read(struct file *f, struct iobuf b, size_t n)
{
	long rc;

	if (!f->fop || !f->fop->seekable)
		return file_read_at(f, b, n, 0);
	mutex_lock(&f->pos_lock);
	u64 pos = f->pos;
	rc = readable(f) ? verify_area(pos, n) : -EBADF;
	if (!rc && f->inode && S_ISDIR(f->inode->mode))
		rc = -EISDIR;
	if (!rc)	/* as Linux's rw_verify_area */
		rc = fsnotify_perm(f, FAN_ACCESS_PERM);
	if (!rc)
		rc = f->fop->read ? f->fop->read(f, b, n, &pos) : -EINVAL;
	if (rc > 0)
		f->pos = pos;
	mutex_unlock(&f->pos_lock);
	if (rc > 0)
		fsnotify_file(f, IN_ACCESS);
	if (rc >= 0 && n)	/* at the end too, as Linux */
		file_accessed(f);
	return rc;
}

long file_write(struct file *f, struct iobuf b, size_t n)
{
	long rc;

	if (!f->fop || !f->fop->seekable)
		return file_write_at(f, b, n, 0);
	mutex_lock(&f->pos_lock);
	u64 pos = f->pos;
	rc = writable(f) ? verify_area(pos, n) : -EBADF;
	if (!rc)
		rc = write_allowed(f, n);
	if (!rc)
		rc = f->fop->write ? f->fop->write(f, b, n, &pos) : -EINVAL;
	if (rc > 0)
		f->pos = pos;
	mutex_unlock(&f->pos_lock);
	if (rc > 0)
		fsnotify_file(f, IN_MODIFY);
	return rc;
}

int vfs_open_inode(const struct path *p, u32 flags, struct file **out)
{
	struct inode *i = p->dentry->inode;
	bool exec = flags & O_EXEC_KERNEL, nonotify = flags & O_NONOTIFY_KERNEL;

	flags &= ~(u32)(O_EXEC_KERNEL | O_NONOTIFY_KERNEL);
	if (!i)
		return -ENOENT;
	u32 mflags = p->mnt ? READ_ONCE(p->mnt->flags) : 0;
	if ((mflags & MNT_NODEV) && (S_ISCHR(i->mode) || S_ISBLK(i->mode)) && !(flags & O_PATH))
		return -EACCES;		/* devices of a nodev mount do not open */
	struct file *f = file_alloc(i, p, flags);
	int rc = 0;

	if (!f)
		return -ENOMEM;
	f->nonotify = nonotify;
	if (S_ISREG(i->mode) && !(flags & O_PATH) && (flags & O_ACCMODE) != O_RDONLY) {
		if ((rc = inode_get_write(i))) {	/* a running program's file */
			f->fop = NULL;
			file_put(f);
			return rc;
		}
		f->write_access = true;
		/* counted, then checked: a remount to read-only sets the flag,
		 * then reads the count, so one of the two sees the other */
		atomic_inc(&i->sb->nr_write);
		if (f->path.mnt) {	/* and the mount's, the same way */
			atomic_inc(&f->path.mnt->nr_write);
			f->mnt_write = true;
		}
		if (vfs_path_writable(p) && !inode_tunable(i)) {
			f->fop = NULL;
			file_put(f);
			return -EROFS;
		}
	}
	/* fanotify's permission events, before the open does anything (a
	 * FIFO's open may block) */
	if (!(flags & O_PATH) &&
	    (rc = fsnotify_perm(f, FAN_OPEN_PERM | (exec ? FAN_OPEN_EXEC_PERM : 0)))) {
		f->fop = NULL;
		file_put(f);
		return rc;
	}
	if (flags & O_PATH)
		f->fop = NULL;
	else if (S_ISCHR(i->mode))
		rc = chrdev_open(i, f);
	else if (S_ISFIFO(i->mode))
		rc = fifo_open(i, f);
	else if (S_ISBLK(i->mode))
		rc = blkdev_open(i, f);
	else if (f->fop && f->fop->open)
		rc = f->fop->open(i, f);
	if (rc) {
		f->fop = NULL;	/* nothing to release */
		file_put(f);
		return rc;
	}
	fsnotify_file(f, IN_OPEN | (exec ? FAN_OPEN_EXEC : 0));
	*out = f;
	return 0;
}
