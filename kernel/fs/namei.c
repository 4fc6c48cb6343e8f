/*
 * Path walk and the namespace operations built on it. A walk holds a
 * reference on the path it stands on and takes a filesystem's namespace
 * lock only for one lookup at a time; symlinks are followed by recursion
 * on their target, at most SYMLOOP_MAX of them per walk. Paths are kernel
 * strings the syscall layer has copied in (at most PATH_MAX bytes).
 *
 * Permissions (docs/permissions.md): each operation takes one snapshot
 * of the caller's credentials and checks with it: search (execute) on
 * every directory a walk passes through, write and search on a directory
 * whose entries change, the sticky bit, and the file's own mode on open.
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/printf.h>
#include <alloy/inotify.h>
#include <alloy/atomic.h>
#include <alloy/landlock.h>
#include <alloy/sched.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/mnt_ns.h>
#include <alloy/process.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/vfs.h>

static struct mount *root_mnt;
spinlock_t mount_cross_lock = SPINLOCK_INIT("mount-cross", LR_MOUNT_CROSS);

struct mount *vfs_mount_at(struct mount *mnt, struct dentry *d)
{
	struct mount *m, *found = NULL;

	if (!READ_ONCE(d->mounted))
		return NULL;
	unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
	list_for_each_entry(m, &mnt->children, child) {
		if (m->mountpoint == d) {
			found = mnt_get(m);
			dentry_get(m->root);
			break;
		}
	}
	spin_unlock_irqrestore(&mount_cross_lock, fl);
	return found;
}

struct mount *mnt_get(struct mount *m)
{
	if (m)
		atomic_inc(&m->count);
	return m;
}

/* The tree's count goes only once the mount is out of it (unmounted), so
 * the last count here is of a mount no walk can reach any more. */
void mnt_put(struct mount *m)
{
	if (m && READ_ONCE(m->expiry_mark))
		WRITE_ONCE(m->expiry_mark, false);	/* used since: not expired */
	mnt_put_keep_mark(m);
}

void mnt_put_keep_mark(struct mount *m)
{
	if (m && READ_ONCE(m->lazy))
		vfs_reap_request();	/* perhaps its last user: free it soon */
	while (m && atomic_dec_and_test(&m->count)) {
		struct mount *up = m->parent;
		dentry_put(m->mountpoint);
		dentry_put(m->root);	/* NULL once its filesystem went */
		kfree(m);
		m = up;
	}
}
/* Every mount, for /proc/mounts; a mutex so walkers may name paths. */
static LIST_HEAD(all_mounts);
static struct mutex mount_list_lock;
static bool mount_list_ready;

void vfs_set_root(struct mount *m)
{
	root_mnt = m;
	init_mnt_ns.root = m;	/* at boot, alone (root= switches it once) */
	vfs_mount_set_ns(m, &init_mnt_ns);
}

struct path vfs_root(void)
{
	struct path p = { mnt_get(root_mnt), dentry_get(root_mnt->root) };
	return p;
}

void path_get(const struct path *p)
{
	dentry_get(p->dentry);
	mnt_get(p->mnt);
}

void path_put(struct path *p)
{
	dentry_put(p->dentry);
	mnt_put(p->mnt);
	p->dentry = NULL;
	p->mnt = NULL;
}

static bool is_dir(const struct dentry *d)
{
	return d->inode && S_ISDIR(d->inode->mode);
}

/* The child called name of dir with a reference, asking the filesystem
 * on a cache miss; NULL with *err = 0 if there is none. Caller holds the
 * ns_lock. */
static struct dentry *lookup_locked(struct dentry *dir, const char *name, size_t len,
				    int *err)
{
	struct dentry *d = d_lookup(dir, name, len);
	struct inode *inode;

	*err = 0;
	if (d || dir->dead || !dir->inode)
		return d;
	int rc = dir->inode->iop->lookup(dir->inode, name, len, &inode);
	if (rc) {
		*err = rc == -ENOENT ? 0 : rc;
		return NULL;
	}
	if (dir->sb->flags & SB_NOCACHE) {
		/* Its answer changes by itself (procfs: processes exit), so
		 * the next walk must ask again: nothing is cached. */
		d = d_alloc_uncached(dir, name, len, inode);
		*err = d ? 0 : -ENOMEM;
		return d;
	}
	d = d_add(dir, name, len, inode);
	if (!d) {
		*err = -ENOMEM;
		return NULL;
	}
	return dentry_get(d);
}

/* The child called name of dir, with a reference, or an error. */
static int lookup_child(struct dentry *dir, const char *name, size_t len, struct dentry **out)
{
	struct super_block *sb = dir->sb;
	struct dentry *d = d_lookup(dir, name, len);
	int rc = 0;

	if (d) {
		*out = d;
		return 0;
	}
	mutex_lock(&sb->ns_lock);
	d = lookup_locked(dir, name, len, &rc);
	if (!d && !rc)
		rc = -ENOENT;
	mutex_unlock(&sb->ns_lock);
	*out = d;
	return rc;
}

/* RESOLVE_CACHED: the child only if the dentry cache has it, else
 * -EAGAIN (the caller retries without the flag). */
static int lookup_cached(struct dentry *dir, const char *name, size_t len, struct dentry **out)
{
	*out = d_lookup(dir, name, len);
	return *out ? 0 : -EAGAIN;
}

/* d's parent with a reference; rename changes it under the ns_lock. */
static struct dentry *parent_of(struct dentry *d)
{
	mutex_lock(&d->sb->ns_lock);
	struct dentry *up = dentry_get(d->parent);
	mutex_unlock(&d->sb->ns_lock);
	return up;
}

static bool same_path(const struct path *a, const struct path *b)
{
	return a->dentry == b->dentry && a->mnt == b->mnt;
}

/* At a mount's root: to its mountpoint in the parent mount (true), read
 * under the lock MS_MOVE changes them under; false at the root mount or
 * a lazily unmounted one (".." stays inside), or below a root. */
static bool mount_up(struct path *cur)
{
	struct mount *m = cur->mnt, *up = NULL;
	struct dentry *mp = NULL;

	if (cur->dentry != m->root)
		return false;
	unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
	if (m->parent && m->mountpoint && !READ_ONCE(m->lazy)) {
		up = mnt_get(m->parent);
		mp = dentry_get(m->mountpoint);
	}
	spin_unlock_irqrestore(&mount_cross_lock, fl);
	if (!up)
		return false;
	path_put(cur);
	*cur = (struct path){ up, mp };
	return true;
}

/* Moves cur to its parent, across mounts; the root's parent is itself,
 * and so is the parent of the process's root (chroot: ".." stays). */
static void step_up(struct path *cur, const struct path *root)
{
	if (same_path(cur, root))
		return;
	while (mount_up(cur))
		if (same_path(cur, root))
			return;
	struct dentry *up = parent_of(cur->dentry);
	dentry_put(cur->dentry);
	cur->dentry = up;
}

bool vfs_path_up(struct path *cur)
{
	while (mount_up(cur))
		;
	if (cur->dentry == cur->mnt->root)
		return false;	/* the top of a tree with no mount above */
	struct dentry *up = parent_of(cur->dentry);
	if (up == cur->dentry) {
		dentry_put(up);
		return false;
	}
	dentry_put(cur->dentry);
	cur->dentry = up;
	return true;
}

