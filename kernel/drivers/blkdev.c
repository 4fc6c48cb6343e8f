/*
 * The block layer: the registry of disks, bio checks, the synchronous
 * helpers, and /dev/vdX files.
 *
 * A disk file moves data through a bounce buffer of at most 64 KiB per
 * step (sized to the request, never larger), so reading or writing a
 * whole disk costs the same memory as one sector. Writes that start or
 * end inside a sector read that sector first (read-modify-write) under
 * the device inode's lock, which serialises writers of one disk file.
 */
#include <alloy/arch.h>
#include <alloy/blkdev.h>
#include <alloy/cred.h>
#include <uapi/capability.h>
#include <alloy/errno.h>
#include <alloy/lockrank.h>
#include <alloy/mm.h>
#include <alloy/printf.h>
#include <alloy/printk.h>
#include <alloy/sched.h>
#include <alloy/slab.h>
#include <alloy/spinlock.h>
#include <alloy/string.h>
#include <alloy/uaccess.h>
#include <alloy/vfs.h>
#include <alloy/wait.h>

#define BOUNCE_MAX (64 * 1024)
#define BLKGETSIZE 0x1260
#define BLKSSZGET 0x1268
#define BLKGETSIZE64 0x80081272
#define BLKROSET 0x125d
#define BLKROGET 0x125e
#define BLKRASET 0x1262
#define BLKRAGET 0x1263
#define BLKFLSBUF 0x1261

static LIST_HEAD(disks);
static int nr_disks;
static spinlock_t disks_lock = SPINLOCK_INIT("blkdev-list", LR_BLKDEV_LIST);

int blkdev_register(struct blkdev *bd)
{
	char path[16];
	unsigned long flags = spin_lock_irqsave(&disks_lock);

	list_add_tail(&bd->link, &disks);
	bd->index = nr_disks++;
	bd->ra_sectors = BLKDEV_RA_DEFAULT;
	spin_unlock_irqrestore(&disks_lock, flags);
	snprintf(path, sizeof(path), "/dev/%s", bd->name);
	return vfs_mknod(NULL, path, S_IFBLK | 0660, bd->dev);
}

int blkdev_count(void)
{
	return READ_ONCE(nr_disks);
}

/* Disks are never unregistered, so a pointer stays good after unlock. */
static struct blkdev *find(const char *name, u32 dev)
{
	struct blkdev *found = NULL, *bd;
	unsigned long flags = spin_lock_irqsave(&disks_lock);

	list_for_each_entry(bd, &disks, link)
		if (name ? !strcmp(bd->name, name) : bd->dev == dev) {
			found = bd;
			break;
		}
	spin_unlock_irqrestore(&disks_lock, flags);
	return found;
}

struct blkdev *blkdev_find(const char *name)
{
	return find(name, 0);
}

struct blkdev *blkdev_by_dev(u32 dev)
{
	return find(NULL, dev);
}

struct blkdev *blkdev_at(int index)
{
	struct blkdev *found = NULL, *bd;
	unsigned long flags = spin_lock_irqsave(&disks_lock);

	list_for_each_entry(bd, &disks, link)
		if (bd->index == index) {
			found = bd;
			break;
		}
	spin_unlock_irqrestore(&disks_lock, flags);
	return found;
}

static int check_bio(struct blkdev *bd, const struct bio *b)
{
	u64 bytes = 0;

	if (!b->end_io)
		return -EINVAL;
	if (b->op == BIO_FLUSH)
		return 0;
	if ((b->op != BIO_READ && b->op != BIO_WRITE) || b->nr_segs < 1 ||
	    b->nr_segs > BIO_MAX_SEGS)
		return -EINVAL;
	for (u32 i = 0; i < b->nr_segs; i++) {
		if (!b->segs[i].len || b->segs[i].len % SECTOR_SIZE)
			return -EINVAL;
		bytes += b->segs[i].len;
	}
	if (bytes > BIO_MAX_BYTES || b->sector >= bd->sectors ||
	    bytes / SECTOR_SIZE > bd->sectors - b->sector)
		return -EINVAL;
	return 0;
}

