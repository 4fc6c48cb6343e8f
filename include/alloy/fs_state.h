/*
 * A process's file-system context (kernel/sched/fs_state.c): its working
 * directory, its root (chroot) and its umask, Linux's fs_struct.
 *
 * Owner and lifetime: every process holds one reference to the fs_state
 * it uses (p->fs); processes cloned with CLONE_FS hold the same one, each
 * with its own reference, and their threads use their process's. The
 * object is freed, with the paths it holds, when the last reference goes:
 * a process drops its own at exit (release_resources) or when
 * unshare(CLONE_FS) gives it a copy. Another process's fs_state is
 * reached through p->fs under p->cwd_lock only, with fs_state_get taken
 * before that lock drops (proc_fs_get).
 *
 * Lock: fs->lock ("fs-state") guards cwd and root; each read takes a path
 * reference under it, each change swaps the path under it and drops the
 * old reference after. Nothing is taken under it and it is never taken
 * under cwd_lock (see above). umask is one word, read with READ_ONCE and
 * swapped atomically.
 */
#ifndef ALLOY_FS_STATE_H
#define ALLOY_FS_STATE_H

#include <alloy/atomic.h>
#include <alloy/spinlock.h>
#include <alloy/vfs.h>

struct fs_state {
	atomic_t refcount;
	spinlock_t lock;
	struct path cwd;		/* [lock] */
	struct path root;		/* [lock] dentry NULL: the system's root */
	u32 umask;			/* atomic */
};

/* The first process's: cwd at the system root, no chroot, umask 022. */
struct fs_state *fs_state_new(void);
/* A copy of from (clone without CLONE_FS, unshare(CLONE_FS)): the same
 * paths, each with a reference of its own. NULL if out of memory. */
struct fs_state *fs_state_copy(struct fs_state *from);
void fs_state_get(struct fs_state *fs);
void fs_state_put(struct fs_state *fs);	/* NULL is fine */
/* fs's cwd or root with a reference (root: dentry NULL when unset). */
void fs_state_path(struct fs_state *fs, bool root, struct path *out);
/* Replaces fs's cwd or root with np (a reference is taken; a root may be
 * set unset, dentry NULL: the mount namespace's root). */
void fs_state_set_path(struct fs_state *fs, bool root, const struct path *np);
/* pivot_root: fs's root and cwd, where they are old, become nw. */
void fs_state_swap_if(struct fs_state *fs, const struct path *old, const struct path *nw);

#endif