/* What one walk carries along: its credentials snapshot, the root that
 * "/" and ".." stop at (the process's, taken once), the links met. */
struct walk_ctx {
	const struct cred *c;
	struct path root;
	int links;
	u32 resolve;		/* openat2's RESOLVE_* */
	struct path beneath;	/* RESOLVE_BENEATH: the dirfd (the caller's reference) */
};

/* A /proc/<pid> link that names an object rather than a path (exe, cwd,
 * root, fd/N): the RESOLVE_* flags treat it apart. */
static bool magic_link(const struct inode *i)
{
	return i->iop->get_link || (i->iop->magic_link && i->iop->magic_link(i));
}

/* p is at or below scope (across mounts): a scoped walk's ".." checks
 * it, as a rename may have moved the directory it stood in out of the
 * scope meanwhile. */
static bool path_is_below(const struct path *p, const struct path *scope)
{
	struct mount *m = p->mnt;
	struct dentry *d = p->dentry;
	bool below;

	/* the mountpoints up to scope's mount: held by the mounts, which p's
	 * reference holds (a child mount holds its parent) */
	unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
	while (m && m != scope->mnt) {
		d = m->mountpoint;
		m = READ_ONCE(m->lazy) ? NULL : m->parent;
	}
	if (m)
		dentry_get(d);
	spin_unlock_irqrestore(&mount_cross_lock, fl);
	if (!m)
		return false;
	mutex_lock(&d->sb->ns_lock);
	below = dentry_is_below(d, scope->dentry);
	mutex_unlock(&d->sb->ns_lock);
	dentry_put(d);
	return below;
}

/* Following link from cur: what openat2's resolve flags allow. */
static int may_follow(const struct walk_ctx *w, const struct path *link)
{
	if (w->resolve & RESOLVE_NO_SYMLINKS)
		return -ELOOP;
	if (magic_link(link->dentry->inode)) {
		if (w->resolve & RESOLVE_NO_MAGICLINKS)
			return -ELOOP;
		if (w->resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT))
			return -EXDEV;	/* a jump no scope can check */
	}
	return 0;
}

static int walk(struct path *cur, const char *p, size_t len, int flags, struct walk_ctx *w);

static int follow_link(struct path *cur, struct dentry *link, struct walk_ctx *w)
{
	char *buf;
	int rc;

	if (++w->links > SYMLOOP_MAX)
		return -ELOOP;
	if (link->inode->iop->get_link)	/* an ns file: its namespace, not its text */
		return link->inode->iop->get_link(link->inode, cur);
	if (magic_link(link->inode) && link->inode->iop->jump) {
		struct path to;	/* to the object itself: it may have no name */
		if ((rc = link->inode->iop->jump(link->inode, &to)))
			return rc;
		path_put(cur);
		*cur = to;
		return 0;
	}
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	rc = link->inode->iop->readlink(link->inode, buf, PATH_MAX);
	if (rc >= 0)
		rc = walk(cur, buf, (size_t)rc, LOOKUP_FOLLOW, w);
	kfree(buf);
	return rc;
}

/* Resolves p[0..len) from *cur (which holds a reference and is replaced by
 * the result). Trailing slashes demand a directory. */
static int walk(struct path *cur, const char *p, size_t len, int flags, struct walk_ctx *w)
{
	const struct cred *c = w->c;
	size_t i = 0;
	int rc = 0;

	if (!len)
		return -ENOENT;
	if (p[0] == '/') {
		if (w->resolve & RESOLVE_BENEATH)
			return -EXDEV;
		if ((w->resolve & RESOLVE_NO_XDEV) && w->root.mnt != cur->mnt)
			return -EXDEV;
		path_put(cur);
		path_get(&w->root);
		*cur = w->root;
	}
	for (;;) {
		while (i < len && p[i] == '/')
			i++;
		if (i == len)
			break;
		size_t s = i;
		while (i < len && p[i] != '/')
			i++;
		size_t n = i - s, rest = i;
		while (rest < len && p[rest] == '/')
			rest++;
		bool last = rest == len, slash = last && i < len;
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		if (!is_dir(cur->dentry))
			return -ENOTDIR;
		/* search permission on each directory passed, "." and ".." too */
		if ((rc = inode_permission(c, cur->dentry->inode, MAY_EXEC)))
			return rc;
		if (n == 1 && p[s] == '.')
			continue;
		if (n == 2 && p[s] == '.' && p[s + 1] == '.') {
			struct mount *was = cur->mnt;
			if ((w->resolve & RESOLVE_BENEATH) && same_path(cur, &w->beneath))
				return -EXDEV;
			step_up(cur, &w->root);
			if ((w->resolve & RESOLVE_NO_XDEV) && cur->mnt != was)
				return -EXDEV;
			if (((w->resolve & RESOLVE_BENEATH) && !path_is_below(cur, &w->beneath)) ||
			    ((w->resolve & RESOLVE_IN_ROOT) && !path_is_below(cur, &w->root)))
				return -EXDEV;	/* moved out of the scope by a rename */
			continue;
		}
		struct dentry *child;
		rc = w->resolve & RESOLVE_CACHED ? lookup_cached(cur->dentry, p + s, n, &child)
						 : lookup_child(cur->dentry, p + s, n, &child);
		if (rc)
			return rc;
		struct path next = { mnt_get(cur->mnt), child };
		for (struct mount *m; (m = vfs_mount_at(next.mnt, next.dentry));) {
			path_put(&next);
			next = (struct path){ m, m->root };	/* vfs_mount_at's references */
			if (w->resolve & RESOLVE_NO_XDEV) {
				path_put(&next);
				return -EXDEV;
			}
		}
		if (S_ISLNK(next.dentry->inode->mode) &&
		    (!last || slash || (flags & LOOKUP_FOLLOW))) {
			/* nosymfollow: a mount whose links are never followed */
			rc = next.mnt->flags & MNT_NOSYMFOLLOW ? -ELOOP : may_follow(w, &next);
			if (!rc)
				rc = follow_link(cur, next.dentry, w);
			path_put(&next);
			if (rc)
				return rc;
			if (slash && !is_dir(cur->dentry))
				return -ENOTDIR;	/* "link/": what it names */
			continue;
		}
		path_put(cur);
		*cur = next;
		if (slash && !is_dir(cur->dentry))
			return -ENOTDIR;
	}
	if ((flags & LOOKUP_DIRECTORY) && !is_dir(cur->dentry))
		return -ENOTDIR;
	return 0;
}

/* A walk's start: w's root for an absolute path or no base. */
static struct path start(struct walk_ctx *w, const struct path *base, const char *path)
{
	if (path[0] == '/' || !base)
		base = &w->root;
	path_get(base);
	return *base;
}

/* resolve's scoped flags need base (the dirfd, never NULL then): with
 * RESOLVE_IN_ROOT it is the walk's "/". */
static void walk_begin(struct walk_ctx *w, const struct cred *c, const struct path *base,
		       u32 resolve)
{
	w->c = c;
	w->links = 0;
	w->resolve = resolve;
	w->beneath = base ? *base : (struct path){ 0 };
	if ((resolve & RESOLVE_IN_ROOT) && base) {
		path_get(base);
		w->root = *base;
	} else {
		proc_root(&w->root);
	}
}

