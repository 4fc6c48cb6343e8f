/*
 * Loop devices: /dev/loopN is a block device whose sectors are a file's
 * bytes (from lo_offset, at most lo_sizelimit of them), and
 * /dev/loop-control hands out free ones (Linux's ioctls and structures,
 * so busybox losetup and mount -o loop work unchanged).
 *
 * I/O: a bio is queued to the device's own worker thread, which reads or
 * writes the backing file through its ordinary file ops, one bio segment
 * (at most a page) at a time, straight to or from the segment's page: no
 * copy of the file is kept, whatever its size. A short read (past the
 * file's end, e.g. after it was truncated underneath) reads as zeros; a
 * write there makes the file grow, as on Linux. The submitter only
 * sleeps until the worker is done, so a filesystem on a loop device may
 * hold its own locks while it waits, and the backing file's filesystem
 * (another ext2, or one more loop device) is entered by a task that holds
 * none: no lock order exists between the two, and chains of loop devices
 * are one worker each.
 *
 * Cycles (a device backed by itself, directly, through its /dev node or
 * through a file of a filesystem mounted from it, at any depth) would
 * have a worker wait for itself; LOOP_SET_FD, LOOP_CONFIGURE and
 * LOOP_CHANGE_FD refuse them with EBADF, as Linux's loop_validate_file.
 *
 * Lifetime: devices are never freed (the block registry keeps pointers),
 * LOOP_CTL_REMOVE only hides an unused one (its node goes, opens are
 * ENXIO) until LOOP_CTL_ADD brings the number back. Users (open /dev
 * files, mounts) are counted; LOOP_CLR_FD with other users sets
 * LO_FLAGS_AUTOCLEAR and the last user's release detaches, as Linux 6.x.
 * Detaching takes the backing file out under the device's spinlock; a bio
 * the worker took before holds its own reference to the file, so it
 * finishes; later ones fail with EIO.
 *
 * Locks: `loop-ctl` (a mutex, rank 19) serialises configuration and the
 * control device; under it the fd table, inodes and the VFS (mknod). A
 * device's `loop` spinlock (141) guards its state, users, backing file
 * pointer and queue; only wait-queue locks are taken under it. Release
 * paths (mount teardown under `mounts`, a file's last put) take only the
 * spinlock.
 */
#include <alloy/blkdev.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/fdtable.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/mutex.h>
#include <alloy/printf.h>
#include <alloy/printk.h>
#include <alloy/process.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>
#include <alloy/wait.h>

/* Linux's <linux/loop.h> */
#define LOOP_SET_FD 0x4C00
#define LOOP_CLR_FD 0x4C01
#define LOOP_SET_STATUS 0x4C02
#define LOOP_GET_STATUS 0x4C03
#define LOOP_SET_STATUS64 0x4C04
#define LOOP_GET_STATUS64 0x4C05
#define LOOP_CHANGE_FD 0x4C06
#define LOOP_SET_CAPACITY 0x4C07
#define LOOP_SET_DIRECT_IO 0x4C08
#define LOOP_SET_BLOCK_SIZE 0x4C09
#define LOOP_CONFIGURE 0x4C0A
#define LOOP_CTL_ADD 0x4C80
#define LOOP_CTL_REMOVE 0x4C81
#define LOOP_CTL_GET_FREE 0x4C82

#define LO_FLAGS_READ_ONLY 1
#define LO_FLAGS_AUTOCLEAR 4
#define LO_FLAGS_PARTSCAN 8
#define LO_FLAGS_DIRECT_IO 16
#define LOOP_SET_STATUS_SETTABLE (LO_FLAGS_AUTOCLEAR | LO_FLAGS_PARTSCAN)
#define LOOP_SET_STATUS_CLEARABLE LO_FLAGS_AUTOCLEAR
#define LOOP_CONFIGURE_SETTABLE (LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR | \
				 LO_FLAGS_PARTSCAN | LO_FLAGS_DIRECT_IO)
#define LO_NAME_SIZE 64
#define LO_KEY_SIZE 32

struct loop_info64 {
	u64 lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit;
	u32 lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags;
	u8 lo_file_name[LO_NAME_SIZE];
	u8 lo_crypt_name[LO_NAME_SIZE];
	u8 lo_encrypt_key[LO_KEY_SIZE];
	u64 lo_init[2];
};

