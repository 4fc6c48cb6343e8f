/*
 * File locks (docs/locks.md): POSIX record locks, open file description
 * (OFD) locks and flock(2), as Linux's fs/locks.c.
 *
 * An inode's locks hang off inode->flctx, made on its first lock and
 * freed with the inode: a sleeper's wait queue lives there, and a sleeper
 * holds a file, so the inode (and the queue) outlives its sleep. Every
 * lock list, the count of records and the list of blocked F_SETLKW
 * requests are guarded by one spinlock, `file-locks`, taken with no other
 * lock held; sleepers are woken after it is dropped, and nothing sleeps,
 * allocates or copies user memory under it.
 *
 * Owners: a POSIX lock belongs to the fd table (Linux's fl_owner =
 * current->files: the process and its threads), an OFD or flock lock to
 * the struct file. Records come from kmalloc, preallocated before the
 * lock is taken; each is charged to the real uid of the process that
 * made it, and a user's records are capped per inode and in all, so a
 * hostile splitting pattern gets ENOLCK instead of the kernel's memory,
 * and one user at the cap does not make another user's locks fail.
 */
#include <alloy/errno.h>
#include <alloy/fdtable.h>
#include <alloy/flock.h>
#include <alloy/lockrank.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/uaccess.h>
#include <alloy/uid_usage.h>
#include <alloy/vfs.h>

#define OFF_MAX ((s64)MAX_FILE_SIZE)
#define FLOCK_INODE_MAX 1024	/* a user's lock records on one inode */
#define FLOCK_USER_MAX 16384	/* a user's lock records in all (about 1 MiB) */
#define DEADLOCK_DEPTH 10	/* owners followed by deadlock detection */

enum { FL_POSIX = 1, FL_OFD = 2, FL_FLOCK = 4 };

struct file_lock {
	struct list_head link;		/* in ctx->posix or ctx->flocks [flock_lock] */
	void *owner;			/* fdtable (POSIX) or file (OFD, flock) */
	int pid;			/* the locker's process, for F_GETLK */
	u32 uid;			/* charged for this record (real uid) */
	u8 type;			/* F_RDLCK, F_WRLCK (F_UNLCK: a request) */
	u8 kind;			/* FL_* */
	s64 start, end;			/* inclusive; end OFF_MAX: to EOF and on */
};

struct flock_ctx {
	struct list_head posix;		/* POSIX and OFD locks [flock_lock] */
	struct list_head flocks;	/* flock(2) locks [flock_lock] */
	int nr;				/* records on both [flock_lock] */
	struct wait_queue wq;		/* F_SETLKW and flock sleepers */
};

/* A sleeping POSIX F_SETLKW request, for deadlock detection. */
struct blocked {
	struct list_head link;		/* in blocked_list [flock_lock] */
	struct flock_ctx *ctx;
	const struct file_lock *req;
};

static spinlock_t flock_lock = SPINLOCK_INIT("file-locks", LR_FLOCK);
static LIST_HEAD(blocked_list);
static struct uid_usage lock_users;	/* [flock_lock] records per user */

/* The uapi struct flock (x86-64; the 64 forms are the same). */
struct uflock {
	s16 l_type, l_whence;
	s64 l_start, l_len;
	s32 l_pid;
};

static struct flock_ctx *ctx_of(struct inode *i, bool make)
{
	struct flock_ctx *c = __atomic_load_n(&i->flctx, __ATOMIC_ACQUIRE);