static int walk_resolve(const struct cred *c, const struct path *base, const char *path,
			int flags, u32 resolve, struct path *out)
{
	struct walk_ctx w;

	walk_begin(&w, c, base, resolve);
	struct path cur = start(&w, base, path);
	int rc = walk(&cur, path, strlen(path), flags, &w);

	path_put(&w.root);
	if (rc) {
		path_put(&cur);
		return rc;
	}
	*out = cur;
	return 0;
}

int vfs_walk_cred(const struct cred *c, const struct path *base, const char *path, int flags,
		  struct path *out)
{
	return walk_resolve(c, base, path, flags, 0, out);
}

int vfs_walk(const struct path *base, const char *path, int flags, struct path *out)
{
	struct cred c;

	cred_current(&c);
	return vfs_walk_cred(&c, base, path, flags, out);
}

/* The parent of the last component, searchable by c. */
static int walk_parent(const struct cred *c, const struct path *base, const char *path,
		       u32 resolve, struct path *parent, const char **name, size_t *len)
{
	size_t end = strlen(path), s;
	struct walk_ctx w;
	int rc;

	while (end > 1 && path[end - 1] == '/')
		end--;
	for (s = end; s > 0 && path[s - 1] != '/'; s--)
		;
	if (end == 0)
		return -ENOENT;
	*name = path + s;
	*len = end - s;
	if (*len > NAME_MAX)
		return -ENAMETOOLONG;
	walk_begin(&w, c, base, resolve);
	struct path cur = start(&w, base, path);
	rc = s ? walk(&cur, path, s, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &w) : 0;
	path_put(&w.root);
	if (!rc && !is_dir(cur.dentry))
		rc = -ENOTDIR;
	if (!rc)	/* the last name is looked up in it */
		rc = inode_permission(c, cur.dentry->inode, MAY_EXEC);
	if (!rc && cur.dentry->dead)
		rc = -ENOENT;
	if (rc) {
		path_put(&cur);
		return rc;
	}
	*parent = cur;
	return 0;
}

int vfs_walk_parent(const struct path *base, const char *path, struct path *parent,
		    const char **name, size_t *len)
{
	struct cred c;

	cred_current(&c);
	return walk_parent(&c, base, path, 0, parent, name, len);
}

/* Also the empty last name of "/": it names an existing directory. */
static bool dot_or_dotdot(const char *name, size_t len)
{
	return len == 0 || (len == 1 && name[0] == '.') ||
	       (len == 2 && name[0] == '.' && name[1] == '.');
}

/* A new name in dir: write and search permission on it. */
static int may_create(const struct cred *c, struct dentry *dir)
{
	return inode_permission(c, dir->inode, MAY_WRITE | MAY_EXEC);
}

/* Removing (or replacing) victim's name in dir: write and search on dir,
 * and in a sticky directory only the owner of either, or root. */
static int may_delete(const struct cred *c, struct dentry *dir, struct dentry *victim)
{
	int rc = inode_permission(c, dir->inode, MAY_WRITE | MAY_EXEC);

	if (!rc && !may_delete_sticky(c, dir->inode, victim->inode))
		rc = -EPERM;
	/* an append-only directory keeps its names; such a file its name */
	if (!rc && (inode_append_only(dir->inode) || inode_attr_locked(victim->inode)))
		rc = -EPERM;
	return rc;
}

/* A new file's mode in dir: with VFS_MODE_UMASK, set-group-ID goes
 * for a caller outside dir's group of a set-group-ID dir when group
 * execute was asked (whatever the umask then takes), then the umask. */
