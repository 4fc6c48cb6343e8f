/*
 * Pseudo-terminals (Unix 98): opening /dev/ptmx makes a pair, a master
 * file and a slave terminal that /dev/pts/N opens. The slave is a struct
 * tty like the console, with its own line discipline instance and the
 * same file operations (tty.c); its output, after output processing,
 * goes to a bounded ring the master reads, and what the master writes is
 * the slave's input, fed through the discipline (echo comes back to the
 * master's ring). A master writer waits while the slave's input queue is
 * full, a slave writer while the ring is.
 *
 * Lifetime: struct pty is owned by its open files. Each open master or
 * slave file holds one reference (refs, under pty_lock, as is the table
 * of indices); the last close frees the pair and its index, so closes
 * on two CPUs at once serialise on pty_lock and exactly one frees. The
 * side states (master_open, slave_opens, locked) are under tty.lock,
 * which readers and writers check. Closing the master hangs the slave
 * up (tty_hangup: SIGHUP and SIGCONT to its session leader); when the
 * last slave file closes, master reads return what is left, then EIO.
 *
 * devpts: /dev/pts lists the live pairs. It has no state of its own: a
 * lookup asks the table (SB_NOCACHE, as procfs), so every devpts mount
 * shows the same pairs and a pair's node goes when the pair does.
 */
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/fdtable.h>
#include <alloy/lockrank.h>
#include <alloy/mutex.h>
#include <alloy/poll.h>
#include <alloy/printf.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>
#include <alloy/tty.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>
#include <uapi/fcntl.h>

#define PTY_LIMIT	4096		/* indices: /dev/pts/0 .. 4095 */
#define PTY_RING	8192		/* slave output the master has not read */
#define CHUNK		512
#define DEVPTS_MAGIC	0x1cd1

struct pty {
	struct tty tty;			/* the slave */
	int index;
	int refs;			/* [pty_lock] open master and slave files */
	u32 uid, gid;			/* the opener's: the slave node's owner */
	bool master_open;		/* [tty.lock] */
	bool locked;			/* [tty.lock] TIOCSPTLCK: slave opens are EIO */
	bool slave_closed;		/* [tty.lock] the last slave file has closed */
	int slave_opens;		/* [tty.lock] */
	u8 ring[PTY_RING];		/* [tty.lock] slave output */
	unsigned head, tail;		/* [tty.lock] free-running */
	struct wait_queue m_rd_wq;	/* master readers: output queued, slave gone */
	struct wait_queue m_wr_wq;	/* master writers: the slave consumed input */
};

static struct mutex pty_lock;
static bool pty_ready;
static struct pty *ptys[PTY_LIMIT];	/* [pty_lock] */
static long pty_max = PTY_LIMIT;
static long pty_nr;			/* [pty_lock] pairs allocated */

SYSCTL_INT(pty_max, "kernel/pty/max", 0644, &pty_max, 0, PTY_LIMIT);
SYSCTL_INT(pty_nr, "kernel/pty/nr", 0444, &pty_nr, 0, PTY_LIMIT);

static void pty_init_once(void)
{
	/* the first /dev/ptmx open runs before any other pty code */
	if (!READ_ONCE(pty_ready)) {
		static spinlock_t once = SPINLOCK_INIT("pty-once", LR_TTY);
		unsigned long fl = spin_lock_irqsave(&once);
		if (!pty_ready) {
			mutex_init(&pty_lock, "pty", LR_MUTEX_DEFAULT);
			WRITE_ONCE(pty_ready, true);
		}
		spin_unlock_irqrestore(&once, fl);
	}
}

static struct pty *pty_of(struct tty *t)
{
	return container_of(t, struct pty, tty);
}

/* Drops a file's reference; the last frees the pair and its index. */
static void pty_put(struct pty *p)
{
	mutex_lock(&pty_lock);
	bool last = --p->refs == 0;
	if (last) {
		ptys[p->index] = NULL;
		pty_nr--;
	}
	mutex_unlock(&pty_lock);
	if (last)
		kfree(p);
}

static u32 slave_rdev(int index)
{
	return MKDEV(PTY_SLAVE_MAJOR + (index >> 8), index & 0xff);
}

