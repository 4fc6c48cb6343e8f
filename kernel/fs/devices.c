/*
 * Character devices, chosen by device number when a node is opened:
 * the memory devices of Linux's major 1 (null, zero, full, random,
 * urandom, kmsg), the terminal (major 4 and 5, served by
 * drivers/tty.c) and the pseudo-terminals: /dev/ptmx (5:2) and the
 * slaves (majors 136.., drivers/pty.c).
 */
#include <alloy/blkdev.h>
#include <alloy/cred.h>
#include <alloy/errno.h>
#include <alloy/klog.h>
#include <alloy/printf.h>
#include <alloy/printk.h>
#include <alloy/random.h>
#include <alloy/sched.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/tty.h>
#include <alloy/uaccess.h>
#include <alloy/userfaultfd.h>
#include <alloy/vfs.h>

#define CHUNK 256
#define KMSG_POLL_MS 50	/* printk cannot wake readers: they poll */

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

/* A write to /dev/random or /dev/urandom is mixed into the generator's
 * key, as Linux does, crediting no entropy (anyone may write: it can only
 * add to what an attacker does not know). */
static long random_write(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	u8 buf[CHUNK];
	size_t done = 0;

	(void)f; (void)pos;
	while (done < n) {
		size_t k = MIN(n - done, sizeof(buf));
		if (iob_copy_in(buf, b, done, k))
			return done ? (long)done : -EFAULT;
		add_random_bytes(buf, k);
		done += k;
	}
	return (long)done;
}

/* <linux/random.h>'s ioctls. The count is fixed (RANDOM_ENTROPY_BITS):
 * the generator does not count entropy, so adding to, zeroing or clearing
 * it changes nothing but needs CAP_SYS_ADMIN as in Linux; RNDADDENTROPY
 * mixes its bytes in. */
#define RNDGETENTCNT 0x80045200
#define RNDADDTOENTCNT 0x40045201
#define RNDADDENTROPY 0x40085203
#define RNDZAPENTCNT 0x5204
#define RNDCLEARPOOL 0x5206
#define RNDRESEEDCRNG 0x5207

static long random_ioctl(struct file *f, u32 cmd, u64 arg)
{
	struct cred c;
	int cnt = RANDOM_ENTROPY_BITS;

	(void)f;
	if (cmd == RNDGETENTCNT)
		return copy_to_user((void *)arg, &cnt, sizeof(cnt)) ? -EFAULT : 0;
	if (cmd != RNDADDTOENTCNT && cmd != RNDADDENTROPY && cmd != RNDZAPENTCNT &&
	    cmd != RNDCLEARPOOL && cmd != RNDRESEEDCRNG)
		return -EINVAL;
	cred_current(&c);
	if (!cred_is_root(&c))
		return -EPERM;
	if (cmd == RNDADDTOENTCNT)
		return copy_from_user(&cnt, (const void *)arg, sizeof(cnt)) ? -EFAULT : 0;
	if (cmd == RNDADDENTROPY) {	/* struct rand_pool_info: count, size, bytes */
		int hdr[2];
		u8 buf[CHUNK];
		if (copy_from_user(hdr, (const void *)arg, sizeof(hdr)))
			return -EFAULT;
		if (hdr[0] < 0 || hdr[1] < 0)
			return -EINVAL;
		for (u64 done = 0; done < (u64)hdr[1];) {
			size_t k = (size_t)MIN((u64)hdr[1] - done, (u64)sizeof(buf));
			if (copy_from_user(buf, (const u8 *)arg + sizeof(hdr) + done, k))
				return -EFAULT;
			add_random_bytes(buf, k);
			done += k;
		}
	}
	return 0;
}

static const struct file_ops null_fops = { .read = null_read, .write = null_write, .seekable = true };
static const struct file_ops zero_fops = { .read = zero_read, .write = null_write, .seekable = true,
					     .mmap_anon = true };
static const struct file_ops full_fops = { .read = zero_read, .write = full_write, .seekable = true };
static const struct file_ops random_fops = { .read = random_read, .write = random_write,
					     .ioctl = random_ioctl, .seekable = true };

/*
 * /dev/kmsg: each read returns one line, "level,seq,usec,-;text\n", from
 * the file position (a sequence number) on; EPIPE once if lines were
 * overwritten before they were read. A write logs one line (an optional
 * "<N>" prefix gives its level), rate-limited like any message a
 * program can cause.
 */
