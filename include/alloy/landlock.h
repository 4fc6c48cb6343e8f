/*
 * Landlock (kernel/security/landlock.c, docs/landlock.md): unprivileged
 * filesystem sandboxing at Linux's ABI version 2.
 *
 * A ruleset (an anonymous fd) gathers path-beneath rules; restrict_self
 * makes an immutable snapshot of it the newest layer of the calling
 * process's domain (at most LANDLOCK_MAX_LAYERS). A right a layer
 * handles is allowed on a path only if a rule of that layer on the path
 * or an ancestor (across mount points, to the real root) grants it; the
 * path is allowed if every layer allows it.
 *
 * Domains are per process (every thread; Alloy's threads share their
 * credentials), counted, inherited by fork and clone and kept over
 * execve. A process with no domain pays one pointer test per hook.
 *
 * The hooks: the VFS collects what a path is granted before it takes a
 * filesystem's ns_lock (the walk up takes it step by step), then decides
 * under the lock once it knows the file types.
 */
#ifndef ALLOY_LANDLOCK_H
#define ALLOY_LANDLOCK_H

#include <alloy/types.h>
#include <uapi/landlock.h>

#define LANDLOCK_ABI_VERSION 2
#define LANDLOCK_MAX_LAYERS 16
#define LANDLOCK_ACCESS_FS_ALL ((u32)((LANDLOCK_ACCESS_FS_REFER << 1) - 1))

struct path;
struct process;
struct super_block;
struct landlock_domain;

/* What each layer of the caller's domain handles and grants on a path. */
struct landlock_masks {
	int n;				/* layers; 0: not restricted */
	u16 handled[LANDLOCK_MAX_LAYERS];
	u16 granted[LANDLOCK_MAX_LAYERS];
};

/* Is the current process restricted at all? (one load) */
bool landlock_restricted(void);
/* Collects m for p (m->n == 0 and no walk when unrestricted). */
void landlock_masks_at(const struct path *p, struct landlock_masks *m);
/* 0 if every right of access that a layer handles it grants, else -EACCES. */
int landlock_masks_check(const struct landlock_masks *m, u32 access);
/* landlock_masks_at then _check. */
int landlock_check_path(const struct path *p, u32 access);
/* An open of p with these O_* flags (O_EXEC_KERNEL: execve's). */
int landlock_check_open(const struct path *p, u32 flags, u32 mode);
/* The LANDLOCK_ACCESS_FS_MAKE_* right that making a file of mode asks. */
u32 landlock_make_access(u32 mode);
/* The REMOVE_* right that removing a file of mode asks. */
u32 landlock_remove_access(u32 mode);
/* A link or rename: src and dst are the two parent directories'
 * masks, req_src/req_dst the make/remove rights asked on each. Same
 * directory: only those rights; else REFER on both and no right gained
 * by the move (exchange: either way). 0, -EACCES, or -EXDEV (only
 * REFER or a gain stands in the way, as Linux). */
int landlock_check_refer(const struct landlock_masks *src, const struct landlock_masks *dst,
			 bool same_dir, u32 req_src, u32 req_dst, bool exchange);
/* mount, umount, pivot_root, move_mount: -EPERM in a domain. */
int landlock_check_mount(void);
/* May tracer ptrace tracee? tracer's domain must be tracee's or an
 * ancestor of it (none is everyone's). Takes only the landlock lock,
 * under any lock of a lower rank (ptrace_may_access_locked's sig_lock). */
bool landlock_may_ptrace(struct process *tracer, struct process *tracee);

/* Process lifetime: fork copies the parent's domain (a reference);
 * exit drops it (process context). */
void landlock_fork(struct process *child, struct process *parent);
void landlock_proc_exit(struct process *p);
/* sb is being unmounted: rules let go of its inodes (before put_super). */
void landlock_unmount(struct super_block *sb);

long sys_landlock_create_ruleset(u64, u64, u64, u64, u64, u64);
long sys_landlock_add_rule(u64, u64, u64, u64, u64, u64);
long sys_landlock_restrict_self(u64, u64, u64, u64, u64, u64);

#endif
