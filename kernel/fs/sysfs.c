/*
 * /sys (mount -t sysfs; the kernel mounts one at /sys at boot, beside
 * /proc): the block layer's view of each disk, as Linux lays it out for
 * the parts Alloy has. It is procfs's engine with another root (inode
 * numbers say what a node is, text made afresh by each read, nothing
 * cached: procfs.h), so this file only says what the nodes are:
 *
 *   /sys/block/<disk>/            dev size ro removable stat inflight uevent
 *   /sys/block/<disk>/queue/      the request queue's limits (table below)
 *   /sys/dev/block/<maj>:<min>    a link to ../../block/<disk>
 *   /sys/kernel/                  sysctl entries whose paths begin "@sys/kernel/"
 *                                 (kernel/mm/hugetlb.c's hugepages-2048kB files)
 *
 * A disk is every registered block device (virtio disks, loop devices
 * that were not removed), named by its registration index, which never
 * changes (disks are never unregistered: a pointer from blkdev_at stays
 * good without a lock). Linux's /sys/block/<disk> is a link into
 * /sys/devices; here it is the directory itself. Read-only: Linux's
 * writable queue files (read_ahead_kb, max_sectors_kb, ...) are 0444
 * here; BLKRASET changes read-ahead. docs/storage.md "/sys/block".
 */
#include <alloy/blkdev.h>
#include <alloy/errno.h>
#include <alloy/printf.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/vfs.h>
#include "procfs.h"

#define ATTRS_PER_DISK 64	/* fd = disk index * 64 + attribute */
#define MAX_DISKS (0x10000 / ATTRS_PER_DISK)

enum sysfs_attr {
	A_DEV, A_SIZE, A_RO, A_REMOVABLE, A_STAT, A_INFLIGHT, A_UEVENT, A_QUEUE,
	/* queue/ */
	Q_LOGICAL, Q_PHYSICAL, Q_HW_SECTOR, Q_MIN_IO, Q_OPT_IO, Q_ROTATIONAL,
	Q_MAX_SECTORS_KB, Q_MAX_HW_SECTORS_KB, Q_MAX_SEGMENTS, Q_MAX_SEGMENT_SIZE,
	Q_DMA_ALIGNMENT, Q_READ_AHEAD_KB, Q_NR_REQUESTS, Q_DISCARD_GRAN, Q_DISCARD_MAX,
	A_NR
};

static const struct proc_entry disk_entries[] = {
	{ "dev", A_DEV, S_IFREG | 0444 },
	{ "size", A_SIZE, S_IFREG | 0444 },
	{ "ro", A_RO, S_IFREG | 0444 },
	{ "removable", A_REMOVABLE, S_IFREG | 0444 },
	{ "stat", A_STAT, S_IFREG | 0444 },
	{ "inflight", A_INFLIGHT, S_IFREG | 0444 },
	{ "uevent", A_UEVENT, S_IFREG | 0444 },
	{ "queue", A_QUEUE, S_IFDIR | 0555 },
};

static const struct proc_entry queue_entries[] = {
	{ "logical_block_size", Q_LOGICAL, S_IFREG | 0444 },
	{ "physical_block_size", Q_PHYSICAL, S_IFREG | 0444 },
	{ "hw_sector_size", Q_HW_SECTOR, S_IFREG | 0444 },
	{ "minimum_io_size", Q_MIN_IO, S_IFREG | 0444 },
	{ "optimal_io_size", Q_OPT_IO, S_IFREG | 0444 },
	{ "rotational", Q_ROTATIONAL, S_IFREG | 0444 },
	{ "max_sectors_kb", Q_MAX_SECTORS_KB, S_IFREG | 0444 },
	{ "max_hw_sectors_kb", Q_MAX_HW_SECTORS_KB, S_IFREG | 0444 },
	{ "max_segments", Q_MAX_SEGMENTS, S_IFREG | 0444 },
	{ "max_segment_size", Q_MAX_SEGMENT_SIZE, S_IFREG | 0444 },
	{ "dma_alignment", Q_DMA_ALIGNMENT, S_IFREG | 0444 },
	{ "read_ahead_kb", Q_READ_AHEAD_KB, S_IFREG | 0444 },
	{ "nr_requests", Q_NR_REQUESTS, S_IFREG | 0444 },
	{ "discard_granularity", Q_DISCARD_GRAN, S_IFREG | 0444 },
	{ "discard_max_bytes", Q_DISCARD_MAX, S_IFREG | 0444 },
};

#define SYSFS_KERNEL "@sys/kernel"

