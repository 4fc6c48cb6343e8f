/*
 * VFS objects: inodes, dentries and the dentry hash, superblocks, and the
 * iobuf copy helpers. A dentry linked into the tree holds one reference
 * for the tree (dropped by d_delete) and one on its parent, so a parent
 * outlives its children and an unlinked but open file keeps its inode.
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/flock.h>
#include <alloy/inotify.h>
#include <alloy/lockrank.h>
#include <alloy/process.h>
#include <alloy/rlimit.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/task.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>
#include <uapi/capability.h>

#define HASH_BITS 12
#define HASH_SIZE (1u << HASH_BITS)

static struct list_head dcache[HASH_SIZE];
/* Every hashed dentry, least recently looked up first [dcache_lock]. */
static struct list_head dcache_lru = LIST_HEAD_INIT(dcache_lru);
static u64 dcache_lru_len;	/* [dcache_lock] */
static spinlock_t dcache_lock = SPINLOCK_INIT("dcache", LR_DCACHE);
static spinlock_t alias_lock = SPINLOCK_INIT("dentry-alias", LR_DENTRY_ALIAS);
static atomic_t next_dev = { 1 };

int iob_copy_out(struct iobuf b, size_t off, const void *src, size_t n)
{
	if (b.kernel) {
		memcpy((u8 *)b.addr + off, src, n);
		return 0;
	}
	return copy_to_user((void *)(b.addr + off), src, n);
}

int iob_copy_in(void *dst, struct iobuf b, size_t off, size_t n)
{
	if (b.kernel) {
		memcpy(dst, (const u8 *)b.addr + off, n);
		return 0;
	}
	return copy_from_user(dst, (const void *)(b.addr + off), n);
}

int iob_copy_in_nofault(void *dst, struct iobuf b, size_t off, size_t n)
{
	if (b.kernel) {
		memcpy(dst, (const u8 *)b.addr + off, n);
		return 0;
	}
	return copy_from_user_nofault(dst, (const void *)(b.addr + off), n);
}

int iob_zero(struct iobuf b, size_t off, size_t n)
{
	static const u8 zeros[256];

	while (n) {
		size_t k = MIN(n, sizeof(zeros));
		if (iob_copy_out(b, off, zeros, k))
			return -EFAULT;
		off += k;
		n -= k;
	}
	return 0;
}

struct timespec64 vfs_now(void)
{
	u64 ns = wall_clock_ns();

	return (struct timespec64){ (s64)(ns / 1000000000ULL), (s64)(ns % 1000000000ULL) };
}

u64 sb_maxbytes(const struct super_block *sb)
{
	return sb && sb->maxbytes ? MIN(sb->maxbytes, MAX_FILE_SIZE) : MAX_FILE_SIZE;
}

int vfs_fsize_check(u64 size)
{
	if (size <= rlimit(RLIMIT_FSIZE))
		return 0;
	struct ksiginfo si = { .signo = SIGXFSZ, .code = SI_USER };
	if (current_proc())
		signal_send(current_proc(), &si);
	return -EFBIG;
}

int vfs_write_limit(const struct inode *i, u64 pos, size_t *n)
{
	u64 max = sb_maxbytes(i->sb), lim = rlimit(RLIMIT_FSIZE);

	if (!*n)
		return 0;
	/* RLIMIT_FSIZE, on regular files: a write that crosses it is cut
	 * short, one that starts at or past it is SIGXFSZ and EFBIG */
	if (S_ISREG(i->mode) && lim < max) {
		if (pos >= lim)
			return vfs_fsize_check(pos + 1);
		max = lim;
	}
	if (pos >= max)
		return -EFBIG;
	if (*n > max - pos)
		*n = (size_t)(max - pos);
	return 0;
}

/* The set-ID bits a change of i's data by the current process clears:
 * set-group-ID without group execute marks mandatory locking and stays;
 * the kernel's own writes (no process: a core dump's) clear nothing. */
