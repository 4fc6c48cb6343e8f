/*
 * Block devices: a disk is a `struct blkdev` that accepts `struct bio`
 * requests. A driver (kernel/drivers/virtio_blk.c) registers its disks;
 * filesystems and /dev/vdX files submit bios and are told of completion.
 *
 * A bio reads or writes `nr_segs` physically contiguous segments, in
 * order, starting at a 512-byte sector; every segment length is a
 * multiple of 512 and the total at most BIO_MAX_BYTES (a flush has no
 * segments). blk_submit checks all that (-EINVAL) and rejects writes to a
 * read-only disk (-EROFS), without calling end_io. A driver keeps
 * several bios in flight and completes them in any order, from interrupt
 * context: it sets `status` (0 or -EIO) and calls `end_io`. Submission
 * may sleep while the device queue is full; it never busy-waits.
 *
 * The sync helpers (blk_submit_wait, blk_rw, blk_flush) sleep until the
 * device answers. Nothing here allocates per byte moved.
 */
#ifndef ALLOY_BLKDEV_H
#define ALLOY_BLKDEV_H

#include <alloy/atomic.h>
#include <alloy/list.h>
#include <alloy/types.h>
#include <alloy/wait.h>

#define SECTOR_SIZE 512
/* blk_rw's rule for kernel buffers, and the direct-I/O alignment statx
 * reports for a disk file (Linux's dma_alignment + 1) */
#define BLKDEV_DMA_ALIGN 512
#define BIO_MAX_SEGS 16
#define BIO_MAX_BYTES (BIO_MAX_SEGS * 4096)
#define BLKDEV_MAJOR 254		/* virtio-blk disks (as on Linux) */
#define LOOP_MAJOR 7			/* loop devices (kernel/drivers/loop.c) */

enum bio_op { BIO_READ, BIO_WRITE, BIO_FLUSH };

struct bio_seg {
	phys_addr_t phys;
	u32 len;
};

struct bio {
	enum bio_op op;
	u64 sector;			/* first 512-byte sector */
	u32 nr_segs;
	struct bio_seg segs[BIO_MAX_SEGS];
	int status;			/* set by the driver before end_io */
	void (*end_io)(struct bio *b);	/* may run in interrupt context */
	void *priv;			/* for end_io */
	/* the block layer's accounting (blk_submit), not the submitter's */
	struct blkdev *acct_bd;
	void (*acct_end_io)(struct bio *b);	/* end_io as submitted */
	u64 acct_start_ns;
	u32 acct_sectors;
};

/*
 * What a disk has done, as Linux's /sys/block/<dev>/stat counts it,
 * kept by blk_submit and the completion it puts in front of end_io:
 * atomics of the disk alone, no lock. By group: 0 read, 1 write,
 * 2 discard (Alloy sends none), 3 flush; a request is counted when it
 * completes. Nothing is merged by the block layer (bios are sent as
 * built), so Linux's merge counts are 0.
 */
enum { BLK_STAT_READ, BLK_STAT_WRITE, BLK_STAT_DISCARD, BLK_STAT_FLUSH, BLK_STAT_NR };

struct blk_stats {
	atomic_long_t ios[BLK_STAT_NR];		/* requests completed */
	atomic_long_t sectors[BLK_STAT_NR];	/* 512-byte sectors moved */
	atomic_long_t nsecs[BLK_STAT_NR];	/* summed submit-to-completion time */
	atomic_t inflight[2];			/* submitted, not completed: reads, writes
						 * (flushes count as writes, as Linux's) */
	atomic_long_t io_ns;			/* time with at least one request out */
	atomic_long_t stamp_ns;			/* when io_ns was last brought up to date */
};

struct blkdev;
struct file;

struct blkdev_ops {
	/* Queues b; 0, or -EINVAL (bad range, end_io not called). Sleeps
	 * while the device has no free slot. */
	int (*submit)(struct blkdev *bd, struct bio *b);
	/* Optional: a user of the disk comes (a /dev file opened, a mount:
	 * -ENXIO if the device is gone) or goes. release never sleeps on
	 * the device and takes no mutex (it runs under `mounts`). */
	int (*open)(struct blkdev *bd);
	void (*release)(struct blkdev *bd);
	/* Optional: ioctls of its /dev file the block layer does not answer. */
	long (*ioctl)(struct blkdev *bd, struct file *f, u32 cmd, u64 arg);
};