/* ---- the slave's hardware side ---- */

static size_t ring_used(const struct pty *p)
{
	return p->head - p->tail;
}

static size_t pty_write_room(struct tty *t)
{
	return PTY_RING - ring_used(pty_of(t));
}

static void pty_queue(struct tty *t, const u8 *b, size_t n)
{
	struct pty *p = pty_of(t);

	for (size_t i = 0; i < n; i++)
		p->ring[p->head++ % PTY_RING] = b[i];
}

static void pty_flush(struct tty *t)
{
	struct pty *p = pty_of(t);

	p->tail = p->head;
}

static void pty_notify(struct tty *t)
{
	struct pty *p = pty_of(t);

	wake_up_all(&p->m_rd_wq);
	wake_up_all(&p->m_wr_wq);
}

static void pty_slave_release(struct tty *t, struct file *f)
{
	struct pty *p = pty_of(t);

	(void)f;
	unsigned long fl = spin_lock_irqsave(&t->lock);
	if (--p->slave_opens == 0)
		p->slave_closed = true;
	spin_unlock_irqrestore(&t->lock, fl);
	pty_notify(t);
	pty_put(p);
}

static const struct tty_ops pty_ops = {
	.write_room = pty_write_room,
	.queue = pty_queue,
	.notify = pty_notify,
	.flush = pty_flush,
	.release = pty_slave_release,
};

/* ---- the master ---- */

static struct pty *master_of(struct file *f)
{
	return f->priv;
}

static bool master_can_read(struct pty *p)
{
	unsigned long fl = spin_lock_irqsave(&p->tty.lock);
	bool r = ring_used(p) || p->slave_closed;

	spin_unlock_irqrestore(&p->tty.lock, fl);
	return r || signal_pending();
}

static long master_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct pty *p = master_of(f);
	u8 buf[CHUNK];

	(void)pos;
	if (!n)
		return 0;
	for (;;) {
		unsigned long fl = spin_lock_irqsave(&p->tty.lock);
		size_t k = MIN(MIN(n, sizeof(buf)), ring_used(p));
		unsigned from = p->tail;
		bool gone = p->slave_closed;
		for (size_t i = 0; i < k; i++)
			buf[i] = p->ring[(from + i) % PTY_RING];
		p->tail += (unsigned)k;
		spin_unlock_irqrestore(&p->tty.lock, fl);
		if (k) {
			if (iob_copy_out(b, 0, buf, k)) {
				/* nothing read: give the bytes back unless
				 * another reader took some since */
				fl = spin_lock_irqsave(&p->tty.lock);
				/* and unless writers refilled the ring behind
				 * the advanced tail: putting it back then
				 * would count more than the ring holds */
				if (p->tail == from + k && p->head - from <= PTY_RING)
					p->tail = from;
				spin_unlock_irqrestore(&p->tty.lock, fl);
				return -EFAULT;
			}
			wake_up_all(&p->tty.wr_wq);
			return (long)k;
		}
		if (gone)
			return -EIO;	/* every slave file closed (Linux) */
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (signal_pending())
			return -ERESTARTSYS;
		wait_event(p->m_rd_wq, master_can_read(p));
	}
}

/* tty_receive would take a byte: room, or a full line nobody can read
 * (then the discipline drops bytes rather than block forever). */
static bool master_can_write(struct pty *p)
{
	unsigned long fl = spin_lock_irqsave(&p->tty.lock);
	bool w = ldisc_room(&p->tty.ld) || !ldisc_readable(&p->tty.ld) || p->slave_closed;

	spin_unlock_irqrestore(&p->tty.lock, fl);
	return w;
}