static const struct proc_entry root_entries[] = {
	{ "block", PK_SYSFS_BLOCK, S_IFDIR | 0755 },
	{ "dev", PK_SYSFS_DEV, S_IFDIR | 0755 },
};

static const struct proc_entry dev_entries[] = {
	{ "block", PK_SYSFS_DEVBLOCK, S_IFDIR | 0755 },
};

/* The listed disk of registration index idx, or NULL (none, removed). */
static struct blkdev *disk_at(int idx)
{
	struct blkdev *bd = idx >= 0 && idx < MAX_DISKS ? blkdev_at(idx) : NULL;

	return bd && !READ_ONCE(bd->hidden) ? bd : NULL;
}

static const struct proc_entry *find(const struct proc_entry *t, size_t n, const char *name,
				     size_t len)
{
	for (size_t k = 0; k < n; k++)
		if (strlen(t[k].name) == len && !memcmp(t[k].name, name, len))
			return &t[k];
	return NULL;
}

static int make(struct inode *dir, int kind, int fd, u32 mode, struct inode **out)
{
	*out = proc_inode(dir->sb, kind, 0, 0, fd, mode);
	return *out ? 0 : -ENOMEM;
}

/* A decimal as Linux writes it (no sign, no leading zero); -1 if not. */
static long parse_dec(const char *s, size_t len)
{
	long v = 0;

	if (!len || len > 7 || (s[0] == '0' && len > 1))
		return -1;
	for (size_t k = 0; k < len; k++) {
		if (s[k] < '0' || s[k] > '9')
			return -1;
		v = v * 10 + (s[k] - '0');
	}
	return v;
}

/* "254:16": a listed disk by its device number */
static struct blkdev *parse_devno(const char *name, size_t len)
{
	const char *colon = memchr(name, ':', len);

	if (!colon)
		return NULL;
	long ma = parse_dec(name, (size_t)(colon - name));
	long mi = parse_dec(colon + 1, len - (size_t)(colon - name) - 1);
	if (ma < 0 || mi < 0 || ma > 0xfff || mi > 0xff)
		return NULL;
	struct blkdev *bd = blkdev_by_dev(MKDEV(ma, mi));
	return bd && !READ_ONCE(bd->hidden) ? bd : NULL;
}

int sysfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	int kind = PROC_KIND(dir->ino), fd = PROC_FD(dir->ino);
	const struct proc_entry *e;
	struct blkdev *bd;
	char n[sizeof(bd->name)];

	switch (kind) {
	case PK_SYSFS_ROOT:
		if (len == 6 && !memcmp(name, "kernel", 6) && proc_sys_dir_ino(SYSFS_KERNEL)) {
			/* /sys/kernel: files declared as sysctls under "@sys/kernel" */
			*out = proc_inode(dir->sb, PK_SYSDIR, 0, 0, 0, S_IFDIR | 0755);
			if (!*out)
				return -ENOMEM;
			(*out)->ino = proc_sys_dir_ino(SYSFS_KERNEL);
			return 0;
		}
		if (!(e = find(root_entries, ARRAY_SIZE(root_entries), name, len)))
			return -ENOENT;
		return make(dir, e->kind, 0, e->mode, out);
	case PK_SYSFS_DEV:
		if (!(e = find(dev_entries, ARRAY_SIZE(dev_entries), name, len)))
			return -ENOENT;
		return make(dir, e->kind, 0, e->mode, out);
	case PK_SYSFS_BLOCK:
		if (len >= sizeof(n))
			return -ENOENT;
		memcpy(n, name, len);
		n[len] = '\0';
		bd = blkdev_find(n);
		if (!bd || !disk_at(bd->index))
			return -ENOENT;
		return make(dir, PK_SYSFS_DISK, bd->index, S_IFDIR | 0755, out);
	case PK_SYSFS_DEVBLOCK:
		if (!(bd = parse_devno(name, len)) || bd->index >= MAX_DISKS)
			return -ENOENT;
		return make(dir, PK_SYSFS_DEVLINK, bd->index, S_IFLNK | 0777, out);
	case PK_SYSFS_DISK:
		if (!disk_at(fd) || !(e = find(disk_entries, ARRAY_SIZE(disk_entries), name, len)))
			return -ENOENT;
		if (e->kind == A_QUEUE)
			return make(dir, PK_SYSFS_QUEUE, fd, e->mode, out);
		return make(dir, PK_SYSFS_ATTR, fd * ATTRS_PER_DISK + e->kind, e->mode, out);
	case PK_SYSFS_QUEUE:
		if (!disk_at(fd) || !(e = find(queue_entries, ARRAY_SIZE(queue_entries), name, len)))
			return -ENOENT;
		return make(dir, PK_SYSFS_ATTR, fd * ATTRS_PER_DISK + e->kind, e->mode, out);
	default:
		return -ENOENT;
	}
}