static u32 create_mode(const struct inode *dir, u32 mode)
{
	struct cred c;

	if (!(mode & VFS_MODE_UMASK))
		return mode;
	mode &= ~VFS_MODE_UMASK;
	cred_current(&c);
	if (!S_ISDIR(mode) && (READ_ONCE(dir->mode) & S_ISGID) &&
	    (mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
	    !cred_in_group(&c, READ_ONCE(dir->gid)) && !cred_is_root(&c))
		mode &= ~(u32)S_ISGID;
	return mode & ~(proc_umask() & 0777);
}

/* Creates name in parent (caller holds its ns_lock); returns a reference. */
static int create_locked(struct dentry *parent, const char *name, size_t len, u32 mode,
			 u32 rdev, const char *target, struct dentry **out)
{
	struct inode *dir = parent->inode, *inode;
	int rc;

	mode = create_mode(dir, mode);

	if (parent->dead)
		return -ENOENT;
	if (!dir->iop->mknod)
		return -EPERM;
	mutex_lock(&dir->lock);
	rc = dir->iop->mknod(dir, name, len, mode, rdev, target, &inode);
	mutex_unlock(&dir->lock);
	if (rc)
		return rc;
	struct dentry *d = d_add(parent, name, len, inode);
	if (!d)
		return -ENOMEM;
	fsnotify_name(dir, IN_CREATE | (S_ISDIR(mode) ? IN_ISDIR : 0), name, len, 0);
	*out = dentry_get(d);
	return 0;
}

/* Landlock's rights of up to two directories are gathered before the
 * ns_lock (the walk up takes each ns_lock it crosses) but must be valid
 * when the operation is decided under it: every move of a directory to
 * another parent bumps dir_moves under its filesystem's ns_lock
 * (rename_locked), and if it changed while the rights were gathered they
 * are gathered again. Returns with sb->ns_lock held, or -EACCES and
 * unlocked after LL_RETRIES tries (a process moving directories without
 * pause could otherwise starve a sandboxed one: it is denied, never let
 * through on stale rights). Only a process in a domain reads the count. */
static atomic_t dir_moves;
#define LL_RETRIES 64

static int lock_with_masks(struct super_block *sb, const struct path *a,
			   struct landlock_masks *ma, const struct path *b,
			   struct landlock_masks *mb)
{
	if (!landlock_restricted()) {
		ma->n = 0;
		if (mb)
			mb->n = 0;
		mutex_lock(&sb->ns_lock);
		return 0;
	}
	for (int tries = 0;; tries++) {
		int gen = atomic_read(&dir_moves);
		landlock_masks_at(a, ma);
		if (b)
			landlock_masks_at(b, mb);
		mutex_lock(&sb->ns_lock);
		if (atomic_read(&dir_moves) == gen)
			return 0;
		mutex_unlock(&sb->ns_lock);
		if (tries == LL_RETRIES)
			return -EACCES;
		sched_yield();
	}
}

/* mknod/mkdir/symlink: one new name that must not exist. */
static int make_node(const struct path *base, const char *path, u32 mode, u32 rdev,
		     const char *target, struct path *out)
{
	struct path parent;
	const char *name;
	size_t len;
	struct cred c;
	int rc;

	cred_current(&c);
	if ((rc = walk_parent(&c, base, path, 0, &parent, &name, &len)))
		return rc;
	if (dot_or_dotdot(name, len) || (!S_ISDIR(mode) && name[len] == '/')) {
		path_put(&parent);
		return dot_or_dotdot(name, len) ? -EEXIST : -ENOENT;
	}
	struct super_block *sb = parent.dentry->sb;
	if ((rc = vfs_path_writable(&parent))) {
		path_put(&parent);
		return rc;
	}
	struct dentry *d;
	struct landlock_masks ll;
	if ((rc = lock_with_masks(sb, &parent, &ll, NULL, NULL))) {
		path_put(&parent);
		return rc;
	}
	d = lookup_locked(parent.dentry, name, len, &rc);
	if (d) {
		dentry_put(d);
		rc = -EEXIST;
	} else if (!rc && !(rc = landlock_masks_check(&ll, landlock_make_access(mode))) &&
		   !(rc = may_create(&c, parent.dentry))) {
		/* device nodes: CAP_MKNOD */
		if ((S_ISCHR(mode) || S_ISBLK(mode)) && !cred_is_root(&c))
			rc = -EPERM;
		else
			rc = create_locked(parent.dentry, name, len, mode, rdev, target, &d);
		if (!rc && out)
			*out = (struct path){ mnt_get(parent.mnt), d };	/* d's reference is out's */
		else if (!rc)
			dentry_put(d);
	}
	mutex_unlock(&sb->ns_lock);
	path_put(&parent);
	return rc;
}

int vfs_mknod(const struct path *base, const char *path, u32 mode, u32 rdev)
{
	return make_node(base, path, mode, rdev, NULL, NULL);
}

/* mknod that also gives the new node's path (bind of a unix socket). */
int vfs_mknod_path(const struct path *base, const char *path, u32 mode, struct path *out)
{
	return make_node(base, path, mode, 0, NULL, out);
}

int vfs_mkdir(const struct path *base, const char *path, u32 mode)
{
	return make_node(base, path, S_IFDIR | (mode & 07777), 0, NULL, NULL);
}

int vfs_symlink(const struct path *base, const char *target, const char *path)
{
	size_t n = strlen(target);

	if (!n)
		return -ENOENT;
	return make_node(base, path, S_IFLNK | 0777, 0, target, NULL);
}

int vfs_readlink(const struct path *p, char *buf, size_t len)
{
	struct inode *i = p->dentry->inode;

	if (!S_ISLNK(i->mode) || !i->iop->readlink)
		return -EINVAL;
	return i->iop->readlink(i, buf, len);
}

/* truncate(2) by path: the caller must be allowed to write the file. */
int vfs_truncate_path(const struct path *p, u64 size)
{
	struct cred c;
	struct inode *i = p->dentry->inode;

	cred_current(&c);
	if (S_ISDIR(i->mode))
		return -EISDIR;
	if (READ_ONCE(p->mnt->flags) & MNT_RDONLY)
		return -EROFS;		/* a read-only mount (its filesystem: below) */
	int rc = inode_permission(&c, i, MAY_WRITE);
	if (rc || !S_ISREG(i->mode))
		return rc ? rc : vfs_truncate(i, size);
	if ((rc = lease_break(i, O_WRONLY)))	/* as an open for writing */
		return rc;
	if ((rc = inode_get_write(i)))	/* a running program's file: ETXTBSY */
		return rc;
	rc = vfs_truncate(i, size);
	inode_put_write(i);
	if (!rc)
		fsnotify_path(p, IN_MODIFY);
	return rc;
}

int vfs_truncate(struct inode *inode, u64 size)
{
	int rc;

	if (S_ISDIR(inode->mode))
		return -EISDIR;
	if ((rc = vfs_writable(inode->sb)))
		return rc;
	if (inode_attr_locked(inode))
		return -EPERM;
	if (!S_ISREG(inode->mode) || !inode->iop->truncate)
		return -EINVAL;
	if (size > sb_maxbytes(inode->sb))
		return -EFBIG;
	mutex_lock(&inode->lock);
	u64 old = inode->size;
	rc = size > old ? vfs_fsize_check(size) : 0;	/* RLIMIT_FSIZE */
	if (!rc) {
		inode_kill_privs_locked(inode);
		rc = inode->iop->truncate(inode, size);
	}
	/* Pages past the new end leave every mapping, private copies too:
	 * the next touch faults and finds the end (SIGBUS) or, after a grow,
	 * the file's new page. */
	if (!rc && size < old)
		rmap_unmap(&inode->mappings, size / PAGE_SIZE + (size % PAGE_SIZE != 0), ~0ULL);
	mutex_unlock(&inode->lock);
	return rc;
}

/* Opening i with flags: read and/or write permission as the access
 * mode asks (O_TRUNC writes), or execute for execve's O_EXEC_KERNEL. */
static int may_open(const struct cred *c, struct inode *i, u32 flags)
{
	u32 acc = flags & O_ACCMODE;
	int mask = 0;

	if (flags & O_EXEC_KERNEL)
		return S_ISREG(i->mode) ? inode_permission(c, i, MAY_EXEC) : -EACCES;
	/* append-only: written only with O_APPEND, never truncated */
	if (inode_append_only(i) && ((acc != O_RDONLY && !(flags & O_APPEND)) || (flags & O_TRUNC)))
		return -EPERM;
	if (acc == O_RDONLY || acc == O_RDWR)
		mask |= MAY_READ;
	if (acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC))
		mask |= MAY_WRITE;
	return inode_permission(c, i, mask);
}

static int open_walked(const struct cred *cr, struct path *pp, u32 flags, bool created,
		       struct file **out);

/* open_by_handle_at: opens p (a reference the caller keeps) with
 * open's checks of flags and permissions. */
int vfs_open_path(const struct path *p, u32 flags, struct file **out)
{
	struct cred c;
	struct path q = *p;

	cred_current(&c);
	path_get(&q);
	return open_walked(&c, &q, flags, false, out);
}

/* O_TMPFILE: a file in path's directory (its filesystem) that no name
 * shows; linkat can name it later unless O_EXCL said never. */
static int open_tmpfile(const struct cred *c, const struct path *base, const char *path,
			u32 flags, u32 mode, u32 resolve, struct file **out)
{
	struct path dir;
	u32 acc = flags & O_ACCMODE;
	int rc;

	if ((flags & O_TMPFILE) != O_TMPFILE || (acc != O_WRONLY && acc != O_RDWR) ||
	    (flags & O_CREAT))
		return -EINVAL;
	if (resolve & RESOLVE_CACHED)
		return -EAGAIN;
	if ((rc = walk_resolve(c, base, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, resolve, &dir)))
		return rc;
	struct super_block *sb = dir.dentry->sb;
	struct inode *di = dir.dentry->inode, *i = NULL;
	struct dentry *d = NULL;
	char name[32];
	if ((rc = may_create(c, dir.dentry)) || (rc = vfs_path_writable(&dir)) ||
	    (rc = landlock_check_open(&dir, flags & ~(u32)O_DIRECTORY, S_IFREG)))
		goto out;
	if (!di->iop->tmpfile) {
		rc = -EOPNOTSUPP;	/* what Linux says where a filesystem has none */
		goto out;
	}
	mutex_lock(&sb->ns_lock);
	if (dir.dentry->dead) {
		rc = -ENOENT;
	} else {
		mutex_lock(&di->lock);
		rc = di->iop->tmpfile(di, create_mode(di, S_IFREG | (mode & (07777 | VFS_MODE_UMASK))),
				      &i);
		mutex_unlock(&di->lock);
	}
	if (!rc) {
		/* a dentry outside the tree, as an unlinked file's: "#ino" */
		int n = snprintf(name, sizeof(name), "#%llu", (unsigned long long)i->ino);
		if (!(flags & O_EXCL))
			i->state |= I_LINKABLE;
		d = d_alloc_uncached(dir.dentry, name, (size_t)n, i);
		if (d)
			d->dead = true;
		else
			rc = -ENOMEM;	/* d_alloc_uncached put i */
	}
	mutex_unlock(&sb->ns_lock);
	if (!rc) {
		struct path p = { mnt_get(dir.mnt), d };	/* takes d's reference */
		rc = vfs_open_inode(&p, flags & ~(u32)(__O_TMPFILE | O_DIRECTORY), out);
		path_put(&p);
	}
out:
	path_put(&dir);
	return rc;
}