/* ---- statistics (Linux's /sys/block/<dev>/stat) ---- */

static int stat_group(enum bio_op op)
{
	return op == BIO_READ ? BLK_STAT_READ : op == BIO_WRITE ? BLK_STAT_WRITE : BLK_STAT_FLUSH;
}

/*
 * Busy time, as Linux's update_io_ticks: whoever moves the stamp from
 * its old value to now adds the interval if a request was out during it
 * (always at a completion; at a start only if others were in flight).
 * The compare-and-swap makes each interval counted once.
 */
static void io_ticks_update(struct blk_stats *st, u64 now, bool end)
{
	long stamp = atomic_long_read(&st->stamp_ns);

	if ((long)now > stamp && atomic_long_cmpxchg(&st->stamp_ns, stamp, (long)now) &&
	    (end || atomic_read(&st->inflight[0]) + atomic_read(&st->inflight[1]) > 0))
		atomic_long_add_return(&st->io_ns, (long)now - stamp);
}

/* In front of the submitter's end_io: counts the request, then hands
 * the bio back (which may free it: nothing touches it after). */
static void blk_acct_end(struct bio *b)
{
	struct blkdev *bd = b->acct_bd;
	struct blk_stats *st = &bd->stats;
	int g = stat_group(b->op);
	u64 now = ktime_ns();

	b->end_io = b->acct_end_io;
	io_ticks_update(st, now, true);
	atomic_long_add_return(&st->ios[g], 1);
	atomic_long_add_return(&st->sectors[g], b->acct_sectors);
	/* another CPU's clock may be a little behind the submitter's */
	atomic_long_add_return(&st->nsecs[g], now > b->acct_start_ns ?
			       (long)(now - b->acct_start_ns) : 0);
	atomic_dec(&st->inflight[b->op != BIO_READ]);
	b->end_io(b);
}

void blkdev_stat_snap(struct blkdev *bd, struct blk_stat_snap *s)
{
	struct blk_stats *st = &bd->stats;

	s->inflight[0] = (u32)MAX(atomic_read(&st->inflight[0]), 0);
	s->inflight[1] = (u32)MAX(atomic_read(&st->inflight[1]), 0);
	if (s->inflight[0] + s->inflight[1])
		io_ticks_update(st, ktime_ns(), true);	/* busy until now */
	for (int g = 0; g < BLK_STAT_NR; g++) {
		s->ios[g] = (u64)atomic_long_read(&st->ios[g]);
		s->sectors[g] = (u64)atomic_long_read(&st->sectors[g]);
		s->nsecs[g] = (u64)atomic_long_read(&st->nsecs[g]);
	}
	s->io_ns = (u64)atomic_long_read(&st->io_ns);
}

int blk_submit(struct blkdev *bd, struct bio *b)
{
	int rc = check_bio(bd, b);
	u32 sectors = 0;

	if (rc)
		return rc;
	if (b->op == BIO_WRITE && bd->read_only)
		return -EROFS;
	for (u32 i = 0; b->op != BIO_FLUSH && i < b->nr_segs; i++)
		sectors += b->segs[i].len / SECTOR_SIZE;
	struct blk_stats *st = &bd->stats;
	u64 now = ktime_ns();
	io_ticks_update(st, now, false);
	atomic_inc(&st->inflight[b->op != BIO_READ]);
	b->acct_bd = bd;
	b->acct_end_io = b->end_io;
	b->acct_start_ns = now;
	b->acct_sectors = sectors;
	b->end_io = blk_acct_end;
	rc = bd->ops->submit(bd, b);
	if (rc) {	/* not queued, end_io will not run: b is still ours */
		b->end_io = b->acct_end_io;
		atomic_dec(&st->inflight[b->op != BIO_READ]);
	}
	return rc;
}

