/*
 * File descriptor tables. Slots are filled lowest-first, as POSIX asks;
 * the table grows by doubling, allocating outside its lock. A file taken
 * out of a slot is released after the lock is dropped, since release can
 * sleep (a pipe wakes its peer, a file's last reference frees pages).
 */
#include <alloy/errno.h>
#include <alloy/fdtable.h>
#include <alloy/flock.h>
#include <alloy/lockrank.h>
#include <alloy/rlimit.h>
#include <alloy/slab.h>
#include <alloy/string.h>
#include <alloy/sysctl.h>
#include <alloy/vfs.h>

#define FD_START 64

static bool test_bit64(const u64 *m, int i) { return m[i / 64] >> (i % 64) & 1; }
static void set_bit64(u64 *m, int i, bool on)
{
	if (on)
		m[i / 64] |= 1ULL << (i % 64);
	else
		m[i / 64] &= ~(1ULL << (i % 64));
}

static struct fdtable *alloc_table(int size)
{
	struct fdtable *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	t->fd = kzalloc(sizeof(*t->fd) * (size_t)size, GFP_KERNEL);
	t->cloexec = kzalloc((size_t)size / 8, GFP_KERNEL);
	if (!t->fd || !t->cloexec) {
		kfree(t->fd);
		kfree(t->cloexec);
		kfree(t);
		return NULL;
	}
	atomic_set(&t->refcount, 1);
	spin_lock_init(&t->lock, "fdtable", LR_FDTABLE);
	t->size = size;
	return t;
}

struct fdtable *fdt_create(void)
{
	return alloc_table(FD_START);
}

int fdt_check_nr_open(struct fdtable *t)
{
	long limit = READ_ONCE(sysctl_nr_open);
	int rc = 0;
	unsigned long flags = spin_lock_irqsave(&t->lock);

	for (long i = limit; i < t->size; i++)
		if (t->fd[i])
			rc = -EMFILE;
	spin_unlock_irqrestore(&t->lock, flags);
	return rc;
}

struct fdtable *fdt_copy(struct fdtable *t)
{
	for (;;) {
		int size = READ_ONCE(t->size);
		struct fdtable *n = alloc_table(size);
		if (!n)
			return NULL;
		unsigned long flags = spin_lock_irqsave(&t->lock);
		if (t->size != size) {	/* grew meanwhile: try again */
			spin_unlock_irqrestore(&t->lock, flags);
			fdt_put(n);
			continue;
		}
		for (int i = 0; i < size; i++)
			if ((n->fd[i] = t->fd[i]))
				file_get(n->fd[i]);
		memcpy(n->cloexec, t->cloexec, (size_t)size / 8);
		spin_unlock_irqrestore(&t->lock, flags);
		return n;
	}
}

/* A descriptor of f in t is closed: what goes with any close, not just
 * the last one (POSIX record locks, the file's own flush). */
static void fd_closed(struct file *f, struct fdtable *t)
{
	flock_close_posix(f, t);	/* POSIX: any close drops the process's locks */
	if (f->fop && f->fop->flush)
		f->fop->flush(f);
}

void fdt_put(struct fdtable *t)
{
	if (!t || !atomic_dec_and_test(&t->refcount))
		return;
	for (int i = 0; i < t->size; i++) {
		if (t->fd[i]) {
			fd_closed(t->fd[i], t);
			file_put(t->fd[i]);
		}
	}
	kfree(t->fd);
	kfree(t->cloexec);
	kfree(t);
}

/* The caller's RLIMIT_NOFILE: fds at or above it cannot be made. A
 * kernel thread (no process) gets the table's ceiling. */
static int fd_limit(void)
{
	return (int)MIN(rlimit(RLIMIT_NOFILE), (u64)FD_MAX);
}

/* Makes the table at least `need` slots; 0 or -ENOMEM/-EMFILE. */
static int grow(struct fdtable *t, int need)
{
	if (need > fd_limit())
		return -EMFILE;
	int size = FD_START;
	while (size < need)
		size *= 2;
	struct file **fd = kzalloc(sizeof(*fd) * (size_t)size, GFP_KERNEL);
	u64 *ce = kzalloc((size_t)size / 8, GFP_KERNEL);
	if (!fd || !ce) {
		kfree(fd);
		kfree(ce);
		return -ENOMEM;
	}
	unsigned long flags = spin_lock_irqsave(&t->lock);
	if (t->size < size) {
		memcpy(fd, t->fd, sizeof(*fd) * (size_t)t->size);
		memcpy(ce, t->cloexec, (size_t)t->size / 8);
		struct file **ofd = t->fd;
		u64 *oce = t->cloexec;
		t->fd = fd;
		t->cloexec = ce;
		t->size = size;
		fd = ofd;
		ce = oce;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	kfree(fd);
	kfree(ce);
	return 0;
}

int fd_install(struct fdtable *t, struct file *f, int min, bool cloexec)
{
	int limit = fd_limit();

	if (min < 0 || min >= limit) {	/* F_DUPFD past the limit: EINVAL */
		file_put(f);
		return -EINVAL;
	}
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&t->lock);
		for (int i = min; i < MIN(t->size, limit); i++) {
			if (!t->fd[i]) {
				t->fd[i] = f;
				set_bit64(t->cloexec, i, cloexec);
				spin_unlock_irqrestore(&t->lock, flags);
				return i;
			}
		}
		int need = MAX(t->size, min) + 1;
		spin_unlock_irqrestore(&t->lock, flags);
		if (need > limit) {
			file_put(f);
			return -EMFILE;
		}
		int rc = grow(t, need);
		if (rc) {
			file_put(f);
			return rc;
		}
	}
}