static long master_write(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct pty *p = master_of(f);
	u8 buf[CHUNK];
	size_t done = 0;

	(void)pos;
	while (done < n) {
		size_t k = MIN(n - done, sizeof(buf)), used = 0;
		if (iob_copy_in(buf, b, done, k))
			return done ? (long)done : -EFAULT;
		while (used < k) {
			used += tty_receive(&p->tty, buf + used, k - used, true);
			if (used == k)
				break;
			size_t part = done + used;
			unsigned long fl = spin_lock_irqsave(&p->tty.lock);
			bool gone = p->slave_closed;
			spin_unlock_irqrestore(&p->tty.lock, fl);
			if (gone)	/* nobody will read the full queue */
				return part ? (long)part : -EIO;
			if (f->flags & O_NONBLOCK)
				return part ? (long)part : -EAGAIN;
			if (signal_pending())
				return part ? (long)part : -ERESTARTSYS;
			wait_event(p->m_wr_wq, master_can_write(p) || signal_pending());
		}
		done += k;
	}
	return (long)done;
}

static unsigned int master_poll(struct file *f, struct poll_table *pt)
{
	struct pty *p = master_of(f);
	unsigned int m = 0;

	poll_wait(pt, &p->m_rd_wq);
	poll_wait(pt, &p->m_wr_wq);
	unsigned long fl = spin_lock_irqsave(&p->tty.lock);
	if (ring_used(p))
		m |= POLLIN | POLLRDNORM;
	if (p->slave_closed)
		m |= POLLIN | POLLRDNORM | POLLHUP;
	spin_unlock_irqrestore(&p->tty.lock, fl);
	if (master_can_write(p))
		m |= POLLOUT | POLLWRNORM;
	return m;
}