/* A sleeping submitter's completion; lives on its stack. */
struct bio_waiter {
	struct wait_queue wq;
	bool done;
};

/* Sets done and wakes under the queue lock: the waiter cannot see done,
 * return and free its stack frame until we have let go of the lock. */
static void bio_wait_end(struct bio *b)
{
	struct bio_waiter *w = b->priv;
	unsigned long flags = spin_lock_irqsave(&w->wq.lock);

	w->done = true;
	wake_up_all_locked(&w->wq);
	spin_unlock_irqrestore(&w->wq.lock, flags);
}

void bio_batch_init(struct bio_batch *bb)
{
	wait_queue_init(&bb->wq, "bio-batch");
	bb->pending = 0;
	bb->status = 0;
}

static void bio_batch_end(struct bio *b)
{
	struct bio_batch *bb = b->priv;
	unsigned long flags = spin_lock_irqsave(&bb->wq.lock);

	if (b->status && !bb->status)
		bb->status = b->status;
	if (--bb->pending == 0)
		wake_up_all_locked(&bb->wq);
	spin_unlock_irqrestore(&bb->wq.lock, flags);
}

void bio_batch_add(struct blkdev *bd, struct bio_batch *bb, struct bio *b)
{
	unsigned long flags = spin_lock_irqsave(&bb->wq.lock);
	bb->pending++;
	spin_unlock_irqrestore(&bb->wq.lock, flags);
	b->end_io = bio_batch_end;
	b->priv = bb;
	int rc = blk_submit(bd, b);
	if (rc) {		/* end_io was not called: account for it here */
		b->status = rc;
		bio_batch_end(b);
	}
}

static bool batch_done(struct bio_batch *bb)
{
	unsigned long flags = spin_lock_irqsave(&bb->wq.lock);
	bool done = bb->pending == 0;
	spin_unlock_irqrestore(&bb->wq.lock, flags);
	return done;
}

int bio_batch_wait(struct bio_batch *bb)
{
	d_sleep_begin();	/* disk I/O: 'D' in /proc */
	wait_event(bb->wq, batch_done(bb));
	d_sleep_end();
	return bb->status;
}

int blk_submit_wait(struct blkdev *bd, struct bio *b)
{
	struct bio_waiter w = { .done = false };

	wait_queue_init(&w.wq, "bio-wait");
	b->end_io = bio_wait_end;
	b->priv = &w;
	int rc = blk_submit(bd, b);
	if (rc)
		return rc;
	d_sleep_begin();	/* disk I/O: 'D' in /proc */
	wait_event(w.wq, READ_ONCE(w.done));
	d_sleep_end();
	return b->status;
}

/* Physical address of a kernel virtual address: the direct map and the
 * image translate arithmetically, anything else (kernel stacks) through
 * the page tables. 0 if unmapped. */
static phys_addr_t kva_to_phys(uintptr_t va)
{
	unsigned int prot;

	if ((va >= DIRECT_MAP_BASE && va < DIRECT_MAP_BASE + (1ULL << 39)) || va >= KERNEL_VMA)
		return virt_to_phys((void *)va);
	phys_addr_t pa = kvirt_lookup(ALIGN_DOWN(va, PAGE_SIZE), &prot);
	return pa ? pa + (va & (PAGE_SIZE - 1)) : 0;
}

