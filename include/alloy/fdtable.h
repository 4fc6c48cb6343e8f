/*
 * A process's file descriptors (kernel/fs/fdtable.c): a table of file
 * references with a close-on-exec bit each, grown on demand up to
 * FD_MAX (RLIMIT_NOFILE). fork copies it; threads will share it.
 */
#ifndef ALLOY_FDTABLE_H
#define ALLOY_FDTABLE_H

#include <alloy/atomic.h>
#include <alloy/spinlock.h>

/* Linux's default hard RLIMIT_NOFILE (INR_OPEN_MAX): the table is memory
 * only, grown on demand */
#define FD_MAX 4096

struct file;

struct fdtable {
	atomic_t refcount;
	spinlock_t lock;
	int size;		/* slots in fd[] */
	struct file **fd;	/* [lock] */
	u64 *cloexec;		/* [lock] bit per slot */
};

struct fdtable *fdt_create(void);
/* A copy holding its own reference on every open file; NULL on OOM. */
struct fdtable *fdt_copy(struct fdtable *t);
/* -EMFILE if t has an open fd at or above fs.nr_open (a copy for
 * unshare could not hold it, as Linux's), else 0. */
int fdt_check_nr_open(struct fdtable *t);
void fdt_put(struct fdtable *t);
/* Installs f (taking over the caller's reference) at the lowest free
 * slot >= min; returns the fd, -EMFILE, or -ENOMEM. */
int fd_install(struct fdtable *t, struct file *f, int min, bool cloexec);
/* The file at fd with a reference, or NULL (EBADF). */
struct file *fd_get(struct fdtable *t, int fd);
/* The lowest open fd >= from, or -1 (for /proc/<pid>/fd). */
int fd_next(struct fdtable *t, int from);
int fd_close(struct fdtable *t, int fd);
/* Closes fd only if it still holds f (the caller holds a reference on f,
 * so it cannot be another file at the same address): undoing an install
 * another thread of the process may have closed and reused since. */
int fd_close_file(struct fdtable *t, int fd, struct file *f);
/* dup2/dup3: makes newfd refer to oldfd's file. */
int fd_dup_to(struct fdtable *t, int oldfd, int newfd, bool cloexec);
int fd_get_cloexec(struct fdtable *t, int fd);
int fd_set_cloexec(struct fdtable *t, int fd, bool on);
void fdt_close_on_exec(struct fdtable *t);
/* close_range: closes (or, cloexec, marks close-on-exec) the open fds
 * in [lo, hi]; hi may be ~0U. */
int fd_close_range(struct fdtable *t, unsigned int lo, unsigned int hi, bool cloexec);

#endif
