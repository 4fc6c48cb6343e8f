/*
 * Zero-copy and vectored I/O syscalls: sendfile, splice, tee, vmsplice,
 * copy_file_range (kernel/fs/splice.c moves the data), preadv, pwritev
 * and their v2 forms, fallocate, fadvise64 and readahead. This file only
 * takes descriptors and user offsets apart in Linux's order of checks;
 * docs/splice.md.
 */
#include <alloy/errno.h>
#include <alloy/signal.h>
#include <alloy/splice.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include "sysfs.h"

#define IOV_MAX 1024
#define IO_CHUNK (64 * 1024)


#define POSIX_FADV_NOREUSE 5	/* x86-64: 0..5 are all valid */

struct iovec {
	u64 base, len;
};

/* Two files by descriptor, or -EBADF. */
static int fget2(u64 a, u64 b, struct file **fa, struct file **fb)
{
	*fa = fget(a);
	if (!*fa)
		return -EBADF;
	*fb = fget(b);
	if (!*fb) {
		file_put(*fa);
		return -EBADF;
	}
	return 0;
}

static void fput2(struct file *a, struct file *b)
{
	file_put(a);
	file_put(b);
}

/* An optional user loff_t: *have says whether there is one. */
static int off_in(u64 uptr, u64 *v, bool *have)
{
	*have = uptr != 0;
	return *have && copy_from_user(v, (const void *)uptr, sizeof(*v)) ? -EFAULT : 0;
}

static int off_out(u64 uptr, u64 v)
{
	return uptr && copy_to_user((void *)uptr, &v, sizeof(v)) ? -EFAULT : 0;
}

/* sendfile(out_fd, in_fd, loff_t *offset, count) */
long sys_sendfile(SYSARGS)
{
	struct file *out, *in;
	u64 pos;
	bool have;
	int rc = off_in(a2, &pos, &have);

	if (rc)
		return rc;
	/* Linux looks the source up first: its errors come before out's */
	if (!(in = fget(a1)))
		return -EBADF;
	out = fget(a0);
	long r = out ? splice_sendfile(in, out, have ? &pos : NULL, a3) : -EBADF;
	if (out)
		file_put(out);
	file_put(in);
	if (have && off_out(a2, pos))
		return -EFAULT;
	return r;
}

/* splice(fd_in, loff_t *off_in, fd_out, loff_t *off_out, len, flags) */
long sys_splice(SYSARGS)
{
	struct file *in, *out;
	u64 ipos = 0, opos = 0;
	bool hi, ho;

	if (!a4)
		return 0;
	if (a5 & ~(u64)SPLICE_F_ALL)
		return -EINVAL;
	int rc = fget2(a0, a2, &in, &out);
	if (rc)
		return rc;
	long r = (pipe_of(in) && a1) || (pipe_of(out) && a3) ? -ESPIPE : 0;
	if (!r && ((r = off_in(a1, &ipos, &hi)) || (r = off_in(a3, &opos, &ho))))
		r = -EFAULT;
	if (!r)
		r = splice_files(in, hi ? &ipos : NULL, out, ho ? &opos : NULL, a4, (u32)a5);
	fput2(in, out);
	if (r >= 0 && ((hi && off_out(a1, ipos)) || (ho && off_out(a3, opos))))
		return -EFAULT;
	return r;
}

/* tee(fd_in, fd_out, len, flags) */
long sys_tee(SYSARGS)
{
	struct file *in, *out;

	if (a3 & ~(u64)SPLICE_F_ALL)
		return -EINVAL;
	if (!a2)
		return 0;
	int rc = fget2(a0, a1, &in, &out);
	if (rc)
		return rc;
	long r = splice_tee(in, out, a2, (u32)a3);
	fput2(in, out);
	return r;
}

/* Checks an iovec array as Linux's import_iovec: count, readable,
 * lengths; the total, cut at Linux's MAX_RW_COUNT. */