int vfs_open(const struct path *base, const char *path, u32 flags, u32 mode,
	     struct file **out)
{
	return vfs_open_resolve(base, path, flags, mode, 0, out);
}

int vfs_open_resolve(const struct path *base, const char *path, u32 flags, u32 mode,
		     u32 resolve, struct file **out)
{
	struct path p;
	struct cred c;
	int rc, follow = flags & O_NOFOLLOW ? 0 : LOOKUP_FOLLOW;
	bool created = false;

	/* only fanotify opens a file that makes no events (vfs_open_inode):
	 * a caller's flags (open(2)'s, a pty's peer) never ask for it */
	flags &= ~(u32)O_NONOTIFY_KERNEL;

	cred_current(&c);
	if (flags & __O_TMPFILE)
		return open_tmpfile(&c, base, path, flags, mode, resolve, out);
	if (flags & O_CREAT) {
		struct path parent;
		const char *name;
		size_t len;
		if (resolve & RESOLVE_CACHED)
			return -EAGAIN;	/* a create is never the cache's alone */
		rc = walk_parent(&c, base, path, resolve, &parent, &name, &len);
		if (rc)
			return rc;
		if (name[len] == '/' || dot_or_dotdot(name, len)) {
			path_put(&parent);
			return -EISDIR;
		}
		struct super_block *sb = parent.dentry->sb;
		struct dentry *d;
		struct landlock_masks ll;
		if ((rc = lock_with_masks(sb, &parent, &ll, NULL, NULL))) {
			path_put(&parent);
			return rc;
		}
		d = lookup_locked(parent.dentry, name, len, &rc);
		if (!d && !rc && (rc = vfs_path_writable(&parent)) == 0 &&
		    (rc = landlock_masks_check(&ll, LANDLOCK_ACCESS_FS_MAKE_REG)) == 0 &&
		    (rc = may_create(&c, parent.dentry)) == 0) {
			rc = create_locked(parent.dentry, name, len,
					   S_IFREG | (mode & (07777 | VFS_MODE_UMASK)), 0,
					   NULL, &d);
			flags &= ~O_TRUNC;	/* it is new */
			created = true;	/* opened as asked, whatever its mode */
		} else if (flags & O_EXCL) {
			rc = -EEXIST;
		}
		mutex_unlock(&sb->ns_lock);
		if (rc) {
			if (d)
				dentry_put(d);
			path_put(&parent);
			return rc;
		}
		if (S_ISLNK(d->inode->mode) && follow) {
			dentry_put(d);	/* the link's target: a walk that follows */
			rc = walk_resolve(&c, base, path, LOOKUP_FOLLOW, resolve, &p);
		} else {
			p = (struct path){ mnt_get(parent.mnt), d };	/* takes d's reference */
		}
		path_put(&parent);
	} else {
		if ((resolve & RESOLVE_CACHED) && (flags & O_TRUNC))
			return -EAGAIN;
		rc = walk_resolve(&c, base, path,
				  follow | (flags & O_DIRECTORY ? LOOKUP_DIRECTORY : 0), resolve, &p);
	}
	if (rc)
		return rc;
	return open_walked(&c, &p, flags, created, out);
}

/* The checks and the open once the walk found p (whose reference it
 * drops): created is a file this open made. */
static int open_walked(const struct cred *cr, struct path *pp, u32 flags, bool created,
		       struct file **out)
{
	struct path p = *pp;
	const struct cred c = *cr;
	int rc = 0;
	struct inode *i = p.dentry->inode;
	u32 acc = flags & O_ACCMODE;
	/* /proc/sys: files that take writes on a read-only procfs, and that
	 * O_TRUNC (a shell's `>`) leaves alone, as on Linux */
	bool tunable = inode_tunable(i);
	if (tunable)
		flags &= ~O_TRUNC;
	if (S_ISLNK(i->mode) && !(flags & O_PATH))
		rc = -ELOOP;
	else if ((flags & O_DIRECTORY) && !S_ISDIR(i->mode))
		rc = -ENOTDIR;
	else if (S_ISDIR(i->mode) && (flags & O_CREAT))
		rc = -EISDIR;
	else if (S_ISDIR(i->mode) && (acc != O_RDONLY || (flags & O_TRUNC)))
		rc = -EISDIR;
	else if (S_ISREG(i->mode) && (acc != O_RDONLY || (flags & O_TRUNC)) && !tunable)
		rc = vfs_path_writable(&p);
	if (!rc && !created && !(flags & O_PATH))
		rc = may_open(&c, i, flags);
	if (!rc)
		rc = landlock_check_open(&p, flags, i->mode);
	/* reading without touching the access time: the owner's right */
	if (!rc && (flags & O_NOATIME) && !(flags & O_PATH) && !inode_owner_or_root(&c, i))
		rc = -EPERM;
	if (!rc && (flags & O_EXEC_KERNEL) && (READ_ONCE(p.mnt->flags) & MNT_NOEXEC))
		rc = -EACCES;		/* programs of a noexec mount do not run */
	if (!rc && !(flags & O_PATH) && S_ISREG(i->mode))
		rc = lease_break(i, flags);	/* may sleep until the holder lets go */
	if (!rc)	/* open first: a running program's file is ETXTBSY */
		rc = vfs_open_inode(&p, flags, out);	/* O_EXEC_KERNEL: FAN_OPEN_EXEC */
	/* a file this open made is empty: no truncate (which would take a
	 * set-ID mode off it), as Linux's FMODE_CREATED */
	if (!rc && (flags & O_TRUNC) && acc != O_RDONLY && S_ISREG(i->mode) && !created) {
		if ((rc = vfs_truncate(i, 0)))
			file_put(*out);
		else
			fsnotify_path(&p, IN_MODIFY);
	}
	path_put(&p);
	return rc;
}

int vfs_link(const struct path *obase, const char *old, const struct path *nbase,
	     const char *new, int flags)
{
	struct path src;
	struct cred c;
	int rc;

	cred_current(&c);
	if ((rc = vfs_walk_cred(&c, obase, old, flags & LOOKUP_FOLLOW, &src)))
		return rc;
	rc = vfs_link_path(&src, nbase, new);
	path_put(&src);
	return rc;
}

