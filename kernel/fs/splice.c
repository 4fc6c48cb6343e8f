/*
 * Zero-copy transfers: sendfile, splice, tee, vmsplice, copy_file_range
 * (docs/splice.md). Nothing crosses user memory: a transfer reads at most
 * 64 KiB from the source's read op into one kernel buffer, writes it
 * through the destination's write op, and advances by what was written,
 * so memory stays 64 KiB whatever the count, and the destination sees
 * exactly what write(2) would make it do (O_APPEND, limits, mtime, the
 * page cache and its write-back). Pipes are read and written through
 * pipe_xfer_*: a pipe source is peeked, and only what the destination
 * took is consumed, so a short write leaves the rest in the pipe.
 *
 * No lock is held between steps: a source truncated meanwhile reads
 * short and the transfer stops there; a signal ends a transfer once
 * something moved (the count so far is returned).
 */
#include <alloy/errno.h>
#include <alloy/inotify.h>
#include <alloy/mm.h>
#include <alloy/signal.h>
#include <alloy/splice.h>
#include <alloy/vfs.h>

/* The bounce buffer: 16 pages when memory allows (one pipe's worth, so a
 * reader is woken once per 64 KiB, not per page), else one page. */
#define CHUNK_ORDER 4

static bool can_read(const struct file *f)
{
	u32 fl = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);

	return (fl & O_ACCMODE) != O_WRONLY && !(fl & O_PATH);
}

static bool can_write(const struct file *f)
{
	u32 fl = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);

	return (fl & O_ACCMODE) != O_RDONLY && !(fl & O_PATH);
}

/* A file on the anonymous inode (eventfd, timerfd, signalfd, epoll,
 * inotify, pidfd: no file type): Linux gives them no splice_write, so a
 * splice or sendfile into one is EINVAL, not a wait on an empty pipe. */
static bool anon_file_of(const struct file *f)
{
	return f->inode && !(f->inode->mode & S_IFMT);
}

static bool nonblocking(const struct file *f)
{
	return __atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK;
}

static bool seekable(const struct file *f)
{
	return f->fop && f->fop->seekable;
}

/* A source the page cache can serve: a seekable file with data. */
static bool data_source(const struct file *f)
{
	return seekable(f) && f->fop->read && f->inode && !S_ISDIR(f->inode->mode);
}

static u64 pos_load(struct file *f)
{
	mutex_lock(&f->pos_lock);
	u64 p = f->pos;
	mutex_unlock(&f->pos_lock);
	return p;
}

static void pos_store(struct file *f, u64 p)
{
	mutex_lock(&f->pos_lock);
	f->pos = p;
	mutex_unlock(&f->pos_lock);
}

/* Linux's rw_verify_area: no count past 2^63, no end past the largest
 * offset. */
static int verify_area(u64 pos, u64 n)
{
	u64 end;

	if ((s64)n < 0 || (s64)pos < 0 || __builtin_add_overflow(pos, n, &end) ||
	    end > MAX_FILE_SIZE)
		return -EINVAL;
	return 0;
}

struct kbuf {
	struct page *pg;
	unsigned int order;
	size_t size;
	struct iobuf b;
};

static int kbuf_get(struct kbuf *k)
{
	k->order = CHUNK_ORDER;
	k->pg = alloc_pages(GFP_KERNEL, k->order);
	if (!k->pg) {
		k->order = 0;
		k->pg = alloc_page(GFP_KERNEL);
	}
	if (!k->pg)
		return -ENOMEM;
	k->size = PAGE_SIZE << k->order;
	k->b = (struct iobuf){ (u64)page_to_virt(k->pg), true };
	return 0;
}

static void kbuf_put(struct kbuf *k)
{
	free_pages(k->pg, k->order);
}

/* How much to move into a pipe with room free: at most what fits, so
 * only a wait for the first PAGE_SIZE bytes (atomic, as PIPE_BUF) may
 * block; at least 1 without waiting, to see EAGAIN or EPIPE. */
static size_t pipe_want(size_t want, size_t room, int fl)
{
	return MIN(want, fl & PIPE_NONBLOCK ? MAX(room, (size_t)1) : MAX(room, (size_t)PAGE_SIZE));
}