struct loop_info {		/* the old one, x86-64 layout */
	s32 lo_number;
	u64 lo_device, lo_inode, lo_rdevice;
	s32 lo_offset, lo_encrypt_type, lo_encrypt_key_size, lo_flags;
	char lo_name[LO_NAME_SIZE];
	u8 lo_encrypt_key[LO_KEY_SIZE];
	u64 lo_init[2];
	char reserved[4];
};

struct loop_config {
	u32 fd, block_size;
	struct loop_info64 info;
	u64 reserved[8];
};

_Static_assert(sizeof(struct loop_info64) == 232, "loop_info64");
_Static_assert(sizeof(struct loop_info) == 168, "loop_info");
_Static_assert(sizeof(struct loop_config) == 304, "loop_config");

#define LOOP_MAX 256		/* minors: MKDEV's 8 bits */
#define LOOP_BOOT 8		/* /dev/loop0..7 at boot, as Linux's default */
#define LOOP_QUEUE 64		/* bios queued per device */

struct loop_dev {
	struct blkdev bd;
	int nr;
	spinlock_t lock;
	/* [lock] */
	bool bound, removed;
	int users;			/* open /dev files and mounts */
	struct file *backing;		/* a reference, while bound */
	u64 offset, sizelimit;
	u32 flags;			/* LO_FLAGS_* */
	struct bio *queue[LOOP_QUEUE];
	u32 head, tail;			/* queue[head % N] is next */
	/* [loop-ctl] */
	u32 block_size;
	u8 file_name[LO_NAME_SIZE];
	u8 crypt_name[LO_NAME_SIZE];
	struct task *worker;
	struct wait_queue work_wq;	/* the worker waits for bios */
	struct wait_queue space_wq;	/* submitters wait for room */
};

static struct loop_dev *loops[LOOP_MAX];	/* [loop-ctl]; never freed */
static struct mutex loop_ctl;

static struct loop_dev *lo_of(struct blkdev *bd)
{
	return container_of(bd, struct loop_dev, bd);
}

/* A loop device by number, or NULL; pointers stay good for ever. */
static struct loop_dev *loop_lookup(u32 dev)
{
	if (MAJOR(dev) != LOOP_MAJOR)
		return NULL;
	return READ_ONCE(loops[MINOR(dev)]);
}

/* ---- the worker ---- */

static bool queue_nonempty(struct loop_dev *lo)
{
	unsigned long fl = spin_lock_irqsave(&lo->lock);
	bool r = lo->head != lo->tail;
	spin_unlock_irqrestore(&lo->lock, fl);
	return r;
}

static bool queue_room(struct loop_dev *lo)
{
	unsigned long fl = spin_lock_irqsave(&lo->lock);
	bool r = lo->tail - lo->head < LOOP_QUEUE || !lo->bound;
	spin_unlock_irqrestore(&lo->lock, fl);
	return r;
}

/* One segment at pos: a read past the file's end is zeros. */
static int seg_io(struct file *f, bool write, u8 *buf, u32 len, u64 pos)
{
	u32 done = 0;

	while (done < len) {
		struct iobuf b = { .addr = (u64)(uintptr_t)(buf + done), .kernel = true };
		long n = write ? file_write_at(f, b, len - done, pos + done)
			       : file_read_at(f, b, len - done, pos + done);
		if (n < 0)
			return -EIO;
		if (n == 0) {
			if (write)
				return -EIO;
			memset(buf + done, 0, len - done);
			return 0;
		}
		done += (u32)n;
	}
	return 0;
}

static int loop_do_bio(struct file *f, u64 offset, struct bio *b)
{
	u64 pos;

	if (b->op == BIO_FLUSH)
		return f->fop && f->fop->fsync && f->fop->fsync(f, false) ? -EIO : 0;
	if (__builtin_mul_overflow(b->sector, (u64)SECTOR_SIZE, &pos) ||
	    __builtin_add_overflow(pos, offset, &pos))
		return -EIO;
	for (u32 i = 0; i < b->nr_segs; i++) {
		u32 len = b->segs[i].len;
		u64 end;
		if (__builtin_add_overflow(pos, (u64)len, &end) || end > MAX_FILE_SIZE)
			return -EIO;
		int rc = seg_io(f, b->op == BIO_WRITE, phys_to_virt(b->segs[i].phys), len, pos);
		if (rc)
			return rc;
		pos = end;
	}
	return 0;
}

