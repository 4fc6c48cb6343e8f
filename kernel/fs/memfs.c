/*
 * memfs: the memory filesystem that is `/` until disks exist. Like Linux's
 * ramfs, its directories are the dentry tree itself and a file's data is
 * its page tree; nothing is written anywhere else. Reads and writes move
 * at most a page per copy, and allocation failure is -ENOSPC for writes.
 *
 * Like tmpfs, each memfs has a size: data pages past it are -ENOSPC (a
 * write) or SIGBUS (a fault on a shared mapping), so that filling /tmp
 * leaves memory for programs. The default is half of RAM; mount(2) takes
 * size= in bytes, k/m/g or % of RAM (0: no limit). Only data pages count,
 * as in tmpfs; a sparse file's size is free.
 */
#include <alloy/errno.h>
#include <alloy/hugetlb.h>
#include <alloy/random.h>
#include <alloy/atomic.h>
#include <alloy/lockrank.h>
#include <alloy/spinlock.h>
#include <alloy/mm.h>
#include <alloy/printk.h>
#include <alloy/rmap.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/splice.h>
#include <alloy/string.h>
#include <alloy/vfs.h>
#include <uapi/fcntl.h>

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

#define TMPFS_MAGIC 0x01021994
#define HUGETLBFS_MAGIC 0x958458f6
#define NO_LIMIT ((u64)-1)

/* sb->priv and every inode's priv: an inode may outlive the super block
 * (a mapping holds it past unmount), so each holds a reference. */
#define MEMFS_INO_BUCKETS 256

struct memfs_sb {
	atomic_t refs;
	/* live inodes by number, for file handles: no references held (an
	 * inode leaves at eviction; lookups take one only if it is not 0) */
	spinlock_t ino_lock;
	struct list_head ino_table[MEMFS_INO_BUCKETS];
	atomic_long_t used;	/* data pages held by its files, and xattr pages */
	u64 limit;		/* pages; NO_LIMIT: no limit */
	u64 xattr_bytes;	/* [xattr_lock] its files' xattrs (mx_cost) */
	atomic_long_t inodes;	/* live inodes */
	u64 max_inodes;		/* nr_inodes=; NO_LIMIT: none */
	/* hugetlbfs: files are made of 2 MiB pool pages (<alloy/hugetlb.h>);
	 * used and limit count huge pages, reserved ones too */
	bool huge;
};

static void memfs_sb_put(struct memfs_sb *m)
{
	if (m && atomic_dec_and_test(&m->refs))
		kfree(m);
}

static void put_data_page(struct page *p)
{
	page_put(p);
}

/* Every memfs's used pages but hugetlbfs's: /proc/meminfo's Shmem. */
static atomic_long_t shmem_pages;

u64 memfs_shmem_pages(void)
{
	long n = atomic_long_read(&shmem_pages);

	return n > 0 ? (u64)n : 0;
}

static void count_shmem(struct memfs_sb *m, long pages)
{
	if (!m->huge)
		atomic_long_add_return(&shmem_pages, pages);
}

/* Reserves a data page against the filesystem's size. */
static bool charge(struct inode *i)
{
	struct memfs_sb *m = i->priv;
	long n = atomic_long_add_return(&m->used, 1);

	if ((u64)n <= m->limit) {
		count_shmem(m, 1);
		return true;
	}
	atomic_long_add_return(&m->used, -1);
	return false;
}

/* n at once (a hugetlbfs reservation): all or none. */
static bool charge_n(struct inode *i, u64 n)
{
	struct memfs_sb *m = i->priv;
	long now = atomic_long_add_return(&m->used, (long)n);

	if ((u64)now <= m->limit && (u64)now >= n) {
		count_shmem(m, (long)n);
		return true;
	}
	atomic_long_add_return(&m->used, -(long)n);
	return false;
}

static void uncharge(struct inode *i, u64 pages)
{
	struct memfs_sb *m = i->priv;

	if (pages) {
		atomic_long_add_return(&m->used, -(long)pages);
		count_shmem(m, -(long)pages);
	}
}

static u64 pages_of(u64 size)
{
	return size / PAGE_SIZE + (size % PAGE_SIZE != 0);
}

/*
 * hugetlbfs files. The page tree is indexed by huge page (index / 512)
 * and holds the head of each pool page, or RESV_MARK where a mapping
 * reserved one that no fault has taken yet (Linux's resv_map, kept in
 * the file: a private mapping's reservation stays with the file until it
 * is truncated or goes, see docs/memory.md), or BUSY_MARK while a fault
 * turns a RESV_MARK into a page (the fault then holds the reservation).
 * Entries and marks all count against the filesystem's size=.
 */
#define RESV_MARK ((struct page *)1)
#define BUSY_MARK ((struct page *)2)

static bool is_huge(const struct inode *i)
{
	return ((const struct memfs_sb *)i->priv)->huge;
}

static struct page *real(struct page *p)
{
	return p == RESV_MARK || p == BUSY_MARK ? NULL : p;
}

/* put for page_tree_truncate: a page back to the pool, a mark's
 * reservation given up (memfs-pages held: the pool's lock is a leaf).
 * A BUSY_MARK's reservation is the fault's: it sees the slot gone and
 * gives back what it got. */
static void put_huge_entry(struct page *p)
{
	if (p == RESV_MARK)
		hugetlb_unreserve(1);
	else if (p != BUSY_MARK)
		hugetlb_free(p);
}

static bool charge(struct inode *i);
static void uncharge(struct inode *i, u64 pages);

/* Faults on one huge page of one file are serialized (as Linux's
 * hugetlb_fault_mutex_table): the first takes the page (and zeroes 2 MiB
 * with no spinlock held), the others wait and find it in the tree, so a
 * reserved fault never comes back empty-handed because another was
 * faster. Hashed on (inode, huge index); rank LR_MUTEX_HUGETLB_FAULT,
 * taken under mm and inode locks, memfs-pages and the pool's lock under it. */
#define HUGE_FAULT_MUTEXES 32
static struct mutex huge_fault_mutex[HUGE_FAULT_MUTEXES];

static struct mutex *huge_fault_lock(struct inode *i, u64 h)
{
	u64 k = ((u64)(uintptr_t)i >> 6) * 31 + h;

	return &huge_fault_mutex[k % HUGE_FAULT_MUTEXES];
}