static long result(u64 done, long rc)
{
	return done ? (long)done : rc;
}

/* Writes n bytes of b to out at *opos (NULL: out's position). */
static long sink_write(struct file *out, struct iobuf b, size_t n, u64 *opos)
{
	if (!opos)
		return file_write(out, b, n);
	long w = file_write_at(out, b, n, *opos);
	if (w > 0)
		*opos += (u64)w;
	return w;
}

/* A seekable source from *ipos to a file that is not a pipe. */
static long file_to_file(struct file *in, u64 *ipos, struct file *out, u64 *opos, u64 n)
{
	struct kbuf k;
	u64 done = 0;
	long rc = kbuf_get(&k);

	while (!rc && done < n) {
		if (done && signal_pending())
			break;
		long r = file_read_at(in, k.b, (size_t)MIN(n - done, (u64)k.size), *ipos);
		if (r <= 0) {
			rc = r;
			break;
		}
		long w = sink_write(out, k.b, (size_t)r, opos);
		if (w <= 0) {
			rc = w;
			break;
		}
		*ipos += (u64)w;
		done += (u64)w;
		if (w < r)
			break;
	}
	if (k.pg)
		kbuf_put(&k);
	return result(done, rc);
}

/*
 * A seekable source into a pipe, as Linux's splice_file_to_pipe: it may
 * wait for room once (unless PIPE_NONBLOCK), then fills what fits.
 */
static long file_to_pipe(struct file *in, u64 *ipos, struct pipe *op, u64 n, int pflags)
{
	struct kbuf k;
	u64 done = 0;
	long rc = kbuf_get(&k);

	while (!rc && done < n) {
		int fl = done ? PIPE_NONBLOCK : pflags;
		size_t room = pipe_room(op), want = (size_t)MIN(n - done, (u64)k.size);
		if (done && (!room || signal_pending()))
			break;
		long r = file_read_at(in, k.b, pipe_want(want, room, fl), *ipos);
		if (r <= 0) {
			rc = r;
			break;
		}
		long w = pipe_xfer_write(op, k.b, (size_t)r, fl);
		if (w <= 0) {
			rc = done && w == -EAGAIN ? 0 : w;
			break;
		}
		*ipos += (u64)w;
		done += (u64)w;
		if (w < r)
			break;
	}
	if (k.pg)
		kbuf_put(&k);
	return result(done, rc);
}

/*
 * A stream that is neither seekable nor a pipe (a socket, a terminal)
 * into a pipe: one read of what the pipe has room for (a page when it is
 * full and the caller may wait), as read(2) on the source waits or not,
 * then a write that waits for room if another writer took it meanwhile.
 * What was read is only lost if a signal ends that second wait.
 */
static long stream_to_pipe(struct file *in, struct pipe *op, u64 n, int pflags)
{
	struct kbuf k;
	long rc = kbuf_get(&k);

	if (rc)
		return rc;
	size_t room = pipe_room(op);
	if ((pflags & PIPE_NONBLOCK) && !room) {
		kbuf_put(&k);
		return -EAGAIN;
	}
	long r = file_read(in, k.b, pipe_want((size_t)MIN(n, (u64)k.size), room, pflags));
	if (r > 0) {
		long w = pipe_xfer_write(op, k.b, (size_t)r, pflags);
		if (w > 0 && w < r)	/* raced with another writer */
			w += MAX(pipe_xfer_write(op, (struct iobuf){ k.b.addr + (u64)w, true },
						 (size_t)(r - w), 0), 0L);
		else if (w < 0 && (pflags & PIPE_NONBLOCK) && w == -EAGAIN)
			w = pipe_xfer_write(op, k.b, (size_t)r, 0);
		r = w;
	}
	kbuf_put(&k);
	return r;
}

/* A pipe into a file that is not a pipe: waits for data once, then
 * moves what is there (as read(2)); bytes the file did not take stay. */