/* The next line at the file's position (its own sequence number, kept in
 * f->pos under pos_lock: the device is not seekable, so nobody else
 * moves it); -EPIPE once if lines were overwritten unread. */
static long kmsg_next(struct file *f, struct klog_line *l)
{
	u64 first, next;
	long rc = 0;

	mutex_lock(&f->pos_lock);
	klog_bounds(&first, &next);
	if (f->pos < first) {
		f->pos = first;
		rc = -EPIPE;
	} else {
		u64 seq = f->pos;
		rc = klog_get(&seq, l) ? 1 : 0;
	}
	mutex_unlock(&f->pos_lock);
	return rc;
}

static long kmsg_read(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	struct klog_line l;
	char line[KLOG_TEXT + 48];
	long rc;

	(void)pos;
	while (!(rc = kmsg_next(f, &l))) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (signal_pending())
			return -ERESTARTSYS;
		sleep_ms(KMSG_POLL_MS);
	}
	if (rc < 0)
		return rc;
	int len = snprintf(line, sizeof(line), "%d,%llu,%llu,-;%.*s\n", l.level, l.seq,
			   l.ns / 1000ULL, (int)l.len, l.text);
	if (len < 0 || (size_t)len >= sizeof(line))
		len = sizeof(line) - 1;
	if ((size_t)len > n)
		return -EINVAL;
	if (iob_copy_out(b, 0, line, (size_t)len))
		return -EFAULT;
	mutex_lock(&f->pos_lock);
	if (f->pos == l.seq)
		f->pos = l.seq + 1;
	mutex_unlock(&f->pos_lock);
	return len;
}

static long kmsg_write(struct file *f, struct iobuf b, size_t n, u64 *pos)
{
	char msg[KLOG_TEXT];
	size_t k = MIN(n, sizeof(msg) - 1);
	int level = LOG_WARN;

	(void)pos;
	if (iob_copy_in(msg, b, 0, k))
		return -EFAULT;
	msg[k] = 0;
	const char *text = msg;
	if (k >= 3 && msg[0] == '<' && msg[1] >= '0' && msg[1] <= '7' && msg[2] == '>') {
		level = msg[1] - '0';
		text += 3;
	}
	size_t tl = strlen(text);
	while (tl && text[tl - 1] == '\n')
		tl--;
	u32 missed;
	if (printk_ratelimit(f->priv, &missed)) {	/* per open file, as Linux */
		if (missed)
			printk(level, "(%u lines from /dev/kmsg suppressed)\n", missed);
		printk(level, "%.*s\n", (int)tl, text);
	}
	return (long)n;
}

static void kmsg_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops kmsg_fops = {
	.read = kmsg_read, .write = kmsg_write, .release = kmsg_release,
};

static int kmsg_open(struct file *f)
{
	u64 first, next;

	f->priv = kzalloc(sizeof(struct ratelimit), GFP_KERNEL);
	if (!f->priv)
		return -ENOMEM;
	klog_bounds(&first, &next);
	f->fop = &kmsg_fops;
	f->pos = first;		/* a reader starts with the oldest line kept */
	return 0;
}

int chrdev_open(struct inode *inode, struct file *f)
{
	switch (inode->rdev) {
	case MKDEV(1, 3): f->fop = &null_fops; return 0;
	case MKDEV(1, 5): f->fop = &zero_fops; return 0;
	case MKDEV(1, 7): f->fop = &full_fops; return 0;
	case MKDEV(1, 8):
	case MKDEV(1, 9): f->fop = &random_fops; return 0;
	case MKDEV(1, 11): return kmsg_open(f);
	case MKDEV(5, 0):
	case MKDEV(5, 1):
	case MKDEV(4, 64): return tty_open(inode, f);
	case MKDEV(5, 2): return ptmx_open(inode, f);
	case MKDEV(10, 237): return loop_ctl_open(f);
	case MKDEV(10, 126): return uffd_dev_open(f);
	default:
		if (MAJOR(inode->rdev) >= PTY_SLAVE_MAJOR && MAJOR(inode->rdev) < PTY_SLAVE_MAJOR + 16)
			return pty_slave_open((MAJOR(inode->rdev) - PTY_SLAVE_MAJOR) << 8 |
					      MINOR(inode->rdev), f);
		return -ENXIO;
	}
}
