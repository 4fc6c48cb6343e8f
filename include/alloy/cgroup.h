/*
 * Control groups, version 2 (kernel/sched/cgroup.c, the filesystem
 * kernel/fs/cgroupfs.c; docs/cgroup.md): one hierarchy of groups, every
 * process in exactly one of them.
 *
 * Ownership and lifetime:
 *  - A cgroup is counted (refs): its place in the tree (from mkdir to
 *    rmdir), each child (child->parent), each process that names it
 *    (process->cgroup, from fork to the process's last put: a zombie
 *    still names it), each cgroupfs inode of it (its directory and its
 *    files, so an open file or an O_PATH descriptor keeps it), each
 *    cgroup namespace whose root it is. The last put frees it and puts
 *    its parent. The root cgroup is never freed.
 *  - The tree (children lists), every cgroup's counts and flags, and
 *    every process's cgroup pointer and membership are guarded by one
 *    spinlock, `cgroup` (rank LR_CGROUP), a leaf: nothing is taken
 *    under it (pids are translated, signals sent, after it drops).
 *    cgroup_put takes no lock (any context: proc_put's).
 *  - A process is attached (counted in nr_procs) from its fork until its
 *    exit (release_resources); only then can a move, a kill or
 *    cgroup.procs see it. Fork attaches under the lock, reading the
 *    parent's cgroup in the same section; a move of the parent is before
 *    or after it. Exit detaches under the lock; a move of an exiting
 *    process sees `attached` false and does nothing.
 */
#ifndef ALLOY_CGROUP_H
#define ALLOY_CGROUP_H

#include <alloy/atomic.h>
#include <alloy/list.h>
#include <alloy/types.h>

/* Controllers (bit per controller). Only pids exists. */
enum { CG_PIDS, CG_NR_CTRL };
#define CG_CTRL_ALL ((1u << CG_NR_CTRL) - 1)
/* threaded controllers (Linux's cgrp_dfl_threaded_ss_mask): pids */
#define CG_CTRL_THREADED (1u << CG_PIDS)

/* cgroupfs files of a cgroup directory (kernel/fs/cgroupfs.c) */
enum cg_file {
	CGF_CONTROLLERS, CGF_SUBTREE, CGF_PROCS, CGF_THREADS, CGF_MAX_DEPTH,
	CGF_MAX_DESC, CGF_STAT, CGF_EVENTS, CGF_TYPE, CGF_KILL,
	CGF_PIDS_MAX, CGF_PIDS_CURRENT, CGF_PIDS_EVENTS, CGF_PIDS_PEAK,
	CGF_NR
};

#define CG_LIMIT_MAX 0x7fffffff		/* "max" */

struct cgroup {
	atomic_t refs;
	struct cgroup *parent;		/* counted; NULL: the root */
	struct list_head children;	/* [cgroup] live children */
	struct list_head sibling;	/* [cgroup] in parent->children */
	char *name;			/* kmalloc'd, fixed; "" for the root */
	u64 id;				/* never reused: its inode numbers */
	int level;			/* the root's is 0 */
	int nr_procs;			/* [cgroup] live processes in it */
	int nr_populated;		/* [cgroup] live processes in its subtree */
	int nr_populated_children;	/* [cgroup] children with any */
	int nr_descendants;		/* [cgroup] live descendants */
	int nr_dying;			/* removed descendants still referenced (atomic) */
	int max_depth, max_descendants;	/* [cgroup] CG_LIMIT_MAX: max */
	u32 subtree_control;		/* [cgroup] controllers its children get */
	bool dead;			/* [cgroup] removed (rmdir) */
	int killing;			/* [cgroup] cgroup.kill writes under way here */
	/* pids: processes and threads of its subtree, its limit (-1: max),
	 * how often a fork failed for it, the most it had */
	int pids_current, pids_peak;	/* [cgroup] */
	long pids_max;			/* [cgroup] */
	u64 pids_events_max;		/* [cgroup] */
	/* owner and mode of each of its files (chown delegates them) */
	struct { u32 uid, gid, mode; } attr[CGF_NR];	/* [cgroup] */
};