static long pipe_to_file(struct pipe *ip, struct file *out, u64 *opos, u64 n, int pflags)
{
	struct kbuf k;
	u64 done = 0;
	long rc = kbuf_get(&k);

	while (!rc && done < n) {
		if (done && signal_pending())
			break;
		int fl = PIPE_PEEK | (done ? PIPE_NONBLOCK : pflags);
		long r = pipe_xfer_read(ip, k.b, (size_t)MIN(n - done, (u64)k.size), 0, fl);
		if (r <= 0) {
			rc = done && r == -EAGAIN ? 0 : r;
			break;
		}
		long w = sink_write(out, k.b, (size_t)r, opos);
		if (w <= 0) {
			rc = w;
			break;
		}
		pipe_consume(ip, (size_t)w);
		done += (u64)w;
		if (w < r)
			break;
	}
	if (k.pg)
		kbuf_put(&k);
	return result(done, rc);
}

/* Pipe to pipe; tee leaves the source's bytes in it (copying from done
 * on). Waits once for data and room, then moves what it can. */
static long pipe_to_pipe(struct pipe *ip, struct pipe *op, u64 n, int pflags, bool tee)
{
	struct kbuf k;
	u64 done = 0;
	long rc = kbuf_get(&k);

	while (!rc && done < n) {
		int fl = done ? PIPE_NONBLOCK : pflags;
		size_t room = pipe_room(op), want = (size_t)MIN(n - done, (u64)k.size);
		if (done && (!room || signal_pending()))
			break;
		want = pipe_want(want, room, fl);
		long r = pipe_xfer_read(ip, k.b, want, tee ? (size_t)done : 0, PIPE_PEEK | fl);
		if (r <= 0) {
			rc = done && r == -EAGAIN ? 0 : r;
			break;
		}
		long w = pipe_xfer_write(op, k.b, (size_t)r, fl);
		if (w <= 0) {
			rc = done && w == -EAGAIN ? 0 : w;
			break;
		}
		if (!tee)
			pipe_consume(ip, (size_t)w);
		done += (u64)w;
		if (w < r)
			break;
	}
	if (k.pg)
		kbuf_put(&k);
	return result(done, rc);
}

/*
 * sendfile(2), as Linux's do_sendfile: in must be a seekable data file;
 * into a pipe it is splice (fills what fits), else a copy of count bytes
 * that ends short only at the source's end, an error or a signal.
 */
long splice_sendfile(struct file *in, struct file *out, u64 *pos, u64 count)
{
	if (!can_read(in))
		return -EBADF;
	if (pos && !seekable(in))
		return -ESPIPE;
	u64 p = pos ? *pos : seekable(in) ? pos_load(in) : 0;
	if (verify_area(p, count))
		return -EINVAL;
	count = MIN(count, (u64)SPLICE_MAX_COUNT);
	if (!can_write(out))
		return -EBADF;
	u64 max = MIN(sb_maxbytes(in->inode ? in->inode->sb : NULL),
		      sb_maxbytes(out->inode ? out->inode->sb : NULL));
	long rc = 0;
	if (p + count > max) {
		if (p >= max)
			return -EOVERFLOW;
		count = max - p;
	}
	if (!data_source(in))
		return -EINVAL;
	struct pipe *op = pipe_of(out);
	if (op) {
		int fl = nonblocking(in) || nonblocking(out) ? PIPE_NONBLOCK : 0;
		rc = file_to_pipe(in, &p, op, count, fl);
	} else {
		if (__atomic_load_n(&out->flags, __ATOMIC_RELAXED) & O_APPEND)
			return -EINVAL;	/* as Linux: not supported */
		if (!out->fop || !out->fop->write || anon_file_of(out))
			return -EINVAL;
		rc = file_to_file(in, &p, out, NULL, count);
	}
	if (rc > 0) {
		if (pos)
			*pos = p;
		else
			pos_store(in, p);
	}
	return rc;
}