struct blkdev {
	char name[8];			/* "vda" */
	u32 dev;			/* MKDEV(BLKDEV_MAJOR, minor) */
	u64 sectors;			/* capacity in 512-byte sectors */
	bool read_only;			/* the device's: writes fail */
	/* BLKROSET's (root's policy): the device file takes no writes and
	 * no filesystem mounts it read-write (EACCES); bios still go */
	bool ro_set;
	/* BLKRASET's read-ahead in 512-byte sectors (Linux's unit): how far
	 * a filesystem on it reads past a miss; 0 none */
	u32 ra_sectors;
	const struct blkdev_ops *ops;
	void *priv;			/* the driver's */
	struct list_head link;		/* [registry lock] */
	/* Set by the driver; statistics are updated under its queue lock
	 * and may be read (or max_inflight reset) without it. */
	u32 queue_depth;		/* requests the device holds at once */
	u32 inflight;			/* bios submitted and not completed */
	u32 max_inflight;		/* most ever in flight at once */
	u64 nr_bios;			/* bios sent to the device */
	u64 nr_flushes;			/* of which flushes */
	int index;			/* registration order, from 0 (sysfs) */
	bool hidden;			/* a removed loop device: not listed */
	struct blk_stats stats;		/* [atomics] */
};

/* A snapshot of a disk's statistics, times in ns. */
struct blk_stat_snap {
	u64 ios[BLK_STAT_NR], sectors[BLK_STAT_NR], nsecs[BLK_STAT_NR];
	u32 inflight[2];
	u64 io_ns;
};
void blkdev_stat_snap(struct blkdev *bd, struct blk_stat_snap *s);

/* kernel/drivers/blkdev.c */
/* The read-ahead a disk starts with (Linux's 128 KiB), in sectors. */
#define BLKDEV_RA_DEFAULT 256
/* Read-only for writers through the file and for read-write mounts:
 * the device is, or root said so (BLKROSET). */
static inline bool blkdev_ro(const struct blkdev *bd)
{
	return bd->read_only || READ_ONCE(bd->ro_set);
}
/* Read-ahead pages for a miss (at least the page itself). */
static inline u32 blkdev_ra_pages(const struct blkdev *bd)
{
	u32 n = READ_ONCE(bd->ra_sectors) / 8;
	return n ? n : 1;
}

/* Adds bd to the registry and creates /dev/<name> (S_IFBLK). */
int blkdev_register(struct blkdev *bd);
/* The disk named "vda" (no "/dev/"), or with rdev dev; NULL if none. */
struct blkdev *blkdev_find(const char *name);
struct blkdev *blkdev_by_dev(u32 dev);
/* The disk registered index-th (0 first), hidden or not; NULL past the
 * last. Disks are never unregistered: the pointer stays good. */
struct blkdev *blkdev_at(int index);

int blk_submit(struct blkdev *bd, struct bio *b);
/* Submits b and sleeps until it completes; returns b->status. */
int blk_submit_wait(struct blkdev *bd, struct bio *b);
/* Reads or writes len bytes (a multiple of 512, at most BIO_MAX_BYTES)
 * at sector from/to buf, a direct-mapped kernel buffer. */
int blk_rw(struct blkdev *bd, u64 sector, void *buf, size_t len, bool write);
/* Several bios in flight at once, waited for together: the counters
 * change under the wait queue's lock, so the last completion's wake-up
 * happens before the waiter can return and free the batch. Each bio must
 * stay alive until bio_batch_wait returns. */
struct bio_batch {
	struct wait_queue wq;
	int pending;		/* [wq.lock] */
	int status;		/* first error [wq.lock] */
};
void bio_batch_init(struct bio_batch *bb);
/* Submits b as part of bb; a submit error counts as b's status. */
void bio_batch_add(struct blkdev *bd, struct bio_batch *bb, struct bio *b);
/* Sleeps until every bio of bb completed; 0 or the first error. */
int bio_batch_wait(struct bio_batch *bb);
/* Asks the device to make completed writes durable. */
int blk_flush(struct blkdev *bd);
/* Number of registered disks. */
int blkdev_count(void);
/* A user of bd (a mount) comes or goes: the driver's open/release. */
int blkdev_get(struct blkdev *bd);
void blkdev_put(struct blkdev *bd);

/* kernel/drivers/loop.c: /dev/loop-control and /dev/loop0..7 at boot
 * (after the disks); opening /dev/loop-control (10:237). */
void loop_init(void);
int loop_ctl_open(struct file *f);

/* Opening an S_IFBLK inode: read/write/lseek on the whole disk. */
struct inode;
int blkdev_open(struct inode *inode, struct file *f);

#endif