extern struct cgroup cgroup_root;

void cgroup_get(struct cgroup *cg);
void cgroup_put(struct cgroup *cg);	/* frees memory only: any context */

struct process;
struct pbuf;

/* fork (proc_create_cg): p joins into (NULL: parent's, or the root for
 * a process the kernel starts), charging pids; 0, -EAGAIN (pids.max),
 * -ENOENT (into was removed), -EINTR (the forking process is being
 * killed). */
int cgroup_fork(struct process *p, struct process *parent, struct cgroup *into);
/* Once p is in the pid table (cgroup.kill's walk can see it): must it
 * get SIGKILL? Its group is being killed, or its parent was meanwhile
 * (the walk passed p's number before p had it). */
bool cgroup_fork_doomed(struct process *p, struct process *parent);
/* Process exit (and a fork that failed): p leaves its cgroup's count of
 * processes (cgroup.procs, populated); p->cgroup stays (put with p). */
void cgroup_exit(struct process *p);
/* p is reaped (and a fork that failed): its pids charge goes. */
void cgroup_release(struct process *p);
/* A new thread of p (-EAGAIN: pids.max) and one that ended. */
int cgroup_thread_charge(struct process *p);
void cgroup_thread_uncharge(struct process *p);

/* CLONE_INTO_CGROUP: the cgroup of descriptor fd, counted, checked as
 * Linux (-EBADF: not a cgroup directory, -ENOENT: removed, -EACCES, ...);
 * thread: a CLONE_THREAD clone (only into the process's own). */
int cgroup_clone_target(int fd, bool thread, struct cgroup **out);

/* p's cgroup, counted (the root's for the kernel). */
struct cgroup *cgroup_of(struct process *p);
/* /proc/<pid>/cgroup of p, seen from the reader's cgroup namespace. */
int cgroup_proc_show(struct pbuf *b, struct process *p);
/* /proc/cgroups */
int cgroup_proc_cgroups(struct pbuf *b);

/* The cgroup namespace (kernel/sched/cgroup.c): its root is its
 * creator's cgroup when made. */
struct ns_common;
struct cgroup *cgroup_ns_root(struct ns_common *ns);

/* cgroupfs (kernel/fs/cgroupfs.c): mount -t cgroup2 */
struct path;
int cgroupfs_mount(u32 mnt_flags, const char *opts, const struct path *at);
/* the cgroup of an inode of cgroupfs that is a directory, else NULL */
struct inode;
struct cgroup *cgroupfs_dir_cgroup(struct inode *i);

/* Used by cgroupfs: operations on the tree (kernel/sched/cgroup.c) */
int cgroup_mkdir(struct cgroup *parent, const char *name, size_t len, struct cgroup **out);
int cgroup_rmdir(struct cgroup *cg);
/* The live child of cg with the smallest id above after: its id and name
 * (NAME_MAX + 1 bytes); false if none. */
bool cgroup_next_child(struct cgroup *cg, u64 after, u64 *id, char *name);
int cgroup_show(struct pbuf *b, struct cgroup *cg, int file);
/* Who opened a cgroup file (Linux's of->file->f_cred): a write of
 * cgroup.procs or cgroup.threads is checked with the opener's
 * credentials, not the writer's, so a descriptor handed to a privileged
 * writer (a setuid program's stdout) moves nothing the opener could not
 * (CVE-2021-4197, Linux 1756d7994ad8). Made by cgroupfs's open
 * (f->priv), freed by its release; NULL: the caller's own. */
struct cgroup_opener;
struct cgroup_opener *cgroup_opener_new(void);
void cgroup_opener_free(struct cgroup_opener *o);
long cgroup_write(struct cgroup *cg, int file, char *buf, size_t n,
		  const struct cgroup_opener *o);
/* Is file present in cg (root's lack some, controllers' files appear
 * with their controller)? */
bool cgroup_has_file(struct cgroup *cg, int file);

#endif