int blk_rw(struct blkdev *bd, u64 sector, void *buf, size_t len, bool write)
{
	uintptr_t va = (uintptr_t)buf;
	size_t done = 0;

	if (!len || len % SECTOR_SIZE || len > BIO_MAX_BYTES || va % SECTOR_SIZE)
		return -EINVAL;
	while (done < len) {	/* one bio, or two for an unaligned 64 KiB buffer */
		struct bio b = { .op = write ? BIO_WRITE : BIO_READ,
				 .sector = sector + done / SECTOR_SIZE };
		size_t bytes = 0;
		while (done + bytes < len) {
			uintptr_t a = va + done + bytes;
			size_t k = MIN(len - done - bytes, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
			phys_addr_t pa = kva_to_phys(a);
			if (!pa)
				return -EFAULT;
			struct bio_seg *last = b.nr_segs ? &b.segs[b.nr_segs - 1] : NULL;
			if (last && last->phys + last->len == pa) {
				last->len += (u32)k;
			} else if (b.nr_segs < BIO_MAX_SEGS) {
				b.segs[b.nr_segs++] = (struct bio_seg){ .phys = pa, .len = (u32)k };
			} else {
				break;
			}
			bytes += k;
		}
		int rc = blk_submit_wait(bd, &b);
		if (rc)
			return rc;
		done += bytes;
	}
	return 0;
}

int blk_flush(struct blkdev *bd)
{
	struct bio b = { .op = BIO_FLUSH };

	return blk_submit_wait(bd, &b);
}

/* ---- /dev/vdX ---- */

static u64 disk_bytes(const struct blkdev *bd)
{
	return bd->sectors * SECTOR_SIZE;
}

/* A bounce buffer for a span of `want` bytes: at most BOUNCE_MAX, whole
 * pages so that it is sector aligned and physically contiguous. */
static void *bounce_alloc(u64 want, size_t *size)
{
	*size = ALIGN_UP(MIN(want, (u64)BOUNCE_MAX), PAGE_SIZE);
	return kmalloc(*size, GFP_KERNEL);
}

static long blkfile_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct blkdev *bd = f->priv;
	u64 size = disk_bytes(bd);
	size_t done = 0, bsize;
	long rc = 0;

	if (*pos >= size || !n)
		return 0;
	n = (size_t)MIN((u64)n, size - *pos);
	u64 first = ALIGN_DOWN(*pos, SECTOR_SIZE);
	u8 *bounce = bounce_alloc(ALIGN_UP(*pos + n, SECTOR_SIZE) - first, &bsize);
	if (!bounce)
		return -ENOMEM;
	while (done < n) {
		u64 p = *pos + done;
		u64 start = ALIGN_DOWN(p, SECTOR_SIZE);
		u64 end = MIN(ALIGN_UP(p + (n - done), SECTOR_SIZE), start + bsize);
		size_t k = (size_t)MIN((u64)(n - done), end - p);
		rc = blk_rw(bd, start / SECTOR_SIZE, bounce, end - start, false);
		if (rc == -EINVAL)
			rc = -EIO;	/* in range when we looked, aligned: the
					 * device shrank under us (a loop device
					 * cleared, maybe bound again since) */
		if (!rc)
			rc = iob_copy_out(b, done, bounce + (p - start), k);
		if (rc)
			break;
		done += k;
	}
	kfree(bounce);
	*pos += done;
	return done ? (long)done : rc;
}

static long blkfile_write(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct blkdev *bd = f->priv;
	u64 size = disk_bytes(bd);
	size_t done = 0, bsize;
	long rc = 0;

	if (bd->read_only)
		return -EROFS;
	if (READ_ONCE(bd->ro_set))
		return -EPERM;	/* as Linux for a BLKROSET disk */
	if (!n)
		return 0;
	if (*pos >= size)
		return -ENOSPC;
	n = (size_t)MIN((u64)n, size - *pos);
	u64 first = ALIGN_DOWN(*pos, SECTOR_SIZE);
	u8 *bounce = bounce_alloc(ALIGN_UP(*pos + n, SECTOR_SIZE) - first, &bsize);
	if (!bounce)
		return -ENOMEM;
	mutex_lock(&f->inode->lock);
	while (done < n) {
		u64 p = *pos + done;
		u64 start = ALIGN_DOWN(p, SECTOR_SIZE);
		u64 end = MIN(ALIGN_UP(p + (n - done), SECTOR_SIZE), start + bsize);
		size_t k = (size_t)MIN((u64)(n - done), end - p);
		rc = 0;
		if (p != start)		/* partial first sector: keep its head */
			rc = blk_rw(bd, start / SECTOR_SIZE, bounce, SECTOR_SIZE, false);
		if (!rc && p + k != end && (end - SECTOR_SIZE != start || p == start))
			rc = blk_rw(bd, end / SECTOR_SIZE - 1, bounce + (end - start - SECTOR_SIZE),
				    SECTOR_SIZE, false);	/* partial last: keep its tail */
		if (!rc)
			rc = iob_copy_in(bounce + (p - start), b, done, k);
		if (!rc)
			rc = blk_rw(bd, start / SECTOR_SIZE, bounce, end - start, true);
		if (rc == -EINVAL)
			rc = -EIO;	/* the device shrank under us, as in read */
		if (rc)
			break;
		done += k;
	}
	mutex_unlock(&f->inode->lock);
	kfree(bounce);
	*pos += done;
	return done ? (long)done : rc;
}