/*
 * As page_at for a hugetlbfs file: frame index % 512 of the huge page at
 * index / 512, taken from the pool when missing, under the huge page's
 * fault mutex. A mark's reservation goes with the page the pool hands
 * over (both counts drop under its lock, so free never falls below
 * reserved); the mark is BUSY_MARK meanwhile, so a truncate that takes it
 * leaves the reservation to us. An empty slot is charged and filled with
 * an unreserved page. No page to be had: -ENOSPC (a fault: SIGBUS).
 */
static struct page *huge_page_at(struct inode *i, u64 index, bool map, int *err)
{
	u64 h = index / HPAGE_NR;
	struct mutex *mx = huge_fault_lock(i, h);
	struct page *e, *n, *p = NULL;
	unsigned long fl;
	bool resv;

	mutex_lock(mx);
	fl = spin_lock_irqsave(&memfs_pages);
	e = page_tree_lookup(&i->pages, h);
	resv = e == RESV_MARK;
	*err = -EFAULT;		/* past the end (truncated meanwhile) */
	bool past = map && index >= pages_of(READ_ONCE(i->size));
	if (!past && real(e)) {
		p = e + index % HPAGE_NR;
		if (map)
			page_get(p);
	} else if (!past && resv) {
		page_tree_remove(&i->pages, h);
		page_tree_insert(&i->pages, h, BUSY_MARK);	/* its slot stays */
	}
	spin_unlock_irqrestore(&memfs_pages, fl);
	if (past || p)
		goto out;
	n = hugetlb_alloc(resv);	/* resv: takes the reservation with it */

	fl = spin_lock_irqsave(&memfs_pages);
	e = page_tree_lookup(&i->pages, h);
	*err = -ENOSPC;
	if (resv && e == BUSY_MARK) {
		page_tree_remove(&i->pages, h);
		page_tree_insert(&i->pages, h, n ?: RESV_MARK);
		e = n;
		n = NULL;
	} else if (resv) {
		if (!n)		/* truncated meanwhile: the reservation was ours */
			hugetlb_unreserve(1);
		e = NULL;
	} else if (n && e == RESV_MARK) {	/* an mmap reserved it meanwhile */
		page_tree_remove(&i->pages, h);
		page_tree_insert(&i->pages, h, n);
		hugetlb_unreserve(1);
		e = n;
		n = NULL;
	} else if (n && !e) {
		if (!charge(i)) {
			*err = -ENOSPC;	/* the filesystem's size= */
		} else if (page_tree_insert(&i->pages, h, n)) {
			uncharge(i, 1);
			*err = -ENOMEM;
		} else {
			e = n;
			n = NULL;
		}
	}
	if (map && index >= pages_of(READ_ONCE(i->size))) {
		*err = -EFAULT;		/* truncated meanwhile: it takes the page */
	} else if (real(e)) {
		p = e + index % HPAGE_NR;
		if (map)
			page_get(p);
	}
	spin_unlock_irqrestore(&memfs_pages, fl);
	if (n)
		hugetlb_free(n);
out:
	mutex_unlock(mx);
	return p;
}

/* The page at small-page index of a hugetlbfs file, NULL for a hole;
 * memfs-pages held. */
static struct page *huge_lookup_locked(struct inode *i, u64 index)
{
	struct page *e = real(page_tree_lookup(&i->pages, index / HPAGE_NR));

	return e ? e + index % HPAGE_NR : NULL;
}

/*
 * The page at index, inserting a zeroed one if there is none; NULL with
 * *err -ENOSPC (the filesystem is full) or -ENOMEM. For a page fault
 * (map), the page must lie inside the file, checked under memfs_pages,
 * and comes with a reference: truncate lowers the size under that lock
 * before it takes pages out, so a fault either inserts first (and the
 * truncate takes the page) or sees the new end (-EFAULT). Nothing can
 * leave a stale page past the end for a later grow to show.
 */
static struct page *page_at(struct inode *i, u64 index, bool map, int *err)
{
	if (is_huge(i))
		return huge_page_at(i, index, map, err);
	unsigned long fl = spin_lock_irqsave(&memfs_pages);
	struct page *p = page_tree_lookup(&i->pages, index);
	if (map && index >= pages_of(READ_ONCE(i->size))) {
		spin_unlock_irqrestore(&memfs_pages, fl);
		*err = -EFAULT;
		return NULL;
	}
	if (p && map)
		page_get(p);
	spin_unlock_irqrestore(&memfs_pages, fl);
	if (p)
		return p;
	*err = -ENOSPC;
	if (!charge(i))
		return NULL;
	*err = -ENOMEM;
	struct page *n = alloc_page(GFP_ZERO);
	if (!n) {
		uncharge(i, 1);
		return NULL;
	}
	fl = spin_lock_irqsave(&memfs_pages);
	p = page_tree_lookup(&i->pages, index);	/* a racing fault? */
	if (map && index >= pages_of(READ_ONCE(i->size))) {
		p = NULL;			/* truncated meanwhile */
		*err = -EFAULT;
	} else if (!p && page_tree_insert(&i->pages, index, n) == 0) {
		p = n;
		n = NULL;
	}
	if (p && map)
		page_get(p);
	spin_unlock_irqrestore(&memfs_pages, fl);
	if (n) {
		free_page(n);
		uncharge(i, 1);
	}
	return p;
}

static struct page *lookup_page(struct inode *i, u64 index)
{
	unsigned long fl = spin_lock_irqsave(&memfs_pages);
	struct page *p = is_huge(i) ? huge_lookup_locked(i, index) :
		page_tree_lookup(&i->pages, index);
	spin_unlock_irqrestore(&memfs_pages, fl);
	return p;	/* stays: only truncate frees, under the inode mutex */
}

static void truncate_pages(struct inode *i, u64 from)
{
	unsigned long fl = spin_lock_irqsave(&memfs_pages);
	u64 before = i->pages.nr_pages;
	if (is_huge(i))	/* whole huge pages from the first past from */
		page_tree_truncate(&i->pages, (from + HPAGE_NR - 1) / HPAGE_NR, put_huge_entry);
	else
		page_tree_truncate(&i->pages, from, put_data_page);
	u64 freed = before - i->pages.nr_pages;
	spin_unlock_irqrestore(&memfs_pages, fl);
	uncharge(i, freed);
}