int vfs_link_path(const struct path *srcp, const struct path *nbase, const char *new)
{
	struct path src = *srcp, parent;
	const char *name;
	size_t len;
	struct cred c;
	int rc;

	cred_current(&c);
	rc = walk_parent(&c, nbase, new, 0, &parent, &name, &len);
	if (rc)
		return rc;
	struct super_block *sb = parent.dentry->sb;
	struct inode *inode = src.dentry->inode;
	/* Linux's order: the new name's filesystem must be writable, then
	 * the same as the old one's, then the old one no directory */
	if ((rc = vfs_path_writable(&parent)))
		;
	else if (src.dentry->sb != sb)
		rc = -EXDEV;
	else if (S_ISDIR(inode->mode) || inode_attr_locked(inode))
		rc = -EPERM;
	else if (dot_or_dotdot(name, len))
		rc = -EEXIST;
	struct landlock_masks ll_src, ll_dst;
	bool same_dir = true;
	struct dentry *sp_held = NULL;	/* put after the lock */
	if (!rc && landlock_restricted()) {
		/* the old name's directory too; the file may move meanwhile
		 * (a file's move bumps no count): then again */
		for (int tries = 0;; tries++) {
			struct path sp = { src.mnt, parent_of(src.dentry) };
			same_dir = sp.dentry == parent.dentry;
			if ((rc = lock_with_masks(sb, &sp, &ll_src, &parent, &ll_dst))) {
				dentry_put(sp.dentry);
				break;
			}
			if (src.dentry->parent == sp.dentry) {
				sp_held = sp.dentry;
				break;
			}
			mutex_unlock(&sb->ns_lock);
			dentry_put(sp.dentry);
			if (tries == LL_RETRIES) {
				rc = -EACCES;
				break;
			}
		}
	} else if (!rc) {
		ll_src.n = ll_dst.n = 0;
		mutex_lock(&sb->ns_lock);
	}
	if (!rc) {
		struct dentry *d = lookup_locked(parent.dentry, name, len, &rc);
		if (d) {
			dentry_put(d);
			rc = -EEXIST;
		} else if (rc) {
			;
		} else if ((src.dentry->dead && !(inode->state & I_LINKABLE)) ||
			   parent.dentry->dead) {
			rc = -ENOENT;	/* removed, or an O_TMPFILE made with O_EXCL */
		} else if ((rc = landlock_check_refer(&ll_src, &ll_dst, same_dir, 0,
						      landlock_make_access(inode->mode), false))) {
			;
		} else if ((rc = may_create(&c, parent.dentry))) {
			;
		} else {
			rc = inode->iop->link(parent.dentry->inode, name, len, inode);
			if (!rc) {
				inode->state &= ~(u32)I_LINKABLE;	/* named now */
				inode_get(inode);
				rc = d_add(parent.dentry, name, len, inode) ? 0 : -ENOMEM;
			}
			if (!rc) {	/* Linux's fsnotify_link: the count, the name */
				fsnotify_inode(inode, IN_ATTRIB);
				fsnotify_name(parent.dentry->inode, IN_CREATE, name, len, 0);
			}
		}
		mutex_unlock(&sb->ns_lock);
	}
	if (sp_held)
		dentry_put(sp_held);
	path_put(&parent);
	return rc;
}

static bool dir_empty(const struct dentry *d)
{
	return list_empty(&d->children);
}

/* Removes victim, a child of parent; caller holds the ns_lock. */
static int remove_locked(struct dentry *parent, struct dentry *victim)
{
	struct inode *dir = parent->inode;
	int rc;

	if (victim->mounted)
		return -EBUSY;
	mutex_lock(&dir->lock);
	rc = dir->iop->unlink(dir, victim->name, victim->name_len, victim->inode);
	mutex_unlock(&dir->lock);
	if (!rc)
		d_delete(victim);
	return rc;
}

/* unlink/rmdir done: the link count, the inode (now if nobody else holds
 * its dentry, as Linux's d_delete, else at its last dentry_put), then
 * the name in dir. */
static void notify_remove(struct inode *dir, struct dentry *d, const char *name, size_t len,
			  bool rmdir)
{
	struct inode *i = d->inode;

	if (!fsnotify_on(i))
		return;
	if (!rmdir)
		fsnotify_inode(i, IN_ATTRIB);
	if (atomic_read(&d->refcount) == 1 && atomic_read(&i->dentries) == 1 &&
	    !READ_ONCE(i->nlink))
		fsnotify_inoderemove_slow(i);
	fsnotify_name(dir, IN_DELETE | (rmdir ? IN_ISDIR : 0), name, len, 0);
}

static int remove(const struct path *base, const char *path, bool rmdir)
{
	struct path parent;
	const char *name;
	size_t len;
	struct cred c;
	int rc;

	cred_current(&c);
	if ((rc = walk_parent(&c, base, path, 0, &parent, &name, &len)))
		return rc;
	if (dot_or_dotdot(name, len)) {
		path_put(&parent);
		return !rmdir ? -EISDIR : len == 1 ? -EINVAL : -ENOTEMPTY;
	}
	struct super_block *sb = parent.dentry->sb;
	struct dentry *d;
	if ((rc = vfs_path_writable(&parent))) {
		path_put(&parent);
		return rc;
	}
	struct landlock_masks ll;
	if ((rc = lock_with_masks(sb, &parent, &ll, NULL, NULL))) {
		path_put(&parent);
		return rc;
	}
	d = lookup_locked(parent.dentry, name, len, &rc);
	if (!d) {
		rc = rc ? rc : -ENOENT;
	} else if ((rc = landlock_masks_check(&ll, landlock_remove_access(d->inode->mode)))) {
		;
	} else if ((rc = may_delete(&c, parent.dentry, d))) {
		;
	} else if (rmdir != is_dir(d)) {
		rc = rmdir ? -ENOTDIR : -EISDIR;
	} else if (!rmdir && name[len] == '/') {
		rc = -ENOTDIR;
	} else if (rmdir && !dir_empty(d)) {
		rc = sb->flags & SB_BUSY_DIRS ? -EBUSY : -ENOTEMPTY;
	} else {
		rc = remove_locked(parent.dentry, d);
	}
	mutex_unlock(&sb->ns_lock);
	/* after the lock: a reader woken by IN_DELETE may look the name
	 * up at once (and finds it gone) */
	if (!rc)
		notify_remove(parent.dentry->inode, d, name, len, rmdir);
	if (d)
		dentry_put(d);
	path_put(&parent);
	return rc;
}

int vfs_unlink(const struct path *base, const char *path)
{
	return remove(base, path, false);
}

int vfs_rmdir(const struct path *base, const char *path)
{
	return remove(base, path, true);
}

/* True if d is anc or below it (caller holds the ns_lock: parents are stable). */
bool dentry_is_below(struct dentry *d, struct dentry *anc)
{
	for (;;) {
		if (d == anc)
			return true;
		if (d->parent == d)
			return false;
		d = d->parent;
	}
}

/* Linux's fsnotify_move, once the rename is done: one cookie pairs the
 * two names; a replaced file's link count changed. */
static void notify_rename(struct dentry *op, struct dentry *np, const char *oname, size_t olen,
			  const char *nname, size_t nlen, struct inode *src, struct inode *victim)
{
	u32 isdir = S_ISDIR(src->mode) ? IN_ISDIR : 0;

	if (!fsnotify_on(src))
		return;
	u32 cookie = fsnotify_cookie();
	fsnotify_name(op->inode, IN_MOVED_FROM | isdir, oname, olen, cookie);
	fsnotify_name(np->inode, IN_MOVED_TO | isdir, nname, nlen, cookie);
	if (op->inode == np->inode)
		fsnotify_dnotify(op->inode, DN_RENAME);
	if (victim)
		fsnotify_inode(victim, IN_ATTRIB);
	fsnotify_inode(src, IN_MOVE_SELF);
}

