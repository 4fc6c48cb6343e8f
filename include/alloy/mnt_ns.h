/*
 * Mount namespaces (kernel/fs/mnt_ns.c, docs/vfs.md "Mount namespaces").
 *
 * A namespace owns a tree of mounts: its root mount and everything hung
 * below it. Each process is in one (process->mnt_ns, counted); a process
 * finds its paths from its root and cwd, which are paths in its own
 * namespace's tree, so walks never leave it. A detached tree (fsmount,
 * open_tree(OPEN_TREE_CLONE)) is an anonymous namespace held by its file
 * descriptors alone; move_mount takes its mounts into the caller's.
 *
 * Lifetime: counted by the processes in it, the mount fds of an
 * anonymous one and any holder (a setns or /proc/<pid>/ns/mnt file takes
 * mnt_ns_get). The last put takes every mount of its tree out (a lazy
 * unmount of each: one still in use, an open file in it, goes when its
 * last user lets go) and frees the namespace.
 *
 * Lock order: the mount table lock (mounts) guards ns->root and every
 * mount->ns; a process's cwd_lock guards process->mnt_ns. A put may take
 * the mount table lock: never put under cwd_lock or a spinlock.
 *
 * The interface for a generic namespace framework (/proc/<pid>/ns/mnt,
 * setns, NS_GET_*): mnt_ns_get/put, mnt_ns_ino for identity,
 * mnt_ns_of(process) and mnt_ns_install (setns(CLONE_NEWNS)).
 */
#ifndef ALLOY_MNT_NS_H
#define ALLOY_MNT_NS_H

#include <alloy/atomic.h>
#include <alloy/ns.h>
#include <alloy/types.h>

struct mount;
struct path;
struct process;

struct mnt_ns {
	atomic_t count;
	struct mount *root;	/* the tree's top; NULL once moved out or torn
				 * down [mounts] */
	u64 ino;		/* identity, as /proc/<pid>/ns/mnt's inode */
	bool anon;		/* a detached tree's: no process is in it */
	u32 nr_mounts;		/* mounts whose ns this is [mounts] */
	u32 pending;		/* copies being made for it [mounts] */
	u64 user_ino;		/* the user namespace it was made in */
	/* Its face to the namespace framework (<alloy/ns.h>): inum = ino,
	 * type NS_MNT. ns_get/ns_put of it are mnt_ns_get/put (count). */
	struct ns_common common;
};

/* The boot namespace: every process is in it until one unshares. */
extern struct mnt_ns init_mnt_ns;

struct mnt_ns *mnt_ns_get(struct mnt_ns *ns);
/* The last put tears the tree down; may sleep (the mount table lock). */
void mnt_ns_put(struct mnt_ns *ns);
static inline u64 mnt_ns_ino(const struct mnt_ns *ns) { return ns->ino; }
/* p's namespace with a count, or NULL once p has exited. */
struct mnt_ns *mnt_ns_of(struct process *p);
/* The current process's namespace (no count: only the process itself
 * changes it, and only while it has one thread). */
struct mnt_ns *mnt_ns_current(void);
/* The root of ns's tree, with a reference (the boot root if ns has none). */
void mnt_ns_root_path(struct mnt_ns *ns, struct path *out);

/* unshare(CLONE_NEWNS) for the current (single-threaded) process: a copy
 * of its tree; its root and cwd move onto the copy. */
int mnt_ns_unshare(void);
/* clone(CLONE_NEWNS): child p (not yet running) gets a copy of its
 * namespace, its root and cwd moved onto it. */
int mnt_ns_clone_into(struct process *p);
/* setns(fd, CLONE_NEWNS): the current process moves into ns (its root
 * and cwd become ns's root); -EINVAL while it has other threads or for
 * a detached tree's namespace. */
int mnt_ns_install(struct mnt_ns *ns);
/* The mount namespace whose framework face c is (kernel/ns/mnt.c). */
struct mnt_ns *mnt_ns_of_common(struct ns_common *c);

/* An empty anonymous namespace (a detached tree's, root set by the
 * caller under the mount table lock) with one count; NULL on no memory. */
struct mnt_ns *mnt_ns_new_anon(void);

#endif