/* Cookies: 3 + the table's place, or 3 + the disk's index. */
static void emit_entries(const struct proc_entry *t, size_t n, int kind_dir, int fd, u64 *pos,
			 proc_emit_fn emit, void *ctx)
{
	for (size_t k = *pos - 2; k < n; k++) {
		int kind = kind_dir == PK_SYSFS_DISK || kind_dir == PK_SYSFS_QUEUE ?
			   (t[k].kind == A_QUEUE ? PK_SYSFS_QUEUE : PK_SYSFS_ATTR) : t[k].kind;
		int f = kind == PK_SYSFS_ATTR ? fd * ATTRS_PER_DISK + t[k].kind : fd;
		if (!emit(ctx, t[k].name, strlen(t[k].name), PROC_INO(kind, 0, 0, f), t[k].mode,
			  3 + k))
			return;
		*pos = 3 + k;
	}
}

static void emit_disks(bool devno, u64 *pos, proc_emit_fn emit, void *ctx)
{
	char name[16];
	struct blkdev *bd;

	for (int idx = (int)MIN(*pos - 2, (u64)MAX_DISKS); idx < MAX_DISKS &&
	     (bd = blkdev_at(idx)); idx++) {
		if (READ_ONCE(bd->hidden))
			continue;
		int len = devno ? snprintf(name, sizeof(name), "%u:%u", MAJOR(bd->dev),
					   MINOR(bd->dev))
				: snprintf(name, sizeof(name), "%s", bd->name);
		if (!emit(ctx, name, (size_t)len,
			  PROC_INO(devno ? PK_SYSFS_DEVLINK : PK_SYSFS_DISK, 0, 0, idx),
			  devno ? S_IFLNK | 0777 : S_IFDIR | 0755, 3 + (u64)idx))
			return;
		*pos = 3 + (u64)idx;
	}
}

void sysfs_iterate(struct inode *dir, u64 *pos, proc_emit_fn emit, void *ctx)
{
	int kind = PROC_KIND(dir->ino), fd = PROC_FD(dir->ino);

	switch (kind) {
	case PK_SYSFS_ROOT:
		emit_entries(root_entries, ARRAY_SIZE(root_entries), kind, 0, pos, emit, ctx);
		if (*pos - 2 <= ARRAY_SIZE(root_entries) && proc_sys_dir_ino(SYSFS_KERNEL) &&
		    emit(ctx, "kernel", 6, proc_sys_dir_ino(SYSFS_KERNEL), S_IFDIR | 0755,
			 3 + ARRAY_SIZE(root_entries)))
			*pos = 3 + ARRAY_SIZE(root_entries);
		break;
	case PK_SYSFS_DEV:
		emit_entries(dev_entries, ARRAY_SIZE(dev_entries), kind, 0, pos, emit, ctx);
		break;
	case PK_SYSFS_BLOCK:
	case PK_SYSFS_DEVBLOCK:
		emit_disks(kind == PK_SYSFS_DEVBLOCK, pos, emit, ctx);
		break;
	case PK_SYSFS_DISK:
		if (disk_at(fd))
			emit_entries(disk_entries, ARRAY_SIZE(disk_entries), kind, fd, pos, emit, ctx);
		break;
	case PK_SYSFS_QUEUE:
		if (disk_at(fd))
			emit_entries(queue_entries, ARRAY_SIZE(queue_entries), kind, fd, pos, emit,
				     ctx);
		break;
	}
}

static unsigned long long ms(u64 ns)
{
	return ns / 1000000ULL;
}

/* Linux's 17 fields (Documentation/block/stat.rst); times in ms, the
 * per-group ones cut to 32 bits as Linux prints them. */
static void put_stats(struct pbuf *b, struct blkdev *bd)
{
	struct blk_stat_snap s;

	blkdev_stat_snap(bd, &s);
	u64 queue_ns = s.nsecs[0] + s.nsecs[1] + s.nsecs[2] + s.nsecs[3];
	pbuf_printf(b, "%8llu %8u %8llu %8u %8llu %8u %8llu %8u %8u %8u %8u "
		    "%8llu %8u %8llu %8u %8llu %8u\n",
		    (unsigned long long)s.ios[BLK_STAT_READ], 0,
		    (unsigned long long)s.sectors[BLK_STAT_READ], (u32)ms(s.nsecs[BLK_STAT_READ]),
		    (unsigned long long)s.ios[BLK_STAT_WRITE], 0,
		    (unsigned long long)s.sectors[BLK_STAT_WRITE], (u32)ms(s.nsecs[BLK_STAT_WRITE]),
		    s.inflight[0] + s.inflight[1], (u32)ms(s.io_ns), (u32)ms(queue_ns),
		    (unsigned long long)s.ios[BLK_STAT_DISCARD], 0,
		    (unsigned long long)s.sectors[BLK_STAT_DISCARD],
		    (u32)ms(s.nsecs[BLK_STAT_DISCARD]),
		    (unsigned long long)s.ios[BLK_STAT_FLUSH], (u32)ms(s.nsecs[BLK_STAT_FLUSH]));
}

