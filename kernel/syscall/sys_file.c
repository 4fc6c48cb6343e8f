/*
 * Syscalls on file descriptors: read/write and their vector and
 * positioned forms, lseek, close, dup, fcntl, pipe, ioctl, getdents64,
 * fstat, truncation and sync. Data moves through the file's ops straight
 * to or from user memory, at most 64 KiB per call into the ops.
 */
#include <alloy/errno.h>
#include <alloy/fasync.h>
#include <alloy/flock.h>
#include <alloy/inotify.h>
#include <alloy/signal.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/syscall.h>
#include <alloy/uaccess.h>
#include "sysfs.h"
#include <uapi/misc.h>

#define IO_CHUNK (64 * 1024)
#define MAX_RW_COUNT 0x7ffff000ULL	/* Linux's cap on one read or write */
#define IOV_MAX 1024
#define FS_IOC_GETFLAGS 0x80086601
#define FS_IOC_FIEMAP 0xc020660b
#define FS_IOC_SETFLAGS 0x40086602
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_NOATIME)

struct iovec {
	u64 base, len;
};

/*
 * Moves up to n bytes in IO_CHUNK pieces; stops at a short transfer. pos
 * < 0: at the file's own offset. A positioned transfer whose end would
 * pass the largest off_t is EINVAL, as Linux's rw_verify_area.
 */
static long rw_loop(struct file *f, u64 buf, u64 n, bool write, s64 pos)
{
	u64 done = 0, end;
	s64 last;

	if ((s64)n < 0)
		return -EINVAL;
	if (pos >= 0 && __builtin_add_overflow(pos, (s64)n, &last))
		return -EINVAL;
	if (__builtin_add_overflow(buf, n, &end) || end > USER_TOP)
		return -EFAULT;		/* Linux's access_ok on the whole range */
	n = MIN(n, MAX_RW_COUNT);
	while (done < n || (!n && !done)) {
		if (done && signal_pending())
			break;		/* a partial transfer; the signal is delivered */
		size_t k = (size_t)MIN(n - done, (u64)IO_CHUNK);
		struct iobuf b = { buf + done, false };
		long r;
		if (pos < 0)
			r = write ? file_write(f, b, k) : file_read(f, b, k);
		else
			r = write ? file_write_at(f, b, k, (u64)pos + done)
				  : file_read_at(f, b, k, (u64)pos + done);
		if (r < 0)
			return done ? (long)done : r;
		done += (u64)r;
		if ((size_t)r < k || !k)
			break;
	}
	return (long)done;
}

static long fd_rw(u64 fd, u64 buf, u64 n, bool write, s64 pos)
{
	struct fd f = fdget(fd);

	if (!f.file)
		return -EBADF;
	long rc = rw_loop(f.file, buf, n, write, pos);
	fdput(f);
	return rc;
}

long sys_read(SYSARGS) { return fd_rw(a0, a1, a2, false, -1); }
long sys_write(SYSARGS) { return fd_rw(a0, a1, a2, true, -1); }

long sys_pread64(SYSARGS)
{
	if ((s64)a3 < 0)
		return -EINVAL;
	struct fd f = fdget(a0);
	if (!f.file)
		return -EBADF;
	long rc = f.file->fop && f.file->fop->seekable ? rw_loop(f.file, a1, a2, false, (s64)a3)
						       : -ESPIPE;
	fdput(f);
	return rc;
}

long sys_pwrite64(SYSARGS)
{
	if ((s64)a3 < 0)
		return -EINVAL;
	struct fd f = fdget(a0);
	if (!f.file)
		return -EBADF;
	long rc = f.file->fop && f.file->fop->seekable ? rw_loop(f.file, a1, a2, true, (s64)a3)
						       : -ESPIPE;
	fdput(f);
	return rc;
}

/*
 * Replace the bits of f->flags in @mask by @val. Two processes sharing the
 * file (fork, dup) may both do this at once, and writers read O_APPEND and
 * O_NONBLOCK without a lock: a plain read-modify-write could lose the other
 * side's update, so swap the whole word only if nobody changed it meanwhile.
 */