	if (c || !make)
		return c;
	struct flock_ctx *n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return NULL;
	list_init(&n->posix);
	list_init(&n->flocks);
	wait_queue_init(&n->wq, "file-locks-wq");
	if (__atomic_compare_exchange_n(&i->flctx, &c, n, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return n;
	kfree(n);		/* another locker made it first */
	return c;
}

void flock_inode_free(struct inode *i)
{
	/* Every lock went with its owner's last close (which held i). */
	kfree(i->flctx);
	i->flctx = NULL;
}

static bool overlap(const struct file_lock *a, s64 start, s64 end)
{
	return a->start <= end && start <= a->end;
}

static bool conflicts(const struct file_lock *held, const struct file_lock *req)
{
	return held->owner != req->owner &&
	       (held->type == F_WRLCK || req->type == F_WRLCK) &&
	       overlap(held, req->start, req->end);
}

static struct file_lock *first_conflict(struct list_head *list, const struct file_lock *req)
{
	struct file_lock *l;

	list_for_each_entry(l, list, link)
		if (conflicts(l, req))
			return l;
	return NULL;
}

static void drop(struct flock_ctx *c, struct file_lock *l, struct list_head *freed)
{
	list_del(&l->link);
	list_add(&l->link, freed);
	c->nr--;
	uid_usage_uncharge(&lock_users, l->uid, 1);
}

/* Kept in order of start, as Linux's: F_GETLK reports the first conflict. */
static void insert(struct flock_ctx *c, struct list_head *list, struct file_lock *l)
{
	struct file_lock *at;

	list_for_each_entry(at, list, link)
		if (at->start > l->start)
			break;
	list_add_tail(&l->link, &at->link);
	c->nr++;
	uid_usage_charge(&lock_users, l->uid, 1, 0);	/* room_for checked */
}

static void free_list(struct list_head *freed)
{
	struct file_lock *l, *n;

	list_for_each_entry_safe(l, n, freed, link)
		kfree(l);
}

/* uid's records on c */
static int user_records(const struct flock_ctx *c, u32 uid)
{
	const struct file_lock *l;
	int n = 0;

	list_for_each_entry(l, &c->posix, link)
		n += l->uid == uid;
	list_for_each_entry(l, &c->flocks, link)
		n += l->uid == uid;
	return n;
}

/* May the user making req have `more` records more (per inode, in all)? */
static bool room_for(const struct flock_ctx *c, const struct file_lock *req, int more)
{
	return more <= 0 ||
	       (user_records(c, req->uid) + more <= FLOCK_INODE_MAX &&
		uid_usage_get(&lock_users, req->uid) + (u64)more <= FLOCK_USER_MAX);
}

/* Is the owner of `block` (through the locks its own sleeping requests
 * wait for) waiting for req's owner? Only POSIX owners, as Linux's. */
static bool deadlocks(const struct file_lock *req, const struct file_lock *block)
{
	for (int depth = 0; depth < DEADLOCK_DEPTH; depth++) {
		struct blocked *b, *found = NULL;
		if (block->kind != FL_POSIX)
			return false;
		list_for_each_entry(b, &blocked_list, link) {
			if (b->req->owner == block->owner) {
				found = b;
				break;
			}
		}
		if (!found || !(block = first_conflict(&found->ctx->posix, found->req)))
			return false;
		if (block->owner == req->owner)
			return true;
	}
	return false;
}

/*
 * Applies req (no conflict left) to its owner's locks: ranges of the same
 * type that overlap or touch merge into one, others are cut around it
 * (one split into two takes a spare). Changes nothing on -ENOLCK.
 */
static int posix_apply(struct flock_ctx *c, const struct file_lock *req,
		       struct file_lock **spare, struct list_head *freed, bool *changed)
{
	s64 s = req->start, e = req->end, ns = s, ne = e;
	int more = req->type != F_UNLCK;
	struct file_lock *l, *n;

	list_for_each_entry(l, &c->posix, link) {
		if (l->owner != req->owner)
			continue;
		bool touch = (l->end < s && l->end + 1 == s) || (l->start > e && e + 1 == l->start);
		if (l->type == req->type && (touch || overlap(l, s, e)))
			more--;
		else if (l->type != req->type && l->start >= s && l->end <= e)
			more--;
		else if (l->type != req->type && l->start < s && l->end > e)
			more++;
	}
	if (!room_for(c, req, more))
		return -ENOLCK;
	list_for_each_entry_safe(l, n, &c->posix, link) {
		if (l->owner != req->owner)
			continue;
		bool touch = (l->end < s && l->end + 1 == s) || (l->start > e && e + 1 == l->start);
		if (!overlap(l, s, e) && !(touch && l->type == req->type))
			continue;
		*changed = true;
		if (l->type == req->type) {		/* absorbed */
			ns = MIN(ns, l->start);
			ne = MAX(ne, l->end);
			drop(c, l, freed);
		} else if (l->start >= s && l->end <= e) {
			drop(c, l, freed);
		} else if (l->start < s && l->end > e) {	/* split in two */
			struct file_lock *r = spare[1];
			spare[1] = NULL;
			*r = *l;
			r->start = e + 1;
			l->end = s - 1;
			insert(c, &c->posix, r);
		} else if (l->start < s) {
			l->end = s - 1;
		} else {
			l->start = e + 1;
			list_del(&l->link);	/* keep the order of start */
			c->nr--;
			uid_usage_uncharge(&lock_users, l->uid, 1);
			insert(c, &c->posix, l);
		}
	}
	if (req->type != F_UNLCK) {
		struct file_lock *m = spare[0];
		spare[0] = NULL;
		*m = *req;
		m->start = ns;
		m->end = ne;
		insert(c, &c->posix, m);
	}
	return 0;
}

/*
 * Sets or clears req on f's inode: 0, -EAGAIN (a conflict and !wait),
 * -EDEADLK, -ENOLCK, -ENOMEM or -ERESTARTSYS (a signal while waiting).
 */
static long posix_set(struct file *f, struct file_lock *req, bool wait)
{
	struct flock_ctx *c = ctx_of(f->inode, req->type != F_UNLCK);
	struct file_lock *spare[2];
	struct waiter w = { .task = NULL };
	struct blocked b = { .req = req, .ctx = c };
	bool queued = false, changed = false;
	LIST_HEAD(freed);
	long rc;

	if (!c)
		return req->type == F_UNLCK ? 0 : -ENOMEM;
	spare[0] = kmalloc(sizeof(struct file_lock), GFP_KERNEL);
	spare[1] = kmalloc(sizeof(struct file_lock), GFP_KERNEL);
	if (!spare[0] || !spare[1]) {
		kfree(spare[0]);
		kfree(spare[1]);
		return -ENOLCK;
	}
	for (;;) {
		if (wait)
			prepare_to_wait(&c->wq, &w);
		unsigned long flags = spin_lock_irqsave(&flock_lock);
		struct file_lock *block = req->type == F_UNLCK ? NULL
							       : first_conflict(&c->posix, req);
		if (!block)
			rc = posix_apply(c, req, spare, &freed, &changed);
		else if (!wait)
			rc = -EAGAIN;
		else if (req->kind == FL_POSIX && deadlocks(req, block))
			rc = -EDEADLK;
		else if (signal_pending())
			rc = -ERESTARTSYS;
		else
			rc = 1;		/* sleep */
		if (rc == 1 && !queued && req->kind == FL_POSIX) {
			list_add_tail(&b.link, &blocked_list);
			queued = true;
		} else if (rc != 1 && queued) {
			list_del(&b.link);
			queued = false;
		}
		spin_unlock_irqrestore(&flock_lock, flags);
		if (rc != 1)
			break;
		schedule();
	}
	if (wait)
		finish_wait(&c->wq, &w);
	kfree(spare[0]);
	kfree(spare[1]);
	free_list(&freed);
	if (changed)
		wake_up_all(&c->wq);
	return rc;
}

/* Linux's flock_to_posix_lock: the range of u in req, or an errno. */
static int range_of(struct file *f, const struct uflock *u, struct file_lock *req)
{
	s64 base, start, end;

	switch (u->l_whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (s64)READ_ONCE(f->pos);
		break;
	case SEEK_END:
		base = (s64)READ_ONCE(f->inode->size);
		break;
	default:
		return -EINVAL;
	}
	if (__builtin_add_overflow(base, u->l_start, &start))
		return -EOVERFLOW;
	if (start < 0)
		return -EINVAL;
	if (u->l_len > 0) {
		if (__builtin_add_overflow(start, u->l_len - 1, &end))
			return -EOVERFLOW;
	} else if (u->l_len < 0) {
		if (start + u->l_len < 0)
			return -EINVAL;
		end = start - 1;
		start += u->l_len;
	} else {
		end = OFF_MAX;
	}
	if (end < start)
		return -EOVERFLOW;
	req->start = start;
	req->end = end;
	if (u->l_type != F_RDLCK && u->l_type != F_WRLCK && u->l_type != F_UNLCK)
		return -EINVAL;
	req->type = (u8)u->l_type;
	return 0;
}

static bool ofd_cmd(int cmd)
{
	return cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
}

static long getlk(struct file *f, struct file_lock *req, struct uflock *u)
{
	struct flock_ctx *c = ctx_of(f->inode, false);
	struct file_lock found = { .type = F_UNLCK };

	if (c) {
		unsigned long flags = spin_lock_irqsave(&flock_lock);
		struct file_lock *l = first_conflict(&c->posix, req);
		if (l)
			found = *l;
		spin_unlock_irqrestore(&flock_lock, flags);
	}
	u->l_type = found.type;
	if (found.type != F_UNLCK) {
		u->l_whence = SEEK_SET;
		u->l_start = found.start;
		u->l_len = found.end == OFF_MAX ? 0 : found.end - found.start + 1;
		u->l_pid = found.kind == FL_OFD ? -1 : found.pid;
	}
	return 0;
}

long flock_fcntl(struct file *f, int fd, int cmd, u64 arg)
{
	struct uflock u;
	struct file_lock req = { .owner = cur_files(), .kind = FL_POSIX,
				 .pid = current_proc()->pid,
				 .uid = READ_ONCE(current_proc()->uid[0]) };
	long rc;

	if (f->flags & O_PATH || !f->inode)
		return -EBADF;
	if (copy_from_user(&u, (const void *)arg, sizeof(u)))
		return -EFAULT;
	bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
	if (get && u.l_type != F_RDLCK && u.l_type != F_WRLCK)
		return -EINVAL;
	if ((rc = range_of(f, &u, &req)))
		return rc;
	u32 acc = f->flags & O_ACCMODE;
	if (!get && ((req.type == F_RDLCK && acc == O_WRONLY) ||
		     (req.type == F_WRLCK && acc == O_RDONLY)))
		return -EBADF;
	if (ofd_cmd(cmd)) {
		if (u.l_pid)
			return -EINVAL;
		req.owner = f;
		req.kind = FL_OFD;
		req.pid = -1;
	}
	if (get) {
		getlk(f, &req, &u);
		return copy_to_user((void *)arg, &u, sizeof(u)) ? -EFAULT : 0;
	}
	rc = posix_set(f, &req, cmd == F_SETLKW || cmd == F_OFD_SETLKW);
	/* A thread closed fd meanwhile, after its close dropped our locks:
	 * do not leave one behind that no close will take (Linux's check). */
	if (!rc && req.kind == FL_POSIX && req.type != F_UNLCK) {
		struct file *now = fd_get(req.owner, fd);
		if (now != f) {
			req.type = F_UNLCK;
			posix_set(f, &req, false);
		}
		file_put(now);
	}
	return rc;
}

long flock_flock(struct file *f, u32 cmd)
{
	u8 type = cmd & LOCK_UN ? F_UNLCK : cmd & LOCK_EX ? F_WRLCK : F_RDLCK;
	bool wait = !(cmd & LOCK_NB);
	struct flock_ctx *c = ctx_of(f->inode, type != F_UNLCK);
	struct file_lock req = { .owner = f, .kind = FL_FLOCK, .type = type,
				 .pid = current_proc()->pid, .end = OFF_MAX,
				 .uid = READ_ONCE(current_proc()->uid[0]) };
	struct waiter w = { .task = NULL };
	LIST_HEAD(freed);
	long rc;

	if (!c)
		return type == F_UNLCK ? 0 : -ENOMEM;
	struct file_lock *spare = kmalloc(sizeof(*spare), GFP_KERNEL);
	if (!spare)
		return -ENOLCK;
	for (;;) {
		bool changed = false;
		if (wait)
			prepare_to_wait(&c->wq, &w);
		unsigned long flags = spin_lock_irqsave(&flock_lock);
		struct file_lock *l, *mine = NULL;
		list_for_each_entry(l, &c->flocks, link)
			if (l->owner == f)
				mine = l;
		if (mine && mine->type == type) {
			rc = 0;
		} else {
			/* A conversion drops the old lock first, as Linux's:
			 * waiting with it held could deadlock two converters. */
			if (mine) {
				drop(c, mine, &freed);
				changed = true;
			}
			if (type == F_UNLCK)
				rc = 0;
			else if (first_conflict(&c->flocks, &req))	/* EWOULDBLOCK */
				rc = !wait ? -EAGAIN : signal_pending() ? -ERESTARTSYS : 1;
			else if (!room_for(c, &req, 1))
				rc = -ENOLCK;
			else {
				*spare = req;
				insert(c, &c->flocks, spare);
				spare = NULL;
				rc = 0;
			}
		}
		spin_unlock_irqrestore(&flock_lock, flags);
		if (changed)
			wake_up_all(&c->wq);
		if (rc != 1)
			break;
		schedule();
	}
	if (wait)
		finish_wait(&c->wq, &w);
	kfree(spare);
	free_list(&freed);
	return rc;
}

/* Drops the records on list matching (kind, owner); true if any. */
static bool drop_owned(struct flock_ctx *c, struct list_head *list, int kind, void *owner,
		       struct list_head *freed)
{
	struct file_lock *l, *n;
	bool any = false;

	list_for_each_entry_safe(l, n, list, link) {
		if (l->kind == kind && l->owner == owner) {
			drop(c, l, freed);
			any = true;
		}
	}
	return any;
}

void flock_close_posix(struct file *f, struct fdtable *t)
{
	struct flock_ctx *c = f->inode ? ctx_of(f->inode, false) : NULL;
	LIST_HEAD(freed);

	if (!c)
		return;		/* never locked: the common close */
	unsigned long flags = spin_lock_irqsave(&flock_lock);
	bool any = drop_owned(c, &c->posix, FL_POSIX, t, &freed);
	spin_unlock_irqrestore(&flock_lock, flags);
	if (any) {
		free_list(&freed);
		wake_up_all(&c->wq);
	}
}

void flock_release_file(struct file *f)
{
	struct flock_ctx *c = f->inode ? ctx_of(f->inode, false) : NULL;
	LIST_HEAD(freed);

	if (!c)
		return;
	unsigned long flags = spin_lock_irqsave(&flock_lock);
	bool any = drop_owned(c, &c->posix, FL_OFD, f, &freed);
	any |= drop_owned(c, &c->flocks, FL_FLOCK, f, &freed);
	spin_unlock_irqrestore(&flock_lock, flags);
	if (any) {
		free_list(&freed);
		wake_up_all(&c->wq);
	}
}