/* TIOCGPTPEER: the slave opened through the master, by its devpts path */
static long open_peer(struct pty *p, u64 flags)
{
	char path[32];
	struct file *nf;
	int rc;

	if (flags & ~(u64)(O_ACCMODE | O_NOCTTY | O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	snprintf(path, sizeof(path), "/dev/pts/%d", p->index);
	if ((rc = vfs_open(NULL, path, (u32)flags, 0, &nf)))
		return rc;
	if (nf->priv != &p->tty) {	/* something else is mounted there */
		file_put(nf);
		return -EIO;
	}
	rc = fd_install(cur_files(), nf, 0, flags & O_CLOEXEC);
	if (rc < 0)
		file_put(nf);
	return rc;
}

static long master_ioctl(struct file *f, u32 cmd, u64 arg)
{
	struct pty *p = master_of(f);
	unsigned long fl;
	int v;

	switch (cmd) {
	case TIOCGPTN:
		v = p->index;
		return copy_to_user((void *)arg, &v, sizeof(v));
	case TIOCSPTLCK:
		if (copy_from_user(&v, (const void *)arg, sizeof(v)))
			return -EFAULT;
		fl = spin_lock_irqsave(&p->tty.lock);
		p->locked = v != 0;
		spin_unlock_irqrestore(&p->tty.lock, fl);
		return 0;
	case TIOCGPTLCK:
		fl = spin_lock_irqsave(&p->tty.lock);
		v = p->locked;
		spin_unlock_irqrestore(&p->tty.lock, fl);
		return copy_to_user((void *)arg, &v, sizeof(v));
	case TIOCGPTPEER:
		return open_peer(p, arg);
	case FIONREAD:
		fl = spin_lock_irqsave(&p->tty.lock);
		v = (int)ring_used(p);
		spin_unlock_irqrestore(&p->tty.lock, fl);
		return copy_to_user((void *)arg, &v, sizeof(v));
	case TCFLSH:	/* the master's input is the slave's output */
		if (arg > TCIOFLUSH)
			return -EINVAL;
		if (arg != TCIFLUSH) {
			fl = spin_lock_irqsave(&p->tty.lock);
			ldisc_flush_input(&p->tty.ld);
			spin_unlock_irqrestore(&p->tty.lock, fl);
		}
		if (arg != TCOFLUSH) {
			fl = spin_lock_irqsave(&p->tty.lock);
			p->tail = p->head;
			spin_unlock_irqrestore(&p->tty.lock, fl);
		}
		wake_up_all(&p->tty.wr_wq);
		wake_up_all(&p->m_wr_wq);
		return 0;
	default:
		return tty_ioctl_on(&p->tty, cmd, arg, true);
	}
}

static void master_release(struct file *f)
{
	struct pty *p = master_of(f);
	unsigned long fl = spin_lock_irqsave(&p->tty.lock);

	p->master_open = false;
	spin_unlock_irqrestore(&p->tty.lock, fl);
	tty_hangup(&p->tty);
	pty_put(p);
}

static const struct file_ops master_fops = {
	.read = master_read,
	.write = master_write,
	.poll = master_poll,
	.ioctl = master_ioctl,
	.release = master_release,
};

int ptmx_open(struct inode *inode, struct file *f)
{
	struct pty *p = kzalloc(sizeof(*p), GFP_KERNEL);
	struct cred c;
	int i;

	(void)inode;
	if (!p)
		return -ENOMEM;
	pty_init_once();
	cred_current(&c);
	tty_setup(&p->tty, &pty_ops, false);
	wait_queue_init(&p->m_rd_wq, "pty-master-read");
	wait_queue_init(&p->m_wr_wq, "pty-master-write");
	p->uid = c.fsuid;
	p->gid = c.fsgid;
	p->master_open = true;
	p->locked = true;	/* until unlockpt(), as Linux */
	p->refs = 1;
	mutex_lock(&pty_lock);
	for (i = 0; i < PTY_LIMIT && ptys[i]; i++)
		;
	if (pty_nr >= READ_ONCE(pty_max) || i == PTY_LIMIT) {
		mutex_unlock(&pty_lock);
		kfree(p);
		return -ENOSPC;
	}
	p->index = i;
	p->tty.dev = slave_rdev(i);
	ptys[i] = p;
	pty_nr++;
	mutex_unlock(&pty_lock);
	f->fop = &master_fops;
	f->priv = p;
	return 0;
}

/* Takes a slave reference on pair p; caller holds pty_lock. */
static int slave_get(struct pty *p)
{
	unsigned long fl = spin_lock_irqsave(&p->tty.lock);
	int rc = !p->master_open || p->tty.hung_up || p->locked ? -EIO : 0;

	if (!rc) {
		p->slave_opens++;
		p->slave_closed = false;
		p->refs++;
	}
	spin_unlock_irqrestore(&p->tty.lock, fl);
	return rc;
}

int pty_slave_open(unsigned index, struct file *f)
{
	struct pty *p;
	int rc;

	pty_init_once();
	mutex_lock(&pty_lock);
	p = index < PTY_LIMIT ? ptys[index] : NULL;
	rc = p ? slave_get(p) : -ENXIO;
	mutex_unlock(&pty_lock);
	if (rc)
		return rc;
	f->fop = &tty_fops;
	f->priv = &p->tty;
	return 0;
}

/* The pair whose slave controls session sid; caller holds pty_lock. */
static struct pty *find_session(int sid)
{
	for (int i = 0; i < PTY_LIMIT; i++) {
		struct pty *p = ptys[i];
		if (p && READ_ONCE(p->tty.sid) == sid)
			return p;
	}
	return NULL;
}

struct tty *pty_tty_of_session(int sid)
{
	struct pty *p;

	if (!READ_ONCE(pty_ready) || sid <= 0)
		return NULL;
	mutex_lock(&pty_lock);
	p = find_session(sid);
	mutex_unlock(&pty_lock);
	return p ? &p->tty : NULL;	/* to compare only: no reference */
}

bool pty_hangup_session(int sid)
{
	struct pty *p;

	if (!READ_ONCE(pty_ready) || sid <= 0)
		return false;
	mutex_lock(&pty_lock);
	if ((p = find_session(sid)))
		p->refs++;	/* held across the hang-up: its files may close */
	mutex_unlock(&pty_lock);
	if (!p)
		return false;
	tty_hangup(&p->tty);
	pty_put(p);
	return true;
}

void pty_session_end(int sid)
{
	int fg = 0;

	if (!READ_ONCE(pty_ready))
		return;
	mutex_lock(&pty_lock);
	for (int i = 0; i < PTY_LIMIT; i++)
		if (ptys[i] && (fg = tty_forget_session(&ptys[i]->tty, sid)))
			break;	/* a session has one terminal */
	mutex_unlock(&pty_lock);
	if (fg > 0)
		proc_signal_group_in(fg, sid, SIGHUP);
}

int pty_open_ctty(int sid, struct file *f)
{
	struct pty *p;
	int rc;

	if (!READ_ONCE(pty_ready) || sid <= 0)
		return -ENXIO;
	mutex_lock(&pty_lock);
	p = find_session(sid);
	rc = p ? slave_get(p) : -ENXIO;
	mutex_unlock(&pty_lock);
	if (rc)
		return rc;
	f->fop = &tty_fops;
	f->priv = &p->tty;
	return 0;
}

/* ---- devpts ---- */

static const struct inode_ops devpts_iops;
static const struct file_ops devpts_dir_fops;

static int parse_index(const char *name, size_t len)
{
	int v = 0;

	if (!len || len > 4 || (len > 1 && name[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v < PTY_LIMIT ? v : -1;
}

static int devpts_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	int n = parse_index(name, len);
	u32 uid = 0, gid = 0;
	bool found = false;

	if (n < 0 || !READ_ONCE(pty_ready))
		return -ENOENT;
	mutex_lock(&pty_lock);
	if (ptys[n]) {
		found = true;
		uid = ptys[n]->uid;
		gid = ptys[n]->gid;
	}
	mutex_unlock(&pty_lock);
	if (!found)
		return -ENOENT;
	struct inode *i = inode_alloc(dir->sb, S_IFCHR | 0620);
	if (!i)
		return -ENOMEM;
	i->ino = (u64)n + 3;
	i->iop = &devpts_iops;
	i->rdev = slave_rdev(n);
	i->uid = uid;
	i->gid = gid;
	*out = i;
	return 0;
}

/* Cookies: 1 ".", 2 "..", index + 3. */
static int devpts_iterate(struct file *f, u64 *pos,
			  bool (*emit)(void *ctx, const char *name, size_t len, u64 ino,
				       u32 mode, u64 next),
			  void *ctx)
{
	char name[8];

	if (!vfs_emit_dots(f, pos, emit, ctx))
		return 0;
	for (int n = (int)*pos - 2; READ_ONCE(pty_ready) && n < PTY_LIMIT; n++) {
		mutex_lock(&pty_lock);	/* not across emit: it copies to the user */
		while (n < PTY_LIMIT && !ptys[n])
			n++;
		mutex_unlock(&pty_lock);
		if (n == PTY_LIMIT)
			break;
		int len = snprintf(name, sizeof(name), "%d", n);
		if (!emit(ctx, name, (size_t)len, (u64)n + 3, S_IFCHR, (u64)n + 3))
			return 0;
		*pos = (u64)n + 3;
	}
	return 0;
}

static int devpts_statfs(struct super_block *sb, struct kstatfs *st)
{
	(void)sb;
	*st = (struct kstatfs){ .type = DEVPTS_MAGIC, .bsize = PAGE_SIZE,
				.frsize = PAGE_SIZE, .namelen = NAME_MAX };
	return 0;
}

static const struct inode_ops devpts_iops = { .lookup = devpts_lookup };
static const struct file_ops devpts_dir_fops = { .iterate = devpts_iterate, .seekable = true };
static const struct super_ops devpts_sops = { .statfs = devpts_statfs };

int devpts_mount(u32 flags, const struct path *at)
{
	struct super_block *sb = sb_create("devpts");
	struct inode *root = sb ? inode_alloc(sb, S_IFDIR | 0755) : NULL;
	int rc;

	pty_init_once();
	if (!root || sb_set_root(sb, root)) {
		if (root)
			inode_put(root);
		kfree(sb);
		return -ENOMEM;
	}
	root->ino = 1;
	root->iop = &devpts_iops;
	root->fop = &devpts_dir_fops;
	root->nlink = 2;
	list_init(&sb->link);	/* in no mount list: umount unlinks it */
	sb->flags = SB_RDONLY | SB_NOCACHE | (flags & SB_NOSUID);
	sb->sop = &devpts_sops;
	if ((rc = vfs_mount_sb(sb, at, 0))) {	/* propagated like any mount */
		dentry_put(sb->root);	/* frees the root inode */
		kfree(sb);
	}
	return rc;
}