static void file_flags_update(struct file *f, u32 mask, u32 val)
{
	u32 old = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);

	while (!__atomic_compare_exchange_n(&f->flags, &old, (old & ~mask) | (val & mask),
					    false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

/* F_SETFL may turn O_NOATIME on only for the file's owner or root, as
 * open does. */
static int setfl_allowed(struct file *f, u32 val)
{
	struct cred c;

	if (!(val & O_NOATIME) || (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NOATIME))
		return 0;
	cred_current(&c);
	return f->inode && inode_owner_or_root(&c, f->inode) ? 0 : -EPERM;
}

static long vec_rw(u64 fd, u64 uiov, u64 cnt, bool write, s64 pos)
{
	struct iovec v;
	long total = 0;

	if (cnt > IOV_MAX)
		return -EINVAL;
	struct file *f = fget(fd);
	if (!f)
		return -EBADF;
	for (u64 i = 0; i < cnt; i++) {
		if (copy_from_user(&v, (const void *)(uiov + i * sizeof(v)), sizeof(v))) {
			total = total ? total : -EFAULT;
			break;
		}
		if (!v.len)
			continue;
		s64 at = -1;
		if (pos >= 0 && __builtin_add_overflow(pos, total, &at)) {
			total = total ? total : -EINVAL;
			break;
		}
		long r = rw_loop(f, v.base, v.len, write, at);
		if (r < 0) {
			total = total ? total : r;
			break;
		}
		total += r;
		if ((u64)r < v.len)
			break;
	}
	file_put(f);
	return total;
}

long sys_readv(SYSARGS) { return vec_rw(a0, a1, a2, false, -1); }
long sys_writev(SYSARGS) { return vec_rw(a0, a1, a2, true, -1); }

/* lseek SEEK_DATA / SEEK_HOLE, as Linux: an offset at or past the end
 * (or below 0) is ENXIO; files of filesystems that do not track holes
 * are data up to a hole at the end; other than regular files EINVAL. */
static long seek_data(struct file *f, s64 off, bool hole)
{
	struct inode *i = f->inode;
	u64 to;
	int rc;

	if (!i || !S_ISREG(i->mode))
		return -EINVAL;
	mutex_lock(&f->pos_lock);
	mutex_lock(&i->lock);
	if (off < 0 || (u64)off >= i->size)
		rc = -ENXIO;
	else if (i->iop && i->iop->seek_data)
		rc = i->iop->seek_data(i, (u64)off, hole, &to);
	else
		rc = (to = hole ? i->size : (u64)off, 0);
	mutex_unlock(&i->lock);
	if (!rc)
		f->pos = to;
	mutex_unlock(&f->pos_lock);
	return rc ? rc : (long)to;
}

long sys_lseek(SYSARGS)
{
	struct fd fd = fdget(a0);
	struct file *f = fd.file;
	s64 off = (s64)a1;
	long rc;

	if (!f)
		return -EBADF;
	if (!f->fop || !f->fop->seekable) {
		fdput(fd);
		return -ESPIPE;
	}
	if (a2 == SEEK_DATA || a2 == SEEK_HOLE) {
		rc = seek_data(f, off, a2 == SEEK_HOLE);
		fdput(fd);
		return rc;
	}
	mutex_lock(&f->pos_lock);
	s64 base = a2 == SEEK_SET ? 0 : a2 == SEEK_CUR ? (s64)f->pos
		 : a2 == SEEK_END ? (s64)f->inode->size : -1;
	s64 to;
	/* below 0, or past the largest file the filesystem has (LLONG_MAX
	 * for devices): EINVAL, as Linux's vfs_setpos */
	u64 max = f->inode && S_ISREG(f->inode->mode) ? sb_maxbytes(f->inode->sb) : MAX_FILE_SIZE;
	if (a2 > SEEK_END || __builtin_add_overflow(base, off, &to) || to < 0 || (u64)to > max)
		rc = -EINVAL;
	else
		rc = (long)(f->pos = (u64)to);
	mutex_unlock(&f->pos_lock);
	fdput(fd);
	return rc;
}

long sys_close(SYSARGS)
{
	long rc = a0 > 0x7fffffff ? -EBADF : fd_close(cur_files(), (int)a0);
	vfs_reap_pending();	/* the last file of a detached mount */
	return rc;
}

/* close_range(first, last, flags): UNSHARE first gives the process its
 * own table (one shared by CLONE_FILES is copied), then the range goes. */
long sys_close_range(SYSARGS)
{
	unsigned int lo = (unsigned int)a0, hi = (unsigned int)a1;

	if (a2 & ~(u64)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) || lo > hi)
		return -EINVAL;
	if (a2 & CLOSE_RANGE_UNSHARE) {
		int rc = proc_unshare_files(current_proc());
		if (rc)
			return rc;
	}
	return fd_close_range(cur_files(), lo, hi, a2 & CLOSE_RANGE_CLOEXEC);
}

long sys_dup(SYSARGS)
{
	struct file *f = fget(a0);

	return f ? fd_install(cur_files(), f, 0, false) : -EBADF;
}

long sys_dup2(SYSARGS)
{
	if (a0 == a1) {
		struct file *f = fget(a0);
		if (!f)
			return -EBADF;
		file_put(f);
		return (long)a1;
	}
	return fd_dup_to(cur_files(), (int)a0, (int)a1, false);
}

long sys_dup3(SYSARGS)
{
	if (a0 == a1 || (a2 & ~(u64)O_CLOEXEC))
		return -EINVAL;
	return fd_dup_to(cur_files(), (int)a0, (int)a1, a2 & O_CLOEXEC);
}

long sys_flock(SYSARGS)
{
	u32 cmd = (u32)a1, op = cmd & ~(u32)LOCK_NB;

	if (cmd & LOCK_MAND)
		return 0;	/* Linux ignores the long-broken LOCK_MAND */
	if (op != LOCK_SH && op != LOCK_EX && op != LOCK_UN)
		return -EINVAL;
	struct file *f = fget(a0);
	if (!f)
		return -EBADF;
	long rc = -EBADF;	/* O_PATH: no fd for flock, as Linux's fdget */
	if (f->inode && !(f->flags & O_PATH))
		rc = flock_flock(f, cmd);
	file_put(f);
	return rc;
}

long sys_fcntl(SYSARGS)
{
	struct file *f = fget(a0);
	long rc = 0;

	if (!f)
		return -EBADF;
	switch (a1) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		rc = a2 >= FD_MAX ? -EINVAL
				  : fd_install(cur_files(), file_get(f), (int)a2, a1 == F_DUPFD_CLOEXEC);
		break;
	case F_GETFD:
		rc = fd_get_cloexec(cur_files(), (int)a0);
		break;
	case F_SETFD:
		rc = fd_set_cloexec(cur_files(), (int)a0, a2 & FD_CLOEXEC);
		break;
	case F_GETFL:
		rc = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
		break;
	case F_SETFL:
		if (f->inode && inode_append_only(f->inode) && (f->flags & O_APPEND) &&
		    !(a2 & O_APPEND)) {
			rc = -EPERM;	/* an append-only file's writer stays appending */
			break;
		}
		rc = setfl_allowed(f, (u32)a2);
		if (!rc)
			rc = fasync_setfl(f, (int)a0, SETFL_MASK | (f->inode && S_ISFIFO(f->inode->mode)
					  ? O_DIRECT : 0), (u32)a2, file_flags_update);	/* packet mode */
		break;
	case F_ADD_SEALS:
	case F_GET_SEALS:
		rc = memfs_seals(f, (int)a1, (u32)a2);
		break;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		rc = flock_fcntl(f, (int)a0, (int)a1, a2);
		break;
	case F_GETPIPE_SZ:
	case F_SETPIPE_SZ:
		rc = pipe_fcntl(f, (int)a1, a2);
		break;
	case F_SETOWN:
	case F_GETOWN:
	case F_SETOWN_EX:
	case F_GETOWN_EX:
	case F_SETSIG:
	case F_GETSIG:
		rc = fasync_fcntl_owner(f, (int)a1, a2);
		break;
	case F_NOTIFY:
		rc = dnotify_fcntl(f, (int)a0, (u32)a2);
		break;
	case F_GETLEASE:
		rc = lease_get(f);
		break;
	case F_SETLEASE:
		rc = lease_set(f, (int)a0, (long)a2);
		break;
	default:
		rc = -EINVAL;
	}
	file_put(f);
	return rc;
}