static long iov_total(u64 uiov, u64 cnt, u64 *total)
{
	struct iovec v;

	*total = 0;
	if (cnt > IOV_MAX)
		return -EINVAL;
	for (u64 i = 0; i < cnt; i++) {
		if (copy_from_user(&v, (const void *)(uiov + i * sizeof(v)), sizeof(v)))
			return -EFAULT;
		if ((s64)v.len < 0)
			return -EINVAL;
		u64 end;
		if (v.len && (__builtin_add_overflow(v.base, v.len, &end) || end > USER_TOP))
			return -EFAULT;
		*total = MIN(*total + v.len, (u64)SPLICE_MAX_COUNT);
	}
	return 0;
}

/* vmsplice(fd, const struct iovec *iov, nr_segs, flags) */
long sys_vmsplice(SYSARGS)
{
	struct iovec v;
	u64 total, done = 0;

	if (a3 & ~(u64)SPLICE_F_ALL)
		return -EINVAL;
	struct file *f = fget(a0);
	if (!f)
		return -EBADF;
	long r = f->flags & O_PATH ? -EBADF : iov_total(a1, a2, &total);
	for (u64 i = 0; !r && i < a2 && done < total; i++) {
		if (copy_from_user(&v, (const void *)(a1 + i * sizeof(v)), sizeof(v))) {
			r = -EFAULT;
			break;
		}
		u64 len = MIN(v.len, total - done);
		if (!len)
			continue;
		struct iobuf b = { v.base, false };
		long k = splice_vmsplice(f, &b, len, (u32)a3, !done);
		if (k < 0) {
			r = k;
			break;
		}
		done += (u64)k;
		if ((u64)k < len)
			break;
	}
	file_put(f);
	return done ? (long)done : r;
}

/* copy_file_range(fd_in, loff_t *off_in, fd_out, loff_t *off_out, len, flags) */
long sys_copy_file_range(SYSARGS)
{
	struct file *in, *out;
	u64 ipos = 0, opos = 0;
	bool hi, ho;
	int rc = fget2(a0, a2, &in, &out);

	if (rc)
		return rc;
	long r = off_in(a1, &ipos, &hi);
	if (!r)
		r = off_in(a3, &opos, &ho);
	if (!r)
		r = splice_copy_range(in, hi ? &ipos : NULL, out, ho ? &opos : NULL, a4, (u32)a5);
	fput2(in, out);
	if (r > 0 && ((hi && off_out(a1, ipos)) || (ho && off_out(a3, opos))))
		return -EFAULT;
	return r;
}

/*
 * preadv2/pwritev2 flags on f: -EOPNOTSUPP for unknown ones, and for
 * RWF_NOWAIT on a file that cannot promise not to wait. Pipes can (their
 * O_NONBLOCK way) and so can memory files (never wait); disk files here
 * cannot tell yet whether a page is cached without reading it, so they
 * refuse as Linux does for filesystems without FMODE_NOWAIT.
 */
int rwf_check(struct file *f, u64 flags)
{
	if (flags & ~(u64)RWF_SUPPORTED)
		return -EOPNOTSUPP;
	if (!(flags & RWF_NOWAIT) || pipe_of(f))
		return 0;
	if (f->inode && S_ISREG(f->inode->mode) && f->inode->sb &&
	    !strcmp(f->inode->sb->type, "memfs"))
		return 0;
	return -EOPNOTSUPP;
}

/* One segment: pos < 0 is the file's own position. */
long file_rw_seg(struct file *f, u64 buf, u64 n, bool write, s64 pos, u64 flags)
{
	u64 done = 0;

	while (done < n) {
		if (done && signal_pending())
			break;
		size_t k = (size_t)MIN(n - done, (u64)IO_CHUNK);
		struct iobuf b = { buf + done, false };
		struct pipe *p = (flags & RWF_NOWAIT) ? pipe_of(f) : NULL;
		long r;
		if (p)
			r = write ? pipe_xfer_write(p, b, k, PIPE_NONBLOCK)
				  : pipe_xfer_read(p, b, k, 0, PIPE_NONBLOCK);
		else if (write && (flags & RWF_APPEND) && f->inode && S_ISREG(f->inode->mode))
			r = file_write_at(f, b, k, READ_ONCE(f->inode->size));	/* docs/splice.md */
		else if (pos < 0)
			r = write ? file_write(f, b, k) : file_read(f, b, k);
		else
			r = write ? file_write_at(f, b, k, (u64)pos + done)
				  : file_read_at(f, b, k, (u64)pos + done);
		if (r < 0)
			return done ? (long)done : r;
		done += (u64)r;
		if ((size_t)r < k)
			break;
	}
	return (long)done;
}