/* splice(2), as Linux's do_splice: one side at least must be a pipe. */
long splice_files(struct file *in, u64 *ipos, struct file *out, u64 *opos, u64 len,
		  u32 flags)
{
	if (!can_read(in) || !can_write(out))
		return -EBADF;
	struct pipe *ip = pipe_of(in), *op = pipe_of(out);
	int fl = flags & SPLICE_F_NONBLOCK ? PIPE_NONBLOCK : 0;
	len = MIN(len, (u64)SPLICE_MAX_COUNT);
	if (ip && op) {
		if (ipos || opos)
			return -ESPIPE;
		if (ip == op)
			return -EINVAL;
		if (nonblocking(in) || nonblocking(out))
			fl = PIPE_NONBLOCK;
		return pipe_to_pipe(ip, op, len, fl, false);
	}
	if (ip) {
		if (ipos)
			return -ESPIPE;
		if (opos && !seekable(out))
			return -EINVAL;
		if (__atomic_load_n(&out->flags, __ATOMIC_RELAXED) & O_APPEND)
			return -EINVAL;
		if (!out->fop || !out->fop->write || anon_file_of(out))
			return -EINVAL;	/* eventfd & co have no splice_write */
		u64 p = opos ? *opos : seekable(out) ? pos_load(out) : 0;
		if (verify_area(p, len))
			return -EINVAL;
		if (nonblocking(in))
			fl = PIPE_NONBLOCK;
		long rc = pipe_to_file(ip, out, seekable(out) ? &p : NULL, len, fl);
		if (rc > 0 && seekable(out)) {
			if (opos)
				*opos = p;
			else
				pos_store(out, p);
		}
		return rc;
	}
	if (op) {
		if (opos)
			return -ESPIPE;
		if (ipos && !seekable(in))
			return -EINVAL;
		if (!seekable(in) && in->fop && in->fop->read && !anon_file_of(in)) {
			if (nonblocking(out))
				fl = PIPE_NONBLOCK;
			return stream_to_pipe(in, op, len, fl);
		}
		if (!data_source(in))
			return -EINVAL;
		u64 p = ipos ? *ipos : pos_load(in);
		if (verify_area(p, len))
			return -EINVAL;
		if (nonblocking(out))
			fl = PIPE_NONBLOCK;
		long rc = file_to_pipe(in, &p, op, len, fl);
		if (rc > 0) {
			if (ipos)
				*ipos = p;
			else
				pos_store(in, p);
		}
		return rc;
	}
	return -EINVAL;
}

/* tee(2): both pipes, not the same one; the source keeps its bytes. */
long splice_tee(struct file *in, struct file *out, u64 len, u32 flags)
{
	if (!can_read(in) || !can_write(out))
		return -EBADF;
	struct pipe *ip = pipe_of(in), *op = pipe_of(out);
	if (!ip || !op || ip == op)
		return -EINVAL;
	int fl = (flags & SPLICE_F_NONBLOCK) || nonblocking(in) || nonblocking(out)
		 ? PIPE_NONBLOCK : 0;
	return pipe_to_pipe(ip, op, MIN(len, (u64)SPLICE_MAX_COUNT), fl, true);
}

/* vmsplice(2): a file open for writing gets user memory into its pipe,
 * one open for reading gives its pipe's bytes to user memory. */
long splice_vmsplice(struct file *f, struct iobuf *b, u64 len, u32 flags, bool first)
{
	struct pipe *p = pipe_of(f);
	int fl = (flags & SPLICE_F_NONBLOCK) || nonblocking(f) || !first ? PIPE_NONBLOCK : 0;

	if (!p)
		return -EBADF;
	if (can_write(f)) {
		/* wait (once) for room for the first page, then fill */
		size_t head = (size_t)MIN(len, (u64)PAGE_SIZE);
		long w = pipe_xfer_write(p, *b, (fl & PIPE_NONBLOCK) ?
					 MIN(head, MAX(pipe_room(p), (size_t)1)) : head, fl);
		if (w <= 0 || (u64)w == len)
			return w;
		struct iobuf rest = { b->addr + (u64)w, b->kernel };
		long w2 = pipe_xfer_write(p, rest, (size_t)(len - (u64)w), PIPE_NONBLOCK);
		return w2 > 0 ? w + w2 : w;
	}
	if (can_read(f))
		return pipe_xfer_read(p, *b, (size_t)len, 0, fl);
	return -EBADF;
}

/*
 * copy_file_range(2), as Linux 6.1's vfs_copy_file_range without a
 * filesystem method: regular files of one filesystem, no overlap within
 * one file, the count cut to the source's end and the destination's
 * limit.
 */