static void loop_worker(void *arg)
{
	struct loop_dev *lo = arg;

	for (;;) {
		wait_event(lo->work_wq, queue_nonempty(lo));
		unsigned long fl = spin_lock_irqsave(&lo->lock);
		struct bio *b = lo->queue[lo->head++ % LOOP_QUEUE];
		struct file *f = lo->bound ? file_get(lo->backing) : NULL;
		u64 offset = lo->offset;
		spin_unlock_irqrestore(&lo->lock, fl);
		wake_up_all(&lo->space_wq);
		b->status = f ? loop_do_bio(f, offset, b) : -EIO;
		if (f)
			file_put(f);
		b->end_io(b);	/* b may be gone after this */
	}
}

static int loop_submit(struct blkdev *bd, struct bio *b)
{
	struct loop_dev *lo = lo_of(bd);

	for (;;) {
		unsigned long fl = spin_lock_irqsave(&lo->lock);
		if (!lo->bound) {
			spin_unlock_irqrestore(&lo->lock, fl);
			return -EIO;	/* detached meanwhile */
		}
		if (lo->tail - lo->head < LOOP_QUEUE) {
			lo->queue[lo->tail++ % LOOP_QUEUE] = b;
			spin_unlock_irqrestore(&lo->lock, fl);
			wake_up_one(&lo->work_wq);
			return 0;
		}
		spin_unlock_irqrestore(&lo->lock, fl);
		wait_event(lo->space_wq, queue_room(lo));
	}
}

/* ---- users and detaching ---- */

/* Takes the backing file out (lock held); the caller puts it. */
static struct file *detach_locked(struct loop_dev *lo)
{
	struct file *f = lo->backing;

	lo->bound = false;
	lo->backing = NULL;
	lo->bd.sectors = 0;
	lo->bd.read_only = false;
	lo->flags = 0;
	lo->offset = lo->sizelimit = 0;
	return f;
}

static int loop_open(struct blkdev *bd)
{
	struct loop_dev *lo = lo_of(bd);
	unsigned long fl = spin_lock_irqsave(&lo->lock);
	int rc = lo->removed ? -ENXIO : 0;

	if (!rc)
		lo->users++;
	spin_unlock_irqrestore(&lo->lock, fl);
	return rc;
}

static void loop_release(struct blkdev *bd)
{
	struct loop_dev *lo = lo_of(bd);
	struct file *f = NULL;
	unsigned long fl = spin_lock_irqsave(&lo->lock);

	if (--lo->users == 0 && lo->bound && (lo->flags & LO_FLAGS_AUTOCLEAR))
		f = detach_locked(lo);
	spin_unlock_irqrestore(&lo->lock, fl);
	wake_up_all(&lo->space_wq);
	if (f)
		file_put(f);
}

/* ---- configuration (under loop_ctl) ---- */

/* Bytes the device has: the file's from offset on, at most sizelimit. */
static u64 backing_size(struct file *f, u64 offset, u64 sizelimit)
{
	struct inode *i = f->inode;

	mutex_lock(&i->lock);
	u64 size = i->size;
	mutex_unlock(&i->lock);
	size = size > offset ? size - offset : 0;
	if (sizelimit && sizelimit < size)
		size = sizelimit;
	return size / SECTOR_SIZE;
}

/* Would f lead back to lo? Follows loop devices down: a block device
 * node's, or the one a file's filesystem is mounted from. */
static int check_chain(struct loop_dev *lo, struct file *f)
{
	int rc = 0;

	f = file_get(f);
	for (int depth = 0; f && !rc; depth++) {
		struct inode *i = f->inode;
		struct loop_dev *next = NULL;
		if (S_ISBLK(i->mode))
			next = loop_lookup(i->rdev);
		else if (i->sb && i->sb->type && !strcmp(i->sb->type, "ext2"))
			next = loop_lookup(i->sb->dev);
		file_put(f);
		f = NULL;
		if (next == lo || depth >= LOOP_MAX)
			rc = -EBADF;
		else if (next) {
			unsigned long fl = spin_lock_irqsave(&next->lock);
			if (next->bound)
				f = file_get(next->backing);
			spin_unlock_irqrestore(&next->lock, fl);
		}
	}
	if (f)
		file_put(f);
	return rc;
}