static long do_pipe(u64 ufds, u64 flags)
{
	struct file *rd, *wr;
	int fds[2];

	if (flags & ~(u64)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))	/* O_DIRECT: packets */
		return -EINVAL;
	int rc = pipe_create((u32)flags, &rd, &wr);
	if (rc)
		return rc;
	fds[0] = fd_install(cur_files(), rd, 0, flags & O_CLOEXEC);
	if (fds[0] < 0) {
		file_put(wr);
		return fds[0];
	}
	fds[1] = fd_install(cur_files(), wr, 0, flags & O_CLOEXEC);
	if (fds[1] < 0) {
		fd_close(cur_files(), fds[0]);
		return fds[1];
	}
	if (copy_to_user((void *)ufds, fds, sizeof(fds))) {
		fd_close(cur_files(), fds[0]);
		fd_close(cur_files(), fds[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_pipe(SYSARGS) { return do_pipe(a0, 0); }
long sys_pipe2(SYSARGS) { return do_pipe(a0, a1); }


/* The ioctls every file descriptor has, then the file's own. */
#define FICLONE 0x40049409u
#define FICLONERANGE 0x4020940du

/* FICLONE/FICLONERANGE: sharing blocks between files needs a
 * copy-on-write filesystem; none here has one, so after Linux's checks
 * (src an fd on the same filesystem, both regular, src readable, dst
 * writable and not O_APPEND) the answer is EOPNOTSUPP. */
static long file_clone(struct file *dst, u32 cmd, u64 arg)
{
	struct { s64 src_fd; u64 src_offset, src_length, dest_offset; } r;

	if (cmd == FICLONERANGE) {
		if (copy_from_user(&r, (const void *)arg, sizeof(r)))
			return -EFAULT;
		arg = (u64)r.src_fd;
	}
	struct file *src = fget(arg);
	if (!src)
		return -EBADF;
	struct inode *si = src->inode, *di = dst->inode;
	long rc;
	if (!si || !di || (src->flags & O_PATH) || si->sb != di->sb)
		rc = src->flags & O_PATH ? -EBADF : -EXDEV;
	else if (S_ISDIR(si->mode) || S_ISDIR(di->mode))
		rc = -EISDIR;
	else if (!S_ISREG(si->mode) || !S_ISREG(di->mode))
		rc = -EINVAL;
	else if ((src->flags & O_ACCMODE) == O_WRONLY || (dst->flags & O_ACCMODE) == O_RDONLY ||
		 (dst->flags & O_APPEND))
		rc = -EBADF;
	else
		rc = -EOPNOTSUPP;
	file_put(src);
	return rc;
}

long sys_ioctl(SYSARGS)
{
	struct file *f = fget(a0);
	long rc;
	int v;

	if (!f)
		return -EBADF;
	if (f->flags & O_PATH) {	/* not open for anything */
		file_put(f);
		return -EBADF;
	}
	switch ((u32)a1) {
	case FIONBIO:
		rc = copy_from_user(&v, (const void *)a2, sizeof(v));
		if (!rc)
			file_flags_update(f, O_NONBLOCK, v ? O_NONBLOCK : 0);
		break;
	case FIOASYNC:
		rc = copy_from_user(&v, (const void *)a2, sizeof(v));
		if (!rc)
			rc = fasync_setfl(f, (int)a0, O_ASYNC, v ? O_ASYNC : 0, file_flags_update);
		break;
	case FIOCLEX:
	case FIONCLEX:
		rc = fd_set_cloexec(cur_files(), (int)a0, (u32)a1 == FIOCLEX);
		break;
	case FIONREAD:
		if (f->inode && S_ISREG(f->inode->mode)) {
			u64 left = f->inode->size > f->pos ? f->inode->size - f->pos : 0;
			v = (int)MIN(left, 0x7fffffffULL);
			rc = copy_to_user((void *)a2, &v, sizeof(v));
			break;
		}
		__attribute__((fallthrough));	/* pipes and terminals count their own */
	default:
		if ((u32)a1 == FS_IOC_FIEMAP && f->inode && S_ISREG(f->inode->mode)) {
			rc = vfs_ioctl_fiemap(f, a2);
			break;
		}
		if ((u32)a1 == FS_IOC_GETFLAGS || (u32)a1 == FS_IOC_SETFLAGS) {
			rc = vfs_ioctl_iflags(f, (u32)a1 == FS_IOC_SETFLAGS, a2);
			if (rc != -ENOTTY)
				break;	/* else the device's own */
		}
		if ((u32)a1 == FICLONE || (u32)a1 == FICLONERANGE) {
			rc = file_clone(f, (u32)a1, a2);
			break;
		}
		rc = f->fop && f->fop->ioctl ? f->fop->ioctl(f, (u32)a1, a2) : -ENOTTY;
	}
	file_put(f);
	return rc;
}

long sys_fstat(SYSARGS)
{
	struct fd f = fdget(a0);

	if (!f.file)
		return -EBADF;
	long rc = stat_inode(f.file->inode, a1);
	fdput(f);
	return rc;
}

struct dirent_ctx {
	u64 ubuf;
	size_t size, used;
	int err;
	bool old;	/* getdents (78): struct linux_dirent, the type last */
};

static bool emit_dirent(void *c, const char *name, size_t len, u64 ino, u32 mode, u64 next)
{
	struct dirent_ctx *ctx = c;
	/* linux_dirent64: ino, off, reclen, type, name, NUL; the old
	 * linux_dirent: ino, off, reclen, name, NUL, ..., type at the end */
	size_t reclen = ctx->old ? ALIGN_UP(18 + len + 2, 8) : ALIGN_UP(19 + len + 1, 8);
	u8 rec[19 + NAME_MAX + 1 + 8];

	if (ctx->used + reclen > ctx->size) {
		if (!ctx->used)
			ctx->err = -EINVAL;	/* the buffer cannot hold one entry */
		return false;
	}
	memset(rec, 0, reclen);
	memcpy(rec, &ino, 8);
	memcpy(rec + 8, &next, 8);
	u16 rl = (u16)reclen;
	memcpy(rec + 16, &rl, 2);
	if (ctx->old) {
		memcpy(rec + 18, name, len);
		rec[reclen - 1] = (u8)((mode & S_IFMT) >> 12);
	} else {
		rec[18] = (u8)((mode & S_IFMT) >> 12);	/* DT_* is the type's top bits */
		memcpy(rec + 19, name, len);
	}
	if (copy_to_user((void *)(ctx->ubuf + ctx->used), rec, reclen)) {
		ctx->err = -EFAULT;
		return false;
	}
	ctx->used += reclen;
	return true;
}

static long getdents(u64 fd, u64 ubuf, u64 size, bool old)
{
	struct file *f = fget(fd);
	struct dirent_ctx ctx = { ubuf, (size_t)MIN(size, (u64)IO_CHUNK), 0, 0, old };

	if (!f)
		return -EBADF;
	if (!f->inode || !S_ISDIR(f->inode->mode) || !f->fop || !f->fop->iterate) {
		file_put(f);
		return -ENOTDIR;
	}
	if (f->path.dentry && READ_ONCE(f->path.dentry->dead)) {
		file_put(f);
		return -ENOENT;	/* a removed directory lists nothing, not even . */
	}
	int rc = fsnotify_perm(f, FAN_ACCESS_PERM);	/* Linux's iterate_dir */
	if (rc) {
		file_put(f);
		return rc;
	}
	mutex_lock(&f->pos_lock);
	rc = f->fop->iterate(f, &f->pos, emit_dirent, &ctx);
	mutex_unlock(&f->pos_lock);
	if (!rc) {	/* Linux's iterate_dir */
		fsnotify_file(f, IN_ACCESS);
		file_accessed(f);
	}
	file_put(f);
	if (rc)
		return rc;
	return ctx.used ? (long)ctx.used : ctx.err;
}

long sys_getdents64(SYSARGS) { return getdents(a0, a1, a2, false); }
long sys_getdents(SYSARGS) { return getdents(a0, a1, a2, true); }

long sys_ftruncate(SYSARGS)
{
	struct file *f = fget(a0);

	if (!f)
		return -EBADF;
	long rc = (s64)a1 < 0 ? -EINVAL
		: f->flags & O_PATH ? -EBADF
		: (f->flags & O_ACCMODE) == O_RDONLY ? -EINVAL
		: vfs_truncate(f->inode, a1);
	if (!rc)
		fsnotify_file(f, IN_MODIFY);
	file_put(f);
	return rc;
}

long sys_truncate(SYSARGS)
{
	struct path p;

	if ((s64)a1 < 0)
		return -EINVAL;
	int rc = at_walk((u64)AT_FDCWD, a0, 0, LOOKUP_FOLLOW, &p);
	if (rc)
		return rc;
	rc = vfs_truncate_path(&p, a1);	/* write permission, ETXTBSY */
	path_put(&p);
	return rc;
}

