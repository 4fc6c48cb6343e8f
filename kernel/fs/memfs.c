/*
 * memfs: the memory filesystem that is `/` until disks exist. Like Linux's
 * ramfs, its directories are the dentry tree itself and a file's data is
 * its page tree; nothing is written anywhere else. Reads and writes move
 * at most a page per copy, and allocation failure is -ENOSPC for writes.
 */
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/spinlock.h>
#include <alloy/mm.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/vfs.h>

static const struct inode_ops memfs_iops;
static const struct file_ops memfs_file_fops;
static const struct file_ops memfs_link_fops;

/*
 * A file's page tree changes (insert, truncate) under memfs_pages as
 * well as the inode mutex: a page fault, which holds the mm lock and so
 * may not take the inode mutex, looks pages up under memfs_pages alone.
 * Pages are refcounted: a mapping keeps a page it maps.
 */
static spinlock_t memfs_pages = SPINLOCK_INIT("memfs-pages", LR_MEMFS_PAGES);

static void put_data_page(struct page *p)
{
	page_put(p);
}

/* The page at index, inserting a zeroed one if there is none. */
static struct page *page_at(struct inode *i, u64 index)
{
	unsigned long fl = spin_lock_irqsave(&memfs_pages);
	struct page *p = page_tree_lookup(&i->pages, index);
	spin_unlock_irqrestore(&memfs_pages, fl);
	if (p)
		return p;
	struct page *n = alloc_page(GFP_ZERO);
	if (!n)
		return NULL;
	fl = spin_lock_irqsave(&memfs_pages);
	p = page_tree_lookup(&i->pages, index);	/* a racing fault? */
	if (!p && page_tree_insert(&i->pages, index, n) == 0) {
		p = n;
		n = NULL;
	}
	spin_unlock_irqrestore(&memfs_pages, fl);
	if (n)
		free_page(n);
	return p;
}

static struct page *lookup_page(struct inode *i, u64 index)
{
	unsigned long fl = spin_lock_irqsave(&memfs_pages);
	struct page *p = page_tree_lookup(&i->pages, index);
	spin_unlock_irqrestore(&memfs_pages, fl);
	return p;	/* stays: only truncate frees, under the inode mutex */
}

static void truncate_pages(struct inode *i, u64 from)
{
	unsigned long fl = spin_lock_irqsave(&memfs_pages);
	page_tree_truncate(&i->pages, from, put_data_page);
	spin_unlock_irqrestore(&memfs_pages, fl);
}

static int memfs_mmap_page(struct inode *i, u64 index, bool write, struct page **out)
{
	(void)write;
	if (index >= (__atomic_load_n(&i->size, __ATOMIC_RELAXED) + PAGE_SIZE - 1) / PAGE_SIZE)
		return -EFAULT;
	struct page *p = page_at(i, index);
	if (!p)
		return -ENOMEM;
	unsigned long fl = spin_lock_irqsave(&memfs_pages);
	if (page_tree_lookup(&i->pages, index) == p)
		page_get(p);
	else
		p = NULL;	/* truncated in between */
	spin_unlock_irqrestore(&memfs_pages, fl);
	if (!p)
		return -EFAULT;
	*out = p;
	return 0;
}

static int memfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	(void)dir; (void)name; (void)len; (void)out;
	return -ENOENT;		/* every name is in the dentry cache */
}

static struct inode *memfs_new_inode(struct super_block *sb, u32 mode, u32 rdev)
{
	struct inode *i = inode_alloc(sb, mode);

	if (!i)
		return NULL;
	i->iop = &memfs_iops;
	i->rdev = rdev;
	if (S_ISDIR(mode)) {
		i->fop = &memfs_dir_fops;
		i->nlink = 2;
	} else if (S_ISREG(mode)) {
		i->fop = &memfs_file_fops;
	} else if (S_ISLNK(mode)) {
		i->fop = &memfs_link_fops;
	}
	return i;
}

static int memfs_mknod(struct inode *dir, const char *name, size_t len, u32 mode, u32 rdev,
		       const char *target, struct inode **out)
{
	(void)name; (void)len;	/* the dentry tree holds names */
	struct inode *i = memfs_new_inode(dir->sb, mode, rdev);

	if (!i)
		return -ENOMEM;
	if (S_ISLNK(mode)) {
		size_t n = strlen(target);
		i->target = kmalloc(n + 1, GFP_KERNEL);
		if (!i->target) {
			inode_put(i);
			return -ENOMEM;
		}
		memcpy(i->target, target, n + 1);
		i->size = n;
	}
	if (S_ISDIR(mode))
		dir->nlink++;
	dir->mtime = dir->ctime = vfs_now();
	*out = i;
	return 0;
}

static int memfs_link(struct inode *dir, const char *name, size_t len, struct inode *inode)
{
	(void)name; (void)len;
	inode->nlink++;
	inode->ctime = dir->mtime = dir->ctime = vfs_now();
	return 0;
}

