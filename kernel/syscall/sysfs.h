/*
 * Helpers the file syscalls share (kernel/syscall/sys_path.c): the
 * caller's file descriptors, user paths copied in, and *at() bases.
 */
#ifndef SYSCALL_SYSFS_H
#define SYSCALL_SYSFS_H

#include <alloy/fdtable.h>
#include <alloy/process.h>
#include <alloy/vfs.h>

#define SYSARGS u64 a0 __attribute__((unused)), u64 a1 __attribute__((unused)), \
	u64 a2 __attribute__((unused)), u64 a3 __attribute__((unused)),          \
	u64 a4 __attribute__((unused)), u64 a5 __attribute__((unused))


static inline struct file *fget(u64 fd)
{
	return fd > 0x7fffffff ? NULL : fd_get(cur_files(), (int)fd);
}

/* The hot calls' way (read, write, lseek, fstat, epoll_wait): fget with
 * no reference when the table is the caller's alone (fget_light); only
 * for calls that close no fd of their caller's meanwhile. */
struct fd {
	struct file *file;
	bool put;
};

static inline struct fd fdget(u64 fd)
{
	struct fd f = { NULL, false };

	if (fd <= 0x7fffffff)
		f.file = fget_light((int)fd, &f.put);
	return f;
}

static inline void fdput(struct fd f)
{
	if (f.put)
		file_put(f.file);
}

/* A user path in a PATH_MAX kernel buffer (free with kfree); "" is
 * -ENOENT unless empty_ok. */
long getname(u64 upath, char **out, bool empty_ok);
/* The base for a relative path: cwd for AT_FDCWD, else a directory fd. */
int at_base(u64 dirfd, struct path *out);
/* Resolves (dirfd, upath) with AT_* flags into a path. */
int at_walk(u64 dirfd, u64 upath, int at_flags, int lookup, struct path *out);
/* Copies i's attributes to a user struct stat. */
long stat_inode(struct inode *i, u64 ubuf);

#endif