static long blkfile_ioctl(struct file *f, u32 cmd, u64 arg)
{
	struct blkdev *bd = f->priv;
	u64 bytes = disk_bytes(bd);
	unsigned long sectors = (unsigned long)bd->sectors;
	int ssz = SECTOR_SIZE;

	switch (cmd) {
	case BLKGETSIZE64:
		return copy_to_user((void *)arg, &bytes, sizeof(bytes));
	case BLKGETSIZE:
		return copy_to_user((void *)arg, &sectors, sizeof(sectors));
	case BLKSSZGET:
		return copy_to_user((void *)arg, &ssz, sizeof(ssz));
	case BLKROGET:
		ssz = blkdev_ro(bd);
		return copy_to_user((void *)arg, &ssz, sizeof(ssz));
	case BLKROSET:
		if (!cap_effective(CAP_SYS_ADMIN))
			return -EACCES;
		if (copy_from_user(&ssz, (const void *)arg, sizeof(ssz)))
			return -EFAULT;
		WRITE_ONCE(bd->ro_set, ssz != 0);
		return 0;
	case BLKRAGET:
		sectors = READ_ONCE(bd->ra_sectors);
		return copy_to_user((void *)arg, &sectors, sizeof(sectors));
	case BLKRASET:
		if (!cap_effective(CAP_SYS_ADMIN))
			return -EACCES;
		if (arg > 0xffffffffULL / 2)
			return -EINVAL;
		WRITE_ONCE(bd->ra_sectors, (u32)arg & ~7u);	/* whole pages, as Linux */
		return 0;
	case BLKFLSBUF:		/* no buffer cache over the device file */
		return 0;
	default:
		return bd->ops->ioctl ? bd->ops->ioctl(bd, f, cmd, arg) : -ENOTTY;
	}
}

static int blkfile_fsync(struct file *f, bool datasync)
{
	struct blkdev *bd = f->priv;

	(void)datasync;
	return bd->read_only ? 0 : blk_flush(bd);
}

static void blkfile_release(struct file *f)
{
	blkdev_put(f->priv);
}

static const struct file_ops blkfile_fops = {
	.release = blkfile_release,
	.read = blkfile_read,
	.write = blkfile_write,
	.ioctl = blkfile_ioctl,
	.fsync = blkfile_fsync,
	.seekable = true,
};

int blkdev_get(struct blkdev *bd)
{
	return bd->ops->open ? bd->ops->open(bd) : 0;
}

void blkdev_put(struct blkdev *bd)
{
	if (bd->ops->release)
		bd->ops->release(bd);
}

int blkdev_open(struct inode *inode, struct file *f)
{
	struct blkdev *bd = blkdev_by_dev(inode->rdev);
	int rc;

	if (!bd)
		return -ENXIO;
	if ((rc = blkdev_get(bd)))
		return rc;
	/* lseek(SEEK_END) reads the inode's size: make it the disk's */
	mutex_lock(&inode->lock);
	inode->size = disk_bytes(bd);
	mutex_unlock(&inode->lock);
	f->fop = &blkfile_fops;
	f->priv = bd;
	return 0;
}