/* rename where the filesystem keeps its own directories: it moves the
 * entry (replacing dst's) first, then the dentry tree follows. Drops the
 * references on src and dst. */
static int rename_fs(struct dentry *op, struct dentry *np, struct dentry *src,
		     struct dentry *dst, const char *nname, size_t nlen)
{
	struct inode *odir = op->inode, *ndir = np->inode;
	int rc;

	/* The ns_lock (held) serialises every change to directory contents. */
	rc = odir->iop->rename(odir, src->name, src->name_len, src->inode, ndir, nname, nlen,
			       dst ? dst->inode : NULL);
	if (!rc)
		notify_rename(op, np, src->name, src->name_len, nname, nlen, src->inode,
			      dst ? dst->inode : NULL);
	if (!rc && dst)
		d_delete(dst);
	if (!rc)
		rc = d_move(src, np, nname, nlen);
	if (dst)
		dentry_put(dst);
	dentry_put(src);
	return rc;
}

/* RENAME_EXCHANGE where the dentry tree is the directory (memfs): the
 * two names swap; a directory that changes parent moves a link. */
static int exchange_locked(struct dentry *op, struct dentry *np, struct dentry *src,
			   struct dentry *dst)
{
	int rc = d_exchange(src, dst);

	if (rc)
		return rc;
	if (op != np && is_dir(src) != is_dir(dst)) {
		struct dentry *from = is_dir(src) ? op : np, *to = is_dir(src) ? np : op;
		from->inode->nlink--;
		to->inode->nlink++;
	}
	struct timespec64 now = vfs_now();
	src->inode->ctime = dst->inode->ctime = now;
	op->inode->mtime = op->inode->ctime = np->inode->mtime = np->inode->ctime = now;
	/* two moves, as Linux reports an exchange; the names are the new ones */
	notify_rename(op, np, dst->name, dst->name_len, src->name, src->name_len, src->inode,
		      NULL);
	notify_rename(np, op, src->name, src->name_len, dst->name, dst->name_len, dst->inode,
		      NULL);
	return 0;
}

static int rename_locked(const struct cred *c, struct dentry *op, struct dentry *np,
			 const char *oname, size_t olen, const char *nname, size_t nlen,
			 unsigned flags, const struct landlock_masks *ll)
{
	bool exchange = flags & RENAME_EXCHANGE;

	int rc;
	struct dentry *src = lookup_locked(op, oname, olen, &rc), *dst = NULL;

	if (!src)
		return rc ? rc : -ENOENT;
	if (op->dead || np->dead) {
		rc = -ENOENT;
		goto out;
	}
	dst = lookup_locked(np, nname, nlen, &rc);
	if (rc)
		goto out;
	if (dst && (flags & RENAME_NOREPLACE)) {
		rc = -EEXIST;
		goto out;
	}
	if (!dst && exchange) {
		rc = -ENOENT;
		goto out;
	}
	/* "file/" names a directory; in an exchange either name may */
	if ((!is_dir(src) && (oname[olen] == '/' || (!exchange && nname[nlen] == '/'))) ||
	    (exchange && !is_dir(dst) && nname[nlen] == '/')) {
		rc = -ENOTDIR;
		goto out;
	}
	/* Landlock: remove on the old side, make (and remove what it
	 * replaces) on the new; REFER across directories */
	u32 req_src = landlock_remove_access(src->inode->mode), req_dst;
	req_dst = landlock_make_access(src->inode->mode);
	if (dst) {
		req_dst |= landlock_remove_access(dst->inode->mode);
		if (exchange)
			req_src |= landlock_make_access(dst->inode->mode);
	}
	if ((rc = landlock_check_refer(&ll[0], &ll[1], op == np, req_src, req_dst, exchange)))
		goto out;
	if (dst && dst->inode == src->inode)
		goto out;	/* the same file: nothing to do */
	/* the old name goes, the new one is made or replaces dst; a
	 * directory that changes parent rewrites its "..": write on it
	 * (both, in an exchange) */
	if ((rc = may_delete(c, op, src)) ||
	    (rc = dst ? may_delete(c, np, dst) : may_create(c, np)) ||
	    (is_dir(src) && op != np && (rc = inode_permission(c, src->inode, MAY_WRITE))) ||
	    (exchange && is_dir(dst) && op != np &&
	     (rc = inode_permission(c, dst->inode, MAY_WRITE))))
		goto out;
	/* nothing moves below itself; in an exchange dst moves too */
	if ((is_dir(src) && dentry_is_below(np, src)) || (exchange && is_dir(dst) && dentry_is_below(op, dst))) {
		rc = -EINVAL;
		goto out;
	}
	/* a directory may change parent: Landlock's rights gathered
	 * before the lock are stale (lock_with_masks) */
	if (op != np && (is_dir(src) || (exchange && is_dir(dst))))
		atomic_inc(&dir_moves);
	if (!exchange && dst && is_dir(dst) && dentry_is_below(op, dst)) {
		rc = -ENOTEMPTY;	/* the target is an ancestor of the source */
		goto out;
	}
	if (exchange) {
		if (src->mounted || dst->mounted)
			rc = -EBUSY;
		else if (op->inode->iop->rename)
			rc = -EINVAL;	/* ext2: no exchange, as on Linux */
		else
			rc = exchange_locked(op, np, src, dst);
		goto out;
	}
	if (dst) {
		if (is_dir(src) && !is_dir(dst))
			rc = -ENOTDIR;
		else if (!is_dir(src) && is_dir(dst))
			rc = -EISDIR;
		else if (is_dir(dst) && !dir_empty(dst))
			rc = -ENOTEMPTY;
		else if (dst->mounted)
			rc = -EBUSY;
		if (rc)
			goto out;
	}
	if (src->mounted) {
		rc = -EBUSY;
		goto out;
	}
	if (op->inode->iop->rename)
		return rename_fs(op, np, src, dst, nname, nlen);
	if (dst && (rc = remove_locked(np, dst)))
		goto out;
	rc = d_move(src, np, nname, nlen);
	if (!rc && is_dir(src) && op != np) {
		op->inode->nlink--;
		np->inode->nlink++;
	}
	if (!rc)
		src->inode->ctime = op->inode->mtime = np->inode->mtime = vfs_now();
	if (!rc)
		notify_rename(op, np, oname, olen, nname, nlen, src->inode, dst ? dst->inode : NULL);
out:
	if (dst)
		dentry_put(dst);
	dentry_put(src);
	return rc;
}