/* preadv/pwritev and the v2 forms; pos -1 (v2 only): the file's offset. */
static long vec_pos_rw(u64 fd, u64 uiov, u64 cnt, s64 pos, u64 flags, bool write, bool v2)
{
	struct iovec v;
	u64 total, done = 0;

	if (pos < 0 && !(v2 && pos == -1))
		return -EINVAL;
	struct file *f = fget(fd);
	if (!f)
		return -EBADF;
	long r = pos >= 0 && !(f->fop && f->fop->seekable) ? -ESPIPE : iov_total(uiov, cnt, &total);
	u32 acc = f->flags & O_ACCMODE;
	if (!r && ((f->flags & O_PATH) || acc == (write ? O_RDONLY : O_WRONLY)))
		r = -EBADF;
	if (!r && !total)
		goto out;
	if (!r && pos >= 0 && ((u64)pos + total > MAX_FILE_SIZE + 1))
		r = -EINVAL;
	if (!r)
		r = rwf_check(f, flags);
	for (u64 i = 0; !r && i < cnt && done < total; i++) {
		if (copy_from_user(&v, (const void *)(uiov + i * sizeof(v)), sizeof(v))) {
			r = -EFAULT;
			break;
		}
		u64 len = MIN(v.len, total - done);
		if (!len)
			continue;
		long k = file_rw_seg(f, v.base, len, write, pos >= 0 ? pos + (s64)done : -1, flags);
		if (k < 0) {
			r = k;
			break;
		}
		done += (u64)k;
		if ((u64)k < len)
			break;
	}
	if (done && write && (flags & (RWF_DSYNC | RWF_SYNC)) && f->fop && f->fop->fsync) {
		int s = f->fop->fsync(f, !(flags & RWF_SYNC));
		if (s)
			r = s, done = 0;
	}
out:
	file_put(f);
	return done ? (long)done : r;
}

/* x86-64 passes the offset whole in pos_l; pos_h is the upper half of a
 * 32-bit ABI (pos_from_hilo shifts it out on 64-bit). */
long sys_preadv(SYSARGS) { return vec_pos_rw(a0, a1, a2, (s64)a3, 0, false, false); }
long sys_pwritev(SYSARGS) { return vec_pos_rw(a0, a1, a2, (s64)a3, 0, true, false); }
long sys_preadv2(SYSARGS) { return vec_pos_rw(a0, a1, a2, (s64)a3, a5, false, true); }
long sys_pwritev2(SYSARGS) { return vec_pos_rw(a0, a1, a2, (s64)a3, a5, true, true); }

/* fallocate(fd, mode, offset, len) */
long sys_fallocate(SYSARGS)
{
	struct file *f = fget(a0);

	if (!f)
		return -EBADF;
	long r = splice_fallocate(f, (int)a1, (s64)a2, (s64)a3);
	file_put(f);
	return r;
}

/* fadvise64(fd, offset, len, advice): advice is checked, then ignored:
 * the page cache reads ahead and reclaims by itself. */
long sys_fadvise64(SYSARGS)
{
	struct file *f = fget(a0);

	if (!f)
		return -EBADF;
	long r = f->inode && S_ISFIFO(f->inode->mode) ? -ESPIPE
		 : (s64)a2 < 0 || a3 > POSIX_FADV_NOREUSE ? -EINVAL : 0;
	file_put(f);
	return r;
}

/* readahead(fd, offset, count): a regular file open for reading. The
 * page cache fills on the first read (with readahead of its own), so
 * nothing is read here. */
long sys_readahead(SYSARGS)
{
	struct file *f = fget(a0);

	if (!f)
		return -EBADF;
	u32 acc = f->flags & O_ACCMODE;
	long r = (f->flags & O_PATH) || acc == O_WRONLY ? -EBADF
		 : !f->inode || !S_ISREG(f->inode->mode) ? -EINVAL : 0;
	file_put(f);
	return r;
}