static int backing_ok(struct loop_dev *lo, struct file *f)
{
	if (!f->inode || !(S_ISREG(f->inode->mode) || S_ISBLK(f->inode->mode)) ||
	    !f->fop || !f->fop->read || (f->flags & O_PATH))
		return -EINVAL;
	return check_chain(lo, f);
}

static bool file_writable(const struct file *f)
{
	u32 acc = f->flags & O_ACCMODE;

	return (acc == O_WRONLY || acc == O_RDWR) && f->fop && f->fop->write &&
	       !(f->inode->sb && (f->inode->sb->flags & SB_RDONLY));
}

static int start_worker(struct loop_dev *lo)
{
	char name[16];

	if (lo->worker)
		return 0;
	snprintf(name, sizeof(name), "loop%d", lo->nr);
	lo->worker = kthread_create(loop_worker, lo, name);
	return lo->worker ? 0 : -ENOMEM;
}

/* LOOP_SET_FD and LOOP_CONFIGURE: lo (opened as dev) gets fd's file. */
static int loop_bind(struct loop_dev *lo, struct file *dev, u32 fd, const struct loop_info64 *info,
		     u32 block_size)
{
	struct file *f = fd > 0x7fffffff ? NULL : fd_get(cur_files(), (int)fd);
	int rc;

	if (!f)
		return -EBADF;
	if (lo->bound)
		rc = -EBUSY;
	else if (!(rc = backing_ok(lo, f)))
		rc = start_worker(lo);
	if (rc) {
		file_put(f);
		return rc;
	}
	u32 flags = info ? info->lo_flags & LOOP_CONFIGURE_SETTABLE : 0;
	if (!file_writable(f) || !file_writable(dev))
		flags |= LO_FLAGS_READ_ONLY;
	memset(lo->file_name, 0, sizeof(lo->file_name));
	memset(lo->crypt_name, 0, sizeof(lo->crypt_name));
	lo->block_size = block_size ? block_size : SECTOR_SIZE;
	u64 offset = info ? info->lo_offset : 0, limit = info ? info->lo_sizelimit : 0;
	u64 sectors = backing_size(f, offset, limit);
	unsigned long fl = spin_lock_irqsave(&lo->lock);
	lo->backing = f;
	lo->offset = offset;
	lo->sizelimit = limit;
	lo->flags = flags;
	lo->bd.read_only = flags & LO_FLAGS_READ_ONLY;
	lo->bd.sectors = sectors;
	lo->bound = true;
	spin_unlock_irqrestore(&lo->lock, fl);
	if (info) {
		memcpy(lo->file_name, info->lo_file_name, LO_NAME_SIZE);
		memcpy(lo->crypt_name, info->lo_crypt_name, LO_NAME_SIZE);
		lo->file_name[LO_NAME_SIZE - 1] = lo->crypt_name[LO_NAME_SIZE - 1] = 0;
	}
	return 0;
}

static int loop_configure(struct loop_dev *lo, struct file *dev, u64 arg)
{
	struct loop_config c;

	if (copy_from_user(&c, (void *)arg, sizeof(c)))
		return -EFAULT;
	if (c.info.lo_flags & ~LOOP_CONFIGURE_SETTABLE)
		return -EINVAL;
	if (c.block_size && (c.block_size < 512 || c.block_size > PAGE_SIZE ||
			     (c.block_size & (c.block_size - 1))))
		return -EINVAL;
	if (c.info.lo_offset > (u64)0x7fffffffffffffffLL || c.info.lo_sizelimit > (u64)0x7fffffffffffffffLL)
		return -EOVERFLOW;
	return loop_bind(lo, dev, c.fd, &c.info, c.block_size);
}

/* LOOP_CLR_FD: detach now if nobody else uses it, else at the last
 * release (autoclear), as Linux. */