static int memfs_mmap_page(struct inode *i, u64 index, bool write, struct page **out)
{
	int err;

	(void)write;
	/* past the end: SIGBUS; full: SIGBUS, as tmpfs; out of memory: the
	 * OOM killer */
	struct page *p = page_at(i, index, true, &err);
	if (!p)
		return err;
	*out = p;
	return 0;
}

/* Every page a memory file has is in memory; holes are not. */
static bool memfs_mmap_resident(struct inode *i, u64 index)
{
	return lookup_page(i, index) != NULL;
}

static int memfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	(void)dir; (void)name; (void)len; (void)out;
	return -ENOENT;		/* every name is in the dentry cache */
}

/* A new inode of sb; NULL with *err -ENOSPC past nr_inodes, or -ENOMEM. */
static struct inode *memfs_new_inode(struct super_block *sb, u32 mode, u32 rdev, int *err)
{
	struct memfs_sb *m = sb->priv;

	*err = -ENOSPC;
	if ((u64)atomic_long_add_return(&m->inodes, 1) > m->max_inodes) {
		atomic_long_add_return(&m->inodes, -1);
		return NULL;
	}
	*err = -ENOMEM;
	struct inode *i = inode_alloc(sb, mode);
	if (!i) {
		atomic_long_add_return(&m->inodes, -1);
		return NULL;
	}
	atomic_inc(&m->refs);
	i->priv = m;
	i->iop = &memfs_iops;
	get_random_bytes(&i->generation, sizeof(i->generation));
	unsigned long fl = spin_lock_irqsave(&m->ino_lock);
	list_add_tail(&i->fh_link, &m->ino_table[i->ino % MEMFS_INO_BUCKETS]);
	spin_unlock_irqrestore(&m->ino_lock, fl);
	i->rdev = rdev;
	if (S_ISDIR(mode)) {
		i->fop = &memfs_dir_fops;
		i->nlink = 2;
	} else if (S_ISREG(mode)) {
		i->fop = &memfs_file_fops;
		i->seals = F_SEAL_SEAL;	/* tmpfs files: sealable, not yet */
	} else if (S_ISLNK(mode)) {
		i->fop = &memfs_link_fops;
	}
	return i;
}