long splice_copy_range(struct file *in, u64 *ipos, struct file *out, u64 *opos, u64 len,
		       u32 flags)
{
	struct inode *ii = in->inode, *oi = out->inode;

	if (flags)
		return -EINVAL;
	if (!ii || !oi || !in->fop || !out->fop)
		return -EBADF;	/* O_PATH */
	if (S_ISDIR(ii->mode) || S_ISDIR(oi->mode))
		return -EISDIR;
	if (!S_ISREG(ii->mode) || !S_ISREG(oi->mode))
		return -EINVAL;
	if (!can_read(in) || !can_write(out) ||
	    (__atomic_load_n(&out->flags, __ATOMIC_RELAXED) & O_APPEND))
		return -EBADF;
	if (ii->sb != oi->sb)
		return -EXDEV;
	u64 pi = ipos ? *ipos : pos_load(in), po = opos ? *opos : pos_load(out), e;
	if (__builtin_add_overflow(pi, len, &e) || __builtin_add_overflow(po, len, &e))
		return -EOVERFLOW;
	u64 size = READ_ONCE(ii->size);
	u64 n = pi >= size ? 0 : MIN(len, size - pi);
	size_t cut = (size_t)n;
	int rc = vfs_write_limit(oi, po, &cut);
	if (rc)
		return rc;
	n = cut;
	if (ii == oi && po + n > pi && po < pi + n)
		return -EINVAL;
	if (verify_area(pi, n) || verify_area(po, n))
		return -EINVAL;
	if (!n)
		return 0;
	long done = file_to_file(in, &pi, out, &po, MIN(n, (u64)SPLICE_MAX_COUNT));
	if (done > 0) {
		if (ipos)
			*ipos = pi;
		else
			pos_store(in, pi);
		if (opos)
			*opos = po;
		else
			pos_store(out, po);
	}
	return done;
}

/* fallocate(2), as Linux's vfs_fallocate; the filesystem does the rest. */
long splice_fallocate(struct file *f, int mode, s64 off, s64 len)
{
	const int supported = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
			      FALLOC_FL_NO_HIDE_STALE | FALLOC_FL_COLLAPSE_RANGE |
			      FALLOC_FL_ZERO_RANGE | FALLOC_FL_INSERT_RANGE |
			      FALLOC_FL_UNSHARE_RANGE;
	struct inode *i = f->inode;
	s64 end;

	if (off < 0 || len <= 0)
		return -EINVAL;
	if (mode & ~supported)
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && (mode & FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	if ((mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE)) &&
	    (mode & ~(FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE)))
		return -EINVAL;
	if ((mode & FALLOC_FL_UNSHARE_RANGE) &&
	    (mode & ~(FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE)))
		return -EINVAL;
	if (!can_write(f) || !f->fop)
		return -EBADF;
	/* Linux's order: an immutable file none, an append-only one only
	 * allocation that changes no data */
	if (i && (inode_immutable(i) ||
		  (inode_append_only(i) && (mode & ~FALLOC_FL_KEEP_SIZE))))
		return -EPERM;
	if (!i || S_ISFIFO(i->mode))
		return -ESPIPE;
	if (S_ISDIR(i->mode))
		return -EISDIR;
	if (!S_ISREG(i->mode))
		return -ENODEV;
	if (__builtin_add_overflow(off, len, &end) || (u64)end > sb_maxbytes(i->sb))
		return -EFBIG;
	if (!i->iop || !i->iop->fallocate)
		return -EOPNOTSUPP;
	int rc = vfs_mnt_writable(f->path.mnt, i->sb);
	/* RLIMIT_FSIZE when the size would grow, as Linux's filesystems check */
	if (!rc && !(mode & FALLOC_FL_KEEP_SIZE) && (u64)end > READ_ONCE(i->size))
		rc = vfs_fsize_check((u64)end);
	if (!rc)
		inode_kill_privs(i);
	if (!rc && !(rc = i->iop->fallocate(i, mode, (u64)off, (u64)len)))
		fsnotify_file(f, IN_MODIFY);
	return rc;
}