static int loop_clear(struct loop_dev *lo)
{
	struct file *f = NULL;
	unsigned long fl = spin_lock_irqsave(&lo->lock);
	int rc = lo->bound ? 0 : -ENXIO;

	if (!rc && lo->users > 1)
		lo->flags |= LO_FLAGS_AUTOCLEAR;
	else if (!rc)
		f = detach_locked(lo);
	spin_unlock_irqrestore(&lo->lock, fl);
	wake_up_all(&lo->space_wq);
	if (f)
		file_put(f);
	return rc;
}

static int loop_change_fd(struct loop_dev *lo, u64 fd)
{
	struct file *f = fd > 0x7fffffff ? NULL : fd_get(cur_files(), (int)fd);
	int rc;

	if (!f)
		return -EBADF;
	if (!lo->bound || !(lo->flags & LO_FLAGS_READ_ONLY))
		rc = -EINVAL;	/* only a read-only device may switch files */
	else
		rc = backing_ok(lo, f);
	if (!rc && backing_size(f, 0, 0) != backing_size(lo->backing, 0, 0))
		rc = -EINVAL;	/* and only to one of the same size */
	if (rc) {
		file_put(f);
		return rc;
	}
	unsigned long fl = spin_lock_irqsave(&lo->lock);
	struct file *old = lo->backing;
	lo->backing = f;
	spin_unlock_irqrestore(&lo->lock, fl);
	file_put(old);
	return 0;
}

/* LOOP_SET_STATUS{,64}: offset, size limit, name, and the flags Linux
 * lets it change (autoclear and partscan; only autoclear can go). */
static int do_status(struct loop_dev *lo, const struct loop_info64 *in)
{
	if (!lo->bound)
		return -ENXIO;
	if (in->lo_offset > (u64)0x7fffffffffffffffLL || in->lo_sizelimit > (u64)0x7fffffffffffffffLL)
		return -EOVERFLOW;
	u64 sectors = backing_size(lo->backing, in->lo_offset, in->lo_sizelimit);
	unsigned long fl = spin_lock_irqsave(&lo->lock);
	lo->offset = in->lo_offset;
	lo->sizelimit = in->lo_sizelimit;
	lo->bd.sectors = sectors;
	u32 prev = lo->flags;	/* Linux's rule: others kept, partscan sticks */
	lo->flags = (in->lo_flags & LOOP_SET_STATUS_SETTABLE) | (prev & ~LOOP_SET_STATUS_SETTABLE) |
		    (prev & ~LOOP_SET_STATUS_CLEARABLE);
	spin_unlock_irqrestore(&lo->lock, fl);
	memcpy(lo->file_name, in->lo_file_name, LO_NAME_SIZE);
	memcpy(lo->crypt_name, in->lo_crypt_name, LO_NAME_SIZE);
	lo->file_name[LO_NAME_SIZE - 1] = lo->crypt_name[LO_NAME_SIZE - 1] = 0;
	return 0;
}

static int get_status(struct loop_dev *lo, struct loop_info64 *out)
{
	memset(out, 0, sizeof(*out));
	if (!lo->bound)
		return -ENXIO;
	struct inode *i = lo->backing->inode;
	out->lo_device = i->sb ? i->sb->dev : 0;
	out->lo_inode = i->ino;
	out->lo_rdevice = lo->bd.dev;
	out->lo_offset = lo->offset;
	out->lo_sizelimit = lo->sizelimit;
	out->lo_number = (u32)lo->nr;
	out->lo_flags = lo->flags;
	memcpy(out->lo_file_name, lo->file_name, LO_NAME_SIZE);
	memcpy(out->lo_crypt_name, lo->crypt_name, LO_NAME_SIZE);
	return 0;
}

static void info_from_old(const struct loop_info *o, struct loop_info64 *n)
{
	memset(n, 0, sizeof(*n));
	n->lo_offset = (u64)(s64)o->lo_offset;	/* negative: EOVERFLOW later */
	n->lo_flags = (u32)o->lo_flags;
	n->lo_number = (u32)o->lo_number;
	memcpy(n->lo_file_name, o->lo_name, LO_NAME_SIZE);
}