static int memfs_mknod(struct inode *dir, const char *name, size_t len, u32 mode, u32 rdev,
		       const char *target, struct inode **out)
{
	(void)name; (void)len;	/* the dentry tree holds names */
	int err;
	struct inode *i = memfs_new_inode(dir->sb, mode, rdev, &err);

	if (!i)
		return err;
	inode_init_owner(i, dir);	/* the creator's, or dir's group */
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

static int memfs_tmpfile(struct inode *dir, u32 mode, struct inode **out)
{
	int err;
	struct inode *i = memfs_new_inode(dir->sb, mode, 0, &err);

	if (!i)
		return err;
	inode_init_owner(i, dir);
	i->nlink = 0;	/* no name: it goes with its last file */
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

/* Caller holds inode->lock. The size goes down before the pages go, in
 * one step under memfs_pages (see page_at). */
static int memfs_truncate(struct inode *inode, u64 size)
{
	if (is_huge(inode) && size % HPAGE_SIZE)
		return -EINVAL;		/* whole huge pages only, as Linux */
	if ((size < inode->size && (inode->seals & F_SEAL_SHRINK)) ||
	    (size > inode->size && (inode->seals & F_SEAL_GROW)))
		return -EPERM;
	if (size < inode->size) {
		unsigned long fl = spin_lock_irqsave(&memfs_pages);
		WRITE_ONCE(inode->size, size);
		spin_unlock_irqrestore(&memfs_pages, fl);
		truncate_pages(inode, pages_of(size));
		struct page *last = size % PAGE_SIZE ? lookup_page(inode, size / PAGE_SIZE) : NULL;
		if (last)	/* a later grow must read zeros past the old end */
			memset((u8 *)page_to_virt(last) + size % PAGE_SIZE, 0,
			       PAGE_SIZE - size % PAGE_SIZE);
	}
	inode->size = size;
	inode->mtime = inode->ctime = vfs_now();
	return 0;
}

/*
 * Extended attributes: a list per inode under inode->lock, every
 * namespace the VFS passes down (user., trusted., security.). Like
 * Linux's tmpfs they are bounded: names, values and a per-entry cost
 * count against MEMFS_XATTR_MAX per inode (-ENOSPC beyond), and they go
 * with the inode. All of a filesystem's xattr bytes are charged, in whole
 * pages, to its size (as Linux charges them to tmpfs's inode space):
 * many files' xattrs cannot grow kernel memory past the mount's size=
 * (half of RAM for a filesystem without one).
 */
#define MEMFS_XATTR_MAX (128 * 1024)
#define MEMFS_XATTR_COST 32		/* per attribute, beside name and value */

struct memfs_xattr {
	struct memfs_xattr *next;
	u32 size;			/* of the value, after the name's NUL */
	char name[];
};

static spinlock_t xattr_lock = SPINLOCK_INIT("memfs-xattr", LR_RLIMIT);

/* i's filesystem's xattrs grow (or shrink) by delta bytes: the pages
 * that takes are charged to its size; false (nothing changed) if full. */
static bool xattr_account(struct inode *i, long delta)
{
	struct memfs_sb *m = i->priv;
	u64 lim = m->limit == NO_LIMIT ? page_alloc_total_count() / 2 : m->limit;
	bool ok = true;
	unsigned long flags = spin_lock_irqsave(&xattr_lock);
	u64 was = m->xattr_bytes, now = was + (u64)delta;
	long pages = (long)pages_of(now) - (long)pages_of(was);

	if (pages > 0) {
		long n = atomic_long_add_return(&m->used, pages);
		if ((u64)n > lim) {
			atomic_long_add_return(&m->used, -pages);
			ok = false;
		}
	} else if (pages < 0) {
		atomic_long_add_return(&m->used, pages);
	}
	if (ok)
		m->xattr_bytes = now;
	spin_unlock_irqrestore(&xattr_lock, flags);
	return ok;
}

static u32 mx_cost(size_t nlen, size_t size)
{
	return (u32)(MEMFS_XATTR_COST + nlen + 1 + size);
}

static struct memfs_xattr **mx_find(struct inode *i, const char *name)
{
	struct memfs_xattr **pp = (struct memfs_xattr **)&i->xattrs;

	while (*pp && strcmp((*pp)->name, name))
		pp = &(*pp)->next;
	return pp;
}

static long memfs_getxattr(struct inode *i, const char *name, void *buf, size_t size)
{
	mutex_lock(&i->lock);
	struct memfs_xattr *x = *mx_find(i, name);
	long rc = x ? (long)x->size : -ENODATA;

	if (x && size) {
		if (x->size > size)
			rc = -ERANGE;
		else
			memcpy(buf, x->name + strlen(x->name) + 1, x->size);
	}
	mutex_unlock(&i->lock);
	return rc;
}

static int memfs_setxattr(struct inode *i, const char *name, const void *val, size_t size,
			  int flags)
{
	size_t nlen = strlen(name);
	struct memfs_xattr *nx = kmalloc(sizeof(*nx) + nlen + 1 + size, GFP_KERNEL);

	if (!nx)
		return -ENOMEM;
	memcpy(nx->name, name, nlen + 1);
	if (size)
		memcpy(nx->name + nlen + 1, val, size);
	nx->size = (u32)size;
	mutex_lock(&i->lock);
	struct memfs_xattr **pp = mx_find(i, name), *old = *pp;
	u32 freed = old ? mx_cost(nlen, old->size) : 0;
	int rc = 0;

	if (old && (flags & XATTR_CREATE))
		rc = -EEXIST;
	else if (!old && (flags & XATTR_REPLACE))
		rc = -ENODATA;
	else if (i->xattr_bytes - freed + mx_cost(nlen, size) > MEMFS_XATTR_MAX)
		rc = -ENOSPC;
	else if (!xattr_account(i, (long)mx_cost(nlen, size) - (long)freed))
		rc = -ENOSPC;
	if (!rc) {
		nx->next = old ? old->next : NULL;
		*pp = nx;
		i->xattr_bytes = i->xattr_bytes - freed + mx_cost(nlen, size);
		nx = old;		/* freed below */
	}
	mutex_unlock(&i->lock);
	kfree(nx);
	return rc;
}

static long memfs_listxattr(struct inode *i, char *buf, size_t size)
{
	long n = 0;

	mutex_lock(&i->lock);
	for (struct memfs_xattr *x = i->xattrs; x; x = x->next) {
		size_t len = strlen(x->name) + 1;

		if (size && (size_t)n + len > size) {
			n = -ERANGE;
			break;
		}
		if (size)
			memcpy(buf + n, x->name, len);
		n += (long)len;
	}
	mutex_unlock(&i->lock);
	return n;
}

static int memfs_removexattr(struct inode *i, const char *name)
{
	mutex_lock(&i->lock);
	struct memfs_xattr **pp = mx_find(i, name), *x = *pp;

	if (x) {
		*pp = x->next;
		i->xattr_bytes -= mx_cost(strlen(x->name), x->size);
		xattr_account(i, -(long)mx_cost(strlen(x->name), x->size));
	}
	mutex_unlock(&i->lock);
	kfree(x);
	return x ? 0 : -ENODATA;
}

static void memfs_free_xattrs(struct inode *i)
{
	for (struct memfs_xattr *x = i->xattrs, *next; x; x = next) {
		next = x->next;
		kfree(x);
	}
	i->xattrs = NULL;
	if (i->xattr_bytes)
		xattr_account(i, -(long)i->xattr_bytes);
	i->xattr_bytes = 0;
}

static void memfs_evict(struct inode *inode)
{
	if (S_ISFIFO(inode->mode))
		fifo_evict(inode);
	struct memfs_sb *m = inode->priv;
	unsigned long fl = spin_lock_irqsave(&m->ino_lock);
	list_del_init(&inode->fh_link);
	spin_unlock_irqrestore(&m->ino_lock, fl);
	truncate_pages(inode, 0);
	memfs_free_xattrs(inode);
	kfree(inode->target);
	atomic_long_add_return(&((struct memfs_sb *)inode->priv)->inodes, -1);
	memfs_sb_put(inode->priv);
}

/* fallocate on a hugetlbfs file (Linux's hugetlbfs_fallocate): whole
 * huge pages; a punched hole frees the huge pages wholly inside it (and
 * takes them out of every mapping) and zeroes the parts of the others. */
static int huge_fallocate(struct inode *i, int mode, u64 off, u64 len)
{
	u64 end = off + len;
	int rc = 0, err;

	mutex_lock(&i->lock);
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		u64 hs = (off + HPAGE_SIZE - 1) / HPAGE_SIZE, he = end / HPAGE_SIZE;
		if (i->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
			rc = -EPERM;
		/* the entries there, not every index: the hole may be huge */
		for (u64 h = hs; !rc && h < he; h++) {
			unsigned long fl = spin_lock_irqsave(&memfs_pages);
			struct page *p = page_tree_next(&i->pages, &h);
			if (p && h < he) {
				page_tree_remove(&i->pages, h);
				put_huge_entry(p);
				uncharge(i, 1);
			}
			spin_unlock_irqrestore(&memfs_pages, fl);
			if (!p)
				break;
		}
		if (!rc && hs < he)
			rmap_unmap(&i->mappings, hs * HPAGE_NR, he * HPAGE_NR);
		for (u64 at = off; !rc && at < end && at < i->size;) {	/* the partial parts */
			u64 k = MIN(PAGE_SIZE - at % PAGE_SIZE, end - at);
			struct page *p = lookup_page(i, at / PAGE_SIZE);
			if (at / HPAGE_SIZE >= hs && at / HPAGE_SIZE < he) {
				at = he * HPAGE_SIZE;
				continue;
			}
			if (p)
				memset((u8 *)page_to_virt(p) + at % PAGE_SIZE, 0, k);
			at += k;
		}
	} else {
		if (!(mode & FALLOC_FL_KEEP_SIZE) && end > i->size && (i->seals & F_SEAL_GROW))
			rc = -EPERM;
		for (u64 h = off / HPAGE_SIZE; !rc && h < (end + HPAGE_SIZE - 1) / HPAGE_SIZE; h++) {
			if (fatal_signal_pending())
				rc = -EINTR;
			else if (!huge_page_at(i, h * HPAGE_NR, false, &err))
				rc = err;
		}
		if (!rc && !(mode & FALLOC_FL_KEEP_SIZE) && end > i->size)
			i->size = end;
	}
	if (!rc)
		i->mtime = i->ctime = vfs_now();
	mutex_unlock(&i->lock);
	return rc;
}

bool memfs_is_huge(const struct inode *i)
{
	return i->iop == &memfs_iops && is_huge(i);
}

/*
 * mmap of [off, off + len) of a hugetlbfs file (both huge-aligned):
 * unless noreserve, every huge page of it the file does not have yet is
 * reserved in the pool and marked in the file, so faults on it cannot
 * fail (-ENOMEM now instead, as Linux). A writable mapping grows the
 * file to its end, as Linux.
 */
static int huge_reserve_locked(struct inode *i, u64 off, u64 len, bool write, bool noreserve);

int memfs_huge_reserve(struct inode *i, u64 off, u64 len, bool write, bool noreserve)
{
	mutex_lock(&i->lock);
	int rc = huge_reserve_locked(i, off, len, write, noreserve);
	mutex_unlock(&i->lock);
	return rc;
}

/* A file no one else can reach yet (shmget makes it under the IPC lock,
 * which ranks below the inode mutex): no lock needed. */
int memfs_huge_reserve_new(struct inode *i, u64 off, u64 len, bool noreserve)
{
	return huge_reserve_locked(i, off, len, false, noreserve);
}

static int huge_reserve_locked(struct inode *i, u64 off, u64 len, bool write, bool noreserve)
{
	u64 first = off / HPAGE_SIZE, end = (off + len) / HPAGE_SIZE, n = 0, used = 0;
	struct hugetlb_counts c;
	unsigned long fl;
	int rc = 0;

	hugetlb_counts(&c);
	if (!noreserve && end - first > c.total + c.overcommit)
		rc = -ENOMEM;	/* more than the pool could ever hold: no walk */
	for (u64 h = first; !rc && !noreserve && h < end; h++) {
		fl = spin_lock_irqsave(&memfs_pages);
		n += page_tree_lookup(&i->pages, h) ? 0 : 1;
		spin_unlock_irqrestore(&memfs_pages, fl);
	}
	if (!rc && n && !charge_n(i, n))
		rc = -ENOMEM;	/* past the filesystem's size= */
	if (!rc && n && (rc = hugetlb_reserve(n)))
		uncharge(i, n);
	if (rc)
		n = 0;		/* nothing charged or reserved to give back */
	for (u64 h = first; !rc && n && h < end && used < n; h++) {
		fl = spin_lock_irqsave(&memfs_pages);
		if (!page_tree_lookup(&i->pages, h) && !page_tree_insert(&i->pages, h, RESV_MARK))
			used++;
		spin_unlock_irqrestore(&memfs_pages, fl);
	}
	if (used < n) {		/* filled meanwhile by faults (or no tree node) */
		hugetlb_unreserve(n - used);
		uncharge(i, n - used);
	}
	if (!rc && write && i->size < off + len) {
		fl = spin_lock_irqsave(&memfs_pages);
		WRITE_ONCE(i->size, off + len);
		spin_unlock_irqrestore(&memfs_pages, fl);
	}
	return rc;
}

/*
 * fallocate(2): zeroed pages for the range, the size grown to its end
 * unless FALLOC_FL_KEEP_SIZE (pages past the end stay, zero, until a
 * truncate below them). A punched hole frees its whole pages and zeroes
 * the parts of the others; a mapping keeps the page it holds.
 */
static int memfs_fallocate(struct inode *i, int mode, u64 off, u64 len)
{
	u64 end = off + len;	/* the VFS checked it fits */
	int rc = 0, err;

	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;
	if (is_huge(i))
		return huge_fallocate(i, mode, off, len);
	mutex_lock(&i->lock);
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		if (i->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
			rc = -EPERM;
		/* from page to present page, not index by index: a sparse
		 * file of 2^43 bytes punched whole took hours, unkillable,
		 * with i->lock held (found by make fuzz-syscalls) */
		u64 stop = MIN(end, i->size);
		for (u64 at = off; !rc && at < stop;) {
			u64 idx = at / PAGE_SIZE;
			unsigned long fl = spin_lock_irqsave(&memfs_pages);
			struct page *p = page_tree_next(&i->pages, &idx);
			if (!p || idx >= pages_of(stop)) {
				spin_unlock_irqrestore(&memfs_pages, fl);
				break;
			}
			at = MAX(at, idx * PAGE_SIZE);
			u64 o = at % PAGE_SIZE, k = MIN(PAGE_SIZE - o, end - at);
			if (k == PAGE_SIZE)
				page_tree_remove(&i->pages, idx);
			spin_unlock_irqrestore(&memfs_pages, fl);
			if (k == PAGE_SIZE) {
				put_data_page(p);
				uncharge(i, 1);
			} else {
				memset((u8 *)page_to_virt(p) + o, 0, k);
			}
			at += k;
		}
	} else {
		if (!(mode & FALLOC_FL_KEEP_SIZE) && end > i->size && (i->seals & F_SEAL_GROW))
			rc = -EPERM;
		for (u64 idx = off / PAGE_SIZE; !rc && idx < pages_of(end); idx++) {
			if (fatal_signal_pending())
				rc = -EINTR;	/* a huge range: killable */
			else if (!page_at(i, idx, false, &err))
				rc = err;
		}
		if (!rc && !(mode & FALLOC_FL_KEEP_SIZE) && end > i->size)
			i->size = end;
		if (rc)		/* give back what it took past the end (KEEP_SIZE's too) */
			truncate_pages(i, pages_of(i->size));
	}
	if (!rc)
		i->mtime = i->ctime = vfs_now();
	mutex_unlock(&i->lock);
	return rc;
}

/* lseek SEEK_DATA / SEEK_HOLE (i->lock held, off < size): data is where
 * the file has pages (a punched hole or a truncate-grown tail has none). */
static int memfs_seek_data(struct inode *i, u64 off, bool hole, u64 *out)
{
	u64 idx = off / PAGE_SIZE, last = (i->size - 1) / PAGE_SIZE;
	unsigned long fl;

	if (!S_ISREG(i->mode) || is_huge(i)) {	/* hugetlbfs: all data, as Linux */
		*out = hole ? i->size : off;
		return 0;
	}
	if (!hole) {
		fl = spin_lock_irqsave(&memfs_pages);
		struct page *p = page_tree_next(&i->pages, &idx);
		spin_unlock_irqrestore(&memfs_pages, fl);
		if (!p || idx > last)
			return -ENXIO;
		*out = MAX(off, idx * PAGE_SIZE);
		return 0;
	}
	for (; idx <= last; idx++) {
		fl = spin_lock_irqsave(&memfs_pages);
		struct page *p = page_tree_lookup(&i->pages, idx);
		spin_unlock_irqrestore(&memfs_pages, fl);
		if (!p)
			break;
		if (idx % 4096 == 0 && fatal_signal_pending())
			return -EINTR;
	}
	*out = idx > last ? i->size : MAX(off, idx * PAGE_SIZE);
	return 0;
}

static const struct inode_ops memfs_iops = {
	/* tmpfs's set (Linux 6.0): kept in the inode, gone with it */
	.iflags_ok = FS_APPEND_FL | FS_IMMUTABLE_FL | FS_NODUMP_FL | FS_NOATIME_FL,
	.fallocate = memfs_fallocate,
	.seek_data = memfs_seek_data,
	.lookup = memfs_lookup,
	.mknod = memfs_mknod,
	.tmpfile = memfs_tmpfile,
	.link = memfs_link,
	.unlink = memfs_unlink,
	.readlink = memfs_readlink,
	.truncate = memfs_truncate,
	.mmap_page = memfs_mmap_page,
	.mmap_resident = memfs_mmap_resident,
	.evict = memfs_evict,
	.getxattr = memfs_getxattr,
	.setxattr = memfs_setxattr,
	.listxattr = memfs_listxattr,
	.removexattr = memfs_removexattr,
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
	mutex_unlock(&i->lock);	/* the access time: file_accessed */
	return done ? (long)done : rc;
}

/* Caller holds i->lock: -EPERM if the seals forbid writing n at pos. */
static int write_sealed(struct inode *i, u64 pos, size_t n)
{
	if (i->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return n ? -EPERM : 0;
	if ((i->seals & F_SEAL_GROW) && pos + n > i->size)
		return -EPERM;
	return 0;
}

static long memfs_write(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct inode *i = f->inode;
	size_t done = 0;
	long rc = 0;

	if (is_huge(i))
		return -EINVAL;		/* hugetlbfs has no write, as Linux */
	mutex_lock(&i->lock);
	if (f->flags & O_APPEND)
		*pos = i->size;
	if (!(rc = vfs_write_limit(i, *pos, &n)))	/* no size past 2^63 - 1 */
		rc = write_sealed(i, *pos, n);
	if (rc) {
		mutex_unlock(&i->lock);
		return rc;
	}
	while (done < n) {
		u64 off = *pos % PAGE_SIZE;
		size_t k = (size_t)MIN((u64)(n - done), PAGE_SIZE - off);
		int err;
		struct page *p = page_at(i, *pos / PAGE_SIZE, false, &err);
		if (!p) {
			rc = -ENOSPC;	/* out of memory too, as before */
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

static int memfs_statfs(struct super_block *sb, struct kstatfs *st)
{
	struct memfs_sb *m = sb->priv;
	u64 used = (u64)atomic_long_read(&m->used);
	u64 blocks = m->limit == NO_LIMIT ? page_alloc_total_count() : m->limit;

	u64 files = m->max_inodes == NO_LIMIT ? 0 : m->max_inodes;	/* Linux: 0 for none */
	u64 inodes = (u64)atomic_long_read(&m->inodes);

	if (m->huge) {	/* Linux: blocks of 2 MiB, counts only with a size= */
		blocks = m->limit == NO_LIMIT ? 0 : m->limit;
		*st = (struct kstatfs){ .type = HUGETLBFS_MAGIC, .bsize = HPAGE_SIZE,
					.frsize = HPAGE_SIZE, .blocks = blocks,
					.bfree = blocks > used ? blocks - used : 0,
					.bavail = blocks > used ? blocks - used : 0,
					.files = files, .ffree = files > inodes ? files - inodes : 0,
					.namelen = NAME_MAX };
		return 0;
	}
	*st = (struct kstatfs){ .type = TMPFS_MAGIC, .bsize = PAGE_SIZE, .frsize = PAGE_SIZE,
				.blocks = blocks, .bfree = blocks > used ? blocks - used : 0,
				.bavail = blocks > used ? blocks - used : 0,
				.files = files, .ffree = files > inodes ? files - inodes : 0,
				.namelen = NAME_MAX };
	return 0;
}

static void memfs_put_super(struct super_block *sb)
{
	memfs_sb_put(sb->priv);
	sb->priv = NULL;
}

static u32 memfs_fh_generation(struct inode *i)
{
	return i->generation;
}

/* A handle's inode: live (a reference taken only while it is not
 * being evicted), named somewhere, and of the generation it had. */
static int memfs_fh_to_inode(struct super_block *sb, u64 ino, u32 gen, struct inode **out)
{
	struct memfs_sb *m = sb->priv;
	struct inode *i, *found = NULL;
	unsigned long fl = spin_lock_irqsave(&m->ino_lock);

	list_for_each_entry(i, &m->ino_table[ino % MEMFS_INO_BUCKETS], fh_link)
		if (i->ino == ino) {
			if (i->generation == gen && inode_tryget(i))
				found = i;
			break;
		}
	spin_unlock_irqrestore(&m->ino_lock, fl);
	if (!found)
		return -ESTALE;
	if (!READ_ONCE(found->nlink)) {	/* removed: as Linux, stale */
		inode_put(found);
		return -ESTALE;
	}
	*out = found;
	return 0;
}

static const struct super_ops memfs_sops = {
	.fh_generation = memfs_fh_generation,
	.fh_to_inode = memfs_fh_to_inode,
	.statfs = memfs_statfs,
	.put_super = memfs_put_super,
};

/* A decimal or (mode) octal number ending at the option's end. */
static int parse_num(const char *s, const char *end, unsigned base, u64 *out)
{
	u64 v = 0;

	if (s == end)
		return -EINVAL;
	for (; s < end; s++) {
		if (*s < '0' || *s >= '0' + (int)base)
			return -EINVAL;
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, (u64)(*s - '0'), &v))
			return -EINVAL;
	}
	*out = v;
	return 0;
}

/* size=: bytes, or with k, m, g (binary) or % of RAM; rounded up to pages. */
static int parse_size(const char *s, const char *end, u64 *pages)
{
	u64 total = page_alloc_total_count(), v, shift = 0;
	char unit = end > s ? end[-1] | 0x20 : 0;

	if (unit == 'k' || unit == 'm' || unit == 'g' || end[-1] == '%')
		end--;
	if (parse_num(s, end, 10, &v))
		return -EINVAL;
	if (*end == '%') {
		if (__builtin_mul_overflow(v, total, &v))
			return -EINVAL;
		*pages = v / 100;
		return 0;
	}
	shift = unit == 'k' ? 10 : unit == 'm' ? 20 : unit == 'g' ? 30 : 0;
	if (shift && v > (NO_LIMIT >> shift))
		return -EINVAL;
	v <<= shift;
	if (__builtin_add_overflow(v, PAGE_SIZE - 1, &v))
		return -EINVAL;
	*pages = v / PAGE_SIZE;
	return 0;
}

/* nr_inodes=: a number, with k, m or g (binary) as tmpfs. */
static int parse_count(const char *s, const char *end, u64 *out)
{
	char unit = end > s ? end[-1] | 0x20 : 0;
	unsigned shift = unit == 'k' ? 10 : unit == 'm' ? 20 : unit == 'g' ? 30 : 0;

	if (shift)
		end--;
	if (parse_num(s, end, 10, out) || (shift && *out > (NO_LIMIT >> shift)))
		return -EINVAL;
	*out <<= shift;
	return 0;
}

/* tmpfs's options; anything else is -EINVAL. Each found is stored
 * (size= and nr_inodes= of 0: NO_LIMIT, but hugetlbfs size= of under
 * 2 MiB: no page), the others left as they are. */
struct memfs_opts {
	u64 limit, inodes;
	u32 mode, uid, gid;
	bool huge;	/* hugetlbfs: pagesize= too; size= in huge pages */
};

static int parse_options(const char *opts, struct memfs_opts *o)
{
	while (opts && *opts) {
		const char *end = strchr(opts, ',');
		if (!end)
			end = opts + strlen(opts);
		const char *eq = memchr(opts, '=', (size_t)(end - opts));
		size_t klen = eq ? (size_t)(eq - opts) : (size_t)(end - opts);
		u64 v;
		if (!eq) {
			if (!(klen == 2 && (!strncmp(opts, "rw", 2) || !strncmp(opts, "ro", 2))))
				return -EINVAL;
		} else if (klen == 4 && !strncmp(opts, "size", 4)) {
			if (parse_size(eq + 1, end, &v))
				return -EINVAL;
			/* hugetlbfs: whole huge pages, rounded down, and 0 (size=0,
			 * size=1M) a limit of no page at all, as Linux's subpool;
			 * tmpfs: size=0 is unlimited */
			if (o->huge)
				o->limit = v / HPAGE_NR;
			else
				o->limit = v ? v : NO_LIMIT;
		} else if (o->huge && klen == 8 && !strncmp(opts, "pagesize", 8)) {
			/* the one size there is: 2 MiB (2097152, 2048k, 2m) */
			if (parse_size(eq + 1, end, &v) || v != HPAGE_NR || end[-1] == '%')
				return -EINVAL;
		} else if (klen == 4 && !strncmp(opts, "mode", 4)) {
			if (parse_num(eq + 1, end, 8, &v) || v > 07777)
				return -EINVAL;
			o->mode = (u32)v;
		} else if (klen == 3 && (!strncmp(opts, "uid", 3) || !strncmp(opts, "gid", 3))) {
			if (parse_num(eq + 1, end, 10, &v) || v > 0xfffffffeULL)
				return -EINVAL;
			*(opts[0] == 'u' ? &o->uid : &o->gid) = (u32)v;
		} else if (klen == 9 && !strncmp(opts, "nr_inodes", 9)) {
			if (parse_count(eq + 1, end, &v))
				return -EINVAL;
			o->inodes = v ? v : NO_LIMIT;
		} else {
			return -EINVAL;
		}
		opts = *end ? end + 1 : end;
	}
	return 0;
}

static int create_fs(const char *opts, bool huge, struct super_block **out)
{
	/* tmpfs's defaults: half of RAM, as many inodes as half its pages;
	 * hugetlbfs's: no limits, a root directory of 0755 */
	struct memfs_opts o = { .limit = page_alloc_total_count() / 2,
				.inodes = page_alloc_total_count() / 2, .mode = 01777 };
	if (huge)
		o = (struct memfs_opts){ .limit = NO_LIMIT, .inodes = NO_LIMIT, .mode = 0755,
					 .huge = true };
	int rc = parse_options(opts, &o), err = -ENOMEM;

	if (rc)
		return rc;
	struct super_block *sb = sb_create(huge ? "hugetlbfs" : "memfs");
	struct memfs_sb *m = sb ? kzalloc(sizeof(*m), GFP_KERNEL) : NULL;
	struct inode *root = NULL;

	if (m) {
		atomic_set(&m->refs, 1);	/* the super block's */
		spin_lock_init(&m->ino_lock, "memfs-inos", LR_MEMFS_INOS);
		for (int k = 0; k < MEMFS_INO_BUCKETS; k++)
			list_init(&m->ino_table[k]);
		m->limit = o.limit;
		m->max_inodes = o.inodes;
		m->huge = huge;
		sb->priv = m;
		sb->sop = &memfs_sops;
		root = memfs_new_inode(sb, S_IFDIR | o.mode, 0, &err);
	}
	if (root) {
		root->uid = o.uid;
		root->gid = o.gid;
	}
	if (!root || sb_set_root(sb, root)) {
		inode_put(root);
		memfs_sb_put(m);
		kfree(sb);
		return err;	/* nr_inodes=1 leaves room for the root only */
	}
	*out = sb;
	return 0;
}

int memfs_create_opts(const char *opts, struct super_block **out)
{
	return create_fs(opts, false, out);
}

int hugetlbfs_create_opts(const char *opts, struct super_block **out)
{
	return create_fs(opts, true, out);
}

int memfs_remount(struct super_block *sb, const char *opts)
{
	struct memfs_sb *m = sb->priv;
	struct memfs_opts o = { .limit = m->limit, .inodes = m->max_inodes, .huge = m->huge };
	int rc = parse_options(opts, &o);	/* mode, uid, gid: kept, as tmpfs */

	if (rc)
		return rc;
	if ((u64)atomic_long_read(&m->used) > o.limit ||
	    (u64)atomic_long_read(&m->inodes) > o.inodes)
		return -EINVAL;		/* "too small for current use", as tmpfs */
	WRITE_ONCE(m->limit, o.limit);
	WRITE_ONCE(m->max_inodes, o.inodes);
	return 0;
}

struct super_block *memfs_create(void)
{
	struct super_block *sb;

	if (memfs_create_opts(NULL, &sb))
		return NULL;
	sb->root->inode->mode = S_IFDIR | 0755;
	return sb;
}

/*
 * The memory behind shared anonymous mappings (MAP_SHARED|MAP_ANONYMOUS):
 * an unlinked file of size bytes on a memory filesystem of its own, as
 * Linux's shmem, so fork shares its pages like those of any shared file
 * mapping. Made at boot (memfs_anon_init); its pages count as memory,
 * not against a size limit.
 */
static struct super_block *anon_sb;
/* Its mount: in no tree and no list (mountinfo does not show it), for
 * memfds' paths, so /proc/<pid>/fd/N reopens one. Never freed. */
static struct mount *anon_mnt;
/* The same for huge pages (MAP_HUGETLB, SHM_HUGETLB, MFD_HUGETLB): an
 * internal hugetlbfs, as Linux's hugetlbfs_vfsmount. */
static struct super_block *huge_sb;
static struct mount *huge_mnt;

static struct mount *internal_mount(struct super_block *sb)
{
	struct mount *m = kzalloc(sizeof(*m), GFP_KERNEL);

	if (!m)
		panic("memfs: cannot create the shared-memory filesystem");
	atomic_set(&m->count, 1);
	m->flags = MNT_INTERNAL;	/* Landlock leaves it alone, as Linux's shm_mnt */
	m->root = dentry_get(sb->root);
	list_init(&m->children);
	list_init(&m->child);
	list_init(&m->all);
	list_init(&m->detached);
	return m;
}

void memfs_anon_init(void)
{
	for (int k = 0; k < HUGE_FAULT_MUTEXES; k++)
		mutex_init(&huge_fault_mutex[k], "hugetlb-fault", LR_MUTEX_HUGETLB_FAULT);
	if (memfs_create_opts("size=0,nr_inodes=0", &anon_sb) ||
	    hugetlbfs_create_opts(NULL, &huge_sb))
		panic("memfs: cannot create the shared-memory filesystem");
	anon_mnt = internal_mount(anon_sb);
	huge_mnt = internal_mount(huge_sb);
}

static int anon_file_on(struct super_block *sb, u64 size, struct file **out)
{
	int err;
	struct inode *i = memfs_new_inode(sb, S_IFREG | 0600, 0, &err);

	if (!i)
		return err;
	inode_init_owner(i, NULL);	/* fstat shows its creator */
	i->nlink = 0;
	i->size = size;
	*out = file_alloc(i, NULL, O_RDWR);
	inode_put(i);		/* the file holds it */
	return *out ? 0 : -ENOMEM;
}

int memfs_anon_file(u64 size, struct file **out)
{
	return anon_file_on(anon_sb, size, out);
}

int hugetlb_anon_file(u64 size, struct file **out)
{
	return anon_file_on(huge_sb, size, out);
}

/*
 * memfd_create: an unlinked file on the shared-memory filesystem. Its
 * name, "memfd:NAME", is kept where a symlink's target would be: /proc
 * shows it as "/memfd:NAME (deleted)", as Linux. Without
 * MFD_ALLOW_SEALING it carries F_SEAL_SEAL, so no seal can be added.
 */
int memfs_memfd(const char *name, u32 flags, struct file **out)
{
	bool noexec = flags & MFD_NOEXEC_SEAL;
	struct super_block *sb = flags & MFD_HUGETLB ? huge_sb : anon_sb;
	int err;
	struct inode *i = memfs_new_inode(sb, S_IFREG | (noexec ? 0666 : 0777), 0, &err);
	size_t n = strlen(name);

	if (!i)
		return err;
	inode_init_owner(i, NULL);
	i->nlink = 0;
	i->target = kmalloc(n + 7, GFP_KERNEL);
	if (!i->target) {
		inode_put(i);
		return -ENOMEM;
	}
	memcpy(i->target, "memfd:", 6);
	memcpy(i->target + 6, name, n + 1);
	if (flags & (MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL))
		i->seals = noexec ? F_SEAL_EXEC : 0;
	/* a path outside any tree, removed from the start, as an unlinked
	 * file's: its name is "memfd:NAME" */
	mutex_lock(&sb->ns_lock);
	inode_get(i);
	struct dentry *d = d_alloc_uncached(sb->root, i->target, strlen(i->target), i);
	if (d)
		d->dead = true;
	mutex_unlock(&sb->ns_lock);
	if (!d) {
		inode_put(i);
		return -ENOMEM;
	}
	struct path p = { mnt_get(sb == huge_sb ? huge_mnt : anon_mnt), d };
	*out = file_alloc(i, &p, O_RDWR | O_LARGEFILE);
	path_put(&p);
	inode_put(i);		/* the file holds it */
	return *out ? 0 : -ENOMEM;
}

const char *memfs_memfd_name(const struct inode *i)
{
	return i->iop == &memfs_iops && S_ISREG(i->mode) ? i->target : NULL;
}

bool memfs_write_sealed(struct inode *i)
{
	return i->iop == &memfs_iops &&
	       (READ_ONCE(i->seals) & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE));
}

#define SEALS_KNOWN (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | \
		     F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)

/* F_ADD_SEALS and F_GET_SEALS (Linux's memfd_fcntl). F_SEAL_WRITE is
 * -EBUSY while any shared mapping of the file exists (as Linux before
 * 6.7 counted them). */
long memfs_seals(struct file *f, int cmd, u32 seals)
{
	struct inode *i = f->inode;
	long rc = 0;

	if (!i || i->iop != &memfs_iops || !S_ISREG(i->mode))
		return -EINVAL;
	if (cmd == F_GET_SEALS)
		return READ_ONCE(i->seals);
	if (seals & ~SEALS_KNOWN)
		return -EINVAL;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EPERM;
	mutex_lock(&i->lock);
	if (i->seals & F_SEAL_SEAL) {
		rc = -EPERM;
	} else if ((seals & F_SEAL_WRITE) && !(i->seals & F_SEAL_WRITE)) {
		unsigned long fl = spin_lock_irqsave(&i->mappings.lock);
		if (i->mappings.nr_shared)
			rc = -EBUSY;
		spin_unlock_irqrestore(&i->mappings.lock, fl);
	}
	if (!rc)
		WRITE_ONCE(i->seals, i->seals | seals);
	mutex_unlock(&i->lock);
	return rc;
}