static u32 privs_to_kill(const struct inode *i)
{
	u32 m = READ_ONCE(i->mode), kill = m & S_ISUID;

	if ((m & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		kill |= S_ISGID;
	return kill && S_ISREG(m) && current_proc() && !cap_effective(CAP_FSETID) ? kill : 0;
}

void inode_kill_privs_locked(struct inode *i)
{
	u32 kill = privs_to_kill(i);

	if (!kill)
		return;
	i->mode &= ~kill;
	i->ctime = vfs_now();
	inode_changed(i);
}

void inode_kill_privs(struct inode *i)
{
	if (!privs_to_kill(i))	/* no set-ID bit: the usual write */
		return;
	mutex_lock(&i->lock);
	inode_kill_privs_locked(i);
	mutex_unlock(&i->lock);
}

struct inode *inode_alloc(struct super_block *sb, u32 mode)
{
	struct inode *i = kzalloc(sizeof(*i), GFP_KERNEL);

	if (!i)
		return NULL;
	atomic_set(&i->refcount, 1);
	i->ino = (u64)atomic_long_add_return(&sb->next_ino, 1);
	i->mode = mode;
	i->nlink = 1;
	i->sb = sb;
	i->atime = i->mtime = i->ctime = vfs_now();
	mutex_init(&i->lock, "inode", LR_MUTEX_INODE);
	rmap_init(&i->mappings);
	return i;
}

void inode_get(struct inode *i)
{
	atomic_inc(&i->refcount);
}

/* Increment if not zero: a count that reached zero stays there, so an
 * inode whose last inode_put is evicting it cannot be revived by a
 * cache that still lists it (read-then-inc would race with that put). */
bool inode_tryget(struct inode *i)
{
	int n = atomic_read(&i->refcount);

	while (n > 0 && !atomic_cmpxchg(&i->refcount, n, n + 1))
		n = atomic_read(&i->refcount);
	return n > 0;
}

struct dentry *d_find_dir_alias(struct inode *i)
{
	unsigned long fl = spin_lock_irqsave(&alias_lock);
	struct dentry *d = i->alias;

	if (d) {	/* only a live one: at 0 its last put is freeing it */
		int n = atomic_read(&d->refcount);
		while (n > 0 && !atomic_cmpxchg(&d->refcount, n, n + 1))
			n = atomic_read(&d->refcount);
		if (n <= 0)
			d = NULL;
	}
	spin_unlock_irqrestore(&alias_lock, fl);
	return d;
}

void inode_put(struct inode *i)
{
	if (!i || !atomic_dec_and_test(&i->refcount))
		return;
	if (i->iop && i->iop->evict)
		i->iop->evict(i);
	flock_inode_free(i);
	inotify_inode_free(i);
	kfree(i);
}

static unsigned int hash(const struct dentry *parent, const char *name, size_t len)
{
	u64 h = (u64)(uintptr_t)parent * 0x9e3779b97f4a7c15ULL;

	for (size_t k = 0; k < len; k++)
		h = (h ^ (u8)name[k]) * 0x100000001b3ULL;
	return (unsigned int)(h >> (64 - HASH_BITS));
}

static u64 dcache_shrink(u64 nr);

static void dcache_init(void)
{
	static bool done;

	if (done)
		return;
	for (unsigned int k = 0; k < HASH_SIZE; k++)
		list_init(&dcache[k]);
	mm_register_shrinker(dcache_shrink);
	done = true;
}

struct dentry *dentry_get(struct dentry *d)
{
	atomic_inc(&d->refcount);
	return d;
}

void dentry_put(struct dentry *d)
{
	while (d && atomic_dec_and_test(&d->refcount)) {
		struct dentry *parent = d->parent != d ? d->parent : NULL;
		struct inode *i = d->inode;
		if (i && READ_ONCE(i->alias) == d) {	/* no handle finds it now */
			unsigned long fl = spin_lock_irqsave(&alias_lock);
			if (i->alias == d)
				i->alias = NULL;
			spin_unlock_irqrestore(&alias_lock, fl);
		}
		/* its last name and last dentry gone: inotify's DELETE_SELF
		 * (the watches' references keep it until they are dropped) */
		if (i && !atomic_add_return(&i->dentries, -1) && !READ_ONCE(i->nlink) &&
		    fsnotify_on(i))
			fsnotify_inoderemove_slow(i);
		inode_put(i);
		kfree(d->name);
		kfree(d);
		d = parent;
	}
}

static struct dentry *dentry_alloc(const char *name, size_t len)
{
	struct dentry *d = kzalloc(sizeof(*d), GFP_KERNEL);
	char *n = kmalloc(len + 1, GFP_KERNEL);

	if (!d || !n) {
		kfree(d);
		kfree(n);
		return NULL;
	}
	d->name = n;
	n[len] = '\0';
	atomic_set(&d->refcount, 1);
	list_init(&d->children);
	list_init(&d->sibling);
	list_init(&d->hash_link);
	list_init(&d->lru);
	memcpy(d->name, name, len);
	d->name_len = (u8)len;
	d->next_cookie = 3;	/* 1 and 2 are "." and ".." */
	return d;
}

struct dentry *d_lookup(struct dentry *parent, const char *name, size_t len)
{
	struct list_head *bucket = &dcache[hash(parent, name, len)];
	struct dentry *found = NULL, *d;
	unsigned long flags = spin_lock_irqsave(&dcache_lock);

	list_for_each_entry(d, bucket, hash_link) {
		if (d->parent == parent && d->name_len == len && !memcmp(d->name, name, len)) {
			found = dentry_get(d);
			list_del(&d->lru);
			list_add_tail(&d->lru, &dcache_lru);
			break;
		}
	}
	spin_unlock_irqrestore(&dcache_lock, flags);
	return found;
}

static void hash_insert(struct dentry *d)
{
	unsigned long flags = spin_lock_irqsave(&dcache_lock);

	list_add(&d->hash_link, &dcache[hash(d->parent, d->name, d->name_len)]);
	list_add_tail(&d->lru, &dcache_lru);
	dcache_lru_len++;
	spin_unlock_irqrestore(&dcache_lock, flags);
}

static void hash_remove(struct dentry *d)
{
	unsigned long flags = spin_lock_irqsave(&dcache_lock);

	list_del_init(&d->hash_link);
	if (!list_empty(&d->lru)) {
		list_del_init(&d->lru);
		dcache_lru_len--;
	}
	spin_unlock_irqrestore(&dcache_lock, flags);
}

/* A child of parent holding inode (whose reference it takes over). */
static struct dentry *d_child(struct dentry *parent, const char *name, size_t len,
			      struct inode *inode)
{
	struct dentry *d = dentry_alloc(name, len);

	if (!d) {
		inode_put(inode);
		return NULL;
	}
	d->inode = inode;
	if (inode)
		atomic_inc(&inode->dentries);
	if (inode && S_ISDIR(inode->mode)) {
		unsigned long fl = spin_lock_irqsave(&alias_lock);
		inode->alias = d;
		spin_unlock_irqrestore(&alias_lock, fl);
	}
	d->sb = parent->sb;
	d->parent = dentry_get(parent);
	return d;
}

struct dentry *d_add(struct dentry *parent, const char *name, size_t len,
		     struct inode *inode)
{
	struct dentry *d = d_child(parent, name, len, inode);

	if (!d)
		return NULL;
	d->cookie = parent->next_cookie++;
	list_add_tail(&d->sibling, &parent->children);
	hash_insert(d);
	return d;	/* its reference is the tree's */
}

struct dentry *d_alloc_uncached(struct dentry *parent, const char *name, size_t len,
				struct inode *inode)
{
	struct dentry *d = d_child(parent, name, len, inode);

	if (d)
		d->uncached = true;
	return d;	/* the caller's: the tree holds none */
}

void d_delete(struct dentry *d)
{
	hash_remove(d);
	list_del_init(&d->sibling);
	d->dead = true;
	if (!d->uncached)
		dentry_put(d);	/* the tree's reference */
}

static char *name_dup(const char *name, size_t len)
{
	char *n = kmalloc(len + 1, GFP_KERNEL);

	if (n) {
		memcpy(n, name, len);
		n[len] = '\0';
	}
	return n;
}

/* d becomes newparent's child called n (len bytes, kmalloc'ed: d owns it). */
static void d_move_name(struct dentry *d, struct dentry *newparent, char *n, size_t len)
{
	hash_remove(d);
	list_del_init(&d->sibling);
	struct dentry *old = d->parent;
	char *oldname = d->name;
	dentry_get(newparent);
	/* name and parent change as one under the dcache lock, where
	 * dentry_parent_watched reads them without the ns_lock */
	unsigned long fl = spin_lock_irqsave(&dcache_lock);
	d->name = n;
	d->name_len = (u8)len;
	d->parent = newparent;
	spin_unlock_irqrestore(&dcache_lock, fl);
	kfree(oldname);
	if (!d->uncached) {
		d->cookie = newparent->next_cookie++;
		list_add_tail(&d->sibling, &newparent->children);
		hash_insert(d);
	}
	dentry_put(old);
}

int d_move(struct dentry *d, struct dentry *newparent, const char *name, size_t len)
{
	char *n = name_dup(name, len);

	if (!n)
		return -ENOMEM;
	d_move_name(d, newparent, n, len);
	return 0;
}

int d_exchange(struct dentry *a, struct dentry *b)
{
	char *na = name_dup(b->name, b->name_len), *nb = name_dup(a->name, a->name_len);
	size_t la = b->name_len, lb = a->name_len;
	struct dentry *pa = dentry_get(a->parent), *pb = dentry_get(b->parent);

	if (!na || !nb) {
		kfree(na);
		kfree(nb);
		dentry_put(pa);
		dentry_put(pb);
		return -ENOMEM;
	}
	d_move_name(a, pb, na, la);
	d_move_name(b, pa, nb, lb);
	dentry_put(pa);
	dentry_put(pb);
	return 0;
}

struct inode *dentry_parent_watched(struct dentry *d, u32 ev, char *name, size_t *len,
				    bool *unlinked)
{
	struct inode *dir = NULL;
	unsigned long fl = spin_lock_irqsave(&dcache_lock);
	struct dentry *p = d->parent;

	/* p is held by d until d_move drops it, after its own dcache lock */
	if (p != d && p->inode && inotify_wants(p->inode, ev)) {
		inode_get(dir = p->inode);
		*len = d->name_len;
		memcpy(name, d->name, d->name_len);
		name[d->name_len] = '\0';
		*unlinked = d->dead;
	}
	spin_unlock_irqrestore(&dcache_lock, fl);
	return dir;
}

struct inode *dentry_parent_inode(struct dentry *d)
{
	struct inode *dir = NULL;
	unsigned long fl = spin_lock_irqsave(&dcache_lock);
	struct dentry *p = d->parent;

	if (p != d && p->inode)
		inode_get(dir = p->inode);
	spin_unlock_irqrestore(&dcache_lock, fl);
	return dir;
}

/* ---- giving memory back: unused dentries of filesystems that can find
 * their names again (SB_DCACHE_EVICT) go, oldest lookup first, and with
 * them the inodes only they held. Unused means the tree's reference is
 * the only one: no child (each holds its parent), no open file, working
 * directory, mount or walk. */

/* The next candidate, with a reference, rotated to the young end so a
 * busy one is not looked at again at once; NULL if none is unused. */
static struct dentry *lru_candidate(void)
{
	struct dentry *d = NULL;
	unsigned long flags = spin_lock_irqsave(&dcache_lock);

	if (!list_empty(&dcache_lru)) {
		d = list_first_entry(&dcache_lru, struct dentry, lru);
		list_del(&d->lru);
		list_add_tail(&d->lru, &dcache_lru);
		if (atomic_read(&d->refcount) == 1 && (d->sb->flags & SB_DCACHE_EVICT))
			dentry_get(d);
		else
			d = NULL;
	}
	spin_unlock_irqrestore(&dcache_lock, flags);
	return d;
}

/* Unhashes d if only the tree and the caller hold it: under the dcache
 * lock, so no lookup can take it in between and get a dead dentry. */
static bool unhash_if_unused(struct dentry *d)
{
	unsigned long flags = spin_lock_irqsave(&dcache_lock);
	bool unused = atomic_read(&d->refcount) == 2 && !d->dead && !list_empty(&d->lru);

	if (unused) {
		list_del_init(&d->hash_link);
		list_del_init(&d->lru);
		dcache_lru_len--;
	}
	spin_unlock_irqrestore(&dcache_lock, flags);
	return unused;
}

/* Frees about nr pages' worth; returns the pages' worth of heap freed. */
static u64 dcache_shrink(u64 nr)
{
	struct task *t = current_task();
	u64 want = nr * 8, freed = 0;	/* a dentry and its inode: ~0.5 KiB */
	size_t before = kmem_bytes_in_use();

	/* The namespace lock ranks before every other sleeping lock: only a
	 * caller that holds none may take it (a fault inside a write may not). */
	if (!t || t->mutex_depth)
		return 0;
	unsigned long flags = spin_lock_irqsave(&dcache_lock);
	u64 scan = dcache_lru_len;
	spin_unlock_irqrestore(&dcache_lock, flags);
	for (; scan && freed < want; scan--) {
		struct dentry *d = lru_candidate();
		if (!d)
			continue;
		struct super_block *sb = d->sb;
		if (!mutex_trylock(&sb->ns_lock)) {
			dentry_put(d);
			continue;
		}
		/* Ours and the tree's, still in the tree: drop both, the inode
		 * with them, under the ns_lock so no lookup asks the filesystem
		 * while the inode still counts a dentry (the alias rule). */
		if (unhash_if_unused(d)) {
			d_delete(d);
			freed++;
		}
		dentry_put(d);
		mutex_unlock(&sb->ns_lock);
	}
	size_t after = kmem_bytes_in_use();
	if (!freed)
		return 0;
	return after < before && before - after >= PAGE_SIZE ? (before - after) / PAGE_SIZE : 1;
}

struct super_block *sb_create(const char *type)
{
	struct super_block *sb = kzalloc(sizeof(*sb), GFP_KERNEL);

	dcache_init();
	if (!sb)
		return NULL;
	mutex_init(&sb->ns_lock, "fs-namespace", LR_MUTEX_NS);
	sb->type = type;
	sb->dev = (u32)atomic_add_return(&next_dev, 1);
	return sb;
}

int sb_set_root(struct super_block *sb, struct inode *root)
{
	struct dentry *d = dentry_alloc("/", 1);

	if (!d)
		return -ENOMEM;
	d->inode = root;
	atomic_inc(&root->dentries);
	d->sb = sb;
	d->parent = d;
	sb->root = d;
	return 0;
}

void inode_changed(struct inode *i)
{
	if (i->iop && i->iop->write_inode)
		i->iop->write_inode(i);
}

bool vfs_emit_dots(struct file *f, u64 *pos,
		   bool (*emit)(void *ctx, const char *name, size_t len, u64 ino, u32 mode,
				u64 next),
		   void *ctx)
{
	struct inode *i = f->inode;
	struct dentry *up = f->path.dentry ? f->path.dentry->parent : NULL;

	if (*pos == 0) {
		if (!emit(ctx, ".", 1, i->ino, S_IFDIR, 1))
			return false;
		*pos = 1;
	}
	if (*pos == 1) {
		u64 ino = up && up->inode ? up->inode->ino : i->ino;
		if (!emit(ctx, "..", 2, ino, S_IFDIR, 2))
			return false;
		*pos = 2;
	}
	return true;
}

int vfs_writable(const struct super_block *sb)
{
	return sb->flags & SB_RDONLY ? -EROFS : 0;
}

/* /proc/sys: a file that takes writes although procfs is read-only */
bool inode_tunable(const struct inode *i)
{
	return (i->sb->flags & SB_NOCACHE) && i->fop && i->fop->write;
}

u64 inode_blocks(struct inode *i)
{
	return i->iop && i->iop->blocks ? i->iop->blocks(i) : i->pages.nr_pages * 8;
}

/* Linux's generic_permission with root's capabilities: the owner's,
 * group's or others' bits, whichever class c falls in first. */
int inode_permission(const struct cred *c, const struct inode *i, int mask)
{
	u32 mode = READ_ONCE(i->mode), perm;

	mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
	if ((mask & MAY_WRITE) && inode_immutable(i))
		return -EPERM;	/* not even root writes an immutable inode */
	if (c->fsuid == READ_ONCE(i->uid))
		perm = mode >> 6;
	else if (cred_in_group(c, READ_ONCE(i->gid)))
		perm = mode >> 3;
	else
		perm = mode;
	if (!(mask & ~perm & 7))
		return 0;
	/* CAP_DAC_OVERRIDE: all but executing a file no one may execute */
	if (c->fsuid == 0 && (!(mask & MAY_EXEC) || S_ISDIR(mode) || (mode & S_IXUGO)))
		return 0;
	return -EACCES;
}

long vfs_ioctl_iflags(struct file *f, bool set, u64 uarg)
{
	struct inode *i = f->inode;
	u32 ok = i && i->iop ? i->iop->iflags_ok : 0, v;
	struct cred c;
	int rc = 0;

	if (!ok || !(S_ISREG(i->mode) || S_ISDIR(i->mode)))
		return -ENOTTY;
	if (!set) {
		v = READ_ONCE(i->iflags);
		return copy_to_user((void *)uarg, &v, sizeof(v)) ? -EFAULT : 0;
	}
	if (copy_from_user(&v, (const void *)uarg, sizeof(v)))
		return -EFAULT;
	cred_current(&c);
	if (!inode_owner_or_root(&c, i))
		return -EPERM;
	if ((rc = vfs_mnt_writable(f->path.mnt, i->sb)))
		return rc;	/* through a read-only mount or onto a read-only fs */
	mutex_lock(&i->lock);
	u32 old = i->iflags;
	if ((v ^ old) & ~ok)
		rc = -EOPNOTSUPP;	/* a flag this filesystem does not keep */
	else if (((v ^ old) & (FS_IMMUTABLE_FL | FS_APPEND_FL)) &&
		 !cap_effective(CAP_LINUX_IMMUTABLE))
		rc = -EPERM;
	else if (v != old) {
		if (i->iop->set_iflags)
			i->iop->set_iflags(i, v);
		__atomic_store_n(&i->iflags, v, __ATOMIC_RELEASE);
		i->ctime = vfs_now();
		inode_changed(i);
	}
	mutex_unlock(&i->lock);
	return rc;
}

bool inode_owner_or_root(const struct cred *c, const struct inode *i)
{
	return c->fsuid == READ_ONCE(i->uid) || c->fsuid == 0;
}

bool may_delete_sticky(const struct cred *c, const struct inode *dir,
		       const struct inode *victim)
{
	if (!(READ_ONCE(dir->mode) & S_ISVTX))
		return true;
	return c->fsuid == READ_ONCE(victim->uid) || c->fsuid == READ_ONCE(dir->uid) ||
	       c->fsuid == 0;
}

void inode_init_owner(struct inode *i, const struct inode *dir)
{
	struct cred c;

	cred_current(&c);
	i->uid = c.fsuid;
	if (dir && (dir->mode & S_ISGID)) {
		i->gid = dir->gid;
		if (S_ISDIR(i->mode))
			i->mode |= S_ISGID;
		else if ((i->mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
			 !cred_in_group(&c, i->gid) && c.fsuid != 0)
			i->mode &= ~S_ISGID;	/* Linux's mode_strip_sgid */
	} else {
		i->gid = c.fsgid;
	}
}

int vfs_mnt_writable(const struct mount *m, const struct super_block *sb)
{
	if (m && (READ_ONCE(m->flags) & MNT_RDONLY))
		return -EROFS;	/* a read-only mount of a writable filesystem */
	return sb ? vfs_writable(sb) : 0;
}

int vfs_path_writable(const struct path *p)
{
	return p ? vfs_mnt_writable(p->mnt, p->dentry ? p->dentry->sb : NULL) : 0;
}