int diskstats_show(struct pbuf *b)
{
	struct blkdev *bd;

	for (int idx = 0; (bd = blkdev_at(idx)); idx++) {
		if (READ_ONCE(bd->hidden))
			continue;
		pbuf_printf(b, "%4u %7u %s ", MAJOR(bd->dev), MINOR(bd->dev), bd->name);
		put_stats(b, bd);
	}
	return 0;
}

int sysfs_show(struct pbuf *b, const struct inode *i)
{
	int fd = PROC_FD(i->ino), attr = fd % ATTRS_PER_DISK;
	struct blkdev *bd = disk_at(fd / ATTRS_PER_DISK);
	u64 v;

	if (!bd)
		return -ENODEV;		/* a loop device removed since, as kernfs */
	switch (attr) {
	case A_DEV:
		return pbuf_printf(b, "%u:%u\n", MAJOR(bd->dev), MINOR(bd->dev));
	case A_STAT:
		put_stats(b, bd);
		return 0;
	case A_INFLIGHT: {
		struct blk_stat_snap s;
		blkdev_stat_snap(bd, &s);
		return pbuf_printf(b, "%8u %8u\n", s.inflight[0], s.inflight[1]);
	}
	case A_UEVENT:
		return pbuf_printf(b, "MAJOR=%u\nMINOR=%u\nDEVNAME=%s\nDEVTYPE=disk\n",
				   MAJOR(bd->dev), MINOR(bd->dev), bd->name);
	case A_SIZE: v = READ_ONCE(bd->sectors); break;
	case A_RO: v = blkdev_ro(bd); break;
	case A_REMOVABLE: v = 0; break;
	/* the block layer's rules (blkdev.h): 512-byte sectors, bios of at
	 * most BIO_MAX_SEGS segments and BIO_MAX_BYTES, kernel buffers
	 * aligned to BLKDEV_DMA_ALIGN; no discard */
	case Q_LOGICAL: case Q_PHYSICAL: case Q_HW_SECTOR: case Q_MIN_IO:
		v = SECTOR_SIZE;
		break;
	case Q_OPT_IO: v = 0; break;
	case Q_ROTATIONAL: v = 1; break;	/* unknown: Linux's default */
	case Q_MAX_SECTORS_KB: case Q_MAX_HW_SECTORS_KB: v = BIO_MAX_BYTES / 1024; break;
	case Q_MAX_SEGMENTS: v = BIO_MAX_SEGS; break;
	case Q_MAX_SEGMENT_SIZE: v = BIO_MAX_BYTES; break;
	case Q_DMA_ALIGNMENT: v = BLKDEV_DMA_ALIGN - 1; break;	/* a mask, as Linux's */
	case Q_READ_AHEAD_KB: v = READ_ONCE(bd->ra_sectors) / 2; break;
	case Q_NR_REQUESTS: v = bd->queue_depth; break;
	case Q_DISCARD_GRAN: case Q_DISCARD_MAX: v = 0; break;
	default: return -ENOENT;
	}
	return pbuf_printf(b, "%llu\n", (unsigned long long)v);
}

int sysfs_readlink(const struct inode *i, char *buf, size_t len)
{
	struct blkdev *bd = disk_at(PROC_FD(i->ino));
	char s[32];

	if (!bd)
		return -ENOENT;
	int n = MIN(snprintf(s, sizeof(s), "../../block/%s", bd->name), (int)len);
	memcpy(buf, s, (size_t)n);
	return n;
}

int sysfs_mount(u32 flags, const struct path *at)
{
	struct super_block *sb = procfs_create_root("sysfs", PK_SYSFS_ROOT);
	int rc;

	if (!sb)
		return -ENOMEM;
	sb->flags |= flags & SB_NOSUID;
	if ((rc = vfs_mount(sb, at))) {
		dentry_put(sb->root);	/* frees the root inode */
		kfree(sb);
	}
	return rc;
}