struct file *fd_get(struct fdtable *t, int fd)
{
	struct file *f = NULL;
	unsigned long flags = spin_lock_irqsave(&t->lock);

	if (fd >= 0 && fd < t->size && t->fd[fd])
		f = file_get(t->fd[fd]);
	spin_unlock_irqrestore(&t->lock, flags);
	return f;
}

int fd_next(struct fdtable *t, int from)
{
	int fd = -1;
	unsigned long flags = spin_lock_irqsave(&t->lock);

	for (int i = MAX(from, 0); i < t->size; i++) {
		if (t->fd[i]) {
			fd = i;
			break;
		}
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return fd;
}

int fd_close(struct fdtable *t, int fd)
{
	struct file *f = NULL;
	unsigned long flags = spin_lock_irqsave(&t->lock);

	if (fd >= 0 && fd < t->size) {
		f = t->fd[fd];
		t->fd[fd] = NULL;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	if (!f)
		return -EBADF;
	fd_closed(f, t);
	/* ours is the last reference (a racing lookup's makes it skip the
	 * wait; the release then happens there, without one) */
	if (f->fop && f->fop->close_wait && atomic_read(&f->refcount) == 1)
		f->fop->close_wait(f);
	file_put(f);
	return 0;
}

int fd_close_file(struct fdtable *t, int fd, struct file *f)
{
	unsigned long flags = spin_lock_irqsave(&t->lock);
	bool ours = fd >= 0 && fd < t->size && t->fd[fd] == f;

	if (ours)
		t->fd[fd] = NULL;
	spin_unlock_irqrestore(&t->lock, flags);
	if (!ours)
		return -EBADF;
	fd_closed(f, t);
	file_put(f);
	return 0;
}

int fd_dup_to(struct fdtable *t, int oldfd, int newfd, bool cloexec)
{
	if (newfd < 0 || newfd >= fd_limit())
		return -EBADF;
	if (newfd >= READ_ONCE(t->size)) {
		int rc = grow(t, newfd + 1);
		if (rc)
			return rc;
	}
	struct file *old = NULL;
	unsigned long flags = spin_lock_irqsave(&t->lock);
	struct file *f = oldfd >= 0 && oldfd < t->size ? t->fd[oldfd] : NULL;
	if (f) {
		old = t->fd[newfd];
		t->fd[newfd] = file_get(f);
		set_bit64(t->cloexec, newfd, cloexec);
	}
	spin_unlock_irqrestore(&t->lock, flags);
	if (!f)
		return -EBADF;
	if (old) {
		fd_closed(old, t);
		file_put(old);
	}
	return newfd;
}

int fd_get_cloexec(struct fdtable *t, int fd)
{
	int rc = -EBADF;
	unsigned long flags = spin_lock_irqsave(&t->lock);

	if (fd >= 0 && fd < t->size && t->fd[fd])
		rc = test_bit64(t->cloexec, fd);
	spin_unlock_irqrestore(&t->lock, flags);
	return rc;
}

int fd_set_cloexec(struct fdtable *t, int fd, bool on)
{
	int rc = -EBADF;
	unsigned long flags = spin_lock_irqsave(&t->lock);

	if (fd >= 0 && fd < t->size && t->fd[fd]) {
		set_bit64(t->cloexec, fd, on);
		rc = 0;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return rc;
}

void fdt_close_on_exec(struct fdtable *t)
{
	for (int i = 0; i < READ_ONCE(t->size); i++) {
		struct file *f = NULL;
		unsigned long flags = spin_lock_irqsave(&t->lock);
		if (i < t->size && t->fd[i] && test_bit64(t->cloexec, i)) {
			f = t->fd[i];
			t->fd[i] = NULL;
			set_bit64(t->cloexec, i, false);
		}
		spin_unlock_irqrestore(&t->lock, flags);
		if (f) {
			fd_closed(f, t);
			file_put(f);
		}
	}
}

int fd_close_range(struct fdtable *t, unsigned int lo, unsigned int hi, bool cloexec)
{
	/* one slot at a time under the lock, each file released outside
	 * it: a second thread may open, close or grow meanwhile, and what
	 * it opens in the range after we passed stays open, as on Linux */
	for (unsigned int i = lo; i <= hi && i < (unsigned int)READ_ONCE(t->size); i++) {
		struct file *f = NULL;
		unsigned long flags = spin_lock_irqsave(&t->lock);
		if (i < (unsigned int)t->size && t->fd[i]) {
			if (cloexec) {
				set_bit64(t->cloexec, (int)i, true);
			} else {
				f = t->fd[i];
				t->fd[i] = NULL;
				set_bit64(t->cloexec, (int)i, false);
			}
		}
		spin_unlock_irqrestore(&t->lock, flags);
		if (f) {
			fd_closed(f, t);
			file_put(f);
		}
		if (i == hi)
			break;	/* hi may be ~0U: no wrap */
	}
	return 0;
}

/* fs/nr_open: no RLIMIT_NOFILE above it; fs/file-max: open files are
 * bounded by memory only, so Linux's "no limit" */
long sysctl_nr_open = NR_OPEN_MAX;
static long file_max = 9223372036854775807L;
SYSCTL_INT(nr_open, "fs/nr_open", 0644, &sysctl_nr_open, NR_OPEN_MIN, NR_OPEN_MAX);
SYSCTL_INT(file_max, "fs/file-max", 0444, &file_max, 0, 9223372036854775807L);