int vfs_rename(const struct path *obase, const char *old, const struct path *nbase,
	       const char *new, unsigned flags)
{
	struct path op, np;
	const char *oname, *nname;
	size_t olen, nlen;
	struct cred c;
	int rc;

	cred_current(&c);
	if ((rc = walk_parent(&c, obase, old, 0, &op, &oname, &olen)))
		return rc;
	rc = walk_parent(&c, nbase, new, 0, &np, &nname, &nlen);
	if (rc) {
		path_put(&op);
		return rc;
	}
	if (dot_or_dotdot(oname, olen) || dot_or_dotdot(nname, nlen))
		rc = -EBUSY;
	else if (op.dentry->sb != np.dentry->sb || op.mnt != np.mnt)
		rc = -EXDEV;
	else
		rc = vfs_path_writable(&op);
	struct landlock_masks ll[2];
	struct super_block *sb = op.dentry->sb;
	if (!rc && !(rc = lock_with_masks(sb, &op, &ll[0], &np, &ll[1]))) {
		rc = rename_locked(&c, op.dentry, np.dentry, oname, olen, nname, nlen, flags, ll);
		mutex_unlock(&sb->ns_lock);
	}
	path_put(&np);
	path_put(&op);
	return rc;
}

int vfs_path_name_at(const struct path *p, char *buf, size_t len, bool *unreachable)
{
	struct path cur = *p, root;
	size_t at = len;

	if (len < 2)
		return -ERANGE;
	buf[--at] = '\0';
	*unreachable = false;
	proc_root(&root);	/* the name is seen from there (chroot) */
	path_get(&cur);
	for (;;) {
		if (same_path(&cur, &root))
			break;
		while (mount_up(&cur) && !same_path(&cur, &root))
			;
		if (same_path(&cur, &root))
			break;
		struct dentry *d = cur.dentry;
		if (d->parent == d) {	/* the top, not passing our root */
			*unreachable = true;
			break;
		}
		mutex_lock(&d->sb->ns_lock);	/* name and parent, as one */
		size_t n = d->name_len;
		bool fits = at >= n + 1;
		if (fits) {
			at -= n;
			memcpy(buf + at, d->name, n);
			buf[--at] = '/';
		}
		struct dentry *up = dentry_get(d->parent);
		mutex_unlock(&d->sb->ns_lock);
		dentry_put(cur.dentry);
		cur.dentry = up;
		if (!fits) {
			path_put(&cur);
			path_put(&root);
			return -ERANGE;
		}
	}
	path_put(&cur);
	path_put(&root);
	if (at == len - 1)
		buf[--at] = '/';
	memmove(buf, buf + at, len - at);
	return (int)(len - at);
}

int vfs_path_name(const struct path *p, char *buf, size_t len)
{
	bool unreachable;

	return vfs_path_name_at(p, buf, len, &unreachable);
}

void vfs_mount_list_add(struct mount *m)
{
	if (!mount_list_ready) {	/* the first mount is at boot, on one CPU */
		mutex_init(&mount_list_lock, "mount-list", LR_MUTEX_MOUNT_LIST);
		mount_list_ready = true;
	}
	mutex_lock(&mount_list_lock);
	list_add_tail(&m->all, &all_mounts);
	mutex_unlock(&mount_list_lock);
}

void vfs_mount_unlist(struct mount *m)
{
	mutex_lock(&mount_list_lock);
	list_del_init(&m->all);		/* a lazy unmount's, then its release's */
	mutex_unlock(&mount_list_lock);
}

int vfs_for_each_mount(int (*fn)(void *ctx, struct mount *m), void *ctx)
{
	struct mount *m;
	int rc = 0;

	mutex_lock(&mount_list_lock);
	list_for_each_entry(m, &all_mounts, all) {
		if ((rc = fn(ctx, m)))
			break;
	}
	mutex_unlock(&mount_list_lock);
	return rc;
}

int vfs_mount(struct super_block *sb, const struct path *at)
{
	return vfs_mount_flags(sb, at, 0);
}

int vfs_mount_flags(struct super_block *sb, const struct path *at, u32 mnt_flags)
{
	struct mount *m = kzalloc(sizeof(*m), GFP_KERNEL);

	if (!m)
		return -ENOMEM;
	atomic_set(&m->count, 1);	/* the tree's */
	list_init(&m->children);
	list_init(&m->child);
	m->flags = mnt_flags & MNT_USER_FLAGS;
	m->root = dentry_get(sb->root);
	if (at && at->mnt->ns != mnt_ns_current()) {
		kfree(m);	/* another namespace's or a detached tree's */
		dentry_put(sb->root);
		return -EINVAL;
	}
	sb->nr_mounts++;		/* [mount lock]; at boot, alone */
	if (!at) {
		vfs_set_root(m);
		vfs_mount_list_add(m);
		return 0;
	}
	int rc = vfs_attach_mount(m, at);
	if (rc) {
		sb->nr_mounts--;
		dentry_put(m->root);
		kfree(m);
		return rc;
	}
	vfs_mount_set_ns(m, at->mnt->ns);
	vfs_mount_list_add(m);
	return 0;
}

struct mount *vfs_new_mount(struct super_block *sb, u32 mnt_flags)
{
	struct mount *m = kzalloc(sizeof(*m), GFP_KERNEL);

	if (!m)
		return NULL;
	atomic_set(&m->count, 1);	/* the tree's: its namespace's */
	list_init(&m->children);
	list_init(&m->child);
	m->flags = mnt_flags & MNT_USER_FLAGS;
	m->root = dentry_get(sb->root);
	sb->nr_mounts++;		/* [mount lock] */
	vfs_mount_list_add(m);
	return m;
}

/* Hangs m (no parent yet) on at: -EBUSY if something is mounted there
 * already (a walk would have crossed it) or at is no directory while m's
 * root is one. */
int vfs_attach_mount(struct mount *m, const struct path *at)
{
	struct inode *ri = m->root->inode, *ai = at->dentry->inode;

	if (!ai || !ri || at->dentry->dead)
		return -ENOENT;
	if (S_ISDIR(ri->mode) != S_ISDIR(ai->mode))
		return -ENOTDIR;	/* a directory on a file or a file on one */
	unsigned long fl = spin_lock_irqsave(&mount_cross_lock);
	int rc = vfs_attach_mount_locked(m, at);
	spin_unlock_irqrestore(&mount_cross_lock, fl);
	return rc;
}

int vfs_attach_mount_locked(struct mount *m, const struct path *at)
{
	struct mount *c;

	/* a lazily unmounted mount takes no new mounts: nothing could
	 * unmount them, and the child's count would keep it (and its
	 * filesystem) forever (umount sets lazy under this lock) */
	if (READ_ONCE(at->mnt->lazy))
		return -EINVAL;
	/* nor a dentry no walk finds again (procfs, ns files): the mount
	 * could never be reached or unmounted, and would pin what it names */
	if (at->dentry->uncached)
		return -EINVAL;

	list_for_each_entry(c, &at->mnt->children, child)
		if (c->mountpoint == at->dentry)
			return -EBUSY;
	m->mountpoint = dentry_get(at->dentry);
	m->parent = mnt_get(at->mnt);
	at->dentry->mounted++;
	list_add_tail(&m->child, &at->mnt->children);
	return 0;
}

/* Takes m off its mountpoint (the mount stays, with its parent and
 * mountpoint references, until its last count: a walk may be leaving
 * through it). Caller holds mount_cross_lock. */
void vfs_detach_mount_locked(struct mount *m)
{
	if (m->mountpoint && !list_empty(&m->child)) {
		list_del(&m->child);
		list_init(&m->child);
		m->mountpoint->mounted--;
	}
}