static int info_to_old(const struct loop_info64 *n, struct loop_info *o)
{
	memset(o, 0, sizeof(*o));
	if (n->lo_offset > (u64)0x7fffffff)
		return -EOVERFLOW;
	o->lo_number = (s32)n->lo_number;
	o->lo_device = n->lo_device;
	o->lo_inode = n->lo_inode;
	o->lo_rdevice = n->lo_rdevice;
	o->lo_offset = (s32)n->lo_offset;
	o->lo_flags = (s32)n->lo_flags;
	memcpy(o->lo_name, n->lo_file_name, LO_NAME_SIZE);
	return 0;
}

static long loop_status_ioctl(struct loop_dev *lo, u32 cmd, u64 arg)
{
	struct loop_info64 n;
	struct loop_info o;
	int rc;

	switch (cmd) {
	case LOOP_SET_STATUS64:
		if (copy_from_user(&n, (void *)arg, sizeof(n)))
			return -EFAULT;
		return do_status(lo, &n);
	case LOOP_SET_STATUS:
		if (copy_from_user(&o, (void *)arg, sizeof(o)))
			return -EFAULT;
		info_from_old(&o, &n);
		return do_status(lo, &n);
	case LOOP_GET_STATUS64:
		if ((rc = get_status(lo, &n)))
			return rc;
		return copy_to_user((void *)arg, &n, sizeof(n));
	default:	/* LOOP_GET_STATUS */
		if ((rc = get_status(lo, &n)) || (rc = info_to_old(&n, &o)))
			return rc;
		return copy_to_user((void *)arg, &o, sizeof(o));
	}
}

static long loop_ioctl_locked(struct loop_dev *lo, struct file *f, u32 cmd, u64 arg)
{
	bool may_change = (f->flags & O_ACCMODE) != O_RDONLY;
	struct cred c;

	cred_current(&c);
	may_change = may_change || cred_is_root(&c);
	switch (cmd) {
	case LOOP_SET_FD:
		return loop_bind(lo, f, (u32)arg, NULL, 0);
	case LOOP_CONFIGURE:
		return loop_configure(lo, f, arg);
	case LOOP_CHANGE_FD:
		return loop_change_fd(lo, arg);
	case LOOP_CLR_FD:
		return loop_clear(lo);
	case LOOP_GET_STATUS:
	case LOOP_GET_STATUS64:
		return loop_status_ioctl(lo, cmd, arg);
	case LOOP_SET_STATUS:
	case LOOP_SET_STATUS64:
		return may_change ? loop_status_ioctl(lo, cmd, arg) : -EPERM;
	case LOOP_SET_CAPACITY:
		if (!may_change)
			return -EPERM;
		if (!lo->bound)
			return -ENXIO;
		lo->bd.sectors = backing_size(lo->backing, lo->offset, lo->sizelimit);
		return 0;
	case LOOP_SET_DIRECT_IO:	/* accepted; I/O goes through the cache */
		if (!may_change)
			return -EPERM;
		if (!lo->bound)
			return -ENXIO;
		lo->flags = arg ? lo->flags | LO_FLAGS_DIRECT_IO : lo->flags & ~LO_FLAGS_DIRECT_IO;
		return 0;
	case LOOP_SET_BLOCK_SIZE:
		if (!may_change)
			return -EPERM;
		if (!lo->bound)
			return -ENXIO;
		if (arg < 512 || arg > PAGE_SIZE || (arg & (arg - 1)))
			return -EINVAL;
		lo->block_size = (u32)arg;
		return 0;
	default:
		return -ENOTTY;
	}
}

static long loop_ioctl(struct blkdev *bd, struct file *f, u32 cmd, u64 arg)
{
	mutex_lock(&loop_ctl);
	long rc = loop_ioctl_locked(lo_of(bd), f, cmd, arg);
	mutex_unlock(&loop_ctl);
	return rc;
}

static const struct blkdev_ops loop_ops = {
	.submit = loop_submit,
	.open = loop_open,
	.release = loop_release,
	.ioctl = loop_ioctl,
};

/* ---- /dev/loop-control ---- */

static int loop_mknod(int nr)
{
	char path[24];

	snprintf(path, sizeof(path), "/dev/loop%d", nr);
	int rc = vfs_mknod(NULL, path, S_IFBLK | 0660, MKDEV(LOOP_MAJOR, nr));
	return rc == -EEXIST ? 0 : rc;
}

