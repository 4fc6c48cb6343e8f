/*
 * Character devices, chosen by device number when a node is opened:
 * the memory devices of Linux's major 1 (null, zero, full, random,
 * urandom) and the terminal (major 4 and 5, served by drivers/tty.c).
 */
#include <alloy/errno.h>
#include <alloy/random.h>
#include <alloy/vfs.h>

#define CHUNK 256

static long null_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	(void)f; (void)b; (void)n; (void)pos;
	return 0;
}

static long null_write(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	(void)f; (void)b; (void)pos;
	return (long)n;
}

static long zero_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	(void)f; (void)pos;
	int rc = iob_zero(b, 0, n);
	return rc ? rc : (long)n;
}

static long full_write(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	(void)f; (void)b; (void)n; (void)pos;
	return -ENOSPC;
}

static long random_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	u8 buf[CHUNK];
	size_t done = 0;

	(void)f; (void)pos;
	while (done < n) {
		size_t k = MIN(n - done, sizeof(buf));
		get_random_bytes(buf, k);
		if (iob_copy_out(b, done, buf, k))
			return done ? (long)done : -EFAULT;
		done += k;
	}
	return (long)done;
}

static const struct file_ops null_fops = { .read = null_read, .write = null_write, .seekable = true };
static const struct file_ops zero_fops = { .read = zero_read, .write = null_write, .seekable = true };
static const struct file_ops full_fops = { .read = zero_read, .write = full_write, .seekable = true };
static const struct file_ops random_fops = { .read = random_read, .write = null_write, .seekable = true };

int chrdev_open(struct inode *inode, struct file *f)
{
	switch (inode->rdev) {
	case MKDEV(1, 3): f->fop = &null_fops; return 0;
	case MKDEV(1, 5): f->fop = &zero_fops; return 0;
	case MKDEV(1, 7): f->fop = &full_fops; return 0;
	case MKDEV(1, 8):
	case MKDEV(1, 9): f->fop = &random_fops; return 0;
	case MKDEV(5, 0):
	case MKDEV(5, 1):
	case MKDEV(4, 64): return tty_open(inode, f);
	default: return -ENXIO;
	}
}