static int memfs_unlink(struct inode *dir, const char *name, size_t len, struct inode *inode)
{
	(void)name; (void)len;
	if (S_ISDIR(inode->mode)) {
		inode->nlink = 0;
		dir->nlink--;
	} else {
		inode->nlink--;
	}
	inode->ctime = dir->mtime = dir->ctime = vfs_now();
	return 0;
}

static int memfs_readlink(struct inode *inode, char *buf, size_t len)
{
	size_t n = MIN(len, (size_t)inode->size);

	memcpy(buf, inode->target, n);
	return (int)n;
}

/* Caller holds inode->lock. */
static int memfs_truncate(struct inode *inode, u64 size)
{
	if (size < inode->size) {
		u64 keep = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
		truncate_pages(inode, keep);
		struct page *last = size % PAGE_SIZE ? lookup_page(inode, size / PAGE_SIZE) : NULL;
		if (last)	/* a later grow must read zeros past the old end */
			memset((u8 *)page_to_virt(last) + size % PAGE_SIZE, 0,
			       PAGE_SIZE - size % PAGE_SIZE);
	}
	inode->size = size;
	inode->mtime = inode->ctime = vfs_now();
	return 0;
}

static void memfs_evict(struct inode *inode)
{
	if (S_ISFIFO(inode->mode))
		fifo_evict(inode);
	truncate_pages(inode, 0);
	kfree(inode->target);
}

static const struct inode_ops memfs_iops = {
	.lookup = memfs_lookup,
	.mknod = memfs_mknod,
	.link = memfs_link,
	.unlink = memfs_unlink,
	.readlink = memfs_readlink,
	.truncate = memfs_truncate,
	.mmap_page = memfs_mmap_page,
	.evict = memfs_evict,
};

static long memfs_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct inode *i = f->inode;
	size_t done = 0;
	long rc = 0;

	mutex_lock(&i->lock);
	while (done < n && *pos < i->size) {
		u64 off = *pos % PAGE_SIZE;
		size_t k = (size_t)MIN((u64)(n - done), MIN(PAGE_SIZE - off, i->size - *pos));
		struct page *p = lookup_page(i, *pos / PAGE_SIZE);
		rc = p ? iob_copy_out(b, done, (u8 *)page_to_virt(p) + off, k)
		       : iob_zero(b, done, k);	/* a hole */
		if (rc)
			break;
		done += k;
		*pos += k;
	}
	i->atime = vfs_now();
	mutex_unlock(&i->lock);
	return done ? (long)done : rc;
}

static long memfs_write(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct inode *i = f->inode;
	size_t done = 0;
	long rc = 0;

	mutex_lock(&i->lock);
	if (f->flags & O_APPEND)
		*pos = i->size;
	while (done < n) {
		u64 off = *pos % PAGE_SIZE;
		size_t k = (size_t)MIN((u64)(n - done), PAGE_SIZE - off);
		struct page *p = page_at(i, *pos / PAGE_SIZE);
		if (!p) {
			rc = -ENOSPC;
			break;
		}
		rc = iob_copy_in((u8 *)page_to_virt(p) + off, b, done, k);
		if (rc)
			break;
		done += k;
		*pos += k;
		if (*pos > i->size)
			i->size = *pos;
	}
	if (done)
		i->mtime = i->ctime = vfs_now();
	mutex_unlock(&i->lock);
	return done ? (long)done : rc;
}

static const struct file_ops memfs_file_fops = {
	.read = memfs_read,
	.write = memfs_write,
	.seekable = true,
};

static const struct file_ops memfs_link_fops = { .seekable = false };

static int memfs_iterate(struct file *f, u64 *pos,
			 bool (*emit)(void *ctx, const char *name, size_t len, u64 ino,
				      u32 mode, u64 next),
			 void *ctx)
{
	struct dentry *d = f->path.dentry, *c;
	struct super_block *sb = d->sb;

	if (*pos == 0) {
		if (!emit(ctx, ".", 1, f->inode->ino, S_IFDIR, 1))
			return 0;
		*pos = 1;
	}
	mutex_lock(&sb->ns_lock);	/* rename moves d and frees names */
	if (*pos == 1) {
		struct dentry *up = d->parent;
		if (!emit(ctx, "..", 2, up->inode ? up->inode->ino : f->inode->ino, S_IFDIR, 2))
			goto out;
		*pos = 2;
	}
	list_for_each_entry(c, &d->children, sibling) {
		if (c->cookie <= *pos)
			continue;
		if (!emit(ctx, c->name, c->name_len, c->inode->ino, c->inode->mode, c->cookie))
			break;
		*pos = c->cookie;
	}
out:
	mutex_unlock(&sb->ns_lock);
	return 0;
}

const struct file_ops memfs_dir_fops = {
	.iterate = memfs_iterate,
	.seekable = true,
};

struct super_block *memfs_create(void)
{
	struct super_block *sb = sb_create("memfs");
	struct inode *root = sb ? memfs_new_inode(sb, S_IFDIR | 0755, 0) : NULL;

	if (!root || sb_set_root(sb, root)) {
		inode_put(root);
		kfree(sb);
		return NULL;
	}
	return sb;
}