/* Device nr, made or brought back (loop_ctl held); -EEXIST if it is there. */
static int loop_add(int nr)
{
	struct loop_dev *lo = loops[nr];

	if (lo) {
		if (!lo->removed)
			return -EEXIST;
		unsigned long fl = spin_lock_irqsave(&lo->lock);
		lo->removed = false;
		WRITE_ONCE(lo->bd.hidden, false);	/* back in /sys/block */
		spin_unlock_irqrestore(&lo->lock, fl);
		loop_mknod(nr);
		return nr;
	}
	lo = kzalloc(sizeof(*lo), GFP_KERNEL);
	if (!lo)
		return -ENOMEM;
	lo->nr = nr;
	spin_lock_init(&lo->lock, "loop", LR_LOOP);
	wait_queue_init(&lo->work_wq, "loop-work");
	wait_queue_init(&lo->space_wq, "loop-space");
	snprintf(lo->bd.name, sizeof(lo->bd.name), "loop%d", nr);
	lo->bd.dev = MKDEV(LOOP_MAJOR, nr);
	lo->bd.ops = &loop_ops;
	lo->bd.priv = lo;
	lo->bd.queue_depth = LOOP_QUEUE;
	WRITE_ONCE(loops[nr], lo);
	int rc = blkdev_register(&lo->bd);
	return rc && rc != -EEXIST ? rc : nr;
}

static int loop_remove(int nr)
{
	struct loop_dev *lo = nr >= 0 && nr < LOOP_MAX ? loops[nr] : NULL;
	char path[24];

	if (!lo || lo->removed)
		return -ENODEV;
	unsigned long fl = spin_lock_irqsave(&lo->lock);
	int rc = lo->bound || lo->users ? -EBUSY : 0;
	if (!rc) {
		lo->removed = true;
		WRITE_ONCE(lo->bd.hidden, true);	/* out of /sys/block */
	}
	spin_unlock_irqrestore(&lo->lock, fl);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/dev/loop%d", nr);
	vfs_unlink(NULL, path);		/* gone already: fine */
	return 0;
}

static int loop_get_free(void)
{
	int hole = -1;

	for (int n = 0; n < LOOP_MAX; n++) {
		struct loop_dev *lo = loops[n];
		if (!lo) {
			if (hole < 0)
				hole = n;
			continue;
		}
		unsigned long fl = spin_lock_irqsave(&lo->lock);
		bool free = !lo->bound && !lo->removed;
		spin_unlock_irqrestore(&lo->lock, fl);
		if (free)
			return n;
		if (lo->removed && hole < 0)
			hole = n;
	}
	return hole < 0 ? -ENOSPC : loop_add(hole);
}

static long ctl_ioctl(struct file *f, u32 cmd, u64 arg)
{
	long rc;

	(void)f;
	mutex_lock(&loop_ctl);
	switch (cmd) {
	case LOOP_CTL_ADD:	/* an int, as Linux reads it */
		if ((int)arg < 0) {
			rc = -1;
			for (int n = 0; n < LOOP_MAX && rc < 0; n++)
				if (!loops[n] || loops[n]->removed)
					rc = loop_add(n);
			if (rc == -1)
				rc = -ENOSPC;
		} else {
			rc = (int)arg < LOOP_MAX ? loop_add((int)arg) : -EINVAL;
		}
		break;
	case LOOP_CTL_REMOVE:
		rc = loop_remove((int)arg);
		break;
	case LOOP_CTL_GET_FREE:
		rc = loop_get_free();
		break;
	default:
		rc = -ENOTTY;
	}
	mutex_unlock(&loop_ctl);
	return rc;
}

static const struct file_ops loop_ctl_fops = {
	.ioctl = ctl_ioctl,
};

int loop_ctl_open(struct file *f)
{
	f->fop = &loop_ctl_fops;
	return 0;
}

void loop_init(void)
{
	mutex_init(&loop_ctl, "loop-ctl", LR_MUTEX_LOOP_CTL);
	if (vfs_mknod(NULL, "/dev/loop-control", S_IFCHR | 0660, MKDEV(10, 237)))
		pr_warn("loop: no /dev/loop-control\n");
	mutex_lock(&loop_ctl);
	for (int n = 0; n < LOOP_BOOT; n++)
		loop_add(n);
	mutex_unlock(&loop_ctl);
}
