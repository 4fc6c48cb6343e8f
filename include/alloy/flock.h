/*
 * File locks (kernel/fs/flock.c, docs/locks.md): POSIX record locks
 * (fcntl F_SETLK..., owned by the fd table, i.e. the process), open file
 * description locks (F_OFD_*, owned by the struct file) and flock(2)
 * (whole-file, owned by the struct file). An inode's locks hang off
 * inode->flctx, made on its first lock and freed with the inode.
 */
#ifndef ALLOY_FLOCK_H
#define ALLOY_FLOCK_H

#include <alloy/types.h>

struct file;
struct inode;
struct fdtable;

/* fcntl's lock commands (F_GETLK, F_SETLK, F_SETLKW and the F_OFD_
 * forms) on f, reached as fd of the current process; arg: struct flock. */
long flock_fcntl(struct file *f, int fd, int cmd, u64 arg);
/* flock(2) on f: LOCK_SH/LOCK_EX/LOCK_UN with LOCK_NB. */
long flock_flock(struct file *f, u32 cmd);
/* t closed an fd of f: t's POSIX locks on f's inode go (cheap when the
 * inode has none). Called before the fd's reference is put. */
void flock_close_posix(struct file *f, struct fdtable *t);
/* f's last reference is going: its OFD and flock locks go. */
void flock_release_file(struct file *f);
/* The inode is being freed: its lock context goes with it. */
void flock_inode_free(struct inode *i);

#endif
